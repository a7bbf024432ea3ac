"""vqkit.MiniBatchKMeans: scikit-learn conventions, plain-NumPy oracles of the
update step and of the streaming algorithm, determinism, quality."""

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import vqkit
from helpers import blobs, nearest_reference
from vqkit import MiniBatchKMeans
from vqkit.backends import get_backend
from vqkit.core.minibatch import MiniBatchState, MiniBatchStats, minibatch_step

# ----------------------------------------------------------------------
# plain NumPy references


def step_reference(C, counts, Xb, wb):
    """One mini-batch update: nearest centre, then the count-weighted mean."""
    C = np.array(C, dtype=np.float64)
    counts = np.array(counts, dtype=np.float64)
    w = np.ones(len(Xb)) if wb is None else np.asarray(wb, dtype=np.float64)
    labels, d2 = nearest_reference(Xb, C)
    for j in range(len(C)):
        members = labels == j
        wsum = w[members].sum()
        if wsum > 0:
            s = (w[members, None] * Xb[members]).sum(axis=0)
            C[j] = (C[j] * counts[j] + s) / (counts[j] + wsum)
            counts[j] += wsum
    return C, counts, float((w * d2).sum())


def stream_reference(chunks, weights, C0, batch_size, ratio, seed):
    """The documented ``partial_fit`` algorithm, in plain NumPy.

    First chunk: one seeding, so no validation sample; the seeding's sample
    ``randint(0, n, init_size)`` is drawn when ``init_size < n`` (an array
    ``init`` ignores it, as scikit-learn does).  Each chunk: a permutation,
    consecutive batches, one step each, then the low-count reassignment
    when some count is zero or ``10 k`` rows were seen since the last check.
    """
    rng = np.random.RandomState(seed)
    k = len(C0)
    C = np.array(C0, dtype=np.float64)
    counts = np.zeros(k)
    since = 0
    n0 = len(chunks[0])
    init_size = min(3 * batch_size, n0)
    if init_size < n0:  # the seeding's own sample, drawn even for an array
        rng.randint(0, n0, init_size)
    for X, w in zip(chunks, weights):
        order = rng.permutation(len(X))
        bs = min(batch_size, len(X))
        for lo in range(0, len(X), bs):
            idx = order[lo : lo + bs]
            Xb, wb = X[idx], (None if w is None else w[idx])
            C, counts, _ = step_reference(C, counts, Xb, wb)
            since += len(idx)
            if (counts == 0).any() or since >= 10 * k:
                since = 0
                low = counts < ratio * counts.max()
                if low.sum() > int(0.5 * len(Xb)):
                    low[np.argsort(counts, kind="stable")[int(0.5 * len(Xb)) :]] = False
                if low.any():
                    rows = rng.choice(len(Xb), replace=False, size=int(low.sum()))
                    C[low] = Xb[rows]
                    counts[low] = counts[~low].min()
    return C, counts


# ----------------------------------------------------------------------
# scikit-learn conventions


def test_params_repr_and_clone():
    import sklearn.base as base

    mbk = MiniBatchKMeans(5, batch_size=64, random_state=3)
    assert repr(mbk) == "MiniBatchKMeans(batch_size=64, n_clusters=5, random_state=3)"
    assert base.clone(mbk).get_params() == mbk.get_params()
    assert set(mbk.get_params()) == {
        "n_clusters",
        "init",
        "max_iter",
        "batch_size",
        "verbose",
        "compute_labels",
        "random_state",
        "tol",
        "max_no_improvement",
        "init_size",
        "n_init",
        "reassignment_ratio",
        "callback",
        "progress",
    }


