//! Sorting, searching and statistics against direct references (stable sorts with NumPy's
//! order written here, loops), with 1, 2 and 4 CPUs cutting the arrays and on OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;

use legate_core::half::f16;
use legate_core::ndarray::{ArrayD, Axis, IxDyn};
use legate_core::{Error, Scalar, Type};
use legate_dense::{Array, Bins, Index, QuantileMethod, Side, UniqueOptions};
use num_complex::Complex;

mod common;
use common::{each_machine, machines};

/// Deterministic values with duplicates (and NaNs when `nans`).
fn data(n: usize, seed: u64, nans: bool) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (s >> 33) % 23;
            if nans && r == 0 {
                f64::NAN
            } else {
                r as f64 - 9.0
            }
        })
        .collect()
}

/// NumPy's order of floats: NaNs last.
fn ref_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap(),
    }
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// The stable argsort and sort of every lane along `axis` of `x`.
fn ref_sort(x: &ArrayD<f64>, axis: usize) -> (ArrayD<f64>, ArrayD<i64>) {
    let mut vals = x.clone();
    let mut idx = x.mapv(|_| 0i64);
    for (mut lane_v, mut lane_i) in vals
        .lanes_mut(Axis(axis))
        .into_iter()
        .zip(idx.lanes_mut(Axis(axis)))
    {
        let orig: Vec<f64> = lane_v.iter().copied().collect();
        let mut perm: Vec<usize> = (0..orig.len()).collect();
        perm.sort_by(|&a, &b| ref_cmp(orig[a], orig[b]));
        for (k, &p) in perm.iter().enumerate() {
            lane_v[k] = orig[p];
            lane_i[k] = p as i64;
        }
    }
    (vals, idx)
}

const SHAPES: &[&[usize]] = &[
    &[0],
    &[1],
    &[7],
    &[100],
    &[3, 5],
    &[4, 0],
    &[6, 1],
    &[5, 6, 7],
    &[2, 3, 4],
];

#[test]
fn sort_and_argsort_match_a_stable_reference_along_every_axis() {
    each_machine(|d| {
        for (k, &shape) in SHAPES.iter().enumerate() {
            let n: usize = shape.iter().product();
            let x = ArrayD::from_shape_vec(IxDyn(shape), data(n, k as u64, true)).unwrap();
            let a = d.from_ndarray(&x).unwrap();
            for axis in 0..shape.len() {
                let (want_v, want_i) = ref_sort(&x, axis);
                for ax in [axis as isize, axis as isize - shape.len() as isize] {
                    let got = a.sorted(Some(ax)).unwrap();
                    assert_eq!(got.shape(), shape.to_vec());
                    assert!(same(
                        &got.to_vec::<f64>().unwrap(),
                        &want_v.iter().copied().collect::<Vec<_>>()
                    ));
                    let got_i = a.argsort(Some(ax)).unwrap();
                    assert_eq!(got_i.dtype(), Type::Int64);
                    assert_eq!(got_i.to_ndarray::<i64>().unwrap(), want_i, "{shape:?} {ax}");
                }
            }
            // Flattened.
            let flat = x.iter().copied().collect::<Vec<_>>();
            let flat = ArrayD::from_shape_vec(IxDyn(&[n]), flat).unwrap();
            let (want_v, want_i) = ref_sort(&flat, 0);
            let got = a.sorted(None).unwrap();
            assert_eq!(got.shape(), vec![n]);
            assert!(same(
                &got.to_vec::<f64>().unwrap(),
                &want_v.iter().copied().collect::<Vec<_>>()
            ));
            assert_eq!(
                a.argsort(None).unwrap().to_ndarray::<i64>().unwrap(),
                want_i
            );
        }
    });
}

#[test]
fn sample_sort_of_long_arrays_is_stable_with_many_duplicates() {
    each_machine(|d| {
        for (n, nans) in [(1000, false), (4099, true), (20000, true)] {
            let x = data(n, n as u64, nans);
            let a = d.from_vec(x.clone(), &[n]).unwrap();
            let mut perm: Vec<usize> = (0..n).collect();
            perm.sort_by(|&p, &q| ref_cmp(x[p], x[q]));
            let want_i: Vec<i64> = perm.iter().map(|&p| p as i64).collect();
            let want_v: Vec<f64> = perm.iter().map(|&p| x[p]).collect();
            assert_eq!(a.argsort(None).unwrap().to_vec::<i64>().unwrap(), want_i);
            assert!(same(
                &a.sorted(Some(0)).unwrap().to_vec::<f64>().unwrap(),
                &want_v
            ));
            // A strided view sorts as its own values.
            let v = a
                .index(&[legate_dense::Index::Slice {
                    start: None,
                    stop: None,
                    step: -3,
                }])
                .unwrap();
            let xv: Vec<f64> = x.iter().rev().step_by(3).copied().collect();
            let mut want = xv.clone();
            want.sort_by(|a, b| ref_cmp(*a, *b));
            assert!(same(
                &v.sorted(None).unwrap().to_vec::<f64>().unwrap(),
                &want
            ));
        }
        // All equal: every bucket but one may be empty.
        let a = d.full(&[300], Scalar::new(1.0f64), Type::Float64).unwrap();
        assert_eq!(
            a.argsort(None).unwrap().to_vec::<i64>().unwrap(),
            (0..300).collect::<Vec<i64>>()
        );
    });
}

