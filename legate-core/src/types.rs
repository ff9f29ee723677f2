//! Element types of stores and typed single values.
//!
//! [`Type`] mirrors Arrow's primitive types (plus complex numbers, which Arrow spells as a
//! two-element fixed-size list of floats) and converts losslessly to and from
//! [`arrow_schema::DataType`]. [`Element`] ties each Rust element type to its [`Type`], and
//! [`Scalar`] holds one value of any type: scalar task arguments, fill values and reduction
//! results travel as scalars.
//!
//! ```
//! use legate_core::types::{Scalar, Type};
//!
//! let s = Scalar::new(2.5f64);
//! assert_eq!(s.ty(), Type::Float64);
//! assert_eq!(s.cast(Type::Int32).get::<i32>().unwrap(), 2);
//! ```

use std::fmt;
use std::sync::Arc;

use arrow_schema::{DataType, Field};
use half::f16;
use num_complex::Complex;

use crate::error::{Error, Result};
use sealed::Sealed as _;

/// Element types of stores, mirroring Arrow's primitive types.
///
/// The order of the variants (booleans, signed integers, unsigned integers, floats,
/// complex numbers, each by width) is the order of [`Type::ALL`] and of `Ord`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// A boolean, stored as one byte holding 0 or 1.
    Bool,
    /// A signed 8-bit integer.
    Int8,
    /// A signed 16-bit integer.
    Int16,
    /// A signed 32-bit integer.
    Int32,
    /// A signed 64-bit integer.
    Int64,
    /// An unsigned 8-bit integer.
    UInt8,
    /// An unsigned 16-bit integer.
    UInt16,
    /// An unsigned 32-bit integer.
    UInt32,
    /// An unsigned 64-bit integer.
    UInt64,
    /// An IEEE 754 half-precision float ([`half::f16`]).
    Float16,
    /// An IEEE 754 single-precision float.
    Float32,
    /// An IEEE 754 double-precision float.
    Float64,
    /// A complex number of two `f32` parts, real first.
    Complex64,
    /// A complex number of two `f64` parts, real first.
    Complex128,
}

impl Type {
    /// Every type, in declaration order.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::ALL.len(), 14);
    /// assert_eq!(Type::ALL[0], Type::Bool);
    /// ```
    pub const ALL: [Type; 14] = [
        Type::Bool,
        Type::Int8,
        Type::Int16,
        Type::Int32,
        Type::Int64,
        Type::UInt8,
        Type::UInt16,
        Type::UInt32,
        Type::UInt64,
        Type::Float16,
        Type::Float32,
        Type::Float64,
        Type::Complex64,
        Type::Complex128,
    ];

    /// Bytes per element.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::Bool.size(), 1);
    /// assert_eq!(Type::Complex128.size(), 16);
    /// ```
    pub const fn size(self) -> usize {
        match self {
            Type::Bool | Type::Int8 | Type::UInt8 => 1,
            Type::Int16 | Type::UInt16 | Type::Float16 => 2,
            Type::Int32 | Type::UInt32 | Type::Float32 => 4,
            Type::Int64 | Type::UInt64 | Type::Float64 | Type::Complex64 => 8,
            Type::Complex128 => 16,
        }
    }

    /// Alignment of an element in bytes: that of its parts for complex numbers, its size
    /// otherwise.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::Complex64.alignment(), 4);
    /// assert_eq!(Type::Int16.alignment(), 2);
    /// ```
    pub const fn alignment(self) -> usize {
        match self {
            Type::Complex64 => 4,
            Type::Complex128 => 8,
            other => other.size(),
        }
    }

