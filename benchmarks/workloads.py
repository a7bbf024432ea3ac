"""The data sets of the suite (issue 3's targets).

Every workload is deterministic: the same name, dtype and mode give the same
array on every machine (for a given scikit-learn version).
"""

from dataclasses import dataclass

import numpy as np

SEED = 0  # random_state of the data and of every contender


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    k: int
    _make: object  # (quick: bool) -> float64 array
    quick_k: int = None  # k for --quick, when smaller

    def data(self, dtype=np.float64, quick=False):
        """``(X, k)``: the array, C-contiguous in ``dtype``, and the k to fit."""
        X = np.ascontiguousarray(self._make(quick), dtype=dtype)
        return X, (self.quick_k or self.k) if quick else self.k


def _blobs(n, d, centres, quick_n, quick_centres=None):
    def make(quick):
        from sklearn.datasets import make_blobs

        X, _ = make_blobs(
            n_samples=quick_n if quick else n,
            n_features=d,
            centers=(quick_centres or centres) if quick else centres,
            random_state=SEED,
        )
        return X

    return make


def _china(quick):
    from sklearn.datasets import load_sample_image

    pixels = load_sample_image("china.jpg").reshape(-1, 3) / 255.0  # 273,280 x 3
    return pixels[::10] if quick else pixels


WORKLOADS = {
    w.name: w
    for w in [
        Workload("W1", "make_blobs, k centres", 3, _blobs(150_000, 2, 3, 15_000)),
        Workload("W2", "make_blobs, k centres", 64, _blobs(200_000, 32, 64, 20_000)),
        Workload(
            "W3",
            "make_blobs, k centres; seeding-heavy",
            1024,
            _blobs(100_000, 128, 1024, 10_000, quick_centres=128),
            quick_k=128,
        ),
        Workload("W4", "china.jpg pixels scaled to [0, 1]", 64, _china),
    ]
}


def memory_data(n, d, centres, chunk=100_000):
    """``n`` x ``d`` float32 blobs, generated in chunks so that building it
    never holds more than the result plus one float64 chunk."""
    from sklearn.datasets import make_blobs

    rng = np.random.default_rng(SEED)
    centre_array = rng.uniform(-10, 10, size=(centres, d))
    X = np.empty((n, d), dtype=np.float32)
    for i, start in enumerate(range(0, n, chunk)):
        stop = min(start + chunk, n)
        X[start:stop], _ = make_blobs(
            n_samples=stop - start, centers=centre_array, random_state=SEED + i
        )
    return X
