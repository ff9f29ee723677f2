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
real_values!(i32, i64, f32, f64);

macro_rules! complex_values {
    ($($t:ty),*) => {$(
        impl Value for Complex<$t> {
            const ZERO: Self = Complex::new(0.0, 0.0);
            const ONE: Self = Complex::new(1.0, 0.0);
            fn from_f64(v: f64) -> Self {
                Complex::new(v as $t, 0.0)
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

/// Calls `$f::<T>($args)` with `T` the [`Value`] type of `$ty`, or evaluates `$other`
/// (with `$t` bound to the type) for a type sparse matrices do not hold.
macro_rules! dispatch_value {
    ($ty:expr, $f:ident ( $($arg:expr),* ), $t:ident => $other:expr) => {
        match $ty {
            legate_core::Type::Int32 => $f::<i32>($($arg),*),
            legate_core::Type::Int64 => $f::<i64>($($arg),*),
            legate_core::Type::Float32 => $f::<f32>($($arg),*),
            legate_core::Type::Float64 => $f::<f64>($($arg),*),
            legate_core::Type::Complex64 => {
                $f::<legate_core::num_complex::Complex<f32>>($($arg),*)
            }
            legate_core::Type::Complex128 => {
                $f::<legate_core::num_complex::Complex<f64>>($($arg),*)
            }
            $t => $other,
        }
    };
}
pub(crate) use dispatch_value;
