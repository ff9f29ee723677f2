//! The diagonal form of a CSR matrix: its values by diagonal, made for SpMV when the
//! matrix has few diagonals (the matrices of finite differences and other stencils).
//!
//! The CSR kernel reads a column index and a value per entry and two positions per row;
//! on the 2-D Poisson matrix that is 12 bytes per entry plus 8 per row, and the loop over
//! a row's five entries costs the core about as much as the memory does. By diagonal,
//! `y[i] = sum_d values[d][i] * x[i + offsets[d]]`: 8 bytes per stored position, no
//! index, and each diagonal one vectorized pass over a block of rows in cache.
//!
//! A matrix is looked at on its second product with the same contents (the versions of
//! `pos`, `crd` and `vals`, [`LogicalStore::contents_version`]), so a single product never
//! pays for it. One launch lists each piece's distinct diagonals, at most
//! [`MAX_DIAGONALS`], and whether every value of a `float64` matrix is a `float32`
//! exactly (integers and simple fractions, as in most stencils); the form then stores
//! `float32` values, which the products widen back. When the form would move at most nine
//! tenths of the CSR stores' bytes, a second launch writes it (one store per diagonal,
//! cut like the rows). Every
//! later product of those contents reads the form instead of `crd` and `vals`, with the
//! CSR kernel's results bit for bit (`tasks.rs`, `dia_block`). A write to any of the three
//! stores changes their version, and the next products start over.
//!
//! The form costs memory: one value per row and diagonal, beside the CSR stores it leaves
//! in place. It is made only when it takes at most half of the system memory left
//! (`--sysmem` less what live instances hold), so it never fails a program. `LEGATE_SPARSE_DIAGONALS=0` or [`Sparse::set_diagonal_forms`] turns it off.

use std::sync::{Arc, Mutex};

use legate_core::{
    align, image, AutoTask, ImageKind, LogicalStore, ReductionOp, Result, Type, Variable,
};
use legate_dense::Array;

use crate::csr::CsrMatrix;
use crate::tasks::ids;
#[cfg(doc)]
use crate::Sparse;

/// The most diagonals a form may have (a 3-D 27-point stencil has 27).
pub(crate) const MAX_DIAGONALS: usize = 32;

/// A matrix's values by diagonal: `values[d]` holds, for each row `i`, the entry at
/// column `i + offsets[d]`, zero where row `i` stores none there (of the matrix's type,
/// or `float32` when each value of a `float64` matrix is one exactly).
pub(crate) struct DiagonalForm {
    offsets: Vec<i64>,
    values: Vec<Array>,
}

/// The versions of `pos`, `crd` and `vals` a form was made from.
type Key = [(u64, u64); 3];

/// What a matrix (and its clones) knows of its diagonal form.
#[derive(Default)]
pub(crate) struct DiagonalCache {
    state: Mutex<State>,
}

#[derive(Default)]
enum State {
    /// No product yet.
    #[default]
    Unseen,
    /// One product with these contents.
    Seen(Key),
    /// The form of these contents, or `None` when they do not have one worth making.
    Made(Key, Option<Arc<DiagonalForm>>),
}

impl DiagonalForm {
    /// Adds the form's stores as inputs aligned with `rows` (the product's result) and
    /// its offsets as the scalar arguments (the tasks read them all).
    pub(crate) fn add_to(&self, t: &mut AutoTask<'_>, rows: Variable) {
        for v in &self.values {
            let d = t.add_input(v.store());
            t.add_constraint(align(rows, d));
        }
        for &o in &self.offsets {
            t.add_scalar_arg(o);
        }
    }
}

impl CsrMatrix {
    /// The diagonal form to multiply a vector with: made on the second product with the
    /// same contents, `None` before, for matrices without one worth making, when the
    /// library's switch is off, and for matrices that are not square or not of
    /// `float32`/`float64` values.
    pub(crate) fn diagonal_form(&self) -> Result<Option<Arc<DiagonalForm>>> {
        let [rows, cols] = self.shape;
        if !self.sp.diagonal_forms()
            || rows != cols
            || self.nnz == 0
            || !matches!(self.dtype(), Type::Float32 | Type::Float64)
        {
            return Ok(None);
        }
        let key = [
            self.pos.contents_version()?,
            self.crd.contents_version()?,
            self.vals.store().contents_version()?,
        ];
        let mut state = self
            .diagonals
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match &*state {
            State::Made(k, form) if *k == key => return Ok(form.clone()),
            State::Seen(k) if *k == key => {}
            _ => {
                *state = State::Seen(key);
                return Ok(None);
            }
        }
        let form = self.make_diagonal_form()?.map(Arc::new);
        *state = State::Made(key, form.clone());
        Ok(form)
    }

