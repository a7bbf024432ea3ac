"""Which format a data file is in, told by its name: delimited text (perhaps
compressed), ``.npy``, ``.npz`` or Parquet."""

from __future__ import annotations

import os

from .errors import DataFileError, excerpt

#: Suffixes read as delimited text (also with a compression suffix added).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".data")
#: Suffixes of compressed text: gzip, bzip2, xz.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = (
    "delimited text (.csv, .tsv, .txt, .dat, .data, optionally compressed as .gz, .bz2 or "
    ".xz; no suffix is read as text), .npy, .npz, Parquet (.parquet, .pq), and '-' for "
    "standard input"
)


def compression_of(path: str) -> str | None:
    """``".gz"``, ``".bz2"`` or ``".xz"`` when ``path`` names a compressed
    file, else None."""
    name = os.path.basename(path).lower()
    return next((c for c in COMPRESSED_SUFFIXES if name.endswith(c)), None)


def suffix_of(path: str) -> str:
    """The lower-case suffix of ``path``, two of them for a compressed file
    (``".csv.gz"``); ``""`` when it has none."""
    name = os.path.basename(path).lower()
    compression = compression_of(name)
    if compression is not None:
        inner = os.path.splitext(name[: -len(compression)])[1]
        return inner + compression
    return os.path.splitext(name)[1]


def format_of(path: str) -> str:
    """``"text"``, ``"npy"``, ``"npz"`` or ``"parquet"``: how ``path`` is
    read (``"-"``, standard input, is text); :class:`DataFileError` for
    any other suffix."""
    if path == "-":
        return "text"
    suffix = suffix_of(path)
    compression = compression_of(path)
    inner = suffix[: -len(compression)] if compression else suffix
    if inner == "" or inner in TEXT_SUFFIXES:
        return "text"
    if compression is None:
        if suffix == ".npy":
            return "npy"
        if suffix == ".npz":
            return "npz"
        if suffix in PARQUET_SUFFIXES:
            return "parquet"
    raise DataFileError(
        f"unsupported file type {excerpt(suffix)}; vqkit reads {SUPPORTED}", path=path
    )
