//! Chains of element-wise arithmetic run as one loop: the description legate-dense gives
//! legate-core's fusion pass for its binary, scalar and unary operations
//! ([`ComposableKernel`]).
//!
//! A fused group evaluates each operation over a block of a few thousand elements before
//! the next one starts, so each kernel streams one or two arrays from memory at a time. For
//! `a = b + 2.5 * c` that is `2.5 * c` into a cached block, then `b + block` into `a`: 0.7
//! of the speed of one loop over `a`, `b` and `c`, whose three streams are in flight
//! together. A [`Chain`] is such an expression as a list of steps; composing two chains
//! substitutes one for an operand of the other, and the composed kernel runs every step
//! over chunks of [`CHUNK`] elements, so all of its inputs stream at once and each
//! intermediate value lives in a chunk that stays in L1.
//!
//! Each step calls the very block function the operation's own kernel calls
//! (`Block::binary_block`, `scalar_block`, `unary_block`), on a shorter slice: a composed
//! chain gives exactly the values of its operations run one after the other.

use std::any::Any;
use std::sync::Arc;

use legate_core::{BlockIn, BlockKernel, BlockOut, ComposableKernel, Composed, TaskError};

use crate::kernels::{BinaryOp, UnaryOp};
use crate::tasks::Elem;

/// Elements per chunk: the inputs advance together 512 bytes (of `f64`) at a time, as in a
/// single loop; a pass over 256 at a time measured 0.85 of one loop, over 8192 0.7.
const CHUNK: usize = 64;

/// How far ahead of the chunk in use a chain of many inputs asks for their cache lines
/// (bytes), and from how many inputs on. With five streams (the stencil's average, whose
/// inputs are rows of one grid) the hardware's prefetchers fall behind: these hints took
/// the 8000² stencil from 113 to 99 ms per iteration on one core and from 59-64 to 50-52
/// ms on two. A triad's two streams gain nothing (and measured a little slower), so
/// shorter chains go without.
const PREFETCH_AHEAD: usize = 1024;
const PREFETCH_MIN_INPUTS: usize = 4;

/// Asks for the cache lines [`PREFETCH_AHEAD`] bytes past elements `start..start + m` of
/// `x` (a hint: the addresses may lie past the slice, nothing is read through them).
#[inline(always)]
fn prefetch_chunk<T>(x: &[T], start: usize, m: usize) {
    let size = std::mem::size_of::<T>();
    let first = x
        .as_ptr()
        .cast::<i8>()
        .wrapping_add(start * size + PREFETCH_AHEAD);
    for line in (0..m * size).step_by(64) {
        let p = first.wrapping_add(line);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch never faults, whatever the address, and reads nothing into
        // the program.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }
}

/// Most steps in one chain (each intermediate value takes a chunk of stack).
const MAX_STEPS: usize = 16;

/// Most inputs of one chain.
const MAX_INPUTS: usize = 8;

/// Where a step takes an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operand {
    /// Input `i` of the chain's kernel.
    Input(usize),
    /// The value of an earlier step.
    Step(usize),
}

/// One operation of a chain.
#[derive(Clone, Copy, Debug)]
enum Step<T> {
    Binary(BinaryOp, Operand, Operand),
    /// `op(x, s)`, or `op(s, x)` when reversed.
    Scalar(BinaryOp, Operand, T, bool),
    Unary(UnaryOp, Operand),
}

impl<T: Copy> Step<T> {
    fn map(self, f: impl Fn(Operand) -> Operand) -> Step<T> {
        match self {
            Step::Binary(op, a, b) => Step::Binary(op, f(a), f(b)),
            Step::Scalar(op, a, s, reversed) => Step::Scalar(op, f(a), s, reversed),
            Step::Unary(op, a) => Step::Unary(op, f(a)),
        }
    }
}

/// An element-wise expression over inputs of one type `T` giving `T`: the value of its
/// last step.
#[derive(Debug)]
pub(crate) struct Chain<T> {
    steps: Vec<Step<T>>,
    inputs: usize,
}

impl<T: Elem> Chain<T> {
    /// `op(a, b)`, where the type has a block kernel for it.
    pub(crate) fn binary(op: BinaryOp) -> Option<Arc<Chain<T>>> {
        T::binary_block(op, &[], &[], &mut []).then(|| {
            Arc::new(Chain {
                steps: vec![Step::Binary(op, Operand::Input(0), Operand::Input(1))],
                inputs: 2,
            })
        })
    }

