//! NumPy's ufuncs on legate-dense arrays against element-by-element references computed
//! here with Rust's own math, with 1, 2 and 4 CPUs and with OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use legate_core::num_complex::Complex;
use legate_core::{Error, Type};
use legate_dense::{BinaryOp, Dense, UnaryOp};

mod common;
use common::each_machine;

/// Reference implementations, per element.
type UnaryRef = fn(f64) -> f64;
type PredicateRef = fn(f64) -> bool;
type BinaryRef = fn(f64, f64) -> f64;

/// Values that exercise signs, zeros, fractions, ties, large values and non-finite ones.
fn samples() -> Vec<f64> {
    vec![
        -3.5,
        -2.5,
        -1.0,
        -0.75,
        -0.0,
        0.0,
        0.3,
        0.5,
        1.0,
        1.5,
        2.5,
        7.25,
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ]
}

/// Equal, or both NaN, or within a few ulps (libm implementations may differ slightly).
fn close(got: f64, want: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if got == want {
        return got.is_sign_negative() == want.is_sign_negative() || got != 0.0;
    }
    (got - want).abs() <= 1e-12 * want.abs().max(1e-300)
}

fn check_unary(d: &Arc<Dense>, op: UnaryOp, reference: UnaryRef) {
    let x = samples();
    // A 4x4 grid, read through a transposed view, so pieces are strided.
    let a = d.from_vec(x.clone(), &[4, 4]).unwrap().t().unwrap();
    let got = a.unary(op).unwrap().to_vec::<f64>().unwrap();
    let want: Vec<f64> = (0..16).map(|k| reference(x[(k % 4) * 4 + k / 4])).collect();
    for (k, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(close(g, w), "{}: element {k}: got {g}, want {w}", op.name());
    }
}

fn numpy_sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else if v == 0.0 {
        0.0
    } else {
        v
    }
}

fn spacing(v: f64) -> f64 {
    if !v.is_finite() {
        return f64::NAN;
    }
    let up = f64::from_bits(v.abs().to_bits() + 1);
    (up - v.abs()).copysign(v)
}

#[test]
fn float_unary_ufuncs_match_rust_math() {
    let table: Vec<(UnaryOp, UnaryRef)> = vec![
        (UnaryOp::Negative, |v| -v),
        (UnaryOp::Positive, |v| v),
        (UnaryOp::Absolute, f64::abs),
        (UnaryOp::Fabs, f64::abs),
        (UnaryOp::Square, |v| v * v),
        (UnaryOp::Sqrt, f64::sqrt),
        (UnaryOp::Cbrt, f64::cbrt),
        (UnaryOp::Reciprocal, |v| 1.0 / v),
        (UnaryOp::Exp, f64::exp),
        (UnaryOp::Exp2, f64::exp2),
        (UnaryOp::Expm1, f64::exp_m1),
        (UnaryOp::Log, f64::ln),
        (UnaryOp::Log2, f64::log2),
        (UnaryOp::Log10, f64::log10),
        (UnaryOp::Log1p, f64::ln_1p),
        (UnaryOp::Sin, f64::sin),
        (UnaryOp::Cos, f64::cos),
        (UnaryOp::Tan, f64::tan),
        (UnaryOp::Arcsin, f64::asin),
        (UnaryOp::Arccos, f64::acos),
        (UnaryOp::Arctan, f64::atan),
        (UnaryOp::Sinh, f64::sinh),
        (UnaryOp::Cosh, f64::cosh),
        (UnaryOp::Tanh, f64::tanh),
        (UnaryOp::Arcsinh, f64::asinh),
        (UnaryOp::Arccosh, f64::acosh),
        (UnaryOp::Arctanh, f64::atanh),
        (UnaryOp::Degrees, f64::to_degrees),
        (UnaryOp::Radians, f64::to_radians),
        (UnaryOp::Floor, f64::floor),
        (UnaryOp::Ceil, f64::ceil),
        (UnaryOp::Trunc, f64::trunc),
        (UnaryOp::Rint, f64::round_ties_even),
        (UnaryOp::Sign, numpy_sign),
        (UnaryOp::Spacing, spacing),
        (UnaryOp::Angle, |v| 0f64.atan2(v)),
        (UnaryOp::Real, |v| v),
        (UnaryOp::Imag, |_| 0.0),
        (UnaryOp::Conjugate, |v| v),
    ];
    each_machine(|d| {
        for &(op, reference) in &table {
            check_unary(d, op, reference);
        }
    });
}