    /// Whether the matrix's products read a diagonal form now (made by earlier products:
    /// see the crate docs).
    pub fn has_diagonal_form(&self) -> bool {
        self.diagonal_form_type().is_some()
    }

    /// The type of the values the diagonal form stores, when the matrix has one:
    /// `float32` for a `float64` matrix whose values are all `float32` numbers exactly
    /// (the products widen them back, so the results do not change).
    pub fn diagonal_form_type(&self) -> Option<Type> {
        let state = self
            .diagonals
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match &*state {
            State::Made(_, Some(form)) => form.values.first().map(Array::dtype),
            _ => None,
        }
    }

    /// Lists the diagonals and, when the form is worth it, writes it.
    fn make_diagonal_form(&self) -> Result<Option<DiagonalForm>> {
        let rt = self.sp.runtime();
        let found = rt.create_unbound_store(Type::Int64);
        let exact = rt.create_unbound_store(Type::Int64);
        let mut t = self.task(ids::DIA_OFFSETS)?;
        self.add_rows(&mut t);
        t.add_output(&found);
        t.add_output(&exact);
        t.add_scalar_arg(MAX_DIAGONALS as i64);
        t.execute()?;
        let mut offsets = found.read::<i64>()?.iter().copied().collect::<Vec<_>>();
        if offsets.contains(&i64::MIN) {
            return Ok(None);
        }
        offsets.sort_unstable();
        offsets.dedup();
        let ty = if exact.read::<i64>()?.iter().all(|&e| e == 1) {
            Type::Float32
        } else {
            self.dtype()
        };
        if offsets.is_empty()
            || offsets.len() > MAX_DIAGONALS
            || !self.form_moves_less(&offsets, ty)
        {
            return Ok(None);
        }
        // The form is a cache: it takes at most half of the system memory left, so that
        // making it never fails a program the CSR stores alone would run.
        let rows = self.shape[0];
        let bytes = (offsets.len() as u64)
            .saturating_mul(rows as u64)
            .saturating_mul(ty.size() as u64);
        let mut free = rt
            .sysmem_limit()
            .saturating_sub(rt.stats().bytes_allocated)
            .to_ne_bytes();
        // Every rank of a replicated program decides alike: by the least memory left.
        rt.comm()
            .all_reduce(&mut free, Type::UInt64, ReductionOp::Min)?;
        if bytes.saturating_mul(2) > u64::from_ne_bytes(free) {
            return Ok(None);
        }
        let values = offsets
            .iter()
            .map(|_| self.sp.dense.empty(&[rows], ty))
            .collect::<Result<Vec<_>>>()?;
        let mut t = self.task(ids::DIA_FILL)?;
        self.add_rows(&mut t);
        for v in &values {
            t.add_output(v.store());
        }
        for &o in &offsets {
            t.add_scalar_arg(o);
        }
        t.execute()?;
        Ok(Some(DiagonalForm { offsets, values }))
    }

    /// Whether a form of `offsets` with values of `ty` moves at most nine tenths of the
    /// bytes the CSR stores do in a product (values and column indices per entry, two
    /// positions per row).
    fn form_moves_less(&self, offsets: &[i64], ty: Type) -> bool {
        let value = self.dtype().size() as u128;
        let stored = ty.size() as u128;
        let index = self.pos.ty().size() as u128;
        let rows = self.shape[0] as u128;
        let csr = self.nnz as u128 * (value + index) + rows * 2 * index;
        let form = offsets.len() as u128 * rows * stored;
        form * 10 <= csr * 9
    }
}

/// Adds the inputs of a product through `form`: the matrix's rows (for the rows whose sum
/// is not finite, summed again from the stored entries), `x` through the image of the
/// columns, then `extra` (more inputs aligned with the rows), the result, and the form.
pub(crate) fn add_product_args(
    a: &CsrMatrix,
    t: &mut AutoTask<'_>,
    x: &LogicalStore,
    extra: Option<&LogicalStore>,
    y: &LogicalStore,
    form: &DiagonalForm,
) {
    let [_, c, _] = a.add_rows(t);
    let xv = t.add_input(x);
    t.add_constraint(image(c, xv, ImageKind::MinMax));
    let extra = extra.map(|e| t.add_input(e));
    let yv = t.add_output(y);
    if let Some(e) = extra {
        t.add_constraint(align(yv, e));
    }
    form.add_to(t, yv);
}
