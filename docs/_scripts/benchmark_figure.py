"""Draw the speed benchmark's figure from the table recorded in the README.

The README's "Benchmarks" section holds the latest run of ``python -m
benchmarks`` as a Markdown table; this script reads that table (so the
figure and the table can never disagree) and draws, for each workload, each
contender's speed and inertia relative to scikit-learn. Run by the
``.. plot::`` directive of ``docs/benchmarks.md`` at every build.
"""

import math
import os
import re

import numpy as np

SECTION = "## Benchmarks"


def _readme():
    """The README.md above this script (or, where matplotlib's plot directive
    runs it without ``__file__``, above the working directory)."""
    start = os.path.abspath(globals().get("__file__", os.path.join(os.getcwd(), "x")))
    folder = os.path.dirname(start)
    while not os.path.exists(os.path.join(folder, "README.md")):
        parent = os.path.dirname(folder)
        if parent == folder:
            raise FileNotFoundError(f"no README.md above {start}")
        folder = parent
    return os.path.join(folder, "README.md")


def _cells(line):
    # an escaped pipe belongs to its cell, as in "vqkit k-means\\|\\|"
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def speed_table(path=None):
    """Rows of the README's speed table: dicts of workload, contender, speedup, inertia.

    Rows without a number (a contender the run skipped) are left out.
    """
    path = path or _readme()
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    start = text.index(SECTION)
    lines = text[start:].splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| workload |"))
    names = _cells(lines[header])
    speed_col = next(i for i, n in enumerate(names) if n.startswith("×"))
    inertia_col = next(i for i, n in enumerate(names) if n.startswith("inertia"))
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        try:
            speedup, inertia = float(cells[speed_col]), float(cells[inertia_col])
        except (ValueError, IndexError):
            continue
        contender = cells[1].replace("\\|", "|")
        rows.append(dict(workload=cells[0], contender=contender, speedup=speedup, inertia=inertia))
    if not rows:
        raise ValueError(f"no rows found in the speed table of {path}")
    return rows


def draw(rows):
    """Two panels: speed and inertia relative to scikit-learn, by workload."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    contenders = [c for c in dict.fromkeys(r["contender"] for r in rows) if c != "scikit-learn"]
    value = {(r["workload"], r["contender"]): r for r in rows}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    width = 0.8 / len(contenders)
    x = np.arange(len(workloads))
    for key, ax, title in (
        ("speedup", axes[0], "speed: scikit-learn's time / contender's (higher is faster)"),
        ("inertia", axes[1], "inertia / scikit-learn's (lower is better)"),
    ):
        for j, name in enumerate(contenders):
            heights = [value[w, name][key] if (w, name) in value else math.nan for w in workloads]
            bars = ax.bar(x + (j - (len(contenders) - 1) / 2) * width, heights, width, label=name)
            ax.bar_label(bars, fmt="%.1f" if key == "speedup" else "%.2f", fontsize=7, padding=1)
        ax.axhline(1.0, color="black", linewidth=0.8)
        if key == "speedup":
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.set_xticks(x, workloads)
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=8, loc="upper left")
    return fig


if __name__ == "__main__":
    draw(speed_table())
