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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
