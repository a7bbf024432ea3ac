"""10 Lloyd iterations on PyTorch tensors: vqkit against plain PyTorch.

The plain Lloyd is the one people write (``benchmarks/gpu.py``'s
:func:`plain_iteration`: chunked ``addmm`` + ``argmin``, ``index_add_``,
``bincount``, empty clusters kept); vqkit runs :func:`vqkit.core.lloyd.lloyd`
as ``KMeans.fit`` does (origin at the column means, empty clusters
relocated, the iteration's scalars read once).  Both start from the same
centres on the same data, float32, on the same device.

    python benchmarks/torch_lloyd.py                  # the issue's four shapes, CPU tensors
    python benchmarks/torch_lloyd.py --device cuda --repeat 5
    python benchmarks/torch_lloyd.py --small --numpy  # tiny shapes; labels against NumPy too

For each shape: the median time of ``--repeat`` runs of 10 iterations each
(after one warm-up run), their ratio, the ATen operations one iteration
dispatches (all of them, and those touching ``n``-sized data: a measure of
how lean the path is, counted, not timed), the reads of the device per
iteration, and with ``--numpy`` whether vqkit's labels equal those of the
NumPy backend from the same start.  Run it on a quiet machine: timings on a
shared one say nothing.
"""

import argparse
import sys
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gpu import make_data, plain_iteration, timed  # noqa: E402

from vqkit.backends import get_backend  # noqa: E402
from vqkit.core.lloyd import lloyd  # noqa: E402

SHAPES = [(1_000_000, 16, 64), (200_000, 64, 256), (100_000, 128, 1024), (2_000_000, 2, 16)]
SMALL_SHAPES = [(20_000, 16, 64), (8_000, 64, 256), (4_000, 128, 1024), (40_000, 2, 16)]
ITERATIONS = 10

#: ATen operations that make a CUDA device wait (scalar reads, data-sized results).
WAITING = {"_local_scalar_dense", "nonzero", "masked_select", "bincount", "_unique2", "equal"}


class OpCount(TorchDispatchMode):
    """Counts ATen operations: all, those with an ``n``-row operand or
    result, and those that wait for the device."""

    def __init__(self, n):
        super().__init__()
        self.n, self.total, self.large, self.waits = n, 0, 0, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.total += 1
        tensors = [a for a in (*args, *(out if isinstance(out, (tuple, list)) else [out]))]
        if any(isinstance(t, torch.Tensor) and t.dim() and t.shape[0] >= self.n for t in tensors):
            self.large += 1
        if func._schema.name.split("::")[-1] in WAITING:
            self.waits += 1
        return out


class HostCopies(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("numpy", "tolist", "__array__", "item"):
            self.count += 1
        return func(*args, **(kwargs or {}))


def plain_lloyd(X, C, iterations=ITERATIONS):
    for _ in range(iterations):
        C = plain_iteration(X, C)
    return C


def vqkit_lloyd(X, C, origin, iterations=ITERATIONS):
    return lloyd(
        X, C, backend=get_backend(X), max_iter=iterations, origin=origin, empty="relocate"
    )


def per_iteration_ops(fn, n):
    """ATen operations of one iteration (two runs of 1 and 2 iterations,
    so that what runs once per call cancels), and host copies."""
    counts = []
    for iterations in (1, 2):
        ops, copies = OpCount(n), HostCopies()
        with copies, ops:
            fn(iterations)
        counts.append((ops.total, ops.large, ops.waits + copies.count))
    return tuple(b - a for a, b in zip(*counts))


def run(n, d, k, device, repeat, numpy_check):
    X, C = make_data(n, d, k, device)
    origin = X.mean(0, dtype=torch.float64)
    row = {"shape": (n, d, k)}
    row["plain_ms"] = 1e3 * timed(lambda: plain_lloyd(X, C), device, repeat)[0]
    row["vqkit_ms"] = 1e3 * timed(lambda: vqkit_lloyd(X, C, origin), device, repeat)[0]
    row["plain_ops"] = per_iteration_ops(lambda i: plain_lloyd(X, C, i), n)
    row["vqkit_ops"] = per_iteration_ops(lambda i: vqkit_lloyd(X, C, origin, i), n)
    if numpy_check:
        Xh, Ch = X.cpu().numpy(), C.cpu().numpy()
        ref = lloyd(
            Xh,
            Ch,
            backend=get_backend(Xh),
            max_iter=ITERATIONS,
            origin=origin.cpu().numpy(),
            empty="relocate",
        )
        got = vqkit_lloyd(X, C, origin)
        row["labels_differ_from_numpy"] = int((got.labels.cpu().numpy() != ref.labels).sum())
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="tiny shapes (a smoke test)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of 10 iterations")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--numpy", action="store_true", help="compare labels with NumPy's")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"# torch {torch.__version__}, {device}, {torch.get_num_threads()} threads", flush=True)
    lines = [
        "| n, d, k | plain PyTorch (10 it) | vqkit (10 it) | ratio | ops/iter plain "
        "(n-sized, reads) | ops/iter vqkit (n-sized, reads) | labels vs NumPy |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for n, d, k in SMALL_SHAPES if args.small else SHAPES:
        row = run(n, d, k, device, args.repeat, args.numpy)
        plain, vq = row["plain_ops"], row["vqkit_ops"]
        lines.append(
            f"| {n:,}, {d}, {k} | {row['plain_ms']:.1f} ms | {row['vqkit_ms']:.1f} ms | "
            f"{row['vqkit_ms'] / row['plain_ms']:.2f}x | {plain[0]} ({plain[1]}, {plain[2]}) | "
            f"{vq[0]} ({vq[1]}, {vq[2]}) | "
            f"{row.get('labels_differ_from_numpy', '-')} differ |"
        )
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
