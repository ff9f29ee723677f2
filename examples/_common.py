"""What the examples share: ``--package``, ``-n``, ``-i``, ``-t`` and the timer.

Every example runs with ``--package legate`` (the default: ``legate.numpy`` and
``legate.sparse``) or ``--package numpy`` / ``--package scipy`` (NumPy and SciPy), so
the same file measures both; ``-t`` prints ``Elapsed Time: X ms`` for the timed loop.
Under several ranks (``legate --ranks-per-node 2 examples/stencil.py``) rank 0 alone prints.
"""

import argparse
import time


def parse(description, n, iters, sparse=False):
    p = argparse.ArgumentParser(description=description)
    choices = ["legate", "scipy", "numpy"] if sparse else ["legate", "numpy"]
    p.add_argument("--package", choices=choices, default="legate")
    p.add_argument("-n", type=int, default=n, help="problem size")
    p.add_argument("-i", type=int, default=iters, help="iterations")
    p.add_argument("-t", action="store_true", help="print the elapsed time")
    args = p.parse_args()
    if args.package == "legate":
        import legate.numpy as np
        import legate.sparse as sp
        import legate.timing as timing

        clock = timing.time
        import legate.core

        if legate.core.rank() != 0:
            # Every rank runs the whole program: rank 0 alone prints.
            import os
            import sys

            sys.stdout = open(os.devnull, "w")
    else:
        import numpy as np
        import scipy.sparse as sp

        def clock():
            return time.perf_counter_ns() // 1000

    return args, np, sp, clock


def report(args, start, stop):
    if args.t:
        print(f"Elapsed Time: {(stop - start) / 1000:.3f} ms")
