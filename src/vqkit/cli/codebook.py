"""Code books: ``vqkit train-codebook``, ``vqkit encode`` and ``vqkit decode``."""

from __future__ import annotations

import os
import zipfile

import click

from ._errors import user_message
from ._input import _check_k_rows, _data_errors, _missing_or_denied, _read, _stdin
from ._options import (
    MAX_ITER,
    _file_argument,
    _force_option,
    _input_options,
    _json_option,
    _KType,
    _max_expanded_size_option,
    _NInit,
    _output_option,
    _quiet_option,
    _seed_option,
    command,
)
from ._output import (
    _check_outputs,
    _check_writable,
    _file_errors,
    _fmt_g,
    _fmt_number,
    _json_out,
)
from ._terminal import _kmeans_progress, _n_runs, _show_progress, _warnings_reported

#: What loading a damaged or hostile code book file may raise, besides the
#: ValueError of a file that is read but found wrong.
_DAMAGED = (OSError, EOFError, zipfile.BadZipFile, RecursionError, MemoryError, OverflowError)


def _codebook_option(help):
    return click.option(
        "--codebook", "-b", required=True, type=click.Path(readable=False), help=help
    )


def _load_codebook(path):
    from ..quantization import Codebook

    if os.path.isdir(path):
        raise click.ClickException(f"{path}: is a directory, not a code book file.")
    if not os.path.exists(path):
        raise click.ClickException(f"{path}: no such file.")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror or exc}.") from None
    if magic != b"PK\x03\x04":
        raise click.ClickException(
            f"{path}: not a code book file (code books are .npz archives; write one with "
            "vqkit train-codebook FILE -k K -o codebook.npz)."
        )
    try:
        with _missing_or_denied(path):
            return Codebook.load(path)
    except ValueError as exc:
        raise click.ClickException(
            f"{exc} (write one with: vqkit train-codebook FILE -k K -o codebook.npz)"
        ) from None
    except _DAMAGED as exc:
        raise click.ClickException(
            f"{path}: not a valid code book file: {user_message(exc)} (write one with: "
            "vqkit train-codebook FILE -k K -o codebook.npz)"
        ) from None


def _compression_text(cb, table):
    """The compression ratio of ``cb`` against the dtype of ``table``, as text."""
    return _fmt_number(cb.compression_ratio(table.X.dtype), 1)


