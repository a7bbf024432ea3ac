"""``vqkit quantize``: reduce an image to K colours."""

from __future__ import annotations

import os

import click

from ._input import _missing_or_denied
from ._options import (
    MAX_SAMPLE,
    _force_option,
    _output_option,
    _quiet_option,
    _seed_option,
    command,
)
from ._output import _check_outputs, _check_writable, _file_errors, _fmt_number


def _read_image_or_fail(path):
    """The pixels of the image file ``path`` (uint8 RGB, or RGBA when it has
    transparency); a missing, unreadable or non-image file is a data error
    (exit status 1) with a short message, never a traceback."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise click.ClickException("reading images needs Pillow: pip install pillow") from None
    from ..quantization.image import read_image

    if os.path.isdir(path):
        raise click.ClickException(f"{path!r} is a directory, not an image file.")
    try:
        with _missing_or_denied(repr(path)):
            return read_image(path)
    except UnidentifiedImageError:
        raise click.ClickException(
            f"{path!r} is not an image (or not a format Pillow can read)."
        ) from None
    except Image.DecompressionBombError as exc:
        raise click.ClickException(f"{path!r}: {exc}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise click.ClickException(f"{path!r} is not an image Pillow can read: {exc}") from None


def _side_by_side(original, quantized):
    """A PIL image twice as wide: ``original`` on the left, ``quantized`` on
    the right (both uint8 arrays of the same shape)."""
    import numpy as np
    from PIL import Image

    left = Image.fromarray(np.ascontiguousarray(original))
    right = Image.fromarray(np.ascontiguousarray(quantized))
    canvas = Image.new(right.mode, (2 * right.width, right.height))
    canvas.paste(left.convert(right.mode), (0, 0))
    canvas.paste(right, (right.width, 0))
    return canvas


@command()
@click.argument("image", type=click.Path(readable=False))
@click.option(
    "-k",
    "--colours",
    "k",
    required=True,
    type=click.IntRange(1, 2**24),
    help="Number of colours (1 to 16777216).",
)
@_output_option("Where to write the quantized image (PNG).")
@click.option(
    "--compare",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the original and the quantized image side by side (PNG).",
)
@click.option(
    "--sample-size",
    type=click.IntRange(1, MAX_SAMPLE),
    default=None,
    help="Train on this many random pixels (faster on large images); "
    "every pixel is still encoded.",
)
@_seed_option()
@_force_option()
@_quiet_option()
def quantize(
    image: str,
    k: int,
    output: str,
    compare: str | None,
    sample_size: int | None,
    seed: int | None,
    force: bool,
    quiet: bool,
) -> None:
    """Reduce IMAGE to K colours by k-means and save it as a PNG.

    IMAGE is any image file Pillow reads (PNG, JPEG, ...).  Prints the PSNR
    in dB (inf when nothing changed), the number of colours before and
    after, the bits per pixel of the colour codes and the compression ratio
    (24-bit RGB against the packed codes; the palette is not counted).
    Files are written atomically: an existing file is only replaced by a
    complete one.

    \b
    Examples:
      vqkit quantize photo.jpg -k 16 -o photo-16.png
      vqkit quantize photo.jpg -k 8 -o out.png --compare side-by-side.png
      vqkit quantize big.png -k 64 -o out.png --sample-size 10000 --seed 0
    """
    _check_writable(output, "--output")
    if compare is not None:
        _check_writable(compare, "--compare")
    _check_outputs([(output, "--output"), (compare, "--compare")], [(image, "IMAGE")], force)
    pixels = _read_image_or_fail(image)

    from ..quantization import quantize_image

    try:
        result = quantize_image(pixels, k, sample_size=sample_size, random_state=seed)
    except ValueError as exc:
        raise click.ClickException(f"cannot quantize {image!r}: {exc}") from None
    with _file_errors(output):
        result.save(output)
    if compare is not None:
        from ..io.atomic import atomic_write

        picture = _side_by_side(pixels, result.image)
        with _file_errors(compare):
            atomic_write(compare, lambda fh: picture.save(fh, format="PNG"), suffix=".png")
    if quiet:
        return
    import numpy as np

    rgb = result.image[..., :3].reshape(-1, 3)
    colours_out = int(np.unique(rgb, axis=0).shape[0])
    click.echo(f"PSNR:              {_fmt_number(result.psnr)} dB")
    click.echo(f"Colours:           {result.unique_colours} -> {colours_out}")
    click.echo(f"Bits per pixel:    {result.bits_per_pixel}")
    click.echo(
        f"Compression ratio: {_fmt_number(result.compression_ratio, 1)}:1 "
        "(codes only, palette not counted)"
    )
    click.echo(f"Saved {output}" + (f" and {compare}" if compare else ""))
