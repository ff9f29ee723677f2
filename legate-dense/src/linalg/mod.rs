//! Linear algebra (NumPy's `numpy.linalg`, plus `vdot`, `inner`, `outer`, `tensordot`,
//! `einsum` and `trace`).
//!
//! Products and norms are distributed: they are built from `matmul` (pieces of batch
//! entries and rows), element-wise operations and reductions. Factorizations and solvers
//! (`solve`, `inv`, `cholesky`, `qr`, `svd`, `eig`, `eigvals`, `eigh`, `eigvalsh`, `det`,
//! `slogdet`) run as a **single-piece task** each, over faer's kernels; they take stacks
//! of matrices (`(..., m, n)`) as NumPy does. `lstsq`, `pinv`, `matrix_rank` and `matrix_power` are
//! built from those and from distributed products.
//!
//! Types follow NumPy: integers and booleans compute in float64, float32 and float64
//! stay, complex numbers are supported; float16 is refused. A singular matrix, one that
//! is not positive definite or not square is [`Error::LinAlg`] (NumPy's `LinAlgError`).
//!
//! ```
//! use legate_core::{Runtime, Type};
//! use legate_dense::{linalg, Dense};
//!
//! let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
//! let a = d.from_vec(vec![3.0, 1.0, 1.0, 2.0], &[2, 2]).unwrap();
//! let b = d.from_vec(vec![9.0, 8.0], &[2]).unwrap();
//! let x = linalg::solve(&a, &b).unwrap();
//! assert_eq!(x.to_vec::<f64>().unwrap(), vec![2.0, 3.0]);
//! ```

mod kernels;
mod norm;
mod products;

use legate_core::{broadcast, Error, Library, Result, Scalar, TaskDef, Type};

use crate::array::{to_u64, Array};
use crate::dtype;
use crate::kernels::{BinaryOp, UnaryOp};
use crate::views::broadcast_shapes;

pub use norm::{norm, NormOrd};
pub use products::{einsum, inner, outer, tensordot, trace, vdot, TensorAxes};

/// Task ids of this module (100-199).
pub(crate) mod ids {
    pub(crate) const SOLVE: u32 = 101;
    pub(crate) const CHOLESKY: u32 = 102;
    pub(crate) const QR: u32 = 103;
    pub(crate) const SVD: u32 = 104;
    pub(crate) const EIGH: u32 = 105;
    pub(crate) const DET: u32 = 106;
    pub(crate) const EIG: u32 = 107;
}

pub(crate) fn register(lib: &Library) -> Result<()> {
    lib.register_task(ids::SOLVE, TaskDef::new("solve").cpu(kernels::solve_any))?;
    lib.register_task(
        ids::CHOLESKY,
        TaskDef::new("cholesky").cpu(kernels::cholesky_any),
    )?;
    lib.register_task(ids::QR, TaskDef::new("qr").cpu(kernels::qr_any))?;
    lib.register_task(ids::SVD, TaskDef::new("svd").cpu(kernels::svd_any))?;
    lib.register_task(ids::EIGH, TaskDef::new("eigh").cpu(kernels::eigh_any))?;
    lib.register_task(ids::DET, TaskDef::new("det").cpu(kernels::det_any))?;
    lib.register_task(ids::EIG, TaskDef::new("eig").cpu(kernels::eig_any))?;
    Ok(())
}

fn linalg_error(what: impl Into<String>) -> Error {
    Error::LinAlg { what: what.into() }
}

/// The type a factorization computes in: float64 for integers and booleans (as NumPy).
fn linalg_type(op: &'static str, ty: Type) -> Result<Type> {
    match ty {
        Type::Float32 | Type::Float64 | Type::Complex64 | Type::Complex128 => Ok(ty),
        Type::Float16 => Err(Error::UnsupportedType { op, ty }),
        _ => Ok(Type::Float64),
    }
}

/// The real type of the moduli of `ty` (itself for real types).
pub(crate) fn real_type(ty: Type) -> Type {
    match ty {
        Type::Complex64 => Type::Float32,
        Type::Complex128 => Type::Float64,
        t => t,
    }
}

/// The machine epsilon of a float or complex type.
fn eps(ty: Type) -> f64 {
    match real_type(ty) {
        Type::Float32 => f64::from(f32::EPSILON),
        _ => f64::EPSILON,
    }
}

