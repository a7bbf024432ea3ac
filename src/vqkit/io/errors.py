"""How reading a data file fails: :class:`DataFileError`, whose message
starts with the file, line or row, and column of the problem."""

from __future__ import annotations

from collections.abc import Sequence

#: The most characters of a cell, name or other value from a file that a
#: message quotes; longer ones are cut short with an ellipsis.
EXCERPT_CHARS = 40
#: The most names (of columns, of arrays) that a message lists.
LISTED_NAMES = 10


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` of a string, at most ``limit`` of its characters:
    a longer one is cut and followed by ``...`` and its length, so that a
    message quoting a cell stays short whatever the file holds."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


#: The most characters of another library's error message that a message
#: quotes (some quote the bytes of the file).
REASON_CHARS = 200


def reason(exc: BaseException) -> str:
    """The message of ``exc`` (from the library that read the file) on one
    line, cut to :data:`REASON_CHARS` characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS] + "..."


def listing(names: Sequence[str]) -> str:
    """The names, each quoted by :func:`excerpt`, comma-separated; at most
    :data:`LISTED_NAMES` of them, then how many there are in all."""
    shown = ", ".join(excerpt(n) for n in names[:LISTED_NAMES])
    if len(names) > LISTED_NAMES:
        shown += f", ... ({len(names)} in all)"
    return shown


class DataFileError(ValueError):
    """A data file cannot be read, or its contents are not numbers.

    The message starts with where the problem is: ``"data.csv, line 7,
    column 3 ('height'): ..."``.

    Attributes
    ----------
    path : str or None
        The file as given (``"<stdin>"`` for standard input).
    line : int or None
        1-based line of a text file (header and blank lines counted).
    row : int or None
        1-based row of a binary array or Parquet table.
    column : int or None
        1-based column (field) number.
    column_name : str or None
        The column's name, when the file names its columns.
    option : str or None
        The option that can fix the problem (``"columns"``, ``"key"``),
        for errors that are about what was asked for rather than about the
        file's contents.
    detail : str
        The message without the location.

    ``where`` (a constructor argument) replaces the file name at the start
    of the message, e.g. ``"data.npz (array 'x')"``.
    """

    # named by its public path, as before the split, in tracebacks and pickles
    __module__ = "vqkit.io"

    def __init__(
        self,
        detail: str,
        *,
        path: str | None = None,
        line: int | None = None,
        row: int | None = None,
        column: int | None = None,
        column_name: str | None = None,
        option: str | None = None,
        where: str | None = None,
    ) -> None:
        self.detail = detail
        self.path = path
        self.line = line
        self.row = row
        self.column = column
        self.column_name = column_name
        self.option = option
        head = where if where is not None else path
        parts = [head] if head is not None and (where or path) else []
        if line is not None:
            parts.append(f"line {line}")
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(
                f"column {column}" + (f" ({excerpt(column_name)})" if column_name else "")
            )
        super().__init__(", ".join(parts) + ": " + detail if parts else detail)


def os_error(path: str, exc: OSError) -> DataFileError:
    """The :class:`DataFileError` that says why the operating system would
    not let ``path`` be read."""
    if isinstance(exc, PermissionError):
        return DataFileError("permission denied", path=path)
    if isinstance(exc, FileNotFoundError):
        return DataFileError("no such file", path=path)
    if isinstance(exc, IsADirectoryError):
        return DataFileError("is a directory, not a data file", path=path)
    return DataFileError(f"cannot read the file: {exc.strerror or exc}", path=path)
