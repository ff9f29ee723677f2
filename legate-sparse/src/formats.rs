//! The other formats, CSC, COO and DIA, and the conversions among all four.
//!
//! - [`CscMatrix`] is the CSR form of its transpose (`pos` over columns, `crd` holding row
//!   indices): its transpose and its conversion from a CSR transpose are free, its
//!   conversion to CSR is one transpose.
//! - [`CooMatrix`] is three stores of one length: `row`, `col`, `data`. From CSR, `col`
//!   and `data` are shared and `row` is one launch over the rows (each piece expands its
//!   ranges); to CSR, the triplets are sorted and their duplicates summed on the calling
//!   thread (as SciPy does), then distributed.
//! - [`DiaMatrix`] is SciPy's layout: `data[i, j]` is the entry at column `j` of diagonal
//!   `offsets[i]`. Conversions go through the calling thread.

use std::sync::Arc;

use legate_core::{image, Error, ImageKind, Result, Type};
use legate_dense::Array;

use crate::context::Sparse;
use crate::csr::{check_triplets, check_value_type, CsrMatrix};
use crate::tasks::ids;
use crate::value::{dispatch_value, index_store, index_type, index_vec, Value};

/// What every sparse format offers (SciPy's common `sparray` surface).
pub trait SparseMatrix {
    /// `(rows, columns)`.
    fn shape(&self) -> [usize; 2];
    /// The number of stored entries.
    fn nnz(&self) -> usize;
    /// The type of the values.
    fn dtype(&self) -> Type;
    /// SciPy's `format`: `"csr"`, `"csc"`, `"coo"` or `"dia"`.
    fn format(&self) -> &'static str;
    /// The CSR form (canonical: sorted, duplicates summed).
    fn to_csr(&self) -> Result<CsrMatrix>;
    /// The dense matrix.
    fn to_dense(&self) -> Result<Array> {
        self.to_csr()?.to_dense()
    }
}

impl SparseMatrix for CsrMatrix {
    fn shape(&self) -> [usize; 2] {
        CsrMatrix::shape(self)
    }
    fn nnz(&self) -> usize {
        CsrMatrix::nnz(self)
    }
    fn dtype(&self) -> Type {
        CsrMatrix::dtype(self)
    }
    fn format(&self) -> &'static str {
        "csr"
    }
    fn to_csr(&self) -> Result<CsrMatrix> {
        Ok(self.clone())
    }
    fn to_dense(&self) -> Result<Array> {
        CsrMatrix::to_dense(self)
    }
}

// ------------------------------------------------------------------------------- CSC

/// A sparse matrix in compressed sparse column form.
#[derive(Clone, Debug)]
pub struct CscMatrix {
    /// The transpose, in CSR form.
    t: CsrMatrix,
}

impl CscMatrix {
    /// The CSC form of `a` (one transpose).
    pub fn from_csr(a: &CsrMatrix) -> Result<CscMatrix> {
        Ok(CscMatrix { t: a.transpose()? })
    }

    /// The matrix of `(row, col, value)` triplets, duplicates summed.
    pub fn from_triplets<T: Value>(
        sp: &Arc<Sparse>,
        [m, n]: [usize; 2],
        rows: &[i64],
        cols: &[i64],
        vals: &[T],
    ) -> Result<CscMatrix> {
        Ok(CscMatrix {
            t: CsrMatrix::from_triplets(sp, [n, m], cols, rows, vals)?,
        })
    }

    /// SciPy's `csc_array((data, indices, indptr), shape)`: column `j` holds rows
    /// `indices[indptr[j]..indptr[j + 1]]`.
    pub fn from_csc_vecs<T: Value>(
        sp: &Arc<Sparse>,
        [m, n]: [usize; 2],
        indptr: &[i64],
        indices: &[i64],
        data: &[T],
    ) -> Result<CscMatrix> {
        Ok(CscMatrix {
            t: CsrMatrix::from_csr_vecs(sp, [n, m], indptr, indices, data)?,
        })
    }

    /// The transpose (`A.T`), in CSR form, without moving any data.
    pub fn transpose(&self) -> CsrMatrix {
        self.t.clone()
    }

    /// The values, column by column.
    pub fn data(&self) -> &Array {
        self.t.data()
    }

    /// The row index of every value (SciPy's `indices`).
    pub fn indices(&self) -> Array {
        self.t.indices()
    }

    /// SciPy's `indptr` (`columns + 1` offsets).
    pub fn indptr(&self) -> Result<Array> {
        self.t.indptr()
    }

    /// `A @ x` (through the CSR form).
    pub fn dot(&self, x: &Array) -> Result<Array> {
        self.to_csr()?.dot(x)
    }

    /// The `sprs` matrix (in CSC storage).
    pub fn to_sprs<T: Value>(&self) -> Result<sprs::CsMat<T>> {
        Ok(self.t.to_sprs::<T>()?.transpose_into())
    }
}

