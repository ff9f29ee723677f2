//! Advanced indexing with NumPy's rules: integer arrays on one or several axes (broadcast
//! together, mixed with slices, integers and `newaxis`), boolean masks, `take`, `put`,
//! `compress`, `nonzero` and friends.
//!
//! A gather reads the source through a view (no copy) and is cut along its result. A
//! scatter is cut along the target's first dimension: each point reads every value and
//! index in order and writes those that land in its band, so repeated positions keep
//! NumPy's last-write-wins order (small scatters are one point). Results whose size depends on the data (masks, `nonzero`) are unbound stores,
//! sized by the tasks that fill them.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use legate_core::ndarray::parallel::prelude::*;
use legate_core::ndarray::{ArrayViewD, Axis, Dimension};
use legate_core::{
    align, broadcast, image, Error, ImageKind, Library, LogicalStore, Point, Result, TaskContext,
    TaskDef, TaskError, Type, MAX_DIM,
};

use crate::array::Array;
use crate::tasks::{elementwise, ids, Elem, TaskResult};
use crate::views::{broadcast_shapes, normalize_axis, Index};

/// Task ids of this module (the 300-399 range of `tasks::ids`).
const GATHER_ND: u32 = 300;
const SCATTER_ND: u32 = 301;
const NONZERO_ND: u32 = 302;

/// One entry of an index that may select with arrays, as in `a[idx, 1:3, mask]`.
///
/// ```
/// # use legate_dense::{Dense, Index, IndexExpr};
/// # use legate_core::{Runtime, Type};
/// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
/// let a = d.arange(0.0, 12.0, 1.0, Type::Int64).unwrap().reshape(&[3, 4]).unwrap();
/// let rows = d.from_vec(vec![2i64, 0], &[2]).unwrap();
/// // a[[2, 0], 1:3]
/// let b = a.get(&[IndexExpr::Array(rows), Index::range(1, 3).into()]).unwrap();
/// assert_eq!(b.to_vec::<i64>().unwrap(), vec![9, 10, 1, 2]);
/// ```
#[derive(Clone, Debug)]
pub enum IndexExpr {
    /// A basic entry: a position, a slice, `newaxis` or `...`.
    Basic(Index),
    /// An integer array (positions along one axis, negative from the end) or a boolean
    /// array (a mask over as many axes as it has).
    Array(Array),
}

impl From<Index> for IndexExpr {
    fn from(i: Index) -> Self {
        IndexExpr::Basic(i)
    }
}

impl From<Array> for IndexExpr {
    fn from(a: Array) -> Self {
        IndexExpr::Array(a)
    }
}

impl From<&Array> for IndexExpr {
    fn from(a: &Array) -> Self {
        IndexExpr::Array(a.clone())
    }
}

/// An index resolved against an array's shape.
enum Plan {
    /// Only basic entries: a view.
    Basic(Vec<Index>),
    /// One boolean mask of the array's whole shape.
    Mask(Array),
    /// Index arrays: a gather or a scatter.
    Advanced(Advanced),
}

/// What a gather or scatter needs: the view the arrays index, and where each of its
/// dimensions comes from in the result.
struct Advanced {
    /// The array with the basic entries applied and every indexed dimension whole.
    view: Array,
    /// Per dimension of `view`: the index array that selects along it, if any.
    indexed_by: Vec<Option<usize>>,
    /// The index arrays, `int64`, in range, broadcast to `bshape`.
    indices: Vec<Array>,
    /// The shape the index arrays broadcast to.
    bshape: Vec<usize>,
    /// The result dimension where the broadcast index dimensions start.
    first: usize,
}

impl Advanced {
    /// Dimensions of `view` not selected by arrays, in order.
    fn kept(&self) -> Vec<usize> {
        (0..self.indexed_by.len())
            .filter(|&d| self.indexed_by[d].is_none())
            .collect()
    }

    /// The result's shape: the kept dimensions with the index shape at `first`.
    fn out_shape(&self) -> Vec<usize> {
        let vshape = self.view.shape();
        let kept: Vec<usize> = self.kept().iter().map(|&d| vshape[d]).collect();
        let mut shape = kept[..self.first].to_vec();
        shape.extend(&self.bshape);
        shape.extend(&kept[self.first..]);
        shape
    }

    /// Per dimension of `view`: the result dimension it follows (`>= 0`), or `-(j + 1)`
    /// for index array `j`.
    fn codes(&self) -> Vec<i64> {
        let mut rank = 0usize;
        self.indexed_by
            .iter()
            .map(|a| match a {
                Some(j) => -(*j as i64) - 1,
                None => {
                    let pos = if rank < self.first {
                        rank
                    } else {
                        rank + self.bshape.len()
                    };
                    rank += 1;
                    pos as i64
                }
            })
            .collect()
    }

