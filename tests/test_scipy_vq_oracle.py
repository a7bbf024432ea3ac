"""vqkit's drop-in functions against SciPy, the oracle, on randomized inputs.

SciPy 1.18 recomputes ``kmeans``' distortion for the returned code book
(gh-24069); older SciPy reports the distortion of the last assignment, which
also changes which restart wins.  vqkit follows 1.18.  On older SciPy the
tests compare ``kmeans`` with ``kmeans_118`` below: SciPy 1.18's algorithm
written out over the installed SciPy's own ``vq`` and update primitives.
"""

import copy
import itertools

import numpy as np
import pytest
import scipy  # noqa: E402
import scipy.cluster.vq as scipy_vq
from numpy.testing import assert_allclose, assert_array_equal

import vqkit
from helpers import blobs

SCIPY_VERSION = tuple(int(p) for p in scipy.__version__.split(".")[:2])
SCIPY_118 = SCIPY_VERSION >= (1, 18)

try:  # where SciPy keeps its compiled update step
    from scipy.cluster.vq import _vq as scipy_compiled
except ImportError:  # SciPy < 1.18
    from scipy.cluster import _vq as scipy_compiled


def kmeans_118(obs, k_or_guess, iter=20, thresh=1e-5, **random):
    """SciPy 1.18's ``kmeans`` on any SciPy >= 1.15 (see the module docstring)."""
    if SCIPY_118:
        return scipy_vq.kmeans(obs, k_or_guess, iter, thresh, **random)
    rng, seed = random.get("rng"), random.get("seed")
    from scipy._lib._util import check_random_state

    def single(guess):
        book, diff, prev = guess, np.inf, [np.inf]
        while diff > thresh:
            codes, dist = scipy_vq.vq(obs, book, check_finite=False)
            prev.append(np.mean(dist, axis=-1))
            book, has = scipy_compiled.update_cluster_means(obs, codes, book.shape[0])
            book = book[has]
            diff = abs(prev[-2] - prev[-1])
        return book, np.mean(scipy_vq.vq(obs, book, check_finite=False)[1], axis=-1)

    guess = np.asarray(k_or_guess)
    if guess.size != 1:
        return single(guess)
    gen = check_random_state(np.random.default_rng(rng) if rng is not None else seed)
    best_book, best = None, np.inf
    for _ in range(iter):
        idx = gen.choice(obs.shape[0], size=int(guess), replace=False)
        book, dist = single(obs[idx])
        if dist < best:
            best_book, best = book, dist
    return best_book, best


# --------------------------------------------------------------------------
# how a test passes the same randomness to both libraries


def _seed_kwargs(kind, value):
    """Two independent but identical ``(kwargs)`` for SciPy and vqkit."""
    if kind == "seed-int":
        made = {"seed": value}
    elif kind == "rng-int":
        made = {"rng": value}
    elif kind == "rng-generator":
        made = {"rng": np.random.default_rng(value)}
    elif kind == "seed-generator":
        made = {"seed": np.random.default_rng(value)}
    elif kind == "seed-randomstate":
        made = {"seed": np.random.RandomState(value)}
    elif kind == "rng-randomstate":
        made = {"rng": np.random.RandomState(value)}
    else:
        raise AssertionError(kind)
    return copy.deepcopy(made), copy.deepcopy(made)


SEED_KINDS = [
    "seed-int",
    "rng-int",
    "rng-generator",
    "seed-generator",
    "seed-randomstate",
    "rng-randomstate",
    "global",
]


def run_both(fn_scipy, fn_vqkit, kind, value):
    """Call both with the same randomness; also check global-state use matches."""
    if kind == "global":
        np.random.seed(value)
        expected = fn_scipy({})
        after_scipy = np.random.get_state()[1].copy(), np.random.get_state()[2]
        np.random.seed(value)
        got = fn_vqkit({})
        after_vqkit = np.random.get_state()[1].copy(), np.random.get_state()[2]
        assert_array_equal(after_scipy[0], after_vqkit[0])
        assert after_scipy[1] == after_vqkit[1]
        return expected, got
    kw_scipy, kw_vqkit = _seed_kwargs(kind, value)
    return fn_scipy(kw_scipy), fn_vqkit(kw_vqkit)


