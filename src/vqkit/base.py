"""scikit-learn's estimator conventions, without depending on scikit-learn.

``get_params``/``set_params`` read the constructor's signature, the repr
shows the parameters that differ from their defaults, and
``__sklearn_tags__`` answers scikit-learn's tag queries when scikit-learn is
installed (it is imported only there).
"""

import inspect
import numbers
import sys
import warnings

import numpy as np

from .backends import get_backend, is_array_api
from .core.arrays import astype, host, like, namespace
from .exceptions import NotFittedError


def _not_fitted_error():
    """vqkit's ``NotFittedError``; when scikit-learn is already imported, a
    subclass that is also scikit-learn's, so both ``except`` clauses match."""
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return type("NotFittedError", (NotFittedError, sklearn_exceptions.NotFittedError), {})


class Estimator:
    """Base class: parameters are the keyword arguments of ``__init__``."""

    _estimator_type = None
    #: Attributes that ``save`` stores and ``load`` restores.
    _fitted_attributes = ()
    #: Class of the items of ``history_``, to rebuild them on ``load``.
    _history_type = None

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep=True):
        """The estimator's parameters, as a dict (``deep`` is accepted for
        scikit-learn compatibility; vqkit estimators hold no sub-estimators)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set parameters by name; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            same = value is default
            if not same:
                try:
                    same = bool(value == default)
                except Exception:  # arrays and other odd values: show them
                    same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def save(self, path):
        """Save the fitted estimator to ``path`` (a ``.npz`` file, no pickle).

        Parameters and fitted attributes are stored exactly; see
        ``vqkit.persistence`` for the format.  A callable parameter (an
        ``init`` function, a ``callback``) cannot be stored: set it to a
        plain value (or None) first.  Returns ``path``.
        """
        from .persistence import save_estimator

        return save_estimator(self, path, self._fitted_attributes)

    @classmethod
    def load(cls, path):
        """Load an estimator saved by :meth:`save`.

        Raises ``ValueError`` when ``path`` is not a vqkit model file of
        this class (damaged, foreign, or another estimator).
        """
        from .persistence import load_estimator

        return load_estimator(cls, path, cls._history_type)

    #: Whether ``fit`` and the fitted model accept SciPy sparse ``X``.
    _accept_sparse = False
    #: Whether they keep arrays of other Array API libraries (PyTorch, CuPy)
    #: on their device; otherwise such arrays are copied to NumPy.
    _accept_array_api = False
    #: Whether the model takes Dask arrays lazily (else they are computed).
    _accept_dask = False

    def _check_new_data(self, X):
        """Validate ``X`` for a fitted centroid model: finite 2-D numbers with
        ``n_features_in_`` columns, in the centres' dtype."""
        self._check_fitted()
        X = as_float_2d(X, accept_sparse=self._accept_sparse,
                        accept_array_api=self._accept_array_api,
                        accept_dask=self._accept_dask)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        if is_array_api(X) or is_array_api(self.cluster_centers_):
            # the centres' precision, in X's library
            return astype(X, like(self.cluster_centers_[:0, ...], X).dtype)
        return X.astype(self.cluster_centers_.dtype, copy=False)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_")

    def _check_fitted(self):
        if not self.__sklearn_is_fitted__():
            raise _not_fitted_error()(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
            input_tags=InputTags(two_d_array=True, sparse=self._accept_sparse),
        )


def check_n_clusters(n_clusters, n_samples):
    """``n_clusters`` must be an integer in ``[1, n_samples]``."""
    k = n_clusters
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"n_clusters must be an integer >= 1, got {k!r}.")
    if n_samples < k:
        raise ValueError(f"n_samples={n_samples} should be >= n_clusters={k}.")


