"""First use without a wait: the first ``vqkit demo`` in a new numba cache
compiles the other commands' kernels, after which their first run (and a
first ``KMeans.fit``) compiles nothing.  Each run is a fresh process with
its own ``NUMBA_CACHE_DIR``.

CI (``.ci/run``) starts from a new clone, whose first ``make demo`` fills an
empty cache: right after it, CI runs
``test_this_checkouts_first_demo_left_nothing_to_compile`` on that cache
(``VQKIT_FIRST_DEMO=just-ran``), and then ``make test`` with
``VQKIT_FIRST_DEMO=checked``, which skips the same check in a second new
cache (minutes of compiling the same kernels again).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vqkit

#: "just-ran": this process's default numba cache holds what the checkout's
#: first demo compiled, nothing else; "checked": CI checked that already.
FIRST_DEMO = os.environ.get("VQKIT_FIRST_DEMO", "")

MESSAGE = "Compiling the kernels of the other commands once"

#: Run in a child: counts numba's compilations while it runs a few commands
#: on inputs unlike the warm-up's own, and a library fit.
COUNT_COMPILES = r"""
import json, sys
import numpy as np
from vqkit.cli import main
from vqkit.cli._warmup import counting_compiles

folder = sys.argv[1]
runs = [
    ["cluster", f"{folder}/data.csv", "-k", "5", "--seed", "1"],
    ["choose-k", f"{folder}/data.csv", "--seed", "1"],
    ["train-codebook", f"{folder}/vectors.npy", "-k", "32", "-o", f"{folder}/book.npz"],
    ["encode", f"{folder}/vectors.npy", "-b", f"{folder}/book.npz", "-o", f"{folder}/codes.npy"],
    ["decode", f"{folder}/codes.npy", "-b", f"{folder}/book.npz", "-o", f"{folder}/back.npy"],
]
counts = {}
for args in runs:
    with counting_compiles() as count:
        main.main(args=args + ["--quiet"], standalone_mode=False)
    counts[args[0]] = count[0]
with counting_compiles() as count:
    from vqkit import KMeans
    X = np.random.default_rng(5).normal(size=(5000, 6)).astype(np.float32)
    KMeans(n_clusters=20, random_state=1).fit(X)
counts["KMeans.fit"] = count[0]
print("COUNTS " + json.dumps(counts))
"""


def _run(args, cache, cwd, timeout=1800):
    """``python args`` in a child with vqkit importable and ``cache`` as
    numba's cache (None: the default one)."""
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1])] + env.get("PYTHONPATH", "").split(os.pathsep)
    )
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _assert_commands_compile_nothing(cache, folder):
    """Commands on inputs unlike the warm-up's, and a library fit, compile
    nothing with ``cache`` (see :data:`COUNT_COMPILES`)."""
    rng = np.random.default_rng(2)
    data = np.vstack([rng.normal(c, 0.4, size=(150, 4)) for c in range(5)])
    np.savetxt(folder / "data.csv", data, delimiter=",")
    np.save(folder / "vectors.npy", rng.normal(size=(3000, 10)).astype(np.float32))
    counted = _run(["-c", COUNT_COMPILES, str(folder)], cache, folder)
    assert counted.returncode == 0, counted.stderr
    line = next(x for x in counted.stdout.splitlines() if x.startswith("COUNTS "))
    counts = json.loads(line[len("COUNTS ") :])
    assert counts == {
        "cluster": 0,
        "choose-k": 0,
        "train-codebook": 0,
        "encode": 0,
        "decode": 0,
        "KMeans.fit": 0,
    }


def test_no_warm_up_when_asked_not_to(tmp_path):
    done = _run(["-m", "vqkit", "demo", "--no-plot", "--no-warm-up"], tmp_path / "c", tmp_path)
    assert done.returncode == 0, done.stderr
    assert MESSAGE not in done.stderr
    assert "Distortion" in done.stdout


@pytest.mark.long  # a new numba cache compiled from nothing: minutes (tests/conftest.py)
@pytest.mark.skipif(
    FIRST_DEMO == "checked", reason="CI checked this on the new clone's own first demo"
)
def test_first_demo_compiles_what_the_commands_need(tmp_path):
    cache = tmp_path / "numba-cache"
    first = _run(["-m", "vqkit", "demo", "--no-plot"], cache, tmp_path)
    assert first.returncode == 0, first.stderr
    assert MESSAGE in first.stderr
    assert "compiling ahead" not in first.stderr  # every step of the warm-up ran
    assert list(tmp_path.iterdir()) == [cache]  # its files went to a temporary folder

    again = _run(["-m", "vqkit", "demo", "--no-plot"], cache, tmp_path)
    assert again.returncode == 0 and MESSAGE not in again.stderr  # the cache is warm
    _assert_commands_compile_nothing(cache, tmp_path)


@pytest.mark.skipif(
    FIRST_DEMO != "just-ran", reason="only right after a new clone's first demo (.ci/run)"
)
def test_this_checkouts_first_demo_left_nothing_to_compile(tmp_path):
    again = _run(["-m", "vqkit", "demo", "--no-plot"], None, tmp_path)
    assert again.returncode == 0 and MESSAGE not in again.stderr  # the cache is warm
    _assert_commands_compile_nothing(None, tmp_path)
