"""The Dask backend: data in a ``dask.array``, arithmetic in the CPU kernels.

Every pass over the data is one task per row block of ``X`` (the block is
loaded or generated where it lives, on a worker), running the compiled
kernels of :class:`~vqkit.backends.cpu.CPUBackend` on it.  Only small
results travel: per block, ``k x d`` float64 sums, ``k`` weight totals, a
few scalars and at most ``n_far`` candidate rows for empty-cluster
relocation (index, distance, label, weight); they are added up in a fixed
tree (``FAN_IN`` partial results per task, always in block order), so the
result does not depend on which worker ran what.  Row-sized results
(labels, seeding distances) stay on the workers as persisted blocks.  The
client never gathers ``X``.

Which scheduler runs the tasks is Dask's choice: a ``distributed.Client``
made current (``Client(address)``) sends them to its cluster; without one,
Dask's local threads run them.

Dask is imported when this module is, and this module only when the data is
a Dask array (see :func:`vqkit.backends.get_backend`).  The algorithms stay
in the core: this backend answers the core's questions (the protocol in
:mod:`vqkit.backends`, plus :meth:`DaskBackend.assign_and_sum` -- the fused
Lloyd step, optionally with Hamerly's bounds kept per block
(:class:`BoundsState`) --, :meth:`DaskBackend.round_tracker` for
k-means|| and :meth:`DaskBackend.fold_blocks` for streaming).
"""

from __future__ import annotations

import math
from concurrent.futures import CancelledError
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask import delayed
from numpy.typing import ArrayLike

from .base import Backend
from .cpu import CPUBackend, hamerly_geometry
from .kernels import hamerly
from .scaling import host_magnitudes, scale_exponent

_CPU = CPUBackend()

#: Partial results combined per reduction task (the tree's fan-in).
FAN_IN = 8


class ClusterLostError(RuntimeError):
    """The Dask cluster dropped intermediate results of a fit."""


def _lost(exc):
    return ClusterLostError(
        "The Dask cluster lost intermediate results of this computation (a "
        "client.restart() or a scheduler failure cancels every task; a single "
        f"worker loss is recomputed automatically): {exc}. Run the fit again."
    )


def compute(*args: Any) -> tuple:
    """``dask.compute``, with cancelled work reported as :class:`ClusterLostError`."""
    try:
        return dask.compute(*args)
    except CancelledError as exc:
        raise _lost(exc) from exc


def persist(*args: Any) -> tuple:
    """``dask.persist``, with cancelled work reported as :class:`ClusterLostError`."""
    try:
        return dask.persist(*args)
    except CancelledError as exc:
        raise _lost(exc) from exc


# ----------------------------------------------------------------------
# block views


def row_blocks(X: Any) -> tuple[list, np.ndarray]:
    """The row blocks of 2-D ``X`` as Delayed objects, with their first rows.

    ``X`` must have known chunk sizes; its columns are brought into one
    chunk first (a task per block, no data through the client).
    """
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            "X has unknown chunk sizes; call X.compute_chunk_sizes() (or pass "
            "lengths=True to to_dask_array) before fitting."
        )
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    blocks = list(X.to_delayed(optimize_graph=False)[:, 0])
    starts = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)
    return blocks, starts


def aligned_blocks(v: Any, X: Any) -> list:
    """Row blocks of the 1-D array ``v`` aligned with those of ``X`` (or a
    list of None for ``v`` None)."""
    if v is None:
        return [None] * len(X.chunks[0])
    if not isinstance(v, da.Array):
        v = da.from_array(np.asarray(v), chunks=(X.chunks[0],))
    elif v.chunks[0] != X.chunks[0]:
        v = v.rechunk((X.chunks[0],))
    return list(v.to_delayed(optimize_graph=False))


