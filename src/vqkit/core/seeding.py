"""Initial centres: random rows, k-means++ and Gaussian draws.

Each function draws its random numbers in exactly the order SciPy's
``scipy.cluster.vq`` does, so the same generator state gives the same
centres.  Data is always 2-D here (``n`` rows, ``d`` features).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .random import random_integer

if TYPE_CHECKING:
    from ..backends import Backend


def random_rows(X: Any, k: int, rng: Any, backend: Backend) -> Any:
    """``k`` distinct rows of ``X`` chosen uniformly at random.

    One call ``rng.choice(n, size=k, replace=False)``.  NumPy raises
    ``ValueError`` when ``k`` exceeds the number of rows.
    """
    idx = rng.choice(X.shape[0], size=int(k), replace=False)
    return backend.take_rows(X, idx)


def kmeans_plusplus(X: Any, k: int, rng: Any, backend: Backend) -> np.ndarray:
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
    min_d2 = backend.full_rows(X, np.inf)
    for i in range(int(k)):
        if i == 0:
            idx = int(random_integer(rng, n))
        else:
            backend.update_min_sq_dist(X, centers[i - 1], min_d2)
            cumulative = backend.cumsum(min_d2 / backend.total(min_d2))
            idx = int(backend.draw_sorted(cumulative, rng.uniform()))
        centers[i] = backend.to_host(X[idx, ...])
    return centers


def gaussian_init(
    X: Any, k: int, rng: Any, backend: Backend, univariate: bool = False
) -> np.ndarray:
    """``k`` draws from a Gaussian with the data's mean and covariance.

    SciPy's ``minit='random'``: one ``standard_normal`` call.  With
    ``univariate`` (``X`` is one column that was given as 1-D data) the
    draws are scaled by the standard deviation, so constant data gives
    ``k`` copies of its mean.  With more features than rows the covariance
    is singular, so the draws are made in the span of the centred data
    through its SVD; otherwise they are shaped by the Cholesky factor of
    the covariance, which raises ``numpy.linalg.LinAlgError`` when the
    covariance is singular (a constant or duplicated column, or as many
    rows as columns).

    Returns a float64 ``(k, d)`` array.
    """
    n, d = X.shape
    if univariate:
        mu, cov = backend.mean_covariance(X)
        z = rng.standard_normal(size=(int(k), 1))
        x = z * np.sqrt(np.reshape(cov, (1, 1)))
    elif d > n:  # fewer rows than features: a small SVD, on the host
        X = backend.to_host(X)
        mu = X.mean(axis=0)
        _, s, vh = np.linalg.svd(X - mu, full_matrices=False)
        z = rng.standard_normal(size=(int(k), s.size))
        x = z @ (s[:, None] * vh / np.sqrt(n - 1.0))
    else:  # the statistics from where the data is
        mu, cov = backend.mean_covariance(X)
        z = rng.standard_normal(size=(int(k), d))
        x = z @ np.linalg.cholesky(np.atleast_2d(cov)).T
    x += mu
    return x


def _weighted_index(rng, weights, n):
    """One row index drawn with probability proportional to ``weights``.

    Always one ``uniform()`` draw inverted through the cumulative weights,
    so integer weights pick the same row as repeating rows would.
    """
    cumulative = np.arange(1.0, n + 1) if weights is None else np.cumsum(weights)
    return int(min(np.searchsorted(cumulative, rng.uniform() * cumulative[-1]), n - 1))


def _cross_sq_dist(A, B):
    """Squared distances between the rows of ``A`` and of ``B`` (float64, >= 0)."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if B is A:  # NumPy sends A @ A.T to BLAS's syrk: 45 ms against 16 ms for
        B = A.copy()  # a general product of 2575 x 128 rows on 2 cores
    d2 = A @ B.T  # then in place: |a|^2 + |b|^2 - 2 a.b, without temporaries
    d2 *= -2.0
    d2 += np.einsum("ij,ij->i", A, A)[:, None]
    d2 += np.einsum("ij,ij->i", B, B)[None, :]
    return np.maximum(d2, 0.0, out=d2)


