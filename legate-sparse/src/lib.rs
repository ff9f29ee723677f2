//! legate-sparse: sparse matrices (CSR, CSC, COO, DIA) as Legate stores, composing with
//! `legate-dense` arrays without shuffles.
//!
//! This crate is being written; its surface is tracked by the project's issues.
