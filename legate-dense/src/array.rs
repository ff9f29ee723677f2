//! The [`Array`] type: a store of the runtime, with NumPy's semantics.

use std::fmt;
use std::sync::Arc;

use legate_core::ndarray::ArrayD;
use legate_core::{Element, Error, LogicalStore, Result, Scalar, Type};

use crate::context::Dense;
use crate::fused::astype_kernel;

/// An n-dimensional array distributed by the runtime, with NumPy's semantics.
///
/// Cloning an `Array` makes another handle to the same data (like binding a second
/// Python name); views made by indexing alias it too. Operations issue tasks and return
/// at once; reading values (`to_ndarray`, `item`) waits for them.
///
/// ```
/// use legate_dense::{Dense, Array};
/// use legate_core::{Runtime, Type};
/// let dense = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
/// let a = dense.arange(0.0, 6.0, 1.0, Type::Float64).unwrap().reshape(&[2, 3]).unwrap();
/// let b = (&a * 2.0).unwrap();
/// assert_eq!(b.to_vec::<f64>().unwrap(), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
/// ```
#[derive(Clone)]
pub struct Array {
    pub(crate) store: LogicalStore,
    pub(crate) dense: Arc<Dense>,
}

impl Array {
    pub(crate) fn new(dense: &Arc<Dense>, store: LogicalStore) -> Array {
        Array {
            store,
            dense: Arc::clone(dense),
        }
    }

    /// An array over a store of the runtime (how other libraries hand arrays over).
    pub fn from_store(dense: &Arc<Dense>, store: LogicalStore) -> Array {
        Array::new(dense, store)
    }

    /// The store holding the array's data.
    pub fn store(&self) -> &LogicalStore {
        &self.store
    }

    /// The library context the array belongs to.
    pub fn dense(&self) -> &Arc<Dense> {
        &self.dense
    }

    /// The extents of the dimensions.
    pub fn shape(&self) -> Vec<usize> {
        self.store.shape().iter().map(|&e| e as usize).collect()
    }

    pub(crate) fn shape_u64(&self) -> Vec<u64> {
        self.store.shape()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.store.ndim()
    }

    /// Number of elements.
    pub fn size(&self) -> usize {
        self.store.volume() as usize
    }

    /// The element type.
    pub fn dtype(&self) -> Type {
        self.store.ty()
    }

    /// Bytes per element.
    pub fn itemsize(&self) -> usize {
        self.dtype().size()
    }

    /// Bytes of all elements.
    pub fn nbytes(&self) -> usize {
        self.size() * self.itemsize()
    }

    /// The values, as an ndarray (waits for the tasks writing them).
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>> {
        self.store.read::<T>()
    }

    /// The values in row-major order.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        Ok(self.to_ndarray::<T>()?.iter().copied().collect())
    }

    /// The one value of a single-element array (NumPy's `item()`).
    pub fn item<T: Element>(&self) -> Result<T> {
        if self.size() != 1 {
            return Err(Error::InvalidArgument {
                what: "can only convert an array of size 1 to a scalar".into(),
            });
        }
        self.store.read_scalar::<T>()
    }

    /// The one value as a [`Scalar`] of the array's type.
    pub fn item_scalar(&self) -> Result<Scalar> {
        if self.size() != 1 {
            return Err(Error::InvalidArgument {
                what: "can only convert an array of size 1 to a scalar".into(),
            });
        }
        self.store.read_scalar_value()
    }

    /// The values cast to `ty` (a new array; NumPy's `astype`).
    pub fn astype(&self, ty: Type) -> Result<Array> {
        let out = self.dense.empty(&self.shape(), ty)?;
        if ty == self.dtype() {
            self.dense.rt.copy(&self.store, &out.store)?;
            return Ok(out);
        }
        let kernel = dispatch!(self.dtype(), astype_kernel(ty))?;
        self.dense
            .rt
            .elementwise(kernel, &[&self.store], &out.store)?;
        Ok(out)
    }

    /// The array itself when it already has type `ty`, else a cast copy.
    pub(crate) fn as_type(&self, ty: Type) -> Result<Array> {
        if ty == self.dtype() {
            Ok(self.clone())
        } else {
            self.astype(ty)
        }
    }

    /// A copy with its own storage.
    pub fn copy(&self) -> Result<Array> {
        let out = self.dense.empty(&self.shape(), self.dtype())?;
        self.dense.rt.copy(&self.store, &out.store)?;
        Ok(out)
    }

    /// Whether two arrays are views of the same storage (they may overlap).
    pub fn shares_storage(&self, other: &Array) -> bool {
        self.store.same_storage(&other.store)
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Array(shape={:?}, dtype={})", self.shape(), self.dtype())
    }
}

/// Converts a shape given as `usize` extents.
pub(crate) fn to_u64(shape: &[usize]) -> Vec<u64> {
    shape.iter().map(|&e| e as u64).collect()
}
