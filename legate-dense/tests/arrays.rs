//! legate-dense against ndarray references, with 1, 2 and 4 CPUs cutting the arrays.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use legate_core::ndarray::{s, Array2, ArrayD, Axis, IxDyn};
use legate_core::{Config, Error, Runtime, Scalar, Type};
use legate_dense::{BinaryOp, Dense, Index, UnaryOp};

mod common;
use common::{dense, each_cpu_count as each_machine};

fn grid(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| (i * 7 + j * 3) as f64 % 11.0 - 4.0)
}

#[test]
fn creation_matches_numpy() {
    each_machine(|d| {
        assert_eq!(
            d.zeros(&[2, 3], Type::Float64)
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![0.0; 6]
        );
        assert_eq!(
            d.ones(&[4], Type::Int32).unwrap().to_vec::<i32>().unwrap(),
            vec![1; 4]
        );
        let f = d.full(&[3], Scalar::new(2.5f64), Type::Float32).unwrap();
        assert_eq!(
            (f.dtype(), f.to_vec::<f32>().unwrap()),
            (Type::Float32, vec![2.5; 3])
        );
        assert_eq!(
            d.arange(2.0, 11.0, 3.0, Type::Int64)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![2, 5, 8]
        );
        assert_eq!(
            d.arange(1.0, 0.0, -0.25, Type::Float64)
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![1.0, 0.75, 0.5, 0.25]
        );
        assert_eq!(d.arange(5.0, 1.0, 1.0, Type::Int64).unwrap().size(), 0);
        assert!(matches!(
            d.arange(0.0, 1.0, 0.0, Type::Int64),
            Err(Error::InvalidArgument { .. })
        ));
        let l = d
            .linspace(0.0, 1.0, 5, true, Type::Float64)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(l, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let l = d
            .linspace(0.0, 1.0, 4, false, Type::Float64)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(l, vec![0.0, 0.25, 0.5, 0.75]);
        let e = d
            .eye(3, Some(4), 1, Type::Int64)
            .unwrap()
            .to_ndarray::<i64>()
            .unwrap();
        let expected = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |ix| i64::from(ix[1] == ix[0] + 1));
        assert_eq!(e, expected);
        let x = grid(5, 3).into_dyn();
        assert_eq!(d.from_ndarray(&x).unwrap().to_ndarray::<f64>().unwrap(), x);
    });
}

#[test]
fn basic_indexing_gives_aliasing_views() {
    each_machine(|d| {
        let base = grid(6, 5);
        let a = d.from_ndarray(&base.clone().into_dyn()).unwrap();
        // a[1:5:2, ::-1]
        let v = a
            .index(&[
                Index::Slice {
                    start: Some(1),
                    stop: Some(5),
                    step: 2,
                },
                Index::Slice {
                    start: None,
                    stop: None,
                    step: -1,
                },
            ])
            .unwrap();
        let expected = base.slice(s![1..5;2, ..;-1]).to_owned().into_dyn();
        assert_eq!(v.to_ndarray::<f64>().unwrap(), expected);
        // Writes through the view are seen by the base.
        v.fill(Scalar::new(100.0f64)).unwrap();
        let mut b = base.clone();
        b.slice_mut(s![1..5;2, ..]).fill(100.0);
        assert_eq!(a.to_ndarray::<f64>().unwrap(), b.into_dyn());
        // Integers drop dimensions, newaxis adds one, ellipsis fills the rest.
        let row = a
            .index(&[Index::At(-1), Index::NewAxis, Index::Ellipsis])
            .unwrap();
        assert_eq!(row.shape(), vec![1, 5]);
        assert!(matches!(
            a.index(&[Index::At(6)]),
            Err(Error::IndexOutOfBounds { .. })
        ));
    });
}

