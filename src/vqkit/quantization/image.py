"""Colour quantization of images: :func:`quantize_image` and its result."""

from __future__ import annotations

import dataclasses
import numbers
import os
import warnings
from typing import Any

import numpy as np

from .._display import block, fields, image_tag, number
from .codebook import Codebook, check_k
from .image_files import open_image, read_image, write_image

__all__ = ["QuantizedImage", "quantize_image", "read_image"]


#: The most distance evaluations (training pixels times colours) one Lloyd
#: iteration may cost before training moves to a sample of the pixels.
WORK_PER_ITERATION = 2**28
#: Training pixels per colour that a bounded sample keeps at least.
PIXELS_PER_COLOUR = 16


def _peak(dtype: np.dtype) -> float:
    """The largest value of a pixel of ``dtype`` (1 for floats)."""
    return float(np.iinfo(dtype).max) if dtype.kind == "u" else 1.0


def _to_integers(image: np.ndarray) -> np.ndarray:
    """``image`` as uint8 or uint16 pixels (floats in [0, 1] scaled to 0-255)."""
    if image.dtype in (np.uint8, np.uint16):
        return image
    return np.clip(np.rint(image.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


@dataclasses.dataclass
class QuantizedImage:
    """Result of :func:`quantize_image`.

    Attributes
    ----------
    image : ndarray
        The quantized image: same shape and dtype as the input (an image
        file gives uint8, or uint16 for 16-bit greyscale); alpha, when
        present, is the input's.
    codebook : Codebook
        The palette: ``k`` colours (RGB, or one grey level) on the input's
        scale (0-255 for uint8, 0-65535 for uint16, 0-1 for float).
    codes : ndarray of shape (H, W)
        Palette index of every pixel, in the smallest unsigned dtype.
    psnr : float
        PSNR in dB of ``image`` against the input, over the colour channels,
        with the dtype's peak (255 for uint8, 65535 for uint16, 1 for
        float); ``inf`` when they are equal.
    unique_colours : int
        Distinct colours of the input (alpha ignored).
    bits_per_pixel : int
        Bits of a packed code: ``ceil(log2 k)`` (0 for ``k == 1``).
    compression_ratio : float
        ``source_bits_per_pixel / bits_per_pixel``: the colour bits of a
        source pixel against the packed codes (the palette and any alpha
        channel are not counted).
    source_bits_per_pixel : int
        Colour bits of one source pixel: 8 per channel for uint8 and float
        images (a float image stands for an 8-bit one), 16 per channel for
        uint16, or what the file held (a palette image's index width).
    training_pixels : int
        Pixels the palette was trained on (all of them, a ``sample_size``
        sample, or a sample that bounds the work of a large ``k``); 0 when
        every distinct colour was kept.
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
    source_bits_per_pixel: int = 24
    training_pixels: int = 0

    @property
    def palette(self) -> np.ndarray:
        """The palette as the saved file holds it: one row per code, uint8
        (or uint16 for 16-bit images), shape ``(k, channels)``."""
        words = self.codebook.codewords
        if self.image.dtype.kind == "f":
            words = words * 255.0
        dtype = np.uint16 if self.image.dtype == np.uint16 else np.uint8
        return np.clip(np.rint(words), 0, np.iinfo(dtype).max).astype(dtype)

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
        """Write :attr:`image` to ``path`` in the format its extension names
        (``.png``, ``.jpg``, ``.gif``, ...), atomically: a complete new file
        or none.  Float images are scaled to 0-255; an RGB image of at most
        256 colours becomes a palette image where the format has palettes
        (PNG, GIF, BMP, TIFF): the same pixels, a smaller file.  Needs
        Pillow.  Returns ``path``."""
        pixels = _to_integers(self.image)
        palette = codes = None
        if pixels.ndim == 3 and pixels.shape[2] == 3 and self.codebook.k <= 256:
            palette, codes = self.palette, self.codes
        return write_image(path, pixels, palette=palette, codes=codes)


def _colour_channels(image: np.ndarray) -> int:
    """1 for greyscale (``(H, W)`` or ``(H, W, 2)`` with alpha), else 3."""
    return 1 if image.ndim == 2 or image.shape[2] == 2 else 3


def _check_image(image: np.ndarray) -> None:
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (2, 3, 4))):
        raise ValueError(
            "image must have shape (H, W) for greyscale, (H, W, 2) for greyscale with "
            f"alpha, (H, W, 3) for RGB or (H, W, 4) for RGBA; got shape {image.shape}."
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image is empty: shape {image.shape}.")
    if image.dtype in (np.uint8, np.uint16):
        return
    if image.dtype.kind != "f":
        raise ValueError(
            "image must be uint8 (0-255), uint16 (0-65535) or float (0-1); got dtype "
            f"{image.dtype}."
        )
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinity.")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"a float image must lie in [0, 1]; got values in [{float(image.min())}, "
            f"{float(image.max())}]. Divide a 0-255 image by 255 or pass it as uint8."
        )


def _distinct(pixels: np.ndarray, inverse: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct rows of ``pixels`` (n, channels) and, with ``inverse``,
    the index of each pixel's row among them."""
    if pixels.dtype == np.uint8 and pixels.shape[1] == 3:
        packed = (
            (pixels[:, 0].astype(np.uint32) << 16)
            | (pixels[:, 1].astype(np.uint32) << 8)
            | pixels[:, 2].astype(np.uint32)
        )
        if not inverse:
            return np.unique(packed), None
        _, first, where = np.unique(packed, return_index=True, return_inverse=True)
        return pixels[first], where
    if pixels.shape[1] == 1:
        values, where = np.unique(pixels[:, 0], return_inverse=True)
        return values[:, None], where if inverse else None
    rows, where = np.unique(pixels, axis=0, return_inverse=True)
    return rows, where.reshape(-1) if inverse else None


def _bounded_sample_size(n: int, k: int) -> int | None:
    """A training sample that keeps one Lloyd iteration within
    :data:`WORK_PER_ITERATION` distance evaluations (and at least
    :data:`PIXELS_PER_COLOUR` pixels per colour), or None when all ``n``
    pixels are within the bound."""
    if n * k <= WORK_PER_ITERATION:
        return None
    size = max(WORK_PER_ITERATION // k, PIXELS_PER_COLOUR * k)
    return size if size < n else None


def quantize_image(
    image: np.ndarray | str | os.PathLike[str],
    k: int,
    *,
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
    method: str = "kmeans",
    source_bits_per_pixel: int | None = None,
    **train_params: Any,
) -> QuantizedImage:
    """Reduce an image to ``k`` colours (colour quantization by k-means).

    Parameters
    ----------
    image : ndarray or path
        Pixels of shape (H, W) (greyscale), (H, W, 2) (greyscale and
        alpha), (H, W, 3) (RGB) or (H, W, 4) (RGBA), uint8 (0-255), uint16
        (0-65535) or float (0-1); or an image file, read with Pillow in its
        own channels and range (see :func:`~vqkit.quantization.image_files.open_image`).
    k : int
        Number of colours, at least 1.  Above the image's distinct colours a
        warning says so and every distinct colour is kept exactly.
    sample_size : int or None, default=None
        Train on a random sample of this many pixels (faster on large
        images).  None trains on all pixels, unless one Lloyd iteration
        would cost more than :data:`WORK_PER_ITERATION` distance
        evaluations: then on a sample of ``WORK_PER_ITERATION // k``
        pixels (at least :data:`PIXELS_PER_COLOUR` per colour).  Every
        pixel is encoded either way.
    random_state : int, RandomState instance or None, default=None
        Seeds the sample and the training.
    method : {"kmeans", "minibatch"}, default="kmeans"
        Training algorithm (see :meth:`Codebook.train`).
    source_bits_per_pixel : int or None, default=None
        Colour bits of one source pixel, the numerator of the compression
        ratio; None: 8 per colour channel for uint8 and float input, 16 for
        uint16, or what the image file held.
    **train_params
        Further parameters of the estimator (``n_init``, ``max_iter``,
        ``callback`` ...).

    Returns
    -------
    QuantizedImage
        The quantized image and its metrics.  Only the colour channels are
        quantized: an alpha channel is kept unchanged.

    Warns
    -----
    UserWarning
        When ``k`` is more than the image's distinct colours (or the
        training sample's).

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

    A greyscale image stays greyscale, and its ratio counts 8 source bits:

    >>> grey = np.repeat(np.arange(0, 256, 16, dtype=np.uint8)[None, :], 3, axis=0)
    >>> result = quantize_image(grey, 4, random_state=0)
    >>> result.image.shape, result.source_bits_per_pixel, result.compression_ratio
    ((3, 16), 8, 4.0)
    """
    if isinstance(image, (str, os.PathLike)):
        opened = open_image(image)
        image = opened.pixels
        if source_bits_per_pixel is None:
            source_bits_per_pixel = opened.bits_per_pixel
    image = np.asarray(image)
    _check_image(image)
    k = check_k(k)
    height, width = image.shape[:2]
    colour = _colour_channels(image)
    alpha = image.ndim == 3 and image.shape[2] in (2, 4)
    channels = image[..., :colour] if image.ndim == 3 else image[..., None]
    if source_bits_per_pixel is None:
        source_bits_per_pixel = colour * (16 if image.dtype == np.uint16 else 8)
    source_bits_per_pixel = check_k(source_bits_per_pixel, "source_bits_per_pixel")
    flat = channels.reshape(-1, colour)
    work_dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.float64
    if sample_size is not None:
        sample_size = check_k(sample_size, "sample_size")
    distinct, _ = _distinct(flat)
    unique = int(distinct.shape[0])
    if k >= unique:
        if k > unique:
            warnings.warn(
                f"the image has only {unique} distinct colour{'s' * (unique != 1)}, fewer "
                f"than k={k}: every colour is kept exactly (k={unique})",
                UserWarning,
                stacklevel=2,
            )
        words, where = _distinct(flat, inverse=True)
        codebook = Codebook(words.astype(work_dtype))
        codes = np.asarray(where).astype(codebook.code_dtype)
        training = 0
    else:
        pixels = np.ascontiguousarray(flat, dtype=work_dtype)
        codebook, training = _train(pixels, k, sample_size, random_state, method, train_params)
        codes = codebook.encode(pixels)
    approx = codebook.codewords[codes].reshape(height, width, colour)
    peak = _peak(image.dtype)
    if image.dtype.kind == "u":
        approx = np.clip(np.rint(approx), 0, peak).astype(image.dtype)
    else:
        approx = np.clip(approx, 0, 1).astype(image.dtype)
    out = np.empty_like(image)
    if image.ndim == 2:
        out[...] = approx[..., 0]
    else:
        out[..., :colour] = approx
    if alpha:
        out[..., -1] = image[..., -1]
    err = channels.astype(np.float64) - approx.astype(np.float64)
    mse = float(np.mean(err * err))
    psnr = float("inf") if mse == 0 else float(10 * np.log10(peak * peak / mse))
    bpp = codebook.bits_per_vector
    return QuantizedImage(
        image=out,
        codebook=codebook,
        codes=codes.reshape(height, width),
        psnr=psnr,
        unique_colours=unique,
        bits_per_pixel=bpp,
        compression_ratio=float("inf") if bpp == 0 else source_bits_per_pixel / bpp,
        source_bits_per_pixel=source_bits_per_pixel,
        training_pixels=training,
        original=image,
    )


def _train(
    pixels: np.ndarray,
    k: int,
    sample_size: int | None,
    random_state: Any,
    method: str,
    train_params: dict[str, Any],
) -> tuple[Codebook, int]:
    """The code book of ``k`` colours trained on ``pixels`` (or a sample of
    them: ``sample_size``, or the bound of :func:`_bounded_sample_size`),
    and the number of pixels it was trained on."""
    n = pixels.shape[0]
    size = sample_size if sample_size is not None else _bounded_sample_size(n, k)
    train = pixels
    if size is not None and size < n:
        from ..core.random import check_random_state

        rng = check_random_state(random_state)
        train = pixels[np.sort(rng.choice(n, size, replace=False))]
        if random_state is None or isinstance(random_state, numbers.Integral):
            random_state = rng  # go on from the state the sample left
    if train.shape[0] < k:
        raise ValueError(f"k={k} colours need at least {k} training pixels; got {train.shape[0]}.")
    distinct = int(_distinct(train)[0].shape[0])
    if distinct < k:
        warnings.warn(
            f"the {train.shape[0]} training pixels hold only {distinct} distinct colours, "
            f"fewer than k={k}: using k={distinct} (train on more pixels for more colours)",
            UserWarning,
            stacklevel=3,
        )
        k = distinct
    codebook = Codebook.train(train, k, method=method, random_state=random_state, **train_params)
    return codebook, int(train.shape[0])
