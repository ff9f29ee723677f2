//! Storages (the roots that own data) and logical stores (views of them).

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use ndarray::{ArrayD, IxDyn};

use crate::analysis::StorageState;
use crate::coherence::{CopyRequest, Mask, ValidityMap, MAX_INSTANCES};
use crate::error::{Error, Result};
use crate::geometry::{Rect, MAX_DIM};
use crate::memory::{Buffer, MemoryPool};
use crate::runtime::Shared;
use crate::transform::ViewMap;
use crate::types::{Element, Scalar, Type};
use legate_mapper::MemoryKind;

/// The root of a logical store: type, shape and, once a task touches it, one instance.
pub(crate) struct Storage {
    pub(crate) id: u64,
    pub(crate) ty: Type,
    /// Identity view of the storage; unset while an unbound store waits for its producer.
    identity: OnceLock<Arc<ViewMap>>,
    bound: (Mutex<bool>, Condvar),
    /// Set once a launch that will produce this unbound storage is issued.
    producer_issued: std::sync::atomic::AtomicBool,
    /// Set once a launch is issued that gives this storage its instance when it runs
    /// (see `launch::Deferred`).
    instance_deferred: std::sync::atomic::AtomicBool,
    /// The instance in system memory (slot 0), allocated on first use.
    buffer: Mutex<Option<Arc<Buffer>>>,
    /// Instances in other memories (slots 1..) and, once there is one, the validity map.
    others: Mutex<OtherInstances>,
    /// In a replicated program: which ranks hold the latest values of which rectangles
    /// (slot `r`: rank `r`), made on first use with every rank valid.
    rank_validity: Mutex<Option<ValidityMap>>,
    /// Set once a launch that uses the storage is issued: from then on, tasks and
    /// transfers may hold it for a while, so counting its handles says nothing certain.
    pub(crate) issued: std::sync::atomic::AtomicBool,
    pub(crate) state: Mutex<StorageState>,
    /// Serializes the folding of reduction accumulators into the instance.
    pub(crate) fold_lock: Mutex<()>,
    pub(crate) shared: Arc<Shared>,
}

impl Storage {
    pub(crate) fn new(shared: &Arc<Shared>, ty: Type, shape: Option<&[u64]>) -> Arc<Storage> {
        let identity = OnceLock::new();
        let bound = shape.is_some();
        if let Some(shape) = shape {
            let _ = identity.set(Arc::new(ViewMap::identity(shape)));
        }
        Arc::new(Storage {
            id: shared.next_storage_id(),
            ty,
            identity,
            bound: (Mutex::new(bound), Condvar::new()),
            producer_issued: std::sync::atomic::AtomicBool::new(false),
            instance_deferred: std::sync::atomic::AtomicBool::new(false),
            buffer: Mutex::new(None),
            others: Mutex::new(OtherInstances::default()),
            rank_validity: Mutex::new(None),
            issued: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(StorageState::default()),
            fold_lock: Mutex::new(()),
            shared: Arc::clone(shared),
        })
    }

    /// The identity view, waiting for the producer of an unbound store (one that no launch
    /// produces is empty, of shape `[0]`).
    pub(crate) fn identity(&self) -> Arc<ViewMap> {
        if let Some(v) = self.identity.get() {
            return Arc::clone(v);
        }
        if !self.has_producer() {
            return Arc::new(ViewMap::identity(&[0]));
        }
        let (lock, cv) = &self.bound;
        let mut bound = lock_ignoring_poison(lock);
        while !*bound {
            bound = cv.wait(bound).unwrap_or_else(|e| e.into_inner());
        }
        drop(bound);
        match self.identity.get() {
            Some(v) => Arc::clone(v),
            None => Arc::new(ViewMap::identity(&[0])),
        }
    }

    pub(crate) fn is_bound(&self) -> bool {
        self.identity.get().is_some()
    }