def tree_reduce(parts: Any, combine: Any) -> Any:
    """Combine Delayed partial results ``FAN_IN`` at a time, in order."""
    parts = list(parts)
    while len(parts) > 1:
        parts = [
            delayed(combine, pure=True)(*parts[i : i + FAN_IN])
            for i in range(0, len(parts), FAN_IN)
        ]
    return parts[0]


def blocks_to_array(blocks: Any, sizes: Any, dtype: Any) -> Any:
    """A 1-D dask array from Delayed (or persisted) blocks of known sizes."""
    return da.concatenate(
        [da.from_delayed(b, shape=(int(m),), dtype=dtype) for b, m in zip(blocks, sizes)]
    )


# ----------------------------------------------------------------------
# block functions (run on the workers)


def _summary_block(x, w):
    n, d = x.shape
    nonfinite = _CPU.count_non_finite(x)
    summary = {
        "rows": n,
        "nonfinite": nonfinite,
        "max_abs": 0.0,
        "min_abs": math.inf,
        "w_nonfinite": 0,
        "w_negative": 0,
    }
    if n and not nonfinite:
        summary["max_abs"] = max(abs(float(x.max())), abs(float(x.min())))
        if np.finfo(x.dtype).maxexp < 1024:  # asked of float32 only (see scaling.py)
            summary["min_abs"] = _CPU.min_nonzero_abs(x)
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        summary["w_nonfinite"] = int(np.count_nonzero(~np.isfinite(w)))
        summary["w_negative"] = int(np.count_nonzero(w < 0))
        if summary["w_nonfinite"]:
            w = None  # reported by the client; keep the statistics finite
    total = float(n) if w is None else float(w.sum())
    if nonfinite or total <= 0:
        summary.update(weight=0.0, mean=np.zeros(d), m2=np.zeros(d))
    else:
        mean, var = _CPU.column_mean_var(x, w)
        summary.update(weight=total, mean=mean, m2=var * total)
    return summary


def _combine_summaries(*parts):
    out = dict(parts[0])
    for p in parts[1:]:
        for key in ("rows", "nonfinite", "w_nonfinite", "w_negative"):
            out[key] += p[key]
        out["max_abs"] = max(out["max_abs"], p["max_abs"])
        out["min_abs"] = min(out["min_abs"], p["min_abs"])
        wa, wb = out["weight"], p["weight"]
        if wb > 0:  # Chan et al.'s pairwise update of mean and squared deviations
            total = wa + wb
            delta = p["mean"] - out["mean"]
            out["mean"] = out["mean"] + delta * (wb / total)
            out["m2"] = out["m2"] + p["m2"] + delta * delta * (wa * wb / total)
            out["weight"] = total
    return out


def _far_rows(d2, w, labels, row0, count):
    """The ``count`` rows of a block farthest from their centre (largest
    distance, then lowest index; weight-zero rows excluded)."""
    dist = np.asarray(d2, dtype=np.float64)
    if w is not None:
        dist = np.where(w > 0, dist, -np.inf)
    if count == 0:
        sel = np.zeros(0, dtype=np.int64)
    elif count < dist.size:
        kth = np.partition(dist, dist.size - count)[dist.size - count]
        sel = np.flatnonzero(dist >= kth)
    else:
        sel = np.arange(dist.size)
    sel = sel[np.argsort(-dist[sel], kind="stable")][:count]
    sel = sel[np.isfinite(dist[sel])]
    return {
        "d2": dist[sel],
        "row": sel.astype(np.int64) + row0,
        "label": labels[sel].astype(np.int64),
        "weight": np.ones(sel.size) if w is None else np.asarray(w, np.float64)[sel],
    }


def _merge_far(fars, count):
    merged = {key: np.concatenate([f[key] for f in fars]) for key in fars[0]}
    order = np.lexsort((merged["row"], -merged["d2"]))[:count]
    return {key: value[order] for key, value in merged.items()}


