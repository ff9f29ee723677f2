//! legate-dense's element-wise operations through legate-core's fusion: the blog's stencil
//! allocates no whole-grid temporary per iteration, a triad writes only its result, and
//! fused and unfused runs give the sequential values.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use legate_core::ndarray::Array2;
use legate_core::{Config, Runtime, Type};
use legate_dense::{Array, Dense, Index};

/// CPU counts, each fused and then unfused (the unfused values are checked against the
/// fused ones, bit for bit).
const FUSED_THEN_UNFUSED: [(usize, bool); 6] = [
    (1, true),
    (1, false),
    (2, true),
    (2, false),
    (4, true),
    (4, false),
];

fn dense(cpus: usize, fusion: bool) -> Arc<Dense> {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    config.fusion = fusion;
    Dense::new(&Runtime::new(config).unwrap()).unwrap()
}

fn stencil_reference(mut g: Array2<f64>, n: usize, iters: usize) -> Array2<f64> {
    for _ in 0..iters {
        let old = g.clone();
        for i in 1..=n {
            for j in 1..=n {
                g[[i, j]] = 0.2
                    * (old[[i, j]]
                        + old[[i - 1, j]]
                        + old[[i, j + 1]]
                        + old[[i, j - 1]]
                        + old[[i + 1, j]]);
            }
        }
    }
    g
}

#[test]
fn the_stencil_matches_the_sequential_loop_fused_and_unfused() {
    let n = 40;
    let expected = stencil_reference(common::grid0(n), n, 4).into_dyn();
    for (cpus, fusion) in [(1, true), (2, true), (3, true), (4, true), (2, false)] {
        let d = dense(cpus, fusion);
        let g = common::stencil(&d, &common::grid0(n), n, 4);
        assert_eq!(
            g.to_ndarray::<f64>().unwrap(),
            expected,
            "{cpus} CPUs, fusion {fusion}"
        );
    }
    let d = common::omp_dense();
    let g = common::stencil(&d, &common::grid0(n), n, 4);
    assert_eq!(g.to_ndarray::<f64>().unwrap(), expected, "OMP groups");
}

#[test]
fn the_stencil_loop_allocates_no_whole_grid_temporary() {
    let n = 200;
    let grid_bytes = ((n + 2) * (n + 2) * 8) as u64;
    let interior = (n * n * 8) as u64;
    for cpus in [1, 2, 4] {
        let d = dense(cpus, true);
        let g = common::stencil(&d, &common::grid0(n), n, 10);
        d.runtime().fence().unwrap();
        let s = d.runtime().stats();
        assert!(
            s.peak_bytes_allocated < grid_bytes + interior / 4,
            "{cpus} CPUs: {} bytes at the peak for a grid of {grid_bytes}",
            s.peak_bytes_allocated
        );
        // Five temporaries an iteration, none written; the four additions and the scale
        // run as one kernel of five inputs.
        assert!(s.temporaries_elided >= 50, "{s:?}");
        assert!(s.kernels_composed >= 40, "{s:?}");
        drop(g);
    }
    // Unfused, the same loop holds whole temporaries: the measure sees them.
    let d = dense(2, false);
    let _g = common::stencil(&d, &common::grid0(n), n, 2);
    d.runtime().fence().unwrap();
    assert!(d.runtime().stats().peak_bytes_allocated >= grid_bytes + interior);
}

