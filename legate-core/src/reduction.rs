//! Reduction operators: identities and the folding of a private accumulator into a store.

use std::sync::Mutex;

use half::f16;
use num_complex::Complex;

use crate::error::{Error, Result};
use crate::store::{for_each_offset, lock_ignoring_poison};
use crate::types::{Scalar, Type};

/// How values reduced into the same element combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReductionOp {
    /// Sum (`+`); for booleans, logical or.
    Add,
    /// Product (`*`); for booleans, logical and.
    Mul,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
    /// Bitwise (or logical) or.
    Or,
    /// Bitwise (or logical) and.
    And,
    /// Bitwise (or logical) exclusive or.
    Xor,
}

trait Reducible: Copy {
    fn identity(op: ReductionOp) -> Option<Self>;
    fn combine(op: ReductionOp, a: Self, b: Self) -> Self;
}

macro_rules! int_reducible {
    ($($t:ty),*) => {$(
        impl Reducible for $t {
            fn identity(op: ReductionOp) -> Option<Self> {
                Some(match op {
                    ReductionOp::Add | ReductionOp::Or | ReductionOp::Xor => 0,
                    ReductionOp::Mul => 1,
                    ReductionOp::Max => <$t>::MIN,
                    ReductionOp::Min => <$t>::MAX,
                    ReductionOp::And => !0,
                })
            }
            fn combine(op: ReductionOp, a: Self, b: Self) -> Self {
                match op {
                    ReductionOp::Add => a.wrapping_add(b),
                    ReductionOp::Mul => a.wrapping_mul(b),
                    ReductionOp::Max => a.max(b),
                    ReductionOp::Min => a.min(b),
                    ReductionOp::Or => a | b,
                    ReductionOp::And => a & b,
                    ReductionOp::Xor => a ^ b,
                }
            }
        }
    )*};
}
int_reducible!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_reducible {
    ($($t:ty: $zero:expr, $one:expr, $inf:expr),*) => {$(
        impl Reducible for $t {
            fn identity(op: ReductionOp) -> Option<Self> {
                match op {
                    ReductionOp::Add => Some($zero),
                    ReductionOp::Mul => Some($one),
                    ReductionOp::Max => Some(-$inf),
                    ReductionOp::Min => Some($inf),
                    _ => None,
                }
            }
            fn combine(op: ReductionOp, a: Self, b: Self) -> Self {
                match op {
                    ReductionOp::Add => a + b,
                    ReductionOp::Mul => a * b,
                    // NaN propagates, and of equal values (0.0 and -0.0) the one folded
                    // first stays, as NumPy's max/min do.
                    ReductionOp::Max => if a.is_nan() || a >= b { a } else { b },
                    ReductionOp::Min => if a.is_nan() || a <= b { a } else { b },
                    _ => a,
                }
            }
        }
    )*};
}
float_reducible!(f32: 0.0, 1.0, f32::INFINITY, f64: 0.0, 1.0, f64::INFINITY,
    f16: f16::ZERO, f16::ONE, f16::INFINITY);

impl Reducible for bool {
    fn identity(op: ReductionOp) -> Option<Self> {
        Some(matches!(
            op,
            ReductionOp::Mul | ReductionOp::And | ReductionOp::Min
        ))
    }
    fn combine(op: ReductionOp, a: Self, b: Self) -> Self {
        match op {
            ReductionOp::Add | ReductionOp::Or | ReductionOp::Max => a | b,
            ReductionOp::Mul | ReductionOp::And | ReductionOp::Min => a & b,
            ReductionOp::Xor => a ^ b,
        }
    }
}

