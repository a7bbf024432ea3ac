"""Checking what the plots are given: data, labels, curves against k."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import array_kind


def column_names(X: Any, d: int) -> list[str]:
    """Axis labels for the ``d`` columns of ``X``: a table's column names
    (pandas, polars, ...), else ``X[:, j]``."""
    columns = getattr(X, "columns", None)
    if columns is not None and not callable(columns):
        try:
            names = [str(c) for c in list(columns)]
        except TypeError:
            names = []
        if len(names) == d:
            return names
    return [f"X[:, {j}]" for j in range(d)]


def check_data(X: ArrayLike, name: str = "X") -> np.ndarray:
    """``X`` as a finite, non-empty 2-D float64 array."""
    if array_kind(X) == "sparse":
        raise TypeError(f"{name} is a sparse matrix; pass a dense array ({name}.toarray()).")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} is empty (shape {X.shape}).")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinity; plots need finite values.")
    return X


def check_labels(
    labels: ArrayLike, n: int, k: int | None = None, name: str = "labels"
) -> np.ndarray:
    """``labels`` as a 1-D int64 array of length ``n`` (values in ``0 .. k-1``
    when ``k`` is given)."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per row of X), got shape {labels.shape}.")
    if labels.shape[0] != n:
        raise ValueError(
            f"{name} has {labels.shape[0]} entries but X has {n} rows; "
            "there must be one label per row."
        )
    if labels.dtype.kind == "b" or labels.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be integer cluster numbers, got dtype {labels.dtype}.")
    if labels.dtype.kind == "f" and not (
        np.isfinite(labels).all() and (labels == np.round(labels)).all()
    ):
        raise ValueError(f"{name} must be integer cluster numbers.")
    labels = labels.astype(np.int64)
    if k is not None and labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(
            f"{name} must be cluster numbers 0 .. {k - 1} (one per centre); "
            f"got values from {labels.min()} to {labels.max()}."
        )
    return labels


def check_curve(
    ks: ArrayLike, values: ArrayLike, name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``ks`` (int64, distinct, sorted), ``values`` (float64, NaN
    allowed, same order) and the sorting order."""
    ks = np.asarray(ks)
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    if ks.ndim != 1 or ks.size == 0:
        raise ValueError(
            f"ks must be a non-empty 1-D sequence of cluster counts, got shape {ks.shape}."
        )
    if ks.dtype.kind not in "iuf" or not (
        np.isfinite(ks.astype(np.float64)).all() and (ks == np.round(ks)).all()
    ):
        raise ValueError("ks must be whole numbers of clusters.")
    ks = ks.astype(np.int64)
    if (ks < 1).any():
        raise ValueError(f"ks must be at least 1, got {ks.min()}.")
    if len(np.unique(ks)) != ks.size:
        raise ValueError("ks must not repeat a value.")
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {values.shape}.")
    if values.shape[0] != ks.shape[0]:
        raise ValueError(
            f"{name} has {values.shape[0]} values but ks has {ks.shape[0]}; give one value per k."
        )
    if np.isinf(values).any():
        raise ValueError(f"{name} must be finite (NaN marks a missing value).")
    order = np.argsort(ks, kind="stable")
    return ks[order], values[order], order


def check_k_in(k: Any, ks: np.ndarray, what: str) -> int | None:
    """``k`` as an int when it is one of ``ks``; None stays None."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)):
        raise ValueError(f"{what} must be an integer k or None, got {k!r}.")
    if int(k) not in set(ks.tolist()):
        raise ValueError(f"{what}={k} is not one of ks ({ks.tolist()}).")
    return int(k)
