"""The seed tutorial's three printed outputs, reproduced exactly."""

import numpy as np
import pytest
from click.testing import CliRunner

from vqkit.cli import main
from vqkit.cli.demo import run_examples

EXPECTED = [
    "Centroids:\n[[0.00840308 0.05140493]\n [5.95346338 5.98730436]\n"
    " [2.99063924 3.09137373]]\nDistortion: 0.6258523704544776",
    "Centroids:\n[[5.95346338 5.98730436]\n [0.00840308 0.05140493]\n [2.99063924 3.09137373]]",
    "Codebook Vectors:\n[[-4.78840902e-04  7.13893340e-02]\n"
    " [ 5.94382124e+00  5.94843116e+00]\n [ 2.92846083e+00  2.94352468e+00]]\n"
    "Distortion: 0.6249447014860251",
]


@pytest.mark.usefixtures("restore_global_rng")
def test_tutorial_outputs_exactly():
    assert [r["text"] for r in run_examples()] == EXPECTED


@pytest.mark.usefixtures("restore_global_rng")
def test_tutorial_outputs_equal_scipy():
    import scipy.cluster.vq as scipy_vq

    from vqkit.cli.demo import tutorial_data

    results = run_examples()
    data = tutorial_data(50)
    expected, _ = scipy_vq.kmeans(data, 3)
    np.testing.assert_allclose(results[0]["centroids"], expected, rtol=1e-12)
    data = tutorial_data(50)
    expected, _ = scipy_vq.kmeans2(data, 3, minit="++")
    np.testing.assert_allclose(results[1]["centroids"], expected, rtol=1e-12)


@pytest.mark.usefixtures("restore_global_rng")
def test_demo_command_prints_and_saves_png(tmp_path):
    out = tmp_path / "demo.png"
    result = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for text in EXPECTED:
        assert text in result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]  # no temp files left


@pytest.mark.usefixtures("restore_global_rng")
def test_demo_no_plot_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--no-plot"])
    assert result.exit_code == 0
    assert EXPECTED[0] in result.output
    assert list(tmp_path.iterdir()) == []


def test_demo_unwritable_output_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "no" / "x.png")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("restore_global_rng")
def test_demo_without_matplotlib_says_how_to_get_it(tmp_path, monkeypatch):
    import sys

    # a None entry makes every import of the module fail, as if not installed
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "d.png")])
    assert result.exit_code == 0
    assert "vqkit[plot]" in result.output
    assert EXPECTED[2] in result.output
    assert not (tmp_path / "d.png").exists()


def test_version_and_help():
    runner = CliRunner()
    from vqkit import __version__

    assert __version__ in runner.invoke(main, ["--version"]).output
    help_text = runner.invoke(main, ["--help"]).output
    assert "demo" in help_text


def test_console_script_runs_as_subprocess(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "vqkit.cli", "demo", "--no-plot"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert EXPECTED[0] in proc.stdout
