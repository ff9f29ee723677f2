//! Joining, splitting and tiling: concatenate, stack, split, tile, repeat, pad, flip,
//! roll. Each is a few copies through views, so every piece moves in parallel.

use std::sync::Arc;

use legate_core::{Error, Result, Scalar, MAX_DIM};

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
        hit.first_true(axis)
    }

    /// Along `axis` of a boolean array, the first position holding `true` (the axis'
    /// length where none does): a fused `where(hit, position, n)` and a minimum along the
    /// axis, which folds bands of the axis when the result is small.
    pub(crate) fn first_true(&self, axis: usize) -> Result<Array> {
        let n = self.shape()[axis];
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
        Array::where_(self, &idx, &never)?.min(Some(axis as isize), false)
    }
}

/// How [`Array::pad`] fills the new elements (NumPy's `mode`).
#[derive(Clone, Copy, Debug)]
pub enum PadMode {
    /// One value (`constant_values`), cast to the array's type.
    Constant(Scalar),
    /// The edge value of each axis, repeated.
    Edge,
    /// The mirror image without the edge: `[3, 2 | 1, 2, 3 | 2, 1]`.
    Reflect,
    /// The mirror image with the edge: `[2, 1 | 1, 2, 3 | 3, 2]`.
    Symmetric,
    /// The values of the other end: `[2, 3 | 1, 2, 3 | 1, 2]`.
    Wrap,
}

impl PadMode {
    /// The position in `0..n` of the original axis that position `i` of the padded axis
    /// copies (`i` relative to the first original element; pad widths of any size).
    fn source(self, i: i64, n: i64) -> i64 {
        match self {
            PadMode::Constant(_) | PadMode::Edge => i.clamp(0, n - 1),
            PadMode::Wrap => i.rem_euclid(n),
            // One element reflects to itself (NumPy pads a single element with its edge).
            PadMode::Reflect if n == 1 => 0,
            PadMode::Reflect => {
                let m = i.rem_euclid(2 * (n - 1));
                if m < n {
                    m
                } else {
                    2 * (n - 1) - m
                }
            }
            PadMode::Symmetric => {
                let m = i.rem_euclid(2 * n);
                if m < n {
                    m
                } else {
                    2 * n - 1 - m
                }
            }
        }
    }
}

impl Array {
    /// Splits into views along `axis` at the given positions (NumPy's `split` with a list
    /// of indices): `a[:i0]`, `a[i0:i1]`, ..., `a[ik:]`, with Python's slice rules.
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.arange(0.0, 6.0, 1.0, Type::Int64).unwrap();
    /// let parts = a.split_at(&[2, 5], 0).unwrap();
    /// assert_eq!(parts[1].to_vec::<i64>().unwrap(), vec![2, 3, 4]);
    /// assert_eq!(parts[2].to_vec::<i64>().unwrap(), vec![5]);
    /// ```
    pub fn split_at(&self, indices: &[i64], axis: isize) -> Result<Vec<Array>> {
        let axis = normalize_axis(axis, self.ndim())?;
        let n = self.shape()[axis] as i64;
        let mut bounds = vec![0];
        bounds.extend_from_slice(indices);
        bounds.push(n);
        bounds
            .windows(2)
            .map(|w| along(self, axis, w[0], w[1]))
            .collect()
    }

    /// Splits into `sections` views along `axis`, the first `n % sections` one element
    /// longer (NumPy's `array_split`).
    pub fn array_split(&self, sections: usize, axis: isize) -> Result<Vec<Array>> {
        let axis = normalize_axis(axis, self.ndim())?;
        if sections == 0 {
            return Err(Error::InvalidArgument {
                what: "number sections must be larger than 0".into(),
            });
        }
        let n = self.shape()[axis];
        let (each, extra) = (n / sections, n % sections);
        let mut at = 0i64;
        (0..sections)
            .map(|k| {
                let len = (each + usize::from(k < extra)) as i64;
                at += len;
                along(self, axis, at - len, at)
            })
            .collect()
    }

    /// `hsplit`: [`split`](Self::split) along axis 1 (axis 0 for 1-D arrays); split at
    /// positions with [`split_at`](Self::split_at).
    pub fn hsplit(&self, sections: usize) -> Result<Vec<Array>> {
        match self.ndim() {
            0 => Err(Error::InvalidArgument {
                what: "hsplit only works on arrays of 1 or more dimensions".into(),
            }),
            1 => self.split(sections, 0),
            _ => self.split(sections, 1),
        }
    }

    /// `vsplit`: [`split`](Self::split) along axis 0 of an array of 2 or more dimensions.
    pub fn vsplit(&self, sections: usize) -> Result<Vec<Array>> {
        if self.ndim() < 2 {
            return Err(Error::InvalidArgument {
                what: "vsplit only works on arrays of 2 or more dimensions".into(),
            });
        }
        self.split(sections, 0)
    }

