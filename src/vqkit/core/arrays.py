"""Array helpers that let the core run on arrays of any Array API library.

NumPy arrays (and the other array types the core has always handled) take
the plain NumPy calls, so those paths compute exactly what they always did;
arrays of other Array API libraries (PyTorch, CuPy, array-api-strict) go
through their ``array_api_compat`` namespace and stay on their device.
Only :func:`host` copies to the host, for small arrays and the rare paths
(errors, empty-cluster relocation) that need one.
"""

import numpy as np

from ..backends import is_array_api


def namespace(a):
    """The array namespace of ``a``: ``numpy`` itself unless ``a`` is an
    array of another Array API library."""
    if not is_array_api(a):
        return np
    from array_api_compat import array_namespace

    return array_namespace(a)


def astype(a, dtype):
    """``a`` in ``dtype`` (no copy when it already has it)."""
    if not is_array_api(a):
        return a.astype(dtype, copy=False)
    return namespace(a).astype(a, dtype, copy=False)


def float64(a):
    """The float64 dtype of ``a``'s library."""
    return namespace(a).float64


def host(a):
    """An Array API array as a NumPy array on the host; anything else is
    returned as it is."""
    if not is_array_api(a):
        return a
    from ..backends.array_api import to_numpy

    return to_numpy(a)


def like(a, X):
    """``a`` as an array of ``X``'s library on ``X``'s device when ``X`` is
    an Array API array (``a`` may be NumPy or any library); otherwise ``a``
    itself (brought to the host if it is an Array API array)."""
    if a is None:
        return a
    if not is_array_api(X):
        return host(a)
    from array_api_compat import device

    xp = namespace(X)
    if is_array_api(a) and namespace(a) is xp:
        return a if device(a) == device(X) else xp.asarray(a, device=device(X))
    a = np.asarray(host(a))
    dtype = {"f": {4: xp.float32, 8: xp.float64}, "i": {4: xp.int32, 8: xp.int64},
             "b": {1: xp.bool}}.get(a.dtype.kind, {}).get(a.dtype.itemsize)
    return xp.asarray(a, dtype=dtype, device=device(X))


def scalar_like(X, value):
    """``value`` as a scalar of ``X``'s dtype where the dtype has a scalar
    type (NumPy: arithmetic with it stays in that dtype); a Python float
    otherwise (a weak scalar under the Array API's promotion rules)."""
    return X.dtype.type(value) if hasattr(X.dtype, "type") else float(value)


def label_counts(a):
    """``np.bincount(a)`` when ``a`` is a NumPy array of non-negative
    integers no larger than a few times its length (cluster labels), else
    None: counting is much faster than sorting for such labels."""
    if (not isinstance(a, np.ndarray) or a.dtype.kind not in "iu" or a.ndim != 1
            or a.size == 0 or a.min() < 0 or a.max() > 4 * a.size + 1024):
        return None
    return np.bincount(a)


def n_distinct(a):
    """Number of distinct values of the 1-D array ``a``."""
    if not is_array_api(a):
        counts = label_counts(a)
        return np.unique(a).size if counts is None else int(np.count_nonzero(counts))
    xp = namespace(a)
    return int(xp.unique_values(a).shape[0])


def asarray_like(a, X, dtype):
    """``a`` in ``dtype`` as an array like ``X``: ``np.asarray(a, dtype)``
    unless ``X`` is an Array API array, then on ``X``'s library and device."""
    if not is_array_api(X):
        return np.asarray(a, dtype=dtype)
    return astype(like(a, X), dtype)


def max_abs(A):
    """Largest magnitude in ``A`` as a float (0.0 for an empty array),
    from its maximum and minimum (no temporary of its size)."""
    if not is_array_api(A):
        return max(abs(float(A.max())), abs(float(A.min()))) if A.size else 0.0
    if any(n == 0 for n in A.shape):
        return 0.0
    xp = namespace(A)
    return max(abs(float(xp.max(A))), abs(float(xp.min(A))))


def draw_sorted(cumulative, values):
    """``np.searchsorted(cumulative, values)`` for a cumulative sum of any
    library; ``values`` are host numbers, the result is a host array."""
    if not is_array_api(cumulative):
        return np.searchsorted(cumulative, values)
    from array_api_compat import device

    xp = namespace(cumulative)
    v = xp.asarray(np.atleast_1d(np.asarray(values, dtype=np.float64)), dtype=xp.float64,
                   device=device(cumulative))
    found = host(xp.searchsorted(cumulative, v))
    return found if np.ndim(values) else found[0]


def cumsum(a):
    """Cumulative sum of the 1-D array ``a`` (``a.cumsum()`` for NumPy)."""
    if not is_array_api(a):
        return a.cumsum()
    return namespace(a).cumulative_sum(a)


def total(a):
    """Sum of the 1-D array ``a`` (``a.sum()`` for NumPy), an array."""
    if not is_array_api(a):
        return a.sum()
    return namespace(a).sum(a)


def full_rows(X, value, dtype=np.float64):
    """A 1-D array of ``X.shape[0]`` copies of ``value`` (float64 unless
    ``dtype`` says otherwise, given as a NumPy dtype) beside ``X``."""
    if not is_array_api(X):
        return np.full(X.shape[0], value, dtype=dtype)
    from array_api_compat import device

    xp = namespace(X)
    dtype = {np.dtype(np.float64): xp.float64, np.dtype(np.int64): xp.int64}[np.dtype(dtype)]
    return xp.full((X.shape[0],), value, dtype=dtype, device=device(X))


def take_rows(X, idx):
    """The rows ``idx`` of ``X`` as a new array: ``np.take`` for NumPy arrays
    (the same rows, 2-3x faster than fancy indexing), ``X[idx]`` for sparse
    matrices and the arrays of other libraries."""
    if isinstance(X, np.ndarray):
        return X.take(idx, axis=0)
    return X[idx]
