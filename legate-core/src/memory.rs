//! Instances in system memory and the accounting of every byte against `--sysmem`.
//!
//! A pool counts two kinds of bytes: those of live instances (`used`, what
//! [`Stats::bytes_allocated`](crate::Stats) reports) and those of freed large allocations
//! kept for reuse (`cached`). Both count against the limit, so the memory a pool holds
//! never exceeds its flag; a reservation that would not fit frees cached allocations
//! first, oldest first, so the cache never makes a legitimate allocation fail.
//!
//! A cached allocation is handed out only by [`Buffer::new_uninit`], for an instance whose
//! first use overwrites it whole: it skips the pass in which the kernel zeroes fresh pages.
//! [`Buffer::new`] always returns zeroed memory, fresh from `calloc`.
//!
//! Such an instance is allocated when the first point of the launch that overwrites it
//! runs, not when the launch is issued (`launch::Deferred`): a program issuing faster than
//! the workers run would otherwise hold the instances of every result in flight at once,
//! with none freed in time for the next to reuse. An instance larger than the whole limit
//! is refused at issue; one that does not fit when its launch runs fails that launch, and
//! the error ([`Error::ResourcesExhausted`]) surfaces at the next wait, as a task's failure
//! does.

use std::alloc::{self, Layout};
use std::collections::VecDeque;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::store::lock_ignoring_poison;

/// Alignment of every instance: a cache line, so SIMD loads never straddle one at a piece start.
const ALIGN: usize = 64;

/// The alignment buffers are allocated with: the system allocator's own, so that a zeroed
/// allocation is `calloc` (fresh pages from the kernel, zeroed lazily by the first task
/// that touches them, in parallel) rather than an allocation and a `memset` of the whole
/// storage on the issuing thread. The pointer is then moved up to `ALIGN`.
const SYSTEM_ALIGN: usize = 16;

/// The smallest instance whose allocation is cached when freed: below it the allocator's
/// own free lists already reuse memory without fresh pages.
pub(crate) const MIN_CACHED_BYTES: usize = 1 << 20;

/// Most freed allocations a pool keeps.
const MAX_CACHED: usize = 8;

/// Bytes in use in one memory, against its configured size, and the freed large
/// allocations kept for reuse.
#[derive(Debug)]
pub(crate) struct MemoryPool {
    flag: &'static str,
    limit: u64,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    /// Bytes of live instances.
    used: u64,
    /// Most bytes of live instances at once.
    peak: u64,
    /// Bytes of the allocations in `free`.
    cached: u64,
    /// Freed allocations, oldest first.
    free: VecDeque<Block>,
    /// Instances given a cached allocation.
    reused: u64,
}

impl PoolState {
    /// Takes the oldest cached allocations out until `fits` holds or none is left; the
    /// caller frees them once the lock is released.
    fn evict_until(&mut self, fits: impl Fn(&PoolState) -> bool) -> Vec<Block> {
        let mut out = Vec::new();
        while !fits(self) {
            let Some(b) = self.free.pop_front() else {
                break;
            };
            self.cached -= b.bytes as u64;
            out.push(b);
        }
        out
    }
}

impl MemoryPool {
    pub(crate) fn new(flag: &'static str, limit: u64) -> Arc<Self> {
        Arc::new(MemoryPool {
            flag,
            limit,
            state: Mutex::new(PoolState::default()),
        })
    }

    /// The most bytes of freed allocations kept: a quarter of the limit.
    fn cache_cap(&self) -> u64 {
        self.limit / 4
    }

    /// Charges `bytes` of a new instance, freeing cached allocations if it would not fit.
    fn reserve(&self, bytes: u64) -> Result<()> {
        let limit = self.limit;
        let fits = |s: &PoolState| s.used.saturating_add(s.cached).saturating_add(bytes) <= limit;
        let mut s = lock_ignoring_poison(&self.state);
        let evicted = s.evict_until(fits);
        let result = if fits(&s) {
            s.used += bytes;
            s.peak = s.peak.max(s.used);
            Ok(())
        } else {
            Err(Error::ResourcesExhausted {
                flag: self.flag,
                requested: bytes,
                available: limit.saturating_sub(s.used.saturating_add(s.cached)),
                limit,
            })
        };
        drop(s);
        evicted.into_iter().for_each(Block::free);
        result
    }

