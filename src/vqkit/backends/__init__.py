"""Backends: the arithmetic of k-means, one per kind of array.

The contract every backend fulfils is :class:`~vqkit.backends.base.Backend`
(required methods, optional ones with defaults, declared capabilities);
:func:`get_backend` picks the backend from the input's array kind
(:func:`array_kind`), once, at each entry point.  The core
(``vqkit.core``) writes every algorithm once against the contract.
"""

from __future__ import annotations

from typing import Any

from .base import Backend, UnsupportedByBackend, array_kind, host_array
from .cpu import CPUBackend

_CPU = CPUBackend()
_SPARSE = None
_DASK = None
_ARRAY_API: dict[str, Backend] = {}


def array_api_backend(X: Any) -> Backend:
    """The Array API backend for the namespace of ``X`` (one per namespace;
    ``array_api_compat`` is imported only here)."""
    from .array_api import ArrayAPIBackend, compat

    xp = compat.array_namespace(X)
    backend = _ARRAY_API.get(xp.__name__)
    if backend is None:
        backend = _ARRAY_API[xp.__name__] = ArrayAPIBackend(xp)
    return backend


def get_backend(X: Any) -> Backend:
    """Return the backend that computes on arrays like ``X``.

    SciPy sparse matrices and arrays (CSR, as the input validation makes
    them) get the sparse backend, imported only then; Dask arrays get the
    Dask backend, imported only then; arrays of other Array API libraries
    (PyTorch, CuPy, array-api-strict) get the Array API backend, which
    computes on their device; everything else is a NumPy array here and
    gets the CPU backend.
    """
    kind = array_kind(X)
    if kind == "numpy":
        return _CPU
    if kind == "sparse":
        global _SPARSE
        if _SPARSE is None:
            from .sparse import SparseBackend

            _SPARSE = SparseBackend()
        return _SPARSE
    if kind == "dask":  # the optional "dask" extra, imported only then
        global _DASK
        if _DASK is None:
            from .dask import DaskBackend

            _DASK = DaskBackend()
        return _DASK
    return array_api_backend(X)  # PyTorch, CuPy ...: the "gpu" extra, imported only then


__all__ = [
    "Backend", "CPUBackend", "UnsupportedByBackend", "array_kind", "get_backend", "host_array",
]


# Spellings the interface modules still import until they move to array_kind.
def is_sparse(X: Any) -> bool:
    return array_kind(X) == "sparse"


def is_dask(X: Any) -> bool:
    return array_kind(X) == "dask"


def is_array_api(X: Any) -> bool:
    return array_kind(X) == "array_api"
