"""Binary data files: ``.npy`` (memory-mapped, no pickle), ``.npz`` and
Parquet (with the ``io`` extra), checked for NaN and infinity block by
block, with the row and column of the first bad value."""

from __future__ import annotations

import numpy as np

from .columns import ColumnSpec, select_columns
from .errors import DataFileError, os_error
from .table import Table

#: The member of vqkit's own ``.npz`` archives (saved models, code books)
#: that holds their JSON metadata; never read as data.
META_KEY = "__vqkit__"
#: Rows per block when binary arrays are checked for NaN and infinity.
_BLOCK = 1 << 16


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


def read_npy(path: str, columns: ColumnSpec, missing: str) -> Table:
    """The :class:`Table` of the ``.npy`` file ``path``; its array may be a
    read-only memory map of the file."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except OSError as exc:
        raise os_error(path, exc) from None
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
            raise os_error(path, exc) from None
        raise DataFileError(f"not a valid .npy file: {exc}", path=path) from None
    X, n_dropped, dropped = _array_checked(arr, path, None, columns, missing)
    return Table(X, None, path, "npy", n_dropped=n_dropped, dropped=dropped)


def read_npz(path: str, key: str | None, columns: ColumnSpec, missing: str) -> Table:
    """The :class:`Table` of the array ``key`` of the ``.npz`` archive
    ``path`` (its only array when ``key`` is None)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise os_error(path, exc) from None
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


def read_parquet(path: str, columns: ColumnSpec, missing: str) -> Table:
    """The :class:`Table` of the numeric columns of the Parquet file
    ``path`` (needs pyarrow)."""
    try:
        pa, pq = _import_pyarrow_parquet()
    except ImportError as exc:
        raise DataFileError(str(exc), path=path) from None
    try:
        pfile = pq.ParquetFile(path)
        names = list(pfile.schema_arrow.names)
    except OSError as exc:
        if exc.errno is not None:
            raise os_error(path, exc) from None
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
