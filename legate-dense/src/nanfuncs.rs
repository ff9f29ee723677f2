//! Reductions that skip NaNs (`nansum`, `nanmax`, `nanmean`, `nanargmax`, ...) and
//! reductions with NumPy's `dtype=` (`sum_dtype`, `prod_dtype`, `mean_dtype`).
//!
//! A NaN-skipping reduction is one pass over each piece: the task folds the values that
//! are not NaN into the result and, where the function needs it, counts them (`int64`).
//! Of an array still deferred (`nansum(a * b)`), it is the fused reduction of
//! `where(isnan(x), identity, x)` and the count of `~isnan(x)`, so the array is never
//! written.
//! Over the whole array both are reductions the runtime combines across pieces; along an
//! axis, as the plain reductions with few results, the axis is cut in bands (one per
//! processor), each point folding its band into a row of partial values and counts that
//! one more point folds. For integer and boolean inputs the functions are the plain
//! reductions.

use legate_core::ndarray::{Axis, Dimension, Zip};
use legate_core::{align, Error, Library, ReductionOp, Result, Scalar, TaskContext, Type};

use crate::array::Array;
use crate::dtype;
use crate::kernels::BinaryOp;
use crate::ops::{Bands, Operand};
use crate::scans::{has_nan, ids, is_nan, op_arg, op_code};
use crate::tasks::{combiner, elementwise, unsupported, Elem, TaskResult};
use crate::views::normalize_axis;

/// What a NaN-skipping reduction of `T` folds: the operator's combiner and identity, and
/// the value each element gives (itself, or its squared deviation from the centre).
struct NanFold<T> {
    f: fn(T, T) -> T,
    identity: T,
    sub: fn(T, T) -> T,
    mul: fn(T, T) -> T,
    deviations: bool,
}

impl<T: Elem> NanFold<T> {
    fn of(ctx: &TaskContext<'_>) -> std::result::Result<Self, legate_core::TaskError> {
        let op = op_arg(ctx)?;
        Ok(NanFold {
            f: combiner::<T>(op).ok_or_else(|| unsupported(op.name(), T::TYPE))?,
            identity: op.identity(T::TYPE)?.get::<T>()?,
            sub: T::binary(BinaryOp::Subtract).ok_or_else(|| unsupported("subtract", T::TYPE))?,
            mul: T::binary(BinaryOp::Multiply).ok_or_else(|| unsupported("multiply", T::TYPE))?,
            deviations: ctx.num_inputs() > 1,
        })
    }

    /// `acc` folded with `v` (its deviation from `m`), and the count, unless `v` is NaN.
    #[inline]
    fn step(&self, acc: &mut T, count: &mut i64, v: T, m: T) {
        if !is_nan(v) {
            let v = if self.deviations {
                let d = (self.sub)(v, m);
                (self.mul)(d, d)
            } else {
                v
            };
            *acc = (self.f)(*acc, v);
            *count += 1;
        }
    }
}

