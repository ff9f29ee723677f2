//! legate-dense's linear algebra against direct references (naive loops, reconstructions),
//! with 1, 2 and 4 CPUs cutting the arrays and on OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use legate_core::ndarray::{Array2, ArrayD, Dimension, IxDyn};
use legate_core::{Error, Type};
use legate_dense::linalg::{self, NormOrd, QrMode, TensorAxes};
use legate_dense::{Array, Dense};
use num_complex::Complex;

mod common;
use common::{dense, each_machine, omp_dense};

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn random(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), values(n, seed)).unwrap()
}

fn arr(d: &Arc<Dense>, x: &ArrayD<f64>) -> Array {
    d.from_ndarray(x).unwrap()
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "got {g}, want {w}\n{got}\n{want}"
        );
    }
}

/// `x @ y` computed in `float32` (the result checked to be `float32`), as `float64`.
fn matmul32(d: &Arc<Dense>, x: &ArrayD<f64>, y: &ArrayD<f64>) -> ArrayD<f64> {
    let f32_of = |v: &ArrayD<f64>| arr(d, v).astype(Type::Float32).unwrap();
    let got = f32_of(x).matmul(&f32_of(y)).unwrap();
    assert_eq!(got.dtype(), Type::Float32);
    got.astype(Type::Float64)
        .unwrap()
        .to_ndarray::<f64>()
        .unwrap()
}

/// The `(..., m, k) @ (..., k, n)` product by a triple loop, batch dimensions broadcast.
fn naive_matmul(a: &ArrayD<f64>, b: &ArrayD<f64>) -> ArrayD<f64> {
    let (sa, sb) = (a.shape(), b.shape());
    let (m, k, n) = (sa[sa.len() - 2], sa[sa.len() - 1], sb[sb.len() - 1]);
    let (ba, bb) = (&sa[..sa.len() - 2], &sb[..sb.len() - 2]);
    let nb = ba.len().max(bb.len());
    let pad = |s: &[usize]| [vec![1; nb - s.len()], s.to_vec()].concat();
    let (pa, pb) = (pad(ba), pad(bb));
    let batch: Vec<usize> = pa.iter().zip(&pb).map(|(&x, &y)| x.max(y)).collect();
    let out_shape = [batch.clone(), vec![m, n]].concat();
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let a = a
        .view()
        .into_shape_with_order([pa.clone(), vec![m, k]].concat())
        .unwrap();
    let b = b
        .view()
        .into_shape_with_order([pb.clone(), vec![k, n]].concat())
        .unwrap();
    ArrayD::from_shape_fn(IxDyn(&out_shape), |ix| {
        let ix = ix.slice();
        let pick = |p: &[usize], last: [usize; 2]| -> Vec<usize> {
            let mut v: Vec<usize> = (0..nb).map(|d| if p[d] == 1 { 0 } else { ix[d] }).collect();
            v.extend(last);
            v
        };
        (0..k)
            .map(|l| a[IxDyn(&pick(&pa, [ix[nb], l]))] * b[IxDyn(&pick(&pb, [l, ix[nb + 1]]))])
            .sum()
    })
}

fn t2(x: &ArrayD<f64>) -> ArrayD<f64> {
    let n = x.ndim();
    let mut v = x.view();
    v.swap_axes(n - 2, n - 1);
    v.to_owned()
}

fn eye(n: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| f64::from(u8::from(ix[0] == ix[1])))
}

/// A well-conditioned matrix: random plus `n` on the diagonal.
fn well_conditioned(n: usize, seed: u64) -> ArrayD<f64> {
    random(&[n, n], seed) + eye(n) * n as f64
}

/// A tall-skinny product (`X.T @ r`, `X.T @ Y`) is cut along its inner dimension on
/// several CPUs, each point's partial product summed into the result; it equals the
/// triple loop in every type and on every machine, for transposed and plain operands.
#[test]
fn tall_skinny_products_cut_along_the_inner_dimension_match_triple_loops() {
    let k = 40_000;
    let x = random(&[k, 5], 7);
    let r = random(&[k, 1], 8);
    let y = random(&[k, 3], 9);
    let xt = t2(&x);
    each_machine(|d| {
        let lx = arr(d, &x);
        let got = lx.transpose(None).unwrap().matmul(&arr(d, &r)).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&xt, &r),
            1e-9,
        );
        let got = lx.transpose(None).unwrap().matmul(&arr(d, &y)).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&xt, &y),
            1e-9,
        );
        // A contiguous left operand, a vector right one: `(5, k) @ (k)`.
        let xc = arr(d, &xt);
        let v = r.clone().into_shape_with_order(vec![k]).unwrap();
        let got = xc.matmul(&arr(d, &v)).unwrap();
        assert_eq!(got.shape(), vec![5]);
        let want = naive_matmul(&xt, &r)
            .into_shape_with_order(vec![5])
            .unwrap();
        assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-9);
        // Integers (exact) and float32.
        let xi = x.mapv(|v| (v * 10.0).round());
        let ri = r.mapv(|v| (v * 10.0).round());
        let gi = arr(d, &xi)
            .astype(Type::Int64)
            .unwrap()
            .transpose(None)
            .unwrap()
            .matmul(&arr(d, &ri).astype(Type::Int64).unwrap())
            .unwrap();
        assert_eq!(
            gi.to_ndarray::<i64>().unwrap(),
            naive_matmul(&t2(&xi), &ri).mapv(|v| v as i64)
        );
        let g32 = arr(d, &x)
            .astype(Type::Float32)
            .unwrap()
            .transpose(None)
            .unwrap()
            .matmul(&arr(d, &r).astype(Type::Float32).unwrap())
            .unwrap();
        assert_eq!(g32.dtype(), Type::Float32);
        let g32 = g32
            .astype(Type::Float64)
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        let want = naive_matmul(&xt, &r);
        for (g, w) in g32.iter().zip(want.iter()) {
            assert!((g - w).abs() <= 1e-3 * w.abs().max(1.0), "{g} against {w}");
        }
    });
}

