//! Iterative solvers over sparse matrices and legate-dense vectors
//! (`scipy.sparse.linalg`).
//!
//! The vector updates are legate-dense operations, so each iteration's element-wise work
//! is fused into a few passes and every scalar (`alpha`, `beta`, the dot products) stays a
//! 0-d array that the next launch takes as an argument: an iteration never waits for its
//! results. The residual is read (the one wait) every `check_every` iterations.

use std::sync::Arc;

use legate_core::{Error, Result, Type};
use legate_dense::{Array, BinaryOp};

use crate::csr::CsrMatrix;

/// A linear map `y = A x` (SciPy's `LinearOperator`): what the solvers need of `A` and of
/// a preconditioner.
pub trait LinearOperator {
    /// `(rows, columns)`.
    fn shape(&self) -> [usize; 2];
    /// The type of the results.
    fn dtype(&self) -> Type;
    /// `A x`.
    fn matvec(&self, x: &Array) -> Result<Array>;
}

impl LinearOperator for CsrMatrix {
    fn shape(&self) -> [usize; 2] {
        CsrMatrix::shape(self)
    }
    fn dtype(&self) -> Type {
        CsrMatrix::dtype(self)
    }
    fn matvec(&self, x: &Array) -> Result<Array> {
        self.dot(x)
    }
}

/// A [`LinearOperator`] given by a function (SciPy's `LinearOperator(shape, matvec)`).
///
/// ```
/// # use legate_core::{Runtime, Type};
/// # use legate_dense::Dense;
/// use legate_sparse::linalg::{FnOperator, LinearOperator};
/// # let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let twice = FnOperator::new([3, 3], Type::Float64, |x| x * 2.0);
/// let x = d.ones(&[3], Type::Float64).unwrap();
/// assert_eq!(twice.matvec(&x).unwrap().to_vec::<f64>().unwrap(), vec![2.0; 3]);
/// ```
pub struct FnOperator<F> {
    shape: [usize; 2],
    dtype: Type,
    f: F,
}

impl<F: Fn(&Array) -> Result<Array>> FnOperator<F> {
    /// The operator `x -> f(x)` of the given shape and result type.
    pub fn new(shape: [usize; 2], dtype: Type, f: F) -> Self {
        FnOperator { shape, dtype, f }
    }
}

impl<F: Fn(&Array) -> Result<Array>> LinearOperator for FnOperator<F> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }
    fn dtype(&self) -> Type {
        self.dtype
    }
    fn matvec(&self, x: &Array) -> Result<Array> {
        let y = (self.f)(x)?;
        if y.shape() != [self.shape[0]] {
            return Err(Error::ShapeMismatch {
                context: "LinearOperator.matvec",
                left: vec![self.shape[0] as u64],
                right: y.shape().iter().map(|&s| s as u64).collect(),
            });
        }
        Ok(y)
    }
}

/// The options of the iterative solvers, with SciPy's defaults.
pub struct SolverOptions<'a> {
    /// Relative tolerance: stop once `||r|| <= max(atol, rtol * ||b||)`.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// The most iterations (`None`: ten times the size, as SciPy).
    pub maxiter: Option<usize>,
    /// A preconditioner `M` (approximating the inverse of `A`).
    pub m: Option<&'a dyn LinearOperator>,
    /// Called with the current solution after every iteration.
    pub callback: Option<&'a mut dyn FnMut(&Array)>,
    /// How often the residual is read to test convergence (the only wait of an
    /// iteration): every iteration is as SciPy does, more is faster.
    pub check_every: usize,
}

impl Default for SolverOptions<'_> {
    fn default() -> Self {
        SolverOptions {
            rtol: 1e-5,
            atol: 0.0,
            maxiter: None,
            m: None,
            callback: None,
            check_every: 25,
        }
    }
}

/// What a solver gives back: the solution and SciPy's `info` (0: converged; otherwise
/// the number of iterations done without converging).
pub type Solution = (Array, usize);

