"""Compiled numba kernels behind :mod:`vqkit.metrics`.

Same conventions as the other kernels (:mod:`vqkit.backends.kernels`):
parallel loops run over fixed chunks of rows (independent of the thread
count), each row's result is computed by one thread alone, and reductions
over rows are per-chunk partial sums added in chunk order, so results are
the same for any ``numba.get_num_threads()``.  All arithmetic is float64.

The silhouette kernels fill an ``(n, k)`` table: each row's summed distance
to the rows of every cluster, streamed (never an ``n x n`` matrix).  The
distance is chosen by a metric code (:data:`METRIC_CODES`); Euclidean,
squared Euclidean and Manhattan distances are computed from direct
differences, the cosine distance as ``1 - x.y`` of rows scaled to unit norm
beforehand (clipped to ``[0, 2]``, and 0 from a row to itself), as
scikit-learn computes it.  Sparse rows give the distances of their dense
copies: the same for the cosine metric, and to rounding for the others
(see :func:`silhouette_sums_csr`).
"""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK

EUCLIDEAN = 0
SQEUCLIDEAN = 1
MANHATTAN = 2
COSINE = 3

#: Kernel code of each metric the silhouette kernels compute.
METRIC_CODES = {
    "euclidean": EUCLIDEAN,
    "sqeuclidean": SQEUCLIDEAN,
    "manhattan": MANHATTAN,
    "cosine": COSINE,
}

#: Columns handled together in the inner loop of :func:`silhouette_sums`
#: (a block of distances is computed, then scattered into the cluster sums).
COL_BLOCK = 256

#: Rows per parallel task of the silhouette kernels.  Each row costs a pass
#: over all ``n`` rows, so small tasks keep both cores busy on the few
#: thousand rows a silhouette is usually computed on (one ``ROW_CHUNK`` would
#: leave a 1,500-row silhouette on one thread).  Rows are independent, so
#: the result does not depend on this value or on the thread count.
SILHOUETTE_ROWS = 32


@njit(parallel=True, cache=True, nogil=True)
def silhouette_sums(XT, labels, metric, out):
    """``out[i, c] = sum_{j: labels[j] == c} dist(X[i], X[j])``.

    ``XT`` is ``X`` transposed, float64 and C-contiguous (shape ``(d, n)``),
    so that the distances from row ``i`` to a block of ``COL_BLOCK`` rows are
    computed with unit-stride, vectorisable loops; for the cosine metric its
    columns are the rows scaled to unit norm.  Each distance is summed over
    features in order; the sums over ``j`` run in row order.  ``out``
    (shape ``(n, k)``, float64) must be zeroed.  Memory: ``O(n k)``; time:
    ``O(n^2 d)``.
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
                if metric == MANHATTAN:
                    for f in range(d):
                        v = xi[f]
                        for jj in range(m):
                            tmp[jj] += abs(v - XT[f, j0 + jj])
                elif metric == COSINE:
                    for f in range(d):
                        v = xi[f]
                        for jj in range(m):
                            tmp[jj] += v * XT[f, j0 + jj]
                    for jj in range(m):
                        tmp[jj] = min(max(1.0 - tmp[jj], 0.0), 2.0)
                    if j0 <= i < j1:
                        tmp[i - j0] = 0.0
                else:
                    for f in range(d):
                        v = xi[f]
                        for jj in range(m):
                            diff = v - XT[f, j0 + jj]
                            tmp[jj] += diff * diff
                    if metric == EUCLIDEAN:
                        for jj in range(m):
                            tmp[jj] = np.sqrt(tmp[jj])
                for jj in range(m):
                    out[i, labels[j0 + jj]] += tmp[jj]


@njit(inline="always")
def _term(diff, metric):
    """One feature's part of a Manhattan or (squared) Euclidean distance."""
    return abs(diff) if metric == MANHATTAN else diff * diff


