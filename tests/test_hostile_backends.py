"""Hostile input through the other backends (issue 15, section 8): Dask
arrays, PyTorch tensors and array-api-strict arrays get the validation and
the numerics of NumPy input, through the one validation layer and the
estimators' shared base.

Each family of defects found by the hostile trial has its own tests here,
with more cases than the trial's: Dask sample weights wherever they
arrive; squared distances that overflow or underflow float32; data a fit
accepts that predict must accept too; Dask blocks that are not what the
array declares; unusual containers (Dask Series, sparse blocks, zero-row
blocks, sparse tensors); bfloat16 tensors copied to the host; the
SciPy-style functions on tensors; results left in the input's library and
free of autograd graphs.  PyTorch tests skip where PyTorch is not
installed.
"""

from __future__ import annotations

import warnings

import array_api_strict as xs
import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from vqkit import BisectingKMeans, KMeans, MiniBatchKMeans, kmeans2, vq, whiten
from vqkit.backends.array_api import to_numpy
from vqkit.io.dask import npy_array
from vqkit.metrics import silhouette_score


def _torch():
    return pytest.importorskip("torch")


def _blobs(n_per=20, d=3, seed=0, scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * d, [6.0] * d, [-6.0] + [6.0] * (d - 1)])[:, :d]
    X = np.vstack([c + rng.standard_normal((n_per, d)) for c in centres])
    return (X * scale).astype(dtype)


def _host(a):
    a = a.compute() if hasattr(a, "compute") else a
    return np.asarray(to_numpy(a)) if not isinstance(a, np.ndarray) else a


def _assert_describes(X, C, labels, rtol=1e-5):
    """Every label names a nearest centre: distances in float64 after an
    exact power-of-two normalisation (no overflow, no underflow)."""
    X, C, labels = _host(X).astype(np.float64), _host(C).astype(np.float64), _host(labels)
    e = np.frexp(max(np.abs(X).max(), np.abs(C).max()))[1]
    Xs, Cs = np.ldexp(X, -e), np.ldexp(C, -e)
    D = ((Xs[:, None, :] - Cs[None, :, :]) ** 2).sum(-1)
    chosen = D[np.arange(len(X)), labels.astype(np.int64)]
    assert (chosen <= D.min(axis=1) * (1 + rtol)).all()


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------
# Dask sample weights: checked wherever they arrive


BAD_WEIGHTS = {
    "negative": (lambda w: np.r_[w[:-1], -1.0], "Negative"),
    "nan": (lambda w: np.r_[w[:-1], np.nan], "NaN or infinity"),
    "inf": (lambda w: np.r_[w[:-1], np.inf], "NaN or infinity"),
    "all-zero": (lambda w: np.zeros_like(w), "sums to zero"),
}


@pytest.fixture(scope="module")
def fitted():
    X = _blobs()
    return X, KMeans(3, n_init=1, random_state=0).fit(X)


@pytest.mark.parametrize("bad", sorted(BAD_WEIGHTS))
@pytest.mark.parametrize("x_kind", ["numpy", "dask"])
def test_score_checks_dask_weights(fitted, bad, x_kind):
    X, model = fitted
    make, message = BAD_WEIGHTS[bad]
    w = da.from_array(make(np.ones(len(X))), chunks=20)
    data = X if x_kind == "numpy" else da.from_array(X, chunks=20)
    with pytest.raises(ValueError, match=message):
        model.score(data, sample_weight=w)


@pytest.mark.parametrize("x_kind", ["numpy", "dask"])
def test_score_with_dask_weights_equals_numpy_weights(fitted, x_kind):
    X, model = fitted
    w = np.random.default_rng(1).uniform(0.1, 3.0, len(X))
    data = X if x_kind == "numpy" else da.from_array(X, chunks=25)
    got = model.score(data, sample_weight=da.from_array(w, chunks=25))
    assert got == pytest.approx(model.score(X, sample_weight=w), rel=1e-12)


def test_score_refuses_dask_weights_of_the_wrong_length(fitted):
    X, model = fitted
    with pytest.raises(ValueError, match="one weight per row"):
        model.score(da.from_array(X, chunks=20), sample_weight=da.ones(len(X) - 1))


@pytest.mark.parametrize("bad", sorted(BAD_WEIGHTS))
def test_partial_fit_checks_dask_weights(bad):
    X = _blobs()
    make, message = BAD_WEIGHTS[bad]
    w = da.from_array(make(np.ones(len(X))), chunks=20)
    with pytest.raises(ValueError, match=message):
        MiniBatchKMeans(3, random_state=0).partial_fit(
            da.from_array(X, chunks=20), sample_weight=w
        )