    /// `dsplit`: [`split`](Self::split) along axis 2 of an array of 3 or more dimensions.
    pub fn dsplit(&self, sections: usize) -> Result<Vec<Array>> {
        if self.ndim() < 3 {
            return Err(Error::InvalidArgument {
                what: "dsplit only works on arrays of 3 or more dimensions".into(),
            });
        }
        self.split(sections, 2)
    }

    /// The array repeated `reps[d]` times along each axis (NumPy's `tile`; `reps` shorter
    /// than the array counts from the last axis, longer adds leading axes).
    ///
    /// One copy: the result is viewed as `(rep, extent)` pairs and the array broadcast
    /// along the reps (one copy per tile along each axis past 6 dimensions).
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i64, 2], &[2]).unwrap();
    /// let t = a.tile(&[2, 2]).unwrap();
    /// assert_eq!(t.shape(), vec![2, 4]);
    /// assert_eq!(t.to_vec::<i64>().unwrap(), vec![1, 2, 1, 2, 1, 2, 1, 2]);
    /// ```
    pub fn tile(&self, reps: &[usize]) -> Result<Array> {
        let nd = reps.len().max(self.ndim());
        let mut r = vec![1usize; nd - reps.len()];
        r.extend_from_slice(reps);
        let mut a = self.clone();
        while a.ndim() < nd {
            a = a.expand_dims(0)?;
        }
        let shape = a.shape();
        let out_shape: Vec<usize> = shape.iter().zip(&r).map(|(s, r)| s * r).collect();
        let out = self.dense.empty(&out_shape, self.dtype())?;
        if out.size() == 0 {
            return Ok(out);
        }
        let split = (0..nd).filter(|&d| r[d] > 1 && shape[d] > 1).count();
        if nd + split <= MAX_DIM {
            let (mut ov, mut av) = (out.store.clone(), a.store.clone());
            let mut dim = 0;
            for d in 0..nd {
                let (rd, sd) = (r[d] as u64, shape[d] as u64);
                if rd > 1 && sd > 1 {
                    ov = ov.delinearize(dim, &[rd, sd])?;
                    av = av.promote(dim, rd)?;
                    dim += 2;
                } else {
                    if rd > 1 {
                        av = av.broadcast(dim, rd)?;
                    }
                    dim += 1;
                }
            }
            Array::new(&self.dense, ov).assign(&Array::new(&self.dense, av))?;
            return Ok(out);
        }
        let mut cur = a;
        for d in 0..nd {
            if r[d] == 1 {
                continue;
            }
            let mut s = cur.shape();
            let e = s[d] as i64;
            s[d] *= r[d];
            let next = self.dense.empty(&s, self.dtype())?;
            for k in 0..r[d] as i64 {
                along(&next, d, k * e, (k + 1) * e)?.assign(&cur)?;
            }
            cur = next;
        }
        Ok(cur)
    }

    /// Each element repeated `repeats` times along `axis` (the flattened array when
    /// `None`; NumPy's `repeat` with a scalar). One copy into a `(n, repeats)` view.
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i64, 2, 3, 4], &[2, 2]).unwrap();
    /// let r = a.repeat(2, Some(0)).unwrap();
    /// assert_eq!(r.to_vec::<i64>().unwrap(), vec![1, 2, 1, 2, 3, 4, 3, 4]);
    /// ```
    pub fn repeat(&self, repeats: usize, axis: Option<isize>) -> Result<Array> {
        let Some(axis) = axis else {
            return self.ravel()?.repeat(repeats, Some(0));
        };
        let axis = normalize_axis(axis, self.ndim())?;
        let mut shape = self.shape();
        let n = shape[axis];
        shape[axis] = n * repeats;
        let out = self.dense.empty(&shape, self.dtype())?;
        if out.size() == 0 {
            return Ok(out);
        }
        if self.ndim() + 1 > MAX_DIM {
            let idx: Vec<i64> = (0..n as i64)
                .flat_map(|i| std::iter::repeat_n(i, repeats))
                .collect();
            let idx = self.dense.from_vec(idx, &[n * repeats])?;
            return self.take_axis(&idx, axis as isize);
        }
        let ov = out.store.delinearize(axis, &[n as u64, repeats as u64])?;
        let av = self.store.promote(axis + 1, repeats as u64)?;
        Array::new(&self.dense, ov).assign(&Array::new(&self.dense, av))?;
        Ok(out)
    }

    /// Each element along `axis` repeated its own number of times (NumPy's `repeat` with
    /// an array of counts, one per element or one for all). The counts are read here to
    /// size the result; the copy is a gather cut along the result.
    pub fn repeat_each(&self, repeats: &Array, axis: Option<isize>) -> Result<Array> {
        let Some(axis) = axis else {
            return self.ravel()?.repeat_each(repeats, Some(0));
        };
        let axis = normalize_axis(axis, self.ndim())?;
        if !(repeats.dtype().is_integer() || repeats.dtype().is_bool()) {
            return Err(Error::TypeMismatch {
                expected: legate_core::Type::Int64,
                found: repeats.dtype(),
            });
        }
        let counts = repeats.astype(legate_core::Type::Int64)?.to_vec::<i64>()?;
        if counts.iter().any(|&c| c < 0) {
            return Err(Error::InvalidArgument {
                what: "repeats may not contain negative values".into(),
            });
        }
        if repeats.ndim() > 1 {
            return Err(Error::InvalidArgument {
                what: "repeats must be a scalar or a 1-d array".into(),
            });
        }
        let n = self.shape()[axis];
        if let [c] = counts.as_slice() {
            return self.repeat(*c as usize, Some(axis as isize));
        }
        if counts.len() != n {
            return Err(Error::ShapeMismatch {
                context: "repeat: operands could not be broadcast together",
                left: vec![n as u64],
                right: vec![counts.len() as u64],
            });
        }
        let idx: Vec<i64> = counts
            .iter()
            .enumerate()
            .flat_map(|(i, &c)| std::iter::repeat_n(i as i64, c as usize))
            .collect();
        let len = idx.len();
        let idx = self.dense.from_vec(idx, &[len])?;
        self.take_axis(&idx, axis as isize)
    }

    /// The array padded by `pad_width[d] = (before, after)` elements on each axis (one
    /// pair for all axes, or one per axis), filled as `mode` says (NumPy's `pad`).
    ///
    /// The padding is copied from the array's own elements through views, axis by axis
    /// (so corners see the already padded axes, as in NumPy): a few copies per side.
    ///
    /// ```
    /// # use legate_dense::{Dense, PadMode};
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![1i64, 2, 3], &[3]).unwrap();
    /// let p = a.pad(&[(2, 3)], PadMode::Reflect).unwrap();
    /// assert_eq!(p.to_vec::<i64>().unwrap(), vec![3, 2, 1, 2, 3, 2, 1, 2]);
    /// ```
    pub fn pad(&self, pad_width: &[(usize, usize)], mode: PadMode) -> Result<Array> {
        let ndim = self.ndim();
        let widths: Vec<(usize, usize)> = match pad_width {
            [w] => vec![*w; ndim],
            w if w.len() == ndim => w.to_vec(),
            w => {
                return Err(Error::ShapeMismatch {
                    context: "pad: one (before, after) pair, or one per axis",
                    left: vec![w.len() as u64, 2],
                    right: vec![ndim as u64, 2],
                })
            }
        };
        let shape = self.shape();
        let constant = matches!(mode, PadMode::Constant(_));
        if let Some(d) = (0..ndim).find(|&d| shape[d] == 0 && widths[d] != (0, 0)) {
            if !constant {
                return Err(Error::InvalidArgument {
                    what: format!(
                        "can't extend empty axis {d} using modes other than 'constant' or 'empty'"
                    ),
                });
            }
        }
        let out_shape: Vec<usize> = (0..ndim)
            .map(|d| shape[d] + widths[d].0 + widths[d].1)
            .collect();
        let out = match mode {
            PadMode::Constant(v) => self.dense.full(&out_shape, v, self.dtype())?,
            _ => self.dense.empty(&out_shape, self.dtype())?,
        };
        if self.size() == 0 {
            return Ok(out);
        }
        let center: Vec<Index> = (0..ndim)
            .map(|d| Index::range(widths[d].0 as i64, (widths[d].0 + shape[d]) as i64))
            .collect();
        out.index(&center)?.assign(self)?;
        if constant {
            return Ok(out);
        }
        for d in 0..ndim {
            let (b, a) = (widths[d].0 as i64, widths[d].1 as i64);
            let n = shape[d] as i64;
            // Earlier axes are already padded: copy across their whole extent.
            let mut idx: Vec<Index> = (0..ndim)
                .map(|e| if e < d { Index::ALL } else { center[e] })
                .collect();
            let f = |pos: i64| mode.source(pos - b, n);
            for (lo, hi) in [(0, b), (b + n, b + n + a)] {
                let mut pos = lo;
                while pos < hi {
                    // The longest run that copies a forward, backward or constant slice.
                    let f0 = f(pos);
                    let slope = if pos + 1 < hi { f(pos + 1) - f0 } else { 1 };
                    let slope = if slope.abs() <= 1 { slope } else { 1 };
                    let mut end = pos + 1;
                    while end < hi && f(end) == f0 + slope * (end - pos) {
                        end += 1;
                    }
                    let len = end - pos;
                    let src = match slope {
                        0 => Index::range(b + f0, b + f0 + 1),
                        1 => Index::range(b + f0, b + f0 + len),
                        _ => Index::Slice {
                            start: Some(b + f0),
                            stop: (b + f0 - len >= 0).then_some(b + f0 - len),
                            step: -1,
                        },
                    };
                    idx[d] = src;
                    let from = out.index(&idx)?;
                    idx[d] = Index::range(pos, end);
                    out.index(&idx)?.assign(&from)?;
                    pos = end;
                }
            }
        }
        Ok(out)
    }
}
