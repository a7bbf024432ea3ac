"""Which format a data file is in, told by its name: delimited text, ``.npy``,
``.npz`` or Parquet."""

from __future__ import annotations

import os

from .errors import DataFileError

#: Suffixes read as delimited text (also with ``.gz`` added).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".data")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED = (
    "delimited text (.csv, .tsv, .txt, .dat, .data, optionally .gz; no suffix is read as text), "
    ".npy, .npz, Parquet (.parquet, .pq), and '-' for standard input"
)


def suffix_of(path: str) -> str:
    """The lower-case suffix of ``path``, two of them for a gzipped file
    (``".csv.gz"``); ``""`` when it has none."""
    name = os.path.basename(path).lower()
    if name.endswith(".gz"):
        inner = os.path.splitext(name[:-3])[1]
        return inner + ".gz"
    return os.path.splitext(name)[1]


def format_of(path: str) -> str:
    """``"text"``, ``"npy"``, ``"npz"`` or ``"parquet"``: how ``path`` is
    read (``"-"``, standard input, is text); :class:`DataFileError` for
    any other suffix."""
    if path == "-":
        return "text"
    suffix = suffix_of(path)
    if suffix in ("", ".gz") or suffix in TEXT_SUFFIXES or suffix[:-3] in TEXT_SUFFIXES:
        return "text"
    if suffix == ".npy":
        return "npy"
    if suffix == ".npz":
        return "npz"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise DataFileError(
        f"unsupported file type {suffix!r}; vqkit reads {SUPPORTED}", path=path
    )