@pytest.mark.parametrize("bad", sorted(BAD_WEIGHTS))
@pytest.mark.parametrize(
    "estimator",
    [
        lambda: KMeans(3, n_init=1, random_state=0),
        lambda: MiniBatchKMeans(3, random_state=0),
        lambda: BisectingKMeans(3, random_state=0),
    ],
    ids=["kmeans", "minibatch", "bisecting"],
)
def test_numpy_data_with_bad_dask_weights(bad, estimator):
    X = _blobs()
    make, message = BAD_WEIGHTS[bad]
    with pytest.raises(ValueError, match=message):
        estimator().fit(X, sample_weight=da.from_array(make(np.ones(len(X))), chunks=20))


@pytest.mark.parametrize("estimator", [KMeans, MiniBatchKMeans, BisectingKMeans])
def test_numpy_data_with_dask_weights_fits_as_numpy_weights(estimator):
    X = _blobs()
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(X))
    a = _quiet(estimator(3, random_state=0).fit, X, sample_weight=w)
    b = _quiet(estimator(3, random_state=0).fit, X, sample_weight=da.from_array(w, chunks=20))
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


# ----------------------------------------------------------------------
# float32 squared distances that overflow or underflow, on every backend


def _libraries():
    """(name, convert) for NumPy, Dask, array-api-strict and PyTorch."""
    libs = [
        ("numpy", lambda a: a),
        ("dask", lambda a: da.from_array(a, chunks=25)),
        ("strict", xs.asarray),
    ]
    try:
        import torch

        libs.append(("torch", torch.asarray))
    except ImportError:
        pass
    return libs


LIBS = _libraries()


@pytest.mark.parametrize("lib", LIBS, ids=[name for name, _ in LIBS])
@pytest.mark.parametrize("init", ["k-means||", "k-means++", "random"])
@pytest.mark.parametrize("magnitude", [1e19, 5e19, 1e25, 1e35])
def test_float32_squares_that_overflow(lib, init, magnitude):
    name, convert = lib
    if name == "dask" and init == "random":
        pytest.skip("Dask arrays refuse init='random' (needs the data in memory)")
    X = _blobs(scale=magnitude / 6, dtype=np.float32)
    assert np.isfinite(X).all()
    model = _quiet(KMeans(3, init=init, n_init=2, random_state=0).fit, convert(X))
    C = _host(model.cluster_centers_)
    assert C.dtype == np.float32 and np.isfinite(C).all()
    _assert_describes(X, C, model.labels_)
    assert len(np.unique(_host(model.labels_))) == 3
    np.testing.assert_array_equal(_host(model.predict(convert(X))), _host(model.labels_))


@pytest.mark.parametrize("lib", LIBS, ids=[name for name, _ in LIBS])
@pytest.mark.parametrize(
    ("magnitude", "outlier"),
    [(m, None) for m in (1e-20, 1e-25, 1e-30, 1e-36, 1e-40)]
    + [(m, 1.0) for m in (1e-20, 1e-25)]
    + [(1e-20, 1e5)],
)
def test_float32_squares_that_underflow(lib, magnitude, outlier):
    """Tiny float32 rows (alone, or beside a row up to 1e25 times larger)
    whose squared differences underflow float32 are clustered in exactly
    rescaled units.  (Wider ranges do not fit float32's squares at all.)"""
    name, convert = lib
    if outlier is not None and name in ("strict", "torch"):
        pytest.skip(
            "Array API backends compare float32 rows through matrix products, "
            "which lose rows 1e20 times smaller than their neighbours"
        )
    X = _blobs(scale=magnitude, dtype=np.float32)
    if outlier is not None:
        X = np.vstack([X, np.full((1, X.shape[1]), outlier, dtype=np.float32)])
    model = _quiet(KMeans(4 if outlier else 3, n_init=2, random_state=0).fit, convert(X))
    labels = _host(model.labels_)
    _assert_describes(X, model.cluster_centers_, labels)
    assert model.inertia_ > 0
    # the three blobs of tiny rows are told apart
    assert len(np.unique(labels[:60])) >= 3 - (outlier is not None)
    np.testing.assert_array_equal(_host(model.predict(convert(X))), labels)


