//! Control replication: one program run by several ranks, each running its share of every
//! launch.
//!
//! Every rank runs the same program and so issues the same launches, solves the same
//! partitions and keeps the same [`ValidityMap`] for every storage, whose instance slots
//! name ranks: slot `r` is rank `r`'s instance. A launch's points are divided among the
//! ranks by [`Mapper::shard`](legate_mapper::Mapper::shard) (contiguous blocks); a rank
//! builds nodes for its own points only, but records every point's reads and writes in the
//! maps. When a point reads a rectangle its rank does not hold valid, the map names the
//! rank that does: that rank issues a *send node* (after the writers of the rectangle, it
//! hands the bytes to the [`Transport`]) and the reader's rank a *receive node* (the point
//! waits for it; it writes the bytes that arrived into the instance). Both sides number
//! the transfer alike, from a counter every rank advances in the same order, so the
//! message's tag needs no negotiation.
//!
//! - A reduction whose points lie on several ranks: the lowest of them starts from the
//!   store's values, the others from the operator's identity; after their points, each
//!   sends its partial result to the others, and every one folds all of them in rank
//!   order, so that every rank holds the same bits.
//! - A launch with an unbound output runs on every rank (its sizes and data are then the
//!   same everywhere), after every rank received what the launch reads. Images and other
//!   data-dependent partitions are computed this way.
//! - Reads by the program ([`LogicalStore::read`](crate::LogicalStore::read)) bring the
//!   store to every rank: every rank runs the same read.
//!
//! Nothing here depends on timing: which rank holds what follows from the program alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::analysis::Privilege;
use crate::coherence::{CopyRequest, Mask, MAX_INSTANCES};
use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::geometry::Rect;
use crate::memory::Buffer;
use crate::partition::bounding;
use crate::reduction::{fold_run, ReductionOp};
use crate::runtime::{IssueState, Shared};
use crate::scheduler::{TaskNode, WorkerGroup, WorkerInfo};
use crate::store::{for_each_row, lock_ignoring_poison, Storage};
use crate::task::Access;
use crate::transform::Footprint;
use crate::types::Type;

/// What a rank does with a message once it arrives.
pub type Arrival = Box<dyn FnOnce(Vec<u8>) + Send>;

/// How the ranks of a replicated program exchange bytes. Neither call blocks: the runtime
/// calls them from its worker threads and its issuing thread, and a rank that waited for
/// a message there could stall the ranks waiting for its own.
pub trait Transport: Send + Sync {
    /// This process's rank.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Hands `data` to rank `dest` as the message `tag`.
    fn send(&self, dest: usize, tag: u64, data: Vec<u8>);
    /// Calls `on_arrival` with the message `tag` from `source` once it has arrived (at once,
    /// on this thread, if it already has).
    fn expect(&self, source: usize, tag: u64, on_arrival: Arrival);
}

/// Ranks that are threads of one process, each with its own runtime: the transport of
/// tests and of programs that want replication without MPI.
///
/// ```
/// use legate_core::{Config, LocalRanks, Runtime, Scalar, Type};
/// # fn main() -> legate_core::Result<()> {
/// let sums = LocalRanks::run(2, |transport| -> legate_core::Result<i64> {
///     let rt = Runtime::replicated(Config::with_cpus(1), transport)?;
///     let a = rt.create_store(Type::Int64, &[6])?;
///     rt.fill(&a, Scalar::new(3i64))?;
///     Ok(a.read::<i64>()?.sum())
/// })?;
/// assert_eq!(sums.into_iter().collect::<legate_core::Result<Vec<_>>>()?, vec![18, 18]);
/// # Ok(())
/// # }
/// ```
pub struct LocalRanks;

