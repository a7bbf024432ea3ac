"""The silhouette coefficient: of every row, and its mean over the rows."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import Backend
from ..core.random import check_random_state
from ._cluster_distances import (
    Metric,
    check_data,
    check_diagonal,
    check_distances,
    check_metric,
    cluster_distance_sums,
)
from ._common import Data, encode

__all__ = ["silhouette_samples", "silhouette_score"]


def silhouette_samples(
    X: Data, labels: ArrayLike, *, metric: Metric = "euclidean", **kwds: Any
) -> np.ndarray:
    """Silhouette coefficient of every row.

    For row ``i`` with mean distance ``a`` to the other members of its
    cluster and smallest mean distance ``b`` to the members of another
    cluster, ``s = (b - a) / max(a, b)``; rows of single-member clusters
    get 0.  Equal to ``sklearn.metrics.silhouette_samples(X, labels,
    metric=metric, **kwds)``.

    For the built-in metrics the computation is compiled and parallel and
    never stores the ``n x n`` distance matrix: each row's summed distance
    to every cluster is accumulated by streaming over all rows (``O(n^2 d)``
    time for dense ``X``, ``O(n nnz)`` for sparse ``X``; ``O(n k)`` memory).

    Parameters
    ----------
    X : array_like or sparse matrix, shape (n_samples, n_features) or (n_samples, n_samples)
        Finite data, dense or a SciPy sparse matrix or array of any format;
        with ``metric="precomputed"``, the square matrix of distances between
        the rows.
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).  There must be
        from 2 to ``n_samples - 1`` distinct labels.
    metric : str or callable, default "euclidean"
        The distance between rows, as scikit-learn names it:

        * ``"euclidean"`` (or ``"l2"``), ``"sqeuclidean"`` (squared
          Euclidean), ``"manhattan"`` (or ``"cityblock"``, ``"l1"``):
          computed from direct float64 differences;
        * ``"cosine"``: ``1 - x.y / (|x| |y|)``, clipped to ``[0, 2]`` (rows
          of zeros are at distance 1 from all others), 0 from a row to
          itself;
        * ``"precomputed"``: ``X`` is the square, non-negative matrix of
          distances, zero on its diagonal (within 100 machine epsilons of
          its dtype);
        * a callable ``metric(x, y, **kwds) -> float`` on two rows (1-D
          arrays in ``X``'s dtype, or 1-row sparse matrices), called once
          for each pair of rows ``i < j`` and once for each row with itself,
          as scikit-learn calls it.  ``O(n^2)`` calls from Python: slow.

        Sparse ``X`` works with every metric (scikit-learn refuses it with
        ``"sqeuclidean"``).
    **kwds
        Keyword arguments of a callable metric.  ``n_jobs``,
        ``working_memory`` and ``ensure_all_finite`` (scikit-learn's
        options of its pairwise-distance functions) are accepted and change
        nothing.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        Silhouette coefficients, each in ``[-1, 1]``.

    Raises
    ------
    ValueError
        For invalid ``X``, a ``labels`` length other than ``n_samples``, a
        number of distinct labels outside ``2 .. n_samples - 1``, an unknown
        ``metric``, or a precomputed matrix that is not square, has negative
        entries or a non-zero diagonal.
    TypeError
        For a keyword argument that a built-in metric does not take.

    Notes
    -----
    With ``metric="cosine"`` a row of zeros is at distance 1 from every
    other row and 0 from itself.  scikit-learn agrees while it computes the
    distance matrix in one piece (up to about 11,500 rows at its default
    ``working_memory``); in pieces, it puts such a row at distance 1 from
    itself too, and its coefficients for these rows differ from vqkit's.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import silhouette_samples
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [20.0, 0.0]])
    >>> silhouette_samples(X, ["a", "a", "b", "b", "c"]).round(4)
    array([0.9002, 0.9002, 0.9   , 0.9002, 0.    ])
    >>> silhouette_samples(X, ["a", "a", "b", "b", "c"], metric="manhattan").round(4)
    array([0.9048, 0.9048, 0.9   , 0.9048, 0.    ])

    A precomputed distance matrix, and a callable:

    >>> D = np.abs(X[:, :1] - X[:, 0])
    >>> silhouette_samples(D, [0, 0, 1, 1, 1], metric="precomputed").round(4)
    array([1. , 1. , 0.5, 0.5, 0.5])
    >>> chebyshev = lambda x, y: np.abs(x - y).max()
    >>> silhouette_samples(X, [0, 0, 1, 1, 1], metric=chebyshev).round(4)
    array([0.925, 0.925, 0.45 , 0.45 , 0.5  ])
    """
    metric = check_metric(metric, kwds)
    X, labels, backend, tolerance = check_data(X, labels, metric)
    return _silhouette(backend, X, labels, metric, kwds, tolerance)


def _silhouette(
    backend: Backend,
    X: Any,
    labels: np.ndarray,
    metric: Metric,
    kwds: dict[str, Any],
    tolerance: float,
) -> np.ndarray:
    """The coefficients of checked ``X`` and labels, with the remaining
    checks in scikit-learn's order."""
    if metric == "precomputed":
        check_diagonal(X, tolerance)
    codes, counts, k = encode(labels, X.shape[0])
    if metric == "precomputed":
        check_distances(X)
    n = X.shape[0]
    sums = cluster_distance_sums(backend, X, codes, k, metric, kwds)
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