def assert_same_floats(got, expected, dtype):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape
    if dtype == np.float32:
        assert_allclose(got, expected, rtol=2e-5, atol=2e-5)
    else:
        assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def make_data(n, d, k, seed, dtype):
    """Blobs; ``d == 0`` means 1-D data (one feature, no column axis)."""
    X = blobs(n, max(d, 1), k, seed=seed, dtype=dtype)
    return X[:, 0] if d == 0 else X


# shapes: d = 0 stands for 1-D data
SHAPES = [(60, 0), (80, 1), (150, 2), (120, 3), (90, 4), (100, 5), (70, 8), (60, 17), (40, 50)]


@pytest.mark.usefixtures("restore_global_rng")
@pytest.mark.parametrize("kind", SEED_KINDS)
@pytest.mark.parametrize("n,d", SHAPES, ids=[f"{n}x{d or '1d'}" for n, d in SHAPES])
def test_kmeans_random_restarts_match_scipy(n, d, kind):
    k = 3 + d % 3
    X = make_data(n, d, k, seed=n + d, dtype=np.float64)
    (book_s, dist_s), (book_v, dist_v) = run_both(
        lambda kw: kmeans_118(X, k, iter=5, **kw),
        lambda kw: vqkit.kmeans(X, k, iter=5, **kw),
        kind,
        1234 + d,
    )
    assert_same_floats(book_v, book_s, np.float64)
    assert type(dist_v) is type(dist_s)
    assert_allclose(dist_v, dist_s, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,d", SHAPES, ids=[f"{n}x{d or '1d'}" for n, d in SHAPES])
def test_kmeans_from_guess_matches_scipy(n, d, dtype):
    X = make_data(n, d, 4, seed=7 * n + d, dtype=dtype)
    guess = X[:4].copy()
    book_s, dist_s = kmeans_118(X, guess)
    book_v, dist_v = vqkit.kmeans(X, guess)
    assert_same_floats(book_v, book_s, dtype)
    assert type(dist_v) is type(dist_s)
    assert_allclose(dist_v, dist_s, rtol=2e-5 if dtype == np.float32 else 1e-10)


@pytest.mark.skipif(not SCIPY_118, reason="needs SciPy >= 1.18 as the oracle")
@pytest.mark.usefixtures("restore_global_rng")
@pytest.mark.parametrize("kind", ["global", "rng-int", "seed-randomstate"])
def test_kmeans_matches_installed_scipy_directly(kind):
    X = blobs(300, 6, 5, seed=3)
    (book_s, dist_s), (book_v, dist_v) = run_both(
        lambda kw: scipy_vq.kmeans(X, 5, **kw),
        lambda kw: vqkit.kmeans(X, 5, **kw),
        kind,
        99,
    )
    assert_same_floats(book_v, book_s, np.float64)
    assert dist_v == pytest.approx(dist_s, rel=1e-12)


def test_kmeans_distortion_is_mean_distance_of_returned_book():
    # gh-24069: the reported distortion describes the returned code book
    X = vqkit.whiten(blobs(53, 4, 3, seed=5))
    book, distortion = vqkit.kmeans(X, 3, iter=5, rng=np.random.default_rng(1))
    assert distortion == pytest.approx(np.mean(vqkit.vq(X, book)[1]), abs=1e-12)


MINITS = ["random", "points", "++"]


@pytest.mark.usefixtures("restore_global_rng")
@pytest.mark.filterwarnings("ignore:One of the clusters is empty")
@pytest.mark.parametrize("kind", SEED_KINDS)
@pytest.mark.parametrize("minit", MINITS)
@pytest.mark.parametrize("n,d", SHAPES, ids=[f"{n}x{d or '1d'}" for n, d in SHAPES])
def test_kmeans2_matches_scipy(n, d, minit, kind):
    k = 2 + (n + d) % 4
    X = make_data(n, d, k, seed=n * d + 1, dtype=np.float64)
    (cent_s, lab_s), (cent_v, lab_v) = run_both(
        lambda kw: scipy_vq.kmeans2(X, k, iter=7, minit=minit, **kw),
        lambda kw: vqkit.kmeans2(X, k, iter=7, minit=minit, **kw),
        kind,
        2024 + n,
    )
    assert_same_floats(cent_v, cent_s, np.float64)
    assert lab_v.dtype == lab_s.dtype == np.int32
    assert_array_equal(lab_v, lab_s)


@pytest.mark.filterwarnings("ignore:One of the clusters is empty")
@pytest.mark.parametrize("minit", MINITS + ["matrix"])
@pytest.mark.parametrize("n,d", [(200, 0), (300, 2), (150, 3), (200, 6), (60, 20)])
def test_kmeans2_float32_matches_scipy(n, d, minit):
    k = 4
    X = make_data(n, d, k, seed=n + 11 * d, dtype=np.float32)
    init = X[:k].copy() if minit == "matrix" else k
    cent_s, lab_s = scipy_vq.kmeans2(X, init, iter=5, minit=minit, rng=42)
    cent_v, lab_v = vqkit.kmeans2(X, init, iter=5, minit=minit, rng=42)
    assert_same_floats(cent_v, cent_s, np.float32)
    assert_array_equal(lab_v, lab_s)


@pytest.mark.filterwarnings("ignore:One of the clusters is empty")
@pytest.mark.parametrize("iters", [1, 2, 10])
@pytest.mark.parametrize("n,d", SHAPES, ids=[f"{n}x{d or '1d'}" for n, d in SHAPES])
def test_kmeans2_matrix_init_matches_scipy(n, d, iters):
    X = make_data(n, d, 5, seed=n + d + iters, dtype=np.float64)
    init = X[-5:].copy()
    cent_s, lab_s = scipy_vq.kmeans2(X, init, iter=iters, minit="matrix")
    cent_v, lab_v = vqkit.kmeans2(X, init, iter=iters, minit="matrix")
    assert_same_floats(cent_v, cent_s, np.float64)
    assert_array_equal(lab_v, lab_s)


def test_kmeans2_keeps_empty_cluster_centroid_like_scipy():
    X = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5]])
    init = np.array([[0.0, 0], [5, 5], [100, 100]])
    with pytest.warns(UserWarning, match="One of the clusters is empty"):
        cent_s, lab_s = scipy_vq.kmeans2(X, init, iter=3, minit="matrix")
    with pytest.warns(UserWarning, match="One of the clusters is empty"):
        cent_v, lab_v = vqkit.kmeans2(X, init, iter=3, minit="matrix")
    assert_array_equal(cent_v, cent_s)
    assert_array_equal(cent_v[2], [100, 100])
    assert_array_equal(lab_v, lab_s)


