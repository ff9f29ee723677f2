//! Scans, NaN-skipping reductions, reductions with `dtype=` and the legacy random API,
//! against direct loops, with 1, 2 and 4 CPUs cutting the arrays and on OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use legate_core::ndarray::{ArrayD, Axis, IxDyn};
use legate_core::num_complex::Complex;
use legate_core::{Error, Type};
use legate_dense::{Array, Generator, Index};

mod common;
use common::{dense, each_machine};

fn values(shape: &[usize], f: impl Fn(usize) -> f64) -> ArrayD<f64> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap()
}

/// Small integers, so float sums are exact in any order.
fn ints(shape: &[usize]) -> ArrayD<f64> {
    values(shape, |i| ((i * 7 + 3) % 11) as f64 - 5.0)
}

/// The sequential scan of `x` along `axis` (flattened when `None`).
fn scan_ref<T: Copy>(x: &ArrayD<T>, axis: Option<usize>, f: impl Fn(T, T) -> T) -> ArrayD<T> {
    match axis {
        None => {
            let mut out = Vec::with_capacity(x.len());
            let mut acc: Option<T> = None;
            for &v in x.iter() {
                let next = acc.map_or(v, |a| f(a, v));
                out.push(next);
                acc = Some(next);
            }
            ArrayD::from_shape_vec(IxDyn(&[x.len()]), out).unwrap()
        }
        Some(a) => {
            let mut y = x.clone();
            y.accumulate_axis_inplace(Axis(a), |&p, c| *c = f(p, *c));
            y
        }
    }
}

/// `f` of each lane along `axis` (of all values when `None`), in the reduced shape.
fn lanes_ref(x: &ArrayD<f64>, axis: Option<usize>, f: impl Fn(&[f64]) -> f64) -> ArrayD<f64> {
    match axis {
        None => ArrayD::from_elem(IxDyn(&[]), f(&x.iter().copied().collect::<Vec<_>>())),
        Some(a) => {
            let mut shape = x.shape().to_vec();
            shape.remove(a);
            let v = x
                .lanes(Axis(a))
                .into_iter()
                .map(|l| f(&l.iter().copied().collect::<Vec<_>>()))
                .collect();
            ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap()
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(close(*g, *w), "{what}: got {got}, want {want}");
    }
}

const SHAPES: [&[usize]; 5] = [&[1], &[37], &[6, 5], &[3, 4, 5], &[64, 3]];

fn axes(ndim: usize) -> Vec<Option<isize>> {
    let mut v = vec![None];
    v.extend((0..ndim as isize).map(Some));
    v.push(Some(-1));
    v
}

fn norm(axis: Option<isize>, ndim: usize) -> Option<usize> {
    axis.map(|a| if a < 0 { a + ndim as isize } else { a } as usize)
}

#[test]
fn cumsum_and_cumprod_match_sequential_loops() {
    each_machine(|d| {
        for shape in SHAPES {
            let x = ints(shape);
            let a = d.from_ndarray(&x).unwrap();
            for axis in axes(shape.len()) {
                let ax = norm(axis, shape.len());
                let got = a.cumsum(axis).unwrap();
                assert_eq!(got.dtype(), Type::Float64);
                assert_eq!(
                    got.to_ndarray::<f64>().unwrap(),
                    scan_ref(&x, ax, |p, v| p + v),
                    "cumsum {shape:?} axis {axis:?}"
                );
                let small = x.mapv(|v| 1.0 + v / 64.0);
                let got = d
                    .from_ndarray(&small)
                    .unwrap()
                    .cumprod(axis)
                    .unwrap()
                    .to_ndarray::<f64>()
                    .unwrap();
                assert_close(&got, &scan_ref(&small, ax, |p, v| p * v), "cumprod");
            }
        }
    });
}

#[test]
fn integer_scans_accumulate_in_64_bits() {
    each_machine(|d| {
        let x = ArrayD::from_shape_fn(IxDyn(&[9, 7]), |i| {
            ((i[0] * 31 + i[1] * 17) % 120) as i32 - 40
        });
        let a = d.from_ndarray(&x).unwrap();
        let wide = x.mapv(i64::from);
        for axis in axes(2) {
            let ax = norm(axis, 2);
            let s = a.cumsum(axis).unwrap();
            assert_eq!(s.dtype(), Type::Int64);
            assert_eq!(
                s.to_ndarray::<i64>().unwrap(),
                scan_ref(&wide, ax, |p, v| p + v)
            );
            let p = a.cumprod(axis).unwrap();
            assert_eq!(
                p.to_ndarray::<i64>().unwrap(),
                scan_ref(&wide, ax, i64::wrapping_mul)
            );
        }
        // Unsigned and boolean inputs: uint64 and int64, as NumPy's cumsum.
        let u = ArrayD::from_shape_fn(IxDyn(&[50]), |i| (i[0] * 13 % 256) as u8);
        let s = d.from_ndarray(&u).unwrap().cumsum(None).unwrap();
        assert_eq!(s.dtype(), Type::UInt64);
        assert_eq!(
            s.to_ndarray::<u64>().unwrap(),
            scan_ref(&u.mapv(u64::from), None, |p, v| p + v)
        );
        let b = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] + i[1]) % 3 == 0);
        let s = d.from_ndarray(&b).unwrap().cumsum(Some(1)).unwrap();
        assert_eq!(s.dtype(), Type::Int64);
        assert_eq!(
            s.to_ndarray::<i64>().unwrap(),
            scan_ref(&b.mapv(i64::from), Some(1), |p, v| p + v)
        );
    });
}

