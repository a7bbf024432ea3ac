"""Vector quantization: code books, encoding, decoding and image quantization.

An interface module: training runs :class:`vqkit.KMeans` (or
:class:`vqkit.MiniBatchKMeans`), encoding runs the backend's nearest-centre
assignment.  No algorithm lives here.

* :class:`Codebook` -- ``k`` code words; ``encode`` maps vectors to the
  index of their nearest code word (in the smallest unsigned dtype that
  holds ``k - 1``), ``decode`` maps indices back to code words; distortion,
  bits per vector, compression ratio; ``save``/``load`` as one ``.npz``
  file without pickle.
* :func:`quantize_image` -- colour quantization of an RGB(A) image (an
  array or an image file) with a :class:`QuantizedImage` result: the
  quantized image, its code book (palette), codes, PSNR, unique colours,
  bits per pixel and compression ratio.

Definitions used throughout:

* bits per vector: ``ceil(log2 k)`` for ``k >= 2`` (the size of a packed
  index), and 0 for ``k == 1`` (a single code word needs no index);
* compression ratio: bits of one original vector divided by bits per
  vector -- the codes only; the code book's own size is reported apart, as
  ``codebook_bytes``;
* mean squared error per vector: the mean over vectors of the squared
  Euclidean distance to the chosen code word; per component: that divided
  by the number of features;
* PSNR: ``10 log10(MAX**2 / MSE)`` with MSE per component, ``MAX = 255``
  for uint8 images and 1 for float images; ``inf`` when nothing changed.
"""

import dataclasses
import numbers
import os

import numpy as np

from ._files import atomic_write
from .persistence import read_archive, write_archive
from .backends import get_backend
from .validation import as_float_2d, as_sample_weight, check_n_clusters
from .core.fit import exact_scale
from .core.lloyd import assign_checked

__all__ = ["Codebook", "Distortion", "QuantizedImage", "code_dtype", "quantize_image"]

FORMAT = "vqkit-codebook"
VERSION = 1
METHODS = ("kmeans", "minibatch")
#: Rows per block when distortion is computed by direct differences.
_CHUNK = 65536


def code_dtype(k):
    """The smallest unsigned integer dtype that holds the codes ``0 .. k-1``.

    ``uint8`` for up to 256 codes, ``uint16`` for up to 65536, ``uint32``
    otherwise.

    Examples
    --------
    >>> from vqkit.quantize import code_dtype
    >>> [code_dtype(k).name for k in (2, 256, 257, 65536, 65537)]
    ['uint8', 'uint8', 'uint16', 'uint16', 'uint32']
    """
    k = _check_k(k)
    for dtype in (np.uint8, np.uint16, np.uint32):
        if k - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


def _check_k(k, name="k"):
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {k!r}.")
    return int(k)


def _nearest(X, C):
    """Labels (int32) of the nearest row of ``C`` for each row of ``X``,
    by the backend's assignment (extreme magnitudes compared in exactly
    rescaled units, as ``KMeans.predict`` does)."""
    scale = X.dtype.type(exact_scale(X, C))
    labels, _ = assign_checked(get_backend(X), X * scale, C * scale)
    return np.asarray(labels)


@dataclasses.dataclass(frozen=True)
class Distortion:
    """Quantization error of a data set against a code book.

    Attributes
    ----------
    mse_per_vector : float
        Mean over vectors of the squared Euclidean distance to the chosen
        code word (``inertia / n``).
    mse_per_component : float
        ``mse_per_vector / n_features`` (``inertia / (n * d)``): the MSE
        that PSNR uses.
    n_samples : int
        Number of vectors measured.
    """

    mse_per_vector: float
    mse_per_component: float
    n_samples: int


