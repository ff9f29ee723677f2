//! Products: `vdot`, `inner`, `outer`, `tensordot`, `einsum` and `trace`, all reduced to
//! distributed operations: transposes (views), diagonals (a mask and a sum), sums along
//! axes and batched `matmul`.

use legate_core::{Error, Result, Type};

use super::shape_error;
use crate::array::Array;
use crate::dtype;
use crate::views::normalize_axis;

/// The axes [`tensordot`] sums over (NumPy's `axes` argument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TensorAxes {
    /// The last `n` axes of `a` with the first `n` of `b`.
    N(usize),
    /// Axes of `a` and the axes of `b` they pair with.
    Pairs(Vec<isize>, Vec<isize>),
}

/// An operand whose axes carry labels (einsum's subscripts, as numbers).
#[derive(Clone)]
struct Labeled {
    a: Array,
    labels: Vec<usize>,
}

impl Labeled {
    /// Sums over the axis holding `label` (its first occurrence).
    fn sum_label(self, label: usize, ty: Type) -> Result<Labeled> {
        let Some(pos) = self.labels.iter().position(|&l| l == label) else {
            return Ok(self);
        };
        let mut labels = self.labels;
        labels.remove(pos);
        let a = self.a.sum(Some(pos as isize), false)?.as_type(ty)?;
        Ok(Labeled { a, labels })
    }

    /// Replaces the two axes `i < j` that carry one label by their diagonal.
    fn diagonal(self, i: usize, j: usize, ty: Type) -> Result<Labeled> {
        let label = self.labels[i];
        let n = self.a.shape()[i];
        let rest: Vec<usize> = (0..self.labels.len())
            .filter(|&d| d != i && d != j)
            .collect();
        let perm: Vec<usize> = rest.iter().copied().chain([i, j]).collect();
        let moved = self.a.transpose(Some(&perm))?;
        let d = diagonal_sum(&moved, n, n, 0)?.as_type(ty)?;
        let mut labels: Vec<usize> = rest.iter().map(|&d| self.labels[d]).collect();
        labels.push(label);
        Ok(Labeled { a: d, labels })
    }