@pytest.mark.parametrize("magnitude", [1e-25, 1e-30, 1e25])
@pytest.mark.parametrize("estimator", [MiniBatchKMeans, BisectingKMeans])
def test_float32_extremes_in_host_estimators(magnitude, estimator):
    X = _blobs(scale=magnitude, dtype=np.float32)
    model = _quiet(estimator(3, random_state=0).fit, X)
    _assert_describes(X, model.cluster_centers_, model.predict(X))
    assert model.inertia_ > 0


# ----------------------------------------------------------------------
# what a fit accepts, predict accepts and labels the same


@pytest.mark.parametrize("magnitude", [1e200, 1e-200, 1e300, 1e-300])
def test_dask_predict_at_extreme_magnitudes(magnitude):
    X = _blobs() * magnitude
    Xd = da.from_array(X, chunks=20)
    model = _quiet(KMeans(3, n_init=1, random_state=0).fit, Xd)
    labels = model.labels_.compute()
    np.testing.assert_array_equal(model.predict(Xd).compute(), labels)
    # the lazy predict of a model fitted in memory, block by block
    memory = _quiet(KMeans(3, n_init=1, random_state=0).fit, X)
    np.testing.assert_array_equal(memory.predict(Xd).compute(), memory.labels_)
    _assert_describes(X, model.cluster_centers_, labels)
    assert model.score(Xd) == pytest.approx(model.score(X), rel=1e-9)


def test_dask_predict_of_blocks_at_different_magnitudes():
    """Blocks at 1e-200 and 1e200 (each scaled on its own) label as the
    in-memory model does."""
    X = np.vstack([_blobs() * 1e-200, _blobs(seed=1) * 1e200])
    model = _quiet(KMeans(4, n_init=1, random_state=0).fit, X)
    got = model.predict(da.from_array(X, chunks=30)).compute()
    np.testing.assert_array_equal(got, model.predict(X))


@pytest.mark.parametrize("library", ["strict", "torch"])
@pytest.mark.parametrize("offset", [2e19, 1e25, 3e30])
@pytest.mark.parametrize("spread", [1e-4, 1e-3])
def test_array_api_predict_far_from_zero(library, offset, spread):
    """float32 rows far from zero whose spread is a small fraction of their
    magnitude: predict (like the fit) centres its expanded distances."""
    convert = xs.asarray if library == "strict" else _torch().asarray
    X = (_blobs(scale=offset * spread / 6) + offset).astype(np.float32)
    T = convert(X)
    model = _quiet(KMeans(3, n_init=1, random_state=0).fit, T)
    np.testing.assert_array_equal(_host(model.predict(T)), _host(model.labels_))
    assert -model.score(T) == pytest.approx(model.inertia_, rel=1e-3)


# ----------------------------------------------------------------------
# Dask blocks that are not what the array declares


def _lying(real_shape, declared_shape):
    block = dask.delayed(np.ones)(real_shape)
    return da.from_delayed(block, shape=declared_shape, dtype=np.float64)


@pytest.mark.parametrize(
    ("real", "declared"),
    [((10, 5), (10, 3)), ((10, 2), (10, 3)), ((12, 3), (10, 3)), ((8, 3), (10, 3))],
)
def test_dask_blocks_of_another_shape_are_refused(real, declared):
    X = _lying(real, declared)
    with pytest.raises(ValueError, match="declares"):
        KMeans(2, n_init=1, random_state=0).fit(X)
    model = KMeans(2, n_init=1, random_state=0).fit(np.random.default_rng(0).normal(size=(20, 3)))
    for result in (model.predict(X), model.transform(X)):
        with pytest.raises(ValueError, match="declares"):
            result.compute()


@pytest.mark.parametrize("estimator", [MiniBatchKMeans, BisectingKMeans])
def test_dask_blocks_of_another_shape_in_estimators_that_compute_them(estimator):
    X = da.concatenate([da.from_array(np.ones((10, 3))), _lying((10, 5), (10, 3))])
    with pytest.raises(ValueError, match="declares"):
        estimator(2, random_state=0).fit(X)


def test_dask_unknown_chunk_sizes_computed_for_host_estimators():
    X = da.from_array(_blobs(), chunks=7)
    X = X[X[:, 0] > -100]  # every row, in chunks of unknown size
    assert np.isnan(X.chunks[0][0])
    model = BisectingKMeans(3, random_state=0).fit(X)
    reference = BisectingKMeans(3, random_state=0).fit(_blobs())
    np.testing.assert_array_equal(model.labels_, reference.labels_)


