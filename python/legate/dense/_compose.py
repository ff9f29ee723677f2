"""NumPy functions that ``legate.dense`` builds from its other operations (no task of
their own): NumPy's aliases, predicates on dtypes and values, set operations through
``unique``/``searchsorted``, differences, statistics such as ``cov``, and index helpers.
Each runs as the few launches its parts take."""

import builtins
import operator
from collections import namedtuple

import numpy as _np
from numpy import (  # noqa: F401  (pure dtype and shape helpers, the same as NumPy's)
    broadcast_shapes, common_type, isdtype, isscalar, issubdtype, iterable,
    min_scalar_type, mintypecode, typename,
)

from . import (
    _a, _fallback_call, _wrap, arange, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
    arctanh, argsort, concatenate, cumprod, cumsum, degrees, flip, invert, isinf, isnan,
    left_shift, logical_and, logical_not, logspace, matmul, moveaxis, nonzero, ndarray,
    power, radians, right_shift, searchsorted, signbit, sin, sort, swapaxes, take, tile,
    tri, transpose, trunc, unique, where, zeros,
)

__all__ = [
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_invert",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "pow", "deg2rad",
    "rad2deg", "permute_dims", "matrix_transpose", "astype", "asanyarray",
    "ascontiguousarray", "asfortranarray", "real", "imag", "angle", "iscomplex", "isreal",
    "iscomplexobj", "isrealobj", "isneginf", "isposinf", "fix", "sinc", "nan_to_num",
    "broadcast_shapes", "broadcast_arrays", "common_type", "isdtype", "isscalar",
    "issubdtype", "iterable", "min_scalar_type", "mintypecode", "typename", "diff",
    "ediff1d", "cumulative_sum", "cumulative_prod", "append", "copyto", "fill_diagonal",
    "indices", "ix_", "tril_indices", "triu_indices", "tril_indices_from",
    "triu_indices_from", "diag_indices", "diag_indices_from", "rot90", "resize",
    "trapezoid", "isin", "union1d", "intersect1d", "setdiff1d", "setxor1d",
    "unique_values", "unique_counts", "unique_inverse", "unique_all", "vecdot", "cross",
    "cov", "corrcoef", "digitize", "geomspace", "vander", "kron", "select",
    "may_share_memory", "shares_memory", "unstack", "trim_zeros", "sort_complex",
    "array_equiv",
]

acos, acosh, asin, asinh = arccos, arccosh, arcsin, arcsinh
atan, atan2, atanh = arctan, arctan2, arctanh
bitwise_invert = bitwise_not = invert
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift
pow = power  # noqa: A001
deg2rad, rad2deg = radians, degrees
permute_dims = transpose


def matrix_transpose(x, /):
    x = _a(x)
    if x.ndim < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


def astype(x, dtype, /, *, copy=True, device=None):
    return _a(x).astype(dtype, copy=copy)


def asanyarray(a, dtype=None, order=None):
    from . import asarray

    return asarray(a, dtype)


ascontiguousarray = asfortranarray = asanyarray


def real(val):
    return _a(val).real


def imag(val):
    return _a(val).imag


def angle(z, deg=False):
    z = _a(z)
    r = arctan2(z.imag, z.real) if z.dtype.kind == "c" else arctan2(zeros(z.shape), z.real)
    return degrees(r) if deg else r


def iscomplex(x):
    x = _a(x)
    return x.imag != 0 if x.dtype.kind == "c" else zeros(x.shape, dtype=bool)


def isreal(x):
    return logical_not(iscomplex(x))


def iscomplexobj(x):
    return _np.dtype(getattr(x, "dtype", _np.asarray(x).dtype)).kind == "c"


def isrealobj(x):
    return not iscomplexobj(x)


def isneginf(x, out=None):
    x = _a(x)
    return logical_and(isinf(x), signbit(x), out=out)


def isposinf(x, out=None):
    x = _a(x)
    return logical_and(isinf(x), logical_not(signbit(x)), out=out)


def fix(x, out=None):
    return trunc(x, out=out)


def sinc(x):
    x = _a(x)
    y = _np.pi * where(x == 0, 1.0e-20, x)
    return sin(y) / y


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = _a(x)
    if x.dtype.kind not in "fc":
        return x.copy() if copy else x
    if x.dtype.kind == "c":
        r = nan_to_num(x.real, nan=nan, posinf=posinf, neginf=neginf) + 1j * nan_to_num(
            x.imag, nan=nan, posinf=posinf, neginf=neginf)
        r = r.astype(x.dtype)
    else:
        big = _np.finfo(x.dtype).max
        r = where(isnan(x), nan, x)
        r = where(isposinf(r), big if posinf is None else posinf, r)
        r = where(isneginf(r), -big if neginf is None else neginf, r).astype(x.dtype)
    if not copy:
        x[...] = r
        return x
    return r


def broadcast_arrays(*args, subok=False):
    arrays = [_a(x) for x in args]
    shape = broadcast_shapes(*(x.shape for x in arrays))
    return tuple(_wrap(x._h.broadcast_to(list(shape))) for x in arrays)


def _slice(ndim, axis, s):
    key = [slice(None)] * ndim
    key[axis] = s
    return tuple(key)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    a = _a(a)
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = operator.index(axis) % a.ndim
    parts = []
    for extra, first in ((prepend, True), (append, False)):
        if extra is not None:
            e = _a(extra)
            if e.ndim == 0:
                shape = list(a.shape)
                shape[axis] = 1
                e = _wrap(e._h.broadcast_to(shape))
            parts.append((first, e))
    if parts:
        a = concatenate([e for f, e in parts if f] + [a] + [e for f, e in parts if not f],
                        axis)
    for _ in range(operator.index(n)):
        hi, lo = a[_slice(a.ndim, axis, slice(1, None))], a[_slice(a.ndim, axis, slice(None, -1))]
        a = (hi != lo) if a.dtype == _np.bool_ else hi - lo
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    d = diff(_a(ary).ravel())
    parts = ([_a(to_begin).ravel().astype(d.dtype)] if to_begin is not None else []) + [d] + (
        [_a(to_end).ravel().astype(d.dtype)] if to_end is not None else [])
    return concatenate(parts) if len(parts) > 1 else d


