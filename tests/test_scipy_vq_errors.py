"""Errors and warnings of ``vqkit``'s drop-in ``scipy.cluster.vq`` interface.

Reference: /work/shared/reference/scipy-vq-spec.md, sections 3-10 (the
validation order of ``kmeans`` and ``kmeans2`` in sections 5 and 6, the
catalogue of messages in section 10).

Every bad input is given to SciPy and to vqkit with the same arguments.  The
test asserts that SciPy raises the exception and message that the spec
documents (so a stale spec is noticed), and that vqkit raises the *same*
exception type with the *same* message, and emits the same warnings
(category and text) on the way.  Messages that NumPy produces (``rng.choice``,
``int()`` of an array, ``np.std``, ``cholesky`` ...) depend on the NumPy
version; for those the expected text is taken from SciPy's actual error at
run time.

vqkit follows SciPy 1.18.  The suite also runs against older SciPy (CI's
second interpreter): there SciPy's ``py_vq`` does not warn yet and ``kmeans``
does not recompute its final distortion, so the few comparisons that depend
on those 1.18 changes are skipped, and SciPy 1.18's ``py_vq``
DeprecationWarning is left out of the warning comparisons.

The last part of the file covers the places where vqkit deliberately differs
from SciPy (SciPy hangs, crashes or returns garbage there): SciPy is never
called in those tests.
"""

import copy
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy  # noqa: E402
import scipy.cluster.vq as scipy_vq

import vqkit  # noqa: E402
from vqkit.backends import get_backend  # noqa: E402

SCIPY_118 = tuple(int(p) for p in scipy.__version__.split(".")[:2]) >= (1, 18)
NEEDS_118 = pytest.mark.skipif(
    not SCIPY_118, reason="behaviour introduced in SciPy 1.18, which vqkit follows"
)

# --------------------------------------------------------------------------
# message strings, verbatim from the spec (section 10)

FINITE = "array must not contain infs or NaNs"
TYPE_MSG = "type other than float or double not supported"
ZERO_STD = (
    "Some columns have standard deviation zero. The values of these columns will not change."
)
SAME_RANK = "Observation and code_book should have the same rank"
VQ_NDIM = "observation and code should have same number of dimensions"
VQ_COLUMNS = "obs and code should have same number of features (columns)"
VQ_3D = "ndim different than 1 or 2 are not supported"
CDIST_2D = "XA must be a 2-dimensional array."
CDIST_COLUMNS = "XA and XB must have the same number of columns (i.e. feature dimension.)"
EMPTY_CLUSTER = "One of the clusters is empty. Re-run kmeans with a different initialization."
K_CONVERTED = "k was not an integer, was converted."
RANK_GT_2 = "Input of rank > 2 is not supported."
EMPTY_INPUT = "Empty input is not supported."
K_RANK = "k array doesn't match data rank"
K_DIM = "k array doesn't match data dimension"
SCALAR_K = "If k_or_guess is a scalar, it must be an integer."


def both_rng_and_seed(fname):
    return (
        f"{fname}() got multiple values for argument now known as `rng`. "
        "Specify one of `rng` or `seed`."
    )


def py_vq_deprecation(module_name):
    return (
        f"`{module_name}.py_vq` was unintentionally public, and will be removed "
        f"in SciPy 1.20.0, use `{module_name}.vq` instead."
    )


#: The message comes from NumPy (or Python) and depends on its version:
#: compare with SciPy's actual message at run time.
FROM_NUMPY = None

#: Stands for ``scipy.cluster.vq.ClusterError`` / ``vqkit.ClusterError``.
CLUSTER_ERROR = "ClusterError"

# --------------------------------------------------------------------------
# data

#: Two well separated groups of three points (float64, 6 x 2).
X = np.array([[1.0, 2.0], [1.5, 1.8], [1.0, 0.6], [8.0, 8.0], [9.0, 11.0], [5.0, 8.0]])
XI = X.astype(np.int64)
X1 = X[:, 0].copy()  # 1-D data: one feature
X3 = np.ones((4, 2, 2))  # rank 3
EMPTY2 = np.empty((0, 2))
#: A code book whose second code is far from every observation, so that
#: cluster 1 is empty in every kmeans2 iteration.
FAR_BOOK = np.array([[1.0, 2.0], [100.0, 100.0]])


def with_value(a, index, value):
    """A float copy of ``a`` with ``a[index] = value``."""
    a = np.array(a, dtype=np.float64, copy=True)
    a[index] = value
    return a


# --------------------------------------------------------------------------
# running one call on SciPy and on vqkit


@dataclass(frozen=True)
class Call:
    """``func(*args, **kwargs)``, to be run on ``scipy.cluster.vq`` and ``vqkit``."""

    func: str
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __call__(self, module):
        # fresh copies: a Generator passed as rng= must start from the same
        # state for both libraries, and no call may modify the shared data
        args, kwargs = copy.deepcopy((self.args, self.kwargs))
        return getattr(module, self.func)(*args, **kwargs)


def call(func, *args, **kwargs):
    return Call(func, args, kwargs)


@contextmanager
def same_global_rng():
    """Run the block from a fixed state of NumPy's global ``RandomState``.

    Calls that pass neither ``rng`` nor ``seed`` draw from the global state;
    restoring it before each library's call gives both the same stream.
    """
    state = np.random.get_state()
    np.random.seed(12345)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextmanager
def recorded_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def warning_list(caught, module):
    """``(category, text)`` of each warning; SciPy's module path reads as vqkit's.

    Before SciPy 1.18 SciPy's ``py_vq`` did not warn, so vqkit's (1.18)
    DeprecationWarning is left out of comparisons with an older SciPy.
    """
    out = []
    for w in caught:
        text = str(w.message)
        if module is scipy_vq:
            text = text.replace("scipy.cluster.vq", "vqkit")
        if not SCIPY_118 and text == py_vq_deprecation("vqkit"):
            continue
        out.append((w.category, text))
    return out


@dataclass
class Outcome:
    error: BaseException | None
    warnings: list


