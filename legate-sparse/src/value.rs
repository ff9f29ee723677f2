//! The element types a sparse matrix may hold, and the dispatch from a store's
//! [`Type`] to the Rust type of its values.

use std::ops::{Add, Mul, Sub};

use legate_core::num_complex::Complex;
use legate_core::{Element, Type};

/// A type a sparse matrix may hold: the numeric types SciPy's sparse kernels compute in
/// (`int32`, `int64`, `float32`, `float64`, `complex64`, `complex128`).
pub trait Value:
    Element + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + std::iter::Sum
{
    /// The additive identity (an entry that is not stored).
    const ZERO: Self;
    /// The multiplicative identity.
    const ONE: Self;
    /// Whether this is zero (SciPy drops such results of sparse additions and products).
    fn is_zero(self) -> bool {
        self == Self::ZERO
    }
    /// The value from an `f64` (rounded or truncated as `as` does).
    fn from_f64(v: f64) -> Self;
    /// The complex conjugate (the value itself for a real type).
    fn conj(self) -> Self {
        self
    }
    /// Whether the value is finite (an integer always is).
    fn is_finite(self) -> bool {
        true
    }
}

macro_rules! real_values {
    ($($t:ty),*) => {$(
        impl Value for $t {
            const ZERO: Self = 0 as $t;
            const ONE: Self = 1 as $t;
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
real_values!(i32, i64);

macro_rules! float_values {
    ($($t:ty),*) => {$(
        impl Value for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    )*};
}
float_values!(f32, f64);

macro_rules! complex_values {
    ($($t:ty),*) => {$(
        impl Value for Complex<$t> {
            const ZERO: Self = Complex::new(0.0, 0.0);
            const ONE: Self = Complex::new(1.0, 0.0);
            fn from_f64(v: f64) -> Self {
                Complex::new(v as $t, 0.0)
            }
            fn conj(self) -> Self {
                Complex::conj(&self)
            }
            fn is_finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
        }
    )*};
}
complex_values!(f32, f64);

/// Whether a sparse matrix may hold values of `ty`.
pub fn is_value_type(ty: Type) -> bool {
    matches!(
        ty,
        Type::Int32
            | Type::Int64
            | Type::Float32
            | Type::Float64
            | Type::Complex64
            | Type::Complex128
    )
}

/// Calls `$f::<T>($args)` (or `$f::<T, I>` when called as `$f::<_, I>`) with `T` the
/// [`Value`] type of `$ty`, or evaluates `$other` (with `$t` bound to the type) for a type
/// sparse matrices do not hold.
macro_rules! dispatch_value {
    ($ty:expr, $f:ident $(::<_, $i:ty>)? ( $($arg:expr),* ), $t:ident => $other:expr) => {
        match $ty {
            legate_core::Type::Int32 => $f::<i32 $(, $i)?>($($arg),*),
            legate_core::Type::Int64 => $f::<i64 $(, $i)?>($($arg),*),
            legate_core::Type::Float32 => $f::<f32 $(, $i)?>($($arg),*),
            legate_core::Type::Float64 => $f::<f64 $(, $i)?>($($arg),*),
            legate_core::Type::Complex64 => {
                $f::<legate_core::num_complex::Complex<f32> $(, $i)?>($($arg),*)
            }
            legate_core::Type::Complex128 => {
                $f::<legate_core::num_complex::Complex<f64> $(, $i)?>($($arg),*)
            }
            $t => $other,
        }
    };
}
pub(crate) use dispatch_value;

/// The type of a matrix's `pos` and `crd`: `int32` or `int64`. SciPy's rule picks it: the
/// narrow type wherever the rows, the columns and the number of entries all fit in it.
pub(crate) trait Idx: Element + Ord {
    /// The index as a position (it is never negative in a canonical matrix).
    fn at(self) -> usize;
    /// The index of a position that [`index_type`] made sure fits.
    fn of(i: usize) -> Self;
    /// The index widened to `i64`.
    fn wide(self) -> i64;
}

macro_rules! indices {
    ($($t:ty),*) => {$(
        impl Idx for $t {
            #[inline(always)]
            fn at(self) -> usize {
                self as usize
            }
            #[inline(always)]
            fn of(i: usize) -> Self {
                i as $t
            }
            #[inline(always)]
            fn wide(self) -> i64 {
                self as i64
            }
        }
    )*};
}
indices!(i32, i64);

/// The index type of an `m x n` matrix of `nnz` entries: `int32` when `m`, `n` and `nnz`
/// are all at most `i32::MAX` (SciPy's `get_index_dtype`), else `int64`.
pub fn index_type(shape: [usize; 2], nnz: usize) -> Type {
    if shape[0].max(shape[1]).max(nnz) <= i32::MAX as usize {
        Type::Int32
    } else {
        Type::Int64
    }
}

/// A store of index type `it` (`int32` or `int64`) holding `v`, whose values the caller
/// made sure fit `it` ([`index_type`] of the matrix they index).
pub(crate) fn index_store(
    rt: &legate_core::Runtime,
    v: Vec<i64>,
    shape: &[u64],
    it: Type,
) -> legate_core::Result<legate_core::LogicalStore> {
    if it == Type::Int32 {
        rt.store_from_vec(v.into_iter().map(|i| i as i32).collect::<Vec<_>>(), shape)
    } else {
        rt.store_from_vec(v, shape)
    }
}

/// The values of an `int32` or `int64` index array, read back as `i64`.
pub(crate) fn index_vec(a: &legate_dense::Array) -> legate_core::Result<Vec<i64>> {
    match a.dtype() {
        Type::Int32 => Ok(a.to_vec::<i32>()?.into_iter().map(i64::from).collect()),
        _ => a.to_vec::<i64>(),
    }
}

/// The wider of two index types.
pub(crate) fn wider_index(a: Type, b: Type) -> Type {
    if a == Type::Int64 || b == Type::Int64 {
        Type::Int64
    } else {
        Type::Int32
    }
}

/// Calls `$f::<T, I>($args)` with `T` the [`Value`] type of `$ty` and `I` the [`Idx`]
/// type of `$ity`, or evaluates `$other` (with `$t` bound to the offending type).
macro_rules! dispatch_indexed {
    ($ty:expr, $ity:expr, $f:ident ( $($arg:expr),* ), $t:ident => $other:expr) => {
        match $ity {
            legate_core::Type::Int32 => $crate::value::dispatch_value!(
                $ty, $f::<_, i32>($($arg),*), $t => $other),
            legate_core::Type::Int64 => $crate::value::dispatch_value!(
                $ty, $f::<_, i64>($($arg),*), $t => $other),
            $t => $other,
        }
    };
}
pub(crate) use dispatch_indexed;
