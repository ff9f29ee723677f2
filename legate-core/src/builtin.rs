//! The runtime's own tasks: fill, copy, gather and scatter.

use crate::error::Error;
use crate::task::{Library, TaskContext, TaskDef, TaskError};
use crate::types::Element;

pub(crate) const FILL: u32 = 0;
pub(crate) const COPY: u32 = 1;
pub(crate) const GATHER: u32 = 2;
pub(crate) const SCATTER: u32 = 3;

/// Calls a generic function for the Rust type of a [`Type`](crate::Type).
///
/// ```
/// use legate_core::{dispatch_type, Element, Type};
/// fn size_of<T: Element>() -> usize { std::mem::size_of::<T>() }
/// assert_eq!(dispatch_type!(Type::Complex64, size_of()), 8);
/// ```
#[macro_export]
macro_rules! dispatch_type {
    ($ty:expr, $f:ident ( $($arg:expr),* )) => {
        match $ty {
            $crate::Type::Bool => $f::<bool>($($arg),*),
            $crate::Type::Int8 => $f::<i8>($($arg),*),
            $crate::Type::Int16 => $f::<i16>($($arg),*),
            $crate::Type::Int32 => $f::<i32>($($arg),*),
            $crate::Type::Int64 => $f::<i64>($($arg),*),
            $crate::Type::UInt8 => $f::<u8>($($arg),*),
            $crate::Type::UInt16 => $f::<u16>($($arg),*),
            $crate::Type::UInt32 => $f::<u32>($($arg),*),
            $crate::Type::UInt64 => $f::<u64>($($arg),*),
            $crate::Type::Float16 => $f::<$crate::half::f16>($($arg),*),
            $crate::Type::Float32 => $f::<f32>($($arg),*),
            $crate::Type::Float64 => $f::<f64>($($arg),*),
            $crate::Type::Complex64 => $f::<$crate::num_complex::Complex<f32>>($($arg),*),
            $crate::Type::Complex128 => $f::<$crate::num_complex::Complex<f64>>($($arg),*),
        }
    };
}

fn fill<T: Element>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let v = ctx.scalar_value::<T>(0)?;
    ctx.output(0)?.write::<T>()?.fill(v);
    Ok(())
}

fn copy<T: Element>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let src = ctx.input(0)?.read::<T>()?;
    ctx.output(0)?.write::<T>()?.assign(&src);
    Ok(())
}

/// The source index `i` of a 1-D store of `n` elements, checked.
fn index(i: i64, n: usize) -> Result<usize, TaskError> {
    if i < 0 || i as usize >= n {
        return Err(Error::IndexOutOfBounds {
            dim: 0,
            index: i,
            extent: n as u64,
        }
        .into());
    }
    Ok(i as usize)
}

/// `dst[i] = src[ind[i]]`: `src` whole, `ind` and `dst` aligned.
fn gather<T: Element>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let src = ctx.input(0)?.read::<T>()?;
    let ind = ctx.input(1)?.read::<i64>()?;
    let mut dst = ctx.output(0)?.write::<T>()?;
    let n = src.len();
    for (d, &i) in dst.iter_mut().zip(ind.iter()) {
        *d = src[[index(i, n)?]];
    }
    Ok(())
}

/// `dst[ind[i]] = src[i]`: one point, later indices win as in NumPy.
fn scatter<T: Element>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let src = ctx.input(0)?.read::<T>()?;
    let ind = ctx.input(1)?.read::<i64>()?;
    let mut dst = ctx.output(0)?.write::<T>()?;
    let n = dst.len();
    for (&v, &i) in src.iter().zip(ind.iter()) {
        dst[[index(i, n)?]] = v;
    }
    Ok(())
}

pub(crate) fn register(lib: &Library) -> crate::Result<()> {
    lib.register_task(
        FILL,
        TaskDef::new("fill").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch_type!(ty, fill(ctx))
        }),
    )?;
    lib.register_task(
        COPY,
        TaskDef::new("copy").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch_type!(ty, copy(ctx))
        }),
    )?;
    lib.register_task(
        GATHER,
        TaskDef::new("gather").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch_type!(ty, gather(ctx))
        }),
    )?;
    lib.register_task(
        SCATTER,
        TaskDef::new("scatter").cpu(|ctx: &mut TaskContext<'_>| {
            let ty = ctx.output(0)?.ty();
            dispatch_type!(ty, scatter(ctx))
        }),
    )?;
    Ok(())
}
