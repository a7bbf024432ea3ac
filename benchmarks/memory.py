"""Memory mode: peak RSS growth of one fit, each contender in a fresh process.

The child loads the libraries and the float32 input, warms the contender up
on a slice (numba compilation, thread pools), records its RSS (the baseline:
libraries + input), resets the kernel's peak-RSS mark, fits, and reports the
peak minus the baseline.  Run by ``python -m benchmarks memory``.
"""

import contextlib
import ctypes
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

from .contenders import CONTENDERS, Skip
from .machine import ROOT, describe, load_libraries
from .workloads import SEED, memory_data

MIB = 2**20
DEFAULT_CONTENDERS = ["vqkit", "scikit-learn", "faiss"]
FULL = {"n": 2_000_000, "d": 32, "k": 512, "max_iter": 5}
QUICK = {"n": 200_000, "d": 32, "k": 64, "max_iter": 5}
WARMUP_ROWS = 20_000


def target_mib(input_mib):
    """Issue 3: the fit's footprint, input included, <= 1.2 x input + 64 MiB."""
    return 1.2 * input_mib + 64


def _rss_now():
    import psutil

    return psutil.Process().memory_info().rss


def _reset_peak():
    """Reset the peak-RSS mark (VmHWM; Linux >= 4.0).  False where impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak(reset):
    if reset:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB else
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _release_free_memory():
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # return freed heap pages (glibc)


def child(name, size):
    """Measure one contender in this (fresh) process; one JSON line on stdout."""
    load_libraries()
    contender = CONTENDERS[name]
    n, d, k, max_iter = size["n"], size["d"], size["k"], size["max_iter"]
    X = memory_data(n, d, centres=k)
    row = {
        "contender": name,
        "input_mib": X.nbytes / MIB,
        "target_mib": target_mib(X.nbytes / MIB),
    }
    try:
        contender.run(X[:WARMUP_ROWS], k, SEED, max_iter, max_iter)
    except Skip as exc:
        print(json.dumps(row | {"status": "skipped", "reason": str(exc)}))
        return
    _release_free_memory()
    baseline = _rss_now()
    reset = _reset_peak()
    t0 = time.perf_counter()
    contender.run(X, k, SEED, max_iter, max_iter)
    seconds = time.perf_counter() - t0
    growth = (_peak(reset) - baseline) / MIB
    row |= {
        "status": "ok",
        "baseline_rss_mib": baseline / MIB,
        "growth_mib": growth,
        "seconds": seconds,
        "within_target": row["input_mib"] + growth <= row["target_mib"],
        "peak_method": "VmHWM after reset" if reset else "ru_maxrss (lifetime peak)",
    }
    print(json.dumps(row))


def _measure(name, size):
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", name, json.dumps(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        print(proc.stderr, file=sys.stderr)
        reason = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return {"contender": name, "status": "error", "reason": reason}
    return json.loads(lines[-1])


def main(args):
    from . import report

    size = QUICK if args.quick else FULL
    names = args.contenders or DEFAULT_CONTENDERS
    machine = describe(load_libraries())  # before the runs: the code they measure
    print(
        f"# peak RSS growth of one fit: {size['n']}x{size['d']} float32, k={size['k']}, "
        f"max_iter={size['max_iter']}, n_init=1, seed {SEED}; one fresh process each"
        + (" (QUICK: smoke test, not the target's size)" if args.quick else "")
    )
    print(
        "# growth = peak RSS during the fit - RSS before it (libraries and input loaded, "
        "contender warmed up); target: input + growth <= 1.2 x input + 64 MiB "
        "(i.e. growth <= 0.2 x input + 64 MiB)"
    )
    rows = []
    for name in names:
        print(f"{name} ...", file=sys.stderr, flush=True)
        rows.append(_measure(name, size))
    print()
    print(report.memory_table(rows))
    record = {
        "suite": "memory",
        "argv": sys.argv[1:],
        "quick": args.quick,
        "size": size,
        "seed": SEED,
        "target": "input + growth <= 1.2 * input + 64 MiB",
        "machine": machine,
        "rows": rows,
    }
    path = report.write_json(args.json, record)
    print(f"\nRaw numbers and machine description: {path}")
    return 0


if __name__ == "__main__":
    child(sys.argv[1], json.loads(sys.argv[2]))
