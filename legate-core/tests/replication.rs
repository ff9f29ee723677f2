//! Control replication: the same program on 1, 2 and 3 ranks (threads of this process,
//! through `LocalRanks`) gives every rank the results of one process, and moves only what
//! a rank's points read from another's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use legate_core::{
    align, bloat, image, Config, ImageKind, LocalRanks, LogicalStore, ManualTask, ReductionOp,
    Runtime, Scalar, TaskContext, TaskDef, Type,
};
use proptest::prelude::*;

/// Runs `program` on `ranks` ranks of `cpus` CPUs each and returns what each rank returns.
fn on_ranks<T: Send + 'static>(
    ranks: usize,
    cpus: usize,
    program: impl Fn(Runtime) -> T + Send + Sync + 'static,
) -> Vec<T> {
    LocalRanks::run(ranks, move |transport| {
        let mut config = Config::with_cpus(cpus);
        config.min_cpu_chunk = 1;
        program(Runtime::replicated(config, transport).unwrap())
    })
    .unwrap()
}

fn values<T: legate_core::Element>(s: &LogicalStore) -> Vec<T> {
    s.read::<T>().unwrap().iter().copied().collect()
}

/// `out[i] = in[i-1] + in[i] / 2 + in[i+1]` inside, `in[i]` at the ends: each point reads
/// a halo of one element on each side.
fn register_blur(rt: &Runtime) -> legate_core::Library {
    let lib = rt.create_library("test.blur").unwrap();
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
                let at = |j: i64| x[[(j - ilo) as usize]];
                *v = if i == 0 || i == n - 1 {
                    at(i)
                } else {
                    at(i - 1) + at(i) / 2.0 + at(i + 1)
                };
            }
            Ok(())
        }),
    )
    .unwrap();
    lib
}

fn blur(rt: &Runtime, lib: &legate_core::Library, x: &LogicalStore, y: &LogicalStore) {
    let n = x.shape()[0] as i64;
    let mut t = rt.create_auto_task(lib, 0).unwrap();
    let (a, halo, out) = (t.add_input(x), t.add_input(x), t.add_output(y));
    t.add_constraint(align(a, out));
    t.add_constraint(bloat(a, halo, &[1], &[1]));
    t.add_scalar_arg(n);
    t.execute().unwrap();
}

fn blur_reference(mut x: Vec<f64>, iterations: usize) -> Vec<f64> {
    let n = x.len();
    for _ in 0..iterations {
        x = (0..n)
            .map(|i| {
                if i == 0 || i == n - 1 {
                    x[i]
                } else {
                    x[i - 1] + x[i] / 2.0 + x[i + 1]
                }
            })
            .collect();
    }
    x
}

#[test]
fn a_stencil_on_ranks_gives_every_rank_the_result_and_moves_only_halos() {
    let n = 1000usize;
    let iterations = 10;
    let data: Vec<f64> = (0..n).map(|i| ((i * 7919) % 113) as f64 / 7.0).collect();
    let expected = blur_reference(data.clone(), iterations);
    for ranks in [1, 2, 3] {
        for cpus in [1, 2] {
            let data = data.clone();
            let results = on_ranks(ranks, cpus, move |rt| {
                let lib = register_blur(&rt);
                let mut x = rt.store_from_vec(data.clone(), &[n as u64]).unwrap();
                let mut y = rt.create_store(Type::Float64, &[n as u64]).unwrap();
                for _ in 0..iterations {
                    blur(&rt, &lib, &x, &y);
                    std::mem::swap(&mut x, &mut y);
                }
                rt.fence().unwrap();
                let moved = rt.stats().bytes_copied;
                (values::<f64>(&x), moved, rt.stats().bytes_copied)
            });
            for (rank, (got, moved, after_read)) in results.into_iter().enumerate() {
                assert!(
                    got == expected,
                    "ranks {ranks}, cpus {cpus}, rank {rank}: wrong values"
                );
                // Each launch, a rank receives at most one element from each neighbour.
                let halo = (iterations * 2 * 8) as u64;
                assert!(
                    moved <= halo,
                    "rank {rank} of {ranks} received {moved} bytes for halos of at most {halo}"
                );
                if ranks > 1 {
                    assert!(moved > 0, "rank {rank} of {ranks} never received a halo");
                    // The read brings the rest of the vector.
                    assert!(after_read >= moved + (n as u64 * 8) / ranks as u64);
                }
            }
        }
    }
}