    /// The NumPy name of the type (`"int32"`, `"complex64"`, ...).
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::UInt16.name(), "uint16");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int8 => "int8",
            Type::Int16 => "int16",
            Type::Int32 => "int32",
            Type::Int64 => "int64",
            Type::UInt8 => "uint8",
            Type::UInt16 => "uint16",
            Type::UInt32 => "uint32",
            Type::UInt64 => "uint64",
            Type::Float16 => "float16",
            Type::Float32 => "float32",
            Type::Float64 => "float64",
            Type::Complex64 => "complex64",
            Type::Complex128 => "complex128",
        }
    }

    /// The type of a NumPy name, the inverse of [`Type::name`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `name` is not the name of a type.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::from_name("float16").unwrap(), Type::Float16);
    /// assert!(Type::from_name("float128").is_err());
    /// ```
    pub fn from_name(name: &str) -> Result<Type> {
        Type::ALL
            .into_iter()
            .find(|ty| ty.name() == name)
            .ok_or_else(|| Error::invalid(format!("unknown type name {name:?}")))
    }

    /// Whether this is [`Type::Bool`].
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::Bool.is_bool());
    /// ```
    pub const fn is_bool(self) -> bool {
        matches!(self, Type::Bool)
    }

    /// Whether this is a signed or unsigned integer type (not [`Type::Bool`]).
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::UInt8.is_integer());
    /// assert!(!Type::Bool.is_integer());
    /// ```
    pub const fn is_integer(self) -> bool {
        self.is_signed() || self.is_unsigned()
    }

    /// Whether this is a signed integer type.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::Int64.is_signed());
    /// assert!(!Type::Float64.is_signed());
    /// ```
    pub const fn is_signed(self) -> bool {
        matches!(self, Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64)
    }

    /// Whether this is an unsigned integer type.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::UInt32.is_unsigned());
    /// ```
    pub const fn is_unsigned(self) -> bool {
        matches!(
            self,
            Type::UInt8 | Type::UInt16 | Type::UInt32 | Type::UInt64
        )
    }

    /// Whether this is a real floating-point type.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::Float16.is_float());
    /// assert!(!Type::Complex64.is_float());
    /// ```
    pub const fn is_float(self) -> bool {
        matches!(self, Type::Float16 | Type::Float32 | Type::Float64)
    }

    /// Whether this is a complex type.
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// assert!(Type::Complex128.is_complex());
    /// ```
    pub const fn is_complex(self) -> bool {
        matches!(self, Type::Complex64 | Type::Complex128)
    }

    /// The Arrow data type of this type. Complex numbers become a non-nullable
    /// `FixedSizeList` of two floats named `"item"`, real part first.
    ///
    /// ```
    /// use arrow_schema::DataType;
    /// use legate_core::types::Type;
    ///
    /// assert_eq!(Type::Int32.to_arrow(), DataType::Int32);
    /// ```
    pub fn to_arrow(self) -> DataType {
        match self {
            Type::Bool => DataType::Boolean,
            Type::Int8 => DataType::Int8,
            Type::Int16 => DataType::Int16,
            Type::Int32 => DataType::Int32,
            Type::Int64 => DataType::Int64,
            Type::UInt8 => DataType::UInt8,
            Type::UInt16 => DataType::UInt16,
            Type::UInt32 => DataType::UInt32,
            Type::UInt64 => DataType::UInt64,
            Type::Float16 => DataType::Float16,
            Type::Float32 => DataType::Float32,
            Type::Float64 => DataType::Float64,
            Type::Complex64 => complex_arrow(DataType::Float32),
            Type::Complex128 => complex_arrow(DataType::Float64),
        }
    }

    /// The type of an Arrow data type, the inverse of [`Type::to_arrow`]. A complex type is
    /// recognised as a `FixedSizeList` of two non-nullable `Float32` or `Float64`, whatever
    /// the name of its child field.
    ///
    /// # Errors
    ///
    /// [`Error::NotImplemented`] for every other Arrow type (strings, lists, structs,
    /// temporal and decimal types, ...).
    ///
    /// ```
    /// use legate_core::types::Type;
    ///
    /// let dt = Type::Complex64.to_arrow();
    /// assert_eq!(Type::from_arrow(&dt).unwrap(), Type::Complex64);
    /// assert!(Type::from_arrow(&arrow_schema::DataType::Utf8).is_err());
    /// ```
    pub fn from_arrow(dt: &DataType) -> Result<Type> {
        let ty = match dt {
            DataType::Boolean => Type::Bool,
            DataType::Int8 => Type::Int8,
            DataType::Int16 => Type::Int16,
            DataType::Int32 => Type::Int32,
            DataType::Int64 => Type::Int64,
            DataType::UInt8 => Type::UInt8,
            DataType::UInt16 => Type::UInt16,
            DataType::UInt32 => Type::UInt32,
            DataType::UInt64 => Type::UInt64,
            DataType::Float16 => Type::Float16,
            DataType::Float32 => Type::Float32,
            DataType::Float64 => Type::Float64,
            DataType::FixedSizeList(field, 2) if !field.is_nullable() => match field.data_type() {
                DataType::Float32 => Type::Complex64,
                DataType::Float64 => Type::Complex128,
                _ => return Err(unsupported_arrow(dt)),
            },
            _ => return Err(unsupported_arrow(dt)),
        };
        Ok(ty)
    }
}

