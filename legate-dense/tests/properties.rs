//! Property tests: random views and broadcasts against ndarray, on 1 to 4 CPUs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use legate_core::ndarray::{ArrayD, IxDyn};
use legate_dense::Index;
use proptest::prelude::*;

mod common;
use common::dense;

fn base(shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |ix| {
        (0..shape.len()).fold(0.0, |acc, k| acc * 10.0 + ix[k] as f64)
    })
}

/// Python's `slice(start, stop, step).indices(n)` as explicit positions.
fn positions(n: usize, start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<usize> {
    let n = n as i64;
    let clamp = |v: Option<i64>, default: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + n).max(if step < 0 { -1 } else { 0 }),
        Some(v) => v.min(if step < 0 { n - 1 } else { n }),
    };
    let (lo, hi) = if step > 0 {
        (clamp(start, 0), clamp(stop, n))
    } else {
        (clamp(start, n - 1), clamp(stop, -1))
    };
    let mut out = Vec::new();
    let mut i = lo;
    while (step > 0 && i < hi) || (step < 0 && i > hi) {
        out.push(i as usize);
        i += step;
    }
    out
}

fn slice_strategy() -> impl Strategy<Value = (Option<i64>, Option<i64>, i64)> {
    (
        proptest::option::of(-6i64..6),
        proptest::option::of(-6i64..6),
        prop_oneof![1i64..3, -3i64..-1],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn slices_and_transposes_match_ndarray(
        shape in proptest::collection::vec(1usize..5, 1..4),
        slices in proptest::collection::vec(slice_strategy(), 3),
        cpus in 1usize..5,
    ) {
        let d = dense(cpus);
        let reference = base(&shape);
        let a = d.from_ndarray(&reference).unwrap();
        let idx: Vec<Index> = slices[..shape.len()]
            .iter()
            .map(|&(start, stop, step)| Index::Slice { start, stop, step })
            .collect();
        let view = a.index(&idx).unwrap();
        // The reference by explicit positions along each axis.
        let mut want = reference.clone();
        for (axis, &(start, stop, step)) in slices[..shape.len()].iter().enumerate() {
            let pos = positions(shape[axis], start, stop, step);
            want = want.select(legate_core::ndarray::Axis(axis), &pos);
        }
        prop_assert_eq!(view.to_ndarray::<f64>().unwrap(), want.clone());
        let t = view.t().unwrap();
        prop_assert_eq!(t.to_ndarray::<f64>().unwrap(), want.t().to_owned());
        // A write through the transposed view lands where the view says.
        if t.size() > 0 {
            t.fill(legate_core::Scalar::new(-1.0f64)).unwrap();
            let pos: Vec<Vec<usize>> = slices[..shape.len()]
                .iter()
                .enumerate()
                .map(|(axis, &(start, stop, step))| positions(shape[axis], start, stop, step))
                .collect();
            let mut expected = reference.clone();
            for (ix, v) in expected.indexed_iter_mut() {
                if (0..shape.len()).all(|k| pos[k].contains(&ix[k])) {
                    *v = -1.0;
                }
            }
            prop_assert_eq!(a.to_ndarray::<f64>().unwrap(), expected);
        }
    }

    #[test]
    fn binary_operations_broadcast_like_ndarray(
        left in proptest::collection::vec(1usize..4, 1..4),
        ones in proptest::collection::vec(any::<bool>(), 3),
        drop in 0usize..3,
        cpus in 1usize..5,
    ) {
        let d = dense(cpus);
        // A right shape that broadcasts against `left`: some dims become 1, some leading
        // dims are dropped.
        let right: Vec<usize> = left
            .iter()
            .enumerate()
            .map(|(k, &e)| if ones[k] { 1 } else { e })
            .skip(drop.min(left.len() - 1))
            .collect();
        let (x, y) = (base(&left), base(&right).mapv(|v| v + 0.5));
        let (a, b) = (d.from_ndarray(&x).unwrap(), d.from_ndarray(&y).unwrap());
        prop_assert_eq!((&a + &b).unwrap().to_ndarray::<f64>().unwrap(), &x + &y);
        prop_assert_eq!((&b * &a).unwrap().to_ndarray::<f64>().unwrap(), &y * &x);
        let sum0 = (&a - &b).unwrap().sum(Some(0), false).unwrap();
        prop_assert_eq!(sum0.to_ndarray::<f64>().unwrap(), (&x - &y).sum_axis(legate_core::ndarray::Axis(0)));
    }
}

/// An element-wise expression over the operands of `expression_strategy`.
#[derive(Clone, Debug)]
enum Expr {
    Leaf(usize),
    Binary(legate_dense::BinaryOp, Box<Expr>, Box<Expr>),
    /// `op(e, s)`, or `op(s, e)` when reversed.
    Scalar(legate_dense::BinaryOp, f64, bool, Box<Expr>),
    Unary(legate_dense::UnaryOp, Box<Expr>),
}

/// The operands: `a`, `b[:, ::-1]` (a reversed view), a row broadcast over the rows, a 0-d
/// array broadcast over everything.
const LEAVES: usize = 4;

fn expression_strategy() -> impl Strategy<Value = Expr> {
    use legate_dense::{BinaryOp, UnaryOp};
    let leaf = (0..LEAVES).prop_map(Expr::Leaf);
    leaf.prop_recursive(4, 12, 2, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec![BinaryOp::Add, BinaryOp::Subtract, BinaryOp::Multiply]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| Expr::Binary(op, Box::new(a), Box::new(b))),
            (
                prop::sample::select(vec![BinaryOp::Add, BinaryOp::Subtract, BinaryOp::Multiply]),
                prop::sample::select(vec![0.5, -1.25, 3.0]),
                any::<bool>(),
                inner.clone()
            )
                .prop_map(|(op, s, r, a)| Expr::Scalar(op, s, r, Box::new(a))),
            (
                prop::sample::select(vec![UnaryOp::Negative, UnaryOp::Square, UnaryOp::Absolute]),
                inner
            )
                .prop_map(|(op, a)| Expr::Unary(op, Box::new(a))),
        ]
    })
}

