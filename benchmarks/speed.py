"""Speed mode: every contender on every workload, in one process, same data."""

import os
import sys
import time
import traceback

import numpy as np

from . import report
from .contenders import CONTENDERS, FIXED, MAX_ITER, REFERENCE, TOL, Skip
from .machine import describe, gemm_rate, load_libraries
from .workloads import SEED, WORKLOADS


def _progress(message):
    print(message, file=sys.stderr, flush=True)


#: A contender whose warm-up fit took less than ``REWARM_BELOW_S`` runs
#: again, untimed, right before each timed fit, as many times as it takes
#: to fill ``REWARM_FOR_S``: a short fit is otherwise timed in the state the
#: previous contender left.  OpenBLAS's idle workers keep spinning for about
#: 0.1 s after any multi-threaded product (scikit-learn's fits, the suite's
#: inertia), and on 2 cores that took vqkit's 11 ms W1 fit to 26-29 ms even
#: after one untimed fit of its own; a pause instead slowed every contender
#: (idle cores wake up slowly: 50 ms).  The extra fits are the contender's
#: own calls alone, with no inertia measurement between them and the timed
#: fit.
REWARM_BELOW_S = 1.0
REWARM_FOR_S = 0.25


def rewarm(call):
    """Run ``call`` untimed until ``REWARM_FOR_S`` has passed (at least once)."""
    until = time.perf_counter() + REWARM_FOR_S
    call()
    while time.perf_counter() < until:
        call()


def rotations(items, repeat):
    """``repeat`` rounds over ``items``, each round starting one further on,
    so that no item always follows the same one: yields ``(round, item)``."""
    items = list(items)
    for r in range(repeat):
        for item in items[r % len(items) :] + items[: r % len(items)]:
            yield r, item


def run_workload(workload, X, k, contenders, repeat, seeds=1):
    """Warm up each contender once, then ``repeat`` rounds, round-robin;
    round ``r`` fits every contender with seed ``r % seeds``."""
    n, d = X.shape
    ref = CONTENDERS[REFERENCE]
    t0 = time.perf_counter()
    warm = {ref.name: ref.fit(X, k, SEED, None)}
    n_iter_hint = warm[ref.name][2]  # fixed-iteration contenders do as many
    rows, active = {}, [ref]
    for c in contenders:
        if c is ref:
            continue
        try:
            warm[c.name] = c.fit(X, k, SEED, n_iter_hint)
        except Skip as exc:
            rows[c.name] = {"contender": c.name, "status": "skipped", "reason": str(exc)}
        except Exception as exc:  # a contender's bug must not end the suite
            traceback.print_exc()
            rows[c.name] = {
                "contender": c.name,
                "status": "error",
                "reason": f"{type(exc).__name__}: {exc}",
            }
        else:
            active.append(c)
    fits = {c.name: [] for c in active}
    for r, c in rotations(active, repeat):
        seed = SEED + r % seeds
        if warm[c.name][0] < REWARM_BELOW_S:  # short fit: start from its own state
            rewarm(lambda: c.run(X, k, seed, n_iter_hint, MAX_ITER))
        fits[c.name].append(c.fit(X, k, seed, n_iter_hint))
    flops_per_iter = 2.0 * n * k * d
    ref_row = report.summarise(ref.name, fits[ref.name], flops_per_iter=flops_per_iter)
    for c in active:
        rows[c.name] = (
            ref_row
            if c is ref
            else report.summarise(c.name, fits[c.name], ref_row, flops_per_iter)
        )
        rows[c.name]["warmup_s"] = warm[c.name][0]
    _progress(f"{workload.name} done in {time.perf_counter() - t0:.0f} s")
    return {
        "name": workload.name,
        "description": workload.description,
        "n": n,
        "d": d,
        "k": k,
        "dtype": X.dtype.name,
        "sklearn_n_iter": n_iter_hint,
        "rows": [rows[c.name] for c in contenders],
    }


