//! The single-piece task bodies of the factorizations and solvers, over faer. Every task
//! takes stacks of matrices (`(..., m, n)`) and loops over the stack; it writes a status
//! code into its last output, which the launching function turns into
//! [`Error::LinAlg`](legate_core::Error::LinAlg).

use faer::linalg::solvers::SolveCore;
use faer::{Conj, Mat, MatRef, Side};
use legate_core::ndarray::{ArrayView2, ArrayViewMut2, Dimension, Ix0, Ix1, Ix2};
use legate_core::{TaskContext, TaskError, Type};
use num_complex::Complex;

use crate::kernels::Num;
use crate::tasks::{batch_view, unsupported, Elem, TaskResult};

/// Status codes a task leaves in its last output.
pub(crate) mod status {
    pub(crate) const OK: i64 = 0;
    pub(crate) const SINGULAR: i64 = 1;
    pub(crate) const NOT_POSITIVE_DEFINITE: i64 = 2;
    pub(crate) const NO_CONVERGENCE: i64 = 3;
}

/// Scales each column of `$v` (complex numbers of `$re`) to unit norm and turns it so
/// that its component of largest modulus is real and positive.
macro_rules! normalize_columns {
    ($v:expr, $re:ty) => {
        for mut column in $v.columns_mut() {
            let norm = column.iter().map(|z| z.norm_sqr()).sum::<$re>().sqrt();
            let largest = column
                .iter()
                .copied()
                .max_by(|a, b| a.norm_sqr().total_cmp(&b.norm_sqr()));
            let Some(largest) = largest.filter(|z| norm > 0.0 && z.norm() > 0.0) else {
                continue;
            };
            let turn = largest.conj() / (largest.norm() * norm);
            column.iter_mut().for_each(|z| *z *= turn);
        }
    };
}

/// An element type faer factorizes, with the real type of its moduli.
pub(crate) trait Field: Elem + faer::traits::ComplexField {
    type Re: Elem;
    /// The complex type of the same precision (eigenvalues of a general matrix).
    type Cx: Elem;
    /// The complex number of faer's real parts `re` and `im`.
    fn complex(re: <Self as faer::traits::ComplexField>::Real, im: Self::Real) -> Self::Cx;
    /// Scales each column of eigenvectors to unit norm with its largest component real
    /// (LAPACK's `geev` convention, which NumPy returns).
    fn normalize_columns(v: ArrayViewMut2<'_, Self::Cx>);
    fn re_part(self) -> Self::Re;
    /// faer's real type is ours (the identity, which the type system cannot see).
    fn from_real(r: <Self as faer::traits::ComplexField>::Real) -> Self::Re;
}

impl Field for f32 {
    type Re = f32;
    type Cx = Complex<f32>;
    fn complex(re: f32, im: f32) -> Complex<f32> {
        Complex::new(re, im)
    }
    fn normalize_columns(mut v: ArrayViewMut2<'_, Complex<f32>>) {
        normalize_columns!(v, f32);
    }
    fn from_real(r: f32) -> f32 {
        r
    }
    fn re_part(self) -> f32 {
        self
    }
}

impl Field for f64 {
    type Re = f64;
    type Cx = Complex<f64>;
    fn complex(re: f64, im: f64) -> Complex<f64> {
        Complex::new(re, im)
    }
    fn normalize_columns(mut v: ArrayViewMut2<'_, Complex<f64>>) {
        normalize_columns!(v, f64);
    }
    fn from_real(r: f64) -> f64 {
        r
    }
    fn re_part(self) -> f64 {
        self
    }
}

impl Field for Complex<f32> {
    type Re = f32;
    type Cx = Complex<f32>;
    fn complex(re: f32, im: f32) -> Complex<f32> {
        Complex::new(re, im)
    }
    fn normalize_columns(mut v: ArrayViewMut2<'_, Complex<f32>>) {
        normalize_columns!(v, f32);
    }
    fn from_real(r: f32) -> f32 {
        r
    }
    fn re_part(self) -> f32 {
        self.re
    }
}

impl Field for Complex<f64> {
    type Re = f64;
    type Cx = Complex<f64>;
    fn complex(re: f64, im: f64) -> Complex<f64> {
        Complex::new(re, im)
    }
    fn normalize_columns(mut v: ArrayViewMut2<'_, Complex<f64>>) {
        normalize_columns!(v, f64);
    }
    fn from_real(r: f64) -> f64 {
        r
    }
    fn re_part(self) -> f64 {
        self.re
    }
}

/// Calls `$f::<T>(ctx)` for the faer element type of `$ty`.
macro_rules! dispatch_field {
    ($op:expr, $ty:expr, $f:ident ( $ctx:expr )) => {
        match $ty {
            Type::Float32 => $f::<f32>($ctx),
            Type::Float64 => $f::<f64>($ctx),
            Type::Complex64 => $f::<Complex<f32>>($ctx),
            Type::Complex128 => $f::<Complex<f64>>($ctx),
            ty => Err(unsupported($op, ty)),
        }
    };
}

fn to_faer<T: Field>(a: ArrayView2<'_, T>) -> Mat<T> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)])
}

fn write_mat<T: Field>(m: MatRef<'_, T>, mut out: ArrayViewMut2<'_, T>) -> TaskResult {
    if out.dim() != (m.nrows(), m.ncols()) {
        return Err(TaskError::new(format!(
            "result of shape {:?} for a matrix of {}x{}",
            out.dim(),
            m.nrows(),
            m.ncols()
        )));
    }
    for ((i, j), v) in out.indexed_iter_mut() {
        *v = m[(i, j)];
    }
    Ok(())
}

/// The batch shape of the stacks a task works on (the leading dimensions of input 0).
fn batch_shape(ctx: &TaskContext<'_>) -> Result<Vec<usize>, TaskError> {
    let shape = ctx.input(0)?.shape();
    if shape.len() < 2 {
        return Err(TaskError::new("a stack of matrices needs two dimensions"));
    }
    Ok(shape[..shape.len() - 2].to_vec())
}

fn set_status(ctx: &TaskContext<'_>, code: i64) -> TaskResult {
    let info = ctx.output(ctx.num_outputs().saturating_sub(1))?;
    info.write::<i64>()?.fill(code);
    Ok(())
}

/// `X = A^-1 B` by LU with partial pivoting; inputs `A (..., n, n)`, `B (..., n, k)`.
fn solve<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let batch = batch_shape(ctx)?;
    let (a, b) = (ctx.input(0)?.read::<T>()?, ctx.input(1)?.read::<T>()?);
    let mut x = ctx.output(0)?.write::<T>()?;
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let lu = to_faer(batch_view::<_, Ix2>(a.view(), idx)?).partial_piv_lu();
        if lu
            .U()
            .diagonal()
            .column_vector()
            .iter()
            .any(|d| d.is_zero())
        {
            return set_status(ctx, status::SINGULAR);
        }
        let mut rhs = to_faer(batch_view::<_, Ix2>(b.view(), idx)?);
        lu.solve_in_place_with_conj(Conj::No, rhs.as_mut());
        write_mat(rhs.as_ref(), batch_view::<_, Ix2>(x.view_mut(), idx)?)?;
    }
    set_status(ctx, status::OK)
}