    /// Refuses `bytes` that exceed the whole limit (they could never be allocated).
    pub(crate) fn check_fits(&self, bytes: u64) -> Result<()> {
        if bytes <= self.limit {
            return Ok(());
        }
        let s = lock_ignoring_poison(&self.state);
        Err(Error::ResourcesExhausted {
            flag: self.flag,
            requested: bytes,
            available: self.limit.saturating_sub(s.used.saturating_add(s.cached)),
            limit: self.limit,
        })
    }

    fn release(&self, bytes: u64) {
        lock_ignoring_poison(&self.state).used -= bytes;
    }

    /// Takes back the allocation of a dropped instance: a large one is kept for reuse
    /// (within the cache's bounds, evicting the oldest), any other is freed.
    fn give_back(&self, block: Block) {
        let bytes = block.bytes as u64;
        let cap = self.cache_cap();
        let mut s = lock_ignoring_poison(&self.state);
        s.used -= bytes;
        if block.bytes < MIN_CACHED_BYTES || bytes > cap {
            drop(s);
            block.free();
            return;
        }
        // The bytes move from `used` to `cached`: the pool's total is unchanged.
        s.cached += bytes;
        s.free.push_back(block);
        let evicted = s.evict_until(|s| s.free.len() <= MAX_CACHED && s.cached <= cap);
        drop(s);
        evicted.into_iter().for_each(Block::free);
    }

    /// A cached allocation of exactly `bytes`, charged as a live instance.
    fn take_cached(&self, bytes: usize) -> Option<Block> {
        let mut s = lock_ignoring_poison(&self.state);
        // The most recently freed first: its pages are the likeliest to be resident.
        let i = s.free.iter().rposition(|b| b.bytes == bytes)?;
        let block = s.free.remove(i)?;
        s.cached -= bytes as u64;
        s.used += bytes as u64;
        s.peak = s.peak.max(s.used);
        s.reused += 1;
        Some(block)
    }

    /// Bytes of live instances.
    pub(crate) fn used(&self) -> u64 {
        lock_ignoring_poison(&self.state).used
    }

    /// Most bytes of live instances at once.
    pub(crate) fn peak(&self) -> u64 {
        lock_ignoring_poison(&self.state).peak
    }

    /// Bytes of freed allocations kept for reuse.
    pub(crate) fn cached(&self) -> u64 {
        lock_ignoring_poison(&self.state).cached
    }

    /// Instances that were given a cached allocation.
    pub(crate) fn reused(&self) -> u64 {
        lock_ignoring_poison(&self.state).reused
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }
}

impl Drop for MemoryPool {
    fn drop(&mut self) {
        let s = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        s.free.drain(..).for_each(Block::free);
        s.cached = 0;
    }
}

