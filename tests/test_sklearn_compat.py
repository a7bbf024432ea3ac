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
        "import sys; sys.path.insert(0, %r); import vqkit, vqkit.estimators; "
        "print('sklearn' in sys.modules)" % src
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