def test_dask_block_of_another_shape_in_partial_fit():
    X = da.concatenate([da.from_array(_blobs(), chunks=30), _lying((10, 4), (10, 3))])
    with pytest.raises(ValueError, match="declares"):
        MiniBatchKMeans(3, random_state=0).partial_fit(X)


# ----------------------------------------------------------------------
# unusual containers


def test_dask_series_is_one_dimensional_data():
    s = dd.from_pandas(pd.Series(np.arange(20.0)), npartitions=2)
    for fit in (KMeans(2).fit, MiniBatchKMeans(2).partial_fit, MiniBatchKMeans(2).fit):
        with pytest.raises(ValueError, match="Expected 2D array, got 1D"):
            fit(s)


def test_dask_frame_of_one_column_fits():
    frame = dd.from_pandas(pd.DataFrame({"a": np.r_[np.zeros(10), np.ones(10) * 5]}), 2)
    model = KMeans(2, n_init=1, random_state=0).fit(frame)
    assert sorted(model.cluster_centers_[:, 0].tolist()) == [0.0, 5.0]


def test_dask_array_of_sparse_blocks():
    S = sp.random(40, 4, density=0.3, format="csr", random_state=0)
    X = da.from_array(S, chunks=(10, 4), asarray=False)
    for fit in (KMeans(2, n_init=1).fit, MiniBatchKMeans(2).partial_fit):
        with pytest.raises(TypeError, match="sparse"):
            fit(X)
    # estimators that compute in memory take it as the sparse matrix it is
    model = BisectingKMeans(2, random_state=0).fit(X)
    np.testing.assert_array_equal(model.labels_, BisectingKMeans(2, random_state=0).fit(S).labels_)
    fitted = KMeans(2, n_init=1, random_state=0).fit(S.toarray())
    with pytest.raises(TypeError, match="sparse"):
        fitted.predict(X)


def _stream_model(blocks, weights=None):
    model = MiniBatchKMeans(3, random_state=0, batch_size=16)
    for i, block in enumerate(blocks):
        w = None if weights is None else weights[i]
        model.partial_fit(block, sample_weight=w)
    return model


