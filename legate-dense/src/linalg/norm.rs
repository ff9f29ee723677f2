//! Vector and matrix norms (NumPy's `linalg.norm`), built from distributed element-wise
//! operations and reductions (and the SVD for the 2-norm, -2-norm and nuclear norm).

use legate_core::{Error, Result, Type};

use crate::array::Array;
use crate::kernels::BinaryOp;
use crate::views::normalize_axis;

/// The order of a norm (NumPy's `ord`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// A number: `p` for vectors (`f64::INFINITY`, `f64::NEG_INFINITY`, 0 and any other
    /// `p`); 1, -1, 2, -2 and the infinities for matrices.
    P(f64),
    /// The Frobenius norm (matrices).
    Fro,
    /// The nuclear norm, the sum of the singular values (matrices).
    Nuc,
}

/// `|x|` in the real type of `x`'s floats (integers go to float64).
fn modulus(x: &Array) -> Result<Array> {
    let ty = match x.dtype() {
        t if t.is_float() || t.is_complex() => t,
        _ => Type::Float64,
    };
    // Complex moduli come back in the real type.
    x.as_type(ty)?.absolute()
}

fn vector_norm(x: &Array, ord: Option<f64>, axis: usize) -> Result<Array> {
    let ax = Some(axis as isize);
    let a = modulus(x)?;
    match ord {
        None => a.square()?.sum(ax, false)?.sqrt(),
        Some(p) if p == f64::INFINITY => a.max(ax, false),
        Some(p) if p == f64::NEG_INFINITY => a.min(ax, false),
        Some(0.0) => a
            .binary_scalar(BinaryOp::NotEqual, 0.0, false)?
            .sum(ax, false)?
            .astype(a.dtype()),
        Some(1.0) => a.sum(ax, false),
        Some(2.0) => a.square()?.sum(ax, false)?.sqrt(),
        Some(p) => a
            .binary_scalar(BinaryOp::Power, p, false)?
            .sum(ax, false)?
            .binary_scalar(BinaryOp::Power, 1.0 / p, false),
    }
}

fn matrix_norm(x: &Array, ord: Option<NormOrd>, row: usize, col: usize) -> Result<Array> {
    let a = modulus(x)?;
    // Summing over one axis shifts the axes after it.
    let after = |kept: usize, gone: usize| if kept > gone { kept - 1 } else { kept };
    let singular = |x: &Array| -> Result<Array> {
        let n = x.ndim();
        let perm: Vec<usize> = (0..n)
            .filter(|&d| d != row && d != col)
            .chain([row, col])
            .collect();
        Ok(super::svd(&x.transpose(Some(&perm))?, false, false)?.s)
    };
    let fro = || -> Result<Array> {
        let (hi, lo) = (row.max(col), row.min(col));
        a.square()?
            .sum(Some(hi as isize), false)?
            .sum(Some(lo as isize), false)?
            .sqrt()
    };
    match ord {
        None | Some(NormOrd::Fro) => fro(),
        Some(NormOrd::Nuc) => singular(x)?.sum(Some(-1), false),
        Some(NormOrd::P(2.0)) => singular(x)?.max(Some(-1), false),
        Some(NormOrd::P(-2.0)) => singular(x)?.min(Some(-1), false),
        Some(NormOrd::P(1.0)) => a
            .sum(Some(row as isize), false)?
            .max(Some(after(col, row) as isize), false),
        Some(NormOrd::P(-1.0)) => a
            .sum(Some(row as isize), false)?
            .min(Some(after(col, row) as isize), false),
        Some(NormOrd::P(p)) if p == f64::INFINITY => a
            .sum(Some(col as isize), false)?
            .max(Some(after(row, col) as isize), false),
        Some(NormOrd::P(p)) if p == f64::NEG_INFINITY => a
            .sum(Some(col as isize), false)?
            .min(Some(after(row, col) as isize), false),
        Some(NormOrd::P(_)) => Err(Error::InvalidArgument {
            what: "Invalid norm order for matrices.".into(),
        }),
    }
}

/// The norm of a vector or a matrix, or of many along `axis` (NumPy's `linalg.norm`).
///
/// With `axis` `None`, a 1-D `x` has a vector norm and a 2-D `x` a matrix norm (`ord`
/// `None`: the 2-norm of all elements, whatever the shape). One axis: vector norms along
/// it; two axes: matrix norms over them. `keepdims` leaves the reduced axes as extent 1.
/// The result has the real float type of `x` (float64 for integers).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, linalg::NormOrd, Dense};
/// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
/// let x = d.from_vec(vec![3.0, -4.0], &[2]).unwrap();
/// assert_eq!(linalg::norm(&x, None, None, false).unwrap().item::<f64>().unwrap(), 5.0);
/// let inf = linalg::norm(&x, Some(NormOrd::P(f64::INFINITY)), None, false).unwrap();
/// assert_eq!(inf.item::<f64>().unwrap(), 4.0);
/// ```
pub fn norm(
    x: &Array,
    ord: Option<NormOrd>,
    axis: Option<&[isize]>,
    keepdims: bool,
) -> Result<Array> {
    let n = x.ndim();
    let axes: Vec<usize> = match axis {
        Some(a) => a
            .iter()
            .map(|&i| normalize_axis(i, n))
            .collect::<Result<_>>()?,
        None => {
            if ord.is_none() || n == 1 || n == 2 {
                if ord.is_none() && n != 1 && n != 2 {
                    let flat = x.ravel()?;
                    let r = vector_norm(&flat, None, 0)?;
                    return if keepdims {
                        r.reshape(&vec![1; n])
                    } else {
                        Ok(r)
                    };
                }
                (0..n).collect()
            } else {
                return Err(Error::InvalidArgument {
                    what: "Improper number of dimensions to norm.".into(),
                });
            }
        }
    };
    let result = match axes.as_slice() {
        [a] => {
            let p = match ord {
                None => None,
                Some(NormOrd::P(p)) => Some(p),
                Some(_) => {
                    return Err(Error::InvalidArgument {
                        what: "Invalid norm order for vectors.".into(),
                    })
                }
            };
            vector_norm(x, p, *a)?
        }
        [r, c] => {
            if r == c {
                return Err(Error::InvalidArgument {
                    what: "Duplicate axes given.".into(),
                });
            }
            matrix_norm(x, ord, *r, *c)?
        }
        _ => {
            return Err(Error::InvalidArgument {
                what: "Improper number of dimensions to norm.".into(),
            })
        }
    };
    if !keepdims {
        return Ok(result);
    }
    let mut sorted = axes.clone();
    sorted.sort_unstable();
    let mut out = result;
    for a in sorted {
        out = out.expand_dims(a as isize)?;
    }
    Ok(out)
}
