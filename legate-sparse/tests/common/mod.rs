//! What the test files share: the library on a number of CPUs, the 2-D Poisson matrix and
//! the blog's matrix.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use legate_core::{Config, Runtime, Type};
use legate_dense::Dense;
use legate_sparse::{CsrMatrix, Sparse};

/// The library on `cpus` CPUs, cutting even small launches.
pub fn sparse(cpus: usize) -> Arc<Sparse> {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    Sparse::new(&Dense::new(&Runtime::new(config).unwrap()).unwrap()).unwrap()
}

/// The 2-D Poisson matrix of a `k x k` grid (5-point Laplacian): the `+-1` diagonals miss
/// an entry at each end of a grid row.
pub fn poisson(sp: &Arc<Sparse>, k: usize) -> CsrMatrix {
    let n = k * k;
    let off: Vec<f64> = (0..n - 1)
        .map(|i| if (i + 1) % k == 0 { 0.0 } else { -1.0 })
        .collect();
    sp.diags(
        &[vec![-1.0], off.clone(), vec![4.0], off, vec![-1.0]],
        &[-(k as i64), -1, 0, 1, k as i64],
        [n, n],
    )
    .unwrap()
}

/// The blog's matrix: `A = random(n, n); A = 0.5 * (A + A.T) + n * eye(n)`.
pub fn blog_matrix(sp: &Arc<Sparse>, n: usize) -> CsrMatrix {
    let a = sp.random(n, n, 0.02, 11, Type::Float64).unwrap();
    a.add(&a.transpose().unwrap())
        .unwrap()
        .mul_scalar(0.5)
        .unwrap()
        .add(
            &sp.eye(n, None, 0, Type::Float64)
                .unwrap()
                .mul_scalar(n as f64)
                .unwrap(),
        )
        .unwrap()
}
