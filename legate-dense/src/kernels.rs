//! Typed element kernels: casts, arithmetic, comparisons and math, per element type.

use half::f16;
use legate_core::Element;
use num_complex::Complex;

/// The family of an element type, which decides how casts and operators behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

/// What the kernels need of an element type.
pub(crate) trait Num: Element {
    const KIND: Kind;
    /// The value as an integer (floats truncated toward zero, saturating; complex: real part).
    fn to_i128(self) -> i128;
    /// The integer, wrapped into this type as C casts do (`as`).
    fn from_i128(v: i128) -> Self;
    fn to_f64(self) -> f64;
    /// The float, converted as NumPy's `astype` does (`as` for integers).
    fn from_f64(v: f64) -> Self;
    fn to_c64(self) -> Complex<f64>;
    fn from_c64(v: Complex<f64>) -> Self;
    fn is_zero(self) -> bool;
}

macro_rules! int_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const KIND: Kind = Kind::Int;
            fn to_i128(self) -> i128 { self as i128 }
            fn from_i128(v: i128) -> Self { v as $t }
            fn to_f64(self) -> f64 { self as f64 }
            fn from_f64(v: f64) -> Self { v as $t }
            fn to_c64(self) -> Complex<f64> { Complex::new(self as f64, 0.0) }
            fn from_c64(v: Complex<f64>) -> Self { v.re as $t }
            fn is_zero(self) -> bool { self == 0 }
        }
    )*};
}
int_num!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const KIND: Kind = Kind::Float;
            fn to_i128(self) -> i128 { self as i128 }
            fn from_i128(v: i128) -> Self { v as $t }
            fn to_f64(self) -> f64 { self as f64 }
            fn from_f64(v: f64) -> Self { v as $t }
            fn to_c64(self) -> Complex<f64> { Complex::new(self as f64, 0.0) }
            fn from_c64(v: Complex<f64>) -> Self { v.re as $t }
            fn is_zero(self) -> bool { self == 0.0 }
        }
    )*};
}
float_num!(f32, f64);

impl Num for f16 {
    const KIND: Kind = Kind::Float;
    fn to_i128(self) -> i128 {
        self.to_f64() as i128
    }
    fn from_i128(v: i128) -> Self {
        f16::from_f64(v as f64)
    }
    fn to_f64(self) -> f64 {
        f16::to_f64(self)
    }
    fn from_f64(v: f64) -> Self {
        f16::from_f64(v)
    }
    fn to_c64(self) -> Complex<f64> {
        Complex::new(f16::to_f64(self), 0.0)
    }
    fn from_c64(v: Complex<f64>) -> Self {
        f16::from_f64(v.re)
    }
    fn is_zero(self) -> bool {
        f16::to_f64(self) == 0.0
    }
}

impl Num for bool {
    const KIND: Kind = Kind::Bool;
    fn to_i128(self) -> i128 {
        i128::from(self)
    }
    fn from_i128(v: i128) -> Self {
        v != 0
    }
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_c64(self) -> Complex<f64> {
        Complex::new(self.to_f64(), 0.0)
    }
    fn from_c64(v: Complex<f64>) -> Self {
        v.re != 0.0 || v.im != 0.0
    }
    fn is_zero(self) -> bool {
        !self
    }
}

/// Complex numbers order lexicographically, as NumPy sorts and compares them.
macro_rules! complex_num {
    ($($t:ty),*) => {$(
        impl Num for Complex<$t> {
            const KIND: Kind = Kind::Complex;
            fn to_i128(self) -> i128 { self.re as i128 }
            fn from_i128(v: i128) -> Self { Complex::new(v as $t, 0.0) }
            fn to_f64(self) -> f64 { self.re as f64 }
            fn from_f64(v: f64) -> Self { Complex::new(v as $t, 0.0) }
            fn to_c64(self) -> Complex<f64> { Complex::new(self.re as f64, self.im as f64) }
            fn from_c64(v: Complex<f64>) -> Self { Complex::new(v.re as $t, v.im as $t) }
            fn is_zero(self) -> bool { self.re == 0.0 && self.im == 0.0 }
        }
    )*};
}
complex_num!(f32, f64);

