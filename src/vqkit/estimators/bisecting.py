"""``BisectingKMeans``: a scikit-learn–style bisecting k-means estimator.

The estimator validates arguments, calls the core
(``vqkit.core.bisecting``) and shapes the results; the algorithm lives in
the core and the arithmetic in the backend.  Using the fitted model
(``transform``, ``score``) is the base class's; only the assignment behind
``predict``, a walk down the tree of splits, is this estimator's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import Backend, get_backend
from ..core.bisecting import bisecting_kmeans, descend
from ..core.random import check_random_state
from ..validation import as_float_2d, as_sample_weight, check_n_clusters
from ._base import CentroidEstimator
from ._params import BISECTING
from .kmeans import resolve_algorithm


class BisectingKMeans(CentroidEstimator):
    """Bisecting k-means: split the cluster of largest score in two until
    there are ``n_clusters``.

    Each split is a 2-means fit (seeding + Lloyd, best of ``n_init``) of
    the rows of one cluster, so the clusters form a binary tree; ``predict``
    walks that tree.  The results follow scikit-learn's
    ``BisectingKMeans``; they are not equal to its results for the same
    seed, since the seedings draw different random numbers.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (leaves of the tree) to form.
    init : {"random", "k-means++", "k-means||"} or callable, default="random"
        Seeding of every 2-means split (see :class:`vqkit.KMeans`), weighted
        by ``sample_weight``.  A callable is called as
        ``init(X_split, 2, random_state)`` with the rows of the cluster being
        split (as scikit-learn does).  Arrays are not accepted: every split
        needs two new centres from its own rows.
    n_init : int, default=1
        Seedings per split; the split of lowest inertia is kept.
    random_state : int, RandomState instance or None, default=None
        Seeds every seeding (they draw from it one after the other).
    max_iter : int, default=300
        Maximum Lloyd iterations of each 2-means run.
    verbose : int, default=0
        Print one line per split.
    tol : float, default=1e-4
        A 2-means run has converged when its centres move by no more than
        ``tol`` times the mean per-feature variance of the rows being
        split (or when no label changes).
    copy_x : bool, default=True
        Accepted for scikit-learn compatibility; vqkit never modifies ``X``.
    algorithm : {"lloyd", "elkan", "hamerly"}, default="lloyd"
        Iteration algorithm of the 2-means runs: ``"hamerly"`` (and
        ``"elkan"``, which means it here where the data's backend keeps
        Hamerly's bounds, see :class:`vqkit.KMeans`) skip rows by distance
        bounds; the iterations are the same as ``"lloyd"``.
    bisecting_strategy : {"biggest_inertia", "largest_cluster"}, default="biggest_inertia"
        Which cluster is split next: the one with the largest (weighted)
        sum of squared distances to its centre, or the one with the most
        rows (unweighted), as in scikit-learn.  Ties go to the first
        cluster in depth-first order.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres of the leaves, in depth-first order, in ``X``'s float dtype.
    labels_ : ndarray of shape (n_samples,), int32
        Leaf of each training row: where the splits put it (each split
        sends a row to the nearer of its two new centres).
    inertia_ : float
        Sum of (weighted) squared distances of the rows to
        ``cluster_centers_[labels_]``.
    n_iter_ : int
        Lloyd iterations, summed over the kept run of every split.
    n_features_in_ : int
        Number of features seen during ``fit``.
    tree_children_ : ndarray of shape (2 * n_clusters - 1, 2), int
        Left and right child of each node of the tree, -1 for leaves.
        Node 0 is the root; split ``i`` created nodes ``2i + 1, 2i + 2``.
    tree_parent_ : ndarray of shape (2 * n_clusters - 1,), int
        Parent of each node, -1 for the root.
    tree_centers_ : ndarray of shape (2 * n_clusters - 1, n_features)
        Centre of each node (the root's is the weighted mean of ``X``).
    tree_labels_ : ndarray of shape (2 * n_clusters - 1,), int
        Cluster index of each leaf, -1 for inner nodes.

    ``save(path)`` writes a fitted model (tree included) to one ``.npz``
    file, no pickle; ``BisectingKMeans.load(path)`` reads it back.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import BisectingKMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> bk = BisectingKMeans(n_clusters=2, n_init=3, random_state=0).fit(X)
    >>> sorted(bk.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> float(bk.inertia_)
    16.0
    """

    _parameter_constraints = BISECTING
    _accept_sparse = True
    _fitted_attributes = (
        "cluster_centers_",
        "labels_",
        "inertia_",
        "n_iter_",
        "n_features_in_",
        "tree_children_",
        "tree_parent_",
        "tree_centers_",
        "tree_labels_",
    )

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str = "random",
        n_init: int = 1,
        random_state: Any = None,
        max_iter: int = 300,
        verbose: int = 0,
        tol: float = 1e-4,
        copy_x: bool = True,
        algorithm: str = "lloyd",
        bisecting_strategy: str = "biggest_inertia",
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.random_state = random_state
        self.max_iter = max_iter
        self.verbose = verbose
        self.tol = tol
        self.copy_x = copy_x
        self.algorithm = algorithm
        self.bisecting_strategy = bisecting_strategy

    # ------------------------------------------------------------------
    # validation

    def _check_params(self, X: Any, backend: Backend) -> tuple[int, str]:
        """Check the parameters (for the data ``X``); returns the number of
        seedings per split and the iteration algorithm to run (``"elkan"``,
        scikit-learn's bound-based algorithm, runs vqkit's ``"hamerly"``
        where the backend keeps its bounds, as for :class:`vqkit.KMeans`)."""
        self._validate_params()
        check_n_clusters(self.n_clusters, X.shape[0])
        algorithm = resolve_algorithm(self.algorithm, X.shape[1], 2, backend)
        return int(self.n_init), algorithm

    # ------------------------------------------------------------------
    # fitting

    def fit(
        self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None
    ) -> BisectingKMeans:
        """Compute bisecting k-means clustering.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 is kept, other numbers become float64;
            SciPy sparse input is fitted as CSR.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row (non-negative), used by every split, its
            seeding included.

        Returns
        -------
        self
        """
        self._reset_feature_names(X)
        original = X
        X = as_float_2d(X, accept_sparse=True)
        backend = get_backend(X)
        n_init, algorithm = self._check_params(X, backend)
        weights = as_sample_weight(sample_weight, X.shape[0], X)
        result = bisecting_kmeans(
            X,
            self.n_clusters,
            backend=backend,
            init=self.init,
            n_init=n_init,
            max_iter=self.max_iter,
            tol=self.tol,
            weights=weights,
            random_state=check_random_state(self.random_state),
            strategy=self.bisecting_strategy,
            algorithm=algorithm,
        )
        self.cluster_centers_ = result.centers
        self.labels_ = result.labels
        self.inertia_ = result.inertia
        self.n_iter_ = result.n_iter
        self.tree_children_ = result.children
        self.tree_parent_ = result.parent
        self.tree_centers_ = result.node_centers
        self.tree_labels_ = result.leaf_labels
        self.n_features_in_ = X.shape[1]
        if self.verbose:
            print(
                f"BisectingKMeans: {self.n_clusters} clusters, inertia {self.inertia_:.6g}, "
                f"{self.n_iter_} Lloyd iterations in {max(self.n_clusters - 1, 0)} splits"
            )
        self._warn_missing_clusters(backend, result.labels, self.n_clusters)
        self._keep_in_input_library(original)
        return self

    # ------------------------------------------------------------------
    # using a fitted model

    def _assign(self, X: Any, backend: Backend) -> np.ndarray:
        """Cluster index (int32) of each row of the validated ``X``, found by
        walking the tree of splits: at each split a row goes to the nearer
        of the two child centres (the left one on ties), as scikit-learn
        does.  This can differ from the nearest of ``cluster_centers_``."""
        X, tree_centers, _ = self._rescaled(backend, X, self.tree_centers_)
        return descend(backend, X, self.tree_children_, tree_centers, self.tree_labels_)
