//! CSR matrices against `sprs` and dense references, on 1, 2 and 4 CPUs and on OMP
//! groups: conversions, products, element-wise operations, structure, reductions,
//! constructors and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sparse;

use std::sync::Arc;

use legate_core::num_complex::Complex;
use legate_core::{Config, Error, Runtime, Type};
use legate_dense::Dense;
use legate_sparse::{CsrMatrix, Sparse, SparseMatrix};
use proptest::prelude::*;

fn omp_sparse() -> Arc<Sparse> {
    let mut config = Config::with_cpus(1);
    config.omps = 2;
    config.ompthreads = 2;
    config.min_omp_chunk = 1;
    config.min_cpu_chunk = 1;
    Sparse::new(&Dense::new(&Runtime::new(config).unwrap()).unwrap()).unwrap()
}

/// 1, 2 and 4 CPUs, then two OMP groups of two threads.
fn machines() -> Vec<Arc<Sparse>> {
    vec![sparse(1), sparse(2), sparse(4), omp_sparse()]
}

/// A deterministic pseudo-random `m x n` pattern of about `density * m * n` entries with
/// values in `[1, 2)` (never zero), as triplets; some rows are left empty.
fn triplets(m: usize, n: usize, density: f64, seed: u64) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..m {
        if i % 7 == 3 {
            continue; // an empty row
        }
        for j in 0..n {
            if (next() % 10_000) as f64 / 10_000.0 < density {
                r.push(i as i64);
                c.push(j as i64);
                v.push(1.0 + (next() % 1000) as f64 / 1000.0);
            }
        }
    }
    (r, c, v)
}

fn sprs_of(m: usize, n: usize, (r, c, v): &(Vec<i64>, Vec<i64>, Vec<f64>)) -> sprs::CsMat<f64> {
    let mut t = sprs::TriMat::new((m, n));
    for ((&i, &j), &x) in r.iter().zip(c).zip(v) {
        t.add_triplet(i as usize, j as usize, x);
    }
    t.to_csr()
}

fn dense_of(m: &sprs::CsMat<f64>) -> Vec<f64> {
    let mut d = vec![0.0; m.rows() * m.cols()];
    for (v, (i, j)) in m.iter() {
        d[i * m.cols() + j] += *v;
    }
    d
}

fn matrix(
    sp: &Arc<Sparse>,
    m: usize,
    n: usize,
    density: f64,
    seed: u64,
) -> (CsrMatrix, sprs::CsMat<f64>) {
    let t = triplets(m, n, density, seed);
    let a = CsrMatrix::from_triplets(sp, [m, n], &t.0, &t.1, &t.2).unwrap();
    (a, sprs_of(m, n, &t))
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}: element {i}: {g} != {w}"
        );
    }
}

fn assert_same(a: &CsrMatrix, want: &sprs::CsMat<f64>, what: &str) {
    let got = a.to_sprs::<f64>().unwrap();
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(
        got.indptr().raw_storage(),
        want.indptr().raw_storage(),
        "{what}: indptr"
    );
    assert_eq!(got.indices(), want.indices(), "{what}: indices");
    assert_close(got.data(), want.data(), what);
}

const SHAPES: [(usize, usize, f64); 5] = [
    (1, 1, 1.0),
    (17, 23, 0.2),
    (64, 40, 0.05),
    (3000, 300, 0.01),
    // About 17 entries a row (every seventh row empty): the SpMV kernel's long rows,
    // summed one row at a time.
    (700, 200, 0.1),
];

