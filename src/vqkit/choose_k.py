"""``vqkit.choose_k``: which number of clusters does the data support?

One call fits k-means once for every k of a range, scores the fits with six
criteria, lets each criterion pick a k, and combines the picks into one
recommendation (``best_k``), keeping the evidence: the per-k table, every
pick, and notes on anything the user should know (sampling, a missing knee,
disagreement).  The criteria live in ``vqkit.metrics`` and ``vqkit.core``
(``knee``, ``gap``, ``prediction_strength``); this module validates the
arguments, drives the fits and shapes the result.
"""

import math
import numbers
import sys
import warnings

import numpy as np

from .validation import as_float_2d, as_sample_weight
from .backends import get_backend
from .estimators import KMeans
from .core.fit import fit_kmeans
from .core.gap import REFERENCES, gap_pick, gap_statistic
from .core.knee import kneedle
from .core.prediction_strength import prediction_strength, strength_pick
from .core.random import check_random_state
from .metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

__all__ = ["choose_k", "ChooseKResult", "METHODS", "COLUMNS"]

#: The criteria, in the order they are reported.
METHODS = ("elbow", "silhouette", "calinski_harabasz", "davies_bouldin", "gap", "heldout")

#: Columns of ``ChooseKResult.table``.
COLUMNS = ("inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "gap", "gap_sd",
           "heldout")

#: The criteria that can answer k = 1 (the others need two clusters to score).
CAN_SAY_ONE = ("gap", "heldout")

#: Order in which criteria break a tie of the vote (see :func:`consensus`).
TIE_ORDER = ("gap", "silhouette", "heldout", "calinski_harabasz", "davies_bouldin", "elbow")


def consensus(picks, ks):
    """``best_k`` from the criteria's picks: the documented vote.

    1. **No structure.**  If k = 1 is in ``ks`` and every criterion able to
       answer 1 that was run (``gap``, ``heldout``) answered 1, the answer
       is 1: the other criteria cannot say 1, so their picks are no
       evidence against it.
    2. **Plurality.**  Otherwise each pick >= 2 is one vote and the k with
       the most votes wins; a tie goes to the tied k picked by the first
       criterion of :data:`TIE_ORDER` (gap, silhouette, heldout,
       Calinski-Harabasz, Davies-Bouldin, elbow).
    3. **No votes** (every criterion declined): the k that the criteria able
       to say 1 chose (1), otherwise the smallest k of the range.

    Returns ``(best_k, votes)``, ``votes`` a dict k -> number of votes.

    Examples
    --------
    >>> consensus({"elbow": 3, "silhouette": 3, "gap": 4, "heldout": 3}, [1, 2, 3, 4, 5])
    (3, {3: 3, 4: 1})
    >>> consensus({"silhouette": 2, "gap": 1, "heldout": 1}, [1, 2, 3])[0]
    1
    """
    votes = {}
    for method in METHODS:
        k = picks.get(method)
        if k is not None and k >= 2:
            votes[k] = votes.get(k, 0) + 1
    run_one = [m for m in CAN_SAY_ONE if m in picks]
    if 1 in ks and run_one and all(picks[m] == 1 for m in run_one):
        return 1, votes
    if not votes:
        one = any(picks.get(m) == 1 for m in CAN_SAY_ONE)
        return (1 if one else int(min(ks))), votes
    top = max(votes.values())
    tied = [k for k, v in votes.items() if v == top]
    if len(tied) > 1:
        for method in TIE_ORDER:
            if picks.get(method) in tied:
                return int(picks[method]), votes
    return int(tied[0]), votes


