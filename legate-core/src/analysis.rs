//! Dependence analysis: per storage, per rectangle, per privilege.
//!
//! See `analysis_README.md` beside this file for the design.

use std::sync::Arc;

use crate::partition::Partition;
use crate::reduction::ReductionOp;
use crate::scheduler::TaskNode;
use crate::transform::Footprint;

/// What a point task does to the part of a storage it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Privilege {
    Read,
    Write,
    ReadWrite,
    Reduce(ReductionOp),
}

impl Privilege {
    /// Whether two accesses to overlapping points must be ordered.
    pub(crate) fn conflicts(self, other: Privilege) -> bool {
        match (self, other) {
            (Privilege::Read, Privilege::Read) => false,
            // Reductions with the same operator commute.
            (Privilege::Reduce(a), Privilege::Reduce(b)) => a != b,
            _ => true,
        }
    }

    pub(crate) fn writes(self) -> bool {
        !matches!(self, Privilege::Read)
    }

    /// Whether the access replaces every value it names (so it hides earlier accesses).
    fn overwrites(self) -> bool {
        matches!(self, Privilege::Write | Privilege::ReadWrite)
    }
}

/// One in-flight access of a point task to a storage.
struct AccessRecord {
    footprint: Footprint,
    privilege: Privilege,
    node: Arc<TaskNode>,
    /// The launch that made it: records of the current launch never order its own points.
    launch: u64,
}

/// The key partition of a storage: the tiling its last partitioned launch used, over the
/// storage's own coordinates.
#[derive(Clone, Debug)]
pub(crate) struct KeyPartition {
    pub(crate) partition: Arc<Partition>,
    pub(crate) colors: Vec<u64>,
    /// Unique over the process: names the partition in the solver's cache.
    pub(crate) id: u64,
}

impl KeyPartition {
    pub(crate) fn new(partition: Arc<Partition>, colors: Vec<u64>) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        KeyPartition {
            partition,
            colors,
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

/// Per-storage analysis state: the accesses still in flight, the key partition, a version
/// bumped by every launch that writes (image partitions are cached by it).
#[derive(Default)]
pub(crate) struct StorageState {
    records: Vec<AccessRecord>,
    pub(crate) key_partition: Option<KeyPartition>,
    pub(crate) version: u64,
}

impl StorageState {
    /// Makes `node` wait for every earlier in-flight access that conflicts with it, and
    /// forgets finished accesses on the way.
    pub(crate) fn depend(
        &mut self,
        node: &Arc<TaskNode>,
        footprint: &Footprint,
        privilege: Privilege,
        launch: u64,
    ) {
        self.records.retain(|r| !r.node.is_done());
        for r in &self.records {
            if r.launch != launch
                && r.privilege.conflicts(privilege)
                && r.footprint.overlaps(footprint)
            {
                TaskNode::add_dependence(&r.node, node);
            }
        }
    }

    /// Records the access of `node`, after every point of its launch went through
    /// [`depend`](Self::depend). An overwriting access hides the earlier records it covers:
    /// it waits for them, so whoever would wait for them waits for it instead. Only an
    /// `exact` footprint may hide others.
    pub(crate) fn record(
        &mut self,
        node: &Arc<TaskNode>,
        footprint: Footprint,
        privilege: Privilege,
        exact: bool,
        launch: u64,
    ) {
        if privilege.overwrites() && exact {
            self.records
                .retain(|r| r.launch == launch || !footprint.contains(&r.footprint));
        }
        if privilege.writes() {
            self.version = launch;
        }
        self.records.push(AccessRecord {
            footprint,
            privilege,
            node: Arc::clone(node),
            launch,
        });
    }

    /// Records a transfer between ranks (or a step of a reduction across them): an access
    /// like any other for the ordering, which does not change the contents' version (it
    /// brings values one rank holds to another, and every rank must agree on versions).
    pub(crate) fn record_transfer(
        &mut self,
        node: &Arc<TaskNode>,
        footprint: Footprint,
        privilege: Privilege,
        launch: u64,
    ) {
        let version = self.version;
        self.record(node, footprint, privilege, true, launch);
        self.version = version;
    }

    /// The in-flight point tasks that write or reduce to the storage.
    pub(crate) fn pending_writers(&mut self) -> Vec<Arc<TaskNode>> {
        self.records.retain(|r| !r.node.is_done());
        self.records
            .iter()
            .filter(|r| r.privilege.writes())
            .map(|r| Arc::clone(&r.node))
            .collect()
    }

    /// Number of records of unfinished accesses (the state tests check stays bounded).
    pub(crate) fn len(&mut self) -> usize {
        self.records.retain(|r| !r.node.is_done());
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{Point, Rect};
    use crate::scheduler::WorkerGroup;
    use proptest::prelude::*;

    fn privilege(k: u8) -> Privilege {
        match k % 5 {
            0 => Privilege::Read,
            1 => Privilege::Write,
            2 => Privilege::ReadWrite,
            3 => Privilege::Reduce(ReductionOp::Add),
            _ => Privilege::Reduce(ReductionOp::Max),
        }
    }

    fn launch_strategy() -> impl Strategy<Value = Vec<(i64, i64, u8)>> {
        proptest::collection::vec((0i64..16, 1i64..8, any::<u8>()), 1..4)
    }

    proptest! {
        /// Every conflicting overlapping pair of accesses from different launches is
        /// ordered (sound), and every edge joins such a pair (precise).
        #[test]
        fn dependences_are_sound_and_precise(launches in proptest::collection::vec(launch_strategy(), 1..10)) {
            let mut state = StorageState::default();
            // (launch, node, rect, privilege) for every access issued.
            let mut issued: Vec<(u64, Arc<TaskNode>, Rect, Privilege)> = Vec::new();
            for (l, points) in launches.iter().enumerate() {
                let l = l as u64 + 1;
                let mut pending = Vec::new();
                for &(lo, len, k) in points {
                    let node = TaskNode::new(Box::new(|_| {}), WorkerGroup::Cpu, 0);
                    let rect = Rect::new(Point::new(&[lo]), Point::new(&[(lo + len).min(16)]));
                    let fp = Footprint::from_rect(&rect);
                    let p = privilege(k);
                    state.depend(&node, &fp, p, l);
                    pending.push((node, fp, rect, p));
                }
                for (node, fp, rect, p) in pending {
                    state.record(&node, fp, p, true, l);
                    issued.push((l, node, rect, p));
                }
            }
            let index = |n: &Arc<TaskNode>| issued.iter().position(|(_, m, _, _)| Arc::ptr_eq(n, m));
            let edges: Vec<Vec<usize>> = issued
                .iter()
                .map(|(_, n, _, _)| n.successors().iter().filter_map(index).collect())
                .collect();
            let reaches = |from: usize, to: usize| {
                let mut stack = vec![from];
                let mut seen = vec![false; issued.len()];
                while let Some(i) = stack.pop() {
                    if i == to {
                        return true;
                    }
                    for &j in &edges[i] {
                        if !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
                false
            };
            let must_order = |i: usize, j: usize| {
                let (li, _, ri, pi) = &issued[i];
                let (lj, _, rj, pj) = &issued[j];
                li < lj && pi.conflicts(*pj) && ri.overlaps(rj)
            };
                        for (i, succ) in edges.iter().enumerate() {
                for j in 0..issued.len() {
                    if must_order(i, j) {
                        prop_assert!(reaches(i, j), "access {} does not wait for access {}", j, i);
                    }
                }
                for &j in succ {
                    prop_assert!(must_order(i, j), "false dependence {} -> {}", i, j);
                }
            }
        }
    }
}
