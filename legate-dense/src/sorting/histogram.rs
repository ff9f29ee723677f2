//! Counting: `bincount` and `histogram`. Each piece counts its elements into a private
//! accumulator of the whole result; the runtime adds the pieces' accumulators.

use std::ops::AddAssign;

use legate_core::ndarray::parallel::prelude::*;
use legate_core::{
    align, broadcast, Error, Library, ReductionOp, Result, TaskContext, TaskError, Type,
};

use crate::array::Array;
use crate::kernels::Num;
use crate::tasks::{elementwise, TaskResult};

use super::ids;

/// The bins of [`Array::histogram`]: a number of equal bins over the range, or the edges.
#[derive(Clone, Debug)]
pub enum Bins {
    /// This many equal-width bins (NumPy's `bins=10`).
    Count(usize),
    /// The bin edges, increasing (NumPy's `bins=[0, 1, 5]`); the last bin is closed.
    Edges(Array),
}

/// Adds `weight(k)` at `bins[k]` for every `k` whose bin is not `None`; on the task's OMP
/// group each thread counts a share into its own copy, then the copies are added.
fn accumulate<W>(
    ctx: &TaskContext<'_>,
    acc: &mut [W],
    bins: &[Option<usize>],
    weight: impl Fn(usize) -> W + Sync,
) where
    W: Copy + Default + Send + Sync + AddAssign,
{
    let count = |lo: usize, hi: usize, acc: &mut [W]| {
        for (k, b) in bins.iter().enumerate().take(hi).skip(lo) {
            if let Some(slot) = b.and_then(|b| acc.get_mut(b)) {
                *slot += weight(k);
            }
        }
    };
    match ctx.pool() {
        Some(pool) if bins.len() >= 8192 => {
            let threads = pool.current_num_threads().max(1);
            let share = bins.len().div_ceil(threads);
            let len = acc.len();
            let partial: Vec<Vec<W>> = pool.install(|| {
                (0..threads)
                    .into_par_iter()
                    .map(|t| {
                        let mut local = vec![W::default(); len];
                        count(t * share, ((t + 1) * share).min(bins.len()), &mut local);
                        local
                    })
                    .collect()
            });
            for local in partial {
                acc.iter_mut().zip(local).for_each(|(a, v)| *a += v);
            }
        }
        _ => count(0, bins.len(), acc),
    }
}

/// Counts (or adds weights, with scalar 0 set) into the reduction's accumulator.
fn count_into(ctx: &TaskContext<'_>, bins: &[Option<usize>]) -> TaskResult {
    let weighted = ctx.scalar_value::<bool>(0)?;
    let out = ctx.reduction(0)?;
    if weighted {
        let w: Vec<f64> = ctx.input(1)?.read::<f64>()?.iter().copied().collect();
        let mut acc = out.write::<f64>()?;
        let acc = acc
            .as_slice_mut()
            .ok_or_else(|| TaskError::new("accumulator not contiguous"))?;
        accumulate(ctx, acc, bins, |k| w.get(k).copied().unwrap_or(0.0));
    } else {
        let mut acc = out.write::<i64>()?;
        let acc = acc
            .as_slice_mut()
            .ok_or_else(|| TaskError::new("accumulator not contiguous"))?;
        accumulate(ctx, acc, bins, |_| 1i64);
    }
    Ok(())
}

/// `bincount` of a piece: its values are the bins.
fn bincount<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<T>()?;
    let bins: Vec<Option<usize>> = x
        .iter()
        .map(|v| usize::try_from(v.to_i128()).ok())
        .collect();
    count_into(ctx, &bins)
}

/// `histogram` of a piece against the edges (input 1 with weights, else input 1 too: the
/// edges come last). The last bin is closed; values outside the edges and NaNs are not
/// counted.
fn histogram<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<T>()?;
    let edges_at = ctx.num_inputs() - 1;
    let edges: Vec<f64> = ctx
        .input(edges_at)?
        .read::<f64>()?
        .iter()
        .copied()
        .collect();
    let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else {
        return Err(TaskError::new("histogram without edges"));
    };
    let nbins = edges.len().saturating_sub(1);
    let bins: Vec<Option<usize>> = x
        .iter()
        .map(|v| {
            let f = v.to_f64();
            if f.is_nan() || f < first || f > last {
                return None;
            }
            let above = edges.partition_point(|&e| e <= f);
            Some(above.saturating_sub(1).min(nbins.saturating_sub(1)))
        })
        .collect();
    count_into(ctx, &bins)
}

