//! Sorting and searching: `sort`, `argsort`, `searchsorted`, `unique`; with the statistics
//! built on them in `histogram` (`bincount`, `histogram`) and `quantile` (`quantile`,
//! `percentile`, `median`, `nanmedian`).
//!
//! Every sort is stable and follows NumPy's order: NaNs last, complex numbers
//! lexicographically (real part, then imaginary part, NaNs last in each).
//!
//! Along an axis of an n-d array, pieces hold whole rows (the axis is not cut) and sort
//! them in parallel. A 1-D array (or a flattened one) is sorted by a sample sort: each
//! piece sorts its block, the pieces' regular samples choose splitters, and each output
//! piece merges its range of every block; the result is an unbound store whose pieces are
//! those ranges.

mod histogram;
mod quantile;

use std::cmp::Ordering;

use legate_core::ndarray::parallel::prelude::*;
use legate_core::ndarray::{ArrayView1, Axis, Zip};
use legate_core::{
    align, broadcast, Error, Library, Result, Scalar, TaskContext, TaskDef, TaskInfo, Type,
    VariantKind,
};

use crate::array::Array;
use crate::context::LIBRARY_NAME;
use crate::kernels::{Kind, Num};
use crate::tasks::{elementwise, TaskResult};
use crate::views::normalize_axis;

pub use histogram::Bins;
pub use quantile::QuantileMethod;

/// Task ids of this module (200-299).
pub(crate) mod ids {
    pub(crate) const SORT_ROWS: u32 = 200;
    pub(crate) const SORT_LOCAL: u32 = 201;
    pub(crate) const SORT_SPLIT: u32 = 202;
    pub(crate) const SORT_MERGE: u32 = 203;
    pub(crate) const SEARCHSORTED: u32 = 204;
    pub(crate) const UNIQUE_FLAGS: u32 = 205;
    pub(crate) const GROUP_COUNT: u32 = 206;
    pub(crate) const GROUP_IDS: u32 = 207;
    pub(crate) const BINCOUNT: u32 = 208;
    pub(crate) const HISTOGRAM: u32 = 209;
    pub(crate) const QUANTILE: u32 = 210;
}

/// NumPy's order of two floats: NaNs after everything, equal to each other.
fn cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (true, true) => Ordering::Equal,
    }
}

/// NumPy's sort order of two elements of any type (a total order).
pub(crate) fn np_cmp<T: Num>(a: T, b: T) -> Ordering {
    match T::KIND {
        Kind::Bool | Kind::Int => a.to_i128().cmp(&b.to_i128()),
        Kind::Float => cmp_f64(a.to_f64(), b.to_f64()),
        Kind::Complex => {
            let (a, b) = (a.to_c64(), b.to_c64());
            cmp_f64(a.re, b.re).then_with(|| cmp_f64(a.im, b.im))
        }
    }
}

/// Whether the element is (or, for complex numbers, has a part that is) NaN.
pub(crate) fn is_nan<T: Num>(v: T) -> bool {
    match T::KIND {
        Kind::Float => v.to_f64().is_nan(),
        Kind::Complex => {
            let c = v.to_c64();
            c.re.is_nan() || c.im.is_nan()
        }
        Kind::Bool | Kind::Int => false,
    }
}

/// The order of (value, original position) pairs: distinct pairs never tie, so any sort
/// by it is the stable sort of the values.
fn cmp_pair<T: Num>(a: &(T, i64), b: &(T, i64)) -> Ordering {
    np_cmp(a.0, b.0).then(a.1.cmp(&b.1))
}

/// Sorts pairs by [`cmp_pair`], on the task's OMP group when it has one: blocks sort in
/// parallel, then one pass merges the sorted runs (the standard sort detects them).
fn sort_pairs<T: Num>(ctx: &TaskContext<'_>, pairs: &mut [(T, i64)]) {
    match ctx.pool() {
        Some(pool) if pairs.len() >= 8192 => {
            let block = pairs.len().div_ceil(pool.current_num_threads().max(1));
            let blocks: Vec<&mut [(T, i64)]> = pairs.chunks_mut(block).collect();
            pool.install(|| {
                blocks
                    .into_par_iter()
                    .for_each(|b| b.sort_unstable_by(cmp_pair))
            });
            pairs.sort_by(cmp_pair);
        }
        _ => pairs.sort_unstable_by(cmp_pair),
    }
}

/// A 1-D view as a slice, copied when its elements are not contiguous.
fn as_slice<'a, T: Copy>(v: &'a ArrayView1<'_, T>) -> std::borrow::Cow<'a, [T]> {
    match v.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(v.iter().copied().collect()),
    }
}

fn one_d<'a, T>(
    v: legate_core::ndarray::ArrayViewD<'a, T>,
) -> std::result::Result<ArrayView1<'a, T>, legate_core::TaskError> {
    v.into_dimensionality()
        .map_err(|e| legate_core::TaskError::new(e.to_string()))
}

// ---------------------------------------------------------------------------------------
// Task bodies.

