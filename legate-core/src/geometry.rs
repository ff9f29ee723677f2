//! Points, rectangles and tilings of index spaces, with at most [`MAX_DIM`] dimensions.
//!
//! Everything here is `Copy` and allocation-free: it sits on the launch path.

use std::fmt;

/// The largest number of dimensions of a store.
pub const MAX_DIM: usize = 6;

/// A point of an index space of `dim` dimensions.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Point {
    dim: u8,
    coords: [i64; MAX_DIM],
}

impl Point {
    /// The point with the given coordinates.
    ///
    /// # Panics
    /// If there are more than [`MAX_DIM`] coordinates (callers check the rank first).
    pub fn new(coords: &[i64]) -> Self {
        assert!(coords.len() <= MAX_DIM, "at most {MAX_DIM} dimensions");
        let mut c = [0; MAX_DIM];
        c[..coords.len()].copy_from_slice(coords);
        Point {
            dim: coords.len() as u8,
            coords: c,
        }
    }

    /// The origin of a `dim`-dimensional space.
    pub fn zero(dim: usize) -> Self {
        Point::new(&[0; MAX_DIM][..dim])
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.dim as usize
    }

    /// The coordinates.
    pub fn coords(&self) -> &[i64] {
        &self.coords[..self.dim as usize]
    }

    /// The coordinates, mutably.
    pub fn coords_mut(&mut self) -> &mut [i64] {
        &mut self.coords[..self.dim as usize]
    }
}

impl std::ops::Index<usize> for Point {
    type Output = i64;
    fn index(&self, i: usize) -> &i64 {
        &self.coords()[i]
    }
}

impl std::ops::IndexMut<usize> for Point {
    fn index_mut(&mut self, i: usize) -> &mut i64 {
        &mut self.coords_mut()[i]
    }
}

impl fmt::Debug for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.coords())
    }
}

/// A half-open rectangle `[lo, hi)` of an index space. Empty when any `hi[d] <= lo[d]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// The first point inside.
    pub lo: Point,
    /// One past the last point inside, in every dimension.
    pub hi: Point,
}

impl Rect {
    /// The rectangle `[lo, hi)`.
    pub fn new(lo: Point, hi: Point) -> Self {
        debug_assert_eq!(lo.dim(), hi.dim());
        Rect { lo, hi }
    }

    /// The rectangle `[0, shape)`.
    pub fn from_shape(shape: &[u64]) -> Self {
        let mut hi = Point::zero(shape.len());
        for (d, &e) in shape.iter().enumerate() {
            hi[d] = e as i64;
        }
        Rect::new(Point::zero(shape.len()), hi)
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.lo.dim()
    }

    /// Extent along `d` (zero when empty).
    pub fn extent(&self, d: usize) -> u64 {
        (self.hi[d] - self.lo[d]).max(0) as u64
    }

    /// The extents of all dimensions.
    pub fn shape(&self) -> Vec<u64> {
        (0..self.dim()).map(|d| self.extent(d)).collect()
    }

    /// Number of points inside.
    pub fn volume(&self) -> u64 {
        (0..self.dim()).map(|d| self.extent(d)).product()
    }

    /// Whether the rectangle holds no point.
    pub fn is_empty(&self) -> bool {
        (0..self.dim()).any(|d| self.hi[d] <= self.lo[d])
    }

    /// The points in both rectangles (maybe empty).
    pub fn intersection(&self, other: &Rect) -> Rect {
        let mut r = *self;
        for d in 0..self.dim() {
            r.lo[d] = self.lo[d].max(other.lo[d]);
            r.hi[d] = self.hi[d].min(other.hi[d]);
        }
        r
    }

    /// Whether the two rectangles share a point.
    pub fn overlaps(&self, other: &Rect) -> bool {
        (0..self.dim()).all(|d| self.lo[d].max(other.lo[d]) < self.hi[d].min(other.hi[d]))
    }