@njit(parallel=True, cache=True, nogil=True)
def silhouette_sums_csr(data, indices, indptr, n_features, labels, metric, out):
    """:func:`silhouette_sums` for a CSR matrix (sorted indices, no
    duplicates; ``data`` float32 or float64, scaled to unit row norms for
    the cosine metric).

    Row ``i`` is scattered into a dense vector that each row ``j`` reads at
    its own stored features: the cosine metric adds ``x_f y_f`` there; the
    Manhattan and Euclidean distances add the term of ``x_f - y_f`` there,
    plus the terms of the features of ``i`` that ``j`` lacks, as the
    difference of two sums of row ``i``'s terms (all of them, and those
    ``j`` reads, clamped at 0).  So the distance is exact in ``j``'s
    coordinates, as in the sparse backend's other kernels, and 0 between
    equal rows (or whenever ``j`` stores every feature ``i`` stores: both
    sums then add the same numbers in the same order).  A row costs
    ``O(nnz)``: time ``O(n nnz)``, memory ``O(n k)`` and one vector of
    ``n_features`` per parallel task.
    """
    n = indptr.shape[0] - 1
    n_chunks = (n + SILHOUETTE_ROWS - 1) // SILHOUETTE_ROWS
    for chunk in prange(n_chunks):
        row = np.zeros(n_features)
        for i in range(chunk * SILHOUETTE_ROWS, min(n, (chunk + 1) * SILHOUETTE_ROWS)):
            p0, p1 = indptr[i], indptr[i + 1]
            own = 0.0  # the sum of row i's terms
            for p in range(p0, p1):
                v = np.float64(data[p])
                row[indices[p]] = v
                own += _term(v, metric)
            for j in range(n):
                if metric == COSINE:
                    if j == i:
                        continue  # 0 from a row to itself
                    s = 0.0
                    for q in range(indptr[j], indptr[j + 1]):
                        s += row[indices[q]] * np.float64(data[q])
                    dist = min(max(1.0 - s, 0.0), 2.0)
                else:
                    s = 0.0
                    read = 0.0  # the sum of row i's terms at j's features
                    for q in range(indptr[j], indptr[j + 1]):
                        x = row[indices[q]]
                        s += _term(x - np.float64(data[q]), metric)
                        read += _term(x, metric)
                    s += max(own - read, 0.0)
                    dist = np.sqrt(s) if metric == EUCLIDEAN else s
                out[i, labels[j]] += dist
            for p in range(p0, p1):
                row[indices[p]] = 0.0


@njit(parallel=True, cache=True, nogil=True)
def row_cluster_sums(D, labels, out):
    """``out[i, c] += sum_{j: labels[j] == c} D[i, j]`` for a dense matrix
    ``D`` of precomputed distances, in float64 and column order."""
    n, m = D.shape
    n_chunks = (n + SILHOUETTE_ROWS - 1) // SILHOUETTE_ROWS
    for chunk in prange(n_chunks):
        for i in range(chunk * SILHOUETTE_ROWS, min(n, (chunk + 1) * SILHOUETTE_ROWS)):
            for j in range(m):
                out[i, labels[j]] += np.float64(D[i, j])


@njit(parallel=True, cache=True, nogil=True)
def row_cluster_sums_csr(data, indices, indptr, labels, out):
    """:func:`row_cluster_sums` for a CSR matrix of precomputed distances
    (entries not stored are zero distances)."""
    n = indptr.shape[0] - 1
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            for p in range(indptr[i], indptr[i + 1]):
                out[i, labels[indices[p]]] += np.float64(data[p])


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


@njit(parallel=True, cache=True, nogil=True)
def cluster_distance_sums_csr(data, indices, indptr, labels, C, weights, squared, out):
    """:func:`cluster_distance_sums` for a CSR matrix (dense float64 ``C``).

    A row's squared distance is ``sum_nz (x_f - c_f)^2`` over its stored
    entries plus ``|c|^2 - sum_nz c_f^2`` for the features it lacks
    (clamped at 0): exact in the row's own coordinates.  Both ``|c|^2`` and
    ``sum_nz c_f^2`` are summed in feature order, so the second term is
    exactly 0 for a row that stores every feature.
    """
    n = indptr.shape[0] - 1
    k, d = C.shape
    c_sq = np.zeros(k)
    for c in range(k):
        for f in range(d):
            c_sq[c] += C[c, f] * C[c, f]
    weighted = weights.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    partial = np.zeros((n_chunks, k))
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            c = labels[i]
            s = 0.0
            on_row = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                cf = C[c, indices[p]]
                diff = np.float64(data[p]) - cf
                s += diff * diff
                on_row += cf * cf
            s += max(c_sq[c] - on_row, 0.0)
            if not squared:
                s = np.sqrt(s)
            if weighted:
                s *= np.float64(weights[i])
            partial[chunk, c] += s
    for chunk in range(n_chunks):
        for c in range(k):
            out[c] += partial[chunk, c]
