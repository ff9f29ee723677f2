//! Fusion of element-wise operations: deferred, fused into one launch per shape, dead
//! temporaries never written, and always the values of the program run in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use legate_core::{
    BlockIn, BlockKernel, BlockOut, ComposableKernel, Composed, Config, Error, LogicalStore,
    Runtime, Scalar, TaskContext, TaskDef, TaskError, Type,
};

fn runtime(cpus: usize, fusion: bool) -> Runtime {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    config.fusion = fusion;
    Runtime::new(config).unwrap()
}

/// `out = a * x + b * y` (or `a * x + b` with one input).
fn axpb(a: f64, b: f64) -> BlockKernel {
    Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
        let x = ins[0].get::<f64>()?;
        let out = out.get_mut::<f64>()?;
        match ins.get(1) {
            Some(y) => {
                let y = y.get::<f64>()?;
                for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                    *o = a * x + b * y;
                }
            }
            None => {
                for (o, &x) in out.iter_mut().zip(x) {
                    *o = a * x + b;
                }
            }
        }
        Ok::<(), TaskError>(())
    })
}

fn values(s: &LogicalStore) -> Vec<f64> {
    s.read::<f64>().unwrap().into_raw_vec_and_offset().0
}

fn ramp(rt: &Runtime, n: usize) -> LogicalStore {
    rt.store_from_vec((0..n).map(|i| i as f64).collect(), &[n as u64])
        .unwrap()
}

#[test]
fn a_chain_runs_as_one_launch_and_dead_temporaries_are_never_written() {
    for cpus in 1..=4 {
        let rt = runtime(cpus, true);
        let x = ramp(&rt, 10_000);
        let before = rt.stats();
        let t1 = rt.create_store(Type::Float64, &[10_000]).unwrap();
        rt.elementwise(axpb(2.0, 1.0), &[&x], &t1).unwrap();
        let t2 = rt.create_store(Type::Float64, &[10_000]).unwrap();
        rt.elementwise(axpb(3.0, 0.0), &[&t1], &t2).unwrap();
        let y = rt.create_store(Type::Float64, &[10_000]).unwrap();
        rt.elementwise(axpb(1.0, 1.0), &[&t2, &x], &y).unwrap();
        drop((t1, t2));
        let expected: Vec<f64> = (0..10_000)
            .map(|i| 3.0 * (2.0 * i as f64 + 1.0) + i as f64)
            .collect();
        assert_eq!(values(&y), expected);
        let after = rt.stats();
        assert_eq!(after.elementwise_ops - before.elementwise_ops, 3);
        assert_eq!(after.fused_launches - before.fused_launches, 1);
        assert_eq!(after.temporaries_elided - before.temporaries_elided, 2);
        // Only `y` got memory: the temporaries never did.
        assert_eq!(after.peak_bytes_allocated, 2 * 80_000);
    }
}

#[test]
fn a_temporary_still_held_is_written_once() {
    let rt = runtime(2, true);
    let x = ramp(&rt, 100);
    let t = rt.create_store(Type::Float64, &[100]).unwrap();
    rt.elementwise(axpb(2.0, 0.0), &[&x], &t).unwrap();
    let y = rt.create_store(Type::Float64, &[100]).unwrap();
    rt.elementwise(axpb(1.0, 1.0), &[&t, &t], &y).unwrap();
    assert_eq!(
        values(&y),
        (0..100).map(|i| 4.0 * i as f64).collect::<Vec<_>>()
    );
    assert_eq!(
        values(&t),
        (0..100).map(|i| 2.0 * i as f64).collect::<Vec<_>>()
    );
    let s = rt.stats();
    assert_eq!((s.fused_launches, s.temporaries_elided), (1, 0));
}

#[test]
fn in_place_updates_and_rereads_see_program_order() {
    for fusion in [true, false] {
        let rt = runtime(3, fusion);
        let a = ramp(&rt, 1000);
        for _ in 0..5 {
            rt.elementwise(axpb(2.0, 1.0), &[&a], &a).unwrap(); // a = 2a + 1
        }
        let b = rt.create_store(Type::Float64, &[1000]).unwrap();
        rt.elementwise(axpb(1.0, -1.0), &[&a, &a], &b).unwrap(); // b = a - a
        let expected: Vec<f64> = (0..1000).map(|i| 32.0 * i as f64 + 31.0).collect();
        assert_eq!(values(&a), expected);
        assert_eq!(values(&b), vec![0.0; 1000]);
    }
}

