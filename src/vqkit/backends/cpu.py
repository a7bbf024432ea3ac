"""The CPU backend: NumPy arrays, arithmetic in compiled numba kernels.

This module owns the choice between the two ways of finding the nearest
centre (direct differences for few features, blocked matrix products for
many) and the memory bound on temporaries; the core never sees either.
"""

import numpy as np

from . import _cpu_kernels as kernels

#: From this many features on, distances come from blocked matrix products
#: (``|x|^2 - 2 x.c + |c|^2``); below it, from direct differences.  SciPy's
#: ``vq`` switches at the same width, which keeps results bitwise close to it.
EXPANDED_MIN_FEATURES = 5

#: Upper bound, in bytes, of the dot-product block held at any one time.
BLOCK_BYTES = 32 * 2**20


class CPUBackend:
    """Nearest-centre assignment and centre updates for NumPy arrays.

    Inputs are 2-D arrays of float32 or float64.  Both operands of a distance
    computation are cast to their common dtype first (float32 with float64
    gives float64), which is how SciPy's ``vq`` promotes.
    """

    name = "cpu"
    xp = np

    def assign(self, X, C):
        """Label each row of ``X`` with its nearest row of ``C``.

        Returns ``(labels, min_d2)``: int32 labels (ties to the lowest
        index; ``-1`` where every distance is NaN or infinite) and the
        squared distances in the common dtype of ``X`` and ``C``.
        """
        dtype = np.result_type(X, C)
        X = np.ascontiguousarray(X, dtype=dtype)
        C = np.ascontiguousarray(C, dtype=dtype)
        n, d = X.shape
        k = C.shape[0]
        labels = np.empty(n, dtype=np.int32)
        min_d2 = np.empty(n, dtype=dtype)
        if n == 0:
            return labels, min_d2
        if k == 0:
            labels.fill(-1)
            min_d2.fill(np.inf)
        elif d == 0:
            labels.fill(0)
            min_d2.fill(0)
        elif d < EXPANDED_MIN_FEATURES:
            kernels.assign_direct(X, C, labels, min_d2)
        else:
            self._assign_blocked(X, C, labels, min_d2)
        return labels, min_d2

    def _assign_blocked(self, X, C, labels, min_d2):
        n = X.shape[0]
        k = C.shape[0]
        x_sq = np.empty(n, dtype=X.dtype)
        c_sq = np.empty(k, dtype=X.dtype)
        kernels.row_sq_norms(X, x_sq)
        kernels.row_sq_norms(C, c_sq)
        rows = max(kernels.ROW_CHUNK, BLOCK_BYTES // (k * X.itemsize))
        rows = min(rows, n)
        block = np.empty((rows, k), dtype=X.dtype)
        Ct = C.T
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            G = block[: stop - start]
            np.matmul(X[start:stop], Ct, out=G)
            kernels.argmin_expanded(
                G, x_sq[start:stop], c_sq, labels[start:stop], min_d2[start:stop]
            )

    def cluster_means(self, X, labels, k):
        """Mean of the rows of ``X`` in each of ``k`` clusters.

        Sums are accumulated in float64 in row order and divided by the
        member count; the means come back in ``X``'s dtype.  Returns
        ``(means, has_members)``; clusters without members get a zero row.
        Raises ``ValueError`` for labels outside ``[0, k)``.
        """
        X = np.ascontiguousarray(X)
        labels = np.ascontiguousarray(labels)
        check_labels(labels, k)
        d = X.shape[1]
        sums = np.zeros((k, d), dtype=np.float64)
        counts = np.zeros(k, dtype=np.int64)
        kernels.cluster_sums(X, labels, sums, counts)
        has_members = counts > 0
        sums[has_members] /= counts[has_members, None]
        return sums.astype(X.dtype, copy=False), has_members

    def update_min_sq_dist(self, X, center, min_d2):
        """Lower ``min_d2`` (float64) to each row's squared distance to ``center``."""
        kernels.update_min_sq_dist(
            np.ascontiguousarray(X), np.ascontiguousarray(center), min_d2
        )


def check_labels(labels, k):
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