    /// Each index array as a view of the result's shape (promoted along the kept dims).
    fn index_views(&self, out_shape: &[usize]) -> Result<Vec<LogicalStore>> {
        let nb = self.bshape.len();
        self.indices
            .iter()
            .map(|ix| {
                let mut s = ix.store.clone();
                for (d, &e) in out_shape.iter().enumerate().take(self.first) {
                    s = s.promote(d, e as u64)?;
                }
                for (d, &e) in out_shape.iter().enumerate().skip(self.first + nb) {
                    s = s.promote(d, e as u64)?;
                }
                Ok(s)
            })
            .collect()
    }
}

fn index_type_error(found: Type) -> Error {
    Error::TypeMismatch {
        expected: Type::Int64,
        found,
    }
}

impl Array {
    /// Integer indices as `int64`, wrapped from the end where negative, checked against
    /// the extent `n` of dimension `dim`.
    fn wrapped_indices(&self, indices: &Array, n: usize, dim: usize) -> Result<Array> {
        if !(indices.dtype().is_integer() || indices.dtype().is_bool()) {
            return Err(index_type_error(indices.dtype()));
        }
        let idx = indices.as_type(Type::Int64)?;
        if idx.size() > 0 {
            // Both reductions are issued before either is read.
            let (lo, hi) = (idx.min(None, false)?, idx.max(None, false)?);
            let (lo, hi) = (lo.item::<i64>()?, hi.item::<i64>()?);
            let n = n as i64;
            if lo < -n || hi >= n {
                let bad = if lo < -n { lo } else { hi };
                return Err(Error::IndexOutOfBounds {
                    dim,
                    index: bad,
                    extent: n as u64,
                });
            }
            if lo < 0 {
                // i + n where i < 0: the positions NumPy reads.
                let negative = idx.binary_scalar(crate::BinaryOp::Less, 0i64, false)?;
                let shifted = (&idx + n)?;
                return Array::where_(&negative, &shifted, &idx);
            }
        }
        Ok(idx)
    }

