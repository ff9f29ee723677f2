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

/// Declares an operator enum with its codes (the order of `ALL`) and NumPy's names.
macro_rules! op_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vm])* $v,)*
        }

        impl $name {
            /// All operators, in the order of their codes.
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            /// NumPy's name of the ufunc.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$v => $s,)*
                }
            }
        }
    };
}

op_enum! {
    /// Binary operations on two elements of one type.
    BinaryOp {
        /// `a + b`
        Add => "add",
        /// `a - b`
        Subtract => "subtract",
        /// `a * b`
        Multiply => "multiply",
        /// `a / b` (floats and complex; integers are promoted to float first)
        TrueDivide => "true_divide",
        /// `a // b`, rounding toward negative infinity
        FloorDivide => "floor_divide",
        /// `a % b` with the sign of `b`, as Python's
        Remainder => "remainder",
        /// `a ** b`
        Power => "power",
        /// the larger (NaN propagates)
        Maximum => "maximum",
        /// the smaller (NaN propagates)
        Minimum => "minimum",
        /// `a & b` (integers and booleans)
        BitwiseAnd => "bitwise_and",
        /// `a | b`
        BitwiseOr => "bitwise_or",
        /// `a ^ b`
        BitwiseXor => "bitwise_xor",
        /// `a == b`, giving booleans
        Equal => "equal",
        /// `a != b`
        NotEqual => "not_equal",
        /// `a < b`
        Less => "less",
        /// `a <= b`
        LessEqual => "less_equal",
        /// `a > b`
        Greater => "greater",
        /// `a >= b`
        GreaterEqual => "greater_equal",
        /// C's remainder: the sign of `a` (NumPy's `fmod`)
        Fmod => "fmod",
        /// the angle of the point `(b, a)`
        Arctan2 => "arctan2",
        /// `sqrt(a² + b²)` without overflow
        Hypot => "hypot",
        /// `|a|` with the sign of `b`
        Copysign => "copysign",
        /// `log(exp(a) + exp(b))` without overflow
        Logaddexp => "logaddexp",
        /// `log2(2^a + 2^b)` without overflow
        Logaddexp2 => "logaddexp2",
        /// the next representable value after `a` toward `b`
        Nextafter => "nextafter",
        /// the larger, ignoring NaN
        Fmax => "fmax",
        /// the smaller, ignoring NaN
        Fmin => "fmin",
        /// the step function: 0 below zero, `b` at zero, 1 above
        Heaviside => "heaviside",
        /// `a ** b` computed in at least float64
        FloatPower => "float_power",
        /// `a * 2^b`
        Ldexp => "ldexp",
        /// greatest common divisor (integers)
        Gcd => "gcd",
        /// least common multiple (integers)
        Lcm => "lcm",
        /// `a << b` (integers; 0 past the width)
        LeftShift => "left_shift",
        /// `a >> b` (integers; arithmetic for signed types)
        RightShift => "right_shift",
        /// `a and b`, giving booleans
        LogicalAnd => "logical_and",
        /// `a or b`
        LogicalOr => "logical_or",
        /// `a xor b`
        LogicalXor => "logical_xor",
    }
}

