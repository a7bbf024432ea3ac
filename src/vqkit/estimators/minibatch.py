"""``vqkit.MiniBatchKMeans``: mini-batch k-means as a scikit-learn–style estimator.

The estimator validates arguments, calls the core (``vqkit.core.minibatch``)
and shapes the results; the algorithm lives in the core and the arithmetic
in the backend.  Using the fitted model (``predict``, ``transform``,
``score``) is the base class's.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._progress import ProgressBar
from ..backends import Backend, array_kind, get_backend
from ..core.lloyd import fused_step, read_step, total_inertia
from ..core.minibatch import (
    MiniBatchState,
    MiniBatchStats,
    fit_minibatch,
    partial_fit_carry,
    partial_fit_chunk,
    start_partial,
)
from ..core.random import check_random_state
from ..validation import as_float_2d, as_sample_weight, check_init, check_n_clusters
from ._base import CentroidEstimator
from ._params import MINIBATCH


class MiniBatchKMeans(CentroidEstimator):
    """Mini-batch k-means: centres learnt from small random batches.

    Each step assigns a batch of rows to the nearest centres (the compiled
    kernels of :class:`vqkit.KMeans`) and moves each centre towards the
    mean of its batch rows with a learning rate of one over the total
    weight it has absorbed.  Much cheaper than full Lloyd iterations on
    large data, at a small cost in inertia.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (centres).
    init : {"k-means++", "k-means||", "random"}, callable or array, default="k-means++"
        Seeding, as for :class:`vqkit.KMeans`, run on a random sample of
        ``init_size`` rows.
    max_iter : int, default=100
        Maximum number of passes over the data: at most
        ``max_iter * n_samples // batch_size`` steps.
    batch_size : int, default=1024
        Rows per mini-batch.  Batches are drawn uniformly with replacement;
        ``sample_weight`` weights each row's contribution to the update
        (scikit-learn's choice), it does not change which rows are drawn.
    verbose : int, default=0
        Print one line per step.
    compute_labels : bool, default=True
        After fitting, assign every row of ``X`` once so that ``labels_``
        and ``inertia_`` describe the final centres.  False: no
        ``labels_``, and ``inertia_`` is estimated from the smoothed batch
        inertia (``ewa * n_samples``), as in scikit-learn.
    random_state : int, RandomState instance or None, default=None
        Seeds the seeding, the batches and the reassignments.  The same
        value gives the same result, whatever the number of threads.
    tol : float, default=0.0
        Early stopping on centre movement: stop after a step that moved the
        centres by no more than ``tol`` times the mean per-feature variance
        of ``X`` (sum of squared displacements).  0 disables it.
    max_no_improvement : int or None, default=10
        Early stopping on the smoothed inertia: the per-row batch inertia
        is averaged with an exponential weight ``alpha = min(1, 2 *
        batch_size / (n_samples + 1))``; the fit stops when that average
        has not reached a new minimum for this many consecutive steps.
        None disables it.
    init_size : int or None, default=None
        Rows sampled (with replacement) for each seeding and for comparing
        seedings.  None: ``3 * batch_size``; raised to ``3 * n_clusters``
        when smaller than ``n_clusters`` (with a ``RuntimeWarning`` when
        given, as scikit-learn warns); at most ``n_samples``.
    n_init : "auto" or int, default="auto"
        Number of seedings; the one with the lowest inertia on a validation
        sample of ``init_size`` rows is kept.  ``"auto"``: 1 for
        ``"k-means++"``, ``"k-means||"`` or an array, 3 for ``"random"`` or
        a callable (scikit-learn's meaning).  ``fit`` only: ``partial_fit``
        seeds once, as scikit-learn's does.
    reassignment_ratio : float, default=0.01
        A centre whose total weight is below this fraction of the largest
        centre's is moved onto a random row of the current batch (checked
        when some centre has weight zero or after every ``10 * n_clusters``
        rows; at most half the batch is used; the moved centres get the
        smallest weight of the others).  0 disables it.  Deterministic for
        a given ``random_state``.
    callback : callable or None, default=None
        Called after every step with a
        ``vqkit.core.minibatch.MiniBatchStats`` (step, batch_inertia,
        ewa_inertia, n_reassigned, seconds); returning True stops.
    progress : bool, default=False
        Show a progress bar with the time left on stderr (a terminal, a
        notebook or a file) for a ``fit`` that lasts more than a second: one
        unit per step.  The result is the same.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centres, in ``X``'s float dtype (float32 stays float32).
    labels_ : ndarray of shape (n_samples,), int32
        Nearest centre of each row of the last ``fit`` (or of the last
        ``partial_fit`` chunk); only with ``compute_labels``.
    inertia_ : float
        (Weighted) sum of squared distances of those rows to their nearest
        centre.
    counts_ : ndarray of shape (n_clusters,), float64
        Total weight each centre has absorbed (the inverse learning rate).
    n_iter_ : int
        Passes over the data made by ``fit`` (``ceil(n_steps_ *
        batch_size / n_samples)``); with ``partial_fit``, the number of
        chunks seen.
    n_steps_ : int
        Mini-batch steps made.
    n_features_in_ : int
        Number of features seen during fitting.
    history_ : list of MiniBatchStats
        Per-step statistics.

    ``save(path)`` writes a fitted model to one ``.npz`` file and
    ``MiniBatchKMeans.load(path)`` reads it back (``partial_fit`` can go on
    from a loaded model).

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import MiniBatchKMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0],
    ...               [10, 2], [10, 4], [10, 0]])
    >>> mbk = MiniBatchKMeans(n_clusters=2, batch_size=6, random_state=0).fit(X)
    >>> sorted(np.round(mbk.cluster_centers_).tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    >>> mbk.predict([[0, 0], [12, 3]]).tolist() == [mbk.labels_[0], mbk.labels_[3]]
    True
    """

    _parameter_constraints = MINIBATCH
    _accept_sparse = True
    _accept_dask = True
    _fitted_attributes: tuple[str, ...] = (
        "cluster_centers_",
        "labels_",
        "inertia_",
        "counts_",
        "n_iter_",
        "n_steps_",
        "n_features_in_",
        "history_",
    )
    _history_type = MiniBatchStats

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Callable[..., ArrayLike] | ArrayLike = "k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        verbose: int = 0,
        compute_labels: bool = True,
        random_state: Any = None,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init: str | int = "auto",
        reassignment_ratio: float = 0.01,
        callback: Callable[[MiniBatchStats], Any] | None = None,
        progress: bool = False,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.verbose = verbose
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.callback = callback
        self.progress = progress

    # ------------------------------------------------------------------
    # validation

    def _check_params(self, X: Any) -> tuple[Any, int, int]:
        """Check the parameters (for the data ``X``); returns the seeding to
        run, the number of seedings and the rows each seeding samples."""
        self._validate_params()
        n = X.shape[0]
        k = self.n_clusters
        check_n_clusters(k, n)
        init, n_init = check_init(self.init, self.n_init, X, k, type(self).__name__, 3)
        init_size = self.init_size
        if init_size is not None and init_size < k:
            warnings.warn(
                f"init_size={init_size} should be larger than n_clusters={k}. "
                "Setting it to min(3*n_clusters, n_samples)",
                RuntimeWarning,
                stacklevel=3,
            )
        if init_size is None:
            init_size = 3 * self.batch_size
        if init_size < k:
            init_size = 3 * k
        return init, int(n_init), int(min(init_size, n))

    def _step_callback(self) -> Callable[[MiniBatchStats], Any] | None:
        user = self.callback
        if not self.verbose:
            return user

        def report(stats: MiniBatchStats) -> Any:
            ewa = "-" if stats.ewa_inertia is None else f"{stats.ewa_inertia:.6g}"
            print(
                f"Step {stats.step}: batch inertia {stats.batch_inertia:.6g}, "
                f"ewa inertia {ewa}, {stats.n_reassigned} reassigned, "
                f"{stats.seconds * 1e3:.2f} ms",
                file=sys.stdout,
            )
            return user(stats) if user is not None else None

        return report

    # ------------------------------------------------------------------
    # fitting

    def fit(
        self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None
    ) -> MiniBatchKMeans:
        """Compute mini-batch k-means on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 is kept, other numbers become float64.
            SciPy sparse data is used as CSR and never densified.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row (non-negative): weights the seeding and each
            row's share of the updates; batches are drawn uniformly.

        Returns
        -------
        self
        """
        self._reset_feature_names(X)
        original = X
        X = as_float_2d(X, accept_sparse=True)
        backend = get_backend(X)
        init, n_init, init_size = self._check_params(X)
        weights = as_sample_weight(sample_weight, X.shape[0], X)
        rng = check_random_state(self.random_state)
        with self._progress_callback(
            self._step_callback(),
            max(1, (self.max_iter * X.shape[0]) // self.batch_size),
            _step_progress,
        ) as callback:
            result = fit_minibatch(
                X,
                self.n_clusters,
                backend=backend,
                init=init,
                n_init=n_init,
                init_size=init_size,
                batch_size=self.batch_size,
                max_iter=self.max_iter,
                tol=self.tol,
                max_no_improvement=self.max_no_improvement,
                reassignment_ratio=self.reassignment_ratio,
                weights=weights,
                random_state=rng,
                callback=callback,
            )
        state = result.state
        self._rng, self._state = rng, state
        self.n_iter_ = result.n_iter
        self._set_state_attributes(state, X.shape[1])
        if self.compute_labels:
            self._label(X, weights, backend)
        else:
            self.__dict__.pop("labels_", None)
            ewa = state.ewa_inertia
            self.inertia_ = float("nan") if ewa is None else float(ewa * X.shape[0])
        self._keep_in_input_library(original)
        return self

    def partial_fit(
        self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None
    ) -> MiniBatchKMeans:
        """Update the centres from one chunk of data only (streaming).

        The first call seeds the centres once from its chunk (which needs
        at least ``n_clusters`` rows; ``n_init`` is not used, as in
        scikit-learn, and the same ``random_state`` gives scikit-learn's
        initial centres); every call then makes one pass over its
        chunk in batches of ``batch_size`` rows in a random order (a chunk
        of at most ``batch_size`` rows is a single step, as in
        scikit-learn).  Chunks never need to be in memory together.  After
        :meth:`fit`, ``partial_fit`` goes on from the fitted centres.

        A Dask array (or DataFrame) is a stream of chunks: its row blocks
        are taken in order, each on the worker that holds it, exactly as
        if ``partial_fit`` were called on each block in turn (the first
        block seeds, so it needs ``n_clusters`` rows); only the centres
        travel.  ``callback`` and ``verbose`` are not called for them, and
        ``labels_`` is a lazy Dask array.

        Returns
        -------
        self
        """
        if array_kind(X) == "dask":  # an array or a DataFrame: its blocks in order
            return self._partial_fit_dask(X, sample_weight)
        first = not hasattr(self, "cluster_centers_")
        original = X
        if first:
            self._reset_feature_names(X)
            X = as_float_2d(X, accept_sparse=True)
            backend = get_backend(X)
            init, _, init_size = self._check_params(X)  # partial_fit seeds once
        else:
            X, backend = self._check_new_data(X)
        weights = as_sample_weight(sample_weight, X.shape[0], X)
        rng = getattr(self, "_rng", None)
        if rng is None:
            rng = self._rng = check_random_state(self.random_state)
        if first:
            state = start_partial(
                X,
                self.n_clusters,
                init=init,
                init_size=init_size,
                random_state=rng,
                backend=backend,
                weights=weights,
            )
            self.n_iter_ = 0
        else:
            state = self._current_state()
        partial_fit_chunk(
            X,
            state,
            backend=backend,
            batch_size=min(self.batch_size, X.shape[0]),
            reassignment_ratio=self.reassignment_ratio,
            weights=weights,
            random_state=rng,
            callback=self._step_callback(),
        )
        self._state = state
        self.n_iter_ += 1
        self._set_state_attributes(state, X.shape[1])
        if self.compute_labels:
            self._label(X, weights, backend)
        self._keep_in_input_library(original)
        return self

    def _current_state(self) -> MiniBatchState:
        """The streaming state to continue from: the one of the last call, or
        for a model loaded from a file one rebuilt from its attributes."""
        state = getattr(self, "_state", None)
        if state is None:
            state = MiniBatchState(
                centers=np.array(self.cluster_centers_),
                counts=np.array(self.counts_, dtype=np.float64),
                n_steps=int(self.n_steps_),
                history=list(self.history_),
            )
        return state

    def _partial_fit_dask(self, X: Any, sample_weight: Any) -> MiniBatchKMeans:
        first = not hasattr(self, "cluster_centers_")
        init = init_size = None
        state = None
        if first:
            self._reset_feature_names(X)
            X = as_float_2d(X, accept_dask=True)
            backend = get_backend(X)
            init, _, init_size = self._check_params(X)  # partial_fit seeds once
            self.n_iter_ = 0
        else:
            X, backend = self._check_new_data(X)
            state = self._current_state()
        weights = as_sample_weight(sample_weight, X.shape[0], X)
        rng = getattr(self, "_rng", None)
        if rng is None:
            rng = check_random_state(self.random_state)
        step = functools.partial(  # on the blocks, NumPy arrays: the dense backend
            partial_fit_carry,
            backend=backend.host,
            n_clusters=self.n_clusters,
            init=init,
            init_size=init_size,
            batch_size=self.batch_size,
            reassignment_ratio=self.reassignment_ratio,
        )
        state, self._rng = backend.fold_blocks(step, X, weights, (state, rng))
        self._state = state
        self.n_iter_ += X.numblocks[0]
        self._set_state_attributes(state, X.shape[1])
        if self.compute_labels:  # one read: lazy labels on the workers, the inertia
            result = fused_step(backend, X, state.centers, weights, None, state.origin, "auto", 0)
            self.labels_, self.inertia_ = result.labels, read_step(backend, result)[0]
        return self

    def _set_state_attributes(self, state: MiniBatchState, n_features: int) -> None:
        self.cluster_centers_ = state.centers
        self.counts_ = state.counts
        self.n_steps_ = state.n_steps
        self.history_ = state.history
        self.n_features_in_ = n_features
        self._fitted_attributes = tuple(
            name
            for name in type(self)._fitted_attributes
            if name != "labels_" or self.compute_labels
        )

    def _label(self, X: Any, weights: Any, backend: Backend) -> None:
        labels, min_d2 = self._nearest(X, backend)  # in rescaled units where needed
        self.labels_ = labels
        self.inertia_ = total_inertia(backend.xp, min_d2, weights)


def _step_progress(bar: ProgressBar) -> Callable[[MiniBatchStats], None]:
    """The callback moving ``progress=True``'s bar: one unit per step."""

    def step(stats: MiniBatchStats) -> None:
        ewa = "" if stats.ewa_inertia is None else f", ewa inertia {stats.ewa_inertia:.6g}"
        bar.advance(1, f"step {stats.step + 1}{ewa}")

    return step