def outcome(module, c):
    """Run ``c`` on ``module``; return the exception (or None) and the warnings."""
    with same_global_rng(), recorded_warnings() as caught:
        try:
            c(module)
        except Exception as exc:  # noqa: BLE001 - any exception is the outcome
            return Outcome(exc, warning_list(caught, module))
    return Outcome(None, warning_list(caught, module))


def exception_type(module, exc_type):
    return module.ClusterError if exc_type is CLUSTER_ERROR else exc_type


def exactly(message):
    return "^" + re.escape(message) + "$"


def assert_both_raise(c, exc_type, message):
    """SciPy and vqkit raise ``exc_type(message)`` for ``c``, with equal warnings.

    ``message`` is the spec's text; ``FROM_NUMPY`` takes SciPy's text instead.
    """
    expected = outcome(scipy_vq, c)
    assert expected.error is not None, f"SciPy did not raise for {c}"
    scipy_type = exception_type(scipy_vq, exc_type)
    assert type(expected.error) is scipy_type, (
        f"SciPy raised {type(expected.error).__name__}: {expected.error}"
    )
    if message is FROM_NUMPY:
        message = str(expected.error)
    else:
        assert str(expected.error) == message, "the spec no longer matches SciPy"

    vqkit_type = exception_type(vqkit, exc_type)
    with (
        same_global_rng(),
        recorded_warnings() as caught,
        pytest.raises(vqkit_type, match=exactly(message)) as info,
    ):
        c(vqkit)
    assert type(info.value) is vqkit_type
    assert str(info.value) == str(expected.error)
    assert warning_list(caught, vqkit) == expected.warnings


def assert_same_warnings(c):
    """Neither library raises for ``c``; both emit the same warnings (returned)."""
    expected = outcome(scipy_vq, c)
    assert expected.error is None, f"SciPy raised {expected.error!r}"
    got = outcome(vqkit, c)
    assert got.error is None, f"vqkit raised {got.error!r}"
    assert got.warnings == expected.warnings
    return got.warnings


def case(id, c, exc_type, message):
    """One parametrized error case."""
    return pytest.param(c, exc_type, message, id=id)


# --------------------------------------------------------------------------
# errors that must be identical (spec sections 3-6, 8-10)

WHITEN_ERRORS = [
    case("nan", call("whiten", with_value(X, (0, 0), np.nan)), ValueError, FINITE),
    case("inf", call("whiten", with_value(X, (2, 1), np.inf)), ValueError, FINITE),
    case("-inf", call("whiten", with_value(X, (2, 1), -np.inf)), ValueError, FINITE),
    case("nan-1d", call("whiten", with_value(X1, 3, np.nan)), ValueError, FINITE),
    case("nan-list", call("whiten", [[1.0, np.nan], [2.0, 3.0]]), ValueError, FINITE),
    case(
        "nan-check_finite=True",
        call("whiten", with_value(X, (0, 0), np.nan), check_finite=True),
        ValueError,
        FINITE,
    ),
    case("0-d", call("whiten", np.float64(3.0)), np.exceptions.AxisError, FROM_NUMPY),
    case("str-data", call("whiten", np.array(["a", "b"])), TypeError, FROM_NUMPY),
]

VQ_ERRORS = [
    # check_finite
    case("nan-obs", call("vq", with_value(X, (0, 0), np.nan), X[:2]), ValueError, FINITE),
    case("inf-obs", call("vq", with_value(X, (1, 1), np.inf), X[:2]), ValueError, FINITE),
    case("-inf-book", call("vq", X, with_value(X[:2], (1, 0), -np.inf)), ValueError, FINITE),
    case("nan-1d", call("vq", with_value(X1, 0, np.nan), X1[:2]), ValueError, FINITE),
    # 2-D float data is counted by a compiled kernel: float32, Fortran order, strided
    case(
        "nan-obs-float32",
        call("vq", with_value(X, (2, 1), np.nan).astype(np.float32), X[:2]),
        ValueError,
        FINITE,
    ),
    case(
        "inf-obs-fortran",
        call("vq", np.asfortranarray(with_value(X, (3, 0), np.inf)), X[:2]),
        ValueError,
        FINITE,
    ),
    case(
        "-inf-obs-strided",
        call("vq", with_value(X, (4, 1), -np.inf)[::2], X[:2]),
        ValueError,
        FINITE,
    ),
    # dtypes of the compiled path
    case(
        "float16-pair",
        call("vq", X.astype(np.float16), X[:2].astype(np.float16)),
        TypeError,
        TYPE_MSG,
    ),
    case(
        "float16-pair-rank-mismatch",  # dtype is checked before the ranks
        call("vq", X.astype(np.float16), X1[:2].astype(np.float16)),
        TypeError,
        TYPE_MSG,
    ),
    case(
        "longdouble-pair",
        call("vq", X.astype(np.longdouble), X[:2].astype(np.longdouble)),
        TypeError,
        TYPE_MSG,
    ),
    case(
        "longdouble-with-float64",
        call("vq", X.astype(np.longdouble), X[:2]),
        TypeError,
        TYPE_MSG,
    ),
    # shapes on the compiled (float) path
    case("float-rank-mismatch", call("vq", X, X1[:2]), ValueError, VQ_NDIM),
    case("float-column-mismatch", call("vq", X, np.ones((2, 3))), ValueError, VQ_COLUMNS),
    case(
        "float32-float64-column-mismatch",
        call("vq", X.astype(np.float32), np.ones((2, 3))),
        ValueError,
        VQ_COLUMNS,
    ),
    case("float-3d", call("vq", X3, X3[:2]), ValueError, VQ_3D),
    case("int-obs-float-book-3d", call("vq", X3.astype(int), X3[:2]), ValueError, VQ_3D),
    # shapes and dtypes on the py_vq (integer / complex) path
    case("int-rank-mismatch", call("vq", XI, XI[:2, 0]), ValueError, SAME_RANK),
    case("int-0d-vs-1d", call("vq", np.int64(3), XI[:2, 0]), ValueError, SAME_RANK),
    case("int-column-mismatch", call("vq", XI, np.ones((2, 3), int)), ValueError, CDIST_COLUMNS),
    case(
        "bool-column-mismatch",
        call("vq", XI > 2, np.ones((2, 3), bool)),
        ValueError,
        CDIST_COLUMNS,
    ),
    case("int-3d", call("vq", X3.astype(int), X3[:2].astype(int)), ValueError, CDIST_2D),
    case("int-0d-pair", call("vq", np.int64(3), np.int64(2)), ValueError, CDIST_2D),
    case("complex128", call("vq", X + 0j, X[:2] + 0j), ValueError, "Unsupported dtype complex128"),
    case(
        "complex64",
        call("vq", X.astype(np.complex64), X[:2].astype(np.complex64)),
        ValueError,
        "Unsupported dtype complex64",
    ),
    case(
        "complex-obs-int-book",
        call("vq", X + 0j, XI[:2]),
        ValueError,
        "Unsupported dtype complex128",
    ),
    case("complex-rank-mismatch", call("vq", X + 0j, X1[:2] + 0j), ValueError, SAME_RANK),
    case("complex-3d", call("vq", X3 + 0j, X3[:2] + 0j), ValueError, CDIST_2D),
]