/// `a` cast for a factorization, checked to be a stack of (square, when asked) matrices.
fn prepare(op: &'static str, a: &Array, square: bool) -> Result<Array> {
    let shape = a.shape();
    if shape.len() < 2 {
        return Err(linalg_error(format!(
            "{}-dimensional array given. Array must be at least two-dimensional",
            shape.len()
        )));
    }
    if square && shape[shape.len() - 1] != shape[shape.len() - 2] {
        return Err(linalg_error(
            "Last 2 dimensions of the array must be square",
        ));
    }
    a.as_type(linalg_type(op, a.dtype())?)
}

/// Runs a factorization task as one piece and turns its status into an error.
fn run_single(
    what: &str,
    id: u32,
    inputs: &[&Array],
    outputs: &[&Array],
    scalars: Vec<Scalar>,
) -> Result<()> {
    let Some(first) = inputs.first() else {
        return Err(Error::Internal {
            what: "a linalg task without inputs".into(),
        });
    };
    let dense = &first.dense;
    let info = dense.empty(&[1], Type::Int64)?;
    let mut task = dense.rt.create_auto_task(&dense.lib, id)?;
    for a in inputs {
        let v = task.add_input(&a.store);
        task.add_constraint(broadcast(v, &[]));
    }
    for a in outputs.iter().chain([&&info]) {
        let v = task.add_output(&a.store);
        task.add_constraint(broadcast(v, &[]));
    }
    for s in scalars {
        task.add_scalar_arg(s);
    }
    task.execute()?;
    match info.item::<i64>()? {
        kernels::status::OK => Ok(()),
        kernels::status::SINGULAR => Err(linalg_error("Singular matrix")),
        kernels::status::NOT_POSITIVE_DEFINITE => {
            Err(linalg_error("Matrix is not positive definite"))
        }
        kernels::status::NO_CONVERGENCE => Err(linalg_error(format!("{what} did not converge"))),
        code => Err(Error::Internal {
            what: format!("linalg task status {code}"),
        }),
    }
}

fn batch_of(a: &Array) -> Vec<usize> {
    let s = a.shape();
    s[..s.len().saturating_sub(2)].to_vec()
}

fn with_tail(batch: &[usize], tail: &[usize]) -> Vec<usize> {
    [batch, tail].concat()
}

/// The complex conjugate (NumPy's `conj`): a copy for complex arrays, the array itself
/// otherwise. Distributed, element by element.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// # use num_complex::Complex;
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let z = d.from_vec(vec![Complex::new(1.0, 2.0)], &[1]).unwrap();
/// assert_eq!(linalg::conj(&z).unwrap().to_vec::<Complex<f64>>().unwrap(), vec![Complex::new(1.0, -2.0)]);
/// ```
pub fn conj(a: &Array) -> Result<Array> {
    if !a.dtype().is_complex() {
        return Ok(a.clone());
    }
    a.conjugate()
}

/// The conjugate transpose of the last two dimensions.
fn adjoint(a: &Array) -> Result<Array> {
    conj(&a.swapaxes(-1, -2)?)
}

/// The solution `x` of `a @ x = b` (NumPy's `linalg.solve`): `a` is `(..., n, n)`, `b`
/// is `(n,)` or `(..., n, k)`, batch dimensions broadcast. LU with partial pivoting, one
/// single-piece task; a singular `a` is [`Error::LinAlg`].
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 0.0, 0.0, 4.0], &[2, 2]).unwrap();
/// let b = d.from_vec(vec![2.0, 2.0], &[2]).unwrap();
/// assert_eq!(linalg::solve(&a, &b).unwrap().to_vec::<f64>().unwrap(), vec![1.0, 0.5]);
/// ```
pub fn solve(a: &Array, b: &Array) -> Result<Array> {
    let ty = linalg_type("solve", dtype::promote_types(a.dtype(), b.dtype()))?;
    let a = prepare("solve", &a.as_type(ty)?, true)?;
    let n = a.shape()[a.ndim() - 1];
    let vector = b.ndim() == 1;
    let b = if vector {
        b.expand_dims(-1)?
    } else {
        b.clone()
    };
    if b.ndim() < 2 || b.shape()[b.ndim() - 2] != n {
        return Err(Error::ShapeMismatch {
            context: "solve: a and b",
            left: a.shape_u64(),
            right: b.shape_u64(),
        });
    }
    let k = b.shape()[b.ndim() - 1];
    let batch = broadcast_shapes(&batch_of(&a), &batch_of(&b))?;
    let a = a.broadcast_to(&with_tail(&batch, &[n, n]))?;
    let b = b.as_type(ty)?.broadcast_to(&with_tail(&batch, &[n, k]))?;
    let x = a.dense.empty(&with_tail(&batch, &[n, k]), ty)?;
    if x.size() > 0 {
        run_single("solve", ids::SOLVE, &[&a, &b], &[&x], vec![])?;
    }
    if vector {
        x.squeeze(Some(-1))
    } else {
        Ok(x)
    }
}

