"""The one base of vqkit's centroid estimators.

:class:`CentroidEstimator` holds what ``KMeans``, ``MiniBatchKMeans`` and
``BisectingKMeans`` share:

* scikit-learn's conventions without depending on scikit-learn:
  ``get_params``/``set_params`` read the constructor's signature, the repr
  shows the parameters that differ from their defaults, ``__sklearn_tags__``
  answers scikit-learn's tag queries (scikit-learn is imported only there);
  DataFrame column names become ``feature_names_in_`` and are checked on
  new data, ``get_feature_names_out`` and ``set_output`` shape
  ``transform``'s output (:mod:`vqkit.estimators._dataframes`);
* the parameter check against the estimator's table of constraints
  (:mod:`vqkit.estimators._params`), ``save``/``load``, the fitted checks;
* everything a fitted model does: ``predict``, ``transform``, ``score``,
  ``fit_predict``, ``fit_transform``.  Rows are compared with the centres
  in exactly rescaled units when their magnitudes would overflow squared
  distances, and an estimator that takes Dask arrays (``_accept_dask``)
  gives lazy Dask results for them.

A subclass writes ``fit`` and declares its table, its fitted attributes
and the kinds of arrays it accepts.  Its clusters are the nearest centres
unless it overrides :meth:`CentroidEstimator._assign` (``BisectingKMeans``
walks its tree of splits).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from .._display import block, fields, number, short
from .._progress import ProgressBar, chained
from ..backends import Backend, array_kind, get_backend
from ..core.fit import data_scale, scale_by, unit_rows
from ..core.lloyd import assign_checked
from ..exceptions import NotFittedError, convergence_warning
from ..validation import as_float_2d, as_sample_weight
from ._dataframes import check_column_names, column_names, output_container, wrap_output
from ._params import Allowed, validate_params
from ._persistence import load_estimator, save_estimator

E = TypeVar("E", bound="CentroidEstimator")


def _not_fitted_error() -> type[NotFittedError]:
    """vqkit's ``NotFittedError``; when scikit-learn is already imported, a
    subclass that is also scikit-learn's, so both ``except`` clauses match."""
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return type("NotFittedError", (NotFittedError, sklearn_exceptions.NotFittedError), {})


def check_dask_metric(metric: str) -> None:
    """Refuse the metrics that Dask arrays do not have yet."""
    if metric != "euclidean":
        raise ValueError(
            f"metric={metric!r} is not available for Dask arrays yet; use "
            "metric='euclidean', or compute the data into memory first."
        )


