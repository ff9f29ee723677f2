//! Communication between the ranks of a replicated program.
//!
//! Every rank runs the same program and the same analysis; a [`Comm`] moves the bytes the
//! analysis says must move (halos, images, scalar reductions). The single-process
//! implementation is [`LocalComm`]; the MPI backend implements the same trait.

use crate::error::{Error, Result};
use crate::reduction::ReductionOp;
use crate::types::Type;

/// Point-to-point and collective communication among the ranks.
pub trait Comm: Send + Sync {
    /// This process's rank.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Waits until every rank reaches the barrier.
    fn barrier(&self) -> Result<()>;
    /// Combines `data` (elements of `ty`) element-wise over all ranks with `op`; every rank
    /// gets the result.
    fn all_reduce(&self, data: &mut [u8], ty: Type, op: ReductionOp) -> Result<()>;
    /// Replaces `data` on every rank by `root`'s.
    fn broadcast(&self, data: &mut Vec<u8>, root: usize) -> Result<()>;
    /// Sends `data` to `dest` with a tag.
    fn send(&self, dest: usize, tag: u32, data: &[u8]) -> Result<()>;
    /// Receives the message with `tag` from `source`.
    fn recv(&self, source: usize, tag: u32) -> Result<Vec<u8>>;
}

/// The communicator of a program that runs as one process: every collective is the identity.
///
/// ```
/// use legate_core::{Comm, LocalComm, ReductionOp, Type};
/// let c = LocalComm;
/// let mut v = 5i64.to_ne_bytes().to_vec();
/// c.all_reduce(&mut v, Type::Int64, ReductionOp::Add).unwrap();
/// assert_eq!(i64::from_ne_bytes(v.try_into().unwrap()), 5);
/// assert_eq!((c.rank(), c.size()), (0, 1));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalComm;

impl Comm for LocalComm {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn barrier(&self) -> Result<()> {
        Ok(())
    }

    fn all_reduce(&self, data: &mut [u8], ty: Type, op: ReductionOp) -> Result<()> {
        if data.len() % ty.size() != 0 {
            return Err(Error::invalid(
                "all_reduce buffer is not a whole number of elements",
            ));
        }
        op.identity(ty).map(|_| ())
    }

    fn broadcast(&self, _data: &mut Vec<u8>, root: usize) -> Result<()> {
        check_rank(root)
    }

    fn send(&self, dest: usize, _tag: u32, _data: &[u8]) -> Result<()> {
        check_rank(dest)?;
        Err(Error::invalid(
            "a single process has no other rank to send to",
        ))
    }

    fn recv(&self, source: usize, _tag: u32) -> Result<Vec<u8>> {
        check_rank(source)?;
        Err(Error::invalid(
            "a single process has no other rank to receive from",
        ))
    }
}

fn check_rank(r: usize) -> Result<()> {
    if r != 0 {
        return Err(Error::IndexOutOfBounds {
            dim: 0,
            index: r as i64,
            extent: 1,
        });
    }
    Ok(())
}
