"""Image files for :func:`vqkit.quantization.quantize_image`: reading them
in their own range (greyscale stays greyscale, 16 bits stay 16 bits) and
writing a result in the format the file name asks for (a palette PNG where
the colours fit one).  Needs Pillow."""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any

import numpy as np

from ..io.atomic import atomic_write

__all__ = ["ImageFile", "image_format", "open_image", "read_image", "write_image"]

#: 16-bit greyscale modes of Pillow (big-endian and 32-bit containers included).
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
#: Formats that store a palette of at most 256 colours with the pixels' indices.
_PALETTE_FORMATS = ("PNG", "GIF", "BMP", "TIFF")


def _import_pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing image files needs Pillow: pip install pillow"
        ) from None
    return Image


@dataclasses.dataclass(frozen=True)
class ImageFile:
    """An image file's pixels and what they stood for in the file.

    Attributes
    ----------
    pixels : ndarray
        ``(H, W)`` for greyscale, ``(H, W, 2)`` greyscale with alpha,
        ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA; uint8, or uint16 for a
        16-bit greyscale file.
    bits_per_pixel : int
        Bits the file spends on the colour of one pixel (alpha not
        counted): 8 per channel for 8-bit images, 16 for 16-bit greyscale,
        the index width for a palette image, 1 for a bilevel one.
    mode : str
        Pillow's mode of the file (``"RGB"``, ``"L"``, ``"P"``, ``"I;16"``, ...).
    """

    pixels: np.ndarray
    bits_per_pixel: int
    mode: str


def open_image(path: str | os.PathLike[str]) -> ImageFile:
    """Read the image file ``path`` in its own range and channels.

    Greyscale stays greyscale (``(H, W)``), a 16-bit greyscale file gives
    uint16, a palette image its colours (RGB, or RGBA with transparency);
    other modes (CMYK, YCbCr, ...) are converted to RGB.
    """
    Image = _import_pil()
    with Image.open(os.fspath(path)) as im:
        mode = im.mode
        transparent = "transparency" in im.info
        if mode in _SIXTEEN_BIT:
            pixels = np.asarray(im)
            if pixels.dtype != np.uint16:  # mode "I": 32-bit integers
                if pixels.size and (pixels.min() < 0 or pixels.max() > 65535):
                    raise ValueError(
                        f"its {mode} pixels lie in [{int(pixels.min())}, {int(pixels.max())}]; "
                        "only 16-bit greyscale (0-65535) is read as integers"
                    )
                pixels = pixels.astype(np.uint16)
            return ImageFile(pixels, 16, mode)
        if mode == "P":
            entries = max(len(im.getpalette() or []) // 3, 2)
            bits = min(8, math.ceil(math.log2(entries)))
            has_alpha = transparent or im.palette.mode == "RGBA"
            pixels = np.asarray(im.convert("RGBA" if has_alpha else "RGB"))
            return ImageFile(pixels, bits, mode)
        if mode == "1":
            return ImageFile(np.asarray(im.convert("L")), 1, mode)
        if mode in ("L", "LA"):
            return ImageFile(np.asarray(im.convert("LA") if transparent else im), 8, mode)
        if mode == "PA":
            return ImageFile(np.asarray(im.convert("RGBA")), 8, mode)
        has_alpha = mode in ("RGBA", "LA", "La", "RGBa") or transparent
        pixels = np.asarray(im.convert("RGBA" if has_alpha else "RGB"))
        colour_bands = [band for band in im.getbands() if band not in ("A", "a")]
        bits = 32 if mode == "F" else 8 * len(colour_bands)  # CMYK: 32
        return ImageFile(pixels, bits, mode)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The pixels of an image file, as :func:`open_image` reads them."""
    return open_image(path).pixels


def image_format(path: str | os.PathLike[str]) -> str:
    """The Pillow format that the extension of ``path`` names (``"PNG"``,
    ``"JPEG"``, ...); a ``ValueError`` for a name without a known image
    extension."""
    Image = _import_pil()
    extension = os.path.splitext(os.fspath(path))[1].lower()
    Image.init()
    fmt = Image.registered_extensions().get(extension)
    if fmt is None or fmt not in Image.SAVE:
        raise ValueError(
            f"cannot tell the image format from {os.fspath(path)!r}: give it an "
            "extension such as .png, .jpg, .gif, .bmp, .tif or .webp"
        )
    return str(fmt)


def _picture(pixels: np.ndarray, palette: np.ndarray | None, codes: np.ndarray | None) -> Any:
    """A PIL image of ``pixels``; a palette image when ``palette`` (uint8
    RGB rows) and ``codes`` (their indices) are given."""
    Image = _import_pil()
    if palette is not None and codes is not None:
        picture = Image.fromarray(np.ascontiguousarray(codes, dtype=np.uint8), mode="P")
        picture.putpalette(palette.astype(np.uint8).ravel().tolist())
        return picture
    if pixels.dtype == np.uint16:
        if pixels.ndim != 2:
            raise ValueError("only 16-bit greyscale images can be written with 16 bits")
        return Image.fromarray(np.ascontiguousarray(pixels))  # mode I;16
    return Image.fromarray(np.ascontiguousarray(pixels))


def write_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    *,
    palette: np.ndarray | None = None,
    codes: np.ndarray | None = None,
) -> str:
    """Write ``pixels`` (uint8, or uint16 greyscale) to ``path`` in the format
    its extension names, atomically (a complete file or none).

    With ``palette`` (at most 256 uint8 RGB colours) and ``codes`` (each
    pixel's palette index) a format that stores palettes (PNG, GIF, BMP,
    TIFF) gets a palette image: the same pixels in fewer bytes.  A format
    that cannot hold the image (transparency in a JPEG, 16 bits in a GIF)
    is a ``ValueError`` saying so.  Returns ``path``.
    """
    fmt = image_format(path)
    use_palette = palette is not None and len(palette) <= 256 and fmt in _PALETTE_FORMATS
    picture = _picture(pixels, palette if use_palette else None, codes if use_palette else None)
    if fmt == "GIF" and picture.mode not in ("P", "L"):
        raise ValueError(
            "a GIF holds at most 256 colours of 8 bits: quantize an 8-bit image to "
            "k <= 256 colours, or write a PNG"
        )
    options: dict[str, Any] = {"optimize": True} if fmt == "PNG" else {}
    if fmt == "JPEG":
        options = {"quality": 95}
    _check_writable_mode(fmt, picture.mode)
    suffix = os.path.splitext(os.fspath(path))[1]
    return atomic_write(path, lambda fh: picture.save(fh, format=fmt, **options), suffix=suffix)


def _check_writable_mode(fmt: str, mode: str) -> None:
    """A ``ValueError`` when Pillow cannot write ``mode`` images as ``fmt``."""
    import io

    Image = _import_pil()
    probe = Image.new(mode, (1, 1))
    try:
        probe.save(io.BytesIO(), format=fmt)
    except (OSError, KeyError, ValueError) as exc:
        what = {
            "RGBA": "transparency",
            "LA": "transparency",
            "I;16": "16-bit pixels",
        }.get(mode, f"{mode} images")
        raise ValueError(
            f"{fmt} cannot store {what} ({exc}); write a PNG (or TIFF) instead"
        ) from None