/// The inverse of a square matrix or of each of a stack (NumPy's `linalg.inv`); a single
/// singular matrix is [`Error::LinAlg`]. One single-piece task (LU).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 0.0, 0.0, 4.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::inv(&a).unwrap().to_vec::<f64>().unwrap(), vec![0.5, 0.0, 0.0, 0.25]);
/// ```
pub fn inv(a: &Array) -> Result<Array> {
    let a = prepare("inv", a, true)?;
    let n = a.shape()[a.ndim() - 1];
    let eye = a.dense.eye(n, None, 0, a.dtype())?;
    let b = eye.broadcast_to(&a.shape())?;
    solve(&a, &b)
}

/// The lower Cholesky factor `L` of a Hermitian positive-definite matrix (`a = L L^H`,
/// NumPy's `linalg.cholesky`), read from the lower triangle of `a`; one that is not
/// positive definite is [`Error::LinAlg`]. One single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![4.0, 2.0, 2.0, 5.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::cholesky(&a).unwrap().to_vec::<f64>().unwrap(), vec![2.0, 0.0, 1.0, 2.0]);
/// ```
pub fn cholesky(a: &Array) -> Result<Array> {
    let a = prepare("cholesky", a, true)?;
    let l = a.dense.empty(&a.shape(), a.dtype())?;
    if l.size() > 0 {
        run_single("cholesky", ids::CHOLESKY, &[&a], &[&l], vec![])?;
    }
    Ok(l)
}

/// The upper Cholesky factor `U` (`a = U^H U`, NumPy's `linalg.cholesky(a, upper=True)`),
/// read from the upper triangle of `a`: the adjoint of the lower factor of `a^H`. One
/// single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![4.0, 2.0, 2.0, 5.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::cholesky_upper(&a).unwrap().to_vec::<f64>().unwrap(), vec![2.0, 1.0, 0.0, 2.0]);
/// ```
pub fn cholesky_upper(a: &Array) -> Result<Array> {
    adjoint(&cholesky(&adjoint(a)?)?)
}

/// What [`qr`] returns (NumPy's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrMode {
    /// `Q` is `m x k`, `R` is `k x n`, `k = min(m, n)` (the default).
    Reduced,
    /// `Q` is `m x m`, `R` is `m x n`.
    Complete,
    /// Only `R`, `k x n`.
    R,
}

/// The QR factorization `a = Q R` (NumPy's `linalg.qr`), of a matrix or a stack: `Q` has
/// orthonormal columns, `R` is upper triangular. `Q` is `None` for [`QrMode::R`]. One
/// single-piece task (Householder reflections).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, linalg::QrMode, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
/// let (q, r) = linalg::qr(&a, QrMode::Reduced).unwrap();
/// assert_eq!((q.unwrap().shape(), r.shape()), (vec![3, 2], vec![2, 2]));
/// ```
pub fn qr(a: &Array, mode: QrMode) -> Result<(Option<Array>, Array)> {
    let a = prepare("qr", a, false)?;
    let shape = a.shape();
    let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let k = m.min(n);
    let batch = batch_of(&a);
    let complete = mode == QrMode::Complete;
    let (qc, rr) = if complete { (m, m) } else { (k, k) };
    let q = a.dense.empty(&with_tail(&batch, &[m, qc]), a.dtype())?;
    let r = a.dense.empty(&with_tail(&batch, &[rr, n]), a.dtype())?;
    if a.size() > 0 {
        run_single("qr", ids::QR, &[&a], &[&q, &r], vec![Scalar::new(complete)])?;
    } else {
        fill_empty_qr(&q, &r)?;
    }
    Ok(((mode != QrMode::R).then_some(q), r))
}

/// Q of an empty matrix: the identity's columns (R is all zeros).
fn fill_empty_qr(q: &Array, r: &Array) -> Result<()> {
    r.fill(Scalar::zero(r.dtype()))?;
    if q.size() > 0 {
        let s = q.shape();
        let eye = q
            .dense
            .eye(s[s.len() - 2], Some(s[s.len() - 1]), 0, q.dtype())?;
        q.assign(&eye)?;
    }
    Ok(())
}

