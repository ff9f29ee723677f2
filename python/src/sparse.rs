//! `legate.sparse` seen from Rust: a [`Csr`] handle per CSR matrix and the functions the
//! Python `csr_array` class calls.

use legate_core::num_complex::Complex;
use std::sync::Arc;

use legate_core::Type;
use legate_dense::Array;
use legate_sparse::io::{self, MatrixMarket};
use legate_sparse::linalg::{self, SolverOptions};
use legate_sparse::Sparse;
use legate_sparse::{CooMatrix, CsrMatrix, DiaMatrix, SparseMatrix, Value};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::dense::{operand, Handle};
use crate::errors::IntoPy;
use crate::runtime::sparse;

/// One CSR matrix.
#[pyclass(name = "Csr", module = "legate._legate", frozen)]
pub struct Csr {
    m: CsrMatrix,
}

fn csr(m: CsrMatrix) -> Csr {
    Csr { m }
}

fn value_type(name: &str) -> PyResult<Type> {
    let ty = Type::from_name(name).py()?;
    if !legate_sparse::is_value_type(ty) {
        return Err(PyTypeError::new_err(format!(
            "legate.sparse does not support dtype {name}"
        )));
    }
    Ok(ty)
}

fn from_parts_typed<T: Value + numpy::Element>(
    shape: [usize; 2],
    indptr: &[i64],
    indices: &[i64],
    data: &Bound<'_, PyAny>,
) -> PyResult<Csr> {
    let data: PyReadonlyArray1<'_, T> = data.extract()?;
    let data = data.as_array().to_vec();
    Ok(csr(CsrMatrix::from_csr_vecs(
        &sparse()?,
        shape,
        indptr,
        indices,
        &data,
    )
    .py()?))
}

/// The CSR matrix of SciPy's `(data, indices, indptr)` (NumPy arrays; indices as int64).
#[pyfunction]
fn csr_from_parts(
    shape: (usize, usize),
    indptr: PyReadonlyArray1<'_, i64>,
    indices: PyReadonlyArray1<'_, i64>,
    data: &Bound<'_, PyAny>,
) -> PyResult<Csr> {
    let name: String = data.getattr("dtype")?.getattr("name")?.extract()?;
    let shape = [shape.0, shape.1];
    let (indptr, indices) = (indptr.as_array().to_vec(), indices.as_array().to_vec());
    match value_type(&name)? {
        Type::Int32 => from_parts_typed::<i32>(shape, &indptr, &indices, data),
        Type::Int64 => from_parts_typed::<i64>(shape, &indptr, &indices, data),
        Type::Float32 => from_parts_typed::<f32>(shape, &indptr, &indices, data),
        Type::Float64 => from_parts_typed::<f64>(shape, &indptr, &indices, data),
        Type::Complex64 => from_parts_typed::<Complex<f32>>(shape, &indptr, &indices, data),
        _ => from_parts_typed::<Complex<f64>>(shape, &indptr, &indices, data),
    }
}

/// The CSR matrix of a 2-D array's non-zeros.
#[pyfunction]
fn csr_from_dense(a: &Handle) -> PyResult<Csr> {
    Ok(csr(CsrMatrix::from_dense(&sparse()?, &a.a).py()?))
}

#[pyfunction]
fn csr_random(m: usize, n: usize, density: f64, seed: u64, dtype: &str) -> PyResult<Csr> {
    Ok(csr(sparse()?
        .random(m, n, density, seed, value_type(dtype)?)
        .py()?))
}

#[pyfunction]
fn csr_eye(m: usize, n: usize, k: i64, dtype: &str) -> PyResult<Csr> {
    Ok(csr(sparse()?
        .eye(m, Some(n), k, value_type(dtype)?)
        .py()?))
}

/// `diags` with float64 diagonals (each a list; one value is repeated).
#[pyfunction]
fn csr_diags(diagonals: Vec<Vec<f64>>, offsets: Vec<i64>, shape: (usize, usize)) -> PyResult<Csr> {
    Ok(csr(sparse()?
        .diags(&diagonals, &offsets, [shape.0, shape.1])
        .py()?))
}

/// The CSR form of COO triplets held as arrays (`int64` indices; duplicates summed).
#[pyfunction]
fn csr_from_coo(shape: (usize, usize), row: &Handle, col: &Handle, data: &Handle) -> PyResult<Csr> {
    let sp = sparse()?;
    let coo = CooMatrix::from_arrays(
        &sp,
        [shape.0, shape.1],
        row.a.clone(),
        col.a.clone(),
        data.a.clone(),
    )
    .py()?;
    Ok(csr(coo.to_csr().py()?))
}

