"""``legate.sparse``: a drop-in for ``scipy.sparse`` whose matrices are stores shared
with ``legate.dense`` without shuffles: ``A @ x`` takes a ``legate.dense`` vector and
returns one, each piece reading only the part of ``x`` its column indices name.

The four formats of SciPy's that legate-sparse implements, each as an array and a matrix
class (``csr_array``/``csr_matrix``, ``csc_*``, ``coo_*``, ``dia_*``):

- CSR is three stores (``indptr``, ``indices``, ``data``), distributed by rows;
- CSC is the CSR form of the transpose (so ``A.T`` of either is free);
- COO keeps its ``row``, ``col`` and ``data`` arrays as given (duplicates allowed);
- DIA keeps SciPy's ``(data, offsets)``.

Every product, sum and solve runs on the CSR form, which a CSC, COO or DIA matrix builds
once and keeps. Results take the format SciPy gives them (``coo + coo`` is CSR, ``csc @
csc`` is CSC, ``dia * 2`` is DIA). ``kron`` gives CSR where SciPy gives BSR (which
legate-sparse does not have).
"""

import operator

import numpy as _np

from .. import _legate
from .. import dense as _dense

__all__ = [
    "csr_array", "csr_matrix", "csc_array", "csc_matrix", "coo_array", "coo_matrix",
    "dia_array", "dia_matrix", "eye", "eye_array", "identity", "diags", "diags_array",
    "spdiags", "random", "random_array", "rand", "kron", "issparse", "isspmatrix",
    "isspmatrix_csr", "isspmatrix_csc", "isspmatrix_coo", "isspmatrix_dia", "linalg", "io",
]

_SCALARS = (bool, int, float, complex, _np.number)
_VALUE_TYPES = ("int32", "int64", "float32", "float64", "complex64", "complex128")


def _is_scipy_sparse(x):
    mod = type(x).__module__
    return mod.startswith("scipy.sparse") and hasattr(x, "tocsr")


def _value_dtype(dt):
    """The value type legate-sparse stores for NumPy's ``dt`` (SciPy's upcast)."""
    dt = _np.dtype(dt)
    if dt.name in _VALUE_TYPES:
        return dt
    if dt.kind == "c":
        return _np.dtype(_np.complex128)
    if dt.kind in "iu" and dt.itemsize < 4:
        return _np.dtype(_np.int32)
    return _np.dtype(_np.float64) if dt.kind in "bfu" else _np.dtype(_np.int64)


def _from_parts(shape, indptr, indices, data):
    data = _np.ascontiguousarray(data)
    data = data.astype(_value_dtype(data.dtype), copy=False)
    try:
        return _legate.csr_from_parts(
            (int(shape[0]), int(shape[1])),
            _np.ascontiguousarray(indptr, dtype=_np.int64),
            _np.ascontiguousarray(indices, dtype=_np.int64),
            data,
        )
    except IndexError as e:  # SciPy's word for an index outside the shape
        raise ValueError(f"index exceeds matrix dimensions: {e}") from None


def _values(data):
    """A legate array of ``data`` in a type legate-sparse stores."""
    d = _dense.asarray(data)
    want = _value_dtype(d.dtype)
    return d if d.dtype == want else d.astype(want)


def _indices(idx):
    i = _dense.asarray(idx)
    if i.dtype.kind not in "iu":
        raise TypeError(f"sparse indices must be integers, not {i.dtype}")
    return i if i.dtype in (_np.int32, _np.int64) else i.astype(_np.int64)


def _coo_csr(shape, row, col, data):
    try:
        return _legate.csr_from_coo((int(shape[0]), int(shape[1])), row._h, col._h, data._h)
    except IndexError as e:
        raise ValueError(f"index exceeds matrix dimensions: {e}") from None


def _empty_csr(shape, dtype):
    m, n = (operator.index(s) for s in shape)
    if m < 0 or n < 0:
        raise ValueError(f"invalid shape {shape}")
    return _from_parts((m, n), _np.zeros(m + 1, _np.int64), _np.zeros(0, _np.int64),
                       _np.zeros(0, _value_dtype(float if dtype is None else dtype)))


def _is_shape(arg1):
    return (isinstance(arg1, tuple) and len(arg1) == 2
            and all(isinstance(s, (int, _np.integer)) for s in arg1))


def _csr_of(x):
    """The CSR handle of any sparse matrix, ours or SciPy's, or of a dense 2-D array."""
    if isinstance(x, _spbase):
        return x._csr()
    if _is_scipy_sparse(x):
        m = x.tocsr()
        m.sum_duplicates()
        return _from_parts(m.shape, m.indptr, m.indices, m.data)
    a = _dense.asarray(x)
    if a.ndim != 2:
        raise ValueError("a sparse array needs a 2-D input")
    return _legate.csr_from_dense(a._h)


