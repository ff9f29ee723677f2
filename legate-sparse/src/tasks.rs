//! The library's tasks: each body reads the pieces the runtime gave its point (rows of
//! `pos`, the image of those rows in `crd`/`vals`, the image of those columns in a dense
//! vector) and works in the coordinates of those pieces.
//!
//! Every body serves both the CPU variant (one core) and the OMP variant (it spreads its
//! rows over the group's threads when [`TaskContext::pool`] gives one).

use legate_core::ndarray::{ArrayViewD, ArrayViewMutD};
use legate_core::{Element, Library, PhysicalStore, TaskContext, TaskDef, TaskError};

use rayon::prelude::*;

use crate::diagonals::MAX_DIAGONALS;
use crate::value::{dispatch_indexed, dispatch_value, Idx, Value};

pub(crate) type TaskResult = Result<(), TaskError>;

/// Task ids of the library.
pub(crate) mod ids {
    pub const SPMV: u32 = 0;
    pub const SPMM: u32 = 1;
    pub const TO_DENSE: u32 = 2;
    pub const DENSE_ROW_NNZ: u32 = 3;
    pub const DENSE_FILL: u32 = 4;
    pub const BINOP_COUNT: u32 = 5;
    pub const BINOP_FILL: u32 = 6;
    pub const TRANSPOSE: u32 = 7;
    pub const ROW_SUMS: u32 = 8;
    pub const COL_SUMS: u32 = 9;
    pub const DIAGONAL: u32 = 10;
    pub const SPGEMM_COUNT: u32 = 11;
    pub const SPGEMM_FILL: u32 = 12;
    pub const EXPAND_ROWS: u32 = 13;
    pub const SPMV_DOT: u32 = 14;
    pub const DIA_OFFSETS: u32 = 15;
    pub const DIA_FILL: u32 = 16;
    pub const DIA_SPMV: u32 = 17;
    pub const DIA_SPMV_DOT: u32 = 18;
}

/// The element-wise combination of two matrices' entries (`BINOP_*` scalar argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    /// `a + b` over the union of the patterns.
    Add = 0,
    /// `a - b` over the union of the patterns.
    Sub = 1,
    /// `a * b` over the intersection of the patterns.
    Mul = 2,
}

impl BinOp {
    fn from_code(code: i64) -> Result<BinOp, TaskError> {
        match code {
            0 => Ok(BinOp::Add),
            1 => Ok(BinOp::Sub),
            2 => Ok(BinOp::Mul),
            _ => Err(TaskError::new(format!(
                "unknown sparse binary operation {code}"
            ))),
        }
    }
}

/// Rows per parallel chunk of an OMP variant.
const ROW_CHUNK: usize = 512;

fn contiguous<'a, T>(v: &'a ArrayViewD<'_, T>) -> Result<&'a [T], TaskError> {
    v.as_slice()
        .ok_or_else(|| TaskError::new("a sparse matrix piece is not contiguous"))
}

fn contiguous_mut<'a, T>(v: &'a mut ArrayViewMutD<'_, T>) -> Result<&'a mut [T], TaskError> {
    v.as_slice_mut()
        .ok_or_else(|| TaskError::new("an output piece is not contiguous"))
}

/// The first index of a piece along dimension 0.
fn first(s: &PhysicalStore) -> i64 {
    s.rect().lo[0]
}

/// The positions of row `r`'s entries in a piece of `crd`/`vals` starting at `k0` (an
/// empty row may name positions outside an empty piece).
#[inline]
fn span<I: Idx>(pos: &[I], r: usize, k0: i64) -> std::ops::Range<usize> {
    let (lo, hi) = (pos[2 * r].wide(), pos[2 * r + 1].wide());
    if hi <= lo {
        0..0
    } else {
        (lo - k0) as usize..(hi - k0) as usize
    }
}

/// Fails unless `other` covers the same rows as `pos` (a guard against a partition that
/// does not line up with the rows, which would give wrong results silently).
fn same_rows(pos: &PhysicalStore, other: &PhysicalStore) -> TaskResult {
    let (p, o) = (pos.rect(), other.rect());
    let rows = |r: legate_core::Rect| {
        if r.is_empty() {
            (0, 0)
        } else {
            (r.lo[0], r.hi[0])
        }
    };
    let (pr, or) = (rows(p), rows(o));
    if pr != or && !(p.is_empty() && o.is_empty()) {
        return Err(TaskError::new(format!(
            "rows {pr:?} of pos do not line up with rows {or:?} of another argument"
        )));
    }
    Ok(())
}

/// Runs `f(first_row, rows)` over chunks of `out` (`width` values per row): on the OMP
/// group's threads when there is one, else on this thread.
fn for_row_chunks<T: Send>(
    ctx: &TaskContext<'_>,
    out: &mut [T],
    width: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    let width = width.max(1);
    match ctx.pool() {
        Some(pool) if out.len() > ROW_CHUNK * width => pool.install(|| {
            out.par_chunks_mut(ROW_CHUNK * width)
                .enumerate()
                .for_each(|(i, chunk)| f(i * ROW_CHUNK, chunk))
        }),
        _ => f(0, out),
    }
}

/// Calls `f` on chunks of `out` (the first row of each and its rows) as
/// [`for_row_chunks`] does, and sums what the calls return.
fn sum_row_chunks<T: Value>(
    ctx: &TaskContext<'_>,
    out: &mut [T],
    f: impl Fn(usize, &mut [T]) -> T + Sync + Send,
) -> T {
    match ctx.pool() {
        Some(pool) if out.len() > ROW_CHUNK => pool.install(|| {
            out.par_chunks_mut(ROW_CHUNK)
                .enumerate()
                .map(|(i, chunk)| f(i * ROW_CHUNK, chunk))
                .reduce(|| T::ZERO, |a, b| a + b)
        }),
        _ => f(0, out),
    }
}

/// The piece of a matrix a point sees: its rows of `pos` and the image of those rows in
/// `crd` and `vals` (which start at position `k0`).
struct Rows<'v, T, I> {
    pos: &'v [I],
    crd: &'v [I],
    vals: &'v [T],
    k0: i64,
}

impl<T, I: Idx> Rows<'_, T, I> {
    /// The column indices and values of (piece-local) row `r`.
    #[inline]
    fn row(&self, r: usize) -> (&[I], &[T]) {
        let at = span(self.pos, r, self.k0);
        (&self.crd[at.clone()], &self.vals[at])
    }
}

