//! NumPy 2 type promotion (NEP 50).
//!
//! Arrays promote with [`promote_types`] (and [`result_type`] for more than two). A Python
//! scalar operand (`x + 2.5`) is "weak": it takes the array's type unless its kind is
//! higher ([`promote_weak`]), and an integer that does not fit that type is an error
//! ([`check_weak_int`]). The functions also give the result types of true division and of
//! the reductions, and `numpy.can_cast`. Every table they produce is checked entry by
//! entry against NumPy 2 in the tests below.
//!
//! ```
//! use legate_core::Type;
//! use legate_dense::dtype::{promote_types, promote_weak, ScalarKind};
//!
//! assert_eq!(promote_types(Type::Int64, Type::UInt64), Type::Float64);
//! assert_eq!(promote_weak(Type::UInt8, ScalarKind::Int), Type::UInt8);
//! ```

use legate_core::{Error, Result, Type};

/// The kind of a Python-like scalar operand (NEP 50 "weak" scalars: `x + 2.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// A Python `bool`.
    Bool,
    /// A Python `int`.
    Int,
    /// A Python `float`.
    Float,
    /// A Python `complex`.
    Complex,
}

/// How far a cast may go (NumPy's `casting=` argument), from the strictest to the loosest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Casting {
    /// Only to the same type (`"no"`).
    No,
    /// Only to the same type up to byte order, which is always native here (`"equiv"`).
    Equiv,
    /// Only casts that keep every value (`"safe"`).
    Safe,
    /// Safe casts, and casts within a kind or to a higher kind, such as `float64` to
    /// `float32` or `uint8` to `int8` (`"same_kind"`).
    SameKind,
    /// Any cast (`"unsafe"`).
    Unsafe,
}

impl Casting {
    /// Every mode, from the strictest to the loosest.
    pub const ALL: [Casting; 5] = [
        Casting::No,
        Casting::Equiv,
        Casting::Safe,
        Casting::SameKind,
        Casting::Unsafe,
    ];

    /// NumPy's name of the mode (`"same_kind"`, ...).
    ///
    /// ```
    /// use legate_dense::dtype::Casting;
    ///
    /// assert_eq!(Casting::SameKind.name(), "same_kind");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Casting::No => "no",
            Casting::Equiv => "equiv",
            Casting::Safe => "safe",
            Casting::SameKind => "same_kind",
            Casting::Unsafe => "unsafe",
        }
    }

    /// The mode of a NumPy name, the inverse of [`Casting::name`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `name` is not one of NumPy's casting modes.
    ///
    /// ```
    /// use legate_dense::dtype::Casting;
    ///
    /// assert_eq!(Casting::from_name("safe").unwrap(), Casting::Safe);
    /// assert!(Casting::from_name("lossy").is_err());
    /// ```
    pub fn from_name(name: &str) -> Result<Casting> {
        Casting::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| Error::InvalidArgument {
                what: format!(
                    "casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe', \
                     not {name:?}"
                ),
            })
    }
}

/// NumPy's kinds in the order `same_kind` casts may climb: `b < u < i < f < c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bool,
    Unsigned,
    Signed,
    Float,
    Complex,
}

fn kind(t: Type) -> Kind {
    match t {
        Type::Bool => Kind::Bool,
        Type::UInt8 | Type::UInt16 | Type::UInt32 | Type::UInt64 => Kind::Unsigned,
        Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => Kind::Signed,
        Type::Float16 | Type::Float32 | Type::Float64 => Kind::Float,
        Type::Complex64 | Type::Complex128 => Kind::Complex,
    }
}

/// The precision an operand needs from a float: its own (or its parts') for inexact types;
/// for integers the narrowest float NumPy deems to hold them (64-bit integers get `float64`
/// although it cannot hold them all).
fn float_precision(t: Type) -> Type {
    match t {
        Type::Bool | Type::Int8 | Type::UInt8 | Type::Float16 => Type::Float16,
        Type::Int16 | Type::UInt16 | Type::Float32 | Type::Complex64 => Type::Float32,
        _ => Type::Float64,
    }
}

