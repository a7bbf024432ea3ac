"""Grid mode: vqkit's Lloyd iteration against faiss over a grid of shapes.

``python -m benchmarks grid [--dtype float32|float64] [--quick] [--avx2] ...``;
see benchmarks/README.md ("Grid mode") for what each column means.

Every cell is a shape ``(n, d, k)``: Gaussian data of d features, n rows so
that X takes about 64 MiB (at most 2,000,000 rows), k initial centres drawn
from its rows, the same for everyone.  In one process, on the same arrays,
round-robin (``speed.rotations``, ``speed.rewarm``):

* fits of exactly 10 iterations from those centres (``tol=0``): vqkit with
  its default algorithm and with ``algorithm="lloyd"``, faiss (``Kmeans``
  given the centres, no subsampling) and scikit-learn (``algorithm="lloyd"``,
  unless its fit would exceed ``--sklearn-cap`` seconds); time per iteration
  = fit time / iterations run (``n_iter_``, checked);
* the assignment alone: vqkit's engine assignment (``CPUBackend.assign``)
  against faiss's ``IndexFlatL2.search`` with ``k=1``;

and, once per run, the machine's GEMM rate and copy bandwidth, so that each
cell's assignment is placed against the bound that applies to it.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import report
from .contenders import Skip, inertia
from .machine import ROOT, copy_bandwidth, describe, gemm_rate, load_libraries
from .speed import REWARM_BELOW_S, rewarm, rotations
from .workloads import SEED

D_GRID = (2, 4, 8, 16, 32, 64, 128, 256)
K_GRID = (16, 64, 256, 1024)
X_BYTES = 64 * 2**20
MAX_ROWS = 2_000_000
ITERATIONS = 10
#: --quick: a few cells of about 1 MiB each (a smoke test, not a measurement)
QUICK_D, QUICK_K, QUICK_X_BYTES = (2, 16, 64), (16, 256), 2**20
#: Every contender first runs once on this many rows of the cell's data (or
#: on n / 16, or 4 k, if more): numba compiles the cell's kernels and the
#: thread pools start there, not in a timed run, at a fraction of a full
#: fit's cost; its time, scaled to n rows, is the estimate that decides
#: whether a short call is rewarmed (``speed.rewarm``) before its first
#: timed run, and whether scikit-learn's fit stays under ``--sklearn-cap``.
WARMUP_ROWS = 16_384
#: A call estimated (from its warm-up) to take longer than this is timed one
#: time fewer than ``--repeat`` (2 of the default 3): such calls vary little
#: between runs, and they are most of the grid's time (the k = 1024 column).
LONG_CALL_S = 5.0
#: A contender of a cell is "off" when another gave an inertia this far from
#: vqkit Lloyd's: from the same centres, 10 Lloyd iterations must agree.
INERTIA_TOLERANCE = 1e-3
#: The reference GEMM shape of the fractions (issue 18's 177 GFLOP/s figure).
GEMM_REFERENCE = (4096, 128, 1024)
COPY_BYTES, QUICK_COPY_BYTES = 256 * 2**20, 32 * 2**20
#: --avx2: the same command in a child process with AVX2 code generation.
AVX2_ENV = {
    "NUMBA_CPU_NAME": "haswell",
    "OPENBLAS_CORETYPE": "Haswell",
    "FAISS_SIMD_LEVEL": "AVX2",
}
AVX2_CACHE = ROOT / "benchmarks" / "results" / "numba-cache-haswell"
FIT_NAMES = ("vqkit", "vqkit lloyd", "faiss", "scikit-learn")
ASSIGN_NAMES = ("vqkit assign", "faiss search")


def _progress(message):
    print(message, file=sys.stderr, flush=True)


def rows_for(d, itemsize, quick=False):
    """The cell's n: X of about 64 MiB (1 MiB with ``quick``), at most 2M rows."""
    return int(min(MAX_ROWS, (QUICK_X_BYTES if quick else X_BYTES) // (itemsize * d)))


def make_data(n, d, dtype):
    """Standard Gaussian ``n x d`` data, the same for every k of a row."""
    rng = np.random.default_rng([SEED, d])
    return rng.standard_normal((n, d), dtype=dtype)


def initial_centres(X, k):
    """``k`` distinct rows of X, the same for every contender."""
    rng = np.random.default_rng([SEED, X.shape[1], k])
    return X[np.sort(rng.choice(len(X), size=k, replace=False))].copy()


# --------------------------------------------------------------------------
# contenders: each ``run(X, X32, C, C32) -> result`` on the cell's arrays
# (X32/C32: the float32 copies faiss takes, made once, outside the timing)


def _vqkit_fit(algorithm):
    def run(X, X32, C, C32):
        import vqkit

        est = vqkit.KMeans(
            n_clusters=len(C),
            init=C,
            n_init=1,
            max_iter=ITERATIONS,
            tol=0.0,
            algorithm=algorithm,
        ).fit(X)
        # seconds of the loop's own iterations (no input checks, centring,
        # final labels): only recorded, the table uses fit / n_iter_
        extra = {"loop_s": [h.seconds for h in est.history_]}
        return est.cluster_centers_, est.n_iter_, extra

    return run


def _faiss_fit(X, X32, C, C32):
    try:
        import faiss
    except ImportError as exc:
        raise Skip("faiss not installed (pip install faiss-cpu)") from exc
    n, d = X32.shape
    km = faiss.Kmeans(
        d,
        len(C32),
        niter=ITERATIONS,
        seed=SEED,
        spherical=False,
        verbose=False,
        max_points_per_centroid=n,  # all n points: no subsampling
        min_points_per_centroid=1,  # only silences "too few points"
    )
    km.train(X32, init_centroids=C32)
    stats = km.iteration_stats or []
    # faiss's own clock: cumulative seconds, and of them in its search
    extra = {}
    if stats:
        extra = {"own_s": stats[-1]["time"], "own_search_s": stats[-1]["time_search"]}
    return km.centroids, len(stats) or ITERATIONS, extra


def _sklearn_fit(X, X32, C, C32):
    try:
        from sklearn.cluster import KMeans
    except ImportError as exc:
        raise Skip("scikit-learn not installed") from exc
    est = KMeans(
        n_clusters=len(C), init=C, n_init=1, max_iter=ITERATIONS, tol=0.0, algorithm="lloyd"
    ).fit(X)
    return est.cluster_centers_, est.n_iter_, {}


def _assign(X, C, origin):
    """vqkit's engine assignment as a Lloyd iteration runs it: the CPU
    backend's nearest centre of every row (labels and squared distances),
    distances expanded around the data mean (computed once per cell)."""
    from vqkit.backends.cpu import CPUBackend

    return CPUBackend().assign(X, C, origin)


def _faiss_index(C32):
    try:
        import faiss
    except ImportError as exc:
        raise Skip("faiss not installed (pip install faiss-cpu)") from exc
    index = faiss.IndexFlatL2(C32.shape[1])
    index.add(C32)
    return index


FITS = {
    "vqkit": _vqkit_fit("auto"),
    "vqkit lloyd": _vqkit_fit("lloyd"),
    "faiss": _faiss_fit,
    "scikit-learn": _sklearn_fit,
}


@dataclass
class Entry:
    """One contender of one cell, bound to the cell's arrays."""

    name: str
    call: object  # () -> result, on the cell's data
    warm: object  # () -> result, on the warm-up rows
    estimate: float = 0.0  # seconds of one call, scaled from the warm-up
    repeat: int | None = None  # timed calls, when fewer than the run's --repeat
    times: list = field(default_factory=list)
    results: list = field(default_factory=list)
    error: str = ""  # why its timed calls stopped, if one raised


def _entries(X, X32, C, C32, names, repeat, sklearn, w):
    """The cell's contenders; those that cannot run, as ``{name: reason}``."""
    Xw, Xw32 = X[:w], X32[:w]
    entries, skipped = [], {}
    for name in names:
        if name in FITS:
            run = FITS[name]
            call = lambda run=run: run(X, X32, C, C32)  # noqa: E731
            warm = lambda run=run: run(Xw, Xw32, C, C32)  # noqa: E731
        elif name == "vqkit assign":
            origin, origin_w = X.mean(axis=0), Xw.mean(axis=0)
            call = lambda: _assign(X, C, origin)  # noqa: E731
            warm = lambda: _assign(Xw, C, origin_w)  # noqa: E731
        else:  # faiss search
            try:
                index = _faiss_index(C32)
            except Skip as exc:
                skipped[name] = str(exc)
                continue
            call = lambda index=index: index.search(X32, 1)  # noqa: E731
            warm = lambda index=index: index.search(Xw32, 1)  # noqa: E731
        entry = Entry(name, call, warm)
        try:
            t0 = time.perf_counter()
            entry.warm()
            entry.estimate = (time.perf_counter() - t0) * len(X) / w
        except Skip as exc:
            skipped[name] = str(exc)
            continue
        except Exception as exc:  # a contender's bug must not end the grid
            traceback.print_exc()
            skipped[name] = f"error: {type(exc).__name__}: {exc}"
            continue
        if entry.estimate > LONG_CALL_S:
            entry.repeat = max(1, repeat - 1)
        if name == "scikit-learn":
            cap, entry.repeat = sklearn[0], min(sklearn[1], entry.repeat or sklearn[1])
            if entry.estimate > cap:
                skipped[name] = (
                    f"estimated {entry.estimate:.0f} s per fit > --sklearn-cap {cap:g} s"
                )
                continue
        entries.append(entry)
    return entries, skipped


def time_cell(entries, repeat):
    """``repeat`` timed calls of each entry, round-robin; a call expected
    to take under ``REWARM_BELOW_S`` runs untimed first (``speed.rewarm``)."""
    for _, e in rotations(entries, repeat):
        if e.error or (e.repeat is not None and len(e.times) >= e.repeat):
            continue
        guess = statistics.median(e.times) if e.times else e.estimate
        try:
            if guess < REWARM_BELOW_S:
                rewarm(e.call)
            t0 = time.perf_counter()
            result = e.call()
        except Exception as exc:  # ran on the warm-up rows, failed on all of them
            traceback.print_exc()
            e.error = f"error: {type(exc).__name__}: {exc}"
            continue
        e.times.append(time.perf_counter() - t0)
        e.results.append(result)


def _spread(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def run_cell(X, X32, k, names, repeat, sklearn, hardware, whole_warmup=False):
    """Time one cell; its row of the table (a dict, stored in the JSON).
    ``whole_warmup``: warm up on all the rows (--quick's small cells)."""
    n, d = X.shape
    C = initial_centres(X, k)
    C32 = C.astype(np.float32)
    w = n if whole_warmup else min(n, max(WARMUP_ROWS, n // 16, 4 * k))
    entries, skipped = _entries(X, X32, C, C32, names, repeat, sklearn, w)
    time_cell(entries, repeat)
    skipped |= {e.name: e.error for e in entries if e.error}
    entries = [e for e in entries if not e.error]

    row = {"n": n, "d": d, "k": k, "dtype": X.dtype.name, "contenders": {}, "skipped": skipped}
    for e in entries:
        entry = {"times": e.times, "seconds": _spread(e.times), "warmup_estimate_s": e.estimate}
        if e.name in FITS:
            n_iters = [int(r[1]) for r in e.results]
            entry["n_iters"] = n_iters
            entry["per_iter"] = _spread([t / it for t, it in zip(e.times, n_iters)])
            entry["extra"] = [r[2] for r in e.results]
            # untimed: the same centres after the same 10 iterations
            entry["inertia"] = inertia(X, e.results[-1][0])
        row["contenders"][e.name] = entry
    _derive(row, hardware)
    return row


def _derive(row, hardware):
    """The ratios and the hardware fractions of a timed cell."""
    c = row["contenders"]
    n, d, k = row["n"], row["d"], row["k"]

    def per_iter(name):
        return c[name]["per_iter"]["median"] if name in c else None

    def secs(name):
        return c[name]["seconds"]["median"] if name in c else None

    default, lloyd, faiss_it = per_iter("vqkit"), per_iter("vqkit lloyd"), per_iter("faiss")
    if default and faiss_it:
        row["faiss_over_vqkit"] = faiss_it / default
    if lloyd and faiss_it:
        row["faiss_over_vqkit_lloyd"] = faiss_it / lloyd
    flops = 2.0 * n * k * d
    x_bytes = n * d * np.dtype(row["dtype"]).itemsize
    row["assign_flops"], row["x_bytes"] = flops, x_bytes
    bw = hardware["copy_gbps"] * 1e9
    compute_floor = flops / (hardware["gemm_gflops"] * 1e9)
    row["bound"] = "compute" if compute_floor >= x_bytes / bw else "memory"
    # faiss computes in float32 on its float32 copy of X: its floors are
    # float32's, whatever the run's dtype
    float32_floors = (flops / (hardware["gemm_gflops_float32"] * 1e9), n * d * 4 / bw)
    for name, key in (("vqkit assign", "assign"), ("faiss search", "faiss_search")):
        t = secs(name)
        if t is None:
            continue
        if name == "faiss search":
            compute_floor, memory_floor = float32_floors
        else:
            memory_floor = x_bytes / bw
        row[f"{key}_gflops"] = flops / t / 1e9
        row[f"{key}_gemm_fraction"] = compute_floor / t
        row[f"{key}_bandwidth_fraction"] = memory_floor / t
        row[f"{key}_hardware_fraction"] = max(compute_floor, memory_floor) / t
    if lloyd and secs("vqkit assign"):
        row["rest_share"] = (lloyd - secs("vqkit assign")) / lloyd
    ref = c.get("vqkit lloyd", {}).get("inertia")
    if ref:
        row["inertia_vs_vqkit_lloyd"] = {
            name: c[name]["inertia"] / ref for name in FITS if name in c and "inertia" in c[name]
        }
        row["inertia_off"] = [
            name
            for name, r in row["inertia_vs_vqkit_lloyd"].items()
            if abs(r - 1) > INERTIA_TOLERANCE
        ]
    row["n_iter_short"] = [
        name for name in FITS if name in c and min(c[name]["n_iters"]) < ITERATIONS
    ]


# --------------------------------------------------------------------------
# output


def _ms(value):
    return "" if value is None else f"{value * 1e3:.1f}"


def _pct(value):
    return "" if value is None else f"{100 * value:.0f}%"


def table(rows):
    lines = [
        "| n | d | k | vqkit ms/it | vqkit lloyd ms/it | faiss ms/it | faiss / vqkit "
        "| sklearn ms/it | assign ms | faiss search ms | assign GFLOP/s | assign of GEMM "
        "| assign of bandwidth | assign of bound | rest of lloyd it |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        c = row["contenders"]

        def it(name):
            if name not in c:
                return "–"
            text = _ms(c[name]["per_iter"]["median"])
            return text + ("*" if min(c[name]["n_iters"]) < ITERATIONS else "")

        def sec(name):
            return _ms(c[name]["seconds"]["median"]) if name in c else "–"

        ratio = row.get("faiss_over_vqkit")
        bound = row.get("assign_hardware_fraction")
        lines.append(
            f"| {row['n']:,} | {row['d']} | {row['k']} | {it('vqkit')} | {it('vqkit lloyd')} "
            f"| {it('faiss')} | {'' if ratio is None else f'{ratio:.2f}'} "
            f"| {it('scikit-learn')} | {sec('vqkit assign')} | {sec('faiss search')} "
            f"| {row.get('assign_gflops', 0):.1f} | {_pct(row.get('assign_gemm_fraction'))} "
            f"| {_pct(row.get('assign_bandwidth_fraction'))} "
            f"| {'' if bound is None else _pct(bound) + ' ' + row['bound'][0].upper()} "
            f"| {_pct(row.get('rest_share'))} |"
        )
    return "\n".join(lines)


LEGEND = """\
Legend: medians over the repeats (a call estimated over 5 s: one repeat fewer;
scikit-learn: --sklearn-repeat, default 1). "ms/it" = fit time / iterations run
(n_iter_; '*' when fewer than 10 ran: a fit stops early once no label changes),
the fit's fixed costs (input checks, centring, final labels) included. vqkit =
default algorithm ("auto": Hamerly's bounds where they apply), vqkit lloyd =
algorithm="lloyd". faiss / vqkit = faiss ms/it / vqkit ms/it (above 1: vqkit
faster). sklearn: KMeans(init=centres, n_init=1, max_iter=10, tol=0,
algorithm="lloyd"), one timed fit per cell unless --sklearn-repeat says more,
'–' when skipped (see the JSON). assign = vqkit's engine assignment
(CPUBackend.assign, as Lloyd runs it), faiss search = IndexFlatL2(C).search(X,
1). assign GFLOP/s = 2·n·k·d / assign time. "assign of GEMM" = that rate / the
reference GEMM rate; "assign of bandwidth" = bytes of X / assign time / the
copy bandwidth; "assign of bound" = the larger of the two floors (compute:
2·n·k·d / GEMM rate; memory: bytes of X / copy bandwidth) / assign time, C or M
saying which bound applies. "rest of lloyd it" = (vqkit lloyd ms/it - assign
ms) / vqkit lloyd ms/it: measured from outside (vqkit has no hook between the
assignment and the update), so it counts the assignment's own extras (its
output arrays) as assignment and the fit's fixed costs as rest."""


def heatmap(rows, path, title):
    """faiss / vqkit, the hardware fraction and the rest share, per cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, TwoSlopeNorm

    ds = sorted({r["d"] for r in rows})
    ks = sorted({r["k"] for r in rows})
    panels = [
        ("faiss / vqkit per iteration (> 1: vqkit faster)", "faiss_over_vqkit", "{:.2f}"),
        (
            "assign: fraction of its bound (C compute, M memory)",
            "assign_hardware_fraction",
            "{:.0%}",
        ),
        ("rest of a lloyd iteration (target ≤ 15%)", "rest_share", "{:.0%}"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(16, 0.55 * len(ds) + 2.2), squeeze=False)
    for ax, (name, key, fmt) in zip(axes[0], panels):
        grid = np.full((len(ds), len(ks)), np.nan)
        for r in rows:
            # a negative rest share is noise (assign timed slower than a whole
            # iteration): printed, but left blank rather than coloured "good"
            if r.get(key) is not None and not (key == "rest_share" and r[key] < 0):
                grid[ds.index(r["d"]), ks.index(r["k"])] = r[key]
        if key == "faiss_over_vqkit":
            norm, cmap = LogNorm(vmin=0.25, vmax=4), "RdBu"
        elif key == "rest_share":
            norm, cmap = TwoSlopeNorm(vcenter=0.15, vmin=0.0, vmax=0.6), "RdYlGn_r"
        else:
            norm, cmap = TwoSlopeNorm(vcenter=0.5, vmin=0.0, vmax=1.0), "RdYlGn"
        image = ax.imshow(np.ma.masked_invalid(grid), norm=norm, cmap=cmap, aspect="auto")
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        if key == "faiss_over_vqkit":
            ticks = [0.25, 0.5, 1, 2, 4]
            bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
            bar.minorticks_off()
        for r in rows:
            value = r.get(key)
            if value is None:
                continue
            text = fmt.format(value)
            if key == "assign_hardware_fraction":
                text += " " + r["bound"][0].upper()
            red, green, blue, _ = image.cmap(image.norm(value))
            shown = not np.isnan(grid[ds.index(r["d"]), ks.index(r["k"])])
            dark = shown and 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            ax.text(
                ks.index(r["k"]),
                ds.index(r["d"]),
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_yticks(range(len(ds)), [str(d) for d in ds])
        ax.set_xlabel("k")
        ax.set_ylabel("d")
        ax.set_title(name, fontsize=10)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------
# command line


def _ints(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        message = f"expected comma-separated integers, got {text!r}"
        raise argparse.ArgumentTypeError(message) from exc
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks grid", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument(
        "--quick", action="store_true", help="6 cells of about 1 MiB, 2 repeats: a smoke test"
    )
    parser.add_argument("--d", type=_ints, default=None, help="features, e.g. 8,16 (default: all)")
    parser.add_argument(
        "--k", type=_ints, default=None, help="centres, e.g. 64,256 (default: all)"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per contender (default 3, --quick 2)"
    )
    parser.add_argument("--no-sklearn", action="store_true", help="leave scikit-learn out")
    parser.add_argument(
        "--sklearn-repeat",
        type=int,
        default=1,
        help="timed scikit-learn fits per cell (default 1: it is the slowest contender "
        "and not the one the targets compare with)",
    )
    parser.add_argument(
        "--sklearn-cap",
        type=float,
        default=10.0,
        help="skip scikit-learn in a cell where its fit is estimated (from its warm-up on "
        "the warm-up rows) to take longer than this many seconds (default 10)",
    )
    parser.add_argument(
        "--json",
        default=None,
        help="raw record (default benchmarks/results/grid-latest-<dtype>[-avx2].json)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="heatmap PNG (default benchmarks/results/grid-latest-<dtype>[-avx2].png)",
    )
    parser.add_argument(
        "--avx2",
        action="store_true",
        help="run the same command in a child process with AVX2 code generation: "
        + " ".join(f"{k}={v}" for k, v in AVX2_ENV.items())
        + " and its own NUMBA_CACHE_DIR (the two code generations must not share a cache)",
    )
    return parser.parse_args(argv)


def _avx2(argv):
    """Rerun ``argv`` (without --avx2) with AVX2 code generation."""
    env = dict(os.environ) | AVX2_ENV
    env.setdefault("NUMBA_CACHE_DIR", str(AVX2_CACHE))
    command = [sys.executable, "-m", "benchmarks", "grid"] + [a for a in argv if a != "--avx2"]
    print("# " + " ".join(f"{k}={env[k]}" for k in (*AVX2_ENV, "NUMBA_CACHE_DIR")), flush=True)
    return subprocess.run(command, env=env, cwd=ROOT).returncode


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    if args.avx2:
        return _avx2(argv)
    started = time.perf_counter()
    dtype = np.dtype(args.dtype)
    codegen = "avx2" if os.environ.get("NUMBA_CPU_NAME", "").lower() == "haswell" else "native"
    stem = f"grid-latest-{dtype.name}" + ("-avx2" if codegen == "avx2" else "")
    results = ROOT / "benchmarks" / "results"
    json_path = args.json or results / f"{stem}.json"
    png_path = results / f"{stem}.png" if args.out is None else args.out
    repeat = args.repeat or (2 if args.quick else 3)
    ds = args.d or list(QUICK_D if args.quick else D_GRID)
    ks = args.k or list(QUICK_K if args.quick else K_GRID)
    names = [n for n in FIT_NAMES if not (args.no_sklearn and n == "scikit-learn")]
    names += list(ASSIGN_NAMES)

    versions = load_libraries()
    machine = describe(versions)
    try:
        import faiss

        machine["faiss_simd"] = faiss.SIMDConfig.get_level_name()
    except (ImportError, AttributeError):
        pass
    threads = machine["numba_threads"]
    print(
        f"# {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, numba threads "
        f"{threads}, code generation {codegen}"
        + (f" (faiss SIMD {machine['faiss_simd']})" if "faiss_simd" in machine else "")
        + f", {machine['date']}"
    )
    print("# " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    if codegen == "avx2":
        print("# AVX2 check: " + ", ".join(f"{k}={v}" for k, v in machine["env"].items()))
        if "NUMBA_CACHE_DIR" not in os.environ:
            print("# warning: NUMBA_CACHE_DIR is not set; give the AVX2 run its own cache")
    else:
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if name in os.environ:
                print(
                    f"# warning: {name}={os.environ[name]} is set; unset it in the command "
                    "(see benchmarks/README.md)"
                )
    print(
        f"# {'QUICK (smoke test) ' if args.quick else ''}{dtype.name}; median of {repeat} runs "
        f"(scikit-learn: {min(repeat, args.sklearn_repeat)}) after a warm-up on a slice of "
        f"the rows, round-robin; {ITERATIONS} iterations from the same centres, tol=0; "
        f"seed {SEED}"
    )

    gemm_ref = gemm_rate(*GEMM_REFERENCE, dtype, repeat=20)
    gemm32 = gemm_ref if dtype == np.float32 else gemm_rate(*GEMM_REFERENCE, np.float32, repeat=20)
    gemm_by_d = [gemm_rate(4096, d, 1024, dtype, repeat=10) for d in ds]
    copy = copy_bandwidth(QUICK_COPY_BYTES if args.quick else COPY_BYTES, threads)
    hardware = {
        "gemm_gflops": gemm_ref["gflops_median"],
        "gemm_gflops_float32": gemm32["gflops_median"],  # faiss's reference
        "copy_gbps": copy["gbps_median"],
    }
    print("\nMachine (NumPy, median of repeats):")
    print("\n".join(report.gemm_lines([gemm_ref])) + "  <- the reference of the fractions")
    if gemm32 is not gemm_ref:
        print("\n".join(report.gemm_lines([gemm32])) + "  <- faiss's (it computes in float32)")
    print(
        "- per d: "
        + ", ".join(f"d={d} {g['gflops_median']:.0f}" for d, g in zip(ds, gemm_by_d))
        + f" GFLOP/s ({dtype.name} 4096×d @ d×1024)"
    )
    print(
        f"- copy bandwidth {copy['gbps_median']:.1f} GB/s (min–max {copy['gbps_min']:.1f}–"
        f"{copy['gbps_max']:.1f}; {copy['bytes'] / 2**20:.0f} MiB, {threads} threads, "
        "read + written)"
    )

    record = {
        "suite": "grid",
        "argv": argv,
        "quick": args.quick,
        "repeat": repeat,
        "dtype": dtype.name,
        "codegen": codegen,
        "seed": SEED,
        "iterations": ITERATIONS,
        "warmup_rows": WARMUP_ROWS,
        "sklearn_cap_s": None if args.no_sklearn else args.sklearn_cap,
        "sklearn_repeat": None if args.no_sklearn else min(repeat, args.sklearn_repeat),
        "machine": machine,
        "gemm": list({id(g): g for g in [gemm_ref, gemm32, *gemm_by_d]}.values()),
        "copy": copy,
        "hardware": hardware,
        "legend": LEGEND,
        "complete": False,  # until the last cell: the record is rewritten after each
    }
    warnings.simplefilter("ignore")  # sklearn/faiss chatter about few points per centre
    rows = record["cells"] = []
    for d in ds:
        n = rows_for(d, dtype.itemsize, args.quick)
        X = make_data(n, d, dtype)
        X32 = X if dtype == np.float32 else X.astype(np.float32)
        for k in ks:
            if k >= n:
                _progress(f"d={d} k={k}: skipped (n={n} rows)")
                continue
            t0 = time.perf_counter()
            sklearn = (args.sklearn_cap, min(repeat, args.sklearn_repeat))
            rows.append(run_cell(X, X32, k, names, repeat, sklearn, hardware, args.quick))
            r = rows[-1]
            ratio = r.get("faiss_over_vqkit")
            _progress(
                f"n={n:,} d={d} k={k}: {time.perf_counter() - t0:.1f} s"
                + ("" if ratio is None else f", faiss / vqkit {ratio:.2f}")
            )
            report.write_json(json_path, record | {"elapsed_s": time.perf_counter() - started})
        del X, X32

    print()
    print(table(rows))
    print()
    print(LEGEND)
    if dtype == np.float64:
        print(
            "faiss computes in float32: it gets the same data converted to float32 once, "
            "outside the timing."
        )
    for r in rows:
        if r["skipped"]:
            print(
                f"- n={r['n']:,} d={r['d']} k={r['k']}: "
                + "; ".join(f"{k} skipped ({v})" for k, v in r["skipped"].items())
            )
    off = [(r, name) for r in rows for name in r.get("inertia_off", [])]
    for r, name in off:
        print(
            f"- INERTIA: d={r['d']} k={r['k']} {name} / vqkit lloyd = "
            f"{r['inertia_vs_vqkit_lloyd'][name]:.6f} (same centres, same iterations: "
            f"expected within {INERTIA_TOLERANCE:g})"
        )
    elapsed = time.perf_counter() - started
    title = (
        f"vqkit grid, {dtype.name}, code generation {codegen}: {machine['cpu_model']}, "
        f"{machine['cpus_usable']} CPUs; GEMM {hardware['gemm_gflops']:.0f} GFLOP/s, "
        f"copy {hardware['copy_gbps']:.1f} GB/s; {machine['date']}"
    )
    record |= {"complete": True, "elapsed_s": elapsed}
    path = report.write_json(json_path, record)
    print(f"\nRaw times and machine description: {path}")
    if rows:
        try:
            print(f"Heatmap: {heatmap(rows, Path(png_path), title)}")
        except ImportError:
            print("Heatmap: not drawn, matplotlib is not installed (pip install matplotlib)")
    print(f"Whole run: {elapsed:.0f} s")
    return 1 if off else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
