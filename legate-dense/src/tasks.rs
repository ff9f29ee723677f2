//! The library's tasks: each a CPU variant over one piece, generic over element types.

use legate_core::ndarray::{
    ArrayBase, ArrayView2, ArrayViewMut2, Axis, Dimension, Ix2, IxDyn, RawData, Zip,
};
use legate_core::{Library, ReductionOp, TaskContext, TaskDef, TaskError, Type};
use num_complex::Complex;

use crate::kernels::{Arith, BinaryOp, Block, Math, Num};
use rayon::prelude::*;

/// Task ids of the library. Each module registers its own tasks in its range:
/// 0-99 here (element-wise, reductions, creation), 100-199 `linalg`, 200-299 `sorting`,
/// 300-399 `indexing` and `joining`, 400-499 `scans`.
pub(crate) mod ids {
    pub(crate) const FIRST: u32 = ARANGE;
    pub(crate) const ARANGE: u32 = 0;
    pub(crate) const EYE: u32 = 6;
    pub(crate) const MATMUL: u32 = 7;
    pub(crate) const MATMUL_SPLIT_K: u32 = 8;
    pub(crate) const RANDOM: u32 = 9;
    pub(crate) const EXTRACT: u32 = 10;
    pub(crate) const REDUCE_LAST: u32 = 11;
    pub(crate) const REDUCE_AXIS: u32 = 12;
}

/// Everything a kernel needs of an element type.
pub(crate) trait Elem: Num + Arith + Math + Block {}
impl<T: Num + Arith + Math + Block> Elem for T {}

pub(crate) type TaskResult = Result<(), TaskError>;

pub(crate) fn unsupported(op: &str, ty: Type) -> TaskError {
    TaskError::new(format!("{op} is not defined for {ty}"))
}

fn arange<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let out = ctx.output(0)?;
    let lo = out.rect().lo[0];
    let mut y = out.write::<T>()?;
    match T::KIND {
        crate::kernels::Kind::Int | crate::kernels::Kind::Bool => {
            let (start, step) = (ctx.scalar_value::<i64>(2)?, ctx.scalar_value::<i64>(3)?);
            for (k, v) in y.iter_mut().enumerate() {
                *v = T::from_i128(i128::from(start) + i128::from(step) * i128::from(lo + k as i64));
            }
        }
        _ => {
            let (start, step) = (ctx.scalar_value::<f64>(0)?, ctx.scalar_value::<f64>(1)?);
            for (k, v) in y.iter_mut().enumerate() {
                *v = T::from_f64(start + (lo + k as i64) as f64 * step);
            }
        }
    }
    Ok(())
}

/// Elements per block when an OMP variant spreads a contiguous piece over its threads.
const OMP_BLOCK: usize = 1 << 15;

/// The reduction operators, by the code the launch passes.
pub(crate) const REDUCTION_OPS: [ReductionOp; 6] = [
    ReductionOp::Add,
    ReductionOp::Mul,
    ReductionOp::Max,
    ReductionOp::Min,
    ReductionOp::And,
    ReductionOp::Or,
];

/// The element operator that combines two values under a reduction operator.
pub(crate) fn combiner<T: Elem>(op: ReductionOp) -> Option<fn(T, T) -> T> {
    T::binary(element_op(op))
}

/// The element operator of a reduction operator.
fn element_op(op: ReductionOp) -> BinaryOp {
    match op {
        ReductionOp::Add => BinaryOp::Add,
        ReductionOp::Mul => BinaryOp::Multiply,
        ReductionOp::Max => BinaryOp::Maximum,
        ReductionOp::Min => BinaryOp::Minimum,
        ReductionOp::And => BinaryOp::BitwiseAnd,
        ReductionOp::Or => BinaryOp::BitwiseOr,
        ReductionOp::Xor => BinaryOp::BitwiseXor,
    }
}

