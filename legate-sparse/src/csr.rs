//! The CSR matrix: three stores, `pos` (`rows x 2`, each row's range `[lo, hi)` into the
//! other two), `crd` (column indices, sorted within each row, no duplicates) and `vals` (a
//! legate-dense [`Array`] of the values). `pos` and `crd` are `int32` where the rows, the
//! columns and the number of entries all fit (SciPy's rule), else `int64`.
//!
//! Every operation over the rows is one launch (or two, when the size of the result must
//! be counted first): the runtime cuts `pos` by rows, the image of those rows cuts `crd`
//! and `vals`, and the image of a piece's column indices cuts the dense vector it reads.
//! Those images are cached by the version of their source, so an iterative solver
//! computes them once and moves no data after its first iteration.
//!
//! A result with one value per row (`A @ x`, row sums, the diagonal) or a dense block of
//! rows (`to_dense`, `A @ X`) is an output of the same launch: the solver cuts a store of
//! fewer dimensions, or of another width with its columns kept whole, by the leading
//! colors of the launch, so its row `i` goes with row `i` of `pos`. The kernels check
//! that the rows line up and fail the launch otherwise.

use std::sync::Arc;

use legate_core::{
    align, broadcast, image, AutoTask, Error, ImageKind, LogicalStore, Result, Scalar, Type,
    Variable,
};
use legate_dense::dtype::promote_types;
use legate_dense::{Array, BinaryOp, Index, Operand};

use crate::context::Sparse;
use crate::diagonals::add_product_args;
use crate::tasks::{ids, BinOp};
use crate::value::{
    dispatch_value, index_store, index_type, index_vec, is_value_type, wider_index, Value,
};

/// A sparse matrix in compressed sparse row form, distributed by rows.
///
/// Cloning shares the stores: a matrix's structure and values are never written in place
/// by this crate, so clones behave as independent values.
///
/// ```
/// use legate_core::Runtime;
/// use legate_dense::Dense;
/// use legate_sparse::{CsrMatrix, Sparse};
///
/// let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
/// // [[1, 0, 2], [0, 0, 3]]
/// let a = CsrMatrix::from_triplets(&sp, [2, 3], &[0, 0, 1], &[0, 2, 2], &[1.0, 2.0, 3.0]).unwrap();
/// let x = sp.dense().from_vec(vec![1.0, 1.0, 1.0], &[3]).unwrap();
/// assert_eq!(a.dot(&x).unwrap().to_vec::<f64>().unwrap(), vec![3.0, 3.0]);
/// ```
#[derive(Clone)]
pub struct CsrMatrix {
    pub(crate) sp: Arc<Sparse>,
    pub(crate) shape: [usize; 2],
    pub(crate) nnz: usize,
    pub(crate) pos: LogicalStore,
    pub(crate) crd: LogicalStore,
    pub(crate) vals: Array,
    /// The diagonal form of the values, shared by the clones (which share the stores).
    pub(crate) diagonals: Arc<crate::diagonals::DiagonalCache>,
}

impl std::fmt::Debug for CsrMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<{}x{} sparse array of type {} with {} stored elements in Compressed Sparse Row format>",
            self.shape[0],
            self.shape[1],
            self.dtype(),
            self.nnz
        )
    }
}

/// The error for a type sparse matrices do not hold.
pub(crate) fn check_value_type(op: &'static str, ty: Type) -> Result<()> {
    if is_value_type(ty) {
        Ok(())
    } else {
        Err(Error::UnsupportedType { op, ty })
    }
}

/// An [`Error::InvalidArgument`] saying `what`.
pub(crate) fn invalid(what: impl Into<String>) -> Error {
    Error::InvalidArgument { what: what.into() }
}

/// Checks that triplets agree in length and lie inside `shape`.
pub(crate) fn check_triplets(
    shape: [usize; 2],
    rows: &[i64],
    cols: &[i64],
    vals: usize,
) -> Result<()> {
    if rows.len() != cols.len() || rows.len() != vals {
        return Err(invalid(format!(
            "row, column and value arrays differ in length ({}, {}, {vals})",
            rows.len(),
            cols.len(),
        )));
    }
    for (dim, idx) in [(0, rows), (1, cols)] {
        if let Some(&index) = idx
            .iter()
            .find(|&&i| i < 0 || i as u64 >= shape[dim] as u64)
        {
            return Err(Error::IndexOutOfBounds {
                dim,
                index,
                extent: shape[dim] as u64,
            });
        }
    }
    Ok(())
}

impl CsrMatrix {
    // ---------------------------------------------------------------- construction

    /// The matrix with the given stores, which must already be canonical (`pos` rows in
    /// order and covering `crd`, column indices sorted within each row and in range).
    pub(crate) fn from_stores(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        nnz: usize,
        pos: LogicalStore,
        crd: LogicalStore,
        vals: Array,
    ) -> CsrMatrix {
        CsrMatrix {
            sp: Arc::clone(sp),
            shape,
            nnz,
            pos,
            crd,
            vals,
            diagonals: Arc::default(),
        }
    }

