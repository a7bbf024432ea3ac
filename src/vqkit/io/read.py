"""Reading a data file: :func:`read_data` checks the file and its options,
and hands it to the reader of its format (text or binary)."""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

from .binary import read_npy, read_npz, read_parquet
from .columns import ColumnSpec
from .errors import DataFileError
from .formats import format_of
from .source import file_chunks, stream_chunks
from .table import Table
from .text import read_text

MISSING_POLICIES = ("error", "drop")
_STDIN_NAME = "<stdin>"


def _check_file(path):
    if os.path.isdir(path):
        raise DataFileError("is a directory, not a data file", path=path)
    if not os.path.exists(path):
        raise DataFileError("no such file", path=path)
    if not os.access(path, os.R_OK):
        raise DataFileError("permission denied", path=path)


def read_data(
    path: str | os.PathLike[str],
    *,
    columns: ColumnSpec = None,
    key: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    missing: str = "error",
    stdin: BinaryIO | None = None,
    max_expanded_size: int | None = None,
    decimal: str = ".",
    id_column: str | int | bool | None = None,
) -> Table:
    """Read a data file as a 2-D float array.

    Parameters
    ----------
    path : str or path-like
        The file; ``"-"`` reads delimited text from ``stdin``.  The format
        follows the suffix (see the documentation of :mod:`vqkit.io`).
    columns : str, int or list, optional
        Columns to keep, in this order: names, 0-based indices (negative
        from the end) or ranges ``"start:stop"`` (stop excluded), as a list
        or a comma-separated string.  Default: all.
    key : str, optional
        The array of an ``.npz`` file; needed when it holds several.
    delimiter : str, optional
        Text files: ``","``, ``";"``, ``"\\t"`` (or ``"tab"``), ``" "`` (or
        ``"whitespace"``: runs of spaces and tabs), or any one character.
        Default: detected.
    header : bool, optional
        Text files: whether the first line names the columns.  Default:
        decided by :func:`vqkit.io.text.decide_header`: a line with text
        (any field not a number) is a header, and so is a line of pandas'
        default names (``0,1,...``, after an empty index cell or not) and a
        line of whole numbers (such as years) above rows written with
        decimal points; a line of numbers like the rows below it is data.
        ``Table.header_reason`` says which rule decided.
    decimal : {".", ","}, default="."
        Text files: the decimal separator.  With ``","`` the delimiter is
        ``";"`` or tab (detected or given), never the comma.
    id_column : str, int or bool, optional
        Text files with a header: the column of row ids, which is not a
        feature (``Table.row_ids`` holds its text).  Default (None or True):
        the first column whose name is empty (pandas' index) or one of
        ``id``, ``index``, ``row``, ``row_id``, ``rowid``, ``Unnamed: 0``
        (any case); it is left out of the default selection of columns (all
        of them).  False or ``"none"``: no id column; a name or index: that
        column.
    missing : {"error", "drop"}, default="error"
        What a missing value does: stop with an error naming its line and
        column, or drop its row.
    stdin : binary file, optional
        Read instead of ``sys.stdin`` for ``path="-"``.
    max_expanded_size : int, optional
        The most bytes a compressed file (``.gz``, ``.bz2``, ``.xz``, or a
        compressed member of an ``.npz``) may expand to.  Default: 64 MiB,
        or 100 times the compressed size when that is more; beyond it the
        file is refused as a likely decompression bomb.

    Returns
    -------
    Table

    Raises
    ------
    DataFileError
        The file is missing, unreadable, empty, of an unknown type, damaged,
        ragged, expands beyond ``max_expanded_size``, holds text or missing
        values where numbers belong, ...; the message names the file, line
        and column.

    Examples
    --------
    >>> import os, tempfile
    >>> from vqkit.io import read_data
    >>> path = os.path.join(tempfile.mkdtemp(), "points.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("id;x;y\\n1;0.5;2\\n2;1.5;NA\\n3;2.5;4\\n")
    >>> t = read_data(path, columns="x,y", missing="drop")
    >>> t.X.tolist(), t.columns, t.delimiter, t.n_dropped, t.dropped
    ([[0.5, 2.0], [2.5, 4.0]], ['x', 'y'], ';', 1, [3])
    >>> read_data(path, columns="x,y")
    Traceback (most recent call last):
    ...
    vqkit.io.DataFileError: ...points.csv, line 3, column 3 ('y'): missing value 'NA'...
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}.")
    path = os.fspath(path)
    fmt = format_of(path)
    if fmt != "text" and delimiter is not None:
        raise DataFileError(
            f"a delimiter applies to text files only, not to {fmt} files",
            path=path,
            option="delimiter",
        )
    if fmt != "text" and decimal != ".":
        raise DataFileError(
            f"a decimal separator applies to text files only, not to {fmt} files",
            path=path,
            option="decimal",
        )
    if fmt != "npz" and key is not None:
        raise DataFileError("a key applies to .npz files only", path=path, option="key")
    if max_expanded_size is not None and max_expanded_size < 0:
        raise ValueError(f"max_expanded_size must be at least 0, got {max_expanded_size}.")
    if fmt == "text":
        if path == "-":
            stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)
            if stream is None or getattr(stream, "closed", False):
                raise DataFileError(
                    "standard input is closed; pipe the data in or give a file name",
                    path=_STDIN_NAME,
                )
            chunks, name = stream_chunks(stream), _STDIN_NAME
        else:
            _check_file(path)
            chunks, name = file_chunks(path, max_expanded_size), path
        return read_text(chunks, name, columns, delimiter, header, missing, decimal, id_column)
    _check_file(path)
    if os.path.getsize(path) == 0:
        raise DataFileError("the file is empty", path=path)
    if fmt == "npy":
        return read_npy(path, columns, missing)
    if fmt == "npz":
        return read_npz(path, key, columns, missing, max_expanded_size)
    return read_parquet(path, columns, missing, max_expanded_size)
