"""The sparse backend: SciPy CSR matrices as data, dense NumPy centres.

The same protocol as :class:`~vqkit.backends.cpu.CPUBackend`, computed from
the nonzeros of each row (``kernels/csr.py``) and never densifying ``X``:
the only dense temporaries are of the centres' size (``k x d``) or of a
few rows (the k-means++ candidates, relocated rows).  Distances are
expanded (``|x|^2 - 2 x.c + |c|^2``) without centring, since subtracting
an origin would make every row dense; ``origin`` is accepted and ignored.

SciPy is imported only here, and this module only when the data is sparse.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .base import Backend
from .cpu import _NO_WEIGHTS, CPUBackend, sum_buffers, sum_parts
from .kernels import csr, metrics
from .kernels.assign import assignment_arrays
from .kernels.threads import ensure_threads


def _csr_arrays(X):
    """``(data, indices, indptr)`` of CSR ``X``, indices as int64."""
    return (
        np.ascontiguousarray(X.data),
        np.ascontiguousarray(X.indices, dtype=np.int64),
        np.ascontiguousarray(X.indptr, dtype=np.int64),
    )


def _row_sq_norms(data, indptr):
    out = np.empty(indptr.shape[0] - 1)
    csr.row_sq_norms(data, indptr, out)
    return out


#: How :meth:`SparseBackend.silhouette_sums` chooses its kernel, from what
#: one pair of rows costs in units of one feature of the dense kernel
#: (measured from 16 to 1,000 features and 1% to 60% stored): the sparse
#: kernel costs about ``SILHOUETTE_PAIR_COST + SILHOUETTE_SHARED_COST * s``,
#: where ``s`` is the number of features two rows share on average
#: (``(nnz / n)^2 / d``), the dense kernel ``d``.  Where the dense kernel
#: costs no more, ``X`` is copied to a dense array (then ``d`` is at most
#: about 3 times the stored entries per row).
SILHOUETTE_PAIR_COST = 4
SILHOUETTE_SHARED_COST = 7


class SparseBackend(Backend):
    """Nearest-centre assignment and centre updates for CSR matrices.

    ``X`` is a ``scipy.sparse`` CSR matrix or array of float32 or float64
    (canonical: sorted, no duplicate entries, as ``vqkit.base.as_float_2d``
    makes it); centres are dense.  Results have the dtypes the CPU backend
    gives for dense data of the same dtype.  No Hamerly bounds: Lloyd's full
    scans give the same iterations.
    """

    name = "sparse"
    arrays = "SciPy sparse CSR matrices"
    capabilities = frozenset({"kmeans_plusplus", "chunk_draws"})
    sampling_mass = CPUBackend.sampling_mass  # the mass is a dense per-row array
    draw_rows = CPUBackend.draw_rows

    def __init__(self) -> None:
        ensure_threads()  # its kernels are numba's too: threads start with the backend

    def assign(self, X: Any, C: Any, origin: Any = None, formula: str = "auto") -> tuple[Any, Any]:
        """``(int32 labels, min_d2)`` of the rows of ``X`` (see the kernels);
        ``origin`` and ``formula`` are accepted for the protocol and unused."""
        dtype = np.result_type(X.dtype, C.dtype)
        n = X.shape[0]
        labels, min_d2, done = assignment_arrays(n, C.shape[0], dtype)
        if done:
            return labels, min_d2
        C = np.ascontiguousarray(C, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        d2 = np.empty(n)
        csr.assign(
            data,
            indices,
            indptr,
            _row_sq_norms(data, indptr),
            C,
            np.ascontiguousarray(C.T),
            (C * C).sum(axis=1),
            labels,
            d2,
        )
        min_d2[:] = d2
        return labels, min_d2

    def sq_distances(self, X: Any, C: Any) -> Any:
        """All squared distances, shape ``(n, k)`` (for ``transform``)."""
        dtype = np.result_type(X.dtype, C.dtype)
        C = np.ascontiguousarray(C, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        out = np.empty((X.shape[0], C.shape[0]))
        csr.sq_distances(
            data,
            indices,
            indptr,
            _row_sq_norms(data, indptr),
            np.ascontiguousarray(C.T),
            (C * C).sum(axis=1),
            out,
        )
        return out.astype(dtype, copy=False)

    def cluster_sums(self, X: Any, labels: Any, k: int, weights: Any = None) -> tuple[Any, Any]:
        """Float64 ``(sums, wsums)`` per cluster from the nonzeros (see
        :meth:`CPUBackend.cluster_sums`)."""
        n, d = X.shape
        labels, w, sums, wsums = sum_buffers(labels, k, d, weights)
        data, indices, indptr = _csr_arrays(X)
        csr.cluster_sums(data, indices, indptr, w, labels, sum_parts(n, k, d), sums, wsums)
        return sums, wsums

    def column_mean_var(self, X: Any, weights: Any = None) -> tuple[Any, Any]:
        """Per-column (weighted) mean and population variance, float64, from
        the nonzeros: the implicit zeros add ``mean^2`` per unit of weight."""
        n, d = X.shape
        data, indices, indptr = _csr_arrays(X)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        total = max(float(n) if weights is None else float(w.sum()), 1e-300)
        w_nz = np.repeat(w, np.diff(indptr))
        mean = np.bincount(indices, weights=w_nz * data, minlength=d) / total
        w_cols = np.bincount(indices, weights=w_nz, minlength=d)
        dev = data - mean[indices]
        squares = np.bincount(indices, weights=w_nz * dev * dev, minlength=d)
        # not in place: np.bincount of no entries (all-zero X) is int64
        squares = squares + np.maximum(total - w_cols, 0.0) * mean * mean
        return mean, squares / total

    def min_nonzero_abs(self, X: Any, weights: Any = None) -> float:
        """Smallest non-zero magnitude of the stored values (``inf`` if none)."""
        magnitude = np.abs(X.data)
        magnitude = magnitude[magnitude > 0]
        return float(magnitude.min()) if magnitude.size else math.inf

    def count_non_finite(self, X: Any) -> int:
        """Number of NaN or infinite stored entries."""
        return int(np.count_nonzero(~np.isfinite(X.data)))

    def silhouette_sums(self, X: Any, labels: Any, k: int, metric: str = "euclidean") -> Any:
        """``(n, k)``: each row's summed distance to the rows of every cluster
        (see :meth:`CPUBackend.silhouette_sums`), from the stored entries of
        the pairs of rows that share features (the kernel walks a CSC copy of
        ``X``); or from a dense copy of ``X`` where that is faster (see
        :data:`SILHOUETTE_PAIR_COST`)."""
        n, d = X.shape
        shared = (X.nnz / n) ** 2 / d  # features two rows share, on average
        if d <= SILHOUETTE_PAIR_COST + SILHOUETTE_SHARED_COST * shared:
            return self.dense.silhouette_sums(X.toarray(), labels, k, metric)
        data, indices, indptr = _csr_arrays(X)
        col_data, col_rows, col_ptr = _csr_arrays(X.T.tocsr())
        if metric == "cosine":  # unit rows, as for dense data
            norms = np.sqrt(_row_sq_norms(data, indptr))
            norms[norms == 0.0] = 1.0
            data = data / np.repeat(norms, np.diff(indptr))
            col_data = col_data / norms[col_rows]
        sums = np.zeros((n, k))
        metrics.silhouette_sums_csr(
            data,
            indices,
            indptr,
            col_data,
            col_rows,
            col_ptr,
            labels,
            metrics.METRIC_CODES[metric],
            sums,
        )
        return sums

    def row_cluster_sums(self, D: Any, labels: Any, k: int) -> Any:
        """``(n, k)``: each row of the CSR matrix ``D`` of precomputed
        distances summed over the columns of every cluster (float64)."""
        data, indices, indptr = _csr_arrays(D)
        sums = np.zeros((D.shape[0], k))
        metrics.row_cluster_sums_csr(data, indices, indptr, labels, sums)
        return sums

    def cluster_distance_sums(
        self, X: Any, labels: Any, C: Any, weights: Any = None, squared: bool = True
    ) -> Any:
        """Per-cluster sums of (weighted) distances of rows to their centre
        ``C[labels[i]]`` (squared or not), in float64."""
        out = np.zeros(C.shape[0])
        w = _NO_WEIGHTS if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        metrics.cluster_distance_sums_csr(
            data,
            indices,
            indptr,
            labels,
            np.ascontiguousarray(C, dtype=np.float64),
            w,
            bool(squared),
            out,
        )
        return out

    def row_sq_norms(self, X: Any) -> Any:
        """Squared Euclidean norm of each row (float64)."""
        data, _, indptr = _csr_arrays(X)
        return _row_sq_norms(data, indptr)

    def divide_rows(self, X: Any, divisors: Any) -> Any:
        """A new CSR matrix with row ``i`` divided by ``divisors[i]`` (same
        sparsity, ``X``'s dtype)."""
        out = X.copy()
        out.data = (X.data / np.repeat(divisors, np.diff(X.indptr))).astype(X.dtype, copy=False)
        return out

    def dense_rows(self, X: Any, idx: ArrayLike) -> Any:
        """The rows ``idx`` of ``X`` as a dense array in ``X``'s dtype."""
        return X[np.atleast_1d(np.asarray(idx, dtype=np.int64))].toarray()

    def candidate_potentials(
        self, X: Any, weights: Any, min_d2: Any, nearest: Any, candidates: Any, cc_d2: Any
    ) -> Any:
        """k-means++ potential of each dense candidate centre (pruned)."""
        candidates = np.ascontiguousarray(candidates, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        pots = np.zeros(candidates.shape[0])
        w = _NO_WEIGHTS if weights is None else weights
        csr.candidate_potentials(
            data,
            indices,
            indptr,
            _row_sq_norms(data, indptr),
            w,
            min_d2,
            nearest,
            candidates,
            (candidates * candidates).sum(axis=1),
            np.ascontiguousarray(cc_d2),
            pots,
        )
        return pots

    def add_center(
        self, X: Any, center: Any, index: int, min_d2: Any, nearest: Any, cc_d2_center: Any
    ) -> None:
        """Lower ``min_d2``/``nearest`` for a newly chosen dense centre (pruned)."""
        center = np.ascontiguousarray(center, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        csr.add_center(
            data,
            indices,
            indptr,
            _row_sq_norms(data, indptr),
            center,
            float(center @ center),
            index,
            min_d2,
            nearest,
            np.ascontiguousarray(cc_d2_center),
        )

    def update_min_sq_dist(self, X: Any, center: Any, min_d2: Any) -> None:
        """Lower ``min_d2`` (float64) to each row's squared distance to ``center``."""
        nearest = np.full(X.shape[0], -1, dtype=np.int64)
        self.add_center(X, center, 0, min_d2, nearest, np.zeros(1))
