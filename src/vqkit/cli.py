"""The ``vqkit`` command.

A thin layer over the library: each command parses its options, calls the
library and prints.  User mistakes end with a short message on stderr and a
non-zero exit status (2 for usage errors, 1 for data or file errors), never
with a traceback.  Output files are written atomically: a complete new file
or none, and an existing file is only ever replaced by a complete one.
"""

import contextlib
import os
import json
import sys
import warnings

import click

from . import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="vqkit")
def main():
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


def _check_writable(path, option, allow_dash=False):
    """Fail early, as a usage error, when ``path`` cannot be written
    (``"-"``, standard output, is fine where ``allow_dash``)."""
    if path == "-" and allow_dash:
        return
    if os.path.isdir(path):
        raise click.BadParameter(
            f"cannot write {path!r}: it is a directory", param_hint=option
        )
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


# ----------------------------------------------------------------------
# shared pieces of the data commands


class _KType(click.ParamType):
    """``-k``: a whole number >= 1, or ``auto`` where allowed."""

    name = "K"

    def __init__(self, auto=False):
        self.auto = auto

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            k = value
        elif self.auto and str(value).strip().lower() == "auto":
            return "auto"
        else:
            try:
                k = int(str(value).strip())
            except ValueError:
                self.fail(
                    f"{value!r} is not a whole number"
                    + (" or 'auto'" if self.auto else ""),
                    param, ctx,
                )
        if k < 1:
            self.fail(f"k must be at least 1, got {k}", param, ctx)
        return k


class _NInit(click.ParamType):
    """``--n-init``: ``auto`` or a whole number >= 1."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if str(value).strip().lower() == "auto":
            return "auto"
        try:
            n = int(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a whole number or 'auto'", param, ctx)
        if n < 1:
            self.fail(f"n_init must be at least 1, got {n}", param, ctx)
        return n


def _input_options(f):
    """The options that say how to read FILE (shared by the data commands)."""
    options = [
        click.option(
            "--columns", "-c", default=None, metavar="COLS",
            help="Columns to use: names, 0-based indices or ranges (stop excluded), "
            "comma-separated, e.g. 'x,y', '0,2', '1:4'.  Default: all.",
        ),
        click.option(
            "--key", default=None,
            help="The array to read from an .npz file (needed when it holds several).",
        ),
        click.option(
            "--delimiter", "-d", default=None, metavar="CHAR",
            help="Text files: ',', ';', 'tab' or 'whitespace' (or any one character).  "
            "Default: detected.",
        ),
        click.option(
            "--header/--no-header", default=None,
            help="Text files: the first line names the columns (or not).  Default: "
            "detected (a header line holds no numbers).",
        ),
        click.option(
            "--missing", type=click.Choice(["error", "drop"]), default="error",
            show_default=True,
            help="Empty, NA or NaN cells: stop with an error naming the line and "
            "column, or drop their rows.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@contextlib.contextmanager
def _data_errors():
    """Turn the I/O layer's errors into exit statuses: a bad ``--columns`` or
    ``--key`` value is a usage error (2); anything about the file is a data
    error (1)."""
    from .io import DataFileError

    try:
        yield
    except DataFileError as exc:
        if exc.option:
            raise click.BadParameter(str(exc), param_hint=f"--{exc.option}") from None
        raise click.ClickException(str(exc)) from None


def _read(path, columns, key, delimiter, header, missing, quiet):
    """The :class:`vqkit.io.Table` of FILE; dropped rows are reported on
    stderr (unless ``quiet``)."""
    from .io import read_data

    if path == "-" and not quiet and _stdin_is_terminal():
        click.echo("Reading data from standard input; end it with Ctrl-D.", err=True)
    with _data_errors():
        try:
            table = read_data(
                path, columns=columns, key=key, delimiter=delimiter, header=header,
                missing=missing, stdin=_stdin(),
            )
        except MemoryError:
            raise click.ClickException(
                f"{path}: not enough memory to read it (for text, convert it to .npy, "
                "which is read memory-mapped)"
            ) from None
    if table.n_dropped and not quiet:
        unit = "line" if table.format == "text" else "row"
        shown = ", ".join(str(n) for n in table.dropped)
        more = ", ..." if table.n_dropped > len(table.dropped) else ""
        click.echo(
            f"Dropped {table.n_dropped} row{'s' if table.n_dropped != 1 else ''} with "
            f"missing values ({unit}{'s' if table.n_dropped != 1 else ''} {shown}{more}).",
            err=True,
        )
    return table


def _stdin():
    """Standard input as bytes."""
    return getattr(sys.stdin, "buffer", sys.stdin)


def _stdin_is_terminal():
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _stderr_is_terminal():
    """Whether progress bars can be drawn (a function so tests can say yes)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced by something odd
        return False