def _checked(m, shape, dtype):
    """The CSR handle ``m``, checked against the ``shape`` given and cast to ``dtype``."""
    if shape is not None and tuple(shape) != m.shape:
        raise ValueError(f"shape {tuple(shape)} does not match the data's {m.shape}")
    if dtype is not None and _np.dtype(dtype).name != m.dtype:
        return m.astype(_np.dtype(dtype).name)
    return m


def _py_scalar(x):
    return x.item() if isinstance(x, _np.generic) else x


_CLASSES = {}


def _cls(fmt, matrix):
    return _CLASSES[(fmt, matrix)]


class _spbase:
    """What every format shares. A subclass says how it holds the matrix and how it makes
    itself from a CSR handle (``_from_csr``); everything else runs on its CSR form."""

    ndim = 2
    format = None
    _matrix = False
    # The operations whose result keeps this format (SciPy's choice); others give CSR.
    _keeps = frozenset()
    __array_priority__ = 101.0

    # ------------------------------------------------------------- what formats give
    def _csr(self):  # pragma: no cover - every format overrides it
        raise NotImplementedError

    @classmethod
    def _from_csr(cls, m):  # pragma: no cover
        raise NotImplementedError

    def _result(self, m, op, other=None):
        fmt = self.format if op in self._keeps else "csr"
        return _cls(fmt, self._matrix)._from_csr(m)

    # ---------------------------------------------------------------- attributes
    @property
    def shape(self):
        return self._csr().shape

    @property
    def nnz(self):
        return self._csr().nnz

    @property
    def dtype(self):
        return _np.dtype(self._csr().dtype)

    @property
    def size(self):
        return self.nnz

    @property
    def T(self):
        return self.transpose()

    def getnnz(self, axis=None):
        """The number of stored entries (explicit zeros included), in all or per row
        (``axis=1``) or column (``axis=0``)."""
        if axis is None:
            return self.nnz
        ones = self._csr().scale("power", 0)  # 1 at every stored entry
        return _dense._wrap(ones.sum(operator.index(axis))).astype(_np.int64)

    def count_nonzero(self, axis=None):
        """The number of stored entries that are not zero, in all or along ``axis``."""
        m = self._csr()
        indptr, indices, data = m.parts()
        nonzero = _dense._wrap(data) != 0
        if axis is None:
            return int(nonzero.sum())
        rows = _dense._wrap(m.coo_rows())
        flags = _coo_csr(m.shape, rows, _dense._wrap(indices), nonzero.astype(_np.int64))
        return _dense._wrap(flags.sum(operator.index(axis)))

    def __repr__(self):
        kind = "sparse matrix" if self._matrix else "sparse array"
        return (f"<{self._long_name} {kind} of dtype '{self.dtype}'\n"
                f"\twith {self.nnz} stored elements and shape {self.shape}>")

    def __len__(self):
        raise TypeError("sparse array length is ambiguous; use getnnz() or shape[0]")

    def __bool__(self):
        if self.shape == (1, 1):
            return self.nnz != 0
        raise ValueError("The truth value of an array with more than one element is "
                         "ambiguous. Use a.any() or a.all().")

    # ---------------------------------------------------------------- conversions
    def toarray(self, order=None, out=None):
        return _dense._wrap(self._csr().toarray())

    def todense(self, order=None, out=None):
        return self.toarray()

    def asformat(self, format, copy=False):  # noqa: A002
        if format is None or format == self.format:
            return self.copy() if copy else self
        try:
            return getattr(self, "to" + format)(copy=copy)
        except AttributeError:
            raise ValueError(f"Format {format} is unknown.") from None

    def tocsr(self, copy=False):
        return _cls("csr", self._matrix)._wrap(self._csr())

    def tocsc(self, copy=False):
        return _cls("csc", self._matrix)._from_csr(self._csr())

    def tocoo(self, copy=False):
        return _cls("coo", self._matrix)._from_csr(self._csr())

    def todia(self, copy=False):
        return _cls("dia", self._matrix)._from_csr(self._csr())

    def to_scipy(self):
        """The same matrix as SciPy's class of the same format and kind."""
        import scipy.sparse as _sp

        indptr, indices, data = (h.to_numpy() for h in self._csr().parts())
        m = (_sp.csr_matrix if self._matrix else _sp.csr_array)(
            (data, indices, indptr), shape=self.shape)
        return m.asformat(self.format)

    def astype(self, dtype, casting="unsafe", copy=True):
        return self._result(self._csr().astype(_np.dtype(dtype).name), "astype")

    def copy(self):
        return self._result(self._csr().copy(), "copy")

    # ---------------------------------------------------------------- arithmetic
    def dot(self, other):
        return self @ other

    def __matmul__(self, other):
        if isinstance(other, _SCALARS):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            return self._result(self._csr().matmul(_csr_of(other)), "matmul", other)
        return _dense._wrap(self._csr().dot(_dense.asarray(other)._h))

    def __rmatmul__(self, other):
        if isinstance(other, _SCALARS):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        x = _dense.asarray(other)
        return (self.T @ x.T).T if x.ndim == 2 else self.T @ x

    def _combine(self, op, other):
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            if tuple(other.shape) != self.shape:
                raise ValueError(f"inconsistent shapes {self.shape} and {tuple(other.shape)}")
            return self._result(self._csr().combine(op, _csr_of(other)), op, other)
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
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            return self._result(self._csr().combine("multiply", _csr_of(other)), "multiply",
                                other)
        if isinstance(other, _SCALARS):
            return self._scale("mul", other)
        return _cls("csr", self._matrix)(_dense.multiply(self.toarray(), other))

    def _scale(self, op, s):
        return self._result(self._csr().scale(op, _py_scalar(s)), "scale")

    def __mul__(self, other):
        if isinstance(other, _SCALARS):
            return self._scale("mul", other)
        if self._matrix:  # spmatrix: `*` is the matrix product
            return self @ other
        return self.multiply(other)

    def __rmul__(self, other):
        if isinstance(other, _SCALARS):
            return self * other
        if self._matrix:
            return self.__rmatmul__(other)
        return NotImplemented

    def __truediv__(self, other):
        if isinstance(other, _SCALARS):
            return self._scale("div", other)
        # By a dense operand: a dense result, as in SciPy.
        return _dense.divide(self.toarray(), other)

    def __neg__(self):
        return self._result(self._csr().neg(), "neg")

    def __abs__(self):
        return self._result(self._csr().abs(), "abs")

    def power(self, n, dtype=None):
        r = self._result(self._csr().scale("power", _py_scalar(n)), "power")
        return r if dtype is None else r.astype(dtype)

    def __pow__(self, n):
        if not self._matrix:
            return self.power(n)
        # spmatrix: the matrix power.
        n = operator.index(n)
        if self.shape[0] != self.shape[1]:
            raise TypeError("sparse matrix is not square")
        if n < 0:
            raise ValueError("exponent must be >= 0")
        if n == 0:
            return eye(self.shape[0], dtype=self.dtype, format=self.format)
        r, base = None, self
        while n:
            if n & 1:
                r = base if r is None else r @ base
            n >>= 1
            if n:
                base = base @ base
        return r

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            raise ValueError("Sparse arrays do not support an 'axes' parameter")
        return self._result(self._csr().transpose(), "T")

    def diagonal(self, k=0):
        return _dense._wrap(self._csr().diagonal(operator.index(k)))

    def trace(self, offset=0):
        return self.diagonal(offset).sum()

    def sum(self, axis=None, dtype=None, out=None):
        if isinstance(axis, tuple):
            axis = None if len(axis) == 2 else axis[0]
        r = _dense._wrap(self._csr().sum(None if axis is None else operator.index(axis)))
        if dtype is not None:
            r = r.astype(dtype)
        if axis is not None and self._matrix:
            r = r.reshape((1, -1) if axis in (0, -2) else (-1, 1))
        return r

    def mean(self, axis=None, dtype=None):
        n = self.shape[0] * self.shape[1] if axis is None else self.shape[operator.index(axis)]
        return self.sum(axis) / n


