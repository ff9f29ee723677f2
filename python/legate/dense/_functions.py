"""The module functions of ``legate.dense`` beyond the ufuncs and the basic reductions:
views and joining, reordering, sorting and searching, gathers and scatters, matrices,
statistics, and products. Each is a call of legate-dense (one launch or a few); the
forms legate-dense does not take fall back to NumPy with the module's single warning."""

import builtins
import operator

import numpy as _np

from .. import _legate
from . import _a, _dtype_name, _fallback_call, _in_requested_type, _wrap, ndarray

__all__ = [
    "swapaxes", "moveaxis", "expand_dims", "squeeze", "atleast_1d", "atleast_2d",
    "atleast_3d", "concatenate", "concat", "stack", "vstack", "row_stack", "hstack",
    "dstack", "column_stack", "split", "array_split", "hsplit", "vsplit", "dsplit", "flip",
    "fliplr", "flipud", "roll", "tile", "repeat", "pad", "sort", "argsort", "partition",
    "argpartition", "lexsort", "searchsorted", "unique", "take", "put", "take_along_axis",
    "put_along_axis", "extract", "compress", "nonzero", "argwhere", "flatnonzero",
    "count_nonzero", "tri", "tril", "triu", "diag", "diagflat", "diagonal", "trace",
    "logspace", "meshgrid", "round", "around", "divmod", "modf", "frexp", "nansum",
    "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd", "nanargmax", "nanargmin",
    "nancumsum", "nancumprod", "median", "nanmedian", "quantile", "percentile",
    "nanquantile", "nanpercentile", "bincount", "histogram", "histogram_bin_edges",
    "inner", "outer", "vdot", "tensordot", "einsum", "average", "ptp",
]


def _index(x):
    return None if x is None else operator.index(x)


def _handles(arrays):
    return [_a(x)._h for x in arrays]


def _ints(x):
    """An int, or a sequence of ints, as a tuple."""
    if isinstance(x, (int, _np.integer)):
        return (int(x),)
    return tuple(operator.index(v) for v in x)


# ---------------------------------------------------------------- views


def swapaxes(a, axis1, axis2):
    return _wrap(_legate.view("swapaxes", _a(a)._h, _index(axis1), _index(axis2)))


def moveaxis(a, source, destination):
    a = _a(a)
    src, dst = _ints(source), _ints(destination)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    if len(src) == 1:
        return _wrap(_legate.view("moveaxis", a._h, src[0], dst[0]))
    n = a.ndim
    src = [s % n for s in src]
    dst = [d % n for d in dst]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a.transpose(order)


def expand_dims(a, axis):
    a = _a(a)
    axes = _ints(axis)
    n = a.ndim + len(axes)
    for ax in sorted(x % n if -n <= x < n else x for x in axes):
        a = _wrap(_legate.view("expand_dims", a._h, ax))
    return a


def squeeze(a, axis=None):
    a = _a(a)
    if axis is None:
        return _wrap(_legate.view("squeeze", a._h, None))
    for ax in sorted((x % a.ndim if -a.ndim <= x < a.ndim else x for x in _ints(axis)),
                     reverse=True):
        a = _wrap(_legate.view("squeeze", a._h, ax))
    return a


def _atleast(arys, n):
    out = []
    for x in arys:
        x = _a(x)
        if x.ndim < n:
            shape = {0: [(1,), (1, 1), (1, 1, 1)], 1: [None, (1, -1), (1, -1, 1)],
                     2: [None, None, x.shape + (1,)]}[x.ndim][n - 1]
            x = x.reshape(shape)
        out.append(x)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    return _atleast(arys, 1)


def atleast_2d(*arys):
    return _atleast(arys, 2)


def atleast_3d(*arys):
    return _atleast(arys, 3)


# ---------------------------------------------------------------- joining and splitting


def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [_a(x) for x in arrays]
    if axis is None:
        arrays, axis = [x.ravel() for x in arrays], 0
    if dtype is not None:
        arrays = [x.astype(dtype) for x in arrays]
    r = _wrap(_legate.concatenate([x._h for x in arrays], operator.index(axis)))
    if out is not None:
        out[...] = r
        return out
    return r


