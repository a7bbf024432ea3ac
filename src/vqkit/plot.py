"""Plots of clustering results (matplotlib, optional: ``pip install vqkit[plot]``).

Figures are built with ``matplotlib.figure.Figure`` directly, never through
``pyplot``'s global state, so they work without a display.
"""

import os

from ._files import atomic_write


def _require_matplotlib():
    import importlib

    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib; install it with "
            "`pip install 'vqkit[plot]'` (or `pip install matplotlib`)"
        ) from exc


def new_figure(ncols=1, *, width=6.0, height=5.0):
    """A headless figure with ``ncols`` axes side by side: ``(fig, axes)``."""
    _require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def clusters(ax, X, labels, centers, *, title=None, center_label="Centroids"):
    """Scatter 2-D points coloured by cluster, with the centres as red crosses.

    Returns ``ax``.  Only the first two features are drawn.
    """
    for j in range(len(centers)):
        members = X[labels == j]
        ax.scatter(members[:, 0], members[:, 1], s=14, label=f"Cluster {j + 1}")
    ax.scatter(
        centers[:, 0], centers[:, 1], c="red", marker="X", s=200, label=center_label
    )
    if title:
        ax.set_title(title)
    ax.set_xlabel("Feature 1")
    ax.set_ylabel("Feature 2")
    ax.legend(loc="best", fontsize="small")
    return ax


def save_figure(fig, path, *, dpi=100):
    """Write ``fig`` to ``path`` atomically: a complete file or none at all
    (an existing file is never left half-written).  The format follows the
    file name's extension (PNG when it has none)."""
    suffix = os.path.splitext(os.fspath(path))[1] or ".png"
    return atomic_write(
        path, lambda fh: fig.savefig(fh, format=suffix.lstrip(".").lower(), dpi=dpi),
        suffix=suffix,
    )