#[test]
fn scans_with_dtype_cast_then_accumulate_in_it() {
    each_machine(|d| {
        let u = ArrayD::from_shape_fn(IxDyn(&[40]), |i| (i[0] * 37 % 256) as u8);
        let a = d.from_ndarray(&u).unwrap();
        let s = a.cumsum_dtype(None, Type::UInt8).unwrap();
        assert_eq!(s.dtype(), Type::UInt8);
        assert_eq!(
            s.to_ndarray::<u8>().unwrap(),
            scan_ref(&u, None, u8::wrapping_add)
        );
        let f = a.cumsum_dtype(Some(0), Type::Float32).unwrap();
        assert_eq!(
            f.to_ndarray::<f32>().unwrap(),
            scan_ref(&u.mapv(f32::from), None, |p, v| p + v)
        );
        let x = ints(&[5, 4]);
        let p = d
            .from_ndarray(&x)
            .unwrap()
            .cumprod_dtype(Some(0), Type::Int32)
            .unwrap();
        assert_eq!(p.dtype(), Type::Int32);
        assert_eq!(
            p.to_ndarray::<i32>().unwrap(),
            scan_ref(&x.mapv(|v| v as i32), Some(0), |p, v| p.wrapping_mul(v))
        );
        let c = ArrayD::from_shape_fn(IxDyn(&[3, 5]), |i| {
            Complex::new(i[0] as f64, i[1] as f64 - 2.0)
        });
        let s = d.from_ndarray(&c).unwrap().cumsum(Some(1)).unwrap();
        assert_eq!(s.dtype(), Type::Complex128);
        assert_eq!(
            s.to_ndarray::<Complex<f64>>().unwrap(),
            scan_ref(&c, Some(1), |p, v| p + v)
        );
    });
}

