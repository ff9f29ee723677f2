//! `legate.dense` seen from Rust: a [`Handle`] per array and the functions the Python
//! `ndarray` class calls.

use legate_core::num_complex::Complex;
use legate_core::{Element, Scalar, Type};
use legate_dense::linalg::NormOrd;
use legate_dense::{Array, BinaryOp, Index, IndexExpr, Operand, UnaryOp};
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt, PyTuple};

use crate::errors::IntoPy;
use crate::runtime::dense;

/// One legate-dense array (a view or a whole store).
#[pyclass(name = "Handle", module = "legate._legate", frozen)]
pub struct Handle {
    pub a: Array,
}

impl Handle {
    pub fn new(a: Array) -> Handle {
        Handle { a }
    }
}

/// The array a Python object holds, if it is a [`Handle`].
fn handle(obj: &Bound<'_, PyAny>) -> Option<Array> {
    obj.cast::<Handle>().ok().map(|h| h.get().a.clone())
}

/// A Python scalar (`bool`, `int`, `float`, `complex`) as a weakly typed operand.
pub fn operand(obj: &Bound<'_, PyAny>) -> PyResult<Operand> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(Operand::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map(Operand::Int).map_err(|_| {
            pyo3::exceptions::PyOverflowError::new_err("Python integer out of bounds for int64")
        });
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Operand::Float(obj.extract()?));
    }
    if obj.is_instance_of::<PyComplex>() {
        return Ok(Operand::Complex(obj.extract::<Complex<f64>>()?));
    }
    Err(PyTypeError::new_err(format!(
        "unsupported operand type {}",
        obj.get_type().name()?
    )))
}

/// A Python scalar as a runtime [`Scalar`] of its own (widest) type.
pub fn scalar_value(obj: &Bound<'_, PyAny>) -> PyResult<Scalar> {
    Ok(match operand(obj)? {
        Operand::Bool(b) => Scalar::new(b),
        Operand::Int(i) => Scalar::new(i),
        Operand::Float(f) => Scalar::new(f),
        Operand::Complex(c) => Scalar::new(c),
    })
}

/// A Python scalar as a runtime [`Scalar`] of type `ty`.
fn scalar_of(obj: &Bound<'_, PyAny>, ty: Type) -> PyResult<Scalar> {
    Ok(scalar_value(obj)?.cast(ty))
}

fn dtype(name: &str) -> PyResult<Type> {
    Type::from_name(name)
        .map_err(|_| PyTypeError::new_err(format!("legate.dense does not support dtype {name}")))
}

fn binary_op(name: &str) -> PyResult<BinaryOp> {
    BinaryOp::ALL
        .iter()
        .copied()
        .find(|o| o.name() == name)
        .ok_or_else(|| PyValueError::new_err(format!("unknown binary operation {name:?}")))
}

fn unary_op(name: &str) -> PyResult<UnaryOp> {
    UnaryOp::ALL
        .iter()
        .copied()
        .find(|o| o.name() == name)
        .ok_or_else(|| PyValueError::new_err(format!("unknown unary operation {name:?}")))
}

fn from_numpy_typed<T: Element + numpy::Element>(a: &Bound<'_, PyAny>) -> PyResult<Handle> {
    let view: PyReadonlyArrayDyn<'_, T> = a.extract()?;
    let owned = view.as_array().to_owned();
    Ok(Handle::new(dense()?.from_ndarray(&owned).py()?))
}

/// A copy of a NumPy array (any layout) in a new array of the same dtype.
#[pyfunction]
fn from_numpy(a: &Bound<'_, PyAny>) -> PyResult<Handle> {
    let name: String = a.getattr("dtype")?.getattr("name")?.extract()?;
    let ty = Type::from_name(&name)
        .map_err(|_| PyTypeError::new_err(format!("legate.dense does not support dtype {name}")))?;
    by_type!(ty, from_numpy_typed(a))
}

fn to_numpy_typed<'py, T: Element + numpy::Element>(
    py: Python<'py>,
    a: &Array,
) -> PyResult<Bound<'py, PyAny>> {
    let data = py.detach(|| a.to_ndarray::<T>()).py()?;
    Ok(PyArrayDyn::from_owned_array(py, data).into_any())
}

