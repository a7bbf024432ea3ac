"""The Lloyd iteration loop: the one fit driver every interface runs on.

One iteration is: assign every row to its nearest centre, then move every
centre to the (weighted) mean of its rows.  What varies between interfaces
is said by arguments, not by separate loops:

* when to stop -- after ``max_iter`` updates; once the mean (non-squared)
  distance changes by no more than ``distortion_tol`` (SciPy's ``kmeans``);
  once the centres move by no more than ``shift_tol`` in total squared
  distance (scikit-learn's ``tol``); once no label changes;
* what to do with a centre that has no rows -- ``"drop"`` it (the code book
  shrinks), ``"keep"`` its previous position, or ``"relocate"`` it to the
  row farthest from its centre (when every row sits on its centre, onto
  the centre of the heaviest cluster instead, as scikit-learn does);
* what to tell the caller -- ``on_empty`` runs once per iteration that had an
  empty cluster (it may raise), ``callback`` once per iteration with its
  statistics (it may return True to stop the fit).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..backends.base import farthest_host_rows

if TYPE_CHECKING:
    from ..backends import Backend

EMPTY_POLICIES = ("drop", "keep", "relocate")


@dataclass
class IterationStats:
    """What one Lloyd iteration saw: its assignment and the update after it."""

    iteration: int
    #: Mean non-squared Euclidean distance to the nearest centre (SciPy's
    #: "distortion"), in the working dtype, unweighted; None unless the
    #: loop stops on it (``distortion_tol``).
    distortion: Any
    #: (Weighted) sum of squared distances to the nearest centre, float64.
    inertia: float
    #: Rows whose label differs from the previous assignment (all, at first).
    n_changed: int
    #: Centres that had no rows (or only rows of weight zero).
    n_empty: int
    #: Sum over centres of the squared distance each moved in the update.
    center_shift: float
    #: Wall-clock seconds of the iteration.
    seconds: float


@dataclass
class LloydResult:
    """Outcome of :func:`lloyd`."""

    centers: Any
    #: Labels of the last assignment step (before the last update) unless
    #: ``final_assignment`` was requested.
    labels: Any
    #: Number of iterations, counted as scikit-learn counts them: the
    #: updates made, plus the assignment that found no label change when
    #: ``stop_when_stable`` ended the loop (it has no entry in ``history``).
    n_iter: int
    #: Mean distance of ``labels`` (of the final centres with
    #: ``final_assignment``); None unless ``distortion_tol`` was given.
    distortion: Any
    #: (Weighted) sum of squared distances of ``labels``, float64.
    inertia: float
    #: True when a stopping rule other than ``max_iter`` ended the loop.
    converged: bool
    history: list[IterationStats] = field(default_factory=list)


def assign_checked(
    backend: Backend,
    X: Any,
    C: Any,
    origin: Any = None,
    formula: str = "auto",
    assigner: Any = None,
) -> tuple[Any, Any]:
    """Assign rows to centres; raise ``ValueError`` for rows that fit none.

    A row gets no centre when all its distances are NaN or infinite, which
    happens with NaN or inf in the data or the centres, or with values so
    large that squared distances overflow.  With an ``assigner`` (a
    stateful, bound-carrying assigner of ``X`` from the backend) it does
    the work instead of ``backend.assign``.
    """
    if assigner is None:
        labels, min_d2 = backend.assign(X, C, origin, formula)
    else:
        labels, min_d2 = assigner.assign(C)
    unassigned = labels < 0
    if bool(backend.xp.any(unassigned)):
        rows = np.flatnonzero(backend.to_host(unassigned))
        raise unassigned_error(rows.size, int(rows[0]))
    return labels, min_d2


def unassigned_error(count: int, first: int) -> ValueError:
    """The ``ValueError`` for ``count`` rows (the first is row ``first``)
    that have no finite distance to any centre."""
    return ValueError(
        f"{count} observation(s) (the first is row {first}) have no "
        "finite distance to any code: the data or the code book contains NaN "
        "or inf, or values so large that squared distances overflow. Remove "
        "or impute non-finite values (check_finite=True in the SciPy-style "
        "functions reports them), or rescale the data."
    )


def fused_step(
    backend: Backend,
    X: Any,
    centers: Any,
    weights: Any,
    previous_labels: Any,
    origin: Any,
    formula: str,
    n_far: int,
    assigner: Any = None,
) -> Any:
    """One read of ``X`` that assigns, sums and measures at once, for
    backends with the ``"assign_and_sum"`` capability (data on a cluster, where a
    second read per iteration would double the time; data on a GPU, where
    every scalar read stalls the device; NumPy data, where one compiled pass
    after the assignment replaces several; an ``assigner`` from the backend's
    ``bounded_assigner`` carries bounds between steps).  Returns the
    backend's step; its scalars are read by :func:`read_step`."""
    kwargs = {} if assigner is None else {"assigner": assigner}
    return backend.assign_and_sum(
        X,
        centers,
        weights,
        previous_labels,
        origin=origin,
        formula=formula,
        n_far=n_far,
        **kwargs,
    )