def main(args):
    versions = load_libraries()
    machine = describe(versions)
    contenders = [CONTENDERS[REFERENCE]] + [
        CONTENDERS[name] for name in args.contenders if name != REFERENCE
    ]
    repeat = args.repeat or (2 if args.quick else 5)
    dtype = np.dtype(args.dtype)

    print(
        f"# {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs "
        f"({machine['cpu_count']} total), numba threads {machine['numba_threads']}, "
        f"Python {machine['python']}, {machine['date']}"
    )
    print("# " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            print(
                f"# warning: {name}={os.environ[name]} is set; unset it in the command "
                "when comparing BLAS-heavy code (see benchmarks/README.md)"
            )
    print(
        f"# {'QUICK (smoke test) ' if args.quick else ''}median of {repeat} runs after one "
        f"warm-up each, round-robin; data {dtype.name}; "
        + (
            f"seed {SEED}"
            if args.seeds == 1
            else f"seeds {SEED}..{SEED + args.seeds - 1}, round r "
            f"using seed r % {args.seeds} for every contender"
        )
        + "; n_init=1, "
        f"max_iter={MAX_ITER}, tol={TOL}"
    )

    gemm = [gemm_rate(4096, 128, 1024, np.float32, repeat=20)]
    if dtype != np.float32:
        gemm.append(gemm_rate(4096, 128, 1024, dtype, repeat=20))
    square = 2048 if args.quick else 4096
    gemm.append(gemm_rate(square, square, square, np.float32, repeat=3 if args.quick else 5))
    print("\nMeasured GEMM rate (NumPy matmul, median of repeats):")
    print("\n".join(report.gemm_lines(gemm)))

    results = []
    for name in args.workloads:
        workload = WORKLOADS[name]
        X, k = workload.data(dtype, quick=args.quick)
        _progress(f"{name}: {X.shape[0]}x{X.shape[1]} {X.dtype.name}, k={k} ...")
        results.append(run_workload(workload, X, k, contenders, repeat, args.seeds))

    print("\nWorkloads:")
    for w in results:
        print(f"- {w['name']}: {w['n']}×{w['d']} {w['dtype']}, k={w['k']} ({w['description']})")
    print()
    fixed = {c.name for c in contenders if c.fixed_iters}
    print(report.speed_table(results, fixed))
    print(
        "\nNotes: all times are wall-clock of the whole fit, seeding included. "
        "× vs sklearn = sklearn median / contender median (> 1: faster than scikit-learn). "
        "Inertia is measured the same way for every row (float64 sum of squared distances "
        "to the nearest returned centre)."
    )
    for c in contenders:
        if c.note:
            print(f"- {c.name}: {c.note}.")
    print(
        "- Every contender uses random_state/seed "
        + (
            f"{SEED}"
            if args.seeds == 1
            else f"{SEED}..{SEED + args.seeds - 1} (the same in each round)"
        )
        + "; inertia / sklearn is the ratio of mean inertias over the runs; faiss cannot take "
        "k-means++ and starts from random points."
    )
    lines = report.throughput_lines(results, gemm)
    if lines:
        print(
            "\nEffective assignment rate of vqkit, 2·n·k·d·n_iter / whole-fit time: an "
            "estimate that counts every n·k distance of every iteration but divides by the "
            "time of the whole fit, seeding and updates included (so it understates the "
            "distance kernel's own rate, unless the fit skips distances):"
        )
        print("\n".join(lines))

    bad = [
        f"{w['name']} {r['contender']}"
        for w in results
        for r in w["rows"]
        if r.get("inertia_ok") is False
    ]
    if bad:
        print(
            f"\nINERTIA CHECK FAILED (vqkit / sklearn > {report.INERTIA_LIMIT}): " + ", ".join(bad)
        )
    record = {
        "suite": "speed",
        "argv": sys.argv[1:],
        "quick": args.quick,
        "repeat": repeat,
        "dtype": dtype.name,
        "seed": SEED,
        "seeds": args.seeds,
        "params": {"n_init": 1, "max_iter": MAX_ITER, "tol": TOL},
        "notes": {"fixed_iterations": FIXED, "contenders": {c.name: c.note for c in contenders}},
        "machine": machine,
        "gemm": gemm,
        "workloads": results,
    }
    path = report.write_json(args.json, record)
    print(f"\nRaw times and machine description: {path}")
    return 1 if bad else 0
