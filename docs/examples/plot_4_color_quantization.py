"""
Colour quantization of an image
===============================

:func:`vqkit.quantize_image` reduces an RGB image to ``k`` colours: k-means
on a sample of its pixels finds a palette (a :class:`vqkit.Codebook`), then
every pixel is replaced by its nearest palette colour. The result reports the
PSNR against the original and the size of the codes.

The picture here is drawn by NumPy (smooth gradients with a few shapes), so
the example needs no image file; a file name works the same way with Pillow
installed (``pip install 'vqkit[image]'``).
"""

import matplotlib.pyplot as plt
import numpy as np

import vqkit

# a 192 x 256 RGB picture: gradients, a disc and a band
h, w = 192, 256
y, x = np.mgrid[0:h, 0:w] / np.array([h, w]).reshape(2, 1, 1)
image = np.stack([x, 0.6 * y + 0.2, 1.0 - 0.7 * x * y], axis=-1)
disc = (x - 0.7) ** 2 + (y - 0.45) ** 2 < 0.05
image[disc] = [0.95, 0.8, 0.1]
image[(y > 0.8) & (y < 0.88)] *= 0.4
image = (255 * image).round().astype(np.uint8)

fig, axes = plt.subplots(1, 4, figsize=(12, 3), layout="constrained")
axes[0].imshow(image)
axes[0].set_title(f"original: {len(np.unique(image.reshape(-1, 3), axis=0))} colours")
for ax, k in zip(axes[1:], (4, 8, 16)):
    result = vqkit.quantize_image(image, k, sample_size=5_000, random_state=0)
    ax.imshow(result.image)
    ax.set_title(f"k = {k}: PSNR {result.psnr:.1f} dB, {result.bits_per_pixel} bits/pixel")
for ax in axes:
    ax.set_axis_off()

# %%
# The palette of the last result, and what its codes cost: one code of
# ``bits_per_pixel`` bits per pixel, against 24 bits of RGB.

print(result.codebook.codewords.round().astype(int))
print(f"{result.compression_ratio:.0f}x smaller than 24-bit RGB (codes only)")
