"""vqkit.metrics against scikit-learn's clustering scores."""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.metrics as sk

import vqkit.backends.sparse
import vqkit.metrics as metrics


def _cases(n_cases=60, seed=0):
    """Random (X, labels) with n 3..300, d 1..8, k 2..10 (2 <= k <= n-1)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n_cases:
        n = int(rng.integers(3, 301))
        d = int(rng.integers(1, 9))
        k = int(rng.integers(2, min(10, n - 1) + 1))
        X = rng.normal(size=(n, d)) * rng.choice([0.01, 1.0, 100.0])
        labels = rng.integers(0, k, n)
        # some clusters are singletons.  Duplicate rows are tested on exact
        # integer data (GRID): for continuous data scikit-learn's expanded-form
        # distance between two equal rows is sqrt(rounding error) ~ 1e-8, not 0.
        if rng.random() < 0.3:
            labels[0] = k  # row 0 alone in its cluster
        if not 1 < len(np.unique(labels)) < n:
            continue
        out.append((X, labels))
    return out


CASES = _cases()


def _grid_cases(n_cases=30, seed=1):
    """Small-integer data (exact in both formulas) with many duplicate rows
    and singleton clusters, where scikit-learn's expanded-form distances are
    exact too."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n_cases:
        n = int(rng.integers(3, 120))
        d = int(rng.integers(1, 5))
        k = int(rng.integers(2, min(10, n - 1) + 1))
        X = rng.integers(-3, 4, size=(n, d)).astype(np.float64)
        labels = rng.integers(0, k, n)
        labels[: min(2, n - 2)] = [k + 1, k + 2][: min(2, n - 2)]  # singletons
        if not 1 < len(np.unique(labels)) < n:
            continue
        out.append((X, labels))
    return out


GRID = _grid_cases()


@pytest.mark.parametrize("i", range(len(CASES)))
def test_silhouette_samples_equal_sklearn(i):
    X, labels = CASES[i]
    ours = metrics.silhouette_samples(X, labels)
    assert ours.dtype == np.float64 and ours.shape == (X.shape[0],)
    np.testing.assert_allclose(ours, sk.silhouette_samples(X, labels), rtol=0, atol=1e-10)
    assert abs(metrics.silhouette_score(X, labels) - sk.silhouette_score(X, labels)) <= 1e-10


@pytest.mark.parametrize("i", range(len(CASES)))
def test_ch_and_db_equal_sklearn(i):
    X, labels = CASES[i]
    np.testing.assert_allclose(
        metrics.calinski_harabasz_score(X, labels),
        sk.calinski_harabasz_score(X, labels),
        rtol=1e-10,
    )
    # scikit-learn's own DB has noise ~1e-8 for a single-member cluster
    # (expanded-form distance of a point to itself); those are tested on
    # exact integer data below.
    counts = np.unique(labels, return_counts=True)[1]
    if counts.min() > 1:
        np.testing.assert_allclose(
            metrics.davies_bouldin_score(X, labels),
            sk.davies_bouldin_score(X, labels),
            rtol=1e-10,
            atol=1e-12,
        )