#[test]
fn every_dtype_sorts_in_numpy_order() {
    each_machine(|d| {
        let n = 64;
        let base = data(n, 5, false);
        // Integers, signed and unsigned, and bools.
        let ints: Vec<i32> = base.iter().map(|&v| v as i32 * 1000).collect();
        let mut want = ints.clone();
        want.sort();
        let a = d.from_vec(ints.clone(), &[n]).unwrap();
        assert_eq!(a.sorted(None).unwrap().to_vec::<i32>().unwrap(), want);
        let big: Vec<u64> = base
            .iter()
            .map(|&v| {
                if v < 0.0 {
                    u64::MAX - v.abs() as u64
                } else {
                    v as u64
                }
            })
            .collect();
        let mut want = big.clone();
        want.sort();
        let a = d.from_vec(big, &[8, 8]).unwrap();
        assert_eq!(
            a.sorted(None).unwrap().to_vec::<u64>().unwrap(),
            want,
            "u64 past i64"
        );
        let small: Vec<u8> = base.iter().map(|&v| (v + 9.0) as u8).collect();
        let a = d.from_vec(small.clone(), &[8, 8]).unwrap();
        let got = a.sorted(Some(1)).unwrap().to_vec::<u8>().unwrap();
        for (row, chunk) in got.chunks(8).zip(small.chunks(8)) {
            let mut want = chunk.to_vec();
            want.sort();
            assert_eq!(row, &want[..]);
        }
        let flags: Vec<bool> = base.iter().map(|&v| v > 0.0).collect();
        let a = d.from_vec(flags.clone(), &[n]).unwrap();
        let mut want = flags.clone();
        want.sort();
        assert_eq!(a.sorted(None).unwrap().to_vec::<bool>().unwrap(), want);
        // Floats of every width, NaNs last.
        let with_nan = data(n, 9, true);
        let mut want = with_nan.clone();
        want.sort_by(|a, b| ref_cmp(*a, *b));
        let f32s: Vec<f32> = with_nan.iter().map(|&v| v as f32).collect();
        let a = d.from_vec(f32s, &[n]).unwrap();
        let got: Vec<f64> = a
            .sorted(None)
            .unwrap()
            .to_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect();
        assert!(same(&got, &want));
        let halves: Vec<f16> = with_nan.iter().map(|&v| f16::from_f64(v)).collect();
        let a = d.from_vec(halves, &[4, 16]).unwrap();
        let got: Vec<f64> = a
            .sorted(None)
            .unwrap()
            .to_vec::<f16>()
            .unwrap()
            .into_iter()
            .map(f16::to_f64)
            .collect();
        assert!(same(&got, &want));
        // Complex numbers: lexicographic, NaNs last in each part.
        let nan = f64::NAN;
        let c = |re: f64, im: f64| Complex::new(re, im);
        let z = vec![
            c(nan, nan),
            c(1.0, nan),
            c(2.0, -1.0),
            c(nan, 0.0),
            c(1.0, 3.0),
            c(-1.0, 5.0),
            c(1.0, -2.0),
        ];
        let a = d.from_vec(z, &[7]).unwrap();
        assert_eq!(
            a.argsort(None).unwrap().to_vec::<i64>().unwrap(),
            vec![5, 6, 4, 1, 2, 3, 0]
        );
        let s = a.sorted(None).unwrap().to_vec::<Complex<f64>>().unwrap();
        assert_eq!(
            (s[0], s[1], s[4]),
            (c(-1.0, 5.0), c(1.0, -2.0), c(2.0, -1.0))
        );
    });
}

#[test]
fn sort_inplace_writes_through_views() {
    each_machine(|d| {
        let x = ArrayD::from_shape_vec(IxDyn(&[4, 6]), data(24, 3, true)).unwrap();
        let a = d.from_ndarray(&x).unwrap();
        a.sort_inplace(0).unwrap();
        let (want, _) = ref_sort(&x, 0);
        assert!(same(
            &a.to_vec::<f64>().unwrap(),
            &want.iter().copied().collect::<Vec<_>>()
        ));
        // A row of a matrix, in place.
        let b = d.from_ndarray(&x).unwrap();
        let row = b.index(&[legate_dense::Index::At(2)]).unwrap();
        row.sort_inplace(-1).unwrap();
        let got = b.to_ndarray::<f64>().unwrap();
        let mut want_row: Vec<f64> = x.index_axis(Axis(0), 2).iter().copied().collect();
        want_row.sort_by(|a, b| ref_cmp(*a, *b));
        assert!(same(
            &got.index_axis(Axis(0), 2)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            &want_row
        ));
        assert!(same(
            &got.index_axis(Axis(0), 1)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            &x.index_axis(Axis(0), 1).iter().copied().collect::<Vec<_>>()
        ));
    });
}

#[test]
fn sort_rejects_bad_axes() {
    let d = &machines()[1];
    let a = d.zeros(&[2, 3], Type::Float64).unwrap();
    assert!(matches!(
        a.sorted(Some(2)),
        Err(Error::AxisOutOfBounds { .. })
    ));
    assert!(matches!(
        a.argsort(Some(-3)),
        Err(Error::AxisOutOfBounds { .. })
    ));
    let s = d.scalar(Scalar::new(2.0f64)).unwrap();
    assert!(matches!(
        s.sorted(Some(-1)),
        Err(Error::AxisOutOfBounds { .. })
    ));
    assert_eq!(s.sorted(None).unwrap().to_vec::<f64>().unwrap(), vec![2.0]);
}

fn ref_search(a: &[f64], v: f64, right: bool) -> i64 {
    a.iter()
        .filter(|&&x| {
            let o = ref_cmp(x, v);
            o == Ordering::Less || (right && o == Ordering::Equal)
        })
        .count() as i64
}