impl BinaryOp {
    /// Whether this is `+`, `-`, `*` or `/`: the operations with a scalar block kernel
    /// (`Block::scalar_block`) computing exactly what their binary one does.
    pub(crate) fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinaryOp::Add | BinaryOp::Subtract | BinaryOp::Multiply | BinaryOp::TrueDivide
        )
    }

    /// Whether the result is boolean (comparisons and logical operators).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Equal
                | BinaryOp::NotEqual
                | BinaryOp::Less
                | BinaryOp::LessEqual
                | BinaryOp::Greater
                | BinaryOp::GreaterEqual
                | BinaryOp::LogicalAnd
                | BinaryOp::LogicalOr
                | BinaryOp::LogicalXor
        )
    }

    /// Whether integer and boolean operands are promoted to a float type first (NumPy has
    /// only inexact loops for these).
    pub fn needs_float(self) -> bool {
        matches!(
            self,
            BinaryOp::TrueDivide
                | BinaryOp::Arctan2
                | BinaryOp::Hypot
                | BinaryOp::Copysign
                | BinaryOp::Logaddexp
                | BinaryOp::Logaddexp2
                | BinaryOp::Nextafter
                | BinaryOp::Heaviside
                | BinaryOp::FloatPower
                | BinaryOp::Ldexp
        )
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

/// Comparison (or logical operator) that is exact for 64-bit integers too.
pub(crate) fn compare_exact<T: Num>(op: BinaryOp, a: T, b: T) -> bool {
    match op {
        BinaryOp::LogicalAnd => return !a.is_zero() && !b.is_zero(),
        BinaryOp::LogicalOr => return !a.is_zero() || !b.is_zero(),
        BinaryOp::LogicalXor => return a.is_zero() != b.is_zero(),
        _ => {}
    }
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

/// Greatest common divisor of magnitudes (Euclid), as NumPy's `gcd`.
macro_rules! gcd_of {
    ($a:expr, $b:expr) => {{
        let (mut a, mut b) = ($a, $b);
        while b != 0 {
            let t = a % b;
            a = b;
            b = t;
        }
        a
    }};
}

macro_rules! int_common_arith {
    ($t:ty, $op:expr, $abs:expr) => {
        Some(match $op {
            BinaryOp::Add => |a: $t, b: $t| a.wrapping_add(b),
            BinaryOp::Subtract => |a: $t, b: $t| a.wrapping_sub(b),
            BinaryOp::Multiply => |a: $t, b: $t| a.wrapping_mul(b),
            BinaryOp::Maximum | BinaryOp::Fmax => |a: $t, b: $t| a.max(b),
            BinaryOp::Minimum | BinaryOp::Fmin => |a: $t, b: $t| a.min(b),
            BinaryOp::BitwiseAnd => |a: $t, b: $t| a & b,
            BinaryOp::BitwiseOr => |a: $t, b: $t| a | b,
            BinaryOp::BitwiseXor => |a: $t, b: $t| a ^ b,
            // C's remainder; division by zero gives 0, as NumPy (which also warns).
            BinaryOp::Fmod => |a: $t, b: $t| if b == 0 { 0 } else { a.wrapping_rem(b) },
            BinaryOp::Gcd => |a: $t, b: $t| gcd_of!($abs(a), $abs(b)),
            BinaryOp::Lcm => |a: $t, b: $t| {
                let (a, b) = ($abs(a), $abs(b));
                let g = gcd_of!(a, b);
                if g == 0 {
                    0
                } else {
                    (a / g).wrapping_mul(b)
                }
            },
            // Shifts past the width give 0 (or -1 for negative values shifted right).
            BinaryOp::LeftShift => |a: $t, b: $t| {
                if (b as u128) < <$t>::BITS as u128 {
                    a.wrapping_shl(b as u32)
                } else {
                    0
                }
            },
            BinaryOp::RightShift => |a: $t, b: $t| {
                if (b as u128) < <$t>::BITS as u128 {
                    a >> (b as u32)
                } else {
                    a >> (<$t>::BITS - 1) >> 1
                }
            },
            _ => return None,
        })
    };
}

/// `a` to the power `e` in `a`'s integer type, wrapping as NumPy's integer `power` (by
/// squaring: the whole `u64` range of exponents, exactly).
macro_rules! wrapping_ipow {
    ($t:ty, $a:expr, $e:expr) => {{
        let (mut base, mut e, mut acc): ($t, u64, $t) = ($a, $e, 1);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        acc
    }};
}

macro_rules! signed_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
                Some(match op {
                    BinaryOp::FloorDivide => |a: $t, b: $t| if b == 0 { 0 } else { a.wrapping_div_euclid(b) - if (a.wrapping_rem_euclid(b) != 0) && b < 0 { 1 } else { 0 } },
                    BinaryOp::Remainder => |a: $t, b: $t| if b == 0 { 0 } else { let r = a.wrapping_rem(b); if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r } },
                    BinaryOp::Power => |a: $t, b: $t| if b < 0 { 0 } else { wrapping_ipow!($t, a, b as u64) },
                    op => return int_common_arith!($t, op, |v: $t| v.wrapping_abs()),
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
                    BinaryOp::FloorDivide => |a: $t, b: $t| if b == 0 { 0 } else { a / b },
                    BinaryOp::Remainder => |a: $t, b: $t| if b == 0 { 0 } else { a % b },
                    BinaryOp::Power => |a: $t, b: $t| wrapping_ipow!($t, a, b as u64),
                    op => return int_common_arith!($t, op, |v: $t| v),
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
                    BinaryOp::Power | BinaryOp::FloatPower => |a: $t, b: $t| a.powf(b),
                    BinaryOp::Maximum => |a: $t, b: $t| if a.is_nan() || a >= b { a } else { b },
                    BinaryOp::Minimum => |a: $t, b: $t| if a.is_nan() || a <= b { a } else { b },
                    BinaryOp::Fmax => |a: $t, b: $t| if b.is_nan() || a >= b { a } else { b },
                    BinaryOp::Fmin => |a: $t, b: $t| if b.is_nan() || a <= b { a } else { b },
                    BinaryOp::Fmod => |a: $t, b: $t| a % b,
                    BinaryOp::Arctan2 => |a: $t, b: $t| a.atan2(b),
                    BinaryOp::Hypot => |a: $t, b: $t| a.hypot(b),
                    BinaryOp::Copysign => |a: $t, b: $t| a.copysign(b),
                    BinaryOp::Logaddexp => |a: $t, b: $t| {
                        if a == b {
                            a + std::f64::consts::LN_2 as $t
                        } else {
                            let d = a - b;
                            if d > 0.0 { a + (-d).exp().ln_1p() } else if d <= 0.0 { b + d.exp().ln_1p() } else { d }
                        }
                    },
                    BinaryOp::Logaddexp2 => |a: $t, b: $t| {
                        if a == b {
                            a + 1.0
                        } else {
                            let d = a - b;
                            let log2_1p = |x: $t| x.ln_1p() / std::f64::consts::LN_2 as $t;
                            if d > 0.0 { a + log2_1p((-d).exp2()) } else if d <= 0.0 { b + log2_1p(d.exp2()) } else { d }
                        }
                    },
                    BinaryOp::Nextafter => |a: $t, b: $t| {
                        if a.is_nan() || b.is_nan() {
                            a + b
                        } else if a == b {
                            b
                        } else if a == 0.0 {
                            <$t>::from_bits(1).copysign(b)
                        } else {
                            let bits = a.to_bits();
                            <$t>::from_bits(if (b > a) == (a > 0.0) { bits + 1 } else { bits - 1 })
                        }
                    },
                    BinaryOp::Heaviside => |a: $t, b: $t| {
                        if a.is_nan() { a } else if a < 0.0 { 0.0 } else if a == 0.0 { b } else { 1.0 }
                    },
                    BinaryOp::Ldexp => |a: $t, b: $t| {
                        // In steps, so that a tiny value times a huge power stays finite.
                        let mut e = b.clamp(-10000.0, 10000.0) as i32;
                        let mut x = a;
                        while e > 100 { x *= (2.0 as $t).powi(100); e -= 100; }
                        while e < -100 { x *= (2.0 as $t).powi(-100); e += 100; }
                        x * (2.0 as $t).powi(e)
                    },
                    _ => return None,
                })
            }
        }
    )*};
}
float_arith!(f32, f64);

/// `op` on two `f32` values (the kernels of `f16`, which compute in `f32` and round once,
/// as NumPy's half loops do).
#[inline(always)]
fn via_f32(op: BinaryOp, a: f16, b: f16) -> f16 {
    match <f32 as Arith>::binary(op) {
        Some(f) => f16::from_f32(f(a.to_f32(), b.to_f32())),
        None => f16::NAN,
    }
}

macro_rules! f16_binary {
    ($op:expr; $($v:ident),*) => {
        Some(match $op {
            $(BinaryOp::$v => |a: f16, b: f16| via_f32(BinaryOp::$v, a, b),)*
            _ => return None,
        })
    };
}

