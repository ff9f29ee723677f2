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
    /// `(A x, vdot(x, A x))` (conjugate gradients' `q = A p` and `p @ q`); an operator
    /// that can compute both in one pass overrides it.
    fn matvec_dot(&self, x: &Array) -> Result<(Array, Array)> {
        let y = self.matvec(x)?;
        let d = conj_dot(x, &y)?;
        Ok((y, d))
    }
    /// The legate-dense library its vectors live in, when the operator knows it (a
    /// solver needs it to make a vector of its own, as [`eigsh`]'s start without `v0`).
    fn dense(&self) -> Option<Arc<legate_dense::Dense>> {
        None
    }
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
    fn matvec_dot(&self, x: &Array) -> Result<(Array, Array)> {
        self.dot_and_vdot(x)
    }
    fn dense(&self) -> Option<Arc<legate_dense::Dense>> {
        Some(Arc::clone(self.sparse().dense()))
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

/// Where a Krylov solver starts: the right-hand side in the solve's type, the first
/// iterate and the stopping rule.
struct Start {
    b: Array,
    x: Array,
    tol: f64,
    maxiter: usize,
}

impl Start {
    /// The start of solving `a x = b` in type `ty`; `Err` holds the solution when `b` is
    /// zero (SciPy returns `b` itself).
    fn new(
        b: &Array,
        x0: Option<&Array>,
        ty: Type,
        opts: &SolverOptions<'_>,
    ) -> Result<std::result::Result<Start, Solution>> {
        let n = b.size();
        let b = b.astype(ty)?;
        let bnrm2 = norm2(&b)?;
        if bnrm2 == 0.0 {
            return Ok(Err((b, 0)));
        }
        let x = match x0 {
            Some(x0) => x0.astype(ty)?,
            None => b.dense().zeros(&[n], ty)?,
        };
        Ok(Ok(Start {
            tol: opts.atol.max(opts.rtol * bnrm2),
            maxiter: opts.maxiter.unwrap_or(10 * n),
            b,
            x,
        }))
    }

    /// `b - A x` (a copy of `b` when `x` starts at zero).
    fn residual(&self, a: &dyn LinearOperator, x0_given: bool) -> Result<Array> {
        if x0_given {
            &self.b - &a.matvec(&self.x)?
        } else {
            self.b.copy()
        }
    }

    /// The answer after the last iteration: converged or not, by the final residual.
    fn finish(self, x: Array, r: &Array) -> Result<Solution> {
        Ok((
            x,
            if norm2(r)? < self.tol {
                0
            } else {
                self.maxiter
            },
        ))
    }
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
    let ty = legate_dense::dtype::promote_types(a.dtype(), b.dtype());
    let start = match Start::new(b, x0, ty, &opts)? {
        Ok(s) => s,
        Err(solved) => return Ok(solved),
    };
    let (tol, maxiter, check_every) = (start.tol, start.maxiter, opts.check_every.max(1));
    let r = start.residual(a, x0.is_some())?;
    let x = start.x.clone();
    // Without a preconditioner `z = r`, so `rho = r @ r` is also the squared norm of the
    // residual: it is computed in the pass that updates `r` (a fused reduction) and read
    // for the stopping test, instead of two more passes over `r`.
    let plain = opts.m.is_none();
    let mut rr: Option<Array> = None;
    // `x += alpha p` waits for the next pass over `p` (which reads `p` anyway), unless a
    // callback looks at `x` after every iteration; the values are the same.
    let defer_x = opts.callback.is_none();
    let mut pending: Option<(Array, Array)> = None;
    let mut p: Option<Array> = None;
    let mut rho_prev: Option<Array> = None;
    let update_x =
        |x: &Array, (alpha, p): (Array, Array)| x.binary_inplace(BinaryOp::Add, &(&alpha * &p)?);
    for it in 0..maxiter {
        let rho_r = match (plain, rr.take()) {
            (true, Some(rho)) => Some(rho),
            (true, None) => Some(conj_dot(&r, &r)?),
            (false, _) => None,
        };
        if it % check_every == 0 {
            let rnorm = match &rho_r {
                Some(rho) => root(rho)?,
                None => norm2(&r)?,
            };
            if rnorm < tol {
                if let Some(step) = pending.take() {
                    update_x(&x, step)?;
                }
                return Ok((x, 0));
            }
        }
        let (z, rho) = match (opts.m, rho_r) {
            (Some(m), _) => {
                let z = m.matvec(&r)?;
                let rho = conj_dot(&r, &z)?;
                (z, rho)
            }
            (None, Some(rho)) => (r.clone(), rho),
            (None, None) => (r.clone(), conj_dot(&r, &r)?),
        };
        // p = z + beta * p, in place (one fused pass, with the pending update of x).
        let p = match (&p, &rho_prev) {
            (Some(p), Some(prev)) => {
                let beta = rho.binary(BinaryOp::TrueDivide, prev)?;
                if let Some(step) = pending.take() {
                    update_x(&x, step)?;
                }
                p.assign(&(&(p * &beta)? + &z)?)?;
                p
            }
            _ => p.insert(z.copy()?),
        };
        let (q, pq) = a.matvec_dot(p)?;
        let alpha = rho.binary(BinaryOp::TrueDivide, &pq)?;
        // r -= alpha * q (fused, in place, with r @ r).
        r.binary_inplace(BinaryOp::Subtract, &(&alpha * &q)?)?;
        if plain {
            rr = Some(conj_dot(&r, &r)?);
        }
        if defer_x {
            pending = Some((alpha, p.clone()));
        } else {
            update_x(&x, (alpha, p.clone()))?;
        }
        rho_prev = Some(rho);
        if let Some(cb) = opts.callback.as_mut() {
            cb(&x);
        }
    }
    if let Some(step) = pending.take() {
        update_x(&x, step)?;
    }
    match rr {
        Some(rho) => Ok((x, if root(&rho)? < tol { 0 } else { maxiter })),
        None => start.finish(x, &r),
    }
}

/// The square root of a 0-d `r @ r` (its real part), read (a wait).
fn root(rr: &Array) -> Result<f64> {
    Ok(rr.item_scalar()?.to_f64().max(0.0).sqrt())
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

/// A solver's scalar as a host `f64` (a wait). The solvers that steer on such values
/// (GMRES, Lanczos) work in real types only.
fn real_type(op: &'static str, ty: Type) -> Result<Type> {
    match ty {
        Type::Float32 | Type::Float64 => Ok(ty),
        Type::Int32 | Type::Int64 => Ok(Type::Float64),
        _ => Err(Error::UnsupportedType { op, ty }),
    }
}

/// `scipy.sparse.linalg.bicgstab(A, b, x0, rtol=, atol=, maxiter=, M=, callback=)`: the
/// biconjugate gradient stabilized method for a general square `A`.
pub fn bicgstab(
    a: &dyn LinearOperator,
    b: &Array,
    x0: Option<&Array>,
    mut opts: SolverOptions<'_>,
) -> Result<Solution> {
    check_system(a, b, x0)?;
    let ty = legate_dense::dtype::promote_types(a.dtype(), b.dtype());
    let start = match Start::new(b, x0, ty, &opts)? {
        Ok(s) => s,
        Err(solved) => return Ok(solved),
    };
    let (tol, maxiter, check_every) = (start.tol, start.maxiter, opts.check_every.max(1));
    let precondition = |v: &Array| match opts.m {
        Some(m) => m.matvec(v),
        None => Ok(v.clone()),
    };
    let r = start.residual(a, x0.is_some())?;
    let x = start.x.clone();
    let rtilde = r.copy()?;
    let mut state: Option<(Array, Array, Array, Array, Array)> = None; // p, v, rho, alpha, omega
    for it in 0..maxiter {
        if it % check_every == 0 && norm2(&r)? < tol {
            return Ok((x, 0));
        }
        let rho = conj_dot(&rtilde, &r)?;
        let p = match &state {
            Some((p, v, rho_prev, alpha, omega)) => {
                let beta = (&(&rho / rho_prev)? * &(alpha / omega)?)?;
                // p = r + beta * (p - omega * v)
                p.assign(&(&r + &(&beta * &(p - &(omega * v)?)?)?)?)?;
                p.clone()
            }
            None => r.copy()?,
        };
        let phat = precondition(&p)?;
        let v = a.matvec(&phat)?;
        let alpha = (&rho / &conj_dot(&rtilde, &v)?)?;
        let s = (&r - &(&alpha * &v)?)?;
        let shat = precondition(&s)?;
        let t = a.matvec(&shat)?;
        let omega = (&conj_dot(&t, &s)? / &conj_dot(&t, &t)?)?;
        x.binary_inplace(BinaryOp::Add, &(&(&alpha * &phat)? + &(&omega * &shat)?)?)?;
        r.assign(&(&s - &(&omega * &t)?)?)?;
        state = Some((p, v, rho, alpha, omega));
        if let Some(cb) = opts.callback.as_mut() {
            cb(&x);
        }
    }
    start.finish(x, &r)
}

/// `scipy.sparse.linalg.gmres(A, b, x0, rtol=, atol=, restart=, maxiter=, M=,
/// callback=)`: restarted GMRES for a general square `A` of a real type. `maxiter` counts
/// restart cycles (as SciPy); `M` preconditions on the right, so convergence is judged on
/// the true residual `||b - A x||`. The Arnoldi basis is orthogonalized by classical
/// Gram-Schmidt done twice (one wait per inner iteration, for the new column of `H`).
pub fn gmres(
    a: &dyn LinearOperator,
    b: &Array,
    x0: Option<&Array>,
    restart: Option<usize>,
    mut opts: SolverOptions<'_>,
) -> Result<Solution> {
    check_system(a, b, x0)?;
    let n = b.size();
    let ty = real_type(
        "gmres",
        legate_dense::dtype::promote_types(a.dtype(), b.dtype()),
    )?;
    let start = match Start::new(b, x0, ty, &opts)? {
        Ok(s) => s,
        Err(solved) => return Ok(solved),
    };
    let (tol, maxiter) = (start.tol, start.maxiter);
    let restart = restart.unwrap_or(20).clamp(1, n.max(1));
    let (b, x) = (&start.b, start.x.clone());
    for _ in 0..maxiter {
        let r = (b - &a.matvec(&x)?)?;
        let beta = norm2(&r)?;
        if beta < tol {
            return Ok((x, 0));
        }
        let mut basis = vec![(&r / beta)?];
        let mut directions: Vec<Array> = Vec::new();
        // H in Givens-rotated (upper triangular) form, column by column.
        let mut h: Vec<Vec<f64>> = Vec::new();
        let (mut cs, mut sn): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut g = vec![beta];
        let mut residual = beta;
        for j in 0..restart {
            let z = match opts.m {
                Some(m) => m.matvec(&basis[j])?,
                None => basis[j].clone(),
            };
            let mut w = a.matvec(&z)?;
            directions.push(z);
            let mut col = vec![0.0; j + 2];
            for _ in 0..2 {
                let dots: Vec<Array> = basis
                    .iter()
                    .map(|v| conj_dot(v, &w))
                    .collect::<Result<_>>()?;
                let mut update: Option<Array> = None;
                for (v, d) in basis.iter().zip(&dots) {
                    let term = (v * d)?;
                    update = Some(match update {
                        Some(u) => (&u + &term)?,
                        None => term,
                    });
                }
                if let Some(u) = update {
                    w = (&w - &u)?;
                }
                for (c, d) in col.iter_mut().zip(&dots) {
                    *c += d.item_scalar()?.to_f64();
                }
            }
            let hnext = norm2(&w)?;
            col[j + 1] = hnext;
            for i in 0..j {
                let t = cs[i] * col[i] + sn[i] * col[i + 1];
                col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1];
                col[i] = t;
            }
            let denom = col[j].hypot(col[j + 1]);
            let (c, s) = if denom == 0.0 {
                (1.0, 0.0)
            } else {
                (col[j] / denom, col[j + 1] / denom)
            };
            col[j] = c * col[j] + s * col[j + 1];
            col[j + 1] = 0.0;
            cs.push(c);
            sn.push(s);
            g.push(-s * g[j]);
            g[j] *= c;
            residual = g[j + 1].abs();
            h.push(col);
            if residual < tol || hnext == 0.0 {
                break;
            }
            basis.push((&w / hnext)?);
        }
        // Back substitution for y in H y = g, then x += Z y.
        let k = h.len();
        let mut y = vec![0.0; k];
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|l| h[l][i] * y[l]).sum();
            y[i] = if h[i][i] == 0.0 {
                0.0
            } else {
                (g[i] - s) / h[i][i]
            };
        }
        for (z, &yi) in directions.iter().zip(&y) {
            x.binary_inplace(BinaryOp::Add, &(z * yi)?)?;
        }
        if let Some(cb) = opts.callback.as_mut() {
            cb(&x);
        }
        if residual < tol && norm2(&(b - &a.matvec(&x)?)?)? < tol {
            return Ok((x, 0));
        }
    }
    Ok((x, maxiter))
}

