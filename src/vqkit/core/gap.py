"""The gap statistic (Tibshirani, Walther and Hastie, JRSS-B 63:411-423, 2001).

For each k, ``Gap(k) = mean_b log W*_kb - log W_k``: how much smaller the
within-cluster dispersion ``W_k`` (the k-means inertia) of the data is than
that of ``B`` reference data sets without cluster structure, drawn
uniformly in a box around the data:

* ``"uniform"``: the bounding box of the data's features;
* ``"pca"``: a box aligned with the data's principal axes (centre the data,
  rotate it onto the eigenvectors ``V`` of its covariance, take the box of
  the rotated data, draw there and rotate back with ``V^T``), which follows
  the shape of elongated data.

``sd_k`` is the standard deviation of ``log W*_kb`` over the references and
``s_k = sd_k sqrt(1 + 1/B)``; the estimate is the smallest k with
``Gap(k) >= Gap(k + 1) - s_{k + 1}``.

Reference sets have as many rows as the data.  Dispersions are taken per
unit of weight (``W_k`` divided by the total row weight), which with
unweighted data shifts both terms by the same ``log n`` and leaves the gap
unchanged.  Each reference fit is one k-means++ seeding (``n_init = 1``)
with at most ``max_iter`` (default :data:`REFERENCE_MAX_ITER`) Lloyd
iterations.  The data's inertias are passed in (fits made elsewhere, with
restarts), or fitted here, from given centres or seeded like the
references.  On large data the caller computes the statistic on a random
sample of rows, so that both terms come from the same number of rows
(k-means' per-row dispersion on a sample falls with the sample size at
large k); the sample's fits then start from the centres fitted on all the
rows: a single k-means++ seeding on clustered data often lands in a poor
local minimum at the true k (two centres in one cluster), which would
understate the gap exactly where it matters, while on the structureless
references seedings differ little.
"""

from dataclasses import dataclass

import numpy as np

from ..backends import get_backend
from .fit import fit_kmeans

REFERENCES = ("uniform", "pca")

#: Lloyd iterations allowed per reference fit.  Inertia settles long before
#: the centres do: on uniform data (2000 rows, d = 2..20, k <= 10) 30
#: iterations leave log W within 0.003 of the converged value, well below
#: the references' own spread (sd_k ~ 0.01-0.03), at half the cost.
REFERENCE_MAX_ITER = 30


@dataclass
class GapResult:
    """Per-k gap statistic: ``gap``, ``sd`` (sd_k), ``s`` (s_k), the data's
    ``log_w`` and the references' mean ``log_w_ref`` (all aligned with ``ks``)."""

    ks: np.ndarray
    gap: np.ndarray
    sd: np.ndarray
    s: np.ndarray
    log_w: np.ndarray
    log_w_ref: np.ndarray


def reference_box(X, weights=None, reference="uniform"):
    """``(mean, V, low, high)``: reference rows are ``mean + U V^T`` with ``U``
    uniform in ``[low, high]``.  For ``"uniform"`` ``V`` is the identity and
    ``mean`` zero; for ``"pca"`` ``V`` holds the principal axes.  Rows of
    weight zero do not shape the box."""
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}.")
    X = np.asarray(X, dtype=np.float64)
    if weights is not None:
        keep = weights > 0
        X, weights = X[keep], weights[keep]
    d = X.shape[1]
    if reference == "uniform":
        return np.zeros(d), np.eye(d), X.min(axis=0), X.max(axis=0)
    mean = np.average(X, axis=0, weights=weights)
    centred = X - mean
    w = np.ones(len(X)) if weights is None else weights
    cov = (centred * w[:, None]).T @ centred / w.sum()
    _, V = np.linalg.eigh(cov)
    V = V[:, ::-1]  # largest variance first (the order does not matter for the box)
    rotated = centred @ V
    return mean, V, rotated.min(axis=0), rotated.max(axis=0)


def draw_reference(box, m, rng, dtype=np.float64):
    """``m`` rows uniform in ``box`` (see :func:`reference_box`); ``rng`` is a
    ``RandomState``."""
    mean, V, low, high = box
    U = low + (high - low) * rng.random_sample((m, low.size))
    return np.ascontiguousarray(mean + U @ V.T, dtype=dtype)


