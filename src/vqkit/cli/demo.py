"""``vqkit demo``: the SciPy k-means tutorial's examples, run on vqkit."""

import click

from ._options import command
from ._output import _check_writable, _file_errors


@command()
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
    from .. import demo as demo_module

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
    from ..plot import save_figure

    with _file_errors(output):
        save_figure(fig, output)
    click.echo(f"Saved the scatter plots to {output}")
