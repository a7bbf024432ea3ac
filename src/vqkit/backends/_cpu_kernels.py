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

import numpy as np
from numba import njit, prange

#: Rows handled by one parallel task.  Fixed, so results never depend on threads.
ROW_CHUNK = 2048

#: Rows per parallel task of the argmin over a block of dot products (a
#: block holds a few thousand rows; each row's result is its own, so any
#: split gives the same output).
BLOCK_ROW_CHUNK = 128


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


@njit(parallel=True, cache=True, nogil=True)
def cluster_sums(X, weights, labels, parts, sums, wsums):
    """Add ``weights[i] * X[i]`` into ``sums[labels[i]]`` (float64).

    The rows are cut into ``parts`` contiguous ranges; each range is summed
    in row order into a buffer of its own, in parallel, and the buffers are
    then added in range order.  ``parts`` is chosen by the caller from the
    problem size only, so the result is the same for any number of threads.
    With ``parts == 1`` and no weights every centre's sum is accumulated in
    observation order (for float64 data, bitwise what SciPy computes).

    An empty ``weights`` array means unit weights.  Labels are validated by
    the caller.
    """
    n, d = X.shape
    k = sums.shape[0]
    weighted = weights.shape[0] == n
    part_sums = np.zeros((parts, k, d))
    part_wsums = np.zeros((parts, k))
    rows = (n + parts - 1) // parts
    for p in prange(parts):
        for i in range(p * rows, min(n, (p + 1) * rows)):
            j = labels[i]
            if weighted:
                w = np.float64(weights[i])
                part_wsums[p, j] += w
                for f in range(d):
                    part_sums[p, j, f] += w * X[i, f]
            else:
                part_wsums[p, j] += 1.0
                for f in range(d):
                    part_sums[p, j, f] += X[i, f]
    for p in range(parts):
        for j in range(k):
            wsums[j] += part_wsums[p, j]
            for f in range(d):
                sums[j, f] += part_sums[p, j, f]


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
    return (weights.shape[0] == n, closer.shape[0] == n, _candidate_reach(cc_d2), n_chunks,
            np.zeros((n_chunks, L + 1)))


@njit(inline="always")
def _add_partials(partial, pots):
    """``pots[c] += sum over chunks of (partial[chunk, c] + partial[chunk, L])``
    in chunk order; column ``L`` holds each chunk's pruned rows' share,
    which every candidate gets."""
    L = pots.shape[0]
    for chunk in range(partial.shape[0]):
        for c in range(L):
            pots[c] += partial[chunk, c] + partial[chunk, L]


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
    weighted, marking, reach, n_chunks, partial = _potential_setup(
        n, weights, closer, cc_d2, L)
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


@njit(parallel=True, cache=True, nogil=True, fastmath=SEEDING_MATH)
def candidate_potentials_narrow(X, weights, min_d2, nearest, candidates, cc_d2, pots,
                                closer):
    """:func:`candidate_potentials` for rows of a few features.

    Each chunk's unpruned rows are copied feature by feature into a small
    buffer, so that the distances to one candidate are computed for many
    rows at once (the loop over rows is innermost and vectorised) instead
    of one short sum per pair.  The arithmetic per pair is the same: the
    squared differences summed in feature order.
    """
    n, d = X.shape
    L = candidates.shape[0]
    weighted, marking, reach, n_chunks, partial = _potential_setup(
        n, weights, closer, cc_d2, L)
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


@njit(parallel=True, cache=True, nogil=True)
def column_sums(X, weights, center, power, parts, out):
    """``out[f] = sum_i w_i (X[i, f] - center[f]) ** power`` in float64, over
    ``parts`` fixed row ranges added in order (deterministic).  An empty
    ``weights`` array means unit weights."""
    n, d = X.shape
    weighted = weights.shape[0] == n
    rows = (n + parts - 1) // parts
    partial = np.zeros((parts, d))
    for p in prange(parts):
        for i in range(p * rows, min(n, (p + 1) * rows)):
            w = np.float64(weights[i]) if weighted else 1.0
            for f in range(d):
                v = np.float64(X[i, f]) - center[f]
                partial[p, f] += w * v if power == 1 else w * v * v
    for p in range(parts):
        for f in range(d):
            out[f] += partial[p, f]


@njit(parallel=True, cache=True)
def _touch_threads(out):
    for i in prange(out.shape[0]):
        out[i] = i


