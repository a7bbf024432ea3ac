"""What the commands write: checks that an output can be written (made
before any work), file errors (exit status 1), figures, JSON and the
number and table formats of the summaries."""

import contextlib
import json
import os
import warnings

import click


def _check_writable(path, option, allow_dash=False):
    """Fail early, as a usage error, when ``path`` cannot be written
    (``"-"``, standard output, is fine where ``allow_dash``)."""
    if path == "-" and allow_dash:
        return
    if os.path.isdir(path):
        raise click.BadParameter(
            f"cannot write {path!r}: it is a directory", param_hint=option
        )
    directory = os.path.dirname(os.path.abspath(path))
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
    """An OSError in the block becomes a file error naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None


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
    """Print ``document`` as one line of strict JSON."""
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