#[test]
fn predicates_give_booleans() {
    each_machine(|d| {
        let x = samples();
        let a = d.from_vec(x.clone(), &[16]).unwrap();
        let table: [(UnaryOp, PredicateRef); 5] = [
            (UnaryOp::Isnan, f64::is_nan),
            (UnaryOp::Isinf, f64::is_infinite),
            (UnaryOp::Isfinite, f64::is_finite),
            (UnaryOp::Signbit, f64::is_sign_negative),
            (UnaryOp::LogicalNot, |v| v == 0.0),
        ];
        for (op, reference) in table {
            let got = a.unary(op).unwrap();
            assert_eq!(got.dtype(), Type::Bool);
            let want: Vec<bool> = x.iter().map(|&v| reference(v)).collect();
            assert_eq!(got.to_vec::<bool>().unwrap(), want, "{}", op.name());
        }
        // Integers: never NaN or infinite; the sign bit is the sign.
        let i = d.from_vec(vec![-2i32, 0, 5], &[3]).unwrap();
        assert_eq!(i.isnan().unwrap().to_vec::<bool>().unwrap(), vec![false; 3]);
        assert_eq!(
            i.isfinite().unwrap().to_vec::<bool>().unwrap(),
            vec![true; 3]
        );
        assert_eq!(
            i.signbit().unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, false]
        );
        assert_eq!(
            i.logical_not().unwrap().to_vec::<bool>().unwrap(),
            vec![false, true, false]
        );
        // Complex: NaN or infinite in either part.
        let c = d
            .from_vec(
                vec![
                    Complex::new(1.0, f64::NAN),
                    Complex::new(f64::INFINITY, 0.0),
                    Complex::new(0.0, 0.0),
                ],
                &[3],
            )
            .unwrap();
        assert_eq!(
            c.isnan().unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, false]
        );
        assert_eq!(
            c.isinf().unwrap().to_vec::<bool>().unwrap(),
            vec![false, true, false]
        );
        assert_eq!(
            c.logical_not().unwrap().to_vec::<bool>().unwrap(),
            vec![false, false, true]
        );
    });
}

#[test]
fn integer_unary_ufuncs_keep_or_promote_types_as_numpy() {
    each_machine(|d| {
        let v = vec![-7i16, -1, 0, 3, 12];
        let a = d.from_vec(v.clone(), &[5]).unwrap();
        let sign = a.sign().unwrap();
        assert_eq!(sign.dtype(), Type::Int16);
        assert_eq!(sign.to_vec::<i16>().unwrap(), vec![-1, -1, 0, 1, 1]);
        assert_eq!(
            a.reciprocal().unwrap().to_vec::<i16>().unwrap(),
            vec![0, -1, 0, 0, 0]
        );
        assert_eq!(a.trunc().unwrap().to_vec::<i16>().unwrap(), v);
        // Float functions of integers compute in the narrowest float that holds them, as
        // NumPy's loops: float32 for 16-bit integers, float16 for 8-bit ones and booleans,
        // float64 for wider ones.
        let r = a.rint().unwrap();
        assert_eq!(r.dtype(), Type::Float32);
        assert_eq!(
            r.to_vec::<f32>().unwrap(),
            v.iter().map(|&x| f32::from(x)).collect::<Vec<_>>()
        );
        let l = a.log2().unwrap();
        assert_eq!(l.dtype(), Type::Float32);
        assert!((l.to_vec::<f32>().unwrap()[4] - 12f32.log2()).abs() <= 4.0 * f32::EPSILON);
        for (ty, want) in [
            (Type::Bool, Type::Float16),
            (Type::Int8, Type::Float16),
            (Type::UInt8, Type::Float16),
            (Type::UInt16, Type::Float32),
            (Type::Int32, Type::Float64),
            (Type::UInt64, Type::Float64),
        ] {
            let x = a.astype(ty).unwrap();
            assert_eq!(x.sqrt().unwrap().dtype(), want, "sqrt of {ty:?}");
            assert_eq!(x.exp().unwrap().dtype(), want, "exp of {ty:?}");
        }
        let u = d.from_vec(vec![0u8, 9], &[2]).unwrap();
        assert_eq!(u.sign().unwrap().to_vec::<u8>().unwrap(), vec![0, 1]);
        assert_eq!((!&u).unwrap().to_vec::<u8>().unwrap(), vec![255, 246]);
        // No loop: a type error at the call, not at the next wait.
        assert!(matches!(
            a.unary(UnaryOp::Spacing).map(|x| x.dtype()),
            Ok(Type::Float32)
        ));
        let f = d.from_vec(vec![1.5f64], &[1]).unwrap();
        assert!(matches!(f.invert(), Err(Error::UnsupportedType { .. })));
        let c = d.from_vec(vec![Complex::new(1.0f64, 1.0)], &[1]).unwrap();
        assert!(matches!(c.floor(), Err(Error::UnsupportedType { .. })));
        assert!(matches!(c.signbit(), Err(Error::UnsupportedType { .. })));
    });
}