# ------------------------------------------------------------------------------- CSR


class _compressed(_spbase):
    """CSR and CSC: ``indptr``, ``indices`` and ``data`` of a stored CSR handle (the
    matrix's own for CSR, its transpose's for CSC)."""

    def _stored(self):  # pragma: no cover - both override it
        raise NotImplementedError

    @property
    def data(self):
        return _dense._wrap(self._stored().parts()[2])

    @property
    def indices(self):
        return _dense._wrap(self._stored().parts()[1])

    @property
    def indptr(self):
        return _dense._wrap(self._stored().parts()[0])

    @property
    def has_sorted_indices(self):
        return True


class csr_array(_compressed):
    """A compressed sparse row array (SciPy's ``csr_array``), distributed by rows."""

    format = "csr"
    _long_name = "Compressed Sparse Row"
    _keeps = frozenset({"add", "sub", "multiply", "matmul", "scale", "neg", "abs", "power",
                        "astype", "copy"})

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        if isinstance(arg1, _legate.Csr):
            self._m = arg1
        elif isinstance(arg1, csr_array):
            self._m = arg1._m.copy() if copy else arg1._m
        elif isinstance(arg1, _spbase) or _is_scipy_sparse(arg1):
            self._m = _csr_of(arg1)
        elif _is_shape(arg1):
            self._m = _empty_csr(arg1, dtype)
        elif isinstance(arg1, tuple) and len(arg1) == 2 and isinstance(arg1[1], tuple):
            self._m = coo_array(arg1, shape=shape)._csr()
        elif isinstance(arg1, tuple) and len(arg1) == 3:
            data, indices, indptr = (_np.asarray(_dense._to_numpy(v)) for v in arg1)
            if shape is None:
                shape = (len(indptr) - 1, int(indices.max()) + 1 if len(indices) else 0)
            self._m = _from_parts(shape, indptr, indices, data)
        else:
            self._m = _csr_of(arg1)
        self._m = _checked(self._m, shape, dtype)

    @classmethod
    def _wrap(cls, m):
        out = cls.__new__(cls)
        out._m = m
        return out

    _from_csr = _wrap

    def _csr(self):
        return self._m

    _stored = _csr

    def tocsr(self, copy=False):
        return self.copy() if copy else self

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            raise ValueError("Sparse arrays do not support an 'axes' parameter")
        # The CSC form of the transpose is this matrix's CSR form: nothing moves.
        return _cls("csc", self._matrix)._wrap_t(self._m)


