//! The [`Mapper`] trait, through which the runtime asks where and how tasks run, and the
//! [`DefaultMapper`].

use crate::{Machine, MemoryKind, ProcessorKind};

/// The kinds of task variant a library can register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariantKind {
    /// Runs on one CPU thread.
    Cpu,
    /// Runs on an OpenMP group.
    Omp,
    /// Runs on one GPU.
    Gpu,
}

impl VariantKind {
    /// The kind of processor the variant runs on.
    ///
    /// ```
    /// use legate_mapper::{ProcessorKind, VariantKind};
    ///
    /// assert_eq!(VariantKind::Omp.processor_kind(), ProcessorKind::Omp);
    /// ```
    pub fn processor_kind(self) -> ProcessorKind {
        match self {
            Self::Cpu => ProcessorKind::Cpu,
            Self::Omp => ProcessorKind::Omp,
            Self::Gpu => ProcessorKind::Gpu,
        }
    }
}

/// The layout of a store's instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The last dimension varies fastest (C order).
    RowMajor,
    /// The first dimension varies fastest (Fortran order).
    ColumnMajor,
}

/// What the mapper is told about a task launch.
#[derive(Clone, Copy, Debug)]
pub struct TaskInfo<'a> {
    /// The library that registered the task.
    pub library: &'a str,
    /// The task's id within its library.
    pub task_id: u32,
    /// The task's name, for messages.
    pub name: &'a str,
    /// The variants registered for the task.
    pub variants: &'a [VariantKind],
    /// Points of the largest store argument.
    pub volume: u64,
}

/// What the mapper is told about one store argument.
#[derive(Clone, Copy, Debug)]
pub struct StoreInfo<'a> {
    /// The extents of the store.
    pub shape: &'a [u64],
    /// The size of one element in bytes.
    pub type_size: usize,
    /// Whether the task writes the store.
    pub is_output: bool,
}

/// The policy the runtime consults for every task launch. A library may ship its own; the
/// answers must be deterministic, as every rank asks the same questions independently.
pub trait Mapper: Send + Sync {
    /// The variant to run; must be one of `task.variants` (the caller guarantees it is not
    /// empty).
    fn select_variant(&self, machine: &Machine, task: &TaskInfo<'_>) -> VariantKind;

    /// Where a store argument is placed for the chosen variant.
    fn store_target(
        &self,
        machine: &Machine,
        variant: VariantKind,
        store: &StoreInfo<'_>,
    ) -> MemoryKind;

    /// The instance layout of a store argument.
    fn store_layout(
        &self,
        machine: &Machine,
        variant: VariantKind,
        store: &StoreInfo<'_>,
    ) -> Layout;

    /// How many pieces to cut a launch into for this variant.
    fn num_pieces(&self, machine: &Machine, variant: VariantKind) -> usize;

    /// The smallest piece, in elements, worth a task of its own for this variant.
    fn min_piece_volume(&self, machine: &Machine, variant: VariantKind) -> u64;

    /// The rank that runs point `point` of a launch domain of shape `launch`; must be less
    /// than `machine.num_ranks()`.
    fn shard(&self, machine: &Machine, point: &[i64], launch: &[u64]) -> usize;

    /// A library-defined tunable value, `None` if the mapper does not know it.
    fn tunable(&self, machine: &Machine, id: u32) -> Option<i64>;
}

/// The mapper used when a library brings none.
///
/// - Variant: GPU when the task has one, the machine has GPUs and the task is at least
///   `min_gpu_chunk` points; else OpenMP likewise with `min_omp_chunk`; else CPU. A task
///   without a CPU variant (or a machine without CPUs) gets a variant the machine can run,
///   GPU first; failing all that, the first registered variant.
/// - Memory: the framebuffer for GPU variants, NUMA memory (if configured) for OpenMP,
///   system memory otherwise. Layout: row-major.
/// - Pieces: one per processor of the variant's kind over all ranks, no smaller than the
///   variant's minimum chunk.
/// - Sharding: contiguous blocks of row-major linearized points per rank, so neighbouring
///   pieces stay on one rank.
///
/// ```
/// use legate_mapper::{Config, DefaultMapper, Machine, Mapper, TaskInfo, VariantKind};
///
/// let config = Config { gpus: 1, fbmem: 1024, ..Config::with_cpus(4) };
/// let machine = Machine::local(&config);
/// let task = TaskInfo {
///     library: "hello",
///     task_id: 0,
///     name: "square",
///     variants: &[VariantKind::Cpu, VariantKind::Gpu],
///     volume: 1 << 24,
/// };
/// assert_eq!(DefaultMapper.select_variant(&machine, &task), VariantKind::Gpu);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultMapper;

impl DefaultMapper {
    fn min_chunk(machine: &Machine, variant: VariantKind) -> u64 {
        let config = machine.config();
        match variant {
            VariantKind::Cpu => config.min_cpu_chunk,
            VariantKind::Omp => config.min_omp_chunk,
            VariantKind::Gpu => config.min_gpu_chunk,
        }
    }
}

impl Mapper for DefaultMapper {
    fn select_variant(&self, machine: &Machine, task: &TaskInfo<'_>) -> VariantKind {
        let runnable =
            |v: VariantKind| task.variants.contains(&v) && machine.count(v.processor_kind()) > 0;
        let big_enough = |v: VariantKind| task.volume >= Self::min_chunk(machine, v);
        [VariantKind::Gpu, VariantKind::Omp]
            .into_iter()
            .find(|&v| runnable(v) && big_enough(v))
            .or_else(|| {
                [VariantKind::Cpu, VariantKind::Gpu, VariantKind::Omp]
                    .into_iter()
                    .find(|&v| runnable(v))
            })
            .or_else(|| task.variants.first().copied())
            .unwrap_or(VariantKind::Cpu)
    }

