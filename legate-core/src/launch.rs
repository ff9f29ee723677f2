//! Launches: auto-tasks (the runtime partitions), manual tasks (the library does), their
//! analysis into point tasks and the execution of one point.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use legate_mapper::{MemoryKind, StoreInfo, TaskInfo, VariantKind};

use crate::analysis::{KeyPartition, Privilege};
use crate::coherence::CopyRequest;
use crate::constraint::{Constraint, ImageKind, Variable};
use crate::error::{Error, Result};
use crate::geometry::{choose_colors, Point, Rect, Tiling};
use crate::memory::{Buffer, MemoryPool};
#[cfg(test)]
use crate::partition::linearize;
use crate::partition::{bounding, Partition};
use crate::profile::NodeKind;
use crate::reduction::{self, ReductionOp};
use crate::replication::{self, Placement};
use crate::runtime::{IssueState, Runtime, Shared};
use crate::scheduler::{TaskNode, WorkerGroup, WorkerInfo};
use crate::store::{copy_rect, lock_ignoring_poison, zero_rect, LogicalStore, Storage};
use crate::task::{Access, Library, PhysicalStore, TaskContext, TaskDef};
use crate::transform::{Footprint, ViewMap};
use crate::types::Scalar;

/// Most point tasks in flight before the issuing thread waits: bounds the analysis state
/// and the memory of a program that issues faster than it runs.
const WINDOW: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    Input,
    Output,
    Reduction,
}

#[derive(Clone)]
pub(crate) struct Arg {
    pub(crate) store: LogicalStore,
    pub(crate) kind: ArgKind,
    pub(crate) access: Access,
}

/// The launch domain and the partition of every argument.
pub(crate) struct Solution {
    pub(crate) colors: Vec<u64>,
    pub(crate) partitions: Vec<Partition>,
    /// Whether the solver took a storage's key partition.
    reused_key: bool,
}

impl Solution {
    pub(crate) fn new(colors: Vec<u64>, partitions: Vec<Partition>) -> Arc<Solution> {
        Arc::new(Solution {
            colors,
            partitions,
            reused_key: false,
        })
    }
}

/// A launch whose partitions are chosen: what the analysis takes.
pub(crate) struct LaunchSpec {
    pub(crate) library: Library,
    pub(crate) def: Arc<TaskDef>,
    pub(crate) variant: VariantKind,
    pub(crate) solution: Arc<Solution>,
    pub(crate) args: Vec<Arg>,
    pub(crate) scalars: Vec<Scalar>,
}

/// A task launch whose partitioning the runtime chooses from constraints.
///
/// ```
/// use legate_core::{align, Runtime, TaskContext, TaskDef, TaskError, Type};
/// let rt = Runtime::with_cpus(2).unwrap();
/// let lib = rt.create_library("doc.double").unwrap();
/// lib.register_task(0, TaskDef::new("double").cpu(|ctx: &mut TaskContext<'_>| {
///     let x = ctx.input(0)?.read::<f64>()?;
///     let mut y = ctx.output(0)?.write::<f64>()?;
///     y.zip_mut_with(&x, |y, x| *y = 2.0 * x);
///     Ok::<(), TaskError>(())
/// })).unwrap();
/// let x = rt.store_from_vec(vec![1.0f64, 2.0, 3.0], &[3]).unwrap();
/// let y = rt.create_store(Type::Float64, &[3]).unwrap();
/// let mut task = rt.create_auto_task(&lib, 0).unwrap();
/// let (vx, vy) = (task.add_input(&x), task.add_output(&y));
/// task.add_constraint(align(vx, vy));
/// task.execute().unwrap();
/// assert_eq!(y.read::<f64>().unwrap().into_raw_vec_and_offset().0, vec![2.0, 4.0, 6.0]);
/// ```
pub struct AutoTask<'r> {
    runtime: &'r Runtime,
    library: Library,
    task_id: u32,
    def: Arc<TaskDef>,
    args: Vec<Arg>,
    scalars: Vec<Scalar>,
    constraints: Vec<Constraint>,
}

impl<'r> AutoTask<'r> {
    pub(crate) fn new(runtime: &'r Runtime, library: &Library, task_id: u32) -> Result<Self> {
        Ok(AutoTask {
            runtime,
            library: library.clone(),
            task_id,
            def: library.task(task_id)?,
            args: Vec::new(),
            scalars: Vec::new(),
            constraints: Vec::new(),
        })
    }

    fn push(&mut self, store: &LogicalStore, kind: ArgKind, access: Access) -> Variable {
        self.args.push(Arg {
            store: store.clone(),
            kind,
            access,
        });
        Variable(self.args.len() - 1)
    }

    /// Adds a store the task reads.
    pub fn add_input(&mut self, store: &LogicalStore) -> Variable {
        self.push(store, ArgKind::Input, Access::Read)
    }

    /// Adds a store the task writes (all of its piece).
    pub fn add_output(&mut self, store: &LogicalStore) -> Variable {
        self.push(store, ArgKind::Output, Access::Write)
    }

    /// Adds a store the task reduces into with `op`.
    pub fn add_reduction(&mut self, store: &LogicalStore, op: ReductionOp) -> Variable {
        self.push(store, ArgKind::Reduction, Access::Reduce(op))
    }

    /// Adds a scalar argument.
    pub fn add_scalar_arg(&mut self, value: impl Into<Scalar>) {
        self.scalars.push(value.into());
    }

    /// Adds a partitioning constraint.
    pub fn add_constraint(&mut self, c: Constraint) {
        self.constraints.push(c);
    }

    /// Solves the constraints and issues the launch; returns as soon as it is analysed.
    pub fn execute(self) -> Result<()> {
        let rt = self.runtime;
        self.check()?;
        resolve_unbound(&self.args)?;
        let variant = rt.select_variant(&self.library, self.task_id, &self.def, &self.args)?;
        let pending = {
            let mut state = rt.issue_lock();
            rt.flush_locked(&mut state)?;
            let solution = solve_cached(rt, &mut state, &self.args, &self.constraints, variant)?;
            let spec = LaunchSpec {
                library: self.library,
                def: self.def,
                variant,
                solution,
                args: self.args,
                scalars: self.scalars,
            };
            submit(rt, &mut state, spec)?
        };
        pending.release(rt);
        Ok(())
    }

    fn check(&self) -> Result<()> {
        let n = self.args.len();
        let check_var = |v: &Variable| {
            if v.0 >= n {
                Err(Error::invalid(format!(
                    "constraint names argument {} of {n}",
                    v.0
                )))
            } else {
                Ok(())
            }
        };
        for c in &self.constraints {
            match c {
                Constraint::Align(a, b) => {
                    check_var(a)?;
                    check_var(b)?;
                }
                Constraint::Broadcast(v, _) | Constraint::MinExtents(v, _) => check_var(v)?,
                Constraint::Image { src, dst, .. } => {
                    check_var(src)?;
                    check_var(dst)?;
                }
                Constraint::Scale { a, b, .. } | Constraint::Bloat { a, b, .. } => {
                    check_var(a)?;
                    check_var(b)?;
                }
            }
        }
        Ok(())
    }
}

/// A store cut into a tiling chosen by the library, for a [`ManualTask`].
#[derive(Clone, Debug)]
pub struct StorePartition {
    store: LogicalStore,
    partition: Partition,
    colors: Vec<u64>,
}

impl StorePartition {
    /// The number of pieces along each dimension.
    pub fn color_shape(&self) -> &[u64] {
        &self.colors
    }

    /// The piece of `color`, in the store's coordinates.
    pub fn piece(&self, color: &[i64]) -> Result<Rect> {
        let domain = Rect::from_shape(&self.colors);
        if color.len() != self.colors.len() {
            return Err(Error::invalid(format!(
                "color {color:?} is not a point of the color space {:?}",
                self.colors
            )));
        }
        let point = Point::new(color);
        if !domain.contains(&point) {
            return Err(Error::invalid(format!(
                "color {color:?} is outside the color space {:?}",
                self.colors
            )));
        }
        Ok(self.partition.piece(&self.store.shape(), &point, &domain))
    }
}

impl LogicalStore {
    /// Cuts the store into tiles of extent `tile` (the last ones may be shorter).
    pub fn partition_by_tiling(&self, tile: &[u64]) -> Result<StorePartition> {
        let shape = self.shape();
        if tile.len() != shape.len() || tile.contains(&0) {
            return Err(Error::invalid(format!(
                "tile {tile:?} does not fit a store of shape {shape:?}"
            )));
        }
        let tiling = Tiling::new(&shape, tile);
        Ok(StorePartition {
            store: self.clone(),
            colors: tiling.colors.clone(),
            partition: Partition::Tiling(tiling),
        })
    }
}

