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


def _csv_line(values):
    buf = _io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
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


def write_labels(path: str | os.PathLike[str], labels: ArrayLike) -> str:
    """Write cluster labels: ``.npy`` (int32), ``.csv`` (header ``row,label``
    and the 0-based row index in the first column), anything else one
    label per line; ``"-"`` writes one per line to standard output."""
    labels = np.asarray(labels)
    if _is_npy(path):
        return _write_npy(path, labels.astype(np.int32, copy=False))
    if os.fspath(path).lower().endswith(".csv"):

        def rows():
            yield "row,label\n"
            for start in range(0, len(labels), _WRITE_ROWS):
                block = labels[start : start + _WRITE_ROWS].tolist()
                yield "".join(f"{i},{v}\n" for i, v in enumerate(block, start))

        return _write_text(path, rows())
    return _write_text(path, _one_per_line(labels))


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
