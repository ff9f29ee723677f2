//! Views: basic indexing, transposes, broadcasting and reshaping. Views alias their base.

use legate_core::{Error, Result};

use crate::array::Array;

/// One entry of a basic index, as in `a[1, 2:10:3, np.newaxis, ::-1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// A single position (drops the dimension); negative counts from the end.
    At(i64),
    /// `start:stop:step` with Python's defaults and clamping.
    Slice {
        /// First position (default: the start for a positive step, the end otherwise).
        start: Option<i64>,
        /// Position to stop before.
        stop: Option<i64>,
        /// Step, not zero.
        step: i64,
    },
    /// A new dimension of extent 1 (`np.newaxis`).
    NewAxis,
    /// As many full slices as needed (`...`).
    Ellipsis,
}

impl Index {
    /// The full slice `:`.
    pub const ALL: Index = Index::Slice {
        start: None,
        stop: None,
        step: 1,
    };

    /// `start:stop`.
    pub fn range(start: i64, stop: i64) -> Index {
        Index::Slice {
            start: Some(start),
            stop: Some(stop),
            step: 1,
        }
    }
}

fn axis_error(axis: isize, ndim: usize) -> Error {
    Error::AxisOutOfBounds {
        axis: axis as i64,
        ndim,
    }
}

/// Normalizes a possibly negative axis.
pub(crate) fn normalize_axis(axis: isize, ndim: usize) -> Result<usize> {
    let a = if axis < 0 { axis + ndim as isize } else { axis };
    if a < 0 || a as usize >= ndim {
        return Err(axis_error(axis, ndim));
    }
    Ok(a as usize)
}

impl Array {
    fn with_store(&self, store: legate_core::LogicalStore) -> Array {
        Array::new(&self.dense, store)
    }

    /// Basic indexing: a view of the array (NumPy's `a[...]` with integers, slices,
    /// `newaxis` and `...`).
    ///
    /// ```
    /// # use legate_dense::{Dense, Index};
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
    /// let a = d.arange(0.0, 12.0, 1.0, Type::Int64).unwrap().reshape(&[3, 4]).unwrap();
    /// let v = a.index(&[Index::At(-1), Index::Slice { start: None, stop: None, step: -2 }]).unwrap();
    /// assert_eq!(v.to_vec::<i64>().unwrap(), vec![11, 9]);
    /// ```
    pub fn index(&self, idx: &[Index]) -> Result<Array> {
        let explicit = idx
            .iter()
            .filter(|i| !matches!(i, Index::NewAxis | Index::Ellipsis))
            .count();
        if idx.iter().filter(|i| matches!(i, Index::Ellipsis)).count() > 1 {
            return Err(Error::InvalidArgument {
                what: "an index can only have a single ellipsis ('...')".into(),
            });
        }
        if explicit > self.ndim() {
            return Err(Error::IndexOutOfBounds {
                dim: self.ndim(),
                index: explicit as i64,
                extent: self.ndim() as u64,
            });
        }
        let mut store = self.store.clone();
        let mut dim = 0; // the dimension of `store` the next entry applies to
        for entry in idx {
            match *entry {
                Index::At(i) => {
                    let extent = store.shape()[dim] as i64;
                    let j = if i < 0 { i + extent } else { i };
                    if j < 0 || j >= extent {
                        return Err(Error::IndexOutOfBounds {
                            dim,
                            index: i,
                            extent: extent as u64,
                        });
                    }
                    store = store.project(dim, j)?;
                }
                Index::Slice { start, stop, step } => {
                    store = store.slice(dim, start, stop, step)?;
                    dim += 1;
                }
                Index::NewAxis => {
                    store = store.promote(dim, 1)?;
                    dim += 1;
                }
                Index::Ellipsis => dim += self.ndim() - explicit,
            }
        }
        Ok(self.with_store(store))
    }

