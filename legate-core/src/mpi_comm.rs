//! [`MpiComm`]: the [`Comm`] of a program launched as an MPI job (`mpirun -np N prog`),
//! over the `mpi` crate (feature `mpi`).
//!
//! Every collective gives every rank the same bytes: a reduction gathers each rank's
//! buffer and folds them in rank order on every rank, so replicated ranks that branch on
//! a reduced value take the same branch (an MPI reduction may combine in any order, and a
//! floating-point sum then differs in its last bits between runs).

use std::sync::Mutex;

use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root, Source};
use mpi::Threading;

use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::reduction::{fold_run, ReductionOp};
use crate::types::Type;

/// The communicator among the ranks of an MPI job: `MPI_COMM_WORLD`.
///
/// Made once per process ([`MpiComm::init`] initializes MPI, and dropping the
/// communicator finalizes it). Calls from several threads are serialized.
pub struct MpiComm {
    /// The world communicator and the environment that finalizes MPI when dropped (the
    /// communicator first), behind a lock that serializes every call.
    state: Mutex<(SimpleCommunicator, Universe)>,
    rank: usize,
    size: usize,
}

// SAFETY: MPI is initialized with at least `MPI_THREAD_SERIALIZED` (checked in `init`), and
// every call into it is made while holding `state`'s lock, so no two threads are ever in
// MPI at once; the handles themselves are plain identifiers valid on any thread.
unsafe impl Send for MpiComm {}
// SAFETY: as above: shared access only reaches MPI through the lock.
unsafe impl Sync for MpiComm {}

impl std::fmt::Debug for MpiComm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MpiComm(rank {} of {})", self.rank, self.size)
    }
}

impl MpiComm {
    /// Initializes MPI for this process and returns the world communicator. An error when
    /// MPI was initialized already or gives less than serialized threading.
    pub fn init() -> Result<MpiComm> {
        let (universe, threading) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| Error::invalid("MPI was initialized already in this process"))?;
        if threading < Threading::Serialized {
            return Err(Error::invalid(format!(
                "the MPI library gives {threading:?} threading; the runtime needs Serialized"
            )));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Ok(MpiComm {
            state: Mutex::new((world, universe)),
            rank,
            size,
        })
    }

    /// Whether this process was started by an MPI launcher with more than one rank (the
    /// environment OpenMPI, MPICH, Slurm and PMIx launchers set).
    pub fn launched_with_ranks() -> bool {
        [
            "OMPI_COMM_WORLD_SIZE",
            "PMI_SIZE",
            "PMIX_SIZE",
            "SLURM_NTASKS",
        ]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .any(|n| n.trim().parse::<usize>().is_ok_and(|n| n > 1))
    }

    fn with<R>(&self, f: impl FnOnce(&SimpleCommunicator) -> R) -> R {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&state.0)
    }

    fn check_rank(&self, r: usize) -> Result<i32> {
        if r >= self.size {
            return Err(Error::IndexOutOfBounds {
                dim: 0,
                index: r as i64,
                extent: self.size as u64,
            });
        }
        Ok(r as i32)
    }
}

/// A message length MPI can count (an `int`).
fn count(len: usize) -> Result<()> {
    if i32::try_from(len).is_err() {
        return Err(Error::invalid(format!(
            "a message of {len} bytes: MPI counts at most {} at once",
            i32::MAX
        )));
    }
    Ok(())
}

impl Comm for MpiComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn barrier(&self) -> Result<()> {
        self.with(|w| w.barrier());
        Ok(())
    }

    fn all_reduce(&self, data: &mut [u8], ty: Type, op: ReductionOp) -> Result<()> {
        op.identity(ty)?;
        let n = data.len() / ty.size().max(1);
        if n * ty.size() != data.len() {
            return Err(Error::invalid(
                "all_reduce buffer is not a whole number of elements",
            ));
        }
        count(data.len() * self.size)?;
        let mut all = vec![0u8; data.len() * self.size];
        self.with(|w| w.all_gather_into(&data[..], &mut all[..]));
        let (first, rest) = all.split_at(data.len());
        data.copy_from_slice(first);
        for other in rest.chunks_exact(data.len().max(1)) {
            // SAFETY: `data` holds `n` elements of `ty` (checked above) and is borrowed
            // exclusively; `other` holds as many.
            unsafe { fold_run(ty, op, data.as_mut_ptr(), 1, other, n) };
        }
        Ok(())
    }

    fn broadcast(&self, data: &mut Vec<u8>, root: usize) -> Result<()> {
        let r = self.check_rank(root)?;
        let mut len = [data.len() as u64];
        self.with(|w| w.process_at_rank(r).broadcast_into(&mut len[..]));
        let len = usize::try_from(len[0]).map_err(|_| Error::invalid("a broadcast too long"))?;
        count(len)?;
        data.resize(len, 0);
        self.with(|w| w.process_at_rank(r).broadcast_into(&mut data[..]));
        Ok(())
    }

    fn send(&self, dest: usize, tag: u32, data: &[u8]) -> Result<()> {
        let r = self.check_rank(dest)?;
        count(data.len())?;
        let tag = i32::try_from(tag).map_err(|_| Error::invalid("an MPI tag above i32::MAX"))?;
        self.with(|w| w.process_at_rank(r).send_with_tag(data, tag));
        Ok(())
    }

    fn recv(&self, source: usize, tag: u32) -> Result<Vec<u8>> {
        let r = self.check_rank(source)?;
        let tag = i32::try_from(tag).map_err(|_| Error::invalid("an MPI tag above i32::MAX"))?;
        Ok(self.with(|w| w.process_at_rank(r).receive_vec_with_tag::<u8>(tag).0))
    }
}
