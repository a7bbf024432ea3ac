"""The Array API backend (PyTorch on the CPU, array-api-strict, NumPy through
``array_api_compat``) against the NumPy path: same labels and centres from
the same start, same seedings from the same seed, results in the input's
library, bounded chunk memory."""

import os
import subprocess
import sys
import textwrap
import warnings

import array_api_strict
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs
from vqkit import ClusterError, KMeans, kmeans, kmeans2, vq, whiten
from vqkit.backends import array_api, array_kind, get_backend
from vqkit.backends.array_api import ArrayAPIBackend, chunk_rows, to_numpy
from vqkit.backends.cpu import CPUBackend
from vqkit.core.lloyd import lloyd
from vqkit.core.seeding import greedy_kmeans_plusplus, kmeans_parallel, weighted_random_rows

CPU = CPUBackend()


def _strict():
    return array_api_strict.asarray


def _torch():
    torch = pytest.importorskip("torch")
    return torch.asarray


# the libraries whose arrays go through the estimator and the SciPy-style
# functions (NumPy through the Array API backend is tested on the core)
LIBRARIES = {"array_api_strict": _strict, "torch": _torch}


@pytest.fixture(params=sorted(LIBRARIES))
def to_lib(request):
    return LIBRARIES[request.param]()


@pytest.fixture(params=["numpy", "array_api_strict", "torch"])
def lib_backend(request):
    """``(convert, backend)``: host arrays to the library, and its backend."""
    if request.param == "numpy":
        import array_api_compat.numpy as xnp

        return (lambda a: a), ArrayAPIBackend(xnp)
    convert = LIBRARIES[request.param]()
    return convert, get_backend(convert(np.zeros((1, 1))))


def same_library(a, b):
    return type(a) is type(b)


# ----------------------------------------------------------------------------
# recognising arrays


def test_get_backend_recognises_array_api_arrays(to_lib):
    X = to_lib(np.zeros((3, 2)))
    assert array_kind(X) == "array_api"
    assert isinstance(get_backend(X), ArrayAPIBackend)
    assert array_kind(np.zeros((3, 2))) == "numpy"
    assert isinstance(get_backend(np.zeros((3, 2))), CPUBackend)


def test_numpy_path_imports_no_array_library():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import vqkit
        from vqkit.backends import get_backend
        get_backend(np.zeros((2, 2)))
        vqkit.KMeans(2, n_init=1, random_state=0).fit(np.arange(8.0).reshape(4, 2))
        bad = [m for m in ("torch", "cupy", "array_api_compat", "array_api_strict")
               if m in sys.modules]
        print(",".join(bad))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ----------------------------------------------------------------------------
# chunk memory


@pytest.mark.parametrize(
    "n,width,itemsize,budget,expected",
    [
        (10, 4, 4, 1 << 20, 10),  # everything fits: all rows
        (10**9, 1024, 4, 1 << 20, 256),  # 256 rows x 1024 floats x 4 B = 1 MiB
        (10**9, 10**9, 8, 1 << 20, 1),  # wider than the budget: one row at a time
        (5, 1, 8, 1, 1),
    ],
)
def test_chunk_rows(n, width, itemsize, budget, expected):
    rows = chunk_rows(n, width, itemsize, budget)
    assert rows == expected
    assert rows >= 1 and rows <= n
    if rows > 1:
        assert rows * width * itemsize <= budget


def test_small_budgets_change_nothing(lib_backend):
    convert, backend = lib_backend
    X = blobs(777, 6, 5, seed=3)
    C = X[:9].copy()
    labels, d2 = backend.assign(convert(X), convert(C), convert(X.mean(0)))
    sums, wsums = backend.cluster_sums(convert(X), labels, 9)
    # budgets of a few rows force many chunks of every temporary
    with array_api.options(assign_bytes=8 * 9 * 40, update_bytes=8 * 20 * 8):
        small_labels, small_d2 = backend.assign(convert(X), convert(C), convert(X.mean(0)))
        small_sums, small_wsums = backend.cluster_sums(convert(X), small_labels, 9)
    assert_array_equal(to_numpy(small_labels), to_numpy(labels))
    assert_allclose(to_numpy(small_d2), to_numpy(d2), rtol=1e-12, atol=1e-12)
    assert_allclose(to_numpy(small_sums), to_numpy(sums), rtol=1e-12)
    assert_array_equal(to_numpy(small_wsums), to_numpy(wsums))


