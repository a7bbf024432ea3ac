"""Plots of clustering results (matplotlib, optional: ``pip install 'vqkit[plot]'``).

Every function here draws one kind of figure and returns the
``matplotlib.figure.Figure`` it drew on:

* :func:`clusters`: points coloured by cluster with the centres marked,
  projected on the first two principal components when the data have more
  than two features;
* :func:`voronoi`: the regions of the plane nearest to each centre (2-D
  data), with the points and centres on top;
* :func:`elbow`: inertia against k with the knee marked;
* :func:`silhouette`: the per-cluster silhouette plot with the mean line;
* :func:`gap`: the gap statistic with its error bars and the chosen k;
* :func:`choose_k_summary`: one figure with all the evidence of a
  ``choose_k`` result.

Pass ``ax=`` to draw into an existing axes (the function then returns the
figure that owns it), and ``path=`` to save the figure; the file is written
atomically (a complete file or none) in the format its extension names.

Figures are built with ``matplotlib.figure.Figure`` directly, never through
``pyplot``'s global state, so they work without a display (in scripts, on
servers, in CI) and are never shown or kept alive behind your back.
matplotlib is imported only when a plot is made.
"""

import math
import numbers
import os
import textwrap
import warnings

import numpy as np

from .io.atomic import atomic_write

__all__ = [
    "clusters",
    "voronoi",
    "elbow",
    "silhouette",
    "gap",
    "choose_k_summary",
    "new_figure",
    "save_figure",
]

# Colour of the marks that single out a chosen k (knee, gap pick, ...).
_PICK_COLOUR = "#d62728"
# Up to this many clusters get a legend entry each; above it the cluster
# numbers written on the centres identify the clusters.
_MAX_LEGEND = 10
# Up to this many centres get their cluster number written on them.
_MAX_NUMBERED = 30


def _require_matplotlib():
    import importlib

    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib; install it with "
            "`pip install 'vqkit[plot]'` (or `pip install matplotlib`)"
        ) from exc


def new_figure(ncols=1, *, width=6.0, height=5.0, nrows=1):
    """A headless figure with ``nrows x ncols`` axes: ``(fig, axes)``.

    ``axes`` is a flat list, row by row.  The figure is a plain
    ``matplotlib.figure.Figure`` with constrained layout, not registered
    with ``pyplot``; each axes gets ``width x height`` inches.
    """
    _require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, list(axes.ravel())


def save_figure(fig, path, *, dpi=100):
    """Write ``fig`` to ``path`` atomically: a complete file or none at all
    (an existing file is never left half-written).  The format follows the
    file name's extension (PNG when it has none).  Returns ``path``."""
    suffix = os.path.splitext(os.fspath(path))[1] or ".png"
    return atomic_write(
        path, lambda fh: fig.savefig(fh, format=suffix.lstrip(".").lower(), dpi=dpi),
        suffix=suffix,
    )


# ----------------------------------------------------------------------------
# helpers: figures, validation, colours
# ----------------------------------------------------------------------------


def _root_figure(ax):
    """The top-level Figure that owns ``ax`` (also for axes in a SubFigure)."""
    from matplotlib.figure import Figure

    fig = ax.figure
    while not isinstance(fig, Figure) and getattr(fig, "figure", None) is not None:
        if fig.figure is fig:
            break
        fig = fig.figure
    return fig


def _figure_and_axes(ax, width=6.0, height=5.0):
    _require_matplotlib()
    if ax is None:
        fig, (ax,) = new_figure(1, width=width, height=height)
        return fig, ax
    if not hasattr(ax, "scatter") or not hasattr(ax, "figure"):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    return _root_figure(ax), ax


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def _data(X, name="X"):
    """``X`` as a finite, non-empty 2-D float64 array."""
    if hasattr(X, "toarray"):
        raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray()).")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} is empty (shape {X.shape}).")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinity; plots need finite values.")
    return X


