//! The runtime: machine, mapper, scheduler, libraries, and the operations every library
//! shares (store creation, fill, copy, gather/scatter, fences, timing, counters).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use legate_mapper::{Config, DefaultMapper, Machine, Mapper, VariantKind};
use ndarray::ArrayD;

use crate::comm::{Comm, LocalComm};
use crate::constraint::Constraint;
use crate::error::{Error, Result};
use crate::geometry::MAX_DIM;
use crate::launch::{submit, ArgKind, AutoTask, ImageKey, LaunchSpec, ManualTask};
use crate::memory::{elements_as_bytes, MemoryPool};
use crate::partition::Partition;
use crate::scheduler::{SchedShared, Scheduler};
use crate::store::{lock_ignoring_poison, LogicalStore, Storage};
use crate::task::{Access, Library};
use crate::types::{Element, Scalar, Type};

/// Counters of what the runtime did, readable at any time.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) launches: AtomicU64,
    pub(crate) point_tasks: AtomicU64,
    pub(crate) inline_runs: AtomicU64,
    pub(crate) bytes_copied: AtomicU64,
    pub(crate) partitions_created: AtomicU64,
    pub(crate) key_partition_reuses: AtomicU64,
    pub(crate) images_computed: AtomicU64,
    pub(crate) image_cache_hits: AtomicU64,
    pub(crate) elementwise_ops: AtomicU64,
    pub(crate) fused_launches: AtomicU64,
    pub(crate) temporaries_elided: AtomicU64,
    pub(crate) kernels_composed: AtomicU64,
}

/// A snapshot of the runtime's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Launches issued (auto, manual and the runtime's own).
    pub launches: u64,
    /// Point tasks issued.
    pub point_tasks: u64,
    /// Point tasks finished.
    pub tasks_run: u64,
    /// Point tasks run on the issuing thread.
    pub inline_runs: u64,
    /// Bytes copied between instances to keep them coherent (halos and images between
    /// memories or ranks; zero on one rank, where CPU tasks share one instance per storage).
    pub bytes_copied: u64,
    /// Fresh tilings computed by the solver.
    pub partitions_created: u64,
    /// Launches that reused the key partition of a storage.
    pub key_partition_reuses: u64,
    /// Image partitions computed.
    pub images_computed: u64,
    /// Image partitions found in the cache.
    pub image_cache_hits: u64,
    /// Bytes of system memory held by live instances now.
    pub bytes_allocated: u64,
    /// Most bytes of system memory held by live instances at once.
    pub peak_bytes_allocated: u64,
    /// Element-wise operations issued (`Runtime::elementwise`).
    pub elementwise_ops: u64,
    /// Launches that evaluated a group of element-wise operations.
    pub fused_launches: u64,
    /// Results of element-wise operations never written, because nothing could read them.
    pub temporaries_elided: u64,
    /// Element-wise kernels run inside the kernel of the operation that reads their value
    /// (one loop for both; see [`ComposableKernel`](crate::ComposableKernel)).
    pub kernels_composed: u64,
    /// Bytes of system memory in freed large instances kept for reuse. They count against
    /// `--sysmem` with `bytes_allocated`, and are freed first when an allocation needs room.
    pub bytes_cached: u64,
    /// Instances given a freed allocation instead of fresh, zeroed memory (fresh outputs
    /// written whole by a task that promises it, see [`TaskDef::writes_whole_outputs`]).
    ///
    /// [`TaskDef::writes_whole_outputs`]: crate::TaskDef::writes_whole_outputs
    pub buffers_reused: u64,
}

/// What worker threads and storages share with the runtime.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) machine: Machine,
    pub(crate) mapper: Arc<dyn Mapper>,
    pub(crate) sysmem: Arc<MemoryPool>,
    /// NUMA memory of the OMP groups (`--numamem`), when configured.
    pub(crate) numamem: Option<Arc<MemoryPool>>,
    pub(crate) sched: Arc<SchedShared>,
    pub(crate) errors: Mutex<Vec<Error>>,
    pub(crate) stats: Counters,
    next_storage: AtomicU64,
    /// The ranks of a replicated program (`None`: one process runs every point).
    pub(crate) ranks: Option<Arc<crate::replication::Ranks>>,
    /// The runtime itself, for the paths that reach it from a store (reads flush the
    /// window of deferred operations).
    runtime: OnceLock<Weak<RuntimeInner>>,
}