/// Which eigenvalues [`eigsh`] looks for (SciPy's `which`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Largest in magnitude (`'LM'`, the default).
    LargestMagnitude,
    /// Smallest in magnitude (`'SM'`; slow to converge without a shift).
    SmallestMagnitude,
    /// Largest algebraic (`'LA'`).
    LargestAlgebraic,
    /// Smallest algebraic (`'SA'`).
    SmallestAlgebraic,
}

/// `scipy.sparse.linalg.eigsh(A, k, which=, v0=, ncv=, maxiter=, tol=)`: `k`
/// eigenvalues (ascending) and eigenvectors (the columns of an `n x k` array) of a real
/// symmetric `A`, by Lanczos with full reorthogonalization. The basis grows (from `ncv`,
/// default `max(2k + 1, 20)`) until every wanted Ritz pair's residual is within `tol`
/// (default: `1e-10` relative) or the basis spans the space. The small tridiagonal
/// eigenproblem is one single-piece task of legate-dense.
pub fn eigsh(
    a: &dyn LinearOperator,
    k: usize,
    which: Which,
    v0: Option<&Array>,
    ncv: Option<usize>,
    tol: Option<f64>,
) -> Result<(Array, Array)> {
    let [n, n2] = a.shape();
    if n != n2 {
        return Err(Error::InvalidArgument {
            what: format!("eigsh needs a square operator, not {n}x{n2}"),
        });
    }
    if k == 0 || k >= n {
        return Err(Error::InvalidArgument {
            what: format!("eigsh needs 0 < k < n, not k = {k} with n = {n}"),
        });
    }
    let ty = real_type("eigsh", a.dtype())?;
    let tol = tol.filter(|&t| t > 0.0).unwrap_or(1e-10);
    let probe = match v0 {
        Some(v) if v.shape() == [n] => v.astype(ty)?,
        Some(v) => {
            return Err(Error::ShapeMismatch {
                context: "eigsh v0",
                left: vec![n as u64],
                right: v.shape().iter().map(|&s| s as u64).collect(),
            })
        }
        None => {
            // A fixed start with every component non-zero.
            let dense = a_dense(a, v0)?;
            let i = dense.arange(0.0, n as f64, 1.0, ty)?;
            (&(&(&i * 0.618_033_988_749_894_9)? % 1.0)? + 0.5)?
        }
    };
    let dense = Arc::clone(probe.dense());
    let mut basis = vec![(&probe / norm2(&probe)?)?];
    let (mut alphas, mut betas): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let mut target = ncv.unwrap_or((2 * k + 1).max(20)).clamp(k + 1, n);
    loop {
        while alphas.len() < target {
            let j = alphas.len();
            let mut w = a.matvec(&basis[j])?;
            let alpha = conj_dot(&basis[j], &w)?.item_scalar()?.to_f64();
            w = (&w - &(&basis[j] * alpha)?)?;
            if j > 0 {
                w = (&w - &(&basis[j - 1] * betas[j - 1])?)?;
            }
            for _ in 0..2 {
                for v in &basis {
                    let d = conj_dot(v, &w)?;
                    w = (&w - &(v * &d)?)?;
                }
            }
            alphas.push(alpha);
            let beta = norm2(&w)?;
            betas.push(beta);
            if beta <= 1e-14 * alpha.abs().max(1.0) {
                break; // an invariant subspace: its Ritz values are exact
            }
            basis.push((&w / beta)?);
        }
        let m = alphas.len();
        let mut t = vec![0.0; m * m];
        for i in 0..m {
            t[i * m + i] = alphas[i];
            if i + 1 < m {
                t[i * m + i + 1] = betas[i];
                t[(i + 1) * m + i] = betas[i];
            }
        }
        let (w, s) = legate_dense::linalg::eigh(&dense.from_vec(t, &[m, m])?, "L")?;
        let (w, s) = (w.to_vec::<f64>()?, s.to_vec::<f64>()?);
        let mut order: Vec<usize> = (0..m).collect();
        match which {
            Which::LargestMagnitude => order.sort_by(|&x, &y| w[y].abs().total_cmp(&w[x].abs())),
            Which::SmallestMagnitude => order.sort_by(|&x, &y| w[x].abs().total_cmp(&w[y].abs())),
            Which::LargestAlgebraic => order.sort_by(|&x, &y| w[y].total_cmp(&w[x])),
            Which::SmallestAlgebraic => order.sort_by(|&x, &y| w[x].total_cmp(&w[y])),
        }
        let mut chosen: Vec<usize> = order.into_iter().take(k.min(m)).collect();
        let last_beta = betas[m - 1];
        let converged = chosen
            .iter()
            .all(|&i| (last_beta * s[(m - 1) * m + i]).abs() <= tol * w[i].abs().max(1e-300));
        let exhausted = m == n || basis.len() == m;
        if (converged || exhausted) && chosen.len() == k {
            chosen.sort_by(|&x, &y| w[x].total_cmp(&w[y]));
            let values = dense.from_vec(chosen.iter().map(|&i| w[i]).collect(), &[k])?;
            let mut columns = Vec::with_capacity(k);
            for &i in &chosen {
                let mut v: Option<Array> = None;
                for (j, b) in basis.iter().take(m).enumerate() {
                    let term = (b * s[j * m + i])?;
                    v = Some(match v {
                        Some(acc) => (&acc + &term)?,
                        None => term,
                    });
                }
                columns.push(v.ok_or_else(|| Error::Internal {
                    what: "an empty Lanczos basis".into(),
                })?);
            }
            let vectors = dense.stack(&columns, 1)?;
            return Ok((values.astype(ty)?, vectors.astype(ty)?));
        }
        if exhausted {
            return Err(Error::LinAlg {
                what: format!("eigsh: only {m} Ritz values exist, {k} were asked for"),
            });
        }
        target = (2 * target).min(n);
    }
}