/// Reads inputs `first..first + 3` (pos, crd, vals) and calls `f` with them.
fn with_rows<T: Value, I: Idx, R>(
    ctx: &TaskContext<'_>,
    first_input: usize,
    f: impl FnOnce(&Rows<'_, T, I>) -> Result<R, TaskError>,
) -> Result<R, TaskError> {
    let (pos_s, crd_s, vals_s) = (
        ctx.input(first_input)?,
        ctx.input(first_input + 1)?,
        ctx.input(first_input + 2)?,
    );
    let (pos, crd, vals) = (pos_s.read::<I>()?, crd_s.read::<I>()?, vals_s.read::<T>()?);
    f(&Rows {
        pos: contiguous(&pos)?,
        crd: contiguous(&crd)?,
        vals: contiguous(&vals)?,
        k0: first(crd_s),
    })
}

/// Calls `f` with the matrix of inputs 0..3 and output 0 (which must cover the same
/// rows), as a contiguous slice.
fn rows_into<T: Value, I: Idx, U: legate_core::Element>(
    ctx: &TaskContext<'_>,
    f: impl FnOnce(&Rows<'_, T, I>, &mut [U]) -> TaskResult,
) -> TaskResult {
    let out_s = ctx.output(0)?;
    same_rows(ctx.input(0)?, out_s)?;
    let mut out = out_s.write::<U>()?;
    let out = contiguous_mut(&mut out)?;
    with_rows::<T, I, ()>(ctx, 0, |a| f(a, out))
}

/// Rows per block of the SpMV kernel: their entry ends fit in a stack array.
const SPMV_BLOCK: usize = 256;

/// The entry ends of rows `r0..r0 + ends.len()` of a piece whose entries lie back to back
/// (each non-empty row starts where the one before it ended, as in a matrix built from an
/// `indptr`), counted from the first row's start, which is returned. `None` when they do
/// not, or when they leave `0..len`: the caller then takes the rows one at a time.
fn packed_ends<I: Idx>(
    pos: &[I],
    r0: usize,
    k0: i64,
    len: usize,
    ends: &mut [usize],
) -> Option<usize> {
    let rows = pos.get(2 * r0..2 * (r0 + ends.len()))?;
    let start = rows
        .chunks_exact(2)
        .find(|p| p[1].wide() > p[0].wide())
        .map_or(k0, |p| p[0].wide());
    let base = usize::try_from(start - k0).ok()?;
    let mut at = start;
    for (e, p) in ends.iter_mut().zip(rows.chunks_exact(2)) {
        let (lo, hi) = (p[0].wide(), p[1].wide());
        if hi > lo {
            if lo != at {
                return None;
            }
            at = hi;
        }
        *e = (at - start) as usize;
    }
    (base + ends.last().copied().unwrap_or(0) <= len).then_some(base)
}

/// How far ahead of the entry in use the SpMV kernel asks for the lines of `vals`, `crd`
/// and `pos` (bytes). The hardware's own prefetchers follow each stream only within a
/// page and a few lines ahead, which leaves one core short of the memory's bandwidth on
/// the five streams of an SpMV: these hints took a 4e6-row Poisson SpMV from 30 to 23 ms
/// on one core and from 16.4 to 12.9 ms on two (the distances measured best of 2-8 KiB).
const AHEAD_VALS: usize = 4096;
const AHEAD_CRD: usize = 3072;
const AHEAD_POS: usize = 1024;

/// Asks for the cache line `ahead` bytes past element `i` of `s` (a hint: the address may
/// lie past the slice, nothing is read through it).
#[inline(always)]
fn prefetch<T>(s: &[T], i: usize, ahead: usize) {
    let p = s
        .as_ptr()
        .cast::<i8>()
        .wrapping_add(i * std::mem::size_of::<T>() + ahead);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address, and reads nothing into the
    // program.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `y = A x` for the rows `r..r + y.len()` of a piece, `x` holding the columns from
/// `x0` on.
///
/// Reading `x` without a check per entry (after checking each block's columns at once,
/// in an AVX2 build) measured slower than the checks here (24.2 against 22.2 ms for a
/// Poisson SpMV of 4e6 rows on one core): the check is one fused compare-and-branch,
/// always predicted.
fn spmv_block<T: Value, I: Idx>(a: &Rows<'_, T, I>, x: &[T], x0: i64, r: usize, y: &mut [T]) {
    let at = |c: I| x[(c.wide() - x0) as usize];
    let mut ends = [0usize; SPMV_BLOCK];
    let ends = &mut ends[..y.len().min(SPMV_BLOCK)];
    let len = a.crd.len().min(a.vals.len());
    let Some(base) = packed_ends(a.pos, r, a.k0, len, ends).filter(|_| y.len() == ends.len())
    else {
        for (i, yi) in y.iter_mut().enumerate() {
            let (crd, vals) = a.row(r + i);
            *yi = crd
                .iter()
                .zip(vals)
                .fold(T::ZERO, |s, (&c, &v)| s + v * at(c));
        }
        return;
    };
    let end = base + ends.last().copied().unwrap_or(0);
    packed_block(&a.crd[base..end], &a.vals[base..end], ends, a.pos, r, y, at);
}

/// Entries per row, on average over a block, from which [`packed_block`] sums the rows
/// one at a time. Long rows are those of scattered matrices (a random one, say), whose
/// reads of `x` miss the cache: one short loop lets the core keep more of them in flight
/// than two rows side by side, which wins on the short rows of a stencil matrix (their
/// reads of `x` hit the cache, and one chain of additions would be the limit). A random
/// symmetric matrix of 1e6 rows and 21 entries a row: 49 against 36 ms on one CPU and 23
/// against 17 on two; of 81 entries a row, 176 against 127 and 86 against 63; the 2-D
/// Poisson matrix (5 a row) stays as it was (23 ms on one CPU, 12 on two).
const LONG_ROWS: usize = 8;

/// [`packed_block`] one row at a time, each summed in order.
#[inline(always)]
fn row_by_row<T: Value, I: Idx>(
    crd: &[I],
    vals: &[T],
    ends: &[usize],
    len: usize,
    y: &mut [T],
    at: impl Fn(I) -> T,
) {
    let mut k = 0;
    for (yi, &e) in y.iter_mut().zip(ends) {
        let e = e.min(len);
        let mut s = T::ZERO;
        for j in k..e {
            // SAFETY: `j < e <= len`, and `crd` and `vals` hold at least `len` entries.
            unsafe { s = s + *vals.get_unchecked(j) * at(*crd.get_unchecked(j)) }
        }
        *yi = s;
        k = k.max(e);
    }
}

/// The rows of [`spmv_block`] whose entries lie back to back: row `i` ends at entry
/// `ends[i]` of `crd` and `vals` (which `packed_ends` checked to hold them all).
#[inline(always)]
fn packed_block<T: Value, I: Idx>(
    crd: &[I],
    vals: &[T],
    ends: &[usize],
    pos: &[I],
    r: usize,
    y: &mut [T],
    at: impl Fn(I) -> T,
) {
    let len = crd.len().min(vals.len());
    if ends.last().copied().unwrap_or(0) >= LONG_ROWS * ends.len() {
        return row_by_row(crd, vals, ends, len, y, at);
    }
    // Two rows at a time: their sums are independent chains of additions, which the core
    // overlaps (a row of a stencil matrix holds a few entries).
    let mut k = 0;
    let mut pairs = y.chunks_exact_mut(2);
    for (p, (pair, e)) in (&mut pairs).zip(ends.chunks_exact(2)).enumerate() {
        let (e0, e1) = (e[0].min(len), e[1].min(len));
        prefetch(vals, k, AHEAD_VALS);
        prefetch(crd, k, AHEAD_CRD);
        prefetch(pos, 2 * (r + 2 * p), AHEAD_POS);
        let common = e0.saturating_sub(k).min(e1.saturating_sub(e0));
        let (mut s0, mut s1) = (T::ZERO, T::ZERO);
        // `crd` and `vals` hold at least `len` entries, and `e0, e1 <= len`.
        for j in 0..common {
            // SAFETY: `k + j < k + common <= e0` and `e0 + j < e0 + common <= e1`.
            unsafe {
                s0 = s0 + *vals.get_unchecked(k + j) * at(*crd.get_unchecked(k + j));
                s1 = s1 + *vals.get_unchecked(e0 + j) * at(*crd.get_unchecked(e0 + j));
            }
        }
        for j in k + common..e0 {
            // SAFETY: `j < e0 <= len`.
            unsafe { s0 = s0 + *vals.get_unchecked(j) * at(*crd.get_unchecked(j)) }
        }
        for j in e0 + common..e1 {
            // SAFETY: `j < e1 <= len`.
            unsafe { s1 = s1 + *vals.get_unchecked(j) * at(*crd.get_unchecked(j)) }
        }
        pair[0] = s0;
        pair[1] = s1;
        k = e1;
    }
    if let ([yi], Some(&e)) = (pairs.into_remainder(), ends.last()) {
        *yi = crd[k..e]
            .iter()
            .zip(&vals[k..e])
            .fold(T::ZERO, |s, (&c, &v)| s + v * at(c));
    }
}

/// `y = A x` for the rows of this piece.
fn spmv<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    product::<T, I>(ctx, false, false)
}

/// `y = A x` through the diagonal form (inputs 4 on).
fn dia_spmv<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    product::<T, I>(ctx, false, true)
}

/// `y = A x` for the rows of this piece, and the piece's part of `vdot(x, y)` (the sum of
/// `conj(x[i]) y[i]` over its rows, folded into reduction 0) while each block of `y` is
/// still in cache: conjugate gradients' `p @ (A p)` without reading `p` and `A p` again.
/// Input 4 is `x` cut like the rows (a square `A`).
fn spmv_dot<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    product::<T, I>(ctx, true, false)
}

