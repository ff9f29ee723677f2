"""``legate.sparse``'s four formats (CSR, CSC, COO, DIA, each as array and matrix)
against SciPy's: construction from every input SciPy takes, conversions among them, the
format and kind of every result, mixed-format operations, and Matrix Market files."""

import numpy
import pytest
import scipy.io
import scipy.sparse as ssp

import legate.dense as np
import legate.sparse as sp

FORMATS = ["csr", "csc", "coo", "dia"]
KINDS = ["array", "matrix"]


def ours_cls(fmt, kind):
    return getattr(sp, f"{fmt}_{kind}")


def ref_cls(fmt, kind):
    return getattr(ssp, f"{fmt}_{kind}")


def same(ours, ref, rtol=1e-6):
    """The same values, format and kind (array or matrix) as SciPy's result."""
    assert sp.issparse(ours) and not ssp.issparse(ours), type(ours)
    assert ours.format == ref.format, (ours.format, ref.format)
    assert sp.isspmatrix(ours) == ssp.isspmatrix(ref), (type(ours), type(ref))
    assert ours.shape == ref.shape
    numpy.testing.assert_allclose(numpy.asarray(ours.toarray()), ref.toarray(), rtol=rtol,
                                  atol=1e-12)


def reference(m, n, density, seed, fmt, kind, dtype="float64"):
    a = ssp.random(m, n, density=density, format="csr", rng=seed, dtype=dtype)
    return ref_cls(fmt, kind)(a)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m,n,density", [(1, 1, 1.0), (17, 23, 0.2), (60, 40, 0.05)])
def test_construction_and_attributes_match_scipy(fmt, kind, m, n, density):
    ref = reference(m, n, density, 1, fmt, kind)
    cls = ours_cls(fmt, kind)
    a = cls(ref)
    same(a, ref)
    assert a.nnz == ref.nnz and a.dtype == ref.dtype and a.ndim == 2
    assert repr(a).splitlines()[0] == repr(ref).splitlines()[0]
    same(cls(np.array(ref.toarray())), ref)
    same(cls(ref.toarray()), ref)
    # From each of our formats, and back to SciPy's class of the same format and kind.
    for other in FORMATS:
        same(cls(ours_cls(other, kind)(ref)), ref)
    back = a.to_scipy()
    assert type(back) is type(ref)
    numpy.testing.assert_allclose(back.toarray(), ref.toarray())
    # The format's own parts are SciPy's.
    if fmt in ("csr", "csc"):
        numpy.testing.assert_array_equal(numpy.asarray(a.indptr), ref.indptr)
        numpy.testing.assert_array_equal(numpy.asarray(a.indices), ref.indices)
        numpy.testing.assert_allclose(numpy.asarray(a.data), ref.data)
        same(cls((ref.data, ref.indices, ref.indptr), shape=ref.shape), ref)
    elif fmt == "coo":
        got = sorted(zip(numpy.asarray(a.row), numpy.asarray(a.col), numpy.asarray(a.data)))
        want = sorted(zip(ref.row, ref.col, ref.data))
        assert got == want
        same(cls((ref.data, (ref.row, ref.col)), shape=ref.shape), ref)
    else:
        same(cls((ref.data, ref.offsets), shape=ref.shape), ref)
        # The diagonals of one made from CSR: SciPy's, in the same order.
        d = cls(ssp.csr_array(ref))
        numpy.testing.assert_array_equal(numpy.asarray(d.offsets), ref.offsets)
        numpy.testing.assert_allclose(numpy.asarray(d.data)[:, :n], ref.data[:, :n])
    # An empty matrix of a shape.
    e = cls((3, 5))
    assert e.shape == (3, 5) and e.nnz == 0 and e.format == fmt


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int64"])
def test_operations_keep_scipy_s_formats_and_values(fmt, kind, dtype):
    if dtype == "int64":
        ref = ref_cls(fmt, kind)(ssp.random(20, 20, density=0.2, format="csr", rng=3,
                                            data_rvs=lambda k: numpy.arange(1, k + 1)))
        other = ref_cls(fmt, kind)(ssp.random(20, 20, density=0.2, format="csr", rng=4,
                                              data_rvs=lambda k: numpy.arange(k) % 5))
    else:
        ref = reference(20, 20, 0.2, 3, fmt, kind, dtype)
        other = reference(20, 20, 0.2, 4, fmt, kind, dtype)
    a, b = ours_cls(fmt, kind)(ref), ours_cls(fmt, kind)(other)
    cases = [
        ("add", lambda x, y: x + y),
        ("sub", lambda x, y: x - y),
        ("multiply", lambda x, y: x.multiply(y)),
        ("matmul", lambda x, y: x @ y),
        ("scalar *", lambda x, y: x * 3),
        ("* scalar", lambda x, y: 2 * x),
        ("/", lambda x, y: x / 4),
        ("neg", lambda x, y: -x),
        ("abs", lambda x, y: abs(x)),
        ("power", lambda x, y: x.power(2)),
        ("T", lambda x, y: x.T),
        ("transpose", lambda x, y: x.transpose()),
        ("astype", lambda x, y: x.astype(numpy.complex128)),
        ("copy", lambda x, y: x.copy()),
        ("tocsr", lambda x, y: x.tocsr()),
        ("tocsc", lambda x, y: x.tocsc()),
        ("tocoo", lambda x, y: x.tocoo()),
        ("todia", lambda x, y: x.todia()),
        ("asformat", lambda x, y: x.asformat("csc")),
    ]
    if kind == "matrix":
        cases += [("matrix *", lambda x, y: x * y), ("matrix **", lambda x, y: x ** 3)]
    for name, f in cases:
        want = f(ref, other)
        got = f(a, b)
        try:
            same(got, want)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    x = (numpy.arange(20) % 7 - 3).astype(dtype)
    numpy.testing.assert_allclose(numpy.asarray(a @ np.array(x)), ref @ x, rtol=1e-5)
    numpy.testing.assert_allclose(numpy.asarray(a @ x), ref @ x, rtol=1e-5)
    X = numpy.ones((20, 3), dtype=dtype)
    numpy.testing.assert_allclose(numpy.asarray(a @ X), ref @ X, rtol=1e-5)
    for axis in (None, 0, 1):
        numpy.testing.assert_allclose(numpy.asarray(a.sum(axis=axis)), ref.sum(axis=axis),
                                      rtol=1e-5)
    for k in (-3, 0, 2):
        numpy.testing.assert_allclose(numpy.asarray(a.diagonal(k)), ref.diagonal(k))
    numpy.testing.assert_allclose(complex(a.trace()), ref.trace(), rtol=1e-6)
    assert a.count_nonzero() == ref.count_nonzero()


