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

The figures of the data live in :mod:`vqkit.plot.points`, the figures of
scores in :mod:`vqkit.plot.scores`, the ``choose_k`` summary in
:mod:`vqkit.plot.summary`.
"""

from __future__ import annotations

from ._figure import new_figure, save_figure
from .points import clusters, voronoi
from .scores import elbow, gap, silhouette
from .summary import choose_k_summary

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
