//! Matrix Market files (`scipy.io.mmread` / `mmwrite`): the `coordinate` format (a
//! sparse matrix) and the `array` format (a dense one), with `real`, `integer`, `complex`
//! and `pattern` fields and `general`, `symmetric`, `skew-symmetric` and `hermitian`
//! symmetry. Files are read and written on the calling thread.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use legate_core::num_complex::Complex;
use legate_core::{Error, Result, Type};
use legate_dense::Array;

use crate::context::Sparse;
use crate::formats::{CooMatrix, SparseMatrix};
use crate::value::index_vec;

/// What a Matrix Market file holds.
#[derive(Debug)]
pub enum MatrixMarket {
    /// A `coordinate` file: the entries as given (symmetric ones mirrored).
    Sparse(CooMatrix),
    /// An `array` file: the dense matrix.
    Dense(Array),
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Real,
    Integer,
    Complex,
    Pattern,
}

#[derive(Clone, Copy, PartialEq)]
enum Symmetry {
    General,
    Symmetric,
    Skew,
    Hermitian,
}

fn io_error(path: &Path, what: impl Into<String>) -> Error {
    Error::Io {
        path: path.display().to_string(),
        what: what.into(),
    }
}

/// The values of a file, in the type its field names.
enum Values {
    Real(Vec<f64>),
    Integer(Vec<i64>),
    Complex(Vec<Complex<f64>>),
}

impl Values {
    fn new(field: Field) -> Values {
        match field {
            Field::Integer => Values::Integer(Vec::new()),
            Field::Complex => Values::Complex(Vec::new()),
            Field::Real | Field::Pattern => Values::Real(Vec::new()),
        }
    }

    /// Appends the value parsed from `words`; `mirror` appends its mirror image too.
    fn push(&mut self, words: &[&str], mirror: Option<Symmetry>) -> Option<()> {
        match self {
            Values::Real(v) => {
                let x = match words.first() {
                    Some(w) => w.parse::<f64>().ok()?,
                    None => 1.0, // pattern
                };
                v.push(x);
                if let Some(s) = mirror {
                    v.push(if s == Symmetry::Skew { -x } else { x });
                }
            }
            Values::Integer(v) => {
                let x = words.first()?.parse::<i64>().ok()?;
                v.push(x);
                if let Some(s) = mirror {
                    v.push(if s == Symmetry::Skew { -x } else { x });
                }
            }
            Values::Complex(v) => {
                let x = Complex::new(words.first()?.parse().ok()?, words.get(1)?.parse().ok()?);
                v.push(x);
                match mirror {
                    Some(Symmetry::Skew) => v.push(-x),
                    Some(Symmetry::Hermitian) => v.push(x.conj()),
                    Some(_) => v.push(x),
                    None => {}
                }
            }
        }
        Some(())
    }

    fn into_coo(
        self,
        sp: &Arc<Sparse>,
        shape: [usize; 2],
        r: &[i64],
        c: &[i64],
    ) -> Result<CooMatrix> {
        match self {
            Values::Real(v) => CooMatrix::from_triplets(sp, shape, r, c, &v),
            Values::Integer(v) => CooMatrix::from_triplets(sp, shape, r, c, &v),
            Values::Complex(v) => CooMatrix::from_triplets(sp, shape, r, c, &v),
        }
    }

    /// The dense `m x n` matrix of column-major values.
    fn into_dense(self, sp: &Arc<Sparse>, [m, n]: [usize; 2]) -> Result<Array> {
        fn row_major<T: Copy>(v: &[T], m: usize, n: usize) -> Vec<T> {
            (0..m * n).map(|k| v[(k % n) * m + k / n]).collect()
        }
        match self {
            Values::Real(v) => sp.dense.from_vec(row_major(&v, m, n), &[m, n]),
            Values::Integer(v) => sp.dense.from_vec(row_major(&v, m, n), &[m, n]),
            Values::Complex(v) => sp.dense.from_vec(row_major(&v, m, n), &[m, n]),
        }
    }
}