/// [`spmv_dot`] through the diagonal form (inputs 5 on).
fn dia_spmv_dot<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    product::<T, I>(ctx, true, true)
}

/// The rows `r..r + y.len()` of `A x`, through the diagonal form when there is one.
fn product_block<T: Value, I: Idx, S: Copy, W: Fn(S) -> T + Copy>(
    a: &Rows<'_, T, I>,
    dia: Option<&Diagonals<'_, S, W>>,
    x: &[T],
    x0: i64,
    r: usize,
    y: &mut [T],
) {
    match dia {
        Some(d) => dia_block(d, a, x, x0, r, y),
        None => spmv_block(a, x, x0, r, y),
    }
}

/// `y = A x` for the rows of this piece (inputs 0..3 the matrix, 3 `x`); with `dot`, also
/// the piece's part of `vdot(x, y)` (input 4 `x` cut like the rows, reduction 0); with
/// `form`, through the diagonal form of the scalar arguments' offsets (the inputs after
/// those).
fn product<T: Value, I: Idx>(ctx: &mut TaskContext<'_>, dot: bool, form: bool) -> TaskResult {
    let diagonals = form.then_some(if dot { 5 } else { 4 });
    if narrow_form::<T>(ctx, diagonals)? {
        product_as::<T, I, f32, _>(ctx, dot, diagonals, |v: f32| T::from_f64(f64::from(v)))
    } else {
        product_as::<T, I, T, _>(ctx, dot, diagonals, |v: T| v)
    }
}

/// [`product`] with a form of `S` values (from input `diagonals` on), which `widen` turns
/// into `T`.
fn product_as<T: Value, I: Idx, S: Element, W: Fn(S) -> T + Copy + Sync>(
    ctx: &mut TaskContext<'_>,
    dot: bool,
    diagonals: Option<usize>,
    widen: W,
) -> TaskResult {
    let x_s = ctx.input(3)?;
    let x0 = first(x_s);
    let x = x_s.read::<T>()?;
    let x = contiguous(&x)?;
    let xr = if dot {
        let xr_s = ctx.input(4)?;
        same_rows(ctx.input(0)?, xr_s)?;
        Some(xr_s.read::<T>()?)
    } else {
        None
    };
    let xr = xr.as_ref().map(contiguous).transpose()?;
    let views = diagonal_views::<S>(ctx, diagonals)?;
    let dia = diagonals_of(ctx, &views, widen)?;
    let mut part = T::ZERO;
    rows_into::<T, I, T>(ctx, |a, y| {
        part = sum_row_chunks(ctx, y, |r0, ys| {
            let mut sum = T::ZERO;
            for (b, block) in ys.chunks_mut(SPMV_BLOCK).enumerate() {
                let r = r0 + b * SPMV_BLOCK;
                product_block(a, dia.as_ref(), x, x0, r, block);
                if let Some(xr) = xr {
                    sum = sum + vdot_lanes(&xr[r..r + block.len()], block);
                }
            }
            sum
        });
        Ok(())
    })?;
    if dot {
        let mut acc = ctx.reduction(0)?.write::<T>()?;
        let acc = contiguous_mut(&mut acc)?
            .first_mut()
            .ok_or_else(|| TaskError::new("an empty dot product accumulator"))?;
        *acc = *acc + part;
    }
    Ok(())
}

/// `sum_i conj(x[i]) y[i]` in eight running sums, one per lane of a chunk of eight, added
/// up at the end: a single running sum is a chain of additions the core cannot overlap
/// (four cycles a row, as long as the product's own work on a stencil matrix).
fn vdot_lanes<T: Value>(x: &[T], y: &[T]) -> T {
    let mut lanes = [T::ZERO; LANES];
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let rest = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .fold(T::ZERO, |s, (&a, &b)| s + a.conj() * b);
    for (a, b) in xc.zip(yc) {
        for k in 0..LANES {
            lanes[k] = lanes[k] + a[k].conj() * b[k];
        }
    }
    lanes.iter().fold(rest, |s, &l| s + l)
}

