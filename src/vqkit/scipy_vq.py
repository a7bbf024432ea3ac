"""Drop-in replacements for ``scipy.cluster.vq``.

``whiten``, ``vq``, ``py_vq``, ``kmeans``, ``kmeans2`` and ``ClusterError``
have SciPy 1.18's signatures, defaults, dtypes, warnings and error messages,
and draw random numbers in SciPy's order, so the same seed (or the same
global ``np.random`` state) gives the same result.  The arithmetic runs on
vqkit's compiled backend.

Where SciPy crashes, hangs or returns garbage, these functions raise a
``ValueError`` that says what is wrong instead:

* NaN or inf reaching a distance computation with ``check_finite=False``;
* ``kmeans`` with a negative or NaN ``thresh`` (SciPy loops forever or
  ignores it);
* an empty code book given to ``vq`` (SciPy returns uninitialised codes);
* cluster labels outside ``[0, k)`` (SciPy writes out of bounds).

Arrays of other Array API libraries (PyTorch, CuPy, array-api-strict) are
computed on their device and the results are arrays of their library:
each function resolves its backend once, from its array arguments, and
runs one code path for NumPy and device arrays.

This module is an interface: it validates and translates arguments and
shapes results; the algorithms live in ``vqkit.core``.  The public functions
carry no annotations: their signatures are SciPy's, exactly.
"""

from __future__ import annotations

import math
import operator
import warnings
from typing import Any

import numpy as np

from .backends import Backend, array_kind, get_backend
from .core.fit import data_scale, scale_by
from .core.lloyd import assign_checked, lloyd
from .core.random import check_random_state, rng_argument
from .core.seeding import gaussian_init, kmeans_plusplus, random_rows
from .exceptions import ClusterError

__all__ = ["ClusterError", "kmeans", "kmeans2", "py_vq", "vq", "whiten"]

_FLOAT_TYPES = (np.float32, np.float64)
_TYPE_MSG = "type other than float or double not supported"
_EMPTY_CLUSTER_MSG = "One of the clusters is empty. Re-run kmeans with a different initialization."
_PY_VQ_DEPRECATION = (
    "`vqkit.py_vq` was unintentionally public, and will be removed in "
    "SciPy 1.20.0, use `vqkit.vq` instead."
)


# --------------------------------------------------------------------------
# argument handling shared by the functions below


#: Stands for every argument that is not an array of another Array API
#: library: those become NumPy arrays (Dask arrays are computed, as
#: ``np.asarray`` does) and get the CPU backend.
_NUMPY = np.empty(0)


def _resolve(*arrays: Any) -> tuple[Backend, Any]:
    """The backend of a call, and the array whose library and device the
    other arguments join: the first array of an Array API library other
    than NumPy among ``arrays`` (then everything is computed on its
    device), else the CPU backend and None (everything becomes NumPy)."""
    for a in arrays:
        if array_kind(a) == "array_api":
            return get_backend(a), a
    return get_backend(_NUMPY), None


def _check_finite(backend: Backend, a: Any) -> None:
    """SciPy's optional finiteness check.  A 2-D float32 or float64 NumPy
    array is counted by the CPU backend's compiled kernel (no n x d
    temporary of booleans)."""
    xp = backend.xp
    if isinstance(a, np.ndarray) and a.ndim == 2 and a.dtype.type in _FLOAT_TYPES:
        finite = backend.count_non_finite(a) == 0
    else:
        finite = bool(xp.all(xp.isfinite(a)))
    if not finite:
        raise ValueError("array must not contain infs or NaNs")


def _asarray(backend: Backend, a: Any, ref: Any, check_finite: bool) -> Any:
    """``a`` as an array of the call's library (``np.asarray`` for NumPy; on
    ``ref``'s device otherwise), with SciPy's optional finiteness check."""
    a = backend.asarray_like(a, ref)
    if check_finite:
        _check_finite(backend, a)
    return a


def _stand_in(backend: Backend, a: Any) -> np.ndarray:
    """``a`` for the argument checks below, which are written against NumPy:
    ``a`` itself when it is a NumPy array, else a NumPy array of its shape
    and dtype that takes no memory."""
    try:
        return backend.numpy_stand_in(a)
    except TypeError:  # bfloat16 and other types NumPy does not know
        raise TypeError(_TYPE_MSG) from None


