//! Control replication over MPI, run by `make test` as jobs of 2 and 3 ranks:
//! `mpirun -np 3 target/debug/examples/replicated` (build with `--features mpi`).
//!
//! Every rank runs this same program on `Runtime::from_env()`, which is its rank's runtime
//! of the job: a stencil whose pieces read their neighbours' edges, a reduction over every
//! rank's points, an unbound output and an image partition. Each rank checks what it reads
//! against the same program on a one-process runtime beside it; a failed check exits
//! non-zero, and so does `mpirun`.

use legate_core::{
    align, bloat, image, Config, Error, ImageKind, LogicalStore, ReductionOp, Runtime, Scalar,
    TaskContext, TaskDef, Type,
};

const N: u64 = 200_000;
const STEPS: usize = 12;

/// What the program reads: the stencil's values, the sum of the values at each step, the
/// kept values of the unbound output and what the image-cut lookup found.
type Reads = (Vec<f64>, Vec<f64>, Vec<i64>, Vec<f64>);

fn register(rt: &Runtime) -> Result<legate_core::Library, Error> {
    let lib = rt.create_library("example.replicated")?;
    // out[i] = in[i-1] + in[i] / 2 + in[i+1] inside, in[i] at the ends; and the sum.
    lib.register_task(
        0,
        TaskDef::new("blur").cpu(|ctx: &mut TaskContext<'_>| {
            let out = ctx.output(0)?;
            let input = ctx.input(1)?;
            let (olo, ilo) = (out.rect().lo[0], input.rect().lo[0]);
            let x = input.read::<f64>()?;
            let mut y = out.write::<f64>()?;
            let mut sum = 0.0;
            for (k, v) in y.iter_mut().enumerate() {
                let i = olo + k as i64;
                let at = |j: i64| x[[(j - ilo) as usize]];
                *v = if i == 0 || i == N as i64 - 1 {
                    at(i)
                } else {
                    (at(i - 1) + at(i) / 2.0 + at(i + 1)) / 2.5
                };
                sum += *v;
            }
            ctx.reduction(0)?.write::<f64>()?.fill(sum);
            Ok(())
        }),
    )?;
    // Keeps the multiples of 3 (an unbound output: each point decides its size).
    lib.register_task(
        1,
        TaskDef::new("thirds").cpu(|ctx: &mut TaskContext<'_>| {
            let x = ctx.input(0)?.read::<i64>()?;
            let kept: Vec<i64> = x.iter().copied().filter(|v| v % 3 == 0).collect();
            ctx.output(0)?.bind_data(kept)?;
            Ok(())
        }),
    )?;
    // out[i] = table[idx[i]], each point reading the image of its indices.
    lib.register_task(
        2,
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
    )?;
    Ok(lib)
}

fn values<T: legate_core::Element>(s: &LogicalStore) -> Result<Vec<T>, Error> {
    Ok(s.read::<T>()?.iter().copied().collect())
}

fn program(rt: &Runtime) -> Result<Reads, Error> {
    let lib = register(rt)?;
    let data: Vec<f64> = (0..N).map(|i| ((i * 7919) % 113) as f64).collect();
    let mut x = rt.store_from_vec(data, &[N])?;
    let mut y = rt.create_store(Type::Float64, &[N])?;
    let mut sums = Vec::new();
    for _ in 0..STEPS {
        let sum = rt.create_scalar_store(Scalar::new(0.0f64))?;
        let mut t = rt.create_auto_task(&lib, 0)?;
        let (a, halo, out) = (t.add_input(&x), t.add_input(&x), t.add_output(&y));
        t.add_constraint(align(a, out));
        t.add_constraint(bloat(a, halo, &[1], &[1]));
        t.add_reduction(&sum, ReductionOp::Add);
        t.execute()?;
        sums.push(sum.read_scalar::<f64>()?);
        std::mem::swap(&mut x, &mut y);
    }
    let ints = rt.store_from_vec((0..N as i64).map(|i| (i * 31) % 1000).collect(), &[N])?;
    let thirds = rt.create_unbound_store(Type::Int64);
    let mut t = rt.create_auto_task(&lib, 1)?;
    t.add_input(&ints);
    t.add_output(&thirds);
    t.execute()?;
    let out = rt.create_store(Type::Float64, &thirds.shape())?;
    let mut t = rt.create_auto_task(&lib, 2)?;
    let (i, table, o) = (t.add_input(&thirds), t.add_input(&x), t.add_output(&out));
    t.add_constraint(align(i, o));
    t.add_constraint(image(i, table, ImageKind::MinMax));
    t.execute()?;
    Ok((values(&x)?, sums, values(&thirds)?, values(&out)?))
}

fn check(rank: usize, got: &Reads, want: &Reads) -> Result<(), String> {
    if got.0 != want.0 {
        return Err(format!("rank {rank}: the stencil's values differ"));
    }
    for (g, w) in got.1.iter().zip(&want.1) {
        if (g - w).abs() > 1e-12 * w.abs() {
            return Err(format!("rank {rank}: a sum of {g} against {w}"));
        }
    }
    if got.2 != want.2 || got.3 != want.3 {
        return Err(format!(
            "rank {rank}: the unbound output or the lookup differ"
        ));
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::from_env()?;
    let (rank, size) = (rt.comm().rank(), rt.comm().size());
    if size < 2 || rt.machine().num_ranks() != size {
        return Err(format!("rank {rank} of {size}: run under mpirun -np 2 or more").into());
    }
    let got = program(&rt)?;
    let want = program(&Runtime::new(Config::with_cpus(1))?)?;
    check(rank, &got, &want)?;
    // Every rank read the same bits of every sum (folded in rank order).
    for s in &got.1 {
        let mut bytes = s.to_ne_bytes().to_vec();
        rt.comm().broadcast(&mut bytes, 0)?;
        if bytes != s.to_ne_bytes() {
            return Err(format!("rank {rank}: a sum with other bits than rank 0's").into());
        }
    }
    let stats = rt.stats();
    if stats.bytes_copied == 0 {
        return Err(format!("rank {rank} received nothing from the other ranks").into());
    }
    if rank == 0 {
        println!(
            "replicated over {size} ranks: stencil, reductions, unbound output and image agree with one process (rank 0 ran {} point tasks and received {} bytes)",
            stats.tasks_run, stats.bytes_copied
        );
    }
    Ok(())
}