fn complex_with_parts(float: Type) -> Type {
    if float == Type::Float64 {
        Type::Complex128
    } else {
        Type::Complex64
    }
}

fn wider(a: Type, b: Type) -> Type {
    if a.size() >= b.size() {
        a
    } else {
        b
    }
}

/// NumPy's legacy type numbers (Linux, where `int64` is C `long`). [`result_type`] lets the
/// type with the largest number lead; `float16` was added last, so it has the largest.
fn legacy_type_num(t: Type) -> u8 {
    match t {
        Type::Bool => 0,
        Type::Int8 => 1,
        Type::UInt8 => 2,
        Type::Int16 => 3,
        Type::UInt16 => 4,
        Type::Int32 => 5,
        Type::UInt32 => 6,
        Type::Int64 => 7,
        Type::UInt64 => 8,
        Type::Float32 => 11,
        Type::Float64 => 12,
        Type::Complex64 => 14,
        Type::Complex128 => 15,
        Type::Float16 => 23,
    }
}

/// `numpy.promote_types(a, b)`: the smallest type both cast to safely, as NumPy's table
/// has it. Symmetric, but not associative (see [`result_type`]).
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::promote_types;
///
/// assert_eq!(promote_types(Type::Int8, Type::UInt8), Type::Int16);
/// assert_eq!(promote_types(Type::Int64, Type::UInt64), Type::Float64);
/// assert_eq!(promote_types(Type::Float16, Type::Int16), Type::Float32);
/// assert_eq!(promote_types(Type::Complex64, Type::Float64), Type::Complex128);
/// ```
pub fn promote_types(a: Type, b: Type) -> Type {
    let (ka, kb) = (kind(a), kind(b));
    if ka < kb {
        return promote_types(b, a);
    }
    // From here on `a` is of the higher kind (or the same).
    match (ka, kb) {
        (_, Kind::Bool) => a,
        (Kind::Signed, Kind::Unsigned) => {
            if b.size() < a.size() {
                a
            } else {
                match b.size() {
                    1 => Type::Int16,
                    2 => Type::Int32,
                    4 => Type::Int64,
                    _ => Type::Float64,
                }
            }
        }
        (Kind::Complex, _) => complex_with_parts(wider(float_precision(a), float_precision(b))),
        (Kind::Float, _) => wider(a, float_precision(b)),
        // Two integers of the same signedness.
        _ => wider(a, b),
    }
}

/// `numpy.result_type` of several array types; `None` when `types` is empty.
///
/// This is not a left fold of [`promote_types`], which is not associative: as in NumPy, the
/// type with the largest legacy type number (an inexact one when there is any) promotes
/// with each of the others separately and those results are combined, so the order of
/// `types` never matters. Thus `int8, uint8, float16` gives `float16`, where folding would
/// give `float32` through `int16`.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::result_type;
///
/// assert_eq!(result_type(&[Type::Int8, Type::UInt8]), Some(Type::Int16));
/// assert_eq!(
///     result_type(&[Type::Int8, Type::UInt8, Type::Float16]),
///     Some(Type::Float16)
/// );
/// assert_eq!(result_type(&[]), None);
/// ```
pub fn result_type(types: &[Type]) -> Option<Type> {
    let main = types.iter().copied().max_by_key(|&t| legacy_type_num(t))?;
    types
        .iter()
        .map(|&t| promote_types(main, t))
        .reduce(promote_types)
}