    /// Resolves an index (NumPy's rules for mixing basic and advanced entries).
    /// `whole_mask`: whether a lone mask of the whole shape may stay a mask.
    fn plan(&self, idx: &[IndexExpr], whole_mask: bool) -> Result<Plan> {
        let ndim = self.ndim();
        let shape = self.shape();
        let (mut consumed, mut ellipses, mut arrays) = (0usize, 0usize, 0usize);
        for e in idx {
            match e {
                IndexExpr::Basic(Index::At(_) | Index::Slice { .. }) => consumed += 1,
                IndexExpr::Basic(Index::NewAxis) => {}
                IndexExpr::Basic(Index::Ellipsis) => ellipses += 1,
                IndexExpr::Array(a) => {
                    arrays += 1;
                    if a.dtype().is_bool() {
                        consumed += a.ndim();
                    } else if a.dtype().is_integer() {
                        consumed += 1;
                    } else {
                        return Err(index_type_error(a.dtype()));
                    }
                }
            }
        }
        if ellipses > 1 {
            return Err(Error::InvalidArgument {
                what: "an index can only have a single ellipsis ('...')".into(),
            });
        }
        if consumed > ndim {
            return Err(Error::IndexOutOfBounds {
                dim: ndim,
                index: consumed as i64,
                extent: ndim as u64,
            });
        }
        if arrays == 0 {
            let basic = idx
                .iter()
                .filter_map(|e| match e {
                    IndexExpr::Basic(i) => Some(*i),
                    IndexExpr::Array(_) => None,
                })
                .collect();
            return Ok(Plan::Basic(basic));
        }
        if let [IndexExpr::Array(m)] = idx {
            if whole_mask && m.dtype().is_bool() && m.ndim() > 0 && m.shape() == shape {
                return Ok(Plan::Mask(m.clone()));
            }
        }
        // Integers count as index arrays once there is one: they take part in the rule
        // that puts separated advanced indices first.
        let advanced: Vec<usize> = idx
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, IndexExpr::Array(_) | IndexExpr::Basic(Index::At(_))))
            .map(|(k, _)| k)
            .collect();
        let consecutive = advanced.windows(2).all(|w| w[1] == w[0] + 1);
        let mut view_idx = Vec::new();
        let mut indexed_by = Vec::new();
        // Index array, source dimension, and whether it is known to be in range.
        let mut raw: Vec<(Array, usize, bool)> = Vec::new();
        let mut dim = 0usize;
        for e in idx {
            match e {
                IndexExpr::Basic(Index::At(i)) => {
                    view_idx.push(Index::At(*i));
                    dim += 1;
                }
                IndexExpr::Basic(s @ Index::Slice { .. }) => {
                    view_idx.push(*s);
                    indexed_by.push(None);
                    dim += 1;
                }
                IndexExpr::Basic(Index::NewAxis) => {
                    view_idx.push(Index::NewAxis);
                    indexed_by.push(None);
                }
                IndexExpr::Basic(Index::Ellipsis) => {
                    for _ in 0..ndim - consumed {
                        view_idx.push(Index::ALL);
                        indexed_by.push(None);
                        dim += 1;
                    }
                }
                IndexExpr::Array(m) if m.dtype().is_bool() && m.ndim() == 0 => {
                    // A 0-d boolean selects a new axis of extent 1 whole, or nothing of it.
                    let k = usize::from(m.item::<bool>()?);
                    view_idx.push(Index::NewAxis);
                    indexed_by.push(Some(raw.len()));
                    raw.push((self.dense.zeros(&[k], Type::Int64)?, dim, true));
                }
                IndexExpr::Array(m) if m.dtype().is_bool() => {
                    let k = m.ndim();
                    let ms = m.shape();
                    if let Some(j) = (0..k).find(|&j| ms.get(j) != shape.get(dim + j)) {
                        return Err(Error::IndexOutOfBounds {
                            dim: dim + j,
                            index: ms.get(j).copied().unwrap_or(0) as i64,
                            extent: shape.get(dim + j).copied().unwrap_or(0) as u64,
                        });
                    }
                    for z in m.nonzero()? {
                        view_idx.push(Index::ALL);
                        indexed_by.push(Some(raw.len()));
                        raw.push((z, dim, true));
                        dim += 1;
                    }
                }
                IndexExpr::Array(a) => {
                    view_idx.push(Index::ALL);
                    indexed_by.push(Some(raw.len()));
                    raw.push((a.clone(), dim, false));
                    dim += 1;
                }
            }
        }
        while dim < ndim {
            view_idx.push(Index::ALL);
            indexed_by.push(None);
            dim += 1;
        }
        let view = self.index(&view_idx)?;
        let mut bshape = Vec::new();
        for (a, _, _) in &raw {
            bshape = broadcast_shapes(&bshape, &a.shape()).map_err(|_| Error::ShapeMismatch {
                context: "shape mismatch: indexing arrays could not be broadcast together",
                left: bshape.iter().map(|&e| e as u64).collect(),
                right: a.shape_u64(),
            })?;
        }
        let indices = raw
            .iter()
            .map(|(a, d, in_range)| {
                let ix = if *in_range {
                    a.clone()
                } else {
                    let extent = shape.get(*d).copied().unwrap_or(0);
                    self.wrapped_indices(a, extent, *d)?
                };
                ix.broadcast_to(&bshape)
            })
            .collect::<Result<Vec<_>>>()?;
        let first = if consecutive {
            indexed_by.iter().take_while(|a| a.is_none()).count()
        } else {
            0
        };
        Ok(Plan::Advanced(Advanced {
            view,
            indexed_by,
            indices,
            bshape,
            first,
        }))
    }

    /// `a[idx]` with NumPy's rules: basic entries give a view; integer arrays (broadcast
    /// together) and boolean masks give a new array. Where advanced entries (arrays, and
    /// integers among them) are separated by a slice, `newaxis` or `...`, their dimensions
    /// come first in the result, as in NumPy. A 0-d boolean adds an axis of extent 1
    /// (`true`) or 0 (`false`).
    ///
    /// A mask of the array's whole shape selects through an unbound store, cut like the
    /// array; index arrays gather through a view of the array, cut along the result.
    ///
    /// ```
    /// # use legate_dense::{Dense, Index, IndexExpr};
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.arange(0.0, 24.0, 1.0, Type::Int64).unwrap().reshape(&[2, 3, 4]).unwrap();
    /// let i = d.from_vec(vec![0i64, 1], &[2]).unwrap();
    /// // a[[0, 1], :, [0, 1]]: the separated index dimension goes first.
    /// let b = a.get(&[(&i).into(), Index::ALL.into(), (&i).into()]).unwrap();
    /// assert_eq!(b.shape(), vec![2, 3]);
    /// assert_eq!(b.to_vec::<i64>().unwrap(), vec![0, 4, 8, 13, 17, 21]);
    /// ```
    pub fn get(&self, idx: &[IndexExpr]) -> Result<Array> {
        match self.plan(idx, true)? {
            Plan::Basic(b) => self.index(&b),
            Plan::Mask(m) => self.extract(&m),
            Plan::Advanced(p) => gather(&p),
        }
    }

    /// `a[idx] = value` with NumPy's rules: `value` is broadcast to the shape `a[idx]`
    /// has and cast to this array's type; where positions repeat, the last value wins.
    ///
    /// A mask with one value is an element-wise select, cut like the array; index arrays
    /// scatter in bands of the target's first dimension, each point reading every value
    /// in order (so repeats keep the last write).
    ///
    /// ```
    /// # use legate_dense::{Dense, IndexExpr};
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.zeros(&[4], Type::Int64).unwrap();
    /// let i = d.from_vec(vec![1i64, 3, 1], &[3]).unwrap();
    /// a.set(&[IndexExpr::Array(i)], &d.from_vec(vec![5i64, 6, 7], &[3]).unwrap()).unwrap();
    /// assert_eq!(a.to_vec::<i64>().unwrap(), vec![0, 7, 0, 6]);
    /// ```
    pub fn set(&self, idx: &[IndexExpr], value: &Array) -> Result<()> {
        match self.plan(idx, true)? {
            Plan::Basic(b) => self.index(&b)?.assign(value),
            Plan::Mask(m) if value.size() == 1 => {
                let v = value.as_type(self.dtype())?;
                let v = if v.ndim() > 0 { v.reshape(&[])? } else { v };
                self.assign(&Array::where_(&m, &v, self)?)
            }
            Plan::Mask(_) => match self.plan(idx, false)? {
                Plan::Advanced(p) => scatter(&p, value),
                _ => Err(Error::Internal {
                    what: "a mask with many values did not plan as a scatter".into(),
                }),
            },
            Plan::Advanced(p) => scatter(&p, value),
        }
    }

    /// `a.take(indices)` of the flattened array: elements at integer positions, in the
    /// shape of `indices` (negative positions count from the end).
    pub fn take(&self, indices: &Array) -> Result<Array> {
        let flat = self.ravel()?;
        let idx = self.wrapped_indices(indices, flat.size(), 0)?;
        let out = self.dense.empty(&idx.shape(), self.dtype())?;
        self.dense.rt.gather(&out.store, &flat.store, &idx.store)?;
        Ok(out)
    }

    /// `a.take(indices, axis)`: the slices at integer positions along `axis`; the
    /// result has `indices`' shape in place of that axis (booleans count as 0 and 1).
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.arange(0.0, 6.0, 1.0, Type::Int64).unwrap().reshape(&[2, 3]).unwrap();
    /// let t = a.take_axis(&d.from_vec(vec![2i64, -3], &[2]).unwrap(), 1).unwrap();
    /// assert_eq!(t.to_vec::<i64>().unwrap(), vec![2, 0, 5, 3]);
    /// ```
    pub fn take_axis(&self, indices: &Array, axis: isize) -> Result<Array> {
        let axis = normalize_axis(axis, self.ndim())?;
        let indices = if indices.dtype().is_bool() {
            indices.astype(Type::Int64)?
        } else {
            indices.clone()
        };
        let mut idx = vec![IndexExpr::Basic(Index::ALL); axis];
        idx.push(IndexExpr::Array(indices));
        self.get(&idx)
    }

    /// `a.put(indices, values)`: writes `values` at integer positions of the flattened
    /// array; where positions repeat, the last value wins.
    pub fn put(&self, indices: &Array, values: &Array) -> Result<()> {
        let flat = self.ravel()?;
        let idx = self.wrapped_indices(indices, flat.size(), 0)?.ravel()?;
        let vals = values.as_type(self.dtype())?.ravel()?;
        if vals.size() != idx.size() {
            return Err(Error::ShapeMismatch {
                context: "put: one value per index",
                left: vec![idx.size() as u64],
                right: vec![vals.size() as u64],
            });
        }
        self.dense
            .rt
            .scatter(&flat.store, &idx.store, &vals.store)?;
        self.write_back(&flat)
    }

    /// After writing `flat` (this array raveled), writes it back when it was a copy.
    fn write_back(&self, flat: &Array) -> Result<()> {
        if !flat.shares_storage(self) {
            let shape: Vec<i64> = self.shape().iter().map(|&e| e as i64).collect();
            self.assign(&flat.reshape(&shape)?)?;
        }
        Ok(())
    }

    /// The index that pairs `indices` with the positions of every other axis (NumPy's
    /// `take_along_axis` and `put_along_axis`).
    fn along_axis_index(&self, indices: &Array, axis: usize) -> Result<Vec<IndexExpr>> {
        if !indices.dtype().is_integer() {
            return Err(index_type_error(indices.dtype()));
        }
        let ndim = self.ndim();
        if indices.ndim() != ndim {
            return Err(Error::InvalidArgument {
                what: "`indices` and `arr` must have the same number of dimensions".into(),
            });
        }
        let shape = self.shape();
        (0..ndim)
            .map(|d| {
                if d == axis {
                    return Ok(IndexExpr::Array(indices.clone()));
                }
                let mut s = vec![1i64; ndim];
                s[d] = shape[d] as i64;
                let r = self
                    .dense
                    .arange(0.0, shape[d] as f64, 1.0, Type::Int64)?
                    .reshape(&s)?;
                Ok(IndexExpr::Array(r))
            })
            .collect()
    }

    /// `np.take_along_axis(a, indices, axis)`: `out[i, j, k] = a[i, indices[i, j, k], k]`
    /// (for `axis = 1`), the other axes broadcast; the flattened array when `None`.
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![10i64, 30, 20, 60, 40, 50], &[2, 3]).unwrap();
    /// let i = d.from_vec(vec![0i64, 2, 1, 1], &[2, 2]).unwrap();
    /// let t = a.take_along_axis(&i, Some(1)).unwrap();
    /// assert_eq!(t.to_vec::<i64>().unwrap(), vec![10, 20, 40, 40]);
    /// ```
    pub fn take_along_axis(&self, indices: &Array, axis: Option<isize>) -> Result<Array> {
        let Some(axis) = axis else {
            return self.ravel()?.take_along_axis(indices, Some(0));
        };
        let axis = normalize_axis(axis, self.ndim())?;
        self.get(&self.along_axis_index(indices, axis)?)
    }

    /// `np.put_along_axis(a, indices, values, axis)`: writes `values` (broadcast) where
    /// [`take_along_axis`](Self::take_along_axis) reads; the flattened array when `None`.
    pub fn put_along_axis(
        &self,
        indices: &Array,
        values: &Array,
        axis: Option<isize>,
    ) -> Result<()> {
        let Some(axis) = axis else {
            let flat = self.ravel()?;
            flat.put_along_axis(indices, values, Some(0))?;
            return self.write_back(&flat);
        };
        let axis = normalize_axis(axis, self.ndim())?;
        self.set(&self.along_axis_index(indices, axis)?, values)
    }

    /// `a[mask]` for a boolean mask of the same shape: the selected elements, in order, as
    /// a 1-D array (NumPy's `extract`).
    pub fn extract(&self, mask: &Array) -> Result<Array> {
        if mask.shape() != self.shape() {
            return Err(Error::IndexOutOfBounds {
                dim: 0,
                index: mask.shape().first().copied().unwrap_or(0) as i64,
                extent: self.shape().first().copied().unwrap_or(0) as u64,
            });
        }
        let m = mask.as_type(Type::Bool)?;
        let out = self.dense.rt.create_unbound_store(self.dtype());
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, ids::EXTRACT)?;
        let vx = task.add_input(&self.store);
        let vm = task.add_input(&m.store);
        task.add_output(&out);
        task.add_constraint(align(vx, vm));
        // Pieces are blocks of rows, so the pieces' results concatenate in row-major order.
        let rest: Vec<usize> = (1..self.ndim()).collect();
        if !rest.is_empty() {
            task.add_constraint(broadcast(vx, &rest));
        }
        task.execute()?;
        Ok(Array::new(&self.dense, out))
    }

    /// The elements of the flattened array where `condition` holds (NumPy's `compress`
    /// with no axis). A `true` past the end of the array is an
    /// [`Error::IndexOutOfBounds`], as in NumPy.
    pub fn compress(&self, condition: &Array) -> Result<Array> {
        self.ravel()?.compress_axis(condition, 0)
    }

    /// The slices along `axis` where the 1-D `condition` holds (NumPy's `compress`).
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.arange(0.0, 6.0, 1.0, Type::Int64).unwrap().reshape(&[3, 2]).unwrap();
    /// let c = d.from_vec(vec![true, false, true], &[3]).unwrap();
    /// assert_eq!(a.compress_axis(&c, 0).unwrap().to_vec::<i64>().unwrap(), vec![0, 1, 4, 5]);
    /// ```
    pub fn compress_axis(&self, condition: &Array, axis: isize) -> Result<Array> {
        if condition.ndim() != 1 {
            return Err(Error::InvalidArgument {
                what: "condition must be a 1-d array".into(),
            });
        }
        let positions = condition
            .nonzero()?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal {
                what: "nonzero of a 1-d array gave no array".into(),
            })?;
        self.take_axis(&positions, axis)
    }

    /// The positions of the non-zero elements, one `int64` array per dimension, in
    /// row-major order (NumPy's `nonzero`). Each piece (a block of rows) finds its own.
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![0, 3, 0, 4, 5, 0], &[2, 3]).unwrap();
    /// let nz = a.nonzero().unwrap();
    /// assert_eq!(nz[0].to_vec::<i64>().unwrap(), vec![0, 1, 1]);
    /// assert_eq!(nz[1].to_vec::<i64>().unwrap(), vec![1, 0, 1]);
    /// ```
    pub fn nonzero(&self) -> Result<Vec<Array>> {
        let ndim = self.ndim();
        if ndim == 0 {
            return Err(Error::InvalidArgument {
                what: "calling nonzero on 0d arrays is not allowed; use atleast_1d first".into(),
            });
        }
        if self.size() == 0 {
            return (0..ndim)
                .map(|_| self.dense.empty(&[0], Type::Int64))
                .collect();
        }
        let outs: Vec<LogicalStore> = (0..ndim)
            .map(|_| self.dense.rt.create_unbound_store(Type::Int64))
            .collect();
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, NONZERO_ND)?;
        let x = task.add_input(&self.store);
        for o in &outs {
            task.add_output(o);
        }
        // Blocks of rows, so the pieces' positions concatenate in row-major order.
        let rest: Vec<usize> = (1..ndim).collect();
        if !rest.is_empty() {
            task.add_constraint(broadcast(x, &rest));
        }
        task.execute()?;
        Ok(outs
            .into_iter()
            .map(|s| Array::new(&self.dense, s))
            .collect())
    }

    /// The positions of the non-zero elements as rows of an `(n, ndim)` `int64` array
    /// (NumPy's `argwhere`).
    pub fn argwhere(&self) -> Result<Array> {
        if self.ndim() == 0 {
            let n = self.reshape(&[1])?.nonzero()?;
            let count = n.first().map_or(0, Array::size);
            return self.dense.empty(&[count, 0], Type::Int64);
        }
        let nz = self.nonzero()?;
        self.dense.stack(&nz, 1)
    }

    /// The positions of the non-zero elements of the flattened array (NumPy's
    /// `flatnonzero`).
    pub fn flatnonzero(&self) -> Result<Array> {
        self.ravel()?
            .nonzero()?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal {
                what: "nonzero of a 1-d array gave no array".into(),
            })
    }
}

