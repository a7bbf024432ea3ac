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

Optional, for backends whose data lives in blocks on other machines (Dask),
where every read of ``X`` is the cost to save:

* ``assign_and_sum(X, C, weights, previous_labels, origin, formula, n_far,
  assigner=None)`` -- one read that assigns (with the bounds of an
  ``assigner`` from ``bounded_assigner``, if given), sums per centre,
  counts changed labels, sums the inertia and finds the ``n_far`` rows
  farthest from their centre (for empty-cluster relocation); the core's
  Lloyd loop uses it when present;
* ``nearest_tracker(X, weights, origin)`` -- the per-row state of k-means||
  kept with the rows; ``max_abs(X, weights)`` -- the magnitude from the
  statistics pass; ``seeding_options`` -- k-means|| rounds and oversampling.

Optional, for backends whose arrays live on a device (the Array API backend):

* ``seeding_distances(X, weights, k)`` -- the state of greedy k-means++
  (``min_d2``, ``potentials(idx)``, ``add(i, trial)``) kept on the device;
* ``nearest_tracker`` (above) for k-means||, with ``label_weights(labels, k,
  weights)`` for the candidates' weights.

Optional, for small fits whose per-iteration overhead outweighs their
arithmetic (the CPU backend):

* ``runs_compiled(n, d, k)`` / ``lloyd_runs(datasets, weights, starts,
  which, shift_tols, max_iter)`` -- whole Lloyd fits from given centres,
  many at once, in one compiled call; the core uses them for fits that
  want no per-iteration history (``vqkit.core.fit.fit_starts``).

Optional, to save passes over in-memory rows (the CPU backend):

* ``closer_marks(n, trials)`` -- a per-row bit set that
  ``candidate_potentials(..., closer=)`` fills with the candidates each row
  gets closer to, so that ``add_center(..., closer=, trial=)`` revisits only
  those rows;
* ``sampling_mass(min_d2, weights)`` / ``draw_rows(min_d2, weights,
  chunk_mass, values)`` -- k-means++ draws from per-chunk totals of the
  mass instead of a cumulative sum over every row (also on the sparse
  backend, whose per-row mass is dense);
* ``assign_with_lower(X, C, origin)`` -- an assignment that also bounds each
  row's distance to its second-nearest centre from below (the wide Hamerly
  assigner behind ``bounded_assigner``).

The core (``vqkit.core``) writes every algorithm once against this protocol;
``get_backend`` picks the implementation from the input's array type.
"""

import numpy as np

_CPU = None
_SPARSE = None
_DASK = None


def is_sparse(X):
    """Whether ``X`` is a SciPy sparse matrix or array (SciPy not imported)."""
    return type(X).__module__.startswith("scipy.sparse")


def is_dask(X):
    """Whether ``X`` is a Dask array (Dask not imported to find out)."""
    return type(X).__module__.startswith("dask.array")


#: Top-level modules of array libraries whose arrays get the Array API
#: backend (besides any other array that has ``__array_namespace__``).
ARRAY_API_MODULES = ("torch", "cupy", "jax", "jaxlib", "array_api_strict", "dpnp", "mlx")

_ARRAY_API = {}


def is_array_api(X):
    """Whether ``X`` is an array of an Array API library other than NumPy
    (PyTorch, CuPy, array-api-strict ...), found without importing any."""
    if isinstance(X, (np.ndarray, np.generic)) or is_sparse(X) or is_dask(X):
        return False
    return (type(X).__module__.split(".")[0] in ARRAY_API_MODULES
            or hasattr(X, "__array_namespace__"))


def array_kind(X):
    """What kind of array ``X`` is, as one of ``"sparse"`` (a SciPy sparse
    matrix or array), ``"dask"`` (a Dask array), ``"array_api"`` (an array
    of an Array API library other than NumPy: PyTorch, CuPy,
    array-api-strict ...) or ``"numpy"`` (anything else: NumPy arrays and
    what NumPy converts).  No library is imported to find out; this is the
    one place that asks."""
    if is_sparse(X):
        return "sparse"
    if is_dask(X):
        return "dask"
    if is_array_api(X):
        return "array_api"
    return "numpy"


def array_api_backend(X):
    """The Array API backend for the namespace of ``X`` (one per namespace;
    ``array_api_compat`` is imported only here)."""
    from .array_api import ArrayAPIBackend, compat

    xp = compat.array_namespace(X)
    backend = _ARRAY_API.get(xp.__name__)
    if backend is None:
        backend = _ARRAY_API[xp.__name__] = ArrayAPIBackend(xp)
    return backend


def get_backend(X):
    """Return the backend that computes on arrays like ``X``.

    SciPy sparse matrices and arrays (CSR, as ``vqkit.base.as_float_2d``
    makes them) get the sparse backend, imported only then; Dask arrays
    get the Dask backend, imported only then; arrays of other Array API
    libraries (PyTorch, CuPy, array-api-strict) get the Array API backend,
    which computes on their device; everything else is a NumPy array here
    and gets the CPU backend.
    """
    if is_sparse(X):
        global _SPARSE
        if _SPARSE is None:
            from .sparse import SparseBackend

            _SPARSE = SparseBackend()
        return _SPARSE
    if is_dask(X):  # Dask arrays (the optional "dask" extra), imported only then
        global _DASK
        if _DASK is None:
            from .dask import DaskBackend

            _DASK = DaskBackend()
        return _DASK
    if is_array_api(X):  # PyTorch, CuPy ...: the "gpu" extra, imported only then
        return array_api_backend(X)
    global _CPU
    if _CPU is None:  # numba and the kernels load, and its threads start, only now
        from .cpu import CPUBackend

        _CPU = CPUBackend()
    return _CPU


__all__ = ["array_kind", "get_backend", "is_array_api", "is_dask", "is_sparse"]
