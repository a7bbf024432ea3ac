"""Checking what users pass in: data arrays, sample weights, k and initial centres.

Every interface (the estimators, the SciPy drop-in, metrics, quantization,
choose_k, the CLI) validates its inputs here, so that the same mistake gets
the same message wherever it is made.  The kind of an array (NumPy, SciPy
sparse, Dask, another Array API library) is asked of
:func:`vqkit.backends.array_kind`; each kind has its own validator below.
The estimators' scalar parameters are checked against their tables of
constraints in :mod:`vqkit.estimators._params`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .backends import array_kind, get_backend, host_array


def as_float_2d(
    X: Any,
    *,
    name: str = "X",
    dtypes: tuple[type, ...] = (np.float64, np.float32),
    copy: bool = False,
    accept_sparse: bool = False,
    accept_array_api: bool = False,
    accept_dask: bool = False,
) -> np.ndarray:
    """Validate ``X`` as a finite, non-empty 2-D float array (float32 kept).

    Integer and boolean input becomes float64.  Raises ``ValueError`` (or
    ``TypeError`` for sparse matrices) with a message that says what was
    wrong and what to do.  With ``accept_sparse=True`` a SciPy sparse
    matrix or array of any format is accepted and returned as CSR (float32
    kept, other numbers float64; sorted indices, no duplicates), validated
    from its stored entries: never densified.  With ``accept_array_api=True``
    an array of another Array API library stays in its library, on its
    device; otherwise it is copied to NumPy.  With ``accept_dask=True`` a
    Dask array or DataFrame stays lazy (see ``_as_float_dask``); otherwise
    it is computed into memory.
    """
    kind = array_kind(X)
    if kind == "dask":
        if accept_dask:
            return _as_float_dask(X, name, dtypes)
        X = _computed(X, name)  # into memory, then validated as what it became
        kind = array_kind(X)
    if kind == "array_api":  # PyTorch, CuPy ...
        X = plain_tensor(X, name)
        if accept_array_api:  # validated and kept where it lives
            return _as_float_array_api(X, name)
        X = host_array(X)  # a NumPy copy for interfaces that compute on the CPU
    elif kind == "sparse":
        if not accept_sparse:
            raise TypeError(
                f"{name} is a sparse matrix, which this estimator does not accept yet; "
                "pass a dense array (X.toarray())."
            )
        return _as_float_csr(X, name, dtypes, copy)
    return _as_float_numpy(X, name, dtypes, copy)


def is_dask_frame(X: Any) -> bool:
    """Whether ``X`` is a Dask DataFrame (or Series): a lazy table that
    becomes a Dask array with ``to_dask_array`` (Dask not imported)."""
    return hasattr(X, "to_dask_array")


def as_sample_weight(
    sample_weight: ArrayLike | None,
    n: int,
    X: Any = None,
    *,
    checked_by_fit: bool = False,
) -> np.ndarray | None:
    """Validate weights: None, a scalar, or ``n`` finite non-negative numbers
    that are not all zero.  Returns a float64 array or None (all ones).

    ``X`` is the validated data the weights go with.  Dask weights for a
    Dask ``X`` stay lazy: their values are checked now, in one pass over
    the weights, unless ``checked_by_fit`` (a fit whose statistics pass
    over ``X`` checks them too).  Dask weights for data in memory are
    computed and checked as NumPy weights; weights of another Array API
    library are checked on the host.
    """
    if sample_weight is None:
        return None
    kind = array_kind(sample_weight)
    if kind == "dask":
        if array_kind(X) == "dask":
            w = _as_dask_weights(sample_weight, n)
            if not checked_by_fit:
                _check_dask_weight_values(w)
            return w
        sample_weight = sample_weight.compute()  # type: ignore[union-attr]
    if kind == "array_api":  # validated on the host, like NumPy weights
        sample_weight = host_array(plain_tensor(sample_weight, "sample_weight"))
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(
            f"sample_weight.shape == {w.shape}, expected ({n},): one weight per row of X."
        )
    if not np.isfinite(w).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (w < 0).any():
        raise ValueError("Negative values in data passed to sample_weight.")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero: at least one row needs a positive weight.")
    return np.ascontiguousarray(w)


def plain_tensor(a: Any, name: str) -> Any:
    """The array ``a`` of an Array API library (PyTorch, CuPy ...), refused
    when sparse (a ``TypeError``, as for SciPy sparse input where it is not
    accepted) and detached from any autograd graph: vqkit's results are
    data, never part of a graph that gradients flow through."""
    layout = str(getattr(a, "layout", "strided"))
    if "sparse" in layout or getattr(a, "is_sparse", False):
        raise TypeError(
            f"{name} is a sparse tensor ({layout}), which vqkit does not accept; "
            f"pass a dense tensor ({name}.to_dense()) or a SciPy sparse matrix."
        )
    if getattr(a, "requires_grad", False):
        a = a.detach()
    return a


def check_n_clusters(n_clusters: int, n_samples: int) -> None:
    """There must be at least ``n_clusters`` rows (``n_clusters`` is an
    integer >= 1, checked with the other parameters)."""
    if n_samples < n_clusters:
        raise ValueError(f"n_samples={n_samples} should be >= n_clusters={n_clusters}.")


def check_init(
    init: str | Callable[..., ArrayLike] | ArrayLike,
    n_init: str | int,
    X: Any,
    n_clusters: int,
    estimator_name: str,
    random_n_init: int,
) -> tuple[Any, int]:
    """Check an ``init`` against ``X`` and resolve ``n_init``.

    ``init`` is a seeding's name, a callable or an array, and ``n_init``
    ``"auto"`` or an integer >= 1 (both checked with the other parameters).
    An array must hold numbers, have the shape ``(n_clusters, n_features)``
    and be finite in ``X``'s dtype; it is returned in that dtype.  A
    callable is returned wrapped so that what it returns gets the same
    check (:class:`CheckedInit`).  ``n_init="auto"`` means
    ``random_n_init`` runs for ``"random"`` or a callable and one run
    otherwise; an array forces one run, with scikit-learn's
    ``RuntimeWarning`` when more were asked for.  Returns ``(init, n_init)``.
    """
    is_array = not isinstance(init, str) and not callable(init)
    if n_init == "auto":
        randomised = (isinstance(init, str) and init == "random") or callable(init)
        n_init = random_n_init if randomised else 1
    if is_array:
        init = check_centers(init, n_clusters, X.shape[1], get_backend(X).numpy_dtype(X))
    elif callable(init):
        init = CheckedInit(init, n_clusters, X.shape[1], get_backend(X).numpy_dtype(X))
    if is_array and n_init != 1:
        warnings.warn(
            "Explicit initial center position passed: performing only one init "
            f"in {estimator_name} instead of n_init={n_init}.",
            RuntimeWarning,
            stacklevel=4,
        )
        n_init = 1
    return init, int(n_init)


def check_centers(centers: Any, n_clusters: int, n_features: int, dtype: np.dtype) -> np.ndarray:
    """Initial centres (an array ``init``, or what a callable returned) as
    an array of ``dtype``: numbers, of shape ``(n_clusters, n_features)``,
    finite in ``dtype``; else a ``ValueError`` in scikit-learn's words."""
    if array_kind(centers) == "array_api":
        centers = plain_tensor(centers, "init")
    elif array_kind(centers) == "dask":
        centers = centers.compute()
    C = np.asarray(host_array(centers))
    if C.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: the initial centers have dtype {C.dtype}.")
    if C.dtype.kind not in "biuf":
        try:
            C = C.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"The initial centers must be an array of numbers, got {_brief(centers)}."
            ) from None
    if C.ndim == 0:
        raise ValueError(f"The initial centers must be a 2D array, got {_brief(centers)}.")
    if C.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {C.ndim}D array instead (the initial "
            f"centers have shape {C.shape})."
        )
    expected = f"expected ({n_clusters}, {n_features})"
    if C.shape[0] != n_clusters:
        raise ValueError(
            f"The shape of the initial centers {C.shape} does not match the "
            f"number of clusters {n_clusters}: {expected}."
        )
    if C.shape[1] != n_features:
        raise ValueError(
            f"The shape of the initial centers {C.shape} does not match the "
            f"number of features of the data {n_features}: {expected}."
        )
    with np.errstate(over="ignore"):
        C = C.astype(dtype, copy=False)
    if not np.isfinite(C).all():
        raise ValueError("The initial centers contain NaN or infinity.")
    return C