#[test]
fn complex_parts_are_real_arrays() {
    each_machine(|d| {
        let z = vec![
            Complex::new(3.0f32, -4.0),
            Complex::new(-1.0, 0.0),
            Complex::new(0.0, 2.0),
        ];
        let a = d.from_vec(z.clone(), &[3]).unwrap();
        let abs = a.absolute().unwrap();
        assert_eq!(abs.dtype(), Type::Float32);
        assert_eq!(abs.to_vec::<f32>().unwrap(), vec![5.0, 1.0, 2.0]);
        assert_eq!(
            a.real().unwrap().to_vec::<f32>().unwrap(),
            vec![3.0, -1.0, 0.0]
        );
        assert_eq!(
            a.imag().unwrap().to_vec::<f32>().unwrap(),
            vec![-4.0, 0.0, 2.0]
        );
        let angle = a.angle().unwrap().to_vec::<f32>().unwrap();
        for (g, w) in angle.iter().zip(z.iter().map(|c| c.arg())) {
            assert!((g - w).abs() < 1e-6);
        }
        let conj = a.conjugate().unwrap();
        assert_eq!(conj.dtype(), Type::Complex64);
        assert_eq!(
            conj.to_vec::<Complex<f32>>().unwrap(),
            z.iter().map(|c| c.conj()).collect::<Vec<_>>()
        );
        let sign = a.sign().unwrap().to_vec::<Complex<f32>>().unwrap();
        assert!((sign[0] - Complex::new(0.6, -0.8)).norm() < 1e-6);
        let e2 = a.exp2().unwrap().to_vec::<Complex<f32>>().unwrap();
        assert!((e2[1] - Complex::new(0.5, 0.0)).norm() < 1e-6);
    });
}

fn check_binary(d: &Arc<Dense>, op: BinaryOp, reference: BinaryRef) {
    let x = samples();
    let y: Vec<f64> = x.iter().rev().copied().collect();
    let a = d.from_vec(x.clone(), &[16]).unwrap();
    let b = d.from_vec(y.clone(), &[16]).unwrap();
    let got = a
        .reshape(&[4, 4])
        .unwrap()
        .binary(op, &b.reshape(&[4, 4]).unwrap())
        .unwrap()
        .to_vec::<f64>()
        .unwrap();
    for (k, &g) in got.iter().enumerate() {
        let w = reference(x[k], y[k]);
        assert!(
            close(g, w),
            "{}({}, {}): got {g}, want {w}",
            op.name(),
            x[k],
            y[k]
        );
    }
    // Every pair, with a broadcast column against a row.
    let col = a.reshape(&[16, 1]).unwrap();
    let got = col.binary(op, &b).unwrap().to_vec::<f64>().unwrap();
    for i in 0..16 {
        for j in 0..16 {
            let (g, w) = (got[i * 16 + j], reference(x[i], y[j]));
            assert!(
                close(g, w),
                "{}({}, {}): got {g}, want {w}",
                op.name(),
                x[i],
                y[j]
            );
        }
    }
}

fn logaddexp(a: f64, b: f64) -> f64 {
    if a == b {
        return a + std::f64::consts::LN_2;
    }
    let m = a.max(b);
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    m + (-(a - b).abs()).exp().ln_1p()
}

fn nextafter(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b {
        return b;
    }
    if a == 0.0 {
        return f64::from_bits(1).copysign(b);
    }
    let bits = a.to_bits();
    f64::from_bits(if (b > a) == (a > 0.0) {
        bits + 1
    } else {
        bits - 1
    })
}

#[test]
fn float_binary_ufuncs_match_rust_math() {
    let table: Vec<(BinaryOp, BinaryRef)> = vec![
        (BinaryOp::Add, |a, b| a + b),
        (BinaryOp::Subtract, |a, b| a - b),
        (BinaryOp::Multiply, |a, b| a * b),
        (BinaryOp::TrueDivide, |a, b| a / b),
        (BinaryOp::Fmod, |a, b| a % b),
        (BinaryOp::Arctan2, f64::atan2),
        (BinaryOp::Hypot, f64::hypot),
        (BinaryOp::Copysign, f64::copysign),
        (BinaryOp::Logaddexp, logaddexp),
        (BinaryOp::Logaddexp2, |a, b| {
            let l = std::f64::consts::LN_2;
            logaddexp(a * l, b * l) / l
        }),
        (BinaryOp::Nextafter, nextafter),
        (
            BinaryOp::Fmax,
            |a, b| if b.is_nan() || a >= b { a } else { b },
        ),
        (
            BinaryOp::Fmin,
            |a, b| if b.is_nan() || a <= b { a } else { b },
        ),
        (BinaryOp::Heaviside, |a, b| {
            if a.is_nan() {
                a
            } else if a < 0.0 {
                0.0
            } else if a == 0.0 {
                b
            } else {
                1.0
            }
        }),
        (BinaryOp::FloatPower, f64::powf),
    ];
    each_machine(|d| {
        for &(op, reference) in &table {
            check_binary(d, op, reference);
        }
    });
}