/// The lower Cholesky factor `L` (`A = L L^H`), from the lower triangle of `A`.
fn cholesky<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let batch = batch_shape(ctx)?;
    let a = ctx.input(0)?.read::<T>()?;
    let mut l = ctx.output(0)?.write::<T>()?;
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let Ok(llt) = to_faer(batch_view::<_, Ix2>(a.view(), idx)?).llt(Side::Lower) else {
            return set_status(ctx, status::NOT_POSITIVE_DEFINITE);
        };
        let mut out = batch_view::<_, Ix2>(l.view_mut(), idx)?;
        write_mat(llt.L(), out.view_mut())?;
        // The factor's storage may keep values above the diagonal; NumPy's are zeros.
        for ((i, j), v) in out.indexed_iter_mut() {
            if j > i {
                *v = T::from_i128(0);
            }
        }
    }
    set_status(ctx, status::OK)
}

/// `A = Q R`: scalar 0 says whether `Q` and `R` are complete (`m x m`, `m x n`) or
/// reduced (`m x k`, `k x n`); outputs `Q`, `R`, status.
fn qr<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let complete = ctx.scalar_value::<bool>(0)?;
    let batch = batch_shape(ctx)?;
    let a = ctx.input(0)?.read::<T>()?;
    let mut q = ctx.output(0)?.write::<T>()?;
    let mut r = ctx.output(1)?.write::<T>()?;
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let f = to_faer(batch_view::<_, Ix2>(a.view(), idx)?).qr();
        let (qm, rm) = if complete {
            // faer's R has min(m, n) rows; the complete one has m, the last ones zero.
            let small = f.R();
            let (k, n) = (small.nrows(), small.ncols());
            let q = f.compute_Q();
            let full = Mat::from_fn(q.nrows(), n, |i, j| {
                if i < k {
                    small[(i, j)]
                } else {
                    T::from_i128(0)
                }
            });
            (q, full)
        } else {
            (f.compute_thin_Q(), f.thin_R().to_owned())
        };
        write_mat(qm.as_ref(), batch_view::<_, Ix2>(q.view_mut(), idx)?)?;
        write_mat(rm.as_ref(), batch_view::<_, Ix2>(r.view_mut(), idx)?)?;
    }
    set_status(ctx, status::OK)
}

