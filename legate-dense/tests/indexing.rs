//! Advanced indexing, nonzero, take/compress along axes, tiling, repeating, padding and
//! splitting, against references computed with ndarray or direct loops, with 1, 2 and 4
//! CPUs cutting the arrays (and OMP groups for the gather).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use legate_core::ndarray::{ArrayD, Axis, Dimension, IxDyn};
use legate_core::{Config, Error, Runtime, Scalar, Type};
use legate_dense::{Array, Dense, Index, IndexExpr, PadMode};

mod common;
use common::each_cpu_count as each_machine;

/// `0, 1, 2, ...` in `shape`, as f64.
fn counting(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|v| v as f64).collect()).unwrap()
}

fn ints(d: &Arc<Dense>, v: &[i64], shape: &[usize]) -> Array {
    d.from_vec(v.to_vec(), shape).unwrap()
}

fn arr(d: &Arc<Dense>, x: &ArrayD<f64>) -> Array {
    d.from_ndarray(x).unwrap()
}

fn got(a: &Array) -> ArrayD<f64> {
    a.astype(Type::Float64)
        .unwrap()
        .to_ndarray::<f64>()
        .unwrap()
}

fn wrap(i: i64, n: usize) -> usize {
    if i < 0 {
        (i + n as i64) as usize
    } else {
        i as usize
    }
}

fn all() -> IndexExpr {
    IndexExpr::Basic(Index::ALL)
}

#[test]
fn one_integer_array_gathers_along_any_axis() {
    each_machine(|d| {
        let cases: [(&[usize], &[i64], &[usize]); 7] = [
            (&[5], &[2, 0, -1, 2], &[4]),
            (&[6], &[5, -6, 1, 1, 0, 3], &[2, 3]),
            (&[4, 3], &[2, 0, -1, 2], &[4]),
            (&[3, 4, 5], &[1, 0, -1, 1, 2, 2], &[3, 2]),
            (&[0, 3], &[], &[0]),
            (&[2, 3], &[], &[0]),
            (&[1], &[0, 0, 0], &[3]),
        ];
        for (shape, idx, ishape) in cases {
            let x = counting(shape);
            for axis in 0..shape.len() {
                let n = shape[axis];
                if idx.iter().any(|&i| wrap(i, n) >= n) {
                    continue;
                }
                let flat: Vec<usize> = idx.iter().map(|&i| wrap(i, n)).collect();
                let mut want_shape = shape[..axis].to_vec();
                want_shape.extend_from_slice(ishape);
                want_shape.extend_from_slice(&shape[axis + 1..]);
                let want = x
                    .select(Axis(axis), &flat)
                    .as_standard_layout()
                    .into_owned()
                    .into_shape_with_order(IxDyn(&want_shape))
                    .unwrap();
                for ty in [Type::Float64, Type::Int32] {
                    let a = arr(d, &x).astype(ty).unwrap();
                    let mut e = vec![all(); axis];
                    e.push(ints(d, idx, ishape).into());
                    let g = a.get(&e).unwrap();
                    assert_eq!(g.dtype(), ty);
                    assert_eq!(got(&g), want, "{shape:?} axis {axis} {ty}");
                    let t = a.take_axis(&ints(d, idx, ishape), axis as isize).unwrap();
                    assert_eq!(got(&t), want);
                }
            }
        }
    });
}

