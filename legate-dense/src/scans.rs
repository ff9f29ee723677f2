//! Scans: `cumsum`, `cumprod`, `nancumsum`, `nancumprod` (with NumPy's `dtype=`).
//!
//! A scan is a manual launch over a tiling the library chooses, preferring to cut the axes
//! the scan does not run along: pieces that hold whole lanes are independent and scan in
//! one step. Along a cut axis it takes three: each piece reduces its block to one total
//! per lane (parallel), the totals are combined into exclusive prefixes along the axis
//! (small: one value per piece and lane), and each piece scans its block starting from its
//! prefix (parallel). Starting each block from its offset, rather than adding the offset to
//! a finished block scan, reads the input once more instead of a temporary of the same size
//! and needs no second array. Every task has an OMP variant: many lanes are spread over the
//! group's threads; a piece with fewer lanes than threads scans each lane in chunks, the
//! same three steps within the piece.

use legate_core::geometry::choose_colors;
use legate_core::ndarray::parallel::prelude::*;
use legate_core::ndarray::{ArrayD, ArrayView1, ArrayViewMut1, Axis, IxDyn, Zip};
use legate_core::{
    align, broadcast, Error, Library, ReductionOp, Result, Scalar, TaskContext, TaskError,
    TaskInfo, Type, VariantKind,
};

use crate::array::Array;
use crate::context::Dense;
use crate::dtype;
use crate::kernels::{Kind, Num};
use crate::tasks::{combiner, elementwise, unsupported, Elem, TaskResult, REDUCTION_OPS};
use crate::views::normalize_axis;

/// Task ids of this module (400-499).
pub(crate) mod ids {
    /// Scans each piece along the axis, from a given prefix per lane.
    pub(crate) const SCAN: u32 = 400;
    /// Reduces each piece to one total per lane along the axis.
    pub(crate) const SCAN_TOTALS: u32 = 401;
    /// Exclusive prefixes of the per-piece totals, lane by lane.
    pub(crate) const SCAN_PREFIX: u32 = 402;
    /// NaN-skipping reductions (`nanfuncs`).
    pub(crate) const NAN_REDUCE: u32 = 403;
    /// NaN-skipping reductions of a band of an axis into a row of partial results.
    pub(crate) const NAN_REDUCE_AXIS: u32 = 405;
}

/// Fewest elements a thread of an OMP group scans on its own within one lane.
const MIN_THREAD_CHUNK: usize = 4096;

/// Whether a value is NaN (for complex numbers: either part, as `np.isnan`).
pub(crate) fn is_nan<T: Num>(v: T) -> bool {
    match T::KIND {
        Kind::Float | Kind::Complex => {
            let c = v.to_c64();
            c.re.is_nan() || c.im.is_nan()
        }
        Kind::Int | Kind::Bool => false,
    }
}

/// Whether NaN-functions differ from the plain ones for this type.
pub(crate) fn has_nan(ty: Type) -> bool {
    ty.is_float() || ty.is_complex()
}

/// The code a launch passes for a reduction operator.
pub(crate) fn op_code(op: ReductionOp) -> Result<u8> {
    REDUCTION_OPS
        .iter()
        .position(|&o| o == op)
        .map(|p| p as u8)
        .ok_or_else(|| Error::NotImplemented {
            what: format!("{} scans", op.name()),
        })
}

/// The reduction operator of a task's first scalar argument.
pub(crate) fn op_arg(ctx: &TaskContext<'_>) -> std::result::Result<ReductionOp, TaskError> {
    let code = ctx.scalar_value::<u8>(0)?;
    REDUCTION_OPS
        .get(usize::from(code))
        .copied()
        .ok_or_else(|| TaskError::new(format!("no reduction operator {code}")))
}

/// What a scan kernel needs: the operator, its identity, the axis, whether NaNs count as
/// the identity.
struct Scan<T> {
    f: fn(T, T) -> T,
    identity: T,
    axis: usize,
    skip_nan: bool,
}

impl<T: Elem> Scan<T> {
    /// Scalars: operator code, axis, skip NaNs.
    fn from_ctx(ctx: &TaskContext<'_>, ndim: usize) -> std::result::Result<Self, TaskError> {
        let op = op_arg(ctx)?;
        let f = combiner::<T>(op).ok_or_else(|| unsupported(op.name(), T::TYPE))?;
        let identity = op.identity(T::TYPE)?.get::<T>()?;
        let axis = ctx.scalar_value::<u64>(1)? as usize;
        if axis >= ndim {
            return Err(TaskError::new(format!(
                "scan axis {axis} of a {ndim}-d piece"
            )));
        }
        Ok(Scan {
            f,
            identity,
            axis,
            skip_nan: ctx.scalar_value::<bool>(2)?,
        })
    }