/// `A = U diag(S) V^H`, singular values in non-increasing order. Scalar 0: whether `U`
/// and `V^H` are full (`m x m`, `n x n`); scalar 1: whether they are computed at all.
/// Outputs `S` (real), then `U` and `V^H` when computed, then status.
fn svd<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let full = ctx.scalar_value::<bool>(0)?;
    let compute_uv = ctx.scalar_value::<bool>(1)?;
    let batch = batch_shape(ctx)?;
    let a = ctx.input(0)?.read::<T>()?;
    let mut s = ctx.output(0)?.write::<T::Re>()?;
    let mut u = if compute_uv {
        Some(ctx.output(1)?.write::<T>()?)
    } else {
        None
    };
    let mut vh = if compute_uv {
        Some(ctx.output(2)?.write::<T>()?)
    } else {
        None
    };
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let m = to_faer(batch_view::<_, Ix2>(a.view(), idx)?);
        let mut sv = batch_view::<_, Ix1>(s.view_mut(), idx)?;
        if let (Some(u), Some(vh)) = (u.as_mut(), vh.as_mut()) {
            let f = if full { m.svd() } else { m.thin_svd() };
            let Ok(f) = f else {
                return set_status(ctx, status::NO_CONVERGENCE);
            };
            let vals = f.S().column_vector();
            if vals.nrows() != sv.len() {
                return Err(TaskError::new("singular values do not fit their output"));
            }
            for (o, v) in sv.iter_mut().zip(vals.iter()) {
                *o = v.re_part();
            }
            write_mat(f.U(), batch_view::<_, Ix2>(u.view_mut(), idx)?)?;
            let vt = f.V().adjoint().to_owned();
            write_mat(vt.as_ref(), batch_view::<_, Ix2>(vh.view_mut(), idx)?)?;
        } else {
            let Ok(vals) = m.singular_values() else {
                return set_status(ctx, status::NO_CONVERGENCE);
            };
            if vals.len() != sv.len() {
                return Err(TaskError::new("singular values do not fit their output"));
            }
            for (o, v) in sv.iter_mut().zip(vals) {
                *o = T::from_real(v);
            }
        }
    }
    set_status(ctx, status::OK)
}

/// The loop the eigensolvers share: for each matrix of the stack, `solve` gives its
/// eigenvalues (`None` when it did not converge), writing its eigenvectors into the view
/// it is given when the task has three outputs (values, vectors, status).
fn each_eigenproblem<T: Field, W: Elem, V: Elem>(
    ctx: &TaskContext<'_>,
    solve: impl Fn(&Mat<T>, Option<ArrayViewMut2<'_, V>>) -> Result<Option<Vec<W>>, TaskError>,
) -> TaskResult {
    let vectors = ctx.num_outputs() == 3;
    let batch = batch_shape(ctx)?;
    let a = ctx.input(0)?.read::<T>()?;
    let mut w = ctx.output(0)?.write::<W>()?;
    let mut v = if vectors {
        Some(ctx.output(1)?.write::<V>()?)
    } else {
        None
    };
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let m = to_faer(batch_view::<_, Ix2>(a.view(), idx)?);
        let mut wv = batch_view::<_, Ix1>(w.view_mut(), idx)?;
        let vv = match v.as_mut() {
            Some(v) => Some(batch_view::<_, Ix2>(v.view_mut(), idx)?),
            None => None,
        };
        let Some(values) = solve(&m, vv)? else {
            return set_status(ctx, status::NO_CONVERGENCE);
        };
        if values.len() != wv.len() {
            return Err(TaskError::new("eigenvalues do not fit their output"));
        }
        for (o, x) in wv.iter_mut().zip(values) {
            *o = x;
        }
    }
    set_status(ctx, status::OK)
}

/// Eigenvalues (ascending, real) and, when there are three outputs, eigenvectors of a
/// Hermitian matrix, from the triangle scalar 0 names (true: lower).
fn eigh<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let side = if ctx.scalar_value::<bool>(0)? {
        Side::Lower
    } else {
        Side::Upper
    };
    each_eigenproblem::<T, T::Re, T>(ctx, |m, v| {
        Ok(match v {
            Some(v) => {
                let Ok(f) = m.self_adjoint_eigen(side) else {
                    return Ok(None);
                };
                write_mat(f.U(), v)?;
                Some(f.S().column_vector().iter().map(|x| x.re_part()).collect())
            }
            None => m
                .self_adjoint_eigenvalues(side)
                .ok()
                .map(|vals| vals.into_iter().map(T::from_real).collect()),
        })
    })
}

