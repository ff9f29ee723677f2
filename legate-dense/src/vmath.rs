//! Element-wise math over blocks in a form the compiler vectorizes, and its dispatch to
//! AVX2 + FMA code where the processor has them (checked once, at run time: the crate is
//! built for the baseline x86-64, so a binary runs on any machine).
//!
//! `exp` and `log` here replace the C library's scalar calls, which no compiler
//! vectorizes: both follow fdlibm's argument reductions (`x = n ln 2 + r` for `exp`,
//! `x = 2^k (1 + f)` with `1 + f` in `[sqrt(2)/2, sqrt(2))` for `log`), evaluate their
//! polynomials branch-free and select the special cases (overflow, underflow, zero,
//! negative, infinite, NaN) with masks, so every lane runs the same instructions. Both are
//! within 1 ulp of the correctly rounded result over the whole range, as the C library's
//! (`tests::exp_and_log_are_within_an_ulp_of_the_library` checks it); `f32` computes
//! through `f64`.

// The constants are written with the digits fdlibm publishes; each rounds to the double
// it names.
#![allow(clippy::excessive_precision)]

/// `1.5 * 2^52`: adding it rounds a double of magnitude below `2^51` to an integer held in
/// the low bits of the sum (round-to-nearest-even, as the hardware's default mode).
const ROUND: f64 = 6_755_399_441_055_744.0;
const ROUND_BITS: i64 = 0x4338_0000_0000_0000;

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// `a * b + c`, fused where the code is built for FMA.
#[inline(always)]
fn fma<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `e^x`.
#[inline(always)]
pub(crate) fn exp<const F: bool>(x: f64) -> f64 {
    // Inside the clamp `n` stays within [-1077, 1025]; outside it the result is 0 or
    // infinite anyway (selected below).
    let xc = x.clamp(-746.0, 710.0);
    let t = fma::<F>(xc, INV_LN2, ROUND);
    let n = t - ROUND;
    let ni = t.to_bits() as i64 - ROUND_BITS;
    let r = fma::<F>(-n, LN2_LO, fma::<F>(-n, LN2_HI, xc));
    // e^r for |r| <= ln(2)/2 by its Taylor series to r^13 (the next term is below 1e-17).
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.666_666_666_666_666_6e-1,
        4.166_666_666_666_666_4e-2,
        8.333_333_333_333_333e-3,
        1.388_888_888_888_889e-3,
        1.984_126_984_126_984e-4,
        2.480_158_730_158_73e-5,
        2.755_731_922_398_589e-6,
        2.755_731_922_398_589_3e-7,
        2.505_210_838_544_172e-8,
        2.087_675_698_786_81e-9,
        1.605_904_383_682_161_3e-10,
    ];
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = fma::<F>(p, r, c);
    }
    // 2^n as two factors, so that neither leaves the normal range.
    let n1 = ni >> 1;
    let n2 = ni - n1;
    let s1 = f64::from_bits(((n1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((n2 + 1023) as u64) << 52);
    let y = p * s1 * s2;
    let y = if x > 709.782_712_893_384 {
        f64::INFINITY
    } else {
        y
    };
    let y = if x < -745.133_219_101_941_2 { 0.0 } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// The natural logarithm.
#[inline(always)]
pub(crate) fn ln<const F: bool>(x: f64) -> f64 {
    const LG: [f64; 7] = [
        6.666_666_666_666_735_130e-01,
        3.999_999_999_940_941_908e-01,
        2.857_142_874_366_239_149e-01,
        2.222_219_843_214_978_396e-01,
        1.818_357_216_161_805_012e-01,
        1.531_383_769_920_937_332e-01,
        1.479_819_860_511_658_591e-01,
    ];
    // Subnormals are scaled into the normal range first.
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny { x * 4_503_599_627_370_496.0 } else { x };
    let bits = xs.to_bits() as i64;
    let k = ((bits >> 52) & 0x7ff) - 1023 - if tiny { 52 } else { 0 };
    let m = f64::from_bits(((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) as u64);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let k = k + i64::from(big);
    let dk = f64::from_bits((k + ROUND_BITS) as u64) - ROUND;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * fma::<F>(w, fma::<F>(w, LG[5], LG[3]), LG[1]);
    let t2 = z * fma::<F>(w, fma::<F>(w, fma::<F>(w, LG[6], LG[4]), LG[2]), LG[0]);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let y = fma::<F>(
        dk,
        LN2_HI,
        -((hfsq - fma::<F>(s, hfsq + r, dk * LN2_LO)) - f),
    );
    let y = if x == f64::INFINITY { x } else { y };
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// Whether the processor runs the AVX2 + FMA versions.
#[inline]
pub(crate) fn v3() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The body of a block kernel, compiled twice: `fn $name(args) -> R { body }` becomes a
/// call of an AVX2 + FMA build of it where the processor has them, else of the baseline
/// build. The arguments are passed by the names the enclosing function gives them, and
/// the body inlines what it calls (`#[inline(always)]` helpers, closures), so both builds
/// vectorize the whole loop.
macro_rules! v3_build {
    (fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {{
        #[inline(always)]
        fn $name($($arg: $ty),*) -> $ret $body
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn v3_build($($arg: $ty),*) -> $ret {
            $name($($arg),*)
        }
        #[cfg(target_arch = "x86_64")]
        if $crate::vmath::v3() {
            // SAFETY: the processor has AVX2 and FMA.
            return unsafe { v3_build($($arg),*) };
        }
        $name($($arg),*)
    }};
}
pub(crate) use v3_build;

/// `y[i] = f(a[i])`: inlined where it is called, so into code built for AVX2 + FMA from
/// the `_v3` functions.
#[inline(always)]
pub(crate) fn map1<T: Copy, U: Copy>(a: &[T], y: &mut [U], f: impl Fn(T) -> U) {
    for (y, &a) in y.iter_mut().zip(a) {
        *y = f(a);
    }
}

/// Defines `$name(op, a, y) -> bool` over `$t`: the element-wise unary operations this
/// module vectorizes (`false` for the others), dispatched to AVX2 + FMA code where the
/// processor has them (`exp` and `log` of `f32` through `f64`).
macro_rules! unary_blocks {
    ($name:ident, $t:ty) => {
        pub(crate) fn $name(op: crate::kernels::UnaryOp, a: &[$t], y: &mut [$t]) -> bool {
            #[inline(always)]
            fn body<const F: bool>(op: crate::kernels::UnaryOp, a: &[$t], y: &mut [$t]) -> bool {
                use crate::kernels::UnaryOp as U;
                match op {
                    U::Exp => map1(a, y, |x: $t| exp::<F>(f64::from(x)) as $t),
                    U::Log => map1(a, y, |x: $t| ln::<F>(f64::from(x)) as $t),
                    U::Sqrt => map1(a, y, <$t>::sqrt),
                    U::Negative => map1(a, y, |x: $t| -x),
                    U::Absolute | U::Fabs => map1(a, y, <$t>::abs),
                    U::Square => map1(a, y, |x: $t| x * x),
                    U::Reciprocal => map1(a, y, |x: $t| 1.0 / x),
                    U::Floor if F => map1(a, y, <$t>::floor),
                    U::Ceil if F => map1(a, y, <$t>::ceil),
                    U::Trunc if F => map1(a, y, <$t>::trunc),
                    _ => return false,
                }
                true
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn v3_body(op: crate::kernels::UnaryOp, a: &[$t], y: &mut [$t]) -> bool {
                body::<true>(op, a, y)
            }
            #[cfg(target_arch = "x86_64")]
            if v3() {
                // SAFETY: the processor has AVX2 and FMA.
                return unsafe { v3_body(op, a, y) };
            }
            body::<false>(op, a, y)
        }
    };
}
unary_blocks!(unary_f64, f64);
unary_blocks!(unary_f32, f32);

/// `o[i] = if c[i] { x[i] } else { y[i] }`, in code built for AVX2.
///
/// # Safety
/// The processor must have AVX2 ([`v3`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn select_v3<T: Copy>(c: &[bool], x: &[T], y: &[T], o: &mut [T]) {
    for (((o, &c), &x), &y) in o.iter_mut().zip(c).zip(x).zip(y) {
        *o = if c { x } else { y };
    }
}

/// `o[i] = if c[i] { x[i] } else { y[i] }`, on AVX2 where the processor has it.
pub(crate) fn select<T: Copy>(c: &[bool], x: &[T], y: &[T], o: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    if v3() {
        // SAFETY: the processor has AVX2 and FMA.
        unsafe { select_v3(c, x, y, o) };
        return;
    }
    for (((o, &c), &x), &y) in o.iter_mut().zip(c).zip(x).zip(y) {
        *o = if c { x } else { y };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0;
        }
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    fn samples() -> Vec<f64> {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            1e-300,
            5e-324,
            1e-310,
            709.78,
            709.79,
            -745.0,
            -745.2,
            700.0,
            -700.0,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Wide exponents for log, moderate ones for exp.
            xs.push(f64::from_bits(s >> 1));
            xs.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1500.0);
            xs.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.0);
        }
        xs
    }

    #[test]
    fn exp_and_log_are_within_an_ulp_of_the_library() {
        for x in samples() {
            for (got, want, what) in [
                (exp::<false>(x), x.exp(), "exp"),
                (exp::<true>(x), x.exp(), "exp fma"),
                (ln::<false>(x), x.ln(), "log"),
                (ln::<true>(x), x.ln(), "log fma"),
            ] {
                // The library's result is itself within half an ulp or so.
                let tolerance = if want.abs() < f64::MIN_POSITIVE * 4.0 {
                    2
                } else {
                    1
                };
                assert!(
                    ulps(got, want) <= tolerance,
                    "{what}({x:e}) = {got:e}, library {want:e}"
                );
            }
        }
    }

    #[test]
    fn the_dispatched_maps_agree_with_the_baseline() {
        let xs = samples();
        let mut a = vec![0.0; xs.len()];
        let mut b = vec![0.0; xs.len()];
        assert!(unary_f64(crate::kernels::UnaryOp::Exp, &xs, &mut a));
        map1(&xs, &mut b, exp::<false>);
        for ((x, a), b) in xs.iter().zip(&a).zip(&b) {
            assert!(ulps(*a, *b) <= 1, "exp({x:e}): {a:e} against {b:e}");
        }
        let c: Vec<bool> = xs.iter().map(|x| *x > 0.0).collect();
        let mut o = vec![0.0; xs.len()];
        select(&c, &xs, &a, &mut o);
        for i in 0..xs.len() {
            assert_eq!(o[i].to_bits(), if c[i] { xs[i] } else { a[i] }.to_bits());
        }
    }
}