#[test]
fn a_triad_writes_only_its_result() {
    for fusion in [true, false] {
        let d = dense(2, fusion);
        let n = 100_000;
        let b = d.arange(0.0, n as f64, 1.0, Type::Float64).unwrap();
        let c = d
            .full(&[n], legate_core::Scalar::new(2.0f64), Type::Float64)
            .unwrap();
        // Instances are allocated when their producers run: count from there.
        d.runtime().fence().unwrap();
        let before = d.runtime().stats();
        let a = (&b + &(&c * 2.5).unwrap()).unwrap();
        let got = a.to_vec::<f64>().unwrap();
        assert!(got.iter().enumerate().all(|(i, &v)| v == i as f64 + 5.0));
        let s = d.runtime().stats();
        let new_bytes = s
            .peak_bytes_allocated
            .saturating_sub(before.bytes_allocated);
        if fusion {
            assert_eq!(s.fused_launches - before.fused_launches, 1);
            assert_eq!(new_bytes, 8 * n as u64, "only `a` is allocated");
            // `2.5 * c` runs inside the addition's loop.
            assert_eq!(s.kernels_composed - before.kernels_composed, 1);
        } else {
            assert_eq!(s.kernels_composed, before.kernels_composed);
            assert_eq!(s.fused_launches - before.fused_launches, 2);
            assert_eq!(new_bytes, 16 * n as u64, "`c * 2.5` and `a`");
        }
    }
}

/// An expression with casts, comparisons, `where` and math functions, fused, is the
/// element-by-element result.
#[test]
fn a_long_mixed_expression_fuses_to_the_element_wise_result() {
    common::each_machine(|d| {
        let n = 5000;
        let x = d.arange(0.0, n as f64, 1.0, Type::Float64).unwrap();
        let i = d.arange(0.0, n as f64, 1.0, Type::Int32).unwrap();
        let y = (&(&x * 0.001).unwrap().exp().unwrap() + &i).unwrap(); // int32 promotes
        let big = y
            .binary_scalar(legate_dense::BinaryOp::Greater, 100.0, false)
            .unwrap();
        let z = Array::where_(&big, &y.sqrt().unwrap(), &(&y * -1.0).unwrap()).unwrap();
        let z = z.astype(Type::Float32).unwrap();
        let got = z.to_vec::<f32>().unwrap();
        for (k, &v) in got.iter().enumerate() {
            let y = (k as f64 * 0.001).exp() + k as f64;
            let want = if y > 100.0 { y.sqrt() } else { -y } as f32;
            assert_eq!(v, want, "element {k}");
        }
    });
}

/// `np.dot(x, y)` and `np.linalg.norm(x)` of vectors never write `x * y` or `x * x`.
#[test]
fn dot_and_norm_of_vectors_fuse_their_products_into_the_sum() {
    common::each_machine(|d| {
        let n = 10_000;
        let x = d.arange(0.0, n as f64, 1.0, Type::Float64).unwrap();
        let y = d
            .full(&[n], legate_core::Scalar::new(0.5f64), Type::Float64)
            .unwrap();
        d.runtime().fence().unwrap();
        let before = d.runtime().stats();
        let dot = x.dot(&y).unwrap().item::<f64>().unwrap();
        let norm = legate_dense::linalg::norm(&y, None, None, false)
            .unwrap()
            .item::<f64>()
            .unwrap();
        let s = d.runtime().stats();
        assert_eq!(dot, 0.5 * (n * (n - 1) / 2) as f64);
        assert_eq!(norm, (0.25 * n as f64).sqrt());
        assert!(
            s.temporaries_elided - before.temporaries_elided >= 2,
            "{s:?}"
        );
        assert!(
            s.peak_bytes_allocated < before.peak_bytes_allocated + 1000,
            "{s:?}"
        );
        let ints = d.arange(0.0, 100.0, 1.0, Type::Int32).unwrap();
        let v = ints.dot(&ints).unwrap();
        assert_eq!(v.dtype(), Type::Int32);
        assert_eq!(
            v.item::<i32>().unwrap(),
            (0..100).map(|i| i * i).sum::<i32>()
        );
    });
}