    /// The array with its axes in the order of `order` (a permutation of its labels).
    fn ordered(&self, order: &[usize]) -> Result<Array> {
        let perm = order
            .iter()
            .map(|l| {
                self.labels
                    .iter()
                    .position(|m| m == l)
                    .ok_or_else(|| Error::Internal {
                        what: "einsum lost a label".into(),
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        self.a.transpose(Some(&perm))
    }

    fn extent(&self, label: usize) -> usize {
        self.labels
            .iter()
            .position(|&l| l == label)
            .map_or(1, |p| self.a.shape()[p])
    }
}

/// Sums `x[..., i, j]` over `j - i == offset` for the last two axes (`n x m`): the
/// diagonal's elements are picked by a mask and summed along the last axis, then along
/// the other (for `trace`) by the caller, or kept (for a diagonal of length `n`).
fn diagonal_sum(x: &Array, n: usize, m: usize, offset: i64) -> Result<Array> {
    let mask = x.dense.eye(n, Some(m), offset, Type::Bool)?;
    let zero = x.dense.zeros(&[1], x.dtype())?;
    Array::where_(&mask, x, &zero)?.sum(Some(-1), false)
}

/// Contracts two labeled operands, keeping the labels in `keep`: labels in both and kept
/// are batch dimensions, labels in both and not kept are summed by the product, the
/// others stay. One batched `matmul`.
fn contract(x: Labeled, y: Labeled, keep: &[usize], ty: Type) -> Result<Labeled> {
    let mut x = x;
    let mut y = y;
    for l in x.labels.clone() {
        if !keep.contains(&l) && !y.labels.contains(&l) {
            x = x.sum_label(l, ty)?;
        }
    }
    for l in y.labels.clone() {
        if !keep.contains(&l) && !x.labels.contains(&l) {
            y = y.sum_label(l, ty)?;
        }
    }
    let shared: Vec<usize> = x
        .labels
        .iter()
        .copied()
        .filter(|l| y.labels.contains(l))
        .collect();
    let batch: Vec<usize> = shared
        .iter()
        .copied()
        .filter(|l| keep.contains(l))
        .collect();
    let summed: Vec<usize> = shared
        .iter()
        .copied()
        .filter(|l| !keep.contains(l))
        .collect();
    let free_x: Vec<usize> = x
        .labels
        .iter()
        .copied()
        .filter(|l| !shared.contains(l))
        .collect();
    let free_y: Vec<usize> = y
        .labels
        .iter()
        .copied()
        .filter(|l| !shared.contains(l))
        .collect();
    let ext = |ls: &[usize], o: &Labeled| ls.iter().map(|&l| o.extent(l)).collect::<Vec<_>>();
    let batch_ext = ext(&batch, &x);
    let (fx, fy, k) = (
        ext(&free_x, &x).iter().product::<usize>(),
        ext(&free_y, &y).iter().product::<usize>(),
        ext(&summed, &x).iter().product::<usize>(),
    );
    let as_i64 = |s: &[usize]| s.iter().map(|&e| e as i64).collect::<Vec<_>>();
    let xm = x
        .ordered(&[batch.as_slice(), &free_x, &summed].concat())?
        .reshape(&as_i64(&[batch_ext.as_slice(), &[fx, k]].concat()))?;
    let ym = y
        .ordered(&[batch.as_slice(), &summed, &free_y].concat())?
        .reshape(&as_i64(&[batch_ext.as_slice(), &[k, fy]].concat()))?;
    let shape: Vec<usize> = [batch_ext, ext(&free_x, &x), ext(&free_y, &y)].concat();
    let product = xm.matmul(&ym)?.as_type(ty)?.reshape(&as_i64(&shape))?;
    Ok(Labeled {
        a: product,
        labels: [batch, free_x, free_y].concat(),
    })
}

/// Evaluates a product of labeled operands into the labels `out`.
fn evaluate(operands: Vec<Labeled>, out: &[usize], ty: Type) -> Result<Array> {
    // Repeated labels within an operand are diagonals.
    let mut ops = Vec::with_capacity(operands.len());
    for mut op in operands {
        op.a = op.a.as_type(ty)?;
        while let Some((i, j)) = (0..op.labels.len()).find_map(|i| {
            (i + 1..op.labels.len())
                .find(|&j| op.labels[j] == op.labels[i])
                .map(|j| (i, j))
        }) {
            op = op.diagonal(i, j, ty)?;
        }
        ops.push(op);
    }
    // Labels of one operand only, and not in the output, are summed first.
    for k in 0..ops.len() {
        let own: Vec<usize> = ops[k]
            .labels
            .iter()
            .copied()
            .filter(|l| {
                !out.contains(l)
                    && ops
                        .iter()
                        .enumerate()
                        .all(|(m, o)| m == k || !o.labels.contains(l))
            })
            .collect();
        for l in own {
            let op = ops[k].clone();
            ops[k] = op.sum_label(l, ty)?;
        }
    }
    let mut iter = ops.into_iter();
    let Some(mut acc) = iter.next() else {
        return Err(Error::InvalidArgument {
            what: "No input operands".into(),
        });
    };
    let rest: Vec<Labeled> = iter.collect();
    for (k, y) in rest.iter().enumerate() {
        let mut keep: Vec<usize> = out.to_vec();
        for later in &rest[k + 1..] {
            keep.extend(later.labels.iter().copied());
        }
        acc = contract(acc, y.clone(), &keep, ty)?;
    }
    acc.ordered(out)
}

/// Labels given to the dimensions an ellipsis stands for (after every character).
const ELLIPSIS_LABEL: usize = 256;

/// One term of einsum's subscripts: labels before an ellipsis, whether there is one, and
/// labels after it.
struct Term {
    before: Vec<usize>,
    ellipsis: bool,
    after: Vec<usize>,
}

fn parse_term(term: &str) -> Result<Term> {
    let bad = |what: String| Error::InvalidArgument { what };
    let labels = |part: &str| -> Result<Vec<usize>> {
        part.chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    Ok(c as usize)
                } else {
                    Err(bad(format!("invalid subscript '{c}' in einstein sum")))
                }
            })
            .collect()
    };
    match term.split_once("...") {
        Some((before, after)) => Ok(Term {
            before: labels(before)?,
            ellipsis: true,
            after: labels(after)?,
        }),
        None => Ok(Term {
            before: labels(term)?,
            ellipsis: false,
            after: Vec::new(),
        }),
    }
}

/// Einstein summation (NumPy's `einsum`): `"ij,jk->ik"` (explicit output) or `"ij,jk"`
/// (implicit: the labels seen once, in alphabetical order). A label repeated within an
/// operand takes a diagonal (`"ii->i"`, `"ii"` is the trace); labels missing from the
/// output are summed; `...` stands for broadcast dimensions (`"...ij,...jk->...ik"`).
/// Any number of operands, contracted left to right with batched `matmul`, so the work
/// is distributed.
///
/// ```
/// # use legate_core::{Runtime, Type};
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
/// let a = d.arange(0.0, 6.0, 1.0, Type::Float64).unwrap().reshape(&[2, 3]).unwrap();
/// let b = d.ones(&[3, 2], Type::Float64).unwrap();
/// let c = linalg::einsum("ij,jk->ik", &[&a, &b]).unwrap();
/// assert_eq!(c.to_vec::<f64>().unwrap(), vec![3.0, 3.0, 12.0, 12.0]);
/// assert_eq!(linalg::einsum("ii", &[&c]).unwrap().item::<f64>().unwrap(), 15.0);
/// ```
pub fn einsum(subscripts: &str, operands: &[&Array]) -> Result<Array> {
    let bad = |what: String| Error::InvalidArgument { what };
    let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (inputs, output) = match spec.split_once("->") {
        Some((i, o)) => (i, Some(o)),
        None => (spec.as_str(), None),
    };
    let terms = inputs
        .split(',')
        .map(parse_term)
        .collect::<Result<Vec<_>>>()?;
    if terms.len() != operands.len() {
        return Err(bad(format!(
            "more operands provided to einstein sum function than specified in the subscripts \
             string ({} terms for {} operands)",
            terms.len(),
            operands.len()
        )));
    }
    // The number of dimensions each ellipsis stands for; they align from the right.
    let mut spans = Vec::with_capacity(terms.len());
    for (t, a) in terms.iter().zip(operands) {
        let named = t.before.len() + t.after.len();
        if a.ndim() < named || (!t.ellipsis && a.ndim() != named) {
            return Err(bad(format!(
                "einstein sum subscripts string has {named} labels for an operand of {} \
                 dimensions",
                a.ndim()
            )));
        }
        spans.push(a.ndim() - named);
    }
    let broadcast_rank = spans.iter().copied().max().unwrap_or(0);
    let ellipsis_labels: Vec<usize> = (ELLIPSIS_LABEL..ELLIPSIS_LABEL + broadcast_rank).collect();
    let mut extents: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut all_labels = Vec::with_capacity(terms.len());
    for ((t, a), &span) in terms.iter().zip(operands).zip(&spans) {
        let labels: Vec<usize> = t
            .before
            .iter()
            .chain(&ellipsis_labels[broadcast_rank - span..])
            .chain(&t.after)
            .copied()
            .collect();
        for (&l, &e) in labels.iter().zip(&a.shape()) {
            let seen = *extents.entry(l).or_insert(e);
            if seen == e {
                continue;
            }
            if l >= ELLIPSIS_LABEL && (seen == 1 || e == 1) {
                extents.insert(l, seen.max(e));
                continue;
            }
            return Err(shape_error(
                "einsum: operands could not be broadcast together",
                &[seen],
                &[e],
            ));
        }
        all_labels.push(labels);
    }
    let mut labeled = Vec::with_capacity(terms.len());
    for (labels, a) in all_labels.into_iter().zip(operands) {
        let target: Vec<usize> = labels
            .iter()
            .map(|l| extents.get(l).copied().unwrap_or(1))
            .collect();
        labeled.push(Labeled {
            a: a.broadcast_to(&target)?,
            labels,
        });
    }
    let out: Vec<usize> = match output {
        Some(o) => {
            let t = parse_term(o)?;
            if !t.ellipsis && broadcast_rank > 0 {
                return Err(bad(
                    "output has more dimensions than subscripts given in einstein \
                     sum, but no '...' ellipsis provided to broadcast the extra dimensions."
                        .into(),
                ));
            }
            let out: Vec<usize> = t
                .before
                .iter()
                .chain(&ellipsis_labels)
                .chain(&t.after)
                .copied()
                .collect();
            for (k, l) in out.iter().enumerate() {
                let name = char::from_u32(*l as u32).unwrap_or('?');
                if out[..k].contains(l) {
                    return Err(bad(format!(
                        "einstein sum subscripts string includes output subscript '{name}' \
                         multiple times"
                    )));
                }
                if !extents.contains_key(l) {
                    return Err(bad(format!(
                        "einstein sum subscripts string included output subscript '{name}' \
                         which never appeared in an input"
                    )));
                }
            }
            out
        }
        None => {
            let count = |l: usize| {
                labeled
                    .iter()
                    .flat_map(|o| &o.labels)
                    .filter(|&&m| m == l)
                    .count()
            };
            let named = extents
                .keys()
                .copied()
                .filter(|&l| l < ELLIPSIS_LABEL && count(l) == 1);
            ellipsis_labels.iter().copied().chain(named).collect()
        }
    };
    let types: Vec<Type> = operands.iter().map(|a| a.dtype()).collect();
    let ty = dtype::result_type(&types).ok_or_else(|| bad("No input operands".into()))?;
    evaluate(labeled, &out, ty)
}

/// The tensor dot product over `axes` (NumPy's `tensordot`): the remaining axes of `a`,
/// then those of `b`. One batched `matmul` after transposes.
///
/// ```
/// # use legate_core::{Runtime, Type};
/// # use legate_dense::{linalg, linalg::TensorAxes, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.ones(&[2, 3, 4], Type::Float64).unwrap();
/// let b = d.ones(&[3, 4, 5], Type::Float64).unwrap();
/// let c = linalg::tensordot(&a, &b, TensorAxes::N(2)).unwrap();
/// assert_eq!(c.shape(), vec![2, 5]);
/// assert_eq!(c.to_vec::<f64>().unwrap()[0], 12.0);
/// ```
pub fn tensordot(a: &Array, b: &Array, axes: TensorAxes) -> Result<Array> {
    let (an, bn) = (a.ndim(), b.ndim());
    let (ax, bx): (Vec<usize>, Vec<usize>) = match axes {
        TensorAxes::N(n) => {
            if n > an || n > bn {
                return Err(Error::InvalidArgument {
                    what: "tensordot: more axes to sum over than dimensions".into(),
                });
            }
            ((an - n..an).collect(), (0..n).collect())
        }
        TensorAxes::Pairs(x, y) => {
            if x.len() != y.len() {
                return Err(Error::InvalidArgument {
                    what: "shape-mismatch for sum".into(),
                });
            }
            (
                x.iter()
                    .map(|&i| normalize_axis(i, an))
                    .collect::<Result<_>>()?,
                y.iter()
                    .map(|&i| normalize_axis(i, bn))
                    .collect::<Result<_>>()?,
            )
        }
    };
    let (sa, sb) = (a.shape(), b.shape());
    for (&i, &j) in ax.iter().zip(&bx) {
        if sa[i] != sb[j] {
            return Err(shape_error("tensordot: shape-mismatch for sum", &sa, &sb));
        }
    }
    let a_labels: Vec<usize> = (0..an).collect();
    let mut b_labels: Vec<usize> = (an..an + bn).collect();
    for (&i, &j) in ax.iter().zip(&bx) {
        b_labels[j] = i;
    }
    let mut seen = std::collections::BTreeSet::new();
    if !ax.iter().all(|i| seen.insert(*i)) || {
        let mut s = std::collections::BTreeSet::new();
        !bx.iter().all(|j| s.insert(*j))
    } {
        return Err(Error::InvalidArgument {
            what: "tensordot: repeated axis".into(),
        });
    }
    let out: Vec<usize> = a_labels
        .iter()
        .copied()
        .filter(|l| !ax.contains(l))
        .chain(
            b_labels
                .iter()
                .enumerate()
                .filter(|(j, _)| !bx.contains(j))
                .map(|(_, &l)| l),
        )
        .collect();
    let ty = dtype::promote_types(a.dtype(), b.dtype());
    evaluate(
        vec![
            Labeled {
                a: a.clone(),
                labels: a_labels,
            },
            Labeled {
                a: b.clone(),
                labels: b_labels,
            },
        ],
        &out,
        ty,
    )
}

/// The inner product over the last axes (NumPy's `inner`); a 0-d operand multiplies.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
/// assert_eq!(linalg::inner(&a, &a).unwrap().item::<f64>().unwrap(), 14.0);
/// ```
pub fn inner(a: &Array, b: &Array) -> Result<Array> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return a.multiply(b);
    }
    tensordot(a, b, TensorAxes::Pairs(vec![-1], vec![-1]))
}

