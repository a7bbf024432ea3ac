"""Progress bars with an ETA for long work, in one place: ``progress=True``
of the estimators and of :func:`vqkit.choose_k`, and the command line's bars.

The bars are click's (click is a dependency of vqkit for its command line).
A :class:`ProgressBar` counts units of work (Lloyd iterations, steps of
mini-batch k-means, fits of ``choose_k``) and shows the fraction done, the
current step and, after a second, the estimated time left.

* In the library (``progress=True``) the bar is drawn on ``sys.stderr``
  whatever it is (a terminal, a notebook, a file: the user asked for it),
  and only once the work has lasted :data:`DELAY_SECONDS`: a fit that ends
  sooner prints nothing.  Without ``progress=True`` nothing is ever drawn.
* The command line passes ``sys.stderr`` as it is and no delay (click then
  draws the bar on a terminal and only the label elsewhere; the command
  shows no bar at all when stderr is not a terminal or with ``--quiet``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

#: A library bar appears only once the work has lasted this many seconds.
DELAY_SECONDS = 1.0


#: The terminal codes click writes around a bar to hide the cursor.
_CURSOR_CODES = ("\x1b[?25l", "\x1b[?25h")


class _AlwaysDrawn:
    """A text stream that answers yes to ``isatty``, so that click draws
    the bar (with carriage returns) on a stream that is not a terminal:
    a notebook's output, a file or a test's buffer (without the codes that
    hide a terminal's cursor, which mean nothing there)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        try:
            self._terminal = bool(stream.isatty())
        except (AttributeError, ValueError):
            self._terminal = False

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not self._terminal:
            for code in _CURSOR_CODES:
                text = text.replace(code, "")
        return self._stream.write(text)

    def flush(self) -> None:
        flush = getattr(self._stream, "flush", None)
        if flush is not None:
            flush()


class ProgressBar:
    """A bar of ``total`` units of work labelled ``label``.

    Parameters
    ----------
    label, total
        What the bar shows and how many units make it full.
    stream
        Where it is drawn; None: ``sys.stderr`` (the one in place now), drawn
        even when it is not a terminal.  A stream given explicitly is handed
        to click as it is (click draws only the label where it is not a
        terminal), as the command line wants.
    delay
        Seconds of work before the bar first appears; None:
        :data:`DELAY_SECONDS` for ``sys.stderr``, 0 for an explicit stream.
    """

    def __init__(
        self,
        label: str,
        total: int,
        *,
        stream: IO[str] | None = None,
        delay: float | None = None,
    ) -> None:
        self.label = label
        self.total = max(int(total), 1)
        if stream is None:
            self._file: Any = _AlwaysDrawn(sys.stderr)
            self._delay = DELAY_SECONDS if delay is None else delay
        else:
            self._file = stream
            self._delay = 0.0 if delay is None else delay
        self._started = time.time()
        self._position = 0
        self._message: str | None = None
        self._bar: Any = None
        self._closed = False
        if self._delay <= 0:
            self._open()

    def _open(self) -> None:
        import click  # here, so that `import vqkit` does not import click

        self._bar = click.progressbar(
            length=self.total,
            label=self.label,
            file=self._file,
            show_eta=True,
            item_show_func=lambda message: message,
        )
        self._bar.start = self._started  # the ETA counts the work before the bar
        self._bar.__enter__()

    def set_total(self, total: int) -> None:
        """Change the number of units that make the bar full."""
        self.total = max(int(total), 1)
        if self._bar is not None:
            self._bar.length = self.total

    def advance(self, units: int = 1, message: str | None = None) -> None:
        """Count ``units`` more units done; ``message`` describes the step."""
        self.advance_to(self._position + units, message)

    def advance_to(self, position: int, message: str | None = None) -> None:
        """Count ``position`` units done in all (never backwards)."""
        if self._closed:
            return
        self._position = max(self._position, int(position))
        if message is not None:
            self._message = message
        if self._bar is None:
            if time.time() - self._started < self._delay:
                return
            self._open()
        if self._position > self._bar.pos or message is not None:
            self._bar.update(self._position - self._bar.pos, message)

    def close(self, complete: bool = True) -> None:
        """End the bar (full when ``complete``); later calls do nothing."""
        if self._closed:
            return
        if complete:
            self.advance_to(self.total)
        self._closed = True
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.close(complete=kind is None)


def lloyd_callback(bar: ProgressBar, max_iter: int, runs: int) -> Callable[[Any], None]:
    """A ``callback`` of k-means fits (it receives each iteration's
    ``IterationStats``) that moves ``bar``: one unit per Lloyd iteration of
    ``runs`` runs of at most ``max_iter`` iterations; a run that converges
    early jumps to its end when the next one starts."""
    state = {"run": 0}

    def callback(stats: Any) -> None:
        if stats.iteration == 0:
            state["run"] += 1
            bar.advance_to((state["run"] - 1) * max_iter)
        run = f"run {state['run']}/{runs}, " if runs > 1 else ""
        bar.advance(1, f"{run}iteration {stats.iteration + 1}, inertia {stats.inertia:.6g}")

    return callback


def chained(
    first: Callable[[Any], Any] | None, then: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """A callback calling ``first`` (the user's, whose answer is kept: True
    stops a fit) and then ``then``."""

    def both(stats: Any) -> Any:
        answer = first(stats) if first is not None else None
        then(stats)
        return answer

    return both