#[test]
fn reductions_over_ranks_give_every_rank_the_same_bits() {
    let data: Vec<f64> = (0..997)
        .map(|i| 1.0 / (1.0 + i as f64) * if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let ints: Vec<i64> = (0..997).map(|v| (v * 37) % 101 - 50).collect();
    let exact: f64 = data.iter().sum();
    for ranks in [1, 2, 3] {
        let (data, values_of_i) = (data.clone(), ints.clone());
        let results = on_ranks(ranks, 2, move |rt| {
            let lib = rt.create_library("test.sums").unwrap();
            lib.register_task(
                0,
                TaskDef::new("sum_max").cpu(|ctx: &mut TaskContext<'_>| {
                    let x = ctx.input(0)?.read::<f64>()?;
                    let i = ctx.input(1)?.read::<i64>()?;
                    ctx.reduction(0)?.write::<f64>()?.fill(x.sum());
                    let mx = i.iter().copied().max().unwrap_or(i64::MIN);
                    ctx.reduction(1)?.write::<i64>()?.fill(mx);
                    Ok(())
                }),
            )
            .unwrap();
            let n = data.len() as u64;
            let x = rt.store_from_vec(data.clone(), &[n]).unwrap();
            let i = rt.store_from_vec(values_of_i.clone(), &[n]).unwrap();
            // The sum starts from a value: only one rank may count it.
            let sum = rt.create_scalar_store(Scalar::new(100.0f64)).unwrap();
            let mx = rt
                .create_scalar_store(ReductionOp::Max.identity(Type::Int64).unwrap())
                .unwrap();
            let mut out = Vec::new();
            for _ in 0..3 {
                let mut t = rt.create_auto_task(&lib, 0).unwrap();
                let (a, b) = (t.add_input(&x), t.add_input(&i));
                t.add_constraint(align(a, b));
                t.add_reduction(&sum, ReductionOp::Add);
                t.add_reduction(&mx, ReductionOp::Max);
                t.execute().unwrap();
                out.push((
                    sum.read_scalar::<f64>().unwrap().to_bits(),
                    mx.read_scalar::<i64>().unwrap(),
                ));
            }
            out
        });
        for (rank, got) in results.iter().enumerate() {
            assert_eq!(
                got, &results[0],
                "rank {rank} of {ranks} differs from rank 0"
            );
            for (k, &(bits, mx)) in got.iter().enumerate() {
                let want = 100.0 + (k + 1) as f64 * exact;
                let sum = f64::from_bits(bits);
                assert!(
                    (sum - want).abs() < 1e-9,
                    "ranks {ranks}: {sum} against {want}"
                );
                assert_eq!(mx, *ints.iter().max().unwrap());
            }
        }
    }
}

