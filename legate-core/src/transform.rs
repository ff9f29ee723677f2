//! Views of a store, composed into one affine map onto its storage.
//!
//! Every view a `LogicalStore` supports (slices with any nonzero step, transposes, promoted
//! dimensions, projections, delinearizations and broadcasts) composes into a single
//! [`ViewMap`]: view point `y` maps to storage point `x` with
//! `x[d] = base[d] + Σ_{k: target(k) = d} stride(k) * y[k]`.
//!
//! From that map the runtime gets what a kernel needs ([`ViewMap::affine`]: an element offset
//! and strides), what dependence analysis needs ([`ViewMap::footprint`]: the exact storage
//! points a view rectangle touches) and what partitioning needs ([`ViewMap::preimage`]: the
//! view points that land in a storage rectangle).
//!
//! Footprints are exact, with one documented exception: a footprint that would need more
//! than 256 pieces is over-approximated (a bigger set, never a smaller one), which keeps
//! dependence analysis sound.

use crate::error::{Error, Result};
use crate::geometry::{Point, Rect, MAX_DIM};

/// Past this many pieces a footprint is over-approximated by bounding strided ranges.
const MAX_PIECES: u64 = 256;

/// How one dimension of a view maps to the storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewDim {
    /// Number of points of the view along this dimension.
    pub extent: u64,
    /// The storage dimension this dimension moves along; `None` for a broadcast or promoted
    /// dimension, whose points all map to the same storage points.
    pub target: Option<u8>,
    /// How far one step along this dimension moves in the target storage dimension
    /// (0 when `target` is `None`).
    pub stride: i64,
}

/// A view of a row-major storage: view point `y` maps to storage point `x` with
/// `x[d] = base[d] + Σ_{k: dims[k].target == Some(d)} dims[k].stride * y[k]`.
///
/// Built from [`ViewMap::identity`] by the view transforms, each of which returns a new map.
/// The maps built that way only ever send view points inside the view to storage points
/// inside the storage.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ViewMap {
    storage_shape: Vec<u64>,
    base: Vec<i64>,
    dims: Vec<ViewDim>,
}

fn axis_error(axis: usize, ndim: usize) -> Error {
    Error::AxisOutOfBounds {
        axis: i64::try_from(axis).unwrap_or(i64::MAX),
        ndim,
    }
}

fn invalid(what: impl Into<String>) -> Error {
    Error::InvalidArgument { what: what.into() }
}

/// Python's `slice(start, stop, step).indices(extent)`: the first index and the number of
/// indices. `step` is nonzero.
fn slice_indices(extent: u64, start: Option<i64>, stop: Option<i64>, step: i64) -> (i64, u64) {
    let n = i128::from(extent);
    let step = i128::from(step);
    let (lower, upper) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let clamp = |v: Option<i64>, default: i128| match v {
        None => default,
        Some(v) => {
            let v = i128::from(v);
            if v < 0 {
                (v + n).max(lower)
            } else {
                v.min(upper)
            }
        }
    };
    let first = clamp(start, if step > 0 { lower } else { upper });
    let end = clamp(stop, if step > 0 { upper } else { lower });
    let len = if step > 0 && end > first {
        (end - first - 1) / step + 1
    } else if step < 0 && first > end {
        (first - end - 1) / -step + 1
    } else {
        0
    };
    (first as i64, len as u64)
}

impl ViewMap {
    /// The view of the whole storage of shape `storage_shape`, dimension `k` on storage
    /// dimension `k`. The storage has at most [`MAX_DIM`] dimensions (callers check the rank).
    pub fn identity(storage_shape: &[u64]) -> ViewMap {
        debug_assert!(
            storage_shape.len() <= MAX_DIM,
            "at most {MAX_DIM} dimensions"
        );
        ViewMap {
            storage_shape: storage_shape.to_vec(),
            base: vec![0; storage_shape.len()],
            dims: storage_shape
                .iter()
                .enumerate()
                .map(|(d, &extent)| ViewDim {
                    extent,
                    target: Some(d as u8),
                    stride: 1,
                })
                .collect(),
        }
    }

    /// The whole view as a rectangle `[0, shape)`.
    pub fn rect(&self) -> Rect {
        let mut hi = crate::geometry::Point::zero(self.dims.len());
        for (k, d) in self.dims.iter().enumerate() {
            hi[k] = i64::try_from(d.extent).unwrap_or(i64::MAX);
        }
        Rect::new(crate::geometry::Point::zero(self.dims.len()), hi)
    }

    /// The extents of the view.
    pub fn shape(&self) -> Vec<u64> {
        self.dims.iter().map(|d| d.extent).collect()
    }