fn dia_typed<T: Value>(
    sp: &Arc<Sparse>,
    data: &Array,
    offsets: &[i64],
    shape: [usize; 2],
) -> legate_core::Result<CsrMatrix> {
    let width = data.shape()[1];
    let flat = data.to_vec::<T>()?;
    let rows: Vec<Vec<T>> = if width == 0 {
        vec![Vec::new(); data.shape()[0]]
    } else {
        flat.chunks(width).map(<[T]>::to_vec).collect()
    };
    DiaMatrix::new(sp, &rows, offsets, shape)?.to_csr()
}

/// The CSR form of SciPy's `dia_array((data, offsets), shape)` (`data` a 2-D array).
#[pyfunction]
fn csr_from_dia(data: &Handle, offsets: Vec<i64>, shape: (usize, usize)) -> PyResult<Csr> {
    let sp = sparse()?;
    if data.a.ndim() != 2 {
        return Err(PyValueError::new_err("DIA data must be a 2-D array"));
    }
    let shape = [shape.0, shape.1];
    let ty = value_type(data.a.dtype().name())?;
    let m = match ty {
        Type::Int32 => dia_typed::<i32>(&sp, &data.a, &offsets, shape),
        Type::Int64 => dia_typed::<i64>(&sp, &data.a, &offsets, shape),
        Type::Float32 => dia_typed::<f32>(&sp, &data.a, &offsets, shape),
        Type::Float64 => dia_typed::<f64>(&sp, &data.a, &offsets, shape),
        Type::Complex64 => dia_typed::<Complex<f32>>(&sp, &data.a, &offsets, shape),
        _ => dia_typed::<Complex<f64>>(&sp, &data.a, &offsets, shape),
    };
    Ok(csr(m.py()?))
}

/// A Matrix Market file: `(shape, row, col, data)` for a `coordinate` file, or the
/// dense array of an `array` file.
#[pyfunction]
fn mmread(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    let sp = sparse()?;
    Ok(match io::mmread(&sp, &path).py()? {
        MatrixMarket::Sparse(coo) => {
            let [m, n] = coo.shape();
            let parts = (
                (m, n),
                Handle::new(coo.row().clone()),
                Handle::new(coo.col().clone()),
                Handle::new(coo.data().clone()),
            );
            parts.into_pyobject(py)?.into_any().unbind()
        }
        MatrixMarket::Dense(a) => Handle::new(a).into_pyobject(py)?.into_any().unbind(),
    })
}

/// Writes a sparse matrix as a `coordinate general` Matrix Market file.
#[pyfunction]
fn mmwrite(path: std::path::PathBuf, a: &Csr) -> PyResult<()> {
    io::mmwrite(&path, &a.m).py()
}

/// Writes a dense 2-D array as an `array general` Matrix Market file.
#[pyfunction]
fn mmwrite_dense(path: std::path::PathBuf, a: &Handle) -> PyResult<()> {
    io::mmwrite_dense(&path, &a.a).py()
}

#[pyfunction]
fn csr_kron(a: &Csr, b: &Csr) -> PyResult<Csr> {
    Ok(csr(sparse()?.kron(&a.m, &b.m).py()?))
}

#[pymethods]
impl Csr {
    #[getter]
    fn shape(&self) -> (usize, usize) {
        let [m, n] = self.m.shape();
        (m, n)
    }

    #[getter]
    fn nnz(&self) -> usize {
        self.m.nnz()
    }