fn check_system(a: &dyn LinearOperator, b: &Array, x0: Option<&Array>) -> Result<()> {
    let [m, n] = a.shape();
    if m != n {
        return Err(Error::InvalidArgument {
            what: format!("the solver needs a square operator, not {m}x{n}"),
        });
    }
    for v in std::iter::once(b).chain(x0) {
        if v.shape() != [n] {
            return Err(Error::ShapeMismatch {
                context: "sparse solve",
                left: vec![m as u64, n as u64],
                right: v.shape().iter().map(|&s| s as u64).collect(),
            });
        }
    }
    Ok(())
}

/// `scipy.sparse.linalg.cg(A, b, x0, rtol=, atol=, maxiter=, M=, callback=)`: the
/// conjugate gradient method for a symmetric (Hermitian) positive definite `A`.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::Dense;
/// use legate_sparse::{linalg, Sparse};
/// let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
/// let a = sp.diags(&[vec![-1.0], vec![4.0], vec![-1.0]], &[-1, 0, 1], [50, 50]).unwrap();
/// let b = sp.dense().ones(&[50], legate_core::Type::Float64).unwrap();
/// let (x, info) = linalg::cg(&a, &b, None, Default::default()).unwrap();
/// assert_eq!(info, 0);
/// let r = (&b - &a.dot(&x).unwrap()).unwrap();
/// let r = legate_dense::linalg::norm(&r, None, None, false).unwrap().item::<f64>().unwrap();
/// assert!(r <= 1e-5 * 50f64.sqrt());
/// ```
pub fn cg(
    a: &dyn LinearOperator,
    b: &Array,
    x0: Option<&Array>,
    mut opts: SolverOptions<'_>,
) -> Result<Solution> {
    check_system(a, b, x0)?;
    let n = b.size();
    let dense = Arc::clone(b.dense());
    let ty = legate_dense::dtype::promote_types(a.dtype(), b.dtype());
    let b = b.astype(ty)?;
    let bnrm2 = norm2(&b)?;
    if bnrm2 == 0.0 {
        return Ok((b, 0));
    }
    let tol = opts.atol.max(opts.rtol * bnrm2);
    let maxiter = opts.maxiter.unwrap_or(10 * n);
    let check_every = opts.check_every.max(1);
    let (x, mut r) = match x0 {
        Some(x0) => {
            let x = x0.astype(ty)?;
            let r = (&b - &a.matvec(&x)?)?;
            (x, r)
        }
        None => (dense.zeros(&[n], ty)?, b.copy()?),
    };
    let mut p: Option<Array> = None;
    let mut rho_prev: Option<Array> = None;
    for it in 0..maxiter {
        if it % check_every == 0 && norm2(&r)? < tol {
            return Ok((x, 0));
        }
        let z = match opts.m {
            Some(m) => m.matvec(&r)?,
            None => r.clone(),
        };
        let rho = conj_dot(&r, &z)?;
        let next = match (&p, &rho_prev) {
            (Some(p), Some(prev)) => {
                let beta = rho.binary(BinaryOp::TrueDivide, prev)?;
                (&(p * &beta)? + &z)?
            }
            _ => z.copy()?,
        };
        let q = a.matvec(&next)?;
        let alpha = rho.binary(BinaryOp::TrueDivide, &conj_dot(&next, &q)?)?;
        x.binary_inplace(BinaryOp::Add, &(&alpha * &next)?)?;
        r = (&r - &(&alpha * &q)?)?;
        p = Some(next);
        rho_prev = Some(rho);
        if let Some(cb) = opts.callback.as_mut() {
            cb(&x);
        }
    }
    if norm2(&r)? < tol {
        return Ok((x, 0));
    }
    Ok((x, maxiter))
}

/// `sum(conj(a) * b)`, a 0-d array (no wait).
fn conj_dot(a: &Array, b: &Array) -> Result<Array> {
    legate_dense::linalg::vdot(a, b)
}

/// The 2-norm of a vector, read (a wait).
fn norm2(v: &Array) -> Result<f64> {
    legate_dense::linalg::norm(v, None, None, false)?
        .item_scalar()
        .map(|s| s.to_f64())
}
