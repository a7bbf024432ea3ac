"""Headless figures: making them, finding the one that owns an axes, and
saving them atomically.  matplotlib is imported only when a figure is made."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

from ..io.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def require_matplotlib() -> None:
    """Raise an ``ImportError`` that names the ``plot`` extra when matplotlib
    is missing."""
    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib; install it with "
            "`pip install 'vqkit[plot]'` (or `pip install matplotlib`)"
        ) from exc


def new_figure(
    ncols: int = 1, *, width: float = 6.0, height: float = 5.0, nrows: int = 1
) -> tuple[Figure, list[Axes]]:
    """A headless figure with ``nrows x ncols`` axes: ``(fig, axes)``.

    ``axes`` is a flat list, row by row.  The figure is a plain
    ``matplotlib.figure.Figure`` with constrained layout, not registered
    with ``pyplot``; each axes gets ``width x height`` inches.
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, list(axes.ravel())


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: float = 100) -> str:
    """Write ``fig`` to ``path`` atomically: a complete file or none at all
    (an existing file is never left half-written).  The format follows the
    file name's extension (PNG when it has none).  Returns ``path``."""
    suffix = os.path.splitext(os.fspath(path))[1] or ".png"
    return atomic_write(
        path,
        lambda fh: fig.savefig(fh, format=suffix.lstrip(".").lower(), dpi=dpi),
        suffix=suffix,
    )


def root_figure(ax: Axes) -> Figure:
    """The top-level Figure that owns ``ax`` (also for axes in a SubFigure)."""
    from matplotlib.figure import Figure

    fig = ax.figure
    while not isinstance(fig, Figure) and getattr(fig, "figure", None) is not None:
        if fig.figure is fig:
            break
        fig = fig.figure
    return fig


def figure_and_axes(
    ax: Axes | None, width: float = 6.0, height: float = 5.0
) -> tuple[Figure, Axes]:
    """A new figure with one axes of ``width x height`` inches, or the
    figure that owns ``ax``."""
    require_matplotlib()
    if ax is None:
        fig, (ax,) = new_figure(1, width=width, height=height)
        return fig, ax
    if not hasattr(ax, "scatter") or not hasattr(ax, "figure"):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    return root_figure(ax), ax


def finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    """Save ``fig`` to ``path`` when one is given; return ``fig``."""
    if path is not None:
        save_figure(fig, path)
    return fig