#[test]
fn index_arrays_broadcast_together_and_mix_with_slices_and_integers() {
    each_machine(|d| {
        let x = counting(&[3, 4, 5]);
        let a = arr(d, &x);
        let i0 = [0i64, 2];
        let i1 = [1i64, 3, -1];
        // a[i0[:, None], i1]: (2, 3, 5)
        let g = a
            .get(&[ints(d, &i0, &[2, 1]).into(), ints(d, &i1, &[3]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[2, 3, 5]), |p| {
            x[[i0[p[0]] as usize, wrap(i1[p[1]], 4), p[2]]]
        });
        assert_eq!(got(&g), want);
        // a[:, [1, 3], [0, 4]]: adjacent advanced indices stay in place: (3, 2)
        let (j1, j2) = ([1i64, 3], [0i64, 4]);
        let g = a
            .get(&[all(), ints(d, &j1, &[2]).into(), ints(d, &j2, &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |p| {
            x[[p[0], j1[p[1]] as usize, j2[p[1]] as usize]]
        });
        assert_eq!(got(&g), want);
        // a[[0, 2], :, [1, 4]]: separated by a slice, the index dimension goes first: (2, 4)
        let (k0, k2) = ([0i64, 2], [1i64, 4]);
        let g = a
            .get(&[ints(d, &k0, &[2]).into(), all(), ints(d, &k2, &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[2, 4]), |p| {
            x[[k0[p[0]] as usize, p[1], k2[p[0]] as usize]]
        });
        assert_eq!(got(&g), want);
        // a[1, :, [0, 2, 4]]: an integer counts as an advanced index: (3, 4)
        let m = [0i64, 2, 4];
        let g = a
            .get(&[Index::At(1).into(), all(), ints(d, &m, &[3]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |p| x[[1, p[1], m[p[0]] as usize]]);
        assert_eq!(got(&g), want);
        // a[:, 1, [0, 2]]: adjacent integer and array: (3, 2)
        let g = a
            .get(&[all(), Index::At(1).into(), ints(d, &[0, 2], &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |p| x[[p[0], 1, 2 * p[1]]]);
        assert_eq!(got(&g), want);
        // a[[0, 2], None]: (2, 1, 4, 5); a[None, :, [1, 2]]: (1, 3, 2, 5)
        let g = a
            .get(&[ints(d, &[0, 2], &[2]).into(), Index::NewAxis.into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[2, 1, 4, 5]), |p| x[[2 * p[0], p[2], p[3]]]);
        assert_eq!(got(&g), want);
        let g = a
            .get(&[Index::NewAxis.into(), all(), ints(d, &[1, 2], &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[1, 3, 2, 5]), |p| x[[p[1], 1 + p[2], p[3]]]);
        assert_eq!(got(&g), want);
        // a[::2, [3, 0]] and a[..., [0, 4]]
        let step2 = Index::Slice {
            start: None,
            stop: None,
            step: 2,
        };
        let g = a
            .get(&[step2.into(), ints(d, &[3, 0], &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[2, 2, 5]), |p| x[[2 * p[0], 3 - 3 * p[1], p[2]]]);
        assert_eq!(got(&g), want);
        let g = a
            .get(&[Index::Ellipsis.into(), ints(d, &[0, 4], &[2]).into()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 4, 2]), |p| x[[p[0], p[1], 4 * p[2]]]);
        assert_eq!(got(&g), want);
        // A 0-d index array selects like an integer, as a copy.
        let z = d.scalar(Scalar::new(2i64)).unwrap();
        let g = a.get(&[z.into()]).unwrap();
        assert_eq!(got(&g), x.index_axis(Axis(0), 2).to_owned());
        // Basic entries only: a view.
        let v = a.get(&[Index::At(1).into()]).unwrap();
        assert!(v.shares_storage(&a));
    });
}

#[test]
fn gathers_and_scatters_go_through_views_of_any_layout() {
    each_machine(|d| {
        // A reversed, strided 1-D view (its pieces read only their image of it).
        let x = counting(&[11]);
        let a = arr(d, &x);
        let v = a
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: -2,
            }])
            .unwrap();
        let idx = [5i64, 0, 2, -1, 3, 3, 1];
        let images = d.runtime().stats().images_computed;
        let g = v.get(&[ints(d, &idx, &[7]).into()]).unwrap();
        let want: Vec<f64> = idx
            .iter()
            .map(|&i| 10.0 - 2.0 * wrap(i, 6) as f64)
            .collect();
        assert_eq!(g.to_vec::<f64>().unwrap(), want);
        if d.runtime().config().cpus > 1 {
            assert!(d.runtime().stats().images_computed > images);
        }
        // A transposed 2-D array, complex values.
        let z = d
            .from_vec(
                (0..12)
                    .map(|k| legate_core::num_complex::Complex::new(k as f64, -(k as f64)))
                    .collect(),
                &[3, 4],
            )
            .unwrap();
        let t = z.t().unwrap();
        let g = t
            .get(&[ints(d, &[3, 1], &[2]).into(), ints(d, &[0, 2], &[2]).into()])
            .unwrap();
        let re: Vec<f64> = g
            .to_vec::<legate_core::num_complex::Complex<f64>>()
            .unwrap()
            .iter()
            .map(|c| c.re)
            .collect();
        assert_eq!(re, vec![3.0, 9.0]);
        t.set(
            &[ints(d, &[3], &[1]).into(), ints(d, &[2], &[1]).into()],
            &d.scalar(Scalar::new(legate_core::num_complex::Complex::new(
                -1.0f64, 0.0,
            )))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            z.to_vec::<legate_core::num_complex::Complex<f64>>()
                .unwrap()[11]
                .re,
            -1.0
        );
        // Empty selections read and write nothing.
        let e = ints(d, &[], &[0]);
        assert_eq!(a.get(&[(&e).into()]).unwrap().shape(), vec![0]);
        a.set(&[(&e).into()], &d.scalar(Scalar::new(1.0f64)).unwrap())
            .unwrap();
        assert_eq!(got(&a), x);
        let empty = d.zeros(&[0, 3], Type::Float32).unwrap();
        let g = empty.get(&[all(), ints(d, &[2, 0], &[2]).into()]).unwrap();
        assert_eq!((g.shape(), g.dtype()), (vec![0, 2], Type::Float32));
    });
}

#[test]
fn boolean_masks_select_like_numpy() {
    each_machine(|d| {
        let x = counting(&[3, 4, 5]);
        let a = arr(d, &x);
        // A mask of the whole shape: the selected elements in row-major order.
        let full = x.mapv(|v| (v as i64) % 3 == 1);
        let g = a.get(&[d.from_ndarray(&full).unwrap().into()]).unwrap();
        let want: Vec<f64> = x
            .iter()
            .zip(full.iter())
            .filter(|(_, &m)| m)
            .map(|(&v, _)| v)
            .collect();
        assert_eq!(g.to_vec::<f64>().unwrap(), want);
        // A mask of the leading two axes: (count, 5).
        let m2 = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |p| (p[0] + p[1]) % 2 == 0);
        let g = a.get(&[d.from_ndarray(&m2).unwrap().into()]).unwrap();
        let rows: Vec<(usize, usize)> = m2
            .indexed_iter()
            .filter(|(_, &m)| m)
            .map(|(p, _)| (p[0], p[1]))
            .collect();
        let want = ArrayD::from_shape_fn(IxDyn(&[rows.len(), 5]), |p| {
            x[[rows[p[0]].0, rows[p[0]].1, p[1]]]
        });
        assert_eq!(got(&g), want);
        // A mask on axis 1: (3, count, 5).
        let m1 = [true, false, false, true];
        let g = a
            .get(&[all(), d.from_vec(m1.to_vec(), &[4]).unwrap().into(), all()])
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 2, 5]), |p| x[[p[0], 3 * p[1], p[2]]]);
        assert_eq!(got(&g), want);
        // Nothing selected.
        let none = d.from_vec(vec![false; 4], &[4]).unwrap();
        let g = a.get(&[all(), none.into()]).unwrap();
        assert_eq!(g.shape(), vec![3, 0, 5]);
        // 0-d booleans: a new axis, whole or empty, as NumPy's a[True] and a[False].
        let yes = d.scalar(Scalar::new(true)).unwrap();
        let no = d.scalar(Scalar::new(false)).unwrap();
        let g = a.get(&[(&yes).into()]).unwrap();
        assert_eq!(got(&g), x.clone().insert_axis(Axis(0)));
        assert_eq!(a.get(&[(&no).into()]).unwrap().shape(), vec![0, 3, 4, 5]);
        let g = a.get(&[(&yes).into(), Index::At(1).into()]).unwrap();
        assert_eq!(
            got(&g),
            x.index_axis(Axis(0), 1).to_owned().insert_axis(Axis(0))
        );
        let b = arr(d, &x);
        b.set(&[(&no).into()], &d.scalar(Scalar::new(-1.0f64)).unwrap())
            .unwrap();
        assert_eq!(got(&b), x);
        b.set(&[(&yes).into()], &d.scalar(Scalar::new(-1.0f64)).unwrap())
            .unwrap();
        assert_eq!(got(&b), x.mapv(|_| -1.0));
        // A mask whose shape does not match.
        let bad = d.from_vec(vec![true; 5], &[5]).unwrap();
        assert!(matches!(
            a.get(&[bad.into()]),
            Err(Error::IndexOutOfBounds { .. })
        ));
    });
}

/// Large scatters are cut along the target's first dimension (one point per band) and
/// still keep NumPy's last write for repeated positions: integer arrays on both axes, an
/// integer array with a slice, and a 1-D target through a view with a step.
#[test]
fn large_scatters_are_cut_in_bands_and_keep_the_last_write() {
    let n = 40_000usize;
    // Positions that repeat about four times, in a scrambled order.
    let rows: Vec<i64> = (0..n).map(|k| ((k * 7919) % 100) as i64 - 50).collect();
    let cols: Vec<i64> = (0..n).map(|k| ((k * 104_729) % 97) as i64).collect();
    let vals: Vec<f64> = (0..n).map(|k| k as f64).collect();
    each_machine(|d| {
        let x = counting(&[100, 97]);
        let a = arr(d, &x);
        // The points a scatter of `m` positions issues, checks of its indices included.
        let points = |m: usize| {
            let before = d.runtime().stats().point_tasks;
            a.set(
                &[
                    ints(d, &rows[..m], &[m]).into(),
                    ints(d, &cols[..m], &[m]).into(),
                ],
                &d.from_vec(vals[..m].to_vec(), &[m]).unwrap(),
            )
            .unwrap();
            d.runtime().stats().point_tasks - before
        };
        let (small, large) = (points(64), points(n));
        let mut want = x.clone();
        for k in 0..n {
            want[[wrap(rows[k], 100), cols[k] as usize]] = vals[k];
        }
        assert_eq!(got(&a), want);
        // The same checks, and one scatter point per CPU instead of one.
        let cpus = d.runtime().machine().count(legate_core::ProcessorKind::Cpu) as u64;
        assert_eq!(
            large - small,
            cpus - 1,
            "{small} and {large} points on {cpus} CPUs"
        );
        // Rows through an index array, columns through a slice: a (n, 2) value.
        let a = arr(d, &x);
        let v = ArrayD::from_shape_fn(IxDyn(&[n, 2]), |p| (p[0] * 2 + p[1]) as f64);
        a.set(
            &[
                ints(d, &rows, &[n]).into(),
                IndexExpr::Basic(Index::Slice {
                    start: Some(3),
                    stop: Some(5),
                    step: 1,
                }),
            ],
            &d.from_ndarray(&v).unwrap(),
        )
        .unwrap();
        let mut want = x.clone();
        for k in 0..n {
            for j in 0..2 {
                want[[wrap(rows[k], 100), 3 + j]] = v[[k, j]];
            }
        }
        assert_eq!(got(&a), want);
        // A 1-D target seen through a step of 3.
        let base = arr(d, &counting(&[300]));
        let view = base
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: 3,
            }])
            .unwrap();
        view.set(
            &[ints(d, &rows, &[n]).into()],
            &d.from_vec(vals.clone(), &[n]).unwrap(),
        )
        .unwrap();
        let mut want = counting(&[300]);
        for k in 0..n {
            want[[3 * wrap(rows[k], 100)]] = vals[k];
        }
        assert_eq!(got(&base), want);
    });
}

