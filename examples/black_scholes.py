"""Black-Scholes call and put prices of ``n`` options (exp, log, sqrt and the normal CDF
by its polynomial approximation): ``python examples/black_scholes.py -n 10000000 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1_000_000, 1)


def cnd(d):
    a1, a2, a3, a4, a5 = 0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429
    k = 1.0 / (1.0 + 0.2316419 * np.absolute(d))
    poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))))
    c = 0.3989422804014327 * np.exp(-0.5 * d * d) * poly
    return np.where(d > 0, 1.0 - c, c)


np.random.seed(1)
S = 10.0 + 90.0 * np.random.rand(args.n)
X = 10.0 + 90.0 * np.random.rand(args.n)
T = 0.25 + 3.0 * np.random.rand(args.n)
R, V = 0.02, 0.3
start = clock()
for _ in range(args.i):
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / X) + (R + 0.5 * V * V) * T) / (V * sqrt_t)
    d2 = d1 - V * sqrt_t
    cnd1, cnd2 = cnd(d1), cnd(d2)
    exp_rt = np.exp(-R * T)
    call = S * cnd1 - X * exp_rt * cnd2
    put = X * exp_rt * (1.0 - cnd2) - S * (1.0 - cnd1)
stop = clock()
print(f"mean call {float(np.mean(call)):.6f}, mean put {float(np.mean(put)):.6f}")
report(args, start, stop)