#[test]
fn triplets_sum_duplicates_and_round_trip_through_sprs_and_dense() {
    for sp in machines() {
        let rows = [2, 0, 2, 1, 2, 0];
        let cols = [1, 3, 1, 0, 0, 3];
        let vals = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let a = CsrMatrix::from_triplets(&sp, [3, 4], &rows, &cols, &vals).unwrap();
        assert_eq!(a.nnz(), 4);
        assert_eq!(
            a.to_dense().unwrap().to_vec::<f64>().unwrap(),
            vec![0.0, 0.0, 0.0, 8.0, 4.0, 0.0, 0.0, 0.0, 5.0, 4.0, 0.0, 0.0]
        );
        assert_eq!(
            a.indptr().unwrap().to_vec::<i32>().unwrap(),
            vec![0, 1, 2, 4]
        );
        assert_eq!(a.indices().to_vec::<i32>().unwrap(), vec![3, 0, 0, 1]);
        let (r, c, v) = a.to_triplets::<f64>().unwrap();
        assert_eq!(
            (r, c, v),
            (vec![0, 1, 2, 2], vec![3, 0, 0, 1], vec![8.0, 4.0, 5.0, 4.0])
        );
        for &(m, n, density) in &SHAPES {
            let (a, want) = matrix(&sp, m, n, density, 7);
            assert_same(&a, &want, "from_triplets");
            let b = CsrMatrix::from_sprs(&sp, &want).unwrap();
            assert_same(&b, &want, "from_sprs");
            let csc = CsrMatrix::from_sprs(&sp, &want.to_csc()).unwrap();
            assert_same(&csc, &want, "from_sprs(csc)");
            let d = a.to_dense().unwrap();
            assert_close(&d.to_vec::<f64>().unwrap(), &dense_of(&want), "to_dense");
            assert_same(
                &CsrMatrix::from_dense(&sp, &d).unwrap(),
                &want,
                "from_dense",
            );
        }
    }
}

#[test]
fn spmv_and_spmm_match_sprs() {
    for sp in machines() {
        for &(m, n, density) in &SHAPES {
            let (a, want) = matrix(&sp, m, n, density, 11);
            let xs: Vec<f64> = (0..n).map(|i| (i % 13) as f64 - 6.0).collect();
            let x = sp.dense().from_vec(xs.clone(), &[n]).unwrap();
            let expected = &want * &legate_core::ndarray::Array1::from(xs.clone());
            assert_close(
                &a.dot(&x).unwrap().to_vec::<f64>().unwrap(),
                expected.as_slice().unwrap(),
                "spmv",
            );
            // A strided view of a longer vector goes in too.
            let long = sp
                .dense()
                .from_vec(xs.iter().flat_map(|&v| [v, -1.0]).collect(), &[2 * n])
                .unwrap();
            let strided = long
                .index(&[legate_dense::Index::Slice {
                    start: None,
                    stop: None,
                    step: 2,
                }])
                .unwrap();
            assert_close(
                &a.dot(&strided).unwrap().to_vec::<f64>().unwrap(),
                expected.as_slice().unwrap(),
                "spmv of a view",
            );
            // SpMM with three columns.
            let k = 3;
            let xm: Vec<f64> = (0..n * k).map(|i| (i % 5) as f64 * 0.5).collect();
            let xmat = sp.dense().from_vec(xm.clone(), &[n, k]).unwrap();
            let dm = dense_of(&want);
            let mut ym = vec![0.0; m * k];
            for i in 0..m {
                for j in 0..k {
                    ym[i * k + j] = (0..n).map(|l| dm[i * n + l] * xm[l * k + j]).sum();
                }
            }
            assert_close(&a.dot(&xmat).unwrap().to_vec::<f64>().unwrap(), &ym, "spmm");
        }
    }
}

