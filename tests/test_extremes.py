"""Numbers at the edges of the float range (issue 15, section 3).

A grid of magnitudes, from subnormal to 1e300, with and without one
outlier row at another magnitude, in float64 and (where representable)
float32, through every fitting interface.  Each case must either give the
right answer — labels that are the argmin of exactly computed distances to
the returned centres (ties allowed), inertia within a small relative error
of the exact value — or raise a ``ValueError`` that says why.

Exact distances are computed with :class:`fractions.Fraction` from the
floats the functions return, so no rounding, overflow or underflow enters
the reference.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.cluster.vq as scipy_vq
from hypothesis import given, settings
from hypothesis import strategies as st

import vqkit
from vqkit import BisectingKMeans, KMeans, MiniBatchKMeans, choose_k, kmeans, kmeans2, vq
from vqkit.quantization.codebook import Codebook

MAGNITUDES = [1e-310, 1e-200, 1e-25, 1.0, 1e25, 1e160, 1e200, 1e300]
OUTLIERS = [None, 1.0, 1e200]
SMALLEST = Fraction(2) ** -1074  # the float64 rounding step near zero


def _representable(magnitude: float, dtype: type) -> bool:
    info = np.finfo(dtype)
    return bool(float(info.smallest_normal) <= magnitude <= float(info.max) / 4)


def _grid() -> list:
    cases = []
    for dtype in (np.float64, np.float32):
        for magnitude in MAGNITUDES:
            if not _representable(magnitude, dtype):
                continue
            for outlier in OUTLIERS:
                if outlier == magnitude or (
                    outlier is not None and not _representable(outlier, dtype)
                ):
                    continue
                cases.append(
                    pytest.param(
                        magnitude,
                        outlier,
                        dtype,
                        id=f"{np.dtype(dtype).name}-{magnitude:g}-outlier={outlier}",
                    )
                )
    return cases


GRID = _grid()


def _data(magnitude: float, outlier: float | None, dtype: type) -> np.ndarray:
    """Three blobs of 12 rows near ``magnitude`` (and one row at ``outlier``)."""
    rng = np.random.default_rng(7)
    base = np.array([[1.0, 1.0], [-1.0, 1.0], [0.0, -1.5]])
    X = np.vstack([c + 0.1 * rng.standard_normal((12, 2)) for c in base]) * magnitude
    if outlier is not None:
        X = np.vstack([X, [[outlier, -outlier]]])
    X = X.astype(dtype)
    assert np.isfinite(X).all()
    return X


def _exact_sq(X: np.ndarray, C: np.ndarray) -> list[list[Fraction]]:
    """Exact squared Euclidean distances between the rows of X and of C."""
    Xf = [[Fraction(float(v)) for v in row] for row in X]
    Cf = [[Fraction(float(v)) for v in row] for row in C]
    return [[sum((a - b) ** 2 for a, b in zip(x, c)) for c in Cf] for x in Xf]


def _exact_l1(X: np.ndarray, C: np.ndarray) -> list[list[Fraction]]:
    Xf = [[Fraction(float(v)) for v in row] for row in X]
    Cf = [[Fraction(float(v)) for v in row] for row in C]
    return [[sum(abs(a - b) for a, b in zip(x, c)) for c in Cf] for x in Xf]


def _as_float64(value: Fraction) -> Fraction:
    """``value`` rounded to float64 where float64 holds it (below it, to 0:
    a squared distance that float64 cannot represent is no distance); above
    float64's range, exact (a scaled fit resolves those)."""
    return Fraction(float(value)) if value < 2**1000 else value


def _check_labels(D: list[list[Fraction]], labels: np.ndarray) -> None:
    """Each label names a nearest centre of the careful float64 distances
    (exact, then rounded once to float64; ties allowed)."""
    labels = np.asarray(labels)
    for i, row in enumerate(D):
        chosen, nearest = _as_float64(row[int(labels[i])]), _as_float64(min(row))
        assert chosen == nearest, f"row {i}: label {labels[i]} is not nearest"


