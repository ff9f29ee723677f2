"""The blog's power iteration (sparse matrix, dense vectors):
``python examples/power_iteration.py -n 100000 -i 20 -t`` (``--package scipy`` for SciPy)."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 10_000, 20, sparse=True)
n = args.n
A = sp.random(n, n, density=min(1.0, 10.0 / n), format="csr", rng=7)
A = 0.5 * (A + A.T) + n * sp.eye(n)
np.random.seed(7)
x = np.random.rand(A.shape[0])
start = clock()
for _ in range(args.i):
    x = A @ x
    x /= np.linalg.norm(x)
result = np.dot(x, A @ x)
stop = clock()
print(f"Rayleigh quotient {float(result):.6f}")
report(args, start, stop)
