//! Libraries, task registration and what a task body sees: its [`TaskContext`].

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use legate_mapper::VariantKind;
use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, ShapeBuilder};

use crate::error::{Error, Result};
use crate::geometry::{Point, Rect, MAX_DIM};
use crate::memory::Buffer;
use crate::reduction::ReductionOp;
use crate::store::{check_type, lock_ignoring_poison};
use crate::types::{Element, Scalar, Type};

/// The error a task body returns; it becomes [`Error::TaskFailed`] at the next wait.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskError {
    message: String,
}

impl TaskError {
    /// A failure described in words.
    pub fn new(message: impl Into<String>) -> Self {
        TaskError {
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TaskError {}

impl From<Error> for TaskError {
    fn from(e: Error) -> Self {
        TaskError::new(e.to_string())
    }
}

/// A task body: runs one point of a launch.
pub type TaskBody = Arc<dyn Fn(&mut TaskContext<'_>) -> Result<(), TaskError> + Send + Sync>;

/// A task: a name and up to three variants.
///
/// ```
/// use legate_core::{TaskDef, TaskContext, TaskError};
/// fn noop(_ctx: &mut TaskContext<'_>) -> Result<(), TaskError> { Ok(()) }
/// let def = TaskDef::new("noop").cpu(noop).omp(noop);
/// assert_eq!(def.name(), "noop");
/// ```
#[derive(Clone)]
pub struct TaskDef {
    name: String,
    cpu: Option<TaskBody>,
    omp: Option<TaskBody>,
    gpu: Option<TaskBody>,
    /// The variants registered, kept for the mapper.
    variants: Vec<VariantKind>,
    /// Whether a one-point launch may run on the issuing thread.
    inline_ok: bool,
    /// Whether the body itself reads every old value of an output that an input view
    /// overlaps before writing it (fused shifted outputs), so no copy of the input is taken.
    pub(crate) orders_overlaps: bool,
    /// Whether every point writes every element of its output pieces.
    writes_whole_outputs: bool,
}

impl TaskDef {
    /// A task with no variant yet.
    pub fn new(name: impl Into<String>) -> Self {
        TaskDef {
            name: name.into(),
            cpu: None,
            omp: None,
            gpu: None,
            variants: Vec::new(),
            inline_ok: true,
            orders_overlaps: false,
            writes_whole_outputs: false,
        }
    }

    /// Sets the CPU variant (runs on one core).
    pub fn cpu(
        mut self,
        body: impl Fn(&mut TaskContext<'_>) -> Result<(), TaskError> + Send + Sync + 'static,
    ) -> Self {
        self.cpu = Some(Arc::new(body));
        self.variants = self.variants();
        self
    }

    /// Sets the OMP variant (runs on a group of cores: use [`TaskContext::pool`]).
    pub fn omp(
        mut self,
        body: impl Fn(&mut TaskContext<'_>) -> Result<(), TaskError> + Send + Sync + 'static,
    ) -> Self {
        self.omp = Some(Arc::new(body));
        self.variants = self.variants();
        self
    }

    /// Sets the GPU variant.
    pub fn gpu(
        mut self,
        body: impl Fn(&mut TaskContext<'_>) -> Result<(), TaskError> + Send + Sync + 'static,
    ) -> Self {
        self.gpu = Some(Arc::new(body));
        self.variants = self.variants();
        self
    }

    /// Never runs the task on the issuing thread (for bodies that block or take long).
    pub fn never_inline(mut self) -> Self {
        self.inline_ok = false;
        self
    }

    /// Promises that every point, in every variant, writes every element of its output
    /// pieces (those it gets write-only, through [`TaskContext::output`]) and reads none it
    /// has not written. The runtime may then give a fresh output, whose first use is this
    /// task writing all of it, recycled memory of unspecified contents instead of zeroed
    /// memory: in a loop of `c = a + b` the pass that zeroes each new result disappears.
    ///
    /// Where a point fails, the runtime zeroes its pieces of such outputs; boolean outputs
    /// are always zeroed first.
    ///
    /// ```
    /// use legate_core::{TaskContext, TaskDef};
    /// let def = TaskDef::new("ones")
    ///     .cpu(|ctx: &mut TaskContext<'_>| {
    ///         ctx.output(0)?.write::<f64>()?.fill(1.0);
    ///         Ok(())
    ///     })
    ///     .writes_whole_outputs();
    /// assert_eq!(def.name(), "ones");
    /// ```
    pub fn writes_whole_outputs(mut self) -> Self {
        self.writes_whole_outputs = true;
        self
    }

    pub(crate) fn overwrites_outputs(&self) -> bool {
        self.writes_whole_outputs
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn inline_ok(&self) -> bool {
        self.inline_ok
    }

    /// The variants registered.
    pub fn variants(&self) -> Vec<VariantKind> {
        let mut v = Vec::new();
        if self.cpu.is_some() {
            v.push(VariantKind::Cpu);
        }
        if self.omp.is_some() {
            v.push(VariantKind::Omp);
        }
        if self.gpu.is_some() {
            v.push(VariantKind::Gpu);
        }
        v
    }

    pub(crate) fn variant_list(&self) -> &[VariantKind] {
        &self.variants
    }

    pub(crate) fn body(&self, variant: VariantKind) -> Option<&TaskBody> {
        match variant {
            VariantKind::Cpu => self.cpu.as_ref(),
            VariantKind::Omp => self.omp.as_ref(),
            VariantKind::Gpu => self.gpu.as_ref(),
        }
    }
}

pub(crate) struct LibraryInner {
    pub(crate) name: String,
    tasks: RwLock<HashMap<u32, Arc<TaskDef>>>,
}

/// A library: a name and a registry of tasks.
#[derive(Clone)]
pub struct Library {
    pub(crate) inner: Arc<LibraryInner>,
}

impl Library {
    pub(crate) fn new(name: &str) -> Self {
        Library {
            inner: Arc::new(LibraryInner {
                name: name.to_string(),
                tasks: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The library's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Registers `def` under `task_id`; an id registered twice is an error.
    pub fn register_task(&self, task_id: u32, def: TaskDef) -> Result<()> {
        if def.variants().is_empty() {
            return Err(Error::invalid(format!(
                "task {} has no variant",
                def.name()
            )));
        }
        let mut tasks = self.inner.tasks.write().unwrap_or_else(|e| e.into_inner());
        if tasks.contains_key(&task_id) {
            return Err(Error::invalid(format!(
                "library {} already has a task {task_id}",
                self.name()
            )));
        }
        tasks.insert(task_id, Arc::new(def));
        Ok(())
    }

    /// The task registered under `task_id`.
    pub fn task(&self, task_id: u32) -> Result<Arc<TaskDef>> {
        let tasks = self.inner.tasks.read().unwrap_or_else(|e| e.into_inner());
        tasks
            .get(&task_id)
            .cloned()
            .ok_or_else(|| Error::UnknownTask {
                library: self.name().to_string(),
                task_id,
            })
    }
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Library({})", self.name())
    }
}

/// The access a task has to one of its stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Write only (values not read are undefined to the task).
    Write,
    /// Read and write.
    ReadWrite,
    /// Reduce with an operator into a private accumulator that starts at the identity.
    Reduce(ReductionOp),
}

/// The allocation under a piece, kept alive while held (see [`PhysicalStore::memory`]).
#[derive(Clone)]
pub struct PieceMemory {
    _buffer: Arc<Buffer>,
}

impl fmt::Debug for PieceMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PieceMemory")
    }
}

/// One store of one point task: its piece, mapped to memory.
pub struct PhysicalStore {
    pub(crate) ty: Type,
    pub(crate) buffer: Option<Arc<Buffer>>,
    /// Private accumulator of a reduction (row-major over the piece, with extent 1 along
    /// the dimensions the view broadcasts: see [`accumulator_shape`](Self::accumulator_shape)),
    /// in 8-byte words so that every element type is aligned.
    pub(crate) accumulator: Option<Mutex<Vec<u64>>>,
    /// Element offset of the piece's first point, and element strides per dimension.
    pub(crate) offset: i64,
    pub(crate) strides: Arc<[i64]>,
    pub(crate) rect: Rect,
    pub(crate) access: Access,
    /// Set when an input is the very store of an output: read it through the output.
    pub(crate) aliased_output: Option<usize>,
    borrowed_mut: AtomicBool,
    pub(crate) bound: Option<Mutex<Option<Vec<u8>>>>,
}

/// The extents of a reduction accumulator over `rect` of a view with `strides`: 1 where
/// the view broadcasts (an empty piece keeps an empty accumulator).
fn accumulator_extents(rect: &Rect, strides: &[i64]) -> Vec<usize> {
    rect.shape()
        .iter()
        .zip(strides)
        .map(|(&e, &s)| if s == 0 && e > 0 { 1 } else { e as usize })
        .collect()
}

impl PhysicalStore {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        ty: Type,
        buffer: Option<Arc<Buffer>>,
        offset: i64,
        strides: Arc<[i64]>,
        rect: Rect,
        access: Access,
        unbound: bool,
    ) -> Result<Self> {
        let accumulator = match access {
            Access::Reduce(op) => {
                let volume: usize = accumulator_extents(&rect, &strides).iter().product();
                let bytes = volume * ty.size();
                let mut acc = crate::reduction::zeroed_words(bytes.div_ceil(8));
                crate::reduction::fill_identity(
                    ty,
                    op,
                    &mut words_as_bytes_mut(&mut acc)[..bytes],
                )?;
                Some(Mutex::new(acc))
            }
            _ => None,
        };
        Ok(PhysicalStore {
            ty,
            buffer,
            accumulator,
            offset,
            strides,
            rect,
            access,
            aliased_output: None,
            borrowed_mut: AtomicBool::new(false),
            bound: unbound.then(|| Mutex::new(None)),
        })
    }

    /// The element type.
    pub fn ty(&self) -> Type {
        self.ty
    }

    /// For an input that is the very store of an output (an in-place operation: the same
    /// view, cut the same way), that output's index: the task reads the values through the
    /// output's [`write`](Self::write) view, which holds them, and `read` refuses.
    pub fn aliased_output(&self) -> Option<usize> {
        self.aliased_output
    }

    /// The piece, in the store's coordinates.
    pub fn rect(&self) -> Rect {
        self.rect
    }

    /// What keeps the memory under this piece allocated while it is held, for a view of
    /// the piece handed to code that may outlive the task (a NumPy array given to a Python
    /// task body). `None` for a reduction's private accumulator and an unbound output,
    /// which live with the task alone.
    ///
    /// Holding it keeps the bytes, not their meaning: once the task has returned, later
    /// tasks may write them.
    pub fn memory(&self) -> Option<PieceMemory> {
        if self.accumulator.is_some() || self.bound.is_some() {
            return None;
        }
        self.buffer.clone().map(|b| PieceMemory { _buffer: b })
    }

    /// The extents of the piece.
    pub fn shape(&self) -> Vec<usize> {
        self.rect.shape().iter().map(|&e| e as usize).collect()
    }

    /// The access the task has.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The extents of a reduction's private accumulator: the piece's, except 1 along
    /// each dimension the view broadcasts (stride 0), where every point reduces into the
    /// same element (`sum(x, axis=1)` reduces into the result promoted to `x`'s shape).
    /// The piece's extents for any other store.
    pub fn accumulator_shape(&self) -> Vec<usize> {
        match self.access {
            Access::Reduce(_) => accumulator_extents(&self.rect, &self.strides),
            _ => self.shape(),
        }
    }

    /// Number of elements of the piece.
    pub fn volume(&self) -> usize {
        self.rect.volume() as usize
    }

    /// Whether this is an unbound output, to be given its data with [`bind_data`](Self::bind_data).
    pub fn is_unbound(&self) -> bool {
        self.bound.is_some()
    }

    fn check<T: Element>(&self) -> Result<()> {
        check_type::<T>(self.ty)
    }

    /// The piece as a pointer to its lowest-addressed element and non-negative strides.
    fn raw_parts(&self) -> Result<RawParts> {
        let buffer = self
            .buffer
            .as_ref()
            .ok_or_else(|| Error::invalid("store has no data (unbound output: use bind_data)"))?;
        let n = self.rect.dim();
        let mut shape = [0usize; MAX_DIM];
        let mut strides = [0usize; MAX_DIM];
        let mut flipped = 0u8;
        let mut low = self.offset;
        for d in 0..n {
            let (s, e) = (self.strides[d], self.rect.extent(d) as usize);
            shape[d] = e;
            if s < 0 && e > 0 {
                low += s * (e as i64 - 1);
                flipped |= 1 << d;
            }
            strides[d] = s.unsigned_abs() as usize;
        }
        let volume: usize = shape[..n].iter().product();
        let ptr = if volume == 0 {
            buffer.ptr()
        } else {
            // SAFETY: `low` is the offset of an element of the piece, inside the buffer.
            unsafe { buffer.ptr().add(low as usize * self.ty.size()) }
        };
        Ok(RawParts {
            ptr,
            n,
            shape,
            strides,
            flipped,
        })
    }

    /// A read-only view of the piece.
    pub fn read<T: Element>(&self) -> Result<ArrayViewD<'_, T>> {
        self.check::<T>()?;
        if let Some(o) = self.aliased_output {
            return Err(Error::invalid(format!(
                "this input is also output {o}: read it through the output's read_write view"
            )));
        }
        if matches!(self.access, Access::Write | Access::Reduce(_)) {
            return Err(Error::invalid("store was not passed as an input"));
        }
        if self.borrowed_mut.load(Ordering::Acquire) {
            return Err(Error::invalid("store is already borrowed mutably"));
        }
        if self.volume() == 0 {
            let dangling = std::ptr::NonNull::<T>::dangling().as_ptr();
            // SAFETY: an empty view reads no element; the pointer is aligned and non-null.
            return Ok(unsafe {
                ArrayViewD::from_shape_ptr(IxDyn(&self.shape()), dangling as *const T)
            });
        }
        let RawParts {
            ptr,
            n,
            shape,
            strides,
            flipped,
        } = self.raw_parts()?;
        // SAFETY: the analysis guarantees no task writes the piece while this one reads it;
        // the pointer and strides describe elements of one live allocation of type T.
        let mut v = unsafe {
            ArrayViewD::from_shape_ptr(
                IxDyn(&shape[..n]).strides(IxDyn(&strides[..n])),
                ptr as *const T,
            )
        };
        for d in (0..n).filter(|d| flipped & (1 << d) != 0) {
            v.invert_axis(Axis(d));
        }
        Ok(v)
    }

    /// A mutable view of the piece (outputs), or of the private accumulator (reductions,
    /// of [`accumulator_shape`](Self::accumulator_shape)). Each store can be borrowed
    /// mutably once per task.
    pub fn write<T: Element>(&self) -> Result<ArrayViewMutD<'_, T>> {
        self.check::<T>()?;
        if self.access == Access::Read {
            return Err(Error::invalid("store was passed as an input only"));
        }
        if self.borrowed_mut.swap(true, Ordering::AcqRel) {
            return Err(Error::invalid("store is already borrowed mutably"));
        }
        if self.volume() == 0 {
            let dangling = std::ptr::NonNull::<T>::dangling().as_ptr();
            // SAFETY: an empty view writes no element; the pointer is aligned and non-null.
            return Ok(unsafe { ArrayViewMutD::from_shape_ptr(IxDyn(&self.shape()), dangling) });
        }
        if let Some(acc) = &self.accumulator {
            let mut acc = lock_ignoring_poison(acc);
            // 8-byte words: aligned for every element type.
            let ptr = acc.as_mut_ptr() as *mut T;
            let shape = self.accumulator_shape();
            // SAFETY: the accumulator is private to this point task, row-major, holds one
            // element of T per point of its shape and lives as long as `self`; it is borrowed once.
            return Ok(unsafe { ArrayViewMutD::from_shape_ptr(IxDyn(&shape), ptr) });
        }
        let RawParts {
            ptr,
            n,
            shape,
            strides,
            flipped,
        } = self.raw_parts()?;
        // SAFETY: the analysis gives this point task exclusive access to its piece of an
        // output (outputs are disjoint across points and never aliased by broadcast views),
        // and this store is borrowed mutably only once.
        let mut v = unsafe {
            ArrayViewMutD::from_shape_ptr(
                IxDyn(&shape[..n]).strides(IxDyn(&strides[..n])),
                ptr as *mut T,
            )
        };
        for d in (0..n).filter(|d| flipped & (1 << d) != 0) {
            v.invert_axis(Axis(d));
        }
        Ok(v)
    }

    /// The value of a single-element input.
    pub fn scalar<T: Element>(&self) -> Result<T> {
        let v = self.read::<T>()?;
        if v.len() != 1 {
            return Err(Error::invalid(format!(
                "piece of shape {:?} is not a single value",
                v.shape()
            )));
        }
        v.iter()
            .next()
            .copied()
            .ok_or_else(|| Error::internal("empty single value"))
    }

    /// Gives an unbound output its data for this point (once).
    pub fn bind_data<T: Element>(&self, data: Vec<T>) -> Result<()> {
        self.check::<T>()?;
        let slot = self
            .bound
            .as_ref()
            .ok_or_else(|| Error::invalid("bind_data on a store that is not an unbound output"))?;
        let mut slot = lock_ignoring_poison(slot);
        if slot.is_some() {
            return Err(Error::invalid("bind_data called twice"));
        }
        *slot = Some(crate::memory::elements_as_bytes(&data).to_vec());
        Ok(())
    }
}

/// The bytes of a slice of words.
pub(crate) fn words_as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding and u8 no alignment; the length covers the same memory.
    unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, words.len() * 8) }
}

fn words_as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: as in `words_as_bytes`, with the exclusive borrow carried over.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, words.len() * 8) }
}