#: Spin iterations of an idle numba thread before it sleeps (GNU OpenMP's
#: ``GOMP_SPINCOUNT``): about 10-30 microseconds, enough to catch the next
#: kernel of the same Lloyd iteration without holding a core long.
SPIN_COUNT = "10000"


def start_threads():
    """Start numba's worker threads with idle threads that spin briefly, then sleep.

    By default GNU OpenMP threads spin for a long time after each parallel
    kernel, and so do OpenBLAS's after a matrix product; on a machine with
    few cores each then waits for the other's cores (a 5000x5 by 50
    assignment took 17 ms instead of 0.4 ms on 2 cores).  Threads that
    sleep at once (``OMP_WAIT_POLICY=PASSIVE``) avoid that but pay about
    0.2 ms to wake for every kernel, which dominates small fits (1,000-row
    fits ran 10x slower).  So idle threads spin for ``SPIN_COUNT``
    iterations, then sleep: measured on 2 cores, a 1,000-row centre update
    takes 15 us instead of 220 us, and alternating BLAS products with
    assignments costs 5% more than with sleeping threads instead of 4x.
    GNU OpenMP reads these variables once, when numba first loads it, so
    they are set only around that moment and then restored: other
    libraries that bring their own OpenMP runtime (scikit-learn, PyTorch)
    keep their defaults.  Values the user set are left alone.
    """
    wanted = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": SPIN_COUNT}
    added = [name for name in wanted if name not in os.environ]
    for name in added:
        os.environ[name] = wanted[name]
    try:
        _touch_threads(np.empty(4))
    finally:
        for name in added:
            del os.environ[name]


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
#: :func:`_scan_rows` (their columns and results stay in the L1 cache).
SCAN_ROWS = 256


@njit(inline="always")
def _scan_buffers(d, dtype):
    """Work arrays of :func:`_scan_rows` for one thread."""
    return (np.empty((d, SCAN_ROWS), dtype=dtype), np.empty(SCAN_ROWS, dtype=dtype),
            np.empty(SCAN_ROWS, dtype=dtype), np.empty(SCAN_ROWS, dtype=dtype),
            np.empty(SCAN_ROWS, dtype=np.int64))


@njit(inline="always")
def _scan_rows(X, rows, Ct, cols, acc, best, second, best_j):
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


@njit(parallel=True, cache=True, nogil=True)
def assign_direct_t(X, Ct, labels, min_d2):
    """:func:`assign_direct` with the centres transposed (``Ct[f, j]``),
    computed for :data:`SCAN_ROWS` rows at a time by :func:`_scan_rows`:
    bitwise the same result, with the work vectorised over rows."""
    n, d = X.shape
    n_chunks = (n + SCAN_ROWS - 1) // SCAN_ROWS
    for chunk in prange(n_chunks):
        cols, acc, best, second, best_j = _scan_buffers(d, X.dtype)
        rows = np.arange(chunk * SCAN_ROWS, min(n, (chunk + 1) * SCAN_ROWS))
        _scan_rows(X, rows, Ct, cols, acc, best, second, best_j)
        for r in range(rows.shape[0]):
            labels[rows[r]] = best_j[r]
            min_d2[rows[r]] = best[r]


@njit(inline="always", fastmath={"contract"})
def _pair_scores(X, i0, m, origin, Ct, c_half, xs, acc):
    """Scores ``|c_j|^2 / 2 - x.c_j`` of rows ``i0 .. i0 + m - 1`` (``m`` is 1
    or 2) against the transposed centres ``Ct``, in ``acc[r, j]``.

    Rows are shifted by ``origin`` into ``xs`` (in ``xs``'s dtype, which may
    be narrower than ``X``'s); the loop over centres is innermost
    (vectorised), and each centre value is loaded once for both rows.
    """
    d = X.shape[1]
    k = Ct.shape[1]
    for r in range(m):
        for f in range(d):
            xs[r, f] = X[i0 + r, f] - origin[f]
        for j in range(k):
            acc[r, j] = c_half[j]
    if m == 2:
        for f in range(d):
            a = xs[0, f]
            b = xs[1, f]
            for j in range(k):
                c = Ct[f, j]
                acc[0, j] -= a * c
                acc[1, j] -= b * c
    else:
        for f in range(d):
            a = xs[0, f]
            for j in range(k):
                acc[0, j] -= a * Ct[f, j]


