"""What every score needs: checked ``X`` and labels, labels as codes, and
per-cluster means and distance sums from the backend."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..backends import Backend, get_backend
from ..backends.base import label_counts
from ..validation import as_float_2d

FLOATS = (np.float64, np.float32)

#: What the scores take as ``X``: anything NumPy turns into a 2-D array, or a
#: SciPy sparse matrix or array (typed loosely: SciPy is optional).
Data = ArrayLike | Any


def check_X_labels(
    X: Data, labels: ArrayLike, *, dtypes: tuple[type, ...] = FLOATS
) -> tuple[Any, np.ndarray, Backend]:
    """Validated ``X``, raw 1-D ``labels`` and ``X``'s backend.

    ``X`` comes back as a C-ordered array, or a canonical CSR matrix when it
    is a SciPy sparse matrix or array of any format; its dtype is kept when
    it is one of ``dtypes`` and becomes float64 otherwise.
    """
    X = as_float_2d(X, dtypes=dtypes, accept_sparse=True)
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (one label per row of X), got shape {labels.shape}.")
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {labels.shape[0]}]"
        )
    return X, labels, get_backend(X)


def encode(labels: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Labels as ``0 .. k-1`` codes (int64), their counts, and ``k``.

    Raises the scikit-learn error unless ``2 <= k <= n_samples - 1``.
    """
    counts = label_counts(labels)
    if counts is None:
        classes, codes = np.unique(labels, return_inverse=True)
        codes = np.ascontiguousarray(codes.ravel(), dtype=np.int64)
    else:  # small non-negative integers: code = rank among the labels present
        present = counts > 0
        codes = (np.cumsum(present) - 1)[labels]
        classes = np.flatnonzero(present)
    n_labels = len(classes)
    if not 1 < n_labels < n_samples:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 (inclusive)"
        )
    counts = np.bincount(codes, minlength=n_labels)
    return codes, counts, n_labels


def cluster_means(
    backend: Backend,
    X: Any,
    codes: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster (weighted) means in float64 and the weight totals."""
    sums, wsums = backend.cluster_sums(X, codes, k, weights)
    nonzero = wsums > 0
    sums[nonzero] /= wsums[nonzero, None]
    sums[~nonzero] = 0.0
    return sums, wsums


def distance_sums(
    backend: Backend,
    X: Any,
    codes: np.ndarray,
    C: np.ndarray,
    squared: bool,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per-cluster sums of (weighted) distances of rows to their centre."""
    return backend.cluster_distance_sums(X, codes, C, weights, squared)