#[test]
fn scans_read_views_and_leave_them_intact() {
    each_machine(|d| {
        let x = ints(&[8, 6]);
        let a = d.from_ndarray(&x).unwrap();
        let t = a.t().unwrap();
        let want = scan_ref(&x.t().to_owned(), Some(1), |p, v| p + v);
        assert_eq!(
            t.cumsum(Some(1)).unwrap().to_ndarray::<f64>().unwrap(),
            want
        );
        let rev = a
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: -2,
            }])
            .unwrap();
        let xr = x
            .slice(legate_core::ndarray::s![..;-2, ..])
            .to_owned()
            .into_dyn();
        assert_eq!(
            rev.cumsum(Some(0)).unwrap().to_ndarray::<f64>().unwrap(),
            scan_ref(&xr, Some(0), |p, v| p + v)
        );
        assert_eq!(a.to_ndarray::<f64>().unwrap(), x);
    });
}

#[test]
fn long_scans_cut_the_scanned_axis_and_agree() {
    // Long enough that OMP threads split each lane into chunks.
    each_machine(|d| {
        let x = values(&[20_011], |i| ((i * 13) % 17) as f64 - 8.0);
        let a = d.from_ndarray(&x).unwrap();
        assert_eq!(
            a.cumsum(None).unwrap().to_ndarray::<f64>().unwrap(),
            scan_ref(&x, None, |p, v| p + v)
        );
        let y = values(&[3, 9_001], |i| ((i * 5) % 7) as f64);
        let b = d.from_ndarray(&y).unwrap();
        assert_eq!(
            b.cumsum(Some(1)).unwrap().to_ndarray::<f64>().unwrap(),
            scan_ref(&y, Some(1), |p, v| p + v)
        );
        let n = values(&[20_000], |i| {
            if i % 9 == 4 {
                f64::NAN
            } else {
                (i % 3) as f64
            }
        });
        assert_eq!(
            d.from_ndarray(&n)
                .unwrap()
                .nancumsum(None)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap(),
            scan_ref(
                &n.mapv(|v| if v.is_nan() { 0.0 } else { v }),
                None,
                |p, v| p + v
            )
        );
    });
}

#[test]
fn nan_scans_treat_nan_as_the_identity() {
    each_machine(|d| {
        for shape in SHAPES {
            let x = values(shape, |i| {
                if i % 4 == 1 {
                    f64::NAN
                } else {
                    1.0 + ((i % 5) as f64 - 2.0) / 8.0
                }
            });
            let a = d.from_ndarray(&x).unwrap();
            for axis in axes(shape.len()) {
                let ax = norm(axis, shape.len());
                let zeroed = x.mapv(|v| if v.is_nan() { 0.0 } else { v });
                let got = a.nancumsum(axis).unwrap().to_ndarray::<f64>().unwrap();
                assert_close(&got, &scan_ref(&zeroed, ax, |p, v| p + v), "nancumsum");
                let ones = x.mapv(|v| if v.is_nan() { 1.0 } else { v });
                let got = a.nancumprod(axis).unwrap().to_ndarray::<f64>().unwrap();
                assert_close(&got, &scan_ref(&ones, ax, |p, v| p * v), "nancumprod");
                // The plain scan propagates NaN.
                let got = a.cumsum(axis).unwrap().to_ndarray::<f64>().unwrap();
                assert_close(&got, &scan_ref(&x, ax, |p, v| p + v), "cumsum with NaN");
            }
        }
        let i = d.from_vec(vec![1i32, 2, 3], &[3]).unwrap();
        assert_eq!(
            i.nancumsum(None).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 3, 6]
        );
    });
}

#[test]
fn scans_of_empty_and_bad_axes() {
    let d = dense(2);
    let e = d.zeros(&[0, 3], Type::Float64).unwrap();
    assert_eq!(e.cumsum(Some(0)).unwrap().shape(), vec![0, 3]);
    assert_eq!(e.cumsum(None).unwrap().shape(), vec![0]);
    let a = d.zeros(&[2, 3], Type::Float64).unwrap();
    assert!(matches!(
        a.cumsum(Some(2)),
        Err(Error::AxisOutOfBounds { .. })
    ));
    assert!(matches!(
        a.cumprod(Some(-3)),
        Err(Error::AxisOutOfBounds { .. })
    ));
    let s = d.from_vec(vec![4.0f64], &[]).unwrap();
    assert_eq!(s.cumsum(None).unwrap().to_vec::<f64>().unwrap(), vec![4.0]);
}