    /// The view with the dimensions permuted (`axes` as NumPy's `transpose`; reversed when `None`).
    pub fn transpose(&self, axes: Option<&[usize]>) -> Result<Array> {
        let n = self.ndim();
        let perm: Vec<usize> = match axes {
            Some(a) => a.to_vec(),
            None => (0..n).rev().collect(),
        };
        if perm.len() != n {
            return Err(Error::InvalidArgument {
                what: "axes don't match array".into(),
            });
        }
        Ok(self.with_store(self.store.transpose(&perm)?))
    }

    /// The transpose (`a.T`).
    pub fn t(&self) -> Result<Array> {
        self.transpose(None)
    }

    /// The view with two axes exchanged.
    pub fn swapaxes(&self, a: isize, b: isize) -> Result<Array> {
        let n = self.ndim();
        let (a, b) = (normalize_axis(a, n)?, normalize_axis(b, n)?);
        let mut perm: Vec<usize> = (0..n).collect();
        perm.swap(a, b);
        self.transpose(Some(&perm))
    }

    /// The view with axis `src` moved to position `dst`.
    pub fn moveaxis(&self, src: isize, dst: isize) -> Result<Array> {
        let n = self.ndim();
        let (s, d) = (normalize_axis(src, n)?, normalize_axis(dst, n)?);
        let mut perm: Vec<usize> = (0..n).filter(|&i| i != s).collect();
        perm.insert(d, s);
        self.transpose(Some(&perm))
    }

    /// A view with a new dimension of extent 1 at `axis`.
    pub fn expand_dims(&self, axis: isize) -> Result<Array> {
        let n = self.ndim() + 1;
        let a = normalize_axis(axis, n)?;
        Ok(self.with_store(self.store.promote(a, 1)?))
    }

    /// A view without dimensions of extent 1 (only `axis`, when given, which must have extent 1).
    pub fn squeeze(&self, axis: Option<isize>) -> Result<Array> {
        let shape = self.shape();
        let axes: Vec<usize> = match axis {
            Some(a) => {
                let a = normalize_axis(a, shape.len())?;
                if shape[a] != 1 {
                    return Err(Error::InvalidArgument {
                        what:
                            "cannot select an axis to squeeze out which has size not equal to one"
                                .into(),
                    });
                }
                vec![a]
            }
            None => (0..shape.len()).filter(|&d| shape[d] == 1).collect(),
        };
        let mut store = self.store.clone();
        for &d in axes.iter().rev() {
            store = store.project(d, 0)?;
        }
        Ok(self.with_store(store))
    }

