"""The ``vqkit cluster`` command: input formats, outputs, JSON, plots, errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import vqkit.cli._output
import vqkit.cli._terminal
from cli_helpers import assert_error, invoke, json_output
from helpers import break_np_save

CENTRES = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]])


def _blobs(n_per=20, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([c + rng.normal(scale=0.5, size=(n_per, 2)) for c in CENTRES])


X = _blobs()
N = X.shape[0]


def _csv_text(delimiter=",", header=True, newline="\n", quote=False):
    q = '"' if quote else ""
    lines = [f"{q}x{q}{delimiter}{q}y{q}"] if header else []
    lines += [f"{q}{a!r}{q}{delimiter}{b!r}" for a, b in X.tolist()]
    return newline.join(lines) + newline


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(_csv_text())
    return path


def _same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _truth():
    return np.repeat(np.arange(3), N // 3)


# ----------------------------------------------------------------------
# success


def test_summary(csv_file):
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{csv_file}: {N} rows x 2 columns (x, y)" in out
    assert "k-means: k=3, metric euclidean, init k-means++, n_init 1, seed 0" in out
    assert "Cluster sizes: 20, 20, 20" in out
    assert "Centres:" in out and "cluster" in out and " x " in out.replace("  ", " ")
    assert "inertia" in out
    assert result.stderr == ""


def test_json(csv_file):
    doc = json_output(invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--json"]))
    assert {"k", "centroids", "labels", "inertia", "n_iter", "metric", "init", "seed"} <= set(doc)
    assert doc["k"] == 3 and doc["metric"] == "euclidean" and doc["init"] == "k-means++"
    assert doc["seed"] == 0 and doc["columns"] == ["x", "y"] and doc["n_samples"] == N
    assert len(doc["labels"]) == N and _same_partition(doc["labels"], _truth())
    C = np.array(doc["centroids"])
    assert C.shape == (3, 2)
    for j in range(3):
        np.testing.assert_allclose(C[j], X[np.array(doc["labels"]) == j].mean(axis=0))
    assert doc["inertia"] == pytest.approx(
        sum(((X[np.array(doc["labels"]) == j] - C[j]) ** 2).sum() for j in range(3))
    )
    assert doc["sizes"] == [20, 20, 20] and doc["n_iter"] >= 1


def test_same_seed_same_result(csv_file):
    a = json_output(invoke(["cluster", csv_file, "-k", 4, "--seed", 7, "--json"]))
    b = json_output(invoke(["cluster", csv_file, "-k", 4, "--seed", 7, "--json"]))
    assert a == b


@pytest.mark.parametrize(
    "name, text",
    [
        ("header.csv", _csv_text()),
        ("noheader.csv", _csv_text(header=False)),
        ("semicolon.csv", _csv_text(";")),
        ("tabs.tsv", _csv_text("\t")),
        ("spaces.txt", _csv_text(" ", header=False)),
        ("quoted.csv", _csv_text(quote=True)),
        ("bom.csv", "\ufeff" + _csv_text()),
        ("crlf.csv", _csv_text(newline="\r\n")),
    ],
)
def test_csv_variants(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    doc = json_output(invoke(["cluster", path, "-k", 3, "--seed", 0, "--json"]))
    assert doc["n_samples"] == N and doc["n_features"] == 2
    assert _same_partition(doc["labels"], _truth())


def test_npy_npz_parquet_and_stdin(tmp_path, csv_file):
    ref = json_output(invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--json"]))
    np.save(tmp_path / "p.npy", X)
    np.savez(tmp_path / "one.npz", X)
    np.savez(tmp_path / "two.npz", train=X, other=np.zeros((3, 2)))
    runs = [
        ["cluster", tmp_path / "p.npy"],
        ["cluster", tmp_path / "one.npz"],
        ["cluster", tmp_path / "two.npz", "--key", "train"],
    ]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(
            pa.table({"x": X[:, 0], "label": ["a"] * N, "y": X[:, 1]}), tmp_path / "p.parquet"
        )
        runs.append(["cluster", tmp_path / "p.parquet", "--columns", "x,y"])
    except ImportError:  # pragma: no cover - pyarrow is in the test extra
        pass
    for args in runs:
        doc = json_output(invoke(args + ["-k", 3, "--seed", 0, "--json"]))
        assert doc["labels"] == ref["labels"], args
        np.testing.assert_allclose(doc["centroids"], ref["centroids"])
    doc = json_output(
        invoke(["cluster", "-", "-k", 3, "--seed", 0, "--json"], input=_csv_text("\t"))
    )
    assert doc["labels"] == ref["labels"] and doc["input"] == "<stdin>"


def test_columns_option(tmp_path):
    path = tmp_path / "wide.csv"
    rows = ["id,name,x,y"] + [f"{i},p{i},{a},{b}" for i, (a, b) in enumerate(X.tolist())]
    path.write_text("\n".join(rows) + "\n")
    for spec in ("x,y", "2,3", "2:4", "-2:"):
        doc = json_output(
            invoke(["cluster", path, "-k", 3, "--columns", spec, "--json", "--seed", 1])
        )
        assert doc["columns"] == ["x", "y"] and _same_partition(doc["labels"], _truth())


def test_delimiter_and_header_options(tmp_path):
    path = tmp_path / "pipe.txt"
    path.write_text(_csv_text("|", header=False))
    doc = json_output(invoke(["cluster", path, "-k", 3, "-d", "|", "--json", "--seed", 0]))
    assert doc["n_samples"] == N and doc["columns"] is None
    path = tmp_path / "num-header.csv"
    path.write_text("1,2\n" + _csv_text(header=False))
    doc = json_output(invoke(["cluster", path, "-k", 3, "--header", "--json", "--seed", 0]))
    assert doc["columns"] == ["1", "2"] and doc["n_samples"] == N


def test_labels_and_centres_files(tmp_path, csv_file):
    labels, centres = tmp_path / "labels.txt", tmp_path / "centres.csv"
    result = invoke(
        ["cluster", csv_file, "-k", 3, "--seed", 0, "--labels", labels, "--centers", centres]
    )
    assert result.exit_code == 0, result.output
    assert f"Saved the labels to {labels}" in result.stdout
    got = [int(v) for v in labels.read_text().split()]
    assert len(got) == N and _same_partition(got, _truth())
    lines = centres.read_text().splitlines()
    assert lines[0] == "x,y" and len(lines) == 4
    C = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    for j in range(3):
        np.testing.assert_allclose(C[j], X[np.array(got) == j].mean(axis=0))
    # .csv labels with an index column, .npy centres
    result = invoke(
        [
            "cluster",
            csv_file,
            "-k",
            3,
            "--seed",
            0,
            "--labels",
            tmp_path / "l.csv",
            "--centres",
            tmp_path / "c.npy",
            "-q",
        ]
    )
    assert result.exit_code == 0 and result.output == ""
    assert (tmp_path / "l.csv").read_text().splitlines()[:2] == ["row,label", f"0,{got[0]}"]
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), C)


def test_labels_to_stdout(csv_file):
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--labels", "-"])
    assert result.exit_code == 0
    labels = [int(v) for v in result.stdout.split()]
    assert len(labels) == N and _same_partition(labels, _truth())


def test_centres_to_stdout(csv_file):
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--centers", "-"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "x,y" and len(result.stdout.splitlines()) == 4


def test_standardize_and_whiten_report_centres_in_input_units(tmp_path):
    Y = X * np.array([1.0, 1000.0])  # very different scales
    np.save(tmp_path / "scaled.npy", Y)
    for flag in ("--standardize", "--whiten"):
        doc = json_output(
            invoke(["cluster", tmp_path / "scaled.npy", "-k", 3, flag, "--json", "--seed", 0])
        )
        assert doc["scaling"] == flag.lstrip("-")
        labels = np.array(doc["labels"])
        assert _same_partition(labels, _truth())
        for j in range(3):
            np.testing.assert_allclose(doc["centroids"][j], Y[labels == j].mean(axis=0))


@pytest.mark.parametrize("metric", ["cosine", "manhattan"])
def test_metrics(tmp_path, metric):
    np.save(tmp_path / "p.npy", X + 1.0)  # no all-zero rows for cosine
    doc = json_output(
        invoke(["cluster", tmp_path / "p.npy", "-k", 2, "--metric", metric, "--json", "--seed", 0])
    )
    assert doc["metric"] == metric and len(doc["labels"]) == N


def test_init_and_n_init(csv_file):
    doc = json_output(
        invoke(["cluster", csv_file, "-k", 3, "--init", "random", "--json", "--seed", 0])
    )
    assert doc["init"] == "random" and doc["n_init"] == 10
    doc = json_output(
        invoke(
            [
                "cluster",
                csv_file,
                "-k",
                3,
                "--init",
                "k-means||",
                "--n-init",
                3,
                "--max-iter",
                5,
                "--json",
                "--seed",
                0,
            ]
        )
    )
    assert doc["n_init"] == 3 and doc["max_iter"] == 5 and doc["n_iter"] <= 5


def test_missing_drop_reports_on_stderr(tmp_path):
    text = _csv_text().splitlines()
    text[5] = "NA," + text[5].split(",")[1]
    path = tmp_path / "holes.csv"
    path.write_text("\n".join(text) + "\n")
    result = invoke(["cluster", path, "-k", 3, "--missing", "drop", "--json", "--seed", 0])
    doc = json_output(result)
    assert doc["n_samples"] == N - 1 and doc["rows_dropped"] == 1
    assert "Dropped 1 row with missing values (line 6)." in result.stderr


def test_k_auto(csv_file):
    doc = json_output(invoke(["cluster", csv_file, "-k", "auto", "--seed", 0, "--json"]))
    assert doc["k"] == 3 and doc["choose_k"]["best_k"] == 3
    assert set(doc["choose_k"]["picks"]) >= {"silhouette", "gap"}
    result = invoke(["cluster", csv_file, "-k", "auto", "--seed", 0])
    assert result.exit_code == 0
    assert "Chose k=3 from k=1..10" in result.stdout


def test_plot(tmp_path, csv_file):
    pytest.importorskip("matplotlib")
    png = tmp_path / "clusters.png"
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--plot", png])
    assert result.exit_code == 0, result.output
    assert f"Saved the plot to {png}" in result.stdout
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clusters.png", "points.csv"]


def test_plot_of_many_features(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(3)
    np.save(tmp_path / "d5.npy", np.vstack([rng.normal(m, 1, (30, 5)) for m in (0, 6)]))
    png = tmp_path / "pca.png"
    result = invoke(["cluster", tmp_path / "d5.npy", "-k", 2, "--plot", png, "-q"])
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG")


def test_progress_bar_only_on_a_terminal(csv_file, monkeypatch):
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0])
    assert "k-means, k=3" not in result.stderr  # not a terminal
    monkeypatch.setattr(vqkit.cli._terminal, "_stderr_is_terminal", lambda: True)
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--n-init", 2])
    assert result.exit_code == 0
    assert "k-means, k=3" in result.stderr
    result = invoke(["cluster", csv_file, "-k", 3, "--seed", 0, "--quiet"])
    assert result.output == ""


def test_progress_callback_counts_runs_and_iterations(monkeypatch):
    calls = []

    class Bar:
        pos = 0
        length = 0

        def __init__(self, **kwargs):
            self.length = kwargs["length"]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n, item=None):
            self.pos += n
            calls.append((self.pos, item))

    monkeypatch.setattr(vqkit.cli._terminal.click, "progressbar", lambda **kw: Bar(**kw))
    with vqkit.cli._terminal._kmeans_progress(True, "t", 2, 10) as callback:
        from vqkit.core.lloyd import IterationStats

        for _run in range(2):
            for it in range(3):
                callback(IterationStats(it, None, 1.0, 0, 0, 0.0, 0.0))
    positions = [p for p, _ in calls]
    assert positions == [1, 2, 3, 10, 11, 12, 13, 20]


def test_help_has_examples():
    for command in (
        "cluster",
        "choose-k",
        "encode",
        "decode",
        "train-codebook",
        "quantize",
        "demo",
    ):
        result = invoke([command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output and f"vqkit {command}" in result.output
    result = invoke(["--help"])
    for command in ("cluster", "choose-k", "encode", "decode", "train-codebook"):
        assert command in result.output


def test_version():
    result = invoke(["--version"])
    assert result.exit_code == 0 and vqkit.__version__ in result.output


# ----------------------------------------------------------------------
# bad input


def test_missing_file(tmp_path):
    assert_error(invoke(["cluster", tmp_path / "nope.csv", "-k", 2]), 1, "nope.csv: no such file")


def test_directory(tmp_path):
    assert_error(invoke(["cluster", tmp_path, "-k", 2]), 1, "is a directory")


def test_unreadable_file(csv_file, monkeypatch):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if m == os.R_OK else real(p, m))
    assert_error(invoke(["cluster", csv_file, "-k", 2]), 1, "points.csv: permission denied")


@pytest.mark.parametrize("content", ["", "\n\n", "x,y\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    assert_error(invoke(["cluster", path, "-k", 1]), 1, "empty.csv")


def test_ragged_rows(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("x,y\n1,2\n3,4\n5,6,7\n")
    assert_error(
        invoke(["cluster", path, "-k", 1]), 1, "ragged.csv, line 4: expected 2 fields", "found 3"
    )


def test_non_numeric_cell(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("x,y\n1,2\n3,four\n5,6\n")
    assert_error(
        invoke(["cluster", path, "-k", 1]),
        1,
        "text.csv, line 3, column 2 ('y'): 'four' is not a number",
    )


@pytest.mark.parametrize("cell", ["", "NA", "NaN"])
def test_missing_cell(tmp_path, cell):
    path = tmp_path / "holes.csv"
    path.write_text(f"x,y\n1,2\n{cell},4\n5,6\n")
    assert_error(
        invoke(["cluster", path, "-k", 1]),
        1,
        "holes.csv, line 3, column 1 ('x'): missing value",
        "--missing drop",
    )


def test_nan_in_npy(tmp_path):
    Y = X.copy()
    Y[4, 1] = np.nan
    np.save(tmp_path / "nan.npy", Y)
    assert_error(
        invoke(["cluster", tmp_path / "nan.npy", "-k", 2]),
        1,
        "nan.npy, row 5, column 2: missing value",
    )


@pytest.mark.parametrize("k", ["0", "-1", "two", "2.5", ""])
def test_bad_k_is_a_usage_error(csv_file, k):
    assert_error(invoke(["cluster", csv_file, "-k", k]), 2, "'-k'")


def test_k_more_than_rows(csv_file):
    assert_error(
        invoke(["cluster", csv_file, "-k", N + 1]),
        1,
        f"k={N + 1} is more than the number of rows ({N})",
    )


def test_missing_k_and_unknown_option(csv_file):
    assert_error(invoke(["cluster", csv_file]), 2, "Missing option '-k'")
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--colour"]), 2, "No such option")
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--metric", "cheb"]), 2, "--metric")
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--n-init", "0"]), 2, "--n-init")
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--missing", "zero"]), 2, "--missing")


def test_bad_columns_is_a_usage_error(csv_file):
    assert_error(
        invoke(["cluster", csv_file, "-k", 2, "--columns", "z"]),
        2,
        "Invalid value for --columns",
        "no column named 'z'; the columns are: 'x', 'y'",
    )
    assert_error(
        invoke(["cluster", csv_file, "-k", 2, "--columns", "7"]),
        2,
        "column index 7 is out of range",
    )


def test_npz_needs_key(tmp_path):
    np.savez(tmp_path / "two.npz", train=X, test=X[:5])
    assert_error(
        invoke(["cluster", tmp_path / "two.npz", "-k", 2]),
        2,
        "Invalid value for --key",
        "holds 2 arrays ('train', 'test')",
    )
    assert_error(
        invoke(["cluster", tmp_path / "two.npz", "-k", 2, "--key", "val"]),
        2,
        "no array named 'val'",
    )


def test_unknown_extension(tmp_path):
    path = tmp_path / "points.xlsx"
    path.write_bytes(b"PK\x03\x04")
    assert_error(
        invoke(["cluster", path, "-k", 2]),
        1,
        "unsupported file type '.xlsx'",
        ".csv",
        ".npy",
        ".parquet",
    )


def test_conflicting_options(csv_file, tmp_path):
    assert_error(
        invoke(["cluster", csv_file, "-k", 2, "--standardize", "--whiten"]),
        2,
        "either --standardize or --whiten",
    )
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--json", "--labels", "-"]), 2)
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--labels", "-", "--centers", "-"]), 2)


def test_output_directory_missing(csv_file, tmp_path):
    for option in ("--labels", "--centers", "--plot"):
        assert_error(
            invoke(["cluster", csv_file, "-k", 2, option, tmp_path / "no" / "out.txt"]),
            2,
            option,
            "does not exist",
        )
    assert_error(invoke(["cluster", csv_file, "-k", 2, "--labels", tmp_path]), 2, "is a directory")


def test_failure_leaves_no_output_and_keeps_old_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    labels = tmp_path / "labels.txt"
    labels.write_text("old labels\n")
    centres = tmp_path / "centres.csv"
    result = invoke(["cluster", bad, "-k", 1, "--labels", labels, "--centers", centres])
    assert_error(result, 1, "bad.csv, line 3, column 2")
    assert labels.read_text() == "old labels\n"
    assert not centres.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "labels.txt"]


def test_write_failure_is_a_file_error(csv_file, tmp_path, monkeypatch):
    out = tmp_path / "labels.npy"
    out.write_bytes(b"old")
    break_np_save(monkeypatch)
    result = invoke(["cluster", csv_file, "-k", 2, "--labels", out])
    assert_error(result, 1, "labels.npy", "No space left on device")
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.npy", "points.csv"]


# ----------------------------------------------------------------------
# as a real process


def _run(args, input=None):
    return subprocess.run(
        [sys.executable, "-m", "vqkit", *[str(a) for a in args]],
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_subprocess_json_from_stdin():
    proc = _run(["cluster", "-", "-k", "3", "--seed", "0", "--json"], input=_csv_text(";"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["k"] == 3 and _same_partition(doc["labels"], _truth())
    assert proc.stderr == ""


def test_subprocess_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")
    proc = _run(["cluster", path, "-k", "1"])
    assert proc.returncode == 1
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert (
        proc.stderr == f"Error: {path}, line 3: expected 2 fields, like the header on "
        "line 1, but found 1 (delimiter ','); every row needs the same number of fields\n"
    )
    proc = _run(["cluster", path, "-k", "zero"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_console_script(tmp_path, csv_file):
    script = os.path.join(os.path.dirname(sys.executable), "vqkit")
    if not os.path.exists(script):
        pytest.skip("the vqkit console script is not installed next to this Python")
    proc = subprocess.run(
        [
            script,
            "cluster",
            str(csv_file),
            "-k",
            "3",
            "--seed",
            "0",
            "--labels",
            str(tmp_path / "l.txt"),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and len((tmp_path / "l.txt").read_text().split()) == N


def test_plot_without_matplotlib(csv_file, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    png = tmp_path / "p.png"
    assert_error(
        invoke(["cluster", csv_file, "-k", 2, "--plot", png]), 1, "pip install 'vqkit[plot]'"
    )
    assert not png.exists()


def test_cosine_needs_directions(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("x,y\n1,2\n0,0\n3,1\n0,0\n")
    assert_error(
        invoke(["cluster", path, "-k", 2, "--metric", "cosine"]),
        1,
        "z.csv, line 3: the row is all zeros (and 1 more)",
        "--metric cosine",
    )


def test_output_directory_not_writable(csv_file, tmp_path, monkeypatch):
    # works as root too: the access check is made to say no
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if m == os.W_OK else real(p, m))
    out = tmp_path / "labels.txt"
    assert_error(
        invoke(["cluster", csv_file, "-k", 2, "--labels", out]), 2, "--labels", "not writable"
    )
    assert not out.exists()


def test_json_is_strict(capsys):
    vqkit.cli._output._json_out(
        {"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}}
    )
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