class ChooseKResult:
    """What :func:`choose_k` found.

    Attributes
    ----------
    ks : tuple of int
        The numbers of clusters tried, increasing.
    methods : tuple of str
        The criteria that were run.
    table : dict of str -> ndarray of float64
        One array per column of :data:`COLUMNS`, aligned with ``ks``:
        ``inertia`` (W_k), ``silhouette`` (mean silhouette, possibly of a
        sample), ``calinski_harabasz``, ``davies_bouldin``, ``gap``,
        ``gap_sd`` (the gap's standard error ``s_k = sd_k sqrt(1 + 1/B)``,
        the quantity its rule uses: draw it as error bars) and ``heldout``
        (mean prediction strength).  NaN where a score is undefined (the
        silhouette, Calinski-Harabasz and Davies-Bouldin at k = 1) or its
        criterion was not run.
    picks : dict of str -> int or None
        Each criterion's k (None: it could not choose; see ``notes``).
    best_k : int
        The recommendation: the vote of :func:`consensus`.
    knee : int or None
        The elbow (Kneedle knee of the inertia curve), None without one.
    votes : dict of int -> int
        Votes per k behind ``best_k``.
    notes : list of str
        Things worth knowing: sampling, a missing knee, disagreement, ...
    models : dict of int -> KMeans
        The fitted model for each k (one fit per k, shared by all criteria).
    n_samples, n_features : int
        Shape of the data.
    """

    def __init__(self, *, ks, methods, table, picks, best_k, knee, votes, notes, models,
                 n_samples, n_features, n_init):
        self.ks = tuple(ks)
        self.methods = tuple(methods)
        self.table = table
        self.picks = picks
        self.best_k = best_k
        self.knee = knee
        self.votes = votes
        self.notes = notes
        self.models = models
        self.n_samples = n_samples
        self.n_features = n_features
        self.n_init = n_init

    def __repr__(self):
        return f"ChooseKResult(best_k={self.best_k}, picks={self.picks!r})"

    def __str__(self):
        return self.report()

    def report(self):
        """A plain-text report: the per-k table, the picks, ``best_k``, the notes."""
        lines = [
            f"choose_k: {self.n_samples} rows x {self.n_features} features, "
            f"k = {_range_text(self.ks)}, n_init = {self.n_init}",
            "",
        ]
        columns = [c for c in COLUMNS if not np.all(np.isnan(self.table[c]))]
        widths = [max(len(c), 10) for c in columns]
        lines.append("   k  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths)))
        for i, k in enumerate(self.ks):
            cells = [_cell(self.table[c][i], w) for c, w in zip(columns, widths)]
            mark = " <" if k == self.best_k else ""
            lines.append(f"{k:4d}  " + "  ".join(cells) + mark)
        lines.append("")
        lines.append("picks:")
        for method in self.methods:
            k = self.picks.get(method)
            lines.append(f"  {method:<18} {'-' if k is None else k:>4}   {_RULES[method]}")
        support = self.votes.get(self.best_k, 0)
        lines.append("")
        lines.append(
            f"best_k = {self.best_k}  ({support} of {len(self.methods)} criteria; "
            "consensus: k = 1 if every criterion able to say 1 says so, "
            "else the most-voted k)"
        )
        if self.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-serialisable dict: best_k, knee, picks, ks, methods, table
        (NaN as None), votes (keys as strings) and notes."""
        return {
            "best_k": int(self.best_k),
            "knee": None if self.knee is None else int(self.knee),
            "picks": {m: (None if k is None else int(k)) for m, k in self.picks.items()},
            "ks": [int(k) for k in self.ks],
            "methods": list(self.methods),
            "table": {
                column: [None if math.isnan(v) else float(v) for v in values]
                for column, values in self.table.items()
            },
            "votes": {str(k): int(v) for k, v in sorted(self.votes.items())},
            "notes": list(self.notes),
        }

    def plot(self, path=None, X=None):
        """The summary figure of :func:`vqkit.plot.choose_k_summary` (needs
        matplotlib); ``X`` adds a view of the data clustered with ``best_k``,
        ``path`` saves the figure."""
        from . import plot

        return plot.choose_k_summary(self, X=X, path=path)


_RULES = {
    "elbow": "Kneedle knee of the inertia curve",
    "silhouette": "largest mean silhouette",
    "calinski_harabasz": "largest Calinski-Harabasz score",
    "davies_bouldin": "smallest Davies-Bouldin score",
    "gap": "smallest k with Gap(k) >= Gap(k+1) - s(k+1)",
    "heldout": "largest k with prediction strength >= threshold",
}


def _cell(value, width):
    if math.isnan(value):
        return "-".rjust(width)
    return f"{value:.5g}".rjust(width)


def _range_text(ks):
    if len(ks) > 2 and list(ks) == list(range(ks[0], ks[-1] + 1)):
        return f"{ks[0]}..{ks[-1]}"
    return ", ".join(str(k) for k in ks)


# ----------------------------------------------------------------------
# argument checking


def _check_ks(k, n):
    if isinstance(k, (numbers.Integral, np.integer)) and not isinstance(k, bool):
        if k < 1:
            raise ValueError(f"k must be >= 1 (or a range of such numbers), got {k}.")
        k = range(1, int(k) + 1)
    try:
        values = list(k)
    except TypeError:
        raise ValueError(
            f"k must be an integer or an iterable of integers (e.g. range(1, 11)), got {k!r}."
        ) from None
    if not values:
        raise ValueError("k is empty: give at least one number of clusters, e.g. range(1, 11).")
    for v in values:
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, (bool, np.bool_)):
            raise ValueError(f"k must contain integers only, got {v!r}.")
        if v < 1:
            raise ValueError(f"k must contain numbers >= 1, got {int(v)}.")
        if v > n:
            raise ValueError(
                f"k = {int(v)} is larger than the number of rows of X ({n}); "
                "each cluster needs at least one row."
            )
    return tuple(sorted({int(v) for v in values}))


def _check_methods(methods):
    if methods is None:
        return METHODS
    if isinstance(methods, str):
        methods = [methods]
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(
            f"unknown method(s) {unknown}; valid methods are: {', '.join(METHODS)}."
        )
    if not methods:
        raise ValueError(f"methods is empty; choose from: {', '.join(METHODS)}.")
    return tuple(m for m in METHODS if m in methods)


def _check_int(name, value, low):
    integer = isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)
    if not integer or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def _check_params(n_references, reference, knee_sensitivity, strength_threshold,
                  heldout_repeats, silhouette_rows, gap_rows, heldout_rows, max_iter,
                  progress):
    _check_int("n_references", n_references, 1)
    _check_int("heldout_repeats", heldout_repeats, 1)
    _check_int("silhouette_rows", silhouette_rows, 2)
    _check_int("max_iter", max_iter, 1)
    if gap_rows is not None:
        _check_int("gap_rows", gap_rows, 2)
    if heldout_rows is not None:
        _check_int("heldout_rows", heldout_rows, 4)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}.")
    if not isinstance(knee_sensitivity, numbers.Real) or not knee_sensitivity >= 0:
        raise ValueError(f"knee_sensitivity must be a number >= 0, got {knee_sensitivity!r}.")
    if not isinstance(strength_threshold, numbers.Real) or not 0 < strength_threshold <= 1:
        raise ValueError(
            f"strength_threshold must be a number in (0, 1], got {strength_threshold!r}."
        )
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise ValueError(
            "progress must be None, True/False or a callable progress(done, total, message)."
        )


def _reporter(progress, total):
    """A ``step(message)`` that counts units of work and reports them."""
    done = [0]
    if progress is None or progress is False:
        sink = None
    elif progress is True:
        def sink(d, t, message):
            print(f"choose_k [{d}/{t}] {message}", file=sys.stderr, flush=True)
    else:
        sink = progress

    def step(message):
        done[0] += 1
        if sink is not None:
            sink(done[0], total, message)

    return step


def _seed(rng):
    return int(rng.randint(0, 2**31 - 1)) if isinstance(rng, np.random.RandomState) else int(
        rng.integers(0, 2**31 - 1))


# ----------------------------------------------------------------------
# the driver


def choose_k(
    X,
    k=range(1, 11),
    *,
    methods=None,
    random_state=None,
    n_init=3,
    sample_weight=None,
    n_references=10,
    reference="uniform",
    knee_sensitivity=1.0,
    strength_threshold=0.8,
    heldout_repeats=2,
    fit_rows=10000,
    silhouette_rows=1500,
    gap_rows=1000,
    heldout_rows=4000,
    max_iter=300,
    progress=None,
):
    """Choose the number of clusters k for k-means, with six criteria and a vote.

    Every k of ``k`` is fitted once (``vqkit.KMeans``, k-means++,
    ``n_init`` restarts, in ``X``'s float dtype) and the fit is shared by
    all criteria.  Above ``fit_rows`` rows the restarts run on a random
    sample of ``fit_rows`` rows and the best centres are then refined by
    Lloyd's algorithm on all rows (a few iterations from centres that are
    already close), which is much cheaper than seeding and iterating on all
    rows.  The criteria:

    * ``"elbow"``: the knee of the inertia curve, found by Kneedle
      (Satopää et al. 2011) with sensitivity ``knee_sensitivity``; no pick
      when the curve has no knee (say, no structure, or the bend is at the
      end of the range).
    * ``"silhouette"``: the largest mean silhouette (Rousseeuw 1987).  Above
      ``silhouette_rows`` rows it is computed on one random sample of that
      many rows, the same rows for every k.
    * ``"calinski_harabasz"``: the largest Calinski-Harabasz score.
    * ``"davies_bouldin"``: the smallest Davies-Bouldin score.
    * ``"gap"``: the gap statistic (Tibshirani, Walther and Hastie 2001)
      with ``n_references`` reference sets drawn uniformly in the data's
      bounding box (``reference="uniform"``) or in a box aligned with its
      principal axes (``"pca"``), and the rule "smallest k with
      ``Gap(k) >= Gap(k+1) - s(k+1)``".  Reference sets are fitted with one
      k-means++ seeding and at most 30 Lloyd iterations each.  Above
      ``gap_rows`` rows the statistic is computed on a random sample of
      ``gap_rows`` rows (the references have as many rows; the sample's
      fits start from the centres fitted on all rows); otherwise the
      data's fits are reused.
    * ``"heldout"``: prediction strength (Tibshirani and Walther 2005):
      the data is split in halves ``heldout_repeats`` times, each half
      clustered (one k-means++ seeding) and predicted by the other; the
      pick is the largest k whose strength reaches ``strength_threshold``.  Above ``heldout_rows`` rows
      a random sample of that many rows is used.

    Silhouette, Calinski-Harabasz and Davies-Bouldin need two clusters, so
    they never pick 1; the gap and prediction strength can.  ``best_k`` is
    the vote of :func:`consensus`: 1 if every criterion able to say 1 (of
    those run) says 1, otherwise the k picked by most criteria (ties go to
    the gap, then silhouette, prediction strength, Calinski-Harabasz,
    Davies-Bouldin, elbow).

    The k are fitted independently, not warm-started from one another:
    starting k from the centres of k - 1 would carry a poor local minimum
    up the range and correlate the criteria's errors across k, and the gap
    statistic and prediction strength rest on comparing fits made from
    scratch.  The one warm start is sound: when the gap works on a sample,
    the sample's fit for k starts from the centres fitted for the same k on
    all rows.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Finite dense data (float32 is kept).
    k : int or iterable of int, default range(1, 11)
        The numbers of clusters to try; an integer ``K`` means ``1..K``.
        Each must be from 1 to ``n_samples``.
    methods : str or iterable of str, optional
        Criteria to run, from ``METHODS``; default all.
    random_state : int, RandomState, Generator or None
        Seeds every random choice (fits, samples, references, splits); the
        same value gives the same result.
    n_init : int, default 3
        k-means++ restarts per k (the best fit is kept).
    sample_weight : array_like, shape (n_samples,), optional
        Row weights for the fits, the inertia, the elbow and the gap; the
        silhouette, Calinski-Harabasz, Davies-Bouldin and prediction strength
        count rows unweighted (a note says so).
    n_references : int, default 10
        B, the number of gap reference sets.
    reference : {"uniform", "pca"}, default "uniform"
        The gap's reference box.
    knee_sensitivity : float, default 1.0
        Kneedle's S.
    strength_threshold : float, default 0.8
        Prediction strength a k must reach.
    heldout_repeats : int, default 2
        Random half splits for the prediction strength.
    fit_rows : int or None, default 10000
        Above this many rows the restarts run on a sample (see above);
        None: never.
    silhouette_rows, gap_rows, heldout_rows : int or None, default 1500, 1000, 4000
        Sample sizes above which the silhouette, the gap statistic and the
        prediction strength work on a random sample of that many rows
        (None: never, for the last two).  They bound the cost on large data:
        the silhouette costs O(rows^2) per k, the gap B + 1 fits per k.
    max_iter : int, default 300
        Lloyd iterations per fit of the data.
    progress : None, bool or callable
        None/False: silent; True: one line per step on stderr; a callable
        ``progress(done, total, message)`` is called after each step (one
        step per k fitted, per gap reference set, per held-out split).

    Returns
    -------
    ChooseKResult
        ``best_k``, ``picks``, ``table``, ``knee``, ``notes``, ``models``;
        ``report()`` (also ``str(result)``), ``to_dict()`` and ``plot()``.

    Raises
    ------
    ValueError
        For invalid ``X`` or ``sample_weight``, an empty ``k``, a k below 1
        or above the number of rows, unknown methods, or bad options.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit import choose_k
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0, 0], [10, 0], [0, 10]])
    >>> X = np.concatenate([c + rng.normal(size=(100, 2)) for c in centres])
    >>> result = choose_k(X, range(1, 7), random_state=0)
    >>> result.best_k
    3
    >>> result.picks["silhouette"], result.picks["gap"]
    (3, 3)
    >>> float(result.table["silhouette"][0])  # undefined for one cluster
    nan
    >>> choose_k(rng.normal(size=(300, 2)), range(1, 7), random_state=0).best_k
    1
    """
    X = as_float_2d(X)
    n, d = X.shape
    ks = _check_ks(k, n)
    methods = _check_methods(methods)
    weights = as_sample_weight(sample_weight, n)
    _check_params(n_references, reference, knee_sensitivity, strength_threshold,
                  heldout_repeats, silhouette_rows, gap_rows, heldout_rows, max_iter,
                  progress)
    n_init = _check_int("n_init", n_init, 1)
    if fit_rows is not None:
        _check_int("fit_rows", fit_rows, 1)
    rng = check_random_state(random_state)
    seeds = {name: _seed(rng) for name in ("fit", "silhouette", "gap", "heldout")}
    fit_seeds = [_seed(rng) for _ in ks]

    total = len(ks) + ("gap" in methods) * n_references + ("heldout" in methods) * heldout_repeats
    step = _reporter(progress, total)
    notes = []
    table = {c: np.full(len(ks), np.nan) for c in COLUMNS}
    picks = {}

    sil_rows = None
    if "silhouette" in methods and n > silhouette_rows:
        sil_rows = _sample_rows(n, silhouette_rows, seeds["silhouette"])
        notes.append(f"silhouette was sampled on {silhouette_rows} of {n} rows "
                     "(the same rows for every k)")
    fit_sample = _fit_sample(X, weights, ks, fit_rows, seeds["fit"], notes)
    models = {}
    for i, kk in enumerate(ks):
        model = _fit(X, kk, n_init, fit_seeds[i], max_iter, weights, fit_sample, notes)
        models[kk] = model
        table["inertia"][i] = model.inertia_
        _score(X, model.labels_, i, methods, table, sil_rows)
        step(f"fitted k={kk}")

    if "elbow" in methods:
        picks["elbow"] = _elbow(ks, table["inertia"], knee_sensitivity, notes)
    for method, best in (("silhouette", np.argmax), ("calinski_harabasz", np.argmax),
                         ("davies_bouldin", np.argmin)):
        if method in methods:
            picks[method] = _best(ks, table[method], best, method, notes)
    if "gap" in methods:
        picks["gap"] = _gap(X, ks, table, models, weights, n_references, reference, gap_rows,
                            seeds["gap"], step, notes)
    if "heldout" in methods:
        picks["heldout"] = _heldout(X, ks, table, strength_threshold, heldout_repeats,
                                    heldout_rows, max_iter, seeds["heldout"], step, notes)
    if weights is not None and set(methods) & {"silhouette", "calinski_harabasz",
                                               "davies_bouldin", "heldout"}:
        notes.append("sample_weight is used by the fits, inertia, elbow and gap; silhouette, "
                     "Calinski-Harabasz, Davies-Bouldin and prediction strength count rows "
                     "unweighted")
    if 1 not in ks and set(methods) & set(CAN_SAY_ONE):
        notes.append("k = 1 is not in the range, so 'no cluster structure' cannot be the answer")

    best_k, votes = consensus(picks, ks)
    if all(p is None for p in picks.values()):
        notes.append(f"no criterion could choose; best_k is the smallest k tried ({best_k})")
    chosen = [m for m in methods if picks.get(m) is not None]
    disagree = sorted({picks[m] for m in chosen})
    if len(disagree) > 1:
        notes.append("the criteria disagree: " + ", ".join(
            f"{m} -> {picks[m]}" for m in chosen if picks[m] != best_k))
    return ChooseKResult(
        ks=ks, methods=methods, table=table, picks=picks, best_k=best_k,
        knee=picks.get("elbow"), votes=votes, notes=notes, models=models,
        n_samples=n, n_features=d, n_init=n_init,
    )


def _sample_rows(n, size, seed):
    """``size`` distinct row indices out of ``n``, sorted."""
    return np.sort(np.random.RandomState(seed).permutation(n)[:size])


def _fit_sample(X, weights, ks, fit_rows, seed, notes):
    """``(rows, weights)`` of the sample the restarts run on, or None."""
    n = X.shape[0]
    if fit_rows is None or n <= max(fit_rows, max(ks)):
        return None
    size = max(fit_rows, max(ks))
    keep = _sample_rows(n, size, seed)
    w = None if weights is None else weights[keep]
    if w is not None and not w.sum() > 0:
        return None  # all the sampled weight is zero: use every row
    notes.append(f"the k-means restarts ran on a sample of {size} of {n} rows; "
                 "the best centres were then refined on all rows")
    return X[keep], w


def _fit(X, k, n_init, seed, max_iter, weights, sample, notes):
    """The model for ``k``: ``n_init`` restarts on all rows, or on the
    ``sample`` (rows and their weights) with the best centres refined on all
    rows."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if sample is None:
            model = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter,
                           random_state=seed).fit(X, sample_weight=weights)
        else:
            # only the restarts' best centres are kept: the core fits them
            # without a history (small samples: in one compiled call)
            rows, w = sample
            start = fit_kmeans(rows, k, backend=get_backend(rows), n_init=n_init,
                               max_iter=max_iter, weights=w,
                               random_state=check_random_state(seed),
                               keep_history=False).centers
            model = KMeans(n_clusters=k, init=start, n_init=1,
                           max_iter=max_iter, random_state=seed).fit(X, sample_weight=weights)
    for w in caught:
        notes.append(f"k={k}: {w.message}")
    return model


