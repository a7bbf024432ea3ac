"""Whole Lloyd fits in one compiled call (``CPUBackend.lloyd_runs``) against a
plain NumPy Lloyd, and the callers that use them against the per-iteration
driver."""

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs, nearest_reference
from vqkit.backends.cpu import CPUBackend
from vqkit.core.fit import fit_kmeans, fit_starts, tolerance
from vqkit.core.gap import gap_statistic, reference_box, reference_log_dispersions
from vqkit.core.prediction_strength import prediction_strength

backend = CPUBackend()


def plain_fit(X, C, w, max_iter, shift_tol):
    """Lloyd as ``fit_kmeans`` runs it, in plain NumPy: stop after
    ``max_iter`` updates, when no label changes, or when the centres move by
    no more than ``shift_tol``; an empty centre takes the farthest row left
    (rows of weight zero never).  Returns centres, labels and inertia of the
    returned centres, and the number of iterations as scikit-learn counts
    them (the updates, plus the pass that found no label change)."""
    X64 = X.astype(np.float64)
    w = np.ones(len(X)) if w is None else w
    C = np.array(C, dtype=X.dtype)
    labels = None
    n_iter = 0
    while n_iter < max_iter:
        new_labels, d2 = nearest_reference(X64, C.astype(np.float64))
        if labels is not None and (new_labels == labels).all():
            n_iter += 1
            break
        labels = new_labels
        sums = np.array(
            [(w[labels == j, None] * X64[labels == j]).sum(0) for j in range(len(C))]
        ).reshape(len(C), -1)
        wsums = np.array([w[labels == j].sum() for j in range(len(C))])
        empty = np.flatnonzero(~(wsums > 0))
        far = [i for i in np.argsort(-np.where(w > 0, d2, -np.inf), kind="stable") if w[i] > 0][
            : len(empty)
        ]
        for j, i in zip(empty, far):
            sums[labels[i]] -= w[i] * X64[i]
            wsums[labels[i]] -= w[i]
            sums[j], wsums[j] = w[i] * X64[i], w[i]
        new = C.copy()
        moved = wsums > 0
        new[moved] = (sums[moved] / wsums[moved, None]).astype(X.dtype)
        shift = ((new.astype(np.float64) - C) ** 2).sum()
        C = new
        n_iter += 1
        if shift <= shift_tol:
            break
    labels, d2 = nearest_reference(X64, C.astype(np.float64))
    return C, labels, float((w * d2).sum()), n_iter