impl SparseMatrix for CscMatrix {
    fn shape(&self) -> [usize; 2] {
        let [n, m] = self.t.shape();
        [m, n]
    }
    fn nnz(&self) -> usize {
        self.t.nnz()
    }
    fn dtype(&self) -> Type {
        self.t.dtype()
    }
    fn format(&self) -> &'static str {
        "csc"
    }
    fn to_csr(&self) -> Result<CsrMatrix> {
        self.t.transpose()
    }
}

// ------------------------------------------------------------------------------- COO

/// A sparse matrix as `(row, col, value)` triplets, in any order, duplicates allowed.
#[derive(Clone)]
pub struct CooMatrix {
    sp: Arc<Sparse>,
    shape: [usize; 2],
    row: Array,
    col: Array,
    data: Array,
}

impl std::fmt::Debug for CooMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<{}x{} sparse array of type {} with {} stored elements in COOrdinate format>",
            self.shape[0],
            self.shape[1],
            self.data.dtype(),
            self.data.size()
        )
    }
}

impl CooMatrix {
    /// The matrix of triplets (checked against the shape; kept as given).
    pub fn from_triplets<T: Value>(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        rows: &[i64],
        cols: &[i64],
        vals: &[T],
    ) -> Result<CooMatrix> {
        check_triplets(shape, rows, cols, vals.len())?;
        let d = &sp.dense;
        let nnz = rows.len();
        // Checked against the shape, so they fit the index type of these sizes.
        let it = index_type(shape, nnz);
        let indices = |v: &[i64]| {
            index_store(sp.runtime(), v.to_vec(), &[nnz as u64], it)
                .map(|s| Array::from_store(d, s))
        };
        Ok(CooMatrix {
            sp: Arc::clone(sp),
            shape,
            row: indices(rows)?,
            col: indices(cols)?,
            data: d.from_vec(vals.to_vec(), &[nnz])?,
        })
    }

    /// The matrix of three 1-D arrays of one length, kept as given when `row` and `col`
    /// are both `int32` or both `int64` (nothing is copied), else with both widened to
    /// `int64`. The indices are checked against the shape by [`SparseMatrix::to_csr`].
    pub fn from_arrays(
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        row: Array,
        col: Array,
        data: Array,
    ) -> Result<CooMatrix> {
        let nnz = data.size();
        for (name, a) in [("row", &row), ("col", &col), ("data", &data)] {
            if a.ndim() != 1 || a.size() != nnz {
                return Err(Error::InvalidArgument {
                    what: format!(
                        "COO {name} must be 1-D with {nnz} entries, not of shape {:?}",
                        a.shape()
                    ),
                });
            }
        }
        for a in [&row, &col] {
            if !matches!(a.dtype(), Type::Int32 | Type::Int64) {
                return Err(Error::TypeMismatch {
                    expected: Type::Int64,
                    found: a.dtype(),
                });
            }
        }
        let (row, col) = if row.dtype() == col.dtype() {
            (row, col)
        } else {
            let widen = |a: Array| match a.dtype() {
                Type::Int64 => Ok(a),
                _ => a.astype(Type::Int64),
            };
            (widen(row)?, widen(col)?)
        };
        check_value_type("coo_array", data.dtype())?;
        Ok(CooMatrix {
            sp: Arc::clone(sp),
            shape,
            row,
            col,
            data,
        })
    }

    /// The COO form of `a`: its column indices and values are shared, the row of every
    /// entry is written by one launch over `a`'s rows.
    pub fn from_csr(a: &CsrMatrix) -> Result<CooMatrix> {
        let sp = a.sparse();
        let rt = sp.runtime();
        let rows = rt.create_store(a.index_type(), &[a.nnz() as u64])?;
        if a.nnz() > 0 {
            let mut t = rt.create_auto_task(&sp.lib, ids::EXPAND_ROWS)?;
            let p = t.add_input(a.pos());
            let o = t.add_output(&rows);
            t.add_constraint(legate_core::broadcast(p, &[1]));
            t.add_constraint(image(p, o, ImageKind::FirstLast));
            t.execute()?;
        }
        Ok(CooMatrix {
            sp: Arc::clone(sp),
            shape: a.shape(),
            row: Array::from_store(&sp.dense, rows),
            col: a.indices(),
            data: a.data().clone(),
        })
    }

    /// The row index of every entry.
    pub fn row(&self) -> &Array {
        &self.row
    }

    /// The column index of every entry.
    pub fn col(&self) -> &Array {
        &self.col
    }

    /// The values.
    pub fn data(&self) -> &Array {
        &self.data
    }

    /// The triplets, read back to this thread.
    pub fn to_triplets<T: Value>(&self) -> Result<(Vec<i64>, Vec<i64>, Vec<T>)> {
        Ok((
            index_vec(&self.row)?,
            index_vec(&self.col)?,
            self.data.to_vec::<T>()?,
        ))
    }

