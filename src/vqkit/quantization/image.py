"""Colour quantization of images: :func:`quantize_image` and its result."""

from __future__ import annotations

import dataclasses
import numbers
import os
from typing import Any

import numpy as np

from .._display import block, fields, image_tag, number
from ..io.atomic import atomic_write
from .codebook import Codebook, check_k

__all__ = ["QuantizedImage", "quantize_image"]


def _import_pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing image files needs Pillow: pip install pillow"
        ) from None
    return Image


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The pixels of an image file: uint8 RGB, or RGBA when it has transparency."""
    Image = _import_pil()
    with Image.open(os.fspath(path)) as im:
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        return np.asarray(im.convert("RGBA" if has_alpha else "RGB"))


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    return np.clip(np.rint(image.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


@dataclasses.dataclass
class QuantizedImage:
    """Result of :func:`quantize_image`.

    Attributes
    ----------
    image : ndarray
        The quantized image: same shape and dtype as the input (an image
        file gives uint8); alpha, when present, is the input's.
    codebook : Codebook
        The palette: ``k`` RGB colours on the input's scale (0-255 for
        uint8, 0-1 for float).
    codes : ndarray of shape (H, W)
        Palette index of every pixel, in the smallest unsigned dtype.
    psnr : float
        PSNR in dB of ``image`` against the input, over the RGB channels,
        with peak 255 (uint8) or 1 (float); ``inf`` when they are equal.
    unique_colours : int
        Distinct RGB colours of the input (alpha ignored).
    bits_per_pixel : int
        Bits of a packed code: ``ceil(log2 k)`` (0 for ``k == 1``).
    compression_ratio : float
        ``24 / bits_per_pixel``: 24-bit RGB against the packed codes (the
        palette and any alpha channel are not counted).
    original : ndarray or None
        The input image (not copied), for the notebook view's comparison.

    In a notebook the result shows as thumbnails of the original and the
    quantized image with the PSNR and the colours; its repr names the sizes
    and metrics, never the pixels.
    """

    image: np.ndarray
    codebook: Codebook
    codes: np.ndarray
    psnr: float
    unique_colours: int
    bits_per_pixel: int
    compression_ratio: float
    original: np.ndarray | None = None

    def __repr__(self) -> str:
        height, width = self.image.shape[:2]
        return (
            f"QuantizedImage({width}x{height}, {self.codebook.k} colours from "
            f"{self.unique_colours}, psnr={self.psnr:.2f} dB, "
            f"{self.bits_per_pixel} bits per pixel)"
        )

    def _repr_html_(self) -> str:
        """The notebook view: thumbnails of the original (when known) and the
        quantized image, beside the PSNR, colours and sizes."""
        pictures = "" if self.original is None else image_tag(self.original, "original")
        pictures += image_tag(self.image, f"{self.codebook.k} colours")
        height, width = self.image.shape[:2]
        summary = fields(
            [
                ("size", f"{width} x {height} pixels"),
                ("colours", f"{self.codebook.k} (from {self.unique_colours})"),
                ("PSNR", f"{self.psnr:.2f} dB"),
                ("bits per pixel", str(self.bits_per_pixel)),
                ("compression ratio", number(self.compression_ratio, 4)),
            ]
        )
        return block("QuantizedImage", f"<div>{pictures}</div>{summary}")

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write :attr:`image` as a PNG file (float images scaled to 0-255),
        atomically: a complete new file or none.  Needs Pillow.  Returns
        ``path``."""
        Image = _import_pil()
        pixels = _to_uint8(self.image)
        # the mode (RGB or RGBA) follows from the array's shape and dtype
        picture = Image.fromarray(np.ascontiguousarray(pixels))
        return atomic_write(path, lambda fh: picture.save(fh, format="PNG"), suffix=".png")