def _check_total(value: float, exact: Fraction, rtol: float) -> None:
    """``value`` agrees with the exact sum: ``rtol`` relative, or within
    float64's rounding step near zero; ``inf`` where the exact sum exceeds
    float64 (the fit warns)."""
    if exact > Fraction(np.finfo(np.float64).max):
        assert value == math.inf, value
        return
    assert math.isfinite(value), value
    assert abs(Fraction(value) - exact) <= rtol * exact + 4 * SMALLEST, (value, float(exact))


def _rtol(dtype: type) -> float:
    # float32 distances carry float32 rounding; float64 must be close to exact
    return 1e-6 if dtype == np.float64 else 1e-4


def _fit_or_value_error(fit):
    """Run ``fit``; a ValueError must say why, anything else propagates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fit()
        except ValueError as exc:
            assert str(exc), "a ValueError must say why"
            return None


def _check_model(model, X: np.ndarray, dtype: type, tree: bool = False) -> None:
    C = model.cluster_centers_
    assert C.dtype == X.dtype and np.isfinite(C).all()
    D = _exact_sq(X, C)
    labels = model.labels_
    if tree:  # a bisecting model labels by walking its tree of splits:
        # predict walks it again; they may differ only on float64 ties
        for i, j in enumerate(model.predict(X)):
            assert _as_float64(D[i][int(j)]) == _as_float64(D[i][int(labels[i])]), i
    else:
        _check_labels(D, labels)
    exact = sum(D[i][int(j)] for i, j in enumerate(labels))
    _check_total(model.inertia_, exact, _rtol(dtype))
    if not tree:
        np.testing.assert_array_equal(model.predict(X), labels)
        _check_total(-model.score(X), exact, _rtol(dtype))


@pytest.mark.parametrize("init", ["k-means++", "k-means||", "random"])
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_kmeans(magnitude, outlier, dtype, init, algorithm):
    X = _data(magnitude, outlier, dtype)
    model = _fit_or_value_error(
        lambda: KMeans(3, init=init, algorithm=algorithm, n_init=2, random_state=0).fit(X)
    )
    if model is not None:
        _check_model(model, X, dtype)


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_minibatch(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    model = _fit_or_value_error(
        lambda: MiniBatchKMeans(3, batch_size=16, n_init=2, random_state=0).fit(X)
    )
    if model is not None:
        _check_model(model, X, dtype)


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_bisecting(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    model = _fit_or_value_error(lambda: BisectingKMeans(3, random_state=0).fit(X))
    if model is not None:
        _check_model(model, X, dtype, tree=True)


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_manhattan(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    model = _fit_or_value_error(
        lambda: KMeans(3, metric="manhattan", n_init=2, random_state=0).fit(X)
    )
    if model is None:
        return
    D = _exact_l1(X, model.cluster_centers_)
    _check_labels(D, model.labels_)
    exact = sum(D[i][int(j)] for i, j in enumerate(model.labels_))
    _check_total(model.inertia_, exact, _rtol(dtype))


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_cosine(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    model = _fit_or_value_error(
        lambda: KMeans(3, metric="cosine", n_init=2, random_state=0).fit(X)
    )
    if model is None:
        return
    # cosine distances do not depend on the rows' lengths: compare on rows
    # brought to unit length in float64 after an exact power-of-two scaling
    rows = np.asarray(X, dtype=np.float64)
    rows = np.ldexp(rows, -np.frexp(np.abs(rows).max(axis=1))[1][:, None])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    C = np.asarray(model.cluster_centers_, dtype=np.float64)
    cos_d = 1 - rows @ (C / np.linalg.norm(C, axis=1, keepdims=True)).T
    chosen = cos_d[np.arange(len(X)), model.labels_]
    assert (chosen <= cos_d.min(axis=1) + 1e-6).all()
    assert model.inertia_ == pytest.approx(chosen.sum(), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_kmeans2_and_vq(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    for minit in ("random", "points", "++"):
        result = _fit_or_value_error(lambda minit=minit: kmeans2(X, 3, minit=minit, seed=1))
        if result is None:
            continue
        centroid, label = result
        assert centroid.dtype == X.dtype and label.shape == (len(X),)
        assert ((label >= 0) & (label < 3)).all()
        codes = _fit_or_value_error(lambda centroid=centroid: vq(X, centroid))
        if codes is None:
            continue
        code, dist = codes
        D = _exact_sq(X, centroid)
        _check_labels(D, code)
        for i, j in enumerate(code):
            exact = math.sqrt(float(D[i][int(j)])) if D[i][int(j)] else 0.0
            assert dist[i] == pytest.approx(exact, rel=_rtol(dtype), abs=1e-300)


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_kmeans_function(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    result = _fit_or_value_error(lambda: kmeans(X, 3, seed=1))
    if result is None:
        return
    book, distortion = result
    assert book.dtype == X.dtype and np.isfinite(book).all()
    assert math.isfinite(distortion) and distortion >= 0


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_codebook_train(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    book = _fit_or_value_error(lambda: Codebook.train(X, 3, random_state=0, n_init=2))
    if book is None:
        return
    assert book.codewords.dtype == X.dtype and np.isfinite(book.codewords).all()
    _check_labels(_exact_sq(X, book.codewords), book.encode(X))


@pytest.mark.parametrize(("magnitude", "outlier", "dtype"), GRID)
def test_choose_k(magnitude, outlier, dtype):
    X = _data(magnitude, outlier, dtype)
    result = _fit_or_value_error(
        lambda: choose_k(X, range(1, 5), methods="elbow", random_state=0, n_init=1)
    )
    if result is None:
        return
    assert result.best_k in range(1, 5)
    for model in result.models.values():
        _check_model(model, X, dtype)


def test_one_huge_row_among_ordinary_rows():
    """The issue's case: a row at 1e200 among 50 rows near 1."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, 2)) + 1, [[1e200, 1e200]]])
    model = KMeans(3, n_init=1, random_state=0).fit(X)
    _check_model(model, X, np.float64)
    assert model.inertia_ > 1


