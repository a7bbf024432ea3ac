"""Prediction strength (vqkit.core.prediction_strength)."""

import numpy as np
import pytest

from helpers import THREE_CENTRES, blobs_around
from vqkit.backends import get_backend
from vqkit.core.prediction_strength import pair_agreement, prediction_strength, strength_pick

CPU = get_backend(np.zeros((1, 1)))


def test_pair_agreement_counts_pairs_kept_together():
    # test cluster 0 = rows 0..3, split 3 + 1 by the training centres:
    # 3 of its 6 pairs stay together; test cluster 1 = rows 4..6, all kept
    test = np.array([0, 0, 0, 0, 1, 1, 1])
    predicted = np.array([1, 1, 1, 0, 0, 0, 0])
    assert pair_agreement(test, predicted, 2) == pytest.approx(0.5)


def test_pair_agreement_ignores_relabelling_and_single_members():
    test = np.array([0, 0, 1, 1, 2])
    assert pair_agreement(test, np.array([1, 1, 0, 0, 0]), 3) == 1.0
    assert np.isnan(pair_agreement(np.array([0, 1, 2]), np.array([0, 1, 2]), 3))


def test_strength_is_high_at_the_true_k_and_low_above():
    X = blobs_around(THREE_CENTRES, 200)
    ks = [1, 2, 3, 4, 5]
    done = []
    strength = prediction_strength(
        X, ks, np.random.RandomState(1), backend=CPU, repeats=2, on_repeat=done.append
    )
    assert done == [1, 2]
    assert strength[0] == 1.0
    assert strength[2] > 0.95
    assert strength[3] < 0.8 and strength[4] < 0.8
    assert strength_pick(ks, strength) == 3


def test_k_above_half_the_rows_is_undefined():
    X = np.random.RandomState(0).normal(size=(12, 2))
    # halves of 6 rows: k = 3 leaves some cluster with two members; k = 7 cannot be fitted
    strength = prediction_strength(X, [1, 3, 7], np.random.RandomState(0), backend=CPU, repeats=1)
    assert strength[0] == 1.0 and not np.isnan(strength[1]) and np.isnan(strength[2])


def test_strength_pick_rule():
    assert strength_pick([1, 2, 3, 4], [1.0, 0.97, 0.55, 0.82]) == 4
    assert strength_pick([1, 2, 3], [1.0, 0.6, 0.5]) == 1
    assert strength_pick([2, 3], [0.5, 0.6]) is None
    assert strength_pick([1, 2, 3], [1.0, 0.85, np.nan], threshold=0.9) == 1
