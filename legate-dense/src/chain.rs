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
//! chain gives exactly the values of its operations run one after the other. Additions
//! that each add one more value to the previous sum (the stencil's average) merge into one
//! step (`Block::add_many`, [`merge_additions`]) that reads every addend once per chunk
//! and adds them in the same order, and a product of that sum by a scalar merges into
//! it ([`merge_scaled_sums`]): the stencil's `0.2 * (c + n + e + w + s)` is one loop over
//! its five rows. A product by a scalar read only by the addition or
//! subtraction after it merges with it (`Block::scaled_add`, [`merge_scaled`]), so the
//! triad `b + 2.5 * c` is one pass over its two inputs and its output, each operation
//! rounded as before.
//!
//! A whole-array reduction is described too ([`Fold`]): it absorbs the chain computing
//! its input and folds each chunk as the chain computes it, in the order of its own fold.
//! `sum(a * b)`, `dot` and `norm` run as one loop over their operands.

use std::any::Any;
use std::sync::Arc;

use legate_core::{
    BlockIn, BlockKernel, BlockOut, ComposableKernel, Composed, ReductionOp, TaskError,
};

use crate::kernels::{lanes_total, BinaryOp, UnaryOp, MAX_ADDENDS, SUM_BLOCK, SUM_LANES};
use crate::tasks::{Elem, Reduction};

/// Elements per chunk: the inputs advance together 512 bytes (of `f64`) at a time, as in a
/// single loop; a pass over 256 at a time measured 0.85 of one loop, over 8192 0.7.
const CHUNK: usize = 64;

/// Elements per chunk of a composed fold. A fold's chain writes nothing to memory, and
/// one of a single input (`norm`'s `abs`, `square`, sum) spends more on each chunk's calls
/// than on its values: over 1e8 `f64` on one core, chunks of 256 took `norm` from 63-74
/// to 40-41 ms (`a.sum()` takes 26), `dot` 66-68 ms either way. Chains that write keep
/// [`CHUNK`]: the triad fell from 23-24 to 17 GB/s with chunks of 256.
const FOLD_CHUNK: usize = 256;

/// How far ahead of the chunk in use a chain of several steps and many inputs asks for
/// their cache lines (bytes), and from how many inputs on. Run in chunks, with five
/// streams (the stencil's average and its scaling as two steps, whose inputs are rows of
/// one grid), the hardware's prefetchers fell behind: these hints took the 8000² stencil
/// from 113 to 99 ms per iteration on one core and from 59-64 to 50-52 ms on two. A
/// triad's two streams gain nothing (and measured a little slower), so shorter chains go
/// without, and so does a chain of one step, which runs over the whole block in one loop
/// (see [`Chain::eval`]): the stencil, one scaled sum now, measured 85-87 ms per
/// iteration on one CPU with the hints in chunks and 69 ms without, in one loop.
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
    /// `((x[0] + x[1]) + x[2]) + ...` over the first `n` operands: additions that each
    /// added one more value to the previous one's result, as one pass
    /// ([`merge_additions`]); with a scale, that sum times the scalar (a product by a
    /// scalar that read the sum alone, [`merge_scaled_sums`]).
    Sum([Operand; MAX_ADDENDS], usize, Option<T>),
    /// `a op (x * s)`, or `(x * s) op a` when the flag is set, `op` an addition or a
    /// subtraction: a product by a scalar read only by the addition after it, as one pass
    /// ([`merge_scaled`]).
    ScaledAdd(BinaryOp, Operand, Operand, T, bool),
}

impl<T: Copy> Step<T> {
    fn map(self, f: impl Fn(Operand) -> Operand) -> Step<T> {
        match self {
            Step::Binary(op, a, b) => Step::Binary(op, f(a), f(b)),
            Step::Scalar(op, a, s, reversed) => Step::Scalar(op, f(a), s, reversed),
            Step::Unary(op, a) => Step::Unary(op, f(a)),
            Step::Sum(xs, n, scale) => Step::Sum(xs.map(f), n, scale),
            Step::ScaledAdd(op, a, x, s, left) => Step::ScaledAdd(op, f(a), f(x), s, left),
        }
    }