def _show_progress(quiet):
    return not quiet and _stderr_is_terminal()


def _echo_warnings(caught, quiet):
    if quiet:
        return
    seen = set()
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue
        message = str(w.message)
        if message not in seen:
            seen.add(message)
            click.echo(f"Warning: {message}", err=True)


def _scale(X, standardize, whiten):
    """``(X_scaled, undo)``: standardise (centre, unit variance) or whiten
    (unit variance) the columns; ``undo`` maps centres back to the input's
    units.  Constant columns are left unscaled."""
    import numpy as np

    if not (standardize or whiten):
        return X, lambda C: C
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    mean = X.mean(axis=0) if standardize else np.zeros(X.shape[1])
    scaled = (X - mean) / std
    return scaled, lambda C: np.asarray(C, dtype=np.float64) * std + mean


def _scaling_name(standardize, whiten):
    return "standardize" if standardize else "whiten" if whiten else "none"


def _check_scaling(standardize, whiten):
    if standardize and whiten:
        raise click.UsageError("use either --standardize or --whiten, not both.")


def _check_k_rows(k, table, what="k"):
    n = table.X.shape[0]
    if k > n:
        raise click.ClickException(
            f"{table.path}: {what}={k} is more than the number of rows ({n}); "
            f"use a k between 1 and {n}."
        )


def _need_matplotlib(option):
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise click.ClickException(
            f"{option} needs matplotlib; install it with pip install 'vqkit[plot]'."
        )


def _write_or_fail(path, write):
    """Run ``write()``; an OSError becomes a file error naming ``path``."""
    try:
        return write()
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None


def _n_runs(init, n_init):
    if n_init != "auto":
        return n_init
    return 10 if init == "random" else 1


@contextlib.contextmanager
def _kmeans_progress(enabled, label, runs, max_iter):
    """A progress bar on stderr fed by a KMeans ``callback``: yields the
    callback (None when the bar is off).  One unit per Lloyd iteration; a
    run that converges early jumps to its end."""
    if not enabled:
        yield None
        return
    state = {"run": 0}

    def show(item):
        if item is None:
            return None
        run = f"run {state['run']}/{runs}, " if runs > 1 else ""
        return f"{run}iteration {item.iteration + 1}, inertia {item.inertia:.6g}"

    with click.progressbar(
        length=runs * max_iter, label=label, file=sys.stderr,
        item_show_func=show, show_eta=False,
    ) as bar:

        def callback(stats):
            if stats.iteration == 0:
                state["run"] += 1
                target = (state["run"] - 1) * max_iter
                if target > bar.pos:
                    bar.update(target - bar.pos)
            bar.update(1, stats)
            return None

        yield callback
        if bar.length > bar.pos:
            bar.update(bar.length - bar.pos)


def _fit_kmeans(X, k, *, init, metric, n_init, seed, max_iter, progress):
    from .cluster import KMeans

    runs = _n_runs(init, n_init)
    with _kmeans_progress(progress, f"k-means, k={k}", runs, max_iter) as callback:
        km = KMeans(
            n_clusters=k, init=init, metric=metric, n_init=n_init, random_state=seed,
            max_iter=max_iter, callback=callback,
        )
        return km.fit(X)