// ------------------------------------------------------------------ the diagonal form

/// A piece's values by diagonal: `widen(values[d][i])` is the entry of row `row0 + i`
/// on the diagonal `offsets[d]` (column minus row), zero where the row stores none.
struct Diagonals<'v, S, W> {
    offsets: Vec<i64>,
    values: Vec<&'v [S]>,
    row0: i64,
    widen: W,
}

/// Whether the diagonal form from input `diagonals` on holds `float32` values of a
/// `float64` matrix (every value of the matrix is one: see `dia_offsets`).
fn narrow_form<T: Value>(
    ctx: &TaskContext<'_>,
    diagonals: Option<usize>,
) -> Result<bool, TaskError> {
    Ok(match diagonals {
        Some(at) if ctx.num_scalars() > 0 => {
            T::TYPE == legate_core::Type::Float64
                && ctx.input(at)?.ty() == legate_core::Type::Float32
        }
        _ => false,
    })
}

/// The read views of the diagonal form's inputs (`first` on, one per scalar argument),
/// none without a form.
fn diagonal_views<'c, S: Element>(
    ctx: &'c TaskContext<'_>,
    first_input: Option<usize>,
) -> Result<Vec<ArrayViewD<'c, S>>, TaskError> {
    let Some(at) = first_input else {
        return Ok(Vec::new());
    };
    let pos = ctx.input(0)?;
    (0..ctx.num_scalars())
        .map(|d| {
            let s = ctx.input(at + d)?;
            same_rows(pos, s)?;
            Ok(s.read::<S>()?)
        })
        .collect()
}

/// The diagonal form of this piece over `views` (none when there are none).
fn diagonals_of<'v, S, W>(
    ctx: &TaskContext<'_>,
    views: &'v [ArrayViewD<'_, S>],
    widen: W,
) -> Result<Option<Diagonals<'v, S, W>>, TaskError> {
    if views.is_empty() {
        return Ok(None);
    }
    Ok(Some(Diagonals {
        offsets: scalar_offsets(ctx)?,
        values: views.iter().map(contiguous).collect::<Result<_, _>>()?,
        row0: first(ctx.input(0)?),
        widen,
    }))
}

/// The diagonals' offsets: every scalar argument, in increasing order.
fn scalar_offsets(ctx: &TaskContext<'_>) -> Result<Vec<i64>, TaskError> {
    let offsets: Vec<i64> = (0..ctx.num_scalars())
        .map(|i| ctx.scalar_value::<i64>(i))
        .collect::<Result<_, _>>()?;
    if offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err(TaskError::new("diagonal offsets out of order"));
    }
    Ok(offsets)
}

/// Running sums kept side by side: the rows [`dia_rows`] sums at a time (in registers
/// while the diagonals pass), and the lanes of [`vdot_lanes`].
const LANES: usize = 8;

/// `y = A x` for the rows `r..r + y.len()` of a piece through its diagonal form.
///
/// Where every diagonal's column of every row of the block lies in `x`'s piece (all
/// blocks but a few at the edges of a piece), [`dia_rows`] sums eight rows at a time over
/// the diagonals in registers, reading no column index and writing each result once. The
/// other blocks take one pass per diagonal over the rows whose column lies in `x`'s piece
/// (only padding lies outside it: `x`'s piece is the image of the stored columns).
///
/// The additions of each row happen in the order of its columns, from `+0`, as in
/// [`spmv_block`]; a padding zero adds `+0` or `-0` to a sum that is never `-0` and so
/// leaves it as it is, unless the `x` it multiplies is infinite or NaN. A row whose sum is
/// not finite is therefore summed again over its stored entries: the result is the CSR
/// kernel's, bit for bit.
fn dia_block<T: Value, I: Idx, S: Copy, W: Fn(S) -> T + Copy>(
    dia: &Diagonals<'_, S, W>,
    a: &Rows<'_, T, I>,
    x: &[T],
    x0: i64,
    r: usize,
    y: &mut [T],
) {
    let n = y.len() as i64;
    let g = dia.row0 + r as i64;
    let x_end = x0 + x.len() as i64;
    // Each diagonal's rows `g + i` (`lo <= i < hi`) whose column lies in `x`'s piece.
    let range = |o: i64| {
        let lo = (x0 - o - g).clamp(0, n);
        (lo, (x_end - o - g).clamp(lo, n))
    };
    let mut values: [&[S]; MAX_DIAGONALS] = [&[]; MAX_DIAGONALS];
    let mut xs: [&[T]; MAX_DIAGONALS] = [&[]; MAX_DIAGONALS];
    // More diagonals than the arrays hold (never, by `MAX_DIAGONALS`) take the passes.
    let mut interior = true;
    for (d, (vals, &o)) in dia.values.iter().zip(&dia.offsets).enumerate() {
        let whole = range(o) == (0, n);
        match (
            whole,
            vals.get(r..r + y.len()),
            values.get_mut(d),
            xs.get_mut(d),
        ) {
            (true, Some(v), Some(vd), Some(xd)) => {
                *vd = v;
                *xd = &x[(g + o - x0) as usize..][..y.len()];
            }
            _ => interior = false,
        }
    }
    if interior {
        let k = dia.values.len();
        dia_rows(&values[..k], &xs[..k], y, dia.widen);
    } else {
        y.fill(T::ZERO);
        for (vals, &o) in dia.values.iter().zip(&dia.offsets) {
            let (lo, hi) = range(o);
            if lo == hi {
                continue;
            }
            let (lo, hi) = (lo as usize, hi as usize);
            let xs = &x[(g + lo as i64 + o - x0) as usize..][..hi - lo];
            let Some(vs) = vals.get(r + lo..r + hi) else {
                continue;
            };
            for ((yi, &v), &xv) in y[lo..hi].iter_mut().zip(vs).zip(xs) {
                *yi = *yi + (dia.widen)(v) * xv;
            }
        }
    }
    if y.iter().fold(false, |bad, v| bad | !v.is_finite()) {
        let at = |c: I| x[(c.wide() - x0) as usize];
        for (i, yi) in y.iter_mut().enumerate().filter(|(_, v)| !v.is_finite()) {
            let (crd, vals) = a.row(r + i);
            *yi = crd
                .iter()
                .zip(vals)
                .fold(T::ZERO, |s, (&c, &v)| s + v * at(c));
        }
    }
}