    /// The operands the step reads.
    fn operands_vec(&self) -> Vec<Operand> {
        match *self {
            Step::Binary(_, a, b) => vec![a, b],
            Step::Scalar(_, a, _, _) | Step::Unary(_, a) => vec![a],
            Step::Sum(xs, n, _) => xs[..n].to_vec(),
            Step::ScaledAdd(_, a, x, _, _) => vec![a, x],
        }
    }

    /// The addends of the step when it adds (`a + b`, or a sum), in order.
    fn addends(&self) -> Option<Vec<Operand>> {
        match *self {
            Step::Binary(BinaryOp::Add, a, b) => Some(vec![a, b]),
            Step::Sum(xs, n, None) => Some(xs[..n].to_vec()),
            _ => None,
        }
    }
}

/// How many operands of `steps` name step `j`.
fn readers<T: Copy>(steps: &[Step<T>], j: usize) -> usize {
    steps
        .iter()
        .flat_map(|s| s.operands_vec())
        .filter(|&o| o == Operand::Step(j))
        .count()
}

/// Removes step `j` (which nothing reads any more): the steps after it move down one
/// place, and so do the operands naming them.
fn remove_step<T: Copy>(steps: &mut Vec<Step<T>>, j: usize) {
    steps.remove(j);
    for step in steps.iter_mut() {
        *step = step.map(|o| match o {
            Operand::Step(i) if i > j => Operand::Step(i - 1),
            o => o,
        });
    }
}

/// `steps` with each addition whose left operand is the value of an earlier addition
/// (`((c + n) + e) + w`, the stencil's average), read by it alone, merged with it into one
/// [`Step::Sum`] of at most [`MAX_ADDENDS`] operands: the same additions in the same
/// order, in one pass over the chunk instead of one pass per addition (each reading two
/// chunks and writing one). Unchanged for a type without [`Block::add_many`].
///
/// [`Block::add_many`]: crate::kernels::Block::add_many
fn merge_additions<T: Elem>(mut steps: Vec<Step<T>>) -> Vec<Step<T>> {
    if !T::add_many(&[], None, &mut []) {
        return steps;
    }
    loop {
        let found = steps.iter().enumerate().find_map(|(k, step)| {
            let Step::Binary(BinaryOp::Add, Operand::Step(j), b) = *step else {
                return None;
            };
            let mut xs = steps[j].addends()?;
            xs.push(b);
            (xs.len() <= MAX_ADDENDS && readers(&steps, j) == 1).then_some((k, j, xs))
        });
        let Some((k, j, xs)) = found else {
            return steps;
        };
        let mut operands = [Operand::Input(0); MAX_ADDENDS];
        operands[..xs.len()].copy_from_slice(&xs);
        steps[k] = Step::Sum(operands, xs.len(), None);
        remove_step(&mut steps, j);
    }
}

/// `steps` with each addition or subtraction one of whose operands is a product by a
/// scalar (`b + 2.5 * c`, the triad; `p * beta + r`) that nothing else reads merged with
/// that product into one [`Step::ScaledAdd`]: the same two operations, each rounded, in
/// one pass that reads both operands from memory and writes the result, instead of a pass
/// writing the product into a chunk and one reading it back. Unchanged for a type without
/// [`Block::scaled_add`].
///
/// [`Block::scaled_add`]: crate::kernels::Block::scaled_add
fn merge_scaled<T: Elem>(mut steps: Vec<Step<T>>) -> Vec<Step<T>> {
    if !T::scaled_add(BinaryOp::Add, &[], &[], T::from_i128(0), false, &mut []) {
        return steps;
    }
    let product = |steps: &[Step<T>], o: Operand| match o {
        Operand::Step(j) => match steps[j] {
            Step::Scalar(BinaryOp::Multiply, x, s, _) if readers(steps, j) == 1 => Some((j, x, s)),
            _ => None,
        },
        Operand::Input(_) => None,
    };
    loop {
        let found = steps.iter().enumerate().find_map(|(k, step)| match *step {
            Step::Binary(op @ (BinaryOp::Add | BinaryOp::Subtract), a, b) => {
                if let Some((j, x, s)) = product(&steps, b) {
                    Some((k, j, Step::ScaledAdd(op, a, x, s, false)))
                } else {
                    product(&steps, a).map(|(j, x, s)| (k, j, Step::ScaledAdd(op, b, x, s, true)))
                }
            }
            _ => None,
        });
        let Some((k, j, merged)) = found else {
            return steps;
        };
        steps[k] = merged;
        remove_step(&mut steps, j);
    }
}