/// A reduction operator with its combiner and identity for `T`.
#[derive(Clone, Copy)]
pub(crate) struct Reduction<T> {
    pub(crate) op: ReductionOp,
    pub(crate) f: fn(T, T) -> T,
    pub(crate) identity: T,
}

impl<T: Elem> Reduction<T> {
    /// `op` over `T` (an error for a type without it, such as a product of booleans).
    pub(crate) fn new(op: ReductionOp) -> legate_core::Result<Self> {
        let f = combiner::<T>(op).ok_or(legate_core::Error::UnsupportedType {
            op: op.name(),
            ty: T::TYPE,
        })?;
        let identity = op.identity(T::TYPE)?.get::<T>()?;
        Ok(Reduction { op, f, identity })
    }

    /// The operator a launch names by `code`, its index in [`REDUCTION_OPS`].
    fn of_code(code: u8) -> Result<Self, TaskError> {
        let op = *REDUCTION_OPS
            .get(usize::from(code))
            .ok_or_else(|| TaskError::new(format!("no reduction operator {code}")))?;
        Ok(Self::new(op)?)
    }

    /// Folds a contiguous block (sums take the vectorized kernel).
    pub(crate) fn fold(&self, c: &[T]) -> T {
        let fast = if self.op == ReductionOp::Add {
            T::sum_block(c)
        } else {
            None
        };
        fast.unwrap_or_else(|| c.iter().fold(self.identity, |acc, &v| (self.f)(acc, v)))
    }

    /// `acc = op(acc, row)` for every row of `xs` (rows of `acc.len()` values) in turn.
    fn accumulate(&self, acc: &mut [T], xs: &[T]) {
        if acc.is_empty() || T::accumulate_block(element_op(self.op), acc, xs) {
            return;
        }
        for row in xs.chunks_exact(acc.len()) {
            for (a, &x) in acc.iter_mut().zip(row) {
                *a = (self.f)(*a, x);
            }
        }
    }
}

/// Reduces a piece along axis `scalar 1` into an output piece of the same shape except
/// extent 1 along that axis (one band of partial results): rows are folded into the
/// output one after the other, lanes along the last axis take the vectorized fold.
fn reduce_axis<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let r = Reduction::<T>::of_code(ctx.scalar_value::<u8>(0)?)?;
    let axis = ctx.scalar_value::<u64>(1)? as usize;
    let (f, identity) = (r.f, r.identity);
    let x = ctx.input(0)?.read::<T>()?;
    let mut out = ctx.output(0)?.write::<T>()?;
    let n = x.ndim();
    let fits = axis < n
        && out.ndim() == n
        && out.shape()[axis] == 1
        && (0..n).all(|d| d == axis || out.shape()[d] == x.shape()[d]);
    if !fits {
        return Err(TaskError::new(format!(
            "reduce_axis: output piece {:?} for an input piece {:?} along axis {axis}",
            out.shape(),
            x.shape()
        )));
    }
    out.fill(identity);
    if axis == n - 1 {
        for (o, lane) in out.iter_mut().zip(x.lanes(Axis(axis))) {
            *o = match lane.as_slice() {
                Some(s) => r.fold(s),
                None => lane.fold(identity, |a, &v| f(a, v)),
            };
        }
        return Ok(());
    }
    // One block of `x` per index of the dimensions before `axis`: rows folded into the
    // matching row of results, contiguous blocks by the vectorized kernel.
    let outer = &x.shape()[..axis];
    for index in legate_core::ndarray::indices(outer) {
        let (mut xs, mut acc) = (x.view(), out.view_mut());
        for &i in index.slice() {
            xs = xs.index_axis_move(Axis(0), i);
            acc = acc.index_axis_move(Axis(0), i);
        }
        if let (Some(xs), Some(acc)) = (xs.as_slice(), acc.as_slice_mut()) {
            r.accumulate(acc, xs);
            continue;
        }
        let mut acc = acc.index_axis_move(Axis(0), 0);
        for row in xs.axis_iter(Axis(0)) {
            Zip::from(&mut acc)
                .and(&row)
                .for_each(|a, &b| *a = f(*a, b));
        }
    }
    Ok(())
}

