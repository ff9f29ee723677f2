//! Counter-based random numbers that do not depend on how an array is partitioned.
//!
//! Element `i` of a random array is a pure function of `(seed, stream, i)`: whichever piece
//! of the array a task fills, and however many processors run, the values are the same as
//! those of a sequential fill. The bijection underneath is Philox4x32-10 (Salmon, Moraes,
//! Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), checked against
//! the Known Answer Tests of the Random123 library.
//!
//! # Layout
//!
//! A [`Philox`] is a key (the seed, low half first) and a base counter (the stream in the
//! high 64 bits). Block `b` is `philox4x32(base + b, key)`, the 128-bit counter split into
//! four little-endian `u32` words. A block holds two `u64` words, `w0 = out[0] | out[1] << 32`
//! and `w1 = out[2] | out[3] << 32`; element `i` reads word `i % 2` of block `i / 2`, so
//! element indices (`u64`) only ever reach blocks below `2^63`.
//!
//! ```
//! use legate_dense::philox::Philox;
//!
//! let rng = Philox::with_stream(42, 7);
//! let mut whole = vec![0.0; 10];
//! rng.fill_uniform_f64(0, &mut whole);
//! // Two pieces filled independently give the same values.
//! let (mut left, mut right) = (vec![0.0; 3], vec![0.0; 7]);
//! rng.fill_uniform_f64(0, &mut left);
//! rng.fill_uniform_f64(3, &mut right);
//! assert_eq!([left, right].concat(), whole);
//! ```

/// Multipliers of the two Philox S-boxes (Random123's `PHILOX_M4x32_0`, `_1`).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
/// Weyl increments of the key schedule: the golden ratio and `sqrt(3) - 1`.
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;
/// The element index of block `b`'s first word is `2b`, so blocks at or above this bit are
/// never read as data; the generator for rejection retries is keyed from one of them.
const RETRY_KEY_BLOCK: u128 = 1 << 63;
/// Elements converted per batch by the typed fills: large enough to amortise the call,
/// small enough to live on the stack.
const BATCH: usize = 64;

#[inline]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let product = u64::from(a) * u64::from(b);
    ((product >> 32) as u32, product as u32)
}

#[inline]
fn round(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (hi0, lo0) = mulhilo(M0, ctr[0]);
    let (hi1, lo1) = mulhilo(M1, ctr[2]);
    [hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0]
}

/// Philox4x32-10 (Salmon et al., SC 2011, "Parallel random numbers: as easy as 1, 2, 3"):
/// a keyed bijection of 128-bit counters, ten rounds, as in Random123's `philox4x32`.
///
/// ```
/// use legate_dense::philox::philox4x32;
///
/// // Random123's first Known Answer Test.
/// assert_eq!(philox4x32([0; 4], [0; 2]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
/// ```
#[must_use]
#[inline]
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut ctr = round(counter, key);
    let mut key = key;
    for _ in 1..10 {
        key = [key[0].wrapping_add(W0), key[1].wrapping_add(W1)];
        ctr = round(ctr, key);
    }
    ctr
}

#[inline]
fn split_counter(c: u128) -> [u32; 4] {
    [
        c as u32,
        (c >> 32) as u32,
        (c >> 64) as u32,
        (c >> 96) as u32,
    ]
}

