"""Clustering quality scores: silhouette, Calinski-Harabasz, Davies-Bouldin, inertia.

The scores equal scikit-learn's ``sklearn.metrics`` functions of the same
names (Euclidean metric) without depending on scikit-learn, and never build
an ``n x n`` distance matrix:

* :func:`silhouette_samples` streams over all rows once per row (compiled,
  parallel over fixed row chunks), keeping only each row's summed distance
  to every cluster: ``O(n^2 d)`` time, ``O(n k)`` memory.
* :func:`silhouette_score` is exact up to :data:`exact_max` rows; above
  that it scores a random sample of ``exact_max`` rows and warns.
* :func:`calinski_harabasz_score`, :func:`davies_bouldin_score` and
  :func:`inertia` work from per-cluster sums: ``O(n d)`` time,
  ``O(k d)`` extra memory.

Labels may be any integers or strings; they are mapped to ``0 .. k-1`` with
``np.unique`` (as scikit-learn's ``LabelEncoder`` does).  ``X`` must be a
dense, finite 2-D array of numbers; distances are computed in float64 from
direct differences.

The silhouette lives in :mod:`vqkit.metrics.silhouette`, the scores computed
from per-cluster sums in :mod:`vqkit.metrics.dispersion`.
"""

from __future__ import annotations

from .dispersion import calinski_harabasz_score, davies_bouldin_score, inertia
from .silhouette import silhouette_samples, silhouette_score

__all__ = [
    "silhouette_samples",
    "silhouette_score",
    "calinski_harabasz_score",
    "davies_bouldin_score",
    "inertia",
    "exact_max",
]

#: Largest number of rows for which :func:`silhouette_score` (without
#: ``sample_size``) computes the exact score.  The exact score costs
#: ``O(n^2 d)`` time; above this many rows a random sample of ``exact_max``
#: rows is scored instead and a ``UserWarning`` says so.  Assign a new value
#: (``vqkit.metrics.exact_max = 50_000``) to change the limit.
exact_max: int = 20000