/// Reduces each lane along the last axis of a piece into one element of the output,
/// which has the piece's other dimensions: a reduction along an axis the launch keeps
/// whole (the output is cut by the launch's leading colors, like the input's other
/// dimensions), so no accumulator is needed.
fn reduce_last<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let r = Reduction::<T>::of_code(ctx.scalar_value::<u8>(0)?)?;
    let (f, identity) = (r.f, r.identity);
    let x = ctx.input(0)?.read::<T>()?;
    let mut out = ctx.output(0)?.write::<T>()?;
    let n = x.ndim();
    if n == 0 || x.shape()[..n - 1] != *out.shape() {
        return Err(TaskError::new(format!(
            "reduce_last: output piece {:?} for an input piece {:?}",
            out.shape(),
            x.shape()
        )));
    }
    let len = x.shape()[n - 1];
    // Long lanes take the vectorized sum; short ones (a few coordinates) fold in order,
    // many lanes at a time, as fused reductions fold short runs.
    let fold_lanes = |o: &mut [T], xs: &[T]| {
        if len >= crate::ops::FUSED_RUN_MIN {
            for (y, lane) in o.iter_mut().zip(xs.chunks_exact(len)) {
                *y = r.fold(lane);
            }
        } else {
            fold_short_lanes(&r, xs, len, o);
        }
    };
    match (x.as_slice(), out.as_slice_mut(), ctx.pool()) {
        (_, Some(o), _) if len == 0 => o.fill(identity),
        (Some(xs), Some(o), Some(pool)) => pool.install(|| {
            o.par_chunks_mut(OMP_BLOCK)
                .zip(xs.par_chunks(OMP_BLOCK * len))
                .for_each(|(o, xs)| fold_lanes(o, xs))
        }),
        (Some(xs), Some(o), None) => fold_lanes(o, xs),
        _ => Zip::from(&mut out)
            .and(x.lanes(Axis(n - 1)))
            .for_each(|y, lane| *y = lane.fold(identity, |a, &v| f(a, v))),
    }
    Ok(())
}

/// Folds each lane of `len` consecutive values of `xs` into one element of `out`, in order
/// from the identity (the values of a plain fold, bit for bit): a chunk of lanes at a
/// time, column by column through the type's vectorized row kernel where it has one, so
/// that short lanes (k-means' two coordinates) do not cost a call per value.
fn fold_short_lanes<T: Elem>(r: &Reduction<T>, xs: &[T], len: usize, out: &mut [T]) {
    const LANES: usize = 256;
    let op = element_op(r.op);
    if !T::accumulate_block(op, &mut [], &[]) {
        for (y, lane) in out.iter_mut().zip(xs.chunks_exact(len)) {
            *y = lane.iter().fold(r.identity, |a, &v| (r.f)(a, v));
        }
        return;
    }
    let mut column = [r.identity; LANES];
    for (o, xs) in out.chunks_mut(LANES).zip(xs.chunks(LANES * len)) {
        o.fill(r.identity);
        let column = &mut column[..o.len()];
        for j in 0..len {
            for (c, lane) in column.iter_mut().zip(xs.chunks_exact(len)) {
                *c = lane[j];
            }
            T::accumulate_block(op, o, column);
        }
    }
}

fn eye<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let k = ctx.scalar_value::<i64>(0)?;
    let out = ctx.output(0)?;
    let r = out.rect();
    let (one, zero) = (T::from_i128(1), T::from_i128(0));
    let mut y = out.write::<T>()?;
    for ((i, j), v) in y
        .view_mut()
        .into_dimensionality::<legate_core::ndarray::Ix2>()
        .map_err(|e| TaskError::new(e.to_string()))?
        .indexed_iter_mut()
    {
        let (gi, gj) = (r.lo[0] + i as i64, r.lo[1] + j as i64);
        *v = if gj - gi == k { one } else { zero };
    }
    Ok(())
}