@pytest.mark.parametrize(
    "obs_dtype,book_dtype",
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.float32, np.float64),
        (np.int64, np.float64),
        (np.int64, np.int64),
        (np.int32, np.int32),
        (np.bool_, np.bool_),
        (np.float16, np.float64),
    ],
)
@pytest.mark.parametrize("d", [0, 1, 3, 4, 5, 9, 33])
def test_vq_matches_scipy(d, obs_dtype, book_dtype):
    rng = np.random.default_rng(d)
    shape = (97,) if d == 0 else (97, d)
    obs = (rng.normal(size=shape) * 10).astype(obs_dtype)
    book = (rng.normal(size=(6,) + shape[1:]) * 10).astype(book_dtype)
    code_s, dist_s = scipy_vq.vq(obs, book)
    code_v, dist_v = vqkit.vq(obs, book)
    assert code_v.dtype == code_s.dtype
    assert_array_equal(code_v, code_s)
    assert dist_v.dtype == dist_s.dtype
    rtol = 1e-5 if dist_s.dtype == np.float32 else 1e-12
    assert_allclose(dist_v, dist_s, rtol=rtol, atol=1e-6)


def test_vq_docstring_example():
    features = np.array([[1.9, 2.3, 1.7], [1.5, 2.5, 2.2], [0.8, 0.6, 1.7]])
    code, dist = vqkit.vq(features, [[1, 1, 1], [2, 2, 2]])
    assert_array_equal(code, [1, 1, 0])
    assert code.dtype == np.int32
    assert_allclose(dist, [0.43588989, 0.73484692, 0.83066239], rtol=1e-7)