class CheckedInit:
    """A callable ``init`` whose every result is checked by
    :func:`check_centers` before the seeding uses it.

    Called as ``init(X, n_clusters, random_state)``; returns what the
    function returned, unchanged, when it passes.
    """

    def __init__(
        self, function: Callable[..., ArrayLike], n_clusters: int, n_features: int, dtype: np.dtype
    ) -> None:
        self.function = function
        self.n_clusters = n_clusters
        self.n_features = n_features
        self.dtype = dtype

    def __call__(self, X: Any, n_clusters: int, random_state: Any) -> Any:
        centers = self.function(X, n_clusters, random_state)
        try:
            check_centers(centers, self.n_clusters, self.n_features, self.dtype)
        except ValueError as exc:
            raise ValueError(f"The callable init returned unusable centers: {exc}") from None
        return centers


def _brief(value: Any) -> str:
    """``value`` for a message: its type, and a short repr."""
    text = " ".join(repr(value).split())
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


# ----------------------------------------------------------------------
# one validator per kind of array


def _as_float_numpy(X: Any, name: str, dtypes: tuple[type, ...], copy: bool) -> np.ndarray:
    """Anything NumPy converts, as a C-ordered float array (see as_float_2d)."""
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if X.dtype.kind in "OUS":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{name} must hold numbers; converting it to float failed: {exc}"
            ) from None
        except OverflowError:
            raise ValueError(
                f"{name} holds a number too large for float64 (largest magnitude "
                f"{np.finfo(np.float64).max:.4g}); rescale it before clustering."
            ) from None
    if X.ndim != 2:
        hint = (
            " Reshape your data either using array.reshape(-1, 1) if your data "
            "has a single feature or array.reshape(1, -1) if it contains a "
            "single sample."
            if X.ndim == 1
            else ""
        )
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape={X.shape}).{hint}"
        )
    _check_shape(X.shape)
    dtype = X.dtype if X.dtype in dtypes else np.float64
    if copy:
        X = np.array(X, dtype=dtype, order="C", copy=True)
    else:
        X = np.ascontiguousarray(X, dtype=dtype)
    if get_backend(X).count_non_finite(X):
        raise _non_finite_error(name, "NaN" if np.isnan(X).any() else "infinity")
    return X


