"""``vqkit.plot`` and ``vqkit.cli`` are attributes of ``import vqkit``,
imported on first use: importing vqkit stays light."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import vqkit


def _python(code):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_plot_is_an_attribute_imported_on_first_use():
    pytest.importorskip("matplotlib")
    out = _python(
        """
        import sys
        import numpy as np
        import vqkit
        print("matplotlib" in sys.modules, "vqkit.plot" in sys.modules, "click" in sys.modules)
        X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
        fig = vqkit.plot.clusters(X, [0, 0, 1, 1], [[0.05, 0.0], [5.05, 5.0]])
        print(type(fig).__name__, "vqkit.plot" in sys.modules)
        print(vqkit.cli.main.name, "plot" in dir(vqkit) and "cli" in dir(vqkit))
        """
    )
    assert out == ["False", "False", "False", "Figure", "True", "main", "True"]


def test_unknown_attribute_is_still_an_error():
    with pytest.raises(AttributeError, match="no attribute 'plots'"):
        vqkit.plots  # noqa: B018
