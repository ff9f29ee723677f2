//! Random programs over aliasing views give, on 1 to 4 CPUs, fused and unfused, exactly what
//! the same program gives when run sequentially over plain ndarray arrays; views alias
//! through their storage; bad input is an error that leaves every store as it was.
//!
//! Fills, copies, the element-wise steps and the sums along dimensions go through the
//! runtime's fusion (deferred and fused with their neighbours, temporaries elided); the
//! task steps and reads in between flush the window, so every interleaving of the two paths
//! is exercised.
//!
//! The reference never uses the runtime's view arithmetic: a view is modelled as an array of
//! offsets into its storage's row-major values, transformed with NumPy's slice rules written
//! out here and with ndarray's `select`, `permuted_axes`, `index_axis` and reshapes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use legate_core::ndarray::{Array2, ArrayBase, ArrayD, Axis, Data, IxDyn, Zip};
use legate_core::{
    align, Access, BlockIn, BlockKernel, BlockOut, Config, Error, Library, LogicalStore,
    ReductionOp, Runtime, Scalar, TaskContext, TaskDef, TaskError, Type,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

// ---------------------------------------------------------------------------------------
// The test library.

const LIBRARY: &str = "test.random_programs";
const AXPBY: u32 = 0;
const SUM: u32 = 1;
const ALWAYS_FAILS: u32 = 2;
const PANICS: u32 = 3;

fn runtime(cpus: usize, fusion: bool) -> Runtime {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    config.fusion = fusion;
    Runtime::new(config).unwrap()
}

/// Adds a block into a running sum (the fusible twin of the `sum` task).
fn sum_kernel() -> BlockKernel {
    std::sync::Arc::new(|ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
        let s: f64 = ins[0].get::<f64>()?.iter().sum();
        acc.get_mut::<f64>()?[0] += s;
        Ok::<(), TaskError>(())
    })
}

/// `out = a * x + b * y` as a block kernel (the fusible twin of the `axpby` task).
fn axpby_kernel(a: f64, b: f64) -> BlockKernel {
    std::sync::Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
        let (x, y) = (ins[0].get::<f64>()?, ins[1].get::<f64>()?);
        for ((o, &x), &y) in out.get_mut::<f64>()?.iter_mut().zip(x).zip(y) {
            *o = a * x + b * y;
        }
        Ok::<(), TaskError>(())
    })
}