def _as_float_dask(X: Any, name: str, dtypes: tuple[type, ...]) -> Any:
    """A Dask array or DataFrame as a lazily converted 2-D float Dask array.

    Only metadata is checked here: a DataFrame's partition lengths are
    computed (one cheap pass, no values to the client) and its columns
    must be numeric; finiteness is checked by the first pass of a fit, and
    rows that cannot be assigned make ``predict`` raise when computed.
    """
    if is_dask_frame(X):
        # a DataFrame has a dtype per column, a Series one dtype
        columns = X.dtypes.items() if hasattr(X.dtypes, "items") else [(X.name, X.dtypes)]
        bad = [c for c, t in columns if not (isinstance(t, np.dtype) and t.kind in "biuf")]
        if bad:
            raise ValueError(
                f"{name} is a Dask DataFrame with non-numeric column(s) {bad[:5]}; "
                "select the numeric columns first."
            )
        X = X.to_dask_array(lengths=True)
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if array_kind(getattr(X, "_meta", None)) == "sparse":
        raise TypeError(
            f"{name} is a Dask array of sparse blocks, which vqkit does not accept; "
            f"make its blocks dense first ({name}.map_blocks(lambda b: b.toarray())) "
            "or compute it into one SciPy sparse matrix."
        )
    if X.ndim != 2:
        hint = " (for a single feature use X.reshape(-1, 1))" if X.ndim == 1 else ""
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape={X.shape}){hint}."
        )
    if any(np.isnan(c) for c in X.chunks[0]) or any(np.isnan(c) for c in X.chunks[1]):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first "
            "(or to_dask_array(lengths=True) for a DataFrame)."
        )
    _check_shape(X.shape)
    dtype = X.dtype if X.dtype in dtypes else np.dtype(np.float64)
    # each block, when computed, must be what the array declares: a dense
    # array of its chunk's shape (a block of another width would make the
    # kernels read outside the centres), converted to the declared dtype
    X = X.map_blocks(_checked_block, name, dtype, dtype=dtype)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def _computed(X: Any, name: str) -> Any:
    """A Dask array or DataFrame computed into memory; an array's dense
    blocks are checked against their declared shapes first (its sparse
    blocks become one SciPy sparse matrix)."""
    if not is_dask_frame(X) and array_kind(getattr(X, "_meta", None)) != "sparse":
        X = X.map_blocks(_checked_block, name, X.dtype, dtype=X.dtype)
    return X.compute()