def _choose_k_progress(enabled):
    """A progress bar for :func:`vqkit.choose_k`: returns ``(progress,
    close)``, ``progress(done, total, message)`` being its ``progress=``
    callable (None when the bar is off)."""
    if not enabled:
        return None, lambda: None
    bar = click.progressbar(
        length=1, label="choosing k", file=sys.stderr, show_eta=False,
        item_show_func=lambda message: message,
    )
    bar.__enter__()
    state = {"closed": False}

    def progress(done, total, message=None):
        bar.length = max(int(total), 1)
        if done > bar.pos:
            bar.update(done - bar.pos, message)

    def close():
        if not state["closed"]:
            state["closed"] = True
            bar.__exit__(None, None, None)

    return progress, close


def _run_choose_k(X, ks, *, methods, seed, quiet):
    from .choose_k import choose_k

    progress, close = _choose_k_progress(_show_progress(quiet))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kwargs = {"methods": methods, "random_state": seed}
            if progress is not None:
                kwargs["progress"] = progress
            result = choose_k(X, ks, **kwargs)
    except ValueError as exc:
        raise click.ClickException(f"cannot choose k: {exc}") from None
    finally:
        close()
    _echo_warnings(caught, quiet)
    return result


def _json_safe(value):
    """``value`` with NaN and infinities replaced by None (strict JSON)."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _json_out(document):
    """Print ``document`` as one line of strict JSON."""
    click.echo(json.dumps(_json_safe(document), allow_nan=False))


def _float_list(A):
    import numpy as np

    return np.asarray(A, dtype=np.float64).tolist()


def _table_text(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths)) for row in [header] + rows]
    return "\n".join("  " + line for line in lines)


def _fmt_g(x):
    return f"{float(x):.6g}"


# ----------------------------------------------------------------------
# vqkit cluster


METRICS = ["euclidean", "cosine", "manhattan"]
INITS = ["k-means++", "k-means||", "random"]


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(readable=False, allow_dash=True))
@click.option("-k", "--clusters", "k", required=True, type=_KType(auto=True),
              help="Number of clusters (1 to the number of rows), or 'auto' to choose it "
              "first by vqkit choose-k's criteria (k from 1 to 10, Euclidean, on the "
              "scaled data).")
@click.option("--init", type=click.Choice(INITS), default="k-means++", show_default=True,
              help="How the first centres are chosen.")
@click.option("--metric", type=click.Choice(METRICS), default="euclidean", show_default=True,
              help="euclidean: k-means; cosine: spherical k-means; manhattan: k-medians.")
@click.option("--n-init", type=_NInit(), default="auto", show_default=True,
              help="Number of seedings; the best run is kept (auto: 10 for random, else 1).")
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable results.")
@click.option("--max-iter", type=click.IntRange(min=1), default=300, show_default=True,
              help="Most iterations of a run.")
@click.option("--standardize", is_flag=True,
              help="Centre each column and scale it to unit variance before clustering.")
@click.option("--whiten", is_flag=True,
              help="Scale each column to unit variance before clustering (as scipy's whiten).")
@_input_options
@click.option("--labels", "labels_out", type=click.Path(dir_okay=False, allow_dash=True),
              default=None,
              help="Write the cluster of each row: .npy, .csv (row,label) or text, one per "
              "line; - for stdout.")
@click.option("--centers", "--centres", "centers_out",
              type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the centres: .npy, or CSV with a header line; - for stdout.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (k, centroids, labels, inertia, n_iter, ...).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Save a scatter plot of the clusters (PNG).")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary, warnings or progress bar; errors only.")
def cluster(file, k, init, metric, n_init, seed, max_iter, standardize, whiten, columns, key,
            delimiter, header, missing, labels_out, centers_out, as_json, plot, quiet):
    """Cluster the rows of FILE into K groups with k-means.

    FILE is CSV/TSV or other delimited text (delimiter and header line
    detected), .npy, .npz (--key), Parquet (pip install 'vqkit[io]'), or -
    for text on standard input.  Each row is a point; each selected column
    a feature.

    Without --labels, --centers or --json a short summary is printed (sizes
    and centres).  Centres are always reported in the input's units, also
    with --standardize or --whiten (the inertia is that of the scaled data).
    Output files are written atomically.

    \b
    Examples:
      vqkit cluster points.csv -k 3
      vqkit cluster points.csv -k 3 --seed 0 --labels labels.txt --centers centres.csv
      vqkit cluster points.csv -k auto --standardize --plot clusters.png
      vqkit cluster data.csv -k 5 --columns height,weight --missing drop
      vqkit cluster vectors.npz --key train -k 16 --json > result.json
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
    if plot is not None:
        _check_writable(plot, "--plot")
    if plot is not None:
        _need_matplotlib("--plot")

    table = _read(file, columns, key, delimiter, header, missing, quiet)
    X = table.X
    if k != "auto":
        _check_k_rows(k, table)
    Xs, undo = _scale(X, standardize, whiten)
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            km = _fit_kmeans(
                Xs, k, init=init, metric=metric, n_init=n_init, seed=seed, max_iter=max_iter,
                progress=_show_progress(quiet),
            )
        except ValueError as exc:
            raise click.ClickException(f"{table.path}: {exc}") from None
    _echo_warnings(caught, quiet)
    labels = km.labels_
    centers = undo(km.cluster_centers_)  # in the input's units
    sizes = np.bincount(labels, minlength=k)

    from .io import write_labels, write_matrix

    if labels_out is not None:
        _write_or_fail(labels_out, lambda: write_labels(labels_out, labels))
    if centers_out is not None:
        _write_or_fail(centers_out, lambda: write_matrix(centers_out, centers, table.columns))
    if plot is not None:
        _plot_clusters(plot, X, labels, centers, table, k, metric)

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
            "rows_dropped": table.n_dropped,
        }
        if chosen is not None:
            document["choose_k"] = chosen.to_dict()
        _json_out(document)
        return
    if quiet or to_stdout:
        return
    if chosen is not None:
        click.echo(_picks_line(chosen))
    click.echo(_cluster_summary(table, k, km, centers, sizes, metric, init, n_init, seed,
                                standardize, whiten))
    for path, what in ((labels_out, "labels"), (centers_out, "centres"), (plot, "plot")):
        if path is not None:
            click.echo(f"Saved the {what} to {path}")


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