/// Folds a band of axis `scalar 1` of a piece into an output piece of extent 1 along that
/// axis (a row of partial results), skipping NaNs, with the operator of scalar 0: the
/// values (or, with a second input `m`, their squared deviations `(x - m)^2`) into output
/// 0, and their count into output 1 when there is one.
fn nan_reduce_axis<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let fold = NanFold::<T>::of(ctx)?;
    let axis = ctx.scalar_value::<u64>(1)? as usize;
    let x = ctx.input(0)?.read::<T>()?;
    let centre = if fold.deviations {
        ctx.input(1)?.read::<T>()?
    } else {
        x.view()
    };
    let mut out = ctx.output(0)?.write::<T>()?;
    let mut counts = match ctx.num_outputs() > 1 {
        true => Some(ctx.output(1)?.write::<i64>()?),
        false => None,
    };
    let n = x.ndim();
    let row_of = |shape: &[usize]| {
        axis < n
            && shape.len() == n
            && shape[axis] == 1
            && (0..n).all(|d| d == axis || shape[d] == x.shape()[d])
    };
    if centre.shape() != x.shape()
        || !row_of(out.shape())
        || counts.as_ref().is_some_and(|c| !row_of(c.shape()))
    {
        return Err(legate_core::TaskError::new(format!(
            "nan_reduce_axis: outputs {:?} for a piece {:?} along axis {axis}",
            out.shape(),
            x.shape()
        )));
    }
    out.fill(fold.identity);
    let mut none = None;
    let mut counted = match counts.as_mut() {
        Some(c) => {
            c.fill(0);
            c.view_mut()
        }
        None => none
            .insert(legate_core::ndarray::ArrayD::<i64>::zeros(out.shape()))
            .view_mut(),
    };
    // Row by row into the row of results, one block per index of the dimensions before
    // the axis (contiguous blocks as slices).
    for index in legate_core::ndarray::indices(&x.shape()[..axis]) {
        let (mut xs, mut ms) = (x.view(), centre.view());
        let (mut acc, mut cnt) = (out.view_mut(), counted.view_mut());
        for &i in index.slice() {
            xs = xs.index_axis_move(Axis(0), i);
            ms = ms.index_axis_move(Axis(0), i);
            acc = acc.index_axis_move(Axis(0), i);
            cnt = cnt.index_axis_move(Axis(0), i);
        }
        let blocks = (
            xs.as_slice(),
            ms.as_slice(),
            acc.as_slice_mut(),
            cnt.as_slice_mut(),
        );
        if let (Some(xs), Some(ms), Some(acc), Some(cnt)) = blocks {
            let width = acc.len();
            for (row, mrow) in xs
                .chunks_exact(width.max(1))
                .zip(ms.chunks_exact(width.max(1)))
            {
                for (((a, c), &v), &m) in acc.iter_mut().zip(cnt.iter_mut()).zip(row).zip(mrow) {
                    fold.step(a, c, v, m);
                }
            }
            continue;
        }
        let (mut acc, mut cnt) = (
            acc.index_axis_move(Axis(0), 0),
            cnt.index_axis_move(Axis(0), 0),
        );
        for (row, mrow) in xs.axis_iter(Axis(0)).zip(ms.axis_iter(Axis(0))) {
            Zip::from(&mut acc)
                .and(&mut cnt)
                .and(&row)
                .and(&mrow)
                .for_each(|a, c, &v, &m| fold.step(a, c, v, m));
        }
    }
    Ok(())
}

/// Folds the non-NaN values of a piece (or, with a second input `m`, their squared
/// deviations `(x - m)^2`) into reduction 0 with the operator of scalar 0, and counts them
/// into reduction 1 when there is one: a reduction of the whole array.
fn nan_reduce<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let fold = NanFold::<T>::of(ctx)?;
    let x = ctx.input(0)?.read::<T>()?;
    let centre = if fold.deviations {
        ctx.input(1)?.read::<T>()?
    } else {
        x.view()
    };
    if centre.shape() != x.shape() {
        return Err(legate_core::TaskError::new(
            "mean and piece differ in shape",
        ));
    }
    let mut acc = ctx.reduction(0)?.write::<T>()?;
    if acc.len() != 1 {
        return Err(legate_core::TaskError::new(format!(
            "accumulator of shape {:?} for a reduction of a whole piece",
            acc.shape()
        )));
    }
    let step = |(mut a, mut n): (T, i64), &v: &T, &m: &T| {
        fold.step(&mut a, &mut n, v, m);
        (a, n)
    };
    let f = fold.f;
    let (total, n) = match ctx.pool() {
        Some(pool) => pool.install(|| {
            Zip::from(&x).and(&centre).par_fold(
                || (fold.identity, 0i64),
                step,
                |(a, n), (b, k)| (f(a, b), n + k),
            )
        }),
        None => Zip::from(&x).and(&centre).fold((fold.identity, 0i64), step),
    };
    acc.fill(total);
    if ctx.num_reductions() > 1 {
        ctx.reduction(1)?.write::<i64>()?.fill(n);
    }
    Ok(())
}

pub(crate) fn register(lib: &Library) -> Result<()> {
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::NAN_REDUCE,
        elementwise("nan_reduce", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, nan_reduce(ctx))
        }),
    )?;
    lib.register_task(
        ids::NAN_REDUCE_AXIS,
        elementwise("nan_reduce_axis", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, nan_reduce_axis(ctx))
        })
        .writes_whole_outputs(),
    )?;
    Ok(())
}

fn empty_reduction(name: &str) -> Error {
    Error::InvalidArgument {
        what: format!("zero-size array to reduction operation {name} which has no identity"),
    }
}

fn missing_counts() -> Error {
    Error::Internal {
        what: "a NaN reduction lost its counts".into(),
    }
}

