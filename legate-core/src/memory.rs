//! Instances in system memory and the accounting of every byte against `--sysmem`.

use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};

/// Alignment of every instance: a cache line, so SIMD loads never straddle one at a piece start.
const ALIGN: usize = 64;

/// The alignment buffers are allocated with: the system allocator's own, so that a zeroed
/// allocation is `calloc` (fresh pages from the kernel, zeroed lazily by the first task
/// that touches them, in parallel) rather than an allocation and a `memset` of the whole
/// storage on the issuing thread. The pointer is then moved up to `ALIGN`.
const SYSTEM_ALIGN: usize = 16;

/// Bytes in use in one memory, against its configured size.
#[derive(Debug)]
pub(crate) struct MemoryPool {
    flag: &'static str,
    limit: u64,
    used: AtomicU64,
    peak: AtomicU64,
}

impl MemoryPool {
    pub(crate) fn new(flag: &'static str, limit: u64) -> Arc<Self> {
        Arc::new(MemoryPool {
            flag,
            limit,
            used: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        })
    }

    fn reserve(&self, bytes: u64) -> Result<()> {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let available = self.limit.saturating_sub(used);
            if bytes > available {
                return Err(Error::ResourcesExhausted {
                    flag: self.flag,
                    requested: bytes,
                    available,
                    limit: self.limit,
                });
            }
            match self.used.compare_exchange_weak(
                used,
                used + bytes,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.peak.fetch_max(used + bytes, Ordering::Relaxed);
                    return Ok(());
                }
                Err(now) => used = now,
            }
        }
    }

    fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }

    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    pub(crate) fn peak(&self) -> u64 {
        self.peak.load(Ordering::Acquire)
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }
}

/// A type with the alignment of instances, for the pointer of empty ones.
#[repr(align(64))]
struct Aligned(#[allow(dead_code)] [u8; ALIGN]);

/// One zero-initialized, 64-byte aligned allocation holding a whole storage.
///
/// Point tasks write disjoint parts of it from several threads at once; the dependence
/// analysis is what makes that race-free, so the buffer only hands out raw pointers.
pub(crate) struct Buffer {
    ptr: NonNull<u8>,
    /// Bytes from the allocation's start to `ptr`.
    offset: usize,
    bytes: usize,
    pool: Arc<MemoryPool>,
}

// SAFETY: the buffer is plain memory; concurrent access to it is ordered by the dependence
// analysis (no two point tasks touch the same bytes unless both only read).
unsafe impl Send for Buffer {}
// SAFETY: as above.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// Allocates `bytes` zeroed bytes, charged to `pool`.
    pub(crate) fn new(pool: &Arc<MemoryPool>, bytes: usize) -> Result<Arc<Buffer>> {
        pool.reserve(bytes as u64)?;
        let (ptr, offset) = if bytes == 0 {
            // Aligned for every element type, like a real instance.
            (NonNull::<Aligned>::dangling().cast::<u8>(), 0)
        } else {
            let layout = Self::layout(bytes).inspect_err(|_| pool.release(bytes as u64))?;
            // SAFETY: the layout has a non-zero size.
            let raw = unsafe { alloc::alloc_zeroed(layout) };
            let offset = raw.align_offset(ALIGN);
            match NonNull::new(raw) {
                // SAFETY: `offset < ALIGN`, and the allocation has `ALIGN` bytes to spare.
                Some(p) if offset < ALIGN => (unsafe { p.add(offset) }, offset),
                _ => {
                    pool.release(bytes as u64);
                    return Err(Error::ResourcesExhausted {
                        flag: pool.flag,
                        requested: bytes as u64,
                        available: 0,
                        limit: pool.limit,
                    });
                }
            }
        };
        advise_huge_pages(ptr.as_ptr(), bytes);
        Ok(Arc::new(Buffer {
            ptr,
            offset,
            bytes,
            pool: Arc::clone(pool),
        }))
    }

    /// The allocation behind `bytes` bytes of instance: `ALIGN` more, to align the start.
    fn layout(bytes: usize) -> Result<Layout> {
        bytes
            .checked_add(ALIGN)
            .and_then(|n| Layout::from_size_align(n, SYSTEM_ALIGN).ok())
            .ok_or_else(|| Error::invalid(format!("allocation of {bytes} bytes")))
    }

    pub(crate) fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.bytes
    }
}

/// Asks the kernel for transparent huge pages over a large allocation that nothing has
/// touched yet (where the system leaves huge pages to `madvise`, as Debian does): the first
/// tasks to write it then take one page fault per 2 MiB instead of one per 4 KiB, which is
/// what keeps a freshly allocated result (`c = a + b`) at memory speed.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < 2 * HUGE {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + bytes) / HUGE * HUGE;
    if end > start {
        // SAFETY: `[start, end)` lies inside the allocation and is page aligned; the advice
        // changes how pages are backed, never their contents. Failure (no huge pages on
        // this kernel) leaves ordinary pages, so the result is ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _bytes: usize) {}

impl Drop for Buffer {
    fn drop(&mut self) {
        if self.bytes > 0 {
            if let Ok(layout) = Self::layout(self.bytes) {
                // SAFETY: allocated in `new` with this very layout at `ptr - offset`, freed
                // once.
                unsafe { alloc::dealloc(self.ptr.as_ptr().sub(self.offset), layout) };
            }
        }
        self.pool.release(self.bytes as u64);
    }
}

/// The bytes of a slice of elements.
pub(crate) fn elements_as_bytes<T: crate::types::Element>(data: &[T]) -> &[u8] {
    // SAFETY: element types are plain data without padding (bool, integers, floats, and
    // `Complex`, which is `repr(C)` over two floats), so every byte is initialized.
    unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, std::mem::size_of_val(data)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_past_the_limit_name_the_flag() {
        let pool = MemoryPool::new("--sysmem", 1000);
        let a = Buffer::new(&pool, 600).unwrap();
        assert_eq!(pool.used(), 600);
        let err = Buffer::new(&pool, 600).err().unwrap();
        assert_eq!(
            err,
            Error::ResourcesExhausted {
                flag: "--sysmem",
                requested: 600,
                available: 400,
                limit: 1000
            }
        );
        drop(a);
        assert_eq!(pool.used(), 0);
        assert_eq!(pool.peak(), 600);
        let b = Buffer::new(&pool, 1000).unwrap();
        assert_eq!(b.len(), 1000);
        // SAFETY: the buffer holds 1000 zeroed bytes.
        let bytes = unsafe { std::slice::from_raw_parts(b.ptr(), b.len()) };
        assert!(bytes.iter().all(|&x| x == 0));
    }

    #[test]
    fn buffers_small_and_huge_are_aligned_and_zeroed() {
        let pool = MemoryPool::new("--sysmem", 1 << 30);
        for bytes in [1, 63, 4096, 5 << 20, (9 << 20) + 7] {
            let b = Buffer::new(&pool, bytes).unwrap();
            assert_eq!(b.ptr() as usize % ALIGN, 0, "{bytes} bytes");
            // SAFETY: the buffer holds `bytes` zeroed bytes, written by nobody else.
            let data = unsafe { std::slice::from_raw_parts_mut(b.ptr(), b.len()) };
            assert!(data.iter().all(|&x| x == 0));
            // Every byte is writable, the last one included.
            data.fill(7);
            assert_eq!(data[bytes - 1], 7);
            assert_eq!(pool.used(), bytes as u64);
        }
        assert_eq!(pool.used(), 0);
    }
}
