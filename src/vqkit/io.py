"""Reading data files and writing results (the file I/O of the ``vqkit`` command).

An interface module: it turns files into float arrays and arrays into files,
and knows nothing about clustering.

Reading -- :func:`read_data` returns a :class:`Table` (the array, its column
names, how many rows were dropped) from

* CSV/TSV and other delimited text (``.csv``, ``.tsv``, ``.txt``, ``.dat``,
  ``.data``, a name without a suffix, any of these gzipped as ``.gz``, and
  ``"-"`` for standard input).  The delimiter is detected among comma,
  semicolon, tab and runs of whitespace; a header line is detected when none
  of its fields is a number (``header=True``/``False`` forces it).  UTF-8
  with or without a byte-order mark (UTF-16 with one), LF, CRLF or CR line
  ends, fields quoted with ``"``.  Blank lines and lines starting with
  ``#`` are skipped (a ``#`` line right above the data, such as the header
  ``np.savetxt`` writes, names the columns when it fits).
* ``.npy`` (memory-mapped, no pickle), ``.npz`` (``key`` names the array;
  needed when there are several) and Parquet (``.parquet``/``.pq``, with
  the ``io`` extra: ``pip install 'vqkit[io]'``).

``columns`` picks columns by name, by 0-based index (negative counts from
the end) or by a Python-style range ``start:stop`` (stop excluded), as a
list or one comma-separated string: ``"x,y"``, ``"0,2"``, ``"1:4"``.
Cells ``""``, ``NA``, ``N/A``, ``NaN``, ``null`` and ``None`` (any case) and
NaN in binary files are missing values: ``missing="error"`` (the default)
stops at the first one, ``missing="drop"`` drops the rows that have one in
a selected column.  Infinite values are always an error.

Every problem raises :class:`DataFileError` (a ``ValueError``) whose
message names the file, and the line (1-based, counted as a text editor
counts them, header and blank lines included) or row, and the column
(1-based number and name) where that applies.

Writing -- :func:`write_labels`, :func:`write_matrix` (centres, decoded
vectors) and :func:`write_codes` write ``.npy`` or text; ``"-"`` writes text
to standard output.  Files are written atomically: a complete new file or
none.
"""

import codecs
import csv
import dataclasses
import gzip
import io as _io
import itertools
import os
import re
import sys

import numpy as np

from ._files import atomic_write

__all__ = [
    "DataFileError",
    "MISSING_TOKENS",
    "Table",
    "read_data",
    "write_codes",
    "write_labels",
    "write_matrix",
]

#: Suffixes read as delimited text (also with ``.gz`` added).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".data")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = (
    "delimited text (.csv, .tsv, .txt, .dat, .data, optionally .gz; no suffix is read as text), "
    ".npy, .npz, Parquet (.parquet, .pq), and '-' for standard input"
)
#: Cell texts read as missing values (compared in lower case).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
MISSING_POLICIES = ("error", "drop")
#: Lines looked at to detect the delimiter.
_SNIFF_LINES = 50
#: Rows per block when binary arrays are checked for NaN and infinity.
_BLOCK = 1 << 16
#: Lines of a text file parsed at a time.
_TEXT_BLOCK = 1 << 16
_STDIN_NAME = "<stdin>"


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

    def __init__(self, detail, *, path=None, line=None, row=None, column=None,
                 column_name=None, option=None, where=None):
        self.detail = detail
        self.path = path
        self.line = line
        self.row = row
        self.column = column
        self.column_name = column_name
        self.option = option
        parts = [where if where is not None else path] if (where or path) else []
        if line is not None:
            parts.append(f"line {line}")
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(
                f"column {column}" + (f" ({column_name!r})" if column_name else "")
            )
        super().__init__(", ".join(parts) + ": " + detail if parts else detail)