class Codebook:
    """A vector-quantization code book: ``k`` code words of ``d`` features.

    Parameters
    ----------
    codewords : array-like of shape (k, n_features)
        The code words (finite numbers).  float32 stays float32; other
        numbers become float64.  The array is copied.

    Attributes
    ----------
    codewords : ndarray of shape (k, n_features)
    k : int
        Number of code words.
    n_features : int
        Length of a vector.
    code_dtype : numpy.dtype
        dtype of the codes ``encode`` returns: the smallest unsigned
        integer type that holds ``k - 1``.
    bits_per_vector : int
        ``ceil(log2 k)`` for ``k >= 2``; 0 for ``k == 1``.
    codebook_bytes : int
        Size of the code words in bytes (``k * n_features * itemsize``);
        not counted by :meth:`compression_ratio`.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.quantize import Codebook
    >>> cb = Codebook([[0.0, 0.0], [10.0, 10.0]])
    >>> codes = cb.encode([[1, 2], [9, 8], [0, 0]])
    >>> codes.tolist(), codes.dtype.name
    ([0, 1, 0], 'uint8')
    >>> cb.decode(codes).tolist()
    [[0.0, 0.0], [10.0, 10.0], [0.0, 0.0]]
    >>> d = cb.distortion([[1, 2], [9, 8], [0, 0]])
    >>> float(d.mse_per_vector), float(d.mse_per_component)
    (3.3333333333333335, 1.6666666666666667)
    >>> cb.bits_per_vector, cb.compression_ratio(np.float64), cb.codebook_bytes
    (1, 128.0, 32)

    Training on data (k-means, or mini-batch k-means for large data):

    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> cb = Codebook.train(X, 2, random_state=0)
    >>> sorted(cb.codewords.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    def __init__(self, codewords):
        C = as_float_2d(codewords, name="codewords", copy=True)
        C.setflags(write=False)
        self._codewords = C

    @classmethod
    def train(cls, X, k, *, method="kmeans", random_state=None, sample_weight=None,
              **kmeans_params):
        """Train a code book of ``k`` code words on the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training vectors (finite numbers; float32 kept).
        k : int
            Number of code words, ``1 <= k <= n_samples``.
        method : {"kmeans", "minibatch"}, default="kmeans"
            :class:`vqkit.KMeans` or :class:`vqkit.MiniBatchKMeans`.
        random_state : int, RandomState instance or None, default=None
            Seeds the training.
        sample_weight : array-like of shape (n_samples,), optional
            Weight of each training vector.
        **kmeans_params
            Further parameters of the estimator (``n_init``, ``max_iter`` ...).

        Returns
        -------
        Codebook
            Its code words are the fitted cluster centres.

        Examples
        --------
        >>> import numpy as np
        >>> from vqkit.quantize import Codebook
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
        >>> cb = Codebook.train(X, 4, method="minibatch", random_state=0)
        >>> cb.k, cb.n_features, cb.codewords.dtype.name
        (4, 3, 'float32')
        """
        from .estimators import KMeans, MiniBatchKMeans

        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
        X = as_float_2d(X)
        check_n_clusters(_check_k(k), X.shape[0])
        sample_weight = as_sample_weight(sample_weight, X.shape[0])
        estimator_class = KMeans if method == "kmeans" else MiniBatchKMeans
        estimator = estimator_class(n_clusters=k, random_state=random_state, **kmeans_params)
        estimator.fit(X, sample_weight=sample_weight)
        return cls(estimator.cluster_centers_)

    # ------------------------------------------------------------------
    # attributes

    @property
    def codewords(self):
        return self._codewords

    @property
    def k(self):
        return self._codewords.shape[0]

    @property
    def n_features(self):
        return self._codewords.shape[1]

    @property
    def code_dtype(self):
        return code_dtype(self.k)

    @property
    def bits_per_vector(self):
        return (self.k - 1).bit_length()

    @property
    def codebook_bytes(self):
        return int(self._codewords.nbytes)

    def __repr__(self):
        return f"Codebook(k={self.k}, n_features={self.n_features}, dtype={self._codewords.dtype})"

    # ------------------------------------------------------------------
    # encoding and decoding

    def _check_X(self, X):
        X = as_float_2d(X)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but the code book's code words have "
                f"{self.n_features}."
            )
        return X.astype(self._codewords.dtype, copy=False)

    def encode(self, X):
        """Index of the nearest code word of each row of ``X``.

        Returns an array of shape ``(n_samples,)`` in :attr:`code_dtype`
        (ties go to the lowest index).
        """
        X = self._check_X(X)
        return _nearest(X, self._codewords).astype(self.code_dtype)

    def decode(self, codes):
        """The code words of ``codes`` (``codewords[codes]``).

        ``codes`` is an integer array of any shape with values in
        ``[0, k)``; the result has shape ``codes.shape + (n_features,)``.
        """
        codes = np.asarray(codes)
        if codes.dtype.kind not in "ui":
            raise ValueError(f"codes must be integers, got dtype {codes.dtype}.")
        if codes.size:
            low, high = int(codes.min()), int(codes.max())
            if low < 0 or high >= self.k:
                bad = low if low < 0 else high
                raise ValueError(
                    f"code {bad} is out of range: this code book has k={self.k} code "
                    f"words, so codes must lie in [0, {self.k - 1}]."
                )
        return self._codewords[codes]

    def distortion(self, X):
        """Quantization error of ``X`` encoded with this code book.

        Returns a :class:`Distortion` with the mean squared error per
        vector and per component, computed from direct differences in
        float64 (no cancellation).
        """
        X = self._check_X(X)
        codes = _nearest(X, self._codewords)
        total = 0.0
        for start in range(0, X.shape[0], _CHUNK):
            block = X[start:start + _CHUNK].astype(np.float64)
            diff = block - self._codewords[codes[start:start + _CHUNK]].astype(np.float64)
            total += float(np.einsum("ij,ij->", diff, diff))
        n = X.shape[0]
        return Distortion(total / n, total / (n * self.n_features), n)

    def compression_ratio(self, original):
        """Bits of one original vector over :attr:`bits_per_vector`.

        Parameters
        ----------
        original : numpy dtype or int
            The dtype of the original components, or its size in bytes.

        Returns
        -------
        float
            ``n_features * 8 * itemsize / bits_per_vector``; codes only (see
            :attr:`codebook_bytes` for the code book).  ``inf`` for ``k == 1``.
        """
        if isinstance(original, numbers.Integral) and not isinstance(original, bool):
            itemsize = int(original)
            if itemsize < 1:
                raise ValueError(f"itemsize must be >= 1 byte, got {itemsize}.")
        else:
            itemsize = np.dtype(original).itemsize
        bits = self.n_features * 8 * itemsize
        return float("inf") if self.bits_per_vector == 0 else bits / self.bits_per_vector

    # ------------------------------------------------------------------
    # files

    def save(self, path):
        """Write the code book to ``path``: one ``.npz`` file, no pickle.

        The code words are stored under ``"codewords"`` and a JSON document
        (format, version) under ``"__vqkit__"``.  The file is written to a
        temporary name and renamed.  Returns ``path``.
        """
        from . import __version__

        meta = {"format": FORMAT, "version": VERSION, "vqkit": __version__}
        return write_archive(path, {"codewords": self._codewords}, meta)

    @classmethod
    def load(cls, path):
        """Read a code book written by :meth:`save`.

        Raises ``ValueError`` for a file that is not a vqkit code book
        (not an ``.npz``, damaged, or written by something else).
        """
        what = f"{os.fspath(path)!r} is not a vqkit code book file"
        _, arrays = read_archive(path, FORMAT, VERSION, what)
        if "codewords" not in arrays:
            raise ValueError(f"{what}: it has no 'codewords' entry")
        codewords = arrays["codewords"]
        try:
            return cls(codewords)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what} (or it is damaged): bad code words: {exc}") from None


# ----------------------------------------------------------------------
# images


def _import_pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing image files needs Pillow: pip install pillow"
        ) from None
    return Image


def _read_image(path):
    Image = _import_pil()
    with Image.open(os.fspath(path)) as im:
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        return np.asarray(im.convert("RGBA" if has_alpha else "RGB"))


def _to_uint8(image):
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
    """

    image: np.ndarray
    codebook: Codebook
    codes: np.ndarray
    psnr: float
    unique_colours: int
    bits_per_pixel: int
    compression_ratio: float

    def save(self, path):
        """Write :attr:`image` as a PNG file (float images scaled to 0-255),
        atomically: a complete new file or none.  Needs Pillow.  Returns
        ``path``."""
        Image = _import_pil()
        pixels = _to_uint8(self.image)
        # the mode (RGB or RGBA) follows from the array's shape and dtype
        picture = Image.fromarray(np.ascontiguousarray(pixels))
        return atomic_write(path, lambda fh: picture.save(fh, format="PNG"), suffix=".png")


