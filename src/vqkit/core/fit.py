"""Fitting k-means with restarts: seeding, Lloyd, keeping the best run.

This is the driver behind the estimators.  Arguments arrive validated (a
2-D float array, float64 weights or None, a ``RandomState``); nothing here
parses user input or prints.
"""

import numpy as np

from .lloyd import lloyd
from .seeding import greedy_kmeans_plusplus, kmeans_parallel, weighted_random_rows

#: Names of the built-in seedings.
INITS = ("k-means++", "k-means||", "random")


def tolerance(backend, X, tol, weights=None):
    """Absolute centre-shift tolerance: ``tol`` times the mean column variance.

    Scaling by the data's variance makes ``tol`` independent of units
    (scikit-learn's convention); the variance is weighted, so integer
    weights act like repeated rows.  Also returns the column means, which
    serve as the origin of expanded-form distances.
    """
    mean, var = backend.column_mean_var(X, weights)
    return float(tol) * float(var.mean()), mean


def initial_centers(X, k, init, rng, backend, weights, origin):
    """Centres to start Lloyd from (float64), by name, callable or array."""
    if isinstance(init, str):
        if init == "k-means++":
            return greedy_kmeans_plusplus(X, k, rng, backend, weights)
        if init == "k-means||":
            return kmeans_parallel(X, k, rng, backend, weights, origin=origin)
        if init == "random":
            return weighted_random_rows(X, k, rng, weights)
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    if callable(init):
        return np.asarray(init(X, k, rng), dtype=np.float64)
    return np.asarray(init, dtype=np.float64)


def fit_kmeans(
    X,
    k,
    *,
    backend,
    init="k-means++",
    n_init=1,
    max_iter=300,
    tol=1e-4,
    weights=None,
    random_state,
    empty="relocate",
    on_empty=None,
    callback=None,
    algorithm="lloyd",
):
    """Run ``n_init`` seedings + Lloyd and return the run (a
    :class:`~vqkit.core.lloyd.LloydResult`) of lowest inertia.

    Each run stops after ``max_iter`` iterations, when an iteration changes
    no label, or when the centres move by no more than ``tol`` times the
    mean column variance of ``X`` (total squared distance).  The returned
    labels and inertia are those of the returned centres.  The runs draw
    from ``random_state`` one after the other, in the same order and with
    the same calls as scikit-learn, so for ``"k-means++"`` and ``"random"``
    the same seed gives scikit-learn's initial centres.  ``algorithm``
    ``"hamerly"`` carries distance bounds between iterations to skip rows
    that cannot change cluster; the iterations are the same as ``"lloyd"``.
    """
    shift_tol, origin = tolerance(backend, X, tol, weights)
    best = None
    for _ in range(n_init):
        start = initial_centers(X, k, init, random_state, backend, weights, origin)
        start = start.astype(X.dtype, copy=False)  # never promote X to float64
        run = lloyd(
            X,
            start,
            backend=backend,
            weights=weights,
            max_iter=max_iter,
            shift_tol=shift_tol,
            stop_when_stable=True,
            empty=empty,
            on_empty=on_empty,
            final_assignment=True,
            callback=callback,
            origin=origin,
            assigner=backend.bounded_assigner(X) if algorithm == "hamerly" else None,
        )
        if best is None or run.inertia < best.inertia:
            best = run
    return best