#[test]
fn transposes_broadcasts_and_reshapes() {
    each_machine(|d| {
        let base = grid(3, 4);
        let a = d.from_ndarray(&base.clone().into_dyn()).unwrap();
        assert_eq!(
            a.t().unwrap().to_ndarray::<f64>().unwrap(),
            base.t().to_owned().into_dyn()
        );
        assert_eq!(a.swapaxes(0, -1).unwrap().shape(), vec![4, 3]);
        let row = a.index(&[Index::At(0)]).unwrap();
        let b = row.broadcast_to(&[2, 4]).unwrap();
        assert_eq!(
            b.to_ndarray::<f64>().unwrap(),
            base.row(0).broadcast((2, 4)).unwrap().to_owned().into_dyn()
        );
        assert!(matches!(
            a.broadcast_to(&[3, 5]),
            Err(Error::ShapeMismatch { .. })
        ));
        // Splitting a dimension is a view; merging copies.
        let flat = d.arange(0.0, 24.0, 1.0, Type::Int64).unwrap();
        let cube = flat.reshape(&[2, 3, -1]).unwrap();
        assert!(cube.shares_storage(&flat));
        assert_eq!(cube.shape(), vec![2, 3, 4]);
        let merged = cube.t().unwrap().reshape(&[4, 6]).unwrap();
        assert!(!merged.shares_storage(&flat));
        let expected = ArrayD::from_shape_vec(IxDyn(&[2, 3, 4]), (0..24i64).collect())
            .unwrap()
            .reversed_axes()
            .as_standard_layout()
            .into_shape_with_order(IxDyn(&[4, 6]))
            .unwrap()
            .to_owned();
        assert_eq!(merged.to_ndarray::<i64>().unwrap(), expected);
        assert!(matches!(
            flat.reshape(&[5, -1]),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(
            cube.expand_dims(1).unwrap().squeeze(None).unwrap().shape(),
            vec![2, 3, 4]
        );
    });
}

#[test]
fn binary_operations_broadcast_and_match_ndarray() {
    each_machine(|d| {
        let x = grid(4, 5);
        let y = Array2::from_shape_fn((1, 5), |(_, j)| j as f64 + 1.0);
        let (a, b) = (
            d.from_ndarray(&x.clone().into_dyn()).unwrap(),
            d.from_ndarray(&y.clone().into_dyn()).unwrap(),
        );
        let check = |got: legate_dense::Array, want: Array2<f64>| {
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want.into_dyn());
        };
        check((&a + &b).unwrap(), &x + &y);
        check((&a - &b).unwrap(), &x - &y);
        check((&a * &b).unwrap(), &x * &y);
        check((&a / &b).unwrap(), &x / &y);
        check(
            a.maximum(&b).unwrap(),
            Array2::from_shape_fn((4, 5), |(i, j)| x[[i, j]].max(y[[0, j]])),
        );
        check((&a * 2.0).unwrap(), &x * 2.0);
        check(
            a.binary_scalar(BinaryOp::Subtract, 1.0, true).unwrap(),
            x.mapv(|v| 1.0 - v),
        );
        let lt = a.less(&b).unwrap();
        assert_eq!(lt.dtype(), Type::Bool);
        let want = ArrayD::from_shape_fn(IxDyn(&[4, 5]), |ix| x[[ix[0], ix[1]]] < y[[0, ix[1]]]);
        assert_eq!(lt.to_ndarray::<bool>().unwrap(), want);
        check((-&a).unwrap(), -&x);
        check(
            a.absolute().unwrap().sqrt().unwrap(),
            x.mapv(|v| v.abs().sqrt()),
        );
        // exp is vectorized: within an ulp of the C library's, not always equal to it.
        let e = a.unary(UnaryOp::Exp).unwrap().to_vec::<f64>().unwrap();
        for (g, w) in e.iter().zip(x.mapv(f64::exp).iter()) {
            assert!(
                (g - w).abs() <= 2.0 * f64::EPSILON * w.abs(),
                "exp: {g} against {w}"
            );
        }
        assert!(matches!(
            &a + &d.zeros(&[3], Type::Float64).unwrap(),
            Err(Error::ShapeMismatch { .. })
        ));
    });
}

#[test]
fn integer_arithmetic_rounds_like_numpy() {
    each_machine(|d| {
        let a = d.from_vec(vec![7i64, -7, 7, -7, 5], &[5]).unwrap();
        let b = d.from_vec(vec![2i64, 2, -2, -2, 0], &[5]).unwrap();
        assert_eq!(
            a.floor_divide(&b).unwrap().to_vec::<i64>().unwrap(),
            vec![3, -4, -4, 3, 0]
        );
        assert_eq!(
            a.remainder(&b).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 1, -1, -1, 0]
        );
        let q = a.divide(&b).unwrap();
        assert_eq!(q.dtype(), Type::Float64);
        assert_eq!(q.to_vec::<f64>().unwrap()[..4], [3.5, -3.5, -3.5, 3.5]);
    });
}