impl LocalRanks {
    /// The transports of `n` ranks (at least one), in rank order.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(n: usize) -> Vec<Arc<dyn Transport>> {
        let n = n.max(1);
        let hub = Arc::new(Hub {
            boxes: (0..n).map(|_| Mutex::new(Mailbox::default())).collect(),
        });
        (0..n)
            .map(|rank| {
                Arc::new(LocalRank {
                    hub: Arc::clone(&hub),
                    rank,
                }) as Arc<dyn Transport>
            })
            .collect()
    }

    /// Runs `program` on `n` ranks, each a thread of this process given its rank's
    /// transport, and returns what each rank returns, in rank order. A rank that panics
    /// is an error (the other ranks must not wait for its messages).
    pub fn run<T: Send + 'static>(
        n: usize,
        program: impl Fn(Arc<dyn Transport>) -> T + Send + Sync + 'static,
    ) -> Result<Vec<T>> {
        let program = Arc::new(program);
        let handles = LocalRanks::new(n)
            .into_iter()
            .enumerate()
            .map(|(rank, transport)| {
                let program = Arc::clone(&program);
                std::thread::Builder::new()
                    .name(format!("legate-rank-{rank}"))
                    .spawn(move || program(transport))
                    .map_err(|e| Error::internal(format!("starting rank {rank}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        handles
            .into_iter()
            .enumerate()
            .map(|(rank, h)| {
                h.join()
                    .map_err(|_| Error::internal(format!("rank {rank} panicked")))
            })
            .collect()
    }
}

/// One mailbox per rank.
struct Hub {
    boxes: Vec<Mutex<Mailbox>>,
}

/// Messages that arrived before anyone expected them, and expectations waiting for their
/// message, by (source, tag): what a transport keeps for a rank. Each call returns the
/// handler to run with its message, when both are there (the caller runs it outside any
/// lock of its own).
#[derive(Default)]
pub(crate) struct Mailbox {
    waiting: HashMap<(usize, u64), Entry>,
}

enum Entry {
    Arrived(Vec<u8>),
    Awaited(Arrival),
}

impl Mailbox {
    /// Takes the message `key` (source, tag).
    pub(crate) fn deliver(
        &mut self,
        key: (usize, u64),
        data: Vec<u8>,
    ) -> Option<(Arrival, Vec<u8>)> {
        self.meet(key, Entry::Arrived(data))
    }

    /// Takes the expectation of the message `key`.
    pub(crate) fn expect(
        &mut self,
        key: (usize, u64),
        on_arrival: Arrival,
    ) -> Option<(Arrival, Vec<u8>)> {
        self.meet(key, Entry::Awaited(on_arrival))
    }

    /// `entry` for `key`: the handler and its message when the other half was waiting,
    /// else kept until it comes.
    fn meet(&mut self, key: (usize, u64), entry: Entry) -> Option<(Arrival, Vec<u8>)> {
        match (self.waiting.remove(&key), entry) {
            (Some(Entry::Awaited(on_arrival)), Entry::Arrived(data))
            | (Some(Entry::Arrived(data)), Entry::Awaited(on_arrival)) => Some((on_arrival, data)),
            (_, entry) => {
                self.waiting.insert(key, entry);
                None
            }
        }
    }
}

struct LocalRank {
    hub: Arc<Hub>,
    rank: usize,
}

impl Transport for LocalRank {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.hub.boxes.len()
    }

    fn send(&self, dest: usize, tag: u64, data: Vec<u8>) {
        let Some(mailbox) = self.hub.boxes.get(dest) else {
            return;
        };
        let ready = lock_ignoring_poison(mailbox).deliver((self.rank, tag), data);
        if let Some((on_arrival, data)) = ready {
            on_arrival(data);
        }
    }

    fn expect(&self, source: usize, tag: u64, on_arrival: Arrival) {
        let ready =
            lock_ignoring_poison(&self.hub.boxes[self.rank]).expect((source, tag), on_arrival);
        if let Some((on_arrival, data)) = ready {
            on_arrival(data);
        }
    }
}

/// The ranks of a replicated runtime, as its issuing path sees them.
pub(crate) struct Ranks {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) rank: usize,
    pub(crate) size: usize,
    /// The next message tag; every rank draws tags in the same order.
    next_tag: AtomicU64,
}

impl Ranks {
    pub(crate) fn new(transport: Arc<dyn Transport>) -> Result<Ranks> {
        let (rank, size) = (transport.rank(), transport.size());
        if size == 0 || rank >= size {
            return Err(Error::invalid(format!(
                "rank {rank} of {size} ranks: a transport must have at least one rank and its own below the count"
            )));
        }
        if size > MAX_INSTANCES {
            return Err(Error::invalid(format!(
                "{size} ranks: at most {MAX_INSTANCES} are supported"
            )));
        }
        Ok(Ranks {
            transport,
            rank,
            size,
            next_tag: AtomicU64::new(0),
        })
    }

    /// Draws `n` consecutive tags.
    fn tags(&self, n: u64) -> u64 {
        self.next_tag.fetch_add(n, Ordering::Relaxed)
    }

    /// Every rank's slot.
    pub(crate) fn all(&self) -> Mask {
        mask_below(self.size)
    }
}

fn mask_below(n: usize) -> Mask {
    if n >= Mask::BITS as usize {
        Mask::MAX
    } else {
        (1 << n) - 1
    }
}

/// Which ranks run the points of a launch.
pub(crate) enum Placement {
    /// Point `p` runs on rank `owners[p]` only.
    Sharded(Vec<usize>),
    /// Every point runs on every rank (launches with unbound outputs).
    Everywhere,
}

impl Placement {
    pub(crate) fn runs_here(&self, p: usize, me: usize) -> bool {
        match self {
            Placement::Sharded(owners) => owners.get(p) == Some(&me),
            Placement::Everywhere => true,
        }
    }
}

/// One argument of a launch as the replicated coherence sees it: its storage, how the
/// launch accesses it and, per point, the bounds of the point's piece in the storage's
/// coordinates (`None`: the point does not touch it) and whether the piece is all of its
/// bounds.
pub(crate) struct ArgPieces {
    pub(crate) storage: Arc<Storage>,
    pub(crate) access: Access,
    pub(crate) pieces: Vec<Option<(Rect, bool)>>,
}

/// A reduction over several ranks, waiting for the launch's points to be recorded.
pub(crate) struct CrossRankReduction {
    storage: Arc<Storage>,
    rect: Rect,
    op: ReductionOp,
    /// The ranks with points, in rank order.
    participants: Vec<usize>,
    /// The first of the reduction's tags (one per participant, as sender).
    tag: u64,
}

/// What the replicated coherence of a launch issues: nodes its points wait for, and the
/// reductions to finish after them.
pub(crate) struct Plan {
    pub(crate) before: Vec<Arc<TaskNode>>,
    pub(crate) reductions: Vec<CrossRankReduction>,
}

/// A rectangle of a storage to move between ranks, with its tag.
struct Transfer {
    storage: Arc<Storage>,
    request: CopyRequest,
    tag: u64,
}

/// Updates the validity maps for a launch's points placed by `placement` and issues the
/// transfers this rank takes part in, before the points' own analysis.
pub(crate) fn plan_launch(
    shared: &Arc<Shared>,
    ranks: &Ranks,
    state: &mut IssueState,
    args: &[ArgPieces],
    placement: &Placement,
    num_points: usize,
) -> Result<Plan> {
    let all = ranks.all();
    let mut transfers = Vec::new();
    let mut reductions = Vec::new();
    let mut fills = Vec::new();
    for arg in args {
        let storage = &arg.storage;
        let ty = storage.ty;
        if let (Access::Reduce(op), Placement::Sharded(owners)) = (arg.access, placement) {
            // The ranks with a point reducing into the store, and the bounds of all of it.
            let mut participants: Vec<usize> = (0..num_points)
                .filter(|&p| arg.pieces[p].is_some())
                .map(|p| owners[p])
                .collect();
            participants.sort_unstable();
            participants.dedup();
            let rects: Vec<Rect> = arg.pieces.iter().flatten().map(|(r, _)| *r).collect();
            let Some(&root) = participants.first() else {
                continue;
            };
            let rect = bounding(rects[0].dim(), &rects);
            if participants.len() > 1 {
                // Checked before the maps change: a launch that fails changes nothing.
                op.identity(ty)?;
            }
            let mask = participants.iter().fold(0, |m, &r| m | (1 << r));
            storage.with_rank_validity(all, |v| {
                for request in v.acquire(&rect, root) {
                    transfers.push(Transfer {
                        storage: Arc::clone(storage),
                        request,
                        tag: ranks.tags(1),
                    });
                }
                v.write_mask(&rect, mask);
            });
            if participants.len() > 1 {
                if participants[1..].contains(&ranks.rank) {
                    fills.push((Arc::clone(storage), rect, op));
                }
                reductions.push(CrossRankReduction {
                    storage: Arc::clone(storage),
                    rect,
                    op,
                    tag: ranks.tags(participants.len() as u64),
                    participants,
                });
            }
            continue;
        }
        storage.with_rank_validity(all, |v| {
            for (p, piece) in arg.pieces.iter().enumerate() {
                let Some((rect, dense)) = piece else {
                    continue;
                };
                let (readers, writers) = match placement {
                    Placement::Sharded(owners) => (1 << owners[p], 1 << owners[p]),
                    Placement::Everywhere => (all, all),
                };
                if !(arg.access == Access::Write && *dense) {
                    for r in (0..ranks.size).filter(|r| readers & (1 << r) != 0) {
                        for request in v.acquire(rect, r) {
                            transfers.push(Transfer {
                                storage: Arc::clone(storage),
                                request,
                                tag: ranks.tags(1),
                            });
                        }
                    }
                }
                if arg.access != Access::Read {
                    v.write_mask(rect, writers);
                }
            }
        });
    }
    let mut before = issue_transfers(shared, ranks, state, &transfers);
    state.launch_seq += 1;
    let seq = state.launch_seq;
    for (storage, rect, op) in fills {
        before.push(identity_fill(shared, &storage, rect, op, seq)?);
    }
    Ok(Plan { before, reductions })
}

/// Brings the bounds `rect` of `storage` to every rank, for a read by the program that
/// every rank makes; returns the nodes to release (the read then waits for the storage's
/// writers, the receive nodes among them).
pub(crate) fn plan_host_read(
    shared: &Arc<Shared>,
    ranks: &Ranks,
    state: &mut IssueState,
    storage: &Arc<Storage>,
    rect: &Rect,
) -> Vec<Arc<TaskNode>> {
    let mut transfers = Vec::new();
    storage.with_rank_validity(ranks.all(), |v| {
        for r in 0..ranks.size {
            for request in v.acquire(rect, r) {
                transfers.push(Transfer {
                    storage: Arc::clone(storage),
                    request,
                    tag: ranks.tags(1),
                });
            }
        }
    });
    issue_transfers(shared, ranks, state, &transfers)
}

/// The nodes that finish cross-rank reductions, after the points of their launch were
/// recorded: each participant sends its partial result to the others, then folds all of
/// them in rank order into its instance.
pub(crate) fn finish_reductions(
    shared: &Arc<Shared>,
    ranks: &Ranks,
    state: &mut IssueState,
    reductions: Vec<CrossRankReduction>,
) -> Vec<Arc<TaskNode>> {
    let mut nodes = Vec::new();
    for red in reductions {
        state.launch_seq += 1;
        let contribute_seq = state.launch_seq;
        state.launch_seq += 1;
        let combine_seq = state.launch_seq;
        let Some(me) = red.participants.iter().position(|&r| r == ranks.rank) else {
            continue;
        };
        let n = red.participants.len();
        let parts: Arc<Mutex<Vec<Option<Vec<u8>>>>> = Arc::new(Mutex::new(vec![None; n]));
        let fp = Footprint::from_rect(&red.rect);
        let storage = Arc::clone(&red.storage);
        let contribute = {
            let (parts, storage, transport) = (
                Arc::clone(&parts),
                Arc::clone(&storage),
                Arc::clone(&ranks.transport),
            );
            let (rect, participants, tag) = (red.rect, red.participants.clone(), red.tag);
            node(
                shared,
                Box::new(move |_: &WorkerInfo<'_>| {
                    let Some(bytes) = pack(&storage, &rect) else {
                        return;
                    };
                    for (i, &r) in participants.iter().enumerate() {
                        if i != me {
                            transport.send(r, tag + me as u64, bytes.clone());
                        }
                    }
                    lock_ignoring_poison(&parts)[me] = Some(bytes);
                }),
            )
        };
        {
            let mut st = storage.state();
            st.depend(&contribute, &fp, Privilege::ReadWrite, contribute_seq);
            st.record_transfer(
                &contribute,
                fp.clone(),
                Privilege::ReadWrite,
                contribute_seq,
            );
        }
        let combine = {
            let (parts, storage, stats_shared) =
                (Arc::clone(&parts), Arc::clone(&storage), Arc::clone(shared));
            let (rect, op) = (red.rect, red.op);
            node(
                shared,
                Box::new(move |_: &WorkerInfo<'_>| {
                    let parts: Vec<Vec<u8>> = std::mem::take(&mut *lock_ignoring_poison(&parts))
                        .into_iter()
                        .flatten()
                        .collect();
                    let received: usize = parts.iter().skip(1).map(Vec::len).sum();
                    stats_shared
                        .stats
                        .bytes_copied
                        .fetch_add(received as u64, Ordering::Relaxed);
                    match fold_in_rank_order(storage.ty, op, parts) {
                        Ok(acc) => unpack(&stats_shared, &storage, &rect, &acc),
                        Err(e) => lock_ignoring_poison(&stats_shared.errors).push(e),
                    }
                }),
            )
        };
        TaskNode::add_dependence(&contribute, &combine);
        {
            let mut st = storage.state();
            st.depend(&combine, &fp, Privilege::ReadWrite, combine_seq);
            st.record_transfer(&combine, fp, Privilege::ReadWrite, combine_seq);
        }
        for (i, &r) in red.participants.iter().enumerate() {
            if i == me {
                continue;
            }
            let (parts, combine_node, sched) = (
                Arc::clone(&parts),
                Arc::clone(&combine),
                Arc::clone(&shared.sched),
            );
            combine.hold();
            ranks.transport.expect(
                r,
                red.tag + i as u64,
                Box::new(move |data| {
                    lock_ignoring_poison(&parts)[i] = Some(data);
                    if combine_node.release() {
                        sched.schedule(combine_node);
                    }
                }),
            );
        }
        nodes.push(contribute);
        nodes.push(combine);
    }
    nodes
}