class _PrunedDistances:
    """Squared distances to the chosen centres, computed on the fly by the
    backend with triangle-inequality pruning (any number of rows).

    Where the backend marks which rows each candidate is closer to (the
    ``"closer_marks"`` capability), adding a candidate visits only those rows."""

    def __init__(self, X, weights, backend, k):
        self.X, self.weights, self.backend = X, weights, backend
        self.min_d2 = np.full(X.shape[0], np.inf)
        self.nearest = np.full(X.shape[0], -1, dtype=np.int64)
        self.centers = np.empty((k, X.shape[1]), dtype=np.float64)
        self.count = 0
        self.marks = "closer_marks" in backend.capabilities
        self.closer = None

    def potentials(self, idx):
        candidates = np.asarray(self.backend.dense_rows(self.X, idx), dtype=np.float64)
        self.cc_d2 = _cross_sq_dist(self.centers[: self.count], candidates)
        if self.closer is None and self.marks:
            self.closer = self.backend.closer_marks(self.X.shape[0], len(idx))
        marks = {} if self.closer is None else {"closer": self.closer}
        return self.backend.candidate_potentials(
            self.X, self.weights, self.min_d2, self.nearest, candidates, self.cc_d2, **marks
        )

    def add(self, i, trial=None):
        self.centers[self.count] = self.backend.dense_rows(self.X, [i])[0]
        cc = np.zeros(1) if trial is None else self.cc_d2[:, trial]
        marks = {} if self.closer is None else {"closer": self.closer, "trial": trial}
        self.backend.add_center(
            self.X,
            self.centers[self.count],
            self.count,
            self.min_d2,
            self.nearest,
            cc,
            **marks,
        )
        self.count += 1


#: Row count up to which k-means|| reclusters its candidates with a
#: precomputed distance matrix (at most 8 * 4096**2 bytes = 128 MB).
PAIRWISE_MAX_ROWS = 4096


def greedy_kmeans_plusplus(
    X: Any,
    k: int,
    rng: Any,
    backend: Backend,
    weights: Any = None,
    n_local_trials: int | None = None,
    pairwise: bool = False,
    distances: Any = None,
) -> np.ndarray:
    """Greedy, weighted k-means++ seeding.

    Each step draws ``n_local_trials`` candidate rows with probability
    proportional to ``w_i D_i^2`` and keeps the one that lowers the
    potential ``sum_i w_i D_i^2`` most (scikit-learn's default seeding;
    ``2 + log(k)`` trials unless given; the same random draws as
    scikit-learn, so the same ``RandomState`` gives its centres).  Rows
    whose nearest chosen centre is provably closer than a candidate are
    skipped by the triangle inequality, so late steps at large ``k`` touch
    few rows; the result is the same as without pruning.  ``pairwise=True``
    takes the distances from a precomputed matrix instead (for a few
    thousand rows, as in k-means||); ``distances`` is that matrix, made
    once by :func:`shared_distances` for several seedings of the same rows.

    Returns a float64 ``(k, d)`` array.  Needs ``k <= n``; with fewer
    distinct rows than ``k`` some centres repeat.
    """
    chosen = greedy_kmeans_plusplus_rows(
        X, k, rng, backend, weights, n_local_trials, pairwise, distances
    )
    return np.asarray(backend.to_host(backend.dense_rows(X, chosen)), dtype=np.float64)


def greedy_kmeans_plusplus_rows(
    X: Any,
    k: int,
    rng: Any,
    backend: Backend,
    weights: Any = None,
    n_local_trials: int | None = None,
    pairwise: bool = False,
    distances: Any = None,
) -> list[int]:
    """The indices of the rows :func:`greedy_kmeans_plusplus` picks, in the
    order it picks them (same arguments, same draws)."""
    n, d = X.shape
    k = int(k)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(k))
    if pairwise or distances is not None:
        if distances is None:
            distances = _cross_sq_dist(X, X)
        return _greedy_pairwise(distances, k, rng, backend, weights, n_local_trials)
    if "seeding_distances" in backend.capabilities:  # kept by the backend, on its device
        distances = backend.seeding_distances(X, weights, k)
    else:
        distances = _PrunedDistances(X, weights, backend, k)
    chosen = [_weighted_index(rng, weights, n)]
    distances.add(chosen[0])
    w = backend.like(weights, distances.min_d2)  # beside the distances (NumPy: weights)
    if "chunk_draws" in backend.capabilities:
        sampler: _CumulativeSampler = _ChunkSampler(distances, w, backend)
    else:
        sampler = _CumulativeSampler(distances, w, backend)
    for _ in range(1, k):
        potential = sampler.potential()
        if not potential > 0:  # every row sits on a centre: repeat one
            chosen.extend([chosen[0]] * (k - len(chosen)))
            break
        draws = rng.uniform(size=n_local_trials) * potential
        idx = sampler.draw(draws)
        best = int(np.argmin(backend.to_host(distances.potentials(idx))))
        chosen.append(int(idx[best]))
        distances.add(chosen[-1], best)
    return chosen


