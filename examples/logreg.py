"""Logistic regression by gradient descent on ``n`` samples of 16 features:
``python examples/logreg.py -n 1000000 -i 50 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 100_000, 50)
np.random.seed(6)
X = np.random.rand(args.n, 16) - 0.5
true_w = np.arange(16) / 4.0 - 2.0
y = (X @ true_w > 0).astype(np.float64)
w = np.zeros(16)
lr = 1.0
start = clock()
for _ in range(args.i):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    w = w - lr * (X.T @ (p - y)) / args.n
stop = clock()
p = 1.0 / (1.0 + np.exp(-(X @ w)))
print(f"accuracy {float(np.mean((p > 0.5) == (y > 0.5))):.4f}")
report(args, start, stop)