# ----------------------------------------------------------------------
# the update step against plain NumPy


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n,d,k", [(300, 2, 4), (500, 9, 7), (200, 40, 5)])
def test_one_step_matches_plain_numpy(n, d, k, weighted):
    rng = np.random.default_rng(n + d)
    Xb = blobs(n, d, k, seed=d, spread=2.0)
    C = Xb[rng.choice(n, k, replace=False)] + 0.1
    counts = rng.integers(0, 50, size=k).astype(np.float64)
    counts[0] = 0.0
    wb = rng.uniform(0, 3, size=n) if weighted else None
    if weighted:
        wb[::7] = 0.0
    state = MiniBatchState(centers=C.copy(), counts=counts.copy())
    inertia, n_reassigned, shift = minibatch_step(
        Xb, wb, state, get_backend(Xb), np.random.RandomState(0)
    )
    ref_C, ref_counts, ref_inertia = step_reference(C, counts, Xb, wb)
    assert n_reassigned == 0
    assert_allclose(state.centers, ref_C, rtol=1e-12, atol=1e-12)
    assert_allclose(state.counts, ref_counts, rtol=1e-12)
    assert inertia == pytest.approx(ref_inertia, rel=1e-10)
    assert shift == pytest.approx(((ref_C - C) ** 2).sum(), rel=1e-9)


def test_one_fit_step_from_given_centres_matches_plain_numpy():
    """``fit`` with an array init and ``max_iter * n // batch_size == 1``:
    one step on ``randint`` rows, drawn after the validation sample."""
    X = blobs(400, 5, 6, seed=1, spread=2.0)
    C0 = X[:6].copy()
    mbk = MiniBatchKMeans(
        6, init=C0, batch_size=400, max_iter=1, random_state=7, reassignment_ratio=0
    ).fit(X)
    rng = np.random.RandomState(7)
    rng.randint(0, 400, 400)  # validation sample for comparing seedings
    idx = rng.randint(0, 400, 400)
    ref_C, ref_counts, _ = step_reference(C0, np.zeros(6), X[idx], None)
    assert mbk.n_steps_ == 1 and mbk.n_iter_ == 1
    assert_allclose(mbk.cluster_centers_, ref_C, rtol=1e-12)
    assert_allclose(mbk.counts_, ref_counts)
    labels, d2 = nearest_reference(X, mbk.cluster_centers_)
    assert_array_equal(mbk.labels_, labels)
    assert mbk.inertia_ == pytest.approx(d2.sum(), rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_over_chunks_is_the_documented_algorithm(weighted):
    X = blobs(3000, 4, 10, seed=2, spread=1.0)
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, size=len(X)) if weighted else None
    k, batch, ratio = 12, 128, 0.3  # a high ratio: reassignments happen
    C0 = X[:k] + 0.01
    bounds = [0, 700, 1500, 1501, 3000]  # one chunk of a single row
    chunks = [X[a:b] for a, b in zip(bounds, bounds[1:])]
    wchunks = [None if w is None else w[a:b] for a, b in zip(bounds, bounds[1:])]
    mbk = MiniBatchKMeans(k, init=C0, batch_size=batch, reassignment_ratio=ratio, random_state=5)
    for c, wc in zip(chunks, wchunks):
        mbk.partial_fit(c, sample_weight=wc)
    ref_C, ref_counts = stream_reference(chunks, wchunks, C0, batch, ratio, 5)
    assert_allclose(mbk.cluster_centers_, ref_C, rtol=1e-10, atol=1e-10)
    assert_allclose(mbk.counts_, ref_counts, rtol=1e-12)
    assert sum(s.n_reassigned for s in mbk.history_) > 0
    assert mbk.n_steps_ == len(mbk.history_) == 6 + 7 + 1 + 12  # ceil(rows / 128)
    assert mbk.n_iter_ == 4
    # labels_ and inertia_ describe the last chunk
    labels, d2 = nearest_reference(chunks[-1], mbk.cluster_centers_)
    assert_array_equal(mbk.labels_, labels)
    wl = np.ones(len(d2)) if w is None else wchunks[-1]
    assert mbk.inertia_ == pytest.approx((wl * d2).sum(), rel=1e-10)