/// The element types `matmul` computes in, and the kernel each one uses for one matrix.
pub(crate) trait Gemm: Elem {
    /// `c = a @ b`, on the threads of the task's OMP group in the OMP variant.
    fn gemm(
        a: ArrayView2<'_, Self>,
        b: ArrayView2<'_, Self>,
        c: ArrayViewMut2<'_, Self>,
        ctx: &TaskContext<'_>,
    ) -> TaskResult;
}

macro_rules! ndarray_gemm {
    ($($t:ty),*) => {$(
        impl Gemm for $t {
            fn gemm(
                a: ArrayView2<'_, Self>,
                b: ArrayView2<'_, Self>,
                mut c: ArrayViewMut2<'_, Self>,
                _ctx: &TaskContext<'_>,
            ) -> TaskResult {
                legate_core::ndarray::linalg::general_mat_mul(1, &a, &b, 0, &mut c);
                Ok(())
            }
        }
    )*};
}
ndarray_gemm!(i32, i64);

macro_rules! faer_gemm {
    ($($t:ty),*) => {$(
        impl Gemm for $t {
            fn gemm(
                a: ArrayView2<'_, Self>,
                b: ArrayView2<'_, Self>,
                mut c: ArrayViewMut2<'_, Self>,
                ctx: &TaskContext<'_>,
            ) -> TaskResult {
                // One thread's matrix-vector product (an OMP group's threads share faer's).
                if ctx.pool().is_none() && b.ncols() == 1 && Self::gemv(&a, &b, &mut c).is_some() {
                    return Ok(());
                }
                faer_matmul(a, b, c, ctx)
            }
        }
    )*};
}
faer_gemm!(f32, f64, Complex<f32>, Complex<f64>);

/// A matrix-vector product of this crate's own ([`gemv_rows`]), for the types that have
/// one.
trait Gemv: Sized {
    /// `c = a @ b` for a single column `b`; `None` (writing nothing) where the type or
    /// the layout has no such kernel.
    fn gemv(
        _a: &ArrayView2<'_, Self>,
        _b: &ArrayView2<'_, Self>,
        _c: &mut ArrayViewMut2<'_, Self>,
    ) -> Option<()> {
        None
    }
}

impl Gemv for Complex<f32> {}
impl Gemv for Complex<f64> {}

macro_rules! real_gemv {
    ($($t:ty),*) => {$(
        impl Gemv for $t {
            fn gemv(a: &ArrayView2<'_, $t>, b: &ArrayView2<'_, $t>, c: &mut ArrayViewMut2<'_, $t>) -> Option<()> {
                crate::vmath::v3_build!(fn body(a: &ArrayView2<'_, $t>, b: &ArrayView2<'_, $t>, c: &mut ArrayViewMut2<'_, $t>) -> Option<()> {
                    gemv_rows(a, b, c)
                })
            }
        }
    )*};
}
real_gemv!(f32, f64);

/// Rows of `A` that [`gemv_rows`] reads side by side, and the lanes of each row's sum.
const GEMV_ROWS: usize = 4;
const GEMV_LANES: usize = 8;