@pytest.mark.parametrize("i", range(len(GRID)))
def test_duplicates_and_singletons_equal_sklearn(i):
    X, labels = GRID[i]
    np.testing.assert_allclose(
        metrics.silhouette_samples(X, labels),
        sk.silhouette_samples(X, labels),
        rtol=0,
        atol=1e-10,
    )
    np.testing.assert_allclose(
        metrics.calinski_harabasz_score(X, labels),
        sk.calinski_harabasz_score(X, labels),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        metrics.davies_bouldin_score(X, labels),
        sk.davies_bouldin_score(X, labels),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.parametrize("i", range(0, len(CASES), 3))
def test_float32_input(i):
    # scikit-learn stores float32 distances and sums in float32, so agreement
    # is to float32 precision; vqkit computes in float64 from the float32 values.
    X, labels = CASES[i]
    X32 = X.astype(np.float32)
    ours = metrics.silhouette_samples(X32, labels)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(
        ours, metrics.silhouette_samples(X32.astype(np.float64), labels), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(ours, sk.silhouette_samples(X32, labels), rtol=0, atol=1e-4)
    np.testing.assert_allclose(
        metrics.calinski_harabasz_score(X32, labels),
        sk.calinski_harabasz_score(X32, labels),
        rtol=1e-4,
    )
    if np.unique(labels, return_counts=True)[1].min() > 1:
        np.testing.assert_allclose(
            metrics.davies_bouldin_score(X32, labels),
            sk.davies_bouldin_score(X32, labels),
            rtol=1e-4,
        )


def test_string_labels_and_any_integers():
    X, labels = CASES[0]
    names = np.array([f"c{v:02d}" for v in labels])
    shifted = labels * 7 - 100
    for f in (
        metrics.silhouette_samples,
        metrics.calinski_harabasz_score,
        metrics.davies_bouldin_score,
    ):
        ref = f(X, labels)
        np.testing.assert_allclose(f(X, names), ref, rtol=1e-12)
        np.testing.assert_allclose(f(X, shifted), ref, rtol=1e-12)
        np.testing.assert_allclose(f(X, list(labels)), ref, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_sample_size_matches_sklearn(seed):
    X, labels = CASES[1]
    n = X.shape[0]
    size = max(3, n // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked-for sampling does not warn
        ours = metrics.silhouette_score(X, labels, sample_size=size, random_state=seed)
    ref = sk.silhouette_score(X, labels, sample_size=size, random_state=seed)
    assert abs(ours - ref) <= 1e-10
    ours_rs = metrics.silhouette_score(
        X, labels, sample_size=size, random_state=np.random.RandomState(seed)
    )
    assert ours_rs == ours


def test_sampling_above_exact_max_warns(monkeypatch):
    X, labels = CASES[2]
    n = X.shape[0]
    small = n // 2
    monkeypatch.setattr(metrics, "exact_max", small)
    with pytest.warns(UserWarning, match=f"random sample of {small} rows"):
        ours = metrics.silhouette_score(X, labels, random_state=3)
    ref = sk.silhouette_score(X, labels, sample_size=small, random_state=3)
    assert abs(ours - ref) <= 1e-10
    # at or below the limit: exact, no warning
    monkeypatch.setattr(metrics, "exact_max", n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert abs(metrics.silhouette_score(X, labels) - sk.silhouette_score(X, labels)) <= 1e-10


def test_exact_max_default():
    assert metrics.exact_max == 20000


@pytest.mark.parametrize(
    "f",
    [
        metrics.silhouette_samples,
        metrics.silhouette_score,
        metrics.calinski_harabasz_score,
        metrics.davies_bouldin_score,
    ],
)
def test_number_of_labels_errors(f):
    X = np.arange(8.0).reshape(4, 2)
    for labels, n_labels in [([0, 0, 0, 0], 1), ([0, 1, 2, 3], 4)]:
        msg = (
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 "
            r"\(inclusive\)"
        )
        with pytest.raises(ValueError, match=msg):
            f(X, labels)
        with pytest.raises(ValueError, match=msg):
            getattr(sk, f.__name__)(X, labels)


@pytest.mark.parametrize(
    "f",
    [
        metrics.silhouette_samples,
        metrics.silhouette_score,
        metrics.calinski_harabasz_score,
        metrics.davies_bouldin_score,
        metrics.inertia,
    ],
)
def test_length_mismatch_and_bad_input(f):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        f(X, [0, 1, 0])
    with pytest.raises(ValueError):
        f(np.array([[0.0, np.nan], [1, 1], [2, 2], [3, 3]]), [0, 1, 0, 1])
    with pytest.raises(ValueError):
        f(X, np.zeros((4, 2)))


def test_bad_sample_size():
    X = np.arange(8.0).reshape(4, 2)
    for bad in (0, -1, 2.5, "3"):
        with pytest.raises(ValueError, match="sample_size"):
            metrics.silhouette_score(X, [0, 0, 1, 1], sample_size=bad)


def _inertia_reference(X, labels, C, w):
    return float(np.sum(w * ((X - C[labels]) ** 2).sum(axis=1)))


@pytest.mark.parametrize("i", range(0, len(CASES), 4))
def test_inertia(i):
    X, labels = CASES[i]
    n = X.shape[0]
    classes, codes = np.unique(labels, return_inverse=True)
    means = np.array([X[codes == c].mean(axis=0) for c in range(len(classes))])
    ref = _inertia_reference(X, codes, means, np.ones(n))
    np.testing.assert_allclose(metrics.inertia(X, labels), ref, rtol=1e-10)
    np.testing.assert_allclose(
        metrics.inertia(X.astype(np.float32), labels),
        _inertia_reference(
            X.astype(np.float32).astype(np.float64),
            codes,
            np.array(
                [
                    X.astype(np.float32)[codes == c].astype(np.float64).mean(axis=0)
                    for c in range(len(classes))
                ]
            ),
            np.ones(n),
        ),
        rtol=1e-9,
    )
    rng = np.random.default_rng(i)
    w = rng.random(n)
    wmeans = np.array(
        [np.average(X[codes == c], axis=0, weights=w[codes == c]) for c in range(len(classes))]
    )
    np.testing.assert_allclose(
        metrics.inertia(X, labels, sample_weight=w),
        _inertia_reference(X, codes, wmeans, w),
        rtol=1e-10,
    )
    C = rng.normal(size=(len(classes) + 2, X.shape[1]))
    np.testing.assert_allclose(
        metrics.inertia(X, codes, centers=C),
        _inertia_reference(X, codes, C, np.ones(n)),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        metrics.inertia(X, codes, centers=C, sample_weight=w),
        _inertia_reference(X, codes, C, w),
        rtol=1e-10,
    )


def test_inertia_matches_kmeans():
    from sklearn.cluster import KMeans

    X, _ = CASES[5]
    km = KMeans(3, n_init=1, random_state=0).fit(X)
    np.testing.assert_allclose(
        metrics.inertia(X, km.labels_, centers=km.cluster_centers_), km.inertia_, rtol=1e-6
    )


def test_inertia_errors():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="outside the valid range"):
        metrics.inertia(X, [0, 1, 2, 0], centers=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="features"):
        metrics.inertia(X, [0, 1, 1, 0], centers=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="integer"):
        metrics.inertia(X, ["a", "b", "a", "b"], centers=np.zeros((2, 2)))
    with pytest.raises(ValueError):
        metrics.inertia(X, [0, 1, 1, 0], sample_weight=[1, -1, 1, 1])


def test_every_public_function_has_an_example():
    for name in [
        "silhouette_samples",
        "silhouette_score",
        "calinski_harabasz_score",
        "davies_bouldin_score",
        "inertia",
    ]:
        assert "Examples" in getattr(metrics, name).__doc__, name


# ----------------------------------------------------------------------
# metric=, sparse X


METRICS = ["euclidean", "sqeuclidean", "manhattan", "cosine"]
ALIASES = [("l2", "euclidean"), ("cityblock", "manhattan"), ("l1", "manhattan")]
SPARSE = [
    sp.csr_matrix,
    sp.csr_array,
    sp.csc_matrix,
    sp.csc_array,
    sp.coo_array,
    sp.lil_matrix,
    sp.dok_array,
]


def _sparse_cases(n_cases=24, seed=2):
    """Random (X, labels), a fraction of the entries zero (5% to 100% stored),
    a row all zero.  (Repeated rows are in GRID: for them scikit-learn's
    expanded Euclidean distance is sqrt(rounding error), not 0.)"""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n_cases:
        n = int(rng.integers(4, 160))
        d = int(rng.integers(1, 40))
        k = int(rng.integers(2, min(8, n - 1) + 1))
        X = rng.normal(size=(n, d)) * rng.choice([0.01, 1.0, 100.0])
        X[rng.random((n, d)) > rng.choice([0.05, 0.2, 0.5, 1.0])] = 0.0
        X[rng.integers(0, n)] = 0.0
        labels = rng.integers(0, k, n)
        if not 1 < len(np.unique(labels)) < n:
            continue
        out.append((X, labels))
    return out


SPARSE_CASES = _sparse_cases()


@pytest.fixture(params=["scattered", "dense copy"])
def sparse_path(request, monkeypatch):
    """Run the sparse silhouette through each of its two kernels."""
    cost = -(10**9) if request.param == "scattered" else 10**9
    monkeypatch.setattr(vqkit.backends.sparse, "SILHOUETTE_PAIR_COST", cost)


@pytest.mark.parametrize("metric", METRICS)
def test_silhouette_metric_dense_equal_sklearn(metric):
    for X, labels in CASES[::2] + SPARSE_CASES:
        ours = metrics.silhouette_samples(X, labels, metric=metric)
        ref = sk.silhouette_samples(X, labels, metric=metric)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)
        score = metrics.silhouette_score(X, labels, metric=metric)
        assert abs(score - sk.silhouette_score(X, labels, metric=metric)) <= 1e-10


@pytest.mark.usefixtures("sparse_path")
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("container", SPARSE)
def test_silhouette_metric_sparse_equal_sklearn(metric, container):
    # scikit-learn refuses sparse X with "sqeuclidean": its dense result is the reference
    for X, labels in SPARSE_CASES[::3]:
        ours = metrics.silhouette_samples(container(X), labels, metric=metric)
        np.testing.assert_allclose(
            ours, sk.silhouette_samples(X, labels, metric=metric), rtol=0, atol=1e-10
        )
        np.testing.assert_allclose(
            ours, metrics.silhouette_samples(X, labels, metric=metric), rtol=0, atol=1e-13
        )


@pytest.mark.usefixtures("sparse_path")
@pytest.mark.parametrize("metric", METRICS)
def test_sparse_duplicates_and_singletons_equal_sklearn(metric):
    for X, labels in GRID[::3]:
        np.testing.assert_allclose(
            metrics.silhouette_samples(sp.csr_array(X), labels, metric=metric),
            sk.silhouette_samples(X, labels, metric=metric),
            rtol=0,
            atol=1e-10,
        )


@pytest.mark.usefixtures("sparse_path")
@pytest.mark.parametrize("metric", METRICS)
def test_sparse_equal_rows_are_at_distance_zero(metric):
    # rows 0 and 1 are equal and alone in their cluster: a = 0, so s = 1 exactly
    X = np.array(
        [
            [0.0, 3.0, 0.0, 1e-3],
            [0.0, 3.0, 0.0, 1e-3],
            [5.0, 0.0, 1.0, 0.0],
            [5.0, 0.0, 2.0, 0.0],
            [4.0, 1.0, 0.0, 0.0],
        ]
    )
    labels = [0, 0, 1, 1, 1]
    ours = metrics.silhouette_samples(sp.csr_array(X), labels, metric=metric)
    assert ours[0] == ours[1] == 1.0
    np.testing.assert_allclose(
        ours, metrics.silhouette_samples(X, labels, metric=metric), rtol=0, atol=1e-14
    )


@pytest.mark.usefixtures("sparse_path")
@pytest.mark.parametrize("metric", METRICS)
def test_float32_metrics(metric):
    # computed in float64 from the float32 values, dense or sparse
    for X, labels in SPARSE_CASES[::4]:
        X32 = X.astype(np.float32)
        exact = metrics.silhouette_samples(X32.astype(np.float64), labels, metric=metric)
        for data in (X32, sp.csr_matrix(X32)):
            ours = metrics.silhouette_samples(data, labels, metric=metric)
            assert ours.dtype == np.float64
            np.testing.assert_allclose(ours, exact, rtol=0, atol=1e-12)
        np.testing.assert_allclose(
            exact, sk.silhouette_samples(X32, labels, metric=metric), rtol=0, atol=1e-4
        )


@pytest.mark.parametrize("alias, name", ALIASES)
def test_metric_aliases(alias, name):
    X, labels = CASES[3]
    np.testing.assert_array_equal(
        metrics.silhouette_samples(X, labels, metric=alias),
        metrics.silhouette_samples(X, labels, metric=name),
    )
    np.testing.assert_allclose(
        metrics.silhouette_samples(X, labels, metric=alias),
        sk.silhouette_samples(X, labels, metric=alias),
        rtol=0,
        atol=1e-10,
    )


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("seed", [0, 7])
def test_sample_size_with_metrics(metric, seed):
    X, labels = SPARSE_CASES[5]
    size = X.shape[0] // 2
    ref = sk.silhouette_score(X, labels, metric=metric, sample_size=size, random_state=seed)
    for data in (X, sp.csr_matrix(X)):
        ours = metrics.silhouette_score(
            data, labels, metric=metric, sample_size=size, random_state=seed
        )
        assert abs(ours - ref) <= 1e-10


# precomputed distances


def _precomputed(X):
    return sk.pairwise_distances(X)


@pytest.mark.parametrize("container", [np.asarray, list, *SPARSE])
def test_precomputed_equal_sklearn(container):
    for X, labels in CASES[::5]:
        D = _precomputed(X)
        ref = sk.silhouette_samples(D, labels, metric="precomputed")
        data = D.tolist() if container is list else container(D)
        ours = metrics.silhouette_samples(data, labels, metric="precomputed")
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours, metrics.silhouette_samples(X, labels), rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint8, np.bool_])
def test_precomputed_dtypes(dtype):
    X, labels = GRID[4]
    D = sk.pairwise_distances(X, metric="manhattan").astype(dtype)
    ref = sk.silhouette_samples(D, labels, metric="precomputed")
    for data in (D, sp.csr_matrix(D)):
        np.testing.assert_allclose(
            metrics.silhouette_samples(data, labels, metric="precomputed"),
            ref,
            rtol=0,
            atol=1e-6 if dtype == np.float32 else 1e-12,
        )


@pytest.mark.parametrize("seed", [0, 3])
def test_precomputed_sample_size(seed, monkeypatch):
    X, labels = CASES[8]
    D = _precomputed(X)
    size = X.shape[0] // 2
    ref = sk.silhouette_score(D, labels, metric="precomputed", sample_size=size, random_state=seed)
    for data in (D, sp.csr_matrix(D)):
        ours = metrics.silhouette_score(
            data, labels, metric="precomputed", sample_size=size, random_state=seed
        )
        assert abs(ours - ref) <= 1e-12
    # above exact_max the sample picks rows and columns alike
    monkeypatch.setattr(metrics, "exact_max", size)
    with pytest.warns(UserWarning, match="random sample"):
        ours = metrics.silhouette_score(D, labels, metric="precomputed", random_state=seed)
    assert abs(ours - ref) <= 1e-12


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_precomputed_diagonal_tolerance(dtype):
    # 100 machine epsilons of the dtype the matrix came in, as scikit-learn
    D = sk.pairwise_distances(np.array([[0.2, 0.1, 0.12, 1.34, 1.11, 1.6]]).T).astype(dtype)
    labels = [0, 0, 0, 1, 1, 1]
    eps = np.finfo(dtype).eps
    D[2, 2] = eps * 10
    for f in (metrics.silhouette_samples, sk.silhouette_samples):
        f(D, labels, metric="precomputed")
        if dtype != np.float16:  # SciPy has no float16 sparse matrices
            f(sp.csr_matrix(D), labels, metric="precomputed")
    D[2, 2] = eps * 1000
    for f in (metrics.silhouette_samples, sk.silhouette_samples):
        with pytest.raises(ValueError, match="contains non-zero elements on the diagonal"):
            f(D, labels, metric="precomputed")


def test_precomputed_errors():
    D = _precomputed(CASES[0][0][:6])
    labels = [0, 0, 0, 1, 1, 1]
    for f in (metrics.silhouette_samples, sk.silhouette_samples, metrics.silhouette_score):
        with pytest.raises(
            ValueError,
            match=r"requires shape \(n_queries, n_indexed\). "
            r"Got \(6, 5\) for 6 indexed",
        ):
            f(D[:, :5], labels, metric="precomputed")
        negative = D.copy()
        negative[0, 1] = -1.0
        for data in (negative, sp.csr_matrix(negative)):
            with pytest.raises(ValueError, match="Negative values in data passed to"):
                f(data, labels, metric="precomputed")
        integers = np.eye(6, dtype=np.int64)
        with pytest.raises(ValueError, match="contains non-zero"):
            f(integers, labels, metric="precomputed")
    # the diagonal is checked before the number of labels, as in scikit-learn
    with pytest.raises(ValueError, match="contains non-zero"):
        metrics.silhouette_samples(np.eye(6), [0] * 6, metric="precomputed")


# callable metrics


def _recorder(calls):
    def chebyshev(x, y, scale=1.0):
        dense = [np.asarray(v.todense() if sp.issparse(v) else v).ravel() for v in (x, y)]
        calls.append((type(x).__name__, x.dtype.str, *map(tuple, dense)))
        return scale * float(np.abs(dense[0] - dense[1]).max())

    return chebyshev


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix, sp.csc_array])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_callable_metric_called_as_sklearn(container, dtype):
    X, labels = GRID[2]
    X = container(X.astype(dtype))
    ours_calls, ref_calls = [], []
    ours = metrics.silhouette_samples(X, labels, metric=_recorder(ours_calls), scale=2.0, n_jobs=2)
    ref = sk.silhouette_samples(X, labels, metric=_recorder(ref_calls), scale=2.0)
    assert ours_calls == ref_calls  # the same rows, types and dtypes, in the same order
    # scikit-learn keeps float32 distances for float32 X; vqkit float64
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12)