impl Shared {
    pub(crate) fn next_storage_id(&self) -> u64 {
        self.next_storage.fetch_add(1, Ordering::Relaxed)
    }

    /// The memory pool of a kind of memory.
    pub(crate) fn pool(&self, kind: legate_mapper::MemoryKind) -> Result<Arc<MemoryPool>> {
        use legate_mapper::MemoryKind;
        match kind {
            MemoryKind::System => Ok(Arc::clone(&self.sysmem)),
            MemoryKind::Numa => self
                .numamem
                .clone()
                .ok_or_else(|| Error::invalid("no NUMA memory configured (--numamem)")),
            other => Err(Error::NotImplemented {
                what: format!("instances in {other} memory"),
            }),
        }
    }

    fn take_error(&self) -> Result<()> {
        let mut errors = lock_ignoring_poison(&self.errors);
        if errors.is_empty() {
            return Ok(());
        }
        let first = errors.remove(0);
        errors.clear();
        Err(first)
    }
}

/// State only the issuing path touches, under the issue lock.
#[derive(Default)]
pub(crate) struct IssueState {
    pub(crate) launch_seq: u64,
    /// Solutions of earlier launches, by the pattern `launch::encode_launch` writes.
    pub(crate) solutions:
        HashMap<Vec<u64>, Arc<crate::launch::Solution>, BuildHasherDefault<WordHasher>>,
    /// Scratch for encoding a launch's pattern, reused across launches.
    pub(crate) key_buf: Vec<u64>,
    pub(crate) images: HashMap<ImageKey, Arc<Vec<Vec<crate::geometry::Rect>>>>,
    /// Element-wise operations deferred for fusion, in program order.
    pub(crate) window: Vec<crate::fusion::DeferredOp>,
}

/// A fast hash of machine words for the solver's cache (its keys are the runtime's own
/// encodings of launches, not input an adversary chooses).
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

struct RuntimeInner {
    issue: Mutex<IssueState>,
    libraries: RwLock<HashMap<String, Library>>,
    core: Library,
    comm: Box<dyn Comm>,
    start: Instant,
    // Last: joins the workers once everything above is gone.
    _scheduler: Scheduler,
}

/// The Legate runtime: a handle that is cheap to clone.
///
/// ```
/// use legate_core::{Config, Runtime};
/// let rt = Runtime::new(Config::with_cpus(2)).unwrap();
/// assert_eq!(rt.machine().count(legate_core::ProcessorKind::Cpu), 2);
/// ```
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
    pub(crate) shared: Arc<Shared>,
}

static GLOBAL: OnceLock<Runtime> = OnceLock::new();

impl Runtime {
    /// Starts a runtime with the given configuration and the default mapper.
    pub fn new(config: Config) -> Result<Runtime> {
        Runtime::with_mapper(config, Arc::new(DefaultMapper))
    }

    /// Starts a runtime with `n` CPUs and defaults otherwise (for tests and examples).
    pub fn with_cpus(n: usize) -> Result<Runtime> {
        Runtime::new(Config::with_cpus(n))
    }

    /// Starts a runtime configured from `LEGATE_CONFIG` and the `LEGATE_*` variables.
    ///
    /// Built with the `mpi` feature and launched as an MPI job of several ranks
    /// (`mpirun -np 2 prog`), it is this rank's runtime of the replicated program (see
    /// [`Runtime::replicated`]), one per process; MPI is finalized when the process exits,
    /// after the runtime's work.
    pub fn from_env() -> Result<Runtime> {
        let config = Config::from_env()?;
        #[cfg(feature = "mpi")]
        if crate::MpiComm::launched_with_ranks() {
            return crate::mpi_comm::job_runtime(config);
        }
        Runtime::new(config)
    }

    /// The process-wide runtime, started from the environment on first use.
    pub fn global() -> Result<Runtime> {
        if let Some(rt) = GLOBAL.get() {
            return Ok(rt.clone());
        }
        let rt = Runtime::from_env()?;
        Ok(GLOBAL.get_or_init(|| rt).clone())
    }

    /// The process-wide runtime if something has started it, without starting it.
    pub fn existing_global() -> Option<Runtime> {
        GLOBAL.get().cloned()
    }

    /// Starts a runtime with a mapper of the library's choosing.
    pub fn with_mapper(config: Config, mapper: Arc<dyn Mapper>) -> Result<Runtime> {
        Runtime::start(config, mapper, None)
    }