fn complex_arrow(part: DataType) -> DataType {
    DataType::FixedSizeList(Arc::new(Field::new_list_field(part, false)), 2)
}

fn unsupported_arrow(dt: &DataType) -> Error {
    Error::NotImplemented {
        what: format!("arrow type {dt} as a store element type"),
    }
}

impl fmt::Display for Type {
    /// Writes [`Type::name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<&DataType> for Type {
    type Error = Error;

    /// Same as [`Type::from_arrow`].
    fn try_from(dt: &DataType) -> Result<Type> {
        Type::from_arrow(dt)
    }
}

impl From<Type> for DataType {
    /// Same as [`Type::to_arrow`].
    fn from(ty: Type) -> DataType {
        ty.to_arrow()
    }
}

/// Byte conversions behind [`Element`]; private so that the set of element types stays the
/// one [`Type`] describes.
mod sealed {
    /// Little-endian encoding of an element in the first `size()` bytes of a buffer.
    pub trait Sealed: Sized {
        fn write(self, out: &mut [u8; 16]);
        fn read(bytes: &[u8; 16]) -> Self;
    }
}

/// Rust element types that can live in a store.
///
/// Implemented for `bool`, the integer types, [`half::f16`], `f32`, `f64` and
/// [`num_complex::Complex`] of `f32` and `f64`; the trait is sealed.
///
/// ```
/// use legate_core::types::{Element, Type};
///
/// assert_eq!(<u16 as Element>::TYPE, Type::UInt16);
/// ```
pub trait Element:
    sealed::Sealed + Copy + Send + Sync + Default + fmt::Debug + PartialEq + 'static
{
    /// The store type of this Rust type.
    const TYPE: Type;
}

macro_rules! primitive_elements {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl Element for $t {
            const TYPE: Type = Type::$variant;
        }

        impl sealed::Sealed for $t {
            fn write(self, out: &mut [u8; 16]) {
                let b = self.to_le_bytes();
                out[..b.len()].copy_from_slice(&b);
            }

            fn read(bytes: &[u8; 16]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                let n = b.len();
                b.copy_from_slice(&bytes[..n]);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}

primitive_elements! {
    i8 => Int8,
    i16 => Int16,
    i32 => Int32,
    i64 => Int64,
    u8 => UInt8,
    u16 => UInt16,
    u32 => UInt32,
    u64 => UInt64,
    f16 => Float16,
    f32 => Float32,
    f64 => Float64,
}

impl Element for bool {
    const TYPE: Type = Type::Bool;
}

impl sealed::Sealed for bool {
    fn write(self, out: &mut [u8; 16]) {
        out[0] = u8::from(self);
    }

    fn read(bytes: &[u8; 16]) -> Self {
        bytes[0] != 0
    }
}

macro_rules! complex_elements {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl Element for Complex<$t> {
            const TYPE: Type = Type::$variant;
        }

        impl sealed::Sealed for Complex<$t> {
            fn write(self, out: &mut [u8; 16]) {
                let re = self.re.to_le_bytes();
                let im = self.im.to_le_bytes();
                let n = re.len();
                out[..n].copy_from_slice(&re);
                out[n..2 * n].copy_from_slice(&im);
            }

            fn read(bytes: &[u8; 16]) -> Self {
                let mut re = [0u8; std::mem::size_of::<$t>()];
                let mut im = re;
                let n = re.len();
                re.copy_from_slice(&bytes[..n]);
                im.copy_from_slice(&bytes[n..2 * n]);
                Complex::new(<$t>::from_le_bytes(re), <$t>::from_le_bytes(im))
            }
        }
    )*};
}

complex_elements! {
    f32 => Complex64,
    f64 => Complex128,
}

/// A typed value of one element (scalar task arguments, fill values, reduction results).
///
/// The value is kept as its little-endian bytes, so equality is bitwise: a NaN equals a
/// NaN with the same bits, and `0.0` differs from `-0.0`.
///
/// ```
/// use legate_core::types::{Scalar, Type};
///
/// let s = Scalar::from(7u8);
/// assert_eq!(s.ty(), Type::UInt8);
/// assert_eq!(s.to_string(), "7");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scalar {
    ty: Type,
    /// The value in its first `ty.size()` bytes; the rest stay zero.
    bytes: [u8; 16],
}

/// A scalar's value, widened without loss so casts can be written once per target.
#[derive(Clone, Copy)]
enum Num {
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
}

impl Num {
    fn is_nonzero(self) -> bool {
        match self {
            Num::Bool(b) => b,
            Num::Int(i) => i != 0,
            Num::Float(x) => x != 0.0,
            Num::Complex(re, im) => re != 0.0 || im != 0.0,
        }
    }