#[test]
fn spmv_with_its_dot_product_matches_sprs() {
    for sp in machines() {
        for (n, density) in [(1, 1.0), (23, 0.2), (700, 0.01), (3000, 0.002), (600, 0.03)] {
            // Rows of 0 to a few entries, some empty, and shorter rows next to longer;
            // the last about 17 a row, which the kernel sums one row at a time.
            let (a, want) = matrix(&sp, n, n, density, 5);
            let xs: Vec<f64> = (0..n).map(|i| (i % 7) as f64 - 2.5).collect();
            let x = sp.dense().from_vec(xs.clone(), &[n]).unwrap();
            let expected = &want * &legate_core::ndarray::Array1::from(xs.clone());
            let (y, d) = a.dot_and_vdot(&x).unwrap();
            let y = y.to_vec::<f64>().unwrap();
            assert_close(&y, expected.as_slice().unwrap(), "spmv of spmv_dot");
            let dot: f64 = xs.iter().zip(&expected).map(|(a, b)| a * b).sum();
            assert_close(&[d.item::<f64>().unwrap()], &[dot], "dot of spmv_dot");
        }
    }
    // Complex values: vdot conjugates x; a non-square matrix has no such product.
    let sp = sparse(2);
    let (r, c) = (vec![0, 1, 1, 2], vec![1, 0, 2, 2]);
    let i = Complex::new(0.0, 1.0f64);
    let a = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &[i; 4]).unwrap();
    let x = sp
        .dense()
        .from_vec(vec![i, Complex::new(1.0, 0.0), i], &[3])
        .unwrap();
    let (y, d) = a.dot_and_vdot(&x).unwrap();
    let y = y.to_vec::<Complex<f64>>().unwrap();
    assert_eq!(y, vec![i, Complex::new(-2.0, 0.0), Complex::new(-1.0, 0.0)]);
    let want: Complex<f64> = [i, Complex::new(1.0, 0.0), i]
        .iter()
        .zip(&y)
        .map(|(x, y)| x.conj() * y)
        .sum();
    assert_eq!(d.item::<Complex<f64>>().unwrap(), want);
    let rect = CsrMatrix::from_triplets(&sp, [2, 3], &[0, 1], &[2, 0], &[2.0, 3.0]).unwrap();
    let x = sp.dense().from_vec(vec![1.0, 2.0, 4.0], &[3]).unwrap();
    assert!(matches!(
        rect.dot_and_vdot(&x),
        Err(legate_core::Error::ShapeMismatch { .. })
    ));
    // A matrix without entries gives zeros.
    let empty = CsrMatrix::from_triplets::<f64>(&sp, [3, 3], &[], &[], &[]).unwrap();
    let (y, d) = empty.dot_and_vdot(&x).unwrap();
    assert_eq!(y.to_vec::<f64>().unwrap(), vec![0.0; 3]);
    assert_eq!(d.item::<f64>().unwrap(), 0.0);
}

#[test]
fn spmv_computes_in_every_value_type_and_promotes() {
    let sp = sparse(2);
    let (r, c) = (vec![0, 1, 1, 2], vec![1, 0, 2, 2]);
    let a = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &[2i64, 3, 4, 5]).unwrap();
    let x = sp.dense().from_vec(vec![1i64, 2, 3], &[3]).unwrap();
    assert_eq!(a.dot(&x).unwrap().to_vec::<i64>().unwrap(), vec![4, 15, 15]);
    let a32 = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &[2i32, 3, 4, 5]).unwrap();
    let xf = sp.dense().from_vec(vec![0.5f32, 1.0, 2.0], &[3]).unwrap();
    let y = a32.dot(&xf).unwrap();
    assert_eq!(
        y.dtype(),
        Type::Float64,
        "int32 with float32 promotes as NumPy does"
    );
    assert_eq!(y.to_vec::<f64>().unwrap(), vec![2.0, 9.5, 10.0]);
    let ac =
        CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &[Complex::new(0.0, 1.0f64); 4]).unwrap();
    let xc = sp
        .dense()
        .from_vec(vec![Complex::new(1.0, 0.0f64); 3], &[3])
        .unwrap();
    assert_eq!(
        ac.dot(&xc).unwrap().to_vec::<Complex<f64>>().unwrap(),
        vec![
            Complex::new(0.0, 1.0),
            Complex::new(0.0, 2.0),
            Complex::new(0.0, 1.0)
        ]
    );
}

