//! Behaviour of the runtime as a library sees it: concurrency without false dependences,
//! key-partition reuse, bounded analysis state, memory accounting, errors, unbound stores,
//! images, halos, gather/scatter and OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use legate_core::{
    align, bloat, broadcast, image, Config, Error, ImageKind, LogicalStore, ReductionOp, Runtime,
    Scalar, TaskContext, TaskDef, TaskError, Type,
};

fn runtime(cpus: usize) -> Runtime {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    Runtime::new(config).unwrap()
}

fn values<T: legate_core::Element>(s: &LogicalStore) -> Vec<T> {
    s.read::<T>().unwrap().iter().copied().collect()
}

/// A barrier that gives up: two tasks that must run at the same time meet here; if the
/// runtime ran them one after the other, the first would wait forever.
#[derive(Default)]
struct Rendezvous {
    arrived: Mutex<usize>,
    cv: Condvar,
}

impl Rendezvous {
    fn meet(&self, parties: usize) -> Result<(), TaskError> {
        let mut n = self.arrived.lock().unwrap();
        *n += 1;
        self.cv.notify_all();
        let (n, timeout) = self
            .cv
            .wait_timeout_while(n, Duration::from_secs(20), |n| *n < parties)
            .unwrap();
        drop(n);
        if timeout.timed_out() {
            return Err(TaskError::new("the other task never ran concurrently"));
        }
        Ok(())
    }
}

/// Writes a scalar into each view, one single-point launch per view, each of which waits
/// at a rendezvous for the others: it returns only if they all ran at the same time.
fn write_views_concurrently(rt: &Runtime, views: &[(LogicalStore, i32)]) {
    let lib = rt.create_library("test.concurrent_writers").unwrap();
    let meet = Arc::new(Rendezvous::default());
    let parties = views.len();
    lib.register_task(
        0,
        TaskDef::new("write_and_meet")
            .cpu(move |ctx: &mut TaskContext<'_>| {
                meet.meet(parties)?;
                let v = ctx.scalar_value::<i32>(0)?;
                ctx.output(0)?.write::<i32>()?.fill(v);
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    for (view, v) in views {
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let x = t.add_output(view);
        t.add_constraint(broadcast(x, &[]));
        t.add_scalar_arg(*v);
        t.execute().unwrap();
    }
    rt.fence().unwrap();
}

#[test]
fn disjoint_writers_run_concurrently() {
    let rt = runtime(2);
    let s = rt.create_store(Type::Int32, &[8]).unwrap();
    let left = s.slice(0, Some(0), Some(4), 1).unwrap();
    let right = s.slice(0, Some(4), None, 1).unwrap();
    write_views_concurrently(&rt, &[(left, 1), (right, 2)]);
    assert_eq!(values::<i32>(&s), vec![1, 1, 1, 1, 2, 2, 2, 2]);
}

#[test]
fn strided_writers_of_interleaved_views_run_concurrently() {
    let rt = runtime(2);
    let s = rt.create_store(Type::Int32, &[6]).unwrap();
    let even = s.slice(0, None, None, 2).unwrap();
    let odd = s.slice(0, Some(-1), None, -2).unwrap();
    write_views_concurrently(&rt, &[(even, 1), (odd, 2)]);
    assert_eq!(values::<i32>(&s), vec![1, 2, 1, 2, 1, 2]);
}

#[test]
fn readers_of_one_store_run_concurrently() {
    let rt = runtime(2);
    let lib = rt.create_library("test.readers").unwrap();
    let meet = Arc::new(Rendezvous::default());
    let m = Arc::clone(&meet);
    lib.register_task(
        0,
        TaskDef::new("read_and_meet")
            .cpu(move |ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<f64>()?;
                m.meet(2)?;
                ctx.output(0)?.write::<f64>()?.fill(x.sum());
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    let x = rt.store_from_vec(vec![1.0f64, 2.0, 3.0], &[3]).unwrap();
    let outs: Vec<LogicalStore> = (0..2)
        .map(|_| rt.create_store(Type::Float64, &[]).unwrap())
        .collect();
    for out in &outs {
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let a = t.add_input(&x);
        t.add_output(out);
        t.add_constraint(broadcast(a, &[]));
        t.execute().unwrap();
    }
    for out in &outs {
        assert_eq!(out.read_scalar::<f64>().unwrap(), 6.0);
    }
}

#[test]
fn a_point_task_waits_only_for_the_points_it_overlaps() {
    let rt = runtime(2);
    let lib = rt.create_library("test.precise").unwrap();
    let release = Arc::new((Mutex::new(false), Condvar::new()));
    let second_ran_early = Arc::new(AtomicBool::new(false));
    let (r, early) = (Arc::clone(&release), Arc::clone(&second_ran_early));
    // Launch A: point 0 blocks until released; point 1 finishes at once.
    lib.register_task(
        0,
        TaskDef::new("slow_left").cpu(move |ctx: &mut TaskContext<'_>| {
            if ctx.point()[0] == 0 {
                let (lock, cv) = &*r;
                let g = lock.lock().unwrap();
                let _g = cv
                    .wait_timeout_while(g, Duration::from_secs(20), |go| !*go)
                    .unwrap();
            }
            ctx.output(0)?.write::<i64>()?.fill(1);
            Ok(())
        }),
    )
    .unwrap();
    // Launch B reads A's output piece by piece; its point 1 may run while A's point 0 blocks.
    let r2 = Arc::clone(&release);
    lib.register_task(
        1,
        TaskDef::new("follow").cpu(move |ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<i64>()?;
            if ctx.point()[0] == 1 {
                let (lock, cv) = &*r2;
                if !*lock.lock().unwrap() {
                    early.store(true, Ordering::SeqCst);
                }
                *lock.lock().unwrap() = true;
                cv.notify_all();
            }
            ctx.output(0)?.write::<i64>()?.assign(&x.mapv(|v| v + 1));
            Ok(())
        }),
    )
    .unwrap();
    let a = rt.create_store(Type::Int64, &[4]).unwrap();
    let b = rt.create_store(Type::Int64, &[4]).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    t.add_output(&a);
    t.execute().unwrap();
    let mut t = rt.create_auto_task(&lib, 1).unwrap();
    let (x, y) = (t.add_input(&a), t.add_output(&b));
    t.add_constraint(align(x, y));
    t.execute().unwrap();
    assert_eq!(values::<i64>(&b), vec![2, 2, 2, 2]);
    assert!(
        second_ran_early.load(Ordering::SeqCst),
        "point 1 of the second launch waited for point 0 of the first"
    );
}

#[test]
fn a_chain_of_aligned_tasks_reuses_the_key_partition_and_copies_nothing() {
    let rt = runtime(4);
    let hello = legate_hello_like(&rt);
    let x = rt.create_store(Type::Float64, &[1000]).unwrap();
    rt.fill(&x, Scalar::new(1.0f64)).unwrap();
    let before = rt.stats();
    let mut cur = x;
    for _ in 0..10 {
        cur = hello(&cur);
    }
    assert_eq!(values::<f64>(&cur), vec![1024.0; 1000]);
    let after = rt.stats();
    assert_eq!(after.bytes_copied, 0);
    assert_eq!(
        after.partitions_created, before.partitions_created,
        "a chain re-solved its tiling"
    );
    assert_eq!(after.key_partition_reuses - before.key_partition_reuses, 10);
    assert_eq!(after.point_tasks - before.point_tasks, 40);
}

/// `y = 2 x` as an aligned auto-task.
fn legate_hello_like(rt: &Runtime) -> impl Fn(&LogicalStore) -> LogicalStore + '_ {
    let lib = rt.create_library("test.double").unwrap();
    if lib.task(0).is_err() {
        lib.register_task(
            0,
            TaskDef::new("double").cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<f64>()?;
                ctx.output(0)?
                    .write::<f64>()?
                    .zip_mut_with(&x, |y, &x| *y = 2.0 * x);
                Ok(())
            }),
        )
        .unwrap();
    }
    move |x: &LogicalStore| {
        let y = rt.create_store(Type::Float64, &x.shape()).unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (a, b) = (t.add_input(x), t.add_output(&y));
        t.add_constraint(align(a, b));
        t.execute().unwrap();
        y
    }
}

