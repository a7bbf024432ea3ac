"""Summaries of raw runs, the markdown tables and the JSON record."""

import json
import statistics
from pathlib import Path

INERTIA_LIMIT = 1.01  # vqkit's inertia / scikit-learn's must not exceed this


def summarise(name, fits, ref=None, flops_per_iter=None):
    """One row from the raw ``(seconds, inertia, n_iter)`` of each repeat.

    ``ref`` is the reference row (None for the reference itself)."""
    times = [f[0] for f in fits]
    inertias = [f[1] for f in fits]
    n_iters = [f[2] for f in fits]
    row = {
        "contender": name,
        "status": "ok",
        "times": times,
        "inertias": inertias,
        "n_iters": n_iters,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "inertia": statistics.fmean(inertias),  # over the runs' seeds (one seed: all equal)
    }
    ref = ref or row
    row["speed_vs_sklearn"] = ref["median_s"] / row["median_s"]
    row["inertia_vs_sklearn"] = row["inertia"] / ref["inertia"]
    if flops_per_iter:
        # Assignment FLOPs over the whole fit's time (seeding and updates too).
        row["assignment_gflops"] = [flops_per_iter * it / t / 1e9 for t, it in zip(times, n_iters)]
        row["assignment_gflops_median"] = statistics.median(row["assignment_gflops"])
    if name.startswith("vqkit"):
        row["inertia_ok"] = row["inertia_vs_sklearn"] <= INERTIA_LIMIT
    return row


def _n_iter(row, fixed):
    lo, hi = min(row["n_iters"]), max(row["n_iters"])
    text = str(lo) if lo == hi else f"{lo}–{hi}"
    return text + " (fixed)" if fixed else text


def speed_table(workloads, fixed_names):
    lines = [
        "| workload | contender | median s | spread (min–max) s | × vs sklearn "
        "| inertia / sklearn | n_iter |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        for row in w["rows"]:
            if row["status"] != "ok":
                lines.append(
                    f"| {w['name']} | {row['contender']} | {row['status']}: "
                    f"{row['reason']} | | | | |"
                )
                continue
            inertia = f"{row['inertia_vs_sklearn']:.4f}"
            if row.get("inertia_ok") is False:
                inertia += f" ✗ (> {INERTIA_LIMIT})"
            lines.append(
                f"| {w['name']} | {row['contender']} | {row['median_s']:.3f} "
                f"| {row['min_s']:.3f}–{row['max_s']:.3f} | {row['speed_vs_sklearn']:.2f} "
                f"| {inertia} | {_n_iter(row, row['contender'] in fixed_names)} |"
            )
    return "\n".join(lines)


def gemm_lines(gemm):
    return [
        f"- {g['dtype']} GEMM {g['shape']}: {g['gflops_median']:.1f} GFLOP/s "
        f"(min–max {g['gflops_min']:.1f}–{g['gflops_max']:.1f})"
        for g in gemm
    ]


def throughput_lines(workloads, gemm):
    """Effective assignment rate of each vqkit fit, with the GEMM rates by W3's."""
    lines = []
    for w in workloads:
        for row in w["rows"]:
            if row["contender"].startswith("vqkit") and "assignment_gflops_median" in row:
                rate = row["assignment_gflops_median"]
                lo, hi = min(row["assignment_gflops"]), max(row["assignment_gflops"])
                line = (
                    f"- {w['name']} {row['contender']}: {rate:.1f} GFLOP/s "
                    f"(min–max {lo:.1f}–{hi:.1f})"
                )
                if w["name"] == "W3":
                    line += " vs measured " + "; ".join(
                        f"{g['dtype']} GEMM {g['shape']} {g['gflops_median']:.1f}" for g in gemm
                    )
                lines.append(line)
    return lines


def memory_table(rows):
    lines = [
        "| contender | input MiB | peak growth MiB | input + growth MiB | target MiB "
        "| within target | fit s |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['contender']} | {row['status']}: {row['reason']} | | | | | |")
            continue
        lines.append(
            f"| {row['contender']} | {row['input_mib']:.0f} | {row['growth_mib']:.0f} "
            f"| {row['input_mib'] + row['growth_mib']:.0f} | {row['target_mib']:.0f} "
            f"| {'yes' if row['within_target'] else 'no'} | {row['seconds']:.2f} |"
        )
    return "\n".join(lines)


def write_json(path, record):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path
