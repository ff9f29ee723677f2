//! Runtime errors as the exceptions NumPy raises for them.

use legate_core::Error;
use pyo3::exceptions::{
    PyIndexError, PyMemoryError, PyNotImplementedError, PyOSError, PyRuntimeError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;

/// The exception for `e`: `ValueError` for bad values and shapes, `IndexError`,
/// `numpy.exceptions.AxisError`, `TypeError` for types, `MemoryError` past a memory's
/// limit, `numpy.linalg.LinAlgError`, `OSError` for files, `NotImplementedError`.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::InvalidArgument { .. } | Error::ShapeMismatch { .. } | Error::Config(_) => {
            PyValueError::new_err(msg)
        }
        Error::IndexOutOfBounds { .. } => PyIndexError::new_err(msg),
        Error::AxisOutOfBounds { .. } => numpy_error("numpy.exceptions", "AxisError", msg),
        Error::TypeMismatch { .. } | Error::UnsupportedType { .. } => PyTypeError::new_err(msg),
        Error::ResourcesExhausted { .. } => PyMemoryError::new_err(msg),
        Error::NotImplemented { .. } => PyNotImplementedError::new_err(msg),
        Error::LinAlg { .. } => numpy_error("numpy.linalg", "LinAlgError", msg),
        Error::Io { .. } => PyOSError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// An exception class of NumPy (a `RuntimeError` should NumPy be missing).
fn numpy_error(module: &str, class: &str, msg: String) -> PyErr {
    Python::attach(|py| {
        let made = py
            .import(module)
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.call1((msg.clone(),)));
        match made {
            Ok(exc) => PyErr::from_value(exc),
            Err(_) => PyRuntimeError::new_err(msg),
        }
    })
}

/// `?` on a runtime result inside a binding.
pub trait IntoPy<T> {
    /// The value, or the matching Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for legate_core::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