/// Every rank's bytes (elements of `ty`, in rank order) folded with `op` from the first:
/// every rank that folds the same parts gets the same bits.
fn fold_in_rank_order(ty: Type, op: ReductionOp, parts: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    let mut parts = parts.into_iter();
    let mut acc = parts.next().unwrap_or_default();
    let n = acc.len() / ty.size();
    for p in parts {
        if p.len() != acc.len() {
            return Err(Error::invalid(
                "reduction buffers of different lengths on different ranks",
            ));
        }
        // SAFETY: `acc` and `p` hold `n` elements of `ty` each (lengths checked), and
        // `acc` is this function's own.
        unsafe { fold_run(ty, op, acc.as_mut_ptr(), 1, &p, n) };
    }
    Ok(acc)
}

/// A node of the runtime's own (transfers, fills), counted as issued.
fn node(shared: &Arc<Shared>, job: crate::scheduler::Job) -> Arc<TaskNode> {
    shared.sched.issued();
    TaskNode::tagged(job, WorkerGroup::Cpu, 0, None)
}

/// Issues the send and receive nodes of this rank among `transfers`, each after the
/// accesses of the rectangle before it, earlier transfers included: each has its own
/// launch number (a rank may pass on what it receives in the same batch). Every rank
/// draws the numbers of all transfers, whichever it takes part in.
fn issue_transfers(
    shared: &Arc<Shared>,
    ranks: &Ranks,
    state: &mut IssueState,
    transfers: &[Transfer],
) -> Vec<Arc<TaskNode>> {
    let mut nodes = Vec::new();
    for t in transfers {
        state.launch_seq += 1;
        let seq = state.launch_seq;
        let CopyRequest { rect, src, dst } = t.request;
        let fp = Footprint::from_rect(&rect);
        if src == ranks.rank {
            let (storage, transport, tag) =
                (Arc::clone(&t.storage), Arc::clone(&ranks.transport), t.tag);
            let send = node(
                shared,
                Box::new(move |_: &WorkerInfo<'_>| {
                    if let Some(bytes) = pack(&storage, &rect) {
                        transport.send(dst, tag, bytes);
                    }
                }),
            );
            let mut st = t.storage.state();
            st.depend(&send, &fp, Privilege::Read, seq);
            st.record_transfer(&send, fp, Privilege::Read, seq);
            nodes.push(send);
        } else if dst == ranks.rank {
            let arrived: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
            let (storage, data, job_shared) = (
                Arc::clone(&t.storage),
                Arc::clone(&arrived),
                Arc::clone(shared),
            );
            let receive = node(
                shared,
                Box::new(move |_: &WorkerInfo<'_>| {
                    if let Some(bytes) = lock_ignoring_poison(&data).take() {
                        job_shared
                            .stats
                            .bytes_copied
                            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                        unpack(&job_shared, &storage, &rect, &bytes);
                    }
                }),
            );
            {
                let mut st = t.storage.state();
                st.depend(&receive, &fp, Privilege::ReadWrite, seq);
                st.record_transfer(&receive, fp, Privilege::ReadWrite, seq);
            }
            receive.hold();
            let (node, sched) = (Arc::clone(&receive), Arc::clone(&shared.sched));
            ranks.transport.expect(
                src,
                t.tag,
                Box::new(move |bytes| {
                    *lock_ignoring_poison(&arrived) = Some(bytes);
                    if node.release() {
                        sched.schedule(node);
                    }
                }),
            );
            nodes.push(receive);
        }
    }
    nodes
}

