//! Fusion against the machine and NumPy: `cargo bench -p legate-dense --bench fusion`
//! (or `make bench`, which also installs NumPy into `.venv`).
//!
//! In one run: NumPy (one core) on the same inputs, then `BENCH_ROUNDS` rounds (default
//! 4) of a C STREAM triad with 1 and 2 threads and legate-dense with 1 and 2 CPUs, fused
//! and unfused (`--no-fusion`), the best of each kept, on
//! - the triad `a = b + 2.5 * c` over `N` float64 (24 bytes per element must move);
//! - the blog's 5-point stencil on an `S x S` grid (per iteration; at least one read of the
//!   grid and one write of the centre must move);
//! - Black-Scholes on `B` options (exp, log, sqrt, the normal CDF's polynomial, where);
//! - `(a * b).sum(axis)` of two `R x R` matrices along each axis;
//! - k-means' distances of `K` points in the plane to 8 centroids (a sum along a short
//!   axis of an expression that is never written).
//!
//! Sizes: `FUSION_BENCH_N` (default 100000000), `FUSION_BENCH_S` (8000), `FUSION_BENCH_I`
//! (stencil iterations, 5), `FUSION_BENCH_B` (10000000), `FUSION_BENCH_R` (5000) and
//! `FUSION_BENCH_K` (2000000). Prints a markdown table (the
//! one in `bench/README.md` is its output).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{best, env_usize, faster, fmt, get, load, numpy, ratio, rounds, shortest, stream};
use legate_core::{Config, Runtime, Scalar, Type};
use legate_dense::{Array, BinaryOp, Dense, Index};

fn dense(cpus: usize, fusion: bool) -> Arc<Dense> {
    let mut config = Config::with_cpus(cpus);
    config.fusion = fusion;
    Dense::new(&Runtime::new(config).expect("runtime")).expect("dense")
}

fn triad(d: &Arc<Dense>, n: usize) -> f64 {
    let b = d.full(&[n], Scalar::new(1.0f64), Type::Float64).unwrap();
    let c = d.full(&[n], Scalar::new(2.0f64), Type::Float64).unwrap();
    d.runtime().fence().unwrap();
    best(5, || {
        let a = (&b + &(&c * 2.5).unwrap()).unwrap();
        d.runtime().fence().unwrap();
        drop(a);
    })
}

fn stencil(d: &Arc<Dense>, n: usize, iters: usize) -> f64 {
    let grid = d.empty(&[n + 2, n + 2], Type::Float64).unwrap();
    let i = d
        .arange(0.0, (n + 2) as f64, 1.0, Type::Float64)
        .unwrap()
        .reshape(&[n as i64 + 2, 1])
        .unwrap();
    let j = d
        .arange(0.0, (n + 2) as f64, 1.0, Type::Float64)
        .unwrap()
        .reshape(&[1, n as i64 + 2])
        .unwrap();
    let v = (&(&(&i * 31.0).unwrap() + &(&j * 17.0).unwrap()).unwrap() % 97.0).unwrap();
    grid.assign(&(&v / 97.0).unwrap()).unwrap();
    drop((i, j, v));
    let view = |r: i64, c: i64| {
        grid.index(&[Index::range(r, r + n as i64), Index::range(c, c + n as i64)])
            .unwrap()
    };
    let (center, north, east, west, south) =
        (view(1, 1), view(0, 1), view(1, 2), view(1, 0), view(2, 1));
    d.runtime().fence().unwrap();
    best(2, || {
        for _ in 0..iters {
            let avg = (&(&(&(&center + &north).unwrap() + &east).unwrap() + &west).unwrap()
                + &south)
                .unwrap();
            let work = (&avg * 0.2).unwrap();
            center.assign(&work).unwrap();
        }
        d.runtime().fence().unwrap();
    }) / iters as f64
}

fn rsub(s: f64, x: &Array) -> Array {
    x.binary_scalar(BinaryOp::Subtract, s, true).unwrap()
}

fn cnd(d: &Array) -> Array {
    let (a1, a2, a3, a4, a5) = (
        0.31938153,
        -0.356563782,
        1.781477937,
        -1.821255978,
        1.330274429,
    );
    let k = (&(&d.absolute().unwrap() * 0.2316419).unwrap() + 1.0)
        .unwrap()
        .reciprocal()
        .unwrap();
    let mut poly = (&k * a5).unwrap();
    for a in [a4, a3, a2, a1] {
        poly = (&(&poly + a).unwrap() * &k).unwrap();
    }
    let gauss = (&(&(d * d).unwrap() * -0.5).unwrap().exp().unwrap() * 0.3989422804014327).unwrap();
    let c = (&gauss * &poly).unwrap();
    let positive = d.binary_scalar(BinaryOp::Greater, 0.0, false).unwrap();
    Array::where_(&positive, &rsub(1.0, &c), &c).unwrap()
}