/// A task launch over a domain the library gives, with partitions it chooses.
///
/// ```
/// use legate_core::{Runtime, TaskContext, TaskDef, TaskError, Type};
/// let rt = Runtime::with_cpus(2).unwrap();
/// let lib = rt.create_library("doc.manual").unwrap();
/// lib.register_task(0, TaskDef::new("mark").cpu(|ctx: &mut TaskContext<'_>| {
///     let p = ctx.point()[0] as i32;
///     ctx.output(0)?.write::<i32>()?.fill(p);
///     Ok::<(), TaskError>(())
/// })).unwrap();
/// let s = rt.create_store(Type::Int32, &[6]).unwrap();
/// let mut task = rt.create_manual_task(&lib, 0, &[3]).unwrap();
/// task.add_output_partition(&s.partition_by_tiling(&[2]).unwrap()).unwrap();
/// task.execute().unwrap();
/// assert_eq!(s.read::<i32>().unwrap().into_raw_vec_and_offset().0, vec![0, 0, 1, 1, 2, 2]);
/// ```
pub struct ManualTask<'r> {
    runtime: &'r Runtime,
    library: Library,
    task_id: u32,
    def: Arc<TaskDef>,
    colors: Vec<u64>,
    args: Vec<Arg>,
    partitions: Vec<Partition>,
    scalars: Vec<Scalar>,
}

impl<'r> ManualTask<'r> {
    pub(crate) fn new(
        runtime: &'r Runtime,
        library: &Library,
        task_id: u32,
        launch_shape: &[u64],
    ) -> Result<Self> {
        if launch_shape.is_empty()
            || launch_shape.len() > crate::geometry::MAX_DIM
            || launch_shape.contains(&0)
        {
            return Err(Error::invalid(format!("bad launch shape {launch_shape:?}")));
        }
        Ok(ManualTask {
            runtime,
            library: library.clone(),
            task_id,
            def: library.task(task_id)?,
            colors: launch_shape.to_vec(),
            args: Vec::new(),
            partitions: Vec::new(),
            scalars: Vec::new(),
        })
    }

    fn push(&mut self, store: &LogicalStore, kind: ArgKind, access: Access, p: Partition) {
        self.args.push(Arg {
            store: store.clone(),
            kind,
            access,
        });
        self.partitions.push(p);
    }

    fn push_partition(
        &mut self,
        part: &StorePartition,
        kind: ArgKind,
        access: Access,
    ) -> Result<()> {
        if part.colors != self.colors {
            return Err(Error::ShapeMismatch {
                context: "store partition colors and launch domain",
                left: part.colors.clone(),
                right: self.colors.clone(),
            });
        }
        self.push(&part.store, kind, access, part.partition.clone());
        Ok(())
    }

    /// Adds a whole store that every point reads.
    pub fn add_input(&mut self, store: &LogicalStore) {
        self.push(store, ArgKind::Input, Access::Read, Partition::Replicate);
    }

    /// Adds a partitioned store; point `c` reads piece `c`.
    pub fn add_input_partition(&mut self, part: &StorePartition) -> Result<()> {
        self.push_partition(part, ArgKind::Input, Access::Read)
    }

    /// Adds a whole store as output (only for a one-point launch).
    pub fn add_output(&mut self, store: &LogicalStore) {
        self.push(store, ArgKind::Output, Access::Write, Partition::Replicate);
    }

    /// Adds a partitioned store; point `c` writes piece `c`.
    pub fn add_output_partition(&mut self, part: &StorePartition) -> Result<()> {
        self.push_partition(part, ArgKind::Output, Access::Write)
    }

    /// Adds a whole store every point reduces into with `op`.
    pub fn add_reduction(&mut self, store: &LogicalStore, op: ReductionOp) {
        self.push(
            store,
            ArgKind::Reduction,
            Access::Reduce(op),
            Partition::Replicate,
        );
    }

    /// Adds a scalar argument.
    pub fn add_scalar_arg(&mut self, value: impl Into<Scalar>) {
        self.scalars.push(value.into());
    }

    /// Issues the launch.
    pub fn execute(self) -> Result<()> {
        let rt = self.runtime;
        resolve_unbound(&self.args)?;
        let variant = rt.select_variant(&self.library, self.task_id, &self.def, &self.args)?;
        let spec = LaunchSpec {
            library: self.library,
            def: self.def,
            variant,
            solution: Solution::new(self.colors, self.partitions),
            args: self.args,
            scalars: self.scalars,
        };
        let pending = {
            let mut state = rt.issue_lock();
            rt.flush_locked(&mut state)?;
            submit(rt, &mut state, spec)?
        };
        pending.release(rt);
        Ok(())
    }
}