def _bounded_assign(x, C, state, shift, half_gap, margin):
    """Hamerly's exact assignment of a block from its bounds (``state`` is
    ``(labels, lower)`` of the previous step, or None: scan every row)."""
    x = np.ascontiguousarray(x)
    C = np.ascontiguousarray(C, dtype=x.dtype)
    if state is None:
        labels, lower, full = np.zeros(x.shape[0], np.int32), np.zeros(x.shape[0]), True
    else:
        labels, lower, full = state[0].copy(), state[1].copy(), False
    d2 = np.empty(x.shape[0], dtype=x.dtype)
    hamerly.hamerly_assign(
        x, C, np.ascontiguousarray(C.T), shift, half_gap, margin, full, labels, lower, d2
    )
    return labels, lower, d2


def _fused_block(x, w, previous, C, origin, formula, n_far, row0, bounds=None):
    """Assignment, centre sums and statistics of one block in one read
    (with ``bounds = (state, shift, half_gap, margin)``: Hamerly's)."""
    k = C.shape[0]
    lower = None
    if bounds is None:
        labels, d2 = _CPU.assign(x, C, origin, formula)
    else:
        state = bounds[0]
        previous = None if state is None else state[0]
        labels, lower, d2 = _bounded_assign(x, C, *bounds)
    bad = labels < 0
    n_bad = int(np.count_nonzero(bad))
    part = {
        "n_bad": n_bad,
        "first_bad": row0 + int(np.flatnonzero(bad)[0]) if n_bad else -1,
        "n_changed": labels.size
        if previous is None
        else int(np.count_nonzero(labels != previous)),
    }
    if n_bad:  # the fit stops with an error: no sums to make
        sums, wsums, inertia = np.zeros((k, x.shape[1])), np.zeros(k), np.nan
        far = _far_rows(np.zeros(0), None, np.zeros(0, np.int32), row0, 0)
    else:
        sums, wsums = _CPU.cluster_sums(x, labels, k, w)
        d2_64 = d2.astype(np.float64)
        inertia = float(d2_64.sum()) if w is None else float(np.dot(w, d2_64))
        far = _far_rows(d2, w, labels, row0, n_far)
    part.update(sums=sums, wsums=wsums, inertia=inertia, far=far, n_far=n_far)
    return labels, lower, part


def _combine_fused(*parts):
    out = dict(parts[0])
    for p in parts[1:]:
        out["sums"] = out["sums"] + p["sums"]
        out["wsums"] = out["wsums"] + p["wsums"]
        out["inertia"] += p["inertia"]
        out["n_changed"] += p["n_changed"]
        if p["n_bad"] and not out["n_bad"]:
            out["first_bad"] = p["first_bad"]
        out["n_bad"] += p["n_bad"]
    out["far"] = _merge_far([p["far"] for p in parts], out["n_far"])
    return out


def _assign_block(x, C, origin, row0):
    # compared in exactly rescaled units where the block's or the centres'
    # magnitudes would overflow or underflow squared distances (as the
    # estimators do for data in memory); distances returned in X's units
    dtype = np.result_type(x.dtype, C.dtype)
    largest, smallest = host_magnitudes(C)
    if x.size:
        largest = max(largest, abs(float(x.max())), abs(float(x.min())))
    scale = scale_exponent(largest, lambda: min(smallest, _CPU.min_nonzero_abs(x)), dtype, x.size)
    if scale:
        x, C = np.ldexp(x, scale).astype(x.dtype), np.ldexp(C, scale).astype(C.dtype)
        origin = None if origin is None else np.ldexp(origin, scale)
    labels, d2 = _CPU.assign(x, C, origin)
    if scale:
        with np.errstate(over="ignore", under="ignore"):
            d2 = np.ldexp(d2.astype(np.float64), -2 * scale).astype(d2.dtype)
    bad = labels < 0
    if bad.any():
        first = row0 + int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} row(s) of X (the first is row {first}) "
            "have no finite distance to any centre: X contains NaN or infinity, or values "
            "so large that squared distances overflow. Remove or impute them, or rescale X."
        )
    return labels, d2


