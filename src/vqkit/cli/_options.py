"""Options and parameter types that several commands share.

Each factory returns a click decorator, so a command lists its options in
the order ``--help`` shows them; where commands word an option differently,
the factory takes the help text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: The largest seed (NumPy's RandomState takes 0 to 2**32 - 1).
MAX_SEED = 2**32 - 1
#: The largest number of clusters or code words (labels are int32).
MAX_K = 2**31 - 1
#: The most seedings (--n-init) and iterations (--max-iter) of a fit.
MAX_N_INIT = 1000
MAX_ITER = 100_000
#: The most rows (pixels) a sample may take (--sample-size).
MAX_SAMPLE = 2**31 - 1


def command(name: str | None = None) -> Callable[[Callable[..., Any]], click.Command]:
    """``@click.command`` with the settings every vqkit command uses."""
    return click.command(name, context_settings=CONTEXT_SETTINGS)


class _KType(click.ParamType):
    """``-k``: a whole number from 1 to :data:`MAX_K`, or ``auto`` where
    allowed."""

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
                    f"{_shown(value)} is not a whole number" + (" or 'auto'" if self.auto else ""),
                    param,
                    ctx,
                )
        if k < 1:
            self.fail(f"k must be at least 1, got {k}", param, ctx)
        if k > MAX_K:
            self.fail(f"k must be at most {MAX_K}, got {_shown(k)}", param, ctx)
        return k


class _NInit(click.ParamType):
    """``--n-init``: ``auto`` or a whole number from 1 to :data:`MAX_N_INIT`."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if str(value).strip().lower() == "auto":
            return "auto"
        try:
            n = int(str(value).strip())
        except ValueError:
            self.fail(f"{_shown(value)} is not a whole number or 'auto'", param, ctx)
        if n < 1:
            self.fail(f"n_init must be at least 1, got {n}", param, ctx)
        if n > MAX_N_INIT:
            self.fail(f"n_init must be at most {MAX_N_INIT}, got {_shown(n)}", param, ctx)
        return n


class _Size(click.ParamType):
    """A size in bytes: a whole number with an optional binary unit (``K``,
    ``M``, ``G``, ``T``: powers of 1024; ``B`` and ``iB`` may follow), or
    ``auto`` (None)."""

    name = "SIZE"
    _UNITS = {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return None
        number = text.removesuffix("b").removesuffix("i")
        unit = number[-1:] if number[-1:] in self._UNITS else ""
        try:
            n = float(number[: len(number) - len(unit)])
        except ValueError:
            n = -1.0
        if not (0 <= n < 2**63) or n != n:
            self.fail(
                f"{_shown(value)} is not a size such as 500M, 2G or 100000000 (bytes), or 'auto'",
                param,
                ctx,
            )
        return int(n * (1 << self._UNITS[unit]))


def _shown(value):
    """``repr(value)`` cut to 40 characters, for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _file_argument(name):
    """An input file argument; ``-`` is standard input."""
    return click.argument(name, type=click.Path(readable=False, allow_dash=True))


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep an input option that the command function does not take as an
    argument (``--decimal``, ``--id-column``) in ``ctx.meta``, where
    ``_input._read`` finds it."""
    ctx.meta[f"vqkit.{param.name}"] = value
    return value


def _input_options(f=None, *, columns=True):
    """The options that say how to read FILE (shared by the data commands):
    ``@_input_options``, or ``@_input_options(columns=False)`` without
    ``--columns`` (``predict`` takes the model's).  ``--decimal`` and
    ``--id-column`` reach ``_input._read`` through the click context rather
    than as arguments of the command."""
    if f is None:
        return lambda g: _input_options(g, columns=columns)
    options = [
        click.option(
            "--columns",
            "-c",
            default=None,
            metavar="COLS",
            help="Columns to use: names, 0-based indices or ranges (stop excluded), "
            "comma-separated, e.g. 'x,y', '0,2', '1:4'.  Default: all.",
        ),
        click.option(
            "--key",
            default=None,
            help="The array to read from an .npz file (needed when it holds several).",
        ),
        click.option(
            "--delimiter",
            "-d",
            default=None,
            metavar="CHAR",
            help="Text files: ',', ';', 'tab' or 'whitespace' (or any one character).  "
            "Default: detected.",
        ),
        click.option(
            "--header/--no-header",
            default=None,
            help="Text files: the first line names the columns (or not).  Default: a "
            "header when it has text, is pandas' 0,1,2,... or is whole numbers (such as "
            "years) above decimal rows; the summary says what was decided.",
        ),
        click.option(
            "--decimal",
            type=click.Choice([".", ","]),
            default=".",
            show_default=True,
            expose_value=False,
            callback=_remember,
            help="Text files: the decimal separator; with ',' the delimiter is ';' or tab.",
        ),
        click.option(
            "--id-column",
            metavar="COL|none",
            default=None,
            expose_value=False,
            callback=_remember,
            help="Text files: the column of row ids (not a feature; labels and --output "
            "keep it).  Default: a first column with an empty name (pandas' index) or "
            "named id, index, row, row_id; none: no id column.",
        ),
        click.option(
            "--missing",
            type=click.Choice(["error", "drop"]),
            default="error",
            show_default=True,
            help="Empty, NA or NaN cells: stop with an error naming the line and "
            "column, or drop their rows.",
        ),
        _max_expanded_size_option(),
    ]
    if not columns:
        options = options[1:]
    for option in reversed(options):
        f = option(f)
    return f


def _max_expanded_size_option():
    return click.option(
        "--max-expanded-size",
        type=_Size(),
        default="auto",
        show_default=True,
        help="The most bytes a compressed input (.gz, .bz2, .xz, a compressed .npz, "
        "Parquet) may expand to, e.g. 10G.  auto: 64M, or 100 times the file's size "
        "when that is more.",
    )


def _force_option():
    return click.option(
        "--force",
        is_flag=True,
        help="Write an output even where it is one of the input files.",
    )


def _output_option(help, allow_dash=False, required=True):
    """The ``-o/--output`` file (``-`` for stdout where ``allow_dash``)."""
    return click.option(
        "-o",
        "--output",
        required=required,
        type=click.Path(dir_okay=False, allow_dash=allow_dash),
        help=help,
    )


def _seed_option():
    return click.option(
        "--seed",
        type=click.IntRange(0, MAX_SEED),
        default=None,
        help=f"Random seed (0 to {MAX_SEED}), for repeatable results.",
    )


def _json_option(help):
    return click.option("--json", "as_json", is_flag=True, help=help)


def _plot_option(help):
    return click.option("--plot", type=click.Path(dir_okay=False), default=None, help=help)


def _quiet_option(help="Print nothing on success."):
    return click.option("-q", "--quiet", is_flag=True, help=help)