#[test]
fn integer_binary_ufuncs_match_numpy() {
    each_machine(|d| {
        let a = d.from_vec(vec![12i32, -12, 7, -7, 1, 5], &[6]).unwrap();
        let b = d.from_vec(vec![18i32, 8, -2, 0, 40, 3], &[6]).unwrap();
        assert_eq!(
            a.gcd(&b).unwrap().to_vec::<i32>().unwrap(),
            vec![6, 4, 1, 7, 1, 1]
        );
        assert_eq!(
            a.lcm(&b).unwrap().to_vec::<i32>().unwrap(),
            vec![36, 24, 14, 0, 40, 15]
        );
        assert_eq!(
            a.fmod(&b).unwrap().to_vec::<i32>().unwrap(),
            vec![12, -4, 1, 0, 1, 2]
        );
        let s = d.from_vec(vec![1i32, 2, 31, 32, -1, 3], &[6]).unwrap();
        assert_eq!(
            a.left_shift(&s).unwrap().to_vec::<i32>().unwrap(),
            vec![24, -48, i32::MIN, 0, 0, 40]
        );
        assert_eq!(
            a.right_shift(&s).unwrap().to_vec::<i32>().unwrap(),
            vec![6, -3, 0, -1, 0, 0]
        );
        assert_eq!(
            (&a >> &s).unwrap().to_vec::<i32>().unwrap(),
            a.right_shift(&s).unwrap().to_vec::<i32>().unwrap()
        );
        // A negative value shifted right past the width is -1 (arithmetic shift).
        let m = d.from_vec(vec![-12i64], &[1]).unwrap();
        assert_eq!(
            m.binary_scalar(BinaryOp::RightShift, 64i64, false)
                .unwrap()
                .to_vec::<i64>()
                .unwrap(),
            vec![-1]
        );
        // Float-only operators promote integers to float64.
        let h = a.hypot(&b).unwrap();
        assert_eq!(h.dtype(), Type::Float64);
        assert_eq!(h.to_vec::<f64>().unwrap()[0], 12f64.hypot(18.0));
        let fp = a.float_power(&s).unwrap();
        assert_eq!(fp.dtype(), Type::Float64);
        assert_eq!(fp.to_vec::<f64>().unwrap()[4], 1.0);
        // No integer loop for shifts of floats: a type error at the call.
        let f = a.astype(Type::Float32).unwrap();
        assert!(matches!(
            f.left_shift(&f),
            Err(Error::UnsupportedType {
                op: "left_shift",
                ..
            })
        ));
        assert!(matches!(
            f.gcd(&f),
            Err(Error::UnsupportedType { op: "gcd", .. })
        ));
    });
}

#[test]
fn logical_operators_use_truthiness() {
    each_machine(|d| {
        let a = d.from_vec(vec![0.0f64, 0.0, 2.5, -1.0], &[4]).unwrap();
        let b = d.from_vec(vec![0i64, 3, 0, 4], &[4]).unwrap();
        let and = a.logical_and(&b).unwrap();
        assert_eq!(and.dtype(), Type::Bool);
        assert_eq!(
            and.to_vec::<bool>().unwrap(),
            vec![false, false, false, true]
        );
        assert_eq!(
            a.logical_or(&b).unwrap().to_vec::<bool>().unwrap(),
            vec![false, true, true, true]
        );
        assert_eq!(
            a.logical_xor(&b).unwrap().to_vec::<bool>().unwrap(),
            vec![false, true, true, false]
        );
        assert_eq!(
            a.binary_scalar(BinaryOp::LogicalOr, false, false)
                .unwrap()
                .to_vec::<bool>()
                .unwrap(),
            vec![false, false, true, true]
        );
    });
}

#[test]
fn float16_and_float32_compute_like_float64_rounded() {
    each_machine(|d| {
        let x: Vec<f64> = vec![-1.5, 0.25, 0.5, 2.0, 3.0];
        for ty in [Type::Float16, Type::Float32] {
            let a = d.from_vec(x.clone(), &[5]).unwrap().astype(ty).unwrap();
            for (op, reference) in [
                (UnaryOp::Exp, f64::exp as fn(f64) -> f64),
                (UnaryOp::Arctan, f64::atan),
                (UnaryOp::Absolute, f64::abs),
            ] {
                let got = a.unary(op).unwrap();
                assert_eq!(got.dtype(), ty, "{}", op.name());
                let got = got.astype(Type::Float64).unwrap().to_vec::<f64>().unwrap();
                let tol = if ty == Type::Float16 { 2e-3 } else { 1e-6 };
                for (g, &v) in got.iter().zip(&x) {
                    let w = reference(v);
                    assert!(
                        (g - w).abs() <= tol * w.abs().max(1.0),
                        "{} {ty}",
                        op.name()
                    );
                }
            }
            let sp = a.spacing().unwrap().astype(Type::Float64).unwrap();
            let want = if ty == Type::Float16 {
                2f64.powi(-10)
            } else {
                2f64.powi(-23)
            };
            assert_eq!(sp.to_vec::<f64>().unwrap()[3] / 2.0, want);
            let h = a.hypot(&a).unwrap();
            assert_eq!(h.dtype(), ty);
            let n = a
                .nextafter(&d.from_vec(vec![10.0f64], &[1]).unwrap().astype(ty).unwrap())
                .unwrap();
            let n = n.astype(Type::Float64).unwrap().to_vec::<f64>().unwrap();
            assert!(n[3] > 2.0 && n[3] - 2.0 <= 2.0 * want * 2.0);
        }
    });
}