def _labels_block(x, C, origin, row0):
    return _assign_block(x, C, origin, row0)[0]


def _d2_block(x, C, origin, row0):
    return _assign_block(x, C, origin, row0)[1]


def _distances_block(x, C):
    return _CPU.sq_distances(x, C)


def _sums_block(x, labels, w, k):
    sums, wsums = _CPU.cluster_sums(x, labels, k, w)
    return {"sums": sums, "wsums": wsums}


def _add_sums(*parts):
    return {
        "sums": sum(p["sums"] for p in parts[1:]) + parts[0]["sums"],
        "wsums": sum(p["wsums"] for p in parts[1:]) + parts[0]["wsums"],
    }


def _lower_block(x, state, rows, gaps, origin, offset):
    """A block's k-means|| state ``(min_d2, nearest)`` lowered with the new
    candidate ``rows`` (numbered from ``offset``).  With ``gaps`` (half the
    distance from each earlier candidate to its nearest new one), a row is
    compared only when its nearest candidate lies within that gap's reach."""
    if state is None:
        labels, d2 = _CPU.assign(x, rows, origin)
        return d2.astype(np.float64), labels.astype(np.int32)
    min_d2, nearest = state[0].copy(), state[1].copy()
    if rows.shape[0] == 0:
        return min_d2, nearest
    reach = gaps[nearest]
    todo = np.flatnonzero(reach * reach <= min_d2)
    if todo.size:
        part = x if todo.size == x.shape[0] else np.take(x, todo, axis=0)
        labels, d2 = _CPU.assign(part, rows, origin)
        closer = d2 < min_d2[todo]
        todo = todo[closer]
        min_d2[todo] = d2[closer]
        nearest[todo] = offset + labels[closer]
    return min_d2, nearest


def _round_block(x, w, state, rows, gaps, origin, offset, seed, count, row0):
    """One k-means|| round on a block: lower the distances with ``rows``,
    then draw the block's share of the next round -- its ``count`` rows of
    smallest key ``E_i / (w_i D_i^2)`` (``E_i`` standard exponential draws
    from ``seed``; rows of zero mass have an infinite key and never come):
    the ``count`` smallest keys over all blocks are a weighted sample without
    replacement (Efraimidis and Spirakis, 2006)."""
    state = _lower_block(x, state, rows, gaps, origin, offset)
    mass = state[0] if w is None else np.asarray(w, dtype=np.float64) * state[0]
    exp = np.random.RandomState(seed).standard_exponential(mass.size)
    with np.errstate(divide="ignore"):
        key = np.where(mass > 0, exp / mass, np.inf)
    sel = np.argpartition(key, count - 1)[:count] if count < key.size else np.arange(key.size)
    sel = np.sort(sel[np.isfinite(key[sel])])
    draw = {"key": key[sel], "row": sel.astype(np.int64) + row0, "x": x[sel], "count": count}
    return state, draw


def _merge_draws(*parts):
    """The ``count`` smallest keys of the blocks' draws (ties: lowest row)."""
    merged = {key: np.concatenate([p[key] for p in parts]) for key in ("key", "row", "x")}
    order = np.lexsort((merged["row"], merged["key"]))[: parts[0]["count"]]
    out = {key: value[order] for key, value in merged.items()}
    out["count"] = parts[0]["count"]
    return out


def _final_block(x, w, state, rows, gaps, origin, offset, m):
    """The last pass of k-means||: lower with ``rows``, then the total
    weight of the rows nearest to each of the ``m`` candidates."""
    nearest = _lower_block(x, state, rows, gaps, origin, offset)[1]
    return np.bincount(nearest, weights=w, minlength=m).astype(np.float64)


def _weight_total(w):
    return float(np.sum(w, dtype=np.float64))


def _weighted_pick(w, target):
    cumulative = np.cumsum(w, dtype=np.float64)
    return int(min(np.searchsorted(cumulative, target), w.size - 1))


def _fold_block(x, w, carry, fn):
    return fn(x, w, carry)