    /// The matrix of `(row, col, value)` triplets, duplicates summed (as SciPy's
    /// `coo_array((data, (row, col))).tocsr()`). Explicit zeros are kept.
    pub fn from_triplets<T: Value>(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        rows: &[i64],
        cols: &[i64],
        vals: &[T],
    ) -> Result<CsrMatrix> {
        check_triplets(shape, rows, cols, vals.len())?;
        // A counting sort by row, then a sort of each row by column.
        let mut counts = vec![0usize; shape[0] + 1];
        for &r in rows {
            counts[r as usize + 1] += 1;
        }
        for r in 0..shape[0] {
            counts[r + 1] += counts[r];
        }
        let mut next = counts.clone();
        let mut order = vec![0usize; rows.len()];
        for (k, &r) in rows.iter().enumerate() {
            order[next[r as usize]] = k;
            next[r as usize] += 1;
        }
        let (mut pos, mut crd, mut out) =
            (Vec::with_capacity(2 * shape[0]), Vec::new(), Vec::new());
        crd.reserve(rows.len());
        out.reserve(rows.len());
        for r in 0..shape[0] {
            let row = &mut order[counts[r]..counts[r + 1]];
            row.sort_by_key(|&k| cols[k]);
            let lo = crd.len() as i64;
            for &k in row.iter() {
                if crd.len() as i64 > lo && crd.last() == Some(&cols[k]) {
                    if let Some(v) = out.last_mut() {
                        *v = *v + vals[k];
                    }
                } else {
                    crd.push(cols[k]);
                    out.push(vals[k]);
                }
            }
            pos.extend([lo, crd.len() as i64]);
        }
        Self::from_host_parts(sp, shape, pos, crd, out)
    }

    /// The matrix of SciPy's `csr_array((data, indices, indptr), shape)`: row `r` holds
    /// `indices[indptr[r]..indptr[r + 1]]`. Columns are sorted and duplicates summed.
    pub fn from_csr_vecs<T: Value>(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        indptr: &[i64],
        indices: &[i64],
        data: &[T],
    ) -> Result<CsrMatrix> {
        if indptr.len() != shape[0] + 1 {
            return Err(invalid(format!(
                "indptr has {} entries for {} rows (needs rows + 1)",
                indptr.len(),
                shape[0]
            )));
        }
        if indices.len() != data.len() {
            return Err(invalid("indices and data differ in length"));
        }
        if indptr.first() != Some(&0)
            || indptr.windows(2).any(|w| w[1] < w[0])
            || indptr.last().copied() != Some(indices.len() as i64)
        {
            return Err(invalid(
                "indptr must start at 0, never decrease and end at the number of entries",
            ));
        }
        let rows: Vec<i64> = (0..shape[0])
            .flat_map(|r| std::iter::repeat_n(r as i64, (indptr[r + 1] - indptr[r]) as usize))
            .collect();
        Self::from_triplets(sp, shape, &rows, indices, data)
    }

    /// Distributes canonical host parts (`pos` as `rows x 2` pairs), with `int32` indices
    /// where they fit.
    pub(crate) fn from_host_parts<T: Value>(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        pos: Vec<i64>,
        crd: Vec<i64>,
        vals: Vec<T>,
    ) -> Result<CsrMatrix> {
        let rt = sp.runtime();
        let nnz = crd.len();
        // Canonical parts of these sizes: every position and column index fits.
        let it = index_type(shape, nnz);
        let pos = index_store(rt, pos, &[shape[0] as u64, 2], it)?;
        let crd = index_store(rt, crd, &[nnz as u64], it)?;
        let vals = sp.dense.from_vec(vals, &[nnz])?;
        Ok(Self::from_stores(sp, shape, nnz, pos, crd, vals))
    }

    /// The matrix of an `sprs` matrix (CSR or CSC).
    pub fn from_sprs<T: Value>(sp: &Arc<Sparse>, m: &sprs::CsMat<T>) -> Result<CsrMatrix> {
        let csr;
        let m = if m.is_csr() {
            m
        } else {
            csr = m.to_csr();
            &csr
        };
        let indptr: Vec<i64> = m.indptr().to_proper().iter().map(|&p| p as i64).collect();
        let indices: Vec<i64> = m.indices().iter().map(|&c| c as i64).collect();
        Self::from_csr_vecs(sp, [m.rows(), m.cols()], &indptr, &indices, m.data())
    }

