"""Binary data files: ``.npy`` (memory-mapped, no pickle), ``.npz`` and
Parquet (with the ``io`` extra), checked for NaN and infinity block by
block, with the row and column of the first bad value."""

from __future__ import annotations

import math
import os
import tokenize
import zipfile
import zlib

import numpy as np

from .columns import ColumnSpec, select_columns
from .errors import DataFileError, excerpt, listing, os_error, reason
from .source import expansion_error, expansion_limit
from .table import Table

#: The member of vqkit's own ``.npz`` archives (saved models, code books)
#: that holds their JSON metadata; never read as data.
META_KEY = "__vqkit__"
#: Rows per block when binary arrays are checked for NaN and infinity.
_BLOCK = 1 << 16
#: What reading a damaged .npy file, zip archive or member raises: NumPy's
#: format reader (its header parser raises SyntaxError and tokenize's
#: TokenError too), zipfile (RuntimeError for an encrypted member,
#: NotImplementedError for an unknown compression method) and zlib.
_DAMAGED = (
    ValueError,
    OSError,
    EOFError,
    SyntaxError,
    tokenize.TokenError,
    OverflowError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    RuntimeError,
    KeyError,
)


def _array_checked(arr, path, where, columns, missing, names=None, usecols=None):
    """The 2-D float array of ``arr`` after column selection and the
    missing-value policy: ``(X, n_dropped, dropped_rows)`` (all the
    dropped rows, 0-based).  ``usecols``:
    the file's 0-based column of each column of ``arr`` (when the selection
    was made before), for error messages; ``names``: the file's names."""
    if arr.dtype.kind not in "fiub":
        raise DataFileError(f"holds {arr.dtype} values, not real numbers", path=path, where=where)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataFileError(
            f"has shape {arr.shape}: expected a 2-D array (rows x columns) or a 1-D one "
            "(one column)",
            path=path,
            where=where,
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataFileError(f"has no data: its shape is {arr.shape}", path=path, where=where)
    if columns is not None:
        usecols = select_columns(columns, arr.shape[1], names, where)
        arr = arr[:, usecols]
    if usecols is None:
        usecols = range(arr.shape[1])

    def position(i, j):
        c = usecols[j]
        return {
            "row": int(i) + 1,
            "column": int(c) + 1,
            "column_name": names[c] if names else None,
        }

    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        return arr, 0, []
    bad_rows = []
    for start in range(0, arr.shape[0], _BLOCK):
        block = np.asarray(arr[start : start + _BLOCK])
        finite = np.isfinite(block)
        if finite.all():
            continue
        inf = np.isinf(block)
        if inf.any():
            i, j = np.argwhere(inf)[0]
            raise DataFileError(
                f"infinite value (index [{start + i}, {usecols[j]}])",
                path=path,
                where=where,
                **position(start + i, j),
            )
        if missing == "error":
            i, j = np.argwhere(~finite)[0]
            raise DataFileError(
                f"missing value (NaN; index [{start + i}, {usecols[j]}]); drop the rows "
                "that have one with --missing drop",
                path=path,
                where=where,
                **position(start + i, j),
            )
        bad_rows.extend((start + np.flatnonzero(~finite.all(axis=1))).tolist())
    if not bad_rows:
        return arr, 0, []
    if len(bad_rows) == arr.shape[0]:
        raise DataFileError(
            f"no rows left: all {len(bad_rows)} rows have missing values (NaN)",
            path=path,
            where=where,
        )
    keep = np.ones(arr.shape[0], dtype=bool)
    keep[bad_rows] = False
    return np.ascontiguousarray(arr[keep]), len(bad_rows), bad_rows


def _dropped(n_dropped, rows):
    """The Table fields of the dropped ``rows`` (0-based)."""
    return {
        "n_dropped": n_dropped,
        "dropped": [r + 1 for r in rows[:10]],
        "dropped_rows": np.array(rows, dtype=np.int64),
    }


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
            "files .csv or .txt",
            path=path,
        )
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if any(s in str(exc) for s in ("allow_pickle", "Object arrays", "Python objects")):
            raise DataFileError(
                "holds Python objects, which vqkit does not load (no pickle); save a "
                "numeric array",
                path=path,
            ) from None
        raise DataFileError(f"not a valid .npy file: {reason(exc)}", path=path) from None
    except _DAMAGED as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise os_error(path, exc) from None
        raise DataFileError(f"not a valid .npy file: {reason(exc)}", path=path) from None
    X, n_dropped, dropped = _array_checked(arr, path, None, columns, missing)
    width = arr.shape[1] if arr.ndim == 2 else 1
    return Table(X, None, path, "npy", n_file_columns=width, **_dropped(n_dropped, dropped))


def read_npz(
    path: str,
    key: str | None,
    columns: ColumnSpec,
    missing: str,
    max_expanded_size: int | None = None,
) -> Table:
    """The :class:`Table` of the array ``key`` of the ``.npz`` archive
    ``path`` (its only array when ``key`` is None).  A compressed member
    may expand to at most ``max_expanded_size`` bytes (default: see
    :func:`vqkit.io.read_data`), and the size its header declares must fit
    in the member, so that a damaged or hostile archive cannot make it
    allocate more than the file can hold."""
    try:
        archive = np.load(path, allow_pickle=False)
    except _DAMAGED as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise os_error(path, exc) from None
        raise DataFileError(f"not a valid .npz file: {reason(exc)}", path=path) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataFileError("is a bare .npy array, not an .npz archive: name it .npy", path=path)
    with archive:
        keys = [k for k in archive.files if k != META_KEY]
        if key is None:
            if not keys:
                raise DataFileError("holds no arrays", path=path)
            if len(keys) > 1:
                raise DataFileError(
                    f"holds {len(keys)} arrays ({listing(keys)}); choose one with --key",
                    path=path,
                    option="key",
                )
            key = keys[0]
        elif key not in keys:
            raise DataFileError(
                f"has no array named {excerpt(key)}; it holds: {listing(keys) or 'no arrays'}",
                path=path,
                option="key",
            )
        where = f"{path} (array {excerpt(key)})"
        arr = _npz_member(archive, key, path, where, max_expanded_size)
    X, n_dropped, dropped = _array_checked(arr, path, where, columns, missing)
    width = arr.shape[1] if arr.ndim == 2 else 1
    return Table(X, None, path, "npz", n_file_columns=width, **_dropped(n_dropped, dropped))