fn library(rt: &Runtime) -> Library {
    let lib = rt.create_library(LIBRARY).unwrap();
    lib.register_task(AXPBY, TaskDef::new("axpby").cpu(axpby))
        .unwrap();
    lib.register_task(SUM, TaskDef::new("sum").cpu(sum))
        .unwrap();
    lib.register_task(
        ALWAYS_FAILS,
        TaskDef::new("always_fails")
            .cpu(|_: &mut TaskContext<'_>| Err(TaskError::new("refused to run"))),
    )
    .unwrap();
    lib.register_task(
        PANICS,
        TaskDef::new("panics")
            .cpu(|_: &mut TaskContext<'_>| -> Result<(), TaskError> { panic!("boom") }),
    )
    .unwrap();
    lib
}

/// `out = a * x + b * y` over aligned pieces. An input that is the very view of the output
/// reaches the task aliased to it (the output is then read-write) and is read through it.
fn axpby(ctx: &mut TaskContext<'_>) -> Result<(), TaskError> {
    let a = ctx.scalar_value::<f64>(0)?;
    let b = ctx.scalar_value::<f64>(1)?;
    let out_store = ctx.output(0)?;
    let mut out = out_store.write::<f64>()?;
    let operand = |i: usize| -> Result<ArrayD<f64>, TaskError> {
        match ctx.input(i)?.read::<f64>() {
            Ok(v) => Ok(owned(&v)),
            Err(_) if out_store.access() == Access::ReadWrite => Ok(owned(&out)),
            Err(e) => Err(e.into()),
        }
    };
    let x = operand(0)?;
    let y = operand(1)?;
    if x.shape() != out.shape() || y.shape() != out.shape() {
        return Err(TaskError::new(format!(
            "aligned pieces differ: out {:?}, x {:?}, y {:?}",
            out.shape(),
            x.shape(),
            y.shape()
        )));
    }
    Zip::from(&mut out)
        .and(&x)
        .and(&y)
        .for_each(|o, &x, &y| *o = a * x + b * y);
    Ok(())
}

/// A row-major copy of an array. (`to_owned` trips a debug assertion of ndarray 0.17 on an
/// empty array whose strides are not those of a standard layout, as empty slices keep.)
fn owned<A: Clone, S: Data<Elem = A>>(v: &ArrayBase<S, IxDyn>) -> ArrayD<A> {
    ArrayD::from_shape_vec(v.raw_dim(), v.iter().cloned().collect()).unwrap()
}

/// Adds the elements of the input into a 0-d reduction.
fn sum(ctx: &mut TaskContext<'_>) -> Result<(), TaskError> {
    let s = ctx.input(0)?.read::<f64>()?.sum();
    ctx.reduction(0)?.write::<f64>()?.fill(s);
    Ok(())
}

fn launch_axpby(
    rt: &Runtime,
    lib: &Library,
    out: &LogicalStore,
    x: &LogicalStore,
    y: &LogicalStore,
    (a, b): (f64, f64),
    inputs_first: bool,
) -> legate_core::Result<()> {
    let mut task = rt.create_auto_task(lib, AXPBY)?;
    let (vo, vx, vy) = if inputs_first {
        let vx = task.add_input(x);
        let vy = task.add_input(y);
        (task.add_output(out), vx, vy)
    } else {
        let vo = task.add_output(out);
        (vo, task.add_input(x), task.add_input(y))
    };
    task.add_constraint(align(vo, vx));
    task.add_constraint(align(vx, vy));
    task.add_scalar_arg(a);
    task.add_scalar_arg(b);
    task.execute()
}

fn launch_sum(
    rt: &Runtime,
    lib: &Library,
    src: &LogicalStore,
    acc: &LogicalStore,
) -> legate_core::Result<()> {
    let mut task = rt.create_auto_task(lib, SUM)?;
    task.add_input(src);
    task.add_reduction(acc, ReductionOp::Add);
    task.execute()
}

// ---------------------------------------------------------------------------------------
// Views, and their reference model.

/// One transform of a view, as the program states it.
#[derive(Clone, Debug, PartialEq)]
enum ViewOp {
    Slice {
        dim: usize,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    },
    Transpose(Vec<usize>),
    Project {
        dim: usize,
        index: i64,
    },
    Delinearize {
        dim: usize,
        shape: Vec<u64>,
    },
    Promote {
        dim: usize,
        extent: u64,
    },
    Broadcast {
        dim: usize,
        extent: u64,
    },
}

/// A view of storage `storage`: its transforms, applied in order.
#[derive(Clone, Debug, PartialEq)]
struct View {
    storage: usize,
    ops: Vec<ViewOp>,
}

/// The indices NumPy's `start:stop:step` selects from an axis of `n` elements (CPython's
/// `PySlice_AdjustIndices`, written out).
fn numpy_slice(n: usize, start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<usize> {
    assert_ne!(step, 0);
    let n = n as i64;
    let adjust = |v: i64, lower: i64, upper: i64| {
        if v < 0 {
            (v + n).max(lower)
        } else {
            v.min(upper)
        }
    };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, |v| adjust(v, 0, n));
        let end = stop.map_or(n, |v| adjust(v, 0, n));
        while i < end {
            out.push(i as usize);
            i += step;
        }
    } else {
        let mut i = start.map_or(n - 1, |v| adjust(v, -1, n - 1));
        let end = stop.map_or(-1, |v| adjust(v, -1, n - 1));
        while i > end {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

/// The offsets, into the row-major values of a storage of `shape`, of every element of
/// the view made by `ops`.
fn view_offsets(shape: &[usize], ops: &[ViewOp]) -> ArrayD<usize> {
    let volume = shape.iter().product();
    let mut a = ArrayD::from_shape_vec(IxDyn(shape), (0..volume).collect()).unwrap();
    for op in ops {
        a = match op {
            ViewOp::Slice {
                dim,
                start,
                stop,
                step,
            } => {
                let idx = numpy_slice(a.shape()[*dim], *start, *stop, *step);
                owned(&a.select(Axis(*dim), &idx))
            }
            ViewOp::Transpose(perm) => owned(&a.view().permuted_axes(IxDyn(perm))),
            ViewOp::Project { dim, index } => {
                let n = a.shape()[*dim] as i64;
                let i = if *index < 0 { index + n } else { *index };
                owned(&a.index_axis(Axis(*dim), i as usize))
            }
            ViewOp::Delinearize { dim, shape } => {
                let mut new_shape = a.shape()[..*dim].to_vec();
                new_shape.extend(shape.iter().map(|&e| e as usize));
                new_shape.extend_from_slice(&a.shape()[dim + 1..]);
                owned(&a).into_shape_with_order(IxDyn(&new_shape)).unwrap()
            }
            ViewOp::Promote { dim, extent } => {
                let mut new_shape = a.shape().to_vec();
                new_shape.insert(*dim, *extent as usize);
                let promoted = a.view().insert_axis(Axis(*dim));
                owned(&promoted.broadcast(IxDyn(&new_shape)).unwrap())
            }
            ViewOp::Broadcast { dim, extent } => {
                let mut new_shape = a.shape().to_vec();
                new_shape[*dim] = *extent as usize;
                owned(&a.broadcast(IxDyn(&new_shape)).unwrap())
            }
        };
    }
    a
}

/// The same view through the runtime's API.
fn build_view(base: &LogicalStore, ops: &[ViewOp]) -> legate_core::Result<LogicalStore> {
    let mut s = base.clone();
    for op in ops {
        s = match op {
            ViewOp::Slice {
                dim,
                start,
                stop,
                step,
            } => s.slice(*dim, *start, *stop, *step)?,
            ViewOp::Transpose(perm) => s.transpose(perm)?,
            ViewOp::Project { dim, index } => s.project(*dim, *index)?,
            ViewOp::Delinearize { dim, shape } => s.delinearize(*dim, shape)?,
            ViewOp::Promote { dim, extent } => s.promote(*dim, *extent)?,
            ViewOp::Broadcast { dim, extent } => s.broadcast(*dim, *extent)?,
        };
    }
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// Programs.

/// What a storage holds at the start.
#[derive(Clone, Debug)]
enum Init {
    /// Created empty: never written, it reads as zeros.
    Zeros,
    /// Created from these row-major values.
    Values(Vec<f64>),
}

#[derive(Clone, Debug)]
struct StorageDecl {
    shape: Vec<usize>,
    init: Init,
}

/// Where a sum goes.
#[derive(Clone, Debug)]
enum Slot {
    /// A new 0-d store holding 0.
    New,
    /// Added to the value of an earlier sum's store.
    Existing(usize),
    /// Added to one element of a storage (a 0-d view), which the sum may also read.
    Element(View),
}

#[derive(Clone, Debug)]
enum Step {
    Fill {
        dst: View,
        value: f64,
    },
    /// `out = a * x + b * y`, all reads before any write.
    Axpby {
        out: View,
        x: View,
        y: View,
        a: f64,
        b: f64,
        inputs_first: bool,
    },
    /// The same as an element-wise operation the runtime may fuse with its neighbours.
    ElementwiseAxpby {
        out: View,
        x: View,
        y: View,
        a: f64,
        b: f64,
    },
    /// `t = a * x + b * y` into a new temporary, then `out = t + z`; the temporary's
    /// handle is dropped at once (fusion never writes it).
    Temporary {
        out: View,
        x: View,
        y: View,
        z: View,
        a: f64,
        b: f64,
    },
    /// A sum into `slot`, read at once when `read_now`; by a task, or as a fused
    /// reduction (`fused`, where the slot is not a view of the source's storage).
    Sum {
        src: View,
        slot: Slot,
        read_now: bool,
        fused: bool,
    },
    ReadSum(usize),
    /// A fused sum along the dimensions `reduce` marks, into a new store of the other
    /// dimensions holding 0.5 (seen through a view that broadcasts the reduced ones), read
    /// at once when `read_now` and at the end.
    SumAlong {
        src: View,
        reduce: Vec<bool>,
        read_now: bool,
    },
    Copy {
        src: View,
        dst: View,
    },
    ReadStorage(usize),
    ReadView(View),
    /// A fill through a view whose points alias: refused, and nothing changes.
    RejectedFill(View),
}

#[derive(Clone, Debug)]
struct Program {
    storages: Vec<StorageDecl>,
    steps: Vec<Step>,
}

impl std::fmt::Display for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.storages.iter().enumerate() {
            writeln!(f, "storage {i}: {d:?}")?;
        }
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "step {i}: {step:?}")?;
        }
        Ok(())
    }
}

/// What a program observed at one step.
#[derive(Clone, Debug, PartialEq)]
enum Obs {
    Values(ArrayD<f64>),
    Scalar(f64),
    Rejected,
    Failed(String),
}

// ---------------------------------------------------------------------------------------
// Decoding random words into programs. Every choice reads one word; a word of 0 makes
// the simplest choice, so proptest's shrinking simplifies programs.

struct Chooser<'a> {
    words: &'a [u32],
    pos: usize,
}

impl Chooser<'_> {
    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        let w = self.words.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        w as usize % n
    }

    /// A value in `lo..=hi`, `lo` for a zero word.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with `percent` chance, false for a zero word.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) >= 100 - percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn perm(&mut self, n: usize) -> Vec<usize> {
        let mut left: Vec<usize> = (0..n).collect();
        let mut out = Vec::with_capacity(n);
        while !left.is_empty() {
            out.push(left.remove(self.below(left.len())));
        }
        out
    }
}

const STEPS: [i64; 6] = [1, -1, 2, -2, 3, -3];

