"""Shared fixtures and settings for the test suite."""

import os

import numpy as np
import pytest
from hypothesis import settings

# Hypothesis draws the same examples on every run, so CI cannot fail on a
# rare example that passed locally; HYPOTHESIS_PROFILE=explore searches with
# fresh randomness instead.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def restore_global_rng():
    """Leave NumPy's global random state as the test found it."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "long: a test file that runs for minutes; collected first so that, with "
        "pytest-xdist, one worker starts it while the others share the rest",
    )


def pytest_collection_modifyitems(items):
    # xdist hands out files in collection order: a file that takes minutes
    # (test_warmup.py) started last would leave the other workers idle at the end
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
