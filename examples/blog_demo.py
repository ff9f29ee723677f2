"""``make demo``: the blog's two programs (the 5-point stencil and the power iteration),
each run with legate and with NumPy/SciPy on the same machine, times side by side.

Each program runs in a fresh interpreter, once with the ``legate`` package importable and
once with it hidden (so its ``try: import legate... except ImportError: import numpy``
takes the NumPy/SciPy branch). Sizes: ``DEMO_STENCIL_N`` (default 4000) and
``DEMO_POWER_N`` (default 6000: SciPy's ``random`` without a generator draws a permutation of all n² positions).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "..", "python", "tests", "programs")

TIMED = """
import os, runpy, sys, time
if sys.argv[2] == "numpy":
    sys.modules["legate"] = None
else:
    import legate.timing
start = time.perf_counter()
g = runpy.run_path(sys.argv[1])
if sys.argv[2] != "numpy":
    legate.timing.time()  # wait for the last operations
elapsed = time.perf_counter() - start
print(f"{elapsed * 1e3:.1f} {g['np'].__name__}")
"""


def run(program, package, env):
    out = subprocess.run([sys.executable, "-c", TIMED, program, package],
                         env=dict(os.environ, **env), capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"{os.path.basename(program)} failed under {package}")
    ms, module = out.stdout.split()
    return float(ms), module


def main():
    sn = os.environ.get("DEMO_STENCIL_N", "4000")
    pn = os.environ.get("DEMO_POWER_N", "6000")
    cases = [
        ("stencil", "stencil.py", {"STENCIL_N": sn, "STENCIL_ITERS": "20"},
         f"N = {sn}, 20 iterations"),
        ("power iteration", "power_iteration.py", {"POWER_N": pn, "POWER_ITERS": "20"},
         f"n = {pn}, 20 iterations"),
    ]
    config = os.environ.get("LEGATE_CONFIG", "(all cores)")
    print(f"The blog's programs, legate (LEGATE_CONFIG={config}) against NumPy/SciPy:\n")
    print(f"| program | size | legate (ms) | NumPy/SciPy (ms) | speed-up |")
    print(f"|---|---|---|---|---|")
    for title, name, env, size in cases:
        path = os.path.join(PROGRAMS, name)
        ours, module = run(path, "legate", env)
        ref, ref_module = run(path, "numpy", env)
        assert module == "legate.dense" and ref_module == "numpy", (module, ref_module)
        print(f"| {title} | {size} | {ours:.1f} | {ref:.1f} | {ref / ours:.2f}x |")
    print("\n(Times include building the inputs; each program ran in a fresh process.)")


if __name__ == "__main__":
    main()
