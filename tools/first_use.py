"""How long the first use of each entry point waits for numba, and why.

Builds the table of issue 19 item 1: in a fresh numba cache (a new
``NUMBA_CACHE_DIR`` in a temporary folder) run the README's first command
(``vqkit demo``), then each entry point twice, each run in a new process, and
report per entry point

- ``wall 1st`` / ``wall 2nd``: wall-clock seconds of the whole process
  (interpreter start included) for the first and the second run;
- ``cpu 1st`` / ``cpu 2nd``: CPU seconds of the process (user + system, all
  threads), which a busy machine inflates far less than wall-clock time;
- ``compiled``: signatures numba compiled in the first run (a cache miss,
  counted from numba's ``numba:compile`` events; nested compiles included)
  and ``compile cpu``: the CPU seconds spent inside the outermost of them;
- ``loaded``: signatures loaded from the on-disk cache in the first run.

With ``--repeat N`` the scenario runs N times, each in its own fresh cache,
and the table shows medians.  ``--no-demo`` skips the README's first command
(so every entry point starts from an empty cache), ``--detail`` lists the
compiled signatures of each entry point's first run, heaviest first.

Run from a checkout (``PYTHONPATH=src python tools/first_use.py``) or where
vqkit is installed.  Absolute seconds depend on the machine and its load;
compile counts do not.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: What each entry point runs (CLI arguments, or "python" for the library).
#: Paths are relative to the working folder that :func:`_make_inputs` fills.
ENTRY_POINTS: dict[str, list[str]] = {
    "--help": ["--help"],
    "cluster": ["cluster", "data.csv", "-k", "3", "--seed", "0"],
    "choose-k": ["choose-k", "data.csv", "--seed", "0"],
    "quantize": ["quantize", "photo.png", "-k", "16", "-o", "photo-16.png", "--seed", "0"],
    "train-codebook": ["train-codebook", "vectors.npy", "-k", "64", "-o", "book.npz"],
    "encode": ["encode", "vectors.npy", "--codebook", "book.npz", "-o", "codes.npy"],
    "decode": ["decode", "codes.npy", "--codebook", "book.npz", "-o", "restored.npy"],
    "KMeans.fit": ["python"],
}

#: The library entry point: the README's ``vqkit.KMeans`` example.
PYTHON_FIT = """
import numpy as np
from vqkit import KMeans
X = np.random.default_rng(0).normal(size=(10_000, 8)).astype(np.float32)
KMeans(n_clusters=16, random_state=0).fit(X)
"""

#: Run in the child process: counts numba's compiles and cache loads around
#: the entry point, then prints one JSON line on the real stderr.
CHILD = r"""
import gc, json, os, sys, time
from numba.core import event
from numba.core.dispatcher import Dispatcher

records, depth = [], [0]

class Listener(event.Listener):
    def on_start(self, ev):
        depth[0] += 1
        ev.data["_cpu"] = time.process_time()
    def on_end(self, ev):
        depth[0] -= 1
        d = ev.data["dispatcher"]
        records.append({
            "kernel": f"{d.py_func.__module__}.{d.py_func.__qualname__}",
            "args": str(tuple(ev.data["args"])),
            "cpu": time.process_time() - ev.data["_cpu"],
            "outer": depth[0] == 0,
        })

event.register("numba:compile", Listener())
argv = json.loads(sys.argv[1])
report_fd = os.dup(2)
status = 0
try:
    if argv == ["python"]:
        exec(compile(PYTHON_FIT, "<KMeans.fit>", "exec"), {})
    else:
        from vqkit.cli import main
        try:
            main(argv, prog_name="vqkit")
        except SystemExit as stop:
            status = stop.code or 0
finally:
    loaded = sum(
        sum(f._cache_hits.values())
        for f in gc.get_objects() if isinstance(f, Dispatcher)
    )
    with os.fdopen(report_fd, "w") as out:
        out.write("FIRST_USE " + json.dumps({
            "status": status, "records": records, "loaded": loaded}) + "\n")
