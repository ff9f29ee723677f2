//! Matrix-shaped creation: `logspace`, `tri`, `tril`, `triu`, `diag`, `meshgrid`, built from
//! index grids and element-wise operations (so they are distributed like them).

use std::sync::Arc;

use legate_core::{Error, Result, Scalar, Type};

use crate::array::Array;
use crate::context::Dense;
use crate::kernels::BinaryOp;

impl Dense {
    /// `base ** linspace(start, stop, num)` (NumPy's `logspace`).
    pub fn logspace(
        self: &Arc<Self>,
        start: f64,
        stop: f64,
        num: usize,
        endpoint: bool,
        base: f64,
        ty: Type,
    ) -> Result<Array> {
        let exponents = self.linspace(start, stop, num, endpoint, Type::Float64)?;
        exponents
            .binary_scalar(BinaryOp::Power, base, true)?
            .as_type(ty)
    }

    /// `j - i` for the `n x m` index grid (as `int64`).
    fn offsets(self: &Arc<Self>, n: usize, m: usize) -> Result<Array> {
        let i = self
            .arange(0.0, n as f64, 1.0, Type::Int64)?
            .reshape(&[n as i64, 1])?;
        let j = self
            .arange(0.0, m as f64, 1.0, Type::Int64)?
            .reshape(&[1, m as i64])?;
        &j - &i
    }

    /// Ones at and below diagonal `k` of an `n x m` array, zeros above (NumPy's `tri`).
    pub fn tri(self: &Arc<Self>, n: usize, m: Option<usize>, k: i64, ty: Type) -> Result<Array> {
        let m = m.unwrap_or(n);
        self.offsets(n, m)?
            .binary_scalar(BinaryOp::LessEqual, k, false)?
            .astype(ty)
    }

    /// The matrix with `v` on diagonal `k` (1-D `v`), or the diagonal `k` of a 2-D array
    /// (NumPy's `diag`).
    pub fn diag(self: &Arc<Self>, v: &Array, k: i64) -> Result<Array> {
        match v.ndim() {
            1 => {
                let n = v.shape()[0];
                let size = n + k.unsigned_abs() as usize;
                let pad = self.zeros(&[k.unsigned_abs() as usize], v.dtype())?;
                let column = if k >= 0 {
                    self.concatenate(&[v.clone(), pad], 0)?
                } else {
                    self.concatenate(&[pad, v.clone()], 0)?
                };
                let column = column.reshape(&[size as i64, 1])?;
                let on = self
                    .offsets(size, size)?
                    .binary_scalar(BinaryOp::Equal, k, false)?;
                let zero = self.zeros(&[1], v.dtype())?;
                Array::where_(&on, &column, &zero)
            }
            2 => {
                let (n, m) = (v.shape()[0] as i64, v.shape()[1] as i64);
                let len = if k >= 0 { n.min(m - k) } else { m.min(n + k) }.max(0);
                let on = self.offsets(n as usize, m as usize)?.binary_scalar(
                    BinaryOp::Equal,
                    k,
                    false,
                )?;
                let zero = self.zeros(&[1], v.dtype())?;
                let picked = Array::where_(&on, v, &zero)?;
                // One element per row (k >= 0) or per column (k < 0) survives.
                let sums = picked
                    .sum(Some(if k >= 0 { 1 } else { 0 }), false)?
                    .as_type(v.dtype())?;
                // Row i holds a[i, i + k] (k >= 0); column j holds a[j - k, j] (k < 0).
                sums.index(&[crate::Index::range(0, len)])
            }
            d => Err(Error::InvalidArgument {
                what: format!("Input must be 1- or 2-d, got {d}-d"),
            }),
        }
    }

    /// Coordinate matrices from two vectors (NumPy's `meshgrid`, `indexing='xy'`): the
    /// first repeats `x` along rows, the second `y` along columns, both `len(y) x len(x)`.
    pub fn meshgrid(self: &Arc<Self>, x: &Array, y: &Array) -> Result<(Array, Array)> {
        if x.ndim() != 1 || y.ndim() != 1 {
            return Err(Error::InvalidArgument {
                what: "meshgrid takes 1-d arrays".into(),
            });
        }
        let shape = [y.shape()[0], x.shape()[0]];
        let xs = x.broadcast_to(&shape)?.copy()?;
        let ys = y.expand_dims(1)?.broadcast_to(&shape)?.copy()?;
        Ok((xs, ys))
    }
}

impl Array {
    /// The lower triangle: elements above diagonal `k` zeroed (NumPy's `tril`).
    pub fn tril(&self, k: i64) -> Result<Array> {
        self.triangle(k, true)
    }

    /// The upper triangle: elements below diagonal `k` zeroed (NumPy's `triu`).
    pub fn triu(&self, k: i64) -> Result<Array> {
        self.triangle(k, false)
    }

    fn triangle(&self, k: i64, lower: bool) -> Result<Array> {
        let shape = self.shape();
        if shape.len() < 2 {
            return Err(Error::InvalidArgument {
                what: "tril and triu need at least two dimensions".into(),
            });
        }
        let (n, m) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        let offsets = self.dense.offsets(n, m)?;
        let keep = if lower {
            offsets.binary_scalar(BinaryOp::LessEqual, k, false)?
        } else {
            offsets.binary_scalar(BinaryOp::GreaterEqual, k, false)?
        };
        let zero = self
            .dense
            .full(&[1], Scalar::zero(self.dtype()), self.dtype())?;
        Array::where_(&keep, self, &zero)
    }
}
