"""What :func:`vqkit.choose_k` returns: the per-k table, the picks, the vote
and the notes, as a report, a dict or a figure."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .._display import block, bullet_list, escape, fields, number, table
from .criteria import RULES
from .vote import Decision, decide

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..estimators import KMeans

__all__ = ["ChooseKResult", "COLUMNS"]

#: Columns of ``ChooseKResult.table``.
COLUMNS = (
    "inertia",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "gap",
    "gap_sd",
    "prediction_strength",
)


#: The column of the per-k table that each criterion reads, where its name
#: is not the column's.
_PICK_COLUMN = {"elbow": "inertia"}


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
        the quantity its rule uses: draw it as error bars) and
        ``prediction_strength`` (mean prediction strength).  NaN where a score is undefined (the
        silhouette, Calinski-Harabasz and Davies-Bouldin at k = 1) or its
        criterion was not run.
    picks : dict of str -> int or None
        Each criterion's k (None: it could not choose; see ``notes``).
    best_k : int
        The recommendation: the vote of :func:`consensus`.
    knee : int or None
        The elbow (Kneedle knee of the inertia curve), None without one.
    votes : dict of int -> int
        Number of criteria that picked each k (picks of 1 included).
    decision : Decision
        How the vote reached ``best_k``: its rule, the criteria that
        picked it, a tie and what broke it.
    strength_threshold : float
        The prediction strength a k had to reach (drawn in the plot).
    notes : list of str
        Things worth knowing: sampling, a missing knee, disagreement, ...
    models : dict of int -> KMeans
        The fitted model for each k (one fit per k, shared by all criteria).
    n_samples, n_features : int
        Shape of the data.
    """

    def __init__(
        self,
        *,
        ks: Sequence[int],
        methods: Sequence[str],
        table: dict[str, np.ndarray],
        picks: dict[str, int | None],
        best_k: int,
        knee: int | None,
        votes: dict[int, int],
        notes: list[str],
        models: dict[int, KMeans],
        n_samples: int,
        n_features: int,
        n_init: int,
        decision: Decision | None = None,
        strength_threshold: float = 0.8,
    ) -> None:
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
        self.decision = decide(picks, self.ks) if decision is None else decision
        self.strength_threshold = strength_threshold

    def __repr__(self) -> str:
        return f"ChooseKResult(best_k={self.best_k}, picks={self.picks!r})"

    def __str__(self) -> str:
        return self.report()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text view: the report."""
        printer.text(self.report())

    def _repr_html_(self) -> str:
        """The notebook view: the per-k table (the row of ``best_k``
        shaded, each criterion's pick in bold), the picks and the notes."""
        columns = [c for c in COLUMNS if not np.all(np.isnan(self.table[c]))]
        rows = [
            [k] + [number(self.table[c][i], 5) for c in columns] for i, k in enumerate(self.ks)
        ]
        picked = {
            (self.ks.index(pick), 1 + columns.index(_PICK_COLUMN.get(method, method)))
            for method, pick in self.picks.items()
            if pick in self.ks and _PICK_COLUMN.get(method, method) in columns
        }
        best = [self.ks.index(self.best_k)] if self.best_k in self.ks else []
        picks = fields(
            (
                method,
                f"{'-' if self.picks.get(method) is None else self.picks[method]}  "
                f"({RULES[method]})",
            )
            for method in self.methods
        )
        support = self.votes.get(self.best_k, 0)
        body = (
            f"<div>{self.n_samples} rows x {self.n_features} features, "
            f"k = {escape(_range_text(self.ks))}, n_init = {self.n_init}</div>"
            + table(["k", *columns], rows, marked_rows=best, marked_cells=picked)
            + picks
            + f"<div><b>best_k = {self.best_k}</b> "
            f"({support} of {len(self.methods)} criteria)</div>"
            + (bullet_list(self.notes) if self.notes else "")
        )
        return block("ChooseKResult", body)

    def report(self) -> str:
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
        width = max(len(m) for m in self.methods)
        for method in self.methods:
            pick = self.picks.get(method)
            lines.append(
                f"  {method:<{width}} {'-' if pick is None else pick:>4}   {RULES[method]}"
            )
        lines.append("")
        lines.append(f"best_k = {self.best_k}  ({self.explanation})")
        if self.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    @property
    def explanation(self) -> str:
        """How the vote reached ``best_k``, in one sentence."""
        return self.decision.explain(self.methods, self.picks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: best_k, knee, picks, ks, methods, table
        (NaN as None), votes (keys as strings), vote (the rule that
        decided, the supporting criteria, a tie and what broke it, the
        explanation) and notes."""
        d = self.decision
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
            "vote": {
                "rule": d.rule,
                "supporters": list(d.supporters),
                "tied": [int(k) for k in d.tied],
                "tie_breaker": d.tie_breaker,
                "explanation": self.explanation,
            },
            "notes": list(self.notes),
        }

    def plot(
        self, path: str | os.PathLike[str] | None = None, X: ArrayLike | None = None
    ) -> Figure:
        """The summary figure of :func:`vqkit.plot.choose_k_summary` (needs
        matplotlib); ``X`` adds a view of the data clustered with ``best_k``,
        ``path`` saves the figure."""
        from .. import plot

        return plot.choose_k_summary(self, X=X, path=path)


def _cell(value: float, width: int) -> str:
    if math.isnan(value):
        return "-".rjust(width)
    return f"{value:.5g}".rjust(width)


def _range_text(ks: Sequence[int]) -> str:
    if len(ks) > 2 and list(ks) == list(range(ks[0], ks[-1] + 1)):
        return f"{ks[0]}..{ks[-1]}"
    return ", ".join(str(k) for k in ks)
