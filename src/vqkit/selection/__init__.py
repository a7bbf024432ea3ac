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
* :mod:`~vqkit.selection.vote` -- :func:`consensus`, the vote behind ``best_k``;
* :mod:`~vqkit.selection.result` -- :class:`ChooseKResult`: table, report, plot.
"""

from __future__ import annotations

from .choose import choose_k
from .criteria import METHODS
from .result import COLUMNS, ChooseKResult
from .vote import consensus

__all__ = ["choose_k", "ChooseKResult", "METHODS", "COLUMNS", "consensus"]
