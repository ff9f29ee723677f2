//! Order statistics: `quantile`, `percentile`, `median`, `nanmedian`. Pieces of whole
//! lanes along the axis select, in linear time, the values each quantile reads (as
//! NumPy's `partition` does) and compute every quantile of their lanes; nothing is sorted.

use legate_core::ndarray::{ArrayView1, Axis, Zip};
use legate_core::{Error, Library, Result, TaskContext, Type};

use crate::array::Array;
use crate::kernels::Num;
use crate::tasks::{elementwise, TaskResult};
use crate::views::normalize_axis;
use crate::Index;

use super::{blocks_for, ids, is_nan, np_cmp, select_positions};

/// How [`Array::quantile`] picks a value between two sorted neighbours (NumPy's `method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum QuantileMethod {
    /// Linear interpolation between the neighbours (NumPy's default).
    #[default]
    Linear,
    /// The lower neighbour.
    Lower,
    /// The higher neighbour.
    Higher,
    /// The nearest neighbour (halfway: the even position).
    Nearest,
    /// The mean of the two neighbours.
    Midpoint,
}

/// The method code of `median`: the mean of the two middle values, as NumPy computes it.
const MEDIAN: u8 = 5;

fn is_discrete(code: u8) -> bool {
    matches!(code, 1..=3)
}

/// NumPy's `_lerp`: exact at both ends, symmetric around the middle.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The positions of the two neighbours of quantile `q` in `m` sorted values, and the
/// weight of the second (`m >= 1`).
fn neighbours(code: u8, q: f64, m: usize) -> (usize, usize, f64) {
    let last = m - 1;
    let vi = q * last as f64;
    let clamp = |v: f64| (v.max(0.0) as usize).min(last);
    match code {
        1 => (clamp(vi.floor()), clamp(vi.floor()), 0.0),
        2 => (clamp(vi.ceil()), clamp(vi.ceil()), 0.0),
        3 => (
            clamp(vi.round_ties_even()),
            clamp(vi.round_ties_even()),
            0.0,
        ),
        4 | MEDIAN => {
            let (lo, hi) = (clamp(vi.floor()), clamp(vi.ceil()));
            (lo, hi, if lo == hi { 0.0 } else { 0.5 })
        }
        _ => {
            let lo = clamp(vi.floor());
            let hi = (lo + 1).min(last);
            (lo, hi, vi - vi.floor())
        }
    }
}

/// Scalar 0: the method code; 1: skip NaNs (`nanmedian`); 2..: the quantiles. Input 0:
/// lanes `[rows, n]`, in any order; output 0: `[rows, nq]`, of the input's type for the discrete
/// methods, else `float64`.
fn quantile<T: Num>(ctx: &TaskContext<'_>) -> TaskResult {
    let code = ctx.scalar_value::<u8>(0)?;
    let skip_nan = ctx.scalar_value::<bool>(1)?;
    let qs = (2..ctx.num_scalars())
        .map(|i| ctx.scalar_value::<f64>(i))
        .collect::<legate_core::Result<Vec<f64>>>()?;
    let x = ctx.input(0)?.read::<T>()?;
    // The values of a lane that count, with every position a quantile reads holding what
    // a sort would put there (selected in linear time); `None` where a NaN makes every
    // quantile NaN.
    let valid = |lane: &ArrayView1<'_, T>| -> Option<Vec<T>> {
        let mut v: Vec<T> = lane.iter().copied().filter(|&e| !is_nan(e)).collect();
        let m = v.len();
        if m == 0 || (m < lane.len() && !skip_nan) {
            return None;
        }
        let mut wanted: Vec<usize> = qs
            .iter()
            .flat_map(|&q| {
                let (lo, hi, _) = neighbours(code, q, m);
                [lo, hi]
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        select_positions(&mut v, &wanted, |a, b| np_cmp(*a, *b));
        Some(v)
    };
    if is_discrete(code) {
        let mut out = ctx.output(0)?.write::<T>()?;
        let nan = T::from_f64(f64::NAN);
        run_zip!(
            ctx,
            Zip::from(x.lanes(Axis(1))).and(out.lanes_mut(Axis(1))),
            |lane, mut o| {
                let v = valid(&lane);
                for (o, &q) in o.iter_mut().zip(&qs) {
                    *o = match &v {
                        Some(v) => {
                            let (k, _, _) = neighbours(code, q, v.len());
                            v.get(k).copied().unwrap_or(nan)
                        }
                        None => nan,
                    };
                }
            }
        );
    } else {
        let mut out = ctx.output(0)?.write::<f64>()?;
        run_zip!(
            ctx,
            Zip::from(x.lanes(Axis(1))).and(out.lanes_mut(Axis(1))),
            |lane, mut o| {
                let v = valid(&lane);
                for (o, &q) in o.iter_mut().zip(&qs) {
                    *o = match &v {
                        Some(v) => {
                            let (lo, hi, t) = neighbours(code, q, v.len());
                            let at = |k: usize| v.get(k).map_or(f64::NAN, |e| e.to_f64());
                            if lo == hi {
                                at(lo)
                            } else if code == MEDIAN {
                                (at(lo) + at(hi)) / 2.0
                            } else {
                                lerp(at(lo), at(hi), t)
                            }
                        }
                        None => f64::NAN,
                    };
                }
            }
        );
    }
    Ok(())
}

pub(crate) fn register(lib: &Library) -> legate_core::Result<()> {
    let in_ty = |ctx: &TaskContext<'_>| ctx.input(0).map(|o| o.ty());
    lib.register_task(
        ids::QUANTILE,
        elementwise("quantile", move |ctx: &mut TaskContext<'_>| {
            dispatch!(in_ty(ctx)?, quantile(ctx))
        }),
    )
}

