"""``legate.dense``: a drop-in for NumPy whose arrays are distributed stores.

``import legate.dense as np`` (or ``legate.numpy``) and the program runs its array work
as tasks on every core the runtime has. Element-wise expressions are fused by the
runtime: ``a = b + 2.5 * c`` is one pass over memory.

Functions this module does not implement yet fall back to NumPy: the arrays are
converted, NumPy runs, the result comes back as our array, and a warning says so once
per function. ``LEGATE_FALLBACK=0`` makes them raise ``NotImplementedError`` instead.
"""

import builtins
import operator
import os
import warnings

import numpy as _np

from .. import _legate

# Names NumPy programs use from the module, kept identical.
from numpy import (  # noqa: F401
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32,
    float64, complex64, complex128, dtype, e, euler_gamma, inf, nan, newaxis, pi,
    finfo, iinfo, result_type, promote_types, can_cast,
)

bool = _np.bool_  # noqa: A001  (NumPy 2 spells it np.bool)
intp = _np.intp

_SCALARS = (builtins.bool, int, float, complex)


def _dtype_name(dt):
    return _np.dtype(dt).name


def _wrap(h):
    a = ndarray.__new__(ndarray)
    a._h = h
    return a


def _handle(x, dtype=None):
    """The handle of ``x``: ours as it is, anything NumPy accepts converted."""
    if isinstance(x, ndarray):
        return x._h if dtype is None else x._h.astype(_dtype_name(dtype))
    arr = _np.asarray(x, dtype=dtype)
    return _legate.from_numpy(arr)


def _operand(x):
    """A Python scalar stays a (weakly typed) scalar; anything else becomes a handle."""
    if isinstance(x, ndarray):
        return x._h
    if type(x) in _SCALARS:
        return x
    return _handle(x)


def _to_numpy(x):
    """``x`` with our arrays replaced by NumPy ones (in lists, tuples and dicts too)."""
    if isinstance(x, ndarray):
        return x._h.to_numpy()
    if isinstance(x, (list, tuple)):
        return type(x)(_to_numpy(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    return x


def _from_numpy(x):
    """NumPy results as our arrays (0-d results stay NumPy scalars, as NumPy's do)."""
    if isinstance(x, _np.ndarray):
        return _wrap(_legate.from_numpy(x)) if x.ndim > 0 else x[()]
    if isinstance(x, tuple):
        return tuple(_from_numpy(v) for v in x)
    if isinstance(x, list):
        return [_from_numpy(v) for v in x]
    return x


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if k is None:
            out.append(("n",))
        elif k is Ellipsis:
            out.append(("e",))
        elif isinstance(k, slice):
            start = None if k.start is None else operator.index(k.start)
            stop = None if k.stop is None else operator.index(k.stop)
            step = 1 if k.step is None else operator.index(k.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            out.append(("s", start, stop, step))
        elif isinstance(k, ndarray):
            out.append(("a", k._h))
        elif isinstance(k, (builtins.bool, _np.bool_)):
            out.append(("a", _legate.from_numpy(_np.asarray(k))))
        elif isinstance(k, (int, _np.integer)):
            out.append(("i", int(k)))
        elif isinstance(k, (list, _np.ndarray)):
            arr = _np.asarray(k)
            if arr.dtype.kind not in "biu":
                raise IndexError(
                    "arrays used as indices must be of integer (or boolean) type"
                )
            out.append(("a", _legate.from_numpy(arr)))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) "
                "and integer or boolean arrays are valid indices"
            )
    return out


def _binary(name, a, b):
    return _wrap(_legate.binary(name, _operand(a), _operand(b)))


def _inplace(name, a, b):
    _legate.binary_into(name, a._h, _operand(b), a._h)
    return a


def _axis(axis):
    if axis is None:
        return None
    if isinstance(axis, tuple):
        if len(axis) == 1:
            return operator.index(axis[0])
        raise TypeError(f"'tuple' object cannot be interpreted as an integer: {axis}")
    return operator.index(axis)


# Reductions that compose axis by axis: over several axes, one axis after another.
_COMPOSABLE = {"sum", "prod", "max", "min", "all", "any"}


class _Flags:
    """NumPy's ``ndarray.flags``, by key (``a.flags["C_CONTIGUOUS"]``) or attribute
    (``a.flags.c_contiguous``). An array's elements are addressed in row-major order
    whatever its pieces' layout, so every array is C-contiguous as NumPy code sees it
    (``__array__`` gives a C-ordered copy); views are writeable and write through."""

    _NAMES = ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED",
              "WRITEBACKIFCOPY")

    def __init__(self, a):
        self._values = {
            "C_CONTIGUOUS": True,
            "F_CONTIGUOUS": a.ndim <= 1 or builtins.sum(1 for s in a.shape if s != 1) <= 1,
            "OWNDATA": True,
            "WRITEABLE": True,
            "ALIGNED": True,
            "WRITEBACKIFCOPY": False,
        }

    def __getitem__(self, key):
        aliases = {"C": "C_CONTIGUOUS", "F": "F_CONTIGUOUS", "CONTIGUOUS": "C_CONTIGUOUS",
                   "FORTRAN": "F_CONTIGUOUS", "O": "OWNDATA", "W": "WRITEABLE",
                   "A": "ALIGNED", "X": "WRITEBACKIFCOPY"}
        key = aliases.get(key, key)
        if key not in self._values:
            raise KeyError(f"Unknown flag {key!r}")
        return self._values[key]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name.upper()]
        except KeyError:
            raise AttributeError(f"'flagsobj' object has no attribute {name!r}") from None

    def __repr__(self):
        return "\n".join(f"  {k} : {self._values[k]}" for k in self._NAMES)