/// A slice of an axis of `n` elements with exactly `len` elements and step `step`, its
/// bounds written in one of NumPy's equivalent ways (negative, clamped or omitted).
fn fit_slice(ch: &mut Chooser<'_>, n: usize, len: usize, step: i64) -> Option<ViewOp> {
    let (n, len) = (n as i64, len as i64);
    let stride = step.abs();
    let (start, stop) = if len == 0 {
        let at = ch.range(0, n);
        (Some(at), Some(at))
    } else {
        let span = (len - 1) * stride;
        if span >= n {
            return None;
        }
        if step > 0 {
            let first = ch.range(0, n - 1 - span);
            let stop = ch.range(first + span + 1, first + span + stride);
            let start = match ch.below(3) {
                1 => Some(first - n),
                2 if first == 0 => None,
                _ => Some(first),
            };
            let stop = match ch.below(3) {
                1 if stop < n => Some(stop - n),
                2 if stop >= n => None,
                _ => Some(stop),
            };
            (start, stop)
        } else {
            let first = ch.range(span, n - 1);
            let stop = ch.range(first - span - stride, first - span - 1);
            let start = match ch.below(3) {
                1 => Some(first - n),
                2 if first == n - 1 => [None, Some(n + 5)][ch.below(2)],
                _ => Some(first),
            };
            let stop = if stop < 0 {
                None
            } else if ch.chance(50) {
                Some(stop - n)
            } else {
                Some(stop)
            };
            (start, stop)
        }
    };
    let op = ViewOp::Slice {
        dim: 0,
        start,
        stop,
        step,
    };
    // The generator must mean what it says; the reference decides what it says.
    assert_eq!(
        numpy_slice(n as usize, start, stop, step).len() as i64,
        len,
        "{op:?}"
    );
    Some(op)
}

/// A slice of dimension `dim` (extent `n`) keeping `len` elements with a random step;
/// sometimes no slice at all when the whole axis is kept.
fn slice_to(ch: &mut Chooser<'_>, dim: usize, n: usize, len: usize) -> Option<Vec<ViewOp>> {
    if len == n && ch.below(3) == 0 {
        return Some(Vec::new());
    }
    let feasible: Vec<i64> = STEPS
        .iter()
        .copied()
        .filter(|&s| len == 0 || (len as i64 - 1) * s.abs() < n as i64)
        .collect();
    if feasible.is_empty() {
        return None;
    }
    let step = ch.pick(&feasible);
    let mut op = fit_slice(ch, n, len, step)?;
    if let ViewOp::Slice { dim: d, .. } = &mut op {
        *d = dim;
    }
    Some(vec![op])
}

fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n % d == 0).collect()
}

/// A view of a storage of shape `storage` with exactly the shape `target`, made of slices,
/// projections, delinearizations and transposes; `None` when the storage is too small.
fn fit_view(ch: &mut Chooser<'_>, storage: &[usize], target: &[usize]) -> Option<Vec<ViewOp>> {
    let k = target.len();
    let perm = if k >= 2 && ch.chance(40) {
        ch.perm(k)
    } else {
        (0..k).collect()
    };
    // Build the view of the shape that `perm` turns into `target`.
    let mut pre = vec![0; k];
    for (i, &p) in perm.iter().enumerate() {
        pre[p] = target[i];
    }
    let mut ops = Vec::new();
    match (storage.len(), k) {
        (1, 0) => {
            let n = storage[0] as i64;
            if n == 0 {
                return None;
            }
            ops.push(ViewOp::Project {
                dim: 0,
                index: ch.range(-n, n - 1),
            });
        }
        (1, _) => {
            let n = storage[0];
            let total: usize = pre.iter().product();
            let delinearize_first = k == 2 && total > 0 && ch.chance(40);
            let factor: Vec<usize> = if k == 2 {
                divisors(n)
                    .into_iter()
                    .filter(|&p| p >= pre[0] && n / p >= pre[1])
                    .collect()
            } else {
                Vec::new()
            };
            if delinearize_first && !factor.is_empty() {
                let p = ch.pick(&factor);
                ops.push(ViewOp::Delinearize {
                    dim: 0,
                    shape: vec![p as u64, (n / p) as u64],
                });
                ops.extend(slice_to(ch, 0, p, pre[0])?);
                ops.extend(slice_to(ch, 1, n / p, pre[1])?);
            } else {
                ops.extend(slice_to(ch, 0, n, total)?);
                if k > 1 {
                    ops.push(ViewOp::Delinearize {
                        dim: 0,
                        shape: pre.iter().map(|&e| e as u64).collect(),
                    });
                }
            }
        }
        (2, 0) => {
            for &e in storage {
                let e = e as i64;
                ops.push(ViewOp::Project {
                    dim: 0,
                    index: ch.range(-e, e - 1),
                });
            }
        }
        (2, 1) => {
            let keep: Vec<usize> = (0..2).filter(|&d| storage[d] >= pre[0]).collect();
            if keep.is_empty() {
                return None;
            }
            let keep = ch.pick(&keep);
            let other = storage[1 - keep] as i64;
            ops.push(ViewOp::Project {
                dim: 1 - keep,
                index: ch.range(-other, other - 1),
            });
            ops.extend(slice_to(ch, 0, storage[keep], pre[0])?);
        }
        (2, 2) => {
            let (r, c) = if ch.chance(30) {
                ops.push(ViewOp::Transpose(vec![1, 0]));
                (storage[1], storage[0])
            } else {
                (storage[0], storage[1])
            };
            ops.extend(slice_to(ch, 0, r, pre[0])?);
            ops.extend(slice_to(ch, 1, c, pre[1])?);
        }
        (2, 3) => {
            if ch.chance(50) {
                ops.extend(slice_to(ch, 0, storage[0], pre[0])?);
                ops.extend(slice_to(ch, 1, storage[1], pre[1] * pre[2])?);
                ops.push(ViewOp::Delinearize {
                    dim: 1,
                    shape: vec![pre[1] as u64, pre[2] as u64],
                });
            } else {
                ops.extend(slice_to(ch, 0, storage[0], pre[0] * pre[1])?);
                ops.extend(slice_to(ch, 1, storage[1], pre[2])?);
                ops.push(ViewOp::Delinearize {
                    dim: 0,
                    shape: vec![pre[0] as u64, pre[1] as u64],
                });
            }
        }
        _ => return None,
    }
    if perm.iter().enumerate().any(|(i, &p)| i != p) {
        ops.push(ViewOp::Transpose(perm));
    }
    Some(ops)
}

/// A slice bound anywhere in `-bound..=bound`, or omitted.
fn any_bound(ch: &mut Chooser<'_>, bound: i64) -> Option<i64> {
    ch.chance(80).then(|| ch.range(-bound, bound))
}