    #[inline]
    fn clean(&self, v: T) -> T {
        if self.skip_nan && is_nan(v) {
            self.identity
        } else {
            v
        }
    }

    fn fold(&self, x: ArrayView1<'_, T>) -> T {
        x.iter()
            .fold(self.identity, |a, &v| (self.f)(a, self.clean(v)))
    }

    fn scan(&self, init: T, x: ArrayView1<'_, T>, mut y: ArrayViewMut1<'_, T>) {
        let mut acc = init;
        for (y, &v) in y.iter_mut().zip(x.iter()) {
            acc = (self.f)(acc, self.clean(v));
            *y = acc;
        }
    }

    /// The shape of one value per lane of a piece of `shape`.
    fn lane_shape(&self, shape: &[usize]) -> Vec<usize> {
        let mut s = shape.to_vec();
        s[self.axis] = 1;
        s
    }
}

fn check_shape(what: &str, got: &[usize], want: &[usize]) -> TaskResult {
    if got != want {
        return Err(TaskError::new(format!(
            "{what} of shape {got:?}, expected {want:?}"
        )));
    }
    Ok(())
}

/// `y` = the scan of `x` along the axis, each lane starting from its prefix (input 1; the
/// identity when absent).
fn scan<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<T>()?;
    let s = Scan::<T>::from_ctx(ctx, x.ndim())?;
    let mut y = ctx.output(0)?.write::<T>()?;
    check_shape("scan output", y.shape(), x.shape())?;
    let lanes_shape = s.lane_shape(x.shape());
    let first;
    let prefix = if ctx.num_inputs() > 1 {
        ctx.input(1)?.read::<T>()?
    } else {
        first = ArrayD::from_elem(IxDyn(&lanes_shape), s.identity);
        first.view()
    };
    check_shape("scan prefix", prefix.shape(), &lanes_shape)?;
    let ax = Axis(s.axis);
    let lanes = x.len() / x.len_of(ax).max(1);
    match ctx.pool() {
        // Fewer lanes than threads: each lane is scanned by the whole group in chunks.
        Some(pool) if lanes < pool.current_num_threads() => {
            let chunk = x
                .len_of(ax)
                .div_ceil(pool.current_num_threads())
                .max(MIN_THREAD_CHUNK);
            for ((xl, mut yl), pl) in x
                .lanes(ax)
                .into_iter()
                .zip(y.lanes_mut(ax))
                .zip(prefix.lanes(ax))
            {
                let init = pl.first().copied().unwrap_or(s.identity);
                let totals: Vec<T> = pool.install(|| {
                    xl.axis_chunks_iter(Axis(0), chunk)
                        .into_par_iter()
                        .map(|c| s.fold(c))
                        .collect()
                });
                let mut offsets = Vec::with_capacity(totals.len());
                let mut acc = init;
                for t in totals {
                    offsets.push(acc);
                    acc = (s.f)(acc, t);
                }
                pool.install(|| {
                    xl.axis_chunks_iter(Axis(0), chunk)
                        .into_par_iter()
                        .zip(yl.axis_chunks_iter_mut(Axis(0), chunk))
                        .zip(offsets.par_iter())
                        .for_each(|((xc, yc), &o)| s.scan(o, xc, yc))
                });
            }
        }
        _ => run_zip!(
            ctx,
            Zip::from(x.lanes(ax))
                .and(y.lanes_mut(ax))
                .and(prefix.lanes(ax)),
            |xl, yl, pl| s.scan(pl.first().copied().unwrap_or(s.identity), xl, yl)
        ),
    }
    Ok(())
}

/// `t` = the reduction of each lane of `x` along the axis (one value per lane).
fn scan_totals<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<T>()?;
    let s = Scan::<T>::from_ctx(ctx, x.ndim())?;
    let mut t = ctx.output(0)?.write::<T>()?;
    check_shape("scan totals", t.shape(), &s.lane_shape(x.shape()))?;
    let ax = Axis(s.axis);
    let lanes = x.len() / x.len_of(ax).max(1);
    match ctx.pool() {
        Some(pool) if lanes < pool.current_num_threads() => {
            let chunk = x
                .len_of(ax)
                .div_ceil(pool.current_num_threads())
                .max(MIN_THREAD_CHUNK);
            for (xl, mut tl) in x.lanes(ax).into_iter().zip(t.lanes_mut(ax)) {
                let total = pool.install(|| {
                    xl.axis_chunks_iter(Axis(0), chunk)
                        .into_par_iter()
                        .map(|c| s.fold(c))
                        .reduce(|| s.identity, |a, b| (s.f)(a, b))
                });
                if let Some(v) = tl.first_mut() {
                    *v = total;
                }
            }
        }
        _ => run_zip!(
            ctx,
            Zip::from(x.lanes(ax)).and(t.lanes_mut(ax)),
            |xl, mut tl| if let Some(v) = tl.first_mut() {
                *v = s.fold(xl);
            }
        ),
    }
    Ok(())
}