#[test]
fn setting_scatters_with_the_last_write_winning() {
    each_machine(|d| {
        // Repeated positions: the last value stays.
        let a = d.zeros(&[6], Type::Int64).unwrap();
        let idx = [1i64, 3, 1, -1, 3];
        a.set(
            &[ints(d, &idx, &[5]).into()],
            &ints(d, &[10, 20, 30, 40, 50], &[5]),
        )
        .unwrap();
        let mut want = [0i64; 6];
        for (&i, v) in idx.iter().zip([10, 20, 30, 40, 50]) {
            want[wrap(i, 6)] = v;
        }
        assert_eq!(a.to_vec::<i64>().unwrap(), want.to_vec());
        // Columns of a 2-D array, from a (4, 2) value cast to the target type.
        let x = counting(&[4, 3]);
        let a = arr(d, &x);
        let v = ArrayD::from_shape_fn(IxDyn(&[4, 2]), |p| -((p[0] * 2 + p[1]) as f64) - 0.5);
        a.set(
            &[all(), ints(d, &[2, 0], &[2]).into()],
            &d.from_ndarray(&v).unwrap().astype(Type::Float32).unwrap(),
        )
        .unwrap();
        let mut want = x.clone();
        for r in 0..4 {
            want[[r, 2]] = v[[r, 0]];
            want[[r, 0]] = v[[r, 1]];
        }
        assert_eq!(got(&a), want);
        // One value broadcast to every selected position, through a strided view.
        let x = counting(&[6, 3]);
        let base = arr(d, &x);
        let view = base
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: 2,
            }])
            .unwrap();
        view.set(
            &[ints(d, &[0, 2], &[2]).into(), ints(d, &[1, 2], &[2]).into()],
            &d.scalar(Scalar::new(-1.0f64)).unwrap(),
        )
        .unwrap();
        let mut want = x.clone();
        want[[0, 1]] = -1.0;
        want[[4, 2]] = -1.0;
        assert_eq!(got(&base), want);
        // Masks: one value, and one value per selected element.
        let x = counting(&[4, 5]);
        let a = arr(d, &x);
        let m = x.mapv(|v| (v as i64) % 4 == 0);
        let mask = d.from_ndarray(&m).unwrap();
        a.set(&[(&mask).into()], &d.scalar(Scalar::new(7i64)).unwrap())
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[4, 5]), |p| if m[&p] { 7.0 } else { x[&p] });
        assert_eq!(got(&a), want);
        let count = m.iter().filter(|&&b| b).count();
        let vals = d
            .arange(100.0, 100.0 + count as f64, 1.0, Type::Float64)
            .unwrap();
        a.set(&[(&mask).into()], &vals).unwrap();
        let mut want = x.clone();
        let mut k = 100.0;
        for (w, &b) in want.iter_mut().zip(m.iter()) {
            if b {
                *w = k;
                k += 1.0;
            }
        }
        assert_eq!(got(&a), want);
        // The value may be a view of the target itself: a[[0, 1, 2]] = a[::-1][:3]
        let a = d.arange(0.0, 5.0, 1.0, Type::Int64).unwrap();
        let rev = a
            .index(&[Index::Slice {
                start: Some(4),
                stop: Some(1),
                step: -1,
            }])
            .unwrap();
        a.set(&[ints(d, &[0, 1, 2], &[3]).into()], &rev).unwrap();
        assert_eq!(a.to_vec::<i64>().unwrap(), vec![4, 3, 2, 3, 4]);
    });
}

