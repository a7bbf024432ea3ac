"""The Lloyd loop on a device (PyTorch tensors stand in for GPU arrays):
how often it waits for the device, what it allocates, and that it gives
the NumPy path's answer.

Device waits are counted with PyTorch's own hooks: a dispatch mode sees
every ATen operation (those that read a value back to the host, or need a
count to size their result, stall a GPU), a function mode sees the
copies to NumPy.  On CPU tensors nothing actually waits, but the same
operations run, so the counts are those a GPU would see.
"""

import functools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from helpers import blobs
from vqkit import KMeans
from vqkit.backends import array_api, get_backend
from vqkit.backends._low_precision import _matmul_precision
from vqkit.core.lloyd import lloyd

torch = pytest.importorskip("torch")
from torch.overrides import TorchFunctionMode  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

#: ATen operations that wait for a CUDA device: a scalar read, or a result
#: whose size depends on the data (boolean-mask indexing is counted apart).
WAITING_OPS = {
    "_local_scalar_dense",
    "nonzero",
    "masked_select",
    "bincount",
    "_unique",
    "_unique2",
    "unique_dim",
    "unique_consecutive",
    "equal",
    "is_nonzero",
    "repeat_interleave",
    "histc",
}


class DeviceWatch(TorchDispatchMode):
    """Counts the operations that wait for the device, and records every
    float64 tensor of at least ``rows`` rows created, by operation."""

    def __init__(self, rows=None):
        super().__init__()
        self.rows = rows
        self.waits = {}
        self.float64_rows = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func._schema.name.split("::")[-1]
        indices = args[1] if name.startswith("index") and len(args) > 1 else ()
        masked = isinstance(indices, (list, tuple)) and any(
            isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in indices
        )
        if name in WAITING_OPS or masked:
            key = f"{name}[mask]" if masked else name
            self.waits[key] = self.waits.get(key, 0) + 1
        out = func(*args, **(kwargs or {}))
        if self.rows is not None:
            for t in out if isinstance(out, (tuple, list)) else [out]:
                if (
                    isinstance(t, torch.Tensor)
                    and t.dtype == torch.float64
                    and t.dim()
                    and t.shape[0] >= self.rows
                ):
                    self.float64_rows.append((name, tuple(t.shape)))
        return out


class HostCopies(TorchFunctionMode):
    """Counts tensors copied to the host (NumPy arrays, Python lists)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("numpy", "tolist", "__array__"):
            self.count += 1
        return func(*args, **(kwargs or {}))


def watch(fn, rows=None):
    """``(result, waiting ops by name, host copies, float64 n-row tensors)``
    of ``fn()``."""
    device, host = DeviceWatch(rows), HostCopies()
    with host, device:
        result = fn()
    return result, device.waits, host.count, device.float64_rows


def reads(waits, copies):
    return sum(waits.values()) + copies


def wandering(n=6000, d=16, k=48, seed=0):
    """Uniform rows: Lloyd keeps moving labels for many iterations."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, d)).astype(np.float32) + 5
    return X, X[rng.choice(n, k, replace=False)].copy()


# ----------------------------------------------------------------------------
# one read per iteration


@pytest.mark.parametrize("weighted", [False, True])
def test_lloyd_reads_the_device_once_per_iteration(weighted):
    X, C = wandering()
    Xt, Ct = torch.asarray(X), torch.asarray(C)
    w = torch.asarray(np.random.default_rng(1).uniform(0.5, 2, len(X))) if weighted else None
    backend = get_backend(Xt)
    origin = Xt.double().mean(0)
    for iters in (10, 20):
        run, waits, copies, _ = watch(
            functools.partial(
                lloyd,
                Xt,
                Ct,
                backend=backend,
                weights=w,
                max_iter=iters,
                origin=origin,
                empty="relocate",
            )
        )
        assert run.n_iter == iters and all(h.n_empty == 0 for h in run.history)
        # no operation in the loop waits; each iteration copies its
        # scalars to the host once
        assert waits == {}
        assert copies == iters


def test_kmeans_fit_reads_once_per_iteration():
    X, _ = wandering(k=64)
    Xt = torch.asarray(X)
    counted = {}
    for max_iter in (5, 10):
        model = KMeans(64, n_init=1, max_iter=max_iter, tol=0, random_state=0)
        km, waits, copies, _ = watch(functools.partial(model.fit, Xt))
        assert km.n_iter_ == max_iter
        counted[max_iter] = reads(waits, copies)
    # seeding, checks and the final assignment are the same in both fits
    assert counted[10] - counted[5] == 5