def check_init(init, n_init, X, n_clusters, estimator_name, inits, random_n_init):
    """Validate ``init`` and resolve ``n_init`` for a k-means estimator.

    ``init`` is one of ``inits``, a callable, or an array of shape
    ``(n_clusters, n_features)`` (returned in ``X``'s dtype).  ``n_init="auto"``
    means ``random_n_init`` runs for ``"random"`` or a callable and one run
    otherwise; an explicit array forces one run, with scikit-learn's
    ``RuntimeWarning`` when more were asked for.  Returns ``(init, n_init)``.
    """
    d = X.shape[1]
    if isinstance(init, str):
        if init not in inits:
            raise ValueError(f"init must be one of {inits}, a callable or an array; got {init!r}.")
    elif not callable(init):
        init = np.asarray(host(init), dtype=numpy_dtype(X))
        if init.shape != (n_clusters, d):
            raise ValueError(
                f"The shape of the initial centers {init.shape} does not match "
                f"the number of clusters and features: expected ({n_clusters}, {d})."
            )
        if not np.isfinite(init).all():
            raise ValueError("The initial centers contain NaN or infinity.")
    if n_init == "auto":
        n_init = random_n_init if (isinstance(init, str) and init == "random") or callable(init) else 1
    elif not isinstance(n_init, numbers.Integral) or isinstance(n_init, bool) or n_init < 1:
        raise ValueError(f"n_init must be 'auto' or an integer >= 1, got {n_init!r}.")
    if not isinstance(init, str) and not callable(init) and n_init != 1:
        warnings.warn(
            "Explicit initial center position passed: performing only one init "
            f"in {estimator_name} instead of n_init={n_init}.",
            RuntimeWarning,
            stacklevel=4,
        )
        n_init = 1
    return init, int(n_init)


def as_float_2d(X, *, name="X", dtypes=(np.float64, np.float32), copy=False,
                accept_sparse=False, accept_array_api=False, accept_dask=False):
    """Validate ``X`` as a finite, non-empty 2-D float array (float32 kept).

    Integer and boolean input becomes float64.  Raises ``ValueError`` (or
    ``TypeError`` for sparse matrices) with a message that says what was
    wrong and what to do.  With ``accept_sparse=True`` a SciPy sparse
    matrix or array of any format is accepted and returned as CSR (float32
    kept, other numbers float64; sorted indices, no duplicates), validated
    from its stored entries: never densified.  With ``accept_dask=True`` a
    Dask array or DataFrame stays lazy (see ``_as_float_dask``); otherwise
    it is computed into memory.
    """
    if accept_dask and type(X).__module__.startswith(("dask.array", "dask.dataframe")):
        return _as_float_dask(X, name, dtypes)  # else computed by np.asarray below
    if is_array_api(X):  # PyTorch, CuPy ...
        if accept_array_api:  # validated and kept where it lives
            return _as_float_array_api(X, name)
        X = host(X)  # a NumPy copy for interfaces that compute on the CPU
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        if not accept_sparse:
            raise TypeError(
                f"{name} is a sparse matrix, which this estimator does not accept yet; "
                "pass a dense array (X.toarray())."
            )
        return _as_float_csr(X, name, dtypes, copy)
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
    if X.ndim != 2:
        hint = (
            " Reshape your data either using array.reshape(-1, 1) if your data "
            "has a single feature or array.reshape(1, -1) if it contains a "
            "single sample."
            if X.ndim == 1
            else ""
        )
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape="
            f"{X.shape}).{hint}"
        )
    _check_shape(X.shape)
    dtype = X.dtype if X.dtype in dtypes else np.float64
    X = np.array(X, dtype=dtype, order="C", copy=True) if copy else np.ascontiguousarray(X, dtype=dtype)
    if get_backend(X).count_non_finite(X):
        raise _non_finite_error(name, "NaN" if np.isnan(X).any() else "infinity")
    return X