"""


def _make_inputs(folder: Path) -> None:
    """The files the entry points read: a CSV of blobs, float32 vectors and
    a PNG photo-like image."""
    import numpy as np

    rng = np.random.default_rng(0)
    centres = rng.normal(scale=5, size=(4, 5))
    data = np.vstack([rng.normal(c, 1.0, size=(300, 5)) for c in centres])
    np.savetxt(folder / "data.csv", data, delimiter=",", fmt="%.6f")
    np.save(folder / "vectors.npy", rng.normal(size=(20_000, 16)).astype(np.float32))
    y, x = np.mgrid[0:240, 0:320]
    image = np.stack([x * 255 // 319, y * 255 // 239, (x + y) * 255 // 558], axis=-1)
    image = (image + rng.integers(0, 24, size=image.shape)).clip(0, 255).astype(np.uint8)
    try:
        from PIL import Image
    except ImportError:  # quantize needs the image extra; without it, skip that entry
        ENTRY_POINTS.pop("quantize", None)
        return
    Image.fromarray(image).save(folder / "photo.png")


def _env(cache: Path) -> dict[str, str]:
    """The children's environment: a fresh numba cache, and this process's
    vqkit first on the path (the children run in a temporary folder, where a
    relative ``PYTHONPATH=src`` would find nothing)."""
    import vqkit

    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache)
    here = str(Path(vqkit.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("NUMBA_DISABLE_JIT", None)
    return env


def _run_child(argv: list[str], folder: Path, cache: Path) -> dict:
    """One run of an entry point in a new process: its wall and CPU seconds
    and what numba compiled or loaded."""
    code = f"PYTHON_FIT = {PYTHON_FIT!r}\n{CHILD}"
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(argv)],
        cwd=folder,
        env=_env(cache),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("FIRST_USE ")]
    if not lines:
        raise RuntimeError(f"{argv} failed:\n{done.stderr[-2000:]}")
    report = json.loads(lines[-1][len("FIRST_USE ") :])
    if report["status"] not in (0, None):
        raise RuntimeError(f"{argv} exited {report['status']}:\n{done.stderr[-2000:]}")
    report.update(wall=wall, cpu=cpu)
    return report


def _scenario(with_demo: bool) -> dict[str, list[dict]]:
    """One fresh cache: the demo (unless skipped), then each entry point twice."""
    folder = Path(tempfile.mkdtemp(prefix="vqkit-first-use-"))
    try:
        cache = folder / "numba-cache"
        _make_inputs(folder)
        runs: dict[str, list[dict]] = {}
        if with_demo:
            runs["demo (first command)"] = [
                _run_child(["demo", "--output", "demo.png"], folder, cache)
            ]
        for name, argv in ENTRY_POINTS.items():
            runs[name] = [_run_child(argv, folder, cache) for _ in range(2)]
        return runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _summary(run: dict) -> dict:
    outer = [r["cpu"] for r in run["records"] if r["outer"]]
    return {
        "wall": run["wall"],
        "cpu": run["cpu"],
        "compiled": len(run["records"]),
        "compile_cpu": sum(outer),
        "loaded": run["loaded"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--detail", action="store_true")
    parser.add_argument("--json", help="also write the raw runs to this file")
    args = parser.parse_args()

    scenarios = [_scenario(not args.no_demo) for _ in range(args.repeat)]
    gc.collect()
    med = statistics.median
    header = (
        f"{'entry point':<22}{'wall 1st':>9}{'wall 2nd':>9}{'extra':>7}"
        f"{'cpu 1st':>9}{'cpu 2nd':>9}{'compiled':>9}{'compile cpu':>12}{'loaded':>7}"
    )
    print(f"median of {args.repeat} run(s); seconds; machine load inflates wall times")
    print(header)
    print("-" * len(header))
    for name in scenarios[0]:
        firsts = [_summary(s[name][0]) for s in scenarios]
        seconds = [_summary(s[name][-1]) for s in scenarios]

        def m(rows, key):
            return med(r[key] for r in rows)

        extra = m(firsts, "wall") - m(seconds, "wall") if len(scenarios[0][name]) > 1 else 0.0
        print(
            f"{name:<22}{m(firsts, 'wall'):>9.2f}{m(seconds, 'wall'):>9.2f}{extra:>7.2f}"
            f"{m(firsts, 'cpu'):>9.2f}{m(seconds, 'cpu'):>9.2f}"
            f"{m(firsts, 'compiled'):>9.0f}{m(firsts, 'compile_cpu'):>12.2f}"
            f"{m(firsts, 'loaded'):>7.0f}"
        )
    if args.detail:
        for name, runs in scenarios[0].items():
            records = [r for r in runs[0]["records"]]
            if not records:
                continue
            print(f"\n{name}: {len(records)} signatures compiled")
            for r in sorted(records, key=lambda r: -r["cpu"]):
                mark = "" if r["outer"] else "  (nested)"
                print(f"  {r['cpu']:7.2f}s  {r['kernel']}{r['args']}{mark}")
    if args.json:
        Path(args.json).write_text(json.dumps(scenarios, indent=1))


if __name__ == "__main__":
    main()
