"""vqkit's benchmark suite (not part of the package, not imported by the tests).

Run from the repository root:

    python -m benchmarks                 # k-means speed: W1-W4, all contenders
    python -m benchmarks --quick         # smoke test, under a minute
    python -m benchmarks memory          # peak RSS of one fit, per contender
    python -m benchmarks dropin          # SciPy drop-in functions vs vqkit

See benchmarks/README.md for what each column means.
"""
