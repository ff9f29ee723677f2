//! legate-dense against the machine and NumPy: `cargo bench -p legate-dense --bench dense`
//! (or `make bench`, which also installs NumPy into `.venv`).
//!
//! In one run: NumPy on the same sizes, then `BENCH_ROUNDS` rounds (default 4) of a C
//! STREAM (triad, add, sum) with 1 and 2 threads and legate-dense with 1 and 2 CPUs, the
//! best of each kept, on
//! - `c = a + b` over `N` float64 (24 bytes per element must move);
//! - `a.sum()` over `N` float64 (8 bytes per element);
//! - `t.sum(axis=0)` of the same values as a tall-skinny `N/8 x 8` array (8 results);
//! - an `M x M` float64 matmul;
//! - the launch overhead of a tiny element-wise operation (`a = a + 1.0`, 10 elements).
//!
//! Sizes: `DENSE_BENCH_N` (default 100000000) and `DENSE_BENCH_M` (default 4000). Prints a
//! markdown table of figures and ratios (the table in `bench/README.md` is its output).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{best, env_usize, faster_stream, fmt, ratio, rounds, shortest, stream};

use legate_core::{Config, Runtime, Scalar, Type};
use legate_dense::{Dense, Generator};

/// NumPy's seconds for add, sum, matmul and a tiny operation, with `blas_threads`.
fn numpy(n: usize, m: usize, blas_threads: usize) -> Option<[f64; 5]> {
    let figures = common::numpy(
        "numpy_dense.py",
        &[n.to_string(), m.to_string()],
        &[("BLAS_THREADS", blas_threads.to_string())],
    );
    let get = |name| common::get(&figures, name);
    Some([
        get("add")?,
        get("sum")?,
        get("matmul")?,
        get("tiny")?,
        get("sum0")?,
    ])
}

/// legate-dense's seconds for add, sum, matmul, a tiny operation, add into an output and
/// the tall-skinny axis sum, with `cpus` CPUs.
fn legate(n: usize, m: usize, cpus: usize) -> [f64; 6] {
    let rt = Runtime::new(Config::with_cpus(cpus)).expect("runtime");
    let d: Arc<Dense> = Dense::new(&rt).expect("dense");
    let a = d.full(&[n], Scalar::new(1.0f64), Type::Float64).unwrap();
    let b = d.full(&[n], Scalar::new(2.0f64), Type::Float64).unwrap();
    rt.fence().unwrap();
    let add = best(5, || {
        let c = (&a + &b).unwrap();
        rt.fence().unwrap();
        drop(c);
    });
    let c = d.empty(&[n], Type::Float64).unwrap();
    let add_out = best(5, || {
        a.binary_out(legate_dense::BinaryOp::Add, &b, &c).unwrap();
        rt.fence().unwrap();
    });
    drop(c);
    let sum = best(5, || {
        let s = a.sum(None, false).unwrap().item::<f64>().unwrap();
        assert_eq!(s, n as f64);
    });
    let tall = a.reshape(&[(n / 8) as i64, 8]).unwrap();
    let sum0 = best(5, || {
        let s = tall.sum(Some(0), false).unwrap();
        assert_eq!(s.to_vec::<f64>().unwrap()[7], (n / 8) as f64);
    });
    drop((a, b, tall));
    let g = Generator::new(&d, 1);
    let x = g.random(&[m, m]).unwrap();
    let y = g.random(&[m, m]).unwrap();
    rt.fence().unwrap();
    let matmul = best(2, || {
        let z = x.matmul(&y).unwrap();
        rt.fence().unwrap();
        drop(z);
    });
    drop((x, y));
    let mut t = d.ones(&[10], Type::Float64).unwrap();
    let k = 100_000;
    let start = Instant::now();
    for _ in 0..k {
        t = (&t + 1.0).unwrap();
    }
    rt.fence().unwrap();
    let tiny = start.elapsed().as_secs_f64() / k as f64;
    assert_eq!(t.to_vec::<f64>().unwrap()[0], 1.0 + k as f64);
    [add, sum, matmul, tiny, add_out, sum0]
}

