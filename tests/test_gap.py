"""The gap statistic (vqkit.core.gap): reference boxes, the rule, constructed data."""

import numpy as np
import pytest

from helpers import THREE_CENTRES, blobs_around
from vqkit import KMeans
from vqkit.backends import get_backend
from vqkit.core.gap import (
    draw_reference,
    gap_pick,
    gap_statistic,
    log_dispersions,
    reference_box,
)

CPU = get_backend(np.zeros((1, 1)))


def diagonal_stick(n=600, seed=0):
    """One elongated Gaussian along the diagonal (no cluster structure)."""
    rng = np.random.RandomState(seed)
    t = np.hstack([5 * rng.normal(size=(n, 1)), 0.3 * rng.normal(size=(n, 1))])
    return t @ np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)


# ----------------------------------------------------------------------
# the rule


def test_rule_picks_the_smallest_k_within_one_standard_error():
    ks = [1, 2, 3, 4, 5]
    gap = [0.2, 0.9, 1.0, 1.05, 1.06]
    # k=2: 0.9 >= 1.0 - 0.05? no.  k=3: 1.0 >= 1.05 - 0.06 = 0.99: yes
    assert gap_pick(ks, gap, [0.05, 0.05, 0.05, 0.06, 0.05]) == 3
    # a larger s(k+1) stops earlier
    assert gap_pick(ks, gap, [0.05, 0.05, 0.1, 0.05, 0.05]) == 2


def test_rule_equality_counts_and_k1_is_possible():
    assert gap_pick([1, 2, 3], [0.5, 0.6, 0.7], [0.0, 0.1, 0.1]) == 1
    assert gap_pick([1, 2], [0.5, 0.5], [0.0, 0.0]) == 1


def test_rule_returns_none_when_the_gap_keeps_rising():
    assert gap_pick([1, 2, 3], [0.1, 0.5, 0.9], [0.01, 0.01, 0.01]) is None
    assert gap_pick([4], [0.3], [0.01]) is None  # a single k has nothing to compare


def test_rule_uses_the_next_k_of_the_range():
    # ks need not be contiguous: 2 is compared with 5
    assert gap_pick([2, 5, 9], [1.0, 1.02, 1.5], [0.0, 0.05, 0.0]) == 2


# ----------------------------------------------------------------------
# reference boxes


def test_uniform_box_is_the_bounding_box():
    X = np.array([[0.0, 5.0], [2.0, -1.0], [1.0, 3.0]])
    mean, V, low, high = reference_box(X, reference="uniform")
    np.testing.assert_array_equal(V, np.eye(2))
    np.testing.assert_array_equal(low, [0.0, -1.0])
    np.testing.assert_array_equal(high, [2.0, 5.0])
    Z = draw_reference((mean, V, low, high), 2000, np.random.RandomState(0))
    assert Z.shape == (2000, 2)
    assert (Z >= low).all() and (Z <= high).all()
    # it fills the box
    np.testing.assert_allclose(Z.min(axis=0), low, atol=0.05)
    np.testing.assert_allclose(Z.max(axis=0), high, atol=0.05)


def test_pca_box_follows_the_principal_axes():
    X = diagonal_stick()
    box = reference_box(X, reference="pca")
    mean, V, low, high = box
    np.testing.assert_allclose(np.abs(V[:, 0]), [np.sqrt(0.5)] * 2, atol=0.02)
    Z = draw_reference(box, 5000, np.random.RandomState(1))
    rotated = (Z - mean) @ V
    assert (rotated >= low - 1e-9).all() and (rotated <= high + 1e-9).all()
    # the reference is a thin diagonal slab: the minor axis is as narrow as the data's
    assert rotated[:, 1].std() < 2 * ((X - mean) @ V)[:, 1].std()
    # while the bounding box of the same data is a wide square
    Zu = draw_reference(reference_box(X, reference="uniform"), 5000, np.random.RandomState(1))
    assert ((Zu - mean) @ V)[:, 1].std() > 4 * rotated[:, 1].std()


def test_zero_weight_rows_do_not_shape_the_box():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [100.0, 100.0]])
    _, _, low, high = reference_box(X, np.array([1.0, 1.0, 0.0]))
    np.testing.assert_array_equal(high, [1.0, 1.0])