fn black_scholes(d: &Arc<Dense>, n: usize) -> f64 {
    let i = d.arange(0.0, n as f64, 1.0, Type::Float64).unwrap();
    let s = (&(&i % 91.0).unwrap() + 10.0).unwrap();
    let x = (&(&i % 83.0).unwrap() + 10.0).unwrap();
    let t = (&(&(&i % 7.0).unwrap() * 0.5).unwrap() + 0.25).unwrap();
    drop(i);
    let (r, v) = (0.02, 0.3);
    d.runtime().fence().unwrap();
    best(3, || {
        let sqrt_t = t.sqrt().unwrap();
        let d1 = (&(&(&s / &x).unwrap().log().unwrap() + &(&t * (r + 0.5 * v * v)).unwrap())
            .unwrap()
            / &(&sqrt_t * v).unwrap())
            .unwrap();
        let d2 = (&d1 - &(&sqrt_t * v).unwrap()).unwrap();
        let (cnd1, cnd2) = (cnd(&d1), cnd(&d2));
        let exp_rt = (&t * -r).unwrap().exp().unwrap();
        let x_exp = (&x * &exp_rt).unwrap();
        let call = (&(&s * &cnd1).unwrap() - &(&x_exp * &cnd2).unwrap()).unwrap();
        let put =
            (&(&x_exp * &rsub(1.0, &cnd2)).unwrap() - &(&s * &rsub(1.0, &cnd1)).unwrap()).unwrap();
        d.runtime().fence().unwrap();
        drop((call, put));
    })
}

/// `(a * b).sum(axis)` over two `r x r` matrices: seconds, best of 3.
fn axis_sum(d: &Arc<Dense>, r: usize, axis: isize) -> f64 {
    let i = d.arange(0.0, (r * r) as f64, 1.0, Type::Float64).unwrap();
    let a = (&i % 91.0).unwrap().reshape(&[r as i64, r as i64]).unwrap();
    let b = (&(&i % 83.0).unwrap() * 0.5)
        .unwrap()
        .reshape(&[r as i64, r as i64])
        .unwrap();
    drop(i);
    d.runtime().fence().unwrap();
    best(3, || {
        let s = (&a * &b).unwrap().sum(Some(axis), false).unwrap();
        d.runtime().fence().unwrap();
        drop(s);
    })
}

/// k-means' distances `((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)` of `n` points in
/// the plane to `k` centroids: seconds, best of 3.
fn distances(d: &Arc<Dense>, n: usize, k: usize) -> f64 {
    let i = d.arange(0.0, (2 * n) as f64, 1.0, Type::Float64).unwrap();
    let p = (&i % 89.0).unwrap().reshape(&[n as i64, 2]).unwrap();
    let c = d
        .arange(0.0, (2 * k) as f64, 1.0, Type::Float64)
        .unwrap()
        .reshape(&[k as i64, 2])
        .unwrap();
    drop(i);
    let (pn, cn) = (p.expand_dims(1).unwrap(), c.expand_dims(0).unwrap());
    d.runtime().fence().unwrap();
    best(3, || {
        let diff = (&pn - &cn).unwrap();
        let dist = (&diff * &diff).unwrap().sum(Some(2), false).unwrap();
        drop(diff);
        d.runtime().fence().unwrap();
        drop(dist);
    })
}

