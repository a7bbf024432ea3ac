"""Running the row blocks of a matrix-product assignment on several threads.

A blocked assignment alternates a BLAS product (``X_block @ C.T``) with a
numba kernel that takes each row's nearest centre from it.  Done with both
libraries' own thread pools, each waits for the other: OpenBLAS's idle
workers keep spinning for a while after every product and take the cores
the numba kernel then wants (on 2 cores the argmin of a 100,000 x 1,024
assignment took 137 ms instead of 70 ms).  So when several threads are
allowed, :func:`for_each_block` hands whole blocks to as many Python
threads, each computing its block's product with single-threaded BLAS and
its argmin with a single numba thread: no pool waits on another (the same
assignment: 167 ms instead of 260-280 ms).

Every row's result depends on its own block only, and blocks are the same
whatever the thread count, so results are too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numpy.typing import DTypeLike

from .threads import launches_serialised


class Scratch:
    """Work arrays of one thread, kept across the blocks it computes."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
        """An uninitialised array called ``name``, allocated on first use."""
        a = self._arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self._arrays[name] = np.empty(shape, dtype=dtype)
        return a


_controller = None


def _blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries, or None --
    blocks then run one after another as before -- when threadpoolctl is
    not installed or numba's threading layer is not thread-safe (its
    ``workqueue`` layer, used where neither OpenMP nor TBB is available,
    aborts on kernels launched from two threads at once)."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            ThreadpoolController = None
        safe = ThreadpoolController is not None and not launches_serialised()
        _controller = ThreadpoolController() if safe else False
    return _controller or None


#: OpenBLAS multiplies on one thread below this many multiply-adds
#: (``m * n * k``; its ``SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD``):
#: a single block that small needs no limit (threadpoolctl's costs 15-30 us).
BLAS_THREADED_MIN_WORK = 65536 * 4


def for_each_block(
    n: int, rows: int, work: Callable[[int, int, Scratch], object], row_work: int | None = None
) -> None:
    """Call ``work(start, stop, scratch)`` for the row blocks ``[0, rows)``,
    ``[rows, 2 rows)``, ... of ``n`` rows.

    With more than one numba thread, more than one block, threadpoolctl
    available and the call made from the main thread, the blocks are
    shared out among ``numba.get_num_threads()`` Python threads, each with
    one numba thread and BLAS limited to one thread (a process-wide
    setting, hence the main thread only: other threads, such as a Dask
    worker's, keep the plain loop).  A single block runs on the calling
    thread with BLAS limited to one thread and the numba threads as they
    are, so that no BLAS worker spins while the argmin runs (a 5000x5
    ``vq`` against 50 centres: about 0.6 ms, with outliers of several ms,
    before); ``row_work`` (multiply-adds per row of the product) skips
    that limit where BLAS would not use threads anyway.  ``work`` must
    release the GIL in its heavy parts (NumPy's products and ``nogil``
    kernels do) and write only its own rows.  Exceptions propagate.
    """
    if n <= 0:
        return
    starts = range(0, n, rows)
    threads = min(numba.get_num_threads(), len(starts))
    controller = _blas_controller() if numba.get_num_threads() > 1 else None
    if controller is None or threading.current_thread() is not threading.main_thread():
        scratch = Scratch()
        for start in starts:
            work(start, min(n, start + rows), scratch)
        return
    if threads == 1:  # one block: its product on one BLAS thread, its argmin
        if row_work is not None and n * row_work < BLAS_THREADED_MIN_WORK:
            work(0, n, Scratch())  # (a product this small is not threaded)
            return
        with controller.limit(limits=1, user_api="blas"):  # on all numba threads
            work(0, n, Scratch())
        return
    local = threading.local()

    def run(start):
        scratch = getattr(local, "scratch", None)
        if scratch is None:
            numba.set_num_threads(1)  # this thread's kernels run on it alone
            scratch = local.scratch = Scratch()
        work(start, min(n, start + rows), scratch)

    with controller.limit(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(run, starts):
            pass