PY_VQ_ERRORS = [
    case("nan-obs", call("py_vq", with_value(X, (0, 0), np.nan), X[:2]), ValueError, FINITE),
    case("inf-book", call("py_vq", X, with_value(X[:2], (0, 1), np.inf)), ValueError, FINITE),
    case("float-rank-mismatch", call("py_vq", X, X1[:2]), ValueError, SAME_RANK),
    case("int-rank-mismatch", call("py_vq", XI, XI[:2, 0]), ValueError, SAME_RANK),
    case("float-column-mismatch", call("py_vq", X, np.ones((2, 3))), ValueError, CDIST_COLUMNS),
    case(
        "int-column-mismatch", call("py_vq", XI, np.ones((2, 3), int)), ValueError, CDIST_COLUMNS
    ),
    case("float-3d", call("py_vq", X3, X3[:2]), ValueError, CDIST_2D),
    case("complex", call("py_vq", X + 0j, X[:2] + 0j), ValueError, "Unsupported dtype complex128"),
]

KMEANS_ERRORS = [
    # step 2: check_finite, and what isfinite rejects
    case("nan-obs", call("kmeans", with_value(X, (0, 0), np.nan), 2), ValueError, FINITE),
    case("inf-obs", call("kmeans", with_value(X, (4, 1), np.inf), 2), ValueError, FINITE),
    case("nan-guess", call("kmeans", X, with_value(X[:2], (1, 1), np.nan)), ValueError, FINITE),
    case("nan-1d-obs", call("kmeans", with_value(X1, 2, np.nan), 2), ValueError, FINITE),
    case("str-k", call("kmeans", X, "a"), TypeError, FROM_NUMPY),
    case("None-k", call("kmeans", X, None), TypeError, FROM_NUMPY),
    # step 3: iter
    case("iter=0", call("kmeans", X, 2, iter=0), ValueError, "iter must be at least 1, got 0"),
    case("iter=-1", call("kmeans", X, 2, iter=-1), ValueError, "iter must be at least 1, got -1"),
    case(
        "iter=0-with-guess",
        call("kmeans", X, X[:2], iter=0),
        ValueError,
        "iter must be at least 1, got 0",
    ),
    case("iter=None", call("kmeans", X, 2, iter=None), TypeError, FROM_NUMPY),
    case("iter=1.5", call("kmeans", X, 2, iter=1.5), TypeError, FROM_NUMPY),
    # step 4: empty guess
    case(
        "empty-guess-list",
        call("kmeans", X, []),
        ValueError,
        "Asked for 0 clusters. Initial book was []",
    ),
    case(
        "empty-guess-0x2",
        call("kmeans", X, EMPTY2),
        ValueError,
        "Asked for 0 clusters. Initial book was []",
    ),
    # step 5: scalar k
    case("k=2.5", call("kmeans", X, 2.5), ValueError, SCALAR_K),
    case("k=0", call("kmeans", X, 0), ValueError, "Asked for 0 clusters."),
    case("k=-1", call("kmeans", X, -1), ValueError, "Asked for -1 clusters."),
    case("k=size-1-array", call("kmeans", X, np.array([3.0])), TypeError, FROM_NUMPY),
    case("k=size-1-2d-array", call("kmeans", X, np.array([[3.0]])), TypeError, FROM_NUMPY),
    # step 6: random restarts (NumPy's rng.choice errors)
    case("k>n-global-rng", call("kmeans", X, 10), ValueError, FROM_NUMPY),
    case(
        "k>n-rng=Generator",
        call("kmeans", X, 10, rng=np.random.default_rng(0)),
        ValueError,
        FROM_NUMPY,
    ),
    case("k>n-seed=int", call("kmeans", X, 10, seed=0), ValueError, FROM_NUMPY),
    case("k>n-1d", call("kmeans", X1, 10, rng=0), ValueError, FROM_NUMPY),
    case("empty-obs-scalar-k", call("kmeans", EMPTY2, 2), ValueError, FROM_NUMPY),
    case("empty-list-obs-rng", call("kmeans", [], 2, rng=0), ValueError, FROM_NUMPY),
    # rng / seed (section 8)
    case(
        "rng-and-seed",
        call("kmeans", X, 2, rng=1, seed=1),
        TypeError,
        both_rng_and_seed("kmeans"),
    ),
    case("rng=str", call("kmeans", X, 2, rng="abc"), TypeError, FROM_NUMPY),
    case("rng=np.random", call("kmeans", X, 2, rng=np.random), TypeError, FROM_NUMPY),
    case(
        "seed=str",
        call("kmeans", X, 2, seed="abc"),
        ValueError,
        "'abc' cannot be used to seed a numpy.random.RandomState instance",
    ),
    # the Lloyd runs: dtypes and shapes (sections 4 and 5)
    case("int-data", call("kmeans", XI, 2, rng=0), TypeError, TYPE_MSG),
    case("int-data-int-guess", call("kmeans", XI, XI[:2]), TypeError, TYPE_MSG),
    case("int-data-float-guess", call("kmeans", XI, X[:2]), TypeError, TYPE_MSG),
    case("float16-data", call("kmeans", X.astype(np.float16), 2, rng=0), TypeError, TYPE_MSG),
    case(
        "float16-data-float64-guess",
        call("kmeans", X.astype(np.float16), X[:2]),
        TypeError,
        TYPE_MSG,
    ),
    case("3d-data", call("kmeans", X3, 2, rng=0), ValueError, VQ_3D),
    case("3d-int-data", call("kmeans", X3.astype(int), 2, rng=0), ValueError, CDIST_2D),
    case("3d-data-2d-guess", call("kmeans", X3, X3[:2, 0]), ValueError, VQ_NDIM),
    case("guess-rank-mismatch", call("kmeans", X, X1[:3]), ValueError, VQ_NDIM),
    case("guess-column-mismatch", call("kmeans", X, np.ones((2, 3))), ValueError, VQ_COLUMNS),
]

