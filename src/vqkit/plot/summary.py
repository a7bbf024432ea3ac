"""The summary figure of a ``choose_k`` result: every criterion's evidence,
the recommendation, and the clusters at ``best_k``."""

from __future__ import annotations

import math
import os
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._figure import finish, new_figure, require_matplotlib
from ._inputs import check_data
from .points import clusters
from .scores import draw_gap, elbow, score_curve

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["choose_k_summary"]

# score panels: (table column = method name, panel title, y label)
_SCORE_PANELS = [
    ("silhouette", "Silhouette (higher is better)", "mean silhouette"),
    ("calinski_harabasz", "Calinski–Harabasz (higher is better)", "CH index"),
    ("davies_bouldin", "Davies–Bouldin (lower is better)", "DB index"),
]
_STRENGTH_PANEL = ("prediction_strength", "Prediction strength", "mean prediction strength")
#: Characters of monospace text per inch at the notes' font size.
_CHARS_PER_INCH = 72 / (8.5 * 0.62)
#: Height in inches of one line of the notes.
_LINE_INCHES = 8.5 * 1.35 / 72


def _column(result: Any, name: str, n: int) -> np.ndarray | None:
    table = getattr(result, "table", None) or {}
    if name not in table or table[name] is None:
        return None
    col = np.asarray(table[name], dtype=np.float64)
    if col.shape != (n,):
        raise ValueError(
            f"result.table[{name!r}] has shape {col.shape}; expected one value per k ({n})."
        )
    return None if np.isnan(col).all() else col


def _pick(result: Any, method: str, ks: np.ndarray) -> int | None:
    """The k that ``method`` picked, or None (no pick, or not one of ``ks``)."""
    k = (getattr(result, "picks", None) or {}).get(method)
    return int(k) if k is not None and int(k) in set(ks.tolist()) else None


def _summary_text(ax: Axes, result: Any, best_k: int | None) -> None:
    """The picks and notes as text in an empty axes."""
    ax.set_axis_off()
    picks = dict(getattr(result, "picks", None) or {})
    methods = list(getattr(result, "methods", ()) or picks.keys())
    for name in picks:
        if name not in methods:
            methods.append(name)
    width = max([len(m) for m in methods] + [6])
    lines = [f"best k = {best_k}" + ("" if best_k is None else "  (grey band)"), ""]
    if methods:
        lines.append("picks by method:")
        for m in methods:
            k = picks.get(m)
            lines.append(f"  {m:<{width}}  {'—' if k is None else k}")
    votes = getattr(result, "votes", None) or {}
    if votes:
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append("")
        lines.append("votes: " + ", ".join(f"k={k}: {v}" for k, v in ranked if v))
    ks = list(getattr(result, "ks", ()))
    if ks:
        lines.append("")
        lines.append(
            f"k tried: {ks[0]} … {ks[-1]}"
            if ks == list(range(ks[0], ks[-1] + 1))
            else "k tried: " + ", ".join(map(str, ks))
        )
    explanation = getattr(result, "explanation", None)
    if explanation:
        lines.append("")
        lines.extend(textwrap.wrap(f"vote: {explanation}", 46, subsequent_indent="  "))
    ax.text(
        0.0,
        1.0,
        "\n".join(lines),
        transform=ax.transAxes,
        va="top",
        ha="left",
        family="monospace",
        fontsize=8.5,
        linespacing=1.35,
    )
    ax.set_title("Recommendation")


def _note_lines(result: Any, width_inches: float) -> list[str]:
    """The notes of ``result`` wrapped to the width of the figure."""
    chars = max(40, int(width_inches * _CHARS_PER_INCH) - 4)
    lines = []
    for note in (str(n) for n in (getattr(result, "notes", None) or [])):
        lines.extend(textwrap.wrap(note, chars, initial_indent="• ", subsequent_indent="  "))
    return ["notes:"] + lines if lines else []