/// Broadcast operands with a short innermost dimension (k-means' `points[:, None, :] -
/// centroids[None, :, :]`) are walked in blocks that cross rows; a strided output with
/// short rows is written row by row. Against ndarray, on every machine.
#[test]
fn short_rows_of_broadcast_and_strided_views_fuse_across_rows() {
    let (n, k) = (3001, 8);
    let pts = legate_core::ndarray::Array2::from_shape_fn((n, 2), |(i, j)| {
        ((i * 7 + j * 3) % 13) as f64 - 6.0
    });
    let cen = legate_core::ndarray::Array2::from_shape_fn((k, 2), |(i, j)| (i + 2 * j) as f64);
    let mut want = legate_core::ndarray::Array3::<f64>::zeros((n, k, 2));
    for i in 0..n {
        for j in 0..k {
            for c in 0..2 {
                let d = pts[[i, c]] - cen[[j, c]];
                want[[i, j, c]] = d * d;
            }
        }
    }
    for d in common::machines() {
        let p = d.from_ndarray(&pts.clone().into_dyn()).unwrap();
        let c = d.from_ndarray(&cen.clone().into_dyn()).unwrap();
        let diff = (&p.expand_dims(1).unwrap() - &c.expand_dims(0).unwrap()).unwrap();
        let sq = (&diff * &diff).unwrap();
        assert_eq!(sq.to_ndarray::<f64>().unwrap(), want.clone().into_dyn());
        assert_eq!(
            sq.sum(Some(2), false).unwrap().to_ndarray::<f64>().unwrap(),
            want.sum_axis(legate_core::ndarray::Axis(2)).into_dyn()
        );
        // The middle two columns of a wider array (rows that do not meet), written by a
        // fused expression; the other columns keep their values.
        let wide = d.zeros(&[n, 4], Type::Float64).unwrap();
        let cols = wide.index(&[Index::ALL, Index::range(1, 3)]).unwrap();
        cols.assign(&(&(&p * 2.0).unwrap() + 1.0).unwrap()).unwrap();
        let got = wide.to_ndarray::<f64>().unwrap();
        for i in 0..n {
            for j in 0..4 {
                let w = if (1..3).contains(&j) {
                    2.0 * pts[[i, j - 1]] + 1.0
                } else {
                    0.0
                };
                assert_eq!(got[[i, j]], w, "({i}, {j})");
            }
        }
    }
}

/// CG's updates: `r -= alpha * q` with its `r @ r`, and `x += alpha * p` beside
/// `p = p * beta + r`, where `alpha` and `beta` are 0-d arrays. The updates of `r` and `x`
/// are composed kernels written straight into their vectors; the values are those of the
/// operations in order, fused or not, on 1, 2 and 4 CPUs.
#[test]
fn in_place_updates_of_composed_kernels_give_the_sequential_values() {
    use legate_dense::{linalg, BinaryOp};
    let n = 20_000;
    let f = |k: usize| (0..n).map(move |i| ((i * (7 + k)) % 113) as f64 / 17.0 - 3.0);
    let (q0, p0, r0, x0): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) = (
        f(0).collect(),
        f(1).collect(),
        f(2).collect(),
        f(3).collect(),
    );
    let (alpha, beta) = (0.37f64, -1.25f64);
    let r1: Vec<f64> = r0.iter().zip(&q0).map(|(r, q)| r - alpha * q).collect();
    let rr: f64 = r1.iter().map(|v| v * v).sum();
    let x1: Vec<f64> = x0.iter().zip(&p0).map(|(x, p)| x + alpha * p).collect();
    let p1: Vec<f64> = p0.iter().zip(&r1).map(|(p, r)| p * beta + r).collect();
    for (cpus, fusion) in [(1, true), (2, true), (4, true), (2, false)] {
        let d = dense(cpus, fusion);
        let vector = |v: &Vec<f64>| d.from_vec(v.clone(), &[n]).unwrap();
        let (q, p, r, x) = (vector(&q0), vector(&p0), vector(&r0), vector(&x0));
        let a = d.from_vec(vec![alpha], &[]).unwrap();
        let b = d.from_vec(vec![beta], &[]).unwrap();
        let before = d.runtime().stats();
        r.binary_inplace(BinaryOp::Subtract, &(&a * &q).unwrap())
            .unwrap();
        let dot = linalg::vdot(&r, &r).unwrap();
        x.binary_inplace(BinaryOp::Add, &(&a * &p).unwrap())
            .unwrap();
        p.assign(&(&(&p * &b).unwrap() + &r).unwrap()).unwrap();
        let what = format!("{cpus} CPUs, fusion {fusion}");
        assert_eq!(r.to_vec::<f64>().unwrap(), r1, "{what}");
        assert_eq!(x.to_vec::<f64>().unwrap(), x1, "{what}");
        assert_eq!(p.to_vec::<f64>().unwrap(), p1, "{what}");
        let got = dot.item::<f64>().unwrap();
        assert!((got - rr).abs() <= 1e-12 * rr, "{what}: {got} against {rr}");
        // The two updates absorb their products, `p * beta + r` its product, and the
        // fold of `r @ r` the square it reads.
        let composed = d.runtime().stats().kernels_composed - before.kernels_composed;
        assert_eq!(composed, if fusion { 4 } else { 0 }, "{what}");
    }
}