    /// Number of dimensions of the view.
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }

    /// The shape of the storage under the view.
    pub fn storage_shape(&self) -> &[u64] {
        &self.storage_shape
    }

    /// The storage point of the view origin, one coordinate per storage dimension.
    pub fn base(&self) -> &[i64] {
        &self.base
    }

    /// How each view dimension maps to the storage.
    pub fn dims(&self) -> &[ViewDim] {
        &self.dims
    }

    /// Whether the view is the whole storage, unchanged.
    pub fn is_identity(&self) -> bool {
        self.dims.len() == self.storage_shape.len()
            && self.base.iter().all(|&b| b == 0)
            && self.dims.iter().enumerate().all(|(k, d)| {
                d.extent == self.storage_shape[k] && d.target == Some(k as u8) && d.stride == 1
            })
    }

    fn dim(&self, dim: usize) -> Result<ViewDim> {
        self.dims
            .get(dim)
            .copied()
            .ok_or_else(|| axis_error(dim, self.ndim()))
    }

    /// NumPy slicing `[start:stop:step]` of view dimension `dim`: missing bounds take their
    /// NumPy defaults, negative bounds count from the end, and bounds past either end are
    /// clamped. The result may be empty. A zero `step` is an [`Error::InvalidArgument`].
    pub fn slice(
        &self,
        dim: usize,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    ) -> Result<ViewMap> {
        let old = self.dim(dim)?;
        if step == 0 {
            return Err(invalid("slice step cannot be zero"));
        }
        let (first, len) = slice_indices(old.extent, start, stop, step);
        let mut out = self.clone();
        out.dims[dim].extent = len;
        if let Some(t) = old.target {
            // An empty slice keeps the base where it was: no point of it is ever mapped.
            if len > 0 {
                out.base[t as usize] += old.stride * first;
            }
            // With fewer than two points the stride is never used: keeping it keeps a full
            // slice of a unit dimension equal to the identity.
            if len > 1 {
                out.dims[dim].stride = old
                    .stride
                    .checked_mul(step)
                    .ok_or_else(|| invalid(format!("slice step {step} overflows the stride")))?;
            }
        }
        Ok(out)
    }

    /// NumPy `transpose(axes)`: dimension `i` of the result is dimension `perm[i]` of this
    /// view. `perm` must be a permutation of `0..ndim`.
    pub fn transpose(&self, perm: &[usize]) -> Result<ViewMap> {
        let n = self.ndim();
        if perm.len() != n {
            return Err(invalid(format!(
                "transpose of {n} dimensions needs {n} axes, got {perm:?}"
            )));
        }
        let mut seen = [false; MAX_DIM];
        for &p in perm {
            if p >= n {
                return Err(axis_error(p, n));
            }
            if seen[p] {
                return Err(invalid(format!("repeated axis {p} in transpose {perm:?}")));
            }
            seen[p] = true;
        }
        let mut out = self.clone();
        out.dims = perm.iter().map(|&p| self.dims[p]).collect();
        Ok(out)
    }

    /// Inserts a new dimension of `extent` points at position `dim` (`0..=ndim`); all its
    /// points see the same storage points.
    pub fn promote(&self, dim: usize, extent: u64) -> Result<ViewMap> {
        let n = self.ndim();
        if dim > n {
            return Err(axis_error(dim, n + 1));
        }
        if n + 1 > MAX_DIM {
            return Err(invalid(format!(
                "promote would give {} dimensions, at most {MAX_DIM} are supported",
                n + 1
            )));
        }
        let mut out = self.clone();
        out.dims.insert(
            dim,
            ViewDim {
                extent,
                target: None,
                stride: 0,
            },
        );
        Ok(out)
    }

    /// Removes dimension `dim`, fixing it at `index` (negative counts from the end). An index
    /// outside the extent is an [`Error::IndexOutOfBounds`].
    pub fn project(&self, dim: usize, index: i64) -> Result<ViewMap> {
        let old = self.dim(dim)?;
        let extent = i128::from(old.extent);
        let mut i = i128::from(index);
        if i < 0 {
            i += extent;
        }
        if i < 0 || i >= extent {
            return Err(Error::IndexOutOfBounds {
                dim,
                index,
                extent: old.extent,
            });
        }
        let mut out = self.clone();
        if let Some(t) = old.target {
            out.base[t as usize] += old.stride * i as i64;
        }
        out.dims.remove(dim);
        Ok(out)
    }

    /// Splits dimension `dim` into dimensions of extents `shape`, row-major: the product of
    /// `shape` must be the extent of `dim` (else [`Error::ShapeMismatch`]).
    pub fn delinearize(&self, dim: usize, shape: &[u64]) -> Result<ViewMap> {
        let old = self.dim(dim)?;
        let n = self.ndim() - 1 + shape.len();
        if n > MAX_DIM {
            return Err(invalid(format!(
                "delinearize would give {n} dimensions, at most {MAX_DIM} are supported"
            )));
        }
        let product = if shape.contains(&0) {
            Some(0)
        } else {
            shape.iter().try_fold(1u64, |acc, &e| acc.checked_mul(e))
        };
        if product != Some(old.extent) {
            return Err(Error::ShapeMismatch {
                context: "delinearize",
                left: vec![old.extent],
                right: shape.to_vec(),
            });
        }
        let mut new_dims = Vec::with_capacity(shape.len());
        // Extents after dimension j; exact whenever the view is not empty.
        let mut inner = 1u64;
        for &e in shape.iter().rev() {
            let stride = match old.target {
                None => 0,
                Some(_) if old.extent == 0 => old.stride,
                Some(_) => i64::try_from(inner)
                    .ok()
                    .and_then(|i| old.stride.checked_mul(i))
                    .ok_or_else(|| invalid("delinearize overflows the stride"))?,
            };
            new_dims.push(ViewDim {
                extent: e,
                target: old.target,
                stride,
            });
            inner = inner.saturating_mul(e);
        }
        new_dims.reverse();
        let mut out = self.clone();
        out.dims.splice(dim..=dim, new_dims);
        Ok(out)
    }

    /// Stretches dimension `dim`, which must have extent 1 (else
    /// [`Error::InvalidArgument`]), to `extent` points that all see the same storage points.
    pub fn broadcast(&self, dim: usize, extent: u64) -> Result<ViewMap> {
        let old = self.dim(dim)?;
        if old.extent != 1 {
            return Err(invalid(format!(
                "only a dimension of extent 1 can be broadcast; dimension {dim} has extent {}",
                old.extent
            )));
        }
        let mut out = self.clone();
        out.dims[dim] = ViewDim {
            extent,
            target: None,
            stride: 0,
        };
        Ok(out)
    }

    /// The storage point of view point `p`, which must lie in the view (checked in debug
    /// builds).
    pub fn map_point(&self, p: &Point) -> Point {
        debug_assert_eq!(p.dim(), self.ndim(), "point of the wrong dimension");
        debug_assert!(
            self.dims
                .iter()
                .enumerate()
                .all(|(k, d)| 0 <= p[k] && (p[k] as u64) < d.extent),
            "point {p:?} outside the view of shape {:?}",
            self.shape()
        );
        let mut x = Point::new(&self.base);
        for (k, d) in self.dims.iter().enumerate() {
            if let Some(t) = d.target {
                x[t as usize] += d.stride * p[k];
            }
        }
        x
    }

    /// The element offset of the view origin in the row-major storage and the element stride
    /// of each view dimension (0 for broadcast dimensions): view point `y` is element
    /// `offset + Σ strides[k] * y[k]`. This is what an ndarray view or a kernel needs.
    pub fn affine(&self) -> (i64, Vec<i64>) {
        let n = self.storage_shape.len();
        let mut row_major = vec![1i64; n];
        for d in (0..n.saturating_sub(1)).rev() {
            row_major[d] = row_major[d + 1].wrapping_mul(self.storage_shape[d + 1] as i64);
        }
        let offset = self
            .base
            .iter()
            .zip(&row_major)
            .fold(0i64, |acc, (&b, &s)| acc.wrapping_add(b.wrapping_mul(s)));
        let strides = self
            .dims
            .iter()
            .map(|d| {
                d.target
                    .map_or(0, |t| d.stride.wrapping_mul(row_major[t as usize]))
            })
            .collect();
        (offset, strides)
    }

    /// The view rectangle `rect` cut to the view, as `(lo, hi)` per dimension; `None` when
    /// empty. A rectangle of the wrong dimension stands for the whole view, which errs on
    /// the big side.
    /// The footprint when no two view dimensions move along one storage dimension (no
    /// delinearized dimension): one strided rectangle, computed without allocating on the
    /// way. `None` sends the caller to the general path.
    fn footprint_one_to_one(&self, rect: &Rect) -> Option<Footprint> {
        let nd = self.storage_shape.len();
        if rect.dim() != self.dims.len() {
            return None;
        }
        let mut ranges = [StridedRange::new(0, 1, 1); MAX_DIM];
        for (d, r) in ranges.iter_mut().enumerate().take(nd) {
            *r = StridedRange::new(self.base[d], 1, 1);
        }
        let mut seen = [false; MAX_DIM];
        for (k, vd) in self.dims.iter().enumerate() {
            let extent = i64::try_from(vd.extent).ok()?;
            let (lo, hi) = (rect.lo[k].max(0), rect.hi[k].min(extent));
            if lo >= hi {
                return Some(Footprint::default());
            }
            let Some(t) = vd.target else { continue };
            let t = usize::from(t);
            if seen[t] {
                return None;
            }
            seen[t] = true;
            let first = self.base[t].checked_add(vd.stride.checked_mul(lo)?)?;
            ranges[t] = StridedRange::new(first, vd.stride, (hi - lo) as u64);
        }
        Some(Footprint {
            pieces: vec![StridedRect::new(&ranges[..nd])],
        })
    }

    fn clamp(&self, rect: &Rect) -> Option<Vec<(i64, i64)>> {
        debug_assert_eq!(rect.dim(), self.ndim(), "rectangle of the wrong dimension");
        let whole = rect.dim() != self.ndim();
        let mut out = Vec::with_capacity(self.ndim());
        for (k, d) in self.dims.iter().enumerate() {
            let extent = i64::try_from(d.extent).unwrap_or(i64::MAX);
            let (lo, hi) = if whole {
                (0, extent)
            } else {
                (rect.lo[k].max(0), rect.hi[k].min(extent))
            };
            if lo >= hi {
                return None;
            }
            out.push((lo, hi));
        }
        Some(out)
    }

    /// The exact set of storage points that the points of view rectangle `rect` map to.
    /// Points of `rect` outside the view are ignored. The footprint is exact unless it would
    /// take more than 256 pieces; then it is over-approximated by strided ranges that contain
    /// every point touched (sound for dependence analysis, never smaller than the truth).
    pub fn footprint(&self, rect: &Rect) -> Footprint {
        if let Some(fp) = self.footprint_one_to_one(rect) {
            return fp;
        }
        let Some(view) = self.clamp(rect) else {
            return Footprint::default();
        };
        let per_dim: Vec<DimValues> = (0..self.storage_shape.len())
            .map(|d| {
                let mut constant = i128::from(self.base[d]);
                let mut terms = Vec::new();
                for (k, vd) in self.dims.iter().enumerate() {
                    if vd.target != Some(d as u8) {
                        continue;
                    }
                    let (lo, hi) = (i128::from(view[k].0), i128::from(view[k].1));
                    let s = i128::from(vd.stride);
                    if hi - lo == 1 || s == 0 {
                        constant += s * lo;
                    } else if s > 0 {
                        constant += s * lo;
                        terms.push((s, hi - lo));
                    } else {
                        constant += s * (hi - 1);
                        terms.push((-s, hi - lo));
                    }
                }
                dim_values(constant, terms)
            })
            .collect();
        product_of_dims(per_dim)
    }

    /// The exact set of view points that map into storage rectangle `storage_rect`, as
    /// disjoint non-empty view rectangles. There are several only when a cut of the storage
    /// falls inside a row of delinearized dimensions.
    pub fn preimage(&self, storage_rect: &Rect) -> Vec<Rect> {
        debug_assert_eq!(
            storage_rect.dim(),
            self.storage_shape.len(),
            "storage rectangle of the wrong dimension"
        );
        if storage_rect.dim() != self.storage_shape.len() || self.dims.iter().any(|d| d.extent == 0)
        {
            return Vec::new();
        }
        let mut rects = vec![Rect::from_shape(&self.shape())];
        for d in 0..self.storage_shape.len() {
            let lo = i128::from(storage_rect.lo[d]) - i128::from(self.base[d]);
            let hi = i128::from(storage_rect.hi[d]) - i128::from(self.base[d]);
            let mut group: Vec<(usize, i128, i128)> = self
                .dims
                .iter()
                .enumerate()
                .filter(|(_, vd)| vd.target == Some(d as u8))
                .map(|(k, vd)| (k, i128::from(vd.stride), i128::from(vd.extent)))
                .collect();
            // Outermost (largest stride) first, so that a cut splits at most a few rows.
            group.sort_by_key(|&(k, s, _)| (std::cmp::Reverse(s.unsigned_abs()), k));
            let alternatives = solve_group(&group, lo, hi);
            if alternatives.is_empty() {
                return Vec::new();
            }
            let mut next = Vec::with_capacity(rects.len() * alternatives.len());
            for r in &rects {
                for alt in &alternatives {
                    let mut r = *r;
                    for (&(k, _, _), &(a, b)) in group.iter().zip(alt) {
                        r.lo[k] = a;
                        r.hi[k] = b;
                    }
                    next.push(r);
                }
            }
            rects = next;
        }
        rects
    }

    /// Whether two points of the view can map to the same storage point: a broadcast or
    /// promoted dimension with more than one point, a zero stride, or delinearized dimensions
    /// whose strides collide. Writers through such views must be rejected by the runtime.
    /// Conservative: answers `true` when it cannot prove the map one-to-one.
    pub fn has_aliasing(&self) -> bool {
        if self.dims.iter().any(|d| d.extent == 0) {
            return false;
        }
        if self
            .dims
            .iter()
            .any(|d| d.extent > 1 && (d.target.is_none() || d.stride == 0))
        {
            return true;
        }
        (0..self.storage_shape.len()).any(|t| {
            let mut group: Vec<(u128, u128)> = self
                .dims
                .iter()
                .filter(|d| d.target == Some(t as u8) && d.extent > 1)
                .map(|d| (u128::from(d.stride.unsigned_abs()), u128::from(d.extent)))
                .collect();
            group.sort_unstable();
            // Mixed radix (each stride beyond the span of the smaller ones) is one-to-one;
            // that is what every transform here produces.
            let mut span = 0u128;
            let mixed_radix = group.iter().all(|&(s, e)| {
                let ok = s > span;
                span = span.saturating_add(s.saturating_mul(e - 1));
                ok
            });
            !mixed_radix && !sums_are_distinct(&group)
        })
    }
}