def _npz_member(archive, key, path, where, max_expanded_size):
    """The array ``key`` of the open ``.npz`` ``archive``, its sizes checked
    before it is read."""
    name = key + ".npy" if key + ".npy" in archive.zip.namelist() else key
    try:
        info = archive.zip.getinfo(name)
        _check_member_sizes(info, os.path.getsize(path), path, where, max_expanded_size)
        with archive.zip.open(name) as fh:
            dtype, n_bytes, header_bytes = _npy_header(fh)
        if dtype.hasobject:
            raise DataFileError(
                "holds Python objects, which vqkit does not load (no pickle)",
                path=path,
                where=where,
            )
        if n_bytes > info.file_size - header_bytes:
            raise DataFileError(
                f"is damaged: its header declares {n_bytes} bytes of data, but the member "
                f"holds {max(info.file_size - header_bytes, 0)}",
                path=path,
                where=where,
            )
        return archive[key]
    except DataFileError:
        raise
    except _DAMAGED as exc:  # a damaged member of the zip archive
        if isinstance(exc, OSError) and exc.errno is not None:
            raise os_error(path, exc) from None
        raise DataFileError(f"cannot read it: {reason(exc)}", path=path, where=where) from None


def _check_member_sizes(info, archive_size, path, where, max_expanded_size):
    """Refuse a zip member whose declared sizes cannot be true, or that
    expands beyond its limit."""
    if info.compress_size > archive_size or (
        info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size
    ):
        raise DataFileError(
            f"is damaged: the archive declares sizes ({info.compress_size} bytes stored, "
            f"{info.file_size} bytes unpacked) that the file ({archive_size} bytes) cannot "
            "hold",
            path=path,
            where=where,
        )
    if info.compress_type != zipfile.ZIP_STORED:
        limit = expansion_limit(info.compress_size, max_expanded_size)
        if info.file_size > limit:
            raise expansion_error(where, limit, info.compress_size, max_expanded_size, path=path)


def _npy_header(fh):
    """``(dtype, data_bytes, header_bytes)`` of the ``.npy`` data that
    ``fh`` starts with."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:  # 3.0 differs from 2.0 only in the encoding of its (ASCII) header
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return dtype, math.prod(shape) * dtype.itemsize, fh.tell()


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


def read_parquet(
    path: str, columns: ColumnSpec, missing: str, max_expanded_size: int | None = None
) -> Table:
    """The :class:`Table` of the numeric columns of the Parquet file
    ``path`` (needs pyarrow).  Integers are converted to the nearest
    float64, as NumPy converts them (exact up to 2**53 in magnitude).  The
    array to build may take at most ``max_expanded_size`` bytes (default:
    the automatic limit of :func:`vqkit.io.read_data`, against the file's
    size), so that a small file cannot declare more rows than memory
    holds."""
    try:
        pa, pq = _import_pyarrow_parquet()
    except ImportError as exc:
        raise DataFileError(str(exc), path=path) from None
    damaged = (pa.ArrowException, OSError, ValueError, EOFError)
    try:
        pfile = pq.ParquetFile(path)
        schema = pfile.schema_arrow
        names = list(schema.names)
        n_rows = pfile.metadata.num_rows
    except damaged as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise os_error(path, exc) from None
        raise DataFileError(f"not a valid Parquet file: {reason(exc)}", path=path) from None
    if not names:
        raise DataFileError("has no columns", path=path)
    usecols = select_columns(columns, len(names), names, path)
    for j in usecols:
        t = schema.field(j).type
        if not (
            pa.types.is_integer(t)
            or pa.types.is_floating(t)
            or pa.types.is_boolean(t)
            or pa.types.is_decimal(t)
        ):
            kind = str(t) if len(str(t)) <= 40 else str(t)[:40] + "..."
            raise DataFileError(
                f"holds {kind} values, not numbers; select numeric columns with --columns",
                path=path,
                column=j + 1,
                column_name=names[j],
            )
    size = os.path.getsize(path)
    limit = expansion_limit(size, max_expanded_size)
    if n_rows * len(usecols) * 8 > limit:
        raise expansion_error(path, limit, size, max_expanded_size, path=path)
    try:
        table = pfile.read(columns=sorted(set(names[j] for j in usecols)))
        if table.num_rows == 0:
            raise DataFileError("has no rows", path=path)
        X = np.empty((table.num_rows, len(usecols)), dtype=np.float64)
        for out, j in enumerate(usecols):
            X[:, out] = table.column(names[j]).cast(pa.float64(), safe=False).to_numpy()
    except DataFileError:
        raise
    except damaged as exc:
        raise DataFileError(f"cannot read the table: {reason(exc)}", path=path) from None
    selected = [names[j] for j in usecols]
    X, n_dropped, dropped = _array_checked(X, path, None, None, missing, names, usecols)
    return Table(
        X,
        selected,
        path,
        "parquet",
        file_columns=names,
        n_file_columns=len(names),
        **_dropped(n_dropped, dropped),
    )
