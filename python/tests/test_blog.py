"""The blog's two programs, run unchanged: under legate they match NumPy/SciPy on the
same inputs; with legate hidden they run on NumPy/SciPy themselves."""

import os
import runpy
import subprocess
import sys

import numpy
import pytest

import legate.numpy as lnp
from conftest import PROGRAMS


def run_legate(name, **env):
    old = dict(os.environ)
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        return runpy.run_path(os.path.join(PROGRAMS, name))
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_stencil_matches_numpy_on_the_same_grid():
    g = run_legate("stencil.py", STENCIL_N=60, STENCIL_ITERS=8, STENCIL_SEED=7)
    lnp.random.seed(7)
    grid = numpy.asarray(lnp.random.rand(62, 62))
    center = grid[1:-1, 1:-1]
    for _ in range(8):
        avg = center + grid[0:-2, 1:-1] + grid[1:-1, 2:] + grid[1:-1, 0:-2] + grid[2:, 1:-1]
        center[:] = 0.2 * avg
    assert isinstance(g["grid"], lnp.ndarray)
    numpy.testing.assert_allclose(numpy.asarray(g["grid"]), grid, rtol=1e-13, atol=0)


def test_power_iteration_matches_scipy_on_the_same_matrix():
    import legate.sparse

    g = run_legate("power_iteration.py", POWER_N=300, POWER_ITERS=15, POWER_SEED=3)
    assert isinstance(g["A"], legate.sparse.csr_array)
    A = g["A"].to_scipy()
    assert abs(A - A.T).max() < 1e-12, "A is symmetric"
    lnp.random.seed(3)
    x = numpy.asarray(lnp.random.rand(300))
    for _ in range(15):
        x = A @ x
        x /= numpy.linalg.norm(x)
    expected = numpy.dot(x, A @ x)
    assert abs(float(g["result"]) - expected) <= 1e-10 * abs(expected)
    numpy.testing.assert_allclose(numpy.asarray(g["x"]), x, rtol=1e-10)


@pytest.mark.parametrize("name", ["stencil.py", "power_iteration.py"])
def test_programs_run_unchanged_on_numpy_and_scipy(name):
    hide = "import sys, runpy; sys.modules['legate'] = None; "
    code = hide + f"g = runpy.run_path({os.path.join(PROGRAMS, name)!r}); "
    code += "import numpy; print(type(g['np']).__name__, g['np'].__name__)"
    env = dict(os.environ, STENCIL_N="20", POWER_N="50")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["module", "numpy"]


def test_the_posts_rand_of_a_tuple_is_a_type_error_as_in_numpy():
    with pytest.raises(TypeError):
        numpy.random.rand((4, 4))
    with pytest.raises(TypeError):
        lnp.random.rand((4, 4))


def test_power_iteration_from_python_moves_no_data_after_its_first_step():
    import legate.core
    import legate.sparse as lsp

    A = lsp.random(3000, 3000, density=0.005, format="csr", random_state=5)
    A = 0.5 * (A + A.T) + 3000 * lsp.eye(3000)
    x = lnp.random.rand(3000)
    x = A @ x
    x /= lnp.linalg.norm(x)
    legate.core.fence()
    before = legate.core.stats()
    for _ in range(10):
        x = A @ x
        x /= lnp.linalg.norm(x)
    float(lnp.dot(x, A @ x))
    after = legate.core.stats()
    assert after["bytes_copied"] == before["bytes_copied"] == 0
    assert after["images_computed"] == before["images_computed"]