    pub(crate) fn has_producer(&self) -> bool {
        self.producer_issued
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn set_producer_issued(&self) {
        self.producer_issued
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Gives an unbound storage its shape and data (called once, by its producer).
    pub(crate) fn bind(&self, shape: &[u64], buffer: Option<Arc<Buffer>>) {
        *lock_ignoring_poison(&self.buffer) = buffer;
        let _ = self.identity.set(Arc::new(ViewMap::identity(shape)));
        let (lock, cv) = &self.bound;
        *lock_ignoring_poison(lock) = true;
        cv.notify_all();
    }

    pub(crate) fn volume(&self) -> u64 {
        self.identity().storage_shape().iter().product()
    }

    /// The instance of the storage, allocated zeroed on first use.
    pub(crate) fn buffer(&self) -> Result<Arc<Buffer>> {
        self.buffer_with(Buffer::new)
    }

    /// The instance of the storage for a launch that writes every element of it before
    /// anything reads it, allocated on first use from a freed allocation when the pool
    /// kept one of its size (so of unspecified contents, and without the kernel's pass
    /// zeroing fresh pages). Zeroed as [`Storage::buffer`] for booleans, of which not every
    /// byte is a valid value.
    pub(crate) fn buffer_for_overwrite(&self) -> Result<Arc<Buffer>> {
        if self.ty == Type::Bool {
            return self.buffer();
        }
        self.buffer_with(Buffer::new_uninit)
    }

    fn buffer_with(
        &self,
        allocate: fn(&Arc<MemoryPool>, usize) -> Result<Arc<Buffer>>,
    ) -> Result<Arc<Buffer>> {
        let mut slot = lock_ignoring_poison(&self.buffer);
        if let Some(b) = slot.as_ref() {
            return Ok(Arc::clone(b));
        }
        let bytes = usize::try_from(self.volume())
            .ok()
            .and_then(|v| v.checked_mul(self.ty.size()))
            .ok_or_else(|| Error::invalid("store too large for this machine's address space"))?;
        let b = allocate(&self.shared.sysmem, bytes)?;
        *slot = Some(Arc::clone(&b));
        Ok(b)
    }

    /// The instance in memory `kind` and its slot, allocated on first use. The first
    /// instance outside system memory starts the validity map.
    pub(crate) fn instance(&self, kind: MemoryKind) -> Result<(usize, Arc<Buffer>)> {
        if kind == MemoryKind::System {
            return Ok((0, self.buffer()?));
        }
        let system = self.buffer()?;
        let mut others = lock_ignoring_poison(&self.others);
        if let Some(i) = others.slots.iter().position(|(k, _)| *k == kind) {
            return Ok((i + 1, Arc::clone(&others.slots[i].1)));
        }
        if others.slots.len() + 1 >= MAX_INSTANCES {
            return Err(Error::internal("too many instances of one storage"));
        }
        let pool = self.shared.pool(kind)?;
        let b = Buffer::new(&pool, system.bytes())?;
        others.slots.push((kind, Arc::clone(&b)));
        if others.validity.is_none() {
            others.validity = Some(ValidityMap::new(self.identity().storage_shape(), 0));
        }
        Ok((others.slots.len(), b))
    }

    /// Runs `f` on the ranks' validity map of this (bound) storage, made on first use with
    /// the values in every rank of `all`.
    pub(crate) fn with_rank_validity<R>(
        &self,
        all: Mask,
        f: impl FnOnce(&mut ValidityMap) -> R,
    ) -> R {
        let mut map = lock_ignoring_poison(&self.rank_validity);
        let map =
            map.get_or_insert_with(|| ValidityMap::with_mask(self.identity().storage_shape(), all));
        f(map)
    }

    /// Whether instances in several memories exist (so coherence must be tracked).
    pub(crate) fn has_other_instances(&self) -> bool {
        lock_ignoring_poison(&self.others).validity.is_some()
    }

    /// Runs `f` on the validity map with the buffer of every slot, if there is one.
    pub(crate) fn with_validity<R>(
        &self,
        f: impl FnOnce(&mut ValidityMap, &[Arc<Buffer>]) -> R,
    ) -> Result<Option<R>> {
        let system = self.buffer()?;
        let mut others = lock_ignoring_poison(&self.others);
        let OtherInstances { slots, validity } = &mut *others;
        let Some(v) = validity.as_mut() else {
            return Ok(None);
        };
        let buffers: Vec<Arc<Buffer>> = std::iter::once(system)
            .chain(slots.iter().map(|(_, b)| Arc::clone(b)))
            .collect();
        Ok(Some(f(v, &buffers)))
    }

    /// Brings the system instance up to date (for the program reading values): every
    /// writer has finished when this is called.
    pub(crate) fn sync_system(&self) -> Result<()> {
        let shape = self.identity().storage_shape().to_vec();
        let size = self.ty.size();
        let copied = self.with_validity(|v, buffers| {
            let mut bytes = 0;
            for c in v.acquire(&Rect::from_shape(&shape), 0) {
                bytes += copy_rect(&buffers[c.src], &buffers[c.dst], &shape, &c, size);
            }
            bytes
        })?;
        if let Some(bytes) = copied {
            self.shared
                .stats
                .bytes_copied
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Marks the storage as getting its instance from a launch when it runs.
    pub(crate) fn set_instance_deferred(&self) {
        self.instance_deferred
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether an issued launch gives the storage its instance when it runs.
    pub(crate) fn instance_deferred(&self) -> bool {
        self.instance_deferred
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// The system-memory instance, if one exists (allocating none).
    pub(crate) fn existing_buffer(&self) -> Option<Arc<Buffer>> {
        lock_ignoring_poison(&self.buffer).clone()
    }

    pub(crate) fn has_buffer(&self) -> bool {
        lock_ignoring_poison(&self.buffer).is_some()
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, StorageState> {
        lock_ignoring_poison(&self.state)
    }
}

/// Instances of a storage outside system memory.
#[derive(Default)]
struct OtherInstances {
    slots: Vec<(MemoryKind, Arc<Buffer>)>,
    validity: Option<ValidityMap>,
}

/// Calls `f(at, len)` with the byte offset and length of every row of `rect` in a storage
/// of `shape` with elements of `size` bytes; returns the bytes visited.
pub(crate) fn for_each_row(
    shape: &[u64],
    rect: &Rect,
    size: usize,
    mut f: impl FnMut(usize, usize),
) -> u64 {
    if rect.is_empty() {
        return 0;
    }
    let n = shape.len();
    if n == 0 {
        f(0, size);
        return size as u64;
    }
    let row = rect.extent(n - 1) as usize * size;
    let mut outer = *rect;
    outer.hi[n - 1] = outer.lo[n - 1] + 1;
    let mut bytes = 0;
    for p in outer.points() {
        let mut off = 0i64;
        for d in 0..n {
            off = off * shape[d] as i64 + p[d];
        }
        f(off as usize * size, row);
        bytes += row as u64;
    }
    bytes
}

/// Copies the rectangle of a copy request between two instances of a storage of `shape`
/// with elements of `size` bytes; returns the bytes copied.
pub(crate) fn copy_rect(
    src: &Buffer,
    dst: &Buffer,
    shape: &[u64],
    c: &CopyRequest,
    size: usize,
) -> u64 {
    for_each_row(shape, &c.rect, size, |at, len| {
        // SAFETY: the row lies inside the storage, so inside both instances (each holds the
        // whole storage); the analysis orders this copy after the writers of the source
        // rows and before every other access to the destination rows.
        unsafe { std::ptr::copy_nonoverlapping(src.ptr().add(at), dst.ptr().add(at), len) };
    })
}

/// Zeroes the rectangle `rect` of an instance of a storage of `shape` with elements of
/// `size` bytes.
///
/// # Safety
///
/// Nothing else may access the rectangle's bytes during the call (the caller holds the
/// write privilege on it), and `rect` lies inside `shape`.
pub(crate) unsafe fn zero_rect(buffer: &Buffer, shape: &[u64], rect: &Rect, size: usize) {
    for_each_row(shape, rect, size, |at, len| {
        // SAFETY: the row lies inside the storage, so inside the instance, and no one else
        // accesses it (the function's contract).
        unsafe { std::ptr::write_bytes(buffer.ptr().add(at), 0, len) };
    });
}

pub(crate) fn lock_ignoring_poison<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A view of a storage: what libraries pass to tasks.
///
/// Views alias: a write through any view of a storage is seen through every other view.
///
/// ```
/// use legate_core::{Runtime, Type};
/// let rt = Runtime::with_cpus(2).unwrap();
/// let a = rt.create_store(Type::Float64, &[4, 6]).unwrap();
/// let col = a.slice(1, Some(1), None, 2).unwrap().transpose(&[1, 0]).unwrap();
/// assert_eq!(col.shape(), vec![3, 4]);
/// ```
#[derive(Clone)]
pub struct LogicalStore {
    pub(crate) storage: Arc<Storage>,
    /// `None`: the identity view of the storage (which may still be unbound).
    view: Option<Arc<ViewMap>>,
}

impl LogicalStore {
    pub(crate) fn from_storage(storage: Arc<Storage>) -> Self {
        LogicalStore {
            storage,
            view: None,
        }
    }

    fn with_view(&self, view: ViewMap) -> Self {
        LogicalStore {
            storage: Arc::clone(&self.storage),
            view: Some(Arc::new(view)),
        }
    }

    /// The view map from this store's coordinates to its storage's.
    pub fn view(&self) -> Arc<ViewMap> {
        match &self.view {
            Some(v) => Arc::clone(v),
            None => self.storage.identity(),
        }
    }

    /// The element type.
    pub fn ty(&self) -> Type {
        self.storage.ty
    }

    /// The shape (waits for the producer of an unbound store).
    pub fn shape(&self) -> Vec<u64> {
        self.view().shape()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.view().ndim()
    }

    /// Number of elements.
    pub fn volume(&self) -> u64 {
        self.view().dims().iter().map(|d| d.extent).product()
    }

    /// Whether the store's size is still to be set by the task producing it.
    pub fn is_unbound(&self) -> bool {
        !self.storage.is_bound()
    }

    /// Whether the store is a view of its whole storage, unchanged.
    pub fn is_identity_view(&self) -> bool {
        self.view.as_ref().is_none_or(|v| v.is_identity())
    }

    /// The whole storage this store views, with its own shape (the identity view).
    pub fn storage_store(&self) -> LogicalStore {
        LogicalStore::from_storage(Arc::clone(&self.storage))
    }

    /// Whether two stores share a storage (and so may alias).
    pub fn same_storage(&self, other: &LogicalStore) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }

    /// Whether two stores are the very same view of the same storage.
    pub fn same_view(&self, other: &LogicalStore) -> bool {
        self.same_storage(other) && *self.view() == *other.view()
    }

    /// The id of the storage, unique within the runtime.
    pub fn storage_id(&self) -> u64 {
        self.storage.id
    }

    /// NumPy-style slice of `dim`: `start:stop:step`, negative steps and indices allowed.
    pub fn slice(
        &self,
        dim: usize,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    ) -> Result<Self> {
        Ok(self.with_view(self.view().slice(dim, start, stop, step)?))
    }

    /// Permutes the dimensions: new dimension `i` is old dimension `perm[i]`.
    pub fn transpose(&self, perm: &[usize]) -> Result<Self> {
        Ok(self.with_view(self.view().transpose(perm)?))
    }

    /// Inserts a new dimension of `extent` at `dim` whose points all alias.
    pub fn promote(&self, dim: usize, extent: u64) -> Result<Self> {
        self.check_rank(self.ndim() + 1)?;
        Ok(self.with_view(self.view().promote(dim, extent)?))
    }

    /// Drops dimension `dim`, keeping the points at `index`.
    pub fn project(&self, dim: usize, index: i64) -> Result<Self> {
        Ok(self.with_view(self.view().project(dim, index)?))
    }

    /// Splits dimension `dim` into dimensions of the given extents (row-major).
    pub fn delinearize(&self, dim: usize, shape: &[u64]) -> Result<Self> {
        self.check_rank(self.ndim() + shape.len().saturating_sub(1))?;
        Ok(self.with_view(self.view().delinearize(dim, shape)?))
    }

    /// Stretches dimension `dim`, of extent 1, to `extent` (all points alias).
    pub fn broadcast(&self, dim: usize, extent: u64) -> Result<Self> {
        Ok(self.with_view(self.view().broadcast(dim, extent)?))
    }

    fn check_rank(&self, ndim: usize) -> Result<()> {
        if ndim > MAX_DIM {
            return Err(Error::invalid(format!(
                "stores have at most {MAX_DIM} dimensions, this view would have {ndim}"
            )));
        }
        Ok(())
    }

    /// Waits for every task writing this store, then copies its values out.
    ///
    /// ```
    /// use legate_core::{Runtime, Scalar, Type};
    /// let rt = Runtime::with_cpus(2).unwrap();
    /// let a = rt.create_store(Type::Int32, &[3]).unwrap();
    /// rt.fill(&a, Scalar::new(7i32)).unwrap();
    /// assert_eq!(a.read::<i32>().unwrap().into_raw_vec_and_offset().0, vec![7, 7, 7]);
    /// ```
    pub fn read<T: Element>(&self) -> Result<ArrayD<T>> {
        check_type::<T>(self.ty())?;
        crate::runtime::flush_for(&self.storage)?;
        if !self.is_unbound() {
            crate::runtime::bring_to_ranks(self)?;
        }
        self.read_issued()
    }

    /// [`read`](Self::read) without issuing deferred operations first: for the runtime's
    /// own reads under the issue lock (which a flush would take again).
    pub(crate) fn read_issued<T: Element>(&self) -> Result<ArrayD<T>> {
        check_type::<T>(self.ty())?;
        crate::runtime::wait_for_writers(&self.storage)?;
        self.storage.sync_system()?;
        let view = self.view();
        let shape: Vec<usize> = view.shape().iter().map(|&e| e as usize).collect();
        let volume: usize = shape.iter().product();
        if volume == 0 || !self.storage.has_buffer() {
            // Never written: zero-initialized, as the instance would be.
            return Ok(ArrayD::from_elem(IxDyn(&shape), T::default()));
        }
        let buffer = self.storage.buffer()?;
        let (offset, strides) = view.affine();
        let mut out = Vec::with_capacity(volume);
        let base = buffer.ptr() as *const T;
        for_each_offset(&shape, &strides, offset, |off| {
            // SAFETY: `off` is the offset of a point of the view, inside the storage; every
            // writer of the storage has finished (waited above), and the type was checked.
            out.push(unsafe { *base.offset(off as isize) });
        });
        ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| Error::internal(e.to_string()))
    }

    /// Reads the one value of a store with a single element (a scalar or future store).
    pub fn read_scalar<T: Element>(&self) -> Result<T> {
        let a = self.read::<T>()?;
        a.iter()
            .next()
            .copied()
            .filter(|_| a.len() == 1)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "store of shape {:?} is not a single value",
                    a.shape()
                ))
            })
    }

    /// Reads the value of a single-element store as a [`Scalar`].
    pub fn read_scalar_value(&self) -> Result<Scalar> {
        macro_rules! read_as {
            ($($t:ty => $v:ident),*) => {
                match self.ty() {
                    $(Type::$v => Ok(Scalar::new(self.read_scalar::<$t>()?)),)*
                }
            };
        }
        read_as!(bool => Bool, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
            u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64, half::f16 => Float16,
            f32 => Float32, f64 => Float64, num_complex::Complex<f32> => Complex64,
            num_complex::Complex<f64> => Complex128)
    }
}

impl fmt::Debug for LogicalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.storage.is_bound() {
            write!(
                f,
                "LogicalStore(storage {}, {}, shape {:?})",
                self.storage.id,
                self.ty(),
                self.shape()
            )
        } else {
            write!(
                f,
                "LogicalStore(storage {}, {}, unbound)",
                self.storage.id,
                self.ty()
            )
        }
    }
}

