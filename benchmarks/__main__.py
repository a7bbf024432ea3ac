"""``python -m benchmarks [speed|memory|extras|silhouette|dropin|grid] [options]``.

See benchmarks/README.md.
"""

import argparse
import sys

from .contenders import CONTENDERS
from .workloads import WORKLOADS


def _names(valid):
    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in valid]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {list(valid)}")
        return list(dict.fromkeys(names))  # each once, in the order given

    return parse


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["dropin"]:  # the SciPy drop-in functions: its own options
        from .scipy_dropin import main as dropin

        return dropin(argv[1:])
    if argv[:1] == ["grid"]:  # the shape grid against faiss: its own options
        from .grid import main as grid

        return grid(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "mode",
        nargs="?",
        choices=["speed", "memory", "extras", "silhouette", "dropin", "grid"],
        default="speed",
        help="speed (default), memory, extras "
        "(mini-batch, cosine, bisecting), silhouette (vs scikit-learn's), dropin "
        "(SciPy drop-in functions; `dropin --help` for its options), or grid "
        "(vqkit against faiss per iteration over shapes; `grid --help`)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small data and few repeats: a smoke test, not a measurement",
    )
    parser.add_argument(
        "--workloads",
        type=_names(WORKLOADS),
        default=list(WORKLOADS),
        help="comma-separated, e.g. W1,W3 (default: all)",
    )
    parser.add_argument(
        "--contenders",
        type=_names(CONTENDERS),
        default=None,
        help="comma-separated, from "
        + ", ".join(CONTENDERS)
        + " (default: all for speed, where scikit-learn always runs as the "
        "reference; vqkit, scikit-learn, faiss for memory)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per contender (default 5, --quick 2)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="speed mode: timed round r fits every contender with seed r %% SEEDS (default 1: "
        "seed 0 only), so the inertia column compares means over the same seeds",
    )
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument(
        "--json",
        default=None,
        help="where to write the raw record (default "
        "benchmarks/results/latest.json; memory: results/memory.json)",
    )
    args = parser.parse_args(argv)
    if args.mode in ("dropin", "grid"):
        return main([args.mode])
    from .machine import ROOT

    results = ROOT / "benchmarks" / "results"
    if args.mode == "extras":
        from . import extras

        return extras.main(args)
    if args.mode == "silhouette":
        from . import silhouette

        return silhouette.main(args)
    if args.mode == "memory":
        from . import memory

        args.json = args.json or results / "memory.json"
        return memory.main(args)
    from . import speed

    args.json = args.json or results / "latest.json"
    args.contenders = args.contenders or list(CONTENDERS)
    return speed.main(args)


if __name__ == "__main__":
    sys.exit(main())
