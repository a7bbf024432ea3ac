"""Writing the rows of a data file with a label column appended (the
``--output`` of ``vqkit cluster`` and ``vqkit predict``).

A text input is read again, record by record, and every record is written
back with its fields as they were (text columns, ids, decimal commas and
all) and one more field, ``label`` (and ``distance``): the header line gets
the names ``label`` (``distance``), a row that was clustered its cluster,
and a row dropped for missing values an empty field, so that the output
has every data row of the input, in order.  Blank and comment lines are
left out.  Text is written with the input's delimiter (a tab for
whitespace-separated input); a ``.parquet``/``.pq`` output gets one column
per input column, numeric where every cell is a number or missing, text
otherwise, and a nullable ``label`` column.

A binary input (``.npy``, ``.npz``, Parquet) has no text to copy: the
output holds a ``row`` column (the 0-based row of the input), the columns
read and ``label``, for the rows clustered, as CSV (tab-separated for a
``.tsv`` name) or Parquet.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Iterator

import numpy as np

from .atomic import atomic_write
from .formats import PARQUET_SUFFIXES, suffix_of
from .lines import decoded, line_batches
from .source import file_chunks
from .table import Table
from .text import MISSING_TOKENS, _is_content, _is_number
from .writing import _csv_line, _write_text


def write_with_labels(
    path: str | os.PathLike[str],
    table: Table,
    labels: np.ndarray,
    distances: np.ndarray | None = None,
    max_expanded_size: int | None = None,
) -> str:
    """Write the rows of the file ``table`` was read from, with the
    ``labels`` of its rows (and their ``distances`` to their centres)
    appended (see the module's docstring)."""
    path = os.fspath(path)
    n_rows = table.X.shape[0] + len(table.dropped_rows)
    by_row = np.full(n_rows, -1, dtype=np.int64)
    by_row[table.row_numbers()] = labels
    dist = None
    if distances is not None:
        dist = np.full(n_rows, np.nan)
        dist[table.row_numbers()] = distances
    extra = ["label"] + (["distance"] if dist is not None else [])

    def added(r: int) -> list[str]:
        if by_row[r] < 0:
            return [""] * len(extra)
        return [str(by_row[r])] + ([repr(float(dist[r]))] if dist is not None else [])

    if table.format == "text":
        header, records = _text_records(table, max_expanded_size)

        def rows() -> Iterator[list[str]]:
            i = -1
            for i, fields in enumerate(records):
                if i >= n_rows:
                    break
                yield fields + added(i)
            if i + 1 != n_rows:  # another number of data rows than were read
                raise ValueError(f"{table.path} changed while it was being read")

    else:
        header = ["row"] + (table.columns or [f"x{j}" for j in range(table.X.shape[1])])
        row_of = table.row_numbers().tolist()

        def rows() -> Iterator[list[str]]:
            for r, x in zip(row_of, table.X.tolist()):
                yield [str(r)] + [repr(v) for v in x] + added(r)

    names = None if header is None else header + extra
    if suffix_of(path) in PARQUET_SUFFIXES:
        return _write_parquet(path, names, rows(), len(extra), table.decimal)
    if table.format != "text":
        delimiter = ","
    else:
        delimiter = "\t" if table.delimiter in (None, " ") else table.delimiter
    if suffix_of(path) == ".tsv":
        delimiter = "\t"

    def lines() -> Iterator[str]:
        if names is not None:
            yield _csv_line(names, delimiter)
        for block in _batches(rows()):
            buf = io.StringIO()
            csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(block)
            yield buf.getvalue()

    return _write_text(path, lines())


def _batches(items, size=1 << 12):
    items = iter(items)
    while True:
        block = list(itertools.islice(items, size))
        if not block:
            return
        yield block


def _text_records(table, max_expanded_size):
    """``(header, records)`` of the text file of ``table``: the header's
    fields (or the names of a ``#`` line above the data, or None) and an
    iterator over the fields of each data record."""
    texts = decoded(file_chunks(table.path, max_expanded_size), table.path)
    lines = itertools.chain.from_iterable(line_batches(texts))
    if table.delimiter == " ":
        records = (line.split() for line in lines if _is_content(line))
    else:
        reader = csv.reader((line + "\n" for line in lines), delimiter=table.delimiter)
        records = (
            row
            for row in reader
            if row
            and not (len(row) == 1 and not row[0].strip())
            and not row[0].lstrip().startswith("#")
        )
    header = None
    if table.header:
        header = next(records)
    elif table.file_columns is not None:
        header = list(table.file_columns)
    return header, records


def _write_parquet(path, names, rows, n_extra, decimal):
    """Write the string ``rows`` as a Parquet table: a float64 column where
    every cell is a number (with the decimal separator ``decimal``) or
    missing, text otherwise; the label column as nullable int32."""
    from .binary import _import_pyarrow_parquet

    pa, pq = _import_pyarrow_parquet()
    data = list(rows)
    width = len(data[0]) if data else len(names or ())
    if names is None:
        names = [f"x{j}" for j in range(width - n_extra)] + ["label", "distance"][:n_extra]
    columns = [[row[j] for row in data] for j in range(width)]
    if decimal == ",":
        columns[: width - n_extra] = [
            [c.replace(",", ".") if _is_number(c.strip().replace(",", ".")) else c for c in cells]
            for cells in columns[: width - n_extra]
        ]
    arrays = []
    for j, cells in enumerate(columns):
        missing = [c.strip().lower() in MISSING_TOKENS for c in cells]
        if j == width - n_extra:
            labels = [None if m else int(c) for c, m in zip(cells, missing)]
            arrays.append(pa.array(labels, pa.int32()))
        elif all(m or _is_number(c.strip()) for c, m in zip(cells, missing)):
            arrays.append(
                pa.array([None if m else float(c) for c, m in zip(cells, missing)], pa.float64())
            )
        else:
            arrays.append(pa.array(cells, pa.string()))
    table = pa.table(arrays, names=[str(n) for n in names])
    return atomic_write(path, lambda fh: pq.write_table(table, fh), suffix=suffix_of(path))
