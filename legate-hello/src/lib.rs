//! legate-hello: the smallest complete library on legate-core, and the template to fork.
//!
//! It registers five tasks, each with a CPU variant and (where the work is worth a group
//! of cores) an OMP variant:
//!
//! | operation | launch | what it shows |
//! |---|---|---|
//! | [`Hello::print_hello`] | manual task over `n` points | a launch domain the library chooses |
//! | [`Hello::iota`] | auto-task, one output | partitioning chosen by the runtime |
//! | [`Hello::square`] | auto-task, aligned input and output | the `align` constraint |
//! | [`Hello::sum`] | auto-task, scalar reduction | futures: a 0-d store read without blocking the launch |
//! | [`Hello::variance`] | `sum`, a deviation sum reading the mean as a future, a scalar task | composing launches without waiting |
//! | [`Hello::sum_of_squares`] | a deferred element-wise square and a deferred fold | fusion: `Σx²` never writes `x²` |
//!
//! ```
//! use legate_core::Runtime;
//! use legate_hello::Hello;
//!
//! let rt = Runtime::with_cpus(2).unwrap();
//! let hello = Hello::new(&rt).unwrap();
//! let x = hello.iota(5).unwrap();                   // [1, 2, 3, 4, 5]
//! let var = hello.variance(&x).unwrap();            // nothing has waited yet
//! assert_eq!(var.read_scalar::<f64>().unwrap(), 2.0);
//! ```
//!
//! See `README.md` beside this crate for how to fork it into a library of your own.

use std::sync::Arc;

use legate_core::{
    align, ndarray, BlockIn, BlockKernel, BlockOut, LogicalStore, ManualTask, ReductionOp, Result,
    Runtime, Scalar, TaskContext, TaskDef, TaskError, Type,
};
use rayon::prelude::*;

/// The library's name in the runtime.
pub const LIBRARY_NAME: &str = "legate.hello";

/// Task ids of the library.
pub mod task_ids {
    /// Prints a message from each point of a manual launch.
    pub const HELLO_WORLD: u32 = 0;
    /// Fills a 1-D store with 1, 2, ..., n.
    pub const IOTA: u32 = 1;
    /// Squares every element.
    pub const SQUARE: u32 = 2;
    /// Sums every element into a 0-d store.
    pub const SUM: u32 = 3;
    /// Variance from the sum of squared deviations and the count.
    pub const VARIANCE: u32 = 4;
    /// Sums `(x - mean)²`, the mean given as a 0-d store (a future).
    pub const SUM_SQ_DEV: u32 = 5;
}

/// The hello library, registered with one runtime.
#[derive(Clone)]
pub struct Hello {
    rt: Runtime,
    lib: legate_core::Library,
}

impl Hello {
    /// Registers the library's tasks with `rt` (once; later calls find them).
    pub fn new(rt: &Runtime) -> Result<Hello> {
        static REGISTERING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let lib = rt.create_library(LIBRARY_NAME)?;
        let _guard = REGISTERING.lock().unwrap_or_else(|e| e.into_inner());
        if lib.task(task_ids::HELLO_WORLD).is_err() {
            register(&lib)?;
        }
        Ok(Hello {
            rt: rt.clone(),
            lib,
        })
    }

    /// Runs a task over `n` points; each prints `message`, its point and the thread it ran
    /// on. Returns a store of `n` entries: the index of the worker thread each point ran on.
    pub fn print_hello(&self, message: &str, n: u64) -> Result<LogicalStore> {
        let ran_on = self.rt.create_store(Type::Int64, &[n])?;
        let mut task: ManualTask<'_> =
            self.rt
                .create_manual_task(&self.lib, task_ids::HELLO_WORLD, &[n])?;
        task.add_output_partition(&ran_on.partition_by_tiling(&[1])?)?;
        for b in message.bytes() {
            task.add_scalar_arg(b);
        }
        task.execute()?;
        Ok(ran_on)
    }

    /// A 1-D `float64` store holding `1, 2, ..., n`.
    pub fn iota(&self, n: u64) -> Result<LogicalStore> {
        let out = self.rt.create_store(Type::Float64, &[n])?;
        let mut task = self.rt.create_auto_task(&self.lib, task_ids::IOTA)?;
        task.add_output(&out);
        task.execute()?;
        Ok(out)
    }

    /// The element-wise square of a `float64` store.
    pub fn square(&self, x: &LogicalStore) -> Result<LogicalStore> {
        check_f64(x)?;
        let out = self.rt.create_store(Type::Float64, &x.shape())?;
        let mut task = self.rt.create_auto_task(&self.lib, task_ids::SQUARE)?;
        let a = task.add_input(x);
        let b = task.add_output(&out);
        task.add_constraint(align(a, b));
        task.execute()?;
        Ok(out)
    }

    /// The sum of a `float64` store, as a 0-d store (a future: reading it waits).
    pub fn sum(&self, x: &LogicalStore) -> Result<LogicalStore> {
        check_f64(x)?;
        let out = self.rt.create_scalar_store(Scalar::new(0.0f64))?;
        let mut task = self.rt.create_auto_task(&self.lib, task_ids::SUM)?;
        task.add_input(x);
        task.add_reduction(&out, ReductionOp::Add);
        task.execute()?;
        Ok(out)
    }