    /// A read-only view of the array broadcast to `shape` (NumPy's rules: dimensions
    /// match from the end; a dimension of extent 1 stretches).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Array> {
        let own = self.shape();
        if own.len() > shape.len() {
            return Err(broadcast_error(&own, shape));
        }
        let mut store = self.store.clone();
        let lead = shape.len() - own.len();
        for (d, &e) in shape.iter().enumerate().take(lead) {
            store = store.promote(d, e as u64)?;
        }
        for (k, &e) in own.iter().enumerate() {
            let d = lead + k;
            if e == shape[d] {
                continue;
            }
            if e != 1 {
                return Err(broadcast_error(&own, shape));
            }
            store = store.broadcast(d, shape[d] as u64)?;
        }
        Ok(self.with_store(store))
    }

    /// The same values in a new shape (one extent may be `-1`). A view when the new shape
    /// only splits dimensions (`(12,)` to `(3, 4)`); a copy otherwise, as NumPy does when
    /// the data cannot be viewed.
    pub fn reshape(&self, shape: &[i64]) -> Result<Array> {
        let size = self.size() as i64;
        let unknown = shape.iter().filter(|&&e| e == -1).count();
        if unknown > 1 || shape.iter().any(|&e| e < -1) {
            return Err(Error::InvalidArgument {
                what: format!("bad shape {shape:?} for reshape"),
            });
        }
        let known: i64 = shape.iter().filter(|&&e| e != -1).product();
        let target: Vec<usize> = shape
            .iter()
            .map(|&e| {
                if e == -1 {
                    if known == 0 {
                        0
                    } else {
                        (size / known) as usize
                    }
                } else {
                    e as usize
                }
            })
            .collect();
        if target.iter().product::<usize>() as i64 != size {
            return Err(Error::InvalidArgument {
                what: format!("cannot reshape array of size {size} into shape {shape:?}"),
            });
        }
        if let Some(store) = self.split_view(&target)? {
            return Ok(self.with_store(store));
        }
        // A view that walks its whole storage in order (a reshape of it) reshapes like the
        // storage itself.
        if self.is_whole_storage_in_order() {
            let base = self.with_store(self.store.storage_store());
            if let Some(store) = base.split_view(&target)? {
                return Ok(self.with_store(store));
            }
        }
        crate::ops::reshape_copy(self, &target)
    }

    /// The view that reshapes by splitting each dimension into consecutive new ones, if
    /// the new shape is such a refinement (dimensions of extent 1 are free to come and go).
    fn split_view(&self, target: &[usize]) -> Result<Option<legate_core::LogicalStore>> {
        // Work on the shapes without ones, then put the ones of the target back.
        let own = self.shape();
        let mut store = self.store.clone();
        for d in (0..own.len()).rev().filter(|&d| own[d] == 1) {
            store = store.project(d, 0)?;
        }
        let src: Vec<usize> = own.iter().copied().filter(|&e| e != 1).collect();
        let dst: Vec<usize> = target.iter().copied().filter(|&e| e != 1).collect();
        if src.contains(&0) || dst.contains(&0) {
            return Ok(None);
        }
        let mut groups = Vec::new(); // for each source dim, the target extents it splits into
        let mut j = 0;
        for &e in &src {
            let mut prod = 1;
            let mut group = Vec::new();
            while prod < e && j < dst.len() {
                prod *= dst[j];
                group.push(dst[j] as u64);
                j += 1;
            }
            if prod != e {
                return Ok(None);
            }
            groups.push(group);
        }
        if j != dst.len() {
            return Ok(None);
        }
        let mut d = 0;
        for group in groups {
            let n = group.len();
            if n > 1 {
                store = store.delinearize(d, &group)?;
            }
            d += n;
        }
        for (k, &e) in target.iter().enumerate() {
            if e == 1 {
                store = store.promote(k, 1)?;
            }
        }
        Ok(Some(store))
    }

    /// Whether the view visits every element of its storage, in the storage's order.
    fn is_whole_storage_in_order(&self) -> bool {
        let view = self.store.view();
        if self.store.volume() != view.storage_shape().iter().product::<u64>() {
            return false;
        }
        let (offset, strides) = view.affine();
        let shape = self.shape();
        let mut expected = 1i64;
        for d in (0..shape.len()).rev() {
            if shape[d] > 1 && strides[d] != expected {
                return false;
            }
            expected *= shape[d] as i64;
        }
        offset == 0
    }

    /// The values as one dimension (a view when possible).
    pub fn ravel(&self) -> Result<Array> {
        self.reshape(&[-1])
    }
}

pub(crate) fn broadcast_error(a: &[usize], b: &[usize]) -> Error {
    Error::ShapeMismatch {
        context: "operands could not be broadcast together",
        left: a.iter().map(|&e| e as u64).collect(),
        right: b.iter().map(|&e| e as u64).collect(),
    }
}

/// The shape two shapes broadcast to (NumPy's rules).
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for (k, o) in out.iter_mut().enumerate() {
        let x = if k + a.len() >= n {
            a[k + a.len() - n]
        } else {
            1
        };
        let y = if k + b.len() >= n {
            b[k + b.len() - n]
        } else {
            1
        };
        *o = if x == y || y == 1 {
            x
        } else if x == 1 {
            y
        } else {
            return Err(broadcast_error(a, b));
        };
    }
    Ok(out)
}
