//! NumPy 2's type promotion (NEP 50): the result type of operations between arrays, and
//! between an array and a Python-like scalar, which is "weak" (it takes the array's type).

use legate_core::{Error, Type};

/// The kind of a Python-like scalar operand (NEP 50 "weak" scalars: `x + 2.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// `True` / `False`
    Bool,
    /// a Python `int`
    Int,
    /// a Python `float`
    Float,
    /// a Python `complex`
    Complex,
}

/// How far a cast may go (NumPy's `casting=` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Casting {
    /// Only the same type.
    No,
    /// Only the same type (byte order does not exist here).
    Equiv,
    /// Only casts that keep every value.
    Safe,
    /// Safe casts, and casts within a kind or to a higher kind (`float64` to `float32`).
    SameKind,
    /// Any cast.
    Unsafe,
}

/// bool < unsigned/signed integers < floats < complex.
fn kind_rank(t: Type) -> u8 {
    if t.is_bool() {
        0
    } else if t.is_integer() {
        1
    } else if t.is_float() {
        2
    } else {
        3
    }
}

/// The float type able to hold every value of an integer type as NumPy decides it.
fn float_for_int(t: Type) -> Type {
    match t.size() {
        1 => Type::Float16,
        2 => Type::Float32,
        _ => Type::Float64,
    }
}

fn float_of_complex(t: Type) -> Type {
    if t == Type::Complex64 {
        Type::Float32
    } else {
        Type::Float64
    }
}

fn complex_of_float(t: Type) -> Type {
    if t == Type::Float64 {
        Type::Complex128
    } else {
        Type::Complex64
    }
}

fn larger(a: Type, b: Type) -> Type {
    if a.size() >= b.size() {
        a
    } else {
        b
    }
}

fn signed_of_size(bytes: usize) -> Type {
    match bytes {
        1 => Type::Int8,
        2 => Type::Int16,
        4 => Type::Int32,
        _ => Type::Int64,
    }
}

/// `numpy.promote_types(a, b)`.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::promote_types;
/// assert_eq!(promote_types(Type::Int8, Type::UInt8), Type::Int16);
/// assert_eq!(promote_types(Type::Int64, Type::UInt64), Type::Float64);
/// assert_eq!(promote_types(Type::Float16, Type::Int16), Type::Float32);
/// assert_eq!(promote_types(Type::Complex64, Type::Float64), Type::Complex128);
/// ```
pub fn promote_types(a: Type, b: Type) -> Type {
    let (ka, kb) = (kind_rank(a), kind_rank(b));
    if ka < kb {
        return promote_types(b, a);
    }
    // Now `a` is of the higher (or the same) kind.
    match (ka, kb) {
        (0, 0) => Type::Bool,
        (_, 0) => a,
        (1, 1) => match (a.is_signed(), b.is_signed()) {
            (true, true) | (false, false) => larger(a, b),
            (s_a, _) => {
                let (s, u) = if s_a { (a, b) } else { (b, a) };
                if u.size() < s.size() {
                    s
                } else if u.size() < 8 {
                    signed_of_size(u.size() * 2)
                } else {
                    Type::Float64
                }
            }
        },
        (2, 1) => larger(a, float_for_int(b)),
        (2, 2) => larger(a, b),
        (3, 1) => complex_of_float(larger(float_of_complex(a), float_for_int(b))),
        (3, 2) => complex_of_float(larger(float_of_complex(a), b)),
        _ => larger(a, b),
    }
}

/// `numpy.result_type` of several array types (`None` for none).
pub fn result_type(types: &[Type]) -> Option<Type> {
    let (first, rest) = types.split_first()?;
    Some(rest.iter().fold(*first, |acc, &t| promote_types(acc, t)))
}

/// The result type of an operation between an array of type `array` and a Python-like
/// scalar of `kind` (NEP 50: the scalar adapts to the array unless its kind is higher).
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::{promote_weak, ScalarKind};
/// assert_eq!(promote_weak(Type::UInt8, ScalarKind::Int), Type::UInt8);
/// assert_eq!(promote_weak(Type::Int32, ScalarKind::Float), Type::Float64);
/// assert_eq!(promote_weak(Type::Float32, ScalarKind::Float), Type::Float32);
/// assert_eq!(promote_weak(Type::Float32, ScalarKind::Complex), Type::Complex64);
/// ```
pub fn promote_weak(array: Type, scalar: ScalarKind) -> Type {
    let rank = kind_rank(array);
    match scalar {
        ScalarKind::Bool => array,
        ScalarKind::Int if rank == 0 => Type::Int64,
        ScalarKind::Int => array,
        ScalarKind::Float if rank <= 1 => Type::Float64,
        ScalarKind::Float => array,
        ScalarKind::Complex if rank <= 1 => Type::Complex128,
        ScalarKind::Complex if rank == 2 => complex_of_float(array),
        ScalarKind::Complex => array,
    }
}

/// The type NumPy gives a lone Python scalar of this kind.
pub fn default_type(kind: ScalarKind) -> Type {
    match kind {
        ScalarKind::Bool => Type::Bool,
        ScalarKind::Int => Type::Int64,
        ScalarKind::Float => Type::Float64,
        ScalarKind::Complex => Type::Complex128,
    }
}