/// A random view of storage `storage`: a few slices, transposes, projections and
/// delinearizations (at most three dimensions), mostly not empty.
fn random_view(ch: &mut Chooser<'_>, decls: &[StorageDecl], storage: usize) -> View {
    let mut ops = Vec::new();
    let mut shape = decls[storage].shape.clone();
    for _ in 0..ch.below(4) {
        let ndim = shape.len();
        let op = match ch.below(4) {
            0 | 1 if ndim > 0 => {
                let dim = ch.below(ndim);
                let n = shape[dim];
                let mut op = if ch.chance(25) {
                    let bound = n as i64 + 2;
                    let start = any_bound(ch, bound);
                    let stop = any_bound(ch, bound);
                    ViewOp::Slice {
                        dim: 0,
                        start,
                        stop,
                        step: ch.pick(&STEPS),
                    }
                } else {
                    let len = ch.range(1.min(n as i64), n as i64) as usize;
                    match slice_to(ch, 0, n, len).and_then(|mut v| v.pop()) {
                        Some(op) => op,
                        None => continue,
                    }
                };
                if let ViewOp::Slice { dim: d, .. } = &mut op {
                    *d = dim;
                }
                op
            }
            2 if ndim >= 2 => ViewOp::Transpose(ch.perm(ndim)),
            3 if ndim >= 1 && ch.chance(50) => {
                let dim = ch.below(ndim);
                let n = shape[dim] as i64;
                if n == 0 {
                    continue;
                }
                ViewOp::Project {
                    dim,
                    index: ch.range(-n, n - 1),
                }
            }
            3 if (1..3).contains(&ndim) => {
                let dim = ch.below(ndim);
                let n = shape[dim];
                let p = ch.pick(&divisors(n.max(1)));
                let q = if n == 0 { 0 } else { n / p };
                ViewOp::Delinearize {
                    dim,
                    shape: vec![p as u64, q as u64],
                }
            }
            _ => continue,
        };
        ops.push(op);
        shape = view_offsets(&decls[storage].shape, &ops).shape().to_vec();
    }
    View { storage, ops }
}

fn shape_of(decls: &[StorageDecl], view: &View) -> Vec<usize> {
    view_offsets(&decls[view.storage].shape, &view.ops)
        .shape()
        .to_vec()
}

/// A view of the shape of `like`, on a random storage when one fits, else `like` itself.
fn view_shaped_like(ch: &mut Chooser<'_>, decls: &[StorageDecl], like: &View) -> View {
    if ch.chance(15) {
        return like.clone();
    }
    let target = shape_of(decls, like);
    let first = ch.below(decls.len());
    for k in 0..decls.len() {
        let storage = (first + k) % decls.len();
        if let Some(ops) = fit_view(ch, &decls[storage].shape, &target) {
            let view = View { storage, ops };
            assert_eq!(shape_of(decls, &view), target, "{view:?}");
            return view;
        }
    }
    like.clone()
}

/// A view whose points alias: a promoted dimension, or a broadcast one of extent 1.
fn aliasing_view(ch: &mut Chooser<'_>, decls: &[StorageDecl], storage: usize) -> View {
    let mut view = random_view(ch, decls, storage);
    let mut shape = shape_of(decls, &view);
    if shape.contains(&0) {
        // No point of an empty view aliases another.
        view.ops.clear();
        shape = shape_of(decls, &view);
    }
    let unit: Vec<usize> = (0..shape.len()).filter(|&d| shape[d] == 1).collect();
    let extent = ch.range(2, 3) as u64;
    if !unit.is_empty() && ch.chance(50) {
        let dim = ch.pick(&unit);
        view.ops.push(ViewOp::Broadcast { dim, extent });
    } else {
        let dim = ch.below(shape.len() + 1);
        view.ops.push(ViewOp::Promote { dim, extent });
    }
    view
}

type StorageSeed = (bool, usize, usize, usize, u8, u32);

fn decode(storages: &[StorageSeed], steps: &[Vec<u32>]) -> Program {
    let decls: Vec<StorageDecl> = storages
        .iter()
        .map(|&(two_d, n, r, c, init, seed)| {
            let shape = if two_d { vec![r, c] } else { vec![n] };
            let volume: usize = shape.iter().product();
            let init = match init % 3 {
                0 => Init::Zeros,
                _ => Init::Values(
                    (0..volume)
                        .map(|i| ((i as u64 * 5 + u64::from(seed)) % 9) as f64 - 4.0)
                        .collect(),
                ),
            };
            StorageDecl { shape, init }
        })
        .collect();
    let mut sums = 0;
    let steps = steps
        .iter()
        .map(|words| {
            let ch = &mut Chooser { words, pos: 0 };
            let storage = ch.below(decls.len());
            match ch.below(11) {
                0 => Step::Fill {
                    dst: random_view(ch, &decls, storage),
                    value: ch.range(-4, 4) as f64,
                },
                1..=3 => {
                    let out = random_view(ch, &decls, storage);
                    let x = view_shaped_like(ch, &decls, &out);
                    let y = if ch.chance(15) {
                        x.clone()
                    } else {
                        view_shaped_like(ch, &decls, &out)
                    };
                    let (a, b) = (ch.range(-2, 2) as f64, ch.range(-2, 2) as f64);
                    match ch.below(3) {
                        0 => Step::Axpby {
                            out,
                            x,
                            y,
                            a,
                            b,
                            inputs_first: ch.chance(50),
                        },
                        1 => Step::ElementwiseAxpby { out, x, y, a, b },
                        _ => {
                            let z = view_shaped_like(ch, &decls, &out);
                            Step::Temporary { out, x, y, z, a, b }
                        }
                    }
                }
                4 => {
                    let src = if ch.chance(20) {
                        aliasing_view(ch, &decls, storage)
                    } else {
                        random_view(ch, &decls, storage)
                    };
                    let target = ch.below(decls.len());
                    let element = fit_view(ch, &decls[target].shape, &[]);
                    let slot = if sums > 0 && ch.chance(30) {
                        Slot::Existing(ch.below(sums))
                    } else if let Some(ops) = element.filter(|_| ch.chance(25)) {
                        Slot::Element(View {
                            storage: target,
                            ops,
                        })
                    } else {
                        sums += 1;
                        Slot::New
                    };
                    Step::Sum {
                        src,
                        slot,
                        read_now: ch.chance(30),
                        fused: ch.chance(50),
                    }
                }
                5 if sums > 0 => Step::ReadSum(ch.below(sums)),
                6 => {
                    let src = random_view(ch, &decls, storage);
                    let dst = view_shaped_like(ch, &decls, &src);
                    Step::Copy { src, dst }
                }
                7 => Step::ReadView(if ch.chance(30) {
                    aliasing_view(ch, &decls, storage)
                } else {
                    random_view(ch, &decls, storage)
                }),
                8 => Step::RejectedFill(aliasing_view(ch, &decls, storage)),
                9 => {
                    let src = if ch.chance(20) {
                        aliasing_view(ch, &decls, storage)
                    } else {
                        random_view(ch, &decls, storage)
                    };
                    let reduce = (0..shape_of(&decls, &src).len())
                        .map(|_| ch.chance(50))
                        .collect();
                    Step::SumAlong {
                        src,
                        reduce,
                        read_now: ch.chance(30),
                    }
                }
                _ => Step::ReadStorage(storage),
            }
        })
        .collect();
    Program {
        storages: decls,
        steps,
    }
}

// ---------------------------------------------------------------------------------------
// Running programs.

