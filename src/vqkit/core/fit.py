"""Fitting k-means with restarts: seeding, Lloyd, keeping the best run.

This is the driver behind the estimators.  Arguments arrive validated (a
2-D float array, float64 weights or None, a ``RandomState``); nothing here
parses user input or prints.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..backends import Backend
from ..backends.scaling import exact_scale, host_magnitudes, scale_exponent
from .lloyd import LloydResult, lloyd, unassigned_error
from .seeding import greedy_kmeans_plusplus, kmeans_parallel, weighted_random_rows

#: Names of the built-in seedings.
INITS = ("k-means++", "k-means||", "random")

#: Metrics the fit driver handles.
METRICS = ("euclidean", "cosine", "manhattan")


def unit_rows(backend: Backend, X: Any) -> Any:
    """Rows of ``X`` scaled to unit Euclidean length (a new array; sparse
    ``X`` keeps its sparsity).

    Raises ``ValueError`` naming the first all-zero row: it has no
    direction, so no cosine similarity.
    """
    # lengths of rows of extreme magnitude would overflow or underflow when
    # squared; an exact power-of-two scaling keeps every direction
    X = scale_by(backend, X, exact_scale(backend.max_abs(X), backend.numpy_dtype(X), X.shape[1]))
    sq_norms = backend.row_sq_norms(X)
    norms = backend.xp.sqrt(sq_norms)
    zero = np.flatnonzero(backend.to_host(norms == 0))
    if zero.size:
        raise ValueError(
            f"{zero.size} row(s) of X (the first is row {int(zero[0])}) are all zeros: "
            "they have no direction, so the cosine metric cannot place them. Remove "
            "them or use metric='euclidean'."
        )
    return backend.divide_rows(X, norms)


def same_partition(labels: np.ndarray, other: np.ndarray) -> bool:
    """Whether two labellings of the same rows group them alike (the names
    of the clusters aside): every cluster of ``labels`` lies in a single
    cluster of ``other``, and the other way round.

    Two restarts that reach the same partition report inertias that differ
    only in their rounding, which a backend's order of summation decides;
    the first of them is kept, so every backend picks the same run
    (scikit-learn skips such a run too).

    >>> same_partition(np.array([0, 0, 1, 2]), np.array([2, 2, 0, 1]))
    True
    >>> same_partition(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    False
    """
    labels = np.asarray(labels).ravel()
    other = np.asarray(other).ravel()
    pairs = np.unique(np.stack([labels, other]), axis=1)
    return bool(np.unique(pairs[0]).size == pairs.shape[1] == np.unique(pairs[1]).size)


#: Inertias of one partition reached by two restarts differ by rounding
#: only (float32 data: a few units of 1e-7); closer than this, relatively,
#: the labels are compared.  Farther apart, they are different partitions.
_ROUNDING_ONLY = 1e-5


def _same_run(backend: Backend, run: LloydResult, best: LloydResult) -> bool:
    """Whether ``run`` is ``best``'s partition reached again (the labels are
    read only when the inertias are that close)."""
    return run.inertia >= best.inertia * (1 - _ROUNDING_ONLY) and same_partition(
        backend.to_host(run.labels), backend.to_host(best.labels)
    )


def tolerance(backend: Backend, X: Any, tol: float, weights: Any = None) -> tuple[float, Any]:
    """Absolute centre-shift tolerance: ``tol`` times the mean column variance.

    Scaling by the data's variance makes ``tol`` independent of units
    (scikit-learn's convention); the variance is weighted, so integer
    weights act like repeated rows.  Also returns the column means, which
    serve as the origin of expanded-form distances.
    """
    mean, var = backend.column_mean_var(X, weights)
    return float(tol) * float(backend.xp.mean(var)), mean


def data_scale(backend: Backend, X: Any, *beside: Any, weights: Any = None) -> int:
    """The exponent of the exact power-of-two scaling of ``X`` (see
    :func:`~vqkit.backends.scaling.exact_scale`), taking into account the
    small host or ``X``-library arrays ``beside`` it (centres, an origin);
    ``weights`` are passed to the backend's ``max_abs`` (Dask checks them
    in the same pass).  0 for ordinary magnitudes."""
    extra = [host_magnitudes(backend.to_host(a)) for a in beside]
    largest = max([backend.max_abs(X, weights)] + [m[0] for m in extra])

    def smallest() -> float:
        return min([backend.min_nonzero_abs(X, weights)] + [m[1] for m in extra])

    return scale_exponent(largest, smallest, backend.numpy_dtype(X), X.shape[0] * X.shape[1])


def scale_by(backend: Backend, X: Any, exponent: int) -> Any:
    """``X`` times ``2**exponent`` (a new array of ``X``'s kind and dtype),
    in steps whose factors the dtype represents; ``X`` itself when
    ``exponent`` is 0."""
    step = np.finfo(backend.numpy_dtype(X)).maxexp // 2 - 1
    while exponent:
        part = max(-step, min(step, exponent))
        X = X * backend.scalar_like(X, math.ldexp(1.0, part))
        exponent -= part
    return X


def unscale_squared(value: Any, exponent: int, power: int = 2) -> float:
    """A squared distance (``power=2``; an L1 distance: ``power=1``), or a
    sum of them, of data scaled by ``2**exponent``, in the data's units:
    ``value * 2**(-power * exponent)`` in float64, ``inf`` where that
    overflows."""
    with np.errstate(over="ignore", under="ignore"):
        return float(np.ldexp(np.float64(value), -power * exponent))


def initial_centers(
    X: Any, k: int, init: Any, rng: Any, backend: Backend, weights: Any, origin: Any
) -> np.ndarray:
    """Centres to start Lloyd from (float64), by name, callable or array."""
    if isinstance(init, str):
        if init == "k-means++":
            return greedy_kmeans_plusplus(X, k, rng, backend, weights)
        if init == "k-means||":
            # a backend may tune rounds and oversampling to what a read of X costs
            return kmeans_parallel(
                X, k, rng, backend, weights, origin=origin, **backend.seeding_options
            )
        if init == "random":
            return weighted_random_rows(X, k, rng, backend, weights)
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    if callable(init):
        return np.asarray(backend.to_host(init(X, k, rng)), dtype=np.float64)
    return np.asarray(backend.to_host(init), dtype=np.float64)


def _assigner(backend: Backend, X: Any, algorithm: str, metric: str) -> Any:
    """The stateful assigner a run needs, or None for plain full scans."""
    if metric == "manhattan":
        return backend.l1_assigner(X)
    if algorithm == "hamerly":
        return backend.bounded_assigner(X)
    return None


def fit_kmeans(
    X: Any,
    k: int,
    *,
    backend: Backend,
    init: Any = "k-means++",
    n_init: int = 1,
    max_iter: int | None = 300,
    tol: float = 1e-4,
    weights: Any = None,
    random_state: Any,
    empty: str = "relocate",
    on_empty: Callable[[], None] | None = None,
    callback: Callable[[Any], Any] | None = None,
    algorithm: str = "lloyd",
    metric: str = "euclidean",
    keep_history: bool = True,
) -> LloydResult:
    """Run ``n_init`` seedings + Lloyd and return the run (a
    :class:`~vqkit.core.lloyd.LloydResult`) of lowest inertia.

    Each run stops after ``max_iter`` iterations, when an iteration changes
    no label, or when the centres move by no more than ``tol`` times the
    mean column variance of ``X`` (total squared distance).  The returned
    labels and inertia are those of the returned centres.  The runs draw
    from ``random_state`` one after the other, in the same order and with
    the same calls as scikit-learn, so for ``"k-means++"`` and ``"random"``
    the same seed gives scikit-learn's initial centres.  ``metric``:
    ``"euclidean"``; ``"cosine"`` (spherical k-means on unit rows);
    ``"manhattan"`` (k-medians: Manhattan assignment, coordinate-wise
    weighted medians, seeded by Euclidean k-means++).  Data of extreme
    magnitude is fitted scaled by an exact power of two (see
    :data:`~vqkit.backends.scaling.SAFE_MAGNITUDE`).  ``algorithm``
    ``"hamerly"`` carries distance bounds between iterations to skip rows
    that cannot change cluster; the iterations are the same as ``"lloyd"``.
    ``keep_history=False`` (no per-iteration ``history`` wanted) lets a
    backend with the ``"compiled_runs"`` capability run small Euclidean fits without
    ``callback`` or ``on_empty`` in one compiled call: the restarts are
    seeded first (the same draws, in the same order), then fitted together.
    """
    if metric == "cosine":
        # spherical k-means: on unit rows |x - c|^2 = 2 (1 - cos), so the
        # Euclidean machinery finds the most similar unit centre
        X = unit_rows(backend, X)
        if not isinstance(init, str) and not callable(init):
            init = unit_rows(backend.dense, backend.asarray_like(init, X, X.dtype))
    # a backend that reads X in passes (Dask) knows the magnitude from its
    # statistics pass, which also checks the data and weights
    scale = data_scale(backend, X, weights=weights)
    if scale:
        X = scale_by(backend, X, scale)
        if not isinstance(init, str) and not callable(init):
            init = np.ldexp(np.asarray(backend.to_host(init), dtype=np.float64), scale)
    shift_tol, origin = tolerance(backend, X, tol, weights)
    # Lloyd draws no random numbers, so seeding every restart before
    # fitting any draws exactly what seeding each before its fit does
    starts: Any = (
        backend.asarray_like(
            initial_centers(X, k, init, random_state, backend, weights, origin), X, X.dtype
        )  # never promote X to float64
        for _ in range(n_init)
    )
    runs: Iterable[LloydResult]
    if (
        not keep_history
        and metric == "euclidean"
        and algorithm in ("lloyd", "hamerly")
        and callback is None
        and on_empty is None
        and empty == "relocate"
        and max_iter is not None
        and compiled_runs_fit(backend, X, k)
    ):
        starts = list(starts)
        runs = compiled_runs(
            backend,
            [X],
            None if weights is None else [weights],
            starts,
            [0] * n_init,
            [shift_tol] * n_init,
            max_iter,
        )
    else:
        runs = (
            lloyd(
                X,
                start,
                backend=backend,
                weights=backend.like(weights, X),
                max_iter=max_iter,
                shift_tol=shift_tol,
                stop_when_stable=True,
                empty=empty,
                on_empty=on_empty,
                final_assignment=True,
                callback=callback,
                origin=origin,
                assigner=_assigner(backend, X, algorithm, metric),
                spherical=metric == "cosine",
                medians=metric == "manhattan",
            )
            for start in starts
        )
    best: Any = None
    for run in runs:
        if best is None or (run.inertia < best.inertia and not _same_run(backend, run, best)):
            best = run
    # back to the data's units (inertia may overflow to inf); for cosine,
    # inertia is the sum of (1 - cos) = |x - c|^2 / 2
    factor = 2.0 if metric == "cosine" else 1.0
    if scale or factor != 1.0:
        power = 1 if metric == "manhattan" else 2  # the inertia of k-medians is L1
        best.centers = scale_by(backend, best.centers, -scale)
        best.inertia = unscale_squared(best.inertia, scale, power) / factor
        for stats in best.history:
            stats.inertia = unscale_squared(stats.inertia, scale, power) / factor
            stats.center_shift = unscale_squared(stats.center_shift, scale)
        if best.inertia == np.inf:
            warnings.warn(
                "The inertia of this fit exceeds the largest float64 "
                f"({np.finfo(np.float64).max:.4g}) and is reported as inf; the "
                "centres and labels are exact. Rescale X for a finite inertia.",
                RuntimeWarning,
                stacklevel=3,
            )
    return best


def fit_starts(
    datasets: list,
    starts: list,
    which: list,
    *,
    backend: Backend,
    weights: list | None = None,
    max_iter: int | None = 300,
    tol: float = 1e-4,
) -> list[LloydResult]:
    """Lloyd fits from given centres: fit ``r`` starts from ``starts[r]`` on
    ``datasets[which[r]]`` (``weights``: None or one array per data set).

    Each fit is what ``fit_kmeans(datasets[which[r]], init=starts[r],
    n_init=1, ...)`` returns without its history; when the backend can,
    all run in one compiled call (data sets of one shape and of magnitudes
    that need no scaling), spread over the threads.  Returns a list of
    :class:`~vqkit.core.lloyd.LloydResult`.
    """
    if not starts:
        return []
    if (
        len({(Z.shape, Z.dtype) for Z in datasets}) == 1
        and max_iter is not None
        and all(compiled_runs_fit(backend, datasets[0], len(c)) for c in starts)
        and all(data_scale(backend, Z) == 0 for Z in datasets)
    ):
        tols = [
            tolerance(backend, Z, tol, None if weights is None else weights[i])[0]
            for i, Z in enumerate(datasets)
        ]
        return compiled_runs(
            backend, datasets, weights, starts, which, [tols[i] for i in which], max_iter
        )
    return [
        fit_kmeans(
            datasets[i],
            len(c),
            backend=backend,
            init=c,
            max_iter=max_iter,
            tol=tol,
            weights=None if weights is None else weights[i],
            random_state=None,
            keep_history=False,
        )
        for i, c in zip(which, starts)
    ]


def compiled_runs_fit(backend: Backend, X: Any, k: int) -> bool:
    """Whether ``backend`` runs Lloyd fits of ``X`` with ``k`` centres in
    one compiled call (:func:`compiled_runs`)."""
    return "compiled_runs" in backend.capabilities and backend.runs_compiled(
        X.shape[0], X.shape[1], k
    )


def compiled_runs(
    backend: Backend,
    datasets: list,
    weights: list | None,
    starts: list,
    which: list,
    shift_tols: list,
    max_iter: int,
) -> list[LloydResult]:
    """Lloyd fits of the same-shaped ``datasets`` from ``starts`` (fit ``r``
    on ``datasets[which[r]]``) in one call of the backend's ``lloyd_runs``,
    as :class:`~vqkit.core.lloyd.LloydResult` (no history): the stopping
    rules and empty-cluster relocation of :func:`fit_kmeans`, the labels and
    inertia of the returned centres."""
    results = []
    for centers, labels, n_iter, inertia, converged, unassigned in backend.lloyd_runs(
        datasets, weights, starts, which, shift_tols, max_iter
    ):
        if unassigned is not None:
            raise unassigned_error(*unassigned)
        results.append(
            LloydResult(
                centers=centers,
                labels=labels,
                n_iter=n_iter,
                distortion=None,
                inertia=inertia,
                converged=converged,
            )
        )
    return results