impl Arith for f16 {
    fn binary(op: BinaryOp) -> Option<fn(Self, Self) -> Self> {
        match op {
            BinaryOp::Maximum => Some(|a: f16, b: f16| if a.is_nan() || a >= b { a } else { b }),
            BinaryOp::Minimum => Some(|a: f16, b: f16| if a.is_nan() || a <= b { a } else { b }),
            BinaryOp::Fmax => Some(|a: f16, b: f16| if b.is_nan() || a >= b { a } else { b }),
            BinaryOp::Fmin => Some(|a: f16, b: f16| if b.is_nan() || a <= b { a } else { b }),
            BinaryOp::Copysign => Some(|a: f16, b: f16| {
                f16::from_bits((a.to_bits() & 0x7fff) | (b.to_bits() & 0x8000))
            }),
            BinaryOp::Nextafter => Some(|a: f16, b: f16| {
                if a.is_nan() || b.is_nan() {
                    f16::NAN
                } else if a == b {
                    b
                } else if a.to_f32() == 0.0 {
                    f16::from_bits(1 | (b.to_bits() & 0x8000))
                } else {
                    let bits = a.to_bits();
                    let up = (b > a) == (a.to_f32() > 0.0);
                    f16::from_bits(if up { bits + 1 } else { bits - 1 })
                }
            }),
            op => f16_binary!(op; Add, Subtract, Multiply, TrueDivide, FloorDivide, Remainder,
                Power, FloatPower, Fmod, Arctan2, Hypot, Logaddexp, Logaddexp2, Heaviside, Ldexp),
        }
    }
}

/// Whether either part of a complex number is NaN.
macro_rules! complex_nan {
    ($z:expr) => {
        $z.re.is_nan() || $z.im.is_nan()
    };
}

/// `a < b` in NumPy's order of complex numbers (real part, then imaginary part).
macro_rules! complex_less {
    ($a:expr, $b:expr) => {
        $a.re < $b.re || ($a.re == $b.re && $a.im < $b.im)
    };
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
                    BinaryOp::Power | BinaryOp::FloatPower => |a: Complex<$t>, b: Complex<$t>| {
                        if b.re == 0.0 && b.im == 0.0 { Complex::new(1.0, 0.0) } else { a.powc(b) }
                    },
                    // NumPy orders complex numbers by real part, then imaginary part;
                    // maximum and minimum propagate a NaN, fmax and fmin ignore one.
                    BinaryOp::Maximum => |a: Complex<$t>, b: Complex<$t>| {
                        if complex_nan!(a) || !(complex_less!(a, b) || complex_nan!(b)) { a } else { b }
                    },
                    BinaryOp::Minimum => |a: Complex<$t>, b: Complex<$t>| {
                        if complex_nan!(a) || !(complex_less!(b, a) || complex_nan!(b)) { a } else { b }
                    },
                    BinaryOp::Fmax => |a: Complex<$t>, b: Complex<$t>| {
                        if complex_nan!(b) || (!complex_nan!(a) && !complex_less!(a, b)) { a } else { b }
                    },
                    BinaryOp::Fmin => |a: Complex<$t>, b: Complex<$t>| {
                        if complex_nan!(b) || (!complex_nan!(a) && !complex_less!(b, a)) { a } else { b }
                    },
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
            BinaryOp::Add | BinaryOp::BitwiseOr | BinaryOp::Maximum | BinaryOp::Fmax => {
                |a, b| a | b
            }
            BinaryOp::Multiply | BinaryOp::BitwiseAnd | BinaryOp::Minimum | BinaryOp::Fmin => {
                |a, b| a & b
            }
            BinaryOp::BitwiseXor => |a, b| a ^ b,
            _ => return None,
        })
    }
}

op_enum! {
    /// Unary operations on one element type.
    UnaryOp {
        /// `-a`
        Negative => "negative",
        /// `|a|` (for complex numbers, the modulus as a real array)
        Absolute => "absolute",
        /// `a * a`
        Square => "square",
        /// square root
        Sqrt => "sqrt",
        /// `e^a`
        Exp => "exp",
        /// natural logarithm
        Log => "log",
        /// sine
        Sin => "sin",
        /// cosine
        Cos => "cos",
        /// tangent
        Tan => "tan",
        /// hyperbolic tangent
        Tanh => "tanh",
        /// round toward negative infinity
        Floor => "floor",
        /// round toward positive infinity
        Ceil => "ceil",
        /// logical not (booleans) / bitwise not (integers)
        Invert => "invert",
        /// `+a`
        Positive => "positive",
        /// `|a|` of floats (integers are promoted to float first)
        Fabs => "fabs",
        /// round to the nearest integer, ties to even
        Rint => "rint",
        /// -1, 0 or 1 (NaN for NaN; `z / |z|` for complex numbers)
        Sign => "sign",
        /// the complex conjugate (the value itself for real types)
        Conjugate => "conjugate",
        /// `2^a`
        Exp2 => "exp2",
        /// base-2 logarithm
        Log2 => "log2",
        /// base-10 logarithm
        Log10 => "log10",
        /// `e^a - 1`, accurate near zero
        Expm1 => "expm1",
        /// `log(1 + a)`, accurate near zero
        Log1p => "log1p",
        /// cube root
        Cbrt => "cbrt",
        /// `1 / a`
        Reciprocal => "reciprocal",
        /// inverse sine
        Arcsin => "arcsin",
        /// inverse cosine
        Arccos => "arccos",
        /// inverse tangent
        Arctan => "arctan",
        /// hyperbolic sine
        Sinh => "sinh",
        /// hyperbolic cosine
        Cosh => "cosh",
        /// inverse hyperbolic sine
        Arcsinh => "arcsinh",
        /// inverse hyperbolic cosine
        Arccosh => "arccosh",
        /// inverse hyperbolic tangent
        Arctanh => "arctanh",
        /// radians to degrees
        Degrees => "degrees",
        /// degrees to radians
        Radians => "radians",
        /// round toward zero
        Trunc => "trunc",
        /// the distance to the next representable value away from zero
        Spacing => "spacing",
        /// the real part (a real array)
        Real => "real",
        /// the imaginary part (a real array)
        Imag => "imag",
        /// the argument of a complex number, in radians (a real array)
        Angle => "angle",
        /// the mantissa of `frexp`, in `[0.5, 1)`
        FrexpMantissa => "frexp",
        /// the exponent of `frexp` (as a float; the caller casts it to int32)
        FrexpExponent => "frexp",
        /// whether the value is NaN (booleans)
        Isnan => "isnan",
        /// whether the value is infinite
        Isinf => "isinf",
        /// whether the value is neither NaN nor infinite
        Isfinite => "isfinite",
        /// whether the sign bit is set
        Signbit => "signbit",
        /// `not a` (booleans)
        LogicalNot => "logical_not",
    }
}