/// `y[i] = sum_d widen(values[d][i]) * xs[d][i]` from `+0`, in the order of the diagonals,
/// every slice as long as `y`: an AVX2 build where the processor has it (no fused
/// multiply-add, so the same bits), else the baseline build.
fn dia_rows<T: Value, S: Copy, W: Fn(S) -> T + Copy>(
    values: &[&[S]],
    xs: &[&[T]],
    y: &mut [T],
    widen: W,
) {
    #[inline(always)]
    fn body<T: Value, S: Copy, W: Fn(S) -> T + Copy>(
        values: &[&[S]],
        xs: &[&[T]],
        y: &mut [T],
        widen: W,
    ) {
        let mut i = 0;
        let mut chunks = y.chunks_exact_mut(LANES);
        for out in &mut chunks {
            let mut acc = [T::ZERO; LANES];
            for (v, x) in values.iter().zip(xs) {
                if let (Some(v), Some(x)) = (v.get(i..i + LANES), x.get(i..i + LANES)) {
                    for k in 0..LANES {
                        acc[k] = acc[k] + widen(v[k]) * x[k];
                    }
                }
            }
            out.copy_from_slice(&acc);
            i += LANES;
        }
        for (j, out) in chunks.into_remainder().iter_mut().enumerate() {
            *out = values
                .iter()
                .zip(xs)
                .fold(T::ZERO, |s, (v, x)| s + widen(v[i + j]) * x[i + j]);
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<T: Value, S: Copy, W: Fn(S) -> T + Copy>(
            values: &[&[S]],
            xs: &[&[T]],
            y: &mut [T],
            widen: W,
        ) {
            body(values, xs, y, widen)
        }
        static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *AVX2.get_or_init(|| std::arch::is_x86_feature_detected!("avx2")) {
            // SAFETY: the processor has AVX2.
            return unsafe { avx2(values, xs, y, widen) };
        }
    }
    body(values, xs, y, widen)
}

/// The distinct diagonals (column minus row) of this piece's entries, in increasing
/// order, bound to unbound output 0; `[i64::MIN]` instead when there are more than scalar
/// argument 0 of them. Unbound output 1 gets `[1]` when the matrix is of `float64` and
/// each of the piece's values is a `float32` exactly (the form may then store them so:
/// the same numbers in half the bytes), else `[0]`.
fn dia_offsets<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let cap = usize::try_from(ctx.scalar_value::<i64>(0)?).unwrap_or(0);
    let row0 = first(ctx.input(0)?);
    let found = with_rows::<T, I, _>(ctx, 0, |a| {
        let mut seen: Vec<i64> = Vec::with_capacity(cap);
        for r in 0..a.pos.len() / 2 {
            let (crd, _) = a.row(r);
            let row = row0 + r as i64;
            // A row's offsets increase, as `seen` does: one merge per row.
            let mut j = 0;
            for &c in crd {
                let o = c.wide() - row;
                while seen.get(j).is_some_and(|&s| s < o) {
                    j += 1;
                }
                if seen.get(j) != Some(&o) {
                    if seen.len() == cap {
                        return Ok(None);
                    }
                    seen.insert(j, o);
                }
                j += 1;
            }
        }
        Ok(Some(seen))
    })?;
    // The values are read only for a piece that may have a form.
    let exact = found.is_some() && T::TYPE == legate_core::Type::Float64 && {
        let vals = ctx.input(2)?.read::<f64>()?;
        contiguous(&vals)?
            .iter()
            .all(|&v| f64::from(v as f32).to_bits() == v.to_bits())
    };
    ctx.output(1)?.bind_data(vec![i64::from(exact)])?;
    ctx.output(0)?
        .bind_data(found.unwrap_or_else(|| vec![i64::MIN]))?;
    Ok(())
}

/// The diagonal form of this piece's rows: output `d` gets each row's entry on diagonal
/// `offsets[d]` (the scalar arguments), zero where the row stores none; as `float32`
/// when the outputs are of that type and the matrix of `float64` (whose values
/// `dia_offsets` found exact in `float32`).
fn dia_fill<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let narrow = T::TYPE == legate_core::Type::Float64
        && ctx.num_outputs() > 0
        && ctx.output(0)?.ty() == legate_core::Type::Float32;
    if narrow {
        dia_fill_as::<f64, I, f32>(ctx, |v| v as f32)
    } else {
        dia_fill_as::<T, I, T>(ctx, |v| v)
    }
}

/// [`dia_fill`] into outputs of `S`, each value converted by `narrow`.
fn dia_fill_as<T: Value, I: Idx, S: Element>(
    ctx: &mut TaskContext<'_>,
    narrow: impl Fn(T) -> S,
) -> TaskResult {
    let offsets = scalar_offsets(ctx)?;
    let pos = ctx.input(0)?;
    let row0 = first(pos);
    let mut views = (0..offsets.len())
        .map(|d| {
            let s = ctx.output(d)?;
            same_rows(pos, s)?;
            Ok(s.write::<S>()?)
        })
        .collect::<Result<Vec<_>, TaskError>>()?;
    let mut outs = views
        .iter_mut()
        .map(contiguous_mut)
        .collect::<Result<Vec<_>, _>>()?;
    with_rows::<T, I, ()>(ctx, 0, |a| {
        for out in outs.iter_mut() {
            out.fill(narrow(T::ZERO));
        }
        for r in 0..a.pos.len() / 2 {
            let (crd, vals) = a.row(r);
            let row = row0 + r as i64;
            let mut j = 0;
            for (&c, &v) in crd.iter().zip(vals) {
                let o = c.wide() - row;
                while offsets.get(j).is_some_and(|&s| s < o) {
                    j += 1;
                }
                match (offsets.get(j), outs.get_mut(j).and_then(|d| d.get_mut(r))) {
                    (Some(&s), Some(slot)) if s == o => *slot = narrow(v),
                    _ => return Err(TaskError::new("an entry off the diagonals of the form")),
                }
                j += 1;
            }
        }
        Ok(())
    })
}

/// `Y = A X` for the rows of this piece (`X` whole, `k` columns).
fn spmm<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let x_s = ctx.input(3)?;
    let k = x_s.shape().get(1).copied().unwrap_or(1).max(1);
    let x = x_s.read::<T>()?;
    let x = contiguous(&x)?;
    rows_into::<T, I, T>(ctx, |a, y| {
        for_row_chunks(ctx, y, k, |r0, ys| {
            for (i, yrow) in ys.chunks_mut(k).enumerate() {
                yrow.fill(T::ZERO);
                let (crd, vals) = a.row(r0 + i);
                for (&c, &v) in crd.iter().zip(vals) {
                    let xrow = &x[c.at() * k..(c.at() + 1) * k];
                    for (o, &xv) in yrow.iter_mut().zip(xrow) {
                        *o = *o + v * xv;
                    }
                }
            }
        });
        Ok(())
    })
}