    /// The real part as an `f32`, rounded once from the exact value.
    fn real_f32(self) -> f32 {
        match self {
            Num::Bool(b) => f32::from(u8::from(b)),
            Num::Int(i) => i as f32,
            Num::Float(x) | Num::Complex(x, _) => x as f32,
        }
    }

    /// The real part as an `f64`, rounded once from the exact value.
    fn real_f64(self) -> f64 {
        match self {
            Num::Bool(b) => f64::from(u8::from(b)),
            Num::Int(i) => i as f64,
            Num::Float(x) | Num::Complex(x, _) => x,
        }
    }

    fn imag_f64(self) -> f64 {
        match self {
            Num::Complex(_, im) => im,
            _ => 0.0,
        }
    }
}

/// Converts the real part of a [`Num`] to an integer type as a C cast does: integers wrap,
/// floats truncate toward zero (saturating, NaN to 0, as Rust's `as`).
macro_rules! num_as_int {
    ($num:expr, $t:ty) => {
        match $num {
            Num::Bool(b) => u8::from(b) as $t,
            Num::Int(i) => i as $t,
            Num::Float(x) | Num::Complex(x, _) => x as $t,
        }
    };
}

impl Scalar {
    /// A scalar holding `value`.
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// assert_eq!(Scalar::new(-3i16).ty(), Type::Int16);
    /// ```
    pub fn new<T: Element>(value: T) -> Scalar {
        let mut bytes = [0u8; 16];
        value.write(&mut bytes);
        Scalar { ty: T::TYPE, bytes }
    }

    /// The type of the value.
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// assert_eq!(Scalar::new(true).ty(), Type::Bool);
    /// ```
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// The value as a `T`, which must be the Rust type of [`Scalar::ty`] (no conversion;
    /// see [`Scalar::cast`]).
    ///
    /// # Errors
    ///
    /// [`Error::TypeMismatch`] when `T::TYPE` is not the type of the scalar.
    ///
    /// ```
    /// use legate_core::types::Scalar;
    ///
    /// let s = Scalar::new(1.5f32);
    /// assert_eq!(s.get::<f32>().unwrap(), 1.5);
    /// assert!(s.get::<f64>().is_err());
    /// ```
    pub fn get<T: Element>(&self) -> Result<T> {
        if T::TYPE == self.ty {
            Ok(T::read(&self.bytes))
        } else {
            Err(Error::TypeMismatch {
                expected: T::TYPE,
                found: self.ty,
            })
        }
    }