@dataclasses.dataclass
class Table:
    """What :func:`read_data` read.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_columns)
        The numbers: float64, or float32 when a binary file holds float32.
        May be a read-only memory map of a ``.npy`` file.
    columns : list of str or None
        Names of the selected columns, when the file names its columns.
    path : str
        The file as given (``"<stdin>"`` for standard input).
    format : str
        ``"text"``, ``"npy"``, ``"npz"`` or ``"parquet"``.
    delimiter : str or None
        The delimiter of a text file (``" "`` for runs of whitespace).
    header : bool
        Whether a text file had a header line.
    n_dropped : int
        Rows dropped for missing values (``missing="drop"``).
    dropped : list of int
        The first (up to 10) dropped lines (text) or rows (binary), 1-based.
    """

    X: np.ndarray
    columns: list = None
    path: str = ""
    format: str = "text"
    delimiter: str = None
    header: bool = False
    n_dropped: int = 0
    dropped: list = dataclasses.field(default_factory=list)
    _line_numbers: object = dataclasses.field(default=None, repr=False)

    def where(self, i):
        """``"line N"`` (text) or ``"row N"`` (binary) of the row ``X[i]``."""
        if self._line_numbers is not None:
            return f"line {int(self._line_numbers()[i])}"
        return f"row {i + 1}"

    def line_of(self, i):
        """1-based line of ``X[i]`` in a text file, or None for binary files."""
        if self._line_numbers is None:
            return None
        return int(self._line_numbers()[i])


# ----------------------------------------------------------------------
# reading: dispatch


def _suffix(path):
    name = os.path.basename(path).lower()
    if name.endswith(".gz"):
        inner = os.path.splitext(name[:-3])[1]
        return inner + ".gz"
    return os.path.splitext(name)[1]


def _format_of(path):
    if path == "-":
        return "text"
    suffix = _suffix(path)
    if suffix in ("", ".gz") or suffix in TEXT_SUFFIXES or suffix[:-3] in TEXT_SUFFIXES:
        return "text"
    if suffix == ".npy":
        return "npy"
    if suffix == ".npz":
        return "npz"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise DataFileError(
        f"unsupported file type {suffix!r}; vqkit reads {SUPPORTED}", path=path
    )


def _check_file(path):
    if os.path.isdir(path):
        raise DataFileError("is a directory, not a data file", path=path)
    if not os.path.exists(path):
        raise DataFileError("no such file", path=path)
    if not os.access(path, os.R_OK):
        raise DataFileError("permission denied", path=path)


def _os_error(path, exc):
    if isinstance(exc, PermissionError):
        return DataFileError("permission denied", path=path)
    if isinstance(exc, FileNotFoundError):
        return DataFileError("no such file", path=path)
    if isinstance(exc, IsADirectoryError):
        return DataFileError("is a directory, not a data file", path=path)
    return DataFileError(f"cannot read the file: {exc.strerror or exc}", path=path)