class CentroidEstimator(ABC):
    """Base class of the estimators whose model is a set of centres.

    Parameters are the keyword arguments of ``__init__``; a fitted model
    has ``cluster_centers_`` and ``n_features_in_``.
    """

    _estimator_type: ClassVar[str] = "clusterer"
    #: The table of constraints of the parameters (see ``_params``).
    _parameter_constraints: ClassVar[Mapping[str, Allowed]]
    #: Attributes that ``save`` stores and ``load`` restores.
    _fitted_attributes: tuple[str, ...] = ()
    #: Class of the items of ``history_``, to rebuild them on ``load``.
    _history_type: ClassVar[type | None] = None
    #: Whether ``fit`` and the fitted model accept SciPy sparse ``X``.
    _accept_sparse: ClassVar[bool] = False
    #: Whether they keep arrays of other Array API libraries (PyTorch, CuPy)
    #: on their device; otherwise such arrays are copied to NumPy.
    _accept_array_api: ClassVar[bool] = False
    #: Whether the model takes Dask arrays lazily (else they are computed).
    _accept_dask: ClassVar[bool] = False

    cluster_centers_: Any
    n_features_in_: int

    @abstractmethod
    def fit(self: E, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None) -> E:
        """Fit the model to ``X``; returns the estimator."""

    # ------------------------------------------------------------------
    # parameters

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, as a dict (``deep`` is accepted for
        scikit-learn compatibility; vqkit estimators hold no sub-estimators)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: E, **params: Any) -> E:
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

    def _validate_params(self) -> None:
        """Check the parameters against the estimator's table of constraints."""
        validate_params(self._parameter_constraints, self.get_params())

    def _changed_params(self) -> dict[str, Any]:
        """The parameters whose value differs from the constructor's default."""
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = {}
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
                changed[name] = value
        return changed

    def __repr__(self) -> str:
        changed = self._changed_params()
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in changed.items())})"

    # ------------------------------------------------------------------
    # files

    def save(self, path: str | os.PathLike) -> str | os.PathLike:
        """Save the fitted estimator to ``path`` (a ``.npz`` file, no pickle).

        Parameters and fitted attributes are stored exactly; see
        ``vqkit.estimators._persistence`` for the format.  A callable
        parameter (an ``init`` function, a ``callback``) cannot be stored:
        set it to a plain value (or None) first.  Returns ``path``.
        """
        return save_estimator(self, path)

    @classmethod
    def load(cls: type[E], path: str | os.PathLike) -> E:
        """Load an estimator saved by :meth:`save`.

        Raises ``ValueError`` when ``path`` is not a vqkit model file of
        this class (damaged, foreign, or another estimator).
        """
        return load_estimator(cls, path)

    # ------------------------------------------------------------------
    # the fitted state

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "n_features_in_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise _not_fitted_error()(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )

    def _reset_feature_names(self, X: Any) -> None:
        """Start a fit on ``X``: keep its DataFrame column names as
        ``feature_names_in_``, or forget those of an earlier fit."""
        names = column_names(X)
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names

    def _check_new_data(self, X: ArrayLike) -> tuple[Any, Backend]:
        """Validate ``X`` for the fitted model: finite 2-D numbers with
        ``n_features_in_`` columns (the columns seen by ``fit``, by name, for
        DataFrames), in the centres' dtype; and its backend."""
        self._check_fitted()
        check_column_names(self.__dict__.get("feature_names_in_"), X, type(self).__name__)
        X = as_float_2d(
            X,
            accept_sparse=self._accept_sparse,
            accept_array_api=self._accept_array_api,
            accept_dask=self._accept_dask,
        )
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        backend = get_backend(X)
        # the centres' precision, in X's library
        dtype = backend.like(self.cluster_centers_[:0, ...], X).dtype
        return backend.astype(X, dtype), backend

    def _warn_missing_clusters(self, backend: Backend, labels: Any, n_clusters: int) -> None:
        """Warn when the fit's ``labels`` use fewer than ``n_clusters`` clusters
        (for Dask labels, counted per block: one number reaches the client)."""
        distinct = backend.n_distinct(labels)
        if distinct < n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than "
                f"n_clusters ({n_clusters}). Possibly due to duplicate points in X.",
                convergence_warning(),
                stacklevel=3,
            )

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
            input_tags=InputTags(two_d_array=True, sparse=self._accept_sparse),
        )

    # ------------------------------------------------------------------
    # using a fitted model

    @property
    def _metric(self) -> str:
        """The metric of ``predict``, ``transform`` and ``score``."""
        return "euclidean"

    def _rescaled(self, backend: Backend, X: Any, centers: Any) -> tuple[Any, Any, Any]:
        """``X`` and ``centers`` (in ``X``'s library, on its device) in units
        where squared distances neither overflow nor underflow, and the
        scale's exponent: a power of two, so that nearer stays nearer exactly
        (see ``vqkit.backends.scaling.exact_scale``); 0 for ordinary magnitudes."""
        centers = backend.like(centers, X)
        scale = data_scale(backend, X, centers)
        return scale_by(backend, X, scale), scale_by(backend, centers, scale), scale

    def _nearest(self, X: Any, backend: Backend) -> tuple[Any, Any]:
        """Nearest centre of each row of the validated ``X`` (of ``backend``)
        and the distance to it that ``score`` sums: squared Euclidean,
        ``1 - cos`` for the cosine metric, L1 for the Manhattan metric (lazy
        for Dask ``X``)."""
        metric = self._metric
        if "lazy" in backend.capabilities:  # labels and distances computed block by block
            check_dask_metric(metric)
            return backend.assign(X, self.cluster_centers_)
        if metric == "cosine":
            X = unit_rows(backend, X)
        if metric == "manhattan":
            return backend.assign_l1(X, self.cluster_centers_)
        X, centers, scale = self._rescaled(backend, X, self.cluster_centers_)
        # a backend that compares rows only through matrix products (no
        # SciPy-style direct differences: GPUs) centres them on the centres'
        # mean, as the fit centres on the data's, so that float32 rows far
        # from zero keep their precision (vq does the same)
        origin = None
        if "scipy_formula" not in backend.capabilities:
            origin = backend.xp.mean(centers, axis=0)
        labels, min_d2 = assign_checked(backend, X, centers, origin)
        if scale:
            with np.errstate(over="ignore", under="ignore"):
                min_d2 = scale_by(backend, backend.astype(min_d2, backend.xp.float64), -2 * scale)
        if metric == "cosine":
            min_d2 = min_d2 / 2  # 1 - cos, from |x - c|^2 = 2 (1 - cos) on unit rows
        return labels, min_d2

    def _assign(self, X: Any, backend: Backend) -> Any:
        """The cluster of each row of the validated ``X``: its nearest centre."""
        return self._nearest(X, backend)[0]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Cluster index (int32) of each row of ``X``: its nearest centre in
        the fitted metric (``BisectingKMeans``: the leaf its walk down the
        tree of splits reaches)."""
        return self._in_input_library(self._assign(*self._check_new_data(X)), X)

    def _in_input_library(self, value: Any, original: Any) -> Any:
        """``value`` (a result computed on the host) as an array of the
        library of ``original`` (the caller's ``X``), on its device, when
        the estimator computes on the host (``_accept_array_api`` false)
        and ``original`` is an array of another Array API library (PyTorch,
        CuPy ...): results stay in the input's library for every
        estimator.  Otherwise ``value`` itself."""
        if self._accept_array_api or array_kind(original) != "array_api":
            return value
        return get_backend(original).like(value, original)

    def _keep_in_input_library(self, original: Any) -> None:
        """After a fit on the host: ``cluster_centers_`` and ``labels_`` as
        arrays of ``original``'s library (see :meth:`_in_input_library`)."""
        for name in ("cluster_centers_", "labels_"):
            value = self.__dict__.get(name)
            if value is not None:
                setattr(self, name, self._in_input_library(value, original))

    def fit_predict(
        self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None
    ) -> np.ndarray:
        """Fit, then return the cluster of each row of ``X`` (``labels_``)."""
        self.fit(X, sample_weight=sample_weight)
        labels = self.__dict__.get("labels_")
        return self.predict(X) if labels is None else labels

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Distance from each row of ``X`` to every centre, in the metric.

        Euclidean distance; for ``metric="cosine"`` the cosine distance
        ``1 - cos``; for ``metric="manhattan"`` the L1 distance.  Returns an
        array of shape ``(n_samples, n_clusters)`` in the centres' dtype.
        """
        original = X
        X, backend = self._check_new_data(X)
        metric = self._metric
        if "lazy" in backend.capabilities:  # a lazy (n_samples, n_clusters) Dask array
            check_dask_metric(metric)
        centers = backend.like(self.cluster_centers_, X)
        if metric == "cosine":
            distances = backend.sq_distances(unit_rows(backend, X), centers) / 2
        elif metric == "manhattan":
            distances = backend.l1_distances(X, centers)
        else:
            distances = backend.xp.sqrt(backend.sq_distances(X, centers))
        distances = self._in_input_library(distances, original)
        container = output_container(
            self.__dict__.get("_sklearn_output_config", {}).get("transform")
        )
        return wrap_output(distances, original, self.get_feature_names_out(), container)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Names of the columns of ``transform``'s output, as scikit-learn
        names them: the lowercased class name and the cluster index
        (``kmeans0``, ``kmeans1``, ...), an object array.

        ``input_features``, when given, must be the names of the input
        columns: ``feature_names_in_`` when ``fit`` saw them, else any
        ``n_features_in_`` names; otherwise ``ValueError``.
        """
        self._check_fitted()
        if input_features is not None:
            given = np.asarray(input_features, dtype=object)
            fitted = self.__dict__.get("feature_names_in_")
            if fitted is not None and not np.array_equal(fitted, given):
                raise ValueError("input_features is not equal to feature_names_in_")
            if len(given) != self.n_features_in_:
                raise ValueError(
                    "input_features should have length equal to number of features "
                    f"({self.n_features_in_}), got {len(given)}"
                )
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.cluster_centers_.shape[0])], dtype=object
        )

    def set_output(self: E, *, transform: str | None = None) -> E:
        """Choose the container of ``transform`` and ``fit_transform``'s
        output, as scikit-learn's ``set_output``: ``"pandas"`` or
        ``"polars"`` (a DataFrame with the columns of
        :meth:`get_feature_names_out`, a pandas input's row index kept),
        ``"default"`` (arrays), or None (unchanged).  Without a choice,
        scikit-learn's global ``transform_output`` applies when scikit-learn
        is imported."""
        if transform is not None:
            config = dict(self.__dict__.get("_sklearn_output_config", {}))
            config["transform"] = transform
            self._sklearn_output_config = config
        return self

    def fit_transform(
        self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None
    ) -> np.ndarray:
        """Fit, then return ``transform(X)``."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None) -> float:
        """Opposite of the (weighted) inertia of ``X`` on the nearest of
        ``cluster_centers_``, in the fitted metric."""
        X, backend = self._check_new_data(X)
        _, min_d2 = self._nearest(X, backend)
        weights = as_sample_weight(sample_weight, X.shape[0], X)
        d2 = backend.astype(min_d2, backend.xp.float64)
        return -float(
            backend.total(d2) if weights is None else backend.total(backend.like(weights, d2) * d2)
        )

    # ------------------------------------------------------------------
    # progress=True: a bar with an ETA on stderr for fits of over a second

    @contextlib.contextmanager
    def _progress_callback(
        self,
        callback: Callable[[Any], Any] | None,
        total: int,
        feeder: Callable[[ProgressBar], Callable[[Any], Any]],
    ) -> Iterator[Callable[[Any], Any] | None]:
        """Yield the fit's ``callback``, joined, when the estimator's
        ``progress`` is True, to ``feeder(bar)``: the callback moving a bar
        of ``total`` units (see :mod:`vqkit._progress`)."""
        if not self.__dict__.get("progress", False):
            yield callback
            return
        with ProgressBar(f"{type(self).__name__} fit", total) as bar:
            yield chained(callback, feeder(bar))

    # ------------------------------------------------------------------
    # notebook display: repr() stays scikit-learn's (the changed
    # parameters); IPython's plain-text and HTML views add the fit summary

    def _fit_summary(self) -> list[tuple[str, str]]:
        """What a fitted model shows beside its parameters: the number of
        clusters and features, the inertia, the iterations and the cluster
        sizes (those it has); empty when not fitted."""
        if not self.__sklearn_is_fitted__():
            return []
        fitted = self.__dict__
        k = int(self.cluster_centers_.shape[0])
        rows = [("clusters", str(k)), ("features", str(self.n_features_in_))]
        if "inertia_" in fitted:
            rows.append(("inertia", number(float(fitted["inertia_"]))))
        if "n_iter_" in fitted:
            rows.append(("iterations", str(fitted["n_iter_"])))
        labels = fitted.get("labels_")
        if isinstance(labels, np.ndarray):  # lazy or device labels are not counted
            rows.append(("cluster sizes", _sizes_text(np.bincount(labels, minlength=k))))
        return rows

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text view: the repr, then the fit summary."""
        printer.text(repr(self))
        for name, value in self._fit_summary():
            printer.text(f"\n  {name}: {value}")

    def _repr_html_(self) -> str:
        """The notebook view: the changed parameters and the fit summary."""
        changed = self._changed_params()
        params = (
            fields((name, short(value)) for name, value in changed.items())
            if changed
            else "<div>default parameters</div>"
        )
        summary = self._fit_summary()
        state = fields(summary) if summary else "<div>not fitted</div>"
        return block(type(self).__name__, params + state)


def _sizes_text(sizes: np.ndarray, shown: int = 12) -> str:
    """Cluster sizes as text: all of them when few, else the first
    ``shown`` and the range."""
    text = ", ".join(str(int(s)) for s in sizes[:shown])
    if len(sizes) > shown:
        text += f", ... ({len(sizes)} clusters, {int(sizes.min())} to {int(sizes.max())} rows)"
    return text
