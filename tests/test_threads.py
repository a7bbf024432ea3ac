"""Fits from several Python threads at once, under every numba threading layer.

numba's ``workqueue`` layer (used where neither OpenMP nor TBB is
available) aborted the process when two threads launched parallel kernels
at once ("Concurrent access has been detected"): four threads fitting, or
Dask's threaded scheduler running blocks.  Each check runs in a fresh
interpreter with the layer forced, and compares the threads' results with
the same work done serially first: they must be bitwise equal.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import vqkit

#: Four threads, each fitting KMeans and MiniBatchKMeans and calling vq,
#: then the same serially; prints whether every result matched.
CONCURRENT = """
import json, threading, warnings
import numpy as np
import numba
import vqkit

warnings.simplefilter("ignore")
X = np.random.default_rng(0).normal(size=(6000, 6))
X32 = X.astype(np.float32)

def work(seed):
    km = vqkit.KMeans(6, random_state=seed, n_init=2).fit(X if seed % 2 else X32)
    mb = vqkit.MiniBatchKMeans(6, random_state=seed, batch_size=256).fit(X)
    hamerly = vqkit.KMeans(20, random_state=seed, n_init=1, algorithm="hamerly").fit(X)
    labels, dist = vqkit.vq(X, X[seed:seed + 5])
    return [km.cluster_centers_, km.labels_, mb.cluster_centers_, hamerly.cluster_centers_,
            labels, dist]

serial = {seed: work(seed) for seed in range(4)}
threaded, errors = {}, []

def run(seed):
    try:
        for _ in range(2):
            threaded[seed] = work(seed)
    except BaseException as exc:  # reported below
        errors.append(repr(exc))

threads = [threading.Thread(target=run, args=(seed,)) for seed in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
same = not errors and all(
    all(np.array_equal(a, b) for a, b in zip(serial[s], threaded[s])) for s in range(4))
print(json.dumps({"layer": numba.threading_layer(), "same": bool(same), "errors": errors}))
"""

#: Dask fits with the threaded scheduler (blocks on several threads) and
#: the same with the synchronous one.
DASK = """
import json, warnings
import numpy as np
import numba
import dask
import dask.array as da
import vqkit

warnings.simplefilter("ignore")
X = np.random.default_rng(0).normal(size=(20000, 5))
D = da.from_array(X, chunks=2000)
def fit(scheduler):
    with dask.config.set(scheduler=scheduler, num_workers=4):
        km = vqkit.KMeans(5, random_state=0, n_init=1, init="k-means||").fit(D)
        mb = vqkit.MiniBatchKMeans(5, random_state=0).partial_fit(D)
        return [km.cluster_centers_, np.asarray(km.predict(D)), mb.cluster_centers_]

threaded, serial = fit("threads"), fit("synchronous")
same = all(np.array_equal(a, b) for a, b in zip(threaded, serial))
print(json.dumps({"layer": numba.threading_layer(), "same": bool(same), "errors": []}))
"""


def _run(script, layer, threads=4):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    env["NUMBA_NUM_THREADS"] = str(threads)
    if layer is not None:
        env["NUMBA_THREADING_LAYER"] = layer
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert out.returncode == 0, f"exit status {out.returncode}:\n{out.stderr[-3000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def _layer_available(layer):
    probe = (
        "import numba, numpy as np\n@numba.njit(parallel=True)\ndef f(a):\n"
        "    for i in numba.prange(a.size): a[i] = i\nf(np.empty(4))\n"
        "print(numba.threading_layer())"
    )
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300
    )
    return out.returncode == 0 and out.stdout.strip() == layer


@pytest.mark.parametrize("layer", ["workqueue", None])
def test_concurrent_fits_match_serial_ones(layer):
    report = _run(CONCURRENT, layer)
    assert report["errors"] == []
    assert report["same"]
    if layer is not None:
        assert report["layer"] == layer


@pytest.mark.parametrize("layer", ["omp", "tbb"])
def test_concurrent_fits_on_the_thread_safe_layers(layer):
    if not _layer_available(layer):
        pytest.skip(f"numba's {layer} threading layer is not available here")
    report = _run(CONCURRENT, layer)
    assert report == {"layer": layer, "same": True, "errors": []}


def test_dask_threaded_scheduler_under_workqueue():
    pytest.importorskip("dask.array")
    report = _run(DASK, "workqueue")
    assert report == {"layer": "workqueue", "same": True, "errors": []}


def test_kernels_are_launched_safely():
    """Every parallel kernel goes through ``launch_safely`` (a kernel added
    without it would bring the abort back under ``workqueue``)."""
    import importlib
    import pkgutil

    import numba.core.dispatcher

    import vqkit.backends.kernels as package
    from vqkit.backends.kernels import threads

    unguarded = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                isinstance(value, numba.core.dispatcher.Dispatcher)
                and value.targetoptions.get("parallel")
                and value is not threads._touch_threads
            ):
                unguarded.append(f"{info.name}.{name}")
    assert unguarded == []
    from vqkit.backends.kernels import assign

    assert isinstance(assign.assign_direct.__wrapped__, numba.core.dispatcher.Dispatcher)
    X = np.random.default_rng(0).normal(size=(50, 3))
    labels, dist = vqkit.vq(X, X[:4])
    assert labels[:4].tolist() == [0, 1, 2, 3] and np.all(dist[:4] == 0)
