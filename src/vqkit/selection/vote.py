"""The vote that turns the criteria's picks into ``best_k``."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from .criteria import METHODS

__all__ = ["consensus", "CAN_SAY_ONE", "TIE_ORDER"]

#: The criteria that can answer k = 1 (the others need two clusters to score).
CAN_SAY_ONE = ("gap", "heldout")

#: Order in which criteria break a tie of the vote (see :func:`consensus`).
TIE_ORDER = ("gap", "silhouette", "heldout", "calinski_harabasz", "davies_bouldin", "elbow")


def consensus(picks: Mapping[str, int | None], ks: Collection[int]) -> tuple[int, dict[int, int]]:
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
    votes: dict[int, int] = {}
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
            pick = picks.get(method)
            if pick is not None and pick in tied:
                return int(pick), votes
    return int(tied[0]), votes