#[test]
fn analysis_state_and_memory_stay_bounded_in_a_long_loop() {
    let rt = runtime(2);
    let lib = rt.create_library("test.loop").unwrap();
    lib.register_task(
        0,
        TaskDef::new("inc").cpu(|ctx: &mut TaskContext<'_>| {
            let mut y = ctx.output(0)?.write::<i64>()?;
            let x = ctx.input(0)?.read::<i64>()?;
            y.zip_mut_with(&x, |y, &x| *y += x);
            Ok(())
        }),
    )
    .unwrap();
    let acc = rt.create_store(Type::Int64, &[64]).unwrap();
    let one = rt.create_store(Type::Int64, &[64]).unwrap();
    rt.fill(&acc, Scalar::new(0i64)).unwrap();
    rt.fill(&one, Scalar::new(1i64)).unwrap();
    // The fills' instances are allocated when they run.
    rt.fence().unwrap();
    let n = 100_000;
    let mut max_records = 0;
    let mut allocated = Vec::new();
    for i in 0..n {
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (x, y) = (t.add_input(&one), t.add_output(&acc));
        t.add_input(&acc);
        t.add_constraint(align(x, y));
        t.execute().unwrap();
        if i % 1000 == 0 {
            max_records = max_records
                .max(acc.pending_accesses())
                .max(one.pending_accesses());
            allocated.push(rt.stats().bytes_allocated);
        }
    }
    assert_eq!(values::<i64>(&acc), vec![n as i64; 64]);
    // At most a window of tasks in flight, each with a few records.
    assert!(
        max_records <= 3 * 4096,
        "analysis state grew to {max_records} records"
    );
    assert!(
        allocated.iter().all(|&b| b == allocated[0]),
        "memory grew: {allocated:?}"
    );
    rt.fence().unwrap();
    assert!(acc.pending_accesses() <= 1);
}

#[test]
fn going_past_sysmem_is_an_error_naming_the_flag_and_loses_nothing() {
    let mut config = Config::with_cpus(2);
    config.sysmem = 1; // MiB
    let rt = Runtime::new(config).unwrap();
    let small = rt.store_from_vec(vec![7i32; 1000], &[1000]).unwrap();
    let big = rt.create_store(Type::Float64, &[1 << 18]).unwrap(); // 2 MiB
                                                                   // The fill is deferred: its instance is allocated, and refused, when it is issued,
                                                                   // and the error surfaces at the next wait.
    rt.fill(&big, Scalar::new(1.0f64)).unwrap();
    let err = rt.fence().unwrap_err();
    match err {
        Error::ResourcesExhausted {
            flag,
            requested,
            limit,
            ..
        } => {
            assert_eq!(flag, "--sysmem");
            assert_eq!(requested, 8 << 18);
            assert_eq!(limit, 1 << 20);
        }
        other => panic!("expected ResourcesExhausted, got {other:?}"),
    }
    assert!(err.to_string().contains("--sysmem"));
    assert_eq!(values::<i32>(&small), vec![7; 1000]);
    // The runtime goes on: a store that fits still works.
    let fits = rt.create_store(Type::Float64, &[1000]).unwrap();
    rt.fill(&fits, Scalar::new(2.0f64)).unwrap();
    assert_eq!(values::<f64>(&fits), vec![2.0; 1000]);
}

#[test]
fn storages_with_no_handle_left_are_freed() {
    let rt = runtime(2);
    let base = rt.stats().bytes_allocated;
    {
        let s = rt.create_store(Type::Float64, &[1000]).unwrap();
        assert_eq!(
            rt.stats().bytes_allocated,
            base,
            "a store holds no memory before use"
        );
        rt.fill(&s, Scalar::new(3.0f64)).unwrap();
        let view = s.slice(0, Some(10), Some(20), 1).unwrap();
        drop(s);
        assert_eq!(
            values::<f64>(&view),
            vec![3.0; 10],
            "a view keeps its storage alive"
        );
        assert_eq!(rt.stats().bytes_allocated, base + 8000);
    }
    rt.fence().unwrap();
    assert_eq!(rt.stats().bytes_allocated, base);
}

/// Elements of a float64 store large enough (2 MiB) for its instance to be cached when freed.
const CACHED_LEN: u64 = 1 << 18;

/// Leaves a freed instance of `CACHED_LEN` float64 values, all 5.0, in the runtime's cache.
fn cache_an_instance_of_fives(rt: &Runtime) {
    let x = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    rt.fill(&x, Scalar::new(5.0f64)).unwrap();
    assert_eq!(values::<f64>(&x)[0], 5.0);
    drop(x);
    rt.fence().unwrap();
    assert!(rt.stats().bytes_cached >= 8 * CACHED_LEN);
}

