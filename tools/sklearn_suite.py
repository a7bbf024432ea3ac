"""Run scikit-learn's own k-means and cluster-metric tests against vqkit.

The installed scikit-learn's test files are copied unchanged into a
temporary folder; a ``conftest.py`` there points the public names they
import at vqkit (names vqkit lacks stay scikit-learn's).  The same files run
twice, once on scikit-learn and once redirected, with
``SKLEARN_RUN_FLOAT32_TESTS=1``, and the outcomes are compared test by test:

    python tools/sklearn_suite.py              # counts per file, and the failures
    python tools/sklearn_suite.py -k elkan     # extra arguments go to pytest

The machinery (and the allow-list) is ``tests/sklearn_harness.py``, which
the judge ``tests/test_sklearn_suite.py`` runs too; this report runs every
test on both sides to give the full counts.  A test "reaches vqkit" when
its function's source names one of the redirected names.  The exit status
is 1 when a test that passes on scikit-learn and reaches vqkit fails on
vqkit and the allow-list does not excuse it.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import sklearn_harness as harness  # noqa: E402  (found through the line above)


def main(extra):
    import sklearn

    with tempfile.TemporaryDirectory() as folder:
        reaching = harness.copy_suite(Path(folder))
        _, on_sklearn, _ = harness.run_side(Path(folder), False, extra=tuple(extra))
        _, on_vqkit, messages = harness.run_side(Path(folder), True, extra=tuple(extra))
    print(f"scikit-learn {sklearn.__version__}")
    print(
        f"{'file':<24} {'pass on sklearn':>16} {'of them reach vqkit':>20} {'pass on vqkit':>14}"
    )
    for stem, row in harness.summary(reaching, on_sklearn, on_vqkit).items():
        print(
            f"{stem:<24} {row['pass on sklearn']:>16} {row['reach vqkit']:>20} "
            f"{row['pass on vqkit']:>14}"
        )
    unexcused = 0
    for key in sorted(on_sklearn):
        stem, name = key
        if on_sklearn[key] != "passed" or name.split("[")[0] not in reaching[stem]:
            continue
        if on_vqkit.get(key) == "passed":
            continue
        reason = harness.allowed(key, messages.get(key, ""))
        if reason is None:
            unexcused += 1
            print(f"FAILED on vqkit: {harness.node_id(key)}")
        else:
            print(f"allowed: {harness.node_id(key)} ({reason})")
    return 1 if unexcused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