/// `a[1:] = a[:-1] + a[1:]` reads the old values of every neighbour, on every piece.
#[test]
fn a_write_over_a_shifted_read_of_the_same_storage_reads_old_values() {
    for fusion in [true, false] {
        for cpus in 1..=4 {
            let rt = runtime(cpus, fusion);
            let n = 5000;
            let a = ramp(&rt, n);
            let left = a.slice(0, None, Some(n as i64 - 1), 1).unwrap();
            let right = a.slice(0, Some(1), None, 1).unwrap();
            rt.elementwise(axpb(1.0, 1.0), &[&left, &right], &right)
                .unwrap();
            let mut seq: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let old = seq.clone();
            for i in 1..n {
                seq[i] = old[i - 1] + old[i];
            }
            assert_eq!(values(&a), seq, "fusion {fusion}, {cpus} CPUs");
        }
    }
}

/// The blog's stencil in one dimension of rows: `center[:] = 0.2 * (c + n + e + w + s)`,
/// twice, against a sequential loop.
#[test]
fn the_five_point_stencil_matches_a_sequential_loop() {
    let n = 30usize;
    let mut grid: Vec<f64> = (0..(n + 2) * (n + 2))
        .map(|i| ((i * 37) % 11) as f64)
        .collect();
    let init = grid.clone();
    for _ in 0..3 {
        let old = grid.clone();
        for i in 1..=n {
            for j in 1..=n {
                let at = |r: usize, c: usize| old[r * (n + 2) + c];
                grid[i * (n + 2) + j] =
                    0.2 * (at(i, j) + at(i - 1, j) + at(i, j + 1) + at(i, j - 1) + at(i + 1, j));
            }
        }
    }
    let sum2: BlockKernel = axpb(1.0, 1.0);
    for (fusion, cpus) in [(true, 1), (true, 2), (true, 4), (false, 3)] {
        let rt = runtime(cpus, fusion);
        let g = rt
            .store_from_vec(init.clone(), &[n as u64 + 2, n as u64 + 2])
            .unwrap();
        let view = |r: i64, c: i64| {
            g.slice(0, Some(r), Some(r + n as i64), 1)
                .and_then(|v| v.slice(1, Some(c), Some(c + n as i64), 1))
                .unwrap()
        };
        let (center, north, east, west, south) =
            (view(1, 1), view(0, 1), view(1, 2), view(1, 0), view(2, 1));
        for _ in 0..3 {
            let mut avg = center.clone();
            for other in [&north, &east, &west, &south] {
                let next = rt
                    .create_store(Type::Float64, &[n as u64, n as u64])
                    .unwrap();
                rt.elementwise(Arc::clone(&sum2), &[&avg, other], &next)
                    .unwrap();
                avg = next;
            }
            let work = rt
                .create_store(Type::Float64, &[n as u64, n as u64])
                .unwrap();
            rt.elementwise(axpb(0.2, 0.0), &[&avg], &work).unwrap();
            rt.copy(&work, &center).unwrap();
        }
        assert_eq!(
            g.read::<f64>().unwrap().into_raw_vec_and_offset().0,
            grid,
            "fusion {fusion}, {cpus} CPUs"
        );
    }
}

#[test]
fn strided_transposed_and_broadcast_operands() {
    for fusion in [true, false] {
        let rt = runtime(2, fusion);
        let m = rt
            .store_from_vec((0..12).map(f64::from).collect(), &[3, 4])
            .unwrap();
        let t = m.transpose(&[1, 0]).unwrap(); // 4 x 3
        let row = rt.store_from_vec(vec![10.0, 20.0, 30.0], &[3]).unwrap();
        let rows = row.promote(0, 4).unwrap(); // 4 x 3, stride 0 along rows
        let out = rt.create_store(Type::Float64, &[4, 3]).unwrap();
        rt.elementwise(axpb(1.0, 1.0), &[&t, &rows], &out).unwrap();
        let every_other = m.slice(1, None, None, -2).unwrap(); // 3 x 2, reversed
        let out2 = rt.create_store(Type::Float64, &[3, 2]).unwrap();
        rt.elementwise(axpb(1.0, 0.0), &[&every_other], &out2)
            .unwrap();
        let got = out.read::<f64>().unwrap();
        for i in 0..4 {
            for j in 0..3 {
                assert_eq!(got[[i, j]], (j * 4 + i) as f64 + 10.0 * (j + 1) as f64);
            }
        }
        assert_eq!(
            values(&out2),
            vec![3.0, 1.0, 7.0, 5.0, 11.0, 9.0],
            "fusion {fusion}"
        );
    }
}

#[test]
fn other_launches_see_deferred_results_in_order() {
    let rt = runtime(2, true);
    let lib = rt.create_library("test.fusion").unwrap();
    lib.register_task(
        0,
        TaskDef::new("negate").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<f64>()?;
            ctx.output(0)?.write::<f64>()?.assign(&x.mapv(|v| -v));
            Ok::<(), TaskError>(())
        }),
    )
    .unwrap();
    let x = ramp(&rt, 64);
    let y = rt.create_store(Type::Float64, &[64]).unwrap();
    rt.elementwise(axpb(1.0, 5.0), &[&x], &y).unwrap();
    let z = rt.create_store(Type::Float64, &[64]).unwrap();
    let mut task = rt.create_auto_task(&lib, 0).unwrap();
    let (a, b) = (task.add_input(&y), task.add_output(&z));
    task.add_constraint(legate_core::align(a, b));
    task.execute().unwrap();
    rt.fill(&y, Scalar::new(0.0f64)).unwrap();
    assert_eq!(
        values(&z),
        (0..64).map(|i| -(i as f64) - 5.0).collect::<Vec<_>>()
    );
    assert_eq!(values(&y), vec![0.0; 64]);
}