def _checked_block(x: Any, name: str, dtype: np.dtype, block_info: Any = None) -> np.ndarray:
    """A block of a Dask ``X`` as a NumPy array of ``dtype``, refused when it
    is sparse or its shape is not the one its chunk declares."""
    if array_kind(x) == "sparse":
        raise TypeError(
            f"a block of {name} is a sparse matrix, which vqkit does not accept; make "
            f"the blocks dense first ({name}.map_blocks(lambda b: b.toarray()))."
        )
    x = np.asarray(x)
    expected = None if block_info is None else tuple(block_info[None]["chunk-shape"])
    known = expected is not None and not any(np.isnan(e) for e in expected)
    if known and x.shape != expected:
        where = block_info[None]["chunk-location"]
        raise ValueError(
            f"block {where} of {name} has shape {x.shape}, but {name} declares "
            f"{expected} for it: the array's chunks do not describe its blocks. "
            "Rebuild it with the right shape (da.from_delayed(..., shape=...)) or call "
            f"{name}.compute_chunk_sizes()."
        )
    if x.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: a block of {name} has dtype {x.dtype}.")
    return x.astype(dtype, copy=False)


def _check_dask_weight_values(w: Any) -> None:
    """Check lazy Dask weights now, in one pass over them: finite,
    non-negative, not all zero (the messages of NumPy weights)."""
    import dask
    import dask.array as da

    nonfinite, negative, total = dask.compute((~da.isfinite(w)).sum(), (w < 0).sum(), w.sum())
    if nonfinite:
        raise ValueError("sample_weight contains NaN or infinity.")
    if negative:
        raise ValueError("Negative values in data passed to sample_weight.")
    if not total > 0:
        raise ValueError("sample_weight sums to zero: at least one row needs a positive weight.")


def _as_dask_weights(sample_weight: Any, n: int) -> Any:
    """Dask weights as float64, lazily; only their shape is checked here
    (the fit's first pass checks that they are finite, non-negative and
    not all zero)."""
    if sample_weight.shape != (n,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n},): one "
            "weight per row of X."
        )
    return sample_weight.astype(np.float64)