def test_callable_metric_score_and_sample():
    X, labels = CASES[4]
    cheb = _recorder([])
    ref = sk.silhouette_score(X, labels, metric=cheb, sample_size=40, random_state=1)
    ours = metrics.silhouette_score(X, labels, metric=cheb, sample_size=40, random_state=1)
    assert abs(ours - ref) <= 1e-12
    assert (
        abs(
            metrics.silhouette_score(X, labels, metric=cheb)
            - sk.silhouette_score(X, labels, metric=cheb)
        )
        <= 1e-12
    )


# checking metric= and **kwds


@pytest.mark.parametrize("metric", ["chebyshev", "minkowski", "nonsense", 3, None, ["cosine"]])
@pytest.mark.parametrize("f", [metrics.silhouette_samples, metrics.silhouette_score])
def test_unknown_metric(f, metric):
    X, labels = CASES[0]
    with pytest.raises(ValueError, match="metric must be one of 'euclidean'"):
        f(X, labels, metric=metric)


@pytest.mark.parametrize("metric", METRICS)
def test_keywords(metric):
    X, labels = CASES[0]
    with pytest.raises(TypeError, match="takes no keyword arguments, got p"):
        metrics.silhouette_samples(X, labels, metric=metric, p=3)
    with pytest.raises(TypeError):
        sk.silhouette_samples(X, labels, metric=metric, p=3)
    # scikit-learn's own options of its pairwise functions change nothing
    np.testing.assert_array_equal(
        metrics.silhouette_samples(
            X, labels, metric=metric, n_jobs=2, working_memory=1, ensure_all_finite=True
        ),
        metrics.silhouette_samples(X, labels, metric=metric),
    )
    # keywords are ignored for precomputed distances, as scikit-learn does
    D = _precomputed(X)
    np.testing.assert_array_equal(
        metrics.silhouette_samples(D, labels, metric="precomputed", p=3),
        metrics.silhouette_samples(D, labels, metric="precomputed"),
    )


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "precomputed", len])
def test_sample_size_checked_first(metric):
    with pytest.raises(ValueError, match="sample_size"):
        metrics.silhouette_score(np.eye(3), [0, 0, 1], metric=metric, sample_size=0)