#[test]
fn operations_over_other_shapes_fuse_separately() {
    let rt = runtime(2, true);
    let a = ramp(&rt, 10);
    let b = rt.create_store(Type::Float64, &[10]).unwrap();
    rt.elementwise(axpb(1.0, 1.0), &[&a], &b).unwrap();
    let half = b.slice(0, Some(0), Some(5), 1).unwrap();
    let c = rt.create_store(Type::Float64, &[5]).unwrap();
    rt.elementwise(axpb(2.0, 0.0), &[&half], &c).unwrap();
    drop(half);
    assert_eq!(values(&c), vec![2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(rt.stats().fused_launches, 2);
    assert_eq!(values(&b), (1..=10).map(f64::from).collect::<Vec<_>>());
}

#[test]
fn bad_operands_are_refused_at_the_call_and_change_nothing() {
    let rt = runtime(2, true);
    let a = ramp(&rt, 10);
    let short = rt.create_store(Type::Float64, &[9]).unwrap();
    let err = rt.elementwise(axpb(1.0, 0.0), &[&short], &a).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    let s = rt.create_store(Type::Float64, &[3]).unwrap();
    let aliasing = s
        .slice(0, Some(0), Some(1), 1)
        .unwrap()
        .broadcast(0, 10)
        .unwrap();
    let err = rt
        .elementwise(axpb(1.0, 0.0), &[&a], &aliasing)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let other = runtime(1, true);
    let foreign = ramp(&other, 10);
    assert!(rt.elementwise(axpb(1.0, 0.0), &[&foreign], &a).is_err());
    assert_eq!(values(&a), (0..10).map(f64::from).collect::<Vec<_>>());
}

#[test]
fn a_failing_kernel_surfaces_at_the_next_wait_and_the_runtime_goes_on() {
    let rt = runtime(2, true);
    let a = ramp(&rt, 10);
    let wrong_type: BlockKernel = Arc::new(|ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
        let _ = ins[0].get::<i32>()?; // the input is float64
        out.get_mut::<f64>()?.fill(0.0);
        Ok(())
    });
    let b = rt.create_store(Type::Float64, &[10]).unwrap();
    rt.elementwise(wrong_type, &[&a], &b).unwrap();
    let err = rt.fence().unwrap_err();
    assert!(matches!(err, Error::TaskFailed { .. }), "{err:?}");
    rt.elementwise(axpb(1.0, 1.0), &[&a], &b).unwrap();
    assert_eq!(values(&b), (1..=10).map(f64::from).collect::<Vec<_>>());
}

#[test]
fn fusion_off_runs_every_operation_as_its_own_launch() {
    let rt = runtime(2, false);
    let x = ramp(&rt, 100);
    let t = rt.create_store(Type::Float64, &[100]).unwrap();
    rt.elementwise(axpb(2.0, 0.0), &[&x], &t).unwrap();
    let y = rt.create_store(Type::Float64, &[100]).unwrap();
    rt.elementwise(axpb(1.0, 1.0), &[&t, &x], &y).unwrap();
    drop(t);
    assert_eq!(
        values(&y),
        (0..100).map(|i| 3.0 * i as f64).collect::<Vec<_>>()
    );
    let s = rt.stats();
    assert_eq!((s.fused_launches, s.temporaries_elided), (2, 0));
}

#[test]
fn an_omp_group_evaluates_blocks_on_its_threads() {
    let mut config = Config::with_cpus(1);
    config.omps = 1;
    config.ompthreads = 2;
    config.min_omp_chunk = 1;
    let rt = Runtime::new(config).unwrap();
    let n = 50_000;
    let x = ramp(&rt, n);
    let y = rt.create_store(Type::Float64, &[n as u64]).unwrap();
    rt.elementwise(axpb(2.0, 1.0), &[&x], &y).unwrap();
    assert_eq!(
        values(&y),
        (0..n).map(|i| 2.0 * i as f64 + 1.0).collect::<Vec<_>>()
    );
}

fn sum_fold() -> BlockKernel {
    Arc::new(|ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
        let s: f64 = ins[0].get::<f64>()?.iter().sum();
        acc.get_mut::<f64>()?[0] += s;
        Ok::<(), TaskError>(())
    })
}

fn max_fold() -> BlockKernel {
    Arc::new(|ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
        let a = &mut acc.get_mut::<f64>()?[0];
        for &v in ins[0].get::<f64>()? {
            *a = a.max(v);
        }
        Ok::<(), TaskError>(())
    })
}