/// One lane's values with their positions: sorted in NumPy's stable order when `kth` is
/// empty, else partitioned (each position of `kth`, ascending and below the lane's
/// length, holds what the sort would put there, smaller pairs before it and larger
/// after) by selection, in linear time.
fn sorted_lane<T: Num>(lane: &ArrayView1<'_, T>, kth: &[usize]) -> Vec<(T, i64)> {
    let mut pairs: Vec<(T, i64)> = lane
        .iter()
        .enumerate()
        .map(|(k, &v)| (v, k as i64))
        .collect();
    if kth.is_empty() {
        pairs.sort_unstable_by(cmp_pair);
        return pairs;
    }
    select_positions(&mut pairs, kth, cmp_pair);
    pairs
}

/// Puts at each of `positions` (ascending) what a sort of `v` by `cmp` would put there,
/// smaller elements before it and larger ones after: one selection per position, each on
/// what lies past the previous one. Positions out of range are skipped.
pub(crate) fn select_positions<T>(
    v: &mut [T],
    positions: &[usize],
    cmp: impl Fn(&T, &T) -> Ordering + Copy,
) {
    let mut start = 0;
    for &k in positions {
        if k >= start && k < v.len() {
            v[start..].select_nth_unstable_by(k - start, cmp);
            start = k + 1;
        }
    }
}

/// Sorts (or partitions) every lane along the last dimension of a piece that holds whole
/// lanes; writes the values and/or the positions (scalars 0 and 1 say which). Scalar 2
/// counts the positions to partition at (none: a full sort); scalars 3.. are those
/// positions, ascending.
fn sort_rows<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let (values, indices) = (ctx.scalar_value::<bool>(0)?, ctx.scalar_value::<bool>(1)?);
    let kth = (0..ctx.scalar_value::<u64>(2)? as usize)
        .map(|j| ctx.scalar_value::<u64>(3 + j).map(|k| k as usize))
        .collect::<std::result::Result<Vec<usize>, _>>()?;
    let kth = kth.as_slice();
    let x = ctx.input(0)?.read::<T>()?;
    if x.ndim() == 0 {
        return Err(legate_core::TaskError::new("sort of a 0-d piece"));
    }
    let ax = Axis(x.ndim() - 1);
    match (values, indices) {
        (true, true) => {
            let mut v = ctx.output(0)?.write::<T>()?;
            let mut i = ctx.output(1)?.write::<i64>()?;
            run_zip!(
                ctx,
                Zip::from(x.lanes(ax))
                    .and(v.lanes_mut(ax))
                    .and(i.lanes_mut(ax)),
                |x, mut v, mut i| {
                    let pairs = sorted_lane(&x, kth);
                    for ((v, i), p) in v.iter_mut().zip(i.iter_mut()).zip(&pairs) {
                        (*v, *i) = *p;
                    }
                }
            );
        }
        (true, false) => {
            let mut v = ctx.output(0)?.write::<T>()?;
            run_zip!(
                ctx,
                Zip::from(x.lanes(ax)).and(v.lanes_mut(ax)),
                |x, mut v| {
                    let pairs = sorted_lane(&x, kth);
                    v.iter_mut().zip(&pairs).for_each(|(v, p)| *v = p.0);
                }
            );
        }
        _ => {
            let mut i = ctx.output(0)?.write::<i64>()?;
            run_zip!(
                ctx,
                Zip::from(x.lanes(ax)).and(i.lanes_mut(ax)),
                |x, mut i| {
                    let pairs = sorted_lane(&x, kth);
                    i.iter_mut().zip(&pairs).for_each(|(i, p)| *i = p.1);
                }
            );
        }
    }
    Ok(())
}

/// Sample sort, step 1: sorts this point's block (values and global positions) and
/// writes regular samples of it (as many as its pieces of outputs 2 and 3 hold).
fn sort_local<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let input = ctx.input(0)?;
    let lo = input.rect().lo[0];
    let x = input.read::<T>()?;
    let mut pairs: Vec<(T, i64)> = x
        .iter()
        .enumerate()
        .map(|(k, &v)| (v, lo + k as i64))
        .collect();
    if pairs.is_empty() {
        return Err(legate_core::TaskError::new("sample sort of an empty block"));
    }
    sort_pairs(ctx, &mut pairs);
    let mut vals = ctx.output(0)?.write::<T>()?;
    let mut idx = ctx.output(1)?.write::<i64>()?;
    for ((v, i), p) in vals.iter_mut().zip(idx.iter_mut()).zip(&pairs) {
        (*v, *i) = *p;
    }
    let mut sv = ctx.output(2)?.write::<T>()?;
    let mut si = ctx.output(3)?.write::<i64>()?;
    let s = sv.len();
    for (k, (v, i)) in sv.iter_mut().zip(si.iter_mut()).enumerate() {
        // Regular samples; a block shorter than the sample count repeats elements.
        let p = pairs[(k * pairs.len()) / s];
        (*v, *i) = p;
    }
    Ok(())
}

