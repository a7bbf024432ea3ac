"""Exceptions raised by vqkit."""


class ClusterError(Exception):
    """An ``Exception`` raised during clustering.

    Raised by :func:`vqkit.kmeans2` with ``missing='raise'`` when a cluster
    ends an iteration with no members.
    """