def _labels(labels, n, k=None, name="labels"):
    """``labels`` as a 1-D int64 array of length ``n`` (values in ``0 .. k-1``
    when ``k`` is given)."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per row of X), got shape {labels.shape}.")
    if labels.shape[0] != n:
        raise ValueError(
            f"{name} has {labels.shape[0]} entries but X has {n} rows; "
            "there must be one label per row."
        )
    if labels.dtype.kind == "b" or labels.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be integer cluster numbers, got dtype {labels.dtype}.")
    if labels.dtype.kind == "f":
        if not (np.isfinite(labels).all() and (labels == np.round(labels)).all()):
            raise ValueError(f"{name} must be integer cluster numbers.")
    labels = labels.astype(np.int64)
    if k is not None and labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(
            f"{name} must be cluster numbers 0 .. {k - 1} (one per centre); "
            f"got values from {labels.min()} to {labels.max()}."
        )
    return labels


def _curve(ks, values, name):
    """Validated ``ks`` (int64, distinct, sorted), ``values`` (float64, NaN
    allowed, same order) and the sorting order."""
    ks = np.asarray(ks)
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    if ks.ndim != 1 or ks.size == 0:
        raise ValueError(
            f"ks must be a non-empty 1-D sequence of cluster counts, got shape {ks.shape}."
        )
    if ks.dtype.kind not in "iuf" or not (
        np.isfinite(ks.astype(np.float64)).all() and (ks == np.round(ks)).all()
    ):
        raise ValueError("ks must be whole numbers of clusters.")
    ks = ks.astype(np.int64)
    if (ks < 1).any():
        raise ValueError(f"ks must be at least 1, got {ks.min()}.")
    if len(np.unique(ks)) != ks.size:
        raise ValueError("ks must not repeat a value.")
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {values.shape}.")
    if values.shape[0] != ks.shape[0]:
        raise ValueError(
            f"{name} has {values.shape[0]} values but ks has {ks.shape[0]}; "
            "give one value per k."
        )
    if np.isinf(values).any():
        raise ValueError(f"{name} must be finite (NaN marks a missing value).")
    order = np.argsort(ks, kind="stable")
    return ks[order], values[order], order


def _check_k_in(k, ks, what):
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)):
        raise ValueError(f"{what} must be an integer k or None, got {k!r}.")
    if int(k) not in set(ks.tolist()):
        raise ValueError(f"{what}={k} is not one of ks ({ks.tolist()}).")
    return int(k)


def _palette(k):
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


def _lighten(colours, amount):
    """Mix RGBA ``colours`` with white (``amount`` = share of white)."""
    out = np.array(colours, dtype=float, copy=True)
    out[:, :3] = out[:, :3] * (1 - amount) + amount
    return out


def _point_style(n):
    """Marker size (points^2) and alpha that suit ``n`` points."""
    size = float(np.clip(4000.0 / n, 3.0, 30.0))
    alpha = 0.85 if n <= 1000 else 0.7 if n <= 20000 else 0.4
    return size, alpha


def _integer_ticks(ax, ks):
    """A tick at every k when there are few, else whole-number ticks."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if len(ks) <= 12:
        ax.xaxis.set_major_locator(FixedLocator(ks))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_centres(ax, C, label):
    """Centres as white discs with black rims, each with its cluster number
    (white crosses, no numbers, when there are too many to number)."""
    k = C.shape[0]
    if k <= _MAX_NUMBERED:
        handle = ax.scatter(C[:, 0], C[:, 1], s=260 if k < 10 else 320, marker="o",
                            c="white", edgecolors="black", linewidths=1.3,
                            zorder=4, label=label)
        for j, (cx, cy) in enumerate(C):
            ax.annotate(str(j), (cx, cy), ha="center", va="center", fontsize=8,
                        fontweight="bold", zorder=5, annotation_clip=True)
    else:
        handle = ax.scatter(C[:, 0], C[:, 1], s=90, marker="X", c="white",
                            edgecolors="black", linewidths=1.0, zorder=4, label=label)
    return handle


def _cluster_legend(ax, colours, centre_handle, n):
    from matplotlib.lines import Line2D

    k = len(colours)
    if k > _MAX_LEGEND:
        return None
    handles = [
        Line2D([], [], ls="", marker="o", markersize=6, markerfacecolor=colours[j],
               markeredgecolor="none", label=f"cluster {j}")
        for j in range(k)
    ]
    # the centres' entry: their marker at legend size
    marker = "o" if len(colours) <= _MAX_NUMBERED else "X"
    handles.append(Line2D([], [], ls="", marker=marker, markersize=11, markerfacecolor="white",
                          markeredgecolor="black", markeredgewidth=1.2,
                          label=centre_handle.get_label()))
    if n <= 5000:
        return ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85,
                         ncols=2 if k > 5 else 1)
    # many points cover the whole plot (and "best" would scan them all):
    # the legend goes outside, to the right
    return ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                     borderaxespad=0, fontsize="small", frameon=False)


def _pca_2d(X, C):
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


# ----------------------------------------------------------------------------
# clusters and Voronoi regions
# ----------------------------------------------------------------------------


