"""Exact power-of-two rescaling of data whose squared distances would
overflow or underflow its dtype.

Multiplying by a power of two changes no significant bit, so nearer stays
nearer exactly and every result of the scaled data, scaled back, is the
one of the unscaled data computed without overflow or underflow.  The
core scales whole data sets (:func:`vqkit.core.fit.fit_kmeans`); a backend
that assigns block by block (Dask) scales each block the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

#: Data whose largest magnitude lies outside [2**-300, 2**300] (float64; for
#: float32, [2**-37, 2**37]: the same share of its exponent range) is
#: scaled by a power of two: squared distances of such values would
#: overflow or underflow the data's dtype.  Float32 data is also scaled when
#: its smallest non-zero magnitude lies below that range, where squared
#: differences underflow float32 although float64 would hold them.
SAFE_MAGNITUDE = 2.0**300


def _safe_exponent(dtype: Any) -> int:
    """``e`` such that magnitudes in ``[2**-e, 2**e]`` of ``dtype`` need no
    scaling (300 for float64)."""
    return np.finfo(dtype).maxexp * 300 // 1024


def exact_scale(
    largest: float, dtype: Any = np.float64, count: int = 1, smallest: float = math.inf
) -> int:
    """The exponent ``e`` of the power of two ``2**e`` that the data is
    scaled by, or 0 when its magnitudes are safe for squared distances in
    ``dtype``.

    ``largest`` is the largest magnitude of the data, ``smallest`` its
    smallest non-zero magnitude (``inf``: not known, or no non-zero value;
    see :func:`needs_smallest`).  Scaled data has its largest magnitude
    near the top of the range in which ``count`` (the number of values)
    squared differences still sum without overflow, so that the smaller
    rows keep as many significant bits of their squared distances as the
    dtype allows.  ``2**e`` itself may not be representable.
    """
    safe = _safe_exponent(dtype)
    if largest == 0 or not np.isfinite(largest):
        return 0
    count = count if np.isfinite(count) and count >= 1 else 2**40
    target = (np.finfo(dtype).maxexp - 16 - int(np.ceil(np.log2(count)))) // 2
    exponent = target - math.frexp(largest)[1]
    if 2.0**-safe <= largest <= 2.0**safe:
        # ordinary largest magnitude: scale up only for tiny values beside it
        return max(exponent, 0) if smallest < 2.0**-safe else 0
    return exponent


def needs_smallest(largest: float, dtype: Any) -> bool:
    """Whether :func:`exact_scale` needs the smallest non-zero magnitude:
    for float32 (and narrower) data whose largest magnitude needs no
    scaling.  Float64 squared differences underflow only below what a
    float64 recomputation represents, so float64 data is never searched."""
    safe = _safe_exponent(dtype)
    return np.finfo(dtype).maxexp < 1024 and 2.0**-safe <= largest <= 2.0**safe


def scale_exponent(largest: float, smallest: Callable[[], float], dtype: Any, count: int) -> int:
    """:func:`exact_scale` of data of magnitudes ``largest`` and
    ``smallest()`` (called only when :func:`needs_smallest`)."""
    small = smallest() if needs_smallest(largest, dtype) else math.inf
    return exact_scale(largest, dtype, count, small)


def host_magnitudes(a: np.ndarray) -> tuple[float, float]:
    """Largest and smallest non-zero magnitude of a host array (``(0, inf)``
    when it has no non-zero value)."""
    magnitude = np.abs(np.asarray(a, dtype=np.float64))
    nonzero = magnitude[magnitude > 0]
    if not nonzero.size:
        return 0.0, math.inf
    return float(nonzero.max()), float(nonzero.min())