def read_data(path, *, columns=None, key=None, delimiter=None, header=None,
              missing="error", stdin=None):
    """Read a data file as a 2-D float array.

    Parameters
    ----------
    path : str or path-like
        The file; ``"-"`` reads delimited text from ``stdin``.  The format
        follows the suffix (see the module documentation).
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
        detected (a header has no field that is a number).
    missing : {"error", "drop"}, default="error"
        What a missing value does: stop with an error naming its line and
        column, or drop its row.
    stdin : binary file, optional
        Read instead of ``sys.stdin`` for ``path="-"``.

    Returns
    -------
    Table

    Raises
    ------
    DataFileError
        The file is missing, unreadable, empty, of an unknown type, ragged,
        holds text or missing values where numbers belong, ...; the message
        names the file, line and column.

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
    fmt = _format_of(path)
    if fmt != "text" and delimiter is not None:
        raise DataFileError(
            f"a delimiter applies to text files only, not to {fmt} files", path=path,
            option="delimiter",
        )
    if fmt != "npz" and key is not None:
        raise DataFileError(
            "a key applies to .npz files only", path=path, option="key"
        )
    if fmt == "text":
        if path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            raw = stream.read()
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            display = _STDIN_NAME
        else:
            _check_file(path)
            raw = _read_bytes(path)
            display = path
        return _read_text(raw, display, columns, delimiter, header, missing)
    _check_file(path)
    if os.path.getsize(path) == 0:
        raise DataFileError("the file is empty", path=path)
    if fmt == "npy":
        return _read_npy(path, columns, missing)
    if fmt == "npz":
        return _read_npz(path, key, columns, missing)
    return _read_parquet(path, columns, missing)


def _read_bytes(path):
    try:
        if path.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                return fh.read()
        with open(path, "rb") as fh:
            return fh.read()
    except (gzip.BadGzipFile, EOFError) as exc:
        raise DataFileError(f"not a valid gzip file: {exc}", path=path) from None
    except OSError as exc:
        raise _os_error(path, exc) from None


# ----------------------------------------------------------------------
# columns


_RANGE = re.compile(r"^\s*(-?\d*)\s*:\s*(-?\d*)\s*$")


def _split_spec(columns):
    if isinstance(columns, (str, int, np.integer)):
        columns = [columns]
    items = []
    for item in columns:
        if isinstance(item, str):
            items.extend(part.strip() for part in item.split(",") if part.strip() != "")
        else:
            items.append(item)
    return items


def select_columns(columns, n_columns, names=None, path=None):
    """0-based indices of the columns that ``columns`` names (see
    :func:`read_data`), or ``list(range(n_columns))`` for None."""
    if columns is None:
        return list(range(n_columns))
    items = _split_spec(columns)
    if not items:
        raise DataFileError("no columns selected", path=path, option="columns")
    lookup = {}
    for j, name in enumerate(names or ()):
        lookup.setdefault(name, j)
    picked = []
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            picked.append(_index(int(item), n_columns, path))
            continue
        item = str(item)
        if item in lookup:
            picked.append(lookup[item])
            continue
        if re.fullmatch(r"-?\d+", item):
            picked.append(_index(int(item), n_columns, path))
            continue
        m = _RANGE.match(item)
        if m:
            start = int(m.group(1)) if m.group(1) not in ("", "-") else None
            stop = int(m.group(2)) if m.group(2) not in ("", "-") else None
            got = list(range(n_columns))[slice(start, stop)]
            if not got:
                raise DataFileError(
                    f"the range {item!r} selects no column (there are {n_columns}, "
                    f"indices 0 to {n_columns - 1}; the stop index is excluded)",
                    path=path, option="columns",
                )
            picked.extend(got)
            continue
        if names:
            raise DataFileError(
                f"there is no column named {item!r}; the columns are: "
                + ", ".join(repr(n) for n in names),
                path=path, option="columns",
            )
        raise DataFileError(
            f"there is no column named {item!r}: the file has no column names; "
            f"select columns by 0-based index (0 to {n_columns - 1}) or range such as 0:2",
            path=path, option="columns",
        )
    return picked


def _index(i, n, path):
    if not -n <= i < n:
        raise DataFileError(
            f"column index {i} is out of range: there are {n} columns "
            f"(indices 0 to {n - 1}, or -{n} to -1 from the end)",
            path=path, option="columns",
        )
    return i % n


# ----------------------------------------------------------------------
# text files


def _decode(raw, display):
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataFileError(f"not valid UTF-16 text: {exc.reason}", path=display) from None
    if b"\x00" in raw[:8192]:
        raise DataFileError(
            "this is a binary file, not text (it holds NUL bytes); vqkit reads "
            + SUPPORTED,
            path=display,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # numbers are ASCII: only names can be in another encoding
        return raw.decode("latin-1")


def _is_content(line):
    return line and not line.isspace() and line.lstrip()[0] != "#"


def _fields(line, delimiter):
    """The stripped fields of one line (quotes removed)."""
    if delimiter is None:
        return [f.strip('"') for f in line.split()]
    if '"' in line:
        return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
    return [f.strip() for f in line.split(delimiter)]


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return "_" not in token


def _sniff(sample):
    """The delimiter of the lines ``sample``: tab, ";" or "," when it
    splits every line into the same number (>1) of fields (in that order
    of preference, so that decimal commas go with ";"), else the one that
    splits the first line into the most fields, else whitespace (None)."""
    best, best_n = None, 1
    for d in ("\t", ";", ","):
        counts = [len(_fields(line, d)) for line in sample]
        if counts[0] > 1 and all(c == counts[0] for c in counts):
            return d
        if counts[0] > best_n:
            best, best_n = d, counts[0]
    return best


def _normalise_delimiter(delimiter):
    if delimiter is None:
        return None, False
    names = {"tab": "\t", "\\t": "\t", "whitespace": None, "space": None, " ": None,
             "comma": ",", "semicolon": ";"}
    key = delimiter.lower() if isinstance(delimiter, str) else delimiter
    if key in names:
        return names[key], True
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise DataFileError(
            f"bad delimiter {delimiter!r}: give one character such as ',' ';' or "
            "'tab', or 'whitespace'",
            option="delimiter",
        )
    return delimiter, True


def _read_text(raw, display, columns, delimiter, header, missing):
    text = _decode(raw, display)
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    del text
    lines = normalised.split("\n")
    content = [i for i in range(min(len(lines), 10_000)) if _is_content(lines[i])]
    if not content:
        # a long run of blank or comment lines: look further
        content = [i for i in range(len(lines)) if _is_content(lines[i])][:1]
    if not content:
        what = "the file is empty" if not normalised.strip() else "the file has no data lines"
        raise DataFileError(what, path=display)
    first = content[0]
    d, given = _normalise_delimiter(delimiter)
    if not given:
        d = _sniff([lines[i] for i in content[:_SNIFF_LINES]])
    first_fields = _fields(lines[first], d)

    if header is None:
        header = not any(_is_number(f) for f in first_fields) and any(
            f.lower() not in MISSING_TOKENS for f in first_fields
        )
    names = None
    if header:
        names = first_fields
        n_fields = len(names)
        header_line = first + 1
        start = first + 1
    else:
        n_fields = len(first_fields)
        header_line = None
        start = first
        # np.savetxt(header=...) writes the names as a '#' line above the data
        above = first - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        if above >= 0 and lines[above].lstrip().startswith("#"):
            candidate = _fields(lines[above].lstrip()[1:], d)
            if len(candidate) == n_fields and not any(_is_number(f) for f in candidate):
                names = candidate
    usecols = select_columns(columns, n_fields, names, display)
    selected_names = [names[j] for j in usecols] if names else None

    body = lines[start:]
    has_quotes = normalised.find('"', sum(len(line) + 1 for line in lines[:start])) >= 0

    ctx = _TextContext(display, names, usecols, n_fields, header_line, d, missing)
    ctx.first_line = start + 1
    parsed = None
    if not has_quotes:
        parsed = _parse_plain(ctx, body, start)
    elif d is not None and all(c % 2 == 0 for c in map(str.count, body, itertools.repeat('"'))):
        # every quoted field opens and closes on its line: without the quotes
        # the file reads the same, unless a quoted field holds the delimiter
        # -- then the field counts change and the quote-aware scan takes over
        try:
            parsed = _parse_plain(ctx, [line.replace('"', "") for line in body], start)
        except _RaggedRow:
            parsed = None
    if parsed is None:
        values, kept, dropped = ctx.scan(_csv_rows(lines, start, d, display))
        X = np.array(values, dtype=np.float64).reshape(len(kept), len(usecols))
        kept = np.array(kept, dtype=np.int64)
        line_numbers = None
    else:
        X, kept, dropped, line_numbers = parsed
    if not len(X):
        if not dropped:
            _no_rows(display, header)
        raise DataFileError(
            f"no rows left: all {len(dropped)} data rows have missing values "
            f"(the first on line {dropped[0]})",
            path=display,
        )
    if line_numbers is None:
        line_numbers = lambda: kept  # noqa: E731
    return Table(X, selected_names, display, "text", d or " ", bool(header),
                 n_dropped=len(dropped), dropped=dropped[:10], _line_numbers=line_numbers)


def _parse_plain(ctx, body, start):
    """Parse the lines ``body`` (the first is line ``start + 1``) of a file
    without quotes: ``(X, kept_lines, dropped_lines, line_numbers)``, where
    ``line_numbers`` is a function giving ``kept_lines`` lazily, or None
    when ``kept_lines`` is given.

    C-level filtering and counting, and NumPy's parser on blocks of lines;
    a block that does not parse cleanly (a bad cell, a missing value, a
    comment line) is scanned exactly, row by row, so that errors name their
    line and column and ``missing="drop"`` drops exactly the right rows.
    """
    d = ctx.delimiter
    rule = bool
    data = list(filter(None, body))
    counts = _field_counts(data, d)
    expected = ctx.n_fields if d is None else ctx.n_fields - 1
    bad = _first_mismatch(counts, expected)
    if bad is not None and not _is_content(data[bad]):
        rule = _is_content
        data = [line for line in data if _is_content(line)]
        counts = _field_counts(data, d)
        bad = _first_mismatch(counts, expected)

    @_cached
    def line_numbers():
        return np.array(
            [start + i + 1 for i, line in enumerate(body) if rule(line)], dtype=np.int64
        )

    if bad is not None:
        ctx.ragged(int(line_numbers()[bad]), counts[bad] + (0 if d is None else 1))
    width = len(ctx.usecols)
    blocks, kept, dropped = [], [], []
    clean = True
    for first_row in range(0, len(data), _TEXT_BLOCK):
        part = data[first_row:first_row + _TEXT_BLOCK]
        try:
            B = np.loadtxt(
                part, delimiter=d, usecols=ctx.usecols, dtype=np.float64, ndmin=2,
                comments=None, quotechar=None,
            )
            ok = B.shape[0] == len(part) and bool(np.isfinite(B).all())
        except ValueError:
            ok = False
        if ok:
            blocks.append(B)
            kept.append((first_row, len(part)))
            continue
        clean = False
        numbers = line_numbers()[first_row:first_row + len(part)].tolist()
        rows = ((n, _fields(line, d)) for n, line in zip(numbers, part) if _is_content(line))
        values, kept_lines, dropped_lines = ctx.scan(rows)
        blocks.append(np.array(values, dtype=np.float64).reshape(-1, width))
        kept.append(np.array(kept_lines, dtype=np.int64))
        dropped.extend(dropped_lines)
    if not blocks:
        return np.empty((0, width)), np.empty(0, np.int64), dropped, None
    X = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    if clean:
        return X, None, dropped, line_numbers
    kept = np.concatenate([
        line_numbers()[k[0]:k[0] + k[1]] if isinstance(k, tuple) else k for k in kept
    ])
    return X, kept, dropped, None


def _no_rows(display, header):
    raise DataFileError(
        "the file has a header line but no data lines" if header
        else "the file has no data lines",
        path=display,
    )


def _field_counts(data, d):
    """Fields per line (whitespace) or delimiters per line."""
    if d is None:
        return [len(line.split()) for line in data]
    return list(map(str.count, data, itertools.repeat(d)))


def _first_mismatch(counts, expected):
    if counts.count(expected) == len(counts):
        return None
    return next(i for i, c in enumerate(counts) if c != expected)


def _cached(fn):
    cache = []

    def get():
        if not cache:
            cache.append(fn())
        return cache[0]

    return get


def _csv_rows(lines, start, d, display):
    """``(line, fields)`` of the content rows from ``lines[start:]``, parsed
    with quotes (fields may span lines; the line is where the row starts)."""
    body = lines[start:]
    if d is None:
        for i, line in enumerate(body):
            if _is_content(line):
                yield start + i + 1, _fields(line, None)
        return
    reader = csv.reader((line + "\n" for line in body), delimiter=d)
    while True:
        at = start + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataFileError(f"cannot parse this line: {exc}", path=display, line=at) from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if row[0].lstrip().startswith("#"):
            continue
        yield at, [f.strip() for f in row]


class _RaggedRow(DataFileError):
    """A row with a different number of fields than the first."""


class _TextContext:
    """Validation of a text file's rows with exact error positions."""

    def __init__(self, path, names, usecols, n_fields, header_line, delimiter, missing):
        self.path = path
        self.names = names
        self.usecols = usecols
        self.n_fields = n_fields
        self.header_line = header_line
        self.delimiter = delimiter
        self.missing = missing
        self.first_line = None

    def _name(self, j):
        return self.names[j] if self.names else None

    def ragged(self, line, found):
        like = (
            f"the header on line {self.header_line}" if self.header_line
            else "the first data line"
        )
        what = "delimiter " + (
            "whitespace" if self.delimiter is None else repr(self.delimiter)
        )
        raise _RaggedRow(
            f"expected {self.n_fields} fields, like {like}, but found {found} "
            f"({what}); every row needs the same number of fields",
            path=self.path, line=line,
        )

    def scan(self, rows):
        """Parse every row: ``(values, kept_lines, dropped_lines)``; raises
        at the first ragged row, non-number, infinity, or (``missing=
        "error"``) missing value."""
        values = []
        kept = []
        dropped = []
        usecols = self.usecols
        for line, fields in rows:
            if len(fields) != self.n_fields:
                self.ragged(line, len(fields))
            row = []
            has_missing = False
            for j in usecols:
                token = fields[j]
                try:
                    if "_" in token:
                        raise ValueError(token)
                    v = float(token)
                except ValueError:
                    if token.lower() not in MISSING_TOKENS:
                        self._not_a_number(line, j, token)
                    v = float("nan")
                if v != v:
                    if self.missing == "error":
                        shown = repr(token) if token else "(an empty cell)"
                        raise DataFileError(
                            f"missing value {shown}; fill it in, or drop the rows that "
                            "have one with --missing drop",
                            path=self.path, line=line, column=j + 1,
                            column_name=self._name(j),
                        )
                    has_missing = True
                elif v in (float("inf"), float("-inf")):
                    raise DataFileError(
                        f"{token!r} is not a finite number",
                        path=self.path, line=line, column=j + 1, column_name=self._name(j),
                    )
                row.append(v)
            if has_missing:
                dropped.append(line)
            else:
                values.extend(row)
                kept.append(line)
        return values, kept, dropped

    def _not_a_number(self, line, j, token):
        hints = []
        if re.fullmatch(r"[-+]?\d+,\d+", token):
            hints.append("decimal commas are not supported: write a dot")
        if hints:
            pass
        elif self.header_line is None and line == self.first_line:
            hints.append("if this line names the columns, say so with --header")
        elif self.n_fields > 1:
            hints.append("select numeric columns with --columns")
        raise DataFileError(
            f"{token!r} is not a number" + ("; " + "; ".join(hints) if hints else ""),
            path=self.path, line=line, column=j + 1, column_name=self._name(j),
        )