/// Operands that repeat one element along each run (a 0-d array, a column broadcast over
/// rows shorter and longer than a fused block) are gathered once per element and, in a
/// composed kernel, read as a scalar: the values are the binary operations', exactly,
/// fused and unfused, on 1, 2 and 4 CPUs.
#[test]
fn uniform_operands_of_composed_kernels_give_the_binary_values() {
    use legate_core::ndarray::Array2;
    for (m, n) in [(37, 300), (3, 20_000)] {
        let y0 = Array2::from_shape_fn((m, n), |(i, j)| ((i * 13 + j * 7) % 101) as f64 / 9.0);
        let z0 = Array2::from_shape_fn((m, n), |(i, j)| ((i * 5 + j * 11) % 89) as f64 - 40.0);
        let col0 = Array2::from_shape_fn((m, 1), |(i, _)| 0.25 + i as f64 / 3.0);
        let s = 1.0 / 7.0;
        // (y - col * z) / s and s / (z + col), elementwise.
        let want1 = Array2::from_shape_fn((m, n), |(i, j)| {
            (y0[[i, j]] - col0[[i, 0]] * z0[[i, j]]) / s
        });
        let want2 = Array2::from_shape_fn((m, n), |(i, j)| s / (z0[[i, j]] + col0[[i, 0]]));
        for (cpus, fusion) in [(1, true), (2, true), (4, true), (2, false)] {
            let d = dense(cpus, fusion);
            let y = d.from_ndarray(&y0.clone().into_dyn()).unwrap();
            let z = d.from_ndarray(&z0.clone().into_dyn()).unwrap();
            let col = d.from_ndarray(&col0.clone().into_dyn()).unwrap();
            let s0 = d.from_vec(vec![s], &[]).unwrap();
            let before = d.runtime().stats();
            let got1 = (&(&y - &(&col * &z).unwrap()).unwrap() / &s0).unwrap();
            let got2 = (&s0 / &(&z + &col).unwrap()).unwrap();
            let what = format!("{m} x {n}, {cpus} CPUs, fusion {fusion}");
            assert_eq!(
                got1.to_ndarray::<f64>().unwrap(),
                want1.clone().into_dyn(),
                "{what}"
            );
            assert_eq!(
                got2.to_ndarray::<f64>().unwrap(),
                want2.clone().into_dyn(),
                "{what}"
            );
            let composed = d.runtime().stats().kernels_composed - before.kernels_composed;
            assert_eq!(composed, if fusion { 3 } else { 0 }, "{what}");
        }
    }
}

