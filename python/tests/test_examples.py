"""Every example runs under both packages and reports its time; the sparse PDE solve
gives SciPy's answer (same matrix, same right-hand side, no random input)."""

import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
DENSE = ["stencil", "black_scholes", "cg", "jacobi", "gemm", "kmeans", "linreg", "logreg"]
SPARSE = ["power_iteration", "pde", "spmv"]


def run(name, package, *extra):
    out = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", os.path.join(EXAMPLES, f"{name}.py"),
         "--package", package, "-n", "60", "-i", "3", "-t", *extra],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert re.search(r"^Elapsed Time: [0-9.]+ ms$", out.stdout, re.M), out.stdout
    return out.stdout


@pytest.mark.parametrize("name", DENSE + SPARSE)
def test_example_runs_on_legate_without_falling_back(name):
    run(name, "legate")


@pytest.mark.parametrize("name", DENSE + SPARSE)
def test_example_runs_on_numpy(name):
    run(name, "scipy" if name in SPARSE else "numpy")


def test_pde_matches_scipy():
    ours, ref = run("pde", "legate"), run("pde", "scipy")
    assert ours.splitlines()[0] == ref.splitlines()[0]