#[test]
fn reductions_over_axes_match_ndarray() {
    each_machine(|d| {
        let x = grid(6, 7);
        let a = d.from_ndarray(&x.clone().into_dyn()).unwrap();
        assert_eq!(a.sum(None, false).unwrap().item::<f64>().unwrap(), x.sum());
        for axis in 0..2 {
            let got = a.sum(Some(axis as isize), false).unwrap();
            assert_eq!(
                got.to_ndarray::<f64>().unwrap(),
                x.sum_axis(Axis(axis)).into_dyn()
            );
            let got = a.max(Some(axis as isize), true).unwrap();
            let want = x
                .map_axis(Axis(axis), |v| v.iter().copied().fold(f64::MIN, f64::max))
                .insert_axis(Axis(axis));
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want.into_dyn());
        }
        let m = a.mean(Some(-1), false).unwrap();
        assert_eq!(
            m.to_ndarray::<f64>().unwrap(),
            x.mean_axis(Axis(1)).unwrap().into_dyn()
        );
        assert_eq!(a.min(None, false).unwrap().item::<f64>().unwrap(), -4.0);
        // Reductions of views, and of booleans.
        let v = a
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: -2,
            }])
            .unwrap();
        assert_eq!(
            v.sum(Some(0), false).unwrap().to_ndarray::<f64>().unwrap(),
            x.slice(s![..;-2, ..]).sum_axis(Axis(0)).into_dyn()
        );
        let pos = a.greater(&d.zeros(&[1], Type::Float64).unwrap()).unwrap();
        assert!(pos.any(None, false).unwrap().item::<bool>().unwrap());
        assert!(!pos.all(None, false).unwrap().item::<bool>().unwrap());
        let empty = d.zeros(&[0], Type::Float64).unwrap();
        assert!(matches!(
            empty.max(None, false),
            Err(Error::InvalidArgument { .. })
        ));
        assert_eq!(empty.sum(None, false).unwrap().item::<f64>().unwrap(), 0.0);
    });
}

/// The blog's stencil: `center[:] = 0.2 * (center + north + east + west + south)` through
/// aliasing views, against a sequential ndarray loop.
#[test]
fn the_blog_stencil_matches_a_sequential_loop() {
    each_machine(|d| {
        let n = 12;
        let init = Array2::from_shape_fn((n + 2, n + 2), |(i, j)| ((i * 13 + j * 7) % 10) as f64);
        let grid_a = d.from_ndarray(&init.clone().into_dyn()).unwrap();
        let view = |r0: i64, c0: i64| {
            grid_a
                .index(&[
                    Index::range(r0, r0 + n as i64),
                    Index::range(c0, c0 + n as i64),
                ])
                .unwrap()
        };
        let (center, north, east, west, south) =
            (view(1, 1), view(0, 1), view(1, 2), view(1, 0), view(2, 1));
        let mut reference = init.clone();
        for _ in 0..5 {
            let sum = [&north, &east, &west, &south]
                .iter()
                .try_fold(center.clone(), |acc, v| &acc + *v)
                .unwrap();
            center.assign(&(&sum * 0.2).unwrap()).unwrap();
            let old = reference.clone();
            for i in 1..=n {
                for j in 1..=n {
                    reference[[i, j]] = 0.2
                        * (old[[i, j]]
                            + old[[i - 1, j]]
                            + old[[i, j + 1]]
                            + old[[i, j - 1]]
                            + old[[i + 1, j]]);
                }
            }
        }
        assert_eq!(grid_a.to_ndarray::<f64>().unwrap(), reference.into_dyn());
    });
}

#[test]
fn matmul_and_dot_match_ndarray() {
    each_machine(|d| {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i as f64 - 2.0) * 0.5 + j as f64);
        let b = Array2::from_shape_fn((5, 3), |(i, j)| (i * j) as f64 - 1.0);
        let (da, db) = (
            d.from_ndarray(&a.clone().into_dyn()).unwrap(),
            d.from_ndarray(&b.clone().into_dyn()).unwrap(),
        );
        assert_eq!(
            da.matmul(&db).unwrap().to_ndarray::<f64>().unwrap(),
            a.dot(&b).into_dyn()
        );
        // Through a transposed view, and matrix-vector / vector-vector products.
        let at = da.t().unwrap();
        assert_eq!(
            at.matmul(&da).unwrap().to_ndarray::<f64>().unwrap(),
            a.t().dot(&a).into_dyn()
        );
        let v = d.arange(0.0, 5.0, 1.0, Type::Float64).unwrap();
        let vv = legate_core::ndarray::Array1::from_iter((0..5).map(|x| x as f64));
        assert_eq!(
            da.dot(&v).unwrap().to_ndarray::<f64>().unwrap(),
            a.dot(&vv).into_dyn()
        );
        assert_eq!(v.dot(&v).unwrap().item::<f64>().unwrap(), vv.dot(&vv));
        assert!(matches!(da.matmul(&da), Err(Error::ShapeMismatch { .. })));
        // Integers stay integers.
        let i = d.from_vec(vec![1i64, 2, 3, 4], &[2, 2]).unwrap();
        assert_eq!(
            i.matmul(&i).unwrap().to_vec::<i64>().unwrap(),
            vec![7, 10, 15, 22]
        );
    });
}