/// Whether all sums `Σ j_i * s_i` (`0 <= j_i < e_i`) differ; `false` when too many to check.
fn sums_are_distinct(terms: &[(u128, u128)]) -> bool {
    let total = terms
        .iter()
        .try_fold(1u128, |acc, &(_, e)| acc.checked_mul(e));
    if total.is_none_or(|t| t > 1 << 16) {
        return false;
    }
    let mut sums = vec![0u128];
    for &(s, e) in terms {
        sums = sums
            .iter()
            .flat_map(|&b| (0..e).map(move |j| b + j * s))
            .collect();
    }
    let len = sums.len();
    sums.sort_unstable();
    sums.dedup();
    sums.len() == len
}

fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn ceil_div(a: i128, b: i128) -> i128 {
    -floor_div(-a, b)
}

/// The indices `y` in `0..e` with `a <= s * y <= b` (`s != 0`), as an inclusive range.
fn solve_linear(s: i128, a: i128, b: i128, e: i128) -> Option<(i128, i128)> {
    let (lo, hi) = if s > 0 {
        (ceil_div(a, s), floor_div(b, s))
    } else {
        (ceil_div(b, s), floor_div(a, s))
    };
    let (lo, hi) = (lo.max(0), hi.min(e - 1));
    (lo <= hi).then_some((lo, hi))
}

/// Boxes over some dimensions, as `(lo, hi)` per dimension.
type Boxes = Vec<Vec<(i64, i64)>>;

/// The points `y` of `Π [0, e_i)` (dims `(view dim, s_i, e_i)`, outermost first) with
/// `lo <= Σ s_i * y_i < hi`, as disjoint boxes given by their `(lo, hi)` per dimension.
///
/// Exact for any strides. For the mixed-radix strides the transforms produce, at most two
/// values of each index cut the inner dimensions, so the boxes stay few; strides that
/// collide (which no transform makes) may cost one box per value of an index.
fn solve_group(dims: &[(usize, i128, i128)], lo: i128, hi: i128) -> Boxes {
    let Some((&(_, s, e), rest)) = dims.split_first() else {
        return if lo <= 0 && 0 < hi {
            vec![Vec::new()]
        } else {
            Vec::new()
        };
    };
    let (imin, imax) = rest.iter().fold((0, 0), |(mn, mx), &(_, s, e)| {
        let span = s * (e - 1);
        (mn + span.min(0), mx + span.max(0))
    });
    let whole = |e: i128| (0, e as i64);
    if s == 0 {
        return solve_group(rest, lo, hi)
            .into_iter()
            .map(|mut v| {
                v.insert(0, whole(e));
                v
            })
            .collect();
    }
    // Values of the outer index whose block of inner sums meets [lo, hi) at all, and those
    // whose block lies inside it; only the blocks in between need the inner dimensions cut.
    let Some((tlo, thi)) = solve_linear(s, lo - imax, hi - 1 - imin, e) else {
        return Vec::new();
    };
    let inside = solve_linear(s, lo - imin, hi - 1 - imax, e);
    let mut blocks: Vec<(i128, i128, Boxes)> = Vec::new();
    let mut push = |ylo: i128, yhi: i128, inner: Boxes| {
        if inner.is_empty() {
            return;
        }
        if let Some(last) = blocks.last_mut() {
            if last.1 == ylo && last.2 == inner {
                last.1 = yhi;
                return;
            }
        }
        blocks.push((ylo, yhi, inner));
    };
    let (flo, fhi) = inside.unwrap_or((thi + 1, thi));
    for y in tlo..flo.min(thi + 1) {
        push(y, y + 1, solve_group(rest, lo - s * y, hi - s * y));
    }
    if flo <= fhi {
        let all_inner = vec![rest.iter().map(|&(_, _, e)| whole(e)).collect()];
        push(flo, fhi + 1, all_inner);
    }
    for y in (fhi + 1).max(flo)..=thi {
        push(y, y + 1, solve_group(rest, lo - s * y, hi - s * y));
    }
    let mut out = Vec::new();
    for (ylo, yhi, inner) in blocks {
        for alt in inner {
            let mut v = Vec::with_capacity(alt.len() + 1);
            v.push((ylo as i64, yhi as i64));
            v.extend(alt);
            out.push(v);
        }
    }
    out
}