    /// The little-endian bytes of the value: exactly `self.ty().size()` of them.
    ///
    /// ```
    /// use legate_core::types::Scalar;
    ///
    /// assert_eq!(Scalar::new(0x0102u16).as_bytes(), &[2, 1]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.ty.size()]
    }

    /// A scalar of type `ty` from its little-endian bytes, the inverse of
    /// [`Scalar::as_bytes`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `bytes` is not `ty.size()` long, or when a
    /// [`Type::Bool`] byte is neither 0 nor 1.
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// let s = Scalar::from_bytes(Type::Int32, &7i32.to_le_bytes()).unwrap();
    /// assert_eq!(s, Scalar::new(7i32));
    /// assert!(Scalar::from_bytes(Type::Bool, &[2]).is_err());
    /// ```
    pub fn from_bytes(ty: Type, bytes: &[u8]) -> Result<Scalar> {
        if bytes.len() != ty.size() {
            return Err(Error::invalid(format!(
                "a {ty} scalar takes {} bytes, {} were given",
                ty.size(),
                bytes.len()
            )));
        }
        if ty == Type::Bool && bytes[0] > 1 {
            return Err(Error::invalid(format!(
                "a bool scalar byte must be 0 or 1, found {}",
                bytes[0]
            )));
        }
        let mut buf = [0u8; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(Scalar { ty, bytes: buf })
    }

    /// The zero of `ty` (`false` for [`Type::Bool`]).
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// assert_eq!(Scalar::zero(Type::Float64), Scalar::new(0.0f64));
    /// ```
    pub fn zero(ty: Type) -> Scalar {
        // All-zero bytes are zero (and `false`) in every type.
        Scalar {
            ty,
            bytes: [0u8; 16],
        }
    }

    /// The one of `ty` (`true` for [`Type::Bool`], `1 + 0i` for complex types).
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// assert_eq!(Scalar::one(Type::UInt64), Scalar::new(1u64));
    /// ```
    pub fn one(ty: Type) -> Scalar {
        Scalar::new(true).cast(ty)
    }

    /// The value as an `f64`, possibly losing precision: the real part of a complex number,
    /// 0 or 1 for a bool.
    ///
    /// ```
    /// use legate_core::types::Scalar;
    /// use num_complex::Complex;
    ///
    /// assert_eq!(Scalar::new(Complex::new(2.0f32, 5.0)).to_f64(), 2.0);
    /// ```
    pub fn to_f64(&self) -> f64 {
        self.num().real_f64()
    }

    /// The value as an `i64`, possibly losing information: floats (and the real part of
    /// complex numbers) are truncated toward zero and saturate at the bounds of `i64` (NaN
    /// gives 0), `u64` values above `i64::MAX` saturate, a bool gives 0 or 1.
    ///
    /// ```
    /// use legate_core::types::Scalar;
    ///
    /// assert_eq!(Scalar::new(-2.7f64).to_i64(), -2);
    /// assert_eq!(Scalar::new(u64::MAX).to_i64(), i64::MAX);
    /// ```
    pub fn to_i64(&self) -> i64 {
        match self.num() {
            Num::Bool(b) => i64::from(b),
            Num::Int(i) => i64::try_from(i).unwrap_or(if i < 0 { i64::MIN } else { i64::MAX }),
            Num::Float(x) | Num::Complex(x, _) => x as i64,
        }
    }

    /// The value converted to `to` with NumPy's `astype` semantics: integers wrap as a C
    /// cast does, floats go to integers truncated toward zero (saturating as Rust's `as`,
    /// NaN to 0), a complex number gives its real part to a real type, and anything goes
    /// to bool as `value != 0`.
    ///
    /// ```
    /// use legate_core::types::{Scalar, Type};
    ///
    /// assert_eq!(Scalar::new(300i32).cast(Type::UInt8), Scalar::new(44u8));
    /// assert_eq!(Scalar::new(-2.7f64).cast(Type::Int32), Scalar::new(-2i32));
    /// assert_eq!(Scalar::new(0.5f32).cast(Type::Bool), Scalar::new(true));
    /// ```
    pub fn cast(&self, to: Type) -> Scalar {
        let n = self.num();
        match to {
            Type::Bool => Scalar::new(n.is_nonzero()),
            Type::Int8 => Scalar::new(num_as_int!(n, i8)),
            Type::Int16 => Scalar::new(num_as_int!(n, i16)),
            Type::Int32 => Scalar::new(num_as_int!(n, i32)),
            Type::Int64 => Scalar::new(num_as_int!(n, i64)),
            Type::UInt8 => Scalar::new(num_as_int!(n, u8)),
            Type::UInt16 => Scalar::new(num_as_int!(n, u16)),
            Type::UInt32 => Scalar::new(num_as_int!(n, u32)),
            Type::UInt64 => Scalar::new(num_as_int!(n, u64)),
            // `real_f64` is exact for every value in f16's range, so one rounding happens.
            Type::Float16 => Scalar::new(f16::from_f64(n.real_f64())),
            Type::Float32 => Scalar::new(n.real_f32()),
            Type::Float64 => Scalar::new(n.real_f64()),
            Type::Complex64 => Scalar::new(Complex::new(n.real_f32(), n.imag_f64() as f32)),
            Type::Complex128 => Scalar::new(Complex::new(n.real_f64(), n.imag_f64())),
        }
    }

    fn num(&self) -> Num {
        let b = &self.bytes;
        match self.ty {
            Type::Bool => Num::Bool(bool::read(b)),
            Type::Int8 => Num::Int(i8::read(b).into()),
            Type::Int16 => Num::Int(i16::read(b).into()),
            Type::Int32 => Num::Int(i32::read(b).into()),
            Type::Int64 => Num::Int(i64::read(b).into()),
            Type::UInt8 => Num::Int(u8::read(b).into()),
            Type::UInt16 => Num::Int(u16::read(b).into()),
            Type::UInt32 => Num::Int(u32::read(b).into()),
            Type::UInt64 => Num::Int(u64::read(b).into()),
            Type::Float16 => Num::Float(f16::read(b).to_f64()),
            Type::Float32 => Num::Float(f32::read(b).into()),
            Type::Float64 => Num::Float(f64::read(b)),
            Type::Complex64 => {
                let c = Complex::<f32>::read(b);
                Num::Complex(c.re.into(), c.im.into())
            }
            Type::Complex128 => {
                let c = Complex::<f64>::read(b);
                Num::Complex(c.re, c.im)
            }
        }
    }
}