/// Waits for the producers of the unbound stores a launch uses other than as the output
/// that produces them; an unbound store that nothing produces cannot be used.
fn resolve_unbound(args: &[Arg]) -> Result<()> {
    for (i, a) in args.iter().enumerate() {
        if !a.store.is_unbound() {
            continue;
        }
        if a.store.storage.has_producer() {
            a.store.shape(); // waits for the producer to bind it
        } else if a.kind != ArgKind::Output
            || args[..i].iter().any(|b| b.store.same_storage(&a.store))
        {
            return Err(Error::invalid(
                "an unbound store is used before any task was launched to produce it",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The solver.

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut j = i;
        while self.0[j] != r {
            let next = self.0[j];
            self.0[j] = r;
            j = next;
        }
        r
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[rb.max(ra)] = rb.min(ra);
        }
    }
}

/// Chooses the launch domain and a partition for every argument.
fn solve(
    rt: &Runtime,
    state: &mut IssueState,
    args: &[Arg],
    constraints: &[Constraint],
    variant: VariantKind,
) -> Result<Solution> {
    let n = args.len();
    let shapes: Vec<Vec<u64>> = args
        .iter()
        .map(|a| {
            if a.store.is_unbound() {
                Vec::new()
            } else {
                a.store.shape()
            }
        })
        .collect();
    let mut uf = UnionFind((0..n).collect());
    let mut splittable: Vec<Vec<bool>> = shapes.iter().map(|s| vec![true; s.len()]).collect();
    let mut max_colors: Vec<Vec<u64>> = shapes
        .iter()
        .map(|s| s.iter().map(|&e| e.max(1)).collect())
        .collect();
    let mut derived: Vec<Option<&Constraint>> = vec![None; n];
    for c in constraints {
        match c {
            Constraint::Align(a, b) => {
                if shapes[a.0] != shapes[b.0] {
                    return Err(Error::ShapeMismatch {
                        context: "align",
                        left: shapes[a.0].clone(),
                        right: shapes[b.0].clone(),
                    });
                }
                uf.union(a.0, b.0);
            }
            Constraint::Broadcast(v, dims) => match dims {
                None => splittable[v.0].iter_mut().for_each(|s| *s = false),
                Some(dims) => {
                    for &d in dims {
                        let ndim = shapes[v.0].len();
                        let s = splittable[v.0].get_mut(d).ok_or(Error::AxisOutOfBounds {
                            axis: d as i64,
                            ndim,
                        })?;
                        *s = false;
                    }
                }
            },
            Constraint::MinExtents(v, ext) => {
                for (d, &e) in ext.iter().enumerate() {
                    if let (Some(m), Some(&s)) = (max_colors[v.0].get_mut(d), shapes[v.0].get(d)) {
                        *m = (*m).min((s / e.max(1)).max(1));
                    }
                }
            }
            Constraint::Image { dst, src, kind: _ } => {
                derived[dst.0] = Some(c);
                // A range source is cut along its rows only.
                if shapes[src.0].len() == shapes[dst.0].len() + 1 {
                    if let Some(last) = splittable[src.0].last_mut() {
                        *last = false;
                    }
                }
            }
            Constraint::Scale { b, .. } | Constraint::Bloat { b, .. } => derived[b.0] = Some(c),
        }
    }
    // Classes of aligned stores (derived and unbound stores are partitioned otherwise).
    let mut classes: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        if derived[i].is_some() {
            if (0..n).any(|j| j != i && uf.find(j) == uf.find(i)) {
                return Err(Error::invalid(
                    "a store partitioned by an image, scale or bloat cannot also be aligned",
                ));
            }
            continue;
        }
        if args[i].store.is_unbound() {
            continue;
        }
        classes.entry(uf.find(i)).or_default().push(i);
    }
    let mut class_list: Vec<(usize, Vec<usize>)> = classes.into_iter().collect();
    class_list.sort_by_key(|(root, _)| *root);
    let class_split = |members: &[usize]| -> Vec<bool> {
        let nd = shapes[members[0]].len();
        (0..nd)
            .map(|d| members.iter().all(|&m| splittable[m][d]))
            .collect()
    };
    // The key class: the largest store that may be cut.
    let key = class_list
        .iter()
        .filter(|(_, m)| class_split(m).iter().any(|&s| s))
        .max_by_key(|(root, m)| {
            (
                shapes[m[0]].iter().product::<u64>(),
                std::cmp::Reverse(*root),
            )
        });
    let pieces = rt.pieces_for(variant);
    let min_volume = rt.min_volume_for(variant);
    let mut partitions: Vec<Option<Partition>> = vec![None; n];
    let mut key_partition: Option<(usize, Arc<Partition>)> = None;
    let colors: Vec<u64> = match key {
        None => vec![1],
        Some((_, members)) => {
            let shape = &shapes[members[0]];
            let split = class_split(members);
            let limit: Vec<u64> = (0..shape.len())
                .map(|d| members.iter().map(|&m| max_colors[m][d]).min().unwrap_or(1))
                .collect();
            let reused = members.iter().find_map(|&m| {
                let s = &args[m].store;
                if !s.is_identity_view() {
                    return None;
                }
                let kp = s.storage.state().key_partition.clone()?;
                let ok = kp.colors.len() == shape.len()
                    && kp.colors.iter().product::<u64>() <= pieces as u64
                    && (0..shape.len())
                        .all(|d| (split[d] || kp.colors[d] == 1) && kp.colors[d] <= limit[d]);
                ok.then_some(kp)
            });
            match reused {
                Some(kp) => {
                    rt.shared
                        .stats
                        .key_partition_reuses
                        .fetch_add(1, Ordering::Relaxed);
                    key_partition = Some((members[0], kp.partition));
                    kp.colors
                }
                None => {
                    let mut c = choose_colors(shape, pieces as u64, min_volume, &split);
                    for (c, l) in c.iter_mut().zip(&limit) {
                        *c = (*c).min(*l);
                    }
                    rt.shared
                        .stats
                        .partitions_created
                        .fetch_add(1, Ordering::Relaxed);
                    c
                }
            }
        }
    };
    let single = colors.iter().product::<u64>() <= 1;
    for (_, members) in &class_list {
        let shape = &shapes[members[0]];
        let split = class_split(members);
        let p = if let Some((_, kp)) = key_partition
            .as_ref()
            .filter(|(m, _)| *m == members[0] && !single)
        {
            (**kp).clone()
        } else if single
            || shape.len() > colors.len()
            || colors[shape.len()..].iter().any(|&c| c != 1)
        {
            Partition::Replicate
        } else {
            // A class of fewer dimensions than the launch, whose missing trailing
            // dimensions the launch does not cut (the rows of an `n x 2` range store), is
            // cut by the leading colors: row `i` goes with row `i`.
            let c: Vec<u64> = (0..shape.len())
                .map(|d| if split[d] { colors[d] } else { 1 })
                .collect();
            if c.iter().all(|&x| x == 1) {
                Partition::Replicate
            } else {
                Partition::Tiling(Tiling::with_colors(shape, &c))
            }
        };
        for &m in members {
            partitions[m] = Some(p.clone());
        }
    }
    for i in 0..n {
        if args[i].store.is_unbound() {
            partitions[i] = Some(Partition::Replicate);
        }
    }
    // Derived partitions, following their sources (chains resolve over several passes).
    let domain = Rect::from_shape(&colors);
    for _ in 0..=n {
        let mut progress = false;
        for i in 0..n {
            let Some(c) = derived[i] else { continue };
            if partitions[i].is_some() {
                continue;
            }
            let src = match c {
                Constraint::Image { src, .. } => src.0,
                Constraint::Scale { a, .. } | Constraint::Bloat { a, .. } => a.0,
                _ => continue,
            };
            let Some(sp) = partitions[src].clone() else {
                continue;
            };
            let p = match c {
                Constraint::Image { kind, .. } => {
                    if single {
                        Partition::Replicate
                    } else {
                        let pieces = image_pieces(
                            rt,
                            state,
                            &args[src].store,
                            &sp,
                            &domain,
                            &shapes[i],
                            *kind,
                        )?;
                        Partition::Explicit(pieces)
                    }
                }
                Constraint::Scale { factors, .. } => {
                    let (a_shape, b_shape) = (&shapes[src], &shapes[i]);
                    if factors.len() != a_shape.len() || b_shape.len() != a_shape.len() {
                        return Err(Error::invalid(
                            "scale factors must match both stores' dimensions",
                        ));
                    }
                    let pieces = domain
                        .points()
                        .map(|color| {
                            let mut r = sp.piece(a_shape, &color, &domain);
                            for d in 0..r.dim() {
                                r.lo[d] = (r.lo[d] * factors[d] as i64).min(b_shape[d] as i64);
                                r.hi[d] = (r.hi[d] * factors[d] as i64).min(b_shape[d] as i64);
                            }
                            vec![r]
                        })
                        .collect();
                    Partition::Explicit(Arc::new(pieces))
                }
                Constraint::Bloat { low, high, .. } => {
                    if shapes[src] != shapes[i]
                        || low.len() != shapes[i].len()
                        || high.len() != shapes[i].len()
                    {
                        return Err(Error::invalid(
                            "bloat needs stores of one shape and a halo per dimension",
                        ));
                    }
                    match &sp {
                        Partition::Tiling(base) => Partition::Bloat {
                            base: base.clone(),
                            low: low.clone(),
                            high: high.clone(),
                        },
                        _ => Partition::Replicate,
                    }
                }
                _ => continue,
            };
            partitions[i] = Some(p);
            progress = true;
        }
        if !progress {
            break;
        }
    }
    let partitions = partitions
        .into_iter()
        .map(|p| p.ok_or_else(|| Error::invalid("cyclic image/scale/bloat constraints")))
        .collect::<Result<Vec<_>>>()?;
    Ok(Solution {
        colors,
        partitions,
        reused_key: key_partition.is_some(),
    })
}

/// [`solve`], cached by the pattern of the launch: its variant, the shapes and views of its
/// arguments, their storages' key partitions and its constraints. A loop re-solves nothing.
/// Launches with images depend on data and are solved each time (their images are cached).
pub(crate) fn solve_cached(
    rt: &Runtime,
    state: &mut IssueState,
    args: &[Arg],
    constraints: &[Constraint],
    variant: VariantKind,
) -> Result<Arc<Solution>> {
    if constraints
        .iter()
        .any(|c| matches!(c, Constraint::Image { .. }))
    {
        return Ok(Arc::new(solve(rt, state, args, constraints, variant)?));
    }
    let mut key = std::mem::take(&mut state.key_buf);
    key.clear();
    encode_launch(&mut key, args, constraints, variant);
    if let Some(sol) = state.solutions.get(key.as_slice()) {
        let sol = Arc::clone(sol);
        if sol.reused_key {
            rt.shared
                .stats
                .key_partition_reuses
                .fetch_add(1, Ordering::Relaxed);
        }
        state.key_buf = key;
        return Ok(sol);
    }
    let sol = Arc::new(solve(rt, state, args, constraints, variant)?);
    if state.solutions.len() >= 4096 {
        state.solutions.clear();
    }
    state.solutions.insert(key.clone(), Arc::clone(&sol));
    state.key_buf = key;
    Ok(sol)
}

/// Writes everything a solution depends on into `out`.
fn encode_launch(
    out: &mut Vec<u64>,
    args: &[Arg],
    constraints: &[Constraint],
    variant: VariantKind,
) {
    out.push(variant as u64);
    out.push(args.len() as u64);
    for a in args {
        if a.store.is_unbound() {
            out.push(u64::MAX);
            continue;
        }
        let view = a.store.view();
        out.push(view.ndim() as u64);
        out.extend(view.dims().iter().map(|d| d.extent));
        out.push(match a.kind {
            ArgKind::Input => 0,
            ArgKind::Output => 1,
            ArgKind::Reduction => 2,
        });
        if !view.is_identity() {
            out.push(3);
            continue;
        }
        match &a.store.storage.state().key_partition {
            None => out.push(0),
            Some(kp) => match &*kp.partition {
                Partition::Tiling(t) => {
                    out.push(1);
                    out.extend(&t.tile);
                    out.extend(&t.colors);
                }
                _ => {
                    out.push(2);
                    out.push(kp.id);
                }
            },
        }
    }
    for c in constraints {
        match c {
            Constraint::Align(a, b) => out.extend([10, a.0 as u64, b.0 as u64]),
            Constraint::Broadcast(v, dims) => {
                out.extend([11, v.0 as u64]);
                match dims {
                    None => out.push(u64::MAX),
                    Some(d) => {
                        out.push(d.len() as u64);
                        out.extend(d.iter().map(|&x| x as u64));
                    }
                }
            }
            Constraint::MinExtents(v, e) => {
                out.extend([12, v.0 as u64, e.len() as u64]);
                out.extend(e);
            }
            Constraint::Scale { factors, a, b } => {
                out.extend([13, a.0 as u64, b.0 as u64, factors.len() as u64]);
                out.extend(factors);
            }
            Constraint::Bloat { a, b, low, high } => {
                out.extend([14, a.0 as u64, b.0 as u64, low.len() as u64]);
                out.extend(low);
                out.extend(high);
            }
            Constraint::Image { src, dst, kind } => {
                out.extend([15, src.0 as u64, dst.0 as u64, *kind as u64])
            }
        }
    }
}

/// The pieces of an image: computed once per version of the source and cached.
fn image_pieces(
    rt: &Runtime,
    state: &mut IssueState,
    src: &LogicalStore,
    src_part: &Partition,
    domain: &Rect,
    dst_shape: &[u64],
    kind: ImageKind,
) -> Result<Arc<Vec<Vec<Rect>>>> {
    if dst_shape.len() != 1 {
        return Err(Error::NotImplemented {
            what: "image partitions of stores with more than one dimension".into(),
        });
    }
    let version = src.storage.state().version;
    let key = ImageKey {
        storage: src.storage.id,
        version,
        view: (*src.view()).clone(),
        partition: src_part.clone(),
        domain: *domain,
        kind,
        extent: dst_shape[0],
    };
    if let Some(p) = state.images.get(&key) {
        rt.shared
            .stats
            .image_cache_hits
            .fetch_add(1, Ordering::Relaxed);
        return Ok(Arc::clone(p));
    }
    let src_shape = src.shape();
    let ranges = src_shape.len() == 2 && src_shape[1] == 2;
    if !ranges && src_shape.len() != 1 {
        return Err(Error::invalid(format!(
            "image source of shape {src_shape:?}: expected points (1-D) or ranges (n x 2)"
        )));
    }
    if !src.ty().is_integer() {
        return Err(Error::UnsupportedType {
            op: "image source",
            ty: src.ty(),
        });
    }
    // One task per piece of the source turns its values into runs of the destination,
    // written to an unbound store as `[count, lo, hi, lo, hi, ...]` per point.
    let lib = rt.core_library();
    let out = rt.create_unbound_store(crate::types::Type::Int64);
    let spec = LaunchSpec {
        library: lib.clone(),
        def: lib.task(crate::builtin::IMAGE)?,
        variant: VariantKind::Cpu,
        solution: Solution::new(domain.shape(), vec![src_part.clone(), Partition::Replicate]),
        args: vec![
            Arg {
                store: src.clone(),
                kind: ArgKind::Input,
                access: Access::Read,
            },
            Arg {
                store: out.clone(),
                kind: ArgKind::Output,
                access: Access::Write,
            },
        ],
        scalars: vec![
            Scalar::new(kind as u8),
            Scalar::new(ranges),
            Scalar::new(dst_shape[0]),
        ],
    };
    submit(rt, state, spec)?.release(rt);
    let words = out.read_issued::<i64>()?;
    let mut words = words.iter().copied();
    let mut all = Vec::with_capacity(domain.volume() as usize);
    for _ in 0..domain.volume() {
        let n = words.next().unwrap_or(0);
        let mut rects = Vec::with_capacity(n.max(0) as usize);
        for _ in 0..n {
            let (lo, hi) = (words.next().unwrap_or(0), words.next().unwrap_or(0));
            rects.push(span_rect(lo, hi));
        }
        all.push(rects);
    }
    rt.shared
        .stats
        .images_computed
        .fetch_add(1, Ordering::Relaxed);
    let pieces = Arc::new(all);
    if state.images.len() > 256 {
        state.images.clear();
    }
    state.images.insert(key, Arc::clone(&pieces));
    Ok(pieces)
}

pub(crate) fn span_rect(lo: i64, hi: i64) -> Rect {
    Rect::new(Point::new(&[lo]), Point::new(&[hi]))
}

/// What an image partition is cached by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct ImageKey {
    storage: u64,
    version: u64,
    view: ViewMap,
    partition: Partition,
    domain: Rect,
    kind: ImageKind,
    extent: u64,
}

