"""The Examples sections of the public docstrings run and print what they say."""

import doctest

import numpy as np
import pytest

import vqkit.scipy_vq


@pytest.mark.usefixtures("restore_global_rng")
def test_scipy_vq_docstring_examples():
    result = doctest.testmod(vqkit.scipy_vq, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 15
    assert result.failed == 0


def test_every_public_function_has_an_example():
    for name in ["whiten", "vq", "py_vq", "kmeans", "kmeans2"]:
        assert "Examples" in getattr(vqkit, name).__doc__, name
    assert np is not None