/// Sample sort, step 2: from all samples, the splitters (the same at every point); then
/// where each splitter falls in this point's sorted block.
fn sort_split<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let sv = ctx.input(0)?.read::<T>()?;
    let si = ctx.input(1)?.read::<i64>()?;
    let mut samples: Vec<(T, i64)> = sv.iter().copied().zip(si.iter().copied()).collect();
    samples.sort_unstable_by(cmp_pair);
    let vals = one_d(ctx.input(2)?.read::<T>()?)?;
    let idx = one_d(ctx.input(3)?.read::<i64>()?)?;
    let block: Vec<(T, i64)> = vals.iter().copied().zip(idx.iter().copied()).collect();
    let mut bounds = ctx.output(0)?.write::<i64>()?;
    let buckets = bounds.len().saturating_sub(1);
    let total = samples.len();
    for (k, b) in bounds.iter_mut().enumerate() {
        *b = if k == 0 {
            0
        } else if k >= buckets || total == 0 {
            block.len() as i64
        } else {
            let splitter = samples[(k * total) / buckets];
            block.partition_point(|e| cmp_pair(e, &splitter) == Ordering::Less) as i64
        };
    }
    Ok(())
}

/// Sample sort, step 3: this point's bucket of every block, merged; bound to the unbound
/// outputs (values and/or positions, as scalars 1 and 2 say). Scalar 0: the block length.
fn sort_merge<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let block = ctx.scalar_value::<u64>(0)? as usize;
    let (values, indices) = (ctx.scalar_value::<bool>(1)?, ctx.scalar_value::<bool>(2)?);
    let vals = one_d(ctx.input(0)?.read::<T>()?)?;
    let idx = one_d(ctx.input(1)?.read::<i64>()?)?;
    let bounds = one_d(ctx.input(2)?.read::<i64>()?)?;
    let (vals, idx, bounds) = (as_slice(&vals), as_slice(&idx), as_slice(&bounds));
    let blocks = ctx.domain().volume() as usize;
    let j = ctx.point()[0] as usize;
    let mut pairs = Vec::new();
    for i in 0..blocks {
        let row = i * (blocks + 1);
        let (lo, hi) = match (bounds.get(row + j), bounds.get(row + j + 1)) {
            (Some(&lo), Some(&hi)) => (i * block + lo as usize, i * block + hi as usize),
            _ => return Err(legate_core::TaskError::new("sample sort bounds too short")),
        };
        let (Some(v), Some(x)) = (vals.get(lo..hi), idx.get(lo..hi)) else {
            return Err(legate_core::TaskError::new(
                "sample sort bucket out of range",
            ));
        };
        pairs.extend(v.iter().copied().zip(x.iter().copied()));
    }
    sort_pairs(ctx, &mut pairs);
    let mut k = 0;
    if values {
        ctx.output(k)?
            .bind_data(pairs.iter().map(|p| p.0).collect::<Vec<T>>())?;
        k += 1;
    }
    if indices {
        ctx.output(k)?
            .bind_data(pairs.iter().map(|p| p.1).collect::<Vec<i64>>())?;
    }
    Ok(())
}

/// `searchsorted` of every element of a piece of `v` in the whole sorted array.
fn searchsorted<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let right = ctx.scalar_value::<bool>(0)?;
    let a = one_d(ctx.input(0)?.read::<T>()?)?;
    let a = as_slice(&a);
    let v = ctx.input(1)?.read::<T>()?;
    let mut out = ctx.output(0)?.write::<i64>()?;
    let a: &[T] = &a;
    run_zip!(ctx, Zip::from(&mut out).and(&v), |o, &v| {
        *o = if right {
            a.partition_point(|&x| np_cmp(x, v) != Ordering::Greater)
        } else {
            a.partition_point(|&x| np_cmp(x, v) == Ordering::Less)
        } as i64
    });
    Ok(())
}

/// `out = cur != prev` in NumPy's order (NaNs equal to each other).
fn unique_flags<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let cur = ctx.input(0)?.read::<T>()?;
    let prev = ctx.input(1)?.read::<T>()?;
    let mut out = ctx.output(0)?.write::<bool>()?;
    run_zip!(
        ctx,
        Zip::from(&mut out).and(&cur).and(&prev),
        |o, &c, &p| { *o = np_cmp(c, p) != Ordering::Equal }
    );
    Ok(())
}

/// The number of set flags in this point's block.
fn group_count(ctx: &TaskContext<'_>) -> TaskResult {
    let flags = ctx.input(0)?.read::<bool>()?;
    let n = flags.iter().filter(|&&f| f).count() as i64;
    ctx.output(0)?.write::<i64>()?.fill(n);
    Ok(())
}

/// The inclusive running count of set flags, minus one, across blocks: the group of each
/// sorted element.
fn group_ids(ctx: &TaskContext<'_>) -> TaskResult {
    let counts = ctx.input(0)?.read::<i64>()?;
    let p = ctx.point()[0] as usize;
    let mut run: i64 = counts.iter().take(p).sum();
    let flags = ctx.input(1)?.read::<bool>()?;
    let mut out = ctx.output(0)?.write::<i64>()?;
    for (o, &f) in out.iter_mut().zip(flags.iter()) {
        run += i64::from(f);
        *o = run - 1;
    }
    Ok(())
}