def _score(X, labels, i, methods, table, sil_rows):
    """Silhouette, Calinski-Harabasz and Davies-Bouldin of one fit (NaN
    where fewer than 2 or more than n - 1 distinct clusters)."""
    n = X.shape[0]
    distinct = np.count_nonzero(np.bincount(labels))
    valid = 2 <= distinct <= n - 1
    if valid and "calinski_harabasz" in methods:
        table["calinski_harabasz"][i] = calinski_harabasz_score(X, labels)
    if valid and "davies_bouldin" in methods:
        table["davies_bouldin"][i] = davies_bouldin_score(X, labels)
    if "silhouette" in methods:
        Xs, ls = (X, labels) if sil_rows is None else (X[sil_rows], labels[sil_rows])
        if 2 <= np.count_nonzero(np.bincount(ls)) <= len(ls) - 1:
            table["silhouette"][i] = silhouette_score(Xs, ls)


def _elbow(ks, inertia, S, notes):
    if len(ks) < 3:
        notes.append("the elbow needs at least 3 values of k")
        return None
    knee = kneedle(ks, inertia, S=S).knee
    if knee is None:
        notes.append("the elbow curve has no knee")
    return knee


def _best(ks, values, best, method, notes):
    defined = ~np.isnan(values)
    if not defined.any():
        notes.append(f"{method} is undefined for every k tried (it needs 2 to n-1 clusters)")
        return None
    index = np.flatnonzero(defined)[best(values[defined])]
    return int(ks[index])