#[test]
fn bad_indices_are_errors_and_leave_the_array_unchanged() {
    each_machine(|d| {
        let x = counting(&[3, 4]);
        let a = arr(d, &x);
        let oob = |v: &[i64]| ints(d, v, &[v.len()]);
        assert!(matches!(
            a.get(&[oob(&[0, 3]).into()]),
            Err(Error::IndexOutOfBounds {
                dim: 0,
                index: 3,
                extent: 3
            })
        ));
        assert!(matches!(
            a.get(&[all(), oob(&[-5]).into()]),
            Err(Error::IndexOutOfBounds {
                dim: 1,
                index: -5,
                extent: 4
            })
        ));
        assert!(matches!(
            a.set(
                &[oob(&[1, 4]).into()],
                &d.scalar(Scalar::new(0.0f64)).unwrap()
            ),
            Err(Error::IndexOutOfBounds { .. })
        ));
        assert_eq!(got(&a), x);
        assert!(matches!(
            a.get(&[d.from_vec(vec![0.5f64], &[1]).unwrap().into()]),
            Err(Error::TypeMismatch { .. })
        ));
        assert!(matches!(
            a.get(&[oob(&[0]).into(), oob(&[0]).into(), oob(&[0]).into()]),
            Err(Error::IndexOutOfBounds { .. })
        ));
        assert!(matches!(
            a.get(&[oob(&[0, 1]).into(), oob(&[0, 1, 2]).into()]),
            Err(Error::ShapeMismatch { .. })
        ));
        // A value that does not broadcast to the selection.
        assert!(matches!(
            a.set(&[oob(&[0, 1]).into()], &ints(d, &[1, 2, 3], &[3])),
            Err(Error::ShapeMismatch { .. })
        ));
        assert_eq!(got(&a), x);
        assert!(matches!(
            a.take_axis(&oob(&[4]), 1),
            Err(Error::IndexOutOfBounds { .. })
        ));
        assert!(matches!(
            a.take_axis(&oob(&[0]), 2),
            Err(Error::AxisOutOfBounds { .. })
        ));
        // A condition longer than the axis with a true past its end.
        let c = d.from_vec(vec![true, false, false, true], &[4]).unwrap();
        assert!(matches!(
            a.compress_axis(&c, 0),
            Err(Error::IndexOutOfBounds { .. })
        ));
    });
}