#[test]
fn a_reduction_of_an_expression_never_writes_the_expression() {
    let machines: Vec<Runtime> = {
        let mut omp = Config::with_cpus(1);
        (omp.omps, omp.ompthreads, omp.min_omp_chunk) = (1, 2, 1);
        let mut v: Vec<Runtime> = (1..=4).map(|c| runtime(c, true)).collect();
        v.push(Runtime::new(omp).unwrap());
        v
    };
    for rt in machines {
        let n = 20_000usize;
        let a = ramp(&rt, n);
        let b = rt.store_from_vec(vec![0.5f64; n], &[n as u64]).unwrap();
        let before = rt.stats();
        let ab = rt.create_store(Type::Float64, &[n as u64]).unwrap();
        rt.elementwise(axpb(1.0, 0.0), &[&a], &ab).unwrap(); // ab = a
        rt.elementwise(mul(), &[&ab, &b], &ab).unwrap(); // ab *= b
        let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
        rt.elementwise_reduce(sum_fold(), &ab, legate_core::ReductionOp::Add, &total)
            .unwrap();
        let top = rt
            .create_scalar_store(Scalar::new(f64::NEG_INFINITY))
            .unwrap();
        rt.elementwise_reduce(max_fold(), &ab, legate_core::ReductionOp::Max, &top)
            .unwrap();
        drop(ab);
        let expected: f64 = (0..n).map(|i| 0.5 * i as f64).sum();
        assert_eq!(total.read_scalar::<f64>().unwrap(), expected);
        assert_eq!(top.read_scalar::<f64>().unwrap(), 0.5 * (n - 1) as f64);
        let s = rt.stats();
        assert_eq!(s.fused_launches - before.fused_launches, 1);
        assert_eq!(s.temporaries_elided - before.temporaries_elided, 1);
        assert_eq!(s.peak_bytes_allocated, 2 * 8 * n as u64 + 16);
    }
}

fn mul() -> BlockKernel {
    Arc::new(|ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
        let (x, y) = (ins[0].get::<f64>()?, ins[1].get::<f64>()?);
        for ((o, &x), &y) in out.get_mut::<f64>()?.iter_mut().zip(x).zip(y) {
            *o = x * y;
        }
        Ok::<(), TaskError>(())
    })
}

/// `x - mean(x)`: the reduced value is read, broadcast, by the next operation.
#[test]
fn a_reduced_value_read_by_the_next_operation_is_complete() {
    for (cpus, fusion) in [(1, true), (3, true), (2, false)] {
        let rt = runtime(cpus, fusion);
        let n = 1000usize;
        let x = ramp(&rt, n);
        let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
        rt.elementwise_reduce(sum_fold(), &x, legate_core::ReductionOp::Add, &total)
            .unwrap();
        let mean = total.promote(0, n as u64).unwrap();
        let y = rt.create_store(Type::Float64, &[n as u64]).unwrap();
        rt.elementwise(axpb(1.0, -1.0 / n as f64), &[&x, &mean], &y)
            .unwrap();
        let m = (n - 1) as f64 / 2.0;
        assert_eq!(
            values(&y),
            (0..n).map(|i| i as f64 - m).collect::<Vec<_>>(),
            "{cpus} CPUs, fusion {fusion}"
        );
    }
}

#[test]
fn bad_reductions_are_refused_at_the_call() {
    let rt = runtime(2, true);
    let x = ramp(&rt, 10);
    let two = rt.create_store(Type::Float64, &[2]).unwrap();
    let err = rt
        .elementwise_reduce(sum_fold(), &x, legate_core::ReductionOp::Add, &two)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let first = x.slice(0, Some(0), Some(1), 1).unwrap();
    let err = rt
        .elementwise_reduce(sum_fold(), &x, legate_core::ReductionOp::Add, &first)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert_eq!(values(&x), (0..10).map(f64::from).collect::<Vec<_>>());
}

/// A function of one element of each operand.
type Elemental = Arc<dyn Fn(&[f64]) -> f64 + Send + Sync>;

/// A test description: an element function of `inputs` operands, composed by calling the
/// producer's function for the absorbed operand.
struct ElementFn {
    inputs: usize,
    f: Elemental,
}

impl ElementFn {
    fn new(inputs: usize, f: impl Fn(&[f64]) -> f64 + Send + Sync + 'static) -> Arc<ElementFn> {
        Arc::new(ElementFn {
            inputs,
            f: Arc::new(f),
        })
    }