/// `numpy.can_cast(from, to, casting)`.
pub fn can_cast(from: Type, to: Type, casting: Casting) -> bool {
    match casting {
        Casting::No | Casting::Equiv => from == to,
        Casting::Safe => promote_types(from, to) == to,
        Casting::SameKind => {
            can_cast(from, to, Casting::Safe)
                || kind_rank(from) < kind_rank(to)
                || (kind_rank(from) == kind_rank(to)
                    && (kind_rank(from) != 1
                        || from.is_signed() == to.is_signed()
                        || to.is_signed()))
        }
        Casting::Unsafe => true,
    }
}

/// The type of true division (`/`): integers and booleans divide as `float64`.
pub fn true_divide_type(t: Type) -> Type {
    if t.is_float() || t.is_complex() {
        t
    } else {
        Type::Float64
    }
}

/// The accumulator type of `sum`/`prod` with no `dtype`: booleans and signed integers
/// accumulate in `int64`, unsigned ones in `uint64`, floats and complex in their own type.
pub fn sum_type(t: Type) -> Type {
    if t.is_bool() || (t.is_integer() && t.is_signed()) {
        Type::Int64
    } else if t.is_integer() {
        Type::UInt64
    } else {
        t
    }
}

/// The result type of `mean` with no `dtype`: integers and booleans give `float64`.
pub fn mean_type(t: Type) -> Type {
    true_divide_type(t)
}

/// The result type of `var`/`std` with no `dtype`: real, like the magnitudes they sum.
pub fn var_type(t: Type) -> Type {
    let m = mean_type(t);
    if m.is_complex() {
        float_of_complex(m)
    } else {
        m
    }
}

/// NumPy 2 raises `OverflowError` when a Python integer operand does not fit the integer
/// array it combines with (`np.uint8(1) + 300`); this is that check.
pub fn check_weak_int(array: Type, value: i128) -> Result<(), Error> {
    let (lo, hi): (i128, i128) = match array {
        Type::Int8 => (i8::MIN.into(), i8::MAX.into()),
        Type::Int16 => (i16::MIN.into(), i16::MAX.into()),
        Type::Int32 => (i32::MIN.into(), i32::MAX.into()),
        Type::Int64 | Type::Bool => (i64::MIN.into(), i64::MAX.into()),
        Type::UInt8 => (0, u8::MAX.into()),
        Type::UInt16 => (0, u16::MAX.into()),
        Type::UInt32 => (0, u32::MAX.into()),
        Type::UInt64 => (0, u64::MAX.into()),
        _ => return Ok(()),
    };
    if value < lo || value > hi {
        return Err(Error::InvalidArgument {
            what: format!("Python integer {value} out of bounds for {array}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Type::*;

    #[test]
    fn promotion_table_matches_numpy() {
        let cases = [
            (Bool, Bool, Bool),
            (Bool, Int8, Int8),
            (Int8, UInt8, Int16),
            (Int16, UInt16, Int32),
            (Int32, UInt32, Int64),
            (Int64, UInt64, Float64),
            (UInt8, Int32, Int32),
            (UInt32, Int16, Int64),
            (Int8, Float16, Float16),
            (Int16, Float16, Float32),
            (UInt32, Float32, Float64),
            (Int64, Float32, Float64),
            (Float16, Float32, Float32),
            (Float32, Complex64, Complex64),
            (Float64, Complex64, Complex128),
            (Int16, Complex64, Complex64),
            (Int32, Complex64, Complex128),
            (UInt8, Complex128, Complex128),
        ];
        for (a, b, want) in cases {
            assert_eq!(promote_types(a, b), want, "{a} + {b}");
            assert_eq!(promote_types(b, a), want, "{b} + {a}");
        }
        for t in Type::ALL {
            assert_eq!(promote_types(t, t), t);
        }
    }

    #[test]
    fn weak_scalars_follow_nep50() {
        assert_eq!(promote_weak(Bool, ScalarKind::Int), Int64);
        assert_eq!(promote_weak(Int8, ScalarKind::Int), Int8);
        assert_eq!(promote_weak(UInt16, ScalarKind::Float), Float64);
        assert_eq!(promote_weak(Float16, ScalarKind::Float), Float16);
        assert_eq!(promote_weak(Float64, ScalarKind::Complex), Complex128);
        assert_eq!(promote_weak(Int32, ScalarKind::Complex), Complex128);
        assert_eq!(promote_weak(Complex64, ScalarKind::Float), Complex64);
        assert!(check_weak_int(UInt8, 300).is_err());
        assert!(check_weak_int(UInt8, -1).is_err());
        assert!(check_weak_int(Int8, -128).is_ok());
        assert!(check_weak_int(Float32, 1 << 100).is_ok());
    }

    #[test]
    fn casting_rules_and_reduction_types() {
        assert!(can_cast(Int8, Int16, Casting::Safe));
        assert!(!can_cast(Int16, Int8, Casting::Safe));
        assert!(can_cast(Float64, Float32, Casting::SameKind));
        assert!(!can_cast(Float64, Int64, Casting::SameKind));
        assert!(can_cast(Float64, Int8, Casting::Unsafe));
        assert!(!can_cast(Int8, UInt8, Casting::SameKind));
        assert!(can_cast(UInt8, Int8, Casting::SameKind));
        assert_eq!(sum_type(Int8), Int64);
        assert_eq!(sum_type(UInt16), UInt64);
        assert_eq!(sum_type(Float32), Float32);
        assert_eq!(mean_type(Int32), Float64);
        assert_eq!(var_type(Complex64), Float32);
        assert_eq!(true_divide_type(Float16), Float16);
        assert_eq!(result_type(&[Int8, UInt8, Float16]), Some(Float32));
    }
}
