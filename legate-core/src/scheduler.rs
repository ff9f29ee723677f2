//! The asynchronous scheduler: point tasks with dependence counters, run by worker
//! threads (one per CPU, one per OMP group) that take ready tasks from per-worker queues
//! and steal from each other when idle.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle, Thread};

use crossbeam_deque::{Injector, Steal};

use crate::profile::{NodeTag, Profiler};
use crate::store::lock_ignoring_poison;

/// What a node runs: a point of a launch. Taken out when it runs, so a finished node that
/// the analysis still holds keeps no stores alive.
pub(crate) type Job = Box<dyn FnOnce(&WorkerInfo<'_>) + Send>;

/// A point task in the dependence graph.
pub(crate) struct TaskNode {
    /// Unfinished predecessors, plus one held by the issuing thread until the analysis of
    /// the launch is over.
    pending: AtomicUsize,
    done: AtomicBool,
    successors: Mutex<Vec<Arc<TaskNode>>>,
    job: Mutex<Option<Job>>,
    /// The worker it prefers (its piece's home): pieces stay on one core across launches.
    pub(crate) home: usize,
    pub(crate) group: WorkerGroup,
    /// What the profiling tools record of it; `None` when they are off.
    tag: Option<Box<NodeTag>>,
}

impl TaskNode {
    #[cfg(test)]
    pub(crate) fn new(job: Job, group: WorkerGroup, home: usize) -> Arc<TaskNode> {
        TaskNode::tagged(job, group, home, None)
    }

    /// A node the profiling tools know by `tag`.
    pub(crate) fn tagged(
        job: Job,
        group: WorkerGroup,
        home: usize,
        tag: Option<Box<NodeTag>>,
    ) -> Arc<TaskNode> {
        Arc::new(TaskNode {
            pending: AtomicUsize::new(1),
            done: AtomicBool::new(false),
            successors: Mutex::new(Vec::new()),
            job: Mutex::new(Some(job)),
            home,
            group,
            tag,
        })
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Makes `succ` wait for `pred` (nothing to do if `pred` already finished).
    pub(crate) fn add_dependence(pred: &Arc<TaskNode>, succ: &Arc<TaskNode>) {
        if Arc::ptr_eq(pred, succ) {
            return;
        }
        if let (Some(p), Some(s)) = (&pred.tag, &succ.tag) {
            s.add_pred(p);
        }
        let mut list = lock_ignoring_poison(&pred.successors);
        if pred.is_done() {
            return;
        }
        succ.pending.fetch_add(1, Ordering::AcqRel);
        list.push(Arc::clone(succ));
    }

    /// Adds one pending count, for an event outside the graph (a message's arrival) whose
    /// handler calls [`release`](Self::release).
    pub(crate) fn hold(&self) {
        self.pending.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops one pending count; true when the node became ready.
    pub(crate) fn release(&self) -> bool {
        self.pending.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// The nodes waiting for this one (for tests of the analysis).
    #[cfg(test)]
    pub(crate) fn successors(&self) -> Vec<Arc<TaskNode>> {
        lock_ignoring_poison(&self.successors).clone()
    }

    fn take_job(&self) -> Option<Job> {
        lock_ignoring_poison(&self.job).take()
    }
}

/// Which kind of worker runs a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WorkerGroup {
    Cpu,
    Omp,
}

/// What a running job may use: the OMP group's pool, if it runs on one.
pub(crate) struct WorkerInfo<'a> {
    pub(crate) pool: Option<&'a rayon::ThreadPool>,
    /// The worker running the job; `None` on the issuing thread.
    pub(crate) processor: Option<legate_mapper::Processor>,
}

/// Lets threads wait for nodes to finish, or for the number in flight to drop.
#[derive(Default)]
pub(crate) struct Notifier {
    lock: Mutex<()>,
    cv: Condvar,
    waiting: AtomicUsize,
}

impl Notifier {
    fn notify(&self) {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            let _g = lock_ignoring_poison(&self.lock);
            self.cv.notify_all();
        }
    }

    /// Blocks until `cond` holds; `cond` must become true only after a `notify`.
    pub(crate) fn wait_until(&self, mut cond: impl FnMut() -> bool) {
        if cond() {
            return;
        }
        let mut g = lock_ignoring_poison(&self.lock);
        self.waiting.fetch_add(1, Ordering::SeqCst);
        while !cond() {
            g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

struct WorkerSlot {
    queue: Injector<Arc<TaskNode>>,
    sleeping: AtomicBool,
    thread: Mutex<Option<Thread>>,
}

/// State shared by the workers and the issuing threads.
pub(crate) struct SchedShared {
    cpu: Vec<WorkerSlot>,
    omp: Vec<WorkerSlot>,
    shutdown: AtomicBool,
    /// Point tasks issued and not finished.
    in_flight: AtomicUsize,
    /// Point tasks ready and not yet started.
    queued: AtomicUsize,
    pub(crate) notifier: Notifier,
    pub(crate) tasks_run: AtomicUsize,
    /// The profiling tools' record, when one of them is on.
    pub(crate) profiler: Option<Arc<Profiler>>,
}

impl SchedShared {
    fn slots(&self, group: WorkerGroup) -> &[WorkerSlot] {
        match group {
            WorkerGroup::Cpu => &self.cpu,
            WorkerGroup::Omp => &self.omp,
        }
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.queued.load(Ordering::Acquire) == 0
    }

    /// Counts a node as issued (before its analysis makes it reachable).
    pub(crate) fn issued(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// Queues a ready node on its home worker and wakes a worker to run it.
    pub(crate) fn schedule(&self, node: Arc<TaskNode>) {
        let slots = self.slots(node.group);
        if slots.is_empty() {
            // No worker of that group: the CPU workers run it.
            let cpu = &self.cpu;
            let home = node.home % cpu.len().max(1);
            self.queued.fetch_add(1, Ordering::AcqRel);
            cpu[home].queue.push(node);
            self.wake(&self.cpu, home);
            return;
        }
        let home = node.home % slots.len();
        self.queued.fetch_add(1, Ordering::AcqRel);
        slots[home].queue.push(node);
        self.wake(slots, home);
    }

    fn wake(&self, slots: &[WorkerSlot], home: usize) {
        std::sync::atomic::fence(Ordering::SeqCst);
        if wake_slot(&slots[home]) {
            return;
        }
        // The home worker is busy: wake an idle one to steal.
        for s in slots {
            if wake_slot(s) {
                return;
            }
        }
    }

    /// Runs a ready node on the calling thread (the issuing thread, for tiny tasks).
    pub(crate) fn run_inline(&self, node: &Arc<TaskNode>) {
        self.run(
            node,
            &WorkerInfo {
                pool: None,
                processor: None,
            },
        );
    }

    fn run(&self, node: &Arc<TaskNode>, info: &WorkerInfo<'_>) {
        if let Some(job) = node.take_job() {
            match (&self.profiler, &node.tag) {
                (Some(p), Some(tag)) => {
                    let start = std::time::Instant::now();
                    job(info);
                    p.ran(tag, info.processor, start);
                }
                _ => job(info),
            }
        }
        self.tasks_run.fetch_add(1, Ordering::Relaxed);
        let successors = {
            let mut list = lock_ignoring_poison(&node.successors);
            node.done.store(true, Ordering::Release);
            std::mem::take(&mut *list)
        };
        for s in successors {
            if s.release() {
                self.schedule(s);
            }
        }
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.notifier.notify();
    }

    fn find_work(&self, group: WorkerGroup, me: usize) -> Option<Arc<TaskNode>> {
        let slots = self.slots(group);
        loop {
            let mut retry = false;
            for k in 0..slots.len() {
                match slots[(me + k) % slots.len()].queue.steal() {
                    Steal::Success(n) => {
                        self.queued.fetch_sub(1, Ordering::AcqRel);
                        return Some(n);
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }
}

fn wake_slot(slot: &WorkerSlot) -> bool {
    if slot.sleeping.swap(false, Ordering::SeqCst) {
        if let Some(t) = lock_ignoring_poison(&slot.thread).as_ref() {
            t.unpark();
        }
        return true;
    }
    false
}

/// The worker threads; dropping it drains the queues and joins them.
pub(crate) struct Scheduler {
    pub(crate) shared: Arc<SchedShared>,
    threads: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts `cpus` CPU workers and `omps` OMP workers of `ompthreads` threads each;
    /// they report to `profiler` when there is one.
    pub(crate) fn start(
        cpus: usize,
        omps: usize,
        ompthreads: usize,
        profiler: Option<Arc<Profiler>>,
    ) -> std::io::Result<Scheduler> {
        let slot = || WorkerSlot {
            queue: Injector::new(),
            sleeping: AtomicBool::new(false),
            thread: Mutex::new(None),
        };
        let shared = Arc::new(SchedShared {
            cpu: (0..cpus.max(1)).map(|_| slot()).collect(),
            omp: (0..omps).map(|_| slot()).collect(),
            shutdown: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
            notifier: Notifier::default(),
            tasks_run: AtomicUsize::new(0),
            profiler,
        });
        let mut threads = Vec::new();
        for (group, n) in [(WorkerGroup::Cpu, cpus.max(1)), (WorkerGroup::Omp, omps)] {
            for me in 0..n {
                let pool = match group {
                    WorkerGroup::Omp => Some(
                        rayon::ThreadPoolBuilder::new()
                            .num_threads(ompthreads.max(1))
                            .thread_name(move |i| format!("legate-omp{me}-{i}"))
                            .build()
                            .map_err(std::io::Error::other)?,
                    ),
                    WorkerGroup::Cpu => None,
                };
                let s = Arc::clone(&shared);
                let name = match group {
                    WorkerGroup::Cpu => format!("legate-cpu{me}"),
                    WorkerGroup::Omp => format!("legate-omp{me}"),
                };
                let handle = thread::Builder::new()
                    .name(name)
                    .spawn(move || worker_loop(&s, group, me, pool.as_ref()))?;
                *lock_ignoring_poison(&shared.slots(group)[me].thread) =
                    Some(handle.thread().clone());
                threads.push(handle);
            }
        }
        Ok(Scheduler { shared, threads })
    }
}

fn worker_loop(s: &SchedShared, group: WorkerGroup, me: usize, pool: Option<&rayon::ThreadPool>) {
    let kind = match group {
        WorkerGroup::Cpu => legate_mapper::ProcessorKind::Cpu,
        WorkerGroup::Omp => legate_mapper::ProcessorKind::Omp,
    };
    let info = WorkerInfo {
        pool,
        processor: Some(legate_mapper::Processor {
            kind,
            rank: 0,
            index: me,
        }),
    };
    let slot = &s.slots(group)[me];
    loop {
        if let Some(node) = s.find_work(group, me) {
            s.run(&node, &info);
            continue;
        }
        if s.shutdown.load(Ordering::Acquire) && s.in_flight() == 0 {
            return;
        }
        slot.sleeping.store(true, Ordering::SeqCst);
        // Re-check after announcing sleep: a push before the announcement is seen here,
        // a push after it wakes us.
        if let Some(node) = s.find_work(group, me) {
            slot.sleeping.store(false, Ordering::SeqCst);
            s.run(&node, &info);
            continue;
        }
        if s.shutdown.load(Ordering::Acquire) {
            slot.sleeping.store(false, Ordering::SeqCst);
            if s.in_flight() == 0 {
                return;
            }
            std::thread::yield_now();
            continue;
        }
        thread::park();
        slot.sleeping.store(false, Ordering::SeqCst);
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        // Let every issued task finish, then stop the workers.
        let s = &self.shared;
        s.notifier.wait_until(|| s.in_flight() == 0);
        s.shutdown.store(true, Ordering::SeqCst);
        for slot in s.cpu.iter().chain(&s.omp) {
            slot.sleeping.store(false, Ordering::SeqCst);
            if let Some(t) = lock_ignoring_poison(&slot.thread).as_ref() {
                t.unpark();
            }
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        if let Some(p) = &s.profiler {
            crate::profile::write_at_exit(p);
        }
    }
}