/// The result of [`svd`]: `a = u @ (s[..., None] * vh)`.
#[derive(Clone, Debug)]
pub struct Svd {
    /// Left singular vectors (columns), when computed.
    pub u: Option<Array>,
    /// Singular values in non-increasing order (real).
    pub s: Array,
    /// Right singular vectors (rows, conjugated), when computed.
    pub vh: Option<Array>,
}

/// The singular value decomposition (NumPy's `linalg.svd`) of a matrix or a stack:
/// `u` is `m x m` and `vh` is `n x n` when `full_matrices`, else `m x k` and `k x n`.
/// One single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![3.0, 0.0, 0.0, -4.0], &[2, 2]).unwrap();
/// let svd = linalg::svd(&a, true, false).unwrap();
/// assert_eq!(svd.s.to_vec::<f64>().unwrap(), vec![4.0, 3.0]);
/// ```
pub fn svd(a: &Array, full_matrices: bool, compute_uv: bool) -> Result<Svd> {
    let a = prepare("svd", a, false)?;
    let shape = a.shape();
    let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let k = m.min(n);
    let batch = batch_of(&a);
    let ty = a.dtype();
    let s = a.dense.empty(&with_tail(&batch, &[k]), real_type(ty))?;
    let scalars = vec![Scalar::new(full_matrices), Scalar::new(compute_uv)];
    if !compute_uv {
        if s.size() > 0 {
            run_single("SVD", ids::SVD, &[&a], &[&s], scalars)?;
        }
        return Ok(Svd {
            u: None,
            s,
            vh: None,
        });
    }
    let (ur, vr) = if full_matrices { (m, n) } else { (k, k) };
    let u = a.dense.empty(&with_tail(&batch, &[m, ur]), ty)?;
    let vh = a.dense.empty(&with_tail(&batch, &[vr, n]), ty)?;
    if a.size() > 0 {
        run_single("SVD", ids::SVD, &[&a], &[&s, &u, &vh], scalars)?;
    } else {
        for x in [&u, &vh] {
            let xs = x.shape();
            let (r, c) = (xs[xs.len() - 2], xs[xs.len() - 1]);
            if x.size() > 0 {
                x.assign(&a.dense.eye(r, Some(c), 0, ty)?)?;
            }
        }
    }
    Ok(Svd {
        u: Some(u),
        s,
        vh: Some(vh),
    })
}

/// The SVD of a Hermitian matrix or a stack through its eigendecomposition (NumPy's
/// `linalg.svd(a, hermitian=True)`): the singular values are the eigenvalues' magnitudes in
/// non-increasing order, `u` their eigenvectors, and `vh` the adjoint of `u` with each
/// column's eigenvalue sign moved into it (so `a = u @ (s[..., None] * vh)`). Only the
/// lower triangle is read; `u` and `vh` are square. One single-piece task and distributed
/// reordering.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 0.0, 0.0, -3.0], &[2, 2]).unwrap();
/// let svd = linalg::svd_hermitian(&a, true).unwrap();
/// assert_eq!(svd.s.to_vec::<f64>().unwrap(), vec![3.0, 1.0]);
/// assert_eq!(svd.vh.unwrap().to_vec::<f64>().unwrap(), vec![0.0, -1.0, 1.0, 0.0]);
/// ```
pub fn svd_hermitian(a: &Array, compute_uv: bool) -> Result<Svd> {
    if !compute_uv {
        let s = eigvalsh(a, "L")?.absolute()?;
        return Ok(Svd {
            u: None,
            s: s.sorted(Some(-1))?.flip(Some(-1))?,
            vh: None,
        });
    }
    let (w, v) = eigh(a, "L")?;
    let order = w.absolute()?.argsort(Some(-1))?.flip(Some(-1))?;
    let s = w.absolute()?.take_along_axis(&order, Some(-1))?;
    let sign = w.sign()?.take_along_axis(&order, Some(-1))?;
    let u = v.take_along_axis(&order.expand_dims(-2)?, Some(-1))?;
    let vh = adjoint(&(&u * &sign.expand_dims(-2)?)?)?;
    Ok(Svd {
        u: Some(u),
        s,
        vh: Some(vh),
    })
}

fn uplo_lower(uplo: &str) -> Result<bool> {
    match uplo {
        "L" | "l" => Ok(true),
        "U" | "u" => Ok(false),
        _ => Err(Error::InvalidArgument {
            what: "UPLO argument must be 'L' or 'U'".into(),
        }),
    }
}