#[test]
fn rounding_and_decompositions_match_numpy() {
    each_machine(|d| {
        let a = d
            .from_vec(vec![1.25f64, -2.675, 0.5, 1.5, 2.5, 1234.5678], &[6])
            .unwrap();
        assert_eq!(
            a.round(0).unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, -3.0, 0.0, 2.0, 2.0, 1235.0]
        );
        assert_eq!(a.round(1).unwrap().to_vec::<f64>().unwrap()[0], 1.2);
        assert_eq!(a.round(-2).unwrap().to_vec::<f64>().unwrap()[5], 1200.0);
        let i = d.from_vec(vec![1250i32, -1350, 77], &[3]).unwrap();
        let r = i.round(-2).unwrap();
        assert_eq!(r.dtype(), Type::Int32);
        assert_eq!(r.to_vec::<i32>().unwrap(), vec![1200, -1400, 100]);
        assert_eq!(
            i.round(1).unwrap().to_vec::<i32>().unwrap(),
            vec![1250, -1350, 77]
        );

        let x = d
            .from_vec(
                vec![3.75f64, -2.5, f64::INFINITY, f64::NEG_INFINITY, 0.0],
                &[5],
            )
            .unwrap();
        let (frac, whole) = x.modf().unwrap();
        let frac = frac.to_vec::<f64>().unwrap();
        assert_eq!(&frac[..2], &[0.75, -0.5]);
        assert!(frac[2] == 0.0 && !frac[2].is_sign_negative());
        assert!(frac[3] == 0.0 && frac[3].is_sign_negative());
        assert_eq!(
            whole.to_vec::<f64>().unwrap(),
            vec![3.0, -2.0, f64::INFINITY, f64::NEG_INFINITY, 0.0]
        );

        let y = d
            .from_vec(vec![8.0f64, -0.375, 0.0, 5e-324, 1.0], &[5])
            .unwrap();
        let (m, e) = y.frexp().unwrap();
        assert_eq!(e.dtype(), Type::Int32);
        assert_eq!(m.to_vec::<f64>().unwrap(), vec![0.5, -0.75, 0.0, 0.5, 0.5]);
        assert_eq!(e.to_vec::<i32>().unwrap(), vec![4, -1, 0, -1073, 1]);
        // ldexp inverts frexp, even for the smallest subnormal.
        let back = m.ldexp(&e.astype(Type::Float64).unwrap()).unwrap();
        assert_eq!(back.to_vec::<f64>().unwrap(), y.to_vec::<f64>().unwrap());

        let p = d.from_vec(vec![7i64, -7, 7, -7], &[4]).unwrap();
        let q = d.from_vec(vec![2i64, 2, -2, -2], &[4]).unwrap();
        let (div, rem) = p.divmod(&q).unwrap();
        assert_eq!(div.to_vec::<i64>().unwrap(), vec![3, -4, -4, 3]);
        assert_eq!(rem.to_vec::<i64>().unwrap(), vec![1, 1, -1, -1]);
    });
}

#[test]
fn closeness_follows_numpy() {
    each_machine(|d| {
        let a = d
            .from_vec(vec![1.0f64, 1e10, f64::INFINITY, f64::NAN, 1.0, 0.0], &[6])
            .unwrap();
        let b = d
            .from_vec(
                vec![
                    1.0 + 1e-9,
                    1.0001e10,
                    f64::INFINITY,
                    f64::NAN,
                    f64::INFINITY,
                    1e-9,
                ],
                &[6],
            )
            .unwrap();
        assert_eq!(
            a.isclose(&b, 1e-5, 1e-8, false)
                .unwrap()
                .to_vec::<bool>()
                .unwrap(),
            vec![true, false, true, false, false, true]
        );
        assert!(
            a.isclose(&b, 1e-5, 1e-8, true)
                .unwrap()
                .to_vec::<bool>()
                .unwrap()[3]
        );
        assert!(!a.allclose(&b, 1e-5, 1e-8, true).unwrap());
        assert!(a.allclose(&a, 1e-5, 1e-8, true).unwrap());
        assert!(!a.array_equal(&a).unwrap(), "NaN is not equal to itself");
        let i = d.from_vec(vec![1i32, 2], &[2]).unwrap();
        assert!(i.array_equal(&i.copy().unwrap()).unwrap());
        assert!(!i.array_equal(&a).unwrap());
    });
}

