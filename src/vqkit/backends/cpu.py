"""The CPU backend: NumPy arrays, arithmetic in compiled numba kernels.

This module owns the choice among the ways of finding the nearest centre
(direct differences for few features or centres; dot products in
register-sized tiles or from blocked BLAS products otherwise, whichever
:mod:`.kernel_choice` measured faster on this machine) and the memory
bound on temporaries; the core never sees either.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import kernel_choice
from .base import Backend, LazyFarRows, farthest_host_rows
from .kernels import assign, chunks, hamerly, l1, metrics, mixed, seeding, small_fits, stats, tiles
from .kernels.assign import assignment_arrays
from .kernels.threaded_blocks import for_each_block
from .kernels.threads import ensure_threads

#: From this many features on, distances come from blocked matrix products
#: (``|x|^2 - 2 x.c + |c|^2``); below it, from direct differences.  SciPy's
#: ``vq`` switches at the same width, which keeps results bitwise close to it.
EXPANDED_MIN_FEATURES = 5

#: Upper bound, in bytes, of the dot-product block held at any one time.
BLOCK_BYTES = 8 * 2**20

#: Most rows in one block of a matrix-product assignment: with few centres
#: a block of ``BLOCK_BYTES`` would hold all rows, leaving one BLAS thread
#: and no second block to share out (131,072 x 128 float32 rows against 16
#: centres: 56 ms an assignment in one block).  Fixed, so that blocks do
#: not depend on the thread count.
BLOCK_MAX_ROWS = 8192


def block_rows(n: int, k: int, itemsize: int) -> int:
    """Rows per block of a matrix-product assignment of ``n`` rows to ``k``
    centres with products of ``itemsize`` bytes."""
    return min(n, BLOCK_MAX_ROWS, max(chunks.ROW_CHUNK, BLOCK_BYTES // (k * itemsize)))


#: Upper bound, in bytes, of the per-range buffers of the centre update, and
#: the rows per range below which the update is not split further.
SUM_BUFFER_BYTES = 32 * 2**20
SUM_ROWS_PER_PART = 16384
MAX_SUM_PARTS = 64

_NO_WEIGHTS = np.empty(0, dtype=np.float64)
_NO_LABELS = np.empty(0, dtype=np.int32)
_NO_MARKS = np.empty(0, dtype=np.uint8)
_NO_BOUNDS = np.empty(0, dtype=np.float64)


#: Rows gathered at a time for a rescan (a copy of at most this many rows).
GATHER_ROWS = 65536

#: Up to this many features, k-means++ candidates are compared with many
#: rows at once (``candidate_potentials_narrow``); measured on 273,280x3
#: pixels, k=64: 0.11 -> 0.07 s of seeding, while at 8 or more features the
#: per-row kernel is as fast or faster.
NARROW_SEEDING_FEATURES = 4

#: Centres per block of the centre-to-centre gaps (a block x k matrix).
GEOMETRY_BLOCK = 1024

#: Up to this many centres the gaps come from direct differences in one
#: compiled call (k^2 d operations): 50 centres of 5 features took about
#: 90 us in NumPy calls, a third of a small ``kmeans2`` iteration.
GEOMETRY_DIRECT_MAX_K = 128

#: Share of failing rows above which the Hamerly assigner rescans all rows in
#: place rather than gathering the failing ones.
HAMERLY_RESCAN_ALL = 0.5

#: Most full scans the Hamerly assigner makes in a row without testing the
#: bounds, after tests that failed for most rows (see HamerlyAssigner).
HAMERLY_MAX_SKIPS = 8


def choose_kernel(d: int, k: int, formula: str = "auto", dtype: Any = np.float64) -> str:
    """Which assignment kernel computes ``d``-feature rows against ``k`` centres.

    * ``"direct"`` / ``"direct_t"``: differences ``sum((c - x)^2)``, the
      same arithmetic either way (the transposed one vectorises over
      centres and wins from 8 centres on; with fewer than 8 centres the
      plain one wins at any width, measured up to 64 features);
    * ``"tiled"``: dot products in register-sized tiles, argmin fused
      (``kernels.tiles``);
    * ``"blocked"``: BLAS matrix products on row blocks, then the argmin;
    * ``"mixed"`` / ``"tiled_mixed"``: the same two for float64 data with
      float32 products (about twice as fast), rows whose two best centres
      are too close to call in float32 rechecked in float64: exact.

    With 8 centres or more, which of them is fastest is measured on the
    machine (:mod:`.kernel_choice`): tiles against BLAS products from
    :data:`EXPANDED_MIN_FEATURES` features on, tiles against differences
    below.  ``formula="scipy"`` keeps SciPy's split: differences below 5
    features, matrix products from 5 on.
    """
    if k < 8:  # a few centres: reading the rows is the cost, differences win
        return "direct" if d < EXPANDED_MIN_FEATURES or formula != "scipy" else "blocked"
    if formula == "scipy":
        return "direct_t" if d < EXPANDED_MIN_FEATURES else "blocked"
    fastest = kernel_choice.preferred(d, k, dtype, time_kernels)
    if fastest == "tiled" and k > tiles.MAX_CENTRES:
        fastest = "blocked" if d >= EXPANDED_MIN_FEATURES else "direct"
    if fastest == "direct":
        return "direct_t"
    double = np.dtype(dtype) == np.float64
    if fastest == "tiled":
        return "tiled_mixed" if double else "tiled"
    return "mixed" if double else "blocked"


def time_kernels(d: int, k: int, dtype: Any) -> dict[str, float]:
    """Seconds of the tiled assignment of random rows of ``d`` features to
    ``k`` centres in ``dtype``, and of the blocked one (from
    :data:`EXPANDED_MIN_FEATURES` features on) or the direct one (below),
    the fastest of :data:`~.kernel_choice.CALIBRATION_REPEATS` interleaved
    calls each, for :func:`.kernel_choice.preferred`."""
    rows = int(np.clip(kernel_choice.CALIBRATION_WORK // (k * d), 1024, 65536))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, d)).astype(dtype)
    C = rng.standard_normal((k, d)).astype(dtype)
    origin = np.zeros(d, dtype=dtype)
    backend = CPUBackend()
    labels, min_d2, _ = assignment_arrays(rows, k, dtype)
    double = np.dtype(dtype) == np.float64

    def tiled():
        if double:
            backend._assign_mixed(X, C, labels, min_d2, origin, True)
        else:
            backend._assign_tiled(X, C, labels, min_d2, origin)

    def blocked():
        if double:
            backend._assign_mixed(X, C, labels, min_d2, origin, False)
        else:
            backend._assign_blocked(X, C, labels, min_d2, origin)

    def direct():
        backend._assign_direct_t(X, C, labels, min_d2)

    wide = d >= EXPANDED_MIN_FEATURES
    candidates = (
        {"tiled": tiled, "blocked": blocked} if wide else {"tiled": tiled, "direct": direct}
    )
    best = dict.fromkeys(candidates, np.inf)
    for run in candidates.values():  # compiled or loaded, caches warm
        run()
    for _ in range(kernel_choice.CALIBRATION_REPEATS):
        for name, run in candidates.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def mixed_slack(d: int, dtype: Any = np.float32) -> float:
    """Worst-case relative error of a dot product of length ``d`` computed
    in ``dtype``, with room for rounding the inputs to it (float32: the
    mixed-precision kernels)."""
    return (d + 4) * float(np.finfo(dtype).eps)


def sum_parts(n: int, k: int, d: int) -> int:
    """How many row ranges the centre update is split into.

    A function of the problem size alone, never of the thread count, so
    the floating-point sums are the same on any machine.  Small problems
    (fewer than 2 x ``SUM_ROWS_PER_PART`` rows) are summed in one range,
    in row order.
    """
    by_rows = n // SUM_ROWS_PER_PART
    by_memory = SUM_BUFFER_BYTES // max(1, 8 * k * (d + 1))
    return int(max(1, min(by_rows, MAX_SUM_PARTS, by_memory)))


class CPUBackend(Backend):
    """Nearest-centre assignment and centre updates for NumPy arrays.

    Inputs are 2-D arrays of float32 or float64.  Both operands of a distance
    computation are cast to their common dtype first (float32 with float64
    gives float64), which is how SciPy's ``vq`` promotes.
    """

    name = "cpu"
    arrays = "NumPy arrays"
    capabilities = frozenset(
        {
            "assign_and_sum",
            "compiled_runs",
            "kmeans_plusplus",
            "closer_marks",
            "chunk_draws",
            "scipy_formula",
            "manhattan",
            "hamerly_bounds",
            "wide_bounds",
        }
    )

    def __init__(self) -> None:
        ensure_threads()  # numba's threads start with the first backend, not at import

    def __reduce__(self):
        """Pickled as "a CPU backend": unpickling makes a new one, which
        starts numba's threads in that process (a Dask worker) first."""
        return (type(self), ())

    @property
    def host(self) -> Backend:
        """The backend of host arrays derived from the data: this one."""
        return self

    def dense_rows(self, X: Any, idx: ArrayLike) -> Any:
        """The rows ``idx`` of ``X`` (a new array in ``X``'s dtype)."""
        return X[idx]

    def take_rows(self, X: Any, idx: Any) -> Any:
        """The rows ``idx`` of ``X``: ``np.take``, the same rows as fancy
        indexing, 2-3x faster."""
        return X.take(idx, axis=0)

    def mean_covariance(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Column means (``X``'s dtype) and sample covariance (float64)."""
        return X.mean(axis=0), np.cov(X.T)

    def row_sq_norms(self, X: Any) -> Any:
        """Squared Euclidean norm of each row (float64)."""
        return np.einsum("ij,ij->i", X, X, dtype=np.float64)

    def divide_rows(self, X: Any, divisors: Any) -> Any:
        """Row ``i`` of ``X`` divided by ``divisors[i]`` (a new array, ``X``'s dtype)."""
        return (X / divisors[:, None]).astype(X.dtype, copy=False)

    def assign(self, X: Any, C: Any, origin: Any = None, formula: str = "auto") -> tuple[Any, Any]:
        """Label each row of ``X`` with its nearest row of ``C``.

        Returns ``(labels, min_d2)``: int32 labels (ties to the lowest
        index; ``-1`` where every distance is NaN or infinite) and the
        squared distances in the common dtype of ``X`` and ``C``.

        ``origin`` (a point near the data, such as its mean) is subtracted
        from rows and centres before distances are expanded into dot
        products, which keeps float32 results accurate far from zero; it
        does not change what is computed, only its rounding.

        ``formula="scipy"`` computes exactly as SciPy's ``vq`` does (direct
        differences below 5 features, a matrix product from 5 on);
        ``"auto"`` takes the fastest kernel for the shape (see
        :func:`choose_kernel`).
        """
        dtype = np.result_type(X, C)
        X = np.ascontiguousarray(X, dtype=dtype)
        C = np.ascontiguousarray(C, dtype=dtype)
        n, d = X.shape
        k = C.shape[0]
        labels, min_d2, done = assignment_arrays(n, k, dtype)
        if done:
            return labels, min_d2
        if d == 0:
            labels.fill(0)
            min_d2.fill(0)
            return labels, min_d2
        kernel = choose_kernel(d, k, formula, dtype)
        if kernel == "direct":
            assign.assign_direct(X, C, labels, min_d2)
        elif kernel == "direct_t":
            self._assign_direct_t(X, C, labels, min_d2)
        elif kernel == "tiled":
            self._assign_tiled(X, C, labels, min_d2, origin)
        elif kernel in ("tiled_mixed", "mixed"):
            self._assign_mixed(X, C, labels, min_d2, origin, kernel == "tiled_mixed")
        else:
            self._assign_blocked(X, C, labels, min_d2, origin)
        return labels, min_d2

    def assign_with_lower(
        self, X: Any, C: Any, origin: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`assign`, also returning a lower bound (float64) on each
        row's distance to its second-nearest centre (Hamerly's bound).  The
        kernels for 8 centres or more give it: the dot-product ones from
        their scores less their rounding error (float32 data whose choice is
        BLAS products gets the mixed-precision argmin, which gives it), the
        direct differences from the runner-up's distance; it is 0 where
        they could not tell, and everywhere with fewer centres."""
        dtype = np.result_type(X, C)
        X = np.ascontiguousarray(X, dtype=dtype)
        C = np.ascontiguousarray(C, dtype=dtype)
        n, d = X.shape
        kernel = choose_kernel(d, C.shape[0], "auto", dtype)
        if kernel == "direct" or n == 0:
            labels, min_d2 = self.assign(X, C, origin)
            return labels, min_d2, np.zeros(n)
        labels, min_d2, _ = assignment_arrays(n, C.shape[0], dtype)
        lower = np.empty(n)
        if kernel == "direct_t":
            self._assign_direct_t(X, C, labels, min_d2, lower)
        elif kernel == "tiled":
            self._assign_tiled(X, C, labels, min_d2, origin, lower)
        else:
            self._assign_mixed(X, C, labels, min_d2, origin, kernel == "tiled_mixed", lower)
        return labels, min_d2, lower

    def _assign_direct_t(self, X, C, labels, min_d2, lower=_NO_BOUNDS):
        """Direct differences vectorised over rows (``assign.assign_direct_t``);
        ``lower``: as in :meth:`assign_with_lower`."""
        shrink = 1.0 - 8.0 * (X.shape[1] + 2) * float(np.finfo(X.dtype).eps)
        assign.assign_direct_t(X, np.ascontiguousarray(C.T), labels, min_d2, lower, shrink)

    def _assign_tiled(self, X, C, labels, min_d2, origin, lower=_NO_BOUNDS):
        """The tiled kernel in ``X``'s dtype (``kernels.tiles``), distances
        expanded around ``origin``; ``lower``: as in :meth:`assign_with_lower`."""
        d = X.shape[1]
        shift = np.zeros(d, dtype=X.dtype) if origin is None else np.asarray(origin, X.dtype)
        Ct, c_half = tiles.padded_centres(C, shift, X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            c_max = float(np.sqrt(2.0 * np.float64(c_half[: C.shape[0]].max())))
        slack = mixed_slack(d, X.dtype)
        tiles.assign_tiled(X, Ct, c_half, shift, c_max, slack, labels, min_d2, lower)

    def _assign_mixed(self, X, C, labels, min_d2, origin, tiled, lower=_NO_BOUNDS):
        """Assignment with float32 dot products (around ``origin``) made
        exact: rows whose two best centres are too close to call in float32
        are redone by float64 differences.  ``tiled``: the tiled kernel
        (``assign_tiled_mixed``), else blocked BLAS products
        (``argmin_mixed``)."""
        n, d = X.shape
        k = C.shape[0]
        shift = np.zeros(d) if origin is None else np.asarray(origin, dtype=np.float64)
        C = np.ascontiguousarray(C, dtype=np.float64)
        Cs = C - shift
        # centres too large for float32 or to square: the error bound becomes
        # infinite and every row is compared in float64 (label -1 if no
        # distance is finite), so no warning is wanted here
        with np.errstate(over="ignore", invalid="ignore"):
            c_sq = (Cs * Cs).sum(axis=1)
        slack = mixed_slack(d)
        if tiled:
            Ct32, c_half32 = tiles.padded_centres(C, shift, np.float32)
            c_max = float(np.sqrt(c_sq.max()))
            tiles.assign_tiled_mixed(
                X, Ct32, c_half32, shift, C, c_max, slack, labels, min_d2, lower
            )
            return
        with np.errstate(over="ignore", invalid="ignore"):
            Ct32 = np.ascontiguousarray(Cs.T, dtype=np.float32)
        rows = block_rows(n, k, 4)

        def block(start, stop, scratch):
            Xb32 = scratch.array("rows", (rows, d), np.float32)[: stop - start]
            mixed.shifted_float32(X[start:stop], shift, Xb32)
            G = scratch.array("products", (rows, k), np.float32)[: stop - start]
            with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: rechecked
                np.matmul(Xb32, Ct32, out=G)
            mixed.argmin_mixed(
                G,
                X[start:stop],
                shift,
                C,
                c_sq,
                slack,
                labels[start:stop],
                min_d2[start:stop],
                lower[start:stop] if len(lower) else lower,
            )

        for_each_block(n, rows, block, row_work=k * d)

    def _assign_blocked(self, X, C, labels, min_d2, origin):
        n, d = X.shape
        k = C.shape[0]
        if origin is not None:
            origin = np.asarray(origin, dtype=X.dtype)
            C = C - origin
        c_sq = np.empty(k, dtype=X.dtype)
        assign.row_sq_norms(C, c_sq)
        rows = block_rows(n, k, X.itemsize)
        Ct = C.T

        def block(start, stop, scratch):
            Xb = X[start:stop] if origin is None else X[start:stop] - origin
            G = scratch.array("products", (rows, k), X.dtype)[: stop - start]
            np.matmul(Xb, Ct, out=G)
            x_sq = scratch.array("norms", (rows,), X.dtype)[: stop - start]
            assign.row_sq_norms(Xb, x_sq)
            assign.argmin_expanded(G, x_sq, c_sq, labels[start:stop], min_d2[start:stop])

        for_each_block(n, rows, block, row_work=k * d)

    def assign_l1(self, X: Any, C: Any) -> tuple[Any, Any]:
        """Nearest centre in Manhattan distance: ``(int32 labels, distances)``
        (labels ``-1`` where every distance is NaN or infinite)."""
        dtype = np.result_type(X, C)
        X = np.ascontiguousarray(X, dtype=dtype)
        C = np.ascontiguousarray(C, dtype=dtype)
        labels = np.empty(X.shape[0], dtype=np.int32)
        dist = np.empty(X.shape[0], dtype=dtype)
        l1.assign_l1(X, C, labels, dist)
        return labels, dist

    def l1_distances(self, X: Any, C: Any) -> Any:
        """All Manhattan distances, shape ``(n, k)`` (for ``transform``)."""
        dtype = np.result_type(X, C)
        out = np.empty((X.shape[0], C.shape[0]), dtype=dtype)
        assign.pairwise_distances(
            np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(C, dtype=dtype), True, out
        )
        return out

    def cluster_medians(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Weighted coordinate-wise medians per cluster (float64) and which
        clusters have rows of positive weight."""
        X = np.ascontiguousarray(X)
        check_labels(labels, k)
        order = np.argsort(labels, kind="stable")
        starts = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=k))])
        out = np.zeros((k, X.shape[1]))
        has_members = np.zeros(k, dtype=np.bool_)
        w = _NO_WEIGHTS if weights is None else np.ascontiguousarray(weights)
        l1.cluster_medians(X, w, order, starts, out, has_members)
        return out, has_members

    def min_nonzero_abs(self, X: Any, weights: Any = None) -> float:
        """Smallest non-zero magnitude of 2-D ``X`` (``inf`` if none), in one
        pass without temporaries."""
        return float(stats.min_nonzero_abs(np.ascontiguousarray(X)))

    def count_non_finite(self, X: Any) -> int:
        """Number of NaN or infinite entries of 2-D ``X``, without temporaries."""
        return int(stats.count_non_finite(np.ascontiguousarray(X)))

    def l1_assigner(self, X: Any) -> Any:
        """An assigner of ``X`` in Manhattan distance (see :class:`L1Assigner`)."""
        return L1Assigner(self, X)

    def bounded_assigner(self, X: Any) -> Any:
        """A stateful assigner for repeated assignments of ``X`` that carries
        Hamerly's bounds (:class:`HamerlyAssigner`)."""
        return HamerlyAssigner(self, np.ascontiguousarray(X))

    def cluster_sums(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Weighted sums of the rows of ``X`` per cluster, and the weight totals.

        Returns float64 ``(sums, wsums)`` of shapes ``(k, d)`` and ``(k,)``;
        without ``weights`` every row counts 1.  Deterministic for any
        number of threads.  Raises ``ValueError`` for labels outside ``[0, k)``.
        """
        X = np.ascontiguousarray(X)
        labels, w, sums, wsums = sum_buffers(labels, k, X.shape[1], weights)
        parts = sum_parts(X.shape[0], k, X.shape[1])
        stats.lloyd_step(X, w, labels, _NO_BOUNDS, _NO_LABELS, parts, sums, wsums)
        return sums, wsums

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
    ) -> CPUStep:
        """Capability ``"assign_and_sum"``: a Lloyd step, returned as a
        :class:`CPUStep`.

        The assignment is :meth:`assign` (or the ``assigner``'s, which
        carries Hamerly's bounds); everything else comes from one compiled
        pass over the rows (``stats.lloyd_step``): the centre sums, bitwise
        those of :meth:`cluster_sums`, the (weighted) inertia in float64,
        the labels that differ from ``previous_labels`` and the rows that
        found no centre, all over the fixed row ranges of
        :func:`sum_parts` (the same for any number of threads).  The
        ``n_far`` rows farthest from their centre are found when first
        asked for.
        """
        X = np.ascontiguousarray(X)
        n, d = X.shape
        k = C.shape[0]
        if assigner is None:
            labels, min_d2 = self.assign(X, C, origin, formula)
        else:
            labels, min_d2 = assigner.assign(C)
        # labels of an assignment: -1 marks a row with no centre (the pass
        # counts it; the core raises)
        labels, w, sums, wsums = sum_buffers(labels, k, d, weights, checked=False)
        if previous_labels is None:
            previous = _NO_LABELS
        else:
            previous = np.ascontiguousarray(previous_labels, dtype=np.int32)
            if previous.shape != labels.shape:
                raise ValueError(
                    f"previous_labels has shape {previous.shape}, expected ({n},): "
                    "the labels of the previous step on the same rows"
                )
        inertia, n_changed, n_unassigned, first = stats.lloyd_step(
            X, w, labels, min_d2, previous, sum_parts(n, k, d), sums, wsums
        )
        return CPUStep(
            labels,
            min_d2,
            sums,
            wsums,
            float(inertia),
            int(n_changed),
            int(n_unassigned),
            int(first),
            weights,
            n_far,
        )

    def sq_distances(self, X: Any, C: Any) -> Any:
        """All squared distances, shape ``(n, k)``: only for callers that
        asked for the full matrix (``KMeans.transform``)."""
        dtype = np.result_type(X, C)
        X = np.ascontiguousarray(X, dtype=dtype)
        C = np.ascontiguousarray(C, dtype=dtype)
        out = np.empty((X.shape[0], C.shape[0]), dtype=dtype)
        assign.pairwise_distances(X, C, False, out)
        return out

    def cluster_distance_sums(
        self, X: Any, labels: Any, C: Any, weights: Any = None, squared: bool = True
    ) -> Any:
        """Per-cluster sums of (weighted) distances of rows to their centre
        ``C[labels[i]]`` (squared or not), in float64."""
        out = np.zeros(C.shape[0], dtype=np.float64)
        w = _NO_WEIGHTS if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
        metrics.cluster_distance_sums(
            np.ascontiguousarray(X),
            labels,
            np.ascontiguousarray(C, dtype=np.float64),
            w,
            bool(squared),
            out,
        )
        return out

    def silhouette_sums(self, X: Any, labels: Any, k: int, metric: str = "euclidean") -> Any:
        """``(n, k)``: each row's summed distance to the rows of every cluster
        (streamed, never an n x n matrix), for a metric of
        ``kernels.metrics.METRIC_CODES``."""
        if metric == "cosine":  # unit rows, as scikit-learn's normalize makes them
            X = np.asarray(X, dtype=np.float64)
            norms = np.sqrt(np.einsum("ij,ij->i", X, X))
            X = X / np.where(norms == 0.0, 1.0, norms)[:, None]
        sums = np.zeros((X.shape[0], k), dtype=np.float64)
        metrics.silhouette_sums(
            np.ascontiguousarray(X.T, dtype=np.float64),
            labels,
            metrics.METRIC_CODES[metric],
            sums,
        )
        return sums

    def row_cluster_sums(self, D: Any, labels: Any, k: int) -> Any:
        """``(n, k)``: the sums of each row of ``D`` (precomputed distances,
        float32 or float64) over the columns of every cluster, in float64."""
        sums = np.zeros((D.shape[0], k), dtype=np.float64)
        metrics.row_cluster_sums(np.ascontiguousarray(D), labels, sums)
        return sums

    def column_mean_var(self, X: Any, weights: Any = None) -> tuple[Any, Any]:
        """Per-column (weighted) mean and population variance, in float64.

        Streams ``X`` twice without any temporary of its size.
        """
        n, d = X.shape
        parts = sum_parts(n, 1, d)
        X = np.ascontiguousarray(X)
        w = _NO_WEIGHTS if weights is None else weights
        total_weight = float(n) if weights is None else float(weights.sum())
        total = np.zeros(d)
        stats.column_sums(X, w, np.zeros(d), 1, parts, total)
        mean = total / max(total_weight, 1e-300)
        squares = np.zeros(d)
        stats.column_sums(X, w, mean, 2, parts, squares)
        return mean, squares / max(total_weight, 1e-300)

    def candidate_potentials(
        self,
        X: Any,
        weights: Any,
        min_d2: Any,
        nearest: Any,
        candidates: Any,
        cc_d2: Any,
        closer: Any = None,
    ) -> Any:
        """k-means++ potential of each candidate centre (see the kernel);
        marks in ``closer`` (from :func:`closer_marks`) the candidates each
        row is closer to, for :meth:`add_center`."""
        pots = np.zeros(candidates.shape[0])
        w = _NO_WEIGHTS if weights is None else weights
        narrow = X.shape[1] <= NARROW_SEEDING_FEATURES
        (seeding.candidate_potentials_narrow if narrow else seeding.candidate_potentials)(
            X,
            w,
            min_d2,
            nearest,
            np.ascontiguousarray(candidates, dtype=np.float64),
            np.ascontiguousarray(cc_d2),
            pots,
            _NO_MARKS if closer is None else closer,
        )
        return pots

    def add_center(
        self,
        X: Any,
        center: Any,
        index: int,
        min_d2: Any,
        nearest: Any,
        cc_d2_center: Any,
        closer: Any = None,
        trial: Any = None,
    ) -> None:
        """Lower ``min_d2``/``nearest`` for a newly chosen centre (pruned);
        when it is candidate ``trial`` of the last :meth:`candidate_potentials`
        call that filled ``closer``, only the rows marked there are visited."""
        seeding.add_center(
            X,
            np.ascontiguousarray(center, dtype=np.float64),
            index,
            min_d2,
            nearest,
            np.ascontiguousarray(cc_d2_center),
            _NO_MARKS if closer is None else closer,
            -1 if closer is None or trial is None else int(trial),
        )

    def greedy_pairwise(self, D: Any, weights: Any, first: int, uniforms: Any) -> Any:
        """Greedy k-means++ from a precomputed squared-distance matrix (see
        ``seeding.greedy_pairwise``): the chosen row numbers, one per row
        of ``uniforms`` plus ``first``."""
        chosen = np.empty(uniforms.shape[0] + 1, dtype=np.int64)
        w = np.ones(D.shape[0]) if weights is None else np.ascontiguousarray(weights, np.float64)
        seeding.greedy_pairwise(
            np.ascontiguousarray(D),
            w,
            int(first),
            np.ascontiguousarray(uniforms, dtype=np.float64),
            chosen,
        )
        return chosen

    def closer_marks(self, n: int, trials: int) -> Any:
        """A per-row bit set with room for ``trials`` candidates (uint8 up to
        8, uint64 up to 64), or None beyond that (then nothing is marked)."""
        if trials <= 8:
            return np.zeros(n, dtype=np.uint8)
        return np.zeros(n, dtype=np.uint64) if trials <= 64 else None

    def sampling_mass(self, min_d2: Any, weights: Any = None) -> Any:
        """Per-chunk totals of the k-means++ sampling mass ``w_i min_d2[i]``
        (their sum is the potential), for :meth:`draw_rows`."""
        out = np.empty(-(-min_d2.shape[0] // chunks.ROW_CHUNK))
        seeding.mass_chunk_sums(min_d2, _NO_WEIGHTS if weights is None else weights, out)
        return out

    def draw_rows(self, min_d2: Any, weights: Any, chunk_mass: Any, values: Any) -> Any:
        """Rows drawn by ``values`` (each in ``[0, potential)``) on the
        cumulative sampling mass: what ``np.searchsorted(np.cumsum(w *
        min_d2), values)`` gives, without the cumulative array."""
        out = np.empty(len(values), dtype=np.int64)
        seeding.draw_rows(
            min_d2,
            _NO_WEIGHTS if weights is None else weights,
            chunk_mass,
            np.asarray(values, dtype=np.float64),
            out,
        )
        return out

    def update_min_sq_dist(self, X: Any, center: Any, min_d2: Any) -> None:
        """Lower ``min_d2`` (float64) to each row's squared distance to ``center``."""
        seeding.update_min_sq_dist(np.ascontiguousarray(X), np.ascontiguousarray(center), min_d2)

    def runs_compiled(self, n: int, d: int, k: int) -> bool:
        """Whether a Lloyd fit of ``n`` rows, ``d`` features and ``k`` centres
        is small enough for :meth:`lloyd_runs` to beat per-iteration kernels."""
        return n * d * k <= small_fits.SMALL_FIT_WORK

    def lloyd_runs(
        self,
        datasets: list,
        weights: Any,
        starts: list,
        which: Any,
        shift_tols: Any,
        max_iter: int,
    ) -> list:
        """Independent Lloyd fits, each to convergence, in one compiled call.

        ``datasets``: arrays of one shape and dtype; ``weights``: None, or
        one float64 array per data set; fit ``r`` starts from the centres
        ``starts[r]`` on ``datasets[which[r]]`` with centre-shift tolerance
        ``shift_tols[r]`` (the stopping rules of
        :func:`vqkit.core.fit.fit_kmeans`, empty centres relocated).  The
        fits run in parallel, each on one thread.  Returns one tuple
        ``(centers, labels, n_iter, inertia, converged, unassigned)`` per
        fit; ``unassigned`` is None, or ``(count, first row)`` of the rows
        that found no finite distance to any centre (the fit stopped there).
        """
        data = np.ascontiguousarray(np.stack(datasets) if len(datasets) > 1 else datasets[0][None])
        w = (
            np.empty((0, 0))
            if weights is None
            else np.ascontiguousarray(np.stack(weights), dtype=np.float64)
        )
        runs = len(starts)
        ks = np.array([len(c) for c in starts], dtype=np.int64)
        centers = np.zeros((runs, max(ks), data.shape[2]), dtype=data.dtype)
        for r, c in enumerate(starts):
            centers[r, : ks[r]] = c
        labels = np.empty((runs, data.shape[1]), dtype=np.int32)
        inertia = np.empty(runs)
        info = np.empty((runs, 4), dtype=np.int64)
        small_fits.lloyd_runs(
            data,
            w,
            np.asarray(which, dtype=np.int64),
            centers,
            ks,
            int(max_iter),
            np.asarray(shift_tols, dtype=np.float64),
            labels,
            inertia,
            info,
        )
        return [
            (
                centers[r, : ks[r]],
                labels[r],
                int(n_iter),
                float(inertia[r]),
                status == small_fits.CONVERGED,
                (int(n_bad), int(first)) if status == small_fits.UNASSIGNED else None,
            )
            for r, (n_iter, status, first, n_bad) in enumerate(info)
        ]


class CPUStep(LazyFarRows):
    """One Lloyd step of :meth:`CPUBackend.assign_and_sum` (see the
    ``assign_and_sum`` contract in :mod:`vqkit.backends.base`): int32
    ``labels`` and the squared distances ``min_d2``, float64 ``sums`` and
    ``wsums``, and the step's numbers; the ``n_far`` rows farthest from
    their centre are found on the host when first asked for (only when a
    cluster is empty)."""

    def __init__(
        self,
        labels: np.ndarray,
        min_d2: np.ndarray,
        sums: np.ndarray,
        wsums: np.ndarray,
        inertia: float,
        n_changed: int,
        n_unassigned: int,
        first_unassigned: int,
        weights: Any,
        n_far: int,
    ) -> None:
        self.labels, self.min_d2, self.sums, self.wsums = labels, min_d2, sums, wsums
        self.inertia, self.n_changed = inertia, n_changed
        self.n_unassigned, self.first_unassigned = n_unassigned, first_unassigned
        self.weights, self.n_far = weights, n_far

    def _find_far(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = farthest_host_rows(self.min_d2, self.weights, self.n_far)
        labels = self.labels[rows].astype(np.int64)
        if self.weights is None:
            return rows, labels, np.ones(rows.size)
        return rows, labels, np.asarray(self.weights, dtype=np.float64)[rows]


class HamerlyAssigner:
    """Exact nearest-centre assignment that carries Hamerly's bounds
    between calls on the same data (float32 or float64 rows of any width).

    A scan with bounds goes over every centre with the kernels of
    :meth:`CPUBackend.assign_with_lower` (dot products, or direct
    differences for few features), which also bound each row's distance to
    its second-nearest centre from below.  A test of the bounds on a later
    call computes every row's exact distance to its current centre (``d``
    operations a row instead of ``k d``) and rescans only the rows whose
    bound fails: as gathered blocks (``hamerly.hamerly_check``), or, below
    :data:`EXPANDED_MIN_FEATURES` features where the machine's kernel
    choice prefers direct differences, in the test's own pass
    (``hamerly.hamerly_assign``).  When more than
    :data:`HAMERLY_RESCAN_ALL` of the rows fail, all are rescanned.  Labels
    are those of :meth:`CPUBackend.assign` (for float64 data exact float64
    Lloyd; for float32 data up to the rounding of near-ties), so iterations
    match Lloyd's.

    The test costs a read of ``X``; early in a fit, while centres move far,
    it fails for most rows and is wasted.  So after a test that failed for
    most rows, the next 1, then 2, 4, ... (at most
    :data:`HAMERLY_MAX_SKIPS`) calls scan in full without testing; a test
    that spares most rows resets that.  Of those full scans, all but the
    last are the plain assignment (no bounds kept: the next call does not
    test them); the last keeps bounds for the test that follows.  A fit is
    never much slower than Lloyd's full scans, and is faster once the
    centres settle.
    """

    def __init__(self, backend: Any, X: Any) -> None:
        self.backend, self.X = backend, X
        n, d = X.shape
        total = np.zeros(d)
        stats.column_sums(X, _NO_WEIGHTS, np.zeros(d), 1, sum_parts(n, 1, d), total)
        self.origin = total / max(n, 1)  # distances are expanded around the mean
        self.labels = np.zeros(n, dtype=np.int32)
        self.lower = np.zeros(n, dtype=np.float64)
        self.previous: Any = None  # float64 centres the bounds hold for; None: no bounds
        self.rescan = np.empty(n, dtype=np.uint8)
        self.skips_left = 0  # full scans to make before the next test
        self.skips_next = 1  # full scans after the next test that fails for most rows
        self.direct: bool | None = None  # direct differences? (decided on the first call)
        # just below 1: a bound test that passes survives rounding (the check
        # works in float64, the direct pass in the data's dtype)
        eps = float(np.finfo(np.float64).eps), float(np.finfo(X.dtype).eps)
        self.check_margin, self.direct_margin = (1.0 - 8.0 * (d + 2) * e for e in eps)

    def assign(self, C: Any) -> tuple[np.ndarray, np.ndarray]:
        k, d = C.shape
        if self.direct is None:
            self.direct = choose_kernel(d, k, "auto", self.X.dtype) in ("direct", "direct_t")
        given, C = C, np.ascontiguousarray(C, dtype=self.X.dtype)  # scanned in the data's dtype
        bounded = self.previous is not None and self.previous.shape == C.shape
        test = bounded and not self.skips_left
        if not test:
            self.skips_left = max(0, self.skips_left - 1)
            if self.skips_left:  # the next call scans in full as well: no bounds
                self.previous = None
                return self.backend.assign(self.X, C, self.origin)
        C64 = np.ascontiguousarray(given, dtype=np.float64)
        if test:
            min_d2, failed = self._test(C, C64)
            if failed > HAMERLY_RESCAN_ALL * self.X.shape[0]:
                self.skips_left = self.skips_next
                self.skips_next = min(2 * self.skips_next, HAMERLY_MAX_SKIPS)
            else:
                self.skips_next = 1
        else:
            min_d2 = self._scan(C, C64)
        self.previous = C64
        return self.labels.copy(), min_d2

    def _scan(self, C: Any, C64: Any) -> np.ndarray:
        """Every row against every centre, keeping labels and lower bounds."""
        if self.direct:
            return self._direct_pass(C, C64, full=True)[0]
        self.labels, min_d2, self.lower = self.backend.assign_with_lower(self.X, C, self.origin)
        return min_d2

    def _test(self, C: Any, C64: Any) -> tuple[np.ndarray, int]:
        """The bound test, its failing rows rescanned (all rows when more
        than :data:`HAMERLY_RESCAN_ALL` fail); returns the distances and
        the number of rows that failed."""
        if self.direct:
            return self._direct_pass(C, C64, full=False)
        shift, half_gap = hamerly_geometry(C64, self.previous)
        min_d2 = np.empty(self.X.shape[0])
        hamerly.hamerly_check(
            self.X,
            C64,
            shift,
            half_gap,
            self.check_margin,
            self.labels,
            self.lower,
            min_d2,
            self.rescan,
        )
        rows = np.flatnonzero(self.rescan)
        if len(rows) > HAMERLY_RESCAN_ALL * len(self.rescan):
            return self._scan(C, C64), len(rows)
        # gathered in bounded blocks: no copy of a large share of X
        for start in range(0, len(rows), GATHER_ROWS):
            part = rows[start : start + GATHER_ROWS]
            labels, d2, lower = self.backend.assign_with_lower(
                np.take(self.X, part, axis=0), C, self.origin
            )
            self.labels[part], min_d2[part], self.lower[part] = labels, d2, lower
        return min_d2, len(rows)

    def _direct_pass(self, C: Any, C64: Any, full: bool) -> tuple[np.ndarray, int]:
        """Test and rescans by direct differences in one compiled pass
        (``full``: every row rescanned); returns the distances and the
        number of rows rescanned."""
        shift, half_gap = hamerly_geometry(C64, None if full else self.previous)
        min_d2 = np.empty(self.X.shape[0], dtype=self.X.dtype)
        failed = hamerly.hamerly_assign(
            self.X,
            C,
            np.ascontiguousarray(C.T),
            shift,
            half_gap,
            self.direct_margin,
            full,
            self.labels,
            self.lower,
            min_d2,
        )
        return min_d2, int(failed)


def hamerly_geometry(C64: Any, previous: Any) -> tuple[np.ndarray, np.ndarray]:
    """What Hamerly's bounds need from the centres: how far each centre
    moved since ``previous`` (zeros without), and half the distance from
    each centre to its nearest other centre (float64)."""
    k, d = C64.shape
    if k <= GEOMETRY_DIRECT_MAX_K:  # one compiled call; NumPy's dozen calls cost more
        shift, half_gap = np.empty(k), np.empty(k)
        C64 = np.ascontiguousarray(C64, dtype=np.float64)
        moved = previous is not None
        hamerly.centre_geometry(
            C64,
            np.ascontiguousarray(previous, dtype=np.float64) if moved else C64,
            moved,
            shift,
            half_gap,
            1.0 - 4.0 * (d + 2) * float(np.finfo(np.float64).eps),
        )
        return (shift if np.isfinite(shift).all() else np.full(k, np.inf)), half_gap
    # centres too large to square (kmeans2 does not rescale) give no bound:
    # non-finite values become 0, and those rows are rescanned
    with np.errstate(over="ignore", invalid="ignore"):
        shift = np.zeros(k) if previous is None else np.sqrt(((C64 - previous) ** 2).sum(1))
        # squared gaps from matrix products around the centres' mean, lowered
        # by their worst-case rounding error so that half_gap never overstates
        C = C64 - C64.mean(axis=0)
        sq = (C * C).sum(axis=1)
        rounding = 4.0 * (d + 2) * float(np.finfo(np.float64).eps)
        half_gap = np.full(k, np.inf)
        Ct = np.ascontiguousarray(C.T)  # not a view of C: NumPy would take BLAS's
        for start in range(0, k, GEOMETRY_BLOCK):  # slower syrk for C @ C.T
            stop = min(k, start + GEOMETRY_BLOCK)
            gap2 = C[start:stop] @ Ct  # then in place: (1 - r)(|a|^2 + |c|^2) - 2 a.c
            gap2 *= -2.0
            gap2 += (1.0 - rounding) * sq[start:stop, None]
            gap2 += (1.0 - rounding) * sq[None, :]
            gap2[np.arange(stop - start), np.arange(start, stop)] = np.inf
            half_gap[start:stop] = np.sqrt(np.maximum(gap2.min(axis=1), 0.0)) / 2
    finite = np.isfinite(shift).all()
    half_gap[~np.isfinite(half_gap) & (k > 1)] = 0.0
    return (shift if finite else np.full(k, np.inf)), half_gap


class L1Assigner:
    """Assigns the rows of ``X`` in Manhattan distance (for k-medians); the
    same ``assign(C)`` interface as :class:`HamerlyAssigner`."""

    def __init__(self, backend: Any, X: Any) -> None:
        self.backend = backend
        self.X = np.ascontiguousarray(X)

    def assign(self, C: Any) -> tuple[np.ndarray, np.ndarray]:
        return self.backend.assign_l1(self.X, C)


def sum_buffers(
    labels: Any, k: int, d: int, weights: Any, checked: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked contiguous labels, kernel-ready weights (empty: unit), and
    zeroed float64 ``sums`` (k, d) and ``wsums`` (k,) for a centre update.
    ``checked=False`` for the labels of an assignment, which lie in
    ``[0, k)`` or are ``-1`` (no centre), which the kernels skip."""
    labels = np.ascontiguousarray(labels)
    if checked:
        check_labels(labels, k)
    w = _NO_WEIGHTS if weights is None else np.ascontiguousarray(weights)
    return labels, w, np.zeros((k, d), dtype=np.float64), np.zeros(k, dtype=np.float64)


def check_labels(labels: Any, k: int) -> None:
    """Raise a clear ``ValueError`` unless every label lies in ``[0, k)``."""
    if labels.size == 0:
        return
    lo = int(labels.min())
    hi = int(labels.max())
    if lo < 0 or hi >= k:
        bad = lo if lo < 0 else hi
        where = int(np.flatnonzero(labels == bad)[0])
        raise ValueError(
            f"label {bad} at position {where} is outside the valid range "
            f"[0, {k - 1}] for {k} clusters; labels must index an existing "
            "cluster (a negative label usually means the data held NaN or inf)"
        )