#[test]
fn nonzero_argwhere_and_flatnonzero_match_loops() {
    each_machine(|d| {
        for shape in [&[0][..], &[7], &[4, 5], &[2, 3, 4], &[3, 0, 2]] {
            let x = counting(shape).mapv(|v| ((v as i64 * 7) % 5 % 2) as f64);
            let want: Vec<Vec<usize>> = x
                .indexed_iter()
                .filter(|(_, &v)| v != 0.0)
                .map(|(p, _)| p.slice().to_vec())
                .collect();
            for ty in [Type::Float64, Type::Int16, Type::Bool] {
                let a = arr(d, &x).astype(ty).unwrap();
                let nz = a.nonzero().unwrap();
                assert_eq!(nz.len(), shape.len());
                for (k, z) in nz.iter().enumerate() {
                    assert_eq!(z.dtype(), Type::Int64);
                    let col: Vec<i64> = want.iter().map(|p| p[k] as i64).collect();
                    assert_eq!(z.to_vec::<i64>().unwrap(), col, "{shape:?} {ty}");
                }
                let w = a.argwhere().unwrap();
                assert_eq!(w.shape(), vec![want.len(), shape.len()]);
                let rows: Vec<i64> = want.iter().flatten().map(|&v| v as i64).collect();
                assert_eq!(w.to_vec::<i64>().unwrap(), rows);
                let flat: Vec<i64> = x
                    .iter()
                    .enumerate()
                    .filter(|(_, &v)| v != 0.0)
                    .map(|(k, _)| k as i64)
                    .collect();
                assert_eq!(a.flatnonzero().unwrap().to_vec::<i64>().unwrap(), flat);
            }
        }
        let zero_d = d.scalar(Scalar::new(3.0f64)).unwrap();
        assert!(matches!(
            zero_d.nonzero(),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(zero_d.argwhere().unwrap().shape(), vec![1, 0]);
    });
}

#[test]
fn take_compress_and_along_axis_match_loops() {
    each_machine(|d| {
        let x = counting(&[3, 4]);
        let a = arr(d, &x);
        // Flattened take, as before.
        let t = a.take(&ints(d, &[11, 0, -1], &[3])).unwrap();
        assert_eq!(t.to_vec::<f64>().unwrap(), vec![11.0, 0.0, 11.0]);
        // compress along each axis and flattened.
        let c = d.from_vec(vec![false, true, true], &[3]).unwrap();
        let g = a.compress_axis(&c, 0).unwrap();
        assert_eq!(got(&g), x.select(Axis(0), &[1, 2]));
        let c = d.from_vec(vec![true, false, false, true], &[4]).unwrap();
        let g = a.compress_axis(&c, -1).unwrap();
        assert_eq!(got(&g), x.select(Axis(1), &[0, 3]));
        let c = d.from_vec(vec![0i32, 1, 0, 1, 1], &[5]).unwrap();
        assert_eq!(
            a.compress(&c).unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, 3.0, 4.0]
        );
        // take_along_axis: out[i, j] = x[i, idx[i, j]] (axis 1), x[idx[i, j], j] (axis 0).
        let idx1 = [3i64, 0, 1, 1, -1, 2];
        let g = a
            .take_along_axis(&ints(d, &idx1, &[3, 2]), Some(1))
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |p| {
            x[[p[0], wrap(idx1[p[0] * 2 + p[1]], 4)]]
        });
        assert_eq!(got(&g), want);
        let idx0 = [2i64, 0, 1, 0];
        let g = a
            .take_along_axis(&ints(d, &idx0, &[1, 4]), Some(0))
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[1, 4]), |p| x[[idx0[p[1]] as usize, p[1]]]);
        assert_eq!(got(&g), want);
        let g = a.take_along_axis(&ints(d, &[5, 1], &[2]), None).unwrap();
        assert_eq!(g.to_vec::<f64>().unwrap(), vec![5.0, 1.0]);
        assert!(matches!(
            a.take_along_axis(&ints(d, &[0], &[1]), Some(0)),
            Err(Error::InvalidArgument { .. })
        ));
        // put_along_axis writes where take_along_axis reads.
        let b = arr(d, &x);
        b.put_along_axis(
            &ints(d, &idx1, &[3, 2]),
            &d.scalar(Scalar::new(-1.0f64)).unwrap(),
            Some(1),
        )
        .unwrap();
        let mut want = x.clone();
        for (k, &i) in idx1.iter().enumerate() {
            want[[k / 2, wrap(i, 4)]] = -1.0;
        }
        assert_eq!(got(&b), want);
        let b = arr(d, &x).t().unwrap();
        b.put_along_axis(&ints(d, &[0, 5], &[2]), &ints(d, &[-7, -8], &[2]), None)
            .unwrap();
        let mut want = x.t().to_owned();
        want[[0, 0]] = -7.0;
        want[[1, 2]] = -8.0;
        assert_eq!(got(&b), want);
    });
}