/// The expression over legate arrays; the value of node `hold` (in post-order), if any,
/// is kept in `held`.
fn eval_legate(
    e: &Expr,
    leaves: &[legate_dense::Array],
    hold: usize,
    count: &mut usize,
    held: &mut Option<legate_dense::Array>,
) -> legate_dense::Array {
    let v = match e {
        Expr::Leaf(i) => leaves[*i].clone(),
        Expr::Binary(op, a, b) => {
            let a = eval_legate(a, leaves, hold, count, held);
            let b = eval_legate(b, leaves, hold, count, held);
            a.binary(*op, &b).unwrap()
        }
        Expr::Scalar(op, s, r, a) => eval_legate(a, leaves, hold, count, held)
            .binary_scalar(*op, *s, *r)
            .unwrap(),
        Expr::Unary(op, a) => eval_legate(a, leaves, hold, count, held)
            .unary(*op)
            .unwrap(),
    };
    if *count == hold {
        *held = Some(v.clone());
    }
    *count += 1;
    v
}

/// The expression over ndarray, with the same operations in the same order.
fn eval_reference(e: &Expr, leaves: &[ArrayD<f64>]) -> ArrayD<f64> {
    use legate_dense::{BinaryOp, UnaryOp};
    let binary = |op: BinaryOp, x: f64, y: f64| match op {
        BinaryOp::Add => x + y,
        BinaryOp::Subtract => x - y,
        _ => x * y,
    };
    match e {
        Expr::Leaf(i) => leaves[*i].clone(),
        Expr::Binary(op, a, b) => {
            let (a, b) = (eval_reference(a, leaves), eval_reference(b, leaves));
            legate_core::ndarray::Zip::from(&a)
                .and(&b)
                .map_collect(|&x, &y| binary(*op, x, y))
        }
        Expr::Scalar(op, s, r, a) => eval_reference(a, leaves).mapv(|x| {
            if *r {
                binary(*op, *s, x)
            } else {
                binary(*op, x, *s)
            }
        }),
        Expr::Unary(op, a) => eval_reference(a, leaves).mapv(|x| match op {
            UnaryOp::Negative => -x,
            UnaryOp::Square => x * x,
            _ => x.abs(),
        }),
    }
}

