"""Sums over rows in a fixed order: per cluster (the centre update, alone
or with the rest of a Lloyd iteration), per column (mean and variance),
and the count of non-finite entries."""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely


@njit(cache=True, nogil=True)
def _sum_range(X, weights, labels, min_d2, previous, start, stop, sums, wsums, counts):
    """One row range of :func:`lloyd_step`.

    Sets ``sums`` (k, d) and ``wsums`` (k,) to the float64 sums of
    ``weights[i] * X[i]`` and ``weights[i]`` over the rows ``start:stop``
    per label (unit weights when ``weights`` is empty), added in row
    order; rows labelled ``-1`` (no centre) are left out.  Returns the
    sum of ``weights[i] * min_d2[i]`` over the same rows in the same order
    (0 when ``min_d2`` is empty), and sets ``counts`` to the rows whose
    label differs from ``previous`` (0 when ``previous`` is empty), the
    rows labelled ``-1`` and the first of them (``-1`` for none).
    """
    n, d = X.shape
    weighted = weights.shape[0] == n
    measured = min_d2.shape[0] == n
    compare = previous.shape[0] == n
    sums[:] = 0.0
    wsums[:] = 0.0
    inertia = 0.0
    changed = 0
    unassigned = 0
    first = -1
    for i in range(start, stop):
        j = labels[i]
        if compare:
            changed += j != previous[i]
        if j < 0:
            if unassigned == 0:
                first = i
            unassigned += 1
            continue
        acc = sums[j]
        row = X[i]
        if weighted:
            w = np.float64(weights[i])
            wsums[j] += w
            if measured:
                inertia += w * np.float64(min_d2[i])
            for f in range(d):
                acc[f] += w * row[f]
        else:
            wsums[j] += 1.0
            if measured:
                inertia += np.float64(min_d2[i])
            for f in range(d):
                acc[f] += row[f]
    counts[0] = changed
    counts[1] = unassigned
    counts[2] = first
    return inertia


@njit(cache=True, nogil=True)
def _add_parts(part_sums, part_wsums, sums, wsums):
    """Add the per-range sums into ``sums`` and ``wsums`` in range order (on
    one thread: a second parallel region would cost more than it saves)."""
    parts, k, d = part_sums.shape
    for p in range(parts):
        for j in range(k):
            wsums[j] += part_wsums[p, j]
            acc = sums[j]
            part = part_sums[p, j]
            for f in range(d):
                acc[f] += part[f]


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def lloyd_step(X, weights, labels, min_d2, previous, parts, sums, wsums):
    """Everything a Lloyd iteration needs after the assignment, in one pass.

    Adds ``weights[i] * X[i]`` into ``sums[labels[i]]`` and the weights
    into ``wsums`` (float64).  The rows are cut into ``parts`` contiguous
    ranges; each range is summed in row order into a buffer of its own, in
    parallel, and the buffers are then added in range order.  ``parts`` is
    chosen by the caller from the problem size only, so the result is the
    same for any number of threads.  With ``parts == 1`` and no weights
    every centre's sum is accumulated in observation order (for float64
    data, bitwise what SciPy computes).  In the same pass it returns
    ``(inertia, n_changed, n_unassigned, first_unassigned)`` (the centre
    update alone passes empty ``min_d2`` and ``previous``):

    * ``inertia``: the sum of ``weights[i] * min_d2[i]`` (of ``min_d2[i]``
      without weights) in float64, per range in row order, the ranges
      added in order (the same for any number of threads);
    * ``n_changed``: rows whose label differs from ``previous`` (every
      row when ``previous`` is empty);
    * ``n_unassigned``, ``first_unassigned``: the rows labelled ``-1``
      (no finite distance to any centre) and the first of them (``-1``
      when there is none); they add nothing to the sums or the inertia.

    An empty ``weights`` array means unit weights.
    """
    n, d = X.shape
    k = sums.shape[0]
    part_sums = np.empty((parts, k, d))
    part_wsums = np.empty((parts, k))
    part_inertia = np.empty(parts)
    counts = np.empty((parts, 3), dtype=np.int64)
    rows = (n + parts - 1) // parts
    for p in prange(parts):
        start = p * rows
        stop = min(n, start + rows)
        part_inertia[p] = _sum_range(
            X,
            weights,
            labels,
            min_d2,
            previous,
            start,
            stop,
            part_sums[p],
            part_wsums[p],
            counts[p],
        )
    _add_parts(part_sums, part_wsums, sums, wsums)
    inertia = 0.0
    first_unassigned = -1
    for p in range(parts):
        inertia += part_inertia[p]
        if first_unassigned < 0:
            first_unassigned = counts[p, 2]
    n_changed = counts[:, 0].sum() if previous.shape[0] == n else n
    return inertia, n_changed, counts[:, 1].sum(), first_unassigned


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def column_sums(X, weights, center, power, parts, out):
    """``out[f] = sum_i w_i (X[i, f] - center[f]) ** power`` in float64, over
    ``parts`` fixed row ranges added in order (deterministic).  An empty
    ``weights`` array means unit weights."""
    n, d = X.shape
    weighted = weights.shape[0] == n
    rows = (n + parts - 1) // parts
    partial = np.zeros((parts, d))
    for p in prange(parts):
        for i in range(p * rows, min(n, (p + 1) * rows)):
            w = np.float64(weights[i]) if weighted else 1.0
            for f in range(d):
                v = np.float64(X[i, f]) - center[f]
                partial[p, f] += w * v if power == 1 else w * v * v
    for p in range(parts):
        for f in range(d):
            out[f] += partial[p, f]


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def min_nonzero_abs(X):
    """Smallest non-zero magnitude of the 2-D array ``X`` (``inf`` when it
    has none), in one pass without temporaries."""
    n, d = X.shape
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    smallest = np.full(n_chunks, np.inf)
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            for f in range(d):
                a = abs(X[i, f])
                if a > 0 and a < smallest[chunk]:
                    smallest[chunk] = a
    return smallest.min() if n_chunks else np.inf


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def count_non_finite(X):
    """Number of NaN or infinite entries of the 2-D array ``X`` (no temporaries)."""
    n, d = X.shape
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    counts = np.zeros(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            for f in range(d):
                if not np.isfinite(X[i, f]):
                    counts[chunk] += 1
    return counts.sum()
