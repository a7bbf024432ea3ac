"""Figures of the data: points coloured by cluster with their centres, and
the Voronoi regions of the centres."""

from __future__ import annotations

import numbers
import os
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ._figure import figure_and_axes, finish
from ._inputs import check_data, check_labels, column_names
from ._style import MAX_NUMBERED, cluster_legend, draw_centres, lighten, palette, point_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["clusters", "voronoi"]


def _pca_2d(X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project ``X`` and ``C`` on the first two principal components of ``X``.

    Returns ``(X2, C2, ratios)`` with ``ratios`` the share of the total
    variance along each of the two axes.  Signs are fixed so that each
    component's largest loading is positive (the result is deterministic).
    """
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = Xc.T @ Xc
    all_evals, evecs = np.linalg.eigh(cov)
    all_evals = np.clip(all_evals, 0.0, None)
    order = np.argsort(all_evals)[::-1][:2]
    comps = evecs[:, order]
    biggest = np.argmax(np.abs(comps), axis=0)
    comps = comps * np.where(comps[biggest, np.arange(2)] < 0, -1.0, 1.0)
    total = all_evals.sum()
    ratios = all_evals[order] / total if total > 0 else np.zeros(2)
    return Xc @ comps, (C - mean) @ comps, ratios


def clusters(
    X: ArrayLike,
    labels: ArrayLike,
    centers: ArrayLike,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    center_label: str = "centres",
) -> Figure:
    """Scatter plot of the points coloured by cluster, with the centres marked.

    Data with two features are drawn as they are.  With more, the points and
    the centres are projected on the first two principal components of
    ``X`` (the same projection for both) and the axis labels say how much of
    the variance each component holds, for example ``PC1 (61.2% variance)``.
    One feature is drawn as a strip: the value across, the cluster up.  The
    axes of drawn features are labelled with the column names of a
    DataFrame (pandas, polars), else ``X[:, j]``.

    Each centre is a white disc with its cluster number on it.  Up to 10
    clusters also get a legend; with more, the numbers on the centres name
    them (and above 30 clusters the centres are plain white crosses).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The data (finite).
    labels : array_like of int, shape (n_samples,)
        Cluster number of each row, from 0 to ``len(centers) - 1`` (such as
        ``KMeans.labels_`` or the codes from :func:`vqkit.vq`).
    centers : array_like, shape (n_clusters, n_features)
        The cluster centres (such as ``KMeans.cluster_centers_``).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    title : str, optional
        Axes title.
    path : str or path-like, optional
        Save the figure to this file (format from the extension).
    center_label : str, default "centres"
        Legend entry for the centres (for example "codebook vectors").

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure that owns ``ax``.

    Raises
    ------
    ValueError
        When ``X`` is not a finite 2-D array, ``centers`` has a different
        number of features, or ``labels`` has the wrong length or values
        outside ``0 .. n_clusters - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import KMeans, plot
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(m, 0.5, (50, 2)) for m in (0, 3, 6)])
    >>> km = KMeans(3, random_state=0).fit(X)
    >>> fig = plot.clusters(X, km.labels_, km.cluster_centers_, title="k = 3")
    >>> fig.axes[0].get_title()
    'k = 3'
    >>> fig = plot.clusters(X, km.labels_, km.cluster_centers_,
    ...                     path="clusters.png")  # doctest: +SKIP

    Four features are projected on two principal components:

    >>> X4 = np.concatenate([rng.normal(m, 0.5, (50, 4)) for m in (0, 3)])
    >>> km = KMeans(2, random_state=0).fit(X4)
    >>> ax = plot.clusters(X4, km.labels_, km.cluster_centers_).axes[0]
    >>> ax.get_xlabel().startswith("PC1 (")
    True
    """
    fig, ax = figure_and_axes(ax)
    table = X
    X = check_data(X)
    C = check_data(centers, "centers")
    n, d = X.shape
    names = column_names(table, d)
    if C.shape[1] != d:
        raise ValueError(f"centers has {C.shape[1]} features but X has {d}; they must match.")
    k = C.shape[0]
    labels = check_labels(labels, n, k)
    colours = palette(k)
    size, alpha = point_style(n)

    if d == 1:
        # a strip: value across, cluster up (with a little fixed jitter)
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, n)
        X2 = np.column_stack([X[:, 0], labels + jitter])
        C2 = np.column_stack([C[:, 0], np.arange(k)])
        xlabel, ylabel = names[0], "cluster"
    elif d == 2:
        X2, C2 = X, C
        xlabel, ylabel = names
    else:
        X2, C2, ratios = _pca_2d(X, C)
        xlabel = f"PC1 ({100 * ratios[0]:.1f}% variance)"
        ylabel = f"PC2 ({100 * ratios[1]:.1f}% variance)"

    ax.scatter(
        X2[:, 0],
        X2[:, 1],
        c=colours[labels],
        s=size,
        alpha=alpha,
        linewidths=0,
        rasterized=n > 5000,
        zorder=2,
    )
    handle = draw_centres(ax, C2, center_label)
    if d == 1:
        ax.set_yticks(np.arange(k) if k <= MAX_NUMBERED else [])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    cluster_legend(ax, colours, handle, n)
    return finish(fig, path)


def _voronoi_cells(C: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The Voronoi cell of every centre inside ``box = (x0, x1, y0, y1)``,
    as polygons (arrays of vertices, possibly empty), by clipping the box
    with the half-plane of points nearer to the centre than to each other
    centre.  Equal centres: the first one keeps the cell (as :func:`vqkit.vq`
    breaks ties)."""
    x0, x1, y0, y1 = box
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    scale = max(x1 - x0, y1 - y0)
    cells = []
    for i, ci in enumerate(C):
        poly = square
        for j, cj in enumerate(C):
            if j == i:
                continue
            normal = cj - ci
            if np.hypot(*normal) <= 1e-12 * scale:
                if j < i:
                    poly = np.empty((0, 2))
                    break
                continue
            offset = 0.5 * (cj @ cj - ci @ ci)
            poly = _clip(poly, normal, offset)
            if len(poly) == 0:
                break
        cells.append(poly)
    return cells


