"""``legate.dense.random`` (NumPy's legacy ``numpy.random`` functions): a Philox
counter-based generator, so the numbers do not depend on how many pieces or processors
the runtime uses. Functions not bound yet fall back to NumPy."""

import operator

import numpy as _np

from .. import _legate
from . import _fallback_call, _wrap


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


def __getattr__(name):
    target = getattr(_np.random, name, None)
    if target is None or name.startswith("_"):
        raise AttributeError(f"module 'legate.dense.random' has no attribute {name!r}")
    if not callable(target) or isinstance(target, type):
        return target

    def fallback(*args, **kwargs):
        return _fallback_call(f"random.{name}", target, args, kwargs)

    fallback.__name__ = name
    return fallback
