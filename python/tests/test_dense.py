"""``legate.dense`` against NumPy on the same inputs: creation, operators and ufuncs
with broadcasting, reductions, views and indexing, conversions, protocols, errors and
the fallback. Run with ``LEGATE_CONFIG="--cpus 1"`` and ``"--cpus 2"`` (``make test``)."""

import warnings

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import legate.dense as np
import legate.numpy as lnp

DTYPES = ["float64", "float32", "int64", "int32", "complex128", "bool"]
SHAPES = [(7,), (3, 4), (2, 3, 5), (1, 6)]


def sample(shape, dtype, seed=0):
    rng = numpy.random.default_rng(seed)
    v = rng.uniform(-5, 5, size=shape)
    if dtype == "bool":
        return v > 0
    if dtype.startswith("complex"):
        return (v + 1j * rng.uniform(-5, 5, size=shape)).astype(dtype)
    if dtype.startswith("int"):
        return numpy.round(v).astype(dtype)
    return v.astype(dtype)


def check(ours, ref, rtol=1e-6):
    assert isinstance(ours, np.ndarray), type(ours)
    got = numpy.asarray(ours)
    assert got.shape == numpy.shape(ref)
    assert got.dtype == numpy.asarray(ref).dtype, (got.dtype, numpy.asarray(ref).dtype)
    numpy.testing.assert_allclose(got, ref, rtol=rtol, atol=1e-12)


def test_legate_numpy_is_legate_dense():
    assert lnp is np
    assert lnp.linalg is np.linalg


def test_creation_matches_numpy():
    check(np.zeros((2, 3)), numpy.zeros((2, 3)))
    check(np.ones(4, dtype=np.int32), numpy.ones(4, dtype=numpy.int32))
    check(np.full((2, 2), 7.5), numpy.full((2, 2), 7.5))
    check(np.full(3, 2), numpy.full(3, 2))
    check(np.arange(10), numpy.arange(10))
    check(np.arange(1.0, 4.0, 0.5), numpy.arange(1.0, 4.0, 0.5))
    check(np.linspace(0, 1, 11), numpy.linspace(0, 1, 11))
    check(np.eye(3, 4, 1), numpy.eye(3, 4, 1))
    check(np.identity(3), numpy.identity(3))
    check(np.array([[1, 2], [3, 4]]), numpy.array([[1, 2], [3, 4]]))
    check(np.asarray(numpy.arange(6.0).reshape(2, 3).T), numpy.arange(6.0).reshape(2, 3).T)
    a = np.arange(6.0)
    check(np.zeros_like(a), numpy.zeros(6))
    check(np.ones_like(a, dtype=np.int64), numpy.ones(6, dtype=numpy.int64))
    check(np.full_like(a, 3.0), numpy.full(6, 3.0))
    assert np.empty((3, 2)).shape == (3, 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_binary_operators_broadcast_as_numpy(dtype, shape):
    a, b = sample(shape, dtype, 1), sample(shape[-1:], dtype, 2)
    la, lb = np.array(a), np.array(b)
    ops = ["__add__", "__sub__", "__mul__", "__eq__", "__lt__", "__ge__"]
    if dtype == "bool":
        ops = ["__add__", "__mul__", "__eq__", "__and__", "__or__", "__xor__"]
    elif dtype.startswith("int"):
        ops += ["__and__", "__or__", "__floordiv__", "__mod__"]
    elif not dtype.startswith("complex"):
        ops += ["__truediv__", "__floordiv__", "__mod__", "__pow__"]
    for op in ops:
        if op in ("__floordiv__", "__mod__", "__truediv__") and not dtype.startswith("float"):
            b = numpy.where(b == 0, 1, b).astype(dtype)
            lb = np.array(b)
        if op == "__pow__":
            a2 = numpy.abs(a) + 0.5
            check(getattr(np.array(a2), op)(lb), getattr(a2, op)(b))
            continue
        check(getattr(la, op)(lb), getattr(a, op)(b))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32"])
def test_scalars_are_weak_as_in_numpy_2(dtype):
    a = sample((3, 4), dtype)
    la = np.array(a)
    for s in [2, 2.5, True]:
        check(la + s, a + s)
        check(s * la, s * a)
        check(la - s, a - s)
        check(s - la, s - a)
    check(la > 1, a > 1)


def test_in_place_operators_write_through_views():
    a = numpy.arange(12.0).reshape(3, 4)
    la = np.array(a)
    v, lv = a[1:, ::2], la[1:, ::2]
    v += 10
    lv += 10
    v *= numpy.array([2.0, 3.0])
    lv *= np.array([2.0, 3.0])
    check(la, a)
    li = np.arange(5)
    li //= 2
    check(li, numpy.arange(5) // 2)
    out = np.zeros(5)
    np.add(np.arange(5.0), 1, out=out)
    check(out, numpy.arange(5.0) + 1)


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "sin", "cos", "tanh", "floor",
                                  "absolute", "negative", "square", "isfinite", "sign",
                                  "arctan", "log1p", "expm1", "cbrt", "reciprocal", "rint"])
