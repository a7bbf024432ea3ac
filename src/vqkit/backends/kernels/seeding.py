"""The distance primitives of k-means++ seeding, and greedy k-means++ on a
matrix of pairwise distances (k-means|| reclustering its candidates).

Each row keeps its squared distance to its nearest chosen centre
(``min_d2``) and that centre's number (``nearest``); candidates are scored
by the potential they would leave, pruned with the triangle inequality;
draws follow the cumulative mass ``w_i min_d2[i]`` through per-chunk totals.
"""

import numpy as np
from numba import njit, prange

from .chunks import ROW_CHUNK
from .threads import launch_safely


@launch_safely
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


#: Floating-point freedoms for the seeding kernels' inner distance loops:
#: reassociation and fused multiply-add let the compiler vectorise the sum
#: over features.  Results stay the same for any number of threads.
SEEDING_MATH = {"reassoc", "contract", "nsz", "arcp"}


@njit(inline="always", fastmath=SEEDING_MATH)
def _seed_sq_dist(X, i, c):
    """``|X[i] - c|^2`` in float64: the one distance formula of seeding, so
    that :func:`candidate_potentials` and :func:`add_center` agree."""
    s = 0.0
    for f in range(X.shape[1]):
        diff = np.float64(X[i, f]) - c[f]
        s += diff * diff
    return s


@njit(inline="always")
def _candidate_reach(cc_d2):
    """``reach[a]``: a quarter of the smallest squared distance from chosen
    centre ``a`` to any candidate.  A row whose nearest chosen centre is
    ``a`` and whose ``min_d2`` is at most ``reach[a]`` is, by the triangle
    inequality, no closer to any candidate than to ``a`` (Raff-style
    pruning), so its distances to the candidates are never computed."""
    reach = np.empty(cc_d2.shape[0])
    for a in range(cc_d2.shape[0]):
        m = np.inf
        for c in range(cc_d2.shape[1]):
            m = min(m, cc_d2[a, c])
        reach[a] = 0.25 * m
    return reach


@njit(inline="always")
def _potential_setup(n, weights, closer, cc_d2, L):
    """What both candidate-potential kernels start from: whether rows are
    weighted and marked, :func:`_candidate_reach`, the number of row
    chunks and the per-chunk partial sums (column ``L``: pruned rows)."""
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    return (
        weights.shape[0] == n,
        closer.shape[0] == n,
        _candidate_reach(cc_d2),
        n_chunks,
        np.zeros((n_chunks, L + 1)),
    )


@njit(inline="always")
def _add_partials(partial, pots):
    """``pots[c] += sum over chunks of (partial[chunk, c] + partial[chunk, L])``
    in chunk order; column ``L`` holds each chunk's pruned rows' share,
    which every candidate gets."""
    L = pots.shape[0]
    for chunk in range(partial.shape[0]):
        for c in range(L):
            pots[c] += partial[chunk, c] + partial[chunk, L]


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def candidate_potentials(X, weights, min_d2, nearest, candidates, cc_d2, pots, closer):
    """Potential ``sum_i w_i min(D_i^2, |x_i - c|^2)`` of each candidate ``c``.

    ``min_d2[i]`` is row ``i``'s squared distance to its nearest chosen
    centre ``nearest[i]``, and ``cc_d2[a, c]`` the squared distance between
    chosen centre ``a`` and candidate ``c``.  Rows that the triangle
    inequality proves closer to their centre than to every candidate (see
    :func:`_candidate_reach`) add ``w_i D_i^2`` to every potential without
    a distance computed; the others are compared with every candidate,
    without a branch per pair (unpredictable branches cost more than the
    distances they would save).  Partial sums over fixed row chunks are
    added in chunk order (deterministic).

    ``closer`` (one unsigned integer per row, or empty) records bit ``c``
    for each candidate strictly closer to the row than ``D_i``, so that
    :func:`add_center` revisits only those rows once a candidate is kept.
    """
    n = X.shape[0]
    L = candidates.shape[0]
    weighted, marking, reach, n_chunks, partial = _potential_setup(n, weights, closer, cc_d2, L)
    for chunk in prange(n_chunks):
        acc = partial[chunk]
        pruned = 0.0
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            w = np.float64(weights[i]) if weighted else 1.0
            own = min_d2[i]
            if own <= reach[nearest[i]]:
                pruned += w * own
                if marking:
                    closer[i] = 0
                continue
            bits = 0
            for c in range(L):
                s = _seed_sq_dist(X, i, candidates[c])
                bits |= np.int64(s < own) << c
                acc[c] += w * min(s, own)
            if marking:
                closer[i] = bits
        acc[L] = pruned
    _add_partials(partial, pots)


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def candidate_potentials_narrow(X, weights, min_d2, nearest, candidates, cc_d2, pots, closer):
    """:func:`candidate_potentials` for rows of a few features.

    Each chunk's unpruned rows are copied feature by feature into a small
    buffer, so that the distances to one candidate are computed for many
    rows at once (the loop over rows is innermost and vectorised) instead
    of one short sum per pair.  The arithmetic per pair is the same: the
    squared differences summed in feature order.
    """
    n, d = X.shape
    L = candidates.shape[0]
    weighted, marking, reach, n_chunks, partial = _potential_setup(n, weights, closer, cc_d2, L)
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        rows = np.empty(stop - start, dtype=np.int64)
        m = 0
        pruned = 0.0
        for i in range(start, stop):
            own = min_d2[i]
            if own <= reach[nearest[i]]:
                pruned += (np.float64(weights[i]) * own) if weighted else own
                if marking:
                    closer[i] = 0
            else:
                rows[m] = i
                m += 1
        partial[chunk, L] = pruned
        if m == 0:
            continue
        cols = np.empty((d, m))
        own = np.empty(m)
        w = np.ones(m)
        s = np.empty(m)
        bits = np.zeros(m, dtype=np.int64)
        for r in range(m):
            i = rows[r]
            own[r] = min_d2[i]
            if weighted:
                w[r] = weights[i]
            for f in range(d):
                cols[f, r] = X[i, f]
        for c in range(L):
            s[:] = 0.0
            for f in range(d):
                value = np.float64(candidates[c, f])
                for r in range(m):
                    diff = cols[f, r] - value
                    s[r] += diff * diff
            total = 0.0
            for r in range(m):
                total += w[r] * min(s[r], own[r])
                bits[r] |= np.int64(s[r] < own[r]) << c
            partial[chunk, c] = total
        if marking:
            for r in range(m):
                closer[rows[r]] = bits[r]
    _add_partials(partial, pots)


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def add_center(X, center, index, min_d2, nearest, cc_d2_center, closer, bit):
    """Make ``center`` (number ``index``) a chosen centre: lower ``min_d2``
    and update ``nearest`` where it is closer, with the same pruning as
    :func:`candidate_potentials` (``cc_d2_center[a]`` = squared distance
    from chosen centre ``a`` to the new one).  With ``bit >= 0`` the centre
    is candidate number ``bit`` of the last :func:`candidate_potentials`
    call, and only the rows that call marked in ``closer`` are visited."""
    n, d = X.shape
    marked = bit >= 0 and closer.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            own = min_d2[i]
            if marked:
                if (np.int64(closer[i]) >> bit) & 1 == 0:
                    continue
            elif nearest[i] >= 0 and cc_d2_center[nearest[i]] >= 4.0 * own:
                continue
            s = _seed_sq_dist(X, i, center)
            if s < own:
                min_d2[i] = s
                nearest[i] = index


