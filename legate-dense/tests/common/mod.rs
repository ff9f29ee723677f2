//! The machines every test file runs on: runtimes whose minimum piece is one element, so
//! that even small arrays are really cut into pieces.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use legate_core::ndarray::Array2;
use legate_core::{Config, Runtime};
use legate_dense::{Array, Dense, Index};

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

/// The blog's grid: `(n + 2) x (n + 2)` values in `[0, 1)`.
pub fn grid0(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n + 2, n + 2), |(i, j)| {
        ((i * 31 + j * 17) % 97) as f64 / 97.0
    })
}

/// The blog's loop, written as the blog writes it.
pub fn stencil(d: &Arc<Dense>, init: &Array2<f64>, n: usize, iters: usize) -> Array {
    let grid = d.from_ndarray(&init.clone().into_dyn()).unwrap();
    let view = |r: i64, c: i64| {
        grid.index(&[Index::range(r, r + n as i64), Index::range(c, c + n as i64)])
            .unwrap()
    };
    let (center, north, east, west, south) =
        (view(1, 1), view(0, 1), view(1, 2), view(1, 0), view(2, 1));
    for _ in 0..iters {
        let avg = (&(&(&(&center + &north).unwrap() + &east).unwrap() + &west).unwrap() + &south)
            .unwrap();
        let work = (&avg * 0.2).unwrap();
        center.assign(&work).unwrap();
    }
    grid
}
