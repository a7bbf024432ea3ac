"""The ``vqkit`` command.

A thin layer over the library: each command parses its options, calls the
library and prints.  User mistakes end with a short message on stderr and a
non-zero exit status (2 for usage errors, 1 for data or file errors), never
with a traceback.
"""

import sys

import click

from . import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="vqkit")
def main():
    """Fast k-means clustering and vector quantization.

    \b
    Start with the demo, which runs the SciPy k-means tutorial on vqkit:
      vqkit demo
    """


def _check_writable(path, option):
    """Fail early, as a usage error, when ``path`` cannot be written."""
    import os

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.BadParameter(
            f"cannot write {path!r}: directory {directory!r} does not exist",
            param_hint=option,
        )
    if not os.access(directory, os.W_OK):
        raise click.BadParameter(
            f"cannot write {path!r}: directory {directory!r} is not writable",
            param_hint=option,
        )


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "-o",
    "--output",
    default="vqkit-demo.png",
    show_default=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to save the scatter plots (PNG).",
)
@click.option("--no-plot", is_flag=True, help="Only print; do not save a figure.")
def demo(output, no_plot):
    """Run the SciPy k-means tutorial's examples on vqkit.

    Prints the centroids and distortions of standard k-means, k-means++ and
    vector quantization on the tutorial's data (the same numbers SciPy
    prints), and saves the three scatter plots with their centroids.

    \b
    Examples:
      vqkit demo
      vqkit demo -o clusters.png
      vqkit demo --no-plot
    """
    from . import demo as demo_module

    if not no_plot:
        _check_writable(output, "--output")
    results = demo_module.run_examples()
    for r in results:
        click.echo(f"== {r['title']} ==")
        click.echo(r["text"])
        click.echo()
    if no_plot:
        return
    try:
        fig = demo_module.figure(results)
    except ImportError as exc:
        click.echo(
            f"Plot not saved: {exc}. The results above are complete.", err=True
        )
        return
    from .plot import save_figure

    try:
        save_figure(fig, output)
    except OSError as exc:
        raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    click.echo(f"Saved the scatter plots to {output}")


def _read_image_or_fail(path):
    """The pixels of the image file ``path`` (uint8 RGB, or RGBA when it has
    transparency); a missing, unreadable or non-image file is a data error
    (exit status 1) with a short message, never a traceback."""
    import os

    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise click.ClickException(
            "reading images needs Pillow: pip install pillow"
        ) from None
    from .quantize import _read_image

    if os.path.isdir(path):
        raise click.ClickException(f"{path!r} is a directory, not an image file.")
    try:
        return _read_image(path)
    except FileNotFoundError:
        raise click.ClickException(f"{path!r}: no such file.") from None
    except PermissionError:
        raise click.ClickException(f"{path!r}: permission denied.") from None
    except UnidentifiedImageError:
        raise click.ClickException(
            f"{path!r} is not an image (or not a format Pillow can read)."
        ) from None
    except Image.DecompressionBombError as exc:
        raise click.ClickException(f"{path!r}: {exc}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise click.ClickException(
            f"{path!r} is not an image Pillow can read: {exc}"
        ) from None


def _side_by_side(original, quantized):
    """A PIL image twice as wide: ``original`` on the left, ``quantized`` on
    the right (both uint8 arrays of the same shape)."""
    from PIL import Image

    import numpy as np

    left = Image.fromarray(np.ascontiguousarray(original))
    right = Image.fromarray(np.ascontiguousarray(quantized))
    canvas = Image.new(right.mode, (2 * right.width, right.height))
    canvas.paste(left.convert(right.mode), (0, 0))
    canvas.paste(right, (right.width, 0))
    return canvas


def _fmt_number(x, digits=2):
    import math

    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}f}"


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("image", type=click.Path(readable=False))
@click.option(
    "-k",
    "--colours",
    "k",
    required=True,
    type=click.IntRange(1, 2**24),
    help="Number of colours (1 to 16777216).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the quantized image (PNG).",
)
@click.option(
    "--compare",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the original and the quantized image side by side (PNG).",
)
@click.option(
    "--sample-size",
    type=click.IntRange(min=1),
    default=None,
    help="Train on this many random pixels (faster on large images); "
    "every pixel is still encoded.",
)
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable results.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def quantize(image, k, output, compare, sample_size, seed, quiet):
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
    pixels = _read_image_or_fail(image)

    from .quantize import quantize_image

    try:
        result = quantize_image(pixels, k, sample_size=sample_size, random_state=seed)
    except ValueError as exc:
        raise click.ClickException(f"cannot quantize {image!r}: {exc}") from None
    try:
        result.save(output)
    except OSError as exc:
        raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    if compare is not None:
        from ._files import atomic_write

        picture = _side_by_side(pixels, result.image)
        try:
            atomic_write(
                compare, lambda fh: picture.save(fh, format="PNG"), suffix=".png"
            )
        except OSError as exc:
            raise click.FileError(compare, hint=exc.strerror or str(exc)) from None
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