    /// The population variance `Σ(x - mean)²/n` of a `float64` store, as a 0-d store.
    ///
    /// Two passes, as NumPy computes it, chained without waiting: the sum is a future
    /// that the deviation task reads as an input; nothing blocks until the result is read.
    pub fn variance(&self, x: &LogicalStore) -> Result<LogicalStore> {
        let n = x.volume();
        let sum = self.sum(x)?;
        let sum_sq_dev = self.rt.create_scalar_store(Scalar::new(0.0f64))?;
        let mut task = self.rt.create_auto_task(&self.lib, task_ids::SUM_SQ_DEV)?;
        task.add_input(x);
        task.add_input(&sum);
        task.add_reduction(&sum_sq_dev, ReductionOp::Add);
        task.add_scalar_arg(n);
        task.execute()?;
        let out = self.rt.create_store(Type::Float64, &[])?;
        let mut task = self.rt.create_auto_task(&self.lib, task_ids::VARIANCE)?;
        task.add_input(&sum_sq_dev);
        task.add_output(&out);
        task.add_scalar_arg(n);
        task.execute()?;
        Ok(out)
    }
}

impl Hello {
    /// `Σx²` of a `float64` store, as a 0-d store, through legate-core's fusion: the
    /// square is a deferred element-wise operation ([`Runtime::elementwise`]) and the sum a
    /// deferred fold ([`Runtime::elementwise_reduce`]), so both run as one task per piece,
    /// block by block, and the squares live in a scratch block only: nothing holds them,
    /// so they are never written (`Stats::temporaries_elided`). With fusion off
    /// (`LEGATE_FUSION=0`) each runs as its own launch, with the same result.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_hello::Hello;
    ///
    /// let rt = Runtime::with_cpus(2).unwrap();
    /// let hello = Hello::new(&rt).unwrap();
    /// let x = hello.iota(4).unwrap(); // [1, 2, 3, 4]
    /// let total = hello.sum_of_squares(&x).unwrap();
    /// assert_eq!(total.read_scalar::<f64>().unwrap(), 30.0);
    /// ```
    pub fn sum_of_squares(&self, x: &LogicalStore) -> Result<LogicalStore> {
        check_f64(x)?;
        let total = self.rt.create_scalar_store(Scalar::new(0.0f64))?;
        let squares = self.rt.create_store(Type::Float64, &x.shape())?;
        self.rt.elementwise(square_block(), &[x], &squares)?;
        self.rt
            .elementwise_reduce(sum_block(), &squares, ReductionOp::Add, &total)?;
        // `squares` is dropped here, still deferred: the fused task never writes it.
        Ok(total)
    }
}

/// The values of a block kernel's one `float64` operand.
fn only_operand<'a>(ins: &[BlockIn<'a>]) -> std::result::Result<&'a [f64], TaskError> {
    match ins {
        [x] => x.get::<f64>(),
        _ => Err(TaskError::new(
            "a block kernel of one operand given another count",
        )),
    }
}

/// The square of a block of values: a kernel the fusion pass can chain with others.
fn square_block() -> BlockKernel {
    Arc::new(|ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
        let x = only_operand(ins)?;
        for (y, &v) in out.get_mut::<f64>()?.iter_mut().zip(x) {
            *y = v * v;
        }
        Ok(())
    })
}

/// Adds a block of values into the running sum `acc` (one element). The runtime also
/// calls it to add two running sums, so it must fold any block into `acc`.
fn sum_block() -> BlockKernel {
    Arc::new(|ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
        let x = only_operand(ins)?;
        let acc = acc
            .get_mut::<f64>()?
            .first_mut()
            .ok_or_else(|| TaskError::new("sum folds into one element"))?;
        *acc += x.iter().sum::<f64>();
        Ok(())
    })
}

fn check_f64(x: &LogicalStore) -> Result<()> {
    if x.ty() != Type::Float64 {
        return Err(legate_core::Error::TypeMismatch {
            expected: Type::Float64,
            found: x.ty(),
        });
    }
    Ok(())
}

type TaskResult = std::result::Result<(), TaskError>;

fn hello_world(ctx: &mut TaskContext<'_>) -> TaskResult {
    let bytes: Vec<u8> = (0..ctx.num_scalars())
        .map(|i| ctx.scalar_value::<u8>(i))
        .collect::<Result<_>>()?;
    let message = String::from_utf8_lossy(&bytes);
    let (worker, where_) = match ctx.processor() {
        Some(p) => (p.index as i64, format!("{} {}", p.kind, p.index)),
        None => (-1, "the issuing thread".to_string()),
    };
    println!(
        "[point {} of {}] on {where_}: {message}",
        ctx.point()[0],
        ctx.domain().volume()
    );
    ctx.output(0)?.write::<i64>()?.fill(worker);
    Ok(())
}

