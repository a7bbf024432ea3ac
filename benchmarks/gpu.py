"""vqkit on a GPU: time per Lloyd iteration of the Array API backend
(portable path, PyTorch path, Triton kernel) against a plain PyTorch Lloyd
iteration and the floors set by the card's measured matrix-product rate and
memory bandwidth, then whole fits (``KMeans.fit`` from given centres, with
k-means++ and with k-means|| seeding, and with empty clusters to relocate).

    python benchmarks/gpu.py                 # CUDA: issue 7's shapes (about 5-8 min on an H200)
    python benchmarks/gpu.py --small         # tiny shapes, runs on the CPU too (a smoke test)
    python benchmarks/gpu.py --shapes 4000000x128x1024 --repeat 7 --no-fits
    TRITON_INTERPRET=1 python benchmarks/gpu.py --small   # Triton rows (bf16 too) on a CPU

Every method first assigns from the same centres and its labels are
compared with float64 labels (a "near tie" is a row whose two candidate
centres are equally near to float32 rounding: both answers are right);
then one warm-up iteration and the median of ``--repeat`` timed ones.  The
fit from given centres (empty clusters kept) is checked against a float64
Lloyd from the same centres (centre error in float32 units of the largest centre coordinate,
labels that differ); the seeded fits against their own inertia recomputed
in float64; the relocating fit (a sixteenth of the centres moved far away)
must end with every cluster non-empty.  One markdown table goes to stdout
and, when ``$OUT`` is set, JSON to ``$OUT/gpu.json`` (rewritten after every
shape, so a run cut short keeps what it measured).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from vqkit import KMeans  # noqa: E402
from vqkit.backends import array_api, get_backend  # noqa: E402
from vqkit.core.lloyd import lloyd  # noqa: E402

SHAPES = [(4_000_000, 128, 1024), (4_000_000, 128, 64), (1_000_000, 256, 4096), (8_000_000, 2, 16)]
SMALL_SHAPES = [(20_000, 16, 64), (20_000, 16, 8), (5_000, 32, 256), (40_000, 2, 16)]

#: Rows whose float64 distances to the two disputed centres differ by no more
#: than this times ``|x - o|^2 + |c|^2`` count as near ties (float32 rounding
#: of the expanded form, with room for d-term sums).
NEAR_TIE = 64 * 2.0**-24


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, repeat):
    """Median and min seconds of ``repeat`` calls after one warm-up call."""
    fn()
    sync(device)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def tf32(enabled):
    """TF32 matrix products on or off, through PyTorch's current API (the
    legacy ``allow_tf32`` raises once the new one is in use)."""
    torch.backends.cuda.matmul.fp32_precision = "tf32" if enabled else "ieee"


# --------------------------------------------------------------------------
# the card's limits


def measure_floors(device, small, repeat):
    """Measured fp32 / tf32 matrix-product rates (flop/s) and copy bandwidth (B/s)."""
    size = 1024 if small else 8192
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    rates = {}
    for name, allow in (("fp32", False), ("tf32", True)):
        if name == "tf32" and device.type != "cuda":
            rates[name] = rates["fp32"]
            continue
        tf32(allow)
        seconds, _ = timed(lambda: torch.mm(a, b), device, repeat)
        rates[name] = 2.0 * size**3 / seconds
    tf32(False)
    a = b = None  # free the matrices before the copy buffers
    count = (16 if small else 1024) * 2**20 // 4  # floats: 64 MiB / 4 GiB
    src = torch.empty(count, device=device)
    dst = torch.empty_like(src)
    seconds, _ = timed(lambda: dst.copy_(src), device, repeat)
    bandwidth = 2.0 * count * 4 / seconds  # read + write
    return rates, bandwidth


def floor_seconds(n, d, k, rate, bandwidth):
    """Lower bound of one fused iteration: the products at ``rate`` or one
    read of X (and the labels) at ``bandwidth``, whichever is longer."""
    return max(2.0 * n * k * d / rate, (4.0 * n * d + 4.0 * n) / bandwidth)


# --------------------------------------------------------------------------
# data and references


def make_data(n, d, k, device, seed=0):
    """Blobs around ``k`` centres (float32 on ``device``), and ``k`` rows as
    initial centres."""
    g = torch.Generator(device=device).manual_seed(seed)
    truth = torch.randn(k, d, device=device, generator=g) * 4.0
    X = torch.empty(n, d, device=device)
    step = 1 << 20
    for s in range(0, n, step):
        e = min(n, s + step)
        idx = torch.randint(0, k, (e - s,), device=device, generator=g)
        X[s:e] = truth[idx] + torch.randn(e - s, d, device=device, generator=g) + 10.0
    C = X[torch.randperm(n, device=device, generator=g)[:k]].clone()
    return X, C


def reference_labels(X, C, chunk):
    """float64 nearest centres (centred on the data mean): the labels float32
    is compared with."""
    o = X.double().mean(0)
    Cs = C.double() - o
    c_sq = (Cs * Cs).sum(1)
    out = torch.empty(X.shape[0], dtype=torch.long, device=X.device)
    for s in range(0, X.shape[0], chunk):
        e = min(X.shape[0], s + chunk)
        B = X[s:e].double() - o
        out[s:e] = torch.addmm(c_sq, B, Cs.t(), beta=1, alpha=-2).argmin(1)
    return out


def compare_labels(X, C, labels, ref):
    """``(mismatches, near_ties)``: rows whose label differs from ``ref``, and
    how many of them are ties to float32 rounding."""
    labels = labels.long()
    bad = torch.nonzero(labels != ref).flatten()
    if bad.numel() == 0:
        return 0, 0
    o = X.double().mean(0)
    B = X[bad].double() - o
    Ca = C.double()[labels[bad]] - o
    Cb = C.double()[ref[bad]] - o
    da = ((B - Ca) ** 2).sum(1)
    db = ((B - Cb) ** 2).sum(1)
    scale = (B * B).sum(1) + torch.maximum((Ca * Ca).sum(1), (Cb * Cb).sum(1))
    near = ((da - db).abs() <= NEAR_TIE * scale).sum().item()
    return int(bad.numel()), int(near)


# --------------------------------------------------------------------------
# the plain PyTorch iteration (the baseline)


def plain_chunk(n, k):
    return max(1, min(n, (256 * 2**20) // (4 * k)))


def plain_assign(X, C):
    n, k = X.shape[0], C.shape[0]
    chunk = plain_chunk(n, k)
    c_sq = (C * C).sum(1)
    labels = torch.empty(n, dtype=torch.long, device=X.device)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        labels[s:e] = torch.addmm(c_sq, X[s:e], C.t(), beta=1, alpha=-2).argmin(1)
    return labels


def plain_iteration(X, C):
    """One Lloyd iteration as people write it in PyTorch: chunked ``addmm`` +
    ``argmin``, then ``index_add_`` and a division (empty clusters stay)."""
    k, d = C.shape
    labels = plain_assign(X, C)
    sums = torch.zeros(k, d, device=X.device).index_add_(0, labels, X)
    counts = torch.bincount(labels, minlength=k).to(X.dtype)
    return torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None], C)


# --------------------------------------------------------------------------
# vqkit


def vqkit_method(triton, precision, portable=False, update="auto"):
    options = {"triton": triton, "precision": precision, "portable": portable, "update": update}

    def assign(X, C, origin):
        backend = get_backend(X)
        with array_api.options(**options):
            return backend.assign(X, C, origin)[0]

    def iteration(X, C, origin):
        backend = get_backend(X)
        with array_api.options(**options):
            return lloyd(X, C, backend=backend, max_iter=1, origin=origin).centers

    return assign, iteration


def methods(device):
    """``name -> (assign(X, C, origin), iteration(X, C, origin), tf32 flag)``."""
    out = {
        "plain fp32": (
            lambda X, C, o: plain_assign(X, C),
            lambda X, C, o: plain_iteration(X, C),
            False,
        ),
    }
    if device.type == "cuda":
        out["plain tf32"] = (
            lambda X, C, o: plain_assign(X, C),
            lambda X, C, o: plain_iteration(X, C),
            True,
        )
    # the pure Array API code (standard operations only: one-hot update)
    out["vqkit portable fp32"] = (*vqkit_method(False, "float32", portable=True), False)
    # the default: addmm + min with float64 decisions of near-ties, grouped
    # index_add_ partial sums, one read per iteration (CPU and CUDA alike)
    out["vqkit torch fp32"] = (*vqkit_method("auto", "float32"), False)
    interpreted = os.environ.get("TRITON_INTERPRET", "0") == "1"
    if device.type == "cuda" or interpreted:
        out["vqkit torch tf32+recheck"] = (*vqkit_method(False, "tf32"), False)
        try:
            from vqkit.backends import _triton_kernels

            if _triton_kernels.available():
                out["vqkit triton fp32"] = (*vqkit_method(True, "float32"), False)
                out["vqkit triton tf32+recheck"] = (*vqkit_method(True, "tf32"), False)
                # the two ways of summing centres, side by side
                out["vqkit triton fp32, scatter update"] = (
                    *vqkit_method(True, "float32", update="scatter"),
                    False,
                )
                out["vqkit triton fp32, one-hot update"] = (
                    *vqkit_method(True, "float32", update="onehot"),
                    False,
                )
                out["vqkit triton bf16+recheck"] = (*vqkit_method(True, "bf16"), False)
        except ImportError as exc:
            print(f"# Triton not available: {exc}", file=sys.stderr)
    return out


# --------------------------------------------------------------------------
# whole fits

#: Iterations of the fits (at most: a fit stops early once no label changes).
FIT_ITERATIONS = 10


def reference_lloyd(X, C, iterations, chunk):
    """Lloyd in float64 from ``C`` (empty clusters keep their centre): the
    centres after ``iterations`` updates, to check vqkit's fits against."""
    o = X.mean(0, dtype=torch.float64)
    centers = C.double()
    k, d = C.shape
    for _ in range(iterations):
        Cs = centers - o
        c_sq = (Cs * Cs).sum(1)
        sums = torch.zeros(k, d, dtype=torch.float64, device=X.device)
        counts = torch.zeros(k, dtype=torch.float64, device=X.device)
        for s in range(0, X.shape[0], chunk):
            B = X[s : s + chunk].double() - o
            labels = torch.addmm(c_sq, B, Cs.t(), beta=1, alpha=-2).argmin(1)
            sums.index_add_(0, labels, B)
            counts.index_add_(0, labels, torch.ones_like(labels, dtype=torch.float64))
        moved = torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None] + o, centers)
        if torch.equal(moved, centers):
            break
        centers = moved
    return centers