pub(crate) fn check_type<T: Element>(ty: Type) -> Result<()> {
    if T::TYPE != ty {
        return Err(Error::TypeMismatch {
            expected: ty,
            found: T::TYPE,
        });
    }
    Ok(())
}

/// Calls `f` with the element offset of every point of a strided box, row-major.
pub(crate) fn for_each_offset(
    shape: &[usize],
    strides: &[i64],
    offset: i64,
    mut f: impl FnMut(i64),
) {
    if shape.contains(&0) {
        return;
    }
    let n = shape.len();
    if n == 0 {
        f(offset);
        return;
    }
    let mut idx = vec![0usize; n];
    let mut off = offset;
    let inner = shape[n - 1];
    let inner_stride = strides[n - 1];
    loop {
        let mut o = off;
        for _ in 0..inner {
            f(o);
            o += inner_stride;
        }
        // Advance the outer dimensions like an odometer.
        let mut d = n - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            off += strides[d];
            if idx[d] < shape[d] {
                break;
            }
            off -= strides[d] * shape[d] as i64;
            idx[d] = 0;
        }
    }
}

/// A store with an optional null mask (Arrow's validity), the unit libraries exchange.
#[derive(Clone, Debug)]
pub struct LogicalArray {
    data: LogicalStore,
    null_mask: Option<LogicalStore>,
}

