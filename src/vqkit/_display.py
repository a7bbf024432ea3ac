"""How vqkit's objects show themselves in a notebook: small HTML pieces.

Every ``_repr_html_`` of vqkit (fitted estimators, ``ChooseKResult``,
``Codebook``, ``QuantizedImage``) is built from these helpers, which escape
every piece of text they are given, so a parameter value or a note holding
``<``, ``&`` or quotes shows as text and never as markup.  Images become
inline PNG data (``data:image/png;base64``), written with :mod:`zlib` alone,
as thumbnails of at most :data:`THUMBNAIL_PIXELS` pixels a side, so that a
notebook never stores a large picture and no pixel array reaches a repr.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_PIXELS = 128

#: Longest text of one value in a repr (longer ones are cut with "...").
MAX_VALUE_CHARS = 80

_STYLE = (
    "font-family: monospace; font-size: 0.9em; border-collapse: collapse; "
    "margin: 0.2em 0; text-align: right"
)
_CELL = "padding: 0.1em 0.6em; border-bottom: 1px solid #ddd"
_SHADE = "background: #fff3b0"


def escape(value: Any) -> str:
    """``value`` as text safe inside HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def short(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters; arrays by their shape
    and dtype, never their values."""
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, str) and len(tuple(shape)) > 0:
        dtype = getattr(value, "dtype", "")
        return f"<array of shape {tuple(shape)}{f', {dtype}' if dtype else ''}>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def number(value: float, digits: int = 6) -> str:
    """A number in ``digits`` significant digits; "-" for NaN and None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.{digits}g}"


def block(title: str, body: str) -> str:
    """A titled box holding ``body`` (already HTML)."""
    return (
        '<div class="vqkit-repr" style="display: inline-block; border: 1px solid #ccc; '
        'border-radius: 4px; padding: 0.4em 0.8em; margin: 0.2em 0">'
        f'<div style="font-weight: bold; margin-bottom: 0.3em">{escape(title)}</div>'
        f"{body}</div>"
    )


def fields(rows: Iterable[tuple[str, Any]]) -> str:
    """A two-column table of names and values (values shown as text)."""
    cells = "".join(
        f'<tr><th style="{_CELL}; text-align: left">{escape(name)}</th>'
        f'<td style="{_CELL}; text-align: left">{escape(value)}</td></tr>'
        for name, value in rows
    )
    return f'<table style="{_STYLE}">{cells}</table>'


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    marked_rows: Iterable[int] = (),
    marked_cells: Iterable[tuple[int, int]] = (),
) -> str:
    """A table with ``header`` and ``rows`` (cells shown as text); the rows
    whose index is in ``marked_rows`` are shaded, the cells ``(row,
    column)`` in ``marked_cells`` bold."""
    shaded, bold = set(marked_rows), set(marked_cells)
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td style="{_CELL}{"; font-weight: bold" if (i, j) in bold else ""}">'
            f"{escape(c)}</td>"
            for j, c in enumerate(row)
        )
        shade = f' style="{_SHADE}"' if i in shaded else ""
        body.append(f"<tr{shade}>{cells}</tr>")
    return (
        f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def bullet_list(items: Iterable[str]) -> str:
    """An unordered list of texts."""
    return (
        '<ul style="margin: 0.2em 0">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
    )


def thumbnail(image: np.ndarray, limit: int = THUMBNAIL_PIXELS) -> np.ndarray:
    """A uint8 RGB(A) copy of ``image`` (H, W, 3 or 4; uint8 or floats in
    [0, 1]) at most ``limit`` pixels a side, by taking every n-th pixel."""
    step = max(1, math.ceil(max(image.shape[0], image.shape[1]) / limit))
    small = np.asarray(image[::step, ::step])
    if small.dtype != np.uint8:
        small = np.clip(np.rint(small.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(small)


def png_bytes(image: np.ndarray) -> bytes:
    """The PNG file of a uint8 image of shape (H, W, 3) or (H, W, 4)."""
    height, width, channels = image.shape
    colour_type = {3: 2, 4: 6}[channels]
    rows = np.concatenate(
        [np.zeros((height, 1), np.uint8), image.reshape(height, width * channels)], axis=1
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def image_tag(image: np.ndarray, caption: str) -> str:
    """A captioned ``<img>`` of ``image``'s thumbnail, as inline PNG data."""
    small = thumbnail(image)
    data = base64.b64encode(png_bytes(small)).decode("ascii")
    return (
        '<figure style="display: inline-block; margin: 0 0.8em 0 0; text-align: center">'
        f'<img src="data:image/png;base64,{data}" width="{small.shape[1]}" '
        f'height="{small.shape[0]}" alt="{escape(caption)}" '
        'style="image-rendering: pixelated"/>'
        f'<figcaption style="font-size: 0.85em">{escape(caption)}</figcaption></figure>'
    )