/// The result type of an operation between an array of type `array` and a Python scalar of
/// kind `scalar` (NEP 50): the array's type when the scalar's kind is not higher; otherwise
/// `int64` for an int with a bool array, `float64` for a float with an integer or bool
/// array, and for a complex the complex type whose parts have the array's float precision
/// (`complex64` for `float16` and `float32`, `complex128` otherwise).
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::{promote_weak, ScalarKind};
///
/// assert_eq!(promote_weak(Type::UInt8, ScalarKind::Int), Type::UInt8);
/// assert_eq!(promote_weak(Type::Int32, ScalarKind::Float), Type::Float64);
/// assert_eq!(promote_weak(Type::Float32, ScalarKind::Float), Type::Float32);
/// assert_eq!(promote_weak(Type::Float16, ScalarKind::Complex), Type::Complex64);
/// ```
pub fn promote_weak(array: Type, scalar: ScalarKind) -> Type {
    match (kind(array), scalar) {
        (Kind::Bool, ScalarKind::Int) => Type::Int64,
        (Kind::Bool | Kind::Unsigned | Kind::Signed, ScalarKind::Float) => Type::Float64,
        (Kind::Bool | Kind::Unsigned | Kind::Signed, ScalarKind::Complex) => Type::Complex128,
        (Kind::Float, ScalarKind::Complex) => complex_with_parts(float_precision(array)),
        _ => array,
    }
}

/// The type NumPy gives a lone Python scalar of this kind (`np.asarray(2.5).dtype`): `bool`,
/// `int64`, `float64` or `complex128`.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::{default_type, ScalarKind};
///
/// assert_eq!(default_type(ScalarKind::Int), Type::Int64);
/// ```
pub fn default_type(kind: ScalarKind) -> Type {
    match kind {
        ScalarKind::Bool => Type::Bool,
        ScalarKind::Int => Type::Int64,
        ScalarKind::Float => Type::Float64,
        ScalarKind::Complex => Type::Complex128,
    }
}

/// `numpy.can_cast(from, to, casting)`.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::{can_cast, Casting};
///
/// assert!(can_cast(Type::Int32, Type::Float64, Casting::Safe));
/// assert!(!can_cast(Type::Int64, Type::Float32, Casting::Safe));
/// assert!(can_cast(Type::Float64, Type::Float16, Casting::SameKind));
/// assert!(!can_cast(Type::Int8, Type::UInt64, Casting::SameKind));
/// ```
pub fn can_cast(from: Type, to: Type, casting: Casting) -> bool {
    match casting {
        Casting::No | Casting::Equiv => from == to,
        Casting::Safe => promote_types(from, to) == to,
        Casting::SameKind => promote_types(from, to) == to || kind(from) <= kind(to),
        Casting::Unsafe => true,
    }
}

/// The result type of true division (`np.true_divide(x, x)`): booleans and integers give
/// `float64`, inexact types keep their own.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::true_divide_type;
///
/// assert_eq!(true_divide_type(Type::Int8), Type::Float64);
/// assert_eq!(true_divide_type(Type::Float16), Type::Float16);
/// ```
pub fn true_divide_type(t: Type) -> Type {
    match kind(t) {
        Kind::Bool | Kind::Unsigned | Kind::Signed => Type::Float64,
        Kind::Float | Kind::Complex => t,
    }
}

/// The accumulator type of `sum` and `prod` when `dtype` is not given: booleans and signed
/// integers accumulate in `int64` (C `long`), unsigned integers in `uint64`, inexact types
/// in their own.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::sum_type;
///
/// assert_eq!(sum_type(Type::Bool), Type::Int64);
/// assert_eq!(sum_type(Type::UInt8), Type::UInt64);
/// assert_eq!(sum_type(Type::Float16), Type::Float16);
/// ```
pub fn sum_type(t: Type) -> Type {
    match kind(t) {
        Kind::Bool | Kind::Signed => Type::Int64,
        Kind::Unsigned => Type::UInt64,
        Kind::Float | Kind::Complex => t,
    }
}

/// The result type of `mean` when `dtype` is not given: `float64` for booleans and
/// integers, the input type otherwise (NumPy sums `float16` in `float32` but returns
/// `float16`).
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::mean_type;
///
/// assert_eq!(mean_type(Type::Int32), Type::Float64);
/// assert_eq!(mean_type(Type::Complex64), Type::Complex64);
/// ```
pub fn mean_type(t: Type) -> Type {
    true_divide_type(t)
}