/// `c = a @ b` for a single column `b` and rows of `a` that are contiguous: four rows at
/// a time, each summed in eight lanes, so four streams of `a` are read at once and `b`
/// stays in cache. `None` (writing nothing) when a row of `a` is not contiguous or the
/// shapes do not match. A matrix-vector product moves `a` once; faer's kernel read it at
/// 20 GB/s a core where this reads it at the speed of NumPy's OpenBLAS (a 4000 x 4000
/// `float64` product: 3.2 ms on two CPUs with faer's, against 2.5 for NumPy on two
/// threads).
#[inline(always)]
fn gemv_rows<T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    c: &mut ArrayViewMut2<'_, T>,
) -> Option<()> {
    let ((m, k), zero) = (a.dim(), T::default());
    if b.dim() != (k, 1) || c.dim() != (m, 1) {
        return None;
    }
    let rows: Vec<&[T]> = a
        .rows()
        .into_iter()
        .map(|r| r.to_slice())
        .collect::<Option<_>>()?;
    let column = b.column(0);
    let owned;
    let x = match column.as_slice() {
        Some(x) => x,
        None => {
            owned = column.to_vec();
            &owned
        }
    };
    let whole = k / GEMV_LANES * GEMV_LANES;
    let mut y = c.column_mut(0);
    let mut i = 0;
    while i < m {
        let n = GEMV_ROWS.min(m - i);
        let mut acc = [[zero; GEMV_LANES]; GEMV_ROWS];
        if n == GEMV_ROWS {
            let r: [&[T]; GEMV_ROWS] = std::array::from_fn(|q| &rows[i + q][..whole]);
            for (j, xs) in x[..whole].chunks_exact(GEMV_LANES).enumerate() {
                let at = j * GEMV_LANES;
                for (acc, row) in acc.iter_mut().zip(&r) {
                    let row = &row[at..at + GEMV_LANES];
                    for l in 0..GEMV_LANES {
                        acc[l] = acc[l] + row[l] * xs[l];
                    }
                }
            }
        } else {
            for (acc, row) in acc.iter_mut().zip(&rows[i..i + n]) {
                for (chunk, xs) in row[..whole]
                    .chunks_exact(GEMV_LANES)
                    .zip(x[..whole].chunks_exact(GEMV_LANES))
                {
                    for l in 0..GEMV_LANES {
                        acc[l] = acc[l] + chunk[l] * xs[l];
                    }
                }
            }
        }
        for (q, acc) in acc.iter().take(n).enumerate() {
            // The lanes pairwise, then the columns past the last whole group in order.
            let mut width = GEMV_LANES;
            let mut lanes = *acc;
            while width > 1 {
                width /= 2;
                for l in 0..width {
                    lanes[l] = lanes[l] + lanes[l + width];
                }
            }
            let row = rows[i + q];
            y[i + q] = (whole..k).fold(lanes[0], |s, j| s + row[j] * x[j]);
        }
        i += n;
    }
    Some(())
}

/// faer's matmul over ndarray views, without copies.
fn faer_matmul<T: Elem + faer::traits::ComplexField>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
    ctx: &TaskContext<'_>,
) -> TaskResult {
    let ((m, k), n) = (a.dim(), b.ncols());
    if b.nrows() != k || c.dim() != (m, n) {
        return Err(TaskError::new(format!(
            "matmul of {:?} and {:?} into {:?}",
            a.dim(),
            b.dim(),
            c.dim()
        )));
    }
    if m == 0 || n == 0 || k == 0 {
        c.fill(T::from_i128(0));
        return Ok(());
    }
    let (sa, sb, sc) = (a.strides(), b.strides(), c.strides().to_vec());
    // SAFETY: each pointer, extent pair and stride pair is that of a live ndarray view
    // (borrowed for this whole call), so every element faer visits is one of the view's;
    // `c` is borrowed mutably, and outputs never alias inputs (the runtime copies an input
    // that overlaps an output first).
    let (fa, fb, fc) = unsafe {
        (
            faer::MatRef::from_raw_parts(a.as_ptr(), m, k, sa[0], sa[1]),
            faer::MatRef::from_raw_parts(b.as_ptr(), k, n, sb[0], sb[1]),
            faer::MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, sc[0], sc[1]),
        )
    };
    let one = T::from_i128(1);
    match ctx.pool() {
        Some(pool) => pool.install(|| {
            faer::linalg::matmul::matmul(fc, faer::Accum::Replace, fa, fb, one, faer::Par::rayon(0))
        }),
        None => faer::linalg::matmul::matmul(fc, faer::Accum::Replace, fa, fb, one, faer::Par::Seq),
    }
    Ok(())
}