/// Task 0 writes 1.0 over its whole output and promises it; task 1 writes the same but
/// promises nothing; task 2 writes 1.0 over the first element of its piece only; task 3
/// promises to write everything but fails half-way; task 4 copies its input.
fn overwrite_library(rt: &Runtime) -> legate_core::Library {
    let lib = rt.create_library("test.overwrite").unwrap();
    let ones = |ctx: &mut TaskContext<'_>| {
        ctx.output(0)?.write::<f64>()?.fill(1.0);
        Ok(())
    };
    lib.register_task(0, TaskDef::new("ones").cpu(ones).writes_whole_outputs())
        .unwrap();
    lib.register_task(1, TaskDef::new("ones_unpromised").cpu(ones))
        .unwrap();
    lib.register_task(
        2,
        TaskDef::new("first_only").cpu(|ctx: &mut TaskContext<'_>| {
            let mut y = ctx.output(0)?.write::<f64>()?;
            if let Some(v) = y.iter_mut().next() {
                *v = 1.0;
            }
            Ok(())
        }),
    )
    .unwrap();
    lib.register_task(
        3,
        TaskDef::new("fails_half_way")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let mut y = ctx.output(0)?.write::<f64>()?;
                let half = y.len() / 2;
                y.iter_mut().take(half).for_each(|v| *v = 1.0);
                Err(TaskError::new("half done"))
            })
            .writes_whole_outputs(),
    )
    .unwrap();
    lib.register_task(
        4,
        TaskDef::new("copy")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<f64>()?;
                ctx.output(0)?.write::<f64>()?.assign(&x);
                Ok(())
            })
            .writes_whole_outputs(),
    )
    .unwrap();
    lib
}

fn write_with(rt: &Runtime, lib: &legate_core::Library, task: u32, out: &LogicalStore) {
    let mut t = rt.create_auto_task(lib, task).unwrap();
    t.add_output(out);
    t.execute().unwrap();
}

#[test]
fn a_fresh_store_written_whole_by_a_promising_task_reuses_a_freed_instance() {
    let rt = runtime(2);
    let lib = overwrite_library(&rt);
    cache_an_instance_of_fives(&rt);
    let before = rt.stats();
    let c = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    write_with(&rt, &lib, 0, &c);
    assert_eq!(values::<f64>(&c), vec![1.0; CACHED_LEN as usize]);
    let after = rt.stats();
    assert_eq!(after.buffers_reused, before.buffers_reused + 1);
    assert_eq!(after.bytes_cached, before.bytes_cached - 8 * CACHED_LEN);
    assert_eq!(
        after.bytes_allocated,
        before.bytes_allocated + 8 * CACHED_LEN
    );
    // A loop of fresh results settles on reusing the instances it frees.
    let mut r = c;
    for _ in 0..4 {
        let next = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
        rt.fill(&next, Scalar::new(2.0f64)).unwrap();
        r = next;
        rt.fence().unwrap();
    }
    assert_eq!(values::<f64>(&r), vec![2.0; CACHED_LEN as usize]);
    // The fill is deferred until the fence, when the result before has been dropped:
    // each new result reuses its instance.
    assert_eq!(rt.stats().buffers_reused, after.buffers_reused + 4);
    assert_eq!(rt.stats().bytes_allocated, after.bytes_allocated);
}

