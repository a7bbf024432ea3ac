"""Starting numba's worker threads, once, before the first parallel kernel,
and launching parallel kernels safely from several Python threads.

Nothing happens at import: the CPU backend calls :func:`ensure_threads`
when it is created (and every kernel launch checks it ran), so
``import vqkit`` and ``vqkit --help`` start no thread and compile nothing.

numba's ``workqueue`` threading layer, the one it uses where neither
OpenMP nor TBB is available, aborts the process ("Concurrent access has
been detected") when parallel kernels are launched from two Python
threads at once: several threads fitting at the same time, or Dask's
threaded scheduler running blocks.  Every parallel kernel is therefore
decorated with :func:`launch_safely`, which serialises the launches with
one process-wide lock under such a layer, and does nothing more under the
thread-safe ones (:data:`THREAD_SAFE_LAYERS`).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np
from numba import njit, prange

F = TypeVar("F", bound=Callable[..., Any])

#: numba threading layers on which parallel kernels may be launched from
#: several Python threads at once.
THREAD_SAFE_LAYERS = ("omp", "tbb")


@njit(parallel=True, cache=True)
def _touch_threads(out):
    for i in prange(out.shape[0]):
        out[i] = i


#: Spin iterations of an idle numba thread before it sleeps (GNU OpenMP's
#: ``GOMP_SPINCOUNT``): about 10-30 microseconds, enough to catch the next
#: kernel of the same Lloyd iteration without holding a core long.
SPIN_COUNT = "10000"


def start_threads() -> None:
    """Start numba's worker threads with idle threads that spin briefly, then sleep.

    By default GNU OpenMP threads spin for a long time after each parallel
    kernel, and so do OpenBLAS's after a matrix product; on a machine with
    few cores each then waits for the other's cores (a 5000x5 by 50
    assignment took 17 ms instead of 0.4 ms on 2 cores).  Threads that
    sleep at once (``OMP_WAIT_POLICY=PASSIVE``) avoid that but pay about
    0.2 ms to wake for every kernel, which dominates small fits (1,000-row
    fits ran 10x slower).  So idle threads spin for ``SPIN_COUNT``
    iterations, then sleep: measured on 2 cores, a 1,000-row centre update
    takes 15 us instead of 220 us, and alternating BLAS products with
    assignments costs 5% more than with sleeping threads instead of 4x.
    GNU OpenMP reads these variables once, when numba first loads it, so
    they are set only around that moment and then restored: other
    libraries that bring their own OpenMP runtime (scikit-learn, PyTorch)
    keep their defaults.  Values the user set are left alone.
    """
    wanted = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": SPIN_COUNT}
    added = [name for name in wanted if name not in os.environ]
    for name in added:
        os.environ[name] = wanted[name]
    try:
        _touch_threads(np.empty(4))
    finally:
        for name in added:
            del os.environ[name]


_started = False  # set once start_threads has run in this process
_starting = threading.Lock()
#: Whether kernel launches take :data:`_launching` (set with ``_started``).
_serialised = False
_launching = threading.Lock()


def ensure_threads() -> None:
    """:func:`start_threads`, on the first call only (one flag check after).

    Called before the first kernel of a process runs (by
    :class:`~vqkit.backends.cpu.CPUBackend` when it is created, and by every
    launch through :func:`launch_safely`), so that numba loads its
    threading layer with the idle-thread settings above.  Then notes
    whether that layer is thread-safe.
    """
    global _started, _serialised
    if _started:
        return
    with _starting:
        if not _started:
            start_threads()
            _serialised = _layer_is_unsafe()  # before _started: other threads read it then
            _started = True


def launches_serialised() -> bool:
    """Whether numba's threading layer (started now if need be) is not
    thread-safe, so that kernel launches take turns (asked of numba)."""
    ensure_threads()
    return _layer_is_unsafe()


def _layer_is_unsafe() -> bool:
    return numba.threading_layer() not in THREAD_SAFE_LAYERS


def launch_safely(kernel: F) -> F:
    """Decorate a parallel numba ``kernel`` (outside its ``@njit``) so that
    it may be called from any Python thread at any time.

    Under a threading layer that is not thread-safe, one launch runs at a
    time, process-wide: a thread that calls a kernel while another one's
    runs waits for it (the GIL released: kernels are ``nogil``).  Results
    are the same either way: the kernels' chunks do not depend on threads.
    """

    @functools.wraps(kernel)
    def launch(*args: Any, **kwargs: Any) -> Any:
        ensure_threads()
        if not _serialised:
            return kernel(*args, **kwargs)
        with _launching:
            return kernel(*args, **kwargs)

    return launch  # type: ignore[return-value]
