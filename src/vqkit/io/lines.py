"""The lines of a text source, decoded a piece at a time: UTF-8 with or
without a byte-order mark, UTF-16 with one, Latin-1 where UTF-8 fails; LF,
CRLF and CR line ends."""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator

from .errors import DataFileError
from .formats import SUPPORTED

#: The first bytes looked at for NUL bytes, which say the file is binary.
_SNIFF_BYTES = 8192


def decoded(chunks: Iterable[bytes], display: str) -> Iterator[str]:
    """The text of the byte pieces ``chunks`` (of the source named
    ``display`` in errors), a piece at a time."""
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= _SNIFF_BYTES:
            break
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from _utf16(itertools.chain([head], chunks), display)
        return
    if b"\x00" in head[:_SNIFF_BYTES]:
        raise DataFileError(
            "this is a binary file, not text (it holds NUL bytes); vqkit reads " + SUPPORTED,
            path=display,
        )
    yield from _utf8_or_latin1(itertools.chain([head], chunks))


def _utf16(chunks, display):
    decoder = codecs.getincrementaldecoder("utf-16")()
    try:
        for chunk in chunks:
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise DataFileError(f"not valid UTF-16 text: {exc.reason}", path=display) from None


def _utf8_or_latin1(chunks):
    """UTF-8 (a byte-order mark dropped) until a piece is not valid UTF-8;
    that piece and the rest as Latin-1 (numbers are ASCII: only names and
    other text cells can be in another encoding)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    for chunk in chunks:
        pending = decoder.getstate()[0]
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError:
            yield (pending + chunk).decode("latin-1")
            for rest in chunks:
                yield rest.decode("latin-1")
            return
    pending = decoder.getstate()[0]
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        yield pending.decode("latin-1")


def line_batches(texts: Iterable[str]) -> Iterator[list[str]]:
    """The lines of the text pieces ``texts``, without their line ends, in
    lists (one per piece that ends a line).  As ``str.split("\\n")`` after
    turning CRLF and CR into LF: the text after the last line end is the
    last line, empty when the text ends with a line end."""
    partial: list[str] = []  # the pieces of a line that has not ended yet
    for text in texts:
        if "\n" not in text and "\r" not in text:
            if text:
                partial.append(text)
            continue
        partial.append(text)
        buf = "".join(partial)
        # a CR at the end may be the first half of a CRLF: keep it for later
        held = buf[-1] == "\r"
        if held:
            buf = buf[:-1]
        lines = buf.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        last = lines.pop()
        partial = [last + "\r"] if held else [last] if last else []
        if lines:
            yield lines
    yield "".join(partial).replace("\r\n", "\n").replace("\r", "\n").split("\n")
