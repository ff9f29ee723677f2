//! legate-dense: distributed n-dimensional arrays with NumPy semantics, built only on
//! the public API of `legate-core`.
//!
//! This crate is being written; its surface is tracked by the project's issues.