/// A node that sets `rect` of this rank's instance of `storage` to the identity of `op`,
/// where this rank's points start a reduction that another rank starts from the values.
fn identity_fill(
    shared: &Arc<Shared>,
    storage: &Arc<Storage>,
    rect: Rect,
    op: ReductionOp,
    seq: u64,
) -> Result<Arc<TaskNode>> {
    let ty = storage.ty;
    let identity = op.identity(ty)?;
    let (job_storage, job_shared) = (Arc::clone(storage), Arc::clone(shared));
    let fill = node(
        shared,
        Box::new(move |_: &WorkerInfo<'_>| {
            let element = identity.as_bytes();
            let count = rect.volume() as usize;
            let bytes: Vec<u8> = element
                .iter()
                .copied()
                .cycle()
                .take(count * element.len())
                .collect();
            unpack(&job_shared, &job_storage, &rect, &bytes);
        }),
    );
    let fp = Footprint::from_rect(&rect);
    let mut st = storage.state();
    st.depend(&fill, &fp, Privilege::ReadWrite, seq);
    st.record_transfer(&fill, fp, Privilege::ReadWrite, seq);
    Ok(fill)
}

/// The bytes of `rect` of this rank's instance of `storage`, row after row; `None` (with
/// the error recorded) when the instance cannot be allocated.
fn pack(storage: &Storage, rect: &Rect) -> Option<Vec<u8>> {
    let buffer = instance(storage)?;
    let shape = storage.identity().storage_shape().to_vec();
    let mut out = Vec::with_capacity(rect.volume() as usize * storage.ty.size());
    for_each_row(&shape, rect, storage.ty.size(), |at, len| {
        // SAFETY: the row lies inside the storage, so inside the instance; the analysis
        // orders this read after the writers of the rectangle and before later writers.
        out.extend_from_slice(unsafe { std::slice::from_raw_parts(buffer.ptr().add(at), len) });
    });
    Some(out)
}