/// A type with the alignment of instances, for the pointer of empty ones.
#[repr(align(64))]
struct Aligned(#[allow(dead_code)] [u8; ALIGN]);

/// One allocation from the system allocator holding `bytes` bytes of instance at `ptr`,
/// `offset` bytes past its start (a dangling, aligned pointer when `bytes` is 0). Freed
/// only by [`Block::free`].
#[derive(Debug)]
struct Block {
    ptr: NonNull<u8>,
    offset: usize,
    bytes: usize,
}

// SAFETY: a block is plain memory that only its holder (a buffer or the pool's free list,
// under its lock) reaches; moving it between threads moves that ownership.
unsafe impl Send for Block {}

impl Block {
    /// The block of an empty instance: a dangling pointer aligned for every element type.
    fn dangling() -> Block {
        Block {
            ptr: NonNull::<Aligned>::dangling().cast::<u8>(),
            offset: 0,
            bytes: 0,
        }
    }

    /// A zeroed block of `bytes` bytes, or `None` if the allocator has no memory.
    fn zeroed(bytes: usize) -> Result<Option<Block>> {
        if bytes == 0 {
            return Ok(Some(Block::dangling()));
        }
        let layout = Self::layout(bytes)?;
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let offset = raw.align_offset(ALIGN);
        Ok(match NonNull::new(raw) {
            Some(p) if offset < ALIGN => Some(Block {
                // SAFETY: `offset < ALIGN`, and the allocation has `ALIGN` bytes to spare.
                ptr: unsafe { p.add(offset) },
                offset,
                bytes,
            }),
            Some(p) => {
                // SAFETY: just allocated with this layout, and handed out to nobody.
                unsafe { alloc::dealloc(p.as_ptr(), layout) };
                None
            }
            None => None,
        })
    }

    /// The allocation behind `bytes` bytes of instance: `ALIGN` more, to align the start.
    fn layout(bytes: usize) -> Result<Layout> {
        bytes
            .checked_add(ALIGN)
            .and_then(|n| Layout::from_size_align(n, SYSTEM_ALIGN).ok())
            .ok_or_else(|| Error::invalid(format!("allocation of {bytes} bytes")))
    }

    fn free(self) {
        if self.bytes == 0 {
            return;
        }
        if let Ok(layout) = Self::layout(self.bytes) {
            // SAFETY: allocated in `zeroed` with this very layout at `ptr - offset`; the
            // block is consumed, so freed once.
            unsafe { alloc::dealloc(self.ptr.as_ptr().sub(self.offset), layout) };
        }
    }
}

/// One 64-byte aligned allocation holding a whole storage: zeroed when made by
/// [`Buffer::new`], of unspecified contents when made by [`Buffer::new_uninit`].
///
/// Point tasks write disjoint parts of it from several threads at once; the dependence
/// analysis is what makes that race-free, so the buffer only hands out raw pointers.
pub(crate) struct Buffer {
    block: Block,
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
        let block = match Block::zeroed(bytes) {
            Ok(Some(b)) => b,
            Ok(None) => {
                pool.release(bytes as u64);
                return Err(Error::ResourcesExhausted {
                    flag: pool.flag,
                    requested: bytes as u64,
                    available: 0,
                    limit: pool.limit,
                });
            }
            Err(e) => {
                pool.release(bytes as u64);
                return Err(e);
            }
        };
        advise_huge_pages(block.ptr.as_ptr(), bytes);
        Ok(Arc::new(Buffer::from_block(block, pool)))
    }

    /// Allocates `bytes` bytes of unspecified contents, charged to `pool`: a freed
    /// allocation of the same size when the pool kept one (its old values, and its
    /// huge-page advice, still in place), else a fresh zeroed one as [`Buffer::new`] makes.
    ///
    /// Only for an instance that is overwritten whole before anything reads it; every byte
    /// pattern must be a valid value of its element type.
    pub(crate) fn new_uninit(pool: &Arc<MemoryPool>, bytes: usize) -> Result<Arc<Buffer>> {
        if bytes >= MIN_CACHED_BYTES {
            if let Some(block) = pool.take_cached(bytes) {
                return Ok(Arc::new(Buffer::from_block(block, pool)));
            }
        }
        Buffer::new(pool, bytes)
    }

    fn from_block(block: Block, pool: &Arc<MemoryPool>) -> Buffer {
        Buffer {
            block,
            pool: Arc::clone(pool),
        }
    }

    pub(crate) fn ptr(&self) -> *mut u8 {
        self.block.ptr.as_ptr()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.block.bytes
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.block.bytes
    }
}

