"""NumPy's figures for the operations of legate-dense's `dense` benchmark, measured in the
same run: `python bench/numpy_dense.py N MATMUL_N` prints `name seconds` lines (best of
the repetitions). NumPy runs its element-wise work and sums on one core; its matmul uses
the BLAS it was built with, limited here to one thread unless BLAS_THREADS says otherwise."""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("BLAS_THREADS", "1"))
import numpy as np  # noqa: E402


def best(f, reps):
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    return t


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    a = np.full(n, 1.0)
    b = np.full(n, 2.0)
    out = {}
    out["add"] = best(lambda: a + b, 5)
    out["sum"] = best(lambda: a.sum(), 5)
    tall = a.reshape(-1, 8)
    out["sum0"] = best(lambda: tall.sum(axis=0), 5)
    x = np.random.default_rng(1).random((m, m))
    y = np.random.default_rng(2).random((m, m))
    out["matmul"] = best(lambda: x @ y, 2)
    t = np.ones(10)
    k = 100_000
    s = time.perf_counter()
    for _ in range(k):
        t = t + 1.0
    out["tiny"] = (time.perf_counter() - s) / k
    for name, secs in out.items():
        print(f"{name} {secs:.9f}")


if __name__ == "__main__":
    main()