def _greedy_pairwise(distances, k, rng, backend, weights, n_local_trials):
    """:func:`greedy_kmeans_plusplus` on a few thousand host rows, from the
    squared ``distances`` between all of them: the steps run in one
    compiled loop (``backend.greedy_pairwise``; the host backend, CPU).
    The draws are those of the step-by-step loop: the first row, then
    ``n_local_trials`` uniforms per step, all drawn up front (when every
    row sits on a chosen one early, the unused draws are still consumed)."""
    first = _weighted_index(rng, weights, distances.shape[0])
    uniforms = rng.uniform(size=(k - 1, n_local_trials))
    chosen = backend.greedy_pairwise(distances, weights, first, uniforms)
    return [int(i) for i in chosen]


#: Rows up to which :func:`shared_distances` keeps a matrix of the squared
#: distances between all rows (at most 8 * 2048**2 bytes = 32 MB).
SHARED_MAX_ROWS = 2048


def shared_distances(X: Any, k_max: int, backend: Backend) -> np.ndarray | None:
    """The squared distances between all rows of ``X``, for seeding the
    same rows with :func:`greedy_kmeans_plusplus` for several k (its
    ``distances``: one matrix instead of a pass over the rows per step);
    None where that would change the seeding or not pay: data other than
    float64 host arrays (``backend`` is its own host backend; float32 rows
    are compared in float32 by the step-by-step loop), more than
    :data:`SHARED_MAX_ROWS` rows, or fewer than ``k_max`` distinct rows
    (the loop then stops drawing early).

    On other data the centres are the step-by-step loop's: the same draws,
    and distances that differ only by rounding (a near-tie between two
    trial candidates could go the other way)."""
    if backend.host is not backend or backend.numpy_dtype(X) != np.float64:
        return None
    if X.shape[0] > SHARED_MAX_ROWS:
        return None
    if np.unique(X, axis=0).shape[0] < k_max:
        return None
    return _cross_sq_dist(X, X)


class _CumulativeSampler:
    """k-means++ draws on the cumulative sum of the mass ``w_i D_i^2`` (any
    array library): ``potential()`` takes the sum, ``draw(values)`` the rows
    where the cumulative mass reaches each value."""

    def __init__(self, distances, weights, backend):
        self.distances, self.weights, self.backend = distances, weights, backend

    def potential(self):
        d2 = self.distances.min_d2
        self.cumulative = self.backend.cumsum(d2 if self.weights is None else self.weights * d2)
        return float(self.cumulative[-1])

    def draw(self, values):
        return np.minimum(
            self.backend.draw_sorted(self.cumulative, values), self.cumulative.shape[0] - 1
        )


class _ChunkSampler(_CumulativeSampler):
    """The same draws from per-chunk totals of the mass (the backend's
    ``sampling_mass``/``draw_rows``): no cumulative array over all rows."""

    def potential(self):
        self.mass = self.backend.sampling_mass(self.distances.min_d2, self.weights)
        return float(self.mass.sum())

    def draw(self, values):
        return self.backend.draw_rows(self.distances.min_d2, self.weights, self.mass, values)


#: Relative safety margin of the k-means|| skip test (far above the
#: rounding of float64 distances).
SKIP_MARGIN = 1e-9

#: Rows a k-means|| round gathers at a time (a copy of at most this many rows).
GATHER_ROWS = 65536


def half_gaps(old: Any, new: Any, origin: Any) -> np.ndarray:
    """Half the distance from each earlier k-means|| candidate (rows of
    ``old``) to its nearest new one (rows of ``new``), rounded down past the
    error of the expanded products (taken around ``origin``, where the norms
    are small): a row whose nearest earlier candidate ``a`` lies within
    ``half_gaps[a]`` of it is no farther from ``a`` than from any new one."""
    shift = 0.0 if origin is None else np.asarray(origin, dtype=np.float64)
    a = np.asarray(old, dtype=np.float64) - shift
    b = np.asarray(new, dtype=np.float64) - shift
    d2 = _cross_sq_dist(a, b).min(axis=1)
    scale = float(np.max((a * a).sum(1)) + np.max((b * b).sum(1)))
    error = 4.0 * (a.shape[1] + 2) * np.finfo(np.float64).eps * scale
    return np.sqrt(np.maximum(d2 - error, 0.0)) * (0.5 * (1 - SKIP_MARGIN))


