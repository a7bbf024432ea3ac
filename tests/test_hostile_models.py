"""Hostile model files: every loader either returns a model that works, or
raises a ``ValueError`` naming the file; never a crash, a hang, a
``MemoryError``, a ``RecursionError`` or an error from inside numba.

The files are saved ``KMeans``, ``MiniBatchKMeans`` and ``BisectingKMeans``
models and code books, corrupted by hypothesis: edits of the JSON
metadata, arrays replaced by others (wrong dtype, shape, number of
dimensions or values), changed values of the right dtype and shape,
truncations and flipped bytes, zip headers that declare huge members,
``.npy`` headers that declare huge arrays, and deep nesting.
"""

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

import vqkit
from vqkit import BisectingKMeans, KMeans, MiniBatchKMeans
from vqkit.quantization import Codebook

META = "__vqkit__"
X_TRAIN = np.random.default_rng(0).normal(size=(60, 3))
X_NEW = np.random.default_rng(1).normal(size=(25, 3))
LOADERS = {
    "kmeans": KMeans.load,
    "minibatch": MiniBatchKMeans.load,
    "bisecting": BisectingKMeans.load,
    "codebook": Codebook.load,
}
SETTINGS = settings(
    max_examples=int(os.environ.get("HM_N", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One good file of each kind (the k-means one with an array ``init``)."""
    folder = tmp_path_factory.mktemp("models")
    models = {
        "kmeans": KMeans(3, init=X_TRAIN[:3].copy(), n_init=1).fit(X_TRAIN),
        "minibatch": MiniBatchKMeans(3, random_state=0, batch_size=16).fit(X_TRAIN),
        "bisecting": BisectingKMeans(4, random_state=0).fit(X_TRAIN),
        "codebook": Codebook.train(X_TRAIN.astype(np.float32), 4, random_state=0),
    }
    return {kind: Path(model.save(folder / f"{kind}.npz")) for kind, model in models.items()}


def members(path):
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def write(path, arrays):
    np.savez(path, **arrays)
    return path


def meta_of(arrays):
    return json.loads(str(arrays[META]))


def with_meta(arrays, meta):
    return {**arrays, META: np.array(json.dumps(meta))}


def check_outcome(kind, path):
    """Load ``path`` as ``kind``: a ``ValueError`` naming the file, or a
    model whose predictions are right."""
    try:
        model = LOADERS[kind](path)
    except ValueError as exc:
        assert os.fspath(path) in str(exc), str(exc)
        _event("refused")
        return None
    _event("loaded")
    if kind == "codebook":  # its width is its own: no other size to agree with
        X = np.random.default_rng(1).normal(size=(25, model.n_features))
        codes = model.encode(X)
        assert codes.shape == (len(X),) and int(codes.max()) < model.k
        d2 = ((X[:, None, :] - model.codewords[None].astype(np.float64)) ** 2).sum(-1)
        assert np.all(d2[np.arange(len(X)), codes] <= d2.min(axis=1) * (1 + 1e-5) + 1e-9)
        assert model.decode(codes).shape == X.shape
        assert np.isfinite(model.distortion(X).mse_per_vector)
        return model
    k = model.cluster_centers_.shape[0]
    labels = model.predict(X_NEW)
    assert labels.shape == (len(X_NEW),)
    assert labels.min() >= 0 and labels.max() < k
    distances = model.transform(X_NEW)
    assert distances.shape == (len(X_NEW), k) and np.isfinite(distances).all()
    assert np.isfinite(model.score(X_NEW))
    if kind != "bisecting" and model.get_params().get("metric", "euclidean") == "euclidean":
        d2 = distances.astype(np.float64) ** 2
        assert np.all(d2[np.arange(len(X_NEW)), labels] <= d2.min(axis=1) * (1 + 1e-5) + 1e-9)
    if kind == "minibatch":
        model.partial_fit(X_NEW)
        assert model.cluster_centers_.shape == (k, 3)
    return model


# ----------------------------------------------------------------------
# the reproductions


def test_good_files_load_and_predict_as_saved(saved):
    for kind, path in saved.items():
        model = check_outcome(kind, path)
        assert model is not None, kind
        model.save(path.with_name(f"{kind}-again.npz"))  # and can be saved again


def test_minibatch_without_labels_loads_and_saves_again(tmp_path):
    model = MiniBatchKMeans(3, random_state=0, compute_labels=False).fit(X_TRAIN)
    back = MiniBatchKMeans.load(model.save(tmp_path / "m.npz"))
    assert not hasattr(back, "labels_")
    again = MiniBatchKMeans.load(back.save(tmp_path / "again.npz"))
    np.testing.assert_array_equal(again.cluster_centers_, model.cluster_centers_)


def test_compressed_archive_loads(saved, tmp_path):
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, **members(saved["kmeans"]))
    np.testing.assert_array_equal(
        KMeans.load(path).predict(X_NEW), KMeans.load(saved["kmeans"]).predict(X_NEW)
    )


def test_huge_centres_are_refused_in_a_subprocess(saved, tmp_path):
    """A (1_000_000, 1) ``cluster_centers_`` read past the end of memory."""
    for kind in ("kmeans", "minibatch"):
        path = tmp_path / f"{kind}.npz"
        arrays = members(saved[kind])
        arrays["attr:cluster_centers_"] = np.ones((1_000_000, 1))
        write(path, arrays)
        code = textwrap.dedent(f"""
            import numpy as np, vqkit
            try:
                vqkit.{"KMeans" if kind == "kmeans" else "MiniBatchKMeans"}.load({str(path)!r}
                    ).predict(np.ones((10, 3)))
            except ValueError as exc:
                print("refused:", exc)
            """)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=_env()
        )
        assert out.returncode == 0, out.stderr
        assert "refused:" in out.stdout and "cluster_centers_ has shape (1000000, 1)" in out.stdout


@pytest.mark.parametrize(
    "children, message",
    [
        (
            [[1, 2], [1, 1], [-1, -1], [-1, -1], [-1, -1], [-1, -1], [-1, -1]],
            r"node 1 of its tree has children \[1, 1\] whose parents do not match",
        ),
        (
            [[1, 2], [3, 4], [5, 6], [-1, -1], [-1, -1], [-1, -1], [0, 1]],
            r"node 6 of its tree has children \[0, 1\] whose parents do not match",
        ),
        (
            [[1, 2], [3, 4], [5, 6], [-1, -1], [-1, -1], [-1, -1], [7, 9]],
            r"tree_children_ holds 9; its values must be below 7 \(nodes\)",
        ),
        (
            [[1, 2], [3, 4], [-1, -1], [-1, -1], [-1, -1], [-1, -1], [-1, -1]],
            "its tree does not reach node 5",
        ),
        (
            [[1, 1], [3, 4], [5, 6], [-1, -1], [-1, -1], [-1, -1], [-1, -1]],
            "its tree reaches node 1 twice",
        ),
    ],
)
def test_bisecting_trees_that_are_not_trees(saved, tmp_path, children, message):
    arrays = members(saved["bisecting"])
    assert arrays["attr:tree_children_"].shape == (7, 2)
    arrays["attr:tree_children_"] = np.array(children)
    path = write(tmp_path / "tree.npz", arrays)
    with pytest.raises(ValueError, match=message):
        BisectingKMeans.load(path)


def test_bisecting_self_child_no_longer_hangs(saved, tmp_path):
    arrays = members(saved["bisecting"])
    children = arrays["attr:tree_children_"].copy()
    node = int(np.flatnonzero(children[:, 0] >= 0)[-1])
    children[node] = [node, node]
    path = write(tmp_path / "loop.npz", arrays | {"attr:tree_children_": children})
    with pytest.raises(ValueError, match="loop.npz"):
        BisectingKMeans.load(path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_deeply_nested_json(saved, tmp_path, kind):
    arrays = members(saved[kind])
    deep = "[" * 100_000 + "]" * 100_000
    path = write(tmp_path / "deep.npz", arrays | {META: np.array(deep)})
    with pytest.raises(ValueError, match="nested more than"):
        LOADERS[kind](path)
    meta = meta_of(arrays)
    text = json.dumps(meta)[:-1] + ', "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    write(path, arrays | {META: np.array(text)})
    with pytest.raises(ValueError, match="nested more than"):
        LOADERS[kind](path)
    # brackets inside strings do not count
    meta["note"] = "[" * 1000 + '\\"{' * 100
    write(path, with_meta(arrays, meta))
    assert check_outcome(kind, path) is not None


@pytest.mark.parametrize("kind", sorted(LOADERS))
@pytest.mark.parametrize("declared", [2**41, 2**32 - 2, 10**7])
def test_zip_member_declaring_a_huge_size(saved, tmp_path, kind, declared):
    """A member whose header declares 2 TiB gave MemoryError while loading."""
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(saved[kind]) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        victim = dst.filelist[0]
        victim.file_size = declared  # written into the central directory on close
    with pytest.raises(ValueError, match="declares"):
        LOADERS[kind](path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_npy_header_declaring_a_huge_array(saved, tmp_path, kind):
    name = "codewords.npy" if kind == "codebook" else "attr:cluster_centers_.npy"
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(saved[kind]) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == name:
                with dst.open(name, "w") as fh:
                    np.lib.format.write_array_header_1_0(
                        fh, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
                    )
                    fh.write(b"\0" * 64)
            else:
                dst.writestr(info.filename, data)
    with pytest.raises(ValueError, match=r"declares shape \(1000000, 1000000\)"):
        LOADERS[kind](path)


def test_zip_bomb_of_overlapping_members_is_refused(saved, tmp_path):
    """Many central-directory entries pointing at one deflated member."""
    path = tmp_path / "bomb.npz"
    payload = np.lib.format.header_data_from_array_1_0(np.zeros(10**6))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        with dst.open("attr:cluster_centers_.npy", "w") as fh:
            np.lib.format.write_array_header_1_0(fh, payload)
            fh.write(b"\0" * 8 * 10**6)
        first = dst.filelist[0]
        for i in range(200):
            clone = zipfile.ZipInfo(f"copy{i}.npy", first.date_time)
            for attr in ("compress_type", "file_size", "compress_size", "CRC", "header_offset"):
                setattr(clone, attr, getattr(first, attr))
            dst.filelist.append(clone)
    with pytest.raises(ValueError, match="bomb.npz"):
        KMeans.load(path)


def test_wrong_json_types(saved, tmp_path):
    arrays = members(saved["kmeans"])
    meta = meta_of(arrays)
    cases = {
        "attributes": [1],
        "params": "x",
        "array_params": {"a": 1},
        "array_attributes": [3],
    }
    for key, value in cases.items():
        path = write(tmp_path / f"{key}.npz", with_meta(arrays, {**meta, key: value}))
        with pytest.raises(ValueError, match=f"{key}.npz.*{key}"):
            KMeans.load(path)
    path = write(tmp_path / "list.npz", arrays | {META: np.array("[1, 2]")})
    with pytest.raises(ValueError, match="does not say 'vqkit-model'"):
        KMeans.load(path)


@pytest.mark.parametrize(
    "centres, message",
    [
        (np.ones(3), "must have 2 dimension"),
        (np.ones((3, 3), complex), "complex128"),
        (np.ones((3, 3), np.float16), "float16"),
        (np.full((3, 3), "1.5"), "<U3"),
        (np.ones((3, 3), ">f8"), ">f8"),
        (np.ones((3, 3), int), "int64"),
        (np.full((3, 3), np.nan), "NaN"),
        (np.ones((3, 2)), r"expected \(k, d\) with k = 3, d = 3"),
        (np.ones((4, 3)), r"expected \(k, d\) with k = 3"),
        (np.ones((3, 3, 1)), "must have 2 dimension"),
    ],
)
def test_bad_centres(saved, tmp_path, centres, message):
    for kind in ("kmeans", "minibatch"):
        path = write(tmp_path / "c.npz", members(saved[kind]) | {"attr:cluster_centers_": centres})
        with pytest.raises(ValueError, match=message):
            LOADERS[kind](path)
    path = write(tmp_path / "cb.npz", members(saved["codebook"]) | {"codewords": centres})
    if centres.ndim == 2 and centres.dtype == np.float64 and np.isfinite(centres).all():
        # a code book has no other sizes to agree with
        assert Codebook.load(path).codewords.shape == centres.shape
    else:
        with pytest.raises(ValueError, match="cb.npz"):
            Codebook.load(path)


def test_minibatch_counts_and_labels(saved, tmp_path):
    arrays = members(saved["minibatch"])
    for name, value, message in [
        ("attr:counts_", np.ones(7), r"counts_ has shape \(7,\)"),
        ("attr:counts_", -np.ones(3), "below its least value"),
        ("attr:counts_", np.array([1, np.inf, 1]), "infinity"),
        ("attr:labels_", np.full(60, 3, np.int32), "must be below 3"),
        ("attr:labels_", np.zeros(60), "must hold integers"),
    ]:
        path = write(tmp_path / "m.npz", arrays | {name: value})
        with pytest.raises(ValueError, match=message):
            MiniBatchKMeans.load(path)


def test_non_regular_files_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        KMeans.load(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        Codebook.load(tmp_path)


# ----------------------------------------------------------------------
# hypothesis: families of corruption

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [
            "",
            "auto",
            "k-means++",
            "random",
            "lloyd",
            "cosine",
            "manhattan",
            "euclidean",
            "KMeans",
            "vqkit-model",
            "x" * 50,
        ]
    )
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "step", "iteration", "inertia", "format"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)


@st.composite
def json_edit(draw, meta):
    """A copy of ``meta`` with one value replaced, a key deleted or a key added,
    somewhere in its tree."""
    meta = json.loads(json.dumps(meta))
    node, key = None, None
    target = meta
    while isinstance(target, (dict, list)) and target and draw(st.booleans()):
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        node, key = target, draw(st.sampled_from(keys))
        target = node[key]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if node is None or action == "add":
        holder = target if isinstance(target, dict) else meta
        holder[draw(st.sampled_from(["extra", "params", "n_features_in_", "class"]))] = draw(
            JSON_VALUES
        )
    elif action == "delete":
        del node[key]
    else:
        node[key] = draw(JSON_VALUES)
    return meta


DTYPES = st.sampled_from(
    [
        np.float64,
        np.float32,
        np.float16,
        np.complex128,
        np.int64,
        np.int32,
        np.int8,
        np.uint8,
        np.uint64,
        np.bool_,
        ">f8",
        ">i8",
        "<U3",
    ]
)


@st.composite
def replacement(draw, original):
    """An array to put in place of ``original``: another dtype, shape or
    number of dimensions, or the same dtype and shape with other values."""
    dtype = np.dtype(original.dtype if draw(st.booleans()) else draw(DTYPES))
    if draw(st.booleans()):
        shape = original.shape
    else:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=8))
    if dtype.kind == "f":
        elements = st.floats(-1e3, 1e3, width=min(dtype.itemsize * 8, 64)) | st.sampled_from(
            [np.nan, np.inf, -np.inf, 0.0]
        )
    elif dtype.kind in "iu":
        low = 0 if dtype.kind == "u" else -3
        elements = st.integers(low, 12)
    elif dtype.kind == "c":
        elements = st.complex_numbers(max_magnitude=10, allow_nan=False)
    elif dtype.kind == "U":
        elements = st.sampled_from(["1", "nan", "x", ""])
    else:
        elements = None
    return draw(hnp.arrays(dtype, shape, elements=elements))


@pytest.mark.parametrize("kind", sorted(LOADERS))
@SETTINGS
@given(data=st.data())
def test_random_json_edits(saved, tmp_path, kind, data):
    arrays = members(saved[kind])
    meta = data.draw(json_edit(meta_of(arrays)))
    check_outcome(kind, write(tmp_path / "edited.npz", with_meta(arrays, meta)))


@pytest.mark.parametrize("kind", sorted(LOADERS))
@SETTINGS
@given(data=st.data())
def test_random_array_replacements(saved, tmp_path, kind, data):
    arrays = members(saved[kind])
    names = sorted(key for key in arrays if key != META)
    changed = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    for name in changed:
        arrays[name] = data.draw(replacement(arrays[name]), label=name)
    if data.draw(st.booleans()):  # also drop or add a member
        if data.draw(st.booleans()):
            del arrays[data.draw(st.sampled_from(names))]
        else:
            arrays["attr:extra_"] = np.ones(3)
    check_outcome(kind, write(tmp_path / "replaced.npz", arrays))


@pytest.mark.parametrize("kind", ["bisecting"])
@settings(SETTINGS, max_examples=150)
@given(data=st.data())
def test_random_trees(saved, tmp_path, kind, data):
    """Tree arrays of the right dtype and shape with other values."""
    arrays = members(saved[kind])
    nodes = arrays["attr:tree_children_"].shape[0]
    values = st.integers(-2, nodes + 1)
    for name, shape in [
        ("attr:tree_children_", (nodes, 2)),
        ("attr:tree_parent_", (nodes,)),
        ("attr:tree_labels_", (nodes,)),
    ]:
        if data.draw(st.booleans(), label=f"change {name}"):
            arrays[name] = data.draw(hnp.arrays(np.int64, shape, elements=values), label=name)
    check_outcome(kind, write(tmp_path / "tree.npz", arrays))


@pytest.mark.parametrize("kind", sorted(LOADERS))
@SETTINGS
@given(data=st.data())
def test_truncated_and_flipped_bytes(saved, tmp_path, kind, data):
    raw = bytearray(saved[kind].read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "bytes.npz"
    path.write_bytes(bytes(raw))
    check_outcome(kind, path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
@SETTINGS
@given(data=st.data())
def test_random_declared_sizes(saved, tmp_path, kind, data):
    """Central-directory sizes that do not match the members."""
    path = tmp_path / "sizes.npz"
    with zipfile.ZipFile(saved[kind]) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        victim = data.draw(st.sampled_from(dst.filelist))
        victim.file_size = data.draw(st.integers(0, 2**50))
        if data.draw(st.booleans()):
            victim.compress_size = data.draw(st.integers(0, 2**50))
    check_outcome(kind, path)


def _event(outcome):
    """Count outcomes in hypothesis's statistics (outside a test: nothing)."""
    with contextlib.suppress(InvalidArgument):
        event(outcome)


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(vqkit.__file__).parents[1])
    return env
