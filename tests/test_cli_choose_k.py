"""The ``vqkit choose-k`` command: report, JSON, plot, k ranges, methods, errors."""

import functools
import json
import subprocess
import sys

import numpy as np
import pytest

import vqkit.cli._terminal
from cli_helpers import assert_error, invoke, json_output
from vqkit.selection import METHODS

_assert_error = functools.partial(assert_error, system_exit=False)

CENTRES = np.array([[0.0, 0.0], [8.0, 8.0], [0.0, 8.0]])
FAST = ["--methods", "silhouette,calinski_harabasz,davies_bouldin"]


def _blobs(n_per=15, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([c + rng.normal(scale=0.6, size=(n_per, 2)) for c in CENTRES])


X = _blobs()
N = X.shape[0]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "blobs.csv"
    rows = ["a,b"] + [f"{x!r},{y!r}" for x, y in X.tolist()]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_report(csv_file):
    result = invoke(["choose-k", csv_file, "--seed", 0])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{N} rows x 2 features, k = 1..10" in out
    assert "best_k = 3" in out
    for method in METHODS:
        assert method in out


def test_json(csv_file):
    doc = json_output(invoke(["choose-k", csv_file, "--seed", 0, "--json", "--k", "2:6"] + FAST))
    assert doc["best_k"] == 3
    assert doc["ks"] == [2, 3, 4, 5, 6]
    assert set(doc["picks"]) == {"silhouette", "calinski_harabasz", "davies_bouldin"}
    assert all(k == 3 for k in doc["picks"].values())
    assert len(doc["table"]["inertia"]) == 5
    assert doc["input"] == str(csv_file) and doc["n_samples"] == N
    assert isinstance(doc["notes"], list)


def test_k_ranges(csv_file):
    doc = json_output(
        invoke(["choose-k", csv_file, "--json", "--k-min", 2, "--k-max", 4, "--seed", 1] + FAST)
    )
    assert doc["ks"] == [2, 3, 4]
    doc = json_output(invoke(["choose-k", csv_file, "--json", "--k", "2,3,5", "--seed", 1] + FAST))
    assert doc["ks"] == [2, 3, 5]
    doc = json_output(invoke(["choose-k", csv_file, "--json", "--k-min", 7, "--seed", 1] + FAST))
    assert doc["ks"] == [7, 8, 9, 10]


def test_default_range_shrinks_to_half_the_rows(tmp_path):
    np.save(tmp_path / "six.npy", X[:6])
    doc = json_output(invoke(["choose-k", tmp_path / "six.npy", "--json", "--seed", 0] + FAST))
    assert doc["ks"] == [1, 2, 3]


def test_methods_repeated_and_dashed(csv_file):
    doc = json_output(
        invoke(
            [
                "choose-k",
                csv_file,
                "--json",
                "--k",
                "2:4",
                "-m",
                "silhouette",
                "-m",
                "davies-bouldin",
                "--seed",
                0,
            ]
        )
    )
    assert set(doc["picks"]) == {"silhouette", "davies_bouldin"}


@pytest.mark.parametrize("name", ["prediction_strength", "prediction-strength", "heldout"])
def test_gap_and_prediction_strength(csv_file, name):
    args = ["choose-k", csv_file, "--json", "--k", "1:5", "--methods", f"gap,{name}", "--seed", 0]
    doc = json_output(invoke(args))
    assert doc["picks"] == {"gap": 3, "prediction_strength": 3}
    assert len(doc["table"]["gap_sd"]) == 5


def test_input_options_and_scaling(tmp_path):
    path = tmp_path / "wide.tsv"
    rows = ["id\tname\tu\tv"] + [
        f"{i}\tp{i}\t{x!r}\t{1000 * y!r}" for i, (x, y) in enumerate(X.tolist())
    ]
    path.write_text("\n".join(rows) + "\n")
    doc = json_output(
        invoke(
            [
                "choose-k",
                path,
                "--columns",
                "u,v",
                "--standardize",
                "--json",
                "--k",
                "2:5",
                "--seed",
                0,
            ]
            + FAST
        )
    )
    assert doc["best_k"] == 3 and doc["n_features"] == 2


def test_stdin(csv_file):
    doc = json_output(
        invoke(
            ["choose-k", "-", "--json", "--k", "2:4", "--seed", 0] + FAST,
            input=csv_file.read_text(),
        )
    )
    assert doc["best_k"] == 3 and doc["input"] == "<stdin>"


def test_plot(tmp_path, csv_file):
    pytest.importorskip("matplotlib")
    png = tmp_path / "choose.png"
    result = invoke(["choose-k", csv_file, "--k", "1:6", "--seed", 0, "--plot", png])
    assert result.exit_code == 0, result.output
    assert f"Saved the plot to {png}" in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs.csv", "choose.png"]


def test_progress_bar_only_on_a_terminal(csv_file, monkeypatch):
    args = ["choose-k", csv_file, "--k", "2:4", "--seed", 0] + FAST
    assert "choosing k" not in invoke(args).stderr
    monkeypatch.setattr(vqkit.cli._terminal, "_stderr_is_terminal", lambda: True)
    result = invoke(args)
    assert result.exit_code == 0 and "choosing k" in result.stderr
    assert "choosing k" not in invoke(args + ["-q"]).stderr


def test_progress_callable_drives_the_bar(monkeypatch):
    seen = []

    class Bar:
        def __init__(self, **kwargs):
            self.length, self.pos = kwargs["length"], 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            seen.append("closed")

        def update(self, n, item=None):
            self.pos += n
            seen.append((self.pos, self.length, item))

    monkeypatch.setattr(vqkit.cli._terminal.click, "progressbar", lambda **kw: Bar(**kw))
    progress, close = vqkit.cli._terminal._choose_k_progress(True)
    progress(1, 4, "k=1")
    progress(3, 4, "gap")
    close()
    close()
    assert seen == [(1, 4, "k=1"), (3, 4, "gap"), "closed"]


# ----------------------------------------------------------------------
# errors


@pytest.mark.parametrize("spec", ["two", "2:x", "5:2", "0:3", ":", ""])
def test_bad_k_range(csv_file, spec):
    _assert_error(invoke(["choose-k", csv_file, "--k", spec]), 2, "--k")


def test_conflicting_and_bad_options(csv_file):
    _assert_error(
        invoke(["choose-k", csv_file, "--k", "2:4", "--k-max", 5]),
        2,
        "either --k or --k-min/--k-max",
    )
    _assert_error(invoke(["choose-k", csv_file, "--k-min", 5, "--k-max", 3]), 2, "--k-min")
    _assert_error(invoke(["choose-k", csv_file, "--k-min", 0]), 2, "--k-min")
    _assert_error(
        invoke(["choose-k", csv_file, "--methods", "bic"]), 2, "unknown method 'bic'", "silhouette"
    )
    _assert_error(invoke(["choose-k", csv_file, "--standardize", "--whiten"]), 2)
    _assert_error(
        invoke(["choose-k", csv_file, "--plot", "/no/such/dir/p.png"]), 2, "does not exist"
    )


def test_k_above_rows(csv_file):
    _assert_error(
        invoke(["choose-k", csv_file, "--k", f"2:{N + 1}"]),
        1,
        f"the largest k={N + 1} is more than the number of rows ({N})",
    )


def test_data_errors(tmp_path):
    _assert_error(invoke(["choose-k", tmp_path / "none.csv"]), 1, "none.csv: no such file")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,NA\n")
    _assert_error(invoke(["choose-k", bad]), 1, "bad.csv, line 3, column 2 ('b'): missing")


def test_subprocess_json(csv_file):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vqkit",
            "choose-k",
            str(csv_file),
            "--k",
            "2:5",
            "--seed",
            "0",
            "--json",
            *FAST,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["best_k"] == 3 and doc["ks"] == [2, 3, 4, 5]