/// `steps` with each product by a scalar whose operand is an addition or a sum of several
/// values ([`Step::Sum`]) that nothing else reads (the stencil's `0.2 * avg`) merged into
/// that sum as its scale: one pass that multiplies each sum as it is made, instead of a pass
/// writing the sums into a chunk and one reading them back. The product is rounded as
/// before (`x * s` and `s * x` are the same number).
fn merge_scaled_sums<T: Elem>(mut steps: Vec<Step<T>>) -> Vec<Step<T>> {
    if !T::add_many(&[], None, &mut []) {
        return steps;
    }
    loop {
        let found = steps.iter().enumerate().find_map(|(k, step)| {
            let Step::Scalar(BinaryOp::Multiply, Operand::Step(j), s, _) = *step else {
                return None;
            };
            let xs = steps[j].addends()?;
            (readers(&steps, j) == 1).then_some((k, j, xs, s))
        });
        let Some((k, j, xs, s)) = found else {
            return steps;
        };
        let mut operands = [Operand::Input(0); MAX_ADDENDS];
        operands[..xs.len()].copy_from_slice(&xs);
        steps[k] = Step::Sum(operands, xs.len(), Some(s));
        remove_step(&mut steps, j);
    }
}

/// An element-wise expression over inputs of one type `T` giving `T`: the value of its
/// last step.
#[derive(Clone, Debug)]
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
        Some(Chain {
            steps: merge_scaled_sums(merge_scaled(merge_additions(steps))),
            inputs,
        })
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
        let n = y.len();
        // A single step keeps no value in a chunk, and reads no operand of the output:
        // one call over the whole block, which the hardware's prefetchers stream without
        // hints. (The triad, one merged step, went from 0.82-0.85 of STREAM's triad on two
        // CPUs in chunks to 0.99-1.03 this way. The 8000² stencil took 83 ms per
        // iteration on one CPU and 43 on two as a sum and a scaling in chunks with hints,
        // 85-87 and 44-45 as one scaled sum in chunks with hints, and 69-70 and 36-39 as
        // one scaled sum over the whole row; one C loop takes 62 and 32.)
        let whole = self.steps.len() == 1 && !reads_y;
        let prefetch = !whole && prefetches(in_y);
        let chunk_len = if whole { n.max(1) } else { CHUNK };
        let mut start = 0;
        while start < n {
            let end = (start + chunk_len).min(n);
            let m = end - start;
            if reads_y {
                old[..m].copy_from_slice(&y[start..end]);
            }
            let args = Args {
                ins,
                in_y,
                uniform,
                old: if reads_y { &old[..m] } else { &[] },
                prefetch,
            };
            self.chunk(&args, start, &mut values, &mut y[start..end]);
            start = end;
        }
    }

    /// The chain's values for elements `start..start + out.len()` (at most `N`) of
    /// `args`' inputs, into `out`; `values` holds the intermediate steps.
    fn chunk<const N: usize>(
        &self,
        args: &Args<'_, T>,
        start: usize,
        values: &mut [[T; N]],
        out: &mut [T],
    ) {
        let Args {
            ins,
            in_y,
            uniform,
            old,
            prefetch,
        } = *args;
        let m = out.len();
        let end = start + m;
        if prefetch {
            for (x, _) in ins.iter().zip(in_y).filter(|(_, &own)| !own) {
                prefetch_chunk(x, start, m);
            }
        }
        let last = self.steps.len() - 1;
        for (k, step) in self.steps.iter().enumerate() {
            let (done, rest) = values.split_at_mut(k);
            let arg = |o: Operand| match o {
                Operand::Input(i) if in_y[i] => old,
                Operand::Input(i) => &ins[i][start..end],
                Operand::Step(j) => &done[j][..m],
            };
            let out: &mut [T] = if k == last {
                &mut *out
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
                Step::Scalar(op, a, s, reversed) => T::scalar_block(op, arg(a), s, reversed, out),
                Step::Unary(op, a) => T::unary_block(op, arg(a), out),
                Step::ScaledAdd(op, a, x, s, left) => {
                    T::scaled_add(op, arg(a), arg(x), s, left, out)
                }
                Step::Sum(xs, count, scale) => {
                    let addends: [&[T]; MAX_ADDENDS] =
                        std::array::from_fn(|i| if i < count { arg(xs[i]) } else { &[] });
                    T::add_many(&addends[..count], scale, out)
                }
            };
        }
    }

    /// The operands of a block kernel as slices of `T` (empty for those given as the
    /// output's own values, when `with_output`) with their `in_output` and `uniform`
    /// marks; an error when their number is not the chain's or a length is not `n`.
    fn operands<'a>(
        &self,
        ins: &[BlockIn<'a>],
        n: usize,
        with_output: bool,
    ) -> Result<Operands<'a, T>, TaskError> {
        if ins.len() != self.inputs {
            return Err(TaskError::new(format!(
                "a chain of {} inputs given {}",
                self.inputs,
                ins.len()
            )));
        }
        let mut o = Operands {
            xs: [&[]; MAX_INPUTS],
            in_y: [false; MAX_INPUTS],
            uniform: [false; MAX_INPUTS],
        };
        for (k, i) in ins.iter().enumerate() {
            o.in_y[k] = with_output && i.in_output();
            o.uniform[k] = i.uniform();
            if !o.in_y[k] {
                o.xs[k] = i.get::<T>()?;
                if o.xs[k].len() != n {
                    return Err(TaskError::new("a chain's blocks differ in length"));
                }
            }
        }
        Ok(o)
    }

    /// The block kernel evaluating the chain.
    fn kernel(self: &Arc<Self>) -> BlockKernel {
        let chain = Arc::clone(self);
        Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
            let y = out.get_mut::<T>()?;
            let o = chain.operands(ins, y.len(), true)?;
            let n = chain.inputs;
            chain.eval(&o.xs[..n], &o.in_y[..n], &o.uniform[..n], y);
            Ok(())
        })
    }
}