macro_rules! complex_reducible {
    ($($t:ty),*) => {$(
        impl Reducible for Complex<$t> {
            fn identity(op: ReductionOp) -> Option<Self> {
                match op {
                    ReductionOp::Add => Some(Complex::new(0.0, 0.0)),
                    ReductionOp::Mul => Some(Complex::new(1.0, 0.0)),
                    ReductionOp::Max => Some(Complex::new(-<$t>::INFINITY, -<$t>::INFINITY)),
                    ReductionOp::Min => Some(Complex::new(<$t>::INFINITY, <$t>::INFINITY)),
                    _ => None,
                }
            }
            fn combine(op: ReductionOp, a: Self, b: Self) -> Self {
                // Max and min order complex numbers as NumPy does: by real part, then by
                // imaginary part; a NaN in either part propagates; of equal values the one
                // folded first stays.
                let nan = |z: Self| z.re.is_nan() || z.im.is_nan();
                let greater = a.re > b.re || (a.re == b.re && a.im >= b.im);
                let less = a.re < b.re || (a.re == b.re && a.im <= b.im);
                match op {
                    ReductionOp::Mul => a * b,
                    ReductionOp::Max => if nan(a) || (greater && !nan(b)) { a } else { b },
                    ReductionOp::Min => if nan(a) || (less && !nan(b)) { a } else { b },
                    _ => a + b,
                }
            }
        }
    )*};
}
complex_reducible!(f32, f64);

macro_rules! dispatch {
    ($ty:expr, $f:ident, $($args:expr),*) => {
        match $ty {
            Type::Bool => $f::<bool>($($args),*),
            Type::Int8 => $f::<i8>($($args),*),
            Type::Int16 => $f::<i16>($($args),*),
            Type::Int32 => $f::<i32>($($args),*),
            Type::Int64 => $f::<i64>($($args),*),
            Type::UInt8 => $f::<u8>($($args),*),
            Type::UInt16 => $f::<u16>($($args),*),
            Type::UInt32 => $f::<u32>($($args),*),
            Type::UInt64 => $f::<u64>($($args),*),
            Type::Float16 => $f::<f16>($($args),*),
            Type::Float32 => $f::<f32>($($args),*),
            Type::Float64 => $f::<f64>($($args),*),
            Type::Complex64 => $f::<Complex<f32>>($($args),*),
            Type::Complex128 => $f::<Complex<f64>>($($args),*),
        }
    };
}

fn identity_of<T: Reducible + crate::types::Element>(op: ReductionOp) -> Option<Scalar> {
    T::identity(op).map(Scalar::new)
}

impl ReductionOp {
    /// The value that leaves any other unchanged, or an error where the operator makes no
    /// sense for the type (`Xor` of floats or complex numbers).
    ///
    /// ```
    /// use legate_core::{ReductionOp, Scalar, Type};
    /// assert_eq!(ReductionOp::Mul.identity(Type::Int32).unwrap(), Scalar::new(1i32));
    /// assert!(ReductionOp::Xor.identity(Type::Float64).is_err());
    /// ```
    pub fn identity(self, ty: Type) -> Result<Scalar> {
        dispatch!(ty, identity_of, self).ok_or(Error::UnsupportedType {
            op: self.name(),
            ty,
        })
    }

    /// The operator's name.
    pub fn name(self) -> &'static str {
        match self {
            ReductionOp::Add => "reduction ADD",
            ReductionOp::Mul => "reduction MUL",
            ReductionOp::Max => "reduction MAX",
            ReductionOp::Min => "reduction MIN",
            ReductionOp::Or => "reduction OR",
            ReductionOp::And => "reduction AND",
            ReductionOp::Xor => "reduction XOR",
        }
    }
}

/// Accumulators given back, kept for the next reductions: a fresh allocation of a large
/// accumulator costs a page fault per page on every launch (on some machines more than
/// the reduction itself), a recycled one a `memset`.
static SPARE_ACCUMULATORS: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());

/// Accumulators smaller than this (in words) are allocated afresh (the allocator keeps
/// small blocks mapped anyway).
const SPARE_MIN_WORDS: usize = 1 << 17;

/// At most this many accumulators are kept, and at most this many words in all.
const SPARE_MAX: usize = 8;
const SPARE_MAX_WORDS: usize = 1 << 27;

/// `words` zeroed words for an accumulator: a recycled one where one is big enough.
pub(crate) fn zeroed_words(words: usize) -> Vec<u64> {
    if words >= SPARE_MIN_WORDS {
        let mut spare = lock_ignoring_poison(&SPARE_ACCUMULATORS);
        let best = spare
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= words)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        if let Some(i) = best {
            let mut v = spare.swap_remove(i);
            drop(spare);
            v.clear();
            v.resize(words, 0);
            return v;
        }
    }
    vec![0; words]
}

