//! The library interface from Python (`legate.core`): stores, Python functions
//! registered as task bodies, and auto and manual launches with constraints.
//!
//! A Python task body receives NumPy views of its point's pieces (inputs, read-only,
//! then outputs), then NumPy copies of its reduction accumulators (written back when it
//! returns), then the scalar arguments. A view's base object keeps the piece's memory
//! allocated, so a view the body keeps never dangles; it is made read-only when the body
//! returns, since later tasks own those bytes. Bodies need the interpreter, so a launch
//! of one waits for it to finish with the interpreter released (the workers take it in
//! turn): launches of Python tasks are synchronous.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use legate_core::{
    Constraint, Element, ImageKind, Library, LogicalStore, PhysicalStore, PieceMemory, ReductionOp,
    TaskContext, TaskDef, TaskError, Type, Variable,
};
use legate_dense::Array;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dense::{scalar_to_py, scalar_value, Handle};
use crate::errors::IntoPy;
use crate::runtime::dense;

/// The library Python tasks are registered in.
fn library() -> PyResult<&'static Library> {
    static LIB: OnceLock<Library> = OnceLock::new();
    if let Some(l) = LIB.get() {
        return Ok(l);
    }
    let lib = dense()?.runtime().create_library("legate.python").py()?;
    Ok(LIB.get_or_init(|| lib))
}

/// A store of the runtime (`legate.core.Store`).
#[pyclass(name = "Store", module = "legate._legate", frozen)]
pub struct Store {
    s: LogicalStore,
}

#[pymethods]
impl Store {
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.s.shape())
    }

    #[getter]
    fn dtype(&self) -> &'static str {
        self.s.ty().name()
    }

    /// The store's values as a `legate.dense` array handle (sharing the store).
    fn array(&self) -> PyResult<Handle> {
        Ok(Handle::new(Array::from_store(&dense()?, self.s.clone())))
    }

    /// Whether two handles name the same store and view.
    fn same(&self, other: &Store) -> bool {
        self.s.same_view(&other.s)
    }
}

/// A new store.
#[pyfunction]
fn create_store(shape: Vec<u64>, dtype: &str) -> PyResult<Store> {
    let ty = Type::from_name(dtype)
        .map_err(|_| PyTypeError::new_err(format!("unsupported dtype {dtype}")))?;
    Ok(Store {
        s: dense()?.runtime().create_store(ty, &shape).py()?,
    })
}

/// The store of a `legate.dense` array (sharing it).
#[pyfunction]
fn store_of(h: &Handle) -> Store {
    Store {
        s: h.a.store().clone(),
    }
}

fn task_error(e: impl std::fmt::Display) -> TaskError {
    TaskError::new(e.to_string())
}

/// The base object of a NumPy view of a piece: it keeps the piece's memory allocated.
#[pyclass(name = "PieceMemory", module = "legate._legate", frozen)]
struct PieceOwner {
    _memory: PieceMemory,
}

/// Clears a NumPy array's `WRITEABLE` flag.
fn make_read_only(obj: &Bound<'_, PyAny>) -> Result<(), TaskError> {
    let kwargs = PyDict::new(obj.py());
    kwargs.set_item("write", false).map_err(task_error)?;
    obj.call_method("setflags", (), Some(&kwargs))
        .map_err(task_error)?;
    Ok(())
}

/// A NumPy view of a piece (read-only unless `writable`), without a copy; `None` for a
/// piece without memory of its own (a reduction's accumulator).
fn piece_view<'py, T: Element + numpy::Element>(
    py: Python<'py>,
    s: &PhysicalStore,
    writable: bool,
) -> Result<Option<Bound<'py, PyAny>>, TaskError> {
    let Some(memory) = s.memory() else {
        return Ok(None);
    };
    let owner = Bound::new(py, PieceOwner { _memory: memory })
        .map_err(task_error)?
        .into_any();
    let view = if writable {
        let piece = s.write::<T>()?;
        // SAFETY: `owner`, the array's base, holds the allocation the view points into, so
        // the memory outlives the array; nothing reallocates it. The analysis gives this
        // point the piece alone while the body runs (no other task reads or writes it).
        unsafe { PyArrayDyn::borrow_from_array(&piece, owner) }.into_any()
    } else {
        let piece = s.read::<T>()?;
        // SAFETY: as above; the view is made read-only before the body sees it, and no
        // task writes the piece while this one reads it.
        let view = unsafe { PyArrayDyn::borrow_from_array(&piece, owner) }.into_any();
        make_read_only(&view)?;
        view
    };
    Ok(Some(view))
}