/// `scipy.io.mmread(path)`.
pub fn mmread(sp: &Arc<Sparse>, path: impl AsRef<Path>) -> Result<MatrixMarket> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut lines = BufReader::new(file).lines().enumerate();
    let mut next_line = |what: &str| -> Result<(usize, String)> {
        for (i, line) in lines.by_ref() {
            let line = line.map_err(|e| io_error(path, e.to_string()))?;
            if i == 0 || !(line.trim().is_empty() || line.starts_with('%')) {
                return Ok((i + 1, line));
            }
        }
        Err(io_error(path, format!("the file ends before {what}")))
    };
    let (_, header) = next_line("its header")?;
    let words: Vec<String> = header.split_whitespace().map(str::to_lowercase).collect();
    if words.len() != 5 || words[0] != "%%matrixmarket" || words[1] != "matrix" {
        return Err(io_error(
            path,
            format!("line 1: not a Matrix Market matrix header: {header:?}"),
        ));
    }
    let coordinate = match words[2].as_str() {
        "coordinate" => true,
        "array" => false,
        f => return Err(io_error(path, format!("line 1: unknown format {f:?}"))),
    };
    let field = match words[3].as_str() {
        "real" | "double" => Field::Real,
        "integer" => Field::Integer,
        "complex" => Field::Complex,
        "pattern" if coordinate => Field::Pattern,
        f => return Err(io_error(path, format!("line 1: unsupported field {f:?}"))),
    };
    let symmetry = match words[4].as_str() {
        "general" => Symmetry::General,
        "symmetric" => Symmetry::Symmetric,
        "skew-symmetric" => Symmetry::Skew,
        "hermitian" if field == Field::Complex => Symmetry::Hermitian,
        s => {
            return Err(io_error(
                path,
                format!("line 1: unsupported symmetry {s:?}"),
            ))
        }
    };
    let (at, size) = next_line("its size line")?;
    let dims: Vec<usize> = size
        .split_whitespace()
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| io_error(path, format!("line {at}: a bad size line {size:?}")))?;
    let want = if coordinate { 3 } else { 2 };
    if dims.len() != want {
        return Err(io_error(
            path,
            format!("line {at}: the size line needs {want} numbers"),
        ));
    }
    let shape = [dims[0], dims[1]];
    let bad = |at: usize, line: &str| io_error(path, format!("line {at}: a bad entry {line:?}"));
    if coordinate {
        let mut values = Values::new(field);
        let (mut r, mut c) = (Vec::with_capacity(dims[2]), Vec::with_capacity(dims[2]));
        for _ in 0..dims[2] {
            let (at, line) = next_line("its last entry")?;
            let w: Vec<&str> = line.split_whitespace().collect();
            let (Some(i), Some(j)) = (
                w.first().and_then(|s| s.parse::<i64>().ok()),
                w.get(1).and_then(|s| s.parse::<i64>().ok()),
            ) else {
                return Err(bad(at, &line));
            };
            if i < 1 || j < 1 || i as u64 > shape[0] as u64 || j as u64 > shape[1] as u64 {
                return Err(io_error(
                    path,
                    format!("line {at}: entry ({i}, {j}) is outside the matrix"),
                ));
            }
            let mirror = (symmetry != Symmetry::General && i != j).then_some(symmetry);
            values.push(&w[2..], mirror).ok_or_else(|| bad(at, &line))?;
            r.push(i - 1);
            c.push(j - 1);
            if mirror.is_some() {
                r.push(j - 1);
                c.push(i - 1);
            }
        }
        return Ok(MatrixMarket::Sparse(values.into_coo(sp, shape, &r, &c)?));
    }
    // Array: column-major; for the symmetric kinds only the lower triangle is given.
    let [m, n] = shape;
    let mut given = Values::new(field);
    let lower = symmetry != Symmetry::General;
    let count = if lower {
        (0..n).map(|j| m.saturating_sub(j)).sum()
    } else {
        m * n
    };
    for _ in 0..count {
        let (at, line) = next_line("its last entry")?;
        let w: Vec<&str> = line.split_whitespace().collect();
        given.push(&w, None).ok_or_else(|| bad(at, &line))?;
    }
    if !lower {
        return Ok(MatrixMarket::Dense(given.into_dense(sp, shape)?));
    }
    // Fill in the upper triangle from the lower one.
    let mut k = 0;
    let full = match given {
        Values::Real(g) => Values::Real(fill_symmetric(&g, m, n, &mut k, |x| x, |x| -x, symmetry)),
        Values::Integer(g) => {
            Values::Integer(fill_symmetric(&g, m, n, &mut k, |x| x, |x| -x, symmetry))
        }
        Values::Complex(g) => Values::Complex(fill_symmetric(
            &g,
            m,
            n,
            &mut k,
            |x| x.conj(),
            |x| -x,
            symmetry,
        )),
    };
    Ok(MatrixMarket::Dense(full.into_dense(sp, shape)?))
}