impl LogicalArray {
    /// An array of `data` with no nulls.
    pub fn new(data: LogicalStore) -> Self {
        LogicalArray {
            data,
            null_mask: None,
        }
    }

    /// An array of `data` whose element `i` is valid where `mask[i]` is true.
    pub fn with_null_mask(data: LogicalStore, mask: LogicalStore) -> Result<Self> {
        if mask.ty() != Type::Bool {
            return Err(Error::TypeMismatch {
                expected: Type::Bool,
                found: mask.ty(),
            });
        }
        if mask.shape() != data.shape() {
            return Err(Error::ShapeMismatch {
                context: "null mask",
                left: data.shape(),
                right: mask.shape(),
            });
        }
        Ok(LogicalArray {
            data,
            null_mask: Some(mask),
        })
    }

    /// The values.
    pub fn data(&self) -> &LogicalStore {
        &self.data
    }

    /// The validity mask, if the array may hold nulls.
    pub fn null_mask(&self) -> Option<&LogicalStore> {
        self.null_mask.as_ref()
    }

    /// Whether the array may hold nulls.
    pub fn nullable(&self) -> bool {
        self.null_mask.is_some()
    }

    /// The element type.
    pub fn ty(&self) -> Type {
        self.data.ty()
    }

    /// The shape.
    pub fn shape(&self) -> Vec<u64> {
        self.data.shape()
    }

    /// Applies the same view to the values and the mask.
    pub fn map(&self, f: impl Fn(&LogicalStore) -> Result<LogicalStore>) -> Result<Self> {
        Ok(LogicalArray {
            data: f(&self.data)?,
            null_mask: self.null_mask.as_ref().map(&f).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_walk_row_major_with_negative_strides() {
        let mut seen = vec![];
        for_each_offset(&[2, 3], &[-3, 1], 3, |o| seen.push(o));
        assert_eq!(seen, vec![3, 4, 5, 0, 1, 2]);
        seen.clear();
        for_each_offset(&[], &[], 5, |o| seen.push(o));
        assert_eq!(seen, vec![5]);
        seen.clear();
        for_each_offset(&[2, 0], &[1, 1], 0, |o| seen.push(o));
        assert!(seen.is_empty());
    }
}
