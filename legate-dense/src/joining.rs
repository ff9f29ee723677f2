//! Joining and reordering: concatenate, stack, split, flip, roll. Each is a few copies
//! through views, so every piece moves in parallel.

use std::sync::Arc;

use legate_core::{Error, Result};

use crate::array::Array;
use crate::context::Dense;
use crate::dtype;
use crate::views::{normalize_axis, Index};

/// The view `a[..., lo:hi, ...]` along `axis`.
fn along(a: &Array, axis: usize, lo: i64, hi: i64) -> Result<Array> {
    let mut idx = vec![Index::ALL; a.ndim()];
    idx[axis] = Index::range(lo, hi);
    a.index(&idx)
}

impl Dense {
    /// Joins arrays along an existing axis (NumPy's `concatenate`); the result type is the
    /// promotion of all.
    pub fn concatenate(self: &Arc<Self>, arrays: &[Array], axis: isize) -> Result<Array> {
        let first = arrays.first().ok_or_else(|| Error::InvalidArgument {
            what: "need at least one array to concatenate".into(),
        })?;
        let ndim = first.ndim();
        let axis = normalize_axis(axis, ndim)?;
        let mut shape = first.shape();
        shape[axis] = 0;
        for a in arrays {
            let s = a.shape();
            if s.len() != ndim || (0..ndim).any(|d| d != axis && s[d] != shape[d]) {
                return Err(Error::ShapeMismatch {
                    context: "concatenate: all dimensions but the axis must match",
                    left: first.shape_u64(),
                    right: a.shape_u64(),
                });
            }
            shape[axis] += s[axis];
        }
        let types: Vec<_> = arrays.iter().map(Array::dtype).collect();
        let ty = dtype::result_type(&types).unwrap_or(first.dtype());
        let out = self.empty(&shape, ty)?;
        let mut at = 0i64;
        for a in arrays {
            let n = a.shape()[axis] as i64;
            along(&out, axis, at, at + n)?.assign(a)?;
            at += n;
        }
        Ok(out)
    }

    /// Joins arrays of one shape along a new axis (NumPy's `stack`).
    pub fn stack(self: &Arc<Self>, arrays: &[Array], axis: isize) -> Result<Array> {
        let first = arrays.first().ok_or_else(|| Error::InvalidArgument {
            what: "need at least one array to stack".into(),
        })?;
        let axis = normalize_axis(axis, first.ndim() + 1)? as isize;
        if arrays.iter().any(|a| a.shape() != first.shape()) {
            return Err(Error::InvalidArgument {
                what: "all input arrays must have the same shape".into(),
            });
        }
        let expanded = arrays
            .iter()
            .map(|a| a.expand_dims(axis))
            .collect::<Result<Vec<_>>>()?;
        self.concatenate(&expanded, axis)
    }

    /// `vstack`: rows on top of each other (1-D arrays become rows).
    pub fn vstack(self: &Arc<Self>, arrays: &[Array]) -> Result<Array> {
        let rows = arrays
            .iter()
            .map(|a| {
                if a.ndim() == 1 {
                    a.expand_dims(0)
                } else {
                    Ok(a.clone())
                }
            })
            .collect::<Result<Vec<_>>>()?;
        self.concatenate(&rows, 0)
    }

    /// `hstack`: side by side (along axis 1, or 0 for 1-D arrays).
    pub fn hstack(self: &Arc<Self>, arrays: &[Array]) -> Result<Array> {
        let axis = if arrays.first().is_some_and(|a| a.ndim() == 1) {
            0
        } else {
            1
        };
        self.concatenate(arrays, axis)
    }
}

impl Array {
    /// Splits into `sections` equal views along `axis` (NumPy's `split` with an integer;
    /// an error when it does not divide the axis).
    pub fn split(&self, sections: usize, axis: isize) -> Result<Vec<Array>> {
        let axis = normalize_axis(axis, self.ndim())?;
        let n = self.shape()[axis];
        if sections == 0 || n % sections != 0 {
            return Err(Error::InvalidArgument {
                what: "array split does not result in an equal division".into(),
            });
        }
        let step = (n / sections) as i64;
        (0..sections as i64)
            .map(|k| along(self, axis, k * step, (k + 1) * step))
            .collect()
    }

