//! Sparse kernels against the machine, `sprs` and SciPy: `cargo bench -p legate-sparse
//! --bench sparse` (or `make bench`, which also installs NumPy and SciPy into `.venv`).
//!
//! In one run, on the 2-D Poisson matrix of a `G x G` grid (5-point Laplacian, `G²` rows,
//! about `5 G²` entries): a C STREAM triad with 1 and 2 threads, single-threaded `sprs`
//! and SciPy (one core) on the same matrix, and legate-sparse with 1 and 2 CPUs, for
//! - SpMV `y = A @ x` (the bytes it must move: values and column indices once, `pos`
//!   once, `x` at least once, `y` once);
//! - CG iterations (`scipy.sparse.linalg.cg` on `b = ones`, a fixed number of iterations),
//!   also with the fused vector updates' kernels run one after the other (`--no-compose`);
//! - each through the matrix's diagonal form (the default for it) and through the CSR
//!   kernel (the form turned off).
//!
//! Sizes: `SPARSE_BENCH_G` (default 2000), `SPARSE_BENCH_CG` (iterations, 50). Prints a
//! markdown table (the one in `bench/README.md` is its output).

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../../legate-dense/benches/common/mod.rs"]
mod common;
#[path = "../tests/common/mod.rs"]
mod matrices;

use std::sync::Arc;
use std::time::Instant;

use common::{best, env_usize, fmt, get, load, numpy, ratio, stream};
use legate_core::ndarray::Array1;
use legate_core::{Config, Runtime, Type};
use legate_dense::Dense;
use legate_sparse::linalg::{cg, SolverOptions};
use legate_sparse::{CsrMatrix, Sparse};
use matrices::poisson;

/// The library on `cpus` CPUs, with fused kernels composed into one loop or not
/// (`--no-compose`).
fn sparse(cpus: usize, compose: bool) -> Arc<Sparse> {
    let mut config = Config::with_cpus(cpus);
    config.compose = compose;
    Sparse::new(&Dense::new(&Runtime::new(config).expect("runtime")).expect("dense"))
        .expect("sparse")
}

/// Seconds of the best of 10 SpMVs.
fn spmv(sp: &Arc<Sparse>, a: &CsrMatrix) -> f64 {
    let rt = sp.runtime();
    let x = sp.dense().ones(&[a.shape()[1]], Type::Float64).unwrap();
    let _ = a.dot(&x).unwrap();
    rt.fence().unwrap();
    best(10, || {
        let y = a.dot(&x).unwrap();
        rt.fence().unwrap();
        drop(y);
    })
}

/// What one configuration measures (seconds).
struct Run {
    /// SpMV through the diagonal form (the default for this matrix).
    spmv: f64,
    /// SpMV through the CSR kernel (the diagonal form off).
    csr: f64,
    /// SpMV through the CSR kernel with `int64` indices.
    wide: f64,
    /// A CG iteration (diagonal form).
    cg: f64,
    /// A CG iteration through the CSR kernel.
    cg_csr: f64,
    /// The type of the form's values.
    form: Type,
}

fn legate(sp: &Arc<Sparse>, a: &CsrMatrix, iters: usize) -> Run {
    let spmv_form = spmv(sp, a);
    let form = a
        .diagonal_form_type()
        .expect("the Poisson matrix should have a diagonal form");
    let cg_form = cg_iteration(sp, a, iters);
    sp.set_diagonal_forms(false);
    let run = Run {
        spmv: spmv_form,
        csr: spmv(sp, a),
        wide: spmv(sp, &a.with_index_type(Type::Int64).unwrap()),
        cg: cg_form,
        cg_csr: cg_iteration(sp, a, iters),
        form,
    };
    sp.set_diagonal_forms(true);
    run
}

/// Seconds per CG iteration (best of two solves of `iters` iterations).
fn cg_iteration(sp: &Arc<Sparse>, a: &CsrMatrix, iters: usize) -> f64 {
    let n = a.shape()[0];
    let rt = sp.runtime();
    let b = sp.dense().ones(&[n], Type::Float64).unwrap();
    let opts = || SolverOptions {
        rtol: 1e-30,
        maxiter: Some(iters),
        ..Default::default()
    };
    let _ = cg(
        a,
        &b,
        None,
        SolverOptions {
            maxiter: Some(2),
            ..opts()
        },
    )
    .unwrap();
    rt.fence().unwrap();
    best(2, || {
        let (x, _) = cg(a, &b, None, opts()).unwrap();
        rt.fence().unwrap();
        drop(x);
    }) / iters as f64
}