    fn store_target(
        &self,
        machine: &Machine,
        variant: VariantKind,
        _store: &StoreInfo<'_>,
    ) -> MemoryKind {
        let has = |kind| machine.memory(kind).is_some();
        match variant {
            VariantKind::Gpu if has(MemoryKind::Framebuffer) => MemoryKind::Framebuffer,
            VariantKind::Omp if has(MemoryKind::Numa) => MemoryKind::Numa,
            _ => MemoryKind::System,
        }
    }

    fn store_layout(
        &self,
        _machine: &Machine,
        _variant: VariantKind,
        _store: &StoreInfo<'_>,
    ) -> Layout {
        Layout::RowMajor
    }

    fn num_pieces(&self, machine: &Machine, variant: VariantKind) -> usize {
        machine.total(variant.processor_kind()).max(1)
    }

    fn min_piece_volume(&self, machine: &Machine, variant: VariantKind) -> u64 {
        Self::min_chunk(machine, variant)
    }

    fn shard(&self, machine: &Machine, point: &[i64], launch: &[u64]) -> usize {
        let ranks = machine.num_ranks().max(1);
        // u128 holds the product of any two u64 extents; saturate beyond that.
        let volume = launch
            .iter()
            .fold(1u128, |v, &e| v.saturating_mul(u128::from(e)));
        if volume == 0 {
            return 0;
        }
        let linear = launch
            .iter()
            .enumerate()
            .fold(0u128, |acc, (dim, &extent)| {
                let coord = point.get(dim).copied().unwrap_or(0).max(0).unsigned_abs();
                let coord = u128::from(coord.min(extent.saturating_sub(1)));
                acc.saturating_mul(u128::from(extent)).saturating_add(coord)
            });
        let block = volume.div_ceil(ranks as u128);
        usize::try_from(linear / block).map_or(ranks - 1, |r| r.min(ranks - 1))
    }

    fn tunable(&self, _machine: &Machine, _id: u32) -> Option<i64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use proptest::prelude::*;
    use VariantKind::{Cpu, Gpu, Omp};

    fn machine(cpus: usize, omps: usize, gpus: usize) -> Machine {
        let config = Config {
            cpus,
            omps,
            gpus,
            ompthreads: 2,
            fbmem: 100,
            numamem: 0,
            min_cpu_chunk: 10,
            min_omp_chunk: 100,
            min_gpu_chunk: 1000,
            ..Config::auto()
        };
        Machine::new(&config, 0, 2)
    }

    fn task(variants: &[VariantKind], volume: u64) -> TaskInfo<'_> {
        TaskInfo {
            library: "test",
            task_id: 7,
            name: "t",
            variants,
            volume,
        }
    }

    fn select(m: &Machine, variants: &[VariantKind], volume: u64) -> VariantKind {
        DefaultMapper.select_variant(m, &task(variants, volume))
    }

