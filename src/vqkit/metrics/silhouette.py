"""The silhouette coefficient: of every row, and its mean over the rows."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from numpy.typing import ArrayLike

from ..backends import Backend
from ..core.random import check_random_state
from ._common import check_X_labels, encode

__all__ = ["silhouette_samples", "silhouette_score"]


def silhouette_samples(X: ArrayLike, labels: ArrayLike) -> np.ndarray:
    """Silhouette coefficient of every row (Euclidean distance).

    For row ``i`` with mean distance ``a`` to the other members of its
    cluster and smallest mean distance ``b`` to the members of another
    cluster, ``s = (b - a) / max(a, b)``; rows of single-member clusters
    get 0.  Equal to ``sklearn.metrics.silhouette_samples(X, labels)``.

    The computation is compiled and parallel and never stores the ``n x n``
    distance matrix: each row's summed distance to every cluster is
    accumulated by streaming over all rows (``O(n^2 d)`` time, ``O(n k)``
    memory).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).  There must be
        from 2 to ``n_samples - 1`` distinct labels.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        Silhouette coefficients, each in ``[-1, 1]``.

    Raises
    ------
    ValueError
        For invalid ``X``, a ``labels`` length other than ``n_samples``, or a
        number of distinct labels outside ``2 .. n_samples - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import silhouette_samples
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [20.0, 0.0]])
    >>> silhouette_samples(X, ["a", "a", "b", "b", "c"]).round(4)
    array([0.9002, 0.9002, 0.9   , 0.9002, 0.    ])
    """
    X, labels, backend = check_X_labels(X, labels)
    codes, counts, k = encode(labels, X.shape[0])
    return _silhouette(backend, X, codes, counts, k)


def _silhouette(
    backend: Backend, X: np.ndarray, codes: np.ndarray, counts: np.ndarray, k: int
) -> np.ndarray:
    n = X.shape[0]
    sums = backend.silhouette_sums(X, codes, k)
    rows = np.arange(n)
    intra = sums[rows, codes]
    sums[rows, codes] = np.inf
    sums /= counts
    inter = sums.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        intra /= counts[codes] - 1
        sil = inter - intra
        sil /= np.maximum(intra, inter)
    # NaN for single-member clusters (0 / 0), and where a = b = 0: both are 0
    return np.nan_to_num(sil)


def silhouette_score(
    X: ArrayLike,
    labels: ArrayLike,
    *,
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> float:
    """Mean silhouette coefficient over all rows (Euclidean distance).

    Equal to ``sklearn.metrics.silhouette_score(X, labels,
    sample_size=sample_size, random_state=random_state)``.  The exact score
    costs ``O(n^2 d)`` time (see :func:`silhouette_samples`); it is computed
    for up to :data:`exact_max` rows (20000 unless changed).  With more rows
    and no ``sample_size``, the score of a random sample of ``exact_max``
    rows is returned instead, and a ``UserWarning`` says so and names the
    sample size.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data.
    labels : array_like, shape (n_samples,)
        Cluster label of each row (any integers or strings).
    sample_size : int or None, default None
        Score a random sample of this many rows (no warning).  The rows are
        ``random_state.permutation(n_samples)[:sample_size]``, as in
        scikit-learn, so the same seed picks the same rows.
    random_state : None, int, RandomState or Generator, default None
        Randomness for the sample (only used when sampling).  ``None`` uses
        NumPy's global random state.

    Returns
    -------
    float
        Mean silhouette coefficient, in ``[-1, 1]``.

    Raises
    ------
    ValueError
        As :func:`silhouette_samples`, and for a ``sample_size`` that is not a
        positive integer.

    Warns
    -----
    UserWarning
        When the score was estimated from a sample because ``X`` has more
        than ``exact_max`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.metrics import silhouette_score
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> round(silhouette_score(X, [0, 0, 1, 1]), 6)
    0.900249
    >>> rng = np.random.default_rng(0)
    >>> Y = np.concatenate([rng.normal(0, 1, (50, 2)), rng.normal(8, 1, (50, 2))])
    >>> labels = np.repeat([0, 1], 50)
    >>> 0.8 < silhouette_score(Y, labels, sample_size=40, random_state=0) < 1
    True
    """
    from .. import metrics  # the package holds the user-settable limit

    exact_max = metrics.exact_max
    X, labels, backend = check_X_labels(X, labels)
    n = X.shape[0]
    if sample_size is None and n > exact_max:
        sample_size = int(exact_max)
        warnings.warn(
            f"silhouette_score: X has {n} rows, more than vqkit.metrics.exact_max="
            f"{exact_max}; the score is estimated from a random sample of "
            f"{sample_size} rows. Pass sample_size= to choose the sample size, or "
            "raise vqkit.metrics.exact_max for the exact score (O(n^2 d) time).",
            UserWarning,
            stacklevel=2,
        )
    if sample_size is not None:
        if (
            not isinstance(sample_size, (numbers.Integral, np.integer))
            or isinstance(sample_size, bool)
            or sample_size < 1
        ):
            raise ValueError(
                f"sample_size must be a positive integer or None, got {sample_size!r}."
            )
        rng = check_random_state(random_state)
        indices = rng.permutation(n)[:sample_size]
        X, labels = X[indices], labels[indices]
    codes, counts, k = encode(labels, X.shape[0])
    return float(np.mean(_silhouette(backend, X, codes, counts, k)))