pub(crate) fn register(lib: &Library) -> legate_core::Result<()> {
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::BINCOUNT,
        elementwise("bincount", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, bincount(ctx))
        }),
    )?;
    lib.register_task(
        ids::HISTOGRAM,
        elementwise("histogram", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, histogram(ctx))
        }),
    )?;
    Ok(())
}

impl Array {
    /// Weights as `float64`, checked against this array's shape (NumPy casts them to
    /// double; complex weights are not accepted).
    fn weights_f64(&self, weights: Option<&Array>, op: &'static str) -> Result<Option<Array>> {
        let Some(w) = weights else {
            return Ok(None);
        };
        if w.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                context: "weights should have the same shape as a",
                left: self.shape_u64(),
                right: w.shape_u64(),
            });
        }
        if w.dtype().is_complex() {
            return Err(Error::UnsupportedType { op, ty: w.dtype() });
        }
        w.as_type(Type::Float64).map(Some)
    }

    /// Counts into `out` (zeros of `int64`, or `float64` with weights) with `task_id`:
    /// pieces of `self` (and of the weights) count in parallel, each into a private copy
    /// of the whole result, and the runtime adds the copies.
    fn count_launch(
        &self,
        task_id: u32,
        weights: Option<&Array>,
        edges: Option<&Array>,
        out: &Array,
    ) -> Result<()> {
        if self.size() == 0 || out.size() == 0 {
            return Ok(());
        }
        let mut task = self.dense.rt.create_auto_task(&self.dense.lib, task_id)?;
        let vx = task.add_input(&self.store);
        if let Some(w) = weights {
            let vw = task.add_input(&w.store);
            task.add_constraint(align(vx, vw));
        }
        if let Some(e) = edges {
            let ve = task.add_input(&e.store);
            task.add_constraint(broadcast(ve, &[]));
        }
        let vo = task.add_reduction(&out.store, ReductionOp::Add);
        task.add_constraint(broadcast(vo, &[]));
        task.add_scalar_arg(weights.is_some());
        task.execute()
    }

    /// The number of occurrences of each value of a 1-D array of non-negative integers
    /// (NumPy's `bincount`): `int64` counts, or `float64` sums of `weights`; at least
    /// `minlength` long. Distributed: a reduction of per-piece counts.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let x = dense.from_vec(vec![0i64, 1, 1, 3], &[4]).unwrap();
    /// assert_eq!(x.bincount(None, 0).unwrap().to_vec::<i64>().unwrap(), vec![1, 2, 0, 1]);
    /// ```
    pub fn bincount(&self, weights: Option<&Array>, minlength: usize) -> Result<Array> {
        if self.ndim() != 1 {
            return Err(Error::InvalidArgument {
                what: format!("bincount needs a 1-D array, not {}-d", self.ndim()),
            });
        }
        let ty = self.dtype();
        if !(ty.is_integer() || ty.is_bool()) || ty == Type::UInt64 {
            return Err(Error::TypeMismatch {
                expected: Type::Int64,
                found: ty,
            });
        }
        let w = self.weights_f64(weights, "bincount")?;
        let mut len = minlength;
        if self.size() > 0 {
            let as_i64 = |a: Array| a.astype(Type::Int64)?.item::<i64>();
            let (lo, hi) = (
                as_i64(self.min(None, false)?)?,
                as_i64(self.max(None, false)?)?,
            );
            if lo < 0 {
                return Err(Error::InvalidArgument {
                    what: "'list' argument must have no negative elements".into(),
                });
            }
            len = len.max(hi as usize + 1);
        }
        let out_ty = if w.is_some() {
            Type::Float64
        } else {
            Type::Int64
        };
        let out = self.dense.zeros(&[len], out_ty)?;
        self.count_launch(ids::BINCOUNT, w.as_ref(), None, &out)?;
        Ok(out)
    }

    /// The edges [`histogram`](Self::histogram) would use (NumPy's `histogram_bin_edges`):
    /// for a count, equal bins over `range` (the data's extent when `None`, widened by
    /// 0.5 on each side when it is one value), in `float64` (the float type of a float
    /// array); given edges are checked and returned as they are.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Bins, Dense};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let x = dense.from_vec(vec![1.0, 2.0, 5.0], &[3]).unwrap();
    /// let e = x.histogram_bin_edges(&Bins::Count(4), None).unwrap();
    /// assert_eq!(e.to_vec::<f64>().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    /// ```
    pub fn histogram_bin_edges(&self, bins: &Bins, range: Option<(f64, f64)>) -> Result<Array> {
        let ty = self.dtype();
        if ty.is_complex() || ty.is_bool() {
            return Err(Error::UnsupportedType {
                op: "histogram",
                ty,
            });
        }
        match bins {
            Bins::Edges(edges) => {
                if edges.ndim() != 1 {
                    return Err(Error::InvalidArgument {
                        what: "`bins` must be 1d, when an array".into(),
                    });
                }
                let e = edges.astype(Type::Float64)?.to_vec::<f64>()?;
                if e.windows(2).any(|w| w[0] > w[1]) || e.iter().any(|v| v.is_nan()) {
                    return Err(Error::InvalidArgument {
                        what: "`bins` must increase monotonically, when an array".into(),
                    });
                }
                Ok(edges.clone())
            }
            Bins::Count(n) => {
                let n = *n;
                if n == 0 {
                    return Err(Error::InvalidArgument {
                        what: "`bins` must be positive, when an integer".into(),
                    });
                }
                let (mut lo, mut hi) = match range {
                    Some((lo, hi)) => {
                        if lo > hi {
                            return Err(Error::InvalidArgument {
                                what: "max must be larger than min in range parameter".into(),
                            });
                        }
                        if !(lo.is_finite() && hi.is_finite()) {
                            return Err(Error::InvalidArgument {
                                what: format!("supplied range of [{lo}, {hi}] is not finite"),
                            });
                        }
                        (lo, hi)
                    }
                    None if self.size() == 0 => (0.0, 1.0),
                    None => {
                        let as_f64 = |a: Array| a.astype(Type::Float64)?.item::<f64>();
                        let (lo, hi) = (
                            as_f64(self.min(None, false)?)?,
                            as_f64(self.max(None, false)?)?,
                        );
                        if !(lo.is_finite() && hi.is_finite()) {
                            return Err(Error::InvalidArgument {
                                what: format!("autodetected range of [{lo}, {hi}] is not finite"),
                            });
                        }
                        (lo, hi)
                    }
                };
                if lo == hi {
                    lo -= 0.5;
                    hi += 0.5;
                }
                // NumPy's linspace: start + k * step, the last edge exactly `hi`.
                let step = (hi - lo) / n as f64;
                let edges: Vec<f64> = (0..=n)
                    .map(|k| if k == n { hi } else { lo + k as f64 * step })
                    .collect();
                let bin_ty = if ty.is_float() { ty } else { Type::Float64 };
                self.dense.from_vec(edges, &[n + 1])?.as_type(bin_ty)
            }
        }
    }

    /// A histogram of the values (NumPy's `histogram`): the counts per bin (`int64`; the
    /// sums of `weights`, in the weights' type, when given; with `density`, `float64`
    /// densities that integrate to one) and the bin edges. Bins are half-open but the
    /// last, which includes its right edge; values outside the edges (and NaNs) are not
    /// counted. Distributed: a reduction of per-piece counts.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Bins, Dense};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let x = dense.from_vec(vec![1.0, 2.0, 2.5, 5.0], &[4]).unwrap();
    /// let (hist, edges) = x.histogram(&Bins::Count(4), None, false, None).unwrap();
    /// assert_eq!(hist.to_vec::<i64>().unwrap(), vec![1, 2, 0, 1]);
    /// assert_eq!(edges.size(), 5);
    /// ```
    pub fn histogram(
        &self,
        bins: &Bins,
        range: Option<(f64, f64)>,
        density: bool,
        weights: Option<&Array>,
    ) -> Result<(Array, Array)> {
        let edges = self.histogram_bin_edges(bins, range)?;
        let w = self.weights_f64(weights, "histogram")?;
        let e = edges.astype(Type::Float64)?;
        let e_host = e.to_vec::<f64>()?;
        let nbins = e_host.len().saturating_sub(1);
        let acc_ty = if w.is_some() {
            Type::Float64
        } else {
            Type::Int64
        };
        let counts = self.dense.zeros(&[nbins], acc_ty)?;
        if nbins > 0 {
            self.count_launch(ids::HISTOGRAM, w.as_ref(), Some(&e), &counts)?;
        }
        if density {
            let widths: Vec<f64> = e_host.windows(2).map(|w| w[1] - w[0]).collect();
            let widths = self.dense.from_vec(widths, &[nbins])?;
            let total = if nbins > 0 {
                counts
                    .sum(None, false)?
                    .astype(Type::Float64)?
                    .item::<f64>()?
            } else {
                0.0
            };
            let hist = counts.astype(Type::Float64)?.divide(&widths)?;
            return Ok(((&hist / total)?, edges));
        }
        let hist = match weights {
            Some(w) => counts.as_type(w.dtype())?,
            None => counts,
        };
        Ok((hist, edges))
    }
}