@pytest.mark.parametrize("opts", [{"portable": True}, {"update": "onehot"}, {"update": "scatter"}])
def test_update_paths_agree(lib_backend, opts):
    convert, backend = lib_backend
    X = blobs(1000, 5, 6, seed=26)
    labels = np.random.default_rng(3).integers(0, 6, size=1000).astype(np.int32)
    w = np.random.default_rng(4).uniform(0, 2, size=1000)
    ref_sums, ref_wsums = CPU.cluster_sums(X, labels, 6, w)
    with array_api.options(**opts):
        sums, wsums = backend.cluster_sums(
            convert(X), backend.asarray(labels, convert(X)), 6, convert(w)
        )
    assert_allclose(to_numpy(sums), ref_sums, rtol=1e-12)
    assert_allclose(to_numpy(wsums), ref_wsums, rtol=1e-12)


def test_configure_rejects_unknown_values():
    with pytest.raises(ValueError, match="unknown option"):
        array_api.configure(colour="red")
    with pytest.raises(ValueError, match="precision"):
        array_api.configure(precision="fp8")
    with pytest.raises(ValueError, match="assign_bytes"):
        array_api.configure(assign_bytes=0)
    with pytest.raises(ValueError, match="update"):
        array_api.configure(update="sorted")
    previous = array_api.configure(precision="tf32")
    assert array_api.configure(**previous) == {"precision": "tf32"}


# ----------------------------------------------------------------------------
# the core on the backend: same run as the NumPy path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lloyd_from_same_start_matches_numpy(lib_backend, dtype):
    convert, backend = lib_backend
    X = blobs(2500, 8, 6, seed=4, dtype=dtype)
    start = X[[0, 50, 100, 150, 200, 250, 300]].copy()
    origin = X.astype(np.float64).mean(0)
    ref = lloyd(
        X,
        start,
        backend=CPU,
        max_iter=20,
        stop_when_stable=True,
        origin=origin,
        final_assignment=True,
    )
    run = lloyd(
        convert(X),
        convert(start),
        backend=backend,
        max_iter=20,
        stop_when_stable=True,
        origin=convert(origin),
        final_assignment=True,
    )
    assert same_library(run.labels, convert(X)) and same_library(run.centers, convert(X))
    assert run.n_iter == ref.n_iter
    assert_array_equal(to_numpy(run.labels), ref.labels)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(to_numpy(run.centers), ref.centers, rtol=rtol, atol=rtol)
    assert run.inertia == pytest.approx(ref.inertia, rel=rtol)


@pytest.mark.parametrize("store", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_greedy_kmeans_plusplus_same_seed_same_centres(lib_backend, weighted, store, monkeypatch):
    convert, backend = lib_backend
    if not store:  # the chosen centre's distances computed again, not kept
        monkeypatch.setattr(array_api, "SEEDING_STORE_BYTES", 0)
    X = blobs(1500, 5, 12, seed=2)
    w = np.random.default_rng(1).uniform(0.1, 4, size=1500) if weighted else None
    ref = greedy_kmeans_plusplus(X, 12, np.random.RandomState(7), CPU, w)
    got = greedy_kmeans_plusplus(convert(X), 12, np.random.RandomState(7), backend, w)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    assert_array_equal(got, ref)


def test_random_rows_same_seed_same_centres(lib_backend):
    convert, backend = lib_backend
    X = blobs(400, 3, 5, seed=6)
    w = np.arange(1.0, 401.0)
    ref = weighted_random_rows(X, 9, np.random.RandomState(3), CPU, w)
    got = weighted_random_rows(convert(X), 9, np.random.RandomState(3), backend, w)
    assert_array_equal(got, ref)


def test_kmeans_parallel_matches_numpy(lib_backend):
    convert, backend = lib_backend
    X = blobs(3000, 4, 10, seed=8)
    origin = X.mean(0)
    ref = kmeans_parallel(X, 10, np.random.RandomState(5), CPU, origin=origin)
    got = kmeans_parallel(
        convert(X), 10, np.random.RandomState(5), backend, origin=convert(origin)
    )
    assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------
# the estimator


@pytest.mark.parametrize("init", ["k-means++", "random", "k-means||", "array"])
def test_kmeans_matches_numpy(to_lib, init):
    X = blobs(2000, 6, 7, seed=11)
    start = X[:7].copy() if init == "array" else init
    ref = KMeans(7, init=start, n_init=2 if init == "random" else 1, random_state=3).fit(X)
    km = KMeans(
        7,
        init=to_lib(start) if init == "array" else start,
        n_init=2 if init == "random" else 1,
        random_state=3,
    ).fit(to_lib(X))
    assert same_library(km.labels_, to_lib(X))
    assert same_library(km.cluster_centers_, to_lib(X))
    assert to_numpy(km.labels_).dtype == np.int32
    assert_array_equal(to_numpy(km.labels_), ref.labels_)
    assert_allclose(to_numpy(km.cluster_centers_), ref.cluster_centers_, rtol=1e-12)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-12)
    assert km.n_iter_ == ref.n_iter_