/// The values one storage dimension takes: disjoint ranges, and one range containing them.
struct DimValues {
    pieces: Vec<StridedRange>,
    bound: StridedRange,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// The set `constant + Σ {0, s, 2s, ..., (e - 1) s}` over `terms` `(s, e)` (`s >= 1`,
/// `e >= 2`), as disjoint strided ranges (one bounding range past [`MAX_PIECES`]).
fn dim_values(constant: i128, mut terms: Vec<(i128, i128)>) -> DimValues {
    let range =
        |lo: i128, step: i128, count: i128| StridedRange::new(lo as i64, step as i64, count as u64);
    if terms.is_empty() {
        let r = range(constant, 1, 1);
        return DimValues {
            pieces: vec![r],
            bound: r,
        };
    }
    terms.sort_unstable();
    // Merge from the smallest step while the next progression only repeats or extends the
    // one so far (its step a multiple of ours, no gap between copies).
    let (step, mut count) = terms[0];
    let mut merged = 1;
    for &(s, e) in &terms[1..] {
        if s % step != 0 || s / step > count {
            break;
        }
        count += (s / step) * (e - 1);
        merged += 1;
    }
    let outer = &terms[merged..];
    let g = outer.iter().fold(step, |g, &(s, _)| gcd(g, s));
    let span = step * (count - 1) + outer.iter().map(|&(s, e)| s * (e - 1)).sum::<i128>();
    let bound = range(constant, g, span / g + 1);
    let copies = outer
        .iter()
        .try_fold(1i128, |acc, &(_, e)| acc.checked_mul(e))
        .filter(|&c| c <= i128::from(MAX_PIECES));
    if copies.is_none() {
        return DimValues {
            pieces: vec![bound],
            bound,
        };
    }
    let mut shifts = vec![0i128];
    for &(s, e) in outer {
        shifts = shifts
            .iter()
            .flat_map(|&b| (0..e).map(move |j| b + j * s))
            .collect();
    }
    // Copies of the merged progression with the same residue modulo its step overlap or abut
    // exactly when their index intervals do; other residues never meet.
    let mut keyed: Vec<(i128, i128)> = shifts
        .into_iter()
        .map(|sh| {
            let r = sh.rem_euclid(step);
            (r, (sh - r) / step)
        })
        .collect();
    keyed.sort_unstable();
    keyed.dedup();
    let mut pieces = Vec::new();
    let mut current: Option<(i128, i128, i128)> = None;
    for (r, idx) in keyed {
        match &mut current {
            Some((cr, _, end)) if *cr == r && idx <= *end => *end = (*end).max(idx + count),
            _ => {
                if let Some((cr, start, end)) = current {
                    pieces.push(range(constant + cr + start * step, step, end - start));
                }
                current = Some((r, idx, idx + count));
            }
        }
    }
    if let Some((cr, start, end)) = current {
        pieces.push(range(constant + cr + start * step, step, end - start));
    }
    DimValues { pieces, bound }
}

/// The product of the per-dimension value sets, coarsening the dimensions with most pieces
/// to their bounding range until at most [`MAX_PIECES`] pieces remain.
fn product_of_dims(mut per_dim: Vec<DimValues>) -> Footprint {
    loop {
        let total = per_dim
            .iter()
            .fold(1u64, |acc, d| acc.saturating_mul(d.pieces.len() as u64));
        if total <= MAX_PIECES {
            break;
        }
        if let Some(widest) = per_dim.iter_mut().max_by_key(|d| d.pieces.len()) {
            widest.pieces = vec![widest.bound];
        }
    }
    let mut rects: Vec<Vec<StridedRange>> = vec![Vec::new()];
    for d in &per_dim {
        rects = rects
            .iter()
            .flat_map(|prefix| {
                d.pieces.iter().map(move |r| {
                    let mut v = prefix.clone();
                    v.push(*r);
                    v
                })
            })
            .collect();
    }
    Footprint {
        pieces: rects
            .iter()
            .map(|ranges| StridedRect::new(ranges))
            .filter(|r| !r.is_empty())
            .collect(),
    }
}

/// An arithmetic progression of coordinates: `lo, lo + step, ..., lo + (count - 1) * step`.
///
/// Canonical form, which [`StridedRange::new`] produces and every range inside a
/// [`StridedRect`] has: `step >= 1`, and `step == 1` when `count <= 1`. Methods accept any
/// form and read it as the set of points above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StridedRange {
    /// The first point.
    pub lo: i64,
    /// Distance between consecutive points.
    pub step: i64,
    /// Number of points (0 for an empty range).
    pub count: u64,
}

impl StridedRange {
    /// The progression of `count` points from `lo` by `step`, in canonical form (a negative
    /// step starts from the other end; a zero step is a single point).
    pub fn new(lo: i64, step: i64, count: u64) -> Self {
        if count <= 1 || step == 0 {
            return StridedRange {
                lo,
                step: 1,
                count: count.min(1),
            };
        }
        if step > 0 {
            return StridedRange { lo, step, count };
        }
        let last = i128::from(lo) + i128::from(step) * i128::from(count - 1);
        StridedRange {
            lo: last as i64,
            step: step.checked_neg().unwrap_or(i64::MAX),
            count,
        }
    }

    fn canonical(&self) -> Self {
        StridedRange::new(self.lo, self.step, self.count)
    }

    /// Whether the range holds no point.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The last point, `None` when empty.
    pub fn last(&self) -> Option<i64> {
        (self.count > 0).then(|| {
            (i128::from(self.lo) + i128::from(self.step) * i128::from(self.count - 1)) as i64
        })
    }

    /// Whether `v` is one of the points.
    pub fn contains(&self, v: i64) -> bool {
        let r = self.canonical();
        let Some(last) = r.last() else {
            return false;
        };
        r.lo <= v && v <= last && (i128::from(v) - i128::from(r.lo)) % i128::from(r.step) == 0
    }

    /// Whether the two ranges share a point (exact).
    pub fn overlaps(&self, other: &StridedRange) -> bool {
        meet(&self.canonical(), &other.canonical()).is_some()
    }

    /// Whether every point of `other` is a point of `self` (exact; an empty `other` is).
    pub fn contains_range(&self, other: &StridedRange) -> bool {
        let (s, o) = (self.canonical(), other.canonical());
        match o.count {
            0 => true,
            1 => s.contains(o.lo),
            _ => {
                o.step % s.step == 0
                    && s.contains(o.lo)
                    && o.last().is_some_and(|last| s.contains(last))
            }
        }
    }
}

