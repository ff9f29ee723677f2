"""Linear regression by gradient descent on ``n`` samples of 16 features:
``python examples/linreg.py -n 1000000 -i 50 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 100_000, 50)
np.random.seed(5)
X = np.random.rand(args.n, 16)
true_w = np.arange(16) / 16.0
y = X @ true_w + 0.01 * np.random.rand(args.n)
w = np.zeros(16)
lr = 0.5
start = clock()
for _ in range(args.i):
    grad = X.T @ (X @ w - y) / args.n
    w = w - lr * grad
stop = clock()
print(f"loss {float(np.mean((X @ w - y) ** 2)):.6f}")
report(args, start, stop)
