"""Dense matrix product ``C = A @ B``: ``python examples/gemm.py -n 4000 -i 5 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1000, 5)
n = args.n
A = np.ones((n, n)) * 0.5
B = np.ones((n, n)) * 2.0
start = clock()
for _ in range(args.i):
    C = A @ B
stop = clock()
print(f"C[0, 0] = {float(C[0, 0])} (expected {float(n)}), "
      f"{2.0 * n**3 * args.i / max(stop - start, 1) / 1e3:.1f} GFLOP/s")
report(args, start, stop)
