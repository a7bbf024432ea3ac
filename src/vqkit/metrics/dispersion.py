"""Scores computed from per-cluster sums in ``O(n d)`` time: the
Calinski-Harabasz and Davies-Bouldin scores, and the inertia."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..validation import as_float_2d, as_sample_weight
from ._common import Data, check_X_labels, cluster_means, distance_sums, encode

__all__ = ["calinski_harabasz_score", "davies_bouldin_score", "inertia"]


def calinski_harabasz_score(X: Data, labels: ArrayLike) -> float:
    """Calinski-Harabasz score (variance ratio criterion); higher is better.

    The ratio of the between-cluster dispersion to the within-cluster
    dispersion, each divided by its degrees of freedom:
    ``[B / (k - 1)] / [W / (n - k)]`` with ``B = sum_c n_c |m_c - m|^2`` and
    ``W = sum_i |x_i - m_{c(i)}|^2``.  Returns 1.0 when ``W`` is 0.  Equal to
    ``sklearn.metrics.calinski_harabasz_score``; ``O(n d)`` time, computed
    from per-cluster sums in float64.

    Parameters
    ----------
    X : array_like or sparse matrix, shape (n_samples, n_features)
        Finite data, dense or a SciPy sparse matrix or array of any format
        (scored as its dense copy, computed from the stored entries).
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings); 2 to
        ``n_samples - 1`` distinct labels.

    Returns
    -------
    float
        The score.

    Raises
    ------
    ValueError
        For invalid ``X``, mismatched ``labels`` or a bad number of labels.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import calinski_harabasz_score
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> calinski_harabasz_score(X, [0, 0, 1, 1])
    200.0
    >>> from scipy.sparse import csr_matrix
    >>> calinski_harabasz_score(csr_matrix(X), [0, 0, 1, 1])
    200.0
    """
    X, labels, backend = check_X_labels(X, labels)
    n = X.shape[0]
    codes, counts, k = encode(labels, n)
    sums, _ = backend.cluster_sums(X, codes, k)
    mean = sums.sum(axis=0) / n
    means = sums / counts[:, None]
    extra = 0.0
    for c in range(k):
        extra += counts[c] * np.sum((means[c] - mean) ** 2)
    intra = float(distance_sums(backend, X, codes, means, squared=True).sum())
    if intra == 0.0:
        return 1.0
    return float(extra * (n - k) / (intra * (k - 1.0)))


def davies_bouldin_score(X: Data, labels: ArrayLike) -> float:
    """Davies-Bouldin score; lower is better, 0 is the minimum.

    The mean over clusters of the largest ratio
    ``(s_a + s_b) / |m_a - m_b|`` to any other cluster, where ``s_c`` is the
    mean distance of cluster ``c``'s rows to its centroid ``m_c``.  Returns
    0.0 when all ``s_c`` or all centroid distances are (close to) zero, as
    scikit-learn does.  Equal to ``sklearn.metrics.davies_bouldin_score``;
    ``O(n d + k^2 d)`` time, ``O(k d + k^2)`` extra memory.

    Parameters
    ----------
    X : array_like or sparse matrix, shape (n_samples, n_features)
        Finite data, dense or a SciPy sparse matrix or array of any format
        (scored as its dense copy, computed from the stored entries).
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings); 2 to
        ``n_samples - 1`` distinct labels.

    Returns
    -------
    float
        The score.

    Raises
    ------
    ValueError
        For invalid ``X``, mismatched ``labels`` or a bad number of labels.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import davies_bouldin_score
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> davies_bouldin_score(X, [0, 0, 1, 1])
    0.1
    """
    X, labels, backend = check_X_labels(X, labels)
    codes, counts, k = encode(labels, X.shape[0])
    means, _ = cluster_means(backend, X, codes, k)
    intra = distance_sums(backend, X, codes, means, squared=False) / counts
    centroid_distances = np.empty((k, k), dtype=np.float64)
    for c in range(k):
        centroid_distances[c] = np.sqrt(((means - means[c]) ** 2).sum(axis=1))
    if np.allclose(intra, 0) or np.allclose(centroid_distances, 0):
        return 0.0
    centroid_distances[centroid_distances == 0] = np.inf
    combined = intra[:, None] + intra
    scores = np.max(combined / centroid_distances, axis=1)
    return float(np.mean(scores))


def inertia(
    X: Data,
    labels: ArrayLike,
    centers: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
) -> float:
    """(Weighted) sum of squared distances of rows to their cluster's centre.

    ``sum_i w_i |x_i - c_{labels[i]}|^2``, computed in float64 from direct
    differences (no cancellation), as ``KMeans.inertia_`` defines it.

    Parameters
    ----------
    X : array_like or sparse matrix, shape (n_samples, n_features)
        Finite data, dense or a SciPy sparse matrix or array of any format
        (scored as its dense copy, computed from the stored entries).
    labels : array_like, shape (n_samples,)
        Cluster of each row.  Without ``centers``: any integers or strings
        (mapped with ``np.unique``).  With ``centers``: integer indices of
        rows of ``centers``, in ``[0, n_centers)``.
    centers : array_like, shape (n_centers, n_features), optional
        The cluster centres.  By default each cluster's (weighted) mean,
        which is the centre that minimises the inertia.
    sample_weight : array_like, shape (n_samples,) or scalar, optional
        Non-negative weight of each row; all ones by default.

    Returns
    -------
    float
        The inertia.

    Raises
    ------
    ValueError
        For invalid ``X``, ``labels``, ``centers`` or ``sample_weight``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import inertia
    >>> X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0]])
    >>> inertia(X, [0, 0, 1])
    2.0
    >>> inertia(X, [0, 0, 1], centers=[[0.0, 0.0], [9.0, 0.0]])
    5.0
    >>> inertia(X, [0, 0, 1], sample_weight=[1.0, 3.0, 1.0])
    3.0
    """
    X, labels, backend = check_X_labels(X, labels)
    n, d = X.shape
    weights = as_sample_weight(sample_weight, n, X)
    codes: np.ndarray
    if centers is None:
        classes, codes = np.unique(labels, return_inverse=True)
        codes = np.ascontiguousarray(codes.ravel(), dtype=np.int64)
        C, _ = cluster_means(backend, X, codes, len(classes), weights)
    else:
        C = as_float_2d(centers, name="centers")
        if C.shape[1] != d:
            raise ValueError(f"centers has {C.shape[1]} features, but X has {d} features.")
        if labels.dtype.kind not in "iub":
            raise ValueError(
                "With centers given, labels must be integer indices of rows of "
                f"centers; got labels of dtype {labels.dtype}."
            )
        codes = np.ascontiguousarray(labels, dtype=np.int64)
        k = C.shape[0]
        if n and (codes.min() < 0 or codes.max() >= k):
            bad = int(codes.min()) if codes.min() < 0 else int(codes.max())
            raise ValueError(
                f"label {bad} is outside the valid range [0, {k - 1}] for {k} centers."
            )
    return float(distance_sums(backend, X, codes, C, squared=True, weights=weights).sum())
