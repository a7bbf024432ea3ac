"""Knee (elbow) detection with Kneedle (Satopää, Albrecht, Irwin and Raghavan 2011).

Kneedle works on a curve given at increasing ``x``:

1. scale ``x`` and ``y`` to ``[0, 1]``;
2. turn the curve into a concave, increasing one (a decreasing convex
   inertia curve is flipped vertically: ``1 - y``; a convex increasing one
   is mirrored: ``x -> 1 - x`` and ``y -> 1 - y``; ...);
3. take the difference curve ``D = y_n - x_n`` (how far the curve rises above
   the diagonal) and its local maxima;
4. give each local maximum the threshold ``T = D_max - S * mean(diff(x_n))``;
5. declare that maximum a knee when ``D`` falls below ``T`` before the next
   local maximum.  A local minimum of ``D`` ends the wait for the current
   maximum (the curve has turned up again).

``S`` (sensitivity) is the number of "flat" steps the curve must show after
a knee before it is accepted: smaller ``S`` finds knees sooner, larger ``S``
is more conservative; the paper recommends ``S = 1``.  No smoothing is
applied.  The first knee found is returned, or ``None`` when the curve has
none (for example a straight line, or too few points after the bend: with
evenly spaced ``x`` and ``S = 1``, at least two points must follow a knee).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CURVES = ("convex", "concave")
DIRECTIONS = ("decreasing", "increasing")


@dataclass
class Knee:
    """Result of :func:`kneedle`.

    ``knee`` is the ``x`` of the knee (None when there is none) and
    ``index`` its position in ``x``; ``x_normalized`` and ``difference``
    are the normalised ``x`` (increasing) and the difference curve, in the
    order of the input ``x``, for plots; ``threshold`` is the threshold
    that was crossed (None without a knee).
    """

    knee: Any
    index: Any
    x_normalized: np.ndarray
    difference: np.ndarray
    threshold: Any


def _unit(v):
    span = v.max() - v.min()
    return (v - v.min()) / span if span > 0 else np.zeros_like(v)


def difference_curve(
    x: Any, y: Any, curve: str = "convex", direction: str = "decreasing"
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``x`` and the Kneedle difference curve of ``(x, y)``.

    ``x`` must be increasing.  The curve is brought to the concave,
    increasing form before the diagonal is subtracted, so the knee is a
    maximum of the returned difference whatever ``curve`` and
    ``direction`` are.
    """
    xn = _unit(np.asarray(x, dtype=np.float64))
    yn = _unit(np.asarray(y, dtype=np.float64))
    if curve == "convex":
        yn = 1.0 - yn  # convex -> concave (and flips the direction)
        direction = "increasing" if direction == "decreasing" else "decreasing"
    if direction == "decreasing":
        # a concave decreasing curve, read from the right, is concave increasing
        return xn, yn - (1.0 - xn)
    return xn, yn - xn


def kneedle(
    x: Any, y: Any, *, S: float = 1.0, curve: str = "convex", direction: str = "decreasing"
) -> Knee:
    """Find the first knee of the curve ``y(x)`` with Kneedle.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        The curve, ``x`` strictly increasing.
    S : float, default 1.0
        Sensitivity (>= 0): flat steps required after a knee.
    curve : {"convex", "concave"}
    direction : {"decreasing", "increasing"}
        Shape of the curve; an inertia (elbow) curve is convex and
        decreasing.

    Returns
    -------
    Knee
        ``Knee.knee`` is None when there is no knee.

    Examples
    --------
    >>> kneedle([1, 2, 3, 4, 5, 6, 7, 8], [100, 40, 12, 10, 9, 8, 7, 6]).knee
    3
    >>> print(kneedle([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]).knee)
    None
    """
    x = np.asarray(x)
    y = np.asarray(y, dtype=np.float64)
    if curve not in CURVES:
        raise ValueError(f"curve must be one of {CURVES}, got {curve!r}.")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of the same length, got {x.shape} and {y.shape}.")
    if not np.isfinite(y).all():
        raise ValueError("y must be finite.")
    if x.size > 1 and not np.all(np.diff(x.astype(np.float64)) > 0):
        raise ValueError("x must be strictly increasing.")
    if not S >= 0:
        raise ValueError(f"S must be a number >= 0, got {S!r}.")
    xn, diff = difference_curve(x, y, curve, direction)
    # In the concave-increasing frame a decreasing curve runs right to left.
    reverse = (curve == "convex") == (direction == "increasing")
    order = np.arange(x.size)[::-1] if reverse else np.arange(x.size)
    index, threshold = _first_knee(xn[order] if not reverse else 1.0 - xn[order], diff[order], S)
    if index is None:
        return Knee(None, None, xn, diff, None)
    i = int(order[index])
    return Knee(x[i].item(), i, xn, diff, threshold)


def _first_knee(xs, d, S):
    """Index (into ``xs``/``d``, ``xs`` increasing) of the first knee and the
    threshold it crossed, or ``(None, None)``."""
    n = d.size
    if n < 3:
        return None, None
    step = float(np.mean(np.diff(xs)))
    candidate, threshold = None, None
    for i in range(1, n):
        is_max = i < n - 1 and d[i - 1] < d[i] >= d[i + 1]
        is_min = i < n - 1 and d[i - 1] > d[i] <= d[i + 1]
        if candidate is not None and d[i] < threshold:
            return candidate, threshold
        if is_max:
            candidate, threshold = i, d[i] - S * step
        elif is_min:
            candidate, threshold = None, None
    return None, None


def find_knee(
    x: Any, y: Any, *, S: float = 1.0, curve: str = "convex", direction: str = "decreasing"
) -> Any:
    """The ``x`` of the first Kneedle knee of ``y(x)``, or None (see :func:`kneedle`).

    Examples
    --------
    >>> find_knee(range(1, 9), [100, 40, 12, 10, 9, 8, 7, 6])
    3
    """
    return kneedle(x, y, S=S, curve=curve, direction=direction).knee