/// The inverse of `a` modulo `m` (`gcd(a, m) == 1`, `m >= 1`).
fn mod_inverse(a: i128, m: i128) -> i128 {
    let (mut old_r, mut r) = (a.rem_euclid(m), m);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    old_s.rem_euclid(m)
}

/// The common points of two canonical ranges: `(first, step, count)`, `None` when none.
fn meet(a: &StridedRange, b: &StridedRange) -> Option<(i128, i128, u128)> {
    let (a_last, b_last) = (a.last()?, b.last()?);
    let (a0, p) = (i128::from(a.lo), i128::from(a.step));
    let (b0, q) = (i128::from(b.lo), i128::from(b.step));
    let lo = a0.max(b0);
    let hi = i128::from(a_last).min(i128::from(b_last));
    if lo > hi {
        return None;
    }
    let g = gcd(p, q);
    if (b0 - a0) % g != 0 {
        return None;
    }
    // Chinese remaindering: x = a0 + p t with p t = b0 - a0 (mod q). All factors stay below
    // 2^64, so the products fit in i128.
    let (p_g, q_g) = (p / g, q / g);
    let t = ((b0 - a0) / g).rem_euclid(q_g) * mod_inverse(p_g, q_g) % q_g;
    let x = a0 + p * t;
    let lcm = p * q_g;
    let first = lo + (x - lo).rem_euclid(lcm);
    (first <= hi).then(|| (first, lcm, ((hi - first) / lcm + 1) as u128))
}

/// A product of strided ranges, one per storage dimension: the footprint of a view
/// rectangle whose dimensions each move along a different storage dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StridedRect {
    dim: u8,
    ranges: [StridedRange; MAX_DIM],
}

impl StridedRect {
    /// The product of `ranges`, each put in canonical form.
    ///
    /// # Panics
    /// If there are more than [`MAX_DIM`] ranges (callers check the rank first).
    pub fn new(ranges: &[StridedRange]) -> Self {
        assert!(ranges.len() <= MAX_DIM, "at most {MAX_DIM} dimensions");
        let mut r = [StridedRange::new(0, 1, 1); MAX_DIM];
        for (slot, range) in r.iter_mut().zip(ranges) {
            *slot = range.canonical();
        }
        StridedRect {
            dim: ranges.len() as u8,
            ranges: r,
        }
    }

    /// The dense rectangle `rect`.
    pub fn from_rect(rect: &Rect) -> Self {
        let ranges: Vec<StridedRange> = (0..rect.dim())
            .map(|d| StridedRange::new(rect.lo[d], 1, rect.extent(d)))
            .collect();
        StridedRect::new(&ranges)
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.dim as usize
    }

    /// The range of each dimension.
    pub fn ranges(&self) -> &[StridedRange] {
        &self.ranges[..self.dim as usize]
    }

    /// Whether the rectangle holds no point.
    pub fn is_empty(&self) -> bool {
        self.ranges().iter().any(|r| r.count == 0)
    }

    /// Number of points (saturating at `u64::MAX`).
    pub fn volume(&self) -> u64 {
        self.ranges()
            .iter()
            .fold(1u64, |acc, r| acc.saturating_mul(r.count))
    }

    /// The smallest dense rectangle holding every point (an empty one when empty).
    pub fn bounds(&self) -> Rect {
        let mut lo = Point::zero(self.dim());
        let mut hi = Point::zero(self.dim());
        let empty = self.is_empty();
        for (d, r) in self.ranges().iter().enumerate() {
            lo[d] = r.lo;
            hi[d] = match r.last() {
                Some(last) if !empty => last.saturating_add(1),
                _ => r.lo,
            };
        }
        Rect::new(lo, hi)
    }

    /// Whether the two rectangles share a point (exact).
    pub fn overlaps(&self, other: &StridedRect) -> bool {
        self.dim == other.dim
            && self
                .ranges()
                .iter()
                .zip(other.ranges())
                .all(|(a, b)| meet(a, b).is_some())
    }

    /// Whether every point of `other` is a point of `self` (exact; an empty `other` is).
    pub fn contains(&self, other: &StridedRect) -> bool {
        other.is_empty()
            || (self.dim == other.dim
                && self
                    .ranges()
                    .iter()
                    .zip(other.ranges())
                    .all(|(a, b)| a.contains_range(b)))
    }

    /// Whether `p` is one of the points.
    pub fn contains_point(&self, p: &Point) -> bool {
        p.dim() == self.dim()
            && self
                .ranges()
                .iter()
                .zip(p.coords())
                .all(|(r, &v)| r.contains(v))
    }

    /// Whether the points form a dense rectangle (every step 1 or at most one point; an
    /// empty rectangle is dense).
    pub fn is_dense(&self) -> bool {
        self.is_empty() || self.ranges().iter().all(|r| r.step == 1 || r.count <= 1)
    }

    /// Number of common points with `other`; `None` past `u128::MAX`.
    fn meet_volume(&self, other: &StridedRect) -> Option<u128> {
        if self.dim != other.dim {
            return Some(0);
        }
        let mut v = 1u128;
        for (a, b) in self.ranges().iter().zip(other.ranges()) {
            match meet(a, b) {
                None => return Some(0),
                Some((_, _, c)) => v = v.checked_mul(c)?,
            }
        }
        Some(v)
    }
}

/// A union of disjoint non-empty [`StridedRect`]s: the exact set of storage points a view
/// rectangle touches. Most footprints are one piece.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Footprint {
    pieces: Vec<StridedRect>,
}

impl Footprint {
    /// The points of the dense rectangle `rect`.
    pub fn from_rect(rect: &Rect) -> Self {
        let piece = StridedRect::from_rect(rect);
        Footprint {
            pieces: if piece.is_empty() {
                Vec::new()
            } else {
                vec![piece]
            },
        }
    }

    /// The disjoint, non-empty pieces.
    pub fn pieces(&self) -> &[StridedRect] {
        &self.pieces
    }

    /// Adds the pieces of `other`, which the caller knows to be disjoint from these (the
    /// footprints of disjoint view rectangles through a view whose points do not alias).
    pub fn union_disjoint(mut self, other: Footprint) -> Footprint {
        self.pieces.extend(other.pieces);
        self
    }

