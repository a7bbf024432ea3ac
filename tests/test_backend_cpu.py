"""The CPU backend's kernels against plain NumPy, and their determinism."""

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs, cluster_sums_reference, nearest_reference
from vqkit.backends import cpu
from vqkit.backends.cpu import CPUBackend

backend = CPUBackend()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d", [1, 2, 4, 5, 16, 64])
@pytest.mark.parametrize("n,k", [(1, 1), (7, 3), (5000, 17), (4099, 130)])
def test_assign_matches_reference(n, k, d, dtype):
    X = blobs(n, d, max(1, k // 2), seed=n + d, dtype=dtype)
    C = blobs(k, d, k, seed=k, dtype=dtype)
    labels, d2 = backend.assign(X, C)
    ref_labels, ref_d2 = nearest_reference(X.astype(np.float64), C.astype(np.float64))
    assert labels.dtype == np.int32 and d2.dtype == dtype
    # float32 may flip near-ties; require the chosen centre to be as near
    mismatch = labels != ref_labels
    if dtype == np.float64:
        assert not mismatch.any()
    chosen = ((X.astype(np.float64) - C[labels].astype(np.float64)) ** 2).sum(1)
    tol = 1e-3 if dtype == np.float32 else 1e-9
    assert_allclose(chosen, ref_d2, rtol=tol, atol=tol * (1 + np.abs(X).max()) ** 2)
    assert_allclose(d2, ref_d2, rtol=tol, atol=tol * (1 + np.abs(X).max()) ** 2)
    assert (d2 >= 0).all()


def test_blocked_assignment_is_the_same_for_any_block_size(monkeypatch):
    X = blobs(10_000, 12, 40, seed=3)
    C = blobs(40, 12, 40, seed=4)
    labels, d2 = backend.assign(X, C)
    monkeypatch.setattr(cpu, "BLOCK_BYTES", 40 * 8 * 3)  # a few rows per block
    labels_small, d2_small = backend.assign(X, C)
    assert_array_equal(labels, labels_small)
    assert_array_equal(d2, d2_small)


def test_results_do_not_depend_on_the_number_of_threads():
    import vqkit

    X = blobs(20_000, 6, 8, seed=1)
    n_threads = numba.get_num_threads()
    results = []
    try:
        for threads in sorted({1, n_threads}):
            numba.set_num_threads(threads)
            results.append(vqkit.kmeans2(X, 8, iter=5, minit="++", rng=3))
    finally:
        numba.set_num_threads(n_threads)
    for centroids, labels in results[1:]:
        assert_array_equal(centroids, results[0][0])
        assert_array_equal(labels, results[0][1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d,k", [(2, 3), (3, 40), (6, 20), (32, 64), (20, 300)])
def test_every_assignment_kernel_agrees(d, k, dtype, monkeypatch):
    X = blobs(3000, d, 10, seed=d * k, spread=1.0, dtype=dtype)
    C = X[:k].copy()
    origin = X.mean(0)
    results = {}
    kernels = ["direct", "direct_t", "tiled", "blocked"]
    if dtype == np.float64:
        kernels += ["mixed", "tiled_mixed"]
    for kernel in kernels:
        monkeypatch.setattr(cpu, "choose_kernel", lambda *args, _k=kernel: _k)
        results[kernel] = backend.assign(X, C, origin)
    # the two difference kernels do the same arithmetic
    assert_array_equal(results["direct"][0], results["direct_t"][0])
    assert_array_equal(results["direct"][1], results["direct_t"][1])
    ref_labels, ref_d2 = nearest_reference(X.astype(np.float64), C.astype(np.float64))
    for kernel, (labels, d2) in results.items():
        chosen = ((X.astype(np.float64) - C[labels].astype(np.float64)) ** 2).sum(1)
        tol = 1e-3 if dtype == np.float32 else 1e-9
        assert_allclose(chosen, ref_d2, rtol=tol, atol=tol), kernel
        assert_allclose(d2, ref_d2, rtol=tol, atol=tol * 10), kernel


@pytest.mark.parametrize("kernel", ["mixed", "tiled_mixed"])
@pytest.mark.parametrize("offset", [0.0, 1e3, 1e6])
def test_mixed_precision_assignment_is_exact(offset, kernel, monkeypatch):
    # integer coordinates: many exact ties and near-ties, far from the origin
    rng = np.random.default_rng(int(offset) % 97)
    X = rng.integers(-20, 20, size=(5000, 40)).astype(np.float64) + offset
    C = rng.integers(-20, 20, size=(900, 40)).astype(np.float64) + offset
    C[1] = C[0]  # a duplicated centre: ties must go to the lower index
    monkeypatch.setattr(cpu, "choose_kernel", lambda *args: kernel)
    labels, d2 = backend.assign(X, C, X.mean(0))
    ref_labels, ref_d2 = nearest_reference(X, C)
    assert_array_equal(labels, ref_labels)
    assert_allclose(d2, ref_d2, rtol=1e-12)


@pytest.mark.parametrize("d", [1, 3, 7])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_candidate_potentials_kernels_match_a_plain_computation(d, weighted, dtype, monkeypatch):
    # both seeding kernels (rows of a few features compared many at once, and
    # one row at a time) against NumPy: potentials, and the marks of the
    # candidates each row is strictly closer to; pruned rows included
    X = blobs(3 * 2048 + 301, d, 9, seed=d, spread=0.5, dtype=dtype)
    rng = np.random.default_rng(d)
    w = rng.uniform(0.5, 2, size=len(X)) if weighted else None
    X64 = X.astype(np.float64)
    chosen = X64[rng.choice(len(X), size=4, replace=False)]
    d2 = ((X64[:, None, :] - chosen[None]) ** 2).sum(-1)
    min_d2, nearest = d2.min(1), d2.argmin(1).astype(np.int64)
    cand = X64[rng.choice(len(X), size=6, replace=False)]
    cc = ((chosen[:, None, :] - cand[None]) ** 2).sum(-1)
    s = ((X64[:, None, :] - cand[None]) ** 2).sum(-1)
    ww = np.ones(len(X)) if w is None else w
    expected = (ww[:, None] * np.minimum(s, min_d2[:, None])).sum(0)
    expected_marks = ((s < min_d2[:, None]) << np.arange(6)).sum(1)
    for narrow in (0, 8):
        monkeypatch.setattr(cpu, "NARROW_SEEDING_FEATURES", narrow)
        closer = backend.closer_marks(len(X), 6)
        pots = backend.candidate_potentials(X, w, min_d2, nearest, cand, cc, closer=closer)
        assert_allclose(pots, expected, rtol=1e-12)
        assert_array_equal(closer, expected_marks)


def _plain_greedy(D, w, first, uniforms):
    """Greedy k-means++ on a distance matrix, step by step in NumPy."""
    chosen = [first]
    min_d2 = D[first].copy()
    for u in uniforms:
        cumulative = np.cumsum(w * min_d2)
        if not cumulative[-1] > 0:
            return chosen + [first] * (len(uniforms) + 1 - len(chosen))
        picks = np.minimum(np.searchsorted(cumulative, u * cumulative[-1]), len(D) - 1)
        pots = [(w * np.minimum(min_d2, D[p])).sum() for p in picks]
        chosen.append(int(picks[int(np.argmin(pots))]))
        min_d2 = np.minimum(min_d2, D[chosen[-1]])
    return chosen


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("distinct", [300, 6])
def test_greedy_pairwise_matches_a_plain_loop(weighted, distinct):
    # distinct=6 < k: every row sits on a chosen one early, the rest repeat the first
    rng = np.random.default_rng(distinct)
    X = blobs(300, 4, 10, seed=distinct)[:distinct]
    X = X[rng.integers(0, distinct, size=300)] if distinct < 300 else X
    D = ((X[:, None, :] - X[None]) ** 2).sum(-1)
    w = rng.uniform(0.5, 3, size=len(X)) if weighted else np.ones(len(X))
    uniforms = rng.uniform(size=(19, 4))
    got = backend.greedy_pairwise(D, w if weighted else None, 7, uniforms)
    assert got.tolist() == _plain_greedy(D, w, 7, uniforms)
    if distinct < 300:
        assert len(set(X[got, 0].tolist())) == distinct


@pytest.mark.parametrize("k", [1, 7, 60, 300])
def test_centre_geometry_bounds_are_tight_and_never_overstated(k, monkeypatch):
    # few centres: direct differences in one compiled call; many: matrix
    # products around the mean; both give the shift of each centre and a
    # half gap to its nearest other centre that is never above the truth
    rng = np.random.default_rng(k)
    C = rng.normal(size=(k, 9)) * 3 + 1e3
    C[k // 2] = C[0]  # a repeated centre: gap 0
    previous = C + rng.normal(size=C.shape) * 0.1
    true_shift = np.sqrt(((C - previous) ** 2).sum(1))
    gaps = np.sqrt(((C[:, None] - C[None]) ** 2).sum(-1))
    np.fill_diagonal(gaps, np.inf)
    true_half = gaps.min(1) / 2
    for direct_max in (0, 1000):
        monkeypatch.setattr(cpu, "GEOMETRY_DIRECT_MAX_K", direct_max)
        shift, half_gap = cpu.hamerly_geometry(C, previous)
        assert_allclose(shift, true_shift, rtol=1e-12)
        assert_array_equal(cpu.hamerly_geometry(C, None)[0], np.zeros(k))
        if k == 1:
            assert half_gap[0] == np.inf
            continue
        assert (half_gap <= true_half).all()
        assert_allclose(half_gap, true_half, rtol=1e-9, atol=1e-9 * 1e3)
    C[3 % k] = np.inf  # no bound from a non-finite centre
    monkeypatch.setattr(cpu, "GEOMETRY_DIRECT_MAX_K", 1000)
    with np.errstate(invalid="ignore", over="ignore"):
        shift, half_gap = cpu.hamerly_geometry(C, previous)
    assert np.isinf(shift).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d,k", [(1, 1), (5, 9), (8, 64), (13, 7), (64, 130)])
def test_tiled_kernels_on_awkward_shapes_and_values(d, k, dtype, monkeypatch):
    # widths and centre counts that are not multiples of the tile (4), a
    # row count that is not a multiple of the row block, duplicated centres
    # (ties to the lower index), a NaN row (label -1) and a centre at
    # infinity (never chosen); float64 goes through the exact mixed kernel
    from vqkit.backends.kernels import tiles

    rng = np.random.default_rng(d * 1000 + k)
    n = 2 * tiles.TILE_ROWS + 37
    X = rng.integers(-3, 4, size=(n, d)).astype(dtype)
    C = rng.integers(-3, 4, size=(k, d)).astype(dtype)
    if k > 2:
        C[2] = C[1]
        C[0] = np.inf
    X[5] = np.nan
    kernel = "tiled_mixed" if dtype == np.float64 else "tiled"
    monkeypatch.setattr(cpu, "choose_kernel", lambda *args: kernel)
    labels, d2 = backend.assign(X, C, np.zeros(d))
    finite = np.isfinite(X).all(1)
    assert labels[5] == -1
    with np.errstate(invalid="ignore"):
        ref_labels, ref_d2 = nearest_reference(X[finite].astype(np.float64), C.astype(np.float64))
    if dtype == np.float64:  # exact: the same labels as float64 differences
        assert_array_equal(labels[finite], ref_labels)
        assert_allclose(d2[finite], ref_d2, rtol=1e-12)
    else:  # small integers: every score is exact in float32 too
        assert_array_equal(labels[finite], ref_labels)
        assert_allclose(d2[finite], ref_d2, rtol=1e-6)
    # the same result on one thread as on several
    n_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        again = backend.assign(X, C, np.zeros(d))
    finally:
        numba.set_num_threads(n_threads)
    assert_array_equal(again[0], labels)
    assert_array_equal(again[1], d2)


@pytest.mark.parametrize("d", [2, 6])
def test_tiled_groups_pass_over_nan_scores_and_keep_the_true_runner_up(d, monkeypatch):
    # The tiles fold 4 centres at a time (their least score against the
    # row's best) and settle the centre inside the winning group after.
    # Centre 1 is so far out that its float32 score for the far rows is
    # inf - inf = NaN: its group mates 0, 2 and 3 must still be found.
    # Duplicates straddle a group boundary (3 and 4) and sit inside one
    # (8 and 9): ties go to the lower index.  The lower bound must stay
    # below the true distance to the second-nearest centre, and near it.
    from vqkit.backends.kernels import tiles

    rng = np.random.default_rng(d)
    k = 14
    C = rng.integers(-4, 5, size=(k, d)).astype(np.float32)
    C[1] = 0
    C[1, 0] = 1e30
    C[3] = [1e10] + [0] * (d - 1)
    C[4] = C[3]
    C[9] = C[8]
    n = tiles.TILE_ROWS + 9
    X = rng.integers(-4, 5, size=(n, d)).astype(np.float32)
    X[::5] = C[3] + 1  # nearest: 3 (its twin 4 in the next group)
    X[1::5] = C[8]  # nearest: 8 (its twin 9 in the same group)
    monkeypatch.setattr(cpu, "choose_kernel", lambda *args: "tiled")
    with np.errstate(over="ignore", invalid="ignore"):
        labels, d2, lower = backend.assign_with_lower(X, C, np.zeros(d))
    exact = ((X[:, None, :].astype(np.float64) - C[None].astype(np.float64)) ** 2).sum(-1)
    assert_array_equal(labels, np.argmin(exact, axis=1))
    assert (labels[::5] == 3).all() and (labels[1::5] == 8).all()
    assert (lower == 0).all()  # centres beyond float32's squares: no bound is known
    # moderate centres, the same duplicates: the bound is known and tight
    C[1], C[3] = C[0] + 1, C[2] - 1
    C[4] = C[3]
    X[::5] = C[3]
    labels, d2, lower = backend.assign_with_lower(X, C, np.zeros(d))
    exact = ((X[:, None, :].astype(np.float64) - C[None].astype(np.float64)) ** 2).sum(-1)
    assert_array_equal(labels, np.argmin(exact, axis=1))
    second = np.sort(exact, axis=1)[:, 1]
    assert (lower**2 <= second).all()
    assert_allclose(lower**2, second, rtol=1e-4, atol=1e-3)
    assert (lower[::5] == 0).all()  # twins 3 and 4: the runner-up is at distance 0


# ----------------------------------------------------------------------
# the Lloyd step: one pass after the assignment (stats.lloyd_step)


def _ordered_sums(X, w, labels, parts, k):
    """The step's sums in plain NumPy, in the kernel's documented order:
    rows added in row order within each of ``parts`` fixed ranges (float64),
    the ranges added in range order; rows labelled -1 left out."""
    n, d = X.shape
    ww = np.ones(n) if w is None else w
    values = ww[:, None] * X.astype(np.float64) if w is not None else X.astype(np.float64)
    rows = -(-n // parts)
    sums, wsums = np.zeros((k, d)), np.zeros(k)
    for p in range(parts):
        part, wpart = np.zeros((k, d)), np.zeros(k)
        r = np.arange(p * rows, min(n, (p + 1) * rows))
        r = r[labels[r] >= 0]
        np.add.at(part, labels[r], values[r])  # unbuffered: in row order
        np.add.at(wpart, labels[r], ww[r])
        sums += part
        wsums += wpart
    return sums, wsums


def _ordered_rest(w, labels, min_d2, previous, parts):
    """The step's inertia (in the same order as the sums), changed-label
    count and unassigned rows, in plain NumPy."""
    n = len(labels)
    rows = -(-n // parts)
    inertia = 0.0
    for p in range(parts):
        r = np.arange(p * rows, min(n, (p + 1) * rows))
        r = r[labels[r] >= 0]
        terms = min_d2[r].astype(np.float64) * (1.0 if w is None else w[r])
        if len(terms):
            inertia += np.cumsum(terms)[-1]  # a cumulative sum adds left to right
    bad = np.flatnonzero(labels < 0)
    n_changed = n if previous is None else int(np.count_nonzero(labels != previous))
    return inertia, n_changed, bad.size, int(bad[0]) if bad.size else -1


def _run_step(X, w, labels, min_d2, previous, parts, k):
    sums, wsums = np.zeros((k, X.shape[1])), np.zeros(k)
    out = cpu.stats.lloyd_step(
        X,
        cpu._NO_WEIGHTS if w is None else w,
        labels,
        min_d2,
        cpu._NO_LABELS if previous is None else previous,
        parts,
        sums,
        wsums,
    )
    return (sums, wsums), tuple(out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "n,d,k,parts",
    [(0, 3, 2, 1), (5, 2, 9, 1), (3001, 7, 40, 1), (40_000, 3, 12, 2), (50_000, 16, 300, 7)],
)
def test_lloyd_step_matches_a_plain_reference(n, d, k, parts, weighted, dtype):
    # k > n, empty clusters (a third of the labels never used), unassigned
    # rows (-1, with an infinite distance), weights of zero, several ranges
    rng = np.random.default_rng(n + d)
    X = (rng.normal(size=(n, d)) * 100).astype(dtype)
    labels = rng.integers(0, max(1, k // 3), size=n).astype(np.int32) * 3
    min_d2 = rng.uniform(0, 50, size=n).astype(dtype)
    unassigned = rng.choice(n, size=min(n, 4), replace=False) if n else []
    labels[unassigned] = -1
    min_d2[unassigned] = np.inf
    w = rng.uniform(0, 3, size=n) if weighted else None
    if weighted and n:
        w[: n // 10] = 0.0
    previous = rng.integers(-1, k, size=n).astype(np.int32)
    for prev in (previous, None):
        (sums, wsums), (inertia, n_changed, n_bad, first) = _run_step(
            X, w, labels, min_d2, prev, parts, k
        )
        ref_sums, ref_wsums = _ordered_sums(X, w, labels, parts, k)
        ref_rest = _ordered_rest(w, labels, min_d2, prev, parts)
        # the documented order, bitwise; and the plain sums up to rounding
        assert_array_equal(sums, ref_sums)
        assert_array_equal(wsums, ref_wsums)
        assert (inertia, n_changed, n_bad, first) == ref_rest
        ok = labels >= 0
        plain_sums, plain_wsums = cluster_sums_reference(
            X[ok], labels[ok], k, None if w is None else w[ok]
        )
        assert_allclose(sums, plain_sums, rtol=1e-12, atol=1e-9)
        assert_allclose(wsums, plain_wsums, rtol=1e-12)
        ww = np.ones(n) if w is None else w
        assert inertia == pytest.approx(float(ww[ok] @ min_d2[ok].astype(np.float64)), rel=1e-12)
        assert n_bad == len(unassigned) and first == (min(unassigned) if n else -1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lloyd_step_sums_are_those_of_cluster_sums(dtype):
    X = blobs(70_000, 5, 30, seed=2, dtype=dtype)
    C = X[:30].copy()
    w = np.random.default_rng(1).uniform(0.5, 2, size=len(X))
    for weights in (None, w):
        step = backend.assign_and_sum(X, C, weights)
        labels, d2 = backend.assign(X, C)
        sums, wsums = backend.cluster_sums(X, labels, 30, weights)
        assert_array_equal(step.labels, labels)
        assert_array_equal(step.min_d2, d2)
        assert_array_equal(step.sums, sums)
        assert_array_equal(step.wsums, wsums)


def test_lloyd_step_does_not_depend_on_the_number_of_threads():
    rng = np.random.default_rng(4)
    n, d, k = 120_000, 6, 50
    X = rng.normal(size=(n, d)).astype(np.float32)
    labels = rng.integers(-1, k, size=n).astype(np.int32)
    min_d2 = rng.uniform(size=n).astype(np.float32)
    w = rng.uniform(size=n)
    previous = rng.integers(0, k, size=n).astype(np.int32)
    parts = cpu.sum_parts(n, k, d)
    assert parts > 2
    n_threads = numba.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            results.append(_run_step(X, w, labels, min_d2, previous, parts, k))
    finally:
        numba.set_num_threads(n_threads)
    (sums1, wsums1), rest1 = results[0]
    (sums2, wsums2), rest2 = results[1]
    assert_array_equal(sums1, sums2)
    assert_array_equal(wsums1, wsums2)
    assert rest1 == rest2


def test_assign_and_sum_counts_rows_that_found_no_centre():
    X = blobs(500, 3, 4, seed=6)
    X[[17, 300]] = np.nan
    previous = np.zeros(500, dtype=np.int32)
    step = backend.assign_and_sum(X, X[:4] + 0.5, None, previous)
    assert (step.n_unassigned, step.first_unassigned) == (2, 17)
    assert step.labels[17] == step.labels[300] == -1
    assert np.isfinite(step.inertia) and np.isfinite(step.sums).all()
    with pytest.raises(ValueError, match="expected \\(500,\\)"):
        backend.assign_and_sum(X, X[:4], None, previous[:10])


def test_assign_and_sum_with_hamerly_bounds_matches_full_scans():
    X = blobs(30_000, 4, 20, seed=9, dtype=np.float32)
    assigner = backend.bounded_assigner(X)
    previous = None
    for C in (X[:20], X[:20] + 0.1, X[:20] + 0.12):
        step = backend.assign_and_sum(X, C, None, previous, assigner=assigner)
        full = backend.assign_and_sum(X, C, None, previous)
        assert_array_equal(step.labels, full.labels)
        assert_array_equal(step.sums, full.sums)
        assert step.n_changed == full.n_changed
        assert step.inertia == pytest.approx(full.inertia, rel=1e-5)
        previous = step.labels


@pytest.mark.parametrize("count", [0, 1, 3, 10, 40])
def test_farthest_rows_are_those_of_a_stable_sort(count):
    rng = np.random.default_rng(count)
    distance = rng.integers(0, 6, size=30).astype(np.float64)  # many ties
    distance[[2, 9]] = np.inf
    distance[4] = np.nan
    w = rng.uniform(size=30)
    w[[0, 5, 11]] = 0.0
    for weights in (None, w):
        masked = distance if weights is None else np.where(weights > 0, distance, -np.inf)
        order = np.argsort(-masked, kind="stable")[:count]
        expected = order[np.isfinite(masked[order])]
        assert_array_equal(cpu.farthest_host_rows(distance, weights, count), expected)


class _SeparateSteps(CPUBackend):
    """The CPU backend without the fused step: the core's separate
    assignment, comparison, inertia and centre sums."""

    capabilities = CPUBackend.capabilities - {"assign_and_sum"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "d,k,bounds", [(3, 12, True), (3, 12, False), (20, 40, True), (9, 60, False)]
)
@pytest.mark.parametrize("empty", ["relocate", "keep"])
def test_lloyd_gives_the_same_fit_with_the_fused_step(d, k, bounds, empty, dtype):
    from vqkit.core.lloyd import lloyd

    X = blobs(40_000, d, k // 2, seed=d + k, spread=1.0, dtype=dtype)
    w = np.random.default_rng(k).uniform(0.2, 2.0, size=len(X))
    start = X[:k].astype(np.float64)
    start[: k // 4] += 1e3  # far away: empty clusters, relocated or kept
    fits = []
    for b in (backend, _SeparateSteps()):
        fits.append(
            lloyd(
                X,
                start,
                backend=b,
                weights=w,
                max_iter=60,
                shift_tol=0.0,
                stop_when_stable=True,
                empty=empty,
                final_assignment=True,
                origin=X.mean(0),
                assigner=b.bounded_assigner(X) if bounds else None,
            )
        )
    fused, separate = fits
    assert_array_equal(fused.centers, separate.centers)
    assert_array_equal(fused.labels, separate.labels)
    assert (fused.n_iter, fused.converged) == (separate.n_iter, separate.converged)
    assert fused.inertia == pytest.approx(separate.inertia, rel=1e-12)
    for a, b in zip(fused.history, separate.history, strict=True):
        assert (a.n_changed, a.n_empty, a.center_shift) == (b.n_changed, b.n_empty, b.center_shift)
        assert a.inertia == pytest.approx(b.inertia, rel=1e-12)
    assert any(s.n_empty for s in fused.history)


def test_lloyd_with_the_fused_step_names_the_first_row_without_a_centre():
    from vqkit.core.lloyd import lloyd

    X = blobs(1000, 4, 3, seed=1)
    X[[40, 7]] = np.inf
    with pytest.raises(ValueError, match=r"2 observation\(s\) \(the first is row 7\)"):
        lloyd(X, X[100:103], backend=backend, max_iter=5)