#[test]
fn tile_and_repeat_match_loops() {
    each_machine(|d| {
        let cases: [(&[usize], &[usize]); 7] = [
            (&[3], &[2]),
            (&[3], &[2, 2]),
            (&[2, 3], &[2, 1]),
            (&[2, 3], &[3]),
            (&[2, 1, 3], &[1, 4, 2]),
            (&[0, 2], &[3, 2]),
            (&[2, 2, 2, 2], &[2, 2, 2, 2]),
        ];
        for (shape, reps) in cases {
            let x = counting(shape);
            let nd = shape.len().max(reps.len());
            let mut s = vec![1; nd - shape.len()];
            s.extend_from_slice(shape);
            let mut r = vec![1; nd - reps.len()];
            r.extend_from_slice(reps);
            let xs = x.clone().into_shape_with_order(IxDyn(&s)).unwrap();
            let out: Vec<usize> = s.iter().zip(&r).map(|(a, b)| a * b).collect();
            let want = ArrayD::from_shape_fn(IxDyn(&out), |p| {
                let q: Vec<usize> = (0..nd).map(|k| p[k] % s[k]).collect();
                xs[IxDyn(&q)]
            });
            let t = arr(d, &x).tile(reps).unwrap();
            assert_eq!(got(&t), want, "tile {shape:?} by {reps:?}");
        }
        let x = counting(&[2, 3]);
        let a = arr(d, &x);
        for (axis, n) in [(0usize, 3usize), (1, 2), (1, 0)] {
            let mut out = x.shape().to_vec();
            out[axis] *= n;
            let want = ArrayD::from_shape_fn(IxDyn(&out), |p| {
                let mut q = p.clone();
                q[axis] /= n;
                x[q]
            });
            assert_eq!(got(&a.repeat(n, Some(axis as isize)).unwrap()), want);
        }
        let flat: Vec<f64> = x.iter().flat_map(|&v| [v, v]).collect();
        assert_eq!(a.repeat(2, None).unwrap().to_vec::<f64>().unwrap(), flat);
        // Per-element counts.
        let counts = [2i64, 0, 3];
        let g = a.repeat_each(&ints(d, &counts, &[3]), Some(1)).unwrap();
        let cols: Vec<usize> = counts
            .iter()
            .enumerate()
            .flat_map(|(j, &c)| std::iter::repeat_n(j, c as usize))
            .collect();
        assert_eq!(got(&g), x.select(Axis(1), &cols));
        let g = a.repeat_each(&ints(d, &[2], &[1]), Some(0)).unwrap();
        assert_eq!(got(&g), x.select(Axis(0), &[0, 0, 1, 1]));
        assert!(matches!(
            a.repeat_each(&ints(d, &[1, 2], &[2]), Some(1)),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            a.repeat_each(&ints(d, &[1, -1], &[2]), Some(0)),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            a.repeat_each(&d.from_vec(vec![1.0f64, 2.0], &[2]).unwrap(), Some(0)),
            Err(Error::TypeMismatch { .. })
        ));
    });
}

