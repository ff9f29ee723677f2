//! The machine model: the processors and memories of each rank, derived from a [`Config`].

use std::fmt;

use crate::Config;

/// The kinds of processor a rank offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcessorKind {
    /// One worker thread.
    Cpu,
    /// A group of `ompthreads` threads that runs one task together.
    Omp,
    /// One GPU.
    Gpu,
    /// A thread for runtime meta-work, never for tasks.
    Utility,
}

impl ProcessorKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ProcessorKind; 4] = [Self::Cpu, Self::Omp, Self::Gpu, Self::Utility];
}

impl fmt::Display for ProcessorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "CPU",
            Self::Omp => "OMP",
            Self::Gpu => "GPU",
            Self::Utility => "utility",
        })
    }
}

/// One processor: its kind, its rank and its index among the processors of that kind on
/// that rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Processor {
    /// What kind of processor it is.
    pub kind: ProcessorKind,
    /// The rank it lives on.
    pub rank: usize,
    /// Its index among the processors of its kind on its rank.
    pub index: usize,
}

/// The kinds of memory a rank offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryKind {
    /// Host memory (`--sysmem`).
    System,
    /// NUMA-local host memory for OpenMP groups (`--numamem`).
    Numa,
    /// The memory of one GPU (`--fbmem`).
    Framebuffer,
    /// Pinned host memory that GPUs can reach (`--zcmem`).
    ZeroCopy,
    /// Host memory registered with the network (`--regmem`).
    Registered,
}

impl fmt::Display for MemoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::System => "system",
            Self::Numa => "NUMA",
            Self::Framebuffer => "framebuffer",
            Self::ZeroCopy => "zero-copy",
            Self::Registered => "registered",
        })
    }
}

/// One memory of a rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// What kind of memory it is.
    pub kind: MemoryKind,
    /// The rank it lives on.
    pub rank: usize,
    /// Its index among the memories of its kind on its rank (the GPU, for framebuffers).
    pub index: usize,
    /// Its capacity in bytes.
    pub capacity: u64,
}

/// The processors and memories of every rank, as seen from one rank. All ranks are
/// configured alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Machine {
    config: Config,
    rank: usize,
    num_ranks: usize,
    memories: Vec<Memory>,
}

impl Machine {
    /// The machine of `num_ranks` ranks configured by `config`, seen from `rank`.
    ///
    /// `num_ranks` is at least 1 and `rank` is clamped below it.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, ProcessorKind};
    ///
    /// let machine = Machine::new(&Config::with_cpus(4), 1, 2);
    /// assert_eq!((machine.rank(), machine.num_ranks()), (1, 2));
    /// assert_eq!(machine.total(ProcessorKind::Cpu), 8);
    /// ```
    pub fn new(config: &Config, rank: usize, num_ranks: usize) -> Machine {
        let num_ranks = num_ranks.max(1);
        let rank = rank.min(num_ranks - 1);
        let memory = |kind, index, mib: u64| Memory {
            kind,
            rank,
            index,
            capacity: mib.saturating_mul(1 << 20),
        };
        let mut memories = vec![memory(MemoryKind::System, 0, config.sysmem)];
        if config.numamem > 0 {
            memories.push(memory(MemoryKind::Numa, 0, config.numamem));
        }
        memories
            .extend((0..config.gpus).map(|gpu| memory(MemoryKind::Framebuffer, gpu, config.fbmem)));
        if config.gpus > 0 {
            memories.push(memory(MemoryKind::ZeroCopy, 0, config.zcmem));
        }
        if config.regmem > 0 {
            memories.push(memory(MemoryKind::Registered, 0, config.regmem));
        }
        Machine {
            config: config.clone(),
            rank,
            num_ranks,
            memories,
        }
    }

    /// The machine of a single process: rank 0 of 1.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine};
    ///
    /// let machine = Machine::local(&Config::with_cpus(2));
    /// assert_eq!((machine.rank(), machine.num_ranks()), (0, 1));
    /// ```
    pub fn local(config: &Config) -> Machine {
        Self::new(config, 0, 1)
    }