/// The legate-dense library of the runtime an operator works in (from `v0`, or the
/// operator's own).
fn a_dense(a: &dyn LinearOperator, v0: Option<&Array>) -> Result<Arc<legate_dense::Dense>> {
    if let Some(v) = v0 {
        return Ok(Arc::clone(v.dense()));
    }
    a.dense().ok_or_else(|| Error::InvalidArgument {
        what: format!(
            "eigsh of a {}x{} operator that makes no vectors of its own needs v0",
            a.shape()[0],
            a.shape()[1]
        ),
    })
}

/// `scipy.sparse.linalg.spsolve(A, b)` for a square sparse `A` and a vector or matrix
/// `b`: a direct solve, as one single-piece LU task of legate-dense over the densified
/// matrix (for systems that fit as dense; use [`cg`], [`bicgstab`] or [`gmres`] for large
/// ones). A singular `A` is [`Error::LinAlg`].
pub fn spsolve(a: &CsrMatrix, b: &Array) -> Result<Array> {
    let [m, n] = a.shape();
    if m != n {
        return Err(Error::InvalidArgument {
            what: format!("spsolve needs a square matrix, not {m}x{n}"),
        });
    }
    if b.shape().first() != Some(&n) || b.ndim() > 2 {
        return Err(Error::ShapeMismatch {
            context: "spsolve",
            left: vec![m as u64, n as u64],
            right: b.shape().iter().map(|&s| s as u64).collect(),
        });
    }
    legate_dense::linalg::solve(&a.to_dense()?, b)
}
