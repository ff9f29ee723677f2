"""``legate.sparse`` against SciPy on the same inputs: construction and conversion,
products, element-wise operations, structure, reductions, constructors, solvers and
errors."""

import numpy
import pytest
import scipy.sparse as ssp
import scipy.sparse.linalg as sla

import legate.dense as np
import legate.sparse as sp


def scipy_matrix(m, n, density, seed, dtype="float64"):
    return ssp.csr_array(
        ssp.random(m, n, density=density, format="csr", random_state=seed, dtype=dtype)
    )


def same(ours, ref, rtol=1e-12):
    """``ours`` holds ``ref``'s values, in the format and kind (array or matrix) SciPy
    gives."""
    assert sp.issparse(ours) and not ssp.issparse(ours)
    assert (ours.format, sp.isspmatrix(ours)) == (ref.format, ssp.isspmatrix(ref)), (
        type(ours), type(ref))
    got = ours.to_scipy()
    assert type(got) is type(ref)
    assert got.shape == ref.shape
    numpy.testing.assert_allclose(got.toarray(), ref.toarray(), rtol=rtol, atol=1e-14)


SHAPES = [(1, 1, 1.0), (20, 30, 0.2), (200, 150, 0.03)]


@pytest.mark.parametrize("m,n,density", SHAPES)
def test_construction_and_conversion_match_scipy(m, n, density):
    ref = scipy_matrix(m, n, density, 1)
    a = sp.csr_array(ref)
    assert a.shape == ref.shape and a.nnz == ref.nnz and a.dtype == ref.dtype
    assert a.format == "csr" and a.ndim == 2
    same(a, ref)
    numpy.testing.assert_array_equal(numpy.asarray(a.indptr), ref.indptr)
    numpy.testing.assert_array_equal(numpy.asarray(a.indices), ref.indices)
    numpy.testing.assert_allclose(numpy.asarray(a.data), ref.data)
    numpy.testing.assert_allclose(numpy.asarray(a.toarray()), ref.toarray())
    same(sp.csr_array(np.array(ref.toarray())), ref)
    same(sp.csr_array((ref.data, ref.indices, ref.indptr), shape=ref.shape), ref)
    coo = ref.tocoo()
    same(sp.csr_array((coo.data, (coo.row, coo.col)), shape=ref.shape), ref)
    assert sp.issparse(a) and sp.issparse(ref) and not sp.issparse(np.ones(2))


@pytest.mark.parametrize("m,n,density", SHAPES)
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_products_match_scipy(m, n, density, dtype):
    ref = scipy_matrix(m, n, density, 2, dtype)
    a = sp.csr_array(ref)
    x = (numpy.arange(n) % 7 - 3).astype(dtype)
    y = a @ np.array(x)
    assert isinstance(y, np.ndarray)
    numpy.testing.assert_allclose(numpy.asarray(y), ref @ x, rtol=1e-5)
    numpy.testing.assert_allclose(numpy.asarray(a.dot(x)), ref @ x, rtol=1e-5)
    X = numpy.ones((n, 3), dtype=dtype)
    numpy.testing.assert_allclose(numpy.asarray(a @ np.array(X)), ref @ X, rtol=1e-5)
    b = scipy_matrix(n, m, density, 3, dtype)
    same(a @ sp.csr_array(b), ref @ b, rtol=1e-5)


