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


def command(name: str | None = None) -> Callable[[Callable[..., Any]], click.Command]:
    """``@click.command`` with the settings every vqkit command uses."""
    return click.command(name, context_settings=CONTEXT_SETTINGS)


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


def _file_argument(name):
    """An input file argument; ``-`` is standard input."""
    return click.argument(name, type=click.Path(readable=False, allow_dash=True))


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


def _output_option(help, allow_dash=False):
    """The required ``-o/--output`` file (``-`` for stdout where ``allow_dash``)."""
    return click.option("-o", "--output", required=True,
                        type=click.Path(dir_okay=False, allow_dash=allow_dash), help=help)


def _seed_option():
    return click.option("--seed", type=int, default=None,
                        help="Random seed, for repeatable results.")


def _json_option(help):
    return click.option("--json", "as_json", is_flag=True, help=help)


def _plot_option(help):
    return click.option("--plot", type=click.Path(dir_okay=False), default=None, help=help)


def _quiet_option(help="Print nothing on success."):
    return click.option("-q", "--quiet", is_flag=True, help=help)