def test_sample_weight_matches_numpy(to_lib):
    X = blobs(1500, 4, 5, seed=12)
    w = np.random.default_rng(2).uniform(0, 5, size=1500)
    ref = KMeans(5, random_state=0).fit(X, sample_weight=w)
    for weights in (w, to_lib(w)):
        km = KMeans(5, random_state=0).fit(to_lib(X), sample_weight=weights)
        assert_array_equal(to_numpy(km.labels_), ref.labels_)
        assert_allclose(to_numpy(km.cluster_centers_), ref.cluster_centers_, rtol=1e-12)
        assert km.score(to_lib(X), sample_weight=weights) == pytest.approx(
            ref.score(X, sample_weight=w), rel=1e-12
        )


def test_cosine_matches_numpy(to_lib):
    X = blobs(1200, 5, 4, seed=13) + 0.5
    ref = KMeans(4, metric="cosine", random_state=1).fit(X)
    km = KMeans(4, metric="cosine", random_state=1).fit(to_lib(X))
    assert_array_equal(to_numpy(km.labels_), ref.labels_)
    assert_allclose(to_numpy(km.cluster_centers_), ref.cluster_centers_, rtol=1e-12)
    assert_allclose(np.linalg.norm(to_numpy(km.cluster_centers_), axis=1), 1.0)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-10)
    assert_allclose(to_numpy(km.transform(to_lib(X))), ref.transform(X), rtol=1e-9, atol=1e-12)


def test_float32_is_kept_and_labels_match(to_lib):
    X = blobs(3000, 16, 8, seed=14, dtype=np.float32)
    ref = KMeans(8, random_state=2).fit(X)
    km = KMeans(8, random_state=2).fit(to_lib(X))
    centers = to_numpy(km.cluster_centers_)
    assert centers.dtype == np.float32
    assert_array_equal(to_numpy(km.labels_), ref.labels_)
    assert_allclose(centers, ref.cluster_centers_, rtol=1e-5, atol=1e-5)


def test_fitted_model_methods_return_the_input_library(to_lib):
    X = blobs(600, 3, 4, seed=15)
    km = KMeans(4, random_state=0).fit(to_lib(X))
    ref = KMeans(4, random_state=0).fit(X)
    new = blobs(50, 3, 4, seed=16)
    labels = km.predict(to_lib(new))
    assert same_library(labels, to_lib(new))
    assert_array_equal(to_numpy(labels), ref.predict(new))
    distances = km.transform(to_lib(new))
    assert same_library(distances, to_lib(new))
    assert_allclose(to_numpy(distances), ref.transform(new), rtol=1e-9)
    assert km.score(to_lib(new)) == pytest.approx(ref.score(new), rel=1e-12)
    fitted = KMeans(4, random_state=0).fit_predict(to_lib(X))
    assert same_library(fitted, to_lib(X))
    assert_array_equal(to_numpy(fitted), ref.labels_)
    # a model fitted on NumPy predicts other libraries' arrays in their library
    assert same_library(ref.predict(to_lib(new)), to_lib(new))
    assert_array_equal(to_numpy(ref.predict(to_lib(new))), ref.predict(new))


def test_save_and_load_a_model_fitted_on_another_library(to_lib, tmp_path):
    X = blobs(300, 3, 3, seed=24)
    km = KMeans(3, init=to_lib(X[:3]), random_state=0).fit(to_lib(X))
    path = km.save(tmp_path / "model.npz")
    loaded = KMeans.load(path)
    assert isinstance(loaded.cluster_centers_, np.ndarray)
    assert_array_equal(loaded.cluster_centers_, to_numpy(km.cluster_centers_))
    assert_array_equal(loaded.labels_, to_numpy(km.labels_))
    assert same_library(loaded.predict(to_lib(X)), to_lib(X))


