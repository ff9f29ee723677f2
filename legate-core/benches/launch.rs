//! Launch overhead: `cargo bench -p legate-core --bench launch` (or `make bench`).
//!
//! Measures, on tiny stores so that only the runtime's own cost shows:
//! - an auto-task launch (constraint solving, analysis, run inline);
//! - a point task of a multi-point manual launch (analysis per point, hand-off to workers);
//! - a long loop: the time per launch of the first and the last 100,000 of 1,000,000
//!   launches on the same stores (the cost must not grow with the program's length).

#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use legate_core::{align, Config, LogicalStore, Runtime, TaskContext, TaskDef, TaskError, Type};

fn runtime() -> Runtime {
    Runtime::new(Config::with_cpus(2)).expect("runtime")
}

fn library(rt: &Runtime) -> legate_core::Library {
    let lib = rt.create_library("bench").expect("library");
    if lib.task(0).is_err() {
        lib.register_task(
            0,
            TaskDef::new("inc").cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<f64>()?;
                ctx.output(0)?
                    .write::<f64>()?
                    .zip_mut_with(&x, |y, &x| *y += x);
                Ok::<(), TaskError>(())
            }),
        )
        .expect("register");
    }
    lib
}

fn launch(rt: &Runtime, lib: &legate_core::Library, x: &LogicalStore, y: &LogicalStore) {
    let mut t = rt.create_auto_task(lib, 0).expect("task");
    let a = t.add_input(x);
    let b = t.add_output(y);
    t.add_input(y);
    t.add_constraint(align(a, b));
    t.execute().expect("launch");
}

fn bench_auto_task(c: &mut Criterion) {
    let rt = runtime();
    let lib = library(&rt);
    let x = rt.create_store(Type::Float64, &[16]).expect("store");
    let y = rt.create_store(Type::Float64, &[16]).expect("store");
    c.bench_function("auto-task launch, 16-element store", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                launch(&rt, &lib, &x, &y);
            }
            rt.fence().expect("fence");
            start.elapsed()
        })
    });
}

fn bench_point_tasks(c: &mut Criterion) {
    let rt = runtime();
    let lib = library(&rt);
    let points = 64u64;
    let x = rt.create_store(Type::Float64, &[points]).expect("store");
    let y = rt.create_store(Type::Float64, &[points]).expect("store");
    let (px, py) = (
        x.partition_by_tiling(&[1]).expect("tiling"),
        y.partition_by_tiling(&[1]).expect("tiling"),
    );
    c.bench_function("point task of a 64-point manual launch", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let mut t = rt.create_manual_task(&lib, 0, &[points]).expect("task");
                t.add_input_partition(&px).expect("input");
                t.add_output_partition(&py).expect("output");
                t.execute().expect("launch");
            }
            rt.fence().expect("fence");
            start.elapsed() / points as u32
        })
    });
}

/// Not a criterion measurement: one long program, timed in windows.
fn long_loop() {
    let rt = runtime();
    let lib = library(&rt);
    let x = rt.create_store(Type::Float64, &[16]).expect("store");
    let y = rt.create_store(Type::Float64, &[16]).expect("store");
    let total = 1_000_000;
    let window = 100_000;
    let mut windows: Vec<Duration> = Vec::new();
    let mut start = Instant::now();
    let mut records = 0;
    for i in 1..=total {
        launch(&rt, &lib, &x, &y);
        if i % window == 0 {
            rt.fence().expect("fence");
            windows.push(start.elapsed());
            records = records.max(y.pending_accesses());
            start = Instant::now();
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e9 / window as f64;
    println!(
        "long loop of {total} launches: first {window}: {:.0} ns/launch, last {window}: {:.0} ns/launch, \
         analysis records after each window <= {records}, memory held {} bytes",
        per(windows[0]),
        per(windows[windows.len() - 1]),
        rt.stats().bytes_allocated
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_auto_task, bench_point_tasks
}

fn main() {
    benches();
    long_loop();
    Criterion::default().configure_from_args().final_summary();
}
