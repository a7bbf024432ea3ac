"""The vote that turns the criteria's picks into ``best_k``, and its
explanation in words."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence

from .criteria import METHODS

__all__ = ["consensus", "decide", "Decision", "CAN_SAY_ONE", "TIE_ORDER"]

#: The criteria that can answer k = 1 (the others need two clusters to score).
CAN_SAY_ONE = ("gap", "prediction_strength")

#: Order in which criteria break a tie of the vote (see :func:`consensus`).
TIE_ORDER = (
    "gap",
    "silhouette",
    "prediction_strength",
    "calinski_harabasz",
    "davies_bouldin",
    "elbow",
)


@dataclasses.dataclass(frozen=True)
class Decision:
    """How the vote of :func:`decide` reached ``best_k``.

    Attributes
    ----------
    best_k : int
        The recommendation.
    votes : dict of int -> int
        Number of criteria that picked each k (a pick of 1 counts too).
    supporters : tuple of str
        The criteria whose pick is ``best_k``.
    rule : {"no structure", "most votes", "tie", "no votes"}
        Which step of the vote decided.
    tied : tuple of int
        The k that tied for the most votes (rule ``"tie"``), else empty.
    tie_breaker : str or None
        The criterion whose pick broke the tie (the first of
        :data:`TIE_ORDER` that picked one of ``tied``).
    """

    best_k: int
    votes: dict[int, int]
    supporters: tuple[str, ...]
    rule: str
    tied: tuple[int, ...] = ()
    tie_breaker: str | None = None

    def explain(self, methods: Sequence[str], picks: Mapping[str, int | None]) -> str:
        """One sentence: how many of ``methods`` picked ``best_k``, and why it won."""
        count = f"{len(self.supporters)} of {len(methods)} criteria"
        who = f"{count}: {', '.join(self.supporters)}" if self.supporters else count
        if self.rule == "no structure":
            return (
                f"{who}; every criterion able to say 1 says so, and the others "
                "cannot pick 1: they need two clusters to score"
            )
        if self.rule == "most votes":
            return f"{who}; the most-voted k"
        if self.rule == "tie":
            others = [
                f"k = {k} ({', '.join(m for m in methods if picks.get(m) == k)})"
                for k in self.tied
                if k != self.best_k
            ]
            return (
                f"{who}; tied with {' and '.join(others)}, broken by {self.tie_breaker}, "
                f"first of the tie order {', '.join(TIE_ORDER)}"
            )
        if self.best_k == 1 and self.supporters:
            return f"{who}; no criterion picked a k above 1"
        return "no criterion could choose; the smallest k tried"


def decide(picks: Mapping[str, int | None], ks: Collection[int]) -> Decision:
    """``best_k`` from the criteria's picks by the vote of :func:`consensus`,
    with the reason (a :class:`Decision`)."""
    votes: dict[int, int] = {}
    for method in METHODS:
        k = picks.get(method)
        if k is not None:
            votes[k] = votes.get(k, 0) + 1

    def decision(
        best: int, rule: str, tied: tuple[int, ...] = (), tie_breaker: str | None = None
    ) -> Decision:
        supporters = tuple(m for m in METHODS if picks.get(m) == best)
        return Decision(int(best), votes, supporters, rule, tied, tie_breaker)

    run_one = [m for m in CAN_SAY_ONE if m in picks]
    if 1 in ks and run_one and all(picks[m] == 1 for m in run_one):
        return decision(1, "no structure")
    above_one = {k: v for k, v in votes.items() if k >= 2}
    if not above_one:
        one = any(picks.get(m) == 1 for m in CAN_SAY_ONE)
        return decision(1 if one else int(min(ks)), "no votes")
    top = max(above_one.values())
    tied = [k for k, v in above_one.items() if v == top]
    if len(tied) > 1:
        for method in TIE_ORDER:
            pick = picks.get(method)
            if pick is not None and pick in tied:
                return decision(pick, "tie", tied=tuple(sorted(tied)), tie_breaker=method)
    return decision(tied[0], "most votes")


def consensus(picks: Mapping[str, int | None], ks: Collection[int]) -> tuple[int, dict[int, int]]:
    """``best_k`` from the criteria's picks: the documented vote.

    1. **No structure.**  If k = 1 is in ``ks`` and every criterion able to
       answer 1 that was run (``gap``, ``prediction_strength``) answered 1,
       the answer is 1: the other criteria cannot say 1, so their picks are
       no evidence against it.
    2. **Plurality.**  Otherwise each pick >= 2 is one vote and the k with
       the most votes wins; a tie goes to the tied k picked by the first
       criterion of :data:`TIE_ORDER` (gap, silhouette, prediction
       strength, Calinski-Harabasz, Davies-Bouldin, elbow).
    3. **No votes** (no pick above 1): the k that the criteria able to say
       1 chose (1), otherwise the smallest k of the range.

    Returns ``(best_k, votes)``, ``votes`` a dict k -> number of criteria
    that picked it (picks of 1 included).  :func:`decide` also says which
    step decided and who supported it.

    Examples
    --------
    >>> consensus({"elbow": 3, "silhouette": 3, "gap": 4, "prediction_strength": 3}, range(1, 6))
    (3, {3: 3, 4: 1})
    >>> consensus({"silhouette": 2, "gap": 1, "prediction_strength": 1}, [1, 2, 3])
    (1, {2: 1, 1: 2})
    """
    result = decide(picks, ks)
    return result.best_k, result.votes