/// A piece as ndarray wants it: the lowest-addressed element, non-negative strides and
/// the dimensions to flip back (those whose strides were negative).
struct RawParts {
    ptr: *mut u8,
    n: usize,
    shape: [usize; MAX_DIM],
    strides: [usize; MAX_DIM],
    /// Bit `d` set: dimension `d` had a negative stride.
    flipped: u8,
}

/// What a task body sees: its point, the launch domain, its stores and scalar arguments.
pub struct TaskContext<'a> {
    pub(crate) point: Point,
    pub(crate) domain: Rect,
    pub(crate) inputs: &'a [PhysicalStore],
    pub(crate) outputs: &'a [PhysicalStore],
    pub(crate) reductions: &'a [PhysicalStore],
    pub(crate) scalars: &'a [Scalar],
    pub(crate) pool: Option<&'a rayon::ThreadPool>,
    pub(crate) processor: Option<legate_mapper::Processor>,
    pub(crate) variant: VariantKind,
    pub(crate) task_name: &'a str,
}

impl<'a> TaskContext<'a> {
    /// The point of the launch domain this task runs.
    pub fn point(&self) -> Point {
        self.point
    }

    /// The launch domain.
    pub fn domain(&self) -> Rect {
        self.domain
    }

    /// Whether the launch has a single point.
    pub fn is_single_point(&self) -> bool {
        self.domain.volume() == 1
    }

