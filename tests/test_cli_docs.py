"""docs/cli.md documents every command and every option that ``--help`` shows."""

import pathlib
import re

import click
import pytest

from cli_helpers import invoke
from vqkit.cli import main

CLI_MD = pathlib.Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COMMANDS = sorted(main.commands)


def _docs():
    return CLI_MD.read_text(encoding="utf-8")


def _mentions(text, word):
    """Whether ``word`` (an option or a command name) stands alone in
    ``text``: ``--k`` is not found in ``--k-min``."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def _section(name):
    """The text of docs/cli.md under the heading of ``vqkit NAME``, up to
    the next heading."""
    text = _docs()
    heading = re.search(r"^### `vqkit " + re.escape(name) + r"\b[^`]*`$", text, re.M)
    assert heading, f"docs/cli.md has no '### `vqkit {name} ...`' heading"
    end = re.search(r"^##", text[heading.end() :], re.M)
    return text[heading.end() : heading.end() + end.start() if end else len(text)]


def _long_options(command):
    """The long forms (``--name``) of the options of ``command``, as click
    declares them, ``--help`` included."""
    ctx = click.Context(command, info_name=command.name)
    names = []
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            names += [o for o in param.opts + param.secondary_opts if o.startswith("--")]
    return names


def _choices(command):
    """``(option, value)`` for every value of every option with a fixed
    set of values."""
    return [
        (param.opts[-1], value)
        for param in command.params
        if isinstance(param, click.Option) and isinstance(param.type, click.Choice)
        for value in param.type.choices
    ]


def test_top_level_help_lists_every_command_and_the_docs_name_them():
    result = invoke(["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert _mentions(result.output, name), name
        assert _mentions(_docs(), f"vqkit {name}"), name
    for option in _long_options(main):
        assert option in result.output, option
        assert _mentions(_docs(), option), option


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_of_the_help_is_in_the_docs(name):
    command = main.commands[name]
    result = invoke([name, "--help"])
    assert result.exit_code == 0, result.output
    section = _section(name)
    options = _long_options(command)
    assert options, name
    for option in options:
        assert option in result.output, (name, option)
        if option == "--help":  # every command has it: said once, in the introduction
            assert _mentions(_docs(), option)
            continue
        assert _mentions(section, option), f"docs/cli.md: vqkit {name} lacks {option}"


@pytest.mark.parametrize("name", COMMANDS)
def test_the_values_of_every_choice_are_in_the_docs(name):
    section = _section(name)
    for option, value in _choices(main.commands[name]):
        assert value in section, f"docs/cli.md: vqkit {name} {option} lacks {value!r}"


def test_the_docs_describe_no_command_that_does_not_exist():
    described = re.findall(r"^### `vqkit ([\w-]+)", _docs(), re.M)
    assert sorted(described) == COMMANDS
