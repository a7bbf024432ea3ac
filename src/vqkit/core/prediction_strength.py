"""Prediction strength (Tibshirani and Walther, JCGS 14:511-528, 2005).

Split the rows at random into two halves, a "test" and a "training" half,
and cluster both into k clusters.  For each test cluster, count the pairs of
its members that the training clustering (its centres, applied to the test
rows) also puts together; the prediction strength is the smallest of these
proportions over the test clusters.  When k matches real structure, both
halves find the same clusters and the strength is near 1; when k is too
large, some true cluster is cut differently in the two halves and the
strength drops.  ``ps(1) = 1`` always, so k = 1 is a possible answer.

Here each split is used both ways round (each half serves once as test and
once as training set; the two strengths are averaged), and ``repeats``
random splits are averaged.  The estimate is the largest k whose mean
strength reaches a threshold (0.8 in the paper's examples).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .fit import fit_starts
from .lloyd import assign_checked
from .seeding import greedy_kmeans_plusplus, shared_distances

if TYPE_CHECKING:
    from ..backends import Backend


def pair_agreement(test_labels: Any, predicted: Any, k: int) -> float:
    """Smallest proportion, over test clusters with >= 2 members, of member
    pairs that ``predicted`` also puts in one cluster (NaN if no cluster has
    two members)."""
    table = (
        np.bincount(np.asarray(test_labels, dtype=np.int64) * k + predicted, minlength=k * k)
        .reshape(k, k)
        .astype(np.float64)
    )
    sizes = table.sum(axis=1)
    together = (table * (table - 1)).sum(axis=1)
    valid = sizes >= 2
    if not valid.any():
        return np.nan
    return float(np.min(together[valid] / (sizes[valid] * (sizes[valid] - 1))))


def prediction_strength(
    X: np.ndarray,
    ks: Sequence[int],
    rng: Any,
    *,
    backend: Backend,
    repeats: int = 2,
    n_init: int = 1,
    max_iter: int = 300,
    on_repeat: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Mean prediction strength of k-means for each k of ``ks``.

    ``X`` is a float array and ``backend`` its backend, ``rng`` a
    ``RandomState`` (splits and seedings).  A k larger than a half's number
    of rows gets NaN.  ``on_repeat(r)`` is called after each split.
    """
    n = X.shape[0]
    half = n // 2
    strengths = np.full((repeats, len(ks)), np.nan)
    for r in range(repeats):
        order = rng.permutation(n)
        halves = [
            np.ascontiguousarray(X[np.sort(order[:half])]),
            np.ascontiguousarray(X[np.sort(order[half:])]),
        ]
        fitted = [(i, int(k)) for i, k in enumerate(ks) if 1 < k <= half]
        strengths[r, [i for i, k in enumerate(ks) if k == 1]] = 1.0
        for (i, k), fits in zip(
            fitted, _fit_halves(halves, [k for _, k in fitted], rng, backend, n_init, max_iter)
        ):
            both = []
            for test, train in ((0, 1), (1, 0)):
                predicted, _ = assign_checked(backend, halves[test], fits[train].centers)
                both.append(pair_agreement(fits[test].labels, np.asarray(predicted), k))
            strengths[r, i] = np.mean(both)
        if on_repeat is not None:
            on_repeat(r + 1)
    return strengths.mean(axis=0)


def _fit_halves(halves, ks, rng, backend, n_init, max_iter):
    """For each k, the best of ``n_init`` k-means++ fits of each half.

    The seedings are drawn from ``rng`` in the order the fits were always
    made (k by k, half by half, restart by restart; a small half seeded from
    one matrix of its row-to-row distances); the fits, which draw
    nothing, then run together (:func:`~vqkit.core.fit.fit_starts`)."""
    which = [h for _ in ks for h in range(2) for _ in range(n_init)]
    # every k seeds the same halves: their distances computed once where small
    shared = [shared_distances(h, max(ks), backend) if ks else None for h in halves]
    starts = [
        greedy_kmeans_plusplus(halves[h], k, rng, backend, distances=shared[h])
        for k in ks
        for h in range(2)
        for _ in range(n_init)
    ]
    runs = fit_starts(halves, starts, which, backend=backend, max_iter=max_iter)
    best = [
        min(runs[g * n_init : (g + 1) * n_init], key=lambda run: run.inertia)
        for g in range(2 * len(ks))
    ]
    return [best[2 * j : 2 * j + 2] for j in range(len(ks))]


def strength_pick(ks: Sequence[int], strength: Any, threshold: float = 0.8) -> int | None:
    """The largest k whose prediction strength is at least ``threshold``
    (None if none is, which cannot happen when k = 1 is among ``ks``).

    Examples
    --------
    >>> strength_pick([1, 2, 3, 4], [1.0, 0.97, 0.55, 0.82])
    4
    >>> strength_pick([1, 2, 3], [1.0, 0.6, 0.5])
    1
    """
    best = None
    for k, s in zip(ks, strength):
        if s >= threshold:
            best = int(k)
    return best
