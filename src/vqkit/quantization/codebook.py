"""Code books: ``k`` code words, encoding to the nearest one, decoding,
distortion, sizes, and files."""

from __future__ import annotations

import dataclasses
import numbers
import os
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .._display import block, fields, number
from ..backends import get_backend
from ..core.fit import data_scale, scale_by
from ..core.lloyd import assign_checked
from ..persistence import Field, check_fields, read_archive, write_archive
from ..validation import as_float_2d, as_sample_weight, check_n_clusters

__all__ = ["Codebook", "Distortion", "code_dtype"]

FORMAT = "vqkit-codebook"
VERSION = 1
METHODS = ("kmeans", "minibatch")
#: Rows per block when distortion is computed by direct differences.
_CHUNK = 65536


def code_dtype(k: int) -> np.dtype:
    """The smallest unsigned integer dtype that holds the codes 0 to ``k - 1``.

    ``uint8`` for up to 256 codes, ``uint16`` for up to 65536, ``uint32``
    otherwise.

    Examples
    --------
    >>> from vqkit.quantization import code_dtype
    >>> [code_dtype(k).name for k in (2, 256, 257, 65536, 65537)]
    ['uint8', 'uint8', 'uint16', 'uint16', 'uint32']
    """
    k = check_k(k)
    for dtype in (np.uint8, np.uint16, np.uint32):
        if k - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


def check_k(k: Any, name: str = "k") -> int:
    """``k`` as an int; a ``ValueError`` naming ``name`` unless it is an integer >= 1."""
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {k!r}.")
    return int(k)