    /// The configuration the machine was built from.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine};
    ///
    /// let config = Config::with_cpus(2);
    /// assert_eq!(Machine::local(&config).config(), &config);
    /// ```
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The rank this machine is seen from.
    ///
    /// ```
    /// # use legate_mapper::{Config, Machine};
    /// assert_eq!(Machine::new(&Config::with_cpus(1), 2, 4).rank(), 2);
    /// ```
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    ///
    /// ```
    /// # use legate_mapper::{Config, Machine};
    /// assert_eq!(Machine::new(&Config::with_cpus(1), 2, 4).num_ranks(), 4);
    /// ```
    pub fn num_ranks(&self) -> usize {
        self.num_ranks
    }

    /// The number of processors of `kind` on each rank.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, ProcessorKind};
    ///
    /// let machine = Machine::new(&Config::with_cpus(4), 0, 2);
    /// assert_eq!(machine.count(ProcessorKind::Cpu), 4);
    /// assert_eq!(machine.count(ProcessorKind::Gpu), 0);
    /// ```
    pub fn count(&self, kind: ProcessorKind) -> usize {
        match kind {
            ProcessorKind::Cpu => self.config.cpus,
            ProcessorKind::Omp => self.config.omps,
            ProcessorKind::Gpu => self.config.gpus,
            ProcessorKind::Utility => self.config.utility,
        }
    }

    /// The number of processors of `kind` over all ranks.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, ProcessorKind};
    ///
    /// let machine = Machine::new(&Config::with_cpus(4), 0, 3);
    /// assert_eq!(machine.total(ProcessorKind::Cpu), 12);
    /// ```
    pub fn total(&self, kind: ProcessorKind) -> usize {
        self.count(kind).saturating_mul(self.num_ranks)
    }

    /// This rank's processors of `kind`.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, Processor, ProcessorKind};
    ///
    /// let machine = Machine::new(&Config::with_cpus(2), 1, 2);
    /// let cpus = machine.processors(ProcessorKind::Cpu);
    /// assert_eq!(cpus[1], Processor { kind: ProcessorKind::Cpu, rank: 1, index: 1 });
    /// ```
    pub fn processors(&self, kind: ProcessorKind) -> Vec<Processor> {
        (0..self.count(kind))
            .map(|index| Processor {
                kind,
                rank: self.rank,
                index,
            })
            .collect()
    }

    /// This rank's memories: system memory, then NUMA memory if `numamem > 0`, one
    /// framebuffer per GPU, zero-copy memory if there are GPUs, and registered memory if
    /// `regmem > 0`.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, MemoryKind};
    ///
    /// let config = Config { gpus: 2, fbmem: 1000, ..Config::with_cpus(1) };
    /// let kinds: Vec<_> = Machine::local(&config).memories().iter().map(|m| m.kind).collect();
    /// assert_eq!(
    ///     kinds,
    ///     [MemoryKind::System, MemoryKind::Framebuffer, MemoryKind::Framebuffer, MemoryKind::ZeroCopy]
    /// );
    /// ```
    pub fn memories(&self) -> &[Memory] {
        &self.memories
    }

    /// This rank's first memory of `kind`, if it has one.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine, MemoryKind};
    ///
    /// let config = Config { sysmem: 100, ..Config::with_cpus(1) };
    /// let machine = Machine::local(&config);
    /// assert_eq!(machine.memory(MemoryKind::System).map(|m| m.capacity), Some(100 << 20));
    /// assert!(machine.memory(MemoryKind::Framebuffer).is_none());
    /// ```
    pub fn memory(&self, kind: MemoryKind) -> Option<&Memory> {
        self.memories.iter().find(|m| m.kind == kind)
    }