    /// Starts this rank's runtime of a replicated program: every rank runs the same
    /// program, each running its share of every launch's points (see [`Transport`]).
    /// One rank is [`Runtime::new`].
    ///
    /// [`Transport`]: crate::Transport
    pub fn replicated(config: Config, transport: Arc<dyn crate::Transport>) -> Result<Runtime> {
        if transport.size() <= 1 {
            return Runtime::new(config);
        }
        if config.numamem > 0 || config.gpus > 0 {
            return Err(Error::NotImplemented {
                what: "NUMA or GPU memory in a program of several ranks".into(),
            });
        }
        let ranks = Arc::new(crate::replication::Ranks::new(transport)?);
        Runtime::start(config, Arc::new(DefaultMapper), Some(ranks))
    }

    fn start(
        config: Config,
        mapper: Arc<dyn Mapper>,
        ranks: Option<Arc<crate::replication::Ranks>>,
    ) -> Result<Runtime> {
        config.validate()?;
        let machine = match &ranks {
            Some(r) => Machine::new(&config, r.rank, r.size),
            None => Machine::local(&config),
        };
        let profiler = crate::profile::Profiler::for_config(&config);
        let scheduler = Scheduler::start(config.cpus, config.omps, config.ompthreads, profiler)
            .map_err(|e| Error::internal(format!("starting worker threads: {e}")))?;
        let sysmem = MemoryPool::new("--sysmem", config.sysmem.saturating_mul(1 << 20));
        let numamem = (config.numamem > 0)
            .then(|| MemoryPool::new("--numamem", config.numamem.saturating_mul(1 << 20)));
        let shared = Arc::new(Shared {
            config: config.clone(),
            machine,
            mapper,
            sysmem,
            numamem,
            sched: Arc::clone(&scheduler.shared),
            errors: Mutex::new(Vec::new()),
            stats: Counters::default(),
            next_storage: AtomicU64::new(1),
            ranks,
            runtime: OnceLock::new(),
        });
        let core = Library::new("legate.core");
        crate::builtin::register(&core)?;
        if config.show_config {
            println!("{}", config.summary());
        }
        let inner = Arc::new(RuntimeInner {
            issue: Mutex::new(IssueState::default()),
            libraries: RwLock::new(HashMap::new()),
            core,
            comm: match &shared.ranks {
                Some(ranks) => Box::new(crate::replication::RankComm::new(Arc::clone(ranks))),
                None => Box::new(LocalComm),
            },
            start: Instant::now(),
            _scheduler: scheduler,
        });
        let _ = shared.runtime.set(Arc::downgrade(&inner));
        Ok(Runtime { shared, inner })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The machine model.
    pub fn machine(&self) -> &Machine {
        &self.shared.machine
    }

    /// A tunable value of a library, as the mapper answers it (`None`: the mapper does not
    /// know `id`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// let rt = Runtime::with_cpus(1).unwrap();
    /// assert_eq!(rt.tunable(7), None); // the default mapper knows no tunable
    /// ```
    pub fn tunable(&self, id: u32) -> Option<i64> {
        self.shared.mapper.tunable(&self.shared.machine, id)
    }

    /// The mapper in use.
    pub fn mapper(&self) -> &dyn Mapper {
        self.shared.mapper.as_ref()
    }

    /// The communicator among ranks.
    pub fn comm(&self) -> &dyn Comm {
        self.inner.comm.as_ref()
    }

    pub(crate) fn issue_lock(&self) -> MutexGuard<'_, IssueState> {
        lock_ignoring_poison(&self.inner.issue)
    }

    pub(crate) fn core_library(&self) -> Library {
        self.inner.core.clone()
    }

    pub(crate) fn pieces_for(&self, variant: VariantKind) -> usize {
        self.shared
            .mapper
            .num_pieces(&self.shared.machine, variant)
            .max(1)
    }

    pub(crate) fn min_volume_for(&self, variant: VariantKind) -> u64 {
        self.shared
            .mapper
            .min_piece_volume(&self.shared.machine, variant)
    }

    /// Creates (or finds) the library called `name`.
    pub fn create_library(&self, name: &str) -> Result<Library> {
        let mut libs = self
            .inner
            .libraries
            .write()
            .unwrap_or_else(|e| e.into_inner());
        Ok(libs
            .entry(name.to_string())
            .or_insert_with(|| Library::new(name))
            .clone())
    }