def log_dispersions(Z, ks, rng, *, weights=None, starts=None, n_init=1,
                    max_iter=REFERENCE_MAX_ITER):
    """``log(W_k / total weight)`` of a k-means fit of the rows of ``Z`` for
    each k (k = 1 needs no fit: the dispersion about the mean).  Fits are
    seeded with k-means++, or start from ``starts[i]`` (centres for
    ``ks[i]``) when ``starts`` is given."""
    backend = get_backend(Z)
    total_weight = float(Z.shape[0] if weights is None else weights.sum())
    mean = np.average(Z, axis=0, weights=weights).astype(np.float64)
    sq = ((Z - mean) ** 2).sum(axis=1, dtype=np.float64)
    spread = float(sq.sum() if weights is None else (weights * sq).sum())
    out = np.empty(len(ks))
    for i, k in enumerate(ks):
        if k == 1:
            w = spread
        else:
            init = "k-means++" if starts is None else np.asarray(starts[i], dtype=Z.dtype)
            w = fit_kmeans(Z, int(k), backend=backend, init=init,
                           n_init=n_init if starts is None else 1, max_iter=max_iter,
                           weights=weights, random_state=rng).inertia
        out[i] = np.log(max(w, np.finfo(np.float64).tiny) / total_weight)
    return out


def gap_statistic(X, ks, *, inertias=None, starts=None, weights=None, n_references=10,
                  reference="uniform", rng, max_iter=REFERENCE_MAX_ITER, on_reference=None):
    """The gap statistic of the rows of ``X`` for each k of ``ks``.

    Parameters
    ----------
    X : ndarray (n, d), float
    ks : sequence of int
    inertias : sequence of float or None
        The data's (weighted) inertia ``W_k`` for each k, from fits made
        elsewhere (reused, not refitted); None: fitted here.
    starts : sequence of arrays or None
        Without ``inertias``: centres (one array per k) to start the data's
        fits from, for instance those of a fit of all the rows when ``X`` is
        a sample of them; None: k-means++ seeding, like the references.
    weights : ndarray or None
        Row weights of ``X``; ``W_k`` is divided by their total.
    n_references : int
        ``B``, the number of reference sets (>= 1).
    reference : {"uniform", "pca"}
    rng : RandomState
        Draws the references and seeds the fits.
    max_iter : int
        Lloyd iterations per fit made here.
    on_reference : callable or None
        Called with the reference's number (1..B) after each reference set.

    Returns
    -------
    GapResult
    """
    n = X.shape[0]
    if inertias is None:
        log_w = log_dispersions(X, ks, rng, weights=weights, starts=starts, max_iter=max_iter)
    else:
        total_weight = float(n if weights is None else weights.sum())
        log_w = np.log(np.maximum(np.asarray(inertias, dtype=np.float64),
                                  np.finfo(np.float64).tiny) / total_weight)
    box = reference_box(X, weights, reference)
    refs = np.empty((n_references, len(ks)))
    for b in range(n_references):
        Z = draw_reference(box, n, rng, X.dtype)
        refs[b] = log_dispersions(Z, ks, rng, max_iter=max_iter)
        if on_reference is not None:
            on_reference(b + 1)
    log_w_ref = refs.mean(axis=0)
    sd = refs.std(axis=0)  # divided by B, as in the paper
    s = sd * np.sqrt(1.0 + 1.0 / n_references)
    return GapResult(np.asarray(ks), log_w_ref - log_w, sd, s, log_w, log_w_ref)


def gap_pick(ks, gap, s):
    """The smallest k with ``Gap(k) >= Gap(k') - s_k'``, ``k'`` the next k of
    ``ks``; None when the gap keeps rising past the last k.

    Examples
    --------
    >>> gap_pick([1, 2, 3, 4], [0.1, 0.9, 0.95, 0.97], [0.05, 0.05, 0.05, 0.05])
    2
    >>> print(gap_pick([1, 2, 3], [0.1, 0.5, 0.9], [0.01, 0.01, 0.01]))
    None
    """
    for i in range(len(ks) - 1):
        if gap[i] >= gap[i + 1] - s[i + 1]:
            return int(ks[i])
    return None