KMEANS2_ERRORS = [
    # step 1: iter
    case(
        "iter=0",
        call("kmeans2", X, 2, iter=0),
        ValueError,
        "Invalid iter (0), must be a positive integer.",
    ),
    case(
        "iter=-1",
        call("kmeans2", X, 2, iter=-1),
        ValueError,
        "Invalid iter (-1), must be a positive integer.",
    ),
    case("iter=None", call("kmeans2", X, 2, iter=None), TypeError, FROM_NUMPY),
    case("iter=str", call("kmeans2", X, 2, iter="abc"), ValueError, FROM_NUMPY),
    case("iter=1.5", call("kmeans2", X, 2, iter=1.5, rng=0), TypeError, FROM_NUMPY),
    case("iter='2'", call("kmeans2", X, 2, iter="2", rng=0), TypeError, FROM_NUMPY),
    # step 2: missing, validated before the data
    case(
        "missing=foo",
        call("kmeans2", X, 2, missing="foo"),
        ValueError,
        "Unknown missing method 'foo'",
    ),
    case(
        "missing=None",
        call("kmeans2", X, 2, missing=None),
        ValueError,
        "Unknown missing method None",
    ),
    case(
        "missing=foo-before-nan-data",
        call("kmeans2", with_value(X, (0, 0), np.nan), 2, missing="foo"),
        ValueError,
        "Unknown missing method 'foo'",
    ),
    case(
        "iter=0-before-missing",
        call("kmeans2", X, 2, iter=0, missing="foo"),
        ValueError,
        "Invalid iter (0), must be a positive integer.",
    ),
    # step 3: check_finite
    case("nan-data", call("kmeans2", with_value(X, (0, 0), np.nan), 2), ValueError, FINITE),
    case(
        "inf-data",
        call("kmeans2", with_value(X, (3, 1), np.inf), 2, minit="points"),
        ValueError,
        FINITE,
    ),
    case("nan-k-array", call("kmeans2", X, with_value(X[:2], (1, 1), np.nan)), ValueError, FINITE),
    case(
        "inf-k-array",
        call("kmeans2", X, with_value(X[:2], (0, 0), np.inf), minit="matrix"),
        ValueError,
        FINITE,
    ),
    case("nan-3d-data", call("kmeans2", with_value(X3, (0, 0, 0), np.nan), 2), ValueError, FINITE),
    # step 4: rank
    case("3d-data", call("kmeans2", X3, 2), ValueError, RANK_GT_2),
    case("empty-3d-data", call("kmeans2", np.empty((0, 2, 2)), 2), ValueError, RANK_GT_2),
    case(
        "0d-data",
        call("kmeans2", np.float64(3.0), 1),
        ValueError,
        RANK_GT_2,
    ),
    case(
        "0d-data-k-array",
        call("kmeans2", np.float64(3.0), np.array([1.0, 2.0])),
        ValueError,
        RANK_GT_2,
    ),
    # step 5: empty input
    case("empty-list-data", call("kmeans2", [], 2), ValueError, EMPTY_INPUT),
    case("empty-0x2-data", call("kmeans2", EMPTY2, 2), ValueError, EMPTY_INPUT),
    case("empty-k-list", call("kmeans2", X, []), ValueError, EMPTY_INPUT),
    case("empty-k-0x2", call("kmeans2", X, EMPTY2), ValueError, EMPTY_INPUT),
    case("empty-data-k-array", call("kmeans2", [], X[:2]), ValueError, EMPTY_INPUT),
    # step 6: k as the initial code book
    case("k-array-rank-1d-vs-2d", call("kmeans2", X, X1[:3]), ValueError, K_RANK),
    case("k-array-rank-2d-vs-1d", call("kmeans2", X1, X[:3]), ValueError, K_RANK),
    case("k-array-rank-3d", call("kmeans2", X, X3[:2]), ValueError, K_RANK),
    case("minit=matrix-scalar-k", call("kmeans2", X, 2, minit="matrix"), ValueError, K_RANK),
    case("minit=matrix-scalar-k-1d", call("kmeans2", X1, 2, minit="matrix"), ValueError, K_RANK),
    case("k-array-dimension", call("kmeans2", X, np.ones((2, 3))), ValueError, K_DIM),
    case("k-array-size-1-not-matrix", call("kmeans2", X1, np.array([3.0])), TypeError, FROM_NUMPY),
    # step 7: scalar k
    case("k=0", call("kmeans2", X, 0), ValueError, "Cannot ask kmeans2 for 0 clusters (k was 0)"),
    case(
        "k=-1",
        call("kmeans2", X, -1),
        ValueError,
        "Cannot ask kmeans2 for -1 clusters (k was -1)",
    ),
    case(
        "k=0.5",
        call("kmeans2", X, 0.5),
        ValueError,
        "Cannot ask kmeans2 for 0 clusters (k was 0.5)",
    ),
    case(
        "k=0-before-minit",
        call("kmeans2", X, 0, minit="foo"),
        ValueError,
        "Cannot ask kmeans2 for 0 clusters (k was 0)",
    ),
    case("minit=foo", call("kmeans2", X, 2, minit="foo"), ValueError, "Unknown init method 'foo'"),
    case("minit=None", call("kmeans2", X, 2, minit=None), ValueError, "Unknown init method None"),
    case(
        "minit=foo-k=2.5-warns-first",
        call("kmeans2", X, 2.5, minit="foo"),
        ValueError,
        "Unknown init method 'foo'",
    ),
    # initialisation (section 6, 'points' and 'random')
    case("k>n-points-global-rng", call("kmeans2", X, 10, minit="points"), ValueError, FROM_NUMPY),
    case(
        "k>n-points-rng=Generator",
        call("kmeans2", X, 10, minit="points", rng=np.random.default_rng(0)),
        ValueError,
        FROM_NUMPY,
    ),
    case(
        "k>n-points-seed=int",
        call("kmeans2", X, 10, minit="points", seed=0),
        ValueError,
        FROM_NUMPY,
    ),
    case("k>n-points-1d", call("kmeans2", X1, 10, minit="points", rng=0), ValueError, FROM_NUMPY),
    case(
        "random-constant-column",
        call("kmeans2", np.c_[X, np.ones(len(X))], 2, minit="random", rng=1),
        np.linalg.LinAlgError,
        "Matrix is not positive definite",
    ),
    case(
        "random-duplicate-column",
        call("kmeans2", np.c_[X, X[:, 0]], 2, minit="random", rng=1),
        np.linalg.LinAlgError,
        "Matrix is not positive definite",
    ),
    case(
        "random-identical-points",
        call("kmeans2", np.ones((5, 2)), 2, minit="random", rng=1),
        np.linalg.LinAlgError,
        "Matrix is not positive definite",
    ),
    case(
        "random-single-observation",
        call("kmeans2", X[:1], 2, minit="random", rng=1),
        ValueError,
        FINITE,
    ),
    # rng / seed (section 8)
    case(
        "rng-and-seed",
        call("kmeans2", X, 2, rng=1, seed=1),
        TypeError,
        both_rng_and_seed("kmeans2"),
    ),
    case("rng=str", call("kmeans2", X, 2, rng="abc"), TypeError, FROM_NUMPY),
    case(
        "seed=str-points",
        call("kmeans2", X, 2, minit="points", seed="abc"),
        ValueError,
        "'abc' cannot be used to seed a numpy.random.RandomState instance",
    ),
    # the Lloyd loop: dtypes (section 6 step 8) and empty clusters
    case("int-data-points", call("kmeans2", XI, 2, minit="points", rng=0), TypeError, TYPE_MSG),
    case("int-data-random", call("kmeans2", XI, 2, minit="random", rng=0), TypeError, TYPE_MSG),
    case("int-data-++", call("kmeans2", XI, 2, minit="++", rng=0), TypeError, TYPE_MSG),
    case("int-data-int-matrix", call("kmeans2", XI, XI[:2], minit="matrix"), TypeError, TYPE_MSG),
    case("int-data-float-matrix", call("kmeans2", XI, X[:2]), TypeError, TYPE_MSG),
    case(
        "float16-data",
        call("kmeans2", X.astype(np.float16), X[:2].astype(np.float16)),
        TypeError,
        TYPE_MSG,
    ),
    case(
        "float16-data-float64-k",
        call("kmeans2", X.astype(np.float16), X[:2]),
        TypeError,
        TYPE_MSG,
    ),
    case(
        "missing=raise",
        call("kmeans2", X, FAR_BOOK, missing="raise"),
        CLUSTER_ERROR,
        EMPTY_CLUSTER,
    ),
    case(
        "missing=raise-1d",
        call("kmeans2", X1, np.array([1.0, 100.0]), missing="raise"),
        CLUSTER_ERROR,
        EMPTY_CLUSTER,
    ),
    case(
        "missing=raise-duplicate-codes",
        call("kmeans2", X, X[[0, 0]], missing="raise"),
        CLUSTER_ERROR,
        EMPTY_CLUSTER,
    ),
]