def _check_image(image):
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
        raise ValueError(
            f"image must be uint8 (0-255) or float (0-1); got dtype {image.dtype}."
        )
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinity.")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(
            f"a float image must lie in [0, 1]; got values in [{float(image.min())}, "
            f"{float(image.max())}]. Divide a 0-255 image by 255 or pass it as uint8."
        )


def quantize_image(image, k, *, sample_size=None, random_state=None, method="kmeans"):
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
    >>> from vqkit.quantize import quantize_image
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
        image = _read_image(image)
    image = np.asarray(image)
    _check_image(image)
    k = _check_k(k)
    height, width, channels = image.shape
    rgb = image[..., :3]
    work_dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.float64
    pixels = np.ascontiguousarray(rgb.reshape(-1, 3), dtype=work_dtype)
    n = pixels.shape[0]
    train = pixels
    if sample_size is not None:
        sample_size = _check_k(sample_size, "sample_size")
        if sample_size < n:
            from .core.random import check_random_state

            rng = check_random_state(random_state)
            train = pixels[np.sort(rng.choice(n, sample_size, replace=False))]
            if random_state is None or isinstance(random_state, numbers.Integral):
                random_state = rng  # go on from the state the sample left
    if train.shape[0] < k:
        raise ValueError(
            f"k={k} colours need at least {k} training pixels; got {train.shape[0]}."
        )
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
        packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) \
            | rgb[..., 2].astype(np.uint32)
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
    )