def _picks_line(result):
    picks = ", ".join(
        f"{m} {v if v is not None else '-'}" for m, v in result.picks.items()
    )
    ks = list(result.ks)
    return f"Chose k={result.best_k} from k={ks[0]}..{ks[-1]} (picks: {picks})"


def _cluster_summary(table, k, km, centers, sizes, metric, init, n_init, seed, standardize,
                     whiten):
    import numpy as np

    n, d = table.X.shape
    names = table.columns or [f"x{j}" for j in range(d)]
    shown = ", ".join(names) if d <= 8 else ", ".join(names[:8]) + ", ..."
    scaling = ", standardized" if standardize else ", whitened" if whiten else ""
    lines = [
        f"{table.path}: {n} rows x {d} columns ({shown})",
        f"k-means: k={k}, metric {metric}, init {init}, n_init {_n_runs(init, n_init)}, "
        f"seed {seed if seed is not None else 'none'}{scaling}",
        f"{km.n_iter_} iteration{'s' if km.n_iter_ != 1 else ''}, "
        f"inertia {_fmt_g(km.inertia_)}",
        "Cluster sizes: " + (
            ", ".join(str(s) for s in sizes.tolist()) if k <= 20
            else f"smallest {sizes.min()}, median {int(np.median(sizes))}, largest {sizes.max()}"
        ),
    ]
    if d <= 8 and k <= 50:
        header = ["cluster", "size"] + list(names)
        rows = [
            [str(j), str(int(sizes[j]))] + [_fmt_g(v) for v in centers[j]] for j in range(k)
        ]
        lines += ["Centres:", _table_text(header, rows)]
    else:
        lines.append(f"Centres: {k} x {d}; write them with --centers FILE.")
    return "\n".join(lines)


