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
    arctanh, concatenate, cumprod, cumsum, degrees, flip, invert, isinf, isnan,
    left_shift, logical_and, logical_not, logspace, matmul, nonzero, ndarray, power,
    radians, right_shift, searchsorted, signbit, sin, sort, swapaxes, take, tri,
    transpose, trunc, unique, where, zeros,
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