/// The matrix at batch position `idx` (the leading dimensions) of a stack of matrices,
/// from a shared or a mutable view.
pub(crate) fn batch_view<S: RawData, D: Dimension>(
    v: ArrayBase<S, IxDyn>,
    idx: &[usize],
) -> Result<ArrayBase<S, D>, TaskError> {
    let mut w = v;
    for &i in idx {
        if i >= w.len_of(Axis(0)) {
            return Err(TaskError::new("batch index out of the piece"));
        }
        w = w.index_axis_move(Axis(0), i);
    }
    w.into_dimensionality::<D>()
        .map_err(|e| TaskError::new(e.to_string()))
}

/// `C = A @ B` for stacks of matrices (`(..., m, k) @ (..., k, n)`): a piece holds some
/// batch entries and rows of `A` and `C` and, for those entries, the whole of `B`.
fn matmul<T: Gemm>(ctx: &TaskContext<'_>) -> TaskResult {
    let a = ctx.input(0)?.read::<T>()?;
    let b = ctx.input(1)?.read::<T>()?;
    let mut c = ctx.output(0)?.write::<T>()?;
    let nd = c.ndim();
    let (sa, sb, sc) = (a.shape(), b.shape(), c.shape().to_vec());
    let nb = nd.saturating_sub(2);
    if nd < 2
        || sa.len() != nd
        || sb.len() != nd
        || sa[..nb] != sc[..nb]
        || sb[..nb] != sc[..nb]
        || sa[nb] != sc[nb]
        || sb[nb + 1] != sc[nb + 1]
        || sa[nb + 1] != sb[nb]
    {
        return Err(TaskError::new(format!(
            "matmul pieces do not match: {sa:?} @ {sb:?} -> {sc:?}"
        )));
    }
    for idx in legate_core::ndarray::indices(&sc[..nb]) {
        let idx = idx.slice();
        T::gemm(
            batch_view::<_, Ix2>(a.view(), idx)?,
            batch_view::<_, Ix2>(b.view(), idx)?,
            batch_view::<_, Ix2>(c.view_mut(), idx)?,
            ctx,
        )?;
    }
    Ok(())
}

/// A point's share of `C = A @ B` cut along the inner dimension: input 0 is its columns of
/// `A`, seen transposed (`k x m`), input 1 the same rows of `B` (`k x n`); the product is
/// its reduction accumulator, which the runtime sums over the points into `C`.
fn matmul_split_k<T: Gemm>(ctx: &TaskContext<'_>) -> TaskResult {
    let at = ctx.input(0)?.read::<T>()?;
    let b = ctx.input(1)?.read::<T>()?;
    let mut acc = ctx.reduction(0)?.write::<T>()?;
    let at = at
        .into_dimensionality::<Ix2>()
        .map_err(|e| TaskError::new(e.to_string()))?;
    let b = b
        .into_dimensionality::<Ix2>()
        .map_err(|e| TaskError::new(e.to_string()))?;
    let acc = acc
        .view_mut()
        .into_dimensionality::<Ix2>()
        .map_err(|e| TaskError::new(e.to_string()))?;
    let (k, m, n) = (at.nrows(), at.ncols(), b.ncols());
    if b.nrows() != k || acc.dim() != (m, n) {
        return Err(TaskError::new(format!(
            "split-k matmul pieces do not match: {:?}^T @ {:?} -> {:?}",
            at.dim(),
            b.dim(),
            acc.dim()
        )));
    }
    T::gemm(at.t(), b.view(), acc, ctx)
}

