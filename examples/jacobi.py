"""Jacobi iteration on a dense diagonally dominant system:
``python examples/jacobi.py -n 2000 -i 100 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1000, 100)
n = args.n
np.random.seed(3)
A = np.random.rand(n, n) + n * np.eye(n)
b = np.random.rand(n)
d = np.sum(A * np.eye(n), axis=1)
R = A - d[:, None] * np.eye(n)
x = np.zeros(n)
start = clock()
for _ in range(args.i):
    x = (b - R @ x) / d
stop = clock()
print(f"residual {float(np.linalg.norm(b - A @ x)):.3e}")
report(args, start, stop)