/// The dense rows of this piece (every column).
fn to_dense<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let cols = ctx.output(0)?.shape().get(1).copied().unwrap_or(0).max(1);
    rows_into::<T, I, T>(ctx, |a, d| {
        for_row_chunks(ctx, d, cols, |r0, ds| {
            for (i, drow) in ds.chunks_mut(cols).enumerate() {
                drow.fill(T::ZERO);
                let (crd, vals) = a.row(r0 + i);
                for (&c, &v) in crd.iter().zip(vals) {
                    drow[c.at()] = v;
                }
            }
        });
        Ok(())
    })
}

/// The number of non-zero entries of each dense row of this piece.
fn dense_row_nnz<T: Value>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let d_s = ctx.input(0)?;
    let n_s = ctx.output(0)?;
    same_rows(d_s, n_s)?;
    let cols = d_s.shape().get(1).copied().unwrap_or(0).max(1);
    let d = d_s.read::<T>()?;
    let d = d.as_standard_layout();
    let d = d
        .as_slice()
        .ok_or_else(|| TaskError::new("a dense piece is not contiguous"))?;
    let mut n = n_s.write::<i64>()?;
    let n = contiguous_mut(&mut n)?;
    for_row_chunks(ctx, n, 1, |r0, ns| {
        for (i, o) in ns.iter_mut().enumerate() {
            let row = &d[(r0 + i) * cols..(r0 + i + 1) * cols];
            *o = row.iter().filter(|v| !v.is_zero()).count() as i64;
        }
    });
    Ok(())
}

/// The column indices and values of the non-zero entries of this piece's dense rows.
fn dense_fill<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let (d_s, pos_s) = (ctx.input(0)?, ctx.input(1)?);
    let (crd_s, vals_s) = (ctx.output(0)?, ctx.output(1)?);
    same_rows(pos_s, d_s)?;
    let cols = d_s.shape().get(1).copied().unwrap_or(0).max(1);
    let k0 = first(crd_s);
    let d = d_s.read::<T>()?;
    let d = d.as_standard_layout();
    let d = d
        .as_slice()
        .ok_or_else(|| TaskError::new("a dense piece is not contiguous"))?;
    let pos = pos_s.read::<I>()?;
    let pos = contiguous(&pos)?;
    let (mut crd, mut vals) = (crd_s.write::<I>()?, vals_s.write::<T>()?);
    let (crd, vals) = (contiguous_mut(&mut crd)?, contiguous_mut(&mut vals)?);
    for (r, row) in d.chunks(cols).enumerate().take(pos.len() / 2) {
        let mut k = (pos[2 * r].wide() - k0) as usize;
        for (c, &v) in row.iter().enumerate() {
            if !v.is_zero() {
                crd[k] = I::of(c);
                vals[k] = v;
                k += 1;
            }
        }
    }
    Ok(())
}

/// Merges one row of `a` with one row of `b` (sorted, no duplicates), calling `emit`
/// for every non-zero result in column order.
fn merge_row<T: Value, I: Idx>(
    op: BinOp,
    (ca, va): (&[I], &[T]),
    (cb, vb): (&[I], &[T]),
    mut emit: impl FnMut(I, T),
) {
    let (mut i, mut j) = (0, 0);
    let mut put = |c: I, v: T| {
        if !v.is_zero() {
            emit(c, v)
        }
    };
    while i < ca.len() || j < cb.len() {
        let (a, b) = (ca.get(i).copied(), cb.get(j).copied());
        match (a, b) {
            (Some(x), Some(y)) if x == y => {
                put(
                    x,
                    match op {
                        BinOp::Add => va[i] + vb[j],
                        BinOp::Sub => va[i] - vb[j],
                        BinOp::Mul => va[i] * vb[j],
                    },
                );
                i += 1;
                j += 1;
            }
            (Some(x), y) if y.is_none_or(|y| x < y) => {
                if op != BinOp::Mul {
                    put(x, va[i]);
                }
                i += 1;
            }
            (_, Some(y)) => {
                match op {
                    BinOp::Add => put(y, vb[j]),
                    BinOp::Sub => put(y, T::ZERO - vb[j]),
                    BinOp::Mul => {}
                }
                j += 1;
            }
            _ => break,
        }
    }
}

/// Reads inputs `0..6` (pos, crd, vals of `a`, then of `b`) and calls `f` with them.
/// With `aligned`, both operands must cover the same rows.
fn with_two<T: Value, I: Idx, R>(
    ctx: &TaskContext<'_>,
    aligned: bool,
    f: impl FnOnce(&Rows<'_, T, I>, &Rows<'_, T, I>) -> Result<R, TaskError>,
) -> Result<R, TaskError> {
    if aligned {
        same_rows(ctx.input(0)?, ctx.input(3)?)?;
    }
    with_rows(ctx, 0, |a| with_rows(ctx, 3, |b| f(a, b)))
}

/// The number of non-zero entries of each row of `a op b`.
fn binop_count<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let op = BinOp::from_code(ctx.scalar_value::<i64>(0)?)?;
    let n_s = ctx.output(0)?;
    same_rows(ctx.input(0)?, n_s)?;
    let mut n = n_s.write::<i64>()?;
    let n = contiguous_mut(&mut n)?;
    with_two::<T, I, ()>(ctx, true, |a, b| {
        for_row_chunks(ctx, n, 1, |r0, ns| {
            for (i, o) in ns.iter_mut().enumerate() {
                let mut count = 0;
                merge_row(op, a.row(r0 + i), b.row(r0 + i), |_, _| count += 1);
                *o = count;
            }
        });
        Ok(())
    })
}

/// The entries of `a op b` for this piece's rows, at the positions `pos` (input 6) gives.
fn binop_fill<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let op = BinOp::from_code(ctx.scalar_value::<i64>(0)?)?;
    let pos_s = ctx.input(6)?;
    let (crd_s, vals_s) = (ctx.output(0)?, ctx.output(1)?);
    let k0 = first(crd_s);
    let pos = pos_s.read::<I>()?;
    let pos = contiguous(&pos)?;
    let (mut crd, mut vals) = (crd_s.write::<I>()?, vals_s.write::<T>()?);
    let (crd, vals) = (contiguous_mut(&mut crd)?, contiguous_mut(&mut vals)?);
    with_two::<T, I, ()>(ctx, true, |a, b| {
        for r in 0..pos.len() / 2 {
            let mut k = (pos[2 * r].wide() - k0) as usize;
            merge_row(op, a.row(r), b.row(r), |c, v| {
                crd[k] = c;
                vals[k] = v;
                k += 1;
            });
        }
        Ok(())
    })
}