/// Writes `bytes` (rows of `rect`, as [`pack`] gives them) into this rank's instance.
fn unpack(shared: &Shared, storage: &Storage, rect: &Rect, bytes: &[u8]) {
    let Some(buffer) = instance(storage) else {
        return;
    };
    let shape = storage.identity().storage_shape().to_vec();
    let mut from = 0usize;
    for_each_row(&shape, rect, storage.ty.size(), |at, len| {
        if from + len > bytes.len() {
            return;
        }
        // SAFETY: the row lies inside the storage, so inside the instance; the analysis
        // gives this node the only access to the rectangle while it runs.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr().add(from), buffer.ptr().add(at), len)
        };
        from += len;
    });
    if from != bytes.len() {
        lock_ignoring_poison(&shared.errors).push(Error::internal(format!(
            "a message of {} bytes for a rectangle of {from}",
            bytes.len()
        )));
    }
}

fn instance(storage: &Storage) -> Option<Arc<Buffer>> {
    match storage.buffer() {
        Ok(b) => Some(b),
        Err(e) => {
            lock_ignoring_poison(&storage.shared.errors).push(e);
            None
        }
    }
}

/// The [`Comm`] of a replicated runtime, over its transport: the collectives of the
/// issuing thread (which every rank calls in the same order, as it runs the same program),
/// blocking until their messages arrive. Reductions gather every rank's bytes and fold
/// them in rank order, so every rank gets the same bits.
pub(crate) struct RankComm {
    ranks: Arc<Ranks>,
    /// Messages sent and received so far per (peer, user tag, sent?): the program's own
    /// tags may repeat, the transport's may not.
    counts: Mutex<HashMap<(usize, u32, bool), u64>>,
}