/// Eigenvalues (ascending, real) and eigenvectors (columns) of a Hermitian matrix or a
/// stack (NumPy's `linalg.eigh`), read from the triangle `uplo` names (`"L"` or `"U"`).
/// One single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 0.0, 0.0, 1.0], &[2, 2]).unwrap();
/// let (w, _v) = linalg::eigh(&a, "L").unwrap();
/// assert_eq!(w.to_vec::<f64>().unwrap(), vec![1.0, 2.0]);
/// ```
pub fn eigh(a: &Array, uplo: &str) -> Result<(Array, Array)> {
    let lower = uplo_lower(uplo)?;
    let a = prepare("eigh", a, true)?;
    let shape = a.shape();
    let n = shape[shape.len() - 1];
    let batch = batch_of(&a);
    let w = a
        .dense
        .empty(&with_tail(&batch, &[n]), real_type(a.dtype()))?;
    let v = a.dense.empty(&shape, a.dtype())?;
    if a.size() > 0 {
        run_single(
            "Eigenvalues",
            ids::EIGH,
            &[&a],
            &[&w, &v],
            vec![Scalar::new(lower)],
        )?;
    }
    Ok((w, v))
}

/// The eigenvalues of a Hermitian matrix or a stack, ascending (NumPy's
/// `linalg.eigvalsh`). One single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 1.0, 1.0, 2.0], &[2, 2]).unwrap();
/// let w = linalg::eigvalsh(&a, "L").unwrap().to_vec::<f64>().unwrap();
/// assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// ```
pub fn eigvalsh(a: &Array, uplo: &str) -> Result<Array> {
    let lower = uplo_lower(uplo)?;
    let a = prepare("eigvalsh", a, true)?;
    let shape = a.shape();
    let n = shape[shape.len() - 1];
    let w = a
        .dense
        .empty(&with_tail(&batch_of(&a), &[n]), real_type(a.dtype()))?;
    if a.size() > 0 {
        run_single(
            "Eigenvalues",
            ids::EIGH,
            &[&a],
            &[&w],
            vec![Scalar::new(lower)],
        )?;
    }
    Ok(w)
}

/// The complex type of `ty`'s precision.
fn complex_type(ty: Type) -> Type {
    match real_type(ty) {
        Type::Float32 => Type::Complex64,
        _ => Type::Complex128,
    }
}

/// NumPy's refusal of a matrix holding an infinity or a NaN (`linalg.eig`).
fn check_finite(a: &Array) -> Result<()> {
    if a.size() > 0
        && !a
            .unary(UnaryOp::Isfinite)?
            .all(None, false)?
            .item::<bool>()?
    {
        return Err(linalg_error("Array must not contain infs or NaNs"));
    }
    Ok(())
}

/// The eigenvalues `w` of `a` (and its eigenvectors `rest`) in NumPy's type: real when
/// `a` is real and every eigenvalue is, complex otherwise.
fn real_when_all_real(a: &Array, w: Array, rest: Option<Array>) -> Result<(Array, Option<Array>)> {
    if a.dtype().is_complex() {
        return Ok((w, rest));
    }
    let imaginary = w
        .unary(UnaryOp::Imag)?
        .binary_scalar(BinaryOp::NotEqual, 0.0, false)?
        .any(None, false)?;
    if imaginary.item::<bool>()? {
        return Ok((w, rest));
    }
    let real = |x: Array| x.unary(UnaryOp::Real);
    Ok((real(w)?, rest.map(real).transpose()?))
}

/// The eigenvalues and right eigenvectors (columns, of unit norm) of a general square
/// matrix or a stack (NumPy's `linalg.eig`), in no particular order. Complex, except for
/// a real matrix whose eigenvalues are all real, which gets real arrays as in NumPy. One
/// single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// // A rotation by a quarter turn: eigenvalues ±i.
/// let a = d.from_vec(vec![0.0, -1.0, 1.0, 0.0], &[2, 2]).unwrap();
/// let (w, _v) = linalg::eig(&a).unwrap();
/// assert_eq!(w.dtype(), legate_core::Type::Complex128);
/// let mut im: Vec<f64> = w.to_vec::<num_complex::Complex<f64>>().unwrap().iter().map(|z| z.im).collect();
/// im.sort_by(f64::total_cmp);
/// assert!((im[0] + 1.0).abs() < 1e-12 && (im[1] - 1.0).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`Error::LinAlg`] for an array of fewer than two dimensions, a non-square matrix or
/// one holding an infinity or a NaN, and when the iteration does not converge.
pub fn eig(a: &Array) -> Result<(Array, Array)> {
    let a = prepare("eig", a, true)?;
    check_finite(&a)?;
    let shape = a.shape();
    let n = shape[shape.len() - 1];
    let cx = complex_type(a.dtype());
    let w = a.dense.empty(&with_tail(&batch_of(&a), &[n]), cx)?;
    let v = a.dense.empty(&shape, cx)?;
    if a.size() > 0 {
        run_single("Eigenvalues", ids::EIG, &[&a], &[&w, &v], Vec::new())?;
    }
    let (w, v) = real_when_all_real(&a, w, Some(v))?;
    let v = v.ok_or_else(|| Error::Internal {
        what: "eigenvectors went missing".into(),
    })?;
    Ok((w, v))
}

