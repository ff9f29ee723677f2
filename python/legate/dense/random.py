"""``legate.dense.random``: NumPy's ``default_rng``/``Generator`` and its legacy
``numpy.random`` functions on a Philox counter-based generator, so the numbers do not
depend on how many pieces or processors the runtime uses. What is not bound falls back
to NumPy (one warning each)."""

import operator
import os

import numpy as _np

from .. import _legate
from . import _a, _fallback_call, _module_fallback, _wrap, arange


def _dims(args):
    return [operator.index(a) for a in args]


def _size(size):
    if size is None:
        return []
    if isinstance(size, (int, _np.integer)):
        return [int(size)]
    return [operator.index(s) for s in size]


def _scalar(x, what):
    if _np.ndim(x):
        raise NotImplementedError(f"{what} with array-valued parameters")
    return float(x)


def _cast(r, dtype, default=_np.float64):
    dt = _np.dtype(default if dtype is None else dtype)
    return r if r.dtype == dt else r.astype(dt)


class Generator:
    """``numpy.random.Generator`` on Philox (``default_rng(seed)``): ``random``,
    ``uniform``, ``standard_normal``, ``normal``, ``integers`` and ``choice`` are tasks;
    the same seed gives the same numbers on any number of processors."""

    def __init__(self, seed=None):
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little") >> 1
        elif isinstance(seed, Generator):
            seed = seed._seed
        self._seed = operator.index(seed)
        self._g = _legate.Generator(self._seed)

    def __repr__(self):
        return "Generator(Philox)"

    def random(self, size=None, dtype=_np.float64, out=None):
        r = _cast(_wrap(self._g.draw("random", _size(size))), dtype)
        return _out(r, out)

    def uniform(self, low=0.0, high=1.0, size=None):
        return _wrap(self._g.draw("uniform", _size(size), _scalar(low, "uniform"),
                                  _scalar(high, "uniform")))

    def standard_normal(self, size=None, dtype=_np.float64, out=None):
        r = _cast(_wrap(self._g.draw("standard_normal", _size(size))), dtype)
        return _out(r, out)

    def normal(self, loc=0.0, scale=1.0, size=None):
        if _np.any(_np.asarray(scale) < 0):
            raise ValueError("scale < 0")
        return _wrap(self._g.draw("normal", _size(size), _scalar(loc, "normal"),
                                  _scalar(scale, "normal")))

    def integers(self, low, high=None, size=None, dtype=_np.int64, endpoint=False):
        if high is None:
            low, high = 0, low
        low, high = operator.index(low), operator.index(high)
        if endpoint:
            high += 1
        if high <= low:
            raise ValueError("low >= high" if not endpoint else "low > high")
        return _cast(_wrap(self._g.integers(low, high, _size(size))), dtype, _np.int64)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        if not replace or p is not None or axis != 0:
            rng = _np.random.default_rng(self._seed)
            return _fallback_call("random.Generator.choice", rng.choice, (a,), {
                "size": size, "replace": replace, "p": p, "axis": axis})
        pool = arange(operator.index(a)) if _np.ndim(a) == 0 else _a(a)
        if pool.size == 0:
            raise ValueError("a cannot be empty unless no samples are taken")
        r = _wrap(self._g.choice(pool._h, _size(size) or [1]))
        return r.reshape(()) if size is None else r


def _out(r, out):
    if out is None:
        return r
    out[...] = r
    return out


def default_rng(seed=None):
    """``numpy.random.default_rng``: a Philox ``Generator`` of ``seed``."""
    return Generator(seed)


def seed(seed=None):
    """Seeds the legacy generator."""
    _legate.random_seed(0 if seed is None else operator.index(seed))


def rand(*args):
    """Uniform floats in ``[0, 1)`` of shape ``args`` (``rand(3, 4)``; a tuple is a
    ``TypeError``, as in NumPy)."""
    return _wrap(_legate.random("rand", _dims(args)))


def randn(*args):
    """Standard normal floats of shape ``args``."""
    return _wrap(_legate.random("randn", _dims(args)))


def random(size=None):
    """Uniform floats in ``[0, 1)`` of shape ``size``."""
    return _wrap(_legate.random("random", _size(size)))


random_sample = ranf = sample = random


def standard_normal(size=None):
    return _wrap(_legate.random("randn", _size(size)))


def uniform(low=0.0, high=1.0, size=None):
    return _wrap(_legate.legacy("uniform", _size(size), _scalar(low, "uniform"),
                                _scalar(high, "uniform")))


def normal(loc=0.0, scale=1.0, size=None):
    if _np.any(_np.asarray(scale) < 0):
        raise ValueError("scale < 0")
    return _wrap(_legate.legacy("normal", _size(size), _scalar(loc, "normal"),
                                _scalar(scale, "normal")))


def randint(low, high=None, size=None, dtype=int):
    r = _wrap(_legate.legacy("randint", _size(size), low=operator.index(low),
                             high=None if high is None else operator.index(high)))
    return _cast(r, dtype, _np.int64)


__getattr__ = _module_fallback("legate.dense.random", "random.", _np.random)