/// Whole-array reductions of element-wise expressions (`sum(a * b)`, `dot`, `max(a - b)`,
/// `norm`) fold each value as the composed kernel computes it: the same bits as the
/// unfused program on as many CPUs, the sequential values up to rounding, on 1, 2 and 4
/// CPUs, over contiguous and transposed operands; a product the program still holds is
/// written and folded from memory instead.
#[test]
fn reductions_of_composed_kernels_fold_each_value_as_it_is_computed() {
    use legate_core::ndarray::{Array1, Array2};
    let close = |got: f64, want: f64, what: &str| {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{what}: {got} against {want}"
        );
    };
    for n in [1000usize, 100_003] {
        let a0 = Array1::from_shape_fn(n, |i| ((i * 37) % 101) as f64 / 7.0 - 6.0);
        let b0 = Array1::from_shape_fn(n, |i| ((i * 11) % 89) as f64 / 13.0);
        let m0 = Array2::from_shape_fn((300, 41), |(i, j)| ((i * 7 + j * 3) % 53) as f64 - 20.0);
        let t0 = Array2::from_shape_fn((41, 300), |(i, j)| ((i * 5 + j) % 31) as f64 / 3.0);
        let dot: f64 = a0.iter().zip(&b0).map(|(x, y)| x * y).sum();
        let max = a0
            .iter()
            .zip(&b0)
            .map(|(x, y)| x - y)
            .fold(f64::MIN, f64::max);
        let norm = a0.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mt: f64 = m0.iter().zip(t0.t().iter()).map(|(x, y)| x * y).sum();
        let mut fused_bits: Option<Vec<u64>> = None;
        for (cpus, fusion) in FUSED_THEN_UNFUSED {
            let d = dense(cpus, fusion);
            let a = d.from_ndarray(&a0.clone().into_dyn()).unwrap();
            let b = d.from_ndarray(&b0.clone().into_dyn()).unwrap();
            let m = d.from_ndarray(&m0.clone().into_dyn()).unwrap();
            let t = d.from_ndarray(&t0.clone().into_dyn()).unwrap();
            d.runtime().fence().unwrap();
            let what = format!("n {n}, {cpus} CPUs, fusion {fusion}");
            let before = d.runtime().stats();
            // Each expression in a function of its own, so that its temporaries are
            // dropped before the reads flush the window.
            let exprs: [&dyn Fn() -> Array; 5] = [
                &|| (&a * &b).unwrap().sum(None, false).unwrap(),
                &|| a.dot(&b).unwrap(),
                &|| (&a - &b).unwrap().max(None, false).unwrap(),
                &|| legate_dense::linalg::norm(&a, None, None, false).unwrap(),
                &|| (&m * &t.t().unwrap()).unwrap().sum(None, false).unwrap(),
            ];
            let results = exprs.map(|f| f());
            let got = results.map(|x| x.item::<f64>().unwrap());
            let composed = d.runtime().stats().kernels_composed - before.kernels_composed;
            for (g, w) in got.iter().zip([dot, dot, max, norm, mt]) {
                close(*g, w, &what);
            }
            // Four folds absorb their product or difference; the norm's fold absorbs
            // its square, which absorbed the absolute value.
            assert_eq!(composed, if fusion { 6 } else { 0 }, "{what}");
            let bits: Vec<u64> = got.iter().map(|x| x.to_bits()).collect();
            if fusion {
                fused_bits = Some(bits);
            } else {
                assert_eq!(
                    Some(bits),
                    fused_bits.take(),
                    "{what}: unfused against fused"
                );
            }

            // The product is held: written once, and the sum reads it.
            let before = d.runtime().stats();
            let p = (&a * &b).unwrap();
            let s = p.sum(None, false).unwrap().item::<f64>().unwrap();
            close(s, dot, &what);
            assert_eq!(
                p.to_ndarray::<f64>().unwrap(),
                (&a0 * &b0).into_dyn(),
                "{what}"
            );
            assert_eq!(
                d.runtime().stats().kernels_composed,
                before.kernels_composed
            );
        }
    }
}

