"""Delimited text files: detecting the delimiter and the header line, and
parsing numbers with the exact line and column of every problem.

The text arrives in pieces (:mod:`.source`, :mod:`.lines`) and is parsed a
block of lines at a time, so that memory holds the numbers read so far and
one block of text, never the whole file.  A clean block goes through
NumPy's parser; a block that does not parse cleanly is scanned again row by
row, so that an error names its line and column and ``missing="drop"``
drops exactly the right rows.  A block with quoted fields is parsed without
its quotes when that leaves every row with the same number of fields;
otherwise that block and the rest of the file go through the csv module
(a quoted field may then span lines).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator

import numpy as np

from .columns import ColumnSpec, select_columns
from .errors import DataFileError, excerpt, reason
from .lines import decoded, line_batches
from .table import Table

#: Cell texts read as missing values (compared in lower case).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
#: Content lines looked at to detect the delimiter ...
_SNIFF_LINES = 50
#: ... among the first this many lines (or the first content line after them).
_HEAD_LINES = 10_000
#: The most lines of a text file parsed at a time.
_TEXT_BLOCK = 1 << 16
#: Rows read by the csv module and scanned at a time.
_CSV_ROWS = 1 << 12
#: The most dropped lines a Table lists.
_DROPPED_LISTED = 10


def _is_content(line):
    return line and not line.isspace() and line.lstrip()[0] != "#"


def _fields(line, delimiter):
    """The stripped fields of one line (quotes removed; a line that the csv
    module cannot read, such as one with a field beyond its size limit, is
    split at every delimiter)."""
    if delimiter is None:
        return [f.strip('"') for f in line.split()]
    if '"' in line:
        try:
            return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
        except csv.Error:
            return [f.strip().strip('"') for f in line.split(delimiter)]
    return [f.strip() for f in line.split(delimiter)]


def _is_number(token):
    try:
        float(token)
    except ValueError:
        return False
    return "_" not in token


def _sniff(sample, decimal="."):
    """The delimiter of the lines ``sample``: tab, ";" or "," when it
    splits every line into the same number (>1) of fields (in that order
    of preference, so that decimal commas go with ";"), else the one that
    splits the first line into the most fields, else whitespace (None).
    With ``decimal=","`` the comma is not a candidate."""
    best, best_n = None, 1
    for d in ("\t", ";", ",") if decimal == "." else ("\t", ";"):
        counts = [len(_fields(line, d)) for line in sample]
        if counts[0] > 1 and all(c == counts[0] for c in counts):
            return d
        if counts[0] > best_n:
            best, best_n = d, counts[0]
    return best


def _normalise_delimiter(delimiter):
    if delimiter is None:
        return None, False
    names = {
        "tab": "\t",
        "\\t": "\t",
        "whitespace": None,
        "space": None,
        " ": None,
        "comma": ",",
        "semicolon": ";",
    }
    key = delimiter.lower() if isinstance(delimiter, str) else delimiter
    if key in names:
        return names[key], True
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise DataFileError(
            f"bad delimiter {excerpt(delimiter)}: give one character such as ',' ';' or "
            "'tab', or 'whitespace'",
            option="delimiter",
        )
    return delimiter, True


def _read_head(
    batches: Iterable[list[str]], display: str
) -> tuple[int, list[str], str | None, Iterator[list[str]]]:
    """Read up to the lines that detection needs: ``(first, kept, above,
    rest)``, where ``first`` is the 0-based index of the first content line,
    ``kept`` the lines read from it on (the first :data:`_SNIFF_LINES`
    content lines among the first :data:`_HEAD_LINES` lines, or only the
    first content line when it comes after those), ``above`` the last
    non-blank line before it (a comment, or None) and ``rest`` the line
    batches not read yet."""
    batches = iter(batches)
    first = None
    n = 0
    above = None
    kept: list[str] = []
    n_content = 0
    for batch in batches:
        for i, line in enumerate(batch):
            n += 1
            if first is None:
                if not _is_content(line):
                    if line and not line.isspace():
                        above = line
                    continue
                first = n - 1
            kept.append(line)
            n_content += bool(_is_content(line))
            if n_content == _SNIFF_LINES or n >= _HEAD_LINES:
                return first, kept, above, itertools.chain([batch[i + 1 :]], batches)
    if first is None:
        what = "the file has no data lines" if above is not None else "the file is empty"
        raise DataFileError(what, path=display)
    return first, kept, above, iter(())


#: Column names taken as row ids rather than features (compared in lower
#: case); an empty name counts too when it is the first column (the index
#: that pandas' ``to_csv()`` writes).
ID_NAMES = frozenset({"id", "index", "row", "row_id", "rowid", "unnamed: 0"})
_WHOLE = re.compile(r"[-+]?\d+")
_DECIMAL_SEPARATORS = (".", ",")


def _is_whole(token):
    return _WHOLE.fullmatch(token) is not None


def _is_written_decimal(token):
    """Whether ``token`` is a number written with a decimal point or an
    exponent (as pandas and NumPy write floats: ``1.0``, ``2e-05``)."""
    return _is_number(token) and not _is_whole(token) and token.lower() not in MISSING_TOKENS


def decide_header(first: list[str], sample: list[list[str]]) -> tuple[bool, str]:
    """Whether the first content line ``first`` (its fields, decimal commas
    already turned into points) names the columns, judged with the fields
    of the content lines below it, ``sample``: ``(header, why)``.

    The first line is a header when

    * one of its fields is text (neither a number nor a missing-value
      token), as in every CSV with names;
    * its fields are pandas' default names: a leading empty cell (the
      index) and/or the whole numbers ``0, 1, ..., m-1`` (``m >= 3``, or any
      ``m`` after an empty cell);
    * its fields are whole numbers (``2019,2020,2021``) and every number
      below it is written with a decimal point or an exponent, as pandas and
      NumPy write floats: such a line cannot be one of those rows.

    Otherwise (numbers like the rows below it) it is a row of data.  ``why``
    says which rule decided, for the summaries.
    """
    lead_empty = len(first) > 1 and first[0] == ""
    rest = first[1:] if lead_empty else first
    text = [f for f in rest if not _is_number(f) and f.lower() not in MISSING_TOKENS]
    if text:
        return True, f"names the columns (it has text: {excerpt(text[0])})"
    if rest and all(_is_whole(f) for f in rest):
        if [int(f) for f in rest] == list(range(len(rest))) and (lead_empty or len(rest) >= 3):
            index = "an empty index cell and " if lead_empty else ""
            return True, f"names the columns ({index}pandas' default names 0 to {len(rest) - 1})"
        skip = 1 if lead_empty else 0
        cells = [f for row in sample for f in row[skip:] if f.lower() not in MISSING_TOKENS]
        if cells and all(_is_written_decimal(f) for f in cells):
            return True, (
                "names the columns (whole numbers above rows of decimal numbers; "
                "--no-header reads it as data)"
            )
        if lead_empty:
            return True, "names the columns (an empty index cell and whole numbers)"
    return False, "is data (it holds numbers only; --header reads it as column names)"


def _id_column(names):
    """0-based index of the column of row ids among the header ``names``
    (see :data:`ID_NAMES`), or None."""
    if len(names) > 1 and names[0] == "":
        return 0
    for j, name in enumerate(names):
        if name.strip().lower() in ID_NAMES:
            return j
    return None


def _decimal_points(lines):
    """The lines with decimal commas turned into points."""
    return [line.replace(",", ".") for line in lines]


def read_text(
    chunks: Iterable[bytes],
    display: str,
    columns: ColumnSpec,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    decimal: str = ".",
    id_column: str | int | bool | None = None,
) -> Table:
    """The :class:`Table` of the text whose bytes come in the pieces
    ``chunks`` (named ``display`` in messages); the other arguments as for
    :func:`vqkit.io.read_data`."""
    if decimal not in _DECIMAL_SEPARATORS:
        raise DataFileError(
            f"bad decimal separator {excerpt(decimal)}: give '.' or ','", option="decimal"
        )
    d, given = _normalise_delimiter(delimiter)
    first, kept, above, rest = _read_head(line_batches(decoded(chunks, display)), display)
    if not given:
        d = _sniff([line for line in kept if _is_content(line)][:_SNIFF_LINES], decimal)
    if decimal == "," and d == ",":
        raise DataFileError(
            "decimal commas need another delimiter than the comma, such as ';' or tab "
            "(give it with --delimiter)",
            path=display,
            option="delimiter",
        )
    first_fields = _fields(kept[0], d)
    numbers = _decimal_points if decimal == "," else list

    if header is None:
        sample = [_fields(line, d) for line in numbers(kept[1:]) if _is_content(line)]
        header, why = decide_header(_fields(numbers(kept[:1])[0], d), sample)
        header_reason = f"line {first + 1} {why}"
    else:
        header_reason = (
            f"line {first + 1} names the columns (--header)"
            if header
            else f"line {first + 1} is data (--no-header)"
        )
    names = None
    n_fields = len(first_fields)
    body: Iterator[list[str]]
    if header:
        names = first_fields
        header_line = first + 1
        body = itertools.chain([kept[1:]], rest)
    else:
        header_line = None
        body = itertools.chain([kept], rest)
        # np.savetxt(header=...) writes the names as a '#' line above the data
        if above is not None:
            candidate = _fields(above.lstrip()[1:], d)
            if len(candidate) == n_fields and not any(_is_number(f) for f in candidate):
                names = candidate
                header_reason += "; the '#' line above it names the columns"
    if decimal == ",":
        body = map(_decimal_points, body)
    del kept
    ids_at = _pick_id_column(id_column, n_fields, names, display)
    if columns is None:
        usecols = [j for j in range(n_fields) if j != ids_at]
        if not usecols:
            raise DataFileError(
                f"its only column, {excerpt(names[ids_at] if names else ids_at)}, holds row "
                "ids; give --id-column none to cluster it",
                path=display,
            )
    else:
        usecols = select_columns(columns, n_fields, names, display)
    selected_names = [names[j] for j in usecols] if names else None

    ctx = _TextContext(display, names, usecols, n_fields, header_line, d, missing, decimal)
    ctx.first_line = (header_line or first) + 1
    ctx.ids_at = ids_at
    rows = _Rows(len(usecols), ids_at is not None)
    _parse_body(ctx, _blocks(body, ctx.first_line), rows)
    if not rows.n:
        if not rows.n_dropped:
            _no_rows(display, header)
        raise DataFileError(
            f"no rows left: all {rows.n_dropped} data rows have missing values "
            f"(the first on line {rows.dropped[0]})",
            path=display,
        )
    line_numbers = _cached(rows.line_numbers)
    id_name = None
    if ids_at is not None:
        id_name = names[ids_at] if names else str(ids_at)
    return Table(
        rows.array(),
        selected_names,
        display,
        "text",
        d or " ",
        bool(header),
        n_dropped=rows.n_dropped,
        dropped=rows.dropped[:_DROPPED_LISTED],
        _line_numbers=line_numbers,
        header_reason=header_reason,
        header_line=header_line,
        dropped_rows=rows.dropped_ordinals(line_numbers),
        id_column=id_name,
        row_ids=rows.id_array(),
        decimal=decimal,
        file_columns=names,
        n_file_columns=n_fields,
    )


def _pick_id_column(id_column, n_fields, names, display):
    """The 0-based column of row ids: ``None``/``True`` detect it by its
    header name (:func:`_id_column`), ``False`` or ``"none"`` turn it off,
    a name or index picks it."""
    if id_column is None or id_column is True:
        return _id_column(names) if names else None
    if id_column is False or (isinstance(id_column, str) and id_column.lower() == "none"):
        return None
    try:
        picked = select_columns(id_column, n_fields, names, display)
    except DataFileError as exc:
        exc.option = "id-column"
        raise
    if len(picked) != 1:
        raise DataFileError(
            f"the id column must be one column, not {len(picked)}",
            path=display,
            option="id-column",
        )
    return picked[0]


def _blocks(batches, line):
    """``(first_line, lines)`` for blocks of at most :data:`_TEXT_BLOCK`
    lines of the line batches ``batches``, whose first line is ``line``."""
    for batch in batches:
        for start in range(0, len(batch), _TEXT_BLOCK):
            block = batch[start : start + _TEXT_BLOCK]
            yield line, block
            line += len(block)


def _parse_body(ctx, blocks, rows):
    """Parse the blocks ``blocks`` (see :func:`_blocks`) into ``rows``."""
    for first_line, block in blocks:
        if not any(map(str.__contains__, block, itertools.repeat('"'))):
            _parse_plain(ctx, block, first_line, rows)
        elif ctx.delimiter is None:
            _scan_block(ctx, block, first_line, rows)
        elif all(c % 2 == 0 for c in map(str.count, block, itertools.repeat('"'))) and (
            # every quoted field opens and closes on its line: without the
            # quotes the block reads the same, unless a quoted field holds the
            # delimiter -- then the field counts change and the csv module
            # takes over
            _parse_plain(
                ctx, [line.replace('"', "") for line in block], first_line, rows, stripped=True
            )
        ):
            continue
        else:
            rest = itertools.chain([block], (b for _, b in blocks))
            _parse_csv(ctx, rest, first_line, rows)
            return


def _parse_plain(ctx, block, first_line, rows, stripped=False):
    """Parse the lines ``block`` (the first is line ``first_line``) of text
    without quotes into ``rows``; True when done.  With ``stripped`` (the
    quotes were removed), a row with another number of fields than the
    header's returns False instead, and nothing is added.

    C-level filtering and counting, and NumPy's parser; a block that does
    not parse cleanly (a bad cell, a missing value, a ragged row) is scanned
    exactly, row by row, so that errors name their line and column (the
    first problem of the block, in line order) and ``missing="drop"`` drops
    exactly the right rows.
    """
    d = ctx.delimiter
    rule = bool
    data = list(filter(None, block))
    counts = _field_counts(data, d)
    expected = ctx.n_fields if d is None else ctx.n_fields - 1
    bad = _first_mismatch(counts, expected)
    if bad is not None and not _is_content(data[bad]):
        rule = _is_content
        data = list(filter(_is_content, block))
        counts = _field_counts(data, d)
        bad = _first_mismatch(counts, expected)
    if bad is not None and stripped:
        return False
    if not data:
        return True

    def line_numbers():
        if len(data) == len(block):
            return np.arange(first_line, first_line + len(block), dtype=np.int64)
        taken = np.fromiter(map(rule, block), dtype=bool, count=len(block))
        return first_line + np.flatnonzero(taken)

    if bad is None:
        try:
            B = np.loadtxt(
                data,
                delimiter=d,
                usecols=ctx.usecols,
                dtype=np.float64,
                ndmin=2,
                comments=None,
                quotechar=None,
            )
            ok = B.shape[0] == len(data) and bool(np.isfinite(B).all())
        except ValueError:
            ok = False
        if ok:
            ids = None
            if ctx.ids_at is not None:
                ids = [_fields(line, d)[ctx.ids_at] for line in data]
            rows.add(B, first_line if len(data) == len(block) else line_numbers(), ids)
            return True
    numbered = zip(line_numbers().tolist(), data)
    _scan_into(ctx, ((n, _fields(line, d)) for n, line in numbered if _is_content(line)), rows)
    return True


def _scan_block(ctx, block, first_line, rows):
    """Scan the whitespace-separated lines ``block`` row by row (quotes
    around a field are dropped)."""
    numbered = enumerate(block, first_line)
    _scan_into(ctx, ((n, _fields(line, None)) for n, line in numbered if _is_content(line)), rows)


def _parse_csv(ctx, blocks, first_line, rows):
    """Read the lines of ``blocks`` (the first is line ``first_line``) to
    the end of the file with the csv module (a quoted field may span
    lines; a row's line is where it starts), :data:`_CSV_ROWS` rows at a
    time."""
    reader = csv.reader(
        (line + "\n" for line in itertools.chain.from_iterable(blocks)),
        delimiter=ctx.delimiter,
    )

    def records():
        while True:
            at = first_line + reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataFileError(
                    f"cannot parse this line: {reason(exc)}", path=ctx.path, line=at
                ) from None
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if row[0].lstrip().startswith("#"):
                continue
            yield at, [f.strip() for f in row]

    numbered = records()
    while True:
        group = list(itertools.islice(numbered, _CSV_ROWS))
        if not group:
            return
        _scan_into(ctx, group, rows)


def _scan_into(ctx, numbered_fields, rows):
    values, kept, dropped, ids = ctx.scan(numbered_fields)
    rows.add(
        np.array(values, dtype=np.float64).reshape(len(kept), rows.width),
        np.array(kept, dtype=np.int64),
        ids,
    )
    rows.drop(dropped)


def _no_rows(display, header):
    raise DataFileError(
        "the file has a header line but no data lines" if header else "the file has no data lines",
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


class _Rows:
    """The rows read so far: blocks of numbers, the lines they came from
    (as runs of consecutive lines), their row ids (the text of the id
    column, when there is one) and the lines dropped for missing values."""

    def __init__(self, width: int, with_ids: bool = False) -> None:
        self.width = width
        self.ids: list[str] | None = [] if with_ids else None
        self.all_dropped: list[int] = []
        self.n = 0
        self.blocks: list[np.ndarray] = []
        # row i of a run starting at row r on line l is on line l + i - r
        self.run_rows: list[np.ndarray] = []
        self.run_lines: list[np.ndarray] = []
        self.n_dropped = 0
        self.dropped: list[int] = []

    def add(self, X, lines, ids=None):
        """Append the rows ``X``, from the lines ``lines`` (an array, or the
        first of consecutive lines), whose row ids are ``ids``."""
        if not len(X):
            return
        if self.ids is not None:
            self.ids.extend(ids)
        if isinstance(lines, int):
            starts = np.zeros(1, dtype=np.int64)
            first_lines = np.array([lines], dtype=np.int64)
        else:
            starts = np.concatenate(([0], np.flatnonzero(np.diff(lines) != 1) + 1))
            first_lines = lines[starts]
        self.run_rows.append(self.n + starts)
        self.run_lines.append(first_lines)
        self.blocks.append(X)
        self.n += len(X)

    def drop(self, lines):
        self.n_dropped += len(lines)
        self.all_dropped.extend(lines)
        self.dropped.extend(lines[: _DROPPED_LISTED - len(self.dropped)])

    def dropped_ordinals(self, line_numbers):
        """0-based positions, among all the data rows of the file, of the
        dropped rows (``line_numbers()``: the lines of the rows kept)."""
        if not self.all_dropped:
            return np.zeros(0, dtype=np.int64)
        lines = np.array(self.all_dropped, dtype=np.int64)
        return np.arange(len(lines), dtype=np.int64) + np.searchsorted(line_numbers(), lines)

    def id_array(self):
        """The row ids of the rows kept, as an array of strings (or None)."""
        if self.ids is None:
            return None
        return np.array(self.ids, dtype=str)

    def array(self):
        """All the rows, in one float64 array (the blocks are let go)."""
        blocks, self.blocks = self.blocks, []
        if len(blocks) == 1:
            return blocks[0]
        return np.concatenate(blocks)

    def line_numbers(self):
        """The line of every row, as an int64 array."""
        starts = np.concatenate(self.run_rows)
        lines = np.concatenate(self.run_lines)
        lengths = np.diff(np.append(starts, self.n))
        return np.repeat(lines - starts, lengths) + np.arange(self.n, dtype=np.int64)


class _TextContext:
    """Validation of a text file's rows with exact error positions."""

    def __init__(self, path, names, usecols, n_fields, header_line, delimiter, missing, decimal):
        self.path = path
        self.decimal = decimal
        self.ids_at = None
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
            f"the header on line {self.header_line}" if self.header_line else "the first data line"
        )
        what = "delimiter " + ("whitespace" if self.delimiter is None else repr(self.delimiter))
        raise DataFileError(
            f"expected {self.n_fields} fields, like {like}, but found {found} "
            f"({what}); every row needs the same number of fields",
            path=self.path,
            line=line,
        )

    def scan(
        self, rows: Iterable[tuple[int, list[str]]]
    ) -> tuple[list[float], list[int], list[int], list[str] | None]:
        """Parse every row: ``(values, kept_lines, dropped_lines, ids)``
        (``ids``: the row ids of the kept rows, or None); raises
        at the first ragged row, non-number, infinity, or (``missing=
        "error"``) missing value."""
        values = []
        kept = []
        dropped = []
        ids: list[str] | None = None if self.ids_at is None else []
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
                        shown = excerpt(token) if token else "(an empty cell)"
                        raise DataFileError(
                            f"missing value {shown}; fill it in, or drop the rows that "
                            "have one with --missing drop",
                            path=self.path,
                            line=line,
                            column=j + 1,
                            column_name=self._name(j),
                        )
                    has_missing = True
                elif v in (float("inf"), float("-inf")):
                    raise DataFileError(
                        f"{excerpt(token)} is not a finite number",
                        path=self.path,
                        line=line,
                        column=j + 1,
                        column_name=self._name(j),
                    )
                row.append(v)
            if has_missing:
                dropped.append(line)
            else:
                values.extend(row)
                kept.append(line)
                if ids is not None:
                    ids.append(fields[self.ids_at])
        return values, kept, dropped, ids

    def _not_a_number(self, line, j, token):
        hints = []
        if re.fullmatch(r"[-+]?\d+,\d+", token):
            hints.append("for decimal commas give --decimal , (with ';' or tab as the delimiter)")
        if hints:
            pass
        elif self.header_line is None and line == self.first_line:
            hints.append("if this line names the columns, say so with --header")
        elif self.n_fields > 1:
            hints.append("select numeric columns with --columns")
        raise DataFileError(
            f"{excerpt(token)} is not a number" + ("; " + "; ".join(hints) if hints else ""),
            path=self.path,
            line=line,
            column=j + 1,
            column_name=self._name(j),
        )