    fn kernel(&self) -> BlockKernel {
        let (inputs, f) = (self.inputs, Arc::clone(&self.f));
        Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
            assert_eq!(ins.len(), inputs);
            let xs: Vec<&[f64]> = ins.iter().map(|i| i.get::<f64>().unwrap()).collect();
            let mut args = vec![0.0; inputs];
            for (k, o) in out.get_mut::<f64>()?.iter_mut().enumerate() {
                for (a, x) in args.iter_mut().zip(&xs) {
                    *a = x[k];
                }
                *o = f(&args);
            }
            Ok::<(), TaskError>(())
        })
    }
}

impl ComposableKernel for ElementFn {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn absorb(&self, operand: usize, producer: &dyn ComposableKernel) -> Option<Composed> {
        let p = producer.as_any().downcast_ref::<ElementFn>()?;
        let (outer, inner, m) = (Arc::clone(&self.f), Arc::clone(&p.f), p.inputs);
        let composed = ElementFn::new(self.inputs - 1 + m, move |xs: &[f64]| {
            let mut args = xs[..operand].to_vec();
            args.push(inner(&xs[operand..operand + m]));
            args.extend_from_slice(&xs[operand + m..]);
            outer(&args)
        });
        Some(Composed {
            kernel: composed.kernel(),
            composable: composed,
        })
    }
}

fn issue(rt: &Runtime, f: &Arc<ElementFn>, ins: &[&LogicalStore], out: &LogicalStore) {
    rt.elementwise_composable(f.kernel(), Arc::clone(f) as _, ins, out)
        .unwrap();
}

#[test]
fn described_kernels_compose_where_one_operand_alone_reads_a_value() {
    let n = 3000;
    let twice = ElementFn::new(1, |x| 2.0 * x[0]);
    let minus = ElementFn::new(2, |x| x[0] - x[1]);
    for cpus in 1..=4 {
        let rt = runtime(cpus, true);
        let (x, y) = (ramp(&rt, n), ramp(&rt, n));
        let shape = [n as u64];
        let want = |f: &dyn Fn(f64) -> f64| (0..n).map(|i| f(i as f64)).collect::<Vec<f64>>();

        // y - 2 (x - 2 x): the temporaries are dropped, so all three kernels become one.
        let before = rt.stats();
        let out = rt.create_store(Type::Float64, &shape).unwrap();
        {
            let t1 = rt.create_store(Type::Float64, &shape).unwrap();
            let t2 = rt.create_store(Type::Float64, &shape).unwrap();
            let t3 = rt.create_store(Type::Float64, &shape).unwrap();
            issue(&rt, &twice, &[&x], &t1);
            issue(&rt, &minus, &[&x, &t1], &t2);
            issue(&rt, &twice, &[&t2], &t3);
            issue(&rt, &minus, &[&y, &t3], &out);
        }
        assert_eq!(values(&out), want(&|v| v - 2.0 * (v - 2.0 * v)));
        let s = rt.stats();
        assert_eq!(
            s.kernels_composed - before.kernels_composed,
            3,
            "{cpus} CPUs"
        );
        assert_eq!(s.fused_launches - before.fused_launches, 1);

        // A value still held, read twice, reduced or read by an undescribed kernel stays
        // a node of its own; every value is still right.
        let before = rt.stats();
        let held = rt.create_store(Type::Float64, &shape).unwrap();
        let (twice_read, by_plain) = (
            rt.create_store(Type::Float64, &shape).unwrap(),
            rt.create_store(Type::Float64, &shape).unwrap(),
        );
        let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
        let reduced = rt.create_store(Type::Float64, &shape).unwrap();
        {
            let t = rt.create_store(Type::Float64, &shape).unwrap();
            let u = rt.create_store(Type::Float64, &shape).unwrap();
            issue(&rt, &twice, &[&x], &held);
            issue(&rt, &minus, &[&held, &x], &reduced); // reads `held`, kept
            issue(&rt, &twice, &[&x], &t);
            issue(&rt, &minus, &[&t, &t], &twice_read);
            issue(&rt, &twice, &[&y], &u);
            rt.elementwise(axpb(1.0, 0.0), &[&u], &by_plain).unwrap();
        }
        rt.elementwise_reduce(sum_fold(), &reduced, legate_core::ReductionOp::Add, &total)
            .unwrap();
        assert_eq!(values(&held), want(&|v| 2.0 * v));
        assert_eq!(values(&reduced), want(&|v| v));
        assert_eq!(values(&twice_read), vec![0.0; n]);
        assert_eq!(values(&by_plain), want(&|v| 2.0 * v));
        let sum: f64 = (0..n).map(|i| i as f64).sum();
        assert_eq!(total.read_scalar::<f64>().unwrap(), sum);
        assert_eq!(rt.stats().kernels_composed, before.kernels_composed);
    }
}

/// A test description of a sum: of its one input, or of `f` of its operands once it
/// absorbed a producer (each value computed and added, never stored).
struct SumOf(Option<Arc<ElementFn>>);

