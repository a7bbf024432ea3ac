"""Sums over rows in a fixed order: per cluster (the centre update), per
column (mean and variance), and the count of non-finite entries."""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def cluster_sums(X, weights, labels, parts, sums, wsums):
    """Add ``weights[i] * X[i]`` into ``sums[labels[i]]`` (float64).

    The rows are cut into ``parts`` contiguous ranges; each range is summed
    in row order into a buffer of its own, in parallel, and the buffers are
    then added in range order.  ``parts`` is chosen by the caller from the
    problem size only, so the result is the same for any number of threads.
    With ``parts == 1`` and no weights every centre's sum is accumulated in
    observation order (for float64 data, bitwise what SciPy computes).

    An empty ``weights`` array means unit weights.  Labels are validated by
    the caller.
    """
    n, d = X.shape
    k = sums.shape[0]
    weighted = weights.shape[0] == n
    part_sums = np.zeros((parts, k, d))
    part_wsums = np.zeros((parts, k))
    rows = (n + parts - 1) // parts
    for p in prange(parts):
        for i in range(p * rows, min(n, (p + 1) * rows)):
            j = labels[i]
            if weighted:
                w = np.float64(weights[i])
                part_wsums[p, j] += w
                for f in range(d):
                    part_sums[p, j, f] += w * X[i, f]
            else:
                part_wsums[p, j] += 1.0
                for f in range(d):
                    part_sums[p, j, f] += X[i, f]
    for p in range(parts):
        for j in range(k):
            wsums[j] += part_wsums[p, j]
            for f in range(d):
                sums[j, f] += part_sums[p, j, f]


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
