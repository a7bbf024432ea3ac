"""Small pieces shared by the backends."""

import numpy as np


def assignment_arrays(n, k, dtype):
    """Output arrays of an assignment of ``n`` rows to ``k`` centres.

    Returns ``(labels, min_d2, done)``: int32 labels and squared distances
    in ``dtype``; ``done`` is True when there is nothing to compute (no
    rows, or no centres: every label is then ``-1`` and every distance
    ``inf``).
    """
    labels = np.empty(n, dtype=np.int32)
    min_d2 = np.empty(n, dtype=dtype)
    if k == 0:
        labels.fill(-1)
        min_d2.fill(np.inf)
    return labels, min_d2, n == 0 or k == 0