pub(crate) fn register(lib: &Library) -> legate_core::Result<()> {
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::SORT_ROWS,
        elementwise("sort_rows", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, sort_rows(ctx))
        }),
    )?;
    lib.register_task(
        ids::SORT_LOCAL,
        elementwise("sort_local", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, sort_local(ctx))
        }),
    )?;
    lib.register_task(
        ids::SORT_SPLIT,
        TaskDef::new("sort_split")
            .cpu(move |ctx: &mut TaskContext<'_>| dispatch!(in_ty(ctx)?, sort_split(ctx))),
    )?;
    lib.register_task(
        ids::SORT_MERGE,
        elementwise("sort_merge", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, sort_merge(ctx))
        }),
    )?;
    lib.register_task(
        ids::SEARCHSORTED,
        elementwise("searchsorted", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, searchsorted(ctx))
        }),
    )?;
    lib.register_task(
        ids::UNIQUE_FLAGS,
        elementwise("unique_flags", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, unique_flags(ctx))
        }),
    )?;
    lib.register_task(
        ids::GROUP_COUNT,
        TaskDef::new("group_count").cpu(|ctx: &mut TaskContext<'_>| group_count(ctx)),
    )?;
    lib.register_task(
        ids::GROUP_IDS,
        TaskDef::new("group_ids").cpu(|ctx: &mut TaskContext<'_>| group_ids(ctx)),
    )?;
    histogram::register(lib)?;
    quantile::register(lib)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Launches.

/// How many blocks to cut `n` elements into for a manual launch, as the mapper would cut
/// an auto-task of that volume, and the block length.
fn blocks_for(array: &Array, n: usize) -> (usize, usize) {
    let rt = &array.dense.rt;
    let (machine, mapper) = (rt.machine(), rt.mapper());
    let info = TaskInfo {
        library: LIBRARY_NAME,
        task_id: ids::SORT_LOCAL,
        name: "sort_local",
        variants: &[VariantKind::Cpu, VariantKind::Omp],
        volume: n as u64,
    };
    let variant = mapper.select_variant(machine, &info);
    let most = mapper.num_pieces(machine, variant).max(1);
    let min = mapper.min_piece_volume(machine, variant).max(1);
    let by_size = usize::try_from(n as u64 / min).unwrap_or(usize::MAX).max(1);
    let pieces = most.min(by_size).min(n.max(1));
    let block = n.div_ceil(pieces).max(1);
    (n.div_ceil(block).max(1), block)
}

/// A sort's outputs: the sorted values and/or the positions that sort the input.
struct Sorted {
    values: Option<Array>,
    indices: Option<Array>,
}

impl Array {
    /// Sorts the lanes along the last axis of `self` into `values` and/or `indices`
    /// (arrays, or views, of `self`'s shape): pieces hold whole lanes.
    fn sort_lanes_into(&self, values: Option<&Array>, indices: Option<&Array>) -> Result<()> {
        self.select_lanes_into(values, indices, &[])
    }

    /// As [`sort_lanes_into`](Self::sort_lanes_into), partitioning each lane at the
    /// positions `kth` (ascending, in range) instead of sorting it; empty: a full sort.
    fn select_lanes_into(
        &self,
        values: Option<&Array>,
        indices: Option<&Array>,
        kth: &[u64],
    ) -> Result<()> {
        if self.size() == 0 {
            return Ok(());
        }
        let last = self.ndim() - 1;
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, ids::SORT_ROWS)?;
        let vx = task.add_input(&self.store);
        task.add_constraint(broadcast(vx, &[last]));
        for out in [values, indices].into_iter().flatten() {
            let vo = task.add_output(&out.store);
            task.add_constraint(align(vx, vo));
        }
        task.add_scalar_arg(values.is_some());
        task.add_scalar_arg(indices.is_some());
        task.add_scalar_arg(kth.len() as u64);
        for &k in kth {
            task.add_scalar_arg(k);
        }
        task.execute()
    }

    /// Sorts a 1-D array with the distributed sample sort (or one piece when the mapper
    /// would not cut it).
    fn sort_flat(&self, values: bool, indices: bool) -> Result<Sorted> {
        let n = self.size();
        let (blocks, block) = blocks_for(self, n);
        let dense = &self.dense;
        let ty = self.dtype();
        if n == 0 || blocks == 1 {
            let v = values.then(|| dense.empty(&[n], ty)).transpose()?;
            let i = indices
                .then(|| dense.empty(&[n], Type::Int64))
                .transpose()?;
            self.sort_lanes_into(v.as_ref(), i.as_ref())?;
            return Ok(Sorted {
                values: v,
                indices: i,
            });
        }
        let rt = &dense.rt;
        let samples = (4 * blocks).min(block).max(1);
        let vals = dense.empty(&[n], ty)?;
        let idx = dense.empty(&[n], Type::Int64)?;
        let sv = dense.empty(&[blocks * samples], ty)?;
        let si = dense.empty(&[blocks * samples], Type::Int64)?;
        let bounds = dense.empty(&[blocks * (blocks + 1)], Type::Int64)?;
        let tile = [block as u64];
        let launch = [blocks as u64];

        let mut task = rt.create_manual_task(&dense.lib, ids::SORT_LOCAL, &launch)?;
        task.add_input_partition(&self.store.partition_by_tiling(&tile)?)?;
        task.add_output_partition(&vals.store.partition_by_tiling(&tile)?)?;
        task.add_output_partition(&idx.store.partition_by_tiling(&tile)?)?;
        task.add_output_partition(&sv.store.partition_by_tiling(&[samples as u64])?)?;
        task.add_output_partition(&si.store.partition_by_tiling(&[samples as u64])?)?;
        task.execute()?;

        let mut task = rt.create_manual_task(&dense.lib, ids::SORT_SPLIT, &launch)?;
        task.add_input(&sv.store);
        task.add_input(&si.store);
        task.add_input_partition(&vals.store.partition_by_tiling(&tile)?)?;
        task.add_input_partition(&idx.store.partition_by_tiling(&tile)?)?;
        task.add_output_partition(&bounds.store.partition_by_tiling(&[blocks as u64 + 1])?)?;
        task.execute()?;

        let mut task = rt.create_manual_task(&dense.lib, ids::SORT_MERGE, &launch)?;
        task.add_input(&vals.store);
        task.add_input(&idx.store);
        task.add_input(&bounds.store);
        let v = values.then(|| rt.create_unbound_store(ty));
        let i = indices.then(|| rt.create_unbound_store(Type::Int64));
        for out in [&v, &i].into_iter().flatten() {
            task.add_output(out);
        }
        task.add_scalar_arg(block as u64);
        task.add_scalar_arg(values);
        task.add_scalar_arg(indices);
        task.execute()?;
        Ok(Sorted {
            values: v.map(|s| Array::new(dense, s)),
            indices: i.map(|s| Array::new(dense, s)),
        })
    }

    /// Sorts along `axis` (flattened when `None`) into new arrays.
    fn sort_any(&self, axis: Option<isize>, values: bool, indices: bool) -> Result<Sorted> {
        let Some(axis) = axis else {
            return self.ravel()?.sort_flat(values, indices);
        };
        let axis = normalize_axis(axis, self.ndim())?;
        if self.ndim() == 1 {
            return self.sort_flat(values, indices);
        }
        let shape = self.shape();
        let v = values
            .then(|| self.dense.empty(&shape, self.dtype()))
            .transpose()?;
        let i = indices
            .then(|| self.dense.empty(&shape, Type::Int64))
            .transpose()?;
        let last = |a: &Array| a.moveaxis(axis as isize, -1);
        let v_view = v.as_ref().map(last).transpose()?;
        let i_view = i.as_ref().map(last).transpose()?;
        last(self)?.sort_lanes_into(v_view.as_ref(), i_view.as_ref())?;
        Ok(Sorted {
            values: v,
            indices: i,
        })
    }

    /// A sorted copy (NumPy's `np.sort(a, axis)`): along `axis`, or of the flattened array
    /// when `None`. Stable, NaNs last, complex numbers lexicographic.
    ///
    /// Along an axis of an n-d array, pieces hold whole rows and sort in parallel; a 1-D
    /// (or flattened) array is sample-sorted over all pieces.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![3.0, f64::NAN, -1.0, 2.0], &[4]).unwrap();
    /// let s = a.sorted(Some(-1)).unwrap().to_vec::<f64>().unwrap();
    /// assert_eq!(&s[..3], &[-1.0, 2.0, 3.0]);
    /// assert!(s[3].is_nan());
    /// ```
    pub fn sorted(&self, axis: Option<isize>) -> Result<Array> {
        self.sort_any(axis, true, false)?
            .values
            .ok_or_else(|| internal("sort produced no values"))
    }

    /// Sorts in place along `axis` (NumPy's method `a.sort(axis)`; `-1` is NumPy's
    /// default): writes the sorted copy back through this array (which may be a view).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![3i64, 1, 2, 9, 7, 8], &[2, 3]).unwrap();
    /// a.sort_inplace(-1).unwrap();
    /// assert_eq!(a.to_vec::<i64>().unwrap(), vec![1, 2, 3, 7, 8, 9]);
    /// ```
    pub fn sort_inplace(&self, axis: isize) -> Result<()> {
        let sorted = self.sorted(Some(axis))?;
        self.assign(&sorted)
    }

    /// The positions that sort the array along `axis` (of the flattened array when
    /// `None`), as `int64`; stable, in NumPy's order (NumPy's `argsort(kind="stable")`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![2.0, 1.0, 2.0, 0.5], &[4]).unwrap();
    /// assert_eq!(a.argsort(Some(0)).unwrap().to_vec::<i64>().unwrap(), vec![3, 1, 0, 2]);
    /// ```
    pub fn argsort(&self, axis: Option<isize>) -> Result<Array> {
        self.sort_any(axis, false, true)?
            .indices
            .ok_or_else(|| internal("argsort produced no indices"))
    }

    /// Where the elements of `v` would be inserted into this sorted 1-D array to keep it
    /// sorted (NumPy's `searchsorted`): the first such position with [`Side::Left`], the
    /// last with [`Side::Right`]. With `sorter` (positions that sort `self`, as from
    /// `argsort`), `self` need not be sorted and the result indexes the sorted order.
    /// The result has `v`'s shape and type `int64`; pieces of `v` search in parallel, each
    /// seeing the whole sorted array.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Dense, Side};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![1i64, 2, 2, 3], &[4]).unwrap();
    /// let v = dense.from_vec(vec![2i64, 0, 5], &[3]).unwrap();
    /// let left = a.searchsorted(&v, Side::Left, None).unwrap();
    /// assert_eq!(left.to_vec::<i64>().unwrap(), vec![1, 0, 4]);
    /// let right = a.searchsorted(&v, Side::Right, None).unwrap();
    /// assert_eq!(right.to_vec::<i64>().unwrap(), vec![3, 0, 4]);
    /// ```
    pub fn searchsorted(&self, v: &Array, side: Side, sorter: Option<&Array>) -> Result<Array> {
        if self.ndim() != 1 {
            return Err(Error::InvalidArgument {
                what: format!(
                    "searchsorted needs a 1-D sorted array, not {}-d",
                    self.ndim()
                ),
            });
        }
        let sorted = match sorter {
            Some(s) => {
                if s.shape() != self.shape() {
                    return Err(Error::ShapeMismatch {
                        context: "searchsorted: sorter must have the array's shape",
                        left: self.shape_u64(),
                        right: s.shape_u64(),
                    });
                }
                self.take(s)?
            }
            None => self.clone(),
        };
        let ty = crate::dtype::promote_types(self.dtype(), v.dtype());
        let (a, v) = (sorted.as_type(ty)?, v.as_type(ty)?);
        let out = self.dense.empty(&v.shape(), Type::Int64)?;
        if v.size() == 0 {
            return Ok(out);
        }
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, ids::SEARCHSORTED)?;
        let va = task.add_input(&a.store);
        let vv = task.add_input(&v.store);
        let vo = task.add_output(&out.store);
        task.add_constraint(broadcast(va, &[]));
        task.add_constraint(align(vv, vo));
        task.add_scalar_arg(side == Side::Right);
        task.execute()?;
        Ok(out)
    }

    /// The sorted unique values of the flattened array (NumPy's `unique`, NaNs collapsed
    /// into one as with `equal_nan=True`), with what `options` asks for: the position of
    /// each value's first occurrence, the inverse (positions into the unique values that
    /// rebuild the array, in the array's shape) and the counts.
    ///
    /// Built from the distributed sort, a flag per sorted element (pieces in parallel),
    /// `extract` (unbound results sized by the data) and a two-pass running count; the
    /// inverse is then written by the runtime's `scatter`, which runs as one task.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Dense, UniqueOptions};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![3i32, 1, 3, 2, 1, 3], &[6]).unwrap();
    /// let u = a.unique(UniqueOptions { return_counts: true, ..Default::default() }).unwrap();
    /// assert_eq!(u.values.to_vec::<i32>().unwrap(), vec![1, 2, 3]);
    /// assert_eq!(u.counts.unwrap().to_vec::<i64>().unwrap(), vec![2, 1, 3]);
    /// ```
    pub fn unique(&self, options: UniqueOptions) -> Result<Unique> {
        let dense = &self.dense;
        let n = self.size();
        let need_perm = options.return_index || options.return_inverse;
        if n == 0 {
            let empty = |ty| dense.empty(&[0], ty);
            return Ok(Unique {
                values: empty(self.dtype())?,
                indices: options
                    .return_index
                    .then(|| empty(Type::Int64))
                    .transpose()?,
                inverse: options
                    .return_inverse
                    .then(|| dense.empty(&self.shape(), Type::Int64))
                    .transpose()?,
                counts: options
                    .return_counts
                    .then(|| empty(Type::Int64))
                    .transpose()?,
            });
        }
        let sorted = self.ravel()?.sort_flat(true, need_perm)?;
        let values = sorted
            .values
            .ok_or_else(|| internal("unique: sort produced no values"))?;
        let flags = dense.empty(&[n], Type::Bool)?;
        slice1(&flags, 0, 1)?.fill(Scalar::new(true))?;
        if n > 1 {
            let mut task = dense.rt.create_auto_task(&dense.lib, ids::UNIQUE_FLAGS)?;
            let vc = task.add_input(&slice1(&values, 1, n as i64)?.store);
            let vp = task.add_input(&slice1(&values, 0, n as i64 - 1)?.store);
            let vo = task.add_output(&slice1(&flags, 1, n as i64)?.store);
            task.add_constraint(align(vc, vo));
            task.add_constraint(align(vp, vo));
            task.execute()?;
        }
        let unique = values.extract(&flags)?;
        let indices = match (&sorted.indices, options.return_index) {
            (Some(perm), true) => Some(perm.extract(&flags)?),
            _ => None,
        };
        let counts = if options.return_counts {
            let starts = flags.flatnonzero()?;
            let m = starts.size() as i64;
            let ends = dense.concatenate(
                &[
                    slice1(&starts, 1, m)?,
                    dense.full(&[1], Scalar::new(n as i64), Type::Int64)?,
                ],
                0,
            )?;
            Some(ends.subtract(&starts)?)
        } else {
            None
        };
        let inverse = match (&sorted.indices, options.return_inverse) {
            (Some(perm), true) => {
                let groups = running_groups(&flags)?;
                let inverse = dense.empty(&[n], Type::Int64)?;
                dense
                    .rt
                    .scatter(&inverse.store, &perm.store, &groups.store)?;
                let shape: Vec<i64> = self.shape().iter().map(|&e| e as i64).collect();
                Some(inverse.reshape(&shape)?)
            }
            _ => None,
        };
        Ok(Unique {
            values: unique,
            indices,
            inverse,
            counts,
        })
    }
}