class _NearestChosen:
    """Distance from every row to its nearest k-means|| candidate, and that
    candidate's number, as arrays in memory (the default; a backend whose
    rows live elsewhere has the ``"nearest_tracker"`` capability: a tracker
    with the same methods).

    A round's new candidates are compared only with the rows they could
    be closer to: if every new candidate ``c`` is at least ``2 D`` from a
    row's nearest candidate ``a`` (``D`` = the row's distance to ``a``), the
    triangle inequality puts ``c`` at least ``D`` from the row, so the row
    is skipped.  The result is the same as comparing every row.
    """

    def __init__(self, X, weights, backend, origin):
        self.X, self.weights, self.backend, self.origin = X, weights, backend, origin
        self.min_d2 = self.nearest = None
        self.chosen = []  # candidate rows so far (float64), in number order
        self.count = 0

    def weighted_index(self, rng):
        return _weighted_index(rng, self.weights, self.X.shape[0])

    def add(self, rows):
        rows64 = np.asarray(rows, dtype=np.float64)
        if self.min_d2 is None:
            labels, d2 = self.backend.assign(self.X, rows, self.origin)
            self.min_d2 = d2.astype(np.float64)
            self.nearest = labels.astype(np.int64)
        else:
            reach = half_gaps(np.concatenate(self.chosen), rows64, self.origin)[self.nearest]
            todo = np.flatnonzero(reach * reach <= self.min_d2)
            for start in range(0, len(todo), GATHER_ROWS):  # bounded copies of X
                part = todo[start : start + GATHER_ROWS]
                labels, d2 = self.backend.assign(
                    self.backend.take_rows(self.X, part), rows, self.origin
                )
                closer = d2 < self.min_d2[part]
                part = part[closer]
                self.min_d2[part] = d2[closer]
                self.nearest[part] = self.count + labels[closer]
        self.chosen.append(rows64)
        self.count += rows.shape[0]

    def _mass(self):
        return self.min_d2 if self.weights is None else self.weights * self.min_d2

    def potential(self):
        return self._mass().sum()

    def sample(self, rng, ell, potential):
        return np.flatnonzero(rng.uniform(size=self.X.shape[0]) < ell * self._mass() / potential)

    def candidate_weights(self, m):
        return np.bincount(self.nearest, weights=self.weights, minlength=m)

    def release(self):
        self.min_d2 = self.nearest = None


#: k-means|| reclusters its candidates this many times (keeping the lowest
#: weighted inertia) when candidates x k is at most ``RECLUSTER_RESTART_WORK``;
#: on W4 (china.jpg pixels, k=64) this took the final inertia from 1.44% to
#: 0.32% above scikit-learn's k-means++ fit (seed 0; seeds 0-3: 0.99-1.011).
RECLUSTER_RESTARTS = 3
RECLUSTER_RESTART_WORK = 2**20


def kmeans_parallel(
    X: Any,
    k: int,
    rng: Any,
    backend: Backend,
    weights: Any = None,
    rounds: int = 5,
    oversampling: float = 0.5,
    origin: Any = None,
) -> np.ndarray:
    """k-means|| seeding (Bahmani et al., 2012), weighted.

    Starts from one row drawn in proportion to its weight; each of
    ``rounds`` rounds keeps every row independently with probability
    ``min(1, l * w_i D_i^2 / sum_j w_j D_j^2)`` with ``l = oversampling * k``
    expected new candidates per round, and distances to each round's
    candidates come from one blocked assignment.  The candidates are then
    weighted by the total weight of the rows nearest to them and reduced
    to ``k`` centres by weighted greedy k-means++ and a short weighted Lloyd
    run (the best of :data:`RECLUSTER_RESTARTS` such runs when the candidates
    are few).  About ``rounds * oversampling`` Lloyd iterations of work.  The
    per-row distances are kept by the backend's ``nearest_tracker`` where it
    has that capability (on a cluster or a device: they stay with the rows),
    else in memory.

    Returns a float64 ``(k, d)`` array.
    """
    from .lloyd import lloyd

    n, d = X.shape
    k = int(k)
    ell = max(1.0, oversampling * k)
    if "round_passes" in backend.capabilities:
        candidates, cand_weights = _rounds_in_passes(
            backend.round_tracker(X, weights, origin), X, backend, rng, rounds, ell, origin
        )
    else:
        candidates, cand_weights = _rounds(X, backend, weights, rng, rounds, ell, origin)
    useful = cand_weights > 0
    # too few candidates: fall back on the full data where the backend can
    # run k-means++ on it (else reduce the few candidates, repeating some)
    if useful.sum() < k and "kmeans_plusplus" in backend.capabilities:
        return greedy_kmeans_plusplus(X, k, rng, backend, weights)
    candidates, cand_weights = candidates[useful], cand_weights[useful]
    # weighted greedy k-means++, then Lloyd, on the few (host) candidates:
    # cheap next to the passes over X above; where very cheap, the best of a
    # few such reclusterings (lowest weighted inertia on the candidates)
    host = backend.host
    restarts = RECLUSTER_RESTARTS if len(candidates) * k <= RECLUSTER_RESTART_WORK else 1
    best: Any = None
    for _ in range(restarts):
        start = greedy_kmeans_plusplus(
            candidates, k, rng, host, cand_weights, pairwise=len(candidates) <= PAIRWISE_MAX_ROWS
        )
        refined = lloyd(
            candidates,
            start,
            backend=host,
            weights=cand_weights,
            max_iter=10,
            stop_when_stable=True,
            empty="keep",
        )
        if best is None or refined.inertia < best.inertia:
            best = refined
    return np.asarray(best.centers, dtype=np.float64)