#[test]
fn reductions_along_an_axis_fold_the_values_of_the_expression_feeding_them() {
    use legate_core::ndarray::{Array3, Axis};
    let a0 = Array2::from_shape_fn((61, 700), |(i, j)| {
        ((i * 37 + j * 11) % 101) as f64 / 8.0 - 6.0
    });
    let b0 = Array2::from_shape_fn((61, 700), |(i, j)| ((i * 5 + j * 13) % 89) as f64 / 16.0);
    let c0 = Array3::from_shape_fn((3, 5, 400), |(i, j, k)| {
        ((i * 7 + j * 3 + k) % 23) as i32 - 11
    });
    let e0 = Array2::from_shape_fn((700, 300), |(i, j)| ((i * 3 + j * 29) % 71) as f64 - 30.0);
    let prod0 = &a0 * &b0;
    let close = |got: &Array, want: &legate_core::ndarray::ArrayD<f64>, what: &str| {
        let got = got.to_ndarray::<f64>().unwrap();
        assert_eq!(got.shape(), want.shape(), "{what}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{what}: {g} against {w}"
            );
        }
    };
    let mut fused_bits: Option<Vec<Vec<u64>>> = None;
    for (cpus, fusion) in FUSED_THEN_UNFUSED {
        let d = dense(cpus, fusion);
        let a = d.from_ndarray(&a0.clone().into_dyn()).unwrap();
        let b = d.from_ndarray(&b0.clone().into_dyn()).unwrap();
        let c = d.from_ndarray(&c0.clone().into_dyn()).unwrap();
        let e = d.from_ndarray(&e0.clone().into_dyn()).unwrap();
        d.runtime().fence().unwrap();
        let what = format!("{cpus} CPUs, fusion {fusion}");
        let before = d.runtime().stats();
        let exprs: [&dyn Fn() -> Array; 6] = [
            // Runs along the reduced axis: the fold absorbs the product.
            &|| (&a * &b).unwrap().sum(Some(1), false).unwrap(),
            // The kept axis innermost: each row of products is added into the result.
            &|| (&a * &b).unwrap().sum(Some(0), false).unwrap(),
            &|| (&a - &b).unwrap().max(Some(-1), true).unwrap(),
            &|| (&a * &b).unwrap().mean(Some(0), false).unwrap(),
            // A transposed operand: runs of the walk are gathered.
            &|| {
                (&e.t().unwrap() + 1.0)
                    .unwrap()
                    .min(Some(0), false)
                    .unwrap()
            },
            &|| (&b * &b).unwrap().prod(Some(1), false).unwrap(),
        ];
        let results = exprs.map(|f| f());
        let s = d.runtime().stats();
        let want = [
            prod0.sum_axis(Axis(1)).into_dyn(),
            prod0.sum_axis(Axis(0)).into_dyn(),
            (&a0 - &b0)
                .map_axis(Axis(1), |l| l.fold(f64::MIN, |m, &v| m.max(v)))
                .insert_axis(Axis(1))
                .into_dyn(),
            prod0.mean_axis(Axis(0)).unwrap().into_dyn(),
            (&e0.t() + 1.0)
                .map_axis(Axis(0), |l| l.fold(f64::MAX, |m, &v| m.min(v)))
                .into_dyn(),
            (&b0 * &b0).map_axis(Axis(1), |l| l.product()).into_dyn(),
        ];
        for (k, (g, w)) in results.iter().zip(&want).enumerate() {
            close(g, w, &format!("{what}, expression {k}"));
        }
        if fusion {
            // The folds along the reduced innermost axis absorb their expression
            // (sum, max, prod; the transposed min's innermost axis is kept).
            assert!(
                s.kernels_composed - before.kernels_composed >= 3,
                "{what}: {} composed, {} elided",
                s.kernels_composed - before.kernels_composed,
                s.temporaries_elided - before.temporaries_elided
            );
            // No expression reached memory: only the results and fills were written.
            assert!(
                s.temporaries_elided - before.temporaries_elided >= 6,
                "{what}"
            );
        }
        let bits: Vec<Vec<u64>> = results
            .iter()
            .map(|r| {
                r.to_ndarray::<f64>()
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect();
        match fused_bits.take() {
            None => fused_bits = Some(bits),
            Some(f) => assert_eq!(f, bits, "{what}: unfused against fused"),
        }

        // Integers widen in the sum; booleans reduce with all/any; 3-D along the middle.
        let ints = c.sum(Some(2), false).unwrap().to_ndarray::<i64>().unwrap();
        assert_eq!(
            ints,
            c0.mapv(i64::from).sum_axis(Axis(2)).into_dyn(),
            "{what}"
        );
        let pos = c
            .binary_scalar(legate_dense::BinaryOp::Greater, 0i64, false)
            .unwrap();
        let any = pos
            .any(Some(2), false)
            .unwrap()
            .to_ndarray::<bool>()
            .unwrap();
        let all = pos
            .all(Some(0), false)
            .unwrap()
            .to_ndarray::<bool>()
            .unwrap();
        assert_eq!(
            any,
            c0.map_axis(Axis(2), |l| l.iter().any(|&v| v > 0))
                .into_dyn()
        );
        assert_eq!(
            all,
            c0.map_axis(Axis(0), |l| l.iter().all(|&v| v > 0))
                .into_dyn()
        );
        let mid = (&c * 2i64).unwrap().max(Some(1), false).unwrap();
        let want = c0
            .mapv(|v| 2 * v)
            .map_axis(Axis(1), |l| *l.iter().max().unwrap());
        assert_eq!(mid.to_ndarray::<i32>().unwrap(), want.into_dyn(), "{what}");
    }
}

/// Reductions along an axis whose runs are short fuse with the expression feeding them
/// (k-means' `((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)`): the `(n, k, 2)`
/// differences are never written, each short row folds in order, and the values are the
/// unfused ones bit for bit and the sequential ones.
#[test]
fn reductions_along_short_runs_never_write_the_expression_feeding_them() {
    use legate_core::ndarray::{Array3, Axis};
    let (n, k) = (3001, 5);
    let p0 = Array2::from_shape_fn((n, 2), |(i, j)| ((i * 37 + j * 11) % 101) as f64 / 7.0);
    let c0 = Array2::from_shape_fn((k, 2), |(i, j)| ((i * 13 + j * 5) % 17) as f64 / 3.0);
    let diff0 = Array3::from_shape_fn((n, k, 2), |(i, j, c)| p0[[i, c]] - c0[[j, c]]);
    let sq0 = diff0.mapv(|v| v * v);
    let want_dist = sq0.map_axis(Axis(2), |l| l.iter().fold(0.0, |a, &v| a + v));
    let m0 = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 3 + j * 29) % 71) as f64 - 30.0);
    let want_cols = (&m0 * 2.0).map_axis(Axis(0), |l| l.iter().fold(f64::MIN, |a, &v| a.max(v)));
    let want_rows = (&m0 * &m0).map_axis(Axis(1), |l| l.iter().fold(0.0, |a, &v| a + v));
    let mut fused_bits: Option<Vec<u64>> = None;
    for (cpus, fusion) in FUSED_THEN_UNFUSED {
        let what = format!("{cpus} CPUs, fusion {fusion}");
        let d = dense(cpus, fusion);
        let p = d.from_ndarray(&p0.clone().into_dyn()).unwrap();
        let c = d.from_ndarray(&c0.clone().into_dyn()).unwrap();
        let m = d.from_ndarray(&m0.clone().into_dyn()).unwrap();
        d.runtime().fence().unwrap();
        let before = d.runtime().stats();
        let pn = p.expand_dims(1).unwrap();
        let cn = c.expand_dims(0).unwrap();
        let diff = (&pn - &cn).unwrap();
        let dist = (&diff * &diff).unwrap().sum(Some(2), false).unwrap();
        drop(diff);
        let cols = (&m * 2.0).unwrap().max(Some(0), false).unwrap();
        let rows = (&m * &m).unwrap().sum(Some(-1), true).unwrap();
        let got = dist.to_ndarray::<f64>().unwrap();
        let s = d.runtime().stats();
        assert_eq!(got, want_dist.clone().into_dyn(), "{what}");
        assert_eq!(
            cols.to_ndarray::<f64>().unwrap(),
            want_cols.clone().into_dyn(),
            "{what}"
        );
        assert_eq!(
            rows.to_ndarray::<f64>().unwrap(),
            want_rows.clone().insert_axis(Axis(1)).into_dyn(),
            "{what}"
        );
        if fusion {
            // The differences, their squares and both products live in scratch blocks.
            assert!(
                s.temporaries_elided - before.temporaries_elided >= 4,
                "{what}: {} elided",
                s.temporaries_elided - before.temporaries_elided
            );
        }
        let bits: Vec<u64> = got.iter().map(|v| v.to_bits()).collect();
        match fused_bits.take() {
            None => fused_bits = Some(bits),
            Some(f) => assert_eq!(f, bits, "{what}: unfused against fused"),
        }
    }
}