# Combinations of two bad arguments: SciPy's validation order (sections 2, 5
# and 6) decides which error wins.
ORDER_ERRORS = [
    case(
        "kmeans2-rng-and-seed-before-iter",
        call("kmeans2", X, 2, iter=0, rng=1, seed=1),
        TypeError,
        both_rng_and_seed("kmeans2"),
    ),
    case(
        "kmeans2-rng-and-seed-before-missing",
        call("kmeans2", X, 2, missing="foo", rng=1, seed=1),
        TypeError,
        both_rng_and_seed("kmeans2"),
    ),
    case(
        "kmeans2-rng-normalised-before-iter",
        call("kmeans2", X, 2, iter=0, rng="abc"),
        TypeError,
        FROM_NUMPY,
    ),
    case(
        "kmeans2-iter=1.5-fails-late-minit",
        call("kmeans2", X, 2, iter=1.5, minit="foo"),
        ValueError,
        "Unknown init method 'foo'",
    ),
    case(
        "kmeans2-iter=1.5-fails-late-missing",
        call("kmeans2", X, 2, iter=1.5, missing="foo"),
        ValueError,
        "Unknown missing method 'foo'",
    ),
    case(
        "kmeans2-iter=1.5-fails-late-nan",
        call("kmeans2", with_value(X, (0, 0), np.nan), 2, iter=1.5),
        ValueError,
        FINITE,
    ),
    case(
        "kmeans2-iter=1.5-fails-late-empty",
        call("kmeans2", [], 2, iter=1.5),
        ValueError,
        EMPTY_INPUT,
    ),
    case(
        "kmeans-rng-and-seed-before-iter",
        call("kmeans", X, 2, iter=0, rng=1, seed=1),
        TypeError,
        both_rng_and_seed("kmeans"),
    ),
    case(
        "kmeans-nan-before-iter",
        call("kmeans", with_value(X, (0, 0), np.nan), 2, iter=0),
        ValueError,
        FINITE,
    ),
    case(
        "kmeans-iter-before-empty-guess",
        call("kmeans", X, [], iter=0),
        ValueError,
        "iter must be at least 1, got 0",
    ),
    # SciPy raises before its Lloyd loop here, so a negative thresh never
    # gets to hang it; vqkit's extra thresh check must not come first.
    case(
        "kmeans-k=0-before-negative-thresh",
        call("kmeans", X, 0, thresh=-1),
        ValueError,
        "Asked for 0 clusters.",
    ),
    case(
        "kmeans-empty-guess-before-negative-thresh",
        call("kmeans", X, [], thresh=-1),
        ValueError,
        "Asked for 0 clusters. Initial book was []",
    ),
    case(
        "kmeans-k=2.5-before-nan-thresh",
        call("kmeans", X, 2.5, thresh=np.nan),
        ValueError,
        SCALAR_K,
    ),
]