def _plot_clusters(path, X, labels, centers, table, k, metric):
    from . import plot as plot_module

    title = f"{os.path.basename(table.path)}: k={k} ({metric})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig = plot_module.clusters(X, labels, centers, title=title)
            ax = fig.axes[0]
            names = table.columns
            if names and X.shape[1] <= 2:  # drawn as they are: name the axes
                ax.set_xlabel(names[0])
                if X.shape[1] == 2:
                    ax.set_ylabel(names[1])
            plot_module.save_figure(fig, path)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None


# ----------------------------------------------------------------------
# vqkit choose-k


from .choose_k import METHODS  # noqa: E402  (the criteria, in report order)


def _parse_k_range(text):
    """``"2:10"`` (both ends included) or ``"2,4,8"`` -> list of ints."""
    text = text.strip()
    try:
        if ":" in text:
            low, high = (int(part) for part in text.split(":", 1))
            ks = list(range(low, high + 1))
        else:
            ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a range such as 2:10 or a list such as 2,4,8", param_hint="--k"
        ) from None
    if not ks:
        raise click.BadParameter(f"{text!r} holds no k (is the range reversed?)",
                                 param_hint="--k")
    if ks[0] < 1:
        raise click.BadParameter(f"k must be at least 1, got {ks[0]}", param_hint="--k")
    return ks


def _parse_methods(values):
    if not values:
        return None
    methods = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower().replace("-", "_")
            if not name:
                continue
            if name not in METHODS:
                raise click.BadParameter(
                    f"unknown method {name!r}; choose from {', '.join(METHODS)}",
                    param_hint="--methods",
                )
            if name not in methods:
                methods.append(name)
    return methods or None


@main.command("choose-k", context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(readable=False, allow_dash=True))
@click.option("--k", "k_range", default=None, metavar="RANGE",
              help="The k to try: a range such as 2:10 (both ends included) or a list "
              "such as 2,4,8.  Default: 1:10.")
@click.option("--k-min", type=click.IntRange(min=1), default=None,
              help="Smallest k to try (default 1).")
@click.option("--k-max", type=click.IntRange(min=1), default=None,
              help="Largest k to try (default 10, or the number of rows if fewer).")
@click.option("--methods", "-m", multiple=True, metavar="NAMES",
              help="Criteria, comma-separated or repeated: " + ", ".join(METHODS)
              + ".  Default: the library's default set.")
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable results.")
@click.option("--standardize", is_flag=True,
              help="Centre each column and scale it to unit variance first.")