def test_unary_ufuncs_match_numpy(name):
    a = numpy.abs(sample((4, 5), "float64")) + 0.1
    check(getattr(np, name)(np.array(a)), getattr(numpy, name)(a), rtol=1e-12)
    check(getattr(np, name)(a.astype("float32")), getattr(numpy, name)(a.astype("float32")),
          rtol=1e-5)


@pytest.mark.parametrize("name", ["maximum", "minimum", "arctan2", "hypot", "fmod",
                                  "copysign", "logaddexp", "power"])
def test_binary_ufuncs_match_numpy(name):
    a, b = numpy.abs(sample((3, 4), "float64", 3)) + 0.5, sample((4,), "float64", 4)
    check(getattr(np, name)(a, b), getattr(numpy, name)(a, b), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "bool", "complex128"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape", [(4, 6), (7, 300)])
def test_reductions_match_numpy(dtype, axis, keepdims, shape):
    # (7, 300) along either axis takes the fused reduction (long runs), (4, 6) the task.
    a = sample(shape, dtype, 5)
    la = np.array(a)
    names = ["sum", "prod", "mean"]
    if dtype != "complex128":
        names += ["max", "min"]
    if dtype == "bool":
        names = ["sum", "all", "any", "max", "min"]
    for name in names:
        got = getattr(la, name)(axis=axis, keepdims=keepdims)
        want = getattr(a, name)(axis=axis, keepdims=keepdims)
        numpy.testing.assert_allclose(numpy.asarray(got), want, rtol=1e-10)
        assert numpy.asarray(got).dtype == numpy.asarray(want).dtype, name
    if dtype == "float64":
        for ddof in (0, 1):
            numpy.testing.assert_allclose(numpy.asarray(la.var(axis=axis, ddof=ddof)),
                                          a.var(axis=axis, ddof=ddof), rtol=1e-10)
            numpy.testing.assert_allclose(numpy.asarray(np.std(la, axis=axis, ddof=ddof)),
                                          numpy.std(a, axis=axis, ddof=ddof), rtol=1e-10)
        if axis is not None:
            check(la.argmax(axis=axis), a.argmax(axis=axis))
            check(np.argmin(la, axis=axis), numpy.argmin(a, axis=axis))
            check(np.cumsum(la, axis=axis), numpy.cumsum(a, axis=axis), rtol=1e-12)


def test_reductions_of_unheld_expressions_fold_their_values():
    a = sample((9, 400), "float64", 6)
    la = np.array(a)
    for axis in (None, 0, 1):
        check((la * 2.0 + 1.0).sum(axis=axis), (a * 2.0 + 1.0).sum(axis=axis), rtol=1e-12)
        check(np.max(la - la[::-1], axis=axis), numpy.max(a - a[::-1], axis=axis))
        check(np.mean(np.abs(la.T), axis=axis), numpy.mean(numpy.abs(a.T), axis=axis),
              rtol=1e-12)
    # Values computed from no array at all, the array dropped before the result is read.
    assert float(np.ones(5).sum()) == 5.0
    check(np.full((3, 400), 2.0).sum(axis=1), numpy.full((3, 400), 2.0).sum(axis=1))
    check(np.zeros((400, 2), dtype="int32").sum(axis=0), numpy.zeros((2,), dtype="int64"))


def test_reductions_of_unheld_expressions_over_short_rows_and_skipping_nans():
    # k-means' distances: the (n, k, 2) differences are folded, never written.
    p, c = sample((3001, 2), "float64", 7), sample((5, 2), "float64", 8)
    lp, lc = np.array(p), np.array(c)
    check(((lp[:, None, :] - lc[None, :, :]) ** 2).sum(axis=2),
          ((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), rtol=1e-12)
    check(np.argmin(((lp[:, None, :] - lc[None, :, :]) ** 2).sum(axis=2), axis=1),
          numpy.argmin(((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), axis=1))
    m = sample((700, 3), "float64", 9)
    lm = np.array(m)
    for axis in (0, 1, -1):
        check((lm * lm).sum(axis=axis), (m * m).sum(axis=axis), rtol=1e-12)
        check((lm - 1.0).max(axis=axis, keepdims=True), (m - 1.0).max(axis=axis, keepdims=True))
    # The NaN-skipping reductions of an expression, an all-NaN row among them.
    m[5] = numpy.nan
    m[::7, 1] = numpy.nan
    lm = np.array(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for axis in (None, 0, 1):
            for f in ("nansum", "nanmax", "nanmin", "nanmean", "nanprod"):
                check(getattr(np, f)(lm * 0.5, axis=axis), getattr(numpy, f)(m * 0.5, axis=axis),
                      rtol=1e-12)
            check(np.nanvar(lm * 0.5, axis=axis, ddof=1),
                  numpy.nanvar(m * 0.5, axis=axis, ddof=1), rtol=1e-10)


def test_powers_follow_numpy_types_and_refuse_negative_integer_exponents():
    b, i = numpy.array([True, False]), numpy.array([1, 2, 3], dtype="int16")
    lb, li = np.array(b), np.array(i)
    check(lb ** 2, b ** 2)  # `**` squares: int8
    check(np.power(lb, 2), numpy.power(b, 2))  # the ufunc: int64
    check(li ** 3, i ** 3)
    check(li ** -1.0, i ** -1.0, rtol=1e-12)
    for f in (lambda m, x: x ** -1, lambda m, x: m.power(x, m.array([1, -2, 0])),
              lambda m, x: 2 ** m.array([1, -1])):
        with pytest.raises(ValueError, match="negative integer powers"):
            f(numpy, i)
        with pytest.raises(ValueError, match="negative integer powers"):
            f(np, li)
    check(li, i)


def test_views_alias_and_reshape_transpose():
    a = numpy.arange(24.0).reshape(4, 6)
    la = np.array(a)
    check(la.T, a.T)
    check(la.transpose(1, 0)[::2], a.transpose(1, 0)[::2])
    check(la.reshape(6, 4), a.reshape(6, 4))
    check(la.reshape((2, -1)), a.reshape((2, -1)))
    check(la.ravel(), a.ravel())
    row = la[2]
    row[...] = -1
    a[2] = -1
    check(la, a)
    check(la[::-1, 1:5:2], a[::-1, 1:5:2])
    check(la[None, 1, ..., 2], a[None, 1, ..., 2])
    check(np.broadcast_to(np.arange(3.0), (2, 3)), numpy.broadcast_to(numpy.arange(3.0), (2, 3)))


def test_advanced_indexing_gets_and_sets():
    a = numpy.arange(20.0).reshape(4, 5)
    la = np.array(a)
    check(la[[2, 0, -1]], a[[2, 0, -1]])
    check(la[np.array([1, 3]), 1:3], a[numpy.array([1, 3]), 1:3])
    check(la[la > 7.5], a[a > 7.5])
    la[la > 15] = 0
    a[a > 15] = 0
    check(la, a)
    la[[0, 1], [1, 2]] = np.array([100.0, 200.0])
    a[[0, 1], [1, 2]] = [100.0, 200.0]
    check(la, a)
    la[1:3, 0] = 5
    a[1:3, 0] = 5
    check(la, a)


def test_conversions_and_python_protocols():
    a = numpy.arange(6.0).reshape(2, 3)
    la = np.array(a)
    assert repr(la) == repr(a) and str(la) == str(a)
    assert len(la) == 2 and [numpy.asarray(r).tolist() for r in la] == a.tolist()
    assert la.tolist() == a.tolist()
    assert float(la[1, 2]) == 5.0 and int(la[1, 1]) == 4 and la[0, 1].item() == 1.0
    assert la.item(4) == 4.0
    assert bool(np.array([1])) and not bool(np.zeros(1))
    assert complex(np.array(2.0 + 1j)) == 2 + 1j
    assert la.shape == (2, 3) and la.ndim == 2 and la.size == 6
    assert la.dtype == numpy.float64 and la.itemsize == 8 and la.nbytes == 48
    assert la.astype(np.int32).dtype == numpy.int32
    c = la.copy()
    c[0, 0] = 99
    assert float(la[0, 0]) == 0.0
    assert la.flags["C_CONTIGUOUS"]
    assert list(range(10))[np.array(3)] == 3
    with pytest.raises(ValueError):
        bool(la)
    with pytest.raises(TypeError):
        float(la)
    with pytest.raises(TypeError):
        len(np.array(1.0))


def test_numpy_functions_and_ufuncs_dispatch_to_legate():
    la = np.arange(10.0)
    r = numpy.sum(la)
    assert isinstance(r, np.ndarray) and float(r) == 45.0
    r = numpy.add(la, 1)
    assert isinstance(r, np.ndarray) and float(r.sum()) == 55.0
    r = numpy.sqrt(la)
    assert isinstance(r, np.ndarray)
    numpy.testing.assert_allclose(numpy.asarray(numpy.dot(la, la)), 285.0)
    numpy.testing.assert_allclose(numpy.asarray(la @ la), 285.0)
    m = np.arange(6.0).reshape(2, 3)
    check(m @ np.ones((3, 2)), numpy.arange(6.0).reshape(2, 3) @ numpy.ones((3, 2)))
    check(np.where(la > 4, la, -la), numpy.where(numpy.arange(10.0) > 4, numpy.arange(10.0),
                                                 -numpy.arange(10.0)))
    check(np.clip(la, 2, 7), numpy.clip(numpy.arange(10.0), 2, 7))
    # The result type follows the bounds as the ufuncs' does; array bounds broadcast.
    ints = numpy.array([1, 5, -2, 9])
    for lo, hi in [(0, 3), (0.5, 3), (None, 4), (numpy.array([0, 6, 0, 0]), 8)]:
        check(np.clip(np.array(ints), lo, hi), numpy.clip(ints, lo, hi))
    check(np.clip(np.array(ints, dtype="int8"), 0, 3), numpy.clip(ints.astype("int8"), 0, 3))
    check(np.array(ints).clip(max=2), ints.clip(max=2))
    with pytest.raises(ValueError):
        np.clip(la)
    numpy.testing.assert_allclose(float(np.linalg.norm(la)), numpy.linalg.norm(numpy.arange(10.0)))
    numpy.testing.assert_allclose(float(np.linalg.norm(m, "fro")),
                                  numpy.linalg.norm(numpy.arange(6.0).reshape(2, 3), "fro"))


def test_comparisons_of_whole_arrays():
    a = numpy.array([1.0, 2.0, numpy.nan])
    la = np.array(a)
    assert np.allclose(la[:2], la[:2] + 1e-9) and not np.allclose(la[:2], la[:2] + 1)
    assert not np.allclose(la, la) and np.allclose(la, la, equal_nan=True)
    assert np.array_equal(la[:2], a[:2]) and not np.array_equal(la[:2], la[:1])
    check(np.isclose(la, a, equal_nan=True), numpy.isclose(a, a, equal_nan=True))


def test_errors_are_numpy_s():
    la = np.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError):
        la[5]
    with pytest.raises(IndexError):
        la[0, 0, 0]
    with pytest.raises(IndexError):
        la["x"]
    with pytest.raises(ValueError):
        la + np.ones(4)
    with pytest.raises(numpy.exceptions.AxisError):
        la.sum(axis=2)
    with pytest.raises(ValueError):
        la.reshape(4, 2)
    with pytest.raises(ValueError):
        la[::0]
    with pytest.raises(ValueError):
        np.dot(la, la)
    with pytest.raises(TypeError):
        np.zeros(3, dtype=object)
    with pytest.raises(OverflowError):
        la + 2**70
    # The array is intact after all of that.
    check(la, numpy.arange(6.0).reshape(2, 3))


def test_fallback_warns_once_returns_ours_and_can_be_refused(monkeypatch):
    a = np.arange(5.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r1 = np.require(a[:3], dtype="float32")
        r2 = np.require(a[:3], dtype="float32")
    assert isinstance(r1, np.ndarray)
    assert numpy.asarray(r2).tolist() == numpy.require(numpy.arange(3.0), "float32").tolist()
    assert sum("require" in str(x.message) for x in w) == 1
    monkeypatch.setenv("LEGATE_FALLBACK", "0")
    with pytest.raises(NotImplementedError):
        np.require(a[:3])


def test_random_is_seeded_and_in_range():
    np.random.seed(11)
    a = numpy.asarray(np.random.rand(100, 3))
    np.random.seed(11)
    b = numpy.asarray(np.random.rand(100, 3))
    assert (a == b).all() and a.min() >= 0.0 and a.max() < 1.0 and a.shape == (100, 3)
    assert np.random.randn(50).shape == (50,)
    assert np.random.random((2, 2)).shape == (2, 2)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.data(),
)
def test_hypothesis_basic_indexing_matches_numpy(shape, data):
    a = numpy.arange(float(numpy.prod(shape))).reshape(shape)
    key = []
    for n in shape:
        if data.draw(st.booleans()):
            key.append(data.draw(st.integers(-n, n - 1)))
        else:
            start = data.draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            stop = data.draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            step = data.draw(st.sampled_from([None, 1, 2, -1, -2]))
            key.append(slice(start, stop, step))
    key = tuple(key)
    la = np.array(a)
    check(la[key], a[key])
    # Writing through the view writes the base.
    view, lview = a[key], la[key]
    if numpy.ndim(view):
        view[...] = -7
        lview[...] = -7
        check(la, a)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_hypothesis_broadcasting_matches_numpy(shape, data):
    other = [data.draw(st.sampled_from([1, n])) for n in shape]
    other = other[data.draw(st.integers(0, len(other) - 1)):]
    a = numpy.arange(float(numpy.prod(shape))).reshape(shape)
    b = numpy.arange(1.0, 1.0 + numpy.prod(other)).reshape(other)
    check(np.array(a) * np.array(b) - np.array(b), a * b - b)


@pytest.mark.parametrize("dtype", ["float64", "complex128", "float32"])
def test_fft_runs_as_a_single_piece_task_and_matches_numpy(dtype):
    a = sample((6, 8), dtype, 12)
    la = np.array(a)
    for name, kw in [("fft", {}), ("ifft", {"n": 5}), ("fft", {"axis": 0}), ("fft2", {}),
                     ("ifftn", {}), ("fftn", {"s": (4, 4), "axes": (0, 1)}), ("rfft", {}), ("rfftn", {})]:
        if name.startswith("rfft") and dtype != "float64":
            continue
        got, want = getattr(np.fft, name)(la, **kw), getattr(numpy.fft, name)(a, **kw)
        assert isinstance(got, np.ndarray)
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got.dtype, want.dtype)
        numpy.testing.assert_allclose(numpy.asarray(got), want, rtol=1e-4, atol=1e-4)
    r = numpy.fft.rfft(sample((10,), "float64"))
    check(np.fft.irfft(np.array(r)), numpy.fft.irfft(r), rtol=1e-12)
    check(np.fft.fftfreq(8, 0.5), numpy.fft.fftfreq(8, 0.5))
    check(np.fft.rfftfreq(9), numpy.fft.rfftfreq(9))


@pytest.mark.parametrize("axis", [(0, 2), (2, 0), (-1, 1), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_several_axes_match_numpy(axis, keepdims):
    a = sample((3, 4, 5), "float64", 13)
    la = np.array(a)
    for name in ["sum", "prod", "max", "min", "mean", "var", "std", "all", "any"]:
        got = getattr(la, name)(axis=axis, keepdims=keepdims)
        want = getattr(a, name)(axis=axis, keepdims=keepdims)
        numpy.testing.assert_allclose(numpy.asarray(got), want, rtol=1e-10, err_msg=name)
    numpy.testing.assert_allclose(numpy.asarray(la.var(axis=axis, ddof=1)), a.var(axis=axis, ddof=1))
    with pytest.raises(ValueError):
        la.sum(axis=(1, 1))
    with pytest.raises(numpy.exceptions.AxisError):
        la.sum(axis=(0, 3))
    with pytest.raises(TypeError):
        la.argmax(axis=(0, 1))


def test_reshape_in_column_major_order():
    a = numpy.arange(24.0).reshape(2, 3, 4)
    la = np.array(a)
    check(la.reshape(4, 6, order="F"), a.reshape(4, 6, order="F"))
    check(np.reshape(la, (6, 4), order="A"), numpy.reshape(a, (6, 4), order="A"))
    with pytest.raises(ValueError):
        la.reshape(24, order="X")


def test_reductions_with_a_dtype_compute_and_return_in_it():
    a = numpy.array([[200, 100, 7], [250, 3, 9]], dtype="uint8")
    x = np.array(a)
    for name, kw in [("sum", {"dtype": "uint8"}), ("sum", {"dtype": "int16", "axis": 1}),
                     ("prod", {"dtype": "int16"}), ("cumsum", {"dtype": "uint8"}),
                     ("cumprod", {"dtype": "uint16", "axis": 0}), ("mean", {"dtype": "float32"}),
                     ("nansum", {"dtype": "uint8"}), ("nanprod", {"dtype": "int8", "axis": 0}),
                     ("nancumsum", {"dtype": "uint8"}), ("sum", {"dtype": "float32", "axis": (0, 1)})]:
        check(getattr(np, name)(x, **kw), getattr(numpy, name)(a, **kw))


def test_complex_reductions_order_and_vary_as_numpy():
    z = numpy.array([[1 + 2j, 3 - 1j, 3 + 4j], [-2 + 9j, 3 + 0j, 0.5j]])
    x = np.array(z)
    for name in ("max", "min", "argmax", "argmin", "var", "std", "ptp"):
        for axis in (None, 0, 1):
            check(getattr(np, name)(x, axis=axis), getattr(numpy, name)(z, axis=axis))
    check(np.maximum(x, x[::-1]), numpy.maximum(z, z[::-1]))
    check(np.fmin(x, np.array([[numpy.nan, 1, 2], [3, 4, 5]])),
          numpy.fmin(z, [[numpy.nan, 1, 2], [3, 4, 5]]))
    check(np.var(x.astype("complex64")), numpy.var(z.astype("complex64")))
