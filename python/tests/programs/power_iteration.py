# The "Legate Ecosystem" blog's Rayleigh-quotient power iteration, unchanged but for its
# sizes and a seed.
import os

try:
  import legate.numpy as np
  import legate.sparse as sp
except ImportError:
  import numpy as np
  import scipy.sparse as sp

n = int(os.environ.get("POWER_N", "1000"))
iters = int(os.environ.get("POWER_ITERS", "20"))
np.random.seed(int(os.environ.get("POWER_SEED", "3")))

# Generate a random positive semi-definite matrix
A = sp.random(n, n, format='csr')
A = 0.5 * (A + A.T) + n * sp.eye(n)
# Estimate the maximum eigenvalue of A
x = np.random.rand(A.shape[0])
for _ in range(iters):
  x = A @ x
  x /= np.linalg.norm(x)
result = np.dot(x, A @ x)