    /// The library called `name`, if created.
    pub fn find_library(&self, name: &str) -> Option<Library> {
        let libs = self
            .inner
            .libraries
            .read()
            .unwrap_or_else(|e| e.into_inner());
        libs.get(name).cloned()
    }

    /// A new store; it holds no memory until a task uses it. It reads as zeros until
    /// written: its instance starts zeroed, unless its first use is a launch that writes
    /// all of it (a task that [promises to](crate::TaskDef::writes_whole_outputs)), which
    /// may get a freed instance's memory instead.
    pub fn create_store(&self, ty: Type, shape: &[u64]) -> Result<LogicalStore> {
        self.create_store_locked(ty, shape)
    }

    pub(crate) fn create_store_locked(&self, ty: Type, shape: &[u64]) -> Result<LogicalStore> {
        if shape.len() > MAX_DIM {
            return Err(Error::invalid(format!(
                "stores have at most {MAX_DIM} dimensions, got {}",
                shape.len()
            )));
        }
        shape
            .iter()
            .try_fold(1u64, |acc, &e| acc.checked_mul(e))
            .ok_or_else(|| Error::invalid(format!("shape {shape:?} has too many elements")))?;
        Ok(LogicalStore::from_storage(Storage::new(
            &self.shared,
            ty,
            Some(shape),
        )))
    }

    /// A 1-D store whose size the task producing it sets (with `bind_data`).
    pub fn create_unbound_store(&self, ty: Type) -> LogicalStore {
        LogicalStore::from_storage(Storage::new(&self.shared, ty, None))
    }

    /// A 0-d store holding `value` (a future, when a task later produces it).
    pub fn create_scalar_store(&self, value: Scalar) -> Result<LogicalStore> {
        let store = self.create_store(value.ty(), &[])?;
        let buffer = store.storage.buffer()?;
        let bytes = value.as_bytes();
        // SAFETY: the buffer holds exactly one element of the scalar's type and no task
        // knows the new store yet.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.ptr(), bytes.len()) };
        Ok(store)
    }

    /// A store holding a copy of `data`, of the given shape.
    pub fn store_from_vec<T: Element>(&self, data: Vec<T>, shape: &[u64]) -> Result<LogicalStore> {
        let volume: u64 = shape.iter().product();
        if volume != data.len() as u64 {
            return Err(Error::ShapeMismatch {
                context: "store_from_vec",
                left: vec![data.len() as u64],
                right: shape.to_vec(),
            });
        }
        let store = self.create_store(T::TYPE, shape)?;
        let buffer = store.storage.buffer()?;
        let bytes = elements_as_bytes(&data);
        // SAFETY: the buffer holds `volume` elements of T, the length of `data`; no task
        // knows the new store yet.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.ptr(), bytes.len()) };
        Ok(store)
    }

    /// A store holding a copy of an ndarray.
    pub fn store_from_array<T: Element>(&self, array: &ArrayD<T>) -> Result<LogicalStore> {
        let shape: Vec<u64> = array.shape().iter().map(|&e| e as u64).collect();
        self.store_from_vec(array.iter().copied().collect(), &shape)
    }