/// What [`Chain::chunk`] reads: the inputs, which of them are the output's own values
/// (their chunk is `old`), which repeat one value, and whether to prefetch them
/// ([`prefetches`], decided once per block).
#[derive(Clone, Copy)]
struct Args<'a, T> {
    ins: &'a [&'a [T]],
    in_y: &'a [bool],
    uniform: &'a [bool],
    old: &'a [T],
    prefetch: bool,
}

/// Whether a chain whose inputs are the output's own values where `in_y` says streams
/// enough inputs from memory to prefetch them ([`PREFETCH_MIN_INPUTS`]).
fn prefetches(in_y: &[bool]) -> bool {
    in_y.iter().filter(|&&own| !own).count() >= PREFETCH_MIN_INPUTS
}

/// A block kernel's operands, as [`Chain::operands`] checks them.
struct Operands<'a, T> {
    xs: [&'a [T]; MAX_INPUTS],
    in_y: [bool; MAX_INPUTS],
    uniform: [bool; MAX_INPUTS],
}

/// A whole-array reduction with `op` (`sum`, `max`, ...) over `T`, described so that it
/// absorbs the chain computing its input: `sum(a * b)` then folds each chunk of `a * b`
/// as it is computed, and the product never fills a block.
///
/// The composed fold adds in the order of [`Reduction::fold`] (a sum in the lanes of
/// `Block::sum_block`, any other operator one element after the other), so it gives
/// exactly the value of the chain's block folded afterwards.
pub(crate) struct Fold<T> {
    reduction: Reduction<T>,
    chain: Option<Arc<Chain<T>>>,
}

impl<T: Elem> Fold<T> {
    /// The description of the fold with `op`.
    pub(crate) fn new(op: ReductionOp) -> legate_core::Result<Arc<Fold<T>>> {
        Ok(Arc::new(Fold {
            reduction: Reduction::new(op)?,
            chain: None,
        }))
    }