    /// The non-zero entries of a 2-D dense array (two launches over its rows: a count,
    /// then the entries at the offsets the count's prefix sum gives).
    pub fn from_dense(sp: &Arc<Sparse>, a: &Array) -> Result<CsrMatrix> {
        let [rows, cols] = matrix_shape(&a.shape())?;
        check_value_type("csr_array", a.dtype())?;
        if rows == 0 || cols == 0 {
            return empty_csr(sp, [rows, cols], a.dtype());
        }
        let rt = sp.runtime();
        let counts = sp.dense.empty(&[rows], Type::Int64)?;
        let mut t = rt.create_auto_task(&sp.lib, ids::DENSE_ROW_NNZ)?;
        let d = t.add_input(a.store());
        t.add_output(counts.store());
        t.add_constraint(broadcast(d, &[1]));
        t.execute()?;
        let (pos, nnz) = pos_from_counts(sp, &counts)?;
        let it = index_type([rows, cols], nnz);
        let pos = cast_store(sp, pos, it)?;
        let crd = rt.create_store(it, &[nnz as u64])?;
        let vals = sp.dense.empty(&[nnz], a.dtype())?;
        if nnz > 0 {
            let mut t = rt.create_auto_task(&sp.lib, ids::DENSE_FILL)?;
            let (d, p) = (t.add_input(a.store()), t.add_input(&pos));
            let (c, v) = (t.add_output(&crd), t.add_output(vals.store()));
            t.add_constraint(broadcast(d, &[1]));
            t.add_constraint(broadcast(p, &[1]));
            t.add_constraint(image(p, c, ImageKind::FirstLast));
            t.add_constraint(image(p, v, ImageKind::FirstLast));
            t.execute()?;
        }
        Ok(Self::from_stores(sp, [rows, cols], nnz, pos, crd, vals))
    }

    // ---------------------------------------------------------------- properties

    /// `(rows, columns)`.
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// The number of stored entries (explicit zeros included).
    pub fn nnz(&self) -> usize {
        self.nnz
    }

    /// The type of the values.
    pub fn dtype(&self) -> Type {
        self.vals.dtype()
    }

    /// The library this matrix belongs to.
    pub fn sparse(&self) -> &Arc<Sparse> {
        &self.sp
    }

    /// The `rows x 2` store of each row's `[lo, hi)` range into `crd` and `vals`.
    pub fn pos(&self) -> &LogicalStore {
        &self.pos
    }

    /// The store of column indices (of [`index_type`](Self::index_type)).
    pub fn crd(&self) -> &LogicalStore {
        &self.crd
    }

    /// The type of `pos` and `crd`: `int32` when the rows, the columns and the number of
    /// entries all fit in it (as SciPy chooses its index type), else `int64`.
    pub fn index_type(&self) -> Type {
        self.crd.ty()
    }