#[test]
fn matmul_matches_triple_loops_for_stacks_and_vectors() {
    each_machine(|d| {
        let cases: &[(&[usize], &[usize])] = &[
            (&[5, 7], &[7, 3]),
            (&[1, 1], &[1, 1]),
            (&[2, 5, 7], &[7, 3]),
            (&[2, 1, 4, 3], &[5, 3, 2]),
            (&[3, 6, 2], &[3, 2, 9]),
        ];
        for (k, (sa, sb)) in cases.iter().enumerate() {
            let (x, y) = (random(sa, k as u64), random(sb, 100 + k as u64));
            let got = arr(d, &x).matmul(&arr(d, &y)).unwrap();
            assert_close(
                &got.to_ndarray::<f64>().unwrap(),
                &naive_matmul(&x, &y),
                1e-12,
            );
            // float32 and complex128 through faer, int64 through ndarray.
            assert_close(&matmul32(d, &x, &y), &naive_matmul(&x, &y), 1e-5);
            let xi = x.mapv(|v| (v * 10.0).round());
            let yi = y.mapv(|v| (v * 10.0).round());
            let gi = arr(d, &xi)
                .astype(Type::Int64)
                .unwrap()
                .matmul(&arr(d, &yi).astype(Type::Int32).unwrap())
                .unwrap();
            assert_eq!(gi.dtype(), Type::Int64);
            assert_eq!(
                gi.to_ndarray::<i64>().unwrap(),
                naive_matmul(&xi, &yi).mapv(|v| v as i64)
            );
            let xc = arr(d, &x).astype(Type::Complex128).unwrap();
            let yc =
                (&arr(d, &y).astype(Type::Complex128).unwrap() * Complex::new(0.0, 1.0)).unwrap();
            let gc = xc
                .matmul(&yc)
                .unwrap()
                .to_ndarray::<Complex<f64>>()
                .unwrap();
            let want = naive_matmul(&x, &y);
            for (g, w) in gc.iter().zip(want.iter()) {
                assert!(g.re.abs() < 1e-12 && (g.im - w).abs() < 1e-12);
            }
        }
        // Vectors: (k) @ (k, n), (m, k) @ (k), (k) @ (k), (k) @ (b, k, n).
        let (v, m, s) = (random(&[7], 1), random(&[7, 3], 2), random(&[2, 7, 3], 3));
        let vm = v.clone().into_shape_with_order(vec![1, 7]).unwrap();
        let got = arr(d, &v).matmul(&arr(d, &m)).unwrap();
        assert_eq!(got.shape(), vec![3]);
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&vm, &m)
                .into_shape_with_order(vec![3])
                .unwrap(),
            1e-12,
        );
        let got = arr(d, &t2(&m)).matmul(&arr(d, &v)).unwrap();
        assert_eq!(got.shape(), vec![3]);
        let dot = arr(d, &v).matmul(&arr(d, &v)).unwrap();
        assert_eq!(dot.ndim(), 0);
        let want: f64 = v.iter().map(|x| x * x).sum();
        assert!((dot.item::<f64>().unwrap() - want).abs() < 1e-12);
        assert_eq!(arr(d, &v).matmul(&arr(d, &s)).unwrap().shape(), vec![2, 3]);
        // Transposed, reversed and strided views as operands.
        let (x, y) = (random(&[6, 5], 31), random(&[6, 4], 32));
        let (ax, ay) = (arr(d, &x), arr(d, &y));
        let got = ax.t().unwrap().matmul(&ay).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&t2(&x), &y),
            1e-12,
        );
        let flipped = ax.flip(Some(0)).unwrap();
        let got = flipped
            .t()
            .unwrap()
            .matmul(&ay.flip(Some(0)).unwrap())
            .unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&t2(&x), &y),
            1e-12,
        );
        let every_other = ax
            .index(&[legate_dense::Index::Slice {
                start: None,
                stop: None,
                step: 2,
            }])
            .unwrap();
        let got = every_other.matmul(&arr(d, &random(&[5, 2], 33))).unwrap();
        let want = naive_matmul(
            &x.slice(legate_core::ndarray::s![..;2, ..])
                .to_owned()
                .into_dyn(),
            &random(&[5, 2], 33),
        );
        assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
        // dot: n-d sums over the last axis of a and the second-to-last of b.
        let (p, q) = (random(&[2, 3, 4], 34), random(&[5, 4, 2], 35));
        let got = arr(d, &p).dot(&arr(d, &q)).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_einsum("ijk,lkm->ijlm", &[&p, &q]),
            1e-12,
        );
        // Booleans: logical or of ands.
        let b = d
            .from_vec(vec![true, false, false, false], &[2, 2])
            .unwrap();
        let bb = b.matmul(&b).unwrap();
        assert_eq!(
            (bb.dtype(), bb.to_vec::<bool>().unwrap()),
            (Type::Bool, vec![true, false, false, false])
        );
        // Errors.
        assert!(matches!(
            arr(d, &m).matmul(&arr(d, &m)),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            arr(d, &random(&[2, 3, 3], 1)).matmul(&arr(d, &random(&[4, 3, 3], 1))),
            Err(Error::ShapeMismatch { .. })
        ));
    });
}

/// einsum by enumerating every assignment of the labels (the definition).
fn naive_einsum(spec: &str, ops: &[&ArrayD<f64>]) -> ArrayD<f64> {
    let (ins, out) = spec.split_once("->").unwrap();
    let terms: Vec<Vec<char>> = ins.split(',').map(|t| t.chars().collect()).collect();
    let out: Vec<char> = out.chars().collect();
    let mut ext = BTreeMap::new();
    for (t, a) in terms.iter().zip(ops) {
        for (c, &e) in t.iter().zip(a.shape()) {
            ext.insert(*c, e);
        }
    }
    let labels: Vec<char> = ext.keys().copied().collect();
    let out_shape: Vec<usize> = out.iter().map(|c| ext[c]).collect();
    let mut result = ArrayD::zeros(IxDyn(&out_shape));
    let all: Vec<usize> = labels.iter().map(|c| ext[c]).collect();
    for ix in legate_core::ndarray::indices(IxDyn(&all)) {
        let val = |c: &char| ix[labels.iter().position(|l| l == c).unwrap()];
        let p: f64 = terms
            .iter()
            .zip(ops)
            .map(|(t, a)| a[IxDyn(&t.iter().map(val).collect::<Vec<_>>())])
            .product();
        result[IxDyn(&out.iter().map(val).collect::<Vec<_>>())] += p;
    }
    result
}

/// Matrix-vector products of every shape class the one-column kernel meets: rows fewer
/// than, equal to and past a group of four, columns short of, on and past a group of
/// eight lanes, a strided vector, a transposed (column-major) matrix, which goes to faer,
/// and `float32`; against the triple loop, on every machine.
#[test]
fn matrix_vector_products_match_loops() {
    each_machine(|d| {
        for (q, &(m, k)) in [(3, 5), (4, 8), (37, 53), (130, 1000), (9, 16)]
            .iter()
            .enumerate()
        {
            let a = random(&[m, k], 10 + q as u64);
            let x = random(&[k], 20 + q as u64);
            let want = naive_matmul(&a, &x.clone().into_shape_with_order(vec![k, 1]).unwrap())
                .into_shape_with_order(vec![m])
                .unwrap();
            let got = arr(d, &a).matmul(&arr(d, &x)).unwrap();
            assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
            // The vector as one column, and as every other element of a longer vector.
            let column = x.clone().into_shape_with_order(vec![k, 1]).unwrap();
            let got = arr(d, &a).matmul(&arr(d, &column)).unwrap();
            assert_close(
                &got.to_ndarray::<f64>().unwrap(),
                &want.clone().into_shape_with_order(vec![m, 1]).unwrap(),
                1e-12,
            );
            let long =
                ArrayD::from_shape_vec(IxDyn(&[2 * k]), x.iter().flat_map(|&v| [v, 7.0]).collect())
                    .unwrap();
            let strided = arr(d, &long)
                .index(&[legate_dense::Index::Slice {
                    start: None,
                    stop: None,
                    step: 2,
                }])
                .unwrap();
            let got = arr(d, &a).matmul(&strided).unwrap();
            assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
            // A transposed matrix: its rows are not contiguous.
            let at = arr(d, &t2(&a)).transpose(None).unwrap();
            let got = at.matmul(&arr(d, &x)).unwrap();
            assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
            assert_close(&matmul32(d, &a, &x), &want, 1e-4);
        }
    });
}