impl<T: Element> From<T> for Scalar {
    /// Same as [`Scalar::new`].
    fn from(value: T) -> Scalar {
        Scalar::new(value)
    }
}

impl fmt::Display for Scalar {
    /// Writes the value: `true`, `-3`, `2.5`, `(1.0+2.0j)` for a complex number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.bytes;
        match self.ty {
            Type::Bool => write!(f, "{}", bool::read(b)),
            Type::Int8 => write!(f, "{}", i8::read(b)),
            Type::Int16 => write!(f, "{}", i16::read(b)),
            Type::Int32 => write!(f, "{}", i32::read(b)),
            Type::Int64 => write!(f, "{}", i64::read(b)),
            Type::UInt8 => write!(f, "{}", u8::read(b)),
            Type::UInt16 => write!(f, "{}", u16::read(b)),
            Type::UInt32 => write!(f, "{}", u32::read(b)),
            Type::UInt64 => write!(f, "{}", u64::read(b)),
            // Debug keeps the ".0" that marks a float.
            Type::Float16 => write!(f, "{:?}", f16::read(b)),
            Type::Float32 => write!(f, "{:?}", f32::read(b)),
            Type::Float64 => write!(f, "{:?}", f64::read(b)),
            Type::Complex64 => {
                let c = Complex::<f32>::read(b);
                write_complex(f, c.re.into(), c.im.into())
            }
            Type::Complex128 => {
                let c = Complex::<f64>::read(b);
                write_complex(f, c.re, c.im)
            }
        }
    }
}

fn write_complex(f: &mut fmt::Formatter<'_>, re: f64, im: f64) -> fmt::Result {
    let sign = if im.is_sign_negative() || im.is_nan() {
        ""
    } else {
        "+"
    };
    write!(f, "({re:?}{sign}{im:?}j)")
}