# Inputs that the spec does not list but where SciPy 1.18 raises something
# vqkit should reproduce as a drop-in.
UNLISTED_ERRORS = [
    case(
        "kmeans2-missing=unhashable",
        call("kmeans2", X, 2, missing=["warn"]),
        TypeError,
        "unhashable type: 'list'",
    ),
    case(
        "kmeans2-minit=unhashable",
        call("kmeans2", X, 2, minit=["points"]),
        TypeError,
        "unhashable type: 'list'",
    ),
    case(
        "kmeans-thresh=None",
        call("kmeans", X, X[:2], thresh=None),
        TypeError,
        "'>' not supported between instances of 'float' and 'NoneType'",
    ),
    case(
        "kmeans-thresh=str",
        call("kmeans", X, X[:2], thresh="abc"),
        TypeError,
        "'>' not supported between instances of 'float' and 'str'",
    ),
]


ERROR_GROUPS = {
    "whiten": WHITEN_ERRORS,
    "vq": VQ_ERRORS,
    "py_vq": PY_VQ_ERRORS,  # py_vq also warns (once, vqkit's text) before it raises
    "kmeans": KMEANS_ERRORS,
    "kmeans2": KMEANS2_ERRORS,
    "order": ORDER_ERRORS,
    "unlisted": UNLISTED_ERRORS,
}


@pytest.mark.parametrize(
    "c, exc_type, message",
    [
        pytest.param(*p.values, id=f"{group}-{p.id}")
        for group, params in ERROR_GROUPS.items()
        for p in params
    ],
)
def test_same_error_as_scipy(c, exc_type, message):
    assert_both_raise(c, exc_type, message)


def test_cluster_error_is_not_a_value_error():
    """``ClusterError`` derives from ``Exception`` only, as in SciPy."""
    assert vqkit.ClusterError.__bases__ == scipy_vq.ClusterError.__bases__ == (Exception,)


# --------------------------------------------------------------------------
# warnings (category, text and count must match SciPy's)


def only(warning_list, category):
    return [text for cat, text in warning_list if issubclass(cat, category)]


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("whiten", np.c_[X[:, 0], np.zeros(len(X))]), id="zero-column"),
        pytest.param(call("whiten", np.ones((4, 3))), id="all-columns-constant"),
        pytest.param(call("whiten", X[:1]), id="single-row"),
        pytest.param(call("whiten", np.ones(4)), id="1d-constant"),
        pytest.param(call("whiten", np.ones((4, 2)), check_finite=True), id="check_finite=True"),
    ],
)
def test_whiten_zero_std_warns_once(c):
    got = assert_same_warnings(c)
    assert got == [(RuntimeWarning, ZERO_STD)]


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(
            call("whiten", np.ones((4, 2)), check_finite=False),
            id="constant-check_finite=False",
        ),
        pytest.param(
            call("whiten", X[:1], check_finite=False), id="single-row-check_finite=False"
        ),
        pytest.param(call("whiten", X), id="no-zero-std"),
    ],
)
def test_whiten_no_zero_std_warning(c):
    assert assert_same_warnings(c) == []


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("whiten", EMPTY2), id="whiten-empty-0x2"),
        pytest.param(call("whiten", []), id="whiten-empty-list"),
        pytest.param(
            call("kmeans", EMPTY2, X[:2]), id="kmeans-empty-obs-with-guess", marks=NEEDS_118
        ),
    ],
)
def test_numpy_warnings_on_empty_input(c):
    """Empty input is no error; NumPy's RuntimeWarnings are the same as SciPy's."""
    got = assert_same_warnings(c)
    assert got and all(cat is RuntimeWarning for cat, _ in got)


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("py_vq", X, X[:2]), id="float"),
        pytest.param(call("py_vq", XI, XI[:2]), id="int"),
        pytest.param(call("py_vq", X1, X1[:2]), id="1d"),
        pytest.param(call("py_vq", X.astype(np.float16), X[:2].astype(np.float16)), id="float16"),
    ],
)
@NEEDS_118
def test_py_vq_deprecation_warning(c):
    """One DeprecationWarning per call: SciPy's text with ``scipy.cluster.vq``
    replaced by ``vqkit``."""
    with recorded_warnings() as caught:
        c(scipy_vq)
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, py_vq_deprecation("scipy.cluster.vq"))
    ]
    got = assert_same_warnings(c)
    assert got == [(DeprecationWarning, py_vq_deprecation("vqkit"))]


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("vq", XI, XI[:2]), id="int-int"),
        pytest.param(call("vq", XI[:, 0], XI[:2, 0]), id="int-1d"),
        pytest.param(call("vq", XI > 2, XI[:2] > 2), id="bool-bool"),
        pytest.param(call("vq", XI, X[:2]), id="int-float"),
        pytest.param(call("vq", X, X[:2]), id="float-float"),
    ],
)
def test_vq_does_not_warn(c):
    """``vq`` reaches the py_vq code without its DeprecationWarning (SciPy #25281)."""
    got = assert_same_warnings(c)
    assert only(got, DeprecationWarning) == []
    assert got == []


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("kmeans2", X, 2.5, minit="points", rng=0), id="k=2.5-points"),
        pytest.param(call("kmeans2", X1, 2.5, minit="points", rng=0), id="k=2.5-points-1d"),
        pytest.param(
            call("kmeans2", X, np.float64(3.7), minit="points", seed=1),
            id="k=np.float64(3.7)-points",
        ),
    ],
)
def test_kmeans2_k_not_integer_warns(c):
    got = assert_same_warnings(c)
    assert only(got, UserWarning) == [K_CONVERTED]


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("kmeans2", X, 2.0, minit="points", rng=0), id="k=2.0"),
        pytest.param(call("kmeans2", X, np.int64(2), minit="points", rng=0), id="k=np.int64(2)"),
    ],
)
def test_kmeans2_integral_k_does_not_warn(c):
    assert assert_same_warnings(c) == []