def _nearest(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Labels (int32) of the nearest row of ``C`` for each row of ``X``,
    by the backend's assignment (extreme magnitudes compared in exactly
    rescaled units, as ``KMeans.predict`` does)."""
    backend = get_backend(X)
    scale = data_scale(backend, X, C)
    labels, _ = assign_checked(backend, scale_by(backend, X, scale), scale_by(backend, C, scale))
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
    training_distortion : Distortion or None
        The distortion on the training data (weighted by ``sample_weight``)
        of a code book made by :meth:`train`; None otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from vqkit.quantization import Codebook
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

    def __init__(self, codewords: ArrayLike) -> None:
        C = as_float_2d(codewords, name="codewords", copy=True)
        C.setflags(write=False)
        self._codewords = C
        #: The (weighted) distortion on the training data, set by :meth:`train`.
        self.training_distortion: Distortion | None = None

    @classmethod
    def train(
        cls,
        X: ArrayLike,
        k: int,
        *,
        method: str = "kmeans",
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        sample_weight: ArrayLike | None = None,
        **kmeans_params: Any,
    ) -> Codebook:
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
        >>> from vqkit.quantization import Codebook
        >>> X = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
        >>> cb = Codebook.train(X, 4, method="minibatch", random_state=0)
        >>> cb.k, cb.n_features, cb.codewords.dtype.name
        (4, 3, 'float32')
        """
        from ..estimators import KMeans, MiniBatchKMeans

        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
        X = as_float_2d(X)
        check_n_clusters(check_k(k), X.shape[0])
        sample_weight = as_sample_weight(sample_weight, X.shape[0], X)
        estimator_class = KMeans if method == "kmeans" else MiniBatchKMeans
        estimator = estimator_class(n_clusters=k, random_state=random_state, **kmeans_params)
        estimator.fit(X, sample_weight=sample_weight)
        book = cls(estimator.cluster_centers_)
        rows = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        mse = float(estimator.inertia_) / rows
        book.training_distortion = Distortion(mse, mse / X.shape[1], X.shape[0])
        return book

    # ------------------------------------------------------------------
    # attributes

    @property
    def codewords(self) -> np.ndarray:
        return self._codewords

    @property
    def k(self) -> int:
        return self._codewords.shape[0]

    @property
    def n_features(self) -> int:
        return self._codewords.shape[1]

    @property
    def code_dtype(self) -> np.dtype:
        return code_dtype(self.k)

    @property
    def bits_per_vector(self) -> int:
        return (self.k - 1).bit_length()

    @property
    def codebook_bytes(self) -> int:
        return int(self._codewords.nbytes)

    def __repr__(self) -> str:
        return f"Codebook(k={self.k}, n_features={self.n_features}, dtype={self._codewords.dtype})"

    def _summary(self) -> list[tuple[str, str]]:
        """What the notebook views show: sizes and the training distortion."""
        trained = self.training_distortion
        return [
            ("code words (k)", str(self.k)),
            ("dimensions", str(self.n_features)),
            ("dtype", str(self._codewords.dtype)),
            ("bits per vector", str(self.bits_per_vector)),
            ("code book size", f"{self.codebook_bytes} bytes"),
            (
                "training distortion",
                "not measured (not trained here)"
                if trained is None
                else f"{number(trained.mse_per_vector)} per vector "
                f"({number(trained.mse_per_component)} per component)",
            ),
        ]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text view: the repr, then the sizes and distortion."""
        printer.text(repr(self))
        for name, value in self._summary()[3:]:
            printer.text(f"\n  {name}: {value}")

    def _repr_html_(self) -> str:
        """The notebook view: sizes, bits per vector and distortion."""
        return block("Codebook", fields(self._summary()))

    # ------------------------------------------------------------------
    # encoding and decoding

    def _check_X(self, X: ArrayLike) -> np.ndarray:
        X = as_float_2d(X)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but the code book's code words have "
                f"{self.n_features}."
            )
        return X.astype(self._codewords.dtype, copy=False)

    def encode(self, X: ArrayLike) -> np.ndarray:
        """Index of the nearest code word of each row of ``X``.

        Returns an array of shape ``(n_samples,)`` in :attr:`code_dtype`
        (ties go to the lowest index).
        """
        X = self._check_X(X)
        return _nearest(X, self._codewords).astype(self.code_dtype)

    def decode(self, codes: ArrayLike) -> np.ndarray:
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

    def distortion(self, X: ArrayLike) -> Distortion:
        """Quantization error of ``X`` encoded with this code book.

        Returns a :class:`Distortion` with the mean squared error per
        vector and per component, computed from direct differences in
        float64 (no cancellation).
        """
        X = self._check_X(X)
        codes = _nearest(X, self._codewords)
        total = 0.0
        for start in range(0, X.shape[0], _CHUNK):
            block = X[start : start + _CHUNK].astype(np.float64)
            diff = block - self._codewords[codes[start : start + _CHUNK]].astype(np.float64)
            total += float(np.einsum("ij,ij->", diff, diff))
        n = X.shape[0]
        return Distortion(total / n, total / (n * self.n_features), n)

    def compression_ratio(self, original: DTypeLike | int) -> float:
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
            itemsize = np.dtype(cast("DTypeLike", original)).itemsize
        bits = self.n_features * 8 * itemsize
        return float("inf") if self.bits_per_vector == 0 else bits / self.bits_per_vector

    # ------------------------------------------------------------------
    # files

    def save(self, path: str | os.PathLike[str]) -> str | os.PathLike[str]:
        """Write the code book to ``path``: one ``.npz`` file, no pickle.

        The code words are stored under ``"codewords"`` and a JSON document
        (format, version) under ``"__vqkit__"``.  The file is written to a
        temporary name and renamed.  Returns ``path``.
        """
        from .. import __version__

        meta = {"format": FORMAT, "version": VERSION, "vqkit": __version__}
        return write_archive(path, {"codewords": self._codewords}, meta)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Codebook:
        """Read a code book written by :meth:`save`.

        Raises ``ValueError``, naming the file and what is wrong, for a
        file that is not a vqkit code book (not an ``.npz``, damaged, or
        written by something else) or whose code words are not a finite
        float32 or float64 array of shape ``(k, n_features)``.
        """
        what = f"{os.fspath(path)!r} is not a vqkit code book file"
        _, arrays = read_archive(path, FORMAT, VERSION, what)
        if "codewords" not in arrays:
            raise ValueError(f"{what}: it has no 'codewords' entry")
        if arrays.keys() != {"codewords"}:
            raise ValueError(
                f"{what} (or it is damaged): it holds arrays other than "
                f"'codewords': {sorted(arrays)!r:.200}"
            )
        check_fields(arrays, {"codewords": Field("float", ("k", "d"))}, what)
        return cls(arrays["codewords"])