// ---------------------------------------------------------------------------------------
// Analysis and issue.

/// One argument of a launch as its point tasks see it.
struct ExecArg {
    store: LogicalStore,
    kind: ArgKind,
    access: Access,
    /// The instance, when it was taken at issue; `None` for an unbound output and for an
    /// instance taken when the launch runs (`deferred`).
    buffer: Option<Arc<Buffer>>,
    /// Whether the argument is an unbound output (it gets its instance from its points).
    unbound: bool,
    /// How a point gets an instance that was not taken at issue.
    deferred: Deferred,
    offset: i64,
    strides: Arc<[i64]>,
    aliased_output: Option<usize>,
    /// The instance slot of the storage the task uses (0: system memory).
    slot: usize,
    /// Whether the instance is recycled memory that the launch's points overwrite.
    recycled: bool,
}

/// When an argument's system-memory instance is allocated.
///
/// A storage that a launch writes whole for its first use gets its instance when the first
/// point of that launch runs, not when the launch is issued, and so do the launches issued
/// after it that use the storage before it runs. A program that issues faster than the
/// workers run (`t = a + b; c = t * 2; ...` with many results in flight) otherwise holds
/// the instances of every result issued at once, none freed in time for the next to reuse:
/// each one fresh memory, faulted in page by page. Taken when the producer runs, the
/// instance of a result is usually the one its predecessor just freed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Deferred {
    /// Taken at issue (in `buffer`), or unbound.
    No,
    /// Allocated by the first point to run, as [`Storage::buffer_for_overwrite`] does:
    /// this launch writes the whole storage first.
    Overwrite,
    /// The instance an earlier launch's `Overwrite` gives the storage; the dependence
    /// analysis runs that launch's points first.
    Existing,
}

/// Whether argument `i` of a launch may get a recycled instance of unspecified contents:
/// its task promises to write every element of its output pieces, the argument is a
/// write-only output and the storage's first use, the launch's pieces of it cover the
/// whole storage, and no other argument of the launch touches that storage.
fn overwrites_storage(spec: &LaunchSpec, i: usize) -> bool {
    let a = &spec.args[i];
    spec.def.overwrites_outputs()
        && a.kind == ArgKind::Output
        && a.access == Access::Write
        && !a.store.is_unbound()
        && a.store.is_identity_view()
        && !a.store.storage.has_buffer()
        && spec
            .args
            .iter()
            .enumerate()
            .all(|(j, b)| j == i || !b.store.same_storage(&a.store))
        && covers_store(
            &spec.solution.partitions[i],
            &a.store.shape(),
            &spec.solution.colors,
        )
}

/// Whether the pieces of `p` over a launch domain of `colors` cover a store of `shape`.
fn covers_store(p: &Partition, shape: &[u64], colors: &[u64]) -> bool {
    match p {
        Partition::Replicate => colors.iter().all(|&c| c > 0),
        // Tile `c` covers `[c * tile, (c + 1) * tile)`; a dimension of one color, `[0, tile)`.
        // A launch of more dimensions than the store (rows of a matrix whose `pos` is
        // `rows x 2`) takes the tile of its leading colors.
        Partition::Tiling(t) => {
            t.shape == shape
                && colors.get(..t.colors.len()) == Some(&t.colors[..])
                && t.tile.len() == shape.len()
                && (0..shape.len()).all(|d| t.tile[d].saturating_mul(t.colors[d]) >= shape[d])
        }
        // The pieces of an output are disjoint (`check_outputs`), and so are the rectangles
        // of one piece: they cover the store when their volumes inside it add up to it.
        Partition::Explicit(pieces) => {
            let whole = Rect::from_shape(shape);
            let points = colors.iter().product::<u64>() as usize;
            let covered: u64 = pieces
                .iter()
                .take(points)
                .flatten()
                .map(|r| r.intersection(&whole).volume())
                .sum();
            covered == whole.volume()
        }
        Partition::Bloat { .. } => false,
    }
}