/// Runs `program` sequentially over plain arrays: what every run must observe.
fn run_reference(program: &Program) -> Vec<(String, Obs)> {
    let decls = &program.storages;
    let mut data: Vec<Vec<f64>> = decls
        .iter()
        .map(|d| match &d.init {
            Init::Zeros => vec![0.0; d.shape.iter().product()],
            Init::Values(v) => v.clone(),
        })
        .collect();
    let offsets = |v: &View| view_offsets(&decls[v.storage].shape, &v.ops);
    let gather = |data: &[Vec<f64>], v: &View| offsets(v).mapv(|o| data[v.storage][o]);
    let scatter = |data: &mut [Vec<f64>], v: &View, values: &ArrayD<f64>| {
        let offs = offsets(v);
        assert_eq!(offs.shape(), values.shape());
        for (&o, &x) in offs.iter().zip(values.iter()) {
            data[v.storage][o] = x;
        }
    };
    let whole = |data: &[Vec<f64>], s: usize| {
        ArrayD::from_shape_vec(IxDyn(&decls[s].shape), data[s].clone()).unwrap()
    };
    let mut sums: Vec<f64> = Vec::new();
    let mut alongs: Vec<ArrayD<f64>> = Vec::new();
    let mut obs = Vec::new();
    for (i, step) in program.steps.iter().enumerate() {
        let label = format!("step {i}");
        match step {
            Step::Fill { dst, value } => {
                let shape = offsets(dst).raw_dim();
                scatter(&mut data, dst, &ArrayD::from_elem(shape, *value));
            }
            Step::Axpby {
                out, x, y, a, b, ..
            } => {
                let (xs, ys) = (gather(&data, x), gather(&data, y));
                let mut result = xs.clone();
                Zip::from(&mut result)
                    .and(&xs)
                    .and(&ys)
                    .for_each(|r, &x, &y| *r = a * x + b * y);
                scatter(&mut data, out, &result);
            }
            Step::ElementwiseAxpby { out, x, y, a, b } => {
                let (xs, ys) = (gather(&data, x), gather(&data, y));
                let result = Zip::from(&xs).and(&ys).map_collect(|&x, &y| a * x + b * y);
                scatter(&mut data, out, &result);
            }
            Step::Temporary { out, x, y, z, a, b } => {
                let (xs, ys) = (gather(&data, x), gather(&data, y));
                let t = Zip::from(&xs).and(&ys).map_collect(|&x, &y| a * x + b * y);
                let zs = gather(&data, z);
                let result = Zip::from(&t).and(&zs).map_collect(|&t, &z| t + z);
                scatter(&mut data, out, &result);
            }
            Step::Sum {
                src,
                slot,
                read_now,
                ..
            } => {
                let s = gather(&data, src).sum();
                let value = match slot {
                    Slot::New => {
                        sums.push(s);
                        s
                    }
                    Slot::Existing(k) => {
                        sums[*k] += s;
                        sums[*k]
                    }
                    Slot::Element(v) => {
                        let sum = gather(&data, v) + s;
                        scatter(&mut data, v, &sum);
                        sum.sum()
                    }
                };
                if *read_now {
                    obs.push((label, Obs::Scalar(value)));
                }
            }
            Step::ReadSum(k) => obs.push((label, Obs::Scalar(sums[*k]))),
            Step::SumAlong {
                src,
                reduce,
                read_now,
            } => {
                let mut values = gather(&data, src);
                for d in (0..reduce.len()).rev().filter(|&d| reduce[d]) {
                    values = values.sum_axis(Axis(d));
                }
                let values = values.mapv(|v| v + 0.5);
                if *read_now {
                    obs.push((label, Obs::Values(values.clone())));
                }
                alongs.push(values);
            }
            Step::Copy { src, dst } => {
                let values = gather(&data, src);
                scatter(&mut data, dst, &values);
            }
            Step::ReadStorage(s) => obs.push((label, Obs::Values(whole(&data, *s)))),
            Step::ReadView(v) => obs.push((label, Obs::Values(gather(&data, v)))),
            Step::RejectedFill(_) => obs.push((label, Obs::Rejected)),
        }
    }
    for s in 0..decls.len() {
        obs.push((format!("end, storage {s}"), Obs::Values(whole(&data, s))));
    }
    for (k, &s) in sums.iter().enumerate() {
        obs.push((format!("end, sum {k}"), Obs::Scalar(s)));
    }
    for (k, a) in alongs.into_iter().enumerate() {
        obs.push((format!("end, sum along {k}"), Obs::Values(a)));
    }
    obs
}

