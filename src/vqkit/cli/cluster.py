"""``vqkit cluster``: k-means on the rows of a data file."""

from __future__ import annotations

import os

import click

from ._input import (
    _check_k_rows,
    _check_scaling,
    _read,
    _read_document,
    _read_summary,
    _scaling_name,
    _scaling_of,
)
from ._options import (
    MAX_ITER,
    _file_argument,
    _force_option,
    _input_options,
    _json_option,
    _KType,
    _NInit,
    _output_option,
    _plot_option,
    _quiet_option,
    _seed_option,
    command,
)
from ._output import (
    _check_outputs,
    _check_plot_output,
    _check_writable,
    _file_errors,
    _float_list,
    _fmt_g,
    _json_out,
    _saving_plot,
    _table_text,
)
from ._terminal import _kmeans_progress, _n_runs, _show_progress, _warnings_reported
from .choose_k import _picks_line, _run_choose_k

METRICS = ["euclidean", "cosine", "manhattan"]
INITS = ["k-means++", "k-means||", "random"]


@command()
@_file_argument("file")
@click.option(
    "-k",
    "--clusters",
    "k",
    required=True,
    type=_KType(auto=True),
    help="Number of clusters (1 to the number of rows), or 'auto' to choose it "
    "first by vqkit choose-k's criteria (k from 1 to 10, Euclidean, on the "
    "scaled data).",
)
@click.option(
    "--init",
    type=click.Choice(INITS),
    default="k-means++",
    show_default=True,
    help="How the first centres are chosen.",
)
@click.option(
    "--metric",
    type=click.Choice(METRICS),
    default="euclidean",
    show_default=True,
    help="euclidean: k-means; cosine: spherical k-means; manhattan: k-medians.",
)
@click.option(
    "--n-init",
    type=_NInit(),
    default="auto",
    show_default=True,
    help="Number of seedings; the best run is kept (auto: 10 for random, else 1).",
)
@_seed_option()
@click.option(
    "--max-iter",
    type=click.IntRange(1, MAX_ITER),
    default=300,
    show_default=True,
    help=f"Most iterations of a run (at most {MAX_ITER}).",
)
@click.option(
    "--standardize",
    is_flag=True,
    help="Centre each column and scale it to unit variance before clustering.",
)
@click.option(
    "--whiten",
    is_flag=True,
    help="Scale each column to unit variance before clustering (as scipy's whiten).",
)
@_input_options
@click.option(
    "--labels",
    "labels_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write the cluster of each row: .npy, .csv (row,label) or text, one per "
    "line; - for stdout.",
)
@click.option(
    "--centers",
    "--centres",
    "centers_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write the centres: .npy, or CSV with a header line; - for stdout.",
)
@_output_option(
    "Write FILE's rows with a label column appended: text with FILE's delimiter "
    "(.csv, .tsv, ...) or Parquet (.parquet); dropped rows get an empty label.",
    required=False,
)
@click.option(
    "--save-model",
    "model_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Save the model (.npz), with the columns and scaling, for vqkit predict.",
)
@_json_option("Print one JSON object (k, centroids, labels, inertia, n_iter, ...).")
@_plot_option("Save a scatter plot of the clusters (PNG).")
@_force_option()
@_quiet_option("No summary, warnings or progress bar; errors only.")
def cluster(
    file: str,
    k: int | str,
    init: str,
    metric: str,
    n_init: int | str,
    seed: int | None,
    max_iter: int,
    standardize: bool,
    whiten: bool,
    columns: str | None,
    key: str | None,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    max_expanded_size: int | None,
    labels_out: str | None,
    centers_out: str | None,
    output: str | None,
    model_out: str | None,
    as_json: bool,
    plot: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Cluster the rows of FILE into K groups with k-means.

    FILE is CSV/TSV or other delimited text (delimiter and header line
    detected), .npy, .npz (--key), Parquet (pip install 'vqkit[io]'), or -
    for text on standard input.  Each row is a point; each selected column
    a feature.

    Without --labels, --centers or --json a short summary is printed (how
    FILE was read, sizes and centres).  Centres are always reported in the
    input's units, also with --standardize or --whiten (the inertia is that
    of the scaled data, and --plot draws the scaled data).  Labels keep the
    file's row numbers (or its id column) when --missing drop drops rows.
    Output files are written atomically.

    \b
    Examples:
      vqkit cluster points.csv -k 3
      vqkit cluster points.csv -k 3 --seed 0 --labels labels.txt --centers centres.csv
      vqkit cluster points.csv -k auto --standardize --plot clusters.png
      vqkit cluster data.csv -k 5 --columns height,weight --missing drop
      vqkit cluster vectors.npz --key train -k 16 --json > result.json
      vqkit cluster wine.csv -k 3 --standardize --save-model wine.npz -o wine-labelled.csv
      cat points.tsv | vqkit cluster - -k 2 --labels -
    """
    import numpy as np

    _check_scaling(standardize, whiten)
    to_stdout = [o for o in (labels_out, centers_out) if o == "-"]
    if len(to_stdout) > 1:
        raise click.UsageError("only one of --labels and --centers can be - (stdout).")
    if to_stdout and as_json:
        raise click.UsageError("--json prints to stdout; write --labels/--centers to files.")
    for path, option in ((labels_out, "--labels"), (centers_out, "--centers")):
        if path is not None:
            _check_writable(path, option, allow_dash=True)
    for path, option in ((output, "--output"), (model_out, "--save-model")):
        if path is not None:
            _check_writable(path, option)
    _check_output_input(output, file)
    if plot is not None:
        _check_plot_output(plot)
    _check_outputs(
        [
            (labels_out, "--labels"),
            (centers_out, "--centers"),
            (output, "--output"),
            (model_out, "--save-model"),
            (plot, "--plot"),
        ],
        [(file, "FILE")],
        force,
    )

    table = _read(file, columns, key, delimiter, header, missing, quiet, max_expanded_size)
    X = table.X
    if k != "auto":
        _check_k_rows(k, table)
    mean, scale = _scaling_of(X, standardize, whiten)
    Xs = X if mean is None else (np.asarray(X, dtype=np.float64) - mean) / scale
    if metric == "cosine":
        _check_directions(Xs, table, standardize)

    chosen = None
    if k == "auto":
        n = X.shape[0]
        ks = range(1, min(10, n) + 1)
        chosen = _run_choose_k(Xs, ks, methods=None, seed=seed, quiet=quiet)
        if chosen.best_k is None:
            raise click.ClickException(
                f"{table.path}: no method could choose k (picks: {chosen.picks}); "
                "give -k a number."
            )
        k = int(chosen.best_k)
    with _warnings_reported(quiet):
        try:
            km = _fit_kmeans(
                Xs,
                k,
                init=init,
                metric=metric,
                n_init=n_init,
                seed=seed,
                max_iter=max_iter,
                progress=_show_progress(quiet),
            )
        except ValueError as exc:
            raise click.ClickException(f"{table.path}: {exc}") from None
    labels = km.labels_
    centers = km.cluster_centers_
    if mean is not None:  # back to the input's units
        centers = np.asarray(centers, dtype=np.float64) * scale + mean
    sizes = np.bincount(labels, minlength=int(k))

    from ..io import write_matrix

    if labels_out is not None:
        _write_labels(labels_out, labels, table)
    if centers_out is not None:
        with _file_errors(centers_out):
            write_matrix(centers_out, centers, table.columns)
    if output is not None:
        _write_output(output, table, labels, None, max_expanded_size)
    if model_out is not None:
        from ._model import save_model

        with _file_errors(model_out):
            save_model(
                model_out, km, table, columns, _scaling_name(standardize, whiten), mean, scale
            )
    if plot is not None:
        scaling = _scaling_name(standardize, whiten)
        _plot_clusters(plot, Xs, labels, km.cluster_centers_, table, k, metric, scaling)

    if as_json:
        document = {
            "k": int(k),
            "centroids": _float_list(centers),
            "labels": labels.tolist(),
            "inertia": float(km.inertia_),
            "n_iter": int(km.n_iter_),
            "sizes": sizes.tolist(),
            "metric": metric,
            "init": init,
            "n_init": _n_runs(init, n_init),
            "max_iter": max_iter,
            "seed": seed,
            "scaling": _scaling_name(standardize, whiten),
            "input": table.path,
            "n_samples": int(X.shape[0]),
            "n_features": int(X.shape[1]),
            "columns": table.columns,
            "rows": table.row_numbers().tolist(),
            **_read_document(table),
        }
        if table.row_ids is not None:
            document["row_ids"] = table.row_ids.tolist()
        if chosen is not None:
            document["choose_k"] = chosen.to_dict()
        _json_out(document)
        return
    if quiet or to_stdout:
        return
    if chosen is not None:
        click.echo(_picks_line(chosen))
    click.echo(
        _cluster_summary(
            table, k, km, centers, sizes, metric, init, n_init, seed, standardize, whiten
        )
    )
    for path, what in (
        (labels_out, "labels"),
        (centers_out, "centres"),
        (output, "labelled rows"),
        (model_out, "model"),
        (plot, "plot"),
    ):
        if path is not None:
            click.echo(f"Saved the {what} to {path}")


def _fit_kmeans(X, k, *, init, metric, n_init, seed, max_iter, progress):
    from ..estimators import KMeans

    runs = _n_runs(init, n_init)
    with _kmeans_progress(progress, f"k-means, k={k}", runs, max_iter) as callback:
        km = KMeans(
            n_clusters=k,
            init=init,
            metric=metric,
            n_init=n_init,
            random_state=seed,
            max_iter=max_iter,
            callback=callback,
        )
        return km.fit(X)


def _check_directions(X, table, standardize):
    """Cosine k-means needs rows with a direction: name the first all-zero
    row by its line (text) or row (binary)."""
    import numpy as np

    zero = ~np.any(np.asarray(X) != 0, axis=1)
    if zero.any():
        first = int(np.flatnonzero(zero)[0])
        count = int(zero.sum())
        more = f" (and {count - 1} more)" if count > 1 else ""
        after = " after --standardize" if standardize else ""
        raise click.ClickException(
            f"{table.path}, {table.where(first)}: the row is all zeros{after}{more}, so it "
            "has no direction for --metric cosine; remove such rows or use another metric."
        )


def _cluster_summary(
    table, k, km, centers, sizes, metric, init, n_init, seed, standardize, whiten
):
    import numpy as np

    n, d = table.X.shape
    names = table.columns or [f"x{j}" for j in range(d)]
    shown = ", ".join(names) if d <= 8 else ", ".join(names[:8]) + ", ..."
    scaling = ", standardized" if standardize else ", whitened" if whiten else ""
    read = _read_summary(table)
    lines = [
        f"{table.path}: {n} rows x {d} columns ({shown})",
        *([read[0].upper() + read[1:]] if read else []),
        f"k-means: k={k}, metric {metric}, init {init}, n_init {_n_runs(init, n_init)}, "
        f"seed {seed if seed is not None else 'none'}{scaling}",
        f"{km.n_iter_} iteration{'s' if km.n_iter_ != 1 else ''}, inertia {_fmt_g(km.inertia_)}",
        "Cluster sizes: "
        + (
            ", ".join(str(s) for s in sizes.tolist())
            if k <= 20
            else f"smallest {sizes.min()}, median {int(np.median(sizes))}, largest {sizes.max()}"
        ),
    ]
    if d <= 8 and k <= 50:
        header = ["cluster", "size"] + list(names)
        rows = [[str(j), str(int(sizes[j]))] + [_fmt_g(v) for v in centers[j]] for j in range(k)]
        lines += ["Centres:", _table_text(header, rows)]
    else:
        lines.append(f"Centres: {k} x {d}; write them with --centers FILE.")
    return "\n".join(lines)


def _plot_clusters(path, X, labels, centers, table, k, metric, scaling):
    """Scatter plot of the data that was clustered (scaled, with
    --standardize or --whiten) and its centres."""
    from .. import plot as plot_module

    scaled = {"standardize": "standardized", "whiten": "whitened"}.get(scaling)
    title = f"{os.path.basename(table.path)}: k={k} ({metric}" + (
        f", {scaled} data)" if scaled else ")"
    )
    with _saving_plot(path):
        fig = plot_module.clusters(X, labels, centers, title=title)
        ax = fig.axes[0]
        names = table.columns or [f"x{j}" for j in range(X.shape[1])]
        if X.shape[1] <= 2:  # drawn as they are: name the axes
            unit = f" ({scaled})" if scaled else ""
            ax.set_xlabel(names[0] + unit)
            if X.shape[1] == 2:
                ax.set_ylabel(names[1] + unit)
        elif scaled:
            ax.set_xlabel(f"{ax.get_xlabel()} of the {scaled} data".strip())
            ax.set_ylabel(f"{ax.get_ylabel()} of the {scaled} data".strip())
        plot_module.save_figure(fig, path)


def _write_labels(path, labels, table, distances=None, as_csv=None):
    """Write the labels of ``table``'s rows, numbered as the file's rows (or
    by its id column) so that they join back to it."""
    from ..io import write_labels

    with _file_errors(path):
        write_labels(
            path,
            labels,
            rows=table.row_numbers(),
            n_rows=table.X.shape[0] + len(table.dropped_rows),
            ids=table.row_ids,
            id_name=table.id_column,
            distances=distances,
            as_csv=as_csv,
        )


def _check_output_input(output, file):
    """``--output`` reads FILE a second time: not standard input."""
    if output is not None and file == "-":
        raise click.UsageError(
            "--output copies FILE's rows, which needs FILE to be a file: standard input "
            "cannot be read twice; save it to a file first."
        )


def _write_output(path, table, labels, distances, max_expanded_size):
    """Write ``--output``: FILE's rows with their labels appended."""
    from ..io.errors import DataFileError
    from ..io.labelled import write_with_labels

    with _file_errors(path):
        try:
            write_with_labels(path, table, labels, distances, max_expanded_size)
        except (DataFileError, ValueError, ImportError) as exc:
            raise click.ClickException(f"{path}: {exc}") from None