concat = concatenate


def stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [_a(x) if dtype is None else _a(x).astype(dtype) for x in arrays]
    r = _wrap(_legate.stack([x._h for x in arrays], operator.index(axis)))
    if out is not None:
        out[...] = r
        return out
    return r


def vstack(tup, *, dtype=None, casting="same_kind"):
    return concatenate([atleast_2d(x) for x in tup], 0, dtype=dtype)


row_stack = vstack


def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = [atleast_1d(x) for x in tup]
    return concatenate(arrs, 0 if arrs and arrs[0].ndim == 1 else 1, dtype=dtype)


def dstack(tup):
    return concatenate([atleast_3d(x) for x in tup], 2)


def column_stack(tup):
    cols = [_a(x) for x in tup]
    return concatenate([c.reshape(-1, 1) if c.ndim < 2 else c for c in cols], 1)


def _split(ary, indices_or_sections, axis, equal):
    a = _a(ary)
    if isinstance(indices_or_sections, (int, _np.integer)):
        parts = _legate.split(a._h, operator.index(axis), sections=int(indices_or_sections),
                              equal=equal)
    else:
        parts = _legate.split(a._h, operator.index(axis),
                              indices=[operator.index(i) for i in indices_or_sections])
    return [_wrap(h) for h in parts]


def split(ary, indices_or_sections, axis=0):
    return _split(ary, indices_or_sections, axis, True)


def array_split(ary, indices_or_sections, axis=0):
    return _split(ary, indices_or_sections, axis, False)


def hsplit(ary, indices_or_sections):
    a = _a(ary)
    if a.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 1 if a.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    if _a(ary).ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    if _a(ary).ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


# ---------------------------------------------------------------- reordering


def flip(m, axis=None):
    a = _a(m)
    if axis is None or isinstance(axis, (int, _np.integer)):
        return _wrap(_legate.flip(a._h, _index(axis)))
    for ax in _ints(axis):
        a = _wrap(_legate.flip(a._h, ax))
    return a