/// The column-major `m x n` matrix of a column-major lower triangle.
fn fill_symmetric<T: Copy + Default>(
    lower: &[T],
    m: usize,
    n: usize,
    k: &mut usize,
    conj: impl Fn(T) -> T,
    neg: impl Fn(T) -> T,
    symmetry: Symmetry,
) -> Vec<T> {
    let mut out = vec![T::default(); m * n];
    for j in 0..n {
        for i in j..m {
            let x = lower[*k];
            *k += 1;
            out[j * m + i] = x;
            if i != j && j < m && i < n {
                out[i * m + j] = match symmetry {
                    Symmetry::Skew => neg(x),
                    Symmetry::Hermitian => conj(x),
                    _ => x,
                };
            }
        }
    }
    out
}

fn format_value(out: &mut String, ty: Type, words: &[f64]) {
    match ty {
        Type::Int32 | Type::Int64 => {
            let _ = write!(out, " {}", words[0] as i64);
        }
        Type::Complex64 | Type::Complex128 => {
            let _ = write!(out, " {:e} {:e}", words[0], words[1]);
        }
        _ => {
            let _ = write!(out, " {:e}", words[0]);
        }
    }
}

fn field_name(ty: Type) -> Result<&'static str> {
    match ty {
        Type::Int32 | Type::Int64 => Ok("integer"),
        Type::Float32 | Type::Float64 => Ok("real"),
        Type::Complex64 | Type::Complex128 => Ok("complex"),
        _ => Err(Error::UnsupportedType { op: "mmwrite", ty }),
    }
}

/// The values of an array as `f64` words (two per complex value).
fn words(a: &Array) -> Result<Vec<[f64; 2]>> {
    Ok(match a.dtype() {
        Type::Complex64 | Type::Complex128 => a
            .astype(Type::Complex128)?
            .to_vec::<Complex<f64>>()?
            .into_iter()
            .map(|c| [c.re, c.im])
            .collect(),
        Type::Int32 | Type::Int64 => a
            .astype(Type::Int64)?
            .to_vec::<i64>()?
            .into_iter()
            .map(|v| [v as f64, 0.0])
            .collect(),
        _ => a
            .astype(Type::Float64)?
            .to_vec::<f64>()?
            .into_iter()
            .map(|v| [v, 0.0])
            .collect(),
    })
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e.to_string()))?;
    let mut w = BufWriter::new(file);
    w.write_all(text.as_bytes())
        .and_then(|()| w.flush())
        .map_err(|e| io_error(path, e.to_string()))
}

/// `scipy.io.mmwrite(path, a)` for a sparse matrix: a `coordinate general` file of its
/// entries in row-major order.
pub fn mmwrite(path: impl AsRef<Path>, a: &dyn SparseMatrix) -> Result<()> {
    let path = path.as_ref();
    let csr = a.to_csr()?;
    let ty = csr.dtype();
    let field = field_name(ty)?;
    let coo = csr.to_coo()?;
    let (r, c) = (index_vec(coo.row())?, index_vec(coo.col())?);
    let v = words(coo.data())?;
    let [m, n] = csr.shape();
    let mut text = format!(
        "%%MatrixMarket matrix coordinate {field} general\n{m} {n} {}\n",
        r.len()
    );
    for ((i, j), w) in r.iter().zip(&c).zip(&v) {
        let _ = write!(text, "{} {}", i + 1, j + 1);
        format_value(&mut text, ty, w);
        text.push('\n');
    }
    write_file(path, &text)
}

/// `scipy.io.mmwrite(path, a)` for a dense 2-D array: an `array general` file
/// (column-major).
pub fn mmwrite_dense(path: impl AsRef<Path>, a: &Array) -> Result<()> {
    let path = path.as_ref();
    let [m, n] = crate::csr::matrix_shape(&a.shape())?;
    let ty = a.dtype();
    let field = field_name(ty)?;
    let v = words(a)?;
    let mut text = format!("%%MatrixMarket matrix array {field} general\n{m} {n}\n");
    for j in 0..n {
        for i in 0..m {
            let mut line = String::new();
            format_value(&mut line, ty, &v[i * n + j]);
            text.push_str(line.trim_start());
            text.push('\n');
        }
    }
    write_file(path, &text)
}
