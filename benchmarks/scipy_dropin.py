"""Benchmark vqkit's drop-in functions against SciPy on the same data.

Runs every case in one process, on the same arrays, alternating the
libraries (each timed call after its own library's untimed calls, see
``speed.rewarm``), and prints the median time of each with its spread (min-max) and
the ratio SciPy / vqkit (above 1: vqkit is faster).  Not part of the tests.

    python -m benchmarks dropin                  # all cases
    python -m benchmarks dropin --repeat 9 --filter kmeans2
    python benchmarks/run.py [options]           # the same (kept alias)

For BLAS-heavy cases on machines that set OPENBLAS_CORETYPE, unset it (and
OPENBLAS_L2_SIZE) in the benchmark command only.
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np

from .speed import rewarm


def blobs(n, d, k, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    X = centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))
    return X.astype(dtype)


def cases():
    """(name, data factory, call(module, data)) for each benchmark."""

    def vq_case(n, d, k, dtype=np.float64):
        def make():
            X = blobs(n, d, k, dtype=dtype)
            return X, X[:k].copy()

        return f"vq {n}x{d} k={k} {np.dtype(dtype).name}", make, lambda m, a: m.vq(*a)

    def kmeans_case(n, d, k, it):
        return (
            f"kmeans {n}x{d} k={k} iter={it}",
            lambda: blobs(n, d, k),
            lambda m, X: m.kmeans(X, k, iter=it, rng=0),
        )

    def kmeans2_case(n, d, k, it, minit):
        return (
            f"kmeans2 {n}x{d} k={k} iter={it} {minit}",
            lambda: blobs(n, d, k),
            lambda m, X: m.kmeans2(X, k, iter=it, minit=minit, rng=0),
        )

    return [
        vq_case(5000, 5, 2),
        vq_case(5000, 5, 10),
        vq_case(5000, 5, 50),
        vq_case(5000, 5, 50, np.float32),
        vq_case(100_000, 16, 256),
        vq_case(200_000, 2, 64),
        kmeans_case(1000, 5, 2, 10),
        kmeans_case(1000, 5, 10, 10),
        kmeans_case(1000, 5, 50, 10),
        kmeans2_case(1000, 5, 50, 10, "random"),
        kmeans2_case(1000, 5, 50, 10, "points"),
        kmeans2_case(1000, 5, 50, 10, "++"),
        kmeans2_case(200_000, 32, 64, 10, "points"),
        kmeans2_case(200_000, 32, 64, 10, "++"),
        kmeans2_case(200_000, 2, 16, 10, "points"),
    ]


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks dropin", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--filter", default="", help="run cases whose name contains this")
    args = parser.parse_args(argv)

    import numba
    import scipy
    import scipy.cluster.vq as scipy_vq

    import vqkit

    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numba threads {numba.get_num_threads()}, Python {platform.python_version()}"
    )
    print(f"# vqkit {vqkit.__version__}, SciPy {scipy.__version__}, NumPy {np.__version__}")
    print(f"# median of {args.repeat} runs; spread is min-max; ratio = SciPy / vqkit")
    print()
    print("| case | SciPy ms | vqkit ms | SciPy / vqkit |")
    print("|---|---:|---:|---:|")
    warnings.simplefilter("ignore")
    for name, make, call in cases():
        if args.filter not in name:
            continue
        data = make()
        call(vqkit, data)  # compile and warm up
        call(scipy_vq, data)
        t_v, t_s = [], []
        for _ in range(args.repeat):  # alternate so drift hits both alike
            for module, times in ((scipy_vq, t_s), (vqkit, t_v)):
                # each timed call starts from the state of its own library's
                # calls (the other's BLAS workers spin for ~0.1 s after it)
                rewarm(lambda: call(module, data))
                times += timed(lambda: call(module, data), 1)
        ms_s = statistics.median(t_s) * 1e3
        ms_v = statistics.median(t_v) * 1e3
        print(
            f"| {name} | {ms_s:.2f} ({min(t_s) * 1e3:.2f}-{max(t_s) * 1e3:.2f}) "
            f"| {ms_v:.2f} ({min(t_v) * 1e3:.2f}-{max(t_v) * 1e3:.2f}) "
            f"| {ms_s / ms_v:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
