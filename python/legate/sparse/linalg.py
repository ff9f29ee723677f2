"""``legate.sparse.linalg`` (``scipy.sparse.linalg``): ``cg``, ``bicgstab``, ``gmres``
and ``spsolve`` run as tasks over the matrix's pieces; the vector updates are fused and
the residual is read every 25 iterations (``check_every``), not every one."""

import numpy as _np

from .. import _legate
from .. import dense as _dense
from . import csr_array


def _norm(x):
    return float(_dense.linalg.norm(x))


def _solve(method, A, b, x0, rtol, atol, maxiter, M, callback, restart=None,
           check_every=25):
    if M is not None or callback is not None:
        raise NotImplementedError(
            f"{method} with M= or callback= (use legate_sparse::linalg from Rust)"
        )
    A = A if isinstance(A, csr_array) else csr_array(A)
    b = _dense.asarray(b)
    x0 = None if x0 is None else _dense.asarray(x0)._h
    x, info = _legate.solve(method, A._m, b._h, x0, float(rtol), float(atol), maxiter,
                            restart, check_every)
    return _dense._wrap(x), info


def cg(A, b, x0=None, *, rtol=1e-05, atol=0.0, maxiter=None, M=None, callback=None,
       check_every=25):
    """``scipy.sparse.linalg.cg``: ``(x, info)``, ``info`` 0 when converged."""
    return _solve("cg", A, b, x0, rtol, atol, maxiter, M, callback, None, check_every)


def bicgstab(A, b, x0=None, *, rtol=1e-05, atol=0.0, maxiter=None, M=None, callback=None,
             check_every=25):
    """``scipy.sparse.linalg.bicgstab``."""
    return _solve("bicgstab", A, b, x0, rtol, atol, maxiter, M, callback, None, check_every)


def gmres(A, b, x0=None, *, rtol=1e-05, atol=0.0, restart=None, maxiter=None, M=None,
          callback=None, callback_type=None):
    """``scipy.sparse.linalg.gmres`` (``maxiter`` counts restart cycles)."""
    return _solve("gmres", A, b, x0, rtol, atol, maxiter, M, callback, restart)


def spsolve(A, b):
    """``scipy.sparse.linalg.spsolve`` (a dense LU of the matrix; for systems that fit as
    dense)."""
    A = A if isinstance(A, csr_array) else csr_array(A)
    return _dense._wrap(_legate.spsolve(A._m, _dense.asarray(b)._h))


def norm(x, ord=None, axis=None):  # noqa: A002
    """``scipy.sparse.linalg.norm``: Frobenius (``None``), 1, -1, inf, -inf."""
    if axis is not None:
        raise NotImplementedError("sparse norm along an axis")
    A = x if isinstance(x, csr_array) else csr_array(x)
    if ord == "fro":
        ord = None
    return _dense._wrap(A._m.norm(None if ord is None else float(ord)))


__all__ = ["cg", "bicgstab", "gmres", "spsolve", "norm"]
_ = _np
