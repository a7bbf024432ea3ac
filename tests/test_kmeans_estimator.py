"""vqkit.KMeans: scikit-learn conventions, plain-NumPy oracles, policies."""

import warnings

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import vqkit
from helpers import blobs, lloyd_reference, nearest_reference
from vqkit.backends import get_backend
from vqkit.core.seeding import greedy_kmeans_plusplus


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,d,k", [(500, 2, 4), (800, 7, 6), (300, 40, 5)])
def test_lloyd_from_given_centres_matches_plain_numpy(n, d, k, dtype):
    X = blobs(n, d, k, seed=n + d, spread=2.0).astype(dtype)
    init = X[:k].copy()
    km = vqkit.KMeans(k, init=init, n_init=1, tol=0, max_iter=100).fit(X)
    ref_centres, _ = lloyd_reference(X.astype(np.float64), init, km.n_iter_)
    ref_labels, ref_d2 = nearest_reference(X.astype(np.float64), ref_centres)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert km.cluster_centers_.dtype == dtype
    assert_allclose(km.cluster_centers_, ref_centres, rtol=rtol, atol=rtol)
    assert_array_equal(km.labels_, ref_labels)
    assert km.inertia_ == pytest.approx(ref_d2.sum(), rel=1e-4 if dtype == np.float32 else 1e-10)


def test_same_path_as_scikit_learn_from_the_same_centres():
    import sklearn.cluster as cluster

    X = blobs(2000, 5, 8, seed=11, spread=3.0)
    init = X[::250].copy()
    ours = vqkit.KMeans(8, init=init, n_init=1, tol=0, max_iter=300).fit(X)
    theirs = cluster.KMeans(8, init=init, n_init=1, tol=0, max_iter=300).fit(X)
    assert_array_equal(ours.labels_, theirs.labels_)
    assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-10)


@pytest.mark.parametrize("init", ["k-means++", "k-means||", "random"])
def test_inertia_close_to_scikit_learn(init):
    import sklearn.cluster as cluster

    X = blobs(5000, 6, 12, seed=3, spread=1.5)
    ours = [vqkit.KMeans(12, init=init, random_state=s).fit(X).inertia_ for s in range(5)]
    theirs = [cluster.KMeans(12, random_state=s).fit(X).inertia_ for s in range(5)]
    assert np.median(ours) <= 1.01 * np.median(theirs)


def test_labels_and_inertia_describe_the_returned_centres():
    X = blobs(3000, 3, 10, seed=5, spread=4.0)
    km = vqkit.KMeans(10, max_iter=3, random_state=0).fit(X)
    labels, d2 = nearest_reference(X, km.cluster_centers_)
    assert_array_equal(km.labels_, labels)
    assert km.inertia_ == pytest.approx(d2.sum(), rel=1e-12)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-12)


