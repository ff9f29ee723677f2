//! [`MpiComm`]: the [`Comm`] of a program launched as an MPI job (`mpirun -np N prog`),
//! over the `mpi` crate (feature `mpi`).
//!
//! Every collective gives every rank the same bytes: a reduction gathers each rank's
//! buffer and folds them in rank order on every rank, so replicated ranks that branch on
//! a reduced value take the same branch (an MPI reduction may combine in any order, and a
//! floating-point sum then differs in its last bits between runs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mpi::environment::Universe;
use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{
    Communicator, CommunicatorCollectives, Destination, MatchedReceiveVec, Root, Source,
};
use mpi::Threading;

use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::reduction::{fold_run, ReductionOp};
use crate::replication::{Arrival, Mailbox, Transport};
use crate::store::lock_ignoring_poison;
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
        let state = lock_ignoring_poison(&self.state);
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

/// The [`Transport`] of a replicated program launched as an MPI job: one communication
/// thread owns MPI (it initializes it, and finalizes it in [`finish`](Self::finish)); the
/// runtime's threads hand it messages to send and expectations of messages, through a
/// channel, and never wait on MPI themselves.
///
/// Every message travels as MPI tag 0 with a trailer of the runtime's 64-bit tag and the
/// message's length (MPI tags are too narrow for the runtime's); messages above 1 GiB go in
/// pieces, which MPI delivers in order between two ranks. The thread posts nonblocking
/// sends, tests them, and probes for arrivals; idle, it waits up to 50 µs for a command.
pub struct MpiTransport {
    rank: usize,
    size: usize,
    commands: Mutex<Option<std::sync::mpsc::Sender<Command>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

enum Command {
    Send {
        dest: usize,
        tag: u64,
        data: Vec<u8>,
    },
    Expect {
        source: usize,
        tag: u64,
        on_arrival: Arrival,
    },
}

/// The largest piece of a message sent at once (MPI counts bytes in an `int`).
const PIECE: usize = 1 << 30;
/// The trailer: the runtime's tag and the whole message's length.
const TRAILER: usize = 16;

impl std::fmt::Debug for MpiTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MpiTransport(rank {} of {})", self.rank, self.size)
    }
}

impl MpiTransport {
    /// Starts the communication thread, which initializes MPI. An error when MPI was
    /// initialized already in this process or gives less than funneled threading.
    pub fn init() -> Result<Arc<MpiTransport>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("legate-mpi".into())
            .spawn(move || communicate(rx, ready_tx))
            .map_err(|e| Error::internal(format!("starting the MPI thread: {e}")))?;
        let (rank, size) = ready_rx
            .recv()
            .map_err(|_| Error::internal("the MPI thread stopped before MPI started"))??;
        Ok(Arc::new(MpiTransport {
            rank,
            size,
            commands: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        }))
    }

    /// Waits for every message handed to the transport to be sent, then finalizes MPI
    /// (a collective: every rank must finish). Later messages are dropped.
    pub fn finish(&self) {
        lock_ignoring_poison(&self.commands).take();
        if let Some(t) = lock_ignoring_poison(&self.thread).take() {
            let _ = t.join();
        }
    }

    fn command(&self, c: Command) {
        if let Some(tx) = lock_ignoring_poison(&self.commands).as_ref() {
            let _ = tx.send(c);
        }
    }
}

impl Drop for MpiTransport {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Transport for MpiTransport {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn send(&self, dest: usize, tag: u64, data: Vec<u8>) {
        self.command(Command::Send { dest, tag, data });
    }

    fn expect(&self, source: usize, tag: u64, on_arrival: Arrival) {
        self.command(Command::Expect {
            source,
            tag,
            on_arrival,
        });
    }
}

/// A send in flight: its request and the buffer it reads, freed once it completes.
struct InFlight {
    request: Request<'static, [u8], StaticScope>,
    buffer: *mut [u8],
}

/// The communication thread's messages: the runtime's [`Mailbox`], and the messages whose
/// first pieces came.
#[derive(Default)]
struct Pieces {
    mailbox: Mailbox,
    partial: HashMap<(usize, u64), Vec<u8>>,
}

impl Pieces {
    fn expect(&mut self, source: usize, tag: u64, on_arrival: Arrival) {
        if let Some((on_arrival, data)) = self.mailbox.expect((source, tag), on_arrival) {
            on_arrival(data);
        }
    }

    /// Takes one piece as MPI delivered it.
    fn piece(&mut self, source: usize, mut data: Vec<u8>) {
        if data.len() < TRAILER {
            return;
        }
        let at = data.len() - TRAILER;
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&data[at + i..at + i + 8]);
            u64::from_le_bytes(w)
        };
        let (tag, total) = (word(0), word(8) as usize);
        data.truncate(at);
        let key = (source, tag);
        let whole = match self.partial.remove(&key) {
            None if data.len() == total => data,
            None => {
                self.partial.insert(key, data);
                return;
            }
            Some(mut so_far) => {
                so_far.extend_from_slice(&data);
                if so_far.len() < total {
                    self.partial.insert(key, so_far);
                    return;
                }
                so_far
            }
        };
        if let Some((on_arrival, data)) = self.mailbox.deliver(key, whole) {
            on_arrival(data);
        }
    }
}