/// `p` = the exclusive scan of `t` along the axis (each piece holds whole lanes).
fn scan_prefix<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let t = ctx.input(0)?.read::<T>()?;
    let s = Scan::<T>::from_ctx(ctx, t.ndim())?;
    let mut p = ctx.output(0)?.write::<T>()?;
    check_shape("scan prefix", p.shape(), t.shape())?;
    let ax = Axis(s.axis);
    run_zip!(
        ctx,
        Zip::from(t.lanes(ax)).and(p.lanes_mut(ax)),
        |tl, mut pl| {
            let mut acc = s.identity;
            for (p, &v) in pl.iter_mut().zip(tl.iter()) {
                *p = acc;
                acc = (s.f)(acc, v);
            }
        }
    );
    Ok(())
}

/// Registers the tasks of this module and of `nanfuncs`.
pub(crate) fn register(lib: &Library) -> Result<()> {
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::SCAN,
        elementwise("scan", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, scan(ctx))
        }),
    )?;
    lib.register_task(
        ids::SCAN_TOTALS,
        elementwise("scan_totals", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, scan_totals(ctx))
        }),
    )?;
    lib.register_task(
        ids::SCAN_PREFIX,
        elementwise("scan_prefix", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, scan_prefix(ctx))
        }),
    )?;
    crate::nanfuncs::register(lib)
}

/// The pieces a manual launch of `task_id` over `shape` is cut into, chosen as the mapper
/// would for an auto launch, but along the axes other than `axis` when they give as many.
fn scan_colors(dense: &Dense, task_id: u32, shape: &[u64], axis: usize) -> Result<Vec<u64>> {
    let rt = &dense.rt;
    let def = dense.lib.task(task_id)?;
    let variants = def.variants();
    let info = TaskInfo {
        library: dense.lib.name(),
        task_id,
        name: def.name(),
        variants: &variants,
        volume: shape.iter().product(),
    };
    let (mapper, machine) = (rt.mapper(), rt.machine());
    let mut variant = mapper.select_variant(machine, &info);
    // The runtime runs GPU variants only where it drives GPUs; these tasks have none.
    if !variants.contains(&variant) {
        variant = VariantKind::Cpu;
    }
    let pieces = mapper.num_pieces(machine, variant).max(1) as u64;
    let min_volume = mapper.min_piece_volume(machine, variant);
    let mut others = vec![true; shape.len()];
    others[axis] = false;
    let across = choose_colors(shape, pieces, min_volume, &others);
    let any = choose_colors(shape, pieces, min_volume, &vec![true; shape.len()]);
    if across.iter().product::<u64>() >= any.iter().product::<u64>() {
        Ok(across)
    } else {
        Ok(any)
    }
}

impl Array {
    /// The scan of `self` with `op` along `axis` (the flattened array when `None`), in
    /// type `ty`; NaNs count as the identity when `skip_nan`.
    fn scan(
        &self,
        op: ReductionOp,
        axis: Option<isize>,
        ty: Type,
        skip_nan: bool,
    ) -> Result<Array> {
        let (x, axis) = match axis {
            None => (self.ravel()?, 0),
            Some(a) => (self.clone(), normalize_axis(a, self.ndim())?),
        };
        let x = x.as_type(ty)?;
        let skip_nan = skip_nan && has_nan(ty);
        let code = op_code(op)?;
        op.identity(ty)?;
        let out = self.dense.empty(&x.shape(), ty)?;
        if x.size() == 0 {
            return Ok(out);
        }
        let rt = &self.dense.rt;
        let lib = &self.dense.lib;
        let shape = x.shape_u64();
        let colors = scan_colors(&self.dense, ids::SCAN, &shape, axis)?;
        let tile: Vec<u64> = shape
            .iter()
            .zip(&colors)
            .map(|(&s, &c)| s.div_ceil(c.max(1)))
            .collect();
        let px = x.store.partition_by_tiling(&tile)?;
        let py = out.store.partition_by_tiling(&tile)?;
        let launch = px.color_shape().to_vec();
        let cuts = launch[axis];
        let scalars = |add: &mut dyn FnMut(Scalar)| {
            add(Scalar::new(code));
            add(Scalar::new(axis as u64));
            add(Scalar::new(skip_nan));
        };
        let mut scan = rt.create_manual_task(lib, ids::SCAN, &launch)?;
        scan.add_input_partition(&px)?;
        if cuts > 1 {
            // One value per piece and lane: the totals, then their exclusive prefixes.
            let mut lanes_shape = shape.clone();
            lanes_shape[axis] = cuts;
            let mut lanes_tile = tile.clone();
            lanes_tile[axis] = 1;
            let totals = rt.create_store(ty, &lanes_shape)?;
            let mut task = rt.create_manual_task(lib, ids::SCAN_TOTALS, &launch)?;
            task.add_input_partition(&px)?;
            task.add_output_partition(&totals.partition_by_tiling(&lanes_tile)?)?;
            scalars(&mut |s| task.add_scalar_arg(s));
            task.execute()?;

            let prefix = rt.create_store(ty, &lanes_shape)?;
            let mut task = rt.create_auto_task(lib, ids::SCAN_PREFIX)?;
            let vt = task.add_input(&totals);
            let vp = task.add_output(&prefix);
            task.add_constraint(align(vt, vp));
            task.add_constraint(broadcast(vt, &[axis]));
            scalars(&mut |s| task.add_scalar_arg(s));
            task.execute()?;
            scan.add_input_partition(&prefix.partition_by_tiling(&lanes_tile)?)?;
        }
        scan.add_output_partition(&py)?;
        scalars(&mut |s| scan.add_scalar_arg(s));
        scan.execute()?;
        Ok(out)
    }