impl Array {
    /// Checks `kth` against the extent along `axis` (NumPy's `partition` arguments) and
    /// gives the positions counted from the start, ascending, without repeats.
    fn check_kth(&self, kth: &[i64], axis: Option<isize>) -> Result<Vec<u64>> {
        let n = match axis {
            None => self.size(),
            Some(a) => self.shape()[normalize_axis(a, self.ndim())?],
        } as i64;
        if let Some(&k) = kth.iter().find(|&&k| k < -n || k >= n) {
            return Err(Error::IndexOutOfBounds {
                dim: axis.map_or(0, |a| a.unsigned_abs()),
                index: k,
                extent: n as u64,
            });
        }
        let mut ks: Vec<u64> = kth.iter().map(|&k| k.rem_euclid(n.max(1)) as u64).collect();
        ks.sort_unstable();
        ks.dedup();
        Ok(ks)
    }

    /// Partitions lanes (of the flattened array when `axis` is `None`): values and/or
    /// positions, as [`sort_any`](Self::sort_any) gives them.
    fn partition_any(&self, kth: &[i64], axis: Option<isize>, values: bool) -> Result<Array> {
        let ks = self.check_kth(kth, axis)?;
        let (src, axis) = match axis {
            None => (self.ravel()?, 0),
            Some(a) => (self.clone(), normalize_axis(a, self.ndim())?),
        };
        if ks.is_empty() {
            // NumPy: an empty `kth` leaves the order as it is.
            return match values {
                true => src.copy(),
                false => {
                    let n = src.shape()[axis] as f64;
                    let mut shape = vec![1i64; src.ndim()];
                    shape[axis] = src.shape()[axis] as i64;
                    let lane = self
                        .dense
                        .arange(0.0, n, 1.0, Type::Int64)?
                        .reshape(&shape)?;
                    lane.broadcast_to(&src.shape())?.copy()
                }
            };
        }
        let shape = src.shape();
        let ty = if values { src.dtype() } else { Type::Int64 };
        let out = self.dense.empty(&shape, ty)?;
        let last = |a: &Array| a.moveaxis(axis as isize, -1);
        let view = last(&out)?;
        let (v, i) = match values {
            true => (Some(&view), None),
            false => (None, Some(&view)),
        };
        last(&src)?.select_lanes_into(v, i, &ks)?;
        Ok(out)
    }

