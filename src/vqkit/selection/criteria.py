"""The six criteria of :func:`vqkit.choose_k`: each scores the fits of every
k (or fits its own) and picks a k, or declines with a note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..core.gap import gap_pick, gap_statistic
from ..core.knee import kneedle
from ..core.prediction_strength import prediction_strength, strength_pick
from ..metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

if TYPE_CHECKING:
    from ..backends import Backend
    from ..estimators import KMeans

#: The criteria, in the order they are reported.
METHODS = (
    "elbow",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "gap",
    "prediction_strength",
)

#: Other names accepted for a criterion (``heldout`` was prediction
#: strength's name before vqkit 0.2).
ALIASES = {"heldout": "prediction_strength", "held_out": "prediction_strength"}

#: Each criterion's rule, in words (for the report).
RULES = {
    "elbow": "Kneedle knee of the inertia curve",
    "silhouette": "largest mean silhouette",
    "calinski_harabasz": "largest Calinski-Harabasz score",
    "davies_bouldin": "smallest Davies-Bouldin score",
    "gap": "smallest k with Gap(k) >= Gap(k+1) - s(k+1)",
    "prediction_strength": "largest k with prediction strength >= threshold",
}


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """``size`` distinct row indices out of ``n``, sorted."""
    return np.sort(np.random.RandomState(seed).permutation(n)[:size])


def score_fit(
    X: np.ndarray,
    labels: np.ndarray,
    i: int,
    methods: Sequence[str],
    table: dict[str, np.ndarray],
    sil_rows: np.ndarray | None,
) -> None:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin of one fit (NaN
    where fewer than 2 or more than n - 1 distinct clusters)."""
    n = X.shape[0]
    distinct = np.count_nonzero(np.bincount(labels))
    valid = 2 <= distinct <= n - 1
    if valid and "calinski_harabasz" in methods:
        table["calinski_harabasz"][i] = calinski_harabasz_score(X, labels)
    if valid and "davies_bouldin" in methods:
        table["davies_bouldin"][i] = davies_bouldin_score(X, labels)
    if "silhouette" in methods:
        Xs, ls = (X, labels) if sil_rows is None else (X[sil_rows], labels[sil_rows])
        if 2 <= np.count_nonzero(np.bincount(ls)) <= len(ls) - 1:
            table["silhouette"][i] = silhouette_score(Xs, ls)


def pick_elbow(ks: Sequence[int], inertia: np.ndarray, S: float, notes: list[str]) -> int | None:
    """The Kneedle knee of the inertia curve, or None (with a note)."""
    if len(ks) < 3:
        notes.append("the elbow needs at least 3 values of k")
        return None
    knee = kneedle(ks, inertia, S=S).knee
    if knee is None:
        notes.append("the elbow curve has no knee")
    return knee


def pick_best(
    ks: Sequence[int],
    values: np.ndarray,
    best: Callable[[np.ndarray], np.intp],
    method: str,
    notes: list[str],
) -> int | None:
    """The k whose defined score ``best`` (``np.argmax`` or ``np.argmin``)
    selects, or None (with a note) when no k has a score."""
    defined = ~np.isnan(values)
    if not defined.any():
        notes.append(f"{method} is undefined for every k tried (it needs 2 to n-1 clusters)")
        return None
    index = np.flatnonzero(defined)[best(values[defined])]
    return int(ks[index])


def run_gap(
    X: np.ndarray,
    backend: Backend,
    ks: Sequence[int],
    table: dict[str, np.ndarray],
    models: dict[int, KMeans],
    weights: np.ndarray | None,
    B: int,
    reference: str,
    rows: int | None,
    seed: int,
    step: Callable[[str], None],
    notes: list[str],
) -> int | None:
    """Fill the ``gap`` and ``gap_sd`` columns; the gap rule's pick."""
    rs = np.random.RandomState(seed)
    n = X.shape[0]
    inertias: np.ndarray | None = table["inertia"]
    starts: list[np.ndarray] | None = None
    if rows is not None and n > max(rows, max(ks)):
        rows = max(rows, max(ks))
        # data and references must have the same size: refit a sample,
        # starting from the centres fitted on all the rows (see core.gap)
        keep = sample_rows(n, rows, rs.randint(2**31 - 1))
        X, weights, inertias = X[keep], None if weights is None else weights[keep], None
        starts = [models[k].cluster_centers_ for k in ks]
        notes.append(
            f"the gap statistic was computed on a sample of {rows} of {n} rows "
            "(data sample and reference sets of that size)"
        )
    result = gap_statistic(
        X,
        ks,
        backend=backend,
        inertias=inertias,
        starts=starts,
        weights=weights,
        n_references=B,
        reference=reference,
        rng=rs,
        on_reference=lambda b: step(f"gap reference {b}/{B}"),
    )
    table["gap"][:] = result.gap
    table["gap_sd"][:] = result.s
    pick = gap_pick(ks, result.gap, result.s)
    if pick is None:
        notes.append("the gap keeps rising through the range: try larger k")
    return pick


def run_prediction_strength(
    X: np.ndarray,
    backend: Backend,
    ks: Sequence[int],
    table: dict[str, np.ndarray],
    threshold: float,
    repeats: int,
    rows: int | None,
    max_iter: int,
    seed: int,
    step: Callable[[str], None],
    notes: list[str],
) -> int | None:
    """Fill the ``prediction_strength`` column; its pick."""
    rs = np.random.RandomState(seed)
    n = X.shape[0]
    if rows is not None and n > rows:
        X = X[sample_rows(n, rows, rs.randint(2**31 - 1))]
        notes.append(f"prediction strength was computed on a sample of {rows} of {n} rows")
    strength = prediction_strength(
        X,
        ks,
        rs,
        backend=backend,
        repeats=repeats,
        n_init=1,
        max_iter=max_iter,
        on_repeat=lambda r: step(f"held-out split {r}/{repeats}"),
    )
    table["prediction_strength"][:] = strength
    undefined = [int(k) for k, s in zip(ks, strength) if np.isnan(s)]
    if undefined:
        notes.append(
            "prediction strength is undefined for k = "
            + ", ".join(map(str, undefined))
            + " (a half of the rows gives clusters without pairs of rows to compare)"
        )
    return strength_pick(ks, strength, threshold)
