"""The Lloyd iteration loop: the one fit driver every interface runs on.

One iteration is: assign every row to its nearest centre, then move every
centre to the mean of its rows.  What varies between interfaces is said by
arguments, not by separate loops:

* when to stop -- after ``max_iter`` updates, and/or once the mean
  (non-squared) distance changes by no more than ``distortion_tol``;
* what to do with a centre that lost all its rows -- ``"drop"`` it (the
  code book shrinks) or ``"keep"`` its previous position;
* what to tell the caller -- ``on_empty`` runs once per iteration that had an
  empty cluster, ``callback`` once per iteration with its statistics.
"""

from dataclasses import dataclass, field

import numpy as np

EMPTY_POLICIES = ("drop", "keep")


@dataclass
class IterationStats:
    """What one Lloyd iteration saw, measured before its update."""

    iteration: int
    #: Mean non-squared Euclidean distance to the nearest centre (SciPy's
    #: "distortion"), in the working dtype.
    distortion: float
    #: Sum of squared distances to the nearest centre, in float64.
    inertia: float
    #: Number of centres that had no rows.
    n_empty: int


@dataclass
class LloydResult:
    """Outcome of :func:`lloyd`."""

    centers: np.ndarray
    #: Labels of the last assignment step (before the last update) unless
    #: ``final_assignment`` was requested.
    labels: np.ndarray
    n_iter: int
    #: Distortion of ``labels``: of the last assignment, or of the final
    #: centres when ``final_assignment`` was requested.
    distortion: float
    history: list = field(default_factory=list)


def assign_checked(backend, X, C):
    """Assign rows to centres; raise ``ValueError`` for rows that fit none.

    A row gets no centre when all its distances are NaN or infinite, which
    happens with NaN or inf in the data or the centres, or with values so
    large that squared distances overflow.
    """
    labels, min_d2 = backend.assign(X, C)
    xp = backend.xp
    unassigned = labels < 0
    if bool(xp.any(unassigned)):
        rows = np.flatnonzero(np.asarray(unassigned))
        raise ValueError(
            f"{rows.size} observation(s) (the first is row {int(rows[0])}) have no "
            "finite distance to any code: the data or the code book contains NaN "
            "or inf, or values so large that squared distances overflow. Remove "
            "or impute non-finite values (check_finite=True reports them), or "
            "rescale the data."
        )
    return labels, min_d2


def mean_distance(xp, min_d2):
    """Mean of the non-squared distances (NaN for no rows, as NumPy gives)."""
    return xp.mean(xp.sqrt(min_d2))


def lloyd(
    X,
    centers,
    *,
    backend,
    max_iter=None,
    distortion_tol=None,
    empty="keep",
    on_empty=None,
    final_assignment=False,
    callback=None,
):
    """Run Lloyd iterations on the 2-D data ``X`` from ``centers``.

    Parameters
    ----------
    X : 2-D array
        The observations, float32 or float64.
    centers : 2-D array
        Initial centres; their dtype may differ from ``X`` (the first
        assignment then runs in the common dtype).  Updated centres have
        ``X``'s dtype.
    backend
        Provides ``assign`` and ``cluster_means`` (see ``vqkit.backends``).
    max_iter : int or None
        Stop after this many updates.  ``None``: no limit.
    distortion_tol : float or None
        Stop once the mean distance of an assignment differs from the
        previous one by no more than this.  The test runs before every
        iteration, the first one included, where the change counts as
        infinite; so at least two iterations run unless the tolerance is
        infinite.  ``None``: not used.
    empty : {"keep", "drop"}
        What happens to a centre that has no rows after an assignment.
    on_empty : callable or None
        Called with no arguments once for each iteration that had at least
        one empty cluster (before ``empty`` is applied); may raise.
    final_assignment : bool
        Assign once more after the loop so that ``labels`` and
        ``distortion`` describe the returned centres.
    callback : callable or None
        Called with an :class:`IterationStats` after each assignment.
    """
    if empty not in EMPTY_POLICIES:
        raise ValueError(f"empty must be one of {EMPTY_POLICIES}, got {empty!r}")
    xp = backend.xp
    history = []
    labels = None
    distortion = None
    previous = float("inf")
    change = float("inf")
    n_iter = 0
    while (max_iter is None or n_iter < max_iter) and (
        distortion_tol is None or change > distortion_tol
    ):
        labels, min_d2 = assign_checked(backend, X, centers)
        distortion = mean_distance(xp, min_d2)
        new_centers, has_members = backend.cluster_means(X, labels, centers.shape[0])
        n_empty = int(has_members.size - xp.sum(has_members))
        stats = IterationStats(
            iteration=n_iter,
            distortion=distortion,
            inertia=float(xp.sum(min_d2, dtype=xp.float64)),
            n_empty=n_empty,
        )
        history.append(stats)
        if callback is not None:
            callback(stats)
        if n_empty:
            if on_empty is not None:
                on_empty()
            if empty == "drop":
                new_centers = new_centers[has_members]
            else:
                new_centers[~has_members] = centers[~has_members]
        centers = new_centers
        change = abs(previous - distortion)
        previous = distortion
        n_iter += 1
    if final_assignment or labels is None:
        labels, min_d2 = assign_checked(backend, X, centers)
        distortion = mean_distance(xp, min_d2)
    return LloydResult(
        centers=centers,
        labels=labels,
        n_iter=n_iter,
        distortion=distortion,
        history=history,
    )