@njit(parallel=True, cache=True, nogil=True, fastmath={"contract"})
def assign_expanded_fused(X, Ct, c_half, origin, labels, min_d2):
    """Nearest centre from ``|c|^2 / 2 - x.c`` for two rows at a time.

    ``Ct`` holds the centres transposed and shifted by ``origin``, and
    ``c_half`` half their squared norms; rows are shifted by ``origin`` on
    the fly.  The dot products are accumulated over features with the
    loop over centres innermost (vectorised, each centre value loaded once
    for two rows).  The squared distance ``|x|^2 + 2 min(...)`` is clamped
    at zero.  Best for up to a few hundred centres; beyond, a blocked matrix
    product reuses cache better.
    """
    n, d = X.shape
    k = Ct.shape[1]
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        acc = np.empty((2, k), dtype=X.dtype)
        xs = np.empty((2, d), dtype=X.dtype)
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i0 in range(start, stop, 2):
            m = min(2, stop - i0)
            _pair_scores(X, i0, m, origin, Ct, c_half, xs, acc)
            for r in range(m):
                best = np.inf
                best_j = -1
                for j in range(k):
                    if acc[r, j] < best:
                        best = acc[r, j]
                        best_j = j
                x_sq = X.dtype.type(0)
                for f in range(d):
                    x_sq += xs[r, f] * xs[r, f]
                value = x_sq + X.dtype.type(2) * best
                labels[i0 + r] = best_j
                min_d2[i0 + r] = value if value > 0 else X.dtype.type(0)


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
    (:func:`_scan_rows`; ``Ct`` is ``C`` transposed; ties to the lowest
    index, as in Lloyd).  ``margin`` (just below 1) absorbs
    rounding, so a skipped row is one Lloyd would not move.  ``full``
    scans every row (the first step).
    """
    n, d = X.shape
    k = C.shape[0]
    max_shift = 0.0
    for j in range(k):
        max_shift = max(max_shift, shift[j])
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
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
        cols, acc, best, second, best_j = _scan_buffers(d, X.dtype)
        for r0 in range(0, m, SCAN_ROWS):
            block = rows[r0:min(m, r0 + SCAN_ROWS)]
            _scan_rows(X, block, Ct, cols, acc, best, second, best_j)
            for r in range(block.shape[0]):
                i = block[r]
                labels[i] = best_j[r]
                min_d2[i] = best[r]
                lower[i] = np.sqrt(np.float64(second[r]))


@njit(parallel=True, cache=True, nogil=True)
def count_non_finite(X):
    """Number of NaN or infinite entries of the 2-D array ``X`` (no temporaries)."""
    n, d = X.shape
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    counts = np.zeros(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i in range(start, stop):
            for f in range(d):
                if not np.isfinite(X[i, f]):
                    counts[chunk] += 1
    return counts.sum()


@njit(inline="always")
def _nearest_exact(X, i, origin, C):
    """Nearest row of ``C`` to ``X[i] - origin`` by direct float64
    differences (ties to the lowest index): ``(label, squared distance)``."""
    d = X.shape[1]
    best = np.inf
    best_j = -1
    for j in range(C.shape[0]):
        s = 0.0
        for f in range(d):
            diff = C[j, f] - (X[i, f] - origin[f])
            s += diff * diff
        if s < best:
            best = s
            best_j = j
    return best_j, best


@njit(inline="always")
def _sq_dist_exact(X, i, origin, C, j):
    s = 0.0
    for f in range(X.shape[1]):
        diff = C[j, f] - (X[i, f] - origin[f])
        s += diff * diff
    return s


@njit(parallel=True, cache=True, nogil=True)
def shifted_float32(X, shift, out):
    """``out = (X - shift)`` rounded to float32, in one parallel pass."""
    n, d = X.shape
    for chunk in prange((n + BLOCK_ROW_CHUNK - 1) // BLOCK_ROW_CHUNK):
        for i in range(chunk * BLOCK_ROW_CHUNK, min(n, (chunk + 1) * BLOCK_ROW_CHUNK)):
            for f in range(d):
                out[i, f] = np.float32(X[i, f] - shift[f])


@njit(inline="always")
def _nearest_exact_near(X, i, origin, C, scores, base, scale, limit):
    """:func:`_nearest_exact` over only the centres whose float32-based
    score ``base[j] + scale * scores[j]`` is at most ``limit`` (the best
    score plus twice its error bound): no other centre can be nearest or
    tie, so the result is the full scan's.  Falls back on the full scan
    when no centre qualifies (non-finite scores)."""
    best = np.inf
    best_j = -1
    if limit < np.inf:
        for j in range(C.shape[0]):
            if base[j] + scale * np.float64(scores[j]) <= limit:
                s = _sq_dist_exact(X, i, origin, C, j)
                if s < best:
                    best = s
                    best_j = j
    if best_j < 0:
        return _nearest_exact(X, i, origin, C)
    return best_j, best


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


@njit(parallel=True, cache=True, nogil=True)
def hamerly_check(X, origin, C, shift, half_gap, margin, labels, lower, min_d2, rescan):
    """The bound test of Hamerly's algorithm, for any width of rows: the
    exact (float64) squared distance of each row to its current centre
    (``X[i] - origin`` against ``C``, the centres shifted by ``origin``, as
    the mixed kernels compute it) goes to ``min_d2``; when its root is at most ``max(lower - max shift,
    half_gap[a]) * margin`` no other centre can be closer, the row keeps
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
            s = _sq_dist_exact(X, i, origin, C, a)
            min_d2[i] = s
            if np.sqrt(s) <= max(lower[i] - max_shift, half_gap[a]) * margin:
                lower[i] -= max_shift
                rescan[i] = 0
            else:
                rescan[i] = 1


