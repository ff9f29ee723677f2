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