def test_partial_fit_continues_after_fit_and_after_load(tmp_path):
    X = blobs(2000, 3, 5, seed=4)
    a = MiniBatchKMeans(5, batch_size=256, random_state=0).fit(X)
    path = a.save(tmp_path / "m.npz")
    b = MiniBatchKMeans.load(path)
    assert_array_equal(b.cluster_centers_, a.cluster_centers_)
    assert_array_equal(b.counts_, a.counts_)
    assert b.history_ == a.history_ and isinstance(b.history_[0], MiniBatchStats)
    assert_array_equal(b.predict(X), a.labels_)
    steps = a.n_steps_
    a.partial_fit(X[:500])
    b.partial_fit(X[:500])
    assert a.n_steps_ == b.n_steps_ == steps + 2
    assert np.isfinite(b.cluster_centers_).all()


# ----------------------------------------------------------------------
# dtypes, weights, determinism


def test_float32_kept():
    X = blobs(3000, 6, 5, seed=3, dtype=np.float32)
    mbk = MiniBatchKMeans(5, batch_size=512, random_state=0).fit(X)
    assert mbk.cluster_centers_.dtype == np.float32
    assert mbk.transform(X).dtype == np.float32
    assert mbk.labels_.dtype == np.int32
    p = MiniBatchKMeans(5, batch_size=512, random_state=0).partial_fit(X[:1000])
    p.partial_fit(X[1000:])
    assert p.cluster_centers_.dtype == np.float32
    ref = MiniBatchKMeans(5, batch_size=512, random_state=0).fit(X.astype(np.float64))
    assert mbk.inertia_ == pytest.approx(ref.inertia_, rel=1e-3)


def test_uniform_weights_change_nothing():
    X = blobs(4000, 5, 6, seed=8)
    plain = MiniBatchKMeans(6, batch_size=300, random_state=1).fit(X)
    doubled = MiniBatchKMeans(6, batch_size=300, random_state=1).fit(
        X, sample_weight=np.full(len(X), 2.0)
    )
    assert_allclose(doubled.cluster_centers_, plain.cluster_centers_, rtol=1e-12)
    assert doubled.n_steps_ == plain.n_steps_
    assert doubled.inertia_ == pytest.approx(2 * plain.inertia_, rel=1e-12)


def test_weights_pull_centres():
    """Two groups, one centre: the centre settles at the weighted mean."""
    X = np.vstack([np.zeros((500, 2)), np.ones((500, 2))])
    w = np.r_[np.full(500, 3.0), np.full(500, 1.0)]
    mbk = MiniBatchKMeans(1, batch_size=1000, max_iter=1, random_state=0).fit(X, sample_weight=w)
    # one step from zero counts: the weighted mean of the batch (about 0.25)
    assert mbk.n_steps_ == 1
    assert 0.15 < mbk.cluster_centers_[0, 0] < 0.35  # unweighted would be ~0.5
    assert mbk.score(X, sample_weight=w) == pytest.approx(-mbk.inertia_, rel=1e-12)


def test_zero_weight_rows_are_ignored():
    X = blobs(2000, 3, 4, seed=9)
    far = np.full((50, 3), 1e3)
    w = np.r_[np.ones(len(X)), np.zeros(len(far))]
    mbk = MiniBatchKMeans(4, batch_size=256, random_state=0, reassignment_ratio=0).fit(
        np.vstack([X, far]), sample_weight=w
    )
    assert np.abs(mbk.cluster_centers_).max() < 100


def test_same_seed_same_result_and_any_thread_count():
    X = blobs(20000, 12, 16, seed=6, spread=1.5)

    def run():
        m = MiniBatchKMeans(16, batch_size=1024, random_state=42).fit(X)
        p = MiniBatchKMeans(16, batch_size=1024, random_state=42)
        for c in range(0, len(X), 5000):
            p.partial_fit(X[c : c + 5000])
        return m, p

    m1, p1 = run()
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        m2, p2 = run()
    finally:
        numba.set_num_threads(threads)
    for a, b in ((m1, m2), (p1, p2)):
        assert_array_equal(a.cluster_centers_, b.cluster_centers_)
        assert_array_equal(a.labels_, b.labels_)
        assert a.inertia_ == b.inertia_
        assert a.n_steps_ == b.n_steps_