# ----------------------------------------------------------------------
# binary files


def _array_checked(arr, path, where, columns, missing, names=None, usecols=None):
    """The 2-D float array of ``arr`` after column selection and the
    missing-value policy: ``(X, n_dropped, dropped_rows)``.  ``usecols``:
    the file's 0-based column of each column of ``arr`` (when the selection
    was made before), for error messages; ``names``: the file's names."""
    if arr.dtype.kind not in "fiub":
        raise DataFileError(
            f"holds {arr.dtype} values, not real numbers", path=path, where=where
        )
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataFileError(
            f"has shape {arr.shape}: expected a 2-D array (rows x columns) or a 1-D one "
            "(one column)",
            path=path, where=where,
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataFileError(
            f"has no data: its shape is {arr.shape}", path=path, where=where
        )
    if columns is not None:
        usecols = select_columns(columns, arr.shape[1], names, where)
        arr = arr[:, usecols]
    if usecols is None:
        usecols = range(arr.shape[1])

    def position(i, j):
        c = usecols[j]
        return {"row": int(i) + 1, "column": int(c) + 1,
                "column_name": names[c] if names else None}

    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        return arr, 0, []
    bad_rows = []
    for start in range(0, arr.shape[0], _BLOCK):
        block = np.asarray(arr[start:start + _BLOCK])
        finite = np.isfinite(block)
        if finite.all():
            continue
        inf = np.isinf(block)
        if inf.any():
            i, j = np.argwhere(inf)[0]
            raise DataFileError(
                f"infinite value (index [{start + i}, {usecols[j]}])", path=path, where=where,
                **position(start + i, j),
            )
        if missing == "error":
            i, j = np.argwhere(~finite)[0]
            raise DataFileError(
                f"missing value (NaN; index [{start + i}, {usecols[j]}]); drop the rows "
                "that have one with --missing drop",
                path=path, where=where, **position(start + i, j),
            )
        bad_rows.extend((start + np.flatnonzero(~finite.all(axis=1))).tolist())
    if not bad_rows:
        return arr, 0, []
    if len(bad_rows) == arr.shape[0]:
        raise DataFileError(
            f"no rows left: all {len(bad_rows)} rows have missing values (NaN)",
            path=path, where=where,
        )
    keep = np.ones(arr.shape[0], dtype=bool)
    keep[bad_rows] = False
    return np.ascontiguousarray(arr[keep]), len(bad_rows), [r + 1 for r in bad_rows[:10]]


def _read_npy(path, columns, missing):
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except OSError as exc:
        raise _os_error(path, exc) from None
    if magic != b"\x93NUMPY":
        raise DataFileError(
            "not a valid .npy file (it does not start with NumPy's header); name text "
            "files .csv or .txt", path=path,
        )
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if any(s in str(exc) for s in ("allow_pickle", "Object arrays", "Python objects")):
            raise DataFileError(
                "holds Python objects, which vqkit does not load (no pickle); save a "
                "numeric array", path=path,
            ) from None
        raise DataFileError(f"not a valid .npy file: {exc}", path=path) from None
    except (OSError, EOFError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise _os_error(path, exc) from None
        raise DataFileError(f"not a valid .npy file: {exc}", path=path) from None
    X, n_dropped, dropped = _array_checked(arr, path, None, columns, missing)
    return Table(X, None, path, "npy", n_dropped=n_dropped, dropped=dropped)


def _read_npz(path, key, columns, missing):
    from .persistence import META_KEY

    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise _os_error(path, exc) from None
        raise DataFileError(f"not a valid .npz file: {exc}", path=path) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataFileError(
            "is a bare .npy array, not an .npz archive: name it .npy", path=path
        )
    with archive:
        keys = [k for k in archive.files if k != META_KEY]
        listing = ", ".join(repr(k) for k in keys)
        if key is None:
            if not keys:
                raise DataFileError("holds no arrays", path=path)
            if len(keys) > 1:
                raise DataFileError(
                    f"holds {len(keys)} arrays ({listing}); choose one with --key",
                    path=path, option="key",
                )
            key = keys[0]
        elif key not in keys:
            raise DataFileError(
                f"has no array named {key!r}; it holds: {listing or 'no arrays'}",
                path=path, option="key",
            )
        try:
            arr = archive[key]
        except ValueError as exc:
            if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
                raise DataFileError(
                    f"array {key!r} holds Python objects, which vqkit does not load "
                    "(no pickle)", path=path,
                ) from None
            raise DataFileError(f"cannot read array {key!r}: {exc}", path=path) from None
        except Exception as exc:  # a damaged member of the zip archive
            raise DataFileError(f"cannot read array {key!r}: {exc}", path=path) from None
    where = f"{path} (array {key!r})"
    X, n_dropped, dropped = _array_checked(arr, path, where, columns, missing)
    return Table(X, None, path, "npz", n_dropped=n_dropped, dropped=dropped)


def _import_pyarrow_parquet():
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "reading Parquet files needs pyarrow; install it with "
            "pip install 'vqkit[io]'  (or pip install pyarrow)"
        ) from None
    return pyarrow, pq


def _read_parquet(path, columns, missing):
    try:
        pa, pq = _import_pyarrow_parquet()
    except ImportError as exc:
        raise DataFileError(str(exc), path=path) from None
    try:
        pfile = pq.ParquetFile(path)
        names = list(pfile.schema_arrow.names)
    except OSError as exc:
        if exc.errno is not None:
            raise _os_error(path, exc) from None
        raise DataFileError(f"not a valid Parquet file: {exc}", path=path) from None
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise DataFileError(f"not a valid Parquet file: {exc}", path=path) from None
    if not names:
        raise DataFileError("has no columns", path=path)
    usecols = select_columns(columns, len(names), names, path)
    for j in usecols:
        field = pfile.schema_arrow.field(j)
        t = field.type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                or pa.types.is_decimal(t)):
            raise DataFileError(
                f"holds {t} values, not numbers; select numeric columns with --columns",
                path=path, column=j + 1, column_name=names[j],
            )
    try:
        table = pfile.read(columns=sorted(set(names[j] for j in usecols)))
    except Exception as exc:
        raise DataFileError(f"cannot read the table: {exc}", path=path) from None
    if table.num_rows == 0:
        raise DataFileError("has no rows", path=path)
    X = np.empty((table.num_rows, len(usecols)), dtype=np.float64)
    for out, j in enumerate(usecols):
        column = table.column(names[j])
        column = column.cast(pa.float64())
        X[:, out] = column.to_numpy()
    selected = [names[j] for j in usecols]
    X, n_dropped, dropped = _array_checked(X, path, None, None, missing, names, usecols)
    return Table(X, selected, path, "parquet", n_dropped=n_dropped, dropped=dropped)


