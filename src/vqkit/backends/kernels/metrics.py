"""Compiled numba kernels behind :mod:`vqkit.metrics`.

Same conventions as the other kernels (:mod:`vqkit.backends.kernels`):
parallel loops run over fixed chunks of ``ROW_CHUNK`` rows (independent of
the thread count), each row's result is computed by one thread alone, and reductions over rows
are per-chunk partial sums added in chunk order, so results are the same
for any ``numba.get_num_threads()``.  All arithmetic is float64 and every
distance is computed from direct differences (no expanded form).
"""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely

#: Columns handled together in the inner loop of :func:`silhouette_sums`
#: (a block of distances is computed, then scattered into the cluster sums).
COL_BLOCK = 256

#: Rows per parallel task of :func:`silhouette_sums`.  Each row costs a pass
#: over all ``n`` rows, so small tasks keep both cores busy on the few
#: thousand rows a silhouette is usually computed on (one ``ROW_CHUNK`` would
#: leave a 1,500-row silhouette on one thread).  Rows are independent, so
#: the result does not depend on this value or on the thread count.
SILHOUETTE_ROWS = 32


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def silhouette_sums(XT, labels, k, out):
    """``out[i, c] = sum_{j: labels[j] == c} |X[i] - X[j]|`` (Euclidean).

    ``XT`` is ``X`` transposed, float64 and C-contiguous (shape ``(d, n)``),
    so that the distances from row ``i`` to a block of ``COL_BLOCK`` rows are
    computed with unit-stride, vectorisable loops.  Each distance is
    ``sqrt(sum_f (X[i, f] - X[j, f]) ** 2)`` summed over features in order;
    the sums over ``j`` run in row order.  ``out`` (shape ``(n, k)``,
    float64) must be zeroed.  Memory: ``O(n k)``; time: ``O(n^2 d)``.
    """
    d, n = XT.shape
    n_chunks = (n + SILHOUETTE_ROWS - 1) // SILHOUETTE_ROWS
    for chunk in prange(n_chunks):
        start = chunk * SILHOUETTE_ROWS
        stop = min(n, start + SILHOUETTE_ROWS)
        tmp = np.empty(COL_BLOCK)
        xi = np.empty(d)
        for i in range(start, stop):
            for f in range(d):
                xi[f] = XT[f, i]
            for j0 in range(0, n, COL_BLOCK):
                j1 = min(n, j0 + COL_BLOCK)
                m = j1 - j0
                for jj in range(m):
                    tmp[jj] = 0.0
                for f in range(d):
                    v = xi[f]
                    for jj in range(m):
                        diff = v - XT[f, j0 + jj]
                        tmp[jj] += diff * diff
                for jj in range(m):
                    tmp[jj] = np.sqrt(tmp[jj])
                for jj in range(m):
                    out[i, labels[j0 + jj]] += tmp[jj]


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def cluster_distance_sums(X, labels, C, weights, squared, out):
    """``out[c] += sum_{i: labels[i] == c} w_i * dist(X[i], C[c])``.

    ``dist`` is the squared Euclidean distance when ``squared`` is true and
    the Euclidean distance otherwise, from direct float64 differences.  An
    empty ``weights`` array means unit weights.  Per-chunk partial sums
    (shape ``(n_chunks, k)``) are added in chunk order.
    """
    n, d = X.shape
    k = C.shape[0]
    weighted = weights.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    partial = np.zeros((n_chunks, k))
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            c = labels[i]
            s = 0.0
            for f in range(d):
                diff = np.float64(X[i, f]) - C[c, f]
                s += diff * diff
            if not squared:
                s = np.sqrt(s)
            if weighted:
                s *= np.float64(weights[i])
            partial[chunk, c] += s
    for chunk in range(n_chunks):
        for c in range(k):
            out[c] += partial[chunk, c]