    /// Starts an auto-task of `library`.
    pub fn create_auto_task(&self, library: &Library, task_id: u32) -> Result<AutoTask<'_>> {
        AutoTask::new(self, library, task_id)
    }

    /// Starts a manual task of `library` over a launch domain of `launch_shape`.
    pub fn create_manual_task(
        &self,
        library: &Library,
        task_id: u32,
        launch_shape: &[u64],
    ) -> Result<ManualTask<'_>> {
        ManualTask::new(self, library, task_id, launch_shape)
    }

    /// Sets every element of `store` to `value` (cast to the store's type).
    ///
    /// ```
    /// use legate_core::{Runtime, Scalar, Type};
    /// let rt = Runtime::with_cpus(2).unwrap();
    /// let s = rt.create_store(Type::Float32, &[2, 2]).unwrap();
    /// rt.fill(&s, Scalar::new(1.5f64)).unwrap();
    /// assert!(s.read::<f32>().unwrap().iter().all(|&v| v == 1.5));
    /// ```
    pub fn fill(&self, store: &LogicalStore, value: Scalar) -> Result<()> {
        self.elementwise(
            crate::fusion::kernels::fill(value.cast(store.ty())),
            &[],
            store,
        )
    }

    /// Copies `src` into `dst` (same shape and type), in parallel pieces.
    pub fn copy(&self, src: &LogicalStore, dst: &LogicalStore) -> Result<()> {
        if src.ty() != dst.ty() {
            return Err(Error::TypeMismatch {
                expected: dst.ty(),
                found: src.ty(),
            });
        }
        if src.same_view(dst) {
            // `a[...] = a`: nothing changes.
            return Ok(());
        }
        self.copy_deferred(src, dst)
    }

    /// `dst[i] = src[indirect[i]]` for a 1-D `src` and `int64` indices shaped like `dst`.
    pub fn gather(
        &self,
        dst: &LogicalStore,
        src: &LogicalStore,
        indirect: &LogicalStore,
    ) -> Result<()> {
        check_indirect(dst, src, indirect, dst)?;
        let mut task = self.create_auto_task(&self.inner.core, crate::builtin::GATHER)?;
        let s = task.add_input(src);
        let i = task.add_input(indirect);
        let d = task.add_output(dst);
        task.add_constraint(Constraint::Broadcast(s, None));
        task.add_constraint(Constraint::Align(i, d));
        task.execute()
    }

    /// `dst[indirect[i]] = src[i]` for a 1-D `dst` and `int64` indices shaped like `src`;
    /// where indices repeat, the last write wins, as in NumPy.
    ///
    /// Each point owns a tile of `dst` and reads all of `indirect` (and the values that
    /// land in its tile), in program order: the tiles are written in parallel and the
    /// order of repeated indices is kept. Small scatters (fewer than
    /// [`SCATTER_MIN_PARALLEL`](Self::SCATTER_MIN_PARALLEL) indices, or a target too small
    /// to cut) run as one point.
    pub fn scatter(
        &self,
        dst: &LogicalStore,
        indirect: &LogicalStore,
        src: &LogicalStore,
    ) -> Result<()> {
        check_indirect(src, dst, indirect, src)?;
        let core = self.core_library();
        let def = core.task(crate::builtin::SCATTER)?;
        let arg = |store: &LogicalStore, kind, access| crate::launch::Arg {
            store: store.clone(),
            kind,
            access,
        };
        let pieces = self.pieces_for(VariantKind::Cpu) as u64;
        let target = dst.volume();
        let min_tile = self.min_volume_for(VariantKind::Cpu).max(1);
        let colors = match indirect.volume() >= Self::SCATTER_MIN_PARALLEL {
            true => pieces.min(target / min_tile).max(1),
            false => 1,
        };
        let target_partition = match colors {
            1 => Partition::Replicate,
            c => Partition::Tiling(crate::geometry::Tiling::with_colors(&[target], &[c])),
        };
        let spec = LaunchSpec {
            library: core,
            def,
            variant: VariantKind::Cpu,
            solution: crate::launch::Solution::new(
                vec![colors],
                vec![Partition::Replicate, Partition::Replicate, target_partition],
            ),
            args: vec![
                arg(src, ArgKind::Input, Access::Read),
                arg(indirect, ArgKind::Input, Access::Read),
                arg(dst, ArgKind::Output, Access::ReadWrite),
            ],
            scalars: vec![Scalar::new(target)],
        };
        let pending = {
            let mut state = self.issue_lock();
            self.flush_locked(&mut state)?;
            submit(self, &mut state, spec)?
        };
        pending.release(self);
        Ok(())
    }

    /// The fewest indices [`scatter`](Self::scatter) spreads over several points: below
    /// it, reading every index once per point costs more than the writes it shares out.
    pub const SCATTER_MIN_PARALLEL: u64 = 1 << 15;

    /// Waits for every task issued so far; reports the first task that failed since the
    /// last wait.
    pub fn fence(&self) -> Result<()> {
        self.flush_window()?;
        let sched = &self.shared.sched;
        sched.notifier.wait_until(|| sched.in_flight() == 0);
        self.shared.take_error()
    }

    /// Waits for every task issued so far and returns the time since the runtime started:
    /// what benchmarks read before and after the work they time.
    pub fn time(&self) -> Result<Duration> {
        self.fence()?;
        Ok(self.inner.start.elapsed())
    }

    /// A snapshot of the counters, once the deferred element-wise operations are issued
    /// (so the counters include them; a failure to issue them is reported at the next wait).
    pub fn stats(&self) -> Stats {
        if let Err(e) = self.flush_window() {
            lock_ignoring_poison(&self.shared.errors).push(e);
        }
        let c = &self.shared.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            launches: get(&c.launches),
            point_tasks: get(&c.point_tasks),
            tasks_run: self.shared.sched.tasks_run.load(Ordering::Relaxed) as u64,
            inline_runs: get(&c.inline_runs),
            bytes_copied: get(&c.bytes_copied),
            partitions_created: get(&c.partitions_created),
            key_partition_reuses: get(&c.key_partition_reuses),
            images_computed: get(&c.images_computed),
            image_cache_hits: get(&c.image_cache_hits),
            bytes_allocated: self.shared.sysmem.used(),
            peak_bytes_allocated: self.shared.sysmem.peak(),
            elementwise_ops: get(&c.elementwise_ops),
            fused_launches: get(&c.fused_launches),
            temporaries_elided: get(&c.temporaries_elided),
            kernels_composed: get(&c.kernels_composed),
            bytes_cached: self.shared.sysmem.cached(),
            buffers_reused: self.shared.sysmem.reused(),
        }
    }

    /// Bytes of system memory the configuration allows (`--sysmem`).
    pub fn sysmem_limit(&self) -> u64 {
        self.shared.sysmem.limit()
    }

    /// Point tasks issued and not finished yet.
    pub fn tasks_in_flight(&self) -> usize {
        self.shared.sched.in_flight()
    }
}

