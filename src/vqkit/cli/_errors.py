"""How a command ends when something fails, decided in one place.

* Usage errors (exit status 2) and the messages the commands raise
  themselves (exit status 1) are click's exceptions, shown as click shows
  them.
* A problem with the input or the machine -- a ``ValueError`` (the
  library's error for data it cannot use, :class:`vqkit.io.DataFileError`
  among them), an ``OSError`` (a file, a full disk), numbers beyond the
  floating-point range, input that ends too early or is nested too deeply,
  not enough memory -- is
  one line on stderr and exit status 1.
* Anything else is a bug in vqkit: one line that says so, and exit status
  :data:`INTERNAL_ERROR`.

With ``--debug`` (or ``VQKIT_DEBUG=1``) no exception is translated: Python
prints its traceback.  A broken pipe and Ctrl-C are left to click.
"""

from __future__ import annotations

import errno
import io
import os
import sys

import click

#: Exit status of an internal error (sysexits.h's EX_SOFTWARE).
INTERNAL_ERROR = 70
#: The environment variable that turns ``--debug`` on.
DEBUG_ENV = "VQKIT_DEBUG"
#: The longest message shown; a longer one is cut short.
_MESSAGE_CHARS = 1000


class InternalError(click.ClickException):
    """An exception that no input should cause: a bug in vqkit."""

    exit_code = INTERNAL_ERROR


def one_line(text: str) -> str:
    """``text`` on one line of at most :data:`_MESSAGE_CHARS` characters."""
    text = " ".join(text.split())
    if len(text) > _MESSAGE_CHARS:
        text = text[:_MESSAGE_CHARS] + "... (message cut short)"
    return text


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def user_message(exc: BaseException) -> str | None:
    """The message for an exception that is about the input or the machine
    (exit status 1), or None for one that is a bug."""
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, ValueError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, (OverflowError, FloatingPointError)):
        detail = exc.args[-1] if exc.args and isinstance(exc.args[-1], str) else str(exc)
        return f"a number is out of the floating-point range: {detail}"
    if isinstance(exc, EOFError):
        return f"the input ends too early ({exc})" if str(exc) else "the input ends too early"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to be read"
    if isinstance(exc, MemoryError):
        return "not enough memory for this input"
    return None


def _settle_stdout() -> None:
    """Flush standard output; when that fails (a full disk, a closed pipe),
    send what is left to the null device, so that Python's own flush at
    exit does not fail again with a second message."""
    out = sys.stdout
    if out is None or out.closed:
        return
    try:
        out.flush()
    except OSError:
        try:
            fd = out.fileno()
        except (OSError, ValueError, io.UnsupportedOperation):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


class Group(click.Group):
    """The ``vqkit`` group: runs a command and turns what it raises into a
    one-line message and an exit status (see the module's documentation)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
            out = sys.stdout
            if out is not None and not out.closed:
                out.flush()
            return result
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE or _debug(ctx):
                raise
            raise click.ClickException(one_line(_os_message(exc))) from None
        except Exception as exc:
            if _debug(ctx):
                raise
            message = user_message(exc)
            if message is not None:
                raise click.ClickException(one_line(message)) from None
            raise InternalError(
                one_line(
                    f"internal error ({type(exc).__name__}: {exc}); this is a bug in vqkit, "
                    f"please report it with the traceback that --debug (or {DEBUG_ENV}=1) shows"
                )
            ) from None
        finally:
            _settle_stdout()


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.params.get("debug"))
