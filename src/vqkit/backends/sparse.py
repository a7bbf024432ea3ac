"""The sparse backend: SciPy CSR matrices as data, dense NumPy centres.

The same protocol as :class:`~vqkit.backends.cpu.CPUBackend`, computed from
the nonzeros of each row (``kernels/csr.py``) and never densifying ``X``:
the only dense temporaries are of the centres' size (``k x d``) or of a
few rows (the k-means++ candidates, relocated rows).  Distances are
expanded (``|x|^2 - 2 x.c + |c|^2``) without centring, since subtracting
an origin would make every row dense; ``origin`` is accepted and ignored.

SciPy is imported only here, and this module only when the data is sparse.
"""

import numpy as np

from .cpu import _NO_WEIGHTS, CPUBackend, sum_buffers, sum_parts
from .kernels import csr
from .kernels.assign import assignment_arrays


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


class SparseBackend:
    """Nearest-centre assignment and centre updates for CSR matrices.

    ``X`` is a ``scipy.sparse`` CSR matrix or array of float32 or float64
    (canonical: sorted, no duplicate entries, as ``vqkit.base.as_float_2d``
    makes it); centres are dense.  Results have the dtypes the CPU backend
    gives for dense data of the same dtype.
    """

    name = "sparse"
    xp = np
    #: The backend for the dense arrays derived from sparse data (candidate
    #: centres of k-means||, for instance).
    dense = CPUBackend()
    sampling_mass = CPUBackend.sampling_mass  # the mass is a dense per-row array
    draw_rows = CPUBackend.draw_rows

    def assign(self, X, C, origin=None, formula="auto"):
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
            data, indices, indptr, _row_sq_norms(data, indptr), C,
            np.ascontiguousarray(C.T), (C * C).sum(axis=1), labels, d2,
        )
        min_d2[:] = d2
        return labels, min_d2

    def sq_distances(self, X, C):
        """All squared distances, shape ``(n, k)`` (for ``transform``)."""
        dtype = np.result_type(X.dtype, C.dtype)
        C = np.ascontiguousarray(C, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        out = np.empty((X.shape[0], C.shape[0]))
        csr.sq_distances(
            data, indices, indptr, _row_sq_norms(data, indptr),
            np.ascontiguousarray(C.T), (C * C).sum(axis=1), out,
        )
        return out.astype(dtype, copy=False)

    def cluster_sums(self, X, labels, k, weights=None):
        """Float64 ``(sums, wsums)`` per cluster from the nonzeros (see
        :meth:`CPUBackend.cluster_sums`)."""
        n, d = X.shape
        labels, w, sums, wsums = sum_buffers(labels, k, d, weights)
        data, indices, indptr = _csr_arrays(X)
        csr.cluster_sums(data, indices, indptr, w, labels, sum_parts(n, k, d), sums, wsums)
        return sums, wsums

    def cluster_means(self, X, labels, k):
        """Mean row per cluster, in ``X``'s dtype, and which clusters have rows."""
        sums, counts = self.cluster_sums(X, labels, k)
        has_members = counts > 0
        sums[has_members] /= counts[has_members, None]
        return sums.astype(X.dtype, copy=False), has_members

    def column_mean_var(self, X, weights=None):
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

    def count_non_finite(self, X):
        """Number of NaN or infinite stored entries."""
        return int(np.count_nonzero(~np.isfinite(X.data)))

    def row_sq_norms(self, X):
        """Squared Euclidean norm of each row (float64)."""
        data, _, indptr = _csr_arrays(X)
        return _row_sq_norms(data, indptr)

    def divide_rows(self, X, divisors):
        """A new CSR matrix with row ``i`` divided by ``divisors[i]`` (same
        sparsity, ``X``'s dtype)."""
        out = X.copy()
        out.data = (X.data / np.repeat(divisors, np.diff(X.indptr))).astype(X.dtype, copy=False)
        return out

    def dense_rows(self, X, idx):
        """The rows ``idx`` of ``X`` as a dense array in ``X``'s dtype."""
        return X[np.atleast_1d(np.asarray(idx, dtype=np.int64))].toarray()

    def candidate_potentials(self, X, weights, min_d2, nearest, candidates, cc_d2):
        """k-means++ potential of each dense candidate centre (pruned)."""
        candidates = np.ascontiguousarray(candidates, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        pots = np.zeros(candidates.shape[0])
        w = _NO_WEIGHTS if weights is None else weights
        csr.candidate_potentials(
            data, indices, indptr, _row_sq_norms(data, indptr), w, min_d2, nearest,
            candidates, (candidates * candidates).sum(axis=1), np.ascontiguousarray(cc_d2),
            pots,
        )
        return pots

    def add_center(self, X, center, index, min_d2, nearest, cc_d2_center):
        """Lower ``min_d2``/``nearest`` for a newly chosen dense centre (pruned)."""
        center = np.ascontiguousarray(center, dtype=np.float64)
        data, indices, indptr = _csr_arrays(X)
        csr.add_center(
            data, indices, indptr, _row_sq_norms(data, indptr), center,
            float(center @ center), index, min_d2, nearest,
            np.ascontiguousarray(cc_d2_center),
        )

    def update_min_sq_dist(self, X, center, min_d2):
        """Lower ``min_d2`` (float64) to each row's squared distance to ``center``."""
        nearest = np.full(X.shape[0], -1, dtype=np.int64)
        self.add_center(X, center, 0, min_d2, nearest, np.zeros(1))

    def bounded_assigner(self, X):
        """None: Hamerly's bounds are for dense data; Lloyd's full scans
        give the same iterations."""
        return None

    def l1_assigner(self, X):
        raise TypeError(
            "metric='manhattan' does not accept sparse X; pass a dense array "
            "(X.toarray()) or use metric='euclidean' or 'cosine'."
        )