    /// NumPy's `partition(a, kth, axis)`: the elements at positions `kth` (negative from
    /// the end) are where a sort would put them, smaller ones before and larger ones
    /// after (in no particular order, as in NumPy). Each lane is partitioned by selection
    /// in linear time; pieces hold whole lanes, so a 1-D (or flattened) array is one
    /// piece, while the lanes of an n-d array are spread over the processors.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![3i64, 4, 2, 1], &[4]).unwrap();
    /// let p = a.partition(&[2], Some(0)).unwrap().to_vec::<i64>().unwrap();
    /// assert_eq!(p[2], 3);
    /// ```
    pub fn partition(&self, kth: &[i64], axis: Option<isize>) -> Result<Array> {
        self.partition_any(kth, axis, true)
    }

    /// NumPy's `argpartition(a, kth, axis)`: positions that partition the array as
    /// [`partition`](Self::partition) does.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![3i64, 4, 2, 1], &[4]).unwrap();
    /// let p = a.argpartition(&[0], Some(0)).unwrap().to_vec::<i64>().unwrap();
    /// assert_eq!(p[0], 3);
    /// ```
    pub fn argpartition(&self, kth: &[i64], axis: Option<isize>) -> Result<Array> {
        self.partition_any(kth, axis, false)
    }

    /// NumPy's `lexsort(keys)`: along the last axis of keys of one shape, the positions
    /// that sort by the last key, ties broken by the one before, and so on (stable).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Array, Dense};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let first = dense.from_vec(vec![1i64, 5, 1, 4, 3, 4, 4], &[7]).unwrap();
    /// let last = dense.from_vec(vec![9i64, 4, 0, 4, 0, 2, 1], &[7]).unwrap();
    /// let order = Array::lexsort(&[last, first]).unwrap();
    /// assert_eq!(order.to_vec::<i64>().unwrap(), vec![2, 0, 4, 6, 5, 3, 1]);
    /// ```
    pub fn lexsort(keys: &[Array]) -> Result<Array> {
        Array::lexsort_axis(keys, -1)
    }

