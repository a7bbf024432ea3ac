"""Figures of scores: the elbow (inertia against k), the gap statistic with
its error bars, a score against k with its pick, and the silhouette plot."""

from __future__ import annotations

import math
import numbers
import os
import warnings
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ._figure import figure_and_axes, finish
from ._inputs import check_curve, check_data, check_k_in
from ._style import integer_ticks, mark_k, palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["elbow", "gap", "silhouette"]


def elbow(
    ks: ArrayLike,
    inertia: ArrayLike,
    *,
    knee: int | None = None,
    ax: Axes | None = None,
    path: str | os.PathLike[str] | None = None,
    title: str | None = "Elbow method",
) -> Figure:
    """Inertia against the number of clusters, with the knee marked.

    Parameters
    ----------
    ks : sequence of int
        The numbers of clusters tried (distinct; any order).
    inertia : sequence of float
        Inertia (sum of squared distances to the nearest centre) for each k;
        NaN for a k that was not fitted.
    knee : int, optional
        The knee (elbow) of the curve, one of ``ks``, marked with a dashed
        vertical line and an annotation.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    path : str or path-like, optional
        Save the figure to this file (format from the extension).
    title : str, default "Elbow method"
        Axes title (None for none).

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure that owns ``ax``.

    Raises
    ------
    ValueError
        When ``ks`` and ``inertia`` differ in length, ``ks`` repeats a value
        or holds non-integers, or ``knee`` is not one of ``ks``.

    Examples
    --------
    >>> from vqkit import plot
    >>> fig = plot.elbow([1, 2, 3, 4, 5, 6], [900, 420, 130, 110, 95, 88], knee=3)
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel()
    'number of clusters k'
    >>> [t.get_text() for t in ax.texts]
    ['knee: k = 3']
    >>> fig = plot.elbow(range(1, 7), [900, 420, 130, 110, 95, 88], knee=3,
    ...                  path="elbow.png")  # doctest: +SKIP
    """
    fig, ax = figure_and_axes(ax, 6.0, 4.5)
    ks, values, _ = check_curve(ks, inertia, "inertia")
    knee = check_k_in(knee, ks, "knee")
    ax.plot(ks, values, marker="o", color="C0", lw=1.8, ms=5, zorder=2)
    if knee is not None:
        mark_k(ax, ks, values, knee, f"knee: k = {knee}")
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("inertia (sum of squared distances)")
    integer_ticks(ax, ks)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return finish(fig, path)


def gap(
    ks: ArrayLike,
    gap: ArrayLike,
    gap_sd: ArrayLike,
    *,
    best_k: int | None = None,
    ax: Axes | None = None,
    path: str | os.PathLike[str] | None = None,
    title: str | None = "Gap statistic",
) -> Figure:
    """The gap statistic against k with its ±s(k) error bars.

    Parameters
    ----------
    ks : sequence of int
        The numbers of clusters tried (distinct; any order).
    gap : sequence of float
        Gap(k) for each k (NaN where not computed).
    gap_sd : sequence of float
        s(k), the simulation error of Gap(k), drawn as error bars (>= 0; NaN
        where not computed).
    best_k : int, optional
        The k chosen by the gap rule, one of ``ks``, marked with a dashed
        line and an annotation.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    path : str or path-like, optional
        Save the figure to this file (format from the extension).
    title : str, default "Gap statistic"
        Axes title (None for none).

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure that owns ``ax``.

    Raises
    ------
    ValueError
        For lengths that differ, a negative ``gap_sd``, or a ``best_k`` that
        is not one of ``ks``.

    Examples
    --------
    >>> from vqkit import plot
    >>> fig = plot.gap([1, 2, 3, 4, 5], [0.2, 0.6, 1.1, 1.05, 1.0],
    ...                [0.02, 0.03, 0.03, 0.04, 0.04], best_k=3)
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['chosen k = 3']
    """
    fig, ax = figure_and_axes(ax, 6.0, 4.5)
    draw_gap(ax, ks, gap, gap_sd, best_k, title, "chosen k = {}")
    return finish(fig, path)


def draw_gap(
    ax: Axes,
    ks: ArrayLike,
    gap: ArrayLike,
    gap_sd: ArrayLike,
    best_k: int | None,
    title: str | None,
    mark: str,
) -> None:
    """Validate and draw the gap curve into ``ax``; ``mark`` formats the
    annotation of ``best_k``."""
    ks, values, order = check_curve(ks, gap, "gap")
    sd = np.asarray(gap_sd, dtype=np.float64)
    if sd.ndim != 1 or sd.shape[0] != ks.shape[0]:
        raise ValueError(
            f"gap_sd must be 1-D with one value per k ({ks.shape[0]}), got shape {sd.shape}."
        )
    sd = sd[order]
    if np.isinf(sd).any() or (sd < 0).any():
        raise ValueError("gap_sd must be finite and non-negative (NaN marks a missing value).")
    best_k = check_k_in(best_k, ks, "best_k")
    ax.errorbar(
        ks,
        values,
        yerr=np.nan_to_num(sd),
        marker="o",
        ms=5,
        lw=1.8,
        capsize=4,
        color="C0",
        ecolor="0.35",
        elinewidth=1.2,
        zorder=2,
    )
    if best_k is not None:
        mark_k(ax, ks, values, best_k, mark.format(best_k), spread=sd)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("Gap(k) ± s(k)")
    integer_ticks(ax, ks)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)


