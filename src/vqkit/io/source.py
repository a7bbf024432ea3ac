"""The bytes of a text source, a piece at a time: a file, a gzip, bzip2 or xz
file (decompressed within a limit, so that a small file cannot expand into
more than memory holds), or standard input."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import zlib
from collections.abc import Iterator
from typing import IO

from .errors import DataFileError, os_error, reason
from .formats import compression_of

#: Bytes read from a source at a time.
CHUNK_BYTES = 1 << 18
#: With the automatic limit, a compressed file may always expand to this
#: many bytes ...
AUTO_EXPANDED_FLOOR = 64 << 20
#: ... and beyond that to at most this many times its own size.
AUTO_EXPANSION_RATIO = 100

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_NAMES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
_DAMAGED = (EOFError, gzip.BadGzipFile, lzma.LZMAError, zlib.error)


def size_text(n: int) -> str:
    """``n`` bytes in the largest binary unit that keeps it at least 1:
    ``"64 MiB"``, ``"1.5 GiB"``, ``"200 bytes"``."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            value = n / (1 << shift)
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def expansion_limit(compressed_size: int, max_expanded_size: int | None) -> int:
    """The most bytes a compressed input of ``compressed_size`` bytes may
    expand to: ``max_expanded_size`` when given, else the automatic limit,
    the larger of :data:`AUTO_EXPANDED_FLOOR` and
    :data:`AUTO_EXPANSION_RATIO` times the compressed size."""
    if max_expanded_size is not None:
        return max_expanded_size
    return max(AUTO_EXPANDED_FLOOR, AUTO_EXPANSION_RATIO * compressed_size)


def expansion_error(
    where: str,
    limit: int,
    compressed_size: int,
    max_expanded_size: int | None,
    path: str | None = None,
) -> DataFileError:
    """The error for an input that expands beyond ``limit`` bytes: it says
    which limit, and how to raise it."""
    if max_expanded_size is None:
        why = (
            f"the automatic limit: {size_text(AUTO_EXPANDED_FLOOR)}, or "
            f"{AUTO_EXPANSION_RATIO} times the compressed size "
            f"({size_text(compressed_size)}) when that is more"
        )
    else:
        why = "the limit given"
    return DataFileError(
        f"expands to more than {size_text(limit)} when decompressed ({why}), which looks "
        "like a decompression bomb; if the file is genuine, raise the limit with "
        "--max-expanded-size (max_expanded_size= in Python), e.g. --max-expanded-size 100G",
        path=path,
        where=where,
    )


def file_chunks(path: str, max_expanded_size: int | None = None) -> Iterator[bytes]:
    """The bytes of the file ``path``, decompressed when its name says it is
    compressed, :data:`CHUNK_BYTES` at a time; :class:`DataFileError` when
    it cannot be read, is damaged, or expands beyond its limit (see
    :func:`expansion_limit`)."""
    compression = compression_of(path)
    with _opened(path, compression) as fh:
        if compression is None:
            yield from _read_all(fh, path)
            return
        try:
            compressed_size = os.fstat(fh.fileno()).st_size
        except (OSError, AttributeError, ValueError):
            compressed_size = os.path.getsize(path)
        limit = expansion_limit(compressed_size, max_expanded_size)
        total = 0
        try:
            for chunk in _read_all(fh, path):
                total += len(chunk)
                if total > limit:
                    raise expansion_error(
                        path, limit, compressed_size, max_expanded_size, path=path
                    )
                yield chunk
        except _DAMAGED as exc:
            raise DataFileError(
                f"not a valid {_NAMES[compression]} file: {reason(exc)}", path=path
            ) from None
        except OSError as exc:
            if exc.errno is not None:
                raise os_error(path, exc) from None
            # bz2 says "Invalid data stream" with an OSError without errno
            raise DataFileError(
                f"not a valid {_NAMES[compression]} file: {reason(exc)}", path=path
            ) from None


@contextlib.contextmanager
def _opened(path, compression):
    """The file ``path``, opened through its decompressor; an error while
    opening it is a :class:`DataFileError`."""
    opener = open if compression is None else _OPENERS[compression]
    try:
        fh = opener(path, "rb")  # noqa: SIM115 -- closed by the with below
    except OSError as exc:
        raise os_error(path, exc) from None
    with fh:
        yield fh


def stream_chunks(stream: IO[bytes] | IO[str]) -> Iterator[bytes]:
    """The bytes of an open stream (text streams are encoded as UTF-8),
    :data:`CHUNK_BYTES` at a time."""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _read_all(fh, path):
    while True:
        try:
            chunk = fh.read(CHUNK_BYTES)
        except OSError as exc:
            if exc.errno is not None:
                raise os_error(path, exc) from None
            raise
        if not chunk:
            return
        yield chunk
