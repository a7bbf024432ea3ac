"""The k-means implementations compared, behind one small interface.

Each contender is a function ``run(X, k, seed, n_iter_hint, max_iter)`` that
fits and returns ``(centres, n_iter)``; :meth:`Contender.fit` times it and
measures the inertia the same way for everyone (:func:`inertia`).  A
contender that cannot run here raises :class:`Skip` with the reason.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np

MAX_ITER = 300
TOL = 1e-4
REFERENCE = "scikit-learn"  # every ratio is against this one


class Skip(Exception):
    """The contender is not available (not installed, option not accepted)."""


@dataclass(frozen=True)
class Contender:
    name: str
    run: object  # (X, k, seed, n_iter_hint, max_iter) -> (centres, n_iter)
    fixed_iters: bool = False  # runs exactly n_iter_hint iterations
    note: str = ""

    def fit(self, X, k, seed, n_iter_hint, max_iter=MAX_ITER):
        """Fit once: ``(seconds, inertia, n_iter)``; seconds is the wall-clock
        time of the whole fit, seeding included, inertia is not timed."""
        t0 = time.perf_counter()
        centres, n_iter = self.run(X, k, seed, n_iter_hint, max_iter)
        seconds = time.perf_counter() - t0
        return seconds, inertia(X, centres), int(n_iter)


def inertia(X, centres, block=8192):
    """Sum of squared distances from each row of X to its nearest centre, in
    float64: nearest by the expanded formula, distance by the direct one."""
    C = np.asarray(centres, dtype=np.float64)
    c_sq = np.einsum("ij,ij->i", C, C)
    total = 0.0
    for start in range(0, len(X), block):
        x = np.asarray(X[start : start + block], dtype=np.float64)
        nearest = np.argmin(c_sq - 2.0 * (x @ C.T), axis=1)
        total += float(np.sum((x - C[nearest]) ** 2))
    return total


def _estimator(make):
    """A contender from a scikit-learn-style estimator factory ``make(k, seed,
    max_iter)``; its ``cluster_centers_`` and ``n_iter_`` are the result."""

    def run(X, k, seed, n_iter_hint, max_iter):
        est = make(k, seed, max_iter).fit(X)
        return est.cluster_centers_, est.n_iter_

    return run


def _sklearn(k, seed, max_iter):
    from sklearn.cluster import KMeans

    return KMeans(
        n_clusters=k,
        init="k-means++",
        n_init=1,
        max_iter=max_iter,
        tol=TOL,
        random_state=seed,
        algorithm="lloyd",
    )


def _vqkit(init, optional=False):
    """vqkit.KMeans; with ``optional``, a ValueError or TypeError (the init
    not accepted, at construction or in fit) skips the row instead of failing."""

    def make(k, seed, max_iter):
        import vqkit

        if not hasattr(vqkit, "KMeans"):
            raise Skip("vqkit.KMeans not available")
        try:
            est = vqkit.KMeans(
                n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=TOL, random_state=seed
            )
        except (ValueError, TypeError) as exc:
            if optional:
                raise Skip(f"init={init!r} not accepted: {exc}") from exc
            raise
        return _Optional(est, init) if optional else est

    return make


class _Optional:
    """Skip instead of failing when ``fit`` rejects the option with ValueError
    or TypeError (scikit-learn-style estimators validate parameters in fit)."""

    def __init__(self, est, init):
        self.est, self.init = est, init

    def fit(self, X):
        try:
            return self.est.fit(X)
        except (ValueError, TypeError) as exc:
            raise Skip(f"init={self.init!r} not accepted: {type(exc).__name__}: {exc}") from exc


def _faiss(X, k, seed, n_iter_hint, max_iter):
    try:
        import faiss
    except ImportError as exc:
        raise Skip("faiss not installed (pip install faiss-cpu)") from exc
    n, d = X.shape
    km = faiss.Kmeans(
        d,
        k,
        niter=n_iter_hint,
        seed=seed,
        spherical=False,
        verbose=False,
        max_points_per_centroid=n,  # all n points: no subsampling
        min_points_per_centroid=1,
    )  # only silences a "too few points" warning
    km.train(X)  # float32 inside; a float64 X is converted, within the time
    return km.centroids, n_iter_hint


SCIPY_SEEDING_BUDGET = 1e11  # about a minute per fit at SciPy's cdist speed


def _scipy(X, k, seed, n_iter_hint, max_iter):
    from scipy.cluster.vq import kmeans2

    cost = X.shape[0] * k * k * X.shape[1] / 2  # SciPy's ++ recomputes every distance per centre
    if cost > SCIPY_SEEDING_BUDGET:
        raise Skip(
            f"minit='++' costs n·k²·d/2 = {cost:.1e} here in SciPy "
            f"(limit {SCIPY_SEEDING_BUDGET:.0e}: about a minute per fit)"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "One of the clusters is empty"
        centres, _ = kmeans2(X, k, iter=n_iter_hint, minit="++", rng=seed)
    return centres, n_iter_hint


FIXED = "runs exactly scikit-learn's n_iter iterations (no tolerance test)"

CONTENDERS = {
    c.name: c
    for c in [
        Contender(REFERENCE, _estimator(_sklearn), note="Lloyd, k-means++"),
        Contender("vqkit", _estimator(_vqkit("k-means++")), note="k-means++"),
        Contender(
            "vqkit k-means||",
            _estimator(_vqkit("k-means||", optional=True)),
            note="init='k-means||'",
        ),
        Contender(
            "faiss",
            _faiss,
            fixed_iters=True,
            note="random init (no k-means++), float32, no subsampling; " + FIXED,
        ),
        Contender("scipy kmeans2", _scipy, fixed_iters=True, note="minit='++'; " + FIXED),
    ]
}