/// Writes a NumPy array back into the piece it was copied from.
type WriteBack<'a> = Box<dyn FnOnce(&Bound<'_, PyAny>) -> Result<(), TaskError> + 'a>;

/// A NumPy copy of a reduction's accumulator, with what writes it back (the accumulator
/// is borrowed once, here, until then).
fn piece_inout<'py, 'a, T: Element + numpy::Element>(
    py: Python<'py>,
    s: &'a PhysicalStore,
) -> Result<(Bound<'py, PyAny>, WriteBack<'a>), TaskError> {
    let mut view = s.write::<T>()?;
    let copy = PyArrayDyn::from_owned_array(py, view.to_owned()).into_any();
    let back: WriteBack<'a> = Box::new(move |obj: &Bound<'_, PyAny>| {
        let arr: PyReadonlyArrayDyn<'_, T> = obj.extract().map_err(task_error)?;
        let new = arr.as_array();
        if new.shape() != view.shape() {
            return Err(TaskError::new(format!(
                "a task body reshaped an output piece: {:?} became {:?}",
                view.shape(),
                new.shape()
            )));
        }
        view.assign(&new);
        Ok(())
    });
    Ok((copy, back))
}

/// A NumPy copy of an input piece (one without memory of its own).
fn piece_in<'py, T: Element + numpy::Element>(
    py: Python<'py>,
    s: &PhysicalStore,
) -> Result<Bound<'py, PyAny>, TaskError> {
    let data = s.read::<T>()?.to_owned();
    Ok(PyArrayDyn::from_owned_array(py, data).into_any())
}