#[test]
fn einsum_matches_the_definition() {
    each_machine(|d| {
        let cases: &[(&str, &str, &[&[usize]])] = &[
            ("ij,jk", "ij,jk->ik", &[&[4, 5], &[5, 3]]),
            ("ij->ji", "ij->ji", &[&[3, 4]]),
            ("ii->i", "ii->i", &[&[4, 4]]),
            ("ii", "ii->", &[&[5, 5]]),
            ("ij->", "ij->", &[&[3, 4]]),
            ("ij->j", "ij->j", &[&[3, 4]]),
            ("i,i", "i,i->", &[&[6], &[6]]),
            ("i,j", "i,j->ij", &[&[3], &[4]]),
            ("ij,ij->i", "ij,ij->i", &[&[3, 4], &[3, 4]]),
            ("bij,bjk->bik", "bij,bjk->bik", &[&[2, 3, 4], &[2, 4, 5]]),
            ("ijk,jl->kil", "ijk,jl->kil", &[&[2, 3, 4], &[3, 5]]),
            ("ij,jk,kl->il", "ij,jk,kl->il", &[&[2, 3], &[3, 4], &[4, 2]]),
            ("iij,jk", "iij,jk->k", &[&[3, 3, 2], &[2, 4]]),
            ("iij,jk->ik", "iij,jk->ik", &[&[3, 3, 2], &[2, 4]]),
            ("ba,ca", "ba,ca->bc", &[&[3, 4], &[2, 4]]),
            ("ij,kl->", "ij,kl->", &[&[2, 3], &[3, 2]]),
        ];
        for (k, (spec, explicit, shapes)) in cases.iter().enumerate() {
            let xs: Vec<ArrayD<f64>> = shapes
                .iter()
                .enumerate()
                .map(|(j, s)| random(s, (10 * k + j) as u64))
                .collect();
            let arrays: Vec<Array> = xs.iter().map(|x| arr(d, x)).collect();
            let refs: Vec<&Array> = arrays.iter().collect();
            let got = linalg::einsum(spec, &refs).unwrap();
            let want = naive_einsum(explicit, &xs.iter().collect::<Vec<_>>());
            assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
        }
        // Integers keep their type.
        let a = d
            .arange(0.0, 6.0, 1.0, Type::Int32)
            .unwrap()
            .reshape(&[2, 3])
            .unwrap();
        let g = linalg::einsum("ij,kj->ik", &[&a, &a]).unwrap();
        assert_eq!(g.dtype(), Type::Int32);
        assert_eq!(g.to_vec::<i32>().unwrap(), vec![5, 14, 14, 50]);
        // Errors.
        assert!(matches!(
            linalg::einsum("ij,jk", &[&a]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            linalg::einsum("ijk", &[&a]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            linalg::einsum("ij,ij", &[&a, &a.t().unwrap()]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            linalg::einsum("ij->k", &[&a]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            linalg::einsum("...ij->ij", &[&d.ones(&[2, 2, 3], Type::Int32).unwrap()]),
            Err(Error::InvalidArgument { .. })
        ));
        // Ellipses: broadcast dimensions, aligned from the right, extents of 1 stretch.
        let (x, y) = (random(&[2, 3, 4], 1), random(&[4, 5], 2));
        let got = linalg::einsum("...ij,...jk->...ik", &[&arr(d, &x), &arr(d, &y)]).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&x, &y),
            1e-12,
        );
        let (x, y) = (random(&[2, 1, 3, 4], 3), random(&[5, 4, 2], 4));
        let got = linalg::einsum("...ij,...jk", &[&arr(d, &x), &arr(d, &y)]).unwrap();
        assert_eq!(got.shape(), vec![2, 5, 3, 2]);
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_matmul(&x, &y),
            1e-12,
        );
        let z = random(&[2, 3, 3], 5);
        let got = linalg::einsum("...ii->...i", &[&arr(d, &z)]).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_einsum("aii->ai", &[&z]),
            1e-12,
        );
        let w = random(&[3, 2, 4], 6);
        let got = linalg::einsum("i...->...", &[&arr(d, &w)]).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_einsum("iab->ab", &[&w]),
            1e-12,
        );
    });
}

#[test]
fn products_match_loops() {
    each_machine(|d| {
        let (x, y) = (random(&[2, 3, 4], 1), random(&[3, 4, 5], 2));
        // tensordot over the last two of x and the first two of y.
        let got = linalg::tensordot(&arr(d, &x), &arr(d, &y), TensorAxes::N(2)).unwrap();
        let want = naive_einsum("ijk,jkl->il", &[&x, &y]);
        assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
        let z = random(&[4, 2, 3], 3);
        let got = linalg::tensordot(
            &arr(d, &x),
            &arr(d, &z),
            TensorAxes::Pairs(vec![1, -1], vec![2, 0]),
        )
        .unwrap();
        let want = naive_einsum("ijk,kaj->ia", &[&x, &z]);
        assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
        let outer_td = linalg::tensordot(&arr(d, &x), &arr(d, &z), TensorAxes::N(0)).unwrap();
        assert_eq!(outer_td.shape(), vec![2, 3, 4, 4, 2, 3]);
        assert!(matches!(
            linalg::tensordot(
                &arr(d, &x),
                &arr(d, &y),
                TensorAxes::Pairs(vec![0], vec![0])
            ),
            Err(Error::ShapeMismatch { .. })
        ));
        // inner over last axes; outer of the flattened operands.
        let w = random(&[5, 4], 4);
        let got = linalg::inner(&arr(d, &x), &arr(d, &w)).unwrap();
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &naive_einsum("ijk,lk->ijl", &[&x, &w]),
            1e-12,
        );
        let got = linalg::outer(&arr(d, &w), &arr(d, &x)).unwrap();
        assert_eq!(got.shape(), vec![20, 24]);
        let (wf, xf): (Vec<f64>, Vec<f64>) =
            (w.iter().copied().collect(), x.iter().copied().collect());
        let want = ArrayD::from_shape_fn(IxDyn(&[20, 24]), |ix| wf[ix[0]] * xf[ix[1]]);
        assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 0.0);
        // vdot conjugates its first operand.
        let a = d
            .from_vec(vec![Complex::new(1.0, 2.0), Complex::new(3.0, -1.0)], &[2])
            .unwrap();
        let b = d
            .from_vec(vec![Complex::new(0.5, 1.0), Complex::new(-2.0, 4.0)], &[2])
            .unwrap();
        let want = Complex::new(1.0, -2.0) * Complex::new(0.5, 1.0)
            + Complex::new(3.0, 1.0) * Complex::new(-2.0, 4.0);
        assert_eq!(
            linalg::vdot(&a, &b)
                .unwrap()
                .item::<Complex<f64>>()
                .unwrap(),
            want
        );
        let got = linalg::vdot(&arr(d, &w), &arr(d, &w))
            .unwrap()
            .item::<f64>()
            .unwrap();
        assert!((got - w.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-12);
        // trace with offsets and axes.
        let t = random(&[3, 4, 5], 5);
        for (offset, a1, a2) in [
            (0i64, 0isize, 1isize),
            (1, 0, 1),
            (-1, 0, 1),
            (2, 1, 2),
            (0, 2, 0),
            (-2, -1, 0),
        ] {
            let got = linalg::trace(&arr(d, &t), offset, a1, a2).unwrap();
            let n = 3;
            let (i, j) = ((a1 + n) as usize % 3, (a2 + n) as usize % 3);
            let k = 3 - i - j;
            let s = t.shape();
            let want = ArrayD::from_shape_fn(IxDyn(&[s[k]]), |ix| {
                let mut sum = 0.0;
                for p in 0..s[i] {
                    let q = p as i64 + offset;
                    if q >= 0 && (q as usize) < s[j] {
                        let mut full = [0usize; 3];
                        full[i] = p;
                        full[j] = q as usize;
                        full[k] = ix[0];
                        sum += t[IxDyn(&full)];
                    }
                }
                sum
            });
            assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
        }
        let ti = d
            .arange(0.0, 9.0, 1.0, Type::Int32)
            .unwrap()
            .reshape(&[3, 3])
            .unwrap();
        let tr = linalg::trace(&ti, 0, 0, 1).unwrap();
        assert_eq!((tr.dtype(), tr.item::<i64>().unwrap()), (Type::Int64, 12));
        assert!(matches!(
            linalg::trace(&ti, 0, 1, 1),
            Err(Error::InvalidArgument { .. })
        ));
    });
}

