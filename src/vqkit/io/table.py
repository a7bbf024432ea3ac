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
