"""``legate.sparse``: a drop-in for ``scipy.sparse`` whose matrices are stores shared
with ``legate.dense`` without shuffles: ``A @ x`` takes a ``legate.dense`` vector and
returns one, each piece reading only the part of ``x`` its column indices name.

Matrices are held in CSR form (``csr_array``); the other formats' constructors and
``tocsc``/``tocoo`` give CSR-backed arrays until their own classes are bound.
"""

import operator

import numpy as _np

from .. import _legate
from .. import dense as _dense

__all__ = [
    "csr_array", "csr_matrix", "eye", "identity", "diags", "spdiags", "random", "rand",
    "kron", "issparse", "isspmatrix", "linalg",
]

_SCALARS = (bool, int, float, complex, _np.number)


def _is_scipy_sparse(x):
    mod = type(x).__module__
    return mod.startswith("scipy.sparse") and hasattr(x, "tocsr")


class csr_array:
    """A compressed sparse row array (SciPy's ``csr_array``), distributed by rows."""

    format = "csr"
    ndim = 2
    __array_priority__ = 101.0

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        if isinstance(arg1, _legate.Csr):
            self._m = arg1
        elif isinstance(arg1, csr_array):
            self._m = arg1._m.copy() if copy else arg1._m
        elif _is_scipy_sparse(arg1):
            m = arg1.tocsr()
            m.sum_duplicates()
            self._m = _from_parts(m.shape, m.indptr, m.indices, m.data)
        elif isinstance(arg1, tuple) and len(arg1) == 2 and isinstance(arg1[1], tuple):
            import scipy.sparse as _sp

            m = _sp.coo_array(arg1, shape=shape).tocsr()
            m.sum_duplicates()
            self._m = _from_parts(m.shape, m.indptr, m.indices, m.data)
        elif isinstance(arg1, tuple) and len(arg1) == 3:
            data, indices, indptr = (_np.asarray(v) for v in arg1)
            if shape is None:
                shape = (len(indptr) - 1, int(indices.max()) + 1 if len(indices) else 0)
            self._m = _from_parts(shape, indptr, indices, data)
        else:
            a = _dense.asarray(arg1)
            if a.ndim != 2:
                raise ValueError("a sparse array needs a 2-D input")
            self._m = _legate.csr_from_dense(a._h)
        if dtype is not None and _np.dtype(dtype).name != self._m.dtype:
            self._m = self._m.astype(_np.dtype(dtype).name)

    @classmethod
    def _wrap(cls, m):
        out = cls.__new__(cls)
        out._m = m
        return out

    # ---------------------------------------------------------------- attributes
    @property
    def shape(self):
        return self._m.shape

    @property
    def nnz(self):
        return self._m.nnz

    @property
    def dtype(self):
        return _np.dtype(self._m.dtype)

    @property
    def size(self):
        return self._m.nnz

    @property
    def T(self):
        return self.transpose()

    @property
    def data(self):
        return _dense._wrap(self._m.parts()[2])

    @property
    def indices(self):
        return _dense._wrap(self._m.parts()[1])

    @property
    def indptr(self):
        return _dense._wrap(self._m.parts()[0])

    def __repr__(self):
        kind = "sparse matrix" if isinstance(self, csr_matrix) else "sparse array"
        return (f"<Compressed Sparse Row {kind} of dtype '{self.dtype}'\n"
                f"\twith {self.nnz} stored elements and shape {self.shape}>")

    def __len__(self):
        raise TypeError("sparse array length is ambiguous; use getnnz() or shape[0]")

    def getnnz(self):
        return self.nnz

    # ---------------------------------------------------------------- conversions
    def toarray(self):
        return _dense._wrap(self._m.toarray())

    def todense(self):
        return self.toarray()

    def tocsr(self, copy=False):
        return self.copy() if copy else self

    def asformat(self, format, copy=False):  # noqa: A002
        return self.tocsr(copy)

    tocsc = tocoo = todia = tocsr

    def to_scipy(self):
        """The same matrix as a ``scipy.sparse.csr_array``."""
        import scipy.sparse as _sp

        indptr, indices, data = (h.to_numpy() for h in self._m.parts())
        return _sp.csr_array((data, indices, indptr), shape=self.shape)

    def astype(self, dtype, copy=True):
        return type(self)._wrap(self._m.astype(_np.dtype(dtype).name))

    def copy(self):
        return type(self)._wrap(self._m.copy())

    # ---------------------------------------------------------------- arithmetic
    def _same(self, m):
        return type(self)._wrap(m)

    def dot(self, other):
        return self @ other

    def __matmul__(self, other):
        if isinstance(other, csr_array):
            return self._same(self._m.matmul(other._m))
        if _is_scipy_sparse(other):
            return self._same(self._m.matmul(csr_array(other)._m))
        if isinstance(other, _SCALARS):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        return _dense._wrap(self._m.dot(_dense.asarray(other)._h))

    def __rmatmul__(self, other):
        if isinstance(other, _SCALARS):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        x = _dense.asarray(other)
        return (self.T @ x.T).T if x.ndim == 2 else self.T @ x

    def _combine(self, op, other):
        if isinstance(other, csr_array):
            return self._same(self._m.combine(op, other._m))
        if _is_scipy_sparse(other):
            return self._same(self._m.combine(op, csr_array(other)._m))
        if isinstance(other, _SCALARS):
            if other == 0:
                return self.copy()
            raise NotImplementedError(
                "adding a nonzero scalar to a sparse array is not supported"
            )
        # A dense operand gives a dense result, as in SciPy.
        return _dense._binary("add" if op == "add" else "subtract", self.toarray(), other)

    def __add__(self, other):
        return self._combine("add", other)

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine("sub", other)

    def __rsub__(self, other):
        return (-self)._combine("add", other)

    def multiply(self, other):
        if isinstance(other, csr_array):
            return self._same(self._m.combine("multiply", other._m))
        if isinstance(other, _SCALARS):
            return self * other
        return csr_array(_dense.multiply(self.toarray(), other))

    def __mul__(self, other):
        if isinstance(other, _SCALARS):
            return self._same(self._m.scale("mul", _py_scalar(other)))
        return self.multiply(other)

    def __rmul__(self, other):
        if isinstance(other, _SCALARS):
            return self * other
        return NotImplemented

    def __truediv__(self, other):
        if isinstance(other, _SCALARS):
            return self._same(self._m.scale("div", _py_scalar(other)))
        # By a dense operand: a dense result, as in SciPy.
        return _dense.divide(self.toarray(), other)

    def __neg__(self):
        return self._same(self._m.neg())

    def __abs__(self):
        return self._same(self._m.abs())

    def power(self, n, dtype=None):
        r = self._same(self._m.scale("power", _py_scalar(n)))
        return r if dtype is None else r.astype(dtype)

    def __pow__(self, n):
        return self.power(n)

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            raise ValueError("Sparse arrays do not support an 'axes' parameter")
        return self._same(self._m.transpose())

    def diagonal(self, k=0):
        return _dense._wrap(self._m.diagonal(operator.index(k)))

    def sum(self, axis=None, dtype=None, out=None):
        if isinstance(axis, tuple):
            axis = None if len(axis) == 2 else axis[0]
        r = _dense._wrap(self._m.sum(None if axis is None else operator.index(axis)))
        if dtype is not None:
            r = r.astype(dtype)
        if axis is not None and isinstance(self, csr_matrix):
            r = r.reshape((1, -1) if axis in (0, -2) else (-1, 1))
        return r

    def mean(self, axis=None, dtype=None):
        n = self.shape[0] * self.shape[1] if axis is None else self.shape[operator.index(axis)]
        return self.sum(axis) / n


