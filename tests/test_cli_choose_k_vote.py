"""``vqkit choose-k`` as a user runs it (a subprocess, pandas-written CSV
files): the vote is counted and explained, names agree, tiny data is
bounded like the library bounds it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vqkit
from cli_helpers import run_command

pd = pytest.importorskip("pandas")


def _run(*args):
    return run_command("choose-k", *args, timeout=600)


def _csv(tmp_path, X, name="data.csv"):
    path = tmp_path / name
    pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).to_csv(path, index=False)
    return path


def test_noise_counts_the_criteria_that_picked_one(tmp_path):
    path = _csv(tmp_path, np.random.default_rng(0).normal(size=(300, 2)))
    proc = _run(path, "--k", "1:6", "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("best_k")]
    assert line.startswith("best_k = 1  (2 of 6 criteria: gap, prediction_strength;")
    assert "0 of 6" not in proc.stdout


def test_a_tie_says_how_it_was_broken(tmp_path):
    rng = np.random.default_rng(5)
    centres = rng.uniform(-8, 8, size=(5, 2))
    X = np.concatenate([c + rng.normal(size=(40, 2)) for c in centres])
    path = _csv(tmp_path, X)
    proc = _run(path, "--k", "1:7", "-m", "silhouette,gap", "--seed", 0, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    silhouette, gap = doc["picks"]["silhouette"], doc["picks"]["gap"]
    assert silhouette != gap and doc["best_k"] == gap
    vote = doc["vote"]
    assert vote["rule"] == "tie" and vote["tie_breaker"] == "gap"
    assert sorted(vote["tied"]) == sorted([silhouette, gap])
    assert f"tied with k = {silhouette} (silhouette), broken by gap" in vote["explanation"]


@pytest.mark.parametrize("name", ["prediction_strength", "prediction-strength", "heldout"])
def test_prediction_strength_by_name(tmp_path, name):
    path = _csv(tmp_path, np.random.default_rng(1).normal(size=(80, 2)))
    proc = _run(path, "--k", "1:4", "-m", name, "--seed", 0, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["methods"] == ["prediction_strength"]
    assert list(doc["picks"]) == ["prediction_strength"]


def test_help_names_the_criteria_as_the_report_does():
    env = dict(os.environ, PYTHONPATH=str(Path(vqkit.__file__).parents[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "vqkit", "choose-k", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    text = " ".join(proc.stdout.split())
    assert "prediction strength" in text and "prediction_strength" in text
    assert "held-out distortion" not in text


def test_tiny_data_is_bounded_like_the_library(tmp_path):
    X = np.random.default_rng(2).normal(size=(20, 2))
    path = _csv(tmp_path, X)
    proc = _run(path, "--k", "1:20", "-m", "silhouette,gap", "--seed", 0, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    library = vqkit.choose_k(X, range(1, 21), methods=["silhouette", "gap"], random_state=0)
    assert doc["ks"] == list(library.ks) == list(range(1, 11))
    note = "k above 10 was not tried: 20 rows support at most 10 clusters"
    assert any(n.startswith(note) for n in doc["notes"])
    assert any(n.startswith(note) for n in library.notes)
    # the default range stops at half the rows too
    doc = json.loads(_run(path, "-m", "silhouette", "--seed", 0, "--json").stdout)
    assert doc["ks"] == list(range(1, 11))
    # a range wholly above it is a data error saying what the data supports
    proc = _run(path, "--k", "12:15")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "the most that 20 rows support" in proc.stderr


def test_plot_of_a_bounded_range(tmp_path):
    pytest.importorskip("matplotlib")
    path = _csv(tmp_path, np.random.default_rng(3).normal(size=(40, 3)))
    png = tmp_path / "choose.png"
    proc = _run(path, "--k", "1:30", "--seed", 0, "--plot", png)
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "k above 20 was not tried" in proc.stdout
