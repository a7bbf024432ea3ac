"""Speed bar of issue 5: ``vqkit.choose_k`` over k = 1..10 with every method
on 100,000 x 10 against scikit-learn merely fitting ``KMeans(n_init=1)`` for
k = 1..10.

    python benchmarks/choose_k.py [--rows 100000] [--features 10] [--repeat 3]
    python benchmarks/choose_k.py --panel 100     # accuracy bar instead (slow)

``--panel N`` runs the accuracy bar instead: ``best_k`` on N Gaussian blob
sets (true k 2..9, d in 2..20, 600..4000 rows, unit-variance clusters with
centres at least 7 apart and unequal sizes), drawn at random from
``--panel-seed``, and prints the share found and each criterion's score.

Both run in this process on the same array after a warm-up (numba
compilation, thread pools); the rounds alternate and the medians of the
wall-clock time and of the process CPU time (all threads) are printed.
Timings on a shared machine are noisy: rerun when the spread is wide, and
compare CPU times, which other processes disturb less.  For a one-thread
comparison set ``NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1``.
"""

import argparse
import statistics
import time

import numpy as np


def blobs(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    return centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))


def separated_blobs(rng, k, d, n, separation=7.0):
    """``n`` rows around ``k`` unit-variance centres at least ``separation``
    apart, cluster weights drawn in [0.5, 1.5] (as tests/test_choose_k.py)."""
    side = 1.5 * separation * max(1.0, k ** (1 / d))
    centres = []
    while len(centres) < k:
        c = rng.uniform(-side, side, d)
        if all(np.linalg.norm(c - o) >= separation for o in centres):
            centres.append(c)
    p = rng.uniform(0.5, 1.5, k)
    labels = rng.choice(k, size=n, p=p / p.sum())
    return np.array(centres)[labels] + rng.normal(size=(n, d))


def panel(count, seed):
    import vqkit

    design = np.random.default_rng(seed)
    found, per_method, t0 = 0, {}, time.perf_counter()
    for i in range(count):
        k = int(design.integers(2, 10))
        d = int(design.choice([2, 3, 5, 8, 12, 16, 20]))
        n = int(design.integers(600, 4001))
        X = separated_blobs(np.random.default_rng([seed, i]), k, d, n)
        result = vqkit.choose_k(X, random_state=i)
        found += result.best_k == k
        for method, pick in result.picks.items():
            per_method[method] = per_method.get(method, 0) + (pick == k)
        if result.best_k != k:
            print(f"  miss: k={k} d={d} n={n} best_k={result.best_k} picks={result.picks}")
    print(
        f"panel of {count} blob sets (seed {seed}): best_k == true k in {found}/{count} "
        f"({100 * found / count:.1f}%), {time.perf_counter() - t0:.0f} s"
    )
    print("  per criterion: " + ", ".join(f"{m} {c}/{count}" for m, c in per_method.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--clusters", type=int, default=6, help="true clusters in the data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--panel",
        type=int,
        default=0,
        help="run the accuracy panel on this many blob sets instead",
    )
    parser.add_argument("--panel-seed", type=int, default=0)
    args = parser.parse_args()
    if args.panel:
        return panel(args.panel, args.panel_seed)

    from sklearn.cluster import KMeans as SKKMeans

    import vqkit

    X = blobs(args.rows, args.features, args.clusters)
    ks = range(1, 11)

    def run_vqkit(seed):
        return vqkit.choose_k(X, ks, random_state=seed)

    def run_sklearn(seed):
        for k in ks:
            SKKMeans(n_clusters=k, n_init=1, random_state=seed).fit(X)

    small = X[:2000]
    vqkit.choose_k(small, ks, random_state=0)  # warm-up: compile the kernels
    SKKMeans(n_clusters=3, n_init=1, random_state=0).fit(small)

    names = ("vqkit.choose_k (all methods)", "sklearn KMeans(n_init=1) x10")
    times = {name: [] for name in names}
    cpu = {name: [] for name in names}
    result = None
    for r in range(args.repeat):
        order = [
            ("vqkit.choose_k (all methods)", run_vqkit),
            ("sklearn KMeans(n_init=1) x10", run_sklearn),
        ]
        if r % 2:
            order.reverse()
        for name, fn in order:
            t, c = time.perf_counter(), time.process_time()
            out = fn(r)
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            if out is not None:
                result = out
    print(
        f"data: {args.rows} x {args.features}, {args.clusters} blobs; k = 1..10; "
        f"{args.repeat} rounds"
    )
    for name in names:
        ts, cs = times[name], cpu[name]
        print(
            f"  {name:<30} wall median {statistics.median(ts):7.3f} s "
            f"(min {min(ts):.3f}, max {max(ts):.3f});  CPU median {statistics.median(cs):7.3f} s"
        )
    for label, table in (("wall", times), ("CPU", cpu)):
        ratio = statistics.median(table[names[0]]) / statistics.median(table[names[1]])
        print(f"  ratio choose_k / sklearn fits ({label}): {ratio:.2f}  (<= 1 meets the bar)")
    print(f"  best_k = {result.best_k}, picks = {result.picks}")


if __name__ == "__main__":
    main()