class csr_matrix(csr_array):
    """SciPy's ``csr_matrix``: as ``csr_array``, but ``*`` is the matrix product."""

    _matrix = True


# ------------------------------------------------------------------------------- CSC


class csc_array(_compressed):
    """A compressed sparse column array (SciPy's ``csc_array``): the CSR form of its
    transpose, so its ``indptr``/``indices``/``data`` are SciPy's CSC ones."""

    format = "csc"
    _long_name = "Compressed Sparse Column"
    _keeps = csr_array._keeps

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        if isinstance(arg1, _legate.Csr):
            self._t = arg1
        elif isinstance(arg1, csc_array):
            self._t = arg1._t.copy() if copy else arg1._t
        elif _is_scipy_sparse(arg1):
            m = arg1.tocsc()
            m.sum_duplicates()
            self._t = _from_parts(m.shape[::-1], m.indptr, m.indices, m.data)
        elif isinstance(arg1, _spbase):
            self._t = arg1._csr().transpose()
        elif _is_shape(arg1):
            self._t = _empty_csr(arg1[::-1], dtype)
        elif isinstance(arg1, tuple) and len(arg1) == 2 and isinstance(arg1[1], tuple):
            data, (row, col) = arg1
            self._t = coo_array((data, (col, row)),
                                shape=None if shape is None else tuple(shape)[::-1])._csr()
        elif isinstance(arg1, tuple) and len(arg1) == 3:
            data, indices, indptr = (_np.asarray(_dense._to_numpy(v)) for v in arg1)
            if shape is None:
                shape = (int(indices.max()) + 1 if len(indices) else 0, len(indptr) - 1)
            self._t = _from_parts(tuple(shape)[::-1], indptr, indices, data)
        else:
            a = _dense.asarray(arg1)
            if a.ndim != 2:
                raise ValueError("a sparse array needs a 2-D input")
            self._t = _legate.csr_from_dense(a.T._h)
        self._m = None
        if shape is not None and tuple(shape) != self.shape:
            raise ValueError(f"shape {tuple(shape)} does not match the data's {self.shape}")
        if dtype is not None and _np.dtype(dtype).name != self._t.dtype:
            self._t = self._t.astype(_np.dtype(dtype).name)

    @classmethod
    def _wrap_t(cls, t, m=None):
        out = cls.__new__(cls)
        out._t, out._m = t, m
        return out

    @classmethod
    def _from_csr(cls, m):
        return cls._wrap_t(m.transpose(), m)

    def _csr(self):
        if self._m is None:
            self._m = self._t.transpose()
        return self._m

    def _stored(self):
        return self._t

    @property
    def shape(self):
        n, m = self._t.shape
        return (m, n)

    @property
    def nnz(self):
        return self._t.nnz

    @property
    def dtype(self):
        return _np.dtype(self._t.dtype)

    def toarray(self, order=None, out=None):
        return _dense._wrap(self._t.toarray()).T

    def tocsc(self, copy=False):
        return self.copy() if copy else self

    def to_scipy(self):
        import scipy.sparse as _sp

        indptr, indices, data = (h.to_numpy() for h in self._t.parts())
        return (_sp.csc_matrix if self._matrix else _sp.csc_array)(
            (data, indices, indptr), shape=self.shape)

    # What is element-wise, or a transpose, runs on the stored transpose directly.
    def _on_t(self, t):
        return type(self)._wrap_t(t)

    def _t_of(self, other):
        if isinstance(other, csc_array):
            return other._t
        return _csr_of(other).transpose()

    def _combine(self, op, other):
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            if tuple(other.shape) != self.shape:
                raise ValueError(f"inconsistent shapes {self.shape} and {tuple(other.shape)}")
            return self._on_t(self._t.combine(op, self._t_of(other)))
        return _spbase._combine(self, op, other)

    def multiply(self, other):
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            return self._on_t(self._t.combine("multiply", self._t_of(other)))
        return _spbase.multiply(self, other)

    def __matmul__(self, other):
        if isinstance(other, _spbase) or _is_scipy_sparse(other):
            # (A B)^T = B^T A^T: the product of the stored transposes.
            return self._on_t(self._t_of(other).matmul(self._t))
        return _spbase.__matmul__(self, other)

    def _scale(self, op, s):
        return self._on_t(self._t.scale(op, _py_scalar(s)))

    def __neg__(self):
        return self._on_t(self._t.neg())

    def __abs__(self):
        return self._on_t(self._t.abs())

    def power(self, n, dtype=None):
        r = self._on_t(self._t.scale("power", _py_scalar(n)))
        return r if dtype is None else r.astype(dtype)

    def astype(self, dtype, casting="unsafe", copy=True):
        return self._on_t(self._t.astype(_np.dtype(dtype).name))

    def copy(self):
        return self._on_t(self._t.copy())

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            raise ValueError("Sparse arrays do not support an 'axes' parameter")
        return _cls("csr", self._matrix)._wrap(self._t)

    def diagonal(self, k=0):
        return _dense._wrap(self._t.diagonal(-operator.index(k)))

    def sum(self, axis=None, dtype=None, out=None):
        if isinstance(axis, tuple):
            axis = None if len(axis) == 2 else axis[0]
        if axis is not None:
            axis = 1 - (operator.index(axis) % 2)  # the stored transpose's axis
        r = _dense._wrap(self._t.sum(axis))
        if dtype is not None:
            r = r.astype(dtype)
        if axis is not None and self._matrix:
            r = r.reshape((-1, 1) if axis == 0 else (1, -1))
        return r