    /// The transpose (rows and columns swapped; nothing moves).
    pub fn transpose(&self) -> CooMatrix {
        CooMatrix {
            sp: Arc::clone(&self.sp),
            shape: [self.shape[1], self.shape[0]],
            row: self.col.clone(),
            col: self.row.clone(),
            data: self.data.clone(),
        }
    }
}

fn coo_to_csr<T: Value>(m: &CooMatrix) -> Result<CsrMatrix> {
    let (r, c, v) = m.to_triplets::<T>()?;
    CsrMatrix::from_triplets(&m.sp, m.shape, &r, &c, &v)
}

impl SparseMatrix for CooMatrix {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }
    fn nnz(&self) -> usize {
        self.data.size()
    }
    fn dtype(&self) -> Type {
        self.data.dtype()
    }
    fn format(&self) -> &'static str {
        "coo"
    }
    fn to_csr(&self) -> Result<CsrMatrix> {
        let ty = self.dtype();
        check_value_type("tocsr", ty)?;
        dispatch_value!(ty, coo_to_csr(self), t => Err(Error::UnsupportedType { op: "tocsr", ty: t }))
    }
}

// ------------------------------------------------------------------------------- DIA

/// A sparse matrix by diagonals (SciPy's `dia_array((data, offsets), shape)`).
#[derive(Clone, Debug)]
pub struct DiaMatrix {
    csr: CsrMatrix,
    offsets: Vec<i64>,
    data: Array,
    stored: usize,
}

impl DiaMatrix {
    /// `dia_array((data, offsets), shape)`: row `i` of `data` (`offsets.len() x L`) on
    /// diagonal `offsets[i]`, with `data[i][j]` at column `j`.
    pub fn new<T: Value>(
        sp: &Arc<Sparse>,
        data: &[Vec<T>],
        offsets: &[i64],
        shape: [usize; 2],
    ) -> Result<DiaMatrix> {
        let width = data.first().map_or(0, Vec::len);
        if data.iter().any(|row| row.len() != width) {
            return Err(Error::InvalidArgument {
                what: "the rows of DIA data differ in length".into(),
            });
        }
        let csr = sp.spdiags(data, offsets, shape)?;
        let flat: Vec<T> = data.iter().flatten().copied().collect();
        // SciPy's nnz: the positions of `data` inside the matrix, zeros included.
        let stored = offsets
            .iter()
            .map(|&k| {
                let cols = k.max(0)..(shape[0] as i64 + k).min(shape[1] as i64).min(width as i64);
                cols.count()
            })
            .sum();
        Ok(DiaMatrix {
            csr,
            offsets: offsets.to_vec(),
            data: sp.dense.from_vec(flat, &[data.len(), width])?,
            stored,
        })
    }

    /// The DIA form of `a`: one row of `data` per diagonal that holds an entry.
    pub fn from_csr(a: &CsrMatrix) -> Result<DiaMatrix> {
        let ty = a.dtype();
        dispatch_value!(ty, dia_from_csr(a), t => Err(Error::UnsupportedType { op: "todia", ty: t }))
    }

    /// The diagonals' offsets.
    pub fn offsets(&self) -> &[i64] {
        &self.offsets
    }

    /// The `offsets.len() x L` values (SciPy's `data`).
    pub fn data(&self) -> &Array {
        &self.data
    }

    /// `A @ x` (through the CSR form, which the matrix keeps).
    pub fn dot(&self, x: &Array) -> Result<Array> {
        self.csr.dot(x)
    }
}

fn dia_from_csr<T: Value>(a: &CsrMatrix) -> Result<DiaMatrix> {
    let [m, n] = a.shape();
    let (r, c, v) = a.to_triplets::<T>()?;
    let mut offsets: Vec<i64> = r.iter().zip(&c).map(|(&i, &j)| j - i).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut data = vec![vec![T::ZERO; n]; offsets.len()];
    for ((&i, &j), &x) in r.iter().zip(&c).zip(&v) {
        let Ok(d) = offsets.binary_search(&(j - i)) else {
            continue;
        };
        data[d][j as usize] = x;
    }
    DiaMatrix::new(a.sparse(), &data, &offsets, [m, n])
}

impl SparseMatrix for DiaMatrix {
    fn shape(&self) -> [usize; 2] {
        self.csr.shape()
    }
    fn nnz(&self) -> usize {
        self.stored
    }
    fn dtype(&self) -> Type {
        self.csr.dtype()
    }
    fn format(&self) -> &'static str {
        "dia"
    }
    fn to_csr(&self) -> Result<CsrMatrix> {
        Ok(self.csr.clone())
    }
}

impl CsrMatrix {
    /// `A.tocsc()`.
    pub fn to_csc(&self) -> Result<CscMatrix> {
        CscMatrix::from_csr(self)
    }

    /// `A.tocoo()`.
    pub fn to_coo(&self) -> Result<CooMatrix> {
        CooMatrix::from_csr(self)
    }

    /// `A.todia()`.
    pub fn to_dia(&self) -> Result<DiaMatrix> {
        DiaMatrix::from_csr(self)
    }
}
