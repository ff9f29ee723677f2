"""``legate.dense.random`` (NumPy's legacy ``numpy.random`` functions): a Philox
counter-based generator, so the numbers do not depend on how many pieces or processors
the runtime uses. Functions not bound yet fall back to NumPy."""

import operator

import numpy as _np

from .. import _legate
from . import _module_fallback, _wrap


def _dims(args):
    return [operator.index(a) for a in args]


def _size(size):
    if size is None:
        return []
    if isinstance(size, (int, _np.integer)):
        return [int(size)]
    return [operator.index(s) for s in size]


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


__getattr__ = _module_fallback("legate.dense.random", "random.", _np.random)
