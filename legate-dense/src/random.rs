//! Random arrays from a counter-based generator (Philox): the values do not depend on how
//! many pieces or processors fill them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
        let ty = if matches!(what, Draw::Integers(..)) {
            Type::Int64
        } else {
            Type::Float64
        };
        let out = self.dense.empty(shape, ty)?;
        let (kind, a, b, lo, hi) = match what {
            Draw::Uniform(a, b) => (0u8, a, b, 0, 0),
            Draw::Normal(a, b) => (1u8, a, b, 0, 0),
            Draw::Integers(lo, hi) => (2u8, 0.0, 0.0, lo, hi),
        };
        let mut task = self
            .dense
            .rt
            .create_auto_task(&self.dense.lib, ids::RANDOM)?;
        task.add_output(&out.store);
        task.add_scalar_arg(kind);
        task.add_scalar_arg(self.seed);
        task.add_scalar_arg(self.stream.fetch_add(1, Ordering::Relaxed));
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

    /// Uniform floats in `[0, 1)`.
    pub fn random(&self, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Uniform(0.0, 1.0))
    }

    /// Uniform floats in `[low, high)`.
    pub fn uniform(&self, low: f64, high: f64, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Uniform(low, high))
    }

    /// Standard normal floats.
    pub fn standard_normal(&self, shape: &[usize]) -> Result<Array> {
        self.draw(shape, Draw::Normal(0.0, 1.0))
    }

    /// Normal floats of mean `loc` and standard deviation `scale` (not negative).
    pub fn normal(&self, loc: f64, scale: f64, shape: &[usize]) -> Result<Array> {
        if scale < 0.0 {
            return Err(Error::InvalidArgument {
                what: "scale < 0".into(),
            });
        }
        self.draw(shape, Draw::Normal(loc, scale))
    }

    /// Integers uniform in `[low, high)`.
    pub fn integers(&self, low: i64, high: i64, shape: &[usize]) -> Result<Array> {
        if high <= low {
            return Err(Error::InvalidArgument {
                what: "low >= high".into(),
            });
        }
        self.draw(shape, Draw::Integers(low, high))
    }
}