#[pymethods]
impl Handle {
    /// The shape.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.a.shape())
    }

    /// The dtype's name.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.a.dtype().name()
    }

    /// A NumPy copy (waits for the writers).
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        by_type!(self.a.dtype(), to_numpy_typed(py, &self.a))
    }

    /// Whether two arrays share storage.
    fn shares(&self, other: &Handle) -> bool {
        self.a.shares_storage(&other.a)
    }

    fn reshape(&self, shape: Vec<i64>) -> PyResult<Handle> {
        Ok(Handle::new(self.a.reshape(&shape).py()?))
    }

    #[pyo3(signature = (axes=None))]
    fn transpose(&self, axes: Option<Vec<usize>>) -> PyResult<Handle> {
        Ok(Handle::new(self.a.transpose(axes.as_deref()).py()?))
    }

    fn astype(&self, dtype_name: &str) -> PyResult<Handle> {
        Ok(Handle::new(self.a.astype(dtype(dtype_name)?).py()?))
    }

    fn copy(&self) -> PyResult<Handle> {
        Ok(Handle::new(self.a.copy().py()?))
    }

    fn broadcast_to(&self, shape: Vec<usize>) -> PyResult<Handle> {
        Ok(Handle::new(self.a.broadcast_to(&shape).py()?))
    }

    /// `self[key]` (`key` as `legate.dense` normalizes it).
    fn getitem(&self, key: Vec<Bound<'_, PyAny>>) -> PyResult<Handle> {
        let (basic, exprs) = parse_key(&key)?;
        Ok(Handle::new(match exprs {
            None => self.a.index(&basic).py()?,
            Some(e) => self.a.get(&e).py()?,
        }))
    }

    /// `self[key] = value`.
    fn setitem(&self, key: Vec<Bound<'_, PyAny>>, value: &Handle) -> PyResult<()> {
        let (basic, exprs) = parse_key(&key)?;
        match exprs {
            None => self.a.index(&basic).py()?.assign(&value.a).py(),
            Some(e) => self.a.set(&e, &value.a).py(),
        }
    }

    /// `self[...] = value` with a Python scalar.
    fn fill(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let s = scalar_of(value, self.a.dtype())?;
        let full = dense()?.full(&[], s, self.a.dtype()).py()?;
        self.a.assign(&full).py()
    }

    /// The one element as a Python scalar (waits).
    fn item<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = py.detach(|| self.a.item_scalar()).py()?;
        scalar_to_py(py, &s)
    }
}

/// A runtime scalar as the Python scalar of its kind.
pub fn scalar_to_py<'py>(py: Python<'py>, s: &Scalar) -> PyResult<Bound<'py, PyAny>> {
    let ty = s.ty();
    Ok(if ty.is_bool() {
        PyBool::new(py, s.get::<bool>().py()?).to_owned().into_any()
    } else if ty.is_complex() {
        let c = s.cast(Type::Complex128).get::<Complex<f64>>().py()?;
        PyComplex::from_doubles(py, c.re, c.im).into_any()
    } else if ty.is_float() {
        PyFloat::new(py, s.to_f64()).into_any()
    } else if ty == Type::UInt64 {
        s.get::<u64>().py()?.into_pyobject(py)?.into_any()
    } else {
        s.to_i64().into_pyobject(py)?.into_any()
    })
}