def _is_real_float(dtype: Any) -> bool:
    return np.issubdtype(dtype, np.floating)


def _check_vq_pair(obs: np.ndarray, code_book: np.ndarray) -> np.dtype | None:
    """Raise what SciPy's ``vq`` raises for this pair of arrays, if anything.

    Returns the common dtype when the pair takes the compiled float path,
    else ``None`` (the integer path of ``py_vq``).
    """
    ct = np.result_type(obs, code_book)
    if not _is_real_float(ct):
        _check_cdist_pair(obs, code_book)
        return None
    if ct not in _FLOAT_TYPES:
        raise TypeError(_TYPE_MSG)
    ndim = max(obs.ndim, 1)
    if ndim != max(code_book.ndim, 1):
        raise ValueError("observation and code should have same number of dimensions")
    if ndim == 2 and obs.shape[1] != code_book.shape[1]:
        raise ValueError("obs and code should have same number of features (columns)")
    if ndim > 2:
        raise ValueError("ndim different than 1 or 2 are not supported")
    return ct


def _check_cdist_pair(obs: np.ndarray, code_book: np.ndarray) -> None:
    """Raise what SciPy's ``py_vq`` (through ``cdist``) raises for this pair."""
    if obs.ndim != code_book.ndim:
        raise ValueError("Observation and code_book should have the same rank")
    if obs.ndim not in (1, 2):
        raise ValueError("XA must be a 2-dimensional array.")
    if obs.ndim == 2 and obs.shape[1] != code_book.shape[1]:
        raise ValueError(
            "XA and XB must have the same number of columns (i.e. feature dimension.)"
        )
    for a in (obs, code_book):
        if np.issubdtype(a.dtype, np.complexfloating):
            raise ValueError(f"Unsupported dtype {a.dtype}")


def _as_2d(backend: Backend, a: Any) -> Any:
    """View 0-D and 1-D data as one column; 2-D data is returned as it is."""
    if a.ndim == 0:
        a = backend.xp.reshape(a, (1,))
    return a[:, None] if a.ndim == 1 else a


def _nearest(backend: Backend, obs: Any, code_book: Any, dtype: Any) -> tuple[Any, Any]:
    """Codes (int32) and non-squared distances of ``obs`` against
    ``code_book``, computed in ``dtype``; ``dtype`` None: ``py_vq``'s
    integer path, float64 with wide (intp) codes."""
    xp = backend.xp
    wide = dtype is None or dtype == np.float64
    X = backend.astype(_as_2d(backend, obs), xp.float64 if wide else xp.float32)
    C = backend.astype(_as_2d(backend, code_book), X.dtype)
    if C.shape[0] == 0 and X.shape[0] > 0:
        raise ValueError(
            "the code book is empty: it has no code to assign observations to; "
            "pass a code book with at least one row"
        )
    options: dict[str, Any]
    if "scipy_formula" in backend.capabilities:  # bitwise close to SciPy
        options = {"formula": "scipy"}
    else:  # centred on the code book's mean: accurate float32 distances far from 0
        options = {"origin": xp.mean(C, axis=0) if C.shape[0] else None}
    scale = _float32_scale(backend, X, C)
    if scale:
        X, C = scale_by(backend, X, scale), scale_by(backend, C, scale)
        if "origin" in options and options["origin"] is not None:
            options["origin"] = scale_by(backend, options["origin"], scale)
    labels, min_d2 = assign_checked(backend, X, C, **options)
    if dtype is None:
        labels = backend.astype(labels, xp.int64)
    return labels, scale_by(backend, xp.sqrt(min_d2), -scale)


def _float32_scale(backend: Backend, X: Any, C: Any) -> int:
    """The exact power-of-two scaling under which float32 rows ``X`` and
    centres ``C`` have squared distances that neither overflow nor
    underflow float32 (0 when SciPy's float32 arithmetic needs none, and
    for float64: there SciPy's numbers are kept, and values whose squared
    differences overflow raise).  Scaling by a power of two changes no
    significant bit, so wherever SciPy's float32 arithmetic is exact
    enough the results are SciPy's; elsewhere its labels would not
    describe the centres."""
    if backend.numpy_dtype(X) != np.float32 or X.shape[0] == 0 or C.shape[0] == 0:
        return 0
    return data_scale(backend, X, C)


# --------------------------------------------------------------------------
# whiten


