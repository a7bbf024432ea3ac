"""Starting numba's worker threads, once, before the first parallel kernel.

Nothing happens at import: the CPU backend calls :func:`ensure_threads`
when it is created, so ``import vqkit`` and ``vqkit --help`` start no
thread and compile nothing.
"""

from __future__ import annotations

import os
import threading

import numpy as np
from numba import njit, prange


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


def ensure_threads() -> None:
    """:func:`start_threads`, on the first call only (one flag check after).

    Called before the first kernel of a process runs (by
    :class:`~vqkit.backends.cpu.CPUBackend` when it is created), so that
    numba loads its threading layer with the idle-thread settings above.
    """
    global _started
    if _started:
        return
    with _starting:
        if not _started:
            start_threads()
            _started = True
