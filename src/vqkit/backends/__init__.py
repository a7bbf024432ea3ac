"""Backends: the arithmetic of k-means behind one small protocol.

A backend provides, for arrays of its kind (rows ``X``, dense centres ``C``):

* ``xp`` -- the array namespace the core uses for elementwise work;
* ``assign(X, C, origin, formula) -> (labels, min_d2)`` -- nearest centre
  and squared distance (label ``-1`` where no distance is finite);
* ``cluster_sums(X, labels, k, weights) -> (sums, wsums)`` and
  ``cluster_means(X, labels, k)`` -- the update step (float64, in a fixed
  order); ``cluster_medians`` for k-medians;
* ``column_mean_var(X, weights)``, ``count_non_finite(X)`` -- one-pass
  statistics without temporaries of ``X``'s size;
* ``candidate_potentials`` / ``add_center`` / ``update_min_sq_dist`` -- the
  distance primitives of k-means++ seeding (pruned);
* ``sq_distances(X, C)`` / ``l1_distances(X, C)`` -- the full matrix, only
  for ``transform``;
* ``bounded_assigner(X)`` / ``l1_assigner(X)`` -- stateful assigners of ``X``
  (Hamerly bounds; Manhattan distance), or None where not supported;
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