class csr_matrix(csr_array):
    """SciPy's ``csr_matrix``: as ``csr_array``, but ``*`` is the matrix product."""

    def __mul__(self, other):
        if isinstance(other, _SCALARS):
            return csr_array.__mul__(self, other)
        return self @ other


def _py_scalar(x):
    return x.item() if isinstance(x, _np.generic) else x


def _from_parts(shape, indptr, indices, data):
    data = _np.ascontiguousarray(data)
    if data.dtype.kind == "b" or data.dtype.name not in (
        "int32", "int64", "float32", "float64", "complex64", "complex128"
    ):
        data = data.astype(_np.float64 if data.dtype.kind in "bfu" else data.dtype)
    try:
        return _legate.csr_from_parts(
            (int(shape[0]), int(shape[1])),
            _np.ascontiguousarray(indptr, dtype=_np.int64),
            _np.ascontiguousarray(indices, dtype=_np.int64),
            data,
        )
    except IndexError as e:  # SciPy's word for an index outside the shape
        raise ValueError(f"index exceeds matrix dimensions: {e}") from None


def issparse(x):
    """Whether ``x`` is a sparse array or matrix (ours or SciPy's)."""
    return isinstance(x, csr_array) or _is_scipy_sparse(x)


isspmatrix = issparse