    /// This matrix with `pos` and `crd` of index type `it` (`int64`, or `int32` where the
    /// sizes fit); itself when they already are. Operations on matrices of two index
    /// types compute in the wider one.
    ///
    /// ```
    /// # use legate_core::{Runtime, Type};
    /// # use legate_dense::Dense;
    /// # use legate_sparse::{CsrMatrix, Sparse};
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap()).unwrap();
    /// let a = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 1], &[1, 0], &[1.0, 2.0]).unwrap();
    /// assert_eq!(a.index_type(), Type::Int32);
    /// let wide = a.with_index_type(Type::Int64).unwrap();
    /// assert_eq!(wide.indices().to_vec::<i64>().unwrap(), vec![1, 0]);
    /// ```
    pub fn with_index_type(&self, it: Type) -> Result<CsrMatrix> {
        if it == self.index_type() {
            return Ok(self.clone());
        }
        let fits = index_type(self.shape, self.nnz);
        if !(it == Type::Int64 || it == fits) {
            return Err(invalid(format!(
                "a {}x{} matrix of {} entries cannot have {it} indices",
                self.shape[0], self.shape[1], self.nnz
            )));
        }
        Ok(Self::from_stores(
            &self.sp,
            self.shape,
            self.nnz,
            cast_store(&self.sp, self.pos.clone(), it)?,
            cast_store(&self.sp, self.crd.clone(), it)?,
            self.vals.clone(),
        ))
    }

    /// The values (SciPy's `data`), as a legate-dense array sharing this matrix's store.
    pub fn data(&self) -> &Array {
        &self.vals
    }

    /// The column indices as a legate-dense array (SciPy's `indices`).
    pub fn indices(&self) -> Array {
        Array::from_store(&self.sp.dense, self.crd.clone())
    }

    /// SciPy's `indptr` (`rows + 1` offsets), computed from `pos`.
    pub fn indptr(&self) -> Result<Array> {
        let pos = Array::from_store(&self.sp.dense, self.pos.clone());
        let zero = self.sp.dense.zeros(&[1], self.index_type())?;
        let hi = pos.index(&[Index::ALL, Index::At(1)])?;
        self.sp.dense.concatenate(&[zero, hi], 0)
    }

    // ---------------------------------------------------------------- conversions

    /// The dense matrix (one launch over the rows).
    pub fn to_dense(&self) -> Result<Array> {
        let [rows, cols] = self.shape;
        let out = self.sp.dense.empty(&[rows, cols], self.dtype())?;
        if self.nnz == 0 || rows == 0 || cols == 0 {
            self.sp
                .runtime()
                .fill(out.store(), Scalar::zero(self.dtype()))?;
            return Ok(out);
        }
        let mut t = self.task(ids::TO_DENSE)?;
        self.add_rows(&mut t);
        let d = t.add_output(out.store());
        t.add_constraint(broadcast(d, &[1]));
        t.execute()?;
        Ok(out)
    }

    /// The `(rows, cols, values)` of the stored entries, in row-major order.
    pub fn to_triplets<T: Value>(&self) -> Result<(Vec<i64>, Vec<i64>, Vec<T>)> {
        let (indptr, crd, vals) = self.host_parts::<T>()?;
        let rows = (0..self.shape[0])
            .flat_map(|r| std::iter::repeat_n(r as i64, (indptr[r + 1] - indptr[r]) as usize))
            .collect();
        Ok((rows, crd, vals))
    }

    /// The `sprs` matrix of the same entries.
    pub fn to_sprs<T: Value>(&self) -> Result<sprs::CsMat<T>> {
        let (indptr, crd, vals) = self.host_parts::<T>()?;
        sprs::CsMat::try_new(
            (self.shape[0], self.shape[1]),
            indptr.iter().map(|&p| p as usize).collect(),
            crd.iter().map(|&c| c as usize).collect(),
            vals,
        )
        .map_err(|(.., e)| invalid(format!("not a valid sprs matrix: {e}")))
    }

    /// `indptr`, `indices` and `data` read back to this thread (waits for their writers).
    pub fn host_parts<T: Value>(&self) -> Result<(Vec<i64>, Vec<i64>, Vec<T>)> {
        if T::TYPE != self.dtype() {
            return Err(Error::TypeMismatch {
                expected: self.dtype(),
                found: T::TYPE,
            });
        }
        let pos = index_vec(&Array::from_store(&self.sp.dense, self.pos.clone()))?;
        let mut indptr = Vec::with_capacity(self.shape[0] + 1);
        indptr.push(0);
        indptr.extend(pos.chunks(2).map(|r| r[1]));
        let crd = index_vec(&self.indices())?;
        Ok((indptr, crd, self.vals.to_vec::<T>()?))
    }

    // ---------------------------------------------------------------- launches

    pub(crate) fn task(&self, id: u32) -> Result<AutoTask<'_>> {
        self.sp.runtime().create_auto_task(&self.sp.lib, id)
    }

    /// Adds `pos`, `crd` and `vals` as inputs: `pos` cut by rows only, the other two by
    /// the image of each piece's rows.
    pub(crate) fn add_rows(&self, t: &mut AutoTask<'_>) -> [Variable; 3] {
        let p = t.add_input(&self.pos);
        let c = t.add_input(&self.crd);
        let v = t.add_input(self.vals.store());
        t.add_constraint(broadcast(p, &[1]));
        t.add_constraint(image(p, c, ImageKind::FirstLast));
        t.add_constraint(image(p, v, ImageKind::FirstLast));
        [p, c, v]
    }

    /// Adds `pos`, `crd` and `vals` as whole inputs (every point sees all of them).
    fn add_whole(&self, t: &mut AutoTask<'_>) -> [Variable; 3] {
        let vars = [
            t.add_input(&self.pos),
            t.add_input(&self.crd),
            t.add_input(self.vals.store()),
        ];
        for v in vars {
            t.add_constraint(broadcast(v, &[]));
        }
        vars
    }

    /// This matrix with values of type `ty` (itself when they already are).
    fn with_type(&self, ty: Type) -> Result<CsrMatrix> {
        if ty == self.dtype() {
            Ok(self.clone())
        } else {
            self.astype(ty)
        }
    }

    /// The matrix with the same structure and new values.
    fn with_values(&self, vals: Array) -> Result<CsrMatrix> {
        check_value_type("sparse values", vals.dtype())?;
        Ok(Self::from_stores(
            &self.sp,
            self.shape,
            self.nnz,
            self.pos.clone(),
            self.crd.clone(),
            vals,
        ))
    }

    // ---------------------------------------------------------------- products

    /// `A @ x`: SpMV for a vector (`cols`), SpMM for a matrix (`cols x k`). The result is
    /// a legate-dense array cut like this matrix's rows; a vector argument is read through
    /// the image of each piece's column indices only.
    pub fn dot(&self, x: &Array) -> Result<Array> {
        let [rows, cols] = self.shape;
        let xs = x.shape();
        if xs.is_empty() || xs.len() > 2 || xs[0] != cols {
            return Err(Error::ShapeMismatch {
                context: "sparse matmul",
                left: vec![rows as u64, cols as u64],
                right: xs.iter().map(|&s| s as u64).collect(),
            });
        }
        let (a, x) = self.operand_of_type(x)?;
        let ty = a.dtype();
        let mut out_shape = vec![rows];
        out_shape.extend(xs.get(1));
        let y = self.sp.dense.empty(&out_shape, ty)?;
        if rows == 0 || y.size() == 0 {
            return Ok(y);
        }
        if a.nnz == 0 {
            self.sp.runtime().fill(y.store(), Scalar::zero(ty))?;
            return Ok(y);
        }
        if xs.len() == 1 {
            if let Some(form) = a.diagonal_form()? {
                let mut t = a.task(ids::DIA_SPMV)?;
                add_product_args(&a, &mut t, x.store(), None, y.store(), &form);
                t.execute()?;
                return Ok(y);
            }
        }
        let mut t = a.task(if xs.len() == 1 { ids::SPMV } else { ids::SPMM })?;
        let [_, c, _] = a.add_rows(&mut t);
        let xv = t.add_input(x.store());
        let yv = t.add_output(y.store());
        if xs.len() == 1 {
            t.add_constraint(image(c, xv, ImageKind::MinMax));
        } else {
            t.add_constraint(broadcast(xv, &[]));
            t.add_constraint(broadcast(yv, &[1]));
        }
        t.execute()?;
        Ok(y)
    }

    /// `(A @ x, vdot(x, A @ x))` for a square matrix and a vector: conjugate gradients'
    /// `q = A p` and `p @ q`. One launch computes both, each block of rows' part of the
    /// dot product while its results are in cache, instead of an SpMV and a second pass
    /// over `x` and `A x`.
    pub fn dot_and_vdot(&self, x: &Array) -> Result<(Array, Array)> {
        let [rows, cols] = self.shape;
        if rows != cols || x.shape().first() != Some(&cols) {
            return Err(Error::ShapeMismatch {
                context: "sparse matmul with its dot product (a square matrix)",
                left: vec![rows as u64, cols as u64],
                right: x.shape().iter().map(|&s| s as u64).collect(),
            });
        }
        if x.ndim() != 1 || self.nnz == 0 {
            let y = self.dot(x)?;
            let d = legate_dense::linalg::vdot(x, &y)?;
            return Ok((y, d));
        }
        let (a, x) = self.operand_of_type(x)?;
        let ty = a.dtype();
        let y = self.sp.dense.empty(&[rows], ty)?;
        let d = self.sp.dense.zeros(&[], ty)?;
        if let Some(form) = a.diagonal_form()? {
            let mut t = a.task(ids::DIA_SPMV_DOT)?;
            add_product_args(&a, &mut t, x.store(), Some(x.store()), y.store(), &form);
            let o = t.add_reduction(d.store(), legate_core::ReductionOp::Add);
            t.add_constraint(broadcast(o, &[]));
            t.execute()?;
            return Ok((y, d));
        }
        let mut t = a.task(ids::SPMV_DOT)?;
        let [_, c, _] = a.add_rows(&mut t);
        let xv = t.add_input(x.store());
        let xr = t.add_input(x.store());
        let yv = t.add_output(y.store());
        let o = t.add_reduction(d.store(), legate_core::ReductionOp::Add);
        t.add_constraint(image(c, xv, ImageKind::MinMax));
        t.add_constraint(align(yv, xr));
        t.add_constraint(broadcast(o, &[]));
        t.execute()?;
        Ok((y, d))
    }

    /// This matrix and `x` in the type of `A @ x`, `x` contiguous (the kernels index
    /// contiguous pieces: a strided or typed-differently view is copied first).
    fn operand_of_type(&self, x: &Array) -> Result<(CsrMatrix, Array)> {
        let ty = promote_types(self.dtype(), x.dtype());
        check_value_type("sparse matmul", ty)?;
        let a = self.with_type(ty)?;
        let x = if x.dtype() != ty {
            x.astype(ty)?
        } else if x.store().is_identity_view() {
            x.clone()
        } else {
            x.copy()?
        };
        Ok((a, x))
    }

    /// `A @ B` for two sparse matrices (SpGEMM, Gustavson's row-by-row algorithm): the
    /// rows of `A` are cut, every piece reads all of `B`; the result's size is counted
    /// first, then its entries are written at the offsets the count's prefix sum gives.
    ///
    /// ```
    /// # use legate_core::Runtime;
    /// # use legate_dense::Dense;
    /// # use legate_sparse::{CsrMatrix, Sparse};
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
    /// let a = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 1], &[1, 0], &[2.0, 3.0]).unwrap();
    /// let aa = a.matmul(&a).unwrap(); // a swaps and scales: a @ a = 6 I
    /// assert_eq!(aa.to_dense().unwrap().to_vec::<f64>().unwrap(), vec![6.0, 0.0, 0.0, 6.0]);
    /// ```
    pub fn matmul(&self, other: &CsrMatrix) -> Result<CsrMatrix> {
        let ([m, k], [k2, n]) = (self.shape, other.shape);
        if k != k2 {
            return Err(Error::ShapeMismatch {
                context: "sparse matmul",
                left: vec![m as u64, k as u64],
                right: vec![k2 as u64, n as u64],
            });
        }
        let ty = promote_types(self.dtype(), other.dtype());
        let (a, b) = (self.with_type(ty)?, other.with_type(ty)?);
        if a.nnz == 0 || b.nnz == 0 {
            return empty_csr(&self.sp, [m, n], ty);
        }
        let it = wider_index(a.index_type(), b.index_type());
        let (a, b) = (a.with_index_type(it)?, b.with_index_type(it)?);
        let counts = self.sp.dense.empty(&[m], Type::Int64)?;
        let mut t = a.task(ids::SPGEMM_COUNT)?;
        a.add_rows(&mut t);
        b.add_whole(&mut t);
        t.add_output(counts.store());
        t.add_scalar_arg(n as i64);
        t.execute()?;
        let (pos, nnz) = pos_from_counts(&self.sp, &counts)?;
        let it = wider_index(it, index_type([m, n], nnz));
        let (a, b) = (a.with_index_type(it)?, b.with_index_type(it)?);
        self.fill_counted((pos, nnz), it, [m, n], ty, ids::SPGEMM_FILL, |t| {
            let [p, ..] = a.add_rows(t);
            b.add_whole(t);
            t.add_scalar_arg(n as i64);
            p
        })
    }

    /// Builds the result of a counted operation from its `pos` (`int64`, from the counts)
    /// and size: one launch of `fill` (whose arguments `args` adds, returning the variable
    /// of the rows it is cut by, with indices of type `it`) writing `crd` and `vals` at
    /// those offsets.
    fn fill_counted(
        &self,
        (pos, nnz): (LogicalStore, usize),
        it: Type,
        shape: [usize; 2],
        ty: Type,
        fill: u32,
        args: impl FnOnce(&mut AutoTask<'_>) -> Variable,
    ) -> Result<CsrMatrix> {
        let pos = cast_store(&self.sp, pos, it)?;
        let rt = self.sp.runtime();
        let crd = rt.create_store(it, &[nnz as u64])?;
        let vals = self.sp.dense.empty(&[nnz], ty)?;
        if nnz > 0 {
            let mut t = self.task(fill)?;
            let rows = args(&mut t);
            let pv = t.add_input(&pos);
            let (c, v) = (t.add_output(&crd), t.add_output(vals.store()));
            t.add_constraint(align(rows, pv));
            t.add_constraint(image(pv, c, ImageKind::FirstLast));
            t.add_constraint(image(pv, v, ImageKind::FirstLast));
            t.execute()?;
        }
        Ok(Self::from_stores(&self.sp, shape, nnz, pos, crd, vals))
    }

    // ---------------------------------------------------------------- element-wise

    fn binop(&self, other: &CsrMatrix, op: BinOp, name: &'static str) -> Result<CsrMatrix> {
        if self.shape != other.shape {
            return Err(Error::ShapeMismatch {
                context: name,
                left: self.shape.iter().map(|&s| s as u64).collect(),
                right: other.shape.iter().map(|&s| s as u64).collect(),
            });
        }
        let ty = promote_types(self.dtype(), other.dtype());
        check_value_type(name, ty)?;
        let (a, b) = (self.with_type(ty)?, other.with_type(ty)?);
        if self.shape[0] == 0 {
            return empty_csr(&self.sp, self.shape, ty);
        }
        let it = wider_index(a.index_type(), b.index_type());
        let (a, b) = (a.with_index_type(it)?, b.with_index_type(it)?);
        let counts = self.sp.dense.empty(&[self.shape[0]], Type::Int64)?;
        let mut t = a.task(ids::BINOP_COUNT)?;
        let [pa, ..] = a.add_rows(&mut t);
        let [pb, ..] = b.add_rows(&mut t);
        t.add_output(counts.store());
        t.add_constraint(align(pa, pb));
        t.add_scalar_arg(op as i64);
        t.execute()?;
        let (pos, nnz) = pos_from_counts(&self.sp, &counts)?;
        let it = wider_index(it, index_type(self.shape, nnz));
        let (a, b) = (a.with_index_type(it)?, b.with_index_type(it)?);
        self.fill_counted((pos, nnz), it, self.shape, ty, ids::BINOP_FILL, |t| {
            let [pa, ..] = a.add_rows(t);
            let [pb, ..] = b.add_rows(t);
            t.add_constraint(align(pa, pb));
            t.add_scalar_arg(op as i64);
            pa
        })
    }

    /// `A + B` (zeros that result are not stored, as in SciPy).
    ///
    /// ```
    /// # use legate_core::Runtime;
    /// # use legate_dense::Dense;
    /// # use legate_sparse::{CsrMatrix, Sparse};
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
    /// let a = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 1], &[0, 1], &[1.0, 2.0]).unwrap();
    /// let b = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 1], &[1, 1], &[5.0, -2.0]).unwrap();
    /// let c = a.add(&b).unwrap();
    /// assert_eq!(c.nnz(), 2); // 2 + (-2) is not stored
    /// assert_eq!(c.to_dense().unwrap().to_vec::<f64>().unwrap(), vec![1.0, 5.0, 0.0, 0.0]);
    /// ```
    pub fn add(&self, other: &CsrMatrix) -> Result<CsrMatrix> {
        self.binop(other, BinOp::Add, "sparse add")
    }

    /// `A - B`.
    pub fn sub(&self, other: &CsrMatrix) -> Result<CsrMatrix> {
        self.binop(other, BinOp::Sub, "sparse subtract")
    }

    /// The element-wise product `A.multiply(B)` (over the entries both store).
    pub fn multiply(&self, other: &CsrMatrix) -> Result<CsrMatrix> {
        self.binop(other, BinOp::Mul, "sparse multiply")
    }

    /// `A * s`: every stored value times a scalar (explicit zeros stay stored, as in
    /// SciPy). Fused with whatever element-wise work follows on the values.
    pub fn mul_scalar(&self, s: impl Into<Operand>) -> Result<CsrMatrix> {
        self.with_values(self.vals.binary_scalar(BinaryOp::Multiply, s, false)?)
    }

    /// `A / s`.
    pub fn div_scalar(&self, s: impl Into<Operand>) -> Result<CsrMatrix> {
        self.with_values(self.vals.binary_scalar(BinaryOp::TrueDivide, s, false)?)
    }

    /// `-A`.
    pub fn neg(&self) -> Result<CsrMatrix> {
        self.with_values((-&self.vals)?)
    }

    /// `abs(A)`.
    pub fn abs(&self) -> Result<CsrMatrix> {
        self.with_values(self.vals.absolute()?)
    }

    /// The complex conjugate.
    pub fn conj(&self) -> Result<CsrMatrix> {
        self.with_values(self.vals.conjugate()?)
    }

    /// `A.power(p)`: every stored value to the power `p`.
    pub fn power(&self, p: impl Into<Operand>) -> Result<CsrMatrix> {
        self.with_values(self.vals.binary_scalar(BinaryOp::Power, p, false)?)
    }

    /// The matrix with values cast to `ty`.
    pub fn astype(&self, ty: Type) -> Result<CsrMatrix> {
        check_value_type("astype", ty)?;
        self.with_values(self.vals.astype(ty)?)
    }

    /// A copy with its own values (the structure, never written in place, is shared).
    pub fn copy(&self) -> Result<CsrMatrix> {
        self.with_values(self.vals.copy()?)
    }

    // ---------------------------------------------------------------- structure

    /// The transpose (`A.T`), in CSR form: one piece that counts the entries of each
    /// column and places them (a counting sort, linear in the entries).
    ///
    /// ```
    /// # use legate_core::Runtime;
    /// # use legate_dense::Dense;
    /// # use legate_sparse::{CsrMatrix, Sparse};
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
    /// let a = CsrMatrix::from_triplets(&sp, [2, 3], &[0, 1], &[2, 0], &[7.0, 8.0]).unwrap();
    /// let t = a.transpose().unwrap();
    /// assert_eq!(t.shape(), [3, 2]);
    /// assert_eq!(t.to_triplets::<f64>().unwrap(), (vec![0, 2], vec![1, 0], vec![8.0, 7.0]));
    /// ```
    pub fn transpose(&self) -> Result<CsrMatrix> {
        let [rows, cols] = self.shape;
        let ty = self.dtype();
        if self.nnz == 0 || rows == 0 {
            return empty_csr(&self.sp, [cols, rows], ty);
        }
        let rt = self.sp.runtime();
        let it = self.index_type();
        let pos = rt.create_store(it, &[cols as u64, 2])?;
        let crd = rt.create_store(it, &[self.nnz as u64])?;
        let vals = self.sp.dense.empty(&[self.nnz], ty)?;
        let mut t = self.task(ids::TRANSPOSE)?;
        self.add_whole(&mut t);
        for s in [&pos, &crd, vals.store()] {
            let v = t.add_output(s);
            t.add_constraint(broadcast(v, &[]));
        }
        t.execute()?;
        Ok(Self::from_stores(
            &self.sp,
            [cols, rows],
            self.nnz,
            pos,
            crd,
            vals,
        ))
    }

    /// The `k`-th diagonal (`A.diagonal(k)`): entries `(i, i + k)`, zero where not stored.
    pub fn diagonal(&self, k: i64) -> Result<Array> {
        let [rows, cols] = self.shape;
        let ty = self.dtype();
        let (first, last) = (
            (-k).max(0),
            (rows as i64).min(cols as i64 - k).max((-k).max(0)),
        );
        if rows == 0 || first >= last {
            return self.sp.dense.zeros(&[0], ty);
        }
        let full = self.sp.dense.empty(&[rows], ty)?;
        if self.nnz == 0 {
            self.sp.runtime().fill(full.store(), Scalar::zero(ty))?;
        } else {
            let mut t = self.task(ids::DIAGONAL)?;
            self.add_rows(&mut t);
            t.add_output(full.store());
            t.add_scalar_arg(k);
            t.execute()?;
        }
        if first == 0 && last == rows as i64 {
            return Ok(full);
        }
        full.index(&[Index::range(first, last)])?.copy()
    }

    /// The sum of all entries (`axis = None`, a 0-d array), of each column (`axis = 0`)
    /// or of each row (`axis = 1`), with NumPy's accumulation types (integers in `int64`).
    ///
    /// ```
    /// # use legate_core::Runtime;
    /// # use legate_dense::Dense;
    /// # use legate_sparse::{CsrMatrix, Sparse};
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
    /// let a = CsrMatrix::from_triplets(&sp, [2, 2], &[0, 0, 1], &[0, 1, 1], &[1i32, 2, 3]).unwrap();
    /// assert_eq!(a.sum(Some(0)).unwrap().to_vec::<i64>().unwrap(), vec![1, 5]);
    /// assert_eq!(a.sum(Some(1)).unwrap().to_vec::<i64>().unwrap(), vec![3, 3]);
    /// assert_eq!(a.sum(None).unwrap().item::<i64>().unwrap(), 6);
    /// ```
    pub fn sum(&self, axis: Option<isize>) -> Result<Array> {
        let [rows, cols] = self.shape;
        let axis = match axis {
            None => return self.vals.sum(None, false),
            Some(a) if (-2..2).contains(&a) => a.rem_euclid(2),
            Some(a) => {
                return Err(Error::AxisOutOfBounds {
                    axis: a as i64,
                    ndim: 2,
                })
            }
        };
        let ty = legate_dense::dtype::sum_type(self.dtype());
        let a = self.with_type(ty)?;
        let len = if axis == 0 { cols } else { rows };
        let out = self.sp.dense.zeros(&[len], ty)?;
        if a.nnz == 0 || len == 0 || rows == 0 {
            return Ok(out);
        }
        let mut t;
        if axis == 1 {
            t = a.task(ids::ROW_SUMS)?;
            a.add_rows(&mut t);
            t.add_output(out.store());
        } else {
            t = a.task(ids::COL_SUMS)?;
            a.add_rows(&mut t);
            let o = t.add_reduction(out.store(), legate_core::ReductionOp::Add);
            t.add_constraint(broadcast(o, &[]));
        }
        t.execute()?;
        Ok(out)
    }

    /// The matrix norm (`scipy.sparse.linalg.norm`): Frobenius for `None`, the largest
    /// absolute column sum for `1`, the largest absolute row sum for `inf` (`-1`, `-inf`:
    /// the smallest). A 0-d array of the real type.
    pub fn norm(&self, ord: Option<f64>) -> Result<Array> {
        let Some(ord) = ord else {
            return legate_dense::linalg::norm(&self.vals, None, None, false);
        };
        let axis = match ord {
            o if o.abs() == 1.0 => 0,
            o if o.is_infinite() => 1,
            o => {
                return Err(invalid(format!(
                    "sparse norm of order {o} is not supported (use None, 1, -1, inf or -inf)"
                )))
            }
        };
        let sums = self.abs()?.sum(Some(axis))?;
        if ord > 0.0 {
            sums.max(None, false)
        } else {
            sums.min(None, false)
        }
    }
}

