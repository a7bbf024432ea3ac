"""Run scikit-learn's own k-means and cluster-metric tests against vqkit.

The installed scikit-learn's test files are copied unchanged into a
temporary folder; a ``conftest.py`` there points the public names they
import at vqkit (names vqkit lacks stay scikit-learn's).  The same files run
twice, once on scikit-learn and once redirected, with
``SKLEARN_RUN_FLOAT32_TESTS=1``, and the outcomes are compared test by test:

    python tools/sklearn_suite.py              # counts per file, and the failures
    python tools/sklearn_suite.py -k elkan     # extra arguments go to pytest

A test "reaches vqkit" when its function's source names one of the
redirected names.  The exit status is 1 when a test that passes on
scikit-learn and reaches vqkit fails on vqkit.
"""

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

FILES = (
    "cluster/tests/test_k_means.py",
    "cluster/tests/test_bisect_k_means.py",
    "metrics/cluster/tests/test_unsupervised.py",
)

#: scikit-learn module -> names that are pointed at vqkit's (when vqkit has them)
REDIRECTS = {
    "sklearn.cluster": (
        "KMeans",
        "MiniBatchKMeans",
        "BisectingKMeans",
        "k_means",
        "kmeans_plusplus",
    ),
    "sklearn.metrics": (
        "silhouette_score",
        "silhouette_samples",
        "calinski_harabasz_score",
        "davies_bouldin_score",
    ),
    "sklearn.metrics.cluster": (
        "silhouette_score",
        "silhouette_samples",
        "calinski_harabasz_score",
        "davies_bouldin_score",
    ),
    "sklearn.exceptions": ("ConvergenceWarning",),
}

CONFTEST = """
import importlib
import os

if os.environ.get("VQKIT_REDIRECT") == "1":
    import vqkit
    import vqkit.metrics

    REDIRECTS = {redirects!r}
    for module_name, names in REDIRECTS.items():
        module = importlib.import_module(module_name)
        for name in names:
            for source in (vqkit, vqkit.metrics):
                if hasattr(source, name):
                    setattr(module, name, getattr(source, name))
                    break
"""


def _reaching_tests(path):
    """Names of the test functions in ``path`` whose source names a redirected name."""
    names = {name for group in REDIRECTS.values() for name in group}
    tree = ast.parse(Path(path).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            used |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if used & names:
                found.add(node.name)
    return found


def _outcomes(folder, redirect, extra):
    """Run pytest in ``folder``; return {(file, test id): outcome}."""
    report = Path(folder) / f"report-{int(redirect)}.xml"
    # pytest runs in a temporary folder: relative PYTHONPATH entries (such as
    # "src" from a checkout) are made absolute so the same vqkit is imported
    path = os.pathsep.join(
        os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    )
    env = dict(
        os.environ,
        PYTHONPATH=path,
        SKLEARN_RUN_FLOAT32_TESTS="1",
        VQKIT_REDIRECT=str(int(redirect)),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "sklearn.conftest",
            "--tb=no",
            "-o",
            "addopts=",
            f"--junitxml={report}",
            *extra,
            ".",
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        key = (case.get("classname", "").split(".")[0], case.get("name"))
        kinds = {child.tag for child in case}
        outcomes[key] = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
    return outcomes


def main(extra):
    import sklearn

    root = Path(sklearn.__file__).parent
    with tempfile.TemporaryDirectory() as folder:
        reaching = {}
        for rel in FILES:
            target = Path(folder) / Path(rel).name
            shutil.copy(root / rel, target)
            reaching[target.stem] = _reaching_tests(target)
        (Path(folder) / "conftest.py").write_text(CONFTEST.format(redirects=REDIRECTS))
        on_sklearn = _outcomes(folder, False, extra)
        on_vqkit = _outcomes(folder, True, extra)
    print(f"scikit-learn {sklearn.__version__}")
    print(
        f"{'file':<24} {'pass on sklearn':>16} {'of them reach vqkit':>20} {'pass on vqkit':>14}"
    )
    failures = []
    for stem in sorted(reaching):
        keys = [
            key for key, outcome in on_sklearn.items() if key[0] == stem and outcome == "passed"
        ]
        reach = [key for key in keys if key[1].split("[")[0] in reaching[stem]]
        ok = [key for key in reach if on_vqkit.get(key) == "passed"]
        failures += [key for key in reach if on_vqkit.get(key) != "passed"]
        print(f"{stem:<24} {len(keys):>16} {len(reach):>20} {len(ok):>14}")
    for stem, name in sorted(failures):
        print(f"FAILED on vqkit: {stem}::{name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