/// The eigenvalues of a general square matrix or a stack (NumPy's `linalg.eigvals`), as
/// [`eig`] gives them, without the eigenvectors.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 1.0, 0.0, 3.0], &[2, 2]).unwrap();
/// let mut w = linalg::eigvals(&a).unwrap().to_vec::<f64>().unwrap();
/// w.sort_by(f64::total_cmp);
/// assert!((w[0] - 2.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// As [`eig`].
pub fn eigvals(a: &Array) -> Result<Array> {
    let a = prepare("eigvals", a, true)?;
    check_finite(&a)?;
    let shape = a.shape();
    let n = shape[shape.len() - 1];
    let w = a
        .dense
        .empty(&with_tail(&batch_of(&a), &[n]), complex_type(a.dtype()))?;
    if a.size() > 0 {
        run_single("Eigenvalues", ids::EIG, &[&a], &[&w], Vec::new())?;
    }
    Ok(real_when_all_real(&a, w, None)?.0)
}

/// The determinant of a square matrix or of each of a stack (NumPy's `linalg.det`), from
/// LU in one single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
/// assert!((linalg::det(&a).unwrap().item::<f64>().unwrap() + 2.0).abs() < 1e-12);
/// ```
pub fn det(a: &Array) -> Result<Array> {
    let a = prepare("det", a, true)?;
    let out = a.dense.empty(&batch_of(&a), a.dtype())?;
    if a.shape()[a.ndim() - 1] == 0 {
        out.fill(Scalar::new(1.0f64).cast(a.dtype()))?;
    } else if out.size() > 0 {
        run_single("det", ids::DET, &[&a], &[&out], vec![])?;
    }
    Ok(out)
}

/// The sign (a unit complex number for complex input; 0 for a singular matrix) and the
/// natural log of the absolute value of the determinant (NumPy's `linalg.slogdet`).
/// One single-piece task.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![0.0, 2.0, 3.0, 0.0], &[2, 2]).unwrap();
/// let (sign, logdet) = linalg::slogdet(&a).unwrap();
/// assert_eq!(sign.item::<f64>().unwrap(), -1.0);
/// assert!((logdet.item::<f64>().unwrap() - 6f64.ln()).abs() < 1e-12);
/// ```
pub fn slogdet(a: &Array) -> Result<(Array, Array)> {
    let a = prepare("slogdet", a, true)?;
    let batch = batch_of(&a);
    let sign = a.dense.empty(&batch, a.dtype())?;
    let logabs = a.dense.empty(&batch, real_type(a.dtype()))?;
    if a.shape()[a.ndim() - 1] == 0 {
        sign.fill(Scalar::new(1.0f64).cast(a.dtype()))?;
        logabs.fill(Scalar::zero(logabs.dtype()))?;
    } else if sign.size() > 0 {
        run_single("det", ids::DET, &[&a], &[&sign, &logabs], vec![])?;
    }
    Ok((sign, logabs))
}

/// `1 / s` where `s > cutoff`, else 0 (the inverse of the kept singular values).
fn inverse_kept(s: &Array, cutoff: &Array) -> Result<Array> {
    let keep = s.greater(cutoff)?;
    let inv = s.binary_scalar(BinaryOp::TrueDivide, 1.0, true)?;
    let zero = s.dense.zeros(&[1], s.dtype())?;
    Array::where_(&keep, &inv, &zero)
}

