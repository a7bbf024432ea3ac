"""Shared fixtures for the test suite."""

import numpy as np
import pytest


@pytest.fixture
def restore_global_rng():
    """Leave NumPy's global random state as the test found it."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)