@command("train-codebook")
@_file_argument("file")
@click.option(
    "-k",
    "--codewords",
    "k",
    required=True,
    type=_KType(),
    help="Number of code words (1 to the number of rows).",
)
@_output_option("Where to save the code book (.npz).")
@click.option(
    "--method",
    type=click.Choice(["kmeans", "minibatch"]),
    default="kmeans",
    show_default=True,
    help="k-means, or mini-batch k-means (faster on large files).",
)
@click.option(
    "--n-init",
    type=_NInit(),
    default="auto",
    show_default=True,
    help="Number of seedings; the best run is kept.",
)
@click.option(
    "--max-iter",
    type=click.IntRange(1, MAX_ITER),
    default=None,
    help=f"Most iterations (passes for minibatch), at most {MAX_ITER}.  Default: 300 (100).",
)
@_seed_option()
@_input_options
@_json_option("Print one JSON object (k, n_features, bits_per_vector, ...).")
@_force_option()
@_quiet_option()
def train_codebook(
    file: str,
    k: int,
    output: str,
    method: str,
    n_init: int | str,
    max_iter: int | None,
    seed: int | None,
    columns: str | None,
    key: str | None,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    max_expanded_size: int | None,
    as_json: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Train a vector-quantization code book of K code words on FILE.

    The code words are the k-means centres of the rows of FILE (read as by
    "vqkit cluster").  The code book is saved as one .npz file (no pickle)
    for "vqkit encode" and "vqkit decode", and for vqkit.Codebook.load in
    Python.

    \b
    Examples:
      vqkit train-codebook vectors.npy -k 256 -o codebook.npz --seed 0
      vqkit train-codebook big.csv -k 64 -o cb.npz --method minibatch
      vqkit encode vectors.npy --codebook codebook.npz -o codes.npy
      vqkit decode codes.npy --codebook codebook.npz -o approx.npy
    """
    from ..quantization import Codebook

    if output == "-":
        raise click.BadParameter(
            "the code book is a binary .npz file: give a file name", param_hint="--output"
        )
    _check_writable(output, "--output")
    _check_outputs([(output, "--output")], [(file, "FILE")], force)
    table = _read(file, columns, key, delimiter, header, missing, quiet, max_expanded_size)
    _check_k_rows(k, table)
    params = {"n_init": n_init}
    if max_iter is not None:
        params["max_iter"] = max_iter
    runs = _n_runs("k-means++", n_init)
    progress = method == "kmeans" and _show_progress(quiet)
    with (
        _warnings_reported(quiet),
        _kmeans_progress(progress, f"code book, k={k}", runs, max_iter or 300) as callback,
    ):
        if callback is not None:
            params["callback"] = callback
        try:
            cb = Codebook.train(table.X, k, method=method, random_state=seed, **params)
        except ValueError as exc:
            raise click.ClickException(f"{table.path}: {exc}") from None
    with _file_errors(output):
        cb.save(output)
    distortion = cb.distortion(table.X)
    if as_json:
        _json_out(
            {  # an infinite compression ratio (k == 1) prints as null
                "k": cb.k,
                "n_features": cb.n_features,
                "n_samples": int(table.X.shape[0]),
                "bits_per_vector": cb.bits_per_vector,
                "compression_ratio": cb.compression_ratio(table.X.dtype),
                "codebook_bytes": cb.codebook_bytes,
                "mse_per_vector": distortion.mse_per_vector,
                "mse_per_component": distortion.mse_per_component,
                "codebook": output,
                "method": method,
                "seed": seed,
            }
        )
        return
    if quiet:
        return
    click.echo(
        f"Trained {cb.k} code words x {cb.n_features} features on {table.X.shape[0]} rows "
        f"of {table.path} ({method})."
    )
    click.echo(f"Bits per vector:   {cb.bits_per_vector}")
    click.echo(
        f"Compression ratio: {_compression_text(cb, table)}:1 against {table.X.dtype} (codes "
        f"only; the code book takes {cb.codebook_bytes} bytes)"
    )
    click.echo(f"Mean squared error per vector: {_fmt_g(distortion.mse_per_vector)}")
    click.echo(f"Saved the code book to {output}")


@command()
@_file_argument("file")
@_codebook_option("The code book (.npz from vqkit train-codebook or Codebook.save).")
@_output_option(
    "Where to write the codes: .npy (smallest unsigned integer type) or "
    "text, one per line; - for stdout.",
    allow_dash=True,
)
@_input_options
@_force_option()
@_quiet_option()
def encode(
    file: str,
    codebook: str,
    output: str,
    columns: str | None,
    key: str | None,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    max_expanded_size: int | None,
    force: bool,
    quiet: bool,
) -> None:
    """Replace each row of FILE by the index of its nearest code word.

    FILE is read as by "vqkit cluster" and must have as many (selected)
    columns as the code book has features.  Prints the bits per vector,
    the compression ratio and the mean squared error.

    \b
    Examples:
      vqkit encode vectors.npy --codebook codebook.npz -o codes.npy
      vqkit encode points.csv --codebook cb.npz --columns x,y -o codes.txt
      vqkit encode - --codebook cb.npz -o - < points.csv
    """
    from ..io import write_codes

    _check_writable(output, "--output", allow_dash=True)
    _check_outputs([(output, "--output")], [(file, "FILE"), (codebook, "--codebook")], force)
    cb = _load_codebook(codebook)
    table = _read(file, columns, key, delimiter, header, missing, quiet, max_expanded_size)
    d = table.X.shape[1]
    if d != cb.n_features:
        raise click.ClickException(
            f"{table.path} has {d} column{'s' if d != 1 else ''}, but the code book "
            f"{codebook} has {cb.n_features} features; select columns with --columns."
        )
    codes = cb.encode(table.X)
    with _file_errors(output):
        write_codes(output, codes)
    if quiet or output == "-":
        return
    distortion = cb.distortion(table.X)
    click.echo(
        f"Encoded {codes.shape[0]} rows of {table.path} with {cb.k} code words: "
        f"{cb.bits_per_vector} bits per vector, compression {_compression_text(cb, table)}:1 "
        f"against {table.X.dtype}, mean squared error {_fmt_g(distortion.mse_per_vector)} "
        "per vector."
    )
    click.echo(f"Saved the codes ({codes.dtype}) to {output}")


def _read_codes(path, key, k, max_expanded_size):
    """The codes of FILE as int64, checked: one column of whole numbers in
    ``[0, k)``; errors name the line (text) or row (binary)."""
    import numpy as np

    from ..io import read_data

    with _data_errors():
        table = read_data(path, key=key, stdin=_stdin(), max_expanded_size=max_expanded_size)
    X = table.X
    if X.shape[1] != 1:
        raise click.ClickException(
            f"{table.path}: expected one code per row, but it has {X.shape[1]} columns."
        )
    values = np.asarray(X[:, 0])
    whole = values == np.round(values)
    if not whole.all():
        i = int(np.flatnonzero(~whole)[0])
        raise click.ClickException(
            f"{table.path}, {table.where(i)}: {float(values[i])!r} is not a whole number; "
            "codes are integers."
        )
    bad = (values < 0) | (values >= k)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise click.ClickException(
            f"{table.path}, {table.where(i)}: code {int(values[i])} is out of range: the "
            f"code book has {k} code words, so codes lie in 0..{k - 1}."
        )
    return values.astype(np.int64), table


@command()
@_file_argument("codes")
@_codebook_option("The code book the codes were made with.")
@_output_option(
    "Where to write the vectors: .npy, or CSV with a header line; - for stdout (CSV).",
    allow_dash=True,
)
@click.option("--key", default=None, help="The array to read from an .npz file of codes.")
@_max_expanded_size_option()
@_force_option()
@_quiet_option()
def decode(
    codes: str,
    codebook: str,
    output: str,
    key: str | None,
    max_expanded_size: int | None,
    force: bool,
    quiet: bool,
) -> None:
    """Turn CODES back into vectors: each code becomes its code word.

    CODES is what "vqkit encode" wrote: .npy, .npz (--key) or text with one
    code per line (- for stdin).

    \b
    Examples:
      vqkit decode codes.npy --codebook codebook.npz -o approx.npy
      vqkit decode codes.txt --codebook cb.npz -o approx.csv
    """
    from ..io import write_matrix

    _check_writable(output, "--output", allow_dash=True)
    _check_outputs([(output, "--output")], [(codes, "CODES"), (codebook, "--codebook")], force)
    cb = _load_codebook(codebook)
    values, table = _read_codes(codes, key, cb.k, max_expanded_size)
    with _file_errors(output):
        write_matrix(output, cb.codewords, rows=values)
    if quiet or output == "-":
        return
    click.echo(
        f"Decoded {values.shape[0]} codes of {table.path} into {cb.n_features}-feature "
        f"vectors; saved them to {output}"
    )