#[test]
fn in_place_and_out_forms_cast_as_numpy() {
    each_machine(|d| {
        let a = d.from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        let row = d.from_vec(vec![10.0f64, 20.0], &[2]).unwrap();
        a.binary_inplace(BinaryOp::Add, &row).unwrap();
        assert_eq!(a.to_vec::<f64>().unwrap(), vec![11.0, 22.0, 13.0, 24.0]);
        a.binary_scalar_inplace(BinaryOp::Multiply, 0.5).unwrap();
        assert_eq!(a.to_vec::<f64>().unwrap(), vec![5.5, 11.0, 6.5, 12.0]);
        // In place through a view: only the view's elements change.
        let col = a
            .index(&[legate_dense::Index::ALL, legate_dense::Index::At(1)])
            .unwrap();
        col.binary_scalar_inplace(BinaryOp::Subtract, 1).unwrap();
        assert_eq!(a.to_vec::<f64>().unwrap(), vec![5.5, 10.0, 6.5, 11.0]);
        a.unary_out(UnaryOp::Floor, &a).unwrap();
        assert_eq!(a.to_vec::<f64>().unwrap(), vec![5.0, 10.0, 6.0, 11.0]);

        // int += float is a type error, and the array keeps its values.
        let i = d.from_vec(vec![1i32, 2], &[2]).unwrap();
        assert!(matches!(
            i.binary_scalar_inplace(BinaryOp::Add, 0.5),
            Err(Error::TypeMismatch { .. })
        ));
        let f = d.from_vec(vec![0.5f64, 0.5], &[2]).unwrap();
        assert!(matches!(
            i.binary_inplace(BinaryOp::Multiply, &f),
            Err(Error::TypeMismatch { .. })
        ));
        assert!(matches!(
            f.unary_out(UnaryOp::Sqrt, &i),
            Err(Error::TypeMismatch { .. })
        ));
        assert_eq!(i.to_vec::<i32>().unwrap(), vec![1, 2]);
        // float64 into float32 is the same kind: allowed.
        let out = d.zeros(&[2], Type::Float32).unwrap();
        f.binary_out(BinaryOp::Add, &f, &out).unwrap();
        assert_eq!(out.to_vec::<f32>().unwrap(), vec![1.0, 1.0]);
        // A shape the result does not broadcast to is an error.
        let wrong = d.zeros(&[3], Type::Float64).unwrap();
        assert!(f.binary_out(BinaryOp::Add, &f, &wrong).is_err());
    });
}

#[test]
fn contiguous_block_kernels_match_element_loops() {
    // Long enough for several 4096-element blocks with a remainder in every piece.
    let n = 100_003;
    let x: Vec<f64> = (0..n).map(|k| (k % 7) as f64 * 0.5 - 1.0).collect();
    let y: Vec<f64> = (0..n).map(|k| (k % 5) as f64 + 1.0).collect();
    let ix: Vec<i32> = (0..n as i32).map(|k| k % 1000 - 500).collect();
    each_machine(|d| {
        let a = d.from_vec(x.clone(), &[n]).unwrap();
        let b = d.from_vec(y.clone(), &[n]).unwrap();
        for (op, f) in [
            (BinaryOp::Add, (|p, q| p + q) as BinaryRef),
            (BinaryOp::Subtract, |p, q| p - q),
            (BinaryOp::Multiply, |p, q| p * q),
            (BinaryOp::TrueDivide, |p, q| p / q),
        ] {
            let want: Vec<f64> = x.iter().zip(&y).map(|(&p, &q)| f(p, q)).collect();
            assert_eq!(a.binary(op, &b).unwrap().to_vec::<f64>().unwrap(), want);
            let want: Vec<f64> = y.iter().map(|&q| f(3.0, q)).collect();
            assert_eq!(
                b.binary_scalar(op, 3.0, true)
                    .unwrap()
                    .to_vec::<f64>()
                    .unwrap(),
                want,
                "{} reversed",
                op.name()
            );
        }
        let total: f64 = x.iter().sum();
        assert_eq!(a.sum(None, false).unwrap().item::<f64>().unwrap(), total);
        let f32_total = a
            .astype(Type::Float32)
            .unwrap()
            .sum(None, false)
            .unwrap()
            .item::<f32>()
            .unwrap();
        assert_eq!(f32_total, total as f32);
        let i = d.from_vec(ix.clone(), &[n]).unwrap();
        let isum: i64 = ix.iter().map(|&v| i64::from(v)).sum();
        assert_eq!(i.sum(None, false).unwrap().item::<i64>().unwrap(), isum);
        let diff = i.binary_scalar(BinaryOp::Subtract, 7, true).unwrap();
        assert_eq!(
            diff.to_vec::<i32>().unwrap(),
            ix.iter().map(|&v| 7 - v).collect::<Vec<_>>()
        );
        // A strided view takes the element loop; the results agree.
        let every_other = a
            .index(&[legate_dense::Index::Slice {
                start: None,
                stop: None,
                step: 2,
            }])
            .unwrap();
        let want: f64 = x.iter().step_by(2).sum();
        assert_eq!(
            every_other.sum(None, false).unwrap().item::<f64>().unwrap(),
            want
        );
        // max over contiguous pieces uses the generic fold, on the OMP pool too.
        assert_eq!(a.max(None, false).unwrap().item::<f64>().unwrap(), 2.0);
    });
}

#[test]
fn a_loop_of_fresh_results_reuses_the_instances_it_frees() {
    use legate_core::Scalar;
    // 2 MiB of float64: large enough for a freed instance to be kept for reuse.
    let n = 1 << 18;
    each_machine(|d| {
        let rt = d.runtime();
        let a = d.full(&[n], Scalar::new(1.5f64), Type::Float64).unwrap();
        let b = d.full(&[n], Scalar::new(2.0f64), Type::Float64).unwrap();
        let before = rt.stats().buffers_reused;
        let mut c = a.binary(BinaryOp::Add, &b).unwrap();
        // Each new result is made once the one before is done, while it still lives: the
        // instance it takes is the one freed by the assignment before.
        for _ in 0..4 {
            rt.fence().unwrap();
            c = a.binary(BinaryOp::Add, &b).unwrap();
        }
        assert_eq!(c.to_vec::<f64>().unwrap(), vec![3.5; n]);
        assert!(rt.stats().buffers_reused >= before + 3);
    });
}

