//! The "Legate Ecosystem" blog's power iteration: the Rayleigh quotient of a random
//! symmetric matrix, with the matrix from legate-sparse and the vectors from
//! legate-dense, checked against the same iteration run sequentially with `sprs`:
//! `cargo run --release -p legate-sparse --example power_iteration -- 10000 20`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use legate_core::ndarray::Array1;
use legate_core::Type;
use legate_sparse::Sparse;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let iters: usize = args.next().map_or(Ok(20), |s| s.parse())?;
    let sp = Sparse::global()?;
    let np = sp.dense();

    let start = Instant::now();
    // A = sp.random(n, n, format='csr'); A = 0.5 * (A + A.T) + n * sp.eye(n)
    let a = sp.random(n, n, 0.01, 7, Type::Float64)?;
    let a = a
        .add(&a.transpose()?)?
        .mul_scalar(0.5)?
        .add(&sp.eye(n, None, 0, Type::Float64)?.mul_scalar(n as f64)?)?;
    // x = np.random.rand(n)
    np.seed(3);
    let mut x = np.rand(&[n])?;
    let x0 = x.to_ndarray::<f64>()?;
    let built = start.elapsed();

    let start = Instant::now();
    for _ in 0..iters {
        // x = A @ x; x /= np.linalg.norm(x)
        x = a.dot(&x)?;
        let norm = legate_dense::linalg::norm(&x, None, None, false)?;
        x.binary_inplace(legate_dense::BinaryOp::TrueDivide, &norm)?;
    }
    // np.dot(x, A @ x)
    let result = x.dot(&a.dot(&x)?)?.item::<f64>()?;
    let elapsed = start.elapsed();

    // The same program, sequentially, on the same matrix and start vector.
    let m = a.to_sprs::<f64>()?;
    let mut y: Array1<f64> = x0.into_dimensionality()?;
    for _ in 0..iters {
        y = &m * &y;
        let norm = y.dot(&y).sqrt();
        y /= norm;
    }
    let expected = y.dot(&(&m * &y));

    println!("n = {n}, nnz = {}, iterations = {iters}", a.nnz());
    println!("Rayleigh quotient: {result:.12} (sequential sprs: {expected:.12})");
    println!(
        "built in {:.1} ms, iterated in {:.1} ms",
        built.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e3
    );
    let rel = (result - expected).abs() / expected.abs();
    if rel > 1e-10 {
        return Err(format!("the results differ by {rel:e}").into());
    }
    Ok(())
}
