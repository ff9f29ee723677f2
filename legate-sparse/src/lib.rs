//! legate-sparse: sparse matrices as Legate stores, composing with `legate-dense` arrays
//! without shuffles.
//!
//! A [`CsrMatrix`] is three stores: `pos` (each row's range into the other two), `crd`
//! (column indices) and `vals`. A dense vector made by legate-dense goes into
//! `A.dot(&x)` and the result comes back as a legate-dense array cut like the matrix's
//! rows; the runtime moves only the part of `x` each piece's column indices name (an
//! image partition, computed once and cached by the version of `crd`).
//!
//! ```
//! use legate_core::Runtime;
//! use legate_dense::Dense;
//! use legate_sparse::{CsrMatrix, Sparse};
//!
//! let sp = Sparse::new(&Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap()).unwrap();
//! let a = sp.diags(&[vec![-1.0], vec![2.0], vec![-1.0]], &[-1, 0, 1], [4, 4]).unwrap();
//! let x = sp.dense().ones(&[4], legate_core::Type::Float64).unwrap();
//! assert_eq!(a.dot(&x).unwrap().to_vec::<f64>().unwrap(), vec![1.0, 0.0, 0.0, 1.0]);
//! ```
//!
//! # How the work is cut
//!
//! Every operation over a matrix's rows is one launch (or two when the size of its
//! result must be counted first: `A + B`, `A @ B`, conversion from dense). The runtime
//! cuts `pos` by rows; the image of each piece's rows cuts `crd` and `vals`; the image of
//! a piece's column indices cuts the dense vector of `A @ x`. Images are cached by the
//! version of their source, so a solver's loop computes them once and, on one rank,
//! copies no data at all (the test `iterating_moves_no_data_and_computes_no_image_again`
//! counts it over 20 power iterations and 20 CG iterations on 4 CPUs).
//!
//! # The SpMV kernel and CG
//!
//! `A @ x` walks each piece's rows in blocks of 256. Where a block's rows lie back to back
//! in `crd` and `vals` (every matrix built from an `indptr`), it checks the block's
//! positions once and then reads them without a check per entry, two rows at a time, asking
//! for the lines of `vals`, `crd` and `pos` a few KiB ahead of their use: the hardware's
//! prefetchers alone left one core well short of the memory's bandwidth on the five
//! streams of an SpMV. A block of long rows (8 entries or more a row on average, as in a
//! scattered matrix, whose reads of `x` miss the cache) is summed one row at a time
//! instead, which keeps more of those reads in flight: 1.4x on the power iteration's
//! random matrix of 21 entries a row. Rows not back to back are taken one at a time, with
//! checks.
//!
//! # The diagonal form
//!
//! A square `float32` or `float64` matrix with few diagonals (a stencil's: the 2-D
//! Poisson matrix has five) gets a second layout for its products: one store per
//! diagonal, each holding the diagonal's value for every row (zero where a row stores
//! none). `y[i] = sum_d values[d][i] * x[i + offset[d]]` then reads no column index and
//! no row position, and sums eight rows at a time in registers over the diagonals. When
//! every value of a `float64` matrix is a `float32` number exactly, the form stores them
//! as `float32` and the products widen them back. The results are the CSR kernel's bit
//! for bit: the same additions in the same order, and a row whose sum meets an infinite
//! or NaN `x` next to a missing entry is summed again from its stored entries.
//!
//! - It is made on the second product (`A @ x`, CG's `A p`) with the same contents of
//!   `pos`, `crd` and `vals` (by their versions: a write to any of them is seen), by two
//!   launches over the rows: one lists the diagonals (at most 32) and checks the values,
//!   one writes the form when it moves at most nine tenths of the CSR stores' bytes.
//! - It costs memory beside the CSR stores: one value per row and diagonal (80 MB for
//!   the 4e6-row Poisson matrix in `float32`, against 272 MB of CSR stores). It is made
//!   only when that is at most half of the system memory left (`--sysmem` less what live
//!   instances hold).
//! - On that matrix an SpMV moves 144 MB instead of 336 MB, and runs 2.0x to 2.4x faster
//!   than the CSR kernel; CG runs 1.5x faster (`bench/README.md`).
//! - [`CsrMatrix::has_diagonal_form`] and [`CsrMatrix::diagonal_form_type`] say whether a
//!   matrix has one; `LEGATE_SPARSE_DIAGONALS=0` or [`Sparse::set_diagonal_forms`] turns
//!   it off (every product then reads the CSR stores).
//!
//! [`linalg::cg`] without a preconditioner makes three passes over memory per iteration,
//! which read or write ten vectors besides the matrix, where the plain loop's five passes
//! move fourteen: `q = A p` computes `p @ q` in the same launch, each
//! block's part while it is in cache ([`CsrMatrix::dot_and_vdot`]); `r -= alpha q` folds
//! `r @ r`, which is both the next `rho` and the squared residual norm of the stopping
//! test; and `x += alpha p` waits for the next pass over `p` (`p = r + beta p`), unless a
//! callback looks at `x` after each iteration. Each vector update (`r - alpha q`,
//! `p beta + r`, `x + alpha p`) runs as one composed kernel over its three inputs
//! (legate-core's composition of described kernels); those of `r` and `x` write straight
//! into the vector they update, that of `p` (which the update of `x` also reads) through a
//! block in cache. The iterates are the same as the textbook loop's.
//!
//! Some steps run as one piece, said here so nothing surprises:
//! - `transpose` (and so `tocsc`): a counting sort in one task (linear in the entries);
//! - `A @ B` (SpGEMM) cuts the rows of `A` and gives every piece all of `B`;
//! - `A @ X` for a dense matrix `X` (SpMM) gives every piece all of `X`;
//! - the constructors (`eye`, `diags`, `random`, `kron`), COO to CSR and DIA conversions,
//!   Matrix Market files and `from_triplets`/`from_sprs` build or read the matrix on the
//!   calling thread, then distribute it (as SciPy builds it in one process);
//! - `spsolve` is a dense LU (one single-piece task of legate-dense) of the densified
//!   matrix: for systems that fit as dense; the iterative solvers scale.
//!
//! # Index types
//!
//! `pos` and `crd` are `int32` wherever the rows, the columns and the number of entries
//! all fit in it, and `int64` beyond ([`index_type`], SciPy's rule; upstream Legate uses
//! `int64` always). A matrix then takes a quarter less memory (the 2-D Poisson matrix of a
//! 2000 x 2000 grid: 336 MB instead of 448 MB, which is also what an SpMV must move), and
//! `indices`, `indptr`, COO's `row` and `col` have SciPy's types. An SpMV with `int32`
//! indices runs 1.2x to 1.35x faster than with `int64` on the development machine
//! (`bench/README.md`), about the ratio of the bytes each moves.
//! [`CsrMatrix::with_index_type`] converts; an operation on matrices of two index types
//! computes in the wider one, and a result whose size no longer fits `int32` gets `int64`
//! indices.
//!
//! # From SciPy to legate-sparse
//!
//! `sp` is an `Arc<Sparse>` (`Sparse::new(&dense)` or `Sparse::global()`), `A` a
//! [`CsrMatrix`], `x` a legate-dense [`Array`](legate_dense::Array).
//!
//! | SciPy | legate-sparse |
//! |---|---|
//! | `csr_array((data, (row, col)), shape)` | `CsrMatrix::from_triplets(&sp, shape, &row, &col, &data)?` |
//! | `csr_array((data, indices, indptr), shape)` | `CsrMatrix::from_csr_vecs(&sp, shape, &indptr, &indices, &data)?` |
//! | `csr_array(dense)`, `A.toarray()` | `CsrMatrix::from_dense(&sp, &d)?`, `A.to_dense()?` |
//! | from/to a Rust `sprs::CsMat` | `CsrMatrix::from_sprs(&sp, &m)?`, `A.to_sprs::<f64>()?` |
//! | `A.shape`, `A.nnz`, `A.dtype`, `A.format` | `A.shape()`, `A.nnz()`, `A.dtype()`, `SparseMatrix::format(&A)` |
//! | `A.data`, `A.indices`, `A.indptr` | `A.data()`, `A.indices()`, `A.indptr()?` |
//! | `A.tocsc()`, `A.tocoo()`, `A.todia()`, `B.tocsr()` | `A.to_csc()?`, `A.to_coo()?`, `A.to_dia()?`, `B.to_csr()?` ([`SparseMatrix`]) |
//! | `csc_array(...)`, `coo_array(...)`, `dia_array((data, offsets), shape)` | `CscMatrix::from_triplets`, `CooMatrix::from_triplets`, `DiaMatrix::new(&sp, &data, &offsets, shape)?` |
//! | `sp.eye(m, n, k)`, `sp.identity(n)` | `sp.eye(m, Some(n), k, Type::Float64)?`, `sp.identity(n, ty)?` |
//! | `sp.diags(diagonals, offsets, shape)`, `sp.spdiags(data, diags, m, n)` | `sp.diags(&diagonals, &offsets, shape)?`, `sp.spdiags(&data, &diags, [m, n])?` |
//! | `sp.random(m, n, density, random_state=s)`, `sp.rand(...)` | `sp.random(m, n, density, s, Type::Float64)?` |
//! | `sp.kron(A, B)` | `sp.kron(&a, &b)?` |
//! | `A @ x`, `A @ X`, `A @ B` | `A.dot(&x)?` (SpMV), `A.dot(&X)?` (SpMM), `A.matmul(&B)?` (SpGEMM) |
//! | `A + B`, `A - B`, `A.multiply(B)` | `A.add(&B)?`, `A.sub(&B)?`, `A.multiply(&B)?` |
//! | `A * s`, `A / s`, `-A`, `abs(A)`, `A.conj()`, `A.power(p)` | `A.mul_scalar(s)?`, `A.div_scalar(s)?`, `A.neg()?`, `A.abs()?`, `A.conj()?`, `A.power(p)?` |
//! | `A.T`, `A.diagonal(k)` | `A.transpose()?`, `A.diagonal(k)?` |
//! | `A.sum()`, `A.sum(axis=0)`, `A.sum(axis=1)` | `A.sum(None)?`, `A.sum(Some(0))?`, `A.sum(Some(1))?` (1-D results) |
//! | `sp.linalg.norm(A)`, `norm(A, 1)`, `norm(A, np.inf)` | `A.norm(None)?`, `A.norm(Some(1.0))?`, `A.norm(Some(f64::INFINITY))?` |
//! | `A.astype(t)`, `A.copy()` | `A.astype(t)?`, `A.copy()?` |
//! | `linalg.cg(A, b, x0, rtol=, atol=, maxiter=, M=, callback=)` | `linalg::cg(&A, &b, x0, SolverOptions { .. })?` |
//! | `linalg.bicgstab(...)`, `linalg.gmres(..., restart=)` | `linalg::bicgstab(&A, &b, x0, opts)?`, `linalg::gmres(&A, &b, x0, restart, opts)?` |
//! | `linalg.eigsh(A, k, which='LM', v0=, ncv=, tol=)` | `linalg::eigsh(&A, k, Which::LargestMagnitude, v0, ncv, tol)?` |
//! | `linalg.spsolve(A, b)` | `linalg::spsolve(&A, &b)?` |
//! | `linalg.LinearOperator(shape, matvec, dtype=)` | `linalg::FnOperator::new(shape, dtype, matvec)` (trait [`linalg::LinearOperator`]) |
//! | `scipy.io.mmread(path)`, `mmwrite(path, A)` | `io::mmread(&sp, path)?`, `io::mmwrite(path, &A)?` (`io::mmwrite_dense` for arrays) |
//!
//! Values may be `int32`, `int64`, `float32`, `float64`, `complex64` or `complex128`;
//! mixed operands promote as NumPy does. Sums of zero (in `A + B`, `A - B`,
//! `A.multiply(B)`, `A @ B`) are not stored, as in SciPy; explicit zeros given by the
//! user are kept. Bad input is a typed [`legate_core::Error`], never a panic.

mod construct;
mod context;
mod csr;
mod diagonals;
mod formats;
pub mod io;
pub mod linalg;
mod tasks;
mod value;

pub use context::{Sparse, LIBRARY_NAME};
pub use csr::CsrMatrix;
pub use formats::{CooMatrix, CscMatrix, DiaMatrix, SparseMatrix};
pub use value::{index_type, is_value_type, Value};
