"""Compiled numba kernels behind the CPU backend.

Every kernel is a small explicit loop over contiguous arrays.  Parallel kernels
split rows into chunks of a fixed size (``ROW_CHUNK``) that does not depend on
the number of threads, and each row's result is computed by one thread alone,
so the output is the same whatever ``numba.get_num_threads()`` returns.

Conventions shared by the assignment kernels:

* ties go to the lowest centre index (strict ``<``), as in SciPy's ``vq``;
* a row whose distances are all NaN or +inf (non-finite input, or overflow)
  gets label ``-1`` and squared distance ``+inf``; callers turn that into a
  clear error instead of returning garbage;
* arithmetic runs in the dtype of the arrays passed in (float32 or float64):
  callers cast both operands to their common dtype first.
"""

import os

# Numba's OpenMP threads spin for a while after each parallel kernel, and so
# do OpenBLAS's after a matrix product; on a machine with few cores each then
# waits for the other's cores (a 5000x5 by 50 assignment took 17 ms instead
# of 0.4 ms on 2 cores).  Idle OpenMP threads that sleep avoid that.  Only a
# default: a value the user set is kept, and it has effect only if OpenMP
# has not started in this process yet.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

#: Rows handled by one parallel task.  Fixed, so results never depend on threads.
ROW_CHUNK = 2048


@njit(parallel=True, cache=True, nogil=True)
def assign_direct(X, C, labels, min_d2):
    """Nearest centre by the direct formula ``sum((c - x) ** 2)``.

    Writes ``labels[i]`` (int32) and ``min_d2[i]`` (squared distance) for each
    row of ``X``.  Accurate for any magnitude; best when the number of
    features is small.
    """
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
                s = X.dtype.type(0)  # accumulate in the working dtype
                for f in range(d):
                    diff = C[j, f] - X[i, f]
                    s += diff * diff
                if s < best:
                    best = s
                    best_j = j
            labels[i] = best_j
            min_d2[i] = best


@njit(parallel=True, cache=True, nogil=True)
def argmin_expanded(G, x_sq, c_sq, labels, min_d2):
    """Nearest centre from a block of dot products ``G = X_block @ C.T``.

    The squared distance is ``(-2 g + |x|^2) + |c|^2`` (SciPy's order of
    operations), clamped at zero because rounding can make it slightly
    negative for points that sit on a centre.
    """
    n, k = G.shape
    two = G.dtype.type(2)
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
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


@njit(cache=True, nogil=True)
def cluster_sums(X, labels, sums, counts):
    """Add each row of ``X`` into ``sums[labels[i]]`` in row order (float64).

    Rows are visited sequentially so that every centre's sum is accumulated
    in the order of the observations: the result is bitwise reproducible and,
    for float64 data, equal to SciPy's ``update_cluster_means``.  The pass is
    memory bound (O(n d)), far cheaper than the assignment (O(n k d)).
    Labels are validated by the caller.
    """
    n, d = X.shape
    for i in range(n):
        j = labels[i]
        counts[j] += 1
        for f in range(d):
            sums[j, f] += X[i, f]


@njit(parallel=True, cache=True, nogil=True)
def update_min_sq_dist(X, c, min_d2):
    """``min_d2[i] = min(min_d2[i], |X[i] - c|^2)`` in float64 (for seeding)."""
    n, d = X.shape
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            s = 0.0
            for f in range(d):
                diff = np.float64(X[i, f]) - np.float64(c[f])
                s += diff * diff
            if s < min_d2[i]:
                min_d2[i] = s