#[test]
fn norms_match_their_definitions() {
    each_machine(|d| {
        let v = random(&[7], 1);
        let a = arr(d, &v);
        let abs: Vec<f64> = v.iter().map(|x| x.abs()).collect();
        let cases = [
            (None, abs.iter().map(|x| x * x).sum::<f64>().sqrt()),
            (Some(2.0), abs.iter().map(|x| x * x).sum::<f64>().sqrt()),
            (Some(1.0), abs.iter().sum()),
            (Some(f64::INFINITY), abs.iter().copied().fold(0.0, f64::max)),
            (
                Some(f64::NEG_INFINITY),
                abs.iter().copied().fold(f64::MAX, f64::min),
            ),
            (Some(0.0), abs.iter().filter(|&&x| x != 0.0).count() as f64),
            (Some(3.0), abs.iter().map(|x| x.powi(3)).sum::<f64>().cbrt()),
        ];
        for (p, want) in cases {
            let got = linalg::norm(&a, p.map(NormOrd::P), None, false).unwrap();
            assert_eq!(got.dtype(), Type::Float64);
            assert!((got.item::<f64>().unwrap() - want).abs() < 1e-12, "{p:?}");
        }
        // Vector norms along an axis, keepdims.
        let m = random(&[4, 5], 2);
        let got = linalg::norm(&arr(d, &m), None, Some(&[1]), true).unwrap();
        assert_eq!(got.shape(), vec![4, 1]);
        let want = m.map_axis(legate_core::ndarray::Axis(1), |r| {
            r.iter().map(|x| x * x).sum::<f64>().sqrt()
        });
        assert_close(
            &got.to_ndarray::<f64>().unwrap(),
            &want.insert_axis(legate_core::ndarray::Axis(1)),
            1e-12,
        );
        // Matrix norms.
        let col_sums: Vec<f64> = (0..5)
            .map(|j| (0..4).map(|i| m[[i, j]].abs()).sum())
            .collect();
        let row_sums: Vec<f64> = (0..4)
            .map(|i| (0..5).map(|j| m[[i, j]].abs()).sum())
            .collect();
        let mx = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
        let mn = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
        let fro = m.iter().map(|x| x * x).sum::<f64>().sqrt();
        let cases = [
            (None, fro),
            (Some(NormOrd::Fro), fro),
            (Some(NormOrd::P(1.0)), mx(&col_sums)),
            (Some(NormOrd::P(-1.0)), mn(&col_sums)),
            (Some(NormOrd::P(f64::INFINITY)), mx(&row_sums)),
            (Some(NormOrd::P(f64::NEG_INFINITY)), mn(&row_sums)),
        ];
        for (ord, want) in cases {
            let got = linalg::norm(&arr(d, &m), ord, None, false)
                .unwrap()
                .item::<f64>()
                .unwrap();
            assert!((got - want).abs() < 1e-12, "{ord:?}");
        }
        // A signed permutation times diag(3, -1, 0.5) has singular values 3, 1, 0.5.
        let sp = d
            .from_vec(vec![0.0, 0.0, 0.5, -3.0, 0.0, 0.0, 0.0, 1.0, 0.0], &[3, 3])
            .unwrap();
        for (ord, want) in [
            (NormOrd::P(2.0), 3.0),
            (NormOrd::P(-2.0), 0.5),
            (NormOrd::Nuc, 4.5),
        ] {
            let got = linalg::norm(&sp, Some(ord), None, false)
                .unwrap()
                .item::<f64>()
                .unwrap();
            assert!((got - want).abs() < 1e-12, "{ord:?}");
        }
        // Matrix norms over two axes of a 3-D array, columns first.
        let s3 = random(&[2, 3, 4], 3);
        let got = linalg::norm(&arr(d, &s3), Some(NormOrd::P(1.0)), Some(&[2, 0]), true).unwrap();
        assert_eq!(got.shape(), vec![1, 3, 1]);
        let want: Vec<f64> = (0..3)
            .map(|j| {
                mx(&(0..2)
                    .map(|k| (0..4).map(|i| s3[[k, j, i]].abs()).sum())
                    .collect::<Vec<_>>())
            })
            .collect();
        assert_close(
            &got.to_ndarray::<f64>()
                .unwrap()
                .into_shape_with_order(vec![3])
                .unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[3]), want).unwrap(),
            1e-12,
        );
        // Complex moduli, integers to float64, float32 stays.
        let z = d.from_vec(vec![Complex::new(3.0f32, 4.0)], &[1]).unwrap();
        let nz = linalg::norm(&z, None, None, false).unwrap();
        assert_eq!(
            (nz.dtype(), nz.item::<f32>().unwrap()),
            (Type::Float32, 5.0)
        );
        let i = d.from_vec(vec![3i32, 4], &[2]).unwrap();
        assert_eq!(
            linalg::norm(&i, None, None, false)
                .unwrap()
                .item::<f64>()
                .unwrap(),
            5.0
        );
        assert!(matches!(
            linalg::norm(&arr(d, &m), Some(NormOrd::P(3.0)), None, false),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            linalg::norm(&arr(d, &s3), Some(NormOrd::P(1.0)), None, false),
            Err(Error::InvalidArgument { .. })
        ));
    });
}

#[test]
fn solve_and_inv_reconstruct_their_inputs() {
    each_machine(|d| {
        for n in [1, 3, 8] {
            let a = well_conditioned(n, n as u64);
            let b = random(&[n, 2], 7);
            let x = linalg::solve(&arr(d, &a), &arr(d, &b)).unwrap();
            assert_close(
                &naive_matmul(&a, &x.to_ndarray::<f64>().unwrap()),
                &b,
                1e-10,
            );
            let bv = random(&[n], 8);
            let xv = linalg::solve(&arr(d, &a), &arr(d, &bv)).unwrap();
            assert_eq!(xv.shape(), vec![n]);
            let ai = linalg::inv(&arr(d, &a))
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&naive_matmul(&a, &ai), &eye(n), 1e-10);
            // float32 stays float32.
            let a32 = arr(d, &a).astype(Type::Float32).unwrap();
            let ai32 = linalg::inv(&a32).unwrap();
            assert_eq!(ai32.dtype(), Type::Float32);
            let ai32 = ai32
                .astype(Type::Float64)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&naive_matmul(&a, &ai32), &eye(n), 1e-4);
        }
        // Stacks with broadcast batch dimensions.
        let a = ArrayD::from_shape_fn(IxDyn(&[2, 4, 4]), |ix| {
            random(&[4, 4], ix[0] as u64)[[ix[1], ix[2]]] + if ix[1] == ix[2] { 4.0 } else { 0.0 }
        });
        let b = random(&[3, 1, 4, 2], 9);
        let x = linalg::solve(&arr(d, &a), &arr(d, &b)).unwrap();
        assert_eq!(x.shape(), vec![3, 2, 4, 2]);
        let back = naive_matmul(&a, &x.to_ndarray::<f64>().unwrap());
        for (g, w) in back
            .iter()
            .zip(b.broadcast(IxDyn(&[3, 2, 4, 2])).unwrap().iter())
        {
            assert!((g - w).abs() < 1e-10);
        }
        // Integers compute in float64.
        let ai = d.from_vec(vec![2i64, 1, 1, 3], &[2, 2]).unwrap();
        let inv = linalg::inv(&ai).unwrap();
        assert_eq!(inv.dtype(), Type::Float64);
        assert_close(
            &inv.to_ndarray::<f64>().unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![0.6, -0.2, -0.2, 0.4]).unwrap(),
            1e-12,
        );
        // Complex.
        let zc = d
            .from_vec(
                vec![
                    Complex::new(1.0, 1.0),
                    Complex::new(0.0, 2.0),
                    Complex::new(3.0, 0.0),
                    Complex::new(1.0, -1.0),
                ],
                &[2, 2],
            )
            .unwrap();
        let zi = linalg::inv(&zc).unwrap();
        let id = zc.matmul(&zi).unwrap().to_vec::<Complex<f64>>().unwrap();
        for (g, w) in id.iter().zip([1.0, 0.0, 0.0, 1.0]) {
            assert!((g - Complex::new(w, 0.0)).norm() < 1e-12);
        }
    });
}