#[test]
fn results_issued_ahead_of_the_workers_get_their_instances_when_they_run() {
    static OPEN: AtomicBool = AtomicBool::new(false);
    // One point per launch (pieces of one launch could otherwise run far apart).
    let mut config = Config::with_cpus(2);
    config.min_cpu_chunk = 1 << 20;
    let rt = Runtime::new(config).unwrap();
    let lib = overwrite_library(&rt);
    // Task 5 holds a worker until the test opens the gate (5 s at most).
    lib.register_task(
        5,
        TaskDef::new("gate")
            .cpu(|_ctx: &mut TaskContext<'_>| {
                let start = std::time::Instant::now();
                while !OPEN.load(Ordering::Acquire) && start.elapsed() < Duration::from_secs(5) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    let x = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    rt.fill(&x, Scalar::new(3.0f64)).unwrap();
    rt.fence().unwrap();
    let base = rt.stats().bytes_allocated;
    let mut gate = rt.create_auto_task(&lib, 5).unwrap();
    gate.add_output(&x);
    gate.add_input(&x);
    gate.execute().unwrap();
    // A chain of ten copies, each result dropped once the next is issued: all of them wait
    // for the gate, and none holds memory before it runs.
    let mut r = x.clone();
    for _ in 0..10 {
        let next = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
        let mut t = rt.create_auto_task(&lib, 4).unwrap();
        let (i, o) = (t.add_input(&r), t.add_output(&next));
        t.add_constraint(align(i, o));
        t.execute().unwrap();
        r = next;
    }
    assert_eq!(rt.stats().bytes_allocated, base, "instances taken at issue");
    OPEN.store(true, Ordering::Release);
    assert_eq!(values::<f64>(&r), vec![3.0; CACHED_LEN as usize]);
    // Run in order, each copy takes the instance of a result freed before it: at most
    // two results live at once (the one read, the one written).
    let stats = rt.stats();
    assert!(
        stats.peak_bytes_allocated <= base + 2 * 8 * CACHED_LEN,
        "peak {} over {base}",
        stats.peak_bytes_allocated
    );
    assert!(stats.buffers_reused >= 7, "{} reused", stats.buffers_reused);
}

#[test]
fn fresh_stores_not_overwritten_whole_by_a_promise_read_zeros() {
    let rt = runtime(2);
    let lib = overwrite_library(&rt);
    let n = CACHED_LEN as usize;
    // Read first: the input is zeroed, and what the task copies out of it too.
    cache_an_instance_of_fives(&rt);
    let (x, y) = (
        rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap(),
        rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap(),
    );
    let mut t = rt.create_auto_task(&lib, 4).unwrap();
    let (i, o) = (t.add_input(&x), t.add_output(&y));
    t.add_constraint(align(i, o));
    t.execute().unwrap();
    assert_eq!(values::<f64>(&y), vec![0.0; n]);
    assert_eq!(values::<f64>(&x), vec![0.0; n]);
    assert_eq!(rt.stats().buffers_reused, 1, "only the output is recycled");
    // A task that promises nothing, writing part or all of its output.
    drop((x, y));
    cache_an_instance_of_fives(&rt);
    let reused = rt.stats().buffers_reused;
    let part = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    write_with(&rt, &lib, 2, &part);
    let v = values::<f64>(&part);
    assert!(v.iter().all(|&e| e == 0.0 || e == 1.0) && v.contains(&0.0));
    let all = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    write_with(&rt, &lib, 1, &all);
    assert_eq!(values::<f64>(&all), vec![1.0; n]);
    // A promising task writing through a view of half the storage.
    drop((all, part));
    cache_an_instance_of_fives(&rt);
    let half = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    let first = half.slice(0, None, Some(n as i64 / 2), 1).unwrap();
    rt.fill(&first, Scalar::new(1.0f64)).unwrap();
    let v = values::<f64>(&half);
    assert_eq!(
        (&v[..n / 2], &v[n / 2..]),
        (&vec![1.0; n / 2][..], &vec![0.0; n / 2][..])
    );
    // Booleans are always zeroed first: not every byte is a valid `bool`.
    drop(half);
    cache_an_instance_of_fives(&rt);
    let flags = rt.create_store(Type::Bool, &[8 * CACHED_LEN]).unwrap();
    rt.fill(&flags, Scalar::new(true)).unwrap();
    assert!(values::<bool>(&flags).iter().all(|&b| b));
    // Each `cache_an_instance_of_fives` recycles for its own fill; nothing else did.
    assert_eq!(rt.stats().buffers_reused, reused + 2);
}

#[test]
fn a_failed_point_leaves_zeros_in_a_recycled_instance() {
    let rt = runtime(2);
    let lib = overwrite_library(&rt);
    cache_an_instance_of_fives(&rt);
    let reused = rt.stats().buffers_reused;
    let c = rt.create_store(Type::Float64, &[CACHED_LEN]).unwrap();
    write_with(&rt, &lib, 3, &c);
    assert!(matches!(
        c.read::<f64>().unwrap_err(),
        Error::TaskFailed { message, .. } if message == "half done"
    ));
    assert_eq!(rt.stats().buffers_reused, reused + 1);
    assert_eq!(values::<f64>(&c), vec![0.0; CACHED_LEN as usize]);
}

#[test]
fn a_failed_task_is_reported_at_the_next_wait_and_the_runtime_goes_on() {
    let rt = runtime(2);
    let lib = rt.create_library("test.fail").unwrap();
    lib.register_task(
        0,
        TaskDef::new("fails").cpu(|ctx: &mut TaskContext<'_>| {
            if ctx.point()[0] == 1 {
                return Err(TaskError::new("bad point"));
            }
            ctx.output(0)?.write::<i32>()?.fill(1);
            Ok(())
        }),
    )
    .unwrap();
    lib.register_task(
        1,
        TaskDef::new("panics").cpu(|_ctx: &mut TaskContext<'_>| panic!("boom")),
    )
    .unwrap();
    let s = rt.create_store(Type::Int32, &[8]).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    t.add_output(&s);
    t.execute().unwrap();
    match rt.fence().unwrap_err() {
        Error::TaskFailed {
            task,
            point,
            message,
            library,
        } => {
            assert_eq!((task.as_str(), library.as_str()), ("fails", "test.fail"));
            assert_eq!(point, vec![1]);
            assert_eq!(message, "bad point");
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
    let t = rt.create_auto_task(&lib, 1).unwrap();
    t.execute().unwrap();
    let err = rt.fence().unwrap_err();
    assert!(
        matches!(&err, Error::TaskFailed { message, .. } if message.contains("boom")),
        "{err:?}"
    );
    // Nothing pending any more, and new work runs.
    rt.fence().unwrap();
    rt.fill(&s, Scalar::new(5i32)).unwrap();
    assert_eq!(values::<i32>(&s), vec![5; 8]);
}

#[test]
fn unbound_outputs_take_the_size_their_task_gives() {
    let rt = runtime(3);
    let lib = rt.create_library("test.unbound").unwrap();
    // Keeps the even values of each piece.
    lib.register_task(
        0,
        TaskDef::new("evens").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<i64>()?;
            let kept: Vec<i64> = x.iter().copied().filter(|v| v % 2 == 0).collect();
            ctx.output(0)?.bind_data(kept)?;
            Ok(())
        }),
    )
    .unwrap();
    let x = rt.store_from_vec((0..30i64).collect(), &[30]).unwrap();
    let out = rt.create_unbound_store(Type::Int64);
    assert!(out.is_unbound());
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    t.add_input(&x);
    t.add_output(&out);
    t.execute().unwrap();
    assert_eq!(out.shape(), vec![15]);
    assert_eq!(
        values::<i64>(&out),
        (0..30).filter(|v| v % 2 == 0).collect::<Vec<_>>()
    );
    // A consumer aligned with it reuses the pieces its producer made.
    let doubled = legate_hello_like_i64(&rt, &out);
    assert_eq!(
        values::<i64>(&doubled),
        (0..30)
            .filter(|v| v % 2 == 0)
            .map(|v| 2 * v)
            .collect::<Vec<_>>()
    );
}

fn legate_hello_like_i64(rt: &Runtime, x: &LogicalStore) -> LogicalStore {
    let lib = rt.create_library("test.double_i64").unwrap();
    if lib.task(0).is_err() {
        lib.register_task(
            0,
            TaskDef::new("double").cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<i64>()?;
                ctx.output(0)?
                    .write::<i64>()?
                    .zip_mut_with(&x, |y, &x| *y = 2 * x);
                Ok(())
            }),
        )
        .unwrap();
    }
    let y = rt.create_store(Type::Int64, &x.shape()).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    let (a, b) = (t.add_input(x), t.add_output(&y));
    t.add_constraint(align(a, b));
    t.execute().unwrap();
    y
}

#[test]
fn images_select_the_points_a_piece_needs_and_are_cached_by_version() {
    let rt = runtime(2);
    let lib = rt.create_library("test.image").unwrap();
    // out[i] = table[idx[i]], reading only the image of the piece's indices.
    let widest = Arc::new(AtomicUsize::new(0));
    let w = Arc::clone(&widest);
    lib.register_task(
        0,
        TaskDef::new("lookup").cpu(move |ctx: &mut TaskContext<'_>| {
            let idx = ctx.input(0)?.read::<i64>()?;
            let table = ctx.input(1)?;
            let lo = table.rect().lo[0];
            w.fetch_max(table.volume(), Ordering::SeqCst);
            let t = table.read::<f64>()?;
            let mut out = ctx.output(0)?.write::<f64>()?;
            for (o, &i) in out.iter_mut().zip(idx.iter()) {
                *o = t[[(i - lo) as usize]];
            }
            Ok(())
        }),
    )
    .unwrap();
    let table = rt
        .store_from_vec((0..100).map(|v| v as f64 * 10.0).collect(), &[100])
        .unwrap();
    // Sorted indices: the first half of idx points into the first half of the table.
    let idx_vals: Vec<i64> = (0..40).map(|i| if i < 20 { i } else { 60 + i }).collect();
    let idx = rt.store_from_vec(idx_vals.clone(), &[40]).unwrap();
    let run = |kind: ImageKind| {
        let out = rt.create_store(Type::Float64, &[40]).unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (i, tb, o) = (t.add_input(&idx), t.add_input(&table), t.add_output(&out));
        t.add_constraint(align(i, o));
        t.add_constraint(image(i, tb, kind));
        t.execute().unwrap();
        values::<f64>(&out)
    };
    let expected: Vec<f64> = idx_vals.iter().map(|&i| i as f64 * 10.0).collect();
    for kind in [ImageKind::MinMax, ImageKind::FirstLast, ImageKind::Exact] {
        assert_eq!(run(kind), expected);
    }
    assert_eq!(
        widest.load(Ordering::SeqCst),
        20,
        "a piece saw more of the table than its image"
    );
    let computed = rt.stats().images_computed;
    assert_eq!(run(ImageKind::MinMax), expected);
    assert_eq!(
        rt.stats().images_computed,
        computed,
        "the image was computed again"
    );
    assert!(rt.stats().image_cache_hits >= 1);
    // Writing the source makes a new version: the image is computed anew.
    rt.fill(&idx, Scalar::new(3i64)).unwrap();
    assert_eq!(run(ImageKind::MinMax), vec![30.0; 40]);
    assert_eq!(rt.stats().images_computed, computed + 1);
}

