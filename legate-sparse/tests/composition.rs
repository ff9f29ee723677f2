//! legate-sparse and legate-dense sharing data: the blog's power iteration and a CG
//! solve against sequential references, and the no-shuffle property (after the first
//! iteration no bytes are copied and no image is computed again).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{blog_matrix, poisson, sparse};

use legate_core::ndarray::Array1;
use legate_core::Type;
use legate_dense::{linalg::norm, Array, BinaryOp};
use legate_sparse::linalg::{self, FnOperator, SolverOptions};
use legate_sparse::CsrMatrix;

/// One step of the power iteration: `x = A @ x; x /= norm(x)`.
fn power_step(a: &CsrMatrix, x: &Array) -> Array {
    let y = a.dot(x).unwrap();
    let nrm = norm(&y, None, None, false).unwrap();
    y.binary_inplace(BinaryOp::TrueDivide, &nrm).unwrap();
    y
}

#[test]
fn the_power_iteration_matches_a_sequential_run() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        let n = 400;
        let a = blog_matrix(&sp, n);
        assert!(
            a.to_sprs::<f64>().unwrap().to_dense()
                == a.transpose().unwrap().to_sprs::<f64>().unwrap().to_dense()
        );
        sp.dense().seed(5);
        let mut x = sp.dense().rand(&[n]).unwrap();
        let mut y: Array1<f64> = x
            .to_ndarray::<f64>()
            .unwrap()
            .into_dimensionality()
            .unwrap();
        for _ in 0..15 {
            x = power_step(&a, &x);
        }
        let result = x.dot(&a.dot(&x).unwrap()).unwrap().item::<f64>().unwrap();
        let m = a.to_sprs::<f64>().unwrap();
        for _ in 0..15 {
            y = &m * &y;
            let nrm = y.dot(&y).sqrt();
            y /= nrm;
        }
        let expected = y.dot(&(&m * &y));
        assert!(
            (result - expected).abs() <= 1e-10 * expected.abs(),
            "cpus = {cpus}: {result} != {expected}"
        );
        for (g, w) in x.to_vec::<f64>().unwrap().iter().zip(y.iter()) {
            assert!((g - w).abs() < 1e-12, "cpus = {cpus}");
        }
    }
}

