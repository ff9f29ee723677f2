//! The diagonal form of CSR matrices with few diagonals: products through it equal the
//! CSR kernel's bit for bit (also where `x` holds infinities and NaNs next to a row's
//! missing entries), it follows writes to the matrix, and matrices without few diagonals
//! keep the CSR kernel.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{poisson, sparse};

use std::sync::Arc;

use legate_core::{Config, Runtime, Type};
use legate_dense::{Array, BinaryOp, Dense};
use legate_sparse::{CsrMatrix, Sparse, Value};

/// A banded matrix whose diagonals hold random values with a few entries missing, and
/// one explicit zero.
fn banded(sp: &Arc<Sparse>, n: usize, offsets: &[i64], seed: u64) -> CsrMatrix {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut rows, mut cols, mut vals) = (vec![], vec![], vec![]);
    for i in 0..n as i64 {
        for &o in offsets {
            let j = i + o;
            if (0..n as i64).contains(&j) && next() > 0.05 {
                rows.push(i);
                cols.push(j);
                vals.push(next() - 0.5);
            }
        }
    }
    vals[3] = 0.0;
    CsrMatrix::from_triplets(sp, [n, n], &rows, &cols, &vals).unwrap()
}

/// `A @ x` summed row by row in column order from `+0`, as the CSR kernel does.
fn sequential<T: Value>(a: &CsrMatrix, x: &[T]) -> Vec<T> {
    let (indptr, indices, data) = a.host_parts::<T>().unwrap();
    (0..a.shape()[0])
        .map(|i| {
            let at = indptr[i] as usize..indptr[i + 1] as usize;
            indices[at.clone()]
                .iter()
                .zip(&data[at])
                .fold(T::ZERO, |s, (&c, &v)| s + v * x[c as usize])
        })
        .collect()
}

/// Whether two results are the same bits (any NaN matching any NaN).
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
}

fn vector(sp: &Arc<Sparse>, x: &[f64]) -> Array {
    sp.dense().from_vec(x.to_vec(), &[x.len()]).unwrap()
}

#[test]
fn products_through_the_form_equal_the_csr_kernel_bit_for_bit() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        // The Poisson matrix's values are float32 numbers: its form stores them so. The
        // banded matrices' random values are not.
        let matrices = [
            (poisson(&sp, 37), Type::Float32),
            (banded(&sp, 1000, &[-3, 0, 1, 2, 40], 7), Type::Float64),
            (banded(&sp, 700, &[-1, 0, 1, 650], 9), Type::Float64),
        ];
        for (a, stored) in &matrices {
            let n = a.shape()[0];
            let xs: Vec<f64> = (0..n)
                .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
                .collect();
            let want = sequential(a, &xs);
            let x = vector(&sp, &xs);
            for round in 0..4 {
                let y = a.dot(&x).unwrap().to_vec::<f64>().unwrap();
                assert!(same_bits(&y, &want), "{cpus} CPUs, product {round}");
                let (q, d) = a.dot_and_vdot(&x).unwrap();
                assert!(same_bits(&q.to_vec::<f64>().unwrap(), &want));
                let dot: f64 = xs.iter().zip(&want).map(|(a, b)| a * b).sum();
                let got = d.item::<f64>().unwrap();
                assert!(
                    (got - dot).abs() <= 1e-9 * dot.abs().max(1.0),
                    "{got} {dot}"
                );
            }
            assert_eq!(a.diagonal_form_type(), Some(*stored));
            assert!(
                a.has_diagonal_form(),
                "{cpus} CPUs: no form after 8 products for {a:?}"
            );
        }
    }
}

