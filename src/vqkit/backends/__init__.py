"""Backends: the arithmetic of k-means behind one small protocol.

A backend provides, for arrays of its kind:

* ``xp`` -- the array namespace the core uses for elementwise work;
* ``assign(X, C) -> (labels, min_d2)`` -- nearest centre and squared distance;
* ``cluster_means(X, labels, k) -> (means, has_members)`` -- the update step;
* ``update_min_sq_dist(X, center, min_d2)`` -- the distance primitive of
  k-means++ seeding;
* ``dense_rows(X, idx)``, ``row_sq_norms(X)``, ``divide_rows(X, divisors)`` --
  row access that works the same for dense and sparse ``X``;
* ``dense`` -- the backend for dense arrays derived from ``X``.

The core (``vqkit.core``) writes every algorithm once against this protocol;
``get_backend`` picks the implementation from the input's array type.
"""

from .cpu import CPUBackend

_CPU = CPUBackend()
_SPARSE = None


def is_sparse(X):
    """Whether ``X`` is a SciPy sparse matrix or array (SciPy not imported)."""
    return type(X).__module__.startswith("scipy.sparse")


def get_backend(X):
    """Return the backend that computes on arrays like ``X``.

    SciPy sparse matrices and arrays (CSR, as ``vqkit.base.as_float_2d``
    makes them) get the sparse backend, imported only then; everything else
    is a NumPy array here (other array types are converted by the
    interfaces) and gets the CPU backend.
    """
    if is_sparse(X):
        global _SPARSE
        if _SPARSE is None:
            from .sparse import SparseBackend

            _SPARSE = SparseBackend()
        return _SPARSE
    return _CPU


__all__ = ["CPUBackend", "get_backend", "is_sparse"]