#[test]
fn bloated_pieces_give_each_point_its_halo() {
    for cpus in [1, 2, 4] {
        let rt = runtime(cpus);
        let lib = rt.create_library("test.stencil").unwrap();
        // out[i] = in[i-1] + in[i+1] on the interior, reading a halo of one on each side.
        lib.register_task(
            0,
            TaskDef::new("blur").cpu(|ctx: &mut TaskContext<'_>| {
                let out = ctx.output(0)?;
                let input = ctx.input(1)?;
                let (olo, ilo) = (out.rect().lo[0], input.rect().lo[0]);
                let n = ctx.scalar_value::<i64>(0)?;
                let x = input.read::<f64>()?;
                let mut y = out.write::<f64>()?;
                for (k, v) in y.iter_mut().enumerate() {
                    let i = olo + k as i64;
                    *v = if i == 0 || i == n - 1 {
                        0.0
                    } else {
                        x[[(i - 1 - ilo) as usize]] + x[[(i + 1 - ilo) as usize]]
                    };
                }
                Ok(())
            }),
        )
        .unwrap();
        let data: Vec<f64> = (0..50).map(|v| (v * v) as f64).collect();
        let x = rt.store_from_vec(data.clone(), &[50]).unwrap();
        let y = rt.create_store(Type::Float64, &[50]).unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (a, halo, out) = (t.add_input(&x), t.add_input(&x), t.add_output(&y));
        t.add_constraint(align(a, out));
        t.add_constraint(bloat(a, halo, &[1], &[1]));
        t.add_scalar_arg(50i64);
        t.execute().unwrap();
        let expected: Vec<f64> = (0..50)
            .map(|i| {
                if i == 0 || i == 49 {
                    0.0
                } else {
                    data[i - 1] + data[i + 1]
                }
            })
            .collect();
        assert_eq!(values::<f64>(&y), expected, "cpus = {cpus}");
    }
}

#[test]
fn gather_and_scatter_follow_numpy_indexing() {
    let rt = runtime(2);
    let src = rt
        .store_from_vec(vec![10i32, 11, 12, 13, 14], &[5])
        .unwrap();
    let ind = rt.store_from_vec(vec![4i64, 0, 0, 2], &[4]).unwrap();
    let dst = rt.create_store(Type::Int32, &[4]).unwrap();
    rt.gather(&dst, &src, &ind).unwrap();
    assert_eq!(values::<i32>(&dst), vec![14, 10, 10, 12]);
    // Scatter: repeated indices, the last write wins; other elements keep their values.
    let target = rt.store_from_vec(vec![0i32; 5], &[5]).unwrap();
    let updates = rt.store_from_vec(vec![1i32, 2, 3, 4], &[4]).unwrap();
    rt.scatter(&target, &ind, &updates).unwrap();
    assert_eq!(values::<i32>(&target), vec![3, 0, 4, 0, 1]);
    // An index out of bounds fails the task, named at the next wait.
    let bad = rt.store_from_vec(vec![7i64], &[1]).unwrap();
    let one = rt.create_store(Type::Int32, &[1]).unwrap();
    rt.gather(&one, &src, &bad).unwrap();
    assert!(matches!(rt.fence(), Err(Error::TaskFailed { task, .. }) if task == "gather"));
    assert!(matches!(
        rt.gather(&one, &src, &src),
        Err(Error::TypeMismatch { .. })
    ));
}

/// A large scatter runs as one point per tile of the target, on 1 to 4 CPUs; repeated
/// indices keep the program's order (the last write wins), a strided view is a target
/// like any other, and an index out of bounds fails the launch.
#[test]
fn large_scatters_run_in_parallel_tiles_and_keep_the_last_write() {
    let n = Runtime::SCATTER_MIN_PARALLEL as usize * 2;
    let m = 50_000usize;
    // Indices that repeat (each target index about 2.6 times), in a scrambled order.
    let ind: Vec<i64> = (0..n).map(|k| ((k * 7919) % m) as i64).collect();
    let upd: Vec<f64> = (0..n).map(|k| k as f64).collect();
    let mut want = vec![-1.0f64; m];
    for (&i, &v) in ind.iter().zip(&upd) {
        want[i as usize] = v;
    }
    for cpus in [1, 2, 4] {
        let rt = runtime(cpus);
        let target = rt.store_from_vec(vec![-1.0f64; m], &[m as u64]).unwrap();
        let i = rt.store_from_vec(ind.clone(), &[n as u64]).unwrap();
        let u = rt.store_from_vec(upd.clone(), &[n as u64]).unwrap();
        let before = rt.stats().point_tasks;
        rt.scatter(&target, &i, &u).unwrap();
        assert_eq!(values::<f64>(&target), want, "{cpus} CPUs");
        assert_eq!(
            rt.stats().point_tasks - before,
            cpus as u64,
            "one point per tile"
        );
        // Through a view with a step: every other element of a longer store.
        let long = rt
            .store_from_vec(vec![-1.0f64; 2 * m], &[2 * m as u64])
            .unwrap();
        let view = long.slice(0, Some(1), None, 2).unwrap();
        rt.scatter(&view, &i, &u).unwrap();
        let got = values::<f64>(&long);
        assert!(got.iter().step_by(2).all(|&v| v == -1.0));
        assert_eq!(
            got.iter().skip(1).step_by(2).copied().collect::<Vec<_>>(),
            want
        );
        let bad = rt
            .store_from_vec((0..n as i64).map(|k| k * 3).collect(), &[n as u64])
            .unwrap();
        rt.scatter(&target, &bad, &u).unwrap();
        assert!(
            matches!(rt.fence(), Err(Error::TaskFailed { task, .. }) if task == "scatter"),
            "{cpus} CPUs"
        );
    }
}

#[test]
fn omp_variants_run_on_omp_groups() {
    let mut config = Config::with_cpus(1);
    config.omps = 2;
    config.ompthreads = 1;
    config.min_omp_chunk = 1;
    let rt = Runtime::new(config).unwrap();
    let lib = rt.create_library("test.omp").unwrap();
    let on_omp = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&on_omp);
    lib.register_task(
        0,
        TaskDef::new("where")
            .cpu(|ctx: &mut TaskContext<'_>| {
                ctx.output(0)?.write::<i32>()?.fill(-1);
                Ok(())
            })
            .omp(move |ctx: &mut TaskContext<'_>| {
                let pool = ctx.pool().ok_or_else(|| TaskError::new("no pool"))?;
                let name = std::thread::current().name().unwrap_or("").to_string();
                if name.starts_with("legate-omp") {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                let threads = pool.current_num_threads() as i32;
                ctx.output(0)?.write::<i32>()?.fill(threads);
                Ok(())
            }),
    )
    .unwrap();
    let s = rt.create_store(Type::Int32, &[100]).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    t.add_output(&s);
    t.execute().unwrap();
    assert_eq!(values::<i32>(&s), vec![1; 100]);
    assert_eq!(
        on_omp.load(Ordering::SeqCst),
        2,
        "two OMP groups, one piece each"
    );
}

