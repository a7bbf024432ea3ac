"""The Array API backend: k-means arithmetic for any array library that
follows the Python Array API standard (PyTorch, CuPy, array-api-strict,
NumPy through ``array_api_compat``), on the arrays' own device.

Nothing here copies the data to the host: assignments, centre sums,
statistics and the distance primitives of seeding run with the array
library's own functions, in row chunks whose temporaries stay under a fixed
byte budget (:func:`chunk_rows`).  Only scalars (counts, sums, a few row
indices) come back to the host, where the core decides what to do next.

Numerics follow the CPU backend: distances are expanded into matrix
products around an origin near the data (``|x-o|^2 - 2 (x-o).(c-o) +
|c-o|^2``, clamped at 0), ties go to the lowest centre index, sums and
statistics accumulate in float64.

Library-specific fast paths are taken where the standard has no
equivalent: ``index_add_`` (PyTorch) and ``cupyx.scatter_add`` (CuPy) for
the centre update (the portable fallback multiplies a one-hot chunk by the
rows), and on CUDA PyTorch a fused Triton distance+argmin kernel
(``_triton_kernels``) when Triton imports.  A faster TF32/bf16 assignment
can be switched on for CUDA PyTorch with :func:`configure`; rows whose two
best centres are too close to call at that precision are recomputed in
float32, so labels are those of the float32 computation.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

try:
    import array_api_compat as compat
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "vqkit needs the 'array-api-compat' package for arrays of libraries other "
        "than NumPy (PyTorch, CuPy, ...): pip install 'vqkit[gpu]'"
    ) from exc

from ._low_precision import _matmul_precision, error_slack
from .base import Backend, LazyFarRows, array_kind

#: Upper bound, in bytes, of the temporaries of one assignment chunk (the
#: centred rows, their squared norms and the chunk x k score matrix) on a GPU.
ASSIGN_BYTES = 256 * 2**20

#: The same on the CPU: a chunk's temporaries stay in the processor's cache
#: between the operations that use them in turn (centring, the product, its
#: minimum, the centre sums), and the few that are made anew for each chunk
#: are small enough for the C allocator to recycle (larger ones are mapped,
#: page by page, anew each time; the centred rows and the scores live in a
#: workspace that each thread keeps, see ``ArrayAPIBackend._workspace``).
HOST_ASSIGN_BYTES = 32 * 2**20

#: Upper bound, in bytes, of the temporaries of one chunk of the centre
#: update and of the statistics (float64 copies of rows, one-hot blocks).
UPDATE_BYTES = 128 * 2**20

#: Upper bound, in bytes, of the candidates' distances that greedy k-means++
#: keeps between pricing candidates and adding the chosen one (``n x L``
#: float64); above it the chosen centre's distances are computed again.
SEEDING_STORE_BYTES = 1 << 30

#: Precisions of the matrix product of the assignment (CUDA PyTorch only;
#: elsewhere the data's own dtype is always used).
PRECISIONS = ("float32", "tf32", "bf16")

_options: dict[str, Any] = {
    # "float32": the data's dtype; "tf32"/"bf16": faster products with a
    # float32 recheck of near-ties (CUDA PyTorch only)
    "precision": "float32",
    # "auto": the Triton kernel on CUDA PyTorch when Triton imports
    "triton": "auto",
    # None: ASSIGN_BYTES on a GPU, HOST_ASSIGN_BYTES on the CPU
    "assign_bytes": None,
    "update_bytes": UPDATE_BYTES,
    # True: only standard Array API operations (no library fast paths), for
    # tests and benchmarks of the portable code
    "portable": False,
    # the centre update: "scatter" (index_add_ / scatter_add), "onehot"
    # (one-hot matrix products, float64), "auto": one-hot for few centres on
    # CUDA, where scattering into few addresses serialises the atomics
    "update": "auto",
}

#: ``update="auto"`` uses one-hot products up to this many centres on CUDA
#: (:meth:`ArrayAPIBackend.cluster_sums`; the Lloyd step sums in groups).
ONEHOT_MAX_CLUSTERS = 32

#: Rows per partial sum of the Lloyd step's centre update, at least (and at
#: least four per centre): see :meth:`ArrayAPIBackend._partial_sums`.
PARTIAL_ROWS = 256


def configure(**options: Any) -> dict:
    """Set options of the Array API backend; returns the previous values.

    ``precision`` (``"float32"``, ``"tf32"`` or ``"bf16"``): the matrix
    products of the assignment on CUDA PyTorch; the faster two recheck
    near-ties in float32 (default ``"float32"``).  ``triton``
    (``"auto"``, True or False): use the fused Triton kernel on CUDA
    PyTorch.  ``assign_bytes`` / ``update_bytes``: the byte budgets of
    chunk temporaries (``assign_bytes=None``, the default: 256 MiB on a
    GPU, 32 MiB on the CPU, where a chunk then stays in the cache).
    ``portable`` (bool): use only standard Array API operations, no
    library-specific fast path (for tests and benchmarks).
    ``update`` (``"auto"``, ``"scatter"``, ``"onehot"``): how centre sums
    are accumulated.
    """
    previous = {}
    for name, value in options.items():
        if name not in _options:
            raise ValueError(f"unknown option {name!r}; expected one of {sorted(_options)}")
        if name == "precision" and value not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {value!r}")
        if name == "update" and value not in ("auto", "scatter", "onehot"):
            raise ValueError(f"update must be 'auto', 'scatter' or 'onehot', got {value!r}")
        if name == "portable" and not isinstance(value, bool):
            raise ValueError(f"portable must be True or False, got {value!r}")
        if name == "triton" and value not in ("auto", True, False):
            raise ValueError(f"triton must be 'auto', True or False, got {value!r}")
        if (
            name.endswith("_bytes")
            and not (name == "assign_bytes" and value is None)
            and (not isinstance(value, int) or value < 1)
        ):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
        previous[name] = _options[name]
    _options.update(options)
    return previous


@contextlib.contextmanager
def options(**values: Any) -> Iterator[None]:
    """Context manager form of :func:`configure` (restores on exit)."""
    previous = configure(**values)
    try:
        yield
    finally:
        _options.update(previous)


def chunk_rows(n: int, width: int, itemsize: int, budget: int) -> int:
    """Rows per chunk so that ``rows * width * itemsize <= budget``.

    ``width`` is the number of values held per row (for an assignment: the
    ``k`` scores plus the centred row and a few scalars).  At least one row,
    at most ``n``.
    """
    rows = budget // max(1, int(width) * int(itemsize))
    return int(max(1, min(int(n), rows)))


def _chunks(n, rows):
    for start in range(0, n, rows):
        yield start, min(n, start + rows)


def _itemsize(xp, dtype):
    return 8 if dtype == xp.float64 else 4 if dtype == xp.float32 else 2


def to_numpy(a: Any) -> np.ndarray:
    """A host NumPy copy of array ``a`` of any supported library."""
    if isinstance(a, np.ndarray):
        return a
    if compat.is_torch_array(a):
        a = a.detach().cpu()
        # NumPy has no bfloat16: float32 holds its values exactly
        return (a.float() if str(a.dtype) == "torch.bfloat16" else a).numpy()
    if compat.is_cupy_array(a):
        return a.get()
    try:
        return np.asarray(a)
    except Exception:  # refused (another device, no __array__): a DLPack copy to the CPU
        return np.from_dlpack(a, device="cpu")


#: Rows of each assignment chunk that can be decided in float64 when float32
#: cannot tell their two best centres apart: ``RECHECK_FLOOR`` plus one in
#: ``RECHECK_SHARE`` (near-ties are far rarer; beyond these the float32
#: label stands).  Fixed in advance, so the device never waits for a count.
RECHECK_FLOOR = 64
RECHECK_SHARE = 512


class _ExactRecheck:
    """Deciding float32 near-ties in float64 (PyTorch): the centres in
    float64 and the float32 error bound of a score, as the CPU backend's
    mixed-precision kernels bound it."""

    def __init__(self, Cs: Any, c_sq: Any) -> None:
        import torch

        self.C64 = Cs.to(torch.float64)
        self.c_sq64 = (self.C64 * self.C64).sum(1)
        self.C64t = self.C64.t().contiguous()
        self.c_max = c_sq.max().sqrt()  # stays on the device
        self.infinity = torch.full((), math.inf, dtype=Cs.dtype, device=Cs.device)
        # worst-case relative error of a d-term float32 dot product
        self.slack = (Cs.shape[1] + 4) * 2.0**-23

    def decide(
        self, B: Any, scores: Any, low: Any, best: Any, x_sq: Any, d2: Any, row_numbers: Any
    ) -> None:
        """Fix ``best`` and ``d2`` in place for the chunk ``B`` (centred
        float32 rows) whose float32 ``scores`` (overwritten) gave ``low`` and
        ``best``: the rows whose margin to the second-best centre is least
        compared with its error bound (``RECHECK_FLOOR`` plus one in
        ``RECHECK_SHARE``; every row within the bound when there are no more)
        get the float64 nearest centre and distance.  ``row_numbers``:
        ``0, 1, ...`` (int64), at least one per row."""
        import torch

        r = B.shape[0]
        # the best score out of the way (an indexed write: scatter_ is slower
        # on the CPU), then the second best
        scores.index_put_((row_numbers[:r], best), self.infinity)
        margin = scores.amin(dim=1).sub_(low)
        # a score is off by at most slack (2 |x| c + c^2 + |x|^2) = slack
        # (|x| + c)^2 (c: the largest centre norm); two of them twice that
        reach = x_sq.sqrt().add_(self.c_max)
        doubt = margin.addcmul_(reach, reach, value=-2.0 * self.slack)  # <= 0: undecided
        rows = torch.topk(doubt, min(r, RECHECK_FLOOR + r // RECHECK_SHARE), largest=False).indices
        # every row taken is decided in float64: where float32 had decided,
        # its bound guarantees float64 the same label (and a closer distance)
        sub = B[rows].to(torch.float64)
        near, label = torch.addmm(self.c_sq64, sub, self.C64t, beta=1, alpha=-2).min(dim=1)
        near += (sub * sub).sum(1)
        best.index_put_((rows,), label)
        d2.index_put_((rows,), near.to(d2.dtype))


def _nearest_torch(
    B: Any, ct: Any, c_sq: Any, exact: _ExactRecheck | None, scores: Any, row_numbers: Any
) -> tuple[Any, Any]:
    """Nearest centre (int64, ties to the lowest index) and squared distance
    of each centred row of ``B``: ``|c|^2 - 2 b.c`` by ``addmm`` into
    ``scores`` (a ``len(B) x k`` buffer), its minimum, plus ``|b|^2``;
    near-ties decided by ``exact`` when given."""
    import torch

    torch.addmm(c_sq, B, ct, beta=1, alpha=-2, out=scores)
    low, best = scores.min(dim=1)
    x_sq = (B * B).sum(1)
    d2 = x_sq + low
    if exact is not None:
        exact.decide(B, scores, low, best, x_sq, d2, row_numbers)
    return best, d2


class _PartialSums:
    """Weighted sums of rows per cluster, float64, from chunks of rows added
    in turn, with no float64 array of a chunk's length.

    Each run of ``group`` consecutive rows of a chunk is summed per cluster
    in the rows' dtype (``index_add_`` / ``scatter_add`` into ``group``-wise
    slots, so that few clusters do not make all additions collide on few
    addresses), and those partial sums are added up in float64.  A partial
    sum holds at most ``group`` rows (``max(PARTIAL_ROWS, 4 k)``, a few per
    cluster on average), so its rounding error stays within a few units of
    the data's precision.
    """

    def __init__(
        self, backend: ArrayAPIBackend, k: int, like: Any, rows: int, weighted: bool
    ) -> None:
        xp = backend.xp
        dev = compat.device(like)
        d = like.shape[1]
        self.backend, self.k, self.d = backend, k, d
        self.group = group = max(PARTIAL_ROWS, 4 * k)
        slots = -(-rows // group) * k
        self.part = xp.zeros((slots, d), dtype=like.dtype, device=dev)
        self.wpart = xp.zeros((slots,), dtype=like.dtype, device=dev)
        # int64 slot numbers: PyTorch's CPU index_add_ is far slower with int32
        self.offsets = (xp.arange(rows, dtype=xp.int64, device=dev) // group) * k
        self.ones: Any = None if weighted else xp.ones((rows,), dtype=like.dtype, device=dev)
        self.sums = xp.zeros((k, d), dtype=xp.float64, device=dev)
        self.wsums = xp.zeros((k,), dtype=xp.float64, device=dev)
        self.scatter_add = backend._scatter_add()

    def add(self, B: Any, labels: Any, w: Any = None) -> None:
        """Add the rows ``B`` (at most ``rows`` of them) with their
        ``labels`` (-1 counts for cluster 0) and weights ``w`` (the rows'
        dtype, or None)."""
        xp, k, d = self.backend.xp, self.k, self.d
        r = B.shape[0]
        g = -(-r // self.group)
        idx = self.backend._slots(labels, self.offsets[:r])
        part, wpart = self.part[: g * k, :], self.wpart[: g * k]
        part[...] = 0
        wpart[...] = 0
        self.scatter_add(part, idx, B if w is None else B * w[:, None])
        self.scatter_add(wpart, idx, self.ones[:r] if w is None else w)
        self.sums += xp.sum(xp.reshape(part, (g, k, d)), axis=0, dtype=xp.float64)
        self.wsums += xp.sum(xp.reshape(wpart, (g, k)), axis=0, dtype=xp.float64)

    def totals(self, origin: Any = None) -> tuple[Any, Any]:
        """``(sums, wsums)``; ``origin``: what was subtracted from every row
        added (its weighted count is added back, in float64)."""
        if origin is None:
            return self.sums, self.wsums
        o = self.backend.xp.astype(origin, self.sums.dtype)
        return self.sums + self.wsums[:, None] * o[None, :], self.wsums


class _StepTotals:
    """What a fused Lloyd step adds up over its assignment's chunks
    (PyTorch), on the device: the centre sums of the centred rows, which the
    chunk has at hand (:class:`_PartialSums`), the (weighted) inertia, the
    labels that changed and the rows that found no centre."""

    def __init__(
        self, backend: ArrayAPIBackend, X: Any, k: int, w: Any, previous: Any, rows: int
    ) -> None:
        import torch

        self.w, self.previous = w, previous
        self.partial = _PartialSums(backend, k, X, rows, w is not None)
        zero = torch.zeros((), dtype=torch.float64, device=X.device)
        self.inertia = zero
        self.n_changed: Any = X.shape[0] if previous is None else zero.to(torch.int64)
        self.n_assigned = zero.to(torch.int64)

    def add(self, s: int, e: int, B: Any, labels: Any, d2: Any, finite: Any) -> None:
        """The chunk of rows ``s:e``: centred rows ``B``, their labels (-1:
        no centre), squared distances and which of those are finite."""
        import torch

        w = None if self.w is None else self.w[s:e]
        self.partial.add(B, labels, w)
        self.inertia = self.inertia + (d2 if w is None else w * d2).sum(dtype=torch.float64)
        if self.previous is not None:
            self.n_changed = self.n_changed + torch.count_nonzero(labels != self.previous[s:e])
        self.n_assigned = self.n_assigned + torch.count_nonzero(finite)


def _assign_budget(X: Any) -> int:
    """Byte budget of an assignment chunk's temporaries for the rows ``X``."""
    budget = _options["assign_bytes"]
    if budget is None:
        on_cpu = "cpu" in str(compat.device(X)).lower()
        budget = HOST_ASSIGN_BYTES if on_cpu else ASSIGN_BYTES
    return int(budget)