/// The transport tags of the program's point-to-point messages: the high bit set, then
/// the program's tag and the message's number among those with that peer and tag.
const USER_TAG: u64 = 1 << 63;

impl RankComm {
    pub(crate) fn new(ranks: Arc<Ranks>) -> RankComm {
        RankComm {
            ranks,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, r: usize) -> Result<()> {
        if r >= self.ranks.size {
            return Err(Error::IndexOutOfBounds {
                dim: 0,
                index: r as i64,
                extent: self.ranks.size as u64,
            });
        }
        Ok(())
    }

    /// Blocks until the message `tag` from `source` arrives.
    fn wait(&self, source: usize, tag: u64) -> Result<Vec<u8>> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.ranks.transport.expect(
            source,
            tag,
            Box::new(move |data| {
                let _ = tx.send(data);
            }),
        );
        rx.recv()
            .map_err(|_| Error::internal(format!("the message from rank {source} never came")))
    }

    /// Every rank's `mine`, in rank order.
    fn gather(&self, mine: &[u8]) -> Result<Vec<Vec<u8>>> {
        let tag = self.ranks.tags(1);
        let me = self.ranks.rank;
        for r in (0..self.ranks.size).filter(|&r| r != me) {
            self.ranks.transport.send(r, tag, mine.to_vec());
        }
        (0..self.ranks.size)
            .map(|r| match r == me {
                true => Ok(mine.to_vec()),
                false => self.wait(r, tag),
            })
            .collect()
    }