impl SumOf {
    fn kernel(f: &Arc<ElementFn>) -> BlockKernel {
        let f = Arc::clone(f);
        Arc::new(move |ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
            assert_eq!(ins.len(), f.inputs);
            let xs: Vec<&[f64]> = ins.iter().map(|i| i.get::<f64>().unwrap()).collect();
            let mut args = vec![0.0; f.inputs];
            let mut s = 0.0;
            for k in 0..xs[0].len() {
                for (a, x) in args.iter_mut().zip(&xs) {
                    *a = x[k];
                }
                s += (f.f)(&args);
            }
            acc.get_mut::<f64>()?[0] += s;
            Ok::<(), TaskError>(())
        })
    }
}

impl ComposableKernel for SumOf {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn absorb(&self, operand: usize, producer: &dyn ComposableKernel) -> Option<Composed> {
        let p = producer.as_any().downcast_ref::<ElementFn>()?;
        let copy = |e: &ElementFn| {
            Arc::new(ElementFn {
                inputs: e.inputs,
                f: Arc::clone(&e.f),
            })
        };
        let f = match &self.0 {
            None if operand == 0 => copy(p),
            None => return None,
            Some(f) => copy(
                f.absorb(operand, producer)?
                    .composable
                    .as_any()
                    .downcast_ref::<ElementFn>()?,
            ),
        };
        Some(Composed {
            kernel: SumOf::kernel(&f),
            composable: Arc::new(SumOf(Some(f))),
        })
    }
}

fn sum_of(rt: &Runtime, x: &LogicalStore, total: &LogicalStore) {
    rt.elementwise_reduce_composable(
        sum_fold(),
        Arc::new(SumOf(None)),
        x,
        legate_core::ReductionOp::Add,
        total,
    )
    .unwrap();
}

#[test]
fn described_folds_absorb_the_kernel_whose_value_they_alone_read() {
    let n = 3000;
    let twice = ElementFn::new(1, |x| 2.0 * x[0]);
    let minus = ElementFn::new(2, |x| x[0] - x[1]);
    let sum = |f: &dyn Fn(f64) -> f64| (0..n).map(|i| f(i as f64)).sum::<f64>();
    for cpus in 1..=4 {
        for fusion in [true, false] {
            let rt = runtime(cpus, fusion);
            let (x, y) = (ramp(&rt, n), ramp(&rt, n));
            let shape = [n as u64];
            let what = format!("{cpus} CPUs, fusion {fusion}");

            // sum(y - 2 x), the temporaries dropped: the fold absorbs the difference,
            // which absorbed the scale; nothing is written but the total.
            let before = rt.stats();
            let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
            {
                let t1 = rt.create_store(Type::Float64, &shape).unwrap();
                let t2 = rt.create_store(Type::Float64, &shape).unwrap();
                issue(&rt, &twice, &[&x], &t1);
                issue(&rt, &minus, &[&y, &t1], &t2);
                sum_of(&rt, &t2, &total);
            }
            assert_eq!(total.read_scalar::<f64>().unwrap(), sum(&|v| -v), "{what}");
            let s = rt.stats();
            let composed = s.kernels_composed - before.kernels_composed;
            assert_eq!(composed, if fusion { 2 } else { 0 }, "{what}");

            // A value the program still holds, or that another node reads too, is folded
            // from its block and written.
            let before = rt.stats();
            let (held, other) = (
                rt.create_store(Type::Float64, &shape).unwrap(),
                rt.create_store(Type::Float64, &shape).unwrap(),
            );
            let (t1, t2) = (
                rt.create_scalar_store(Scalar::new(0.0f64)).unwrap(),
                rt.create_scalar_store(Scalar::new(0.0f64)).unwrap(),
            );
            {
                let t = rt.create_store(Type::Float64, &shape).unwrap();
                issue(&rt, &twice, &[&x], &held);
                sum_of(&rt, &held, &t1);
                issue(&rt, &twice, &[&y], &t);
                issue(&rt, &minus, &[&t, &x], &other);
                sum_of(&rt, &t, &t2);
            }
            assert_eq!(
                t1.read_scalar::<f64>().unwrap(),
                sum(&|v| 2.0 * v),
                "{what}"
            );
            assert_eq!(
                t2.read_scalar::<f64>().unwrap(),
                sum(&|v| 2.0 * v),
                "{what}"
            );
            assert_eq!(
                values(&held),
                (0..n).map(|i| 2.0 * i as f64).collect::<Vec<_>>()
            );
            assert_eq!(values(&other), (0..n).map(|i| i as f64).collect::<Vec<_>>());
            assert_eq!(
                rt.stats().kernels_composed,
                before.kernels_composed,
                "{what}"
            );
        }
    }
}

/// `x` of `shape` with the values 0, 1, 2, ... in row-major order (sums stay exact).
fn ramp_of(rt: &Runtime, shape: &[u64]) -> LogicalStore {
    let n: u64 = shape.iter().product();
    rt.store_from_vec((0..n).map(|i| (i % 97) as f64).collect(), shape)
        .unwrap()
}