/// The `[rows, cols]` of a 2-D shape.
pub(crate) fn matrix_shape(shape: &[usize]) -> Result<[usize; 2]> {
    match shape {
        &[r, c] => Ok([r, c]),
        _ => Err(invalid(format!(
            "a sparse matrix needs a 2-D array, not one of shape {shape:?}"
        ))),
    }
}

/// A matrix with no entries.
pub(crate) fn empty_csr(sp: &Arc<Sparse>, shape: [usize; 2], ty: Type) -> Result<CsrMatrix> {
    check_value_type("csr_array", ty)?;
    dispatch_value!(ty, empty_typed(sp, shape), t => Err(Error::UnsupportedType { op: "csr_array", ty: t }))
}

fn empty_typed<T: Value>(sp: &Arc<Sparse>, shape: [usize; 2]) -> Result<CsrMatrix> {
    CsrMatrix::from_triplets::<T>(sp, shape, &[], &[], &[])
}

/// `store` with elements of type `ty` (itself when they are): a fused cast.
pub(crate) fn cast_store(sp: &Arc<Sparse>, store: LogicalStore, ty: Type) -> Result<LogicalStore> {
    if store.ty() == ty {
        return Ok(store);
    }
    Ok(Array::from_store(&sp.dense, store)
        .astype(ty)?
        .store()
        .clone())
}

/// `pos` (`rows x 2`, `int64`) from per-row counts: the inclusive prefix sum gives each row's end,
/// minus the count its start. Returns it with the total.
pub(crate) fn pos_from_counts(sp: &Arc<Sparse>, counts: &Array) -> Result<(LogicalStore, usize)> {
    let rows = counts.size();
    let hi = counts.cumsum(None)?;
    let lo = hi.subtract(counts)?;
    let pos = sp.dense.stack(&[lo, hi.clone()], 1)?;
    let nnz = if rows == 0 {
        0
    } else {
        hi.index(&[Index::At(rows as i64 - 1)])?.item::<i64>()?
    };
    let nnz = usize::try_from(nnz).map_err(|_| invalid("negative entry count"))?;
    Ok((pos.store().clone(), nnz))
}
