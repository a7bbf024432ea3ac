"""What the three centroid estimators share: one base class, one table of
parameter constraints each, one message style, the same fitted-model methods."""

import inspect
from numbers import Integral

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import vqkit
from helpers import blobs, nearest_reference
from vqkit.estimators._base import CentroidEstimator
from vqkit.estimators._params import Allowed, Interval, Options, validate_params

ESTIMATORS = [vqkit.KMeans, vqkit.MiniBatchKMeans, vqkit.BisectingKMeans]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_every_parameter_has_a_row_in_the_table(cls):
    assert issubclass(cls, CentroidEstimator)
    params = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
    assert sorted(cls._parameter_constraints) == sorted(params)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "name, value, message",
    [
        ("n_clusters", True, "n_clusters must be an integer >= 1, got True."),
        ("n_clusters", np.int64(0), "n_clusters must be an integer >= 1, got np.int64(0)."),
        ("max_iter", 2.0, "max_iter must be an integer >= 1, got 2.0."),
        ("tol", float("nan"), "tol must be a number >= 0, got nan."),
        ("tol", False, "tol must be a number >= 0, got False."),
    ],
)
def test_one_message_style(cls, name, value, message):
    X = blobs(40, 2, 2)
    with pytest.raises(ValueError) as info:
        cls(**{"n_clusters": 2, name: value}).fit(X)
    assert str(info.value) == message


def test_messages_list_every_accepted_form():
    X = blobs(40, 2, 2)
    with pytest.raises(ValueError) as info:
        vqkit.MiniBatchKMeans(2, init_size=-1).fit(X)
    assert str(info.value) == "init_size must be None or an integer >= 1, got -1."
    with pytest.raises(ValueError) as info:
        vqkit.KMeans(2, init=None).fit(X)
    assert str(info.value) == (
        "init must be one of ('k-means++', 'k-means||', 'random'), a callable or an "
        "array, got None."
    )
    with pytest.raises(ValueError) as info:
        vqkit.BisectingKMeans(2, init=np.zeros((2, 2))).fit(X)
    assert str(info.value).startswith(
        "init must be one of ('k-means++', 'k-means||', 'random') or a callable, got an "
        "array of shape (2, 2): arrays are not accepted"
    )


def test_validate_params_checks_in_table_order():
    table = {
        "a": Allowed(Interval(Integral, 0)),
        "b": Allowed(Options(("x", "y"))),
        "c": Allowed(),
    }
    validate_params(table, {"a": 0, "b": "y", "c": object()})
    with pytest.raises(ValueError, match=r"^a must be an integer >= 0, got -1\.$"):
        validate_params(table, {"a": -1, "b": "z", "c": None})
    with pytest.raises(ValueError, match=r"^b must be one of \('x', 'y'\), got 'z'\.$"):
        validate_params(table, {"a": 1, "b": "z", "c": None})


def _scaled_model(est, factor):
    """``est`` with its centres multiplied by ``factor``."""
    est.cluster_centers_ = est.cluster_centers_ * factor
    if isinstance(est, vqkit.BisectingKMeans):
        est.tree_centers_ = est.tree_centers_ * factor
    return est


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("exponent", [600, -600, 400, -400])
def test_fitted_models_rescale_extreme_values(cls, exponent):
    # the model and the rows multiplied by a power of two far from 1, where
    # squared distances overflow or underflow float64 (beyond 2**±512):
    # rows are compared in exactly rescaled units, so nothing changes
    X = blobs(300, 3, 4, seed=2)
    est = cls(4, random_state=0).fit(X)
    labels, score = est.predict(X), est.score(X)
    factor = 2.0**exponent
    est = _scaled_model(est, factor)
    assert_array_equal(est.predict(X * factor), labels)
    if abs(exponent) < 512:  # the score itself is representable
        assert est.score(X * factor) == pytest.approx(score * factor**2, rel=1e-12)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_shared_methods_agree(cls):
    X = blobs(500, 3, 5, seed=4)
    est = cls(5, random_state=0)
    labels = est.fit_predict(X)
    assert_array_equal(labels, est.labels_)
    D = est.transform(X)
    assert_array_equal(D, est.fit_transform(X))
    ref_labels, ref_d2 = nearest_reference(X, est.cluster_centers_)
    np.testing.assert_allclose(D.min(axis=1) ** 2, ref_d2, rtol=1e-9, atol=1e-12)
    assert est.score(X) == pytest.approx(-ref_d2.sum(), rel=1e-12)
    if cls is not vqkit.BisectingKMeans:  # its predict walks the tree
        assert_array_equal(est.predict(X), ref_labels)


def test_minibatch_fit_predict_without_stored_labels():
    X = blobs(400, 2, 3, seed=5)
    est = vqkit.MiniBatchKMeans(3, random_state=0, compute_labels=False)
    labels = est.fit_predict(X)
    assert not hasattr(est, "labels_")
    assert_array_equal(labels, est.predict(X))
