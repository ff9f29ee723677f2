//! Creating arrays: `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, from host data.

use std::sync::Arc;

use legate_core::ndarray::ArrayD;
use legate_core::{Element, Error, Result, Scalar, Type};

use crate::array::{to_u64, Array};
use crate::context::Dense;
use crate::tasks::ids;

impl Dense {
    /// An array of `shape` whose values are unspecified (zero here: instances start zeroed).
    pub fn empty(self: &Arc<Self>, shape: &[usize], ty: Type) -> Result<Array> {
        let store = self.rt.create_store(ty, &to_u64(shape))?;
        Ok(Array::new(self, store))
    }

    /// An array of `shape` filled with `value` cast to `ty`.
    pub fn full(self: &Arc<Self>, shape: &[usize], value: Scalar, ty: Type) -> Result<Array> {
        let a = self.empty(shape, ty)?;
        self.rt.fill(&a.store, value.cast(ty))?;
        Ok(a)
    }

    /// An array of zeros.
    pub fn zeros(self: &Arc<Self>, shape: &[usize], ty: Type) -> Result<Array> {
        self.full(shape, Scalar::zero(ty), ty)
    }

    /// An array of ones.
    pub fn ones(self: &Arc<Self>, shape: &[usize], ty: Type) -> Result<Array> {
        self.full(shape, Scalar::one(ty), ty)
    }

    /// Values `start, start + step, ...` below `stop` (above, for a negative step), as
    /// NumPy's `arange`: `ceil((stop - start) / step)` elements.
    pub fn arange(self: &Arc<Self>, start: f64, stop: f64, step: f64, ty: Type) -> Result<Array> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
            return Err(Error::InvalidArgument {
                what: format!("arange: bad start, stop or step ({start}, {stop}, {step})"),
            });
        }
        let n = ((stop - start) / step).ceil().max(0.0) as u64;
        let a = self.empty(&[n as usize], ty)?;
        self.fill_arithmetic(&a, start, step)?;
        Ok(a)
    }

    /// `num` evenly spaced values from `start` to `stop` (included when `endpoint`).
    pub fn linspace(
        self: &Arc<Self>,
        start: f64,
        stop: f64,
        num: usize,
        endpoint: bool,
        ty: Type,
    ) -> Result<Array> {
        let div = if endpoint { num.saturating_sub(1) } else { num };
        let step = if div == 0 {
            0.0
        } else {
            (stop - start) / div as f64
        };
        let a = self.empty(&[num], ty)?;
        self.fill_arithmetic(&a, start, step)?;
        if endpoint && num > 1 {
            // The last value is exactly `stop`, as NumPy makes it.
            let last = a.store.slice(0, Some(num as i64 - 1), None, 1)?;
            self.rt.fill(&last, Scalar::new(stop).cast(ty))?;
        }
        Ok(a)
    }

    /// Element `i` of the 1-D array `a` becomes `start + i * step` (cast to its type).
    fn fill_arithmetic(self: &Arc<Self>, a: &Array, start: f64, step: f64) -> Result<()> {
        let mut task = self.rt.create_auto_task(&self.lib, ids::ARANGE)?;
        task.add_output(&a.store);
        task.add_scalar_arg(start);
        task.add_scalar_arg(step);
        task.add_scalar_arg(start as i64);
        task.add_scalar_arg(step as i64);
        task.execute()
    }

    /// An `n x m` array with ones on diagonal `k` and zeros elsewhere.
    pub fn eye(self: &Arc<Self>, n: usize, m: Option<usize>, k: i64, ty: Type) -> Result<Array> {
        let a = self.empty(&[n, m.unwrap_or(n)], ty)?;
        let mut task = self.rt.create_auto_task(&self.lib, ids::EYE)?;
        task.add_output(&a.store);
        task.add_scalar_arg(k);
        task.execute()?;
        Ok(a)
    }

    /// The `n x n` identity matrix.
    pub fn identity(self: &Arc<Self>, n: usize, ty: Type) -> Result<Array> {
        self.eye(n, None, 0, ty)
    }

    /// An array holding a copy of an ndarray.
    pub fn from_ndarray<T: Element>(self: &Arc<Self>, a: &ArrayD<T>) -> Result<Array> {
        Ok(Array::new(self, self.rt.store_from_array(a)?))
    }

    /// An array of `shape` holding a copy of `data` (row-major).
    pub fn from_vec<T: Element>(self: &Arc<Self>, data: Vec<T>, shape: &[usize]) -> Result<Array> {
        Ok(Array::new(
            self,
            self.rt.store_from_vec(data, &to_u64(shape))?,
        ))
    }

    /// A 0-d array holding `value`.
    pub fn scalar(self: &Arc<Self>, value: Scalar) -> Result<Array> {
        Ok(Array::new(self, self.rt.create_scalar_store(value)?))
    }
}

impl Array {
    /// Zeros of this array's shape and type.
    pub fn zeros_like(&self) -> Result<Array> {
        self.dense.zeros(&self.shape(), self.dtype())
    }

    /// Ones of this array's shape and type.
    pub fn ones_like(&self) -> Result<Array> {
        self.dense.ones(&self.shape(), self.dtype())
    }

    /// `value` in this array's shape and type.
    pub fn full_like(&self, value: Scalar) -> Result<Array> {
        self.dense.full(&self.shape(), value, self.dtype())
    }

    /// Sets every element to `value` (cast to the array's type), through any view.
    pub fn fill(&self, value: Scalar) -> Result<()> {
        self.dense.rt.fill(&self.store, value.cast(self.dtype()))
    }
}
