"""Importing vqkit does no work: no numba thread starts and no kernel compiles
until the first computation (each check runs in a fresh interpreter)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import vqkit

#: Printed by every probe: whether numba is imported, whether its thread pool
#: runs, which kernels are compiled (or loaded from numba's cache), and
#: whether the environment is as it was before vqkit was imported.
REPORT = """
import numba.core.dispatcher, pkgutil, importlib
import vqkit.backends.kernels as package
parallel = sys.modules.get("numba.np.ufunc.parallel")
modules = [importlib.import_module(f"{package.__name__}.{m.name}")
           for m in pkgutil.iter_modules(package.__path__)]
print(json.dumps({
    "numba": numba_before,
    "threads": bool(parallel is not None and parallel._is_initialized),
    "compiled": sorted(f"{m.__name__}.{name}" for m in modules for name, f in vars(m).items()
                       if isinstance(f, numba.core.dispatcher.Dispatcher) and f.overloads),
    "environ_kept": dict(os.environ) == environ,
}))
"""


def _probe(code):
    """Run ``code`` in a fresh interpreter (importing this vqkit), then
    :data:`REPORT`; return the report."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1])] + env.get("PYTHONPATH", "").split(os.pathsep)
    )
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):  # what the thread start-up sets
        env.pop(name, None)
    script = (
        "import json, os, sys\nenviron = dict(os.environ)\n"
        + textwrap.dedent(code)
        + "\nnumba_before = 'numba' in sys.modules\n"
        + REPORT
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_vqkit_imports_no_numba_and_starts_nothing():
    report = _probe("import vqkit")
    assert report == {"numba": False, "threads": False, "compiled": [], "environ_kept": True}


def test_vqkit_help_imports_no_numba_and_starts_nothing():
    report = _probe("""
        import contextlib, io, runpy
        sys.argv = ["vqkit", "--help"]
        help_text = io.StringIO()
        with contextlib.redirect_stdout(help_text), contextlib.suppress(SystemExit):
            runpy.run_module("vqkit", run_name="__main__", alter_sys=True)
        assert "Usage:" in help_text.getvalue() and "cluster" in help_text.getvalue()
        """)
    assert report == {"numba": False, "threads": False, "compiled": [], "environ_kept": True}


def test_loading_the_kernels_compiles_nothing_and_starts_no_thread():
    report = _probe("import vqkit.backends.cpu")
    assert report == {"numba": True, "threads": False, "compiled": [], "environ_kept": True}


def test_threads_start_with_the_first_computation_and_the_environment_is_restored():
    report = _probe("""
        import numpy as np
        import vqkit
        labels, _ = vqkit.vq(np.zeros((4, 2)), np.ones((1, 2)))
        assert labels.tolist() == [0, 0, 0, 0]
        """)
    assert report["threads"]
    assert report["environ_kept"]
    assert "vqkit.backends.kernels.threads._touch_threads" in report["compiled"]