/// NumPy's pad of one axis: the original position that padded position `i` copies.
fn pad_source(mode: &str, i: i64, before: i64, n: i64) -> Option<usize> {
    let k = i - before;
    if (0..n).contains(&k) {
        return Some(k as usize);
    }
    let m = match mode {
        "constant" => return None,
        "edge" => k.clamp(0, n - 1),
        "wrap" => k.rem_euclid(n),
        _ if n == 1 => 0,
        "reflect" => {
            let r = k.rem_euclid(2 * n - 2);
            r.min(2 * n - 2 - r)
        }
        _ => {
            let r = k.rem_euclid(2 * n);
            r.min(2 * n - 1 - r)
        }
    };
    Some(m as usize)
}

#[test]
fn pad_matches_numpy_in_every_mode() {
    each_machine(|d| {
        let a = ints(d, &[1, 2, 3], &[3]);
        let modes = [
            ("constant", PadMode::Constant(Scalar::new(9i64))),
            ("edge", PadMode::Edge),
            ("reflect", PadMode::Reflect),
            ("symmetric", PadMode::Symmetric),
            ("wrap", PadMode::Wrap),
        ];
        // np.pad([1, 2, 3], (2, 3), mode)
        let numpy: [&[i64]; 5] = [
            &[9, 9, 1, 2, 3, 9, 9, 9],
            &[1, 1, 1, 2, 3, 3, 3, 3],
            &[3, 2, 1, 2, 3, 2, 1, 2],
            &[2, 1, 1, 2, 3, 3, 2, 1],
            &[2, 3, 1, 2, 3, 1, 2, 3],
        ];
        for ((_, mode), want) in modes.iter().zip(numpy) {
            let p = a.pad(&[(2, 3)], *mode).unwrap();
            assert_eq!(p.to_vec::<i64>().unwrap(), want.to_vec(), "{mode:?}");
        }
        // np.pad([1, 2, 3], (5, 0), 'reflect'): wider than the array.
        assert_eq!(
            a.pad(&[(5, 0)], PadMode::Reflect)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![2, 1, 2, 3, 2, 1, 2, 3]
        );
        // 2-D and 3-D, pads narrower and wider than the axes, corners included.
        for (shape, widths) in [
            (&[3, 4][..], &[(1, 2), (3, 0)][..]),
            (&[2, 3], &[(5, 4), (7, 2)]),
            (&[1, 3, 2], &[(2, 1), (0, 4), (3, 3)]),
        ] {
            let x = counting(shape);
            let xa = arr(d, &x);
            for (name, mode) in modes {
                let out: Vec<usize> = shape
                    .iter()
                    .zip(widths)
                    .map(|(n, w)| n + w.0 + w.1)
                    .collect();
                let want = ArrayD::from_shape_fn(IxDyn(&out), |p| {
                    let q: Option<Vec<usize>> = (0..shape.len())
                        .map(|k| pad_source(name, p[k] as i64, widths[k].0 as i64, shape[k] as i64))
                        .collect();
                    q.map_or(9.0, |q| x[IxDyn(&q)])
                });
                let p = xa.pad(widths, mode).unwrap();
                assert_eq!(got(&p), want, "{name} {shape:?} {widths:?}");
            }
        }
        // A single element reflects to itself; empty axes pad only with a constant.
        let one = ints(d, &[5], &[1]);
        assert_eq!(
            one.pad(&[(2, 2)], PadMode::Reflect)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![5; 5]
        );
        let empty = d.zeros(&[0], Type::Int64).unwrap();
        assert_eq!(
            empty
                .pad(&[(1, 1)], PadMode::Constant(Scalar::new(7i64)))
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![7, 7]
        );
        assert!(matches!(
            empty.pad(&[(1, 0)], PadMode::Edge),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            a.pad(&[(1, 1), (1, 1)], PadMode::Edge),
            Err(Error::ShapeMismatch { .. })
        ));
    });
}

