//! Partitions of a store over a launch domain: which piece each point task gets.

use std::sync::Arc;

use crate::geometry::{Point, Rect, Tiling};

/// How a store is cut over the colors of a launch domain. Pieces are rectangles of the
/// store's (view) coordinates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Partition {
    /// Every point sees the whole store.
    Replicate,
    /// A regular tiling: disjoint pieces that cover the store.
    Tiling(Tiling),
    /// A tiling whose pieces are grown by a halo (`low`, `high` per dimension), clipped to
    /// the store: pieces overlap, so only inputs use it.
    Bloat {
        /// The tiling grown.
        base: Tiling,
        /// Halo below each tile, per dimension.
        low: Vec<u64>,
        /// Halo above each tile, per dimension.
        high: Vec<u64>,
    },
    /// Pieces listed per color (row-major over the launch domain): images and manual
    /// partitions. Each piece is a list of disjoint rectangles; the task sees their
    /// bounding box, the dependence analysis the exact rectangles.
    Explicit(Arc<Vec<Vec<Rect>>>),
}

impl Partition {
    /// The rectangles of the piece of `color` for a store of `shape` in a launch domain.
    pub fn piece_rects(&self, shape: &[u64], color: &Point, domain: &Rect) -> Vec<Rect> {
        match self {
            Partition::Replicate => vec![Rect::from_shape(shape)],
            Partition::Tiling(t) => vec![t.tile_rect(color)],
            Partition::Bloat { base, low, high } => {
                let mut r = base.tile_rect(color);
                for d in 0..r.dim() {
                    r.lo[d] = (r.lo[d] - low[d] as i64).max(0);
                    r.hi[d] = (r.hi[d] + high[d] as i64).min(shape[d] as i64);
                }
                vec![r]
            }
            Partition::Explicit(pieces) => {
                let i = linearize(color, domain);
                pieces.get(i).cloned().unwrap_or_default()
            }
        }
    }

    /// The bounding rectangle of the piece of `color` (what the task body sees).
    pub fn piece(&self, shape: &[u64], color: &Point, domain: &Rect) -> Rect {
        match self {
            Partition::Replicate => Rect::from_shape(shape),
            Partition::Tiling(t) => t.tile_rect(color),
            _ => bounding(shape.len(), &self.piece_rects(shape, color, domain)),
        }
    }

    /// Whether a piece may be several rectangles (then only `piece_rects` is exact).
    pub(crate) fn has_multi_rect_pieces(&self) -> bool {
        matches!(self, Partition::Explicit(_))
    }

    /// Whether distinct colors always get disjoint pieces (required of outputs).
    pub fn is_disjoint(&self, num_colors: u64) -> bool {
        match self {
            Partition::Replicate => num_colors <= 1,
            Partition::Tiling(_) => true,
            Partition::Bloat { low, high, .. } => {
                num_colors <= 1 || low.iter().chain(high).all(|&h| h == 0)
            }
            Partition::Explicit(pieces) => {
                let all: Vec<(usize, &Rect)> = pieces
                    .iter()
                    .enumerate()
                    .flat_map(|(i, p)| p.iter().map(move |r| (i, r)))
                    .collect();
                all.iter()
                    .enumerate()
                    .all(|(k, (i, a))| all[k + 1..].iter().all(|(j, b)| i == j || !a.overlaps(b)))
            }
        }
    }
}

/// Row-major index of `color` in the launch domain.
pub(crate) fn linearize(color: &Point, domain: &Rect) -> usize {
    let mut idx = 0usize;
    for d in 0..domain.dim() {
        idx = idx * domain.extent(d) as usize + (color[d] - domain.lo[d]) as usize;
    }
    idx
}

/// The smallest rectangle holding all of `rects` (an empty rectangle if none).
pub(crate) fn bounding(dim: usize, rects: &[Rect]) -> Rect {
    let mut it = rects.iter().filter(|r| !r.is_empty());
    let Some(first) = it.next() else {
        return Rect::new(Point::zero(dim), Point::zero(dim));
    };
    let mut b = *first;
    for r in it {
        for d in 0..dim {
            b.lo[d] = b.lo[d].min(r.lo[d]);
            b.hi[d] = b.hi[d].max(r.hi[d]);
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bloated_pieces_are_clipped_halos() {
        let base = Tiling::with_colors(&[10], &[2]);
        let p = Partition::Bloat {
            base,
            low: vec![1],
            high: vec![1],
        };
        let dom = Rect::from_shape(&[2]);
        assert_eq!(
            p.piece(&[10], &Point::new(&[0]), &dom),
            Rect::new(Point::new(&[0]), Point::new(&[6]))
        );
        assert_eq!(
            p.piece(&[10], &Point::new(&[1]), &dom),
            Rect::new(Point::new(&[4]), Point::new(&[10]))
        );
        assert!(!p.is_disjoint(2));
        assert!(Partition::Tiling(Tiling::with_colors(&[10], &[2])).is_disjoint(2));
    }

    #[test]
    fn explicit_pieces_follow_row_major_colors() {
        let r = |a, b| Rect::new(Point::new(&[a]), Point::new(&[b]));
        let p = Partition::Explicit(Arc::new(vec![vec![r(0, 2), r(5, 6)], vec![r(2, 4)]]));
        let dom = Rect::from_shape(&[2]);
        assert_eq!(p.piece(&[6], &Point::new(&[0]), &dom), r(0, 6));
        assert_eq!(p.piece_rects(&[6], &Point::new(&[1]), &dom), vec![r(2, 4)]);
        assert!(p.is_disjoint(2));
    }
}