fn check_range(qs: &[f64], top: f64, what: &str) -> Result<()> {
    if qs.iter().all(|&q| (0.0..=top).contains(&q)) {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        what: format!("{what} must be in the range [0, {top}]"),
    })
}

fn as_i64(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&e| e as i64).collect()
}

impl Array {
    /// The `q`-th quantiles along `axis` (of the flattened array when `None`), NumPy's
    /// `quantile`: `q` in `[0, 1]`, a 0-d array for one quantile or an array of them (the
    /// result then has `q`'s shape in front). `Linear` and `Midpoint` give `float64` for
    /// integer input and keep a float type; `Lower`, `Higher` and `Nearest` keep the
    /// input's type. A lane with a NaN gives NaN. Complex input is an error, as in NumPy.
    ///
    /// Pieces of whole lanes along the axis select the neighbours of each quantile in
    /// linear time and compute their quantiles in parallel; with `axis = None` the
    /// flattened array is one lane, so one piece.
    ///
    /// ```
    /// use legate_core::{Runtime, Scalar};
    /// use legate_dense::{Dense, QuantileMethod};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![4.0, 1.0, 3.0, 2.0], &[4]).unwrap();
    /// let q = dense.scalar(Scalar::new(0.5f64)).unwrap();
    /// let m = a.quantile(&q, None, QuantileMethod::Linear, false).unwrap();
    /// assert_eq!(m.item::<f64>().unwrap(), 2.5);
    /// ```
    pub fn quantile(
        &self,
        q: &Array,
        axis: Option<isize>,
        method: QuantileMethod,
        keepdims: bool,
    ) -> Result<Array> {
        self.quantiles_of(q, false, axis, method, false, keepdims)
    }

    /// The `q`-th percentiles (`q` in `[0, 100]`), NumPy's `percentile`; otherwise as
    /// [`quantile`](Self::quantile).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Dense, QuantileMethod};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![0i64, 10, 20, 30, 40], &[5]).unwrap();
    /// let q = dense.from_vec(vec![25.0, 100.0], &[2]).unwrap();
    /// let p = a.percentile(&q, None, QuantileMethod::Lower, false).unwrap();
    /// assert_eq!(p.to_vec::<i64>().unwrap(), vec![10, 40]);
    /// ```
    pub fn percentile(
        &self,
        q: &Array,
        axis: Option<isize>,
        method: QuantileMethod,
        keepdims: bool,
    ) -> Result<Array> {
        self.quantiles_of(q, true, axis, method, false, keepdims)
    }

