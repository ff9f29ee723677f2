"""``legate.dense.linalg`` (NumPy's ``numpy.linalg``): ``norm`` runs as fused tasks;
the other functions fall back to NumPy (one warning each) until they are bound."""

import numpy as _np

from .. import _legate
from . import _a, _module_fallback, _wrap

LinAlgError = _np.linalg.LinAlgError


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """``numpy.linalg.norm``: vector and matrix norms (``ord`` a number, ``'fro'`` or
    ``'nuc'``), over all axes, one or two."""
    if isinstance(axis, int):
        axis = [axis]
    elif axis is not None:
        axis = list(axis)
    return _wrap(_legate.norm(_a(x)._h, ord, axis, bool(keepdims)))


__getattr__ = _module_fallback("legate.dense.linalg", "linalg.", _np.linalg)