def read_step(backend: Backend, step: Any, *extra: Any) -> tuple[float, int, list[float]]:
    """The inertia and changed-label count of a fused ``step``, and the
    values of the 0-d arrays ``extra``, in one read from the backend's
    device (:meth:`~vqkit.backends.Backend.host_values`); raises
    ``ValueError`` when a row found no centre."""
    inertia, n_changed, n_unassigned, *rest = backend.host_values(
        step.inertia, step.n_changed, step.n_unassigned, *extra
    )
    if n_unassigned:
        raise unassigned_error(int(n_unassigned), int(step.first_unassigned))
    return inertia, int(n_changed), rest


def mean_distance(xp: Any, min_d2: Any) -> Any:
    """Mean of the non-squared distances (NaN for no rows, as NumPy gives)."""
    return xp.mean(xp.sqrt(min_d2))


def total_inertia(xp: Any, min_d2: Any, weights: Any) -> float:
    """(Weighted) sum of squared distances, accumulated in float64."""
    if weights is None:
        return float(xp.sum(min_d2, dtype=xp.float64))
    return float(xp.sum(weights * min_d2, dtype=xp.float64))


def farthest_rows(backend: Backend, weights: Any, min_d2: Any, count: int) -> np.ndarray:
    """Up to ``count`` rows farthest from their centre (largest distance,
    then lowest index), rows of weight zero excluded."""
    host_weights = None if weights is None else backend.to_host(weights)
    return farthest_host_rows(backend.to_host(min_d2), host_weights, count)


def relocate_empty(
    X: Any,
    weights: Any,
    labels: Any,
    min_d2: Any,
    sums: Any,
    wsums: Any,
    empty: np.ndarray,
    backend: Backend,
    far: tuple | None = None,
) -> None:
    """Move each empty centre onto one of the rows farthest from its centre.

    The farthest rows are taken in order, one per empty centre, and removed
    from the sums of the cluster they came from.  Works on the float64
    ``sums`` and ``wsums`` in place; with fewer usable rows than empty
    centres the rest stay empty.  ``far``: the farthest rows already found
    by the backend, as ``(rows, their labels, their weights)`` (a fused
    step); otherwise they are taken from ``min_d2``.
    """
    if far is None:
        farthest = farthest_rows(backend, weights, min_d2, empty.size)
        far = (
            farthest,
            [int(labels[i]) for i in farthest],
            [1.0 if weights is None else float(weights[i]) for i in farthest],
        )
    rows, old_labels, row_weights = (list(part)[: empty.size] for part in far)
    values: Any = backend.dense_rows(X, rows) if rows else []
    for r, (j, old, w) in enumerate(zip(empty, old_labels, row_weights)):
        j, old, w = int(j), int(old), float(w)
        row = values[r, :]
        sums[old, :] -= w * row
        wsums[old] -= w
        sums[j, :] = w * row
        wsums[j] = w


def relocate_empty_medians(
    X: Any,
    weights: Any,
    min_d2: Any,
    medians: np.ndarray,
    has_members: np.ndarray,
    backend: Backend,
) -> None:
    """Put each empty centre on one of the rows farthest from its centre
    (k-medians: the other centres keep their medians)."""
    empty = np.flatnonzero(~has_members)
    for j, i in zip(empty, farthest_rows(backend, weights, min_d2, empty.size)):
        medians[j] = X[i]
        has_members[j] = True