class ndarray:
    """A distributed n-dimensional array with NumPy's semantics."""

    __slots__ = ("_h", "__weakref__")
    __array_priority__ = 100.0

    def __init__(self, shape, dtype=float):
        if isinstance(shape, int):
            shape = (shape,)
        self._h = _legate.create("zeros", [operator.index(s) for s in shape], _dtype_name(dtype))

    # ---------------------------------------------------------------- attributes
    @property
    def shape(self):
        return self._h.shape

    @property
    def ndim(self):
        return len(self._h.shape)

    @property
    def size(self):
        n = 1
        for s in self._h.shape:
            n *= s
        return n

    @property
    def dtype(self):
        return _np.dtype(self._h.dtype)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.itemsize

    @property
    def T(self):
        return self.transpose()

    @property
    def flags(self):
        return _Flags(self)

    @property
    def store(self):
        """The runtime store holding this array (shared, for libraries: ``legate.core``)."""
        from ..core import Store

        return Store(_legate.store_of(self._h))

    @property
    def real(self):
        return _wrap(_legate.unary("real", self._h))

    @property
    def imag(self):
        return _wrap(_legate.unary("imag", self._h))

    # ---------------------------------------------------------------- conversions
    def __array__(self, dtype=None, copy=None):
        arr = self._h.to_numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        ours = globals().get(name)
        if method == "__call__" and callable(ours) and not kwargs.keys() - {"out"}:
            return ours(*inputs, **kwargs)
        return _fallback_call(f"{name}.{method}", getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        ours = globals().get(func.__name__)
        if callable(ours) and ours is not func:
            return ours(*args, **kwargs)
        return _fallback_call(func.__name__, func, args, kwargs)

    def __repr__(self):
        return repr(self.__array__())

    def __str__(self):
        return str(self.__array__())

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(self.shape[0]):
            yield self[i]

    def _scalar(self, what):
        if self.size != 1:
            raise TypeError(f"only length-1 arrays can be converted to Python {what}")
        return self._h.reshape([]).item() if self.ndim else self._h.item()

    def __bool__(self):
        if self.size != 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous. "
                "Use a.any() or a.all()"
            )
        return builtins.bool(self._scalar("scalars"))

    def __float__(self):
        return float(self._scalar("scalars"))

    def __int__(self):
        return int(self._scalar("scalars"))

    def __complex__(self):
        return complex(self._scalar("scalars"))

    def __index__(self):
        if self.dtype.kind not in "iu" or self.ndim:
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._h.item())

    def item(self, *args):
        if len(args) == 1 and isinstance(args[0], (int, _np.integer)):
            return self.ravel()[args[0]].item()
        if args:
            return self[args[0] if len(args) == 1 else args].item()
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._scalar("scalars")

    def tolist(self):
        return self.__array__().tolist()

    def astype(self, dtype, copy=True):
        if not copy and _np.dtype(dtype) == self.dtype:
            return self
        return _wrap(self._h.astype(_dtype_name(dtype)))

    def copy(self):
        return _wrap(self._h.copy())

    def fill(self, value):
        self._h.fill(value)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        shape = [operator.index(s) for s in shape]
        if order == "F":
            # Column-major order is row-major order of the reversed axes.
            return _wrap(self.T._h.reshape(shape[::-1])).T
        if order not in ("C", "A", "K"):
            raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
        return _wrap(self._h.reshape(shape))

    def ravel(self):
        return self.reshape(-1)

    def flatten(self):
        return self.reshape(-1).copy()

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return _wrap(self._h.transpose(list(axes) if axes else None))

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, key):
        return _wrap(self._h.getitem(_normalize_key(key)))

    def __setitem__(self, key, value):
        self._h.setitem(_normalize_key(key), _handle(value))

    # ---------------------------------------------------------------- reductions
    def _reduce(self, name, axis=None, dtype=None, out=None, keepdims=False, ddof=0):
        a = self if dtype is None else self.astype(dtype)
        if isinstance(axis, tuple) and len(axis) > 1:
            r = a._reduce_axes(name, axis, builtins.bool(keepdims), ddof)
        else:
            r = _wrap(_legate.reduce(name, a._h, _axis(axis), builtins.bool(keepdims), ddof))
        r = _in_requested_type(r, name, dtype)
        if out is not None:
            out[...] = r
            return out
        return r

    def _reduce_axes(self, name, axes, keepdims, ddof):
        """A reduction over several axes: one axis after another for those that compose
        (from the last, so the others keep their numbers), from the sum for mean and
        variance."""
        axes = [operator.index(x) for x in axes]
        for x in axes:
            if not -self.ndim <= x < self.ndim:
                raise _np.exceptions.AxisError(x, self.ndim)
        axes = [x % self.ndim for x in axes]
        if len(axes) != len(set(axes)):
            raise ValueError("duplicate value in 'axis'")
        axes.sort(reverse=True)
        if name in _COMPOSABLE:
            r = self
            for ax in axes:
                r = _wrap(_legate.reduce(name, r._h, ax, keepdims, 0))
            return r
        count = 1
        for ax in axes:
            count *= self.shape[ax]
        if name == "mean":
            return self._reduce_axes("sum", axes, keepdims, 0) / count
        if name in ("var", "std"):
            centred = self - self._reduce_axes("mean", axes, True, 0)
            sq = absolute(centred) if self.dtype.kind == "c" else centred  # noqa: F821
            v = (sq * sq)._reduce_axes("sum", axes, keepdims, 0) / builtins.max(count - ddof, 0)
            return sqrt(v) if name == "std" else v  # noqa: F821
        raise TypeError(f"{name} takes one axis, not {tuple(axes)}")

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return self._reduce("sum", axis, dtype, out, keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False):
        return self._reduce("prod", axis, dtype, out, keepdims)

    def max(self, axis=None, out=None, keepdims=False):
        return self._reduce("max", axis, None, out, keepdims)

    def min(self, axis=None, out=None, keepdims=False):
        return self._reduce("min", axis, None, out, keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return self._reduce("mean", axis, dtype, out, keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return self._reduce("var", axis, dtype, out, keepdims, ddof)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return self._reduce("std", axis, dtype, out, keepdims, ddof)

    def all(self, axis=None, out=None, keepdims=False):
        return self._reduce("all", axis, None, out, keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        return self._reduce("any", axis, None, out, keepdims)

    def argmax(self, axis=None, out=None):
        return self._reduce("argmax", axis, None, out)

    def argmin(self, axis=None, out=None):
        return self._reduce("argmin", axis, None, out)

    def cumsum(self, axis=None, dtype=None, out=None):
        return self._reduce("cumsum", axis, dtype, out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return self._reduce("cumprod", axis, dtype, out)

    def dot(self, other):
        return dot(self, other)

    def conj(self):
        return conjugate(self)

    conjugate = conj

    def clip(self, min=None, max=None):  # noqa: A002
        return clip(self, min, max)

    # ---------------------------------------------------------------- operators
    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return negative(self)

    def __pos__(self):
        return positive(self)

    def __abs__(self):
        return absolute(self)

    def __invert__(self):
        return invert(self)

    __hash__ = None


# Reductions whose result is positions or counts, whatever the type they read.
_INDEX_RESULTS = frozenset({"argmax", "argmin", "nanargmax", "nanargmin", "count_nonzero",
                            "all", "any"})


def _in_requested_type(r, name, dtype):
    """The result of reduction ``name`` in the ``dtype=`` it was given, as NumPy returns
    it: a sum of uint8 with ``dtype=uint8`` wraps in uint8 (the wider sum, cast back, is
    the same modulo 2^8)."""
    if dtype is None or name in _INDEX_RESULTS or r.dtype == _np.dtype(dtype):
        return r
    return r.astype(dtype)


def _install_operators():
    pairs = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
        "floordiv": "floor_divide", "mod": "remainder", "pow": "power",
        "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
        "lshift": "left_shift", "rshift": "right_shift",
    }
    for dunder, name in pairs.items():
        setattr(ndarray, f"__{dunder}__", lambda a, b, n=name: _binary(n, a, b))
        setattr(ndarray, f"__r{dunder}__", lambda a, b, n=name: _binary(n, b, a))
        setattr(ndarray, f"__i{dunder}__", lambda a, b, n=name: _inplace(n, a, b))
    for dunder, name in {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                         "gt": "greater", "ge": "greater_equal"}.items():
        setattr(ndarray, f"__{dunder}__", lambda a, b, n=name: _binary(n, a, b))

    def __pow__(a, b):
        # NumPy's ``**`` squares for an exponent of 2: ``bool_array ** 2`` is int8, where
        # ``power(bool_array, 2)`` is int64.
        if type(b) is int and b == 2 and a.dtype == _np.bool_:
            return square(a)  # noqa: F821
        return _binary("power", a, b)

    ndarray.__pow__ = __pow__


_install_operators()

# ---------------------------------------------------------------- ufuncs
_BINARY = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder",
    "mod", "power", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "fmod",
    "arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "nextafter", "fmax",
    "fmin", "heaviside", "float_power", "ldexp", "gcd", "lcm", "left_shift",
    "right_shift", "logical_and", "logical_or", "logical_xor",
]
_ALIASES = {"divide": "true_divide", "mod": "remainder"}
_UNARY = [
    "negative", "absolute", "square", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh",
    "floor", "ceil", "invert", "positive", "fabs", "rint", "sign", "conjugate", "exp2",
    "log2", "log10", "expm1", "log1p", "cbrt", "reciprocal", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "degrees", "radians",
    "trunc", "spacing", "isnan", "isinf", "isfinite", "signbit", "logical_not",
]


def _make_binary(name):
    op = _ALIASES.get(name, name)

    def ufunc(x1, x2, out=None):
        if out is None:
            return _binary(op, x1, x2)
        a = x1 if isinstance(x1, ndarray) else asarray(x1)
        _legate.binary_into(op, a._h, _operand(x2), out._h)
        return out

    ufunc.__name__ = name
    ufunc.__doc__ = f"NumPy's ``{name}`` (element-wise, broadcasting, fused)."
    return ufunc


def _make_unary(name):
    def ufunc(x, out=None):
        r = _wrap(_legate.unary(name, _handle(x)))
        if out is not None:
            out[...] = r
            return out
        return r

    ufunc.__name__ = name
    ufunc.__doc__ = f"NumPy's ``{name}`` (element-wise, fused)."
    return ufunc


for _n in _BINARY:
    globals()[_n] = _make_binary(_n)
for _n in _UNARY:
    globals()[_n] = _make_unary(_n)
abs = absolute  # noqa: A001,F821
conj = conjugate  # noqa: F821

# ---------------------------------------------------------------- creation


def _shape(shape):
    if isinstance(shape, (int, _np.integer)):
        return [int(shape)]
    return [operator.index(s) for s in shape]


def empty(shape, dtype=float):
    return _wrap(_legate.create("empty", _shape(shape), _dtype_name(dtype)))


def zeros(shape, dtype=float):
    return _wrap(_legate.create("zeros", _shape(shape), _dtype_name(dtype)))


def ones(shape, dtype=float):
    return _wrap(_legate.create("ones", _shape(shape), _dtype_name(dtype)))


def full(shape, fill_value, dtype=None):
    if dtype is None:
        dtype = _np.asarray(fill_value).dtype
    if isinstance(fill_value, _np.generic):
        fill_value = fill_value.item()
    return _wrap(_legate.create("full", _shape(shape), _dtype_name(dtype), fill_value))


def empty_like(a, dtype=None):
    return empty(_np.shape(a) if not isinstance(a, ndarray) else a.shape, dtype or _dt(a))


def zeros_like(a, dtype=None):
    return zeros(a.shape if isinstance(a, ndarray) else _np.shape(a), dtype or _dt(a))


def ones_like(a, dtype=None):
    return ones(a.shape if isinstance(a, ndarray) else _np.shape(a), dtype or _dt(a))


def full_like(a, fill_value, dtype=None):
    return full(a.shape if isinstance(a, ndarray) else _np.shape(a), fill_value, dtype or _dt(a))


def _dt(a):
    return a.dtype if isinstance(a, ndarray) else _np.asarray(a).dtype


def array(obj, dtype=None, copy=True):
    if isinstance(obj, ndarray):
        if dtype is not None and _np.dtype(dtype) != obj.dtype:
            return obj.astype(dtype)
        return obj.copy() if copy else obj
    return _wrap(_handle(obj, dtype))


def asarray(obj, dtype=None):
    return array(obj, dtype=dtype, copy=False)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = _np.result_type(start, stop, step)
    return _wrap(_legate.arange(float(start), float(stop), float(step), _dtype_name(dtype)))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    dtype = float64 if dtype is None else dtype
    return _wrap(_legate.linspace(float(start), float(stop), operator.index(num),
                                  builtins.bool(endpoint), _dtype_name(dtype)))


def eye(N, M=None, k=0, dtype=float):
    return _wrap(_legate.eye(operator.index(N), None if M is None else operator.index(M),
                             operator.index(k), _dtype_name(dtype)))


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


# ---------------------------------------------------------------- functions


def _a(x):
    return x if isinstance(x, ndarray) else asarray(x)


def sum(a, axis=None, dtype=None, out=None, keepdims=False):  # noqa: A001
    return _a(a).sum(axis, dtype, out, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    return _a(a).prod(axis, dtype, out, keepdims)


def max(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _a(a).max(axis, out, keepdims)


def min(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _a(a).min(axis, out, keepdims)


amax, amin = max, min


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    return _a(a).mean(axis, dtype, out, keepdims)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _a(a).var(axis, dtype, out, ddof, keepdims)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _a(a).std(axis, dtype, out, ddof, keepdims)


def all(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _a(a).all(axis, out, keepdims)


def any(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _a(a).any(axis, out, keepdims)


def argmax(a, axis=None, out=None):
    return _a(a).argmax(axis, out)


def argmin(a, axis=None, out=None):
    return _a(a).argmin(axis, out)


def cumsum(a, axis=None, dtype=None, out=None):
    return _a(a).cumsum(axis, dtype, out)


def cumprod(a, axis=None, dtype=None, out=None):
    return _a(a).cumprod(axis, dtype, out)


def dot(a, b, out=None):
    r = _wrap(_legate.dot(_a(a)._h, _a(b)._h))
    if out is not None:
        out[...] = r
        return out
    return r


def matmul(a, b, out=None):
    r = _wrap(_legate.matmul(_a(a)._h, _a(b)._h))
    if out is not None:
        out[...] = r
        return out
    return r


def where(condition, x=None, y=None):
    if x is None and y is None:
        return nonzero(condition)  # noqa: F821  (from _functions)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return _wrap(_legate.where_(_a(condition)._h, _a(x)._h, _a(y)._h))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """NumPy's ``clip``: ``minimum(maximum(a, a_min), a_max)``, whose result type follows
    the bounds as the ufuncs' does (Python numbers are weak: ``clip(int64, 0, 3)`` stays
    ``int64``); the bounds may be arrays that broadcast with ``a``."""
    if min is not None or max is not None:
        if a_min is not None or a_max is not None:
            raise ValueError("Passed more than one argument for the same bound")
        a_min, a_max = min, max
    a = _a(a)
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    r = a
    if a_min is not None:
        r = maximum(r, a_min)
    if a_max is not None:
        r = minimum(r, a_max)
    if out is not None:
        out[...] = r
        return out
    return r


def copy(a):
    return _a(a).copy()


def reshape(a, newshape, order="C"):
    return _a(a).reshape(newshape, order=order)


def ravel(a):
    return _a(a).ravel()


def transpose(a, axes=None):
    return _a(a).transpose(axes)


def shape(a):
    return _a(a).shape


def ndim(a):
    return _a(a).ndim


def size(a):
    return _a(a).size


def broadcast_to(a, shape):
    return _wrap(_a(a)._h.broadcast_to(_shape(shape)))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _a(a), _a(b)
    close = less_equal(absolute(a - b), atol + rtol * absolute(b))  # noqa: F821
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))  # noqa: F821
    return close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(a, b, rtol, atol, equal_nan).all())


def array_equal(a1, a2, equal_nan=False):
    a1, a2 = _a(a1), _a(a2)
    if a1.shape != a2.shape:
        return False
    same = equal(a1, a2)  # noqa: F821
    if equal_nan:
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))  # noqa: F821
    return builtins.bool(same.all())


# ---------------------------------------------------------------- fallback to NumPy

_warned = set()


def _fallback_warning(name, reference="NumPy", stacklevel=4):
    """Before running ``reference``'s ``name`` in place of ours: raises
    ``NotImplementedError`` under ``LEGATE_FALLBACK=0``, else warns once per name."""
    if os.environ.get("LEGATE_FALLBACK", "1") == "0":
        raise NotImplementedError(f"legate.{name} is not implemented")
    if name not in _warned:
        _warned.add(name)
        warnings.warn(
            f"legate.{name} is not implemented yet; running {reference}'s on one core",
            RuntimeWarning,
            stacklevel=stacklevel,
        )


def _fallback_call(name, func, args, kwargs):
    _fallback_warning("dense." + name)
    return _from_numpy(func(*_to_numpy(args), **_to_numpy(kwargs)))


def _module_fallback(module, prefix, numpy_module):
    """A module ``__getattr__`` that answers for ``numpy_module``'s functions with NumPy
    fallbacks (named ``prefix + name`` in the warning) and passes its constants through."""

    def getattr_(name):
        target = getattr(numpy_module, name, None)
        if target is None or name.startswith("_"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if not callable(target) or isinstance(target, type):
            return target

        def fallback(*args, **kwargs):
            return _fallback_call(prefix + name, target, args, kwargs)

        fallback.__name__ = name
        fallback.__doc__ = f"NumPy's ``{prefix}{name}`` (not implemented here: falls back to NumPy)."
        return fallback

    return getattr_


from ._functions import *  # noqa: E402,F401,F403
from ._compose import *  # noqa: E402,F401,F403
from . import fft, linalg, random  # noqa: E402,F401  (before __getattr__ can answer for them)

__getattr__ = _module_fallback("legate.dense", "", _np)