/// The communication thread: initializes MPI, serves commands until the channel closes
/// and every send completed, then finalizes MPI after a barrier.
fn communicate(
    commands: std::sync::mpsc::Receiver<Command>,
    ready: std::sync::mpsc::Sender<Result<(usize, usize)>>,
) {
    use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
    let Some((universe, threading)) = mpi::initialize_with_threading(Threading::Funneled) else {
        let _ = ready.send(Err(Error::invalid(
            "MPI was initialized already in this process",
        )));
        return;
    };
    if threading < Threading::Funneled {
        let _ = ready.send(Err(Error::invalid(format!(
            "the MPI library gives {threading:?} threading; the runtime needs Funneled"
        ))));
        return;
    }
    let world = universe.world();
    let _ = ready.send(Ok((world.rank() as usize, world.size() as usize)));
    let mut sends: Vec<InFlight> = Vec::new();
    let mut mailbox = Pieces::default();
    let mut open = true;
    let post = |sends: &mut Vec<InFlight>, dest: usize, tag: u64, data: Vec<u8>| {
        let total = data.len() as u64;
        let mut pieces: Vec<&[u8]> = data.chunks(PIECE).collect();
        if pieces.is_empty() {
            pieces.push(&[]);
        }
        for piece in pieces {
            let mut bytes = Vec::with_capacity(piece.len() + TRAILER);
            bytes.extend_from_slice(piece);
            bytes.extend_from_slice(&tag.to_le_bytes());
            bytes.extend_from_slice(&total.to_le_bytes());
            let buffer = Box::into_raw(bytes.into_boxed_slice());
            // SAFETY: the buffer is leaked until the request completes (`InFlight`), and
            // nothing writes it meanwhile.
            let slice: &'static [u8] = unsafe { &*buffer };
            let request = world
                .process_at_rank(dest as i32)
                .immediate_send(StaticScope, slice);
            sends.push(InFlight { request, buffer });
        }
    };
    let serve = |c: Command, sends: &mut Vec<InFlight>, mailbox: &mut Pieces| match c {
        Command::Send { dest, tag, data } => post(sends, dest, tag, data),
        Command::Expect {
            source,
            tag,
            on_arrival,
        } => mailbox.expect(source, tag, on_arrival),
    };
    loop {
        let mut busy = false;
        while open {
            match commands.try_recv() {
                Ok(c) => serve(c, &mut sends, &mut mailbox),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => open = false,
            }
            busy = true;
        }
        let mut still = Vec::with_capacity(sends.len());
        for s in sends.drain(..) {
            match s.request.test() {
                Ok(_) => {
                    // SAFETY: the send completed: MPI no longer reads the buffer, which
                    // came from `Box::into_raw` in `post`.
                    drop(unsafe { Box::from_raw(s.buffer) });
                    busy = true;
                }
                Err(request) => still.push(InFlight {
                    request,
                    buffer: s.buffer,
                }),
            }
        }
        sends = still;
        while let Some((message, status)) = world.any_process().immediate_matched_probe() {
            let source = status.source_rank() as usize;
            let (data, _) = (message, status).matched_receive_vec::<u8>();
            mailbox.piece(source, data);
            busy = true;
        }
        if !open && sends.is_empty() {
            break;
        }
        if !busy && open {
            match commands.recv_timeout(std::time::Duration::from_micros(50)) {
                Ok(c) => serve(c, &mut sends, &mut mailbox),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
        }
    }
    world.barrier();
    drop(world);
    drop(universe);
}

/// The runtime of this MPI job and its transport, kept until the process exits.
static JOB: std::sync::OnceLock<(crate::Runtime, Arc<MpiTransport>)> = std::sync::OnceLock::new();

extern "C" {
    fn atexit(f: extern "C" fn()) -> std::os::raw::c_int;
}

/// At exit: the job's runtime finishes its work (the sends other ranks wait for among
/// it), then MPI is finalized.
extern "C" fn finish_job() {
    if let Some((rt, transport)) = JOB.get() {
        let _ = rt.fence();
        transport.finish();
    }
}

/// The runtime of a program launched as an MPI job of several ranks: replicated over an
/// [`MpiTransport`], one per process (a second call returns the first).
pub(crate) fn job_runtime(config: legate_mapper::Config) -> Result<crate::Runtime> {
    if let Some((rt, _)) = JOB.get() {
        return Ok(rt.clone());
    }
    let transport = MpiTransport::init()?;
    let rt = crate::Runtime::replicated(config, Arc::clone(&transport) as Arc<dyn Transport>)?;
    if JOB.set((rt.clone(), transport)).is_ok() {
        // SAFETY: registers a plain function with the C library, once.
        unsafe { atexit(finish_job) };
    }
    Ok(rt)
}
