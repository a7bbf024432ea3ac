"""``vqkit predict``: the clusters of new rows under a model saved by
``vqkit cluster --save-model``."""

from __future__ import annotations

import click

from ._input import _missing_or_denied, _read, _read_document, _read_summary
from ._options import (
    _file_argument,
    _force_option,
    _input_options,
    _json_option,
    _output_option,
    _quiet_option,
    command,
)
from ._output import _check_outputs, _check_writable, _json_out
from .cluster import _check_output_input, _write_labels, _write_output

#: Rows whose distances to every centre are computed at a time.
_DISTANCE_ROWS = 1 << 12


@command()
@click.argument("model", type=click.Path(dir_okay=False, readable=False))
@_file_argument("file")
@_input_options(columns=False)
@click.option(
    "--labels",
    "labels_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Where to write the labels: .csv (row,label), .npy or text, one per row; "
    "- for stdout.  Default: CSV on stdout, unless --output or --json is given.",
)
@click.option(
    "--distances",
    is_flag=True,
    help="Also give each row's distance to its centre (in the model's metric, on the "
    "scaled data): a distance column in CSV labels and --output, a list in --json.",
)
@_output_option(
    "Write FILE's rows with a label column appended: text with FILE's delimiter "
    "or Parquet (.parquet); dropped rows get an empty label.",
    required=False,
)
@_json_option("Print one JSON object (labels, rows, distances with --distances, ...).")
@_force_option()
@_quiet_option("No summary or messages on stderr; errors only.")
def predict(
    model: str,
    file: str,
    key: str | None,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    max_expanded_size: int | None,
    labels_out: str | None,
    distances: bool,
    output: str | None,
    as_json: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Assign the rows of FILE to the clusters of MODEL.

    MODEL is a file saved by vqkit cluster --save-model.  FILE is read as
    vqkit cluster reads it, and the model's columns are taken from it (by
    name when the training file named its columns, so their order may
    differ; else by position) and scaled as the training data was
    (--standardize, --whiten: with the training data's means and scales).
    FILE must have the model's columns: a missing column, or other columns
    where the model used all of them, is an error.

    Without --labels, --output or --json the labels are written to stdout
    as CSV (row,label; row,label,distance with --distances); a summary goes
    to stderr.

    \b
    Examples:
      vqkit cluster wine.csv -k 3 --standardize --save-model wine.npz
      vqkit predict wine.npz new.csv > labels.csv
      vqkit predict wine.npz new.csv --distances --output new-labelled.csv
      vqkit predict wine.npz new.csv --json
    """
    import numpy as np

    if labels_out == "-" and as_json:
        raise click.UsageError("--json prints to stdout; write --labels to a file.")
    if labels_out is not None:
        _check_writable(labels_out, "--labels", allow_dash=True)
    if output is not None:
        _check_writable(output, "--output")
    _check_output_input(output, file)
    _check_outputs(
        [(labels_out, "--labels"), (output, "--output")],
        [(file, "FILE"), (model, "MODEL")],
        force,
    )
    if distances and labels_out not in (None, "-") and not labels_out.lower().endswith(".csv"):
        raise click.UsageError(
            f"--distances goes in CSV labels (.csv), --output or --json, not in {labels_out!r}."
        )
    saved = _load(model)
    try:
        table = _read(file, _columns_of(saved), key, delimiter, header, missing, quiet)
    except click.BadParameter as exc:
        if exc.param_hint != "--columns":
            raise
        raise click.ClickException(
            f"{exc.message} ({model} needs the columns "
            f"{_listing(saved.columns or [saved.columns_option])})"
        ) from None
    X = _model_columns(saved, table, model)
    Xs = saved.prepare(X)
    km = saved.estimator
    try:
        labels = km.predict(Xs)
    except ValueError as exc:
        raise click.ClickException(f"{table.path}: {exc}") from None
    dist = _distances(km, Xs, labels) if distances else None

    to_stdout = labels_out == "-" or (labels_out is None and output is None and not as_json)
    if labels_out is not None or to_stdout:
        _write_labels(
            labels_out or "-",
            labels,
            table,
            distances=dist,
            as_csv=True if labels_out is None else None,
        )
    if output is not None:
        _write_output(output, table, labels, dist, max_expanded_size)
    k = int(km.n_clusters)
    sizes = np.bincount(labels, minlength=k)
    if as_json:
        document = {
            "model": model,
            "input": table.path,
            "k": k,
            "n_samples": int(X.shape[0]),
            "n_features": int(X.shape[1]),
            "columns": saved.columns,
            "scaling": saved.scaling,
            "labels": labels.tolist(),
            "rows": table.row_numbers().tolist(),
            "sizes": sizes.tolist(),
            **_read_document(table),
        }
        if table.row_ids is not None:
            document["row_ids"] = table.row_ids.tolist()
        if dist is not None:
            document["distances"] = dist.tolist()
        _json_out(document)
    if quiet:
        return
    read = _read_summary(table)
    lines = [
        f"{table.path}: {X.shape[0]} rows x {X.shape[1]} columns" + (f"; {read}" if read else ""),
        f"{model}: k={k}, scaling {saved.scaling}; cluster sizes: "
        + ", ".join(str(s) for s in sizes.tolist()),
    ]
    lines += [
        f"Saved the {what} to {path}"
        for path, what in ((labels_out, "labels"), (output, "labelled rows"))
        if path not in (None, "-")
    ]
    click.echo("\n".join(lines), err=True)


def _load(model):
    from ._model import load_model

    with _missing_or_denied(model):
        try:
            return load_model(model)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None


def _columns_of(saved):
    """What to select from FILE: the model's columns by name, or by the
    training run's --columns, or all."""
    if saved.columns is not None:
        return saved.columns
    return saved.columns_option


def _model_columns(saved, table, model):
    """The rows of ``table`` in the model's columns, refusing a file whose
    columns differ from the training file's."""
    X = table.X
    d = int(saved.estimator.n_features_in_)
    if saved.columns is not None:
        if table.columns is None:
            raise click.ClickException(
                f"{table.path}: it has no header line naming its columns, and {model} "
                f"needs the columns {_listing(saved.columns)} (give --header if its first "
                "line names them)."
            )
        lacking = [c for c in saved.columns if c not in (table.file_columns or ())]
        if lacking:
            raise click.ClickException(
                f"{table.path}: it lacks columns that {model} needs: {_listing(lacking)} "
                f"(the model's columns are {_listing(saved.columns)})."
            )
        if saved.columns_option is None and saved.file_columns is not None:
            features = _features(table.file_columns, table.id_column)
            trained = _features(saved.file_columns, saved.id_column)
            other = [c for c in features if c not in trained]
            if other:
                raise click.ClickException(
                    f"{table.path}: it has columns that the training file did not have: "
                    f"{_listing(other)}; {model} was trained on all the columns "
                    f"{_listing(trained)}."
                )
    elif saved.n_file_columns is not None and table.n_file_columns != saved.n_file_columns:
        raise click.ClickException(
            f"{table.path}: it has {table.n_file_columns} columns, but the file {model} "
            f"was trained on had {saved.n_file_columns}; give a file with the same columns."
        )
    if X.shape[1] != d:
        raise click.ClickException(
            f"{table.path}: {X.shape[1]} columns were read, but {model} needs {d}."
        )
    return X


def _features(names, id_column):
    return [n for n in names or () if n != id_column]


def _listing(names, most=8):
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f", ... ({len(names)} in all)" if len(names) > most else "")


def _distances(km, X, labels):
    """Distance from each row of ``X`` to its centre, in the model's metric
    (``transform``), a block of rows at a time."""
    import numpy as np

    out = np.empty(len(labels), dtype=np.float64)
    for start in range(0, len(labels), _DISTANCE_ROWS):
        stop = start + _DISTANCE_ROWS
        D = km.transform(X[start:stop])
        out[start:stop] = D[np.arange(D.shape[0]), labels[start:stop]]
    return out