/// `astype`: NumPy's casting of one element.
pub(crate) fn cast<S: Num, D: Num>(s: S) -> D {
    match (S::KIND, D::KIND) {
        (_, Kind::Bool) => D::from_i128(i128::from(!s.is_zero())),
        (Kind::Bool | Kind::Int, Kind::Int) => D::from_i128(s.to_i128()),
        (Kind::Bool | Kind::Int, _) => D::from_f64(s.to_i128() as f64),
        (Kind::Float, Kind::Complex) | (Kind::Complex, Kind::Complex) => D::from_c64(s.to_c64()),
        (Kind::Float | Kind::Complex, _) => D::from_f64(s.to_f64()),
    }
}

/// Binary operations on two elements of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Subtract,
    /// `a * b`
    Multiply,
    /// `a / b` (floats and complex; integers are promoted to float first)
    TrueDivide,
    /// `a // b`, rounding toward negative infinity
    FloorDivide,
    /// `a % b` with the sign of `b`, as Python's
    Remainder,
    /// `a ** b`
    Power,
    /// the larger (NaN propagates)
    Maximum,
    /// the smaller (NaN propagates)
    Minimum,
    /// `a & b` (integers and booleans)
    BitwiseAnd,
    /// `a | b`
    BitwiseOr,
    /// `a ^ b`
    BitwiseXor,
    /// `a == b`, giving booleans
    Equal,
    /// `a != b`
    NotEqual,
    /// `a < b`
    Less,
    /// `a <= b`
    LessEqual,
    /// `a > b`
    Greater,
    /// `a >= b`
    GreaterEqual,
}

impl BinaryOp {
    /// All operators, in the order of their codes.
    pub const ALL: [BinaryOp; 18] = [
        BinaryOp::Add,
        BinaryOp::Subtract,
        BinaryOp::Multiply,
        BinaryOp::TrueDivide,
        BinaryOp::FloorDivide,
        BinaryOp::Remainder,
        BinaryOp::Power,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
        BinaryOp::BitwiseAnd,
        BinaryOp::BitwiseOr,
        BinaryOp::BitwiseXor,
        BinaryOp::Equal,
        BinaryOp::NotEqual,
        BinaryOp::Less,
        BinaryOp::LessEqual,
        BinaryOp::Greater,
        BinaryOp::GreaterEqual,
    ];

    /// Whether the result is boolean.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Equal
                | BinaryOp::NotEqual
                | BinaryOp::Less
                | BinaryOp::LessEqual
                | BinaryOp::Greater
                | BinaryOp::GreaterEqual
        )
    }

    /// NumPy's name of the ufunc.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Subtract => "subtract",
            BinaryOp::Multiply => "multiply",
            BinaryOp::TrueDivide => "true_divide",
            BinaryOp::FloorDivide => "floor_divide",
            BinaryOp::Remainder => "remainder",
            BinaryOp::Power => "power",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::BitwiseAnd => "bitwise_and",
            BinaryOp::BitwiseOr => "bitwise_or",
            BinaryOp::BitwiseXor => "bitwise_xor",
            BinaryOp::Equal => "equal",
            BinaryOp::NotEqual => "not_equal",
            BinaryOp::Less => "less",
            BinaryOp::LessEqual => "less_equal",
            BinaryOp::Greater => "greater",
            BinaryOp::GreaterEqual => "greater_equal",
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<BinaryOp> {
        BinaryOp::ALL.get(usize::from(code)).copied()
    }
}

