"""Backends: the arithmetic of k-means, one per kind of array.

The contract every backend fulfils is :class:`~vqkit.backends.base.Backend`
(required methods, optional ones with defaults, declared capabilities);
:func:`get_backend` picks the backend from the input's array kind
(:func:`array_kind`), once, at each entry point.  The core
(``vqkit.core``) writes every algorithm once against the contract.

Each backend's module is imported when the first array of its kind
arrives: numba and the CPU kernels with the first NumPy array, SciPy,
Dask and ``array_api_compat`` only for their arrays.
"""

from __future__ import annotations

from typing import Any

from .base import Backend, UnsupportedByBackend, array_kind, host_array

_BACKENDS: dict[str, Backend] = {}


def _make(kind: str) -> Backend:
    """The backend of the arrays of ``kind`` other than the Array API's."""
    if kind == "sparse":
        from .sparse import SparseBackend

        return SparseBackend()
    if kind == "dask":  # the optional "dask" extra
        from .dask import DaskBackend

        return DaskBackend()
    from .cpu import CPUBackend  # numba's threads start with the first one

    return CPUBackend()


def array_api_backend(X: Any) -> Backend:
    """The Array API backend for the namespace of ``X`` (one per namespace;
    ``array_api_compat`` is imported only here)."""
    from .array_api import ArrayAPIBackend, compat

    xp = compat.array_namespace(X)
    key = "array_api:" + xp.__name__
    backend = _BACKENDS.get(key)
    if backend is None:
        backend = _BACKENDS[key] = ArrayAPIBackend(xp)
    return backend


def get_backend(X: Any) -> Backend:
    """Return the backend that computes on arrays like ``X``.

    SciPy sparse matrices and arrays (CSR, as the input validation makes
    them) get the sparse backend; Dask arrays the Dask backend; arrays of
    other Array API libraries (PyTorch, CuPy, array-api-strict) the Array
    API backend, which computes on their device; everything else is a
    NumPy array here and gets the CPU backend.
    """
    kind = array_kind(X)
    if kind == "array_api":  # PyTorch, CuPy ...: the "gpu" extra
        return array_api_backend(X)
    backend = _BACKENDS.get(kind)
    if backend is None:
        backend = _BACKENDS[kind] = _make(kind)
    return backend


__all__ = ["Backend", "UnsupportedByBackend", "array_kind", "get_backend", "host_array"]