#[test]
fn where_and_clip_select_elements() {
    each_machine(|d| {
        let x = d.arange(-3.0, 3.0, 1.0, Type::Float64).unwrap();
        let zero = d.zeros(&[1], Type::Float64).unwrap();
        let w = legate_dense::Array::where_(&x.greater(&zero).unwrap(), &x, &zero).unwrap();
        assert_eq!(
            w.to_vec::<f64>().unwrap(),
            vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0]
        );
        let c = x.clip(Some(-1.0), Some(1.5)).unwrap();
        assert_eq!(
            c.to_vec::<f64>().unwrap(),
            vec![-1.0, -1.0, -1.0, 0.0, 1.0, 1.5]
        );
    });
}

#[test]
fn variance_and_standard_deviation_match_two_pass_references() {
    each_machine(|d| {
        let x = grid(5, 8);
        let a = d.from_ndarray(&x.clone().into_dyn()).unwrap();
        let close = |got: f64, want: f64| {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{got} vs {want}"
            )
        };
        close(
            a.var(None, 0, false).unwrap().item::<f64>().unwrap(),
            x.var(0.0),
        );
        close(
            a.std(None, 1, false).unwrap().item::<f64>().unwrap(),
            x.std(1.0),
        );
        let got = a.var(Some(1), 0, false).unwrap().to_vec::<f64>().unwrap();
        for (g, w) in got.iter().zip(x.var_axis(Axis(1), 0.0).iter()) {
            close(*g, *w);
        }
        // Integers give float64, as NumPy.
        let i = d.from_vec(vec![1i32, 2, 3, 4], &[4]).unwrap();
        let v = i.var(None, 0, false).unwrap();
        assert_eq!((v.dtype(), v.item::<f64>().unwrap()), (Type::Float64, 1.25));
    });
}