    /// The fold of a block of `chain`'s values, in [`Reduction::fold`]'s order.
    fn fold(&self, chain: &Chain<T>, ins: &[&[T]], uniform: &[bool], n: usize) -> T {
        let zero = T::from_i128(0);
        let r = &self.reduction;
        let f = r.f;
        let mut values = vec![[zero; FOLD_CHUNK]; chain.steps.len()];
        let mut chunk = [zero; FOLD_CHUNK];
        let no = [false; MAX_INPUTS];
        let in_y = &no[..ins.len()];
        let args = Args {
            ins,
            in_y,
            uniform,
            old: &[],
            prefetch: prefetches(in_y),
        };
        let mut lanes = [zero; SUM_LANES];
        let by_lanes = r.op == ReductionOp::Add && T::add_lanes(&mut lanes, &[]);
        let mut part = if by_lanes { zero } else { r.identity };
        let mut in_block = 0;
        let mut start = 0;
        while start < n {
            let end = (start + FOLD_CHUNK).min(n);
            let m = end - start;
            chain.chunk(&args, start, &mut values, &mut chunk[..m]);
            let values = &chunk[..m];
            if by_lanes {
                // A chunk never crosses a block of SUM_BLOCK (a multiple of FOLD_CHUNK), and
                // only the last one may end in fewer than SUM_LANES values.
                let whole = m - m % SUM_LANES;
                T::add_lanes(&mut lanes, &values[..whole]);
                in_block += m;
                if in_block == SUM_BLOCK || end == n {
                    part = f(part, lanes_total(&lanes, &values[whole..], zero, f));
                    lanes = [zero; SUM_LANES];
                    in_block = 0;
                }
            } else {
                part = values.iter().fold(part, |p, &v| f(p, v));
            }
            start = end;
        }
        part
    }
}