def fliplr(m):
    if _a(m).ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m):
    if _a(m).ndim < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def roll(a, shift, axis=None):
    a = _a(a)
    if axis is None:
        if not isinstance(shift, (int, _np.integer)):
            shift = builtins.sum(_ints(shift))
        return _wrap(_legate.roll(a._h, int(shift), None))
    shifts, axes = _ints(shift), _ints(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    for s, ax in zip(shifts, axes):
        a = _wrap(_legate.roll(a._h, s, ax))
    return a


def tile(A, reps):
    return _wrap(_legate.tile(_a(A)._h, list(_ints(reps))))


def repeat(a, repeats, axis=None):
    a = _a(a)
    if not isinstance(repeats, (int, _np.integer)):
        r = _a(repeats)
        repeats = int(r.item()) if r.size == 1 and r.ndim <= 1 else r._h
    else:
        repeats = int(repeats)
    return _wrap(_legate.repeat(a._h, repeats, _index(axis)))


def _pad_width(pad_width, ndim):
    w = _np.asarray(pad_width, dtype=_np.int64)
    if (w < 0).any():
        raise ValueError("index can't contain negative values")
    return [tuple(int(v) for v in row) for row in _np.broadcast_to(w, (ndim, 2))]


def pad(array, pad_width, mode="constant", **kwargs):
    a = _a(array)
    widths = _pad_width(pad_width, a.ndim)
    value = kwargs.pop("constant_values", 0)
    if mode in ("constant", "edge", "reflect", "symmetric", "wrap") and not kwargs and (
        mode != "constant" or _np.ndim(value) == 0
    ):
        if isinstance(value, _np.generic):
            value = value.item()
        return _wrap(_legate.pad(a._h, widths, mode, value))
    if mode == "constant":
        kwargs["constant_values"] = value
    return _fallback_call("pad", _np.pad, (array, pad_width, mode), kwargs)


# ---------------------------------------------------------------- sorting and searching


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        return _fallback_call("sort", _np.sort, (a,), {"axis": axis, "order": order})
    return _wrap(_legate.sort(_a(a)._h, _index(axis)))


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        return _fallback_call("argsort", _np.argsort, (a,), {"axis": axis, "order": order})
    return _wrap(_legate.argsort(_a(a)._h, _index(axis)))


def _kth(kth):
    kth = list(_ints(kth))
    if not kth:
        raise TypeError("Partition index must be integer")
    return kth


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``numpy.partition``: each lane selected in linear time (the order on each side of
    a ``kth`` position is unspecified, as in NumPy)."""
    return _wrap(_legate.partition(_a(a)._h, _kth(kth), _index(axis), False))


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    return _wrap(_legate.partition(_a(a)._h, _kth(kth), _index(axis), True))


def lexsort(keys, axis=-1):
    """``numpy.lexsort``: keys of one shape (a sequence, or the rows of an array), the
    last one primary, along ``axis``."""
    if isinstance(keys, (ndarray, _np.ndarray)):
        k = _a(keys)
        if k.ndim == 0:
            raise TypeError("need sequence of keys with len > 0 in lexsort")
        keys = [k[i] for i in range(k.shape[0])]
    keys = [_a(k) for k in keys]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    return _wrap(_legate.lexsort([k._h for k in keys], _index(axis)))


def searchsorted(a, v, side="left", sorter=None):
    sorter = None if sorter is None else _a(sorter)._h
    return _wrap(_legate.searchsorted(_a(a)._h, _a(v)._h, side, sorter))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True, sorted=True):  # noqa: A002
    if axis is not None:
        return _fallback_call("unique", _np.unique, (ar,), {
            "return_index": return_index, "return_inverse": return_inverse,
            "return_counts": return_counts, "axis": axis, "equal_nan": equal_nan})
    values, index, inverse, counts = _legate.unique(
        _a(ar)._h, builtins.bool(return_index), builtins.bool(return_inverse),
        builtins.bool(return_counts))
    out = [_wrap(values)] + [_wrap(h) for h in (index, inverse, counts) if h is not None]
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------- gathers and scatters


def take(a, indices, axis=None, out=None, mode="raise"):
    if mode != "raise":
        return _fallback_call("take", _np.take, (a, indices), {"axis": axis, "mode": mode})
    a, idx = _a(a), _a(indices)
    scalar = idx.ndim == 0
    r = _wrap(_legate.take(a._h, (idx.reshape(1) if scalar else idx)._h, _index(axis)))
    if scalar:
        r = r.reshape(()) if axis is None else squeeze(r, axis)
    if out is not None:
        out[...] = r
        return out
    return r


def put(a, ind, v, mode="raise"):
    if not isinstance(a, ndarray):
        raise TypeError("put() argument 1 must be a legate.dense.ndarray")
    if mode != "raise":
        raise NotImplementedError("put with mode other than 'raise'")
    _legate.put(a._h, _a(ind).ravel()._h, _a(v).astype(a.dtype).ravel()._h)


def take_along_axis(arr, indices, axis=-1):
    return _wrap(_legate.take_along_axis(_a(arr)._h, _a(indices)._h, _index(axis)))


def put_along_axis(arr, indices, values, axis):
    if not isinstance(arr, ndarray):
        raise TypeError("put_along_axis() argument 1 must be a legate.dense.ndarray")
    _legate.put_along_axis(arr._h, _a(indices)._h, _a(values).astype(arr.dtype)._h,
                           _index(axis))


def extract(condition, arr):
    a, c = _a(arr), _a(condition)
    if c.shape != a.shape:
        a, c = a.ravel(), c.ravel()
        n = builtins.min(a.size, c.size)
        a, c = a[:n], c[:n]
    return _wrap(_legate.extract(a._h, c.astype(bool)._h))


def compress(condition, a, axis=None, out=None):
    r = _wrap(_legate.compress(_a(a)._h, _a(condition).astype(bool)._h, _index(axis)))
    if out is not None:
        out[...] = r
        return out
    return r


def nonzero(a):
    return tuple(_wrap(h) for h in _legate.nonzero("nonzero", _a(a)._h))


def argwhere(a):
    return _wrap(_legate.nonzero("argwhere", _a(a)._h)[0])


def flatnonzero(a):
    return _wrap(_legate.nonzero("flatnonzero", _a(a)._h)[0])


def count_nonzero(a, axis=None, *, keepdims=False):
    a = _a(a)
    if isinstance(axis, tuple):
        r = a.astype(bool).sum(axis=axis, keepdims=keepdims)
        return r.astype(_np.int64)
    r = _wrap(_legate.reduce("count_nonzero", a._h, _index(axis)))
    if axis is None and not keepdims:
        return int(r.item())
    if keepdims:
        r = expand_dims(r, axis) if axis is not None else r.reshape((1,) * a.ndim)
    return r


# ---------------------------------------------------------------- matrices


def tri(N, M=None, k=0, dtype=float):
    return _wrap(_legate.tri(operator.index(N), _index(M), operator.index(k),
                             _dtype_name(dtype)))


def tril(m, k=0):
    return _wrap(_legate.triangle(_a(m)._h, operator.index(k), False))


def triu(m, k=0):
    return _wrap(_legate.triangle(_a(m)._h, operator.index(k), True))


def diag(v, k=0):
    v = _a(v)
    if v.ndim not in (1, 2):
        raise ValueError("Input must be 1- or 2-d.")
    return _wrap(_legate.diag(v._h, operator.index(k)))


def diagflat(v, k=0):
    return diag(_a(v).ravel(), k)


def diagonal(a, offset=0, axis1=0, axis2=1):
    a = _a(a)
    if a.ndim == 2 and {axis1 % 2, axis2 % 2} == {0, 1}:
        return diag(a if axis1 % 2 == 0 else a.T, offset)
    return _fallback_call("diagonal", _np.diagonal, (a, offset, axis1, axis2), {})


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    r = _wrap(_legate.trace(_a(a)._h, operator.index(offset), operator.index(axis1),
                            operator.index(axis2)))
    if dtype is not None:
        r = r.astype(dtype)
    if out is not None:
        out[...] = r
        return out
    return r


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if _np.ndim(start) or _np.ndim(stop) or _np.ndim(base) or axis != 0:
        return _fallback_call("logspace", _np.logspace, (start, stop, num, endpoint, base,
                                                         dtype, axis), {})
    dt = _np.result_type(float(start), float(stop), float(base)) if dtype is None else dtype
    return _wrap(_legate.logspace(float(start), float(stop), operator.index(num),
                                  builtins.bool(endpoint), float(base), _dtype_name(dt)))


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    xs = [_a(x).ravel() for x in xi]
    n = len(xs)
    shape = [x.size for x in xs]
    if indexing == "xy" and n > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, x in enumerate(xs):
        s = [1] * n
        axis = i
        if indexing == "xy" and n > 1 and i < 2:
            axis = 1 - i
        s[axis] = -1
        g = x.reshape(s)
        if not sparse:
            g = _wrap(g._h.broadcast_to(shape))
            if copy:
                g = g.copy()
        out.append(g)
    return tuple(out)


# ---------------------------------------------------------------- element-wise extras


def round(a, decimals=0, out=None):  # noqa: A001
    r = _wrap(_legate.round(_a(a)._h, operator.index(decimals)))
    if out is not None:
        out[...] = r
        return out
    return r


around = round


def divmod(x1, x2):  # noqa: A001
    a, b = _legate.pair("divmod", _a(x1)._h, _a(x2)._h)
    return _wrap(a), _wrap(b)


def modf(x):
    a, b = _legate.pair("modf", _a(x)._h)
    return _wrap(a), _wrap(b)


def frexp(x):
    a, b = _legate.pair("frexp", _a(x)._h)
    return _wrap(a), _wrap(b)


# ---------------------------------------------------------------- statistics


def _nan(name, a, axis, dtype, out, keepdims, ddof=0):
    a = _a(a)
    if dtype is not None:
        a = a.astype(dtype)
    if isinstance(axis, tuple):
        if len(axis) != 1:
            return _fallback_call(name, getattr(_np, name), (a,), {
                "axis": axis, "keepdims": keepdims, **({"ddof": ddof} if ddof else {})})
        axis = axis[0]
    r = _wrap(_legate.reduce(name, a._h, _index(axis), builtins.bool(keepdims), ddof))
    r = _in_requested_type(r, name, dtype)
    if out is not None:
        out[...] = r
        return out
    return r


def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    return _nan("nansum", a, axis, dtype, out, keepdims)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False):
    return _nan("nanprod", a, axis, dtype, out, keepdims)


def nanmax(a, axis=None, out=None, keepdims=False):
    return _nan("nanmax", a, axis, None, out, keepdims)


def nanmin(a, axis=None, out=None, keepdims=False):
    return _nan("nanmin", a, axis, None, out, keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    return _nan("nanmean", a, axis, dtype, out, keepdims)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nan("nanvar", a, axis, dtype, out, keepdims, operator.index(ddof))


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _nan("nanstd", a, axis, dtype, out, keepdims, operator.index(ddof))


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    r = _nan("nanargmax", a, axis, None, out, False)
    return expand_dims(r, axis) if keepdims and axis is not None else r


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    r = _nan("nanargmin", a, axis, None, out, False)
    return expand_dims(r, axis) if keepdims and axis is not None else r


def nancumsum(a, axis=None, dtype=None, out=None):
    return _nan("nancumsum", a, axis, dtype, out, False)


def nancumprod(a, axis=None, dtype=None, out=None):
    return _nan("nancumprod", a, axis, dtype, out, False)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _nan("median", a, axis, None, out, keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _nan("nanmedian", a, axis, None, out, keepdims)


def _quantile(name, a, q, axis, out, method, keepdims, percent, skip_nan, weights):
    if weights is not None or isinstance(axis, tuple) or method not in (
        "linear", "lower", "higher", "nearest", "midpoint"
    ):
        return _fallback_call(name, getattr(_np, name), (a, q), {
            "axis": axis, "method": method, "keepdims": keepdims,
            **({"weights": weights} if weights is not None else {})})
    qa = _a(q).astype(_np.float64)
    r = _wrap(_legate.quantile(_a(a)._h, qa._h, _index(axis), method,
                               builtins.bool(keepdims), percent, skip_nan))
    if out is not None:
        out[...] = r
        return out
    return r


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    return _quantile("quantile", a, q, axis, out, interpolation or method, keepdims, False,
                     False, weights)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    return _quantile("percentile", a, q, axis, out, interpolation or method, keepdims, True,
                     False, weights)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    return _quantile("nanquantile", a, q, axis, out, interpolation or method, keepdims,
                     False, True, weights)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    return _quantile("nanpercentile", a, q, axis, out, interpolation or method, keepdims,
                     True, True, weights)


def bincount(x, weights=None, minlength=0):
    w = None if weights is None else _a(weights)._h
    return _wrap(_legate.bincount(_a(x)._h, w, operator.index(minlength)))


def _bins(bins):
    if isinstance(bins, (int, _np.integer)):
        return {"count": int(bins)}
    if isinstance(bins, str):
        return None
    return {"edges": _a(bins)._h}


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    b = _bins(bins)
    if b is None:
        return _fallback_call("histogram", _np.histogram, (a,), {
            "bins": bins, "range": range, "density": density, "weights": weights})
    rng = None if range is None else (float(range[0]), float(range[1]))
    w = None if weights is None else _a(weights)._h
    h, e = _legate.histogram(_a(a)._h, range=rng, density=builtins.bool(density),
                             weights=w, **b)
    return _wrap(h), _wrap(e)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    b = _bins(bins)
    if b is None:
        return _fallback_call("histogram_bin_edges", _np.histogram_bin_edges, (a,), {
            "bins": bins, "range": range, "weights": weights})
    rng = None if range is None else (float(range[0]), float(range[1]))
    return _wrap(_legate.histogram_bin_edges(_a(a)._h, range=rng, **b))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    a = _a(a)
    if weights is None:
        avg = a.mean(axis, keepdims=keepdims)
        scl = _wrap(_legate.create("full", list(avg.shape), _dtype_name(avg.dtype),
                                   a.size // builtins.max(avg.size, 1)))
    else:
        w = _a(weights)
        if w.shape != a.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if w.ndim != 1 or w.shape[0] != a.shape[axis]:
                raise ValueError("Shape of weights must be consistent with shape of a "
                                 "along specified axis.")
            shape = [1] * a.ndim
            shape[axis] = -1
            w = w.reshape(shape)
        scl = (w * _wrap(_legate.create("ones", list(a.shape), "float64"))).sum(
            axis, keepdims=keepdims)
        if builtins.bool((scl == 0).any()):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = (a * w).sum(axis, keepdims=keepdims) / scl
    return (avg, scl) if returned else avg


def ptp(a, axis=None, out=None, keepdims=False):
    a = _a(a)
    r = a.max(axis, keepdims=keepdims) - a.min(axis, keepdims=keepdims)
    if out is not None:
        out[...] = r
        return out
    return r


# ---------------------------------------------------------------- products


def inner(a, b):
    return _wrap(_legate.product("inner", _a(a)._h, _a(b)._h))


def outer(a, b, out=None):
    r = _wrap(_legate.product("outer", _a(a).ravel()._h, _a(b).ravel()._h))
    if out is not None:
        out[...] = r
        return out
    return r


def vdot(a, b):
    return _wrap(_legate.product("vdot", _a(a)._h, _a(b)._h))


def tensordot(a, b, axes=2):
    if isinstance(axes, (int, _np.integer)):
        return _wrap(_legate.tensordot(_a(a)._h, _a(b)._h, n=int(axes)))
    x, y = axes
    return _wrap(_legate.tensordot(_a(a)._h, _a(b)._h, pairs=(list(_ints(x)), list(_ints(y)))))


def einsum(*operands, out=None, optimize=False, **kwargs):
    if not operands or not isinstance(operands[0], str) or kwargs:
        return _fallback_call("einsum", _np.einsum, operands, {"optimize": optimize, **kwargs})
    subscripts, arrays = operands[0], operands[1:]
    r = _wrap(_legate.einsum(subscripts.replace(" ", ""), _handles(arrays)))
    if out is not None:
        out[...] = r
        return out
    return r


# ---------------------------------------------------------------- ndarray methods


def _install_methods():
    def sort_(self, axis=-1, kind=None, order=None, *, stable=None):
        if order is not None:
            raise NotImplementedError("sort with order=")
        _legate.sort_inplace(self._h, operator.index(axis))

    def partition_(self, kth, axis=-1, kind="introselect", order=None):
        self[...] = partition(self, kth, axis)

    methods = {
        "sort": sort_,
        "argsort": lambda self, axis=-1, kind=None, order=None: argsort(self, axis, kind,
                                                                        order),
        "partition": partition_,
        "argpartition": lambda self, kth, axis=-1, kind="introselect", order=None:
            argpartition(self, kth, axis),
        "searchsorted": lambda self, v, side="left", sorter=None: searchsorted(self, v, side,
                                                                               sorter),
        "nonzero": lambda self: nonzero(self),
        "take": lambda self, indices, axis=None, out=None, mode="raise": take(
            self, indices, axis, out, mode),
        "put": lambda self, indices, values, mode="raise": put(self, indices, values, mode),
        "repeat": lambda self, repeats, axis=None: repeat(self, repeats, axis),
        "squeeze": lambda self, axis=None: squeeze(self, axis),
        "swapaxes": lambda self, axis1, axis2: swapaxes(self, axis1, axis2),
        "diagonal": lambda self, offset=0, axis1=0, axis2=1: diagonal(self, offset, axis1,
                                                                      axis2),
        "trace": lambda self, offset=0, axis1=0, axis2=1, dtype=None, out=None: trace(
            self, offset, axis1, axis2, dtype, out),
        "round": lambda self, decimals=0, out=None: round(self, decimals, out),
        "compress": lambda self, condition, axis=None, out=None: compress(condition, self,
                                                                          axis, out),
        "ptp": lambda self, axis=None, out=None, keepdims=False: ptp(self, axis, out,
                                                                     keepdims),
    }
    for name, f in methods.items():
        f.__name__ = name
        setattr(ndarray, name, f)


_install_methods()