@pytest.mark.parametrize("where", [0, 1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_dask_zero_row_block(where, weighted):
    """A zero-row block anywhere in a Dask stream is skipped: the fit is the
    one of the other blocks, in order (the first non-empty one seeds)."""
    X = _blobs(n_per=20)
    w = np.random.default_rng(3).uniform(0.5, 2.0, len(X))
    parts = [X[:20], X[20:40], X[40:]]
    wparts = [w[:20], w[20:40], w[40:]]
    rows = [20] * where + [0] + [20] * (3 - where)
    Xd = da.from_array(X, chunks=(tuple(rows), (X.shape[1],)))
    wd = da.from_array(w, chunks=(tuple(rows),))
    assert 0 in Xd.chunks[0]
    got = MiniBatchKMeans(3, random_state=0, batch_size=16).partial_fit(
        Xd, sample_weight=wd if weighted else None
    )
    expected = _stream_model(parts, wparts if weighted else None)
    np.testing.assert_allclose(got.cluster_centers_, expected.cluster_centers_, rtol=1e-12)


def test_partial_fit_numpy_zero_rows_is_a_clear_error():
    model = _stream_model([_blobs()])
    with pytest.raises(ValueError, match="0 sample"):
        model.partial_fit(_blobs()[:0])


def test_partial_fit_dask_weights_zero_in_one_block_only():
    X = _blobs()
    w = np.ones(len(X))
    w[20:40] = 0
    model = MiniBatchKMeans(3, random_state=0).partial_fit(
        da.from_array(X, chunks=20), sample_weight=da.from_array(w, chunks=20)
    )
    assert np.isfinite(model.cluster_centers_).all()


@pytest.mark.parametrize("chunk_rows", [0, -1, 2.5, "10", True])
def test_npy_array_chunk_rows_must_be_a_positive_integer(tmp_path, chunk_rows):
    path = tmp_path / "a.npy"
    np.save(path, _blobs())
    if chunk_rows is True:  # a bool is an integer to Python: one row a block
        assert npy_array(path, chunk_rows=chunk_rows).chunks[0][0] == 1
        return
    with pytest.raises(ValueError, match="chunk_rows"):
        npy_array(path, chunk_rows=chunk_rows)


def test_npy_array_one_row_blocks(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, _blobs(n_per=3))
    X = npy_array(path, chunk_rows=np.int64(1))
    assert X.chunks[0] == (1,) * 9
    np.testing.assert_array_equal(X.compute(), _blobs(n_per=3))


# ----------------------------------------------------------------------
# PyTorch: bfloat16, sparse tensors, autograd, the input's library


@pytest.fixture
def torch():
    return _torch()


def test_bfloat16_wherever_vqkit_copies_to_numpy(torch):
    X = _blobs().astype(np.float32)
    T = torch.asarray(X)
    exact = torch.asarray(X).to(torch.bfloat16)
    as_f32 = exact.float()  # bfloat16 values, exactly, in float32
    w = torch.linspace(0.5, 2.0, len(X)).to(torch.bfloat16)
    a = KMeans(3, n_init=1, random_state=0).fit(T, sample_weight=w)
    b = KMeans(3, n_init=1, random_state=0).fit(T, sample_weight=w.float())
    assert torch.equal(a.cluster_centers_, b.cluster_centers_)
    init = T[:3].to(torch.bfloat16)
    a = KMeans(3, init=init, n_init=1).fit(T)
    b = KMeans(3, init=init.float(), n_init=1).fit(T)
    assert torch.equal(a.cluster_centers_, b.cluster_centers_)
    for estimator in (MiniBatchKMeans, BisectingKMeans):
        a = _quiet(estimator(3, random_state=0).fit, exact)
        b = _quiet(estimator(3, random_state=0).fit, as_f32)
        np.testing.assert_array_equal(_host(a.cluster_centers_), _host(b.cluster_centers_))
    labels = torch.asarray(np.repeat(np.arange(3), 20))
    assert silhouette_score(exact, labels) == pytest.approx(silhouette_score(as_f32, labels))
    np.testing.assert_array_equal(to_numpy(exact), to_numpy(as_f32))


@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_sparse_tensors_are_refused_clearly(torch, layout):
    X = torch.asarray(_blobs())
    S = X.to_sparse() if layout == "coo" else X.to_sparse_csr()
    for call in (
        lambda: KMeans(3, n_init=1).fit(S),
        lambda: MiniBatchKMeans(3).fit(S),
        lambda: BisectingKMeans(3).fit(S),
        lambda: KMeans(3, n_init=1).fit(X).predict(S),
        lambda: KMeans(3, n_init=1).fit(X, sample_weight=torch.ones(60).to_sparse()),
        lambda: KMeans(3, init=X[:3].to_sparse(), n_init=1).fit(X),
    ):
        with pytest.raises(TypeError, match="sparse tensor"):
            call()


@pytest.mark.parametrize("estimator", [KMeans, MiniBatchKMeans, BisectingKMeans])
def test_results_stay_in_torch_without_autograd(torch, estimator):
    X = torch.asarray(_blobs()).requires_grad_(True)
    model = _quiet(estimator(3, random_state=0).fit, X)
    for value in (model.cluster_centers_, model.labels_, model.predict(X), model.transform(X)):
        assert isinstance(value, torch.Tensor)
        assert not value.requires_grad and value.grad_fn is None
    assert model.cluster_centers_.dtype == torch.float64
    np.testing.assert_array_equal(_host(model.predict(X)), _host(model.labels_))
    # NumPy input to a model fitted on tensors gives NumPy results
    assert isinstance(model.predict(_blobs()), np.ndarray)


def test_minibatch_partial_fit_on_tensors_stays_in_torch(torch):
    X = torch.asarray(_blobs())
    model = MiniBatchKMeans(3, random_state=0)
    for block in (X[:30], X[30:]):
        model.partial_fit(block)
        assert isinstance(model.cluster_centers_, torch.Tensor)
    assert isinstance(model.labels_, torch.Tensor)


@pytest.mark.parametrize("estimator", [KMeans, MiniBatchKMeans, BisectingKMeans])
def test_strict_arrays_on_another_device(estimator):
    device = xs.Device("device1")
    X = xs.asarray(_blobs(), device=device)
    model = _quiet(estimator(3, random_state=0).fit, X)
    assert model.cluster_centers_.device == device
    assert model.predict(X).device == device
    reference = _quiet(estimator(3, random_state=0).fit, _blobs())
    np.testing.assert_array_equal(_host(model.labels_), reference.labels_)


@pytest.mark.parametrize("init", ["k-means++", "k-means||", "random"])
def test_strict_other_device_every_seeding(init):
    device = xs.Device("device2")
    X = xs.asarray(_blobs(), device=device)
    model = KMeans(3, init=init, n_init=2, random_state=0).fit(X)
    reference = KMeans(3, init=init, n_init=2, random_state=0).fit(_blobs())
    np.testing.assert_array_equal(_host(model.labels_), reference.labels_)


# ----------------------------------------------------------------------
# the SciPy-style functions on tensors


@pytest.mark.parametrize("minit", ["random", "points", "++"])
@pytest.mark.parametrize("make_k", ["torch-int", "torch-float", "strict", "numpy-0d"])
@pytest.mark.parametrize("data_lib", ["numpy", "torch"])
def test_kmeans2_zero_d_array_as_k(torch, minit, make_k, data_lib):
    X = _blobs()
    k = {
        "torch-int": lambda: torch.tensor(3),
        "torch-float": lambda: torch.tensor(3.0),
        "strict": lambda: xs.asarray(3),
        "numpy-0d": lambda: np.array(3),
    }[make_k]()
    data = X if data_lib == "numpy" else torch.asarray(X)
    got = _quiet(kmeans2, data, k, minit=minit, seed=0)
    expected = _quiet(kmeans2, X, 3, minit=minit, seed=0)
    assert tuple(got[0].shape) == (3, 3)
    np.testing.assert_allclose(_host(got[0]), expected[0], rtol=1e-12)
    np.testing.assert_array_equal(_host(got[1]), expected[1])


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("k", [4, 6])
@pytest.mark.parametrize("library", ["torch", "strict"])
def test_kmeans2_plusplus_more_clusters_than_rows(torch, n, k, library):
    X = _blobs()[:n]
    convert = torch.asarray if library == "torch" else xs.asarray
    expected = _quiet(kmeans2, X, k, minit="++", seed=0)
    got = _quiet(kmeans2, convert(X), k, minit="++", seed=0)
    np.testing.assert_array_equal(_host(got[0]), expected[0])
    np.testing.assert_array_equal(_host(got[1]), expected[1])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "int16"])
