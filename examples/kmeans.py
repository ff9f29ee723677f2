"""k-means clustering (Lloyd's algorithm) of ``n`` 2-D points into 8 clusters:
``python examples/kmeans.py -n 1000000 -i 10 -t``."""

from _common import parse, report

args, np, sp, clock = parse(__doc__, 100_000, 10)
k = 8
np.random.seed(4)
points = np.random.rand(args.n, 2)
centroids = points[:k].copy()
start = clock()
for _ in range(args.i):
    # distances[i, j] = |points[i] - centroids[j]|^2, by broadcasting
    diff = points[:, None, :] - centroids[None, :, :]
    labels = np.argmin(np.sum(diff * diff, axis=2), axis=1)
    for j in range(k):
        members = points[labels == j]
        if members.shape[0] > 0:
            centroids[j] = np.mean(members, axis=0)
stop = clock()
print("centroids:", [round(float(v), 4) for v in np.sum(centroids, axis=0)])
report(args, start, stop)