# ----------------------------------------------------------------------
# results


@dataclass
class FusedStep:
    """One fused pass of :meth:`DaskBackend.assign_and_sum`."""

    #: int32 labels, a dask array of persisted blocks (stays on the workers).
    labels: object
    #: float64 ``(k, d)`` weighted sums and ``(k,)`` weight totals per centre.
    sums: np.ndarray
    wsums: np.ndarray
    #: (Weighted) sum of squared distances, float64.
    inertia: float
    #: Rows whose label differs from ``previous_labels`` (all without).
    n_changed: int
    #: Rows with no finite distance to any centre, and the first of them.
    n_unassigned: int
    first_unassigned: int
    #: Up to ``n_far`` rows farthest from their centre, farthest first
    #: (ties: lowest row), weight-zero rows left out: global row indices,
    #: their current labels and weights.
    far_rows: np.ndarray
    far_labels: np.ndarray
    far_weights: np.ndarray


@dataclass
class _Summary:
    rows: int
    weight: float
    mean: np.ndarray
    var: np.ndarray
    max_abs: float


# ----------------------------------------------------------------------
# the backend


class DaskBackend(Backend):
    """k-means arithmetic for ``dask.array`` data (rows in row blocks).

    Centres, sums and statistics come back as NumPy arrays; labels and
    distances stay Dask arrays.  Weights may be a Dask or NumPy array;
    they are rechunked to ``X``'s row blocks.  No k-means++ over every
    row (each step would be a pass over the cluster): k-means|| seeds.
    """

    name = "dask"
    arrays = "Dask arrays"
    capabilities = frozenset(
        {
            "assign_and_sum",
            "round_passes",
            "lazy",
            "fold_blocks",
            "hamerly_bounds",
        }
    )
    #: k-means|| settings for data on a cluster, where every round is one
    #: read of the data (:class:`RoundTracker`): 3 rounds of ``k`` rows each,
    #: 4 reads in all.  Against the 5 rounds of about ``2 k`` rows used
    #: before (3 reads each), the fits after it had the same mean inertia
    #: within 1% (seeds 0-4: blobs, clusters of unequal sizes, uniform
    #: data, image pixels) at a fifth of the distance computations; 2 rounds
    #: of ``1.5 k`` rows were 6% worse on 64 blobs.
    seeding_options = MappingProxyType({"rounds": 3, "oversampling": 1.0})

    def __init__(self) -> None:
        self._summaries: dict[tuple, dict] = {}

    # -- statistics -----------------------------------------------------

    def _totals(self, X, weights=None):
        """Rows, weight, column mean and squared deviations, max |x| and the
        non-finite counts of ``X`` and ``weights``, in one pass (cached per
        graph, so repeated questions about the same data cost nothing)."""
        if weights is None:
            wkey = None
        elif isinstance(weights, da.Array):
            wkey = weights.name
        else:
            wkey = dask.base.tokenize(np.asarray(weights))
        key = (X.name, wkey)
        total = self._summaries.get(key)
        if total is None:
            blocks, _ = row_blocks(X)
            wblocks = aligned_blocks(weights, X)
            parts = [delayed(_summary_block, pure=True)(x, w) for x, w in zip(blocks, wblocks)]
            (total,) = compute(tree_reduce(parts, _combine_summaries))
            if len(self._summaries) > 8:
                self._summaries.clear()
            self._summaries[key] = total
        return total

    def summary(self, X: Any, weights: Any = None) -> _Summary:
        """Rows, weight, column mean/variance and max |x| of ``X`` from one
        pass (see :meth:`_totals`).  Raises ``ValueError`` for NaN or
        infinity in ``X`` or invalid ``weights``."""
        total = self._totals(X, weights)
        if total["nonfinite"]:
            raise ValueError(
                f"Input X contains NaN or infinity ({total['nonfinite']} entries); k-means "
                "needs finite values. Remove or impute them first (for a Dask array, "
                "for instance X[da.isfinite(X).all(axis=1)])."
            )
        if total["w_nonfinite"]:
            raise ValueError("sample_weight contains NaN or infinity.")
        if total["w_negative"]:
            raise ValueError("Negative values in data passed to sample_weight.")
        if not total["weight"] > 0:
            raise ValueError(
                "sample_weight sums to zero: at least one row needs a positive weight."
            )
        return _Summary(
            rows=total["rows"],
            weight=total["weight"],
            mean=total["mean"],
            var=total["m2"] / total["weight"],
            max_abs=total["max_abs"],
        )

    def column_mean_var(self, X: Any, weights: Any = None) -> tuple[Any, Any]:
        """Per-column (weighted) mean and population variance, float64."""
        s = self.summary(X, weights)
        return s.mean.copy(), s.var.copy()

    def max_abs(self, X: Any, weights: Any = None) -> float:
        """Largest absolute value in ``X`` (from the same pass)."""
        return self.summary(X, weights).max_abs

    def min_nonzero_abs(self, X: Any, weights: Any = None) -> float:
        """Smallest non-zero magnitude in ``X`` (from the same pass)."""
        self.summary(X, weights)  # the checks of the data and weights
        return float(self._totals(X, weights)["min_abs"])

    def count_non_finite(self, X: Any) -> int:
        """NaN and infinite entries of ``X`` (from the statistics pass)."""
        return int(self._totals(X)["nonfinite"])

    def n_distinct(self, a: Any) -> int:
        """Number of distinct values of the non-negative integers ``a`` (a
        Dask array: counted per block, one number reaches the client)."""
        (count,) = compute((da.bincount(a) > 0).sum())
        return int(count)

    # -- rows -------------------------------------------------------------

    def dense_rows(self, X: Any, idx: ArrayLike) -> Any:
        """The rows ``idx`` of ``X`` as a NumPy array (only their blocks are read)."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            return np.empty((0, X.shape[1]), dtype=X.dtype)
        unique, inverse = np.unique(idx, return_inverse=True)
        (rows,) = compute(X[unique])
        return np.asarray(rows)[inverse]

    # -- assignment -------------------------------------------------------

    def assign(self, X: Any, C: Any, origin: Any = None, formula: str = "auto") -> tuple[Any, Any]:
        """Lazy ``(labels, min_d2)`` dask arrays; computing them raises
        ``ValueError`` for rows with no finite distance."""
        blocks, starts = row_blocks(X)
        C = np.ascontiguousarray(C)
        dtype = np.result_type(X.dtype, C.dtype)
        sizes = X.chunks[0]
        labels = blocks_to_array(
            [delayed(_labels_block, pure=True)(x, C, origin, r) for x, r in zip(blocks, starts)],
            sizes,
            np.int32,
        )
        d2 = blocks_to_array(
            [delayed(_d2_block, pure=True)(x, C, origin, r) for x, r in zip(blocks, starts)],
            sizes,
            dtype,
        )
        return labels, d2

    def sq_distances(self, X: Any, C: Any) -> Any:
        """Lazy ``(n, k)`` squared distances."""
        C = np.ascontiguousarray(C)
        dtype = np.result_type(X.dtype, C.dtype)
        if X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        return X.map_blocks(_distances_block, C, chunks=(X.chunks[0], (C.shape[0],)), dtype=dtype)

    def bounded_assigner(self, X: Any) -> Any:
        """Hamerly's bounds for repeated fused steps on ``X``: a
        :class:`BoundsState` to pass to :meth:`assign_and_sum` (the bounds,
        8 bytes per row, stay on the workers with the labels)."""
        return BoundsState(X)

    def cluster_sums(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Weighted sums and weight totals per cluster (float64, NumPy)."""
        blocks, _ = row_blocks(X)
        lblocks = aligned_blocks(labels, X)
        wblocks = aligned_blocks(weights, X)
        parts = [
            delayed(_sums_block, pure=True)(x, lab, w, int(k))
            for x, lab, w in zip(blocks, lblocks, wblocks)
        ]
        (total,) = compute(tree_reduce(parts, _add_sums))
        return total["sums"], total["wsums"]

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
        """One read of ``X``: labels, centre sums, inertia, changed labels and
        the farthest rows, per block; returns a :class:`FusedStep`.

        Per block the workers send ``8 k (d + 1)`` bytes of sums, about
        ``32 n_far`` bytes of far-row candidates and a few scalars into the
        reduction tree; the labels stay on the workers.  With an
        ``assigner`` from :meth:`bounded_assigner`, rows are assigned with
        Hamerly's bounds (the same labels; most rows skip the scan once the
        centres settle) and the bounds are updated in place.
        """
        blocks, starts = row_blocks(X)
        wblocks = aligned_blocks(weights, X)
        # labels of a previous step: their persisted blocks, no graph to run
        pblocks = getattr(previous_labels, "_vqkit_blocks", None)
        if pblocks is None or len(pblocks) != len(blocks):
            pblocks = aligned_blocks(previous_labels, X)
        C = np.ascontiguousarray(C)
        n_far = int(min(n_far, C.shape[0]))
        bounds: list[Any] = [None] * len(blocks)
        if assigner is not None:
            C64 = np.ascontiguousarray(C, dtype=X.dtype).astype(np.float64)
            full = assigner.blocks is None or assigner.previous.shape != C64.shape
            shift, half_gap = hamerly_geometry(C64, None if full else assigner.previous)
            states = [None] * len(blocks) if full else assigner.blocks
            bounds = [(s, shift, half_gap, assigner.margin) for s in states]
            pblocks = [None] * len(blocks)  # the bounds hold the previous labels
        steps = [
            delayed(_fused_block, pure=True, nout=3)(x, w, p, C, origin, formula, n_far, r, b)
            for x, w, p, r, b in zip(blocks, wblocks, pblocks, starts, bounds)
        ]
        label_blocks = [s[0] for s in steps]
        lower_blocks = [s[1] for s in steps] if assigner is not None else []
        total = tree_reduce([s[2] for s in steps], _combine_fused)
        label_blocks, lower_blocks, total = persist(label_blocks, lower_blocks, total)
        (total,) = compute(total)
        if assigner is not None:
            assigner.blocks = list(zip(label_blocks, lower_blocks))
            assigner.previous = C64
        far = total["far"]
        labels = blocks_to_array(label_blocks, X.chunks[0], np.int32)
        labels._vqkit_blocks = label_blocks
        return FusedStep(
            labels=labels,
            sums=total["sums"],
            wsums=total["wsums"],
            inertia=float(total["inertia"]),
            n_changed=int(total["n_changed"]),
            n_unassigned=int(total["n_bad"]),
            first_unassigned=int(total["first_bad"]),
            far_rows=far["row"],
            far_labels=far["label"],
            far_weights=far["weight"],
        )

    # -- seeding ----------------------------------------------------------

    def round_tracker(self, X: Any, weights: Any = None, origin: Any = None) -> Any:
        """Distances of every row to the k-means|| candidates chosen so far,
        kept on the workers (12 bytes per row), one read of ``X`` per round;
        see :class:`RoundTracker`."""
        return RoundTracker(X, weights, origin)

    # -- streaming --------------------------------------------------------

    def fold_blocks(self, fn: Any, X: Any, weights: Any, carry: Any) -> Any:
        """``carry = fn(block, weight_block, carry)`` over the row blocks of
        ``X`` in order, each call on the worker holding the block (only
        ``carry`` travels); returns the final ``carry``."""
        blocks, _ = row_blocks(X)
        for x, w in zip(blocks, aligned_blocks(weights, X)):
            carry = delayed(_fold_block, pure=False)(x, w, carry, fn)
        (carry,) = compute(carry)
        return carry