def _cumulative(f, x, axis, dtype, include_initial, initial):
    x = _a(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError("axis must be given for arrays of more than one dimension")
        axis = 0
    r = f(x, axis=axis, dtype=dtype)
    if include_initial:
        shape = list(r.shape)
        shape[axis] = 1
        from . import full

        r = concatenate([full(shape, initial, dtype=r.dtype), r], axis)
    return r


def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _cumulative(cumsum, x, axis, dtype, include_initial, 0)


def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _cumulative(cumprod, x, axis, dtype, include_initial, 1)


def append(arr, values, axis=None):
    arr, values = _a(arr), _a(values)
    if axis is None:
        return concatenate([arr.ravel(), values.ravel()])
    return concatenate([arr, values], axis)


def copyto(dst, src, casting="same_kind", where=True):
    if not isinstance(dst, ndarray):
        raise TypeError("copyto() argument 1 must be a legate.dense.ndarray")
    src = _a(src)
    if where is True:
        dst[...] = src.astype(dst.dtype) if src.dtype != dst.dtype else src
    else:
        dst[...] = _where(where, src, dst).astype(dst.dtype)


_where = where


def fill_diagonal(a, val, wrap=False):
    if not isinstance(a, ndarray):
        raise TypeError("fill_diagonal() argument 1 must be a legate.dense.ndarray")
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    if a.ndim == 2:
        step = a.shape[1] + 1
        end = a.size if wrap else builtins.min(a.shape[0], a.shape[1]) * a.shape[1]
    else:
        if len(set(a.shape)) != 1:
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + builtins.sum(a.shape[0] ** k for k in range(1, a.ndim))
        end = a.size
    idx = arange(0, end, step)
    vals = _a(val).ravel()
    if vals.size != idx.size:
        vals = resize(vals, idx.shape)
    from . import put

    put(a, idx, vals)


def indices(dimensions, dtype=int, sparse=False):
    dims = tuple(operator.index(d) for d in dimensions)
    out = []
    for i, d in enumerate(dims):
        shape = [1] * len(dims)
        shape[i] = d
        g = arange(d, dtype=dtype).reshape(shape)
        out.append(g if sparse else _wrap(g._h.broadcast_to(list(dims))).copy())
    if sparse:
        return tuple(out)
    from . import stack

    return stack(out) if out else zeros((0,), dtype=dtype)


def ix_(*args):
    out = []
    n = len(args)
    for k, x in enumerate(args):
        x = _a(x)
        if x.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if x.dtype == _np.bool_:
            x = nonzero(x)[0]
        shape = [1] * n
        shape[k] = x.size
        out.append(x.reshape(shape))
    return tuple(out)


def tril_indices(n, k=0, m=None):
    return nonzero(tri(n, m, k, dtype=bool))


def triu_indices(n, k=0, m=None):
    return nonzero(logical_not(tri(n, m, k - 1, dtype=bool)))


def tril_indices_from(arr, k=0):
    arr = _a(arr)
    if arr.ndim != 2:
        raise ValueError("input array must be 2-d")
    return tril_indices(arr.shape[-2], k=k, m=arr.shape[-1])


def triu_indices_from(arr, k=0):
    arr = _a(arr)
    if arr.ndim != 2:
        raise ValueError("input array must be 2-d")
    return triu_indices(arr.shape[-2], k=k, m=arr.shape[-1])


def diag_indices(n, ndim=2):
    idx = arange(n)
    return (idx,) * ndim


def diag_indices_from(arr):
    arr = _a(arr)
    if arr.ndim < 2 or len(set(arr.shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(arr.shape[0], arr.ndim)


def rot90(m, k=1, axes=(0, 1)):
    m = _a(m)
    a0, a1 = (operator.index(x) for x in axes)
    if a0 % m.ndim == a1 % m.ndim or m.ndim < 2:
        raise ValueError("Axes must be different.")
    k = operator.index(k) % 4
    if k == 0:
        return m.copy()
    if k == 2:
        return flip(flip(m, a0), a1)
    order = list(range(m.ndim))
    order[a0], order[a1] = order[a1], order[a0]
    return transpose(flip(m, a1), order) if k == 1 else flip(transpose(m, order), a1)


def resize(a, new_shape):
    from . import _shape, tile

    a = _a(a).ravel()
    shape = _shape(new_shape)
    total = 1
    for s in shape:
        total *= s
    if a.size == 0 or total == 0:
        return zeros(shape, dtype=a.dtype)
    reps = -(-total // a.size)
    return tile(a, reps)[:total].reshape(shape)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _a(y)
    axis = operator.index(axis) % y.ndim
    hi, lo = y[_slice(y.ndim, axis, slice(1, None))], y[_slice(y.ndim, axis, slice(None, -1))]
    if x is None:
        return ((hi + lo) * (dx / 2.0)).sum(axis)
    d = diff(_a(x), axis=-1 if _a(x).ndim == 1 else axis)
    if d.ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[axis] = d.shape[0]
        d = d.reshape(shape)
    return (d * (hi + lo) / 2.0).sum(axis)


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    e = _a(element)
    t = unique(_a(test_elements).ravel())
    if t.size == 0:
        found = zeros(e.shape, dtype=bool)
    else:
        pos = searchsorted(t, e.ravel())
        pos = where(pos >= t.size, t.size - 1, pos)
        found = (take(t, pos) == e.ravel()).reshape(e.shape)
    return logical_not(found) if invert else found


def union1d(ar1, ar2):
    return unique(concatenate([_a(ar1).ravel(), _a(ar2).ravel()]))


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    if return_indices:
        return _fallback_call("intersect1d", _np.intersect1d, (ar1, ar2),
                              {"assume_unique": assume_unique, "return_indices": True})
    a = _a(ar1).ravel() if assume_unique else unique(ar1)
    b = _a(ar2).ravel() if assume_unique else unique(ar2)
    return sort(a[isin(a, b)])


def setdiff1d(ar1, ar2, assume_unique=False):
    a = _a(ar1).ravel() if assume_unique else unique(ar1)
    return a[isin(a, ar2, invert=True)]


def setxor1d(ar1, ar2, assume_unique=False):
    a = _a(ar1).ravel() if assume_unique else unique(ar1)
    b = _a(ar2).ravel() if assume_unique else unique(ar2)
    return sort(concatenate([a[isin(a, b, invert=True)], b[isin(b, a, invert=True)]]))


UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices",
                                                 "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def unique_values(x):
    return unique(x)


def unique_counts(x):
    return UniqueCountsResult(*unique(x, return_counts=True))


def unique_inverse(x):
    v, inv = unique(x, return_inverse=True)
    return UniqueInverseResult(v, inv.reshape(_a(x).shape))


def unique_all(x):
    v, i, inv, c = unique(x, return_index=True, return_inverse=True, return_counts=True)
    return UniqueAllResult(v, i, inv.reshape(_a(x).shape), c)


def vecdot(x1, x2, /, *, axis=-1):
    x1, x2 = _a(x1), _a(x2)
    c = x1.conj() if x1.dtype.kind == "c" else x1
    return (c * x2).sum(axis)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    from . import moveaxis, stack

    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(_a(a), axisa, -1), moveaxis(_a(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    a2 = a[..., 2] if a.shape[-1] == 3 else None
    b2 = b[..., 2] if b.shape[-1] == 3 else None
    zero = 0
    c0 = a1 * (b2 if b2 is not None else zero) - (a2 if a2 is not None else zero) * b1
    c1 = (a2 if a2 is not None else zero) * b0 - a0 * (b2 if b2 is not None else zero)
    c2 = a0 * b1 - a1 * b0
    return moveaxis(stack(broadcast_arrays(c0, c1, c2), -1), -1, axisc)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    if fweights is not None or aweights is not None:
        return _fallback_call("cov", _np.cov, (m, y), {
            "rowvar": rowvar, "bias": bias, "ddof": ddof, "fweights": fweights,
            "aweights": aweights})
    from . import atleast_2d

    x = atleast_2d(_a(m))
    if not rowvar and x.shape[0] != 1:
        x = x.T
    if y is not None:
        yy = atleast_2d(_a(y))
        if not rowvar and yy.shape[0] != 1:
            yy = yy.T
        x = concatenate([x, yy], 0)
    if dtype is None:
        dtype = _np.result_type(x.dtype, _np.float64)
    x = x.astype(dtype)
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    xc = x - x.mean(axis=1, keepdims=True)
    xt = xc.T.conj() if x.dtype.kind == "c" else xc.T
    c = matmul(xc, xt) / builtins.max(n - ddof, 0)
    return c.reshape(()) if c.size == 1 else c


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    from . import sqrt

    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return c / c
    d = sqrt(c.diagonal().real if c.dtype.kind == "c" else c.diagonal())
    c = c / d.reshape(-1, 1) / d.reshape(1, -1)
    from . import clip

    return clip(c, -1, 1) if c.dtype.kind != "c" else c


def digitize(x, bins, right=False):
    b = _a(bins)
    if b.ndim != 1:
        raise ValueError("bins must be one-dimensional")
    increasing = b.size < 2 or builtins.bool((b[1:] >= b[:-1]).all())
    if not increasing:
        if not builtins.bool((b[1:] <= b[:-1]).all()):
            raise ValueError("bins must be monotonically increasing or decreasing")
        return b.size - searchsorted(flip(b), x, side="left" if right else "right")
    return searchsorted(b, x, side="left" if right else "right")


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if _np.ndim(start) or _np.ndim(stop) or axis != 0 or not (start > 0 and stop > 0):
        return _fallback_call("geomspace", _np.geomspace, (start, stop, num, endpoint, dtype,
                                                           axis), {})
    r = logspace(_np.log10(start), _np.log10(stop), num, endpoint, 10.0,
                 dtype or _np.result_type(float(start), float(stop)))
    if num > 0:
        r[0] = start
        if endpoint and num > 1:
            r[-1] = stop
    return r


def vander(x, N=None, increasing=False):  # noqa: N803
    x = _a(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = x.size if N is None else operator.index(N)
    p = arange(n)
    if not increasing:
        p = flip(p)
    return power(x.reshape(-1, 1), p.reshape(1, -1)).astype(
        _np.result_type(x.dtype, _np.int64) if x.dtype.kind in "biu" else x.dtype)


def kron(a, b):
    a, b = _a(a), _a(b)
    nd = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + a.shape)
    b = b.reshape((1,) * (nd - b.ndim) + b.shape)
    sa, sb = [], []
    for i in range(nd):
        sa += [a.shape[i], 1]
        sb += [1, b.shape[i]]
    out = a.reshape(sa) * b.reshape(sb)
    return out.reshape(tuple(a.shape[i] * b.shape[i] for i in range(nd)))


def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    r = _a(default)
    for c, v in reversed(list(zip(condlist, choicelist))):
        c = _a(c)
        if c.dtype != _np.bool_:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
        r = where(c, v, r)
    return r


def may_share_memory(a, b, /, max_work=None):
    return isinstance(a, ndarray) and isinstance(b, ndarray) and a._h.shares(b._h)


shares_memory = may_share_memory


def unstack(x, /, *, axis=0):
    x = _a(x)
    axis = operator.index(axis) % x.ndim
    return tuple(x[_slice(x.ndim, axis, i)] for i in range(x.shape[axis]))


def trim_zeros(filt, trim="fb", axis=None):
    f = _a(filt)
    nz = nonzero(f.ravel() if f.ndim == 1 else f)[0]
    if nz.size == 0:
        return f[:0]
    lo = int(nz.min()) if "f" in trim.lower() else 0
    hi = int(nz.max()) + 1 if "b" in trim.lower() else f.shape[0]
    return f[lo:hi]


def sort_complex(a):
    a = _a(a)
    return sort(a).astype(_np.result_type(a.dtype, _np.complex64))


def array_equiv(a1, a2):
    a1, a2 = _a(a1), _a(a2)
    try:
        x, y = broadcast_arrays(a1, a2)
    except ValueError:
        return False
    return builtins.bool((x == y).all())



# ---------------------------------------------------------------- more compositions
# Index bookkeeping (which positions go where) is computed on the host from the small
# index arguments; the data moves through legate's gathers, concatenations and
# element-wise operations.

__all__ += [
    "delete", "insert", "interp", "convolve", "correlate", "unravel_index",
    "ravel_multi_index", "putmask", "place", "choose", "rollaxis", "block", "polyval",
    "polyadd", "polysub", "polymul", "polyder", "polyint", "bartlett", "blackman",
    "hamming", "hanning", "matvec", "vecmat", "asarray_chkfinite", "real_if_close",
    "isfortran", "bitwise_count",
]


def _axis_and_array(arr, axis):
    arr = _a(arr)
    if axis is None:
        return arr.ravel(), 0
    if arr.ndim == 0:
        raise _np.exceptions.AxisError(axis, 0)
    return arr, _np.lib.array_utils.normalize_axis_index(operator.index(axis), arr.ndim)


def _host(x):
    return _np.asarray(x.__array__() if isinstance(x, ndarray) else x)


def delete(arr, obj, axis=None):
    arr, axis = _axis_and_array(arr, axis)
    n = arr.shape[axis]
    keep = _np.ones(n, dtype=bool)
    if isinstance(obj, slice):
        keep[obj] = False
    else:
        o = _host(obj)
        if o.dtype == bool:
            if o.shape != (n,):
                raise ValueError(f"boolean array argument obj to delete must be one "
                                 f"dimensional and match the axis length of {n}")
            keep = ~o
        else:
            if o.size and o.dtype.kind not in "iu":
                raise IndexError("arrays used as indices must be of integer (or boolean) type")
            o = o.astype(_np.intp).ravel()
            if ((o < -n) | (o >= n)).any():
                bad = o[(o < -n) | (o >= n)][0]
                raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
            keep[o] = False
    return take(arr, _np.flatnonzero(keep), axis=axis)


def insert(arr, obj, values, axis=None):
    arr, axis = _axis_and_array(arr, axis)
    n = arr.shape[axis]
    if isinstance(obj, slice):
        idx = _np.arange(*obj.indices(n), dtype=_np.intp)
    else:
        idx = _host(obj)
        if idx.dtype == bool:
            raise IndexError("boolean obj is not supported by insert")
        if idx.size and idx.dtype.kind not in "iu":
            raise IndexError("index arrays must be of integer type")
        idx = idx.astype(_np.intp)
    values = _a(values).astype(arr.dtype)
    if idx.ndim == 0:
        index = int(idx)
        if not -n <= index <= n:
            raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
        if index < 0:
            index += n
        # NumPy's rule: the values, with at least the array's dimensions, are moved so
        # that their first axis is the insertion axis.
        v = values.reshape((1,) * (arr.ndim - values.ndim) + values.shape)
        v = moveaxis(v, 0, axis)
        shape = list(arr.shape)
        shape[axis] = v.shape[axis]
        v = _wrap(v._h.broadcast_to(shape))
        head = arr[_slice(arr.ndim, axis, slice(None, index))]
        tail = arr[_slice(arr.ndim, axis, slice(index, None))]
        return concatenate([head, v, tail], axis)
    idx = idx.ravel()
    if ((idx < -n) | (idx > n)).any():
        bad = idx[(idx < -n) | (idx > n)][0]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    idx = _np.where(idx < 0, idx + n, idx)
    k = idx.size
    order = _np.argsort(idx, kind="stable")
    idx[order] += _np.arange(k)
    shape = list(arr.shape)
    shape[axis] = k
    # Here the values, with at least the array's dimensions, broadcast to the new part.
    if values.ndim < arr.ndim:
        values = values.reshape((1,) * (arr.ndim - values.ndim) + values.shape)
    v = _wrap(values._h.broadcast_to(shape))
    perm = _np.empty(n + k, dtype=_np.intp)
    old = _np.ones(n + k, dtype=bool)
    old[idx] = False
    perm[old] = _np.arange(n)
    perm[idx] = n + _np.arange(k)
    return take(concatenate([arr, v], axis), perm, axis=axis)


def interp(x, xp, fp, left=None, right=None, period=None):
    from . import clip

    x, xp, fp = _a(x), _a(xp).ravel(), _a(fp).ravel()
    if xp.size == 0:
        raise ValueError("array of sample points is empty")
    if xp.size != fp.size:
        raise ValueError("fp and xp are not of the same length.")
    ty = _np.complex128 if fp.dtype.kind == "c" else _np.float64
    x, xp, fp = x.astype(_np.float64), xp.astype(_np.float64), fp.astype(ty)
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x = x % period
        xp = xp % period
        order = argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([xp[-1:] - period, xp, xp[0:1] + period])
        fp = concatenate([fp[-1:], fp, fp[0:1]])
    m = xp.size
    if m == 1:
        r = zeros(x.shape, dtype=ty) + fp[0]
    else:
        j = clip(searchsorted(xp, x, side="right") - 1, 0, m - 2)
        x0, x1 = take(xp, j), take(xp, j + 1)
        f0, f1 = take(fp, j), take(fp, j + 1)
        slope = (f1 - f0) / (x1 - x0)
        r = slope * (x - x0) + f0
        # Where the slope is not finite (equal neighbours) or x sits on the last point.
        r = where(x == x1, f1, r)
    lo = fp[0] if left is None else left
    hi = fp[-1] if right is None else right
    r = where(x < xp[0], lo, r)
    r = where(x > xp[-1], hi, r)
    return r.astype(ty)


def _convolve_full(a, v):
    """The full discrete convolution of 1-D ``a`` and ``v`` (``v`` the shorter): one
    shifted, scaled update of the result per element of ``v``."""
    n, m = a.size, v.size
    ty = _np.result_type(a.dtype, v.dtype)
    out = zeros(n + m - 1, dtype=ty)
    a = a.astype(ty)
    for k, c in enumerate(_host(v).astype(ty)):
        if c != 0:
            out[k:k + n] += a * c
    return out


def convolve(a, v, mode="full"):
    a, v = _a(a).ravel(), _a(v).ravel()
    if a.size == 0:
        raise ValueError("a cannot be empty")
    if v.size == 0:
        raise ValueError("v cannot be empty")
    if v.size > a.size:
        a, v = v, a
    n, m = a.size, v.size
    full = _convolve_full(a, v)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def correlate(a, v, mode="valid"):
    from . import conjugate

    a, v = _a(a).ravel(), _a(v).ravel()
    if a.size == 0 or v.size == 0:
        raise ValueError("v cannot be empty" if v.size == 0 else "a cannot be empty")
    if v.size > a.size:
        # NumPy swaps the operands and reverses (and conjugates) the result.
        return conjugate(flip(correlate(v, a, mode)))
    return convolve(a, flip(conjugate(v)), mode)


def unravel_index(indices, shape, order="C"):
    shape = (shape,) if _np.ndim(shape) == 0 else tuple(shape)
    dims = [operator.index(d) for d in shape]
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    idx = _a(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("only int indices permitted")
    size = 1
    for d in dims:
        size *= d
    if idx.size and (bool((idx < 0).any()) or bool((idx >= size).any())):
        bad = int(idx.ravel()[nonzero((idx.ravel() < 0) | (idx.ravel() >= size))[0][0]])
        raise ValueError(f"index {bad} is out of bounds for array with size {size}")
    idx = idx.astype(_np.intp)
    out = []
    for d in (reversed(dims) if order == "C" else dims):
        out.append(idx % d if d else idx)
        idx = idx // d if d else idx
    return tuple(reversed(out)) if order == "C" else tuple(out)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    dims = [operator.index(d) for d in dims]
    idx = [_a(i) for i in multi_index]
    if len(idx) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    modes = [mode] * len(dims) if isinstance(mode, str) else list(mode)
    shape = broadcast_shapes(*(i.shape for i in idx))
    flat = zeros(shape, dtype=_np.intp)
    stride = 1
    axes = range(len(dims) - 1, -1, -1) if order == "C" else range(len(dims))
    for k in axes:
        i = _in_range(idx[k].astype(_np.intp), dims[k], modes[k],
                      "invalid entry in coordinates array")
        flat = flat + i * stride
        stride *= dims[k]
    return flat


def _in_range(i, n, mode, message):
    """Integer positions ``i`` brought into ``[0, n)`` by NumPy's ``mode``: ``raise``
    (``ValueError(message)`` for one outside), ``wrap`` or ``clip``."""
    if mode == "raise":
        if i.size and bool(((i < 0) | (i >= n)).any()):
            raise ValueError(message)
        return i
    if mode == "wrap":
        return i % n
    if mode == "clip":
        from . import clip

        return clip(i, 0, n - 1)
    raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")


def _cycled(values, n, dtype):
    v = _a(values).ravel().astype(dtype)
    if v.size == 0:
        return None
    reps = -(-n // v.size)
    return (tile(v, reps) if reps > 1 else v)[:n]


def putmask(a, mask, values):
    if not isinstance(a, ndarray):
        raise TypeError("putmask: first argument must be an array")
    mask = _wrap(_a(mask).astype(bool)._h.broadcast_to(list(a.shape)))
    v = _cycled(values, a.size, a.dtype)
    if v is None:
        return
    a[...] = where(mask, v.reshape(a.shape), a)


def place(arr, mask, vals):
    from . import count_nonzero

    if not isinstance(arr, ndarray):
        raise TypeError("argument 1 must be numpy.ndarray, not " + type(arr).__name__)
    mask = _a(mask).astype(bool)
    k = int(count_nonzero(mask))
    v = _cycled(vals, k, arr.dtype)
    if v is None:
        if k:
            raise ValueError("Cannot insert from an empty array!")
        return
    if k:
        arr[mask.reshape(arr.shape)] = v


def choose(a, choices, out=None, mode="raise"):
    a = _a(a)
    choices = [_a(c) for c in choices]
    n = len(choices)
    if a.dtype.kind not in "iu":
        raise TypeError("Cannot cast array data from dtype to int64 according to the rule 'safe'")
    a = _in_range(a, n, mode, "invalid entry in choice array")
    ty = _np.result_type(*(c.dtype for c in choices))
    r = choices[-1].astype(ty)
    for i in range(n - 2, -1, -1):
        r = where(a == i, choices[i], r)
    shape = broadcast_shapes(a.shape, *(c.shape for c in choices))
    r = _wrap(r._h.broadcast_to(list(shape))).copy()
    if out is not None:
        out[...] = r
        return out
    return r


def rollaxis(a, axis, start=0):
    a = _a(a)
    n = a.ndim
    axis = _np.lib.array_utils.normalize_axis_index(operator.index(axis), n)
    start = operator.index(start)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise _np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, "
                                       f"but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a[...]
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(a, axes)


def block(arrays):
    def depth(x, where_):
        if isinstance(x, tuple):
            raise TypeError(f"{where_} is a tuple. Only lists can be used to arrange blocks, "
                            "and np.block does not allow implicit conversion from tuple to ndarray.")
        if isinstance(x, list):
            if not x:
                raise ValueError(f"List at {where_} cannot be empty")
            ds = {depth(e, f"{where_}[{i}]") for i, e in enumerate(x)}
            if len(ds) != 1:
                raise ValueError("List depths are mismatched.")
            return 1 + ds.pop()
        return 0

    d = depth(arrays, "arrays")

    def leaves(x):
        return [y for e in x for y in leaves(e)] if isinstance(x, list) else [_a(x)]

    ndim = builtins.max([d] + [x.ndim for x in leaves(arrays)])

    def build(x, level):
        if isinstance(x, list):
            return concatenate([build(e, level + 1) for e in x], axis=-(d - level))
        x = _a(x)
        return x.reshape((1,) * (ndim - x.ndim) + x.shape)

    return build(arrays, 0) if d else _a(arrays).copy()


def polyval(p, x):
    from . import zeros_like

    p, x = _host(p), _a(x)
    y = zeros_like(x)
    for c in p:
        y = y * x + c
    return y


def _poly_pad(a, n):
    a = _a(a).ravel()
    return concatenate([zeros(n - a.size, dtype=a.dtype), a]) if a.size < n else a


def _poly_aligned(a1, a2):
    """Two coefficient vectors padded with leading zeros to the same degree."""
    a1, a2 = _a(a1).ravel(), _a(a2).ravel()
    n = builtins.max(a1.size, a2.size)
    return _poly_pad(a1, n), _poly_pad(a2, n)


def polyadd(a1, a2):
    x, y = _poly_aligned(a1, a2)
    return x + y


def polysub(a1, a2):
    x, y = _poly_aligned(a1, a2)
    return x - y


def polymul(a1, a2):
    return convolve(a1, a2)


def polyder(p, m=1):
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _a(p).ravel()
    for _ in range(m):
        n = p.size - 1
        if n <= 0:
            return zeros(1, dtype=p.dtype) if p.size else p
        p = p[:-1] * arange(n, 0, -1)
    return p


def polyint(p, m=1, k=None):
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    ks = _np.zeros(m) if k is None else _np.atleast_1d(_np.asarray(k, dtype=float))
    if ks.size == 1 and m > 1:
        ks = ks[0] * _np.ones(m)
    if ks.size < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    from . import asarray

    p = _a(p).ravel().astype(_np.result_type(_a(p).dtype, _np.float64))
    for i in range(m):
        p = concatenate([p / arange(p.size, 0, -1), asarray([ks[i]], dtype=p.dtype)])
    return p


def _window(M, f):  # noqa: N803
    from . import ones

    M = operator.index(M)  # noqa: N806
    if M < 1:
        return zeros(0)
    if M == 1:
        return ones(1)
    n = arange(1 - M, M, 2)
    return f(n, M - 1)


def bartlett(M):  # noqa: N803
    return _window(M, lambda n, d: where(n <= 0, 1 + n / d, 1 - n / d))


def blackman(M):  # noqa: N803
    from . import cos

    return _window(M, lambda n, d: 0.42 + 0.5 * cos(_np.pi * n / d) + 0.08 * cos(2.0 * _np.pi * n / d))


def hamming(M):  # noqa: N803
    from . import cos

    return _window(M, lambda n, d: 0.54 + 0.46 * cos(_np.pi * n / d))


def hanning(M):  # noqa: N803
    from . import cos

    return _window(M, lambda n, d: 0.5 + 0.5 * cos(_np.pi * n / d))


def matvec(x1, x2, /):
    x1, x2 = _a(x1), _a(x2)
    if x1.ndim < 2 or x2.ndim < 1:
        raise ValueError("matvec: x1 must have at least two dimensions and x2 at least one")
    return matmul(x1, x2[..., None])[..., 0]


def vecmat(x1, x2, /):
    from . import conjugate

    x1, x2 = _a(x1), _a(x2)
    if x1.ndim < 1 or x2.ndim < 2:
        raise ValueError("vecmat: x1 must have at least one dimension and x2 at least two")
    v = conjugate(x1) if x1.dtype.kind == "c" else x1
    return matmul(v[..., None, :], x2)[..., 0, :]


def asarray_chkfinite(a, dtype=None, order=None):
    from . import asarray, isfinite

    a = asarray(a, dtype=dtype)
    if a.dtype.kind in "fc" and not bool(isfinite(a).all()):
        raise ValueError("array must not contain infs or NaNs")
    return a


def real_if_close(a, tol=100):
    from . import absolute

    a = _a(a)
    if a.dtype.kind != "c":
        return a
    if tol > 1:
        tol = _np.finfo(a.dtype).eps * tol
    return a.real if bool((absolute(a.imag) < tol).all()) else a


def isfortran(a):
    """Whether ``a`` is Fortran-ordered and not C-ordered: never, as ``flags`` reports
    every array C-contiguous (a transposed view included)."""
    f = _a(a).flags
    return builtins.bool(f.f_contiguous and not f.c_contiguous)


def bitwise_count(x, /, out=None):
    from . import absolute, asarray

    x = _a(x)
    if x.dtype.kind not in "iu":
        raise TypeError("ufunc 'bitwise_count' not supported for the input types")
    v = (absolute(x) if x.dtype.kind == "i" else x).astype(_np.uint64)
    m1, m2, m4 = (asarray(c, dtype=_np.uint64) for c in
                  (0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F))
    v = v - ((v >> 1) & m1)
    v = (v & m2) + ((v >> 2) & m2)
    v = (v + (v >> 4)) & m4
    r = ((v * asarray(0x0101010101010101, dtype=_np.uint64)) >> 56).astype(_np.uint8)
    if out is not None:
        out[...] = r
        return out
    return r


__all__ += [
    "gradient", "unwrap", "fromfunction", "piecewise", "apply_along_axis",
    "apply_over_axes", "i0", "kaiser",
]


def gradient(f, *varargs, axis=None, edge_order=1):
    """NumPy's ``gradient``: second-order central differences inside, first- or
    second-order one-sided ones at the ends, with scalar spacings or coordinates."""
    from . import empty, ndim

    f = _a(f)
    n = f.ndim
    axes = tuple(range(n)) if axis is None else _np.lib.array_utils.normalize_axis_tuple(axis, n)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and ndim(varargs[0]) == 0:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    otype = f.dtype if f.dtype.kind in "fc" else _np.dtype(_np.float64)
    f = f.astype(otype)
    out = []
    for ax, dx in zip(axes, spacing):
        m = f.shape[ax]
        if m < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        if ndim(dx) != 0:
            x = _host(dx).astype(_np.float64)
            if x.ndim != 1 or x.size != m:
                raise ValueError("when 1d, distances must match the length of the "
                                 "corresponding dimension")
            d = _np.diff(x)
            dx = d[0] if (d == d[0]).all() else d
        sl = lambda s: _slice(n, ax, s)  # noqa: E731
        g = empty(f.shape, dtype=otype)
        along = [1] * n
        if _np.ndim(dx) == 0:
            g[sl(slice(1, -1))] = (f[sl(slice(2, None))] - f[sl(slice(None, -2))]) / (2.0 * dx)
            d0 = dn = dx
        else:
            d1, d2 = dx[:-1], dx[1:]
            along[ax] = m - 2

            def coef(v):
                from . import asarray

                return asarray(v.reshape(along))

            a_ = coef(-d2 / (d1 * (d1 + d2)))
            b_ = coef((d2 - d1) / (d1 * d2))
            c_ = coef(d1 / (d2 * (d1 + d2)))
            g[sl(slice(1, -1))] = (a_ * f[sl(slice(None, -2))] + b_ * f[sl(slice(1, -1))]
                                   + c_ * f[sl(slice(2, None))])
            d0, dn = dx[0], dx[-1]
        if edge_order == 1:
            g[sl(slice(0, 1))] = (f[sl(slice(1, 2))] - f[sl(slice(0, 1))]) / d0
            g[sl(slice(-1, None))] = (f[sl(slice(-1, None))] - f[sl(slice(-2, -1))]) / dn
        else:
            if _np.ndim(dx) == 0:
                a0, b0, c0 = -1.5 / dx, 2.0 / dx, -0.5 / dx
                an, bn, cn = 0.5 / dx, -2.0 / dx, 1.5 / dx
            else:
                p, q = dx[0], dx[1]
                a0, b0, c0 = -(2.0 * p + q) / (p * (p + q)), (p + q) / (p * q), -p / (q * (p + q))
                p, q = dx[-2], dx[-1]
                an, bn, cn = q / (p * (p + q)), -(q + p) / (p * q), (2.0 * q + p) / (q * (p + q))
            g[sl(slice(0, 1))] = (a0 * f[sl(slice(0, 1))] + b0 * f[sl(slice(1, 2))]
                                  + c0 * f[sl(slice(2, 3))])
            g[sl(slice(-1, None))] = (an * f[sl(slice(-3, -2))] + bn * f[sl(slice(-2, -1))]
                                      + cn * f[sl(slice(-1, None))])
        out.append(g)
    return out[0] if len(axes) == 1 else tuple(out)


def unwrap(p, discont=None, axis=-1, *, period=2 * _np.pi):
    """NumPy's ``unwrap``: differences over ``discont`` folded back by multiples of
    ``period``, accumulated along ``axis``."""
    from . import absolute, asarray, mod

    p = _a(p)
    axis = _np.lib.array_utils.normalize_axis_index(operator.index(axis), p.ndim)
    dd = diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = _np.result_type(dd.dtype, _np.asarray(period).dtype)
    if _np.issubdtype(dtype, _np.integer):
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = mod(dd - low, period) + low
    if ambiguous:
        ddmod = where((ddmod == low) & (dd > 0), high, ddmod)
    correct = where(absolute(dd) < discont, 0, ddmod - dd)
    up = asarray(p, dtype=dtype).copy()
    tail = _slice(p.ndim, axis, slice(1, None))
    up[tail] = p[tail] + cumsum(correct, axis=axis)
    return up


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    from . import indices

    return function(*indices(shape, dtype=dtype), **kwargs)


def piecewise(x, condlist, funclist, *args, **kw):
    from . import any as any_, asarray, stack, zeros_like

    x = _a(x)
    n2 = len(funclist)
    # A single condition is promoted to a list of one (an element of ours is a 0-d
    # array where NumPy's is a scalar).
    first = None if isscalar(condlist) else condlist[0]
    if isscalar(condlist) or (x.ndim != 0 and (
            not isinstance(first, (list, ndarray, _np.ndarray)) or _np.ndim(first) == 0)):
        condlist = [condlist]
    conds = [_a(c).astype(bool) for c in condlist]
    n = len(conds)
    if n == n2 - 1:
        conds.append(~any_(stack(conds), axis=0))
        n += 1
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = zeros_like(x)
    for cond, func in zip(conds, funclist):
        cond = _wrap(cond._h.broadcast_to(list(x.shape))) if cond.shape != x.shape else cond
        if not callable(func):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = asarray(func(vals, *args, **kw))
    return y


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """NumPy's ``apply_along_axis``: ``func1d`` on each 1-D slice along ``axis`` (a Python
    loop over the slices, as NumPy's), the results stacked where the axis was."""
    from . import stack

    arr = _a(arr)
    nd = arr.ndim
    axis = _np.lib.array_utils.normalize_axis_index(operator.index(axis), nd)
    view = moveaxis(arr, axis, -1)
    outer = view.shape[:-1]
    if any(d == 0 for d in outer):
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [_a(func1d(view[ind], *args, **kwargs)) for ind in _np.ndindex(*outer)]
    res = stack(results).reshape(outer + results[0].shape)
    r = results[0].ndim
    order = list(range(nd - 1))
    order = order[:axis] + list(range(nd - 1, nd - 1 + r)) + order[axis:]
    return transpose(res, order)


def apply_over_axes(func, a, axes):
    from . import expand_dims

    val = _a(a)
    n = val.ndim
    for axis in ((axes,) if _np.ndim(axes) == 0 else axes):
        if axis < 0:
            axis += n
        res = _a(func(val, axis))
        if res.ndim != val.ndim:
            res = expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


def _chbevl(x, coefficients):
    b0, b1, b2 = coefficients[0], 0.0, 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def i0(x):
    """The modified Bessel function of order 0 by NumPy's Chebyshev series (its
    coefficients: Cephes', as NumPy gives them), evaluated as fused element-wise work."""
    from . import absolute, exp, sqrt

    from numpy.lib._function_base_impl import _i0A, _i0B

    x = _a(x)
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    x = absolute(x.astype(_np.result_type(x.dtype, _np.float64)))
    small = exp(x) * _chbevl(x / 2.0 - 2, _i0A)
    big = exp(x) * _chbevl(32.0 / where(x > 8.0, x, 8.0) - 2.0, _i0B) / sqrt(where(x > 8.0, x, 8.0))
    return where(x <= 8.0, small, big)


def kaiser(M, beta):  # noqa: N803
    from . import ones, sqrt

    M = operator.index(M)  # noqa: N806
    if M < 1:
        return zeros(0)
    if M == 1:
        return ones(1)
    n = arange(0, M)
    alpha = (M - 1) / 2.0
    return i0(beta * sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / i0(float(beta))


__all__ += [
    "histogramdd", "histogram2d", "polyfit", "polydiv", "poly", "roots", "packbits", "unpackbits",
    "mask_indices",
]


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """NumPy's ``histogramdd``: each coordinate binned by ``searchsorted`` against its
    edges (a value on the last edge goes in the last bin), the bins of a point
    linearized and counted by ``bincount``, outliers dropped."""
    from . import asarray, bincount, histogram_bin_edges, stack

    if isinstance(sample, (list, tuple)):
        sample = stack([_a(s) for s in sample], axis=-1)
    sample = _a(sample)
    if sample.ndim == 1:
        sample = sample.reshape(-1, 1)
    n, d = sample.shape
    try:
        if len(bins) != d:
            raise ValueError("The dimension of bins must be equal to the dimension of the sample x.")
        bins = list(bins)
    except TypeError:
        bins = [bins] * d
    ranges = [None] * d if range is None else list(range)
    if len(ranges) != d:
        raise ValueError("range argument must have one entry per dimension")
    edges, counts = [], []
    for i in builtins.range(d):
        col = sample[:, i]
        if _np.ndim(bins[i]) == 0:
            if bins[i] < 1:
                raise ValueError(f"`bins[{i}]` must be positive, when an integer")
            e = histogram_bin_edges(col, operator.index(bins[i]), ranges[i])
        else:
            e = asarray(bins[i]).astype(_np.result_type(_a(bins[i]).dtype, _np.float64))
            if e.ndim != 1:
                raise ValueError(f"`bins[{i}]` must be a scalar or 1d array")
            if e.size > 1 and bool((e[1:] < e[:-1]).any()):
                raise ValueError(f"`bins[{i}]` must be monotonically increasing, when an array")
        edges.append(e)
        c = searchsorted(e, col, side="right")
        counts.append(c - (col == e[-1]).astype(c.dtype))
    nbin = [e.size + 1 for e in edges]
    flat = ravel_multi_index(counts, nbin)
    total = 1
    for k in nbin:
        total *= k
    hist = bincount(flat, None if weights is None else _a(weights), minlength=total)
    hist = hist.reshape(nbin).astype(float)
    hist = hist[tuple(slice(1, -1) for _ in builtins.range(d))]
    if density:
        s = hist.sum()
        for i in builtins.range(d):
            shape = [1] * d
            shape[i] = nbin[i] - 2
            hist = hist / diff(edges[i]).reshape(shape)
        hist = hist / s
    return hist, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    try:
        nb = len(bins)
    except TypeError:
        nb = 1
    if nb != 1 and nb != 2:
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """NumPy's ``polyfit``: least squares on the scaled Vandermonde matrix (``cov``
    falls back to NumPy)."""
    from . import asarray, sqrt
    from .linalg import lstsq

    if cov:
        return _fallback_call("polyfit", _np.polyfit, (x, y, deg),
                              {"rcond": rcond, "full": full, "w": w, "cov": cov})
    order = operator.index(deg) + 1
    x, y = asarray(x) + 0.0, asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = x.size * _np.finfo(x.dtype).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = asarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w if rhs.ndim == 1 else w[:, None])
    scale = sqrt((lhs * lhs).sum(axis=0))
    lhs = lhs / scale
    c, resids, rank, s = lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if rank != order and not full:
        import warnings

        warnings.warn("Polyfit may be poorly conditioned", _np.exceptions.RankWarning,
                      stacklevel=2)
    return (c, resids, rank, s, rcond) if full else c


def polydiv(u, v):
    """NumPy's ``polydiv``: synthetic division, one coefficient of the quotient per
    step (each step reads one value)."""
    from . import allclose, atleast_1d

    u, v = atleast_1d(_a(u)) + 0.0, atleast_1d(_a(v)) + 0.0
    w = u[0] + v[0]
    m, n = u.size - 1, v.size - 1
    scale = 1.0 / v[0]
    q = zeros((builtins.max(m - n + 1, 1),), dtype=w.dtype)
    r = u.astype(w.dtype)
    for k in builtins.range(0, m - n + 1):
        d = scale * r[k]
        q[k] = d
        r[k:k + n + 1] -= d * v
    while bool(allclose(r[0], 0, rtol=1e-14)) and r.shape[-1] > 1:
        r = r[1:]
    return q, r


def poly(seq_of_zeros):
    """NumPy's ``poly`` of a sequence of roots, or the characteristic polynomial of a
    square matrix (of its eigenvalues, ``linalg.eigvals``)."""
    from . import asarray, ones
    from .linalg import eigvals

    z = _host(seq_of_zeros)
    if z.ndim == 2 and z.shape[0] == z.shape[1] and z.shape[0] != 0:
        z = _host(eigvals(asarray(seq_of_zeros)))
    if z.ndim > 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    z = _np.atleast_1d(z)
    z = z.astype(_np.mintypecode(z.dtype.char))
    if z.size == 0:
        return 1.0
    a = ones((1,), dtype=z.dtype)
    for root in z:
        a = convolve(a, asarray(_np.array([1, -root], dtype=z.dtype)))
    if a.dtype.kind == "c":
        roots = _np.asarray(z, complex)
        if (_np.sort(roots) == _np.sort(roots.conjugate())).all():
            a = a.real.copy()
    return a


def roots(p):
    """NumPy's ``roots``: the eigenvalues of the companion matrix of the coefficients
    (leading and trailing zeros stripped; the trailing ones give zero roots)."""
    from . import asarray, zeros
    from .linalg import eigvals

    p = _np.atleast_1d(_host(p))
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    nonzero = _np.nonzero(_np.ravel(p))[0]
    if len(nonzero) == 0:
        return asarray(_np.array([]))
    trailing = len(p) - int(nonzero[-1]) - 1
    p = p[int(nonzero[0]):int(nonzero[-1]) + 1]
    if p.dtype.kind not in "fc":
        p = p.astype(float)
    n = len(p)
    if n > 1:
        companion = _np.diag(_np.ones((n - 2,), p.dtype), -1)
        companion[0, :] = -p[1:] / p[0]
        found = eigvals(asarray(companion))
    else:
        found = asarray(_np.array([], dtype=p.dtype))
    if trailing == 0:
        return found
    return concatenate((found, zeros(trailing, dtype=found.dtype)))


def packbits(a, /, axis=None, bitorder="big"):
    from . import asarray

    a = _a(a)
    if a.dtype.kind not in "biu":
        raise TypeError("Expected an input array of integer or boolean data type")
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    a, axis = _axis_and_array(a, axis)
    bits = (a != 0).astype(_np.uint8)
    bits = moveaxis(bits, axis, -1)
    n = bits.shape[-1]
    pad = -n % 8
    if pad:
        bits = concatenate([bits, zeros(bits.shape[:-1] + (pad,), dtype=_np.uint8)], -1)
    weights = asarray([128, 64, 32, 16, 8, 4, 2, 1] if bitorder == "big"
                      else [1, 2, 4, 8, 16, 32, 64, 128], dtype=_np.uint8)
    packed = (bits.reshape(bits.shape[:-1] + ((n + pad) // 8, 8)) * weights).sum(
        axis=-1, dtype=_np.uint8)
    return moveaxis(packed, -1, axis)


def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    from . import asarray

    a = _a(a)
    if a.dtype != _np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    a, axis = _axis_and_array(a, axis)
    shifts = asarray([7, 6, 5, 4, 3, 2, 1, 0] if bitorder == "big"
                     else [0, 1, 2, 3, 4, 5, 6, 7], dtype=_np.uint8)
    v = moveaxis(a, axis, -1)
    bits = ((v[..., None] >> shifts) & asarray(1, dtype=_np.uint8)).astype(_np.uint8)
    bits = bits.reshape(v.shape[:-1] + (v.shape[-1] * 8,))
    if count is not None:
        count = operator.index(count)
        total = bits.shape[-1]
        keep = count if count >= 0 else builtins.max(total + count, 0)
        if keep <= total:
            bits = bits[..., :keep]
        else:
            bits = concatenate([bits, zeros(bits.shape[:-1] + (keep - total,),
                                            dtype=_np.uint8)], -1)
    return moveaxis(bits, -1, axis)


def mask_indices(n, mask_func, k=0):
    from . import ones

    m = ones((n, n), dtype=int)
    return nonzero(mask_func(m, k) != 0)
