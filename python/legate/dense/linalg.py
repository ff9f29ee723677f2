"""``legate.dense.linalg`` (NumPy's ``numpy.linalg``). ``norm`` runs as fused tasks over
the pieces; the factorizations and solvers (``solve``, ``inv``, ``cholesky``, ``qr``,
``svd``, ``eig``, ``eigvals``, ``eigh``, ``eigvalsh``, ``det``, ``slogdet``, ``lstsq``, ``pinv``,
``matrix_rank``) run as single-piece tasks of legate-dense (see its docs); the products
(``matmul``, ``multi_dot``, ``tensordot``, ``outer``, ``trace``, ``matrix_power``) are
distributed. The rest falls back to NumPy (one warning each)."""

from collections import namedtuple

import numpy as _np

from .. import _legate
from . import _a, _module_fallback, _wrap
from . import matmul, outer, tensordot  # noqa: F401  (numpy.linalg has them too)

LinAlgError = _np.linalg.LinAlgError

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """``numpy.linalg.norm``: vector and matrix norms (``ord`` a number, ``'fro'`` or
    ``'nuc'``), over all axes, one or two."""
    if isinstance(axis, int):
        axis = [axis]
    elif axis is not None:
        axis = list(axis)
    return _wrap(_legate.norm(_a(x)._h, ord, axis, bool(keepdims)))


def solve(a, b):
    """``numpy.linalg.solve``: ``x`` with ``a @ x = b`` (LU with partial pivoting)."""
    return _wrap(_legate.linalg_solve(_a(a)._h, _a(b)._h))


def inv(a):
    return _wrap(_legate.linalg1("inv", _a(a)._h))


def cholesky(a, /, *, upper=False):
    """``numpy.linalg.cholesky``: ``L`` with ``a = L L^H`` (``U`` with ``upper=True``)."""
    return _wrap(_legate.linalg1("cholesky_upper" if upper else "cholesky", _a(a)._h))


