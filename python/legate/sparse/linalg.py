"""``legate.sparse.linalg`` (``scipy.sparse.linalg``): ``cg``, ``bicgstab``, ``gmres``
and ``spsolve`` run as tasks over the matrix's pieces; the vector updates are fused and
the residual is read every 25 iterations (``check_every``), not every one."""

import numpy as _np

from .. import _legate
from .. import dense as _dense
from . import _csr_of, _spbase, _is_scipy_sparse, csr_array


class LinearOperator:
    """``scipy.sparse.linalg.LinearOperator(shape, matvec, dtype=)``: a linear map given by
    a function, usable as ``A`` or as the preconditioner ``M`` of the solvers."""

    def __init__(self, shape, matvec=None, rmatvec=None, matmat=None, dtype=None,
                 rmatmat=None):
        if matvec is None:
            raise TypeError("LinearOperator needs a matvec")
        self.shape = (int(shape[0]), int(shape[1]))
        self.dtype = _np.dtype(float if dtype is None else dtype)
        self._matvec = matvec

    def matvec(self, x):
        return _dense.asarray(self._matvec(x))

    def __matmul__(self, x):
        return self.matvec(x)

    dot = __matmul__

    def __repr__(self):
        return f"<{self.shape[0]}x{self.shape[1]} LinearOperator with dtype={self.dtype}>"


def aslinearoperator(A):
    """``scipy.sparse.linalg.aslinearoperator``."""
    if isinstance(A, LinearOperator):
        return A
    return LinearOperator(A.shape, matvec=lambda x: A @ x, dtype=A.dtype)


def _operator(A):
    """What the extension takes: a CSR handle, or ``(rows, cols, dtype, matvec)``."""
    if isinstance(A, _spbase) or _is_scipy_sparse(A):
        return _csr_of(A)
    op = A if isinstance(A, LinearOperator) else aslinearoperator(A)

    def matvec(h):
        return _dense.asarray(op.matvec(_dense._wrap(h)))._h

    return (op.shape[0], op.shape[1], op.dtype.name, matvec)


def _solve(method, A, b, x0, rtol, atol, maxiter, M, callback, restart=None,
           check_every=25):
    b = _dense.asarray(b)
    x0 = None if x0 is None else _dense.asarray(x0)._h
    cb = None if callback is None else (lambda h: callback(_dense._wrap(h)))
    x, info = _legate.solve(method, _operator(A), b._h, x0, float(rtol), float(atol), maxiter,
                            restart, check_every, None if M is None else _operator(M), cb)
    return _dense._wrap(x), info


def cg(A, b, x0=None, *, rtol=1e-05, atol=0.0, maxiter=None, M=None, callback=None,
       check_every=25):
    """``scipy.sparse.linalg.cg``: ``(x, info)``, ``info`` 0 when converged. ``A`` and
    ``M`` may be sparse arrays, dense arrays or ``LinearOperator``s."""
    return _solve("cg", A, b, x0, rtol, atol, maxiter, M, callback, None, check_every)


def bicgstab(A, b, x0=None, *, rtol=1e-05, atol=0.0, maxiter=None, M=None, callback=None,
             check_every=25):
    """``scipy.sparse.linalg.bicgstab``."""
    return _solve("bicgstab", A, b, x0, rtol, atol, maxiter, M, callback, None, check_every)


def gmres(A, b, x0=None, *, rtol=1e-05, atol=0.0, restart=None, maxiter=None, M=None,
          callback=None, callback_type=None):
    """``scipy.sparse.linalg.gmres`` (``maxiter`` counts restart cycles; ``M`` on the
    right; ``callback`` gets the solution after each cycle)."""
    return _solve("gmres", A, b, x0, rtol, atol, maxiter, M, callback, restart)


def eigsh(A, k=6, M=None, sigma=None, which="LM", v0=None, ncv=None, maxiter=None,
          tol=0, return_eigenvectors=True):
    """``scipy.sparse.linalg.eigsh``: ``k`` eigenvalues (ascending) and eigenvectors of a
    real symmetric ``A`` by Lanczos (``which`` one of LM, SM, LA, SA)."""
    if M is not None or sigma is not None:
        raise NotImplementedError("eigsh with M= or sigma= (shift-invert)")
    v0 = None if v0 is None else _dense.asarray(v0)._h
    w, v = _legate.eigsh(_operator(A), int(k), which, v0, ncv, float(tol) or None)
    w = _dense._wrap(w)
    return (w, _dense._wrap(v)) if return_eigenvectors else w


def spsolve(A, b):
    """``scipy.sparse.linalg.spsolve`` (a dense LU of the matrix; for systems that fit as
    dense)."""
    return _dense._wrap(_legate.spsolve(_csr_of(A), _dense.asarray(b)._h))


def norm(x, ord=None, axis=None):  # noqa: A002
    """``scipy.sparse.linalg.norm``: Frobenius (``None``), 1, -1, inf, -inf."""
    A = x if isinstance(x, _spbase) else csr_array(x)
    if axis is None:
        if ord == "fro":
            ord = None
        return _dense._wrap(_csr_of(A).norm(None if ord is None else float(ord)))
    # Vector norms of the rows (axis=1) or columns (axis=0).
    axis = int(axis)
    if ord in (None, 2):
        return _dense.sqrt(abs(A).power(2).sum(axis=axis))
    if ord == 1:
        return abs(A).sum(axis=axis)
    if ord in (_np.inf, -_np.inf):
        # Zeros count too: the extreme of |A| along the axis, over the densified matrix.
        reduce = _dense.max if ord > 0 else _dense.min
        return reduce(abs(A).toarray(), axis=axis)
    return _dense.power(abs(A).power(ord).sum(axis=axis), 1.0 / ord)


__all__ = ["cg", "bicgstab", "gmres", "eigsh", "spsolve", "norm", "LinearOperator",
           "aslinearoperator"]