@click.option("--whiten", is_flag=True, help="Scale each column to unit variance first.")
@_input_options
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (best_k, picks, ks, table, notes).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Save the criteria against k as a figure (PNG).")
@click.option("-q", "--quiet", is_flag=True, help="No warnings or progress bar.")
def choose_k(file, k_range, k_min, k_max, methods, seed, standardize, whiten, columns, key,
             delimiter, header, missing, as_json, plot, quiet):
    """Suggest a number of clusters for the rows of FILE.

    Runs k-means for each k and scores the results by several criteria
    (elbow of the inertia curve, silhouette, Calinski-Harabasz,
    Davies-Bouldin, gap statistic, held-out distortion); prints a table of
    the scores, each criterion's pick and the overall choice.  FILE is read
    as by "vqkit cluster".

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
    if ks is None and k_min is not None and k_max is not None and k_min > k_max:
        raise click.BadParameter(f"--k-min {k_min} is more than --k-max {k_max}",
                                 param_hint="--k-min")
    method_list = _parse_methods(methods)
    if plot is not None:
        _check_writable(plot, "--plot")
        _need_matplotlib("--plot")

    table = _read(file, columns, key, delimiter, header, missing, quiet)
    n = table.X.shape[0]
    if ks is None:
        low = k_min if k_min is not None else 1
        high = k_max if k_max is not None else max(low, min(10, n))
        if low > high:
            raise click.BadParameter(f"--k-min {low} is more than --k-max {high}",
                                     param_hint="--k-min")
        ks = list(range(low, high + 1))
    _check_k_rows(max(ks), table, "the largest k")
    X, _ = _scale(table.X, standardize, whiten)
    result = _run_choose_k(X, ks, methods=method_list, seed=seed, quiet=quiet)

    if plot is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result.plot(path=plot, X=X)
        except ImportError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.FileError(plot, hint=exc.strerror or str(exc)) from None
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


# ----------------------------------------------------------------------
# code books: vqkit train-codebook, encode, decode


def _load_codebook(path):

    from .quantize import Codebook

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
        return Codebook.load(path)
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file.") from None
    except PermissionError:
        raise click.ClickException(f"{path}: permission denied.") from None
    except (ValueError, OSError) as exc:
        raise click.ClickException(
            f"{exc} (write one with: vqkit train-codebook FILE -k K -o codebook.npz)"
        ) from None


def _codebook_numbers(cb, table):
    ratio = cb.compression_ratio(table.X.dtype)
    ratio_text = "inf" if ratio == float("inf") else f"{ratio:.1f}"
    return ratio, ratio_text


@main.command("train-codebook", context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(readable=False, allow_dash=True))
@click.option("-k", "--codewords", "k", required=True, type=_KType(),
              help="Number of code words (1 to the number of rows).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Where to save the code book (.npz).")
@click.option("--method", type=click.Choice(["kmeans", "minibatch"]), default="kmeans",
              show_default=True,
              help="k-means, or mini-batch k-means (faster on large files).")
@click.option("--n-init", type=_NInit(), default="auto", show_default=True,
              help="Number of seedings; the best run is kept.")
@click.option("--max-iter", type=click.IntRange(min=1), default=None,
              help="Most iterations (passes for minibatch).  Default: 300 (100).")
@click.option("--seed", type=int, default=None, help="Random seed, for repeatable results.")
@_input_options
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (k, n_features, bits_per_vector, ...).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def train_codebook(file, k, output, method, n_init, max_iter, seed, columns, key, delimiter,
                   header, missing, as_json, quiet):
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
    from .quantize import Codebook

    if output == "-":
        raise click.BadParameter("the code book is a binary .npz file: give a file name",
                                 param_hint="--output")
    _check_writable(output, "--output")
    table = _read(file, columns, key, delimiter, header, missing, quiet)
    _check_k_rows(k, table)
    params = {"n_init": n_init}
    if max_iter is not None:
        params["max_iter"] = max_iter
    runs = _n_runs("k-means++", n_init)
    progress = method == "kmeans" and _show_progress(quiet)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _kmeans_progress(progress, f"code book, k={k}", runs,
                              max_iter or 300) as callback:
            if callback is not None:
                params["callback"] = callback
            try:
                cb = Codebook.train(table.X, k, method=method, random_state=seed, **params)
            except ValueError as exc:
                raise click.ClickException(f"{table.path}: {exc}") from None
    _echo_warnings(caught, quiet)
    _write_or_fail(output, lambda: cb.save(output))
    distortion = cb.distortion(table.X)
    ratio, ratio_text = _codebook_numbers(cb, table)
    if as_json:
        _json_out({
            "k": cb.k,
            "n_features": cb.n_features,
            "n_samples": int(table.X.shape[0]),
            "bits_per_vector": cb.bits_per_vector,
            "compression_ratio": None if ratio == float("inf") else ratio,
            "codebook_bytes": cb.codebook_bytes,
            "mse_per_vector": distortion.mse_per_vector,
            "mse_per_component": distortion.mse_per_component,
            "codebook": output,
            "method": method,
            "seed": seed,
        })
        return
    if quiet:
        return
    click.echo(
        f"Trained {cb.k} code words x {cb.n_features} features on {table.X.shape[0]} rows "
        f"of {table.path} ({method})."
    )
    click.echo(f"Bits per vector:   {cb.bits_per_vector}")
    click.echo(
        f"Compression ratio: {ratio_text}:1 against {table.X.dtype} (codes only; the code "
        f"book takes {cb.codebook_bytes} bytes)"
    )
    click.echo(f"Mean squared error per vector: {_fmt_g(distortion.mse_per_vector)}")
    click.echo(f"Saved the code book to {output}")


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("file", type=click.Path(readable=False, allow_dash=True))
@click.option("--codebook", "-b", required=True, type=click.Path(readable=False),
              help="The code book (.npz from vqkit train-codebook or Codebook.save).")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the codes: .npy (smallest unsigned integer type) or "
              "text, one per line; - for stdout.")
@_input_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def encode(file, codebook, output, columns, key, delimiter, header, missing, quiet):
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
    from .io import write_codes

    _check_writable(output, "--output", allow_dash=True)
    cb = _load_codebook(codebook)
    table = _read(file, columns, key, delimiter, header, missing, quiet)
    d = table.X.shape[1]
    if d != cb.n_features:
        raise click.ClickException(
            f"{table.path} has {d} column{'s' if d != 1 else ''}, but the code book "
            f"{codebook} has {cb.n_features} features; select columns with --columns."
        )
    codes = cb.encode(table.X)
    _write_or_fail(output, lambda: write_codes(output, codes))
    if quiet or output == "-":
        return
    distortion = cb.distortion(table.X)
    _, ratio_text = _codebook_numbers(cb, table)
    click.echo(
        f"Encoded {codes.shape[0]} rows of {table.path} with {cb.k} code words: "
        f"{cb.bits_per_vector} bits per vector, compression {ratio_text}:1 against "
        f"{table.X.dtype}, mean squared error {_fmt_g(distortion.mse_per_vector)} per vector."
    )
    click.echo(f"Saved the codes ({codes.dtype}) to {output}")


def _read_codes(path, key, k):
    """The codes of FILE as int64, checked: one column of whole numbers in
    ``[0, k)``; errors name the line (text) or row (binary)."""
    import numpy as np

    from .io import read_data

    with _data_errors():
        table = read_data(path, key=key, stdin=_stdin())
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


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("codes", type=click.Path(readable=False, allow_dash=True))
@click.option("--codebook", "-b", required=True, type=click.Path(readable=False),
              help="The code book the codes were made with.")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the vectors: .npy, or CSV with a header line; - for "
              "stdout (CSV).")
@click.option("--key", default=None, help="The array to read from an .npz file of codes.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def decode(codes, codebook, output, key, quiet):
    """Turn CODES back into vectors: each code becomes its code word.

    CODES is what "vqkit encode" wrote: .npy, .npz (--key) or text with one
    code per line (- for stdin).

    \b
    Examples:
      vqkit decode codes.npy --codebook codebook.npz -o approx.npy
      vqkit decode codes.txt --codebook cb.npz -o approx.csv
    """
    from .io import write_matrix

    _check_writable(output, "--output", allow_dash=True)
    cb = _load_codebook(codebook)
    values, table = _read_codes(codes, key, cb.k)
    _write_or_fail(output, lambda: write_matrix(output, cb.codewords, rows=values))
    if quiet or output == "-":
        return
    click.echo(
        f"Decoded {values.shape[0]} codes of {table.path} into {cb.n_features}-feature "
        f"vectors; saved them to {output}"
    )

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
