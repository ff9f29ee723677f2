"""The module functions of ``legate.dense`` beyond ufuncs and basic reductions, against
NumPy on the same inputs: views and joining, reordering, sorting and searching, gathers
and scatters, matrices, statistics, products, ``numpy.linalg`` and ``numpy.random``'s
``Generator``. None of them may fall back to NumPy (``LEGATE_FALLBACK=0``)."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import legate.dense as np


@pytest.fixture(autouse=True)
def no_fallback(monkeypatch):
    monkeypatch.setenv("LEGATE_FALLBACK", "0")


def same(got, want, rtol=1e-10):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w, rtol)
        return
    g = numpy.asarray(got)
    w = numpy.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    numpy.testing.assert_allclose(g, w, rtol=rtol, atol=1e-12)


DTYPES = ["float64", "float32", "int64", "int32"]


def sample(shape, dtype, seed=0):
    r = numpy.random.default_rng(seed)
    a = r.integers(-9, 10, size=shape) if "int" in dtype else r.standard_normal(shape)
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (4, 6), (3, 4, 5)])
def test_views_and_joining_match_numpy(shape, dtype):
    a = sample(shape, dtype)
    x = np.array(a)
    last = len(shape) - 1
    same(np.swapaxes(x, 0, last), numpy.swapaxes(a, 0, last))
    same(np.moveaxis(x, 0, -1), numpy.moveaxis(a, 0, -1))
    if len(shape) == 3:
        same(np.moveaxis(x, [0, 1], [2, 0]), numpy.moveaxis(a, [0, 1], [2, 0]))
    same(np.expand_dims(x, 1), numpy.expand_dims(a, 1))
    same(np.expand_dims(x, (0, -1)), numpy.expand_dims(a, (0, -1)))
    same(np.squeeze(np.expand_dims(x, 0)), a)
    same(np.atleast_2d(x), numpy.atleast_2d(a))
    same(np.atleast_3d(x), numpy.atleast_3d(a))
    for axis in range(len(shape)):
        same(np.concatenate([x, x, x], axis), numpy.concatenate([a, a, a], axis))
        same(np.stack([x, x], axis), numpy.stack([a, a], axis))
        same(np.array_split(x, 3, axis), numpy.array_split(a, 3, axis))
        same(np.split(x, [1, 3], axis), numpy.split(a, [1, 3], axis))
    same(np.concatenate([x, x], axis=None), numpy.concatenate([a, a], axis=None))
    same(np.vstack([x, x]), numpy.vstack([a, a]))
    same(np.hstack([x, x]), numpy.hstack([a, a]))
    same(np.dstack([x, x]), numpy.dstack([a, a]))
    same(np.column_stack([x, x]), numpy.column_stack([a, a]))
    # Mixed types promote as NumPy's.
    same(np.concatenate([x, np.ones(shape, dtype="float32")]),
         numpy.concatenate([a, numpy.ones(shape, dtype="float32")]))
    with pytest.raises(ValueError):
        np.split(x, 4 if shape[0] % 4 else 5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9,), (4, 6)])
def test_reordering_matches_numpy(shape, dtype):
    a = sample(shape, dtype, 1)
    x = np.array(a)
    same(np.flip(x), numpy.flip(a))
    same(np.flip(x, 0), numpy.flip(a, 0))
    same(np.flipud(x), numpy.flipud(a))
    for shift in (-3, 0, 2, 11):
        same(np.roll(x, shift), numpy.roll(a, shift))
        same(np.roll(x, shift, axis=0), numpy.roll(a, shift, axis=0))
    same(np.tile(x, 2), numpy.tile(a, 2))
    same(np.tile(x, (2, 1, 3)), numpy.tile(a, (2, 1, 3)))
    same(np.repeat(x, 3), numpy.repeat(a, 3))
    same(np.repeat(x, 2, axis=0), numpy.repeat(a, 2, axis=0))
    reps = numpy.arange(shape[0]) % 3
    same(np.repeat(x, np.array(reps), axis=0), numpy.repeat(a, reps, axis=0))
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        same(np.pad(x, 2, mode=mode), numpy.pad(a, 2, mode=mode))
    same(np.pad(x, (1, 3), constant_values=7), numpy.pad(a, (1, 3), constant_values=7))
    if len(shape) == 2:
        same(np.fliplr(x), numpy.fliplr(a))
        same(np.flip(x, (0, 1)), numpy.flip(a, (0, 1)))
        same(np.roll(x, (1, -2), axis=(0, 1)), numpy.roll(a, (1, -2), axis=(0, 1)))
        same(np.pad(x, ((1, 0), (2, 3)), mode="edge"), numpy.pad(a, ((1, 0), (2, 3)), mode="edge"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sorting_and_searching_match_numpy(dtype):
    a = sample((5, 8), dtype, 2)
    x = np.array(a)
    for axis in (None, 0, 1, -1):
        same(np.sort(x, axis=axis), numpy.sort(a, axis=axis))
        # Ties are broken by position (a stable sort), as NumPy's `kind="stable"`.
        same(np.argsort(x, axis=axis), numpy.argsort(a, axis=axis, kind="stable"))
    y = x.copy()
    y.sort(axis=0)
    same(y, numpy.sort(a, axis=0))
    p = np.partition(x, 3, axis=1)
    assert (numpy.asarray(p)[:, :3] <= numpy.asarray(p)[:, 3:4]).all()
    same(numpy.sort(numpy.asarray(p), axis=1), numpy.sort(a, axis=1))
    ap = numpy.asarray(np.argpartition(x, 2, axis=1))
    kth = numpy.take_along_axis(a, ap, axis=1)[:, 2]
    same(kth, numpy.sort(a, axis=1)[:, 2])
    keys = [a[0], a[1]]
    same(np.lexsort([x[0], x[1]]), numpy.lexsort(keys))
    # n-d keys along each axis, several kth at once.
    for axis in (0, 1, -1):
        same(np.lexsort(x.reshape(1, 5, 8), axis=axis), numpy.lexsort(a.reshape(1, 5, 8), axis=axis))
        same(np.lexsort([x, x[::-1]], axis=axis), numpy.lexsort([a, a[::-1]], axis=axis))
    p = numpy.asarray(np.partition(x, [1, -2], axis=0))
    s0 = numpy.sort(a, axis=0)
    same(p[[1, 3]], s0[[1, 3]])
    assert (p[:1] <= p[1:2]).all() and (p[4:] >= p[3:4]).all()
    s = numpy.sort(a.ravel())
    v = sample((6,), dtype, 3)
    for side in ("left", "right"):
        same(np.searchsorted(np.array(s), np.array(v), side=side),
             numpy.searchsorted(s, v, side=side))
    order = numpy.argsort(a.ravel(), kind="stable")
    same(np.searchsorted(np.array(a.ravel()), np.array(v), sorter=np.array(order)),
         numpy.searchsorted(a.ravel(), v, sorter=order))
    with pytest.raises(ValueError):
        np.searchsorted(np.array(s), np.array(v), side="middle")
    same(np.unique(x), numpy.unique(a))
    same(np.unique(x, return_index=True, return_inverse=True, return_counts=True),
         numpy.unique(a, return_index=True, return_inverse=True, return_counts=True))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gathers_and_scatters_match_numpy(dtype):
    a = sample((5, 6), dtype, 4)
    x = np.array(a)
    idx = numpy.array([3, 0, 29, 7, 7])
    same(np.take(x, idx), numpy.take(a, idx))
    same(np.take(x, np.array([4, 0, 2]), axis=0), numpy.take(a, [4, 0, 2], axis=0))
    same(np.take(x, [5, 1], axis=1), numpy.take(a, [5, 1], axis=1))
    same(np.take(x, 3, axis=1), numpy.take(a, 3, axis=1))
    assert float(np.take(x, 7)) == float(numpy.take(a, 7))
    same(x.take([1, 2]), a.take([1, 2]))
    y, b = x.copy(), a.copy()
    np.put(y, [0, 13, 29], [1, 2, 3])
    numpy.put(b, [0, 13, 29], [1, 2, 3])
    same(y, b)
    order = numpy.argsort(a, axis=1, kind="stable")
    same(np.take_along_axis(x, np.array(order), axis=1), numpy.take_along_axis(a, order, axis=1))
    y, b = x.copy(), a.copy()
    np.put_along_axis(y, np.array(order[:, :1]), 0, axis=1)
    numpy.put_along_axis(b, order[:, :1], 0, axis=1)
    same(y, b)
    mask = a > 0
    same(np.extract(np.array(mask), x), numpy.extract(mask, a))
    same(np.compress([True, False, True], x, axis=0), numpy.compress([True, False, True], a, axis=0))
    same(np.compress(mask.ravel(), x), numpy.compress(mask.ravel(), a))
    same(np.nonzero(x), numpy.nonzero(a))
    same(x.nonzero(), a.nonzero())
    same(np.where(x > 0), numpy.where(a > 0))
    same(np.argwhere(x), numpy.argwhere(a))
    same(np.flatnonzero(x), numpy.flatnonzero(a))
    assert np.count_nonzero(x) == numpy.count_nonzero(a)
    same(np.count_nonzero(x, axis=0), numpy.count_nonzero(a, axis=0))
    same(np.count_nonzero(x, axis=1, keepdims=True), numpy.count_nonzero(a, axis=1, keepdims=True))
    with pytest.raises(IndexError):
        np.take(x, [30])


@pytest.mark.parametrize("dtype", ["float64", "int64", "complex128"])
def test_matrices_and_creation_match_numpy(dtype):
    a = sample((4, 6), "float64", 5).astype(dtype)
    x = np.array(a)
    for k in (-2, 0, 3):
        same(np.tril(x, k), numpy.tril(a, k))
        same(np.triu(x, k), numpy.triu(a, k))
        same(np.diag(x, k), numpy.diag(a, k))
        same(np.diag(x[0], k), numpy.diag(a[0], k))
        same(np.trace(x, k), numpy.trace(a, k))
        same(np.tri(4, 5, k, dtype=dtype), numpy.tri(4, 5, k, dtype=dtype))
    same(np.diagflat(x[:2, :2]), numpy.diagflat(a[:2, :2]))
    same(np.diagonal(x, 1), numpy.diagonal(a, 1))
    same(x.diagonal(), a.diagonal())
    same(np.logspace(0, 3, 7), numpy.logspace(0, 3, 7))
    same(np.logspace(1, 2, 4, base=2.0, endpoint=False), numpy.logspace(1, 2, 4, base=2.0, endpoint=False))
    for indexing in ("xy", "ij"):
        same(np.meshgrid(np.arange(3), np.arange(4.0), np.arange(2), indexing=indexing),
             numpy.meshgrid(numpy.arange(3), numpy.arange(4.0), numpy.arange(2), indexing=indexing))
    same(np.meshgrid(np.arange(3), np.arange(4), sparse=True),
         numpy.meshgrid(numpy.arange(3), numpy.arange(4), sparse=True))


def test_element_wise_extras_match_numpy():
    a = sample((5, 4), "float64", 6) * 10
    x = np.array(a)
    for d in (0, 1, 2, -1):
        same(np.round(x, d), numpy.round(a, d))
        same(np.around(x, d), numpy.around(a, d))
    same(x.round(1), a.round(1))
    same(np.divmod(x, 3.0), numpy.divmod(a, 3.0))
    same(np.modf(x), numpy.modf(a))
    same(np.frexp(x), numpy.frexp(a))
    i = np.array(numpy.arange(-5, 5))
    same(np.divmod(i, np.full(10, 3)), numpy.divmod(numpy.arange(-5, 5), numpy.full(10, 3)))


def test_statistics_match_numpy():
    a = sample((6, 7), "float64", 7)
    b = a.copy()
    b[1, 2] = b[4, 0] = numpy.nan
    x, y = np.array(a), np.array(b)
    for axis in (None, 0, 1):
        for name in ("nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd",
                     "nanmedian"):
            same(getattr(np, name)(y, axis=axis), getattr(numpy, name)(b, axis=axis))
        same(np.nanvar(y, axis=axis, ddof=1), numpy.nanvar(b, axis=axis, ddof=1))
        same(np.nanargmax(y, axis=axis), numpy.nanargmax(b, axis=axis))
        same(np.nanargmin(y, axis=axis), numpy.nanargmin(b, axis=axis))
        same(np.nancumsum(y, axis=axis), numpy.nancumsum(b, axis=axis))
        same(np.nancumprod(y, axis=axis), numpy.nancumprod(b, axis=axis))
        same(np.median(x, axis=axis), numpy.median(a, axis=axis))
        same(np.ptp(x, axis=axis), numpy.ptp(a, axis=axis))
        same(np.average(x, axis=axis), numpy.average(a, axis=axis))
        for method in ("linear", "lower", "higher", "nearest", "midpoint"):
            same(np.quantile(x, [0.1, 0.5, 0.75], axis=axis, method=method),
                 numpy.quantile(a, [0.1, 0.5, 0.75], axis=axis, method=method))
        same(np.percentile(x, 30, axis=axis), numpy.percentile(a, 30, axis=axis))
        same(np.nanquantile(y, 0.4, axis=axis), numpy.nanquantile(b, 0.4, axis=axis))
        same(np.nanpercentile(y, [5, 95], axis=axis), numpy.nanpercentile(b, [5, 95], axis=axis))
    same(np.median(x, axis=1, keepdims=True), numpy.median(a, axis=1, keepdims=True))
    w = numpy.arange(1.0, 8.0)
    same(np.average(x, axis=1, weights=w), numpy.average(a, axis=1, weights=w))
    ints = numpy.array([0, 3, 3, 1, 7, 3])
    same(np.bincount(np.array(ints)), numpy.bincount(ints))
    same(np.bincount(ints, weights=numpy.arange(6.0), minlength=10),
         numpy.bincount(ints, weights=numpy.arange(6.0), minlength=10))
    for bins in (5, [-2.0, -0.5, 0.0, 1.0, 3.0]):
        same(np.histogram(x, bins), numpy.histogram(a, bins))
        same(np.histogram(x, bins, density=True), numpy.histogram(a, bins, density=True))
        same(np.histogram_bin_edges(x, bins), numpy.histogram_bin_edges(a, bins))
    same(np.histogram(x, 4, range=(-1, 1), weights=np.array(a * 0 + 2.0)),
         numpy.histogram(a, 4, range=(-1, 1), weights=a * 0 + 2.0))
    with pytest.raises(ValueError):
        np.bincount(np.array([-1, 2]))


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_products_match_numpy(dtype):
    a = sample((3, 4), "float64", 8).astype(dtype)
    b = sample((4, 5), "float64", 9).astype(dtype)
    c = sample((3, 4), "float64", 10).astype(dtype)
    x, y, z = np.array(a), np.array(b), np.array(c)
    same(np.inner(x, z), numpy.inner(a, c))
    same(np.outer(x[0], y[1]), numpy.outer(a[0], b[1]))
    same(np.vdot(x, z), numpy.vdot(a, c))
    same(np.tensordot(x, y, axes=1), numpy.tensordot(a, b, axes=1))
    same(np.tensordot(x, z, axes=([0, 1], [0, 1])), numpy.tensordot(a, c, axes=([0, 1], [0, 1])))
    same(np.tensordot(x, z, axes=2), numpy.tensordot(a, c, axes=2))
    for sub, ops in [("ij,jk->ik", (x, y)), ("ij->ji", (x,)), ("ij,ij->", (x, z)),
                     ("ii->i", (np.array(a[:, :3]),)), ("ij,jk", (x, y)), ("i,j->ij", (x[0], y[0]))]:
        want = numpy.einsum(sub, *[numpy.asarray(o) for o in ops])
        same(np.einsum(sub, *ops), want)


def test_linalg_matches_numpy():
    r = numpy.random.default_rng(11)
    A = r.standard_normal((6, 6)) + 6 * numpy.eye(6)
    S = A @ A.T
    B = r.standard_normal((6, 2))
    a, s, b = np.array(A), np.array(S), np.array(B)
    same(np.linalg.solve(a, b), numpy.linalg.solve(A, B), 1e-8)
    same(np.linalg.solve(a, b[:, 0]), numpy.linalg.solve(A, B[:, 0]), 1e-8)
    same(np.linalg.inv(a), numpy.linalg.inv(A), 1e-8)
    same(np.linalg.cholesky(s), numpy.linalg.cholesky(S), 1e-8)
    same(np.linalg.cholesky(s, upper=True), numpy.linalg.cholesky(S, upper=True), 1e-8)
    q, rr = np.linalg.qr(a)
    same(q @ rr, A, 1e-8)
    same(numpy.abs(numpy.asarray(rr)), numpy.abs(numpy.linalg.qr(A)[1]), 1e-8)
    same(numpy.abs(numpy.asarray(np.linalg.qr(a, mode="r"))), numpy.abs(numpy.linalg.qr(A, mode="r")), 1e-8)
    q, rr = np.linalg.qr(np.array(B), mode="complete")
    assert q.shape == (6, 6) and rr.shape == (6, 2)
    u, sv, vh = np.linalg.svd(a)
    same(sv, numpy.linalg.svd(A)[1], 1e-8)
    same((u * sv) @ vh, A, 1e-8)
    same(np.linalg.svd(np.array(B), full_matrices=False)[0].shape, (6, 2))
    same(np.linalg.svd(a, compute_uv=False), numpy.linalg.svd(A, compute_uv=False), 1e-8)
    w, v = np.linalg.eigh(s)
    same(w, numpy.linalg.eigh(S).eigenvalues, 1e-8)
    same(s @ v, v * w, 1e-6)
    same(np.linalg.eigvalsh(s, UPLO="U"), numpy.linalg.eigvalsh(S, UPLO="U"), 1e-8)
    same(np.linalg.det(a), numpy.linalg.det(A), 1e-8)
    sign, logdet = np.linalg.slogdet(a)
    want = numpy.linalg.slogdet(A)
    same(sign, want.sign)
    same(logdet, want.logabsdet, 1e-8)
    x, res, rank, sv = np.linalg.lstsq(b, a[:, 0])
    wx, wres, wrank, wsv = numpy.linalg.lstsq(B, A[:, 0])
    same(x, wx, 1e-8)
    same(res, wres, 1e-6)
    assert rank == wrank
    same(np.linalg.pinv(b), numpy.linalg.pinv(B), 1e-8)
    assert int(np.linalg.matrix_rank(b)) == numpy.linalg.matrix_rank(B)
    # hermitian=True: an indefinite symmetric matrix of rank 4, and a stack of two.
    H = A + A.T
    H4 = B @ B.T - (B[:, ::-1] * 2) @ (B[:, ::-1] * 2).T + numpy.outer(A[0], A[0])
    for M in (H, H4, numpy.stack([H, H4])):
        m = np.array(M)
        same(np.linalg.svd(m, hermitian=True, compute_uv=False),
             numpy.linalg.svd(M, hermitian=True, compute_uv=False), 1e-8)
        u, sv, vh = np.linalg.svd(m, hermitian=True)
        same(sv, numpy.linalg.svd(M, hermitian=True)[1], 1e-8)
        same(numpy.asarray(u * sv[..., None, :]) @ numpy.asarray(vh), M, 1e-8)
        same(np.linalg.pinv(m, hermitian=True), numpy.linalg.pinv(M, hermitian=True), 1e-6)
        same(np.linalg.matrix_rank(m, hermitian=True),
             numpy.linalg.matrix_rank(M, hermitian=True))
    for n in (0, 1, 3, -2):
        same(np.linalg.matrix_power(a, n), numpy.linalg.matrix_power(A, n), 1e-8)
    same(np.linalg.multi_dot([a, b, b.T]), numpy.linalg.multi_dot([A, B, B.T]), 1e-8)
    same(np.linalg.trace(a), numpy.linalg.trace(A))
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.inv(np.zeros((3, 3)))
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.cholesky(-s)
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.solve(np.ones((2, 3)), np.ones(2))


def test_generator_is_seeded_in_range_and_independent_of_cpus():
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a, b = numpy.asarray(g1.random((50, 4))), numpy.asarray(g2.random((50, 4)))
    assert (a == b).all() and a.min() >= 0 and a.max() < 1 and a.dtype == numpy.float64
    assert numpy.asarray(g1.random(10)).tolist() != a[:10, 0].tolist()  # a new stream
    i = numpy.asarray(g1.integers(3, 9, size=1000))
    assert i.min() >= 3 and i.max() <= 8 and i.dtype == numpy.int64 and len(set(i)) == 6
    assert numpy.asarray(g1.integers(3, size=50, endpoint=True)).max() <= 3
    u = numpy.asarray(g1.uniform(-2, 5, size=1000))
    assert u.min() >= -2 and u.max() < 5
    n = numpy.asarray(g1.normal(3.0, 0.5, size=20000))
    assert abs(n.mean() - 3.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    assert numpy.asarray(g1.standard_normal(5, dtype=numpy.float32)).dtype == numpy.float32
    c = numpy.asarray(g1.choice(np.array([10, 20, 30]), size=100))
    assert set(c) <= {10, 20, 30}
    assert g1.choice(4).shape == ()
    with pytest.raises(ValueError):
        g1.integers(5, 5)
    with pytest.raises(ValueError):
        g1.normal(0, -1, size=2)
    # The legacy functions with parameters.
    np.random.seed(3)
    x = numpy.asarray(np.random.uniform(1, 2, size=(3, 3)))
    np.random.seed(3)
    assert (numpy.asarray(np.random.uniform(1, 2, size=(3, 3))) == x).all()
    assert x.min() >= 1 and x.max() < 2
    r = numpy.asarray(np.random.randint(4, size=500))
    assert r.min() == 0 and r.max() == 3
    assert np.random.normal(size=(2, 5)).shape == (2, 5)
    assert np.random.standard_normal(4).shape == (4,)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.integers(-7, 7),
       st.integers(0, 2**31))
def test_reordering_and_gathers_hold_for_any_shape(shape, shift, seed):
    a = sample(tuple(shape), "int64", seed)
    x = np.array(a)
    axis = seed % len(shape)
    same(np.roll(x, shift, axis=axis), numpy.roll(a, shift, axis=axis))
    same(np.flip(x, axis), numpy.flip(a, axis))
    same(np.sort(x, axis=axis), numpy.sort(a, axis=axis))
    same(np.argsort(x, axis=axis), numpy.argsort(a, axis=axis, kind="stable"))
    idx = numpy.random.default_rng(seed).integers(0, shape[axis], size=4)
    same(np.take(x, np.array(idx), axis=axis), numpy.take(a, idx, axis=axis))
    same(np.concatenate([x, x], axis), numpy.concatenate([a, a], axis))
    same(np.cumsum(x, axis=axis), numpy.cumsum(a, axis=axis))


def test_compositions_match_numpy():
    a = numpy.arange(12.0).reshape(3, 4) - 5
    x = np.array(a)
    z = a + 1j * a[::-1]
    zx = np.array(z)
    f = numpy.array([1.0, numpy.inf, -numpy.inf, numpy.nan])
    fx = np.array(f)
    r = numpy.random.default_rng(1).random((3, 4))
    cases = [
        (np.acos(x / 10), numpy.acos(a / 10)), (np.atan2(x, 2.0), numpy.atan2(a, 2.0)),
        (np.pow(x, 2), numpy.pow(a, 2)), (np.deg2rad(x), numpy.deg2rad(a)),
        (np.permute_dims(x, (1, 0)), numpy.permute_dims(a, (1, 0))),
        (np.matrix_transpose(x), numpy.matrix_transpose(a)),
        (np.angle(zx), numpy.angle(z)), (np.angle(zx, deg=True), numpy.angle(z, deg=True)),
        (np.real(zx), numpy.real(z)), (np.imag(zx), numpy.imag(z)),
        (np.iscomplex(zx), numpy.iscomplex(z)), (np.isreal(x), numpy.isreal(a)),
        (np.isneginf(fx), numpy.isneginf(f)), (np.isposinf(fx), numpy.isposinf(f)),
        (np.nan_to_num(fx), numpy.nan_to_num(f)),
        (np.nan_to_num(fx, nan=1, posinf=2, neginf=3), numpy.nan_to_num(f, nan=1, posinf=2, neginf=3)),
        (np.sinc(x / 3), numpy.sinc(a / 3)), (np.fix(x / 3), numpy.fix(a / 3)),
        (np.diff(x), numpy.diff(a)), (np.diff(x, 2, axis=0), numpy.diff(a, 2, axis=0)),
        (np.diff(x, prepend=0, append=[[1], [2], [3]]), numpy.diff(a, prepend=0, append=[[1], [2], [3]])),
        (np.ediff1d(x, to_end=[9], to_begin=-1), numpy.ediff1d(a, to_end=[9], to_begin=-1)),
        (np.cumulative_sum(x, axis=1, include_initial=True), numpy.cumulative_sum(a, axis=1, include_initial=True)),
        (np.cumulative_prod(x[0]), numpy.cumulative_prod(a[0])),
        (np.append(x, x, 0), numpy.append(a, a, 0)), (np.append(x, [1]), numpy.append(a, [1])),
        (np.broadcast_arrays(x, x[0]), numpy.broadcast_arrays(a, a[0])),
        (np.indices((2, 3)), numpy.indices((2, 3))), (np.ix_([0, 1], [2, 3]), numpy.ix_([0, 1], [2, 3])),
        (np.tril_indices(4, 1), numpy.tril_indices(4, 1)), (np.triu_indices(3, 0, 5), numpy.triu_indices(3, 0, 5)),
        (np.tril_indices_from(x), numpy.tril_indices_from(a)), (np.diag_indices(3), numpy.diag_indices(3)),
        (np.resize(x, (5, 5)), numpy.resize(a, (5, 5))),
        (np.trapezoid(x, axis=0), numpy.trapezoid(a, axis=0)),
        (np.trapezoid(x, np.arange(4.0) ** 2), numpy.trapezoid(a, numpy.arange(4.0) ** 2)),
        (np.isin(x, [1, 3, -5]), numpy.isin(a, [1, 3, -5])),
        (np.isin(x, [1, 3], invert=True), numpy.isin(a, [1, 3], invert=True)),
        (np.union1d([3, 1], [2, 1]), numpy.union1d([3, 1], [2, 1])),
        (np.intersect1d([3, 1, 5], [5, 1, 2]), numpy.intersect1d([3, 1, 5], [5, 1, 2])),
        (np.setdiff1d([3, 1, 5], [5]), numpy.setdiff1d([3, 1, 5], [5])),
        (np.setxor1d([3, 1, 5], [5, 7]), numpy.setxor1d([3, 1, 5], [5, 7])),
        (tuple(np.unique_all(x)), tuple(numpy.unique_all(a))),
        (tuple(np.unique_counts(x)), tuple(numpy.unique_counts(a))),
        (tuple(np.unique_inverse(x)), tuple(numpy.unique_inverse(a))),
        (np.unique_values(x), numpy.unique_values(a)),
        (np.vecdot(x, x), numpy.vecdot(a, a)), (np.vecdot(zx, zx), numpy.vecdot(z, z)),
        (np.cross(x[:, :3], x[:, 1:]), numpy.cross(a[:, :3], a[:, 1:])),
        (np.cov(x), numpy.cov(a)), (np.cov(x, rowvar=False, ddof=0), numpy.cov(a, rowvar=False, ddof=0)),
        (np.cov(x[0], x[1]), numpy.cov(a[0], a[1])),
        (np.corrcoef(x + np.array(r)), numpy.corrcoef(a + r)),
        (np.digitize(x, [-2, 0, 3]), numpy.digitize(a, [-2, 0, 3])),
        (np.digitize(x, [3, 0, -2], right=True), numpy.digitize(a, [3, 0, -2], right=True)),
        (np.geomspace(1, 1000, 4), numpy.geomspace(1, 1000, 4)),
        (np.vander(np.array([1, 2, 3])), numpy.vander([1, 2, 3])),
        (np.vander(x[0], 3, increasing=True), numpy.vander(a[0], 3, increasing=True)),
        (np.kron(x, np.eye(2)), numpy.kron(a, numpy.eye(2))), (np.kron(x[0], x[1]), numpy.kron(a[0], a[1])),
        (np.select([x > 0, x < -2], [x, -x], 9), numpy.select([a > 0, a < -2], [a, -a], 9)),
        (np.unstack(x), numpy.unstack(a)),
        (np.trim_zeros(np.array([0, 0, 1, 2, 0])), numpy.trim_zeros(numpy.array([0, 0, 1, 2, 0]))),
        (np.trim_zeros(np.array([0, 1, 0]), "f"), numpy.trim_zeros(numpy.array([0, 1, 0]), "f")),
        (np.sort_complex(np.array([3, 1, 2])), numpy.sort_complex([3, 1, 2])),
        (np.fft.fftshift(x), numpy.fft.fftshift(a)), (np.fft.ifftshift(x, axes=1), numpy.fft.ifftshift(a, axes=1)),
    ]
    for k in range(-1, 4):
        cases.append((np.rot90(x, k), numpy.rot90(a, k)))
    for i, (got, want) in enumerate(cases):
        try:
            same(got, want)
        except AssertionError as e:
            raise AssertionError(f"case {i}: {e}") from None
    y, b = np.zeros((4, 5)), numpy.zeros((4, 5))
    np.fill_diagonal(y, [3, 4])
    numpy.fill_diagonal(b, [3, 4])
    same(y, b)
    y, b = np.zeros(3), numpy.zeros(3)
    np.copyto(y, np.array([1.0, 2.0, 3.0]), where=np.array([True, False, True]))
    numpy.copyto(b, [1.0, 2.0, 3.0], where=[True, False, True])
    same(y, b)
    assert np.array_equiv(x, x[0:1]) == numpy.array_equiv(a, a[0:1])
    assert np.array_equiv(x[0:1], np.array(numpy.tile(a[0:1], (2, 1))))
    assert np.may_share_memory(x, x[1:]) and not np.may_share_memory(x, x.copy())
    assert np.iscomplexobj(zx) and np.isrealobj(x) and np.isscalar(3.0)
    with pytest.raises(ValueError):
        np.select([x > 0], [x, x])
    with pytest.raises(ValueError):
        np.cross(x, x)


def test_linalg_compositions_match_numpy():
    a = numpy.random.default_rng(0).random((4, 4)) + numpy.eye(4)
    x = np.array(a)
    for p in (None, 1, -1, 2, -2, "fro", numpy.inf):
        same(np.linalg.cond(x, p), numpy.linalg.cond(a, p), 1e-8)
    same(np.linalg.vector_norm(x), numpy.linalg.vector_norm(a))
    same(np.linalg.vector_norm(x, axis=1, ord=1), numpy.linalg.vector_norm(a, axis=1, ord=1))
    b = a.reshape(2, 2, 4)
    same(np.linalg.vector_norm(np.array(b), axis=(0, 2), keepdims=True),
         numpy.linalg.vector_norm(b, axis=(0, 2), keepdims=True))
    for ord in ("fro", "nuc", 1, 2, numpy.inf):
        same(np.linalg.matrix_norm(x, ord=ord), numpy.linalg.matrix_norm(a, ord=ord), 1e-8)
    same(np.linalg.diagonal(x, offset=1), numpy.linalg.diagonal(a, offset=1))
    same(np.linalg.cross(x[:, :3], x[:, 1:]), numpy.linalg.cross(a[:, :3], a[:, 1:]))
    same(np.linalg.vecdot(x, x), numpy.linalg.vecdot(a, a))
    same(np.linalg.matrix_transpose(x), numpy.linalg.matrix_transpose(a))
    same(np.linalg.outer(x[0], x[1]), numpy.linalg.outer(a[0], a[1]))
    same(np.linalg.tensordot(x, x, axes=1), numpy.linalg.tensordot(a, a, axes=1))


def test_flags_read_as_numpy_s():
    x = np.ones((3, 4))
    f = x.flags
    assert f.c_contiguous and f["C_CONTIGUOUS"] and f["C"] and f.writeable and f.aligned
    assert not f.f_contiguous and not f["WRITEBACKIFCOPY"]
    assert np.ones(5).flags.f_contiguous and np.ones((1, 5)).flags["F"]
    assert "C_CONTIGUOUS : True" in repr(f)
    with pytest.raises(KeyError):
        f["NOPE"]
    with pytest.raises(AttributeError):
        f.nope


def test_partition_and_lexsort_errors_match_numpy():
    x = np.array([3.0, 1.0, 2.0])
    for bad in (lambda m: m.partition(m.asarray([3.0, 1.0, 2.0]), []),
                lambda m: m.lexsort([]),
                lambda m: m.lexsort(m.asarray(3.0))):
        with pytest.raises(TypeError):
            bad(numpy)
        with pytest.raises(TypeError):
            bad(np)
    with pytest.raises(IndexError):
        np.partition(x, 3)
    with pytest.raises(numpy.exceptions.AxisError):
        np.lexsort([x], axis=1)
    assert int(np.lexsort(np.array([3, 1]))) == numpy.lexsort(numpy.array([3, 1])) == 0


def test_index_and_signal_compositions_match_numpy():
    a = numpy.arange(24.0).reshape(4, 6) - 7
    x = np.array(a)
    t = numpy.linspace(-2.0, 9.0, 23)
    xp_, fp_ = numpy.array([0.0, 1.0, 2.5, 4.0, 8.0]), numpy.array([3.0, -1.0, 2.0, 0.5, 4.0])
    s = numpy.array([1.0, -2.0, 0.5, 3.0, 4.0, -1.0, 2.0])
    k = numpy.array([0.25, 1.0, -0.5])
    z = s + 1j * s[::-1]
    cases = [
        (np.delete(x, 1, 0), numpy.delete(a, 1, 0)),
        (np.delete(x, [0, -1, 2], axis=1), numpy.delete(a, [0, -1, 2], axis=1)),
        (np.delete(x, slice(1, None, 2)), numpy.delete(a, slice(1, None, 2))),
        (np.delete(x, numpy.array([True, False, True, False]), 0),
         numpy.delete(a, numpy.array([True, False, True, False]), 0)),
        (np.insert(x, 2, 99, axis=1), numpy.insert(a, 2, 99, axis=1)),
        (np.insert(x, 1, [5, 6, 7, 8, 9, 10], axis=0), numpy.insert(a, 1, [5, 6, 7, 8, 9, 10], axis=0)),
        (np.insert(x, [1, 1, 4], [-1, -2, -3], axis=1), numpy.insert(a, [1, 1, 4], [-1, -2, -3], axis=1)),
        (np.insert(x, [0, 6], 0.5), numpy.insert(a, [0, 6], 0.5)),
        (np.insert(x, slice(0, 4, 2), 7, axis=0), numpy.insert(a, slice(0, 4, 2), 7, axis=0)),
        (np.insert(x[0], -1, [1, 2]), numpy.insert(a[0], -1, [1, 2])),
        (np.interp(np.array(t), xp_, fp_), numpy.interp(t, xp_, fp_)),
        (np.interp(np.array(t), xp_, fp_, left=-9, right=9), numpy.interp(t, xp_, fp_, left=-9, right=9)),
        (np.interp(np.array(t), xp_, fp_ + 1j), numpy.interp(t, xp_, fp_ + 1j)),
        (np.interp(np.array(t), [3.0, 1.0, 5.0], [1.0, 2.0, 0.0], period=6),
         numpy.interp(t, [3.0, 1.0, 5.0], [1.0, 2.0, 0.0], period=6)),
        (np.interp(2.0, [1.0], [5.0]), numpy.interp(2.0, [1.0], [5.0])),
        (np.unravel_index(np.array([0, 7, 23]), (4, 6)), numpy.unravel_index([0, 7, 23], (4, 6))),
        (np.unravel_index(np.array([5, 11]), (3, 4), order="F"),
         numpy.unravel_index([5, 11], (3, 4), order="F")),
        (np.ravel_multi_index((np.array([0, 3]), np.array([2, 5])), (4, 6)),
         numpy.ravel_multi_index(([0, 3], [2, 5]), (4, 6))),
        (np.ravel_multi_index((np.array([5, -1]), np.array([2, 7])), (4, 6), mode=("wrap", "clip")),
         numpy.ravel_multi_index(([5, -1], [2, 7]), (4, 6), mode=("wrap", "clip"))),
        (np.ravel_multi_index((np.array([1, 3]), np.array([2, 5])), (4, 6), order="F"),
         numpy.ravel_multi_index(([1, 3], [2, 5]), (4, 6), order="F")),
        (np.choose(np.array([[0, 1, 2], [2, 1, 0]]), [np.array([1, 2, 3]), 10, np.array([[7], [8]])]),
         numpy.choose(numpy.array([[0, 1, 2], [2, 1, 0]]), [numpy.array([1, 2, 3]), 10, numpy.array([[7], [8]])])),
        (np.choose(np.array([3, -1, 1]), [np.array([1, 2, 3]), np.array([4, 5, 6])], mode="wrap"),
         numpy.choose([3, -1, 1], [[1, 2, 3], [4, 5, 6]], mode="wrap")),
        (np.choose(np.array([3, -1, 1]), [np.array([1, 2, 3]), np.array([4, 5, 6])], mode="clip"),
         numpy.choose([3, -1, 1], [[1, 2, 3], [4, 5, 6]], mode="clip")),
        (np.block([[x[:2, :2], x[:2, 2:]], [x[2:, :3], x[2:, 3:]]]),
         numpy.block([[a[:2, :2], a[:2, 2:]], [a[2:, :3], a[2:, 3:]]])),
        (np.block([x[0], 1.0, x[1]]), numpy.block([a[0], 1.0, a[1]])),
        (np.block([[1, 2], [3, 4]]), numpy.block([[1, 2], [3, 4]])),
        (np.polyval([3.0, 0.0, -1.0], x), numpy.polyval([3.0, 0.0, -1.0], a)),
        (np.polyadd([1.0, 2.0], [3.0, 0.0, 1.0]), numpy.polyadd([1.0, 2.0], [3.0, 0.0, 1.0])),
        (np.polysub([1.0, 2.0, 3.0], [3.0, 1.0]), numpy.polysub([1.0, 2.0, 3.0], [3.0, 1.0])),
        (np.polymul([1.0, 2.0, 3.0], [3.0, 1.0]), numpy.polymul([1.0, 2.0, 3.0], [3.0, 1.0])),
        (np.polyder([1.0, 2.0, 3.0, 4.0], 2), numpy.polyder([1.0, 2.0, 3.0, 4.0], 2)),
        (np.polyint([3.0, 2.0, 1.0], 2, k=[1.0, 2.0]), numpy.polyint([3.0, 2.0, 1.0], 2, k=[1.0, 2.0])),
        (np.matvec(x[:, :4], x[0, :4]), numpy.matvec(a[:, :4], a[0, :4])),
        (np.vecmat(np.array(z[:4]), x), numpy.vecmat(z[:4], a)),
        (np.matvec(np.ones((2, 3, 4)), x[:2, :4].reshape(2, 1, 4)),
         numpy.matvec(numpy.ones((2, 3, 4)), a[:2, :4].reshape(2, 1, 4))),
        (np.rollaxis(np.ones((2, 3, 4)), 2), numpy.rollaxis(numpy.ones((2, 3, 4)), 2)),
        (np.rollaxis(np.ones((2, 3, 4)), 0, 3), numpy.rollaxis(numpy.ones((2, 3, 4)), 0, 3)),
        (np.rollaxis(np.ones((2, 3, 4)), -1, 1), numpy.rollaxis(numpy.ones((2, 3, 4)), -1, 1)),
        (np.asarray_chkfinite([1.0, 2.0]), numpy.asarray_chkfinite([1.0, 2.0])),
        (np.real_if_close(np.array([1.0 + 1e-15j, 2.0])), numpy.real_if_close([1.0 + 1e-15j, 2.0])),
        (np.real_if_close(np.array([1.0 + 1e-3j])), numpy.real_if_close([1.0 + 1e-3j])),
        (np.bitwise_count(np.array([0, 1, 255, -7, 2**40 + 3])), numpy.bitwise_count(numpy.array([0, 1, 255, -7, 2**40 + 3]))),
        (np.bitwise_count(np.array([7, 8], dtype="uint16")), numpy.bitwise_count(numpy.array([7, 8], dtype="uint16"))),
    ]
    for mode in ("full", "same", "valid"):
        cases.append((np.convolve(np.array(s), np.array(k), mode), numpy.convolve(s, k, mode)))
        cases.append((np.convolve(k, s, mode), numpy.convolve(k, s, mode)))
        cases.append((np.correlate(np.array(s), k, mode), numpy.correlate(s, k, mode)))
        cases.append((np.correlate(k, np.array(s), mode), numpy.correlate(k, s, mode)))
        cases.append((np.correlate(np.array(z), k + 1j, mode), numpy.correlate(z, k + 1j, mode)))
    for m in (0, 1, 2, 7, 8):
        for name in ("bartlett", "blackman", "hamming", "hanning"):
            cases.append((getattr(np, name)(m), getattr(numpy, name)(m)))
    for i, (got, want) in enumerate(cases):
        try:
            same(got, want)
        except AssertionError as e:
            raise AssertionError(f"case {i}: {e}") from None
    y, b = np.array(a), a.copy()
    np.putmask(y, y > 3, np.array([-1.0, -2.0, -3.0]))
    numpy.putmask(b, b > 3, [-1.0, -2.0, -3.0])
    same(y, b)
    y, b = np.array(a), a.copy()
    np.place(y, y < 0, [10.0, 20.0])
    numpy.place(b, b < 0, [10.0, 20.0])
    same(y, b)
    # Every array reports itself C-contiguous (``flags``): a transposed view too.
    assert not np.isfortran(x) and not np.isfortran(x.T) and not numpy.isfortran(a)
    for f, args, err in [
        (np.delete, (x, 9, 0), IndexError), (np.insert, (x, 7, 1, 1), IndexError),
        (np.interp, (x, [], []), ValueError), (np.convolve, ([], [1.0]), ValueError),
        (np.unravel_index, (np.array([24]), (4, 6)), ValueError),
        (np.ravel_multi_index, ((np.array([4]), np.array([0])), (4, 6)), ValueError),
        (np.choose, (np.array([2]), [x[0], x[1]]), ValueError),
        (np.block, ([[x], x],), ValueError), (np.block, ((x, x),), TypeError),
        (np.asarray_chkfinite, ([1.0, numpy.nan],), ValueError),
        (np.place, (np.array(a), np.array(a) > 0, []), ValueError),
        (np.rollaxis, (x, 0, 5), numpy.exceptions.AxisError),
        (np.bitwise_count, (x,), TypeError),
    ]:
        with pytest.raises(err):
            f(*args)


def test_numerical_and_functional_compositions_match_numpy():
    a = (numpy.arange(30.0).reshape(5, 6) ** 1.5) % 7
    x = np.array(a)
    c = numpy.array([0.0, 0.5, 1.5, 3.0, 3.5])
    ph = numpy.cumsum(numpy.linspace(0.0, 2.5, 40))
    cases = [
        (np.gradient(x), numpy.gradient(a)),
        (np.gradient(x, 2.0), numpy.gradient(a, 2.0)),
        (np.gradient(x, c, 0.5), numpy.gradient(a, c, 0.5)),
        (np.gradient(x, axis=1, edge_order=2), numpy.gradient(a, axis=1, edge_order=2)),
        (np.gradient(x, c, axis=0, edge_order=2), numpy.gradient(a, c, axis=0, edge_order=2)),
        (np.gradient(np.arange(6) ** 2), numpy.gradient(numpy.arange(6) ** 2)),
        (np.unwrap(np.array(ph)), numpy.unwrap(ph)),
        (np.unwrap(np.array(ph), discont=4.0), numpy.unwrap(ph, discont=4.0)),
        (np.unwrap(np.array([0, 3, 7, 1, 9]), period=8), numpy.unwrap([0, 3, 7, 1, 9], period=8)),
        (np.unwrap(x, axis=0, period=3.0), numpy.unwrap(a, axis=0, period=3.0)),
        (np.fromfunction(lambda i, j: i * 10 + j, (3, 4)),
         numpy.fromfunction(lambda i, j: i * 10 + j, (3, 4))),
        (np.fromfunction(lambda i: i % 3, (5,), dtype=int), numpy.fromfunction(lambda i: i % 3, (5,), dtype=int)),
        (np.piecewise(x, [x < 2, x > 5], [lambda v: -v, lambda v: v * 10, 0.5]),
         numpy.piecewise(a, [a < 2, a > 5], [lambda v: -v, lambda v: v * 10, 0.5])),
        (np.piecewise(x, [x > 3], [1.0, lambda v: v ** 2]), numpy.piecewise(a, [a > 3], [1.0, lambda v: v ** 2])),
        (np.piecewise(x[0], x[0] > 3, [lambda v: -v]), numpy.piecewise(a[0], a[0] > 3, [lambda v: -v])),
        (np.apply_along_axis(lambda v: v.sum(), 0, x), numpy.apply_along_axis(lambda v: v.sum(), 0, a)),
        (np.apply_along_axis(lambda v: v[::-1] * 2, 1, x), numpy.apply_along_axis(lambda v: v[::-1] * 2, 1, a)),
        (np.apply_along_axis(lambda v: np.outer(v, v), 0, x[:, :2]),
         numpy.apply_along_axis(lambda v: numpy.outer(v, v), 0, a[:, :2])),
        (np.apply_over_axes(np.sum, x, [0, 1]), numpy.apply_over_axes(numpy.sum, a, [0, 1])),
        (np.apply_over_axes(np.sum, np.ones((2, 3, 4)), 1), numpy.apply_over_axes(numpy.sum, numpy.ones((2, 3, 4)), 1)),
        (np.i0(np.array([0.0, 0.5, -3.0, 8.0, 8.5, 30.0])), numpy.i0([0.0, 0.5, -3.0, 8.0, 8.5, 30.0])),
        (np.i0(np.array([1, 2])), numpy.i0([1, 2])),
        (np.fft.rfft2(x), numpy.fft.rfft2(a)), (np.fft.irfft2(np.fft.rfft2(x), a.shape), numpy.fft.irfft2(numpy.fft.rfft2(a), a.shape)),
        (np.fft.hfft(np.array(a[0] + 1j * a[1])), numpy.fft.hfft(a[0] + 1j * a[1])),
        (np.fft.hfft(np.array(a[0] + 1j * a[1]), 7, norm="ortho"), numpy.fft.hfft(a[0] + 1j * a[1], 7, norm="ortho")),
        (np.fft.ihfft(x[0]), numpy.fft.ihfft(a[0])), (np.fft.ihfft(x[0], norm="forward"), numpy.fft.ihfft(a[0], norm="forward")),
    ]
    for m in (0, 1, 2, 9):
        for beta in (0.0, 5.0, 14.0):
            cases.append((np.kaiser(m, beta), numpy.kaiser(m, beta)))
    t = numpy.random.default_rng(3).random((2, 3, 6)) + numpy.eye(6).reshape(2, 3, 6)
    b = numpy.arange(6.0).reshape(2, 3)
    cases += [
        (np.linalg.tensorsolve(np.array(t), np.array(b)), numpy.linalg.tensorsolve(t, b)),
        (np.linalg.tensorinv(np.array(t.reshape(6, 2, 3)), 1), numpy.linalg.tensorinv(t.reshape(6, 2, 3), 1)),
    ]
    for i, (got, want) in enumerate(cases):
        try:
            same(got, want, rtol=1e-9)
        except AssertionError as e:
            raise AssertionError(f"case {i}: {e}") from None
    for f, args, err in [
        (np.gradient, (x[:1],), ValueError), (np.gradient, (x, 1.0, 2.0, 3.0), TypeError),
        (np.piecewise, (x, [x > 1], [1, 2, 3]), ValueError),
        (np.apply_along_axis, (numpy.sum, 0, np.ones((2, 0))), ValueError),
        (np.linalg.tensorsolve, (np.ones((2, 3)), np.ones(2)), numpy.linalg.LinAlgError),
        (np.linalg.tensorinv, (np.ones((2, 2)), 0), ValueError),
        (np.fft.hfft, (x[0], None, -1, "bad"), ValueError),
    ]:
        with pytest.raises(err):
            f(*args)


def test_histograms_polynomials_and_bits_match_numpy():
    r = numpy.random.default_rng(5)
    pts = r.standard_normal((200, 3))
    p = np.array(pts)
    w = r.random(200)
    xs = numpy.linspace(-1.0, 2.0, 15)
    ys = 3 * xs ** 2 - xs + 0.25 + numpy.sin(7 * xs) * 0.01
    bits = r.integers(0, 2, size=(3, 13)).astype(bool)
    bytes_ = r.integers(0, 256, size=(2, 3)).astype("uint8")
    cases = [
        (np.histogramdd(p), numpy.histogramdd(pts)),
        (np.histogramdd(p, bins=(3, 4, 5), range=[(-2, 2), (-1, 1), (-3, 0)]),
         numpy.histogramdd(pts, bins=(3, 4, 5), range=[(-2, 2), (-1, 1), (-3, 0)])),
        (np.histogramdd(p, bins=[[-1.0, 0.0, 2.0], 4, [0.0, 0.5, 1.0, 3.0]], weights=w),
         numpy.histogramdd(pts, bins=[[-1.0, 0.0, 2.0], 4, [0.0, 0.5, 1.0, 3.0]], weights=w)),
        (np.histogramdd(p[:, :2], bins=6, density=True), numpy.histogramdd(pts[:, :2], bins=6, density=True)),
        (np.histogram2d(p[:, 0], p[:, 1], bins=5), numpy.histogram2d(pts[:, 0], pts[:, 1], bins=5)),
        (np.histogram2d(p[:, 0], p[:, 1], bins=[3, 7], weights=w, density=True),
         numpy.histogram2d(pts[:, 0], pts[:, 1], bins=[3, 7], weights=w, density=True)),
        (np.histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.5, 1.0]), bins=[0.0, 0.5, 1.0]),
         numpy.histogram2d([0.0, 1.0, 1.0], [0.0, 0.5, 1.0], bins=[0.0, 0.5, 1.0])),
        (np.polyfit(np.array(xs), np.array(ys), 2), numpy.polyfit(xs, ys, 2)),
        (np.polyfit(xs, numpy.stack([ys, 2 * ys], 1), 3, w=numpy.linspace(1, 2, 15)),
         numpy.polyfit(xs, numpy.stack([ys, 2 * ys], 1), 3, w=numpy.linspace(1, 2, 15))),
        (np.polyfit(xs, ys, 1, full=True)[:2], numpy.polyfit(xs, ys, 1, full=True)[:2]),
        (np.polydiv([1.0, -3.0, 2.0, 5.0], [1.0, -1.0]), numpy.polydiv([1.0, -3.0, 2.0, 5.0], [1.0, -1.0])),
        (np.polydiv([2.0, 4.0], [1.0, 0.0, 1.0]), numpy.polydiv([2.0, 4.0], [1.0, 0.0, 1.0])),
        (np.poly([1.0, 2.0, -3.0]), numpy.poly([1.0, 2.0, -3.0])),
        (np.poly([1 + 1j, 1 - 1j]), numpy.poly([1 + 1j, 1 - 1j])),
        (np.poly([1j, 2.0]), numpy.poly([1j, 2.0])),
        (np.packbits(np.array(bits)), numpy.packbits(bits)),
        (np.packbits(np.array(bits), axis=1), numpy.packbits(bits, axis=1)),
        (np.packbits(np.array(bits.astype(int) * 3), axis=0, bitorder="little"),
         numpy.packbits(bits.astype(int) * 3, axis=0, bitorder="little")),
        (np.unpackbits(np.array(bytes_)), numpy.unpackbits(bytes_)),
        (np.unpackbits(np.array(bytes_), axis=1, bitorder="little"), numpy.unpackbits(bytes_, axis=1, bitorder="little")),
        (np.unpackbits(np.array(bytes_), axis=0, count=-3), numpy.unpackbits(bytes_, axis=0, count=-3)),
        (np.unpackbits(np.array(bytes_), count=60), numpy.unpackbits(bytes_, count=60)),
        (np.mask_indices(4, np.triu, 1), numpy.mask_indices(4, numpy.triu, 1)),
    ]
    for i, (got, want) in enumerate(cases):
        try:
            same(got, want, rtol=1e-8)
        except AssertionError as e:
            raise AssertionError(f"case {i}: {e}") from None
    assert np.poly([]) == numpy.poly([])
    assert int(np.polyfit(xs, ys, 1, full=True)[2]) == int(numpy.polyfit(xs, ys, 1, full=True)[2])
    for f, args, err in [
        (np.histogramdd, (p, [3, 4]), ValueError), (np.histogramdd, (p, 0), ValueError),
        (np.histogramdd, (p, [[1.0, 0.0], 2, 2]), ValueError),
        (np.polyfit, (xs, ys, -1), ValueError), (np.polyfit, (xs, ys[:3], 1), TypeError),
        (np.packbits, (np.array([1.5]),), TypeError), (np.unpackbits, (np.array([1, 2]),), TypeError),
    ]:
        with pytest.raises(err):
            f(*args)
    with pytest.warns(numpy.exceptions.RankWarning):
        np.polyfit(numpy.ones(4), numpy.arange(4.0), 2)


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int64"])
def test_eig_and_eigvals_give_numpys_eigenpairs(dtype):
    rng = numpy.random.default_rng(3)
    a = rng.standard_normal((3, 6, 6))
    if dtype == "complex128":
        a = a + 1j * rng.standard_normal((3, 6, 6))
    a = (a * 4).astype(dtype)
    w, v = np.linalg.eig(np.array(a))
    nw, nv = numpy.linalg.eig(a)
    assert numpy.asarray(w).dtype == nw.dtype and numpy.asarray(v).dtype == nv.dtype
    tol = 1e-4 if dtype == "float32" else 1e-9
    w, v = numpy.asarray(w), numpy.asarray(v)
    # Each pair is one of NumPy's (the order and the phase of the vectors may differ).
    numpy.testing.assert_allclose(a @ v, v * w[..., None, :], atol=tol * 50)
    numpy.testing.assert_allclose(numpy.linalg.norm(v, axis=-2), 1.0, rtol=tol)
    numpy.testing.assert_allclose(numpy.sort_complex(w.reshape(-1)),
                                  numpy.sort_complex(nw.reshape(-1)), rtol=tol, atol=tol)
    ours = numpy.asarray(np.linalg.eigvals(np.array(a)))
    assert ours.dtype == numpy.linalg.eigvals(a).dtype
    numpy.testing.assert_allclose(numpy.sort_complex(ours.reshape(-1)),
                                  numpy.sort_complex(nw.reshape(-1)), rtol=tol, atol=tol)


def test_eig_of_matrices_with_real_eigenvalues_is_real_and_refuses_bad_input():
    s = numpy.array([[2.0, 1.0], [1.0, 3.0]])
    w, v = np.linalg.eig(np.array(s))
    nw, _ = numpy.linalg.eig(s)
    assert numpy.asarray(w).dtype == numpy.float64 == numpy.asarray(v).dtype
    same(numpy.sort(numpy.asarray(w)), numpy.sort(nw))
    rot = numpy.array([[0.0, -1.0], [1.0, 0.0]])
    same(numpy.sort_complex(numpy.asarray(np.linalg.eigvals(rot))),
         numpy.sort_complex(numpy.linalg.eigvals(rot)))
    for bad in (numpy.ones(3), numpy.ones((2, 3)), numpy.array([[1.0, numpy.nan], [0, 1]])):
        with pytest.raises(numpy.linalg.LinAlgError):
            numpy.linalg.eig(bad)
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.eig(np.array(bad))


def test_roots_and_poly_of_matrices_use_the_eigenvalues():
    for p in ([1.0, -6.0, 11.0, -6.0], [0.0, 2.0, 0.0, -8.0, 0.0, 0.0], [1, 0, 1],
              [0.0, 0.0], [3.0], [1 + 1j, -2, 1 - 1j]):
        got = numpy.asarray(np.roots(np.array(p) if len(p) > 1 else p))
        want = numpy.roots(p)
        assert got.dtype == want.dtype and got.shape == want.shape, p
        numpy.testing.assert_allclose(numpy.sort_complex(got), numpy.sort_complex(want),
                                      atol=1e-10)
    m = numpy.array([[1.0, 2.0], [3.0, 4.0]])
    same(np.poly(np.array(m)), numpy.poly(m))
    with pytest.raises(ValueError):
        np.roots(numpy.ones((2, 2)))
