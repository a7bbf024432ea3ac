"""Bisecting k-means: split one cluster in two, again and again.

Starting from one cluster holding every row, each step picks a leaf of the
binary tree of splits and splits its rows with a 2-means fit
(:func:`vqkit.core.fit.fit_kmeans` with ``k=2``), until the tree has ``k``
leaves.  The leaf to split is the one of largest score, the first in
depth-first (left before right) order on ties, as in scikit-learn:

* ``"biggest_inertia"``: the (weighted) sum of squared distances of the
  leaf's rows to its centre;
* ``"largest_cluster"``: the number of rows of the leaf (not weighted).

The tree is kept as flat arrays (node 0 is the root, the split number ``i``
creates nodes ``2i + 1`` and ``2i + 2``), so that it can be stored without
pickle and walked by :func:`descend`.  Arguments arrive validated; nothing
here parses user input or prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .fit import data_scale, fit_kmeans, scale_by
from .lloyd import assign_checked

if TYPE_CHECKING:
    from ..backends import Backend

#: Names of the strategies choosing the leaf to split.
STRATEGIES = ("biggest_inertia", "largest_cluster")


@dataclass
class BisectingResult:
    """Outcome of :func:`bisecting_kmeans`."""

    #: Leaf centres, in depth-first order of the leaves, ``X``'s dtype.
    centers: np.ndarray
    #: Leaf (cluster index) of each row, int32: the tree's split of the rows.
    labels: np.ndarray
    #: (Weighted) sum of squared distances of the rows to ``centers[labels]``.
    inertia: float
    #: Lloyd iterations summed over the kept run of every bisection.
    n_iter: int
    #: ``(n_nodes, 2)`` int: left and right child of each node, -1 for leaves.
    children: np.ndarray
    #: ``(n_nodes,)`` int: parent of each node, -1 for the root.
    parent: np.ndarray
    #: ``(n_nodes, n_features)``: centre of every node, ``X``'s dtype.
    node_centers: np.ndarray
    #: ``(n_nodes,)`` int: cluster index of each leaf, -1 for inner nodes.
    leaf_labels: np.ndarray


def _leaves_depth_first(children):
    """Leaf node ids, left subtree before right."""
    out, stack = [], [0]
    while stack:
        node = stack.pop()
        left, right = children[node]
        if left < 0:
            out.append(node)
        else:
            stack.append(right)
            stack.append(left)
    return out


def _split_weights(weights, idx):
    """Weights of the rows ``idx``, or None when fewer than two of them are
    positive (a 2-means seeding needs two rows it may draw)."""
    if weights is None:
        return None
    w = weights[idx]
    return w if np.count_nonzero(w > 0) >= 2 else None


def _assign_exactly_scaled(backend, X, centers, origin):
    """Labels (host) and float64 squared distances (host, in ``X``'s units)
    of the nearest of ``centers``, compared in units where data of extreme
    magnitude squares without overflow or underflow (an exact power of two,
    as in :func:`~vqkit.core.fit.fit_kmeans`)."""
    scale = data_scale(backend, X, centers)
    labels, min_d2 = assign_checked(
        backend,
        scale_by(backend, X, scale),
        np.ldexp(centers, scale),
        origin=np.ldexp(origin, scale),
    )
    with np.errstate(over="ignore", under="ignore"):
        return np.asarray(labels), np.ldexp(np.asarray(min_d2, dtype=np.float64), -2 * scale)


def bisecting_kmeans(
    X: Any,
    k: int,
    *,
    backend: Backend,
    init: Any = "random",
    n_init: int = 1,
    max_iter: int = 300,
    tol: float = 1e-4,
    weights: Any = None,
    random_state: Any,
    strategy: str = "biggest_inertia",
    algorithm: str = "lloyd",
) -> BisectingResult:
    """Bisecting k-means of ``X`` into ``k`` clusters; a :class:`BisectingResult`.

    Every bisection runs ``fit_kmeans(X[rows], 2, ...)`` with ``init``,
    ``n_init``, ``max_iter``, ``tol`` (relative to the variance of the rows
    being split) and the rows' weights, all drawing from ``random_state``
    one after the other.  Only leaves with at least two rows are split
    (``k <= n_samples`` guarantees one).  A split of identical rows may
    leave a child without rows; such a leaf is never split again and
    labels no row.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown bisecting strategy {strategy!r}; expected one of {STRATEGIES}")
    n, d = X.shape
    n_nodes = 2 * k - 1
    children = np.full((n_nodes, 2), -1, dtype=np.intp)
    parent = np.full(n_nodes, -1, dtype=np.intp)
    node_centers = np.zeros((n_nodes, d), dtype=np.float64)
    scores = np.zeros(n_nodes)
    inertias = np.zeros(n_nodes)
    rows = {0: np.arange(n)}
    node_centers[0] = backend.column_mean_var(X, weights)[0]
    n_iter = 0

    for split in range(k - 1):
        best: Any = None
        for leaf in _leaves_depth_first(children):
            if rows[leaf].size >= 2 and (best is None or scores[leaf] > scores[best]):
                best = leaf
        idx = rows.pop(best)
        Xs = backend.take_rows(X, idx)
        ws = _split_weights(weights, idx)
        run = fit_kmeans(
            Xs,
            2,
            backend=backend,
            init=init,
            n_init=n_init,
            max_iter=max_iter,
            tol=tol,
            weights=ws,
            random_state=random_state,
            algorithm=algorithm,
        )
        n_iter += run.n_iter
        centers = np.asarray(run.centers)
        # distances measured from the parent's centre keep float32 accurate
        origin = node_centers[best].astype(X.dtype)
        labels, d2 = _assign_exactly_scaled(backend, Xs, centers, origin)
        if weights is not None:
            d2 = d2 * weights[idx]
        child_inertia = np.bincount(labels, weights=d2, minlength=2)
        counts = np.bincount(labels, minlength=2)
        left, right = 2 * split + 1, 2 * split + 2
        children[best] = (left, right)
        for side, node in enumerate((left, right)):
            parent[node] = best
            node_centers[node] = centers[side]
            inertias[node] = child_inertia[side]
            scores[node] = child_inertia[side] if strategy == "biggest_inertia" else counts[side]
            rows[node] = idx[labels == side]

    leaves = _leaves_depth_first(children)
    leaf_labels = np.full(n_nodes, -1, dtype=np.intp)
    labels = np.empty(n, dtype=np.int32)
    for i, leaf in enumerate(leaves):
        leaf_labels[leaf] = i
        labels[rows[leaf]] = i
    node_centers = node_centers.astype(X.dtype)
    if k == 1:
        _, d2 = _assign_exactly_scaled(backend, X, node_centers, node_centers[0])
        inertia = float(d2.sum() if weights is None else (weights * d2).sum())
    else:
        inertia = float(sum(inertias[leaf] for leaf in leaves))
    return BisectingResult(
        centers=node_centers[leaves].copy(),
        labels=labels,
        inertia=inertia,
        n_iter=int(n_iter),
        children=children,
        parent=parent,
        node_centers=node_centers,
        leaf_labels=leaf_labels,
    )


def descend(
    backend: Backend,
    X: Any,
    children: np.ndarray,
    node_centers: np.ndarray,
    leaf_labels: np.ndarray,
) -> np.ndarray:
    """Cluster index (int32) of each row of ``X``, found by walking the tree.

    At each inner node a row goes to the child whose centre is nearer (the
    left one on ties), so the answer follows the hierarchy of splits
    rather than the nearest leaf centre.
    """
    out = np.empty(X.shape[0], dtype=np.int32)
    stack = [(0, np.arange(X.shape[0]))]
    while stack:
        node, idx = stack.pop()
        if idx.size == 0:
            continue
        left, right = children[node]
        if left < 0:
            out[idx] = leaf_labels[node]
            continue
        centers = node_centers[[left, right]]
        labels, _ = assign_checked(
            backend, backend.take_rows(X, idx), centers, origin=node_centers[node]
        )
        go_left = np.asarray(labels) == 0
        stack.append((right, idx[~go_left]))
        stack.append((left, idx[go_left]))
    return out