/// Launches the gather of an advanced index: each piece of the result reads the view
/// whole (only its image of it, for a 1-D view indexed by one 1-D array).
fn gather(p: &Advanced) -> Result<Array> {
    let dense = &p.view.dense;
    let out_shape = p.out_shape();
    let out = dense.empty(&out_shape, p.view.dtype())?;
    if out.size() == 0 {
        return Ok(out);
    }
    let views = p.index_views(&out_shape)?;
    let mut task = dense.rt.create_auto_task(&dense.lib, GATHER_ND)?;
    let o = task.add_output(&out.store);
    let src = task.add_input(&p.view.store);
    let mut vars = Vec::new();
    for v in &views {
        let var = task.add_input(v);
        task.add_constraint(align(var, o));
        vars.push(var);
    }
    match vars.as_slice() {
        [only] if p.view.ndim() == 1 && out_shape.len() == 1 => {
            task.add_constraint(image(*only, src, ImageKind::MinMax));
        }
        _ => task.add_constraint(broadcast(src, &[])),
    }
    for c in p.codes() {
        task.add_scalar_arg(c);
    }
    task.execute()?;
    Ok(out)
}

/// Launches the scatter of an advanced index: values and indices whole at every point,
/// the target cut along its first dimension.
fn scatter(p: &Advanced, value: &Array) -> Result<()> {
    let dense = &p.view.dense;
    let out_shape = p.out_shape();
    let mut v = value.as_type(p.view.dtype())?;
    // NumPy drops leading unit dimensions of a value with more dimensions than the target.
    while v.ndim() > out_shape.len() && v.shape().first() == Some(&1) {
        v = v.index(&[Index::At(0)])?;
    }
    let v = v.broadcast_to(&out_shape)?;
    if v.size() == 0 {
        return Ok(());
    }
    let views = p.index_views(&out_shape)?;
    let mut task = dense.rt.create_auto_task(&dense.lib, SCATTER_ND)?;
    let mut vars = vec![task.add_input(&v.store)];
    for s in &views {
        vars.push(task.add_input(s));
    }
    for var in vars {
        task.add_constraint(broadcast(var, &[]));
    }
    // The target as input and output: read-write, so untouched elements keep their values.
    let target_in = task.add_input(&p.view.store);
    let target_out = task.add_output(&p.view.store);
    task.add_constraint(align(target_in, target_out));
    let ndim = p.view.ndim();
    if v.size() < SCATTER_MIN_PARALLEL || ndim == 0 {
        task.add_constraint(broadcast(target_in, &[]));
    } else if ndim > 1 {
        let rest: Vec<usize> = (1..ndim).collect();
        task.add_constraint(broadcast(target_in, &rest));
    }
    for c in p.codes() {
        task.add_scalar_arg(c);
    }
    task.add_scalar_arg(p.view.shape().first().map_or(1, |&e| e as u64));
    task.execute()
}