def test_elementwise_and_structure_match_scipy():
    ref, other = scipy_matrix(40, 30, 0.1, 4), scipy_matrix(40, 30, 0.1, 5)
    a, b = sp.csr_array(ref), sp.csr_array(other)
    same(a + b, ref + other)
    same(a - b, ref - other)
    same(a.multiply(b), ref.multiply(other))
    same(2.5 * a, 2.5 * ref)
    same(a * 2, ref * 2)
    same(a / 4, ref / 4)
    same(-a, -ref)
    same(a.power(2), ref.power(2))
    same(a.T, ref.T)
    same(a.transpose(), ref.transpose())
    same(abs(-a), abs(ref))
    same(a.astype(numpy.float32), ref.astype(numpy.float32))
    numpy.testing.assert_allclose(numpy.asarray(a + np.ones((40, 30))), (ref + numpy.ones((40, 30))))
    for k in [-2, 0, 3]:
        numpy.testing.assert_allclose(numpy.asarray(a.diagonal(k)), ref.diagonal(k))
    numpy.testing.assert_allclose(float(a.sum()), ref.sum())
    numpy.testing.assert_allclose(numpy.asarray(a.sum(axis=0)), ref.sum(axis=0))
    numpy.testing.assert_allclose(numpy.asarray(a.sum(axis=1)), ref.sum(axis=1))
    for ord in [None, 1, numpy.inf]:
        numpy.testing.assert_allclose(float(sp.linalg.norm(a, ord)), sla.norm(ref, ord))
    c = a.copy()
    assert c.nnz == a.nnz
    # csr_matrix keeps SciPy's matrix semantics for `*`.
    mref = ssp.csr_matrix(ref)
    m = sp.csr_matrix(mref)
    same(m * sp.csr_matrix(mref.T), mref * mref.T)


def test_constructors_match_scipy():
    same(sp.eye(4, 6, k=1), ssp.eye(4, 6, k=1))
    same(sp.identity(5), ssp.identity(5))
    same(sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(6, 6)),
         ssp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(6, 6)))
    same(sp.diags([[1.0, 2.0, 3.0], [4.0, 5.0]], [0, 1]), ssp.diags([[1.0, 2.0, 3.0], [4.0, 5.0]], [0, 1]))
    data = numpy.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    same(sp.spdiags(data, [0, -1], 4, 4), ssp.spdiags(data, [0, -1], 4, 4))
    r = sp.random(30, 20, density=0.1, format="csr", random_state=7)
    assert r.nnz == 60 and r.shape == (30, 20)
    d = numpy.asarray(r.data)
    assert (d >= 0).all() and (d < 1).all()
    again = sp.random(30, 20, density=0.1, random_state=7)
    numpy.testing.assert_array_equal(numpy.asarray(again.data), d)
    a, b = scipy_matrix(3, 4, 0.5, 8), scipy_matrix(2, 2, 0.7, 9)
    same(sp.kron(sp.csr_array(a), sp.csr_array(b)), ssp.kron(a, b).tocsr())  # SciPy: BSR
    same(sp.kron(a, b, format="coo"), ssp.kron(a, b, format="coo"))


def poisson(k):
    t = ssp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(k, k))
    return (ssp.kron(ssp.identity(k), t) + ssp.kron(t, ssp.identity(k))).tocsr()


def test_solvers_match_scipy_s_solutions():
    ref = poisson(20)
    a = sp.csr_array(ref)
    b = numpy.ones(400)
    want = ssp.linalg.spsolve(ref.tocsc(), b)
    for solver in (sp.linalg.cg, sp.linalg.bicgstab, sp.linalg.gmres):
        x, info = solver(a, np.array(b), rtol=1e-10)
        assert info == 0, solver.__name__
        numpy.testing.assert_allclose(numpy.asarray(x), want, rtol=1e-6, err_msg=solver.__name__)
    x, info = sp.linalg.cg(a, b, x0=np.zeros(400), rtol=1e-12, maxiter=3)
    assert info == 3
    numpy.testing.assert_allclose(numpy.asarray(sp.linalg.spsolve(a, b)), want, rtol=1e-10)


def test_errors_are_scipy_s():
    a = sp.csr_array(scipy_matrix(5, 4, 0.5, 10))
    with pytest.raises(ValueError):
        a @ np.ones(5)
    with pytest.raises(ValueError):
        a + sp.eye(5)
    with pytest.raises(ValueError):
        a @ 2
    with pytest.raises(ValueError):
        sp.csr_array(np.ones(3))
    with pytest.raises(ValueError):
        sp.csr_array((numpy.ones(2), numpy.array([0, 9]), numpy.array([0, 1, 2])), shape=(2, 3))
    with pytest.raises(TypeError):
        a.astype(numpy.bool_)
    with pytest.raises(NotImplementedError):
        a + 1
    with pytest.raises(TypeError):
        len(a)
    with pytest.raises(ValueError):
        sp.random(3, 3, density=2.0)
    same(a, a.to_scipy())


