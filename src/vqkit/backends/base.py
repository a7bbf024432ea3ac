"""The backend contract: what the core may ask of a backend, in code.

A backend does the arithmetic of k-means for one kind of array (see
:func:`array_kind`).  :class:`Backend` holds

* the small required core (abstract methods), in the spirit of faiss's
  "dataset that can assign": nearest centres, per-cluster sums, column
  statistics, non-finite count, row access and the full distance matrix;
* optional methods with a default here: either a generic fallback, or a
  refusal with :class:`UnsupportedByBackend` naming the backend and the
  feature;
* ``capabilities``: the optional features the core chooses on (one set
  lookup per fit, never ``hasattr``), from :data:`CAPABILITIES`;
* array helpers (namespace, host copies, dtypes, cumulative sums ...)
  that the core uses instead of asking what kind of array it holds: the
  NumPy implementations here serve the CPU, sparse and Dask backends (whose
  small results are NumPy arrays); a backend whose arrays live elsewhere
  overrides them.

Arrays: ``X`` is the data (rows of the backend's kind), ``C`` dense
centres, ``labels`` int32 cluster numbers, ``weights`` None (every row
counts 1) or float64 row weights.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

#: Optional features a backend may declare in ``capabilities``, and what each
#: promises (the methods named are refused by backends without the feature).
CAPABILITIES = MappingProxyType(
    {
        "assign_and_sum": (
            "assign_and_sum: one read of X assigns, sums, counts changed labels and "
            "finds the farthest rows (for data whose every read is costly, for "
            "devices where every scalar read stalls: the step's scalars may stay on "
            "the device until host_values reads them together, and for compiled "
            "kernels that do the rest of an iteration in one pass after the assignment)"
        ),
        "compiled_runs": "runs_compiled / lloyd_runs: whole small Lloyd fits in one call",
        "kmeans_plusplus": (
            "candidate_potentials / add_center / update_min_sq_dist: k-means++ over every row of X"
        ),
        "closer_marks": (
            "closer_marks, filled by candidate_potentials(closer=) and read by "
            "add_center(closer=, trial=)"
        ),
        "chunk_draws": "sampling_mass / draw_rows: k-means++ draws from per-chunk totals",
        "seeding_distances": "seeding_distances: the greedy k-means++ state kept by the backend",
        "nearest_tracker": "nearest_tracker: the k-means|| state kept by the backend",
        "round_passes": (
            "round_tracker: the k-means|| state kept by the backend, one read of X per "
            "round (distances lowered and the next candidates drawn in the same pass)"
        ),
        "scipy_formula": "assign(formula='scipy') computes as SciPy's vq does",
        "manhattan": (
            "l1_assigner / assign_l1 / l1_distances / cluster_medians: k-medians in "
            "Manhattan distance"
        ),
        "hamerly_bounds": (
            "bounded_assigner(X) returns an assigner carrying Hamerly's bounds "
            "(else None: full scans)"
        ),
        "wide_bounds": "the Hamerly bounds pay off for rows of many features too",
        "lazy": "results about rows are lazy arrays, computed when asked for",
        "fold_blocks": "fold_blocks: a function folded over the row blocks of X, in order",
    }
)

#: Top-level modules of array libraries whose arrays get the Array API
#: backend (besides any other array that has ``__array_namespace__``).
ARRAY_API_MODULES = ("torch", "cupy", "jax", "jaxlib", "array_api_strict", "dpnp", "mlx")

#: Stands for every host NumPy array when asking for their backend.
_HOST_ARRAY = np.empty((0, 0))

#: What to do instead of the Manhattan metric where a backend lacks it.
MANHATTAN_HINT = "pass a dense NumPy array or use metric='euclidean' or 'cosine'."


class UnsupportedByBackend(TypeError):
    """A backend was asked for a feature it does not offer.

    A ``TypeError`` (the operation does not apply to this type of array)
    whose message names the backend, the arrays it serves and the feature,
    with what to do instead when ``hint`` says it.
    """

    def __init__(self, backend: Backend, feature: str, hint: str = "") -> None:
        self.backend = backend.name
        self.feature = feature
        super().__init__(
            f"{feature} is not supported by vqkit's {backend.name} backend "
            f"({backend.arrays})" + (f"; {hint}" if hint else ".")
        )


def array_kind(X: Any) -> str:
    """What kind of array ``X`` is: ``"sparse"`` (a SciPy sparse matrix or
    array), ``"dask"`` (a Dask array or DataFrame), ``"array_api"`` (an
    array of an Array API library other than NumPy: PyTorch, CuPy,
    array-api-strict ...) or ``"numpy"`` (anything else: NumPy arrays and
    what NumPy converts).

    No library is imported to find out; this is the one place that asks.
    """
    if isinstance(X, (np.ndarray, np.generic)):
        return "numpy"
    module = type(X).__module__
    if module.startswith("scipy.sparse"):
        return "sparse"
    if module.split(".")[0] in ("dask", "dask_expr"):
        return "dask"
    if module.split(".")[0] in ARRAY_API_MODULES or hasattr(X, "__array_namespace__"):
        return "array_api"
    return "numpy"


def host_array(a: Any) -> Any:
    """``a`` as a NumPy array when it is an array of an Array API library
    other than NumPy; anything else as it is (for values of unknown kind
    at an entry point, such as the fitted attributes of a model)."""
    if array_kind(a) != "array_api":
        return a
    from . import get_backend  # the Array API backend, imported only for such arrays

    return get_backend(a).to_host(a)


class Backend(ABC):
    """The arithmetic of k-means for the arrays of one kind.

    Subclasses set :attr:`name` and :attr:`arrays`, implement the abstract
    methods, declare their optional features in :attr:`capabilities` and
    implement the methods those features name (see :data:`CAPABILITIES`).
    """

    #: Short name of the backend ("cpu", "sparse", "dask", "array_api").
    name: str = "backend"
    #: The arrays it computes on, in words (for messages).
    arrays: str = "arrays"
    #: The array namespace for elementwise work on the backend's arrays.
    xp: Any = np
    #: Optional features the core may choose (see :data:`CAPABILITIES`).
    capabilities: frozenset[str] = frozenset()
    #: Keyword arguments of k-means|| (``rounds``, ``oversampling``) suited
    #: to what a read of the data costs on this backend.
    seeding_options: MappingProxyType[str, Any] = MappingProxyType({})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        unknown = set(cls.capabilities) - set(CAPABILITIES)
        if unknown:
            raise TypeError(f"{cls.__name__} declares unknown capabilities {sorted(unknown)}")

    def unsupported(self, feature: str, hint: str = "") -> UnsupportedByBackend:
        """The exception refusing ``feature`` on this backend (to raise)."""
        return UnsupportedByBackend(self, feature, hint)

    # ------------------------------------------------------------------
    # the backends of the arrays beside the data

    @property
    def host(self) -> Backend:
        """The backend of host NumPy arrays derived from the data (k-means||
        candidates gathered from the rows, reference data): the CPU backend."""
        from . import get_backend  # the package, imported before any backend

        return get_backend(_HOST_ARRAY)

    @property
    def dense(self) -> Backend:
        """The backend of dense arrays beside the data, in its library and on
        its device (initial centres): the host backend unless overridden."""
        return self.host

    # ------------------------------------------------------------------
    # the required core

    @abstractmethod
    def assign(self, X: Any, C: Any, origin: Any = None, formula: str = "auto") -> tuple[Any, Any]:
        """Nearest row of ``C`` for each row of ``X``: ``(labels, min_d2)``.

        int32 labels (ties to the lowest index; ``-1`` where no distance is
        finite) and squared distances in the common dtype of ``X`` and
        ``C``.  ``origin`` (a point near the data) is subtracted before
        distances are expanded into products: it changes rounding only.
        ``formula="scipy"``: SciPy's ``vq`` arithmetic where the backend
        declares ``"scipy_formula"``; otherwise accepted and ignored.  A
        ``"lazy"`` backend returns lazy arrays whose computation raises
        ``ValueError`` where a row has no finite distance.
        """

    @abstractmethod
    def cluster_sums(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Weighted sums of the rows per cluster and the weight totals:
        float64 ``(sums, wsums)`` of shapes ``(k, d)`` and ``(k,)``, in a
        fixed order (the same for any number of threads).  Raises
        ``ValueError`` for labels outside ``[0, k)``."""

    @abstractmethod
    def column_mean_var(self, X: Any, weights: Any = None) -> tuple[Any, Any]:
        """Per-column (weighted) mean and population variance, float64,
        without temporaries of ``X``'s size."""

    @abstractmethod
    def count_non_finite(self, X: Any) -> int:
        """Number of NaN or infinite entries of ``X``."""

    @abstractmethod
    def dense_rows(self, X: Any, idx: ArrayLike) -> Any:
        """The rows ``idx`` (host integers) of ``X`` as a new dense array in
        ``X``'s dtype."""

    @abstractmethod
    def sq_distances(self, X: Any, C: Any) -> Any:
        """All squared distances, shape ``(n, k)``, in the common dtype (only
        for callers that ask for the full matrix, such as ``transform``)."""

    # ------------------------------------------------------------------
    # optional, with a generic fallback

    def bounded_assigner(self, X: Any) -> Any:
        """A stateful assigner of ``X`` that carries distance bounds between
        assignments (Hamerly's) where the backend declares
        ``"hamerly_bounds"``; None here: full scans give the same labels."""
        return None

    def max_abs(self, X: Any, weights: Any = None) -> float:
        """Largest magnitude in ``X`` as a float (0.0 for an empty array),
        from its maximum and minimum (no temporary of its size).
        ``weights``: the fit's row weights, for a backend that checks them
        in the same pass over ``X``."""
        return max(abs(float(X.max())), abs(float(X.min()))) if X.size else 0.0

    def min_nonzero_abs(self, X: Any, weights: Any = None) -> float:
        """Smallest non-zero magnitude in ``X`` as a float (``inf`` when it
        has none), in row chunks of bounded size.  ``weights`` as for
        :meth:`max_abs`."""
        xp, smallest = self.xp, math.inf
        rows = max(1, (1 << 22) // max(1, X.shape[1]))
        n = X.shape[0]
        for start in range(0, n, rows):
            A = xp.abs(X[start : min(start + rows, n), ...])
            m = float(xp.min(A))
            if m == 0:  # zeros replaced by the chunk's largest magnitude
                m = float(xp.min(xp.where(A > 0, A, xp.max(A))))
            if m > 0:
                smallest = min(smallest, m)
        return smallest

    # ------------------------------------------------------------------
    # optional: refused unless implemented (features behind a capability
    # are asked for only where the capability is declared)

    def row_sq_norms(self, X: Any) -> Any:
        """Squared Euclidean norm of each row (float64)."""
        raise self.unsupported("row norms (metric='cosine')")

    def divide_rows(self, X: Any, divisors: Any) -> Any:
        """Row ``i`` of ``X`` divided by ``divisors[i]`` (a new array, ``X``'s
        kind and dtype)."""
        raise self.unsupported("scaling rows (metric='cosine')")

    def update_min_sq_dist(self, X: Any, center: Any, min_d2: Any) -> None:
        """Lower ``min_d2`` (float64) to each row's squared distance to
        ``center`` (SciPy's k-means++)."""
        raise self.unsupported("k-means++ seeding")

    def candidate_potentials(
        self, X: Any, weights: Any, min_d2: Any, nearest: Any, candidates: Any, cc_d2: Any
    ) -> Any:
        """k-means++ potential ``sum_i w_i min(min_d2[i], |x_i - c|^2)`` of
        each candidate centre ``c`` (float64); ``cc_d2`` holds the squared
        distances between the chosen centres and the candidates, for
        pruning by the triangle inequality."""
        raise self.unsupported("k-means++ seeding")

    def add_center(
        self, X: Any, center: Any, index: int, min_d2: Any, nearest: Any, cc_d2_center: Any
    ) -> None:
        """Lower ``min_d2`` for a newly chosen centre (number ``index``) and
        point ``nearest`` at it where it is now the closest."""
        raise self.unsupported("k-means++ seeding")

    def mean_covariance(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Column means of ``X`` (in its dtype) and the sample covariance of
        its columns (``ddof=1``, float64), as host arrays (SciPy's Gaussian
        seeding)."""
        raise self.unsupported("column covariance")

    def greedy_pairwise(self, D: Any, weights: Any, first: int, uniforms: Any) -> Any:
        """Greedy k-means++ from a precomputed squared-distance matrix: the
        chosen row numbers, ``first`` and one per row of ``uniforms``."""
        raise self.unsupported("greedy k-means++ from a distance matrix")

    def l1_assigner(self, X: Any) -> Any:
        """Capability ``"manhattan"``: an assigner of ``X`` in Manhattan
        distance (``assign(C)``)."""
        raise self.unsupported("metric='manhattan'", MANHATTAN_HINT)

    def assign_l1(self, X: Any, C: Any) -> tuple[Any, Any]:
        """Capability ``"manhattan"``: nearest centre in Manhattan distance,
        ``(int32 labels, distances)``."""
        raise self.unsupported("metric='manhattan'", MANHATTAN_HINT)

    def l1_distances(self, X: Any, C: Any) -> Any:
        """Capability ``"manhattan"``: all Manhattan distances, ``(n, k)``."""
        raise self.unsupported("metric='manhattan'", MANHATTAN_HINT)

    def cluster_medians(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Capability ``"manhattan"``: weighted coordinate-wise medians per
        cluster (float64) and which clusters have rows of positive weight."""
        raise self.unsupported("metric='manhattan'", MANHATTAN_HINT)

    def cluster_distance_sums(
        self, X: Any, labels: Any, C: Any, weights: Any = None, squared: bool = True
    ) -> Any:
        """Per-cluster sums of (weighted) distances of rows to their centre
        ``C[labels[i]]`` (squared or not), float64."""
        raise self.unsupported("per-cluster distance sums (clustering metrics)")

    def silhouette_sums(self, X: Any, labels: Any, k: int, metric: str = "euclidean") -> Any:
        """``(n, k)``: each row's summed distance to the rows of every cluster,
        under ``metric`` (``"euclidean"``, ``"sqeuclidean"``, ``"manhattan"``
        or ``"cosine"``)."""
        raise self.unsupported("silhouette sums (clustering metrics)")

    def row_cluster_sums(self, D: Any, labels: Any, k: int) -> Any:
        """``(n, k)``: each row of the precomputed distance matrix ``D`` summed
        over the columns of every cluster."""
        raise self.unsupported("silhouette sums of precomputed distances")

    def assign_and_sum(
        self,
        X: Any,
        C: Any,
        weights: Any = None,
        previous_labels: Any = None,
        origin: Any = None,
        formula: str = "auto",
        n_far: int = 0,
        assigner: Any = None,
    ) -> Any:
        """Capability ``"assign_and_sum"``: one read of ``X`` that assigns
        (with the bounds of an ``assigner`` from :meth:`bounded_assigner`),
        sums per centre, counts the labels that differ from
        ``previous_labels``, sums the inertia and finds the ``n_far`` rows
        farthest from their centre.  Returns a step with ``labels``,
        ``sums``, ``wsums`` (float64, the backend's arrays), ``inertia``,
        ``n_changed``, ``n_unassigned`` (numbers, or 0-d arrays of the
        backend's library that the core reads together with
        :meth:`host_values`), ``first_unassigned`` (asked for only when
        ``n_unassigned`` is not 0), and ``far_rows``, ``far_labels``,
        ``far_weights`` (host arrays; a backend may find them when they
        are first asked for, which the core does only when a cluster is
        empty).  Labels of rows that found no centre are ``-1`` and their
        rows' contributions to the sums are unspecified (the core raises)."""
        raise self.unsupported("fused assignment and sums")

    def runs_compiled(self, n: int, d: int, k: int) -> bool:
        """Capability ``"compiled_runs"``: whether a Lloyd fit of ``n`` rows,
        ``d`` features and ``k`` centres is small enough for
        :meth:`lloyd_runs`."""
        raise self.unsupported("compiled Lloyd runs")

    def lloyd_runs(
        self,
        datasets: list,
        weights: Any,
        starts: list,
        which: Any,
        shift_tols: Any,
        max_iter: int,
    ) -> list:
        """Capability ``"compiled_runs"``: independent Lloyd fits to
        convergence, fit ``r`` from ``starts[r]`` on ``datasets[which[r]]``;
        one ``(centers, labels, n_iter, inertia, converged, unassigned)``
        per fit."""
        raise self.unsupported("compiled Lloyd runs")

    def closer_marks(self, n: int, trials: int) -> Any:
        """Capability ``"closer_marks"``: a per-row bit set for ``trials``
        candidates (or None beyond what it can hold), which
        ``candidate_potentials(..., closer=)`` fills and
        ``add_center(..., closer=, trial=)`` reads to visit fewer rows."""
        raise self.unsupported("k-means++ closer marks")

    def sampling_mass(self, min_d2: Any, weights: Any = None) -> Any:
        """Capability ``"chunk_draws"``: per-chunk totals of the k-means++
        sampling mass ``w_i min_d2[i]``."""
        raise self.unsupported("k-means++ draws from chunk totals")

    def draw_rows(self, min_d2: Any, weights: Any, chunk_mass: Any, values: Any) -> Any:
        """Capability ``"chunk_draws"``: the rows where the cumulative
        sampling mass reaches each of ``values``."""
        raise self.unsupported("k-means++ draws from chunk totals")

    def seeding_distances(self, X: Any, weights: Any, k: int) -> Any:
        """Capability ``"seeding_distances"``: the state of greedy k-means++
        kept by the backend (``min_d2``, ``potentials(idx)``, ``add(i, trial)``)."""
        raise self.unsupported("backend-side k-means++ state")

    def nearest_tracker(self, X: Any, weights: Any, origin: Any) -> Any:
        """Capability ``"nearest_tracker"``: the per-row state of k-means||
        kept by the backend (``weighted_index``, ``add``, ``potential``,
        ``sample``, ``candidate_weights``, ``release``)."""
        raise self.unsupported("backend-side k-means|| state")

    def round_tracker(self, X: Any, weights: Any, origin: Any) -> Any:
        """Capability ``"round_passes"``: the per-row state of k-means||
        kept by the backend, one read of ``X`` per round (``weighted_index``,
        ``round(rows, gaps, rng, count)``, ``finish(rows, gaps, m)``)."""
        raise self.unsupported("backend-side k-means|| rounds")

    def fold_blocks(self, fn: Any, X: Any, weights: Any, carry: Any) -> Any:
        """Capability ``"fold_blocks"``: ``carry = fn(block, weight_block,
        carry)`` over the row blocks of ``X`` in order; the final carry."""
        raise self.unsupported("folding over row blocks")

    # ------------------------------------------------------------------
    # array helpers: NumPy here; overridden where arrays live elsewhere

    def to_host(self, a: Any) -> Any:
        """``a`` (an array of this backend's library) as a host NumPy array."""
        return a

    def host_values(self, *values: Any) -> list[float]:
        """Host floats of ``values`` (numbers or 0-d arrays of this backend's
        library), read together: one transfer where the arrays live on a
        device, so that a Lloyd iteration waits for its device once."""
        return [float(v) for v in values]

    def like(self, a: Any, X: Any) -> Any:
        """``a`` (of any library, or None) as an array of ``X``'s library on
        ``X``'s device; here a host array (``a`` itself unless it is an
        array of another Array API library)."""
        return None if a is None else host_array(a)

    def asarray_like(self, a: Any, X: Any, dtype: Any = None) -> Any:
        """``a`` as an array of ``X``'s library (on ``X``'s device), in
        ``dtype`` (a dtype of that library) when given."""
        return np.asarray(a, dtype=dtype)

    def astype(self, a: Any, dtype: Any) -> Any:
        """``a`` in ``dtype`` (no copy when it has it already)."""
        return a.astype(dtype, copy=False)

    def scalar_like(self, X: Any, value: float) -> Any:
        """``value`` as a scalar of ``X``'s dtype (arithmetic with it keeps
        that dtype)."""
        return X.dtype.type(value)

    def numpy_dtype(self, X: Any) -> np.dtype:
        """The NumPy dtype of the elements of ``X``."""
        return X.dtype

    def numpy_stand_in(self, a: Any) -> np.ndarray:
        """A NumPy array of ``a``'s shape and dtype for argument checks written
        against NumPy: ``a`` itself here."""
        return a

    def n_distinct(self, a: Any) -> int:
        """Number of distinct values of the 1-D array ``a``."""
        counts = label_counts(a)
        return np.unique(a).size if counts is None else int(np.count_nonzero(counts))

    def cumsum(self, a: Any) -> Any:
        """Cumulative sum of the 1-D array ``a``."""
        return a.cumsum()

    def total(self, a: Any) -> Any:
        """Sum of the 1-D array ``a`` (an array, or a scalar of its library)."""
        return a.sum()

    def draw_sorted(self, cumulative: Any, values: Any) -> Any:
        """``searchsorted(cumulative, values)`` for host ``values``: a host
        array (an integer for a scalar ``values``)."""
        return np.searchsorted(cumulative, values)

    def full_rows(self, X: Any, value: float, dtype: Any = np.float64) -> Any:
        """A 1-D array of ``X.shape[0]`` copies of ``value`` beside ``X``
        (``dtype`` a NumPy dtype: float64 or int64)."""
        return np.full(X.shape[0], value, dtype=dtype)

    def take_rows(self, X: Any, idx: Any) -> Any:
        """The rows ``idx`` of ``X`` as a new array of ``X``'s kind."""
        return X[idx]


def label_counts(a: Any) -> np.ndarray | None:
    """``np.bincount(a)`` when ``a`` is a NumPy array of non-negative
    integers no larger than a few times its length (cluster labels), else
    None: counting is much faster than sorting for such labels."""
    if (
        not isinstance(a, np.ndarray)
        or a.dtype.kind not in "iu"
        or a.ndim != 1
        or a.size == 0
        or a.min() < 0
        or a.max() > 4 * a.size + 1024
    ):
        return None
    return np.bincount(a)


def farthest_host_rows(distance: Any, weights: Any, count: int) -> np.ndarray:
    """Up to ``count`` rows of largest ``distance`` (host arrays), farthest
    first and ties to the lowest row, leaving out rows of weight zero and
    rows whose distance is not finite: the rows that empty centres move
    onto.  The order of a stable sort of all rows, in linear time: a
    partition finds the ``count``-th largest distance and only the rows at
    or above it are sorted."""
    dist = np.asarray(distance, dtype=np.float64)
    usable = ~np.isnan(dist)
    if weights is not None:
        usable &= np.asarray(weights) > 0
    dist = np.where(usable, dist, -np.inf)
    count = min(int(count), dist.size)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count < dist.size:
        kth = np.partition(dist, dist.size - count)[dist.size - count]
        rows = np.flatnonzero(dist >= kth)
    else:
        rows = np.arange(dist.size)
    rows = rows[np.argsort(-dist[rows], kind="stable")[:count]]
    return rows[np.isfinite(dist[rows])].astype(np.int64, copy=False)


class LazyFarRows:
    """The ``far_rows``, ``far_labels`` and ``far_weights`` of a Lloyd step
    (the ``assign_and_sum`` contract), found by the step's ``_find_far()``
    once, when first asked for (only when a cluster is empty)."""

    def _find_far(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    @functools.cached_property
    def _far(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._find_far()

    @property
    def far_rows(self) -> np.ndarray:
        """Up to ``n_far`` rows farthest from their centre, farthest first
        (ties: lowest row), rows of weight zero left out."""
        return self._far[0]

    @property
    def far_labels(self) -> np.ndarray:
        """The labels of :attr:`far_rows` (int64)."""
        return self._far[1]

    @property
    def far_weights(self) -> np.ndarray:
        """The weights of :attr:`far_rows` (float64; ones without weights)."""
        return self._far[2]
