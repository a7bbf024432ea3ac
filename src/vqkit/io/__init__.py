"""Reading data files and writing results (the file I/O of the ``vqkit`` command).

An interface package: it turns files into float arrays and arrays into files,
and knows nothing about clustering.

Reading -- :func:`read_data` returns a :class:`Table` (the array, its column
names, how many rows were dropped) from

* CSV/TSV and other delimited text (``.csv``, ``.tsv``, ``.txt``, ``.dat``,
  ``.data``, a name without a suffix, any of these compressed as ``.gz``,
  ``.bz2`` or ``.xz``, and ``"-"`` for standard input), read and parsed a
  block of lines at a time: the peak memory is about twice the array
  returned, whatever the size of the text.  The delimiter is detected among comma,
  semicolon, tab and runs of whitespace; a header line is detected when none
  of its fields is a number (``header=True``/``False`` forces it).  UTF-8
  with or without a byte-order mark (UTF-16 with one), LF, CRLF or CR line
  ends, fields quoted with ``"``.  Blank lines and lines starting with
  ``#`` are skipped (a ``#`` line right above the data, such as the header
  ``np.savetxt`` writes, names the columns when it fits).
* ``.npy`` (memory-mapped, no pickle), ``.npz`` (``key`` names the array;
  needed when there are several) and Parquet (``.parquet``/``.pq``, with
  the ``io`` extra: ``pip install 'vqkit[io]'``).  Integers become the
  nearest float64 (exact up to 2**53 in magnitude).

``max_expanded_size`` bounds what a compressed input may expand to (the
text of a compressed file, a compressed ``.npz`` member, the array a
Parquet file declares): by default 64 MiB, or 100 times the compressed
size when that is more, so that a decompression bomb is refused.

``columns`` picks columns by name, by 0-based index (negative counts from
the end) or by a Python-style range ``start:stop`` (stop excluded), as a
list or one comma-separated string: ``"x,y"``, ``"0,2"``, ``"1:4"``.
Cells ``""``, ``NA``, ``N/A``, ``NaN``, ``null`` and ``None`` (any case) and
NaN in binary files are missing values: ``missing="error"`` (the default)
stops at the first one, ``missing="drop"`` drops the rows that have one in
a selected column.  Infinite values are always an error.

Every problem raises :class:`DataFileError` (a ``ValueError``) whose
message names the file, and the line (1-based, counted as a text editor
counts them, header and blank lines included) or row, and the column
(1-based number and name) where that applies.  A damaged file of any
format raises it too; a message quotes at most 40 characters of a cell or
name.

Writing -- :func:`write_labels`, :func:`write_matrix` (centres, decoded
vectors) and :func:`write_codes` write ``.npy`` or text; ``"-"`` writes text
to standard output.  Files are written atomically: a complete new file or
none, also when the process is interrupted or terminated; a symbolic link
stays a link, and a device or pipe (``/dev/null``, ``/dev/stdout``) is
written through, never replaced.

Dask -- :func:`npy_array` reads a ``.npy`` file as a lazy Dask array whose
blocks are read inside the tasks (the ``dask`` extra).

The modules: ``read`` (:func:`read_data`), ``source`` (the bytes of a
file, decompressed within a limit, or of standard input, a piece at a
time), ``lines`` (decoding the pieces into lines), ``text`` (delimited
text: delimiter and header detection, parsing block by block with exact
positions), ``binary`` (npy, npz, Parquet), ``columns`` (column
selection), ``formats`` (the format of a file from its name), ``table``
and ``errors`` (what reading returns and raises), ``writing`` (labels,
codes, matrices), ``atomic`` (write a complete file or none) and ``dask``.
"""

from .columns import select_columns
from .dask import npy_array
from .errors import DataFileError
from .formats import PARQUET_SUFFIXES, SUPPORTED, TEXT_SUFFIXES
from .read import MISSING_POLICIES, read_data
from .table import Table
from .text import MISSING_TOKENS
from .writing import default_names, write_codes, write_labels, write_matrix

__all__ = [
    "MISSING_POLICIES",
    "MISSING_TOKENS",
    "PARQUET_SUFFIXES",
    "SUPPORTED",
    "TEXT_SUFFIXES",
    "DataFileError",
    "Table",
    "default_names",
    "npy_array",
    "read_data",
    "select_columns",
    "write_codes",
    "write_labels",
    "write_matrix",
]