#[test]
fn float32_products_through_the_form_equal_the_csr_kernel() {
    let sp = sparse(2);
    let a = poisson(&sp, 30).astype(Type::Float32).unwrap();
    let xs: Vec<f32> = (0..900).map(|i| (i % 13) as f32 - 6.5).collect();
    let want = sequential(&a, &xs);
    let x = sp.dense().from_vec(xs, &[900]).unwrap();
    for _ in 0..3 {
        let y = a.dot(&x).unwrap().to_vec::<f32>().unwrap();
        assert!(y.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    assert_eq!(a.diagonal_form_type(), Some(Type::Float32));
}

#[test]
fn infinities_and_nans_beside_missing_entries_give_the_csr_results() {
    for cpus in [1, 3] {
        let sp = sparse(cpus);
        let k = 20;
        let a = poisson(&sp, k);
        let mut xs: Vec<f64> = (0..k * k).map(|i| i as f64 / 10.0).collect();
        // Row k - 1 stores no entry at column k (the end of a grid row): its sum must not
        // see x[k]; rows k and k + 1 and row 2k do, and must be infinite or NaN.
        xs[k] = f64::INFINITY;
        xs[3 * k - 1] = f64::NAN;
        xs[5 * k] = f64::NEG_INFINITY;
        let want = sequential(&a, &xs);
        assert!(want[k - 1].is_finite() && want[k].is_infinite() && want[2 * k].is_infinite());
        let x = vector(&sp, &xs);
        for _ in 0..3 {
            let y = a.dot(&x).unwrap().to_vec::<f64>().unwrap();
            assert!(same_bits(&y, &want));
        }
        assert!(a.has_diagonal_form());
    }
}

#[test]
fn writes_to_the_values_are_followed() {
    let sp = sparse(2);
    let a = poisson(&sp, 25);
    let xs: Vec<f64> = (0..625).map(|i| (i % 7) as f64).collect();
    let x = vector(&sp, &xs);
    for _ in 0..2 {
        a.dot(&x).unwrap();
    }
    assert!(a.has_diagonal_form());
    // Scale the values in place, through legate-dense (a deferred element-wise write).
    let two = sp
        .dense()
        .full(&[], legate_core::Scalar::new(2.0f64), Type::Float64)
        .unwrap();
    a.data().binary_inplace(BinaryOp::Multiply, &two).unwrap();
    let want = sequential(&a, &xs);
    assert!(want.iter().any(|&v| v != 0.0));
    for round in 0..3 {
        let y = a.dot(&x).unwrap().to_vec::<f64>().unwrap();
        assert!(same_bits(&y, &want), "product {round} after the write");
    }
    assert_eq!(a.diagonal_form_type(), Some(Type::Float32));
    // Values that are no float32 numbers: the next form stores float64.
    let third = sp
        .dense()
        .full(&[], legate_core::Scalar::new(1.0f64 / 3.0), Type::Float64)
        .unwrap();
    a.data().binary_inplace(BinaryOp::Multiply, &third).unwrap();
    let want = sequential(&a, &xs);
    for round in 0..3 {
        let y = a.dot(&x).unwrap().to_vec::<f64>().unwrap();
        assert!(
            same_bits(&y, &want),
            "product {round} after the second write"
        );
    }
    assert_eq!(a.diagonal_form_type(), Some(Type::Float64));
}

#[test]
fn matrices_without_few_diagonals_keep_the_csr_kernel() {
    let sp = sparse(2);
    let x = sp.dense().ones(&[400], Type::Float64).unwrap();
    // Random entries: hundreds of diagonals.
    let r = sp.random(400, 400, 0.05, 3, Type::Float64).unwrap();
    // Two far diagonals that each hold one entry: the form would move more bytes.
    let sparse_band =
        CsrMatrix::from_triplets(&sp, [400, 400], &[0, 399], &[399, 0], &[1.0, 2.0]).unwrap();
    // Integer values.
    let ints = poisson(&sp, 20).astype(Type::Int64).unwrap();
    for a in [&r, &sparse_band] {
        let want = sequential(a, &vec![1.0; 400]);
        for _ in 0..3 {
            assert!(same_bits(
                &a.dot(&x).unwrap().to_vec::<f64>().unwrap(),
                &want
            ));
        }
        assert!(!a.has_diagonal_form());
    }
    let xi = sp.dense().ones(&[400], Type::Int64).unwrap();
    for _ in 0..3 {
        ints.dot(&xi).unwrap();
    }
    assert!(!ints.has_diagonal_form());
    // A rectangular matrix.
    let wide = sp.eye(300, Some(400), 1, Type::Float64).unwrap();
    for _ in 0..3 {
        let y = wide.dot(&x).unwrap().to_vec::<f64>().unwrap();
        assert_eq!(y, vec![1.0; 300]);
    }
    assert!(!wide.has_diagonal_form());
}

#[test]
fn a_form_that_would_crowd_the_memory_is_not_made() {
    // 4 MiB of system memory: the 40,000-row Poisson matrix (2.7 MB of CSR stores) and two
    // vectors leave less than twice its form's 0.8 MB free.
    let mut config = Config::with_cpus(2);
    config.sysmem = 4;
    let sp = Sparse::new(&Dense::new(&Runtime::new(config).unwrap()).unwrap()).unwrap();
    let a = poisson(&sp, 200);
    let xs: Vec<f64> = (0..40_000).map(|i| (i % 11) as f64).collect();
    let x = vector(&sp, &xs);
    let want = sequential(&a, &xs);
    for _ in 0..3 {
        assert!(same_bits(
            &a.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            &want
        ));
    }
    assert!(!a.has_diagonal_form());
    // With room, the same matrix gets its form.
    let roomy = sparse(2);
    let a = poisson(&roomy, 200);
    let x = vector(&roomy, &xs);
    for _ in 0..2 {
        a.dot(&x).unwrap();
    }
    assert!(a.has_diagonal_form());
}

#[test]
fn the_switch_keeps_every_product_on_the_csr_kernel() {
    let sp = sparse(2);
    sp.set_diagonal_forms(false);
    assert!(!sp.diagonal_forms());
    let a = poisson(&sp, 20);
    let xs: Vec<f64> = (0..400).map(|i| i as f64).collect();
    let x = vector(&sp, &xs);
    for _ in 0..3 {
        assert!(same_bits(
            &a.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            &sequential(&a, &xs)
        ));
    }
    assert!(!a.has_diagonal_form());
    sp.set_diagonal_forms(true);
    for _ in 0..2 {
        a.dot(&x).unwrap();
    }
    assert!(a.has_diagonal_form());
}