def greedy_reference(X, k, rng, weights, trials):
    """Greedy k-means++ with full distance computations (no pruning)."""
    n = len(X)
    w = np.ones(n) if weights is None else weights
    cum = np.cumsum(w)
    first = min(np.searchsorted(cum, rng.uniform() * cum[-1]), n - 1)
    centres = [X[first].astype(np.float64)]
    d2 = ((X - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        cum = np.cumsum(w * d2)
        idx = np.minimum(np.searchsorted(cum, rng.uniform(size=trials) * cum[-1]), n - 1)
        cand_d2 = np.minimum(d2[None, :], ((X[None, :, :] - X[idx][:, None, :]) ** 2).sum(2))
        best = int(np.argmin((w * cand_d2).sum(1)))
        centres.append(X[idx[best]].astype(np.float64))
        d2 = cand_d2[best]
    return np.array(centres)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n,d,k", [(400, 2, 10), (300, 9, 40), (200, 3, 120)])
def test_pruned_greedy_kmeans_plusplus_equals_unpruned(n, d, k, weighted):
    X = blobs(n, d, k // 2 + 1, seed=k, spread=0.8)
    w = np.random.default_rng(k).uniform(0.1, 3, size=n) if weighted else None
    trials = 2 + int(np.log(k))
    got = greedy_kmeans_plusplus(X, k, np.random.RandomState(7), get_backend(X), w)
    expected = greedy_reference(X, k, np.random.RandomState(7), w, trials)
    assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("trials", [5, 12])
def test_greedy_kmeans_plusplus_on_several_row_chunks(trials, weighted):
    # 9000 rows span several of the kernels' row chunks: rows are drawn from
    # the chunk totals of the mass, and only marked rows are revisited
    X = blobs(9000, 4, 16, seed=3, spread=1.0)
    w = np.random.default_rng(2).uniform(0.1, 3, size=len(X)) if weighted else None
    got = greedy_kmeans_plusplus(
        X, 30, np.random.RandomState(5), get_backend(X), w, n_local_trials=trials
    )
    expected = greedy_reference(X, 30, np.random.RandomState(5), w, trials)
    assert_allclose(got, expected, rtol=1e-12)


def test_integer_weights_act_as_repeated_rows():
    rng = np.random.RandomState(42)
    for trial in range(5):
        X = rng.rand(60, 3)
        sw = rng.randint(0, 5, size=60)
        a = vqkit.KMeans(5, random_state=trial, n_init=3).fit(X, sample_weight=sw)
        b = vqkit.KMeans(5, random_state=trial, n_init=3).fit(X.repeat(sw, axis=0))
        assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-10)
        assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-10)


def test_same_result_for_any_number_of_threads():
    X = blobs(50_000, 6, 20, seed=2, spread=2.0).astype(np.float32)
    n_threads = numba.get_num_threads()
    fits = []
    try:
        for threads in sorted({1, n_threads}):
            numba.set_num_threads(threads)
            fits.append(vqkit.KMeans(20, init="k-means||", random_state=1).fit(X))
    finally:
        numba.set_num_threads(n_threads)
    for km in fits[1:]:
        assert_array_equal(km.cluster_centers_, fits[0].cluster_centers_)
        assert_array_equal(km.labels_, fits[0].labels_)
        assert km.inertia_ == fits[0].inertia_


def test_dtypes_kept_and_integers_accepted():
    X = blobs(200, 3, 3, seed=1)
    assert (
        vqkit.KMeans(3, random_state=0).fit(X.astype(np.float32)).cluster_centers_.dtype
        == np.float32
    )
    km = vqkit.KMeans(3, random_state=0).fit(np.round(X * 10).astype(np.int64))
    assert km.cluster_centers_.dtype == np.float64
    assert km.labels_.dtype == km.predict(X).dtype == np.int32


@pytest.mark.parametrize("init", ["k-means++", "k-means||", "random"])
def test_every_init_finds_separated_blobs(init):
    X = blobs(3000, 4, 6, seed=9, spread=0.3)
    km = vqkit.KMeans(6, init=init, random_state=0, n_init=3).fit(X)
    assert len(np.unique(km.labels_)) == 6
    assert km.inertia_ == pytest.approx(0.3**2 * 4 * 3000, rel=0.15)


def test_callable_init_and_n_init_auto():
    X = blobs(300, 2, 3, seed=4)
    calls = []

    def init(data, k, random_state):
        calls.append(k)
        return data[random_state.choice(len(data), k, replace=False)]

    vqkit.KMeans(3, init=init, random_state=0).fit(X)
    assert calls == [3] * 10  # n_init="auto" means 10 for a callable
    with pytest.warns(RuntimeWarning, match="only one init"):
        vqkit.KMeans(3, init=X[:3], n_init=4).fit(X)


def test_empty_cluster_policies():
    X = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5], [5, 5.2]])
    init = np.array([[0.0, 0], [5, 5], [100, 100]])
    relocated = vqkit.KMeans(3, init=init, n_init=1).fit(X)
    assert len(np.unique(relocated.labels_)) == 3
    kept = vqkit.KMeans(3, init=init, n_init=1, empty_clusters="keep")
    with pytest.warns(vqkit.ConvergenceWarning, match="distinct clusters"):
        kept.fit(X)
    assert_array_equal(kept.cluster_centers_[2], [100, 100])
    with pytest.raises(vqkit.ClusterError, match="lost all its points"):
        vqkit.KMeans(3, init=init, n_init=1, empty_clusters="raise").fit(X)


def test_duplicate_points_warn_about_distinct_clusters():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 10, axis=0)
    with pytest.warns(vqkit.ConvergenceWarning, match=r"distinct clusters \(2\)"):
        vqkit.KMeans(3, random_state=0).fit(X)


DUPLICATE_CASES = {
    # scikit-learn's issue 28055: five centres on four distinct rows
    "init-on-duplicates": ([[0, 0], [1, 1], [1, 1], [1, 0], [0, 1]], None),
    # an empty centre away from the data joins the heaviest cluster's centre
    "empty-centre-away": ([[0, 0], [0, 0], [1, 1]], [[0, 0], [1, 1], [5, 5]]),
    "two-empty-centres": (
        [[0, 0], [0, 0], [1, 1], [1, 1], [1, 1]],
        [[1, 1], [0, 0], [0, 0], [7, 7]],
    ),
}