def whiten(obs, check_finite=None):
    """Normalize a group of observations on a per feature basis.

    Each feature (column) is divided by its standard deviation across all
    observations (population standard deviation, ``ddof=0``), giving it
    unit variance.  The data is not centred, and features are not
    decorrelated.  Columns whose standard deviation is zero are left as
    they are, with a ``RuntimeWarning``.

    Parameters
    ----------
    obs : ndarray
        Each row is an observation, each column a feature.  1-D input is
        one feature.
    check_finite : bool, optional
        Whether to check that the input contains only finite numbers, and
        to warn about zero-variance columns.  Default: ``None``, meaning
        True for arrays whose values are computed (everything but Dask).

    Returns
    -------
    result : ndarray
        ``obs`` scaled by the standard deviation of each column.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import whiten
    >>> features  = np.array([[1.9, 2.3, 1.7],
    ...                       [1.5, 2.5, 2.2],
    ...                       [0.8, 0.6, 1.7,]])
    >>> whiten(features)
    array([[4.17944278, 2.69811351, 7.21248917],
           [3.29956009, 2.93273208, 9.33380951],
           [1.75976538, 0.7038557 , 7.21248917]])
    """
    backend, ref = _resolve(obs)
    if check_finite is None:
        check_finite = array_kind(obs) != "dask"
    xp = backend.xp
    if ref is None:
        obs = _asarray(backend, obs, ref, check_finite)
    else:  # NumPy's std of integers and booleans is float64; other libraries refuse them
        obs = backend.asarray_like(obs, ref)
        if not xp.isdtype(obs.dtype, ("real floating", "complex floating")):
            obs = backend.astype(obs, xp.float64)
        if check_finite:
            _check_finite(backend, obs)
    std_dev = xp.std(obs, axis=0)
    zero_std = std_dev == 0
    std_dev = xp.where(zero_std, xp.ones_like(std_dev), std_dev)
    if check_finite and bool(xp.any(zero_std)):
        warnings.warn(
            "Some columns have standard deviation zero. "
            "The values of these columns will not change.",
            RuntimeWarning,
            stacklevel=2,
        )
    return obs / std_dev


# --------------------------------------------------------------------------
# vq and py_vq


def vq(obs, code_book, check_finite=True):
    """Assign codes from a code book to observations.

    Each observation (row of ``obs``) is compared with every code (row of
    ``code_book``) and gets the index of the closest one in Euclidean
    distance; ties go to the lowest index.

    Parameters
    ----------
    obs : ndarray
        M x N array: M observations of N features (1-D: one feature).
        Usually whitened with :func:`whiten` first.
    code_book : ndarray
        k x N array of codes, usually from :func:`kmeans`.
    check_finite : bool, optional
        Whether to check that the inputs contain only finite numbers.
        Default: True.  With ``False``, non-finite values that leave an
        observation without a finite distance raise ``ValueError``.

    Returns
    -------
    code : ndarray
        Length-M array with the code of each observation (int32 for
        floating-point input).
    dist : ndarray
        The (non-squared) distance from each observation to its code, in
        the common floating dtype of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import vq
    >>> code_book = np.array([[1., 1., 1.],
    ...                       [2., 2., 2.]])
    >>> features  = np.array([[1.9, 2.3, 1.7],
    ...                       [1.5, 2.5, 2.2],
    ...                       [0.8, 0.6, 1.7]])
    >>> vq(features, code_book)
    (array([1, 1, 0], dtype=int32), array([0.43588989, 0.73484692, 0.83066239]))
    """
    backend, ref = _resolve(obs, code_book)
    obs = _asarray(backend, obs, ref, check_finite)
    code_book = _asarray(backend, code_book, ref, check_finite)
    dtype = _check_vq_pair(_stand_in(backend, obs), _stand_in(backend, code_book))
    return _nearest(backend, obs, code_book, dtype)


