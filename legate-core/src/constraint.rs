//! Partitioning constraints: what a library states about a launch instead of naming
//! partitions. See `solver_README.md` for how they are solved.

/// An argument of an [`AutoTask`](crate::AutoTask), as returned by `add_input` and friends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Variable(pub(crate) usize);

/// How the values of an image's source select the points of its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// Exactly the points named (the task sees their bounding box, the dependence analysis
    /// the exact runs of points).
    Exact,
    /// The range from the smallest to the largest value of each piece.
    MinMax,
    /// The range from the first to the last value of each piece (for sorted sources).
    FirstLast,
}

/// A partitioning constraint between the arguments of a launch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// Both are cut the same way: element `i` of one goes with element `i` of the other.
    Align(Variable, Variable),
    /// The dimensions listed (all when `None`) are not cut: every point sees all of them.
    Broadcast(Variable, Option<Vec<usize>>),
    /// `dst`'s pieces are the points named by the values in `src`'s pieces. A source with
    /// one more dimension than the destination, of extent 2 at the end, names ranges
    /// `[lo, hi)` instead of points.
    Image {
        /// The store whose values name points.
        src: Variable,
        /// The store cut by them.
        dst: Variable,
        /// How the points are collected.
        kind: ImageKind,
    },
    /// `b`'s pieces are `a`'s pieces scaled by `factors`.
    Scale {
        /// The scale factor per dimension.
        factors: Vec<u64>,
        /// The store partitioned first.
        a: Variable,
        /// The store whose pieces follow.
        b: Variable,
    },
    /// `b`'s pieces are `a`'s pieces grown by `low` below and `high` above (halos).
    Bloat {
        /// The store partitioned first.
        a: Variable,
        /// The store whose pieces follow (same shape as `a`).
        b: Variable,
        /// Halo below each piece, per dimension.
        low: Vec<u64>,
        /// Halo above each piece, per dimension.
        high: Vec<u64>,
    },
    /// Pieces of `v` are at least `extents` long in each dimension (unless the store is shorter).
    MinExtents(Variable, Vec<u64>),
}

/// `a` and `b` are partitioned alike.
///
/// ```
/// use legate_core::{align, Constraint};
/// # use legate_core::{Runtime, Type, TaskDef, TaskContext, TaskError};
/// # let rt = Runtime::with_cpus(1).unwrap();
/// # let lib = rt.create_library("doc.align").unwrap();
/// # lib.register_task(0, TaskDef::new("t").cpu(|_: &mut TaskContext<'_>| Ok::<(), TaskError>(()))).unwrap();
/// # let (x, y) = (rt.create_store(Type::Int32, &[8]).unwrap(), rt.create_store(Type::Int32, &[8]).unwrap());
/// let mut task = rt.create_auto_task(&lib, 0).unwrap();
/// let a = task.add_input(&x);
/// let b = task.add_output(&y);
/// task.add_constraint(align(a, b));
/// task.execute().unwrap();
/// ```
pub fn align(a: Variable, b: Variable) -> Constraint {
    Constraint::Align(a, b)
}

/// `v` is not cut along `dims` (along any dimension when `dims` is empty).
pub fn broadcast(v: Variable, dims: &[usize]) -> Constraint {
    Constraint::Broadcast(v, (!dims.is_empty()).then(|| dims.to_vec()))
}

/// `dst` is cut by the values of `src`.
pub fn image(src: Variable, dst: Variable, kind: ImageKind) -> Constraint {
    Constraint::Image { src, dst, kind }
}

/// `b`'s pieces are `a`'s scaled by `factors`.
pub fn scale(factors: &[u64], a: Variable, b: Variable) -> Constraint {
    Constraint::Scale {
        factors: factors.to_vec(),
        a,
        b,
    }
}

/// `b`'s pieces are `a`'s grown by a halo of `low` and `high`.
pub fn bloat(a: Variable, b: Variable, low: &[u64], high: &[u64]) -> Constraint {
    Constraint::Bloat {
        a,
        b,
        low: low.to_vec(),
        high: high.to_vec(),
    }
}

/// `v`'s pieces are at least `extents` long.
pub fn min_extents(v: Variable, extents: &[u64]) -> Constraint {
    Constraint::MinExtents(v, extents.to_vec())
}
