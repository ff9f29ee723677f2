"""Repeated SpMV ``y = A @ x`` with the 2-D Poisson matrix of an ``n x n`` grid:
``python examples/spmv.py -n 2000 -i 50 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1000, 50, sparse=True)
n = args.n
N = n * n
A = sp.diags([-1.0, -1.0, 4.0, -1.0, -1.0], [-n, -1, 0, 1, n], shape=(N, N), format="csr")
x = np.ones(N)
start = clock()
for _ in range(args.i):
    y = A @ x
stop = clock()
print(f"sum(y) = {float(np.sum(y)):.1f}, {A.nnz * args.i / max(stop - start, 1):.1f} M entries/s")
report(args, start, stop)