def test_mixed_formats_combine_as_scipy():
    refs = {f: reference(15, 15, 0.25, i, f, "array") for i, f in enumerate(FORMATS)}
    ours = {f: ours_cls(f, "array")(r) for f, r in refs.items()}
    for f in FORMATS:
        for g in FORMATS:
            same(ours[f] + ours[g], refs[f] + refs[g])
            same(ours[f] @ ours[g], refs[f] @ refs[g])
            same(ours[f].multiply(ours[g]), refs[f].multiply(refs[g]))
        # A SciPy operand is taken as it is.
        same(ours[f] + refs["csr"], refs[f] + refs["csr"])
    d = numpy.arange(15.0 * 15).reshape(15, 15)
    numpy.testing.assert_allclose(numpy.asarray(ours["csc"] + np.array(d)), refs["csc"] + d)


def test_coo_keeps_duplicates_until_summed():
    row, col, data = [0, 0, 1, 2, 0], [1, 1, 2, 0, 3], [1.0, 2.0, 3.0, 4.0, -1.0]
    ref = ssp.coo_array((data, (row, col)), shape=(3, 4))
    a = sp.coo_array((data, (row, col)), shape=(3, 4))
    assert a.nnz == ref.nnz == 5 and not a.has_canonical_format
    same(a, ref)
    same(a * 2, ref * 2)
    same(a.T, ref.T)
    assert a.tocsr().nnz == ref.tocsr().nnz == 4
    a.sum_duplicates()
    ref.sum_duplicates()
    assert a.nnz == ref.nnz == 4 and a.has_canonical_format
    same(a, ref)
    # Shape inferred from the indices, as SciPy.
    assert sp.coo_array((data, (row, col))).shape == ssp.coo_array((data, (row, col))).shape
    with pytest.raises(ValueError):
        sp.coo_array((data, (row, [0, 1, 2, 9, 0])), shape=(3, 4))
    with pytest.raises(ValueError):
        sp.coo_array((data, ([0, -1, 0, 0, 0], col)), shape=(3, 4))
    with pytest.raises(ValueError):
        sp.coo_array((data[:2], (row, col)), shape=(3, 4))
    with pytest.raises(TypeError):
        sp.coo_array((data, (numpy.array(row, dtype=float), col)), shape=(3, 4))


def test_dia_counts_and_errors_match_scipy():
    data = numpy.array([[1.0, 2, 0, 4, 5], [5, 6, 7, 8, 9], [1, 1, 1, 1, 1]])
    for shape in [(5, 5), (4, 6), (6, 3)]:
        ref = ssp.dia_array((data, [0, -1, 2]), shape=shape)
        a = sp.dia_array((data, [0, -1, 2]), shape=shape)
        assert a.nnz == ref.nnz, shape
        same(a, ref)
        numpy.testing.assert_array_equal(numpy.asarray(a.offsets), ref.offsets)
    with pytest.raises(ValueError):
        sp.dia_array((data, [0, 0, 1]), shape=(5, 5))
    with pytest.raises(ValueError):
        sp.dia_array((data, [0, 1]), shape=(5, 5))
    with pytest.raises(ValueError):
        sp.dia_array((data, [0, 1, 2]))


