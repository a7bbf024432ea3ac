"""Compiled numba kernels that run whole Lloyd fits of small data in one call.

On a few thousand rows one Lloyd iteration is microseconds of arithmetic,
and the Python around it (two kernel launches, the bookkeeping of
``vqkit.core.lloyd``) costs more than the arithmetic.  :func:`lloyd_runs`
therefore runs complete fits -- from given initial centres to convergence
-- inside compiled code, many independent fits at once: the fits are spread
over the threads (``prange``) and each fit runs serially on one thread, so
its result does not depend on the number of threads.

Each fit follows the rules of ``vqkit.core.fit.fit_kmeans`` with
``empty="relocate"``: stop after ``max_iter`` updates, after an assignment
that changes no label, or after an update that moves the centres by no
more than ``shift_tol`` (total squared distance); an empty centre moves
onto the row farthest from its centre (farthest first, ties to the lowest
row, rows of weight zero never), or, when every row sits on its centre,
onto the centre of the heaviest cluster; the final labels and inertia are those of
the returned centres.  Distances are direct differences in the data's
dtype; sums are accumulated in float64, in row order.
"""

import numpy as np
from numba import njit, prange

from .assign import nearest_direct
from .threads import launch_safely

#: Largest ``rows * centres * features`` of a fit that the CPU backend runs
#: in one compiled call (:meth:`CPUBackend.lloyd_runs`).  Measured on 2
#: cores (d = 10, k-means++ starts): one fit in one call is 1.2-2x faster
#: up to 1M and a little slower at 2M (10,000 x 10, k = 20: 26 ms, not 21);
#: three restarts at once are 1.3-2.2x faster up to 3M.  Above it one fit's
#: arithmetic outgrows the per-iteration overhead, and the parallel
#: kernels of ``vqkit.core.lloyd`` (two cores on one fit) win.
SMALL_FIT_WORK = 2_000_000

#: ``status`` of a fit: stopped by ``max_iter``, converged, or a row found
#: no centre (NaN or inf in the data or the centres; the fit was abandoned).
MAX_ITER, CONVERGED, UNASSIGNED = 0, 1, 2


@njit(cache=True, nogil=True)
def _assign(X, C, labels, min_d2):
    """Nearest centre of every row (ties to the lowest index); updates
    ``labels`` and ``min_d2`` in place.  Returns ``(changed, first_bad,
    n_bad)``: how many labels changed, the first row without a finite
    distance to any centre (-1 if none) and how many such rows."""
    changed = 0
    first_bad = -1
    n_bad = 0
    for i in range(X.shape[0]):
        best_j, best = nearest_direct(X, i, C)
        if best_j < 0:
            n_bad += 1
            if first_bad < 0:
                first_bad = i
        if best_j != labels[i]:
            changed += 1
        labels[i] = best_j
        min_d2[i] = best
    return changed, first_bad, n_bad


@njit(cache=True, nogil=True)
def _inertia(min_d2, w, weighted):
    total = 0.0
    for i in range(min_d2.shape[0]):
        total += np.float64(min_d2[i]) * (w[i] if weighted else 1.0)
    return total


@njit(cache=True, nogil=True)
def _relocate(X, w, weighted, labels, min_d2, sums, wsums):
    """Move each empty centre (ascending) onto the next-farthest row, taking
    the row out of the sums of the cluster it came from.  When every row
    (of positive weight) sits on its centre there is nothing to move onto:
    returns the heaviest cluster, whose centre the empty centres then take
    (scikit-learn's rule); otherwise -1."""
    n, d = X.shape
    on_centres = True
    for i in range(n):
        if (w[i] if weighted else 1.0) > 0 and np.float64(min_d2[i]) != 0:
            on_centres = False
            break
    if on_centres:
        return np.argmax(wsums)
    empty = np.flatnonzero(~(wsums > 0))  # fixed before any row moves
    taken = np.zeros(n, dtype=np.bool_)
    for j in empty:
        far = -1
        far_d = -np.inf
        for i in range(n):
            wi = w[i] if weighted else 1.0
            if not taken[i] and wi > 0 and np.float64(min_d2[i]) > far_d:
                far = i
                far_d = np.float64(min_d2[i])
        if far < 0 or not np.isfinite(far_d):
            return -1  # no usable row left: the remaining centres stay empty
        taken[far] = True
        wi = w[far] if weighted else 1.0
        old = labels[far]
        wsums[old] -= wi
        wsums[j] = wi
        for f in range(d):
            sums[old, f] -= wi * X[far, f]
            sums[j, f] = wi * X[far, f]
    return -1


