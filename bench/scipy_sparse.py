"""SciPy's figures for legate-sparse's benchmark (run by `legate-sparse/benches/sparse.rs`).

Usage: scipy_sparse.py G ITERS. Builds the 2-D Poisson matrix of a G x G grid as the
benchmark does, then prints `spmv SECONDS` (best of 10) and `cg_iteration SECONDS` (the
best of 2 runs of ITERS iterations of `scipy.sparse.linalg.cg`, per iteration).
"""

import sys

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from numpy_dense import best


def poisson(g):
    n = g * g
    off = np.where((np.arange(n - 1) + 1) % g == 0, 0.0, -1.0)
    return sp.diags([-1.0, off, 4.0, off, -1.0], [-g, -1, 0, 1, g], shape=(n, n), format="csr")


def main():
    g, iters = int(sys.argv[1]), int(sys.argv[2])
    a = poisson(g)
    x = np.ones(g * g)
    print("spmv", best(lambda: a @ x, 10))
    b = np.ones(g * g)

    def solve():
        spla.cg(a, b, rtol=1e-30, maxiter=iters)

    print("cg_iteration", best(solve, 2) / iters)


if __name__ == "__main__":
    main()
