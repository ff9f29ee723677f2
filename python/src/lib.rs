//! Python bindings (pyo3, built by maturin) of the Legate runtime and the `legate.dense`
//! and `legate.sparse` drop-ins: the extension module `legate._legate`.
//!
//! The module is a thin layer of handles and functions; the Python package `legate`
//! (beside this crate) builds NumPy's and SciPy's classes and signatures on it. Every
//! runtime error becomes the exception NumPy raises for it (see `errors.rs`); nothing here
//! panics on user input.

use pyo3::prelude::*;

/// Calls `$f::<T>($args)` with `T` the Rust type of the dtype `$ty`.
macro_rules! by_type {
    ($ty:expr, $f:ident ( $($arg:expr),* )) => {
        match $ty {
            legate_core::Type::Bool => $f::<bool>($($arg),*),
            legate_core::Type::Int8 => $f::<i8>($($arg),*),
            legate_core::Type::Int16 => $f::<i16>($($arg),*),
            legate_core::Type::Int32 => $f::<i32>($($arg),*),
            legate_core::Type::Int64 => $f::<i64>($($arg),*),
            legate_core::Type::UInt8 => $f::<u8>($($arg),*),
            legate_core::Type::UInt16 => $f::<u16>($($arg),*),
            legate_core::Type::UInt32 => $f::<u32>($($arg),*),
            legate_core::Type::UInt64 => $f::<u64>($($arg),*),
            legate_core::Type::Float16 => $f::<legate_core::half::f16>($($arg),*),
            legate_core::Type::Float32 => $f::<f32>($($arg),*),
            legate_core::Type::Float64 => $f::<f64>($($arg),*),
            legate_core::Type::Complex64 => $f::<legate_core::num_complex::Complex<f32>>($($arg),*),
            legate_core::Type::Complex128 => $f::<legate_core::num_complex::Complex<f64>>($($arg),*),
        }
    };
}

mod dense;
mod errors;
mod functions;
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
    functions::register(m)?;
    Ok(())
}