/// The fewest values a scatter spreads over several points, each owning a band of the
/// target's first dimension: every point reads all the values and indices, so below this
/// one point is cheaper.
const SCATTER_MIN_PARALLEL: usize = 1 << 15;

/// Maps a point of the result (relative to its piece) to the element of the indexed
/// view's piece it reads or writes: the result's own coordinates along kept dimensions,
/// the index arrays' values along the others (see [`Advanced::codes`]).
struct Locator<'a> {
    codes: &'a [i64],
    indices: &'a [ArrayViewD<'a, i64>],
    out_lo: Point,
    src_lo: Point,
    src_shape: &'a [usize],
}

impl Locator<'_> {
    /// Fills `pos` with the element's position in the view's piece; else gives the index
    /// dimension and the index that falls outside the piece.
    fn locate(
        &self,
        p: &[usize],
        pos: &mut [usize; MAX_DIM],
    ) -> std::result::Result<(), (usize, i64)> {
        for (d, &c) in self.codes.iter().enumerate() {
            let g = if c >= 0 {
                let c = c as usize;
                p.get(c).map(|&l| self.out_lo[c] + l as i64)
            } else {
                self.indices
                    .get((-c - 1) as usize)
                    .and_then(|ix| ix.get(p))
                    .copied()
            }
            .ok_or((d, 0i64))?;
            let local = g - self.src_lo[d];
            match (self.src_shape.get(d), pos.get_mut(d)) {
                (Some(&e), Some(slot)) if local >= 0 && (local as usize) < e => {
                    *slot = local as usize
                }
                _ => return Err((d, g)),
            }
        }
        Ok(())
    }
}

