"""Vector quantization: code books, encoding, decoding and image quantization.

An interface package: training runs :class:`vqkit.KMeans` (or
:class:`vqkit.MiniBatchKMeans`), encoding runs the backend's nearest-centre
assignment.  No algorithm lives here.

* :class:`Codebook` (:mod:`vqkit.quantization.codebook`) -- ``k`` code
  words; ``encode`` maps vectors to the index of their nearest code word (in
  the smallest unsigned dtype that holds ``k - 1``), ``decode`` maps indices
  back to code words; distortion, bits per vector, compression ratio;
  ``save``/``load`` as one ``.npz`` file without pickle.
* :func:`quantize_image` (:mod:`vqkit.quantization.image`) -- colour
  quantization of an RGB(A) image (an array or an image file) with a
  :class:`QuantizedImage` result: the quantized image, its code book
  (palette), codes, PSNR, unique colours, bits per pixel and compression
  ratio.

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

from __future__ import annotations

from .codebook import Codebook, Distortion, code_dtype
from .image import QuantizedImage, quantize_image

__all__ = ["Codebook", "Distortion", "QuantizedImage", "code_dtype", "quantize_image"]
