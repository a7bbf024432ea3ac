"""Exceptions raised by vqkit.

``ConvergenceWarning`` is built on first use (the name is looked up lazily,
see :func:`convergence_warning`): a subclass of scikit-learn's warning of the
same name when scikit-learn is importable, so scikit-learn's warning filters
and ``pytest.warns`` catch vqkit's too, without ``import vqkit`` importing
scikit-learn.
"""

from __future__ import annotations

from functools import cache
from typing import Any


class ClusterError(Exception):
    """An ``Exception`` raised during clustering.

    Raised by :func:`vqkit.kmeans2` with ``missing='raise'`` when a cluster
    ends an iteration with no members.
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``.

    Derives from ``ValueError`` and ``AttributeError``, like scikit-learn's
    exception of the same name, so code catching either keeps working.
    """


class _ConvergenceWarning(UserWarning):
    """A fit ended in a state the user should know about (for example,
    fewer distinct clusters than asked for)."""


@cache
def convergence_warning() -> type[UserWarning]:
    """vqkit's ``ConvergenceWarning`` class, the same one for the whole
    process: a subclass of scikit-learn's ``ConvergenceWarning`` (imported
    here, on first use) when scikit-learn is installed, else of
    ``UserWarning`` only."""
    try:
        from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
    except ImportError:
        return type(
            "ConvergenceWarning",
            (_ConvergenceWarning,),
            {"__module__": __name__, "__doc__": _ConvergenceWarning.__doc__},
        )
    return type(
        "ConvergenceWarning",
        (_ConvergenceWarning, SklearnConvergenceWarning),
        {"__module__": __name__, "__doc__": _ConvergenceWarning.__doc__},
    )


def __getattr__(name: str) -> Any:
    if name == "ConvergenceWarning":
        return convergence_warning()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