/// Runs `$f::<T>(ctx)` for the element type of the task's first input, one of the types
/// matrix products compute in.
macro_rules! by_gemm_type {
    ($f:ident, $ctx:expr) => {
        match $ctx.input(0)?.ty() {
            Type::Int32 => $f::<i32>($ctx),
            Type::Int64 => $f::<i64>($ctx),
            Type::Float32 => $f::<f32>($ctx),
            Type::Float64 => $f::<f64>($ctx),
            Type::Complex64 => $f::<Complex<f32>>($ctx),
            Type::Complex128 => $f::<Complex<f64>>($ctx),
            ty => Err(unsupported("matmul", ty)),
        }
    };
}

fn matmul_split_k_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    by_gemm_type!(matmul_split_k, ctx)
}

fn matmul_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    by_gemm_type!(matmul, ctx)
}

/// Fills a piece with random numbers: element `i` (row-major in the whole array) is drawn
/// from counter `i` of the generator, whatever the piece. The OMP variant fills the rows of
/// its piece on the group's threads.
fn random(ctx: &TaskContext<'_>) -> TaskResult {
    use legate_core::ndarray::{ArrayD, ArrayViewMut1, Axis, IxDyn};
    let kind = ctx.scalar_value::<u8>(0)?;
    let gen = crate::philox::Philox::with_stream(
        ctx.scalar_value::<u64>(1)?,
        ctx.scalar_value::<u64>(2)?,
    );
    let (a, b) = (ctx.scalar_value::<f64>(3)?, ctx.scalar_value::<f64>(4)?);
    let (lo, hi) = (ctx.scalar_value::<i64>(5)?, ctx.scalar_value::<i64>(6)?);
    let ndim = ctx.scalar_value::<u64>(7)? as usize;
    let shape: Vec<i64> = (0..ndim)
        .map(|d| ctx.scalar_value::<u64>(8 + d).map(|e| e as i64))
        .collect::<legate_core::Result<_>>()?;
    let out = ctx.output(0)?;
    let rect = out.rect();
    if rect.dim() != ndim {
        return Err(TaskError::new(format!(
            "random: a {}-d piece of a {ndim}-d array",
            rect.dim()
        )));
    }
    let linear =
        |p: &legate_core::Point| (0..ndim).fold(0i64, |acc, d| acc * shape[d] + p[d]) as u64;
    // The counter of the first element of each row of the piece (rows are consecutive
    // counters), in the shape of the piece's rows.
    let mut outer = rect;
    if ndim > 0 {
        outer.hi[ndim - 1] = outer.lo[ndim - 1] + 1;
    }
    let starts: Vec<u64> = outer.points().map(|p| linear(&p)).collect();
    let rows_shape: Vec<usize> = rect
        .shape()
        .iter()
        .take(ndim.saturating_sub(1))
        .map(|&e| e as usize)
        .collect();
    let starts = ArrayD::from_shape_vec(IxDyn(&rows_shape), starts)
        .map_err(|e| TaskError::new(e.to_string()))?;
    let row_axis = Axis(ndim.saturating_sub(1));
    match kind {
        0 | 1 => {
            let fill = move |at: u64, row: &mut [f64]| {
                if kind == 0 {
                    gen.fill_uniform_f64(at, row);
                    row.iter_mut().for_each(|v| *v = a + (b - a) * *v);
                } else {
                    gen.fill_standard_normal_f64(at, row);
                    row.iter_mut().for_each(|v| *v = a + b * *v);
                }
            };
            let mut y = out.write::<f64>()?;
            if ndim == 0 {
                y.insert_axis_inplace(Axis(0));
            }
            run_zip!(
                ctx,
                Zip::from(y.lanes_mut(row_axis)).and(&starts),
                |mut row: ArrayViewMut1<'_, f64>, &at: &u64| {
                    match row.as_slice_mut() {
                        Some(s) => fill(at, s),
                        None => {
                            let mut buf = vec![0.0; row.len()];
                            fill(at, &mut buf);
                            row.iter_mut().zip(&buf).for_each(|(v, &u)| *v = u);
                        }
                    }
                }
            );
        }
        _ => {
            let mut y = out.write::<i64>()?;
            if ndim == 0 {
                y.insert_axis_inplace(Axis(0));
            }
            run_zip!(
                ctx,
                Zip::from(y.lanes_mut(row_axis)).and(&starts),
                |mut row: ArrayViewMut1<'_, i64>, &at: &u64| {
                    match row.as_slice_mut() {
                        Some(s) => gen.fill_integers(at, lo, hi, s),
                        None => {
                            let mut buf = vec![0i64; row.len()];
                            gen.fill_integers(at, lo, hi, &mut buf);
                            row.iter_mut().zip(&buf).for_each(|(v, &x)| *v = x);
                        }
                    }
                }
            );
        }
    }
    Ok(())
}

