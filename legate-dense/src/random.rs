//! Random arrays from a counter-based generator (Philox): the values do not depend on how
//! many pieces or processors fill them.
//!
//! Two faces, as NumPy has: [`Generator`] (`np.random.default_rng(seed)`) and the legacy
//! functions on [`Dense`] (`np.random.seed`, `rand`, `randn`, `randint`, ...), which draw
//! from one state per `Dense`. Both give the same numbers for a seed on any machine, but
//! not NumPy's numbers (NumPy uses PCG64 and the Mersenne Twister).

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use legate_core::{Error, Result, Type};

use crate::array::{to_u64, Array};
use crate::context::Dense;
use crate::tasks::ids;

/// A random generator (NumPy's `default_rng(seed)`): each call draws from a new stream of
/// the seed, so successive calls give new numbers and a given seed repeats a program.
///
/// ```
/// use legate_core::Runtime;
/// use legate_dense::{Dense, Generator};
/// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
/// let g = Generator::new(&d, 42);
/// let x = g.random(&[1000]).unwrap();
/// let m = x.mean(None, false).unwrap().item::<f64>().unwrap();
/// assert!((m - 0.5).abs() < 0.05);
/// ```
pub struct Generator {
    dense: Arc<Dense>,
    seed: u64,
    stream: AtomicU64,
}

enum Draw {
    Uniform(f64, f64),
    Normal(f64, f64),
    Integers(i64, i64),
}

/// Fills a new array of `shape`: element `i` (row-major) from counter `i` of stream
/// `stream` of `seed`, whatever the pieces.
fn draw(dense: &Arc<Dense>, seed: u64, stream: u64, shape: &[usize], what: Draw) -> Result<Array> {
    let ty = if matches!(what, Draw::Integers(..)) {
        Type::Int64
    } else {
        Type::Float64
    };
    let out = dense.empty(shape, ty)?;
    if out.size() == 0 {
        return Ok(out);
    }
    let (kind, a, b, lo, hi) = match what {
        Draw::Uniform(a, b) => (0u8, a, b, 0, 0),
        Draw::Normal(a, b) => (1u8, a, b, 0, 0),
        Draw::Integers(lo, hi) => (2u8, 0.0, 0.0, lo, hi),
    };
    let mut task = dense.rt.create_auto_task(&dense.lib, ids::RANDOM)?;
    task.add_output(&out.store);
    task.add_scalar_arg(kind);
    task.add_scalar_arg(seed);
    task.add_scalar_arg(stream);
    task.add_scalar_arg(a);
    task.add_scalar_arg(b);
    task.add_scalar_arg(lo);
    task.add_scalar_arg(hi);
    task.add_scalar_arg(shape.len() as u64);
    for e in to_u64(shape) {
        task.add_scalar_arg(e);
    }
    task.execute()?;
    Ok(out)
}

fn check_scale(scale: f64) -> Result<()> {
    if scale < 0.0 || scale.is_nan() {
        return Err(Error::InvalidArgument {
            what: "scale < 0".into(),
        });
    }
    Ok(())
}

fn check_range(low: i64, high: i64) -> Result<()> {
    if high <= low {
        return Err(Error::InvalidArgument {
            what: "low >= high".into(),
        });
    }
    Ok(())
}

impl Generator {
    /// A generator of `seed`.
    pub fn new(dense: &Arc<Dense>, seed: u64) -> Generator {
        Generator {
            dense: Arc::clone(dense),
            seed,
            stream: AtomicU64::new(0),
        }
    }

    fn draw(&self, shape: &[usize], what: Draw) -> Result<Array> {
        let stream = self.stream.fetch_add(1, Ordering::Relaxed);
        draw(&self.dense, self.seed, stream, shape, what)
    }

    /// Uniform floats in `[0, 1)`.
    pub fn random(&self, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Uniform(0.0, 1.0))
    }

    /// Uniform floats in `[low, high)`.
    pub fn uniform(&self, low: f64, high: f64, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Uniform(low, high))
    }

    /// Standard normal floats.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Dense, Generator};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let z = Generator::new(&d, 7).standard_normal(&[10_000]).unwrap();
    /// assert!(z.mean(None, false).unwrap().item::<f64>().unwrap().abs() < 0.05);
    /// ```
    pub fn standard_normal(&self, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Normal(0.0, 1.0))
    }

    /// Normal floats of mean `loc` and standard deviation `scale` (not negative).
    pub fn normal(&self, loc: f64, scale: f64, shape: &[usize]) -> Result<Array> {
        check_scale(scale)?;
        self.draw(shape, Draw::Normal(loc, scale))
    }

    /// Integers uniform in `[low, high)`.
    pub fn integers(&self, low: i64, high: i64, shape: &[usize]) -> Result<Array> {
        check_range(low, high)?;
        self.draw(shape, Draw::Integers(low, high))
    }

    /// Elements of the 1-D array `a` drawn uniformly with replacement, in `shape`
    /// (NumPy's `Generator.choice(a, size)`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::{Dense, Generator};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.from_vec(vec![10i32, 20, 30], &[3]).unwrap();
    /// let c = Generator::new(&d, 1).choice(&a, &[2, 5]).unwrap();
    /// assert_eq!(c.shape(), vec![2, 5]);
    /// assert!(c.to_vec::<i32>().unwrap().iter().all(|v| [10, 20, 30].contains(v)));
    /// ```
    pub fn choice(&self, a: &Array, shape: &[usize]) -> Result<Array> {
        if a.ndim() != 1 {
            return Err(Error::InvalidArgument {
                what: "a must be 1-dimensional".into(),
            });
        }
        if shape.iter().product::<usize>() == 0 {
            return self.dense.empty(shape, a.dtype());
        }
        if a.size() == 0 {
            return Err(Error::InvalidArgument {
                what: "a cannot be empty unless no samples are taken".into(),
            });
        }
        let idx = self.integers(0, a.size() as i64, shape)?;
        a.take(&idx)
    }
}