/// A launch after analysis: shared by its point tasks.
struct Exec {
    shared: Arc<Shared>,
    library: Library,
    def: Arc<TaskDef>,
    variant: VariantKind,
    domain: Rect,
    args: Vec<ExecArg>,
    /// Bounding rectangle of each point's piece of each argument: `pieces[p * nargs + a]`.
    pieces: Vec<Rect>,
    scalars: Vec<Scalar>,
    /// Data bound by each point to each unbound output, and points still to finish.
    unbound: Vec<Mutex<Vec<Option<Vec<u8>>>>>,
    unbound_remaining: AtomicUsize,
    /// The points' reduction accumulators, folded into their stores in point order.
    folds: Mutex<FoldQueue>,
    /// For each argument, whether its accumulators wait in `folds`: a reduction whose
    /// points all reduce into the same elements (the same piece, or pieces of a view that
    /// differ only along dimensions it broadcasts): any reader of it depends on every
    /// point, so a fold done by a later point is done before the reader runs. A reduction
    /// over elements that differ is folded by each point as it finishes.
    ordered: Vec<bool>,
}

/// The accumulators of the points that finished before every point before them did:
/// a point's are folded once all earlier points' are, so that the rounding of a
/// floating-point reduction does not depend on which point finishes first.
struct FoldQueue {
    /// The first point whose accumulators are not folded yet.
    next: usize,
    /// Each point's accumulators once it has finished (empty for a point without any).
    ready: Vec<Option<Vec<Fold>>>,
}

/// One accumulator of a point, and where it goes.
struct Fold {
    /// The reduction argument.
    arg: usize,
    buffer: Arc<Buffer>,
    ty: crate::types::Type,
    op: ReductionOp,
    shape: Vec<usize>,
    strides: Arc<[i64]>,
    offset: i64,
    acc: Vec<u64>,
}

impl Exec {
    /// Takes point `p`'s accumulators and folds, in point order, every point's that can
    /// be folded now.
    fn fold_in_order(&self, p: usize, mine: Vec<Fold>) {
        let mut queue = lock_ignoring_poison(&self.folds);
        if let Some(slot) = queue.ready.get_mut(p) {
            *slot = Some(mine);
        }
        let queue = &mut *queue;
        while let Some(folds) = queue.ready.get_mut(queue.next).and_then(Option::take) {
            queue.next += 1;
            folds.into_iter().for_each(|f| self.fold(f));
        }
    }

    /// Folds one accumulator into its store.
    fn fold(&self, f: Fold) {
        let Some(arg) = self.args.get(f.arg) else {
            return;
        };
        let volume: usize = f.shape.iter().product();
        if f.acc.len() * 8 < volume * f.ty.size() {
            return; // an accumulator a failed task did not give back
        }
        let guard = lock_ignoring_poison(&arg.store.storage.fold_lock);
        // SAFETY: the piece lies inside the buffer; reductions into one storage are
        // serialized by its fold lock and no other access overlaps them (analysis).
        unsafe {
            reduction::fold(
                f.ty,
                f.op,
                f.buffer.ptr(),
                &f.shape,
                &f.strides,
                f.offset,
                crate::task::words_as_bytes(&f.acc),
            );
        }
        drop(guard);
        reduction::recycle_words(f.acc);
    }
}