    /// The threads a rank needs: one per CPU, `ompthreads` per OpenMP group, and the
    /// utility threads.
    ///
    /// ```
    /// use legate_mapper::{Config, Machine};
    ///
    /// let config = Config { omps: 2, ompthreads: 3, utility: 1, ..Config::with_cpus(4) };
    /// assert_eq!(Machine::local(&config).threads_needed(), 4 + 2 * 3 + 1);
    /// ```
    pub fn threads_needed(&self) -> usize {
        let c = &self.config;
        c.cpus + c.omps * c.ompthreads + c.utility
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rank {} of {}", self.rank, self.num_ranks)?;
        writeln!(f, "processors per rank:")?;
        for kind in ProcessorKind::ALL {
            write!(f, "  {kind:<8}{}", self.count(kind))?;
            if kind == ProcessorKind::Omp && self.config.omps > 0 {
                write!(f, " x {} threads", self.config.ompthreads)?;
            }
            writeln!(f)?;
        }
        writeln!(f, "memories per rank:")?;
        for m in &self.memories {
            writeln!(
                f,
                "  {:<12}{:<3}{} MiB",
                m.kind.to_string(),
                m.index,
                m.capacity >> 20
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_config() -> Config {
        Config {
            cpus: 4,
            gpus: 2,
            omps: 2,
            ompthreads: 8,
            utility: 2,
            sysmem: 1000,
            numamem: 500,
            fbmem: 2000,
            zcmem: 64,
            regmem: 32,
            ..Config::auto()
        }
    }

    #[test]
    fn memories_follow_the_config() {
        let machine = Machine::new(&full_config(), 1, 2);
        let got: Vec<_> = machine
            .memories()
            .iter()
            .map(|m| (m.kind, m.rank, m.index, m.capacity >> 20))
            .collect();
        assert_eq!(
            got,
            [
                (MemoryKind::System, 1, 0, 1000),
                (MemoryKind::Numa, 1, 0, 500),
                (MemoryKind::Framebuffer, 1, 0, 2000),
                (MemoryKind::Framebuffer, 1, 1, 2000),
                (MemoryKind::ZeroCopy, 1, 0, 64),
                (MemoryKind::Registered, 1, 0, 32),
            ]
        );
    }

    #[test]
    fn cpu_only_machine_has_only_system_memory() {
        let config = Config {
            sysmem: 10,
            ..Config::with_cpus(2)
        };
        let machine = Machine::local(&config);
        assert_eq!(machine.memories().len(), 1);
        assert_eq!(
            machine.memory(MemoryKind::System).map(|m| m.capacity),
            Some(10 << 20)
        );
        assert!(machine.memory(MemoryKind::ZeroCopy).is_none());
    }

    #[test]
    fn counts_are_per_rank_and_totals_over_ranks() {
        let machine = Machine::new(&full_config(), 0, 3);
        let expected = [
            (ProcessorKind::Cpu, 4),
            (ProcessorKind::Omp, 2),
            (ProcessorKind::Gpu, 2),
            (ProcessorKind::Utility, 2),
        ];
        for (kind, n) in expected {
            assert_eq!(machine.count(kind), n);
            assert_eq!(machine.total(kind), 3 * n);
            let procs = machine.processors(kind);
            assert_eq!(procs.len(), n);
            assert!(procs
                .iter()
                .enumerate()
                .all(|(i, p)| p.kind == kind && p.rank == 0 && p.index == i));
        }
        assert_eq!(machine.threads_needed(), 4 + 2 * 8 + 2);
    }

    #[test]
    fn rank_is_clamped_into_range() {
        let machine = Machine::new(&Config::with_cpus(1), 5, 0);
        assert_eq!((machine.rank(), machine.num_ranks()), (0, 1));
        let machine = Machine::new(&Config::with_cpus(1), 5, 3);
        assert_eq!(machine.rank(), 2);
    }

    #[test]
    fn display_lists_processors_and_memories() {
        let text = Machine::new(&full_config(), 1, 2).to_string();
        assert!(text.starts_with("rank 1 of 2"));
        assert!(text.contains("x 8 threads"));
        assert!(text.contains("framebuffer"));
        assert!(text.contains("2000 MiB"));
    }
}
