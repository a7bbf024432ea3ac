"""Nearest centre of dense rows: direct differences, expanded dot products,
and the full distance matrix.

Two formulas: direct differences ``sum((c - x) ** 2)`` (accurate at any
magnitude; best for few features), and the expanded form
``|x|^2 - 2 x.c + |c|^2`` from a block of a BLAS product (see also
``tiles``), clamped at zero.  The CPU backend chooses between
them (``vqkit.backends.cpu.choose_kernel``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import DTypeLike

from .chunks import BLOCK_ROW_CHUNK, ROW_CHUNK
from .threads import launch_safely


def assignment_arrays(n: int, k: int, dtype: DTypeLike) -> tuple[np.ndarray, np.ndarray, bool]:
    """Output arrays of an assignment of ``n`` rows to ``k`` centres.

    Returns ``(labels, min_d2, done)``: int32 labels and squared distances
    in ``dtype``; ``done`` is True when there is nothing to compute (no
    rows, or no centres: every label is then ``-1`` and every distance
    ``inf``).
    """
    labels = np.empty(n, dtype=np.int32)
    min_d2 = np.empty(n, dtype=dtype)
    if k == 0:
        labels.fill(-1)
        min_d2.fill(np.inf)
    return labels, min_d2, n == 0 or k == 0


@njit(inline="always")
def nearest_direct(X, i, C):
    """``(label, squared distance)`` of row ``i``'s nearest row of ``C`` by
    ``sum((c - x) ** 2)`` in the working dtype (ties to the lowest index;
    ``(-1, inf)`` when no distance is finite)."""
    d = X.shape[1]
    best = np.inf
    best_j = -1
    for j in range(C.shape[0]):
        s = X.dtype.type(0)  # accumulate in the working dtype
        for f in range(d):
            diff = C[j, f] - X[i, f]
            s += diff * diff
        if s < best:
            best = s
            best_j = j
    return best_j, best


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def assign_direct(X, C, labels, min_d2):
    """Nearest centre by the direct formula ``sum((c - x) ** 2)``.

    Writes ``labels[i]`` (int32) and ``min_d2[i]`` (squared distance) for each
    row of ``X``.  Accurate for any magnitude; best when the number of
    features is small.
    """
    n = X.shape[0]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            labels[i], min_d2[i] = nearest_direct(X, i, C)


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def row_sq_norms(X, out):
    """``out[i] = sum(X[i] ** 2)``, summed left to right in X's dtype."""
    n, d = X.shape
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            s = X.dtype.type(0)
            for f in range(d):
                s += X[i, f] * X[i, f]
            out[i] = s


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def argmin_expanded(G, x_sq, c_sq, labels, min_d2):
    """Nearest centre from a block of dot products ``G = X_block @ C.T``.

    The squared distance is ``(-2 g + |x|^2) + |c|^2`` (SciPy's order of
    operations), clamped at zero because rounding can make it slightly
    negative for points that sit on a centre.
    """
    n, k = G.shape
    two = G.dtype.type(2)
    n_chunks = (n + BLOCK_ROW_CHUNK - 1) // BLOCK_ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * BLOCK_ROW_CHUNK
        stop = min(n, start + BLOCK_ROW_CHUNK)
        for i in range(start, stop):
            best = np.inf
            best_j = -1
            for j in range(k):
                s = (-(two * G[i, j]) + x_sq[i]) + c_sq[j]
                if s < best:
                    best = s
                    best_j = j
            labels[i] = best_j
            if best_j >= 0 and best < 0:
                best = G.dtype.type(0)
            min_d2[i] = best


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def pairwise_distances(X, C, l1, out):
    """``out[i, j]``: squared Euclidean distance ``sum_f (C[j, f] - X[i, f])^2``
    by direct differences, or with ``l1`` the Manhattan distance (working
    dtype).  Only for callers that asked for the full matrix."""
    n, d = X.shape
    k = C.shape[0]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            for j in range(k):
                s = X.dtype.type(0)
                for f in range(d):
                    diff = C[j, f] - X[i, f]
                    s += abs(diff) if l1 else diff * diff
                out[i, j] = s


#: Rows whose distances to the centres are computed together by
#: :func:`scan_rows` (their columns and results stay in the L1 cache).
SCAN_ROWS = 256


@njit(inline="always")
def scan_buffers(d, dtype):
    """Work arrays of :func:`scan_rows` for one thread."""
    return (
        np.empty((d, SCAN_ROWS), dtype=dtype),
        np.empty(SCAN_ROWS, dtype=dtype),
        np.empty(SCAN_ROWS, dtype=dtype),
        np.empty(SCAN_ROWS, dtype=dtype),
        np.empty(SCAN_ROWS, dtype=np.int64),
    )


@njit(inline="always")
def scan_rows(X, rows, Ct, cols, acc, best, second, best_j):
    """Nearest and second-nearest centre of the rows ``X[rows]`` (at most
    :data:`SCAN_ROWS` of them) by ``sum((c - x) ** 2)`` in X's dtype.

    The rows are copied feature by feature into ``cols`` and every centre
    is compared with all of them at once: the loops over rows are innermost
    and free of branches, so they are vectorised -- the selection of the
    two best centres included, which a loop over one row's centres does
    with a hard-to-predict branch per centre.  Each (row, centre) pair gets
    the same operations in the same order as in :func:`nearest_direct`, and
    centres are taken in index order with the same comparisons, so ties go
    to the lowest index and the results are bitwise those of a row-by-row
    scan.  Writes ``best_j[r]`` (-1 when no distance is finite),
    ``best[r]`` and ``second[r]`` (the runner-up's squared distance).
    """
    d = X.shape[1]
    m = rows.shape[0]
    zero = X.dtype.type(0)
    for r in range(m):
        for f in range(d):
            cols[f, r] = X[rows[r], f]
        best[r] = np.inf
        second[r] = np.inf
        best_j[r] = -1
    for j in range(Ct.shape[1]):
        acc[:m] = zero
        for f in range(d):
            c = Ct[f, j]
            for r in range(m):
                diff = c - cols[f, r]
                acc[r] += diff * diff
        for r in range(m):
            s = acc[r]
            b = best[r]
            closer = s < b
            second[r] = b if closer else (s if s < second[r] else second[r])
            best_j[r] = j if closer else best_j[r]
            best[r] = s if closer else b


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def assign_direct_t(X, Ct, labels, min_d2, lower, shrink):
    """:func:`assign_direct` with the centres transposed (``Ct[f, j]``),
    computed for :data:`SCAN_ROWS` rows at a time by :func:`scan_rows`:
    bitwise the same result, with the work vectorised over rows.

    ``lower`` (length ``n``, or empty) receives a lower bound on each row's
    distance to its second-nearest centre (Hamerly's bound): the root of
    the runner-up's squared distance times ``shrink`` (just below 1, for
    rounding); 0 where it is not finite.
    """
    n, d = X.shape
    bounds = lower.shape[0] == n
    n_chunks = (n + SCAN_ROWS - 1) // SCAN_ROWS
    for chunk in prange(n_chunks):
        cols, acc, best, second, best_j = scan_buffers(d, X.dtype)
        rows = np.arange(chunk * SCAN_ROWS, min(n, (chunk + 1) * SCAN_ROWS))
        scan_rows(X, rows, Ct, cols, acc, best, second, best_j)
        for r in range(rows.shape[0]):
            labels[rows[r]] = best_j[r]
            min_d2[rows[r]] = best[r]
            if bounds:
                low = np.sqrt(np.float64(second[r]) * shrink)
                lower[rows[r]] = low if low < np.inf else 0.0
