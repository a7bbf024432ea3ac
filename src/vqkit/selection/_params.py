"""Checking the arguments of :func:`vqkit.choose_k`."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..core.gap import REFERENCES
from .criteria import ALIASES, METHODS


def largest_supported_k(n: int) -> int:
    """The largest k that ``n`` rows support: ``n // 2`` (at least 1).

    Above it the clusters average fewer than two rows: a cluster of one row
    has no spread to score (its silhouette is 0 by convention), prediction
    strength is undefined (a half of the rows cannot hold k clusters), and
    the fits only cost time.  :func:`vqkit.choose_k` and ``vqkit choose-k``
    both drop larger k, with a note.
    """
    return max(1, n // 2)


def supported_ks(ks: tuple[int, ...], n: int, notes: list[str]) -> tuple[int, ...]:
    """``ks`` without the k above :func:`largest_supported_k` (a note says
    so); a ``ValueError`` when none is left."""
    limit = largest_supported_k(n)
    kept = tuple(k for k in ks if k <= limit)
    if not kept:
        raise ValueError(
            f"every k tried ({ks[0]}..{ks[-1]}) is above {limit}, the most that {n} rows "
            "support (each cluster needs two rows on average); try k from 1 to "
            f"{limit}."
        )
    if len(kept) < len(ks):
        notes.append(
            f"k above {limit} was not tried: {n} rows support at most {limit} clusters "
            "(two rows per cluster on average)"
        )
    return kept


def method_name(name: Any) -> str:
    """The criterion that ``name`` names: one of :data:`METHODS`, an alias
    of :data:`ALIASES`, in any case, with ``-`` or spaces for ``_``; a
    ``ValueError`` listing the names otherwise."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if not isinstance(name, str) or key not in METHODS:
        raise ValueError(f"unknown method {name!r}; valid methods are: {', '.join(METHODS)}.")
    return key


def check_ks(k: Any, n: int) -> tuple[int, ...]:
    """The distinct k to try, increasing; ``k`` an integer K means ``1..K``."""
    if _is_integer(k):
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
        if not _is_integer(v):
            raise ValueError(f"k must contain integers only, got {v!r}.")
        if v < 1:
            raise ValueError(f"k must contain numbers >= 1, got {int(v)}.")
        if v > n:
            raise ValueError(
                f"k = {int(v)} is larger than the number of rows of X ({n}); "
                "each cluster needs at least one row."
            )
    return tuple(sorted({int(v) for v in values}))


def check_methods(methods: Any) -> tuple[str, ...]:
    """The criteria to run, in :data:`METHODS` order (all by default);
    aliases (:data:`ALIASES`) are accepted."""
    if methods is None:
        return METHODS
    if isinstance(methods, str):
        methods = [methods]
    methods = [method_name(m) for m in methods]
    if not methods:
        raise ValueError(f"methods is empty; choose from: {', '.join(METHODS)}.")
    return tuple(m for m in METHODS if m in methods)


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` as an int; a ``ValueError`` naming ``name`` unless it is an
    integer >= ``low``."""
    if not _is_integer(value) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def check_params(
    n_references: Any,
    reference: Any,
    knee_sensitivity: Any,
    strength_threshold: Any,
    heldout_repeats: Any,
    silhouette_rows: Any,
    gap_rows: Any,
    heldout_rows: Any,
    max_iter: Any,
    progress: Any,
) -> None:
    """Raise a ``ValueError`` for the first invalid option."""
    check_int("n_references", n_references, 1)
    check_int("heldout_repeats", heldout_repeats, 1)
    check_int("silhouette_rows", silhouette_rows, 2)
    check_int("max_iter", max_iter, 1)
    if gap_rows is not None:
        check_int("gap_rows", gap_rows, 2)
    if heldout_rows is not None:
        check_int("heldout_rows", heldout_rows, 4)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}.")
    if not _is_real(knee_sensitivity) or not knee_sensitivity >= 0:
        raise ValueError(f"knee_sensitivity must be a number >= 0, got {knee_sensitivity!r}.")
    if not _is_real(strength_threshold) or not 0 < strength_threshold <= 1:
        raise ValueError(
            f"strength_threshold must be a number in (0, 1], got {strength_threshold!r}."
        )
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise ValueError(
            "progress must be None, True/False or a callable progress(done, total, message)."
        )


def _is_integer(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), not a bool."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    """Whether ``value`` is a real number (``numbers.Real``: int, float, NumPy
    scalars, ...)."""
    return isinstance(value, numbers.Real)