class csc_matrix(csc_array):
    """SciPy's ``csc_matrix``."""

    _matrix = True


# ------------------------------------------------------------------------------- COO


class coo_array(_spbase):
    """A sparse array of ``(row, col, data)`` triplets (SciPy's ``coo_array``), kept as
    given (duplicates allowed, summed by ``tocsr`` and by every product)."""

    format = "coo"
    _long_name = "COOrdinate"
    _keeps = frozenset({"scale", "neg", "abs", "power", "astype", "copy", "T"})

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        self._m = None
        self._coo = None
        if isinstance(arg1, coo_array):
            self._shape, self._m, self._coo = arg1.shape, arg1._m, arg1._coo
            if copy:
                self._m = None if self._m is None else self._m.copy()
                self._coo = None if self._coo is None else tuple(a.copy() for a in self._coo)
        elif _is_scipy_sparse(arg1):
            c = arg1.tocoo()
            self._shape = tuple(c.shape)
            self._coo = (_indices(c.row), _indices(c.col), _values(c.data))
        elif isinstance(arg1, _spbase):
            self._shape, self._m = arg1.shape, arg1._csr()
        elif _is_shape(arg1):
            self._shape = tuple(int(s) for s in arg1)
            self._m = _empty_csr(arg1, dtype)
        elif isinstance(arg1, tuple) and len(arg1) == 2 and isinstance(arg1[1], tuple):
            data, ij = arg1
            if len(ij) != 2:
                raise TypeError("coo_array needs (data, (row, col))")
            row, col, data = _indices(ij[0]), _indices(ij[1]), _values(data)
            if row.ndim != 1 or row.shape != col.shape or row.shape != data.shape:
                raise ValueError("row, column, and data arrays must be 1-D and of one length")
            if shape is None:
                if row.size == 0:
                    raise ValueError("cannot infer dimensions from zero sized index arrays")
                shape = (int(row.max()) + 1, int(col.max()) + 1)
            self._shape = (operator.index(shape[0]), operator.index(shape[1]))
            if row.size and (int(row.min()) < 0 or int(col.min()) < 0):
                raise ValueError("negative index found")
            if row.size and (int(row.max()) >= self._shape[0] or int(col.max()) >= self._shape[1]):
                raise ValueError("index exceeds matrix dimensions")
            self._coo = (row, col, data)
        else:
            self._m = _csr_of(arg1)
            self._shape = self._m.shape
        if shape is not None and tuple(shape) != self._shape:
            raise ValueError(f"shape {tuple(shape)} does not match the data's {self._shape}")
        if dtype is not None and _np.dtype(dtype) != self.dtype:
            d = _np.dtype(dtype)
            if self._coo is not None:
                r, c, v = self._coo
                self._coo, self._m = (r, c, v.astype(d)), None
            else:
                self._m = self._m.astype(d.name)

    @classmethod
    def _from_csr(cls, m):
        out = cls.__new__(cls)
        out._shape, out._m, out._coo = m.shape, m, None
        return out

    @classmethod
    def _from_coo(cls, shape, coo):
        out = cls.__new__(cls)
        out._shape, out._m, out._coo = shape, None, coo
        return out

    def _csr(self):
        if self._m is None:
            self._m = _coo_csr(self._shape, *self._coo)
        return self._m

    def _triplets(self):
        if self._coo is None:
            indptr, indices, data = self._m.parts()
            self._coo = (_dense._wrap(self._m.coo_rows()), _dense._wrap(indices),
                         _dense._wrap(data))
        return self._coo

    @property
    def shape(self):
        return self._shape

    @property
    def nnz(self):
        return self._m.nnz if self._coo is None else self._coo[2].size

    @property
    def dtype(self):
        return self._coo[2].dtype if self._coo is not None else _np.dtype(self._m.dtype)

    @property
    def row(self):
        return self._triplets()[0]

    @property
    def col(self):
        return self._triplets()[1]

    @property
    def data(self):
        return self._triplets()[2]

    @property
    def coords(self):
        return self._triplets()[:2]

    @property
    def has_canonical_format(self):
        return self._coo is None

    def sum_duplicates(self):
        """Sums duplicate entries in place (and sorts them by row, then column)."""
        self._csr()
        self._coo = None

    def tocoo(self, copy=False):
        return self.copy() if copy else self

    def to_scipy(self):
        import scipy.sparse as _sp

        if self._coo is None:
            return _spbase.to_scipy(self)
        r, c, v = (a.__array__() for a in self._coo)
        return (_sp.coo_matrix if self._matrix else _sp.coo_array)((v, (r, c)), shape=self.shape)

    # What acts on each stored value runs on the triplets as given.
    def _on_data(self, f, on_csr):
        """``f`` of the stored values as given, or ``on_csr`` when only the CSR form is
        held."""
        if self._coo is None:
            return on_csr()
        r, c, v = self._coo
        return type(self)._from_coo(self._shape, (r, c, f(v)))

    def _scale(self, op, s):
        f = {"mul": lambda v: v * s, "div": lambda v: v / s, "power": lambda v: v ** s}[op]
        return self._on_data(f, lambda: _spbase._scale(self, op, s))

    def __neg__(self):
        return self._on_data(lambda v: -v, lambda: _spbase.__neg__(self))

    def __abs__(self):
        return self._on_data(abs, lambda: _spbase.__abs__(self))

    def power(self, n, dtype=None):
        r = self._scale("power", _py_scalar(n))
        return r if dtype is None else r.astype(dtype)

    def astype(self, dtype, casting="unsafe", copy=True):
        d = _np.dtype(dtype)
        return self._on_data(lambda v: v.astype(d), lambda: _spbase.astype(self, dtype))

    def copy(self):
        return self._on_data(lambda v: v.copy(), lambda: _spbase.copy(self))

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            raise ValueError("Sparse arrays do not support an 'axes' parameter")
        if self._coo is None:
            return _spbase.transpose(self)
        r, c, v = self._coo
        return type(self)._from_coo(self._shape[::-1], (c, r, v))


