"""Writing files safely: a regular file is replaced by a complete new one or
not at all; a device or pipe is written through; a symbolic link keeps
pointing where it did."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

#: Signals that end the process by default and, during a replacement, first
#: remove the temporary file (SIGINT does so through KeyboardInterrupt).
_TERMINATING = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], object], suffix: str = ""
) -> str:
    """Call ``write(fh)`` on a binary file that becomes ``path``.

    * A new path or an existing regular file: ``write`` fills a temporary
      file beside it, which is then renamed over it, so that the file is
      only ever replaced by a complete one, and a failure (an exception,
      Ctrl-C, SIGTERM, SIGHUP) leaves no temporary file behind.  An existing
      file keeps its permissions; a new one gets the usual ones (``0o666``
      minus the umask).
    * A symbolic link: the file it points to is written as above; the link
      stays.
    * A device, FIFO or socket (``/dev/null``, a terminal, a named pipe):
      written through, as the shell's ``>`` does, never replaced; a full
      device fails with ``OSError`` (``ENOSPC``).
    * A name of one of the process's open file descriptors (``/dev/stdout``,
      ``/dev/fd/N``): written to that descriptor, at its offset (after
      what the process printed, standard output and error being flushed
      first), whatever file is behind it.

    Returns ``path``.
    """
    path = os.fspath(path)
    descriptor = _descriptor_of(path)
    if descriptor is not None:
        # written at the descriptor's own offset, after what was printed
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and not stream.closed:
                stream.flush()
        with os.fdopen(os.dup(descriptor), "wb") as fh:
            write(fh)
        return path
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as fh:
            write(fh)
        return path
    target = os.path.realpath(path)
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        permissions = 0o666 & ~umask
    else:
        permissions = stat.S_IMODE(mode)
    with _terminating_signals_raise():
        fd, tmp = tempfile.mkstemp(prefix=".vqkit-", suffix=suffix, dir=os.path.dirname(target))
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.chmod(tmp, permissions)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return path


def written_through(path: str | os.PathLike[str]) -> bool:
    """Whether :func:`atomic_write` writes ``path`` through (a device, pipe
    or socket, or a name of an open file descriptor) rather than replacing
    it."""
    path = os.fspath(path)
    if _descriptor_of(path) is not None:
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path)
    except OSError:
        return False


def _descriptor_of(path):
    """The open file descriptor of this process that ``path`` names through
    its symbolic links (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``),
    or None."""
    for _ in range(40):
        absolute = os.path.abspath(path)
        directory = os.path.realpath(os.path.dirname(absolute))
        name = os.path.basename(absolute)
        if directory in (f"/proc/{os.getpid()}/fd", "/proc/self/fd") and name.isdigit():
            return int(name)
        if not os.path.islink(absolute):
            return None
        path = os.path.join(os.path.dirname(absolute), os.readlink(absolute))
    return None


class _Terminated(BaseException):
    """Raised by the handler of a terminating signal, so that clean-up
    code runs before the process ends."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


@contextlib.contextmanager
def _terminating_signals_raise() -> Iterator[None]:
    """In the block, SIGTERM and SIGHUP raise :class:`_Terminated` (where
    they would end the process: in the main thread, with their default
    action); after the block has cleaned up, the signal is sent again with
    its default action, so the process ends as it would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in _TERMINATING:
        if signal.getsignal(signum) == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _raise_terminated)
    try:
        yield
    except _Terminated as exc:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        previous = {}
        os.kill(os.getpid(), exc.signum)
        raise  # only where the signal did not end the process
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
