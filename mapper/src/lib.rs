//! The machine model and mapping policy of the Legate runtime.
//!
//! - [`Config`]: the runtime flags (`--cpus`, `--sysmem`, ...) from the command line,
//!   `LEGATE_CONFIG` and the `LEGATE_*` environment variables.
//! - [`Machine`]: the processors and memories of each rank, derived from a [`Config`].
//! - [`Mapper`]: the questions the runtime asks for every task launch (variant, memory,
//!   layout, number of pieces, sharding to ranks), answered by [`DefaultMapper`] unless a
//!   library brings its own.
//!
//! ```
//! use legate_mapper::{Config, DefaultMapper, Machine, Mapper, MemoryKind, TaskInfo, VariantKind};
//!
//! let config = Config::from_args(&["--cpus", "4", "--sysmem=2048"])?;
//! let machine = Machine::new(&config, 0, 2);
//! let task = TaskInfo {
//!     library: "hello",
//!     task_id: 1,
//!     name: "iota",
//!     variants: &[VariantKind::Cpu],
//!     volume: 1 << 20,
//! };
//! let variant = DefaultMapper.select_variant(&machine, &task);
//! assert_eq!(variant, VariantKind::Cpu);
//! assert_eq!(DefaultMapper.num_pieces(&machine, variant), 8);
//! assert_eq!(DefaultMapper.shard(&machine, &[7], &[8]), 1);
//! assert_eq!(machine.memory(MemoryKind::System).map(|m| m.capacity), Some(2048 << 20));
//! # Ok::<(), legate_mapper::ConfigError>(())
//! ```

pub mod config;
pub mod machine;
pub mod mapper;

pub use config::{Config, ConfigError, FlagInfo};
pub use machine::{Machine, Memory, MemoryKind, Processor, ProcessorKind};
pub use mapper::{DefaultMapper, Layout, Mapper, StoreInfo, TaskInfo, VariantKind};
