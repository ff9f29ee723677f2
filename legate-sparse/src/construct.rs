//! Constructors with SciPy's meanings: `eye`, `identity`, `diags`, `spdiags`, `random`,
//! `kron`.
//!
//! Each builds the canonical rows directly (no sort) on the calling thread and then
//! distributes them as stores, which the next launch cuts by rows. `random` draws from
//! a Philox counter-based generator, so its matrix depends on the seed only.

use std::collections::HashSet;
use std::sync::Arc;

use legate_core::{Error, Result, Type};
use legate_dense::philox::Philox;

use crate::context::Sparse;
use crate::csr::{check_value_type, invalid, CsrMatrix};
use crate::value::{dispatch_value, Value};

/// The length of diagonal `k` of an `m x n` matrix, and the position of its first entry.
fn diagonal_extent(k: i64, [m, n]: [usize; 2]) -> (usize, usize, usize) {
    let (r0, c0) = ((-k).max(0) as usize, k.max(0) as usize);
    let len = if r0 >= m || c0 >= n {
        0
    } else {
        (m - r0).min(n - c0)
    };
    (len, r0, c0)
}

impl Sparse {
    /// `scipy.sparse.eye(m, n, k, dtype)`: ones on diagonal `k` of an `m x n` matrix.
    pub fn eye(
        self: &Arc<Self>,
        m: usize,
        n: Option<usize>,
        k: i64,
        ty: Type,
    ) -> Result<CsrMatrix> {
        check_value_type("eye", ty)?;
        dispatch_value!(ty, eye_typed(self, [m, n.unwrap_or(m)], k), t => Err(Error::UnsupportedType { op: "eye", ty: t }))
    }

    /// `scipy.sparse.identity(n, dtype)`.
    pub fn identity(self: &Arc<Self>, n: usize, ty: Type) -> Result<CsrMatrix> {
        self.eye(n, None, 0, ty)
    }

    /// `scipy.sparse.diags(diagonals, offsets, shape)` in CSR form: `diagonals[i]` goes on
    /// diagonal `offsets[i]` (above the main one for positive offsets); a diagonal of one
    /// value is repeated along its whole length. Zeros are not stored (as SciPy's
    /// conversion from DIA).
    pub fn diags<T: Value>(
        self: &Arc<Self>,
        diagonals: &[Vec<T>],
        offsets: &[i64],
        shape: [usize; 2],
    ) -> Result<CsrMatrix> {
        if diagonals.len() != offsets.len() {
            return Err(invalid(format!(
                "{} diagonals given for {} offsets",
                diagonals.len(),
                offsets.len()
            )));
        }
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        if order.windows(2).any(|w| offsets[w[0]] == offsets[w[1]]) {
            return Err(invalid("an offset appears twice"));
        }
        for (d, &k) in diagonals.iter().zip(offsets) {
            let (len, ..) = diagonal_extent(k, shape);
            if d.len() != len && d.len() != 1 {
                return Err(invalid(format!(
                    "diagonal {k} has {} values; it needs {len} (or 1, repeated)",
                    d.len()
                )));
            }
        }
        let [m, n] = shape;
        let (mut pos, mut crd, mut vals) = (Vec::with_capacity(2 * m), Vec::new(), Vec::new());
        for r in 0..m {
            let lo = crd.len() as i64;
            for &i in &order {
                let (len, r0, c0) = diagonal_extent(offsets[i], shape);
                if r < r0 || r - r0 >= len {
                    continue;
                }
                let d = &diagonals[i];
                let v = if d.len() == 1 { d[0] } else { d[r - r0] };
                if !v.is_zero() {
                    crd.push((c0 + r - r0) as i64);
                    vals.push(v);
                }
            }
            pos.extend([lo, crd.len() as i64]);
        }
        let _ = n;
        CsrMatrix::from_host_parts(self, shape, pos, crd, vals)
    }

    /// `scipy.sparse.spdiags(data, diags, m, n)`: row `i` of `data` on diagonal
    /// `diags[i]`, with `data[i][j]` at column `j` (so its first values are cut off
    /// below the main diagonal and its last ones above it).
    pub fn spdiags<T: Value>(
        self: &Arc<Self>,
        data: &[Vec<T>],
        diags: &[i64],
        [m, n]: [usize; 2],
    ) -> Result<CsrMatrix> {
        if data.len() != diags.len() {
            return Err(invalid("spdiags needs one row of data per diagonal"));
        }
        let diagonals: Vec<Vec<T>> = data
            .iter()
            .zip(diags)
            .map(|(row, &k)| {
                let (len, _, c0) = diagonal_extent(k, [m, n]);
                (c0..c0 + len)
                    .map(|j| row.get(j).copied().unwrap_or(T::ZERO))
                    .collect()
            })
            .collect();
        self.diags(&diagonals, diags, [m, n])
    }

    /// `scipy.sparse.random(m, n, density, dtype, random_state=seed)`: `round(density *
    /// m * n)` distinct positions drawn uniformly, with values uniform in `[0, 1)` (the
    /// whole range of the type for integers).
    ///
    /// ```
    /// # use legate_core::{Runtime, Type};
    /// # use legate_dense::Dense;
    /// # use legate_sparse::Sparse;
    /// # let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
    /// let a = sp.random(100, 50, 0.1, 42, Type::Float64).unwrap();
    /// assert_eq!(a.nnz(), 500);
    /// // The same matrix for the same seed, whatever the machine.
    /// let b = sp.random(100, 50, 0.1, 42, Type::Float64).unwrap();
    /// assert_eq!(a.to_triplets::<f64>().unwrap(), b.to_triplets::<f64>().unwrap());
    /// ```
    pub fn random(
        self: &Arc<Self>,
        m: usize,
        n: usize,
        density: f64,
        seed: u64,
        ty: Type,
    ) -> Result<CsrMatrix> {
        if !(0.0..=1.0).contains(&density) {
            return Err(invalid(format!("density {density} is not in [0, 1]")));
        }
        check_value_type("random", ty)?;
        let total = m as u64 * n as u64;
        let k = (density * total as f64).round() as u64;
        let picks = distinct_positions(&Philox::with_stream(seed, 0), total, k);
        let values = Philox::with_stream(seed, 1);
        dispatch_value!(ty, random_typed(self, [m, n], &picks, &values), t => Err(Error::UnsupportedType { op: "random", ty: t }))
    }