def test_unknown_reference():
    with pytest.raises(ValueError, match="reference must be one of"):
        reference_box(np.zeros((3, 2)), reference="gaussian")


# ----------------------------------------------------------------------
# dispersions and the statistic


def test_log_dispersion_at_k1_is_the_spread_about_the_mean():
    X = blobs_around(THREE_CENTRES, 100)
    expected = np.log(((X - X.mean(axis=0)) ** 2).sum() / len(X))
    assert log_dispersions(X, [1], np.random.RandomState(0), backend=CPU)[0] == pytest.approx(
        expected
    )


def test_integer_weights_act_as_repeated_rows():
    X = blobs_around(THREE_CENTRES, 20)
    w = np.arange(60) % 3 + 1.0
    repeated = np.repeat(X, w.astype(int), axis=0)
    a = log_dispersions(X, [1], np.random.RandomState(0), backend=CPU, weights=w)
    b = log_dispersions(repeated, [1], np.random.RandomState(0), backend=CPU)
    assert a[0] == pytest.approx(b[0])


def test_gap_finds_three_blobs_with_either_reference():
    X = blobs_around(THREE_CENTRES, 100)
    ks = range(1, 7)
    for reference in ("uniform", "pca"):
        result = gap_statistic(
            X, ks, backend=CPU, n_references=10, reference=reference, rng=np.random.RandomState(0)
        )
        assert gap_pick(ks, result.gap, result.s) == 3
        assert np.argmax(result.gap) == 2


def test_gap_says_one_for_uniform_data():
    X = np.random.RandomState(3).uniform(size=(400, 3))
    ks = range(1, 6)
    result = gap_statistic(X, ks, backend=CPU, rng=np.random.RandomState(0))
    assert gap_pick(ks, result.gap, result.s) == 1


def test_pca_reference_sees_no_clusters_in_an_elongated_cloud():
    # the uniform box around a diagonal stick is mostly empty, so every k
    # looks like structure; the box aligned with the stick is not
    X = diagonal_stick()
    ks = range(1, 7)
    pca = gap_statistic(X, ks, backend=CPU, reference="pca", rng=np.random.RandomState(2))
    uniform = gap_statistic(X, ks, backend=CPU, reference="uniform", rng=np.random.RandomState(2))
    assert gap_pick(ks, pca.gap, pca.s) == 1
    assert gap_pick(ks, uniform.gap, uniform.s) != 1


def test_standard_error_and_reuse_of_fits():
    X = blobs_around(THREE_CENTRES, 100)
    ks = [1, 2, 3, 4]
    inertias = [KMeans(k, n_init=3, random_state=0).fit(X).inertia_ for k in ks]
    result = gap_statistic(
        X, ks, backend=CPU, inertias=inertias, n_references=7, rng=np.random.RandomState(0)
    )
    np.testing.assert_allclose(result.s, result.sd * np.sqrt(1 + 1 / 7))
    np.testing.assert_allclose(result.log_w, np.log(np.array(inertias) / len(X)))
    np.testing.assert_allclose(result.gap, result.log_w_ref - result.log_w)
    fitted = gap_statistic(X, ks, backend=CPU, n_references=7, rng=np.random.RandomState(0))
    # fitting here (one seeding, 30 iterations) finds the same optimum where
    # it is unique (k = 1 and the true k = 3); at k = 2 any blob pair may merge
    np.testing.assert_allclose(fitted.log_w[[0, 2]], result.log_w[[0, 2]], atol=1e-6)
    np.testing.assert_allclose(fitted.log_w, result.log_w, atol=0.05)


def test_same_seed_same_statistic_and_references_are_counted():
    X = blobs_around(THREE_CENTRES, 100)
    seen = []
    a = gap_statistic(
        X,
        range(1, 5),
        backend=CPU,
        n_references=4,
        rng=np.random.RandomState(5),
        on_reference=seen.append,
    )
    b = gap_statistic(X, range(1, 5), backend=CPU, n_references=4, rng=np.random.RandomState(5))
    np.testing.assert_array_equal(a.gap, b.gap)
    np.testing.assert_array_equal(a.sd, b.sd)
    assert seen == [1, 2, 3, 4]