    #[getter]
    fn dtype(&self) -> &'static str {
        self.m.dtype().name()
    }

    /// `(indptr, indices, data)` as arrays.
    fn parts(&self) -> PyResult<(Handle, Handle, Handle)> {
        Ok((
            Handle::new(self.m.indptr().py()?),
            Handle::new(self.m.indices()),
            Handle::new(self.m.data().clone()),
        ))
    }

    fn toarray(&self) -> PyResult<Handle> {
        Ok(Handle::new(self.m.to_dense().py()?))
    }

    /// `A @ x` for a dense vector or matrix.
    fn dot(&self, x: &Handle) -> PyResult<Handle> {
        Ok(Handle::new(self.m.dot(&x.a).py()?))
    }

    /// `A @ B`.
    fn matmul(&self, other: &Csr) -> PyResult<Csr> {
        Ok(csr(self.m.matmul(&other.m).py()?))
    }

    /// `A + B`, `A - B` or `A.multiply(B)` by name.
    fn combine(&self, op: &str, other: &Csr) -> PyResult<Csr> {
        let r = match op {
            "add" => self.m.add(&other.m),
            "sub" => self.m.sub(&other.m),
            "multiply" => self.m.multiply(&other.m),
            _ => return Err(PyValueError::new_err(format!("unknown operation {op:?}"))),
        };
        Ok(csr(r.py()?))
    }

    /// `A * s` or `A / s` for a Python scalar.
    fn scale(&self, op: &str, s: &Bound<'_, PyAny>) -> PyResult<Csr> {
        let s = operand(s)?;
        let r = match op {
            "mul" => self.m.mul_scalar(s),
            "div" => self.m.div_scalar(s),
            "power" => self.m.power(s),
            _ => return Err(PyValueError::new_err(format!("unknown operation {op:?}"))),
        };
        Ok(csr(r.py()?))
    }

    fn neg(&self) -> PyResult<Csr> {
        Ok(csr(self.m.neg().py()?))
    }

    fn abs(&self) -> PyResult<Csr> {
        Ok(csr(self.m.abs().py()?))
    }

    fn transpose(&self) -> PyResult<Csr> {
        Ok(csr(self.m.transpose().py()?))
    }

    fn diagonal(&self, k: i64) -> PyResult<Handle> {
        Ok(Handle::new(self.m.diagonal(k).py()?))
    }

    #[pyo3(signature = (axis=None))]
    fn sum(&self, axis: Option<isize>) -> PyResult<Handle> {
        Ok(Handle::new(self.m.sum(axis).py()?))
    }

    #[pyo3(signature = (ord=None))]
    fn norm(&self, ord: Option<f64>) -> PyResult<Handle> {
        Ok(Handle::new(self.m.norm(ord).py()?))
    }

    fn astype(&self, dtype: &str) -> PyResult<Csr> {
        Ok(csr(self.m.astype(value_type(dtype)?).py()?))
    }

    fn copy(&self) -> PyResult<Csr> {
        Ok(csr(self.m.copy().py()?))
    }

    /// The row index of every entry (COO's `row`), written by one launch over the rows.
    fn coo_rows(&self) -> PyResult<Handle> {
        Ok(Handle::new(self.m.to_coo().py()?.row().clone()))
    }

    /// SciPy's DIA form: `(offsets, data)`.
    fn todia(&self) -> PyResult<(Vec<i64>, Handle)> {
        let d = self.m.to_dia().py()?;
        Ok((d.offsets().to_vec(), Handle::new(d.data().clone())))
    }
}

/// A Python callable as a [`linalg::LinearOperator`]: `f(handle) -> handle`, called with
/// the interpreter taken (the solver runs with it released).
struct PyOperator {
    shape: [usize; 2],
    dtype: Type,
    f: Py<PyAny>,
}

impl linalg::LinearOperator for PyOperator {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }
    fn dtype(&self) -> Type {
        self.dtype
    }
    fn matvec(&self, x: &Array) -> legate_core::Result<Array> {
        Python::attach(|py| {
            let r = self
                .f
                .call1(py, (Handle::new(x.clone()),))
                .map_err(|e| py_failure(py, e))?;
            let h =
                r.bind(py)
                    .cast::<Handle>()
                    .map_err(|_| legate_core::Error::InvalidArgument {
                        what: "a LinearOperator's matvec must return an array".into(),
                    })?;
            Ok(h.get().a.clone())
        })
    }
    fn dense(&self) -> Option<Arc<legate_dense::Dense>> {
        crate::runtime::dense().ok()
    }
}

/// A Python exception raised inside a solver, as a runtime error carrying its text.
fn py_failure(py: Python<'_>, e: PyErr) -> legate_core::Error {
    legate_core::Error::InvalidArgument {
        what: format!("{}", e.value(py)),
    }
}

/// The operator of a solve: a CSR matrix, or `(rows, cols, dtype, matvec)`.
enum Operator {
    Csr(CsrMatrix),
    Py(PyOperator),
}

impl Operator {
    fn from_py(a: &Bound<'_, PyAny>) -> PyResult<Operator> {
        if let Ok(c) = a.cast::<Csr>() {
            return Ok(Operator::Csr(c.get().m.clone()));
        }
        let (m, n, dtype, f): (usize, usize, String, Py<PyAny>) = a.extract()?;
        Ok(Operator::Py(PyOperator {
            shape: [m, n],
            dtype: Type::from_name(&dtype).py()?,
            f,
        }))
    }

    fn get(&self) -> &dyn linalg::LinearOperator {
        match self {
            Operator::Csr(m) => m,
            Operator::Py(p) => p,
        }
    }
}

