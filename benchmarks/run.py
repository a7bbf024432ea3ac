"""Alias kept for ``python benchmarks/run.py``: the SciPy drop-in benchmark,
now ``python -m benchmarks dropin`` (benchmarks/scipy_dropin.py)."""

import os
import sys

# Run as a script, this folder is sys.path[0]; put the repository root there
# instead so that the suite's modules never shadow another top-level module.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from benchmarks.scipy_dropin import main  # noqa: E402

if __name__ == "__main__":
    main()