def py_vq(obs, code_book, check_finite=True):
    """Python version of vq algorithm (deprecated).

    Same results as :func:`vq`, but accepts every real dtype and always
    returns intp codes and float64 distances.  It is kept for code written
    against SciPy's ``py_vq``, which SciPy 1.18 deprecated; every call
    emits a ``DeprecationWarning``.  Use :func:`vq`.

    Parameters
    ----------
    obs : ndarray
        Observations, one per row (1-D: one feature).
    code_book : ndarray
        The code book, with the same number of dimensions as ``obs``.
    check_finite : bool, optional
        Whether to check that the inputs contain only finite numbers.

    Returns
    -------
    code : ndarray
        The code of each observation (intp).
    min_dist : ndarray
        The distance from each observation to its code (float64).

    Examples
    --------
    >>> import warnings
    >>> from vqkit import py_vq
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     code, dist = py_vq([[0, 0], [5, 5]], [[1, 1], [4, 4]])
    >>> code.tolist(), dist.round(3).tolist()
    ([0, 1], [1.414, 1.414])
    """
    warnings.warn(_PY_VQ_DEPRECATION, DeprecationWarning, stacklevel=2)
    backend = get_backend(_NUMPY)  # NumPy only, as SciPy's py_vq
    obs = _asarray(backend, obs, None, check_finite)
    code_book = _asarray(backend, code_book, None, check_finite)
    _check_cdist_pair(obs, code_book)
    return _nearest(backend, obs, code_book, None)


# --------------------------------------------------------------------------
# kmeans


def _check_thresh(thresh: float) -> None:
    """Reject a ``thresh`` that SciPy's loop could never meet (it would hang)."""
    # a non-number raises the TypeError SciPy's loop raises
    float("inf") > thresh  # noqa: B015
    if not thresh >= 0:
        raise ValueError(
            f"thresh must be a non-negative number, got {thresh}: a run stops "
            "when the distortion changes by no more than thresh, which a "
            "negative or NaN value never allows. Use thresh=0 to iterate until "
            "the distortion stops changing."
        )


def _check_update_dtype(data: np.ndarray) -> None:
    if data.dtype.type not in _FLOAT_TYPES:
        raise TypeError(_TYPE_MSG)


def _kmeans_single(backend: Backend, obs: Any, guess: Any, thresh: float) -> tuple[Any, Any]:
    """One Lloyd run from ``guess``: distortion-change stop, empty clusters
    dropped, SciPy's distance formula where the backend has it."""
    _check_vq_pair(_stand_in(backend, obs), _stand_in(backend, guess))
    _check_update_dtype(_stand_in(backend, obs))
    X = _as_2d(backend, obs)
    result = lloyd(
        X,
        _as_2d(backend, guess),
        backend=backend,
        formula="scipy",
        distortion_tol=thresh,
        empty="drop",
        final_assignment=True,
    )
    book = result.centers
    if obs.ndim == 1:
        book = book[:, 0]
    return book, result.distortion


def kmeans(obs, k_or_guess, iter=20, thresh=1e-05, check_finite=True, *, rng=None, seed=None):
    """Performs k-means on a set of observation vectors forming k clusters.

    Runs Lloyd's algorithm from ``iter`` sets of ``k`` randomly chosen
    observations and keeps the code book with the lowest distortion.  Each
    run stops once the distortion changes by no more than ``thresh``.
    Clusters that lose all their observations are dropped, so fewer than
    ``k`` centroids can come back.

    Parameters
    ----------
    obs : ndarray
        M x N array: M observations of N features (1-D: one feature),
        float32 or float64.  Usually whitened with :func:`whiten` first.
    k_or_guess : int or ndarray
        The number of centroids, or an initial k x N code book (then no
        random restarts are made and ``iter`` is ignored).
    iter : int, optional
        Number of random restarts (not of iterations).  Default: 20.
    thresh : float, optional
        Stop a run when the distortion changes by no more than this.
        Must be non-negative.  Default: 1e-5.
    check_finite : bool, optional
        Whether to check that the inputs contain only finite numbers.
    rng : int, numpy.random.Generator or RandomState, optional
        Source of randomness, normalised by ``numpy.random.default_rng``.
    seed : int, numpy.random.Generator or RandomState, optional
        Legacy spelling with NumPy's ``RandomState`` rules (an integer
        seeds a ``RandomState``).  Give ``rng`` or ``seed``, not both.
        With neither, NumPy's global random state is used.

    Returns
    -------
    codebook : ndarray
        The centroids, k x N (or fewer rows), in ``obs``'s dtype.
    distortion : float
        Mean (non-squared) Euclidean distance between the observations and
        the centroids of the returned code book.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import kmeans, whiten
    >>> features = np.array([[1.9, 2.3], [1.5, 2.5], [0.8, 0.6], [0.4, 1.8],
    ...                      [0.1, 0.1], [0.2, 1.8], [2.0, 0.5], [0.3, 1.5],
    ...                      [1.0, 1.0]])
    >>> whitened = whiten(features)
    >>> book = np.array((whitened[0], whitened[2]))
    >>> codebook, distortion = kmeans(whitened, book)
    >>> codebook
    array([[2.45121811, 3.03653641],
           [0.98872663, 1.31944737]])
    >>> float(distortion)
    0.9088234961964715
    >>> codebook, distortion = kmeans(whitened, 2, rng=np.random.default_rng(1))
    >>> codebook.shape
    (2, 2)
    """
    rng = rng_argument("kmeans", rng, seed)
    backend, ref = _resolve(obs, k_or_guess)
    obs = _asarray(backend, obs, ref, check_finite)
    guess = _asarray(backend, k_or_guess, ref, check_finite)
    size = math.prod(guess.shape)
    if size == 1:  # a number of clusters, on the host
        guess = np.asarray(backend.to_host(guess))
    if iter < 1:
        raise ValueError(f"iter must be at least 1, got {iter}")
    if size != 1:
        if size < 1:
            raise ValueError(f"Asked for 0 clusters. Initial book was {guess}")
        _check_thresh(thresh)
        return _kmeans_single(backend, obs, guess, thresh)
    k = int(guess)
    if k != guess:
        raise ValueError("If k_or_guess is a scalar, it must be an integer.")
    if k < 1:
        raise ValueError(f"Asked for {k} clusters.")
    _check_thresh(thresh)
    rng = check_random_state(rng)
    best_book = best_dist = None
    for _ in range(iter):
        book, dist = _kmeans_single(backend, obs, random_rows(obs, k, rng, backend), thresh)
        if best_dist is None or dist < best_dist:
            best_book, best_dist = book, dist
    return best_book, best_dist


