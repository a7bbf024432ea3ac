"""``vqkit quantize``: reduce an image to K colours."""

from __future__ import annotations

import os
from typing import Any

import click

from ._input import _missing_or_denied
from ._options import (
    MAX_ITER,
    MAX_SAMPLE,
    _force_option,
    _NInit,
    _output_option,
    _quiet_option,
    _seed_option,
    command,
)
from ._output import _check_outputs, _check_writable, _file_errors, _fmt_number
from ._terminal import _kmeans_progress, _n_runs, _show_progress, _warnings_reported


def _read_image_or_fail(path):
    """The :class:`~vqkit.quantization.image_files.ImageFile` of ``path``; a
    missing, unreadable or non-image file is a data error (exit status 1)
    with a short message, never a traceback."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise click.ClickException("reading images needs Pillow: pip install pillow") from None
    from ..quantization import image_files

    if os.path.isdir(path):
        raise click.ClickException(f"{path!r} is a directory, not an image file.")
    try:
        with _missing_or_denied(repr(path)):
            return image_files.open_image(path)
    except UnidentifiedImageError:
        raise click.ClickException(
            f"{path!r} is not an image (or not a format Pillow can read)."
        ) from None
    except Image.DecompressionBombError as exc:
        raise click.ClickException(f"{path!r}: {exc}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise click.ClickException(f"{path!r} is not an image Pillow can read: {exc}") from None


def _check_format(path, option):
    """The image format that ``path``'s extension names; an unknown one is a
    usage error (exit status 2)."""
    try:
        from ..quantization.image_files import image_format

        return image_format(path)
    except ImportError:
        raise click.ClickException("writing images needs Pillow: pip install pillow") from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _display(pixels):
    """A PIL image for showing ``pixels``: 16-bit greyscale as 8-bit,
    greyscale with alpha as RGBA."""
    import numpy as np
    from PIL import Image

    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    picture = Image.fromarray(np.ascontiguousarray(pixels))
    return picture.convert("RGBA" if picture.mode in ("LA", "RGBA") else "RGB")


def _font(height):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=height)
    except (TypeError, ValueError, OSError, ImportError):  # Pillow without FreeType
        return ImageFont.load_default()


def _wrapped(draw, text, font, width):
    """``text`` in lines that fit ``width`` pixels (a word longer than that
    gets a line of its own)."""
    lines = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _side_by_side(original, quantized, captions):
    """A PIL image twice as wide: ``original`` on the left, ``quantized`` on
    the right (arrays of the same shape), each with its caption (a pair of
    strings) in a strip beneath, wrapped to the image's width."""
    from PIL import Image, ImageDraw

    left, right = _display(original), _display(quantized)
    width, height = right.size
    size = max(10, min(28, width // 24))
    font = _font(size)
    margin = size // 2
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    lines = [_wrapped(measure, caption, font, width - 2 * margin) for caption in captions]
    line_height = round(size * 1.3)
    strip = 2 * margin + line_height * max(len(block) for block in lines)
    canvas = Image.new(right.mode, (2 * width, height + strip), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (width, 0))
    draw = ImageDraw.Draw(canvas)
    for i, block in enumerate(lines):
        for j, line in enumerate(block):
            position = (i * width + margin, height + margin + j * line_height)
            draw.text(position, line, fill="black", font=font)
    return canvas


def _captions(result):
    bits = result.source_bits_per_pixel
    return (
        f"original: {result.unique_colours} colours, {bits} bits/pixel",
        f"k={result.codebook.k}: PSNR {_fmt_number(result.psnr)} dB, "
        f"{result.bits_per_pixel} bits/pixel",
    )


def _progress_wanted(quiet, pixels, k):
    """Whether training is long enough for a progress bar (on a terminal)."""
    return _show_progress(quiet) and pixels * k >= LONG_RUN


#: Pixels times colours above which the training shows a progress bar.
LONG_RUN = 2**24


@command()
@click.argument("image", type=click.Path(readable=False))
@click.option(
    "-k",
    "--colours",
    "k",
    required=True,
    type=click.IntRange(1, 2**24),
    help="Number of colours (1 to 16777216); above the image's distinct colours, "
    "every colour is kept (with a warning).",
)
@_output_option(
    "Where to write the quantized image; the extension names the format (.png, .jpg, "
    ".gif, .bmp, .tif, .webp, ...).  A PNG of at most 256 colours is a palette PNG."
)
@click.option(
    "--compare",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the original and the quantized image side by side, captioned "
    "with k, PSNR and bits per pixel (format from the extension).",
)
@click.option(
    "--sample-size",
    type=click.IntRange(1, MAX_SAMPLE),
    default=None,
    help="Train on this many random pixels (faster on large images); every pixel is "
    "still encoded.  Default: all pixels, or a sample that bounds the work of a large k.",
)
@click.option(
    "--n-init",
    type=_NInit(),
    default="auto",
    show_default=True,
    help="k-means++ seedings (the best is kept); auto: 1.",
)
@click.option(
    "--max-iter",
    type=click.IntRange(1, MAX_ITER),
    default=300,
    show_default=True,
    help="Most Lloyd iterations of each seeding.",
)
@_seed_option()
@_force_option()
@_quiet_option("Print nothing on success (no warnings or progress bar either).")
def quantize(
    image: str,
    k: int,
    output: str,
    compare: str | None,
    sample_size: int | None,
    n_init: int | str,
    max_iter: int,
    seed: int | None,
    force: bool,
    quiet: bool,
) -> None:
    """Reduce IMAGE to K colours by k-means and save it.

    IMAGE is any image file Pillow reads (PNG, JPEG, ...).  Greyscale stays
    greyscale and a 16-bit greyscale PNG is quantized in its 16-bit range.
    Prints the PSNR in dB (inf when nothing changed), the number of colours
    before and after, the bits per pixel of the colour codes against the
    source's and the compression ratio (the source's colour bits per pixel
    against the packed codes; the palette is not counted).  Files are
    written atomically: an existing file is only replaced by a complete one.

    \b
    Examples:
      vqkit quantize photo.jpg -k 16 -o photo-16.png
      vqkit quantize photo.jpg -k 8 -o out.png --compare side-by-side.png
      vqkit quantize big.png -k 64 -o out.jpg --sample-size 10000 --seed 0
    """
    _check_writable(output, "--output")
    _check_format(output, "--output")
    if compare is not None:
        _check_writable(compare, "--compare")
        _check_format(compare, "--compare")
    _check_outputs([(output, "--output"), (compare, "--compare")], [(image, "IMAGE")], force)
    source = _read_image_or_fail(image)
    pixels = source.pixels

    from ..quantization import quantize_image

    runs = _n_runs("k-means++", n_init)
    progress = _progress_wanted(quiet, pixels.shape[0] * pixels.shape[1], k)
    with (
        _warnings_reported(quiet),
        _kmeans_progress(progress, f"quantizing, k={k}", runs, max_iter) as callback,
    ):
        params: dict[str, Any] = {"n_init": n_init, "max_iter": max_iter}
        if callback is not None:
            params["callback"] = callback
        try:
            result = quantize_image(
                pixels,
                k,
                sample_size=sample_size,
                random_state=seed,
                source_bits_per_pixel=source.bits_per_pixel,
                **params,
            )
        except ValueError as exc:
            raise click.ClickException(f"cannot quantize {image!r}: {exc}") from None
    _save(result.save, output)
    if compare is not None:
        import numpy as np

        from ..quantization.image_files import write_image

        picture = np.asarray(_side_by_side(pixels, result.image, _captions(result)))
        _save(lambda path: write_image(path, picture), compare)
    if quiet:
        return
    _report(result, output, compare)


def _save(write, path):
    """``write(path)``; a format that cannot hold the image is a data error."""
    with _file_errors(path):
        try:
            write(path)
        except ValueError as exc:
            raise click.ClickException(f"{path}: {exc}") from None


def _report(result, output, compare):
    import numpy as np

    image = result.image
    colour = image if image.ndim == 2 else image[..., : 1 if image.shape[2] == 2 else 3]
    colours_out = int(
        np.unique(colour.reshape(colour.shape[0] * colour.shape[1], -1), axis=0).shape[0]
    )
    if result.training_pixels and result.training_pixels < image.shape[0] * image.shape[1]:
        click.echo(
            f"Trained on:        {result.training_pixels} of {image.shape[0] * image.shape[1]} "
            "pixels (a random sample; --sample-size sets it)"
        )
    click.echo(f"PSNR:              {_fmt_number(result.psnr)} dB")
    click.echo(f"Colours:           {result.unique_colours} -> {colours_out}")
    click.echo(
        f"Bits per pixel:    {result.bits_per_pixel} (source: {result.source_bits_per_pixel})"
    )
    click.echo(
        f"Compression ratio: {_fmt_number(result.compression_ratio, 1)}:1 "
        "(colour codes only, palette not counted)"
    )
    click.echo(f"Saved {output}" + (f" and {compare}" if compare else ""))
