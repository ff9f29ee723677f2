//! Fusion: element-wise launches wait in a window and, when a result is needed, run as one
//! task per piece that evaluates the whole expression block by block.
//!
//! A library describes an element-wise operation as a [`BlockKernel`] over its inputs and
//! issues it with [`Runtime::elementwise`]; nothing runs then. The window is flushed when
//! the program needs a value (a read, a fence), before any other launch, and when it is
//! full. The flush cuts the window into *groups* of operations over one shape and gives
//! each group one launch whose point tasks walk their piece in blocks of [`BLOCK`]
//! elements, keep every intermediate value in small scratch buffers that stay in cache, and
//! write only the results someone can still read. See `fusion_README.md` beside this file.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::constraint::{Constraint, Variable};
use crate::error::{Error, Result};
use crate::geometry::{Rect, MAX_DIM};
use crate::launch::{
    copy_locked, solve_cached, submit, whole_footprint, Arg, ArgKind, LaunchSpec, Solution,
};
use crate::partition::{linearize, Partition};
use crate::reduction::{self, ReductionOp};
use crate::runtime::{IssueState, Runtime};
use crate::store::{check_type, lock_ignoring_poison, LogicalStore};
use crate::task::{Access, PhysicalStore, TaskContext, TaskDef, TaskError};
use crate::types::{Element, Type};
use legate_mapper::VariantKind;

/// Elements per block: a block of every live value of an expression stays in the L2 cache,
/// and the per-block overhead is small next to the block.
pub(crate) const BLOCK: usize = 8192;

/// Deferred operations a window holds before it is flushed.
const MAX_WINDOW: usize = 128;

/// The task id fused launches report to the mapper.
const FUSED: u32 = u32::MAX;

/// One input of a [`BlockKernel`]: the values of one operand over a block, contiguous.
#[derive(Clone, Copy)]
pub struct BlockIn<'a> {
    ty: Type,
    bytes: &'a [u8],
    /// The operand's values are the output block's (see [`BlockIn::in_output`]).
    in_output: bool,
    /// Every value of the block is the same (see [`BlockIn::uniform`]).
    uniform: bool,
}

impl<'a> BlockIn<'a> {
    pub(crate) fn new(ty: Type, bytes: &'a [u8]) -> BlockIn<'a> {
        BlockIn {
            ty,
            bytes,
            in_output: false,
            uniform: false,
        }
    }

    /// A block of `values` (a library's tests call its kernels with such blocks).
    ///
    /// ```
    /// use legate_core::{BlockIn, Type};
    /// let x = [1.0f64, 2.0];
    /// let b = BlockIn::of(&x);
    /// assert_eq!((b.ty(), b.len(), b.uniform()), (Type::Float64, 2, false));
    /// assert_eq!(BlockIn::of(&[3i32; 4]).marked_uniform().get::<i32>().unwrap(), &[3; 4]);
    /// ```
    pub fn of<T: Element>(values: &'a [T]) -> BlockIn<'a> {
        // SAFETY: the bytes of `values.len()` elements of a primitive type, borrowed for
        // as long as `values`.
        let bytes = unsafe {
            std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values))
        };
        BlockIn::new(T::TYPE, bytes)
    }

    /// This block marked [`uniform`](Self::uniform): the caller knows every value is the
    /// same (as the fusion pass marks a broadcast 0-d operand).
    pub fn marked_uniform(self) -> BlockIn<'a> {
        BlockIn {
            uniform: true,
            ..self
        }
    }

    /// The element type.
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// Whether this operand's values are those the output block holds when the kernel is
    /// called (an in-place update `a = f(a, ...)` written straight into `a`): the block
    /// is then empty, and the kernel reads each value from the output before it writes
    /// it. Only kernels whose description accepts it ([`ComposableKernel::in_place`])
    /// are given such an operand.
    pub fn in_output(&self) -> bool {
        self.in_output
    }

    /// Whether every value of the block is the same element of the operand (a 0-d array
    /// or a length-1 axis broadcast along the block, as `alpha * p` reads `alpha`). The
    /// block still holds all of them, so a kernel may ignore this; one that uses it may
    /// read the first value as a scalar.
    pub fn uniform(&self) -> bool {
        self.uniform
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.ty.size()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The values, as elements of their type (an error for another `T`).
    pub fn get<T: Element>(&self) -> Result<&'a [T], TaskError> {
        check_elements::<T>(self.ty, self.bytes.as_ptr())?;
        // SAFETY: the bytes hold `len` values of `ty` (checked to be T), written as such by
        // a task or a kernel or zeroed (a valid value of every element type), and aligned
        // for T (checked).
        Ok(unsafe { std::slice::from_raw_parts(self.bytes.as_ptr() as *const T, self.len()) })
    }

    /// The raw bytes (for kernels that only move values).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The block of value `i` alone (empty past the end).
    fn element(&self, i: usize) -> BlockIn<'a> {
        self.slice(i, 1)
    }

    /// The block of the `n` values from value `i` (empty past the end).
    fn slice(&self, i: usize, n: usize) -> BlockIn<'a> {
        let size = self.ty.size();
        let bytes = self.bytes.get(i * size..(i + n) * size).unwrap_or(&[]);
        BlockIn { bytes, ..*self }
    }
}

/// The output of a [`BlockKernel`]: a block of its values, to be written whole.
pub struct BlockOut<'a> {
    ty: Type,
    bytes: &'a mut [u8],
}

impl<'a> BlockOut<'a> {
    /// A block to write `values` through (a library's tests call its kernels with such
    /// blocks).
    ///
    /// ```
    /// use legate_core::BlockOut;
    /// let mut y = [0i64; 3];
    /// BlockOut::of(&mut y).get_mut::<i64>().unwrap().fill(7);
    /// assert_eq!(y, [7; 3]);
    /// ```
    pub fn of<T: Element>(values: &'a mut [T]) -> BlockOut<'a> {
        let len = std::mem::size_of_val(values);
        // SAFETY: the bytes of `values`, borrowed mutably for as long as `values`. What is
        // written through them is values of `T`: `get_mut` checks the type, and
        // `bytes_mut` is for kernels that move values of the block's own type, as it is
        // over the runtime's blocks (whose bytes `get` reads back as values).
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), len) };
        BlockOut { ty: T::TYPE, bytes }
    }

    /// The element type.
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.ty.size()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The values to write, as elements of their type (an error for another `T`).
    pub fn get_mut<T: Element>(&mut self) -> Result<&mut [T], TaskError> {
        check_elements::<T>(self.ty, self.bytes.as_ptr())?;
        let len = self.len();
        // SAFETY: as in `BlockIn::get`; the block is borrowed mutably through `self`.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.bytes.as_mut_ptr() as *mut T, len) })
    }

    /// The raw bytes.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }
}