fn nodes(e: &Expr) -> usize {
    match e {
        Expr::Leaf(_) => 1,
        Expr::Binary(_, a, b) => 1 + nodes(a) + nodes(b),
        Expr::Scalar(_, _, _, a) | Expr::Unary(_, a) => 1 + nodes(a),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Random chains of the operations legate-dense composes, over contiguous, reversed
    /// and broadcast operands, reduced whole (sum, max, min) and along each axis (sum,
    /// max), with one intermediate value sometimes held by the program: the composed,
    /// fused run gives exactly the unfused values on as many CPUs, the element-wise values
    /// of the sequential ndarray program, and its reductions up to rounding, on 1, 2 and
    /// 4 CPUs.
    #[test]
    fn composed_expressions_and_their_reductions_match_unfused_and_sequential(
        expr in expression_strategy(),
        rows in 1usize..5,
        cols in prop::sample::select(vec![1usize, 7, 64, 65, 300, 1100]),
        hold in 0usize..24,
    ) {
        use legate_core::ndarray::{s, Array2};
        use legate_dense::Index;
        let a0 = Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 7 + j * 13) % 29) as f64 / 4.0 - 3.0);
        let b0 = Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 3 + j * 5) % 17) as f64 / 8.0 - 1.0);
        let row0 = Array2::from_shape_fn((1, cols), |(_, j)| 0.25 + (j % 11) as f64 / 16.0);
        let shape = [rows, cols];
        let leaves0: Vec<ArrayD<f64>> = vec![
            a0.clone().into_dyn(),
            b0.slice(s![.., ..;-1]).to_owned().into_dyn(),
            row0.broadcast((rows, cols)).unwrap().to_owned().into_dyn(),
            ArrayD::from_elem(IxDyn(&shape), 0.75),
        ];
        let want = eval_reference(&expr, &leaves0);
        let want_sum: f64 = want.sum();
        let want_max = want.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let want_min = want.iter().copied().fold(f64::INFINITY, f64::min);
        use legate_core::ndarray::Axis;
        let want_axis_sums = [0, 1].map(|ax| want.sum_axis(Axis(ax)));
        let want_axis_maxes =
            [0, 1].map(|ax| want.map_axis(Axis(ax), |l| l.fold(f64::NEG_INFINITY, |m, &v| m.max(v))));
        let hold = if hold < nodes(&expr) { hold } else { usize::MAX };
        for cpus in [1usize, 2, 4] {
            let mut fused_bits = None;
            for fusion in [true, false] {
                let mut config = legate_core::Config::with_cpus(cpus);
                config.min_cpu_chunk = 1;
                config.fusion = fusion;
                let d = legate_dense::Dense::new(&legate_core::Runtime::new(config).unwrap()).unwrap();
                let a = d.from_ndarray(&a0.clone().into_dyn()).unwrap();
                let b = d.from_ndarray(&b0.clone().into_dyn()).unwrap();
                let row = d.from_ndarray(&row0.clone().into_dyn()).unwrap();
                let s0 = d.from_vec(vec![0.75], &[]).unwrap();
                let leaves = vec![
                    a,
                    b.index(&[Index::ALL, Index::Slice { start: None, stop: None, step: -1 }]).unwrap(),
                    row.broadcast_to(&shape).unwrap(),
                    s0.broadcast_to(&shape).unwrap(),
                ];
                let mut held = None;
                let (sum, max, min, along, all) = {
                    // The expression is built three times so that each reduction's
                    // input is a temporary nothing else holds.
                    let reduce = |f: &dyn Fn(&legate_dense::Array) -> legate_dense::Array,
                                  held: &mut Option<legate_dense::Array>| {
                        f(&eval_legate(&expr, &leaves, hold, &mut 0, held))
                    };
                    let sum = reduce(&|x| x.sum(None, false).unwrap(), &mut held);
                    let max = reduce(&|x| x.max(None, false).unwrap(), &mut None);
                    let min = reduce(&|x| x.min(None, false).unwrap(), &mut None);
                    let along: Vec<legate_dense::Array> = [0isize, 1]
                        .iter()
                        .flat_map(|&ax| {
                            [
                                reduce(&|x| x.sum(Some(ax), false).unwrap(), &mut None),
                                reduce(&|x| x.max(Some(ax), false).unwrap(), &mut None),
                            ]
                        })
                        .collect();
                    let all = eval_legate(&expr, &leaves, usize::MAX, &mut 0, &mut None);
                    (sum, max, min, along, all)
                };
                let what = format!("{expr:?} over {rows} x {cols}, {cpus} CPUs, fusion {fusion}");
                prop_assert_eq!(&all.to_ndarray::<f64>().unwrap(), &want, "{}", what);
                let got = [sum, max, min].map(|x| x.item::<f64>().unwrap());
                prop_assert!(
                    (got[0] - want_sum).abs() <= 1e-9 * want.iter().map(|v| v.abs()).sum::<f64>().max(1.0),
                    "{}: sum {} against {}", what, got[0], want_sum
                );
                prop_assert_eq!(got[1], want_max, "{}", what);
                prop_assert_eq!(got[2], want_min, "{}", what);
                let along: Vec<ArrayD<f64>> = along.iter().map(|x| x.to_ndarray::<f64>().unwrap()).collect();
                for ax in 0..2 {
                    let (sums, maxes) = (&along[2 * ax], &along[2 * ax + 1]);
                    prop_assert_eq!(sums.shape(), want_axis_sums[ax].shape(), "{}", what);
                    for (g, w) in sums.iter().zip(&want_axis_sums[ax]) {
                        prop_assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0) * cols as f64, "{}: sum along {} {} against {}", what, ax, g, w);
                    }
                    prop_assert_eq!(maxes, &want_axis_maxes[ax].clone().into_dyn(), "{}: max along {}", what, ax);
                }
                if let Some(h) = &held {
                    let mut count = 0;
                    let mut reference = None;
                    reference_node(&expr, &leaves0, hold, &mut count, &mut reference);
                    prop_assert_eq!(&h.to_ndarray::<f64>().unwrap(), &reference.unwrap(), "{}: held value", what);
                }
                // A zero result's sign depends on the order a sum or maximum meets zeros
                // of both signs (`max(-0.0, 0.0)` is either), which fusion may change:
                // zeros compare as one value, every other result bit for bit.
                let bits: Vec<u64> = got
                    .iter()
                    .chain(along.iter().flat_map(|a| a.iter()))
                    .map(|&x| if x == 0.0 { 0 } else { x.to_bits() })
                    .collect();
                if fusion {
                    fused_bits = Some(bits);
                } else {
                    prop_assert_eq!(Some(bits), fused_bits.take(), "{}: unfused against fused", what);
                }
            }
        }
    }
}

/// The reference value of node `hold` (in post-order) of `e`.
fn reference_node(
    e: &Expr,
    leaves: &[ArrayD<f64>],
    hold: usize,
    count: &mut usize,
    out: &mut Option<ArrayD<f64>>,
) {
    match e {
        Expr::Leaf(_) => {}
        Expr::Binary(_, a, b) => {
            reference_node(a, leaves, hold, count, out);
            reference_node(b, leaves, hold, count, out);
        }
        Expr::Scalar(_, _, _, a) | Expr::Unary(_, a) => reference_node(a, leaves, hold, count, out),
    }
    if *count == hold {
        *out = Some(eval_reference(e, leaves));
    }
    *count += 1;
}