fn all_nan() -> Error {
    Error::InvalidArgument {
        what: "All-NaN slice encountered".into(),
    }
}

impl Array {
    /// The extent reduced over `axis` (all elements when `None`).
    fn reduced_len(&self, axis: Option<isize>) -> Result<usize> {
        let shape = self.shape();
        Ok(match axis {
            None => self.size(),
            Some(a) => shape[normalize_axis(a, shape.len())?],
        })
    }

    /// Reduces the non-NaN values (or their squared deviations from `centre`, broadcast
    /// to this shape) with `op` in type `ty`; also counts them when `count`.
    fn nan_reduce(
        &self,
        op: ReductionOp,
        axis: Option<isize>,
        keepdims: bool,
        ty: Type,
        centre: Option<&Array>,
        count: bool,
    ) -> Result<(Array, Option<Array>)> {
        let x = self.as_type(ty)?;
        let code = op_code(op)?;
        let identity = op.identity(ty)?;
        let shape = self.shape();
        let rt = &self.dense.rt;
        let centre = centre
            .map(|c| c.as_type(ty)?.broadcast_to(&shape))
            .transpose()?;
        if rt.is_deferred(&x.store) {
            return x.nan_reduce_fused(op, axis, keepdims, centre.as_ref(), count);
        }
        let (out, counts) = match axis {
            None => {
                let out = rt.create_scalar_store(identity)?;
                let counts = rt.create_scalar_store(Scalar::new(0i64))?;
                let mut task = rt.create_auto_task(&self.dense.lib, ids::NAN_REDUCE)?;
                let vx = task.add_input(&x.store);
                if let Some(c) = &centre {
                    let vc = task.add_input(&c.store);
                    task.add_constraint(align(vx, vc));
                }
                task.add_reduction(&out, op);
                if count {
                    task.add_reduction(&counts, ReductionOp::Add);
                }
                task.add_scalar_arg(code);
                task.execute()?;
                (
                    Array::new(&self.dense, out),
                    Array::new(&self.dense, counts),
                )
            }
            Some(axis) => {
                let axis = normalize_axis(axis, shape.len())?;
                let mut kept = shape.clone();
                kept[axis] = 1;
                let (out, counts) = if x.size() > 0 {
                    let out = self.dense.empty(&kept, ty)?;
                    let counts = self.dense.empty(&kept, Type::Int64)?;
                    let counted = count.then_some(&counts);
                    x.nan_reduce_in_bands(centre.as_ref(), axis, code, &out, counted)?;
                    (out, counts)
                } else {
                    (
                        self.dense.full(&kept, identity, ty)?,
                        self.dense.zeros(&kept, Type::Int64)?,
                    )
                };
                (
                    out.squeeze(Some(axis as isize))?,
                    counts.squeeze(Some(axis as isize))?,
                )
            }
        };
        let keep = |a: Array| -> Result<Array> {
            match (keepdims, axis) {
                (false, _) => Ok(a),
                (true, None) => a.reshape(&vec![1; shape.len()]),
                (true, Some(ax)) => a.expand_dims(normalize_axis(ax, shape.len())? as isize),
            }
        };
        let counts = if count { Some(keep(counts)?) } else { None };
        Ok((keep(out)?, counts))
    }

    /// [`nan_reduce`](Self::nan_reduce) of an array still deferred, as NumPy defines it:
    /// the reduction of `where(isnan(x), identity, x)` (or of the squared deviations), and
    /// the count of `~isnan(x)`. Every step is a fused element-wise operation, and the
    /// reductions join the group that computes this array, which is never written.
    fn nan_reduce_fused(
        &self,
        op: ReductionOp,
        axis: Option<isize>,
        keepdims: bool,
        centre: Option<&Array>,
        count: bool,
    ) -> Result<(Array, Option<Array>)> {
        let ty = self.dtype();
        let nan = self.isnan()?;
        let values = match centre {
            Some(c) => {
                let d = self.subtract(c)?;
                d.multiply(&d)?
            }
            None => self.clone(),
        };
        let identity = self.dense.scalar(op.identity(ty)?)?;
        let kept = Array::where_(&nan, &identity, &values)?;
        let out = kept.reduce(op, axis, keepdims, ty)?;
        let counts = match count {
            true => {
                Some(
                    nan.logical_not()?
                        .reduce(ReductionOp::Add, axis, keepdims, Type::Int64)?,
                )
            }
            false => None,
        };
        Ok((out, counts))
    }