class ArrayAPIBackend(Backend):
    """Nearest-centre assignment and centre updates for the arrays of one
    Array API namespace ``xp`` (as returned by
    ``array_api_compat.array_namespace``), on the arrays' device.

    Rows ``X`` are 2-D float32 or float64 arrays; centres may come as
    arrays of the same library or as host NumPy arrays (moved to ``X``'s
    device).  Labels are int32 arrays of ``X``'s library.  No Hamerly
    bounds (full scans) and no Manhattan distance.
    """

    name = "array_api"
    capabilities = frozenset(
        {"assign_and_sum", "kmeans_plusplus", "seeding_distances", "nearest_tracker"}
    )

    def __init__(self, xp: Any) -> None:
        self.xp = xp
        self.arrays = f"arrays of {xp.__name__}"
        self.is_torch = compat.is_torch_namespace(xp)
        self.is_cupy = compat.is_cupy_namespace(xp)
        self.is_numpy = compat.is_numpy_namespace(xp)
        self._triton = None  # None: not tried yet; False: not available
        self._host_blocks = threading.local()  # each thread's workspace on the CPU

    # ------------------------------------------------------------------
    # conversions

    @property
    def dense(self) -> Backend:
        """The backend of dense arrays beside the data (initial centres): this
        one, on the data's device."""
        return self

    def asarray(self, a: Any, like: Any, dtype: Any = None) -> Any:
        """``a`` (host or device) as an array of this library on ``like``'s device."""
        xp = self.xp
        if dtype is None and isinstance(a, np.ndarray):
            dtype = {
                np.dtype(np.float32): xp.float32,
                np.dtype(np.float64): xp.float64,
                np.dtype(np.int32): xp.int32,
                np.dtype(np.int64): xp.int64,
                np.dtype(np.bool_): xp.bool,
            }.get(a.dtype)
        if (
            compat.is_array_api_obj(a)
            and not isinstance(a, np.ndarray)
            and compat.array_namespace(a) is not xp
        ):
            a = to_numpy(a)  # another library's array: through the host
        return xp.asarray(a, dtype=dtype, device=compat.device(like))

    def _index(self, idx, like):
        return self.xp.asarray(np.asarray(idx, dtype=np.int64), device=compat.device(like))

    def dense_rows(self, X: Any, idx: ArrayLike) -> Any:
        """The rows ``idx`` (host integers) of ``X`` (a new array in ``X``'s dtype)."""
        if not isinstance(idx, (list, tuple, np.ndarray)):
            idx = to_numpy(idx)
        return self.xp.take(X, self._index(idx, X), axis=0)

    def _f64(self, A):
        return self.xp.astype(A, self.xp.float64)

    # ------------------------------------------------------------------
    # array helpers of the contract, for this library's arrays

    def to_host(self, a: Any) -> Any:
        """A host NumPy copy of ``a`` (an array of any library; other values
        as they are)."""
        return to_numpy(a) if array_kind(a) == "array_api" else a

    def like(self, a: Any, X: Any) -> Any:
        """``a`` (NumPy or any library, or None) as an array of this library
        on ``X``'s device: moved only when it is elsewhere, host arrays
        keep their precision."""
        if a is None:
            return a
        xp = self.xp
        dev = compat.device(X)
        if array_kind(a) == "array_api" and compat.array_namespace(a) is xp:
            return a if compat.device(a) == dev else xp.asarray(a, device=dev)
        a = np.asarray(self.to_host(a))
        dtype = {
            "f": {4: xp.float32, 8: xp.float64},
            "i": {4: xp.int32, 8: xp.int64},
            "b": {1: xp.bool},
        }.get(a.dtype.kind, {}).get(a.dtype.itemsize)
        return xp.asarray(a, dtype=dtype, device=dev)

    def asarray_like(self, a: Any, X: Any, dtype: Any = None) -> Any:
        """``a`` as an array of this library on ``X``'s device, in ``dtype``."""
        a = self.like(a, X)
        return a if dtype is None else self.astype(a, dtype)

    def astype(self, a: Any, dtype: Any) -> Any:
        """``a`` in ``dtype`` (no copy when it has it already)."""
        return self.xp.astype(a, dtype, copy=False)

    def scalar_like(self, X: Any, value: float) -> Any:
        """``value`` as a scalar of ``X``'s dtype where the dtype has a scalar
        type; a Python float otherwise (a weak scalar under the Array API's
        promotion rules)."""
        return X.dtype.type(value) if hasattr(X.dtype, "type") else float(value)

    def numpy_dtype(self, X: Any) -> np.dtype:
        """The NumPy dtype of ``X``'s elements; ``TypeError`` for dtypes NumPy
        lacks (bfloat16 ...)."""
        try:
            return np.dtype(str(X.dtype).rsplit(".", 1)[-1])
        except TypeError:
            raise TypeError(f"arrays of dtype {X.dtype} have no NumPy equivalent") from None

    def numpy_stand_in(self, a: Any) -> np.ndarray:
        """A NumPy array of ``a``'s shape and dtype that takes no memory."""
        return np.broadcast_to(np.zeros((), dtype=self.numpy_dtype(a)), tuple(a.shape))

    def n_distinct(self, a: Any) -> int:
        """Number of distinct values of the 1-D array ``a``."""
        return int(self.xp.unique_values(a).shape[0])

    def max_abs(self, X: Any, weights: Any = None) -> float:
        """Largest magnitude in ``X`` (0.0 for an empty array), on the device."""
        if any(n == 0 for n in X.shape):
            return 0.0
        xp = self.xp
        return max(abs(float(xp.max(X))), abs(float(xp.min(X))))

    def cumsum(self, a: Any) -> Any:
        """Cumulative sum of the 1-D array ``a``."""
        return self.xp.cumulative_sum(a)

    def total(self, a: Any) -> Any:
        """Sum of the 1-D array ``a`` (a 0-d array)."""
        return self.xp.sum(a)

    def draw_sorted(self, cumulative: Any, values: Any) -> Any:
        """``searchsorted`` on the device for host ``values``; the result on
        the host.  NaN sorts after every number, as in NumPy (a cumulative
        distribution of zero mass is all NaN: the first row is found)."""
        xp = self.xp
        cumulative = xp.where(xp.isnan(cumulative), math.inf, cumulative)
        v = xp.asarray(
            np.atleast_1d(np.asarray(values, dtype=np.float64)),
            dtype=xp.float64,
            device=compat.device(cumulative),
        )
        found = to_numpy(xp.searchsorted(cumulative, v))
        return found if np.ndim(values) else found[0]

    def full_rows(self, X: Any, value: float, dtype: Any = np.float64) -> Any:
        """``X.shape[0]`` copies of ``value`` on ``X``'s device (float64 or int64)."""
        xp = self.xp
        dtype = {np.dtype(np.float64): xp.float64, np.dtype(np.int64): xp.int64}[np.dtype(dtype)]
        return xp.full((X.shape[0],), value, dtype=dtype, device=compat.device(X))

    def take_rows(self, X: Any, idx: Any) -> Any:
        """The rows ``idx`` (host integers) of ``X``."""
        return self.dense_rows(X, idx)

    def mean_covariance(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Column means (``X``'s precision) and the sample covariance
        (float64, ``ddof=1``), computed on the device, as host arrays."""
        xp = self.xp
        mean = to_numpy(xp.mean(X, axis=0))
        centred = xp.astype(X, xp.float64)
        centred = centred - xp.mean(centred, axis=0)
        cov = to_numpy(xp.permute_dims(centred, (1, 0)) @ centred) / (X.shape[0] - 1.0)
        return mean, cov

    # ------------------------------------------------------------------
    # row-wise helpers

    def row_sq_norms(self, X: Any) -> Any:
        """Squared Euclidean norm of each row (float64, exact products)."""
        xp = self.xp
        n, d = X.shape
        out = xp.empty((n,), dtype=xp.float64, device=compat.device(X))
        rows = chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :])
            out[s:e] = xp.sum(B * B, axis=1)
        return out

    def divide_rows(self, X: Any, divisors: Any) -> Any:
        """Row ``i`` of ``X`` divided by ``divisors[i]`` (``X``'s dtype)."""
        xp = self.xp
        n, d = X.shape
        divisors = self.asarray(divisors, X, xp.float64)
        out = xp.empty(X.shape, dtype=X.dtype, device=compat.device(X))
        rows = chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            out[s:e, :] = xp.astype(self._f64(X[s:e, :]) / divisors[s:e, None], X.dtype)
        return out

    def count_non_finite(self, X: Any) -> int:
        """Number of NaN or infinite entries of ``X``."""
        xp = self.xp
        n, d = X.shape
        rows = chunk_rows(n, d, 1, _options["update_bytes"])
        total = 0
        for s, e in _chunks(n, rows):  # summed on the device, one scalar read
            total = total + xp.count_nonzero(~xp.isfinite(X[s:e, :]))
        return int(total)

    def column_mean_var(self, X: Any, weights: Any = None) -> tuple[Any, Any]:
        """Per-column (weighted) mean and population variance (float64 arrays)."""
        xp = self.xp
        n, d = X.shape
        dev = compat.device(X)
        w = None if weights is None else self.asarray(weights, X, xp.float64)
        total_weight = float(n) if w is None else float(xp.sum(w))
        rows = chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])
        total = xp.zeros((d,), dtype=xp.float64, device=dev)
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :])
            total += xp.sum(B if w is None else B * w[s:e, None], axis=0)
        mean = total / max(total_weight, 1e-300)
        squares = xp.zeros((d,), dtype=xp.float64, device=dev)
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :]) - mean
            B = B * B
            squares += xp.sum(B if w is None else B * w[s:e, None], axis=0)
        return mean, squares / max(total_weight, 1e-300)

    # ------------------------------------------------------------------
    # assignment

    def _prepare(self, X, C, origin):
        """Common dtype, centres on ``X``'s device in it, and the origin."""
        xp = self.xp
        C = self.asarray(C, X)
        dtype = xp.result_type(X.dtype, C.dtype)
        if X.dtype != dtype:
            X = xp.astype(X, dtype)
        if C.dtype != dtype:
            C = xp.astype(C, dtype)
        o = None if origin is None else xp.astype(self.asarray(origin, X), dtype)
        return X, C, o, dtype

    def assign(self, X: Any, C: Any, origin: Any = None, formula: str = "auto") -> tuple[Any, Any]:
        """Label each row of ``X`` with its nearest row of ``C``.

        Returns ``(labels, min_d2)``: int32 labels (ties to the lowest
        index; ``-1`` where no distance is finite) and squared distances in
        the common dtype of ``X`` and ``C``, both on ``X``'s device.
        ``origin`` is subtracted from rows and centres before distances
        are expanded into matrix products (accuracy only).  ``formula`` is
        accepted for the protocol; every shape uses the expanded form.
        """
        xp = self.xp
        X, C, o, dtype = self._prepare(X, C, origin)
        n, d = X.shape
        k = C.shape[0]
        dev = compat.device(X)
        if n == 0 or k == 0:
            return (
                xp.full((n,), -1, dtype=xp.int32, device=dev),
                xp.full((n,), math.inf, dtype=dtype, device=dev),
            )
        if d == 0:
            return (
                xp.zeros((n,), dtype=xp.int32, device=dev),
                xp.zeros((n,), dtype=dtype, device=dev),
            )
        Cs = C if o is None else C - o
        fast = self._fast_assign(X, Cs, o, dtype)
        if fast is not None:
            return fast
        return self._assign_chunked(X, Cs, o, dtype)

    def _assign_chunked(self, X, Cs, o, dtype, rows=None):
        """The portable assignment: per chunk one matrix product, argmin."""
        xp = self.xp
        n, d = X.shape
        k = Cs.shape[0]
        dev = compat.device(X)
        c_sq = xp.sum(Cs * Cs, axis=1)
        minus2_ct = xp.permute_dims(Cs, (1, 0)) * -2  # exact: a power of two
        labels = xp.empty((n,), dtype=xp.int32, device=dev)
        min_d2 = xp.empty((n,), dtype=dtype, device=dev)
        if rows is None:
            rows = chunk_rows(n, k + 2 * d + 4, _itemsize(xp, dtype), _assign_budget(X))
        for s, e in _chunks(n, rows):
            B = X[s:e, :] if o is None else X[s:e, :] - o
            scores = B @ minus2_ct
            scores += c_sq
            best = xp.argmin(scores, axis=1)
            low = xp.min(scores, axis=1)
            d2 = xp.sum(B * B, axis=1) + low
            finite = xp.isfinite(d2)
            labels[s:e] = xp.where(finite, xp.astype(best, xp.int32), -1)
            min_d2[s:e] = xp.where(finite, xp.where(d2 > 0, d2, 0), math.inf)
        return labels, min_d2

    def _fast_assign(self, X, Cs, o, dtype):
        """Library-specific assignment (PyTorch), or None for the portable one."""
        if _options["portable"] or not self.is_torch:
            return None
        special, precision = self._torch_special(X, dtype)
        kernels = self._triton_kernels() if special else None
        if kernels is not None:
            try:
                fused = kernels.assign(X, Cs, o, precision)
            except Exception as exc:  # a Triton or driver this kernel does not suit
                if _options["triton"] is True:
                    raise
                self._triton = False
                warnings.warn(
                    f"vqkit: the Triton kernel failed ({type(exc).__name__}: "
                    f"{exc}); using PyTorch operations instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
                fused = None
            if fused is not None:  # None: a case the kernel leaves to PyTorch
                return fused
        if special and precision != "float32":
            return self._assign_low_precision(X, Cs, o, precision)
        return self._assign_torch(X, Cs, o)

    def _torch_special(self, X, dtype):
        """``(special, precision)``: whether PyTorch rows ``X`` may take the
        Triton and low-precision paths (CUDA; CPU tensors only under
        Triton's interpreter, for tests), and the precision asked for."""
        special = X.device.type == "cuda" or os.environ.get("TRITON_INTERPRET", "0") == "1"
        precision = _options["precision"] if dtype == self.xp.float32 else "float32"
        return special, precision

    def _fused_torch(self, X, dtype):
        """Whether a Lloyd step on PyTorch rows ``X`` runs in one chunk loop
        (:meth:`_assign_torch` with :class:`_StepTotals`): the float32 (or
        float64) ``addmm`` assignment, group-wise centre sums."""
        if _options["portable"] or not self.is_torch or _options["update"] == "onehot":
            return False
        special, precision = self._torch_special(X, dtype)
        return not special or (_options["triton"] is not True and precision == "float32")

    def _triton_kernels(self):
        """The Triton kernel module when asked for (``triton=True``) and it
        works here; raises when it does not.  ``"auto"`` leaves the float32
        assignment to cuBLAS (``addmm`` + ``min``) until the kernel is
        measured faster on a GPU (docs/gpu.md)."""
        if _options["triton"] is not True:
            return None
        if self._triton is None:
            try:
                from . import _triton_kernels
            except Exception:  # no Triton, or no GPU it can compile for
                self._triton = False
            else:
                self._triton = _triton_kernels if _triton_kernels.available() else False
        if self._triton is False:
            raise RuntimeError(
                "triton=True, but the Triton kernel is not available here (Triton "
                "missing, no CUDA device, or it failed before)"
            )
        return self._triton

    def _assign_torch(self, X, Cs, o, totals=None):
        """PyTorch: per chunk ``addmm`` (into one buffer that every chunk
        reuses) and ``min``; for float32 rows, the rows whose two best scores
        are within float32 error of each other are decided in float64
        (:func:`_nearest_torch`), so the labels are those of float64
        arithmetic, as on the NumPy path.  Nothing is read back to the host.
        ``totals`` (a :class:`_StepTotals`): a fused Lloyd step's sums, taken
        from each chunk while its centred rows are at hand."""
        import torch

        n, d = X.shape
        k = Cs.shape[0]
        c_sq = (Cs * Cs).sum(1)
        ct = Cs.t().contiguous()
        exact = _ExactRecheck(Cs, c_sq) if X.dtype == torch.float32 and k > 1 else None
        labels = torch.empty(n, dtype=torch.int32, device=X.device)
        min_d2 = torch.empty(n, dtype=X.dtype, device=X.device)
        rows = self._torch_rows(X, k)
        # the centred chunk and its scores: buffers that every chunk reuses
        block = self._workspace(X, rows * (k + d))
        scores = block[: rows * k].view(rows, k)
        centred = None if o is None else block[rows * k : rows * (k + d)].view(rows, d)
        row_numbers = torch.arange(rows, device=X.device) if exact is not None else None
        with _matmul_precision("float32"):
            for s, e in _chunks(n, rows):
                r = e - s
                B = X[s:e] if centred is None else torch.sub(X[s:e], o, out=centred[:r])
                best, d2 = _nearest_torch(B, ct, c_sq, exact, scores[:r], row_numbers)
                finite = d2.abs() < math.inf  # two passes; isfinite takes three
                best = torch.where(finite, best, -1)
                d2 = torch.where(finite, d2.clamp_min_(0), math.inf)
                labels[s:e] = best
                min_d2[s:e] = d2
                if totals is not None:
                    totals.add(s, e, B, best, d2, finite)
        return labels, min_d2

    def _workspace(self, X, size):
        """A 1-D tensor of at least ``size`` elements of ``X``'s dtype on its
        device.  On the CPU each thread keeps its largest one (at most
        ``HOST_ASSIGN_BYTES`` with the default budget) for the next
        assignment: a new block of that size is mapped page by page, which
        costs as much as the assignment's own work there.  GPUs have caching
        allocators: a new block each time."""
        import torch

        if X.device.type != "cpu":
            return torch.empty(size, dtype=X.dtype, device=X.device)
        blocks = self._host_blocks.__dict__
        block = blocks.get(X.dtype)
        if block is None or block.numel() < size:
            block = blocks[X.dtype] = torch.empty(size, dtype=X.dtype)
        return block

    def _torch_rows(self, X, k):
        """Rows of a chunk of the PyTorch assignment."""
        n, d = X.shape
        return chunk_rows(n, k + 2 * d + 6, X.element_size(), _assign_budget(X))

    def _assign_low_precision(self, X, Cs, o, precision):
        """CUDA PyTorch: products in TF32 or bf16; every row whose margin
        between its two best scores is below the products' error bound is
        redone in float32 (the doubtful rows of all chunks gathered once:
        one read per assignment), so the labels are those of the float32
        computation.  Distances are then computed directly to the chosen
        centre, in float32."""
        import torch

        n, d = X.shape
        k = Cs.shape[0]
        c_sq = (Cs * Cs).sum(1)
        c_norm = c_sq.max().sqrt()
        ct = Cs.t().contiguous()
        ct_low = ct.to(torch.bfloat16) if precision == "bf16" else ct
        best_all = torch.empty(n, dtype=torch.int64, device=X.device)
        doubtful = torch.zeros(n, dtype=torch.bool, device=X.device)
        slack = error_slack(precision, d)
        rows = chunk_rows(n, 2 * k + 3 * d + 6, X.element_size(), _assign_budget(X))
        for s, e in _chunks(n, rows):
            B = X[s:e] if o is None else X[s:e] - o
            with _matmul_precision(precision):
                G = (B.to(torch.bfloat16) @ ct_low).float() if precision == "bf16" else B @ ct
            scores = c_sq - 2 * G
            low, best_all[s:e] = scores.min(dim=1)
            if k > 1:
                scores.scatter_(1, best_all[s:e, None], math.inf)
                margin = scores.amin(dim=1) - low
                # each score is off by at most 2 |x| |c| slack; a label can
                # only differ from the float32 one where the margin is below
                # twice that
                x_norm = (B * B).sum(1).sqrt()
                doubtful[s:e] = ~(margin > 4.0 * slack * c_norm * x_norm)
        redo = torch.nonzero(doubtful).flatten()  # the assignment's one read
        with _matmul_precision("float32"):
            for s, e in _chunks(redo.numel(), rows):
                sub = X[redo[s:e]] if o is None else X[redo[s:e]] - o
                exact = torch.addmm(c_sq, sub, ct, beta=1, alpha=-2)
                best_all[redo[s:e]] = exact.argmin(dim=1)
        labels = torch.empty(n, dtype=torch.int32, device=X.device)
        min_d2 = torch.empty(n, dtype=X.dtype, device=X.device)
        for s, e in _chunks(n, rows):
            B = X[s:e] if o is None else X[s:e] - o
            diff = B - Cs[best_all[s:e]]
            d2 = (diff * diff).sum(1)
            finite = torch.isfinite(d2)
            labels[s:e] = torch.where(finite, best_all[s:e].to(torch.int32), -1)
            min_d2[s:e] = torch.where(finite, d2, math.inf)
        return labels, min_d2

    def sq_distances(self, X: Any, C: Any) -> Any:
        """All squared distances ``(n, k)`` (for ``transform``), computed
        in float64 around the centres' mean, in the common dtype."""
        xp = self.xp
        X, C, _, dtype = self._prepare(X, C, None)
        n, d = X.shape
        k = C.shape[0]
        C64 = self._f64(C)
        o = (
            xp.mean(C64, axis=0)
            if k
            else xp.zeros((d,), dtype=xp.float64, device=compat.device(X))
        )
        Cs = C64 - o
        c_sq = xp.sum(Cs * Cs, axis=1)
        ct = xp.permute_dims(Cs, (1, 0))
        out = xp.empty((n, k), dtype=dtype, device=compat.device(X))
        rows = chunk_rows(n, k + 2 * d + 2, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :]) - o
            D = xp.sum(B * B, axis=1)[:, None] + c_sq[None, :] - 2.0 * (B @ ct)
            out[s:e, :] = xp.astype(xp.where(D > 0, D, 0.0), dtype)
        return out

    # ------------------------------------------------------------------
    # update

    def cluster_sums(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Weighted sums of the rows of ``X`` per cluster and the weight
        totals: float64 ``(sums, wsums)`` of shapes ``(k, d)``, ``(k,)`` on
        ``X``'s device.  Raises ``ValueError`` for labels outside ``[0, k)``.
        """
        xp = self.xp
        n, d = X.shape
        self._check_labels(labels, k)
        w = None if weights is None else self.asarray(weights, X, xp.float64)
        if _options["portable"] or self._onehot_update(X, k):
            return self._sums_onehot(X, labels, k, w)
        if self.is_torch:
            return self._sums_torch(X, labels, k, w)
        if self.is_cupy or self.is_numpy:
            return self._sums_scatter(X, labels, k, w)
        return self._sums_onehot(X, labels, k, w)

    def _onehot_update(self, X, k):
        update = _options["update"]
        if update == "auto":
            on_cuda = "cuda" in str(compat.device(X)).lower()
            return on_cuda and k <= ONEHOT_MAX_CLUSTERS
        return update == "onehot"

    def _check_labels(self, labels, k):
        xp = self.xp
        if labels.shape[0] == 0:
            return
        lo = int(xp.min(labels))
        hi = int(xp.max(labels))
        if lo < 0 or hi >= k:
            bad = lo if lo < 0 else hi
            where = int(to_numpy(xp.argmax(xp.astype(labels == bad, xp.int8))))
            raise ValueError(
                f"label {bad} at position {where} is outside the valid range "
                f"[0, {k - 1}] for {k} clusters; labels must index an existing "
                "cluster (a negative label usually means the data held NaN or inf)"
            )

    def _sums_torch(self, X, labels, k, w):
        import torch

        n, d = X.shape
        sums = torch.zeros((k, d), dtype=torch.float64, device=X.device)
        if w is None:
            wsums = torch.bincount(labels, minlength=k).to(torch.float64)
        else:
            wsums = torch.zeros(k, dtype=torch.float64, device=X.device)
            wsums.index_add_(0, labels, w)
        rows = chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            B = X[s:e].to(torch.float64)  # X itself when it is float64: no in-place
            if w is not None:
                B = B * w[s:e, None]
            sums.index_add_(0, labels[s:e], B)
        return sums, wsums

    def _sums_scatter(self, X, labels, k, w):
        """NumPy (``np.add.at``) and CuPy (``cupyx.scatter_add``)."""
        xp = self.xp
        n, d = X.shape
        scatter_add = self._scatter_add()
        dev = compat.device(X)
        sums = xp.zeros((k, d), dtype=xp.float64, device=dev)
        wsums = xp.zeros((k,), dtype=xp.float64, device=dev)
        scatter_add(wsums, labels, 1.0 if w is None else w)
        rows = chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :])
            if w is not None:
                B = B * w[s:e, None]
            scatter_add(sums, labels[s:e], B)
        return sums, wsums

    def _scatter_add(self):
        """``scatter_add(out, index, values)``: ``out[index] += values``
        along the first axis, repeated indices accumulated (PyTorch, CuPy
        or NumPy)."""
        if self.is_torch:
            return lambda out, index, values: out.index_add_(0, index, values)
        if self.is_cupy:
            from cupyx import scatter_add

            return scatter_add
        return np.add.at

    def _sums_onehot(self, X, labels, k, w):
        """Any namespace: ``onehot(labels)^T @ rows`` per bounded chunk."""
        xp = self.xp
        n, d = X.shape
        dev = compat.device(X)
        sums = xp.zeros((k, d), dtype=xp.float64, device=dev)
        wsums = xp.zeros((k,), dtype=xp.float64, device=dev)
        ids = xp.arange(k, dtype=labels.dtype, device=dev)
        rows = chunk_rows(n, k + 2 * d + 1, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            onehot = xp.astype(labels[s:e, None] == ids[None, :], xp.float64)
            if w is not None:
                onehot = onehot * w[s:e, None]
            sums += xp.permute_dims(onehot, (1, 0)) @ self._f64(X[s:e, :])
            wsums += xp.sum(onehot, axis=0)
        return sums, wsums

    # ------------------------------------------------------------------
    # the fused Lloyd step

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
    ) -> DeviceStep:
        """Capability ``"assign_and_sum"``: one Lloyd step on the device that
        reads nothing back to the host.

        On PyTorch (the ``addmm`` assignment) one loop over row chunks
        assigns each chunk and, while its centred rows are at hand, adds them
        to the centre sums and adds up its inertia and label counts
        (:class:`_StepTotals`); elsewhere labels and distances come from
        :meth:`assign`, the sums from :meth:`_step_sums`.  The (weighted)
        inertia (float64), the changed and the unassigned label counts stay
        0-d arrays on the device, for the core to read with the update's own
        in one :meth:`host_values`.
        The ``n_far`` rows farthest from their centre (for relocating empty
        clusters) are found when first asked for.  ``formula`` and
        ``assigner`` are accepted for the contract (no bounds here).
        """
        xp = self.xp
        X, C, o, dtype = self._prepare(X, C, origin)
        w = None if weights is None else self.asarray(weights, X, xp.float64)
        w_data = None if w is None else xp.astype(w, dtype)
        previous = None if previous_labels is None else self.like(previous_labels, X)
        k = C.shape[0]
        if self._fused_torch(X, dtype) and min(X.shape) > 0 and k > 0:
            # one chunk loop: assignment, sums, inertia and counts
            totals = _StepTotals(self, X, k, w_data, previous, self._torch_rows(X, k))
            labels, min_d2 = self._assign_torch(X, C if o is None else C - o, o, totals)
            sums, wsums = totals.partial.totals(o)
            inertia, n_changed = totals.inertia, totals.n_changed
            n_unassigned = X.shape[0] - totals.n_assigned
        else:
            labels, min_d2 = self.assign(X, C, origin)
            sums, wsums = self._step_sums(X, labels, k, w_data, w)
            inertia = xp.sum(min_d2 if w_data is None else w_data * min_d2, dtype=xp.float64)
            n_changed = (
                labels.shape[0] if previous is None else xp.count_nonzero(labels != previous)
            )
            n_unassigned = xp.count_nonzero(labels < 0)
        return DeviceStep(
            self, labels, min_d2, sums, wsums, inertia, n_changed, n_unassigned, w, n_far
        )

    def _step_sums(self, X, labels, k, w_data, w):
        """Centre sums of a step: partial sums in the data's dtype folded into
        float64 (:meth:`_partial_sums`) for PyTorch, CuPy and NumPy; float64
        one-hot products for other libraries, ``portable=True`` and
        ``update="onehot"``.  Unassigned rows (label -1) count for centre 0
        (the core raises before using the sums)."""
        xp = self.xp
        if (
            _options["portable"]
            or _options["update"] == "onehot"
            or not (self.is_torch or self.is_cupy or self.is_numpy)
        ):
            safe = xp.where(labels < 0, xp.zeros_like(labels), labels)
            return self._sums_onehot(X, safe, k, w)
        return self._partial_sums(X, labels, k, w_data)

    def _partial_sums(self, X, labels, k, w):
        """Weighted sums of the rows per cluster, float64 ``(sums, wsums)``,
        with no float64 array of the data's length (:class:`_PartialSums`,
        in chunks of ``update_bytes``).  ``w``: row weights in the data's
        dtype, or None.
        """
        n, d = X.shape
        rows = chunk_rows(n, d + 4, _itemsize(self.xp, X.dtype), _options["update_bytes"])
        partial = _PartialSums(self, k, X, rows, w is not None)
        for s, e in _chunks(n, rows):
            partial.add(X[s:e, :], labels[s:e], None if w is None else w[s:e])
        return partial.totals()

    def _slots(self, labels, offsets):
        """``labels + offsets`` as int64, unassigned rows (-1) at slot 0."""
        if self.is_torch:
            import torch

            return torch.add(labels, offsets).clamp_min_(0)
        xp = self.xp
        idx = xp.astype(labels, xp.int64) + offsets
        return xp.where(idx < 0, xp.zeros_like(idx), idx)

    def farthest(self, min_d2: Any, weights: Any, count: int) -> np.ndarray:
        """Up to ``count`` rows farthest from their centre (largest
        ``min_d2``, then lowest index; rows of weight zero and non-finite
        distances left out), as host indices.  Found on the device: a
        ``topk`` for the threshold, then a stable sort of the rows at or
        above it."""
        xp = self.xp
        n = min_d2.shape[0]
        count = min(count, n)
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        d = min_d2
        if weights is not None:
            d = xp.where(weights > 0, d, xp.full_like(d, -math.inf))
        if self.is_torch:
            import torch

            threshold = torch.topk(d, count).values[-1]
            candidates = torch.nonzero(d >= threshold).flatten()
        else:
            candidates = xp.arange(n, device=compat.device(d))
        order = xp.argsort(-xp.take(d, candidates), stable=True)[:count]
        rows = xp.take(candidates, order)
        values = to_numpy(xp.take(d, rows))
        return to_numpy(rows).astype(np.int64)[np.isfinite(values)]

    def host_values(self, *values: Any) -> list[float]:
        """Host floats of ``values`` (numbers or 0-d arrays on the device):
        the arrays stacked in float64 and copied to the host in one read."""
        xp = self.xp
        out = [0.0] * len(values)
        on_device = []
        for i, v in enumerate(values):
            if array_kind(v) == "array_api":
                on_device.append(i)
            else:
                out[i] = float(v)
        if on_device:
            packed = xp.stack([xp.astype(values[i], xp.float64) for i in on_device])
            for i, v in zip(on_device, to_numpy(packed).tolist()):
                out[i] = v
        return out

    def label_weights(self, labels: Any, k: int, weights: Any = None) -> Any:
        """Total weight (float64) of the rows with each label in ``[0, k)``."""
        xp = self.xp
        if self.is_torch:
            import torch

            return torch.bincount(labels, weights=weights, minlength=k).to(torch.float64)
        w = (
            xp.ones(labels.shape, dtype=xp.float64, device=compat.device(labels))
            if weights is None
            else self.asarray(weights, labels, xp.float64)
        )
        if self.is_cupy or self.is_numpy:
            out = xp.zeros((k,), dtype=xp.float64, device=compat.device(labels))
            self._scatter_add()(out, labels, w)
            return out
        out = xp.zeros((k,), dtype=xp.float64, device=compat.device(labels))
        ids = xp.arange(k, dtype=labels.dtype, device=compat.device(labels))
        n = labels.shape[0]
        for s, e in _chunks(n, chunk_rows(n, k + 1, 8, _options["update_bytes"])):
            onehot = xp.astype(labels[s:e, None] == ids[None, :], xp.float64)
            out += w[s:e] @ onehot
        return out

    # ------------------------------------------------------------------
    # seeding

    def _sq_dists_to(self, X, center):
        """``(start, stop, d2)`` for bounded row chunks of ``X``: the squared
        distances of those rows to ``center`` (direct differences, float64)."""
        n, d = X.shape
        c = self._f64(self.asarray(center, X))
        for s, e in _chunks(n, chunk_rows(n, 2 * d + 1, 8, _options["update_bytes"])):
            B = self._f64(X[s:e, :]) - c
            yield s, e, self.xp.sum(B * B, axis=1)

    def update_min_sq_dist(self, X: Any, center: Any, min_d2: Any) -> None:
        """Lower ``min_d2`` (float64, on the device) to each row's squared
        distance to ``center`` (direct differences, float64)."""
        for s, e, d2 in self._sq_dists_to(X, center):
            min_d2[s:e] = self.xp.minimum(min_d2[s:e], d2)

    def add_center(
        self, X: Any, center: Any, index: int, min_d2: Any, nearest: Any, cc_d2_center: Any = None
    ) -> None:
        """Lower ``min_d2`` for a newly chosen centre and point ``nearest``
        (int64, on the device) at ``index`` where it is now the closest."""
        xp = self.xp
        for s, e, d2 in self._sq_dists_to(X, center):
            closer = d2 < min_d2[s:e]
            min_d2[s:e] = xp.where(closer, d2, min_d2[s:e])
            nearest[s:e] = xp.where(
                closer,
                xp.asarray(index, dtype=nearest.dtype, device=compat.device(X)),
                nearest[s:e],
            )

    def candidate_potentials(
        self,
        X: Any,
        weights: Any,
        min_d2: Any,
        nearest: Any,
        candidates: Any,
        cc_d2: Any = None,
        store: Any = None,
    ) -> Any:
        """k-means++ potential ``sum_i w_i min(D_i^2, |x_i - c|^2)`` of each
        candidate ``c`` (float64 array on the device).  Distances come from
        float64 matrix products around the candidates' mean, clamped at 0;
        ``store`` (``n x L`` float64), when given, receives them."""
        xp = self.xp
        n, d = X.shape
        cand = self._f64(self.asarray(candidates, X))
        L = cand.shape[0]
        o = xp.mean(cand, axis=0)
        cs = cand - o
        c_sq = xp.sum(cs * cs, axis=1)
        ct = xp.permute_dims(cs, (1, 0))
        w = None if weights is None else self.asarray(weights, X, xp.float64)
        pots = xp.zeros((L,), dtype=xp.float64, device=compat.device(X))
        rows = chunk_rows(n, 2 * d + 2 * L + 2, 8, _options["update_bytes"])
        for s, e in _chunks(n, rows):
            B = self._f64(X[s:e, :]) - o
            D = xp.sum(B * B, axis=1)[:, None] + c_sq[None, :] - 2.0 * (B @ ct)
            D = xp.where(D > 0, D, 0.0)
            if store is not None:
                store[s:e, :] = D
            D = xp.minimum(D, min_d2[s:e, None])
            pots += xp.sum(D if w is None else D * w[s:e, None], axis=0)
        return pots

    def nearest_tracker(self, X: Any, weights: Any, origin: Any) -> Any:
        """The per-row state of k-means|| on the device (see
        :class:`NearestCandidates`)."""
        return NearestCandidates(self, X, weights, origin)

    def seeding_distances(self, X: Any, weights: Any, k: int) -> Any:
        """The state of greedy k-means++ on the device (see
        :class:`SeedingDistances`)."""
        return SeedingDistances(self, X, weights, k)


class DeviceStep(LazyFarRows):
    """One Lloyd step of :meth:`ArrayAPIBackend.assign_and_sum`: labels,
    float64 sums and the step's scalars as arrays on the device (see the
    ``assign_and_sum`` contract in :mod:`vqkit.backends.base`); the first
    unassigned row and the farthest rows are found when asked for."""

    def __init__(
        self,
        backend: ArrayAPIBackend,
        labels: Any,
        min_d2: Any,
        sums: Any,
        wsums: Any,
        inertia: Any,
        n_changed: Any,
        n_unassigned: Any,
        weights: Any,
        n_far: int,
    ) -> None:
        self.backend = backend
        self.labels, self.min_d2, self.sums, self.wsums = labels, min_d2, sums, wsums
        self.inertia, self.n_changed, self.n_unassigned = inertia, n_changed, n_unassigned
        self.weights, self.n_far = weights, n_far

    @property
    def first_unassigned(self) -> int:
        xp = self.backend.xp
        return int(to_numpy(xp.argmax(xp.astype(self.labels < 0, xp.int8))))

    def _find_far(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        backend, xp = self.backend, self.backend.xp
        rows = backend.farthest(self.min_d2, self.weights, self.n_far)
        idx = backend._index(rows, self.labels)
        labels = to_numpy(xp.take(self.labels, idx)).astype(np.int64)
        if self.weights is None:
            return rows, labels, np.ones(rows.size)
        return rows, labels, to_numpy(xp.take(self.weights, idx))


class SeedingDistances:
    """Squared distances (float64, on the device) of the rows of ``X`` to
    the centres chosen so far by greedy k-means++; the same interface as
    the core's CPU trackers (``min_d2``, ``potentials``, ``add``)."""

    def __init__(self, backend: Any, X: Any, weights: Any, k: int) -> None:
        xp = backend.xp
        self.backend, self.X = backend, X
        self.weights = None if weights is None else backend.asarray(weights, X, xp.float64)
        n = X.shape[0]
        dev = compat.device(X)
        self.min_d2 = xp.full((n,), math.inf, dtype=xp.float64, device=dev)
        self.nearest = xp.full((n,), -1, dtype=xp.int64, device=dev)
        self.count = 0
        self.store = None  # the last candidates' distances, when they fit

    def potentials(self, idx: Any) -> Any:
        """Potential after adding each of the rows ``idx`` (host integers);
        their distances are kept (up to ``SEEDING_STORE_BYTES``) so that
        :meth:`add` needs no pass over ``X``."""
        xp = self.backend.xp
        n, L = self.X.shape[0], len(idx)
        self.store = None
        if n * L * 8 <= SEEDING_STORE_BYTES:
            self.store = xp.empty((n, L), dtype=xp.float64, device=compat.device(self.X))
        candidates = self.backend.dense_rows(self.X, idx)
        return self.backend.candidate_potentials(
            self.X, self.weights, self.min_d2, self.nearest, candidates, store=self.store
        )

    def add(self, i: Any, trial: Any = None) -> None:
        """Choose row ``i`` as the next centre (``trial``: its position in
        the last :meth:`potentials` call, whose distances are reused)."""
        xp = self.backend.xp
        if trial is None or self.store is None:
            center = self.backend.dense_rows(self.X, [int(i)])[0, ...]
            self.backend.add_center(self.X, center, self.count, self.min_d2, self.nearest)
        else:
            d2 = self.store[:, int(trial)]
            closer = d2 < self.min_d2
            self.min_d2 = xp.where(closer, d2, self.min_d2)
            self.nearest = xp.where(
                closer,
                xp.asarray(self.count, dtype=xp.int64, device=compat.device(self.X)),
                self.nearest,
            )
            self.min_d2[int(i)] = 0.0  # exactly: the row is now a centre
            self.nearest[int(i)] = self.count
        self.store = None
        self.count += 1