/// The result type of `var` and `std` when `dtype` is not given: that of [`mean_type`], but
/// real for complex inputs (`complex64` gives `float32`).
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::var_type;
///
/// assert_eq!(var_type(Type::UInt16), Type::Float64);
/// assert_eq!(var_type(Type::Complex64), Type::Float32);
/// ```
pub fn var_type(t: Type) -> Type {
    match mean_type(t) {
        Type::Complex64 => Type::Float32,
        Type::Complex128 => Type::Float64,
        m => m,
    }
}

/// Checks that a Python integer operand `value` fits the type it takes next to an array of
/// type `array` ([`promote_weak`] with [`ScalarKind::Int`]): NumPy 2 raises `OverflowError`
/// for arithmetic such as `np.zeros(3, np.uint8) + 300` or `+ (-1)`. A `bool` array makes
/// the operand `int64`; float and complex arrays take every integer (a `float16` array
/// turns a large one into infinity).
///
/// NumPy 2 does not raise for comparisons (`x < 300` on `uint8` is well defined), so this
/// check is for arithmetic only.
///
/// # Errors
///
/// [`Error::InvalidArgument`] (NumPy's `OverflowError`) when `value` is out of bounds.
///
/// ```
/// use legate_core::Type;
/// use legate_dense::dtype::check_weak_int;
///
/// assert!(check_weak_int(Type::UInt8, 255).is_ok());
/// assert!(check_weak_int(Type::UInt8, 300).is_err());
/// assert!(check_weak_int(Type::UInt8, -1).is_err());
/// assert!(check_weak_int(Type::Float16, 1 << 100).is_ok());
/// ```
pub fn check_weak_int(array: Type, value: i128) -> Result<()> {
    let target = promote_weak(array, ScalarKind::Int);
    let (min, max): (i128, i128) = match target {
        Type::Int8 => (i8::MIN.into(), i8::MAX.into()),
        Type::Int16 => (i16::MIN.into(), i16::MAX.into()),
        Type::Int32 => (i32::MIN.into(), i32::MAX.into()),
        Type::Int64 => (i64::MIN.into(), i64::MAX.into()),
        Type::UInt8 => (0, u8::MAX.into()),
        Type::UInt16 => (0, u16::MAX.into()),
        Type::UInt32 => (0, u32::MAX.into()),
        Type::UInt64 => (0, u64::MAX.into()),
        _ => return Ok(()),
    };
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: format!("Python integer {value} out of bounds for {target}"),
        })
    }
}

#[cfg(test)]
mod tests {
    //! The expected tables were generated with NumPy 2.4.6 (`np.promote_types`,
    //! `(np.zeros(1, dtype=t) + s).dtype` for `s` in `True, 1, 1.0, 1j`, `np.can_cast`,
    //! `np.sum(...).dtype` and friends, `np.result_type`, and catching `OverflowError`).

    use super::*;

    fn ty(name: &str) -> Type {
        Type::from_name(name).unwrap()
    }

    /// Parses a grid whose first line is the column header and whose rows start with the
    /// name of a type.
    fn grid(text: &str) -> (Vec<&str>, Vec<(Type, Vec<&str>)>) {
        let mut lines = text.lines();
        let header = lines.next().unwrap().split_whitespace().collect();
        let rows = lines
            .map(|line| {
                let mut cells = line.split_whitespace();
                (ty(cells.next().unwrap()), cells.collect())
            })
            .collect();
        (header, rows)
    }

