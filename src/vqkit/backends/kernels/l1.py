"""Manhattan (L1) distance: nearest centre and weighted per-cluster medians
(k-medians)."""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def assign_l1(X, C, labels, min_dist):
    """Nearest centre in Manhattan (L1) distance; ties to the lowest index,
    ``-1`` where every distance is NaN or infinite."""
    n, d = X.shape
    k = C.shape[0]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            best = np.inf
            best_j = -1
            for j in range(k):
                s = X.dtype.type(0)
                for f in range(d):
                    s += abs(C[j, f] - X[i, f])
                if s < best:
                    best = s
                    best_j = j
            labels[i] = best_j
            min_dist[i] = best


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def cluster_medians(X, weights, order, starts, out, has_members):
    """Weighted coordinate-wise median of each cluster's rows.

    ``order`` lists the rows grouped by cluster (rows of cluster ``j`` are
    ``order[starts[j]:starts[j + 1]]``).  The weighted median of values
    ``v`` with weights ``w`` (sorted by value) is the first ``v_i`` whose
    cumulative weight reaches half the total; when it reaches exactly half,
    the midpoint of ``v_i`` and the next value (so unit weights give
    NumPy's median).  Rows of weight zero are ignored; a cluster without
    positive weight is flagged in ``has_members``.  Parallel over clusters;
    the result does not depend on the number of threads.
    """
    k, d = out.shape
    weighted = weights.shape[0] == X.shape[0]
    for j in prange(k):
        rows = order[starts[j] : starts[j + 1]]
        m = rows.shape[0]
        values = np.empty(m)
        w = np.empty(m)
        total = 0.0
        for r in range(m):
            w[r] = np.float64(weights[rows[r]]) if weighted else 1.0
            total += w[r]
        has_members[j] = total > 0
        if total <= 0:
            continue
        half = total / 2
        for f in range(d):
            for r in range(m):
                values[r] = X[rows[r], f]
            idx = np.argsort(values, kind="mergesort")
            cumulative = 0.0
            for r in range(m):
                cumulative += w[idx[r]]
                if cumulative >= half:
                    v = values[idx[r]]
                    if cumulative == half:
                        for q in range(r + 1, m):  # next value with weight
                            if w[idx[q]] > 0:
                                v = (v + values[idx[q]]) / 2
                                break
                    out[j, f] = v
                    break