    /// Reduces the non-NaN values of this array (or their squared deviations from
    /// `centre`) along `axis` into `out` (this shape with extent 1 there), counting them
    /// into `counts` when given: the axis is cut in bands, each point folding its band into
    /// a row of partial results that one more point folds.
    fn nan_reduce_in_bands(
        &self,
        centre: Option<&Array>,
        axis: usize,
        code: u8,
        out: &Array,
        counts: Option<&Array>,
    ) -> Result<()> {
        let shape = self.shape();
        let bands = Bands::of(&self.dense, &shape, axis);
        let partial = |kept: &Array| -> Result<Array> {
            if bands.count == 1 {
                return Ok(kept.clone());
            }
            self.dense.empty(&bands.partial_shape(&shape), kept.dtype())
        };
        let (values, counted) = (partial(out)?, counts.map(partial).transpose()?);
        let rt = &self.dense.rt;
        let mut task =
            rt.create_manual_task(&self.dense.lib, ids::NAN_REDUCE_AXIS, &bands.colors)?;
        task.add_input_partition(&self.store.partition_by_tiling(&bands.tile)?)?;
        if let Some(c) = centre {
            task.add_input_partition(&c.store.partition_by_tiling(&bands.tile)?)?;
        }
        task.add_output_partition(&values.store.partition_by_tiling(&bands.row)?)?;
        if let Some(c) = &counted {
            task.add_output_partition(&c.store.partition_by_tiling(&bands.row)?)?;
        }
        task.add_scalar_arg(code);
        task.add_scalar_arg(axis as u64);
        task.execute()?;
        if bands.count > 1 {
            values.fold_rows(axis, code, out)?;
            if let (Some(c), Some(counts)) = (&counted, counts) {
                c.fold_rows(axis, op_code(ReductionOp::Add)?, counts)?;
            }
        }
        Ok(())
    }

    /// `result` where `counts` is positive, NaN where nothing was counted.
    fn nan_where_none(&self, result: Array, counts: Option<Array>) -> Result<Array> {
        let counts = counts.ok_or_else(missing_counts)?;
        let none = counts.binary_scalar(BinaryOp::LessEqual, 0i64, false)?;
        let nan = self
            .dense
            .scalar(Scalar::new(f64::NAN).cast(result.dtype()))?;
        Array::where_(&none, &nan, &result)
    }

    /// The sum over `axis` treating NaNs as zero (NumPy's `nansum`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, 2.0, 4.0], &[2, 2]).unwrap();
    /// assert_eq!(a.nansum(None, false).unwrap().item::<f64>().unwrap(), 7.0);
    /// assert_eq!(a.nansum(Some(0), false).unwrap().to_vec::<f64>().unwrap(), vec![3.0, 4.0]);
    /// ```
    pub fn nansum(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        if !has_nan(self.dtype()) {
            return self.sum(axis, keepdims);
        }
        let ty = dtype::sum_type(self.dtype());
        Ok(self
            .nan_reduce(ReductionOp::Add, axis, keepdims, ty, None, false)?
            .0)
    }

    /// The product over `axis` treating NaNs as one (NumPy's `nanprod`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![2.0, f64::NAN, 3.0], &[3]).unwrap();
    /// assert_eq!(a.nanprod(None, false).unwrap().item::<f64>().unwrap(), 6.0);
    /// ```
    pub fn nanprod(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        if !has_nan(self.dtype()) {
            return self.prod(axis, keepdims);
        }
        let ty = dtype::sum_type(self.dtype());
        Ok(self
            .nan_reduce(ReductionOp::Mul, axis, keepdims, ty, None, false)?
            .0)
    }

    fn nan_extreme(&self, axis: Option<isize>, keepdims: bool, max: bool) -> Result<Array> {
        if !has_nan(self.dtype()) {
            return if max {
                self.max(axis, keepdims)
            } else {
                self.min(axis, keepdims)
            };
        }
        if self.reduced_len(axis)? == 0 {
            return Err(empty_reduction(if max { "fmax" } else { "fmin" }));
        }
        let op = if max {
            ReductionOp::Max
        } else {
            ReductionOp::Min
        };
        let (r, counts) = self.nan_reduce(op, axis, keepdims, self.dtype(), None, true)?;
        self.nan_where_none(r, counts)
    }