/// Runs a Python body on one point.
fn run_body(func: &Py<PyAny>, ctx: &mut TaskContext<'_>) -> Result<(), TaskError> {
    Python::attach(|py| {
        let mut args: Vec<Bound<'_, PyAny>> = Vec::new();
        let mut written: Vec<(usize, WriteBack<'_>)> = Vec::new();
        let mut views: Vec<usize> = Vec::new();
        for i in 0..ctx.num_inputs() {
            let s = ctx.input(i)?;
            match by_type!(s.ty(), piece_view(py, s, false))? {
                Some(view) => {
                    views.push(args.len());
                    args.push(view);
                }
                None => args.push(by_type!(s.ty(), piece_in(py, s))?),
            }
        }
        let outs = (0..ctx.num_outputs()).map(|i| ctx.output(i));
        let reds = (0..ctx.num_reductions()).map(|i| ctx.reduction(i));
        for s in outs.chain(reds) {
            let s = s?;
            if let Some(view) = by_type!(s.ty(), piece_view(py, s, true))? {
                views.push(args.len());
                args.push(view);
                continue;
            }
            let (copy, back) = by_type!(s.ty(), piece_inout(py, s))?;
            written.push((args.len(), back));
            args.push(copy);
        }
        for i in 0..ctx.num_scalars() {
            args.push(scalar_to_py(py, &ctx.scalar(i)?).map_err(task_error)?);
        }
        let tuple = PyTuple::new(py, &args).map_err(task_error)?;
        let called = func.call1(py, tuple).map_err(|e| {
            let tb = e
                .traceback(py)
                .and_then(|t| t.format().ok())
                .unwrap_or_default();
            TaskError::new(format!("{e}\n{tb}"))
        });
        // A view the body kept (a global, a closure) outlives the task: it may still read
        // the bytes, which later tasks own, but not write them.
        for &k in &views {
            // SAFETY: `args[k]` is a live object, held by `args`.
            if unsafe { pyo3::ffi::Py_REFCNT(args[k].as_ptr()) } > 1 {
                make_read_only(&args[k])?;
            }
        }
        called?;
        for (k, back) in written {
            back(&args[k])?;
        }
        Ok(())
    })
}

/// Registers `func` as a task body (CPU and OMP variants) and returns its task id.
#[pyfunction]
fn register_task(func: Py<PyAny>, name: String) -> PyResult<u32> {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let func = Arc::new(func);
    let body = move |ctx: &mut TaskContext<'_>| run_body(&func, ctx);
    let body = Arc::new(body);
    let (b1, b2) = (Arc::clone(&body), body);
    library()?
        .register_task(
            id,
            TaskDef::new(name)
                .cpu(move |ctx: &mut TaskContext<'_>| b1(ctx))
                .omp(move |ctx: &mut TaskContext<'_>| b2(ctx))
                .never_inline(),
        )
        .py()?;
    Ok(id)
}

fn store_arg(obj: &Bound<'_, PyAny>) -> PyResult<LogicalStore> {
    Ok(obj.cast::<Store>()?.get().s.clone())
}

fn reduction_op(name: &str) -> PyResult<ReductionOp> {
    Ok(match name {
        "add" | "sum" => ReductionOp::Add,
        "mul" | "prod" => ReductionOp::Mul,
        "max" => ReductionOp::Max,
        "min" => ReductionOp::Min,
        "or" => ReductionOp::Or,
        "and" => ReductionOp::And,
        "xor" => ReductionOp::Xor,
        _ => return Err(PyValueError::new_err(format!("unknown reduction {name:?}"))),
    })
}

/// A constraint over argument positions, as the Python layer gives it:
/// `(kind, positions..., parameters...)`.
enum Spec {
    Align(usize, usize),
    Broadcast(usize, Vec<usize>),
    Image(usize, usize, ImageKind),
    Bloat(usize, usize, Vec<u64>, Vec<u64>),
    Scale(Vec<u64>, usize, usize),
}

fn constraint(c: &Bound<'_, PyAny>) -> PyResult<Spec> {
    let kind: String = c.get_item(0)?.extract()?;
    let pos = |i: usize| -> PyResult<usize> { c.get_item(i)?.extract() };
    Ok(match kind.as_str() {
        "align" => Spec::Align(pos(1)?, pos(2)?),
        "broadcast" => Spec::Broadcast(pos(1)?, c.get_item(2)?.extract()?),
        "image" => {
            let k: String = c.get_item(3)?.extract()?;
            let kind = match k.as_str() {
                "exact" => ImageKind::Exact,
                "minmax" => ImageKind::MinMax,
                "firstlast" => ImageKind::FirstLast,
                _ => return Err(PyValueError::new_err(format!("unknown image kind {k:?}"))),
            };
            Spec::Image(pos(1)?, pos(2)?, kind)
        }
        "bloat" => Spec::Bloat(
            pos(1)?,
            pos(2)?,
            c.get_item(3)?.extract()?,
            c.get_item(4)?.extract()?,
        ),
        "scale" => Spec::Scale(c.get_item(3)?.extract()?, pos(1)?, pos(2)?),
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown constraint {kind:?}"
            )))
        }
    })
}

impl Spec {
    /// The constraint over the launch's variables (`vars[i]`: argument position `i`).
    fn build(&self, vars: &[Variable]) -> legate_core::Result<Constraint> {
        let v = |i: usize| {
            vars.get(i)
                .copied()
                .ok_or_else(|| legate_core::Error::InvalidArgument {
                    what: format!(
                        "a constraint names argument {i} of a launch of {}",
                        vars.len()
                    ),
                })
        };
        Ok(match self {
            Spec::Align(a, b) => legate_core::align(v(*a)?, v(*b)?),
            Spec::Broadcast(a, dims) => legate_core::broadcast(v(*a)?, dims),
            Spec::Image(a, b, k) => legate_core::image(v(*a)?, v(*b)?, *k),
            Spec::Bloat(a, b, low, high) => legate_core::bloat(v(*a)?, v(*b)?, low, high),
            Spec::Scale(f, a, b) => legate_core::scale(f, v(*a)?, v(*b)?),
        })
    }
}

