"""``legate.sparse.io``: Matrix Market files (``scipy.io.mmread`` / ``mmwrite``), read and
written by legate-sparse on the calling thread.

``coordinate`` and ``array`` files with ``real``, ``integer``, ``complex`` and ``pattern``
fields and any symmetry are read; files are written as ``general`` (every entry listed),
which any reader takes back unchanged. What legate-sparse does not read or write itself
(compressed files, file objects, the ``comment``/``field``/``precision``/``symmetry``
options) goes through SciPy, with a single warning."""

import os

import numpy as _np

from .. import _legate
from .. import dense as _dense
from ..dense import _fallback_warning

__all__ = ["mmread", "mmwrite", "mminfo"]


def _native_path(p):
    if not isinstance(p, (str, bytes, os.PathLike)):
        return None
    p = os.fsdecode(os.fspath(p))
    return None if p.endswith((".gz", ".bz2")) else p


def mmread(source, *, spmatrix=True):
    """The matrix of a Matrix Market file: a ``coo_matrix`` (``coo_array`` with
    ``spmatrix=False``) for a ``coordinate`` file, a dense array for an ``array`` one."""
    from . import coo_array, coo_matrix

    path = _native_path(source)
    if path is None:
        import scipy.io

        _fallback_warning("sparse.io.mmread", "SciPy", 3)
        m = scipy.io.mmread(source, spmatrix=spmatrix)
        return _dense.asarray(m) if isinstance(m, _np.ndarray) else (
            coo_matrix(m) if spmatrix else coo_array(m))
    got = _legate.mmread(path if path.endswith(".mtx") or os.path.exists(path)
                         else path + ".mtx")
    if isinstance(got, tuple):
        shape, row, col, data = got
        cls = coo_matrix if spmatrix else coo_array
        return cls._from_coo(tuple(shape), (_dense._wrap(row), _dense._wrap(col),
                                            _dense._wrap(data)))
    return _dense._wrap(got)


def mmwrite(target, a, comment=None, field=None, precision=None, symmetry="AUTO"):
    """Writes ``a`` (sparse, ours or SciPy's, or dense) to a Matrix Market file."""
    from . import _csr_of, issparse

    path = _native_path(target)
    plain = comment in (None, "") and field is None and precision is None and (
        symmetry in ("AUTO", "general"))
    if path is None or not plain:
        import scipy.io

        _fallback_warning("sparse.io.mmwrite", "SciPy", 3)
        ref = a.to_scipy() if hasattr(a, "to_scipy") else (
            a if issparse(a) else _dense._to_numpy(a))
        scipy.io.mmwrite(target, ref, comment=comment, field=field, precision=precision,
                         symmetry=symmetry)
        return
    if not path.endswith(".mtx"):
        path += ".mtx"
    if issparse(a):
        _legate.mmwrite(path, _csr_of(a))
        return
    d = _dense.asarray(a)
    if d.ndim != 2:
        raise ValueError("expected a 2-D array or matrix")
    _legate.mmwrite_dense(path, d._h)


def mminfo(source):
    """``scipy.io.mminfo``: ``(rows, cols, entries, format, field, symmetry)`` from the
    file's header."""
    import scipy.io

    return scipy.io.mminfo(source)