/// Integer `power` wraps in the array's own type, for every width, with exponents from 0
/// past the width (by squaring in that type, as NumPy's loop), in the arrays' type.
#[test]
fn integer_powers_wrap_in_every_width() {
    macro_rules! check {
        ($d:expr, $($t:ty),*) => {$(
            let bases: Vec<$t> = vec![0, 1, 2, 3, 5, 7, 10, 11];
            let exps: Vec<$t> = vec![0, 1, 2, 3, 7, 8, 9, 40];
            let want: Vec<$t> = bases
                .iter()
                .zip(&exps)
                .map(|(&a, &e)| (0..e).fold(1 as $t, |acc, _| acc.wrapping_mul(a)))
                .collect();
            let a = $d.from_vec(bases.clone(), &[bases.len()]).unwrap();
            let e = $d.from_vec(exps.clone(), &[exps.len()]).unwrap();
            let got = a.binary(BinaryOp::Power, &e).unwrap();
            assert_eq!(got.to_vec::<$t>().unwrap(), want, "{}", stringify!($t));
            let squares: Vec<$t> = bases.iter().map(|&v| v.wrapping_mul(v)).collect();
            let got = a.binary_scalar(BinaryOp::Power, 2i64, false).unwrap();
            assert_eq!(got.to_vec::<$t>().unwrap(), squares, "{} ** 2", stringify!($t));
        )*};
    }
    each_machine(|d| {
        check!(d, i8, i16, i32, i64, u8, u16, u32, u64);
    });
}

/// Integer powers refuse negative exponents, as NumPy (a scalar, an array holding one, a
/// scalar base raised to such an array); floats and non-negative exponents go through.
#[test]
fn integer_powers_refuse_negative_exponents() {
    each_machine(|d| {
        let a = d.from_vec(vec![1i64, 2, 3], &[3]).unwrap();
        let mixed = d.from_vec(vec![1i32, -2, 0], &[3]).unwrap();
        let refused = [
            a.binary_scalar(BinaryOp::Power, -1i64, false),
            a.binary(BinaryOp::Power, &mixed),
            a.binary_scalar(BinaryOp::Power, 2i64, true)
                .and_then(|_| mixed.binary_scalar(BinaryOp::Power, 2i64, true)),
        ];
        for r in refused {
            let err = r.unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
            assert!(err.to_string().contains("negative integer powers"), "{err}");
        }
        let fine = a
            .binary(BinaryOp::Power, &mixed.unary(UnaryOp::Absolute).unwrap())
            .unwrap();
        assert_eq!(fine.to_vec::<i64>().unwrap(), vec![1, 4, 1]);
        let floats = a.binary_scalar(BinaryOp::Power, -1.0, false).unwrap();
        assert_eq!(floats.to_vec::<f64>().unwrap(), vec![1.0, 0.5, 1.0 / 3.0]);
        // Nothing held was touched by the refusals.
        assert_eq!(a.to_vec::<i64>().unwrap(), vec![1, 2, 3]);
    });
}

/// Complex numbers order as NumPy's: by real part, then imaginary part, in `maximum`,
/// `minimum`, `max`, `min` and `argmax` (a NaN propagates through the first four, `fmax`
/// skips it); `var` and `std` of complex arrays are real, the mean squared modulus of the
/// deviations.
#[test]
fn complex_numbers_order_lexicographically_and_have_real_variances() {
    let c = |re: f64, im: f64| Complex::new(re, im);
    let zs = vec![
        c(1.0, 2.0),
        c(3.0, -1.0),
        c(3.0, 4.0),
        c(-2.0, 9.0),
        c(3.0, 0.0),
    ];
    let ws = vec![
        c(1.0, 3.0),
        c(3.0, -2.0),
        c(2.0, 9.0),
        c(-2.0, 9.0),
        c(f64::NAN, 0.0),
    ];
    each_machine(|d| {
        let z = d.from_vec(zs.clone(), &[5]).unwrap();
        let w = d.from_vec(ws.clone(), &[5]).unwrap();
        assert_eq!(
            z.max(None, false).unwrap().item::<Complex<f64>>().unwrap(),
            c(3.0, 4.0)
        );
        assert_eq!(
            z.min(None, false).unwrap().item::<Complex<f64>>().unwrap(),
            c(-2.0, 9.0)
        );
        assert_eq!(z.argmax(None).unwrap().item::<i64>().unwrap(), 2);
        assert_eq!(z.argmin(None).unwrap().item::<i64>().unwrap(), 3);
        let m = z
            .binary(BinaryOp::Maximum, &w)
            .unwrap()
            .to_vec::<Complex<f64>>()
            .unwrap();
        assert_eq!(
            &m[..4],
            &[c(1.0, 3.0), c(3.0, -1.0), c(3.0, 4.0), c(-2.0, 9.0)]
        );
        assert!(m[4].re.is_nan());
        let f = z
            .binary(BinaryOp::Fmax, &w)
            .unwrap()
            .to_vec::<Complex<f64>>()
            .unwrap();
        assert_eq!(f[4], c(3.0, 0.0));
        let v = z.var(None, 0, false).unwrap();
        assert_eq!(v.dtype(), Type::Float64);
        let mean = zs.iter().sum::<Complex<f64>>() / 5.0;
        let want = zs.iter().map(|&x| (x - mean).norm_sqr()).sum::<f64>() / 5.0;
        assert!(close(v.item::<f64>().unwrap(), want));
        let s = z.std(None, 1, false).unwrap().item::<f64>().unwrap();
        assert!(close(s, (want * 5.0 / 4.0).sqrt()));
        let z32 = z.astype(Type::Complex64).unwrap();
        assert_eq!(z32.var(None, 0, false).unwrap().dtype(), Type::Float32);
    });
}