    const PROMOTE_TYPES: &str = "\
           bool       int8       int16      int32      int64      uint8      uint16     uint32     uint64     float16    float32    float64    complex64  complex128
bool       bool       int8       int16      int32      int64      uint8      uint16     uint32     uint64     float16    float32    float64    complex64  complex128
int8       int8       int8       int16      int32      int64      int16      int32      int64      float64    float16    float32    float64    complex64  complex128
int16      int16      int16      int16      int32      int64      int16      int32      int64      float64    float32    float32    float64    complex64  complex128
int32      int32      int32      int32      int32      int64      int32      int32      int64      float64    float64    float64    float64    complex128 complex128
int64      int64      int64      int64      int64      int64      int64      int64      int64      float64    float64    float64    float64    complex128 complex128
uint8      uint8      int16      int16      int32      int64      uint8      uint16     uint32     uint64     float16    float32    float64    complex64  complex128
uint16     uint16     int32      int32      int32      int64      uint16     uint16     uint32     uint64     float32    float32    float64    complex64  complex128
uint32     uint32     int64      int64      int64      int64      uint32     uint32     uint32     uint64     float64    float64    float64    complex128 complex128
uint64     uint64     float64    float64    float64    float64    uint64     uint64     uint64     uint64     float64    float64    float64    complex128 complex128
float16    float16    float16    float32    float64    float64    float16    float32    float64    float64    float16    float32    float64    complex64  complex128
float32    float32    float32    float32    float64    float64    float32    float32    float64    float64    float32    float32    float64    complex64  complex128
float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    float64    complex128 complex128
complex64  complex64  complex64  complex64  complex128 complex128 complex64  complex64  complex128 complex128 complex64  complex64  complex128 complex64  complex128
complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128 complex128
";

    /// `PROMOTE_TYPES` as a lookup, to check other results independently of the code.
    fn expected_promotion(a: Type, b: Type) -> Type {
        let (header, rows) = grid(PROMOTE_TYPES);
        let row = rows.iter().find(|(t, _)| *t == a).unwrap();
        let col = header.iter().position(|&h| ty(h) == b).unwrap();
        ty(row.1[col])
    }

    /// Every ordered triple whose `np.result_type` is not the left fold of
    /// `np.promote_types`.
    const RESULT_TYPE_NOT_A_FOLD: &[([&str; 3], &str)] = &[
        (["int8", "uint8", "float16"], "float16"),
        (["int8", "uint16", "float16"], "float32"),
        (["int8", "uint16", "float32"], "float32"),
        (["int8", "uint16", "complex64"], "complex64"),
        (["int16", "uint16", "float16"], "float32"),
        (["int16", "uint16", "float32"], "float32"),
        (["int16", "uint16", "complex64"], "complex64"),
        (["uint8", "int8", "float16"], "float16"),
        (["uint16", "int8", "float16"], "float32"),
        (["uint16", "int8", "float32"], "float32"),
        (["uint16", "int8", "complex64"], "complex64"),
        (["uint16", "int16", "float16"], "float32"),
        (["uint16", "int16", "float32"], "float32"),
        (["uint16", "int16", "complex64"], "complex64"),
    ];

    /// Longer sequences (drawn at random) whose `np.result_type` is not a fold either: the
    /// result, then the types.
    const RESULT_TYPE_LONGER: &str = "\
float16    int8 uint8 float16 bool int8
complex64  uint8 uint16 uint8 int8 complex64
float32    uint16 int16 bool float32 float16
float32    uint8 uint16 int16 float32
complex64  uint16 uint8 int8 float32 complex64
float32    uint16 int8 bool float16
float32    int16 uint8 uint16 float32
float32    uint16 int8 float16 bool
complex64  int8 uint16 complex64 int8
";

    const PROMOTE_WEAK: &str = "\
           bool       int        float      complex
bool       bool       int64      float64    complex128
int8       int8       int8       float64    complex128
int16      int16      int16      float64    complex128
int32      int32      int32      float64    complex128
int64      int64      int64      float64    complex128
uint8      uint8      uint8      float64    complex128
uint16     uint16     uint16     float64    complex128
uint32     uint32     uint32     float64    complex128
uint64     uint64     uint64     float64    complex128
float16    float16    float16    float16    complex64
float32    float32    float32    float32    complex64
float64    float64    float64    float64    complex128
complex64  complex64  complex64  complex64  complex64
complex128 complex128 complex128 complex128 complex128
";