def inertia64(X, centers, labels, chunk):
    """The inertia of ``labels`` under ``centers``, in float64."""
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    C = centers.double()
    for s in range(0, X.shape[0], chunk):
        diff = X[s : s + chunk].double() - C[labels[s : s + chunk].long()]
        total += (diff * diff).sum()
    return float(total)


def fit_methods(X, C):
    """``name -> (fit(), check(model) -> dict)``: whole fits of at most
    ``FIT_ITERATIONS`` iterations and what to check of their result."""
    n, k = X.shape[0], C.shape[0]
    chunk = max(1, min(n, (256 * 2**20) // (8 * (k + 2 * X.shape[1]))))
    ref_centers = reference_lloyd(X, C, FIT_ITERATIONS, chunk)
    ref_labels = reference_labels(X, ref_centers.float(), chunk)
    scale = float(ref_centers.abs().max()) * 2.0**-23  # a float32 unit of the largest

    def from_start(km):
        error = (km.cluster_centers_.double() - ref_centers).abs().max()
        return {
            "n_iter": km.n_iter_,
            "centre_error_f32_units": float(error) / scale,
            "labels_differ": int((km.labels_.long() != ref_labels).sum()),
        }

    def seeded(km):
        exact = inertia64(X, km.cluster_centers_, km.labels_, chunk)
        return {"n_iter": km.n_iter_, "inertia_rel_error": abs(km.inertia_ - exact) / exact}

    far = max(1, k // 16)
    C_far = C.clone()
    C_far[:far] = X.max(0).values + 1e3 * torch.arange(1, far + 1, device=X.device)[:, None]

    def relocated(km):
        counts = torch.bincount(km.labels_.long(), minlength=k)
        inside = (km.cluster_centers_[:far] <= X.max(0).values).all(1)
        return {
            "n_iter": km.n_iter_,
            "empty_at_end": int((counts == 0).sum()),
            "far_centres_moved": f"{int(inside.sum())}/{far}",
        }

    def fit(init, empty="relocate"):
        options = {"n_init": 1, "max_iter": FIT_ITERATIONS, "tol": 0.0, "random_state": 0}
        return lambda: KMeans(k, init=init, empty_clusters=empty, **options).fit(X)

    return {
        # empty clusters keep their centre, as in the reference
        "fit, given centres": (fit(C, "keep"), from_start),
        "fit, k-means++": (fit("k-means++"), seeded),
        "fit, k-means||": (fit("k-means||"), seeded),
        f"fit, {far} empty to relocate": (fit(C_far), relocated),
    }


def run_fits(n, d, k, X, C, device, deadline):
    """One timed run of each whole fit (the iteration timings before have
    warmed every kernel up), with its check."""
    rows = []
    for name, (fit, check) in fit_methods(X, C).items():
        row = {"shape": [n, d, k], "method": name}
        if time.perf_counter() > deadline:
            row["skipped"] = "time limit"
            rows.append(row)
            continue
        try:
            sync(device)
            start = time.perf_counter()
            km = fit()
            sync(device)
            row["ms_per_fit"] = 1e3 * (time.perf_counter() - start)
            row.update(check(km))
        except Exception as exc:  # report and go on with the next fit
            row["error"] = f"{type(exc).__name__}: {exc}"[:300]
        rows.append(row)
    return rows


def run_shape(n, d, k, device, repeat, rates, bandwidth, deadline, fits=True):
    X, C = make_data(n, d, k, device)
    origin = get_backend(X).column_mean_var(X)[0]
    ref = reference_labels(X, C, plain_chunk(n, k))
    floors = {name: floor_seconds(n, d, k, rate, bandwidth) for name, rate in rates.items()}
    rows = []
    for name, (assign, iteration, allow_tf32) in methods(device).items():
        row = {"shape": [n, d, k], "method": name}
        if time.perf_counter() > deadline:
            row["skipped"] = "time limit"
            rows.append(row)
            continue
        if "one-hot" in name and k > 256:  # 2nkd float64 flops: not a contender
            row["skipped"] = "k > 256"
            rows.append(row)
            continue
        try:
            tf32(allow_tf32)
            labels = assign(X, C, origin)
            sync(device)
            row["mismatches"], row["near_ties"] = compare_labels(X, C, labels, ref)
            del labels
            median, best = timed(lambda: iteration(X, C, origin), device, repeat)
            row["ms_per_iter"] = 1e3 * median
            row["ms_min"] = 1e3 * best
        except Exception as exc:  # report and go on with the next method
            row["error"] = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            tf32(False)
        rows.append(row)
    if fits:
        rows += run_fits(n, d, k, X, C, device, deadline)
    plain = next((r.get("ms_per_iter") for r in rows if r["method"] == "plain fp32"), None)
    for row in rows:
        # a fit compares with as many plain iterations as it ran
        ms = row.get("ms_per_iter") or row.get("ms_per_fit", 0) / max(1, row.get("n_iter", 1))
        if ms:
            row["speedup_vs_plain_fp32"] = plain / ms if plain else None
            for fname, seconds in floors.items():
                row[f"x_floor_{fname}"] = ms / (1e3 * seconds)
    return rows, {name: 1e3 * s for name, s in floors.items()}


def run_shape_and_free(*args):
    """:func:`run_shape`, then the cached GPU memory of its arrays released."""
    try:
        return run_shape(*args)
    finally:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def check_text(row):
    """What the row's check found, in words."""
    if "mismatches" in row:
        return f"labels: {row['mismatches']} differ ({row['near_ties']} near ties)"
    if "centre_error_f32_units" in row:
        return (
            f"centres within {row['centre_error_f32_units']:.1f} f32 units of float64 Lloyd; "
            f"{row['labels_differ']} labels differ"
        )
    if "inertia_rel_error" in row:
        return f"inertia vs float64: {row['inertia_rel_error']:.1e}"
    if "empty_at_end" in row:
        return f"far centres moved {row['far_centres_moved']}, empty at end {row['empty_at_end']}"
    return ""


def table(results):
    lines = [
        "| n x d x k | method | ms | per | vs plain fp32 | x floor (fp32 / tf32) | check |",
        "|---|---|---|---|---|---|---|",
    ]
    for shape in results["shapes"]:
        n, d, k = shape["shape"]
        floors = shape["floors_ms"]
        label = f"{n:,} x {d} x {k} (floor {floors['fp32']:.2f} / {floors['tf32']:.2f} ms)"
        for row in shape["rows"]:
            if "speedup_vs_plain_fp32" not in row:
                why = row.get("error") or row.get("skipped")
                lines.append(f"| {label} | {row['method']} | - | - | - | - | {why} |")
                continue
            speed = row["speedup_vs_plain_fp32"]
            speed = "-" if speed is None else f"{speed:.2f}x"
            if "ms_per_iter" in row:
                ms, per = row["ms_per_iter"], "iteration"
            else:
                ms, per = row["ms_per_fit"], f"fit ({row['n_iter']} it)"
            lines.append(
                f"| {label} | {row['method']} | {ms:.2f} | {per} | {speed} | "
                f"{row['x_floor_fp32']:.2f} / {row['x_floor_tf32']:.2f} | {check_text(row)} |"
            )
    return "\n".join(lines)


def parse_shape(text):
    n, d, k = (int(float(part)) for part in text.lower().split("x"))
    return n, d, k


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="tiny shapes (CPU smoke test)")
    parser.add_argument(
        "--shapes",
        type=lambda s: [parse_shape(p) for p in s.split(",")],
        help="comma-separated NxDxK (default: issue 7's four shapes)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed iterations per method")
    parser.add_argument("--no-fits", action="store_true", help="time iterations only")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda if any)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=540.0,
        help="seconds after which remaining methods are skipped",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    shapes = args.shapes or (SMALL_SHAPES if args.small else SHAPES)
    torch.manual_seed(0)
    rates, bandwidth = measure_floors(device, args.small, args.repeat)
    results = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "matmul_tflops": {name: rate / 1e12 for name, rate in rates.items()},
        "bandwidth_gb_s": bandwidth / 1e9,
        "repeat": args.repeat,
        "shapes": [],
    }
    out_dir = os.environ.get("OUT")
    print(
        f"# {results['device']}, torch {torch.__version__}: matmul "
        f"{rates['fp32'] / 1e12:.1f} TF/s fp32, {rates['tf32'] / 1e12:.1f} TF/s tf32; "
        f"copy {bandwidth / 1e9:.0f} GB/s",
        flush=True,
    )
    for n, d, k in shapes:
        rows, floors = run_shape_and_free(
            n,
            d,
            k,
            device,
            args.repeat,
            rates,
            bandwidth,
            started + args.time_limit,
            not args.no_fits,
        )
        results["shapes"].append({"shape": [n, d, k], "floors_ms": floors, "rows": rows})
        for row in rows:
            print(json.dumps(row), flush=True)
        if out_dir:
            Path(out_dir, "gpu.json").write_text(json.dumps(results, indent=1))
    print()
    print(table(results))
    wrong = [
        r
        for s in results["shapes"]
        for r in s["rows"]
        if r["method"].startswith("vqkit")
        and "mismatches" in r
        and r["mismatches"] > r["near_ties"]
    ]
    if wrong:
        print(f"\n# LABELS DIFFER beyond near ties: {[(r['shape'], r['method']) for r in wrong]}")
    failed_fits = [
        (r["shape"], r["method"])
        for s in results["shapes"]
        for r in s["rows"]
        if "error" in r or r.get("empty_at_end") or r.get("inertia_rel_error", 0) > 1e-4
    ]
    if failed_fits:
        print(f"\n# FAILED: {failed_fits}")
    print(f"\n# total {time.perf_counter() - started:.0f} s")
    return 1 if wrong or failed_fits else 0


if __name__ == "__main__":
    sys.exit(main())