/// A float grid with NaNs sprinkled in and one all-NaN row (row 1 when there are rows).
fn with_nans(shape: &[usize]) -> ArrayD<f64> {
    let mut x = values(shape, |i| {
        if i % 5 == 2 {
            f64::NAN
        } else {
            ((i * 7 + 3) % 13) as f64 - 6.0
        }
    });
    if shape.len() == 2 && shape[0] > 1 {
        x.index_axis_mut(Axis(0), 1).fill(f64::NAN);
    }
    x
}

fn finite(l: &[f64]) -> Vec<f64> {
    l.iter().copied().filter(|v| !v.is_nan()).collect()
}

fn var_ref(l: &[f64], ddof: usize) -> f64 {
    let v = finite(l);
    if v.len() <= ddof {
        return f64::NAN;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - ddof) as f64
}

fn keep(r: ArrayD<f64>, shape: &[usize], axis: Option<usize>) -> ArrayD<f64> {
    match axis {
        None => r
            .into_shape_with_order(IxDyn(&vec![1; shape.len()]))
            .unwrap(),
        Some(a) => r.insert_axis(Axis(a)),
    }
}

#[test]
fn nan_reductions_skip_nans() {
    type Check = (
        &'static str,
        fn(&Array, Option<isize>, bool) -> Array,
        fn(&[f64]) -> f64,
    );
    let checks: [Check; 8] = [
        (
            "nansum",
            |a, ax, k| a.nansum(ax, k).unwrap(),
            |l| finite(l).iter().sum(),
        ),
        (
            "nanprod",
            |a, ax, k| a.nanprod(ax, k).unwrap(),
            |l| finite(l).iter().map(|v| v / 4.0).product(),
        ),
        (
            "nanmax",
            |a, ax, k| a.nanmax(ax, k).unwrap(),
            |l| finite(l).into_iter().reduce(f64::max).unwrap_or(f64::NAN),
        ),
        (
            "nanmin",
            |a, ax, k| a.nanmin(ax, k).unwrap(),
            |l| finite(l).into_iter().reduce(f64::min).unwrap_or(f64::NAN),
        ),
        (
            "nanmean",
            |a, ax, k| a.nanmean(ax, k).unwrap(),
            |l| {
                let v = finite(l);
                v.iter().sum::<f64>() / v.len() as f64
            },
        ),
        (
            "nanvar",
            |a, ax, k| a.nanvar(ax, 0, k).unwrap(),
            |l| var_ref(l, 0),
        ),
        (
            "nanvar ddof 1",
            |a, ax, k| a.nanvar(ax, 1, k).unwrap(),
            |l| var_ref(l, 1),
        ),
        (
            "nanstd",
            |a, ax, k| a.nanstd(ax, 1, k).unwrap(),
            |l| var_ref(l, 1).sqrt(),
        ),
    ];
    each_machine(|d| {
        for shape in [&[17][..], &[4, 6], &[3, 1], &[2, 3, 4], &[3, 601, 2]] {
            let x = with_nans(shape);
            let a = d.from_ndarray(&x).unwrap();
            for (name, f, r) in &checks {
                // nanprod works on quarters so the products stay small.
                let (a, x) = if *name == "nanprod" {
                    let q = x.mapv(|v| v / 4.0);
                    (d.from_ndarray(&q).unwrap(), x.clone())
                } else {
                    (a.clone(), x.clone())
                };
                for axis in axes(shape.len()) {
                    let ax = norm(axis, shape.len());
                    let want = lanes_ref(&x, ax, r);
                    let got = f(&a, axis, false);
                    assert_eq!(got.dtype(), Type::Float64, "{name}");
                    assert_close(&got.to_ndarray::<f64>().unwrap(), &want, name);
                    let got = f(&a, axis, true).to_ndarray::<f64>().unwrap();
                    assert_close(&got, &keep(want, shape, ax), name);
                }
            }
        }
    });
}

