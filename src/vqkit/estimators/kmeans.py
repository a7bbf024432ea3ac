"""``vqkit.KMeans``: a scikit-learn–style k-means estimator on vqkit's engine.

The estimator validates arguments, calls the core fit driver
(``vqkit.core.fit``) and shapes the results; the algorithms live in the core
and the arithmetic in the backend.  Using the fitted model (``predict``,
``transform``, ``score``) is the base class's.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

from numpy.typing import ArrayLike

from .._progress import lloyd_callback
from ..backends import Backend, get_backend
from ..backends.base import MANHATTAN_HINT
from ..core.fit import fit_kmeans
from ..core.lloyd import IterationStats
from ..core.random import check_random_state
from ..exceptions import ClusterError
from ..validation import as_float_2d, as_sample_weight, check_init, check_n_clusters
from ._base import CentroidEstimator, check_dask_metric
from ._params import KMEANS

#: ``algorithm="auto"`` uses Hamerly's bounds from ``HAMERLY_MIN_CLUSTERS``
#: clusters on: at any width on a backend with ``"wide_bounds"`` (bounds
#: from its dot-product kernels), else up to ``HAMERLY_MAX_FEATURES``
#: features.  Below that a full scan is cheap next to the bound test.
#: Measured (2-core Xeon, whole fits from the same rows, default tol,
#: Gaussian noise and blobs, time with bounds / Lloyd's): 32 clusters
#: 1.00-1.71 (slower), 16 clusters 1.15-1.79; 64 clusters 0.55-0.85 at 32
#: features, 0.69-0.83 (float64) and 1.00-1.09 (float32) at 8, 1.00-1.09
#: (float64) and 1.16-1.29 (float32) at 2, 0.67-1.12 at 128; 128 to 256
#: clusters 0.57-0.90.  Over only the first 10 iterations from random rows
#: Lloyd is faster (the shape grid in benchmarks/).
HAMERLY_MAX_FEATURES = 16
HAMERLY_MIN_CLUSTERS = 64


def resolve_algorithm(algorithm: str, n_features: int, n_clusters: int, backend: Backend) -> str:
    """The algorithm ``"auto"`` and ``"elkan"`` stand for, given the
    problem's shape and what the backend's Hamerly bounds cover (none:
    Lloyd; rows of many features only with ``"wide_bounds"``).  ``"auto"``
    takes Hamerly's bounds from ``HAMERLY_MIN_CLUSTERS`` clusters on;
    ``"elkan"`` (scikit-learn's exact, bound-based algorithm) takes them
    wherever the backend has them, and warns, as scikit-learn does, that
    it means nothing for one cluster."""
    if algorithm == "elkan" and n_clusters == 1:
        warnings.warn(
            "algorithm='elkan' doesn't make sense for a single cluster. Using 'lloyd' instead.",
            RuntimeWarning,
            stacklevel=3,
        )
        return "lloyd"
    if algorithm not in ("auto", "elkan"):
        return algorithm
    if "hamerly_bounds" not in backend.capabilities:
        return "lloyd"
    if algorithm == "auto" and n_clusters < HAMERLY_MIN_CLUSTERS:
        return "lloyd"
    if n_features <= HAMERLY_MAX_FEATURES or "wide_bounds" in backend.capabilities:
        return "hamerly"
    return "lloyd"


class KMeans(CentroidEstimator):
    """K-means clustering (Lloyd's algorithm on a compiled, parallel engine).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (centres) to form.
    init : {"k-means++", "k-means||", "random"}, callable or array, default="k-means++"
        How the first centres are chosen:

        * ``"k-means++"``: greedy k-means++ (``2 + log(k)`` candidates per
          step, the best kept), weighted by ``sample_weight``; distances a
          candidate provably cannot improve are skipped, so large ``k``
          stays cheap.  For a Dask array, whose every read is a pass over
          the cluster, it runs as its scalable form ``"k-means||"`` (k
          sequential passes would be needed otherwise; see ``docs/dask.md``);
        * ``"k-means||"``: scalable k-means++ (Bahmani et al.): 5 rounds of
          independent sampling, about ``k/2`` candidates each, reduced to
          ``k`` by weighted k-means++; a few Lloyd iterations of work;
        * ``"random"``: ``k`` distinct rows drawn in proportion to weight;
        * an array of shape ``(n_clusters, n_features)``: the centres;
        * a callable ``init(X, n_clusters, random_state)`` returning such
          an array.
    n_init : "auto" or int, default="auto"
        Number of seedings; the run with the lowest inertia is kept.
        ``"auto"``: 1 for ``"k-means++"``, ``"k-means||"`` or an array, 10
        for ``"random"`` or a callable (scikit-learn's meaning).
    max_iter : int, default=300
        Maximum number of Lloyd iterations of a run.
    tol : float, default=1e-4
        A run has converged when one iteration moves the centres by no
        more than ``tol`` times the mean per-feature variance of ``X``,
        measured as the sum over centres of their squared displacement.
        A run also stops as soon as an iteration changes no label.
    verbose : int, default=0
        Print one line per iteration (inertia, labels changed, time).
    random_state : int, RandomState instance or None, default=None
        Seeds the seedings.  None: NumPy's global random state.  The same
        value gives the same result, whatever the number of threads.
    copy_x : bool, default=True
        Accepted for scikit-learn compatibility.  vqkit never modifies
        ``X``: data centring, which keeps float32 distances accurate, is
        applied block by block without a copy of ``X``.
    algorithm : {"auto", "lloyd", "elkan", "hamerly"}, default="auto"
        The iteration algorithm.  ``"lloyd"``: every point against every
        centre each iteration, with fused, blocked kernels (direct
        differences for fewer than 5 features, matrix products otherwise).
        ``"hamerly"``: the same iterations, but each point keeps a lower
        bound on its distance to its second-nearest centre, and points that
        provably keep their centre skip the scan.  ``"auto"`` picks
        ``"hamerly"`` from 64 clusters on (float32 data: up to 16
        features), ``"lloyd"`` otherwise.  ``"elkan"``, scikit-learn's name
        for its exact bound-based algorithm, runs ``"hamerly"`` wherever
        the backend keeps Hamerly's bounds (float32 data: up to 16
        features), ``"lloyd"`` otherwise; all give Lloyd's result.
    empty_clusters : {"relocate", "keep", "raise"}, default="relocate"
        What happens when a centre ends an assignment with no points (or
        only points of weight zero): ``"relocate"`` moves it onto the point
        farthest from its own centre (scikit-learn's behaviour), ``"keep"``
        leaves it where it was, ``"raise"`` raises
        :class:`vqkit.ClusterError`.
    callback : callable or None, default=None
        Called after every iteration with a ``vqkit.core.lloyd.IterationStats``
        (iteration, inertia, distortion, n_changed, n_empty, center_shift,
        seconds); returning True stops the run.
    metric : {"euclidean", "cosine", "manhattan"}, default="euclidean"
        ``"cosine"`` is spherical k-means: rows are scaled to unit length,
        each centre is the unit-length (weighted) mean direction of its
        rows, rows go to the centre of highest cosine similarity, and
        ``inertia_`` is the (weighted) sum of ``1 - cos``.  All-zero rows
        are rejected (they have no direction).  ``"manhattan"`` is
        k-medians: rows go to the centre of least L1 distance, each centre
        is the (weighted) coordinate-wise median of its rows (the midpoint of
        the two middle values when the weight splits evenly), ``inertia_``
        is the (weighted) sum of L1 distances; seeding is Euclidean and
        ``algorithm`` is always Lloyd's.  ``predict``, ``transform`` and
        ``score`` use the fitted metric.
    progress : bool, default=False
        Show a progress bar with the time left on stderr (a terminal, a
        notebook or a file) for a fit that lasts more than a second: one
        unit per Lloyd iteration of each run.  The result is the same.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centres, in ``X``'s float dtype (float32 stays float32).
    labels_ : ndarray of shape (n_samples,), int32
        Index of the nearest centre of each training row.
    inertia_ : float
        Sum of (weighted) squared distances of the rows to their nearest
        centre (``metric="cosine"``: of ``1 - cos``; ``"manhattan"``: of L1
        distances).  ``labels_`` and ``inertia_`` always describe
        ``cluster_centers_``.
    n_iter_ : int
        Iterations run by the kept run.
    n_features_in_ : int
        Number of features seen during ``fit``.
    history_ : list of IterationStats
        Per-iteration statistics of the kept run.

    ``save(path)`` writes a fitted model to one ``.npz`` file (no pickle)
    and ``KMeans.load(path)`` reads it back, exactly.

    Notes
    -----
    Data whose largest magnitude lies outside ``[2**-300, 2**300]``
    (float32: ``[2**-37, 2**37]``) is fitted, predicted and scored scaled by
    an exact power of two that brings its largest magnitude near the top of
    the range where squared distances still sum without overflow: subnormal
    data, or a row at 1e300 among rows near 1, gives the labels and centres
    of the unscaled data.  Squared distances below the dtype's smallest
    number after that scaling count as ties.  An inertia beyond the largest
    float64 is reported as ``inf`` with a ``RuntimeWarning``.  Python
    integers beyond float64 raise ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import KMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> km.predict([[0, 0], [12, 3]]).tolist() == [km.labels_[0], km.labels_[3]]
    True
    >>> float(km.inertia_)
    16.0
    """

    _parameter_constraints = KMEANS
    _accept_sparse = True
    _accept_array_api = True
    _accept_dask = True
    _fitted_attributes = (
        "cluster_centers_",
        "labels_",
        "inertia_",
        "n_iter_",
        "n_features_in_",
        "history_",
    )
    _history_type = IterationStats

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Callable[..., ArrayLike] | ArrayLike = "k-means++",
        n_init: str | int = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        verbose: int = 0,
        random_state: Any = None,
        copy_x: bool = True,
        algorithm: str = "auto",
        empty_clusters: str = "relocate",
        callback: Callable[[IterationStats], Any] | None = None,
        metric: str = "euclidean",
        progress: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm
        self.empty_clusters = empty_clusters
        self.callback = callback
        self.metric = metric
        self.progress = progress

    # ------------------------------------------------------------------
    # validation

    def _check_params(self, X: Any, backend: Backend) -> tuple[Any, int]:
        """Check the parameters (for the data ``X`` of ``backend``); returns
        the seeding to run and the number of runs."""
        self._validate_params()
        check_n_clusters(self.n_clusters, X.shape[0])
        init = self.init
        if "lazy" in backend.capabilities:  # Dask: also refuses the other metrics
            init = _dask_init(self, init)
        elif self.metric == "manhattan" and "manhattan" not in backend.capabilities:
            raise backend.unsupported("metric='manhattan'", MANHATTAN_HINT)
        return check_init(init, self.n_init, X, self.n_clusters, type(self).__name__, 10)

    # ------------------------------------------------------------------
    # fitting

    def fit(self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None) -> KMeans:
        """Compute k-means clustering.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
            Training data; float32 is kept, other numbers become float64.
            Sparse data (any SciPy format, used as CSR; ``metric``
            ``"euclidean"`` or ``"cosine"``) is never densified: its
            distances are computed from the nonzeros of each row.  Arrays
            of other Array API libraries (PyTorch, CuPy) are computed on
            their device, and the fitted arrays are of their library (see
            docs/gpu.md).
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row (non-negative; used by the seeding too).

        Returns
        -------
        self
        """
        self._reset_feature_names(X)
        X = as_float_2d(X, accept_sparse=True, accept_array_api=True, accept_dask=True)
        backend = get_backend(X)
        init, n_init = self._check_params(X, backend)
        weights = as_sample_weight(sample_weight, X.shape[0], X, checked_by_fit=True)
        with self._progress_callback(
            self._iteration_callback(),
            n_init * self.max_iter,
            lambda bar: lloyd_callback(bar, self.max_iter, n_init),
        ) as callback:
            result = fit_kmeans(
                X,
                self.n_clusters,
                backend=backend,
                init=init,
                n_init=n_init,
                max_iter=self.max_iter,
                tol=self.tol,
                weights=weights,
                random_state=check_random_state(self.random_state),
                empty="keep" if self.empty_clusters == "raise" else self.empty_clusters,
                on_empty=self._empty_handler(),
                callback=callback,
                algorithm=resolve_algorithm(self.algorithm, X.shape[1], self.n_clusters, backend),
                metric=self.metric,
            )
        self.cluster_centers_ = result.centers
        self.labels_ = result.labels
        self.inertia_ = result.inertia
        self.n_iter_ = result.n_iter
        self.history_ = result.history
        self.n_features_in_ = X.shape[1]
        self._warn_missing_clusters(backend, result.labels, self.n_clusters)
        return self

    def _empty_handler(self) -> Callable[[], None] | None:
        if self.empty_clusters != "raise":
            return None

        def raise_empty() -> None:
            raise ClusterError(
                "A cluster lost all its points during the fit (empty_clusters='raise'). "
                "Use empty_clusters='relocate' or 'keep', fewer clusters, or another init."
            )

        return raise_empty

    def _iteration_callback(self) -> Callable[[IterationStats], Any] | None:
        user = self.callback
        if not self.verbose:
            return user

        def report(stats: IterationStats) -> Any:
            print(
                f"Iteration {stats.iteration}: inertia {stats.inertia:.6g}, "
                f"{stats.n_changed} labels changed, {stats.n_empty} empty, "
                f"centre shift {stats.center_shift:.3g}, {stats.seconds * 1e3:.1f} ms",
                file=sys.stdout,
            )
            return user(stats) if user is not None else None

        return report

    @property
    def _metric(self) -> str:
        """The metric of ``predict``, ``transform`` and ``score``: ``metric``."""
        return self.metric


def _dask_init(estimator: KMeans, init: Any) -> Any:
    """The seeding a fit on a Dask array runs (every read of X is a pass over
    the cluster, so only seedings that need few passes): k-means++ becomes
    its scalable form k-means||; "random" is refused."""
    check_dask_metric(estimator.metric)
    if isinstance(init, str) and init == "k-means++":
        return "k-means||"
    if isinstance(init, str) and init == "random":
        raise ValueError(
            "init='random' needs the data in memory; for a Dask array use "
            "init='k-means++' (run as k-means||, the default), 'k-means||', an array "
            "of centres or a callable."
        )
    return init