    /// The cumulative sum along `axis` (of the flattened array when `None`), NumPy's
    /// `cumsum`: booleans and small integers accumulate in `int64` (`uint64` for unsigned),
    /// as [`sum`](Self::sum) does.
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i32, 2, 3, 4, 5, 6], &[2, 3]).unwrap();
    /// let c = a.cumsum(Some(1)).unwrap();
    /// assert_eq!(c.dtype(), Type::Int64);
    /// assert_eq!(c.to_vec::<i64>().unwrap(), vec![1, 3, 6, 4, 9, 15]);
    /// assert_eq!(a.cumsum(None).unwrap().to_vec::<i64>().unwrap(), vec![1, 3, 6, 10, 15, 21]);
    /// ```
    pub fn cumsum(&self, axis: Option<isize>) -> Result<Array> {
        self.scan(ReductionOp::Add, axis, dtype::sum_type(self.dtype()), false)
    }

    /// The cumulative product along `axis` (NumPy's `cumprod`; types as [`cumsum`](Self::cumsum)).
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[4]).unwrap();
    /// assert_eq!(a.cumprod(None).unwrap().to_vec::<f64>().unwrap(), vec![1.0, 2.0, 6.0, 24.0]);
    /// ```
    pub fn cumprod(&self, axis: Option<isize>) -> Result<Array> {
        self.scan(ReductionOp::Mul, axis, dtype::sum_type(self.dtype()), false)
    }

    /// `cumsum(axis, dtype=dtype)`: the elements are cast to `dtype` and accumulated in it.
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
    /// let a = d.from_vec(vec![100u8, 100, 100], &[3]).unwrap();
    /// let c = a.cumsum_dtype(None, Type::UInt8).unwrap();
    /// assert_eq!(c.to_vec::<u8>().unwrap(), vec![100, 200, 44]); // wraps, as NumPy
    /// ```
    pub fn cumsum_dtype(&self, axis: Option<isize>, dtype: Type) -> Result<Array> {
        self.scan(ReductionOp::Add, axis, dtype, false)
    }

    /// `cumprod(axis, dtype=dtype)`.
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i64, 2, 3], &[3]).unwrap();
    /// let c = a.cumprod_dtype(None, Type::Float32).unwrap();
    /// assert_eq!(c.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 6.0]);
    /// ```
    pub fn cumprod_dtype(&self, axis: Option<isize>, dtype: Type) -> Result<Array> {
        self.scan(ReductionOp::Mul, axis, dtype, false)
    }

    /// The cumulative sum treating NaNs as zero (NumPy's `nancumsum`; for integers, the
    /// same as [`cumsum`](Self::cumsum)).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, 2.0], &[3]).unwrap();
    /// assert_eq!(a.nancumsum(None).unwrap().to_vec::<f64>().unwrap(), vec![1.0, 1.0, 3.0]);
    /// ```
    pub fn nancumsum(&self, axis: Option<isize>) -> Result<Array> {
        self.scan(ReductionOp::Add, axis, dtype::sum_type(self.dtype()), true)
    }

    /// The cumulative product treating NaNs as one (NumPy's `nancumprod`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![2.0, f64::NAN, 3.0], &[3]).unwrap();
    /// assert_eq!(a.nancumprod(None).unwrap().to_vec::<f64>().unwrap(), vec![2.0, 2.0, 6.0]);
    /// ```
    pub fn nancumprod(&self, axis: Option<isize>) -> Result<Array> {
        self.scan(ReductionOp::Mul, axis, dtype::sum_type(self.dtype()), true)
    }
}