    /// `(from, casting, one cell per target in Type::ALL order: y = castable)`.
    const CAN_CAST: &[(&str, &str, &str)] = &[
        ("bool", "no", "y............."),
        ("int8", "no", ".y............"),
        ("int16", "no", "..y..........."),
        ("int32", "no", "...y.........."),
        ("int64", "no", "....y........."),
        ("uint8", "no", ".....y........"),
        ("uint16", "no", "......y......."),
        ("uint32", "no", ".......y......"),
        ("uint64", "no", "........y....."),
        ("float16", "no", ".........y...."),
        ("float32", "no", "..........y..."),
        ("float64", "no", "...........y.."),
        ("complex64", "no", "............y."),
        ("complex128", "no", ".............y"),
        ("bool", "equiv", "y............."),
        ("int8", "equiv", ".y............"),
        ("int16", "equiv", "..y..........."),
        ("int32", "equiv", "...y.........."),
        ("int64", "equiv", "....y........."),
        ("uint8", "equiv", ".....y........"),
        ("uint16", "equiv", "......y......."),
        ("uint32", "equiv", ".......y......"),
        ("uint64", "equiv", "........y....."),
        ("float16", "equiv", ".........y...."),
        ("float32", "equiv", "..........y..."),
        ("float64", "equiv", "...........y.."),
        ("complex64", "equiv", "............y."),
        ("complex128", "equiv", ".............y"),
        ("bool", "safe", "yyyyyyyyyyyyyy"),
        ("int8", "safe", ".yyyy....yyyyy"),
        ("int16", "safe", "..yyy.....yyyy"),
        ("int32", "safe", "...yy......y.y"),
        ("int64", "safe", "....y......y.y"),
        ("uint8", "safe", "..yyyyyyyyyyyy"),
        ("uint16", "safe", "...yy.yyy.yyyy"),
        ("uint32", "safe", "....y..yy..y.y"),
        ("uint64", "safe", "........y..y.y"),
        ("float16", "safe", ".........yyyyy"),
        ("float32", "safe", "..........yyyy"),
        ("float64", "safe", "...........y.y"),
        ("complex64", "safe", "............yy"),
        ("complex128", "safe", ".............y"),
        ("bool", "same_kind", "yyyyyyyyyyyyyy"),
        ("int8", "same_kind", ".yyyy....yyyyy"),
        ("int16", "same_kind", ".yyyy....yyyyy"),
        ("int32", "same_kind", ".yyyy....yyyyy"),
        ("int64", "same_kind", ".yyyy....yyyyy"),
        ("uint8", "same_kind", ".yyyyyyyyyyyyy"),
        ("uint16", "same_kind", ".yyyyyyyyyyyyy"),
        ("uint32", "same_kind", ".yyyyyyyyyyyyy"),
        ("uint64", "same_kind", ".yyyyyyyyyyyyy"),
        ("float16", "same_kind", ".........yyyyy"),
        ("float32", "same_kind", ".........yyyyy"),
        ("float64", "same_kind", ".........yyyyy"),
        ("complex64", "same_kind", "............yy"),
        ("complex128", "same_kind", "............yy"),
        ("bool", "unsafe", "yyyyyyyyyyyyyy"),
        ("int8", "unsafe", "yyyyyyyyyyyyyy"),
        ("int16", "unsafe", "yyyyyyyyyyyyyy"),
        ("int32", "unsafe", "yyyyyyyyyyyyyy"),
        ("int64", "unsafe", "yyyyyyyyyyyyyy"),
        ("uint8", "unsafe", "yyyyyyyyyyyyyy"),
        ("uint16", "unsafe", "yyyyyyyyyyyyyy"),
        ("uint32", "unsafe", "yyyyyyyyyyyyyy"),
        ("uint64", "unsafe", "yyyyyyyyyyyyyy"),
        ("float16", "unsafe", "yyyyyyyyyyyyyy"),
        ("float32", "unsafe", "yyyyyyyyyyyyyy"),
        ("float64", "unsafe", "yyyyyyyyyyyyyy"),
        ("complex64", "unsafe", "yyyyyyyyyyyyyy"),
        ("complex128", "unsafe", "yyyyyyyyyyyyyy"),
    ];

