"""What the numbers were measured on: libraries, CPU, threads, GEMM rate."""

import datetime
import importlib
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Read at import by OpenBLAS / OpenMP / numba: recorded, never changed here.
ENV_VARS = [
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OMP_WAIT_POLICY",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMBA_THREADING_LAYER",
    "NUMBA_CPU_NAME",  # code generation (grid mode's AVX2 check)
    "NUMBA_CACHE_DIR",
    "FAISS_SIMD_LEVEL",
]
# Imported up front, in a fixed order, so that every run loads the BLAS and
# OpenMP runtimes the same way, before any timing.
LIBRARIES = ["vqkit", "numpy", "numba", "scipy.cluster.vq", "sklearn.cluster", "faiss"]


def load_libraries():
    """Import every library the suite uses; ``{name: version or None}``."""
    versions = {}
    for name in LIBRARIES:
        top = name.split(".")[0]
        try:
            importlib.import_module(name)
        except ImportError:
            versions[top] = None
            continue
        versions[top] = getattr(importlib.import_module(top), "__version__", "?")
    return versions


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision():
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        return rev + ("+dirty src" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def describe(versions):
    """The machine and software, for the JSON record and the report header."""
    import numba

    from vqkit.backends.kernels.threads import ensure_threads

    # vqkit starts numba's threads with idle threads that sleep instead of
    # spinning (they would take the cores BLAS needs); asking numba for its
    # thread count first would start them with GNU OpenMP's spinning default,
    # as any numba code run before vqkit's first computation does (README,
    # "The engine"): W1 took 0.33 s instead of 0.03 s that way
    ensure_threads()

    try:
        from threadpoolctl import threadpool_info

        pools = [
            {
                key: info.get(key)
                for key in (
                    "user_api",
                    "internal_api",
                    "version",
                    "num_threads",
                    "threading_layer",
                    "architecture",
                )
            }
            | {"library": os.path.basename(info.get("filepath") or "")}
            for info in threadpool_info()
        ]
    except ImportError:
        pools = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "numba_threads": numba.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "threadpools": pools,
        "env": {name: os.environ.get(name) for name in ENV_VARS if name in os.environ},
        "git": _git_revision(),
    }


def gemm_rate(m, k, n, dtype=np.float32, repeat=5):
    """Measured rate of ``(m x k) @ (k x n)`` with NumPy's BLAS, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    a @ b  # warm-up: BLAS threads start
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    gflop = 2.0 * m * k * n / 1e9
    return {
        "shape": f"{m}x{k} @ {k}x{n}",
        "dtype": np.dtype(dtype).name,
        "times": times,
        "gflops_median": gflop / statistics.median(times),
        "gflops_min": gflop / max(times),
        "gflops_max": gflop / min(times),
    }


def copy_bandwidth(nbytes, threads, repeat=5):
    """Measured copy bandwidth of ``nbytes`` with ``threads`` threads (NumPy's
    ``copyto`` on equal slices; it releases the GIL), in GB/s, counted as
    STREAM counts a copy: bytes read plus bytes written."""
    from concurrent.futures import ThreadPoolExecutor

    n = nbytes // 8
    src = np.arange(n, dtype=np.float64)  # touched: no page faults in the timing
    dst = np.empty_like(src)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    parts = [(dst[a:b], src[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    times = []
    with ThreadPoolExecutor(threads) as pool:

        def copy():
            list(pool.map(lambda p: np.copyto(*p), parts))

        copy()  # warm-up: pages of dst, the pool's threads
        for _ in range(repeat):
            t0 = time.perf_counter()
            copy()
            times.append(time.perf_counter() - t0)
    gb = 2.0 * n * 8 / 1e9
    return {
        "bytes": n * 8,
        "threads": threads,
        "times": times,
        "gbps_median": gb / statistics.median(times),
        "gbps_min": gb / max(times),
        "gbps_max": gb / min(times),
    }
