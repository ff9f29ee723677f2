"""Every example of ``examples/`` under legate (1 and 2 CPUs, and 2 ranks of 1 CPU through
``legate --ranks-per-node 2``: MPI processes, each timing its own work, rank 0's printed)
and under NumPy/SciPy, in one run, with a C STREAM triad (1 and 2 threads) beside them: ``make bench`` (or
``.venv/bin/python bench/examples.py`` after ``PROFILE=release make python``).

Names on the command line run only those examples. Prints a markdown table (the one in
``bench/README.md`` is its output). Each figure is the best of ``BENCH_REPS`` (default 2)
runs of the example's timed loop (``-t``), each in a fresh process. After the table: the
per-call overhead of a tiny ``a = a + 1`` (16 float64, best of three loops of 100,000
calls, timed with ``legate.timing.time()`` so deferred work is included) under NumPy and
legate, and the wall time of ``python -c "import legate.dense"`` (best of five) beside
that of ``python -c pass``.
"""

import os
import re
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXAMPLES = os.path.join(ROOT, "examples")

# (example, size, iterations, target speed-up over NumPy on 2 CPUs or None)
CASES = [
    ("stencil", 8000, 10, 6.0),
    ("black_scholes", 10_000_000, 1, 3.0),
    ("cg", 4000, 50, None),
    ("jacobi", 4000, 50, None),
    ("gemm", 4000, 2, None),
    ("kmeans", 2_000_000, 5, None),
    ("linreg", 2_000_000, 20, None),
    ("logreg", 2_000_000, 20, None),
    ("power_iteration", 1_000_000, 20, None),
    ("pde", 1000, 200, 2.5),
    ("spmv", 2000, 20, None),
]
SPARSE = {"power_iteration", "pde", "spmv"}


def stream(threads):
    exe = os.path.join(ROOT, "target", "stream")
    src = os.path.join(ROOT, "bench", "stream.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["cc", "-O3", "-march=native", "-fopenmp", src, "-o", exe], check=True)
    out = subprocess.run([exe, "100000000"], capture_output=True, text=True, check=True,
                         env=dict(os.environ, OMP_NUM_THREADS=str(threads),
                                  OMP_PROC_BIND="close")).stdout
    m = re.search(r"^triad\s+([0-9.]+)", out, re.M)
    return float(m.group(1)) if m else float("nan")


def run(name, package, n, iters, cpus=None, ranks=1):
    env = dict(os.environ)
    if cpus is not None:
        env["LEGATE_CONFIG"] = f"--cpus {cpus}"
    launch = [sys.executable]
    if ranks > 1:
        launch = [os.path.join(os.path.dirname(sys.executable), "legate"),
                  "--ranks-per-node", str(ranks)]
    best = float("inf")
    for _ in range(int(os.environ.get("BENCH_REPS", "2"))):
        out = subprocess.run(
            launch + [os.path.join(EXAMPLES, f"{name}.py"), "--package", package,
             "-n", str(n), "-i", str(iters), "-t"],
            capture_output=True, text=True, env=env, timeout=1800,
        )
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            return float("nan")
        best = min(best, float(re.search(r"Elapsed Time: ([0-9.]+) ms", out.stdout).group(1)))
    return best


TINY = """
import sys, time
if sys.argv[1] == "legate":
    import legate.numpy as np, legate.timing as timing
    clock = lambda: timing.time() / 1e6
else:
    import numpy as np
    clock = time.perf_counter
a = np.ones(16)
for _ in range(1000):
    a = a + 1
best = float("inf")
for _ in range(3):
    t0 = clock()
    for _ in range(100000):
        a = a + 1
    best = min(best, (clock() - t0) / 100000)
assert float(a[0]) == 301001.0
print(best * 1e6)
"""


def tiny(package, cpus=None):
    """Microseconds per tiny ``a = a + 1``."""
    env = dict(os.environ)
    if cpus is not None:
        env["LEGATE_CONFIG"] = f"--cpus {cpus}"
    out = subprocess.run([sys.executable, "-c", TINY, package], capture_output=True,
                         text=True, env=env, timeout=600)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        return float("nan")
    return float(out.stdout.split()[-1])


def wall(code, reps=5):
    """Best wall time, in seconds, of ``python -c code`` in a fresh process."""
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    load = open("/proc/loadavg").read().split()[:3]
    s1, s2 = stream(1), stream(2)
    print(f"load average before: {' '.join(load)}; STREAM triad: {s1:.2f} GB/s (1 thread), "
          f"{s2:.2f} GB/s (2 threads), ratio {s2 / s1:.2f}\n")
    print("| example | size, iterations | NumPy/SciPy (ms) | legate 1 CPU (ms) | legate 2 CPUs (ms) "
          "| legate 2 ranks x 1 CPU (ms) | speed-up 1, 2 CPUs, 2 ranks | target (2 CPUs) |")
    print("|---|---|---|---|---|---|---|---|")
    only = set(sys.argv[1:])
    for name, n, iters, target in CASES:
        if only and name not in only:
            continue
        ref = run(name, "scipy" if name in SPARSE else "numpy", n, iters)
        one = run(name, "legate", n, iters, 1)
        two = run(name, "legate", n, iters, 2)
        ranks = run(name, "legate", n, iters, 1, ranks=2)
        goal = f"{target:g}x" if target else ""
        print(f"| {name} | {n}, {iters} | {ref:.1f} | {one:.1f} | {two:.1f} | {ranks:.1f} | "
              f"{ref / one:.2f}, {ref / two:.2f}, {ref / ranks:.2f} | {goal} |")
    if not only or "tiny" in only:
        print(f"\ntiny `a = a + 1` (µs per call): NumPy {tiny('numpy'):.2f}, legate 1 CPU "
              f"{tiny('legate', 1):.2f}, legate 2 CPUs {tiny('legate', 2):.2f} (target 5)")
        print(f"`python -c \"import legate.dense\"`: {wall('import legate.dense'):.3f} s "
              f"(`python -c pass`: {wall('pass'):.3f} s; target 0.3 s)")
    print(f"\nload average after: {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
