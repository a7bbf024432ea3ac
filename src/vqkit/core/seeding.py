"""Initial centres: random rows, k-means++ and Gaussian draws.

Each function draws its random numbers in exactly the order SciPy's
``scipy.cluster.vq`` does, so the same generator state gives the same
centres.  Data is always 2-D here (``n`` rows, ``d`` features).
"""

import numpy as np

from .random import random_integer


def random_rows(X, k, rng):
    """``k`` distinct rows of ``X`` chosen uniformly at random.

    One call ``rng.choice(n, size=k, replace=False)``.  NumPy raises
    ``ValueError`` when ``k`` exceeds the number of rows.
    """
    idx = rng.choice(X.shape[0], size=int(k), replace=False)
    return X[idx]


def kmeans_plusplus(X, k, rng, backend):
    """k-means++ seeding (Arthur & Vassilvitskii, 2007), one candidate per step.

    The first centre is a uniformly random row; each next centre is row
    ``i`` with probability proportional to ``D(i)^2``, its squared distance
    to the nearest centre chosen so far.  Draws one integer, then ``k - 1``
    uniforms, each inverted through the cumulative distribution with
    ``searchsorted`` -- SciPy's ``minit='++'`` sequence.

    Returns a float64 ``(k, d)`` array.  When every remaining distance is
    zero (fewer distinct rows than ``k``) the probabilities are undefined;
    like SciPy, the first row is then taken, with NumPy's divide warning.
    """
    n, d = X.shape
    centers = np.empty((int(k), d), dtype=np.float64)
    min_d2 = np.full(n, np.inf, dtype=np.float64)
    for i in range(int(k)):
        if i == 0:
            idx = int(random_integer(rng, n))
        else:
            backend.update_min_sq_dist(X, centers[i - 1], min_d2)
            cumulative = (min_d2 / min_d2.sum()).cumsum()
            idx = int(np.searchsorted(cumulative, rng.uniform()))
        centers[i] = X[idx]
    return centers


def gaussian_init(X, k, rng):
    """``k`` draws from a Gaussian with the data's mean and covariance.

    SciPy's ``minit='random'``: one ``standard_normal`` call.  With more
    features than rows the covariance is singular, so the draws are made
    in the span of the centred data through its SVD; otherwise they are
    shaped by the Cholesky factor of the covariance, which raises
    ``numpy.linalg.LinAlgError`` when the covariance is singular (a
    constant or duplicated column, or as many rows as columns).

    Returns a float64 ``(k, d)`` array.
    """
    n, d = X.shape
    mu = X.mean(axis=0)
    if d > n:
        _, s, vh = np.linalg.svd(X - mu, full_matrices=False)
        z = rng.standard_normal(size=(int(k), s.size))
        x = z @ (s[:, None] * vh / np.sqrt(n - 1.0))
    else:
        cov = np.atleast_2d(np.cov(X.T))
        z = rng.standard_normal(size=(int(k), d))
        x = z @ np.linalg.cholesky(cov).T
    x += mu
    return x
