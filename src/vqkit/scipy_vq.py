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

This module is an interface: it validates and translates arguments and
shapes results; the algorithms live in ``vqkit.core``.
"""

import operator
import warnings

import numpy as np

from .backends import get_backend, is_array_api
from .core.arrays import astype, like, namespace
from .core.arrays import host as to_host
from .core.lloyd import assign_checked, lloyd
from .core.random import check_random_state, rng_argument
from .core.seeding import gaussian_init, kmeans_plusplus, random_rows
from .exceptions import ClusterError

__all__ = ["ClusterError", "kmeans", "kmeans2", "py_vq", "vq", "whiten"]

_FLOAT_TYPES = (np.float32, np.float64)
_TYPE_MSG = "type other than float or double not supported"
_EMPTY_CLUSTER_MSG = (
    "One of the clusters is empty. Re-run kmeans with a different initialization."
)
_PY_VQ_DEPRECATION = (
    "`vqkit.py_vq` was unintentionally public, and will be removed in "
    "SciPy 1.20.0, use `vqkit.vq` instead."
)


# --------------------------------------------------------------------------
# argument handling shared by the functions below


def _asarray(a, check_finite):
    """``np.asarray`` plus SciPy's optional finiteness check."""
    a = np.asarray(a)
    if check_finite and not np.all(np.isfinite(a)):
        raise ValueError("array must not contain infs or NaNs")
    return a


def _is_lazy(a):
    """True for arrays whose values are not computed yet (Dask)."""
    return type(a).__module__.split(".")[0] == "dask"


def _is_real_float(dtype):
    return np.issubdtype(dtype, np.floating)


def _check_vq_pair(obs, code_book):
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


def _check_cdist_pair(obs, code_book):
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


def _as_2d(a):
    """View 0-D and 1-D data as one column; 2-D data is returned as it is."""
    a = np.atleast_1d(a)
    return a[:, None] if a.ndim == 1 else a


def _nearest(obs, code_book, dtype):
    """Codes (int32) and non-squared distances of ``obs`` against ``code_book``."""
    X = _as_2d(obs).astype(dtype, copy=False)
    C = _as_2d(code_book).astype(dtype, copy=False)
    if C.shape[0] == 0 and X.shape[0] > 0:
        raise ValueError(
            "the code book is empty: it has no code to assign observations to; "
            "pass a code book with at least one row"
        )
    labels, min_d2 = assign_checked(get_backend(X), X, C, formula="scipy")
    return labels, np.sqrt(min_d2)


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
    if check_finite is None:
        check_finite = not _is_lazy(obs)
    if is_array_api(obs):  # PyTorch, CuPy ...: computed on the array's device
        return _whiten_device(obs, check_finite)
    obs = _asarray(obs, check_finite)
    std_dev = np.asarray(np.std(obs, axis=0))
    zero_std = std_dev == 0
    std_dev = np.where(zero_std, std_dev.dtype.type(1), std_dev)
    if check_finite and np.any(zero_std):
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
    if is_array_api(obs) or is_array_api(code_book):  # on the arrays' device
        return _vq_device(obs, code_book, check_finite)
    obs = _asarray(obs, check_finite)
    code_book = _asarray(code_book, check_finite)
    dtype = _check_vq_pair(obs, code_book)
    if dtype is None:
        return _py_vq(obs, code_book, check_finite=False)
    return _nearest(obs, code_book, dtype)


def _py_vq(obs, code_book, check_finite=True):
    """``vq`` for any real dtype, computed in float64 with intp codes."""
    obs = _asarray(obs, check_finite)
    code_book = _asarray(code_book, check_finite)
    _check_cdist_pair(obs, code_book)
    code, dist = _nearest(obs, code_book, np.float64)
    return code.astype(np.intp), dist


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
    return _py_vq(obs, code_book, check_finite=check_finite)


# --------------------------------------------------------------------------
# kmeans


def _check_thresh(thresh):
    """Reject a ``thresh`` that SciPy's loop could never meet (it would hang)."""
    float("inf") > thresh  # a non-number raises the TypeError SciPy's loop raises
    if not thresh >= 0:
        raise ValueError(
            f"thresh must be a non-negative number, got {thresh}: a run stops "
            "when the distortion changes by no more than thresh, which a "
            "negative or NaN value never allows. Use thresh=0 to iterate until "
            "the distortion stops changing."
        )


def _check_update_dtype(data):
    if data.dtype.type not in _FLOAT_TYPES:
        raise TypeError(_TYPE_MSG)


def _kmeans_single(obs, guess, thresh):
    """One Lloyd run from ``guess``: distortion-change stop, empty clusters dropped."""
    _check_vq_pair(obs, guess)
    _check_update_dtype(obs)
    X = _as_2d(obs)
    result = lloyd(
        X,
        _as_2d(guess),
        backend=get_backend(X),
        formula="scipy",
        distortion_tol=thresh,
        empty="drop",
        final_assignment=True,
    )
    book = result.centers
    if obs.ndim == 1:
        book = book[:, 0]
    return book, result.distortion