def test_subnormal_data_fits():
    X = _data(1.0, None, np.float64) * 1e-310
    model = KMeans(3, n_init=1, random_state=0).fit(X)
    _check_model(model, X, np.float64)
    assert len(set(model.labels_.tolist())) == 3


def test_float32_tiny_data_is_not_one_cluster():
    X = _data(1e-25, None, np.float32)
    model = KMeans(3, n_init=1, random_state=0).fit(X)
    assert len(set(model.labels_.tolist())) == 3
    assert model.inertia_ > 0


@pytest.mark.parametrize("value", [10**400, -(10**309)])
def test_python_int_beyond_float64_is_a_value_error(value):
    with pytest.raises(ValueError, match="too large for float64"):
        KMeans(1).fit([[value, 1], [2, 3]])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("data", [np.ones(10), np.r_[np.ones(5), np.zeros(5)], np.arange(7.0)])
def test_kmeans2_random_on_1d_data_matches_scipy(data, dtype, seed):
    data = data.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = scipy_vq.kmeans2(data, 2, minit="random", seed=seed)
        got = vqkit.kmeans2(data, 2, minit="random", seed=seed)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert got[0].dtype == expected[0].dtype


@settings(max_examples=40, deadline=None)
@given(
    exponent=st.integers(min_value=-1070, max_value=1020),
    seed=st.integers(min_value=0, max_value=2**16),
    init=st.sampled_from(["k-means++", "k-means||", "random"]),
)
def test_any_power_of_two_magnitude_fits_as_the_unit_data(exponent, seed, init):
    """Data at any float64 magnitude gives labels of the nearest returned
    centre and an inertia that agrees with the exact one."""
    X = np.ldexp(_data(1.0, None, np.float64), exponent)
    X = X[np.random.default_rng(seed).permutation(len(X))]
    model = _fit_or_value_error(lambda: KMeans(3, init=init, n_init=1, random_state=seed).fit(X))
    assert model is not None
    _check_model(model, X, np.float64)