/// Booleans take NumPy's loops: their own where NumPy has one (`floor`, `maximum`, ...),
/// `int8` where it has none (`square`, `floor_divide`, `power`, shifts), none at all for
/// `positive`, `negative` and `subtract`; float-only binary operators of booleans and
/// small integers compute in the narrowest float that holds them (`true_divide` always in
/// float64).
#[test]
fn booleans_and_small_integers_take_numpys_loops() {
    each_machine(|d| {
        let b = d.from_vec(vec![true, false, true], &[3]).unwrap();
        assert_eq!(
            b.floor().unwrap().to_vec::<bool>().unwrap(),
            vec![true, false, true]
        );
        let sq = b.square().unwrap();
        assert_eq!(
            (sq.dtype(), sq.to_vec::<i8>().unwrap()),
            (Type::Int8, vec![1, 0, 1])
        );
        for op in [BinaryOp::FloorDivide, BinaryOp::Power, BinaryOp::LeftShift] {
            let r = b.binary(op, &b).unwrap();
            assert_eq!(r.dtype(), Type::Int8, "{op:?}");
        }
        assert_eq!(
            b.binary(BinaryOp::Power, &b)
                .unwrap()
                .to_vec::<i8>()
                .unwrap(),
            vec![1, 1, 1]
        );
        assert_eq!(b.binary(BinaryOp::Maximum, &b).unwrap().dtype(), Type::Bool);
        assert!(matches!(
            b.unary(UnaryOp::Positive),
            Err(Error::UnsupportedType { .. })
        ));
        assert!(matches!(
            b.binary(BinaryOp::Subtract, &b),
            Err(Error::UnsupportedType { .. })
        ));
        for (ty, want) in [
            (Type::Bool, Type::Float16),
            (Type::Int8, Type::Float16),
            (Type::Int16, Type::Float32),
            (Type::Int64, Type::Float64),
        ] {
            let x = b.astype(ty).unwrap();
            assert_eq!(
                x.binary(BinaryOp::Arctan2, &x).unwrap().dtype(),
                want,
                "{ty:?}"
            );
            assert_eq!(
                x.binary(BinaryOp::Hypot, &x).unwrap().dtype(),
                want,
                "{ty:?}"
            );
            let q = x.binary(BinaryOp::TrueDivide, &x).unwrap();
            assert_eq!(q.dtype(), Type::Float64, "{ty:?}");
        }
    });
}

/// Reductions along a short last axis (a few coordinates per row) give exactly the
/// sequential fold of each row from the identity, whatever the type and operator.
#[test]
fn short_lanes_reduce_as_sequential_folds() {
    each_machine(|d| {
        for len in [1usize, 2, 3, 7, 30, 63] {
            let rows = 5000; // enough results that every machine folds whole rows
            let v: Vec<f64> = (0..rows * len)
                .map(|i| ((i * 37) % 101) as f64 / 7.0 - 6.0)
                .collect();
            let x = d.from_vec(v.clone(), &[rows, len]).unwrap();
            let sums = x.sum(Some(1), false).unwrap().to_vec::<f64>().unwrap();
            let maxes = x.max(Some(1), false).unwrap().to_vec::<f64>().unwrap();
            for (r, lane) in v.chunks_exact(len).enumerate() {
                let s = lane.iter().fold(0.0, |a, &b| a + b);
                assert_eq!(sums[r].to_bits(), s.to_bits(), "sum of row {r}, {len} long");
                assert_eq!(maxes[r], lane.iter().copied().fold(f64::MIN, f64::max));
            }
            let ints: Vec<i64> = (0..(rows * len) as i64).map(|i| i % 13 - 6).collect();
            let xi = d.from_vec(ints.clone(), &[rows, len]).unwrap();
            let prods = xi.prod(Some(1), false).unwrap().to_vec::<i64>().unwrap();
            for (r, lane) in ints.chunks_exact(len).enumerate() {
                let want = lane.iter().fold(1i64, |a, &b| a.wrapping_mul(b));
                assert_eq!(prods[r], want, "product of row {r}, {len} long");
            }
        }
    });
}
