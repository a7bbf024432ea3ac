"""What a command shows on stderr while it works: progress bars (only on a
terminal) and the library's warnings (each message once)."""

import contextlib
import sys
import warnings

import click

from .._progress import ProgressBar, lloyd_callback


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something odd
        return False


def _stderr_is_terminal():
    """Whether progress bars can be drawn (a function so tests can say yes)."""
    return _is_terminal(sys.stderr)


def _show_progress(quiet):
    return not quiet and _stderr_is_terminal()


def _echo_warnings(caught, quiet):
    if quiet:
        return
    seen = set()
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue
        message = str(w.message)
        if message not in seen:
            seen.add(message)
            click.echo(f"Warning: {message}", err=True)


@contextlib.contextmanager
def _warnings_reported(quiet):
    """Record the warnings raised in the block and print them on stderr
    once it ends (unless ``quiet``); a block that fails prints none."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    _echo_warnings(caught, quiet)


def _n_runs(init, n_init):
    """The number of k-means runs ``n_init`` asks for (``auto``: 10 for
    random seeding, else 1)."""
    if n_init != "auto":
        return n_init
    return 10 if init == "random" else 1


@contextlib.contextmanager
def _kmeans_progress(enabled, label, runs, max_iter):
    """A progress bar on stderr fed by a KMeans ``callback``: yields the
    callback (None when the bar is off).  One unit per Lloyd iteration; a
    run that converges early jumps to its end."""
    if not enabled:
        yield None
        return
    with ProgressBar(label, runs * max_iter, stream=sys.stderr) as bar:
        yield lloyd_callback(bar, max_iter, runs)


def _choose_k_progress(enabled):
    """A progress bar for :func:`vqkit.choose_k`: returns ``(progress,
    close)``, ``progress(done, total, message)`` being its ``progress=``
    callable (None when the bar is off)."""
    if not enabled:
        return None, lambda: None
    bar = ProgressBar("choosing k", 1, stream=sys.stderr)

    def progress(done, total, message=None):
        bar.set_total(total)
        bar.advance_to(done, message)

    return progress, lambda: bar.close(complete=False)