    /// NumPy's `lexsort(keys, axis)`: [`lexsort`](Self::lexsort) along `axis` of n-d keys,
    /// each lane on its own. Built from one stable `argsort` along the axis and a gather
    /// per key (`take_along_axis`), from the first key to the last; 1-D keys are
    /// sample-sorted over all pieces, n-d ones sort whole lanes in parallel.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Array, Dense};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let minor = dense.from_vec(vec![2i64, 1, 0, 0, 1, 2], &[2, 3]).unwrap();
    /// let major = dense.from_vec(vec![1i64, 1, 0, 5, 5, 5], &[2, 3]).unwrap();
    /// let order = Array::lexsort_axis(&[minor, major], 1).unwrap();
    /// assert_eq!(order.to_vec::<i64>().unwrap(), vec![2, 1, 0, 0, 1, 2]);
    /// ```
    pub fn lexsort_axis(keys: &[Array], axis: isize) -> Result<Array> {
        let (first, rest) = keys.split_first().ok_or_else(|| Error::InvalidArgument {
            what: "need sequence of keys with len > 0 in lexsort".into(),
        })?;
        for k in rest {
            if k.shape() != first.shape() {
                return Err(Error::ShapeMismatch {
                    context: "lexsort: all keys need to be the same shape",
                    left: first.shape_u64(),
                    right: k.shape_u64(),
                });
            }
        }
        if first.ndim() == 0 {
            // NumPy: the one position of a scalar key.
            return first.dense.zeros(&[], Type::Int64);
        }
        let axis = normalize_axis(axis, first.ndim())? as isize;
        let gather = |a: &Array, order: &Array| match a.ndim() {
            1 => a.take(order),
            _ => a.take_along_axis(order, Some(axis)),
        };
        let mut order = first.argsort(Some(axis))?;
        for k in rest {
            let step = gather(k, &order)?.argsort(Some(axis))?;
            order = gather(&order, &step)?;
        }
        Ok(order)
    }
}