def mean_update(
    backend: Backend,
    sums: Any,
    wsums: Any,
    has_members: Any,
    centers: Any,
    dtype: Any,
    spherical: bool,
) -> tuple[Any, Any, Any]:
    """The centres after an update: ``(new_centers, has_members, shift)``.

    Each centre with members moves to ``sums / wsums`` (to ``sums`` itself
    when ``wsums`` is None: medians), normalised to unit length when
    ``spherical`` (a zero mean then counts as empty); the others keep their
    place.  ``shift`` is the total squared distance moved, a 0-d float64
    array of the backend's library: written with ``where`` and no boolean
    indexing, so that a device computes it without stopping.
    """
    xp = backend.xp
    means = sums
    if wsums is not None:
        means = sums / xp.where(has_members, wsums, xp.ones_like(wsums))[:, None]
    if spherical:  # unit-length centres; a zero mean has no direction
        norms = xp.sqrt(xp.sum(means * means, axis=1))
        has_members = has_members & (norms > 0)
        means = means / xp.where(has_members, norms, xp.ones_like(norms))[:, None]
    new_centers = xp.where(
        has_members[:, None], backend.astype(means, dtype), backend.astype(centers, dtype)
    )
    delta = backend.astype(new_centers, xp.float64) - centers
    return new_centers, has_members, xp.sum(delta * delta)


def drop_empty(backend: Backend, centers: Any, has_members: Any) -> Any:
    """The rows of ``centers`` that have members (the code book shrinks)."""
    keep = np.flatnonzero(backend.to_host(has_members))
    return backend.take_rows(centers, keep)


