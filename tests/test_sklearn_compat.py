"""scikit-learn's conventions that vqkit's estimators follow (issue 16):
``algorithm="elkan"``, scikit-learn's ``n_iter_`` count, a
``ConvergenceWarning`` that scikit-learn's filters catch."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import vqkit
from helpers import blobs


@pytest.mark.parametrize("n_clusters", [3, 20])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elkan_gives_lloyds_result(n_clusters, dtype):
    X = blobs(600, 4, n_clusters, seed=1).astype(dtype)
    lloyd = vqkit.KMeans(n_clusters, algorithm="lloyd", n_init=1, random_state=0).fit(X)
    elkan = vqkit.KMeans(n_clusters, algorithm="elkan", n_init=1, random_state=0).fit(X)
    assert_array_equal(elkan.labels_, lloyd.labels_)
    assert_allclose(elkan.cluster_centers_, lloyd.cluster_centers_, rtol=1e-5)
    assert elkan.n_iter_ == lloyd.n_iter_


def test_elkan_resolves_to_hamerly_where_the_backend_has_bounds():
    from vqkit.backends import get_backend
    from vqkit.estimators.kmeans import resolve_algorithm

    X = np.zeros((10, 3))
    backend = get_backend(X)
    assert resolve_algorithm("elkan", 3, 2, backend) == "hamerly"
    assert resolve_algorithm("auto", 3, 2, backend) == "lloyd"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_n_iter_counts_the_pass_without_change_as_scikit_learn(seed):
    from sklearn.cluster import KMeans as SklearnKMeans

    X = blobs(400, 3, 5, seed=seed)
    init = X[:5].copy()
    for algorithm in ("lloyd", "elkan"):
        ours = vqkit.KMeans(5, init=init, n_init=1, tol=0, algorithm=algorithm).fit(X)
        theirs = SklearnKMeans(5, init=init, n_init=1, tol=0, algorithm="lloyd").fit(X)
        assert_array_equal(ours.labels_, theirs.labels_)
        assert ours.n_iter_ == theirs.n_iter_


def test_n_iter_never_exceeds_max_iter():
    X = blobs(400, 3, 5, seed=4)
    for max_iter in (1, 2, 3):
        km = vqkit.KMeans(5, n_init=1, max_iter=max_iter, tol=0, random_state=0).fit(X)
        assert 1 <= km.n_iter_ <= max_iter


def test_convergence_warning_is_scikit_learns():
    from sklearn.exceptions import ConvergenceWarning

    assert issubclass(vqkit.ConvergenceWarning, ConvergenceWarning)
    assert issubclass(vqkit.ConvergenceWarning, UserWarning)
    from vqkit.exceptions import ConvergenceWarning as same

    assert same is vqkit.ConvergenceWarning
    X = np.zeros((10, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)  # scikit-learn's filter
        vqkit.KMeans(3, n_init=1).fit(X)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        vqkit.KMeans(3, n_init=1).fit(X)


def test_import_vqkit_does_not_import_scikit_learn():
    src = str(Path(vqkit.__file__).parents[1])
    code = (
        f"import sys; sys.path.insert(0, {src!r}); import vqkit, vqkit.estimators; "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bisecting_accepts_sparse_input_as_dense():
    import scipy.sparse as sp

    X = blobs(300, 4, 4, seed=3)
    X[np.abs(X) < 2] = 0.0
    dense = vqkit.BisectingKMeans(4, random_state=0).fit(X)
    sparse = vqkit.BisectingKMeans(4, random_state=0).fit(sp.csr_matrix(X))
    assert_array_equal(sparse.labels_, dense.labels_)
    assert_allclose(sparse.cluster_centers_, dense.cluster_centers_, rtol=1e-10, atol=1e-12)
    assert_array_equal(sparse.predict(sp.csr_matrix(X)), dense.predict(X))
    assert_allclose(sparse.transform(sp.csr_matrix(X[:20])), dense.transform(X[:20]))


def test_bisecting_accepts_a_callable_init():
    calls = []

    def first_rows(X, n_clusters, random_state):
        calls.append((X.shape[0], n_clusters))
        return np.asarray(X[:n_clusters])

    X = blobs(300, 2, 3, seed=5)
    bk = vqkit.BisectingKMeans(3, init=first_rows).fit(X)
    assert len(calls) == 2 and all(k == 2 for _, k in calls)
    assert calls[0][0] == 300
    assert bk.cluster_centers_.shape == (3, 2)
    with pytest.raises(ValueError, match="init"):
        vqkit.BisectingKMeans(3, init=X[:3]).fit(X)


def test_minibatch_warns_when_init_size_is_raised():
    X = blobs(200, 2, 5, seed=2)
    with pytest.warns(RuntimeWarning, match=r"init_size=3 should be larger than n_clusters=5"):
        vqkit.MiniBatchKMeans(5, init_size=3, n_init=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        vqkit.MiniBatchKMeans(5, batch_size=1, n_init=1, random_state=0).fit(X)


@pytest.mark.parametrize("Estimator", [vqkit.KMeans, vqkit.MiniBatchKMeans, vqkit.BisectingKMeans])
def test_feature_names_from_dataframes(Estimator):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(blobs(120, 3, 3, seed=1), columns=["a", "b", "c"])
    est = Estimator(3, random_state=0).fit(X)
    assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    assert est.feature_names_in_.dtype == object
    prefix = Estimator.__name__.lower()
    assert_array_equal(est.get_feature_names_out(), [f"{prefix}{i}" for i in range(3)])
    assert_array_equal(est.get_feature_names_out(["a", "b", "c"]), est.get_feature_names_out())
    with pytest.raises(ValueError, match="input_features is not equal"):
        est.get_feature_names_out(["x", "y", "z"])
    for method in ("predict", "transform", "score"):
        with pytest.raises(ValueError, match="must be in the same order"):
            getattr(est, method)(X[["b", "a", "c"]])
        with pytest.raises(ValueError, match="unseen at fit time:\n- d\n"):
            getattr(est, method)(X.rename(columns={"c": "d"}))
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            getattr(est, method)(X.to_numpy())
    est.fit(X.to_numpy())
    assert not hasattr(est, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but"):
        est.predict(X)
    with pytest.raises(TypeError, match="only supported if all input features have string"):
        Estimator(3).fit(X.rename(columns={"a": 1}))


def test_get_feature_names_out_needs_a_fit_and_the_right_length():
    km = vqkit.KMeans(2)
    with pytest.raises(vqkit.NotFittedError):
        km.get_feature_names_out()
    km.fit(blobs(50, 3, 2, seed=0))
    with pytest.raises(ValueError, match="equal to number of features"):
        km.get_feature_names_out(["a", "b"])


def test_set_output_pandas_in_a_pipeline():
    pd = pytest.importorskip("pandas")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = pd.DataFrame(blobs(90, 2, 3, seed=2), columns=["u", "v"], index=range(100, 190))
    pipe = make_pipeline(StandardScaler(), vqkit.KMeans(3, random_state=0))
    out = pipe.set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["kmeans0", "kmeans1", "kmeans2"]
    assert list(out.index) == list(X.index)
    km = pipe[-1]
    assert_allclose(
        out.to_numpy(),
        km.set_output(transform="default").transform(pipe[0].transform(X).to_numpy()),
    )
    assert km.set_output() is km
    with pytest.raises(ValueError, match="output config must be in"):
        vqkit.KMeans(2).fit(X).set_output(transform="xml").transform(X)


def test_scikit_learns_global_transform_output_applies():
    pd = pytest.importorskip("pandas")
    import sklearn

    X = blobs(40, 2, 2, seed=0)
    km = vqkit.KMeans(2, random_state=0).fit(X)
    with sklearn.config_context(transform_output="pandas"):
        assert isinstance(km.transform(X), pd.DataFrame)
    assert isinstance(km.transform(X), np.ndarray)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
def test_kmeans_plusplus_picks_scikit_learns_rows(dtype, sparse):
    import scipy.sparse as sp
    from sklearn.cluster import kmeans_plusplus as sklearn_kmeans_plusplus

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(dtype)
    w = rng.uniform(0.1, 2, 300)
    data = sp.csr_matrix(X) if sparse else X
    for kwargs in ({}, {"sample_weight": w}, {"n_local_trials": 1}):
        centers, indices = vqkit.kmeans_plusplus(data, 6, random_state=3, **kwargs)
        theirs, their_indices = sklearn_kmeans_plusplus(data, 6, random_state=3, **kwargs)
        assert_array_equal(indices, their_indices)
        assert_array_equal(centers, theirs)
        assert centers.dtype == dtype and indices.dtype == their_indices.dtype


def test_kmeans_plusplus_checks_its_arguments():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="n_samples=5 should be >= n_clusters=6"):
        vqkit.kmeans_plusplus(X, 6)
    with pytest.raises(ValueError, match="length of x_squared_norms 3"):
        vqkit.kmeans_plusplus(X, 2, x_squared_norms=np.zeros(3))
    with pytest.raises(ValueError, match="n_local_trials"):
        vqkit.kmeans_plusplus(X, 2, n_local_trials=0)


def test_k_means_is_a_kmeans_fit():
    X = blobs(300, 3, 4, seed=7)
    w = np.random.default_rng(1).uniform(0.5, 2, 300)
    km = vqkit.KMeans(4, algorithm="lloyd", random_state=0).fit(X, sample_weight=w)
    centers, labels, inertia = vqkit.k_means(X, 4, sample_weight=w, random_state=0)
    assert_array_equal(centers, km.cluster_centers_)
    assert_array_equal(labels, km.labels_)
    assert inertia == km.inertia_
    *_, n_iter = vqkit.k_means(X, 4, sample_weight=w, random_state=0, return_n_iter=True)
    assert n_iter == km.n_iter_


def test_elkan_warns_for_one_cluster_and_runs_lloyd():
    X = blobs(50, 2, 2, seed=0)
    with pytest.warns(RuntimeWarning, match="algorithm='elkan' doesn't make sense"):
        km = vqkit.KMeans(1, algorithm="elkan").fit(X)
    assert_allclose(km.cluster_centers_[0], X.mean(axis=0))