    /// `op(a, s)`, or `op(s, a)` when `reversed`.
    pub(crate) fn scalar(op: BinaryOp, s: T, reversed: bool) -> Option<Arc<Chain<T>>> {
        T::scalar_block(op, &[], s, reversed, &mut []).then(|| {
            Arc::new(Chain {
                steps: vec![Step::Scalar(op, Operand::Input(0), s, reversed)],
                inputs: 1,
            })
        })
    }

    /// `op(a)` for an operation giving `T` (not a predicate).
    pub(crate) fn unary(op: UnaryOp) -> Option<Arc<Chain<T>>> {
        (!op.is_predicate() && T::unary_block(op, &[], &mut [])).then(|| {
            Arc::new(Chain {
                steps: vec![Step::Unary(op, Operand::Input(0))],
                inputs: 1,
            })
        })
    }

    /// This chain with input `k` replaced by `producer`'s value: the inputs before `k`,
    /// then `producer`'s, then those after `k`. `None` past the size limits.
    fn substitute(&self, k: usize, producer: &Chain<T>) -> Option<Chain<T>> {
        let inputs = self.inputs - 1 + producer.inputs;
        let (mine, theirs) = (self.steps.len(), producer.steps.len());
        if k >= self.inputs || inputs > MAX_INPUTS || mine + theirs > MAX_STEPS {
            return None;
        }
        let inner = |o: Operand| match o {
            Operand::Input(i) => Operand::Input(i + k),
            step => step,
        };
        let outer = |o: Operand| match o {
            Operand::Input(i) if i < k => Operand::Input(i),
            Operand::Input(i) if i == k => Operand::Step(theirs - 1),
            Operand::Input(i) => Operand::Input(i - 1 + producer.inputs),
            Operand::Step(j) => Operand::Step(j + theirs),
        };
        let steps = producer
            .steps
            .iter()
            .map(|s| s.map(inner))
            .chain(self.steps.iter().map(|s| s.map(outer)))
            .collect();
        Some(Chain { steps, inputs })
    }

    /// `y = chain(ins...)`, chunk by chunk (every slice of `y`'s length, except the
    /// inputs marked in `in_y`, whose values are `y`'s own: read before `y` is written).
    ///
    /// An arithmetic step one of whose operands is a `uniform` input (one value repeated,
    /// as a 0-d `alpha` in `alpha * p`) runs as the scalar operation on that value: the
    /// same arithmetic, one stream fewer.
    fn eval(&self, ins: &[&[T]], in_y: &[bool], uniform: &[bool], y: &mut [T]) {
        let zero = T::from_i128(0);
        let mut values = [[zero; CHUNK]; MAX_STEPS];
        let mut old = [zero; CHUNK];
        let reads_y = in_y.contains(&true);
        let prefetch = in_y.iter().filter(|&&own| !own).count() >= PREFETCH_MIN_INPUTS;
        let last = self.steps.len() - 1;
        let n = y.len();
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let m = end - start;
            if reads_y {
                old[..m].copy_from_slice(&y[start..end]);
            }
            if prefetch {
                for (x, _) in ins.iter().zip(in_y).filter(|(_, &own)| !own) {
                    prefetch_chunk(x, start, m);
                }
            }
            for (k, step) in self.steps.iter().enumerate() {
                let (done, rest) = values.split_at_mut(k);
                let arg = |o: Operand| match o {
                    Operand::Input(i) if in_y[i] => &old[..m],
                    Operand::Input(i) => &ins[i][start..end],
                    Operand::Step(j) => &done[j][..m],
                };
                let out = if k == last {
                    &mut y[start..end]
                } else {
                    &mut rest[0][..m]
                };
                let scalar = |o: Operand| match o {
                    Operand::Input(i) if uniform[i] => ins[i].first().copied(),
                    _ => None,
                };
                // Every step's operation has a block kernel for `T` (see the constructors).
                match *step {
                    Step::Binary(op, a, b) if op.is_arithmetic() => {
                        let done = match (scalar(a), scalar(b)) {
                            (_, Some(s)) => T::scalar_block(op, arg(a), s, false, out),
                            (Some(s), None) => T::scalar_block(op, arg(b), s, true, out),
                            (None, None) => false,
                        };
                        done || T::binary_block(op, arg(a), arg(b), out)
                    }
                    Step::Binary(op, a, b) => T::binary_block(op, arg(a), arg(b), out),
                    Step::Scalar(op, a, s, reversed) => {
                        T::scalar_block(op, arg(a), s, reversed, out)
                    }
                    Step::Unary(op, a) => T::unary_block(op, arg(a), out),
                };
            }
            start = end;
        }
    }

    /// The block kernel evaluating the chain.
    fn kernel(self: &Arc<Self>) -> BlockKernel {
        let chain = Arc::clone(self);
        Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
            if ins.len() != chain.inputs {
                return Err(TaskError::new(format!(
                    "a chain of {} inputs given {}",
                    chain.inputs,
                    ins.len()
                )));
            }
            let mut xs: [&[T]; MAX_INPUTS] = [&[]; MAX_INPUTS];
            let mut in_y = [false; MAX_INPUTS];
            let mut uniform = [false; MAX_INPUTS];
            for (((x, y), u), i) in xs.iter_mut().zip(&mut in_y).zip(&mut uniform).zip(ins) {
                *y = i.in_output();
                *u = i.uniform();
                if !*y {
                    *x = i.get::<T>()?;
                }
            }
            let y = out.get_mut::<T>()?;
            let inputs = xs[..chain.inputs].iter().zip(&in_y);
            if inputs.clone().any(|(x, &own)| !own && x.len() != y.len()) {
                return Err(TaskError::new("a chain's blocks differ in length"));
            }
            let n = chain.inputs;
            chain.eval(&xs[..n], &in_y[..n], &uniform[..n], y);
            Ok(())
        })
    }
}

