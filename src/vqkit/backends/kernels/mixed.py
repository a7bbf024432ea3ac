"""Exact float64 assignment at float32 speed (mixed precision).

Dot products are computed in float32; each row keeps its two best scores,
and the float32 error bound (``vqkit.backends.cpu.mixed_slack``) tells
whether the best one is certain.  A certain winner's distance is then
computed once in float64; an uncertain row is compared with the centres
that could still win, in float64.  Labels are those of float64 Lloyd.
"""

import numpy as np
from numba import njit, prange

from .chunks import BLOCK_ROW_CHUNK
from .threads import launch_safely


@njit(inline="always")
def nearest_exact(X, i, C):
    """Nearest row of ``C`` to ``X[i]`` by direct float64 differences (ties
    to the lowest index): ``(label, squared distance)``.  No origin is
    subtracted: the differences are as accurate as float64 allows, whatever
    the data's offset and spread."""
    d = X.shape[1]
    best = np.inf
    best_j = -1
    for j in range(C.shape[0]):
        s = 0.0
        for f in range(d):
            diff = C[j, f] - np.float64(X[i, f])
            s += diff * diff
        if s < best:
            best = s
            best_j = j
    return best_j, best


@njit(inline="always")
def sq_dist_exact(X, i, C, j):
    """Squared distance from ``X[i]`` to ``C[j]`` by float64 differences."""
    s = 0.0
    for f in range(X.shape[1]):
        diff = C[j, f] - np.float64(X[i, f])
        s += diff * diff
    return s


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def shifted_float32(X, shift, out):
    """``out = (X - shift)`` rounded to float32, in one parallel pass."""
    n, d = X.shape
    for chunk in prange((n + BLOCK_ROW_CHUNK - 1) // BLOCK_ROW_CHUNK):
        for i in range(chunk * BLOCK_ROW_CHUNK, min(n, (chunk + 1) * BLOCK_ROW_CHUNK)):
            for f in range(d):
                out[i, f] = np.float32(X[i, f] - shift[f])


@njit(inline="always")
def _nearest_exact_near(X, i, C, scores, base, scale, limit):
    """:func:`nearest_exact` over only the centres whose float32-based
    score ``base[j] + scale * scores[j]`` is at most ``limit`` (the best
    score plus twice its error bound): no other centre can be nearest or
    tie, so the result is the full scan's.  Falls back on the full scan
    when no centre qualifies (non-finite scores)."""
    best = np.inf
    best_j = -1
    if limit < np.inf:
        for j in range(C.shape[0]):
            if base[j] + scale * np.float64(scores[j]) <= limit:
                s = sq_dist_exact(X, i, C, j)
                if s < best:
                    best = s
                    best_j = j
    if best_j < 0:
        return nearest_exact(X, i, C)
    return best_j, best


@njit(inline="always")
def shifted_norm(X, i, origin):
    """``|X[i] - origin|`` in float64."""
    s = 0.0
    for f in range(X.shape[1]):
        v = X[i, f] - origin[f]
        s += v * v
    return np.sqrt(s)


@njit(inline="always")
def score_error(x_norm, c_max, slack):
    """Worst-case error of a squared distance expanded from a float32 dot
    product, for a row of norm ``x_norm`` and centres of norm at most
    ``c_max`` (``slack``: ``vqkit.backends.cpu.mixed_slack``)."""
    return slack * (2.0 * x_norm * c_max + c_max * c_max + x_norm * x_norm)


@njit(inline="always")
def _second_lower(x_norm, second, bound, certain):
    """A lower bound on a row's distance to its second-nearest centre from
    the mixed kernels' float32 scores: ``second`` (``|c|^2 - 2 x.c`` of the
    runner-up) is off by at most ``bound``, so ``|x|^2 + second - bound``
    bounds the squared distance from below.  Rows whose winner was not
    certain get 0 (no bound), and so does a non-finite result."""
    if not certain:
        return 0.0
    low = x_norm * x_norm + second - bound
    return np.sqrt(low) if low > 0.0 and low < np.inf else 0.0


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def argmin_mixed(G, X, origin, C, c_sq, slack, labels, min_d2, lower):
    """Nearest centre for float64 rows from float32 dot products, exactly.

    ``G[i, j]`` approximates ``(x_i - origin) . (c_j - origin)`` (float32
    product of the shifted rows and centres), ``c_sq`` holds
    ``|c_j - origin|^2``; ``C``: the centres themselves (float64), for the
    exact distances.  The two best scores ``|c|^2 - 2 x.c`` are kept; their
    float32 error is at most ``slack * |x| * (2 max|c| + ...)`` (a
    worst-case rounding bound for dot products of this length).  When the
    gap between them exceeds twice that bound the best centre is certain,
    and only its distance is computed, in float64; otherwise the row is
    compared with every centre in float64 (ties to the lowest index).  So
    the labels are those of float64 Lloyd, at float32 speed.

    ``lower`` (length ``n``, or empty) receives a lower bound on each row's
    distance to its second-nearest centre (see :func:`_second_lower`).
    """
    n, k = G.shape
    bounds = lower.shape[0] == n
    c_max = 0.0
    for j in range(k):
        c_max = max(c_max, np.sqrt(c_sq[j]))
    n_chunks = (n + BLOCK_ROW_CHUNK - 1) // BLOCK_ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * BLOCK_ROW_CHUNK
        stop = min(n, start + BLOCK_ROW_CHUNK)
        for i in range(start, stop):
            best = np.inf
            second = np.inf
            best_j = -1
            for j in range(k):
                s = c_sq[j] - 2.0 * np.float64(G[i, j])
                if s < best:
                    second = best
                    best = s
                    best_j = j
                elif s < second:
                    second = s
            x_norm = shifted_norm(X, i, origin)
            bound = score_error(x_norm, c_max, slack)
            certain = second - best > 2.0 * bound
            if bounds:
                lower[i] = _second_lower(x_norm, second, bound, certain)
            if certain:
                best = sq_dist_exact(X, i, C, best_j)
            else:
                best_j, best = _nearest_exact_near(X, i, C, G[i], c_sq, -2.0, best + 2.0 * bound)
            labels[i] = best_j
            min_d2[i] = best