#[test]
fn bad_matrices_are_linalg_errors() {
    let d = dense(2);
    let singular = d.from_vec(vec![1.0, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
    assert!(matches!(linalg::inv(&singular), Err(Error::LinAlg { .. })));
    let b = d.ones(&[2], Type::Float64).unwrap();
    assert!(matches!(
        linalg::solve(&singular, &b),
        Err(Error::LinAlg { .. })
    ));
    let not_pd = d.from_vec(vec![1.0, 2.0, 2.0, 1.0], &[2, 2]).unwrap();
    assert!(matches!(
        linalg::cholesky(&not_pd),
        Err(Error::LinAlg { .. })
    ));
    let rect = d.ones(&[2, 3], Type::Float64).unwrap();
    for r in [
        linalg::inv(&rect),
        linalg::cholesky(&rect),
        linalg::det(&rect),
        linalg::eigvalsh(&rect, "L"),
        linalg::matrix_power(&rect, 2),
        linalg::inv(&b),
    ] {
        assert!(matches!(r, Err(Error::LinAlg { .. })));
    }
    let half = d.ones(&[2, 2], Type::Float16).unwrap();
    assert!(matches!(
        linalg::inv(&half),
        Err(Error::UnsupportedType { .. })
    ));
    assert!(matches!(
        linalg::eigh(&not_pd, "X"),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        linalg::solve(&not_pd, &d.ones(&[3], Type::Float64).unwrap()),
        Err(Error::ShapeMismatch { .. })
    ));
    // The runtime stays usable after a failed factorization.
    assert_eq!(linalg::det(&not_pd).unwrap().item::<f64>().unwrap(), -3.0);
}

#[test]
fn cholesky_factors_reconstruct_positive_definite_matrices() {
    each_machine(|d| {
        for n in [1, 4, 9] {
            let m = random(&[n, n], n as u64);
            let spd = naive_matmul(&m, &t2(&m)) + eye(n) * n as f64;
            let l = linalg::cholesky(&arr(d, &spd))
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            for ((i, j), v) in l
                .view()
                .into_dimensionality::<legate_core::ndarray::Ix2>()
                .unwrap()
                .indexed_iter()
            {
                if j > i {
                    assert_eq!(*v, 0.0);
                }
            }
            assert_close(&naive_matmul(&l, &t2(&l)), &spd, 1e-10);
            // Only the lower triangle is read.
            let mut junk = spd.clone();
            for i in 0..n {
                for j in i + 1..n {
                    junk[[i, j]] = 99.0;
                }
            }
            let l2 = linalg::cholesky(&arr(d, &junk))
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&l2, &l, 1e-12);
            // The upper factor is L^T, read from the upper triangle only.
            let mut junk = spd.clone();
            for i in 0..n {
                for j in 0..i {
                    junk[[i, j]] = -99.0;
                }
            }
            let u = linalg::cholesky_upper(&arr(d, &junk))
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&u, &t2(&l), 1e-10);
        }
    });
}

fn check_orthonormal_columns(q: &ArrayD<f64>, tol: f64) {
    let k = q.shape()[q.ndim() - 1];
    let qtq = naive_matmul(&t2(q), q);
    for g in qtq
        .outer_iter()
        .flat_map(|x| x.to_owned().into_iter())
        .collect::<Vec<_>>()
        .chunks(k * k)
    {
        let g = ArrayD::from_shape_vec(IxDyn(&[k, k]), g.to_vec()).unwrap();
        assert_close(&g, &eye(k), tol);
    }
}

#[test]
fn qr_reconstructs_with_orthonormal_q_and_triangular_r() {
    each_machine(|d| {
        for shape in [vec![5, 3], vec![3, 5], vec![4, 4], vec![2, 5, 3]] {
            let a = random(&shape, 3);
            let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
            for (mode, qc) in [(QrMode::Reduced, m.min(n)), (QrMode::Complete, m)] {
                let (q, r) = linalg::qr(&arr(d, &a), mode).unwrap();
                let (q, r) = (
                    q.unwrap().to_ndarray::<f64>().unwrap(),
                    r.to_ndarray::<f64>().unwrap(),
                );
                assert_eq!(q.shape()[q.ndim() - 1], qc);
                assert_eq!(r.shape()[r.ndim() - 2..], [qc, n]);
                assert_close(&naive_matmul(&q, &r), &a, 1e-12);
                if shape.len() == 2 {
                    check_orthonormal_columns(&q, 1e-12);
                    for ((i, j), v) in r
                        .view()
                        .into_dimensionality::<legate_core::ndarray::Ix2>()
                        .unwrap()
                        .indexed_iter()
                    {
                        if i > j {
                            assert!(v.abs() < 1e-14);
                        }
                    }
                }
            }
            let (q, r) = linalg::qr(&arr(d, &a), QrMode::R).unwrap();
            assert!(q.is_none());
            assert_eq!(r.shape()[r.ndim() - 2], m.min(n));
        }
        let a32 = arr(d, &random(&[6, 4], 1)).astype(Type::Float32).unwrap();
        let (q, r) = linalg::qr(&a32, QrMode::Reduced).unwrap();
        assert_eq!(
            (q.unwrap().dtype(), r.dtype()),
            (Type::Float32, Type::Float32)
        );
    });
}

#[test]
fn svd_reconstructs_with_sorted_singular_values() {
    each_machine(|d| {
        for shape in [vec![5, 3], vec![3, 5], vec![4, 4], vec![2, 4, 3]] {
            let a = random(&shape, 11);
            let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
            let k = m.min(n);
            let svd = linalg::svd(&arr(d, &a), false, true).unwrap();
            let (u, s, vh) = (
                svd.u.unwrap().to_ndarray::<f64>().unwrap(),
                svd.s.to_ndarray::<f64>().unwrap(),
                svd.vh.unwrap().to_ndarray::<f64>().unwrap(),
            );
            assert_eq!(s.shape()[s.ndim() - 1], k);
            let us = &u
                * &s.clone()
                    .insert_axis(legate_core::ndarray::Axis(s.ndim() - 1));
            assert_close(&naive_matmul(&us, &vh), &a, 1e-12);
            for row in s.rows() {
                assert!(row
                    .iter()
                    .zip(row.iter().skip(1))
                    .all(|(x, y)| x >= y && *y >= 0.0));
            }
            let only = linalg::svd(&arr(d, &a), false, false).unwrap();
            assert!(only.u.is_none() && only.vh.is_none());
            assert_close(&only.s.to_ndarray::<f64>().unwrap(), &s, 1e-12);
            let full = linalg::svd(&arr(d, &a), true, true).unwrap();
            let (fu, fvh) = (
                full.u.unwrap().to_ndarray::<f64>().unwrap(),
                full.vh.unwrap().to_ndarray::<f64>().unwrap(),
            );
            assert_eq!(
                (fu.shape()[fu.ndim() - 1], fvh.shape()[fvh.ndim() - 2]),
                (m, n)
            );
            if shape.len() == 2 {
                check_orthonormal_columns(&fu, 1e-12);
                check_orthonormal_columns(&t2(&fvh), 1e-12);
            }
        }
        let c = d
            .from_vec(
                vec![
                    Complex::new(0.0, 3.0),
                    Complex::new(0.0, 0.0),
                    Complex::new(0.0, 0.0),
                    Complex::new(4.0, 0.0),
                ],
                &[2, 2],
            )
            .unwrap();
        let s = linalg::svd(&c, false, false).unwrap().s;
        assert_eq!(s.dtype(), Type::Float64);
        assert_close(
            &s.to_ndarray::<f64>().unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[2]), vec![4.0, 3.0]).unwrap(),
            1e-12,
        );
    });
}