def _fmt(m, format):  # noqa: A002
    return m


def eye(m, n=None, k=0, dtype=float, format=None):  # noqa: A002
    """``scipy.sparse.eye``."""
    n = m if n is None else n
    return csr_array._wrap(_legate.csr_eye(m, n, k, _np.dtype(dtype).name))


def identity(n, dtype="d", format=None):  # noqa: A002
    """``scipy.sparse.identity``."""
    return eye(n, dtype=dtype)


def diags(diagonals, offsets=0, shape=None, format=None, dtype=None):  # noqa: A002
    """``scipy.sparse.diags``: each diagonal a sequence (or a scalar, repeated)."""
    if _np.isscalar(offsets):
        offsets = [offsets]
        if _np.ndim(diagonals) <= 1:
            diagonals = [diagonals]
    offsets = [int(o) for o in offsets]
    diagonals = [_np.atleast_1d(_np.asarray(_dense._to_numpy(d), dtype=float)).tolist()
                 for d in diagonals]
    if shape is None:
        m = len(diagonals[0]) + abs(offsets[0])
        shape = (m, m)
    r = csr_array._wrap(_legate.csr_diags(diagonals, offsets, (int(shape[0]), int(shape[1]))))
    return r if dtype is None else r.astype(dtype)


def spdiags(data, diags_, m=None, n=None, format=None):  # noqa: A002
    """``scipy.sparse.spdiags``: row ``i`` of ``data`` on diagonal ``diags[i]``, with
    ``data[i, j]`` at column ``j``."""
    if n is None and isinstance(m, tuple):
        m, n = m
    data = _np.atleast_2d(_np.asarray(_dense._to_numpy(data), dtype=float))
    offsets = [int(d) for d in _np.atleast_1d(diags_)]
    diagonals = []
    for row, k in zip(data, offsets):
        lo, hi = max(k, 0), min(m + k, n)
        diagonals.append(list(row[lo:hi]) if hi > lo else [0.0])
    return csr_array._wrap(_legate.csr_diags(diagonals, offsets, (int(m), int(n))))


_seed_counter = [0]


def random(m, n, density=0.01, format="coo", dtype=None, random_state=None, rng=None,
           data_rvs=None):  # noqa: A002
    """``scipy.sparse.random``: ``round(density * m * n)`` entries at distinct positions,
    uniform in ``[0, 1)`` (a Philox stream: the same matrix for a seed on any machine)."""
    seed = random_state if random_state is not None else rng
    if isinstance(seed, _np.random.Generator):
        seed = int(seed.integers(0, 2**63))
    elif isinstance(seed, _np.random.RandomState):
        seed = int(seed.randint(0, 2**31))
    if seed is None or not isinstance(seed, (int, _np.integer)):
        _seed_counter[0] += 1
        seed = 0x5EED + _seed_counter[0]
    dt = _np.dtype(float if dtype is None else dtype).name
    r = csr_array._wrap(_legate.csr_random(int(m), int(n), float(density), int(seed), dt))
    if data_rvs is None:
        return r
    # The positions as drawn, the values from the caller's generator (SciPy's data_rvs).
    indptr, indices, _ = (h.to_numpy() for h in r._m.parts())
    data = _np.asarray(data_rvs(r.nnz), dtype=None if dtype is None else dtype)
    return csr_array._wrap(_from_parts(r.shape, indptr, indices, data))


rand = random


def kron(A, B, format=None):  # noqa: A002
    """``scipy.sparse.kron``."""
    return csr_array._wrap(_legate.csr_kron(csr_array(A)._m, csr_array(B)._m))


from . import linalg  # noqa: E402,F401