fn main() {
    let n = env_usize("FUSION_BENCH_N", 100_000_000);
    let sn = env_usize("FUSION_BENCH_S", 8000);
    let iters = env_usize("FUSION_BENCH_I", 5);
    let bs = env_usize("FUSION_BENCH_B", 10_000_000);
    let rs = env_usize("FUSION_BENCH_R", 5000);
    let kn = env_usize("FUSION_BENCH_K", 2_000_000);
    const CENTROIDS: usize = 8;
    println!(
        "N = {n}, S = {sn} ({iters} iterations), B = {bs}, R = {rs}, K = {kn}; load average before: {}",
        load()
    );
    let np = numpy(
        "numpy_fusion.py",
        &[
            n.to_string(),
            sn.to_string(),
            iters.to_string(),
            bs.to_string(),
            rs.to_string(),
            kn.to_string(),
            CENTROIDS.to_string(),
        ],
        &[],
    );
    let (mut s1, mut s2) = (None, None);
    let mut runs: Vec<(usize, bool, [f64; 6])> = Vec::new();
    for round in 0..rounds() {
        s1 = faster(s1, stream(n, 1).map(|s| s.0));
        s2 = faster(s2, stream(n, 2).map(|s| s.0));
        for (k, (cpus, fusion)) in [(1, true), (2, true), (1, false), (2, false)]
            .into_iter()
            .enumerate()
        {
            let d = dense(cpus, fusion);
            let figures = [
                triad(&d, n),
                stencil(&d, sn, iters),
                black_scholes(&d, bs),
                axis_sum(&d, rs, 1),
                axis_sum(&d, rs, 0),
                distances(&d, kn, CENTROIDS),
            ];
            if round == 0 {
                runs.push((cpus, fusion, figures));
            } else {
                runs[k].2 = shortest(runs[k].2, figures);
            }
        }
    }
    println!("load average after: {}\n", load());

    let gb = |bytes: f64, secs: f64| bytes / secs / 1e9;
    let triad_bytes = 24.0 * n as f64;
    let stencil_bytes = 8.0 * ((sn + 2) * (sn + 2) + sn * sn) as f64;
    let np_t = get(&np, "triad");
    let np_s = get(&np, "stencil");
    let np_b = get(&np, "black_scholes");
    let np_rows = get(&np, "row_sums");
    let np_cols = get(&np, "col_sums");
    let np_dist = get(&np, "distances");
    // The points read once, the distances written once.
    let dist_bytes = (16 * kn + 8 * kn * CENTROIDS) as f64;
    // The two matrices read once.
    let axis_bytes = 16.0 * (rs * rs) as f64;
    println!("| program | legate | measure | 1 CPU | 2 CPUs | reference 1, 2 threads | legate / reference (1, 2) | legate / NumPy (1, 2) |");
    println!("|---|---|---|---|---|---|---|---|");
    for fusion in [true, false] {
        let fig = |cpus: usize, k: usize| {
            runs.iter()
                .find(|r| r.0 == cpus && r.1 == fusion)
                .map(|r| r.2[k])
                .unwrap_or(f64::NAN)
        };
        let mode = if fusion { "fused" } else { "unfused" };
        let (t1, t2) = (gb(triad_bytes, fig(1, 0)), gb(triad_bytes, fig(2, 0)));
        let np_gb = np_t.map(|v| gb(triad_bytes, v));
        println!(
            "| triad `a = b + 2.5 * c` | {mode} | GB/s | {t1:.2} | {t2:.2} | {}, {} (STREAM triad) | {}, {} | {}, {} |",
            fmt(s1), fmt(s2), ratio(Some(t1), s1), ratio(Some(t2), s2), ratio(Some(t1), np_gb), ratio(Some(t2), np_gb)
        );
        let (a1, a2) = (gb(stencil_bytes, fig(1, 1)), gb(stencil_bytes, fig(2, 1)));
        println!(
            "| stencil {sn}², per iteration | {mode} | ms (GB/s of the minimum traffic) | {:.1} ({a1:.2}) | {:.1} ({a2:.2}) | {}, {} (STREAM triad GB/s) | {}, {} | {}, {} |",
            fig(1, 1) * 1e3, fig(2, 1) * 1e3, fmt(s1), fmt(s2), ratio(Some(a1), s1), ratio(Some(a2), s2),
            ratio(np_s, Some(fig(1, 1))), ratio(np_s, Some(fig(2, 1)))
        );
        println!(
            "| Black-Scholes, {bs} options | {mode} | ms | {:.1} | {:.1} | | | {}, {} |",
            fig(1, 2) * 1e3,
            fig(2, 2) * 1e3,
            ratio(np_b, Some(fig(1, 2))),
            ratio(np_b, Some(fig(2, 2)))
        );
        for (k, what, np_v) in [(3, "axis=1", np_rows), (4, "axis=0", np_cols)] {
            let (g1, g2) = (gb(axis_bytes, fig(1, k)), gb(axis_bytes, fig(2, k)));
            println!(
                "| `(a * b).sum({what})`, {rs}² | {mode} | ms (GB/s of the minimum traffic) | {:.1} ({g1:.2}) | {:.1} ({g2:.2}) | {}, {} (STREAM triad GB/s) | {}, {} | {}, {} |",
                fig(1, k) * 1e3, fig(2, k) * 1e3, fmt(s1), fmt(s2), ratio(Some(g1), s1), ratio(Some(g2), s2),
                ratio(np_v, Some(fig(1, k))), ratio(np_v, Some(fig(2, k)))
            );
        }
        let (g1, g2) = (gb(dist_bytes, fig(1, 5)), gb(dist_bytes, fig(2, 5)));
        println!(
            "| k-means distances `((p[:, None] - c[None]) ** 2).sum(axis=2)`, {kn} x {CENTROIDS} x 2 | {mode} | ms (GB/s of the minimum traffic) | {:.1} ({g1:.2}) | {:.1} ({g2:.2}) | {}, {} (STREAM triad GB/s) | {}, {} | {}, {} |",
            fig(1, 5) * 1e3, fig(2, 5) * 1e3, fmt(s1), fmt(s2), ratio(Some(g1), s1), ratio(Some(g2), s2),
            ratio(np_dist, Some(fig(1, 5))), ratio(np_dist, Some(fig(2, 5)))
        );
    }
    println!(
        "\nNumPy (one core): triad {} GB/s, stencil {} ms per iteration, Black-Scholes {} ms, row sums {} ms, column sums {} ms, k-means distances {} ms.",
        fmt(np_t.map(|v| gb(triad_bytes, v))),
        fmt(np_s.map(|v| v * 1e3)),
        fmt(np_b.map(|v| v * 1e3)),
        fmt(np_rows.map(|v| v * 1e3)),
        fmt(np_cols.map(|v| v * 1e3)),
        fmt(np_dist.map(|v| v * 1e3))
    );
}