    /// Whether every point of `other` is in `self` (an empty `other` is contained).
    pub fn contains_rect(&self, other: &Rect) -> bool {
        other.is_empty()
            || (0..self.dim()).all(|d| self.lo[d] <= other.lo[d] && other.hi[d] <= self.hi[d])
    }

    /// Whether `p` is inside.
    pub fn contains(&self, p: &Point) -> bool {
        (0..self.dim()).all(|d| self.lo[d] <= p[d] && p[d] < self.hi[d])
    }

    /// The points in row-major order.
    pub fn points(&self) -> RectPoints {
        RectPoints {
            rect: *self,
            next: if self.is_empty() { None } else { Some(self.lo) },
        }
    }
}

impl fmt::Debug for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:?}..{:?})", self.lo, self.hi)
    }
}

/// Iterator over the points of a rectangle, last dimension fastest.
pub struct RectPoints {
    rect: Rect,
    next: Option<Point>,
}

impl Iterator for RectPoints {
    type Item = Point;
    fn next(&mut self) -> Option<Point> {
        let cur = self.next?;
        let mut p = cur;
        let mut d = self.rect.dim();
        loop {
            if d == 0 {
                self.next = None;
                break;
            }
            d -= 1;
            p[d] += 1;
            if p[d] < self.rect.hi[d] {
                self.next = Some(p);
                break;
            }
            p[d] = self.rect.lo[d];
        }
        Some(cur)
    }
}

/// A regular tiling of `[0, shape)`: tile `c` covers `[c * tile, (c + 1) * tile) ∩ [0, shape)`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Tiling {
    /// Shape of the tiled space.
    pub shape: Vec<u64>,
    /// Extent of a tile in each dimension (at least 1).
    pub tile: Vec<u64>,
    /// Number of tiles in each dimension: the launch domain.
    pub colors: Vec<u64>,
}

impl Tiling {
    /// The tiling of `shape` into tiles of extent `tile`.
    pub fn new(shape: &[u64], tile: &[u64]) -> Self {
        let colors = shape
            .iter()
            .zip(tile)
            .map(|(&s, &t)| if s == 0 { 1 } else { s.div_ceil(t.max(1)) })
            .collect();
        Tiling {
            shape: shape.to_vec(),
            tile: tile.iter().map(|&t| t.max(1)).collect(),
            colors,
        }
    }

    /// The tiling with `colors[d]` near-equal tiles along each dimension. The colors are
    /// kept as given, so a short dimension may end with empty tiles: the tiling always
    /// matches the launch domain it was made for.
    pub fn with_colors(shape: &[u64], colors: &[u64]) -> Self {
        let tile: Vec<u64> = shape
            .iter()
            .zip(colors)
            .map(|(&s, &c)| s.div_ceil(c.max(1)).max(1))
            .collect();
        Tiling {
            shape: shape.to_vec(),
            tile,
            colors: colors.iter().map(|&c| c.max(1)).collect(),
        }
    }

    /// Number of tiles.
    pub fn num_colors(&self) -> u64 {
        self.colors.iter().product()
    }

    /// The rectangle of the tile of `color`.
    pub fn tile_rect(&self, color: &Point) -> Rect {
        let n = self.shape.len();
        let mut lo = Point::zero(n);
        let mut hi = Point::zero(n);
        for d in 0..n {
            let t = self.tile[d] as i64;
            let s = self.shape[d] as i64;
            // One tile along a dimension: every color sees all of it (a store aligned with
            // a launch that cuts a dimension this store may not be cut along).
            let c = if self.colors[d] == 1 { 0 } else { color[d] };
            lo[d] = (c * t).min(s);
            hi[d] = ((c + 1) * t).min(s);
        }
        Rect::new(lo, hi)
    }

    /// The launch domain `[0, colors)`.
    pub fn color_space(&self) -> Rect {
        Rect::from_shape(&self.colors)
    }
}

