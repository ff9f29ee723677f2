//! The blog's power iteration and a CG solve on 2 and 3 ranks (threads of this process,
//! through `LocalRanks`): every rank gets the one-process result, the same bits on every
//! rank, and after the first iteration the ranks exchange only what their rows read from
//! their neighbours' (no image is computed again).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use legate_core::{Config, LocalRanks, Runtime};
use legate_dense::{linalg::norm, Array, BinaryOp, Dense};
use legate_sparse::linalg::{self, SolverOptions};
use legate_sparse::{CsrMatrix, Sparse};

/// Runs `program` with the library on `ranks` ranks of `cpus` CPUs each.
fn on_ranks<T: Send + 'static>(
    ranks: usize,
    cpus: usize,
    program: impl Fn(Arc<Sparse>) -> T + Send + Sync + 'static,
) -> Vec<T> {
    LocalRanks::run(ranks, move |transport| {
        let mut config = Config::with_cpus(cpus);
        config.min_cpu_chunk = 1;
        let rt = Runtime::replicated(config, transport).unwrap();
        program(Sparse::new(&Dense::new(&rt).unwrap()).unwrap())
    })
    .unwrap()
}

/// The blog's program: 15 steps of `x = A @ x; x /= norm(x)`, then `x @ (A @ x)`.
fn power_iteration(sp: &Arc<Sparse>, n: usize) -> (f64, Vec<f64>) {
    let a = common::blog_matrix(sp, n);
    sp.dense().seed(5);
    let mut x = sp.dense().rand(&[n]).unwrap();
    for _ in 0..15 {
        let y = a.dot(&x).unwrap();
        let nrm = norm(&y, None, None, false).unwrap();
        y.binary_inplace(BinaryOp::TrueDivide, &nrm).unwrap();
        x = y;
    }
    let q = x.dot(&a.dot(&x).unwrap()).unwrap().item::<f64>().unwrap();
    (q, x.to_vec::<f64>().unwrap())
}

#[test]
fn the_power_iteration_on_ranks_matches_one_process() {
    let n = 400;
    let (want, want_x) = power_iteration(&common::sparse(2), n);
    for ranks in [2, 3] {
        let results = on_ranks(ranks, 2, move |sp| power_iteration(&sp, n));
        for (rank, (q, x)) in results.iter().enumerate() {
            assert_eq!(
                q.to_bits(),
                results[0].0.to_bits(),
                "rank {rank} of {ranks} has other bits than rank 0"
            );
            assert!(
                (q - want).abs() <= 1e-12 * want.abs(),
                "rank {rank} of {ranks}: {q} against {want}"
            );
            for (g, w) in x.iter().zip(&want_x) {
                assert!((g - w).abs() < 1e-13, "rank {rank} of {ranks}");
            }
        }
    }
}

#[test]
fn cg_on_ranks_solves_the_poisson_problem_exchanging_only_halos() {
    let k = 40;
    let n = k * k;
    let xs: Vec<f64> = (0..n).map(|i| ((i * 7) % 11) as f64 / 11.0).collect();
    for ranks in [2, 3] {
        let values = xs.clone();
        let results = on_ranks(ranks, 2, move |sp| {
            let rt = sp.runtime().clone();
            let a = common::poisson(&sp, k);
            let truth = sp.dense().from_vec(values.clone(), &[n]).unwrap();
            let b = a.dot(&truth).unwrap();
            let (x, info) = linalg::cg(
                &a,
                &b,
                None,
                SolverOptions {
                    rtol: 1e-10,
                    ..Default::default()
                },
            )
            .unwrap();
            let solution = x.to_vec::<f64>().unwrap();
            // Twenty more iterations from there, after a warm-up one.
            let warm = solve_steps(&a, &b, &x, 1);
            rt.fence().unwrap();
            let before = rt.stats();
            let _ = solve_steps(&a, &b, &warm, 20);
            rt.fence().unwrap();
            let after = rt.stats();
            (
                info,
                solution,
                after.bytes_copied - before.bytes_copied,
                after.images_computed - before.images_computed,
            )
        });
        for (rank, (info, x, moved, images)) in results.into_iter().enumerate() {
            assert_eq!(info, 0, "rank {rank} of {ranks}");
            for (g, w) in x.iter().zip(&xs) {
                assert!((g - w).abs() < 1e-7, "rank {rank} of {ranks}: {g} != {w}");
            }
            assert_eq!(images, 0, "rank {rank} of {ranks} computed an image again");
            // Per iteration: a grid row of p from each neighbour for A p (the image of a
            // row band reaches k rows beyond it; slack for the band's ends), and a few
            // scalars (the dot products' partial sums and CG's coefficients).
            let halo = 2 * (k as u64 + 2) * 8;
            let bound = 21 * (halo + 16 * 8 * ranks as u64);
            assert!(
                moved >= 21 * k as u64 * 8,
                "rank {rank} of {ranks} received {moved} bytes: less than a grid row per iteration"
            );
            assert!(
                moved <= bound,
                "rank {rank} of {ranks} received {moved} bytes in 21 iterations (bound {bound})"
            );
        }
    }
}

/// `iterations` CG iterations from `x0` (convergence is not reached).
fn solve_steps(a: &CsrMatrix, b: &Array, x0: &Array, iterations: usize) -> Array {
    let (x, _) = linalg::cg(
        a,
        b,
        Some(x0),
        SolverOptions {
            maxiter: Some(iterations),
            rtol: 1e-30,
            ..Default::default()
        },
    )
    .unwrap();
    x
}