    /// The name of the task.
    pub fn task_name(&self) -> &str {
        self.task_name
    }

    /// The variant running.
    pub fn variant(&self) -> VariantKind {
        self.variant
    }

    /// The processor running this point: a CPU worker or an OMP group; `None` when a
    /// one-point task runs on the issuing thread.
    pub fn processor(&self) -> Option<legate_mapper::Processor> {
        self.processor
    }

    /// The threads of this task's OMP group (only for the OMP variant).
    pub fn pool(&self) -> Option<&'a rayon::ThreadPool> {
        self.pool
    }

    /// Input `i`, in the order they were added.
    pub fn input(&self, i: usize) -> Result<&'a PhysicalStore> {
        self.inputs
            .get(i)
            .ok_or_else(|| arg_error("input", i, self.inputs.len()))
    }

    /// Output `i`.
    pub fn output(&self, i: usize) -> Result<&'a PhysicalStore> {
        self.outputs
            .get(i)
            .ok_or_else(|| arg_error("output", i, self.outputs.len()))
    }

    /// Reduction `i`.
    pub fn reduction(&self, i: usize) -> Result<&'a PhysicalStore> {
        self.reductions
            .get(i)
            .ok_or_else(|| arg_error("reduction", i, self.reductions.len()))
    }

    /// Number of inputs.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// Number of outputs.
    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Number of reductions.
    pub fn num_reductions(&self) -> usize {
        self.reductions.len()
    }

    /// Scalar argument `i`.
    pub fn scalar(&self, i: usize) -> Result<Scalar> {
        self.scalars
            .get(i)
            .copied()
            .ok_or_else(|| arg_error("scalar argument", i, self.scalars.len()))
    }

    /// Scalar argument `i` as a `T`.
    pub fn scalar_value<T: Element>(&self, i: usize) -> Result<T> {
        self.scalar(i)?.get::<T>()
    }

    /// Number of scalar arguments.
    pub fn num_scalars(&self) -> usize {
        self.scalars.len()
    }
}

fn arg_error(what: &str, i: usize, n: usize) -> Error {
    Error::invalid(format!("task has {n} {what}(s), asked for number {i}"))
}