/// Analyses a launch into point tasks and hands them to the scheduler.
pub(crate) fn submit(
    rt: &Runtime,
    state: &mut IssueState,
    mut spec: LaunchSpec,
) -> Result<Pending> {
    let shared = &rt.shared;
    if spec.def.body(spec.variant).is_none() {
        return Err(Error::internal(format!(
            "task {} launched with a variant it does not have",
            spec.def.name()
        )));
    }
    if let Some(a) = spec
        .args
        .iter()
        .find(|a| !Arc::ptr_eq(&a.store.storage.shared, shared))
    {
        return Err(Error::invalid(format!(
            "store of storage {} belongs to another runtime",
            a.store.storage.id
        )));
    }
    for a in &spec.args {
        if a.store.is_unbound() && (a.kind != ArgKind::Output || a.store.storage.has_producer()) {
            return Err(Error::internal(
                "an unbound store reached the analysis unresolved",
            ));
        }
    }
    for a in &spec.args {
        a.store.storage.issued.store(true, Ordering::Relaxed);
    }
    let domain = Rect::from_shape(&spec.solution.colors);
    let num_points = domain.volume() as usize;
    let nargs = spec.args.len();
    let mut aliased = vec![None; nargs];
    check_outputs(&spec, num_points)?;
    // An input that shares a storage with an output: the same view is one read-write
    // argument; an overlapping other view is read from a copy taken first.
    let mut output_index = vec![0usize; nargs];
    let mut k = 0;
    for (i, a) in spec.args.iter().enumerate() {
        if a.kind == ArgKind::Output {
            output_index[i] = k;
            k += 1;
        }
    }
    for (i, alias) in aliased.iter_mut().enumerate() {
        if spec.args[i].kind != ArgKind::Input {
            continue;
        }
        for (o, &out_index) in output_index.iter().enumerate() {
            let (inp, out) = (&spec.args[i], &spec.args[o]);
            if out.kind == ArgKind::Input
                || !inp.store.same_storage(&out.store)
                || out.store.is_unbound()
            {
                continue;
            }
            if out.kind == ArgKind::Output
                && inp.store.same_view(&out.store)
                && spec.solution.partitions[i] == spec.solution.partitions[o]
            {
                *alias = Some(out_index);
                spec.args[o].access = Access::ReadWrite;
                continue;
            }
            if !spec.def.orders_overlaps
                && whole_footprint(&inp.store).overlaps(&whole_footprint(&out.store))
            {
                let copy = rt.create_store_locked(inp.store.ty(), &inp.store.shape())?;
                copy_locked(rt, state, &inp.store, &copy)?;
                spec.args[i].store = copy;
                break;
            }
        }
    }
    // Every instance taken at issue exists before anything is recorded: running out of
    // memory leaves the program's stores as they were. An output written whole gets its
    // instance when the launch runs, so a launch that fails to issue allocated nothing.
    let mut exec_args = Vec::with_capacity(nargs);
    for (i, a) in spec.args.iter().enumerate() {
        let unbound = a.store.is_unbound();
        let mut recycled = false;
        let mut deferred = Deferred::No;
        let storage = &a.store.storage;
        let (slot, buffer) = if unbound {
            (0, None)
        } else {
            let target = memory_target(rt, spec.variant, a);
            let system = target == MemoryKind::System;
            if system && overwrites_storage(&spec, i) {
                // An instance that could never fit is refused now; any other is taken when
                // the launch runs (see `Deferred`).
                check_fits(&shared.sysmem, storage)?;
                storage.set_instance_deferred();
                recycled = true;
                deferred = Deferred::Overwrite;
                (0, None)
            } else if system && storage.instance_deferred() && !storage.has_buffer() {
                deferred = Deferred::Existing;
                (0, None)
            } else {
                let (slot, b) = storage.instance(target)?;
                (slot, Some(b))
            }
        };
        let (offset, strides) = if unbound {
            (0, Vec::new())
        } else {
            a.store.view().affine()
        };
        exec_args.push(ExecArg {
            store: a.store.clone(),
            kind: a.kind,
            access: a.access,
            buffer,
            unbound,
            deferred,
            slot,
            offset,
            strides: strides.into(),
            aliased_output: aliased[i],
            recycled,
        });
    }
    // The whole of each argument, in its own coordinates.
    let wholes: Vec<Rect> = exec_args
        .iter()
        .map(|a| match a.unbound {
            false => a.store.view().rect(),
            true => Rect::new(Point::zero(0), Point::zero(0)),
        })
        .collect();
    // The piece of every point and argument (bounding box), and the exact rectangles of
    // pieces that are several (images), indexed `p * nargs + a`.
    let mut pieces = Vec::with_capacity(num_points * nargs);
    let mut multi: Vec<Vec<Rect>> = Vec::new();
    let any_multi = spec
        .solution
        .partitions
        .iter()
        .any(Partition::has_multi_rect_pieces);
    for color in domain.points() {
        for (a, p) in spec.solution.partitions.iter().enumerate() {
            if exec_args[a].unbound {
                pieces.push(Rect::new(Point::zero(0), Point::zero(0)));
                if any_multi {
                    multi.push(Vec::new());
                }
                continue;
            }
            if p.has_multi_rect_pieces() {
                let shape = wholes[a].shape();
                let rects = p.piece_rects(&shape, &color, &domain);
                pieces.push(bounding(shape.len(), &rects));
                multi.push(rects);
            } else {
                pieces.push(match p {
                    Partition::Replicate => wholes[a],
                    Partition::Tiling(t) => t.tile_rect(&color),
                    _ => p.piece(&wholes[a].shape(), &color, &domain),
                });
                if any_multi {
                    multi.push(Vec::new());
                }
            }
        }
    }
    let unbound_args = exec_args.iter().filter(|a| a.unbound).count();
    for a in exec_args.iter().filter(|a| a.unbound) {
        a.store.storage.set_producer_issued();
    }
    // Pieces of a view that broadcasts a dimension reduce into the same elements when they
    // agree on the other dimensions (`sum(x, axis=0)` over row bands of `x`).
    let same_elements = |a: usize, q: usize| {
        let (mine, first) = (&pieces[q * nargs + a], &pieces[a]);
        let strides = &exec_args[a].strides;
        (0..mine.dim()).all(|d| {
            strides.get(d) == Some(&0) || (mine.lo[d] == first.lo[d] && mine.hi[d] == first.hi[d])
        })
    };
    let ordered: Vec<bool> = (0..nargs)
        .map(|a| {
            spec.args[a].kind == ArgKind::Reduction
                && num_points > 1
                && (1..num_points).all(|q| same_elements(a, q))
        })
        .collect();
    // In a replicated program, which rank runs which point.
    let placement = shared.ranks.as_ref().map(|ranks| {
        if exec_args.iter().any(|a| a.unbound) {
            return Placement::Everywhere;
        }
        let owners = domain
            .points()
            .map(|c| {
                let owner = shared
                    .mapper
                    .shard(&shared.machine, c.coords(), &spec.solution.colors);
                owner.min(ranks.size - 1)
            })
            .collect();
        Placement::Sharded(owners)
    });
    let here = |p: usize| match (&placement, &shared.ranks) {
        (Some(pl), Some(ranks)) => pl.runs_here(p, ranks.rank),
        _ => true,
    };
    let exec = Arc::new(Exec {
        shared: Arc::clone(shared),
        library: spec.library.clone(),
        def: Arc::clone(&spec.def),
        variant: spec.variant,
        domain,
        args: exec_args,
        pieces,
        scalars: std::mem::take(&mut spec.scalars),
        unbound: (0..unbound_args)
            .map(|_| Mutex::new(vec![None; num_points]))
            .collect(),
        unbound_remaining: AtomicUsize::new(num_points),
        folds: Mutex::new(FoldQueue {
            next: 0,
            // Points of other ranks have nothing to fold here.
            ready: if ordered.contains(&true) {
                (0..num_points).map(|p| (!here(p)).then(Vec::new)).collect()
            } else {
                Vec::new()
            },
        }),
        ordered,
    });
    let (before, reductions) = match (&placement, &shared.ranks) {
        (Some(placement), Some(ranks)) => {
            let args = rank_pieces(&exec, num_points);
            let plan =
                replication::plan_launch(shared, ranks, state, &args, placement, num_points)?;
            (plan.before, plan.reductions)
        }
        _ => {
            let copy = coherence_copies(rt, state, &exec.args, &exec.pieces, num_points)?;
            (copy.into_iter().collect(), Vec::new())
        }
    };
    state.launch_seq += 1;
    let seq = state.launch_seq;
    shared.stats.launches.fetch_add(1, Ordering::Relaxed);
    shared
        .stats
        .point_tasks
        .fetch_add(num_points as u64, Ordering::Relaxed);
    let group = match spec.variant {
        VariantKind::Omp => WorkerGroup::Omp,
        _ => WorkerGroup::Cpu,
    };
    let mut nodes = Vec::with_capacity(num_points + before.len());
    nodes.extend(before);
    let mut records: Vec<(usize, Arc<TaskNode>, Footprint, Privilege, bool)> = Vec::new();
    let profiler = shared.sched.profiler.as_deref();
    let name: Option<Arc<str>> = profiler.map(|prof| {
        let name: Arc<str> = Arc::from(format!("{}.{}", exec.library.name(), exec.def.name()));
        prof.launch(
            seq,
            &name,
            num_points,
            exec.args.iter().map(|a| {
                let label = match a.unbound {
                    true => format!("{} (unbound)", a.store.ty()),
                    false => format!("{} {:?}", a.store.ty(), a.store.shape()),
                };
                (a.store.storage.id, a.access, label)
            }),
        );
        name
    });
    for p in (0..num_points).filter(|&p| here(p)) {
        let e = Arc::clone(&exec);
        let tag = profiler
            .zip(name.as_ref())
            .map(|(prof, name)| prof.tag(name, NodeKind::Task, seq, p));
        let node = TaskNode::tagged(
            Box::new(move |info: &WorkerInfo<'_>| run_point(&e, p, info)),
            group,
            p,
            tag,
        );
        shared.sched.issued();
        for (a, arg) in exec.args.iter().enumerate() {
            if arg.unbound || arg.aliased_output.is_some() {
                continue;
            }
            let view = arg.store.view();
            let bounds = std::slice::from_ref(&exec.pieces[p * nargs + a]);
            let rects = match multi.get(p * nargs + a) {
                Some(r) if spec.solution.partitions[a].has_multi_rect_pieces() => r.as_slice(),
                _ => bounds,
            };
            let fp = match rects {
                [r] => view.footprint(r),
                _ => rects.iter().fold(Footprint::default(), |fp, r| {
                    fp.union_disjoint(view.footprint(r))
                }),
            };
            if fp.is_empty() {
                continue;
            }
            // Past its size limit a footprint over-approximates: fine for finding overlaps,
            // not for hiding the records it seems to cover.
            let exact = fp.volume() == rects.iter().map(Rect::volume).sum::<u64>();
            let privilege = match arg.access {
                Access::Read => Privilege::Read,
                Access::Write => Privilege::Write,
                Access::ReadWrite => Privilege::ReadWrite,
                Access::Reduce(op) => Privilege::Reduce(op),
            };
            arg.store.storage.state().depend(&node, &fp, privilege, seq);
            records.push((a, Arc::clone(&node), fp, privilege, exact));
        }
        nodes.push(node);
    }
    for (a, node, fp, privilege, exact) in records {
        exec.args[a]
            .store
            .storage
            .state()
            .record(&node, fp, privilege, exact, seq);
    }
    if let Some(ranks) = &shared.ranks {
        // Every rank moves the version of what the launch writes, whether or not it runs
        // a point writing it: versions key caches every rank must agree on.
        for arg in exec
            .args
            .iter()
            .filter(|a| a.kind != ArgKind::Input && !a.unbound)
        {
            arg.store.storage.state().version = seq;
        }
        nodes.extend(replication::finish_reductions(
            shared, ranks, state, reductions,
        ));
    }
    // The tiling a launch used becomes its storages' key partition.
    for (a, arg) in exec.args.iter().enumerate() {
        if let Partition::Tiling(t) = &spec.solution.partitions[a] {
            if arg.store.is_identity_view() && t.colors == spec.solution.colors {
                let mut st = arg.store.storage.state();
                if st
                    .key_partition
                    .as_ref()
                    .is_none_or(|k| *k.partition != spec.solution.partitions[a])
                {
                    st.key_partition = Some(KeyPartition::new(
                        Arc::new(spec.solution.partitions[a].clone()),
                        t.colors.clone(),
                    ));
                }
            }
        }
    }
    let inline = num_points == 1 && spec.def.inline_ok() && spec.variant == VariantKind::Cpu;
    Ok(Pending { nodes, inline })
}

/// The point tasks of an analysed launch, still held by the issuing thread.
#[must_use]
pub(crate) struct Pending {
    nodes: Vec<Arc<TaskNode>>,
    inline: bool,
}

impl Pending {
    /// Lets the point tasks run; a lone ready point of a small task runs right here when
    /// the workers have nothing queued (no hand-off to another thread).
    pub(crate) fn release(self, rt: &Runtime) {
        let shared = &rt.shared;
        for node in self.nodes {
            if node.release() {
                if self.inline && shared.sched.is_idle() {
                    shared.stats.inline_runs.fetch_add(1, Ordering::Relaxed);
                    shared.sched.run_inline(&node);
                } else {
                    shared.sched.schedule(node);
                }
            }
        }
        let sched = &shared.sched;
        if sched.in_flight() > WINDOW {
            sched
                .notifier
                .wait_until(|| sched.in_flight() <= WINDOW / 2);
        }
    }
}

/// One copy between instances of a storage, as a copy node runs it.
struct CopyJob {
    src: Arc<Buffer>,
    dst: Arc<Buffer>,
    shape: Vec<u64>,
    request: CopyRequest,
    size: usize,
}

/// The memory the mapper places an argument in; system memory on a machine that has no other.
fn memory_target(rt: &Runtime, variant: VariantKind, arg: &Arg) -> MemoryKind {
    let shared = &rt.shared;
    if shared.numamem.is_none() {
        return MemoryKind::System;
    }
    let shape = arg.store.shape();
    let info = StoreInfo {
        shape: &shape,
        type_size: arg.store.ty().size(),
        is_output: arg.kind != ArgKind::Input,
    };
    shared.mapper.store_target(&shared.machine, variant, &info)
}

/// Brings every piece a launch uses up to date in the instance it uses, as one copy node
/// that the launch's points wait for (through the read-write records of the rectangles it
/// copies), and records in the validity maps what the launch will write.
fn coherence_copies(
    rt: &Runtime,
    state: &mut IssueState,
    args: &[ExecArg],
    pieces: &[Rect],
    num_points: usize,
) -> Result<Option<Arc<TaskNode>>> {
    let is_coherent = |a: &ExecArg| !a.unbound && a.store.storage.has_other_instances();
    if !args.iter().any(is_coherent) {
        return Ok(None);
    }
    let coherent: Vec<bool> = args.iter().map(is_coherent).collect();
    let nargs = args.len();
    let mut ops: Vec<(LogicalStore, Arc<Buffer>, Arc<Buffer>, CopyRequest)> = Vec::new();
    for p in 0..num_points {
        for (a, arg) in args.iter().enumerate() {
            if !coherent[a] || arg.aliased_output.is_some() {
                continue;
            }
            let fp = arg.store.view().footprint(&pieces[p * nargs + a]);
            let Some(bounds) = fp.bounds() else { continue };
            let dense = matches!(fp.pieces(), [one] if one.is_dense());
            arg.store.storage.with_validity(|v, buffers| {
                let requests = match arg.access {
                    Access::Write if dense => {
                        v.write(&bounds, arg.slot);
                        Vec::new()
                    }
                    Access::Read => v.acquire(&bounds, arg.slot),
                    _ => {
                        let r = v.acquire(&bounds, arg.slot);
                        v.write(&bounds, arg.slot);
                        r
                    }
                };
                for r in requests {
                    ops.push((
                        arg.store.clone(),
                        Arc::clone(&buffers[r.src]),
                        Arc::clone(&buffers[r.dst]),
                        r,
                    ));
                }
            })?;
        }
    }
    if ops.is_empty() {
        return Ok(None);
    }
    state.launch_seq += 1;
    let seq = state.launch_seq;
    let jobs: Vec<CopyJob> = ops
        .iter()
        .map(|(s, src, dst, r)| CopyJob {
            src: Arc::clone(src),
            dst: Arc::clone(dst),
            shape: s.storage.identity().storage_shape().to_vec(),
            request: *r,
            size: s.ty().size(),
        })
        .collect();
    let shared = Arc::clone(&rt.shared);
    let tag = rt.shared.sched.profiler.as_ref().map(|prof| {
        prof.tag(
            &Arc::from("legate.core.coherence_copy"),
            NodeKind::Copy,
            seq,
            0,
        )
    });
    let node = TaskNode::tagged(
        Box::new(move |_: &WorkerInfo<'_>| {
            let bytes: u64 = jobs
                .iter()
                .map(|j| copy_rect(&j.src, &j.dst, &j.shape, &j.request, j.size))
                .sum();
            shared
                .stats
                .bytes_copied
                .fetch_add(bytes, Ordering::Relaxed);
        }),
        WorkerGroup::Cpu,
        0,
        tag,
    );
    rt.shared.sched.issued();
    for (s, _, _, r) in &ops {
        s.storage.state().depend(
            &node,
            &Footprint::from_rect(&r.rect),
            Privilege::ReadWrite,
            seq,
        );
    }
    for (s, _, _, r) in ops {
        s.storage.state().record(
            &node,
            Footprint::from_rect(&r.rect),
            Privilege::ReadWrite,
            true,
            seq,
        );
    }
    Ok(Some(node))
}