/// An element-wise operation on one block: `out[i] = f(ins[0][i], ins[1][i], ...)`, every
/// slice holding the same number of elements (a few thousand at most). It must write every
/// element of `out`, and must not depend on where the block lies.
///
/// ```
/// use std::sync::Arc;
/// use legate_core::{BlockIn, BlockKernel, BlockOut, Runtime, TaskError, Type};
///
/// let rt = Runtime::with_cpus(2).unwrap();
/// let x = rt.store_from_vec(vec![1.0f64, 2.0, 3.0], &[3]).unwrap();
/// let y = rt.create_store(Type::Float64, &[3]).unwrap();
/// let twice: BlockKernel = Arc::new(|ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
///     let x = ins[0].get::<f64>()?;
///     for (o, &v) in out.get_mut::<f64>()?.iter_mut().zip(x) {
///         *o = 2.0 * v;
///     }
///     Ok::<(), TaskError>(())
/// });
/// rt.elementwise(twice, &[&x], &y).unwrap(); // deferred
/// assert_eq!(y.read::<f64>().unwrap().into_raw_vec_and_offset().0, vec![2.0, 4.0, 6.0]);
/// ```
pub type BlockKernel =
    Arc<dyn Fn(&[BlockIn<'_>], &mut BlockOut<'_>) -> Result<(), TaskError> + Send + Sync>;

/// What a library tells the fusion pass about an element-wise kernel so that a chain of
/// them can run as one loop. Two kernels of a group, each reading memory block by block,
/// keep one or two streams in flight each; one kernel evaluating the whole chain keeps all
/// of them in flight at once (the triad `b + 2.5 * c` as `2.5 * c` into a block, then
/// `b + block`, runs at about 0.7 of one loop's speed).
///
/// When a group's node reads, as operand `k`, a value that nothing else reads (no output,
/// no other operand, no reduction), the pass asks the reader's description to
/// [`absorb`](Self::absorb) the producer's. On success the two nodes become one, whose
/// operands are the reader's with operand `k` replaced by the producer's, in order, and
/// the producer's value never reaches a scratch block. The pass repeats until no node
/// absorbs another, so a library decides how large a composed kernel may grow. Operations
/// issued with [`Runtime::elementwise`] have no description and are never composed.
///
/// ```
/// use std::any::Any;
/// use std::sync::Arc;
/// use legate_core::{BlockIn, BlockKernel, BlockOut, ComposableKernel, Composed, Runtime, TaskError};
///
/// /// `x -> x * factor`: a scale composes with a scale.
/// struct Scale(f64);
///
/// fn scale_kernel(f: f64) -> BlockKernel {
///     Arc::new(move |ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
///         for (o, &x) in out.get_mut::<f64>()?.iter_mut().zip(ins[0].get::<f64>()?) {
///             *o = x * f;
///         }
///         Ok::<(), TaskError>(())
///     })
/// }
///
/// impl ComposableKernel for Scale {
///     fn as_any(&self) -> &dyn Any {
///         self
///     }
///     fn absorb(&self, _operand: usize, producer: &dyn ComposableKernel) -> Option<Composed> {
///         let inner = producer.as_any().downcast_ref::<Scale>()?;
///         let f = inner.0 * self.0;
///         Some(Composed { kernel: scale_kernel(f), composable: Arc::new(Scale(f)) })
///     }
/// }
///
/// let rt = Runtime::with_cpus(2).unwrap();
/// let x = rt.store_from_vec(vec![1.0f64, 2.0], &[2]).unwrap();
/// let y = rt.create_store(legate_core::Type::Float64, &[2]).unwrap();
/// {
///     let t = rt.create_store(legate_core::Type::Float64, &[2]).unwrap();
///     rt.elementwise_composable(scale_kernel(2.0), Arc::new(Scale(2.0)), &[&x], &t).unwrap();
///     rt.elementwise_composable(scale_kernel(4.0), Arc::new(Scale(4.0)), &[&t], &y).unwrap();
/// } // `t` is dropped: only `y` is written, by one kernel
/// assert_eq!(y.read::<f64>().unwrap().into_raw_vec_and_offset().0, vec![8.0, 16.0]);
/// assert_eq!(rt.stats().kernels_composed, 1);
/// ```
pub trait ComposableKernel: Send + Sync {
    /// The description itself, for the library to recognise its own in `absorb`.
    fn as_any(&self) -> &dyn std::any::Any;

    /// A kernel that computes this one with operand `operand` replaced by `producer`'s
    /// result: its operands are this kernel's before `operand`, then `producer`'s, then
    /// this kernel's after `operand`. It must give exactly the values of the two kernels
    /// run one after the other. `None` where the library does not compose the pair.
    fn absorb(&self, operand: usize, producer: &dyn ComposableKernel) -> Option<Composed>;

    /// Whether the kernel accepts operands that are its output's own values
    /// ([`BlockIn::in_output`]), so that an in-place update of a store is written straight
    /// into it rather than into a scratch block copied there afterwards. No by default.
    fn in_place(&self) -> bool {
        false
    }
}

/// A kernel made of two by [`ComposableKernel::absorb`], with its own description (so
/// that it can absorb more).
pub struct Composed {
    /// The composed block kernel.
    pub kernel: BlockKernel,
    /// Its description.
    pub composable: Arc<dyn ComposableKernel>,
}

/// An element-wise operation waiting in the window.
pub(crate) struct DeferredOp {
    kernel: BlockKernel,
    inputs: Vec<LogicalStore>,
    output: LogicalStore,
    /// Set for a reduction: `output` (one element, or a view of the input's shape that
    /// broadcasts the reduced dimensions) is reduced into with this operator, and `kernel`
    /// folds a block of the one input into a one-element accumulator.
    reduce: Option<ReductionOp>,
    /// A plain copy (`kernel` moves the bytes): a copy of a value the group computes
    /// takes that value's block instead of a node of its own.
    copy: bool,
    /// How the kernel composes with the kernels that produce its operands.
    composable: Option<Arc<dyn ComposableKernel>>,
}

impl DeferredOp {
    /// The shape of the points the operation visits.
    fn shape(&self) -> Vec<u64> {
        match (self.reduce, self.inputs.first()) {
            (Some(_), Some(input)) => input.shape(),
            _ => self.output.shape(),
        }
    }
}

impl Runtime {
    /// Issues `output = kernel(inputs...)` element by element. Every input has the shape
    /// of `output` (broadcast it first, with a promoted view); `output` may be any view
    /// whose points do not alias, and may be an input too (an in-place update).
    ///
    /// The operation is deferred: with fusion on (`--fusion`, the default), it joins a
    /// window of element-wise operations that run together as one task per piece when a
    /// value is needed, and temporaries that no handle holds any more are never written.
    /// The result is always the one the operations give in program order.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for an input of another shape, [`Error::InvalidArgument`]
    /// for an output that is unbound or written through an aliasing view or a store of
    /// another runtime. A failure of the kernel surfaces at the next wait.
    pub fn elementwise(
        &self,
        kernel: BlockKernel,
        inputs: &[&LogicalStore],
        output: &LogicalStore,
    ) -> Result<()> {
        self.elementwise_op(kernel, None, inputs, output, false)
    }

    /// [`elementwise`](Self::elementwise) with a description of the kernel, so that the
    /// fusion pass can run it and the kernels producing its operands as one loop (see
    /// [`ComposableKernel`]).
    ///
    /// # Errors
    ///
    /// As [`elementwise`](Self::elementwise).
    pub fn elementwise_composable(
        &self,
        kernel: BlockKernel,
        composable: Arc<dyn ComposableKernel>,
        inputs: &[&LogicalStore],
        output: &LogicalStore,
    ) -> Result<()> {
        self.elementwise_op(kernel, Some(composable), inputs, output, false)
    }

    /// `dst = src` as a deferred element-wise copy (the runtime's `copy`).
    pub(crate) fn copy_deferred(&self, src: &LogicalStore, dst: &LogicalStore) -> Result<()> {
        self.elementwise_op(kernels::copy(), None, &[src], dst, true)
    }

    fn elementwise_op(
        &self,
        kernel: BlockKernel,
        composable: Option<Arc<dyn ComposableKernel>>,
        inputs: &[&LogicalStore],
        output: &LogicalStore,
        copy: bool,
    ) -> Result<()> {
        if output.is_unbound() {
            return Err(Error::invalid("an element-wise output must have a shape"));
        }
        let shape = output.shape();
        for s in inputs.iter().copied().chain(std::iter::once(output)) {
            if !Arc::ptr_eq(&s.storage.shared, &self.shared) {
                return Err(Error::invalid(format!(
                    "store of storage {} belongs to another runtime",
                    s.storage.id
                )));
            }
        }
        for s in inputs {
            if s.is_unbound() && !s.storage.has_producer() {
                return Err(Error::invalid(
                    "an unbound store is used before any task was launched to produce it",
                ));
            }
            let in_shape = s.shape();
            if in_shape != shape {
                return Err(Error::ShapeMismatch {
                    context: "elementwise",
                    left: in_shape,
                    right: shape,
                });
            }
        }
        if output.view().has_aliasing() {
            return Err(Error::invalid(
                "cannot write through a view whose points alias (broadcast or promoted)",
            ));
        }
        self.shared
            .stats
            .elementwise_ops
            .fetch_add(1, Ordering::Relaxed);
        self.defer(DeferredOp {
            kernel,
            inputs: inputs.iter().map(|&s| s.clone()).collect(),
            output: output.clone(),
            reduce: None,
            copy,
            composable,
        })
    }

    /// Issues `result = op(result, every element of input)`: a reduction of a whole store
    /// into a store of one element (a scalar store, a future), deferred and fused like
    /// [`elementwise`](Self::elementwise). `fold` folds a block of `input`'s values into a
    /// one-element block of `result`'s type that holds the running value (it starts at
    /// `op`'s identity): `acc[0] = op(acc[0], values...)`. It also combines two running
    /// values (a block of one element). So `sum(a * b)` never writes `a * b`.
    ///
    /// A reduction *along dimensions* takes a `result` of `input`'s shape that broadcasts
    /// them: the reduced store promoted or broadcast back to `input`'s shape (for
    /// `sum(x, axis=1)` of an `(m, n)` `x`, the `(m,)` result promoted to `(m, n)`), so
    /// that every point of `input` is folded into the element `result` shows there. `fold`
    /// then folds runs of values that share one element; where a run spans elements (the
    /// innermost dimension is kept), the runtime combines the values with `op` itself.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use legate_core::{BlockIn, BlockKernel, BlockOut, ReductionOp, Runtime, Scalar, TaskError};
    ///
    /// let rt = Runtime::with_cpus(2).unwrap();
    /// let x = rt.store_from_vec((1..=100).map(f64::from).collect(), &[100]).unwrap();
    /// let total = rt.create_scalar_store(Scalar::new(0.0f64)).unwrap();
    /// let add: BlockKernel = Arc::new(|ins: &[BlockIn<'_>], acc: &mut BlockOut<'_>| {
    ///     let s: f64 = ins[0].get::<f64>()?.iter().sum();
    ///     acc.get_mut::<f64>()?[0] += s;
    ///     Ok::<(), TaskError>(())
    /// });
    /// rt.elementwise_reduce(add, &x, ReductionOp::Add, &total).unwrap();
    /// assert_eq!(total.read_scalar::<f64>().unwrap(), 5050.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `result` has neither exactly one element nor
    /// `input`'s shape, or is a view of `input`'s storage, or a store belongs to another
    /// runtime;
    /// [`Error::UnsupportedType`] for an operator without an identity in `result`'s type.
    pub fn elementwise_reduce(
        &self,
        fold: BlockKernel,
        input: &LogicalStore,
        op: ReductionOp,
        result: &LogicalStore,
    ) -> Result<()> {
        self.elementwise_reduce_op(fold, None, input, op, result)
    }

    /// [`elementwise_reduce`](Self::elementwise_reduce) with a description of the fold, so
    /// that the fusion pass can run it and the kernel producing its input as one loop
    /// (`sum(a * b)`: the product is folded as it is computed, it never fills a block).
    /// The description's [`absorb`](ComposableKernel::absorb) gives a fold over the
    /// producer's operands; `fold` itself still combines two running values.
    ///
    /// # Errors
    ///
    /// As [`elementwise_reduce`](Self::elementwise_reduce).
    pub fn elementwise_reduce_composable(
        &self,
        fold: BlockKernel,
        composable: Arc<dyn ComposableKernel>,
        input: &LogicalStore,
        op: ReductionOp,
        result: &LogicalStore,
    ) -> Result<()> {
        self.elementwise_reduce_op(fold, Some(composable), input, op, result)
    }

    fn elementwise_reduce_op(
        &self,
        fold: BlockKernel,
        composable: Option<Arc<dyn ComposableKernel>>,
        input: &LogicalStore,
        op: ReductionOp,
        result: &LogicalStore,
    ) -> Result<()> {
        for s in [input, result] {
            if !Arc::ptr_eq(&s.storage.shared, &self.shared) {
                return Err(Error::invalid(format!(
                    "store of storage {} belongs to another runtime",
                    s.storage.id
                )));
            }
        }
        let along = reduces_along(result, &input.shape());
        if result.is_unbound() || !(along || result.volume() == 1) {
            return Err(Error::invalid(
                "a reduction's result must be a store of one element, or of its input's \
                 shape broadcasting the reduced dimensions",
            ));
        }
        if result.same_storage(input) {
            return Err(Error::invalid(
                "a reduction's result cannot be a view of its input",
            ));
        }
        if along && result.ty() != input.ty() {
            return Err(Error::invalid(format!(
                "a reduction along dimensions folds {} values into a result of the same \
                 type, not {}",
                input.ty(),
                result.ty()
            )));
        }
        if input.is_unbound() && !input.storage.has_producer() {
            return Err(Error::invalid(
                "an unbound store is used before any task was launched to produce it",
            ));
        }
        op.identity(result.ty())?;
        self.shared
            .stats
            .elementwise_ops
            .fetch_add(1, Ordering::Relaxed);
        self.defer(DeferredOp {
            kernel: fold,
            inputs: vec![input.clone()],
            output: result.clone(),
            reduce: Some(op),
            copy: false,
            composable,
        })
    }

    fn defer(&self, op: DeferredOp) -> Result<()> {
        let mut state = self.issue_lock();
        state.window.push(op);
        if !self.shared.config.fusion || state.window.len() >= MAX_WINDOW {
            self.flush_locked(&mut state)?;
        }
        Ok(())
    }

    /// Whether an element-wise operation still waiting in the window writes `store`'s
    /// storage: its values are not in memory yet, and an operation that joins the window
    /// now may take them from the fused kernel instead (a library may choose a deferred
    /// reduction for such an input, and its own task for one already in memory).
    ///
    /// ```
    /// # use legate_core::{Runtime, Scalar, Type};
    /// let rt = Runtime::with_cpus(1).unwrap();
    /// let x = rt.create_store(Type::Float64, &[4]).unwrap();
    /// rt.fill(&x, Scalar::new(1.0f64)).unwrap();
    /// assert!(rt.is_deferred(&x));
    /// rt.fence().unwrap();
    /// assert!(!rt.is_deferred(&x));
    /// ```
    pub fn is_deferred(&self, store: &LogicalStore) -> bool {
        self.issue_lock()
            .window
            .iter()
            .any(|op| op.reduce.is_none() && op.output.same_storage(store))
    }

    /// Runs every deferred element-wise operation (takes the issue lock).
    pub(crate) fn flush_window(&self) -> Result<()> {
        let mut state = self.issue_lock();
        self.flush_locked(&mut state)
    }

    /// Runs every deferred element-wise operation, fused, under the issue lock.
    pub(crate) fn flush_locked(&self, state: &mut IssueState) -> Result<()> {
        if state.window.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut state.window);
        let live = Liveness::of(&ops, self.shared.ranks.is_some());
        let groups = plan(ops);
        let mut first_error = None;
        for (g, group) in groups.iter().enumerate() {
            let keep: Vec<bool> = group
                .writes
                .iter()
                .map(|w| live.outside(&w.store) || read_by_later_group(&groups[g + 1..], &w.store))
                .collect();
            // After a failure the rest still runs: every store keeps the value program
            // order gives it as far as the runtime can compute it.
            if let Err(e) = self.submit_group(state, group, &keep) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// One launch for a group: its leaves in, its kept results out.
    fn submit_group(&self, state: &mut IssueState, group: &Group, keep: &[bool]) -> Result<()> {
        let elided = keep.iter().filter(|&&k| !k).count() as u64;
        self.shared
            .stats
            .temporaries_elided
            .fetch_add(elided, Ordering::Relaxed);
        if !keep.iter().any(|&k| k) && group.reductions.is_empty() {
            return Ok(());
        }
        let mut args: Vec<Arg> = group
            .leaves
            .iter()
            .map(|s| Arg {
                store: s.clone(),
                kind: ArgKind::Input,
                access: Access::Read,
            })
            .collect();
        let mut outputs = Vec::new();
        let mut shifted = Vec::new();
        // A result written over a storage that the group also reads through other views
        // is written in place, late, when every such view is a shift of it; otherwise it
        // goes to a temporary that is copied back once every piece has read.
        let mut copies_back = Vec::new();
        for (w, _) in group.writes.iter().zip(keep).filter(|(_, &k)| k) {
            let mut target = w.store.clone();
            let mut shifts = None;
            if group.reads_elsewhere(&w.store) {
                shifts = group.shifts(&w.store);
                if shifts.is_none() {
                    target = self.create_store_locked(w.store.ty(), &group.shape)?;
                    copies_back.push((target.clone(), w.store.clone()));
                }
            }
            args.push(Arg {
                store: target,
                kind: ArgKind::Output,
                access: Access::Write,
            });
            outputs.push(w.node);
            shifted.push(shifts);
        }
        let aligned = args.len();
        let mut constraints: Vec<Constraint> = (1..aligned)
            .map(|i| Constraint::Align(Variable(0), Variable(i)))
            .collect();
        // A reduction along dimensions is cut as the group's stores are: each point folds
        // its piece into the elements of the result it shows.
        let mut anchor = (aligned > 0).then_some(0);
        for r in &group.reductions {
            let v = args.len();
            args.push(Arg {
                store: r.target.clone(),
                kind: ArgKind::Reduction,
                access: Access::Reduce(r.op),
            });
            if r.along {
                match anchor {
                    Some(a) => constraints.push(Constraint::Align(Variable(a), Variable(v))),
                    None => anchor = Some(v),
                }
            }
        }
        let compose = self.shared.config.compose;
        let program = Arc::new(Program::new(group, outputs, shifted, compose)?);
        self.shared
            .stats
            .kernels_composed
            .fetch_add(program.composed as u64, Ordering::Relaxed);
        let (cpu, omp) = (Arc::clone(&program), Arc::clone(&program));
        let mut def = TaskDef::new("fused")
            .cpu(move |ctx: &mut TaskContext<'_>| cpu.run(ctx))
            .omp(move |ctx: &mut TaskContext<'_>| omp.run(ctx))
            .writes_whole_outputs();
        def.orders_overlaps = program.is_shifted();
        let def = Arc::new(def);
        let library = self.core_library();
        let variant = self.select_variant(&library, FUSED, &def, &args)?;
        let solution = solve_cached(self, state, &args, &constraints, variant)?;
        // A reduction along dimensions that the partition does not cut along the
        // dimensions it reduces gives each point elements of the result no other point
        // touches: on one thread a point folds straight into them (read and written, so
        // the analysis orders it as a writer), with no private accumulator to fill, fold
        // back and free.
        if variant == VariantKind::Cpu {
            let points: u64 = solution.colors.iter().product();
            for (i, r) in group.reductions.iter().enumerate() {
                let v = aligned + i;
                if r.along
                    && folds_disjoint(&r.target, &group.shape, &solution.partitions[v], points)
                {
                    args[v].access = Access::ReadWrite;
                }
            }
        }
        let spec = LaunchSpec {
            library,
            def,
            variant,
            solution,
            args,
            scalars: Vec::new(),
        };
        self.shared
            .stats
            .fused_launches
            .fetch_add(1, Ordering::Relaxed);
        let (commit_args, commit_parts): (Vec<Arg>, Vec<Partition>) = spec
            .args
            .iter()
            .zip(&spec.solution.partitions)
            .filter(|(a, _)| a.kind == ArgKind::Output)
            .map(|(a, p)| {
                let arg = Arg {
                    access: Access::ReadWrite,
                    ..a.clone()
                };
                (arg, p.clone())
            })
            .unzip();
        let commit_colors = spec.solution.colors.clone();
        submit(self, state, spec)?.release(self);
        if program.is_shifted() {
            // What each piece left for its neighbours to read goes in place now: on one
            // rank in one point after every point of the fused launch; on several, in a
            // point per piece (sharded as the fused launch is: each rank holds its own
            // pieces' bands), after the fused launch's points that read there. (A point
            // per piece on one rank was no faster: the Python stencil took 493-554 ms in
            // three runs, against 492-518 ms with one point.)
            let (commit_colors, commit_parts) = match self.shared.ranks {
                Some(_) => (commit_colors, commit_parts),
                None => (vec![1], vec![Partition::Replicate; commit_parts.len()]),
            };
            let commit = Arc::clone(&program);
            let spec = LaunchSpec {
                library: self.core_library(),
                def: Arc::new(
                    TaskDef::new("fused_commit")
                        .cpu(move |ctx: &mut TaskContext<'_>| commit.commit_side(ctx)),
                ),
                variant: VariantKind::Cpu,
                solution: Solution::new(commit_colors, commit_parts),
                args: commit_args,
                scalars: Vec::new(),
            };
            submit(self, state, spec)?.release(self);
        }
        for (tmp, dst) in copies_back {
            copy_locked(self, state, &tmp, &dst)?;
        }
        Ok(())
    }
}

/// How many handles of each storage the window holds, against how many exist.
struct Liveness {
    /// (storage id, handles in the window, handles in all) for every storage the window names.
    counts: Vec<(u64, usize, usize)>,
}

impl Liveness {
    /// The counts of `ops`' storages. With several ranks, a storage some launch used
    /// counts as held outside: the tasks and transfers holding it for a while differ
    /// from rank to rank, and every rank must decide alike.
    fn of(ops: &[DeferredOp], replicated: bool) -> Liveness {
        let mut counts: Vec<(u64, usize, usize)> = Vec::new();
        for s in ops
            .iter()
            .flat_map(|op| op.inputs.iter().chain(std::iter::once(&op.output)))
        {
            match counts.iter_mut().find(|c| c.0 == s.storage.id) {
                Some(c) => c.1 += 1,
                None => {
                    let held = if replicated && s.storage.issued.load(Ordering::Relaxed) {
                        usize::MAX
                    } else {
                        Arc::strong_count(&s.storage)
                    };
                    counts.push((s.storage.id, 1, held))
                }
            }
        }
        Liveness { counts }
    }

    /// Whether something outside the window (the program, a running task) holds `store`'s
    /// storage: then its values must be written.
    fn outside(&self, store: &LogicalStore) -> bool {
        self.counts
            .iter()
            .find(|c| c.0 == store.storage.id)
            .is_none_or(|&(_, window, all)| all > window)
    }
}

fn read_by_later_group(later: &[Group], store: &LogicalStore) -> bool {
    later.iter().any(|g| {
        g.leaves.iter().any(|l| l.same_storage(store))
            || g.reductions.iter().any(|r| r.target.same_storage(store))
    })
}

/// Where a node takes an operand from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    /// Input `i` of the fused launch.
    Leaf(usize),
    /// The value node `i` computed for the same block.
    Node(usize),
}

#[derive(Clone)]
struct PlanNode {
    kernel: BlockKernel,
    ty: Type,
    args: Vec<Src>,
    composable: Option<Arc<dyn ComposableKernel>>,
}

/// The latest value a group computes for one view.
struct Write {
    store: LogicalStore,
    node: usize,
}

/// A reduction of a group: `target op= every value of src`.
struct PlanReduce {
    fold: BlockKernel,
    src: Src,
    composable: Option<Arc<dyn ComposableKernel>>,
    op: ReductionOp,
    target: LogicalStore,
    /// Along dimensions: `target` has the group's shape and broadcasts the reduced ones.
    along: bool,
    /// Whether runs along the innermost dimension (of extent over 1) fold into one
    /// element of `target`: true for a whole reduction and for one that reduces that
    /// dimension (`sum(x, axis=-1)`); a composed fold can only fold whole runs.
    folds_runs: bool,
}

/// Consecutive operations over one shape that one launch evaluates.
struct Group {
    shape: Vec<u64>,
    leaves: Vec<LogicalStore>,
    nodes: Vec<PlanNode>,
    writes: Vec<Write>,
    reductions: Vec<PlanReduce>,
}

impl Group {
    fn new(shape: Vec<u64>) -> Group {
        Group {
            shape,
            leaves: Vec::new(),
            nodes: Vec::new(),
            writes: Vec::new(),
            reductions: Vec::new(),
        }
    }

    /// Whether `op` can join: same shape, and no storage read or written through two
    /// views once the group has written it.
    fn admits(&self, op: &DeferredOp, shape: &[u64]) -> bool {
        if self.shape != shape {
            return false;
        }
        let reduced = |s: &LogicalStore| self.reductions.iter().any(|r| r.target.same_storage(s));
        let clash = |s: &LogicalStore| {
            reduced(s)
                || self
                    .writes
                    .iter()
                    .any(|w| w.store.same_storage(s) && !w.store.same_view(s))
        };
        if op.inputs.iter().any(clash) {
            return false;
        }
        match op.reduce {
            // A target the group reads or writes otherwise waits for the next group.
            Some(_) => {
                let target = &op.output;
                !reduced(target)
                    && !self.leaves.iter().any(|l| l.same_storage(target))
                    && !self.writes.iter().any(|w| w.store.same_storage(target))
            }
            None => !clash(&op.output),
        }
    }

    /// Where the group takes the values of `s` from: the node that wrote that view, or a
    /// leaf (added once per view).
    fn source(&mut self, s: &LogicalStore) -> Src {
        if let Some(w) = self.writes.iter().find(|w| w.store.same_view(s)) {
            return Src::Node(w.node);
        }
        Src::Leaf(match self.leaves.iter().position(|l| l.same_view(s)) {
            Some(i) => i,
            None => {
                self.leaves.push(s.clone());
                self.leaves.len() - 1
            }
        })
    }

    fn push(&mut self, op: DeferredOp) {
        let args: Vec<Src> = op.inputs.iter().map(|s| self.source(s)).collect();
        if let (true, [Src::Node(k)]) = (op.copy, args.as_slice()) {
            // `center[:] = work`: the output takes `work`'s block, no copy of it.
            let node = *k;
            match self
                .writes
                .iter_mut()
                .find(|w| w.store.same_view(&op.output))
            {
                Some(w) => w.node = node,
                None => self.writes.push(Write {
                    store: op.output,
                    node,
                }),
            }
            return;
        }
        if let Some(reduce) = op.reduce {
            let along = reduces_along(&op.output, &self.shape);
            let (_, strides) = op.output.view().affine();
            // Runs fold into one element when the innermost dimensions are reduced, and
            // whole runs reach the fold unless they are short (a walk over short runs
            // goes flat and folds them row by row with the operator).
            let dims = || (0..self.shape.len()).rev().filter(|&d| self.shape[d] > 1);
            let folds_runs = !along || dims().all(|d| strides[d] == 0) || {
                let reduced_run: u64 = dims()
                    .take_while(|&d| strides[d] == 0)
                    .map(|d| self.shape[d])
                    .product();
                reduced_run >= FLAT_BELOW
            };
            self.reductions.push(PlanReduce {
                fold: op.kernel,
                src: args[0],
                composable: op.composable,
                op: reduce,
                target: op.output,
                along,
                folds_runs,
            });
            return;
        }
        let node = self.nodes.len();
        self.nodes.push(PlanNode {
            kernel: op.kernel,
            ty: op.output.ty(),
            args,
            composable: op.composable,
        });
        match self
            .writes
            .iter_mut()
            .find(|w| w.store.same_view(&op.output))
        {
            Some(w) => w.node = node,
            None => self.writes.push(Write {
                store: op.output,
                node,
            }),
        }
    }

    /// For each leaf that reads `store`'s storage through another, overlapping view, the
    /// shift `delta` with `leaf(x) = store(x + delta)`; `None` unless every such leaf is a
    /// shift and the shifted views map points one to one (no wrap-around).
    fn shifts(&self, store: &LogicalStore) -> Option<Vec<[i64; MAX_DIM]>> {
        let mine = whole_footprint(store);
        let (origin, strides) = store.view().affine();
        let n = self.shape.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&d| std::cmp::Reverse(strides[d].unsigned_abs()));
        let mut out = Vec::new();
        for leaf in &self.leaves {
            if !leaf.same_storage(store)
                || leaf.same_view(store)
                || !whole_footprint(leaf).overlaps(&mine)
            {
                continue;
            }
            let (at, leaf_strides) = leaf.view().affine();
            if leaf_strides != strides || strides.contains(&0) {
                return None;
            }
            let mut rest = at - origin;
            let mut delta = [0i64; MAX_DIM];
            for &d in &order {
                let q = (rest as f64 / strides[d] as f64).round() as i64;
                delta[d] = q;
                rest -= q * strides[d];
            }
            if rest != 0 {
                return None;
            }
            // Each stride passes the span of the dimensions inside it (grown by the shift):
            // two points of the grown box never share an element.
            let mut span: u64 = 0;
            for &d in order.iter().rev() {
                let s = strides[d].unsigned_abs();
                if span >= s {
                    return None;
                }
                span += (self.shape[d].saturating_sub(1) + delta[d].unsigned_abs()) * s;
            }
            out.push(delta);
        }
        Some(out)
    }

    /// Whether the group reads, writes or reduces into `store`'s storage.
    fn touches(&self, store: &LogicalStore) -> bool {
        self.leaves.iter().any(|l| l.same_storage(store))
            || self.writes.iter().any(|w| w.store.same_storage(store))
            || self.reductions.iter().any(|r| r.target.same_storage(store))
    }

    /// Whether the group reads `store`'s storage through a view that overlaps `store`
    /// but is not it (the stencil's `center[:] = f(north, ...)`).
    fn reads_elsewhere(&self, store: &LogicalStore) -> bool {
        let mine = whole_footprint(store);
        self.leaves.iter().any(|l| {
            l.same_storage(store) && !l.same_view(store) && whole_footprint(l).overlaps(&mine)
        })
    }
}

/// Whether the points of a launch that partitions `target` (a view of `shape` that
/// broadcasts the dimensions a reduction reduces) as `partition` fold into elements of
/// the result that no other point folds into: one point, or a tiling that does not cut
/// the broadcast dimensions (and a view with no reversed dimension, so a piece's elements
/// lie after its first).
fn folds_disjoint(
    target: &LogicalStore,
    shape: &[u64],
    partition: &Partition,
    points: u64,
) -> bool {
    let (_, strides) = target.view().affine();
    if strides.iter().any(|&s| s < 0) {
        return false;
    }
    match partition {
        _ if points == 1 => true,
        Partition::Tiling(t) => (0..shape.len())
            .all(|d| strides[d] != 0 || shape[d] <= 1 || t.colors.get(d).is_some_and(|&c| c == 1)),
        _ => false,
    }
}

/// Whether a reduction into `target` over points of `shape` is one along dimensions (into
/// a view of that shape that broadcasts them) rather than of the whole (into one element).
fn reduces_along(target: &LogicalStore, shape: &[u64]) -> bool {
    target.shape() == shape && target.volume() != 1
}

/// Cuts the window into groups, in program order. A fill that the open group cannot
/// take, of a storage that group does not touch, goes in a group of its own before it
/// when the next operation would join the group: the fill depends on nothing the group
/// does, and the group stays open (the result of `(a * b).sum(axis=1)` is filled with
/// the identity after `a * b` is issued, and the reduction still joins `a * b`).
fn plan(ops: Vec<DeferredOp>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut ops = ops.into_iter().peekable();
    while let Some(op) = ops.next() {
        let shape = op.shape();
        let hoists = |g: &Group, next: Option<&DeferredOp>| {
            op.inputs.is_empty()
                && op.reduce.is_none()
                && !g.touches(&op.output)
                && next.is_some_and(|n| g.admits(n, &n.shape()))
        };
        match groups.last_mut() {
            Some(g) if g.admits(&op, &shape) => g.push(op),
            Some(g) if hoists(g, ops.peek()) => {
                let mut fill = Group::new(shape);
                fill.push(op);
                let at = groups.len() - 1;
                groups.insert(at, fill);
            }
            _ => {
                let mut g = Group::new(shape);
                g.push(op);
                groups.push(g);
            }
        }
    }
    groups
}

/// The nodes of a group after composition: `index[k]` is the new index of old node `k`,
/// `None` where a later node or a reduction absorbed it; `folds[i]` is reduction `i`'s
/// block kernel and operands (its own fold over its input, unless it absorbed the node
/// computing that input; a reduction along dimensions absorbs only when it folds whole
/// runs, `PlanReduce::folds_runs`).
struct Composition {
    nodes: Vec<PlanNode>,
    index: Vec<Option<usize>>,
    folds: Vec<(BlockKernel, Vec<Src>)>,
    /// Whether reduction `i`'s fold absorbed the node computing its input.
    absorbed: Vec<bool>,
    composed: usize,
}

/// Lets each node absorb the nodes whose value it alone reads, as often as the nodes'
/// descriptions allow ([`ComposableKernel`]), then each described reduction the node
/// whose value it alone reads. `outputs` read values too: a node they read is never
/// absorbed. A node only reads earlier nodes and leaves, and a run reads every leaf
/// before any node runs, so a composed node (or fold) sees exactly the values its parts
/// saw.
fn compose(
    plan: &[PlanNode],
    outputs: &[usize],
    reductions: &[PlanReduce],
    composing: bool,
) -> Composition {
    let n = plan.len();
    let mut readers = vec![0usize; n];
    let sources = plan
        .iter()
        .flat_map(|p| p.args.iter().copied())
        .chain(reductions.iter().map(|r| r.src))
        .chain(outputs.iter().map(|&k| Src::Node(k)));
    for src in sources {
        if let Src::Node(j) = src {
            readers[j] += 1;
        }
    }
    let mut nodes: Vec<Option<PlanNode>> = plan.iter().cloned().map(Some).collect();
    let mut folds: Vec<(BlockKernel, Vec<Src>)> = reductions
        .iter()
        .map(|r| (Arc::clone(&r.fold), vec![r.src]))
        .collect();
    let mut absorbed = vec![false; reductions.len()];
    let mut composed = 0;
    let described = plan.iter().filter(|p| p.composable.is_some()).count()
        + reductions.iter().filter(|r| r.composable.is_some()).count();
    if composing && described > 1 {
        for k in 0..n {
            while absorb_one(&mut nodes, &readers, k) {
                composed += 1;
            }
        }
        for ((r, fold), absorbed) in reductions.iter().zip(&mut folds).zip(&mut absorbed) {
            let Some(reader) = r.composable.as_ref().filter(|_| r.folds_runs) else {
                continue;
            };
            let Src::Node(j) = r.src else { continue };
            let Some(producer) = nodes[j].as_ref().filter(|_| readers[j] == 1) else {
                continue;
            };
            let Some(c) = producer
                .composable
                .as_ref()
                .and_then(|inner| reader.absorb(0, inner.as_ref()))
            else {
                continue;
            };
            *fold = (c.kernel, producer.args.clone());
            *absorbed = true;
            nodes[j] = None;
            composed += 1;
        }
    }
    let mut index = vec![None; n];
    let mut next = 0;
    for (k, node) in nodes.iter().enumerate() {
        if node.is_some() {
            index[k] = Some(next);
            next += 1;
        }
    }
    let renamed = |a: &mut Src| {
        if let Src::Node(j) = *a {
            *a = Src::Node(index[j].unwrap_or(j));
        }
    };
    let nodes = nodes
        .into_iter()
        .flatten()
        .map(|mut p| {
            p.args.iter_mut().for_each(renamed);
            p
        })
        .collect();
    for (_, args) in &mut folds {
        args.iter_mut().for_each(renamed);
    }
    Composition {
        nodes,
        index,
        folds,
        absorbed,
        composed,
    }
}

/// Lets node `k` absorb the first producer of its operands that it alone reads and its
/// description accepts; whether it did.
fn absorb_one(nodes: &mut [Option<PlanNode>], readers: &[usize], k: usize) -> bool {
    let Some(node) = &nodes[k] else { return false };
    let Some(reader) = &node.composable else {
        return false;
    };
    for (a, &arg) in node.args.iter().enumerate() {
        let Src::Node(j) = arg else { continue };
        let Some(producer) = nodes[j].as_ref().filter(|_| readers[j] == 1) else {
            continue;
        };
        let Some(inner) = &producer.composable else {
            continue;
        };
        let Some(c) = reader.absorb(a, inner.as_ref()) else {
            continue;
        };
        let mut args = node.args[..a].to_vec();
        args.extend_from_slice(&producer.args);
        args.extend_from_slice(&node.args[a + 1..]);
        nodes[k] = Some(PlanNode {
            kernel: c.kernel,
            ty: node.ty,
            args,
            composable: Some(c.composable),
        });
        nodes[j] = None;
        return true;
    }
    false
}

/// A node of a fused program, with the scratch slot its block lives in.
struct Node {
    kernel: BlockKernel,
    ty: Type,
    args: Vec<Src>,
    slot: usize,
    /// The output this node writes straight into memory (when the run is contiguous
    /// there, where later readers of its value then read it): no leaf views the output's
    /// storage, except the one in `in_place`.
    direct: Option<usize>,
    /// The leaf, the very view of the `direct` output, that this node alone reads: its
    /// operands from it are given as the output's own values ([`BlockIn::in_output`]).
    in_place: Option<usize>,
}

/// What a fused point task evaluates: nodes in program order over its inputs, and the
/// node each output takes.
struct Program {
    nodes: Vec<Node>,
    /// Nodes that a later node absorbed (their kernels run inside its kernel).
    composed: usize,
    /// For each leaf, the node that reads it in place (see `Node::in_place`).
    in_place_of: Vec<Option<usize>>,
    /// The element type of each scratch slot (a slot only ever holds one type).
    slots: Vec<Type>,
    /// The node whose values output `i` takes.
    outputs: Vec<usize>,
    /// The shape every store of the launch has.
    shape: Vec<u64>,
    /// Outputs written in place over a storage the program also reads through shifted
    /// views: for output `i`, `Some(shifts)`, each shift `delta` of a leaf that reads at
    /// `x` what the output writes at `x + delta`.
    shifted: Vec<Option<Vec<[i64; MAX_DIM]>>>,
    /// Values of shifted outputs that other pieces read: written by the commit launch
    /// once every piece has run.
    side: Mutex<Vec<SideRun>>,
    /// Reductions, into the launch's reduction arguments in order.
    reductions: Vec<Reduction>,
}

/// A reduction of a fused program: every value of its input (given as `fold`'s operands
/// `args`) folded into reduction argument `i` (of type `ty`), starting from the bytes of
/// the operator's identity.
struct Reduction {
    /// Folds a block of its operands into the running value.
    fold: BlockKernel,
    args: Vec<Src>,
    /// Combines two running values (the library's own fold, which `fold` may have
    /// composed with the kernel of its input).
    merge: BlockKernel,
    ty: Type,
    identity: Vec<u8>,
    /// For a reduction along dimensions: its operator, and its rank among the program's
    /// reductions along dimensions (its accumulator is walked after the stores).
    along: Option<(ReductionOp, usize)>,
    /// Whether `fold` absorbed the kernel of its input (it then folds whole runs only).
    absorbed: bool,
}

/// A run of values a piece could not write in place (its neighbours still read the old
/// ones): output `output`, `n` elements from element `offset` of the instance, `stride`
/// apart.
struct SideRun {
    /// The point whose piece it belongs to (the commit launch's point of that piece
    /// writes it).
    point: usize,
    output: usize,
    offset: isize,
    stride: isize,
    bytes: Vec<u8>,
}

impl Program {
    /// Composes what the nodes' descriptions allow (see [`compose`]; when `composing`),
    /// then gives each node a slot, reusing the slot of a value no later node reads.
    fn new(
        group: &Group,
        outputs: Vec<usize>,
        shifted: Vec<Option<Vec<[i64; MAX_DIM]>>>,
        composing: bool,
    ) -> Result<Program> {
        let composition = compose(&group.nodes, &outputs, &group.reductions, composing);
        let outputs: Vec<usize> = outputs
            .iter()
            .map(|&k| composition.index[k].unwrap_or(k))
            .collect();
        // Every operand a reduction's block kernel reads.
        let reduced: Vec<Src> = composition
            .folds
            .iter()
            .flat_map(|(_, args)| args.iter().copied())
            .collect();
        let plan = &composition.nodes;
        let n = plan.len();
        let mut last_use: Vec<usize> = (0..n).collect();
        for (k, node) in plan.iter().enumerate() {
            for a in &node.args {
                if let Src::Node(j) = *a {
                    last_use[j] = k;
                }
            }
        }
        // Outputs and reduced values are read after every node has run.
        for &o in &outputs {
            last_use[o] = usize::MAX;
        }
        for src in &reduced {
            if let Src::Node(j) = *src {
                last_use[j] = usize::MAX;
            }
        }
        let mut slots: Vec<Type> = Vec::new();
        let mut free: Vec<usize> = Vec::new();
        let mut nodes = Vec::with_capacity(n);
        for (k, node) in plan.iter().enumerate() {
            let slot = match free.iter().position(|&s| slots[s] == node.ty) {
                Some(i) => free.swap_remove(i),
                None => {
                    slots.push(node.ty);
                    slots.len() - 1
                }
            };
            nodes.push(Node {
                kernel: Arc::clone(&node.kernel),
                ty: node.ty,
                args: node.args.clone(),
                slot,
                direct: None,
                in_place: None,
            });
            // Freed only now: a node never writes the slot of one of its operands.
            for a in &node.args {
                if let Src::Node(j) = *a {
                    if last_use[j] == k && !free.contains(&nodes[j].slot) {
                        free.push(nodes[j].slot);
                    }
                }
            }
            if last_use[k] == k {
                free.push(slot);
            }
        }
        // A result over a storage no leaf views is written straight into the output (no
        // copy out of a scratch slot). So is an in-place update (`r = r - alpha * q`) by a
        // node whose description accepts it, when the output's view is a leaf that only
        // this node reads.
        let read_by_k_alone = |l: usize, k: usize| {
            !reduced.contains(&Src::Leaf(l))
                && plan
                    .iter()
                    .enumerate()
                    .all(|(j, n)| n.args.contains(&Src::Leaf(l)) == (j == k))
        };
        for (o, &k) in outputs.iter().enumerate() {
            let Some(target) = group
                .writes
                .iter()
                .find(|w| composition.index[w.node] == Some(k))
            else {
                continue;
            };
            if !shifted.get(o).is_some_and(Option::is_none)
                || outputs.iter().filter(|&&j| j == k).count() != 1
            {
                continue;
            }
            let sharing: Vec<usize> = (0..group.leaves.len())
                .filter(|&l| group.leaves[l].same_storage(&target.store))
                .collect();
            match sharing.as_slice() {
                [] => nodes[k].direct = Some(o),
                &[l] if group.leaves[l].same_view(&target.store)
                    && read_by_k_alone(l, k)
                    && plan[k].composable.as_ref().is_some_and(|c| c.in_place()) =>
                {
                    nodes[k].direct = Some(o);
                    nodes[k].in_place = Some(l);
                }
                _ => {}
            }
        }
        let mut rank = 0;
        let reductions = group
            .reductions
            .iter()
            .zip(&composition.folds)
            .zip(&composition.absorbed)
            .map(|((r, (fold, args)), &absorbed)| {
                let ty = r.target.ty();
                let along = r.along.then(|| {
                    rank += 1;
                    (r.op, rank - 1)
                });
                Ok(Reduction {
                    fold: Arc::clone(fold),
                    args: args.clone(),
                    merge: Arc::clone(&r.fold),
                    ty,
                    identity: r.op.identity(ty)?.as_bytes().to_vec(),
                    along,
                    absorbed,
                })
            })
            .collect::<Result<_>>()?;
        let mut in_place_of = vec![None; group.leaves.len()];
        for (k, node) in nodes.iter().enumerate() {
            if let Some(l) = node.in_place {
                in_place_of[l] = Some(k);
            }
        }
        Ok(Program {
            nodes,
            composed: composition.composed,
            in_place_of,
            slots,
            outputs,
            shape: group.shape.clone(),
            shifted,
            side: Mutex::new(Vec::new()),
            reductions,
        })
    }

    fn is_shifted(&self) -> bool {
        self.shifted.iter().any(Option::is_some)
    }

    /// Runs one point: the piece, block by block (on the group's threads for OMP).
    fn run(&self, ctx: &TaskContext<'_>) -> Result<(), TaskError> {
        let stores: Vec<&PhysicalStore> = ctx.inputs.iter().chain(ctx.outputs).collect();
        let reductions = ctx.reductions;
        if reductions.len() != self.reductions.len() {
            return Err(TaskError::new("a fused launch without its reductions"));
        }
        // The accumulators of reductions along dimensions are walked as the stores are
        // (row-major over the accumulator, 0 along the dimensions it reduces).
        let along: Vec<&PhysicalStore> = self
            .reductions
            .iter()
            .zip(reductions)
            .filter(|(r, _)| r.along.is_some())
            .map(|(_, s)| s)
            .collect();
        let rect = match stores.first().or(along.first()) {
            Some(first) => first.rect(),
            // Whole reductions of values computed from nothing (`full(n, 2.0).sum()`, the
            // array dropped): the first point evaluates the whole shape.
            None if !self.reductions.is_empty() && ctx.point() == ctx.domain().lo => {
                Rect::from_shape(&self.shape)
            }
            None => return Ok(()),
        };
        if rect.volume() == 0 {
            return Ok(());
        }
        // A reduction the launch gave the point's piece of its result to write (no other
        // point's piece overlaps it) folds straight into the result: the instance's
        // strides, and its piece's first element as base.
        let mut accumulators: Vec<(Type, Vec<i64>, *mut u8)> = Vec::with_capacity(along.len());
        for s in &along {
            accumulators.push(match (&s.accumulator, &s.buffer) {
                (None, Some(buffer)) => {
                    // SAFETY: `offset` is the element offset of the piece's first point
                    // inside the buffer (the piece is not empty).
                    let base = unsafe {
                        buffer
                            .ptr()
                            .offset(s.offset as isize * s.ty.size() as isize)
                    };
                    (s.ty, s.strides.to_vec(), base)
                }
                _ => (s.ty, accumulator_strides(s), std::ptr::null_mut()),
            });
        }
        let direct = accumulators.iter().any(|a| !a.2.is_null());
        let walk = Walk::new(
            &rect.shape(),
            &stores,
            ctx.inputs.len(),
            &accumulators,
            !self.is_shifted(),
        )?;
        let runs = walk.runs();
        if self.is_shifted() {
            let mut scratch = Scratch::new(self, &walk, self.taken_values(reductions));
            let point = linearize(&ctx.point(), &ctx.domain());
            let result = self.run_shifted(point, &walk, &rect, runs, &mut scratch);
            self.merge(reductions, scratch, true)?;
            return result;
        }
        match ctx.pool() {
            // Threads folding straight into the result would race: one thread does.
            Some(pool) if runs > 1 && !direct => pool.install(|| {
                // Each thread folds into running values of its own, merged at the end.
                let lens: Vec<usize> = self
                    .reductions
                    .iter()
                    .zip(reductions)
                    .map(|(r, s)| match r.along {
                        Some(_) => s.accumulator_shape().iter().product(),
                        None => 1,
                    })
                    .collect();
                (0..runs)
                    .into_par_iter()
                    .with_min_len(4)
                    .try_fold(
                        || Scratch::new(self, &walk, self.fresh_values(&lens)),
                        |mut scratch, r| self.eval(&walk, r, &mut scratch).map(|()| scratch),
                    )
                    .try_for_each(|scratch| self.merge(reductions, scratch?, false))
            }),
            _ => {
                // One thread folds straight into the point's accumulators, which go back
                // to the point whatever happens (the launch folds them after a failure too).
                let mut scratch = Scratch::new(self, &walk, self.taken_values(reductions));
                let result = (0..runs).try_for_each(|r| self.eval(&walk, r, &mut scratch));
                self.merge(reductions, scratch, true)?;
                result
            }
        }
    }

    /// Running values that start at the operators' identities: one element per whole
    /// reduction, `lens[k]` for reduction `k` along dimensions.
    fn fresh_values(&self, lens: &[usize]) -> Vec<Vec<u64>> {
        self.reductions
            .iter()
            .zip(lens)
            .map(|(r, &len)| {
                let size = r.identity.len();
                let mut acc = reduction::zeroed_words((len * size).div_ceil(8));
                reduction::fill_zeroed(
                    &mut words_as_bytes_mut(&mut acc)[..len * size],
                    &r.identity,
                );
                acc
            })
            .collect()
    }

    /// Running values for a point evaluated by one thread: the accumulators of reductions
    /// along dimensions themselves (given back by [`merge`](Self::merge)), one element at
    /// the identity for a whole reduction.
    fn taken_values(&self, stores: &[PhysicalStore]) -> Vec<Vec<u64>> {
        let mut values = self.fresh_values(&vec![1; self.reductions.len()]);
        for ((r, s), v) in self.reductions.iter().zip(stores).zip(&mut values) {
            if let (Some(_), Some(acc)) = (r.along, &s.accumulator) {
                *v = std::mem::take(&mut *lock_ignoring_poison(acc));
            }
        }
        values
    }

    /// Folds a thread's running values of the reductions into the point's accumulators;
    /// with `taken`, the values of reductions along dimensions are those accumulators
    /// (see [`taken_values`](Self::taken_values)) and go back in place.
    fn merge(
        &self,
        stores: &[PhysicalStore],
        mut scratch: Scratch,
        taken: bool,
    ) -> Result<(), TaskError> {
        for (k, r) in self.reductions.iter().enumerate() {
            let store = stores.get(k);
            if r.along.is_some() && store.is_some_and(|s| s.accumulator.is_none()) && taken {
                continue; // folded straight into the result
            }
            let acc = store
                .and_then(|s| s.accumulator.as_ref())
                .ok_or_else(|| TaskError::new("a fused reduction has no accumulator"))?;
            let mut acc = lock_ignoring_poison(acc);
            let size = r.ty.size();
            let running = &mut scratch.accs[k];
            match r.along {
                Some(_) if taken => *acc = std::mem::take(running),
                Some((op, _)) => {
                    let len = (acc.len() * 8 / size).min(running.len() * 8 / size);
                    // SAFETY: both hold `len` elements of the reduction's type, row-major
                    // over the same accumulator shape; the point's is locked.
                    unsafe {
                        reduction::fold_run(
                            r.ty,
                            op,
                            acc.as_mut_ptr() as *mut u8,
                            1,
                            &words_as_bytes(running)[..len * size],
                            len,
                        )
                    };
                    reduction::recycle_words(std::mem::take(running));
                }
                None => {
                    let running = BlockIn::new(r.ty, &words_as_bytes(running)[..size]);
                    let mut out = BlockOut {
                        ty: r.ty,
                        bytes: &mut words_as_bytes_mut(&mut acc)[..size],
                    };
                    (r.merge)(&[running], &mut out)?;
                }
            }
        }
        Ok(())
    }

    /// Evaluates run `r` of the walk: gathers the leaves, runs the nodes, writes outputs.
    fn eval(&self, walk: &Walk, r: usize, scratch: &mut Scratch) -> Result<(), TaskError> {
        let n = self.compute(walk, r, scratch)?;
        for o in 0..self.outputs.len() {
            self.write_output(walk, o, scratch, n);
        }
        Ok(())
    }

    /// Writes output `o` of the run just computed into its piece.
    fn write_output(&self, walk: &Walk, o: usize, scratch: &Scratch, n: usize) {
        let arg = &walk.args[walk.n_inputs + o];
        let size = arg.ty.size();
        let node = &self.nodes[self.outputs[o]];
        if node.direct == Some(o) && arg.inner == 1 {
            return; // written by the kernel itself
        }
        if arg.nd {
            let slot = scratch.slots[node.slot].as_ptr() as *mut u8;
            // SAFETY: the output's piece, which the analysis gives to this point alone; the
            // slot holds the run's `n` values and is only read here.
            unsafe { walk.copy_rows_sized(arg, &scratch.coords, n, slot, false) };
            return;
        }
        // SAFETY: the offset is that of an element of this point's piece of the output,
        // which the analysis gives to this point alone.
        let start = unsafe {
            arg.base
                .offset(scratch.offsets[walk.n_inputs + o] * size as isize)
        };
        // SAFETY: the slot holds the run's `n` values; the piece has `n` elements `inner`
        // apart from `start`; every input view of this storage was read for this run (other
        // overlapping views are written late, see `run_shifted`, or through a temporary).
        unsafe {
            scatter(
                scratch.slots[node.slot].as_ptr() as *const u8,
                start,
                arg.inner,
                size,
                n,
            )
        };
    }

    /// Gathers the leaves of run `r` and runs the nodes into their slots; returns the
    /// run's length.
    fn compute(&self, walk: &Walk, r: usize, scratch: &mut Scratch) -> Result<usize, TaskError> {
        let n = walk.start(r, &mut scratch.offsets, &mut scratch.coords);
        let scratch_coords = scratch.coords;
        let Scratch {
            offsets,
            leaves,
            uniform,
            slots,
            accs,
            ..
        } = scratch;
        // Where each node writes this run when it writes straight into its output: the
        // output's first element, when the run is contiguous there.
        let direct: Vec<Option<*mut u8>> = self
            .nodes
            .iter()
            .map(|node| {
                let o = walk.n_inputs + node.direct?;
                let arg = &walk.args[o];
                // SAFETY: the offset is that of an element of this point's piece of the
                // output (the walk stays inside the piece).
                (arg.inner == 1)
                    .then(|| unsafe { arg.base.offset(offsets[o] * arg.ty.size() as isize) })
            })
            .collect();
        // A leaf read in place is never borrowed as an input: the output is written there.
        let read_in_place = |i: usize| self.in_place_of[i].is_some_and(|k| direct[k].is_some());
        let mut ins: Vec<BlockIn<'_>> = Vec::with_capacity(walk.n_inputs);
        for (i, leaf) in leaves.iter_mut().enumerate() {
            let arg = &walk.args[i];
            let size = arg.ty.size();
            if read_in_place(i) {
                ins.push(BlockIn::new(arg.ty, &[]));
                continue;
            }
            // SAFETY: the offset is that of an element of this point's piece of input `i`
            // (the walk stays inside the piece), and the analysis keeps writers of the
            // piece away while the task runs.
            let start = unsafe { arg.base.offset(offsets[i] * size as isize) };
            let bytes = if arg.inner == 1 {
                // SAFETY: `n` consecutive elements of the piece start there.
                unsafe { std::slice::from_raw_parts(start as *const u8, n * size) }
            } else if arg.nd {
                let dst = &mut words_as_bytes_mut(leaf)[..n * size];
                // SAFETY: the leaf's piece, which this point reads; its scratch block holds
                // BLOCK elements, word aligned.
                unsafe { walk.copy_rows_sized(arg, &scratch_coords, n, dst.as_mut_ptr(), true) };
                &*dst
            } else if arg.inner == 0 {
                // One element repeated: the block holds it from an earlier run already
                // when that run read the same element over at least as many values.
                let dst = &mut words_as_bytes_mut(leaf)[..n * size];
                let at = start as usize;
                if !matches!(uniform[i], Some((a, m)) if a == at && m >= n) {
                    // SAFETY: element `start` of the piece, read `n` times.
                    unsafe { gather(start, 0, size, dst) };
                    uniform[i] = Some((at, n));
                }
                ins.push(BlockIn {
                    uniform: true,
                    ..BlockIn::new(arg.ty, &*dst)
                });
                continue;
            } else {
                let dst = &mut words_as_bytes_mut(leaf)[..n * size];
                // SAFETY: `n` elements of the piece start there, `inner` elements apart.
                unsafe { gather(start, arg.inner, size, dst) };
                &*dst
            };
            ins.push(BlockIn::new(arg.ty, bytes));
        }
        let slot_ptrs: Vec<*mut u8> = slots
            .iter_mut()
            .map(|s| s.as_mut_ptr() as *mut u8)
            .collect();
        // The values of an operand for this block.
        let value = |src: Src| match src {
            Src::Leaf(i) => ins[i],
            Src::Node(j) => {
                let src = &self.nodes[j];
                let at = direct[j].unwrap_or(slot_ptrs[src.slot]);
                // SAFETY: node `j` wrote its `n` values for this block there: into its
                // output (no other node writes that storage, and the mutable borrow ended
                // with its call), or into slot `src.slot`, which no node writes until its
                // last reader (node or reduction) has run, and a node's writer uses another
                // slot (see `Program::new`).
                let bytes = unsafe { std::slice::from_raw_parts(at, n * src.ty.size()) };
                BlockIn::new(src.ty, bytes)
            }
        };
        let mut operands: Vec<BlockIn<'_>> = Vec::new();
        for (node, at) in self.nodes.iter().zip(&direct) {
            operands.clear();
            operands.extend(node.args.iter().map(|&a| match a {
                Src::Leaf(i) if at.is_some() && node.in_place == Some(i) => BlockIn {
                    ty: node.ty,
                    bytes: &[],
                    in_output: true,
                    uniform: false,
                },
                _ => value(a),
            }));
            let size = node.ty.size();
            // SAFETY: either `n` consecutive elements of this point's piece of the output,
            // which the analysis gives to this point alone, and which no operand slice
            // overlaps (a leaf of that storage is the in-place one, not borrowed); or the
            // node's own slot, holding at least BLOCK elements of its type and read by
            // none of its operands (see `Program::new`).
            let bytes = unsafe {
                std::slice::from_raw_parts_mut(at.unwrap_or(slot_ptrs[node.slot]), n * size)
            };
            let mut out = BlockOut { ty: node.ty, bytes };
            (node.kernel)(&operands, &mut out)?;
        }
        for (r, acc) in self.reductions.iter().zip(accs.iter_mut()) {
            operands.clear();
            operands.extend(r.args.iter().map(|&a| value(a)));
            let size = r.ty.size();
            let bytes = words_as_bytes_mut(acc);
            let Some((op, rank)) = r.along else {
                let mut out = BlockOut {
                    ty: r.ty,
                    bytes: &mut bytes[..size],
                };
                (r.fold)(&operands, &mut out)?;
                continue;
            };
            let a = walk.accumulators + rank;
            let arg = &walk.args[a];
            let acc = match arg.base.is_null() {
                true => Acc {
                    at: bytes.as_mut_ptr(),
                    elements: bytes.len() / size,
                },
                false => Acc {
                    at: arg.base,
                    elements: arg.reach,
                },
            };
            // SAFETY: `acc` is the point's private accumulator, which this thread alone
            // holds, or the point's piece of the result, which no other point's piece
            // overlaps and which one thread folds into (see `Program::run`).
            if walk.flat {
                unsafe { self.fold_flat(r, op, &operands, acc, walk, a, &scratch_coords, n)? };
                continue;
            }
            let (at, step) = (offsets[a], arg.inner);
            // SAFETY: as above.
            unsafe { self.fold_along(r, op, &operands, acc, at, step, n)? };
        }
        Ok(n)
    }

    /// Folds the `n` values of a run (given as `operands`) into the accumulator `acc` of a
    /// reduction along dimensions, from its element `at`, `step` elements apart (0: all
    /// into that one). Out of line: the runs of other programs never get here.
    ///
    /// # Safety
    /// `acc` is an accumulator (or a piece of a result) that this thread alone folds into
    /// meanwhile.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn fold_along(
        &self,
        r: &Reduction,
        op: ReductionOp,
        operands: &[BlockIn<'_>],
        acc: Acc,
        at: isize,
        step: isize,
        n: usize,
    ) -> Result<(), TaskError> {
        let size = r.ty.size();
        let element = |i: usize| (at + i as isize * step) as usize;
        if at < 0 || acc.elements <= element(if step == 0 { 0 } else { n - 1 }) {
            return Err(TaskError::new(
                "a fused reduction's accumulator is too short",
            ));
        }
        if step == 0 {
            // SAFETY: element `at` lies in the accumulator (checked above).
            let mut out = unsafe { acc.element(r.ty, element(0)) };
            (r.fold)(operands, &mut out)?;
        } else if r.absorbed {
            // A composed fold folds whole runs: here each value alone (a piece whose
            // innermost dimension is kept although the group's is reduced).
            for i in 0..n {
                let one: Vec<BlockIn<'_>> = operands.iter().map(|b| b.element(i)).collect();
                // SAFETY: element `at + i * step` lies in the accumulator (checked above:
                // its first and last do, and the elements between them are evenly spaced).
                let mut out = unsafe { acc.element(r.ty, element(i)) };
                (r.fold)(&one, &mut out)?;
            }
        } else {
            let values = reduced_values(r, operands, n)?;
            // SAFETY: elements `at + i * step` (i < n) lie in the accumulator (checked
            // above), which this thread alone folds into; `values` holds `n` elements of
            // the same type.
            unsafe {
                reduction::fold_run(r.ty, op, acc.at.add(element(0) * size), step, values, n)
            };
        }
        Ok(())
    }

    /// Folds the `n` values of a flat run from `coords` (given as `operands`) into the
    /// accumulator `acc` of a reduction along dimensions, walked as `walk.args[a]`: row
    /// by row of the innermost dimension, each row into one element (that dimension
    /// reduced) or into a run of elements (kept), by the operator, in order. A fold that
    /// absorbed its producer is called row by row.
    ///
    /// # Safety
    /// As for [`fold_along`](Self::fold_along).
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn fold_flat(
        &self,
        r: &Reduction,
        op: ReductionOp,
        operands: &[BlockIn<'_>],
        acc: Acc,
        walk: &Walk,
        a: usize,
        coords: &[i64; MAX_DIM],
        n: usize,
    ) -> Result<(), TaskError> {
        let arg = &walk.args[a];
        let inner = walk.ndim - 1;
        let step = arg.strides[inner] as isize;
        let row = walk.extents[inner] as usize;
        let size = r.ty.size();
        let elements = acc.elements;
        // Rows that each fold into the next element of the accumulator (the innermost
        // dimension reduced, the others row-major in it, as k-means' distances are).
        let mut span = 1i64;
        let consecutive = step == 0
            && (0..inner).rev().all(|d| {
                let dense = arg.strides[d] == span;
                span *= walk.extents[d] as i64;
                dense
            });
        if consecutive && !r.absorbed {
            let at = (0..inner).map(|d| coords[d] * arg.strides[d]).sum::<i64>() as usize;
            let column = coords[inner] as usize;
            let first = if column == 0 { 0 } else { row - column };
            let reached = usize::from(first > 0) + n.saturating_sub(first).div_ceil(row);
            let values = reduced_values(r, operands, n)?;
            if at + reached > elements {
                return Err(TaskError::new(
                    "a fused reduction's accumulator is too short",
                ));
            }
            // SAFETY: elements `at..at + reached` lie in the accumulator (checked above),
            // which this thread alone folds into; `values` holds `n` elements of its type.
            unsafe {
                reduction::fold_segments(r.ty, op, acc.at.add(at * size), first, row, n, values)
            };
            return Ok(());
        }
        let mut rows: Vec<(isize, usize)> = Vec::with_capacity(n / row.max(1) + 2);
        walk.rows(arg, coords, n, |off, _, len| rows.push((off, len)));
        if r.absorbed {
            let mut done = 0;
            for &(off, len) in &rows {
                let part: Vec<BlockIn<'_>> = operands.iter().map(|b| b.slice(done, len)).collect();
                // SAFETY: forwarded from the caller.
                unsafe { self.fold_along(r, op, &part, acc, off, step, len)? };
                done += len;
            }
            return Ok(());
        }
        let inside = |&(off, len): &(isize, usize)| {
            let last = off + (len as isize - 1) * step;
            off >= 0 && last >= 0 && (off.max(last) as usize) < elements
        };
        let values = reduced_values(r, operands, n)?;
        if !rows.iter().all(inside) {
            return Err(TaskError::new(
                "a fused reduction's accumulator is too short",
            ));
        }
        // SAFETY: every element the rows address lies in the accumulator (checked above),
        // which this thread alone folds into; `values` holds the rows' `n` elements.
        unsafe { reduction::fold_rows(r.ty, op, acc.at, step, &rows, values) };
        Ok(())
    }

    /// Runs a piece whose shifted outputs overwrite values the piece itself, or its
    /// neighbours, still read: runs go in row-major order, and a run of a shifted output
    /// is written only once every run that reads its old values has been computed (a lag
    /// of a row for the stencil); the band of the piece that neighbouring pieces read goes
    /// to the side buffer instead, which the commit launch writes after every piece ran.
    fn run_shifted(
        &self,
        point: usize,
        walk: &Walk,
        piece: &Rect,
        runs: usize,
        scratch: &mut Scratch,
    ) -> Result<(), TaskError> {
        let ndim = walk.ndim;
        let extents = &walk.extents[..ndim];
        // Row-major strides of the piece (its ranks), and the band width on each side.
        let mut rank_stride = [0i64; MAX_DIM];
        let mut acc = 1i64;
        for d in (0..ndim).rev() {
            rank_stride[d] = acc;
            acc *= extents[d] as i64;
        }
        let mut lag = 0i64;
        let mut width = [0i64; MAX_DIM];
        for delta in self.shifted.iter().flatten().flatten() {
            lag = lag.max(-(0..ndim).map(|d| delta[d] * rank_stride[d]).sum::<i64>());
            for d in 0..ndim {
                width[d] = width[d].max(delta[d].abs());
            }
        }
        // A side with a neighbouring piece has a band as wide as the widest shift.
        let mut band_lo = [0i64; MAX_DIM];
        let mut band_hi = [0i64; MAX_DIM];
        for d in 0..piece.dim().min(ndim) {
            if piece.lo[d] > 0 {
                band_lo[d] = width[d];
            }
            if (piece.hi[d] as u64) < self.shape[d] {
                band_hi[d] = width[d];
            }
        }
        let band = Band {
            lo: band_lo,
            hi: band_hi,
            extents: walk.extents,
            ndim,
        };
        let mut pending: std::collections::VecDeque<Delayed> = std::collections::VecDeque::new();
        let mut free: Vec<Vec<u64>> = Vec::new();
        let mut side = Vec::new();
        for r in 0..runs {
            let n = self.compute(walk, r, scratch)?;
            let start = (0..ndim)
                .map(|d| scratch.coords[d] * rank_stride[d])
                .sum::<i64>();
            for o in 0..self.outputs.len() {
                if self.shifted[o].is_none() {
                    self.write_output(walk, o, scratch, n);
                    continue;
                }
                // The run's values leave with the slot itself, which takes a free buffer
                // in their place: they are copied once, into the output, by `commit`. A
                // node that a later output of the run also writes keeps its slot.
                let node = self.outputs[o];
                let slot = &mut scratch.slots[self.nodes[node].slot];
                let mut data = free.pop().unwrap_or_default();
                if self.outputs[o + 1..].contains(&node) {
                    let words = (n * self.nodes[node].ty.size()).div_ceil(8);
                    data.clear();
                    data.extend_from_slice(&slot[..words]);
                } else {
                    data.resize(slot.len(), 0);
                    std::mem::swap(slot, &mut data);
                }
                pending.push_back(Delayed {
                    end: start + n as i64,
                    output: o,
                    offset: scratch.offsets[walk.n_inputs + o],
                    coords: scratch.coords,
                    n,
                    data,
                });
            }
            let done = start + n as i64;
            while pending.front().is_some_and(|p| p.end + lag <= done) {
                if let Some(p) = pending.pop_front() {
                    self.commit(point, walk, &band, &p, &mut side);
                    free.push(p.data);
                }
            }
        }
        for p in pending {
            self.commit(point, walk, &band, &p, &mut side);
        }
        lock_ignoring_poison(&self.side).extend(side);
        Ok(())
    }

    /// Writes a delayed run of a shifted output: in place outside the band, to the side
    /// buffer inside it.
    fn commit(
        &self,
        point: usize,
        walk: &Walk,
        band: &Band,
        run: &Delayed,
        side: &mut Vec<SideRun>,
    ) {
        let arg = &walk.args[walk.n_inputs + run.output];
        let size = arg.ty.size();
        let bytes = words_as_bytes(&run.data);
        let (lo, hi) = band.inner_span(&run.coords, run.n);
        let mut piece = |from: usize, to: usize, in_place: bool| {
            if from >= to {
                return;
            }
            let offset = run.offset + from as isize * arg.inner;
            let data = &bytes[from * size..to * size];
            if in_place {
                // SAFETY: elements `from..to` of the run lie in this point's piece of the
                // output; every run of this piece that reads their old values has been
                // computed (the lag) and no other piece reads them (outside the band).
                unsafe {
                    scatter(
                        data.as_ptr(),
                        arg.base.offset(offset * size as isize),
                        arg.inner,
                        size,
                        to - from,
                    )
                };
            } else {
                side.push(SideRun {
                    point,
                    output: run.output,
                    offset: arg.piece_offset + offset,
                    stride: arg.inner,
                    bytes: data.to_vec(),
                });
            }
        };
        piece(0, lo, false);
        piece(lo, hi, true);
        piece(hi, run.n, false);
    }

    /// Writes what the pieces left in the side buffer (the commit launch's body).
    fn commit_side(&self, ctx: &TaskContext<'_>) -> Result<(), TaskError> {
        let point = linearize(&ctx.point(), &ctx.domain());
        let all = ctx.domain().volume() == 1;
        let mine: Vec<SideRun> = {
            let mut side = lock_ignoring_poison(&self.side);
            let (mine, rest) = std::mem::take(&mut *side)
                .into_iter()
                .partition(|r| all || r.point == point);
            *side = rest;
            mine
        };
        for run in mine {
            let store = ctx.output(run.output)?;
            let buffer = store
                .buffer
                .as_ref()
                .ok_or_else(|| TaskError::new("a shifted output has no instance"))?;
            let size = store.ty.size();
            let n = run.bytes.len() / size;
            // SAFETY: the run addresses `n` elements of the output's view inside its
            // instance, in this point's piece (computed by the fused launch's point of
            // that piece); this point writes the piece, so the analysis orders it after
            // every point of the fused launch that reads there.
            unsafe {
                scatter(
                    run.bytes.as_ptr(),
                    buffer.ptr().offset(run.offset * size as isize),
                    run.stride,
                    size,
                    n,
                )
            };
        }
        Ok(())
    }
}

/// A computed run of a shifted output, waiting until its old values have been read.
struct Delayed {
    /// The piece rank just past the run.
    end: i64,
    output: usize,
    /// Element offset of the run's start from the piece's first element.
    offset: isize,
    coords: [i64; MAX_DIM],
    n: usize,
    data: Vec<u64>,
}

/// The band of a piece that neighbouring pieces read: `lo[d]` and `hi[d]` elements at each
/// end of dimension `d`.
struct Band {
    lo: [i64; MAX_DIM],
    hi: [i64; MAX_DIM],
    extents: [u64; MAX_DIM],
    ndim: usize,
}

impl Band {
    /// The part `[lo, hi)` of a run (at `coords`, `n` long along the innermost dimension)
    /// that lies outside the band; empty when an outer coordinate is in the band.
    fn inner_span(&self, coords: &[i64; MAX_DIM], n: usize) -> (usize, usize) {
        let inner = self.ndim - 1;
        let outer = coords[..inner]
            .iter()
            .zip(&self.extents)
            .zip(self.lo.iter().zip(&self.hi));
        for ((&c, &e), (&lo, &hi)) in outer {
            if c < lo || c >= e as i64 - hi {
                return (0, 0);
            }
        }
        let (start, e) = (coords[inner], self.extents[inner] as i64);
        let lo = (self.lo[inner] - start).clamp(0, n as i64) as usize;
        let hi = (e - self.hi[inner] - start).clamp(lo as i64, n as i64) as usize;
        (lo, hi)
    }
}

/// One store of a fused point, as raw parts over its merged dimensions.
struct WalkArg {
    ty: Type,
    /// The piece's first element (null for a private accumulator).
    base: *mut u8,
    /// Its element offset in the instance.
    piece_offset: isize,
    /// For an accumulator, how many elements from its first the piece reaches.
    reach: usize,
    /// Element strides of the merged dimensions.
    strides: [i64; MAX_DIM],
    /// The stride of the innermost one; in a flat walk, 1 for a store laid out row-major
    /// over all the dimensions and 0 for one that is not (`nd`).
    inner: isize,
    /// In a flat walk, whether a run of this store crosses rows and must be gathered (or
    /// scattered) dimension by dimension.
    nd: bool,
}

/// The piece of a fused point as runs of at most [`BLOCK`] elements along the innermost
/// dimension, after merging the dimensions that every store lays out contiguously.
///
/// When that innermost dimension is short (the 2 coordinates of `points[:, None, :] -
/// centroids[None, :, :]`), the walk is *flat*: runs are consecutive blocks of the piece
/// in row-major order, crossing rows, so that the kernels still see long blocks.
struct Walk {
    /// The stores (inputs, then outputs), then the accumulators of the reductions along
    /// dimensions (offsets into the accumulator; no base).
    args: Vec<WalkArg>,
    n_inputs: usize,
    /// The index of the first accumulator in `args`.
    accumulators: usize,
    extents: [u64; MAX_DIM],
    ndim: usize,
    chunks: u64,
    flat: bool,
}

/// Innermost extents below which a walk that merges dimensions goes flat.
const FLAT_BELOW: u64 = 256;

// SAFETY: the raw pointers address the point's pieces, which the dependence analysis keeps
// from every other writer while the task runs; runs of one walk touch disjoint elements of
// the outputs, so threads of an OMP group may share the walk.
unsafe impl Send for Walk {}
// SAFETY: as above.
unsafe impl Sync for Walk {}

impl Walk {
    /// The walk of a piece of `shape` over `stores` and the `accumulators` of reductions
    /// along dimensions (their type and strides over the piece's dimensions); `merge`:
    /// merge dimensions (else keep every one, as the row-major ranks of shifted outputs
    /// need).
    fn new(
        shape: &[u64],
        stores: &[&PhysicalStore],
        n_inputs: usize,
        accumulators: &[(Type, Vec<i64>, *mut u8)],
        merge: bool,
    ) -> Result<Walk, TaskError> {
        let all: Vec<&[i64]> = stores
            .iter()
            .map(|s| &s.strides[..])
            .chain(accumulators.iter().map(|(_, st, _)| &st[..]))
            .collect();
        if all.iter().any(|st| st.len() < shape.len()) {
            return Err(TaskError::new(
                "a fused store of fewer dimensions than its piece",
            ));
        }
        let mut extents = [1u64; MAX_DIM];
        let mut strides = vec![[0i64; MAX_DIM]; all.len()];
        let mut ndim = 0;
        for (d, &e) in shape.iter().enumerate() {
            if e == 1 && merge {
                continue;
            }
            let merges = merge
                && ndim > 0
                && all
                    .iter()
                    .zip(&strides)
                    .all(|(s, st)| st[ndim - 1] == s[d] * e as i64);
            if merges {
                extents[ndim - 1] *= e;
                for (s, st) in all.iter().zip(strides.iter_mut()) {
                    st[ndim - 1] = s[d];
                }
            } else {
                extents[ndim] = e;
                for (s, st) in all.iter().zip(strides.iter_mut()) {
                    st[ndim] = s[d];
                }
                ndim += 1;
            }
        }
        if ndim == 0 {
            ndim = 1;
        }
        // Accumulators are walked as the stores are; a flat walk folds into them row by row.
        let flat = merge && ndim > 1 && extents[ndim - 1] < FLAT_BELOW;
        // Row-major strides of the walk's dimensions: a store with these is contiguous
        // across rows.
        let mut dense_strides = [0i64; MAX_DIM];
        let mut acc = 1i64;
        for d in (0..ndim).rev() {
            dense_strides[d] = acc;
            acc *= extents[d] as i64;
        }
        let mut args = Vec::with_capacity(all.len());
        for (s, &st) in stores.iter().zip(&strides) {
            if s.rect().shape() != shape {
                return Err(TaskError::new(
                    "fused stores with pieces of different shapes",
                ));
            }
            let buffer = s
                .buffer
                .as_ref()
                .ok_or_else(|| TaskError::new("a fused store has no instance"))?;
            // SAFETY: `offset` is the element offset of the piece's first point inside the
            // buffer (the piece is not empty).
            let base = unsafe {
                buffer
                    .ptr()
                    .offset(s.offset as isize * s.ty.size() as isize)
            };
            let nd = flat && st[..ndim] != dense_strides[..ndim];
            let inner = match (flat, nd) {
                (false, _) => st[ndim - 1] as isize,
                (true, false) => 1,
                (true, true) => 0,
            };
            args.push(WalkArg {
                ty: s.ty,
                base,
                piece_offset: s.offset as isize,
                reach: 0,
                strides: st,
                inner,
                nd,
            });
        }
        let chunks = if flat {
            extents[..ndim]
                .iter()
                .product::<u64>()
                .div_ceil(BLOCK as u64)
        } else {
            extents[ndim - 1].div_ceil(BLOCK as u64)
        };
        for (&(ty, _, base), st) in accumulators.iter().zip(&strides[stores.len()..]) {
            if !base.is_null() && st[..ndim].iter().any(|&s| s < 0) {
                return Err(TaskError::new(
                    "a fused reduction into its result through a reversed view",
                ));
            }
            let reach = 1
                + (0..ndim)
                    .map(|d| (extents[d] as i64 - 1) * st[d])
                    .sum::<i64>() as usize;
            args.push(WalkArg {
                ty,
                base,
                piece_offset: 0,
                reach,
                strides: *st,
                inner: st[ndim - 1] as isize,
                nd: false,
            });
        }
        Ok(Walk {
            args,
            n_inputs,
            accumulators: stores.len(),
            extents,
            ndim,
            chunks,
            flat,
        })
    }

    fn runs(&self) -> usize {
        if self.flat {
            return self.chunks as usize;
        }
        let outer: u64 = self.extents[..self.ndim - 1].iter().product();
        (outer * self.chunks) as usize
    }

    /// The first point of flat run `r` and its length.
    fn start_flat(&self, r: usize, offsets: &mut [isize], coords: &mut [i64; MAX_DIM]) -> usize {
        let first = r as u64 * BLOCK as u64;
        let total: u64 = self.extents[..self.ndim].iter().product();
        let mut rest = first;
        for d in (0..self.ndim).rev() {
            coords[d] = (rest % self.extents[d]) as i64;
            rest /= self.extents[d];
        }
        for (a, off) in self.args.iter().zip(offsets.iter_mut()) {
            *off = (0..self.ndim)
                .map(|d| coords[d] * a.strides[d])
                .sum::<i64>() as isize;
        }
        (total - first).min(BLOCK as u64) as usize
    }

    /// Copies the `n` elements of a flat run from `coords` between store `a` (its piece
    /// at `base`) and the contiguous block `block`: into the block when `gather`, else out
    /// of it. The run crosses rows of the innermost dimension; the offset of each row is
    /// carried from the last, like an odometer.
    ///
    /// # Safety
    /// `base` is the first element of `a`'s piece, of elements of `W`'s size, which this
    /// point may read (and, to scatter, write alone); `block` holds `n` elements.
    unsafe fn copy_rows<W: Copy>(
        &self,
        a: &WalkArg,
        base: *mut W,
        coords: &[i64; MAX_DIM],
        n: usize,
        block: *mut W,
        gather: bool,
    ) {
        let stride = a.strides[self.ndim - 1] as isize;
        self.rows(a, coords, n, |off, done, len| {
            // SAFETY (both loops): the row's `len` elements from `off` lie in the piece
            // (the walk stays inside it), and `done + k < n` in the block.
            let (row, at) = unsafe { (base.offset(off), block.add(done)) };
            if gather {
                for k in 0..len {
                    unsafe {
                        at.add(k)
                            .write(row.offset(k as isize * stride).read_unaligned())
                    };
                }
            } else {
                for k in 0..len {
                    unsafe {
                        row.offset(k as isize * stride)
                            .write_unaligned(at.add(k).read())
                    };
                }
            }
        });
    }

    /// The rows of the innermost dimension that the `n` points of a flat run from
    /// `coords` cross, in order: `f(offset, done, len)` for each, with `offset` the
    /// element offset in store (or accumulator) `a` of the row's first point of the run,
    /// relative to the piece's first element, and `done` the points of the run before
    /// it. The offset is carried from row to row, like an odometer.
    fn rows(
        &self,
        a: &WalkArg,
        coords: &[i64; MAX_DIM],
        n: usize,
        mut f: impl FnMut(isize, usize, usize),
    ) {
        let inner = self.ndim - 1;
        let stride = a.strides[inner] as isize;
        let mut c = *coords;
        let mut off = (0..self.ndim).map(|d| c[d] * a.strides[d]).sum::<i64>() as isize;
        let mut done = 0usize;
        while done < n {
            let len = ((self.extents[inner] as i64 - c[inner]) as usize).min(n - done);
            f(off, done, len);
            done += len;
            off -= c[inner] as isize * stride;
            c[inner] = 0;
            let mut d = inner;
            while d > 0 {
                d -= 1;
                c[d] += 1;
                off += a.strides[d] as isize;
                if (c[d] as u64) < self.extents[d] {
                    break;
                }
                off -= self.extents[d] as isize * a.strides[d] as isize;
                c[d] = 0;
            }
        }
    }

    /// [`copy_rows`](Self::copy_rows) for elements of `size` bytes.
    ///
    /// # Safety
    /// As for `copy_rows`; `block` is aligned for 8-byte words and holds `n * size` bytes.
    unsafe fn copy_rows_sized(
        &self,
        a: &WalkArg,
        coords: &[i64; MAX_DIM],
        n: usize,
        block: *mut u8,
        gather: bool,
    ) {
        macro_rules! typed {
            ($t:ty) => {
                // SAFETY: forwarded from the caller.
                unsafe { self.copy_rows(a, a.base as *mut $t, coords, n, block as *mut $t, gather) }
            };
        }
        match a.ty.size() {
            1 => typed!(u8),
            2 => typed!(u16),
            4 => typed!(u32),
            8 => typed!(u64),
            _ => typed!(u128),
        }
    }

    /// The element offset of every store at the start of run `r`, relative to its piece's
    /// first element, and the run's first point in the walk's dimensions; returns its
    /// length.
    fn start(&self, r: usize, offsets: &mut [isize], coords: &mut [i64; MAX_DIM]) -> usize {
        if self.flat {
            return self.start_flat(r, offsets, coords);
        }
        let r = r as u64;
        let (mut outer, chunk) = (r / self.chunks, r % self.chunks);
        let inner = self.ndim - 1;
        let first = chunk * BLOCK as u64;
        coords[inner] = first as i64;
        for (a, off) in self.args.iter().zip(offsets.iter_mut()) {
            *off = (first as i64 * a.strides[inner]) as isize;
        }
        for d in (0..inner).rev() {
            let i = (outer % self.extents[d]) as i64;
            coords[d] = i;
            outer /= self.extents[d];
            for (a, off) in self.args.iter().zip(offsets.iter_mut()) {
                *off += (i * a.strides[d]) as isize;
            }
        }
        (self.extents[inner] - first).min(BLOCK as u64) as usize
    }
}

/// The `n` values a reduction that did not absorb its producer folds: its one operand's
/// bytes, checked to be `n` elements of the reduction's type.
fn reduced_values<'b>(
    r: &Reduction,
    operands: &[BlockIn<'b>],
    n: usize,
) -> Result<&'b [u8], TaskError> {
    let [values] = operands else {
        return Err(TaskError::new("a fused reduction with several operands"));
    };
    let bytes = n * r.ty.size();
    if values.bytes.len() < bytes || values.ty != r.ty {
        return Err(TaskError::new("a fused reduction's values do not match"));
    }
    Ok(&values.bytes[..bytes])
}

/// Where a reduction along dimensions folds: the first element of a point's private
/// accumulator, or of its piece of the result, and how many elements from there the
/// piece reaches.
#[derive(Clone, Copy)]
struct Acc {
    at: *mut u8,
    elements: usize,
}

impl Acc {
    /// Element `e` as the output of a block fold.
    ///
    /// # Safety
    /// `e < self.elements`, and no one else reads or writes the element meanwhile.
    unsafe fn element<'a>(self, ty: Type, e: usize) -> BlockOut<'a> {
        let size = ty.size();
        // SAFETY: element `e` of the accumulator, held alone (the caller's guarantee).
        let bytes = unsafe { std::slice::from_raw_parts_mut(self.at.add(e * size), size) };
        BlockOut { ty, bytes }
    }
}

/// Buffers of one thread evaluating a fused program: one block per slot and per leaf.
struct Scratch {
    offsets: Vec<isize>,
    coords: [i64; MAX_DIM],
    /// Gathered values of strided leaves.
    leaves: Vec<Vec<u64>>,
    /// For each leaf that repeats one element along a run, the address of the element its
    /// block holds and how many copies (so a 0-d operand is gathered once per thread, not
    /// once per run).
    uniform: Vec<Option<(usize, usize)>>,
    slots: Vec<Vec<u64>>,
    /// The running value of each reduction: one element for a whole reduction, the
    /// piece's accumulator (row-major) for one along dimensions.
    accs: Vec<Vec<u64>>,
}

impl Scratch {
    /// A thread's buffers, with `accs` the running values of the program's reductions.
    fn new(program: &Program, walk: &Walk, accs: Vec<Vec<u64>>) -> Scratch {
        let words = |ty: Type| (BLOCK * ty.size()).div_ceil(8);
        Scratch {
            offsets: vec![0; walk.args.len()],
            coords: [0; MAX_DIM],
            leaves: walk.args[..walk.n_inputs]
                .iter()
                .map(|a| {
                    if a.inner == 1 {
                        Vec::new()
                    } else {
                        vec![0; words(a.ty)]
                    }
                })
                .collect(),
            uniform: vec![None; walk.n_inputs],
            slots: program.slots.iter().map(|&ty| vec![0; words(ty)]).collect(),
            accs,
        }
    }
}

/// The strides of a reduction's accumulator over the dimensions of its piece: row-major
/// over [`PhysicalStore::accumulator_shape`], 0 along the dimensions the view broadcasts.
fn accumulator_strides(store: &PhysicalStore) -> Vec<i64> {
    let shape = store.accumulator_shape();
    let mut strides = vec![0i64; shape.len()];
    let mut step = 1i64;
    for d in (0..shape.len()).rev() {
        if store.strides.get(d) != Some(&0) {
            strides[d] = step;
        }
        step *= shape[d] as i64;
    }
    strides
}

/// Checks that a block of `ty` at `ptr` can be seen as elements of `T`.
fn check_elements<T: Element>(ty: Type, ptr: *const u8) -> Result<(), TaskError> {
    check_type::<T>(ty)?;
    if ptr.align_offset(std::mem::align_of::<T>()) != 0 {
        return Err(TaskError::new(
            "a block is not aligned for its element type",
        ));
    }
    Ok(())
}

fn words_as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding and u8 no alignment; the length covers the same memory.
    unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, words.len() * 8) }
}