    const STORE: StoreInfo<'static> = StoreInfo {
        shape: &[10, 10],
        type_size: 8,
        is_output: true,
    };

    #[test]
    fn big_tasks_go_to_gpus_then_omps() {
        let all = [Cpu, Omp, Gpu];
        assert_eq!(select(&machine(4, 2, 1), &all, 1000), Gpu);
        assert_eq!(select(&machine(4, 2, 1), &all, 999), Omp);
        assert_eq!(select(&machine(4, 2, 1), &all, 99), Cpu);
        assert_eq!(select(&machine(4, 2, 0), &all, 1 << 30), Omp);
        assert_eq!(select(&machine(4, 0, 0), &all, 1 << 30), Cpu);
    }

    #[test]
    fn only_registered_variants_are_chosen() {
        assert_eq!(select(&machine(4, 2, 1), &[Cpu], 1 << 30), Cpu);
        assert_eq!(select(&machine(4, 2, 1), &[Cpu, Omp], 1 << 30), Omp);
    }

    #[test]
    fn tasks_without_cpu_variant_pick_what_the_machine_has() {
        assert_eq!(select(&machine(4, 2, 1), &[Omp, Gpu], 1), Gpu);
        assert_eq!(select(&machine(4, 2, 0), &[Gpu, Omp], 1), Omp);
        assert_eq!(select(&machine(4, 0, 1), &[Omp, Gpu], 1), Gpu);
        assert_eq!(select(&machine(0, 2, 0), &[Cpu, Omp], 1), Omp);
        // Nothing fits the machine: the first registered variant.
        assert_eq!(select(&machine(4, 0, 0), &[Gpu, Omp], 1 << 30), Gpu);
    }

    #[test]
    fn stores_live_next_to_their_processor() {
        let m = machine(4, 2, 1);
        assert_eq!(
            DefaultMapper.store_target(&m, Gpu, &STORE),
            MemoryKind::Framebuffer
        );
        assert_eq!(
            DefaultMapper.store_target(&m, Omp, &STORE),
            MemoryKind::System
        );
        assert_eq!(
            DefaultMapper.store_target(&m, Cpu, &STORE),
            MemoryKind::System
        );
        let numa = Machine::local(&Config {
            omps: 1,
            ompthreads: 1,
            numamem: 10,
            ..Config::with_cpus(1)
        });
        assert_eq!(
            DefaultMapper.store_target(&numa, Omp, &STORE),
            MemoryKind::Numa
        );
        // No framebuffer to put it in: stay on the host.
        assert_eq!(
            DefaultMapper.store_target(&machine(4, 0, 0), Gpu, &STORE),
            MemoryKind::System
        );
        assert_eq!(
            DefaultMapper.store_layout(&m, Cpu, &STORE),
            Layout::RowMajor
        );
    }

    #[test]
    fn pieces_and_chunks_follow_the_machine() {
        let m = machine(4, 2, 0);
        assert_eq!(DefaultMapper.num_pieces(&m, Cpu), 8);
        assert_eq!(DefaultMapper.num_pieces(&m, Omp), 4);
        assert_eq!(DefaultMapper.num_pieces(&m, Gpu), 1);
        assert_eq!(DefaultMapper.min_piece_volume(&m, Cpu), 10);
        assert_eq!(DefaultMapper.min_piece_volume(&m, Omp), 100);
        assert_eq!(DefaultMapper.min_piece_volume(&m, Gpu), 1000);
        assert_eq!(DefaultMapper.tunable(&m, 0), None);
    }

    #[test]
    fn shard_assigns_contiguous_blocks() {
        let m = Machine::new(&Config::with_cpus(1), 0, 3);
        let ranks: Vec<_> = (0..2)
            .flat_map(|i| (0..4).map(move |j| [i, j]))
            .map(|p| DefaultMapper.shard(&m, &p, &[2, 4]))
            .collect();
        assert_eq!(ranks, [0, 0, 0, 1, 1, 1, 2, 2]);
    }

    #[test]
    fn shard_tolerates_odd_inputs() {
        let m = Machine::new(&Config::with_cpus(1), 0, 4);
        assert_eq!(DefaultMapper.shard(&m, &[0], &[0]), 0);
        assert_eq!(DefaultMapper.shard(&m, &[], &[]), 0);
        assert_eq!(DefaultMapper.shard(&m, &[-5], &[8]), 0);
        assert_eq!(DefaultMapper.shard(&m, &[99], &[8]), 3);
        // Volumes past u128 saturate: the answer is still a valid rank.
        assert!(DefaultMapper.shard(&m, &[7, 7, 7], &[u64::MAX; 3]) < 4);
        assert!(DefaultMapper.shard(&m, &[i64::MAX; 3], &[u64::MAX; 3]) < 4);
        assert_eq!(DefaultMapper.shard(&m, &[1, 0], &[u64::MAX, 2]), 0);
        assert_eq!(DefaultMapper.shard(&m, &[i64::MAX, 0], &[u64::MAX, 2]), 1);
        assert_eq!(
            DefaultMapper.shard(&Machine::local(&Config::with_cpus(1)), &[3], &[8]),
            0
        );
    }

    fn linear_points(launch: &[u64]) -> Vec<Vec<i64>> {
        launch.iter().fold(vec![vec![]], |points, &extent| {
            points
                .into_iter()
                .flat_map(|p| {
                    (0..extent as i64).map(move |i| {
                        let mut q = p.clone();
                        q.push(i);
                        q
                    })
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn shard_is_balanced_and_monotone(
            launch in prop::collection::vec(1u64..6, 1..4),
            ranks in 1usize..9,
        ) {
            let m = Machine::new(&Config::with_cpus(1), 0, ranks);
            let assigned: Vec<usize> = linear_points(&launch)
                .iter()
                .map(|p| DefaultMapper.shard(&m, p, &launch))
                .collect();
            let volume = assigned.len();
            prop_assert!(assigned.iter().all(|&r| r < ranks));
            prop_assert!(assigned.windows(2).all(|w| w[0] <= w[1]));
            let cap = volume.div_ceil(ranks);
            for r in 0..ranks {
                prop_assert!(assigned.iter().filter(|&&a| a == r).count() <= cap);
            }
        }
    }
}
