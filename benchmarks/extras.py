"""Extras mode: the estimators beyond Lloyd k-means, against their peers.

* MB: mini-batch k-means, 300,000x32 blobs (64 centres), k=64, batch 4096:
  scikit-learn's MiniBatchKMeans vs vqkit's ``fit`` and ``partial_fit`` in
  50,000-row chunks; inertia relative to vqkit's full ``KMeans`` (best of 3).
* COS: cosine (spherical) k-means, 100,000x64 directional data, k=32:
  vqkit ``KMeans(metric="cosine")`` vs scikit-learn ``KMeans`` on
  L2-normalised rows (the usual recipe); inertia = sum of (1 - cos), measured
  the same way for both.
* BIS: bisecting k-means, 100,000x16 blobs (32 centres), k=32, both
  strategies: scikit-learn's BisectingKMeans vs vqkit's.

Every row: median of ``--repeat`` runs after one warm-up, alternating the
contenders; seed 0.
"""

import statistics
import sys
import time
import warnings

import numpy as np

from .contenders import inertia as euclidean_inertia
from .machine import describe, load_libraries
from .workloads import SEED


def _timed(fit, repeat):
    fit()  # warm-up: compilation, thread pools
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - t0)
    return times, result


def _cosine_inertia(X, centres):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    C = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    return float((1 - (U @ C.T).max(axis=1)).sum())


def _minibatch_case(quick):
    from sklearn.cluster import MiniBatchKMeans as SkMB
    from sklearn.datasets import make_blobs

    import vqkit

    n = 30_000 if quick else 300_000
    X, _ = make_blobs(n_samples=n, n_features=32, centers=64, random_state=SEED)
    k, batch, chunk = 64, 4096, n // 6

    def streamed():
        mb = vqkit.MiniBatchKMeans(k, batch_size=batch, random_state=SEED)
        for start in range(0, n, chunk):
            mb.partial_fit(X[start : start + chunk])
        return mb

    full = vqkit.KMeans(k, n_init=3, random_state=SEED).fit(X).inertia_  # best of 3 seedings
    cases = {
        "scikit-learn MiniBatchKMeans": lambda: SkMB(
            k, batch_size=batch, n_init=1, random_state=SEED
        ).fit(X),
        "vqkit MiniBatchKMeans.fit": lambda: vqkit.MiniBatchKMeans(
            k, batch_size=batch, random_state=SEED
        ).fit(X),
        f"vqkit partial_fit ({chunk}-row chunks)": streamed,
    }
    return "MB", X, cases, lambda est: euclidean_inertia(X, est.cluster_centers_), full


def _cosine_case(quick):
    from sklearn.cluster import KMeans as SkKMeans

    import vqkit

    rng = np.random.default_rng(SEED)
    n, d, k = (10_000 if quick else 100_000), 64, 32
    directions = rng.normal(size=(k, d))
    X = directions[rng.integers(0, k, n)] * rng.uniform(0.5, 5, (n, 1))
    X += rng.normal(scale=0.6, size=X.shape)

    def sklearn_normalised():
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        return SkKMeans(k, n_init=1, random_state=SEED).fit(U)

    cases = {
        "scikit-learn KMeans on normalised rows": sklearn_normalised,
        "vqkit KMeans(metric='cosine')": lambda: vqkit.KMeans(
            k, metric="cosine", random_state=SEED
        ).fit(X),
    }
    return "COS", X, cases, lambda est: _cosine_inertia(X, est.cluster_centers_), None


def _bisecting_case(quick):
    from sklearn.cluster import BisectingKMeans as SkBis
    from sklearn.datasets import make_blobs

    import vqkit

    n = 10_000 if quick else 100_000
    X, _ = make_blobs(n_samples=n, n_features=16, centers=32, random_state=SEED)
    cases = {}
    for strategy in ("biggest_inertia", "largest_cluster"):
        cases[f"scikit-learn {strategy}"] = lambda s=strategy: SkBis(
            32, bisecting_strategy=s, random_state=SEED
        ).fit(X)
        cases[f"vqkit {strategy}"] = lambda s=strategy: vqkit.BisectingKMeans(
            32, bisecting_strategy=s, random_state=SEED
        ).fit(X)
    return "BIS", X, cases, lambda est: euclidean_inertia(X, est.cluster_centers_), None


def main(args):
    versions = load_libraries()
    machine = describe(versions)
    repeat = args.repeat or (2 if args.quick else 3)
    print(
        f"# {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs; median of {repeat} "
        f"runs after a warm-up; seed {SEED}"
    )
    print()
    print("| case | contender | median s | spread (min–max) s | inertia | note |")
    print("|---|---|---:|---:|---:|---|")
    warnings.simplefilter("ignore")
    for make in (_minibatch_case, _cosine_case, _bisecting_case):
        name, X, cases, measure, full = make(args.quick)
        for label, fit in cases.items():
            times, est = _timed(fit, repeat)
            value = measure(est)
            note = f"{value / full:.4f} of full vqkit KMeans" if full else ""
            print(
                f"| {name} | {label} | {statistics.median(times):.3f} | "
                f"{min(times):.3f}–{max(times):.3f} | {value:.6g} | {note} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(None))