/// `out[p] = src[pos(p)]`: inputs are the source view, then the index arrays (shaped
/// like `out`); scalars are the codes of [`Advanced::codes`].
fn gather_nd<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let src_store = ctx.input(0)?;
    let src_lo = src_store.rect().lo;
    let src = src_store.read::<T>()?;
    let n = src.ndim();
    let indices = (1..ctx.num_inputs())
        .map(|i| ctx.input(i).and_then(|s| s.read::<i64>()))
        .collect::<legate_core::Result<Vec<_>>>()?;
    let codes = (0..n)
        .map(|d| ctx.scalar_value::<i64>(d))
        .collect::<legate_core::Result<Vec<_>>>()?;
    let out_store = ctx.output(0)?;
    let out_lo = out_store.rect().lo;
    let mut out = out_store.write::<T>()?;
    let failed = AtomicBool::new(false);
    let bad_index = AtomicI64::new(0);
    let src_shape = src.shape().to_vec();
    let locator = Locator {
        codes: &codes,
        indices: &indices,
        out_lo,
        src_lo,
        src_shape: &src_shape,
    };
    let put = |p: &[usize], o: &mut T| {
        let mut pos = [0usize; MAX_DIM];
        let found = locator
            .locate(p, &mut pos)
            .map_err(|(_, g)| g)
            .and_then(|()| src.get(&pos[..n]).ok_or(0));
        match found {
            Ok(v) => *o = *v,
            Err(bad) => {
                bad_index.store(bad, Ordering::Relaxed);
                failed.store(true, Ordering::Relaxed);
            }
        }
    };
    let nd = out.ndim();
    match ctx.pool() {
        // The group's threads take rows (sub-arrays along the first axis) of the piece.
        Some(pool) if nd > 0 => pool.install(|| {
            out.axis_iter_mut(Axis(0))
                .into_par_iter()
                .enumerate()
                .for_each(|(i0, mut row)| {
                    let mut full = [0usize; MAX_DIM];
                    full[0] = i0;
                    for (q, o) in row.indexed_iter_mut() {
                        full[1..nd].copy_from_slice(q.slice());
                        put(&full[..nd], o);
                    }
                })
        }),
        _ => {
            for (q, o) in out.indexed_iter_mut() {
                put(q.slice(), o);
            }
        }
    }
    if failed.load(Ordering::Relaxed) {
        return Err(TaskError::new(format!(
            "index {} is out of bounds of the gathered piece",
            bad_index.load(Ordering::Relaxed)
        )));
    }
    Ok(())
}