#[test]
fn random_numbers_do_not_depend_on_the_number_of_pieces() {
    let draws: Vec<(Vec<f64>, Vec<f64>, Vec<i64>)> = [1, 2, 4]
        .iter()
        .map(|&cpus| {
            let d = dense(cpus);
            let g = legate_dense::Generator::new(&d, 1234);
            let u = g.random(&[7, 9]).unwrap().to_vec::<f64>().unwrap();
            let n = g.normal(1.0, 2.0, &[50]).unwrap().to_vec::<f64>().unwrap();
            let i = g.integers(-5, 5, &[40]).unwrap().to_vec::<i64>().unwrap();
            (u, n, i)
        })
        .collect();
    assert!(
        draws.windows(2).all(|w| w[0] == w[1]),
        "the numbers changed with the machine"
    );
    let (u, _, i) = &draws[0];
    assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
    assert!(i.iter().all(|&x| (-5..5).contains(&x)));
    // Successive draws differ; the same seed repeats them.
    let d = dense(2);
    let g = legate_dense::Generator::new(&d, 1234);
    let first = g.random(&[7, 9]).unwrap().to_vec::<f64>().unwrap();
    assert_eq!(&first, u);
    assert_ne!(g.random(&[7, 9]).unwrap().to_vec::<f64>().unwrap(), first);
    assert!(matches!(
        g.integers(3, 3, &[1]),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn joining_and_reordering_match_ndarray() {
    use legate_core::ndarray::{concatenate, stack};
    each_machine(|d| {
        let (x, y) = (grid(3, 4), grid(2, 4).mapv(|v| v * 10.0));
        let (a, b) = (
            d.from_ndarray(&x.clone().into_dyn()).unwrap(),
            d.from_ndarray(&y.clone().into_dyn()).unwrap(),
        );
        let c = d.concatenate(&[a.clone(), b.clone()], 0).unwrap();
        assert_eq!(
            c.to_ndarray::<f64>().unwrap(),
            concatenate(Axis(0), &[x.view(), y.view()])
                .unwrap()
                .into_dyn()
        );
        let s = d.stack(&[a.clone(), a.clone()], -1).unwrap();
        assert_eq!(
            s.to_ndarray::<f64>().unwrap(),
            stack(Axis(2), &[x.view(), x.view()]).unwrap().into_dyn()
        );
        assert!(matches!(
            d.concatenate(&[a.clone(), b.t().unwrap()], 0),
            Err(Error::ShapeMismatch { .. })
        ));
        // Mixed types promote.
        let i = d.from_vec(vec![1i32, 2], &[2]).unwrap();
        let f = d.from_vec(vec![0.5f32], &[1]).unwrap();
        let h = d.hstack(&[i, f]).unwrap();
        assert_eq!(
            (h.dtype(), h.to_vec::<f64>().unwrap()),
            (Type::Float64, vec![1.0, 2.0, 0.5])
        );
        let parts = a.split(2, 1).unwrap();
        assert_eq!(
            parts[1].to_ndarray::<f64>().unwrap(),
            x.slice(s![.., 2..]).to_owned().into_dyn()
        );
        assert!(a.split(3, 1).is_err());
        assert_eq!(
            a.flip(Some(0)).unwrap().to_ndarray::<f64>().unwrap(),
            x.slice(s![..;-1, ..]).to_owned().into_dyn()
        );
        let r = d
            .arange(0.0, 5.0, 1.0, Type::Int64)
            .unwrap()
            .roll(2, None)
            .unwrap();
        assert_eq!(r.to_vec::<i64>().unwrap(), vec![3, 4, 0, 1, 2]);
        let rolled = a.roll(-1, Some(1)).unwrap().to_ndarray::<f64>().unwrap();
        assert_eq!(rolled[[0, 3]], x[[0, 0]]);
        assert_eq!(
            a.count_nonzero(None).unwrap().item::<i64>().unwrap(),
            x.iter().filter(|&&v| v != 0.0).count() as i64
        );
    });
}

#[test]
fn argmax_and_argmin_take_the_first_extreme() {
    each_machine(|d| {
        let x = grid(5, 6);
        let a = d.from_ndarray(&x.clone().into_dyn()).unwrap();
        for axis in 0..2 {
            let want_max: Vec<i64> = x
                .lanes(Axis(axis))
                .into_iter()
                .map(|l| {
                    let m = l.iter().copied().fold(f64::MIN, f64::max);
                    l.iter().position(|&v| v == m).unwrap() as i64
                })
                .collect();
            assert_eq!(
                a.argmax(Some(axis as isize))
                    .unwrap()
                    .to_vec::<i64>()
                    .unwrap(),
                want_max
            );
        }
        let flat: Vec<f64> = x.iter().copied().collect();
        let m = flat.iter().copied().fold(f64::MAX, f64::min);
        assert_eq!(
            a.argmin(None).unwrap().item::<i64>().unwrap(),
            flat.iter().position(|&v| v == m).unwrap() as i64
        );
        let nan = d
            .from_vec(vec![1.0, f64::NAN, 3.0, f64::NAN], &[4])
            .unwrap();
        assert_eq!(nan.argmax(None).unwrap().item::<i64>().unwrap(), 1);
        assert_eq!(nan.argmin(None).unwrap().item::<i64>().unwrap(), 1);
        assert!(d.zeros(&[0], Type::Float64).unwrap().argmax(None).is_err());
    });
}

#[test]
fn element_wise_operations_run_on_omp_groups() {
    let mut config = Config::with_cpus(1);
    config.omps = 2;
    config.ompthreads = 2;
    config.min_omp_chunk = 1;
    config.min_cpu_chunk = 1;
    let d = Dense::new(&Runtime::new(config).unwrap()).unwrap();
    let x = grid(40, 30);
    let a = d.from_ndarray(&x.clone().into_dyn()).unwrap();
    let b = ((&(&a * 2.0).unwrap() + &a.t().unwrap().t().unwrap()).unwrap())
        .sqrt()
        .unwrap();
    let want = (&x * 2.0 + &x).mapv(f64::sqrt);
    let got = b.to_ndarray::<f64>().unwrap();
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(g == w || (g.is_nan() && w.is_nan()));
    }
    let f = a
        .astype(Type::Float32)
        .unwrap()
        .to_ndarray::<f32>()
        .unwrap();
    assert_eq!(f, x.mapv(|v| v as f32).into_dyn());
    // Through strided and reversed views too.
    let v = a
        .index(&[Index::Slice {
            start: None,
            stop: None,
            step: -3,
        }])
        .unwrap();
    let w = legate_dense::Array::where_(
        &v.greater(&d.zeros(&[1], Type::Float64).unwrap()).unwrap(),
        &v,
        &(-&v).unwrap(),
    )
    .unwrap();
    assert_eq!(
        w.to_ndarray::<f64>().unwrap(),
        x.slice(s![..;-3, ..]).mapv(f64::abs).into_dyn()
    );
}

#[test]
fn matrix_creation_matches_numpy() {
    each_machine(|d| {
        let l = d
            .logspace(0.0, 3.0, 4, true, 10.0, Type::Float64)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(l, vec![1.0, 10.0, 100.0, 1000.0]);
        let t = d
            .tri(3, Some(4), 1, Type::Int32)
            .unwrap()
            .to_ndarray::<i32>()
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |ix| i32::from(ix[1] <= ix[0] + 1));
        assert_eq!(t, want);
        let x = grid(4, 5);
        let a = d.from_ndarray(&x.clone().into_dyn()).unwrap();
        for k in [-2i64, 0, 1] {
            let lower = a.tril(k).unwrap().to_ndarray::<f64>().unwrap();
            let upper = a.triu(k).unwrap().to_ndarray::<f64>().unwrap();
            for ((i, j), &v) in x.indexed_iter() {
                let off = j as i64 - i as i64;
                assert_eq!(lower[[i, j]], if off <= k { v } else { 0.0 });
                assert_eq!(upper[[i, j]], if off >= k { v } else { 0.0 });
            }
            // The diagonal k of a 2-D array.
            let diag: Vec<f64> = x
                .indexed_iter()
                .filter(|((i, j), _)| *j as i64 - *i as i64 == k)
                .map(|(_, &v)| v)
                .collect();
            assert_eq!(
                d.diag(&a, k).unwrap().to_vec::<f64>().unwrap(),
                diag,
                "k = {k}"
            );
        }
        // A 1-D vector onto diagonal k, and back.
        let v = d.from_vec(vec![1i64, 2, 3], &[3]).unwrap();
        let m = d.diag(&v, -1).unwrap();
        assert_eq!(m.shape(), vec![4, 4]);
        assert_eq!(
            d.diag(&m, -1).unwrap().to_vec::<i64>().unwrap(),
            vec![1, 2, 3]
        );
        assert_eq!(m.sum(None, false).unwrap().item::<i64>().unwrap(), 6);
        let (xs, ys) = d
            .meshgrid(
                &d.arange(0.0, 3.0, 1.0, Type::Int64).unwrap(),
                &d.arange(10.0, 12.0, 1.0, Type::Int64).unwrap(),
            )
            .unwrap();
        assert_eq!(xs.to_vec::<i64>().unwrap(), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(ys.to_vec::<i64>().unwrap(), vec![10, 10, 10, 11, 11, 11]);
    });
}

#[test]
fn advanced_indexing_gathers_and_filters() {
    each_machine(|d| {
        let a = d
            .arange(0.0, 10.0, 1.0, Type::Float64)
            .unwrap()
            .reshape(&[2, 5])
            .unwrap();
        let idx = d.from_vec(vec![9i64, 0, -1, 3], &[2, 2]).unwrap();
        let t = a.take(&idx).unwrap();
        assert_eq!(
            (t.shape(), t.to_vec::<f64>().unwrap()),
            (vec![2, 2], vec![9.0, 0.0, 9.0, 3.0])
        );
        assert!(matches!(
            a.take(&d.from_vec(vec![10i64], &[1]).unwrap()),
            Err(Error::IndexOutOfBounds { .. })
        ));
        a.put(
            &d.from_vec(vec![1i64, -2], &[2]).unwrap(),
            &d.from_vec(vec![-1.0, -8.0], &[2]).unwrap(),
        )
        .unwrap();
        assert_eq!(
            a.to_vec::<f64>().unwrap(),
            vec![0.0, -1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, -8.0, 9.0]
        );
        let mask = a
            .greater(&d.full(&[1], Scalar::new(3.0f64), Type::Float64).unwrap())
            .unwrap();
        let picked = a.extract(&mask).unwrap();
        assert_eq!(
            picked.to_vec::<f64>().unwrap(),
            vec![4.0, 5.0, 6.0, 7.0, 9.0]
        );
        let flat = a.ravel().unwrap();
        assert_eq!(
            flat.nonzero().unwrap()[0].to_vec::<i64>().unwrap(),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        let c = flat
            .compress(&d.from_vec(vec![true, false, true], &[3]).unwrap())
            .unwrap();
        assert_eq!(c.to_vec::<f64>().unwrap(), vec![0.0, 2.0]);
        // A mask result feeds further operations like any array.
        assert_eq!(
            picked.sum(None, false).unwrap().item::<f64>().unwrap(),
            31.0
        );
    });
}

#[test]
fn put_writes_through_any_array_and_reshapes_stay_views_where_they_can() {
    each_machine(|d| {
        let a = d.zeros(&[2, 3], Type::Int64).unwrap();
        a.put(
            &d.from_vec(vec![5i64, 0], &[2]).unwrap(),
            &d.from_vec(vec![7i64, 8], &[2]).unwrap(),
        )
        .unwrap();
        assert_eq!(a.to_vec::<i64>().unwrap(), vec![8, 0, 0, 0, 0, 7]);
        // A reshaped 1-D storage flattens back to a view.
        let flat = d.arange(0.0, 6.0, 1.0, Type::Int64).unwrap();
        let m = flat.reshape(&[3, 2]).unwrap();
        assert!(m.ravel().unwrap().shares_storage(&flat));
        assert!(m.reshape(&[2, 3]).unwrap().shares_storage(&flat));
        // A transposed one cannot be: it is copied.
        assert!(!m.t().unwrap().ravel().unwrap().shares_storage(&flat));
        assert_eq!(
            m.t().unwrap().ravel().unwrap().to_vec::<i64>().unwrap(),
            vec![0, 2, 4, 1, 3, 5]
        );
    });
}

/// Reductions whose results are many (at least a thousand per processor) keep the reduced
/// axis whole in every piece; the others cut it too. Both against ndarray, on every
/// machine, along every axis, of contiguous arrays and of views.
#[test]
fn reductions_of_many_lanes_match_ndarray_along_every_axis() {
    for d in common::machines() {
        let x = ArrayD::from_shape_fn(IxDyn(&[5000, 3, 2]), |i| {
            ((i[0] * 7 + i[1] * 5 + i[2] * 3) % 11) as f64 - 5.0
        });
        let a = d.from_ndarray(&x).unwrap();
        for axis in 0..3 {
            let ax = Axis(axis);
            let got = a.sum(Some(axis as isize), false).unwrap();
            assert_eq!(
                got.to_ndarray::<f64>().unwrap(),
                x.sum_axis(ax),
                "sum {axis}"
            );
            let got = a.max(Some(axis as isize), true).unwrap();
            let want = x
                .map_axis(ax, |v| v.iter().copied().fold(f64::MIN, f64::max))
                .insert_axis(ax);
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want, "max {axis}");
            let got = a.min(Some(axis as isize), false).unwrap();
            let want = x.map_axis(ax, |v| v.iter().copied().fold(f64::MAX, f64::min));
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want, "min {axis}");
            let got = a.mean(Some(axis as isize), false).unwrap();
            let want = x.mean_axis(ax).unwrap();
            let got = got.to_ndarray::<f64>().unwrap();
            assert!(
                got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12),
                "mean {axis}"
            );
            // The index of the first extreme.
            let got = a.argmin(Some(axis as isize)).unwrap();
            let want = x.map_axis(ax, |v| {
                let m = v.iter().copied().fold(f64::MAX, f64::min);
                v.iter().position(|&e| e == m).unwrap() as i64
            });
            assert_eq!(got.to_ndarray::<i64>().unwrap(), want, "argmin {axis}");
        }
        // A transposed view, reversed rows, and integers (summed in int64) and booleans.
        let t = a.transpose(None).unwrap();
        assert_eq!(
            t.sum(Some(2), false).unwrap().to_ndarray::<f64>().unwrap(),
            x.sum_axis(Axis(0)).reversed_axes(),
        );
        let r = a
            .index(&[Index::Slice {
                start: None,
                stop: None,
                step: -1,
            }])
            .unwrap();
        assert_eq!(
            r.sum(Some(1), false).unwrap().to_ndarray::<f64>().unwrap(),
            x.slice(s![..;-1, .., ..]).sum_axis(Axis(1)).into_dyn(),
        );
        let xi = x.mapv(|v| v as i32);
        let ai = d.from_ndarray(&xi).unwrap();
        let s = ai.sum(Some(2), false).unwrap();
        assert_eq!(s.dtype(), Type::Int64);
        assert_eq!(
            s.to_ndarray::<i64>().unwrap(),
            xi.mapv(i64::from).sum_axis(Axis(2))
        );
        let p = ai.prod(Some(1), false).unwrap();
        assert_eq!(
            p.to_ndarray::<i64>().unwrap(),
            xi.mapv(i64::from).map_axis(Axis(1), |v| v.iter().product())
        );
        let pos = a.greater(&d.zeros(&[1], Type::Float64).unwrap()).unwrap();
        let xb = x.mapv(|v| v > 0.0);
        assert_eq!(
            pos.any(Some(2), false)
                .unwrap()
                .to_ndarray::<bool>()
                .unwrap(),
            xb.map_axis(Axis(2), |v| v.iter().any(|&b| b))
        );
        assert_eq!(
            pos.all(Some(1), false)
                .unwrap()
                .to_ndarray::<bool>()
                .unwrap(),
            xb.map_axis(Axis(1), |v| v.iter().all(|&b| b))
        );
    }
}