/// The lower triangle of `x` mirrored into the upper one (what a Hermitian routine reads).
fn symmetric_from_lower(x: &ArrayD<f64>) -> ArrayD<f64> {
    let n = x.ndim();
    ArrayD::from_shape_fn(x.raw_dim(), |ix| {
        let mut ix = ix.slice().to_vec();
        if ix[n - 1] > ix[n - 2] {
            ix.swap(n - 1, n - 2);
        }
        x[IxDyn(&ix)]
    })
}

/// `hermitian=True` (NumPy's route through `eigh`): indefinite symmetric matrices and
/// stacks, only the lower triangle read; the singular values equal the general SVD's, the
/// factors reconstruct the matrix, and `pinv` and `matrix_rank` agree with the general ones.
#[test]
fn hermitian_svd_pinv_and_rank_agree_with_the_general_ones() {
    each_machine(|d| {
        for shape in [vec![4, 4], vec![3, 5, 5], vec![1, 1]] {
            let raw = random(&shape, 31);
            let a = symmetric_from_lower(&raw);
            let general = linalg::svd(&arr(d, &a), false, false).unwrap().s;
            let h = linalg::svd_hermitian(&arr(d, &raw), true).unwrap();
            let (u, s, vh) = (
                h.u.unwrap().to_ndarray::<f64>().unwrap(),
                h.s.to_ndarray::<f64>().unwrap(),
                h.vh.unwrap().to_ndarray::<f64>().unwrap(),
            );
            assert_close(&s, &general.to_ndarray::<f64>().unwrap(), 1e-12);
            let us = &u
                * &s.clone()
                    .insert_axis(legate_core::ndarray::Axis(s.ndim() - 1));
            assert_close(&naive_matmul(&us, &vh), &a, 1e-12);
            let only = linalg::svd_hermitian(&arr(d, &raw), false).unwrap();
            assert!(only.u.is_none() && only.vh.is_none());
            assert_close(&only.s.to_ndarray::<f64>().unwrap(), &s, 1e-12);
            let p = linalg::pinv_hermitian(&arr(d, &raw), None).unwrap();
            let want = linalg::pinv(&arr(d, &a), None).unwrap();
            assert_close(
                &p.to_ndarray::<f64>().unwrap(),
                &want.to_ndarray::<f64>().unwrap(),
                1e-9,
            );
        }
        // Rank 2 of 4: x x^T - y y^T, an indefinite matrix.
        let (x, y) = (random(&[4, 1], 5), random(&[4, 1], 6));
        let low = naive_matmul(&x, &t2(&x)) - naive_matmul(&y, &t2(&y));
        for hermitian in [false, true] {
            let rank = match hermitian {
                true => linalg::matrix_rank_hermitian(&arr(d, &low), None),
                false => linalg::matrix_rank(&arr(d, &low), None),
            };
            assert_eq!(rank.unwrap().item::<i64>().unwrap(), 2);
        }
        let not_square = arr(d, &random(&[3, 4], 1));
        assert!(matches!(
            linalg::svd_hermitian(&not_square, true),
            Err(Error::LinAlg { .. })
        ));
    });
}

#[test]
fn eigh_satisfies_the_eigen_equation() {
    each_machine(|d| {
        for n in [1, 3, 7] {
            let m = random(&[n, n], n as u64 + 20);
            let sym = &m + &t2(&m);
            for uplo in ["L", "U"] {
                // The other triangle is never read.
                let mut half = sym.clone();
                for i in 0..n {
                    for j in 0..n {
                        if (uplo == "L" && j > i) || (uplo == "U" && i > j) {
                            half[[i, j]] = 1e3;
                        }
                    }
                }
                let (w, v) = linalg::eigh(&arr(d, &half), uplo).unwrap();
                let (w, v) = (
                    w.to_ndarray::<f64>().unwrap(),
                    v.to_ndarray::<f64>().unwrap(),
                );
                assert!(w.iter().zip(w.iter().skip(1)).all(|(a, b)| a <= b));
                let av = naive_matmul(&sym, &v);
                let vw = &v * &w.clone().insert_axis(legate_core::ndarray::Axis(0));
                assert_close(&av, &vw, 1e-10);
                check_orthonormal_columns(&v, 1e-12);
                let w2 = linalg::eigvalsh(&arr(d, &half), uplo)
                    .unwrap()
                    .to_ndarray::<f64>()
                    .unwrap();
                assert_close(&w2, &w, 1e-10);
            }
        }
        // A stack, and a complex Hermitian matrix with real eigenvalues 1 and 3.
        let st = linalg::eigvalsh(
            &d.from_vec(vec![2.0, 0.0, 0.0, 1.0, 5.0, 0.0, 0.0, 4.0], &[2, 2, 2])
                .unwrap(),
            "L",
        )
        .unwrap();
        assert_eq!(st.to_vec::<f64>().unwrap(), vec![1.0, 2.0, 4.0, 5.0]);
        let h = d
            .from_vec(
                vec![
                    Complex::new(2.0, 0.0),
                    Complex::new(0.0, -1.0),
                    Complex::new(0.0, 1.0),
                    Complex::new(2.0, 0.0),
                ],
                &[2, 2],
            )
            .unwrap();
        let w = linalg::eigvalsh(&h, "L").unwrap();
        assert_eq!(w.dtype(), Type::Float64);
        assert_close(
            &w.to_ndarray::<f64>().unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0, 3.0]).unwrap(),
            1e-12,
        );
    });
}

/// The determinant by Gaussian elimination with partial pivoting.
fn naive_det(a: &Array2<f64>) -> f64 {
    let mut a = a.clone();
    let n = a.nrows();
    let mut det = 1.0;
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[[i, c]].abs().total_cmp(&a[[j, c]].abs()))
            .unwrap();
        if a[[p, c]] == 0.0 {
            return 0.0;
        }
        if p != c {
            for j in 0..n {
                a.swap([p, j], [c, j]);
            }
            det = -det;
        }
        det *= a[[c, c]];
        for i in c + 1..n {
            let f = a[[i, c]] / a[[c, c]];
            for j in c..n {
                a[[i, j]] -= f * a[[c, j]];
            }
        }
    }
    det
}

#[test]
fn det_and_slogdet_match_elimination() {
    each_machine(|d| {
        for n in [1, 2, 5, 8] {
            let a = random(&[n, n], 40 + n as u64) * 3.0;
            let want = naive_det(&a.clone().into_dimensionality().unwrap());
            let got = linalg::det(&arr(d, &a)).unwrap();
            assert_eq!(got.ndim(), 0);
            assert!((got.item::<f64>().unwrap() - want).abs() < 1e-10 * (1.0 + want.abs()));
            let (sign, logdet) = linalg::slogdet(&arr(d, &a)).unwrap();
            assert_eq!(sign.item::<f64>().unwrap(), want.signum());
            assert!((logdet.item::<f64>().unwrap() - want.abs().ln()).abs() < 1e-10);
        }
        let st = random(&[3, 4, 4], 50);
        let got = linalg::det(&arr(d, &st)).unwrap().to_vec::<f64>().unwrap();
        for (k, g) in got.iter().enumerate() {
            let want = naive_det(
                &st.index_axis(legate_core::ndarray::Axis(0), k)
                    .to_owned()
                    .into_dimensionality()
                    .unwrap(),
            );
            assert!((g - want).abs() < 1e-12);
        }
        let singular = d.from_vec(vec![1.0, 2.0, 2.0, 4.0], &[2, 2]).unwrap();
        let (sign, logdet) = linalg::slogdet(&singular).unwrap();
        assert_eq!(
            (sign.item::<f64>().unwrap(), logdet.item::<f64>().unwrap()),
            (0.0, f64::NEG_INFINITY)
        );
        let i = d.from_vec(vec![3i32, 1, 4, 2], &[2, 2]).unwrap();
        assert!((linalg::det(&i).unwrap().item::<f64>().unwrap() - 2.0).abs() < 1e-12);
    });
}