#[test]
fn reductions_with_many_points_combine_into_one_value() {
    for cpus in [1, 2, 4] {
        let rt = runtime(cpus);
        let lib = rt.create_library("test.reduce").unwrap();
        lib.register_task(
            0,
            TaskDef::new("minmax").cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<i64>()?;
                let mx = x.iter().copied().max().unwrap_or(i64::MIN);
                let mn = x.iter().copied().min().unwrap_or(i64::MAX);
                ctx.reduction(0)?.write::<i64>()?.fill(mx);
                ctx.reduction(1)?.write::<i64>()?.fill(mn);
                Ok(())
            }),
        )
        .unwrap();
        let data: Vec<i64> = (0..97).map(|v| (v * 37) % 101 - 50).collect();
        let x = rt.store_from_vec(data.clone(), &[97]).unwrap();
        let mx = rt
            .create_scalar_store(ReductionOp::Max.identity(Type::Int64).unwrap())
            .unwrap();
        let mn = rt
            .create_scalar_store(ReductionOp::Min.identity(Type::Int64).unwrap())
            .unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        t.add_input(&x);
        t.add_reduction(&mx, ReductionOp::Max);
        t.add_reduction(&mn, ReductionOp::Min);
        t.execute().unwrap();
        assert_eq!(
            mx.read_scalar::<i64>().unwrap(),
            *data.iter().max().unwrap()
        );
        assert_eq!(
            mn.read_scalar::<i64>().unwrap(),
            *data.iter().min().unwrap()
        );
        assert!(rt.stats().point_tasks >= cpus as u64);
    }
}

#[test]
fn points_fold_their_reductions_in_point_order_whatever_order_they_finish_in() {
    // Each point's part is chosen so that floating-point addition in another order gives
    // another sum; the points finish in a shuffled order (later points sleep less).
    let parts = |p: i64| match p % 4 {
        0 => 1e16,
        1 => 1.0,
        2 => -1e16,
        _ => 0.5 + p as f64,
    };
    let points = 12;
    let mut want = 3.0f64;
    for p in 0..points {
        want += parts(p);
    }
    for cpus in [2, 4] {
        let rt = runtime(cpus);
        let lib = rt.create_library("test.ordered").unwrap();
        lib.register_task(
            0,
            TaskDef::new("part").cpu(move |ctx: &mut TaskContext<'_>| {
                let p = ctx.point().coords()[0];
                std::thread::sleep(Duration::from_millis(((points - p) * 7 % 5) as u64));
                ctx.reduction(0)?.write::<f64>()?.fill(parts(p));
                Ok(())
            }),
        )
        .unwrap();
        for _ in 0..3 {
            let sum = rt.create_scalar_store(Scalar::new(3.0f64)).unwrap();
            let mut t = rt.create_manual_task(&lib, 0, &[points as u64]).unwrap();
            t.add_reduction(&sum, ReductionOp::Add);
            t.execute().unwrap();
            assert_eq!(sum.read_scalar::<f64>().unwrap(), want, "cpus = {cpus}");
        }
    }
}

#[test]
fn a_reduction_into_separate_pieces_is_folded_by_each_point_as_it_finishes() {
    // Point 0 is slow; a reader of point 1's piece alone depends on point 1 only, so
    // that piece must be folded when point 1 finishes, not after point 0.
    let rt = runtime(2);
    let lib = rt.create_library("test.pieces").unwrap();
    lib.register_task(
        0,
        TaskDef::new("slow_first").cpu(|ctx: &mut TaskContext<'_>| {
            if ctx.point().coords()[0] == 0 {
                std::thread::sleep(Duration::from_millis(200));
            }
            ctx.reduction(0)?.write::<f64>()?.fill(1.0);
            Ok(())
        }),
    )
    .unwrap();
    lib.register_task(
        1,
        TaskDef::new("copy").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<f64>()?.to_owned();
            ctx.output(0)?.write::<f64>()?.assign(&x);
            Ok(())
        }),
    )
    .unwrap();
    let x = rt.create_store(Type::Float64, &[1000]).unwrap();
    rt.fill(&x, Scalar::new(0.0f64)).unwrap();
    let r = rt.create_store(Type::Float64, &[1000]).unwrap();
    rt.fill(&r, Scalar::new(0.0f64)).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    let xv = t.add_input(&x);
    let rv = t.add_reduction(&r, ReductionOp::Add);
    t.add_constraint(align(xv, rv));
    t.execute().unwrap();
    let out = rt.create_store(Type::Float64, &[500]).unwrap();
    let mut t = rt.create_auto_task(&lib, 1).unwrap();
    let iv = t.add_input(&r.slice(0, Some(500), None, 1).unwrap());
    let ov = t.add_output(&out);
    t.add_constraint(align(iv, ov));
    t.execute().unwrap();
    assert_eq!(values::<f64>(&out), vec![1.0; 500]);
    assert_eq!(values::<f64>(&r), vec![1.0; 1000]);
}

#[test]
fn fill_and_copy_work_for_every_type_through_views() {
    let rt = runtime(2);
    for ty in Type::ALL {
        let a = rt.create_store(ty, &[4, 5]).unwrap();
        rt.fill(&a, Scalar::new(1i8)).unwrap();
        let b = rt.create_store(ty, &[5, 4]).unwrap();
        rt.copy(&a.transpose(&[1, 0]).unwrap(), &b).unwrap();
        assert!(b.read_scalar_value().is_err());
        let one = b.project(0, 2).unwrap().project(0, 3).unwrap();
        assert_eq!(
            one.read_scalar_value().unwrap(),
            Scalar::new(1i8).cast(ty),
            "{ty}"
        );
    }
    let a = rt.create_store(Type::Int32, &[3]).unwrap();
    let b = rt.create_store(Type::Int64, &[3]).unwrap();
    assert!(matches!(rt.copy(&a, &b), Err(Error::TypeMismatch { .. })));
}

#[test]
fn manual_tasks_check_their_partitions_against_the_launch() {
    let rt = runtime(2);
    let lib = rt.create_library("test.manual").unwrap();
    lib.register_task(
        0,
        TaskDef::new("noop").cpu(|_: &mut TaskContext<'_>| Ok(())),
    )
    .unwrap();
    let s = rt.create_store(Type::Int32, &[6]).unwrap();
    let mut t = rt.create_manual_task(&lib, 0, &[2]).unwrap();
    let err = t
        .add_output_partition(&s.partition_by_tiling(&[2]).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }));
    assert!(matches!(
        rt.create_manual_task(&lib, 9, &[2]),
        Err(Error::UnknownTask { task_id: 9, .. })
    ));
    // A whole store written by several points is refused.
    let mut t = rt.create_manual_task(&lib, 0, &[2]).unwrap();
    t.add_output(&s);
    assert!(matches!(t.execute(), Err(Error::InvalidArgument { .. })));
}

