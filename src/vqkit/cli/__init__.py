"""The ``vqkit`` command.

A thin layer over the library: each command parses its options, calls the
library and prints.  User mistakes end with a short message on stderr and a
non-zero exit status (2 for usage errors, 1 for data or file errors), never
with a traceback; a bug in vqkit ends with a one-line message and status 70
(``_errors`` decides, in one place; ``--debug`` shows the traceback).
Output files are written atomically: a complete new file or none, and an
existing file is only ever replaced by a complete one (devices and pipes
are written through).

One module per command (``demo``, with the SciPy tutorial's examples it
runs, ``quantize``, ``cluster``, ``predict`` (with ``_model``, the
model files of ``cluster --save-model``), ``choose_k``; ``codebook`` holds
train-codebook, encode and decode); the shared pieces
are ``_errors`` (exit statuses and messages), ``_options`` (options and
parameter types), ``_input`` (reading FILE),
``_output`` (writing, JSON, number formats) and ``_terminal`` (progress
bars and warnings on stderr).
"""

from __future__ import annotations

import click

from .. import __version__
from . import choose_k, cluster, codebook, demo, predict, quantize
from ._errors import DEBUG_ENV, Group
from ._options import CONTEXT_SETTINGS


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="vqkit")
@click.option(
    "--debug",
    is_flag=True,
    envvar=DEBUG_ENV,
    help=f"Show the Python traceback of an error (also {DEBUG_ENV}=1).",
)
def main(debug: bool) -> None:
    """Fast k-means clustering and vector quantization.

    \b
    Start with the demo, which runs the SciPy k-means tutorial on vqkit:
      vqkit demo
    \b
    Then try your own data (CSV/TSV, .npy, .npz, Parquet, or - for stdin):
      vqkit choose-k data.csv
      vqkit cluster data.csv -k 3 --labels labels.txt --centers centres.csv
      vqkit cluster data.csv -k 3 --save-model model.npz
      vqkit predict model.npz new.csv
      vqkit quantize photo.jpg -k 16 -o photo-16.png

    Run "vqkit COMMAND --help" for a command's options and examples.
    """


for _command in (
    demo.demo,
    quantize.quantize,
    cluster.cluster,
    predict.predict,
    choose_k.choose_k,
    codebook.train_codebook,
    codebook.encode,
    codebook.decode,
):
    main.add_command(_command)
del _command