#[inline]
fn split_seed(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

#[inline]
fn words(block: [u32; 4]) -> [u64; 2] {
    [
        u64::from(block[0]) | u64::from(block[1]) << 32,
        u64::from(block[2]) | u64::from(block[3]) << 32,
    ]
}

/// 53 random bits as a double in `[0, 1)`.
#[inline]
fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// 24 random bits as a float in `[0, 1)`.
#[inline]
fn unit_f32(x: u64) -> f32 {
    (x >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
}

/// Box–Muller on one block: the first word is shifted into `(0, 1]` so the logarithm is finite.
#[inline]
fn normal_from(w: [u64; 2]) -> f64 {
    let u1 = ((w[0] >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
    let u2 = unit_f64(w[1]);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A counter-based generator: a key and a base counter, no mutable state.
///
/// Every method is a pure function of `(self, element index)`, so any piece of an array can
/// be filled on its own and agrees with a fill of the whole. See the [module docs](self) for
/// how elements map to Philox blocks.
///
/// ```
/// use legate_dense::philox::Philox;
///
/// let rng = Philox::new(2024);
/// let mut xs = [0u64; 4];
/// rng.fill_u64(10, &mut xs);
/// assert_eq!(xs[2], rng.u64_at(12));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Philox {
    key: [u32; 2],
    counter: u128,
}

impl Philox {
    /// The generator for `seed`: the key is the seed's two halves (low first), the base
    /// counter is zero. The same as `Philox::with_stream(seed, 0)`.
    ///
    /// ```
    /// use legate_dense::philox::{philox4x32, Philox};
    ///
    /// let rng = Philox::new(0x0000_0002_0000_0001);
    /// assert_eq!(rng.block(5), philox4x32([5, 0, 0, 0], [1, 2]));
    /// assert_eq!(rng, Philox::with_stream(0x0000_0002_0000_0001, 0));
    /// ```
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0)
    }

    /// Stream `stream` of `seed`: the stream fills the high 64 bits of the counter, so
    /// distinct streams never share a block (use one per generator call).
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let (a, b) = (Philox::with_stream(1, 0), Philox::with_stream(1, 1));
    /// assert_ne!(a.u64_at(0), b.u64_at(0));
    /// ```
    #[must_use]
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        Self {
            key: split_seed(seed),
            counter: u128::from(stream) << 64,
        }
    }

    /// Block `i`: `philox4x32` of the base counter plus `i` (wrapping), split into four
    /// little-endian `u32` words, under this generator's key.
    ///
    /// ```
    /// use legate_dense::philox::{philox4x32, Philox};
    ///
    /// let rng = Philox::with_stream(0, 3);
    /// assert_eq!(rng.block(1), philox4x32([1, 0, 3, 0], [0, 0]));
    /// ```
    #[must_use]
    #[inline]
    pub fn block(&self, i: u64) -> [u32; 4] {
        self.block_at(self.counter.wrapping_add(u128::from(i)))
    }

    #[inline]
    fn block_at(&self, counter: u128) -> [u32; 4] {
        philox4x32(split_counter(counter), self.key)
    }

    /// The `u64` of element `i`: word `i % 2` of block `i / 2`. Random access, no state.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let rng = Philox::new(9);
    /// let b = rng.block(3);
    /// assert_eq!(rng.u64_at(7), u64::from(b[2]) | u64::from(b[3]) << 32);
    /// ```
    #[must_use]
    #[inline]
    pub fn u64_at(&self, i: u64) -> u64 {
        words(self.block(i / 2))[(i % 2) as usize]
    }

    /// Fills `out` with the `u64`s of elements `start..start + out.len()` (indices wrap at
    /// `2^64`), one Philox call per two elements.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let rng = Philox::new(5);
    /// let mut xs = [0u64; 5];
    /// rng.fill_u64(3, &mut xs);
    /// assert!(xs.iter().zip(3..).all(|(&x, i)| x == rng.u64_at(i)));
    /// ```
    pub fn fill_u64(&self, start: u64, out: &mut [u64]) {
        // An odd start shares its block with the element before it: take it alone.
        let head_len = usize::from(start % 2 == 1).min(out.len());
        let (head, rest) = out.split_at_mut(head_len);
        if let [first] = head {
            *first = self.u64_at(start);
        }
        // Blocks wrap with the element index: element 2^64 is element 0.
        let mut block = start.wrapping_add(head_len as u64) / 2;
        let mut pairs = rest.chunks_exact_mut(2);
        for pair in &mut pairs {
            pair.copy_from_slice(&words(self.block(block)));
            block = block.wrapping_add(1) & (u64::MAX >> 1);
        }
        if let [last] = pairs.into_remainder() {
            *last = words(self.block(block))[0];
        }
    }

    /// Maps each element's `u64` through `f`, keeping `fill_u64`'s two-per-call fast path.
    fn fill_mapped<T>(&self, start: u64, out: &mut [T], f: impl Fn(u64) -> T) {
        let mut raw = [0u64; BATCH];
        let mut index = start;
        for chunk in out.chunks_mut(BATCH) {
            let raw = &mut raw[..chunk.len()];
            self.fill_u64(index, raw);
            for (dst, &x) in chunk.iter_mut().zip(raw.iter()) {
                *dst = f(x);
            }
            index = index.wrapping_add(chunk.len() as u64);
        }
    }

    /// Uniform doubles in `[0, 1)` for elements `start..`: the top 53 bits of each element's
    /// `u64`, times `2^-53`.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let mut xs = [0.0; 100];
    /// Philox::new(1).fill_uniform_f64(0, &mut xs);
    /// assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
    /// ```
    pub fn fill_uniform_f64(&self, start: u64, out: &mut [f64]) {
        self.fill_mapped(start, out, unit_f64);
    }

    /// Uniform floats in `[0, 1)` for elements `start..`: the top 24 bits of each element's
    /// `u64`, times `2^-24`.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let mut xs = [0.0f32; 100];
    /// Philox::new(1).fill_uniform_f32(0, &mut xs);
    /// assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
    /// ```
    pub fn fill_uniform_f32(&self, start: u64, out: &mut [f32]) {
        self.fill_mapped(start, out, unit_f32);
    }

    /// Standard normals for elements `start..`. Element `i` is Box–Muller's cosine branch on
    /// the two words of block `i` (that is, `u64_at(2i)` and `u64_at(2i + 1)`), the first
    /// mapped into `(0, 1]` so `ln` never sees zero. One block per element keeps each value a
    /// function of its own index alone.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let mut zs = [0.0; 1000];
    /// Philox::new(3).fill_standard_normal_f64(0, &mut zs);
    /// let mean = zs.iter().sum::<f64>() / 1000.0;
    /// assert!(zs.iter().all(|z| z.is_finite()) && mean.abs() < 0.2);
    /// ```
    pub fn fill_standard_normal_f64(&self, start: u64, out: &mut [f64]) {
        let mut block = start;
        for z in out {
            *z = normal_from(words(self.block(block)));
            block = block.wrapping_add(1);
        }
    }

    /// Integers uniform in `[low, high)` for elements `start..`, without modulo bias.
    ///
    /// Precondition: `high > low` (the caller reports an error otherwise); if it does not
    /// hold every element is `low`, so the function is total. The full `i64` range except
    /// `i64::MAX` itself is reachable (`low = i64::MIN, high = i64::MAX`).
    ///
    /// Each element uses Lemire's multiply-shift: with `span = high - low` and a word `x`,
    /// the candidate is `(x * span) >> 64`, rejected when the low 64 bits of the product fall
    /// below `2^64 mod span`. The first word is the element's own `u64_at(i)`. So that a
    /// rejection does not shift any other element's draws, retry `r >= 1` of element `i`
    /// reads word 0 of `philox4x32(counter = r << 64 | i, key = retry key)`, where the retry
    /// key is words 0 and 1 of block `2^63` of this generator (a block no element index
    /// reaches). Rejection happens with probability below `span / 2^64`, at most one half.
    ///
    /// ```
    /// use legate_dense::philox::Philox;
    ///
    /// let mut dice = [0i64; 100];
    /// Philox::new(6).fill_integers(0, 1, 7, &mut dice);
    /// assert!(dice.iter().all(|d| (1..7).contains(d)));
    ///
    /// let mut empty_range = [7i64; 3];
    /// Philox::new(6).fill_integers(0, 5, 5, &mut empty_range);
    /// assert_eq!(empty_range, [5; 3]);
    /// ```
    pub fn fill_integers(&self, start: u64, low: i64, high: i64, out: &mut [i64]) {
        if high <= low {
            out.fill(low);
            return;
        }
        // `high > low`, so the difference fits in a u64 and is at least 1.
        let span = high.wrapping_sub(low) as u64;
        let threshold = span.wrapping_neg() % span;
        let mut retry_key = None;
        let mut raw = [0u64; BATCH];
        let mut index = start;
        for chunk in out.chunks_mut(BATCH) {
            let raw = &mut raw[..chunk.len()];
            self.fill_u64(index, raw);
            for (dst, &x) in chunk.iter_mut().zip(raw.iter()) {
                let mut product = u128::from(x) * u128::from(span);
                let mut retry: u64 = 0;
                while (product as u64) < threshold {
                    retry += 1;
                    let key = *retry_key.get_or_insert_with(|| self.retry_key());
                    let counter = u128::from(retry) << 64 | u128::from(index);
                    let x = words(philox4x32(split_counter(counter), key))[0];
                    product = u128::from(x) * u128::from(span);
                }
                *dst = low.wrapping_add((product >> 64) as u64 as i64);
                index = index.wrapping_add(1);
            }
        }
    }

    /// The key of this generator's rejection retries; see [`Philox::fill_integers`].
    fn retry_key(&self) -> [u32; 2] {
        let block = self.block_at(self.counter.wrapping_add(RETRY_KEY_BLOCK));
        [block[0], block[1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLES: usize = 1_000_000;

    #[test]
    fn philox4x32_matches_random123_known_answers() {
        assert_eq!(
            philox4x32([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32([0xffffffff; 4], [0xffffffff; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn elements_read_little_endian_words_of_their_block() {
        let rng = Philox::with_stream(0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321);
        let block = philox4x32(
            [21, 0, 0x8765_4321, 0x0fed_cba9],
            [0x9abc_def0, 0x1234_5678],
        );
        assert_eq!(rng.block(21), block);
        assert_eq!(
            rng.u64_at(42),
            u64::from(block[0]) | u64::from(block[1]) << 32
        );
        assert_eq!(
            rng.u64_at(43),
            u64::from(block[2]) | u64::from(block[3]) << 32
        );
    }

    #[test]
    fn fill_wraps_element_indices_like_random_access() {
        let rng = Philox::new(77);
        let mut xs = [0u64; 6];
        rng.fill_u64(u64::MAX - 2, &mut xs);
        let expected: Vec<u64> = (0..6u64)
            .map(|k| rng.u64_at((u64::MAX - 2).wrapping_add(k)))
            .collect();
        assert_eq!(xs.to_vec(), expected);
    }

    #[test]
    fn streams_and_seeds_give_different_numbers() {
        let mut base = [0u64; 64];
        Philox::with_stream(11, 0).fill_u64(0, &mut base);
        for other in [
            Philox::with_stream(11, 1),
            Philox::with_stream(11, u64::MAX),
            Philox::with_stream(12, 0),
            Philox::new(11 << 32),
        ] {
            let mut xs = [0u64; 64];
            other.fill_u64(0, &mut xs);
            assert!(xs.iter().zip(&base).all(|(a, b)| a != b), "{other:?}");
        }
        assert_eq!(Philox::new(11), Philox::with_stream(11, 0));
    }

    fn mean_and_variance(xs: impl Iterator<Item = f64>) -> (f64, f64) {
        let (mut n, mut sum, mut sum_sq) = (0.0, 0.0, 0.0);
        for x in xs {
            n += 1.0;
            sum += x;
            sum_sq += x * x;
        }
        let mean = sum / n;
        (mean, sum_sq / n - mean * mean)
    }

    // The bounds below are about five standard errors for 10^6 samples; the seed is fixed,
    // so a pass is deterministic.
    #[test]
    fn uniform_f64_is_in_unit_interval_with_right_moments() {
        let mut xs = vec![0.0; SAMPLES];
        Philox::with_stream(2011, 5).fill_uniform_f64(0, &mut xs);
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let (mean, var) = mean_and_variance(xs.iter().copied());
        assert!((mean - 0.5).abs() < 1.5e-3, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 1e-3, "variance {var}");
    }

    #[test]
    fn uniform_f32_is_in_unit_interval_with_right_moments() {
        let mut xs = vec![0.0f32; SAMPLES];
        Philox::with_stream(2011, 6).fill_uniform_f32(0, &mut xs);
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let (mean, var) = mean_and_variance(xs.iter().map(|&x| f64::from(x)));
        assert!((mean - 0.5).abs() < 1.5e-3, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 1e-3, "variance {var}");
    }

    #[test]
    fn uniform_extremes_stay_below_one() {
        assert_eq!(unit_f64(u64::MAX), 1.0 - f64::EPSILON / 2.0);
        assert!(unit_f32(u64::MAX) < 1.0);
        assert_eq!(unit_f64(0), 0.0);
        assert!(normal_from([0, 0]).is_finite());
        assert!(normal_from([u64::MAX, u64::MAX]).is_finite());
    }

    #[test]
    fn standard_normals_have_zero_mean_and_unit_variance() {
        let mut zs = vec![0.0; SAMPLES];
        Philox::with_stream(1, 2).fill_standard_normal_f64(0, &mut zs);
        assert!(zs.iter().all(|z| z.is_finite()));
        let (mean, var) = mean_and_variance(zs.iter().copied());
        assert!(mean.abs() < 5e-3, "mean {mean}");
        assert!((var - 1.0).abs() < 1e-2, "variance {var}");
        let within_one = zs.iter().filter(|z| z.abs() < 1.0).count() as f64 / SAMPLES as f64;
        assert!(
            (within_one - 0.682_689_5).abs() < 3e-3,
            "P(|z| < 1) {within_one}"
        );
    }

    #[test]
    fn standard_normal_element_uses_block_of_its_index() {
        let rng = Philox::new(8);
        let mut zs = [0.0; 3];
        rng.fill_standard_normal_f64(10, &mut zs);
        for (k, &z) in zs.iter().enumerate() {
            let i = 10 + k as u64;
            assert_eq!(z, normal_from([rng.u64_at(2 * i), rng.u64_at(2 * i + 1)]));
        }
    }

    #[test]
    fn integers_of_small_range_are_in_range_and_equally_likely() {
        let (low, high) = (-3i64, 4i64);
        let mut xs = vec![0i64; SAMPLES];
        Philox::with_stream(99, 1).fill_integers(0, low, high, &mut xs);
        let mut counts = [0f64; 7];
        for &x in &xs {
            assert!((low..high).contains(&x), "{x}");
            counts[(x - low) as usize] += 1.0;
        }
        let expected = SAMPLES as f64 / 7.0;
        let chi_square: f64 = counts
            .iter()
            .map(|c| (c - expected).powi(2) / expected)
            .sum();
        // Six degrees of freedom: P(chi^2 > 40) is about 5e-7.
        assert!(
            chi_square < 40.0,
            "chi-square {chi_square}, counts {counts:?}"
        );
    }

    #[test]
    fn integers_with_frequent_rejection_stay_uniform() {
        // span = 3 * 2^62: a quarter of first draws are rejected, so retries matter.
        let low = i64::MIN;
        let high = low.wrapping_add(3 << 62);
        let mut xs = vec![0i64; 300_000];
        Philox::new(4).fill_integers(0, low, high, &mut xs);
        let mut counts = [0f64; 3];
        for &x in &xs {
            assert!((low..high).contains(&x), "{x}");
            counts[(x.wrapping_sub(low) as u64 >> 62) as usize] += 1.0;
        }
        let expected = xs.len() as f64 / 3.0;
        let chi_square: f64 = counts
            .iter()
            .map(|c| (c - expected).powi(2) / expected)
            .sum();
        assert!(
            chi_square < 30.0,
            "chi-square {chi_square}, counts {counts:?}"
        );
    }

    #[test]
    fn integer_retries_follow_the_documented_sub_stream() {
        let rng = Philox::with_stream(31, 4);
        let (low, span) = (i64::MIN, 3u64 << 62);
        let threshold = span.wrapping_neg() % span;
        let block = rng.block(1 << 63);
        let retry_key = [block[0], block[1]];
        let mut xs = [0i64; 64];
        rng.fill_integers(0, low, low.wrapping_add(span as i64), &mut xs);
        let mut rejected = 0;
        for (i, &x) in (0u64..).zip(&xs) {
            let mut retry = 0u64;
            let mut word = rng.u64_at(i);
            while ((u128::from(word) * u128::from(span)) as u64) < threshold {
                retry += 1;
                let counter = u128::from(retry) << 64 | u128::from(i);
                word = words(philox4x32(split_counter(counter), retry_key))[0];
            }
            rejected += usize::from(retry > 0);
            let q = ((u128::from(word) * u128::from(span)) >> 64) as u64;
            assert_eq!(x, low.wrapping_add(q as i64), "element {i}");
        }
        assert!(rejected > 0, "no element exercised a retry");
    }

    #[test]
    fn integers_cover_extreme_ranges_and_degenerate_ones() {
        let rng = Philox::new(3);
        let mut xs = [0i64; 1000];
        rng.fill_integers(0, i64::MIN, i64::MAX, &mut xs);
        assert!(xs.iter().any(|&x| x < 0) && xs.iter().any(|&x| x > 0));
        assert!(xs.iter().all(|&x| x != i64::MAX));
        rng.fill_integers(0, 41, 42, &mut xs);
        assert!(xs.iter().all(|&x| x == 41));
        rng.fill_integers(0, 10, -10, &mut xs);
        assert!(xs.iter().all(|&x| x == 10));
    }

    fn split_fill<T: Clone + Default>(
        n: usize,
        k: usize,
        start: u64,
        fill: impl Fn(u64, &mut [T]),
    ) -> (Vec<T>, Vec<T>) {
        let mut whole = vec![T::default(); n];
        fill(start, &mut whole);
        let mut pieces = vec![T::default(); n];
        let (left, right) = pieces.split_at_mut(k);
        fill(start.wrapping_add(k as u64), right);
        fill(start, left);
        (whole, pieces)
    }

    proptest! {
        #[test]
        fn fills_do_not_depend_on_how_the_range_is_cut(
            seed in any::<u64>(),
            stream in any::<u64>(),
            start in prop_oneof![0u64..1000, any::<u64>()],
            n in 0usize..300,
            cut in 0.0f64..=1.0,
        ) {
            let rng = Philox::with_stream(seed, stream);
            let k = ((n as f64 * cut) as usize).min(n);

            let (whole, pieces) = split_fill(n, k, start, |s, out| rng.fill_u64(s, out));
            prop_assert_eq!(&whole, &pieces);
            for (j, &x) in whole.iter().enumerate() {
                prop_assert_eq!(x, rng.u64_at(start.wrapping_add(j as u64)));
            }
            let (whole, pieces) = split_fill(n, k, start, |s, out| rng.fill_uniform_f64(s, out));
            prop_assert_eq!(whole, pieces);
            let (whole, pieces) = split_fill(n, k, start, |s, out| rng.fill_uniform_f32(s, out));
            prop_assert_eq!(whole, pieces);
            let (whole, pieces) =
                split_fill(n, k, start, |s, out| rng.fill_standard_normal_f64(s, out));
            prop_assert_eq!(whole, pieces);
            // span = 5 * 2^61: 3/8 of first draws are rejected.
            let (low, high) = (-(1i64 << 62), 1i64 << 62 | 1 << 61);
            let (whole, pieces) =
                split_fill(n, k, start, |s, out| rng.fill_integers(s, low, high, out));
            prop_assert_eq!(whole, pieces);
        }
    }
}