/// The least-squares solution of `a @ x = b` (NumPy's `linalg.lstsq` with 2-D `a`):
/// `(x, residuals, rank, s)`. Singular values below `rcond * max(s)` count as zero
/// (`rcond` defaults to `eps * max(m, n)`, as NumPy 2). `residuals` holds the squared
/// norms of the columns of `b - a @ x` when `a` has full column rank and `m > n`, and is
/// empty otherwise. Through the SVD (a single-piece task) and distributed products.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 0.0, 1.0, 1.0, 1.0, 2.0], &[3, 2]).unwrap();
/// let b = d.from_vec(vec![1.0, 2.0, 2.0], &[3]).unwrap();
/// let (x, res, rank, _s) = linalg::lstsq(&a, &b, None).unwrap();
/// assert_eq!((x.shape(), res.shape(), rank), (vec![2], vec![1], 2));
/// ```
pub fn lstsq(a: &Array, b: &Array, rcond: Option<f64>) -> Result<(Array, Array, usize, Array)> {
    if a.ndim() != 2 || b.ndim() == 0 || b.ndim() > 2 {
        return Err(linalg_error(format!(
            "lstsq takes a 2-D a and a 1-D or 2-D b, got {}-D and {}-D",
            a.ndim(),
            b.ndim()
        )));
    }
    let ty = linalg_type("lstsq", dtype::promote_types(a.dtype(), b.dtype()))?;
    let (a, b) = (a.as_type(ty)?, b.as_type(ty)?);
    let (m, n) = (a.shape()[0], a.shape()[1]);
    if b.shape()[0] != m {
        return Err(linalg_error("Incompatible dimensions"));
    }
    let vector = b.ndim() == 1;
    let b2 = if vector {
        b.expand_dims(-1)?
    } else {
        b.clone()
    };
    let nrhs = b2.shape()[1];
    let real = real_type(ty);
    let svd = svd(&a, false, true)?;
    let (Some(u), Some(vh)) = (svd.u, svd.vh) else {
        return Err(Error::Internal {
            what: "svd gave no vectors".into(),
        });
    };
    let s = svd.s;
    let k = m.min(n);
    let (x, rank) = if k == 0 {
        (a.dense.zeros(&[n, nrhs], ty)?, 0)
    } else {
        let rcond = rcond.unwrap_or(eps(ty) * m.max(n) as f64);
        let cutoff = (&s.max(None, false)? * rcond)?;
        let rank = s.greater(&cutoff)?.sum(None, false)?.item::<i64>()? as usize;
        let sinv = inverse_kept(&s, &cutoff)?.expand_dims(-1)?;
        let ub = adjoint(&u)?.matmul(&b2)?;
        (adjoint(&vh)?.matmul(&(&sinv * &ub)?)?, rank)
    };
    let residuals = if rank == n && m > n {
        let r = (&b2 - &a.matmul(&x)?)?;
        let r = r.absolute()?;
        r.as_type(real)?.square()?.sum(Some(0), false)?
    } else {
        a.dense.empty(&[0], real)?
    };
    let x = if vector { x.squeeze(Some(-1))? } else { x };
    Ok((x, residuals, rank, s))
}

/// The Moore-Penrose pseudo-inverse of a matrix or a stack (NumPy's `linalg.pinv`):
/// singular values below `rcond * max(s)` (default `1e-15`) count as zero. Through the
/// SVD (a single-piece task) and distributed products.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![2.0, 0.0, 0.0, 0.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::pinv(&a, None).unwrap().to_vec::<f64>().unwrap(), vec![0.5, 0.0, 0.0, 0.0]);
/// ```
pub fn pinv(a: &Array, rcond: Option<f64>) -> Result<Array> {
    pinv_with(a, rcond, false)
}

/// [`pinv`] of a Hermitian matrix or a stack (NumPy's `linalg.pinv(a, hermitian=True)`):
/// through [`svd_hermitian`], reading the lower triangle only.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![-2.0, 0.0, 0.0, 0.0], &[2, 2]).unwrap();
/// let p = linalg::pinv_hermitian(&a, None).unwrap().to_vec::<f64>().unwrap();
/// assert_eq!(p, vec![-0.5, 0.0, 0.0, 0.0]);
/// ```
pub fn pinv_hermitian(a: &Array, rcond: Option<f64>) -> Result<Array> {
    pinv_with(a, rcond, true)
}