def _reserve_bottom(fig: Figure, inches: float) -> float:
    """Keep the bottom ``inches`` of ``fig`` free of axes (constrained
    layout lays the panels out above it); the strip's height as a fraction
    of the figure."""
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + inches)
    fraction = inches / (height + inches)
    fig.get_layout_engine().set(rect=(0, fraction, 1, 1 - fraction))
    return fraction


def choose_k_summary(
    result: Any,
    *,
    X: ArrayLike | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """One figure with the evidence of a ``choose_k`` result.

    Panels (each one skipped when its scores are all NaN, i.e. the method
    was not run): the elbow curve with its knee; the silhouette,
    Calinski–Harabasz, Davies–Bouldin and prediction-strength scores
    against k, each with the method's pick marked (prediction strength
    with its threshold, ``result.strength_threshold``, 0.8 by default);
    the gap statistic with its error bars and pick; the picks of every
    method, the recommended ``best_k`` and how the vote reached it as
    text; and, when ``X`` is given, the clusters at ``best_k`` (projected
    with PCA when ``X`` has more than two features).  The notes are
    printed in full beneath the panels.  ``best_k`` is shaded in every
    score panel.

    Parameters
    ----------
    result : ChooseKResult
        The result of :func:`vqkit.choose_k` (or any object with its
        attributes ``ks``, ``table``, ``picks``, ``best_k``, ``knee``,
        ``notes``, ``methods`` and, for ``X``, ``models``).
    X : array_like, shape (n_samples, n_features), optional
        The data that was clustered; adds the cluster plot at ``best_k``
        (labels from ``models[best_k].labels_``, or its ``predict(X)`` when
        ``X`` is not the data it was fitted on).
    path : str or path-like, optional
        Save the figure to this file (format from the extension).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the table's columns do not match ``ks``, ``best_k`` is not one
        of ``ks``, or ``X`` is given and ``result.models`` has no model for
        ``best_k``.

    Examples
    --------
    A stand-in with the attributes of a ``choose_k`` result (elbow and
    silhouette computed, the other columns not):

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from vqkit import plot
    >>> nan = np.full(4, np.nan)
    >>> result = SimpleNamespace(
    ...     ks=(1, 2, 3, 4), methods=("elbow", "silhouette"),
    ...     table={"inertia": np.array([900.0, 300, 120, 100]),
    ...            "silhouette": np.array([np.nan, 0.55, 0.71, 0.52]),
    ...            "calinski_harabasz": nan, "davies_bouldin": nan,
    ...            "gap": nan, "gap_sd": nan, "prediction_strength": nan},
    ...     picks={"elbow": 3, "silhouette": 3}, best_k=3, knee=3, notes=[],
    ...     models={})
    >>> fig = plot.choose_k_summary(result)
    >>> [ax.get_title() for ax in fig.axes]
    ['Elbow (inertia)', 'Silhouette (higher is better)', 'Recommendation']
    """
    require_matplotlib()
    ks = np.asarray(result.ks)
    if ks.ndim != 1 or ks.size == 0:
        raise ValueError(f"result.ks must be a non-empty sequence of k, got {result.ks!r}.")
    ks = ks.astype(np.int64)
    n_k = ks.size
    best_k = getattr(result, "best_k", None)
    best_k = None if best_k is None else int(best_k)
    if best_k is not None and best_k not in set(ks.tolist()):
        raise ValueError(f"result.best_k={best_k} is not one of result.ks ({ks.tolist()}).")

    panels: list[tuple[str, Any]] = []  # (kind, payload)
    inertia = _column(result, "inertia", n_k)
    if inertia is not None:
        knee = getattr(result, "knee", None)
        knee = int(knee) if knee is not None and int(knee) in set(ks.tolist()) else None
        panels.append(("elbow", (inertia, knee)))
    for column, title, ylabel in _SCORE_PANELS:
        values = _column(result, column, n_k)
        if values is not None:
            panels.append(("score", (values, _pick(result, column, ks), title, ylabel)))
    g = _column(result, "gap", n_k)
    if g is not None:
        sd = _column(result, "gap_sd", n_k)
        sd = np.zeros(n_k) if sd is None else sd
        panels.append(("gap", (g, sd, _pick(result, "gap", ks))))
    column, title, ylabel = _STRENGTH_PANEL
    values = _column(result, column, n_k)
    if values is not None:
        panels.append(("score", (values, _pick(result, column, ks), title, ylabel)))
    panels.append(("text", None))

    labels = centres = None
    if X is not None:
        if best_k is None:
            raise ValueError("result.best_k is None; there is no clustering to draw for X.")
        models = getattr(result, "models", None) or {}
        model = models.get(best_k)
        if model is None:
            raise ValueError(
                f"result.models has no model for best_k={best_k}; cannot draw the "
                "clusters of X (call without X, or keep the fitted models)."
            )
        X = check_data(X)
        centres = np.asarray(model.cluster_centers_)
        fitted = getattr(model, "labels_", None)
        if fitted is not None and len(fitted) == X.shape[0]:
            labels = np.asarray(fitted)
        else:
            labels = np.asarray(model.predict(X))
        panels.append(("clusters", None))

    n_panels = len(panels)
    ncols = {1: 1, 2: 2, 3: 3, 4: 2}.get(n_panels, 3 if n_panels <= 6 else 4)
    nrows = math.ceil(n_panels / ncols)
    width, height = 4.6, 3.7
    notes = _note_lines(result, width * ncols)
    fig, axes = new_figure(ncols, nrows=nrows, width=width, height=height)
    if notes:
        # beneath the panels, across the figure: never cut short
        top = _reserve_bottom(fig, (len(notes) + 1) * _LINE_INCHES + 0.15)
        fig.text(
            0.01,
            top,
            "\n".join(notes),
            va="top",
            ha="left",
            family="monospace",
            fontsize=8.5,
            linespacing=1.35,
        )
    for ax in axes[n_panels:]:
        ax.set_axis_off()

    def shade(ax: Axes) -> None:
        if best_k is not None:
            ax.axvspan(best_k - 0.4, best_k + 0.4, color="0.88", zorder=0, lw=0)

    for ax, (kind, payload) in zip(axes, panels):
        if kind == "elbow":
            values, knee = payload
            shade(ax)
            elbow(ks, values, knee=knee, ax=ax, title="Elbow (inertia)")
            ax.set_ylabel("inertia")
        elif kind == "score":
            values, pick, title, ylabel = payload
            shade(ax)
            score_curve(ax, ks, values, pick, title, ylabel)
            if title == _STRENGTH_PANEL[1]:
                threshold = float(getattr(result, "strength_threshold", 0.8))
                ax.axhline(threshold, color="C3", ls="--", lw=1.2, zorder=1)
                ax.annotate(
                    f"threshold {threshold:g}",
                    (0.98, threshold),
                    xycoords=("axes fraction", "data"),
                    xytext=(0, 3),
                    textcoords="offset points",
                    color="C3",
                    fontsize="small",
                    ha="right",
                )
        elif kind == "gap":
            values, sd, pick = payload
            shade(ax)
            draw_gap(ax, ks, values, sd, pick, "Gap statistic", "pick: k = {}")
        elif kind == "text":
            _summary_text(ax, result, best_k)
        elif kind == "clusters":
            from matplotlib.ticker import MaxNLocator

            clusters(X, labels, centres, ax=ax, title=f"Clusters at best k = {best_k}")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
            if ax.get_legend() is not None:  # the numbered centres suffice here
                ax.get_legend().remove()
        if kind in ("elbow", "score", "gap"):
            ax.set_xlim(ks.min() - 0.6, ks.max() + 0.6)
    fig.suptitle(
        "Choosing k" + ("" if best_k is None else f": best k = {best_k}"),
        fontsize="x-large",
        fontweight="bold",
    )
    return finish(fig, path)
