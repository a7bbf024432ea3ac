"""Writing files safely: a complete new file or none at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object],
                 suffix: str = "") -> str:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it
    over ``path``.

    An existing file is replaced only by a complete one, and a failure
    leaves no temporary file behind.  The new file gets the usual
    permissions (``0o666`` minus the umask), not ``mkstemp``'s private ones.
    Returns ``path``.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".vqkit-", suffix=suffix, dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