def test_random_state_instance_and_global_state(restore_global_rng):
    X = blobs(1000, 3, 4, seed=1)
    a = MiniBatchKMeans(4, batch_size=100, random_state=np.random.RandomState(3)).fit(X)
    b = MiniBatchKMeans(4, batch_size=100, random_state=3).fit(X)
    assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.random.seed(3)
    c = MiniBatchKMeans(4, batch_size=100).fit(X)
    assert_array_equal(c.cluster_centers_, b.cluster_centers_)


# ----------------------------------------------------------------------
# quality


@pytest.fixture(scope="module")
def quality_data():
    import sklearn.datasets as datasets

    X, _ = datasets.make_blobs(60000, 16, centers=32, random_state=0)
    full = vqkit.KMeans(32, random_state=0).fit(X)
    return X, full.inertia_


def test_inertia_close_to_full_kmeans(quality_data):
    X, full = quality_data
    mbk = MiniBatchKMeans(32, batch_size=2048, random_state=0).fit(X)
    assert mbk.inertia_ <= 1.02 * full
    assert mbk.n_steps_ < 100 * len(X) // 2048  # early stopping worked


def test_partial_fit_inertia_close_to_full_kmeans(quality_data):
    X, full = quality_data
    mbk = MiniBatchKMeans(32, batch_size=2048, random_state=0)
    for c in range(0, len(X), 10000):
        mbk.partial_fit(X[c : c + 10000])
    assert -mbk.score(X) <= 1.10 * full


def test_close_to_scikit_learn():
    import sklearn.cluster as cluster

    X = blobs(20000, 6, 12, seed=3, spread=1.5)
    ours = [MiniBatchKMeans(12, batch_size=512, random_state=s).fit(X).inertia_ for s in range(4)]
    theirs = [
        cluster.MiniBatchKMeans(12, batch_size=512, n_init=1, random_state=s).fit(X).inertia_
        for s in range(4)
    ]
    assert np.median(ours) <= 1.02 * np.median(theirs)


# ----------------------------------------------------------------------
# the rest of the interface


def test_predict_transform_score_fit_predict():
    X = blobs(3000, 4, 6, seed=12, spread=1.0)
    mbk = MiniBatchKMeans(6, batch_size=500, random_state=0)
    labels = mbk.fit_predict(X)
    assert_array_equal(labels, mbk.labels_)
    assert_array_equal(mbk.predict(X), labels)
    D = mbk.transform(X)
    assert D.shape == (3000, 6)
    assert_array_equal(D.argmin(axis=1), labels)
    assert mbk.score(X) == pytest.approx(-mbk.inertia_, rel=1e-12)
    T = MiniBatchKMeans(6, batch_size=500, random_state=0).fit_transform(X)
    assert_allclose(T, D)
    assert all(isinstance(s, MiniBatchStats) for s in mbk.history_)
    assert mbk.history_[0].ewa_inertia is None
    assert mbk.n_iter_ == int(np.ceil(mbk.n_steps_ * 500 / 3000))


def test_compute_labels_false():
    X = blobs(2000, 3, 4, seed=2)
    mbk = MiniBatchKMeans(4, batch_size=200, compute_labels=False, random_state=0).fit(X)
    assert not hasattr(mbk, "labels_")
    assert np.isfinite(mbk.inertia_)
    assert mbk.fit_predict(X).shape == (2000,)


def test_tol_stops_early_and_callback_and_verbose(capsys):
    X = blobs(5000, 3, 4, seed=2)
    loose = MiniBatchKMeans(
        4, batch_size=100, tol=1e-1, max_no_improvement=None, random_state=0
    ).fit(X)
    none = MiniBatchKMeans(
        4, batch_size=100, max_no_improvement=None, max_iter=2, random_state=0
    ).fit(X)
    assert none.n_steps_ == 2 * 5000 // 100
    assert loose.n_steps_ < none.n_steps_
    seen = []
    MiniBatchKMeans(
        4, batch_size=100, random_state=0, callback=lambda s: seen.append(s.step) or len(seen) == 3
    ).fit(X)
    assert seen == [0, 1, 2]
    MiniBatchKMeans(4, batch_size=100, max_iter=1, verbose=1, random_state=0).fit(X[:300])
    assert "Step 0: batch inertia" in capsys.readouterr().out


