//! The MPI communicator's check, run by `make test` as an MPI job on 2 and 3 ranks:
//! `mpirun -np 2 target/debug/examples/mpi_comm` (build with `--features mpi`). Every
//! rank checks the collectives and a ring of messages against what they must give, and
//! that every rank got the same bytes; a failed check exits non-zero, and so does
//! `mpirun`.

use legate_core::{Comm, Error, MpiComm, ReductionOp, Type};

fn words<T: Copy>(bytes: &[u8], of: impl Fn([u8; 8]) -> T) -> Vec<T> {
    bytes
        .chunks_exact(8)
        .map(|c| of(c.try_into().unwrap_or([0; 8])))
        .collect()
}

fn main() -> Result<(), Error> {
    let comm = MpiComm::init()?;
    let (rank, size) = (comm.rank(), comm.size());
    assert!(
        rank < size && size > 1,
        "rank {rank} of {size}: run under mpirun -np 2 or more"
    );
    comm.barrier()?;

    // Sums, products and extremes of integers.
    let r = rank as i64;
    let mut ints: Vec<u8> = [r, 1, -r, r + 2]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    comm.all_reduce(&mut ints[..24], Type::Int64, ReductionOp::Add)?;
    comm.all_reduce(&mut ints[24..], Type::Int64, ReductionOp::Mul)?;
    let n = size as i64;
    let product: i64 = (0..n).map(|r| r + 2).product();
    assert_eq!(
        words(&ints, i64::from_ne_bytes),
        vec![n * (n - 1) / 2, n, -n * (n - 1) / 2, product]
    );
    let mut extremes: Vec<u8> = (0.5 + rank as f64).to_ne_bytes().to_vec();
    extremes.extend((rank as f64 - 7.25).to_ne_bytes());
    comm.all_reduce(&mut extremes[..8], Type::Float64, ReductionOp::Max)?;
    comm.all_reduce(&mut extremes[8..], Type::Float64, ReductionOp::Min)?;
    assert_eq!(
        words(&extremes, f64::from_ne_bytes),
        vec![size as f64 - 0.5, -7.25]
    );

    // A floating-point sum: folded in rank order, so every rank has the same bits.
    let mut sum = (0.1 * (rank as f64 + 1.0)).to_ne_bytes().to_vec();
    comm.all_reduce(&mut sum, Type::Float64, ReductionOp::Add)?;
    let want = (1..size).fold(0.1, |s, r| s + 0.1 * (r as f64 + 1.0));
    assert_eq!(sum, want.to_ne_bytes().to_vec());
    let mut root_sum = sum.clone();
    comm.broadcast(&mut root_sum, 0)?;
    assert_eq!(
        root_sum, sum,
        "rank {rank} reduced to other bits than rank 0"
    );

    // A broadcast from the last rank, whatever each rank held before.
    let root = size - 1;
    let mut data = if rank == root {
        (0..1000u32).map(|i| (i * 7) as u8).collect()
    } else {
        vec![9u8; rank * 3]
    };
    comm.broadcast(&mut data, root)?;
    assert_eq!(data.len(), 1000);
    assert!(data
        .iter()
        .enumerate()
        .all(|(i, &b)| b == (i as u32 * 7) as u8));

    // A ring: each rank sends its rank to the next and hears from the one before.
    let (next, prev) = ((rank + 1) % size, (rank + size - 1) % size);
    let message = format!("from {rank}").into_bytes();
    let heard = if rank % 2 == 0 {
        comm.send(next, 7, &message)?;
        comm.recv(prev, 7)?
    } else {
        let heard = comm.recv(prev, 7)?;
        comm.send(next, 7, &message)?;
        heard
    };
    assert_eq!(heard, format!("from {prev}").into_bytes());

    // Bad arguments are errors, not aborts.
    assert!(matches!(
        comm.broadcast(&mut vec![], size),
        Err(Error::IndexOutOfBounds { .. })
    ));
    assert!(comm.send(size + 3, 1, b"x").is_err());
    assert!(comm
        .all_reduce(&mut [0u8; 5], Type::Int64, ReductionOp::Add)
        .is_err());

    comm.barrier()?;
    println!("rank {rank} of {size}: MPI communicator checks passed");
    Ok(())
}
