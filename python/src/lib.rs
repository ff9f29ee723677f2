//! Python bindings (pyo3, built by maturin) of the Legate runtime and the `legate.dense`
//! and `legate.sparse` drop-ins: the extension module `legate._legate`.
//!
//! The module is a thin layer of handles and functions; the Python package `legate`
//! (beside this crate) builds NumPy's and SciPy's classes and signatures on it. Every
//! runtime error becomes the exception NumPy raises for it (see `errors.rs`); nothing here
//! panics on user input.

use pyo3::prelude::*;

mod dense;
mod errors;
mod library;
mod runtime;
mod sparse;

/// The extension module.
#[pymodule]
#[pyo3(name = "_legate")]
fn legate_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime::register(m)?;
    dense::register(m)?;
    sparse::register(m)?;
    library::register(m)?;
    Ok(())
}
