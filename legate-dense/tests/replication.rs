//! legate-dense on 2 and 3 ranks (threads of this process, through `LocalRanks`): the
//! blog's stencil, fused and unfused, and a program of reductions, scans, sorts, products
//! and indexing give every rank what one process computes.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use legate_core::ndarray::ArrayD;
use legate_core::{Config, LocalRanks, Runtime, Type};
use legate_dense::{Array, Dense, UniqueOptions};

fn config(cpus: usize, fusion: bool) -> Config {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    config.fusion = fusion;
    config
}

/// Runs `program` with the library on `ranks` ranks of 2 CPUs each.
fn on_ranks<T: Send + 'static>(
    ranks: usize,
    fusion: bool,
    program: impl Fn(Arc<Dense>) -> T + Send + Sync + 'static,
) -> Vec<T> {
    LocalRanks::run(ranks, move |transport| {
        let rt = Runtime::replicated(config(2, fusion), transport).unwrap();
        program(Dense::new(&rt).unwrap())
    })
    .unwrap()
}

/// The blog's loop, as the blog writes it, and its grid.
fn stencil(d: &Arc<Dense>, n: usize, iters: usize) -> (ArrayD<f64>, u64, u64) {
    let rt = d.runtime().clone();
    let grid = common::stencil(d, &common::grid0(n), n, iters);
    rt.fence().unwrap();
    let stats = rt.stats();
    (
        grid.to_ndarray::<f64>().unwrap(),
        stats.bytes_copied,
        stats.peak_bytes_allocated,
    )
}

#[test]
fn the_stencil_on_ranks_gives_every_rank_the_one_process_grid_moving_only_halos() {
    let n = 60;
    let iters = 5;
    let grid_bytes = ((n + 2) * (n + 2) * 8) as u64;
    for fusion in [true, false] {
        let one = Dense::new(&Runtime::new(config(2, fusion)).unwrap()).unwrap();
        let (want, _, _) = stencil(&one, n, iters);
        for ranks in [2, 3] {
            for (rank, (got, moved, peak)) in
                on_ranks(ranks, fusion, move |d| stencil(&d, n, iters))
                    .into_iter()
                    .enumerate()
            {
                assert!(
                    got == want,
                    "fusion {fusion}, rank {rank} of {ranks}: another grid"
                );
                // Each launch reading the shifted views brings a grid row from each
                // neighbour (five such launches per iteration unfused, one fused).
                assert!(moved > 0, "rank {rank} of {ranks} received no halo");
                let launches = if fusion { 1 } else { 6 };
                let halos = (iters * launches * 2 * 2 * (n + 2) * 8) as u64;
                assert!(
                    moved <= halos,
                    "fusion {fusion}, rank {rank} of {ranks}: {moved} bytes moved (halos {halos})"
                );
                if fusion {
                    // The grid alone: the shifted write goes in place, and `avg` and
                    // `work`, dropped by the next iteration, are never written.
                    assert!(
                        peak <= grid_bytes + grid_bytes / 2,
                        "rank {rank} of {ranks}: {peak} bytes at the peak"
                    );
                }
            }
        }
    }
}

/// Everything a program of many operations reads, as `f64` lists.
fn mixed(d: &Arc<Dense>) -> Vec<Vec<f64>> {
    let f = |a: &Array| a.astype(Type::Float64).unwrap().to_vec::<f64>().unwrap();
    d.seed(3);
    let a = d.rand(&[37, 23]).unwrap();
    let b = d.rand(&[23, 11]).unwrap();
    let ints = d
        .from_vec((0..300i64).map(|i| (i * 7919) % 61).collect(), &[300])
        .unwrap();
    let mut out = vec![
        f(&a.sum(None, false).unwrap()),
        f(&a.sum(Some(0), false).unwrap()),
        f(&a.sum(Some(1), false).unwrap()),
        f(&a.max(Some(1), false).unwrap()),
        f(&a.mean(None, false).unwrap()),
        f(&a.matmul(&b).unwrap()),
        f(&a.transpose(None).unwrap().matmul(&a).unwrap()),
        f(&ints.cumsum(None).unwrap()),
        f(&ints.sorted(None).unwrap()),
        f(&ints.argsort(None).unwrap()),
    ];
    let u = ints
        .unique(UniqueOptions {
            return_counts: true,
            ..Default::default()
        })
        .unwrap();
    out.push(f(&u.values));
    out.push(f(&u.counts.unwrap()));
    let picks = d
        .from_vec((0..50i64).map(|i| (i * 13) % 300).collect(), &[50])
        .unwrap();
    out.push(f(&ints.take(&picks).unwrap()));
    out.extend(ints.nonzero().unwrap().iter().map(f));
    let t = (&(&a * 2.0).unwrap() - 1.0).unwrap();
    out.push(f(&t
        .reshape(&[23, 37])
        .unwrap()
        .sum(Some(0), false)
        .unwrap()));
    out
}

#[test]
fn a_program_of_many_operations_reads_the_same_on_every_rank() {
    let want = mixed(&Dense::new(&Runtime::new(config(2, true)).unwrap()).unwrap());
    for ranks in [2, 3] {
        for (rank, got) in on_ranks(ranks, true, |d| mixed(&d)).into_iter().enumerate() {
            assert_eq!(got.len(), want.len());
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.len(), w.len(), "result {k}, rank {rank} of {ranks}");
                for (x, y) in g.iter().zip(w) {
                    // Sums over ranks add their partial sums in another grouping.
                    assert!(
                        (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                        "result {k}, rank {rank} of {ranks}: {x} against {y}"
                    );
                }
            }
        }
    }
}