def kmeans(obs, k_or_guess, iter=20, thresh=1e-05, check_finite=True,
           *, rng=None, seed=None):
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
    if is_array_api(obs) or is_array_api(k_or_guess):  # on the arrays' device
        return _kmeans_device(obs, k_or_guess, iter, thresh, check_finite, rng)
    obs = _asarray(obs, check_finite)
    guess = _asarray(k_or_guess, check_finite)
    return _kmeans_runs(obs, guess, guess.size, iter, thresh, rng, _kmeans_single)


def _kmeans_runs(obs, guess, size, iter, thresh, rng, single):
    """The runs of ``kmeans`` after its inputs are arrays: one run from a
    code book ``guess`` (``size`` entries), or ``iter`` runs from random
    rows for a number of clusters (``size == 1``), the lowest distortion
    kept.  ``single(obs, book, thresh)`` is one run."""
    if iter < 1:
        raise ValueError(f"iter must be at least 1, got {iter}")
    if size != 1:
        if size < 1:
            raise ValueError(f"Asked for 0 clusters. Initial book was {guess}")
        _check_thresh(thresh)
        return single(obs, guess, thresh)
    k = int(guess)
    if k != guess:
        raise ValueError("If k_or_guess is a scalar, it must be an integer.")
    if k < 1:
        raise ValueError(f"Asked for {k} clusters.")
    _check_thresh(thresh)
    rng = check_random_state(rng)
    best_book = best_dist = None
    for _ in range(iter):
        book, dist = single(obs, random_rows(obs, k, rng), thresh)
        if best_dist is None or dist < best_dist:
            best_book, best_dist = book, dist
    return best_book, best_dist


# --------------------------------------------------------------------------
# kmeans2

# sets, not tuples: an unhashable value raises TypeError, as SciPy's dict lookup does
_INIT_METHODS = frozenset(("random", "points", "++"))
_MISSING_METHODS = frozenset(("warn", "raise"))


def _initial_centers(X, k, minit, rng, backend):
    if minit == "points":
        return random_rows(X, k, rng)
    if minit == "++":
        return kmeans_plusplus(X, k, rng, backend)
    return gaussian_init(X, k, rng)


def kmeans2(data, k, iter=10, thresh=1e-05, minit='random', missing='warn',
            check_finite=True, *, rng=None, seed=None):
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
    if is_array_api(data) or is_array_api(k):  # on the arrays' device
        return _kmeans2_device(data, k, iter, minit, missing, check_finite, rng)
    data = _asarray(data, check_finite)
    return _kmeans2_run(data, k, np.array(k, copy=True), iter, minit, missing,
                        check_finite, rng, device=False)


def _kmeans2_engine(X, backend, device):
    """How ``kmeans2`` computes distances: the fastest kernels on a device;
    for float64 NumPy data from 5 features on, exact float64 distances with
    Hamerly's bounds (the same labels as SciPy's expanded formula except
    where that formula's rounding decides a near-tie); otherwise SciPy's
    own formula, for bitwise-close float32 results."""
    if device:
        return {"formula": "auto"}
    from .backends.cpu import EXPANDED_MIN_FEATURES  # numba loads with the CPU backend

    if X.dtype == np.float64 and X.shape[1] >= EXPANDED_MIN_FEATURES:
        return {"formula": "auto", "assigner": backend.bounded_assigner(X)}
    return {"formula": "scipy"}


def _kmeans2_run(data, k, code_book, iter, minit, missing, check_finite, rng, device):
    """The body of ``kmeans2`` once ``data`` is an array: NumPy (``device``
    False; SciPy's distance formula) or another Array API library (checks
    on NumPy stand-ins, arithmetic on the arrays' device).  ``code_book`` is
    ``k`` as a NumPy array, or a stand-in of it."""
    as_2d = _as_2d_device if device else _as_2d
    plain = _stand_in if device else (lambda a: a)
    depth = 4 if device else 3  # stacklevel of kmeans2's caller from here
    if data.ndim not in (1, 2):
        raise ValueError("Input of rank > 2 is not supported.")
    if any(n == 0 for n in data.shape) or code_book.size < 1:
        raise ValueError("Empty input is not supported.")
    X = as_2d(data)
    backend = get_backend(X)
    if minit == "matrix" or code_book.size > 1:
        if data.ndim != code_book.ndim:
            raise ValueError("k array doesn't match data rank")
        if data.ndim > 1 and code_book.shape[1] != X.shape[1]:
            raise ValueError("k array doesn't match data dimension")
        centers = _as_2d_device(like(k, X)) if device else _as_2d(code_book)
    else:
        nc = int(code_book)
        if nc < 1:
            raise ValueError(f"Cannot ask kmeans2 for {nc} clusters (k was {code_book})")
        elif nc != code_book:
            warnings.warn("k was not an integer, was converted.", stacklevel=depth)
        if minit not in _INIT_METHODS:
            raise ValueError(f"Unknown init method {minit!r}")
        centers = _initial_centers(X, nc, minit, check_random_state(rng), backend)
        if device:
            centers = like(centers, X)
    n_iter = operator.index(iter)  # after initialisation, like SciPy's range(iter)
    if check_finite and device:
        _check_finite_device(centers)
    elif check_finite:
        _asarray(centers, check_finite)
    _check_vq_pair(plain(data), plain(centers if data.ndim == 2 else centers[:, 0]))
    _check_update_dtype(plain(data))

    def on_empty():
        if missing == "raise":
            raise ClusterError(_EMPTY_CLUSTER_MSG)
        # warn from lloyd -> on_empty: point at kmeans2's caller
        warnings.warn(_EMPTY_CLUSTER_MSG, UserWarning, stacklevel=depth + 2)

    result = lloyd(
        X, centers, backend=backend, max_iter=n_iter, empty="keep", on_empty=on_empty,
        **_kmeans2_engine(X, backend, device),
    )
    centroid = result.centers
    if data.ndim == 1:
        centroid = centroid[:, 0]
    return centroid, result.labels


