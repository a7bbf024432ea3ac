"""The Examples sections of the public docstrings run and print what they say."""

import importlib

import pytest

import vqkit
import vqkit.estimators.bisecting
import vqkit.estimators.functions
import vqkit.estimators.kmeans
import vqkit.estimators.minibatch
import vqkit.metrics
import vqkit.plot
import vqkit.quantization
import vqkit.scipy_vq
import vqkit.selection
from helpers import run_doctests


@pytest.mark.usefixtures("restore_global_rng")
@pytest.mark.parametrize(
    "module, at_least",
    [
        (vqkit.scipy_vq, 15),
        (vqkit.estimators.kmeans, 4),
        (vqkit.estimators.minibatch, 1),
        (vqkit.estimators.bisecting, 1),
        (vqkit.estimators.functions, 8),
        (vqkit.metrics, 10),
        (vqkit.quantization, 20),
        (vqkit.selection, 10),
        (vqkit.plot, 15),
        (importlib.import_module("vqkit.core.knee"), 3),
        (importlib.import_module("vqkit.core.gap"), 2),
        (importlib.import_module("vqkit.core.prediction_strength"), 2),
    ],
)
def test_docstring_examples(module, at_least):
    result = run_doctests(module)
    assert result.attempted >= at_least
    assert result.failed == 0


def test_every_public_function_has_an_example():
    for name in [
        "whiten",
        "vq",
        "py_vq",
        "kmeans",
        "kmeans2",
        "KMeans",
        "MiniBatchKMeans",
        "BisectingKMeans",
        "choose_k",
        "k_means",
        "kmeans_plusplus",
    ]:
        assert "Examples" in getattr(vqkit, name).__doc__, name