#[test]
fn lstsq_pinv_rank_and_power_match_references() {
    each_machine(|d| {
        // Overdetermined: the residual is orthogonal to the columns of a.
        let a = random(&[8, 3], 60);
        let b = random(&[8, 2], 61);
        let (x, res, rank, s) = linalg::lstsq(&arr(d, &a), &arr(d, &b), None).unwrap();
        assert_eq!((rank, s.shape(), res.shape()), (3, vec![3], vec![2]));
        let x = x.to_ndarray::<f64>().unwrap();
        let r = &b - &naive_matmul(&a, &x);
        let atr = naive_matmul(&t2(&a), &r);
        assert!(atr.iter().all(|v| v.abs() < 1e-10));
        let want_res: Vec<f64> = (0..2)
            .map(|j| (0..8).map(|i| r[[i, j]] * r[[i, j]]).sum())
            .collect();
        assert_close(
            &res.to_ndarray::<f64>().unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[2]), want_res).unwrap(),
            1e-10,
        );
        // Rank deficient: no residuals, minimum-norm solution.
        let def = d
            .from_vec(vec![1.0, 2.0, 2.0, 4.0, 3.0, 6.0], &[3, 2])
            .unwrap();
        let bv = d.from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
        let (x, res, rank, _) = linalg::lstsq(&def, &bv, None).unwrap();
        assert_eq!((rank, res.size()), (1, 0));
        assert_close(
            &x.to_ndarray::<f64>().unwrap(),
            &ArrayD::from_shape_vec(IxDyn(&[2]), vec![0.2, 0.4]).unwrap(),
            1e-12,
        );
        // pinv: a @ pinv(a) @ a == a.
        for shape in [vec![5, 3], vec![3, 5], vec![2, 4, 4]] {
            let a = random(&shape, 70);
            let p = linalg::pinv(&arr(d, &a), None)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&naive_matmul(&naive_matmul(&a, &p), &a), &a, 1e-10);
        }
        let p = linalg::pinv(&def, None)
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        let dn = def.to_ndarray::<f64>().unwrap();
        assert_close(&naive_matmul(&naive_matmul(&dn, &p), &dn), &dn, 1e-10);
        // matrix_rank.
        assert_eq!(
            linalg::matrix_rank(&def, None)
                .unwrap()
                .item::<i64>()
                .unwrap(),
            1
        );
        assert_eq!(
            linalg::matrix_rank(&arr(d, &a), None)
                .unwrap()
                .item::<i64>()
                .unwrap(),
            3
        );
        let st = linalg::matrix_rank(&arr(d, &random(&[2, 4, 4], 3)), Some(1e3)).unwrap();
        assert_eq!(st.to_vec::<i64>().unwrap(), vec![0, 0]);
        assert_eq!(
            linalg::matrix_rank(&d.zeros(&[3], Type::Float64).unwrap(), None)
                .unwrap()
                .item::<i64>()
                .unwrap(),
            0
        );
        // matrix_power against repeated products.
        let m = random(&[4, 4], 80);
        let mut want = eye(4);
        for k in 0..6 {
            let got = linalg::matrix_power(&arr(d, &m), k)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap();
            assert_close(&got, &want, 1e-12);
            want = naive_matmul(&want, &m);
        }
        let w = well_conditioned(4, 3);
        let inv2 = linalg::matrix_power(&arr(d, &w), -2)
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        assert_close(&naive_matmul(&naive_matmul(&w, &w), &inv2), &eye(4), 1e-10);
    });
}

type C = Complex<f64>;

fn complex_random(r: usize, c: usize, seed: u64) -> Vec<C> {
    let (re, im) = (values(r * c, seed), values(r * c, seed + 1000));
    re.into_iter().zip(im).map(|(a, b)| C::new(a, b)).collect()
}

/// `(r x k) @ (k x c)` of row-major complex matrices, conjugating `x` first if asked.
fn cmul(x: &[C], y: &[C], r: usize, k: usize, c: usize, adjoint_x: bool) -> Vec<C> {
    let mut out = vec![C::new(0.0, 0.0); r * c];
    for i in 0..r {
        for j in 0..c {
            for l in 0..k {
                let xv = if adjoint_x {
                    x[l * r + i].conj()
                } else {
                    x[i * k + l]
                };
                out[i * c + j] += xv * y[l * c + j];
            }
        }
    }
    out
}

fn assert_close_c(got: &[C], want: &[C], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).norm() <= tol, "got {g}, want {w}");
    }
}

fn identity_c(n: usize) -> Vec<C> {
    (0..n * n)
        .map(|k| C::new(f64::from(u8::from(k / n == k % n)), 0.0))
        .collect()
}

#[test]
fn complex_factorizations_reconstruct_their_inputs() {
    each_machine(|d| {
        let (m, n) = (5, 3);
        let a = complex_random(m, n, 1);
        let da = d.from_vec(a.clone(), &[m, n]).unwrap();
        let (q, r) = linalg::qr(&da, QrMode::Reduced).unwrap();
        let (q, r) = (q.unwrap().to_vec::<C>().unwrap(), r.to_vec::<C>().unwrap());
        assert_close_c(&cmul(&q, &r, m, n, n, false), &a, 1e-12);
        assert_close_c(&cmul(&q, &q, n, m, n, true), &identity_c(n), 1e-12);
        let svd = linalg::svd(&da, false, true).unwrap();
        let (u, s, vh) = (
            svd.u.unwrap().to_vec::<C>().unwrap(),
            svd.s.to_vec::<f64>().unwrap(),
            svd.vh.unwrap().to_vec::<C>().unwrap(),
        );
        let us: Vec<C> = u.iter().enumerate().map(|(k, x)| x * s[k % n]).collect();
        assert_close_c(&cmul(&us, &vh, m, n, n, false), &a, 1e-12);
        // Hermitian positive definite: M M^H + n I.
        let mm = complex_random(n, n, 2);
        let mh: Vec<C> = (0..n * n).map(|k| mm[(k % n) * n + k / n].conj()).collect();
        let mut h = cmul(&mm, &mh, n, n, n, false);
        for i in 0..n {
            h[i * n + i] += C::new(n as f64, 0.0);
        }
        let dh = d.from_vec(h.clone(), &[n, n]).unwrap();
        let l = linalg::cholesky(&dh).unwrap().to_vec::<C>().unwrap();
        let lh: Vec<C> = (0..n * n).map(|k| l[(k % n) * n + k / n].conj()).collect();
        assert_close_c(&cmul(&l, &lh, n, n, n, false), &h, 1e-12);
        let (w, v) = linalg::eigh(&dh, "U").unwrap();
        assert_eq!(w.dtype(), Type::Float64);
        let (w, v) = (w.to_vec::<f64>().unwrap(), v.to_vec::<C>().unwrap());
        let av = cmul(&h, &v, n, n, n, false);
        let vw: Vec<C> = v.iter().enumerate().map(|(k, x)| x * w[k % n]).collect();
        assert_close_c(&av, &vw, 1e-10);
        let x = linalg::solve(&dh, &d.from_vec(a[..n].to_vec(), &[n]).unwrap()).unwrap();
        let hx = cmul(&h, &x.to_vec::<C>().unwrap(), n, n, 1, false);
        assert_close_c(&hx, &a[..n], 1e-12);
        let det = linalg::det(&dh).unwrap().item::<C>().unwrap();
        let (sign, logdet) = linalg::slogdet(&dh).unwrap();
        let back = sign.item::<C>().unwrap() * logdet.item::<f64>().unwrap().exp();
        assert!((det - back).norm() < 1e-9 * det.norm());
        assert!(det.im.abs() < 1e-9 * det.norm() && det.re > 0.0);
        // complex64 keeps its precision class.
        let s32 = linalg::svd(&da.astype(Type::Complex64).unwrap(), false, false)
            .unwrap()
            .s;
        assert_eq!(s32.dtype(), Type::Float32);
    });
}

