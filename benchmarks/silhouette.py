"""Silhouette mode: ``vqkit.metrics.silhouette_score`` against scikit-learn's.

Every case is 20,000 rows with 8 labels (``--quick``: 2,000), both libraries
in this process on the same arrays, scored exactly (no ``sample_size``):

* dense, 16 features: euclidean, sqeuclidean, manhattan, cosine;
* precomputed: the dense case's Euclidean distance matrix (5,000 rows, as
  the matrix is n x n; ``--quick``: 1,000), computed once, outside the timing;
* CSR, 16 features, 10% stored, and CSR, 1,000 features, 1% stored
  (``scipy.sparse.random``): euclidean, sqeuclidean, manhattan, cosine
  (scikit-learn refuses sparse sqeuclidean: the row says so).

Each contender is warmed up once (numba compilation, thread pools), then
``--repeat`` rounds alternate the two, the order turned every round.  The
table gives the medians, scikit-learn's median over vqkit's (above 1: vqkit
faster) and the difference of the two scores, which must be at most 1e-10
(a row above is marked and the command exits with status 1).
"""

import statistics
import sys
import time
import warnings

import numpy as np

from .machine import describe, load_libraries
from .workloads import SEED

N, N_PRECOMPUTED, LABELS = 20_000, 5_000, 8
METRICS = ("euclidean", "sqeuclidean", "manhattan", "cosine")
AGREE = 1e-10


class Refused(Exception):
    """The contender does not accept this case."""


def cases(quick):
    """``[(case name, metric, X, labels)]``, deterministic for ``SEED``."""
    from scipy import sparse

    n = N // 10 if quick else N
    n_pre = N_PRECOMPUTED // 5 if quick else N_PRECOMPUTED
    rng = np.random.default_rng(SEED)
    centres = rng.uniform(-5, 5, (LABELS, 16))
    labels = rng.integers(0, LABELS, n)
    dense = centres[labels] + rng.normal(size=(n, 16))
    out = [("dense, 16 features", metric, dense, labels) for metric in METRICS]
    from sklearn.metrics import pairwise_distances

    D = pairwise_distances(dense[:n_pre])
    out.append((f"precomputed, {n_pre} rows", "precomputed", D, labels[:n_pre]))
    shapes = (
        (16, 0.10, "CSR, 16 features, 10% stored"),
        (1000, 0.01, "CSR, 1,000 features, 1% stored"),
    )
    for d, density, name in shapes:
        X = sparse.random(n, d, density=density, format="csr", random_state=SEED)
        out += [(name, metric, X, labels) for metric in METRICS]
    return out


def _scorers():
    from sklearn.metrics import silhouette_score as theirs

    from vqkit.metrics import silhouette_score as ours

    def sklearn_score(X, labels, metric):
        try:
            return theirs(X, labels, metric=metric)
        except (TypeError, ValueError) as exc:  # sparse sqeuclidean: SciPy's metric
            raise Refused(str(exc)) from None

    return {"vqkit": lambda X, y, m: ours(X, y, metric=m), "scikit-learn": sklearn_score}


def measure(X, labels, metric, scorers, repeat):
    """``{contender: (median seconds, score) | None when refused}``."""
    warm, times = {}, {}
    for name, score in scorers.items():
        try:
            warm[name] = score(X, labels, metric)  # warm-up, and the score
        except Refused:
            continue
        times[name] = []
    names = list(times)
    for r in range(repeat):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.perf_counter()
            scorers[name](X, labels, metric)
            times[name].append(time.perf_counter() - t0)
    return {
        name: (statistics.median(times[name]), warm[name]) if name in times else None
        for name in scorers
    }


def main(args):
    versions = load_libraries()
    machine = describe(versions)
    repeat = args.repeat or (2 if args.quick else 5)
    print(
        f"# {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"{machine['numba_threads']} numba threads; vqkit {versions['vqkit']}, "
        f"scikit-learn {versions['sklearn']}; median of {repeat} after a warm-up"
    )
    print()
    print("| X | metric | vqkit s | scikit-learn s | × vs sklearn | score | |Δ score| |")
    print("|---|---|---:|---:|---:|---:|---:|")
    warnings.simplefilter("ignore")
    scorers = _scorers()
    disagree = []
    for case, metric, X, labels in cases(args.quick):
        result = measure(X, labels, metric, scorers, repeat)
        (ours_s, ours), theirs = result["vqkit"], result["scikit-learn"]
        if theirs is None:
            print(f"| {case} | {metric} | {ours_s:.3f} | refused | | {ours:.10f} | |", flush=True)
            continue
        delta = abs(ours - theirs[1])
        mark = "" if delta <= AGREE else " ✗"
        if mark:
            disagree.append(f"{case}, {metric}")
        print(
            f"| {case} | {metric} | {ours_s:.3f} | {theirs[0]:.3f} | "
            f"{theirs[0] / ours_s:.2f} | {ours:.10f} | {delta:.1e}{mark} |",
            flush=True,
        )
    if disagree:
        print(f"\nscores differ by more than {AGREE}: " + "; ".join(disagree))
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(None))
