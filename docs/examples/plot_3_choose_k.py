"""
Choosing the number of clusters
===============================

:func:`vqkit.choose_k` fits k-means once for every k of a range and lets six
criteria pick a k: the elbow of the inertia curve, the silhouette,
Calinski–Harabasz, Davies–Bouldin, the gap statistic and prediction
strength. Their picks are combined by a documented vote into ``best_k``,
and the result keeps the evidence: the per-k table, every pick and notes.
"""

import numpy as np

import vqkit

# five Gaussian blobs in 2-D, two of them close together
rng = np.random.default_rng(1)
centres = np.array([[0, 0], [6, 0], [0, 6], [6, 6], [7.6, 7.4]])
X = np.vstack([rng.normal(c, 0.7, size=(300, 2)) for c in centres])

result = vqkit.choose_k(X, k=range(1, 9), random_state=0)
print(result)

# %%
# The summary figure shows each criterion's curve with its pick, the votes,
# and (given ``X``) the data clustered with ``best_k``.

fig = result.plot(X=X)

# %%
# The two close blobs at the upper right are where the criteria can disagree:
# some see one cluster there, others two. ``result.picks`` says which
# criterion chose what, and ``result.to_dict()`` gives all of it as JSON-ready
# data.

print(result.best_k, result.picks)
