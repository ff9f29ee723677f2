//! The library's registration with a runtime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use legate_core::{Library, Result, Runtime};
use legate_dense::Dense;

/// The name of the library in the runtime.
pub const LIBRARY_NAME: &str = "legate.sparse";

/// legate-sparse registered with one runtime, beside the legate-dense it shares arrays
/// with: what every sparse matrix carries.
pub struct Sparse {
    pub(crate) dense: Arc<Dense>,
    pub(crate) lib: Library,
    diagonal_forms: AtomicBool,
}

impl Sparse {
    /// Registers the library's tasks with the runtime of `dense` (once; later calls share
    /// them).
    pub fn new(dense: &Arc<Dense>) -> Result<Arc<Sparse>> {
        static REGISTERING: Mutex<()> = Mutex::new(());
        let lib = dense.runtime().create_library(LIBRARY_NAME)?;
        let _guard = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
        if lib.task(crate::tasks::ids::SPMV).is_err() {
            crate::tasks::register(&lib)?;
        }
        Ok(Arc::new(Sparse {
            dense: Arc::clone(dense),
            lib,
            diagonal_forms: AtomicBool::new(
                std::env::var("LEGATE_SPARSE_DIAGONALS").map_or(true, |v| v.trim() != "0"),
            ),
        }))
    }

    /// The library on the process-wide runtime (configured from `LEGATE_CONFIG`).
    pub fn global() -> Result<Arc<Sparse>> {
        static GLOBAL: OnceLock<Arc<Sparse>> = OnceLock::new();
        if let Some(s) = GLOBAL.get() {
            return Ok(Arc::clone(s));
        }
        let s = Sparse::new(&Dense::global()?)?;
        Ok(Arc::clone(GLOBAL.get_or_init(|| s)))
    }

    /// The legate-dense library whose arrays go in and out of sparse operations.
    pub fn dense(&self) -> &Arc<Dense> {
        &self.dense
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        self.dense.runtime()
    }

    /// Whether square `float32`/`float64` CSR matrices of few diagonals are multiplied
    /// through a diagonal form of their values (see the crate docs, "The diagonal form").
    /// On unless the environment sets `LEGATE_SPARSE_DIAGONALS=0`.
    pub fn diagonal_forms(&self) -> bool {
        self.diagonal_forms.load(Ordering::Relaxed)
    }

    /// Turns the diagonal form on or off for the matrices of this library handle (off:
    /// every product reads the CSR stores).
    pub fn set_diagonal_forms(&self, on: bool) {
        self.diagonal_forms.store(on, Ordering::Relaxed);
    }
}