    /// `scipy.sparse.rand(m, n, density, dtype, random_state=seed)`: the same as
    /// [`random`](Self::random).
    pub fn rand(
        self: &Arc<Self>,
        m: usize,
        n: usize,
        density: f64,
        seed: u64,
        ty: Type,
    ) -> Result<CsrMatrix> {
        self.random(m, n, density, seed, ty)
    }

    /// `scipy.sparse.kron(a, b)`: block `(i, j)` is `a[i, j] * b`.
    pub fn kron(self: &Arc<Self>, a: &CsrMatrix, b: &CsrMatrix) -> Result<CsrMatrix> {
        let ty = legate_dense::dtype::promote_types(a.dtype(), b.dtype());
        check_value_type("kron", ty)?;
        let (a, b) = (a.astype(ty)?, b.astype(ty)?);
        dispatch_value!(ty, kron_typed(self, &a, &b), t => Err(Error::UnsupportedType { op: "kron", ty: t }))
    }
}

fn eye_typed<T: Value>(sp: &Arc<Sparse>, shape: [usize; 2], k: i64) -> Result<CsrMatrix> {
    if diagonal_extent(k, shape).0 == 0 {
        return sp.diags::<T>(&[], &[], shape);
    }
    sp.diags(&[vec![T::ONE]], &[k], shape)
}

/// `k` distinct numbers below `total`, sorted: drawn one by one and redrawn on repeats,
/// or, past half the positions, the complement of `total - k` drawn that way.
fn distinct_positions(rng: &Philox, total: u64, k: u64) -> Vec<u64> {
    let complement = k > total / 2;
    let want = if complement { total - k } else { k };
    let mut chosen = HashSet::with_capacity(want as usize);
    let mut i = 0;
    while (chosen.len() as u64) < want {
        chosen.insert(rng.u64_at(i) % total);
        i += 1;
    }
    let mut out: Vec<u64> = if complement {
        (0..total).filter(|p| !chosen.contains(p)).collect()
    } else {
        chosen.into_iter().collect()
    };
    out.sort_unstable();
    out
}

/// The values of a random matrix: uniform in `[0, 1)` for floats (complex: the real
/// part), the whole range of the type for integers.
trait Draw: Value {
    fn draws(rng: &Philox, n: usize) -> Vec<Self> {
        let mut u = vec![0.0; n];
        rng.fill_uniform_f64(0, &mut u);
        u.into_iter().map(Self::from_f64).collect()
    }
}

impl Draw for f64 {}
impl Draw for f32 {}
impl Draw for legate_core::num_complex::Complex<f64> {}
impl Draw for legate_core::num_complex::Complex<f32> {}

fn integer_draws(rng: &Philox, n: usize) -> Vec<u64> {
    let mut w = vec![0u64; n];
    rng.fill_u64(0, &mut w);
    w
}

impl Draw for i64 {
    fn draws(rng: &Philox, n: usize) -> Vec<Self> {
        integer_draws(rng, n)
            .into_iter()
            .map(|w| w as i64)
            .collect()
    }
}

impl Draw for i32 {
    fn draws(rng: &Philox, n: usize) -> Vec<Self> {
        integer_draws(rng, n)
            .into_iter()
            .map(|w| w as i32)
            .collect()
    }
}

fn random_typed<T: Draw>(
    sp: &Arc<Sparse>,
    [m, n]: [usize; 2],
    picks: &[u64],
    values: &Philox,
) -> Result<CsrMatrix> {
    let mut pos = Vec::with_capacity(2 * m);
    let mut crd = Vec::with_capacity(picks.len());
    let mut at = 0;
    for r in 0..m as u64 {
        let lo = at;
        while at < picks.len() && picks[at] / n as u64 == r {
            crd.push((picks[at] % n as u64) as i64);
            at += 1;
        }
        pos.extend([lo as i64, at as i64]);
    }
    let vals = T::draws(values, picks.len());
    CsrMatrix::from_host_parts(sp, [m, n], pos, crd, vals)
}

fn kron_typed<T: Value>(sp: &Arc<Sparse>, a: &CsrMatrix, b: &CsrMatrix) -> Result<CsrMatrix> {
    let ([ma, na], [mb, nb]) = (a.shape(), b.shape());
    let (pa, ca, va) = a.host_parts::<T>()?;
    let (pb, cb, vb) = b.host_parts::<T>()?;
    let (m, n) = (ma * mb, na * nb);
    let (mut pos, mut crd, mut vals) = (Vec::with_capacity(2 * m), Vec::new(), Vec::new());
    for ia in 0..ma {
        let ra = pa[ia] as usize..pa[ia + 1] as usize;
        for ib in 0..mb {
            let rb = pb[ib] as usize..pb[ib + 1] as usize;
            let lo = crd.len() as i64;
            for ka in ra.clone() {
                for kb in rb.clone() {
                    crd.push(ca[ka] * nb as i64 + cb[kb]);
                    vals.push(va[ka] * vb[kb]);
                }
            }
            pos.extend([lo, crd.len() as i64]);
        }
    }
    CsrMatrix::from_host_parts(sp, [m, n], pos, crd, vals)
}
