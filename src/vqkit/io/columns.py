"""Choosing columns by name, by 0-based index or by ``start:stop`` range, as
``read_data(columns=...)`` and the ``--columns`` option take them."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .errors import DataFileError, excerpt, listing

#: What ``columns`` may be: a name, an index or a range (or several of them
#: in one comma-separated string), a list of these, or None for all columns.
ColumnSpec = str | int | Sequence[str | int] | None

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


def select_columns(
    columns: ColumnSpec,
    n_columns: int,
    names: Sequence[str] | None = None,
    path: str | None = None,
) -> list[int]:
    """0-based indices of the columns that ``columns`` names (see
    :func:`vqkit.io.read_data`), or ``list(range(n_columns))`` for None."""
    if columns is None:
        return list(range(n_columns))
    items = _split_spec(columns)
    if not items:
        raise DataFileError("no columns selected", path=path, option="columns")
    lookup: dict[str, int] = {}
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
                    f"the range {excerpt(item)} selects no column (there are {n_columns}, "
                    f"indices 0 to {n_columns - 1}; the stop index is excluded)",
                    path=path,
                    option="columns",
                )
            picked.extend(got)
            continue
        if names:
            raise DataFileError(
                f"there is no column named {excerpt(item)}; the columns are: " + listing(names),
                path=path,
                option="columns",
            )
        raise DataFileError(
            f"there is no column named {excerpt(item)}: the file has no column names; "
            f"select columns by 0-based index (0 to {n_columns - 1}) or range such as 0:2",
            path=path,
            option="columns",
        )
    return picked


def _index(i, n, path):
    if not -n <= i < n:
        raise DataFileError(
            f"column index {i} is out of range: there are {n} columns "
            f"(indices 0 to {n - 1}, or -{n} to -1 from the end)",
            path=path,
            option="columns",
        )
    return i % n
