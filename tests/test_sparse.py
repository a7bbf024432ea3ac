"""SciPy sparse (CSR) input: the sparse backend and the estimators on it.

The oracle is vqkit itself on the dense copy of the same data: from the same
initial centres a sparse fit must give the same labels and (up to rounding)
the same centres.  The data has cluster structure, so no row sits on an
exact tie between two centres (where rounding, which differs between the
sparse expanded distances and the dense kernels, would decide).
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from vqkit import KMeans, MiniBatchKMeans
from vqkit.backends import array_kind, get_backend
from vqkit.backends.cpu import CPUBackend
from vqkit.backends.sparse import SparseBackend
from vqkit.core.seeding import greedy_kmeans_plusplus
from vqkit.validation import as_float_2d


def clustered_csr(n=600, d=120, k=4, seed=0, dtype=np.float64):
    """Sparse rows around ``k`` sparse centres, each on its own features."""
    rng = np.random.RandomState(seed)
    centers = np.zeros((k, d))
    for j in range(k):
        support = rng.choice(d, size=d // 8, replace=False)
        centers[j, support] = rng.uniform(2, 5, size=support.size)
    labels = rng.randint(k, size=n)
    X = centers[labels] * rng.uniform(0.7, 1.3, size=(n, d))
    noise = rng.uniform(size=(n, d)) < 0.02
    X[noise] += rng.uniform(0, 1, size=noise.sum())
    X[rng.uniform(size=(n, d)) < 0.3] = 0.0
    X[:, 0] += 0.5  # no all-zero row (cosine)
    return sp.csr_matrix(X.astype(dtype))


@pytest.fixture(params=[np.float64, np.float32], ids=["f64", "f32"])
def dtype(request):
    return request.param


# ----------------------------------------------------------------------
# backend


def test_get_backend_picks_sparse_without_scipy_for_dense():
    X = clustered_csr()
    assert array_kind(X) == "sparse" and array_kind(X.toarray()) == "numpy"
    assert isinstance(get_backend(X), SparseBackend)
    assert isinstance(get_backend(X.toarray()), CPUBackend)


def test_cluster_sums_split_into_parts_is_the_same():
    """Many rows: the sums are split into ranges (deterministic reduction)."""
    X = sp.random(40000, 30, density=0.1, format="csr", rng=np.random.default_rng(0))
    labels = (np.arange(X.shape[0]) % 3).astype(np.int32)
    sums, wsums = get_backend(X).cluster_sums(X, labels, 3)
    ref, ref_w = CPUBackend().cluster_sums(X.toarray(), labels, 3)
    np.testing.assert_allclose(sums, ref, rtol=1e-12)
    np.testing.assert_array_equal(wsums, ref_w)


def test_kmeans_plusplus_same_centres_as_dense(dtype):
    X = clustered_csr(dtype=dtype)
    Xd = X.toarray()
    w = np.random.RandomState(2).uniform(size=X.shape[0])
    for weights in (None, w):
        a = greedy_kmeans_plusplus(X, 5, np.random.RandomState(3), get_backend(X), weights)
        b = greedy_kmeans_plusplus(Xd, 5, np.random.RandomState(3), get_backend(Xd), weights)
        np.testing.assert_array_equal(a, b)  # rows of X, chosen identically


# ----------------------------------------------------------------------
# validation


def test_as_float_2d_sparse_formats_and_errors():
    Xd = np.array([[0, 1.5, 0], [2, 0, 0]])
    for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia"):
        X = as_float_2d(sp.csr_matrix(Xd).asformat(fmt), accept_sparse=True)
        assert X.format == "csr" and X.dtype == np.float64
        np.testing.assert_array_equal(X.toarray(), Xd)
    X32 = as_float_2d(sp.csr_array(Xd.astype(np.float32)), accept_sparse=True)
    assert X32.dtype == np.float32
    assert as_float_2d(sp.csr_matrix(Xd.astype(int)), accept_sparse=True).dtype == np.float64
    # duplicates are summed, without touching the caller's matrix
    dup = sp.csr_matrix(
        (np.array([1.0, 2.0]), np.array([1, 1]), np.array([0, 2, 2])), shape=(2, 3)
    )
    X = as_float_2d(dup, accept_sparse=True)
    assert X.nnz == 1 and X[0, 1] == 3.0 and dup.nnz == 2
    with pytest.raises(TypeError, match="sparse"):
        as_float_2d(sp.csr_matrix(Xd))
    bad = sp.csr_matrix(Xd)
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        as_float_2d(bad, accept_sparse=True)
    with pytest.raises(ValueError, match="0 sample"):
        as_float_2d(sp.csr_matrix((0, 3)), accept_sparse=True)
    with pytest.raises(ValueError, match="0 feature"):
        as_float_2d(sp.csr_matrix((3, 0)), accept_sparse=True)


def test_manhattan_rejects_sparse():
    with pytest.raises(TypeError, match="manhattan"):
        KMeans(2, metric="manhattan").fit(clustered_csr())


# ----------------------------------------------------------------------
# KMeans


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_kmeans_sparse_equals_dense_from_same_centres(metric, weighted, dtype):
    X = clustered_csr(dtype=dtype)
    Xd = X.toarray()
    w = np.random.RandomState(4).uniform(0.5, 2, size=X.shape[0]) if weighted else None
    init = Xd[[0, 5, 10, 15, 20]]
    a = KMeans(5, init=init, metric=metric).fit(X, sample_weight=w)
    b = KMeans(5, init=init, metric=metric).fit(Xd, sample_weight=w)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.cluster_centers_.dtype == dtype
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=rtol, atol=rtol)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.inertia_, b.inertia_, rtol=rtol)
    np.testing.assert_array_equal(a.predict(X), b.predict(Xd))
    np.testing.assert_allclose(a.transform(X), b.transform(Xd), rtol=rtol * 10, atol=1e-6)
    np.testing.assert_allclose(a.score(X), b.score(Xd), rtol=rtol)
    # a dense model predicts sparse input too
    np.testing.assert_array_equal(b.predict(X), b.labels_)


@pytest.mark.parametrize("init", ["k-means++", "random", "k-means||"])
def test_kmeans_sparse_seeding_equals_dense(init):
    X = clustered_csr()
    a = KMeans(4, init=init, random_state=0).fit(X)
    b = KMeans(4, init=init, random_state=0).fit(X.toarray())
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-10)


def test_kmeans_sparse_relocates_empty_clusters():
    X = clustered_csr(n=200)
    Xd = X.toarray()
    init = np.vstack([Xd[:3], np.full((1, X.shape[1]), 1e3)])  # a centre far away
    a = KMeans(4, init=init).fit(X)
    b = KMeans(4, init=init).fit(Xd)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-10)


def test_kmeans_sparse_hamerly_falls_back_to_lloyd():
    X = sp.random(300, 4, density=0.6, format="csr", rng=np.random.default_rng(1))
    a = KMeans(20, algorithm="hamerly", random_state=0).fit(X)
    b = KMeans(20, algorithm="lloyd", random_state=0).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)


# ----------------------------------------------------------------------
# MiniBatchKMeans


def test_minibatch_sparse_equals_dense(dtype):
    X = clustered_csr(dtype=dtype)
    a = MiniBatchKMeans(4, batch_size=64, random_state=0, max_iter=5).fit(X)
    b = MiniBatchKMeans(4, batch_size=64, random_state=0, max_iter=5).fit(X.toarray())
    np.testing.assert_array_equal(a.labels_, b.labels_)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(a.predict(X), a.labels_)
    assert a.transform(X).shape == (X.shape[0], 4)


def test_minibatch_partial_fit_on_csr_chunks():
    X = clustered_csr(n=800)
    Xd = X.toarray()
    a = MiniBatchKMeans(4, batch_size=100, random_state=0)
    b = MiniBatchKMeans(4, batch_size=100, random_state=0)
    for lo in range(0, 800, 200):
        a.partial_fit(X[lo : lo + 200])
        b.partial_fit(Xd[lo : lo + 200])
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-10)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.predict(X), b.predict(Xd))


# ----------------------------------------------------------------------
# scale: never densify


def test_large_sparse_fit_does_not_densify():
    """200,000 x 50,000 at 0.02% density (80 GB dense): a fit grows the
    process by far less than 1 GB (measured in a fresh process, whose
    VmHWM is its own peak: ``ru_maxrss`` would inherit the parent's)."""
    script = textwrap.dedent(
        """
        import numpy as np, scipy.sparse as sp
        from vqkit import KMeans

        def status(field):  # bytes; VmHWM is this process's own peak
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024

        X = sp.random(200_000, 50_000, density=0.0002, format="csr",
                      rng=np.random.default_rng(0))
        KMeans(2, max_iter=1, n_init=1, random_state=0).fit(X[:100])  # compile
        before = status("VmRSS")
        km = KMeans(n_clusters=8, max_iter=5, n_init=1, random_state=0).fit(X)
        peak = status("VmHWM")
        assert km.cluster_centers_.shape == (8, 50_000)
        print(peak - before)
        """
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    growth = int(out.stdout.split()[-1])
    assert growth < 2**30, f"fit grew the process by {growth / 2**20:.0f} MiB"