/// Asks the kernel for transparent huge pages over a large allocation that nothing has
/// touched yet (where the system leaves huge pages to `madvise`, as Debian does): the
/// first tasks to write it then take one page fault per 2 MiB instead of one per 4 KiB,
/// and the tasks that stream it later miss the TLB far less (a Poisson SpMV of 4e6 rows
/// measured 22.7 against 26.0 ms on one core, 12.1 against 13.4 ms on two).
///
/// Only where such a fault cannot stall: when the kernel compacts memory to find a huge
/// page on the fault itself (`/sys/kernel/mm/transparent_hugepage/defrag` set to
/// `always`, `madvise` (Debian's default) or `defer+madvise`) and memory is fragmented, a
/// first touch measured 5 times slower with the advice than without (127 ms against
/// 24 ms per fresh 32 MiB on the development machine after some hours of builds). So
/// with those settings the advice is given only while the kernel's free lists
/// (`/proc/buddyinfo`) hold blocks of 2 MiB or more for twice the allocation: the fault
/// then takes a free huge page and compacts nothing. Recycled instances keep the pages
/// they had. `LEGATE_HUGE_PAGES=1` (or `0`) forces the advice (or its absence).
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    /// Whether the advice is forced (`Some(true)`), refused, or decided per allocation.
    static FORCED: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();
    if bytes < 2 * HUGE {
        return;
    }
    let forced = *FORCED.get_or_init(|| match std::env::var("LEGATE_HUGE_PAGES").as_deref() {
        Ok("1" | "true") => Some(true),
        Ok("0" | "false") => Some(false),
        _ => std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/defrag")
            .is_ok_and(|d| d.contains("[defer]") || d.contains("[never]"))
            .then_some(true),
    });
    let wanted = forced.unwrap_or_else(|| {
        std::fs::read_to_string("/proc/buddyinfo")
            .is_ok_and(|info| free_huge_bytes(&info, page_size()) >= 2 * bytes as u64)
    });
    if !wanted {
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

/// The size of a base page.
#[cfg(target_os = "linux")]
fn page_size() -> u64 {
    // SAFETY: `sysconf` reads a constant of the system.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).unwrap_or(4096).max(1)
}

/// The bytes the kernel's free lists hold in blocks of 2 MiB or more, from the text of
/// `/proc/buddyinfo` (per zone: `Node 0, zone Normal` and the count of free blocks of
/// each order, a block of order `k` being `2^k` pages of `page` bytes).
#[cfg(any(target_os = "linux", test))]
fn free_huge_bytes(buddyinfo: &str, page: u64) -> u64 {
    const HUGE: u64 = 2 << 20;
    buddyinfo
        .lines()
        .filter_map(|line| line.split_once("zone"))
        .flat_map(|(_, rest)| {
            rest.split_whitespace()
                .skip(1)
                .enumerate()
                .filter_map(|(order, count)| Some((order, count.parse::<u64>().ok()?)))
        })
        .filter_map(|(order, count)| {
            let block = page.checked_shl(u32::try_from(order).ok()?)?;
            (block >= HUGE).then(|| count.saturating_mul(block))
        })
        .fold(0, u64::saturating_add)
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _bytes: usize) {}

impl Drop for Buffer {
    fn drop(&mut self) {
        let block = std::mem::replace(&mut self.block, Block::dangling());
        self.pool.give_back(block);
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
    fn free_huge_bytes_counts_blocks_of_two_mebibytes_or_more() {
        let info = "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n\
                    Node 0, zone   Normal  24831  14619   4911    857    872   1204   1648   1177    731    504    943 \n";
        // Orders 9 and 10 of 4 KiB pages: 2 and 4 MiB blocks.
        let mib = 1 << 20;
        assert_eq!(
            free_huge_bytes(info, 4096),
            (1 + 504) * 2 * mib + (3 + 943) * 4 * mib
        );
        // 64 KiB pages: orders 5 and up are 2 MiB or more.
        assert_eq!(
            free_huge_bytes("Node 0, zone Normal 9 9 9 9 9 2 1\n", 65536),
            2 * 2 * mib + 4 * mib
        );
        assert_eq!(free_huge_bytes("", 4096), 0);
        assert_eq!(free_huge_bytes("Node 0, zone Normal x y\n", 4096), 0);
    }

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

    const MIB: usize = 1 << 20;

    #[test]
    fn a_freed_large_buffer_is_reused_unzeroed_for_the_next_uninit_buffer_of_its_size() {
        let pool = MemoryPool::new("--sysmem", 1 << 30);
        let a = Buffer::new(&pool, 4 * MIB).unwrap();
        // SAFETY: the buffer holds `4 * MIB` bytes, written by nobody else.
        unsafe { std::ptr::write_bytes(a.ptr(), 7, a.len()) };
        let at = a.ptr();
        drop(a);
        assert_eq!((pool.used(), pool.cached()), (0, 4 * MIB as u64));
        // A zeroed buffer never takes a cached allocation.
        let z = Buffer::new(&pool, 4 * MIB).unwrap();
        assert_ne!(z.ptr(), at);
        let b = Buffer::new_uninit(&pool, 4 * MIB).unwrap();
        assert_eq!(b.ptr(), at);
        assert_eq!(pool.reused(), 1);
        assert_eq!((pool.used(), pool.cached()), (8 * MIB as u64, 0));
        drop(z);
        // SAFETY: the buffer holds `4 * MIB` bytes, written by nobody else.
        let data = unsafe { std::slice::from_raw_parts(b.ptr(), b.len()) };
        assert!(
            data.iter().all(|&x| x == 7),
            "reused memory is not zeroed again"
        );
        // Another size gets fresh, zeroed memory.
        let c = Buffer::new_uninit(&pool, 4 * MIB + 64).unwrap();
        // SAFETY: as above.
        let data = unsafe { std::slice::from_raw_parts(c.ptr(), c.len()) };
        assert!(data.iter().all(|&x| x == 0));
        assert_eq!(pool.reused(), 1);
        assert_eq!(pool.peak(), (8 * MIB + 64) as u64);
    }

    #[test]
    fn small_buffers_are_freed_not_cached() {
        let pool = MemoryPool::new("--sysmem", 1 << 30);
        drop(Buffer::new(&pool, MIB - 1).unwrap());
        drop(Buffer::new(&pool, 0).unwrap());
        assert_eq!(pool.cached(), 0);
        let b = Buffer::new_uninit(&pool, 0).unwrap();
        assert_eq!((b.len(), b.ptr() as usize % ALIGN), (0, 0));
        assert_eq!(pool.reused(), 0);
    }

    #[test]
    fn a_reservation_that_would_not_fit_frees_the_cache_first() {
        let pool = MemoryPool::new("--sysmem", 16 * MIB as u64);
        drop(Buffer::new(&pool, 4 * MIB).unwrap());
        assert_eq!(pool.cached(), 4 * MIB as u64);
        // Live and cached bytes together stay within the limit: 13 MiB fits only once the
        // cached 4 MiB are freed.
        let big = Buffer::new(&pool, 13 * MIB).unwrap();
        assert_eq!((pool.used(), pool.cached()), (13 * MIB as u64, 0));
        drop(big);
        drop(Buffer::new(&pool, 4 * MIB).unwrap());
        // Past the limit even without the cache: an error that counts only live bytes.
        let live = Buffer::new(&pool, 10 * MIB).unwrap();
        assert_eq!(pool.cached(), 4 * MIB as u64);
        let err = Buffer::new_uninit(&pool, 7 * MIB).err().unwrap();
        assert_eq!(
            err,
            Error::ResourcesExhausted {
                flag: "--sysmem",
                requested: 7 * MIB as u64,
                available: 6 * MIB as u64,
                limit: 16 * MIB as u64
            }
        );
        assert_eq!(pool.cached(), 0);
        drop(live);
        assert_eq!(pool.used(), 0);
    }

    #[test]
    fn the_cache_keeps_a_few_newest_allocations_within_a_quarter_of_the_limit() {
        let pool = MemoryPool::new("--sysmem", 1 << 30);
        let buffers: Vec<_> = (0..MAX_CACHED + 2)
            .map(|_| Buffer::new(&pool, MIB).unwrap())
            .collect();
        let newest = buffers[MAX_CACHED + 1].ptr();
        drop(buffers);
        assert_eq!(pool.cached(), (MAX_CACHED * MIB) as u64);
        assert_eq!(Buffer::new_uninit(&pool, MIB).unwrap().ptr(), newest);
        // Over a quarter of the limit: freed at once, and the oldest make room.
        let pool = MemoryPool::new("--sysmem", 16 * MIB as u64);
        drop(Buffer::new(&pool, 5 * MIB).unwrap());
        assert_eq!(pool.cached(), 0);
        let (a, b) = (
            Buffer::new(&pool, 2 * MIB).unwrap(),
            Buffer::new(&pool, 3 * MIB).unwrap(),
        );
        let b_at = b.ptr();
        drop(a);
        drop(b);
        assert_eq!(pool.cached(), 3 * MIB as u64);
        assert_eq!(Buffer::new_uninit(&pool, 3 * MIB).unwrap().ptr(), b_at);
    }
}
