//! Coherence: which parts of a storage are valid in which of its instances.
//!
//! A storage starts with one instance, in system memory, that holds every value. A task
//! mapped to another memory (NUMA memory for OMP groups with `--numamem`; framebuffers
//! and other ranks later) gets an instance there. The [`ValidityMap`] records, for disjoint
//! rectangles of the storage, the set of instances holding their current values; the
//! analysis asks it, in program order, what a point task needs copied into its instance
//! before it runs, and what it invalidates elsewhere when it writes.
//!
//! Invariant: every point of the storage is valid in at least one instance.

use crate::geometry::Rect;

/// A set of instance slots (bit `i`: slot `i`).
pub(crate) type Mask = u32;

/// Most instances of one storage (one per memory).
pub(crate) const MAX_INSTANCES: usize = 32;

/// A copy the analysis asks for: `rect` of the storage from instance `src` to `dst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CopyRequest {
    pub(crate) rect: Rect,
    pub(crate) src: usize,
    pub(crate) dst: usize,
}

/// Disjoint rectangles covering the storage, each with the instances valid there.
#[derive(Clone, Debug)]
pub(crate) struct ValidityMap {
    regions: Vec<(Rect, Mask)>,
}

impl ValidityMap {
    /// A storage of `shape` whose values are all in instance `slot`.
    pub(crate) fn new(shape: &[u64], slot: usize) -> Self {
        ValidityMap {
            regions: vec![(Rect::from_shape(shape), 1 << slot)],
        }
    }

    /// A storage of `shape` whose values are in every instance of `mask` (a fresh storage
    /// of a replicated program: every rank holds its zeros, or the data it was made from).
    pub(crate) fn with_mask(shape: &[u64], mask: Mask) -> Self {
        ValidityMap {
            regions: vec![(Rect::from_shape(shape), mask)],
        }
    }

    /// Makes `rect` valid in `slot`, returning the copies that needs (from the lowest
    /// valid instance of each region).
    pub(crate) fn acquire(&mut self, rect: &Rect, slot: usize) -> Vec<CopyRequest> {
        let bit: Mask = 1 << slot;
        let mut copies = Vec::new();
        self.update(rect, |part, mask| {
            if mask & bit == 0 {
                copies.push(CopyRequest {
                    rect: *part,
                    src: mask.trailing_zeros() as usize,
                    dst: slot,
                });
            }
            mask | bit
        });
        copies
    }

    /// Records that `slot` wrote `rect`: only `slot` holds its values now.
    pub(crate) fn write(&mut self, rect: &Rect, slot: usize) {
        self.update(rect, |_, _| 1 << slot);
    }

    /// Records that the instances of `mask` all hold the latest values of `rect` (every rank
    /// ran a launch that wrote it, or every participant of a reduction combined it).
    pub(crate) fn write_mask(&mut self, rect: &Rect, mask: Mask) {
        self.update(rect, |_, _| mask);
    }

    /// The instances valid at point `p`.
    #[cfg(test)]
    pub(crate) fn valid_at(&self, p: &crate::geometry::Point) -> Mask {
        self.regions
            .iter()
            .find(|(r, _)| r.contains(p))
            .map_or(0, |&(_, m)| m)
    }

    /// Number of regions (fragmentation stays bounded by merging equal neighbours).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.regions.len()
    }

    /// Applies `f` to the mask of every part of a region inside `rect`, splitting regions
    /// at the boundary of `rect`.
    fn update(&mut self, rect: &Rect, mut f: impl FnMut(&Rect, Mask) -> Mask) {
        if rect.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.regions.len() + 4);
        for &(r, mask) in &self.regions {
            if !r.overlaps(rect) {
                out.push((r, mask));
                continue;
            }
            let inside = r.intersection(rect);
            out.push((inside, f(&inside, mask)));
            for rest in difference(&r, &inside) {
                out.push((rest, mask));
            }
        }
        self.regions = merge(out);
    }
}