def silhouette_score(
    X: Data,
    labels: ArrayLike,
    *,
    metric: Metric = "euclidean",
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    **kwds: Any,
) -> float:
    """Mean silhouette coefficient over all rows.

    Equal to ``sklearn.metrics.silhouette_score(X, labels, metric=metric,
    sample_size=sample_size, random_state=random_state, **kwds)``.  The
    exact score costs ``O(n^2 d)`` time (see :func:`silhouette_samples`); it
    is computed for up to :data:`exact_max` rows (20000 unless changed).
    With more rows and no ``sample_size``, the score of a random sample of
    ``exact_max`` rows is returned instead, and a ``UserWarning`` says so
    and names the sample size.

    Parameters
    ----------
    X : array_like or sparse matrix, shape (n_samples, n_features) or (n_samples, n_samples)
        Finite data, dense or sparse; with ``metric="precomputed"``, the
        distances between the rows (see :func:`silhouette_samples`).
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).
    metric : str or callable, default "euclidean"
        ``"euclidean"``, ``"sqeuclidean"``, ``"manhattan"``, ``"cosine"``
        (and their other names), ``"precomputed"`` or a callable, as in
        :func:`silhouette_samples`.
    sample_size : int or None, default None
        Score a random sample of this many rows (no warning).  The rows are
        ``random_state.permutation(n_samples)[:sample_size]``, as in
        scikit-learn, so the same seed picks the same rows (and, for a
        precomputed matrix, the same columns).
    random_state : None, int, RandomState or Generator, default None
        Randomness for the sample (only used when sampling).  ``None`` uses
        NumPy's global random state.
    **kwds
        Keyword arguments of a callable metric (see
        :func:`silhouette_samples`).

    Returns
    -------
    float
        Mean silhouette coefficient, in ``[-1, 1]``.

    Raises
    ------
    ValueError
        As :func:`silhouette_samples`, and for a ``sample_size`` that is not a
        positive integer.
    TypeError
        For a keyword argument that a built-in metric does not take.

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
    >>> round(silhouette_score(X, [0, 0, 1, 1], metric="sqeuclidean"), 6)
    0.99005
    >>> rng = np.random.default_rng(0)
    >>> Y = np.concatenate([rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))])
    >>> labels = np.repeat([0, 1], 50)
    >>> 0.8 < silhouette_score(Y, labels, sample_size=40, random_state=0) < 1
    True

    Sparse data gives the score of its dense copy:

    >>> from scipy.sparse import csr_matrix
    >>> round(silhouette_score(csr_matrix(X), [0, 0, 1, 1], metric="cosine"), 6)
    0.485016
    """
    from .. import metrics  # the package holds the user-settable limit

    metric = check_metric(metric, kwds)
    if sample_size is not None and (
        not isinstance(sample_size, (numbers.Integral, np.integer))
        or isinstance(sample_size, bool)
        or sample_size < 1
    ):
        raise ValueError(f"sample_size must be a positive integer or None, got {sample_size!r}.")
    exact_max = metrics.exact_max
    X, labels, backend, tolerance = check_data(X, labels, metric)
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
        rng = check_random_state(random_state)
        indices = rng.permutation(n)[:sample_size]
        X, labels = X[indices], labels[indices]
        if metric == "precomputed":
            X = X[:, indices]
    return float(np.mean(_silhouette(backend, X, labels, metric, kwds, tolerance)))