def qr(a, mode="reduced"):
    q, r = _legate.qr(_a(a)._h, mode)
    return _wrap(r) if q is None else QRResult(_wrap(q), _wrap(r))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``numpy.linalg.svd``; with ``hermitian=True`` through the eigendecomposition of
    the lower triangle, as NumPy does (``u`` and ``vh`` then square)."""
    u, s, vh = _legate.svd(_a(a)._h, bool(full_matrices), bool(compute_uv), bool(hermitian))
    if not compute_uv:
        return _wrap(s)
    return SVDResult(_wrap(u), _wrap(s), _wrap(vh))


def svdvals(x, /):
    return svd(x, compute_uv=False)


def eig(a):
    """``numpy.linalg.eig``: eigenvalues and right eigenvectors (columns of unit norm) of
    a general square matrix; real when the matrix and all its eigenvalues are."""
    w, v = _legate.eig(_a(a)._h)
    return EigResult(_wrap(w), _wrap(v))


def eigvals(a):
    return _wrap(_legate.linalg1("eigvals", _a(a)._h))


def eigh(a, UPLO="L"):  # noqa: N803
    w, v = _legate.eigh(_a(a)._h, UPLO)
    return EighResult(_wrap(w), _wrap(v))


def eigvalsh(a, UPLO="L"):  # noqa: N803
    return _wrap(_legate.linalg1("eigvalsh", _a(a)._h, UPLO))


def det(a):
    return _wrap(_legate.linalg1("det", _a(a)._h))


def slogdet(a):
    s, logdet = _legate.slogdet(_a(a)._h)
    return SlogdetResult(_wrap(s), _wrap(logdet))


def lstsq(a, b, rcond=None):
    x, residuals, rank, s = _legate.lstsq(_a(a)._h, _a(b)._h, None if rcond is None else float(rcond))
    return _wrap(x), _wrap(residuals), rank, _wrap(s)


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    tol = rtol if rcond is None else rcond
    name = "pinv_hermitian" if hermitian else "pinv"
    return _wrap(_legate.linalg1(name, _a(a)._h, "L", None if tol is None else float(tol)))


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):  # noqa: N803
    if rtol is not None:
        return _fallback("matrix_rank", A, tol=tol, hermitian=hermitian, rtol=rtol)
    name = "matrix_rank_hermitian" if hermitian else "matrix_rank"
    return _wrap(_legate.linalg1(name, _a(A)._h, "L", None if tol is None else float(tol)))


def matrix_power(a, n):
    import operator

    return _wrap(_legate.matrix_power(_a(a)._h, operator.index(n)))


def multi_dot(arrays, *, out=None):
    """``numpy.linalg.multi_dot``: the products from the left (each one distributed)."""
    arrays = [_a(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    first, last = arrays[0], arrays[-1]
    if first.ndim == 1:
        arrays[0] = first.reshape(1, -1)
    if last.ndim == 1:
        arrays[-1] = last.reshape(-1, 1)
    r = arrays[0]
    for x in arrays[1:]:
        r = matmul(r, x)
    if first.ndim == 1 and last.ndim == 1:
        r = r.reshape(())
    elif first.ndim == 1:
        r = r.reshape(-1)
    elif last.ndim == 1:
        r = r.reshape(-1)
    if out is not None:
        out[...] = r
        return out
    return r


def trace(x, /, *, offset=0, dtype=None):
    from . import trace as _trace

    return _trace(x, offset, -2, -1, dtype)


def matrix_transpose(x, /):
    from . import matrix_transpose as _mt

    return _mt(x)


def vecdot(x1, x2, /, *, axis=-1):
    from . import vecdot as _vecdot

    return _vecdot(x1, x2, axis=axis)


def cross(x1, x2, /, *, axis=-1):
    from . import cross as _cross

    if _a(x1).shape[axis] != 3 or _a(x2).shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors")
    return _cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset=0):
    x = _a(x)
    if x.ndim == 2:
        from . import diag

        return diag(x, offset)
    return _fallback("diagonal", x, offset=offset)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    x = _a(x)
    if axis is None:
        x, axis = x.ravel(), 0
    if isinstance(axis, tuple) and len(axis) > 1:
        rest = [i for i in range(x.ndim) if i not in {a % x.ndim for a in axis}]
        flat = x.transpose(rest + [a % x.ndim for a in axis]).reshape(
            tuple(x.shape[i] for i in rest) + (-1,))
        r = norm(flat, ord, -1)
        if keepdims:
            shape = list(x.shape)
            for a in axis:
                shape[a % x.ndim] = 1
            r = r.reshape(shape)
        return r
    return norm(x, ord, axis, keepdims)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    return norm(x, ord, (-2, -1), keepdims)


def cond(x, p=None):
    """``numpy.linalg.cond``: the ratio of the extreme singular values (``p`` None, 2,
    -2), else ``norm(x, p) * norm(inv(x), p)``."""
    x = _a(x)
    if p in (None, 2, -2):
        s = svd(x, compute_uv=False)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return norm(x, p, (-2, -1)) * norm(inv(x), p, (-2, -1))


def tensorsolve(a, b, axes=None):
    """``numpy.linalg.tensorsolve``: ``solve`` of ``a`` reshaped to a square matrix."""
    a, b = _a(a), _a(b)
    an = a.ndim
    if axes is not None:
        order = list(range(an))
        for k in axes:
            order.remove(k)
            order.insert(an, k)
        a = a.transpose(order)
    shape = a.shape[-(an - b.ndim):]
    n = 1
    for k in shape:
        n *= k
    if a.size != n * n:
        raise LinAlgError("Input arrays must satisfy the requirement "
                          "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    return solve(a.reshape(n, n), b.ravel()).reshape(shape)


def tensorinv(a, ind=2):
    """``numpy.linalg.tensorinv``: ``inv`` of ``a`` reshaped to a square matrix."""
    a = _a(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = a.shape
    n = 1
    for k in shape[ind:]:
        n *= k
    return inv(a.reshape(n, -1)).reshape(*(shape[ind:] + shape[:ind]))


def _fallback(name, *args, **kwargs):
    from . import _fallback_call

    return _fallback_call("linalg." + name, getattr(_np.linalg, name), args, kwargs)


__getattr__ = _module_fallback("legate.dense.linalg", "linalg.", _np.linalg)
