//! legate-core: the task runtime of the Legate ecosystem, in Rust.
//!
//! A program written as if for one sequential CPU issues *launches* of *tasks* over
//! *stores*; the runtime cuts the stores into pieces (late-bound partitioning from the
//! constraints the library states), finds the exact dependences between the point tasks
//! (per storage, per rectangle, per privilege) and runs them asynchronously on every
//! core. Libraries built on it (legate-dense, legate-sparse, anything forked from
//! legate-hello) exchange stores without shuffles because they speak one data model to
//! one runtime.
//!
//! ```
//! use legate_core::{align, ReductionOp, Runtime, Scalar, TaskContext, TaskDef, TaskError, Type};
//!
//! let rt = Runtime::with_cpus(2).unwrap();
//! let lib = rt.create_library("example").unwrap();
//! lib.register_task(0, TaskDef::new("sum").cpu(|ctx: &mut TaskContext<'_>| {
//!     let x = ctx.input(0)?.read::<f64>()?;
//!     ctx.reduction(0)?.write::<f64>()?.fill(x.sum());
//!     Ok::<(), TaskError>(())
//! })).unwrap();
//!
//! let x = rt.store_from_vec((0..100).map(f64::from).collect(), &[100]).unwrap();
//! let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
//! let mut task = rt.create_auto_task(&lib, 0).unwrap();
//! task.add_input(&x);
//! task.add_reduction(&total, ReductionOp::Add);
//! task.execute().unwrap();              // returns at once
//! assert_eq!(total.read_scalar::<f64>().unwrap(), 4950.0); // waits here
//! ```
//!
//! Element-wise work is fused: [`Runtime::elementwise`] and [`Runtime::elementwise_reduce`]
//! defer operations described as [`BlockKernel`]s, and a chain of them runs as one task
//! per piece that evaluates the whole expression block by block, never writing the
//! temporaries no handle holds (`--no-fusion` or `LEGATE_FUSION=0` turns it off).
//! Kernels issued with [`Runtime::elementwise_composable`] describe themselves
//! ([`ComposableKernel`]), and a chain of them runs as one loop (`--no-compose` or
//! `LEGATE_COMPOSE=0` turns that off).
//!
//! Profiling: `--profile` records when and on which processor every point task ran, and
//! `--dataflow` and `--event` record the launches' stores and the tasks' dependences;
//! [`Runtime::write_profiles`] writes them as a timeline page, a Chrome trace and GraphViz
//! graphs under `--logdir`.
//!
//! Design notes live beside the hardest modules: `analysis_README.md` (dependence
//! analysis), `solver_README.md` (constraint solving and key partitions) and
//! `fusion_README.md` (the deferred window and the fused evaluation) and
//! `replication_README.md` (one program on several ranks: [`Runtime::replicated`], the
//! [`Transport`] between them, [`LocalRanks`] and, with the `mpi` feature, `MpiTransport`).

mod analysis;
mod builtin;
mod coherence;
mod comm;
mod constraint;
mod error;
mod fusion;
pub mod geometry;
mod launch;
mod memory;
#[cfg(feature = "mpi")]
mod mpi_comm;
mod partition;
mod profile;
mod reduction;
mod replication;
mod runtime;
mod scheduler;
mod store;
mod task;
pub mod transform;
pub mod types;

pub use comm::{Comm, LocalComm};
pub use constraint::{
    align, bloat, broadcast, image, min_extents, scale, Constraint, ImageKind, Variable,
};
pub use error::{Error, Result};
pub use fusion::{BlockIn, BlockKernel, BlockOut, ComposableKernel, Composed};
pub use geometry::{Point, Rect, Tiling, MAX_DIM};
pub use launch::{AutoTask, ManualTask, StorePartition};
pub use legate_mapper::{
    Config, ConfigError, DefaultMapper, Layout, Machine, Mapper, MemoryKind, Processor,
    ProcessorKind, StoreInfo, TaskInfo, VariantKind,
};
#[cfg(feature = "mpi")]
pub use mpi_comm::{MpiComm, MpiTransport};
pub use partition::Partition;
pub use reduction::ReductionOp;
pub use replication::{Arrival, LocalRanks, Transport};
pub use runtime::{Runtime, Stats};
pub use store::{LogicalArray, LogicalStore};
pub use task::{
    Access, Library, PhysicalStore, PieceMemory, TaskBody, TaskContext, TaskDef, TaskError,
};
pub use types::{Element, Scalar, Type};

// Re-exported for `dispatch_type!` and for task bodies.
#[doc(hidden)]
pub use half;
pub use ndarray;
#[doc(hidden)]
pub use num_complex;