/// Of views (a transpose, a reversed and stepped slice): each band reads its values
/// through the view, and the deviations of `nanvar` from its broadcast mean.
#[test]
fn nan_reductions_of_views_match_their_values() {
    each_machine(|d| {
        let x = with_nans(&[40, 7]);
        let a = d.from_ndarray(&x).unwrap();
        let t = a.transpose(None).unwrap();
        let xt = x.t().to_owned();
        let s = a
            .index(&[Index::Slice {
                start: Some(-2),
                stop: None,
                step: -3,
            }])
            .unwrap();
        let xs = s.to_ndarray::<f64>().unwrap();
        for (v, xv) in [(&t, &xt), (&s, &xs)] {
            for axis in [0usize, 1] {
                let got = v.nanmean(Some(axis as isize), false).unwrap();
                let want = lanes_ref(xv, Some(axis), |l| {
                    let f = finite(l);
                    f.iter().sum::<f64>() / f.len() as f64
                });
                assert_close(&got.to_ndarray::<f64>().unwrap(), &want, "nanmean");
                let got = v.nanvar(Some(axis as isize), 1, false).unwrap();
                let want = lanes_ref(xv, Some(axis), |l| var_ref(l, 1));
                assert_close(&got.to_ndarray::<f64>().unwrap(), &want, "nanvar");
            }
        }
        // The views' values are intact.
        assert_eq!(
            t.to_ndarray::<f64>().unwrap().mapv(f64::to_bits),
            xt.mapv(f64::to_bits)
        );
    });
}

#[test]
fn nan_reductions_keep_float32_and_fall_back_for_integers() {
    each_machine(|d| {
        let x = with_nans(&[5, 4]).mapv(|v| v as f32);
        let a = d.from_ndarray(&x).unwrap();
        let s = a.nansum(Some(1), false).unwrap();
        assert_eq!(s.dtype(), Type::Float32);
        let want: Vec<f32> = x
            .lanes(Axis(1))
            .into_iter()
            .map(|l| l.iter().filter(|v| !v.is_nan()).sum())
            .collect();
        assert_eq!(s.to_vec::<f32>().unwrap(), want);
        let m = a.nanmean(None, false).unwrap();
        assert_eq!(m.dtype(), Type::Float32);
        let v: Vec<f64> = x
            .iter()
            .filter(|v| !v.is_nan())
            .map(|&v| f64::from(v))
            .collect();
        let want = (v.iter().sum::<f64>() / v.len() as f64) as f32;
        assert!((m.item::<f32>().unwrap() - want).abs() < 1e-6);
        assert_eq!(a.nanvar(None, 0, false).unwrap().dtype(), Type::Float32);

        let i = d.from_vec(vec![3i32, -1, 7, 2], &[2, 2]).unwrap();
        assert_eq!(i.nansum(None, false).unwrap().item::<i64>().unwrap(), 11);
        assert_eq!(
            i.nanprod(Some(0), false).unwrap().to_vec::<i64>().unwrap(),
            vec![21, -2]
        );
        assert_eq!(
            i.nanmax(Some(1), false).unwrap().to_vec::<i32>().unwrap(),
            vec![3, 7]
        );
        assert_eq!(i.nanmin(None, false).unwrap().item::<i32>().unwrap(), -1);
        assert_eq!(i.nanmean(None, false).unwrap().item::<f64>().unwrap(), 2.75);
        assert_eq!(
            i.nanvar(Some(0), 0, false)
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![4.0, 2.25]
        );
        assert_eq!(i.nanargmax(None).unwrap().item::<i64>().unwrap(), 2);
        assert_eq!(
            i.nanargmin(Some(1)).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 1]
        );
    });
}

