"""The CPU backend's kernels against plain NumPy, and their determinism."""

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs, nearest_reference
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