    /// The largest value over `axis` ignoring NaNs (NumPy's `nanmax`): NaN where a slice
    /// is all NaN (NumPy also warns); an error for an empty reduction.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, f64::NAN, f64::NAN], &[2, 2]).unwrap();
    /// let m = a.nanmax(Some(1), false).unwrap().to_vec::<f64>().unwrap();
    /// assert_eq!(m[0], 1.0);
    /// assert!(m[1].is_nan());
    /// ```
    pub fn nanmax(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.nan_extreme(axis, keepdims, true)
    }

    /// The smallest value over `axis` ignoring NaNs (NumPy's `nanmin`; see
    /// [`nanmax`](Self::nanmax)).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![3.0, f64::NAN, 2.0], &[3]).unwrap();
    /// assert_eq!(a.nanmin(None, false).unwrap().item::<f64>().unwrap(), 2.0);
    /// ```
    pub fn nanmin(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.nan_extreme(axis, keepdims, false)
    }

    /// The mean of the non-NaN values over `axis` (NumPy's `nanmean`): NaN for an
    /// all-NaN or empty slice. Sum and count are one pass.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, 3.0], &[3]).unwrap();
    /// assert_eq!(a.nanmean(None, false).unwrap().item::<f64>().unwrap(), 2.0);
    /// ```
    pub fn nanmean(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        if !has_nan(self.dtype()) {
            return self.mean(axis, keepdims);
        }
        let ty = dtype::mean_type(self.dtype());
        let (total, counts) = self.nan_reduce(ReductionOp::Add, axis, keepdims, ty, None, true)?;
        let counts = counts.ok_or_else(missing_counts)?;
        // As NumPy: the division promotes (float32 / int64 is float64), then casts back.
        total.divide(&counts)?.as_type(ty)
    }

    /// The variance of the non-NaN values over `axis` with `ddof` delta degrees of freedom
    /// (NumPy's `nanvar`): NaN where no more than `ddof` values are left.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, 3.0], &[3]).unwrap();
    /// assert_eq!(a.nanvar(None, 0, false).unwrap().item::<f64>().unwrap(), 1.0);
    /// assert_eq!(a.nanvar(None, 1, false).unwrap().item::<f64>().unwrap(), 2.0);
    /// ```
    pub fn nanvar(&self, axis: Option<isize>, ddof: usize, keepdims: bool) -> Result<Array> {
        if self.dtype().is_complex() {
            return Err(Error::NotImplemented {
                what: "nanvar and nanstd of complex arrays".into(),
            });
        }
        if !has_nan(self.dtype()) {
            return self.var(axis, ddof, keepdims);
        }
        let ty = dtype::var_type(self.dtype());
        let x = self.as_type(ty)?;
        let mean = x.nanmean(axis, true)?;
        let (squares, counts) =
            x.nan_reduce(ReductionOp::Add, axis, keepdims, ty, Some(&mean), true)?;
        let counts = counts.ok_or_else(missing_counts)?;
        let dof = (&counts - Operand::Int(ddof as i64))?;
        let var = squares.divide(&dof)?.as_type(ty)?;
        self.nan_where_none(var, Some(dof))
    }

    /// The standard deviation of the non-NaN values (NumPy's `nanstd`; the square root of
    /// [`nanvar`](Self::nanvar)).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1.0, f64::NAN, 5.0], &[3]).unwrap();
    /// assert_eq!(a.nanstd(None, 0, false).unwrap().item::<f64>().unwrap(), 2.0);
    /// ```
    pub fn nanstd(&self, axis: Option<isize>, ddof: usize, keepdims: bool) -> Result<Array> {
        self.nanvar(axis, ddof, keepdims)?.sqrt()
    }

    /// Index of the largest non-NaN value along `axis` (of the flattened array when
    /// `None`), the first on ties (NumPy's `nanargmax`). An all-NaN slice is an error
    /// (NumPy's `ValueError`), found by waiting for the counts.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![f64::NAN, 3.0, 1.0, 3.0], &[4]).unwrap();
    /// assert_eq!(a.nanargmax(None).unwrap().item::<i64>().unwrap(), 1);
    /// let all_nan = d.from_vec(vec![f64::NAN; 2], &[2]).unwrap();
    /// assert!(all_nan.nanargmax(None).is_err());
    /// ```
    pub fn nanargmax(&self, axis: Option<isize>) -> Result<Array> {
        self.nan_arg_extreme(axis, true)
    }

