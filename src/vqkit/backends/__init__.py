"""Backends: the arithmetic of k-means behind one small protocol.

A backend provides, for arrays of its kind:

* ``xp`` -- the array namespace the core uses for elementwise work;
* ``assign(X, C) -> (labels, min_d2)`` -- nearest centre and squared distance;
* ``cluster_means(X, labels, k) -> (means, has_members)`` -- the update step;
* ``update_min_sq_dist(X, center, min_d2)`` -- the distance primitive of
  k-means++ seeding.

The core (``vqkit.core``) writes every algorithm once against this protocol;
``get_backend`` picks the implementation from the input's array type.
"""

from .cpu import CPUBackend

_CPU = CPUBackend()


def get_backend(X):
    """Return the backend that computes on arrays like ``X``.

    Only NumPy arrays (the CPU backend) exist today; other array types are
    converted to NumPy by the interfaces before they reach here.
    """
    return _CPU


__all__ = ["CPUBackend", "get_backend"]