impl UnaryOp {
    /// Whether integer and boolean inputs are promoted to float64 first (NumPy has only
    /// inexact loops for these).
    pub fn is_transcendental(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Sqrt | Exp
                | Log
                | Sin
                | Cos
                | Tan
                | Tanh
                | Fabs
                | Rint
                | Exp2
                | Log2
                | Log10
                | Expm1
                | Log1p
                | Cbrt
                | Arcsin
                | Arccos
                | Arctan
                | Sinh
                | Cosh
                | Arcsinh
                | Arccosh
                | Arctanh
                | Degrees
                | Radians
                | Spacing
                | Angle
                | FrexpMantissa
                | FrexpExponent
        )
    }

    /// Whether the result is boolean.
    pub fn is_predicate(self) -> bool {
        matches!(
            self,
            UnaryOp::Isnan
                | UnaryOp::Isinf
                | UnaryOp::Isfinite
                | UnaryOp::Signbit
                | UnaryOp::LogicalNot
        )
    }

    /// Whether a complex input gives a real result (the kernel writes it as the real part
    /// of a complex value, and the caller keeps the real part).
    pub fn is_real_of_complex(self) -> bool {
        matches!(
            self,
            UnaryOp::Absolute | UnaryOp::Real | UnaryOp::Imag | UnaryOp::Angle
        )
    }
}

/// Unary math of one element type; `None` where NumPy has no such loop for the type.
pub(crate) trait Math: Num {
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self>;
    fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool>;
}

macro_rules! int_predicate {
    ($t:ty, $op:expr) => {
        Some(match $op {
            UnaryOp::Isnan | UnaryOp::Isinf => |_: $t| false,
            UnaryOp::Isfinite => |_: $t| true,
            UnaryOp::Signbit => |a: $t| a.to_i128() < 0,
            UnaryOp::LogicalNot => |a: $t| a.is_zero(),
            _ => return None,
        })
    };
}

macro_rules! signed_math {
    ($($t:ty),*) => {$(
        impl Math for $t {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: $t| a.wrapping_neg(),
                    UnaryOp::Absolute => |a: $t| a.wrapping_abs(),
                    UnaryOp::Square => |a: $t| a.wrapping_mul(a),
                    UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc | UnaryOp::Positive
                    | UnaryOp::Conjugate | UnaryOp::Real => |a: $t| a,
                    UnaryOp::Imag => |_: $t| 0,
                    UnaryOp::Invert => |a: $t| !a,
                    UnaryOp::Sign => |a: $t| a.signum(),
                    // Integer division: 1 / a truncates; 1 / 0 gives 0 as NumPy's loops.
                    UnaryOp::Reciprocal => |a: $t| if a == 0 { 0 } else { 1 / a },
                    _ => return None,
                })
            }
            fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
                int_predicate!($t, op)
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
                    UnaryOp::Absolute | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc
                    | UnaryOp::Positive | UnaryOp::Conjugate | UnaryOp::Real => |a: $t| a,
                    UnaryOp::Imag => |_: $t| 0,
                    UnaryOp::Square => |a: $t| a.wrapping_mul(a),
                    UnaryOp::Invert => |a: $t| !a,
                    UnaryOp::Sign => |a: $t| <$t>::from(a != 0),
                    UnaryOp::Reciprocal => |a: $t| if a == 0 { 0 } else { 1 / a },
                    _ => return None,
                })
            }
            fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
                int_predicate!($t, op)
            }
        }
    )*};
}
unsigned_math!(u8, u16, u32, u64);

/// `frexp` of a finite, non-zero float: `x = m * 2^e` with `|m|` in `[0.5, 1)`.
pub(crate) fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    // Subnormals are scaled into the normal range first.
    let (x, shift) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), -64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp + shift)
}

