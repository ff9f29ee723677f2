//! Python bindings (pyo3, built by maturin) of the Legate runtime and the `legate.dense`
//! and `legate.sparse` drop-ins.
//!
//! This crate is being written; its surface is tracked by the project's issues.