def test_other_estimators_take_such_arrays_through_numpy(to_lib):
    """MiniBatchKMeans and BisectingKMeans compute on the host; their
    results come back in the input's library, equal to NumPy's."""
    from vqkit import BisectingKMeans, MiniBatchKMeans

    X = blobs(400, 2, 3, seed=25)
    for estimator in (MiniBatchKMeans, BisectingKMeans):
        got = estimator(3, random_state=0, n_init=1).fit(to_lib(X))
        ref = estimator(3, random_state=0, n_init=1).fit(X)
        for value in (got.cluster_centers_, got.labels_, got.predict(to_lib(X))):
            assert same_library(value, to_lib(X))
        assert_array_equal(to_numpy(got.cluster_centers_), ref.cluster_centers_)
        assert_array_equal(to_numpy(got.labels_), ref.labels_)
        assert_allclose(to_numpy(got.transform(to_lib(X))), ref.transform(X), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Number of distinct clusters")  # expected with "keep"
@pytest.mark.parametrize("policy", ["keep", "relocate"])
def test_empty_clusters_match_numpy(to_lib, policy):
    X = blobs(800, 2, 3, seed=17)
    start = np.vstack([X[:3], [[1e3, 1e3]]])  # the far centre gets no rows
    ref = KMeans(4, init=start, empty_clusters=policy, max_iter=5).fit(X)
    km = KMeans(4, init=to_lib(start), empty_clusters=policy, max_iter=5).fit(to_lib(X))
    assert_array_equal(to_numpy(km.labels_), ref.labels_)
    assert_allclose(to_numpy(km.cluster_centers_), ref.cluster_centers_, rtol=1e-12)
    if policy == "keep":
        assert_array_equal(to_numpy(km.cluster_centers_)[3], [1e3, 1e3])
    with pytest.raises(ClusterError):
        KMeans(4, init=to_lib(start), empty_clusters="raise").fit(to_lib(X))


def test_invalid_input_is_rejected(to_lib):
    X = blobs(20, 2, 2, seed=18)
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeans(2).fit(to_lib(X))
    with pytest.raises(TypeError, match="manhattan"):
        KMeans(2, metric="manhattan").fit(to_lib(np.ones((5, 2))))
    with pytest.raises(ValueError, match="2D"):
        KMeans(2).fit(to_lib(np.ones(5)))


def test_integer_input_becomes_float64_on_the_cpu(to_lib):
    X = np.repeat(np.arange(10), 3).reshape(-1, 3)
    km = KMeans(2, random_state=0).fit(to_lib(X))
    assert to_numpy(km.cluster_centers_).dtype == np.float64


# ----------------------------------------------------------------------------
# the SciPy-style functions


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vq_matches_numpy(to_lib, dtype):
    X = blobs(700, 6, 5, seed=19, dtype=dtype)
    book = X[:5].copy()
    codes, dist = vq(to_lib(X), to_lib(book))
    ref_codes, ref_dist = vq(X, book)
    assert same_library(codes, to_lib(X)) and same_library(dist, to_lib(X))
    assert to_numpy(codes).dtype == np.int32 and to_numpy(dist).dtype == dtype
    assert_array_equal(to_numpy(codes), ref_codes)
    # float32 expanded distances of rows on a code: sqrt of a rounding error
    tol = 1e-2 if dtype == np.float32 else 1e-6
    assert_allclose(to_numpy(dist), ref_dist, rtol=tol, atol=tol)
    # a NumPy code book with arrays of another library, and 1-D data
    codes1, _ = vq(to_lib(X[:, 0]), book[:, 0])
    assert_array_equal(to_numpy(codes1), vq(X[:, 0], book[:, 0])[0])


def test_vq_checks_like_scipy(to_lib):
    with pytest.raises(ValueError, match="infs or NaNs"):
        vq(to_lib(np.array([[np.inf, 1.0]])), to_lib(np.ones((1, 2))))
    with pytest.raises(ValueError, match="same number of features"):
        vq(to_lib(np.ones((3, 2))), to_lib(np.ones((2, 3))))


@pytest.mark.parametrize("minit", ["points", "++", "random", "matrix"])
def test_kmeans2_matches_numpy(to_lib, minit):
    X = blobs(900, 3, 4, seed=20)
    k = X[:4].copy() if minit == "matrix" else 4
    ref_c, ref_l = kmeans2(X, k, minit=minit, seed=5)
    c, labels = kmeans2(to_lib(X), to_lib(k) if minit == "matrix" else k, minit=minit, seed=5)
    assert same_library(c, to_lib(X)) and same_library(labels, to_lib(X))
    assert_array_equal(to_numpy(labels), ref_l)
    assert_allclose(to_numpy(c), ref_c, rtol=1e-10, atol=1e-12)


def test_kmeans2_empty_cluster_warns_or_raises(to_lib):
    X = blobs(100, 2, 2, seed=21)
    book = np.vstack([X[:2], [[500.0, 500.0]]])
    with pytest.warns(UserWarning, match="One of the clusters is empty"):
        c, _ = kmeans2(to_lib(X), to_lib(book), iter=2, minit="matrix")
    assert_array_equal(to_numpy(c)[2], [500.0, 500.0])
    with pytest.raises(ClusterError):
        kmeans2(to_lib(X), to_lib(book), iter=2, minit="matrix", missing="raise")


def test_whiten_matches_numpy(to_lib):
    X = blobs(100, 3, 2, seed=22)
    X[:, 2] = 1.0
    with pytest.warns(RuntimeWarning, match="standard deviation zero"):
        got = whiten(to_lib(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = whiten(X)
    assert same_library(got, to_lib(X))
    assert_allclose(to_numpy(got), ref, rtol=1e-12)


def test_kmeans_returns_the_input_library(to_lib):
    X = blobs(300, 2, 3, seed=23)
    ref_book, ref_dist = kmeans(X, 3, seed=4)
    book, dist = kmeans(to_lib(X), 3, seed=4)
    assert same_library(book, to_lib(X))
    assert_allclose(to_numpy(book), ref_book, rtol=1e-10)
    assert float(dist) == pytest.approx(float(ref_dist), rel=1e-10)


# ----------------------------------------------------------------------------
# PyTorch: the low-precision assignment and the Triton kernel (CPU stand-ins)


@pytest.mark.parametrize("precision", ["tf32", "bf16"])
def test_low_precision_assignment_rechecks_to_float32_labels(precision):
    torch = pytest.importorskip("torch")
    backend = get_backend(torch.zeros((1, 1)))
    rng = np.random.default_rng(0)
    # many near-ties: centres in pairs a hair apart
    base = rng.normal(size=(40, 24)).astype(np.float32)
    C = np.vstack([base, base + 1e-3]).astype(np.float32)
    X = (C[rng.integers(0, 80, 4000)] + rng.normal(scale=0.05, size=(4000, 24))).astype(np.float32)
    Xt, Ct = torch.asarray(X), torch.asarray(C)
    o = Xt.mean(0)
    ref_labels, ref_d2 = backend._assign_chunked(Xt, Ct - o, o, torch.float32)
    labels, d2 = backend._assign_low_precision(Xt, Ct - o, o, precision)
    assert torch.equal(labels, ref_labels)
    assert_allclose(d2.numpy(), ref_d2.numpy(), rtol=1e-3, atol=1e-4)


def test_triton_kernel_in_the_interpreter():
    pytest.importorskip("torch")
    pytest.importorskip("triton")
    code = textwrap.dedent(
        """
        import numpy as np, torch
        from vqkit.backends import _triton_kernels as tk, get_backend
        rng = np.random.default_rng(0)
        for n, d, k in [(300, 5, 7), (257, 40, 130), (100, 2, 16)]:
            X = torch.asarray(rng.normal(size=(n, d)).astype(np.float32)) + 3
            C = X[torch.asarray(rng.choice(n, k, replace=False))]
            o = X.mean(0)
            ref_l, ref_d = get_backend(X)._assign_chunked(X, C - o, o, torch.float32)
            for precision in ("float32", "tf32", "bf16"):
                l, d2 = tk.assign(X, C - o, o, precision)
                assert torch.equal(l, ref_l), (n, d, k, precision)
                assert torch.allclose(d2, ref_d, rtol=1e-4, atol=1e-4), (n, d, k)
        print("ok")
        """
    )
    env = dict(os.environ, TRITON_INTERPRET="1")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


@pytest.mark.parametrize("library", ["numpy", "array_api_strict"])
def test_kmeans2_warnings_point_at_the_caller(library):
    xp = np if library == "numpy" else array_api_strict
    data = xp.asarray(np.vstack([np.zeros((5, 2)), np.ones((5, 2))]))
    book = xp.asarray([[0.0, 0.0], [0.5, 0.5], [9.0, 9.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kmeans2(data, 2.5, minit="++", rng=0)  # k converted
        kmeans2(data, book, minit="matrix", iter=1)  # an empty cluster
    assert len(caught) == 2
    assert all(w.filename == __file__ for w in caught)