# --------------------------------------------------------------------------
# arrays of other Array API libraries (PyTorch, CuPy, array-api-strict):
# the same checks, run on NumPy stand-ins of their shape and dtype; the
# arithmetic on their device; results in their library


def _stand_in(a):
    """A NumPy array of ``a``'s shape and dtype that takes no memory (for
    the argument checks shared with the NumPy path)."""
    name = str(a.dtype).rsplit(".", 1)[-1]
    try:
        dtype = np.dtype(name)
    except TypeError:  # bfloat16 and other types NumPy does not know
        raise TypeError(_TYPE_MSG) from None
    return np.broadcast_to(np.zeros((), dtype=dtype), tuple(a.shape))


def _check_finite_device(a):
    xp = namespace(a)
    if not bool(xp.all(xp.isfinite(a))):
        raise ValueError("array must not contain infs or NaNs")


def _as_2d_device(a):
    return a[:, None] if a.ndim == 1 else a


def _whiten_device(obs, check_finite):
    xp = namespace(obs)
    if check_finite:
        _check_finite_device(obs)
    std_dev = xp.std(obs, axis=0)
    zero_std = std_dev == 0
    std_dev = xp.where(zero_std, xp.ones_like(std_dev), std_dev)
    if check_finite and bool(xp.any(zero_std)):
        warnings.warn(
            "Some columns have standard deviation zero. "
            "The values of these columns will not change.",
            RuntimeWarning,
            stacklevel=3,
        )
    return obs / std_dev


def _vq_device(obs, code_book, check_finite):
    ref = obs if is_array_api(obs) else code_book
    obs, code_book = like(obs, ref), like(code_book, ref)
    if check_finite:
        _check_finite_device(obs)
        _check_finite_device(code_book)
    xp = namespace(ref)
    dtype = _check_vq_pair(_stand_in(obs), _stand_in(code_book))
    X, C = _as_2d_device(obs), _as_2d_device(code_book)
    wide = dtype is None or dtype == np.float64
    X = astype(X, xp.float64 if wide else xp.float32)
    C = astype(C, X.dtype)
    if C.shape[0] == 0 and X.shape[0] > 0:
        raise ValueError(
            "the code book is empty: it has no code to assign observations to; "
            "pass a code book with at least one row"
        )
    # centred on the code book's mean: accurate float32 distances far from 0
    origin = xp.mean(C, axis=0) if C.shape[0] else None
    labels, min_d2 = assign_checked(get_backend(X), X, C, origin)
    if dtype is None:  # integer data: py_vq's wide codes
        labels = astype(labels, xp.int64)
    return labels, xp.sqrt(min_d2)


def _kmeans2_device(data, k, iter, minit, missing, check_finite, rng):
    ref = data if is_array_api(data) else k
    data = like(data, ref)
    if check_finite:
        _check_finite_device(data)
    code_book = _stand_in(like(k, ref)) if is_array_api(k) else np.array(k, copy=True)
    return _kmeans2_run(data, k, code_book, iter, minit, missing, check_finite, rng,
                        device=True)


def _kmeans_single_device(obs, guess, thresh):
    _check_vq_pair(_stand_in(obs), _stand_in(guess))
    _check_update_dtype(_stand_in(obs))
    X = _as_2d_device(obs)
    result = lloyd(X, _as_2d_device(guess), backend=get_backend(X), distortion_tol=thresh,
                   empty="drop", final_assignment=True)
    book = result.centers
    if obs.ndim == 1:
        book = book[:, 0]
    return book, float(result.distortion)


def _kmeans_device(obs, k_or_guess, iter, thresh, check_finite, rng):
    ref = obs if is_array_api(obs) else k_or_guess
    obs = like(obs, ref)
    if check_finite:
        _check_finite_device(obs)
    given = is_array_api(k_or_guess)
    guess = like(k_or_guess, ref) if given else _asarray(k_or_guess, check_finite)
    if given and check_finite:
        _check_finite_device(guess)
    size = int(np.prod(tuple(guess.shape)))
    guess = like(guess, obs) if size != 1 else np.asarray(to_host(guess))
    return _kmeans_runs(obs, guess, size, iter, thresh, rng, _kmeans_single_device)