def _gap(X, ks, table, models, weights, B, reference, rows, seed, step, notes):
    rs = np.random.RandomState(seed)
    n = X.shape[0]
    inertias, starts = table["inertia"], None
    if rows is not None and n > max(rows, max(ks)):
        rows = max(rows, max(ks))
        # data and references must have the same size: refit a sample,
        # starting from the centres fitted on all the rows (see core.gap)
        keep = _sample_rows(n, rows, rs.randint(2**31 - 1))
        X, weights, inertias = X[keep], None if weights is None else weights[keep], None
        starts = [models[k].cluster_centers_ for k in ks]
        notes.append(f"the gap statistic was computed on a sample of {rows} of {n} rows "
                     "(data sample and reference sets of that size)")
    result = gap_statistic(
        X, ks, inertias=inertias, starts=starts, weights=weights, n_references=B,
        reference=reference,
        rng=rs, on_reference=lambda b: step(f"gap reference {b}/{B}"),
    )
    table["gap"][:] = result.gap
    table["gap_sd"][:] = result.s
    pick = gap_pick(ks, result.gap, result.s)
    if pick is None:
        notes.append("the gap keeps rising through the range: try larger k")
    return pick


def _heldout(X, ks, table, threshold, repeats, rows, max_iter, seed, step, notes):
    rs = np.random.RandomState(seed)
    n = X.shape[0]
    if rows is not None and n > rows:
        X = X[_sample_rows(n, rows, rs.randint(2**31 - 1))]
        notes.append(f"prediction strength was computed on a sample of {rows} of {n} rows")
    strength = prediction_strength(
        X, ks, rs, repeats=repeats, n_init=1, max_iter=max_iter,
        on_repeat=lambda r: step(f"held-out split {r}/{repeats}"),
    )
    table["heldout"][:] = strength
    if np.isnan(strength).any():
        notes.append("prediction strength is undefined for k above half the rows")
    return strength_pick(ks, strength, threshold)
