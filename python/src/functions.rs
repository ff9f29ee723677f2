//! The rest of legate-dense seen from Rust: joining and reordering, sorting and
//! searching, gathers and scatters, histograms and quantiles, the nan-reductions,
//! `numpy.linalg`, and the `Generator` of `numpy.random`. Each function is one call of
//! legate-dense; the Python package gives them NumPy's names and signatures.

use legate_core::Type;
use legate_dense::linalg::{self, QrMode, TensorAxes};
use legate_dense::{Array, Bins, Generator, PadMode, QuantileMethod, Side, UniqueOptions};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::dense::{scalar_value, Handle};
use crate::errors::IntoPy;
use crate::runtime::dense;

fn arrays(hs: &[PyRef<'_, Handle>]) -> Vec<Array> {
    hs.iter().map(|h| h.a.clone()).collect()
}

fn handles(v: Vec<Array>) -> Vec<Handle> {
    v.into_iter().map(Handle::new).collect()
}

fn wrap(r: legate_core::Result<Array>) -> PyResult<Handle> {
    Ok(Handle::new(r.py()?))
}

fn bad(what: &str, name: &str) -> PyErr {
    PyValueError::new_err(format!("unknown {what} {name:?}"))
}

// ------------------------------------------------------------------ views and joining

/// A view of `a` by name: `swapaxes`, `moveaxis` (two axes), `expand_dims`, `squeeze`.
#[pyfunction]
#[pyo3(signature = (name, a, x=None, y=None))]
fn view(name: &str, a: &Handle, x: Option<isize>, y: Option<isize>) -> PyResult<Handle> {
    let a = &a.a;
    let two = |f: &dyn Fn(isize, isize) -> legate_core::Result<Array>| match (x, y) {
        (Some(x), Some(y)) => f(x, y),
        _ => Err(legate_core::Error::InvalidArgument {
            what: format!("{name} takes two axes"),
        }),
    };
    wrap(match name {
        "swapaxes" => two(&|x, y| a.swapaxes(x, y)),
        "moveaxis" => two(&|x, y| a.moveaxis(x, y)),
        "expand_dims" => a.expand_dims(x.unwrap_or(0)),
        "squeeze" => a.squeeze(x),
        _ => return Err(bad("view", name)),
    })
}

#[pyfunction]
fn concatenate(hs: Vec<PyRef<'_, Handle>>, axis: isize) -> PyResult<Handle> {
    wrap(dense()?.concatenate(&arrays(&hs), axis))
}

#[pyfunction]
fn stack(hs: Vec<PyRef<'_, Handle>>, axis: isize) -> PyResult<Handle> {
    wrap(dense()?.stack(&arrays(&hs), axis))
}

/// `split`/`array_split` into `sections`, or at `indices`.
#[pyfunction]
#[pyo3(signature = (a, axis, sections=None, indices=None, equal=true))]
fn split(
    a: &Handle,
    axis: isize,
    sections: Option<usize>,
    indices: Option<Vec<i64>>,
    equal: bool,
) -> PyResult<Vec<Handle>> {
    let r = match (sections, indices) {
        (_, Some(idx)) => a.a.split_at(&idx, axis),
        (Some(n), None) if equal => a.a.split(n, axis),
        (Some(n), None) => a.a.array_split(n, axis),
        (None, None) => return Err(PyValueError::new_err("split needs sections or indices")),
    };
    Ok(handles(r.py()?))
}

#[pyfunction]
#[pyo3(signature = (a, axis=None))]
fn flip(a: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(a.a.flip(axis))
}

#[pyfunction]
#[pyo3(signature = (a, shift, axis=None))]
fn roll(a: &Handle, shift: i64, axis: Option<isize>) -> PyResult<Handle> {
    wrap(a.a.roll(shift, axis))
}

#[pyfunction]
fn tile(a: &Handle, reps: Vec<usize>) -> PyResult<Handle> {
    wrap(a.a.tile(&reps))
}

/// `repeat` by one count (an int) or one per element (an array).
#[pyfunction]
#[pyo3(signature = (a, repeats, axis=None))]
fn repeat(a: &Handle, repeats: &Bound<'_, PyAny>, axis: Option<isize>) -> PyResult<Handle> {
    if let Ok(h) = repeats.cast::<Handle>() {
        return wrap(a.a.repeat_each(&h.get().a, axis));
    }
    let n: i64 = repeats.extract()?;
    let n = usize::try_from(n)
        .map_err(|_| PyValueError::new_err("negative dimensions are not allowed"))?;
    wrap(a.a.repeat(n, axis))
}

#[pyfunction]
#[pyo3(signature = (a, widths, mode, value=None))]
fn pad(
    a: &Handle,
    widths: Vec<(usize, usize)>,
    mode: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Handle> {
    let mode = match mode {
        "constant" => PadMode::Constant(match value {
            Some(v) => scalar_value(v)?,
            None => legate_core::Scalar::new(0i64),
        }),
        "edge" => PadMode::Edge,
        "reflect" => PadMode::Reflect,
        "symmetric" => PadMode::Symmetric,
        "wrap" => PadMode::Wrap,
        _ => return Err(bad("pad mode", mode)),
    };
    wrap(a.a.pad(&widths, mode))
}

// ------------------------------------------------------------------ sorting, searching

#[pyfunction]
#[pyo3(signature = (a, axis=None))]
fn sort(a: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(a.a.sorted(axis))
}

/// `a.sort(axis)`: in place.
#[pyfunction]
fn sort_inplace(a: &Handle, axis: isize) -> PyResult<()> {
    a.a.sort_inplace(axis).py()
}

#[pyfunction]
#[pyo3(signature = (a, axis=None))]
fn argsort(a: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(a.a.argsort(axis))
}

#[pyfunction]
#[pyo3(signature = (a, kth, axis=None, arg=false))]
fn partition(a: &Handle, kth: Vec<i64>, axis: Option<isize>, arg: bool) -> PyResult<Handle> {
    wrap(if arg {
        a.a.argpartition(&kth, axis)
    } else {
        a.a.partition(&kth, axis)
    })
}

#[pyfunction]
#[pyo3(signature = (keys, axis=-1))]
fn lexsort(keys: Vec<PyRef<'_, Handle>>, axis: isize) -> PyResult<Handle> {
    wrap(Array::lexsort_axis(&arrays(&keys), axis))
}

#[pyfunction]
#[pyo3(signature = (a, v, side="left", sorter=None))]
fn searchsorted(a: &Handle, v: &Handle, side: &str, sorter: Option<&Handle>) -> PyResult<Handle> {
    let side = match side {
        "left" => Side::Left,
        "right" => Side::Right,
        _ => {
            return Err(PyValueError::new_err(format!(
                "side must be 'left' or 'right' (got {side:?})"
            )))
        }
    };
    wrap(a.a.searchsorted(&v.a, side, sorter.map(|s| &s.a)))
}

/// What `unique` gives: `(values, index, inverse, counts)`, the last three when asked for.
type UniqueParts = (Handle, Option<Handle>, Option<Handle>, Option<Handle>);

/// `unique`.
#[pyfunction]
fn unique(
    a: &Handle,
    return_index: bool,
    return_inverse: bool,
    return_counts: bool,
) -> PyResult<UniqueParts> {
    let u =
        a.a.unique(UniqueOptions {
            return_index,
            return_inverse,
            return_counts,
        })
        .py()?;
    Ok((
        Handle::new(u.values),
        u.indices.map(Handle::new),
        u.inverse.map(Handle::new),
        u.counts.map(Handle::new),
    ))
}

// ------------------------------------------------------------------ gathers, scatters

/// `take` of the flattened array, or along `axis`.
#[pyfunction]
#[pyo3(signature = (a, indices, axis=None))]
fn take(a: &Handle, indices: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(match axis {
        None => a.a.take(&indices.a),
        Some(ax) => a.a.take_axis(&indices.a, ax),
    })
}

#[pyfunction]
fn put(a: &Handle, indices: &Handle, values: &Handle) -> PyResult<()> {
    a.a.put(&indices.a, &values.a).py()
}

#[pyfunction]
#[pyo3(signature = (a, indices, axis=None))]
fn take_along_axis(a: &Handle, indices: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(a.a.take_along_axis(&indices.a, axis))
}

#[pyfunction]
#[pyo3(signature = (a, indices, values, axis=None))]
fn put_along_axis(
    a: &Handle,
    indices: &Handle,
    values: &Handle,
    axis: Option<isize>,
) -> PyResult<()> {
    a.a.put_along_axis(&indices.a, &values.a, axis).py()
}

/// `extract(mask, a)` (`a[mask]` flattened).
#[pyfunction]
fn extract(a: &Handle, mask: &Handle) -> PyResult<Handle> {
    wrap(a.a.extract(&mask.a))
}

#[pyfunction]
#[pyo3(signature = (a, condition, axis=None))]
fn compress(a: &Handle, condition: &Handle, axis: Option<isize>) -> PyResult<Handle> {
    wrap(match axis {
        None => a.a.compress(&condition.a),
        Some(ax) => a.a.compress_axis(&condition.a, ax),
    })
}

/// `nonzero` (one index array per axis), `argwhere` or `flatnonzero` by name.
#[pyfunction]
fn nonzero(name: &str, a: &Handle) -> PyResult<Vec<Handle>> {
    Ok(match name {
        "nonzero" => handles(a.a.nonzero().py()?),
        "argwhere" => vec![Handle::new(a.a.argwhere().py()?)],
        "flatnonzero" => vec![Handle::new(a.a.flatnonzero().py()?)],
        _ => return Err(bad("function", name)),
    })
}

// ------------------------------------------------------------------ matrices, creation

#[pyfunction]
fn tri(n: usize, m: Option<usize>, k: i64, dtype_name: &str) -> PyResult<Handle> {
    wrap(dense()?.tri(n, m, k, Type::from_name(dtype_name).py()?))
}

/// `tril` (`upper` false) or `triu`.
#[pyfunction]
fn triangle(a: &Handle, k: i64, upper: bool) -> PyResult<Handle> {
    wrap(if upper { a.a.triu(k) } else { a.a.tril(k) })
}

#[pyfunction]
fn diag(v: &Handle, k: i64) -> PyResult<Handle> {
    wrap(dense()?.diag(&v.a, k))
}

#[pyfunction]
fn logspace(
    start: f64,
    stop: f64,
    num: usize,
    endpoint: bool,
    base: f64,
    dtype_name: &str,
) -> PyResult<Handle> {
    wrap(dense()?.logspace(
        start,
        stop,
        num,
        endpoint,
        base,
        Type::from_name(dtype_name).py()?,
    ))
}

/// `round(a, decimals)`.
#[pyfunction]
fn round(a: &Handle, decimals: i32) -> PyResult<Handle> {
    wrap(a.a.round(decimals))
}

/// The two-result functions: `divmod(a, b)`, `modf(a)`, `frexp(a)`.
#[pyfunction]
#[pyo3(signature = (name, a, b=None))]
fn pair(name: &str, a: &Handle, b: Option<&Handle>) -> PyResult<(Handle, Handle)> {
    let r = match (name, b) {
        ("divmod", Some(b)) => a.a.divmod(&b.a),
        ("modf", None) => a.a.modf(),
        ("frexp", None) => a.a.frexp(),
        _ => return Err(bad("function", name)),
    };
    let (x, y) = r.py()?;
    Ok((Handle::new(x), Handle::new(y)))
}

// ------------------------------------------------------------------ statistics

/// `quantile`, `percentile` and their nan-variants.
#[pyfunction]
fn quantile(
    a: &Handle,
    q: &Handle,
    axis: Option<isize>,
    method: &str,
    keepdims: bool,
    percent: bool,
    skip_nan: bool,
) -> PyResult<Handle> {
    let method = match method {
        "linear" => QuantileMethod::Linear,
        "lower" => QuantileMethod::Lower,
        "higher" => QuantileMethod::Higher,
        "nearest" => QuantileMethod::Nearest,
        "midpoint" => QuantileMethod::Midpoint,
        _ => return Err(bad("quantile method", method)),
    };
    let (a, q) = (&a.a, &q.a);
    wrap(match (percent, skip_nan) {
        (false, false) => a.quantile(q, axis, method, keepdims),
        (true, false) => a.percentile(q, axis, method, keepdims),
        (false, true) => a.nanquantile(q, axis, method, keepdims),
        (true, true) => a.nanpercentile(q, axis, method, keepdims),
    })
}

#[pyfunction]
#[pyo3(signature = (x, weights=None, minlength=0))]
fn bincount(x: &Handle, weights: Option<&Handle>, minlength: usize) -> PyResult<Handle> {
    wrap(x.a.bincount(weights.map(|w| &w.a), minlength))
}

fn bins(count: Option<usize>, edges: Option<&Handle>) -> PyResult<Bins> {
    match (count, edges) {
        (_, Some(e)) => Ok(Bins::Edges(e.a.clone())),
        (Some(n), None) => Ok(Bins::Count(n)),
        (None, None) => Err(PyValueError::new_err("histogram needs bins")),
    }
}

/// `histogram`: `(hist, edges)`; `bins` a count or the edges.
#[pyfunction]
#[pyo3(signature = (a, count=None, edges=None, range=None, density=false, weights=None))]
fn histogram(
    a: &Handle,
    count: Option<usize>,
    edges: Option<&Handle>,
    range: Option<(f64, f64)>,
    density: bool,
    weights: Option<&Handle>,
) -> PyResult<(Handle, Handle)> {
    let (h, e) =
        a.a.histogram(&bins(count, edges)?, range, density, weights.map(|w| &w.a))
            .py()?;
    Ok((Handle::new(h), Handle::new(e)))
}

#[pyfunction]
#[pyo3(signature = (a, count=None, edges=None, range=None))]
fn histogram_bin_edges(
    a: &Handle,
    count: Option<usize>,
    edges: Option<&Handle>,
    range: Option<(f64, f64)>,
) -> PyResult<Handle> {
    wrap(a.a.histogram_bin_edges(&bins(count, edges)?, range))
}

// ------------------------------------------------------------------ linalg

/// The one-matrix functions of `numpy.linalg` that give one array, by name.
#[pyfunction]
#[pyo3(signature = (name, a, uplo="L", tol=None))]
fn linalg1(name: &str, a: &Handle, uplo: &str, tol: Option<f64>) -> PyResult<Handle> {
    let a = &a.a;
    wrap(match name {
        "inv" => linalg::inv(a),
        "cholesky" => linalg::cholesky(a),
        "cholesky_upper" => linalg::cholesky_upper(a),
        "det" => linalg::det(a),
        "eigvalsh" => linalg::eigvalsh(a, uplo),
        "eigvals" => linalg::eigvals(a),
        "pinv" => linalg::pinv(a, tol),
        "pinv_hermitian" => linalg::pinv_hermitian(a, tol),
        "matrix_rank" => linalg::matrix_rank(a, tol),
        "matrix_rank_hermitian" => linalg::matrix_rank_hermitian(a, tol),
        "conj" => linalg::conj(a),
        _ => return Err(bad("function", name)),
    })
}

/// `numpy.linalg.solve`.
#[pyfunction]
fn linalg_solve(a: &Handle, b: &Handle) -> PyResult<Handle> {
    wrap(linalg::solve(&a.a, &b.a))
}

#[pyfunction]
fn matrix_power(a: &Handle, n: i64) -> PyResult<Handle> {
    wrap(linalg::matrix_power(&a.a, n))
}

#[pyfunction]
fn qr(a: &Handle, mode: &str) -> PyResult<(Option<Handle>, Handle)> {
    let mode = match mode {
        "reduced" => QrMode::Reduced,
        "complete" => QrMode::Complete,
        "r" => QrMode::R,
        _ => return Err(PyValueError::new_err(format!("Unrecognized mode '{mode}'"))),
    };
    let (q, r) = linalg::qr(&a.a, mode).py()?;
    Ok((q.map(Handle::new), Handle::new(r)))
}

#[pyfunction]
#[pyo3(signature = (a, full_matrices, compute_uv, hermitian=false))]
fn svd(
    a: &Handle,
    full_matrices: bool,
    compute_uv: bool,
    hermitian: bool,
) -> PyResult<(Option<Handle>, Handle, Option<Handle>)> {
    let s = match hermitian {
        true => linalg::svd_hermitian(&a.a, compute_uv),
        false => linalg::svd(&a.a, full_matrices, compute_uv),
    }
    .py()?;
    Ok((
        s.u.map(Handle::new),
        Handle::new(s.s),
        s.vh.map(Handle::new),
    ))
}

#[pyfunction]
fn eigh(a: &Handle, uplo: &str) -> PyResult<(Handle, Handle)> {
    let (w, v) = linalg::eigh(&a.a, uplo).py()?;
    Ok((Handle::new(w), Handle::new(v)))
}

#[pyfunction]
fn eig(a: &Handle) -> PyResult<(Handle, Handle)> {
    let (w, v) = linalg::eig(&a.a).py()?;
    Ok((Handle::new(w), Handle::new(v)))
}

#[pyfunction]
fn slogdet(a: &Handle) -> PyResult<(Handle, Handle)> {
    let (s, l) = linalg::slogdet(&a.a).py()?;
    Ok((Handle::new(s), Handle::new(l)))
}

#[pyfunction]
#[pyo3(signature = (a, b, rcond=None))]
fn lstsq(a: &Handle, b: &Handle, rcond: Option<f64>) -> PyResult<(Handle, Handle, usize, Handle)> {
    let (x, res, rank, s) = linalg::lstsq(&a.a, &b.a, rcond).py()?;
    Ok((Handle::new(x), Handle::new(res), rank, Handle::new(s)))
}

/// The products of two arrays, by name: `inner`, `outer`, `vdot`.
#[pyfunction]
fn product(name: &str, a: &Handle, b: &Handle) -> PyResult<Handle> {
    wrap(match name {
        "inner" => linalg::inner(&a.a, &b.a),
        "outer" => linalg::outer(&a.a, &b.a),
        "vdot" => linalg::vdot(&a.a, &b.a),
        _ => return Err(bad("product", name)),
    })
}

/// `tensordot` over the last `n` axes of `a` and the first of `b`, or over axis pairs.
#[pyfunction]
#[pyo3(signature = (a, b, n=None, pairs=None))]
fn tensordot(
    a: &Handle,
    b: &Handle,
    n: Option<usize>,
    pairs: Option<(Vec<isize>, Vec<isize>)>,
) -> PyResult<Handle> {
    let axes = match (n, pairs) {
        (_, Some((x, y))) => TensorAxes::Pairs(x, y),
        (Some(n), None) => TensorAxes::N(n),
        (None, None) => TensorAxes::N(2),
    };
    wrap(linalg::tensordot(&a.a, &b.a, axes))
}

#[pyfunction]
fn einsum(subscripts: &str, operands: Vec<PyRef<'_, Handle>>) -> PyResult<Handle> {
    let ops = arrays(&operands);
    let refs: Vec<&Array> = ops.iter().collect();
    wrap(linalg::einsum(subscripts, &refs))
}

#[pyfunction]
fn trace(a: &Handle, offset: i64, axis1: isize, axis2: isize) -> PyResult<Handle> {
    wrap(linalg::trace(&a.a, offset, axis1, axis2))
}

// ------------------------------------------------------------------ random

/// `numpy.random.Generator` on Philox: the numbers of a seed do not depend on how the
/// arrays are cut.
#[pyclass(name = "Generator", module = "legate._legate", frozen)]
struct PyGenerator {
    g: Generator,
}

#[pymethods]
impl PyGenerator {
    #[new]
    fn new(seed: u64) -> PyResult<PyGenerator> {
        Ok(PyGenerator {
            g: Generator::new(&dense()?, seed),
        })
    }

    /// A draw by name: `random`, `standard_normal`, `uniform(a, b)`, `normal(a, b)`.
    #[pyo3(signature = (name, shape, a=0.0, b=1.0))]
    fn draw(&self, name: &str, shape: Vec<usize>, a: f64, b: f64) -> PyResult<Handle> {
        wrap(match name {
            "random" => self.g.random(&shape),
            "standard_normal" => self.g.standard_normal(&shape),
            "uniform" => self.g.uniform(a, b, &shape),
            "normal" => self.g.normal(a, b, &shape),
            _ => return Err(bad("distribution", name)),
        })
    }

    fn integers(&self, low: i64, high: i64, shape: Vec<usize>) -> PyResult<Handle> {
        wrap(self.g.integers(low, high, &shape))
    }

    fn choice(&self, a: &Handle, shape: Vec<usize>) -> PyResult<Handle> {
        wrap(self.g.choice(&a.a, &shape))
    }
}

/// The legacy generator's draws with parameters: `uniform`, `normal`, `randint`.
#[pyfunction]
#[pyo3(signature = (name, shape, a=0.0, b=1.0, low=0, high=None))]
fn legacy(
    name: &str,
    shape: Vec<usize>,
    a: f64,
    b: f64,
    low: i64,
    high: Option<i64>,
) -> PyResult<Handle> {
    let d = dense()?;
    wrap(match name {
        "uniform" => d.uniform(a, b, &shape),
        "normal" => d.normal(a, b, &shape),
        "randint" => d.randint(low, high, &shape),
        _ => return Err(bad("distribution", name)),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGenerator>()?;
    m.add_function(wrap_pyfunction!(view, m)?)?;
    m.add_function(wrap_pyfunction!(concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(stack, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(flip, m)?)?;
    m.add_function(wrap_pyfunction!(roll, m)?)?;
    m.add_function(wrap_pyfunction!(tile, m)?)?;
    m.add_function(wrap_pyfunction!(repeat, m)?)?;
    m.add_function(wrap_pyfunction!(pad, m)?)?;
    m.add_function(wrap_pyfunction!(sort, m)?)?;
    m.add_function(wrap_pyfunction!(sort_inplace, m)?)?;
    m.add_function(wrap_pyfunction!(argsort, m)?)?;
    m.add_function(wrap_pyfunction!(partition, m)?)?;
    m.add_function(wrap_pyfunction!(lexsort, m)?)?;
    m.add_function(wrap_pyfunction!(searchsorted, m)?)?;
    m.add_function(wrap_pyfunction!(unique, m)?)?;
    m.add_function(wrap_pyfunction!(take, m)?)?;
    m.add_function(wrap_pyfunction!(put, m)?)?;
    m.add_function(wrap_pyfunction!(take_along_axis, m)?)?;
    m.add_function(wrap_pyfunction!(put_along_axis, m)?)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(compress, m)?)?;
    m.add_function(wrap_pyfunction!(nonzero, m)?)?;
    m.add_function(wrap_pyfunction!(tri, m)?)?;
    m.add_function(wrap_pyfunction!(triangle, m)?)?;
    m.add_function(wrap_pyfunction!(diag, m)?)?;
    m.add_function(wrap_pyfunction!(logspace, m)?)?;
    m.add_function(wrap_pyfunction!(round, m)?)?;
    m.add_function(wrap_pyfunction!(pair, m)?)?;
    m.add_function(wrap_pyfunction!(quantile, m)?)?;
    m.add_function(wrap_pyfunction!(bincount, m)?)?;
    m.add_function(wrap_pyfunction!(histogram, m)?)?;
    m.add_function(wrap_pyfunction!(histogram_bin_edges, m)?)?;
    m.add_function(wrap_pyfunction!(linalg1, m)?)?;
    m.add_function(wrap_pyfunction!(linalg_solve, m)?)?;
    m.add_function(wrap_pyfunction!(matrix_power, m)?)?;
    m.add_function(wrap_pyfunction!(qr, m)?)?;
    m.add_function(wrap_pyfunction!(svd, m)?)?;
    m.add_function(wrap_pyfunction!(eigh, m)?)?;
    m.add_function(wrap_pyfunction!(eig, m)?)?;
    m.add_function(wrap_pyfunction!(slogdet, m)?)?;
    m.add_function(wrap_pyfunction!(lstsq, m)?)?;
    m.add_function(wrap_pyfunction!(product, m)?)?;
    m.add_function(wrap_pyfunction!(tensordot, m)?)?;
    m.add_function(wrap_pyfunction!(einsum, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(legacy, m)?)?;
    Ok(())
}
