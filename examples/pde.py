"""The 2-D Poisson equation on an ``n x n`` grid, solved by sparse CG:
``python examples/pde.py -n 1000 -i 200 -t`` (``-i``: CG iterations at most)."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 300, 500, sparse=True)
n = args.n
N = n * n
off = np.ones(N - 1)
off[n - 1::n] = 0.0  # no coupling across the ends of grid rows
A = sp.diags([-1.0, -off, 4.0, -off, -1.0], [-n, -1, 0, 1, n], shape=(N, N), format="csr")
b = np.ones(N) / (n + 1) ** 2
if args.package == "legate":
    import legate.sparse.linalg as sla
else:
    import scipy.sparse.linalg as sla
start = clock()
x, info = sla.cg(A, b, rtol=1e-8, maxiter=args.i)
stop = clock()
print(f"info {info}, max u = {float(np.max(x)):.6f}, "
      f"residual {float(np.linalg.norm(b - A @ x)):.3e}")
report(args, start, stop)
