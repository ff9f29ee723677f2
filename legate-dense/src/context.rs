//! The library's registration with a runtime.

use std::sync::{Arc, Mutex, OnceLock};

use legate_core::{BlockKernel, ComposableKernel, Library, LogicalStore, Result, Runtime};

/// The name of the library in the runtime.
pub const LIBRARY_NAME: &str = "legate.dense";

/// legate-dense registered with one runtime: what every [`Array`](crate::Array) carries.
pub struct Dense {
    pub(crate) rt: Runtime,
    pub(crate) lib: Library,
    /// The state of the legacy `np.random` functions.
    pub(crate) legacy_random: crate::random::LegacyState,
}

impl Dense {
    /// Registers the library's tasks with `rt` (once; later calls share them).
    pub fn new(rt: &Runtime) -> Result<Arc<Dense>> {
        static REGISTERING: Mutex<()> = Mutex::new(());
        let lib = rt.create_library(LIBRARY_NAME)?;
        let _guard = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
        if lib.task(crate::tasks::ids::FIRST).is_err() {
            crate::tasks::register(&lib)?;
        }
        Ok(Arc::new(Dense {
            rt: rt.clone(),
            lib,
            legacy_random: Default::default(),
        }))
    }

    /// The library on the process-wide runtime (configured from `LEGATE_CONFIG`).
    pub fn global() -> Result<Arc<Dense>> {
        static GLOBAL: OnceLock<Arc<Dense>> = OnceLock::new();
        if let Some(d) = GLOBAL.get() {
            return Ok(Arc::clone(d));
        }
        let d = Dense::new(&Runtime::global()?)?;
        Ok(Arc::clone(GLOBAL.get_or_init(|| d)))
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Issues an element-wise operation, described for composition where it has a
    /// description (see `chain.rs`).
    pub(crate) fn issue_elementwise(
        &self,
        kernel: BlockKernel,
        chain: Option<Arc<dyn ComposableKernel>>,
        inputs: &[&LogicalStore],
        output: &LogicalStore,
    ) -> Result<()> {
        match chain {
            Some(chain) => self
                .rt
                .elementwise_composable(kernel, chain, inputs, output),
            None => self.rt.elementwise(kernel, inputs, output),
        }
    }
}