/// Legacy streams start here, so that `seed(s)` and `Generator::new(d, s)` differ.
const LEGACY_STREAMS: u64 = 1 << 63;

/// The legacy `np.random` state of a [`Dense`]: a seed and the next stream, seeded from
/// the process's hash keys (random per process) until [`Dense::seed`] is called.
#[derive(Default)]
pub(crate) struct LegacyState(Mutex<Option<(u64, u64)>>);

impl LegacyState {
    /// The seed and a fresh stream for one draw.
    fn next(&self) -> (u64, u64) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (seed, stream) = state.get_or_insert_with(|| {
            let entropy = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            (entropy, LEGACY_STREAMS)
        });
        let drawn = (*seed, *stream);
        *stream = stream.wrapping_add(1);
        drawn
    }

    fn seed(&self, seed: u64) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((seed, LEGACY_STREAMS));
    }
}

/// NumPy's legacy `np.random` functions, on the state of this `Dense`.
impl Dense {
    fn legacy_draw(self: &Arc<Self>, shape: &[usize], what: Draw) -> Result<Array> {
        let (seed, stream) = self.legacy_random.next();
        draw(self, seed, stream, shape, what)
    }

    /// Reseeds the legacy state (`np.random.seed(s)`): the draws that follow repeat.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// d.seed(5);
    /// let a = d.rand(&[4]).unwrap().to_vec::<f64>().unwrap();
    /// d.seed(5);
    /// assert_eq!(d.rand(&[4]).unwrap().to_vec::<f64>().unwrap(), a);
    /// ```
    pub fn seed(&self, seed: u64) {
        self.legacy_random.seed(seed);
    }

    /// Uniform floats in `[0, 1)` (`np.random.rand(*shape)`).
    pub fn rand(self: &Arc<Self>, shape: &[usize]) -> Result<Array> {
        self.legacy_draw(shape, Draw::Uniform(0.0, 1.0))
    }

    /// Standard normal floats (`np.random.randn(*shape)`).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let z = d.randn(&[100, 100]).unwrap();
    /// assert!(z.std(None, 0, false).unwrap().item::<f64>().unwrap() > 0.9);
    /// ```
    pub fn randn(self: &Arc<Self>, shape: &[usize]) -> Result<Array> {
        self.legacy_draw(shape, Draw::Normal(0.0, 1.0))
    }

    /// Uniform floats in `[0, 1)` (`np.random.random(size)`, also `random_sample`).
    pub fn random(self: &Arc<Self>, shape: &[usize]) -> Result<Array> {
        self.rand(shape)
    }

    /// The same as [`random`](Self::random) (`np.random.random_sample(size)`).
    pub fn random_sample(self: &Arc<Self>, shape: &[usize]) -> Result<Array> {
        self.rand(shape)
    }

    /// `int64` values uniform in `[low, high)`, or in `[0, low)` when `high` is `None`
    /// (`np.random.randint(low, high, size)`); an error when the range is empty.
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let dice = d.randint(1, Some(7), &[100]).unwrap().to_vec::<i64>().unwrap();
    /// assert!(dice.iter().all(|v| (1..7).contains(v)));
    /// assert!(d.randint(0, None, &[3]).is_err());
    /// ```
    pub fn randint(
        self: &Arc<Self>,
        low: i64,
        high: Option<i64>,
        shape: &[usize],
    ) -> Result<Array> {
        let (low, high) = match high {
            Some(high) => (low, high),
            None => (0, low),
        };
        check_range(low, high)?;
        self.legacy_draw(shape, Draw::Integers(low, high))
    }

    /// Uniform floats in `[low, high)` (`np.random.uniform`; `high < low` is allowed and
    /// mirrors the interval, as NumPy's).
    ///
    /// ```
    /// use legate_core::Runtime;
    /// use legate_dense::Dense;
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let u = d.uniform(-2.0, 2.0, &[1000]).unwrap().to_vec::<f64>().unwrap();
    /// assert!(u.iter().all(|v| (-2.0..2.0).contains(v)));
    /// ```
    pub fn uniform(self: &Arc<Self>, low: f64, high: f64, shape: &[usize]) -> Result<Array> {
        if !(high - low).is_finite() {
            return Err(Error::InvalidArgument {
                what: "Range exceeds valid bounds".into(),
            });
        }
        self.legacy_draw(shape, Draw::Uniform(low, high))
    }

    /// Normal floats of mean `loc` and standard deviation `scale` (`np.random.normal`; an
    /// error for a negative `scale`).
    pub fn normal(self: &Arc<Self>, loc: f64, scale: f64, shape: &[usize]) -> Result<Array> {
        check_scale(scale)?;
        self.legacy_draw(shape, Draw::Normal(loc, scale))
    }
}