def _check_image(image: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(
            f"image must have shape (H, W, 3) for RGB or (H, W, 4) for RGBA; got shape "
            f"{image.shape}."
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image is empty: shape {image.shape}.")
    if image.dtype == np.uint8:
        return
    if image.dtype.kind != "f":
        raise ValueError(f"image must be uint8 (0-255) or float (0-1); got dtype {image.dtype}.")
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinity.")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"a float image must lie in [0, 1]; got values in [{float(image.min())}, "
            f"{float(image.max())}]. Divide a 0-255 image by 255 or pass it as uint8."
        )


def quantize_image(
    image: np.ndarray | str | os.PathLike[str],
    k: int,
    *,
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    method: str = "kmeans",
) -> QuantizedImage:
    """Reduce an image to ``k`` colours (colour quantization by k-means).

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W, 4), or path
        uint8 (0-255) or float (0-1) RGB or RGBA pixels, or an image file
        (read with Pillow, as RGB, or RGBA when it has transparency).
    k : int
        Number of colours, ``1 <= k <=`` number of training pixels.
    sample_size : int or None, default=None
        Train on a random sample of this many pixels (faster on large
        images); None trains on all pixels.  Every pixel is encoded either
        way.
    random_state : int, RandomState instance or None, default=None
        Seeds the sample and the training.
    method : {"kmeans", "minibatch"}, default="kmeans"
        Training algorithm (see :meth:`Codebook.train`).

    Returns
    -------
    QuantizedImage
        The quantized image and its metrics.  Only the RGB channels are
        quantized: an alpha channel is kept unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.quantization import quantize_image
    >>> image = np.zeros((4, 6, 3), dtype=np.uint8)
    >>> image[:, 3:] = [200, 30, 10]
    >>> image[0, 0] = [10, 10, 10]          # one near-black pixel
    >>> result = quantize_image(image, 2, random_state=0)
    >>> result.image.dtype.name, result.image.shape, result.codes.dtype.name
    ('uint8', (4, 6, 3), 'uint8')
    >>> result.unique_colours, result.bits_per_pixel, result.compression_ratio
    (3, 1, 24.0)
    >>> result.image[0, 0].tolist(), result.image[0, 5].tolist()
    ([1, 1, 1], [200, 30, 10])
    >>> round(result.psnr, 2)
    42.3
    """
    if isinstance(image, (str, os.PathLike)):
        image = read_image(image)
    image = np.asarray(image)
    _check_image(image)
    k = check_k(k)
    height, width, channels = image.shape
    rgb = image[..., :3]
    work_dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.float64
    pixels = np.ascontiguousarray(rgb.reshape(-1, 3), dtype=work_dtype)
    n = pixels.shape[0]
    train = pixels
    if sample_size is not None:
        sample_size = check_k(sample_size, "sample_size")
        if sample_size < n:
            from ..core.random import check_random_state

            rng = check_random_state(random_state)
            train = pixels[np.sort(rng.choice(n, sample_size, replace=False))]
            if random_state is None or isinstance(random_state, numbers.Integral):
                random_state = rng  # go on from the state the sample left
    if train.shape[0] < k:
        raise ValueError(f"k={k} colours need at least {k} training pixels; got {train.shape[0]}.")
    codebook = Codebook.train(train, k, method=method, random_state=random_state)
    codes = codebook.encode(pixels)
    approx = codebook.codewords[codes].reshape(height, width, 3)
    if image.dtype == np.uint8:
        approx = np.clip(np.rint(approx), 0, 255).astype(np.uint8)
        peak = 255.0
    else:
        approx = np.clip(approx, 0, 1).astype(image.dtype)
        peak = 1.0
    out = np.empty_like(image)
    out[..., :3] = approx
    if channels == 4:
        out[..., 3] = image[..., 3]
    err = rgb.astype(np.float64) - approx.astype(np.float64)
    mse = float(np.mean(err * err))
    psnr = float("inf") if mse == 0 else float(10 * np.log10(peak * peak / mse))
    if image.dtype == np.uint8:
        packed = (
            (rgb[..., 0].astype(np.uint32) << 16)
            | (rgb[..., 1].astype(np.uint32) << 8)
            | rgb[..., 2].astype(np.uint32)
        )
        unique = int(np.unique(packed).size)
    else:
        unique = int(np.unique(rgb.reshape(-1, 3), axis=0).shape[0])
    bpp = codebook.bits_per_vector
    return QuantizedImage(
        image=out,
        codebook=codebook,
        codes=codes.reshape(height, width),
        psnr=psnr,
        unique_colours=unique,
        bits_per_pixel=bpp,
        compression_ratio=float("inf") if bpp == 0 else 24.0 / bpp,
        original=image,
    )