# ----------------------------------------------------------------------
# writing


def _text_of_number(x):
    """Shortest text that reads back as the same float (float32 or 64)."""
    return str(x)


def _csv_line(values):
    buf = _io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _write_text(path, text):
    path = os.fspath(path)
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return path
    data = text.encode("utf-8")
    return atomic_write(path, lambda fh: fh.write(data), suffix=_suffix(path))


def _write_npy(path, array):
    if os.fspath(path) == "-":
        raise ValueError("a .npy file cannot go to standard output; give a file name")
    return atomic_write(
        path, lambda fh: np.save(fh, np.asarray(array), allow_pickle=False), suffix=".npy"
    )


def _is_npy(path):
    return os.fspath(path) != "-" and os.fspath(path).lower().endswith(".npy")


def write_labels(path, labels):
    """Write cluster labels: ``.npy`` (int32), ``.csv`` (header ``row,label``
    and the 0-based row index in the first column), anything else one
    label per line; ``"-"`` writes one per line to standard output."""
    labels = np.asarray(labels)
    if _is_npy(path):
        return _write_npy(path, labels.astype(np.int32, copy=False))
    values = labels.tolist()
    if os.fspath(path).lower().endswith(".csv"):
        body = "".join(f"{i},{v}\n" for i, v in enumerate(values))
        return _write_text(path, "row,label\n" + body)
    return _write_text(path, "".join(f"{v}\n" for v in values))


def write_codes(path, codes):
    """Write codes: ``.npy`` (their unsigned dtype kept) or one per line."""
    codes = np.asarray(codes)
    if _is_npy(path):
        return _write_npy(path, codes)
    return _write_text(path, "".join(f"{v}\n" for v in codes.tolist()))


def default_names(n):
    """Column names for ``n`` unnamed columns: ``x0, x1, ...``."""
    return [f"x{j}" for j in range(n)]


def write_matrix(path, X, columns=None, *, rows=None):
    """Write a 2-D array: ``.npy``, or CSV with a header line of
    ``columns`` (default ``x0, x1, ...``) and numbers in their shortest
    exact form.  With ``rows`` (integer array) the rows written are
    ``X[rows]``, each distinct row formatted once (fast for decoded codes).
    ``"-"`` writes CSV to standard output."""
    X = np.asarray(X)
    if _is_npy(path):
        return _write_npy(path, X if rows is None else X[rows])
    if columns is None:
        columns = default_names(X.shape[1])
    lines = [",".join(_text_of_number(v) for v in row) + "\n" for row in X]
    if rows is not None:
        lines = [lines[i] for i in np.asarray(rows).tolist()]
    return _write_text(path, _csv_line(columns) + "".join(lines))
