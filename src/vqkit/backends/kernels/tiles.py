"""Nearest centre from dot products in register-sized tiles (the expanded
formula without a BLAS product or an n x k matrix).

Rows are taken :data:`TILE_ROWS` at a time and copied, shifted by an origin,
into a feature-major block (``cols[f, r]``), so that every loop over rows
is innermost, unit-stride and free of branches: LLVM vectorises it.  Each
pass over a block takes 4 centres and 4 features at once: the 16 centre
values stay in registers while every row gets 16 multiply-adds for 4 loads
of its features and one load and store of each of the 4 running scores.
The pass over the last 4 features folds the 4 finished scores into each
row's running state with selects, no branches, and per group of 4 centres
rather than per centre: the group's least score (4 ``min`` instructions)
is compared once with the row's best, and when it wins, the group's first
centre and its 4 scores are kept.  A last pass per block finds the best
centre inside the best group (:func:`settle_groups`).  The argmin so costs
about 12 vector operations per 4 centres instead of 20, which is most of
the work below 16 features.

The score of centre ``j`` is ``|c_j|^2 / 2 - x . c_j``, summed feature by
feature in order, which is what a plain loop computes: results do not
depend on the block size or the thread count.  Centres and features are
padded to multiples of 4 by the caller (:func:`padded_centres`): zero
feature rows add nothing, and padded centres score ``inf`` and never win.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import DTypeLike

from .chunks import ROW_CHUNK
from .mixed import _second_lower, nearest_exact, score_error, shifted_norm, sq_dist_exact
from .threads import launch_safely

#: Rows whose scores are computed together: their 4 running scores and
#: best-so-far values stay in the L1 cache, their features in L1 or L2.
#: Each pass over them is one vectorised loop whose set-up (LLVM's
#: run-time overlap checks) is paid per pass.  Measured (2 busy cores,
#: float32, 256 centres): 500,000x16 rows took 192 / 121 / 111 ms with
#: 64 / 256 / 512 rows a block, 100,000x64 rows 118 / 105 / 115 ms.
TILE_ROWS = 256

#: Most centres the tiled kernels take: the best centre of a row is held
#: in the scores' dtype, which counts exactly up to 2**24 in float32.
MAX_CENTRES = 2**24 - 4

#: Rows of the per-row state of a block (:func:`tile_buffers`): best score,
#: second-best score, best centre, and the best group's 4 scores.
STATE_ROWS = 7


def padded_centres(
    C: np.ndarray, origin: np.ndarray, dtype: DTypeLike
) -> tuple[np.ndarray, np.ndarray]:
    """``(Ct, c_half)`` for the tiled kernels: the centres minus ``origin``,
    transposed, in ``dtype``, with features and centres padded to multiples
    of 4 (zeros), and half their squared norms (``inf`` for the padding),
    computed in float64 then rounded.  Overflowing norms are ``inf`` (those
    centres then never win, or every row finds none)."""
    k, d = C.shape
    shifted = C - origin
    with np.errstate(over="ignore", invalid="ignore"):
        half = (shifted.astype(np.float64) ** 2).sum(axis=1) / 2
    Ct = np.zeros((-(-d // 4) * 4, -(-k // 4) * 4), dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        Ct[:d, :k] = shifted.T
    c_half = np.full(Ct.shape[1], np.inf, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        c_half[:k] = half
    return Ct, c_half


@njit(inline="always")
def _lower(s, m):
    """``s`` if it is below ``m``, else ``m``: a NaN ``s`` is passed over
    (one ``min`` instruction)."""
    return s if s < m else m


@njit(inline="always", fastmath={"contract"})
def _quad_partial(cols, m, Ct, c_half, j, acc):
    """Partial scores of centres ``j .. j + 3`` for rows ``0 .. m - 1``
    into ``acc[0..3, :m]``: ``|c|^2 / 2`` less the products over every
    feature of ``cols`` (all but the last group of 4, which
    :func:`_quad_finish` adds), in order."""
    a0 = acc[0]
    a1 = acc[1]
    a2 = acc[2]
    a3 = acc[3]
    for f in range(0, cols.shape[0], 4):
        c00, c01, c02, c03 = Ct[f, j], Ct[f + 1, j], Ct[f + 2, j], Ct[f + 3, j]
        c10, c11, c12, c13 = Ct[f, j + 1], Ct[f + 1, j + 1], Ct[f + 2, j + 1], Ct[f + 3, j + 1]
        c20, c21, c22, c23 = Ct[f, j + 2], Ct[f + 1, j + 2], Ct[f + 2, j + 2], Ct[f + 3, j + 2]
        c30, c31, c32, c33 = Ct[f, j + 3], Ct[f + 1, j + 3], Ct[f + 2, j + 3], Ct[f + 3, j + 3]
        x0r = cols[f]
        x1r = cols[f + 1]
        x2r = cols[f + 2]
        x3r = cols[f + 3]
        if f == 0:  # the scores start from |c|^2 / 2
            h0 = c_half[j]
            h1 = c_half[j + 1]
            h2 = c_half[j + 2]
            h3 = c_half[j + 3]
            for r in range(m):
                x0, x1, x2, x3 = x0r[r], x1r[r], x2r[r], x3r[r]
                a0[r] = h0 - x0 * c00 - x1 * c01 - x2 * c02 - x3 * c03
                a1[r] = h1 - x0 * c10 - x1 * c11 - x2 * c12 - x3 * c13
                a2[r] = h2 - x0 * c20 - x1 * c21 - x2 * c22 - x3 * c23
                a3[r] = h3 - x0 * c30 - x1 * c31 - x2 * c32 - x3 * c33
        else:
            for r in range(m):
                x0, x1, x2, x3 = x0r[r], x1r[r], x2r[r], x3r[r]
                a0[r] = a0[r] - x0 * c00 - x1 * c01 - x2 * c02 - x3 * c03
                a1[r] = a1[r] - x0 * c10 - x1 * c11 - x2 * c12 - x3 * c13
                a2[r] = a2[r] - x0 * c20 - x1 * c21 - x2 * c22 - x3 * c23
                a3[r] = a3[r] - x0 * c30 - x1 * c31 - x2 * c32 - x3 * c33


@njit(inline="always", fastmath={"contract"})
def _quad_finish(cols, m, Ct, c_half, j, acc, state, first):
    """The last group of 4 features of centres ``j .. j + 3`` (``first``:
    also the first, the scores then start from ``|c|^2 / 2``, else from
    ``acc``).  The group is folded into the row's state at once: its least
    score (NaN passed over) is compared with the best so far
    (``state[0]``); the loser of the two lowers the least score of the
    other groups (``state[1]``); a winning group leaves its first centre
    (``state[2]``, held as a float: exact below 2**24 centres) and its 4
    scores (``state[3:7]``).  Strict ``<`` keeps the earlier group on ties.
    One array holds the state so that the loop has few arrays for LLVM to
    check for overlap: it stays vectorised."""
    f = cols.shape[0] - 4
    c00, c01, c02, c03 = Ct[f, j], Ct[f + 1, j], Ct[f + 2, j], Ct[f + 3, j]
    c10, c11, c12, c13 = Ct[f, j + 1], Ct[f + 1, j + 1], Ct[f + 2, j + 1], Ct[f + 3, j + 1]
    c20, c21, c22, c23 = Ct[f, j + 2], Ct[f + 1, j + 2], Ct[f + 2, j + 2], Ct[f + 3, j + 2]
    c30, c31, c32, c33 = Ct[f, j + 3], Ct[f + 1, j + 3], Ct[f + 2, j + 3], Ct[f + 3, j + 3]
    h0 = c_half[j]
    h1 = c_half[j + 1]
    h2 = c_half[j + 2]
    h3 = c_half[j + 3]
    j0 = state.dtype.type(j)
    for r in range(m):
        x0, x1, x2, x3 = cols[f, r], cols[f + 1, r], cols[f + 2, r], cols[f + 3, r]
        if first:
            s0, s1, s2, s3 = h0, h1, h2, h3
        else:
            s0, s1, s2, s3 = acc[0, r], acc[1, r], acc[2, r], acc[3, r]
        s0 = s0 - x0 * c00 - x1 * c01 - x2 * c02 - x3 * c03
        s1 = s1 - x0 * c10 - x1 * c11 - x2 * c12 - x3 * c13
        s2 = s2 - x0 * c20 - x1 * c21 - x2 * c22 - x3 * c23
        s3 = s3 - x0 * c30 - x1 * c31 - x2 * c32 - x3 * c33
        v = _lower(s3, _lower(s2, _lower(s1, _lower(s0, state[1, r]))))
        b = state[0, r]
        closer = v < b
        state[0, r] = v if closer else b
        state[1, r] = b if closer else v
        state[2, r] = j0 if closer else state[2, r]
        state[3, r] = s0 if closer else state[3, r]
        state[4, r] = s1 if closer else state[4, r]
        state[5, r] = s2 if closer else state[5, r]
        state[6, r] = s3 if closer else state[6, r]


@njit(inline="always")
def tile_buffers(d4, dtype):
    """Work arrays of one thread: the feature-major row block (zeroed: the
    padded features stay 0), the 4 running scores, and the per-row state
    of :func:`_quad_finish` and :func:`settle_groups` (best score,
    second-best score, best centre, the best group's 4 scores)."""
    return (
        np.zeros((d4, TILE_ROWS), dtype=dtype),
        np.empty((4, TILE_ROWS), dtype=dtype),
        np.empty((STATE_ROWS, TILE_ROWS), dtype=dtype),
    )


@njit(inline="always")
def scan_tile(X, i0, m, origin, Ct, c_half, cols, acc, state):
    """Best and second-best score (``state[0]``, ``state[1]``) and best
    centre (``state[2]``, a float; ``-1`` with ``inf`` when no score is
    finite) of rows ``i0 .. i0 + m - 1`` of ``X`` (shifted by ``origin``,
    rounded to ``cols``' dtype) against the padded centres ``Ct``."""
    d = X.shape[1]
    d4 = cols.shape[0]
    for r in range(m):
        for f in range(d):
            cols[f, r] = X[i0 + r, f] - origin[f]
        for q in range(STATE_ROWS):
            state[q, r] = np.inf
        state[2, r] = -1
    for j in range(0, Ct.shape[1], 4):
        if d4 > 4:
            _quad_partial(cols[: d4 - 4], m, Ct, c_half, j, acc)
            _quad_finish(cols, m, Ct, c_half, j, acc, state, False)
        else:
            _quad_finish(cols, m, Ct, c_half, j, acc, state, True)
    settle_groups(m, state)


@njit(inline="always")
def settle_groups(m, state):
    """From the best group of 4 centres of each row (``state[2]``, its
    scores in ``state[3:7]``, as :func:`_quad_finish` leaves them) to the
    best centre: the group's least score (the lowest index on ties)
    becomes the row's best score and centre, and the group's other
    scores lower the other groups' least score to the row's second-best
    score.  Selects only: the loop is vectorised."""
    for r in range(m):
        best = state[3, r]
        second = state[1, r]
        at = state[2, r]
        for q in range(1, 4):
            sq = state[3 + q, r]
            closer = sq < best or best != best  # NaN passed over, as in the scan
            second = _lower(best, second) if closer else _lower(sq, second)
            at = state[2, r] + q if closer else at
            best = sq if closer else best
        state[0, r] = best
        state[1, r] = second
        state[2, r] = at


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath={"contract"})
def assign_tiled(X, Ct, c_half, origin, c_max, slack, labels, min_d2, lower):
    """Nearest centre of every row of ``X`` by the expanded formula in
    ``X``'s dtype: ``labels[i]`` (int32, ties to the lowest index, ``-1``
    when no distance is finite) and ``min_d2[i] = |x - origin|^2 + 2 *
    best score``, clamped at zero.  ``Ct``, ``c_half``: from
    :func:`padded_centres` in ``X``'s dtype.

    ``lower`` (length ``n``, or empty) receives a lower bound on each row's
    distance to its second-nearest centre (Hamerly's bound): the runner-up's
    squared distance less its worst-case rounding error, ``slack`` times
    the magnitudes (``c_max``: the largest centre norm), as in
    :func:`assign_tiled_mixed`; 0 where nothing is known.
    """
    n, d = X.shape
    bounds = lower.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        cols, acc, state = tile_buffers(Ct.shape[0], X.dtype)
        stop = min(n, (chunk + 1) * ROW_CHUNK)
        for i0 in range(chunk * ROW_CHUNK, stop, TILE_ROWS):
            m = min(TILE_ROWS, stop - i0)
            scan_tile(X, i0, m, origin, Ct, c_half, cols, acc, state)
            for r in range(m):
                x_sq = X.dtype.type(0)
                for f in range(d):
                    x_sq += cols[f, r] * cols[f, r]
                value = x_sq + X.dtype.type(2) * state[0, r]
                best_j = np.int32(state[2, r])
                labels[i0 + r] = best_j
                min_d2[i0 + r] = value if value > 0 else X.dtype.type(0)
                if bounds:
                    x_norm = np.sqrt(np.float64(x_sq))
                    bound = score_error(x_norm, c_max, slack)
                    lower[i0 + r] = _second_lower(
                        x_norm, 2.0 * np.float64(state[1, r]), bound, best_j >= 0
                    )


