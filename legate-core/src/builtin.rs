//! The runtime's own tasks: fill, copy, gather and scatter.

use crate::constraint::ImageKind;
use crate::error::Error;
use crate::task::{Library, TaskContext, TaskDef, TaskError};
use crate::types::{Element, Type};

pub(crate) const FILL: u32 = 0;
pub(crate) const COPY: u32 = 1;
pub(crate) const GATHER: u32 = 2;
pub(crate) const SCATTER: u32 = 3;
pub(crate) const IMAGE: u32 = 4;

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

/// `dst[ind[i]] = src[i]` for the indices that land in this point's tile of `dst` (all of
/// `src` and `ind` are read, in order, so later indices win as in NumPy). Every index is
/// checked against the whole target, whose extent is scalar 0.
fn scatter<T: Element>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let src = ctx.input(0)?.read::<T>()?;
    let ind = ctx.input(1)?.read::<i64>()?;
    let out = ctx.output(0)?;
    let (lo, n) = (out.rect().lo[0], ctx.scalar_value::<u64>(0)? as usize);
    let mut dst = out.write::<T>()?;
    let len = dst.len() as i64;
    for (&v, &i) in src.iter().zip(ind.iter()) {
        let at = index(i, n)? as i64 - lo;
        if (0..len).contains(&at) {
            dst[[at as usize]] = v;
        }
    }
    Ok(())
}

/// The runs of destination points named by one piece of an image's source: its values
/// (points) or its rows (`[lo, hi)` ranges), gathered as `kind` says. `MinMax` and
/// `FirstLast` keep a running span (a piece of a matrix's column indices names millions
/// of points); `Exact` sorts and merges them all.
pub(crate) fn image_runs(
    spans: impl Iterator<Item = (i64, i64)>,
    extent: i64,
    kind: ImageKind,
) -> Result<Vec<(i64, i64)>, Error> {
    let checked = spans.filter(|&(lo, hi)| hi > lo).map(|(lo, hi)| {
        if lo < 0 || hi > extent {
            Err(Error::IndexOutOfBounds {
                dim: 0,
                index: if lo < 0 { lo } else { hi - 1 },
                extent: extent as u64,
            })
        } else {
            Ok((lo, hi))
        }
    });
    match kind {
        ImageKind::MinMax => {
            let mut span: Option<(i64, i64)> = None;
            for run in checked {
                let (lo, hi) = run?;
                span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            }
            Ok(span.into_iter().collect())
        }
        ImageKind::FirstLast => {
            let mut ends: Option<((i64, i64), (i64, i64))> = None;
            for run in checked {
                let run = run?;
                ends = Some(ends.map_or((run, run), |(first, _)| (first, run)));
            }
            Ok(ends
                .map(|(first, last)| (first.0.min(last.0), first.1.max(last.1)))
                .into_iter()
                .collect())
        }
        ImageKind::Exact => {
            let mut runs = checked.collect::<Result<Vec<_>, _>>()?;
            runs.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::new();
            for (lo, hi) in runs {
                match merged.last_mut() {
                    Some(m) if lo <= m.1 => m.1 = m.1.max(hi),
                    _ => merged.push((lo, hi)),
                }
            }
            Ok(merged)
        }
    }
}

fn image<T: Element + Into<i128>>(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    let kind = match ctx.scalar_value::<u8>(0)? {
        0 => ImageKind::Exact,
        1 => ImageKind::MinMax,
        _ => ImageKind::FirstLast,
    };
    let ranges = ctx.scalar_value::<bool>(1)?;
    let extent = ctx.scalar_value::<u64>(2)? as i64;
    let src = ctx.input(0)?.read::<T>()?;
    let as_i64 = |v: T| i64::try_from(v.into()).unwrap_or(i64::MAX);
    let runs = if ranges {
        match src.as_slice() {
            // `rows x 2` pairs laid out in order (a matrix's `pos`): read them as a slice.
            Some(s) if src.ndim() == 2 && src.shape()[1] == 2 => image_runs(
                s.chunks_exact(2).map(|p| (as_i64(p[0]), as_i64(p[1]))),
                extent,
                kind,
            )?,
            _ => {
                let rows = src.rows().into_iter().map(|r| {
                    let mut it = r.into_iter();
                    let lo = it.next().map_or(0, |&v| as_i64(v));
                    let hi = it.next().map_or(0, |&v| as_i64(v));
                    (lo, hi)
                });
                image_runs(rows, extent, kind)?
            }
        }
    } else {
        image_runs(
            src.iter()
                .map(|&v| (as_i64(v), as_i64(v).saturating_add(1))),
            extent,
            kind,
        )?
    };
    let mut words = Vec::with_capacity(1 + 2 * runs.len());
    words.push(runs.len() as i64);
    for (lo, hi) in runs {
        words.extend([lo, hi]);
    }
    ctx.output(0)?.bind_data(words)?;
    Ok(())
}

fn image_any(ctx: &TaskContext<'_>) -> Result<(), TaskError> {
    match ctx.input(0)?.ty() {
        Type::Int8 => image::<i8>(ctx),
        Type::Int16 => image::<i16>(ctx),
        Type::Int32 => image::<i32>(ctx),
        Type::Int64 => image::<i64>(ctx),
        Type::UInt8 => image::<u8>(ctx),
        Type::UInt16 => image::<u16>(ctx),
        Type::UInt32 => image::<u32>(ctx),
        Type::UInt64 => image::<u64>(ctx),
        ty => Err(Error::UnsupportedType {
            op: "image source",
            ty,
        }
        .into()),
    }
}

pub(crate) fn register(lib: &Library) -> crate::Result<()> {
    lib.register_task(
        IMAGE,
        TaskDef::new("image").cpu(|ctx: &mut TaskContext<'_>| image_any(ctx)),
    )?;
    lib.register_task(
        FILL,
        TaskDef::new("fill")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let ty = ctx.output(0)?.ty();
                dispatch_type!(ty, fill(ctx))
            })
            .writes_whole_outputs(),
    )?;
    lib.register_task(
        COPY,
        TaskDef::new("copy")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let ty = ctx.output(0)?.ty();
                dispatch_type!(ty, copy(ctx))
            })
            .writes_whole_outputs(),
    )?;
    lib.register_task(
        GATHER,
        TaskDef::new("gather")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let ty = ctx.output(0)?.ty();
                dispatch_type!(ty, gather(ctx))
            })
            .writes_whole_outputs(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_runs_gather_points_and_ranges_as_asked() {
        let pts = [(5, 6), (1, 2), (2, 3), (9, 10)];
        assert_eq!(
            image_runs(pts.into_iter(), 10, ImageKind::MinMax).unwrap(),
            vec![(1, 10)]
        );
        assert_eq!(
            image_runs(pts.into_iter(), 10, ImageKind::FirstLast).unwrap(),
            vec![(5, 10)]
        );
        assert_eq!(
            image_runs(pts.into_iter(), 10, ImageKind::Exact).unwrap(),
            vec![(1, 3), (5, 6), (9, 10)]
        );
        // Empty ranges name nothing; an index past the extent is an error.
        assert!(image_runs([(3, 3)].into_iter(), 10, ImageKind::Exact)
            .unwrap()
            .is_empty());
        assert_eq!(
            image_runs([(4, 11)].into_iter(), 10, ImageKind::MinMax).unwrap_err(),
            Error::IndexOutOfBounds {
                dim: 0,
                index: 10,
                extent: 10
            }
        );
    }
}