/// `target[pos(p)] = values[p]` in row-major order of `p` (later writes win): inputs are
/// the values, the index arrays, then the target (read through the output).
fn scatter_nd<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let vals_store = ctx.input(0)?;
    let vals_lo = vals_store.rect().lo;
    let vals = vals_store.read::<T>()?;
    let indices = (1..ctx.num_inputs().saturating_sub(1))
        .map(|i| ctx.input(i).and_then(|s| s.read::<i64>()))
        .collect::<legate_core::Result<Vec<_>>>()?;
    let target_store = ctx.output(0)?;
    let target_lo = target_store.rect().lo;
    let mut target = target_store.write::<T>()?;
    let n = target.ndim();
    let codes = (0..n)
        .map(|d| ctx.scalar_value::<i64>(d))
        .collect::<legate_core::Result<Vec<_>>>()?;
    let whole0 = ctx.scalar_value::<u64>(n)? as i64;
    let target_shape = target.shape().to_vec();
    let locator = Locator {
        codes: &codes,
        indices: &indices,
        out_lo: vals_lo,
        src_lo: target_lo,
        src_shape: &target_shape,
    };
    let mut pos = [0usize; MAX_DIM];
    for (p, &v) in vals.indexed_iter() {
        let slot = locator
            .locate(p.slice(), &mut pos)
            .and_then(|()| target.get_mut(&pos[..n]).ok_or((0, 0)));
        match slot {
            Ok(t) => *t = v,
            // Another point's tile (the target is cut along its first dimension only).
            Err((0, g)) if (0..whole0).contains(&g) => {}
            Err((_, bad)) => {
                return Err(TaskError::new(format!(
                    "index {bad} is out of bounds of the scattered piece"
                )))
            }
        }
    }
    Ok(())
}

