"""The estimators' parameters: one table of constraints each, one checker.

Each table maps every constructor parameter of an estimator to the values
it accepts, as an :class:`Allowed` of constraints:

* ``Interval(Integral, 1)``: an integer >= 1; ``Interval(Real, 0)``: a
  number >= 0 (booleans are neither);
* ``Options(("lloyd", "hamerly"))``: one of these strings;
* ``NONE``, ``CALLABLE``, ``ARRAY``, ``BOOL``: None, a callable, an array
  (or a list of rows), True or False;
* ``UNCHECKED``: anything: a switch (``verbose``, ``copy_x``), a
  ``callback``, or a value checked where it is used (``random_state``, by
  ``vqkit.core.random.check_random_state``).

:func:`validate_params` checks an estimator's parameters against its
table at the start of ``fit``, in the table's order, and raises
``ValueError`` in one style: ``"<name> must be <what it accepts>, got
<value>."``  Checks that need the data (``n_clusters`` against the number
of rows, the shape of an ``init`` array) follow in
:mod:`vqkit.validation`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..core.bisecting import STRATEGIES
from ..core.fit import INITS, METRICS


class Constraint(ABC):
    """A set of accepted values that can say what it accepts."""

    @abstractmethod
    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is in the set."""

    @abstractmethod
    def describe(self) -> str:
        """The set, as the end of "<name> must be ..."."""


@dataclass(frozen=True)
class Interval(Constraint):
    """Numbers of type ``kind`` (``Integral`` or ``Real``) from ``low`` on,
    ``low`` included; booleans are not numbers here."""

    kind: type
    low: float

    def accepts(self, value: Any) -> bool:
        is_number = isinstance(value, self.kind) and not isinstance(value, (bool, np.bool_))
        return is_number and bool(value >= self.low)

    def describe(self) -> str:
        return f"{'an integer' if self.kind is Integral else 'a number'} >= {self.low}"


@dataclass(frozen=True)
class Options(Constraint):
    """One of the strings ``values``."""

    values: tuple[str, ...]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def describe(self) -> str:
        if len(self.values) == 1:
            return repr(self.values[0])
        return f"one of {self.values}"


@dataclass(frozen=True)
class _Test(Constraint):
    """The values that pass ``test``, described by ``description``."""

    test: Callable[[Any], bool]
    description: str

    def accepts(self, value: Any) -> bool:
        return bool(self.test(value))

    def describe(self) -> str:
        return self.description


def _shape(value: Any) -> tuple[int, ...]:
    """The shape of an array of any library; ``()`` for anything else
    (scalars included)."""
    return () if isinstance(value, str) else tuple(getattr(value, "shape", ()))


def _is_array(value: Any) -> bool:
    """Whether ``value`` looks like an array: a list or tuple (of rows), or
    an object with at least one dimension (NumPy, Dask, Array API arrays)."""
    return isinstance(value, (list, tuple)) or len(_shape(value)) > 0


NONE = _Test(lambda value: value is None, "None")
CALLABLE = _Test(callable, "a callable")
ARRAY = _Test(_is_array, "an array")
BOOL = _Test(lambda value: isinstance(value, (bool, np.bool_)), "True or False")


class Allowed:
    """The values one parameter accepts: those of any of ``constraints``
    (anything, when there is none).  ``note`` says why a likely value is
    refused; it ends the message."""

    def __init__(self, *constraints: Constraint, note: str = "") -> None:
        self.constraints = constraints
        self.note = note

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is allowed."""
        return not self.constraints or any(c.accepts(value) for c in self.constraints)

    def error(self, name: str, value: Any) -> ValueError:
        """The ``ValueError`` for ``name=value``, in the one message style."""
        described = [c.describe() for c in self.constraints]
        allowed = described[-1]
        if len(described) > 1:
            allowed = ", ".join(described[:-1]) + " or " + allowed
        note = f": {self.note}" if self.note else ""
        return ValueError(f"{name} must be {allowed}, got {_show(value)}{note}.")


#: Any value: checked where it is used, or a plain switch.
UNCHECKED = Allowed()


def _show(value: Any) -> str:
    """``value`` for a message: arrays by their shape, the rest by repr."""
    shape = _shape(value)
    return f"an array of shape {shape}" if shape else repr(value)


def validate_params(table: Mapping[str, Allowed], params: Mapping[str, Any]) -> None:
    """Check ``params`` (an estimator's ``get_params()``) against its
    ``table``, in the table's order; raise ``ValueError`` for the first
    value the table refuses."""
    for name, allowed in table.items():
        value = params[name]
        if not allowed.accepts(value):
            raise allowed.error(name, value)


_N_CLUSTERS = Allowed(Interval(Integral, 1))
_INIT = Allowed(Options(INITS), CALLABLE, ARRAY)
_N_INIT = Allowed(Options(("auto",)), Interval(Integral, 1))
_MAX_ITER = Allowed(Interval(Integral, 1))
_TOL = Allowed(Interval(Real, 0))

KMEANS: dict[str, Allowed] = {
    "n_clusters": _N_CLUSTERS,
    "init": _INIT,
    "n_init": _N_INIT,
    "max_iter": _MAX_ITER,
    "tol": _TOL,
    "verbose": UNCHECKED,
    "random_state": UNCHECKED,
    "copy_x": UNCHECKED,
    # "elkan" (scikit-learn's bound-based exact algorithm) runs vqkit's "hamerly"
    # where the backend has its bounds, "lloyd" otherwise
    "algorithm": Allowed(Options(("auto", "lloyd", "elkan", "hamerly"))),
    "empty_clusters": Allowed(Options(("relocate", "keep", "raise"))),
    "callback": UNCHECKED,
    "metric": Allowed(Options(METRICS)),
    "progress": Allowed(BOOL),
}

MINIBATCH: dict[str, Allowed] = {
    "n_clusters": _N_CLUSTERS,
    "init": _INIT,
    "max_iter": _MAX_ITER,
    "batch_size": Allowed(Interval(Integral, 1)),
    "verbose": UNCHECKED,
    "compute_labels": UNCHECKED,
    "random_state": UNCHECKED,
    "tol": _TOL,
    "max_no_improvement": Allowed(NONE, Interval(Integral, 0)),
    "init_size": Allowed(NONE, Interval(Integral, 1)),
    "n_init": _N_INIT,
    "reassignment_ratio": Allowed(Interval(Real, 0)),
    "callback": UNCHECKED,
    "progress": Allowed(BOOL),
}

BISECTING: dict[str, Allowed] = {
    "n_clusters": _N_CLUSTERS,
    "init": Allowed(
        Options(INITS),
        CALLABLE,
        note="arrays are not accepted, since every split seeds two centres from its own rows",
    ),
    "n_init": Allowed(Interval(Integral, 1)),
    "random_state": UNCHECKED,
    "max_iter": _MAX_ITER,
    "verbose": UNCHECKED,
    "tol": _TOL,
    "copy_x": UNCHECKED,
    # "elkan" (scikit-learn's bound-based exact algorithm) runs vqkit's "hamerly"
    "algorithm": Allowed(Options(("lloyd", "elkan", "hamerly"))),
    "bisecting_strategy": Allowed(Options(STRATEGIES)),
}