fn iota_cpu(ctx: &mut TaskContext<'_>) -> TaskResult {
    let out = ctx.output(0)?;
    let lo = out.rect().lo[0];
    for (i, v) in out.write::<f64>()?.iter_mut().enumerate() {
        *v = (lo + i as i64 + 1) as f64;
    }
    Ok(())
}

fn iota_omp(ctx: &mut TaskContext<'_>) -> TaskResult {
    let out = ctx.output(0)?;
    let lo = out.rect().lo[0];
    let mut view = out.write::<f64>()?;
    let slice = contiguous(&mut view)?;
    run_in_pool(ctx, || {
        slice
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = (lo + i as i64 + 1) as f64)
    });
    Ok(())
}

fn square_cpu(ctx: &mut TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<f64>()?;
    ctx.output(0)?
        .write::<f64>()?
        .zip_mut_with(&x, |y, &x| *y = x * x);
    Ok(())
}

fn square_omp(ctx: &mut TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<f64>()?;
    let mut y = ctx.output(0)?.write::<f64>()?;
    match (x.as_slice(), y.as_slice_mut()) {
        (Some(xs), Some(ys)) => run_in_pool(ctx, || {
            ys.par_iter_mut()
                .zip(xs.par_iter())
                .for_each(|(y, &x)| *y = x * x)
        }),
        _ => y.zip_mut_with(&x, |y, &x| *y = x * x),
    }
    Ok(())
}

fn sum_cpu(ctx: &mut TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<f64>()?;
    ctx.reduction(0)?.write::<f64>()?.fill(x.sum());
    Ok(())
}

fn sum_omp(ctx: &mut TaskContext<'_>) -> TaskResult {
    let x = ctx.input(0)?.read::<f64>()?;
    let total = match x.as_slice() {
        Some(xs) => run_in_pool(ctx, || xs.par_iter().sum()),
        None => x.sum(),
    };
    ctx.reduction(0)?.write::<f64>()?.fill(total);
    Ok(())
}

/// The mean from the sum (a future input) and the count.
fn mean(ctx: &TaskContext<'_>) -> std::result::Result<f64, TaskError> {
    let sum = ctx.input(1)?.scalar::<f64>()?;
    Ok(sum / ctx.scalar_value::<u64>(0)? as f64)
}

fn sum_sq_dev_cpu(ctx: &mut TaskContext<'_>) -> TaskResult {
    let mean = mean(ctx)?;
    let x = ctx.input(0)?.read::<f64>()?;
    let total = x.fold(0.0, |acc, &v| acc + (v - mean) * (v - mean));
    ctx.reduction(0)?.write::<f64>()?.fill(total);
    Ok(())
}

fn sum_sq_dev_omp(ctx: &mut TaskContext<'_>) -> TaskResult {
    let mean = mean(ctx)?;
    let x = ctx.input(0)?.read::<f64>()?;
    let total = match x.as_slice() {
        Some(xs) => run_in_pool(ctx, || {
            xs.par_iter().map(|&v| (v - mean) * (v - mean)).sum()
        }),
        None => x.fold(0.0, |acc, &v| acc + (v - mean) * (v - mean)),
    };
    ctx.reduction(0)?.write::<f64>()?.fill(total);
    Ok(())
}

fn variance(ctx: &mut TaskContext<'_>) -> TaskResult {
    let sum_sq_dev = ctx.input(0)?.scalar::<f64>()?;
    let n = ctx.scalar_value::<u64>(0)? as f64;
    ctx.output(0)?.write::<f64>()?.fill(sum_sq_dev / n);
    Ok(())
}

/// The piece as one slice (pieces of whole stores are contiguous rows).
fn contiguous<'a>(
    view: &'a mut ndarray::ArrayViewMutD<'_, f64>,
) -> std::result::Result<&'a mut [f64], TaskError> {
    view.as_slice_mut()
        .ok_or_else(|| TaskError::new("expected a contiguous piece"))
}

/// Runs `f` on the OMP group's threads (or here, without a group).
fn run_in_pool<R: Send>(ctx: &TaskContext<'_>, f: impl FnOnce() -> R + Send) -> R {
    match ctx.pool() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

fn register(lib: &legate_core::Library) -> Result<()> {
    lib.register_task(
        task_ids::HELLO_WORLD,
        TaskDef::new("hello_world").cpu(hello_world).never_inline(),
    )?;
    lib.register_task(
        task_ids::IOTA,
        TaskDef::new("iota").cpu(iota_cpu).omp(iota_omp),
    )?;
    lib.register_task(
        task_ids::SQUARE,
        TaskDef::new("square").cpu(square_cpu).omp(square_omp),
    )?;
    lib.register_task(task_ids::SUM, TaskDef::new("sum").cpu(sum_cpu).omp(sum_omp))?;
    lib.register_task(task_ids::VARIANCE, TaskDef::new("variance").cpu(variance))?;
    lib.register_task(
        task_ids::SUM_SQ_DEV,
        TaskDef::new("sum_sq_dev")
            .cpu(sum_sq_dev_cpu)
            .omp(sum_sq_dev_omp),
    )?;
    Ok(())
}