    /// `np.sum`, `np.prod`, `np.true_divide(x, x)`, `np.mean`, `np.var` and `np.std` of
    /// an array of each type.
    const REDUCTION_TYPES: &str = "\
           sum        prod       divide     mean       var        std
bool       int64      int64      float64    float64    float64    float64
int8       int64      int64      float64    float64    float64    float64
int16      int64      int64      float64    float64    float64    float64
int32      int64      int64      float64    float64    float64    float64
int64      int64      int64      float64    float64    float64    float64
uint8      uint64     uint64     float64    float64    float64    float64
uint16     uint64     uint64     float64    float64    float64    float64
uint32     uint64     uint64     float64    float64    float64    float64
uint64     uint64     uint64     float64    float64    float64    float64
float16    float16    float16    float16    float16    float16    float16
float32    float32    float32    float32    float32    float32    float32
float64    float64    float64    float64    float64    float64    float64
complex64  complex64  complex64  complex64  complex64  float32    float32
complex128 complex128 complex128 complex128 complex128 float64    float64
";

    /// Python ints tried against an array of each type: every integer bound and its
    /// outside neighbour, 0, and the ends of `i128`.
    const WEAK_INT_VALUES: &[i128] = &[
        i128::MIN,
        -9223372036854775809,
        -9223372036854775808,
        -2147483649,
        -2147483648,
        -32769,
        -32768,
        -129,
        -128,
        0,
        127,
        128,
        255,
        256,
        32767,
        32768,
        65535,
        65536,
        2147483647,
        2147483648,
        4294967295,
        4294967296,
        9223372036854775807,
        9223372036854775808,
        18446744073709551615,
        18446744073709551616,
        i128::MAX,
    ];

