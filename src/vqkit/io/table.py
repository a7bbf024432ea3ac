"""What :func:`vqkit.io.read_data` returns: a :class:`Table`, the numbers of
a data file with their column names and the rows left out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np


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
    header_reason : str
        Text files: why the first line was, or was not, read as the column
        names (for summaries), such as ``"line 1 names the columns (it has
        text: 'x')"``.
    header_line : int or None
        Text files: the 1-based line of the column names.
    dropped_rows : ndarray of int64
        0-based positions of all the dropped rows among the file's data
        rows (the numbering of :meth:`row_numbers`).
    id_column : str or None
        The name (or 0-based index, as text) of the column read as row ids
        instead of as a feature.
    row_ids : ndarray of str or None
        The text of the id column in each row of ``X``.
    decimal : str
        Text files: the decimal separator, ``"."`` or ``","``.
    file_columns : list of str or None
        The names of all the file's columns, selected or not (when it names
        them).
    n_file_columns : int or None
        How many columns the file has, selected or not.
    """

    X: np.ndarray
    columns: list[str] | None = None
    path: str = ""
    format: str = "text"
    delimiter: str | None = None
    header: bool = False
    n_dropped: int = 0
    dropped: list[int] = dataclasses.field(default_factory=list)
    _line_numbers: Callable[[], np.ndarray] | None = dataclasses.field(default=None, repr=False)
    header_reason: str = ""
    header_line: int | None = None
    dropped_rows: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    id_column: str | None = None
    row_ids: np.ndarray | None = None
    decimal: str = "."
    file_columns: list[str] | None = None
    n_file_columns: int | None = None

    def row_numbers(self) -> np.ndarray:
        """0-based position of each row of ``X`` among all the data rows of
        the file, dropped ones included: the row numbers that labels are
        written with, so that they join back to the file."""
        n = self.X.shape[0]
        if not len(self.dropped_rows):
            return np.arange(n, dtype=np.int64)
        return np.delete(np.arange(n + len(self.dropped_rows), dtype=np.int64), self.dropped_rows)

    def where(self, i: int) -> str:
        """``"line N"`` (text) or ``"row N"`` (binary) of the row ``X[i]``."""
        if self._line_numbers is not None:
            return f"line {int(self._line_numbers()[i])}"
        return f"row {i + 1}"

    def line_of(self, i: int) -> int | None:
        """1-based line of ``X[i]`` in a text file, or None for binary files."""
        if self._line_numbers is None:
            return None
        return int(self._line_numbers()[i])
