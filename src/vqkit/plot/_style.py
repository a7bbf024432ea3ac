"""The look shared by the plots: colours, point sizes, ticks, numbered
centres, legends and the mark of a chosen k."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.legend import Legend

#: Colour of the marks that single out a chosen k (knee, gap pick, ...).
PICK_COLOUR = "#d62728"
#: Up to this many clusters get a legend entry each; above it the cluster
#: numbers written on the centres identify the clusters.
MAX_LEGEND = 10
#: Up to this many centres get their cluster number written on them.
MAX_NUMBERED = 30


def palette(k: int) -> np.ndarray:
    """``k`` distinct RGBA colours (k x 4): tab10 / tab20, then a colour map."""
    from matplotlib import colormaps

    if k <= 10:
        return colormaps["tab10"](np.arange(k))
    if k <= 20:
        return colormaps["tab20"](np.arange(k))
    # many clusters: a rainbow map, walked in strides so that consecutive
    # cluster numbers get clearly different colours
    colours = colormaps["turbo"](np.linspace(0.05, 0.95, k))
    step = next(s for s in (7, 11, 13, 1) if math.gcd(k, s) == 1)
    return colours[(np.arange(k) * step) % k]


def lighten(colours: np.ndarray, amount: float) -> np.ndarray:
    """Mix RGBA ``colours`` with white (``amount`` = share of white)."""
    out = np.array(colours, dtype=float, copy=True)
    out[:, :3] = out[:, :3] * (1 - amount) + amount
    return out


def point_style(n: int) -> tuple[float, float]:
    """Marker size (points^2) and alpha that suit ``n`` points."""
    size = float(np.clip(4000.0 / n, 3.0, 30.0))
    alpha = 0.85 if n <= 1000 else 0.7 if n <= 20000 else 0.4
    return size, alpha


def integer_ticks(ax: Axes, ks: np.ndarray) -> None:
    """A tick at every k when there are few, else whole-number ticks."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if len(ks) <= 12:
        ax.xaxis.set_major_locator(FixedLocator(ks))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def draw_centres(ax: Axes, C: np.ndarray, label: str) -> PathCollection:
    """Centres as white discs with black rims, each with its cluster number
    (white crosses, no numbers, when there are too many to number)."""
    k = C.shape[0]
    if k <= MAX_NUMBERED:
        handle = ax.scatter(
            C[:, 0],
            C[:, 1],
            s=260 if k < 10 else 320,
            marker="o",
            c="white",
            edgecolors="black",
            linewidths=1.3,
            zorder=4,
            label=label,
        )
        for j, (cx, cy) in enumerate(C):
            ax.annotate(
                str(j),
                (cx, cy),
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold",
                zorder=5,
                annotation_clip=True,
            )
    else:
        handle = ax.scatter(
            C[:, 0],
            C[:, 1],
            s=90,
            marker="X",
            c="white",
            edgecolors="black",
            linewidths=1.0,
            zorder=4,
            label=label,
        )
    return handle


def cluster_legend(
    ax: Axes, colours: np.ndarray, centre_handle: PathCollection, n: int
) -> Legend | None:
    """A legend entry per cluster and one for the centres (none above
    :data:`MAX_LEGEND` clusters); outside the axes when there are many points."""
    from matplotlib.lines import Line2D

    k = len(colours)
    if k > MAX_LEGEND:
        return None
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=6,
            markerfacecolor=colours[j],
            markeredgecolor="none",
            label=f"cluster {j}",
        )
        for j in range(k)
    ]
    # the centres' entry: their marker at legend size
    marker = "o" if len(colours) <= MAX_NUMBERED else "X"
    handles.append(
        Line2D(
            [],
            [],
            ls="",
            marker=marker,
            markersize=11,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=1.2,
            label=centre_handle.get_label(),
        )
    )
    if n <= 5000:
        return ax.legend(
            handles=handles, loc="best", fontsize="small", framealpha=0.85, ncols=2 if k > 5 else 1
        )
    # many points cover the whole plot (and "best" would scan them all):
    # the legend goes outside, to the right
    return ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0,
        fontsize="small",
        frameon=False,
    )


def mark_k(
    ax: Axes,
    ks: np.ndarray,
    values: np.ndarray,
    k: int,
    text: str,
    colour: str = PICK_COLOUR,
    spread: np.ndarray | None = None,
) -> None:
    """A dashed vertical line and a ring at ``k``, with ``text`` beside the
    line at the top or the bottom of the axes, away from the curve there."""
    y = values[np.searchsorted(ks, k)]
    ax.axvline(k, color=colour, ls="--", lw=1.2, zorder=1)
    span = None  # (lowest, highest) of the curve with its spread
    finite = np.isfinite(values)
    if finite.any():
        extra = np.zeros_like(values) if spread is None else np.nan_to_num(spread)
        span = (float(np.min((values - extra)[finite])), float(np.max((values + extra)[finite])))
    at_top = True
    if np.isfinite(y):
        ax.plot([k], [y], ls="", marker="o", ms=12, mfc="none", mec=colour, mew=2, zorder=3)
        if span is not None and span[1] > span[0]:
            low, high = span
            at_top = (y - low) / (high - low) <= 0.5
    right = k <= (ks[0] + ks[-1]) / 2
    ax.annotate(
        text,
        (k, 0.96 if at_top else 0.04),
        xycoords=ax.get_xaxis_transform(),
        xytext=(6 if right else -6, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="top" if at_top else "bottom",
        color=colour,
        fontsize="small",
        zorder=4,
    )
