"""Delimited text files: decoding, detecting the delimiter and the header
line, and parsing numbers with the exact line and column of every problem.

Clean blocks of lines go through NumPy's parser; a block that does not
parse cleanly is scanned again row by row, so that an error names its line
and column and ``missing="drop"`` drops exactly the right rows.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re

import numpy as np

from .columns import ColumnSpec, select_columns
from .errors import DataFileError
from .formats import SUPPORTED
from .table import Table

#: Cell texts read as missing values (compared in lower case).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
#: Lines looked at to detect the delimiter.
_SNIFF_LINES = 50
#: Lines of a text file parsed at a time.
_TEXT_BLOCK = 1 << 16


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


def read_text(raw: bytes, display: str, columns: ColumnSpec, delimiter: str | None,
              header: bool | None, missing: str) -> Table:
    """The :class:`Table` of the text file whose bytes are ``raw`` (named
    ``display`` in messages); the other arguments as for
    :func:`vqkit.io.read_data`."""
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
