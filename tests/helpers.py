"""Data generators and reference implementations used across the tests."""

import doctest
import importlib
import pkgutil

import numpy as np

#: Three well-separated centres in the plane (the blobs of ``choose_k``'s example).
THREE_CENTRES = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])


def blobs(n, d, k, *, seed=0, spread=0.4, dtype=np.float64):
    """``n`` points in ``d`` dimensions around ``k`` well-separated centres."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    labels = rng.integers(0, k, size=n)
    X = centres[labels] + rng.normal(scale=spread, size=(n, d))
    return X.astype(dtype)


def blobs_around(centres, n_per, *, scale=1.0, seed=0):
    """``n_per`` Gaussian rows (standard deviation ``scale``) around each of
    ``centres``, one cluster after the other."""
    rng = np.random.default_rng(seed)
    return np.concatenate([c + rng.normal(scale=scale, size=(n_per, len(c))) for c in centres])


def nearest_reference(X, C):
    """Plain NumPy nearest centre: full distance matrix, first index on ties."""
    d2 = ((X[:, None, :].astype(np.float64) - C[None, :, :]) ** 2).sum(axis=2)
    labels = d2.argmin(axis=1)
    return labels, d2[np.arange(len(X)), labels]


def lloyd_reference(X, C, n_iter):
    """Plain NumPy Lloyd: ``n_iter`` (assign, mean) steps; empty clusters keep
    their centre.  Returns the centres and the labels of the last assignment."""
    C = np.array(C, dtype=np.float64)
    labels = None
    for _ in range(n_iter):
        labels, _ = nearest_reference(X, C)
        for j in range(len(C)):
            members = X[labels == j]
            if len(members):
                C[j] = members.mean(axis=0)
    return C, labels


def break_np_save(monkeypatch):
    """Make ``np.save`` write a few bytes and then fail as a full disk does."""

    def broken_save(fh, array, **kwargs):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", broken_save)


def sq_distances_reference(X, C):
    """Plain NumPy squared distances of every row of ``X`` to every row of
    ``C`` (float64, direct differences)."""
    X = np.asarray(X, dtype=np.float64)
    C = np.asarray(C, dtype=np.float64)
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def cluster_sums_reference(X, labels, k, weights=None):
    """Plain NumPy per-cluster (weighted) row sums and weight totals, float64."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=np.float64)
    sums = np.zeros((k, X.shape[1]))
    wsums = np.zeros(k)
    for j in range(k):
        members = labels == j
        sums[j] = (X[members] * w[members, None]).sum(axis=0)
        wsums[j] = w[members].sum()
    return sums, wsums


def column_mean_var_reference(X, weights=None):
    """Plain NumPy (weighted) column means and population variances, float64."""
    X = np.asarray(X, dtype=np.float64)
    mean = np.average(X, axis=0, weights=weights)
    return mean, np.average((X - mean) ** 2, axis=0, weights=weights)


def potentials_reference(X, weights, min_d2, candidates):
    """k-means++ potential ``sum_i w_i min(min_d2[i], |x_i - c|^2)`` of each
    candidate ``c`` (plain NumPy, float64)."""
    D = np.minimum(sq_distances_reference(X, candidates), np.asarray(min_d2)[:, None])
    w = np.ones(len(D)) if weights is None else np.asarray(weights, dtype=np.float64)
    return (D * w[:, None]).sum(axis=0)


def run_doctests(module):
    """Run the Examples sections of ``module`` and, for a package, of every
    module in it; doctest's ``TestResults`` summed over them."""
    modules = [module]
    if hasattr(module, "__path__"):
        prefix = module.__name__ + "."
        modules += [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(module.__path__, prefix)
        ]
    failed = attempted = 0
    for m in modules:
        result = doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE)
        failed += result.failed
        attempted += result.attempted
    return doctest.TestResults(failed, attempted)