/// The description of `op(a, b)` over `T`, if it has one.
pub(crate) fn binary_chain<T: Elem>(op: BinaryOp) -> Option<Arc<dyn ComposableKernel>> {
    Chain::<T>::binary(op).map(|c| c as Arc<dyn ComposableKernel>)
}

/// The description of `op(a, s)` (or `op(s, a)`) with `s` of type `T`.
pub(crate) fn scalar_chain<T: Elem>(
    op: BinaryOp,
    s: legate_core::Scalar,
    reversed: bool,
) -> Option<Arc<dyn ComposableKernel>> {
    let s = s.get::<T>().ok()?;
    Chain::<T>::scalar(op, s, reversed).map(|c| c as Arc<dyn ComposableKernel>)
}

/// The description of `op(a)` over `T`.
pub(crate) fn unary_chain<T: Elem>(op: UnaryOp) -> Option<Arc<dyn ComposableKernel>> {
    Chain::<T>::unary(op).map(|c| c as Arc<dyn ComposableKernel>)
}

impl<T: Elem> ComposableKernel for Chain<T> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn absorb(&self, operand: usize, producer: &dyn ComposableKernel) -> Option<Composed> {
        let producer = producer.as_any().downcast_ref::<Chain<T>>()?;
        let chain = Arc::new(self.substitute(operand, producer)?);
        Some(Composed {
            kernel: chain.kernel(),
            composable: chain,
        })
    }

    /// A composed chain runs through [`Chain::kernel`], which reads operands given in
    /// its output; a single operation runs through its own kernel, which does not.
    fn in_place(&self) -> bool {
        self.steps.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chain: &Arc<Chain<f64>>, ins: &[&[f64]]) -> Vec<f64> {
        let mut y = vec![0.0; ins[0].len()];
        let no = vec![false; ins.len()];
        chain.eval(ins, &no, &no, &mut y);
        y
    }

    #[test]
    fn a_composed_chain_gives_the_values_of_its_steps_in_turn() {
        let n = 1000; // several chunks and a short last one
        let b: Vec<f64> = (0..n).map(|i| i as f64 * 0.37 - 50.0).collect();
        let c: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let d: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 / 7.0).collect();
        // (b - 2.5 * c) / sqrt(d), built as the fusion pass builds it: the scale absorbed
        // as the subtraction's operand 1, then the subtraction as the division's operand 0,
        // then the root as the division's last operand.
        let scale = Chain::scalar(BinaryOp::Multiply, 2.5, true).unwrap();
        let sub = Chain::binary(BinaryOp::Subtract).unwrap();
        let div = Chain::binary(BinaryOp::TrueDivide).unwrap();
        let root = Chain::<f64>::unary(UnaryOp::Sqrt).unwrap();
        let s = Arc::new(sub.substitute(1, &scale).unwrap());
        let q = Arc::new(div.substitute(0, &s).unwrap());
        let q = Arc::new(q.substitute(2, &root).unwrap());
        assert_eq!(q.inputs, 3);
        let got = run(&q, &[&b, &c, &d]);
        for i in 0..n {
            let want = (b[i] - 2.5 * c[i]) / d[i].sqrt();
            assert_eq!(got[i].to_bits(), want.to_bits(), "element {i}");
        }
    }

    #[test]
    fn operands_in_the_output_are_read_before_each_chunk_is_written() {
        // r = r - 2 * q, with r given as the output's own values.
        let n = 300;
        let q: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut r: Vec<f64> = (0..n).map(|i| 1000.0 - i as f64).collect();
        let want: Vec<f64> = r.iter().zip(&q).map(|(r, q)| r - 2.0 * q).collect();
        let scale = Chain::scalar(BinaryOp::Multiply, 2.0, true).unwrap();
        let sub = Chain::<f64>::binary(BinaryOp::Subtract).unwrap();
        let c = sub.substitute(1, &scale).unwrap();
        assert!(c.in_place() && !sub.in_place());
        c.eval(&[&[], &q], &[true, false], &[false, false], &mut r);
        assert_eq!(r, want);
    }

    #[test]
    fn uniform_operands_give_the_values_of_the_binary_operations() {
        // r - alpha * q and alpha / q - r, alpha one value repeated (a 0-d array's block):
        // run as scalar steps on alpha, they match the binary kernels bit for bit.
        let n = 200;
        let q: Vec<f64> = (0..n).map(|i| 0.3 + i as f64 / 3.0).collect();
        let r: Vec<f64> = (0..n).map(|i| (i as f64).cos()).collect();
        let alpha = vec![1.0 / 7.0; n];
        let mul = Chain::<f64>::binary(BinaryOp::Multiply).unwrap();
        let div = Chain::<f64>::binary(BinaryOp::TrueDivide).unwrap();
        let sub = Chain::<f64>::binary(BinaryOp::Subtract).unwrap();
        for (producer, at, want) in [
            (
                &mul,
                1,
                (0..n).map(|i| r[i] - alpha[i] * q[i]).collect::<Vec<_>>(),
            ),
            (&div, 0, (0..n).map(|i| alpha[i] / q[i] - r[i]).collect()),
        ] {
            let c = sub.substitute(at, producer).unwrap();
            // The inputs: r, alpha, q for the first; alpha, q, r for the second.
            let (ins, uniform): (Vec<&[f64]>, _) = if at == 1 {
                (vec![&r, &alpha, &q], [false, true, false])
            } else {
                (vec![&alpha, &q, &r], [true, false, false])
            };
            let mut y = vec![0.0; n];
            c.eval(&ins, &[false; 3], &uniform, &mut y);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&y), bits(&want));
        }
    }

    #[test]
    fn substitution_renumbers_the_inputs_around_the_producer() {
        // x - (y * z): inputs x, y, z in that order.
        let sub = Chain::<f64>::binary(BinaryOp::Subtract).unwrap();
        let mul = Chain::binary(BinaryOp::Multiply).unwrap();
        let c = Arc::new(sub.substitute(1, &mul).unwrap());
        assert_eq!(run(&c, &[&[10.0], &[2.0], &[3.0]]), vec![4.0]);
        // (y * z) - x.
        let c = Arc::new(sub.substitute(0, &mul).unwrap());
        assert_eq!(run(&c, &[&[2.0], &[3.0], &[10.0]]), vec![-4.0]);
    }

    #[test]
    fn chains_stop_growing_at_their_limits() {
        let add = Chain::<f64>::binary(BinaryOp::Add).unwrap();
        let mut c = Chain {
            steps: add.steps.clone(),
            inputs: 2,
        };
        while let Some(bigger) = c.substitute(0, &add) {
            c = bigger;
        }
        assert_eq!(c.inputs, MAX_INPUTS);
        assert!(c.steps.len() <= MAX_STEPS);
        let ins: Vec<Vec<f64>> = (0..c.inputs).map(|i| vec![i as f64; 3]).collect();
        let refs: Vec<&[f64]> = ins.iter().map(Vec::as_slice).collect();
        assert_eq!(run(&Arc::new(c), &refs), vec![28.0; 3]);
    }

    #[test]
    fn only_operations_with_block_kernels_make_chains() {
        assert!(Chain::<f64>::binary(BinaryOp::Power).is_none());
        assert!(Chain::<f64>::unary(UnaryOp::Isnan).is_none());
        assert!(Chain::<i64>::binary(BinaryOp::Add).is_some());
        assert!(Chain::<bool>::binary(BinaryOp::Add).is_none());
    }
}