def test_relocation_runs_on_the_device():
    X = blobs(3000, 2, 3, seed=17).astype(np.float32)
    start = np.vstack([X[:3], [[1e3, 1e3]], [[-1e3, 1e3]]]).astype(np.float32)
    Xt = torch.asarray(X)
    backend = get_backend(Xt)
    origin = torch.asarray(X.astype(np.float64).mean(0))
    run, waits, copies, _ = watch(
        lambda: lloyd(
            Xt, torch.asarray(start), backend=backend, max_iter=6, origin=origin, empty="relocate"
        )
    )
    ref = lloyd(
        X, start, backend=get_backend(X), max_iter=6, origin=origin.numpy(), empty="relocate"
    )
    assert [h.n_empty for h in run.history] == [h.n_empty for h in ref.history]
    assert run.history[0].n_empty == 2
    assert_array_equal(run.labels.numpy(), ref.labels)
    assert_allclose(run.centers.numpy(), ref.centers, rtol=1e-6)
    # the relocating iteration finds the farthest rows with a topk and one
    # nonzero (the rows tied at its threshold), copies the empty centres'
    # numbers, the chosen rows, their distances and labels to the host, and
    # reads the new shift; the other iterations read once
    assert waits == {"nonzero": 1, "_local_scalar_dense": 1}
    assert copies == 6 + 4


# ----------------------------------------------------------------------------
# no float64 of the data's length


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [8, 64])
def test_no_float64_rows_inside_the_loop(weighted, k):
    X, C = wandering(n=5000, k=k)
    Xt, Ct = torch.asarray(X), torch.asarray(C)
    w = torch.asarray(np.random.default_rng(1).uniform(0.5, 2, len(X))) if weighted else None
    backend = get_backend(Xt)
    origin = Xt.double().mean(0)
    run, _, _, float64_rows = watch(
        lambda: lloyd(Xt, Ct, backend=backend, weights=w, max_iter=3, origin=origin),
        rows=len(X),
    )
    assert run.n_iter == 3
    assert float64_rows == []


def test_partial_sums_keep_float64_accuracy():
    rng = np.random.default_rng(5)
    n, d, k = 300_000, 3, 4
    # far from zero and one dominant cluster: the hard case for float32 sums
    X = (rng.normal(size=(n, d)) * 0.01 + 1000).astype(np.float32)
    labels = np.where(rng.random(n) < 0.9, 0, rng.integers(1, k, n)).astype(np.int32)
    Xt = torch.asarray(X)
    backend = get_backend(Xt)
    sums, wsums = backend._partial_sums(Xt, torch.asarray(labels), k, None)
    ref = np.zeros((k, d))
    np.add.at(ref, labels, X.astype(np.float64))
    assert_array_equal(wsums.numpy(), np.bincount(labels, minlength=k))
    # each partial sum holds at most max(256, 4k) rows: a few float32 units
    # of the largest row, relative to the sum
    means, ref_means = sums.numpy() / wsums.numpy()[:, None], ref / wsums.numpy()[:, None]
    assert_allclose(means, ref_means, rtol=2**-24 * 4, atol=0)