# --------------------------------------------------------------------------
# kmeans2

# sets, not tuples: an unhashable value raises TypeError, as SciPy's dict lookup does
_INIT_METHODS = frozenset(("random", "points", "++"))
_MISSING_METHODS = frozenset(("warn", "raise"))


def _initial_centers(
    X: Any, k: int, minit: str, rng: Any, backend: Backend, univariate: bool
) -> Any:
    if minit == "points":
        return random_rows(X, k, rng, backend)
    if minit == "++":
        return kmeans_plusplus(X, k, rng, backend)
    return gaussian_init(X, k, rng, backend, univariate)


def kmeans2(
    data,
    k,
    iter=10,
    thresh=1e-05,
    minit="random",
    missing="warn",
    check_finite=True,
    *,
    rng=None,
    seed=None,
):
    """Classify a set of observations into k clusters using the k-means algorithm.

    Runs exactly ``iter`` Lloyd iterations (assign, then update) from the
    initial centroids chosen by ``minit`` or given as ``k``.  A cluster
    left without observations keeps its previous centroid, and ``missing``
    says whether that warns or raises.

    Parameters
    ----------
    data : ndarray
        M x N array of M observations of N features (1-D: one feature),
        float32 or float64.
    k : int or ndarray
        The number of clusters, or (with ``minit='matrix'``, or any array of
        more than one element) the k x N initial centroids.
    iter : int, optional
        Number of iterations of the algorithm.  Default: 10.
    thresh : float, optional
        Not used (kept for SciPy compatibility).
    minit : str, optional
        Initialization: ``'random'`` (Gaussian with the data's mean and
        covariance), ``'points'`` (k random observations), ``'++'``
        (k-means++) or ``'matrix'`` (``k`` is the initial centroids).
    missing : str, optional
        What to do with an empty cluster: ``'warn'`` (UserWarning) or
        ``'raise'`` (:class:`ClusterError`).
    check_finite : bool, optional
        Whether to check that the inputs contain only finite numbers.
    rng, seed : optional
        Source of randomness, as for :func:`kmeans`.

    Returns
    -------
    centroid : ndarray
        k x N array of centroids, in ``data``'s dtype.
    label : ndarray
        int32 label of each observation, from the last assignment step
        (made before the last centroid update).

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import kmeans2
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal([0, 6], 0.5, size=(40, 2))
    >>> b = rng.normal([6, 0], 0.5, size=(40, 2))
    >>> centroid, label = kmeans2(np.vstack([a, b]), 2, minit='++', rng=1)
    >>> np.abs(np.round(centroid[np.argsort(centroid[:, 0])]))
    array([[0., 6.],
           [6., 0.]])
    >>> np.bincount(label).tolist()
    [40, 40]
    """
    rng = rng_argument("kmeans2", rng, seed)
    if int(iter) < 1:
        raise ValueError(f"Invalid iter ({iter}), must be a positive integer.")
    if missing not in _MISSING_METHODS:
        raise ValueError(f"Unknown missing method {missing!r}")
    backend, ref = _resolve(data, k)
    data = _asarray(backend, data, ref, check_finite)
    return _kmeans2_run(
        backend, data, backend.asarray_like(k, ref), iter, minit, missing, check_finite, rng
    )