@launch_safely
@njit(parallel=True, cache=True, nogil=True)
def mass_chunk_sums(min_d2, weights, out):
    """``out[c] = sum_i w_i min_d2[i]`` over row chunk ``c`` (chunks of
    ``ROW_CHUNK`` rows, summed in row order): the k-means++ sampling mass."""
    n = min_d2.shape[0]
    weighted = weights.shape[0] == n
    for chunk in prange(out.shape[0]):
        s = 0.0
        for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
            s += (np.float64(weights[i]) * min_d2[i]) if weighted else min_d2[i]
        out[chunk] = s


@njit(cache=True, nogil=True)
def draw_rows(min_d2, weights, chunk_sums, values, out):
    """For each value ``v``, the first row ``i`` whose cumulative mass
    ``sum_{r <= i} w_r min_d2[r]`` reaches ``v`` (``np.searchsorted`` on the
    cumulative sum, found through the chunk totals of
    :func:`mass_chunk_sums` and one chunk's rows), ``n - 1`` if none does.
    When rounding leaves ``v`` just beyond the rows of the chunk whose
    total reaches it, that chunk's last row of positive mass is taken."""
    n = min_d2.shape[0]
    weighted = weights.shape[0] == n
    for t in range(values.shape[0]):
        v = values[t]
        out[t] = n - 1
        before = 0.0
        for chunk in range(chunk_sums.shape[0]):
            if before + chunk_sums[chunk] >= v:
                running = before
                for i in range(chunk * ROW_CHUNK, min(n, (chunk + 1) * ROW_CHUNK)):
                    m = (np.float64(weights[i]) * min_d2[i]) if weighted else min_d2[i]
                    running += m
                    if m > 0 or running >= v:
                        out[t] = i
                    if running >= v:
                        break
                break
            before += chunk_sums[chunk]


@njit(cache=True, nogil=True)
def greedy_pairwise(D, weights, first, uniforms, chosen):
    """Greedy k-means++ on a precomputed matrix ``D`` of squared distances
    between ``m`` rows (k-means|| reclustering its candidates), in one
    compiled loop.

    ``chosen[0] = first``; each later step ``t`` scales the uniform draws
    ``uniforms[t - 1]`` by the potential ``sum_i w_i D_i^2``, takes for
    each the first row whose cumulative mass reaches it (a binary search on
    the cumulative sum, as ``np.searchsorted``) and keeps the candidate
    whose addition leaves the smallest potential (the first on a tie).
    When every row sits on a chosen row, the remaining steps repeat
    ``first``.
    """
    m = D.shape[0]
    k = chosen.shape[0]
    L = uniforms.shape[1]
    min_d2 = D[first].copy()
    cumulative = np.empty(m)
    pots = np.empty(L)
    picks = np.empty(L, dtype=np.int64)
    chosen[:] = first
    for t in range(1, k):
        total = 0.0
        for i in range(m):
            total += weights[i] * min_d2[i]
            cumulative[i] = total
        if not total > 0:
            return
        for c in range(L):
            picks[c] = min(np.searchsorted(cumulative, uniforms[t - 1, c] * total), m - 1)
            row = D[picks[c]]
            s = 0.0
            for i in range(m):
                s += weights[i] * min(min_d2[i], row[i])
            pots[c] = s
        best = picks[np.argmin(pots)]
        chosen[t] = best
        row = D[best]
        for i in range(m):
            min_d2[i] = min(min_d2[i], row[i])
