"""``BisectingKMeans``: a scikit-learn–style bisecting k-means estimator.

The estimator validates arguments, calls the core
(``vqkit.core.bisecting``) and shapes the results; the algorithm lives in
the core and the arithmetic in the backend.
"""

import numbers
import warnings

import numpy as np

from .backends import get_backend
from .base import Estimator, as_float_2d, as_sample_weight, check_n_clusters
from .core.bisecting import STRATEGIES, bisecting_kmeans, descend
from .core.fit import INITS
from .core.lloyd import assign_checked
from .core.random import check_random_state
from .exceptions import ConvergenceWarning

#: Accepted ``algorithm`` values; ``"elkan"`` (scikit-learn's name for its
#: bound-based exact algorithm) runs vqkit's ``"hamerly"``.
ALGORITHMS = ("lloyd", "elkan", "hamerly")


class BisectingKMeans(Estimator):
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
    init : {"random", "k-means++", "k-means||"}, default="random"
        Seeding of every 2-means split (see :class:`vqkit.KMeans`), weighted
        by ``sample_weight``.  Arrays and callables are not accepted: every
        split needs two new centres from its own rows.
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
        ``"elkan"``, which means it here) skip rows by distance bounds;
        the iterations are the same as ``"lloyd"``.
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
    >>> from vqkit.bisecting import BisectingKMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> bk = BisectingKMeans(n_clusters=2, n_init=3, random_state=0).fit(X)
    >>> sorted(bk.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> float(bk.inertia_)
    16.0
    """

    _estimator_type = "clusterer"
    _fitted_attributes = (
        "cluster_centers_", "labels_", "inertia_", "n_iter_", "n_features_in_",
        "tree_children_", "tree_parent_", "tree_centers_", "tree_labels_",
    )
    _history_type = None

    def __init__(
        self,
        n_clusters=8,
        *,
        init="random",
        n_init=1,
        random_state=None,
        max_iter=300,
        verbose=0,
        tol=1e-4,
        copy_x=True,
        algorithm="lloyd",
        bisecting_strategy="biggest_inertia",
    ):
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

    def _check_params(self, X):
        n = X.shape[0]
        k = self.n_clusters
        check_n_clusters(k, n)
        if not isinstance(self.init, str) or self.init not in INITS:
            raise ValueError(
                f"init must be one of {INITS} for BisectingKMeans (every split seeds "
                f"two centres from its own rows, so arrays and callables are not "
                f"accepted); got {self.init!r}."
            )
        n_init = self.n_init
        if not isinstance(n_init, numbers.Integral) or isinstance(n_init, bool) or n_init < 1:
            raise ValueError(f"n_init must be an integer >= 1, got {n_init!r}.")
        if (not isinstance(self.max_iter, numbers.Integral) or isinstance(self.max_iter, bool)
                or self.max_iter < 1):
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}.")
        if not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"tol must be a number >= 0, got {self.tol!r}.")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}.")
        if self.bisecting_strategy not in STRATEGIES:
            raise ValueError(
                f"bisecting_strategy must be one of {STRATEGIES}, "
                f"got {self.bisecting_strategy!r}."
            )
        return int(n_init), ("lloyd" if self.algorithm == "lloyd" else "hamerly")

    # ------------------------------------------------------------------
    # fitting

    def fit(self, X, y=None, sample_weight=None):
        """Compute bisecting k-means clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 is kept, other numbers become float64.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row (non-negative), used by every split, its
            seeding included.

        Returns
        -------
        self
        """
        X = as_float_2d(X)
        n_init, algorithm = self._check_params(X)
        weights = as_sample_weight(sample_weight, X.shape[0])
        result = bisecting_kmeans(
            X,
            self.n_clusters,
            backend=get_backend(X),
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
        distinct = np.unique(result.labels).size
        if distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    # ------------------------------------------------------------------
    # using a fitted model

    def predict(self, X):
        """Cluster index (int32) of each row of ``X``, found by walking the
        tree of splits: at each split a row goes to the nearer of the two
        child centres (the left one on ties), as scikit-learn does.  This
        can differ from the nearest of ``cluster_centers_``."""
        X = self._check_new_data(X)
        return descend(
            get_backend(X), X, self.tree_children_, self.tree_centers_, self.tree_labels_
        )

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit, then return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X):
        """Euclidean distance from each row of ``X`` to every cluster centre.

        Returns an array of shape ``(n_samples, n_clusters)`` in the
        centres' dtype.
        """
        X = self._check_new_data(X)
        return np.sqrt(get_backend(X).sq_distances(X, self.cluster_centers_))

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then return ``transform(X)``."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the (weighted) inertia of ``X`` on the nearest of
        ``cluster_centers_`` (scikit-learn's definition)."""
        X = self._check_new_data(X)
        weights = as_sample_weight(sample_weight, X.shape[0])
        _, min_d2 = assign_checked(get_backend(X), X, self.cluster_centers_)
        d2 = np.asarray(min_d2, dtype=np.float64)
        return -float(d2.sum() if weights is None else (weights * d2).sum())
