//! The main job of `make demo` for now: legate-hello on every core, printing what ran where.
//!
//! Run with `cargo run --release -p legate-hello --example hello` (configure with
//! `LEGATE_CONFIG="--cpus 2"`).

use legate_core::Runtime;
use legate_hello::Hello;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::global()?;
    println!("{}", rt.machine());
    let hello = Hello::new(&rt)?;
    let cpus = rt.config().cpus as u64;
    let ran_on = hello.print_hello("Hello, World!", 2 * cpus)?;
    let workers = ran_on.read::<i64>()?;
    println!(
        "points ran on workers {:?}",
        workers.iter().collect::<Vec<_>>()
    );

    let n = 10_000_000;
    let t0 = rt.time()?;
    let x = hello.iota(n)?;
    let var = hello.variance(&x)?;
    let value = var.read_scalar::<f64>()?;
    let t1 = rt.time()?;
    let expected = ((n * n) as f64 - 1.0) / 12.0;
    println!(
        "variance of 1..={n} = {value:.6e} (exact {expected:.6e}) in {:.1} ms on {} CPUs",
        (t1 - t0).as_secs_f64() * 1e3,
        cpus
    );
    let stats = rt.stats();
    println!(
        "{} launches, {} point tasks ({} inline), {} bytes copied between instances",
        stats.launches, stats.point_tasks, stats.inline_runs, stats.bytes_copied
    );
    Ok(())
}