/// The key items `("i", n)`, `("s", start, stop, step)`, `("n",)`, `("e",)` and
/// `("a", handle)` as basic indices, or as index expressions when any is an array.
fn parse_key(key: &[Bound<'_, PyAny>]) -> PyResult<(Vec<Index>, Option<Vec<IndexExpr>>)> {
    let mut basic = Vec::with_capacity(key.len());
    let mut exprs: Vec<IndexExpr> = Vec::new();
    let mut advanced = false;
    for item in key {
        let kind: String = item.get_item(0)?.extract()?;
        let entry = match kind.as_str() {
            "i" => Index::At(item.get_item(1)?.extract()?),
            "s" => Index::Slice {
                start: item.get_item(1)?.extract()?,
                stop: item.get_item(2)?.extract()?,
                step: item.get_item(3)?.extract()?,
            },
            "n" => Index::NewAxis,
            "e" => Index::Ellipsis,
            "a" => {
                let h = item.get_item(1)?;
                let arr = handle(&h).ok_or_else(|| PyTypeError::new_err("bad index array"))?;
                advanced = true;
                exprs.push(IndexExpr::Array(arr));
                continue;
            }
            k => return Err(PyValueError::new_err(format!("bad index kind {k:?}"))),
        };
        exprs.push(IndexExpr::Basic(entry));
        basic.push(entry);
    }
    Ok((basic, advanced.then_some(exprs)))
}

/// `a op b` for arrays or Python scalars on either side.
#[pyfunction]
fn binary(op: &str, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Handle> {
    let op = binary_op(op)?;
    let r = match (handle(a), handle(b)) {
        (Some(x), Some(y)) => x.binary(op, &y),
        (Some(x), None) => x.binary_scalar(op, operand(b)?, false),
        (None, Some(y)) => y.binary_scalar(op, operand(a)?, true),
        (None, None) => return Err(PyTypeError::new_err("binary needs an array operand")),
    };
    Ok(Handle::new(r.py()?))
}

/// `a op= b` (`out` is `a`), or `out = a op b` for a given `out`.
#[pyfunction]
fn binary_into(op: &str, a: &Handle, b: &Bound<'_, PyAny>, out: &Handle) -> PyResult<()> {
    let op = binary_op(op)?;
    let same = a.a.shares_storage(&out.a) && a.a.store().same_view(out.a.store());
    match (handle(b), same) {
        (Some(y), true) => a.a.binary_inplace(op, &y).py(),
        (None, true) => a.a.binary_scalar_inplace(op, operand(b)?).py(),
        (Some(y), false) => a.a.binary_out(op, &y, &out.a).py(),
        (None, false) => {
            let r = a.a.binary_scalar(op, operand(b)?, false).py()?;
            out.a.assign(&r).py()
        }
    }
}

#[pyfunction]
fn unary(op: &str, a: &Handle) -> PyResult<Handle> {
    Ok(Handle::new(a.a.unary(unary_op(op)?).py()?))
}

/// A reduction by name along one axis (`None`: all).
#[pyfunction]
#[pyo3(signature = (name, a, axis=None, keepdims=false, ddof=0))]
fn reduce(
    name: &str,
    a: &Handle,
    axis: Option<isize>,
    keepdims: bool,
    ddof: usize,
) -> PyResult<Handle> {
    let a = &a.a;
    let r = match name {
        "sum" => a.sum(axis, keepdims),
        "prod" => a.prod(axis, keepdims),
        "max" => a.max(axis, keepdims),
        "min" => a.min(axis, keepdims),
        "mean" => a.mean(axis, keepdims),
        "all" => a.all(axis, keepdims),
        "any" => a.any(axis, keepdims),
        "var" => a.var(axis, ddof, keepdims),
        "std" => a.std(axis, ddof, keepdims),
        "argmax" => a.argmax(axis),
        "argmin" => a.argmin(axis),
        "cumsum" => a.cumsum(axis),
        "cumprod" => a.cumprod(axis),
        "nansum" => a.nansum(axis, keepdims),
        "nanprod" => a.nanprod(axis, keepdims),
        "nanmax" => a.nanmax(axis, keepdims),
        "nanmin" => a.nanmin(axis, keepdims),
        "nanmean" => a.nanmean(axis, keepdims),
        "nanvar" => a.nanvar(axis, ddof, keepdims),
        "nanstd" => a.nanstd(axis, ddof, keepdims),
        "nanargmax" => a.nanargmax(axis),
        "nanargmin" => a.nanargmin(axis),
        "nancumsum" => a.nancumsum(axis),
        "nancumprod" => a.nancumprod(axis),
        "count_nonzero" => a.count_nonzero(axis),
        "median" => a.median(axis, keepdims),
        "nanmedian" => a.nanmedian(axis, keepdims),
        _ => return Err(PyValueError::new_err(format!("unknown reduction {name:?}"))),
    };
    Ok(Handle::new(r.py()?))
}

#[pyfunction]
fn matmul(a: &Handle, b: &Handle) -> PyResult<Handle> {
    Ok(Handle::new(a.a.matmul(&b.a).py()?))
}

#[pyfunction]
fn dot(a: &Handle, b: &Handle) -> PyResult<Handle> {
    Ok(Handle::new(a.a.dot(&b.a).py()?))
}

#[pyfunction]
fn where_(cond: &Handle, x: &Handle, y: &Handle) -> PyResult<Handle> {
    Ok(Handle::new(Array::where_(&cond.a, &x.a, &y.a).py()?))
}

#[pyfunction]
#[pyo3(signature = (a, lo=None, hi=None))]
fn clip(a: &Handle, lo: Option<f64>, hi: Option<f64>) -> PyResult<Handle> {
    Ok(Handle::new(a.a.clip(lo, hi).py()?))
}

/// `np.linalg.norm(x, ord, axis, keepdims)` for `ord` `None`, a number or `"fro"`.
#[pyfunction]
#[pyo3(signature = (a, ord=None, axis=None, keepdims=false))]
fn norm(
    a: &Handle,
    ord: Option<&Bound<'_, PyAny>>,
    axis: Option<Vec<isize>>,
    keepdims: bool,
) -> PyResult<Handle> {
    let ord = match ord {
        None => None,
        Some(o) if o.extract::<String>().is_ok_and(|s| s == "fro") => Some(NormOrd::Fro),
        Some(o) if o.extract::<String>().is_ok_and(|s| s == "nuc") => Some(NormOrd::Nuc),
        Some(o) => Some(NormOrd::P(o.extract::<f64>()?)),
    };
    Ok(Handle::new(
        legate_dense::linalg::norm(&a.a, ord, axis.as_deref(), keepdims).py()?,
    ))
}

/// `empty`, `zeros`, `ones` or `full` (with `value`).
#[pyfunction]
#[pyo3(signature = (kind, shape, dtype_name, value=None))]
fn create(
    kind: &str,
    shape: Vec<usize>,
    dtype_name: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Handle> {
    let (d, ty) = (dense()?, dtype(dtype_name)?);
    let r = match (kind, value) {
        ("empty", _) => d.empty(&shape, ty),
        ("zeros", _) => d.zeros(&shape, ty),
        ("ones", _) => d.ones(&shape, ty),
        ("full", Some(v)) => d.full(&shape, scalar_of(v, ty)?, ty),
        _ => return Err(PyValueError::new_err(format!("cannot create {kind:?}"))),
    };
    Ok(Handle::new(r.py()?))
}

#[pyfunction]
fn arange(start: f64, stop: f64, step: f64, dtype_name: &str) -> PyResult<Handle> {
    Ok(Handle::new(
        dense()?
            .arange(start, stop, step, dtype(dtype_name)?)
            .py()?,
    ))
}

#[pyfunction]
fn linspace(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    dtype_name: &str,
) -> PyResult<Handle> {
    Ok(Handle::new(
        dense()?
            .linspace(start, stop, num, endpoint, dtype(dtype_name)?)
            .py()?,
    ))
}

#[pyfunction]
fn eye(n: usize, m: Option<usize>, k: i64, dtype_name: &str) -> PyResult<Handle> {
    Ok(Handle::new(dense()?.eye(n, m, k, dtype(dtype_name)?).py()?))
}

/// The legacy `np.random` functions: `seed`, `rand`/`random`, `randn`.
#[pyfunction]
fn random_seed(seed: u64) -> PyResult<()> {
    dense()?.seed(seed);
    Ok(())
}

#[pyfunction]
fn random(kind: &str, shape: Vec<usize>) -> PyResult<Handle> {
    let d = dense()?;
    let r = match kind {
        "rand" | "random" => d.rand(&shape),
        "randn" => d.randn(&shape),
        _ => return Err(PyValueError::new_err(format!("unknown generator {kind:?}"))),
    };
    Ok(Handle::new(r.py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Handle>()?;
    m.add_function(wrap_pyfunction!(from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(binary, m)?)?;
    m.add_function(wrap_pyfunction!(binary_into, m)?)?;
    m.add_function(wrap_pyfunction!(unary, m)?)?;
    m.add_function(wrap_pyfunction!(reduce, m)?)?;
    m.add_function(wrap_pyfunction!(matmul, m)?)?;
    m.add_function(wrap_pyfunction!(dot, m)?)?;
    m.add_function(wrap_pyfunction!(where_, m)?)?;
    m.add_function(wrap_pyfunction!(clip, m)?)?;
    m.add_function(wrap_pyfunction!(norm, m)?)?;
    m.add_function(wrap_pyfunction!(create, m)?)?;
    m.add_function(wrap_pyfunction!(arange, m)?)?;
    m.add_function(wrap_pyfunction!(linspace, m)?)?;
    m.add_function(wrap_pyfunction!(eye, m)?)?;
    m.add_function(wrap_pyfunction!(random_seed, m)?)?;
    m.add_function(wrap_pyfunction!(random, m)?)?;
    Ok(())
}