def clusters(X, labels, centers, *, ax=None, title=None, path=None,
             center_label="centres"):
    """Scatter plot of the points coloured by cluster, with the centres marked.

    Data with two features are drawn as they are.  With more, the points and
    the centres are projected on the first two principal components of
    ``X`` (the same projection for both) and the axis labels say how much of
    the variance each component holds, for example ``PC1 (61.2% variance)``.
    One feature is drawn as a strip: the value across, the cluster up.

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
    fig, ax = _figure_and_axes(ax)
    X = _data(X)
    C = _data(centers, "centers")
    n, d = X.shape
    if C.shape[1] != d:
        raise ValueError(
            f"centers has {C.shape[1]} features but X has {d}; they must match."
        )
    k = C.shape[0]
    labels = _labels(labels, n, k)
    colours = _palette(k)
    size, alpha = _point_style(n)

    if d == 1:
        # a strip: value across, cluster up (with a little fixed jitter)
        jitter = np.random.default_rng(0).uniform(-0.25, 0.25, n)
        X2 = np.column_stack([X[:, 0], labels + jitter])
        C2 = np.column_stack([C[:, 0], np.arange(k)])
        xlabel, ylabel = "X[:, 0]", "cluster"
    elif d == 2:
        X2, C2 = X, C
        xlabel, ylabel = "X[:, 0]", "X[:, 1]"
    else:
        X2, C2, ratios = _pca_2d(X, C)
        xlabel = f"PC1 ({100 * ratios[0]:.1f}% variance)"
        ylabel = f"PC2 ({100 * ratios[1]:.1f}% variance)"

    ax.scatter(X2[:, 0], X2[:, 1], c=colours[labels], s=size, alpha=alpha,
               linewidths=0, rasterized=n > 5000, zorder=2)
    handle = _draw_centres(ax, C2, center_label)
    if d == 1:
        ax.set_yticks(np.arange(k) if k <= _MAX_NUMBERED else [])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    _cluster_legend(ax, colours, handle, n)
    return _finish(fig, path)


def _voronoi_cells(C, box):
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


def _clip(poly, normal, offset):
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


def voronoi(X, centers, *, labels=None, ax=None, path=None, resolution=400,
            title=None):
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
        The data; it must have exactly two features.
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
    fig, ax = _figure_and_axes(ax)
    from matplotlib.collections import LineCollection
    from matplotlib.colors import ListedColormap

    from .scipy_vq import vq

    X = _data(X)
    if X.shape[1] != 2:
        raise ValueError(
            f"voronoi() draws 2-D data only, but X has {X.shape[1]} feature(s); "
            "use clusters(), which projects the data and centres to 2-D with PCA."
        )
    C = _data(centers, "centers")
    if C.shape[1] != 2:
        raise ValueError(f"centers must have 2 features like X, got {C.shape[1]}.")
    if (isinstance(resolution, bool) or not isinstance(resolution, (numbers.Integral, np.integer))
            or resolution < 10):
        raise ValueError(f"resolution must be an integer of at least 10, got {resolution!r}.")
    n, k = X.shape[0], C.shape[0]
    labels = vq(X, C)[0].astype(np.int64) if labels is None else _labels(labels, n, k)

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
    colours = _palette(k)
    ax.imshow(codes, origin="lower", extent=box, aspect="auto", interpolation="nearest",
              cmap=ListedColormap(_lighten(colours, 0.72)), vmin=-0.5, vmax=k - 0.5,
              zorder=0)

    # exact cell boundaries
    segments = []
    for cell in _voronoi_cells(C, box):
        if len(cell) >= 2:
            segments.extend(np.stack([cell, np.roll(cell, -1, axis=0)], axis=1))
    ax.add_collection(LineCollection(segments, colors="0.25", linewidths=1.0, zorder=1))

    size, alpha = _point_style(n)
    ax.scatter(X[:, 0], X[:, 1], c=colours[labels], s=size, alpha=alpha,
               edgecolors="none", rasterized=n > 5000, zorder=2)
    _draw_centres(ax, C, "centres")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("X[:, 0]")
    ax.set_ylabel("X[:, 1]")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# scores against k
# ----------------------------------------------------------------------------


def _mark_k(ax, ks, values, k, text, colour=_PICK_COLOUR, spread=None):
    """A dashed vertical line and a ring at ``k``, with ``text`` beside the
    line at the top or the bottom of the axes, away from the curve there."""
    y = values[np.searchsorted(ks, k)]
    ax.axvline(k, color=colour, ls="--", lw=1.2, zorder=1)
    low = high = None
    finite = np.isfinite(values)
    if finite.any():
        extra = np.zeros_like(values) if spread is None else np.nan_to_num(spread)
        low = float(np.min((values - extra)[finite]))
        high = float(np.max((values + extra)[finite]))
    at_top = True
    if np.isfinite(y):
        ax.plot([k], [y], ls="", marker="o", ms=12, mfc="none", mec=colour, mew=2, zorder=3)
        if high is not None and high > low:
            at_top = (y - low) / (high - low) <= 0.5
    right = k <= (ks[0] + ks[-1]) / 2
    ax.annotate(text, (k, 0.96 if at_top else 0.04), xycoords=ax.get_xaxis_transform(),
                xytext=(6 if right else -6, 0), textcoords="offset points",
                ha="left" if right else "right", va="top" if at_top else "bottom",
                color=colour, fontsize="small", zorder=4)


def elbow(ks, inertia, *, knee=None, ax=None, path=None, title="Elbow method"):
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
    fig, ax = _figure_and_axes(ax, 6.0, 4.5)
    ks, values, _ = _curve(ks, inertia, "inertia")
    knee = _check_k_in(knee, ks, "knee")
    ax.plot(ks, values, marker="o", color="C0", lw=1.8, ms=5, zorder=2)
    if knee is not None:
        _mark_k(ax, ks, values, knee, f"knee: k = {knee}")
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("inertia (sum of squared distances)")
    _integer_ticks(ax, ks)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def gap(ks, gap, gap_sd, *, best_k=None, ax=None, path=None, title="Gap statistic"):
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
    fig, ax = _figure_and_axes(ax, 6.0, 4.5)
    _draw_gap(ax, ks, gap, gap_sd, best_k, title, "chosen k = {}")
    return _finish(fig, path)


def _draw_gap(ax, ks, gap, gap_sd, best_k, title, mark):
    """Validate and draw the gap curve into ``ax``; ``mark`` formats the
    annotation of ``best_k``."""
    ks, values, order = _curve(ks, gap, "gap")
    sd = np.asarray(gap_sd, dtype=np.float64)
    if sd.ndim != 1 or sd.shape[0] != ks.shape[0]:
        raise ValueError(
            f"gap_sd must be 1-D with one value per k ({ks.shape[0]}), got shape {sd.shape}."
        )
    sd = sd[order]
    if np.isinf(sd).any() or (sd < 0).any():
        raise ValueError("gap_sd must be finite and non-negative (NaN marks a missing value).")
    best_k = _check_k_in(best_k, ks, "best_k")
    ax.errorbar(ks, values, yerr=np.nan_to_num(sd), marker="o", ms=5, lw=1.8, capsize=4,
                color="C0", ecolor="0.35", elinewidth=1.2, zorder=2)
    if best_k is not None:
        _mark_k(ax, ks, values, best_k, mark.format(best_k), spread=sd)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("Gap(k) ± s(k)")
    _integer_ticks(ax, ks)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)


# ----------------------------------------------------------------------------
# silhouette
# ----------------------------------------------------------------------------


def silhouette(X, labels, *, ax=None, path=None, sample_size=None, random_state=None,
               title=None):
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
    fig, ax = _figure_and_axes(ax, 6.0, 5.0)
    from . import metrics
    from .core.random import check_random_state

    X = _data(X)
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
        if (isinstance(sample_size, bool)
                or not isinstance(sample_size, (numbers.Integral, np.integer))
                or sample_size < 1):
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
    colours = _palette(int(present.max()) + 1 if by_value else k)
    gap_rows = max(2.0, 0.02 * n)
    top = 0.0
    centres = []
    for i, lab in enumerate(present):
        s = np.sort(values[codes == i])[::-1]
        y = top + np.arange(s.size)
        colour = colours[int(lab)] if by_value else colours[i]
        ax.fill_betweenx(y, 0.0, s, step="mid", facecolor=colour, edgecolor=colour,
                         linewidth=0.3, alpha=0.85)
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
        title = (f"Silhouette plot: {n} points in {k} clusters" if n == n_total else
                 f"Silhouette plot: {k} clusters\n(random sample of {n} of {n_total} rows)")
    if title:
        ax.set_title(title)
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# choose_k summary
# ----------------------------------------------------------------------------

# score panels: (table column = method name, panel title, y label)
_SCORE_PANELS = [
    ("silhouette", "Silhouette (higher is better)", "mean silhouette"),
    ("calinski_harabasz", "Calinski–Harabasz (higher is better)", "CH index"),
    ("davies_bouldin", "Davies–Bouldin (lower is better)", "DB index"),
]
_HELDOUT_PANEL = ("heldout", "Prediction strength (held-out)", "mean prediction strength")


def _column(result, name, n):
    table = getattr(result, "table", None) or {}
    if name not in table or table[name] is None:
        return None
    col = np.asarray(table[name], dtype=np.float64)
    if col.shape != (n,):
        raise ValueError(
            f"result.table[{name!r}] has shape {col.shape}; expected one value per k ({n})."
        )
    return None if np.isnan(col).all() else col


def _pick(result, method, ks):
    """The k that ``method`` picked, or None (no pick, or not one of ``ks``)."""
    k = (getattr(result, "picks", None) or {}).get(method)
    return int(k) if k is not None and int(k) in set(ks.tolist()) else None


def _summary_text(ax, result, best_k):
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
        lines.append(f"k tried: {ks[0]} … {ks[-1]}" if ks == list(range(ks[0], ks[-1] + 1))
                     else "k tried: " + ", ".join(map(str, ks)))
    notes = [str(s) for s in (getattr(result, "notes", None) or [])]
    if notes:
        lines.append("")
        lines.append("notes:")
        budget = 12
        for note in notes:
            wrapped = textwrap.wrap(note, 46, initial_indent="• ", subsequent_indent="  ")
            if len(wrapped) > budget:
                wrapped = wrapped[:budget]
                wrapped[-1] = wrapped[-1][:43] + " …"
            lines.extend(wrapped)
            budget -= len(wrapped)
            if budget <= 0:
                lines.append("  (+ more notes: see result.notes)")
                break
    ax.text(0.0, 1.0, "\n".join(lines), transform=ax.transAxes, va="top", ha="left",
            family="monospace", fontsize=8.5, linespacing=1.35)
    ax.set_title("Recommendation")


def choose_k_summary(result, *, X=None, path=None):
    """One figure with the evidence of a ``choose_k`` result.

    Panels (each one skipped when its scores are all NaN, i.e. the method
    was not run): the elbow curve with its knee; the silhouette,
    Calinski–Harabasz, Davies–Bouldin and held-out scores against k, each
    with the method's pick marked; the gap statistic with its error bars and
    pick; the picks of every method, the recommended ``best_k`` and the
    notes as text; and, when ``X`` is given, the clusters at ``best_k``
    (projected with PCA when ``X`` has more than two features).  ``best_k``
    is shaded in every score panel.

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
    ...            "gap": nan, "gap_sd": nan, "heldout": nan},
    ...     picks={"elbow": 3, "silhouette": 3}, best_k=3, knee=3, notes=[],
    ...     models={})
    >>> fig = plot.choose_k_summary(result)
    >>> [ax.get_title() for ax in fig.axes]
    ['Elbow (inertia)', 'Silhouette (higher is better)', 'Recommendation']
    """
    _require_matplotlib()
    ks = np.asarray(getattr(result, "ks"))
    if ks.ndim != 1 or ks.size == 0:
        raise ValueError(f"result.ks must be a non-empty sequence of k, got {result.ks!r}.")
    ks = ks.astype(np.int64)
    n_k = ks.size
    best_k = getattr(result, "best_k", None)
    best_k = None if best_k is None else int(best_k)
    if best_k is not None and best_k not in set(ks.tolist()):
        raise ValueError(f"result.best_k={best_k} is not one of result.ks ({ks.tolist()}).")

    panels = []  # (kind, payload)
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
    column, title, ylabel = _HELDOUT_PANEL
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
        X = _data(X)
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
    fig, axes = new_figure(ncols, nrows=nrows, width=4.6, height=3.7)
    for ax in axes[n_panels:]:
        ax.set_axis_off()

    def shade(ax):
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
            _score_curve(ax, ks, values, pick, title, ylabel)
        elif kind == "gap":
            values, sd, pick = payload
            shade(ax)
            _draw_gap(ax, ks, values, sd, pick, "Gap statistic", "pick: k = {}")
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
        fontsize="x-large", fontweight="bold",
    )
    return _finish(fig, path)


def _score_curve(ax, ks, values, pick, title, ylabel):
    """One score against k with the method's pick marked."""
    ks, values, _ = _curve(ks, values, title)
    ax.plot(ks, values, marker="o", color="C0", lw=1.8, ms=5, zorder=2)
    if pick is not None:
        _mark_k(ax, ks, values, pick, f"pick: k = {pick}")
    ax.set_title(title)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel(ylabel)
    _integer_ticks(ax, ks)
    ax.grid(alpha=0.3)