#[test]
fn searchsorted_finds_both_sides_of_runs() {
    each_machine(|d| {
        let mut sorted = data(50, 11, true);
        sorted.sort_by(|a, b| ref_cmp(*a, *b));
        let a = d.from_vec(sorted.clone(), &[50]).unwrap();
        let v = data(36, 12, true);
        let va = d.from_vec(v.clone(), &[6, 6]).unwrap();
        for (side, right) in [(Side::Left, false), (Side::Right, true)] {
            let got = a.searchsorted(&va, side, None).unwrap();
            assert_eq!(got.shape(), vec![6, 6]);
            let want: Vec<i64> = v.iter().map(|&x| ref_search(&sorted, x, right)).collect();
            assert_eq!(got.to_vec::<i64>().unwrap(), want);
        }
        // With a sorter, on an unsorted array; integer values against a float array.
        let raw = data(40, 13, false);
        let r = d.from_vec(raw.clone(), &[40]).unwrap();
        let sorter = r.argsort(None).unwrap();
        let mut s = raw.clone();
        s.sort_by(|a, b| ref_cmp(*a, *b));
        let probes = d.from_vec(vec![-9i64, 0, 3, 100], &[4]).unwrap();
        let got = r.searchsorted(&probes, Side::Right, Some(&sorter)).unwrap();
        let want: Vec<i64> = [-9.0, 0.0, 3.0, 100.0]
            .iter()
            .map(|&x| ref_search(&s, x, true))
            .collect();
        assert_eq!(got.to_vec::<i64>().unwrap(), want);
        // Empty sorted array and empty probes.
        let e = d.zeros(&[0], Type::Float64).unwrap();
        assert_eq!(
            e.searchsorted(&va, Side::Left, None)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![0; 36]
        );
        assert_eq!(a.searchsorted(&e, Side::Left, None).unwrap().size(), 0);
    });
    let d = &machines()[0];
    let m = d.zeros(&[2, 2], Type::Float64).unwrap();
    let v = d.zeros(&[2], Type::Float64).unwrap();
    assert!(matches!(
        m.searchsorted(&v, Side::Left, None),
        Err(Error::InvalidArgument { .. })
    ));
    let a = d.zeros(&[3], Type::Float64).unwrap();
    let bad = d.zeros(&[2], Type::Int64).unwrap();
    assert!(matches!(
        a.searchsorted(&v, Side::Left, Some(&bad)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn unique_returns_values_first_indices_inverse_and_counts() {
    let all = UniqueOptions {
        return_index: true,
        return_inverse: true,
        return_counts: true,
    };
    each_machine(|d| {
        for (n, shape) in [
            (1usize, vec![1usize]),
            (13, vec![13]),
            (60, vec![5, 12]),
            (500, vec![500]),
        ] {
            let x = data(n, n as u64 + 1, true);
            let a = d.from_vec(x.clone(), &shape).unwrap();
            let u = a.unique(all).unwrap();
            // Reference: first occurrence of each value in NumPy order, NaNs as one.
            let mut uniq: Vec<f64> = Vec::new();
            let mut sorted = x.clone();
            sorted.sort_by(|a, b| ref_cmp(*a, *b));
            for v in sorted {
                if uniq
                    .last()
                    .is_none_or(|&l| ref_cmp(l, v) != Ordering::Equal)
                {
                    uniq.push(v);
                }
            }
            let pos = |v: f64| {
                uniq.iter()
                    .position(|&u| ref_cmp(u, v) == Ordering::Equal)
                    .unwrap() as i64
            };
            assert!(same(&u.values.to_vec::<f64>().unwrap(), &uniq));
            let first: Vec<i64> = uniq
                .iter()
                .map(|&v| {
                    x.iter()
                        .position(|&e| ref_cmp(e, v) == Ordering::Equal)
                        .unwrap() as i64
                })
                .collect();
            assert_eq!(u.indices.unwrap().to_vec::<i64>().unwrap(), first);
            let inverse = u.inverse.unwrap();
            assert_eq!(inverse.shape(), shape);
            let want: Vec<i64> = x.iter().map(|&v| pos(v)).collect();
            assert_eq!(inverse.to_vec::<i64>().unwrap(), want);
            let counts: Vec<i64> = uniq
                .iter()
                .map(|&v| {
                    x.iter()
                        .filter(|&&e| ref_cmp(e, v) == Ordering::Equal)
                        .count() as i64
                })
                .collect();
            assert_eq!(u.counts.unwrap().to_vec::<i64>().unwrap(), counts);
        }
        // Only values; integers; empty.
        let a = d.from_vec(vec![5i16, -1, 5, 5, 2], &[5]).unwrap();
        let u = a.unique(UniqueOptions::default()).unwrap();
        assert_eq!(u.values.to_vec::<i16>().unwrap(), vec![-1, 2, 5]);
        assert!(u.indices.is_none() && u.inverse.is_none() && u.counts.is_none());
        let e = d.zeros(&[0, 3], Type::Int32).unwrap().unique(all).unwrap();
        assert_eq!((e.values.size(), e.values.dtype()), (0, Type::Int32));
        assert_eq!(e.inverse.unwrap().shape(), vec![0, 3]);
        assert_eq!(e.counts.unwrap().size(), 0);
    });
}

#[test]
fn bincount_reduces_counts_of_every_piece() {
    each_machine(|d| {
        let x: Vec<i64> = data(300, 21, false)
            .iter()
            .map(|&v| (v + 9.0) as i64)
            .collect();
        let a = d.from_vec(x.clone(), &[300]).unwrap();
        let top = *x.iter().max().unwrap() as usize;
        let mut want = vec![0i64; top + 1];
        x.iter().for_each(|&v| want[v as usize] += 1);
        assert_eq!(a.bincount(None, 0).unwrap().to_vec::<i64>().unwrap(), want);
        let mut long = want.clone();
        long.resize(40, 0);
        let got = a.bincount(None, 40).unwrap();
        assert_eq!(
            (got.dtype(), got.to_vec::<i64>().unwrap()),
            (Type::Int64, long)
        );
        let w: Vec<f64> = (0..300).map(|k| k as f64 * 0.5).collect();
        let wa = d.from_vec(w.clone(), &[300]).unwrap();
        let mut want_w = vec![0.0; top + 1];
        x.iter()
            .zip(&w)
            .for_each(|(&v, &w)| want_w[v as usize] += w);
        let got = a.bincount(Some(&wa), 0).unwrap();
        assert_eq!(got.dtype(), Type::Float64);
        for (g, w) in got.to_vec::<f64>().unwrap().iter().zip(&want_w) {
            assert!((g - w).abs() < 1e-9);
        }
        // Small integer types and bools; empty input.
        let b = d.from_vec(vec![true, false, true], &[3]).unwrap();
        assert_eq!(
            b.bincount(None, 0).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 2]
        );
        let u = d.from_vec(vec![3u8, 3, 0], &[3]).unwrap();
        assert_eq!(
            u.bincount(None, 2).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 0, 0, 2]
        );
        let e = d.zeros(&[0], Type::Int32).unwrap();
        assert_eq!(
            e.bincount(None, 3).unwrap().to_vec::<i64>().unwrap(),
            vec![0; 3]
        );
    });
    let d = &machines()[2];
    let neg = d.from_vec(vec![1i64, -1], &[2]).unwrap();
    assert!(matches!(
        neg.bincount(None, 0),
        Err(Error::InvalidArgument { .. })
    ));
    let f = d.from_vec(vec![1.0f64], &[1]).unwrap();
    assert!(matches!(
        f.bincount(None, 0),
        Err(Error::TypeMismatch { .. })
    ));
    let two = d.zeros(&[2, 2], Type::Int64).unwrap();
    assert!(matches!(
        two.bincount(None, 0),
        Err(Error::InvalidArgument { .. })
    ));
    let x = d.zeros(&[3], Type::Int64).unwrap();
    let w = d.zeros(&[2], Type::Float64).unwrap();
    assert!(matches!(
        x.bincount(Some(&w), 0),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// NumPy's histogram by a direct loop over the edges.
fn ref_histogram(x: &[f64], edges: &[f64], w: Option<&[f64]>) -> Vec<f64> {
    let nb = edges.len() - 1;
    let mut h = vec![0.0; nb];
    for (k, &v) in x.iter().enumerate() {
        for b in 0..nb {
            let inside = v >= edges[b] && (v < edges[b + 1] || (b == nb - 1 && v == edges[nb]));
            if inside {
                h[b] += w.map_or(1.0, |w| w[k]);
                break;
            }
        }
    }
    h
}

#[test]
fn histogram_counts_equal_bins_and_given_edges() {
    each_machine(|d| {
        let x = data(200, 31, false);
        let a = d.from_vec(x.clone(), &[10, 20]).unwrap();
        // Equal bins over the data's range: like np.linspace(min, max, bins + 1).
        let (h, e) = a.histogram(&Bins::Count(7), None, false, None).unwrap();
        let edges = e.to_vec::<f64>().unwrap();
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(edges.len(), 8);
        assert_eq!((edges[0], edges[7]), (lo, hi));
        for (k, &v) in edges.iter().enumerate().take(7) {
            assert_eq!(v, lo + k as f64 * (hi - lo) / 7.0);
        }
        let want = ref_histogram(&x, &edges, None);
        assert_eq!(h.dtype(), Type::Int64);
        let got: Vec<f64> = h
            .to_vec::<i64>()
            .unwrap()
            .iter()
            .map(|&c| c as f64)
            .collect();
        assert_eq!(got, want);
        assert_eq!(got.iter().sum::<f64>(), 200.0);
        // Given edges (uneven), values outside and on the last edge, NaNs ignored.
        let y = vec![-20.0, -3.0, 0.0, 0.5, 1.0, 2.0, 9.99, 10.0, 11.0, f64::NAN];
        let b = d.from_vec(y.clone(), &[10]).unwrap();
        let edges = vec![-3.0, 0.0, 1.0, 10.0];
        let be = d.from_vec(edges.clone(), &[4]).unwrap();
        let (h, e) = b.histogram(&Bins::Edges(be), None, false, None).unwrap();
        assert_eq!(h.to_vec::<i64>().unwrap(), vec![1, 2, 4]);
        assert_eq!(e.to_vec::<f64>().unwrap(), edges);
        // A range, weights, density.
        let w: Vec<f64> = (0..10).map(|k| k as f64).collect();
        let wa = d.from_vec(w.clone(), &[10]).unwrap();
        let (h, e) = b
            .histogram(&Bins::Count(4), Some((0.0, 10.0)), false, Some(&wa))
            .unwrap();
        let edges = e.to_vec::<f64>().unwrap();
        assert_eq!(edges, vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        assert_eq!(
            h.to_vec::<f64>().unwrap(),
            ref_histogram(&y, &edges, Some(&w))
        );
        let (dens, _) = b
            .histogram(&Bins::Count(4), Some((0.0, 10.0)), true, None)
            .unwrap();
        let counts = ref_histogram(&y, &edges, None);
        let total: f64 = counts.iter().sum();
        let want: Vec<f64> = counts.iter().map(|c| c / 2.5 / total).collect();
        let got = dens.to_vec::<f64>().unwrap();
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
        // Integer data: float64 edges; one value: widened by a half.
        let i = d.from_vec(vec![3i32, 3, 3], &[3]).unwrap();
        let (h, e) = i.histogram(&Bins::Count(2), None, false, None).unwrap();
        assert_eq!(e.dtype(), Type::Float64);
        assert_eq!(e.to_vec::<f64>().unwrap(), vec![2.5, 3.0, 3.5]);
        assert_eq!(h.to_vec::<i64>().unwrap(), vec![0, 3]);
        // float32 data keeps float32 edges; empty data uses [0, 1].
        let f = d.from_vec(vec![0.5f32, 1.5], &[2]).unwrap();
        assert_eq!(
            f.histogram_bin_edges(&Bins::Count(2), None)
                .unwrap()
                .dtype(),
            Type::Float32
        );
        let e = d.zeros(&[0], Type::Float64).unwrap();
        let (h, edges) = e.histogram(&Bins::Count(2), None, false, None).unwrap();
        assert_eq!(h.to_vec::<i64>().unwrap(), vec![0, 0]);
        assert_eq!(edges.to_vec::<f64>().unwrap(), vec![0.0, 0.5, 1.0]);
    });
    let d = &machines()[0];
    let a = d.from_vec(vec![1.0, f64::NAN], &[2]).unwrap();
    assert!(matches!(
        a.histogram(&Bins::Count(3), None, false, None),
        Err(Error::InvalidArgument { .. })
    ));
    let a = d.from_vec(vec![1.0, 2.0], &[2]).unwrap();
    assert!(matches!(
        a.histogram(&Bins::Count(0), None, false, None),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        a.histogram(&Bins::Count(2), Some((3.0, 1.0)), false, None),
        Err(Error::InvalidArgument { .. })
    ));
    let bad = d.from_vec(vec![0.0, 2.0, 1.0], &[3]).unwrap();
    assert!(matches!(
        a.histogram(&Bins::Edges(bad), None, false, None),
        Err(Error::InvalidArgument { .. })
    ));
    let z = d.zeros(&[2], Type::Complex128).unwrap();
    assert!(matches!(
        z.histogram(&Bins::Count(2), None, false, None),
        Err(Error::UnsupportedType { .. })
    ));
}

/// NumPy's quantile of one lane, written from NumPy's definitions.
fn ref_quantile(lane: &[f64], q: f64, method: QuantileMethod) -> f64 {
    let mut v = lane.to_vec();
    v.sort_by(|a, b| ref_cmp(*a, *b));
    if v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let n = v.len();
    let h = (n - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, (h.ceil() as usize).min(n - 1));
    match method {
        QuantileMethod::Lower => v[lo],
        QuantileMethod::Higher => v[hi],
        QuantileMethod::Nearest => {
            let r = h.round();
            // Halfway: the even position.
            let k = if (h - h.floor() - 0.5).abs() < 1e-12 && r as usize % 2 == 1 {
                r as usize - 1
            } else {
                r as usize
            };
            v[k.min(n - 1)]
        }
        QuantileMethod::Midpoint => (v[lo] + v[hi]) / 2.0,
        QuantileMethod::Linear => {
            let next = (lo + 1).min(n - 1);
            v[lo] + (v[next] - v[lo]) * (h - lo as f64)
        }
    }
}

const METHODS: [QuantileMethod; 5] = [
    QuantileMethod::Linear,
    QuantileMethod::Lower,
    QuantileMethod::Higher,
    QuantileMethod::Nearest,
    QuantileMethod::Midpoint,
];

#[test]
fn quantiles_match_numpy_methods_along_axes() {
    let qs = [0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 1.0];
    each_machine(|d| {
        let x = ArrayD::from_shape_vec(IxDyn(&[4, 9, 6]), data(216, 41, false)).unwrap();
        let a = d.from_ndarray(&x).unwrap();
        let q = d.from_vec(qs.to_vec(), &[7]).unwrap();
        for method in METHODS {
            for axis in 0..3 {
                let got = a.quantile(&q, Some(axis as isize), method, false).unwrap();
                let mut shape = vec![7];
                shape.extend(
                    x.shape()
                        .iter()
                        .enumerate()
                        .filter(|&(k, _)| k != axis)
                        .map(|(_, &e)| e),
                );
                assert_eq!(got.shape(), shape);
                let got = got.to_ndarray::<f64>().unwrap();
                for (k, &qv) in qs.iter().enumerate() {
                    let want = x.map_axis(Axis(axis), |lane| {
                        ref_quantile(&lane.iter().copied().collect::<Vec<_>>(), qv, method)
                    });
                    let g = got.index_axis(Axis(0), k);
                    for (g, w) in g.iter().zip(want.iter()) {
                        assert!((g - w).abs() < 1e-12, "{method:?} axis {axis} q {qv}");
                    }
                }
            }
            // Flattened, with keepdims.
            let got = a.quantile(&q, None, method, true).unwrap();
            assert_eq!(got.shape(), vec![7, 1, 1, 1]);
            let flat: Vec<f64> = x.iter().copied().collect();
            let want: Vec<f64> = qs
                .iter()
                .map(|&qv| ref_quantile(&flat, qv, method))
                .collect();
            let g = got.to_vec::<f64>().unwrap();
            assert!(g.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
        }
        // Known NumPy values.
        let v = d.from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0], &[5]).unwrap();
        let p = d.scalar(Scalar::new(40.0f64)).unwrap();
        let expect = [2.6, 2.0, 3.0, 3.0, 2.5];
        for (method, want) in METHODS.iter().zip(expect) {
            let got = v.percentile(&p, None, *method, false).unwrap();
            assert_eq!(got.shape(), Vec::<usize>::new());
            assert!((got.item::<f64>().unwrap() - want).abs() < 1e-12);
        }
        let w = d.from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap();
        let q = d.from_vec(vec![0.25, 0.75], &[2]).unwrap();
        assert_eq!(
            w.quantile(&q, Some(0), QuantileMethod::Linear, false)
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![1.75, 3.25]
        );
    });
}

#[test]
fn quantile_types_nans_and_errors_follow_numpy() {
    each_machine(|d| {
        let half = d.scalar(Scalar::new(0.5f64)).unwrap();
        // Integers: float64 when interpolating, their own type otherwise.
        let i = d.from_vec(vec![7i32, 1, 4, 10], &[2, 2]).unwrap();
        let lin = i
            .quantile(&half, Some(1), QuantileMethod::Linear, true)
            .unwrap();
        assert_eq!((lin.dtype(), lin.shape()), (Type::Float64, vec![2, 1]));
        assert_eq!(lin.to_vec::<f64>().unwrap(), vec![4.0, 7.0]);
        let low = i
            .quantile(&half, None, QuantileMethod::Lower, false)
            .unwrap();
        assert_eq!((low.dtype(), low.item::<i32>().unwrap()), (Type::Int32, 4));
        // float32 stays float32.
        let f = d.from_vec(vec![1.0f32, 2.0, 4.0], &[3]).unwrap();
        let m = f.median(None, false).unwrap();
        assert_eq!((m.dtype(), m.item::<f32>().unwrap()), (Type::Float32, 2.0));
        // NaN lanes give NaN; nanmedian skips them.
        let x = d
            .from_vec(
                vec![
                    1.0,
                    f64::NAN,
                    3.0,
                    4.0,
                    2.0,
                    6.0,
                    f64::NAN,
                    f64::NAN,
                    f64::NAN,
                ],
                &[3, 3],
            )
            .unwrap();
        let m = x.median(Some(1), false).unwrap().to_vec::<f64>().unwrap();
        assert!(m[0].is_nan() && m[1] == 4.0 && m[2].is_nan());
        let m = x
            .nanmedian(Some(1), false)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert!(m[0] == 2.0 && m[1] == 4.0 && m[2].is_nan());
        let m = x.nanmedian(Some(0), true).unwrap();
        assert_eq!(m.shape(), vec![1, 3]);
        assert_eq!(m.to_vec::<f64>().unwrap(), vec![2.5, 2.0, 4.5]);
        assert!(x
            .quantile(&half, None, QuantileMethod::Nearest, false)
            .unwrap()
            .item::<f64>()
            .unwrap()
            .is_nan());
        // Medians of even and odd lanes, and of empty arrays.
        let e = d.from_vec(vec![5i64, 1, 3, 2], &[4]).unwrap();
        assert_eq!(e.median(None, false).unwrap().item::<f64>().unwrap(), 2.5);
        let z = d.zeros(&[0], Type::Float64).unwrap();
        assert!(z
            .median(None, false)
            .unwrap()
            .item::<f64>()
            .unwrap()
            .is_nan());
        assert_eq!(
            d.zeros(&[0, 4], Type::Float64)
                .unwrap()
                .median(Some(0), false)
                .unwrap()
                .shape(),
            vec![4]
        );
        assert_eq!(
            d.zeros(&[0, 4], Type::Float64)
                .unwrap()
                .median(Some(1), false)
                .unwrap()
                .shape(),
            vec![0]
        );
    });
    let d = &machines()[0];
    let a = d.from_vec(vec![1.0, 2.0], &[2]).unwrap();
    let q = d.from_vec(vec![0.5, 1.5], &[2]).unwrap();
    assert!(matches!(
        a.quantile(&q, None, QuantileMethod::Linear, false),
        Err(Error::InvalidArgument { .. })
    ));
    let p = d.scalar(Scalar::new(101.0f64)).unwrap();
    assert!(matches!(
        a.percentile(&p, None, QuantileMethod::Linear, false),
        Err(Error::InvalidArgument { .. })
    ));
    let half = d.scalar(Scalar::new(0.5f64)).unwrap();
    let z = d.zeros(&[3], Type::Complex64).unwrap();
    assert!(matches!(
        z.quantile(&half, None, QuantileMethod::Linear, false),
        Err(Error::UnsupportedType { .. })
    ));
    assert!(matches!(
        a.quantile(&half, Some(1), QuantileMethod::Linear, false),
        Err(Error::AxisOutOfBounds { .. })
    ));
    let empty = d.zeros(&[0], Type::Float64).unwrap();
    assert!(matches!(
        empty.quantile(&half, None, QuantileMethod::Linear, false),
        Err(Error::IndexOutOfBounds { .. })
    ));
}

#[test]
fn sorting_results_feed_other_operations() {
    // Unbound results of the sample sort behave as ordinary arrays.
    each_machine(|d| {
        let a = d.from_vec(data(90, 77, false), &[90]).unwrap();
        let s: Array = a.sorted(None).unwrap();
        let total = s.sum(None, false).unwrap().item::<f64>().unwrap();
        let want: f64 = data(90, 77, false).iter().sum();
        assert_eq!(total, want);
        let back = a.take(&a.argsort(None).unwrap()).unwrap();
        assert_eq!(back.to_vec::<f64>().unwrap(), s.to_vec::<f64>().unwrap());
        let r = s.reshape(&[9, 10]).unwrap();
        assert_eq!(r.shape(), vec![9, 10]);
    });
}

#[test]
fn one_dimensional_sorts_and_counts_run_in_parallel_pieces() {
    let d = &machines()[2];
    let n = 1000;
    let a = d.from_vec(data(n, 3, true), &[n]).unwrap();
    a.to_vec::<f64>().unwrap();
    let before = d.runtime().stats().point_tasks;
    let s = a.sorted(None).unwrap();
    s.to_vec::<f64>().unwrap();
    // Three launches (block sorts, splitters, merges) of four points each.
    assert!(d.runtime().stats().point_tasks - before >= 12);
    // Counting on OMP groups, with pieces large enough to split among the threads.
    let omp = &machines()[3];
    let n = 40000;
    let x: Vec<i64> = (0..n).map(|k| (k * 7919 % 97) as i64).collect();
    let w: Vec<f64> = (0..n).map(|k| (k % 5) as f64).collect();
    let a = omp.from_vec(x.clone(), &[n]).unwrap();
    let wa = omp.from_vec(w.clone(), &[n]).unwrap();
    let mut want = vec![0.0; 97];
    x.iter().zip(&w).for_each(|(&v, &w)| want[v as usize] += w);
    assert_eq!(
        a.bincount(Some(&wa), 0).unwrap().to_vec::<f64>().unwrap(),
        want
    );
    let mut want = vec![0i64; 4];
    x.iter()
        .for_each(|&v| want[((v as f64 / 96.0 * 4.0) as usize).min(3)] += 1);
    let (h, _) = a.histogram(&Bins::Count(4), None, false, None).unwrap();
    assert_eq!(h.to_vec::<i64>().unwrap(), want);
    let mut sorted = x.clone();
    sorted.sort();
    assert_eq!(a.sorted(None).unwrap().to_vec::<i64>().unwrap(), sorted);
}

#[test]
fn partitions_and_lexsort_order_like_numpy() {
    each_machine(|d| {
        let x = data(40, 8, true);
        let a = d.from_vec(x.clone(), &[40]).unwrap();
        for kth in [0i64, 7, 39, -1] {
            let p = a.partition(&[kth], None).unwrap().to_vec::<f64>().unwrap();
            let k = kth.rem_euclid(40) as usize;
            assert!(p[..k]
                .iter()
                .all(|&v| ref_cmp(v, p[k]) != Ordering::Greater));
            assert!(p[k + 1..]
                .iter()
                .all(|&v| ref_cmp(v, p[k]) != Ordering::Less));
            let ip = a
                .argpartition(&[kth], Some(0))
                .unwrap()
                .to_vec::<i64>()
                .unwrap();
            assert!(same(&[x[ip[k] as usize]], &[p[k]]));
        }
        // Two keys, the last one primary; ties of both keep their order.
        let k0: Vec<i64> = (0..50).map(|i| (i * 7) % 5).collect();
        let k1: Vec<i64> = (0..50).map(|i| (i * 3) % 4).collect();
        let keys = [
            d.from_vec(k0.clone(), &[50]).unwrap(),
            d.from_vec(k1.clone(), &[50]).unwrap(),
        ];
        let mut want: Vec<usize> = (0..50).collect();
        want.sort_by_key(|&i| (k1[i], k0[i]));
        let got = Array::lexsort(&keys).unwrap().to_vec::<i64>().unwrap();
        assert_eq!(got, want.iter().map(|&i| i as i64).collect::<Vec<_>>());
    });
    let d = &machines()[0];
    let a = d.zeros(&[4], Type::Float64).unwrap();
    assert!(matches!(
        a.partition(&[4], None),
        Err(Error::IndexOutOfBounds { .. })
    ));
    assert!(matches!(
        a.argpartition(&[-5], Some(0)),
        Err(Error::IndexOutOfBounds { .. })
    ));
    assert!(matches!(
        Array::lexsort(&[]),
        Err(Error::InvalidArgument { .. })
    ));
    let b = d.zeros(&[3], Type::Float64).unwrap();
    assert!(matches!(
        Array::lexsort(&[a, b]),
        Err(Error::ShapeMismatch { .. })
    ));
}

/// Every lane along `axis` of `got` holds the lane of `x` rearranged so that each
/// position of `kth` has the value a sort puts there, nothing greater before it and
/// nothing smaller after it; `positions` (from `argpartition`) pick those values.
fn check_partitioned(
    x: &ArrayD<f64>,
    got: &ArrayD<f64>,
    positions: &ArrayD<i64>,
    axis: usize,
    kth: &[usize],
) {
    let (sorted, _) = ref_sort(x, axis);
    for (((xl, gl), pl), sl) in x
        .lanes(Axis(axis))
        .into_iter()
        .zip(got.lanes(Axis(axis)))
        .zip(positions.lanes(Axis(axis)))
        .zip(sorted.lanes(Axis(axis)))
    {
        let (g, p, s): (Vec<f64>, Vec<i64>, Vec<f64>) = (gl.to_vec(), pl.to_vec(), sl.to_vec());
        let picked: Vec<f64> = p.iter().map(|&i| xl[i as usize]).collect();
        for lane in [&g, &picked] {
            let mut back = lane.clone();
            back.sort_by(|a, b| ref_cmp(*a, *b));
            assert!(same(&back, &s), "not a rearrangement: {lane:?} of {xl:?}");
            for &k in kth {
                assert!(same(&lane[k..=k], &s[k..=k]), "kth {k}: {lane:?}");
                assert!(lane[..k]
                    .iter()
                    .all(|&v| ref_cmp(v, s[k]) != Ordering::Greater));
                assert!(lane[k + 1..]
                    .iter()
                    .all(|&v| ref_cmp(v, s[k]) != Ordering::Less));
            }
        }
    }
}

/// `partition` and `argpartition` select (not sort) along every axis of n-d arrays and
/// of the flattened array, with several, negative and repeated `kth`, NaNs included.
#[test]
fn partitions_select_along_every_axis_with_several_kth() {
    each_machine(|d| {
        let x = ArrayD::from_shape_vec(IxDyn(&[6, 9, 5]), data(270, 23, true)).unwrap();
        let a = d.from_ndarray(&x).unwrap();
        for axis in 0..3 {
            let n = x.shape()[axis] as i64;
            let kth = [1, -1, n / 2, 1];
            let mut ks: Vec<usize> = kth.iter().map(|&k| k.rem_euclid(n) as usize).collect();
            ks.sort_unstable();
            ks.dedup();
            let ax = Some(axis as isize);
            let got = a.partition(&kth, ax).unwrap().to_ndarray::<f64>().unwrap();
            let pos = a
                .argpartition(&kth, ax)
                .unwrap()
                .to_ndarray::<i64>()
                .unwrap();
            check_partitioned(&x, &got, &pos, axis, &ks);
        }
        let flat = ArrayD::from_shape_vec(IxDyn(&[270]), x.iter().copied().collect()).unwrap();
        let got = a
            .partition(&[0, 100, 269], None)
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        let pos = a
            .argpartition(&[0, 100, 269], None)
            .unwrap()
            .to_ndarray::<i64>()
            .unwrap();
        check_partitioned(&flat, &got, &pos, 0, &[0, 100, 269]);
        // Selected, not sorted: the sides keep an order of their own.
        let g = got.as_slice().unwrap();
        assert!(g
            .windows(2)
            .any(|w| ref_cmp(w[0], w[1]) == Ordering::Greater));
        // A view with steps partitions what it shows.
        let full = Index::Slice {
            start: None,
            stop: None,
            step: 1,
        };
        let back = Index::Slice {
            start: None,
            stop: None,
            step: -2,
        };
        let v = a.index(&[full, back]).unwrap();
        let xv = x
            .slice_axis(Axis(1), legate_core::ndarray::Slice::new(0, None, -2))
            .to_owned();
        let got = v
            .partition(&[2], Some(1))
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        let pos = v
            .argpartition(&[2], Some(1))
            .unwrap()
            .to_ndarray::<i64>()
            .unwrap();
        check_partitioned(&xv, &got, &pos, 1, &[2]);
    });
}

/// n-d `lexsort` along each axis equals sorting each lane by (last key, first key,
/// position); 0-d keys give position 0 as NumPy does.
#[test]
fn lexsort_of_nd_keys_sorts_each_lane() {
    each_machine(|d| {
        let shape = [4, 7, 3];
        let k0 = ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
            ((ix[0] * 5 + ix[1] * 3 + ix[2]) % 4) as i64
        });
        let k1 = ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
            ((ix[0] + ix[1] * 7 + ix[2] * 2) % 3) as i64
        });
        let keys = [d.from_ndarray(&k0).unwrap(), d.from_ndarray(&k1).unwrap()];
        for axis in [0isize, 1, 2, -1] {
            let ax = axis.rem_euclid(3) as usize;
            let got = Array::lexsort_axis(&keys, axis)
                .unwrap()
                .to_ndarray::<i64>()
                .unwrap();
            for ((l0, l1), g) in k0
                .lanes(Axis(ax))
                .into_iter()
                .zip(k1.lanes(Axis(ax)))
                .zip(got.lanes(Axis(ax)))
            {
                let mut want: Vec<usize> = (0..l0.len()).collect();
                want.sort_by_key(|&i| (l1[i], l0[i]));
                let want: Vec<i64> = want.into_iter().map(|i| i as i64).collect();
                assert_eq!(g.to_vec(), want, "axis {axis}");
            }
        }
        assert!(matches!(
            Array::lexsort_axis(&keys, 3),
            Err(Error::AxisOutOfBounds { .. })
        ));
        let scalar = d.from_vec(vec![5i64], &[]).unwrap();
        let order = Array::lexsort(&[scalar]).unwrap();
        assert_eq!((order.ndim(), order.item::<i64>().unwrap()), (0, 0));
    });
}

#[test]
fn nan_quantiles_skip_nans_per_lane() {
    let qs = [0.0, 0.3, 0.5, 1.0];
    each_machine(|d| {
        let x = ArrayD::from_shape_vec(IxDyn(&[5, 8]), data(40, 17, true)).unwrap();
        let a = d.from_ndarray(&x).unwrap();
        let q = d.from_vec(qs.to_vec(), &[4]).unwrap();
        let p = d
            .from_vec(qs.iter().map(|q| q * 100.0).collect::<Vec<_>>(), &[4])
            .unwrap();
        for method in METHODS {
            let got = a.nanquantile(&q, Some(1), method, false).unwrap();
            let by_p = a.nanpercentile(&p, Some(1), method, false).unwrap();
            assert_eq!(got.shape(), vec![4, 5]);
            let got = got.to_ndarray::<f64>().unwrap();
            let by_p = by_p.to_ndarray::<f64>().unwrap();
            for (k, &qv) in qs.iter().enumerate() {
                for (r, lane) in x.lanes(Axis(1)).into_iter().enumerate() {
                    let kept: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
                    let want = if kept.is_empty() {
                        f64::NAN
                    } else {
                        ref_quantile(&kept, qv, method)
                    };
                    for g in [got[[k, r]], by_p[[k, r]]] {
                        assert!(same(&[g], &[want]) || (g - want).abs() < 1e-12);
                    }
                }
            }
        }
    });
}

#[test]
fn data_dependent_inputs_and_scalar_probes_work() {
    each_machine(|d| {
        let x = data(120, 19, true);
        let a = d.from_vec(x.clone(), &[120]).unwrap();
        // An unbound input (its size comes from the data).
        let kept = a
            .extract(&a.greater(&d.zeros(&[1], Type::Float64).unwrap()).unwrap())
            .unwrap();
        let mut want: Vec<f64> = x.iter().copied().filter(|&v| v > 0.0).collect();
        want.sort_by(|a, b| ref_cmp(*a, *b));
        assert_eq!(kept.sorted(None).unwrap().to_vec::<f64>().unwrap(), want);
        want.dedup();
        let u = kept.unique(UniqueOptions::default()).unwrap();
        assert_eq!(u.values.to_vec::<f64>().unwrap(), want);
        // A 0-d probe gives a 0-d position.
        let s = a.sorted(None).unwrap();
        let probe = d.scalar(Scalar::new(0i64)).unwrap();
        let pos = s.searchsorted(&probe, Side::Left, None).unwrap();
        assert_eq!(pos.shape(), Vec::<usize>::new());
        let mut sorted = x.clone();
        sorted.sort_by(|a, b| ref_cmp(*a, *b));
        assert_eq!(pos.item::<i64>().unwrap(), ref_search(&sorted, 0.0, false));
    });
}
