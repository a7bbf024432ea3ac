"""Saving and loading estimators: exact round trips, clear refusals."""

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import vqkit
from helpers import blobs


@pytest.fixture
def fitted():
    X = blobs(500, 3, 4, seed=1).astype(np.float32)
    return vqkit.KMeans(4, random_state=0, init="k-means||").fit(X), X


def test_round_trip_is_exact(fitted, tmp_path):
    km, X = fitted
    path = km.save(tmp_path / "model.npz")
    loaded = vqkit.KMeans.load(path)
    assert loaded.get_params() == km.get_params()
    assert_array_equal(loaded.cluster_centers_, km.cluster_centers_)
    assert loaded.cluster_centers_.dtype == np.float32
    assert_array_equal(loaded.labels_, km.labels_)
    assert loaded.inertia_ == km.inertia_ and loaded.n_iter_ == km.n_iter_
    assert loaded.n_features_in_ == km.n_features_in_
    assert loaded.history_ == km.history_
    assert_array_equal(loaded.predict(X), km.predict(X))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temp file left


def test_array_init_round_trips(tmp_path):
    X = blobs(200, 2, 3, seed=2)
    km = vqkit.KMeans(3, init=X[:3].copy(), n_init=1).fit(X)
    loaded = vqkit.KMeans.load(km.save(tmp_path / "m.npz"))
    assert_array_equal(loaded.init, X[:3])
    assert_array_equal(loaded.fit(X).cluster_centers_, km.cluster_centers_)


def test_loading_needs_no_pickle(fitted, tmp_path):
    km, _ = fitted
    path = km.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert "__vqkit__" in archive.files


def test_unfitted_and_callables_refuse_to_save(tmp_path):
    with pytest.raises(vqkit.NotFittedError):
        vqkit.KMeans().save(tmp_path / "m.npz")
    X = blobs(100, 2, 2, seed=0)
    km = vqkit.KMeans(2, random_state=0, callback=lambda s: None).fit(X)
    with pytest.raises(TypeError, match="cannot save callback"):
        km.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_corrupted_and_foreign_files_are_refused(fitted, tmp_path):
    km, _ = fitted
    good = km.save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(Path(good).read_bytes()[:200])
    text = tmp_path / "text.npz"
    text.write_text("hello")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3))

    def tampered(name, **changes):
        with np.load(good, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        meta = json.loads(str(arrays["__vqkit__"]))
        meta.update(changes)
        arrays["__vqkit__"] = np.array(json.dumps(meta))
        np.savez(tmp_path / name, **arrays)
        return tmp_path / name

    other = tampered("other.npz", format="something")
    newer = tampered("newer.npz", version=99)
    wrong_class = tampered("wrong.npz", **{"class": "MiniBatchKMeans"})
    for path, message in [
        (truncated, "not a vqkit model file"),
        (text, "not a vqkit model file"),
        (foreign, "no '__vqkit__' entry"),
        (other, "does not say 'vqkit-model'"),
        (newer, "format version 99"),
        (wrong_class, "holds a MiniBatchKMeans model"),
    ]:
        with pytest.raises(ValueError, match=message):
            vqkit.KMeans.load(path)
    with pytest.raises(FileNotFoundError):
        vqkit.KMeans.load(tmp_path / "missing.npz")


def test_saved_file_has_ordinary_permissions(fitted, tmp_path):
    import os
    import stat

    km, _ = fitted
    path = km.save(tmp_path / "m.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("Estimator", [vqkit.KMeans, vqkit.MiniBatchKMeans, vqkit.BisectingKMeans])
def test_feature_names_round_trip_and_are_checked_after_load(Estimator, tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(blobs(150, 3, 3, seed=4), columns=["width", "height", "depth"])
    est = Estimator(3, random_state=0).fit(X)
    loaded = Estimator.load(est.save(tmp_path / "m.npz"))
    assert_array_equal(loaded.feature_names_in_, ["width", "height", "depth"])
    assert loaded.feature_names_in_.dtype == object
    assert_array_equal(loaded.predict(X), est.predict(X))
    assert_array_equal(loaded.get_feature_names_out(), est.get_feature_names_out())
    # the loaded model checks new columns as the fitted one does
    for method in ("predict", "transform", "score"):
        with pytest.raises(ValueError, match="must be in the same order"):
            getattr(loaded, method)(X[["height", "width", "depth"]])
        with pytest.raises(ValueError, match="unseen at fit time:\n- size\n"):
            getattr(loaded, method)(X.rename(columns={"depth": "size"}))
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            getattr(loaded, method)(X.to_numpy())
    # and saves them again
    again = Estimator.load(loaded.save(tmp_path / "again.npz"))
    assert_array_equal(again.feature_names_in_, loaded.feature_names_in_)


def test_no_feature_names_stay_absent_after_load(fitted, tmp_path):
    km, X = fitted
    loaded = vqkit.KMeans.load(km.save(tmp_path / "m.npz"))
    assert not hasattr(loaded, "feature_names_in_")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert "feature_names_in_" not in json.loads(str(archive["__vqkit__"]))["attributes"]


def test_minibatch_without_labels_keeps_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(blobs(150, 2, 3, seed=5), columns=["x", "y"])
    mb = vqkit.MiniBatchKMeans(3, compute_labels=False, random_state=0).fit(X)
    loaded = vqkit.MiniBatchKMeans.load(mb.save(tmp_path / "m.npz"))
    assert_array_equal(loaded.feature_names_in_, ["x", "y"])
    loaded.partial_fit(X)  # goes on, columns checked
    with pytest.raises(ValueError, match="must be in the same order"):
        loaded.partial_fit(X[["y", "x"]])


@pytest.mark.parametrize(
    "names, message",
    [
        (["a"], "not a list of 3 strings"),  # wrong length
        (["a", "b", 3], "not a list of 3 strings"),  # not all strings
        ("abc", "not a list of 3 strings"),  # a string, not a list
        ({"a": 1}, "not a list of 3 strings"),
    ],
)
def test_damaged_feature_names_are_refused(fitted, tmp_path, names, message):
    km, _ = fitted
    good = km.save(tmp_path / "good.npz")
    with np.load(good, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    meta = json.loads(str(arrays["__vqkit__"]))
    meta["attributes"]["feature_names_in_"] = names
    arrays["__vqkit__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        vqkit.KMeans.load(tmp_path / "bad.npz")