#[test]
fn reductions_along_dimensions_fold_each_value_into_the_element_it_reduces_into() {
    use legate_core::ndarray::Axis;
    use legate_core::ReductionOp;
    let twice = ElementFn::new(1, |x| 2.0 * x[0]);
    let (rows, cols) = (37u64, 1500u64);
    let mut machines: Vec<(String, bool, Runtime)> = Vec::new();
    for cpus in 1..=4 {
        for fusion in [true, false] {
            let what = format!("{cpus} CPUs, fusion {fusion}");
            machines.push((what, fusion, runtime(cpus, fusion)));
        }
    }
    // An OMP group's threads each fold into their own accumulator.
    let mut omp = Config::with_cpus(1);
    (omp.omps, omp.ompthreads, omp.min_omp_chunk) = (1, 2, 1);
    machines.push(("OMP".into(), true, Runtime::new(omp).unwrap()));
    for (what, fusion, rt) in machines {
        {
            let x = ramp_of(&rt, &[rows, cols]);
            let twice_x = x.read::<f64>().unwrap().mapv(|v| 2.0 * v);

            // sum(2 x, axis=1): runs along the reduced dimension fold into one element;
            // the fold absorbs the scale, and nothing but the result is written.
            let before = rt.stats();
            let by_row = rt.create_store(Type::Float64, &[rows]).unwrap();
            rt.fill(&by_row, Scalar::new(1.0f64)).unwrap();
            {
                let t = rt.create_store(Type::Float64, &[rows, cols]).unwrap();
                issue(&rt, &twice, &[&x], &t);
                sum_of(&rt, &t, &by_row.promote(1, cols).unwrap());
            }
            // The result's own values are reduced into (it held 1 everywhere).
            let want = twice_x.sum_axis(Axis(1)).mapv(|v| v + 1.0);
            assert_eq!(by_row.read::<f64>().unwrap(), want.into_dyn(), "{what}");
            let s = rt.stats();
            assert_eq!(
                s.kernels_composed - before.kernels_composed,
                if fusion { 1 } else { 0 },
                "{what}"
            );
            if fusion {
                assert_eq!(s.temporaries_elided - before.temporaries_elided, 1);
            }

            // max(2 x, axis=0): the innermost dimension is kept, so each run of values
            // folds into a run of the result, which the runtime combines with `Max`.
            let by_col = rt.create_store(Type::Float64, &[cols]).unwrap();
            rt.fill(&by_col, Scalar::new(f64::NEG_INFINITY)).unwrap();
            {
                let t = rt.create_store(Type::Float64, &[rows, cols]).unwrap();
                issue(&rt, &twice, &[&x], &t);
                rt.elementwise_reduce(
                    max_fold(),
                    &t,
                    ReductionOp::Max,
                    &by_col.promote(0, rows).unwrap(),
                )
                .unwrap();
            }
            let want = twice_x.map_axis(Axis(0), |lane| {
                lane.fold(f64::NEG_INFINITY, |a, &v| a.max(v))
            });
            assert_eq!(by_col.read::<f64>().unwrap(), want.into_dyn(), "{what}");

            // Over two of three dimensions of a transposed view, read from memory.
            let y = ramp_of(&rt, &[6, 40, 300]);
            let yt = y.transpose(&[2, 0, 1]).unwrap(); // (300, 6, 40)
            let mid = rt.create_store(Type::Float64, &[6]).unwrap();
            rt.fill(&mid, Scalar::new(0.0f64)).unwrap();
            let target = mid.promote(0, 300).unwrap().promote(2, 40).unwrap();
            sum_of(&rt, &yt, &target);
            // `yt[a, b, c]` is `y[b, c, a]`: the kept dimension is `y`'s first.
            let want = y.read::<f64>().unwrap().sum_axis(Axis(2)).sum_axis(Axis(1));
            assert_eq!(mid.read::<f64>().unwrap(), want.into_dyn(), "{what}");
        }
    }
}

