"""``vqkit.choose_k``: which number of clusters does the data support?

The driver: it validates the arguments, fits k-means once for every k (the
fits are shared by all criteria), runs the criteria of
:mod:`vqkit.selection.criteria`, takes the vote of
:mod:`vqkit.selection.vote` and returns a :class:`ChooseKResult`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._progress import ProgressBar
from ..backends import Backend, get_backend
from ..core.fit import fit_kmeans
from ..core.random import check_random_state
from ..estimators import KMeans
from ..validation import as_float_2d, as_sample_weight
from ._params import check_int, check_ks, check_methods, check_params, supported_ks
from .criteria import (
    pick_best,
    pick_elbow,
    run_gap,
    run_prediction_strength,
    sample_rows,
    score_fit,
)
from .result import COLUMNS, ChooseKResult
from .vote import CAN_SAY_ONE, decide

__all__ = ["choose_k"]

#: What ``progress=`` may be: None/False (silent), True (a bar on stderr) or
#: a callable ``progress(done, total, message)``.
Progress = bool | Callable[[int, int, str], object] | None


def _reporter(progress: Progress, total: int) -> Callable[[str], None]:
    """A ``step(message)`` that counts units of work and reports them."""
    done = [0]
    sink: Callable[[int, int, str], object] | None
    if progress is None or progress is False:
        sink = None
    elif progress is True:
        sink = _bar_sink(total)
    else:
        sink = progress

    def step(message: str) -> None:
        done[0] += 1
        if sink is not None:
            sink(done[0], total, message)

    return step


def _bar_sink(total: int) -> Callable[[int, int, str], None]:
    """``progress=True``: a bar with the time left on stderr, shown once the
    work has lasted a second (see :mod:`vqkit._progress`)."""
    bar = ProgressBar("choose_k", total)

    def sink(done: int, total: int, message: str) -> None:
        bar.advance_to(done, message)
        if done >= total:
            bar.close()

    return sink


def _seed(rng: np.random.RandomState | np.random.Generator) -> int:
    return (
        int(rng.randint(0, 2**31 - 1))
        if isinstance(rng, np.random.RandomState)
        else int(rng.integers(0, 2**31 - 1))
    )


def choose_k(
    X: ArrayLike,
    k: int | Iterable[int] = range(1, 11),
    *,
    methods: str | Iterable[str] | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    n_init: int = 3,
    sample_weight: ArrayLike | None = None,
    n_references: int = 10,
    reference: str = "uniform",
    knee_sensitivity: float = 1.0,
    strength_threshold: float = 0.8,
    heldout_repeats: int = 2,
    fit_rows: int | None = 10000,
    silhouette_rows: int = 1500,
    gap_rows: int | None = 1000,
    heldout_rows: int | None = 4000,
    max_iter: int = 300,
    progress: Progress = None,
) -> ChooseKResult:
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
    * ``"prediction_strength"`` (also accepted as ``"heldout"``): prediction
      strength (Tibshirani and Walther 2005):
      the data is split in halves ``heldout_repeats`` times, each half
      clustered (one k-means++ seeding) and predicted by the other; the
      pick is the largest k whose strength reaches ``strength_threshold``.
      Above ``heldout_rows`` rows a random sample of that many rows is used.

    Silhouette, Calinski-Harabasz and Davies-Bouldin need two clusters, so
    they never pick 1; the gap and prediction strength can.  ``best_k`` is
    the vote of :func:`~vqkit.selection.vote.consensus`: 1 if every criterion able to say 1 (of
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
        Each must be from 1 to ``n_samples``; those above ``n_samples // 2``
        (:func:`~vqkit.selection.largest_supported_k`: fewer than
        two rows per cluster) are not tried, and a note says so.
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
        None/False: silent; True: a progress bar with the time left on
        stderr (a terminal, a notebook or a file) once the work has lasted a
        second; a callable ``progress(done, total, message)`` is called
        after each step (one step per k fitted, per gap reference set, per
        held-out split).

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
    backend = get_backend(X)
    n, d = X.shape
    notes: list[str] = []
    ks = supported_ks(check_ks(k, n), n, notes)
    methods = check_methods(methods)
    weights = as_sample_weight(sample_weight, n, X)
    check_params(
        n_references,
        reference,
        knee_sensitivity,
        strength_threshold,
        heldout_repeats,
        silhouette_rows,
        gap_rows,
        heldout_rows,
        max_iter,
        progress,
    )
    n_init = check_int("n_init", n_init, 1)
    if fit_rows is not None:
        check_int("fit_rows", fit_rows, 1)
    rng = check_random_state(random_state)
    seeds = {name: _seed(rng) for name in ("fit", "silhouette", "gap", "prediction_strength")}
    fit_seeds = [_seed(rng) for _ in ks]

    total = (
        len(ks)
        + ("gap" in methods) * n_references
        + ("prediction_strength" in methods) * heldout_repeats
    )
    step = _reporter(progress, total)
    table = {c: np.full(len(ks), np.nan) for c in COLUMNS}
    picks: dict[str, int | None] = {}

    sil_rows = None
    if "silhouette" in methods and n > silhouette_rows:
        sil_rows = sample_rows(n, silhouette_rows, seeds["silhouette"])
        notes.append(
            f"silhouette was sampled on {silhouette_rows} of {n} rows (the same rows for every k)"
        )
    fit_sample = _fit_sample(X, weights, ks, fit_rows, seeds["fit"], notes)
    models = {}
    for i, kk in enumerate(ks):
        model = _fit(X, backend, kk, n_init, fit_seeds[i], max_iter, weights, fit_sample, notes)
        models[kk] = model
        table["inertia"][i] = model.inertia_
        score_fit(X, model.labels_, i, methods, table, sil_rows)
        step(f"fitted k={kk}")

    if "elbow" in methods:
        picks["elbow"] = pick_elbow(ks, table["inertia"], knee_sensitivity, notes)
    for method, best in (
        ("silhouette", np.argmax),
        ("calinski_harabasz", np.argmax),
        ("davies_bouldin", np.argmin),
    ):
        if method in methods:
            picks[method] = pick_best(ks, table[method], best, method, notes)
    if "gap" in methods:
        picks["gap"] = run_gap(
            X,
            backend,
            ks,
            table,
            models,
            weights,
            n_references,
            reference,
            gap_rows,
            seeds["gap"],
            step,
            notes,
        )
    if "prediction_strength" in methods:
        picks["prediction_strength"] = run_prediction_strength(
            X,
            backend,
            ks,
            table,
            strength_threshold,
            heldout_repeats,
            heldout_rows,
            max_iter,
            seeds["prediction_strength"],
            step,
            notes,
        )
    if weights is not None and set(methods) & {
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "prediction_strength",
    }:
        notes.append(
            "sample_weight is used by the fits, inertia, elbow and gap; silhouette, "
            "Calinski-Harabasz, Davies-Bouldin and prediction strength count rows "
            "unweighted"
        )
    if 1 not in ks and set(methods) & set(CAN_SAY_ONE):
        notes.append("k = 1 is not in the range, so 'no cluster structure' cannot be the answer")

    decision = decide(picks, ks)
    best_k = decision.best_k
    if all(p is None for p in picks.values()):
        notes.append(f"no criterion could choose; best_k is the smallest k tried ({best_k})")
    chosen = {m: picks[m] for m in methods if picks.get(m) is not None}
    if len(set(chosen.values())) > 1:
        notes.append(
            "the criteria disagree: "
            + ", ".join(f"{m} -> {pick}" for m, pick in chosen.items() if pick != best_k)
        )
    return ChooseKResult(
        ks=ks,
        methods=methods,
        table=table,
        picks=picks,
        best_k=best_k,
        knee=picks.get("elbow"),
        votes=decision.votes,
        notes=notes,
        models=models,
        n_samples=n,
        n_features=d,
        n_init=n_init,
        decision=decision,
        strength_threshold=strength_threshold,
    )


def _fit_sample(
    X: np.ndarray,
    weights: np.ndarray | None,
    ks: Sequence[int],
    fit_rows: int | None,
    seed: int,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``(rows, weights)`` of the sample the restarts run on, or None."""
    n = X.shape[0]
    if fit_rows is None or n <= max(fit_rows, max(ks)):
        return None
    size = max(fit_rows, max(ks))
    keep = sample_rows(n, size, seed)
    w = None if weights is None else weights[keep]
    if w is not None and not w.sum() > 0:
        return None  # all the sampled weight is zero: use every row
    notes.append(
        f"the k-means restarts ran on a sample of {size} of {n} rows; "
        "the best centres were then refined on all rows"
    )
    return X[keep], w


def _fit(
    X: np.ndarray,
    backend: Backend,
    k: int,
    n_init: int,
    seed: int,
    max_iter: int,
    weights: np.ndarray | None,
    sample: tuple[np.ndarray, np.ndarray | None] | None,
    notes: list[str],
) -> KMeans:
    """The model for ``k``: ``n_init`` restarts on all rows, or on the
    ``sample`` (rows and their weights) with the best centres refined on all
    rows."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if sample is None:
            model = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, random_state=seed).fit(
                X, sample_weight=weights
            )
        else:
            # only the restarts' best centres are kept: the core fits them
            # without a history (small samples: in one compiled call)
            rows, w = sample
            start = fit_kmeans(
                rows,
                k,
                backend=backend,  # the sample's rows: NumPy too
                n_init=n_init,
                max_iter=max_iter,
                weights=w,
                random_state=check_random_state(seed),
                keep_history=False,
            ).centers
            model = KMeans(
                n_clusters=k, init=start, n_init=1, max_iter=max_iter, random_state=seed
            ).fit(X, sample_weight=weights)
    for warning in caught:
        notes.append(f"k={k}: {warning.message}")
    return model
