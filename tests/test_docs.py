"""The documentation site's sources agree with the package and the README.

These checks need no Sphinx: every public name has a page in the API
reference, every README section a guide page takes its text from is still
there, the README's Install section explains every extra, and the benchmark
figure reads the README's table.  ``make docs`` builds the site itself.
"""

import importlib
import json
import pathlib
import re
import runpy

import pytest

import vqkit

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

PUBLIC_MODULES = [
    "vqkit",
    "vqkit.metrics",
    "vqkit.io",
    "vqkit.plot",
    "vqkit.quantization",
    "vqkit.selection",
    "vqkit.estimators",
    "vqkit.scipy_vq",
]


def _documented_names():
    """Fully qualified names listed in the API reference's autosummary tables."""
    names = set()
    for page in (DOCS / "api").glob("*.rst"):
        module = None
        in_table = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"\.\. currentmodule:: (\S+)", line):
                module = m.group(1)
            elif line.startswith(".. autosummary::"):
                in_table = True
            elif in_table and re.match(r"   [A-Za-z_]\w*$", line):
                names.add(f"{module}.{line.strip()}")
            elif in_table and line and not line.startswith(" "):
                in_table = False
    return names


def _public(module_name):
    module = importlib.import_module(module_name)
    return [n for n in getattr(module, "__all__", []) if not n.startswith("__")]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_in_the_api_reference(module_name):
    documented = _documented_names()
    module = importlib.import_module(module_name)
    missing = []
    for name in _public(module_name):
        if isinstance(getattr(module, name), type(vqkit)):
            continue  # a subpackage (vqkit.metrics): its own page lists its names
        # a name is documented where it is defined or where it is re-exported
        homes = {f"{module_name}.{name}", f"vqkit.{name}"}
        if not homes & documented:
            missing.append(name)
    assert not missing, f"{module_name}: no API page for {missing}; add them to docs/api/"


def test_the_api_reference_names_only_what_exists():
    for qualified in _documented_names():
        module_name, _, name = qualified.rpartition(".")
        assert hasattr(importlib.import_module(module_name), name), qualified


def _includes():
    """(page, start-after, end-before) of every {include} of the README."""
    found = []
    for page in DOCS.rglob("*.md"):
        if "_build" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```\{include\} (\S*README\.md)\n(.*?)```", text, re.S):
            options = dict(re.findall(r'^:([\w-]+): "?(.*?)"?$', block[1], re.M))
            found.append((page.relative_to(ROOT), options["start-after"], options["end-before"]))
    return found


def test_guide_pages_take_their_text_from_readme_sections_that_exist():
    readme = README.read_text(encoding="utf-8")
    includes = _includes()
    assert len(includes) >= 9
    for page, start, end in includes:
        assert readme.count(start) == 1, (
            f"{page}: README has {start!r} {readme.count(start)} times"
        )
        assert end in readme, f"{page}: README has no {end!r}"
        assert readme.index(start) < readme.index(end, readme.index(start)), page


def _install_section():
    readme = README.read_text(encoding="utf-8")
    return re.search(r"^## Install\n(.*?)^## ", readme, re.S | re.M).group(1)


def test_readme_install_section_explains_every_extra():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as fh:
        extras = tomllib.load(fh)["project"]["optional-dependencies"]
    section = _install_section()
    missing = [name for name in extras if f"`{name}`" not in section]
    assert not missing, f"extras not in the README's Install section: {missing}"


def test_no_page_tells_to_pip_install_vqkit_from_an_index():
    # vqkit is not on PyPI: a first "pip install vqkit" finds nothing.  Adding an
    # extra to an installed vqkit ("pip install 'vqkit[plot]'") does work.
    pages = [README, *DOCS.glob("*.md"), *DOCS.glob("guide/*.md")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for line in text.splitlines():
            if re.search(r"pip install ['\"]?vqkit(?![\[\w.-])(?!\s*@)", line):
                assert "finds nothing" in line, f"{page.name}: {line}"


def test_readme_links_the_built_site():
    assert "(docs/_build/html/index.html)" in README.read_text(encoding="utf-8")
    assert "open docs/_build/html/index.html" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_benchmark_figure_reads_every_row_of_the_readme_table():
    namespace = runpy.run_path(str(DOCS / "_scripts" / "benchmark_figure.py"))
    rows = namespace["speed_table"]()
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("## Benchmarks") :]
    table = re.search(r"^\| workload \|.*?\n\n", section, re.S | re.M).group(0)
    numeric = [line for line in table.splitlines()[2:] if re.search(r"\| \d+\.\d+ \|", line)]
    assert len(rows) == len(numeric) > 0
    vqkit_w1 = next(r for r in rows if r["workload"] == "W1" and r["contender"] == "vqkit")
    line = next(x for x in numeric if x.startswith("| W1 | vqkit |"))
    assert f"| {vqkit_w1['speedup']:.2f} |" in line
    assert {r["contender"] for r in rows} >= {"scikit-learn", "vqkit", "vqkit k-means||"}


def test_example_notebook_is_stored_without_outputs():
    notebooks = sorted((DOCS / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert code, path
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path
        source = "".join("".join(c["source"]) for c in code)
        for name in ("KMeans", "choose_k", "Codebook"):
            assert name in source, f"{path.name} does not use {name}"