    /// Whether the footprint holds no point.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Number of points (saturating at `u64::MAX`).
    pub fn volume(&self) -> u64 {
        self.pieces
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.volume()))
    }

    /// The smallest dense rectangle holding every point; `None` when empty.
    pub fn bounds(&self) -> Option<Rect> {
        let mut pieces = self.pieces.iter().map(StridedRect::bounds);
        let first = pieces.next()?;
        Some(pieces.fold(first, |mut acc, b| {
            for d in 0..acc.dim() {
                acc.lo[d] = acc.lo[d].min(b.lo[d]);
                acc.hi[d] = acc.hi[d].max(b.hi[d]);
            }
            acc
        }))
    }

    /// Whether the two footprints share a point (exact).
    pub fn overlaps(&self, other: &Footprint) -> bool {
        self.pieces
            .iter()
            .any(|a| other.pieces.iter().any(|b| a.overlaps(b)))
    }

    /// Whether every point of `other` is a point of `self`. Exact: the pieces of `self` are
    /// disjoint, so a piece of `other` is covered when its common points with them add up to
    /// its volume. Answers a conservative `false` only for pieces of more than `u128::MAX`
    /// points.
    pub fn contains(&self, other: &Footprint) -> bool {
        other.pieces.iter().all(|p| {
            if self.pieces.iter().any(|s| s.contains(p)) {
                return true;
            }
            let Some(volume) = p
                .ranges()
                .iter()
                .try_fold(1u128, |acc, r| acc.checked_mul(u128::from(r.count)))
            else {
                return false;
            };
            let mut covered = 0u128;
            for s in &self.pieces {
                match s.meet_volume(p) {
                    Some(v) => covered += v,
                    None => return false,
                }
            }
            covered == volume
        })
    }

    /// Whether `p` is one of the points.
    pub fn contains_point(&self, p: &Point) -> bool {
        self.pieces.iter().any(|r| r.contains_point(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn rect(lo: &[i64], hi: &[i64]) -> Rect {
        Rect::new(Point::new(lo), Point::new(hi))
    }

    fn strided_points(r: &StridedRect) -> Vec<Vec<i64>> {
        let mut out = vec![Vec::new()];
        for range in r.ranges() {
            out = out
                .iter()
                .flat_map(|prefix| {
                    (0..range.count as i64).map(move |i| {
                        let mut v = prefix.clone();
                        v.push(range.lo + i * range.step);
                        v
                    })
                })
                .collect();
        }
        out
    }

    fn footprint_points(f: &Footprint) -> Vec<Vec<i64>> {
        f.pieces().iter().flat_map(strided_points).collect()
    }

    /// CPython's `slice.indices` followed by `list(range(...))`, written independently.
    fn python_slice(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<i64> {
        let adjust = |v: i64, lo: i64, hi: i64| {
            if v < 0 {
                let v = v + n;
                if v < lo {
                    lo
                } else {
                    v
                }
            } else if v > hi {
                hi
            } else {
                v
            }
        };
        let (start, stop) = if step > 0 {
            (
                start.map_or(0, |s| adjust(s, 0, n)),
                stop.map_or(n, |s| adjust(s, 0, n)),
            )
        } else {
            (
                start.map_or(n - 1, |s| adjust(s, -1, n - 1)),
                stop.map_or(-1, |s| adjust(s, -1, n - 1)),
            )
        };
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            out.push(i);
            i += step;
        }
        out
    }

    #[derive(Clone, Debug)]
    enum Op {
        Slice(usize, Option<i64>, Option<i64>, i64),
        Transpose(u64),
        Promote(usize, u64),
        Project(usize, i64),
        Delinearize(usize, u64),
        Broadcast(usize, u64),
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (
                any::<usize>(),
                proptest::option::of(-9i64..9),
                proptest::option::of(-9i64..9),
                prop_oneof![-3i64..0, 1i64..4]
            )
                .prop_map(|(d, a, b, s)| Op::Slice(d, a, b, s)),
            1 => any::<u64>().prop_map(Op::Transpose),
            1 => (any::<usize>(), 0u64..4).prop_map(|(d, e)| Op::Promote(d, e)),
            1 => (any::<usize>(), any::<i64>()).prop_map(|(d, i)| Op::Project(d, i)),
            3 => (any::<usize>(), any::<u64>()).prop_map(|(d, r)| Op::Delinearize(d, r)),
            1 => (any::<usize>(), 0u64..4).prop_map(|(d, e)| Op::Broadcast(d, e)),
        ]
    }

    /// Applies `op` with its raw parameters fitted to `v`; `None` when it does not apply.
    fn apply(v: &ViewMap, op: &Op) -> Option<ViewMap> {
        let n = v.ndim();
        let shape = v.shape();
        Some(match *op {
            Op::Slice(d, a, b, s) if n > 0 => v.slice(d % n, a, b, s).unwrap(),
            Op::Transpose(raw) if n > 0 => {
                let mut left: Vec<usize> = (0..n).collect();
                let mut raw = raw;
                let mut perm = Vec::new();
                while !left.is_empty() {
                    let i = (raw % left.len() as u64) as usize;
                    raw /= left.len() as u64;
                    perm.push(left.remove(i));
                }
                v.transpose(&perm).unwrap()
            }
            Op::Promote(d, e) if n < 4 => v.promote(d % (n + 1), e).unwrap(),
            Op::Project(d, i) if n > 0 && shape[d % n] > 0 => {
                let e = shape[d % n] as i64;
                v.project(d % n, i.rem_euclid(2 * e) - e).unwrap()
            }
            Op::Delinearize(d, raw) if n > 0 && n < 4 => {
                let e = shape[d % n];
                let split = if e == 0 {
                    if raw % 2 == 0 {
                        vec![0, raw % 3]
                    } else {
                        vec![raw % 3, 0]
                    }
                } else {
                    // Prefer a split into two real factors when there is one.
                    let mut divisors: Vec<u64> = (2..e).filter(|f| e % f == 0).collect();
                    if divisors.is_empty() || raw % 4 == 0 {
                        divisors.extend([1, e]);
                    }
                    let f = divisors[(raw % divisors.len() as u64) as usize];
                    vec![f, e / f]
                };
                v.delinearize(d % n, &split).unwrap()
            }
            Op::Broadcast(d, e) => {
                let ones: Vec<usize> = (0..n).filter(|&k| shape[k] == 1).collect();
                if ones.is_empty() {
                    return None;
                }
                v.broadcast(ones[d % ones.len()], e).unwrap()
            }
            _ => return None,
        })
    }

    /// A random stack of transforms over a random storage of at most 3 dimensions of
    /// extent at most 7. Half the stacks start by splitting a dimension of extent 4 or 6 into
    /// two real factors: the case where footprints and preimages come in several pieces.
    fn arb_view() -> impl Strategy<Value = ViewMap> {
        (
            proptest::collection::vec(prop_oneof![0u64..8, Just(4), Just(6)], 0..4),
            proptest::option::of((any::<usize>(), any::<bool>(), any::<bool>())),
            proptest::collection::vec(arb_op(), 0..7),
        )
            .prop_map(|(mut shape, split, ops)| {
                let mut first = None;
                if let (Some((d, six, wide)), false) = (split, shape.is_empty()) {
                    let d = d % shape.len();
                    shape[d] = if six { 6 } else { 4 };
                    let f = if six && wide { 3 } else { 2 };
                    first = Some((d, [f, shape[d] / f]));
                }
                let mut v = ViewMap::identity(&shape);
                if let Some((d, factors)) = first {
                    v = v.delinearize(d, &factors).unwrap();
                }
                for op in &ops {
                    if let Some(next) = apply(&v, op) {
                        v = next;
                    }
                }
                v
            })
    }

    /// A rectangle inside `[0, shape)`, from raw seeds; empty only when the view is.
    fn rect_in(shape: &[u64], seeds: &[u64]) -> Rect {
        let mut lo = Point::zero(shape.len());
        let mut hi = Point::zero(shape.len());
        for (d, &e) in shape.iter().enumerate() {
            if e == 0 {
                continue;
            }
            // A third of the bounds sit on the edges of the view, so that rectangles spanning
            // several rows of a delinearized dimension are common.
            let (a, b) = (seeds[2 * d], seeds[2 * d + 1]);
            let l = if a % 3 == 0 { 0 } else { (a / 3) % e };
            let h = if b % 3 == 0 {
                e
            } else {
                l + 1 + (b / 3) % (e - l)
            };
            lo[d] = l as i64;
            hi[d] = h as i64;
        }
        Rect::new(lo, hi)
    }

    /// A rectangle around `[0, shape)`, possibly sticking out of it, from raw seeds.
    fn rect_around(shape: &[u64], seeds: &[u64]) -> Rect {
        let mut lo = Point::zero(shape.len());
        let mut hi = Point::zero(shape.len());
        for (d, &e) in shape.iter().enumerate() {
            let l = (seeds[2 * d] % (e + 3)) as i64 - 1;
            lo[d] = l;
            hi[d] = l + (seeds[2 * d + 1] % (e + 3)) as i64;
        }
        Rect::new(lo, hi)
    }

    fn view_points(v: &ViewMap) -> impl Iterator<Item = Point> {
        Rect::from_shape(&v.shape()).points()
    }

    fn arb_range() -> impl Strategy<Value = StridedRange> {
        (-6i64..6, -4i64..5, 0u64..5)
            .prop_map(|(lo, step, count)| StridedRange::new(lo, step, count))
    }

    /// Two strided rectangles of the same dimension (1 or 2).
    fn arb_strided_pair() -> impl Strategy<Value = (StridedRect, StridedRect)> {
        (1usize..3).prop_flat_map(|n| {
            let one = move || {
                proptest::collection::vec(arb_range(), n).prop_map(|r| StridedRect::new(&r))
            };
            (one(), one())
        })
    }

    fn points_in_box(n: usize) -> Vec<Point> {
        let lo = Point::new(&vec![-25; n]);
        let hi = Point::new(&vec![25; n]);
        Rect::new(lo, hi).points().collect()
    }

    /// Footprint of `r` through `v` against brute force: the same points, disjoint pieces.
    fn check_footprint(v: &ViewMap, r: &Rect) -> std::result::Result<(), TestCaseError> {
        let expected: BTreeSet<Vec<i64>> = r
            .points()
            .map(|p| v.map_point(&p).coords().to_vec())
            .collect();
        let f = v.footprint(r);
        let got = footprint_points(&f);
        prop_assert_eq!(got.len() as u64, f.volume());
        let got_set: BTreeSet<Vec<i64>> = got.iter().cloned().collect();
        prop_assert_eq!(got_set.len(), got.len(), "pieces overlap: {:?}", f);
        prop_assert_eq!(&got_set, &expected, "view {:?} rect {:?}: {:?}", v, r, f);
        prop_assert!(f.pieces().iter().all(|p| !p.is_empty()));
        let storage = Footprint::from_rect(&Rect::from_shape(v.storage_shape()));
        prop_assert!(storage.contains(&f));
        if let Some(b) = f.bounds() {
            prop_assert!(expected.iter().all(|x| b.contains(&Point::new(x))));
        }
        Ok(())
    }

    /// Preimage of `s` through `v` against brute force: the same points, disjoint rectangles.
    fn check_preimage(v: &ViewMap, s: &Rect) -> std::result::Result<(), TestCaseError> {
        let pre = v.preimage(s);
        let view = Rect::from_shape(&v.shape());
        let expected: BTreeSet<Vec<i64>> = view
            .points()
            .filter(|p| s.contains(&v.map_point(p)))
            .map(|p| p.coords().to_vec())
            .collect();
        let mut got = BTreeSet::new();
        let mut count = 0;
        for r in &pre {
            prop_assert!(
                !r.is_empty() && view.contains_rect(r),
                "{:?} outside {:?}",
                r,
                view
            );
            for p in r.points() {
                got.insert(p.coords().to_vec());
                count += 1;
            }
        }
        prop_assert_eq!(count, got.len(), "preimage rects overlap: {:?}", pre);
        prop_assert_eq!(
            &got,
            &expected,
            "view {:?} storage rect {:?}: {:?}",
            v,
            s,
            pre
        );
        Ok(())
    }

    #[test]
    fn identity_maps_points_to_themselves() {
        let v = ViewMap::identity(&[3, 4]);
        assert!(v.is_identity());
        assert_eq!(v.map_point(&Point::new(&[2, 1])), Point::new(&[2, 1]));
        assert_eq!(v.affine(), (0, vec![4, 1]));
        assert!(!v.has_aliasing());
        let full = v.slice(0, None, None, 1).unwrap();
        assert!(full.is_identity());
    }

    #[test]
    fn transpose_swaps_strides() {
        let v = ViewMap::identity(&[3, 4]).transpose(&[1, 0]).unwrap();
        assert_eq!(v.shape(), vec![4, 3]);
        assert_eq!(v.affine(), (0, vec![1, 4]));
        assert_eq!(v.map_point(&Point::new(&[3, 2])), Point::new(&[2, 3]));
    }

    #[test]
    fn reversed_slices_start_at_the_end() {
        let v = ViewMap::identity(&[10]).slice(0, None, None, -3).unwrap();
        assert_eq!(v.shape(), vec![4]);
        assert_eq!(v.affine(), (9, vec![-3]));
        let f = v.footprint(&Rect::from_shape(&[4]));
        assert_eq!(
            f.pieces(),
            &[StridedRect::new(&[StridedRange::new(0, 3, 4)])]
        );
    }

    #[test]
    fn bad_arguments_are_rejected_with_structured_errors() {
        let v = ViewMap::identity(&[2, 6]);
        assert!(matches!(
            v.slice(0, None, None, 0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            v.slice(2, None, None, 1),
            Err(Error::AxisOutOfBounds { axis: 2, ndim: 2 })
        ));
        assert!(matches!(
            v.project(1, 6),
            Err(Error::IndexOutOfBounds {
                dim: 1,
                index: 6,
                extent: 6
            })
        ));
        assert!(matches!(
            v.project(1, -7),
            Err(Error::IndexOutOfBounds { .. })
        ));
        assert_eq!(v.project(1, -1).unwrap().base(), &[0, 5]);
        assert!(matches!(
            v.delinearize(1, &[4, 2]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            v.broadcast(0, 3),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            v.transpose(&[0, 0]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            v.transpose(&[0, 2]),
            Err(Error::AxisOutOfBounds { .. })
        ));
        assert!(matches!(
            v.transpose(&[0]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            v.promote(3, 1),
            Err(Error::AxisOutOfBounds { .. })
        ));
        let deep = ViewMap::identity(&[1; MAX_DIM]);
        assert!(matches!(
            deep.promote(0, 1),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            deep.delinearize(0, &[1, 1]),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn broadcast_views_alias() {
        let v = ViewMap::identity(&[1, 4]).broadcast(0, 3).unwrap();
        assert!(v.has_aliasing());
        assert_eq!(v.affine(), (0, vec![0, 1]));
        let p = ViewMap::identity(&[4]).promote(0, 1).unwrap();
        assert!(!p.has_aliasing());
        assert!(p.promote(0, 2).unwrap().has_aliasing());
    }

    #[test]
    fn cut_rows_of_delinearized_dims_give_several_pieces() {
        // 12 elements seen as 3 rows of 4; the middle two columns of each row.
        let v = ViewMap::identity(&[12])
            .delinearize(0, &[3, 4])
            .unwrap()
            .slice(1, Some(1), Some(3), 1)
            .unwrap();
        let f = v.footprint(&Rect::from_shape(&[3, 2]));
        assert_eq!(f.pieces().len(), 3);
        assert_eq!(f.volume(), 6);
        assert_eq!(f.bounds(), Some(rect(&[1], &[11])));
        // Whole rows merge into one range.
        let rows = ViewMap::identity(&[12]).delinearize(0, &[3, 4]).unwrap();
        let f = rows.footprint(&rect(&[1, 0], &[3, 4]));
        assert_eq!(f, Footprint::from_rect(&rect(&[4], &[12])));
        // Storage [2, 9) cuts the first and the last row it touches.
        let pre = rows.preimage(&rect(&[2], &[9]));
        assert_eq!(
            pre,
            vec![
                rect(&[0, 2], &[1, 4]),
                rect(&[1, 0], &[2, 4]),
                rect(&[2, 0], &[3, 1])
            ]
        );
    }

    #[test]
    fn footprints_past_the_piece_limit_are_overapproximated() {
        // 512 rows of 4, two columns each: 512 pieces exactly, so the bound is used.
        let v = ViewMap::identity(&[2048])
            .delinearize(0, &[512, 4])
            .unwrap()
            .slice(1, None, Some(2), 1)
            .unwrap();
        let f = v.footprint(&Rect::from_shape(&[512, 2]));
        assert!(f.pieces().len() as u64 <= MAX_PIECES);
        for p in Rect::from_shape(&[512, 2]).points() {
            assert!(f.contains_point(&v.map_point(&p)));
        }
        assert!(f.volume() >= 1024);
    }

    #[test]
    fn empty_rects_have_empty_footprints() {
        let v = ViewMap::identity(&[4, 4]);
        assert!(v.footprint(&rect(&[1, 2], &[1, 4])).is_empty());
        assert!(v.footprint(&rect(&[0, 0], &[4, 4])).volume() == 16);
        assert_eq!(v.footprint(&rect(&[-3, 2], &[9, 3])).volume(), 4);
        assert!(v.preimage(&rect(&[1, 4], &[3, 9])).is_empty());
    }

    #[test]
    fn zero_dimensional_views_touch_one_point() {
        let v = ViewMap::identity(&[5]).project(0, 3).unwrap();
        assert_eq!(v.ndim(), 0);
        assert_eq!(v.affine(), (3, vec![]));
        let f = v.footprint(&Rect::from_shape(&[]));
        assert_eq!(f, Footprint::from_rect(&rect(&[3], &[4])));
        assert_eq!(v.preimage(&rect(&[0], &[4])), vec![Rect::from_shape(&[])]);
        assert!(v.preimage(&rect(&[0], &[3])).is_empty());
    }

    #[test]
    fn footprint_containment_sees_unions() {
        let halves = Footprint {
            pieces: vec![
                StridedRect::new(&[StridedRange::new(0, 2, 5)]),
                StridedRect::new(&[StridedRange::new(1, 2, 5)]),
            ],
        };
        assert!(halves.contains(&Footprint::from_rect(&rect(&[0], &[10]))));
        assert!(!halves.contains(&Footprint::from_rect(&rect(&[0], &[11]))));
        assert!(halves.contains(&Footprint::default()));
    }

    proptest! {
        // Cheap cases: run enough of them to reach the rarer shapes (rows cut several times).
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn footprints_are_exact_for_random_views(
            v in arb_view(),
            seeds in proptest::collection::vec(any::<u64>(), 2 * MAX_DIM),
        ) {
            check_footprint(&v, &rect_in(&v.shape(), &seeds))?;
        }

        #[test]
        fn preimages_are_exact_for_random_views(
            v in arb_view(),
            seeds in proptest::collection::vec(any::<u64>(), 2 * MAX_DIM),
        ) {
            check_preimage(&v, &rect_around(v.storage_shape(), &seeds))?;
        }

        #[test]
        fn footprints_and_preimages_are_exact_across_cut_rows(
            rows in 2u64..6,
            cols in 2u64..7,
            inner in (proptest::option::of(-7i64..7), proptest::option::of(-7i64..7), prop_oneof![-3i64..0, 1i64..4]),
            outer in (proptest::option::of(-7i64..7), proptest::option::of(-7i64..7), prop_oneof![-2i64..0, 1i64..3]),
            seeds in proptest::collection::vec(any::<u64>(), 4 * MAX_DIM),
        ) {
            // Storage rows*cols seen as rows of cols, both dimensions sliced: the shape where
            // footprints and preimages come in several pieces.
            let v = ViewMap::identity(&[2, rows * cols])
                .delinearize(1, &[rows, cols])
                .unwrap()
                .slice(2, inner.0, inner.1, inner.2)
                .unwrap()
                .slice(1, outer.0, outer.1, outer.2)
                .unwrap();
            check_footprint(&v, &rect_in(&v.shape(), &seeds[..2 * MAX_DIM]))?;
            check_preimage(&v, &rect_around(v.storage_shape(), &seeds[2 * MAX_DIM..]))?;
        }

        #[test]
        fn affine_offsets_are_row_major_indices(v in arb_view()) {
            let (offset, strides) = v.affine();
            prop_assert_eq!(strides.len(), v.ndim());
            let shape = v.storage_shape();
            for p in view_points(&v) {
                let x = v.map_point(&p);
                for d in 0..shape.len() {
                    prop_assert!(0 <= x[d] && (x[d] as u64) < shape[d]);
                }
                let linear = (0..shape.len()).fold(0i64, |acc, d| acc * shape[d] as i64 + x[d]);
                let affine = offset + (0..v.ndim()).map(|k| strides[k] * p[k]).sum::<i64>();
                prop_assert_eq!(affine, linear);
            }
        }

        #[test]
        fn aliasing_is_detected_exactly_for_random_views(v in arb_view()) {
            let mut seen = BTreeSet::new();
            let mut repeated = false;
            for p in view_points(&v) {
                repeated |= !seen.insert(v.map_point(&p).coords().to_vec());
            }
            prop_assert_eq!(v.has_aliasing(), repeated, "view {:?}", v);
        }

        #[test]
        fn slices_follow_numpy(
            v in arb_view(),
            d in any::<usize>(),
            start in proptest::option::of(-12i64..12),
            stop in proptest::option::of(-12i64..12),
            step in prop_oneof![-4i64..0, 1i64..5],
        ) {
            let v = if v.ndim() == 0 { v.promote(0, 5).unwrap() } else { v };
            let d = d % v.ndim();
            let s = v.slice(d, start, stop, step).unwrap();
            let indices = python_slice(v.shape()[d] as i64, start, stop, step);
            let mut shape = v.shape();
            shape[d] = indices.len() as u64;
            prop_assert_eq!(s.shape(), shape);
            for p in view_points(&s) {
                let mut q = p;
                q[d] = indices[p[d] as usize];
                prop_assert_eq!(s.map_point(&p), v.map_point(&q));
            }
        }

        #[test]
        fn strided_overlap_and_containment_match_brute_force(
            (a, b) in arb_strided_pair(),
        ) {
            let pa: BTreeSet<Vec<i64>> = strided_points(&a).into_iter().collect();
            let pb: BTreeSet<Vec<i64>> = strided_points(&b).into_iter().collect();
            prop_assert_eq!(a.overlaps(&b), !pa.is_disjoint(&pb));
            prop_assert_eq!(a.contains(&b), pb.is_subset(&pa));
            prop_assert_eq!(a.volume(), pa.len() as u64);
            for p in points_in_box(a.dim()) {
                prop_assert_eq!(a.contains_point(&p), pa.contains(p.coords()));
            }
            prop_assert_eq!(a.is_dense(), {
                let bounds = a.bounds();
                bounds.volume() == pa.len() as u64
            });
        }

        #[test]
        fn footprint_containment_matches_brute_force(
            v in arb_view(),
            seeds in proptest::collection::vec(any::<u64>(), 4 * MAX_DIM),
        ) {
            let a = v.footprint(&rect_in(&v.shape(), &seeds[..2 * MAX_DIM]));
            let b = v.footprint(&rect_in(&v.shape(), &seeds[2 * MAX_DIM..]));
            let pa: BTreeSet<Vec<i64>> = footprint_points(&a).into_iter().collect();
            let pb: BTreeSet<Vec<i64>> = footprint_points(&b).into_iter().collect();
            prop_assert_eq!(a.contains(&b), pb.is_subset(&pa));
            prop_assert_eq!(a.overlaps(&b), !pa.is_disjoint(&pb));
        }
    }
}