@njit(cache=True, nogil=True)
def lloyd_fit(X, w, C, max_iter, shift_tol, labels, min_d2):
    """One Lloyd fit of ``X`` (weights ``w``; empty: unit) from the centres
    ``C``, which are updated in place (``X``'s dtype).  Writes the final
    ``labels``/``min_d2`` and returns ``(inertia, n_iter, status,
    first_bad, n_bad)`` (see :data:`CONVERGED`; ``first_bad``: the first
    row that found no centre, or -1, and ``n_bad`` how many found none)."""
    n, d = X.shape
    k = C.shape[0]
    weighted = w.shape[0] == n
    sums = np.empty((k, d))
    wsums = np.empty(k)
    labels[:] = -1
    n_iter = 0
    status = MAX_ITER
    fits = False  # do labels describe the current centres?
    while n_iter < max_iter:
        changed, bad, n_bad = _assign(X, C, labels, min_d2)
        if bad >= 0:
            return np.inf, n_iter, UNASSIGNED, bad, n_bad
        if changed == 0:  # counted as an iteration, as scikit-learn does
            n_iter += 1
            status = CONVERGED
            fits = True
            break
        sums[:] = 0.0
        wsums[:] = 0.0
        for i in range(n):
            j = labels[i]
            wi = w[i] if weighted else 1.0
            wsums[j] += wi
            for f in range(d):
                sums[j, f] += wi * X[i, f]
        joined = -1  # the cluster whose centre the empty centres take
        for j in range(k):
            if not wsums[j] > 0:
                joined = _relocate(X, w, weighted, labels, min_d2, sums, wsums)
                break
        shift = 0.0
        for j in range(k):
            if wsums[j] > 0:  # otherwise the centre keeps its place
                for f in range(d):
                    new = X.dtype.type(sums[j, f] / wsums[j])
                    step = np.float64(new) - np.float64(C[j, f])
                    shift += step * step
                    C[j, f] = new
        if joined >= 0:
            for j in range(k):
                if not wsums[j] > 0:
                    for f in range(d):
                        step = np.float64(C[joined, f]) - np.float64(C[j, f])
                        shift += step * step
                        C[j, f] = C[joined, f]
        n_iter += 1
        if shift <= shift_tol:
            status = CONVERGED
            break
    if not fits:
        _, bad, n_bad = _assign(X, C, labels, min_d2)
        if bad >= 0:
            return np.inf, n_iter, UNASSIGNED, bad, n_bad
    return _inertia(min_d2, w, weighted), n_iter, status, -1, 0


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def lloyd_runs(data, weights, which, centers, ks, max_iter, shift_tol, labels, inertia, info):
    """Run ``len(which)`` independent Lloyd fits, in parallel over the fits.

    Fit ``r`` fits the data set ``data[which[r]]`` (weights
    ``weights[which[r]]``, or unit weights when ``weights`` has no rows)
    from the ``ks[r]`` centres ``centers[r, :ks[r]]``, updated in place,
    with tolerance ``shift_tol[r]``; it writes ``labels[r]``,
    ``inertia[r]`` and ``info[r] = (n_iter, status, first_bad, n_bad)``
    (see :func:`lloyd_fit`).
    """
    n = data.shape[1]
    weighted = weights.shape[0] > 0
    no_weights = np.empty(0)
    for r in prange(which.shape[0]):
        X = data[which[r]]
        w = weights[which[r]] if weighted else no_weights
        min_d2 = np.empty(n, dtype=data.dtype)
        inertia[r], info[r, 0], info[r, 1], info[r, 2], info[r, 3] = lloyd_fit(
            X, w, centers[r, : ks[r]], max_iter, shift_tol[r], labels[r], min_d2
        )