/// The NaN-skipping reductions of an expression still deferred (`nansum(a * b)`) fuse
/// with it, and give what they give over the expression in memory.
#[test]
fn nan_reductions_of_deferred_expressions_match_those_of_the_values_in_memory() {
    let (rows, cols) = (301, 7);
    let a0 = Array2::from_shape_fn((rows, cols), |(i, j)| {
        if (i + 2 * j) % 9 == 0 || (i == 5) {
            f64::NAN
        } else {
            ((i * 37 + j * 11) % 101) as f64 / 8.0 - 6.0
        }
    });
    for (cpus, fusion) in FUSED_THEN_UNFUSED {
        let what = format!("{cpus} CPUs, fusion {fusion}");
        let d = dense(cpus, fusion);
        let a = d.from_ndarray(&a0.clone().into_dyn()).unwrap();
        let b = (&a * 0.5).unwrap();
        let in_memory = b.copy().unwrap();
        d.runtime().fence().unwrap();
        type Reduce = fn(&Array, Option<isize>) -> Array;
        let reductions: [(&str, Reduce); 6] = [
            ("nansum", |x, ax| x.nansum(ax, false).unwrap()),
            ("nanprod", |x, ax| x.nanprod(ax, false).unwrap()),
            ("nanmax", |x, ax| x.nanmax(ax, false).unwrap()),
            ("nanmin", |x, ax| x.nanmin(ax, false).unwrap()),
            ("nanmean", |x, ax| x.nanmean(ax, false).unwrap()),
            ("nanvar", |x, ax| x.nanvar(ax, 1, false).unwrap()),
        ];
        for (name, f) in reductions {
            for axis in [None, Some(0), Some(1)] {
                let before = d.runtime().stats();
                let fused = f(&(&a * 0.5).unwrap(), axis).to_ndarray::<f64>().unwrap();
                let elided = d.runtime().stats().temporaries_elided - before.temporaries_elided;
                let want = f(&in_memory, axis).to_ndarray::<f64>().unwrap();
                assert_eq!(fused.shape(), want.shape(), "{what}: {name} {axis:?}");
                for (g, w) in fused.iter().zip(&want) {
                    assert!(
                        (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                        "{what}: {name} {axis:?}: {g} against {w}"
                    );
                }
                if fusion {
                    assert!(elided >= 1, "{what}: {name} {axis:?} wrote a * 0.5");
                }
            }
        }
        // Row 5 is all NaN: its maximum is NaN, its sum 0.
        let m = (&a * 0.5).unwrap().nanmax(Some(1), false).unwrap();
        assert!(m.to_vec::<f64>().unwrap()[5].is_nan(), "{what}");
        let s = (&a * 0.5).unwrap().nansum(Some(1), false).unwrap();
        assert_eq!(s.to_vec::<f64>().unwrap()[5], 0.0, "{what}");
        drop(b);
    }
}