fn pinv_with(a: &Array, rcond: Option<f64>, hermitian: bool) -> Result<Array> {
    let a = prepare("pinv", a, hermitian)?;
    let shape = a.shape();
    let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let batch = batch_of(&a);
    if m.min(n) == 0 {
        return a.dense.zeros(&with_tail(&batch, &[n, m]), a.dtype());
    }
    let svd = match hermitian {
        true => svd_hermitian(&a, true)?,
        false => svd(&a, false, true)?,
    };
    let (Some(u), Some(vh)) = (svd.u, svd.vh) else {
        return Err(Error::Internal {
            what: "svd gave no vectors".into(),
        });
    };
    let cutoff = (&svd.s.max(Some(-1), true)? * rcond.unwrap_or(1e-15))?;
    let sinv = inverse_kept(&svd.s, &cutoff)?.expand_dims(-1)?;
    adjoint(&vh)?.matmul(&(&sinv * &adjoint(&u)?)?)
}

/// The rank of a matrix or of each of a stack (NumPy's `linalg.matrix_rank`): the number
/// of singular values above `tol` (default `max(s) * max(m, n) * eps`). Arrays of fewer
/// than two dimensions have rank 1 unless all zero. Through the SVD (a single-piece task).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::matrix_rank(&a, None).unwrap().item::<i64>().unwrap(), 1);
/// ```
pub fn matrix_rank(a: &Array, tol: Option<f64>) -> Result<Array> {
    matrix_rank_with(a, tol, false)
}

/// [`matrix_rank`] of a Hermitian matrix or a stack (NumPy's
/// `linalg.matrix_rank(a, hermitian=True)`): counts the eigenvalues' magnitudes above the
/// tolerance, reading the lower triangle only.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 1.0, 1.0, 1.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::matrix_rank_hermitian(&a, None).unwrap().item::<i64>().unwrap(), 1);
/// ```
pub fn matrix_rank_hermitian(a: &Array, tol: Option<f64>) -> Result<Array> {
    matrix_rank_with(a, tol, true)
}

fn matrix_rank_with(a: &Array, tol: Option<f64>, hermitian: bool) -> Result<Array> {
    if a.ndim() < 2 {
        return a
            .not_equal(&a.dense.zeros(&[1], a.dtype())?)?
            .any(None, false)?
            .astype(Type::Int64);
    }
    let a = prepare("matrix_rank", a, hermitian)?;
    let shape = a.shape();
    let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    if m.min(n) == 0 {
        return a.dense.zeros(&batch_of(&a), Type::Int64);
    }
    let s = match hermitian {
        true => svd_hermitian(&a, false)?.s,
        false => svd(&a, false, false)?.s,
    };
    let above = match tol {
        Some(t) => s.binary_scalar(BinaryOp::Greater, t, false)?,
        None => {
            let t = (&s.max(Some(-1), true)? * (m.max(n) as f64 * eps(a.dtype())))?;
            s.greater(&t)?
        }
    };
    above.sum(Some(-1), false)
}

/// `a` raised to the integer power `n` by repeated squaring (NumPy's
/// `linalg.matrix_power`); `n = 0` gives identities, `n < 0` powers of the inverse.
/// Distributed products (and one single-piece inverse for `n < 0`).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1i64, 1, 0, 1], &[2, 2]).unwrap();
/// assert_eq!(linalg::matrix_power(&a, 3).unwrap().to_vec::<i64>().unwrap(), vec![1, 3, 0, 1]);
/// ```
pub fn matrix_power(a: &Array, n: i64) -> Result<Array> {
    let shape = a.shape();
    if shape.len() < 2 {
        return Err(linalg_error(format!(
            "{}-dimensional array given. Array must be at least two-dimensional",
            shape.len()
        )));
    }
    let m = shape[shape.len() - 1];
    if shape[shape.len() - 2] != m {
        return Err(linalg_error(
            "Last 2 dimensions of the array must be square",
        ));
    }
    if n == 0 {
        let eye = a.dense.eye(m, None, 0, a.dtype())?;
        return eye.broadcast_to(&shape)?.copy();
    }
    let mut base = if n < 0 { inv(a)? } else { a.clone() };
    let mut e = n.unsigned_abs();
    let mut result: Option<Array> = None;
    while e > 0 {
        if e & 1 == 1 {
            result = Some(match result {
                Some(r) => r.matmul(&base)?,
                None => base.clone(),
            });
        }
        e >>= 1;
        if e > 0 {
            base = base.matmul(&base)?;
        }
    }
    match result {
        Some(r) if r.shares_storage(a) => r.copy(),
        Some(r) => Ok(r),
        None => Err(Error::Internal {
            what: "matrix_power without a product".into(),
        }),
    }
}

pub(crate) fn shape_error(context: &'static str, a: &[usize], b: &[usize]) -> Error {
    Error::ShapeMismatch {
        context,
        left: to_u64(a),
        right: to_u64(b),
    }
}
