"""The README's Python example runs and prints what the README says."""

import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.usefixtures("restore_global_rng")
def test_readme_drop_in_example():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Drop-in.*?```python\n(.*?)```", text, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    assert out.getvalue().strip() == "0.6258523704544776"


def test_readme_quick_start_has_two_commands():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```\w*\n(.*?)```", text, re.S).group(1)
    assert [line for line in block.splitlines() if line.strip()] == [
        "make demo",
        "make test",
    ]