def _clip(poly: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """Keep the part of convex polygon ``poly`` where ``normal . p <= offset``."""
    if len(poly) == 0:
        return poly
    side = poly @ normal - offset
    out = []
    m = len(poly)
    for a in range(m):
        b = (a + 1) % m
        pa, pb, sa, sb = poly[a], poly[b], side[a], side[b]
        if sa <= 0:
            out.append(pa)
        if (sa < 0 < sb) or (sb < 0 < sa):
            t = sa / (sa - sb)
            out.append(pa + t * (pb - pa))
    return np.array(out).reshape(-1, 2)


def voronoi(
    X: ArrayLike,
    centers: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    ax: Axes | None = None,
    path: str | os.PathLike[str] | None = None,
    resolution: int = 400,
    title: str | None = None,
) -> Figure:
    """The regions nearest to each centre, for 2-D data.

    The plane around the data is divided into the cells of the centres'
    Voronoi diagram, the region each centre would claim as a k-means
    assignment: a ``resolution x resolution`` grid is coloured by its
    nearest centre (computed with :func:`vqkit.vq`), the exact cell
    boundaries are drawn as lines, and the points (coloured by cluster) and
    the numbered centres go on top.

    Parameters
    ----------
    X : array_like, shape (n_samples, 2)
        The data; it must have exactly two features.  A DataFrame's column
        names label the axes.
    centers : array_like, shape (n_clusters, 2)
        The centres.
    labels : array_like of int, shape (n_samples,), optional
        Cluster numbers used to colour the points; by default each point gets
        the colour of its nearest centre.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    path : str or path-like, optional
        Save the figure to this file (format from the extension).
    resolution : int, default 400
        Grid cells along each axis for the coloured regions (at least 10).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure that owns ``ax``.

    Raises
    ------
    ValueError
        When ``X`` does not have two features (use :func:`clusters`, which
        projects higher-dimensional data with PCA), ``centers`` has a
        different number of features, ``labels`` has the wrong length or
        values, or ``resolution`` is below 10.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import kmeans, plot
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(0, 10, (300, 2))
    >>> codebook, _ = kmeans(X, 5, rng=0)
    >>> fig = plot.voronoi(X, codebook, resolution=200)
    >>> len(fig.axes[0].images)
    1
    >>> fig = plot.voronoi(X, codebook, path="cells.png")  # doctest: +SKIP
    """
    fig, ax = figure_and_axes(ax)
    from matplotlib.collections import LineCollection
    from matplotlib.colors import ListedColormap

    from ..scipy_vq import vq

    names = column_names(X, 2)
    X = check_data(X)
    if X.shape[1] != 2:
        raise ValueError(
            f"voronoi() draws 2-D data only, but X has {X.shape[1]} feature(s); "
            "use clusters(), which projects the data and centres to 2-D with PCA."
        )
    C = check_data(centers, "centers")
    if C.shape[1] != 2:
        raise ValueError(f"centers must have 2 features like X, got {C.shape[1]}.")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, (numbers.Integral, np.integer))
        or resolution < 10
    ):
        raise ValueError(f"resolution must be an integer of at least 10, got {resolution!r}.")
    n, k = X.shape[0], C.shape[0]
    labels = vq(X, C)[0].astype(np.int64) if labels is None else check_labels(labels, n, k)

    both = np.vstack([X, C])
    lo, hi = both.min(axis=0), both.max(axis=0)
    span = hi - lo
    pad = np.where(span > 0, 0.06 * span, 1.0)
    lo, hi = lo - pad, hi + pad
    box = (lo[0], hi[0], lo[1], hi[1])

    # regions: nearest centre of each grid cell's middle
    r = int(resolution)
    gx = lo[0] + (np.arange(r) + 0.5) * (hi[0] - lo[0]) / r
    gy = lo[1] + (np.arange(r) + 0.5) * (hi[1] - lo[1]) / r
    grid = np.column_stack([np.tile(gx, r), np.repeat(gy, r)])
    codes = vq(grid, C)[0].reshape(r, r)
    colours = palette(k)
    ax.imshow(
        codes,
        origin="lower",
        extent=box,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(lighten(colours, 0.72)),
        vmin=-0.5,
        vmax=k - 0.5,
        zorder=0,
    )

    # exact cell boundaries
    segments = []
    for cell in _voronoi_cells(C, box):
        if len(cell) >= 2:
            segments.extend(np.stack([cell, np.roll(cell, -1, axis=0)], axis=1))
    ax.add_collection(LineCollection(segments, colors="0.25", linewidths=1.0, zorder=1))

    size, alpha = point_style(n)
    ax.scatter(
        X[:, 0],
        X[:, 1],
        c=colours[labels],
        s=size,
        alpha=alpha,
        edgecolors="none",
        rasterized=n > 5000,
        zorder=2,
    )
    draw_centres(ax, C, "centres")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if title:
        ax.set_title(title)
    return finish(fig, path)
