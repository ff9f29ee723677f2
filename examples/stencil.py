"""The blog's 5-point stencil: ``python examples/stencil.py -n 4000 -i 20 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 1000, 20)
np.random.seed(0)
N = args.n
grid = np.random.rand(N + 2, N + 2)
center = grid[1:-1, 1:-1]
north = grid[0:-2, 1:-1]
east = grid[1:-1, 2:]
west = grid[1:-1, 0:-2]
south = grid[2:, 1:-1]
start = clock()
for _ in range(args.i):
    avg = center + north + east + west + south
    work = 0.2 * avg
    center[:] = work
stop = clock()
print(f"checksum: {float(np.sum(center)):.6f}")
report(args, start, stop)