/// Runs `program` on a runtime with `cpus` CPUs, recording what it observes.
fn run_on_runtime(program: &Program, cpus: usize, fusion: bool) -> Vec<(String, Obs)> {
    let rt = runtime(cpus, fusion);
    let lib = library(&rt);
    let failed = |e: Error| Obs::Failed(e.to_string());
    let values = |r: legate_core::Result<ArrayD<f64>>| r.map_or_else(failed, Obs::Values);
    let scalar = |r: legate_core::Result<f64>| r.map_or_else(failed, Obs::Scalar);
    let bases: Vec<LogicalStore> = program
        .storages
        .iter()
        .map(|d| {
            let shape: Vec<u64> = d.shape.iter().map(|&e| e as u64).collect();
            match &d.init {
                Init::Zeros => rt.create_store(Type::Float64, &shape).unwrap(),
                Init::Values(v) => rt.store_from_vec(v.clone(), &shape).unwrap(),
            }
        })
        .collect();
    let view = |v: &View| build_view(&bases[v.storage], &v.ops);
    let mut sums: Vec<LogicalStore> = Vec::new();
    let mut alongs: Vec<LogicalStore> = Vec::new();
    let mut obs = Vec::new();
    // The outcome of a launch: an error is only an observation when the program would not
    // have observed anything else.
    let mut issue_errors = Vec::new();
    for (i, step) in program.steps.iter().enumerate() {
        let label = format!("step {i}");
        let issued: legate_core::Result<()> = match step {
            Step::Fill { dst, value } => view(dst).and_then(|d| rt.fill(&d, Scalar::new(*value))),
            Step::Axpby {
                out,
                x,
                y,
                a,
                b,
                inputs_first,
            } => (|| {
                let (out, x, y) = (view(out)?, view(x)?, view(y)?);
                launch_axpby(&rt, &lib, &out, &x, &y, (*a, *b), *inputs_first)
            })(),
            Step::ElementwiseAxpby { out, x, y, a, b } => (|| {
                let (out, x, y) = (view(out)?, view(x)?, view(y)?);
                rt.elementwise(axpby_kernel(*a, *b), &[&x, &y], &out)
            })(),
            Step::Temporary { out, x, y, z, a, b } => (|| {
                let (out, x, y, z) = (view(out)?, view(x)?, view(y)?, view(z)?);
                let shape = out.shape();
                let t = rt.create_store(Type::Float64, &shape)?;
                rt.elementwise(axpby_kernel(*a, *b), &[&x, &y], &t)?;
                rt.elementwise(axpby_kernel(1.0, 1.0), &[&t, &z], &out)
            })(),
            Step::Sum {
                src,
                slot,
                read_now,
                fused,
            } => (|| {
                let acc = match slot {
                    Slot::New => {
                        sums.push(rt.create_scalar_store(Scalar::new(0.0f64))?);
                        sums[sums.len() - 1].clone()
                    }
                    Slot::Existing(k) => sums[*k].clone(),
                    Slot::Element(v) => view(v)?,
                };
                let src = view(src)?;
                if *fused && !src.same_storage(&acc) {
                    rt.elementwise_reduce(sum_kernel(), &src, ReductionOp::Add, &acc)?;
                } else {
                    launch_sum(&rt, &lib, &src, &acc)?;
                }
                if *read_now {
                    obs.push((label.clone(), scalar(acc.read_scalar::<f64>())));
                }
                Ok(())
            })(),
            Step::ReadSum(k) => {
                obs.push((label, scalar(sums[*k].read_scalar::<f64>())));
                Ok(())
            }
            Step::SumAlong {
                src,
                reduce,
                read_now,
            } => (|| {
                let src = view(src)?;
                let shape = src.shape();
                let kept: Vec<u64> = shape
                    .iter()
                    .zip(reduce)
                    .filter(|(_, &r)| !r)
                    .map(|(&e, _)| e)
                    .collect();
                let out = rt.create_store(Type::Float64, &kept)?;
                rt.fill(&out, Scalar::new(0.5f64))?;
                let mut target = out.clone();
                for (d, (&e, &r)) in shape.iter().zip(reduce).enumerate() {
                    if r {
                        target = target.promote(d, e)?;
                    }
                }
                rt.elementwise_reduce(sum_kernel(), &src, ReductionOp::Add, &target)?;
                if *read_now {
                    obs.push((label.clone(), values(out.read::<f64>())));
                }
                alongs.push(out);
                Ok(())
            })(),
            Step::Copy { src, dst } => view(src).and_then(|s| rt.copy(&s, &view(dst)?)),
            Step::ReadStorage(s) => {
                obs.push((label, values(bases[*s].read::<f64>())));
                Ok(())
            }
            Step::ReadView(v) => {
                obs.push((label, values(view(v).and_then(|v| v.read::<f64>()))));
                Ok(())
            }
            Step::RejectedFill(v) => {
                let outcome = match view(v).and_then(|v| rt.fill(&v, Scalar::new(99.0f64))) {
                    Err(Error::InvalidArgument { .. }) => Obs::Rejected,
                    Err(e) => failed(e),
                    Ok(()) => Obs::Failed("a write through an aliasing view was accepted".into()),
                };
                obs.push((label, outcome));
                Ok(())
            }
        };
        if let Err(e) = issued {
            issue_errors.push((format!("step {i}"), Obs::Failed(e.to_string())));
        }
    }
    for (s, base) in bases.iter().enumerate() {
        obs.push((format!("end, storage {s}"), values(base.read::<f64>())));
    }
    for (k, acc) in sums.iter().enumerate() {
        obs.push((format!("end, sum {k}"), scalar(acc.read_scalar::<f64>())));
    }
    for (k, out) in alongs.iter().enumerate() {
        obs.push((format!("end, sum along {k}"), values(out.read::<f64>())));
    }
    if let Err(e) = rt.fence() {
        obs.push(("end, fence".into(), failed(e)));
    }
    // A refused launch is a bug of the runtime: report it before anything it caused.
    issue_errors.extend(obs);
    issue_errors
}

/// Runs `program` on `cpus` CPUs (fused or not) in a thread of its own, so that a deadlock
/// is a failure rather than a test that never ends.
fn run_with_watchdog(
    program: &Program,
    cpus: usize,
    fusion: bool,
) -> Result<Vec<(String, Obs)>, String> {
    let (tx, rx) = mpsc::channel();
    let p = program.clone();
    let handle = thread::spawn(move || {
        let _ = tx.send(run_on_runtime(&p, cpus, fusion));
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(obs) => Ok(obs),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "not finished after 60 s on {cpus} CPUs (deadlock?)"
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let why = handle.join().err().map_or_else(String::new, |p| {
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            });
            Err(format!("panicked on {cpus} CPUs: {why}"))
        }
    }
}

fn first_difference(expected: &[(String, Obs)], got: &[(String, Obs)]) -> Option<String> {
    for (k, (e, g)) in expected.iter().zip(got).enumerate() {
        if e != g {
            return Some(format!(
                "observation {k}: expected {}: {:?}\n got {}: {:?}",
                e.0, e.1, g.0, g.1
            ));
        }
    }
    (expected.len() != got.len()).then(|| {
        format!(
            "{} observations expected, {} made: {:?}",
            expected.len(),
            got.len(),
            got.get(expected.len())
        )
    })
}

