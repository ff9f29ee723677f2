//! The block kernels of every element-wise operation: what legate-core's fusion evaluates
//! (`Runtime::elementwise`), one block of a few thousand elements at a time.
//!
//! Each builder checks at the call that the type has the operation, so a program learns of
//! an unsupported type where it asked, not at the next wait.

use std::sync::Arc;

use half::f16;
use legate_core::{
    BlockIn, BlockKernel, BlockOut, Error, ReductionOp, Result, Scalar, TaskError, Type,
};
use num_complex::Complex;

use crate::kernels::{cast, compare_exact, BinaryOp, UnaryOp};
use crate::tasks::{Elem, Reduction};

/// The operands of a kernel that takes `N` of one type.
fn operands<'a, T: Elem, const N: usize>(ins: &[BlockIn<'a>]) -> Result<[&'a [T]; N], TaskError> {
    if ins.len() != N {
        return Err(TaskError::new(format!(
            "element-wise kernel of {N} operands given {}",
            ins.len()
        )));
    }
    let mut out: [&'a [T]; N] = [&[]; N];
    for (o, i) in out.iter_mut().zip(ins) {
        *o = i.get::<T>()?;
    }
    Ok(out)
}

fn kernel(
    f: impl Fn(&[BlockIn<'_>], &mut BlockOut<'_>) -> Result<(), TaskError> + Send + Sync + 'static,
) -> BlockKernel {
    Arc::new(f)
}

/// `op(a, b)` on two blocks of `T` (booleans for comparisons).
pub(crate) fn binary_kernel<T: Elem>(op: BinaryOp) -> Result<BlockKernel> {
    if op.is_comparison() {
        return Ok(kernel(move |ins, out| {
            let [a, b] = operands::<T, 2>(ins)?;
            for ((y, &a), &b) in out.get_mut::<bool>()?.iter_mut().zip(a).zip(b) {
                *y = compare_exact(op, a, b);
            }
            Ok(())
        }));
    }
    let f = T::binary(op).ok_or(Error::UnsupportedType {
        op: op.name(),
        ty: T::TYPE,
    })?;
    Ok(kernel(move |ins, out| {
        let [a, b] = operands::<T, 2>(ins)?;
        let y = out.get_mut::<T>()?;
        if !T::binary_block(op, a, b, y) {
            for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
                *y = f(a, b);
            }
        }
        Ok(())
    }))
}

/// `op(a, s)`, or `op(s, a)` when `reversed`, with `s` already of type `T`.
pub(crate) fn scalar_kernel<T: Elem>(
    op: BinaryOp,
    s: Scalar,
    reversed: bool,
) -> Result<BlockKernel> {
    let s = s.get::<T>()?;
    let order = move |x: T| if reversed { (s, x) } else { (x, s) };
    if op.is_comparison() {
        return Ok(kernel(move |ins, out| {
            let [a] = operands::<T, 1>(ins)?;
            for (y, &x) in out.get_mut::<bool>()?.iter_mut().zip(a) {
                let (l, r) = order(x);
                *y = compare_exact(op, l, r);
            }
            Ok(())
        }));
    }
    let f = T::binary(op).ok_or(Error::UnsupportedType {
        op: op.name(),
        ty: T::TYPE,
    })?;
    Ok(kernel(move |ins, out| {
        let [a] = operands::<T, 1>(ins)?;
        let y = out.get_mut::<T>()?;
        if !T::scalar_block(op, a, s, reversed, y) {
            for (y, &x) in y.iter_mut().zip(a) {
                let (l, r) = order(x);
                *y = f(l, r);
            }
        }
        Ok(())
    }))
}

/// `op(a)` (booleans for predicates such as `isnan`).
pub(crate) fn unary_kernel<T: Elem>(op: UnaryOp) -> Result<BlockKernel> {
    let missing = || Error::UnsupportedType {
        op: op.name(),
        ty: T::TYPE,
    };
    if op.is_predicate() {
        let f = T::predicate(op).ok_or_else(missing)?;
        return Ok(kernel(move |ins, out| {
            let [a] = operands::<T, 1>(ins)?;
            for (y, &a) in out.get_mut::<bool>()?.iter_mut().zip(a) {
                *y = f(a);
            }
            Ok(())
        }));
    }
    let f = T::unary(op).ok_or_else(missing)?;
    Ok(kernel(move |ins, out| {
        let [a] = operands::<T, 1>(ins)?;
        let y = out.get_mut::<T>()?;
        if !T::unary_block(op, a, y) {
            for (y, &a) in y.iter_mut().zip(a) {
                *y = f(a);
            }
        }
        Ok(())
    }))
}

/// `where(c, x, y)` with `c` boolean.
pub(crate) fn where_kernel<T: Elem>() -> Result<BlockKernel> {
    Ok(kernel(|ins, out| {
        let (c, rest) = ins
            .split_first()
            .ok_or_else(|| TaskError::new("where without a condition"))?;
        let c = c.get::<bool>()?;
        let [x, y] = operands::<T, 2>(rest)?;
        crate::vmath::select(c, x, y, out.get_mut::<T>()?);
        Ok(())
    }))
}

fn astype_to<S: Elem, D: Elem>() -> BlockKernel {
    kernel(|ins, out| {
        let [x] = operands::<S, 1>(ins)?;
        for (y, &x) in out.get_mut::<D>()?.iter_mut().zip(x) {
            *y = cast::<S, D>(x);
        }
        Ok(())
    })
}

/// NumPy's `astype` from `S` to `to`.
pub(crate) fn astype_kernel<S: Elem>(to: Type) -> Result<BlockKernel> {
    Ok(match to {
        Type::Bool => astype_to::<S, bool>(),
        Type::Int8 => astype_to::<S, i8>(),
        Type::Int16 => astype_to::<S, i16>(),
        Type::Int32 => astype_to::<S, i32>(),
        Type::Int64 => astype_to::<S, i64>(),
        Type::UInt8 => astype_to::<S, u8>(),
        Type::UInt16 => astype_to::<S, u16>(),
        Type::UInt32 => astype_to::<S, u32>(),
        Type::UInt64 => astype_to::<S, u64>(),
        Type::Float16 => astype_to::<S, f16>(),
        Type::Float32 => astype_to::<S, f32>(),
        Type::Float64 => astype_to::<S, f64>(),
        Type::Complex64 => astype_to::<S, Complex<f32>>(),
        Type::Complex128 => astype_to::<S, Complex<f64>>(),
    })
}

/// Folds a block into a running value with `op` (sums vectorized): what whole-array
/// reductions give `Runtime::elementwise_reduce`.
pub(crate) fn fold_kernel<T: Elem>(op: ReductionOp) -> Result<BlockKernel> {
    let r = Reduction::<T>::new(op)?;
    let f = r.f;
    Ok(kernel(move |ins, acc| {
        let [x] = operands::<T, 1>(ins)?;
        let part = r.fold(x);
        let acc = acc
            .get_mut::<T>()?
            .first_mut()
            .ok_or_else(|| TaskError::new("a reduction into no element"))?;
        *acc = f(*acc, part);
        Ok(())
    }))
}