/// Comparison of two elements through complex values (lexicographic; NaN compares false).
fn compare<T: Num>(op: BinaryOp, a: T, b: T) -> bool {
    let (a, b) = (a.to_c64(), b.to_c64());
    match op {
        BinaryOp::Equal => a == b,
        BinaryOp::NotEqual => a != b,
        BinaryOp::Less => (a.re, a.im) < (b.re, b.im),
        BinaryOp::LessEqual => (a.re, a.im) <= (b.re, b.im),
        BinaryOp::Greater => (a.re, a.im) > (b.re, b.im),
        BinaryOp::GreaterEqual => (a.re, a.im) >= (b.re, b.im),
        _ => false,
    }
}

/// Comparison that is exact for 64-bit integers too.
pub(crate) fn compare_exact<T: Num>(op: BinaryOp, a: T, b: T) -> bool {
    if T::KIND == Kind::Int || T::KIND == Kind::Bool {
        let (a, b) = (a.to_i128(), b.to_i128());
        return match op {
            BinaryOp::Equal => a == b,
            BinaryOp::NotEqual => a != b,
            BinaryOp::Less => a < b,
            BinaryOp::LessEqual => a <= b,
            BinaryOp::Greater => a > b,
            BinaryOp::GreaterEqual => a >= b,
            _ => false,
        };
    }
    compare(op, a, b)
}

/// Arithmetic of one element type; `None` where NumPy has no such loop for the type.
pub(crate) trait Arith: Num {
    fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self>;
}

macro_rules! signed_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
                Some(match op {
                    BinaryOp::Add => |a: $t, b: $t| a.wrapping_add(b),
                    BinaryOp::Subtract => |a: $t, b: $t| a.wrapping_sub(b),
                    BinaryOp::Multiply => |a: $t, b: $t| a.wrapping_mul(b),
                    // Integer division by zero gives 0, as NumPy (which also warns).
                    BinaryOp::FloorDivide => |a: $t, b: $t| if b == 0 { 0 } else { a.wrapping_div_euclid(b) - if (a.wrapping_rem_euclid(b) != 0) && b < 0 { 1 } else { 0 } },
                    BinaryOp::Remainder => |a: $t, b: $t| if b == 0 { 0 } else { let r = a.wrapping_rem(b); if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r } },
                    BinaryOp::Power => |a: $t, b: $t| if b < 0 { 0 } else { a.wrapping_pow(b.min(u32::MAX as $t) as u32) },
                    BinaryOp::Maximum => |a: $t, b: $t| a.max(b),
                    BinaryOp::Minimum => |a: $t, b: $t| a.min(b),
                    BinaryOp::BitwiseAnd => |a: $t, b: $t| a & b,
                    BinaryOp::BitwiseOr => |a: $t, b: $t| a | b,
                    BinaryOp::BitwiseXor => |a: $t, b: $t| a ^ b,
                    _ => return None,
                })
            }
        }
    )*};
}
signed_arith!(i8, i16, i32, i64);

macro_rules! unsigned_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
                Some(match op {
                    BinaryOp::Add => |a: $t, b: $t| a.wrapping_add(b),
                    BinaryOp::Subtract => |a: $t, b: $t| a.wrapping_sub(b),
                    BinaryOp::Multiply => |a: $t, b: $t| a.wrapping_mul(b),
                    BinaryOp::FloorDivide => |a: $t, b: $t| if b == 0 { 0 } else { a / b },
                    BinaryOp::Remainder => |a: $t, b: $t| if b == 0 { 0 } else { a % b },
                    BinaryOp::Power => |a: $t, b: $t| a.wrapping_pow(b.min(u32::MAX as $t) as u32),
                    BinaryOp::Maximum => |a: $t, b: $t| a.max(b),
                    BinaryOp::Minimum => |a: $t, b: $t| a.min(b),
                    BinaryOp::BitwiseAnd => |a: $t, b: $t| a & b,
                    BinaryOp::BitwiseOr => |a: $t, b: $t| a | b,
                    BinaryOp::BitwiseXor => |a: $t, b: $t| a ^ b,
                    _ => return None,
                })
            }
        }
    )*};
}
unsigned_arith!(u8, u16, u32, u64);

