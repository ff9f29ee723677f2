//! The machines every test file runs on: runtimes whose minimum piece is one element, so
//! that even small arrays are really cut into pieces.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use legate_core::{Config, Runtime};
use legate_dense::Dense;

/// `cpus` CPU workers.
pub fn dense(cpus: usize) -> Arc<Dense> {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    Dense::new(&Runtime::new(config).unwrap()).unwrap()
}

/// One CPU and two OMP groups of two threads (tasks with OMP variants run there).
pub fn omp_dense() -> Arc<Dense> {
    let mut config = Config::with_cpus(1);
    config.omps = 2;
    config.ompthreads = 2;
    config.min_omp_chunk = 1;
    config.min_cpu_chunk = 1;
    Dense::new(&Runtime::new(config).unwrap()).unwrap()
}

/// 1, 2 and 4 CPUs, then the OMP machine.
pub fn machines() -> Vec<Arc<Dense>> {
    vec![dense(1), dense(2), dense(4), omp_dense()]
}

/// Runs `f` on every machine of [`machines`].
pub fn each_machine(mut f: impl FnMut(&Arc<Dense>)) {
    for d in machines() {
        f(&d);
    }
}

/// Runs `f` with 1, 2 and 4 CPUs.
pub fn each_cpu_count(mut f: impl FnMut(&Arc<Dense>)) {
    for cpus in [1, 2, 4] {
        f(&dense(cpus));
    }
}