macro_rules! float_math {
    ($($t:ty),*) => {$(
        impl Math for $t {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                Some(match op {
                    UnaryOp::Negative => |a: $t| -a,
                    UnaryOp::Absolute | UnaryOp::Fabs => |a: $t| a.abs(),
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
                    UnaryOp::Trunc => |a: $t| a.trunc(),
                    UnaryOp::Rint => |a: $t| a.round_ties_even(),
                    UnaryOp::Positive | UnaryOp::Conjugate | UnaryOp::Real => |a: $t| a,
                    UnaryOp::Imag => |_: $t| 0.0,
                    UnaryOp::Sign => |a: $t| if a > 0.0 { 1.0 } else if a < 0.0 { -1.0 } else if a == 0.0 { 0.0 } else { a },
                    UnaryOp::Exp2 => |a: $t| a.exp2(),
                    UnaryOp::Log2 => |a: $t| a.log2(),
                    UnaryOp::Log10 => |a: $t| a.log10(),
                    UnaryOp::Expm1 => |a: $t| a.exp_m1(),
                    UnaryOp::Log1p => |a: $t| a.ln_1p(),
                    UnaryOp::Cbrt => |a: $t| a.cbrt(),
                    UnaryOp::Reciprocal => |a: $t| 1.0 / a,
                    UnaryOp::Arcsin => |a: $t| a.asin(),
                    UnaryOp::Arccos => |a: $t| a.acos(),
                    UnaryOp::Arctan => |a: $t| a.atan(),
                    UnaryOp::Sinh => |a: $t| a.sinh(),
                    UnaryOp::Cosh => |a: $t| a.cosh(),
                    UnaryOp::Arcsinh => |a: $t| a.asinh(),
                    UnaryOp::Arccosh => |a: $t| a.acosh(),
                    UnaryOp::Arctanh => |a: $t| a.atanh(),
                    UnaryOp::Degrees => |a: $t| a.to_degrees(),
                    UnaryOp::Radians => |a: $t| a.to_radians(),
                    UnaryOp::Spacing => |a: $t| {
                        if !a.is_finite() {
                            <$t>::NAN
                        } else {
                            let up = <$t>::from_bits(a.abs().to_bits() + 1);
                            (up - a.abs()).copysign(a)
                        }
                    },
                    UnaryOp::Angle => |a: $t| (0.0 as $t).atan2(a),
                    UnaryOp::FrexpMantissa => |a: $t| frexp(a as f64).0 as $t,
                    UnaryOp::FrexpExponent => |a: $t| frexp(a as f64).1 as $t,
                    UnaryOp::Invert => return None,
                    UnaryOp::Isnan | UnaryOp::Isinf | UnaryOp::Isfinite | UnaryOp::Signbit
                    | UnaryOp::LogicalNot => return None,
                })
            }
            fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
                Some(match op {
                    UnaryOp::Isnan => |a: $t| a.is_nan(),
                    UnaryOp::Isinf => |a: $t| a.is_infinite(),
                    UnaryOp::Isfinite => |a: $t| a.is_finite(),
                    UnaryOp::Signbit => |a: $t| a.is_sign_negative(),
                    UnaryOp::LogicalNot => |a: $t| a == 0.0,
                    _ => return None,
                })
            }
        }
    )*};
}
float_math!(f32, f64);

/// `op` on an `f32` value, rounded once to `f16`.
#[inline(always)]
fn unary_via_f32(op: UnaryOp, a: f16) -> f16 {
    match <f32 as Math>::unary(op) {
        Some(f) => f16::from_f32(f(a.to_f32())),
        None => f16::NAN,
    }
}

macro_rules! f16_unary {
    ($op:expr; $($v:ident),*) => {
        Some(match $op {
            $(UnaryOp::$v => |a: f16| unary_via_f32(UnaryOp::$v, a),)*
            _ => return None,
        })
    };
}

impl Math for f16 {
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
        match op {
            UnaryOp::Negative => Some(|a: f16| -a),
            UnaryOp::Positive | UnaryOp::Conjugate | UnaryOp::Real => Some(|a: f16| a),
            UnaryOp::Absolute | UnaryOp::Fabs => {
                Some(|a: f16| f16::from_bits(a.to_bits() & 0x7fff))
            }
            UnaryOp::Spacing => Some(|a: f16| {
                if a.is_finite() {
                    let abs = f16::from_bits(a.to_bits() & 0x7fff);
                    let up = f16::from_bits(abs.to_bits() + 1);
                    f16::from_f32((up.to_f32() - abs.to_f32()).copysign(a.to_f32()))
                } else {
                    f16::NAN
                }
            }),
            op => f16_unary!(op; Square, Sqrt, Exp, Log, Sin, Cos, Tan, Tanh, Floor, Ceil, Trunc,
                Rint, Imag, Sign, Exp2, Log2, Log10, Expm1, Log1p, Cbrt, Reciprocal, Arcsin,
                Arccos, Arctan, Sinh, Cosh, Arcsinh, Arccosh, Arctanh, Degrees, Radians, Angle,
                FrexpMantissa, FrexpExponent),
        }
    }
    fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
        Some(match op {
            UnaryOp::Isnan => |a: f16| a.is_nan(),
            UnaryOp::Isinf => |a: f16| a.is_infinite(),
            UnaryOp::Isfinite => |a: f16| a.is_finite(),
            UnaryOp::Signbit => |a: f16| a.is_sign_negative(),
            UnaryOp::LogicalNot => |a: f16| a.to_f32() == 0.0,
            _ => return None,
        })
    }
}

macro_rules! complex_math {
    ($($t:ty),*) => {$(
        impl Math for Complex<$t> {
            fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
                type C = Complex<$t>;
                Some(match op {
                    UnaryOp::Negative => |a: C| -a,
                    UnaryOp::Positive => |a: C| a,
                    UnaryOp::Conjugate => |a: C| a.conj(),
                    UnaryOp::Square => |a: C| a * a,
                    UnaryOp::Sqrt => |a: C| a.sqrt(),
                    UnaryOp::Exp => |a: C| a.exp(),
                    UnaryOp::Log => |a: C| a.ln(),
                    UnaryOp::Sin => |a: C| a.sin(),
                    UnaryOp::Cos => |a: C| a.cos(),
                    UnaryOp::Tan => |a: C| a.tan(),
                    UnaryOp::Tanh => |a: C| a.tanh(),
                    UnaryOp::Exp2 => |a: C| a.exp2(),
                    UnaryOp::Log2 => |a: C| a.log2(),
                    UnaryOp::Log10 => |a: C| a.log10(),
                    UnaryOp::Expm1 => |a: C| a.exp() - Complex::new(1.0, 0.0),
                    UnaryOp::Log1p => |a: C| (a + Complex::new(1.0, 0.0)).ln(),
                    UnaryOp::Reciprocal => |a: C| Complex::new(1.0, 0.0) / a,
                    UnaryOp::Arcsin => |a: C| a.asin(),
                    UnaryOp::Arccos => |a: C| a.acos(),
                    UnaryOp::Arctan => |a: C| a.atan(),
                    UnaryOp::Sinh => |a: C| a.sinh(),
                    UnaryOp::Cosh => |a: C| a.cosh(),
                    UnaryOp::Arcsinh => |a: C| a.asinh(),
                    UnaryOp::Arccosh => |a: C| a.acosh(),
                    UnaryOp::Arctanh => |a: C| a.atanh(),
                    UnaryOp::Rint => |a: C| Complex::new(a.re.round_ties_even(), a.im.round_ties_even()),
                    UnaryOp::Sign => |a: C| if a.re == 0.0 && a.im == 0.0 { a } else { a / a.norm() },
                    // Real results, written as the real part (the caller keeps it).
                    UnaryOp::Absolute => |a: C| Complex::new(a.norm(), 0.0),
                    UnaryOp::Real => |a: C| Complex::new(a.re, 0.0),
                    UnaryOp::Imag => |a: C| Complex::new(a.im, 0.0),
                    UnaryOp::Angle => |a: C| Complex::new(a.arg(), 0.0),
                    _ => return None,
                })
            }
            fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
                Some(match op {
                    UnaryOp::Isnan => |a: Complex<$t>| a.re.is_nan() || a.im.is_nan(),
                    UnaryOp::Isinf => |a: Complex<$t>| a.re.is_infinite() || a.im.is_infinite(),
                    UnaryOp::Isfinite => |a: Complex<$t>| a.re.is_finite() && a.im.is_finite(),
                    UnaryOp::LogicalNot => |a: Complex<$t>| a.re == 0.0 && a.im == 0.0,
                    _ => return None,
                })
            }
        }
    )*};
}
complex_math!(f32, f64);