#[test]
fn range_images_cut_a_store_by_the_rows_of_a_pos_array() {
    // CSR-like: row r owns crd[pos[r][0]..pos[r][1]]; each point sums its rows' entries.
    for cpus in [1, 2, 4] {
        let rt = runtime(cpus);
        let lib = rt.create_library("test.rows").unwrap();
        lib.register_task(
            0,
            TaskDef::new("row_sums").cpu(|ctx: &mut TaskContext<'_>| {
                let pos = ctx.input(0)?.read::<i64>()?;
                let vals = ctx.input(1)?;
                let lo = vals.rect().lo[0];
                let v = vals.read::<f64>()?;
                let mut out = ctx.output(0)?.write::<f64>()?;
                for (o, row) in out.iter_mut().zip(pos.rows()) {
                    *o = (row[0]..row[1]).map(|k| v[[(k - lo) as usize]]).sum();
                }
                Ok(())
            }),
        )
        .unwrap();
        let lens = [3i64, 0, 2, 5, 1, 4, 0, 2];
        let mut pos = Vec::new();
        let mut at = 0;
        for l in lens {
            pos.extend([at, at + l]);
            at += l;
        }
        let vals: Vec<f64> = (0..at).map(|v| v as f64).collect();
        let pos_store = rt.store_from_vec(pos.clone(), &[8, 2]).unwrap();
        let vals_store = rt.store_from_vec(vals.clone(), &[at as u64]).unwrap();
        let out = rt.create_store(Type::Float64, &[8]).unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (p, v) = (t.add_input(&pos_store), t.add_input(&vals_store));
        t.add_output(&out);
        // The rows of `pos` go with the elements of `out`: the launch cuts rows only.
        t.add_constraint(image(p, v, ImageKind::FirstLast));
        t.execute().unwrap();
        let expected: Vec<f64> = pos
            .chunks(2)
            .map(|r| (r[0]..r[1]).map(|k| vals[k as usize]).sum())
            .collect();
        assert_eq!(values::<f64>(&out), expected, "cpus = {cpus}");
        // The image task and the task itself, one point per CPU each.
        let expected_points = if cpus > 1 { 2 * cpus } else { 1 };
        assert_eq!(
            rt.stats().point_tasks as usize,
            expected_points,
            "cpus = {cpus}"
        );
    }
}

#[test]
fn omp_groups_with_numa_memory_get_coherent_copies_counted_in_bytes() {
    let mut config = Config::with_cpus(2);
    config.omps = 2;
    config.ompthreads = 1;
    config.numamem = 16; // MiB: OMP tasks use their own instances
    config.min_omp_chunk = 1;
    config.min_cpu_chunk = 1;
    let rt = Runtime::new(config).unwrap();
    let lib = rt.create_library("test.numa").unwrap();
    // `scale` has an OMP variant (runs in NUMA memory); `shift` only a CPU one.
    lib.register_task(
        0,
        TaskDef::new("scale").omp(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<f64>()?;
            ctx.output(0)?
                .write::<f64>()?
                .zip_mut_with(&x, |y, &x| *y = 3.0 * x);
            Ok(())
        }),
    )
    .unwrap();
    lib.register_task(
        1,
        TaskDef::new("shift").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<f64>()?;
            ctx.output(0)?
                .write::<f64>()?
                .zip_mut_with(&x, |y, &x| *y = x + 1.0);
            Ok(())
        }),
    )
    .unwrap();
    let run = |task: u32, x: &LogicalStore, y: &LogicalStore| {
        let mut t = rt.create_auto_task(&lib, task).unwrap();
        let (a, b) = (t.add_input(x), t.add_output(y));
        t.add_constraint(align(a, b));
        t.execute().unwrap();
    };
    let n = 1000u64;
    let x = rt
        .store_from_vec((0..n).map(|v| v as f64).collect(), &[n])
        .unwrap();
    let y = rt.create_store(Type::Float64, &[n]).unwrap();
    let z = rt.create_store(Type::Float64, &[n]).unwrap();
    let bytes = |rt: &Runtime| rt.stats().bytes_copied;
    // x lives in system memory: the OMP task copies it into NUMA memory once.
    run(0, &x, &y);
    rt.fence().unwrap();
    assert_eq!(bytes(&rt), 8 * n);
    // Reading x again from an OMP task copies nothing more.
    run(0, &x, &z);
    rt.fence().unwrap();
    assert_eq!(bytes(&rt), 8 * n);
    // y was written in NUMA memory; a CPU task reading it copies it back.
    run(1, &y, &z);
    assert_eq!(
        values::<f64>(&z),
        (0..n).map(|v| 3.0 * v as f64 + 1.0).collect::<Vec<_>>()
    );
    assert_eq!(bytes(&rt), 16 * n);
    // The program reads y: system memory is already valid, nothing to copy.
    assert_eq!(
        values::<f64>(&y),
        (0..n).map(|v| 3.0 * v as f64).collect::<Vec<_>>()
    );
    assert_eq!(bytes(&rt), 16 * n);
    // z (written by the CPU task) goes to NUMA memory, y is written there, and the
    // program reading y copies it back.
    run(0, &z, &y);
    assert_eq!(
        values::<f64>(&y),
        (0..n).map(|v| 9.0 * v as f64 + 3.0).collect::<Vec<_>>()
    );
    assert_eq!(bytes(&rt), 32 * n);
}

#[test]
fn a_store_of_another_runtime_is_refused() {
    let (a, b) = (runtime(1), runtime(1));
    let s = a.create_store(Type::Int32, &[4]).unwrap();
    assert!(matches!(
        b.fill(&s, Scalar::new(1i32)),
        Err(Error::InvalidArgument { .. })
    ));
    a.fill(&s, Scalar::new(2i32)).unwrap();
    assert_eq!(values::<i32>(&s), vec![2; 4]);
}

/// A mapper that answers one tunable and cuts every launch into as many pieces as asked.
struct TunedMapper {
    pieces: usize,
}

