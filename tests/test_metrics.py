"""vqkit.metrics against scikit-learn's clustering scores."""

import warnings

import numpy as np
import pytest
import sklearn.metrics as sk

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
