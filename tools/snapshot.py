"""Record, or compare against a record of, a fixed set of public results.

Used to prove that a refactor changes no result on the NumPy path:

    python tools/snapshot.py record before.npz     # on the old code
    python tools/snapshot.py compare before.npz    # on the new code

Every array is compared bitwise (``np.array_equal`` with ``equal_nan``);
the exit status is 1 when any differs or is missing.
"""

import sys
import warnings

import numpy as np


def _blobs(n, d, k, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    labels = rng.integers(0, k, size=n)
    return (centres[labels] + rng.normal(scale=0.6, size=(n, d))).astype(dtype)


def results():
    """Yield ``(name, array)`` for every recorded result."""
    import scipy.sparse

    import vqkit
    from vqkit import metrics

    warnings.simplefilter("ignore")
    shapes = [(500, 2, 4), (3000, 5, 12), (2000, 40, 70), (4000, 17, 300)]
    for n, d, k in shapes:
        for dtype in (np.float64, np.float32):
            tag = f"{n}x{d}k{k}_{np.dtype(dtype).name}"
            X = _blobs(n, d, k, seed=n + d, dtype=dtype)
            for init in ("k-means++", "random", "k-means||"):
                km = vqkit.KMeans(k, init=init, n_init=2, random_state=3).fit(X)
                yield f"km_{init}_{tag}_centers", km.cluster_centers_
                yield f"km_{init}_{tag}_labels", km.labels_
                yield f"km_{init}_{tag}_inertia", np.float64(km.inertia_)
                yield f"km_{init}_{tag}_n_iter", np.int64(km.n_iter_)
            km = vqkit.KMeans(k, random_state=1, algorithm="lloyd").fit(X)
            yield f"km_lloyd_{tag}_centers", km.cluster_centers_
            yield f"km_lloyd_{tag}_transform", km.transform(X[:50])
            yield f"km_lloyd_{tag}_score", np.float64(km.score(X[:200]))
            w = np.random.default_rng(5).uniform(0.1, 3, size=n)
            km = vqkit.KMeans(k, random_state=2, n_init=1).fit(X, sample_weight=w)
            yield f"km_weighted_{tag}_centers", km.cluster_centers_
            mb = vqkit.MiniBatchKMeans(k, random_state=4, batch_size=256, n_init=1).fit(X)
            yield f"mb_{tag}_centers", mb.cluster_centers_
            yield f"mb_{tag}_labels", mb.labels_
            bk = vqkit.BisectingKMeans(min(k, 8), random_state=5).fit(X)
            yield f"bk_{tag}_centers", bk.cluster_centers_
            yield f"bk_{tag}_labels", bk.labels_
            yield f"bk_{tag}_predict", bk.predict(X[:100])
            for minit in ("random", "points", "++"):
                C, lab = vqkit.kmeans2(X, k, iter=10, minit=minit, seed=7)
                yield f"kmeans2_{minit}_{tag}_centers", C
                yield f"kmeans2_{minit}_{tag}_labels", lab
            book, dist = vqkit.kmeans(X, min(k, 20), iter=5, seed=8)
            yield f"kmeans_{tag}_book", book
            yield f"kmeans_{tag}_dist", np.float64(dist)
            codes, d2 = vqkit.vq(X, book)
            yield f"vq_{tag}_codes", codes
            yield f"vq_{tag}_dist", d2
            yield f"whiten_{tag}", vqkit.whiten(X)
            if n <= 3000:
                lab = km.labels_
                yield f"silhouette_{tag}", np.float64(metrics.silhouette_score(X, lab))
                yield f"silhouette_samples_{tag}", metrics.silhouette_samples(X, lab)
                yield f"ch_{tag}", np.float64(metrics.calinski_harabasz_score(X, lab))
                yield f"db_{tag}", np.float64(metrics.davies_bouldin_score(X, lab))
        X = _blobs(n, d, k, seed=n, dtype=np.float64)
        km = vqkit.KMeans(min(k, 10), metric="manhattan", random_state=0, n_init=1).fit(X)
        yield f"km_manhattan_{n}x{d}_centers", km.cluster_centers_
        km = vqkit.KMeans(min(k, 10), metric="cosine", random_state=0, n_init=1).fit(X)
        yield f"km_cosine_{n}x{d}_centers", km.cluster_centers_
        S = scipy.sparse.random(n, d, density=0.3, format="csr", random_state=n, dtype=np.float64)
        km = vqkit.KMeans(min(k, 10), random_state=0, n_init=2).fit(S)
        yield f"km_sparse_{n}x{d}_centers", km.cluster_centers_
        yield f"km_sparse_{n}x{d}_labels", km.labels_
        yield f"km_sparse_{n}x{d}_transform", km.transform(S[:30])
        mb = vqkit.MiniBatchKMeans(min(k, 10), random_state=0, n_init=1, batch_size=128).fit(S)
        yield f"mb_sparse_{n}x{d}_centers", mb.cluster_centers_
    # extremes: the exact rescaling
    X = _blobs(300, 3, 4, seed=1) * 1e170
    km = vqkit.KMeans(4, random_state=0, n_init=1).fit(X)
    yield "km_huge_centers", km.cluster_centers_
    yield "km_huge_labels", km.labels_
    # choose_k
    X = _blobs(1500, 4, 5, seed=11)
    res = vqkit.choose_k(X, k=range(1, 9), random_state=0)
    yield "choosek_best", np.int64(res.best_k)
    for name, column in sorted(res.table.items()):
        yield f"choosek_{name}", np.asarray(column, dtype=np.float64)
    # quantization
    book = vqkit.Codebook.train(_blobs(2000, 8, 16, seed=3), 32, random_state=0)
    Y = _blobs(500, 8, 16, seed=4)
    codes = book.encode(Y)
    yield "codebook_centers", np.asarray(book.codewords)
    yield "codebook_codes", np.asarray(codes)
    yield "codebook_decode", np.asarray(book.decode(codes))
    img = (np.random.default_rng(0).uniform(0, 255, size=(40, 50, 3))).astype(np.uint8)
    q = vqkit.quantize_image(img, 8, random_state=0)
    yield "quantize_pixels", q.image
    yield "quantize_codes", q.codes


def main(argv):
    if len(argv) != 3 or argv[1] not in ("record", "compare"):
        print(__doc__)
        return 2
    mode, path = argv[1], argv[2]
    if mode == "record":
        out = dict(results())
        np.savez(path, **out)
        print(f"recorded {len(out)} arrays in {path}")
        return 0
    stored = np.load(path)
    seen, bad = set(), []
    for name, value in results():
        seen.add(name)
        if name not in stored.files:
            bad.append(f"{name}: not in the record")
            continue
        old = stored[name]
        value = np.asarray(value)
        if (
            old.dtype != value.dtype
            or old.shape != value.shape
            or not np.array_equal(old, value, equal_nan=old.dtype.kind in "fc")
        ):
            bad.append(f"{name}: differs ({old.dtype}{old.shape} vs {value.dtype}{value.shape})")
    bad += [f"{name}: no longer produced" for name in stored.files if name not in seen]
    for line in bad:
        print(line)
    print(
        f"{len(seen) - len([b for b in bad if 'differs' in b or 'not in' in b])} of "
        f"{len(stored.files)} arrays bitwise equal; {len(bad)} problems"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