#[test]
fn unbound_outputs_and_images_are_the_same_on_every_rank() {
    for ranks in [2, 3] {
        let results = on_ranks(ranks, 2, |rt| {
            let lib = rt.create_library("test.unbound_image").unwrap();
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
            lib.register_task(
                1,
                TaskDef::new("lookup").cpu(|ctx: &mut TaskContext<'_>| {
                    let idx = ctx.input(0)?.read::<i64>()?;
                    let table = ctx.input(1)?;
                    let lo = table.rect().lo[0];
                    let t = table.read::<f64>()?;
                    let mut out = ctx.output(0)?.write::<f64>()?;
                    for (o, &i) in out.iter_mut().zip(idx.iter()) {
                        *o = t[[(i - lo) as usize]];
                    }
                    Ok(())
                }),
            )
            .unwrap();
            let x = rt
                .store_from_vec((0..60i64).map(|v| v * 3).collect(), &[60])
                .unwrap();
            let evens = rt.create_unbound_store(Type::Int64);
            let mut t = rt.create_auto_task(&lib, 0).unwrap();
            t.add_input(&x);
            t.add_output(&evens);
            t.execute().unwrap();
            // Indices into a table that the ranks wrote in parts.
            let table = rt.create_store(Type::Float64, &[200]).unwrap();
            rt.fill(&table, Scalar::new(1.5f64)).unwrap();
            let ones = table.slice(0, Some(100), Some(200), 1).unwrap();
            rt.fill(&ones, Scalar::new(-2.0f64)).unwrap();
            let out = rt.create_store(Type::Float64, &evens.shape()).unwrap();
            let mut t = rt.create_auto_task(&lib, 1).unwrap();
            let (i, tb, o) = (t.add_input(&evens), t.add_input(&table), t.add_output(&out));
            t.add_constraint(align(i, o));
            t.add_constraint(image(i, tb, ImageKind::MinMax));
            t.execute().unwrap();
            (values::<i64>(&evens), values::<f64>(&out))
        });
        let evens: Vec<i64> = (0..60).map(|v| v * 3).filter(|v| v % 2 == 0).collect();
        let looked: Vec<f64> = evens
            .iter()
            .map(|&i| if i < 100 { 1.5 } else { -2.0 })
            .collect();
        for (rank, (e, o)) in results.into_iter().enumerate() {
            assert_eq!(e, evens, "rank {rank} of {ranks}");
            assert_eq!(o, looked, "rank {rank} of {ranks}");
        }
    }
}

/// One step of a random program over a 2-D store, run the same on every rank.
#[derive(Clone, Debug)]
enum Step {
    /// Adds `value` to every element, cut into `pieces` tiles along dimension `dim`.
    Add { dim: usize, pieces: u64, value: i64 },
    /// Fills a rectangle with `value`.
    Fill {
        lo: [u64; 2],
        hi: [u64; 2],
        value: i64,
    },
    /// Reads the sum of a row band (a reduction over points of several ranks).
    Sum { dim: usize, pieces: u64 },
    /// Reads a rectangle.
    Read { lo: [u64; 2], hi: [u64; 2] },
}

const SIDE: u64 = 12;

fn step() -> impl Strategy<Value = Step> {
    let corner = (0..SIDE, 0..SIDE, 1..=SIDE, 1..=SIDE).prop_map(|(a, b, c, d)| {
        let lo = [a.min(c.saturating_sub(1)), b.min(d.saturating_sub(1))];
        ([lo[0], lo[1]], [c.max(lo[0] + 1), d.max(lo[1] + 1)])
    });
    prop_oneof![
        (0..2usize, 1..5u64, -9..9i64).prop_map(|(dim, pieces, value)| Step::Add {
            dim,
            pieces,
            value
        }),
        (corner.clone(), -9..9i64).prop_map(|((lo, hi), value)| Step::Fill { lo, hi, value }),
        (0..2usize, 1..5u64).prop_map(|(dim, pieces)| Step::Sum { dim, pieces }),
        corner.prop_map(|(lo, hi)| Step::Read { lo, hi }),
    ]
}

/// The view of `[lo, hi)` of a 2-D store.
fn rectangle(a: &LogicalStore, lo: &[u64; 2], hi: &[u64; 2]) -> LogicalStore {
    let r = a
        .slice(0, Some(lo[0] as i64), Some(hi[0] as i64), 1)
        .unwrap();
    r.slice(1, Some(lo[1] as i64), Some(hi[1] as i64), 1)
        .unwrap()
}

