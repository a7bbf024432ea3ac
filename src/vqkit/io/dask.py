"""Out-of-core inputs for the Dask backend (the optional ``dask`` extra).

``dask.array.from_array(np.load(path, mmap_mode="r"))`` works with Dask's
local threads, but a ``distributed`` cluster pickles the graph, and a
pickled ``numpy.memmap`` carries *all* its data: the whole file would travel
to the scheduler and the workers.  :func:`npy_array` wraps the file in an
object that pickles as its path and maps the file only inside the task
that reads a block, so each worker reads just its rows::

    from vqkit.io import npy_array
    X = npy_array("big.npy", chunk_rows=250_000)   # lazy, nothing read yet
    KMeans(64).fit(X)

The file must be readable at the same path on every worker (a shared or
local disk).  Parquet and Zarr need no helper: ``dask.dataframe.read_parquet``
(then ``KMeans.fit`` takes the DataFrame of numeric columns) and
``dask.array.from_zarr`` read blocks inside tasks already.
"""

from __future__ import annotations

import operator
import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import dask.array


class NpyRows:
    """A ``.npy`` file as a sliceable array that pickles as its path.

    ``shape``, ``dtype`` and ``ndim`` come from the file's header;
    indexing maps the file read-only, copies the requested part and unmaps
    it, so no mapping outlives a task.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        mm = np.load(self.path, mmap_mode="r")
        self.shape, self.dtype, self.ndim = mm.shape, mm.dtype, mm.ndim
        del mm

    def __getitem__(self, index: object) -> np.ndarray:
        mm = np.load(self.path, mmap_mode="r")
        try:
            return np.array(mm[index])
        finally:
            del mm

    def __len__(self) -> int:
        return self.shape[0]

    def __reduce__(self) -> tuple[type[NpyRows], tuple[str]]:
        return (type(self), (self.path,))


def npy_array(path: str | os.PathLike[str], chunk_rows: int | None = None) -> dask.array.Array:
    """A lazy Dask array of the 2-D ``.npy`` file at ``path``, in blocks of
    ``chunk_rows`` rows (all columns); ``None`` lets Dask choose (about
    128 MiB blocks); otherwise an integer >= 1 (``ValueError`` else)."""
    import dask.array as da

    if chunk_rows is not None:
        try:
            chunk_rows = operator.index(chunk_rows)
        except TypeError:
            raise ValueError(
                f"chunk_rows must be an integer >= 1 or None, got {chunk_rows!r}."
            ) from None
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be an integer >= 1 or None, got {chunk_rows}.")
    rows = NpyRows(path)
    if rows.ndim != 2:
        raise ValueError(f"{path} holds a {rows.ndim}-D array; k-means needs 2-D data.")
    chunks = ("auto" if chunk_rows is None else chunk_rows, -1)
    return da.from_array(rows, chunks=chunks, asarray=True, fancy=False)