impl fmt::Debug for Scalar {
    /// Writes the type and the value, e.g. `Scalar(float64: 2.5)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar({}: {self})", self.ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn arrow_conversion_round_trips_every_type() {
        for ty in Type::ALL {
            let dt = ty.to_arrow();
            assert_eq!(Type::from_arrow(&dt).unwrap(), ty);
            assert_eq!(Type::try_from(&dt).unwrap(), ty);
            assert_eq!(DataType::from(ty), dt);
        }
    }

    #[test]
    fn complex_maps_to_fixed_size_list_of_two_floats() {
        let DataType::FixedSizeList(field, 2) = Type::Complex128.to_arrow() else {
            panic!("complex128 is not a FixedSizeList of 2");
        };
        assert_eq!(field.name(), "item");
        assert_eq!(field.data_type(), &DataType::Float64);
        assert!(!field.is_nullable());
        let renamed =
            DataType::FixedSizeList(Arc::new(Field::new("x", DataType::Float32, false)), 2);
        assert_eq!(Type::from_arrow(&renamed).unwrap(), Type::Complex64);
    }

    #[test]
    fn unsupported_arrow_types_are_not_implemented() {
        let nullable =
            DataType::FixedSizeList(Arc::new(Field::new_list_field(DataType::Float32, true)), 2);
        let three =
            DataType::FixedSizeList(Arc::new(Field::new_list_field(DataType::Float32, false)), 3);
        let ints =
            DataType::FixedSizeList(Arc::new(Field::new_list_field(DataType::Int32, false)), 2);
        for dt in [
            DataType::Utf8,
            DataType::Null,
            DataType::Date32,
            nullable,
            three,
            ints,
        ] {
            assert!(
                matches!(Type::from_arrow(&dt), Err(Error::NotImplemented { .. })),
                "{dt}"
            );
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for ty in Type::ALL {
            assert_eq!(Type::from_name(ty.name()).unwrap(), ty);
            assert_eq!(ty.to_string(), ty.name());
        }
        assert!(matches!(
            Type::from_name("Float64"),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn sizes_alignments_and_kinds_are_consistent() {
        for ty in Type::ALL {
            assert_eq!(ty.size() % ty.alignment(), 0);
            let kinds = [
                ty.is_bool(),
                ty.is_integer(),
                ty.is_float(),
                ty.is_complex(),
            ];
            assert_eq!(kinds.iter().filter(|k| **k).count(), 1, "{ty}");
            assert_eq!(ty.is_integer(), ty.is_signed() || ty.is_unsigned());
            assert_eq!(Scalar::zero(ty).as_bytes().len(), ty.size());
        }
        assert_eq!(Type::Complex64.alignment(), 4);
        assert_eq!(Type::Complex128.alignment(), 8);
        assert_eq!(Type::Float16.size(), 2);
    }

    #[test]
    fn element_types_match_their_scalars() {
        fn check<T: Element>(v: T) {
            let s = Scalar::new(v);
            assert_eq!(s.ty(), T::TYPE);
            assert_eq!(s.as_bytes().len(), std::mem::size_of::<T>());
            assert_eq!(s.get::<T>().unwrap(), v);
        }
        check(true);
        check(-5i8);
        check(-500i16);
        check(-70_000i32);
        check(i64::MIN);
        check(200u8);
        check(60_000u16);
        check(u32::MAX);
        check(u64::MAX);
        check(f16::from_f32(1.5));
        check(-0.25f32);
        check(1e300f64);
        check(Complex::new(1.0f32, -2.0));
        check(Complex::new(3.0f64, 4.0));
    }

    #[test]
    fn get_with_the_wrong_type_is_a_mismatch() {
        let s = Scalar::new(1i32);
        assert_eq!(
            s.get::<i64>(),
            Err(Error::TypeMismatch {
                expected: Type::Int64,
                found: Type::Int32
            })
        );
        assert!(Scalar::new(true).get::<u8>().is_err());
        assert!(Scalar::new(1.0f64).get::<Complex<f64>>().is_err());
    }

    #[test]
    fn from_bytes_checks_length_and_bool_bytes() {
        assert!(matches!(
            Scalar::from_bytes(Type::Int32, &[0, 0]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            Scalar::from_bytes(Type::Bool, &[2]),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(
            Scalar::from_bytes(Type::Bool, &[1]).unwrap(),
            Scalar::new(true)
        );
        assert_eq!(
            Scalar::from_bytes(Type::UInt32, &[1, 0, 0, 1]).unwrap(),
            Scalar::new(0x0100_0001u32)
        );
    }

    #[test]
    fn zero_and_one_have_every_type() {
        for ty in Type::ALL {
            let zero = Scalar::zero(ty);
            let one = Scalar::one(ty);
            assert_eq!((zero.ty(), one.ty()), (ty, ty));
            assert_eq!((zero.to_f64(), one.to_f64()), (0.0, 1.0), "{ty}");
            assert_eq!((zero.to_i64(), one.to_i64()), (0, 1), "{ty}");
        }
        assert_eq!(Scalar::one(Type::Bool), Scalar::new(true));
        assert_eq!(Scalar::one(Type::Float16), Scalar::new(f16::ONE));
        assert_eq!(
            Scalar::one(Type::Complex64),
            Scalar::new(Complex::new(1.0f32, 0.0))
        );
    }

    #[test]
    fn casts_follow_numpy_astype() {
        let cases: Vec<(Scalar, Type, Scalar)> = vec![
            (Scalar::new(-2.7f64), Type::Int32, Scalar::new(-2i32)),
            (Scalar::new(2.7f32), Type::UInt16, Scalar::new(2u16)),
            (Scalar::new(300i32), Type::UInt8, Scalar::new(44u8)),
            (Scalar::new(-1i32), Type::UInt8, Scalar::new(255u8)),
            (Scalar::new(-1i8), Type::UInt64, Scalar::new(u64::MAX)),
            (Scalar::new(u64::MAX), Type::Int64, Scalar::new(-1i64)),
            (Scalar::new(200u8), Type::Int8, Scalar::new(-56i8)),
            (Scalar::new(1e10f64), Type::Int32, Scalar::new(i32::MAX)),
            (Scalar::new(f64::NAN), Type::Int64, Scalar::new(0i64)),
            (Scalar::new(-3.5f64), Type::UInt32, Scalar::new(0u32)),
            (
                Scalar::new(f16::from_f32(-7.75)),
                Type::Int16,
                Scalar::new(-7i16),
            ),
            (
                Scalar::new(Complex::new(1.5f64, 2.0)),
                Type::Float64,
                Scalar::new(1.5f64),
            ),
            (
                Scalar::new(Complex::new(-4.9f32, 9.0)),
                Type::Int8,
                Scalar::new(-4i8),
            ),
            (
                Scalar::new(Complex::new(1.5f64, -2.25)),
                Type::Complex64,
                Scalar::new(Complex::new(1.5f32, -2.25)),
            ),
            (
                Scalar::new(Complex::new(0.0f64, 1.0)),
                Type::Bool,
                Scalar::new(true),
            ),
            (
                Scalar::new(Complex::new(0.0f32, 0.0)),
                Type::Bool,
                Scalar::new(false),
            ),
            (Scalar::new(f64::NAN), Type::Bool, Scalar::new(true)),
            (Scalar::new(-0.0f64), Type::Bool, Scalar::new(false)),
            (Scalar::new(256i32), Type::Bool, Scalar::new(true)),
            (Scalar::new(true), Type::Float32, Scalar::new(1.0f32)),
            (Scalar::new(true), Type::Int16, Scalar::new(1i16)),
            (
                Scalar::new(3i64),
                Type::Complex128,
                Scalar::new(Complex::new(3.0f64, 0.0)),
            ),
            (
                Scalar::new(1e6f64),
                Type::Float16,
                Scalar::new(f16::INFINITY),
            ),
            (Scalar::new(0.1f64), Type::Float32, Scalar::new(0.1f32)),
            (
                Scalar::new(16_777_217i32),
                Type::Float32,
                Scalar::new(16_777_216.0f32),
            ),
            (
                Scalar::new(u64::MAX),
                Type::Float64,
                Scalar::new(u64::MAX as f64),
            ),
            (
                Scalar::new(2049u16),
                Type::Float16,
                Scalar::new(f16::from_f32(2048.0)),
            ),
            (
                Scalar::new(f16::from_f32(0.5)),
                Type::Float64,
                Scalar::new(0.5f64),
            ),
            (Scalar::new(42u32), Type::UInt32, Scalar::new(42u32)),
        ];
        for (from, to, expected) in cases {
            assert_eq!(from.cast(to), expected, "{from:?} as {to}");
        }
    }

    #[test]
    fn lossy_views_of_values() {
        assert_eq!(Scalar::new(-2.7f64).to_i64(), -2);
        assert_eq!(Scalar::new(f64::INFINITY).to_i64(), i64::MAX);
        assert_eq!(Scalar::new(u64::MAX).to_i64(), i64::MAX);
        assert_eq!(Scalar::new(true).to_f64(), 1.0);
        assert_eq!(Scalar::new(Complex::new(2.5f64, 1.0)).to_f64(), 2.5);
        assert_eq!(Scalar::new(Complex::new(-2.5f32, 1.0)).to_i64(), -2);
        assert_eq!(Scalar::new(f16::from_f32(0.25)).to_f64(), 0.25);
    }

    #[test]
    fn scalars_print_their_type_and_value() {
        assert_eq!(format!("{:?}", Scalar::new(2.5f64)), "Scalar(float64: 2.5)");
        assert_eq!(format!("{:?}", Scalar::new(true)), "Scalar(bool: true)");
        assert_eq!(Scalar::new(-3i8).to_string(), "-3");
        assert_eq!(Scalar::new(1.0f32).to_string(), "1.0");
        assert_eq!(Scalar::new(f16::from_f32(1.5)).to_string(), "1.5");
        assert_eq!(
            Scalar::new(Complex::new(1.0f64, 2.0)).to_string(),
            "(1.0+2.0j)"
        );
        assert_eq!(
            Scalar::new(Complex::new(1.0f32, -2.0)).to_string(),
            "(1.0-2.0j)"
        );
    }

    fn any_scalar() -> impl Strategy<Value = Scalar> {
        prop_oneof![
            any::<f64>().prop_map(Scalar::new),
            any::<i64>().prop_map(Scalar::new),
            any::<u32>().prop_map(Scalar::new),
            any::<bool>().prop_map(Scalar::new),
            any::<u16>().prop_map(|bits| Scalar::new(f16::from_bits(bits))),
            (any::<f32>(), any::<f32>()).prop_map(|(re, im)| Scalar::new(Complex::new(re, im))),
            (any::<f64>(), any::<f64>()).prop_map(|(re, im)| Scalar::new(Complex::new(re, im))),
        ]
    }

    proptest! {
        #[test]
        fn bytes_round_trip(s in any_scalar()) {
            prop_assert_eq!(s.as_bytes().len(), s.ty().size());
            prop_assert_eq!(Scalar::from_bytes(s.ty(), s.as_bytes()).unwrap(), s);
        }

        #[test]
        fn widening_casts_round_trip(x in any::<i32>()) {
            let s = Scalar::new(x);
            for wide in [Type::Int64, Type::Float64, Type::Complex128] {
                prop_assert_eq!(s.cast(wide).cast(Type::Int32), s);
            }
        }
    }
}
