//! The "Legate Ecosystem" blog's 5-point stencil on legate-dense, checked against a
//! sequential ndarray loop: `cargo run --release -p legate-dense --example stencil -- 1000 10`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use legate_core::ndarray::Array2;
use legate_dense::{Dense, Index};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(500), |s| s.parse())?;
    let iters: usize = args.next().map_or(Ok(10), |s| s.parse())?;
    let d = Dense::global()?;

    // grid = np.random.rand(N+2, N+2) (deterministic values here, to compare)
    let init = Array2::from_shape_fn((n + 2, n + 2), |(i, j)| {
        ((i * 31 + j * 17) % 97) as f64 / 97.0
    });
    let grid = d.from_ndarray(&init.clone().into_dyn())?;
    let view = |r: i64, c: i64| {
        grid.index(&[Index::range(r, r + n as i64), Index::range(c, c + n as i64)])
    };
    let (center, north, east, west, south) = (
        view(1, 1)?,
        view(0, 1)?,
        view(1, 2)?,
        view(1, 0)?,
        view(2, 1)?,
    );

    let start = Instant::now();
    for _ in 0..iters {
        let avg = [&north, &east, &west, &south]
            .iter()
            .try_fold(center.clone(), |acc, v| &acc + *v)?;
        let work = (&avg * 0.2)?;
        center.assign(&work)?;
    }
    let total = grid.sum(None, false)?.item::<f64>()?;
    let elapsed = start.elapsed();

    let mut reference = init;
    for _ in 0..iters {
        let old = reference.clone();
        for i in 1..=n {
            for j in 1..=n {
                reference[[i, j]] = 0.2
                    * (old[[i, j]]
                        + old[[i - 1, j]]
                        + old[[i, j + 1]]
                        + old[[i, j - 1]]
                        + old[[i + 1, j]]);
            }
        }
    }
    let same = grid.to_ndarray::<f64>()? == reference.into_dyn();
    println!(
        "stencil {n}x{n}, {iters} iterations: {:.1} ms on {} CPUs, sum {total:.6}, matches the sequential loop: {same}",
        elapsed.as_secs_f64() * 1e3,
        d.runtime().config().cpus
    );
    if !same {
        return Err("the stencil does not match the sequential loop".into());
    }
    Ok(())
}
