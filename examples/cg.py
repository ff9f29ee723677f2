"""Conjugate gradients on a dense symmetric positive definite system:
``python examples/cg.py -n 2000 -i 100 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1000, 100)
n = args.n
np.random.seed(2)
M = np.random.rand(n, n)
A = 0.5 * (M + M.T) + n * np.eye(n)
b = np.random.rand(n)
x = np.zeros(n)
start = clock()
r = b - A @ x
p = r.copy()
rs = np.dot(r, r)
for _ in range(args.i):
    Ap = A @ p
    alpha = rs / np.dot(p, Ap)
    x = x + alpha * p
    r = r - alpha * Ap
    rs_new = np.dot(r, r)
    p = r + (rs_new / rs) * p
    rs = rs_new
stop = clock()
print(f"residual {float(np.linalg.norm(b - A @ x)):.3e}")
report(args, start, stop)