#[test]
fn splits_at_positions_and_into_sections_are_views() {
    each_machine(|d| {
        let x = counting(&[7]);
        let a = arr(d, &x);
        let lens = |parts: &[Array]| parts.iter().map(|p| p.shape()[0]).collect::<Vec<_>>();
        let parts = a.split_at(&[2, 5], 0).unwrap();
        assert_eq!(lens(&parts), vec![2, 3, 2]);
        assert_eq!(parts[1].to_vec::<f64>().unwrap(), vec![2.0, 3.0, 4.0]);
        assert!(parts.iter().all(|p| p.shares_storage(&a)));
        // Python's slice rules: decreasing and negative positions.
        assert_eq!(lens(&a.split_at(&[5, 2], 0).unwrap()), vec![5, 0, 5]);
        assert_eq!(lens(&a.split_at(&[-2, 10], 0).unwrap()), vec![5, 2, 0]);
        assert_eq!(lens(&a.array_split(3, 0).unwrap()), vec![3, 2, 2]);
        assert_eq!(
            lens(&a.array_split(9, 0).unwrap()),
            vec![1, 1, 1, 1, 1, 1, 1, 0, 0]
        );
        assert!(matches!(
            a.array_split(0, 0),
            Err(Error::InvalidArgument { .. })
        ));
        let y = counting(&[4, 6, 2]);
        let b = arr(d, &y);
        let h = b.hsplit(3).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(got(&h[2]), y.select(Axis(1), &[4, 5]));
        let v = b.vsplit(2).unwrap();
        assert_eq!(got(&v[1]), y.select(Axis(0), &[2, 3]));
        let ds = b.dsplit(2).unwrap();
        assert_eq!(got(&ds[0]), y.select(Axis(2), &[0]));
        let parts = b.array_split(4, 1).unwrap();
        assert_eq!(
            parts.iter().map(|p| p.shape()[1]).collect::<Vec<_>>(),
            vec![2, 2, 1, 1]
        );
        assert_eq!(got(&parts[2]), y.select(Axis(1), &[4]));
        assert_eq!(lens(&a.hsplit(7).unwrap()), vec![1; 7]);
        assert!(matches!(a.vsplit(1), Err(Error::InvalidArgument { .. })));
        assert!(matches!(
            arr(d, &counting(&[2, 2])).dsplit(1),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(b.hsplit(4), Err(Error::InvalidArgument { .. })));
    });
}

#[test]
fn gathers_and_nonzero_run_on_omp_groups() {
    let mut config = Config::with_cpus(1);
    config.omps = 2;
    config.ompthreads = 2;
    config.min_omp_chunk = 1;
    config.min_cpu_chunk = 1;
    let d = Dense::new(&Runtime::new(config).unwrap()).unwrap();
    let x = counting(&[20, 30]);
    let a = arr(&d, &x);
    let rows: Vec<i64> = (0..25).map(|k| (k * 7) % 20 - 10).collect();
    let g = a
        .get(&[ints(&d, &rows, &[5, 5]).into(), Index::range(3, 9).into()])
        .unwrap();
    let want = ArrayD::from_shape_fn(IxDyn(&[5, 5, 6]), |p| {
        x[[wrap(rows[p[0] * 5 + p[1]], 20), p[2] + 3]]
    });
    assert_eq!(got(&g), want);
    let m = x.mapv(|v| (v as i64) % 7 == 0);
    let sel = a.get(&[d.from_ndarray(&m).unwrap().into()]).unwrap();
    let want: Vec<f64> = x.iter().copied().filter(|v| (*v as i64) % 7 == 0).collect();
    assert_eq!(sel.to_vec::<f64>().unwrap(), want);
    let nz = a.nonzero().unwrap();
    let (r, c): (Vec<i64>, Vec<i64>) = x
        .indexed_iter()
        .filter(|(_, &v)| v != 0.0)
        .map(|(p, _)| (p[0] as i64, p[1] as i64))
        .unzip();
    assert_eq!(nz[0].to_vec::<i64>().unwrap(), r);
    assert_eq!(nz[1].to_vec::<i64>().unwrap(), c);
}
