"""``vqkit choose-k``: suggest a number of clusters; also the runner that
``vqkit cluster -k auto`` uses."""

from __future__ import annotations

import click

from ..selection import (
    METHODS,  # the criteria, in report order
    largest_supported_k,
)
from ..selection._params import method_name
from ._input import _check_k_rows, _check_scaling, _read, _scale
from ._options import (
    MAX_K,
    _file_argument,
    _force_option,
    _input_options,
    _json_option,
    _plot_option,
    _quiet_option,
    _seed_option,
    command,
)
from ._output import _check_outputs, _check_plot_output, _json_out, _saving_plot
from ._terminal import _choose_k_progress, _show_progress, _warnings_reported

#: The most values of k that one run of choose-k may try.
MAX_KS = 1000


def _parse_k_range(text):
    """``"2:10"`` (both ends included) or ``"2,4,8"`` -> list of ints, each
    from 1 to :data:`MAX_K`, at most :data:`MAX_KS` of them."""
    text = text.strip()
    shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "..."
    try:
        if ":" in text:
            low, high = (int(part) for part in text.split(":", 1))
            if low <= high:
                _check_k_bounds(low, high, "--k")
            ks = list(range(low, high + 1))
        else:
            ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter(
            f"{shown} is not a range such as 2:10 or a list such as 2,4,8", param_hint="--k"
        ) from None
    if not ks:
        raise click.BadParameter(f"{shown} holds no k (is the range reversed?)", param_hint="--k")
    _check_k_bounds(ks[0], ks[-1], "--k", len(ks))
    return ks


def _check_k_bounds(low, high, option="--k-min", count=None):
    """The k from ``low`` to ``high`` (``count`` of them: all, by default)
    are from 1 to :data:`MAX_K`, in order, and at most :data:`MAX_KS`."""
    if low > high:
        raise click.BadParameter(
            f"--k-min {low} is more than --k-max {high}", param_hint="--k-min"
        )
    if low < 1:
        raise click.BadParameter(f"k must be at least 1, got {low}", param_hint=option)
    if high > MAX_K:
        raise click.BadParameter(f"k must be at most {MAX_K}, got {high}", param_hint=option)
    count = high - low + 1 if count is None else count
    if count > MAX_KS:
        raise click.BadParameter(
            f"that is {count} values of k; choose-k tries at most {MAX_KS} at once",
            param_hint=option,
        )


def _parse_methods(values):
    if not values:
        return None
    methods = []
    for value in values:
        for text in value.split(","):
            if not text.strip():
                continue
            try:
                name = method_name(text.strip())
            except ValueError:
                raise click.BadParameter(
                    f"unknown method {text.strip()!r}; choose from {', '.join(METHODS)} "
                    "('heldout' is an old name of prediction_strength)",
                    param_hint="--methods",
                ) from None
            if name not in methods:
                methods.append(name)
    return methods or None


def _run_choose_k(X, ks, *, methods, seed, quiet):
    from ..selection import choose_k

    progress, close = _choose_k_progress(_show_progress(quiet))
    with _warnings_reported(quiet):
        try:
            kwargs = {"methods": methods, "random_state": seed}
            if progress is not None:
                kwargs["progress"] = progress
            result = choose_k(X, ks, **kwargs)
        except ValueError as exc:
            raise click.ClickException(f"cannot choose k: {exc}") from None
        finally:
            close()
    return result


def _picks_line(result):
    picks = ", ".join(f"{m} {v if v is not None else '-'}" for m, v in result.picks.items())
    ks = list(result.ks)
    return f"Chose k={result.best_k} from k={ks[0]}..{ks[-1]} (picks: {picks})"


@command("choose-k")
@_file_argument("file")
@click.option(
    "--k",
    "k_range",
    default=None,
    metavar="RANGE",
    help="The k to try: a range such as 2:10 (both ends included) or a list "
    "such as 2,4,8.  Default: 1:10.",
)
@click.option(
    "--k-min", type=click.IntRange(1, MAX_K), default=None, help="Smallest k to try (default 1)."
)
@click.option(
    "--k-max",
    type=click.IntRange(1, MAX_K),
    default=None,
    help="Largest k to try (default 10, or half the number of rows if fewer).",
)
@click.option(
    "--methods",
    "-m",
    multiple=True,
    metavar="NAMES",
    help="Criteria, comma-separated or repeated: "
    + ", ".join(METHODS)
    + " ('heldout' is accepted for prediction_strength; '-' for '_').  Default: all six.",
)
@_seed_option()
@click.option(
    "--standardize", is_flag=True, help="Centre each column and scale it to unit variance first."
)
@click.option("--whiten", is_flag=True, help="Scale each column to unit variance first.")
@_input_options
@_json_option("Print one JSON object (best_k, picks, ks, table, notes).")
@_plot_option("Save the criteria against k as a figure (PNG).")
@_force_option()
@_quiet_option("No warnings or progress bar.")
def choose_k(
    file: str,
    k_range: str | None,
    k_min: int | None,
    k_max: int | None,
    methods: tuple[str, ...],
    seed: int | None,
    standardize: bool,
    whiten: bool,
    columns: str | None,
    key: str | None,
    delimiter: str | None,
    header: bool | None,
    missing: str,
    max_expanded_size: int | None,
    as_json: bool,
    plot: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Suggest a number of clusters for the rows of FILE.

    Runs k-means for each k and scores the results by six criteria (elbow
    of the inertia curve, silhouette, Calinski-Harabasz, Davies-Bouldin, gap
    statistic, prediction strength); prints a table of the scores, each
    criterion's pick and the overall choice with how the vote reached it.
    k above half the number of rows is not tried (a note says so).  FILE is
    read as by "vqkit cluster".

    \b
    Examples:
      vqkit choose-k points.csv
      vqkit choose-k points.csv --k 2:8 --seed 0 --plot choose-k.png
      vqkit choose-k points.csv --k-min 2 --k-max 12 --methods silhouette,gap
      vqkit choose-k data.parquet --columns 0:4 --standardize --json
    """
    _check_scaling(standardize, whiten)
    if k_range is not None and (k_min is not None or k_max is not None):
        raise click.UsageError("give either --k or --k-min/--k-max, not both.")
    ks = _parse_k_range(k_range) if k_range is not None else None
    if ks is None and k_min is not None and k_max is not None:
        _check_k_bounds(k_min, k_max)
    method_list = _parse_methods(methods)
    if plot is not None:
        _check_plot_output(plot)
    _check_outputs([(plot, "--plot")], [(file, "FILE")], force)

    table = _read(file, columns, key, delimiter, header, missing, quiet, max_expanded_size)
    n = table.X.shape[0]
    if ks is None:
        low = k_min if k_min is not None else 1
        high = k_max if k_max is not None else max(low, min(10, largest_supported_k(n)))
        _check_k_bounds(low, high)
        ks = list(range(low, high + 1))
    _check_k_rows(max(ks), table, "the largest k")
    X, _ = _scale(table.X, standardize, whiten)
    result = _run_choose_k(X, ks, methods=method_list, seed=seed, quiet=quiet)

    if plot is not None:
        with _saving_plot(plot):
            result.plot(path=plot, X=X)
    if as_json:
        document = result.to_dict()
        document.setdefault("input", table.path)
        document.setdefault("n_samples", int(n))
        document.setdefault("n_features", int(table.X.shape[1]))
        document.setdefault("seed", seed)
        _json_out(document)
        return
    click.echo(result.report())
    if plot is not None and not quiet:
        click.echo(f"Saved the plot to {plot}")