/// Runs `steps` and returns every value the program read.
fn run_steps(rt: &Runtime, steps: &[Step]) -> Vec<i64> {
    let lib = rt.create_library("test.steps").unwrap();
    lib.register_task(
        0,
        TaskDef::new("add").cpu(|ctx: &mut TaskContext<'_>| {
            let v = ctx.scalar_value::<i64>(0)?;
            // The input is the output (one read-write argument).
            ctx.output(0)?.write::<i64>()?.mapv_inplace(|x| x + v);
            Ok(())
        }),
    )
    .unwrap();
    lib.register_task(
        1,
        TaskDef::new("sum").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<i64>()?;
            ctx.reduction(0)?.write::<i64>()?.fill(x.sum());
            Ok(())
        }),
    )
    .unwrap();
    let a = rt.create_store(Type::Int64, &[SIDE, SIDE]).unwrap();
    let mut seen = Vec::new();
    let tiles = |dim: usize, pieces: u64| {
        let mut tile = [SIDE, SIDE];
        tile[dim] = SIDE.div_ceil(pieces);
        tile
    };
    for s in steps {
        match s {
            Step::Add { dim, pieces, value } => {
                let part = a.partition_by_tiling(&tiles(*dim, *pieces)).unwrap();
                let colors = part.color_shape().to_vec();
                let mut t: ManualTask<'_> = rt.create_manual_task(&lib, 0, &colors).unwrap();
                t.add_input_partition(&part).unwrap();
                t.add_output_partition(&part).unwrap();
                t.add_scalar_arg(*value);
                t.execute().unwrap();
            }
            Step::Fill { lo, hi, value } => {
                rt.fill(&rectangle(&a, lo, hi), Scalar::new(*value))
                    .unwrap();
            }
            Step::Sum { dim, pieces } => {
                let part = a.partition_by_tiling(&tiles(*dim, *pieces)).unwrap();
                let colors = part.color_shape().to_vec();
                let total = rt.create_scalar_store(Scalar::new(0i64)).unwrap();
                let mut t = rt.create_manual_task(&lib, 1, &colors).unwrap();
                t.add_input_partition(&part).unwrap();
                t.add_reduction(&total, ReductionOp::Add);
                t.execute().unwrap();
                seen.push(total.read_scalar::<i64>().unwrap());
            }
            Step::Read { lo, hi } => seen.extend(values::<i64>(&rectangle(&a, lo, hi))),
        }
    }
    seen.extend(values::<i64>(&a));
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random programs of writes through changing partitions, fills of rectangles,
    /// reductions and reads: every rank of 2 or 3 reads what one process reads.
    #[test]
    fn random_programs_read_the_same_on_every_rank(
        steps in proptest::collection::vec(step(), 1..12),
        ranks in 2usize..4,
    ) {
        let mut config = Config::with_cpus(2);
        config.min_cpu_chunk = 1;
        let expected = run_steps(&Runtime::new(config).unwrap(), &steps);
        let shared = Arc::new(steps);
        let results = on_ranks(ranks, 2, move |rt| {
            assert_eq!(rt.machine().num_ranks(), ranks);
            run_steps(&rt, &shared)
        });
        for (rank, got) in results.iter().enumerate() {
            prop_assert_eq!(got, &expected, "rank {} of {}", rank, ranks);
        }
    }
}

#[test]
fn the_runtime_s_communicator_connects_the_ranks() {
    use legate_core::Error;
    let results = on_ranks(3, 1, |rt| {
        let comm = rt.comm();
        let me = comm.rank();
        assert_eq!(comm.size(), 3);
        // A floating-point sum folded in rank order: the same bits everywhere.
        let mine = [0.1f64, 1e16, -1e16][me];
        let mut bytes = mine.to_ne_bytes();
        comm.all_reduce(&mut bytes, Type::Float64, ReductionOp::Add)
            .unwrap();
        let sum = f64::from_ne_bytes(bytes);
        let mut root = if me == 2 {
            b"from two".to_vec()
        } else {
            Vec::new()
        };
        comm.broadcast(&mut root, 2).unwrap();
        // A ring, twice with the same tag: messages keep their order.
        for round in 0..2u8 {
            comm.send((me + 1) % 3, 7, &[me as u8, round]).unwrap();
            let got = comm.recv((me + 2) % 3, 7).unwrap();
            assert_eq!(got, vec![((me + 2) % 3) as u8, round]);
        }
        comm.barrier().unwrap();
        let errors = (
            matches!(comm.send(3, 0, &[]), Err(Error::IndexOutOfBounds { .. })),
            matches!(comm.recv(me, 0), Err(Error::InvalidArgument { .. })),
            comm.all_reduce(&mut [0u8; 3], Type::Float64, ReductionOp::Add)
                .is_err(),
        );
        (sum.to_bits(), root, errors)
    });
    let want = ((0.1f64 + 1e16) + -1e16).to_bits();
    for (sum, root, errors) in results {
        assert_eq!(sum, want);
        assert_eq!(root, b"from two".to_vec());
        assert_eq!(errors, (true, true, true));
    }
}
