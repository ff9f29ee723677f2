"""``legate.dense.linalg`` (NumPy's ``numpy.linalg``): ``norm`` runs as fused tasks;
the other functions fall back to NumPy (one warning each) until they are bound."""

import numpy as _np

from .. import _legate
from . import _a, _fallback_call, _wrap

LinAlgError = _np.linalg.LinAlgError


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """``numpy.linalg.norm``: vector and matrix norms (``ord`` a number, ``'fro'`` or
    ``'nuc'``), over all axes, one or two."""
    if isinstance(axis, int):
        axis = [axis]
    elif axis is not None:
        axis = list(axis)
    return _wrap(_legate.norm(_a(x)._h, ord, axis, bool(keepdims)))


def __getattr__(name):
    target = getattr(_np.linalg, name, None)
    if target is None or name.startswith("_"):
        raise AttributeError(f"module 'legate.dense.linalg' has no attribute {name!r}")
    if not callable(target) or isinstance(target, type):
        return target

    def fallback(*args, **kwargs):
        return _fallback_call(f"linalg.{name}", target, args, kwargs)

    fallback.__name__ = name
    return fallback
