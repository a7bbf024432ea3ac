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

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .fit import compiled_runs_fit, fit_kmeans, fit_starts
from .seeding import greedy_kmeans_plusplus, shared_distances

if TYPE_CHECKING:
    from ..backends import Backend

REFERENCES = ("uniform", "pca")

#: Lloyd iterations allowed per reference fit.  Inertia settles long before
#: the centres do: on uniform data (2000 rows, d = 2..20, k <= 10) 30
#: iterations leave log W within 0.003 of the converged value, well below
#: the references' own spread (sd_k ~ 0.01-0.03), at half the cost.
REFERENCE_MAX_ITER = 30

#: Reference data held at once while their fits wait to run together.
REFERENCE_BATCH_BYTES = 32 * 2**20


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


def reference_box(
    X: np.ndarray, weights: np.ndarray | None = None, reference: str = "uniform"
) -> tuple:
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


def draw_reference(box: tuple, m: int, rng: Any, dtype: Any = np.float64) -> np.ndarray:
    """``m`` rows uniform in ``box`` (see :func:`reference_box`); ``rng`` is a
    ``RandomState``."""
    mean, V, low, high = box
    U = low + (high - low) * rng.random_sample((m, low.size))
    return np.ascontiguousarray(mean + U @ V.T, dtype=dtype)


def log_dispersions(
    Z: np.ndarray,
    ks: Sequence[int],
    rng: Any,
    *,
    backend: Backend,
    weights: np.ndarray | None = None,
    starts: Sequence[Any] | None = None,
    n_init: int = 1,
    max_iter: int = REFERENCE_MAX_ITER,
) -> np.ndarray:
    """``log(W_k / total weight)`` of a k-means fit of the rows of ``Z`` for
    each k (k = 1 needs no fit: the dispersion about the mean).  Fits are
    seeded with k-means++, or start from ``starts[i]`` (centres for
    ``ks[i]``) when ``starts`` is given."""
    fitted = [int(k) for k in ks if k > 1]
    if starts is None:
        runs = [
            fit_kmeans(
                Z,
                k,
                backend=backend,
                n_init=n_init,
                max_iter=max_iter,
                weights=weights,
                random_state=rng,
                keep_history=False,
            )
            for k in fitted
        ]
    else:
        inits = [np.asarray(c, dtype=Z.dtype) for k, c in zip(ks, starts) if k > 1]
        runs = fit_starts(
            [Z],
            inits,
            [0] * len(inits),
            backend=backend,
            weights=None if weights is None else [weights],
            max_iter=max_iter,
        )
    return _log_w(Z, ks, [run.inertia for run in runs], weights)


def _log_w(Z, ks, inertias, weights=None):
    """``log(W_k / total weight)`` for each k of ``ks``, ``inertias`` those
    of the fits for the k > 1 in order (k = 1: the dispersion about the mean)."""
    total_weight = float(Z.shape[0] if weights is None else weights.sum())
    mean = np.average(Z, axis=0, weights=weights).astype(np.float64)
    sq = ((Z - mean) ** 2).sum(axis=1, dtype=np.float64)
    spread = float(sq.sum() if weights is None else (weights * sq).sum())
    fits = iter(inertias)
    tiny = np.finfo(np.float64).tiny
    return np.array(
        [np.log(max(spread if k == 1 else next(fits), tiny) / total_weight) for k in ks]
    )


def reference_log_dispersions(
    box: tuple,
    n: int,
    ks: Sequence[int],
    n_references: int,
    rng: Any,
    dtype: Any,
    max_iter: int = REFERENCE_MAX_ITER,
    on_reference: Callable[[int], None] | None = None,
    *,
    backend: Backend,
) -> np.ndarray:
    """``log W*_kb`` (shape ``(B, len(ks))``) of ``n_references`` reference
    sets of ``n`` rows drawn in ``box``.

    Each set is drawn, then seeded for every k (k-means++; on a small set
    from one matrix of its row-to-row distances), in that order from
    ``rng``; the Lloyd fits, which draw nothing, then run together, up to
    :data:`REFERENCE_BATCH_BYTES` of reference data at a time, in one
    compiled call where the backend offers one.  The reference sets are
    host arrays: ``backend.host`` computes on them.  ``on_reference(b)`` is
    called for each set once its fits are done.
    """
    backend = backend.host
    refs = np.empty((n_references, len(ks)))
    fitted = [int(k) for k in ks if k > 1]
    batch = []  # (b, Z, seeds) waiting for their fits
    for b in range(n_references):
        Z = draw_reference(box, n, rng, dtype)
        # every k seeds the same rows: their distances computed once where small
        shared = shared_distances(Z, max(fitted), backend) if fitted else None
        seeds = [greedy_kmeans_plusplus(Z, k, rng, backend, distances=shared) for k in fitted]
        batch.append((b, Z, seeds))
        if (
            b == n_references - 1
            or len(batch) * Z.nbytes >= REFERENCE_BATCH_BYTES
            or not all(compiled_runs_fit(backend, Z, k) for k in fitted)
        ):
            runs = iter(
                fit_starts(
                    [Z for _, Z, _ in batch],
                    [c for _, _, seeds in batch for c in seeds],
                    [i for i in range(len(batch)) for _ in fitted],
                    backend=backend,
                    max_iter=max_iter,
                )
            )
            for i, Z, _ in batch:
                refs[i] = _log_w(Z, ks, [next(runs).inertia for _ in fitted])
                if on_reference is not None:
                    on_reference(i + 1)
            batch = []
    return refs


def gap_statistic(
    X: np.ndarray,
    ks: Sequence[int],
    *,
    backend: Backend,
    inertias: ArrayLike | None = None,
    starts: Sequence[Any] | None = None,
    weights: np.ndarray | None = None,
    n_references: int = 10,
    reference: str = "uniform",
    rng: Any,
    max_iter: int = REFERENCE_MAX_ITER,
    on_reference: Callable[[int], None] | None = None,
) -> GapResult:
    """The gap statistic of the rows of ``X`` for each k of ``ks``.

    Parameters
    ----------
    X : ndarray (n, d), float
    ks : sequence of int
    backend : Backend
        The backend of ``X``.
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
        log_w = log_dispersions(
            X, ks, rng, backend=backend, weights=weights, starts=starts, max_iter=max_iter
        )
    else:
        total_weight = float(n if weights is None else weights.sum())
        log_w = np.log(
            np.maximum(np.asarray(inertias, dtype=np.float64), np.finfo(np.float64).tiny)
            / total_weight
        )
    box = reference_box(X, weights, reference)
    refs = reference_log_dispersions(
        box, n, ks, n_references, rng, X.dtype, max_iter, on_reference, backend=backend
    )
    log_w_ref = refs.mean(axis=0)
    sd = refs.std(axis=0)  # divided by B, as in the paper
    s = sd * np.sqrt(1.0 + 1.0 / n_references)
    return GapResult(np.asarray(ks), log_w_ref - log_w, sd, s, log_w, log_w_ref)


def gap_pick(ks: Sequence[int], gap: Any, s: Any) -> int | None:
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
