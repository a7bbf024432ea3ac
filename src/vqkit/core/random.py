"""Random number generators, resolved exactly as SciPy's k-means does."""

from __future__ import annotations

import numbers
from typing import Any, cast

import numpy as np


def check_random_state(seed: Any) -> np.random.RandomState | np.random.Generator:
    """Turn ``seed`` into a ``RandomState`` or ``Generator`` (legacy rules).

    ``None`` (or the ``np.random`` module) gives NumPy's global
    ``RandomState``, an integer a new ``RandomState(seed)``, and a
    ``RandomState`` or ``Generator`` is used as it is.
    """
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, (numbers.Integral, np.integer)):
        return np.random.RandomState(cast(int, seed))
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    raise ValueError(f"'{seed}' cannot be used to seed a numpy.random.RandomState instance")


def rng_argument(fname: str, rng: Any, seed: Any) -> Any:
    """Combine SciPy-style ``rng=`` and legacy ``seed=`` into one argument.

    The result goes to :func:`check_random_state` when random numbers are
    actually needed (so an unused ``seed`` is never validated, as in SciPy):

    * ``rng`` given: normalised now by ``np.random.default_rng`` (an integer
      starts a new PCG64 stream, a ``Generator`` is used as is);
    * ``seed`` given: kept for the legacy rules of :func:`check_random_state`;
    * neither: ``None``, NumPy's global ``RandomState``, so
      ``np.random.seed(...)`` makes results reproducible, as with SciPy.
    """
    if rng is not None and seed is not None:
        raise TypeError(
            f"{fname}() got multiple values for argument now known as `rng`. "
            "Specify one of `rng` or `seed`."
        )
    if rng is not None:
        return np.random.default_rng(rng)
    return seed


def random_integer(rng: Any, high: int) -> Any:
    """One integer in ``[0, high)``, drawn as SciPy's ``rng_integers`` does."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(high, high=None, size=None, dtype="int64", endpoint=False)
    return rng.randint(high, high=None, size=None, dtype="int64")
