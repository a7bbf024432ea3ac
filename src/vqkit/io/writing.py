"""Writing results: cluster labels, codes and matrices (centres, decoded
vectors) as ``.npy`` or text, atomically; ``"-"`` writes text to standard
output."""

from __future__ import annotations

import csv
import io as _io
import os
import sys
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .atomic import atomic_write
from .formats import suffix_of


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
    return atomic_write(path, lambda fh: fh.write(data), suffix=suffix_of(path))


def _write_npy(path, array):
    if os.fspath(path) == "-":
        raise ValueError("a .npy file cannot go to standard output; give a file name")
    return atomic_write(
        path, lambda fh: np.save(fh, np.asarray(array), allow_pickle=False), suffix=".npy"
    )


def _is_npy(path):
    return os.fspath(path) != "-" and os.fspath(path).lower().endswith(".npy")


def write_labels(path: str | os.PathLike[str], labels: ArrayLike) -> str:
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


def write_codes(path: str | os.PathLike[str], codes: ArrayLike) -> str:
    """Write codes: ``.npy`` (their unsigned dtype kept) or one per line."""
    codes = np.asarray(codes)
    if _is_npy(path):
        return _write_npy(path, codes)
    return _write_text(path, "".join(f"{v}\n" for v in codes.tolist()))


def default_names(n: int) -> list[str]:
    """Column names for ``n`` unnamed columns: ``x0, x1, ...``."""
    return [f"x{j}" for j in range(n)]


def write_matrix(path: str | os.PathLike[str], X: ArrayLike,
                 columns: Sequence[str] | None = None, *,
                 rows: np.ndarray | None = None) -> str:
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
