"""Which assignment kernel is faster on this machine: measured once, cached.

Two kernels compute the same distances from dot products: the tiled numba
kernel (``kernels.tiles``) and BLAS matrix products on row blocks followed
by an argmin; below 5 features the tiles compete with direct differences.
Which one wins depends on the shape (few features favour the tiles, many
features the BLAS product) and on the machine: the CPU's
vector width, its caches, the BLAS build and the thread count move the
crossing point.  A threshold measured on one CPU is wrong on another, so
the choice is measured on the machine itself, the first time a shape class
is needed: both kernels run a few times on random data of that class (tens
of milliseconds) and the faster one is kept for the class, in memory and in
a small JSON file under the user's cache directory (``$VQKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/vqkit``, else ``~/.cache/vqkit``), under a signature of
the machine (CPU, code generation target, thread count, BLAS, versions).
Later processes on the same machine read the file and measure nothing.

The environment variable ``VQKIT_ASSIGN_KERNEL`` overrides the choice:
``tiled``, ``blocked`` or ``direct`` for every shape (reproducible
results across machines for float32 data, whose last bits depend on the
kernel), ``auto`` (the default) to measure.  For float64 data every kernel
is exact (dot products in float32 with float64 rechecks), so the choice
changes only the speed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import platform
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numba
import numpy as np

#: The candidates: tiles, BLAS products, direct differences (the measure
#: function says which of them apply to a shape).
KERNELS = ("tiled", "blocked", "direct")

#: Environment variable that forces one kernel (``tiled``/``blocked``) or
#: asks for the measured choice (``auto``).
OVERRIDE_VARIABLE = "VQKIT_ASSIGN_KERNEL"

#: Multiply-adds of one timed call (rows x centres x features): a few
#: milliseconds on one core, long enough to time, short enough to repeat.
CALIBRATION_WORK = 2**24

#: Timed calls of each kernel, interleaved; the fastest of each counts.
CALIBRATION_REPEATS = 5

_lock = threading.Lock()
_choices: dict[str, str] = {}
_loaded = False


def shape_class(d: int, k: int, dtype: np.dtype) -> tuple[str, int, int]:
    """The class a problem's choice is shared with: the dtype, and the
    feature and centre counts rounded to the nearest power of two (in log
    scale), features at least 2 and centres at least 8."""
    return (
        np.dtype(dtype).name,
        2 ** max(1, round(math.log2(max(d, 1)))),
        2 ** max(3, round(math.log2(max(k, 1)))),
    )


def preferred(
    d: int, k: int, dtype: np.dtype, measure: Callable[[int, int, np.dtype], dict[str, float]]
) -> str:
    """The fastest kernel (a name of :data:`KERNELS`) for ``d`` features and
    ``k`` centres.

    ``measure(d, k, dtype)`` times the candidates on the class's
    representative shape and returns seconds per kernel; it is called once
    per class, thread count and machine (see the module docstring)."""
    forced = os.environ.get(OVERRIDE_VARIABLE, "auto").strip().lower()
    if forced in KERNELS:
        return forced
    dtype_name, d_class, k_class = shape_class(d, k, dtype)
    key = f"{dtype_name} d={d_class} k={k_class} threads={numba.get_num_threads()}"
    choice = _choices.get(key)
    if choice is not None:
        return choice
    with _lock:
        _load()
        choice = _choices.get(key)
        if choice is None:
            seconds = measure(d_class, k_class, np.dtype(dtype_name))
            choice = min(seconds, key=lambda name: seconds[name])
            _choices[key] = choice
            _save()
    return choice


@contextlib.contextmanager
def forcing(kernel: str) -> Iterator[None]:
    """Within the block, every choice is ``kernel`` (one of :data:`KERNELS`),
    as :data:`OVERRIDE_VARIABLE` would make it; the variable's previous
    value is restored after.  The warm-up uses it to compile every kernel,
    whichever the measurement picks for a user's shape later."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    previous = os.environ.get(OVERRIDE_VARIABLE)
    os.environ[OVERRIDE_VARIABLE] = kernel
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(OVERRIDE_VARIABLE, None)
        else:
            os.environ[OVERRIDE_VARIABLE] = previous


@functools.cache
def machine_signature() -> str:
    """What the measured choices depend on besides the thread count (which
    is part of each choice's key), as one string."""
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        # NumPy's own BLAS (the one the blocked kernel calls) where it can
        # be told apart (wheels keep it in numpy.libs), else every BLAS, in
        # a fixed order: other libraries loaded in the process (SciPy's,
        # faiss's) must not change the signature, nor the order of loading
        found = [
            (
                "numpy" in Path(str(info.get("filepath", ""))).parent.name,
                f"{info.get('internal_api')}-{info.get('version')}-{info.get('architecture')}",
            )
            for info in threadpool_info()
            if info.get("user_api") == "blas"
        ]
        blas = ";".join(sorted({name for own, name in found if own} or {n for _, n in found}))
    except Exception:  # threadpoolctl missing or unable to inspect: no BLAS detail
        pass
    from .. import __version__

    return "|".join(
        [
            platform.machine(),
            numba.config.CPU_NAME or _host_cpu_name(),
            numba.config.CPU_FEATURES or "",
            blas,
            f"numba={numba.__version__}",
            f"numpy={np.__version__}",
            f"vqkit={__version__}",
        ]
    )


def _host_cpu_name() -> str:
    from llvmlite import binding

    return str(binding.get_host_cpu_name())


def cache_file() -> Path:
    """Where the measured choices are kept."""
    root = os.environ.get("VQKIT_CACHE_DIR")
    if root:
        return Path(root) / "kernel-choice.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "vqkit" / "kernel-choice.json"


def _read_file() -> dict:
    try:
        data = json.loads(cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _load() -> None:
    """Merge this machine's stored choices into memory, once per process."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    stored = _read_file().get(machine_signature(), {})
    if isinstance(stored, dict):
        for key, value in stored.items():
            if value in KERNELS:
                _choices.setdefault(key, value)


def _save() -> None:
    """Write this machine's choices (merged with what other processes wrote)
    atomically; a cache that cannot be written is left alone (the choices
    then last for this process)."""
    path = cache_file()
    try:
        data = _read_file()
        entry = data.get(machine_signature())
        merged = dict(entry) if isinstance(entry, dict) else {}
        merged.update(_choices)
        data[machine_signature()] = merged
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=".kernel-choice-", delete=False
        ) as handle:
            temporary = Path(handle.name)
            try:
                json.dump(data, handle, indent=1, sort_keys=True)
            except OSError:  # a full disk: no half-written file is left
                handle.close()
                temporary.unlink(missing_ok=True)
                raise
        os.replace(temporary, path)
    except OSError:
        pass


def forget() -> None:
    """Drop the choices held in memory (the file stays): the next call
    reads the file again, or measures."""
    global _loaded
    with _lock:
        _choices.clear()
        _loaded = False