def _as_float_array_api(X: Any, name: str) -> Any:
    """An array of another Array API library (PyTorch, CuPy ...) validated
    on its device: 2-D, non-empty, finite; float32 and float64 are kept,
    other numbers become float64 on a CPU device and float32 elsewhere
    (GPUs, where float64 is slow).  Returned in the same library."""
    backend = get_backend(X)
    xp = backend.xp
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape={tuple(X.shape)})."
        )
    _check_shape(tuple(X.shape))
    if X.dtype not in (xp.float32, xp.float64):
        from array_api_compat import device

        on_cpu = "cpu" in str(device(X)).lower()
        X = xp.astype(X, xp.float64 if on_cpu else xp.float32)
    if backend.count_non_finite(X):
        raise _non_finite_error(name, "NaN" if bool(xp.any(xp.isnan(X))) else "infinity")
    return X


def _as_float_csr(X: Any, name: str, dtypes: tuple[type, ...], copy: bool) -> Any:
    """A SciPy sparse ``X`` as a canonical float CSR matrix (see as_float_2d).

    The stored arrays are checked (:func:`_check_sparse_arrays`) before
    SciPy or a kernel reads them, since neither checks bounds: a column
    index past the width or a decreasing ``indptr`` would read or write
    outside memory.  Unsorted column indices and duplicate entries are
    valid: they are sorted and summed, on a copy (``sum_duplicates``), so
    the kernels see canonical rows whatever the matrix's flags claim.
    """
    if len(X.shape) != 2:
        raise ValueError(
            f"Expected 2D array, got {len(X.shape)}D array instead ({name}.shape={X.shape})."
        )
    _check_shape(X.shape)
    dtype = np.dtype(X.dtype)
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}.")
    _check_sparse_arrays(X, name)
    target = dtype if dtype in dtypes else np.float64
    original = X
    try:
        X = X.tocsr()
    except (OverflowError, TypeError) as exc:  # a LIL or DOK matrix holding non-indices
        raise ValueError(f"{name} is not a valid sparse matrix: {exc}.") from None
    if X is not original:  # made by SciPy, from a LIL or DOK matrix possibly unchecked
        _check_sparse_arrays(X, name)
    if X.dtype != target:
        X = X.astype(target)
    if copy and X is original:
        X = X.copy()
    if not _is_canonical(X):
        if X is original:
            X = X.copy()
        X.has_sorted_indices = False  # a flag set by hand must not skip the sort
        X.sum_duplicates()  # also sorts the indices
    data = X.data
    if np.count_nonzero(~np.isfinite(data)):
        raise _non_finite_error(name, "NaN" if np.isnan(data).any() else "infinity")
    return X