fn main() {
    let n = env_usize("DENSE_BENCH_N", 100_000_000);
    let m = env_usize("DENSE_BENCH_M", 4000);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("N = {n}, M = {m}; load average before: {}", load.trim());
    let np1 = numpy(n, m, 1);
    let np2 = numpy(n, m, 2);
    let (mut s1, mut s2) = (None, None);
    let (mut l1, mut l2) = ([f64::INFINITY; 6], [f64::INFINITY; 6]);
    for _ in 0..rounds() {
        s1 = faster_stream(s1, stream(n, 1));
        s2 = faster_stream(s2, stream(n, 2));
        l1 = shortest(l1, legate(n, m, 1));
        l2 = shortest(l2, legate(n, m, 2));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}\n", load.trim());

    let gb = |bytes: f64, secs: f64| bytes / secs / 1e9;
    let gflops = |secs: f64| 2.0 * (m as f64).powi(3) / secs / 1e9;
    let (add_bytes, sum_bytes) = (24.0 * n as f64, 8.0 * n as f64);

    println!("| operation | measure | legate 1 CPU | legate 2 CPUs | reference 1 thread | reference 2 threads | legate / reference (1, 2) | legate 2/1 speed-up | reference 2/1 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let row = |name: &str,
               unit: &str,
               l: (f64, f64),
               r: (Option<f64>, Option<f64>),
               refname: &str| {
        println!(
            "| {name} | {unit} | {:.2} | {:.2} | {} ({refname}) | {} ({refname}) | {}, {} | {:.2} | {} |",
            l.0,
            l.1,
            fmt(r.0),
            fmt(r.1),
            ratio(Some(l.0), r.0),
            ratio(Some(l.1), r.1),
            l.1 / l.0,
            ratio(r.1, r.0),
        );
    };
    let add = (gb(add_bytes, l1[0]), gb(add_bytes, l2[0]));
    row(
        "`c = a + b`",
        "GB/s",
        add,
        (s1.map(|s| s.1), s2.map(|s| s.1)),
        "STREAM add",
    );
    row(
        "`c = a + b`",
        "GB/s",
        add,
        (s1.map(|s| s.0), s2.map(|s| s.0)),
        "STREAM triad",
    );
    let add_out = (gb(add_bytes, l1[4]), gb(add_bytes, l2[4]));
    row(
        "`np.add(a, b, out=c)`",
        "GB/s",
        add_out,
        (s1.map(|s| s.1), s2.map(|s| s.1)),
        "STREAM add",
    );
    // legate's bandwidth with 1 and 2 CPUs against NumPy's on one core.
    let vs_numpy = |name: &str, what: &str, l: (f64, f64), np: Option<f64>| {
        println!(
            "| {name} | vs NumPy's {what} (1 core) | | | {} GB/s | | {}, {} | | |",
            fmt(np),
            ratio(Some(l.0), np),
            ratio(Some(l.1), np)
        );
    };
    vs_numpy(
        "`c = a + b`",
        "`a + b`",
        add,
        np1.map(|v| gb(add_bytes, v[0])),
    );
    let sum = (gb(sum_bytes, l1[1]), gb(sum_bytes, l2[1]));
    row(
        "`a.sum()`",
        "GB/s",
        sum,
        (s1.map(|s| s.2), s2.map(|s| s.2)),
        "STREAM sum",
    );
    vs_numpy("`a.sum()`", "sum", sum, np1.map(|v| gb(sum_bytes, v[1])));
    let sum0 = (gb(sum_bytes, l1[5]), gb(sum_bytes, l2[5]));
    row(
        "`t.sum(axis=0)`, `t` N/8 x 8",
        "GB/s",
        sum0,
        (s1.map(|s| s.2), s2.map(|s| s.2)),
        "STREAM sum",
    );
    vs_numpy(
        "`t.sum(axis=0)`",
        "`t.sum(axis=0)`",
        sum0,
        np1.map(|v| gb(sum_bytes, v[4])),
    );
    row(
        "matmul",
        "GFLOP/s",
        (gflops(l1[2]), gflops(l2[2])),
        (np1.map(|v| gflops(v[2])), np2.map(|v| gflops(v[2]))),
        "NumPy's OpenBLAS",
    );
    println!(
        "| tiny `a = a + 1.0` | µs per operation | {:.2} | {:.2} | {} (NumPy) | | | | |",
        l1[3] * 1e6,
        l2[3] * 1e6,
        fmt(np1.map(|v| v[3] * 1e6)),
    );
}
