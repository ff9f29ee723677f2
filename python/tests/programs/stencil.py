# The "Legate Ecosystem" blog's 5-point stencil, unchanged but for its sizes, a seed and
# `rand(N+2, N+2)` (the post's `rand((N+2, N+2))` is a TypeError in NumPy too).
import os

try:
    import legate.numpy as np
except ImportError:
    import numpy as np

N = int(os.environ.get("STENCIL_N", "100"))
niters = int(os.environ.get("STENCIL_ITERS", "10"))
np.random.seed(int(os.environ.get("STENCIL_SEED", "7")))

grid = np.random.rand(N+2, N+2)
# Create multiple aliasing views of the grid array.
center = grid[1:-1, 1:-1]
north  = grid[0:-2, 1:-1]
east   = grid[1:-1, 2:  ]
west   = grid[1:-1, 0:-2]
south  = grid[2:  , 1:-1]
for i in range(niters):
  avg = center + north + east + west + south
  work = 0.2 * avg
  center[:] = work