/// `a` minus `b` (with `b` inside `a`) as at most `2 * dim` disjoint rectangles.
fn difference(a: &Rect, b: &Rect) -> Vec<Rect> {
    let mut out = Vec::new();
    let mut rest = *a;
    for d in 0..a.dim() {
        if rest.lo[d] < b.lo[d] {
            let mut below = rest;
            below.hi[d] = b.lo[d];
            out.push(below);
            rest.lo[d] = b.lo[d];
        }
        if b.hi[d] < rest.hi[d] {
            let mut above = rest;
            above.lo[d] = b.hi[d];
            out.push(above);
            rest.hi[d] = b.hi[d];
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Joins neighbouring regions with one mask where they form a rectangle.
fn merge(mut regions: Vec<(Rect, Mask)>) -> Vec<(Rect, Mask)> {
    let mut changed = true;
    while changed && regions.len() > 1 {
        changed = false;
        'outer: for i in 0..regions.len() {
            for j in i + 1..regions.len() {
                if regions[i].1 != regions[j].1 {
                    continue;
                }
                if let Some(joined) = join(&regions[i].0, &regions[j].0) {
                    regions[i].0 = joined;
                    regions.swap_remove(j);
                    changed = true;
                    break 'outer;
                }
            }
        }
    }
    regions
}

/// The union of two rectangles when it is a rectangle (they share a face).
fn join(a: &Rect, b: &Rect) -> Option<Rect> {
    let n = a.dim();
    let mut along = None;
    for d in 0..n {
        if a.lo[d] == b.lo[d] && a.hi[d] == b.hi[d] {
            continue;
        }
        if along.is_some() {
            return None;
        }
        along = Some(d);
    }
    let d = along?;
    let mut r = *a;
    if a.hi[d] == b.lo[d] {
        r.hi[d] = b.hi[d];
    } else if b.hi[d] == a.lo[d] {
        r.lo[d] = b.lo[d];
    } else {
        return None;
    }
    Some(r)
}

/// The rectangle `[lo, hi)` in one dimension (for tests and images).
#[cfg(test)]
fn span(lo: i64, hi: i64) -> Rect {
    use crate::geometry::Point;
    Rect::new(Point::new(&[lo]), Point::new(&[hi]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Point;
    use proptest::prelude::*;

    #[test]
    fn a_reader_in_another_memory_copies_only_what_it_lacks() {
        let mut v = ValidityMap::new(&[100], 0);
        assert_eq!(
            v.acquire(&span(10, 20), 1),
            vec![CopyRequest {
                rect: span(10, 20),
                src: 0,
                dst: 1
            }]
        );
        // Already there: nothing to copy.
        assert!(v.acquire(&span(12, 18), 1).is_empty());
        // Half there.
        assert_eq!(
            v.acquire(&span(15, 30), 1),
            vec![CopyRequest {
                rect: span(20, 30),
                src: 0,
                dst: 1
            }]
        );
        // A write in instance 1 leaves instance 0 stale there.
        v.write(&span(0, 50), 1);
        assert_eq!(
            v.acquire(&span(40, 60), 0),
            vec![CopyRequest {
                rect: span(40, 50),
                src: 1,
                dst: 0
            }]
        );
        assert_eq!(v.valid_at(&Point::new(&[45])), 0b11);
        assert_eq!(v.valid_at(&Point::new(&[5])), 0b10);
    }

    proptest! {
        /// Random reads and writes in random instances: after each, the map says exactly
        /// what a brute-force model of the values says, and the copies asked for move
        /// valid data.
        #[test]
        fn validity_matches_a_brute_force_model(
            ops in proptest::collection::vec((0usize..3, 0i64..6, 1i64..6, 0i64..8, 1i64..8, any::<bool>()), 1..30)
        ) {
            let shape = [8u64, 8];
            let mut v = ValidityMap::new(&shape, 0);
            // For each point, the set of instances holding its latest value.
            let mut model = vec![1u32; 64];
            for (slot, r0, rl, c0, cl, is_write) in ops {
                let rect = Rect::new(Point::new(&[r0, c0]), Point::new(&[(r0 + rl).min(8), (c0 + cl).min(8)]));
                if is_write {
                    v.write(&rect, slot);
                    for p in rect.points() {
                        model[(p[0] * 8 + p[1]) as usize] = 1 << slot;
                    }
                } else {
                    let copies = v.acquire(&rect, slot);
                    let mut covered = 0;
                    for c in &copies {
                        for p in c.rect.points() {
                            let m = &mut model[(p[0] * 8 + p[1]) as usize];
                            prop_assert!(*m & (1 << c.src) != 0, "copy from a stale instance");
                            prop_assert!(*m & (1 << c.dst) == 0, "copy of data already there");
                            *m |= 1 << c.dst;
                            covered += 1;
                        }
                    }
                    for p in rect.points() {
                        prop_assert!(model[(p[0] * 8 + p[1]) as usize] & (1 << slot) != 0);
                    }
                    prop_assert!(covered <= rect.volume());
                }
                for p in Rect::from_shape(&shape).points() {
                    prop_assert_eq!(v.valid_at(&p), model[(p[0] * 8 + p[1]) as usize]);
                }
                prop_assert!(v.len() <= 64);
            }
        }
    }
}
