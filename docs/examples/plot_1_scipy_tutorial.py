"""
The SciPy k-means tutorial, on vqkit
====================================

The SciPy k-means tutorial, end to end, with one change: the functions come
from ``vqkit`` instead of ``scipy.cluster.vq``. Its three examples (standard
k-means, k-means++ and vector quantization) run on the tutorial's data with
its seed, and print what the tutorial prints: the same centroids and the same
distortions, to the last digit shown. ``vqkit demo`` runs the same three
examples from the shell.
"""

# %%
# Standard k-means
# ----------------
# ``kmeans`` runs 20 restarts from random rows (the restarts draw from NumPy's
# global random state, seeded as in the tutorial) and keeps the code book of
# lowest distortion, the mean distance of a point to its centroid. ``vq``
# then gives each point the index of its nearest centroid.

import matplotlib.pyplot as plt
import numpy as np

# from scipy.cluster.vq import kmeans, vq
from vqkit import kmeans, kmeans2, vq

# Generate some synthetic data
np.random.seed(0)
data = np.vstack(
    [
        np.random.normal(0, 0.5, (50, 2)),
        np.random.normal(3, 0.5, (50, 2)),
        np.random.normal(6, 0.5, (50, 2)),
    ]
)

# Number of clusters
k = 3

# Perform K-means clustering
centroids, distortion = kmeans(data, k)

# Assign each sample to a cluster
labels, _ = vq(data, centroids)

# Plot the results
plt.figure(figsize=(8, 6))
for i in range(k):
    plt.scatter(data[labels == i, 0], data[labels == i, 1], label=f"Cluster {i + 1}")
plt.scatter(centroids[:, 0], centroids[:, 1], c="red", marker="X", s=200, label="Centroids")
plt.title("K-Means Clustering using vqkit")
plt.xlabel("Feature 1")
plt.ylabel("Feature 2")
plt.legend()
plt.show()

print(f"Centroids:\n{centroids}")
print(f"Distortion: {distortion}")

# %%
# The tutorial prints ``Distortion: 0.6258523704544776`` with SciPy; vqkit
# prints the same number.
#
# K-means++
# ---------
# ``kmeans2(..., minit='++')`` seeds with k-means++: each new initial centroid
# is a data point drawn with probability proportional to its squared distance
# from the nearest centroid already chosen. Then it runs k-means iterations
# (ten by default) and returns the centroids and the label of every point.

np.random.seed(0)
data = np.vstack(
    [
        np.random.normal(0, 0.5, (50, 2)),
        np.random.normal(3, 0.5, (50, 2)),
        np.random.normal(6, 0.5, (50, 2)),
    ]
)

# Perform K-means++ clustering
centroids, labels = kmeans2(data, k, minit="++")

plt.figure(figsize=(8, 6))
for i in range(k):
    plt.scatter(data[labels == i, 0], data[labels == i, 1], label=f"Cluster {i + 1}")
plt.scatter(centroids[:, 0], centroids[:, 1], c="red", marker="X", s=200, label="Centroids")
plt.title("K-Means++ Clustering using vqkit")
plt.xlabel("Feature 1")
plt.ylabel("Feature 2")
plt.legend()
plt.show()

print(f"Centroids:\n{centroids}")

# %%
# The same three centroids as standard k-means, in the order k-means++ found
# them, as in the tutorial.
#
# Vector quantization
# -------------------
# A code book of three vectors now stands for 300 points: each point is
# stored as the index of its nearest code vector, and decoded as that vector.

np.random.seed(0)
data = np.vstack(
    [
        np.random.normal(0, 0.5, (100, 2)),
        np.random.normal(3, 0.5, (100, 2)),
        np.random.normal(6, 0.5, (100, 2)),
    ]
)

# Number of codebook vectors (clusters)
k = 3

# Perform K-means clustering to get codebook vectors
centroids, distortion = kmeans(data, k)

# Assign each sample to a cluster
labels, _ = vq(data, centroids)

plt.figure(figsize=(8, 6))
for i in range(k):
    plt.scatter(data[labels == i, 0], data[labels == i, 1], label=f"Cluster {i + 1}")
plt.scatter(centroids[:, 0], centroids[:, 1], c="red", marker="X", s=200, label="Codebook Vectors")
plt.title("Vector Quantization using K-means")
plt.xlabel("Feature 1")
plt.ylabel("Feature 2")
plt.legend()
plt.show()

print(f"Codebook Vectors:\n{centroids}")
print(f"Distortion: {distortion}")

# %%
# The tutorial's output is ``Distortion: 0.6249447014860251``. Decoding is
# indexing the code book with the codes:

decoded = centroids[labels]
print(f"{data.nbytes} bytes of points, {labels.astype(np.uint8).nbytes} bytes of codes")
print(
    f"mean distance of a point to its code vector: {np.linalg.norm(data - decoded, axis=1).mean()}"
)