impl<T: Elem> ComposableKernel for Fold<T> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    /// A fold absorbs a chain of its type (and, once composed, more producers of that
    /// chain's operands, within the chain's limits).
    fn absorb(&self, operand: usize, producer: &dyn ComposableKernel) -> Option<Composed> {
        let producer = producer.as_any().downcast_ref::<Chain<T>>()?;
        let chain = match &self.chain {
            None if operand == 0 => Arc::new(producer.clone()),
            None => return None,
            Some(c) => Arc::new(c.substitute(operand, producer)?),
        };
        let fold = Arc::new(Fold {
            reduction: self.reduction,
            chain: Some(Arc::clone(&chain)),
        });
        let composed = Arc::clone(&fold);
        let kernel: BlockKernel = Arc::new(move |ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
            let n = ins.first().map_or(0, |i| i.len());
            let o = chain.operands(ins, n, false)?;
            let k = chain.inputs;
            let part = fold.fold(&chain, &o.xs[..k], &o.uniform[..k], n);
            let acc = acc
                .get_mut::<T>()?
                .first_mut()
                .ok_or_else(|| TaskError::new("a reduction into no element"))?;
            *acc = (fold.reduction.f)(*acc, part);
            Ok(())
        });
        Some(Composed {
            kernel,
            composable: composed,
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

/// The description of a whole-array reduction with `op` over `T` (`None` for an operator
/// the type lacks: its fold kernel reports that).
pub(crate) fn fold_chain<T: Elem>(op: ReductionOp) -> Option<Arc<dyn ComposableKernel>> {
    Fold::<T>::new(op)
        .ok()
        .map(|f| f as Arc<dyn ComposableKernel>)
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
            || matches!(
                self.steps.first(),
                Some(Step::Sum(..) | Step::ScaledAdd(..))
            )
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

    /// `acc = op(acc, block)` by the fold kernel of `Fold` composed with `producer`.
    fn composed_fold<T: Elem>(
        op: ReductionOp,
        producer: &Chain<T>,
        ins: &[&[T]],
        uniform: &[bool],
        acc: T,
    ) -> T {
        let c = Fold::<T>::new(op).unwrap().absorb(0, producer).unwrap();
        let blocks: Vec<BlockIn<'_>> = ins
            .iter()
            .zip(uniform)
            .map(|(x, &u)| {
                let b = BlockIn::of(x);
                if u {
                    b.marked_uniform()
                } else {
                    b
                }
            })
            .collect();
        let mut out = [acc];
        (c.kernel)(&blocks, &mut BlockOut::of(&mut out)).unwrap();
        out[0]
    }

    #[test]
    fn a_composed_fold_gives_exactly_the_fold_of_its_chains_values() {
        // Lengths around a chunk, a lane group and a block of sum_block, and past them.
        for n in [
            0, 1, 7, 8, 63, 64, 65, 255, 256, 257, 4095, 4096, 4097, 8192, 8199, 10001,
        ] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.731).sin() * 1e3).collect();
            let b: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
            let mul = Chain::<f64>::binary(BinaryOp::Multiply).unwrap();
            let prod: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
            for op in [ReductionOp::Add, ReductionOp::Max, ReductionOp::Mul] {
                let r = Reduction::<f64>::new(op).unwrap();
                let want = (r.f)(0.5, r.fold(&prod));
                let got = composed_fold(op, &mul, &[&a, &b], &[false, false], 0.5);
                assert_eq!(got.to_bits(), want.to_bits(), "{op:?} over {n}");
            }
            // A uniform operand (a 0-d factor) and an integer sum.
            let alpha = vec![0.25; n];
            let mul_uniform =
                composed_fold(ReductionOp::Add, &mul, &[&alpha, &b], &[true, false], 0.0);
            let scaled: Vec<f64> = b.iter().map(|y| 0.25 * y).collect();
            let want = Reduction::<f64>::new(ReductionOp::Add)
                .unwrap()
                .fold(&scaled);
            assert_eq!(mul_uniform.to_bits(), want.to_bits(), "uniform over {n}");
            let x: Vec<i64> = (0..n as i64).map(|i| i * 7 - 300).collect();
            let sub = Chain::<i64>::scalar(BinaryOp::Subtract, 3, false).unwrap();
            let want: i64 = x.iter().map(|v| v - 3).sum::<i64>() + 11;
            assert_eq!(
                composed_fold(ReductionOp::Add, &sub, &[&x], &[false], 11),
                want
            );
        }
    }

    #[test]
    fn a_fold_absorbs_a_chain_of_its_type_and_then_its_producers() {
        let fold = Fold::<f64>::new(ReductionOp::Add).unwrap();
        let mul = Chain::<f64>::binary(BinaryOp::Multiply).unwrap();
        assert!(fold.absorb(1, mul.as_ref()).is_none());
        assert!(fold
            .absorb(0, Chain::<f32>::binary(BinaryOp::Add).unwrap().as_ref())
            .is_none());
        // sum((x - y) * z): the product, then the difference as its operand 0.
        let c = fold.absorb(0, mul.as_ref()).unwrap();
        let sub = Chain::<f64>::binary(BinaryOp::Subtract).unwrap();
        let c = c.composable.absorb(0, sub.as_ref()).unwrap();
        let (x, y, z) = ([5.0, 7.0], [1.0, 2.0], [10.0, 100.0]);
        let blocks = [BlockIn::of(&x), BlockIn::of(&y), BlockIn::of(&z)];
        let mut out = [0.0];
        (c.kernel)(&blocks, &mut BlockOut::of(&mut out)).unwrap();
        assert_eq!(out[0], 540.0);
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
    fn additions_of_the_previous_sum_merge_into_one_pass_with_the_same_values() {
        // The stencil: ((((c + n) + e) + w) + s) * 0.2, each operation absorbing the one
        // before as its operand 0, as the fusion pass composes them.
        let add = Chain::<f64>::binary(BinaryOp::Add).unwrap();
        let mut c = Arc::clone(&add);
        for _ in 0..3 {
            c = Arc::new(add.substitute(0, &c).unwrap());
        }
        let scale = Chain::scalar(BinaryOp::Multiply, 0.2, false).unwrap();
        let c = Arc::new(scale.substitute(0, &c).unwrap());
        assert_eq!(c.inputs, 5);
        assert!(matches!(c.steps[..], [Step::Sum(_, 5, Some(_))]));
        assert!(c.in_place());
        let n = 700;
        let ins: Vec<Vec<f64>> = (0..5)
            .map(|k| {
                (0..n)
                    .map(|i| ((i * 7 + k * 13) as f64).sin() * 1e3)
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = ins.iter().map(Vec::as_slice).collect();
        let got = run(&c, &refs);
        for i in 0..n {
            let want = ((((ins[0][i] + ins[1][i]) + ins[2][i]) + ins[3][i]) + ins[4][i]) * 0.2;
            assert_eq!(got[i].to_bits(), want.to_bits(), "element {i}");
        }

        // Integers add with wraparound, as their binary kernel does.
        let add = Chain::<i64>::binary(BinaryOp::Add).unwrap();
        let c = add.substitute(0, &add).unwrap();
        assert!(matches!(c.steps[..], [Step::Sum(_, 3, None)]));
        let mut y = [0i64; 2];
        let (a, b, d) = ([i64::MAX, 1], [1, 2], [5, 3]);
        c.eval(&[&a, &b, &d], &[false; 3], &[false; 3], &mut y);
        assert_eq!(y, [i64::MIN + 5, 6]);
    }

    #[test]
    fn a_scaled_sum_keeps_its_rounding_and_is_not_extended() {
        let n = 517; // not a multiple of a vector
        let ins: Vec<Vec<f64>> = (0..4)
            .map(|k| {
                (0..n)
                    .map(|i| ((i * 3 + k * 11) as f64).cos() * 1e5)
                    .collect()
            })
            .collect();
        let add = Chain::<f64>::binary(BinaryOp::Add).unwrap();
        let sum3 = Arc::new(add.substitute(0, &add).unwrap());
        // 0.2 * ((a + b) + c), the scalar on the left as Python's `0.2 * avg` gives it.
        let scale = Chain::scalar(BinaryOp::Multiply, 0.2, true).unwrap();
        let scaled = Arc::new(scale.substitute(0, &sum3).unwrap());
        assert!(matches!(scaled.steps[..], [Step::Sum(_, 3, Some(_))]));
        let got = run(&scaled, &[&ins[0], &ins[1], &ins[2]]);
        for i in 0..n {
            let want = 0.2 * ((ins[0][i] + ins[1][i]) + ins[2][i]);
            assert_eq!(got[i].to_bits(), want.to_bits(), "element {i}");
        }
        // An addition after the product adds to the scaled sum, not into it.
        let more = Arc::new(add.substitute(0, &scaled).unwrap());
        assert_eq!(more.steps.len(), 2);
        let refs: Vec<&[f64]> = ins.iter().map(Vec::as_slice).collect();
        let got = run(&more, &refs);
        for i in 0..n {
            let want = 0.2 * ((ins[0][i] + ins[1][i]) + ins[2][i]) + ins[3][i];
            assert_eq!(got[i].to_bits(), want.to_bits(), "element {i}");
        }
        // A sum that another step reads too keeps its own step.
        let steps = vec![
            Step::Sum([Operand::Input(0); MAX_ADDENDS], 2, None),
            Step::Scalar(BinaryOp::Multiply, Operand::Step(0), 0.5, false),
            Step::Binary(BinaryOp::Add, Operand::Step(0), Operand::Step(1)),
        ];
        assert_eq!(merge_scaled_sums(steps).len(), 3);
        // Integers scale with wraparound, as their scalar kernel does.
        let add = Chain::<i64>::binary(BinaryOp::Add).unwrap();
        let times = Chain::scalar(BinaryOp::Multiply, 4, false).unwrap();
        let c = times.substitute(0, &add).unwrap();
        assert!(matches!(c.steps[..], [Step::Sum(_, 2, Some(4))]));
        let mut y = [0i64; 2];
        c.eval(&[&[i64::MAX, 1], &[0, 2]], &[false; 2], &[false; 2], &mut y);
        assert_eq!(y, [i64::MAX.wrapping_mul(4), 12]);
    }

    #[test]
    fn products_by_a_scalar_merge_with_the_addition_reading_them() {
        let n = 301;
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
        let c: Vec<f64> = (0..n).map(|i| (i as f64 * 1.91).cos() / 7.0).collect();
        // The triad b + 2.5 * c (the product absorbed as operand 1), and 2.5 * c - b
        // (as operand 0 of a subtraction): one step each, the same bits.
        let times = Chain::scalar(BinaryOp::Multiply, 2.5, true).unwrap();
        let triad = Arc::new(
            Chain::<f64>::binary(BinaryOp::Add)
                .unwrap()
                .substitute(1, &times)
                .unwrap(),
        );
        assert!(matches!(
            triad.steps[..],
            [Step::ScaledAdd(BinaryOp::Add, _, _, _, false)]
        ));
        assert!(triad.in_place());
        let got = run(&triad, &[&b, &c]);
        assert!((0..n).all(|i| got[i].to_bits() == (b[i] + 2.5 * c[i]).to_bits()));
        let sub = Chain::<f64>::binary(BinaryOp::Subtract)
            .unwrap()
            .substitute(0, &times)
            .unwrap();
        assert!(matches!(
            sub.steps[..],
            [Step::ScaledAdd(BinaryOp::Subtract, _, _, _, true)]
        ));
        let got = run(&Arc::new(sub), &[&c, &b]);
        assert!((0..n).all(|i| got[i].to_bits() == (c[i] * 2.5 - b[i]).to_bits()));

        // A product read twice, or by a multiplication, is kept; so is a division.
        let (x0, x1) = (Operand::Input(0), Operand::Input(1));
        let t = Operand::Step(0);
        let scaled = Step::<f64>::Scalar(BinaryOp::Multiply, x0, 3.0, false);
        let twice = vec![
            scaled,
            Step::Binary(BinaryOp::Add, x1, t),
            Step::Binary(BinaryOp::Add, Operand::Step(1), t),
        ];
        assert_eq!(merge_scaled(twice).len(), 3);
        let mul = vec![scaled, Step::Binary(BinaryOp::Multiply, x1, t)];
        assert_eq!(merge_scaled(mul).len(), 2);
        let div = vec![
            Step::<f64>::Scalar(BinaryOp::TrueDivide, x0, 3.0, false),
            Step::Binary(BinaryOp::Add, x1, t),
        ];
        assert_eq!(merge_scaled(div).len(), 2);
        // Integers have no such kernel: nothing merges.
        let ints = vec![
            Step::<i64>::Scalar(BinaryOp::Multiply, x0, 3, false),
            Step::Binary(BinaryOp::Add, x1, t),
        ];
        assert_eq!(merge_scaled(ints).len(), 2);
    }

    #[test]
    fn only_additions_of_a_sum_read_by_them_alone_merge() {
        let (x0, x1, x2) = (Operand::Input(0), Operand::Input(1), Operand::Input(2));
        let t = Operand::Step(0);
        let add = |a, b| Step::<f64>::Binary(BinaryOp::Add, a, b);
        // (x0 + x1) is read twice: kept.
        let steps = vec![
            add(x0, x1),
            add(t, x2),
            Step::Binary(BinaryOp::Multiply, t, Operand::Step(1)),
        ];
        assert_eq!(merge_additions(steps).len(), 3);
        // x2 + (x0 + x1): the sum is the right operand, so the order would change: kept.
        assert_eq!(merge_additions(vec![add(x0, x1), add(x2, t)]).len(), 2);
        // x0 * x1 + x2: not an addition before: kept.
        let mul = Step::Binary(BinaryOp::Multiply, x0, x1);
        assert_eq!(merge_additions(vec![mul, add(t, x2)]).len(), 2);
        // Nine addends: eight in one sum, the ninth added after it.
        let mut steps = vec![add(x0, x1)];
        for k in 2..9 {
            steps.push(add(Operand::Step(k - 2), Operand::Input(k)));
        }
        let merged = merge_additions(steps);
        assert!(
            matches!(
                merged[..],
                [
                    Step::Sum(_, 8, None),
                    Step::Binary(BinaryOp::Add, Operand::Step(0), Operand::Input(8))
                ]
            ),
            "{merged:?}"
        );
        let c = Arc::new(Chain {
            steps: merged,
            inputs: 9,
        });
        let ins: Vec<Vec<f64>> = (0..9).map(|i| vec![0.1 * i as f64; 70]).collect();
        let refs: Vec<&[f64]> = ins.iter().map(Vec::as_slice).collect();
        let want = (1..9).fold(0.0, |s, i| s + 0.1 * i as f64);
        assert_eq!(run(&c, &refs), vec![want; 70]);
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