    /// Per array type, one cell per `WEAK_INT_VALUES` entry: `y` when
    /// `np.zeros(1, dtype) + value` works, `.` when it raises `OverflowError`.
    const WEAK_INT_FITS: &[(&str, &str)] = &[
        ("bool", "..yyyyyyyyyyyyyyyyyyyyy...."),
        ("int8", "........yyy................"),
        ("int16", "......yyyyyyyyy............"),
        ("int32", "....yyyyyyyyyyyyyyy........"),
        ("int64", "..yyyyyyyyyyyyyyyyyyyyy...."),
        ("uint8", ".........yyyy.............."),
        ("uint16", ".........yyyyyyyy.........."),
        ("uint32", ".........yyyyyyyyyyyy......"),
        ("uint64", ".........yyyyyyyyyyyyyyyy.."),
        ("float16", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"),
        ("float32", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"),
        ("float64", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"),
        ("complex64", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"),
        ("complex128", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"),
    ];

    #[test]
    fn promote_types_matches_numpy_for_every_pair() {
        let (header, rows) = grid(PROMOTE_TYPES);
        assert_eq!(rows.len(), Type::ALL.len());
        for (a, cells) in rows {
            assert_eq!(cells.len(), header.len());
            for (&b, &want) in header.iter().zip(&cells) {
                let b = ty(b);
                assert_eq!(promote_types(a, b), ty(want), "promote_types({a}, {b})");
            }
        }
    }

    #[test]
    fn result_type_matches_numpy_for_every_triple() {
        for a in Type::ALL {
            for b in Type::ALL {
                for c in Type::ALL {
                    let names = [a.name(), b.name(), c.name()];
                    let want = match RESULT_TYPE_NOT_A_FOLD.iter().find(|(t, _)| *t == names) {
                        Some((_, want)) => ty(want),
                        None => expected_promotion(expected_promotion(a, b), c),
                    };
                    assert_eq!(result_type(&[a, b, c]), Some(want), "{names:?}");
                }
            }
        }
    }

    #[test]
    fn result_type_of_longer_sequences_matches_numpy() {
        for line in RESULT_TYPE_LONGER.lines() {
            let mut names = line.split_whitespace().map(ty);
            let want = names.next().unwrap();
            let types: Vec<Type> = names.collect();
            assert_eq!(result_type(&types), Some(want), "{line}");
        }
    }

    #[test]
    fn result_type_of_one_or_two_types_is_their_promotion() {
        assert_eq!(result_type(&[]), None);
        for a in Type::ALL {
            assert_eq!(result_type(&[a]), Some(a));
            for b in Type::ALL {
                assert_eq!(result_type(&[a, b]), Some(expected_promotion(a, b)));
            }
        }
    }

    #[test]
    fn promote_weak_matches_numpy_for_every_scalar_kind() {
        let (header, rows) = grid(PROMOTE_WEAK);
        let kinds = [
            ScalarKind::Bool,
            ScalarKind::Int,
            ScalarKind::Float,
            ScalarKind::Complex,
        ];
        assert_eq!(header, ["bool", "int", "float", "complex"]);
        assert_eq!(rows.len(), Type::ALL.len());
        for (array, cells) in rows {
            for (&k, &want) in kinds.iter().zip(&cells) {
                assert_eq!(promote_weak(array, k), ty(want), "{array} with {k:?}");
            }
        }
    }

    #[test]
    fn lone_scalars_get_numpy_default_types() {
        // `np.asarray(s).dtype` for `s` in `True, 1, 1.0, 1j`.
        let cases = [
            (ScalarKind::Bool, Type::Bool),
            (ScalarKind::Int, Type::Int64),
            (ScalarKind::Float, Type::Float64),
            (ScalarKind::Complex, Type::Complex128),
        ];
        for (k, want) in cases {
            assert_eq!(default_type(k), want, "{k:?}");
        }
    }

    #[test]
    fn can_cast_matches_numpy_for_every_mode() {
        assert_eq!(CAN_CAST.len(), Type::ALL.len() * Casting::ALL.len());
        for &(from, mode, cells) in CAN_CAST {
            let (from, casting) = (ty(from), Casting::from_name(mode).unwrap());
            assert_eq!(cells.len(), Type::ALL.len());
            for (to, cell) in Type::ALL.into_iter().zip(cells.chars()) {
                assert_eq!(
                    can_cast(from, to, casting),
                    cell == 'y',
                    "can_cast({from}, {to}, {mode})"
                );
            }
        }
    }

    #[test]
    fn casting_names_round_trip() {
        for c in Casting::ALL {
            assert_eq!(Casting::from_name(c.name()).unwrap(), c);
        }
        assert!(matches!(
            Casting::from_name("Safe"),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn division_and_reduction_types_match_numpy() {
        let (header, rows) = grid(REDUCTION_TYPES);
        assert_eq!(header, ["sum", "prod", "divide", "mean", "var", "std"]);
        assert_eq!(rows.len(), Type::ALL.len());
        for (t, cells) in rows {
            let got = [
                sum_type(t),
                sum_type(t),
                true_divide_type(t),
                mean_type(t),
                var_type(t),
                var_type(t),
            ];
            for ((op, want), got) in header.iter().zip(&cells).zip(got) {
                assert_eq!(got, ty(want), "{op} of {t}");
            }
        }
    }

    #[test]
    fn weak_ints_overflow_exactly_where_numpy_raises() {
        assert_eq!(WEAK_INT_FITS.len(), Type::ALL.len());
        for &(array, cells) in WEAK_INT_FITS {
            let array = ty(array);
            assert_eq!(cells.len(), WEAK_INT_VALUES.len());
            for (&value, cell) in WEAK_INT_VALUES.iter().zip(cells.chars()) {
                let got = check_weak_int(array, value);
                assert_eq!(got.is_ok(), cell == 'y', "{array} + {value}: {got:?}");
                if let Err(e) = got {
                    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
                }
            }
        }
    }

    #[test]
    fn weak_int_overflow_reads_like_numpy() {
        assert_eq!(
            check_weak_int(Type::UInt8, 300),
            Err(Error::InvalidArgument {
                what: "Python integer 300 out of bounds for uint8".into()
            })
        );
        // A bool array takes the int as int64.
        assert_eq!(
            check_weak_int(Type::Bool, 1 << 63),
            Err(Error::InvalidArgument {
                what: "Python integer 9223372036854775808 out of bounds for int64".into()
            })
        );
    }
}
