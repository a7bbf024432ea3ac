"""Blocked assignments shared out among threads (backends/kernels/threaded_blocks.py)."""

import threading
import time

import numba
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from helpers import nearest_reference
from vqkit.backends import cpu
from vqkit.backends.cpu import CPUBackend
from vqkit.backends.kernels import threaded_blocks

backend = CPUBackend()

needs_threads = pytest.mark.skipif(
    numba.get_num_threads() < 2 or threaded_blocks._blas_controller() is None,
    reason="needs 2 numba threads and threadpoolctl",
)


def _data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(-20, 20, size=(7000, 12)).astype(dtype)  # many exact ties
    C = rng.integers(-20, 20, size=(600, 12)).astype(dtype)
    C[5] = C[4]  # a duplicated centre: ties go to the lower index
    return X, C


@pytest.mark.parametrize(
    "kernel, dtype", [("mixed", np.float64), ("blocked", np.float32), ("blocked", np.float64)]
)
def test_threaded_blocks_give_the_serial_result(kernel, dtype, monkeypatch):
    X, C = _data(dtype)
    monkeypatch.setattr(cpu, "choose_kernel", lambda *args: kernel)
    monkeypatch.setattr(cpu, "BLOCK_BYTES", 1)  # blocks of ROW_CHUNK rows: 4 of them
    threaded = backend.assign(X, C, X.mean(0))
    numba_threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)  # the plain loop
        serial = backend.assign(X, C, X.mean(0))
    finally:
        numba.set_num_threads(numba_threads)
    assert_array_equal(threaded[0], serial[0])
    assert_array_equal(threaded[1], serial[1])
    if kernel == "mixed":  # exact: the float64 nearest centre
        assert_array_equal(threaded[0], nearest_reference(X, C)[0])


@needs_threads
def test_blocks_run_on_several_threads_and_restore_the_settings():
    blas_before = [
        lib["num_threads"]
        for lib in threaded_blocks._blas_controller().info()
        if lib["user_api"] == "blas"
    ]
    seen, lock = {}, threading.Lock()

    def work(start, stop, scratch):
        buffer = scratch.array("b", (10,), np.float64)
        time.sleep(0.02)  # long enough for every thread to take blocks
        with lock:
            seen[start] = (threading.get_ident(), numba.get_num_threads(), id(buffer))

    threaded_blocks.for_each_block(10_000, 1000, work)
    assert sorted(seen) == list(range(0, 10_000, 1000))
    threads = {ident for ident, _, _ in seen.values()}
    assert 1 < len(threads) <= numba.get_num_threads()
    assert threading.get_ident() not in threads
    assert {n for _, n, _ in seen.values()} == {1}  # one numba thread each
    # one scratch array per thread, reused across its blocks
    assert len({buf for _, _, buf in seen.values()}) == len(threads)
    assert numba.get_num_threads() > 1  # the caller's setting is untouched
    blas_after = [
        lib["num_threads"]
        for lib in threaded_blocks._blas_controller().info()
        if lib["user_api"] == "blas"
    ]
    assert blas_after == blas_before


def test_blocks_outside_the_main_thread_run_in_order_on_that_thread():
    calls = []

    def work(start, stop, scratch):
        calls.append((start, stop, threading.get_ident()))

    worker = threading.Thread(target=threaded_blocks.for_each_block, args=(2500, 1000, work))
    worker.start()
    worker.join()
    assert [(a, b) for a, b, _ in calls] == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert {ident for _, _, ident in calls} == {worker.ident}


def test_an_error_in_a_block_reaches_the_caller():
    def work(start, stop, scratch):
        if start == 2000:
            raise ValueError("block 2 failed")

    with pytest.raises(ValueError, match="block 2 failed"):
        threaded_blocks.for_each_block(5000, 1000, work)


def test_without_a_thread_safe_numba_layer_blocks_run_in_order(monkeypatch):
    # numba's workqueue layer aborts on kernels launched from two threads
    monkeypatch.setattr(threaded_blocks, "_controller", None)
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    assert threaded_blocks._blas_controller() is None
    calls = []
    threaded_blocks.for_each_block(
        2500, 1000, lambda a, b, s: calls.append((a, threading.get_ident()))
    )
    assert [a for a, _ in calls] == [0, 1000, 2000]
    assert {ident for _, ident in calls} == {threading.get_ident()}


def test_no_rows_no_blocks():
    calls = []
    threaded_blocks.for_each_block(0, 1000, lambda a, b, s: calls.append(a))
    assert calls == []