impl Math for bool {
    /// NumPy's boolean loops; `square`, `reciprocal` and `conjugate` of booleans compute
    /// in `int8` instead (`Array::unary`), and `positive` and `negative` have none.
    fn unary(op: UnaryOp) -> Option<fn(Self) -> Self> {
        Some(match op {
            UnaryOp::Invert => |a: bool| !a,
            UnaryOp::Absolute | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc | UnaryOp::Real => {
                |a: bool| a
            }
            UnaryOp::Imag => |_: bool| false,
            _ => return None,
        })
    }
    fn predicate(op: UnaryOp) -> Option<fn(Self) -> bool> {
        int_predicate!(bool, op)
    }
}

/// Whether `T` has a loop for the binary operator.
pub(crate) fn has_binary<T: Arith>(op: BinaryOp) -> bool {
    op.is_comparison() || T::binary(op).is_some()
}

/// Whether `T` has a loop for the unary operator.
pub(crate) fn has_unary<T: Math>(op: UnaryOp) -> bool {
    if op.is_predicate() {
        T::predicate(op).is_some()
    } else {
        T::unary(op).is_some()
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

/// Kernels over contiguous blocks, where the compiler sees the operator and vectorizes
/// (the generic loops call the operator through a function pointer). Each returns `false`
/// (or `None`), writing nothing, where the type has no such kernel; callers then use the
/// generic loop. Asking with empty slices tells whether a kernel exists.
pub(crate) trait Block: Arith {
    /// `y = op(a, b)` over slices of one length.
    fn binary_block(_op: BinaryOp, _a: &[Self], _b: &[Self], _y: &mut [Self]) -> bool {
        false
    }

    /// `y = op(a, s)` (or `op(s, a)` when `reversed`).
    fn scalar_block(
        _op: BinaryOp,
        _a: &[Self],
        _s: Self,
        _reversed: bool,
        _y: &mut [Self],
    ) -> bool {
        false
    }

    /// The sum of a block.
    fn sum_block(_xs: &[Self]) -> Option<Self> {
        None
    }

    /// `acc[k] += xs[8 i + k]` for every `i`, `xs` holding whole groups of eight: the
    /// lanes `sum_block` adds a block into, so that a block summed in pieces of a
    /// multiple of eight (a composed fold's chunks) gives exactly `sum_block`'s value.
    /// `false` for a type without `sum_block`.
    fn add_lanes(_acc: &mut [Self; SUM_LANES], _xs: &[Self]) -> bool {
        false
    }

    /// `acc = op(acc, row)` for every row of `xs` in turn (rows of `acc.len()` values): a
    /// reduction along an axis that is not the last, one row of results at a time.
    fn accumulate_block(_op: BinaryOp, _acc: &mut [Self], _xs: &[Self]) -> bool {
        false
    }

    /// `y = op(a)`, vectorized (see `vmath`).
    fn unary_block(_op: UnaryOp, _a: &[Self], _y: &mut [Self]) -> bool {
        false
    }

    /// `y = ((xs[0] + xs[1]) + xs[2]) + ...`, element by element, over at most
    /// [`MAX_ADDENDS`] slices of `y`'s length: the additions of
    /// `binary_block(Add, ..)` in the same order, in one pass; with a `scale`, each sum
    /// then multiplied by it as `scalar_block(Multiply, ..)` multiplies.
    fn add_many(_xs: &[&[Self]], _scale: Option<Self>, _y: &mut [Self]) -> bool {
        false
    }

    /// `y = a op (x * s)`, or `y = (x * s) op a` when `scaled_left`, element by element,
    /// `op` an addition or a subtraction: the operations of `scalar_block(Multiply, ..)`
    /// and then `binary_block(op, ..)`, each rounded as they round (no fused
    /// multiply-add), in one pass.
    fn scaled_add(
        _op: BinaryOp,
        _a: &[Self],
        _x: &[Self],
        _s: Self,
        _scaled_left: bool,
        _y: &mut [Self],
    ) -> bool {
        false
    }
}

/// Most slices [`Block::add_many`] adds.
pub(crate) const MAX_ADDENDS: usize = 8;

/// `y = finish(((xs[0] + xs[1]) + ...) + xs[K - 1])` with `add`: `K` known, so the
/// inner loop unrolls and the outer one vectorizes. Every slice holds at least `y.len()`
/// values.
#[inline(always)]
fn add_k<T: Copy, const K: usize>(
    xs: &[&[T]],
    y: &mut [T],
    add: impl Fn(T, T) -> T,
    finish: impl Fn(T) -> T,
) {
    let n = y.len();
    let xs: [&[T]; K] = std::array::from_fn(|k| &xs[k][..n]);
    for (i, out) in y.iter_mut().enumerate() {
        let mut sum = xs[0][i];
        for x in &xs[1..] {
            sum = add(sum, x[i]);
        }
        *out = finish(sum);
    }
}

/// [`add_k`] for the number of slices in `xs`: `false` past [`MAX_ADDENDS`].
#[inline(always)]
fn add_any<T: Copy>(
    xs: &[&[T]],
    y: &mut [T],
    add: impl Fn(T, T) -> T,
    finish: impl Fn(T) -> T,
) -> bool {
    match xs.len() {
        1 => add_k::<T, 1>(xs, y, add, finish),
        2 => add_k::<T, 2>(xs, y, add, finish),
        3 => add_k::<T, 3>(xs, y, add, finish),
        4 => add_k::<T, 4>(xs, y, add, finish),
        5 => add_k::<T, 5>(xs, y, add, finish),
        6 => add_k::<T, 6>(xs, y, add, finish),
        7 => add_k::<T, 7>(xs, y, add, finish),
        8 => add_k::<T, 8>(xs, y, add, finish),
        _ => return false,
    }
    true
}

/// [`Block::add_many`] with `add` and `mul`: `false` past [`MAX_ADDENDS`] slices or for
/// one shorter than `y` (writing nothing).
#[inline(always)]
fn add_many<T: Copy>(
    xs: &[&[T]],
    scale: Option<T>,
    y: &mut [T],
    add: impl Fn(T, T) -> T,
    mul: impl Fn(T, T) -> T,
) -> bool {
    if xs.iter().any(|x| x.len() < y.len()) {
        return false;
    }
    match (xs.len(), scale) {
        (0, _) => y.is_empty(),
        (_, None) => add_any(xs, y, add, |sum| sum),
        (_, Some(s)) => add_any(xs, y, add, |sum| mul(sum, s)),
    }
}

#[inline(always)]
fn map2<T: Copy>(a: &[T], b: &[T], y: &mut [T], f: impl Fn(T, T) -> T) {
    for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
        *y = f(a, b);
    }
}

/// `acc = f(acc, row)` for each row of `xs` in order, four rows per pass over `acc` (the
/// same operations in the same order, a quarter of the loads and stores of `acc`).
#[inline(always)]
fn accumulate<T: Copy>(acc: &mut [T], xs: &[T], f: impl Fn(T, T) -> T) {
    let n = acc.len();
    if n == 0 {
        return;
    }
    let quads = xs.chunks_exact(4 * n);
    let rest = quads.remainder();
    for q in quads {
        let (r0, r) = q.split_at(n);
        let (r1, r) = r.split_at(n);
        let (r2, r3) = r.split_at(n);
        for j in 0..n {
            acc[j] = f(f(f(f(acc[j], r0[j]), r1[j]), r2[j]), r3[j]);
        }
    }
    for row in rest.chunks_exact(n) {
        for (a, &x) in acc.iter_mut().zip(row) {
            *a = f(*a, x);
        }
    }
}

#[inline(always)]
fn map1<T: Copy>(a: &[T], y: &mut [T], f: impl Fn(T) -> T) {
    for (y, &a) in y.iter_mut().zip(a) {
        *y = f(a);
    }
}

/// The partial sums `sum_block` keeps for each block of [`SUM_BLOCK`] elements.
pub(crate) const SUM_LANES: usize = 8;

/// The elements `sum_block` sums in lanes before it adds their total to the block's.
pub(crate) const SUM_BLOCK: usize = 4096;

/// `acc[k] = add(acc[k], xs[8 i + k])` over the whole groups of eight of `xs`.
#[inline(always)]
fn add_lanes<T: Copy>(acc: &mut [T; SUM_LANES], xs: &[T], add: impl Fn(T, T) -> T) {
    for c in xs.chunks_exact(SUM_LANES) {
        for k in 0..SUM_LANES {
            acc[k] = add(acc[k], c[k]);
        }
    }
}

/// A block's total from its lanes and its last elements (fewer than eight), in order.
#[inline(always)]
pub(crate) fn lanes_total<T: Copy>(
    acc: &[T; SUM_LANES],
    rest: &[T],
    zero: T,
    add: impl Fn(T, T) -> T,
) -> T {
    acc.iter().chain(rest).fold(zero, |s, &v| add(s, v))
}

/// Eight partial sums per block of 4096 (independent chains the compiler vectorizes), the
/// block totals summed in order: close to NumPy's pairwise summation in accuracy.
#[inline(always)]
fn lanes_sum<T: Copy>(xs: &[T], zero: T, add: impl Fn(T, T) -> T + Copy) -> T {
    let mut total = zero;
    for block in xs.chunks(SUM_BLOCK) {
        let mut acc = [zero; SUM_LANES];
        add_lanes(&mut acc, block, add);
        let rest = &block[block.len() - block.len() % SUM_LANES..];
        total = add(total, lanes_total(&acc, rest, zero, add));
    }
    total
}

macro_rules! float_block {
    ($(($t:ty, $unary:path)),*) => {$(
        impl Block for $t {
            fn binary_block(op: BinaryOp, a: &[Self], b: &[Self], y: &mut [Self]) -> bool {
                crate::vmath::v3_build!(fn body(op: BinaryOp, a: &[$t], b: &[$t], y: &mut [$t]) -> bool {
                    match op {
                        BinaryOp::Add => map2(a, b, y, |a, b| a + b),
                        BinaryOp::Subtract => map2(a, b, y, |a, b| a - b),
                        BinaryOp::Multiply => map2(a, b, y, |a, b| a * b),
                        BinaryOp::TrueDivide => map2(a, b, y, |a, b| a / b),
                        BinaryOp::Maximum => map2(a, b, y, |a, b| if a >= b || a.is_nan() { a } else { b }),
                        BinaryOp::Minimum => map2(a, b, y, |a, b| if a <= b || a.is_nan() { a } else { b }),
                        _ => return false,
                    }
                    true
                })
            }

            fn scalar_block(op: BinaryOp, a: &[Self], s: Self, reversed: bool, y: &mut [Self]) -> bool {
                crate::vmath::v3_build!(fn body(op: BinaryOp, a: &[$t], s: $t, reversed: bool, y: &mut [$t]) -> bool {
                    match (op, reversed) {
                        (BinaryOp::Add, _) => map1(a, y, |x| x + s),
                        (BinaryOp::Multiply, _) => map1(a, y, |x| x * s),
                        (BinaryOp::Subtract, false) => map1(a, y, |x| x - s),
                        (BinaryOp::Subtract, true) => map1(a, y, |x| s - x),
                        (BinaryOp::TrueDivide, false) => map1(a, y, |x| x / s),
                        (BinaryOp::TrueDivide, true) => map1(a, y, |x| s / x),
                        _ => return false,
                    }
                    true
                })
            }

            fn sum_block(xs: &[Self]) -> Option<Self> {
                crate::vmath::v3_build!(fn body(xs: &[$t]) -> Option<$t> {
                    Some(lanes_sum(xs, 0.0, |a, b| a + b))
                })
            }

            fn add_lanes(acc: &mut [Self; SUM_LANES], xs: &[Self]) -> bool {
                crate::vmath::v3_build!(fn body(acc: &mut [$t; SUM_LANES], xs: &[$t]) -> bool {
                    add_lanes(acc, xs, |a, b| a + b);
                    true
                })
            }

            fn accumulate_block(op: BinaryOp, acc: &mut [Self], xs: &[Self]) -> bool {
                crate::vmath::v3_build!(fn body(op: BinaryOp, acc: &mut [$t], xs: &[$t]) -> bool {
                    match op {
                        BinaryOp::Add => accumulate(acc, xs, |a, b| a + b),
                        BinaryOp::Multiply => accumulate(acc, xs, |a, b| a * b),
                        BinaryOp::Maximum => accumulate(acc, xs, |a, b| if a >= b || a.is_nan() { a } else { b }),
                        BinaryOp::Minimum => accumulate(acc, xs, |a, b| if a <= b || a.is_nan() { a } else { b }),
                        _ => return false,
                    }
                    true
                })
            }

            fn unary_block(op: UnaryOp, a: &[Self], y: &mut [Self]) -> bool {
                $unary(op, a, y)
            }

            fn add_many(xs: &[&[Self]], scale: Option<Self>, y: &mut [Self]) -> bool {
                crate::vmath::v3_build!(fn body(xs: &[&[$t]], scale: Option<$t>, y: &mut [$t]) -> bool {
                    add_many(xs, scale, y, |a, b| a + b, |a, b| a * b)
                })
            }

            fn scaled_add(op: BinaryOp, a: &[Self], x: &[Self], s: Self, scaled_left: bool, y: &mut [Self]) -> bool {
                crate::vmath::v3_build!(fn body(op: BinaryOp, a: &[$t], x: &[$t], s: $t, scaled_left: bool, y: &mut [$t]) -> bool {
                    match (op, scaled_left) {
                        (BinaryOp::Add, false) => map2(a, x, y, |a, x| a + x * s),
                        (BinaryOp::Add, true) => map2(a, x, y, |a, x| x * s + a),
                        (BinaryOp::Subtract, false) => map2(a, x, y, |a, x| a - x * s),
                        (BinaryOp::Subtract, true) => map2(a, x, y, |a, x| x * s - a),
                        _ => return false,
                    }
                    true
                })
            }
        }
    )*};
}
float_block!(
    (f32, crate::vmath::unary_f32),
    (f64, crate::vmath::unary_f64)
);

macro_rules! int_block {
    ($($t:ty),*) => {$(
        impl Block for $t {
            fn add_many(xs: &[&[Self]], scale: Option<Self>, y: &mut [Self]) -> bool {
                add_many(xs, scale, y, |a, b| a.wrapping_add(b), |a, b| a.wrapping_mul(b))
            }

            fn binary_block(op: BinaryOp, a: &[Self], b: &[Self], y: &mut [Self]) -> bool {
                match op {
                    BinaryOp::Add => map2(a, b, y, |a, b| a.wrapping_add(b)),
                    BinaryOp::Subtract => map2(a, b, y, |a, b| a.wrapping_sub(b)),
                    BinaryOp::Multiply => map2(a, b, y, |a, b| a.wrapping_mul(b)),
                    _ => return false,
                }
                true
            }

            fn scalar_block(op: BinaryOp, a: &[Self], s: Self, reversed: bool, y: &mut [Self]) -> bool {
                match (op, reversed) {
                    (BinaryOp::Add, _) => map1(a, y, |x| x.wrapping_add(s)),
                    (BinaryOp::Multiply, _) => map1(a, y, |x| x.wrapping_mul(s)),
                    (BinaryOp::Subtract, false) => map1(a, y, |x| x.wrapping_sub(s)),
                    (BinaryOp::Subtract, true) => map1(a, y, |x| s.wrapping_sub(x)),
                    _ => return false,
                }
                true
            }

            fn sum_block(xs: &[Self]) -> Option<Self> {
                Some(lanes_sum(xs, 0, |a, b| a.wrapping_add(b)))
            }

            fn add_lanes(acc: &mut [Self; SUM_LANES], xs: &[Self]) -> bool {
                add_lanes(acc, xs, |a, b| a.wrapping_add(b));
                true
            }

            fn accumulate_block(op: BinaryOp, acc: &mut [Self], xs: &[Self]) -> bool {
                match op {
                    BinaryOp::Add => accumulate(acc, xs, |a, b| a.wrapping_add(b)),
                    BinaryOp::Multiply => accumulate(acc, xs, |a, b| a.wrapping_mul(b)),
                    BinaryOp::Maximum => accumulate(acc, xs, |a, b| a.max(b)),
                    BinaryOp::Minimum => accumulate(acc, xs, |a, b| a.min(b)),
                    BinaryOp::BitwiseAnd => accumulate(acc, xs, |a, b| a & b),
                    BinaryOp::BitwiseOr => accumulate(acc, xs, |a, b| a | b),
                    _ => return false,
                }
                true
            }
        }
    )*};
}
int_block!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Block for bool {
    fn accumulate_block(op: BinaryOp, acc: &mut [Self], xs: &[Self]) -> bool {
        match op {
            BinaryOp::BitwiseAnd => accumulate(acc, xs, |a, b| a & b),
            BinaryOp::BitwiseOr => accumulate(acc, xs, |a, b| a | b),
            _ => return false,
        }
        true
    }
}
impl Block for f16 {}
impl Block for Complex<f32> {}
impl Block for Complex<f64> {}