def lloyd(
    X: Any,
    centers: Any,
    *,
    backend: Backend,
    weights: Any = None,
    max_iter: int | None = None,
    distortion_tol: float | None = None,
    shift_tol: float | None = None,
    stop_when_stable: bool = False,
    empty: str = "keep",
    on_empty: Callable[[], None] | None = None,
    final_assignment: bool = False,
    callback: Callable[[IterationStats], Any] | None = None,
    origin: Any = None,
    formula: str = "auto",
    assigner: Any = None,
    spherical: bool = False,
    medians: bool = False,
) -> LloydResult:
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
        Provides ``assign`` and ``cluster_sums`` (see ``vqkit.backends``).
        A backend with the ``"assign_and_sum"`` capability (CPU, Dask,
        Array API) gets one fused call per iteration instead -- assignment, sums,
        inertia, changed labels and the farthest rows from one read of
        ``X``, with the ``assigner``'s bounds if given -- unless ``medians``
        or ``distortion_tol`` ask for the separate steps.  The update then
        runs on the backend's arrays and the iteration's scalars come back
        in one :meth:`~vqkit.backends.Backend.host_values` read (a GPU
        waits once per iteration).
    weights : 1-D array or None
        Non-negative weight of each row (float64); None: all ones.
    max_iter : int or None
        Stop after this many updates.  ``None``: no limit.
    distortion_tol : float or None
        Stop once the mean distance of an assignment differs from the
        previous one by no more than this.  The test runs before every
        iteration, the first one included, where the change counts as
        infinite; so at least two iterations run unless the tolerance is
        infinite.
    shift_tol : float or None
        Stop after an update that moved the centres by no more than this,
        in total squared distance.
    stop_when_stable : bool
        Stop when an assignment leaves every label unchanged (the update
        after it would not move any centre).
    empty : {"keep", "drop", "relocate"}
        What happens to a centre that has no rows after an assignment.
    on_empty : callable or None
        Called with no arguments once for each iteration that had at least
        one empty cluster (before ``empty`` is applied); may raise.
    final_assignment : bool
        Assign once more after the loop so that ``labels``, ``distortion``
        and ``inertia`` describe the returned centres.
    callback : callable or None
        Called with an :class:`IterationStats` after each iteration; a
        return value of True stops the loop.
    origin : 1-D array or None
        Passed to the backend's ``assign`` (a point near the data that
        keeps expanded-form distances accurate).
    formula : {"auto", "scipy"}
        Passed to the backend's ``assign``: ``"scipy"`` computes distances
        as SciPy's ``vq`` does, for bitwise-close results.
    assigner : object or None
        A bound-carrying assigner of ``X`` (``backend.bounded_assigner``)
        used for the iterations instead of full scans; same labels.
    spherical : bool
        Normalise every updated centre to unit length (spherical k-means,
        for unit-length rows: nearest in Euclidean distance is then nearest
        in cosine).  A centre whose mean is the zero vector counts as empty.
    medians : bool
        Move every centre to the (weighted) coordinate-wise median of its
        rows instead of their mean (k-medians; pair it with an ``assigner``
        that assigns in Manhattan distance, whose distances then make
        ``inertia``).
    """
    if empty not in EMPTY_POLICIES:
        raise ValueError(f"empty must be one of {EMPTY_POLICIES}, got {empty!r}")
    xp = backend.xp
    history = []
    labels = previous_labels = None
    distortion: Any = None
    inertia: Any = None
    previous = float("inf")
    change = float("inf")
    n_iter = 0
    converged = False
    labels_fit_centers = False  # do labels describe the current centres?
    # one read of X per iteration where the backend can fuse the steps
    fused = "assign_and_sum" in backend.capabilities and not medians and distortion_tol is None
    step: Any = None
    while max_iter is None or n_iter < max_iter:
        if distortion_tol is not None and not change > distortion_tol:
            converged = True
            break
        start = time.perf_counter()
        k = centers.shape[0]
        if fused:
            # the backend assigns and sums, the update follows on its arrays,
            # and one read brings every scalar of the iteration back (the
            # update is wasted when the loop then stops on stable labels)
            far = k if empty == "relocate" else 0
            step = fused_step(
                backend, X, centers, weights, previous_labels, origin, formula, far, assigner
            )
            labels, min_d2, sums, wsums = step.labels, None, step.sums, step.wsums
            members = wsums > 0
            new_centers, has_members, shift = mean_update(
                backend, sums, wsums, members, centers, X.dtype, spherical
            )
            inertia, n_changed, (empty_count, shift) = read_step(
                backend, step, k - xp.count_nonzero(members), shift
            )
            n_empty = int(empty_count)
        else:
            labels, min_d2 = assign_checked(backend, X, centers, origin, formula, assigner)
            n_changed = (
                labels.shape[0]
                if previous_labels is None
                else int(xp.count_nonzero(labels != previous_labels))
            )
            if distortion_tol is not None:
                distortion = mean_distance(xp, min_d2)
            inertia = total_inertia(xp, min_d2, weights)
        if stop_when_stable and n_changed == 0:
            # the update after this pass would move nothing; scikit-learn
            # counts the pass as an iteration
            n_iter += 1
            converged = labels_fit_centers = True
            break
        if not fused:
            if medians:
                sums, members = backend.cluster_medians(X, labels, k, weights)
                wsums = None
            else:
                sums, wsums = backend.cluster_sums(X, labels, k, weights)
                members = wsums > 0
            n_empty = int(k - xp.count_nonzero(members))
        relocated = False
        joined = None  # the cluster whose centre the empty centres take
        if n_empty:
            if on_empty is not None:
                on_empty()
            if empty == "relocate" and not medians and inertia == 0:
                # every row sits on its centre (more centres than distinct
                # rows): no row to relocate onto; as scikit-learn, the
                # empty centres take the centre of the heaviest cluster
                joined = int(xp.argmax(wsums))
            elif empty == "relocate" and medians:
                relocate_empty_medians(X, weights, min_d2, sums, members, backend)
                relocated = True
            elif empty == "relocate":
                relocate_empty(
                    X,
                    weights,
                    labels,
                    min_d2,
                    sums,
                    wsums,
                    np.flatnonzero(backend.to_host(~members)),
                    backend,
                    far=(step.far_rows, step.far_labels, step.far_weights) if fused else None,
                )
                members = wsums > 0
                relocated = True
        if not fused or relocated:
            new_centers, has_members, shift = mean_update(
                backend, sums, wsums, members, centers, X.dtype, spherical
            )
            shift = float(shift)
        if n_empty and empty == "drop":
            new_centers = drop_empty(backend, new_centers, has_members)
            shift = float("nan")
        elif joined is not None:
            new_centers = xp.where(has_members[:, None], new_centers, new_centers[joined, :])
            delta = backend.astype(new_centers, xp.float64) - centers
            shift = float(xp.sum(delta * delta))
        centers = new_centers
        if distortion_tol is not None:
            change = abs(previous - distortion)
            previous = distortion
        previous_labels = labels
        n_iter += 1
        stats = IterationStats(
            iteration=n_iter - 1,
            distortion=distortion,
            inertia=inertia,
            n_changed=n_changed,
            n_empty=n_empty,
            center_shift=shift,
            seconds=time.perf_counter() - start,
        )
        history.append(stats)
        if callback is not None and callback(stats):
            break
        if shift_tol is not None and shift <= shift_tol:
            converged = True
            break
    if fused and ((final_assignment and not labels_fit_centers) or labels is None):
        step = fused_step(backend, X, centers, weights, None, origin, formula, 0, assigner)
        labels = step.labels
        inertia = read_step(backend, step)[0]
    elif (final_assignment and not labels_fit_centers) or labels is None:
        labels, min_d2 = assign_checked(backend, X, centers, origin, formula, assigner)
        if distortion_tol is not None:
            distortion = mean_distance(xp, min_d2)
        inertia = total_inertia(xp, min_d2, weights)
    return LloydResult(
        centers=centers,
        labels=labels,
        n_iter=n_iter,
        distortion=distortion,
        inertia=inertia,
        converged=converged,
        history=history,
    )