/// The positions of the non-zero elements of a piece (a block of whole rows), one
/// unbound output per dimension. The OMP variant scans rows on the group's threads and
/// joins them in order.
fn nonzero_nd<T: Elem>(ctx: &TaskContext<'_>) -> TaskResult {
    let input = ctx.input(0)?;
    let lo = input.rect().lo;
    let x = input.read::<T>()?;
    let n = x.ndim();
    // The positions in `x` (first index `i0` along axis 0) of its non-zero elements.
    let scan = |i0: usize, x: legate_core::ndarray::ArrayViewD<'_, T>| {
        let mut coords: Vec<Vec<i64>> = vec![Vec::new(); n];
        // A contiguous vector (a boolean mask, most often): a plain scan of its elements.
        if let (1, Some(s)) = (n, x.as_slice()) {
            let first = lo[0] + i0 as i64;
            coords[0].extend(
                s.iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_zero())
                    .map(|(i, _)| first + i as i64),
            );
            return coords;
        }
        for (p, v) in x.indexed_iter() {
            if !v.is_zero() {
                for (d, c) in coords.iter_mut().enumerate() {
                    let at = if d == 0 { i0 + p[0] } else { p[d] };
                    c.push(lo[d] + at as i64);
                }
            }
        }
        coords
    };
    let coords = match ctx.pool() {
        Some(pool) if n > 0 && x.len_of(Axis(0)) > 1 => {
            let chunk = x
                .len_of(Axis(0))
                .div_ceil(4 * pool.current_num_threads().max(1));
            let rows: Vec<Vec<Vec<i64>>> = pool.install(|| {
                x.axis_chunks_iter(Axis(0), chunk)
                    .into_par_iter()
                    .enumerate()
                    .map(|(k, rows)| scan(k * chunk, rows))
                    .collect()
            });
            let mut all: Vec<Vec<i64>> = vec![Vec::new(); n];
            for row in rows {
                for (a, r) in all.iter_mut().zip(row) {
                    a.extend(r);
                }
            }
            all
        }
        _ => scan(0, x.view()),
    };
    for (d, c) in coords.into_iter().enumerate() {
        ctx.output(d)?.bind_data(c)?;
    }
    Ok(())
}

/// Registers the tasks of advanced indexing.
pub(crate) fn register(lib: &Library) -> Result<()> {
    lib.register_task(
        GATHER_ND,
        elementwise("gather_nd", |ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch!(ty, gather_nd(ctx))
        }),
    )?;
    lib.register_task(
        SCATTER_ND,
        TaskDef::new("scatter_nd").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch!(ty, scatter_nd(ctx))
        }),
    )?;
    lib.register_task(
        NONZERO_ND,
        elementwise("nonzero_nd", |ctx: &mut TaskContext<'_>| {
            let ty = ctx.input(0)?.ty();
            dispatch!(ty, nonzero_nd(ctx))
        }),
    )?;
    Ok(())
}
