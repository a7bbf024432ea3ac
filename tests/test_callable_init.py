"""Initial centres from a callable ``init`` get the checks of an array
``init`` (one check, ``vqkit.validation.check_centers``): numbers, shape
``(n_clusters, n_features)``, finite.  A callable returning 5 centres for
``n_clusters=3`` gave 5 centres; one returning None failed inside numba."""

import warnings

import numpy as np
import pytest

from vqkit import KMeans, MiniBatchKMeans

X = np.random.default_rng(0).normal(size=(80, 3))
ESTIMATORS = {
    "KMeans": lambda init: KMeans(3, init=init, n_init=1, random_state=0),
    "MiniBatchKMeans": lambda init: MiniBatchKMeans(3, init=init, n_init=1, random_state=0),
}

BAD_RESULTS = [
    (lambda X, k, rng: X[:5], r"does not match the number of clusters 3: expected \(3, 3\)"),
    (lambda X, k, rng: None, "must be a 2D array, got NoneType None"),
    (lambda X, k, rng: X[0], "Expected 2D array, got 1D array"),
    (lambda X, k, rng: X[:k, :2], "does not match the number of features of the data 3"),
    (lambda X, k, rng: X[:k, :, None], "Expected 2D array, got 3D array"),
    (lambda X, k, rng: np.full((k, 3), np.nan), "NaN or infinity"),
    (lambda X, k, rng: np.full((k, 3), 1e300), "NaN or infinity"),  # float32 data: inf
    (lambda X, k, rng: X[:k] + 1j, "Complex data not supported"),
    (lambda X, k, rng: np.full((k, 3), "a"), "must be an array of numbers"),
    (lambda X, k, rng: "k-means++", "must be an array of numbers"),
    (lambda X, k, rng: [[1, 2, 3]] * (k + 1), "number of clusters 3"),
]


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("function, message", BAD_RESULTS)
def test_bad_results_of_a_callable_init(name, function, message):
    with pytest.raises(
        ValueError, match="The callable init returned unusable centers: .*" + message
    ):
        ESTIMATORS[name](function).fit(X.astype(np.float32))


def test_bad_results_in_partial_fit():
    with pytest.raises(ValueError, match="number of clusters 3"):
        MiniBatchKMeans(3, init=lambda X, k, rng: X[:4]).partial_fit(X)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize(
    "convert",
    [
        lambda C: C,
        lambda C: C.tolist(),
        lambda C: C.astype(np.float32),
        lambda C: np.round(C * 100).astype(np.int64),
        lambda C: C.astype(object),
    ],
)
def test_good_results_give_the_array_inits_fit(name, convert):
    centres = X[[0, 10, 20]]
    seen = []

    def init(data, k, rng):
        seen.append((data.shape, k))
        return convert(centres)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_callable = ESTIMATORS[name](init).fit(X)
        by_array = ESTIMATORS[name](np.asarray(convert(centres), dtype=np.float64)).fit(X)
    np.testing.assert_array_equal(by_callable.cluster_centers_, by_array.cluster_centers_)
    assert seen and all(k == 3 and shape[1] == 3 for shape, k in seen)


@pytest.mark.parametrize(
    "init, message",
    [
        (
            X[:5],
            r"The shape of the initial centers \(5, 3\) does not match the number of clusters 3",
        ),
        (
            X[:3, :2],
            r"The shape of the initial centers \(3, 2\) does not match the number of "
            r"features of the data 3",
        ),
    ],
)
def test_array_inits_have_scikit_learns_messages(init, message):
    """scikit-learn's words, then the expected shape."""
    with pytest.raises(ValueError, match=message):
        KMeans(3, init=init, n_init=1).fit(X)
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    with pytest.raises(ValueError, match=message):
        sklearn_cluster.KMeans(3, init=init, n_init=1).fit(X)


def test_array_inits_of_other_kinds():
    with pytest.raises(ValueError, match="Complex data not supported"):
        KMeans(3, init=X[:3] + 1j, n_init=1).fit(X)
    with pytest.raises(ValueError, match="must be an array of numbers"):
        KMeans(3, init=np.full((3, 3), "x"), n_init=1).fit(X)
    text = KMeans(3, init=X[:3].astype(str), n_init=1).fit(X)  # numbers as text
    np.testing.assert_array_equal(
        text.cluster_centers_, KMeans(3, init=X[:3], n_init=1).fit(X).cluster_centers_
    )