impl legate_core::Mapper for TunedMapper {
    fn select_variant(
        &self,
        m: &legate_core::Machine,
        t: &legate_core::TaskInfo<'_>,
    ) -> legate_core::VariantKind {
        legate_core::DefaultMapper.select_variant(m, t)
    }
    fn store_target(
        &self,
        m: &legate_core::Machine,
        v: legate_core::VariantKind,
        s: &legate_core::StoreInfo<'_>,
    ) -> legate_core::MemoryKind {
        legate_core::DefaultMapper.store_target(m, v, s)
    }
    fn store_layout(
        &self,
        m: &legate_core::Machine,
        v: legate_core::VariantKind,
        s: &legate_core::StoreInfo<'_>,
    ) -> legate_core::Layout {
        legate_core::DefaultMapper.store_layout(m, v, s)
    }
    fn num_pieces(&self, _m: &legate_core::Machine, _v: legate_core::VariantKind) -> usize {
        self.pieces
    }
    fn min_piece_volume(&self, _m: &legate_core::Machine, _v: legate_core::VariantKind) -> u64 {
        1
    }
    fn shard(&self, m: &legate_core::Machine, p: &[i64], l: &[u64]) -> usize {
        legate_core::DefaultMapper.shard(m, p, l)
    }
    fn tunable(&self, _m: &legate_core::Machine, id: u32) -> Option<i64> {
        (id == 1).then_some(42)
    }
}

#[test]
fn a_library_mapper_decides_pieces_and_tunables() {
    let rt =
        Runtime::with_mapper(Config::with_cpus(2), Arc::new(TunedMapper { pieces: 5 })).unwrap();
    assert_eq!(rt.tunable(1), Some(42));
    assert_eq!(rt.tunable(2), None);
    let s = rt.create_store(Type::Int64, &[100]).unwrap();
    rt.fill(&s, Scalar::new(3i64)).unwrap();
    assert_eq!(values::<i64>(&s), vec![3; 100]);
    assert_eq!(
        rt.stats().point_tasks,
        5,
        "the mapper asked for five pieces"
    );
}

#[test]
fn unbound_stores_are_waited_for_and_never_read_before_a_producer() {
    let rt = runtime(2);
    let lib = rt.create_library("test.unbound_order").unwrap();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let g = Arc::clone(&gate);
    lib.register_task(
        0,
        TaskDef::new("slow_producer")
            .cpu(move |ctx: &mut TaskContext<'_>| {
                let (lock, cv) = &*g;
                let open = lock.lock().unwrap();
                let _open = cv
                    .wait_timeout_while(open, Duration::from_secs(20), |o| !*o)
                    .unwrap();
                ctx.output(0)?.bind_data(vec![1i64, 2, 3])?;
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    let never = rt.create_unbound_store(Type::Int64);
    assert_eq!(
        never.shape(),
        vec![0],
        "an unbound store nothing produces is empty"
    );
    let out = rt.create_store(Type::Int64, &[3]).unwrap();
    assert!(matches!(
        rt.copy(&never, &out),
        Err(Error::InvalidArgument { .. })
    ));

    let made = rt.create_unbound_store(Type::Int64);
    let mut t = rt.create_manual_task(&lib, 0, &[1]).unwrap();
    t.add_output(&made);
    t.execute().unwrap();
    // The producer waits at the gate; open it from another thread while this one issues a
    // copy that must wait for the data.
    let opener = {
        let gate = Arc::clone(&gate);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            *gate.0.lock().unwrap() = true;
            gate.1.notify_all();
        })
    };
    rt.copy(&made, &out).unwrap();
    assert_eq!(values::<i64>(&out), vec![1, 2, 3]);
    opener.join().unwrap();
}

#[test]
fn scaled_pieces_follow_their_source() {
    // Each coarse cell i averages the fine cells 2i and 2i+1 (a restriction in multigrid).
    for cpus in [1, 2, 4] {
        let rt = runtime(cpus);
        let lib = rt.create_library("test.scale").unwrap();
        lib.register_task(
            0,
            TaskDef::new("restrict").cpu(|ctx: &mut TaskContext<'_>| {
                let coarse = ctx.output(0)?;
                let fine = ctx.input(0)?;
                if fine.rect().lo[0] != 2 * coarse.rect().lo[0] {
                    return Err(TaskError::new(
                        "fine piece does not start at twice the coarse one",
                    ));
                }
                let f = fine.read::<f64>()?;
                let mut c = coarse.write::<f64>()?;
                for (k, v) in c.iter_mut().enumerate() {
                    *v = 0.5 * (f[[2 * k]] + f[[2 * k + 1]]);
                }
                Ok(())
            }),
        )
        .unwrap();
        let fine_vals: Vec<f64> = (0..64).map(|v| v as f64).collect();
        let fine = rt.store_from_vec(fine_vals.clone(), &[64]).unwrap();
        let coarse = rt.create_store(Type::Float64, &[32]).unwrap();
        let mut t = rt.create_auto_task(&lib, 0).unwrap();
        let (f, c) = (t.add_input(&fine), t.add_output(&coarse));
        t.add_constraint(legate_core::scale(&[2], c, f));
        t.execute().unwrap();
        let expected: Vec<f64> = (0..32)
            .map(|k| 0.5 * (fine_vals[2 * k] + fine_vals[2 * k + 1]))
            .collect();
        assert_eq!(values::<f64>(&coarse), expected, "cpus = {cpus}");
    }
}

#[test]
fn min_extents_and_min_chunks_bound_the_pieces() {
    let lib_for = |rt: &Runtime| {
        let lib = rt.create_library("test.extents").unwrap();
        lib.register_task(
            0,
            TaskDef::new("check").cpu(|ctx: &mut TaskContext<'_>| {
                let out = ctx.output(0)?;
                let extent = ctx.scalar_value::<u64>(0)?;
                // Every piece but the last is at least `extent` rows long.
                let r = out.rect();
                let last = r.hi[0] as u64 == ctx.scalar_value::<u64>(1)?;
                if !last && r.extent(0) < extent {
                    return Err(TaskError::new(format!("piece {r:?} shorter than {extent}")));
                }
                out.write::<i32>()?.fill(1);
                Ok(())
            }),
        )
        .unwrap();
        lib
    };
    let rt = runtime(4);
    let lib = lib_for(&rt);
    let s = rt.create_store(Type::Int32, &[20, 3]).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    let v = t.add_output(&s);
    t.add_constraint(legate_core::min_extents(v, &[8, 1]));
    t.add_scalar_arg(8u64);
    t.add_scalar_arg(20u64);
    t.execute().unwrap();
    assert_eq!(values::<i32>(&s), vec![1; 60]);
    assert_eq!(
        rt.stats().point_tasks,
        2,
        "20 rows of at least 8: two pieces"
    );

    // The default minimum CPU chunk keeps a small store in one piece, a big one is cut.
    let rt = Runtime::new(Config::with_cpus(4)).unwrap();
    let small = rt.create_store(Type::Int32, &[1000]).unwrap();
    rt.fill(&small, Scalar::new(1i32)).unwrap();
    assert_eq!(rt.stats().point_tasks, 1);
    let big = rt.create_store(Type::Int32, &[1 << 20]).unwrap();
    rt.fill(&big, Scalar::new(1i32)).unwrap();
    assert_eq!(rt.stats().point_tasks, 1 + 4);
}