/// Splits `shape` into about `pieces` near-square tiles, never cutting a tile below
/// `min_volume` points and never splitting the dimensions where `splittable` is false.
/// Returns the number of tiles along each dimension.
pub fn choose_colors(shape: &[u64], pieces: u64, min_volume: u64, splittable: &[bool]) -> Vec<u64> {
    let n = shape.len();
    let mut colors = vec![1u64; n];
    let volume: u64 = shape.iter().product();
    if volume == 0 || n == 0 {
        return colors;
    }
    let max_pieces = (volume / min_volume.max(1)).max(1);
    let target = pieces.min(max_pieces).max(1);
    // Factor the target greedily: each prime factor splits the dimension whose tiles are
    // currently longest, which keeps tiles near-square (least surface for their volume).
    let mut remaining = target;
    let mut factors = Vec::new();
    let mut f = 2;
    while f * f <= remaining {
        while remaining % f == 0 {
            factors.push(f);
            remaining /= f;
        }
        f += 1;
    }
    if remaining > 1 {
        factors.push(remaining);
    }
    factors.sort_unstable_by(|a, b| b.cmp(a));
    for f in factors {
        let best = (0..n)
            .filter(|&d| splittable.get(d).copied().unwrap_or(true))
            .filter(|&d| shape[d] >= colors[d] * f)
            .max_by(|&a, &b| {
                let ta = shape[a] as f64 / colors[a] as f64;
                let tb = shape[b] as f64 / colors[b] as f64;
                ta.total_cmp(&tb).then(b.cmp(&a))
            });
        if let Some(d) = best {
            colors[d] *= f;
        }
    }
    colors
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rect_points_are_row_major() {
        let r = Rect::new(Point::new(&[1, 2]), Point::new(&[3, 4]));
        let pts: Vec<Vec<i64>> = r.points().map(|p| p.coords().to_vec()).collect();
        assert_eq!(pts, vec![vec![1, 2], vec![1, 3], vec![2, 2], vec![2, 3]]);
        assert_eq!(Rect::from_shape(&[0, 3]).points().count(), 0);
    }

    #[test]
    fn colors_prefer_square_tiles() {
        assert_eq!(
            choose_colors(&[1000, 1000], 4, 1, &[true, true]),
            vec![2, 2]
        );
        assert_eq!(choose_colors(&[1000, 10], 4, 1, &[true, true]), vec![4, 1]);
        assert_eq!(
            choose_colors(&[1000, 1000], 4, 1, &[false, true]),
            vec![1, 4]
        );
        // Never below the minimum piece volume.
        assert_eq!(choose_colors(&[100], 8, 50, &[true]), vec![2]);
        assert_eq!(choose_colors(&[10], 8, 1024, &[true]), vec![1]);
    }

    proptest! {
        #[test]
        fn tilings_cover_the_domain_without_overlap(
            shape in proptest::collection::vec(0u64..13, 1..4),
            pieces in 1u64..9,
            min in 1u64..20,
        ) {
            let splittable = vec![true; shape.len()];
            let colors = choose_colors(&shape, pieces, min, &splittable);
            prop_assert!(colors.iter().product::<u64>() <= pieces.max(1));
            let tiling = Tiling::with_colors(&shape, &colors);
            let domain = Rect::from_shape(&shape);
            let tiles: Vec<Rect> = tiling.color_space().points().map(|c| tiling.tile_rect(&c)).collect();
            let mut covered = 0;
            for (i, a) in tiles.iter().enumerate() {
                prop_assert!(domain.contains_rect(a));
                covered += a.volume();
                for b in &tiles[i + 1..] {
                    prop_assert!(!a.overlaps(b));
                }
            }
            prop_assert_eq!(covered, domain.volume());
            for p in domain.points() {
                prop_assert_eq!(tiles.iter().filter(|t| t.contains(&p)).count(), 1);
            }
        }
    }
}
