"""Compiled numba kernels behind the sparse backend (CSR rows, dense centres).

A CSR matrix arrives as its three arrays: ``data`` (float32 or float64),
``indices`` and ``indptr`` (int64).  Centres are dense float64.  The same
conventions as the dense kernels (:mod:`vqkit.backends.kernels`) hold:

* rows are split into chunks of ``ROW_CHUNK`` rows, fixed, so results never
  depend on the number of threads, and each row is computed by one thread;
* ties go to the lowest centre index (strict ``<``); a row whose distances are
  all NaN or +inf gets label ``-1`` and squared distance ``+inf``;
* squared distances are expanded, ``|x|^2 - 2 x.c + |c|^2``, with ``x.c``
  from the row's nonzeros only, accumulated in float64 and clamped at 0.  The
  distance reported for the chosen centre is recomputed as
  ``sum_nz (x_f - c_f)^2 + (|c|^2 - sum_nz c_f^2)``, which does not cancel
  in the row's own coordinates.

No kernel allocates anything of size ``n x k`` or ``n x d``.
"""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .seeding import SEEDING_MATH
from .threads import launch_safely


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def row_sq_norms(data, indptr, out):
    """``out[i] = sum of the squares of row i`` (float64)."""
    n = indptr.shape[0] - 1
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            s = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                v = np.float64(data[p])
                s += v * v
            out[i] = s


@njit(inline="always")
def _exact_sq_dist(data, indices, lo, hi, C, j, c_sq):
    """Squared distance of one CSR row to dense centre ``C[j]`` whose squared
    norm is ``c_sq``: exact in the row's own coordinates."""
    own = 0.0
    rest = c_sq
    for p in range(lo, hi):
        c = C[j, indices[p]]
        diff = np.float64(data[p]) - c
        own += diff * diff
        rest -= c * c
    if rest < 0.0:
        rest = 0.0
    return own + rest


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def assign(data, indices, indptr, x_sq, C, Ct, c_sq, labels, min_d2):
    """Nearest centre of every CSR row (``Ct`` is ``C`` transposed, both
    float64): dot products by scattering each nonzero along a row of ``Ct``."""
    n = indptr.shape[0] - 1
    k = C.shape[0]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        acc = np.empty(k)
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            lo, hi = indptr[i], indptr[i + 1]
            acc[:] = 0.0
            for p in range(lo, hi):
                v = np.float64(data[p])
                f = indices[p]
                for j in range(k):
                    acc[j] += v * Ct[f, j]
            best = np.inf
            label = -1
            for j in range(k):
                d2 = x_sq[i] - 2.0 * acc[j] + c_sq[j]
                if d2 < 0.0:
                    d2 = 0.0
                if d2 < best:
                    best = d2
                    label = j
            labels[i] = label
            if label >= 0:
                min_d2[i] = _exact_sq_dist(data, indices, lo, hi, C, label, c_sq[label])
            else:
                min_d2[i] = np.inf


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def sq_distances(data, indices, indptr, x_sq, Ct, c_sq, out):
    """All squared distances ``out[i, j]`` (expanded, clamped at 0)."""
    n = indptr.shape[0] - 1
    k = Ct.shape[1]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        acc = np.empty(k)
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            acc[:] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                v = np.float64(data[p])
                f = indices[p]
                for j in range(k):
                    acc[j] += v * Ct[f, j]
            for j in range(k):
                d2 = x_sq[i] - 2.0 * acc[j] + c_sq[j]
                out[i, j] = d2 if d2 > 0.0 else 0.0


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def cluster_sums(data, indices, indptr, weights, labels, parts, sums, wsums):
    """Scatter-add ``weights[i] * x_i`` into ``sums[labels[i]]`` (float64).

    Rows are cut into ``parts`` contiguous ranges summed in parallel into
    buffers of their own, then added in range order (deterministic); with
    ``parts == 1`` everything is summed in row order straight into ``sums``.
    An empty ``weights`` array means unit weights.
    """
    n = indptr.shape[0] - 1
    k, d = sums.shape
    weighted = weights.shape[0] == n
    part_sums = np.zeros((parts - 1, k, d)) if parts > 1 else np.zeros((0, k, d))
    part_wsums = np.zeros((parts, k))
    rows = (n + parts - 1) // parts
    for q in prange(parts):
        target = sums if q == 0 else part_sums[q - 1]
        for i in range(q * rows, min(n, (q + 1) * rows)):
            j = labels[i]
            w = np.float64(weights[i]) if weighted else 1.0
            part_wsums[q, j] += w
            for p in range(indptr[i], indptr[i + 1]):
                target[j, indices[p]] += w * np.float64(data[p])
    for q in range(parts):
        for j in range(k):
            wsums[j] += part_wsums[q, j]
    for q in range(1, parts):
        for j in range(k):
            for f in range(d):
                sums[j, f] += part_sums[q - 1, j, f]


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def candidate_potentials(
    data, indices, indptr, x_sq, weights, min_d2, nearest, candidates, cand_sq, cc_d2, pots
):
    """Potential ``sum_i w_i min(D_i^2, |x_i - c|^2)`` of each dense candidate
    ``c``, with the triangle-inequality pruning of the CPU kernel (a row is
    skipped for a candidate when ``cc_d2[nearest[i], c] >= 4 D_i^2``)."""
    n = indptr.shape[0] - 1
    L = candidates.shape[0]
    weighted = weights.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    partial = np.zeros((n_chunks, L))
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            w = np.float64(weights[i]) if weighted else 1.0
            own = min_d2[i]
            a = nearest[i]
            for c in range(L):
                best = own
                if cc_d2[a, c] < 4.0 * own:
                    dot = 0.0
                    for p in range(indptr[i], indptr[i + 1]):
                        dot += np.float64(data[p]) * candidates[c, indices[p]]
                    s = x_sq[i] - 2.0 * dot + cand_sq[c]
                    if s < 0.0:
                        s = 0.0
                    if s < best:
                        best = s
                partial[chunk, c] += w * best
    for chunk in range(n_chunks):
        for c in range(L):
            pots[c] += partial[chunk, c]


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def add_center(
    data, indices, indptr, x_sq, center, center_sq, index, min_d2, nearest, cc_d2_center
):
    """Make dense ``center`` chosen centre number ``index``: lower ``min_d2``
    and update ``nearest`` where it is closer (pruned as above)."""
    n = indptr.shape[0] - 1
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            own = min_d2[i]
            if nearest[i] >= 0 and cc_d2_center[nearest[i]] >= 4.0 * own:
                continue
            dot = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                dot += np.float64(data[p]) * center[indices[p]]
            s = x_sq[i] - 2.0 * dot + center_sq
            if s < 0.0:
                s = 0.0
            if s < own:
                min_d2[i] = s
                nearest[i] = index
