"""Driving the ``vqkit`` command through click's runner, shared by the CLI tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import vqkit
from vqkit.cli import main


def invoke(args, input=None):
    """Run ``vqkit ARGS`` in this process (arguments turned into strings)."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def run_command(*args, timeout=600):
    """Run ``python -m vqkit ARGS`` in a subprocess, as a user runs it, with
    this checkout's vqkit first on the path; returns the CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    return subprocess.run(
        [sys.executable, "-m", "vqkit", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


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