def _check_sparse_arrays(X: Any, name: str) -> None:
    """Refuse a sparse ``X`` whose stored arrays do not describe a matrix of
    its shape (arrays changed by hand after SciPy built the matrix).

    CSR, CSC and BSR: ``indptr`` has one entry per row (column, block row)
    plus one, starts at 0, never decreases and ends at the number of
    stored entries, which ``indices`` and ``data`` both hold; every index
    lies in ``[0, width)``.  COO: row and column indices of one entry each
    within the shape.  DIA: one row of ``data`` per offset.  LIL: one list
    of columns and one of values per row, of equal lengths (their values
    are checked in the CSR matrix made from them).  O(stored entries).
    """
    fmt = X.format
    n, d = X.shape

    def refuse(problem: str) -> ValueError:
        return ValueError(
            f"{name} is not a valid sparse matrix: {problem}. Was one of its arrays "
            f"changed by hand? Rebuild it with scipy.sparse.{fmt}_array(...)."
        )

    if fmt in ("csr", "csc", "bsr"):
        data, indices, indptr = (np.asarray(a) for a in (X.data, X.indices, X.indptr))
        major, minor = (d, n) if fmt == "csc" else (n, d)
        if fmt == "bsr":
            if data.ndim != 3 or min(data.shape[1:]) < 1:
                raise refuse(f"its data has shape {data.shape}, not (blocks, rows, columns)")
            rows, cols = data.shape[1:]
            if n % rows or d % cols:
                raise refuse(f"its blocks of {rows}x{cols} do not tile its shape {X.shape}")
            major, minor = n // rows, d // cols
        elif data.ndim != 1:
            raise refuse(f"its data has shape {data.shape}, not one dimension")
        _check_index_array(indptr, "indptr", refuse)
        _check_index_array(indices, "indices", refuse)
        if indptr.size != major + 1:
            raise refuse(f"its indptr has {indptr.size} entries; {major + 1} are needed")
        if data.shape[0] != indices.size:
            raise refuse(f"it holds {data.shape[0]} values but {indices.size} indices")
        if indptr[0] != 0 or indptr[-1] != indices.size:
            raise refuse(
                f"its indptr runs from {indptr[0]} to {indptr[-1]}, not from 0 to "
                f"the {indices.size} stored entries"
            )
        steps = np.diff(indptr)
        if steps.size and steps.min() < 0:
            raise refuse(f"its indptr decreases after entry {int(np.argmax(steps < 0))}")
        _check_index_range(indices, minor, "indices", refuse)
    elif fmt == "coo":
        row, col, data = (np.asarray(a) for a in (X.row, X.col, X.data))
        _check_index_array(row, "row", refuse)
        _check_index_array(col, "col", refuse)
        if data.ndim != 1 or not data.size == row.size == col.size:
            raise refuse(
                f"it holds {data.size} values, {row.size} row and {col.size} column indices"
            )
        _check_index_range(row, n, "row", refuse)
        _check_index_range(col, d, "col", refuse)
    elif fmt == "dia":
        data, offsets = np.asarray(X.data), np.asarray(X.offsets)
        _check_index_array(offsets, "offsets", refuse)
        if data.ndim != 2 or data.shape[0] != offsets.size:
            raise refuse(f"its data has shape {data.shape} for {offsets.size} diagonals")
    elif fmt == "lil":
        rows, data = np.asarray(X.rows), np.asarray(X.data)
        if rows.shape != (n,) or data.shape != (n,):
            raise refuse(
                f"it has {rows.shape} lists of columns and {data.shape} of values for {n} rows"
            )
        try:
            same = all(len(r) == len(v) for r, v in zip(rows, data))
        except TypeError:  # an entry that is not a list
            same = False
        if not same:
            raise refuse("a row's lists of columns and values differ in length")


def _check_index_array(index: np.ndarray, what: str, refuse: Callable[[str], Exception]) -> None:
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise refuse(f"its {what} is not a 1-D integer array ({index.dtype}, shape {index.shape})")


def _check_index_range(
    index: np.ndarray, size: int, what: str, refuse: Callable[[str], Exception]
) -> None:
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise refuse(f"its {what} holds {bad}, outside [0, {size})")


def _is_canonical(X: Any) -> bool:
    """Whether the CSR ``X`` (checked) has strictly increasing column
    indices in every row: sorted, no duplicates.  Computed, not read from
    the flags, which can be set by hand."""
    indices, indptr = np.asarray(X.indices), np.asarray(X.indptr)
    if indices.size < 2:
        return True
    increasing = np.diff(indices.astype(np.int64)) > 0
    starts = indptr[1:-1]
    starts = starts[(starts > 0) & (starts < indices.size)]
    increasing[starts - 1] = True  # the first entry of a row follows another row
    return bool(increasing.all())


def _check_shape(shape: tuple[int, ...]) -> None:
    """The 0-rows / 0-features messages shared by every kind of array."""
    if shape[0] < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is required."
        )
    if shape[1] < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is required."
        )


def _non_finite_error(name: str, bad: str) -> ValueError:
    return ValueError(
        f"Input {name} contains {bad}; k-means needs finite values. Remove or "
        "impute the missing or infinite entries first."
    )