/// Gives an accumulator's memory back for [`zeroed_words`] to reuse.
pub(crate) fn recycle_words(v: Vec<u64>) {
    if v.capacity() < SPARE_MIN_WORDS {
        return;
    }
    let mut spare = lock_ignoring_poison(&SPARE_ACCUMULATORS);
    let held: usize = spare.iter().map(Vec::capacity).sum();
    if spare.len() < SPARE_MAX && held + v.capacity() <= SPARE_MAX_WORDS {
        spare.push(v);
    }
}

/// Fills `acc` (bytes of `ty`, zeroed) with the identity of `op`.
pub(crate) fn fill_identity(ty: Type, op: ReductionOp, acc: &mut [u8]) -> Result<()> {
    fill_zeroed(acc, op.identity(ty)?.as_bytes());
    Ok(())
}

/// Fills zeroed `bytes` with copies of `pattern` (as many whole ones as fit): nothing to
/// do for a pattern of zeros (the identity of a sum), and otherwise by doubling copies,
/// not one small copy per element.
pub(crate) fn fill_zeroed(bytes: &mut [u8], pattern: &[u8]) {
    let p = pattern.len();
    if p == 0 || pattern.iter().all(|&b| b == 0) {
        return;
    }
    let n = bytes.len() - bytes.len() % p;
    if n == 0 {
        return;
    }
    bytes[..p].copy_from_slice(pattern);
    let mut filled = p;
    while filled < n {
        let m = filled.min(n - filled);
        bytes.copy_within(0..m, filled);
        filled += m;
    }
}

/// The box of `shape` and `strides` with its dimensions of extent 1 dropped and each
/// dimension merged into the one outside it where the strides run on (the points keep
/// their row-major order), so that a fold goes over long rows (an accumulator of `(m, k,
/// 1)` is one row of `m * k` when its piece is contiguous).
fn merged_box(shape: &[usize], strides: &[i64]) -> (Vec<usize>, Vec<i64>) {
    let mut s: Vec<usize> = Vec::with_capacity(shape.len());
    let mut st: Vec<i64> = Vec::with_capacity(shape.len());
    for (&e, &stride) in shape.iter().zip(strides) {
        if e == 1 {
            continue;
        }
        match (s.last_mut(), st.last_mut()) {
            (Some(outer), Some(os)) if *os == stride * e as i64 => {
                *outer *= e;
                *os = stride;
            }
            _ => {
                s.push(e);
                st.push(stride);
            }
        }
    }
    (s, st)
}

unsafe fn fold_typed<T: Reducible>(
    op: ReductionOp,
    dst: *mut u8,
    shape: &[usize],
    strides: &[i64],
    offset: i64,
    src: &[u8],
) {
    if shape.contains(&0) {
        return;
    }
    let (shape, strides) = merged_box(shape, strides);
    let (shape, strides) = (&shape[..], &strides[..]);
    // Row by row along the innermost dimension (a 0-d box is one row of one element).
    let (outer, inner, stride) = match shape.split_last() {
        Some((&inner, outer)) => (outer, inner, strides[shape.len() - 1] as isize),
        None => (shape, 1, 1),
    };
    let row_bytes = inner * std::mem::size_of::<T>();
    let mut row = 0;
    for_each_offset(outer, &strides[..outer.len()], offset, |off| {
        // SAFETY: the caller guarantees that every element of the box lies in the
        // buffer, held exclusively, and that `src` holds one element per point in
        // row-major order: row `row` of it is the row starting at element `off`.
        unsafe {
            fold_run_typed::<T>(
                op,
                (dst as *mut T).offset(off as isize) as *mut u8,
                stride,
                &src[row * row_bytes..(row + 1) * row_bytes],
                inner,
            )
        };
        row += 1;
    });
}

/// Folds a row-major accumulator into the strided box of a buffer.
///
/// # Safety
/// `dst` plus every offset of the box must be an element of type `ty` of one allocation
/// that no other thread touches meanwhile; `src` must hold one element per point of the box.
pub(crate) unsafe fn fold(
    ty: Type,
    op: ReductionOp,
    dst: *mut u8,
    shape: &[usize],
    strides: &[i64],
    offset: i64,
    src: &[u8],
) {
    // SAFETY: forwarded from the caller.
    unsafe { dispatch!(ty, fold_typed, op, dst, shape, strides, offset, src) }
}