def _kmeans2_engine(X: Any, backend: Backend) -> dict:
    """How ``kmeans2`` computes distances: where the backend has SciPy's
    formula (NumPy), for float64 data from 5 features on exact float64
    distances with Hamerly's bounds (the same labels as SciPy's expanded
    formula except where that formula's rounding decides a near-tie),
    otherwise SciPy's own formula, for bitwise-close float32 results;
    elsewhere (a device) the backend's fastest kernels."""
    if "scipy_formula" not in backend.capabilities:
        return {"formula": "auto"}
    from .backends.cpu import EXPANDED_MIN_FEATURES  # numba loads with the CPU backend

    if X.dtype == np.float64 and X.shape[1] >= EXPANDED_MIN_FEATURES:
        return {"formula": "auto", "assigner": backend.bounded_assigner(X)}
    return {"formula": "scipy"}


def _kmeans2_run(
    backend: Backend,
    data: Any,
    book: Any,
    iter: int,
    minit: str,
    missing: str,
    check_finite: bool,
    rng: Any,
) -> tuple[Any, Any]:
    """The body of ``kmeans2`` once ``data`` and ``k`` (as ``book``) are
    arrays of the call's library: the checks run on NumPy stand-ins, the
    arithmetic where the arrays are."""
    size = math.prod(book.shape)
    code_book = np.asarray(backend.to_host(book)) if size == 1 else _stand_in(backend, book)
    if data.ndim not in (1, 2):
        raise ValueError("Input of rank > 2 is not supported.")
    if any(n == 0 for n in data.shape) or size < 1:
        raise ValueError("Empty input is not supported.")
    X = _as_2d(backend, data)
    if minit == "matrix" or size > 1:
        if data.ndim != code_book.ndim:
            raise ValueError("k array doesn't match data rank")
        if data.ndim > 1 and code_book.shape[1] != X.shape[1]:
            raise ValueError("k array doesn't match data dimension")
        centers = _as_2d(backend, book)
    else:
        nc = int(code_book)
        if nc < 1:
            raise ValueError(f"Cannot ask kmeans2 for {nc} clusters (k was {code_book})")
        elif nc != code_book:
            warnings.warn("k was not an integer, was converted.", stacklevel=3)
        if minit not in _INIT_METHODS:
            raise ValueError(f"Unknown init method {minit!r}")
        rng = check_random_state(rng)
        centers = backend.like(_initial_centers(X, nc, minit, rng, backend, data.ndim == 1), X)
    n_iter = operator.index(iter)  # after initialisation, like SciPy's range(iter)
    if check_finite:
        _check_finite(backend, centers)
    _check_vq_pair(
        _stand_in(backend, data), _stand_in(backend, centers if data.ndim == 2 else centers[:, 0])
    )
    _check_update_dtype(_stand_in(backend, data))

    def on_empty():
        if missing == "raise":
            raise ClusterError(_EMPTY_CLUSTER_MSG)
        # warn from lloyd -> on_empty: point at kmeans2's caller
        warnings.warn(_EMPTY_CLUSTER_MSG, UserWarning, stacklevel=5)

    scale = _float32_scale(backend, X, centers)
    if scale:
        X, centers = scale_by(backend, X, scale), scale_by(backend, centers, scale)
    result = lloyd(
        X,
        centers,
        backend=backend,
        max_iter=n_iter,
        empty="keep",
        on_empty=on_empty,
        **_kmeans2_engine(X, backend),
    )
    centroid = scale_by(backend, result.centers, -scale)
    if data.ndim == 1:
        centroid = centroid[:, 0]
    return centroid, result.labels