    /// The median along `axis` (of the flattened array when `None`), NumPy's `median`:
    /// the mean of the two middle values for an even count; NaN where a lane has a NaN
    /// or is empty.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![1i32, 9, 3, 4, 8, 2], &[2, 3]).unwrap();
    /// assert_eq!(a.median(Some(1), false).unwrap().to_vec::<f64>().unwrap(), vec![3.0, 4.0]);
    /// ```
    pub fn median(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.quantiles(&[0.5], &[], axis, MEDIAN, false, keepdims)
    }

    /// The median ignoring NaNs (NumPy's `nanmedian`): NaN only where a lane is all NaN.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![1.0, f64::NAN, 3.0], &[3]).unwrap();
    /// assert_eq!(a.nanmedian(None, false).unwrap().item::<f64>().unwrap(), 2.0);
    /// ```
    pub fn nanmedian(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.quantiles(&[0.5], &[], axis, MEDIAN, true, keepdims)
    }

    /// [`quantile`](Self::quantile) ignoring NaNs (NumPy's `nanquantile`): each lane's
    /// quantiles of its values that are not NaN; NaN only where a lane is all NaN.
    ///
    /// ```
    /// use legate_core::{Runtime, Scalar};
    /// use legate_dense::{Dense, QuantileMethod};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![4.0, f64::NAN, 1.0, 2.0], &[4]).unwrap();
    /// let q = dense.scalar(Scalar::new(1.0f64)).unwrap();
    /// let m = a.nanquantile(&q, None, QuantileMethod::Linear, false).unwrap();
    /// assert_eq!(m.item::<f64>().unwrap(), 4.0);
    /// ```
    pub fn nanquantile(
        &self,
        q: &Array,
        axis: Option<isize>,
        method: QuantileMethod,
        keepdims: bool,
    ) -> Result<Array> {
        self.quantiles_of(q, false, axis, method, true, keepdims)
    }

    /// [`percentile`](Self::percentile) ignoring NaNs (NumPy's `nanpercentile`).
    ///
    /// ```
    /// use legate_core::{Runtime, Scalar};
    /// use legate_dense::{Dense, QuantileMethod};
    /// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = dense.from_vec(vec![f64::NAN, 10.0, 20.0], &[3]).unwrap();
    /// let q = dense.scalar(Scalar::new(50.0f64)).unwrap();
    /// let m = a.nanpercentile(&q, None, QuantileMethod::Linear, false).unwrap();
    /// assert_eq!(m.item::<f64>().unwrap(), 15.0);
    /// ```
    pub fn nanpercentile(
        &self,
        q: &Array,
        axis: Option<isize>,
        method: QuantileMethod,
        keepdims: bool,
    ) -> Result<Array> {
        self.quantiles_of(q, true, axis, method, true, keepdims)
    }

    /// The quantiles (or, when `percent`, the percentiles) `q`, checked to be in range.
    fn quantiles_of(
        &self,
        q: &Array,
        percent: bool,
        axis: Option<isize>,
        method: QuantileMethod,
        skip_nan: bool,
        keepdims: bool,
    ) -> Result<Array> {
        let (max, what) = if percent {
            (100.0, "Percentiles")
        } else {
            (1.0, "Quantiles")
        };
        let qs = q.astype(Type::Float64)?.to_vec::<f64>()?;
        check_range(&qs, max, what)?;
        let qs: Vec<f64> = qs.iter().map(|&p| p / max).collect();
        self.quantiles(&qs, &q.shape(), axis, method as u8, skip_nan, keepdims)
    }