/// The transpose, as one piece: a counting sort of the entries by column.
fn transpose<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let (pos_s, crd_s, vals_s) = (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?);
    let (tpos_s, tcrd_s, tvals_s) = (ctx.output(0)?, ctx.output(1)?, ctx.output(2)?);
    let (pos, crd, vals) = (pos_s.read::<I>()?, crd_s.read::<I>()?, vals_s.read::<T>()?);
    let (pos, crd, vals) = (contiguous(&pos)?, contiguous(&crd)?, contiguous(&vals)?);
    let (mut tpos, mut tcrd, mut tvals) = (
        tpos_s.write::<I>()?,
        tcrd_s.write::<I>()?,
        tvals_s.write::<T>()?,
    );
    let (tpos, tcrd, tvals) = (
        contiguous_mut(&mut tpos)?,
        contiguous_mut(&mut tcrd)?,
        contiguous_mut(&mut tvals)?,
    );
    let cols = tpos.len() / 2;
    let mut next = vec![0usize; cols + 1];
    for &c in crd {
        next[c.at() + 1] += 1;
    }
    for c in 0..cols {
        next[c + 1] += next[c];
        tpos[2 * c] = I::of(next[c]);
        tpos[2 * c + 1] = I::of(next[c + 1]);
    }
    for r in 0..pos.len() / 2 {
        for k in pos[2 * r].at()..pos[2 * r + 1].at() {
            let c = crd[k].at();
            let at = next[c];
            tcrd[at] = I::of(r);
            tvals[at] = vals[k];
            next[c] += 1;
        }
    }
    Ok(())
}

/// The sum of each row of this piece.
fn row_sums<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    rows_into::<T, I, T>(ctx, |a, out| {
        for_row_chunks(ctx, out, 1, |r0, os| {
            for (i, o) in os.iter_mut().enumerate() {
                *o = a.row(r0 + i).1.iter().copied().sum();
            }
        });
        Ok(())
    })
}

/// Adds this piece's entries into the sums of their columns (a reduction).
fn col_sums<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let (crd_s, vals_s) = (ctx.input(1)?, ctx.input(2)?);
    let (crd, vals) = (crd_s.read::<I>()?, vals_s.read::<T>()?);
    let (crd, vals) = (contiguous(&crd)?, contiguous(&vals)?);
    let mut out = ctx.reduction(0)?.write::<T>()?;
    let out = contiguous_mut(&mut out)?;
    for (&c, &v) in crd.iter().zip(vals) {
        out[c.at()] = out[c.at()] + v;
    }
    Ok(())
}

/// Entry `(r, r + k)` of each row `r` of this piece (zero where none is stored).
fn diagonal<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let k = ctx.scalar_value::<i64>(0)?;
    let row0 = first(ctx.input(0)?);
    rows_into::<T, I, T>(ctx, |a, out| {
        for (i, o) in out.iter_mut().enumerate() {
            let (crd, vals) = a.row(i);
            let col = row0 + i as i64 + k;
            *o = match crd.binary_search_by(|c| c.wide().cmp(&col)) {
                Ok(at) => vals[at],
                Err(_) => T::ZERO,
            };
        }
        Ok(())
    })
}

/// The row of every entry of this piece's rows (COO's `row` from CSR's `pos`, of the
/// same index type).
fn expand_rows<I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let pos_s = ctx.input(0)?;
    let out_s = ctx.output(0)?;
    let (row0, k0) = (first(pos_s), first(out_s));
    let pos = pos_s.read::<I>()?;
    let pos = contiguous(&pos)?;
    let mut out = out_s.write::<I>()?;
    let out = contiguous_mut(&mut out)?;
    for r in 0..pos.len() / 2 {
        out[span(pos, r, k0)].fill(I::of(row0 as usize + r));
    }
    Ok(())
}

/// Row `r` of `A B` (Gustavson): the rows of `B` named by row `r` of `A`, accumulated in
/// a dense workspace over `B`'s columns, then emitted in column order.
struct Gustavson<T> {
    acc: Vec<T>,
    seen: Vec<bool>,
    touched: Vec<usize>,
}

impl<T: Value> Gustavson<T> {
    fn new(cols: usize) -> Self {
        Gustavson {
            acc: vec![T::ZERO; cols],
            seen: vec![false; cols],
            touched: Vec::new(),
        }
    }

    /// Accumulates `sum_k a[r, k] B[k, :]`; `b_row(k)` gives row `k` of `B`.
    fn row<'b, I: Idx>(
        &mut self,
        (ca, va): (&[I], &[T]),
        b_row: impl Fn(usize) -> (&'b [I], &'b [T]),
        mut emit: impl FnMut(I, T),
    ) where
        T: 'b,
    {
        for (&k, &a) in ca.iter().zip(va) {
            let (cb, vb) = b_row(k.at());
            for (&c, &b) in cb.iter().zip(vb) {
                let ci = c.at();
                if !self.seen[ci] {
                    self.seen[ci] = true;
                    self.acc[ci] = T::ZERO;
                    self.touched.push(ci);
                }
                self.acc[ci] = self.acc[ci] + a * b;
            }
        }
        self.touched.sort_unstable();
        for &ci in &self.touched {
            self.seen[ci] = false;
            if !self.acc[ci].is_zero() {
                emit(I::of(ci), self.acc[ci]);
            }
        }
        self.touched.clear();
    }
}

/// The number of columns of `B` (scalar argument 0 of the `SPGEMM_*` tasks, which see all
/// of `B`).
fn column_count(ctx: &TaskContext<'_>) -> Result<usize, TaskError> {
    usize::try_from(ctx.scalar_value::<i64>(0)?)
        .map_err(|_| TaskError::new("negative column count"))
}

/// The number of non-zero entries of each row of `A B`.
fn spgemm_count<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let n_s = ctx.output(0)?;
    same_rows(ctx.input(0)?, n_s)?;
    let b_cols = column_count(ctx)?;
    let mut n = n_s.write::<i64>()?;
    let n = contiguous_mut(&mut n)?;
    with_two::<T, I, ()>(ctx, false, |a, b| {
        let mut g = Gustavson::<T>::new(b_cols);
        for (r, o) in n.iter_mut().enumerate() {
            let mut count = 0;
            g.row(a.row(r), |k| b.row(k), |_, _| count += 1);
            *o = count;
        }
        Ok(())
    })
}