@launch_safely
@njit(parallel=True, cache=True, nogil=True, fastmath={"contract"})
def assign_tiled_mixed(X, Ct32, c_half32, origin, C, c_max, slack, labels, min_d2, lower):
    """:func:`assign_tiled` for float64 rows, with float32 scores, exact.

    A row whose two best float32 scores are further apart than twice their
    error bound (``slack`` times the magnitudes, see
    ``vqkit.backends.cpu.mixed_slack``) has a certain winner, whose
    distance is then computed in float64; any other row is compared with
    every centre in float64 (ties to the lowest index).  So labels are
    those of float64 Lloyd.  ``C``: the centres in float64 (the exact
    distances are taken without the origin); ``c_max``: the largest norm
    of the centres minus ``origin``.  ``lower`` (length
    ``n``, or empty) receives a lower bound on each row's distance to its
    second-nearest centre (Hamerly's bound; 0 where unknown).
    """
    n = X.shape[0]
    bounds = lower.shape[0] == n
    n_chunks = (n + ROW_CHUNK - 1) // ROW_CHUNK
    for chunk in prange(n_chunks):
        cols, acc, state = tile_buffers(Ct32.shape[0], np.float32)
        stop = min(n, (chunk + 1) * ROW_CHUNK)
        for i0 in range(chunk * ROW_CHUNK, stop, TILE_ROWS):
            m = min(TILE_ROWS, stop - i0)
            scan_tile(X, i0, m, origin, Ct32, c_half32, cols, acc, state)
            for r in range(m):
                i = i0 + r
                x_norm = shifted_norm(X, i, origin)
                bound = score_error(x_norm, c_max, slack)
                b = np.float64(state[0, r])
                sc = np.float64(state[1, r])
                best_j = np.int32(state[2, r])
                certain = 2.0 * (sc - b) > 2.0 * bound
                if bounds:
                    lower[i] = _second_lower(x_norm, 2.0 * sc, bound, certain)
                if certain:
                    labels[i] = best_j
                    min_d2[i] = sq_dist_exact(X, i, C, best_j)
                else:
                    labels[i], min_d2[i] = nearest_exact(X, i, C)