/// Launches task `id` as an auto task: `inputs`, `outputs`, `reductions` (`(store,
/// op)`), `scalars` and `constraints` over argument positions; waits for it.
#[pyfunction]
fn execute_auto(
    py: Python<'_>,
    id: u32,
    inputs: Vec<Bound<'_, PyAny>>,
    outputs: Vec<Bound<'_, PyAny>>,
    reductions: Vec<(Bound<'_, PyAny>, String)>,
    scalars: Vec<Bound<'_, PyAny>>,
    constraints: Vec<Bound<'_, PyAny>>,
) -> PyResult<()> {
    let lib = library()?;
    let d = dense()?;
    let rt = d.runtime();
    let ins = inputs.iter().map(store_arg).collect::<PyResult<Vec<_>>>()?;
    let outs = outputs
        .iter()
        .map(store_arg)
        .collect::<PyResult<Vec<_>>>()?;
    let reds = reductions
        .iter()
        .map(|(s, op)| Ok((store_arg(s)?, reduction_op(op)?)))
        .collect::<PyResult<Vec<_>>>()?;
    let scalars = scalars
        .iter()
        .map(scalar_value)
        .collect::<PyResult<Vec<_>>>()?;
    let constraints = constraints
        .iter()
        .map(constraint)
        .collect::<PyResult<Vec<_>>>()?;
    py.detach(|| {
        let mut t = rt.create_auto_task(lib, id)?;
        let mut vars = Vec::new();
        for s in &ins {
            vars.push(t.add_input(s));
        }
        for s in &outs {
            vars.push(t.add_output(s));
        }
        for (s, op) in &reds {
            vars.push(t.add_reduction(s, *op));
        }
        for s in scalars {
            t.add_scalar_arg(s);
        }
        for c in &constraints {
            t.add_constraint(c.build(&vars)?);
        }
        t.execute()?;
        rt.fence()
    })
    .py()
}

/// Launches task `id` over `launch_shape`: each argument `(store, tile or None)` is cut
/// into tiles (point `c` gets tile `c`) or given whole.
#[pyfunction]
fn execute_manual(
    py: Python<'_>,
    id: u32,
    launch_shape: Vec<u64>,
    inputs: Vec<(Bound<'_, PyAny>, Option<Vec<u64>>)>,
    outputs: Vec<(Bound<'_, PyAny>, Option<Vec<u64>>)>,
    scalars: Vec<Bound<'_, PyAny>>,
) -> PyResult<()> {
    let lib = library()?;
    let d = dense()?;
    let rt = d.runtime();
    let parse = |args: &[(Bound<'_, PyAny>, Option<Vec<u64>>)]| {
        args.iter()
            .map(|(s, tile)| Ok((store_arg(s)?, tile.clone())))
            .collect::<PyResult<Vec<_>>>()
    };
    let (ins, outs) = (parse(&inputs)?, parse(&outputs)?);
    let scalars = scalars
        .iter()
        .map(scalar_value)
        .collect::<PyResult<Vec<_>>>()?;
    py.detach(|| {
        let mut t = rt.create_manual_task(lib, id, &launch_shape)?;
        for (s, tile) in &ins {
            match tile {
                Some(tile) => t.add_input_partition(&s.partition_by_tiling(tile)?)?,
                None => t.add_input(s),
            }
        }
        for (s, tile) in &outs {
            match tile {
                Some(tile) => t.add_output_partition(&s.partition_by_tiling(tile)?)?,
                None => t.add_output(s),
            }
        }
        for s in scalars {
            t.add_scalar_arg(s);
        }
        t.execute()?;
        rt.fence()
    })
    .py()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Store>()?;
    m.add_function(wrap_pyfunction!(create_store, m)?)?;
    m.add_function(wrap_pyfunction!(store_of, m)?)?;
    m.add_function(wrap_pyfunction!(register_task, m)?)?;
    m.add_function(wrap_pyfunction!(execute_auto, m)?)?;
    m.add_function(wrap_pyfunction!(execute_manual, m)?)?;
    Ok(())
}
