"""Reading FILE for the data commands (cluster, choose-k, train-codebook,
encode, decode), and the checks and scaling applied to what was read."""

import contextlib
import sys

import click

from ._terminal import _is_terminal


@contextlib.contextmanager
def _data_errors():
    """Turn the I/O layer's errors into exit statuses: a bad ``--columns`` or
    ``--key`` value is a usage error (2); anything about the file is a data
    error (1)."""
    from ..io import DataFileError

    try:
        yield
    except DataFileError as exc:
        if exc.option:
            raise click.BadParameter(str(exc), param_hint=f"--{exc.option}") from None
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _missing_or_denied(name):
    """A file that is not there or may not be read, in the block, is a data
    error (exit status 1) naming it as ``name``."""
    try:
        yield
    except FileNotFoundError:
        raise click.ClickException(f"{name}: no such file.") from None
    except PermissionError:
        raise click.ClickException(f"{name}: permission denied.") from None


def _read(path, columns, key, delimiter, header, missing, quiet, max_expanded_size=None):
    """The :class:`vqkit.io.Table` of FILE; dropped rows are reported on
    stderr (unless ``quiet``).  ``--decimal`` and ``--id-column`` come from
    the click context (see ``_options._input_options``)."""
    from ..io import read_data

    meta = click.get_current_context().meta
    if path == "-" and not quiet and _stdin_is_terminal():
        click.echo("Reading data from standard input; end it with Ctrl-D.", err=True)
    with _data_errors():
        try:
            table = read_data(
                path,
                columns=columns,
                key=key,
                delimiter=delimiter,
                header=header,
                missing=missing,
                stdin=_stdin(),
                max_expanded_size=max_expanded_size,
                decimal=meta.get("vqkit.decimal", "."),
                id_column=meta.get("vqkit.id_column"),
            )
        except MemoryError:
            raise click.ClickException(
                f"{path}: not enough memory to read it (for text, convert it to .npy, "
                "which is read memory-mapped)"
            ) from None
    if table.n_dropped and not quiet:
        unit = "line" if table.format == "text" else "row"
        shown = ", ".join(str(n) for n in table.dropped)
        more = ", ..." if table.n_dropped > len(table.dropped) else ""
        click.echo(
            f"Dropped {table.n_dropped} row{'s' if table.n_dropped != 1 else ''} with "
            f"missing values ({unit}{'s' if table.n_dropped != 1 else ''} {shown}{more}).",
            err=True,
        )
    return table


def _stdin():
    """Standard input as bytes (None when it is closed)."""
    return getattr(sys.stdin, "buffer", sys.stdin)


def _stdin_is_terminal():
    return _is_terminal(sys.stdin)


def _check_k_rows(k, table, what="k"):
    n = table.X.shape[0]
    if k > n:
        raise click.ClickException(
            f"{table.path}: {what}={k} is more than the number of rows ({n}); "
            f"use a k between 1 and {n}."
        )


def _check_scaling(standardize, whiten):
    if standardize and whiten:
        raise click.UsageError("use either --standardize or --whiten, not both.")


def _scaling_of(X, standardize, whiten):
    """``(mean, scale)`` per column of ``X`` for ``--standardize`` (mean and
    standard deviation) or ``--whiten`` (zeros and standard deviation), or
    ``(None, None)``.  A constant column gets the scale 1."""
    import numpy as np

    if not (standardize or whiten):
        return None, None
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    mean = X.mean(axis=0) if standardize else np.zeros(X.shape[1])
    return mean, std


def _scale(X, standardize, whiten):
    """``(X_scaled, undo)``: standardise (centre, unit variance) or whiten
    (unit variance) the columns; ``undo`` maps centres back to the input's
    units.  Constant columns are left unscaled."""
    import numpy as np

    mean, std = _scaling_of(X, standardize, whiten)
    if mean is None:
        return X, lambda C: C
    scaled = (np.asarray(X, dtype=np.float64) - mean) / std
    return scaled, lambda C: np.asarray(C, dtype=np.float64) * std + mean


def _read_summary(table):
    """One line on how FILE was read: its header decision, the id column
    and the rows dropped (empty for binary files without them)."""
    parts = []
    if table.format == "text":
        parts.append(f"header: {table.header_reason}")
    if table.id_column is not None:
        parts.append(f"row ids from column {_name_of(table.id_column)}")
    if table.n_dropped:
        parts.append(f"{table.n_dropped} row{'s' if table.n_dropped != 1 else ''} dropped")
    return "; ".join(parts)


def _name_of(name):
    return repr(name) + (" (pandas' index)" if name == "" else "")


def _read_document(table):
    """How FILE was read, for the JSON documents: header, id column and
    dropped rows (0-based, numbered as the rows of the labels)."""
    return {
        "header": bool(table.header) if table.format == "text" else None,
        "header_reason": table.header_reason or None,
        "id_column": table.id_column,
        "rows_dropped": table.n_dropped,
        "dropped_rows": table.dropped_rows.tolist(),
    }


def _scaling_name(standardize, whiten):
    return "standardize" if standardize else "whiten" if whiten else "none"