class coo_matrix(coo_array):
    """SciPy's ``coo_matrix``."""

    _matrix = True


# ------------------------------------------------------------------------------- DIA


class dia_array(_spbase):
    """A sparse array by diagonals (SciPy's ``dia_array((data, offsets), shape)``):
    ``data[i, j]`` is the entry at column ``j`` of diagonal ``offsets[i]``."""

    format = "dia"
    _long_name = "DIAgonal"
    _keeps = csr_array._keeps | {"T"}

    def __init__(self, arg1, shape=None, dtype=None, copy=False):
        self._dia = None
        if isinstance(arg1, dia_array):
            self._m, self._dia = (arg1._m.copy() if copy else arg1._m), arg1._dia
        elif _is_scipy_sparse(arg1) and arg1.format == "dia":
            if shape is None:
                shape = arg1.shape
            self.__init__((arg1.data, arg1.offsets), shape=shape, dtype=dtype)
            return
        elif isinstance(arg1, _spbase) or _is_scipy_sparse(arg1):
            self._m = _csr_of(arg1)
        elif _is_shape(arg1):
            self._m = _empty_csr(arg1, dtype)
        elif isinstance(arg1, tuple) and len(arg1) == 2 and not _is_shape(arg1):
            if shape is None:
                raise ValueError("expected a shape argument")
            data = _values(_np.atleast_2d(_np.asarray(_dense._to_numpy(arg1[0]))))
            offsets = [int(k) for k in _np.atleast_1d(_np.asarray(_dense._to_numpy(arg1[1])))]
            if data.ndim != 2 or data.shape[0] != len(offsets):
                raise ValueError(f"number of diagonals ({data.shape[0]}) does not match "
                                 f"the number of offsets ({len(offsets)})")
            if len(set(offsets)) != len(offsets):
                raise ValueError("offset array contains duplicate values")
            shape = (operator.index(shape[0]), operator.index(shape[1]))
            self._m = _legate.csr_from_dia(data._h, offsets, shape)
            self._dia = (offsets, data)
        else:
            self._m = _csr_of(arg1)
        before = self._m
        self._m = _checked(self._m, shape, dtype)
        if self._m is not before:
            if self._dia is not None:
                self._dia = (self._dia[0], self._dia[1].astype(dtype))

    @classmethod
    def _from_csr(cls, m):
        out = cls.__new__(cls)
        out._m, out._dia = m, None
        return out

    def _result(self, m, op, other=None):
        # SciPy: DIA with DIA stays DIA; with another format the result is CSR, or CSC
        # for a sum with a CSC operand.
        fmt = "dia"
        if other is not None and other.format != "dia":
            fmt = "csc" if op in ("add", "sub") and other.format == "csc" else "csr"
        return _cls(fmt, self._matrix)._from_csr(m)

    def _csr(self):
        return self._m

    def _diagonals(self):
        if self._dia is None:
            offsets, data = self._m.todia()
            self._dia = (offsets, _dense._wrap(data))
        return self._dia

    @property
    def offsets(self):
        return _dense.array(_np.asarray(self._diagonals()[0], dtype=_np.int32))

    @property
    def data(self):
        return self._diagonals()[1]

    @property
    def nnz(self):
        # SciPy's count: every position of `data` inside the matrix, zeros included.
        offsets, data = self._diagonals()
        m, n = self.shape
        width = data.shape[1]
        return sum(max(0, min(m + k, n, width) - max(k, 0)) for k in offsets)

    def todia(self, copy=False):
        return self.copy() if copy else self

    def to_scipy(self):
        import scipy.sparse as _sp

        offsets, data = self._diagonals()
        return (_sp.dia_matrix if self._matrix else _sp.dia_array)(
            (data.__array__(), _np.asarray(offsets)), shape=self.shape)


