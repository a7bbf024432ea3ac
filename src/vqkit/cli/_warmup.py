"""Compile, once, the kernels that the other commands and a first
``KMeans.fit`` need, so that their first run does not wait for numba.

numba compiles a kernel the first time it meets a new combination of
argument types (float32 or float64 rows, read-only or writable arrays, ...)
and keeps the result in its on-disk cache (``cache=True``: ``__pycache__``
beside vqkit's source, or ``NUMBA_CACHE_DIR``, or numba's per-user cache
folder where the installation is read-only).  ``vqkit demo``, the first
command of the README, watches numba's ``numba:compile`` events: when it had
to compile (the cache was empty or stale: a new installation, another numba
or vqkit version) it runs :data:`COMMANDS` and :data:`FITS` here on small
generated inputs of the kinds users give (CSV tables, float32 and float64
``.npy`` files, a PNG image; NumPy arrays in Python), which fills the cache
for the kernels and types they meet.  Later processes load them from the
cache.  When the demo compiled nothing, the cache is warm and nothing runs.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np

#: The commands run on the generated inputs of :func:`_write_inputs`, each
#: as ``vqkit`` would (float64 CSV tables, read-only float32 and float64
#: ``.npy`` rows, a PNG image); together they meet every assignment kernel
#: (differences, dot products, matrix products, exact float64 from float32
#: products), Hamerly's bounds, both seedings and the small-fit path.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("cluster", "small.csv", "-k", "3", "--seed", "0"),
    ("cluster", "table.csv", "-k", "8", "--seed", "0"),
    ("cluster", "table.csv", "-k", "16", "--seed", "0"),
    ("cluster", "vectors32.npy", "-k", "4", "--seed", "0"),
    ("cluster", "vectors32.npy", "-k", "8", "--seed", "0"),
    ("choose-k", "small.csv", "--seed", "0"),
    ("choose-k", "table.csv", "--k", "2:4", "--seed", "0"),
    ("train-codebook", "vectors32.npy", "-k", "64", "-o", "book32.npz", "--seed", "0"),
    ("encode", "vectors32.npy", "-b", "book32.npz", "-o", "codes32.npy"),
    ("decode", "codes32.npy", "-b", "book32.npz", "-o", "restored32.npy"),
    ("train-codebook", "wide64.npy", "-k", "256", "-o", "book64.npz", "--seed", "0"),
    ("encode", "wide64.npy", "-b", "book64.npz", "-o", "codes64.npy"),
    ("decode", "codes64.npy", "-b", "book64.npz", "-o", "restored64.npy"),
    ("quantize", "photo.png", "-k", "16", "-o", "photo16.png", "--seed", "0"),
    ("quantize", "photo.png", "-k", "4", "-o", "photo4.png", "--seed", "0"),
)


def _fit(dtype: type, n: int, d: int, k: int) -> Callable[[], object]:
    def run() -> object:
        from ..estimators import KMeans

        X: np.ndarray = np.random.default_rng(k).normal(size=(n, d)).astype(dtype)
        return KMeans(n_clusters=k, random_state=0).fit(X)

    return run


#: Library fits on writable NumPy arrays (the types a Python session
#: meets), float32 and float64, small and large.
FITS: tuple[Callable[[], object], ...] = (
    _fit(np.float32, 10_000, 8, 16),
    _fit(np.float64, 10_000, 8, 16),
    _fit(np.float32, 5000, 6, 8),
    _fit(np.float64, 5000, 6, 8),
    _fit(np.float32, 500, 2, 3),
    _fit(np.float64, 500, 2, 3),
    _fit(np.float32, 200_000, 3, 4),
    _fit(np.float64, 200_000, 3, 4),
    _fit(np.float64, 20_000, 3, 16),  # colour quantization's kernels, without Pillow too
)


@contextlib.contextmanager
def counting_compiles() -> Iterator[list[int]]:
    """Count numba's compilations in the block (cache loads not counted):
    yields a one-item list holding the count so far."""
    from numba.core import event

    count = [0]

    class Counter(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            pass

        def on_end(self, ev: event.Event) -> None:
            count[0] += 1

    listener = Counter()
    event.register("numba:compile", listener)
    try:
        yield count
    finally:
        event.unregister("numba:compile", listener)


def _write_inputs(folder: Path) -> bool:
    """Write the inputs of :data:`COMMANDS`; False when Pillow is missing
    (then ``quantize`` is left out)."""
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4, size=(3, 2))
    small = np.vstack([rng.normal(c, 0.5, size=(100, 2)) for c in centres])
    np.savetxt(folder / "small.csv", small, delimiter=",", fmt="%.6f")
    np.savetxt(folder / "table.csv", rng.normal(size=(2000, 8)), delimiter=",", fmt="%.6f")
    np.save(folder / "vectors32.npy", rng.normal(size=(20_000, 16)).astype(np.float32))
    np.save(folder / "wide64.npy", rng.normal(size=(4000, 32)))
    try:
        from PIL import Image
    except ImportError:
        return False
    y, x = np.mgrid[0:96, 0:128]
    pixels = np.stack([x * 2, y * 2, (x + y) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(pixels).save(folder / "photo.png")
    return True


def _run_command(arguments: tuple[str, ...], folder: Path) -> None:
    """Run one ``vqkit`` command in this process on the files of ``folder``
    (the arguments naming files are relative to it), its output discarded."""
    from . import main

    paths = [str(folder / a) if "." in a and not a.startswith("-") else a for a in arguments]
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        main.main(args=[*paths, "--quiet"], prog_name="vqkit", standalone_mode=False)


def _forcing(kernel: str, step: Callable[[], object]) -> object:
    from ..backends import kernel_choice

    with kernel_choice.forcing(kernel):
        return step()


def warm_up(show_progress: bool) -> int:
    """Run :data:`COMMANDS` and :data:`FITS` (a progress bar on stderr when
    ``show_progress``); returns the number of compilations they caused.

    A step that fails is named on stderr and skipped: the warm-up only saves
    time later, it never stops the demo."""
    with tempfile.TemporaryDirectory(prefix="vqkit-warm-up-") as tmp:
        folder = Path(tmp)
        has_pillow = _write_inputs(folder)
        steps: list[tuple[str, Callable[[], object]]] = [
            (" ".join(arguments), functools.partial(_run_command, arguments, folder))
            for arguments in COMMANDS
            if has_pillow or arguments[0] != "quantize"
        ]
        steps.extend(("KMeans.fit", fit) for fit in FITS)
        # The assignment kernel is measured per shape class on the machine
        # (backends.kernel_choice), so a user's shape may get a kernel the
        # steps above did not: run them again with each kernel forced.
        from ..backends.kernel_choice import KERNELS

        plain = list(steps)
        steps.extend(
            (f"{name} [{kernel} kernel]", functools.partial(_forcing, kernel, step))
            for kernel in KERNELS
            for name, step in plain
        )
        failed = []
        with counting_compiles() as count, _bar(steps, show_progress) as bar:
            for name, step in bar:
                try:
                    step()
                except Exception as exc:  # noqa: BLE001 - reported, never fatal
                    failed.append(f"{name}: {type(exc).__name__}: {exc}")
    for message in failed:
        click.echo(f"Warning: compiling ahead for '{message}' failed", err=True)
    return count[0]


def _bar(steps: list[tuple[str, Callable[[], object]]], show: bool) -> Any:
    if not show:
        return contextlib.nullcontext(steps)
    return click.progressbar(
        steps,
        label="Compiling kernels for the other commands (once)",
        file=sys.stderr,
    )