@pytest.mark.parametrize("case", DUPLICATE_CASES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan", "hamerly"])
def test_nothing_to_relocate_onto_as_scikit_learn(case, sparse, algorithm):
    """When every row sits on its centre an empty centre has no row to move
    onto: scikit-learn then puts it on the heaviest cluster's centre and does
    not count another iteration; so does vqkit (labels, centres, n_iter_)."""
    from scipy import sparse as sp
    from sklearn.cluster import KMeans as SkKMeans

    X, init = DUPLICATE_CASES[case]
    X = np.array(X, dtype=np.float64)
    init = X.copy() if init is None else np.array(init, dtype=np.float64)
    data = sp.csr_matrix(X) if sparse else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkKMeans(len(init), init=init, n_init=1).fit(data)
    with pytest.warns(vqkit.ConvergenceWarning, match="distinct clusters"):
        ours = vqkit.KMeans(len(init), init=init, n_init=1, algorithm=algorithm).fit(data)
    assert ours.n_iter_ == theirs.n_iter_
    assert_array_equal(ours.labels_, theirs.labels_)
    assert_array_equal(ours.cluster_centers_, theirs.cluster_centers_)
    assert ours.inertia_ == theirs.inertia_ == 0


@pytest.mark.parametrize("case", DUPLICATE_CASES)
def test_nothing_to_relocate_onto_on_the_array_api_path(case):
    """The Array API backend runs the same loop (array-api-strict arrays)."""
    xp = pytest.importorskip("array_api_strict")
    X, init = DUPLICATE_CASES[case]
    X = np.array(X, dtype=np.float64)
    init = X.copy() if init is None else np.array(init, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = vqkit.KMeans(len(init), init=init, n_init=1).fit(X)
        theirs = vqkit.KMeans(len(init), init=xp.asarray(init), n_init=1).fit(xp.asarray(X))
    assert theirs.n_iter_ == ours.n_iter_
    assert_array_equal(np.asarray(theirs.labels_), ours.labels_)
    assert_array_equal(np.asarray(theirs.cluster_centers_), ours.cluster_centers_)


@pytest.mark.parametrize("case", DUPLICATE_CASES)
def test_nothing_to_relocate_onto_in_compiled_fits(case):
    """The compiled small fits (no history kept) follow the same rule."""
    from vqkit.core.fit import fit_kmeans

    X, init = DUPLICATE_CASES[case]
    X = np.array(X, dtype=np.float64)
    init = X.copy() if init is None else np.array(init, dtype=np.float64)
    runs = [
        fit_kmeans(X, len(init), backend=get_backend(X), init=init, random_state=0, keep_history=k)
        for k in (True, False)
    ]
    assert runs[0].n_iter == runs[1].n_iter
    assert_array_equal(runs[0].labels, runs[1].labels)
    assert_array_equal(runs[0].centers, runs[1].centers)


def test_history_verbose_and_callback_can_stop(capsys):
    X = blobs(2000, 2, 5, seed=6, spread=3.0)
    seen = []
    km = vqkit.KMeans(
        5, random_state=0, verbose=1, callback=lambda s: seen.append(s) or s.iteration == 1
    ).fit(X)
    assert km.n_iter_ == 2 and len(seen) == 2 and len(km.history_) == 2
    assert "Iteration 0: inertia" in capsys.readouterr().out
    inertias = [s.inertia for s in vqkit.KMeans(5, random_state=0).fit(X).history_]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(inertias, inertias[1:]))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_clusters": 0}, "n_clusters must be an integer >= 1"),
        ({"n_clusters": 2.5}, "n_clusters must be an integer >= 1"),
        ({"n_clusters": 50}, "n_samples=10 should be >= n_clusters=50"),
        ({"max_iter": 0}, "max_iter must be an integer >= 1"),
        ({"tol": -1}, "tol must be a number >= 0"),
        ({"init": "kmeans++"}, "init must be one of"),
        ({"init": np.zeros((3, 3))}, r"expected \(8, 2\)"),
        ({"n_init": 0}, "n_init must be 'auto' or an integer"),
        ({"algorithm": "elkan2"}, "algorithm must be one of"),
        ({"empty_clusters": "drop"}, "empty_clusters must be one of"),
    ],
)
def test_bad_parameters_are_named(params, message):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match=message):
        vqkit.KMeans(**params).fit(X)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[1.0, np.nan], [2, 3]]), "contains NaN"),
        (np.array([[1.0, np.inf], [2, 3]]), "contains infinity"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros((4, 0)), "0 feature"),
        (np.zeros(5), "Expected 2D array"),
        (np.zeros((2, 2, 2)), "Expected 2D array"),
        (np.array([[1 + 1j, 2]]), "Complex data not supported"),
        (np.array([["a", "b"], ["c", "d"]]), "must hold numbers"),
    ],
)
def test_bad_data_is_named(X, message):
    with pytest.raises(ValueError, match=message):
        vqkit.KMeans(1).fit(X)