/// Reductions along dimensions whose runs are short (k-means' `sum(d * d, axis=2)` over
/// `(n, k, 2)`): the walk goes flat, so the kernels still see long blocks, and the values
/// fold into the accumulator row by row, in order.
#[test]
fn reductions_along_short_runs_fold_row_by_row_over_flat_walks() {
    use legate_core::ndarray::Axis;
    use legate_core::ReductionOp;
    let square = ElementFn::new(1, |x| x[0] * x[0]);
    let mut machines: Vec<(String, bool, Runtime)> = Vec::new();
    for cpus in 1..=4 {
        for fusion in [true, false] {
            machines.push((
                format!("{cpus} CPUs, fusion {fusion}"),
                fusion,
                runtime(cpus, fusion),
            ));
        }
    }
    let mut omp = Config::with_cpus(1);
    (omp.omps, omp.ompthreads, omp.min_omp_chunk) = (1, 2, 1);
    machines.push(("OMP".into(), true, Runtime::new(omp).unwrap()));
    let (n, k) = (1500u64, 7u64);
    for (what, fusion, rt) in machines {
        let x = ramp_of(&rt, &[n, k, 2]);
        let sq = x.read::<f64>().unwrap().mapv(|v| v * v);

        // sum(x * x, axis=2): rows of two, each into one element; the square is never
        // written, and the fold does not absorb it (it folds the square's block).
        let before = rt.stats();
        let d = rt.create_store(Type::Float64, &[n, k]).unwrap();
        rt.fill(&d, Scalar::new(0.5f64)).unwrap();
        {
            let t = rt.create_store(Type::Float64, &[n, k, 2]).unwrap();
            issue(&rt, &square, &[&x], &t);
            sum_of(&rt, &t, &d.promote(2, 2).unwrap());
        }
        let want = sq.sum_axis(Axis(2)).mapv(|v| v + 0.5);
        assert_eq!(d.read::<f64>().unwrap(), want.into_dyn(), "{what}");
        let s = rt.stats();
        assert_eq!(s.kernels_composed, before.kernels_composed, "{what}");
        if fusion {
            assert_eq!(
                s.temporaries_elided - before.temporaries_elided,
                1,
                "{what}"
            );
        }

        // max(x * x, axis=0) of `(n, k * 2)`: the innermost dimension (14) kept, each row
        // folds into the same run of the result.
        let flat = ramp_of(&rt, &[n, k * 2]);
        let by_col = rt.create_store(Type::Float64, &[k * 2]).unwrap();
        rt.fill(&by_col, Scalar::new(f64::NEG_INFINITY)).unwrap();
        {
            let t = rt.create_store(Type::Float64, &[n, k * 2]).unwrap();
            issue(&rt, &square, &[&flat], &t);
            rt.elementwise_reduce(
                max_fold(),
                &t,
                ReductionOp::Max,
                &by_col.promote(0, n).unwrap(),
            )
            .unwrap();
        }
        let sq2 = flat.read::<f64>().unwrap().mapv(|v| v * v);
        let want = sq2.map_axis(Axis(0), |l| l.fold(f64::NEG_INFINITY, |a, &v| a.max(v)));
        assert_eq!(by_col.read::<f64>().unwrap(), want.into_dyn(), "{what}");

        // A transposed input read from memory, rows of 7 along its innermost dimension:
        // `xt[c, i, j]` is `x[i, j, c]`, summed over `j`.
        let xt = x.transpose(&[2, 0, 1]).unwrap(); // (2, n, k)
        let mid = rt.create_store(Type::Float64, &[2, n]).unwrap();
        rt.fill(&mid, Scalar::new(0.0f64)).unwrap();
        sum_of(&rt, &xt, &mid.promote(2, k).unwrap());
        let want = x.read::<f64>().unwrap().sum_axis(Axis(1)).reversed_axes();
        assert_eq!(mid.read::<f64>().unwrap(), want.into_dyn(), "{what}");
    }
}

#[test]
fn a_reduction_along_dimensions_needs_the_input_shape_and_type() {
    let rt = runtime(2, true);
    let x = ramp_of(&rt, &[4, 5]);
    let short = rt.create_store(Type::Float64, &[4]).unwrap();
    let err = rt
        .elementwise_reduce(sum_fold(), &x, legate_core::ReductionOp::Add, &short)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    let ints = rt.create_store(Type::Int64, &[4]).unwrap();
    let err = rt
        .elementwise_reduce(
            sum_fold(),
            &x,
            legate_core::ReductionOp::Add,
            &ints.promote(1, 5).unwrap(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    // Nothing was issued: the input still reads back.
    assert_eq!(
        x.read::<f64>().unwrap().sum(),
        (0..20).map(f64::from).sum::<f64>()
    );
}

#[test]
fn a_reduction_of_values_computed_from_no_store_visits_the_whole_shape() {
    for cpus in 1..=4 {
        for fusion in [true, false] {
            let rt = runtime(cpus, fusion);
            let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
            let rows = rt.create_store(Type::Float64, &[3]).unwrap();
            rt.fill(&rows, Scalar::new(0.0f64)).unwrap();
            {
                // `full((3, 400), 2.0).sum()` and `.sum(axis=1)`, the array dropped.
                let t = rt.create_store(Type::Float64, &[3, 400]).unwrap();
                rt.fill(&t, Scalar::new(2.0f64)).unwrap();
                sum_of(&rt, &t, &total);
                sum_of(&rt, &t, &rows.promote(1, 400).unwrap());
            }
            let what = format!("{cpus} CPUs, fusion {fusion}");
            assert_eq!(total.read_scalar::<f64>().unwrap(), 2400.0, "{what}");
            assert_eq!(values(&rows), vec![800.0; 3], "{what}");
        }
    }
}