    /// Index of the smallest non-NaN value along `axis` (NumPy's `nanargmin`; see
    /// [`nanargmax`](Self::nanargmax)).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![2.0, f64::NAN, 1.0, 1.0], &[2, 2]).unwrap();
    /// assert_eq!(a.nanargmin(Some(1)).unwrap().to_vec::<i64>().unwrap(), vec![0, 0]);
    /// ```
    pub fn nanargmin(&self, axis: Option<isize>) -> Result<Array> {
        self.nan_arg_extreme(axis, false)
    }

    /// The extremes skipping NaNs (with their counts, to reject all-NaN slices), then the
    /// first position equal to its slice's extreme, as `argmax` finds it (a fused
    /// comparison and a minimum along the axis).
    fn nan_arg_extreme(&self, axis: Option<isize>, max: bool) -> Result<Array> {
        if !has_nan(self.dtype()) {
            return if max {
                self.argmax(axis)
            } else {
                self.argmin(axis)
            };
        }
        let Some(axis) = axis else {
            return self.ravel()?.nan_arg_extreme(Some(0), max);
        };
        let shape = self.shape();
        let axis = normalize_axis(axis, shape.len())?;
        let n = shape[axis];
        if n == 0 {
            return Err(Error::InvalidArgument {
                what: format!(
                    "attempt to get {} of an empty sequence",
                    if max { "nanargmax" } else { "nanargmin" }
                ),
            });
        }
        let op = if max {
            ReductionOp::Max
        } else {
            ReductionOp::Min
        };
        let (ext, counts) =
            self.nan_reduce(op, Some(axis as isize), true, self.dtype(), None, true)?;
        let counts = counts.ok_or_else(missing_counts)?;
        if counts.min(None, false)?.item::<i64>()? == 0 {
            return Err(all_nan());
        }
        // `ext` holds no NaN (no slice is all NaN), so NaNs never equal it.
        self.equal(&ext)?.first_true(axis)
    }
}

impl Array {
    /// `sum(axis, keepdims, dtype=dtype)`: the elements are cast to `dtype` and summed in it.
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![200u8, 100], &[2]).unwrap();
    /// assert_eq!(a.sum_dtype(None, false, Type::UInt8).unwrap().item::<u8>().unwrap(), 44);
    /// let s = a.sum_dtype(None, false, Type::Float32).unwrap();
    /// assert_eq!((s.dtype(), s.item::<f32>().unwrap()), (Type::Float32, 300.0));
    /// ```
    pub fn sum_dtype(&self, axis: Option<isize>, keepdims: bool, dtype: Type) -> Result<Array> {
        self.reduce(ReductionOp::Add, axis, keepdims, dtype)
    }

    /// `prod(axis, keepdims, dtype=dtype)`.
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![2i32, 3, 4], &[3]).unwrap();
    /// let p = a.prod_dtype(None, false, Type::Float64).unwrap();
    /// assert_eq!((p.dtype(), p.item::<f64>().unwrap()), (Type::Float64, 24.0));
    /// ```
    pub fn prod_dtype(&self, axis: Option<isize>, keepdims: bool, dtype: Type) -> Result<Array> {
        self.reduce(ReductionOp::Mul, axis, keepdims, dtype)
    }

    /// `mean(axis, keepdims, dtype=dtype)`: summed in `dtype`, divided, and returned in
    /// `dtype` (an integer `dtype` truncates, as NumPy's unsafe cast of the quotient).
    ///
    /// ```
    /// use legate_core::{Runtime, Type};
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i32, 2], &[2]).unwrap();
    /// let m = a.mean_dtype(None, false, Type::Float32).unwrap();
    /// assert_eq!((m.dtype(), m.item::<f32>().unwrap()), (Type::Float32, 1.5));
    /// assert_eq!(a.mean_dtype(None, false, Type::Int64).unwrap().item::<i64>().unwrap(), 1);
    /// ```
    pub fn mean_dtype(&self, axis: Option<isize>, keepdims: bool, dtype: Type) -> Result<Array> {
        let n = self.reduced_len(axis)?;
        let total = self.reduce(ReductionOp::Add, axis, keepdims, dtype)?;
        total
            .binary_scalar(BinaryOp::TrueDivide, Operand::Float(n as f64), false)?
            .as_type(dtype)
    }
}
