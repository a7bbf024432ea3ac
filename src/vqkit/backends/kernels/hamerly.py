"""Hamerly's bounds: assignment steps that skip the rows no centre can take.

Each row keeps a lower bound on its distance to every centre but its own;
the bound test needs how far each centre moved and half the gap from each
centre to its nearest other one (:func:`centre_geometry`).  Rows that pass
keep their label; the others are scanned in full.
"""

import numpy as np
from numba import njit, prange

from .assign import SCAN_ROWS, scan_buffers, scan_rows
from .chunks import ROW_CHUNK
from .mixed import sq_dist_exact
from .threads import launch_safely


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def hamerly_assign(X, C, Ct, shift, half_gap, margin, full, labels, lower, min_d2):
    """One exact assignment step with Hamerly's bounds (low dimensions).

    Per row: ``labels[i]`` (current centre ``a``) and ``lower[i]`` (a lower
    bound on the distance to every other centre, in distance units).  The
    distance to ``a`` is always computed exactly (it gives the inertia);
    the lower bound is loosened by the largest centre ``shift``.  When the
    exact distance is at most ``max(lower, half_gap[a])`` -- ``half_gap[a]``
    being half the distance from ``a`` to its nearest other centre -- no
    other centre can be closer and the row is done; otherwise all centres
    are scanned, for the failing rows of a chunk together
    (:func:`.assign.scan_rows`; ``Ct`` is ``C`` transposed; ties to the
    lowest index, as in Lloyd).  ``margin`` (just below 1) absorbs
    rounding, so a skipped row is one Lloyd would not move.  ``full``
    scans every row (the first step).  Returns the number of rows scanned.
    """
    n, d = X.shape
    k = C.shape[0]
    max_shift = 0.0
    for j in range(k):
        max_shift = max(max_shift, shift[j])
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    scanned = 0
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        rows = np.empty(stop - start, dtype=np.int64)
        m = 0
        for i in range(start, stop):
            if not full:
                a = labels[i]
                s = X.dtype.type(0)
                for f in range(d):
                    diff = C[a, f] - X[i, f]
                    s += diff * diff
                bound = max(lower[i] - max_shift, half_gap[a])
                if np.sqrt(np.float64(s)) <= bound * margin:
                    lower[i] = lower[i] - max_shift
                    min_d2[i] = s
                    continue
            rows[m] = i
            m += 1
        cols, acc, best, second, best_j = scan_buffers(d, X.dtype)
        for r0 in range(0, m, SCAN_ROWS):
            block = rows[r0 : min(m, r0 + SCAN_ROWS)]
            scan_rows(X, block, Ct, cols, acc, best, second, best_j)
            for r in range(block.shape[0]):
                i = block[r]
                labels[i] = best_j[r]
                min_d2[i] = best[r]
                lower[i] = np.sqrt(np.float64(second[r]))
        scanned += m
    return scanned


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def hamerly_check(X, C, shift, half_gap, margin, labels, lower, min_d2, rescan):
    """The bound test of Hamerly's algorithm, for any width of rows: the
    exact (float64) squared distance of each row to its current centre
    (``C`` in float64, as the mixed kernels compute it) goes to ``min_d2``; when its root is at
    most ``max(lower - max shift, half_gap[a]) * margin`` no other centre
    can be closer, the row keeps
    its label and ``lower`` is loosened by the largest centre ``shift``;
    otherwise ``rescan[i] = 1`` and the caller scans all centres for it."""
    n = X.shape[0]
    max_shift = 0.0
    for j in range(C.shape[0]):
        max_shift = max(max_shift, shift[j])
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            a = labels[i]
            s = sq_dist_exact(X, i, C, a)
            min_d2[i] = s
            if np.sqrt(s) <= max(lower[i] - max_shift, half_gap[a]) * margin:
                lower[i] -= max_shift
                rescan[i] = 0
            else:
                rescan[i] = 1


@njit(cache=True, nogil=True)
def centre_geometry(C, previous, moved, shift, half_gap, shrink):
    """:func:`vqkit.backends.cpu.hamerly_geometry` for a few centres, by
    direct float64 differences in one compiled call: ``shift[j]`` is how
    far centre ``j`` moved from ``previous[j]`` (when ``moved``), and
    ``half_gap[j]`` half its distance to the nearest other centre, the
    squared distance first multiplied by ``shrink`` (just below 1, for
    rounding) so that it is never overstated; non-finite values give 0.
    """
    k, d = C.shape
    nearest = np.full(k, np.inf)  # squared distance to the nearest other centre
    for j in range(k):
        s = 0.0
        if moved:
            for f in range(d):
                diff = C[j, f] - previous[j, f]
                s += diff * diff
        shift[j] = np.sqrt(s)
        for other in range(j + 1, k):  # each pair once: (a - b)^2 == (b - a)^2
            g = 0.0
            for f in range(d):
                diff = C[j, f] - C[other, f]
                g += diff * diff
            nearest[j] = min(nearest[j], g)
            nearest[other] = min(nearest[other], g)
    for j in range(k):
        gap = np.sqrt(nearest[j] * shrink) / 2
        half_gap[j] = gap if np.isfinite(gap) or k == 1 else 0.0