class dia_matrix(dia_array):
    """SciPy's ``dia_matrix``."""

    _matrix = True


for _c in (csr_array, csr_matrix, csc_array, csc_matrix, coo_array, coo_matrix, dia_array,
           dia_matrix):
    _CLASSES[(_c.format, _c._matrix)] = _c


# ------------------------------------------------------------------------------- helpers


def issparse(x):
    """Whether ``x`` is a sparse array or matrix (ours or SciPy's)."""
    return isinstance(x, _spbase) or _is_scipy_sparse(x)


def isspmatrix(x):
    """Whether ``x`` is a sparse *matrix* (``csr_matrix`` and the like), as SciPy."""
    if isinstance(x, _spbase):
        return x._matrix
    return _is_scipy_sparse(x) and type(x).__name__.endswith("_matrix")


def _isspmatrix_of(fmt):
    def f(x):
        return isspmatrix(x) and x.format == fmt

    f.__name__ = f"isspmatrix_{fmt}"
    f.__doc__ = f"Whether ``x`` is a ``{fmt}_matrix``."
    return f


isspmatrix_csr, isspmatrix_csc, isspmatrix_coo, isspmatrix_dia = (
    _isspmatrix_of(f) for f in ("csr", "csc", "coo", "dia"))


def _out(m, format, default, matrix):  # noqa: A002
    """The CSR handle ``m`` in ``format`` (SciPy's ``default`` when None)."""
    fmt = default if format is None else format
    if (fmt, matrix) not in _CLASSES:
        raise ValueError(f"Format {fmt} is unknown or not supported by legate.sparse")
    return _cls(fmt, matrix)._from_csr(m)


def eye_array(m, n=None, *, k=0, dtype=float, format=None):  # noqa: A002
    """``scipy.sparse.eye_array``: ones on diagonal ``k`` (DIA unless ``format``)."""
    n = m if n is None else n
    return _out(_legate.csr_eye(int(m), int(n), int(k), _value_dtype(dtype).name), format,
                "dia", False)


def eye(m, n=None, k=0, dtype=float, format=None):  # noqa: A002
    """``scipy.sparse.eye``: as ``eye_array``, a sparse matrix."""
    n = m if n is None else n
    return _out(_legate.csr_eye(int(m), int(n), int(k), _value_dtype(dtype).name), format,
                "dia", True)


def identity(n, dtype="d", format=None):  # noqa: A002
    """``scipy.sparse.identity``."""
    return eye(n, dtype=dtype, format=format)