/// Reductions with few results cut the reduced axis in bands, one per processor, each
/// folding into a row of partial results that one point folds: along the first, a middle
/// and the last axis, of views, of empty axes, for every reduction operator.
#[test]
fn reductions_with_few_results_fold_bands_of_the_axis() {
    for d in common::machines() {
        let x = ArrayD::from_shape_fn(IxDyn(&[3, 9001, 2]), |i| {
            ((i[0] * 7 + i[1] * 5 + i[2] * 3) % 13) as f64 - 6.0
        });
        let a = d.from_ndarray(&x).unwrap();
        for axis in 0..3 {
            let ax = Axis(axis);
            let got = a.sum(Some(axis as isize), true).unwrap();
            assert_eq!(
                got.to_ndarray::<f64>().unwrap(),
                x.sum_axis(ax).insert_axis(ax),
                "sum {axis}"
            );
            let got = a.max(Some(axis as isize), false).unwrap();
            let want = x.map_axis(ax, |v| v.iter().copied().fold(f64::MIN, f64::max));
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want, "max {axis}");
            let got = a.min(Some(axis as isize), false).unwrap();
            let want = x.map_axis(ax, |v| v.iter().copied().fold(f64::MAX, f64::min));
            assert_eq!(got.to_ndarray::<f64>().unwrap(), want, "min {axis}");
        }
        // Tall-skinny along the rows, and wide along the last axis (its lanes are folded
        // in bands too).
        let tall = ArrayD::from_shape_fn(IxDyn(&[20011, 3]), |i| (i[0] % 17 + i[1]) as f64);
        let t = d.from_ndarray(&tall).unwrap();
        assert_eq!(
            t.sum(Some(0), false).unwrap().to_ndarray::<f64>().unwrap(),
            tall.sum_axis(Axis(0))
        );
        let wide = tall.t().to_owned();
        let w = t.transpose(None).unwrap();
        assert_eq!(
            w.mean(Some(-1), false)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap(),
            wide.mean_axis(Axis(1)).unwrap()
        );
        let step = t
            .index(&[Index::Slice {
                start: Some(1),
                stop: None,
                step: 3,
            }])
            .unwrap();
        assert_eq!(
            step.max(Some(0), true)
                .unwrap()
                .to_ndarray::<f64>()
                .unwrap(),
            tall.slice(s![1..;3, ..])
                .map_axis(Axis(0), |v| v.iter().copied().fold(f64::MIN, f64::max))
                .insert_axis(Axis(0))
                .into_dyn()
        );
        // A NaN propagates through max and min and sums, in its column only.
        let mut with_nan = tall.clone();
        with_nan[[12345, 1]] = f64::NAN;
        let n = d.from_ndarray(&with_nan).unwrap();
        for got in [
            n.max(Some(0), false).unwrap(),
            n.min(Some(0), false).unwrap(),
            n.sum(Some(0), false).unwrap(),
        ] {
            let got = got.to_vec::<f64>().unwrap();
            assert!(
                !got[0].is_nan() && got[1].is_nan() && !got[2].is_nan(),
                "{got:?}"
            );
        }
        // Integers (product in int64), booleans.
        let xi = x.mapv(|v| (v as i32).clamp(-1, 1) + 1);
        let ai = d.from_ndarray(&xi).unwrap();
        let p = ai.prod(Some(0), false).unwrap();
        assert_eq!(p.dtype(), Type::Int64);
        assert_eq!(
            p.to_ndarray::<i64>().unwrap(),
            xi.mapv(i64::from).map_axis(Axis(0), |v| v.iter().product())
        );
        let pos = a.greater(&d.zeros(&[1], Type::Float64).unwrap()).unwrap();
        let xb = x.mapv(|v| v > 0.0);
        for axis in 0..3 {
            assert_eq!(
                pos.all(Some(axis), false)
                    .unwrap()
                    .to_ndarray::<bool>()
                    .unwrap(),
                xb.map_axis(Axis(axis as usize), |v| v.iter().all(|&b| b)),
                "all {axis}"
            );
            assert_eq!(
                pos.any(Some(axis), false)
                    .unwrap()
                    .to_ndarray::<bool>()
                    .unwrap(),
                xb.map_axis(Axis(axis as usize), |v| v.iter().any(|&b| b)),
                "any {axis}"
            );
        }
        // An empty reduced axis gives the identity; an empty kept axis, an empty result.
        let e = d.zeros(&[0, 3], Type::Float64).unwrap();
        assert_eq!(
            e.sum(Some(0), false).unwrap().to_vec::<f64>().unwrap(),
            [0.0; 3]
        );
        assert_eq!(e.sum(Some(1), false).unwrap().shape(), [0]);
        assert_eq!(
            e.prod(Some(0), true).unwrap().to_vec::<f64>().unwrap(),
            [1.0; 3]
        );
    }
}
