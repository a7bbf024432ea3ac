"""Writing results: cluster labels, codes and matrices (centres, decoded
vectors) as ``.npy`` or text, through :func:`~vqkit.io.atomic.atomic_write`;
``"-"`` writes text to standard output.  Text is formatted and written a
block of rows at a time, so that it never has to fit in memory whole."""

from __future__ import annotations

import csv
import errno
import io as _io
import os
import sys
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .atomic import atomic_write
from .formats import suffix_of

#: Rows formatted and written at a time.
_WRITE_ROWS = 1 << 14


def _text_of_number(x):
    """Shortest text that reads back as the same float (float32 or 64)."""
    return str(x)


def _csv_line(values, delimiter=","):
    buf = _io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _write_text(path, pieces: Iterable[str]):
    """Write the text ``pieces`` to ``path`` (``"-"``: standard output)."""
    path = os.fspath(path)
    if path == "-":
        out = sys.stdout
        if out is None or out.closed:
            raise OSError(errno.EBADF, "standard output is closed")
        for piece in pieces:
            out.write(piece)
        out.flush()
        return path

    def write(fh):
        for piece in pieces:
            fh.write(piece.encode("utf-8"))

    return atomic_write(path, write, suffix=suffix_of(path))


def _write_npy(path, array):
    if os.fspath(path) == "-":
        raise ValueError("a .npy file cannot go to standard output; give a file name")
    return atomic_write(
        path, lambda fh: np.save(fh, np.asarray(array), allow_pickle=False), suffix=".npy"
    )


def _is_npy(path):
    return os.fspath(path) != "-" and os.fspath(path).lower().endswith(".npy")


def _in_blocks(values: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, len(values), _WRITE_ROWS):
        yield values[start : start + _WRITE_ROWS]


def _one_per_line(values: np.ndarray) -> Iterator[str]:
    for block in _in_blocks(values):
        yield "".join(f"{v}\n" for v in block.tolist())


def write_labels(
    path: str | os.PathLike[str],
    labels: ArrayLike,
    *,
    rows: ArrayLike | None = None,
    n_rows: int | None = None,
    ids: ArrayLike | None = None,
    id_name: str | None = None,
    distances: ArrayLike | None = None,
    as_csv: bool | None = None,
) -> str:
    """Write cluster labels, so that they join back to the data file.

    ``rows`` is the 0-based position of each label's row among the file's
    ``n_rows`` data rows (default: all rows, in order); rows without a
    label (dropped for missing values) are told apart by the format:

    * ``.npy``: one int32 per data row, -1 where it has no label;
    * ``.csv`` (or ``as_csv``): a header ``row,label`` and one line per
      label, ``row`` being its data row (or, with ``ids``, the text of the
      file's id column, headed ``id_name``); ``distances`` adds a
      ``distance`` column;
    * anything else, and ``"-"`` (standard output): one label per data row
      and line, an empty line where it has none.
    """
    labels = np.asarray(labels)
    n = len(labels)
    rows = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    n_rows = n if n_rows is None else n_rows
    if as_csv is None:
        as_csv = os.fspath(path).lower().endswith(".csv")
    if _is_npy(path) and not as_csv:
        full = np.full(n_rows, -1, dtype=np.int32)
        full[rows] = labels
        return _write_npy(path, full)
    if as_csv:
        first = rows if ids is None else np.asarray(ids)
        columns = [id_name if ids is not None and id_name is not None else "row", "label"]
        extra = [] if distances is None else [np.asarray(distances, dtype=np.float64)]
        if extra:
            columns.append("distance")

        def lines():
            yield _csv_line(columns)
            for start in range(0, n, _WRITE_ROWS):
                stop = start + _WRITE_ROWS
                block = zip(
                    first[start:stop].tolist(),
                    labels[start:stop].tolist(),
                    *(e[start:stop].tolist() for e in extra),
                )
                yield "".join(_csv_line(values) for values in block)

        return _write_text(path, lines())
    if n_rows == n:
        return _write_text(path, _one_per_line(labels))
    full_text = np.full(n_rows, "", dtype=object)
    full_text[rows] = labels.astype(str)
    return _write_text(path, _one_per_line(full_text))


def write_codes(path: str | os.PathLike[str], codes: ArrayLike) -> str:
    """Write codes: ``.npy`` (their unsigned dtype kept) or one per line."""
    codes = np.asarray(codes)
    if _is_npy(path):
        return _write_npy(path, codes)
    return _write_text(path, _one_per_line(codes))


def default_names(n: int) -> list[str]:
    """Column names for ``n`` unnamed columns: ``x0, x1, ...``."""
    return [f"x{j}" for j in range(n)]


def _lines_of(X):
    return [",".join(_text_of_number(v) for v in row) + "\n" for row in X]


def write_matrix(
    path: str | os.PathLike[str],
    X: ArrayLike,
    columns: Sequence[str] | None = None,
    *,
    rows: np.ndarray | None = None,
) -> str:
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

    def pieces():
        yield _csv_line(columns)
        if rows is None:
            for block in _in_blocks(X):
                yield "".join(_lines_of(block))
            return
        lines = _lines_of(X)
        for block in _in_blocks(np.asarray(rows)):
            yield "".join([lines[i] for i in block.tolist()])

    return _write_text(path, pieces())
