"""Each row's summed distance to the rows of every cluster, under the metric
the silhouette was asked for: a built-in metric (compiled, streamed), a
precomputed distance matrix, or a user's callable.

The ``metric`` and ``**kwds`` arguments follow scikit-learn's
``pairwise_distances``: the names it gives the built-in metrics, and the
keywords it takes for itself (``n_jobs``, ``working_memory``,
``ensure_all_finite``), which are accepted here and change nothing (the
kernels are parallel already, and ``X`` must be finite anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import Backend, array_kind
from ._common import FLOATS, Data, check_X_labels

#: The metric names accepted, each with the built-in metric it names.
BUILT_IN = {
    "euclidean": "euclidean",
    "l2": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "manhattan": "manhattan",
    "cityblock": "manhattan",
    "l1": "manhattan",
    "cosine": "cosine",
}

#: Keywords of scikit-learn's pairwise-distance functions themselves, not of
#: a metric: accepted and ignored.
PAIRWISE_OPTIONS = frozenset({"n_jobs", "working_memory", "ensure_all_finite"})

#: The dtypes a callable metric's rows keep (as scikit-learn passes them).
NUMERIC = (
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
)

Metric = str | Callable[..., float]


def check_metric(metric: Any, kwds: dict[str, Any]) -> Metric:
    """The metric to compute (a built-in name, ``"precomputed"`` or the
    callable) and, in ``kwds``, what remains for a callable metric.

    Raises ``ValueError`` for an unknown metric and ``TypeError`` for a
    keyword a built-in metric does not take.
    """
    for option in PAIRWISE_OPTIONS & kwds.keys():
        del kwds[option]
    if callable(metric):
        return metric
    if isinstance(metric, str) and metric == "precomputed":
        return metric  # scikit-learn ignores other keywords here too
    if not isinstance(metric, str) or metric not in BUILT_IN:
        names = ", ".join(repr(name) for name in [*BUILT_IN, "precomputed"])
        raise ValueError(
            f"metric must be one of {names} or a callable, got {metric!r}. For "
            "another distance, pass metric='precomputed' with the distance matrix, "
            "or a callable."
        )
    if kwds:
        raise TypeError(
            f"metric={metric!r} takes no keyword arguments, got {', '.join(sorted(kwds))}."
        )
    return BUILT_IN[metric]


def check_data(
    X: Data, labels: ArrayLike, metric: Metric
) -> tuple[Any, np.ndarray, Backend, float]:
    """Validated ``X`` and labels for ``metric``, ``X``'s backend, and the
    tolerance of the zero diagonal of a precomputed matrix.

    Features and distance matrices become float32 or float64; a callable
    gets rows of any real dtype as given (integers stay integers), as
    scikit-learn passes them.  The tolerance is 100 machine epsilons of the
    float dtype ``X`` came in (of float64 for integers).
    """
    if callable(metric):
        return (*check_X_labels(X, labels, dtypes=NUMERIC), 0.0)
    if metric != "precomputed":
        return (*check_X_labels(X, labels), 0.0)
    D: Any = X if _is_sparse(X) else np.asarray(X)
    given = np.dtype(D.dtype)
    D, labels, backend = check_X_labels(D, labels, dtypes=FLOATS)
    tolerance = np.finfo(given if given.kind == "f" else D.dtype).eps * 100
    return D, labels, backend, float(tolerance)


def _is_sparse(X: Any) -> bool:
    """Whether ``X`` is a SciPy sparse matrix or array."""
    return array_kind(X) == "sparse"


def check_diagonal(D: Any, tolerance: float) -> None:
    """Raise unless every diagonal entry of ``D`` is within ``tolerance`` of 0."""
    if np.any(np.abs(D.diagonal()) > tolerance):
        raise ValueError(
            "The precomputed distance matrix contains non-zero elements on the "
            "diagonal. Use np.fill_diagonal(X, 0)."
        )


def check_distances(D: Any) -> None:
    """Raise unless ``D`` is square and non-negative."""
    n, m = D.shape
    if n != m:
        raise ValueError(
            "Precomputed metric requires shape (n_queries, n_indexed). Got "
            f"({n}, {m}) for {n} indexed."
        )
    values = D.data if _is_sparse(D) else D
    if values.size and values.min() < 0:
        raise ValueError(
            "Negative values in data passed to the precomputed distance matrix X: "
            "distances cannot be negative."
        )


def cluster_distance_sums(
    backend: Backend, X: Any, codes: np.ndarray, k: int, metric: Metric, kwds: dict[str, Any]
) -> np.ndarray:
    """``(n, k)`` float64: row ``i``'s summed distance to the rows of each
    cluster (``codes`` in ``0 .. k-1``)."""
    if metric == "precomputed":
        return backend.row_cluster_sums(X, codes, k)
    if callable(metric):
        return _callable_sums(X, codes, k, metric, kwds)
    return backend.silhouette_sums(X, codes, k, metric)


def _callable_sums(
    X: Any, codes: np.ndarray, k: int, metric: Callable[..., float], kwds: dict[str, Any]
) -> np.ndarray:
    """The sums for a callable, called as scikit-learn calls it: once for
    each pair ``i < j`` in that order (the value serves both rows), then
    once for each row with itself; rows are 1-D arrays, or 1-row sparse
    matrices.  Memory: the sums and one row of distances."""
    n = X.shape[0]
    rows = [X[[i], :] for i in range(n)] if _is_sparse(X) else list(X)
    sums = np.zeros((n, k))
    for i in range(n - 1):
        x = rows[i]
        values = np.array([metric(x, rows[j], **kwds) for j in range(i + 1, n)], dtype=np.float64)
        sums[i] += np.bincount(codes[i + 1 :], weights=values, minlength=k)
        sums[i + 1 :, codes[i]] += values
    for i in range(n):
        sums[i, codes[i]] += metric(rows[i], rows[i], **kwds)
    return sums