class NearestCandidates:
    """Each row's squared distance (float64) to its nearest k-means||
    candidate and that candidate's number, on the device.  Random numbers
    are drawn on the host from the caller's generator, in the order the
    in-memory version draws them (one uniform per row and round)."""

    def __init__(self, backend: Any, X: Any, weights: Any, origin: Any) -> None:
        self.backend, self.X, self.origin = backend, X, origin
        self.host_weights = None if weights is None else to_numpy(weights)
        xp = backend.xp
        self.weights = None if weights is None else backend.asarray(weights, X, xp.float64)
        self.min_d2 = self.nearest = None
        self.count = 0

    def weighted_index(self, rng: Any) -> int:
        """One row drawn in proportion to its weight (one uniform)."""
        n = self.X.shape[0]
        w = self.host_weights
        cumulative = np.arange(1.0, n + 1) if w is None else np.cumsum(w)
        return int(min(np.searchsorted(cumulative, rng.uniform() * cumulative[-1]), n - 1))

    def add(self, rows: Any) -> None:
        """Take the candidate ``rows`` (host or device) into account."""
        xp = self.backend.xp
        labels, d2 = self.backend.assign(self.X, rows, self.origin)
        d2 = xp.astype(d2, xp.float64)
        labels = xp.astype(labels, xp.int64)
        if self.min_d2 is None:
            self.min_d2, self.nearest = d2, labels
        else:
            closer = d2 < self.min_d2
            self.min_d2 = xp.where(closer, d2, self.min_d2)
            self.nearest = xp.where(closer, labels + self.count, self.nearest)
        self.count += rows.shape[0]

    def _mass(self):
        return self.min_d2 if self.weights is None else self.weights * self.min_d2

    def potential(self) -> float:
        return float(self.backend.xp.sum(self._mass()))

    def sample(self, rng: Any, ell: float, potential: float) -> np.ndarray:
        """Rows kept with probability ``ell * w_i D_i^2 / potential`` (host indices)."""
        xp = self.backend.xp
        u = self.backend.asarray(rng.uniform(size=self.X.shape[0]), self.X, xp.float64)
        keep = xp.nonzero(u < ell * self._mass() / potential)[0]
        return to_numpy(keep).astype(np.int64)

    def candidate_weights(self, m: int) -> np.ndarray:
        """Total weight of the rows nearest to each of the ``m`` candidates (host)."""
        return to_numpy(self.backend.label_weights(self.nearest, m, self.weights))

    def release(self) -> None:
        self.min_d2 = self.nearest = None
