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
"""

import numbers
import warnings

import numpy as np

from .backends import get_backend
from .validation import as_float_2d
from .core.arrays import label_counts
from .core.random import check_random_state

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
exact_max = 20000


def _check_X_labels(X, labels):
    """Validated ``X`` (float32/float64, C order) and raw 1-D ``labels``."""
    X = as_float_2d(X)
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be 1-D (one label per row of X), got shape {labels.shape}."
        )
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {labels.shape[0]}]"
        )
    return X, labels


def _encode(labels, n_samples):
    """Labels as ``0 .. k-1`` codes (int64), their counts, and ``k``.

    Raises the scikit-learn error unless ``2 <= k <= n_samples - 1``.
    """
    counts = label_counts(labels)
    if counts is None:
        classes, codes = np.unique(labels, return_inverse=True)
        codes = np.ascontiguousarray(codes.ravel(), dtype=np.int64)
    else:  # small non-negative integers: code = rank among the labels present
        present = counts > 0
        codes = (np.cumsum(present) - 1)[labels]
        classes = np.flatnonzero(present)
    n_labels = len(classes)
    if not 1 < n_labels < n_samples:
        raise ValueError(
            "Number of labels is %d. Valid values are 2 to n_samples - 1 (inclusive)"
            % n_labels
        )
    counts = np.bincount(codes, minlength=n_labels)
    return codes, counts, n_labels


def _means(X, codes, k, weights=None):
    """Per-cluster (weighted) means in float64 and the weight totals."""
    sums, wsums = get_backend(X).cluster_sums(X, codes, k, weights)
    nonzero = wsums > 0
    sums[nonzero] /= wsums[nonzero, None]
    sums[~nonzero] = 0.0
    return sums, wsums


def _distance_sums(X, codes, C, squared, weights=None):
    """Per-cluster sums of (weighted) distances of rows to their centre."""
    return get_backend(X).cluster_distance_sums(X, codes, C, weights, squared)


def silhouette_samples(X, labels):
    """Silhouette coefficient of every row (Euclidean distance).

    For row ``i`` with mean distance ``a`` to the other members of its
    cluster and smallest mean distance ``b`` to the members of another
    cluster, ``s = (b - a) / max(a, b)``; rows of single-member clusters
    get 0.  Equal to ``sklearn.metrics.silhouette_samples(X, labels)``.

    The computation is compiled and parallel and never stores the ``n x n``
    distance matrix: each row's summed distance to every cluster is
    accumulated by streaming over all rows (``O(n^2 d)`` time, ``O(n k)``
    memory).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).  There must be
        from 2 to ``n_samples - 1`` distinct labels.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        Silhouette coefficients, each in ``[-1, 1]``.

    Raises
    ------
    ValueError
        For invalid ``X``, a ``labels`` length other than ``n_samples``, or a
        number of distinct labels outside ``2 .. n_samples - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import silhouette_samples
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [20.0, 0.0]])
    >>> silhouette_samples(X, ["a", "a", "b", "b", "c"]).round(4)
    array([0.9002, 0.9002, 0.9   , 0.9002, 0.    ])
    """
    X, labels = _check_X_labels(X, labels)
    codes, counts, k = _encode(labels, X.shape[0])
    return _silhouette(X, codes, counts, k)


def _silhouette(X, codes, counts, k):
    n = X.shape[0]
    sums = get_backend(X).silhouette_sums(X, codes, k)
    rows = np.arange(n)
    intra = sums[rows, codes]
    sums[rows, codes] = np.inf
    sums /= counts
    inter = sums.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        intra /= counts[codes] - 1
        sil = inter - intra
        sil /= np.maximum(intra, inter)
    # NaN for single-member clusters (0 / 0), and where a = b = 0: both are 0
    return np.nan_to_num(sil)


def silhouette_score(X, labels, *, sample_size=None, random_state=None):
    """Mean silhouette coefficient over all rows (Euclidean distance).

    Equal to ``sklearn.metrics.silhouette_score(X, labels,
    sample_size=sample_size, random_state=random_state)``.  The exact score
    costs ``O(n^2 d)`` time (see :func:`silhouette_samples`); it is computed
    for up to :data:`exact_max` rows (20000 unless changed).  With more rows
    and no ``sample_size``, the score of a random sample of ``exact_max``
    rows is returned instead, and a ``UserWarning`` says so and names the
    sample size.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).
    sample_size : int or None, default None
        Score a random sample of this many rows (no warning).  The rows are
        ``random_state.permutation(n_samples)[:sample_size]``, as in
        scikit-learn, so the same seed picks the same rows.
    random_state : None, int, RandomState or Generator, default None
        Randomness for the sample (only used when sampling).  ``None`` uses
        NumPy's global random state.

    Returns
    -------
    float
        Mean silhouette coefficient, in ``[-1, 1]``.

    Raises
    ------
    ValueError
        As :func:`silhouette_samples`, and for a ``sample_size`` that is not a
        positive integer.

    Warns
    -----
    UserWarning
        When the score was estimated from a sample because ``X`` has more
        than ``exact_max`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import silhouette_score
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> round(silhouette_score(X, [0, 0, 1, 1]), 6)
    0.900249
    >>> rng = np.random.default_rng(0)
    >>> Y = np.concatenate([rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))])
    >>> labels = np.repeat([0, 1], 50)
    >>> 0.8 < silhouette_score(Y, labels, sample_size=40, random_state=0) < 1
    True
    """
    X, labels = _check_X_labels(X, labels)
    n = X.shape[0]
    if sample_size is None and n > exact_max:
        sample_size = int(exact_max)
        warnings.warn(
            f"silhouette_score: X has {n} rows, more than vqkit.metrics.exact_max="
            f"{exact_max}; the score is estimated from a random sample of "
            f"{sample_size} rows. Pass sample_size= to choose the sample size, or "
            "raise vqkit.metrics.exact_max for the exact score (O(n^2 d) time).",
            UserWarning,
            stacklevel=2,
        )
    if sample_size is not None:
        if (
            not isinstance(sample_size, (numbers.Integral, np.integer))
            or isinstance(sample_size, bool)
            or sample_size < 1
        ):
            raise ValueError(
                f"sample_size must be a positive integer or None, got {sample_size!r}."
            )
        rng = check_random_state(random_state)
        indices = rng.permutation(n)[:sample_size]
        X, labels = X[indices], labels[indices]
    codes, counts, k = _encode(labels, X.shape[0])
    return float(np.mean(_silhouette(X, codes, counts, k)))


def calinski_harabasz_score(X, labels):
    """Calinski-Harabasz score (variance ratio criterion); higher is better.

    The ratio of the between-cluster dispersion to the within-cluster
    dispersion, each divided by its degrees of freedom:
    ``[B / (k - 1)] / [W / (n - k)]`` with ``B = sum_c n_c |m_c - m|^2`` and
    ``W = sum_i |x_i - m_{c(i)}|^2``.  Returns 1.0 when ``W`` is 0.  Equal to
    ``sklearn.metrics.calinski_harabasz_score``; ``O(n d)`` time, computed
    from per-cluster sums in float64.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
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
    """
    X, labels = _check_X_labels(X, labels)
    n = X.shape[0]
    codes, counts, k = _encode(labels, n)
    sums, _ = get_backend(X).cluster_sums(X, codes, k)
    mean = sums.sum(axis=0) / n
    means = sums / counts[:, None]
    extra = 0.0
    for c in range(k):
        extra += counts[c] * np.sum((means[c] - mean) ** 2)
    intra = float(_distance_sums(X, codes, means, squared=True).sum())
    if intra == 0.0:
        return 1.0
    return float(extra * (n - k) / (intra * (k - 1.0)))


def davies_bouldin_score(X, labels):
    """Davies-Bouldin score; lower is better, 0 is the minimum.

    The mean over clusters of the largest ratio
    ``(s_a + s_b) / |m_a - m_b|`` to any other cluster, where ``s_c`` is the
    mean distance of cluster ``c``'s rows to its centroid ``m_c``.  Returns
    0.0 when all ``s_c`` or all centroid distances are (close to) zero, as
    scikit-learn does.  Equal to ``sklearn.metrics.davies_bouldin_score``;
    ``O(n d + k^2 d)`` time, ``O(k d + k^2)`` extra memory.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
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
    X, labels = _check_X_labels(X, labels)
    codes, counts, k = _encode(labels, X.shape[0])
    means, _ = _means(X, codes, k)
    intra = _distance_sums(X, codes, means, squared=False) / counts
    centroid_distances = np.empty((k, k), dtype=np.float64)
    for c in range(k):
        centroid_distances[c] = np.sqrt(((means - means[c]) ** 2).sum(axis=1))
    if np.allclose(intra, 0) or np.allclose(centroid_distances, 0):
        return 0.0
    centroid_distances[centroid_distances == 0] = np.inf
    combined = intra[:, None] + intra
    scores = np.max(combined / centroid_distances, axis=1)
    return float(np.mean(scores))


def inertia(X, labels, centers=None, sample_weight=None):
    """(Weighted) sum of squared distances of rows to their cluster's centre.

    ``sum_i w_i |x_i - c_{labels[i]}|^2``, computed in float64 from direct
    differences (no cancellation), as ``KMeans.inertia_`` defines it.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
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
    from .validation import as_sample_weight

    X, labels = _check_X_labels(X, labels)
    n, d = X.shape
    weights = as_sample_weight(sample_weight, n)
    if centers is None:
        classes, codes = np.unique(labels, return_inverse=True)
        codes = np.ascontiguousarray(codes.ravel(), dtype=np.int64)
        C, _ = _means(X, codes, len(classes), weights)
    else:
        C = as_float_2d(centers, name="centers")
        if C.shape[1] != d:
            raise ValueError(
                f"centers has {C.shape[1]} features, but X has {d} features."
            )
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
                f"label {bad} is outside the valid range [0, {k - 1}] for "
                f"{k} centers."
            )
    return float(_distance_sums(X, codes, C, squared=True, weights=weights).sum())