    /// Quantiles `qs` (in `[0, 1]`; `q_shape` in front of the result) with method `code`.
    fn quantiles(
        &self,
        qs: &[f64],
        q_shape: &[usize],
        axis: Option<isize>,
        code: u8,
        skip_nan: bool,
        keepdims: bool,
    ) -> Result<Array> {
        let ty = self.dtype();
        if ty.is_complex() {
            return Err(Error::UnsupportedType { op: "quantile", ty });
        }
        let out_ty = if is_discrete(code) || ty.is_float() {
            ty
        } else {
            Type::Float64
        };
        let shape = self.shape();
        let (lanes, reduced, kept, n) = match axis {
            None => {
                let n = self.size();
                (self.ravel()?, vec![], vec![1; shape.len()], n)
            }
            Some(a) => {
                let a = normalize_axis(a, shape.len())?;
                let mut reduced = shape.clone();
                let n = reduced.remove(a);
                let mut kept = shape.clone();
                kept[a] = 1;
                (self.moveaxis(a as isize, -1)?, reduced, kept, n)
            }
        };
        let rows: usize = reduced.iter().product();
        let mut final_shape = q_shape.to_vec();
        final_shape.extend(if keepdims { &kept } else { &reduced });
        let dense = &self.dense;
        if rows == 0 || qs.is_empty() {
            return dense.empty(&final_shape, out_ty);
        }
        if n == 0 {
            if code == MEDIAN {
                return dense.full(&final_shape, legate_core::Scalar::new(f64::NAN), out_ty);
            }
            return Err(Error::IndexOutOfBounds {
                dim: axis.map_or(0, |a| a.unsigned_abs()),
                index: -1,
                extent: 0,
            });
        }
        // The lanes as `[rows, n]` (a view where the layout allows, else a copy); the task
        // selects what each quantile reads, so nothing is sorted.
        let rows_of_lanes = lanes.reshape(&[rows as i64, n as i64])?;
        let nq = qs.len();
        let computed_ty = if is_discrete(code) { ty } else { Type::Float64 };
        let out = dense.empty(&[rows, nq], computed_ty)?;
        let (blocks, block) = blocks_for(self, rows);
        let mut task =
            dense
                .rt
                .create_manual_task(&dense.lib, ids::QUANTILE, &[blocks as u64, 1])?;
        task.add_input_partition(
            &rows_of_lanes
                .store
                .partition_by_tiling(&[block as u64, n as u64])?,
        )?;
        task.add_output_partition(&out.store.partition_by_tiling(&[block as u64, nq as u64])?)?;
        task.add_scalar_arg(code);
        task.add_scalar_arg(skip_nan);
        for &q in qs {
            task.add_scalar_arg(q);
        }
        task.execute()?;
        // [rows, nq] -> [nq, reduced...] -> q's shape in front, reduced (or kept) behind.
        let mut lanes_q = reduced.clone();
        lanes_q.push(nq);
        let front = out.reshape(&as_i64(&lanes_q))?.moveaxis(-1, 0)?;
        let result = if q_shape.is_empty() {
            front.index(&[Index::At(0)])?
        } else {
            front
        };
        let result = result.reshape(&as_i64(&final_shape))?;
        result.as_type(out_ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_follow_numpy_methods() {
        assert_eq!(neighbours(0, 0.5, 4), (1, 2, 0.5));
        assert_eq!(neighbours(0, 1.0, 4), (3, 3, 0.0));
        assert_eq!(neighbours(1, 0.5, 4), (1, 1, 0.0));
        assert_eq!(neighbours(2, 0.5, 4), (2, 2, 0.0));
        // 1.5 rounds to 2, 2.5 to 2 (half to even).
        assert_eq!(neighbours(3, 0.5, 4).0, 2);
        assert_eq!(neighbours(3, 0.5, 6).0, 2);
        assert_eq!(neighbours(4, 0.5, 5), (2, 2, 0.0));
        assert_eq!(neighbours(4, 0.4, 5), (1, 2, 0.5));
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
    }

    #[test]
    fn nan_order_puts_nans_last() {
        use super::super::np_cmp;
        use crate::kernels::Kind;
        use num_complex::Complex;
        use std::cmp::Ordering;
        assert_eq!(np_cmp(1.0, f64::NAN), Ordering::Less);
        assert_eq!(np_cmp(f64::NAN, f64::NAN), Ordering::Equal);
        let c = |re: f64, im: f64| Complex::new(re, im);
        assert_eq!(np_cmp(c(1.0, 2.0), c(1.0, f64::NAN)), Ordering::Less);
        assert_eq!(np_cmp(c(1.0, f64::NAN), c(f64::NAN, 0.0)), Ordering::Less);
        assert_eq!(np_cmp(c(2.0, 0.0), c(1.0, 5.0)), Ordering::Greater);
        assert!(!matches!(<f64 as Num>::KIND, Kind::Int));
    }
}
