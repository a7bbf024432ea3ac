"""vqkit.BisectingKMeans and the core behind it (vqkit.core.bisecting)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs
from vqkit import BisectingKMeans
from vqkit.exceptions import ConvergenceWarning, NotFittedError

STRATEGIES = ("biggest_inertia", "largest_cluster")
INITS = ("random", "k-means++", "k-means||")


def recovers_blobs(labels, truth):
    """Every fitted cluster is one true blob and every blob one cluster."""
    pairs = set(zip(labels.tolist(), truth.tolist()))
    return len(pairs) == len(set(labels.tolist())) == len(set(truth.tolist()))


def blobs_with_truth(n, d, k, seed=0, spread=0.4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    truth = rng.integers(0, k, size=n)
    X = centres[truth] + rng.normal(scale=spread, size=(n, d))
    return X.astype(dtype), truth


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("init", INITS)
def test_recovers_well_separated_blobs(strategy, init):
    X, truth = blobs_with_truth(2000, 4, 6, seed=3)
    est = BisectingKMeans(6, init=init, n_init=3, bisecting_strategy=strategy, random_state=0)
    est.fit(X)
    assert recovers_blobs(est.labels_, truth)
    assert est.labels_.dtype == np.int32
    assert est.cluster_centers_.shape == (6, 4)
    assert est.n_iter_ >= 5  # summed over the 5 splits
    assert_array_equal(est.predict(X), est.labels_)
    assert_array_equal(est.fit_predict(X), est.labels_)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("init", ["random", "k-means++"])
def test_inertia_close_to_scikit_learn(strategy, init):
    # Not equal to scikit-learn for the same seed: its seedings draw other
    # random numbers (and it measures tol differently), so the splits differ;
    # the quality must not.
    import sklearn.cluster as cluster

    X = blobs(4000, 6, 10, seed=5, spread=1.5)
    ours, theirs = [], []
    for seed in range(3):
        ours.append(
            BisectingKMeans(10, init=init, bisecting_strategy=strategy, random_state=seed)
            .fit(X)
            .inertia_
        )
    for seed in range(2):  # scikit-learn is slow on small data: ~0.1 s a split
        theirs.append(
            cluster.BisectingKMeans(10, init=init, bisecting_strategy=strategy, random_state=seed)
            .fit(X)
            .inertia_
        )
    assert np.median(ours) <= 1.05 * np.median(theirs)
    assert np.median(ours) >= 0.95 * np.median(theirs)


def strategy_data():
    """A big tight cluster (two point masses 0.2 apart, 200 rows) and a small
    loose one (two point masses 20 apart, 20 rows), far from each other."""
    left = np.repeat([[-0.1], [0.1]], 100, axis=0)
    right = np.repeat([[50.0], [70.0]], 10, axis=0)
    return np.vstack([left, right])


@pytest.mark.parametrize("init", INITS)
def test_strategies_split_what_scikit_learn_splits(init):
    import sklearn.cluster as cluster

    X = strategy_data()
    expected = {"biggest_inertia": [0.0, 50.0, 70.0], "largest_cluster": [-0.1, 0.1, 60.0]}
    for strategy, centres in expected.items():
        est = BisectingKMeans(3, init=init, bisecting_strategy=strategy, random_state=0).fit(X)
        assert_allclose(np.sort(est.cluster_centers_.ravel()), centres, atol=1e-12)
        sk = cluster.BisectingKMeans(3, bisecting_strategy=strategy, random_state=0).fit(X)
        assert_allclose(
            np.sort(est.cluster_centers_.ravel()), np.sort(sk.cluster_centers_.ravel()), atol=1e-12
        )
        assert_allclose(est.inertia_, sk.inertia_, rtol=1e-9, atol=1e-9)


def constructed_tree():
    """A fitted 1-feature model whose tree is set by hand:

    root(0) -> 1 (centre -1), 2 (centre 3); node 1 -> 3 (centre -2), 4 (centre 0).
    Leaves in depth-first order: 3, 4, 2 -> clusters 0, 1, 2.
    """
    est = BisectingKMeans(3, random_state=0).fit(np.array([[-2.0], [0.0], [3.0], [3.1]]))
    est.tree_children_ = np.array([[1, 2], [3, 4], [-1, -1], [-1, -1], [-1, -1]])
    est.tree_parent_ = np.array([-1, 0, 0, 1, 1])
    est.tree_centers_ = np.array([[0.5], [-1.0], [3.0], [-2.0], [0.0]])
    est.tree_labels_ = np.array([-1, -1, 2, 0, 1])
    est.cluster_centers_ = np.array([[-2.0], [0.0], [3.0]])
    return est


def test_predict_follows_the_tree_not_the_nearest_centre():
    est = constructed_tree()
    X = np.array([[1.2], [0.9], [-1.2], [-0.8], [10.0], [-9.0], [1.0]])
    # 1.2: root sends it right (1.8 < 2.2) although leaf 1 (at 0) is nearest;
    # 1.0: a tie at the root goes left, then to the leaf at 0
    assert_array_equal(est.predict(X), [2, 1, 0, 1, 2, 0, 1])
    nearest = np.abs(X - est.cluster_centers_.T).argmin(axis=1)
    assert nearest[0] == 1


def reference_descend(est, X):
    """Plain NumPy recursion through the fitted tree."""
    out = np.empty(len(X), dtype=int)
    for i, x in enumerate(X):
        node = 0
        while est.tree_children_[node, 0] >= 0:
            left, right = est.tree_children_[node]
            dl = ((x - est.tree_centers_[left].astype(float)) ** 2).sum()
            dr = ((x - est.tree_centers_[right].astype(float)) ** 2).sum()
            node = left if dl <= dr else right
        out[i] = est.tree_labels_[node]
    return out


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_fitted_tree_is_consistent(strategy):
    X = blobs(1500, 3, 5, seed=2, spread=2.5)
    est = BisectingKMeans(7, bisecting_strategy=strategy, random_state=1).fit(X)
    children, parent = est.tree_children_, est.tree_parent_
    assert children.shape == (13, 2) and parent.shape == (13,)
    leaves = np.flatnonzero(children[:, 0] < 0)
    assert leaves.size == 7
    assert_array_equal(np.sort(est.tree_labels_[leaves]), np.arange(7))
    assert (est.tree_labels_[children[:, 0] >= 0] == -1).all()
    for node in np.flatnonzero(children[:, 0] >= 0):
        assert (parent[children[node]] == node).all()
    assert_allclose(est.tree_centers_[0], X.mean(axis=0))
    assert_allclose(
        est.cluster_centers_, est.tree_centers_[leaves][np.argsort(est.tree_labels_[leaves])]
    )
    # labels_ are the tree's split of the rows; predict walks the same tree
    assert_array_equal(est.predict(X), est.labels_)
    Y = np.random.default_rng(0).normal(scale=8, size=(300, 3))
    assert_array_equal(est.predict(Y), reference_descend(est, Y))
    # inertia_ describes cluster_centers_[labels_]
    d2 = ((X - est.cluster_centers_[est.labels_]) ** 2).sum()
    assert_allclose(est.inertia_, d2, rtol=1e-10)


def test_integer_weights_act_as_repeated_rows():
    # On well-separated blobs the answer is unique, whatever the draws.
    X, truth = blobs_with_truth(300, 3, 4, seed=7)
    w = np.random.default_rng(1).integers(0, 4, size=len(X))
    w[:4] = 1
    weighted = BisectingKMeans(4, n_init=3, init="k-means++", random_state=0).fit(
        X, sample_weight=w
    )
    repeated = BisectingKMeans(4, n_init=3, init="k-means++", random_state=0).fit(
        np.repeat(X, w, axis=0)
    )
    order_w = np.lexsort(weighted.cluster_centers_.T)
    order_r = np.lexsort(repeated.cluster_centers_.T)
    assert_allclose(
        weighted.cluster_centers_[order_w], repeated.cluster_centers_[order_r], rtol=1e-10
    )
    assert_allclose(weighted.inertia_, repeated.inertia_, rtol=1e-10)
    assert_allclose(weighted.score(X, sample_weight=w), -weighted.inertia_, rtol=1e-10)
    # one cluster: the weighted mean, exactly
    one = BisectingKMeans(1).fit(X, sample_weight=w)
    assert_allclose(one.cluster_centers_[0], np.average(X, axis=0, weights=w))
    assert_allclose(one.inertia_, (w * ((X - one.cluster_centers_[0]) ** 2).sum(1)).sum())


def test_float32_kept_and_integers_accepted():
    X = blobs(1000, 5, 4, seed=4, dtype=np.float32) + np.float32(1000)
    est = BisectingKMeans(4, random_state=0, n_init=2).fit(X)
    assert est.cluster_centers_.dtype == np.float32
    assert est.tree_centers_.dtype == np.float32
    assert est.transform(X).dtype == np.float32
    ref = BisectingKMeans(4, random_state=0, n_init=2).fit(X.astype(np.float64))
    assert_allclose(est.inertia_, ref.inertia_, rtol=1e-3)
    Xi = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    est = BisectingKMeans(2, n_init=3, random_state=0).fit(Xi)
    assert est.cluster_centers_.dtype == np.float64
    assert est.inertia_ == 16.0


def test_transform_score_and_repr():
    X = blobs(500, 3, 4, seed=8)
    est = BisectingKMeans(4, random_state=0, bisecting_strategy="largest_cluster")
    D = est.fit_transform(X)
    assert D.shape == (500, 4)
    assert_allclose(D, np.sqrt(((X[:, None] - est.cluster_centers_[None]) ** 2).sum(-1)))
    assert_allclose(est.score(X), -(D.min(axis=1) ** 2).sum(), rtol=1e-10)
    assert (
        repr(est)
        == "BisectingKMeans(bisecting_strategy='largest_cluster', n_clusters=4, random_state=0)"
    )


def test_same_seed_same_result():
    X = blobs(800, 4, 6, seed=9, spread=2.0)
    a = BisectingKMeans(6, random_state=3).fit(X)
    b = BisectingKMeans(6, random_state=3).fit(X)
    assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert_array_equal(a.labels_, b.labels_)
    assert_array_equal(a.tree_children_, b.tree_children_)


def test_save_load_round_trip(tmp_path):
    X = blobs(600, 3, 5, seed=10, spread=1.0)
    est = BisectingKMeans(5, init="k-means++", random_state=0, algorithm="elkan").fit(X)
    path = est.save(tmp_path / "model.npz")
    back = BisectingKMeans.load(path)
    assert back.get_params() == est.get_params()
    for name in BisectingKMeans._fitted_attributes:
        assert_array_equal(getattr(back, name), getattr(est, name))
        assert np.asarray(getattr(back, name)).dtype == np.asarray(getattr(est, name)).dtype
    Y = np.random.default_rng(1).normal(scale=6, size=(200, 3))
    assert_array_equal(back.predict(Y), est.predict(Y))
    from vqkit import KMeans

    with pytest.raises(ValueError):
        KMeans.load(path)


def test_duplicate_points_and_zero_weights_do_not_crash():
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 3)
    for strategy in STRATEGIES:
        with pytest.warns(ConvergenceWarning, match="distinct clusters"):
            est = BisectingKMeans(4, random_state=0, bisecting_strategy=strategy).fit(X)
        assert set(est.labels_.tolist()) <= set(range(4))
        assert est.inertia_ == 0.0
    w = np.array([1, 0, 0, 0, 0, 0, 0, 0.0])
    with pytest.warns(ConvergenceWarning):
        est = BisectingKMeans(3, init="k-means++", random_state=0).fit(X, sample_weight=w)
    assert est.inertia_ == 0.0


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_clusters=20), "n_samples=10 should be >= n_clusters=20"),
        (dict(n_clusters=0), "n_clusters must be an integer >= 1"),
        (dict(n_clusters=2.5), "n_clusters must be an integer >= 1"),
        (dict(init=np.zeros((2, 2))), "arrays are not accepted"),
        (dict(init="kmeans"), "init must be one of"),
        (dict(n_init=0), "n_init must be an integer >= 1"),
        (dict(n_init="auto"), "n_init must be an integer >= 1"),
        (dict(max_iter=0), "max_iter must be an integer >= 1"),
        (dict(tol=-1.0), "tol must be a number >= 0"),
        (dict(algorithm="full"), "algorithm must be one of"),
        (dict(bisecting_strategy="smallest"), "bisecting_strategy must be one of"),
    ],
)
def test_bad_parameters_are_named(params, message):
    X = blobs(10, 2, 2)
    with pytest.raises(ValueError, match=message):
        BisectingKMeans(**{"n_clusters": 2, **params}).fit(X)


def test_bad_data_and_unfitted():
    with pytest.raises(NotFittedError):
        BisectingKMeans().predict([[1.0, 2.0]])
    est = BisectingKMeans(2, random_state=0).fit(blobs(20, 2, 2))
    with pytest.raises(ValueError, match="X has 3 features"):
        est.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        BisectingKMeans(2).fit([[0.0, np.nan], [1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="sample_weight"):
        BisectingKMeans(2).fit(blobs(20, 2, 2), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Negative"):
        BisectingKMeans(2).fit(blobs(20, 2, 2), sample_weight=-np.ones(20))


def test_docstring_examples():
    import doctest

    import vqkit.estimators.bisecting

    result = doctest.testmod(vqkit.estimators.bisecting, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4
    assert result.failed == 0