def test_sample_weight_validation():
    X = np.random.default_rng(0).normal(size=(10, 2))
    for bad, message in [
        (np.ones(3), "expected \\(10,\\)"),
        (-np.ones(10), "Negative"),
        (np.zeros(10), "sums to zero"),
        (np.full(10, np.nan), "NaN"),
    ]:
        with pytest.raises(ValueError, match=message):
            vqkit.KMeans(2).fit(X, sample_weight=bad)


def test_unfitted_and_wrong_width():
    with pytest.raises(vqkit.NotFittedError, match="not fitted yet"):
        vqkit.KMeans().predict(np.zeros((2, 2)))
    km = vqkit.KMeans(2, random_state=0).fit(np.random.default_rng(0).normal(size=(20, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 3"):
        km.predict(np.zeros((2, 2)))


def test_transform_and_repr():
    X = blobs(100, 3, 2, seed=0)
    km = vqkit.KMeans(2, random_state=0)
    D = km.fit_transform(X)
    assert D.shape == (100, 2)
    assert_allclose(D, np.sqrt(((X[:, None] - km.cluster_centers_[None]) ** 2).sum(-1)))
    assert_array_equal(D.argmin(1), km.labels_)
    assert repr(km) == "KMeans(n_clusters=2, random_state=0)"


@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_seed_gives_scikit_learns_result(init, seed):
    import sklearn.cluster as cluster

    X = blobs(3000, 4, 10, seed=seed, spread=2.5)
    w = np.random.default_rng(seed).uniform(0.5, 2, size=3000)
    ours = vqkit.KMeans(10, init=init, n_init=2, random_state=seed).fit(X, sample_weight=w)
    theirs = cluster.KMeans(10, init=init, n_init=2, random_state=seed).fit(X, sample_weight=w)
    assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-8, atol=1e-10)
    assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "n,d,k,spread", [(4000, 2, 20, 3.0), (3000, 3, 64, 5.0), (2000, 8, 16, 4.0), (1500, 1, 7, 2.0)]
)
def test_hamerly_bounds_give_lloyds_iterations(n, d, k, spread, dtype):
    X = blobs(n, d, k // 2 + 1, seed=n + k, spread=spread).astype(dtype)
    fits = {
        alg: vqkit.KMeans(k, algorithm=alg, random_state=3, tol=0).fit(X)
        for alg in ("lloyd", "hamerly")
    }
    lloyd, hamerly = fits["lloyd"], fits["hamerly"]
    assert hamerly.n_iter_ == lloyd.n_iter_
    assert_array_equal(hamerly.labels_, lloyd.labels_)
    assert_array_equal(hamerly.cluster_centers_, lloyd.cluster_centers_)
    assert [s.n_changed for s in hamerly.history_] == [s.n_changed for s in lloyd.history_]
    # from 5 features on, Lloyd's kernel expands distances into dot products
    assert_allclose(
        [s.inertia for s in hamerly.history_],
        [s.inertia for s in lloyd.history_],
        rtol=1e-5 if dtype == np.float32 else 1e-12,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rescan_all", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(
    "n,d,k,offset,weighted",
    [
        (6000, 24, 40, 0.0, False),  # fused mixed-precision scans
        (5000, 40, 900, 0.0, True),  # blocked matrix-product scans
        (4000, 20, 30, 1e4, False),  # far from the origin
        (3000, 32, 6, 0.0, False),  # too few centres for the mixed kernels: no bound
    ],
)
def test_wide_hamerly_bounds_give_lloyds_iterations(
    n, d, k, offset, weighted, rescan_all, dtype, monkeypatch
):
    # rows of many features: the exact distance to the own centre decides
    # which rows are rescanned (gathered, or all in place; after tests that
    # rescan all, full scans without a test)
    from vqkit.backends import cpu

    monkeypatch.setattr(cpu, "HAMERLY_RESCAN_ALL", rescan_all)
    monkeypatch.setattr(cpu, "GATHER_ROWS", 257)  # several gathered blocks
    X = (blobs(n, d, max(2, k // 3), seed=d + k, spread=6.0) + offset).astype(dtype)
    w = np.random.default_rng(k).uniform(0.2, 3, size=n) if weighted else None
    fits = {
        alg: vqkit.KMeans(k, algorithm=alg, random_state=1, tol=0, max_iter=60).fit(
            X, sample_weight=w
        )
        for alg in ("lloyd", "hamerly")
    }
    lloyd, hamerly = fits["lloyd"], fits["hamerly"]
    assert lloyd.n_iter_ > 2
    assert hamerly.n_iter_ == lloyd.n_iter_
    assert_array_equal(hamerly.labels_, lloyd.labels_)
    assert_array_equal(hamerly.cluster_centers_, lloyd.cluster_centers_)
    assert [s.n_changed for s in hamerly.history_] == [s.n_changed for s in lloyd.history_]
    assert_allclose(
        [s.inertia for s in hamerly.history_],
        [s.inertia for s in lloyd.history_],
        rtol=1e-12 if dtype == np.float64 else 1e-5,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_wide_hamerly_skips_rows_and_bounds_hold(dtype):
    # the lower bounds are true lower bounds on the distance to the
    # second-nearest centre, and after a small move most rows are skipped
    from vqkit.backends.cpu import CPUBackend, HamerlyAssigner

    X = blobs(8000, 48, 50, seed=4, spread=8.0).astype(dtype)
    backend = CPUBackend()
    C = X[np.random.default_rng(0).choice(len(X), 60, replace=False)]
    assigner = backend.bounded_assigner(X)
    assert isinstance(assigner, HamerlyAssigner)
    labels, _ = assigner.assign(C)
    d2 = ((X[:, None, :].astype(np.float64) - C[None]) ** 2).sum(2)
    d2[np.arange(len(X)), labels] = np.inf
    assert (assigner.lower <= np.sqrt(d2.min(1)) * (1 + 1e-12)).all()
    assert (assigner.lower > 0).mean() > 0.9
    C2 = C + 1e-3
    labels2, min_d2 = assigner.assign(C2)
    assert assigner.rescan.mean() < 0.05
    ref_labels, ref_d2 = backend.assign(X, C2)
    assert_array_equal(labels2, ref_labels)
    if dtype == np.float64:
        assert_allclose(min_d2, ref_d2, rtol=1e-12)
    else:  # the exact distance of a skipped row against the float32 expanded one
        assert_allclose(min_d2, ref_d2, rtol=1e-5, atol=1e-6 * float(ref_d2.max()))


def test_auto_algorithm_rule():
    from vqkit.estimators.kmeans import resolve_algorithm

    cpu = get_backend(np.zeros((1, 1)))
    assert resolve_algorithm("auto", 3, 512, cpu) == "hamerly"
    assert resolve_algorithm("auto", 3, 64, cpu) == "hamerly"
    assert resolve_algorithm("auto", 3, 3, cpu) == "lloyd"
    assert resolve_algorithm("auto", 128, 64, cpu) == "hamerly"
    assert resolve_algorithm("auto", 128, 8, cpu) == "lloyd"
    assert resolve_algorithm("lloyd", 3, 64, cpu) == "lloyd"
    import scipy.sparse

    sparse = get_backend(scipy.sparse.csr_matrix(np.eye(2)))
    assert resolve_algorithm("auto", 3, 512, sparse) == "lloyd"  # no bounds for sparse rows


@pytest.mark.parametrize("magnitude", [1e-300, 1e-150, 1e150, 1e160, 1e200])
def test_extreme_magnitudes_fit_as_scaled_data(magnitude):
    X = blobs(300, 3, 4, seed=8, spread=0.5)
    km = vqkit.KMeans(4, random_state=0).fit(X)
    big = vqkit.KMeans(4, random_state=0).fit(X * magnitude)
    # scaling by a power of two is exact; the nearest one is within a factor 2
    scale = 2.0 ** np.round(np.log2(magnitude))
    ref = vqkit.KMeans(4, random_state=0).fit(X * magnitude / scale)
    assert_array_equal(big.labels_, ref.labels_)
    assert_allclose(big.cluster_centers_, ref.cluster_centers_ * scale, rtol=1e-12)
    assert_array_equal(big.predict(X * magnitude), big.labels_)
    assert len(np.unique(big.labels_)) == 4 and len(np.unique(km.labels_)) == 4


@pytest.mark.parametrize(
    "X, k, warns",
    [
        (np.ones((10, 3)), 3, True),  # constant data
        (np.array([[1.0, 2.0]]), 1, False),  # one row
        (np.repeat([[0.0, 0.0], [1.0, 1.0]], 5, axis=0), 3, True),  # k > distinct rows
        (np.random.default_rng(0).random((50, 3)) > 0.5, 2, False),  # booleans
        (np.array([[1, 2], [3, 4], [5, 6]], dtype=object), 2, False),  # numbers as objects
    ],
    ids=["constant", "one-row", "fewer-distinct-than-k", "bool", "object-numbers"],
)
def test_degenerate_data_gives_a_documented_result(X, k, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        km = vqkit.KMeans(k, random_state=0).fit(X)
    assert km.cluster_centers_.shape == (k, np.asarray(X).shape[1])
    assert np.isfinite(km.cluster_centers_).all() and km.inertia_ >= 0
    assert any(issubclass(w.category, vqkit.ConvergenceWarning) for w in caught) == warns


def spherical_reference(X, C, n_iter):
    """Plain NumPy spherical k-means: unit rows, max cosine, unit mean centres."""
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = C / np.linalg.norm(C, axis=1, keepdims=True)
    for _ in range(n_iter):
        labels = (U @ C.T).argmax(axis=1)
        for j in range(len(C)):
            if (labels == j).any():
                m = U[labels == j].sum(0)
                C[j] = m / np.linalg.norm(m)
    labels = (U @ C.T).argmax(axis=1)
    return C, labels, (1 - (U * C[labels]).sum(1)).sum()


@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
def test_cosine_metric_is_spherical_kmeans(algorithm):
    rng = np.random.default_rng(4)
    directions = rng.normal(size=(5, 6))
    X = directions[rng.integers(0, 5, 2000)] * rng.uniform(0.5, 20, (2000, 1))
    X += rng.normal(scale=0.3, size=X.shape)
    init = X[:5].copy()
    km = vqkit.KMeans(5, init=init, n_init=1, tol=0, metric="cosine", algorithm=algorithm).fit(X)
    C, labels, inertia = spherical_reference(X, init, km.n_iter_)
    assert_allclose(km.cluster_centers_, C, atol=1e-10)
    assert_allclose(np.linalg.norm(km.cluster_centers_, axis=1), 1.0)
    assert_array_equal(km.labels_, labels)
    assert km.inertia_ == pytest.approx(inertia, rel=1e-9)
    # scale invariance: multiplying rows by positive numbers changes nothing
    assert_array_equal(km.predict(X * rng.uniform(0.1, 9, (2000, 1))), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-9)
    assert_allclose(
        km.transform(X).min(1),
        1 - (X / np.linalg.norm(X, axis=1)[:, None] * km.cluster_centers_[km.labels_]).sum(1),
        atol=1e-12,
    )


def test_cosine_rejects_zero_rows():
    X = np.array([[1.0, 0], [0, 1], [0, 0]])
    with pytest.raises(ValueError, match="row 2.*all zeros"):
        vqkit.KMeans(2, metric="cosine").fit(X)
    with pytest.raises(ValueError, match="metric must be one of"):
        vqkit.KMeans(2, metric="cityblock").fit(X)


def kmedians_reference(X, C, n_iter, w=None):
    """Plain NumPy k-medians: L1 assignment, weighted coordinate-wise median."""
    w = np.ones(len(X)) if w is None else w
    C = C.astype(np.float64).copy()

    def wmedian(v, wv):
        order = np.argsort(v, kind="stable")
        v, wv = v[order], wv[order]
        cum = np.cumsum(wv)
        i = int(np.searchsorted(cum, cum[-1] / 2))
        return (v[i] + v[i + 1]) / 2 if cum[i] == cum[-1] / 2 else v[i]

    for _ in range(n_iter):
        labels = np.abs(X[:, None] - C[None]).sum(-1).argmin(1)
        for j in range(len(C)):
            m = labels == j
            if w[m].sum() > 0:
                C[j] = [wmedian(X[m, f], w[m]) for f in range(X.shape[1])]
    labels = np.abs(X[:, None] - C[None]).sum(-1).argmin(1)
    return C, labels, (w * np.abs(X - C[labels]).sum(1)).sum()


@pytest.mark.parametrize("weighted", [False, True])
def test_manhattan_metric_is_kmedians(weighted):
    rng = np.random.default_rng(5)
    X = blobs(700, 3, 4, seed=5, spread=2.0) + rng.standard_cauchy(size=(700, 3)) * 0.1
    w = rng.integers(1, 4, size=700).astype(float) if weighted else None
    init = X[:4].copy()
    km = vqkit.KMeans(4, init=init, n_init=1, tol=0, metric="manhattan").fit(X, sample_weight=w)
    C, labels, inertia = kmedians_reference(X, init, km.n_iter_, w)
    assert_allclose(km.cluster_centers_, C, rtol=1e-12)
    assert_array_equal(km.labels_, labels)
    assert km.inertia_ == pytest.approx(inertia, rel=1e-10)
    assert km.score(X, sample_weight=w) == pytest.approx(-km.inertia_, rel=1e-10)
    assert_allclose(km.transform(X), np.abs(X[:, None] - km.cluster_centers_[None]).sum(-1))


def test_manhattan_centres_resist_outliers():
    X = np.vstack([np.zeros((50, 2)), [[1e6, 1e6]]])
    km = vqkit.KMeans(1, metric="manhattan", random_state=0).fit(X)
    assert_array_equal(km.cluster_centers_, [[0.0, 0.0]])


@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_kmeans_parallel_rounds_skip_only_rows_no_candidate_can_reach(offset, monkeypatch):
    # the in-memory k-means|| tracker compares a round's candidates only with
    # rows they could be closer to; its distances equal a full comparison
    from vqkit.core import seeding
    from vqkit.core.seeding import _NearestChosen

    monkeypatch.setattr(seeding, "GATHER_ROWS", 500)  # several gathered blocks
    X = blobs(6000, 12, 40, seed=8, spread=0.7) + offset
    rng = np.random.default_rng(0)
    tracker = _NearestChosen(X, None, get_backend(X), X.mean(axis=0))
    chosen = []
    for size in (1, 30, 45, 60):
        rows = X[rng.choice(len(X), size, replace=False)] + rng.normal(scale=1e-3, size=(size, 12))
        tracker.add(rows)
        chosen.append(rows)
        C = np.concatenate(chosen)
        d2 = ((X[:, None, :] - C[None]) ** 2).sum(2)
        assert_array_equal(tracker.nearest, d2.argmin(1))
        assert_allclose(tracker.min_d2, d2.min(1), rtol=1e-9, atol=1e-9 * (1 + offset) ** 2)


def test_kmeans_parallel_keeps_the_best_candidate_reclustering(monkeypatch):
    # with several reclusterings of the candidates, the centres returned are
    # those of the lowest weighted inertia among them
    from vqkit.core import lloyd as lloyd_module
    from vqkit.core import seeding

    X = blobs(4000, 3, 12, seed=6, spread=2.0)
    real_lloyd, runs = lloyd_module.lloyd, []

    def recording_lloyd(*args, **kwargs):
        runs.append(real_lloyd(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(lloyd_module, "lloyd", recording_lloyd)
    centres = seeding.kmeans_parallel(X, 8, np.random.RandomState(0), get_backend(X))
    assert len(runs) == seeding.RECLUSTER_RESTARTS
    assert_array_equal(centres, min(runs, key=lambda r: r.inertia).centers)
    assert len({float(r.inertia) for r in runs}) > 1  # the restarts differ


def test_shared_distances_seed_as_the_step_by_step_loop():
    # choose_k's gap references and prediction-strength halves seed every k
    # from one matrix of row-to-row distances: the same draws, the same centres
    from vqkit.core.seeding import shared_distances

    X = blobs(1500, 6, 8, seed=4, spread=1.5)
    backend = get_backend(X)
    D = shared_distances(X, 12, backend)
    assert_allclose(D, ((X[:, None, :] - X[None, :, :]) ** 2).sum(2), rtol=1e-9, atol=1e-9)
    step_rng, shared_rng = np.random.RandomState(3), np.random.RandomState(3)
    for k in (2, 5, 12):
        step = greedy_kmeans_plusplus(X, k, step_rng, backend)
        shared = greedy_kmeans_plusplus(X, k, shared_rng, backend, distances=D)
        assert_array_equal(shared, step)
    assert step_rng.uniform() == shared_rng.uniform()  # as many numbers drawn


def test_shared_distances_only_where_the_seeding_stays_the_same():
    import scipy.sparse

    from vqkit.core.seeding import SHARED_MAX_ROWS, shared_distances

    X = blobs(600, 3, 4, seed=2)
    cpu = get_backend(X)
    assert shared_distances(X, 4, cpu) is not None
    assert shared_distances(X.astype(np.float32), 4, cpu) is None  # compared in float32 there
    assert shared_distances(blobs(SHARED_MAX_ROWS + 1, 3, 4, seed=2), 4, cpu) is None
    sparse = get_backend(scipy.sparse.csr_matrix(X))
    assert shared_distances(scipy.sparse.csr_matrix(X), 4, sparse) is None  # not host rows
    # 3 distinct rows: the step-by-step loop stops drawing after 3 centres
    repeated = np.repeat(X[:3], 50, axis=0)
    assert shared_distances(repeated, 4, cpu) is None
    assert shared_distances(repeated, 3, cpu) is not None


def test_a_restart_that_reaches_the_kept_partition_again_is_not_taken_for_a_better_one():
    from vqkit.core import fit

    a = np.array([0, 0, 1, 1, 2, 2, 2])
    assert fit.same_partition(a, np.array([2, 2, 0, 0, 1, 1, 1]))  # renamed clusters
    assert not fit.same_partition(a, np.array([0, 0, 1, 1, 2, 2, 1]))  # a row moved
    assert not fit.same_partition(a, np.array([0, 0, 0, 0, 2, 2, 2]))  # two merged
    assert not fit.same_partition(np.array([0, 0, 0, 0, 2, 2, 2]), a)  # one split
    assert fit.same_partition(np.array([5, 5, 3]), np.array([0, 0, 1]))  # unused labels

    # two runs of one partition whose inertias differ in the last bits (as
    # two backends' orders of summation make them): the first run is kept
    from dataclasses import replace

    X = blobs(300, 3, 4, seed=2)
    backend = get_backend(X)
    first = fit.fit_kmeans(X, 4, init=X[:4].copy(), backend=backend, random_state=None)
    again = replace(first, inertia=np.nextafter(first.inertia, 0), labels=(first.labels + 1) % 4)
    assert fit._same_run(backend, again, first)
    moved = replace(again, labels=again.labels.copy())
    moved.labels[0] = (moved.labels[0] + 1) % 4
    assert not fit._same_run(backend, moved, first)


@pytest.mark.parametrize("d", [2, 48])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hamerly_backs_off_to_plain_scans_while_the_bounds_fail(d, dtype):
    # centres that jump far make every test fail: the assigner then scans in
    # full for 1, 2, 4, ... calls, keeping bounds only for the scan before a
    # test; centres that barely move make tests pass again.  The labels are
    # those of the plain assignment at every call, on both paths (direct
    # differences at 2 features, dot products at 48)
    from vqkit.backends.cpu import CPUBackend

    X = blobs(6000, d, 40, seed=d, spread=8.0).astype(dtype)
    backend = CPUBackend()
    assigner = backend.bounded_assigner(X)
    rng = np.random.default_rng(1)
    tests, kept_bounds = [], []
    C = X[rng.choice(len(X), 40, replace=False)]
    for step in range(14):
        # far jumps (a new set of rows as centres), then settled
        C = X[rng.choice(len(X), 40, replace=False)] if step < 9 else C + dtype(1e-4)
        will_test = assigner.previous is not None and not assigner.skips_left
        labels, min_d2 = assigner.assign(C)
        tests.append(will_test)
        kept_bounds.append(assigner.previous is not None)
        ref_labels, ref_d2 = backend.assign(X, C)
        assert_array_equal(labels, ref_labels)
        assert_allclose(min_d2, ref_d2, rtol=1e-5, atol=1e-5 * float(ref_d2.max()))
    # calls 0-8 jump: a scan, a failing test, 1 skip, a failing test, 2 skips
    # (the first without bounds), a failing test, then 4 skips (3 plain)
    assert tests[:9] == [False, True, False, True, False, False, True, False, False]
    assert kept_bounds[:9] == [True, True, True, True, False, True, True, False, False]
    # settled: the skips run out, the last keeps bounds, and tests pass from then on
    assert tests[9:] == [False, False, True, True, True]
    assert kept_bounds[9:] == [False, True, True, True, True]