unsafe fn fold_run_typed<T: Reducible>(
    op: ReductionOp,
    dst: *mut u8,
    stride: isize,
    src: &[u8],
    n: usize,
) {
    let dst = dst as *mut T;
    let aligned = (dst as usize) % std::mem::align_of::<T>() == 0
        && (src.as_ptr() as usize) % std::mem::align_of::<T>() == 0;
    if stride == 1 && aligned {
        // SAFETY: the caller guarantees `n` elements of `dst`, held exclusively, and `n`
        // of `src`; both aligned (checked), and they do not overlap (`dst` is held alone).
        let (dst, src) = unsafe {
            (
                std::slice::from_raw_parts_mut(dst, n),
                std::slice::from_raw_parts(src.as_ptr() as *const T, n),
            )
        };
        // One loop per operator, so that each is a plain (vectorizable) loop.
        macro_rules! each {
            ($($op:ident),*) => {
                match op {
                    $(ReductionOp::$op => {
                        for (d, &v) in dst.iter_mut().zip(src) {
                            *d = T::combine(ReductionOp::$op, *d, v);
                        }
                    })*
                }
            };
        }
        each!(Add, Mul, Max, Min, Or, And, Xor);
        return;
    }
    let src = src.as_ptr() as *const T;
    for i in 0..n {
        // SAFETY: as above, element `i * stride` of `dst` and `i` of `src`.
        unsafe {
            let d = dst.offset(i as isize * stride);
            *d = T::combine(op, d.read_unaligned(), src.add(i).read_unaligned());
        }
    }
}

/// Folds `n` values of `src` into `n` elements of a buffer, `stride` elements apart from
/// `dst`: `dst[i * stride] = op(dst[i * stride], src[i])`.
///
/// # Safety
/// Every `dst + i * stride` (`i < n`) must be an element of type `ty` that no other thread
/// touches meanwhile; `src` must hold `n` elements of `ty`.
pub(crate) unsafe fn fold_run(
    ty: Type,
    op: ReductionOp,
    dst: *mut u8,
    stride: isize,
    src: &[u8],
    n: usize,
) {
    // SAFETY: forwarded from the caller.
    unsafe { dispatch!(ty, fold_run_typed, op, dst, stride, src, n) }
}

unsafe fn fold_rows_typed<T: Reducible>(
    op: ReductionOp,
    dst: *mut u8,
    step: isize,
    rows: impl Iterator<Item = (isize, usize)> + Clone,
    src: &[u8],
) {
    let size = std::mem::size_of::<T>();
    if step != 0 {
        let mut at = 0;
        for (off, len) in rows {
            // SAFETY: the caller guarantees the row's elements of `dst` and `len` values of
            // `src` from `at`.
            unsafe {
                fold_run_typed::<T>(
                    op,
                    (dst as *mut T).offset(off) as *mut u8,
                    step,
                    &src[at * size..(at + len) * size],
                    len,
                )
            };
            at += len;
        }
        return;
    }
    // Each row into one element, in order: one loop per operator (the match hoisted).
    let src = src.as_ptr() as *const T;
    macro_rules! each {
        ($($op:ident),*) => {
            match op {
                $(ReductionOp::$op => {
                    let mut at = 0;
                    for (off, len) in rows.clone() {
                        // SAFETY: the caller guarantees element `off` of `dst`, held
                        // exclusively, and `len` values of `src` from `at`.
                        unsafe {
                            let d = (dst as *mut T).offset(off);
                            let mut acc = d.read_unaligned();
                            for i in at..at + len {
                                acc = T::combine(ReductionOp::$op, acc, src.add(i).read_unaligned());
                            }
                            d.write_unaligned(acc);
                        }
                        at += len;
                    }
                })*
            }
        };
    }
    each!(Add, Mul, Max, Min, Or, And, Xor);
}