@pytest.mark.parametrize(
    "data",
    [
        np.arange(12.0).reshape(4, 3) ** 1.5,
        np.array([[1, 2], [3, 5], [4, 4]]),
        np.array([[1, 2], [3, 5], [4, 4]], dtype=np.float32),
        np.array([[1.0, 7], [1, 3], [1, 2]]),  # a constant column
        np.array([3.0, 4, 8, 10]),
        np.array([[2.0, 3.0]]),
        np.array([True, False, True]),
    ],
    ids=["f64", "int", "f32", "zero-std", "1d", "one-row", "bool"],
)
def test_whiten_matches_scipy(data):
    got, warned_v = recorded(vqkit.whiten, data)
    expected, warned_s = recorded(scipy_vq.whiten, data)
    assert got.dtype == expected.dtype
    assert_allclose(got, expected, rtol=1e-12)
    assert warned_v == warned_s


def recorded(fn, *args, **kwargs):
    """``fn``'s result and the (category, message) of every warning it gave."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def test_whiten_docstring_example():
    features = np.array([[1.9, 2.3, 1.7], [1.5, 2.5, 2.2], [0.8, 0.6, 1.7]])
    assert_allclose(
        vqkit.whiten(features),
        [
            [4.17944278, 2.69811351, 7.21248917],
            [3.29956009, 2.93273208, 9.33380951],
            [1.75976538, 0.7038557, 7.21248917],
        ],
        rtol=1e-8,
    )


def test_whiten_does_not_centre():
    assert_array_equal(
        vqkit.whiten([[10.0, 1], [12, 3]]) * 1.0, scipy_vq.whiten([[10.0, 1], [12, 3]])
    )


# --------------------------------------------------------------------------
# SciPy's own regression checks (its test_vq.py cases), on vqkit

X_UPSTREAM = np.array(
    [[3.0, 3], [4, 3], [4, 2], [9, 2], [5, 1], [6, 2], [9, 4], [5, 2], [5, 4], [7, 4], [6, 5]]
)
CODET1 = np.array([[3.0, 3.0], [6.2, 4.0], [5.8, 1.8]])
CODET2 = np.array([[11.0 / 3, 8.0 / 3], [6.75, 4.25], [6.25, 1.75]])
LABEL1 = np.array([0, 1, 2, 2, 2, 2, 1, 2, 1, 1, 1])


def test_upstream_vq_labels():
    assert_array_equal(vqkit.vq(X_UPSTREAM, X_UPSTREAM[:3])[0], LABEL1)
    assert_array_equal(
        vqkit.vq(X_UPSTREAM.astype(np.int64), X_UPSTREAM[:3].astype(np.int64))[0], LABEL1
    )


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_upstream_matrix_input():
    m = np.matrix(X_UPSTREAM)
    assert_array_equal(vqkit.vq(m, m[:3])[0], LABEL1)
    assert_allclose(vqkit.kmeans(m, m[:3], iter=1)[0], CODET2)
    assert_allclose(vqkit.kmeans2(m, m[:3], iter=1)[0], CODET1)


def test_upstream_kmeans_and_kmeans2_simple():
    assert_allclose(
        vqkit.kmeans(X_UPSTREAM, X_UPSTREAM[:3], iter=1, rng=np.random.default_rng(0))[0], CODET2
    )
    book, dist = vqkit.kmeans(X_UPSTREAM, X_UPSTREAM[:3])
    assert_allclose(book, CODET2)
    assert dist == pytest.approx(1.2050299820603927, rel=1e-14)
    assert_allclose(vqkit.kmeans2(X_UPSTREAM, X_UPSTREAM[:3], iter=1)[0], CODET1)
    assert_allclose(vqkit.kmeans2(X_UPSTREAM, X_UPSTREAM[:3], iter=2)[0], CODET2)


def test_upstream_kmeans2_labels_come_before_the_last_update():
    _, labels = vqkit.kmeans2(X_UPSTREAM, X_UPSTREAM[:3], iter=1)
    assert_array_equal(labels, LABEL1)


def test_upstream_large_thresh_and_diff_convergence():
    book, dist = vqkit.kmeans(np.array([1.0, 2, 3, 4, 10]), 1, thresh=1e16)
    assert_allclose(book, [4.0])
    assert dist.dtype == np.float64 and dist.ndim == 0
    assert dist == pytest.approx(2.4)
    book, dist = vqkit.kmeans(np.array([-3.0, -1, 0, 1, 1, 8]), np.array([-3.0, 0.99]))
    assert_allclose(book, [-0.4, 8.0])
    assert dist == pytest.approx(1.0666666666666667, rel=1e-14)


def test_upstream_kmeans_1d_guess():
    book, dist = vqkit.kmeans([1.0, 2, 3, 4, 10], [1.0, 10.0])
    assert_allclose(book, [2.5, 10.0])
    assert dist == pytest.approx(0.8)


def test_upstream_kmeans_drops_lost_clusters():
    X = blobs(200, 2, 2, seed=1)
    init = np.array([[0.0, 0.0], [100.0, 100.0], [-100.0, 50.0]])
    book, _ = vqkit.kmeans(X, init)
    assert book.shape == (1, 2)
    book, _ = vqkit.kmeans(X_UPSTREAM, [[3.0, 3], [3, 3]])
    assert book.shape == (1, 2)


def test_upstream_kpp_low_dim_exact_centroids():
    rng = np.random.default_rng(2358792345678234568)
    data = rng.normal(size=(200, 2)) + np.array([[-2.0, 2.0]])  # stand-in data
    expected, _ = scipy_vq.kmeans2(
        data, 2, minit="++", rng=np.random.default_rng(2358792345678234568)
    )
    got, _ = vqkit.kmeans2(data, 2, minit="++", rng=np.random.default_rng(2358792345678234568))
    assert_allclose(got, expected, rtol=1e-12)


def test_upstream_kpp_high_dim_signs():
    rng = np.random.default_rng(23587923456834568)
    data = np.vstack([rng.normal(-5, 1, (10, 100)), rng.normal(5, 1, (10, 100))])
    centroids, _ = vqkit.kmeans2(data, 2, minit="++", rng=rng)
    assert sorted(np.sign(centroids).mean(axis=1).round().tolist()) == [-1.0, 1.0]


def test_upstream_krandinit_covariance():
    from vqkit.backends import get_backend
    from vqkit.core.seeding import gaussian_init

    for data in (blobs(200, 2, 3, seed=4), np.random.default_rng(3).normal(size=(10, 20))):
        draws = gaussian_init(data, 1_000_000, np.random.default_rng(1234), get_backend(data))
        cov = np.cov(data.T)
        assert_allclose(np.cov(draws.T), cov, atol=1.1e-2 * np.abs(cov).max())


@pytest.mark.parametrize("seed_value", [1234, "RandomState", "Generator"])
def test_upstream_repeatable_with_each_seed_type(seed_value):
    X = blobs(100, 3, 3, seed=8)

    def make():
        if seed_value == "RandomState":
            return np.random.RandomState(1234)
        if seed_value == "Generator":
            return np.random.default_rng(1234)
        return seed_value

    first = vqkit.kmeans(X, 2, seed=make())
    second = vqkit.kmeans(X, 2, seed=make())
    assert_array_equal(first[0], second[0])
    for minit in MINITS:
        a = vqkit.kmeans2(X, 2, minit=minit, seed=make())
        b = vqkit.kmeans2(X, 2, minit=minit, seed=make())
        assert_array_equal(a[0], b[0])
        assert_array_equal(a[1], b[1])


def test_positional_arguments_like_scipy():
    X = blobs(50, 2, 3, seed=2)
    got = vqkit.kmeans2(X, X[:3], 5, 1e-3, "matrix", "raise", False)
    expected = scipy_vq.kmeans2(X, X[:3], 5, 1e-3, "matrix", "raise", False)
    assert_array_equal(got[0], expected[0])


def test_signatures_match_scipy():
    import inspect

    for name in ["whiten", "vq", "kmeans", "kmeans2"]:
        assert inspect.signature(getattr(vqkit, name)) == inspect.signature(
            getattr(scipy_vq, name)
        ), name
    assert str(inspect.signature(vqkit.py_vq)) == str(inspect.signature(scipy_vq.py_vq))


@pytest.mark.parametrize("case", list(itertools.product([1, 2, 5], [0, 3])))
def test_kmeans_k_larger_book_than_data_is_fine(case):
    rows, extra = case
    X = blobs(rows, 2, 1, seed=rows)
    guess = np.vstack([X, X[:1] + 50 + np.arange(extra)[:, None]]) if extra else X
    got = vqkit.kmeans(X, guess)
    expected = kmeans_118(X, guess)
    assert_same_floats(got[0], expected[0], np.float64)