#[test]
fn large_products_use_the_omp_groups_threads() {
    // Big enough for faer to split the product over the group's two threads.
    let d = omp_dense();
    let (x, y) = (random(&[300, 260], 90), random(&[260, 280], 91));
    let want = {
        let (a, b) = (
            x.view()
                .into_dimensionality::<legate_core::ndarray::Ix2>()
                .unwrap(),
            y.view()
                .into_dimensionality::<legate_core::ndarray::Ix2>()
                .unwrap(),
        );
        let mut c = Array2::<f64>::zeros((300, 280));
        legate_core::ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut c);
        c.into_dyn()
    };
    let got = arr(&d, &x).matmul(&arr(&d, &y)).unwrap();
    assert_close(&got.to_ndarray::<f64>().unwrap(), &want, 1e-12);
    let got32 = arr(&d, &x)
        .astype(Type::Float32)
        .unwrap()
        .matmul(&arr(&d, &y).astype(Type::Float32).unwrap())
        .unwrap()
        .astype(Type::Float64)
        .unwrap();
    assert_close(&got32.to_ndarray::<f64>().unwrap(), &want, 1e-4);
}

/// `a v[:, j] = w[j] v[:, j]` with `|v[:, j]| = 1`, over complex numbers.
fn check_eigenpairs(a: &[Complex<f64>], w: &[Complex<f64>], v: &[Complex<f64>], n: usize) {
    for j in 0..n {
        let norm: f64 = (0..n).map(|i| v[i * n + j].norm_sqr()).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-10, "column {j} has norm {norm}");
        for i in 0..n {
            let av: Complex<f64> = (0..n).map(|k| a[i * n + k] * v[k * n + j]).sum();
            let wv = w[j] * v[i * n + j];
            assert!(
                (av - wv).norm() < 1e-9,
                "row {i} of pair {j}: {av} against {wv}"
            );
        }
    }
}

#[test]
fn eig_gives_eigenpairs_real_when_every_eigenvalue_is() {
    let n = 12;
    let c = |x: f64| Complex::new(x, 0.0);
    each_machine(|d| {
        // A general real matrix: complex pairs (its eigenvalues are not all real).
        let a0 = random(&[n, n], 41);
        let (w, v) = linalg::eig(&arr(d, &a0)).unwrap();
        assert_eq!((w.dtype(), v.dtype()), (Type::Complex128, Type::Complex128));
        let w = w.to_vec::<Complex<f64>>().unwrap();
        let v = v.to_vec::<Complex<f64>>().unwrap();
        let a: Vec<Complex<f64>> = a0.iter().map(|&x| c(x)).collect();
        check_eigenpairs(&a, &w, &v, n);
        // Real matrices give conjugate pairs; the values agree with eigvals'.
        let mut only = linalg::eigvals(&arr(d, &a0))
            .unwrap()
            .to_vec::<Complex<f64>>()
            .unwrap();
        let key = |z: &Complex<f64>| (z.re, z.im);
        let mut sorted = w.clone();
        sorted.sort_by(|x, y| key(x).partial_cmp(&key(y)).unwrap());
        only.sort_by(|x, y| key(x).partial_cmp(&key(y)).unwrap());
        for (x, y) in sorted.iter().zip(&only) {
            assert!((x - y).norm() < 1e-10);
        }
        let trace: Complex<f64> = w.iter().sum();
        let want: f64 = (0..n).map(|i| a0[[i, i]]).sum();
        assert!((trace - c(want)).norm() < 1e-9);

        // A symmetric matrix, and a triangular one: all real, so real arrays.
        let sym = &a0 + &t2(&a0);
        let (w, v) = linalg::eig(&arr(d, &sym)).unwrap();
        assert_eq!((w.dtype(), v.dtype()), (Type::Float64, Type::Float64));
        let (w, v) = (w.to_vec::<f64>().unwrap(), v.to_vec::<f64>().unwrap());
        let cs = |x: &[f64]| x.iter().map(|&y| c(y)).collect::<Vec<_>>();
        check_eigenpairs(&cs(sym.as_slice().unwrap()), &cs(&w), &cs(&v), n);
        let tri = ArrayD::from_shape_fn(IxDyn(&[3, 3]), |ix| {
            let (i, j) = (ix[0], ix[1]);
            if j >= i {
                (i + 2 * j + 1) as f64
            } else {
                0.0
            }
        });
        let mut w = linalg::eigvals(&arr(d, &tri))
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        w.sort_by(f64::total_cmp);
        for (x, y) in w.iter().zip([1.0, 4.0, 7.0]) {
            assert!((x - y).abs() < 1e-12, "{x} against {y}");
        }

        // A complex stack: each matrix on its own.
        let re = random(&[2, 5, 5], 7);
        let im = random(&[2, 5, 5], 8);
        let z: Vec<Complex<f64>> = re
            .iter()
            .zip(&im)
            .map(|(&r, &i)| Complex::new(r, i))
            .collect();
        let za = d.from_vec(z.clone(), &[2, 5, 5]).unwrap();
        let (w, v) = linalg::eig(&za).unwrap();
        assert_eq!(w.shape(), vec![2, 5]);
        let (w, v) = (
            w.to_vec::<Complex<f64>>().unwrap(),
            v.to_vec::<Complex<f64>>().unwrap(),
        );
        for b in 0..2 {
            check_eigenpairs(
                &z[b * 25..(b + 1) * 25],
                &w[b * 5..(b + 1) * 5],
                &v[b * 25..(b + 1) * 25],
                5,
            );
        }

        // Single precision stays single; integers compute in float64.
        let f = d.from_vec(vec![2.0f32, 0.0, 0.0, 3.0], &[2, 2]).unwrap();
        assert_eq!(linalg::eigvals(&f).unwrap().dtype(), Type::Float32);
        let rot = d.from_vec(vec![0i64, -1, 1, 0], &[2, 2]).unwrap();
        assert_eq!(linalg::eigvals(&rot).unwrap().dtype(), Type::Complex128);
    });
}

#[test]
fn eig_refuses_what_numpy_refuses() {
    let d = dense(2);
    let linalg_err = |r: legate_core::Result<Array>| {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::LinAlg { .. }), "{e}");
        e.to_string()
    };
    let flat = d.from_vec(vec![1.0, 2.0], &[2]).unwrap();
    let wide = d.from_vec(vec![1.0; 6], &[2, 3]).unwrap();
    let nan = d.from_vec(vec![1.0, f64::NAN, 0.0, 1.0], &[2, 2]).unwrap();
    linalg_err(linalg::eigvals(&flat));
    assert!(linalg_err(linalg::eigvals(&wide)).contains("square"));
    assert!(linalg_err(linalg::eig(&nan).map(|(w, _)| w)).contains("infs or NaNs"));
    // An empty matrix has no eigenvalues, real ones.
    let empty = d.from_vec(Vec::<f64>::new(), &[0, 0]).unwrap();
    let (w, v) = linalg::eig(&empty).unwrap();
    assert_eq!(
        (w.shape(), v.shape(), w.dtype()),
        (vec![0], vec![0, 0], Type::Float64)
    );
}
