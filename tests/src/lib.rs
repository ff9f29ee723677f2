//! Cross-crate tests of the Legate runtime and its libraries; the tests live in `tests/tests/`.