/// Folds consecutive values of `src` row by row into a buffer: row `(off, len)` takes the
/// next `len` values and folds them into the `len` elements `step` apart from element
/// `off` of `dst` (`dst[off + i * step] = op(dst[off + i * step], v_i)`), or, with `step`
/// 0, all of them into element `off`, in order.
///
/// # Safety
/// Every element addressed must be one of type `ty` that no other thread touches
/// meanwhile; `src` must hold the rows' total length of elements of `ty`.
pub(crate) unsafe fn fold_rows(
    ty: Type,
    op: ReductionOp,
    dst: *mut u8,
    step: isize,
    rows: &[(isize, usize)],
    src: &[u8],
) {
    let rows = rows.iter().copied();
    // SAFETY: forwarded from the caller.
    unsafe { dispatch!(ty, fold_rows_typed, op, dst, step, rows, src) }
}

/// Folds the `n` values of `src` into consecutive elements of a buffer, in order: the
/// first `first` into element 0 of `dst`, each next `len` into the next element (rows of
/// `len` that all reduce into one element each, the first entered at its column
/// `len - first`).
///
/// # Safety
/// Elements `0..=(n - first).div_ceil(len)` of `dst` (as many as the values reach) must
/// be of type `ty`, touched by no other thread meanwhile; `src` holds `n` elements of
/// `ty`.
pub(crate) unsafe fn fold_segments(
    ty: Type,
    op: ReductionOp,
    dst: *mut u8,
    first: usize,
    len: usize,
    n: usize,
    src: &[u8],
) {
    let first = first.min(n);
    let rest = n - first;
    let rows = std::iter::once((0isize, first))
        .filter(|&(_, l)| l > 0)
        .chain((0..rest.div_ceil(len.max(1))).map(move |i| {
            let at = i * len;
            ((i + usize::from(first > 0)) as isize, len.min(rest - at))
        }));
    // SAFETY: forwarded from the caller.
    unsafe { dispatch!(ty, fold_rows_typed, op, dst, 0, rows, src) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_leave_values_unchanged() {
        for op in [
            ReductionOp::Add,
            ReductionOp::Mul,
            ReductionOp::Max,
            ReductionOp::Min,
        ] {
            let id = op.identity(Type::Float64).unwrap().get::<f64>().unwrap();
            assert_eq!(f64::combine(op, id, 2.5), 2.5);
            let id = op.identity(Type::Int64).unwrap().get::<i64>().unwrap();
            assert_eq!(i64::combine(op, id, -7), -7);
        }
        // Complex numbers order by real part, then imaginary part.
        let id = ReductionOp::Max.identity(Type::Complex128).unwrap();
        let id = id.get::<Complex<f64>>().unwrap();
        let z = Complex::new(-1e300, -5.0);
        assert_eq!(Complex::combine(ReductionOp::Max, id, z), z);
        let (a, b) = (Complex::new(1.0f64, 2.0), Complex::new(1.0, -3.0));
        assert_eq!(Complex::combine(ReductionOp::Max, b, a), a);
        assert_eq!(Complex::combine(ReductionOp::Min, a, b), b);
        let nan = Complex::new(0.0, f64::NAN);
        assert!(Complex::combine(ReductionOp::Max, a, nan).im.is_nan());
        assert!(ReductionOp::Xor.identity(Type::Complex64).is_err());
    }

    #[test]
    fn rows_fold_in_order_into_one_element_or_along_a_step() {
        let bytes = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_ne_bytes()).collect() };
        // Two rows into elements 2 and 0, in order: 1e16 + 1 + 1 rounds differently from
        // 1e16 + 2, so a fold that regrouped the values would show.
        let mut dst = [0.0f64, 5.0, 1e16];
        let src = bytes(&[1.0, 1.0, 2.0, 3.0, 4.0]);
        // SAFETY: elements 2 and 0 of `dst`, which nothing else touches; 5 values.
        unsafe {
            fold_rows(
                Type::Float64,
                ReductionOp::Add,
                dst.as_mut_ptr() as *mut u8,
                0,
                &[(2, 2), (0, 3)],
                &src,
            )
        };
        assert_eq!(dst, [9.0, 5.0, (1e16 + 1.0) + 1.0]);
        // Rows of two along a step of 1, both into elements 0 and 1.
        let mut dst = [f64::NEG_INFINITY; 2];
        let src = bytes(&[1.0, 7.0, 3.0, 2.0]);
        // SAFETY: elements 0 and 1 of `dst`; 4 values.
        unsafe {
            fold_rows(
                Type::Float64,
                ReductionOp::Max,
                dst.as_mut_ptr() as *mut u8,
                1,
                &[(0, 2), (0, 2)],
                &src,
            )
        };
        assert_eq!(dst, [3.0, 7.0]);
    }

    #[test]
    fn boxes_merge_contiguous_dimensions_and_drop_those_of_extent_one() {
        // A contiguous (4, 3, 1) piece is one row of 12.
        assert_eq!(merged_box(&[4, 3, 1], &[3, 1, 1]), (vec![12], vec![1]));
        // Rows of 3 out of rows of 5 do not merge; a reversed dimension stays.
        assert_eq!(merged_box(&[4, 3], &[5, 1]), (vec![4, 3], vec![5, 1]));
        assert_eq!(
            merged_box(&[1, 2, 3], &[9, -3, 1]),
            (vec![2, 3], vec![-3, 1])
        );
        assert_eq!(merged_box(&[1, 1], &[4, 1]), (vec![], vec![]));
    }

    #[test]
    fn segments_fold_into_consecutive_elements() {
        let src: Vec<u8> = (1..=7).flat_map(|v| f64::from(v).to_ne_bytes()).collect();
        // One value finishes the row under way, then rows of three.
        let mut dst = [10.0f64, 0.0, 0.0, 0.0];
        // SAFETY: elements 0 to 2 of `dst`; 7 values.
        unsafe {
            fold_segments(
                Type::Float64,
                ReductionOp::Add,
                dst.as_mut_ptr() as *mut u8,
                1,
                3,
                7,
                &src,
            )
        };
        assert_eq!(dst, [11.0, 2.0 + 3.0 + 4.0, 5.0 + 6.0 + 7.0, 0.0]);
        // A row starting the block, the last one cut short.
        let mut dst = [0i64; 3];
        let src: Vec<u8> = (1..=5i64).flat_map(|v| v.to_ne_bytes()).collect();
        // SAFETY: elements 0 to 2 of `dst`; 5 values.
        unsafe {
            fold_segments(
                Type::Int64,
                ReductionOp::Max,
                dst.as_mut_ptr() as *mut u8,
                0,
                2,
                5,
                &src,
            )
        };
        assert_eq!(dst, [2, 4, 5]);
    }

    #[test]
    fn identities_fill_every_element() {
        for len in [0usize, 1, 2, 3, 7, 64, 1000] {
            let mut acc = vec![0u8; len * 8];
            fill_identity(Type::Float64, ReductionOp::Max, &mut acc).unwrap();
            let got: Vec<f64> = acc
                .chunks_exact(8)
                .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
                .collect();
            assert_eq!(got, vec![f64::NEG_INFINITY; len]);
        }
        let mut acc = vec![0u8; 5 * 2];
        fill_identity(Type::Int16, ReductionOp::Mul, &mut acc).unwrap();
        assert_eq!(acc, [1u8, 0].repeat(5));
    }

    #[test]
    fn of_equal_extremes_the_first_folded_stays() {
        // NumPy's max([-0.0, 0.0]) is -0.0, and max([0.0, -0.0]) is 0.0.
        let max = |a: f64, b: f64| f64::combine(ReductionOp::Max, a, b).to_bits();
        assert_eq!(max(-0.0, 0.0), (-0.0f64).to_bits());
        assert_eq!(max(0.0, -0.0), 0.0f64.to_bits());
        let min = |a: f32, b: f32| f32::combine(ReductionOp::Min, a, b).to_bits();
        assert_eq!(min(0.0, -0.0), 0.0f32.to_bits());
        let z = |re: f64| Complex::new(re, 0.0);
        let got = Complex::combine(ReductionOp::Max, z(-0.0), z(0.0));
        assert_eq!(got.re.to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn fold_combines_through_strides() {
        let mut dst = [1.0f64, 2.0, 3.0, 4.0];
        let src: Vec<u8> = [10.0f64, 20.0]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        // SAFETY: offsets 3 and 1 are inside `dst`, which nothing else touches.
        unsafe {
            fold(
                Type::Float64,
                ReductionOp::Add,
                dst.as_mut_ptr() as *mut u8,
                &[2],
                &[-2],
                3,
                &src,
            )
        };
        assert_eq!(dst, [1.0, 22.0, 3.0, 14.0]);
    }
}