fn check_indirect(
    aligned: &LogicalStore,
    whole: &LogicalStore,
    indirect: &LogicalStore,
    shaped: &LogicalStore,
) -> Result<()> {
    if aligned.ty() != whole.ty() {
        return Err(Error::TypeMismatch {
            expected: aligned.ty(),
            found: whole.ty(),
        });
    }
    if indirect.ty() != Type::Int64 {
        return Err(Error::TypeMismatch {
            expected: Type::Int64,
            found: indirect.ty(),
        });
    }
    if whole.ndim() != 1 {
        return Err(Error::NotImplemented {
            what: "gather and scatter with a source or target of more than one dimension".into(),
        });
    }
    if indirect.shape() != shaped.shape() {
        return Err(Error::ShapeMismatch {
            context: "indirection",
            left: indirect.shape(),
            right: shaped.shape(),
        });
    }
    Ok(())
}

/// Issues the deferred element-wise operations of the runtime `storage` belongs to, if it
/// still runs (never call with the issue lock held).
pub(crate) fn flush_for(storage: &Storage) -> Result<()> {
    match storage.shared.runtime.get().and_then(Weak::upgrade) {
        Some(inner) => Runtime {
            inner,
            shared: Arc::clone(&storage.shared),
        }
        .flush_window(),
        None => Ok(()),
    }
}

/// In a replicated program, brings the values of `store` to every rank, for a read that
/// every rank makes (each then waits for its receive nodes as writers of the storage).
pub(crate) fn bring_to_ranks(store: &LogicalStore) -> Result<()> {
    let shared = &store.storage.shared;
    let Some(ranks) = &shared.ranks else {
        return Ok(());
    };
    let Some(inner) = shared.runtime.get().and_then(Weak::upgrade) else {
        return Ok(());
    };
    let Some(rect) = crate::launch::whole_footprint(store).bounds() else {
        return Ok(());
    };
    let nodes = {
        let mut state = lock_ignoring_poison(&inner.issue);
        crate::replication::plan_host_read(shared, ranks, &mut state, &store.storage, &rect)
    };
    for node in nodes {
        if node.release() {
            shared.sched.schedule(node);
        }
    }
    Ok(())
}

/// Waits until no in-flight task writes `storage`; reports failures since the last wait.
pub(crate) fn wait_for_writers(storage: &Storage) -> Result<()> {
    let writers = storage.state().pending_writers();
    if !writers.is_empty() {
        storage
            .shared
            .sched
            .notifier
            .wait_until(|| writers.iter().all(|n| n.is_done()));
    }
    storage.shared.take_error()
}

impl LogicalStore {
    /// Number of in-flight accesses the dependence analysis holds for this store's storage.
    pub fn pending_accesses(&self) -> usize {
        self.storage.state().len()
    }

    /// What identifies the store's contents: its storage and the last launch that wrote
    /// that storage (deferred element-wise work is issued first). Equal versions mean
    /// equal contents, so a library may cache what it derives from a store (another
    /// layout of it, a summary) by this key; a write anywhere in the storage changes it.
    pub fn contents_version(&self) -> Result<(u64, u64)> {
        flush_for(&self.storage)?;
        Ok((self.storage.id, self.storage.state().version))
    }
}