fn main() {
    let g = env_usize("SPARSE_BENCH_G", 2000);
    let iters = env_usize("SPARSE_BENCH_CG", 50);
    let n = g * g;
    println!(
        "G = {g} ({n} rows), {iters} CG iterations; load average before: {}",
        load()
    );
    let s1 = stream(n * 5, 1).map(|s| s.0);
    let s2 = stream(n * 5, 2).map(|s| s.0);
    let scipy = numpy("scipy_sparse.py", &[g.to_string(), iters.to_string()], &[]);

    let mut runs = Vec::new();
    let mut nnz = 0;
    let mut index = Type::Int64;
    let mut sprs_spmv = None;
    let mut uncomposed = Vec::new();
    for cpus in [1, 2] {
        let sp = sparse(cpus, true);
        let a = poisson(&sp, g);
        nnz = a.nnz();
        index = a.index_type();
        if sprs_spmv.is_none() {
            let m = a.to_sprs::<f64>().unwrap();
            let x = Array1::from_elem(n, 1.0);
            let mut t = f64::INFINITY;
            for _ in 0..10 {
                let start = Instant::now();
                let y = &m * &x;
                t = t.min(start.elapsed().as_secs_f64());
                drop(y);
            }
            sprs_spmv = Some(t);
        }
        runs.push(legate(&sp, &a, iters));
        drop((a, sp));
        let sp = sparse(cpus, false);
        uncomposed.push(cg_iteration(&sp, &poisson(&sp, g), iters));
    }
    println!("load average after: {}\n", load());

    // Values and column indices once, pos (two indices per row), x once, y once; the
    // diagonal form: its five values per row, x once, y once.
    let w = index.size();
    let bytes = ((8 + w) * nnz + 2 * w * n + 8 * n + 8 * n) as f64;
    let form = runs[0].form;
    let form_bytes = (5 * form.size() * n + 8 * n + 8 * n) as f64;
    let gb = |b: f64, secs: f64| b / secs / 1e9;
    let (sp_spmv, sp_cg) = (get(&scipy, "spmv"), get(&scipy, "cg_iteration"));
    let ms = |s: f64| s * 1e3;
    type Pick = fn(&Run) -> f64;
    let kernels: [(&str, f64, Pick); 2] = [
        ("diagonal form", form_bytes, |r| r.spmv),
        ("CSR kernel", bytes, |r| r.csr),
    ];
    println!("| measure | 1 CPU | 2 CPUs | reference | legate / reference (1, 2) |");
    println!("|---|---|---|---|---|");
    for (what, b, pick) in kernels {
        let (g1, g2) = (gb(b, pick(&runs[0])), gb(b, pick(&runs[1])));
        println!(
            "| SpMV ({what}), GB/s of the bytes it must move | {g1:.2} | {g2:.2} | STREAM triad {}, {} | {}, {} |",
            fmt(s1),
            fmt(s2),
            ratio(Some(g1), s1),
            ratio(Some(g2), s2)
        );
    }
    for (what, _, pick) in kernels {
        let (t1, t2) = (pick(&runs[0]), pick(&runs[1]));
        println!(
            "| SpMV ({what}), ms | {:.2} | {:.2} | sprs (1 thread) {:.2} | {}, {} (speed-up) |",
            ms(t1),
            ms(t2),
            ms(sprs_spmv.unwrap_or(f64::NAN)),
            ratio(sprs_spmv, Some(t1)),
            ratio(sprs_spmv, Some(t2))
        );
        println!(
            "| SpMV ({what}), ms | {:.2} | {:.2} | SciPy {} | {}, {} (speed-up) |",
            ms(t1),
            ms(t2),
            fmt(sp_spmv.map(ms)),
            ratio(sp_spmv, Some(t1)),
            ratio(sp_spmv, Some(t2))
        );
    }
    println!(
        "| SpMV (CSR kernel) with `int64` indices, ms | {:.2} | {:.2} | `{index}` indices (CSR kernel) | {}, {} (speed-up) |",
        ms(runs[0].wide),
        ms(runs[1].wide),
        ratio(Some(runs[0].wide), Some(runs[0].csr)),
        ratio(Some(runs[1].wide), Some(runs[1].csr))
    );
    for (what, t1, t2) in [
        ("", runs[0].cg, runs[1].cg),
        (" (CSR kernel)", runs[0].cg_csr, runs[1].cg_csr),
        (
            " (kernels not composed, `--no-compose`)",
            uncomposed[0],
            uncomposed[1],
        ),
    ] {
        println!(
            "| CG iterations per second{what} | {:.1} | {:.1} | SciPy `cg` {} | {}, {} |",
            1.0 / t1,
            1.0 / t2,
            fmt(sp_cg.map(|v| 1.0 / v)),
            ratio(sp_cg, Some(t1)),
            ratio(sp_cg, Some(t2))
        );
    }
    println!(
        "\nnnz = {nnz}, {index} indices; SpMV moves at least {:.0} MB through the CSR kernel, {:.0} MB through the diagonal form (`{form}` values).",
        bytes / 1e6,
        form_bytes / 1e6
    );
}