fn words_as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: u64 has no padding and u8 no alignment; the length covers the same memory.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, words.len() * 8) }
}

/// Copies `dst.len() / size` elements of `size` bytes, `stride` elements apart from `src`,
/// into `dst`.
///
/// # Safety
/// Every element read lies in one live allocation that nobody writes meanwhile.
unsafe fn gather(src: *const u8, stride: isize, size: usize, dst: &mut [u8]) {
    macro_rules! typed {
        ($t:ty) => {{
            let s = src as *const $t;
            for (k, d) in dst.chunks_exact_mut(size).enumerate() {
                // SAFETY: element `k` of the strided run (caller's contract); unaligned
                // reads need no alignment.
                let v = unsafe { s.offset(k as isize * stride).read_unaligned() };
                d.copy_from_slice(&v.to_ne_bytes());
            }
        }};
    }
    match size {
        1 => typed!(u8),
        2 => typed!(u16),
        4 => typed!(u32),
        8 => typed!(u64),
        _ => typed!(u128),
    }
}

/// Writes `n` elements of `size` bytes from `src` (contiguous) to `dst`, `stride` elements
/// apart.
///
/// # Safety
/// `src` holds `n` elements; every element written lies in one live allocation that only
/// this caller accesses, and does not overlap `src`.
unsafe fn scatter(src: *const u8, dst: *mut u8, stride: isize, size: usize, n: usize) {
    if stride == 1 {
        // SAFETY: caller's contract, contiguous case.
        unsafe { std::ptr::copy_nonoverlapping(src, dst, n * size) };
        return;
    }
    macro_rules! typed {
        ($t:ty) => {{
            let (s, d) = (src as *const $t, dst as *mut $t);
            for k in 0..n as isize {
                // SAFETY: element `k` of both runs (caller's contract).
                unsafe {
                    d.offset(k * stride)
                        .write_unaligned(s.offset(k).read_unaligned())
                };
            }
        }};
    }
    match size {
        1 => typed!(u8),
        2 => typed!(u16),
        4 => typed!(u32),
        8 => typed!(u64),
        _ => typed!(u128),
    }
}

/// Kernels of the runtime's own element-wise operations.
pub(crate) mod kernels {
    use super::*;
    use crate::types::Scalar;

    /// `out = in`: moves the bytes.
    pub(crate) fn copy() -> BlockKernel {
        Arc::new(|ins: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
            let src = ins
                .first()
                .ok_or_else(|| TaskError::new("copy without a source"))?;
            out.bytes_mut().copy_from_slice(src.bytes());
            Ok(())
        })
    }

    /// `out = value` (already of the output's type).
    pub(crate) fn fill(value: Scalar) -> BlockKernel {
        Arc::new(move |_: &[BlockIn<'_>], out: &mut BlockOut<'_>| {
            let v = value.as_bytes();
            let size = v.len();
            if size == 8 {
                let w = u64::from_ne_bytes(v.try_into().map_err(|_| TaskError::new("fill"))?);
                for d in out.bytes_mut().chunks_exact_mut(8) {
                    d.copy_from_slice(&w.to_ne_bytes());
                }
            } else {
                for d in out.bytes_mut().chunks_exact_mut(size) {
                    d.copy_from_slice(v);
                }
            }
            Ok(())
        })
    }
}
