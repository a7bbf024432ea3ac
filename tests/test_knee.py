"""Kneedle knee detection (vqkit.core.knee) on curves with a known knee."""

import numpy as np
import pytest

from vqkit.core.knee import difference_curve, find_knee, kneedle

# An inertia curve (k = 1..10) measured with scikit-learn on make_blobs
# (500 rows, 4 centres, two of them close): kneed finds 3 with S = 0.5, 1
# and 2 on k = 1..10, and 4 when the range starts at k = 2.
BLOBS_INERTIA = [33904, 15737, 3426, 949, 857, 768, 681, 609, 547, 498]


def elbow_curve(knee_at, n=10, before=40.0, after=1.0):
    """Decreasing convex piecewise-linear curve at x = 1..n: steep until
    ``knee_at``, then nearly flat."""
    x = np.arange(1, n + 1)
    y = np.where(x <= knee_at, before * (knee_at - x) + after * (n - knee_at), after * (n - x))
    return x, y.astype(float)


@pytest.mark.parametrize("S, expected", [(0.5, 3), (1.0, 3), (2.0, 3)])
def test_measured_blob_inertia_curve(S, expected):
    assert find_knee(range(1, 11), BLOBS_INERTIA, S=S) == expected


def test_the_range_changes_the_elbow():
    assert find_knee(range(2, 11), BLOBS_INERTIA[1:]) == 4


@pytest.mark.parametrize("knee_at", [2, 3, 4, 5, 6, 7])
def test_piecewise_linear_elbow(knee_at):
    x, y = elbow_curve(knee_at)
    assert find_knee(x, y) == knee_at


def test_the_four_shapes_agree():
    x, y = elbow_curve(4)  # convex, decreasing: knee at 4
    assert find_knee(x, y, curve="convex", direction="decreasing") == 4
    assert find_knee(x, -y, curve="concave", direction="increasing") == 4
    mirrored = y[::-1]  # convex, increasing: knee at 11 - 4
    assert find_knee(x, mirrored, curve="convex", direction="increasing") == 7
    assert find_knee(x, -mirrored, curve="concave", direction="decreasing") == 7


def test_no_knee_on_a_straight_line_or_a_short_curve():
    assert find_knee(range(1, 9), np.arange(8.0)[::-1]) is None
    assert find_knee([1, 2], [10.0, 1.0]) is None
    result = kneedle([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0])
    assert result.knee is None and result.index is None and result.threshold is None


def test_knee_at_the_end_of_the_range_is_not_declared():
    # the bend is at the second-last point: nothing flat follows it
    x, y = elbow_curve(9)
    assert find_knee(x, y) is None


def test_sensitivity_makes_detection_more_conservative():
    x, y = elbow_curve(3)
    assert find_knee(x, y, S=1.0) == 3
    # S counts the flat steps required after the knee; 7 steps follow it
    assert find_knee(x, y, S=5.0) == 3
    assert find_knee(x, y, S=8.0) is None


def test_the_difference_curve_peaks_at_the_knee():
    x, y = elbow_curve(5)
    result = kneedle(x, y)
    assert result.index == 4
    assert np.argmax(result.difference) == 4
    assert result.x_normalized[0] == 0 and result.x_normalized[-1] == 1
    assert result.threshold == pytest.approx(result.difference[4] - 1 / 9)
    xn, diff = difference_curve(x, y)
    np.testing.assert_allclose(diff, result.difference)
    assert diff[0] == pytest.approx(0) and diff[-1] == pytest.approx(0)


def test_knee_is_returned_as_an_x_value():
    x = np.array([10, 20, 30, 40, 50, 60, 70])
    y = np.array([100.0, 30.0, 10.0, 8.0, 6.0, 4.0, 2.0])
    assert find_knee(x, y) == 30


def test_a_later_bend_takes_over_from_a_small_early_one():
    # the difference curve rises to a small maximum (x = 2), dips to a
    # minimum (x = 3) without crossing that maximum's threshold, then peaks
    # at the real elbow (x = 5), which is the knee
    x = np.arange(1, 11)
    f = np.array([0, 0.311, 0.372, 0.633, 0.894, 0.956, 0.967, 0.978, 0.989, 1.0])
    result = kneedle(x, 100 * (1 - f))
    d = result.difference
    assert d[0] < d[1] > d[2] < d[3]  # the early maximum and the minimum
    assert result.knee == 5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=[1, 2, 3], y=[3.0, 2.0, 1.0], curve="wavy"), "curve must be"),
        (dict(x=[1, 2, 3], y=[3.0, 2.0, 1.0], direction="up"), "direction must be"),
        (dict(x=[1, 3, 2], y=[3.0, 2.0, 1.0]), "strictly increasing"),
        (dict(x=[1, 2], y=[3.0, 2.0, 1.0]), "same length"),
        (dict(x=[1, 2, 3], y=[3.0, np.nan, 1.0]), "finite"),
        (dict(x=[1, 2, 3], y=[3.0, 2.0, 1.0], S=-1), "S must be"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kneedle(**kwargs)
