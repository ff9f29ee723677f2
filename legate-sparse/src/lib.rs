//! legate-sparse: sparse matrices as Legate stores, composing with `legate-dense` arrays
//! without shuffles.
//!
//! A [`CsrMatrix`] is three stores: `pos` (each row's range into the other two), `crd`
//! (`int64` column indices) and `vals`. A dense vector made by legate-dense goes into
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

mod construct;
mod context;
mod csr;
mod formats;
pub mod io;
pub mod linalg;
mod tasks;
mod value;

pub use context::{Sparse, LIBRARY_NAME};
pub use csr::CsrMatrix;
pub use formats::{CooMatrix, CscMatrix, DiaMatrix, SparseMatrix};
pub use value::{is_value_type, Value};
