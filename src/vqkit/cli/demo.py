"""``vqkit demo``: the SciPy k-means tutorial, run on vqkit.

Three examples, each on the tutorial's data and with its seed, printing what
the tutorial prints: standard k-means with ``kmeans`` + ``vq``, k-means++
with ``kmeans2(minit='++')``, and vector quantization of a larger sample;
the command prints them and saves their scatter plots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
import numpy as np

from ..scipy_vq import kmeans, kmeans2, vq
from ._options import command
from ._output import _check_writable, _file_errors
from ._terminal import _stderr_is_terminal
from ._warmup import counting_compiles, warm_up

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def tutorial_data(n_per_cluster: int) -> np.ndarray:
    """The tutorial's data: three Gaussian blobs around (0,0), (3,3), (6,6).

    Seeds NumPy's global generator with 0 first, as the tutorial does, and
    leaves it in the state the tutorial's next call sees.
    """
    np.random.seed(0)
    return np.vstack([np.random.normal(centre, 0.5, (n_per_cluster, 2)) for centre in (0, 3, 6)])


def _example(title, data, centroids, labels, center_label, text):
    return dict(
        title=title,
        data=data,
        centroids=centroids,
        labels=labels,
        center_label=center_label,
        text=text,
    )


def run_examples() -> list[dict[str, Any]]:
    """Run the three examples; return a list of result dicts (one per example)."""
    data = tutorial_data(50)
    centroids, distortion = kmeans(data, 3)
    standard = _example(
        "K-Means Clustering using vqkit",
        data,
        centroids,
        vq(data, centroids)[0],
        "Centroids",
        f"Centroids:\n{centroids}\nDistortion: {distortion}",
    )

    data = tutorial_data(50)
    centroids, labels = kmeans2(data, 3, minit="++")
    plusplus = _example(
        "K-Means++ Clustering using vqkit",
        data,
        centroids,
        labels,
        "Centroids",
        f"Centroids:\n{centroids}",
    )

    data = tutorial_data(100)
    centroids, distortion = kmeans(data, 3)
    quantization = _example(
        "Vector Quantization using K-means",
        data,
        centroids,
        vq(data, centroids)[0],
        "Codebook Vectors",
        f"Codebook Vectors:\n{centroids}\nDistortion: {distortion}",
    )
    return [standard, plusplus, quantization]


def figure(results: list[dict[str, Any]]) -> Figure:
    """One figure with a scatter plot per example (needs matplotlib)."""
    from .. import plot

    fig, axes = plot.new_figure(len(results))
    for ax, r in zip(axes, results):
        plot.clusters(
            r["data"],
            r["labels"],
            r["centroids"],
            ax=ax,
            title=r["title"],
            center_label=r["center_label"],
        )
    return fig


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
@click.option(
    "--no-warm-up",
    is_flag=True,
    help="Do not compile the other commands' kernels ahead (done once, when "
    "the demo itself had to compile).",
)
def demo(output: str, no_plot: bool, no_warm_up: bool) -> None:
    """Run the SciPy k-means tutorial's examples on vqkit.

    Prints the centroids and distortions of standard k-means, k-means++ and
    vector quantization on the tutorial's data (the same numbers SciPy
    prints), and saves the three scatter plots with their centroids.

    The first run in a new installation also compiles the kernels of the
    other commands (once, into numba's cache), so that their first run
    does not wait for the compiler.

    \b
    Examples:
      vqkit demo
      vqkit demo -o clusters.png
      vqkit demo --no-plot
    """
    if not no_plot:
        _check_writable(output, "--output")
    with counting_compiles() as compiled:
        results = run_examples()
    for r in results:
        click.echo(f"== {r['title']} ==")
        click.echo(r["text"])
        click.echo()
    if not no_plot:
        _save_plots(results, output)
    if compiled[0] and not no_warm_up:
        click.echo(
            "Compiling the kernels of the other commands once, into numba's cache "
            "(a few minutes; later runs start at once) ...",
            err=True,
        )
        warm_up(show_progress=_stderr_is_terminal())


def _save_plots(results: list[dict[str, Any]], output: str) -> None:
    try:
        fig = figure(results)
    except ImportError as exc:
        click.echo(f"Plot not saved: {exc}. The results above are complete.", err=True)
        return
    from ..plot import save_figure

    with _file_errors(output):
        save_figure(fig, output)
    click.echo(f"Saved the scatter plots to {output}")