def test_threads_keep_their_own_workspace():
    """On the CPU each thread keeps its own buffers for the centred rows and
    scores: assignments running at once in several threads each get their
    own data's labels."""
    import threading

    datasets = [wandering(n=20_000, d=8 + 4 * i, k=16 * (i + 1), seed=i) for i in range(3)]
    tensors = [(torch.asarray(X), torch.asarray(C)) for X, C in datasets]
    backend = get_backend(tensors[0][0])
    expected = [backend.assign(Xt, Ct)[0].numpy().copy() for Xt, Ct in tensors]
    results = {i: [] for i in range(len(tensors))}

    def work(i):
        for _ in range(4):
            results[i].append(backend.assign(*tensors[i])[0].numpy().copy())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(tensors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, labels in results.items():
        assert len(labels) == 4
        for got in labels:
            assert_array_equal(got, expected[i])


# ----------------------------------------------------------------------------
# the same answer as NumPy


@pytest.mark.parametrize(
    ("n", "d", "k"), [(20_000, 16, 64), (8_000, 64, 256), (4_000, 128, 1024), (40_000, 2, 16)]
)
def test_same_labels_as_numpy_from_the_same_start(n, d, k):
    """The benchmark's shapes, scaled down: 10 iterations from the same
    centres give the same labels; centres agree to float32 rounding."""
    rng = np.random.default_rng(n + d + k)
    truth = rng.normal(size=(k, d)) * 4
    X = (truth[rng.integers(0, k, n)] + rng.normal(size=(n, d)) + 10).astype(np.float32)
    C = X[rng.choice(n, k, replace=False)].copy()
    origin = X.astype(np.float64).mean(0)
    ref = lloyd(X, C, backend=get_backend(X), max_iter=10, origin=origin, empty="relocate")
    Xt = torch.asarray(X)
    run = lloyd(
        Xt,
        torch.asarray(C),
        backend=get_backend(Xt),
        max_iter=10,
        origin=torch.asarray(origin),
        empty="relocate",
    )
    assert [h.n_changed for h in run.history] == [h.n_changed for h in ref.history]
    assert_array_equal(run.labels.numpy(), ref.labels)
    scale = np.abs(ref.centers).max()
    assert_allclose(run.centers.numpy(), ref.centers, rtol=0, atol=8 * np.spacing(scale))
    assert run.inertia == pytest.approx(ref.inertia, rel=1e-6)


def near_tie_data(pairs, seed=0):
    """Rows around 40 centres far from zero, ``pairs`` of which have a twin
    a hair away: float32 scores cannot tell those rows' two best apart."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(40, 24))
    C = np.vstack([base, base[:pairs] + 2e-3]).astype(np.float32) + 100
    X = (C[rng.integers(0, len(C), 6000)] + rng.normal(scale=0.05, size=(6000, 24))).astype(
        np.float32
    )
    X64, C64 = X.astype(np.float64), C.astype(np.float64)
    D = ((X64[:, None, :] - C64[None, :, :]) ** 2).sum(2)
    origin = X64.mean(0)
    Xt = torch.asarray(X)
    labels, d2 = get_backend(Xt).assign(Xt, torch.asarray(C), torch.asarray(origin))
    # the float32 error bound of a score (the CPU backend's), around the origin
    x_sq = ((X64 - origin) ** 2).sum(1)
    c_max = np.sqrt(((C64 - origin) ** 2).sum(1).max())
    bound = (24 + 4) * 2.0**-23 * (2 * np.sqrt(x_sq) * c_max + c_max**2 + x_sq)
    return labels.numpy(), d2.numpy(), D, bound


def test_near_ties_are_decided_in_float64():
    labels, d2, D, _ = near_tie_data(pairs=2)
    assert_array_equal(labels, D.argmin(1))
    assert_allclose(d2, D.min(1), rtol=1e-4, atol=1e-4)


def test_near_ties_beyond_the_recheck_budget_stay_float32_ties():
    """More near-ties than a chunk may recheck (``RECHECK_FLOOR`` plus one
    in ``RECHECK_SHARE`` rows): the rest keep their float32 label, which is
    one of the centres that float32 cannot tell apart."""
    labels, _, D, bound = near_tie_data(pairs=40)
    wrong = np.flatnonzero(labels != D.argmin(1))
    assert 0 < wrong.size < 6000 // 100
    gap = D[wrong, labels[wrong]] - D[wrong].min(1)
    assert (gap <= 2 * bound[wrong]).all()


# ----------------------------------------------------------------------------
# PyTorch's precision switches


@pytest.mark.parametrize("api", ["legacy", "matmul", "global", "untouched"])
def test_precision_switch_works_under_either_api(api):
    """Whichever of PyTorch's APIs the user set TF32 with, switching for an
    assignment neither raises nor changes the user's setting."""
    matmul = torch.backends.cuda.matmul
    before = (matmul.fp32_precision, torch.backends.fp32_precision)
    try:
        if api == "legacy":
            matmul.allow_tf32 = True
        elif api == "matmul":
            matmul.fp32_precision = "tf32"
        elif api == "global":
            torch.backends.fp32_precision = "tf32"
        setting = matmul.fp32_precision
        for precision in ("float32", "tf32"):
            with _matmul_precision(precision):
                assert matmul.fp32_precision == ("tf32" if precision == "tf32" else "ieee")
            assert matmul.fp32_precision == setting
        if api == "legacy":
            assert matmul.allow_tf32 is True  # the legacy flag still reads
        X = torch.asarray(blobs(500, 4, 3, seed=1))
        with array_api.options(precision="tf32"):
            KMeans(3, n_init=1, random_state=0).fit(X)
    finally:
        matmul.fp32_precision, torch.backends.fp32_precision = before


def test_default_float32_assignment_is_not_triton():
    assert array_api._options["triton"] == "auto"
    X = torch.zeros((4, 2))
    assert get_backend(X)._triton_kernels() is None


def test_unassigned_rows_are_reported_after_the_read():
    X = blobs(400, 3, 2, seed=2).astype(np.float32)
    C = X[:2].copy()
    X[[7, 9], 1] = math.inf
    Xt = torch.asarray(X)
    message = r"2 observation\(s\) \(the first is row 7\)"
    with pytest.raises(ValueError, match=message):
        lloyd(X, C, backend=get_backend(X), max_iter=3)
    with pytest.raises(ValueError, match=message):
        lloyd(Xt, torch.asarray(C), backend=get_backend(Xt), max_iter=3)