#[test]
fn addition_subtraction_and_products_match_sprs() {
    for sp in machines() {
        for &(m, n, density) in &SHAPES[1..] {
            let (a, sa) = matrix(&sp, m, n, density, 3);
            let (b, sb) = matrix(&sp, m, n, density, 5);
            assert_same(&a.add(&b).unwrap(), &(&sa + &sb), "add");
            assert_same(&a.sub(&b).unwrap(), &(&sa - &sb), "sub");
            // a - a is empty: SciPy does not store the zeros that result.
            assert_eq!(a.sub(&a).unwrap().nnz(), 0);
            let prod = a.multiply(&b).unwrap();
            let (da, db) = (dense_of(&sa), dense_of(&sb));
            let want: Vec<f64> = da.iter().zip(&db).map(|(x, y)| x * y).collect();
            assert_close(
                &prod.to_dense().unwrap().to_vec::<f64>().unwrap(),
                &want,
                "multiply",
            );
            assert_eq!(prod.nnz(), want.iter().filter(|&&v| v != 0.0).count());
            let scaled = a.mul_scalar(2.5).unwrap();
            assert_same(&scaled, &sa.map(|v| v * 2.5), "mul_scalar");
            assert_same(&a.neg().unwrap(), &sa.map(|v| -v), "neg");
            assert_same(&a.power(2).unwrap(), &sa.map(|v| v * v), "power");
            // SpGEMM: A (m x n) times B^T (n x m).
            let bt = b.transpose().unwrap();
            assert_same(&bt, &sb.transpose_view().to_csr(), "transpose");
            let sbt = sb.transpose_view().to_csr();
            assert_same(&a.matmul(&bt).unwrap(), &(&sa * &sbt), "matmul");
        }
    }
}

#[test]
fn diagonals_sums_and_norms_match_dense_references() {
    for sp in machines() {
        for &(m, n, density) in &SHAPES {
            let (a, sa) = matrix(&sp, m, n, density, 9);
            let d = dense_of(&sa);
            for k in [-3i64, -1, 0, 1, 2, n as i64, -(m as i64)] {
                let want: Vec<f64> = (0..m as i64)
                    .filter(|&i| i + k >= 0 && i + k < n as i64)
                    .map(|i| d[i as usize * n + (i + k) as usize])
                    .collect();
                assert_close(
                    &a.diagonal(k).unwrap().to_vec::<f64>().unwrap(),
                    &want,
                    "diagonal",
                );
            }
            let rows: Vec<f64> = (0..m).map(|i| d[i * n..(i + 1) * n].iter().sum()).collect();
            let cols: Vec<f64> = (0..n).map(|j| (0..m).map(|i| d[i * n + j]).sum()).collect();
            assert_close(
                &a.sum(Some(1)).unwrap().to_vec::<f64>().unwrap(),
                &rows,
                "row sums",
            );
            assert_close(
                &a.sum(Some(-2)).unwrap().to_vec::<f64>().unwrap(),
                &cols,
                "column sums",
            );
            let total: f64 = d.iter().sum();
            assert!(
                (a.sum(None).unwrap().item::<f64>().unwrap() - total).abs() < 1e-9 * total.max(1.0)
            );
            let fro = d.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(
                (a.norm(None).unwrap().item::<f64>().unwrap() - fro).abs() < 1e-9 * fro.max(1.0)
            );
            let max = |v: &[f64]| v.iter().cloned().fold(f64::MIN, f64::max);
            assert!((a.norm(Some(1.0)).unwrap().item::<f64>().unwrap() - max(&cols)).abs() < 1e-9);
            assert!(
                (a.norm(Some(f64::INFINITY)).unwrap().item::<f64>().unwrap() - max(&rows)).abs()
                    < 1e-9
            );
        }
    }
}