    fn user_tag(&self, peer: usize, tag: u32, sent: bool) -> u64 {
        let mut counts = lock_ignoring_poison(&self.counts);
        let n = counts.entry((peer, tag, sent)).or_insert(0);
        let k = *n;
        *n += 1;
        USER_TAG | (u64::from(tag) << 31) | (k & ((1 << 31) - 1))
    }
}

impl Comm for RankComm {
    fn rank(&self) -> usize {
        self.ranks.rank
    }

    fn size(&self) -> usize {
        self.ranks.size
    }

    fn barrier(&self) -> Result<()> {
        self.gather(&[]).map(|_| ())
    }

    fn all_reduce(&self, data: &mut [u8], ty: Type, op: ReductionOp) -> Result<()> {
        if data.len() % ty.size() != 0 {
            return Err(Error::invalid(
                "all_reduce buffer is not a whole number of elements",
            ));
        }
        op.identity(ty)?;
        let acc = fold_in_rank_order(ty, op, self.gather(data)?)?;
        data.copy_from_slice(&acc);
        Ok(())
    }

    fn broadcast(&self, data: &mut Vec<u8>, root: usize) -> Result<()> {
        self.check(root)?;
        let tag = self.ranks.tags(1);
        if root == self.ranks.rank {
            for r in (0..self.ranks.size).filter(|&r| r != root) {
                self.ranks.transport.send(r, tag, data.clone());
            }
        } else {
            *data = self.wait(root, tag)?;
        }
        Ok(())
    }

    fn send(&self, dest: usize, tag: u32, data: &[u8]) -> Result<()> {
        self.check(dest)?;
        if dest == self.ranks.rank {
            return Err(Error::invalid("a rank cannot send to itself"));
        }
        let t = self.user_tag(dest, tag, true);
        self.ranks.transport.send(dest, t, data.to_vec());
        Ok(())
    }

    fn recv(&self, source: usize, tag: u32) -> Result<Vec<u8>> {
        self.check(source)?;
        if source == self.ranks.rank {
            return Err(Error::invalid("a rank cannot receive from itself"));
        }
        let t = self.user_tag(source, tag, false);
        self.wait(source, t)
    }
}
