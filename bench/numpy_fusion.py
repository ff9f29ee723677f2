"""NumPy's figures for legate-dense's `fusion` benchmark, measured in the same run:
`python bench/numpy_fusion.py N STENCIL_N STENCIL_ITERS BS_N [R [K_N K]]` prints `name seconds`
lines (best of the repetitions; the stencil's per iteration). The programs are the ones the
benchmark runs on legate-dense: the triad `a = b + 2.5 * c`, the blog's stencil,
Black-Scholes with the usual polynomial approximation of the normal CDF, and with `R` the
sums `(a * b).sum(axis=1)` and `(a * b).sum(axis=0)` of two `R x R` matrices, and with
`K_N K` k-means' distances of `K_N` points in the plane to `K` centroids."""
import sys

import numpy as np

from numpy_dense import best  # the same timing as the dense benchmark


def stencil(grid, n, iters):
    center = grid[1:-1, 1:-1]
    north = grid[0:-2, 1:-1]
    east = grid[1:-1, 2:]
    west = grid[1:-1, 0:-2]
    south = grid[2:, 1:-1]
    for _ in range(iters):
        average = center + north + east + west + south
        work = 0.2 * average
        center[:] = work


def cnd(d):
    a1, a2, a3, a4, a5 = 0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429
    k = 1.0 / (1.0 + 0.2316419 * np.absolute(d))
    poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))))
    c = 0.3989422804014327 * np.exp(-0.5 * d * d) * poly
    return np.where(d > 0, 1.0 - c, c)


def black_scholes(s, x, t, r, v):
    sqrt_t = np.sqrt(t)
    d1 = (np.log(s / x) + (r + 0.5 * v * v) * t) / (v * sqrt_t)
    d2 = d1 - v * sqrt_t
    cnd1, cnd2 = cnd(d1), cnd(d2)
    exp_rt = np.exp(-r * t)
    call = s * cnd1 - x * exp_rt * cnd2
    put = x * exp_rt * (1.0 - cnd2) - s * (1.0 - cnd1)
    return call, put


def main():
    n = int(sys.argv[1])
    sn = int(sys.argv[2])
    iters = int(sys.argv[3])
    bs = int(sys.argv[4])
    b = np.full(n, 1.0)
    c = np.full(n, 2.0)
    out = {"triad": best(lambda: b + 2.5 * c, 5)}
    del b, c
    grid = np.fromfunction(lambda i, j: ((i * 31 + j * 17) % 97) / 97.0, (sn + 2, sn + 2))
    out["stencil"] = best(lambda: stencil(grid, sn, iters), 2) / iters
    del grid
    i = np.arange(bs, dtype=np.float64)
    s = 10.0 + (i % 91.0)
    x = 10.0 + (i % 83.0)
    t = 0.25 + (i % 7.0) * 0.5
    out["black_scholes"] = best(lambda: black_scholes(s, x, t, 0.02, 0.3), 3)
    del i, s, x, t
    if len(sys.argv) > 5:
        r = int(sys.argv[5])
        i = np.arange(r * r, dtype=np.float64)
        a = (i % 91.0).reshape(r, r)
        b = ((i % 83.0) * 0.5).reshape(r, r)
        del i
        out["row_sums"] = best(lambda: (a * b).sum(axis=1), 3)
        out["col_sums"] = best(lambda: (a * b).sum(axis=0), 3)
        del a, b
    if len(sys.argv) > 7:
        n, k = int(sys.argv[6]), int(sys.argv[7])
        p = (np.arange(2 * n, dtype=np.float64) % 89.0).reshape(n, 2)
        c = np.arange(2 * k, dtype=np.float64).reshape(k, 2)
        out["distances"] = best(lambda: ((p[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), 3)
    for name, secs in out.items():
        print(f"{name} {secs:.9f}")


if __name__ == "__main__":
    main()