def test_constructors_give_scipy_s_classes():
    same(sp.eye(4, 6, k=1), ssp.eye(4, 6, k=1))
    same(sp.eye_array(5, k=-2, format="csr"), ssp.eye_array(5, k=-2, format="csr"))
    same(sp.identity(4, format="csc"), ssp.identity(4, format="csc"))
    same(sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(6, 6)),
         ssp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(6, 6)))
    same(sp.diags_array([[1.0, 2.0], [3.0]], offsets=[0, 1], format="coo"),
         ssp.diags_array([[1.0, 2.0], [3.0]], offsets=[0, 1], format="coo"))
    data = numpy.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    same(sp.spdiags(data, [0, -1], 4, 4), ssp.spdiags(data, [0, -1], 4, 4))
    r = sp.random(30, 20, density=0.1, random_state=7)
    assert type(r) is sp.coo_matrix and r.nnz == 60
    r = sp.random_array((30, 20), density=0.1, format="csc", rng=7)
    assert type(r) is sp.csc_array and r.nnz == 60
    assert sp.isspmatrix(sp.eye(3)) and not sp.isspmatrix(sp.eye_array(3))
    assert sp.isspmatrix_dia(sp.eye(3)) and not sp.isspmatrix_csr(sp.eye(3))
    with pytest.raises(ValueError):
        sp.eye(3, format="bsr")


@pytest.mark.parametrize("dtype", ["float64", "int64", "complex128"])
def test_matrix_market_files_round_trip(tmp_path, dtype):
    if dtype == "int64":
        ref = ssp.random(12, 9, density=0.3, format="coo", rng=5,
                         data_rvs=lambda k: numpy.arange(k) - 4)
    else:
        ref = ssp.random(12, 9, density=0.3, format="coo", rng=5, dtype=dtype)
    path = tmp_path / "a.mtx"
    sp.io.mmwrite(path, sp.csr_array(ref))
    # SciPy reads what we write, and we read what SciPy writes.
    numpy.testing.assert_allclose(scipy.io.mmread(path).toarray(), ref.toarray())
    got = sp.io.mmread(path)
    assert type(got) is sp.coo_matrix and got.nnz == ref.nnz
    numpy.testing.assert_allclose(numpy.asarray(got.toarray()), ref.toarray())
    scipy.io.mmwrite(tmp_path / "b.mtx", ref)
    got = sp.io.mmread(tmp_path / "b.mtx", spmatrix=False)
    assert type(got) is sp.coo_array
    numpy.testing.assert_allclose(numpy.asarray(got.toarray()), ref.toarray())
    # Dense arrays, as `array` files.
    d = ref.toarray()
    sp.io.mmwrite(str(tmp_path / "d"), np.array(d))
    numpy.testing.assert_allclose(scipy.io.mmread(tmp_path / "d.mtx"), d)
    numpy.testing.assert_allclose(numpy.asarray(sp.io.mmread(tmp_path / "d.mtx")), d)


def test_matrix_market_symmetric_files_and_errors(tmp_path):
    s = ssp.random(8, 8, density=0.4, format="csr", rng=2)
    s = s + s.T
    scipy.io.mmwrite(tmp_path / "s.mtx", s, symmetry="symmetric", comment="a comment")
    got = sp.io.mmread(tmp_path / "s.mtx")
    numpy.testing.assert_allclose(numpy.asarray(got.toarray()), s.toarray())
    # Options legate-sparse does not write itself go through SciPy, with a warning.
    with pytest.warns(RuntimeWarning):
        sp.io.mmwrite(tmp_path / "t.mtx", sp.csr_array(s), comment="hello")
    assert "hello" in (tmp_path / "t.mtx").read_text()
    with pytest.raises(OSError):
        sp.io.mmread(tmp_path / "missing.mtx")
    (tmp_path / "bad.mtx").write_text("%%MatrixMarket matrix coordinate real general\n2 2 1\n"
                                      "1 x 2.0\n")
    with pytest.raises(OSError):
        sp.io.mmread(tmp_path / "bad.mtx")


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_index_arrays_have_scipys_dtype(fmt):
    ref = reference(30, 20, 0.2, 3, fmt, "array")
    ours = ours_cls(fmt, "array")(ref)
    names = ["row", "col"] if fmt == "coo" else ["indices", "indptr"]
    for name in names:
        got, want = getattr(ours, name), getattr(ref, name)
        assert numpy.dtype(got.dtype) == want.dtype == numpy.int32, name
        numpy.testing.assert_array_equal(numpy.asarray(got), want)
    # Results of operations keep the narrow type while their sizes fit it.
    for res_ours, res_ref in [(ours @ ours.T, ref @ ref.T), (ours + ours, ref + ref)]:
        res_ours, res_ref = res_ours.tocsr(), res_ref.tocsr()
        assert numpy.dtype(res_ours.indices.dtype) == res_ref.indices.dtype
        numpy.testing.assert_allclose(numpy.asarray(res_ours.toarray()), res_ref.toarray())
