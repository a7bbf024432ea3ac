"""
KMeans, its regions, and scikit-learn's conventions
===================================================

:class:`vqkit.KMeans` follows scikit-learn's estimator conventions: ``fit``,
``predict``, ``transform``, ``score`` and the fitted attributes
``cluster_centers_``, ``labels_``, ``inertia_`` and ``n_iter_``. Here it
clusters 2-D data, and :func:`vqkit.plot.voronoi` draws the region each centre
claims: the points a later ``predict`` would give to it.
"""

import matplotlib.pyplot as plt
import numpy as np

import vqkit
from vqkit import plot

rng = np.random.default_rng(0)
X = np.vstack(
    [rng.normal(c, s, size=(400, 2)) for c, s in (((0, 0), 1.0), ((5, 1), 0.6), ((2, 5), 0.8))]
)
km = vqkit.KMeans(n_clusters=6, random_state=0).fit(X)
print(f"inertia {km.inertia_:.1f} after {km.n_iter_} iterations")
print("cluster sizes:", np.bincount(km.labels_))

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
plot.clusters(X, km.labels_, km.cluster_centers_, ax=axes[0], title="KMeans(n_clusters=6)")
plot.voronoi(X, km.cluster_centers_, labels=km.labels_, ax=axes[1], title="its Voronoi regions")

# %%
# New points are assigned to the nearest centre, that is to the region they
# fall in; ``transform`` gives the distances to every centre.

new = np.array([[0.0, 0.0], [4.0, 4.0]])
print(km.predict(new))
print(km.transform(new).round(2))