@pytest.mark.parametrize(
    "c, expected_count",
    [
        # the far code is empty in every iteration: one warning per iteration
        pytest.param(call("kmeans2", X, FAR_BOOK, iter=1), 1, id="far-code-iter=1"),
        pytest.param(call("kmeans2", X, FAR_BOOK, iter=3), 3, id="far-code-iter=3"),
        pytest.param(call("kmeans2", X, FAR_BOOK), 10, id="far-code-default-iter"),
        pytest.param(call("kmeans2", X1, np.array([1.0, 100.0]), iter=4), 4, id="far-code-1d"),
        pytest.param(
            call("kmeans2", X, FAR_BOOK, iter=5, minit="matrix", missing="warn"),
            5,
            id="explicit-warn",
        ),
        # duplicate codes: the second is empty in the first iteration only, so
        # one warning however many iterations run
        pytest.param(call("kmeans2", X, X[[0, 0]], iter=1), 1, id="duplicate-codes-iter=1"),
        pytest.param(call("kmeans2", X, X[[0, 0]], iter=2), 1, id="duplicate-codes-iter=2"),
        pytest.param(call("kmeans2", X, X[[0, 0]]), 1, id="duplicate-codes-default-iter"),
        # counts that depend on the random initialisation: compared with SciPy
        pytest.param(call("kmeans2", X[:2], 2, minit="random"), None, id="random-init-global-rng"),
        pytest.param(
            call("kmeans2", X[:2], 2, minit="random", rng=1),
            None,
            id="random-init-rng=1",
        ),
        pytest.param(call("kmeans2", X, 4, minit="random", seed=3), None, id="random-init-seed=3"),
        pytest.param(
            call("kmeans2", np.r_[X, X, X], 6, minit="++", rng=5),
            None,
            id="kpp-repeated-rows",
        ),
        pytest.param(
            call("kmeans2", X[[0, 0, 0, 3, 3]], 4, minit="points"),
            None,
            id="points-global-rng",
        ),
    ],
)
def test_kmeans2_empty_cluster_warnings(c, expected_count):
    """One UserWarning per iteration that had an empty cluster, as in SciPy."""
    got = assert_same_warnings(c)
    empty = only(got, UserWarning)
    assert all(text == EMPTY_CLUSTER for text in empty)
    if expected_count is not None:
        assert len(empty) == expected_count


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(call("kmeans", X, 2.0, rng=0), id="kmeans-k=2.0"),
        pytest.param(call("kmeans", X, np.int64(2), rng=0), id="kmeans-k=np.int64"),
        pytest.param(call("kmeans", X, X[:2], seed="abc"), id="kmeans-guess-ignores-bad-seed"),
        pytest.param(call("kmeans", X, X[:2], iter=1.5), id="kmeans-guess-ignores-iter=1.5"),
        pytest.param(
            call("kmeans", X, X[:2], thresh=np.inf),
            id="kmeans-thresh=inf",
            marks=NEEDS_118,
        ),
        pytest.param(call("kmeans", X1, X1[:2], thresh=1e16), id="kmeans-thresh=1e16"),
        pytest.param(call("kmeans2", X, X[:2], minit="foo"), id="kmeans2-k-array-ignores-minit"),
        pytest.param(call("kmeans2", X, X[:2], seed="abc"), id="kmeans2-k-array-ignores-bad-seed"),
        pytest.param(
            call("kmeans2", X1, np.array([3.0]), minit="matrix"),
            id="kmeans2-size-1-matrix",
        ),
        pytest.param(call("vq", X.astype(np.float16), X[:2]), id="vq-float16-with-float64"),
        pytest.param(call("vq", np.float64(3.0), X1[:2]), id="vq-0d-float"),
    ],
)
def test_accepted_edge_cases(c):
    """Edge cases SciPy accepts: vqkit must not raise, and warns alike."""
    assert_same_warnings(c)


# --------------------------------------------------------------------------
# deliberate differences: SciPy hangs, crashes or returns garbage here, vqkit
# raises a ValueError that says what is wrong.  SciPy is NOT called.

NON_FINITE = r"NaN|inf"


@pytest.mark.parametrize(
    "thresh", [-1, -1e-9, -np.inf, np.nan], ids=["-1", "-1e-9", "-inf", "nan"]
)
@pytest.mark.parametrize("k_or_guess", [2, X[:2]], ids=["scalar-k", "guess"])
def test_kmeans_rejects_negative_or_nan_thresh(k_or_guess, thresh):
    # SciPy loops forever for thresh < 0: never call it here.
    with pytest.raises(ValueError, match="thresh") as info:
        vqkit.kmeans(X, k_or_guess, thresh=thresh, rng=0)
    assert "non-negative" in str(info.value)


@pytest.mark.parametrize("thresh", [0, 0.0, 1e-5, np.inf])
def test_kmeans_accepts_non_negative_thresh(thresh):
    book, _ = vqkit.kmeans(X, X[[0, 3]], thresh=thresh)
    assert book.shape == (2, 2)