/// An element-wise task: the same body serves the CPU variant (one core) and the OMP
/// variant (the body spreads its piece over the group's threads). Those that write every
/// element of their output piece also say so (`writes_whole_outputs`), so that a fresh
/// result may reuse a freed instance unzeroed.
pub(crate) fn elementwise(
    name: &str,
    body: impl Fn(&mut TaskContext<'_>) -> TaskResult + Send + Sync + Clone + 'static,
) -> TaskDef {
    TaskDef::new(name).cpu(body.clone()).omp(body)
}

/// The elements of a piece where the mask holds, bound to an unbound output.
fn extract<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<T>()?;
    let mask = ctx.input(1)?.read::<bool>()?;
    let kept: Vec<T> = x
        .iter()
        .zip(mask.iter())
        .filter(|(_, &m)| m)
        .map(|(&v, _)| v)
        .collect();
    ctx.output(0)?.bind_data(kept)?;
    Ok(())
}

pub(crate) fn register(lib: &Library) -> legate_core::Result<()> {
    lib.register_task(
        ids::EXTRACT,
        TaskDef::new("extract").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.input(0)?.ty();
            dispatch!(ty, extract(ctx))
        }),
    )?;
    lib.register_task(
        ids::RANDOM,
        elementwise("random", |ctx: &mut TaskContext<'_>| random(ctx)).writes_whole_outputs(),
    )?;
    let out_ty = |ctx: &TaskContext<'_>| ctx.output(0).map(|o| o.ty());
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::ARANGE,
        elementwise("arange", move |ctx: &mut TaskContext<'_>| {
            dispatch!(out_ty(ctx)?, arange(ctx))
        })
        .writes_whole_outputs(),
    )?;
    lib.register_task(
        ids::REDUCE_AXIS,
        elementwise("reduce_axis", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, reduce_axis(ctx))
        })
        .writes_whole_outputs(),
    )?;
    lib.register_task(
        ids::REDUCE_LAST,
        elementwise("reduce_last", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, reduce_last(ctx))
        })
        .writes_whole_outputs(),
    )?;
    // faer (`Accum::Replace`) and ndarray (`beta = 0`) write every element of `C` and read
    // none: a fresh result may take a freed instance as it is.
    lib.register_task(
        ids::MATMUL,
        elementwise("matmul", matmul_any).writes_whole_outputs(),
    )?;
    lib.register_task(
        ids::MATMUL_SPLIT_K,
        elementwise("matmul_split_k", matmul_split_k_any),
    )?;
    lib.register_task(
        ids::EYE,
        elementwise("eye", move |ctx: &mut TaskContext<'_>| {
            dispatch!(out_ty(ctx)?, eye(ctx))
        })
        .writes_whole_outputs(),
    )?;
    crate::scans::register(lib)?;
    crate::indexing::register(lib)?;
    crate::sorting::register(lib)?;
    crate::linalg::register(lib)?;
    Ok(())
}