fn storage_seed() -> impl Strategy<Value = StorageSeed> {
    (
        any::<bool>(),
        1usize..=40,
        1usize..=9,
        1usize..=9,
        any::<u8>(),
        any::<u32>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        max_shrink_time: 120_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_programs_match_sequential_ndarray(
        storages in prop::collection::vec(storage_seed(), 2..=3),
        steps in prop::collection::vec(prop::collection::vec(any::<u32>(), 48), 5..=15),
    ) {
        let program = decode(&storages, &steps);
        let expected = run_reference(&program);
        for cpus in 1..=4 {
            for fusion in [true, false] {
                let got = run_with_watchdog(&program, cpus, fusion);
                let diff = match &got {
                    Ok(got) => first_difference(&expected, got),
                    Err(e) => Some(e.clone()),
                };
                prop_assert!(
                    diff.is_none(),
                    "on {} CPUs, fusion {}: {}\n{}",
                    cpus,
                    fusion,
                    diff.unwrap_or_default(),
                    program
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic tests.

/// The reference's slices are NumPy's (expected values as `list(range(n))[start:stop:step]`
/// gives them in Python).
#[test]
fn reference_slices_follow_numpy() {
    type Case = (Option<i64>, Option<i64>, i64, &'static [usize]);
    let cases: [Case; 12] = [
        (None, None, -1, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
        (Some(8), Some(2), -2, &[8, 6, 4]),
        (Some(-3), None, 1, &[7, 8, 9]),
        (None, Some(-3), -1, &[9, 8]),
        (Some(5), Some(100), 3, &[5, 8]),
        (Some(-100), Some(3), 1, &[0, 1, 2]),
        (Some(100), Some(-100), -4, &[9, 5, 1]),
        (Some(3), Some(3), 1, &[]),
        (None, None, -3, &[9, 6, 3, 0]),
        (Some(-1), Some(-11), -1, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
        (Some(2), Some(-1), -1, &[]),
        (Some(-2), Some(0), -3, &[8, 5, 2]),
    ];
    for (start, stop, step, want) in cases {
        assert_eq!(
            numpy_slice(10, start, stop, step),
            want,
            "{start:?}:{stop:?}:{step}"
        );
    }
}

fn vec_of(s: &LogicalStore) -> Vec<f64> {
    s.read::<f64>().unwrap().iter().copied().collect()
}

fn array2(s: &LogicalStore) -> Array2<f64> {
    s.read::<f64>()
        .unwrap()
        .into_dimensionality::<legate_core::ndarray::Ix2>()
        .unwrap()
}

#[test]
fn views_alias_through_the_storage() {
    for cpus in 1..=4 {
        let rt = runtime(cpus, true);
        let lib = library(&rt);

        // A strided, reversed window of a transposed matrix: out[i][j] = base[j][7 - 2i].
        let mut expected = Array2::from_shape_fn((6, 8), |(r, c)| (r * 8 + c) as f64);
        let base = rt
            .store_from_vec(expected.iter().copied().collect(), &[6, 8])
            .unwrap();
        let t = base.transpose(&[1, 0]).unwrap();
        let out = t.slice(0, Some(7), None, -2).unwrap();
        let left = t.slice(0, Some(6), None, -2).unwrap();
        assert_eq!(out.shape(), vec![4, 6]);
        // out = out + 10 * left: the output is its own first input.
        launch_axpby(&rt, &lib, &out, &out, &left, (1.0, 10.0), true).unwrap();
        for r in 0..6 {
            for i in 0..4 {
                let c = 7 - 2 * i;
                expected[[r, c]] += 10.0 * expected[[r, c - 1]];
            }
        }
        assert_eq!(array2(&base), expected, "{cpus} CPUs");
        let odd_columns = base.slice(1, Some(1), None, 2).unwrap();
        assert_eq!(
            array2(&odd_columns),
            Array2::from_shape_fn((6, 4), |(r, k)| expected[[r, 2 * k + 1]])
        );
        assert_eq!(
            array2(&out),
            Array2::from_shape_fn((4, 6), |(i, j)| expected[[j, 7 - 2 * i]])
        );

        // A write through a projected row shows in a projected column.
        let row = base.project(0, 2).unwrap();
        rt.fill(
            &row.slice(0, None, None, -3).unwrap(),
            Scalar::new(100.0f64),
        )
        .unwrap();
        for c in [7, 4, 1] {
            expected[[2, c]] = 100.0;
        }
        let column = base.project(1, -4).unwrap();
        assert_eq!(vec_of(&column), expected.column(4).to_vec());
        assert_eq!(array2(&base), expected);

        // A shifted, overlapping write: rows 1..6 = 2 * rows 0..5 + rows 1..6, the right-
        // hand side read before anything is written, as in NumPy.
        let below = base.slice(0, Some(1), None, 1).unwrap();
        let above = base.slice(0, None, Some(-1), 1).unwrap();
        launch_axpby(&rt, &lib, &below, &above, &below, (2.0, 1.0), false).unwrap();
        let old = expected.clone();
        for r in 1..6 {
            for c in 0..8 {
                expected[[r, c]] = 2.0 * old[[r - 1, c]] + old[[r, c]];
            }
        }
        assert_eq!(array2(&base), expected, "{cpus} CPUs");

        // Delinearized views of a 1-D storage: d[r][c] is flat[4r + c].
        let mut flat_expected: Vec<f64> = (0..32).map(f64::from).collect();
        let flat = rt.store_from_vec(flat_expected.clone(), &[32]).unwrap();
        let d = flat.delinearize(0, &[8, 4]).unwrap();
        let odd = d.slice(1, Some(-1), None, -2).unwrap();
        let even = d.slice(1, Some(0), None, 2).unwrap();
        rt.copy(&even, &odd).unwrap();
        for r in 0..8 {
            for k in 0..2 {
                flat_expected[4 * r + 3 - 2 * k] = flat_expected[4 * r + 2 * k];
            }
        }
        assert_eq!(vec_of(&flat), flat_expected, "{cpus} CPUs");
        assert_eq!(
            array2(&d.transpose(&[1, 0]).unwrap()),
            Array2::from_shape_fn((4, 8), |(c, r)| flat_expected[4 * r + c])
        );
        // Overlapping copies in both directions (a[1:] = a[:-1] and a[:-1] = a[1:]).
        rt.copy(
            &d.slice(0, None, Some(7), 1).unwrap(),
            &d.slice(0, Some(1), None, 1).unwrap(),
        )
        .unwrap();
        let old = flat_expected.clone();
        flat_expected[4..].copy_from_slice(&old[..28]);
        assert_eq!(vec_of(&flat), flat_expected, "{cpus} CPUs");
        rt.copy(
            &d.slice(0, Some(1), None, 1).unwrap(),
            &d.slice(0, None, Some(7), 1).unwrap(),
        )
        .unwrap();
        let old = flat_expected.clone();
        flat_expected[..28].copy_from_slice(&old[4..]);
        assert_eq!(vec_of(&flat), flat_expected, "{cpus} CPUs");

        // A delinearized reversed stride: e[i][j] = flat[30 - 2(8i + j)].
        let e = flat
            .slice(0, Some(30), None, -2)
            .unwrap()
            .delinearize(0, &[2, 8])
            .unwrap();
        rt.fill(&e.project(0, 1).unwrap(), Scalar::new(-1.0f64))
            .unwrap();
        for j in 0..8 {
            flat_expected[30 - 2 * (8 + j)] = -1.0;
        }
        assert_eq!(vec_of(&flat), flat_expected, "{cpus} CPUs");
        assert_eq!(
            array2(&e),
            Array2::from_shape_fn((2, 8), |(i, j)| flat_expected[30 - 2 * (8 * i + j)])
        );

        // Promoted and broadcast views read the points they alias.
        let rows = base.project(0, 0).unwrap().promote(0, 3).unwrap();
        assert_eq!(
            array2(&rows),
            Array2::from_shape_fn((3, 8), |(_, c)| expected[[0, c]])
        );
        let wide = flat
            .slice(0, Some(5), Some(6), 1)
            .unwrap()
            .broadcast(0, 4)
            .unwrap();
        assert_eq!(vec_of(&wide), vec![flat_expected[5]; 4]);
        rt.fence().unwrap();
    }
}

#[test]
fn errors_leave_stores_intact() {
    let rt = runtime(3, true);
    let lib = library(&rt);
    let a_values: Vec<f64> = (0..18).map(f64::from).collect();
    let b_values: Vec<f64> = (0..18).map(|i| f64::from(i) * -2.0).collect();
    let a = rt.store_from_vec(a_values.clone(), &[3, 6]).unwrap();
    let b = rt.store_from_vec(b_values.clone(), &[18]).unwrap();
    let total = rt.create_scalar_store(Scalar::new(5.0f64)).unwrap();
    let intact = |when: &str| {
        assert_eq!(vec_of(&a), a_values, "a after {when}");
        assert_eq!(vec_of(&b), b_values, "b after {when}");
        assert_eq!(
            total.read_scalar::<f64>().unwrap(),
            5.0,
            "total after {when}"
        );
    };

    // Shapes that do not align.
    let err = launch_axpby(&rt, &lib, &a, &b, &a, (1.0, 1.0), true).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ShapeMismatch {
                context: "align",
                ..
            }
        ),
        "{err:?}"
    );
    let at = a.transpose(&[1, 0]).unwrap();
    let err = launch_axpby(&rt, &lib, &a, &a, &at, (1.0, 1.0), false).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ShapeMismatch {
                context: "align",
                ..
            }
        ),
        "{err:?}"
    );
    intact("shape mismatches");

    // Writes through views whose points alias.
    let one = b
        .slice(0, Some(3), Some(4), 1)
        .unwrap()
        .broadcast(0, 5)
        .unwrap();
    let err = rt.fill(&one, Scalar::new(1.0f64)).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let promoted = a.project(0, 1).unwrap().promote(0, 3).unwrap();
    let err = launch_axpby(&rt, &lib, &promoted, &a, &a, (1.0, 0.0), true).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let src = b.slice(0, None, Some(5), 1).unwrap();
    let err = rt.copy(&src, &one).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    intact("writes through aliasing views");

    // Bad views and unknown tasks.
    assert!(matches!(
        b.slice(0, None, None, 0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        a.project(1, 6),
        Err(Error::IndexOutOfBounds {
            dim: 1,
            index: 6,
            extent: 6
        })
    ));
    assert!(matches!(
        b.delinearize(0, &[5, 2]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        rt.create_auto_task(&lib, 77),
        Err(Error::UnknownTask { task_id: 77, .. })
    ));
    intact("bad views");

    // A task that returns an error: reported, naming it, at the next fence; once.
    let mut task = rt.create_auto_task(&lib, ALWAYS_FAILS).unwrap();
    task.add_output(&a);
    task.execute().unwrap();
    match rt.fence() {
        Err(Error::TaskFailed {
            library,
            task,
            message,
            ..
        }) => {
            assert_eq!((library.as_str(), task.as_str()), (LIBRARY, "always_fails"));
            assert!(message.contains("refused to run"), "{message}");
        }
        other => panic!("expected the task's failure, got {other:?}"),
    }
    rt.fence().unwrap();
    intact("a task that failed");

    // A task that panics: reported at the next read of what it writes.
    let mut task = rt.create_auto_task(&lib, PANICS).unwrap();
    task.add_output(&b);
    task.execute().unwrap();
    match b.read::<f64>() {
        Err(Error::TaskFailed { task, message, .. }) => {
            assert_eq!(task, "panics");
            assert!(message.contains("boom"), "{message}");
        }
        other => panic!("expected the task's panic, got {other:?}"),
    }
    intact("a task that panicked");

    // A failed reduction folds nothing.
    let mut task = rt.create_auto_task(&lib, ALWAYS_FAILS).unwrap();
    task.add_input(&b);
    task.add_reduction(&total, ReductionOp::Add);
    task.execute().unwrap();
    match total.read_scalar::<f64>() {
        Err(Error::TaskFailed { task, .. }) => assert_eq!(task, "always_fails"),
        other => panic!("expected the reduction's failure, got {other:?}"),
    }
    intact("a reduction that failed");

    // The runtime keeps working.
    let c = rt.create_store(Type::Float64, &[3, 6]).unwrap();
    let bm = b.delinearize(0, &[3, 6]).unwrap();
    launch_axpby(&rt, &lib, &c, &a, &bm, (3.0, 1.0), true).unwrap();
    launch_sum(&rt, &lib, &c, &total).unwrap();
    let want: Vec<f64> = a_values
        .iter()
        .zip(&b_values)
        .map(|(a, b)| 3.0 * a + b)
        .collect();
    assert_eq!(vec_of(&c), want);
    assert_eq!(
        total.read_scalar::<f64>().unwrap(),
        5.0 + want.iter().sum::<f64>()
    );
    rt.fence().unwrap();
}

// ---------------------------------------------------------------------------------------
// Reproducers of runtime bugs found by the tests above (they fail until the bugs are fixed).

/// `copy(v, v)`, NumPy's `a[...] = a`, must leave `a` as it is. The runtime passes the
/// input aliased to the output (same view, same partition) and the builtin copy task reads
/// it as a plain input, so the copy fails with `TaskFailed` ("this input is also output 0").
/// Views equal as maps count too: a full slice `a[0:n:1]`, or two empty slices.
#[test]
fn copy_of_a_view_onto_itself_keeps_its_values() {
    let rt = runtime(2, true);
    let a = rt
        .store_from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[4])
        .unwrap();
    rt.copy(&a, &a).unwrap();
    rt.copy(&a.slice(0, Some(0), Some(4), 1).unwrap(), &a)
        .unwrap();
    let v = a.slice(0, Some(3), None, -2).unwrap();
    rt.copy(&v, &v).unwrap();
    rt.fence().unwrap();
    assert_eq!(vec_of(&a), vec![1.0, 2.0, 3.0, 4.0]);
}

/// A store of 4 elements on 3 CPUs (pieces of at least 1 element) is cut into 3 colors,
/// but tiles of `ceil(4 / 3) = 2` elements make only 2 tiles; `check_outputs` then sees a
/// tiling of 2 colors in a launch of 3 points and refuses the output as "written by several
/// points". Every fill, copy or aligned task on such a store fails the same way.
#[test]
fn outputs_cut_into_fewer_tiles_than_pieces_are_accepted() {
    for (cpus, shape) in [(3, vec![4u64]), (4, vec![5]), (4, vec![9]), (3, vec![4, 3])] {
        let rt = runtime(cpus, true);
        let a = rt.create_store(Type::Float64, &shape).unwrap();
        rt.fill(&a, Scalar::new(1.0f64))
            .unwrap_or_else(|e| panic!("fill of shape {shape:?} on {cpus} CPUs: {e}"));
        assert!(a.read::<f64>().unwrap().iter().all(|&v| v == 1.0));
    }
}

/// Writing an empty store or an empty view makes the task panic in ndarray: the piece's
/// pointer is not aligned for a store with no elements ("The pointer must be aligned"), and
/// its strides overlap for a shape like `[2, 0]` (row-major strides `[0, 1]`) or an empty
/// delinearized view ("The strides must not allow any element to be referenced by two
/// different indices"). NumPy writes nothing and succeeds.
#[test]
fn empty_stores_and_views_can_be_written() {
    let rt = runtime(2, true);
    for shape in [vec![0u64], vec![2, 0], vec![0, 2], vec![3, 0, 2]] {
        let s = rt.create_store(Type::Float64, &shape).unwrap();
        rt.fill(&s, Scalar::new(1.0f64)).unwrap();
        rt.fence()
            .unwrap_or_else(|e| panic!("fill of an empty store of shape {shape:?}: {e}"));
        assert_eq!(s.read::<f64>().unwrap().len(), 0);
    }
    let a = rt.create_store(Type::Float64, &[3]).unwrap();
    let empty = a
        .slice(0, Some(1), Some(1), 1)
        .unwrap()
        .delinearize(0, &[2, 2, 0])
        .unwrap();
    rt.fill(&a, Scalar::new(2.0f64)).unwrap();
    rt.copy(&rt.create_store(Type::Float64, &[2, 2, 0]).unwrap(), &empty)
        .unwrap();
    rt.fence()
        .unwrap_or_else(|e| panic!("copy into an empty delinearized view: {e}"));
    assert_eq!(vec_of(&a), vec![2.0; 3]);
}