/// Eigenvalues and, when there are three outputs, right eigenvectors (columns of unit
/// norm, see [`Field::normalize_columns`]) of a general square matrix: complex, of the
/// input's precision.
fn eig<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    each_eigenproblem::<T, T::Cx, T::Cx>(ctx, |m, v| {
        let complex = |c: &Complex<T::Real>| T::complex(c.re.clone(), c.im.clone());
        Ok(match v {
            Some(mut v) => {
                let Ok(f) = m.eigen() else {
                    return Ok(None);
                };
                let u = f.U();
                if v.dim() != (u.nrows(), u.ncols()) {
                    return Err(TaskError::new("eigenvectors do not fit their output"));
                }
                for ((i, j), o) in v.indexed_iter_mut() {
                    *o = complex(&u[(i, j)]);
                }
                T::normalize_columns(v);
                Some(f.S().column_vector().iter().map(complex).collect())
            }
            None => m
                .eigenvalues()
                .ok()
                .map(|vals| vals.iter().map(complex).collect()),
        })
    })
}

/// Determinants from LU: with two outputs besides the status, `sign` (of the matrix's
/// type) and `log|det|` (real); with one, `det` itself.
fn det<T: Field>(ctx: &mut TaskContext<'_>) -> TaskResult {
    let log = ctx.num_outputs() == 3;
    let batch = batch_shape(ctx)?;
    let a = ctx.input(0)?.read::<T>()?;
    let mut first = ctx.output(0)?.write::<T>()?;
    let mut logabs = if log {
        Some(ctx.output(1)?.write::<T::Re>()?)
    } else {
        None
    };
    for idx in legate_core::ndarray::indices(batch) {
        let idx = idx.slice();
        let lu = to_faer(batch_view::<_, Ix2>(a.view(), idx)?).partial_piv_lu();
        let (forward, _) = lu.P().arrays();
        // The parity of the row permutation: each cycle of length l takes l - 1 swaps.
        let mut seen = vec![false; forward.len()];
        let mut odd = false;
        for start in 0..forward.len() {
            let mut i = start;
            let mut len = 0usize;
            while let Some(false) = seen.get(i).copied() {
                if let Some(s) = seen.get_mut(i) {
                    *s = true;
                }
                i = forward.get(i).copied().unwrap_or(start);
                len += 1;
            }
            odd ^= len > 0 && len % 2 == 0;
        }
        let mut phase = Complex::new(if odd { -1.0 } else { 1.0 }, 0.0);
        let mut product = phase;
        let mut logsum = 0.0f64;
        for d in lu.U().diagonal().column_vector().iter() {
            let c = d.to_c64();
            let r = c.norm();
            product *= c;
            logsum += r.ln();
            phase = if r == 0.0 {
                Complex::new(0.0, 0.0)
            } else {
                phase * (c / r)
            };
        }
        let mut out0 = batch_view::<_, Ix0>(first.view_mut(), idx)?;
        match logabs.as_mut() {
            Some(l) => {
                out0.fill(T::from_c64(phase));
                let logsum = if phase.norm() == 0.0 {
                    f64::NEG_INFINITY
                } else {
                    logsum
                };
                batch_view::<_, Ix0>(l.view_mut(), idx)?.fill(T::Re::from_f64(logsum));
            }
            None => out0.fill(T::from_c64(product)),
        }
    }
    set_status(ctx, status::OK)
}

fn in_ty(ctx: &TaskContext<'_>) -> Result<Type, TaskError> {
    Ok(ctx.input(0)?.ty())
}

pub(crate) fn solve_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("solve", in_ty(ctx)?, solve(ctx))
}

pub(crate) fn cholesky_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("cholesky", in_ty(ctx)?, cholesky(ctx))
}

pub(crate) fn qr_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("qr", in_ty(ctx)?, qr(ctx))
}

pub(crate) fn svd_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("svd", in_ty(ctx)?, svd(ctx))
}

pub(crate) fn eigh_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("eigh", in_ty(ctx)?, eigh(ctx))
}

pub(crate) fn eig_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("eig", in_ty(ctx)?, eig(ctx))
}

pub(crate) fn det_any(ctx: &mut TaskContext<'_>) -> TaskResult {
    dispatch_field!("det", in_ty(ctx)?, det(ctx))
}