macro_rules! float_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
                Some(match op {
                    BinaryOp::Add => |a: $t, b: $t| a + b,
                    BinaryOp::Subtract => |a: $t, b: $t| a - b,
                    BinaryOp::Multiply => |a: $t, b: $t| a * b,
                    BinaryOp::TrueDivide => |a: $t, b: $t| a / b,
                    BinaryOp::FloorDivide => |a: $t, b: $t| (a / b).floor(),
                    BinaryOp::Remainder => |a: $t, b: $t| { let r = a % b; if r != 0.0 && ((r < 0.0) != (b < 0.0)) { r + b } else { r } },
                    BinaryOp::Power => |a: $t, b: $t| a.powf(b),
                    BinaryOp::Maximum => |a: $t, b: $t| if a.is_nan() || a >= b { a } else { b },
                    BinaryOp::Minimum => |a: $t, b: $t| if a.is_nan() || a <= b { a } else { b },
                    _ => return None,
                })
            }
        }
    )*};
}
float_arith!(f32, f64);

impl Arith for f16 {
    fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
        // Computed in f32 and rounded once, as NumPy's half loops do.
        Some(match op {
            BinaryOp::Add => |a: f16, b: f16| f16::from_f32(a.to_f32() + b.to_f32()),
            BinaryOp::Subtract => |a: f16, b: f16| f16::from_f32(a.to_f32() - b.to_f32()),
            BinaryOp::Multiply => |a: f16, b: f16| f16::from_f32(a.to_f32() * b.to_f32()),
            BinaryOp::TrueDivide => |a: f16, b: f16| f16::from_f32(a.to_f32() / b.to_f32()),
            BinaryOp::FloorDivide => {
                |a: f16, b: f16| f16::from_f32((a.to_f32() / b.to_f32()).floor())
            }
            BinaryOp::Remainder => |a: f16, b: f16| {
                let (a, b) = (a.to_f32(), b.to_f32());
                let r = a % b;
                f16::from_f32(if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                    r + b
                } else {
                    r
                })
            },
            BinaryOp::Power => |a: f16, b: f16| f16::from_f32(a.to_f32().powf(b.to_f32())),
            BinaryOp::Maximum => |a: f16, b: f16| if a.is_nan() || a >= b { a } else { b },
            BinaryOp::Minimum => |a: f16, b: f16| if a.is_nan() || a <= b { a } else { b },
            _ => return None,
        })
    }
}

macro_rules! complex_arith {
    ($($t:ty),*) => {$(
        impl Arith for Complex<$t> {
            fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
                Some(match op {
                    BinaryOp::Add => |a: Complex<$t>, b: Complex<$t>| a + b,
                    BinaryOp::Subtract => |a: Complex<$t>, b: Complex<$t>| a - b,
                    BinaryOp::Multiply => |a: Complex<$t>, b: Complex<$t>| a * b,
                    BinaryOp::TrueDivide => |a: Complex<$t>, b: Complex<$t>| a / b,
                    BinaryOp::Power => |a: Complex<$t>, b: Complex<$t>| a.powc(b),
                    _ => return None,
                })
            }
        }
    )*};
}
complex_arith!(f32, f64);