@pytest.mark.parametrize("init", ["k-means++", "k-means||", "random"])
def test_inits(init):
    X = blobs(3000, 4, 6, seed=4, spread=0.5)
    mbk = MiniBatchKMeans(6, init=init, batch_size=256, random_state=0).fit(X)
    assert_array_equal(mbk.labels_, nearest_reference(X, mbk.cluster_centers_)[0])
    if init != "random":  # random seeds may leave a local minimum, as in Lloyd
        full = vqkit.KMeans(6, random_state=0).fit(X)
        assert mbk.inertia_ <= 1.5 * full.inertia_


def test_callable_init_and_n_init_auto():
    X = blobs(1000, 2, 3, seed=4)
    calls = []

    def init(Xs, k, rng):
        calls.append(len(Xs))
        return Xs[:k]

    MiniBatchKMeans(3, init=init, batch_size=100, init_size=250, random_state=0).fit(X)
    assert calls == [250, 250, 250]  # n_init="auto" is 3 for a callable
    with pytest.warns(RuntimeWarning, match="only one init"):
        MiniBatchKMeans(3, init=X[:3], n_init=4, random_state=0).fit(X)


# ----------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "X,match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.arange(10.0), "Expected 2D array"),
        (np.empty((0, 3)), "0 sample"),
        (np.ones((3, 2)), "n_samples=3 should be >= n_clusters=8"),
    ],
)
def test_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        MiniBatchKMeans().fit(X)
    with pytest.raises(ValueError, match=match):
        MiniBatchKMeans().partial_fit(X)


@pytest.mark.parametrize(
    "params,match",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"reassignment_ratio": -0.1}, "reassignment_ratio"),
        ({"max_no_improvement": -1}, "max_no_improvement"),
        ({"init_size": 0}, "init_size"),
        ({"n_init": 0}, "n_init"),
        ({"init": "nope"}, "init"),
        ({"init": np.zeros((2, 2))}, "shape of the initial centers"),
    ],
)
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        MiniBatchKMeans(3, **params).fit(np.random.default_rng(0).normal(size=(50, 3)))


def test_partial_fit_feature_mismatch_and_not_fitted():
    X = blobs(500, 3, 4, seed=0)
    mbk = MiniBatchKMeans(4, random_state=0)
    with pytest.raises(vqkit.exceptions.NotFittedError):
        mbk.predict(X)
    mbk.partial_fit(X)
    with pytest.raises(ValueError, match="3 features"):
        mbk.partial_fit(X[:, :2])


@pytest.mark.parametrize("init", ["random", "k-means++"])
@pytest.mark.parametrize("seed", [0, 2, 4])
def test_partial_fit_seeds_once_as_scikit_learn(init, seed):
    """``partial_fit`` seeds once (``n_init`` is for ``fit``), drawing as
    scikit-learn's: the same seed gives its centres after the first call,
    and after many calls on the same chunk its labels (scikit-learn's own
    test of this fails for seed 0 when the best of ten seedings is kept)."""
    from sklearn.cluster import MiniBatchKMeans as SkMiniBatchKMeans

    X = blobs(100, 5, 3, seed=seed, spread=1.0)
    params = dict(n_clusters=3, init=init, n_init=10, random_state=seed, reassignment_ratio=0)
    ours, theirs = MiniBatchKMeans(**params), SkMiniBatchKMeans(**params)
    ours.partial_fit(X)
    theirs.partial_fit(X)
    assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10)
    for _ in range(20):
        ours.partial_fit(X)
        theirs.partial_fit(X)
    assert_array_equal(ours.labels_, theirs.labels_)