#[test]
fn constructors_match_their_scipy_definitions() {
    for sp in machines() {
        let e = sp.eye(3, Some(5), 1, Type::Float64).unwrap();
        let mut want = vec![0.0; 15];
        for i in 0..3 {
            want[i * 5 + i + 1] = 1.0;
        }
        assert_eq!(e.to_dense().unwrap().to_vec::<f64>().unwrap(), want);
        assert_eq!(
            sp.identity(4, Type::Int64)
                .unwrap()
                .sum(None)
                .unwrap()
                .item::<i64>()
                .unwrap(),
            4
        );
        // The 1-D Laplacian, a repeated diagonal and one given in full.
        let l = sp
            .diags(
                &[vec![-1.0], vec![2.0, 3.0, 4.0, 5.0], vec![-1.0]],
                &[-1, 0, 1],
                [4, 4],
            )
            .unwrap();
        assert_eq!(
            l.to_dense().unwrap().to_vec::<f64>().unwrap(),
            vec![
                2.0, -1.0, 0.0, 0.0, -1.0, 3.0, -1.0, 0.0, 0.0, -1.0, 4.0, -1.0, 0.0, 0.0, -1.0,
                5.0
            ]
        );
        // spdiags: data[i][j] at column j of diagonal diags[i].
        let s = sp
            .spdiags(
                &[vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0]],
                &[0, -1],
                [4, 4],
            )
            .unwrap();
        assert_eq!(
            s.to_dense().unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, 0.0, 0.0, 0.0, 5.0, 2.0, 0.0, 0.0, 0.0, 6.0, 3.0, 0.0, 0.0, 0.0, 7.0, 4.0]
        );
        // random: the requested number of distinct entries in [0, 1), the same for a seed.
        let r = sp.random(50, 40, 0.1, 42, Type::Float64).unwrap();
        assert_eq!(r.nnz(), 200);
        let v = r.data().to_vec::<f64>().unwrap();
        assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)));
        let (rr, cc, vv) = r.to_triplets::<f64>().unwrap();
        let again = sparse(3).random(50, 40, 0.1, 42, Type::Float64).unwrap();
        assert_eq!(again.to_triplets::<f64>().unwrap(), (rr, cc, vv));
        assert_eq!(sp.random(10, 10, 0.9, 1, Type::Float32).unwrap().nnz(), 90);
        // kron against the dense definition.
        let (a, sa) = matrix(&sp, 3, 4, 0.5, 2);
        let (b, sb) = matrix(&sp, 2, 3, 0.5, 4);
        let k = sp.kron(&a, &b).unwrap();
        let (da, db) = (dense_of(&sa), dense_of(&sb));
        let mut want = vec![0.0; 6 * 12];
        for i in 0..6 {
            for j in 0..12 {
                want[i * 12 + j] = da[(i / 2) * 4 + j / 3] * db[(i % 2) * 3 + j % 3];
            }
        }
        assert_close(
            &k.to_dense().unwrap().to_vec::<f64>().unwrap(),
            &want,
            "kron",
        );
    }
}

#[test]
fn types_convert_and_copies_are_independent() {
    let sp = sparse(2);
    let (a, sa) = matrix(&sp, 20, 20, 0.2, 1);
    let f = a.astype(Type::Float32).unwrap();
    assert_eq!(f.dtype(), Type::Float32);
    assert_eq!(f.nnz(), a.nnz());
    let c = a.copy().unwrap();
    c.data()
        .binary_scalar_inplace(legate_dense::BinaryOp::Multiply, 0.0)
        .unwrap();
    assert_same(&a, &sa, "the original after its copy was zeroed");
    assert!(a.astype(Type::Bool).is_err());
    assert_eq!(format!("{a:?}"), format!("<20x20 sparse array of type float64 with {} stored elements in Compressed Sparse Row format>", a.nnz()));
}

