"""Choosing the number of clusters: :func:`choose_k` and its result.

One call fits k-means once for every k of a range, scores the fits with six
criteria, lets each criterion pick a k, and combines the picks into one
recommendation (``best_k``), keeping the evidence: the per-k table, every
pick, and notes on anything the user should know (sampling, a missing knee,
disagreement).  The scores come from :mod:`vqkit.metrics` and
:mod:`vqkit.core` (``knee``, ``gap``, ``prediction_strength``); this package
validates the arguments, drives the fits and shapes the result:

* :mod:`~vqkit.selection.choose` -- :func:`choose_k`, the driver: one fit per k;
* :mod:`~vqkit.selection.criteria` -- the six criteria and their picks;
* :mod:`~vqkit.selection.vote` -- :func:`consensus`, the vote behind ``best_k``,
  and :func:`decide`, the same vote with its reason (a :class:`Decision`);
* :mod:`~vqkit.selection._params` -- the checks of the arguments, and
  :func:`largest_supported_k`, the most clusters a number of rows supports;
* :mod:`~vqkit.selection.result` -- :class:`ChooseKResult`: table, report, plot.
"""

from __future__ import annotations

from ._params import largest_supported_k
from .choose import choose_k
from .criteria import ALIASES, METHODS
from .result import COLUMNS, ChooseKResult
from .vote import Decision, consensus, decide

__all__ = [
    "choose_k",
    "ChooseKResult",
    "METHODS",
    "ALIASES",
    "COLUMNS",
    "consensus",
    "decide",
    "Decision",
    "largest_supported_k",
]