def _as_float_dask(X, name, dtypes):
    """A Dask array or DataFrame as a lazily converted 2-D float Dask array.

    Only metadata is checked here: a DataFrame's partition lengths are
    computed (one cheap pass, no values to the client) and its columns
    must be numeric; finiteness is checked by the first pass of a fit, and
    rows that cannot be assigned make ``predict`` raise when computed.
    """
    if type(X).__module__.startswith("dask.dataframe"):
        bad = [c for c, t in X.dtypes.items()
               if not (isinstance(t, np.dtype) and t.kind in "biuf")]
        if bad:
            raise ValueError(
                f"{name} is a Dask DataFrame with non-numeric column(s) {bad[:5]}; "
                "select the numeric columns first."
            )
        X = X.to_dask_array(lengths=True)
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape={X.shape})."
        )
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first "
            "(or to_dask_array(lengths=True) for a DataFrame)."
        )
    _check_shape(X.shape)
    if X.dtype not in dtypes:
        X = X.astype(np.float64)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def numpy_dtype(X):
    """The NumPy float dtype of ``X``'s precision (any array library)."""
    if not is_array_api(X):
        return X.dtype
    return np.float32 if X.dtype == namespace(X).float32 else np.float64


def _as_float_array_api(X, name):
    """An array of another Array API library (PyTorch, CuPy ...) validated
    on its device: 2-D, non-empty, finite; float32 and float64 are kept,
    other numbers become float64 on a CPU device and float32 elsewhere
    (GPUs, where float64 is slow).  Returned in the same library."""
    xp = namespace(X)
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead ({name}.shape="
            f"{tuple(X.shape)})."
        )
    _check_shape(tuple(X.shape))
    if X.dtype not in (xp.float32, xp.float64):
        from array_api_compat import device

        on_cpu = "cpu" in str(device(X)).lower()
        X = xp.astype(X, xp.float64 if on_cpu else xp.float32)
    if get_backend(X).count_non_finite(X):
        raise _non_finite_error(name, "NaN" if bool(xp.any(xp.isnan(X))) else "infinity")
    return X


def _check_shape(shape):
    """The 0-rows / 0-features messages shared by dense and sparse input."""
    if shape[0] < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 "
            "is required."
        )
    if shape[1] < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 "
            "is required."
        )


def _non_finite_error(name, bad):
    return ValueError(
        f"Input {name} contains {bad}; k-means needs finite values. Remove or "
        "impute the missing or infinite entries first."
    )


def _as_float_csr(X, name, dtypes, copy):
    """A SciPy sparse ``X`` as a canonical float CSR matrix (see as_float_2d)."""
    if len(X.shape) != 2:
        raise ValueError(f"Expected 2D array, got {len(X.shape)}D array instead "
                         f"({name}.shape={X.shape}).")
    _check_shape(X.shape)
    dtype = np.dtype(X.dtype)
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}.")
    target = dtype if dtype in dtypes else np.float64
    original = X
    X = X.tocsr()
    if X.dtype != target:
        X = X.astype(target)
    if copy and X is original:
        X = X.copy()
    if not X.has_canonical_format:
        if X is original:
            X = X.copy()
        X.sum_duplicates()  # also sorts the indices
    data = X.data
    if np.count_nonzero(~np.isfinite(data)):
        raise _non_finite_error(name, "NaN" if np.isnan(data).any() else "infinity")
    return X


def as_sample_weight(sample_weight, n, dtype=np.float64):
    """Validate weights: None, a scalar, or ``n`` finite non-negative numbers
    that are not all zero.  Returns a float64 array or None (all ones)."""
    if sample_weight is None:
        return None
    if is_array_api(sample_weight):  # validated on the host, like NumPy weights
        sample_weight = host(sample_weight)
    if type(sample_weight).__module__.startswith("dask.array"):
        # checked (finite, non-negative, positive sum) by the fit's first pass
        if sample_weight.shape != (n,):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected ({n},): one "
                "weight per row of X."
            )
        return sample_weight.astype(np.float64)
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