#[test]
fn iterating_moves_no_data_and_computes_no_image_again() {
    let sp = sparse(4);
    let rt = sp.runtime().clone();
    let n = 2000;
    let a = blog_matrix(&sp, n);
    sp.dense().seed(1);
    let mut x = power_step(&a, &sp.dense().rand(&[n]).unwrap());
    rt.fence().unwrap();
    let before = rt.stats();
    for _ in 0..20 {
        x = power_step(&a, &x);
    }
    let _ = x.dot(&a.dot(&x).unwrap()).unwrap().item::<f64>().unwrap();
    let after = rt.stats();
    assert_eq!(after.bytes_copied, 0, "the power iteration copied data");
    assert_eq!(
        after.images_computed, before.images_computed,
        "an image was computed again"
    );
    assert!(after.image_cache_hits >= before.image_cache_hits + 20);
    assert!(
        after.point_tasks > before.point_tasks + 60,
        "the launches were not cut into pieces"
    );

    // Twenty CG iterations on the 2-D Poisson matrix (convergence checked every 25).
    let p = poisson(&sp, 40);
    let b = sp.dense().ones(&[1600], Type::Float64).unwrap();
    let warm = linalg::cg(
        &p,
        &b,
        None,
        SolverOptions {
            maxiter: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    rt.fence().unwrap();
    let before = rt.stats();
    let (_, info) = linalg::cg(
        &p,
        &b,
        Some(&warm.0),
        SolverOptions {
            maxiter: Some(20),
            rtol: 1e-14,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(info, 20, "CG should not have converged in 20 iterations");
    let after = rt.stats();
    assert_eq!(after.bytes_copied, 0, "CG copied data");
    assert_eq!(
        after.images_computed, before.images_computed,
        "CG computed an image again"
    );
}

#[test]
fn cg_solves_the_poisson_problem_on_every_cpu_count() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        let k = 30;
        let a = poisson(&sp, k);
        let n = k * k;
        let xs: Vec<f64> = (0..n).map(|i| ((i * 7) % 11) as f64 / 11.0).collect();
        let truth = sp.dense().from_vec(xs.clone(), &[n]).unwrap();
        let b = a.dot(&truth).unwrap();
        let mut calls = 0;
        let mut count = |_: &Array| calls += 1;
        let (x, info) = linalg::cg(
            &a,
            &b,
            None,
            SolverOptions {
                rtol: 1e-10,
                callback: Some(&mut count),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(info, 0, "cpus = {cpus}");
        assert!(calls > 10 && calls < n);
        for (g, w) in x.to_vec::<f64>().unwrap().iter().zip(&xs) {
            assert!((g - w).abs() < 1e-7, "cpus = {cpus}: {g} != {w}");
        }
        // Without a callback the update of x waits for the next pass over p, and the
        // stopping test reads the r @ r of the update of r: the same iterates exactly,
        // whether it stops on convergence or on maxiter.
        for maxiter in [None, Some(7), Some(8)] {
            let mut seen = None;
            let mut last = |x: &Array| seen = Some(x.to_vec::<f64>().unwrap());
            let opts = || SolverOptions {
                rtol: 1e-10,
                maxiter,
                ..Default::default()
            };
            let (with, info_with) = linalg::cg(
                &a,
                &b,
                None,
                SolverOptions {
                    callback: Some(&mut last),
                    ..opts()
                },
            )
            .unwrap();
            let (without, info_without) = linalg::cg(&a, &b, None, opts()).unwrap();
            assert_eq!(
                info_with, info_without,
                "cpus = {cpus}, maxiter = {maxiter:?}"
            );
            let without = without.to_vec::<f64>().unwrap();
            let with = with.to_vec::<f64>().unwrap();
            assert_eq!(
                seen.as_ref(),
                Some(&with),
                "the last callback saw the answer"
            );
            assert_eq!(with, without, "cpus = {cpus}, maxiter = {maxiter:?}");
        }
        // Jacobi preconditioning (M = diag(A)^-1, as a LinearOperator) converges too.
        let inv_diag = a.diagonal(0).unwrap().reciprocal().unwrap();
        let m = FnOperator::new([n, n], Type::Float64, |r: &Array| r * &inv_diag);
        let (x, info) = linalg::cg(
            &a,
            &b,
            None,
            SolverOptions {
                rtol: 1e-10,
                m: Some(&m),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(info, 0);
        let err = norm(&(&x - &truth).unwrap(), None, None, false)
            .unwrap()
            .item::<f64>()
            .unwrap();
        assert!(err < 1e-6, "cpus = {cpus}: error {err}");
    }
}

#[test]
fn cg_reports_bad_systems_and_zero_right_hand_sides() {
    let sp = sparse(2);
    let a = poisson(&sp, 4);
    let short = sp.dense().ones(&[3], Type::Float64).unwrap();
    assert!(linalg::cg(&a, &short, None, Default::default()).is_err());
    let rect = sp.eye(3, Some(4), 0, Type::Float64).unwrap();
    assert!(linalg::cg(&rect, &short, None, Default::default()).is_err());
    let zero = sp.dense().zeros(&[16], Type::Float64).unwrap();
    let (x, info) = linalg::cg(&a, &zero, None, Default::default()).unwrap();
    assert_eq!((x.to_vec::<f64>().unwrap(), info), (vec![0.0; 16], 0));
}

/// A loop of `y = A @ x` on several CPUs gives each new `y` the instance of one freed
/// before it: the product's rows are an image-derived partition that covers `y`, so the
/// runtime knows the product writes all of it.
#[test]
fn products_in_a_loop_reuse_the_instances_of_freed_results() {
    let sp = sparse(2);
    let rt = sp.runtime().clone();
    let a = poisson(&sp, 400); // 160,000 rows: each product 1.28 MB
    let x = sp.dense().ones(&[160_000], Type::Float64).unwrap();
    let mut y = a.dot(&x).unwrap();
    rt.fence().unwrap();
    let before = rt.stats();
    for _ in 0..10 {
        y = a.dot(&x).unwrap();
        rt.fence().unwrap();
    }
    let after = rt.stats();
    assert!(
        after.buffers_reused >= before.buffers_reused + 9,
        "{} of 10 products reused an instance",
        after.buffers_reused - before.buffers_reused
    );
    assert!(
        after.point_tasks >= before.point_tasks + 20,
        "one piece only"
    );
    let row_sums = y.to_vec::<f64>().unwrap();
    assert_eq!(
        row_sums.iter().sum::<f64>(),
        a.dot(&x)
            .unwrap()
            .sum(None, false)
            .unwrap()
            .item::<f64>()
            .unwrap()
    );
    assert_eq!(row_sums[0], 2.0); // a corner row: 4 - 1 - 1
}