def test_solvers_take_preconditioners_callbacks_and_operators():
    ref = poisson(15)
    a = sp.csr_array(ref)
    b = numpy.ones(225)
    want = ssp.linalg.spsolve(ref.tocsc(), b)
    inv_diag = 1.0 / a.diagonal()
    M = sp.linalg.LinearOperator(a.shape, matvec=lambda r: inv_diag * r)
    seen = []
    x, info = sp.linalg.cg(a, b, rtol=1e-10, M=M, callback=lambda xk: seen.append(float(xk[0])))
    assert info == 0 and len(seen) > 5
    numpy.testing.assert_allclose(numpy.asarray(x), want, rtol=1e-7)
    op = sp.linalg.aslinearoperator(a)
    for solver in (sp.linalg.cg, sp.linalg.bicgstab, sp.linalg.gmres):
        x, info = solver(op, b, rtol=1e-10, M=sp.identity(225))
        assert info == 0
        numpy.testing.assert_allclose(numpy.asarray(x), want, rtol=1e-6)

    def bad(xk):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        sp.linalg.cg(a, b, callback=bad)


def test_eigsh_matches_scipy():
    ref = poisson(12)
    a = sp.csr_array(ref)
    for which in ("LA", "SA", "LM"):
        w, v = sp.linalg.eigsh(a, k=3, which=which)
        want = numpy.sort(ssp.linalg.eigsh(ref, k=3, which=which)[0])
        numpy.testing.assert_allclose(numpy.asarray(w), want, rtol=1e-8)
        r = numpy.asarray(a @ v) - numpy.asarray(v) * numpy.asarray(w)[None, :]
        assert numpy.abs(r).max() < 1e-6
    w = sp.linalg.eigsh(sp.linalg.aslinearoperator(a), k=2, which="LA",
                        return_eigenvectors=False)
    numpy.testing.assert_allclose(numpy.asarray(w), numpy.sort(ssp.linalg.eigsh(ref, k=2, which="LA")[0]), rtol=1e-8)
    with pytest.raises(ValueError):
        sp.linalg.eigsh(a, k=3, which="XX")


def test_dense_division_random_values_and_axis_norms_match_scipy():
    ref = scipy_matrix(12, 9, 0.3, 21)
    a = sp.csr_array(ref)
    d = numpy.arange(1.0, 10.0)
    numpy.testing.assert_allclose(numpy.asarray(a / np.array(d)), ref.toarray() / d)
    r = sp.random(20, 30, density=0.2, random_state=4, data_rvs=lambda k: numpy.full(k, 7.0))
    assert r.nnz == 120 and numpy.asarray(r.data).tolist() == [7.0] * 120
    for axis in (0, 1):
        for ord in (None, 1, 2, 3, numpy.inf, -numpy.inf):
            numpy.testing.assert_allclose(numpy.asarray(sp.linalg.norm(a, ord, axis=axis)),
                                          sla.norm(ref, ord, axis=axis), rtol=1e-12,
                                          err_msg=f"ord={ord}, axis={axis}")


def test_banded_products_equal_scipy_s_bit_for_bit():
    """A stencil matrix is multiplied through its diagonal form from its second product
    on (legate-sparse's crate docs): the same sums as SciPy's CSR product, in the same
    order, so the same bits, also beside missing entries where ``x`` is infinite or NaN."""
    k = 30
    n = k * k
    off = numpy.ones(n - 1)
    off[k - 1::k] = 0.0
    ref = ssp.diags([-1.0, -off, 4.0, -off, -1.0], [-k, -1, 0, 1, k], shape=(n, n),
                    format="csr")
    ref.eliminate_zeros()
    a = sp.csr_array(ref)
    x = numpy.sin(numpy.arange(n) * 0.7) * 3.0
    x[k] = numpy.inf        # row k - 1 stores no entry at column k
    x[3 * k - 1] = numpy.nan
    want = ref @ x
    ours = np.asarray(x)
    for _ in range(3):
        got = numpy.asarray(a @ ours)
        assert numpy.array_equal(got, want, equal_nan=True)
    finite = numpy.cos(numpy.arange(n) * 0.3) / 7.0
    for _ in range(2):
        got = numpy.asarray(a @ np.asarray(finite))
        assert got.tobytes() == (ref @ finite).tobytes()
