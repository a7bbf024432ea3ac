"""Mini-batch k-means (Sculley, 2010): the update loop, written once.

One step takes a batch of rows, assigns them to their nearest centre and
moves every centre that received weight towards the weighted mean of its
batch rows, with a per-centre learning rate of ``1 / count``::

    sum_j, wsum_j  = weighted sum and total weight of the batch rows of j
    centre_j      <- (centre_j * count_j + sum_j) / (count_j + wsum_j)
    count_j       += wsum_j

(float64 accumulation; the centres are stored in the data's float dtype).
A centre whose count ``count_j`` falls below ``reassignment_ratio`` times
the largest count is moved onto a random row of the batch (see
:func:`reassign_low_counts`), as in scikit-learn.

Batches are drawn uniformly with replacement (``randint``), and each row's
contribution to the update is weighted by its sample weight -- scikit-learn's
choice; weighted sampling would count the weight twice.

Everything random comes from the ``RandomState`` passed in, and the backend's
``assign`` and ``cluster_sums`` are deterministic for any thread count, so a
seed fixes the result.  Arguments arrive validated; nothing here parses user
input or prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .fit import data_scale, initial_centers, scale_by, tolerance, unscale_squared
from .lloyd import assign_checked, total_inertia

if TYPE_CHECKING:
    from ..backends import Backend


@dataclass
class MiniBatchStats:
    """What one mini-batch step saw."""

    #: Step number, from 0, counted over the estimator's life (``partial_fit``
    #: calls continue the count).
    step: int
    #: (Weighted) sum of squared distances of the batch rows to the centres
    #: *before* the step's update, divided by the number of batch rows.
    batch_inertia: float
    #: Exponentially weighted average of ``batch_inertia`` (None at the first
    #: step of a fit, whose inertia only reflects the seeding).
    ewa_inertia: float | None
    #: Centres moved onto batch rows by the low-count reassignment.
    n_reassigned: int
    #: Wall-clock seconds of the step.
    seconds: float


@dataclass
class MiniBatchState:
    """Centres and what the update and the stopping rules carry between steps."""

    centers: np.ndarray
    #: Total weight each centre has absorbed so far (float64).
    counts: np.ndarray
    #: Point near the data (for accurate expanded-form distances) or None.
    origin: Any = None
    n_steps: int = 0
    #: Rows seen since the last reassignment check that fired.
    since_reassign: int = 0
    ewa_inertia: float | None = None
    ewa_min: float | None = None
    no_improvement: int = 0
    history: list[MiniBatchStats] = field(default_factory=list)


@dataclass
class MiniBatchResult:
    """Outcome of :func:`fit_minibatch`."""

    state: MiniBatchState
    #: Passes over the data: ``ceil(n_steps * batch_size / n_samples)``.
    n_iter: int
    #: True when an early-stopping rule (not ``max_iter``) ended the fit.
    converged: bool


def rescale_state(state: MiniBatchState, exponent: int, since: int = 0) -> None:
    """Bring ``state`` into units scaled by ``2**exponent`` (or back, with
    a negative one): centres and origin exactly, the smoothed inertias
    and the history's records from index ``since`` (those made in the
    other units) as squared distances (float64)."""
    if not exponent:
        return
    with np.errstate(over="ignore", under="ignore"):
        state.centers = np.ldexp(state.centers, exponent).astype(state.centers.dtype)
        if state.origin is not None:
            state.origin = np.ldexp(np.asarray(state.origin, dtype=np.float64), exponent)
    if state.ewa_inertia is not None:
        state.ewa_inertia = unscale_squared(state.ewa_inertia, -exponent)
    if state.ewa_min is not None:
        state.ewa_min = unscale_squared(state.ewa_min, -exponent)
    for stats in state.history[since:]:
        stats.batch_inertia = unscale_squared(stats.batch_inertia, -exponent)
        if stats.ewa_inertia is not None:
            stats.ewa_inertia = unscale_squared(stats.ewa_inertia, -exponent)


def should_reassign(state: MiniBatchState, batch_rows: int, k: int) -> bool:
    """scikit-learn's schedule: check for low counts once some centre has
    count zero or at least ``10 * k`` rows were seen since the last check."""
    state.since_reassign += batch_rows
    if (state.counts == 0).any() or state.since_reassign >= 10 * k:
        state.since_reassign = 0
        return True
    return False


def reassign_low_counts(
    Xb: Any, state: MiniBatchState, ratio: float, rng: Any, backend: Backend
) -> int:
    """Move centres with ``count < ratio * max(count)`` onto batch rows.

    At most half the batch's rows are used: when more centres qualify, the
    ones with the largest counts (stable order) are spared.  The new rows
    are drawn uniformly without replacement from the batch
    (``rng.choice(len(Xb), size, replace=False)``), and the moved centres'
    counts are set to the smallest count of the others, so that they are
    not reassigned again at once (scikit-learn's rule).  Returns the number
    of centres moved.
    """
    counts = state.counts
    to_reassign = counts < ratio * counts.max()
    limit = int(0.5 * Xb.shape[0])
    if to_reassign.sum() > limit:
        spared = np.argsort(counts, kind="stable")[limit:]
        to_reassign[spared] = False
    n = int(to_reassign.sum())
    if n:
        rows = rng.choice(Xb.shape[0], replace=False, size=n)
        state.centers[to_reassign] = backend.dense_rows(Xb, rows)
        counts[to_reassign] = counts[~to_reassign].min()
    return n


def minibatch_step(
    Xb: Any,
    wb: Any,
    state: MiniBatchState,
    backend: Backend,
    rng: Any,
    *,
    reassign: bool = False,
    ratio: float = 0.0,
) -> tuple[float, int, float]:
    """One mini-batch update of ``state`` in place from the batch ``Xb``.

    Returns ``(batch_inertia, n_reassigned, center_shift)``: the weighted
    sum of squared distances of the batch before the update, the number of
    reassigned centres and the total squared distance the centres moved.
    """
    centers = state.centers
    k = centers.shape[0]
    labels, min_d2 = assign_checked(backend, Xb, centers, state.origin)
    inertia = total_inertia(backend.xp, min_d2, wb)
    sums, wsums = backend.cluster_sums(Xb, labels, k, wb)
    old = centers.astype(np.float64)
    hit = wsums > 0
    new_counts = state.counts + wsums
    moved = old.copy()
    moved[hit] = (old[hit] * state.counts[hit, None] + sums[hit]) / new_counts[hit, None]
    state.centers = centers = moved.astype(centers.dtype)
    state.counts = new_counts
    n_reassigned = 0
    if reassign and ratio > 0:
        n_reassigned = reassign_low_counts(Xb, state, ratio, rng, backend)
    step = state.centers.astype(np.float64) - old
    return inertia, n_reassigned, float(np.sum(step * step))


def _ewa_update(state, batch_inertia, alpha):
    if state.ewa_inertia is None:
        state.ewa_inertia = batch_inertia
    else:
        state.ewa_inertia = state.ewa_inertia * (1 - alpha) + batch_inertia * alpha
    return state.ewa_inertia


def seed_once(
    X: Any,
    k: int,
    *,
    init: Any,
    init_size: int,
    rng: Any,
    backend: Backend,
    weights: Any,
    origin: Any,
) -> np.ndarray:
    """One seeding (in ``X``'s dtype): :func:`~vqkit.core.fit.initial_centers`
    on a sample of ``init_size`` rows drawn with ``rng.randint`` (with
    replacement; all of ``X`` when ``init_size >= n``), as scikit-learn's
    ``_init_centroids`` draws it."""
    n = X.shape[0]
    if init_size < n:
        idx = rng.randint(0, n, init_size)
        Xs, ws = backend.take_rows(X, idx), (None if weights is None else weights[idx])
        if ws is not None and not ws.sum() > 0:  # all-zero sample: unweighted
            ws = None
    else:
        Xs, ws = X, weights
    centers = initial_centers(Xs, k, init, rng, backend, ws, origin)
    return np.asarray(centers).astype(X.dtype)


def seed_centers(
    X: Any,
    k: int,
    *,
    init: Any,
    n_init: int,
    init_size: int,
    rng: Any,
    backend: Backend,
    weights: Any,
    origin: Any,
) -> np.ndarray:
    """Initial centres (in ``X``'s dtype) from ``n_init`` seedings.

    A validation sample of ``init_size`` rows is drawn first
    (``rng.randint``, with replacement); then each seeding is a
    :func:`seed_once` and the seeding with the lowest (weighted) inertia on
    the validation sample is kept -- scikit-learn's procedure.
    """
    n = X.shape[0]
    valid = rng.randint(0, n, init_size)
    X_valid = X[valid]
    w_valid = None if weights is None else weights[valid]
    best: Any = None
    best_inertia: Any = None
    for _ in range(n_init):
        centers = seed_once(
            X,
            k,
            init=init,
            init_size=init_size,
            rng=rng,
            backend=backend,
            weights=weights,
            origin=origin,
        )
        _, d2 = assign_checked(backend, X_valid, centers, origin)
        inertia = total_inertia(backend.xp, d2, w_valid)
        if best is None or inertia < best_inertia:
            best, best_inertia = centers, inertia
    return best


def _record_step(state, batch_inertia, ewa, n_reassigned, start, callback):
    """Append a step's statistics to ``state.history``; True when the
    ``callback`` asks to stop."""
    stats = MiniBatchStats(
        step=state.n_steps,
        batch_inertia=batch_inertia,
        ewa_inertia=ewa,
        n_reassigned=n_reassigned,
        seconds=time.perf_counter() - start,
    )
    state.n_steps += 1
    state.history.append(stats)
    return callback is not None and bool(callback(stats))


def fit_minibatch(
    X: Any,
    k: int,
    *,
    backend: Backend,
    init: Any = "k-means++",
    n_init: int = 1,
    init_size: int,
    batch_size: int,
    max_iter: int = 100,
    tol: float = 0.0,
    max_no_improvement: int | None = 10,
    reassignment_ratio: float = 0.01,
    weights: Any = None,
    random_state: Any,
    callback: Callable[[MiniBatchStats], Any] | None = None,
) -> MiniBatchResult:
    """Mini-batch k-means on ``X`` held in memory.

    Seeds with :func:`seed_centers`, then runs up to
    ``max_iter * n // batch_size`` steps, each on ``batch_size`` rows drawn
    uniformly with replacement.  Stopping rules (scikit-learn's):

    * ``tol > 0``: stop after a step that moved the centres by no more than
      ``tol`` times the mean column variance of ``X`` (total squared
      distance);
    * ``max_no_improvement``: the batch inertia per row is smoothed by an
      exponentially weighted average with ``alpha = min(1, 2 * batch_size /
      (n + 1))`` (the first step, which measures the seeding, is left out);
      stop when it has not reached a new minimum for that many steps in a
      row (``None``: never).

    ``callback(stats)`` runs after every step; True stops the fit.  The
    returned state holds the centres and counts; the caller assigns the
    full data if it needs labels.
    """
    n = X.shape[0]
    batch_size = min(batch_size, n)
    # data of extreme magnitude is fitted in exactly rescaled units
    scale = data_scale(backend, X, weights=weights)
    X, init = _scaled(backend, X, init, scale)
    tol_shift, origin = tolerance(backend, X, tol, weights)
    shift_tol = tol_shift if tol > 0 else None
    centers = seed_centers(
        X,
        k,
        init=init,
        n_init=n_init,
        init_size=init_size,
        rng=random_state,
        backend=backend,
        weights=weights,
        origin=origin,
    )
    state = MiniBatchState(centers=centers, counts=np.zeros(k), origin=origin)
    alpha = min(1.0, batch_size * 2.0 / (n + 1))
    n_steps = max(1, (max_iter * n) // batch_size)
    converged = False
    for i in range(n_steps):
        start = time.perf_counter()
        idx = random_state.randint(0, n, batch_size)
        Xb = backend.take_rows(X, idx)
        wb = None if weights is None else weights[idx]
        reassign = should_reassign(state, batch_size, k)
        inertia, n_reassigned, shift = minibatch_step(
            Xb,
            wb,
            state,
            backend,
            random_state,
            reassign=reassign,
            ratio=reassignment_ratio,
        )
        batch_inertia = inertia / batch_size
        stop = False
        ewa = None
        if i > 0:  # the first batch inertia measures the seeding
            ewa = _ewa_update(state, batch_inertia, alpha)
            if shift_tol is not None and shift <= shift_tol:
                stop = True
            if state.ewa_min is None or ewa < state.ewa_min:
                state.no_improvement = 0
                state.ewa_min = ewa
            else:
                state.no_improvement += 1
            if max_no_improvement is not None and state.no_improvement >= max_no_improvement:
                stop = True
        if _record_step(state, batch_inertia, ewa, n_reassigned, start, callback):
            break
        if stop:
            converged = True
            break
    n_iter = int(np.ceil(state.n_steps * batch_size / n))
    rescale_state(state, -scale)
    return MiniBatchResult(state=state, n_iter=n_iter, converged=converged)


def _scaled(backend: Backend, X: Any, init: Any, exponent: int) -> tuple[Any, Any]:
    """``X`` and an array ``init`` scaled by ``2**exponent`` (a name or a
    callable ``init`` as it is: it sees the scaled rows)."""
    if exponent and not isinstance(init, str) and not callable(init) and init is not None:
        init = np.ldexp(np.asarray(backend.to_host(init), dtype=np.float64), exponent)
    return scale_by(backend, X, exponent), init


def start_partial(
    X: Any,
    k: int,
    *,
    init: Any,
    init_size: int,
    random_state: Any,
    backend: Backend,
    weights: Any,
) -> MiniBatchState:
    """The state a stream starts from: centres from one seeding on the first
    chunk (:func:`seed_once` with ``init_size`` capped at the chunk's rows;
    a stream has no validation sample to choose among ``n_init`` seedings,
    and scikit-learn's ``partial_fit`` seeds once too), zero counts, and the
    chunk's column means as the distance origin.  A chunk of extreme
    magnitude is seeded in exactly rescaled units."""
    scale = data_scale(backend, X, weights=weights)
    X, init = _scaled(backend, X, init, scale)
    origin, _ = backend.column_mean_var(X, weights)
    centers = seed_once(
        X,
        k,
        init=init,
        init_size=min(init_size, X.shape[0]),
        rng=random_state,
        backend=backend,
        weights=weights,
        origin=origin,
    )
    state = MiniBatchState(centers=centers, counts=np.zeros(k), origin=origin)
    rescale_state(state, -scale)
    return state


def partial_fit_chunk(
    X: Any,
    state: MiniBatchState,
    *,
    backend: Backend,
    batch_size: int,
    reassignment_ratio: float = 0.01,
    weights: Any = None,
    random_state: Any,
    callback: Callable[[MiniBatchStats], Any] | None = None,
) -> MiniBatchState:
    """Update ``state`` from one chunk ``X`` only (streaming).

    The chunk's rows are put in a random order (``random_state.permutation``)
    and cut into consecutive batches of ``batch_size`` rows (the last one
    shorter); each batch is one :func:`minibatch_step`, with the same
    reassignment schedule as :func:`fit_minibatch`.  A chunk of at most
    ``batch_size`` rows is one step on the whole chunk (scikit-learn's
    ``partial_fit``).  The EWA inertia is tracked with ``alpha = min(1,
    2 * batch_size / (len(X) + 1))`` for the history; no early stopping.
    ``callback(stats)`` returning True ends the chunk early.  A chunk (or
    centres) of extreme magnitude is processed in exactly rescaled units;
    ``state`` stays in the data's units between chunks.
    """
    n = X.shape[0]
    k = state.centers.shape[0]
    state.centers = state.centers.astype(X.dtype, copy=False)
    since = len(state.history)
    scale = data_scale(backend, X, state.centers, weights=weights)
    X, _ = _scaled(backend, X, None, scale)
    rescale_state(state, scale, since)
    order = random_state.permutation(n)
    alpha = min(1.0, batch_size * 2.0 / (n + 1))
    for lo in range(0, n, batch_size):
        start = time.perf_counter()
        idx = order[lo : lo + batch_size]
        Xb = backend.take_rows(X, idx)
        wb = None if weights is None else weights[idx]
        reassign = should_reassign(state, idx.size, k)
        inertia, n_reassigned, _ = minibatch_step(
            Xb,
            wb,
            state,
            backend,
            random_state,
            reassign=reassign,
            ratio=reassignment_ratio,
        )
        batch_inertia = inertia / idx.size
        ewa = _ewa_update(state, batch_inertia, alpha)
        if _record_step(state, batch_inertia, ewa, n_reassigned, start, callback):
            break
    rescale_state(state, -scale, since)
    return state


def partial_fit_carry(
    X: Any,
    weights: Any,
    carry: tuple,
    *,
    backend: Backend,
    n_clusters: int,
    init: Any,
    init_size: int | None,
    batch_size: int,
    reassignment_ratio: float,
) -> tuple:
    """One chunk of a stream as a function of a carried ``(state, rng)``.

    The same work as the estimator's ``partial_fit`` on ``X`` (whose backend
    is ``backend``): the first chunk (``state`` None) seeds the centres with
    :func:`start_partial`, then :func:`partial_fit_chunk` makes one pass.  A
    backend whose chunks live elsewhere (Dask: ``fold_blocks``) runs it next
    to each chunk in turn, so only the centres, counts and the random state
    travel.  Returns the new ``(state, rng)``.
    """
    state, rng = carry
    if weights is not None:
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError("sample_weight contains NaN, infinity or negative values.")
    if X.shape[0] == 0:  # an empty block of a stream: nothing to learn (nor to seed from)
        return state, rng
    if state is None:
        assert init_size is not None  # given for the first chunk
        if X.shape[0] < n_clusters:
            raise ValueError(
                f"The first chunk has {X.shape[0]} rows, fewer than n_clusters="
                f"{n_clusters}: the centres are seeded from it. Use larger chunks."
            )
        state = start_partial(
            X,
            n_clusters,
            init=init,
            init_size=min(init_size, X.shape[0]),
            random_state=rng,
            backend=backend,
            weights=weights,
        )
    partial_fit_chunk(
        X,
        state,
        backend=backend,
        batch_size=min(batch_size, X.shape[0]),
        reassignment_ratio=reassignment_ratio,
        weights=weights,
        random_state=rng,
    )
    return state, rng