#[test]
fn bad_input_is_a_typed_error() {
    let sp = sparse(2);
    let a = CsrMatrix::from_triplets(&sp, [2, 3], &[0, 1], &[0, 2], &[1.0, 2.0]).unwrap();
    assert!(matches!(
        CsrMatrix::from_triplets(&sp, [2, 3], &[0, 2], &[0, 0], &[1.0, 1.0]),
        Err(Error::IndexOutOfBounds {
            dim: 0,
            index: 2,
            extent: 2
        })
    ));
    assert!(matches!(
        CsrMatrix::from_triplets(&sp, [2, 3], &[0], &[-1], &[1.0]),
        Err(Error::IndexOutOfBounds {
            dim: 1,
            index: -1,
            ..
        })
    ));
    assert!(matches!(
        CsrMatrix::from_triplets(&sp, [2, 3], &[0, 1], &[0], &[1.0]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(CsrMatrix::from_csr_vecs(&sp, [2, 3], &[0, 2, 1], &[0, 1], &[1.0, 1.0]).is_err());
    let x = sp.dense().ones(&[2], Type::Float64).unwrap();
    assert!(matches!(a.dot(&x), Err(Error::ShapeMismatch { .. })));
    let b = sp.eye(3, None, 0, Type::Float64).unwrap();
    assert!(matches!(a.add(&b), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(b.matmul(&a), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(a.sum(Some(2)), Err(Error::AxisOutOfBounds { .. })));
    assert!(a.norm(Some(2.0)).is_err());
    assert!(sp.random(3, 3, 1.5, 0, Type::Float64).is_err());
    assert!(sp.diags(&[vec![1.0, 2.0]], &[0], [3, 3]).is_err());
    assert!(sp.diags(&[vec![1.0], vec![1.0]], &[1, 1], [3, 3]).is_err());
    assert!(sp.eye(3, None, 0, Type::Bool).is_err());
    let flat = sp.dense().ones(&[4], Type::Float64).unwrap();
    assert!(CsrMatrix::from_dense(&sp, &flat).is_err());
    // The matrix still works after all of that.
    assert_eq!(
        a.dot(&sp.dense().ones(&[3], Type::Float64).unwrap())
            .unwrap()
            .to_vec::<f64>()
            .unwrap(),
        vec![1.0, 2.0]
    );
}

#[test]
fn empty_matrices_and_rows_work() {
    for sp in machines() {
        let z = CsrMatrix::from_triplets::<f64>(&sp, [5, 4], &[], &[], &[]).unwrap();
        let x = sp.dense().ones(&[4], Type::Float64).unwrap();
        assert_eq!(z.dot(&x).unwrap().to_vec::<f64>().unwrap(), vec![0.0; 5]);
        assert_eq!(z.transpose().unwrap().shape(), [4, 5]);
        assert_eq!(z.add(&z).unwrap().nnz(), 0);
        assert_eq!(
            z.to_dense().unwrap().to_vec::<f64>().unwrap(),
            vec![0.0; 20]
        );
        assert_eq!(
            z.sum(Some(0)).unwrap().to_vec::<f64>().unwrap(),
            vec![0.0; 4]
        );
        let none = CsrMatrix::from_triplets::<f64>(&sp, [0, 3], &[], &[], &[]).unwrap();
        assert_eq!(
            none.dot(&sp.dense().ones(&[3], Type::Float64).unwrap())
                .unwrap()
                .size(),
            0
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random triplets (duplicates included) give the dense matrix they sum to, and its
    /// products, on a random number of CPUs.
    #[test]
    fn random_triplets_match_the_dense_sum(
        m in 1usize..30,
        n in 1usize..30,
        entries in prop::collection::vec((0usize..30, 0usize..30, -4i64..5), 0..80),
        cpus in 1usize..5,
    ) {
        let sp = sparse(cpus);
        let entries: Vec<_> = entries.into_iter().map(|(i, j, v)| (i % m, j % n, v)).collect();
        let rows: Vec<i64> = entries.iter().map(|e| e.0 as i64).collect();
        let cols: Vec<i64> = entries.iter().map(|e| e.1 as i64).collect();
        let vals: Vec<i64> = entries.iter().map(|e| e.2).collect();
        let a = CsrMatrix::from_triplets(&sp, [m, n], &rows, &cols, &vals).unwrap();
        let mut d = vec![0i64; m * n];
        for &(i, j, v) in &entries {
            d[i * n + j] += v;
        }
        prop_assert_eq!(a.to_dense().unwrap().to_vec::<i64>().unwrap(), d.clone());
        let x: Vec<i64> = (0..n as i64).map(|j| j - 3).collect();
        let y: Vec<i64> = (0..m).map(|i| (0..n).map(|j| d[i * n + j] * x[j]).sum()).collect();
        let xa = sp.dense().from_vec(x, &[n]).unwrap();
        prop_assert_eq!(a.dot(&xa).unwrap().to_vec::<i64>().unwrap(), y);
        let t = a.transpose().unwrap().to_dense().unwrap().to_vec::<i64>().unwrap();
        let dt: Vec<i64> = (0..n * m).map(|k| d[(k % m) * n + k / m]).collect();
        prop_assert_eq!(t, dt);
        let sum = a.add(&a.transpose().unwrap().transpose().unwrap()).unwrap();
        prop_assert_eq!(sum.to_dense().unwrap().to_vec::<i64>().unwrap(), d.iter().map(|v| 2 * v).collect::<Vec<_>>());
    }
}

#[test]
fn structure_operations_keep_every_value_type() {
    for sp in [sparse(1), sparse(3)] {
        let (r, c) = ([0i64, 0, 1, 2, 2], [0i64, 2, 1, 0, 2]);
        // [[1, 0, 2], [0, 3, 0], [4, 0, 5]] in each type.
        let f = [1.0f32, 2.0, 3.0, 4.0, 5.0];
        let a32 = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &f).unwrap();
        let sum = a32.add(&a32.transpose().unwrap()).unwrap();
        assert_eq!(sum.dtype(), Type::Float32);
        assert_eq!(
            sum.to_dense().unwrap().to_vec::<f32>().unwrap(),
            vec![2.0, 0.0, 6.0, 0.0, 6.0, 0.0, 6.0, 0.0, 10.0]
        );
        let sq = a32.matmul(&a32).unwrap();
        assert_eq!(
            sq.to_dense().unwrap().to_vec::<f32>().unwrap(),
            vec![9.0, 0.0, 12.0, 0.0, 9.0, 0.0, 24.0, 0.0, 33.0]
        );
        let z: Vec<Complex<f64>> = f.iter().map(|&v| Complex::new(0.0, v as f64)).collect();
        let ac = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &z).unwrap();
        let sq = ac.matmul(&ac).unwrap();
        assert_eq!(
            sq.to_dense().unwrap().to_vec::<Complex<f64>>().unwrap()[0],
            Complex::new(-9.0, 0.0)
        );
        assert_eq!(
            ac.conj().unwrap().data().to_vec::<Complex<f64>>().unwrap()[1],
            Complex::new(0.0, -2.0)
        );
        let i = [1i32, 2, 3, 4, 5];
        let ai = CsrMatrix::from_triplets(&sp, [3, 3], &r, &c, &i).unwrap();
        assert_eq!(ai.sub(&ai.transpose().unwrap()).unwrap().nnz(), 2);
        assert_eq!(
            ai.sum(Some(1)).unwrap().to_vec::<i64>().unwrap(),
            vec![3, 3, 9]
        );
        // Mixed types promote: int32 + float32 is float64, as NumPy.
        assert_eq!(ai.add(&a32).unwrap().dtype(), Type::Float64);
        assert_eq!(sp.rand(4, 4, 0.5, 3, Type::Float32).unwrap().nnz(), 8);
    }
}

#[test]
fn indices_are_int32_where_the_sizes_fit_and_int64_beyond() {
    let sp = sparse(2);
    let (a, _) = matrix(&sp, 17, 23, 0.2, 7);
    assert_eq!(a.index_type(), Type::Int32);
    assert_eq!(a.indices().dtype(), Type::Int32);
    assert_eq!(a.indptr().unwrap().dtype(), Type::Int32);
    assert_eq!(a.transpose().unwrap().index_type(), Type::Int32);
    // More columns than int32 holds: the indices are int64, and every operation over the
    // rows works on them.
    let cols = 3_000_000_000usize;
    let (r, c) = (vec![0, 0, 2, 3], vec![5, 2_999_999_999, 7, 2_147_483_648]);
    let wide = CsrMatrix::from_triplets(&sp, [4, cols], &r, &c, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(wide.index_type(), Type::Int64);
    assert_eq!(
        wide.to_triplets::<f64>().unwrap(),
        (r.clone(), c.clone(), vec![1.0, 2.0, 3.0, 4.0])
    );
    let sum = wide.add(&wide.mul_scalar(2.0).unwrap()).unwrap();
    assert_eq!(sum.index_type(), Type::Int64);
    assert_eq!(
        sum.to_triplets::<f64>().unwrap().2,
        vec![3.0, 6.0, 9.0, 12.0]
    );
    assert_eq!(
        wide.sum(Some(1)).unwrap().to_vec::<f64>().unwrap(),
        vec![3.0, 0.0, 3.0, 4.0]
    );
    assert_eq!(
        wide.multiply(&wide)
            .unwrap()
            .to_triplets::<f64>()
            .unwrap()
            .1,
        c
    );
    let coo = wide.to_coo().unwrap();
    assert_eq!(coo.col().to_vec::<i64>().unwrap(), c);
    assert_eq!(coo.row().to_vec::<i64>().unwrap(), r);
    assert_eq!(a.to_coo().unwrap().row().dtype(), Type::Int32);
    // Narrowing what does not fit is refused.
    assert!(matches!(
        wide.with_index_type(Type::Int32),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(wide.with_index_type(Type::Float64).is_err());
}

#[test]
fn every_operation_agrees_between_int32_and_int64_indices() {
    for sp in machines() {
        let (m, n) = (64, 40);
        let (a, sa) = matrix(&sp, m, n, 0.1, 21);
        let (b, sb) = matrix(&sp, m, n, 0.1, 22);
        let wa = a.with_index_type(Type::Int64).unwrap();
        assert_eq!(wa.index_type(), Type::Int64);
        assert_eq!(wa.indices().dtype(), Type::Int64);
        assert_same(&wa, &sa, "widened");
        let xs: Vec<f64> = (0..n).map(|i| (i % 9) as f64 - 4.0).collect();
        let x = sp.dense().from_vec(xs.clone(), &[n]).unwrap();
        assert_eq!(
            wa.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            a.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            "spmv"
        );
        let xm = sp
            .dense()
            .from_vec((0..2 * n).map(|i| i as f64).collect(), &[n, 2])
            .unwrap();
        assert_eq!(
            wa.dot(&xm).unwrap().to_vec::<f64>().unwrap(),
            a.dot(&xm).unwrap().to_vec::<f64>().unwrap(),
            "spmm"
        );
        assert_eq!(
            wa.to_dense().unwrap().to_vec::<f64>().unwrap(),
            dense_of(&sa),
            "to_dense"
        );
        // Mixed operands compute in the wider type.
        let sum = wa.add(&b).unwrap();
        assert_eq!(sum.index_type(), Type::Int64);
        assert_same(&sum, &(&sa + &sb), "add, mixed indices");
        assert_same(&b.sub(&wa).unwrap(), &(&sb - &sa), "sub, mixed indices");
        let t = wa.transpose().unwrap();
        assert_eq!(t.index_type(), Type::Int64);
        assert_same(&t, &sa.transpose_view().to_csr(), "transpose");
        let bt = b.transpose().unwrap();
        let prod = wa.matmul(&bt).unwrap();
        assert_eq!(prod.index_type(), Type::Int64);
        assert_same(
            &prod,
            &(&sa * &sb.transpose_view().to_csr()),
            "matmul, mixed",
        );
        for axis in [0, 1] {
            // Column sums fold pieces in the order they finish: equal up to rounding.
            assert_close(
                &wa.sum(Some(axis)).unwrap().to_vec::<f64>().unwrap(),
                &a.sum(Some(axis)).unwrap().to_vec::<f64>().unwrap(),
                &format!("sum along {axis}"),
            );
        }
        for k in [-3, 0, 2] {
            assert_eq!(
                wa.diagonal(k).unwrap().to_vec::<f64>().unwrap(),
                a.diagonal(k).unwrap().to_vec::<f64>().unwrap(),
                "diagonal {k}"
            );
        }
        let coo = wa.to_coo().unwrap();
        assert_eq!(
            coo.to_triplets::<f64>().unwrap(),
            a.to_triplets::<f64>().unwrap()
        );
        assert_same(&coo.to_csr().unwrap(), &sa, "coo round trip");
        // And narrowing back gives the original indices.
        let back = wa.with_index_type(Type::Int32).unwrap();
        assert_eq!(
            back.indices().to_vec::<i32>().unwrap(),
            a.indices().to_vec::<i32>().unwrap()
        );
    }
}
