"""Driving the ``vqkit`` command through click's runner, shared by the CLI tests."""

import json

from click.testing import CliRunner

from vqkit.cli import main


def invoke(args, input=None):
    """Run ``vqkit ARGS`` in this process (arguments turned into strings)."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def json_output(result):
    """The JSON object a successful run printed on stdout."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_error(result, code, *fragments, stdout_empty=True, system_exit=True):
    """A user mistake: exit status ``code``, no traceback, a message on
    stderr that starts like click's and contains every fragment; with
    ``stdout_empty`` nothing on stdout, with ``system_exit`` a clean exit."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith(("Error:", "Usage:")), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    if stdout_empty:
        assert result.stdout == ""
    if system_exit:
        assert isinstance(result.exception, SystemExit)