class BoundsState:
    """Hamerly's per-row state of a Dask fit: per block the labels and a
    lower bound on the distance to every other centre (persisted on the
    workers), and the centres they were computed for (in the client)."""

    def __init__(self, X: Any) -> None:
        self.blocks: Any = None  # set by the first fused step
        self.previous: Any = None
        self.margin = 1.0 - 8.0 * (X.shape[1] + 2) * float(np.finfo(X.dtype).eps)


class RoundTracker:
    """Squared distance from every row to its nearest k-means|| candidate,
    and that candidate's number, as persisted blocks on the workers; one
    read of ``X`` per round.

    The core's ``kmeans_parallel`` drives it: ``weighted_index`` (the first
    candidate), ``round`` (lower the distances with the last candidates and
    draw the next ones, in one pass: the drawn rows come back with the
    reduction, not from a second read) and ``finish`` (lower once more and
    weigh the candidates; the state is dropped).  Random numbers: one
    ``uniform()`` for the first candidate, then per round one ``randint``
    array of per-block seeds, so a seed and a chunking fix the candidates.
    """

    def __init__(self, X: Any, weights: Any, origin: Any) -> None:
        self.X = X
        self.blocks, self.starts = row_blocks(X)
        self.wblocks = aligned_blocks(weights, X)
        self.weighted = weights is not None
        self.origin = origin
        self.state: Any = None  # set by the first round
        self.count = 0

    def weighted_index(self, rng: Any) -> int:
        n = self.X.shape[0]
        u = rng.uniform()
        if not self.weighted:  # as a search in cumulative unit weights would give
            return int(min(max(np.ceil(u * n) - 1, 0), n - 1))
        totals = np.asarray(compute(*[delayed(_weight_total, pure=True)(w) for w in self.wblocks]))
        cumulative = np.cumsum(totals)
        target = u * cumulative[-1]
        b = int(min(np.searchsorted(cumulative, target), len(totals) - 1))
        before = cumulative[b - 1] if b else 0.0
        (i,) = compute(delayed(_weighted_pick, pure=True)(self.wblocks[b], target - before))
        return int(self.starts[b] + i)

    def _inputs(self, rows: Any) -> list:
        rows = np.ascontiguousarray(rows)
        states = self.state or [None] * len(self.blocks)
        return [rows, states, self.count]

    def round(self, rows: Any, gaps: Any, rng: Any, count: int) -> np.ndarray:
        """Lower every row's distance with ``rows`` (the candidates drawn
        last; ``gaps``: half the distance from each earlier candidate to
        its nearest one of them, or None) and draw up to ``count`` new
        candidates; returns their rows (in ``X``'s dtype, row order)."""
        rows, states, offset = self._inputs(rows)
        seeds = rng.randint(0, 2**31 - 1, size=len(self.blocks))
        steps = [
            delayed(_round_block, pure=True, nout=2)(
                x, w, s, rows, gaps, self.origin, offset, int(seed), int(count), r
            )
            for x, w, s, seed, r in zip(self.blocks, self.wblocks, states, seeds, self.starts)
        ]
        draw = tree_reduce([s[1] for s in steps], _merge_draws)
        new_states, draw = persist([s[0] for s in steps], draw)
        (draw,) = compute(draw)
        self.state = new_states
        self.count += rows.shape[0]
        return np.asarray(draw["x"])[np.argsort(draw["row"], kind="stable")]

    def finish(self, rows: Any, gaps: Any, m: int) -> np.ndarray:
        """Lower the distances with the last ``rows`` and return the total
        weight of the rows nearest to each of the ``m`` candidates; the
        state on the workers is dropped."""
        rows, states, offset = self._inputs(rows)
        parts = [
            delayed(_final_block, pure=True)(x, w, s, rows, gaps, self.origin, offset, int(m))
            for x, w, s in zip(self.blocks, self.wblocks, states)
        ]
        (total,) = compute(tree_reduce(parts, _sum_floats))
        self.state = None
        return total


def _sum_floats(*parts):
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total