/// For 1-D flags, the running count of set flags minus one (the group of each element),
/// in two distributed passes: counts per block, then each block from its offset.
fn running_groups(flags: &Array) -> Result<Array> {
    let n = flags.size();
    let dense = &flags.dense;
    let (blocks, block) = blocks_for(flags, n);
    let counts = dense.empty(&[blocks], Type::Int64)?;
    let groups = dense.empty(&[n], Type::Int64)?;
    let tile = [block as u64];
    let launch = [blocks as u64];
    let mut task = dense
        .rt
        .create_manual_task(&dense.lib, ids::GROUP_COUNT, &launch)?;
    task.add_input_partition(&flags.store.partition_by_tiling(&tile)?)?;
    task.add_output_partition(&counts.store.partition_by_tiling(&[1])?)?;
    task.execute()?;
    let mut task = dense
        .rt
        .create_manual_task(&dense.lib, ids::GROUP_IDS, &launch)?;
    task.add_input(&counts.store);
    task.add_input_partition(&flags.store.partition_by_tiling(&tile)?)?;
    task.add_output_partition(&groups.store.partition_by_tiling(&tile)?)?;
    task.execute()?;
    Ok(groups)
}

/// The view `a[lo:hi]` of a 1-D array.
fn slice1(a: &Array, lo: i64, hi: i64) -> Result<Array> {
    a.index(&[crate::Index::range(lo, hi)])
}

fn internal(what: &str) -> Error {
    Error::Internal { what: what.into() }
}

/// Which end of a run of equal values [`Array::searchsorted`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Side {
    /// The first position where the value fits (`a[i-1] < v <= a[i]`).
    #[default]
    Left,
    /// The last position where the value fits (`a[i-1] <= v < a[i]`).
    Right,
}

/// What [`Array::unique`] returns besides the unique values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UniqueOptions {
    /// The position of the first occurrence of each unique value.
    pub return_index: bool,
    /// The position in the unique values of each element (in the input's shape).
    pub return_inverse: bool,
    /// How many times each unique value occurs.
    pub return_counts: bool,
}

/// The results of [`Array::unique`]; the optional ones are there when asked for.
#[derive(Clone, Debug)]
pub struct Unique {
    /// The sorted unique values.
    pub values: Array,
    /// First occurrences (`int64`).
    pub indices: Option<Array>,
    /// Inverse positions (`int64`, the input's shape).
    pub inverse: Option<Array>,
    /// Counts (`int64`).
    pub counts: Option<Array>,
}
