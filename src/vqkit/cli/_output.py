"""What the commands write: checks that an output can be written (made
before any work), file errors (exit status 1), figures, JSON and the
number and table formats of the summaries."""

import contextlib
import errno
import json
import os
import sys
import warnings

import click


def _check_writable(path, option, allow_dash=False):
    """Fail early, as a usage error, when ``path`` cannot be written
    (``"-"``, standard output, is fine where ``allow_dash``).  A device or
    pipe must be writable itself; a file is replaced, so its directory (the
    directory of the file a symbolic link points to) must be."""
    if path == "-" and allow_dash:
        return
    if os.path.isdir(path):
        raise click.BadParameter(f"cannot write {path!r}: it is a directory", param_hint=option)
    if _is_special(path):
        if not os.access(path, os.W_OK):
            raise click.BadParameter(
                f"cannot write {path!r}: permission denied", param_hint=option
            )
        return
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        raise click.BadParameter(
            f"cannot write {path!r}: directory {directory!r} does not exist",
            param_hint=option,
        )
    if not os.access(directory, os.W_OK):
        raise click.BadParameter(
            f"cannot write {path!r}: directory {directory!r} is not writable",
            param_hint=option,
        )


def _is_special(path):
    """Whether ``path`` is written through (a device, pipe or socket, or
    ``/dev/stdout``), not replaced."""
    from ..io.atomic import written_through

    return written_through(path)


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def _check_outputs(outputs, inputs, force):
    """Refuse, as usage errors made before anything is read, an output that
    is the same file as an input (unless ``force``) or as another output.
    ``outputs`` and ``inputs`` are ``(path, name)`` pairs, the name being the
    option or argument that gave the path; None and ``"-"`` are skipped, and
    so are outputs that are devices or pipes (written through, they destroy
    nothing)."""
    named = [(p, o) for p, o in outputs if p is not None and p != "-" and not _is_special(p)]
    for i, (path, option) in enumerate(named):
        for other, other_option in named[:i]:
            if _same_file(path, other):
                raise click.BadParameter(
                    f"{_shown(path)} is also the {other_option} file: give each output "
                    "its own name",
                    param_hint=option,
                )
        if force:
            continue
        for source, what in inputs:
            if source is not None and source != "-" and _same_file(path, source):
                raise click.BadParameter(
                    f"{_shown(path)} is also the input {what}: writing it would destroy "
                    "the input; choose another name, or give --force to overwrite it",
                    param_hint=option,
                )


def _shown(path):
    text = repr(os.fspath(path))
    return text if len(text) <= 80 else text[:80] + "..."


def _check_plot_output(path):
    """``--plot PATH``: writable, and matplotlib installed."""
    import importlib.util

    _check_writable(path, "--plot")
    if importlib.util.find_spec("matplotlib") is None:
        raise click.ClickException(
            "--plot needs matplotlib; install it with pip install 'vqkit[plot]'."
        )


@contextlib.contextmanager
def _file_errors(path):
    """An OSError in the block (writing ``path``) becomes a file error
    naming ``path`` (exit status 1); a broken pipe is left to click."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        reason = exc.strerror or str(exc)
        if os.fspath(path) == "-":
            if not reason.startswith("standard output"):
                reason = f"cannot write to standard output: {reason}"
            raise click.ClickException(reason) from None
        raise click.ClickException(f"{os.fspath(path)}: cannot write the file: {reason}") from None


@contextlib.contextmanager
def _saving_plot(path):
    """Draw and save a figure to ``path`` in the block: matplotlib's warnings
    are silenced, a missing plotting library is a data error and an
    OSError a file error naming ``path``."""
    with _file_errors(path):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        except ImportError as exc:
            raise click.ClickException(str(exc)) from None


def _json_safe(value):
    """``value`` with NaN and infinities replaced by None (strict JSON)."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _json_out(document):
    """Print ``document`` as one line of strict JSON (an error when standard
    output is closed: the result would be lost)."""
    if sys.stdout is None or sys.stdout.closed:
        raise click.ClickException("cannot write to standard output: it is closed")
    click.echo(json.dumps(_json_safe(document), allow_nan=False))


def _float_list(A):
    import numpy as np

    return np.asarray(A, dtype=np.float64).tolist()


def _table_text(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths)) for row in [header] + rows]
    return "\n".join("  " + line for line in lines)


def _fmt_g(x):
    return f"{float(x):.6g}"


def _fmt_number(x, digits=2):
    import math

    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}f}"