impl Arith for bool {
    fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
        Some(match op {
            BinaryOp::Add | BinaryOp::BitwiseOr | BinaryOp::Maximum => |a, b| a | b,
            BinaryOp::Multiply | BinaryOp::BitwiseAnd | BinaryOp::Minimum => |a, b| a & b,
            BinaryOp::BitwiseXor => |a, b| a ^ b,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_numpy() {
        assert_eq!(cast::<f64, i32>(-2.7), -2);
        assert_eq!(cast::<i32, u8>(300), 44);
        assert_eq!(cast::<i64, f64>(3), 3.0);
        assert!(cast::<f64, bool>(0.5));
        assert!(!cast::<Complex<f64>, bool>(Complex::new(0.0, 0.0)));
        assert_eq!(cast::<Complex<f64>, f32>(Complex::new(1.5, 2.0)), 1.5);
        assert_eq!(cast::<bool, f64>(true), 1.0);
        assert_eq!(cast::<u64, i64>(u64::MAX), -1);
    }

    #[test]
    fn integer_division_and_remainder_round_like_python() {
        let fd = <i32 as Arith>::binary(BinaryOp::FloorDivide).unwrap();
        let rem = <i32 as Arith>::binary(BinaryOp::Remainder).unwrap();
        for (a, b, q, r) in [
            (7, 2, 3, 1),
            (-7, 2, -4, 1),
            (7, -2, -4, -1),
            (-7, -2, 3, -1),
            (5, 0, 0, 0),
        ] {
            assert_eq!((fd(a, b), rem(a, b)), (q, r), "{a} // {b}");
        }
        let frem = <f64 as Arith>::binary(BinaryOp::Remainder).unwrap();
        assert_eq!(frem(-7.0, 2.0), 1.0);
        assert_eq!(frem(7.0, -2.0), -1.0);
    }

    #[test]
    fn comparisons_are_exact_for_wide_integers() {
        let big = i64::MAX;
        assert!(compare_exact(BinaryOp::Greater, big, big - 1));
        assert!(!compare_exact(BinaryOp::Less, f64::NAN, 1.0));
        assert!(compare_exact(
            BinaryOp::Less,
            Complex::new(1.0, 0.0),
            Complex::new(1.0, 1.0)
        ));
    }
}

/// Unary operations on one element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum UnaryOp {
    /// `-a`
    Negative,
    /// `|a|` (not defined for complex numbers here)
    Absolute,
    /// `a * a`
    Square,
    /// square root
    Sqrt,
    /// `e^a`
    Exp,
    /// natural logarithm
    Log,
    /// sine
    Sin,
    /// cosine
    Cos,
    /// tangent
    Tan,
    /// hyperbolic tangent
    Tanh,
    /// round toward negative infinity
    Floor,
    /// round toward positive infinity
    Ceil,
    /// logical not (booleans) / bitwise not (integers)
    Invert,
}

impl UnaryOp {
    /// All operators, in the order of their codes.
    pub const ALL: [UnaryOp; 13] = [
        UnaryOp::Negative,
        UnaryOp::Absolute,
        UnaryOp::Square,
        UnaryOp::Sqrt,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Tan,
        UnaryOp::Tanh,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Invert,
    ];

    /// NumPy's name of the ufunc.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Negative => "negative",
            UnaryOp::Absolute => "absolute",
            UnaryOp::Square => "square",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tan => "tan",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Invert => "invert",
        }
    }

    /// Whether the operation needs a floating-point input (integers are promoted first).
    pub fn is_transcendental(self) -> bool {
        matches!(
            self,
            UnaryOp::Sqrt
                | UnaryOp::Exp
                | UnaryOp::Log
                | UnaryOp::Sin
                | UnaryOp::Cos
                | UnaryOp::Tan
                | UnaryOp::Tanh
        )
    }

    pub(crate) fn from_code(code: u8) -> Option<UnaryOp> {
        UnaryOp::ALL.get(usize::from(code)).copied()
    }
}

/// Unary math of one element type; `None` where NumPy has no such loop for the type.
pub(crate) trait Math: Num {
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self>;
}

macro_rules! signed_math {
    ($($t:ty),*) => {$(
        impl Math for $t {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: $t| a.wrapping_neg(),
                    UnaryOp::Absolute => |a: $t| a.wrapping_abs(),
                    UnaryOp::Square => |a: $t| a.wrapping_mul(a),
                    UnaryOp::Floor | UnaryOp::Ceil => |a: $t| a,
                    UnaryOp::Invert => |a: $t| !a,
                    _ => return None,
                })
            }
        }
    )*};
}
signed_math!(i8, i16, i32, i64);