@pytest.mark.parametrize("library", ["torch", "strict"])
def test_whiten_integer_and_boolean_arrays(torch, dtype, library):
    A = (np.arange(24).reshape(8, 3) * np.array([1, 3, 7])) % 5
    A = (A > 1) if dtype == "bool" else A.astype(dtype)
    convert = torch.asarray if library == "torch" else xs.asarray
    got = _quiet(whiten, convert(A))
    expected = _quiet(whiten, A)
    assert _host(got).dtype == expected.dtype == np.float64
    np.testing.assert_allclose(_host(got), expected, rtol=1e-12)


@pytest.mark.parametrize("magnitude", [1e-25, 1e-30, 1e19, 1e25])
@pytest.mark.parametrize("library", ["numpy", "strict", "torch"])
def test_vq_float32_extremes_on_every_library(torch, magnitude, library):
    X = _blobs(scale=magnitude, dtype=np.float32)
    book = X[[0, 20, 40]]
    convert = {"numpy": np.asarray, "strict": xs.asarray, "torch": torch.asarray}[library]
    code, dist = vq(convert(X), convert(book))
    _assert_describes(X, book, code)
    exact = np.sqrt(((X.astype(np.float64) - book[_host(code)]) ** 2).sum(1))
    # float32 rounding of the distances (matrix products on the Array API
    # backends); without the rescaling they were 0 or inf
    np.testing.assert_allclose(_host(dist), exact, rtol=1e-4, atol=1e-2 * magnitude)


# ----------------------------------------------------------------------
# the smallest non-zero magnitude, which starts float32 rescaling


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((5, 3), np.float32),
        np.array([[0.0, -3e-30, 2.0]], np.float32),
        np.array([[1e-45, 0.0], [0.0, -1.0]], np.float32),  # a subnormal
        _blobs(dtype=np.float32) * 1e-20,
        np.zeros((0, 3)),
    ],
    ids=["zeros", "one-tiny", "subnormal", "blobs", "empty"],
)
def test_min_nonzero_abs_on_every_backend(X):
    from vqkit.backends import get_backend
    from vqkit.backends.base import Backend

    nonzero = np.abs(X[X != 0])
    expected = float(nonzero.min()) if nonzero.size else np.inf
    cpu = get_backend(X)
    assert cpu.min_nonzero_abs(X) == expected
    assert Backend.min_nonzero_abs(cpu, X) == expected  # the generic default
    if X.shape[0]:
        assert get_backend(sp.csr_array(X)).min_nonzero_abs(sp.csr_array(X)) == expected
        Xd = da.from_array(X, chunks=2)
        assert get_backend(Xd).min_nonzero_abs(Xd) == expected
        S = xs.asarray(X)
        assert get_backend(S).min_nonzero_abs(S) == expected
