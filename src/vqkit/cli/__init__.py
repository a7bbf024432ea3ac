"""The ``vqkit`` command.

A thin layer over the library: each command parses its options, calls the
library and prints.  User mistakes end with a short message on stderr and a
non-zero exit status (2 for usage errors, 1 for data or file errors), never
with a traceback.  Output files are written atomically: a complete new file
or none, and an existing file is only ever replaced by a complete one.

One module per command (``demo``, with the SciPy tutorial's examples it
runs, ``quantize``, ``cluster``, ``choose_k``; ``codebook`` holds
train-codebook, encode and decode); the shared pieces
are ``_options`` (options and parameter types), ``_input`` (reading FILE),
``_output`` (writing, JSON, number formats) and ``_terminal`` (progress
bars and warnings on stderr).
"""

from __future__ import annotations

import click

from .. import __version__
from . import choose_k, cluster, codebook, demo, quantize
from ._options import CONTEXT_SETTINGS


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="vqkit")
def main() -> None:
    """Fast k-means clustering and vector quantization.

    \b
    Start with the demo, which runs the SciPy k-means tutorial on vqkit:
      vqkit demo
    \b
    Then try your own data (CSV/TSV, .npy, .npz, Parquet, or - for stdin):
      vqkit choose-k data.csv
      vqkit cluster data.csv -k 3 --labels labels.txt --centers centres.csv
      vqkit quantize photo.jpg -k 16 -o photo-16.png

    Run "vqkit COMMAND --help" for a command's options and examples.
    """


for _command in (
    demo.demo, quantize.quantize, cluster.cluster, choose_k.choose_k,
    codebook.train_codebook, codebook.encode, codebook.decode,
):
    main.add_command(_command)
del _command
