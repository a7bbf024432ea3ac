"""The ``vqkit`` command on files as pandas writes them, run as a user runs
it (a subprocess): header rule, index and id columns, decimal commas,
row numbers after ``--missing drop``, ``--output``, ``--save-model`` and
``predict``."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def vqkit(*args, cwd=None):
    """Run ``python -m vqkit ARGS``: ``(returncode, stdout, stderr)``."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-m", "vqkit", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr


def blobs(n=60, d=3, seed=0):
    """Three well separated groups of ``n`` rows in ``d`` columns, and
    their group of each row."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(3), n // 3)
    X = rng.normal(size=(n, d)) * 0.3 + truth[:, None] * 10.0
    return X, truth


def reference_inertia(X, seed=0):
    """Inertia of the same fit in the library (the oracle of the CLI's
    reading: same rows, same numbers, same result)."""
    from vqkit import KMeans

    return KMeans(n_clusters=3, random_state=seed).fit(X).inertia_


def run_json(*args):
    """The JSON document of a run (``cluster`` runs get ``--seed 0``)."""
    seed = ("--seed", 0) if args[0] == "cluster" else ()
    code, out, err = vqkit(*args, "--json", *seed)
    assert code == 0, err
    return json.loads(out)


# ----------------------------------------------------------------------
# the header rule


def test_pandas_default_header_is_not_a_row(tmp_path):
    X, _ = blobs()
    path = tmp_path / "plain.csv"
    pd.DataFrame(X).to_csv(path, index=False)  # header 0,1,2
    doc = run_json("cluster", path, "-k", 3)
    assert doc["n_samples"] == len(X)
    assert doc["header"] is True and "pandas' default names" in doc["header_reason"]
    assert doc["columns"] == ["0", "1", "2"]
    assert doc["inertia"] == pytest.approx(reference_inertia(X))
    code, out, _ = vqkit("cluster", path, "-k", 3, "--seed", 0)
    assert code == 0
    assert f"{len(X)} rows x 3 columns" in out
    assert "Header: line 1 names the columns (pandas' default names 0 to 2)" in out


def test_pandas_index_column_is_row_ids_not_a_feature(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c"]).iloc[::2]  # index 0, 2, 4, ...
    path = tmp_path / "indexed.csv"
    df.to_csv(path)  # header ",a,b,c"
    doc = run_json("cluster", path, "-k", 3)
    assert doc["n_features"] == 3 and doc["columns"] == ["a", "b", "c"]
    assert doc["id_column"] == ""
    assert doc["row_ids"] == [str(i) for i in df.index]
    assert doc["inertia"] == pytest.approx(reference_inertia(df.to_numpy()))
    labels = tmp_path / "labels.csv"
    code, _, err = vqkit("cluster", path, "-k", 3, "--seed", 0, "--labels", labels)
    assert code == 0, err
    back = pd.read_csv(labels, index_col=0)
    joined = pd.read_csv(path, index_col=0).join(back)
    assert joined["label"].tolist() == doc["labels"]


def test_pandas_integer_names_with_index(tmp_path):
    X, _ = blobs()
    path = tmp_path / "both.csv"
    pd.DataFrame(X).to_csv(path)  # header ",0,1,2"
    doc = run_json("cluster", path, "-k", 3)
    assert doc["n_samples"] == len(X) and doc["n_features"] == 3
    assert doc["id_column"] == ""
    assert doc["inertia"] == pytest.approx(reference_inertia(X))


def test_header_of_years_above_decimal_rows(tmp_path):
    X, _ = blobs()
    path = tmp_path / "years.csv"
    pd.DataFrame(X, columns=[2019, 2020, 2021]).to_csv(path, index=False)
    doc = run_json("cluster", path, "-k", 3)
    assert doc["n_samples"] == len(X)
    assert doc["columns"] == ["2019", "2020", "2021"]
    assert doc["inertia"] == pytest.approx(reference_inertia(X))
    # told otherwise, the line is data
    doc = run_json("cluster", path, "-k", 3, "--no-header")
    assert doc["n_samples"] == len(X) + 1 and doc["header"] is False


def test_headerless_numeric_files_keep_their_first_row(tmp_path):
    X, _ = blobs()
    floats = tmp_path / "floats.csv"
    pd.DataFrame(X).to_csv(floats, index=False, header=False)
    whole = np.rint(X * 10).astype(int)
    ints = tmp_path / "ints.csv"
    pd.DataFrame(whole).to_csv(ints, index=False, header=False)
    savetxt = tmp_path / "savetxt.txt"
    np.savetxt(savetxt, X)
    for path, data in ((floats, X), (ints, whole), (savetxt, X)):
        doc = run_json("cluster", path, "-k", 3)
        assert doc["n_samples"] == len(X), path
        assert doc["header"] is False and "is data" in doc["header_reason"]
        assert doc["inertia"] == pytest.approx(reference_inertia(data.astype(float)))


def test_text_header_and_an_id_column(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["x", "y", "z"])
    df.insert(0, "id", np.arange(100, 100 + len(X)))
    path = tmp_path / "ids.csv"
    df.to_csv(path, index=False)
    doc = run_json("cluster", path, "-k", 3)
    assert doc["columns"] == ["x", "y", "z"] and doc["id_column"] == "id"
    assert doc["inertia"] == pytest.approx(reference_inertia(X))
    # --id-column none makes it a feature again
    doc = run_json("cluster", path, "-k", 3, "--id-column", "none")
    assert doc["columns"] == ["id", "x", "y", "z"]
    labels = tmp_path / "labels.csv"
    code, _, err = vqkit("cluster", path, "-k", 3, "--seed", 0, "--labels", labels)
    assert code == 0, err
    assert pd.read_csv(labels)["id"].tolist() == df["id"].tolist()


def test_decimal_commas(tmp_path):
    X, _ = blobs()
    path = tmp_path / "comma.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).to_csv(path, index=False, sep=";", decimal=",")
    doc = run_json("cluster", path, "-k", 3, "--decimal", ",")
    assert doc["n_samples"] == len(X)
    assert doc["inertia"] == pytest.approx(reference_inertia(X))
    code, _, err = vqkit("cluster", path, "-k", 3)
    assert code == 1 and "--decimal ," in err and "Traceback" not in err
    code, _, err = vqkit("cluster", path, "-k", 3, "--decimal", ",", "-d", ",")
    assert code == 2 and "delimiter" in err


# ----------------------------------------------------------------------
# --missing drop keeps the row numbers


def test_missing_drop_keeps_row_numbers(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    dropped = [2, 7, 30]
    df.iloc[dropped, 1] = np.nan
    path = tmp_path / "holes.csv"
    df.to_csv(path, index=False)
    doc = run_json("cluster", path, "-k", 3, "--missing", "drop")
    kept = [i for i in range(len(X)) if i not in dropped]
    assert doc["rows_dropped"] == 3 and doc["dropped_rows"] == dropped
    assert doc["rows"] == kept
    assert doc["inertia"] == pytest.approx(reference_inertia(X[kept]))
    out = {s: tmp_path / f"labels{s}" for s in (".csv", ".txt", ".npy")}
    for labels in out.values():
        code, _, err = vqkit(
            "cluster", path, "-k", 3, "--seed", 0, "--missing", "drop", "--labels", labels
        )
        assert code == 0, err
    csv_labels = pd.read_csv(out[".csv"])
    assert csv_labels["row"].tolist() == kept
    assert csv_labels["label"].tolist() == doc["labels"]
    lines = out[".txt"].read_text().split("\n")[:-1]
    assert len(lines) == len(X)
    assert [lines[i] for i in dropped] == ["", "", ""]
    assert [int(lines[i]) for i in kept] == doc["labels"]
    npy = np.load(out[".npy"])
    assert npy.shape == (len(X),) and (npy[dropped] == -1).all()
    assert npy[kept].tolist() == doc["labels"]


# ----------------------------------------------------------------------
# --plot draws the data that was clustered


def test_standardized_plot_draws_the_scaled_data(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from vqkit import plot as plot_module
    from vqkit.cli import main

    X, _ = blobs(d=2)
    X[:, 1] *= 1000.0  # the second column dwarfs the first unless scaled
    path = tmp_path / "two.csv"
    pd.DataFrame(X, columns=["small", "large"]).to_csv(path, index=False)
    png = tmp_path / "plot.png"
    code, _, err = vqkit("cluster", path, "-k", 3, "--standardize", "--plot", png, "--seed", 0)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the same command in this process, keeping the figure to read its axes
    figures = []
    monkeypatch.setattr(plot_module, "save_figure", lambda fig, out: figures.append(fig))
    args = ["cluster", str(path), "-k", "3", "--standardize", "--plot", str(png), "--seed", "0"]
    with pytest.raises(SystemExit) as done:
        main(args, prog_name="vqkit")
    assert done.value.code == 0
    ax = figures[0].axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("small (standardized)", "large (standardized)")
    drawn = np.concatenate([c.get_offsets() for c in ax.collections])
    assert np.abs(drawn).max() < 10  # standard units, not thousands
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    gaps = np.abs(Xs[:, None, :] - drawn[None, :, :]).max(axis=2).min(axis=1)
    assert gaps.max() < 1e-9  # every row drawn where its scaled values put it


def test_shell_completion():
    env = dict(
        os.environ,
        PYTHONPATH=SRC,
        _VQKIT_COMPLETE="bash_complete",
        COMP_WORDS="vqkit cluster data.csv --dec",
        COMP_CWORD="3",
    )
    done = subprocess.run(
        [sys.executable, "-m", "vqkit"], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "--decimal" in done.stdout
    env["COMP_WORDS"], env["COMP_CWORD"] = "vqkit pre", "1"
    done = subprocess.run(
        [sys.executable, "-m", "vqkit"], capture_output=True, text=True, env=env, timeout=300
    )
    assert "predict" in done.stdout


# ----------------------------------------------------------------------
# --output, --save-model and predict


def test_output_appends_labels_and_keeps_every_row(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, "species", [f"s{i % 3}" for i in range(len(X))])
    df.iloc[5, 2] = np.nan
    path = tmp_path / "mixed.csv"
    df.to_csv(path)  # with pandas' index
    out = tmp_path / "out.csv"
    code, _, err = vqkit(
        "cluster", path, "-k", 3, "-c", "a,b,c", "--missing", "drop", "--seed", 0, "-o", out
    )
    assert code == 0, err
    back = pd.read_csv(out, index_col=0)
    assert list(back.columns) == ["species", "a", "b", "c", "label"]
    assert len(back) == len(X) and back["species"].tolist() == df["species"].tolist()
    assert np.isnan(back["label"].iloc[5]) and back["label"].drop(index=5).notna().all()
    np.testing.assert_array_equal(back[["a", "b", "c"]].to_numpy(), df[["a", "b", "c"]].to_numpy())
    doc = run_json("cluster", path, "-k", 3, "-c", "a,b,c", "--missing", "drop")
    assert back["label"].drop(index=5).astype(int).tolist() == doc["labels"]


def test_output_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    X, _ = blobs()
    path = tmp_path / "plain.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).to_csv(path, index=False)
    out = tmp_path / "out.parquet"
    code, _, err = vqkit("cluster", path, "-k", 3, "--seed", 0, "-o", out)
    assert code == 0, err
    back = pd.read_parquet(out)
    assert list(back.columns) == ["a", "b", "c", "label"]
    np.testing.assert_array_equal(back[["a", "b", "c"]].to_numpy(), X)
    assert back["label"].tolist() == run_json("cluster", path, "-k", 3)["labels"]


def test_saved_model_predicts_as_cluster_labelled(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["b"] *= 100
    train = tmp_path / "train.csv"
    df.to_csv(train)
    model = tmp_path / "model.npz"
    code, _, err = vqkit(
        "cluster", train, "-k", 3, "--standardize", "--seed", 0, "--save-model", model
    )
    assert code == 0, err
    doc = run_json("cluster", train, "-k", 3, "--standardize")
    # the same rows, columns in another order, scaled with the training scaling
    shuffled = tmp_path / "new.csv"
    df[["c", "a", "b"]].to_csv(shuffled)
    code, out, err = vqkit("predict", model, shuffled)
    assert code == 0, err
    labels = pd.read_csv(pd.io.common.StringIO(out), index_col=0)["label"]
    assert labels.tolist() == doc["labels"]
    pred = run_json("predict", model, shuffled, "--distances")
    from vqkit import KMeans

    km = KMeans.load(model)  # a KMeans model file
    Xs = (df.to_numpy() - df.to_numpy().mean(axis=0)) / df.to_numpy().std(axis=0)
    nearest = np.sqrt(((Xs[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1)).min(axis=1)
    np.testing.assert_allclose(pred["distances"], nearest, rtol=1e-10)
    # a file with a column the training file did not have is refused
    other = tmp_path / "other.csv"
    df.assign(d=1.0).to_csv(other)
    code, out, err = vqkit("predict", model, other)
    assert code == 1 and "'d'" in err and "Traceback" not in err and out == ""
    lacking = tmp_path / "lacking.csv"
    df[["a", "b"]].to_csv(lacking)
    code, _, err = vqkit("predict", model, lacking)
    assert code == 1 and "'c'" in err


def test_predict_without_names_checks_the_width(tmp_path):
    X, _ = blobs()
    train = tmp_path / "train.txt"
    np.savetxt(train, X)
    model = tmp_path / "model.npz"
    code, _, err = vqkit("cluster", train, "-k", 3, "--whiten", "--seed", 0, "--save-model", model)
    assert code == 0, err
    labels = tmp_path / "labels.npy"
    code, _, err = vqkit("predict", model, train, "--labels", labels)
    assert code == 0, err
    assert np.load(labels).tolist() == run_json("cluster", train, "-k", 3, "--whiten")["labels"]
    wide = tmp_path / "wide.txt"
    np.savetxt(wide, np.hstack([X, X]))
    code, _, err = vqkit("predict", model, wide)
    assert code == 1 and "6 columns" in err and "3" in err


def test_predict_refuses_other_files_as_models(tmp_path):
    X, _ = blobs()
    data = tmp_path / "data.csv"
    pd.DataFrame(X).to_csv(data, index=False)
    plain = tmp_path / "plain.npz"
    from vqkit import KMeans

    KMeans(n_clusters=3, random_state=0).fit(X).save(plain)
    code, _, err = vqkit("predict", plain, data)
    assert code == 1 and "--save-model" in err and "Traceback" not in err
    npy = tmp_path / "x.npy"
    np.save(npy, X)
    code, _, err = vqkit("predict", npy, data)
    assert code == 1 and "not a model file" in err
    code, _, err = vqkit("predict", tmp_path / "absent.npz", data)
    assert code in (1, 2) and "absent.npz" in err


def test_predict_refuses_a_tampered_scaling(tmp_path):
    X, _ = blobs()
    data = tmp_path / "data.csv"
    pd.DataFrame(X).to_csv(data, index=False)
    model = tmp_path / "model.npz"
    code, _, err = vqkit("cluster", data, "-k", 3, "--standardize", "--save-model", model)
    assert code == 0, err
    archive = dict(np.load(model, allow_pickle=False))
    meta = json.loads(str(archive["__vqkit__"]))
    for bad in ([0.0, 1.0, 1.0], [1.0, 1.0], ["1", 1.0, 1.0], [1.0, True, 1.0]):
        meta["cli"]["scale"] = bad
        archive["__vqkit__"] = np.array(json.dumps(meta))
        tampered = tmp_path / "tampered.npz"
        np.savez(tampered, **archive)
        with zipfile.ZipFile(tampered) as z:
            assert "__vqkit__.npy" in z.namelist()
        code, _, err = vqkit("predict", tampered, data)
        assert code == 1 and "scale" in err and "Traceback" not in err, (bad, err)


def test_wine_as_pandas_writes_it(tmp_path):
    datasets = pytest.importorskip("sklearn.datasets")
    X = datasets.load_wine().data
    path = tmp_path / "wine.csv"
    pd.DataFrame(X).to_csv(path, index=False)
    code, out, err = vqkit("cluster", path, "-k", 3, "--standardize", "--seed", 0)
    assert code == 0, err
    assert "178 rows x 13 columns" in out
    doc = run_json("cluster", path, "-k", 3, "--standardize")
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    assert doc["inertia"] == pytest.approx(reference_inertia(Xs))


def test_output_of_a_binary_input_numbers_its_rows(tmp_path):
    X, _ = blobs()
    X[4, 0] = np.nan
    path = tmp_path / "x.npy"
    np.save(path, X)
    out = tmp_path / "out.csv"
    code, _, err = vqkit("cluster", path, "-k", 3, "--seed", 0, "--missing", "drop", "-o", out)
    assert code == 0, err
    back = pd.read_csv(out)
    assert list(back.columns) == ["row", "x0", "x1", "x2", "label"]
    kept = [i for i in range(len(X)) if i != 4]
    assert back["row"].tolist() == kept
    np.testing.assert_array_equal(back[["x0", "x1", "x2"]].to_numpy(), X[kept])


def test_predict_output_with_drops_and_a_named_id_column(tmp_path):
    X, _ = blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(2, "sample", [f"s-{i}" for i in range(len(X))])
    train = tmp_path / "train.csv"
    df.to_csv(train, index=False)
    model = tmp_path / "model.npz"
    code, _, err = vqkit(
        "cluster", train, "-k", 3, "--seed", 0, "--id-column", "sample", "--save-model", model
    )
    assert code == 0, err
    new = df.iloc[:10].copy()
    new.iloc[3, 0] = np.nan
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False)
    out = tmp_path / "out.tsv"
    code, stdout, err = vqkit(
        "predict",
        model,
        path,
        "--id-column",
        "sample",
        "--missing",
        "drop",
        "-o",
        out,
        "--distances",
    )
    assert code == 0, err
    assert stdout == ""  # with --output, nothing on stdout
    back = pd.read_csv(out, sep="\t")
    assert list(back.columns) == ["a", "b", "sample", "c", "label", "distance"]
    assert back["sample"].tolist() == new["sample"].tolist()
    assert np.isnan(back["label"][3]) and np.isnan(back["distance"][3])
    full = run_json("cluster", train, "-k", 3, "--id-column", "sample")
    expected = [full["labels"][i] for i in range(10) if i != 3]
    assert back["label"].drop(index=3).astype(int).tolist() == expected
    doc = run_json("predict", model, path, "--id-column", "sample", "--missing", "drop")
    assert doc["row_ids"] == [f"s-{i}" for i in range(10) if i != 3]
    assert doc["dropped_rows"] == [3] and doc["labels"] == expected