def _diags(diagonals, offsets, shape, dtype):
    if _np.isscalar(offsets):
        offsets = [offsets]
        if _np.ndim(diagonals) <= 1:
            diagonals = [diagonals]
    offsets = [int(o) for o in offsets]
    diagonals = [_np.atleast_1d(_np.asarray(_dense._to_numpy(d))) for d in diagonals]
    if len(diagonals) != len(offsets):
        raise ValueError("Different number of diagonals and offsets.")
    if shape is None:
        m = len(diagonals[0]) + abs(offsets[0])
        shape = (m, m)
    # SciPy gives float64 unless told otherwise (integer diagonals too).
    want = _np.dtype(float) if dtype is None else _np.dtype(dtype)
    if want.kind == "c" or any(d.dtype.kind == "c" for d in diagonals):
        raise TypeError("legate.sparse.diags takes real diagonals")
    r = _legate.csr_diags([d.astype(float).tolist() for d in diagonals], offsets,
                          (int(shape[0]), int(shape[1])))
    return r if _value_dtype(want).name == "float64" else r.astype(_value_dtype(want).name)


def diags_array(diagonals, /, *, offsets=0, shape=None, format=None, dtype=None):  # noqa: A002
    """``scipy.sparse.diags_array``: each diagonal a sequence (or a scalar, repeated)."""
    return _out(_diags(diagonals, offsets, shape, dtype), format, "dia", False)


def diags(diagonals, offsets=0, shape=None, format=None, dtype=None):  # noqa: A002
    """``scipy.sparse.diags``: as ``diags_array``, a sparse matrix."""
    return _out(_diags(diagonals, offsets, shape, dtype), format, "dia", True)


def spdiags(data, diags_, m=None, n=None, format=None):  # noqa: A002
    """``scipy.sparse.spdiags``: row ``i`` of ``data`` on diagonal ``diags[i]``, with
    ``data[i, j]`` at column ``j``."""
    if n is None and isinstance(m, tuple):
        m, n = m
    data = _values(_np.atleast_2d(_np.asarray(_dense._to_numpy(data))))
    offsets = [int(d) for d in _np.atleast_1d(diags_)]
    if data.shape[0] != len(offsets):
        raise ValueError("number of diagonals does not match the number of offsets")
    return _out(_legate.csr_from_dia(data._h, offsets, (int(m), int(n))), format, "dia", True)


_seed_counter = [0]


def _random(m, n, density, format, dtype, seed, data_rvs, matrix):  # noqa: A002
    if not 0 <= density <= 1:
        raise ValueError("density expected to be 0 <= density <= 1")
    if isinstance(seed, _np.random.Generator):
        seed = int(seed.integers(0, 2**63))
    elif isinstance(seed, _np.random.RandomState):
        seed = int(seed.randint(0, 2**31))
    if seed is None or not isinstance(seed, (int, _np.integer)):
        _seed_counter[0] += 1
        seed = 0x5EED + _seed_counter[0]
    dt = _value_dtype(float if dtype is None else dtype).name
    r = _legate.csr_random(int(m), int(n), float(density), int(seed), dt)
    if data_rvs is not None:
        # The positions as drawn, the values from the caller's generator (SciPy's data_rvs).
        indptr, indices, _ = (h.to_numpy() for h in r.parts())
        data = _np.asarray(data_rvs(r.nnz), dtype=None if dtype is None else dtype)
        r = _from_parts(r.shape, indptr, indices, data)
    return _out(r, format, "coo", matrix)


def random(m, n, density=0.01, format="coo", dtype=None, random_state=None, rng=None,
           data_rvs=None):  # noqa: A002
    """``scipy.sparse.random``: ``round(density * m * n)`` entries at distinct positions,
    uniform in ``[0, 1)`` (a Philox stream: the same matrix for a seed on any machine)."""
    seed = random_state if random_state is not None else rng
    return _random(m, n, density, format, dtype, seed, data_rvs, True)


rand = random


def random_array(shape, *, density=0.01, format="coo", dtype=None, random_state=None,
                 rng=None, data_sampler=None):  # noqa: A002
    """``scipy.sparse.random_array``: as ``random``, a sparse array."""
    m, n = shape
    seed = random_state if random_state is not None else rng
    rvs = None if data_sampler is None else (lambda k: data_sampler(size=k))
    return _random(m, n, density, format, dtype, seed, rvs, False)


def kron(A, B, format=None):  # noqa: A002
    """``scipy.sparse.kron`` (CSR where SciPy gives BSR; a sparse array when either
    operand is one, as SciPy)."""
    matrix = not any(isinstance(x, _spbase) and not x._matrix for x in (A, B))
    matrix = matrix and not any(
        _is_scipy_sparse(x) and not type(x).__name__.endswith("_matrix") for x in (A, B))
    return _out(_legate.csr_kron(_csr_of(A), _csr_of(B)), format, "csr", matrix)


from . import io, linalg  # noqa: E402,F401