/// The arguments of a launch as the replicated coherence sees them: per point, the bounds
/// of its piece in the storage (unbound outputs and inputs read through their output are
/// left out).
fn rank_pieces(exec: &Exec, num_points: usize) -> Vec<replication::ArgPieces> {
    let nargs = exec.args.len();
    exec.args
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.unbound && a.aliased_output.is_none())
        .map(|(a, arg)| {
            let view = arg.store.view();
            let pieces = (0..num_points)
                .map(|p| {
                    let fp = view.footprint(&exec.pieces[p * nargs + a]);
                    let dense = matches!(fp.pieces(), [one] if one.is_dense());
                    fp.bounds().map(|b| (b, dense))
                })
                .collect();
            replication::ArgPieces {
                storage: Arc::clone(&arg.store.storage),
                access: arg.access,
                pieces,
            }
        })
        .collect()
}

pub(crate) fn whole_footprint(store: &LogicalStore) -> Footprint {
    let view = store.view();
    view.footprint(&Rect::from_shape(&view.shape()))
}

/// Refuses an instance of `storage` larger than the whole of `pool`: it could never be
/// allocated, whatever is freed first.
fn check_fits(pool: &MemoryPool, storage: &Storage) -> Result<()> {
    let bytes = storage.volume().saturating_mul(storage.ty.size() as u64);
    pool.check_fits(bytes)
}

/// Outputs must be written by one point each and never through aliasing views.
fn check_outputs(spec: &LaunchSpec, num_points: usize) -> Result<()> {
    for (i, a) in spec.args.iter().enumerate() {
        if a.kind == ArgKind::Input || a.store.is_unbound() {
            continue;
        }
        let view = a.store.view();
        if a.kind == ArgKind::Output {
            if view.has_aliasing() {
                return Err(Error::invalid(
                    "cannot write through a view whose points alias (broadcast or promoted)",
                ));
            }
            if !partition_disjoint(
                &spec.solution.partitions[i],
                &spec.solution.colors,
                num_points,
            ) {
                return Err(Error::invalid(
                    "an output would be written by several points: align it with the launch or use a reduction",
                ));
            }
        }
        for b in &spec.args[i + 1..] {
            if b.kind != ArgKind::Input
                && !b.store.is_unbound()
                && a.store.same_storage(&b.store)
                && whole_footprint(&a.store).overlaps(&whole_footprint(&b.store))
                && !(a.kind == ArgKind::Reduction
                    && b.kind == ArgKind::Reduction
                    && a.access == b.access)
            {
                return Err(Error::invalid("two outputs of one launch overlap"));
            }
        }
    }
    Ok(())
}

fn partition_disjoint(p: &Partition, colors: &[u64], num_points: usize) -> bool {
    match p {
        Partition::Tiling(t) => t
            .colors
            .iter()
            .zip(colors)
            .all(|(&tc, &dc)| tc == dc || dc == 1),
        other => other.is_disjoint(num_points as u64),
    }
}