def score_curve(
    ax: Axes, ks: ArrayLike, values: ArrayLike, pick: int | None, title: str, ylabel: str
) -> None:
    """One score against k with the method's pick marked."""
    ks, values, _ = check_curve(ks, values, title)
    ax.plot(ks, values, marker="o", color="C0", lw=1.8, ms=5, zorder=2)
    if pick is not None:
        mark_k(ax, ks, values, pick, f"pick: k = {pick}")
    ax.set_title(title)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel(ylabel)
    integer_ticks(ax, ks)
    ax.grid(alpha=0.3)


def silhouette(
    X: ArrayLike,
    labels: ArrayLike,
    *,
    ax: Axes | None = None,
    path: str | os.PathLike[str] | None = None,
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    title: str | None = None,
) -> Figure:
    """The silhouette plot: every point's silhouette, sorted, cluster by cluster.

    Each cluster is a band of horizontal bars, one per point, sorted from
    the largest silhouette (top of the band) to the smallest; a red dashed
    line marks the mean silhouette.  Bars to the left of 0 are points that
    lie closer to another cluster than to their own.  The silhouettes are
    computed with :func:`vqkit.metrics.silhouette_samples` (``O(n^2 d)``
    time).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The data (finite).
    labels : array_like, shape (n_samples,)
        Cluster label of each row (integers, such as ``KMeans.labels_``, or
        any other labels); 2 to ``n_samples - 1`` distinct values.  Cluster
        numbers get the same colours as in :func:`clusters`.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    path : str or path-like, optional
        Save the figure to this file (format from the extension).
    sample_size : int, optional
        Plot a random sample of this many rows (the silhouettes are then
        computed within the sample, as ``silhouette_score`` does).  When
        ``X`` has more than :data:`vqkit.metrics.exact_max` rows and no
        ``sample_size`` is given, a sample of ``exact_max`` rows is used and
        a ``UserWarning`` says so.  The title says when a sample was used.
    random_state : None, int, RandomState or Generator
        Randomness for the sample (``None``: NumPy's global random state).
    title : str, optional
        Axes title; by default it gives the number of points and clusters.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure that owns ``ax``.

    Raises
    ------
    ValueError
        When ``labels`` has the wrong length or not 2 to ``n_samples - 1``
        distinct values, or ``sample_size`` is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import KMeans, plot
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(m, 0.6, (40, 2)) for m in (0, 3, 6)])
    >>> labels = KMeans(3, random_state=0).fit_predict(X)
    >>> fig = plot.silhouette(X, labels)
    >>> len(fig.axes[0].collections)   # one band per cluster
    3
    >>> fig = plot.silhouette(X, labels, path="silhouette.png")  # doctest: +SKIP
    """
    fig, ax = figure_and_axes(ax, 6.0, 5.0)
    from .. import metrics
    from ..core.random import check_random_state

    X = check_data(X)
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1 or labels.shape[0] != X.shape[0]:
        raise ValueError(
            f"labels has shape {labels.shape} but X has {X.shape[0]} rows; "
            "there must be one label per row."
        )
    n_total = X.shape[0]
    if sample_size is None and n_total > metrics.exact_max:
        sample_size = int(metrics.exact_max)
        warnings.warn(
            f"silhouette: X has {n_total} rows, more than vqkit.metrics.exact_max="
            f"{metrics.exact_max}; plotting a random sample of {sample_size} rows. "
            "Pass sample_size= to choose the sample size.",
            UserWarning,
            stacklevel=2,
        )
    if sample_size is not None:
        if (
            isinstance(sample_size, bool)
            or not isinstance(sample_size, (numbers.Integral, np.integer))
            or sample_size < 1
        ):
            raise ValueError(
                f"sample_size must be a positive integer or None, got {sample_size!r}."
            )
        rng = check_random_state(random_state)
        rows = rng.permutation(n_total)[:sample_size]
        X, labels = X[rows], labels[rows]
    n = X.shape[0]
    values = metrics.silhouette_samples(X, labels)
    mean = float(values.mean())

    present, codes = np.unique(labels, return_inverse=True)
    codes = codes.ravel()
    k = present.size
    # colour a cluster number as clusters() does; other labels in sorted order
    by_value = present.dtype.kind in "iu" and present.min() >= 0
    colours = palette(int(present.max()) + 1 if by_value else k)
    gap_rows = max(2.0, 0.02 * n)
    top = 0.0
    centres = []
    for i, lab in enumerate(present):
        s = np.sort(values[codes == i])[::-1]
        y = top + np.arange(s.size)
        colour = colours[int(lab)] if by_value else colours[i]
        ax.fill_betweenx(
            y, 0.0, s, step="mid", facecolor=colour, edgecolor=colour, linewidth=0.3, alpha=0.85
        )
        centres.append(top + (s.size - 1) / 2)
        top += s.size + gap_rows
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.axvline(mean, color="red", ls="--", lw=1.4, label=f"mean silhouette = {mean:.3f}")
    ax.set_ylim(top - gap_rows / 2, -gap_rows / 2)  # first cluster at the top
    step = max(1, math.ceil(k / 25))
    ax.set_yticks(centres[::step], [str(v) for v in present[::step]])
    ax.tick_params(axis="y", length=0)
    lo = float(values.min())
    ax.set_xlim(min(-0.1, lo - 0.05), 1.0)
    ax.set_xlabel("silhouette coefficient")
    ax.set_ylabel("cluster")
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    if title is None:
        title = (
            f"Silhouette plot: {n} points in {k} clusters"
            if n == n_total
            else f"Silhouette plot: {k} clusters\n(random sample of {n} of {n_total} rows)"
        )
    if title:
        ax.set_title(title)
    return finish(fig, path)