    /// The view with the order of elements reversed along `axis` (all axes when `None`).
    pub fn flip(&self, axis: Option<isize>) -> Result<Array> {
        let reverse = Index::Slice {
            start: None,
            stop: None,
            step: -1,
        };
        let idx: Vec<Index> = match axis {
            None => vec![reverse; self.ndim()],
            Some(a) => {
                let a = normalize_axis(a, self.ndim())?;
                (0..self.ndim())
                    .map(|d| if d == a { reverse } else { Index::ALL })
                    .collect()
            }
        };
        self.index(&idx)
    }

    /// Elements shifted by `shift` along `axis`, wrapping around (NumPy's `roll`; the
    /// flattened array when `axis` is `None`).
    pub fn roll(&self, shift: i64, axis: Option<isize>) -> Result<Array> {
        let Some(axis) = axis else {
            return self
                .ravel()?
                .roll(shift, Some(0))?
                .reshape(&self.shape().iter().map(|&e| e as i64).collect::<Vec<_>>());
        };
        let axis = normalize_axis(axis, self.ndim())?;
        let n = self.shape()[axis] as i64;
        let out = self.dense.empty(&self.shape(), self.dtype())?;
        if n == 0 {
            return Ok(out);
        }
        let s = shift.rem_euclid(n);
        along(&out, axis, s, n)?.assign(&along(self, axis, 0, n - s)?)?;
        along(&out, axis, 0, s)?.assign(&along(self, axis, n - s, n)?)?;
        Ok(out)
    }

    /// Number of non-zero elements over `axis` (NumPy's `count_nonzero`).
    pub fn count_nonzero(&self, axis: Option<isize>) -> Result<Array> {
        let nonzero = self.astype(legate_core::Type::Bool)?;
        nonzero.sum(axis, false)
    }
}

impl Array {
    /// Index of the largest value along `axis` (of the flattened array when `None`); the
    /// first one on ties, and the first NaN where there is one, as NumPy.
    pub fn argmax(&self, axis: Option<isize>) -> Result<Array> {
        self.arg_extreme(axis, true)
    }

    /// Index of the smallest value along `axis` (see [`argmax`](Self::argmax)).
    pub fn argmin(&self, axis: Option<isize>) -> Result<Array> {
        self.arg_extreme(axis, false)
    }

    /// The extreme along the axis, then the smallest index where it (or a NaN) occurs:
    /// three distributed passes built from other operations.
    fn arg_extreme(&self, axis: Option<isize>, max: bool) -> Result<Array> {
        let Some(axis) = axis else {
            return self.ravel()?.arg_extreme(Some(0), max);
        };
        let axis = normalize_axis(axis, self.ndim())?;
        let n = self.shape()[axis];
        if n == 0 {
            return Err(Error::InvalidArgument {
                what: format!(
                    "attempt to get {} of an empty sequence",
                    if max { "argmax" } else { "argmin" }
                ),
            });
        }
        let ext = if max {
            self.max(Some(axis as isize), true)?
        } else {
            self.min(Some(axis as isize), true)?
        };
        let hit = self.equal(&ext)?.bitwise_or(&self.not_equal(self)?)?;
        let mut idx_shape = vec![1i64; self.ndim()];
        idx_shape[axis] = n as i64;
        let idx = self
            .dense
            .arange(0.0, n as f64, 1.0, legate_core::Type::Int64)?
            .reshape(&idx_shape)?;
        let never = self.dense.full(
            &[1],
            legate_core::Scalar::new(n as i64),
            legate_core::Type::Int64,
        )?;
        Array::where_(&hit, &idx, &never)?.min(Some(axis as isize), false)
    }
}