/// Issues a copy from `src` to `dst` (same shape and type) while holding the issue lock.
pub(crate) fn copy_locked(
    rt: &Runtime,
    state: &mut IssueState,
    src: &LogicalStore,
    dst: &LogicalStore,
) -> Result<()> {
    let lib = rt.core_library();
    let def = lib.task(crate::builtin::COPY)?;
    let args = vec![
        Arg {
            store: src.clone(),
            kind: ArgKind::Input,
            access: Access::Read,
        },
        Arg {
            store: dst.clone(),
            kind: ArgKind::Output,
            access: Access::Write,
        },
    ];
    let constraints = [Constraint::Align(Variable(0), Variable(1))];
    let solution = solve_cached(rt, state, &args, &constraints, VariantKind::Cpu)?;
    let spec = LaunchSpec {
        library: lib,
        def,
        variant: VariantKind::Cpu,
        solution,
        args,
        scalars: Vec::new(),
    };
    submit(rt, state, spec)?.release(rt);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Execution of one point.

fn run_point(exec: &Exec, p: usize, info: &WorkerInfo<'_>) {
    let point = delinearize(p, &exec.domain);
    let mut failed_allocation = None;
    let mut folds = Vec::new();
    let result = build_and_run(exec, p, &point, info, &mut failed_allocation, &mut folds);
    if exec.ordered.contains(&true) {
        exec.fold_in_order(p, folds);
    }
    if let Err(message) = result {
        zero_recycled_pieces(exec, p);
        let e = failed_allocation.unwrap_or_else(|| Error::TaskFailed {
            library: exec.library.name().to_string(),
            task: exec.def.name().to_string(),
            point: point.coords().to_vec(),
            message,
        });
        lock_ignoring_poison(&exec.shared.errors).push(e);
    }
}

/// The instance argument `arg` uses: the one taken at issue, or, for a deferred one, the
/// storage's (allocated now by the first point that needs it).
fn point_buffer(arg: &ExecArg) -> Result<Option<Arc<Buffer>>> {
    match arg.deferred {
        Deferred::No => Ok(arg.buffer.clone()),
        Deferred::Overwrite => arg.store.storage.buffer_for_overwrite().map(Some),
        Deferred::Existing => arg.store.storage.buffer().map(Some),
    }
}

/// Zeroes the pieces of point `p` of the recycled instances of a launch, after the point
/// failed: what it did not write would otherwise hold another storage's old bytes.
fn zero_recycled_pieces(exec: &Exec, p: usize) {
    let nargs = exec.args.len();
    for (a, arg) in exec.args.iter().enumerate() {
        if !arg.recycled {
            continue;
        }
        let Some(buffer) = arg
            .buffer
            .clone()
            .or_else(|| arg.store.storage.existing_buffer())
        else {
            continue;
        };
        // A recycled instance is written through the identity view: the piece is a
        // rectangle of the storage.
        let shape = arg.store.shape();
        let rect = exec.pieces[p * nargs + a];
        // SAFETY: the piece lies inside the storage, and the analysis gives this point
        // exclusive access to it (outputs' pieces are disjoint; no other access of the
        // storage runs before this point's node completes).
        unsafe { zero_rect(&buffer, &shape, &rect, arg.store.ty().size()) };
    }
}

fn build_and_run(
    exec: &Exec,
    p: usize,
    point: &Point,
    info: &WorkerInfo<'_>,
    failed_allocation: &mut Option<Error>,
    folds: &mut Vec<Fold>,
) -> Result<(), String> {
    let nargs = exec.args.len();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let mut reductions = Vec::new();
    let mut unbound_slots = Vec::new();
    let mut buffers = Vec::with_capacity(nargs);
    for (a, arg) in exec.args.iter().enumerate() {
        let rect = exec.pieces[p * nargs + a];
        let offset = arg.offset
            + (0..rect.dim())
                .map(|d| arg.strides[d] * rect.lo[d])
                .sum::<i64>();
        let buffer = match point_buffer(arg) {
            Ok(b) => b,
            Err(e) => {
                let message = e.to_string();
                *failed_allocation = Some(e);
                return Err(message);
            }
        };
        buffers.push(buffer.clone());
        let mut ps = PhysicalStore::new(
            arg.store.ty(),
            buffer,
            offset,
            Arc::clone(&arg.strides),
            rect,
            arg.access,
            arg.unbound,
        )
        .map_err(|e| e.to_string())?;
        ps.aliased_output = arg.aliased_output;
        match arg.kind {
            ArgKind::Input => inputs.push(ps),
            ArgKind::Output => {
                if arg.unbound {
                    unbound_slots.push(outputs.len());
                }
                outputs.push(ps)
            }
            ArgKind::Reduction => reductions.push(ps),
        }
    }
    let body = exec
        .def
        .body(exec.variant)
        .ok_or_else(|| "variant not registered".to_string())?;
    let mut ctx = TaskContext {
        point: *point,
        domain: exec.domain,
        inputs: &inputs,
        outputs: &outputs,
        reductions: &reductions,
        scalars: &exec.scalars,
        pool: info.pool,
        processor: info.processor,
        variant: exec.variant,
        task_name: exec.def.name(),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&mut ctx)));
    let result = match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.message().to_string()),
        Err(panic) => Err(panic_message(&panic)),
    };
    // Fold reductions even after a failure: the accumulators start at the identity.
    let reduction_args = exec
        .args
        .iter()
        .zip(&buffers)
        .enumerate()
        .filter(|(_, (a, _))| a.kind == ArgKind::Reduction);
    for (ps, (a, (arg, buffer))) in reductions.iter().zip(reduction_args) {
        let (Some(buffer), Some(acc), Access::Reduce(op)) = (buffer, &ps.accumulator, arg.access)
        else {
            continue;
        };
        let fold = Fold {
            arg: a,
            buffer: Arc::clone(buffer),
            ty: ps.ty,
            op,
            shape: ps.accumulator_shape(),
            strides: Arc::clone(&ps.strides),
            offset: ps.offset,
            acc: std::mem::take(&mut *lock_ignoring_poison(acc)),
        };
        if exec.ordered.get(a).copied().unwrap_or(false) {
            folds.push(fold);
        } else {
            exec.fold(fold);
        }
    }
    if !exec.unbound.is_empty() {
        for (u, &o) in unbound_slots.iter().enumerate() {
            let data = outputs[o]
                .bound
                .as_ref()
                .and_then(|m| lock_ignoring_poison(m).take());
            lock_ignoring_poison(&exec.unbound[u])[p] = data;
        }
        if exec.unbound_remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            bind_unbound(exec);
        }
    }
    result
}

/// Concatenates what every point bound to each unbound output, in point order.
fn bind_unbound(exec: &Exec) {
    let unbound_args = exec.args.iter().filter(|a| a.unbound);
    for (slot, arg) in exec.unbound.iter().zip(unbound_args) {
        let parts = std::mem::take(&mut *lock_ignoring_poison(slot));
        let size = arg.store.ty().size();
        let total: usize = parts.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum();
        let mut ranges = Vec::with_capacity(parts.len());
        // Every byte is copied in below: recycled memory needs no zeroing.
        let buffer = match Buffer::new_uninit(&exec.shared.sysmem, total) {
            Ok(b) => b,
            Err(e) => {
                lock_ignoring_poison(&exec.shared.errors).push(e);
                arg.store.storage.bind(&[0], None);
                continue;
            }
        };
        let mut at = 0usize;
        for part in parts.iter() {
            let bytes = part.as_deref().unwrap_or(&[]);
            // SAFETY: the buffer holds `total` bytes, the sum of the parts' lengths.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.ptr().add(at), bytes.len())
            };
            let (lo, hi) = ((at / size) as i64, ((at + bytes.len()) / size) as i64);
            ranges.push(vec![span_rect(lo, hi)]);
            at += bytes.len();
        }
        let n = (total / size) as u64;
        // Each point's part becomes its piece: a consumer aligned with it copies nothing.
        let ranges_len = ranges.len() as u64;
        arg.store.storage.state().key_partition = Some(KeyPartition::new(
            Arc::new(Partition::Explicit(Arc::new(ranges))),
            vec![ranges_len],
        ));
        arg.store.storage.bind(&[n], Some(buffer));
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".to_string()
    }
}

/// The point of row-major index `i` in `domain`.
pub(crate) fn delinearize(mut i: usize, domain: &Rect) -> Point {
    let mut p = domain.lo;
    for d in (0..domain.dim()).rev() {
        let e = domain.extent(d) as usize;
        p[d] = domain.lo[d] + (i % e.max(1)) as i64;
        i /= e.max(1);
    }
    p
}

impl Runtime {
    /// The variant the mapper picks for a launch.
    pub(crate) fn select_variant(
        &self,
        library: &Library,
        task_id: u32,
        def: &TaskDef,
        args: &[Arg],
    ) -> Result<VariantKind> {
        let variants = def.variant_list();
        let volume = args
            .iter()
            .filter(|a| !a.store.is_unbound())
            .map(|a| a.store.volume())
            .max()
            .unwrap_or(1);
        let info = TaskInfo {
            library: library.name(),
            task_id,
            name: def.name(),
            variants,
            volume,
        };
        let mut v = self
            .shared
            .mapper
            .select_variant(&self.shared.machine, &info);
        // GPU variants run only where the runtime drives GPUs.
        if v == VariantKind::Gpu || !variants.contains(&v) {
            v = if variants.contains(&VariantKind::Cpu) {
                VariantKind::Cpu
            } else if variants.contains(&VariantKind::Omp) {
                VariantKind::Omp
            } else {
                return Err(Error::NotImplemented {
                    what: format!(
                        "task {} has only a GPU variant and no GPU is driven",
                        def.name()
                    ),
                });
            };
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delinearize_inverts_linearize() {
        let dom = Rect::from_shape(&[2, 3]);
        for (i, p) in dom.points().enumerate() {
            assert_eq!(delinearize(i, &dom), p);
            assert_eq!(linearize(&p, &dom), i);
        }
    }
}