#[test]
fn nan_reductions_of_empty_and_all_nan_slices() {
    let d = dense(4);
    let e = d.zeros(&[0, 3], Type::Float64).unwrap();
    assert!(matches!(
        e.nanmax(None, false),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        e.nanmin(Some(0), false),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(
        e.nansum(Some(0), false).unwrap().to_vec::<f64>().unwrap(),
        vec![0.0; 3]
    );
    assert!(e
        .nanmean(None, false)
        .unwrap()
        .item::<f64>()
        .unwrap()
        .is_nan());
    assert!(matches!(
        e.nanargmax(Some(0)),
        Err(Error::InvalidArgument { .. })
    ));
    let nan = d.from_vec(vec![f64::NAN; 6], &[2, 3]).unwrap();
    assert!(nan
        .nanmax(None, false)
        .unwrap()
        .item::<f64>()
        .unwrap()
        .is_nan());
    assert!(nan
        .nanmean(Some(1), false)
        .unwrap()
        .to_vec::<f64>()
        .unwrap()
        .iter()
        .all(|v| v.is_nan()));
    assert!(nan
        .nanvar(None, 0, false)
        .unwrap()
        .item::<f64>()
        .unwrap()
        .is_nan());
    assert_eq!(nan.nansum(None, false).unwrap().item::<f64>().unwrap(), 0.0);
    assert!(matches!(
        nan.nanargmax(None),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        nan.nanargmin(Some(0)),
        Err(Error::InvalidArgument { .. })
    ));
    // An infinite value is a value, not a missing one.
    let inf = d.from_vec(vec![f64::NAN, f64::NEG_INFINITY], &[2]).unwrap();
    assert_eq!(
        inf.nanmax(None, false).unwrap().item::<f64>().unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(inf.nanargmax(None).unwrap().item::<i64>().unwrap(), 1);
    let c = d.from_vec(vec![Complex::new(1.0f64, 0.0)], &[1]).unwrap();
    assert!(matches!(
        c.nanvar(None, 0, false),
        Err(Error::NotImplemented { .. })
    ));
}

#[test]
fn nanargmax_and_nanargmin_give_first_extremes() {
    let first = |l: &[f64], max: bool| {
        let v = finite(l);
        let ext = if max {
            v.into_iter().reduce(f64::max)
        } else {
            v.into_iter().reduce(f64::min)
        }
        .unwrap();
        l.iter().position(|&x| x == ext).unwrap() as i64
    };
    each_machine(|d| {
        // [401, 3] along axis 0 has few results: the minimum folds bands of the axis.
        for shape in [&[23][..], &[5, 6], &[3, 4, 5], &[401, 3]] {
            // Values repeat (ties) and NaNs come first in some lanes.
            let x = values(
                shape,
                |i| if i % 7 == 0 { f64::NAN } else { (i % 4) as f64 },
            );
            let a = d.from_ndarray(&x).unwrap();
            for axis in axes(shape.len()) {
                let ax = norm(axis, shape.len());
                for max in [true, false] {
                    let got = if max {
                        a.nanargmax(axis)
                    } else {
                        a.nanargmin(axis)
                    }
                    .unwrap();
                    assert_eq!(got.dtype(), Type::Int64);
                    let want = lanes_ref(&x, ax, |l| first(l, max) as f64).mapv(|v| v as i64);
                    assert_eq!(
                        got.to_ndarray::<i64>().unwrap(),
                        want,
                        "{shape:?} {axis:?} {max}"
                    );
                }
            }
        }
    });
}

#[test]
fn reductions_with_dtype_compute_in_it() {
    each_machine(|d| {
        let u = ArrayD::from_shape_fn(IxDyn(&[6, 7]), |i| ((i[0] * 40 + i[1] * 29) % 256) as u8);
        let a = d.from_ndarray(&u).unwrap();
        for axis in axes(2) {
            let ax = norm(axis, 2);
            let wrap = lanes_ref(&u.mapv(f64::from), ax, |l| {
                f64::from(l.iter().fold(0u8, |s, &v| s.wrapping_add(v as u8)))
            });
            let s = a.sum_dtype(axis, false, Type::UInt8).unwrap();
            assert_eq!(s.dtype(), Type::UInt8);
            assert_eq!(s.to_ndarray::<u8>().unwrap(), wrap.mapv(|v| v as u8));
            let f = a.sum_dtype(axis, true, Type::Float32).unwrap();
            assert_eq!(f.dtype(), Type::Float32);
            let want = lanes_ref(&u.mapv(f64::from), ax, |l| l.iter().sum());
            assert_eq!(
                f.to_ndarray::<f32>().unwrap(),
                keep(want.clone(), &[6, 7], ax).mapv(|v| v as f32)
            );
            let m = a.mean_dtype(axis, false, Type::Float32).unwrap();
            assert_eq!(m.dtype(), Type::Float32);
            let n = match ax {
                None => 42.0,
                Some(0) => 6.0,
                _ => 7.0,
            };
            let got = m.to_ndarray::<f32>().unwrap();
            for (g, w) in got.iter().zip(want.iter()) {
                assert!((f64::from(*g) - w / n).abs() < 1e-4);
            }
            let mi = a.mean_dtype(axis, false, Type::Int64).unwrap();
            assert_eq!(mi.dtype(), Type::Int64);
            assert_eq!(
                mi.to_ndarray::<i64>().unwrap(),
                want.mapv(|v| (v / n) as i64)
            );
            let p = a.prod_dtype(axis, false, Type::Float64).unwrap();
            let want = lanes_ref(&u.mapv(f64::from), ax, |l| l.iter().product());
            assert_close(&p.to_ndarray::<f64>().unwrap(), &want, "prod_dtype");
        }
    });
}

#[test]
fn legacy_random_repeats_for_a_seed_on_any_machine() {
    type Draws = (
        Vec<f64>,
        Vec<f64>,
        Vec<i64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
        Vec<f64>,
    );
    let mut first: Option<Draws> = None;
    each_machine(|d| {
        d.seed(1234);
        let draws: Draws = (
            d.rand(&[7, 13]).unwrap().to_vec().unwrap(),
            d.randn(&[101]).unwrap().to_vec().unwrap(),
            d.randint(-5, Some(5), &[3, 50]).unwrap().to_vec().unwrap(),
            d.uniform(2.0, 3.0, &[33]).unwrap().to_vec().unwrap(),
            d.normal(1.0, 2.0, &[9, 9]).unwrap().to_vec().unwrap(),
            d.random(&[2, 3, 4]).unwrap().to_vec().unwrap(),
            Generator::new(d, 9)
                .standard_normal(&[5, 40])
                .unwrap()
                .to_vec()
                .unwrap(),
        );
        // Reseeding repeats; the next draw differs from the first.
        d.seed(1234);
        assert_eq!(d.rand(&[7, 13]).unwrap().to_vec::<f64>().unwrap(), draws.0);
        assert_ne!(d.rand(&[7, 13]).unwrap().to_vec::<f64>().unwrap(), draws.0);
        d.seed(1235);
        assert_ne!(d.rand(&[7, 13]).unwrap().to_vec::<f64>().unwrap(), draws.0);
        match &first {
            None => first = Some(draws),
            Some(f) => assert_eq!(f, &draws),
        }
    });
}

fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n)
}

#[test]
fn legacy_random_moments_match_their_distributions() {
    let d = dense(4);
    d.seed(42);
    let n = [400, 500];
    let u = d.rand(&n).unwrap().to_vec::<f64>().unwrap();
    assert!(u.iter().all(|v| (0.0..1.0).contains(v)));
    let (m, v) = moments(&u);
    assert!(
        (m - 0.5).abs() < 0.005 && (v - 1.0 / 12.0).abs() < 0.002,
        "{m} {v}"
    );
    let z = d.randn(&n).unwrap().to_vec::<f64>().unwrap();
    let (m, v) = moments(&z);
    assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "{m} {v}");
    let g = d.normal(10.0, 3.0, &n).unwrap().to_vec::<f64>().unwrap();
    let (m, v) = moments(&g);
    assert!(
        (m - 10.0).abs() < 0.03 && (v.sqrt() - 3.0).abs() < 0.03,
        "{m} {v}"
    );
    let w = d.uniform(-3.0, 5.0, &n).unwrap().to_vec::<f64>().unwrap();
    assert!(w.iter().all(|v| (-3.0..5.0).contains(v)));
    let (m, v) = moments(&w);
    assert!(
        (m - 1.0).abs() < 0.03 && (v - 64.0 / 12.0).abs() < 0.1,
        "{m} {v}"
    );
    let k = d.randint(10, None, &n).unwrap();
    assert_eq!(k.dtype(), Type::Int64);
    let k = k.to_vec::<i64>().unwrap();
    let mut counts = [0usize; 10];
    for &x in &k {
        counts[usize::try_from(x).unwrap()] += 1;
    }
    assert!(
        counts.iter().all(|&c| (19_000..21_000).contains(&c)),
        "{counts:?}"
    );
    let s = d.random_sample(&[1000]).unwrap().to_vec::<f64>().unwrap();
    assert!(s.iter().all(|v| (0.0..1.0).contains(v)));
}