macro_rules! unsigned_math {
    ($($t:ty),*) => {$(
        impl Math for $t {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: $t| a.wrapping_neg(),
                    UnaryOp::Absolute | UnaryOp::Floor | UnaryOp::Ceil => |a: $t| a,
                    UnaryOp::Square => |a: $t| a.wrapping_mul(a),
                    UnaryOp::Invert => |a: $t| !a,
                    _ => return None,
                })
            }
        }
    )*};
}
unsigned_math!(u8, u16, u32, u64);

macro_rules! float_math {
    ($($t:ty),*) => {$(
        impl Math for $t {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: $t| -a,
                    UnaryOp::Absolute => |a: $t| a.abs(),
                    UnaryOp::Square => |a: $t| a * a,
                    UnaryOp::Sqrt => |a: $t| a.sqrt(),
                    UnaryOp::Exp => |a: $t| a.exp(),
                    UnaryOp::Log => |a: $t| a.ln(),
                    UnaryOp::Sin => |a: $t| a.sin(),
                    UnaryOp::Cos => |a: $t| a.cos(),
                    UnaryOp::Tan => |a: $t| a.tan(),
                    UnaryOp::Tanh => |a: $t| a.tanh(),
                    UnaryOp::Floor => |a: $t| a.floor(),
                    UnaryOp::Ceil => |a: $t| a.ceil(),
                    UnaryOp::Invert => return None,
                })
            }
        }
    )*};
}
float_math!(f32, f64);

impl Math for f16 {
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
        // Through f32, rounded once.
        <f32 as Math>::unary(op)?;
        Some(match op {
            UnaryOp::Negative => |a: f16| -a,
            UnaryOp::Absolute => |a: f16| f16::from_f32(a.to_f32().abs()),
            UnaryOp::Square => |a: f16| f16::from_f32(a.to_f32() * a.to_f32()),
            UnaryOp::Sqrt => |a: f16| f16::from_f32(a.to_f32().sqrt()),
            UnaryOp::Exp => |a: f16| f16::from_f32(a.to_f32().exp()),
            UnaryOp::Log => |a: f16| f16::from_f32(a.to_f32().ln()),
            UnaryOp::Sin => |a: f16| f16::from_f32(a.to_f32().sin()),
            UnaryOp::Cos => |a: f16| f16::from_f32(a.to_f32().cos()),
            UnaryOp::Tan => |a: f16| f16::from_f32(a.to_f32().tan()),
            UnaryOp::Tanh => |a: f16| f16::from_f32(a.to_f32().tanh()),
            UnaryOp::Floor => |a: f16| f16::from_f32(a.to_f32().floor()),
            UnaryOp::Ceil => |a: f16| f16::from_f32(a.to_f32().ceil()),
            UnaryOp::Invert => return None,
        })
    }
}

macro_rules! complex_math {
    ($($t:ty),*) => {$(
        impl Math for Complex<$t> {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: Complex<$t>| -a,
                    UnaryOp::Square => |a: Complex<$t>| a * a,
                    UnaryOp::Sqrt => |a: Complex<$t>| a.sqrt(),
                    UnaryOp::Exp => |a: Complex<$t>| a.exp(),
                    UnaryOp::Log => |a: Complex<$t>| a.ln(),
                    UnaryOp::Sin => |a: Complex<$t>| a.sin(),
                    UnaryOp::Cos => |a: Complex<$t>| a.cos(),
                    UnaryOp::Tan => |a: Complex<$t>| a.tan(),
                    UnaryOp::Tanh => |a: Complex<$t>| a.tanh(),
                    _ => return None,
                })
            }
        }
    )*};
}
complex_math!(f32, f64);

impl Math for bool {
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
        Some(match op {
            UnaryOp::Invert => |a: bool| !a,
            UnaryOp::Absolute | UnaryOp::Square => |a: bool| a,
            _ => return None,
        })
    }
}