@njit(parallel=True, cache=True, nogil=True)
def argmin_mixed(G, X, origin, C, c_sq, slack, labels, min_d2, lower):
    """Nearest centre for float64 rows from float32 dot products, exactly.

    ``G[i, j]`` approximates ``(x_i - origin) . c_j`` (float32 product of
    the shifted rows and the shifted centres ``C``), ``c_sq`` holds
    ``|c_j|^2``.  The two best scores ``|c|^2 - 2 x.c`` are kept; their
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
    d = X.shape[1]
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
            x_norm = 0.0
            for f in range(d):
                v = X[i, f] - origin[f]
                x_norm += v * v
            x_norm = np.sqrt(x_norm)
            bound = slack * (2.0 * x_norm * c_max + c_max * c_max + x_norm * x_norm)
            certain = second - best > 2.0 * bound
            if bounds:
                lower[i] = _second_lower(x_norm, second, bound, certain)
            if certain:
                best = _sq_dist_exact(X, i, origin, C, best_j)
            else:
                best_j, best = _nearest_exact_near(X, i, origin, C, G[i], c_sq, -2.0,
                                                   best + 2.0 * bound)
            labels[i] = best_j
            min_d2[i] = best


@njit(parallel=True, cache=True, nogil=True, fastmath={"contract"})
def assign_fused_mixed(X, Ct32, c_half32, origin, C, c_max, slack, labels, min_d2, lower):
    """:func:`assign_expanded_fused` for float64 rows, computed in float32
    and made exact: the two best float32 scores are kept, and a row whose
    gap between them is within the float32 error bound (see
    :func:`argmin_mixed`) is compared with every centre in float64;
    otherwise only its distance to the certain winner is computed in
    float64.  ``C`` holds the shifted centres in float64.  ``lower``: as
    in :func:`argmin_mixed`."""
    n, d = X.shape
    k = Ct32.shape[1]
    bounds = lower.shape[0] == n
    no_base = np.zeros(k)
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        acc = np.empty((2, k), dtype=np.float32)
        xs = np.empty((2, d), dtype=np.float32)
        start = chunk * ROW_CHUNK
        stop = min(n, start + ROW_CHUNK)
        for i0 in range(start, stop, 2):
            m = min(2, stop - i0)
            _pair_scores(X, i0, m, origin, Ct32, c_half32, xs, acc)
            for r in range(m):
                i = i0 + r
                best = np.inf
                second = np.inf
                best_j = -1
                for j in range(k):
                    s = np.float64(acc[r, j])
                    if s < best:
                        second = best
                        best = s
                        best_j = j
                    elif s < second:
                        second = s
                x_norm = 0.0
                for f in range(d):
                    v = X[i, f] - origin[f]
                    x_norm += v * v
                x_norm = np.sqrt(x_norm)
                bound = slack * (2.0 * x_norm * c_max + c_max * c_max + x_norm * x_norm)
                certain = 2.0 * (second - best) > 2.0 * bound
                if bounds:
                    lower[i] = _second_lower(x_norm, 2.0 * second, bound, certain)
                if certain:
                    labels[i] = best_j
                    min_d2[i] = _sq_dist_exact(X, i, origin, C, best_j)
                else:
                    labels[i], min_d2[i] = _nearest_exact_near(X, i, origin, C, acc[r], no_base,
                                                               1.0, best + bound)


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
        rows = order[starts[j]:starts[j + 1]]
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
