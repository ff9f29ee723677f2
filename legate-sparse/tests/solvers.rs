//! The iterative and direct solvers of `legate_sparse::linalg` on 1, 2 and 4 CPUs:
//! BiCGSTAB and GMRES on a non-symmetric system, Lanczos eigenvalues against the known
//! spectrum of the 1-D Laplacian, and the direct solve against a dense reference.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sparse;

use std::sync::Arc;

use legate_core::{Error, Type};
use legate_dense::{linalg::norm, Array};
use legate_sparse::linalg::{self, FnOperator, SolverOptions, Which};
use legate_sparse::{CsrMatrix, Sparse};

/// A non-symmetric, diagonally dominant convection-diffusion matrix of size `n`.
fn convection(sp: &Arc<Sparse>, n: usize) -> CsrMatrix {
    sp.diags(&[vec![-1.3], vec![3.0], vec![-0.7]], &[-1, 0, 1], [n, n])
        .unwrap()
}

fn residual(a: &CsrMatrix, x: &Array, b: &Array) -> f64 {
    norm(&(b - &a.dot(x).unwrap()).unwrap(), None, None, false)
        .unwrap()
        .item::<f64>()
        .unwrap()
}

#[test]
fn bicgstab_and_gmres_solve_a_non_symmetric_system() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        let n = 300;
        let a = convection(&sp, n);
        let b = sp
            .dense()
            .arange(0.0, n as f64, 1.0, Type::Float64)
            .unwrap();
        let b = (&(&b % 5.0).unwrap() - 2.0).unwrap();
        let bn = norm(&b, None, None, false).unwrap().item::<f64>().unwrap();
        let opts = || SolverOptions {
            rtol: 1e-9,
            ..Default::default()
        };
        let (x, info) = linalg::bicgstab(&a, &b, None, opts()).unwrap();
        assert_eq!(info, 0, "bicgstab, cpus = {cpus}");
        assert!(
            residual(&a, &x, &b) <= 1e-9 * bn * 1.01,
            "bicgstab residual, cpus = {cpus}"
        );
        // Restarts every 5 iterations, from a given start, with a Jacobi preconditioner.
        let inv = a.diagonal(0).unwrap().reciprocal().unwrap();
        let m = FnOperator::new([n, n], Type::Float64, |r: &Array| r * &inv);
        let x0 = sp.dense().ones(&[n], Type::Float64).unwrap();
        let mut cycles = 0;
        let mut count = |_: &Array| cycles += 1;
        let (x, info) = linalg::gmres(
            &a,
            &b,
            Some(&x0),
            Some(5),
            SolverOptions {
                m: Some(&m),
                callback: Some(&mut count),
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(info, 0, "gmres, cpus = {cpus}");
        assert!(cycles > 1, "gmres did not restart");
        assert!(
            residual(&a, &x, &b) <= 1e-9 * bn * 1.01,
            "gmres residual, cpus = {cpus}"
        );
        assert_eq!(x0.to_vec::<f64>().unwrap(), vec![1.0; n], "x0 was written");
        let (x, info) = linalg::gmres(&a, &b, None, None, opts()).unwrap();
        assert_eq!(info, 0);
        assert!(residual(&a, &x, &b) <= 1e-9 * bn * 1.01);
        // Too few iterations: info says how many were done.
        let (_, info) = linalg::bicgstab(
            &a,
            &b,
            None,
            SolverOptions {
                maxiter: Some(2),
                check_every: 1,
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(info, 2);
    }
}

#[test]
fn eigsh_finds_the_extreme_eigenvalues_of_the_laplacian() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        let n = 120;
        let a = sp
            .diags(&[vec![-1.0], vec![2.0], vec![-1.0]], &[-1, 0, 1], [n, n])
            .unwrap();
        let exact =
            |j: usize| 2.0 - 2.0 * (j as f64 * std::f64::consts::PI / (n as f64 + 1.0)).cos();
        for (which, want) in [
            (
                Which::LargestAlgebraic,
                vec![exact(n - 2), exact(n - 1), exact(n)],
            ),
            (
                Which::LargestMagnitude,
                vec![exact(n - 2), exact(n - 1), exact(n)],
            ),
            (Which::SmallestAlgebraic, vec![exact(1), exact(2), exact(3)]),
        ] {
            let (w, v) = linalg::eigsh(&a, 3, which, None, None, None).unwrap();
            let w = w.to_vec::<f64>().unwrap();
            for (g, e) in w.iter().zip(&want) {
                assert!((g - e).abs() < 1e-8, "{which:?}, cpus = {cpus}: {g} != {e}");
            }
            assert_eq!(v.shape(), vec![n, 3]);
            // A v = lambda v, column by column.
            for (j, &lambda) in w.iter().enumerate() {
                let col = v
                    .index(&[legate_dense::Index::ALL, legate_dense::Index::At(j as i64)])
                    .unwrap()
                    .copy()
                    .unwrap();
                let r = (&a.dot(&col).unwrap() - &(&col * lambda).unwrap()).unwrap();
                let r = norm(&r, None, None, false).unwrap().item::<f64>().unwrap();
                assert!(r < 1e-6, "{which:?}: residual {r}");
            }
        }
    }
}