#[test]
fn legacy_random_rejects_bad_parameters() {
    let d = dense(1);
    assert!(matches!(
        d.randint(5, Some(5), &[3]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        d.randint(-1, None, &[3]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        d.normal(0.0, -1.0, &[3]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        d.uniform(0.0, f64::INFINITY, &[3]),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(d.rand(&[0, 4]).unwrap().shape(), vec![0, 4]);
    let s = d.randn(&[]).unwrap();
    assert!(s.item::<f64>().unwrap().is_finite());
}

#[test]
fn generator_choice_draws_elements_uniformly() {
    let mut first: Option<Vec<i32>> = None;
    each_machine(|d| {
        let a = d.from_vec(vec![10i32, 20, 30, 40], &[4]).unwrap();
        let c = Generator::new(d, 3).choice(&a, &[100, 50]).unwrap();
        assert_eq!((c.shape(), c.dtype()), (vec![100, 50], Type::Int32));
        let v = c.to_vec::<i32>().unwrap();
        for x in [10, 20, 30, 40] {
            let n = v.iter().filter(|&&y| y == x).count();
            assert!((1_100..1_400).contains(&n), "{x}: {n}");
        }
        match &first {
            None => first = Some(v),
            Some(f) => assert_eq!(f, &v),
        }
        let g = Generator::new(d, 3);
        assert!(matches!(
            g.choice(&d.zeros(&[2, 2], Type::Int32).unwrap(), &[3]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            g.choice(&d.zeros(&[0], Type::Int32).unwrap(), &[3]),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(g.choice(&a, &[0]).unwrap().size(), 0);
    });
}

#[test]
fn scans_cut_other_axes_first_and_the_scanned_axis_in_three_steps() {
    let d = dense(4);
    let rt = d.runtime();
    let count = |f: &dyn Fn()| {
        let before = rt.stats();
        f();
        let after = rt.stats();
        (
            after.launches - before.launches,
            after.point_tasks - before.point_tasks,
        )
    };
    let wide = d.from_ndarray(&ints(&[400, 3])).unwrap();
    // Whole lanes in every piece: one launch of one point per CPU.
    assert_eq!(count(&|| drop(wide.cumsum(Some(1)).unwrap())), (1, 4));
    // Along the cut axis: totals (4 points), their prefixes (1), the scan (4).
    let long = d.from_ndarray(&ints(&[1000])).unwrap();
    assert_eq!(count(&|| drop(long.cumsum(None).unwrap())), (3, 9));
}