/// `cg`, `bicgstab` or `gmres`: `(x, info)`. `a` and `m` are CSR handles or
/// `(rows, cols, dtype, matvec)`; `callback(x)` runs after every iteration.
#[pyfunction]
#[pyo3(signature = (method, a, b, x0=None, rtol=1e-5, atol=0.0, maxiter=None, restart=None, check_every=25, m=None, callback=None))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    method: &str,
    a: &Bound<'_, PyAny>,
    b: &Handle,
    x0: Option<&Handle>,
    rtol: f64,
    atol: f64,
    maxiter: Option<usize>,
    restart: Option<usize>,
    check_every: usize,
    m: Option<&Bound<'_, PyAny>>,
    callback: Option<Py<PyAny>>,
) -> PyResult<(Handle, usize)> {
    let a = Operator::from_py(a)?;
    let m = m.map(Operator::from_py).transpose()?;
    let x0 = x0.map(|h| &h.a);
    let failed: std::sync::Mutex<Option<PyErr>> = std::sync::Mutex::new(None);
    let has_callback = callback.is_some();
    let r = py.detach(|| {
        let mut cb = |x: &Array| {
            if let Some(f) = &callback {
                Python::attach(|py| {
                    if let Err(e) = f.call1(py, (Handle::new(x.clone()),)) {
                        let mut slot = failed.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert(e);
                    }
                });
            }
        };
        let opts = SolverOptions {
            rtol,
            atol,
            maxiter,
            check_every,
            m: m.as_ref().map(Operator::get),
            // Without a Python callback the solver may defer its update of `x`.
            callback: if has_callback { Some(&mut cb) } else { None },
        };
        match method {
            "cg" => Some(linalg::cg(a.get(), &b.a, x0, opts)),
            "bicgstab" => Some(linalg::bicgstab(a.get(), &b.a, x0, opts)),
            "gmres" => Some(linalg::gmres(a.get(), &b.a, x0, restart, opts)),
            _ => None,
        }
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let (x, info) = r
        .ok_or_else(|| PyValueError::new_err(format!("unknown solver {method:?}")))?
        .py()?;
    Ok((Handle::new(x), info))
}

/// `eigsh(A, k, which, v0, ncv, tol)`: `(values, vectors)`.
#[pyfunction]
#[pyo3(signature = (a, k, which="LM", v0=None, ncv=None, tol=None))]
fn eigsh(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    k: usize,
    which: &str,
    v0: Option<&Handle>,
    ncv: Option<usize>,
    tol: Option<f64>,
) -> PyResult<(Handle, Handle)> {
    let which = match which {
        "LM" => linalg::Which::LargestMagnitude,
        "SM" => linalg::Which::SmallestMagnitude,
        "LA" => linalg::Which::LargestAlgebraic,
        "SA" => linalg::Which::SmallestAlgebraic,
        w => {
            return Err(PyValueError::new_err(format!(
                "which must be one of LM, SM, LA, SA, not {w:?}"
            )))
        }
    };
    let a = Operator::from_py(a)?;
    let v0 = v0.map(|h| &h.a);
    let (w, v) = py
        .detach(|| linalg::eigsh(a.get(), k, which, v0, ncv, tol))
        .py()?;
    Ok((Handle::new(w), Handle::new(v)))
}

#[pyfunction]
fn spsolve(a: &Csr, b: &Handle) -> PyResult<Handle> {
    Ok(Handle::new(linalg::spsolve(&a.m, &b.a).py()?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Csr>()?;
    m.add_function(wrap_pyfunction!(csr_from_parts, m)?)?;
    m.add_function(wrap_pyfunction!(csr_from_dense, m)?)?;
    m.add_function(wrap_pyfunction!(csr_random, m)?)?;
    m.add_function(wrap_pyfunction!(csr_eye, m)?)?;
    m.add_function(wrap_pyfunction!(csr_diags, m)?)?;
    m.add_function(wrap_pyfunction!(csr_kron, m)?)?;
    m.add_function(wrap_pyfunction!(csr_from_coo, m)?)?;
    m.add_function(wrap_pyfunction!(csr_from_dia, m)?)?;
    m.add_function(wrap_pyfunction!(mmread, m)?)?;
    m.add_function(wrap_pyfunction!(mmwrite, m)?)?;
    m.add_function(wrap_pyfunction!(mmwrite_dense, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(eigsh, m)?)?;
    m.add_function(wrap_pyfunction!(spsolve, m)?)?;
    Ok(())
}
