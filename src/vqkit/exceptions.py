"""Exceptions raised by vqkit."""


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


class ConvergenceWarning(UserWarning):
    """A fit ended in a state the user should know about (for example,
    fewer distinct clusters than asked for)."""