/// The entries of `A B` for this piece's rows, at the positions `pos` (input 6) gives.
fn spgemm_fill<T: Value, I: Idx>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let pos_s = ctx.input(6)?;
    let (crd_s, vals_s) = (ctx.output(0)?, ctx.output(1)?);
    let b_cols = column_count(ctx)?;
    let k0 = first(crd_s);
    let pos = pos_s.read::<I>()?;
    let pos = contiguous(&pos)?;
    let (mut crd, mut vals) = (crd_s.write::<I>()?, vals_s.write::<T>()?);
    let (crd, vals) = (contiguous_mut(&mut crd)?, contiguous_mut(&mut vals)?);
    with_two::<T, I, ()>(ctx, false, |a, b| {
        let mut g = Gustavson::<T>::new(b_cols);
        for r in 0..pos.len() / 2 {
            let mut k = (pos[2 * r].wide() - k0) as usize;
            g.row(
                a.row(r),
                |k| b.row(k),
                |c, v| {
                    crd[k] = c;
                    vals[k] = v;
                    k += 1;
                },
            );
        }
        Ok(())
    })
}

/// Registers a body that dispatches on the type of input `$ty_input` (and, given
/// `input $i`, on the index type of that argument: a matrix's `pos`) as both variants.
/// Every task of the library writes each element of its output pieces (fresh results
/// may then reuse a freed instance without zeroing it).
macro_rules! typed {
    ($name:expr, $f:ident, $ty_input:expr) => {{
        let body = |ctx: &mut TaskContext<'_>| -> TaskResult {
            let ty = ctx.input($ty_input)?.ty();
            dispatch_value!(ty, $f(ctx), t => unsupported($name, t))
        };
        TaskDef::new($name).cpu(body).omp(body).writes_whole_outputs()
    }};
    ($name:expr, $f:ident, $ty_input:expr, input $index:expr) => {{
        let body = |ctx: &mut TaskContext<'_>| -> TaskResult {
            let ty = ctx.input($ty_input)?.ty();
            let ity = ctx.input($index)?.ty();
            dispatch_indexed!(ty, ity, $f(ctx), t => unsupported($name, t))
        };
        TaskDef::new($name).cpu(body).omp(body).writes_whole_outputs()
    }};
}

fn unsupported(name: &str, ty: legate_core::Type) -> TaskResult {
    Err(TaskError::new(format!("{name} does not support type {ty}")))
}

fn expand_rows_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    match ctx.input(0)?.ty() {
        legate_core::Type::Int32 => expand_rows::<i32>(ctx),
        legate_core::Type::Int64 => expand_rows::<i64>(ctx),
        t => unsupported("csr_expand_rows", t),
    }
}

/// Registers every task of the library.
pub(crate) fn register(lib: &Library) -> legate_core::Result<()> {
    let tasks = [
        (ids::SPMV, typed!("spmv", spmv, 2, input 0)),
        (ids::SPMV_DOT, typed!("spmv_dot", spmv_dot, 2, input 0)),
        (ids::DIA_SPMV, typed!("dia_spmv", dia_spmv, 2, input 0)),
        (
            ids::DIA_SPMV_DOT,
            typed!("dia_spmv_dot", dia_spmv_dot, 2, input 0),
        ),
        (
            ids::DIA_OFFSETS,
            typed!("csr_diagonal_offsets", dia_offsets, 2, input 0),
        ),
        (
            ids::DIA_FILL,
            typed!("csr_to_diagonals", dia_fill, 2, input 0),
        ),
        (ids::SPMM, typed!("spmm", spmm, 2, input 0)),
        (ids::TO_DENSE, typed!("csr_to_dense", to_dense, 2, input 0)),
        (
            ids::DENSE_ROW_NNZ,
            typed!("dense_row_nnz", dense_row_nnz, 0),
        ),
        (
            ids::DENSE_FILL,
            typed!("dense_to_csr", dense_fill, 0, input 1),
        ),
        (
            ids::BINOP_COUNT,
            typed!("csr_binop_nnz", binop_count, 2, input 0),
        ),
        (ids::BINOP_FILL, typed!("csr_binop", binop_fill, 2, input 6)),
        (
            ids::TRANSPOSE,
            typed!("csr_transpose", transpose, 2, input 0),
        ),
        (ids::ROW_SUMS, typed!("csr_row_sums", row_sums, 2, input 0)),
        (ids::COL_SUMS, typed!("csr_col_sums", col_sums, 2, input 0)),
        (ids::DIAGONAL, typed!("csr_diagonal", diagonal, 2, input 0)),
        (
            ids::SPGEMM_COUNT,
            typed!("spgemm_nnz", spgemm_count, 2, input 0),
        ),
        (ids::SPGEMM_FILL, typed!("spgemm", spgemm_fill, 2, input 6)),
        (
            ids::EXPAND_ROWS,
            TaskDef::new("csr_expand_rows")
                .cpu(expand_rows_any)
                .omp(expand_rows_any)
                .writes_whole_outputs(),
        ),
    ];
    for (id, def) in tasks {
        lib.register_task(id, def)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::packed_ends;

    #[test]
    fn packed_ends_follow_rows_that_lie_back_to_back() {
        // Rows 1..3 of a piece starting at entry 10: [10, 12), [12, 12) empty, [12, 15).
        let pos: [i32; 8] = [0, 10, 10, 12, 12, 12, 12, 15];
        let mut ends = [0; 3];
        assert_eq!(packed_ends(&pos, 1, 10, 5, &mut ends), Some(0));
        assert_eq!(ends, [2, 2, 5]);
        // Entries past the piece, or before it.
        assert_eq!(packed_ends(&pos, 1, 10, 4, &mut ends), None);
        assert_eq!(packed_ends(&pos, 1, 11, 5, &mut ends), None);
        // The same rows starting later in the piece.
        assert_eq!(packed_ends(&pos, 1, 8, 7, &mut ends), Some(2));
    }

    #[test]
    fn empty_rows_may_name_any_position_but_gaps_are_not_packed() {
        // An empty row naming positions elsewhere ([7, 3)) is skipped.
        let pos: [i64; 6] = [4, 6, 7, 3, 6, 9];
        let mut ends = [0; 3];
        assert_eq!(packed_ends(&pos, 0, 4, 5, &mut ends), Some(0));
        assert_eq!(ends, [2, 2, 5]);
        // A gap between two rows' entries: the rows are taken one at a time.
        let gap: [i64; 4] = [0, 2, 3, 5];
        assert_eq!(packed_ends(&gap, 0, 0, 5, &mut [0; 2]), None);
        // Only empty rows: nothing to read.
        let empty: [i64; 4] = [5, 5, 9, 2];
        let mut ends = [7; 2];
        assert_eq!(packed_ends(&empty, 0, 0, 0, &mut ends), Some(0));
        assert_eq!(ends, [0, 0]);
        // Rows past the end of `pos`.
        assert_eq!(packed_ends(&empty, 1, 0, 0, &mut [0; 2]), None);
    }
}
