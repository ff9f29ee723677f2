//! Advanced indexing: `take`, `put`, boolean masks (`extract`, `compress`) and `nonzero`.
//! Results whose size depends on the data are unbound stores, sized by the tasks.

use legate_core::{align, Error, Result, Type};

use crate::array::Array;
use crate::tasks::ids;

impl Array {
    /// Integer indices as `int64`, wrapped from the end where negative, checked against `n`.
    fn wrapped_indices(&self, indices: &Array, n: usize) -> Result<Array> {
        if !(indices.dtype().is_integer() || indices.dtype().is_bool()) {
            return Err(Error::TypeMismatch {
                expected: Type::Int64,
                found: indices.dtype(),
            });
        }
        let idx = indices.as_type(Type::Int64)?;
        if idx.size() > 0 {
            let (lo, hi) = (
                idx.min(None, false)?.item::<i64>()?,
                idx.max(None, false)?.item::<i64>()?,
            );
            let n = n as i64;
            if lo < -n || hi >= n {
                let bad = if lo < -n { lo } else { hi };
                return Err(Error::IndexOutOfBounds {
                    dim: 0,
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

    /// `a.take(indices)` of the flattened array: elements at integer positions, in the
    /// shape of `indices` (negative positions count from the end).
    pub fn take(&self, indices: &Array) -> Result<Array> {
        let flat = self.ravel()?;
        let idx = self.wrapped_indices(indices, flat.size())?;
        let out = self.dense.empty(&idx.shape(), self.dtype())?;
        self.dense.rt.gather(&out.store, &flat.store, &idx.store)?;
        Ok(out)
    }

    /// `a.put(indices, values)`: writes `values` at integer positions of the flattened
    /// array; where positions repeat, the last value wins.
    pub fn put(&self, indices: &Array, values: &Array) -> Result<()> {
        let flat = self.ravel()?;
        let idx = self.wrapped_indices(indices, flat.size())?.ravel()?;
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
        if !flat.shares_storage(self) {
            // The flattened form was a copy: write it back through this view.
            let shape: Vec<i64> = self.shape().iter().map(|&e| e as i64).collect();
            self.assign(&flat.reshape(&shape)?)?;
        }
        Ok(())
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
            task.add_constraint(legate_core::broadcast(vx, &rest));
        }
        task.execute()?;
        Ok(Array::new(&self.dense, out))
    }

    /// The elements along axis 0 of a 1-D array where `condition` holds (NumPy's `compress`).
    pub fn compress(&self, condition: &Array) -> Result<Array> {
        if self.ndim() != 1 || condition.ndim() != 1 {
            return Err(Error::NotImplemented {
                what: "compress of arrays with more than one dimension".into(),
            });
        }
        let n = condition.size().min(self.size()) as i64;
        let part = self.index(&[crate::Index::range(0, n)])?;
        part.extract(&condition.index(&[crate::Index::range(0, n)])?)
    }

    /// The positions of the non-zero elements of a 1-D array (NumPy's `nonzero()[0]`).
    pub fn nonzero(&self) -> Result<Array> {
        if self.ndim() != 1 {
            return Err(Error::NotImplemented {
                what: "nonzero of arrays with more than one dimension".into(),
            });
        }
        let out = self.dense.rt.create_unbound_store(Type::Int64);
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, ids::NONZERO)?;
        task.add_input(&self.store);
        task.add_output(&out);
        task.execute()?;
        Ok(Array::new(&self.dense, out))
    }
}