/// The outer product of the flattened operands (NumPy's `outer`), by broadcasting.
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0], &[2]).unwrap();
/// let b = d.from_vec(vec![1.0, 10.0, 100.0], &[3]).unwrap();
/// assert_eq!(linalg::outer(&a, &b).unwrap().to_vec::<f64>().unwrap(), vec![1.0, 10.0, 100.0, 2.0, 20.0, 200.0]);
/// ```
pub fn outer(a: &Array, b: &Array) -> Result<Array> {
    let x = a.ravel()?.expand_dims(1)?;
    let y = b.ravel()?.expand_dims(0)?;
    x.multiply(&y)
}

/// The dot product of the flattened operands, the first conjugated (NumPy's `vdot`).
///
/// ```
/// # use legate_core::Runtime;
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
/// assert_eq!(linalg::vdot(&a, &a).unwrap().item::<f64>().unwrap(), 30.0);
/// ```
pub fn vdot(a: &Array, b: &Array) -> Result<Array> {
    if a.size() != b.size() {
        return Err(shape_error("vdot: cannot reshape", &a.shape(), &b.shape()));
    }
    super::conj(&a.ravel()?)?.matmul(&b.ravel()?)
}

/// The sum along the diagonal `offset` of the 2-D sub-arrays over `axis1` and `axis2`
/// (NumPy's `trace`; other axes stay, in order). A mask and two distributed sums.
///
/// ```
/// # use legate_core::{Runtime, Type};
/// # use legate_dense::{linalg, Dense};
/// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
/// let a = d.arange(0.0, 9.0, 1.0, Type::Int64).unwrap().reshape(&[3, 3]).unwrap();
/// assert_eq!(linalg::trace(&a, 0, 0, 1).unwrap().item::<i64>().unwrap(), 12);
/// assert_eq!(linalg::trace(&a, 1, 0, 1).unwrap().item::<i64>().unwrap(), 6);
/// ```
pub fn trace(a: &Array, offset: i64, axis1: isize, axis2: isize) -> Result<Array> {
    let n = a.ndim();
    if n < 2 {
        return Err(Error::InvalidArgument {
            what: "diag requires an array of at least two dimensions".into(),
        });
    }
    let (i, j) = (normalize_axis(axis1, n)?, normalize_axis(axis2, n)?);
    if i == j {
        return Err(Error::InvalidArgument {
            what: "axis1 and axis2 cannot be the same".into(),
        });
    }
    let perm: Vec<usize> = (0..n).filter(|&d| d != i && d != j).chain([i, j]).collect();
    let moved = a.transpose(Some(&perm))?;
    let shape = a.shape();
    diagonal_sum(&moved, shape[i], shape[j], offset)?.sum(Some(-1), false)
}