NOT_CHECKED = [
    pytest.param(
        call("vq", with_value(X, (0, 0), np.nan), X[:2], check_finite=False),
        id="vq-nan-obs",
    ),
    pytest.param(
        call("vq", with_value(X, (0, 1), np.inf), X[:2], check_finite=False),
        id="vq-inf-obs",
    ),
    pytest.param(call("vq", X, np.full((2, 2), np.nan), check_finite=False), id="vq-nan-book"),
    pytest.param(
        call("vq", with_value(X1, 2, -np.inf), X1[:2], check_finite=False),
        id="vq-inf-1d",
    ),
    pytest.param(
        call(
            "vq",
            with_value(X, (0, 0), np.nan).astype(np.float32),
            X[:2].astype(np.float32),
            check_finite=False,
        ),
        id="vq-nan-float32",
    ),
    pytest.param(
        call(
            "vq",
            with_value(np.ones((4, 6)), (1, 4), np.nan),
            np.ones((2, 6)),
            check_finite=False,
        ),
        id="vq-nan-many-features",
    ),
    pytest.param(
        call("kmeans", with_value(X, (0, 0), np.nan), 2, check_finite=False, rng=0),
        id="kmeans-nan-obs",
    ),
    pytest.param(
        call("kmeans", with_value(X, (0, 0), np.inf), X[:2], check_finite=False),
        id="kmeans-inf-obs-guess",
    ),
    pytest.param(
        call("kmeans", X, np.full((2, 2), np.nan), check_finite=False),
        id="kmeans-nan-guess",
    ),
    pytest.param(
        call("kmeans2", with_value(X, (0, 0), np.nan), X[:2], check_finite=False),
        id="kmeans2-nan-data-matrix",
    ),
    pytest.param(
        call(
            "kmeans2",
            with_value(X, (2, 1), np.inf),
            2,
            minit="points",
            check_finite=False,
            rng=0,
        ),
        id="kmeans2-inf-data-points",
    ),
    pytest.param(
        call("kmeans2", X, np.full((2, 2), np.nan), check_finite=False),
        id="kmeans2-nan-k-array",
    ),
    pytest.param(
        call("kmeans2", X[:1], 2, minit="random", check_finite=False, rng=1),
        id="kmeans2-random-single-observation",
    ),
]


@pytest.mark.parametrize("c", NOT_CHECKED)
def test_non_finite_without_check_finite_raises(c):
    # SciPy returns garbage codes or writes out of bounds: never call it here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=NON_FINITE):
            c(vqkit)


@pytest.mark.parametrize(
    "obs, book",
    [
        pytest.param(X, EMPTY2, id="float-0x2"),
        pytest.param(X.astype(np.float32), EMPTY2.astype(np.float32), id="float32-0x2"),
        pytest.param(X1, np.empty(0), id="float-1d"),
        pytest.param(XI, np.empty((0, 2), int), id="int-0x2"),
    ],
)
def test_vq_rejects_empty_code_book(obs, book):
    # SciPy's compiled vq returns uninitialised codes here.
    with pytest.raises(ValueError, match="code book is empty"):
        vqkit.vq(obs, book)


def test_vq_empty_obs_with_empty_code_book_is_fine():
    code, dist = vqkit.vq(EMPTY2, EMPTY2)
    assert code.shape == dist.shape == (0,)


@pytest.mark.parametrize(
    "labels, k, bad",
    [
        pytest.param([0, 1, -1, 0, 1, 1], 2, -1, id="negative"),
        pytest.param([0, 1, 2, 0, 1, 1], 2, 2, id="equal-to-k"),
        pytest.param([0, 7, 1, 0, 1, 1], 3, 7, id="above-k"),
        pytest.param([0, 0, 0, 0, 0, 0], 0, 0, id="k=0"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cluster_sums_reject_out_of_range_labels(labels, k, bad, dtype):
    # SciPy's update_cluster_means writes out of bounds here.
    data = X.astype(dtype)
    labels = np.asarray(labels, dtype=np.int32)
    with pytest.raises(ValueError, match=rf"\blabel {bad}\b"):
        get_backend(data).cluster_sums(data, labels, k)


def test_cluster_sums_accept_labels_in_range():
    labels = np.array([0, 0, 0, 1, 1, 1], dtype=np.int32)
    sums, counts = get_backend(X).cluster_sums(X, labels, 3)
    np.testing.assert_allclose(
        sums[:2] / counts[:2, None], [X[:3].mean(axis=0), X[3:].mean(axis=0)]
    )
    assert counts.tolist() == [3, 3, 0]


@pytest.mark.parametrize("minit", ["random", "++", "points"])
def test_kmeans2_non_integer_k_is_converted_as_the_warning_says(minit):
    # SciPy warns "k was not an integer, was converted." and then, for
    # 'random' and '++', fails with a TypeError; vqkit converts.
    with pytest.warns(UserWarning, match=re.escape(K_CONVERTED)):
        centroids, labels = vqkit.kmeans2(X, 2.5, minit=minit, rng=0)
    assert centroids.shape == (2, 2)
    assert set(labels.tolist()) <= {0, 1}


@pytest.mark.parametrize("d", [6, 30])
def test_kmeans2_on_too_large_values_raises_without_runtime_warnings(d):
    # squares that overflow float64 (and, from 5 features, products that
    # overflow float32) end in the clear ValueError, with no NumPy warnings
    data = np.random.default_rng(d).normal(size=(300, d)) * 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="rescale the data"):
            vqkit.kmeans2(data, 8, iter=3, minit="points", rng=0)


def test_kmeans2_beyond_float32_range_matches_scipy():
    # values far beyond float32 but fine in float64: every row is compared in
    # float64, and the result is SciPy's
    data = np.random.default_rng(5).normal(size=(400, 30)) * 1e40
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cent_v, lab_v = vqkit.kmeans2(data, 12, iter=4, minit="points", rng=3)
    cent_s, lab_s = scipy_vq.kmeans2(data, 12, iter=4, minit="points", rng=3)
    np.testing.assert_array_equal(lab_v, lab_s)
    np.testing.assert_allclose(cent_v, cent_s, rtol=1e-12)