def _rounds(
    X: Any, backend: Backend, weights: Any, rng: Any, rounds: int, ell: float, origin: Any
) -> tuple[np.ndarray, np.ndarray]:
    """k-means|| rounds as Bahmani et al. draw them: per round every row is
    kept independently with probability ``min(1, ell w_i D_i^2 / potential)``.
    Returns the candidates (float64, in draw order) and their weights."""
    if "nearest_tracker" in backend.capabilities:
        tracker = backend.nearest_tracker(X, weights, origin)
    else:
        tracker = _NearestChosen(X, weights, backend, origin)
    first = tracker.weighted_index(rng)
    rows = [np.asarray(backend.to_host(backend.dense_rows(X, [first])))]
    tracker.add(rows[0])
    for _ in range(rounds):
        potential = tracker.potential()
        if not potential > 0:
            break
        keep = tracker.sample(rng, ell, potential)
        if keep.size == 0:
            continue
        rows.append(np.asarray(backend.to_host(backend.dense_rows(X, keep))))
        tracker.add(rows[-1])
    candidates = np.concatenate(rows).astype(np.float64)
    cand_weights = tracker.candidate_weights(len(candidates))
    tracker.release()
    return candidates, cand_weights


def _rounds_in_passes(
    tracker: Any, X: Any, backend: Backend, rng: Any, rounds: int, ell: float, origin: Any
) -> tuple[np.ndarray, np.ndarray]:
    """k-means|| rounds at one read of ``X`` each, for a backend whose every
    read is costly (the ``"round_passes"`` capability: data on a cluster).

    A round's pass lowers every row's distance with the previous round's
    candidates and, from the lowered distances, draws the next round's:
    ``round(ell)`` distinct rows, in proportion to ``w_i D_i^2`` (weighted
    sampling without replacement; the rows travel with the draw, so no
    second read fetches them).  The pass after the last round lowers the
    distances once more and weighs the candidates.  Rows that no new
    candidate can be closer to (:func:`half_gaps`) are not compared.  So
    ``rounds`` rounds read ``X`` ``rounds + 1`` times (the first read
    compares one row), where :func:`_rounds` reads it about 3 times a round.
    Returns the candidates (float64, in draw order) and their weights."""
    count = max(1, int(round(ell)))
    first = tracker.weighted_index(rng)
    pending = np.asarray(backend.to_host(backend.dense_rows(X, [first])))
    rows: list[np.ndarray] = []  # candidates already compared with every row
    gaps = None
    for _ in range(rounds):
        new = tracker.round(pending, gaps, rng, count)
        gaps, pending = _next_gaps(rows, pending, new, origin)
        if new.shape[0] == 0:  # every row sits on a candidate
            break
    cand_weights = tracker.finish(pending, gaps, sum(len(r) for r in rows) + len(pending))
    candidates = np.concatenate(rows + [pending]).astype(np.float64)
    return candidates, cand_weights


def _next_gaps(
    rows: list[np.ndarray], pending: np.ndarray, new: np.ndarray, origin: Any
) -> tuple[Any, np.ndarray]:
    """After a round: ``pending`` joins ``rows`` (in place), and ``new``
    becomes the pending candidates, with the half gaps from every earlier
    candidate to them (None when there is nothing to compare)."""
    rows.append(pending)
    if new.shape[0] == 0:
        return None, new
    return half_gaps(np.concatenate(rows), new, origin), new


def weighted_random_rows(
    X: Any, k: int, rng: Any, backend: Backend, weights: Any = None
) -> np.ndarray:
    """``k`` distinct rows drawn without replacement, in proportion to weight."""
    n = X.shape[0]
    w = np.ones(n) if weights is None else weights
    idx = rng.choice(n, size=int(k), replace=False, p=w / w.sum())
    return np.asarray(backend.to_host(backend.dense_rows(X, idx)), dtype=np.float64)
