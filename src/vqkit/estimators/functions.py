"""scikit-learn's function forms of k-means: :func:`k_means` (a
:class:`~vqkit.KMeans` fit, as a tuple) and :func:`kmeans_plusplus` (the
greedy k-means++ seeding, with the rows it picked)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import get_backend
from ..core.random import check_random_state
from ..core.seeding import greedy_kmeans_plusplus_rows
from ..validation import as_float_2d, as_sample_weight
from .kmeans import KMeans


def k_means(
    X: ArrayLike,
    n_clusters: int,
    *,
    sample_weight: ArrayLike | None = None,
    init: Any = "k-means++",
    n_init: str | int = "auto",
    max_iter: int = 300,
    verbose: bool = False,
    tol: float = 1e-4,
    random_state: Any = None,
    copy_x: bool = True,
    algorithm: str = "lloyd",
    return_n_iter: bool = False,
) -> tuple:
    """K-means clustering as one call, as scikit-learn's ``k_means``.

    Fits :class:`vqkit.KMeans` with these parameters (see there) and
    returns ``(cluster_centers_, labels_, inertia_)``, and ``n_iter_`` after
    them when ``return_n_iter`` is True.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import k_means
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> centers, labels, inertia = k_means(X, n_clusters=2, n_init="auto", random_state=0)
    >>> sorted(centers.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> float(inertia)
    16.0
    """
    est = KMeans(
        n_clusters=n_clusters,
        init=init,
        n_init=n_init,
        max_iter=max_iter,
        verbose=verbose,
        tol=tol,
        random_state=random_state,
        copy_x=copy_x,
        algorithm=algorithm,
    ).fit(X, sample_weight=sample_weight)
    if return_n_iter:
        return est.cluster_centers_, est.labels_, est.inertia_, est.n_iter_
    return est.cluster_centers_, est.labels_, est.inertia_


def kmeans_plusplus(
    X: ArrayLike,
    n_clusters: int,
    *,
    sample_weight: ArrayLike | None = None,
    x_squared_norms: ArrayLike | None = None,
    random_state: Any = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding, as scikit-learn's ``kmeans_plusplus``.

    Draws the random numbers scikit-learn draws, so the same seed picks the
    same rows.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The rows to pick from (float32 is kept, other numbers become float64).
    n_clusters : int
        Number of centres to pick, at most ``n_samples``.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each row in the draws.
    x_squared_norms : array-like of shape (n_samples,), default=None
        Accepted for scikit-learn compatibility (its length is checked);
        vqkit computes the distances it needs itself.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.
    n_local_trials : int, default=None
        Candidates drawn per step; None: ``2 + int(log(n_clusters))``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        The picked rows, in ``X``'s dtype (dense, also for sparse ``X``).
    indices : ndarray of shape (n_clusters,)
        Their row indices, in the order they were picked.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import kmeans_plusplus
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> centers, indices = kmeans_plusplus(X, n_clusters=2, random_state=0)
    >>> indices
    array([3, 2])
    """
    X = as_float_2d(X, accept_sparse=True)
    if not isinstance(n_clusters, Integral) or isinstance(n_clusters, bool) or n_clusters < 1:
        raise ValueError(f"n_clusters must be an integer >= 1, got {n_clusters!r}.")
    if n_local_trials is not None and (
        not isinstance(n_local_trials, Integral) or n_local_trials < 1
    ):
        raise ValueError(
            f"n_local_trials must be an integer >= 1 or None, got {n_local_trials!r}."
        )
    n = X.shape[0]
    if n < n_clusters:
        raise ValueError(f"n_samples={n} should be >= n_clusters={n_clusters}.")
    if x_squared_norms is not None and np.shape(x_squared_norms)[0] != n:
        raise ValueError(
            f"The length of x_squared_norms {np.shape(x_squared_norms)[0]} should "
            f"be equal to the length of n_samples {n}."
        )
    backend = get_backend(X)
    weights = as_sample_weight(sample_weight, n, X)
    rng = check_random_state(random_state)
    chosen = greedy_kmeans_plusplus_rows(X, n_clusters, rng, backend, weights, n_local_trials)
    centers = np.asarray(backend.to_host(backend.dense_rows(X, chosen)), dtype=X.dtype)
    return centers, np.asarray(chosen, dtype=np.int64)