def test_bad_sparse_input():
    labels = [0, 0, 1, 1]
    with pytest.raises(ValueError, match="NaN"):
        metrics.silhouette_score(sp.csr_matrix([[0.0, np.nan], [1, 1], [2, 2], [3, 3]]), labels)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        metrics.silhouette_score(sp.csr_matrix(np.eye(4)), labels[:3])


# memory: no n x n matrix for the built-in metrics


@pytest.mark.parametrize("metric", METRICS)
def test_memory_bounded(metric):
    rng = np.random.default_rng(0)
    n = 3000
    X = rng.normal(size=(n, 8))
    labels = rng.integers(0, 5, n)
    S = sp.csr_matrix(np.where(rng.random((n, 8)) < 0.2, X, 0.0))
    for data in (X, S):
        metrics.silhouette_samples(data[:50], labels[:50], metric=metric)  # compiled
        tracemalloc.start()
        metrics.silhouette_samples(data, labels, metric=metric)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < n * n  # an n x n float64 matrix would take 8 n^2 bytes


# the other scores on sparse X


@pytest.mark.parametrize("container", SPARSE)
def test_other_scores_sparse(container):
    for X, labels in SPARSE_CASES[::2]:
        data = container(X)
        np.testing.assert_allclose(
            metrics.calinski_harabasz_score(data, labels),
            sk.calinski_harabasz_score(X, labels),
            rtol=1e-10,
        )
        db = metrics.davies_bouldin_score(data, labels)
        np.testing.assert_allclose(db, metrics.davies_bouldin_score(X, labels), rtol=1e-12)
        if np.unique(labels, return_counts=True)[1].min() > 1:
            np.testing.assert_allclose(db, sk.davies_bouldin_score(X, labels), rtol=1e-10)
        np.testing.assert_allclose(
            metrics.inertia(data, labels), metrics.inertia(X, labels), rtol=1e-12
        )
        np.testing.assert_allclose(
            metrics.inertia(data.astype(np.float32), labels),
            metrics.inertia(X.astype(np.float32), labels),
            rtol=1e-12,
        )


def test_other_scores_sparse_exact_singletons():
    # a row equal to its centre on every feature is at distance exactly 0
    for X, labels in GRID[:10]:
        S = sp.csr_matrix(X)
        assert metrics.davies_bouldin_score(S, labels) == pytest.approx(
            sk.davies_bouldin_score(X, labels), rel=1e-10, abs=1e-12
        )
        assert metrics.calinski_harabasz_score(S, labels) == pytest.approx(
            sk.calinski_harabasz_score(X, labels), rel=1e-10
        )