def compiled_fit(X, C, w=None, max_iter=300, shift_tol=0.0):
    return backend.lloyd_runs([X], None if w is None else [w], [C], [0], [shift_tol], max_iter)[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,d,k", [(200, 2, 3), (1000, 10, 8), (500, 5, 20), (50, 1, 4)])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_fit_matches_plain_numpy(n, d, k, dtype, weighted):
    X = blobs(n, d, max(2, k // 2), seed=n + d, spread=1.0, dtype=dtype)
    rng = np.random.default_rng(k)
    w = rng.uniform(0, 2, n) if weighted else None
    if weighted:
        w[::7] = 0.0
    C = X[rng.choice(n, k, replace=False)]
    shift_tol = tolerance(backend, X, 1e-4, w)[0]
    centers, labels, n_iter, inertia, converged, unassigned = compiled_fit(X, C, w, 300, shift_tol)
    ref_C, ref_labels, ref_inertia, ref_n_iter = plain_fit(X, C, w, 300, shift_tol)
    assert unassigned is None and converged
    assert n_iter == ref_n_iter
    assert_array_equal(labels, ref_labels)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(centers, ref_C, rtol=rtol, atol=rtol)
    assert inertia == pytest.approx(ref_inertia, rel=rtol)
    assert centers.dtype == dtype


@pytest.mark.parametrize("weighted", [False, True])
def test_empty_clusters_are_relocated_like_the_plain_fit(weighted):
    X = blobs(300, 3, 3, seed=1)
    w = np.random.default_rng(0).uniform(0.5, 1.5, 300) if weighted else None
    # three centres on one spot and one far away: all but two start empty
    C = np.vstack([np.repeat(X[:1], 3, axis=0), [[100.0, 100.0, 100.0]], X[5:6]])
    got = compiled_fit(X, C, w, max_iter=50)
    ref_C, ref_labels, ref_inertia, ref_n_iter = plain_fit(X, C, w, 50, 0.0)
    assert got[2] == ref_n_iter
    assert_array_equal(got[1], ref_labels)
    assert_allclose(got[0], ref_C, rtol=1e-10)
    assert got[3] == pytest.approx(ref_inertia, rel=1e-10)


def test_max_iter_stops_the_fit_unconverged():
    X = blobs(2000, 4, 12, seed=2, spread=3.0)
    C = X[:12]
    centers, labels, n_iter, inertia, converged, _ = compiled_fit(X, C, max_iter=2)
    ref_C, ref_labels, ref_inertia, _ = plain_fit(X, C, None, 2, 0.0)
    assert n_iter == 2 and not converged
    assert_array_equal(labels, ref_labels)
    assert_allclose(centers, ref_C, rtol=1e-12)


def test_batched_fits_equal_fits_made_one_by_one():
    sets = [blobs(700, 6, 4, seed=s, spread=1.5) for s in range(3)]
    rng = np.random.default_rng(0)
    which = [0, 0, 1, 2, 2, 1, 0]
    ks = [2, 5, 3, 9, 1, 4, 7]
    starts = [sets[i][rng.choice(700, k, replace=False)] for i, k in zip(which, ks)]
    tols = [1e-3, 1e-6, 0.0, 1e-5, 1e-4, 1e-2, 1e-8]
    batch = backend.lloyd_runs(sets, None, starts, which, tols, 100)
    for run, i, start, tol in zip(batch, which, starts, tols):
        alone = backend.lloyd_runs([sets[i]], None, [start], [0], [tol], 100)[0]
        assert_array_equal(run[0], alone[0])
        assert_array_equal(run[1], alone[1])
        assert run[2:] == alone[2:]


def test_fits_do_not_depend_on_the_thread_count():
    sets = [blobs(500, 3, 5, seed=s, spread=2.0) for s in range(4)]
    starts = [Z[:6] for Z in sets]
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, before):
            numba.set_num_threads(threads)
            results.append(backend.lloyd_runs(sets, None, starts, range(4), [0.0] * 4, 300))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*results):
        assert_array_equal(a[0], b[0])
        assert a[2:] == b[2:]


def test_nan_in_the_start_raises_the_clear_error():
    X = blobs(100, 2, 2)
    C = np.array([[np.nan, 0.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"100 observation\(s\) \(the first is row 0\)"):
        fit_starts([X], [C], [0], backend=backend)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_init", [1, 3])
def test_fit_kmeans_without_history_matches_the_iteration_loop(dtype, n_init):
    X = blobs(3000, 7, 6, seed=5, spread=1.2, dtype=dtype)
    w = np.random.default_rng(1).uniform(0, 3, 3000)
    for weights in (None, w):
        fast = fit_kmeans(
            X,
            6,
            backend=backend,
            n_init=n_init,
            weights=weights,
            random_state=np.random.RandomState(3),
            keep_history=False,
        )
        loop = fit_kmeans(
            X,
            6,
            backend=backend,
            n_init=n_init,
            weights=weights,
            random_state=np.random.RandomState(3),
        )
        assert fast.history == [] and loop.history
        assert fast.n_iter == loop.n_iter
        assert_array_equal(fast.labels, loop.labels)
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        assert_allclose(fast.centers, loop.centers, rtol=rtol, atol=rtol)
        assert fast.inertia == pytest.approx(loop.inertia, rel=rtol)


def decline_compiled_fits(monkeypatch):
    """Make the CPU backend decline compiled fits (the per-iteration path)."""
    monkeypatch.setattr(CPUBackend, "runs_compiled", lambda self, n, d, k: False)


def test_reference_fits_batched_equal_the_per_iteration_fits(monkeypatch):
    X = blobs(800, 4, 3, seed=7, spread=1.0)
    box = reference_box(X, None, "uniform")
    seen = []
    fast = reference_log_dispersions(
        box,
        800,
        range(1, 7),
        5,
        np.random.RandomState(0),
        X.dtype,
        on_reference=seen.append,
        backend=backend,
    )
    decline_compiled_fits(monkeypatch)
    slow = reference_log_dispersions(
        box, 800, range(1, 7), 5, np.random.RandomState(0), X.dtype, backend=backend
    )
    assert seen == [1, 2, 3, 4, 5]
    assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_reference_batches_are_bounded(monkeypatch):
    import vqkit.core.gap as gap

    X = blobs(300, 3, 3, seed=8)
    box = reference_box(X, None, "pca")
    whole = reference_log_dispersions(
        box, 300, [1, 2, 4], 6, np.random.RandomState(1), X.dtype, backend=backend
    )
    monkeypatch.setattr(gap, "REFERENCE_BATCH_BYTES", 2 * X.nbytes)  # two sets a batch
    small = reference_log_dispersions(
        box, 300, [1, 2, 4], 6, np.random.RandomState(1), X.dtype, backend=backend
    )
    assert_array_equal(whole, small)


def test_gap_and_prediction_strength_match_the_per_iteration_path(monkeypatch):
    X = blobs(1200, 5, 4, seed=9, spread=1.0)
    ks = range(1, 8)
    decline_compiled_fits(monkeypatch)
    slow_gap = gap_statistic(X, ks, backend=backend, rng=np.random.RandomState(4), n_references=4)
    slow_ps = prediction_strength(X, ks, np.random.RandomState(4), backend=backend, n_init=2)
    monkeypatch.undo()
    fast_gap = gap_statistic(X, ks, backend=backend, rng=np.random.RandomState(4), n_references=4)
    fast_ps = prediction_strength(X, ks, np.random.RandomState(4), backend=backend, n_init=2)
    assert_allclose(fast_gap.gap, slow_gap.gap, rtol=0, atol=1e-12)
    assert_allclose(fast_gap.sd, slow_gap.sd, rtol=0, atol=1e-12)
    assert_allclose(fast_ps, slow_ps, rtol=0, atol=1e-12)