#[test]
fn spsolve_matches_the_dense_solution() {
    let sp = sparse(2);
    let n = 40;
    let a = convection(&sp, n);
    let b = sp.dense().ones(&[n], Type::Float64).unwrap();
    let x = linalg::spsolve(&a, &b).unwrap();
    assert!(residual(&a, &x, &b) < 1e-12);
    let bm = sp.dense().ones(&[n, 2], Type::Float64).unwrap();
    let xm = linalg::spsolve(&a, &bm).unwrap();
    assert_eq!(xm.shape(), vec![n, 2]);
    let singular = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 1], &[0, 0], &[1.0, 1.0]).unwrap();
    let b2 = sp.dense().ones(&[2], Type::Float64).unwrap();
    assert!(matches!(
        linalg::spsolve(&singular, &b2),
        Err(Error::LinAlg { .. })
    ));
    assert!(linalg::spsolve(&a, &b2).is_err());
}

#[test]
fn solvers_refuse_what_they_cannot_do() {
    let sp = sparse(1);
    let a = convection(&sp, 10);
    let b = sp.dense().ones(&[10], Type::Float64).unwrap();
    assert!(linalg::eigsh(&a, 0, Which::LargestMagnitude, None, None, None).is_err());
    assert!(linalg::eigsh(&a, 10, Which::LargestMagnitude, None, None, None).is_err());
    let c = a.astype(Type::Complex128).unwrap();
    assert!(matches!(
        linalg::gmres(&c, &b, None, None, Default::default()),
        Err(Error::UnsupportedType { .. })
    ));
    let op = FnOperator::new([10, 10], Type::Float64, |x: &Array| x.copy());
    assert!(linalg::eigsh(&op, 2, Which::LargestMagnitude, None, None, None).is_err());
    let wrong = FnOperator::new([10, 10], Type::Float64, |_: &Array| {
        sp.dense().ones(&[3], Type::Float64)
    });
    assert!(matches!(
        linalg::cg(&wrong, &b, None, Default::default()),
        Err(Error::ShapeMismatch { .. })
    ));
    // A complex Hermitian system converges with CG.
    let h = sp
        .diags(&[vec![-1.0], vec![4.0], vec![-1.0]], &[-1, 0, 1], [10, 10])
        .unwrap()
        .astype(Type::Complex128)
        .unwrap();
    let bc = b.astype(Type::Complex128).unwrap();
    let (_, info) = linalg::cg(&h, &bc, None, Default::default()).unwrap();
    assert_eq!(info, 0);
}
