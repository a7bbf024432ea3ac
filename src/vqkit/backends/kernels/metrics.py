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
copies, to rounding (see :func:`silhouette_sums_csr`).
"""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely

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

#: Rows per parallel task of the silhouette kernels.  Each row costs a pass
#: over all ``n`` rows, so small tasks keep both cores busy on the few
#: thousand rows a silhouette is usually computed on (one ``ROW_CHUNK`` would
#: leave a 1,500-row silhouette on one thread).  Rows are independent, so
#: the result does not depend on this value or on the thread count.  A
#: multiple of :data:`TILE`.
SILHOUETTE_ROWS = 32

#: The dense silhouette kernel computes distances in tiles of ``TILE`` rows
#: by ``TILE`` rows, their sums held in registers (this is written out in
#: :func:`_tile`).
TILE = 4


@njit(inline="always")
def _feature_term(x, y, metric):
    """One feature's part of the distance (the dot product, for cosine)."""
    if metric == COSINE:
        return x * y
    if metric == MANHATTAN:
        return abs(x - y)
    diff = x - y
    return diff * diff


@njit(inline="always")
def _distance(s, metric, same_row):
    """The distance from the sum of its features' terms."""
    if metric == EUCLIDEAN:
        return np.sqrt(s)
    if metric == COSINE:
        return 0.0 if same_row else min(max(1.0 - s, 0.0), 2.0)
    return s


@njit(inline="always")
def _tile(XT, i, j, metric):
    """The 16 feature sums between rows ``i .. i+3`` and ``j .. j+3``
    (row-major), each summed over the features in order."""
    a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = 0.0
    a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = 0.0
    for f in range(XT.shape[0]):
        y0, y1, y2, y3 = XT[f, j], XT[f, j + 1], XT[f, j + 2], XT[f, j + 3]
        x = XT[f, i]
        a00 += _feature_term(x, y0, metric)
        a01 += _feature_term(x, y1, metric)
        a02 += _feature_term(x, y2, metric)
        a03 += _feature_term(x, y3, metric)
        x = XT[f, i + 1]
        a10 += _feature_term(x, y0, metric)
        a11 += _feature_term(x, y1, metric)
        a12 += _feature_term(x, y2, metric)
        a13 += _feature_term(x, y3, metric)
        x = XT[f, i + 2]
        a20 += _feature_term(x, y0, metric)
        a21 += _feature_term(x, y1, metric)
        a22 += _feature_term(x, y2, metric)
        a23 += _feature_term(x, y3, metric)
        x = XT[f, i + 3]
        a30 += _feature_term(x, y0, metric)
        a31 += _feature_term(x, y1, metric)
        a32 += _feature_term(x, y2, metric)
        a33 += _feature_term(x, y3, metric)
    return (a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33)


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def silhouette_sums(XT, labels, metric, out):
    """``out[i, c] = sum_{j: labels[j] == c} dist(X[i], X[j])``.

    ``XT`` is ``X`` transposed, float64 and C-contiguous (shape ``(d, n)``);
    for the cosine metric its columns are the rows scaled to unit norm.
    Each task takes ``SILHOUETTE_ROWS`` rows and walks the columns in tiles
    of ``TILE x TILE`` distances (:func:`_tile`), all its rows' tiles of one
    column block before the next, so the block is read once per task;
    leftover rows and columns are computed one distance at a time.  Each
    distance is summed over features in order, and each row's sums over
    ``j`` run in row order, whatever the tiling.  ``out`` (shape ``(n, k)``,
    float64) must be zeroed.  Memory: ``O(n k)``; time: ``O(n^2 d)``.
    """
    d, n = XT.shape
    tiled_cols = n - n % TILE
    n_chunks = (n + SILHOUETTE_ROWS - 1) // SILHOUETTE_ROWS
    for chunk in prange(n_chunks):
        start = chunk * SILHOUETTE_ROWS
        stop = min(n, start + SILHOUETTE_ROWS)
        tiled_rows = start + (stop - start) // TILE * TILE
        for j in range(0, tiled_cols, TILE):
            for i in range(start, tiled_rows, TILE):
                sums = _tile(XT, i, j, metric)
                for r in range(TILE):
                    for w in range(TILE):
                        dist = _distance(sums[TILE * r + w], metric, i + r == j + w)
                        out[i + r, labels[j + w]] += dist
        for i in range(start, stop):
            for j in range(tiled_cols if i < tiled_rows else 0, n):
                s = 0.0
                for f in range(d):
                    s += _feature_term(XT[f, i], XT[f, j], metric)
                out[i, labels[j]] += _distance(s, metric, i == j)


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def silhouette_sums_csr(data, indices, indptr, col_data, col_rows, col_ptr, labels, metric, out):
    """:func:`silhouette_sums` for a sparse matrix, given as CSR (``data``,
    ``indices``, ``indptr``) and as CSC (``col_data``, ``col_rows``,
    ``col_ptr``), float32 or float64, rows scaled to unit norm for the
    cosine metric.

    For row ``i``, the columns of its stored features are walked, adding,
    for every row ``j`` that stores feature ``f`` too, the term of
    ``x_f - y_f`` (``x_f y_f`` for cosine) and the terms of ``x_f`` and of
    ``y_f`` alone.  The Manhattan and Euclidean distances then add, for the
    features only one of the two rows stores, each row's sum of terms less
    those of the shared features (clamped at 0).  So every distance is exact
    on the shared features, and 0 between equal rows (both sums of a row add
    the same numbers in the same order).  Only rows sharing features are
    visited: a row costs ``O(n + sum of its features' column lengths)``;
    memory: ``O(n k)`` and three vectors of ``n`` per parallel task.
    """
    n = indptr.shape[0] - 1
    own = np.zeros(n)  # each row's sum of terms (0 for cosine)
    for i in prange(n):
        for p in range(indptr[i], indptr[i + 1]):
            own[i] += _feature_term(np.float64(data[p]), 0.0, metric)
    n_chunks = (n + SILHOUETTE_ROWS - 1) // SILHOUETTE_ROWS
    for chunk in prange(n_chunks):
        shared = np.zeros(n)  # row j: terms of x_f - y_f over the shared features
        mine = np.zeros(n)  # row j: terms of x_f alone over the shared features
        theirs = np.zeros(n)  # row j: terms of y_f alone over the shared features
        for i in range(chunk * SILHOUETTE_ROWS, min(n, (chunk + 1) * SILHOUETTE_ROWS)):
            for p in range(indptr[i], indptr[i + 1]):
                f = indices[p]
                x = np.float64(data[p])
                x_alone = _feature_term(x, 0.0, metric)
                for q in range(col_ptr[f], col_ptr[f + 1]):
                    j = col_rows[q]
                    y = np.float64(col_data[q])
                    shared[j] += _feature_term(x, y, metric)
                    mine[j] += x_alone
                    theirs[j] += _feature_term(y, 0.0, metric)
            for j in range(n):
                s = shared[j] + max(own[i] - mine[j], 0.0) + max(own[j] - theirs[j], 0.0)
                out[i, labels[j]] += _distance(s, metric, i == j)
                shared[j] = 0.0
                mine[j] = 0.0
                theirs[j] = 0.0


@launch_safely
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


@launch_safely
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


@launch_safely
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
