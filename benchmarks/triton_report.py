"""Registers and spills of vqkit's Triton kernel, compiled for a GPU that
need not be there.

    python benchmarks/triton_report.py            # sm_90a (H100/H200), the benchmark's shapes
    python benchmarks/triton_report.py --arch 80  # sm_80 (A100)

Triton compiles the kernel to PTX for the target without a device; the
``ptxas`` that ships with Triton assembles it with ``-v``, whose report
gives the registers per thread and the bytes spilled to local memory.  The
tile sizes are those :func:`vqkit.backends._triton_kernels._blocks` picks
for each shape and precision; a spill (or 255 registers, the most a thread
may have) means the configuration needs changing.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from vqkit.backends import _triton_kernels as tk  # noqa: E402

SHAPES = [
    (4_000_000, 128, 1024),
    (4_000_000, 128, 64),
    (1_000_000, 256, 4096),
    (8_000_000, 2, 16),
    (1_000_000, 16, 64),
    (200_000, 64, 256),
    (100_000, 128, 1024),
    (2_000_000, 2, 16),
]

SIGNATURE = {
    "X": "*fp32",
    "C": "*fp32",
    "c_sq": "*fp32",
    "origin": "*fp32",
    "labels": "*i32",
    "out_score": "*fp32",
    "out_gap": "*fp32",
    "out_xsq": "*fp32",
    "n": "i32",
    "k": "i32",
    "d": "i32",
    "stride_x": "i32",
    "stride_c": "i32",
}


def ptxas_paths():
    """Triton's bundled assemblers, newest first (a newer Triton writes PTX
    that only the newer ``ptxas`` reads)."""
    folder = Path(triton.__file__).parent / "backends" / "nvidia" / "bin"
    return [p for p in (folder / "ptxas-blackwell", folder / "ptxas") if p.exists()]


def report(k, d, precision, arch, workdir):
    """``(blocks, registers, spill stores, spill loads)`` of the kernel for
    ``k`` centres of ``d`` features."""
    mode = tk._MODES[precision]
    block_m, block_k, block_d, warps = tk._blocks(k, d, mode)
    constexprs = {
        "HAS_ORIGIN": True,
        "MODE": mode,
        "TOP2": mode != 0 and k > 1,
        "EMULATE_BF16": False,
        "BLOCK_M": block_m,
        "BLOCK_K": block_k,
        "BLOCK_D": block_d,
    }
    source = ASTSource(
        fn=tk._assign_kernel,
        signature={**SIGNATURE, **dict.fromkeys(constexprs, "constexpr")},
        constexprs=constexprs,
    )
    compiled = triton.compile(
        source, target=GPUTarget("cuda", arch, 32), options={"num_warps": warps}
    )
    ptx = Path(workdir, f"kernel_{k}_{d}_{precision}.ptx")
    ptx.write_text(compiled.asm["ptx"])
    gpu = f"sm_{arch}a" if arch >= 90 else f"sm_{arch}"
    info = ""
    for ptxas in ptxas_paths():
        run = subprocess.run(
            [str(ptxas), "-v", "--gpu-name", gpu, str(ptx), "-o", os.devnull],
            capture_output=True,
            text=True,
        )
        info = run.stderr
        if run.returncode == 0:
            break
    registers = re.search(r"Used (\d+) registers", info)
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", info)
    if registers is None:
        raise RuntimeError(f"ptxas gave no report: {info[-500:]}")
    stores, loads = (int(v) for v in spills.groups()) if spills else (0, 0)
    return (block_m, block_k, block_d, warps), int(registers.group(1)), stores, loads


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arch", type=int, default=90, help="compute capability x 10")
    args = parser.parse_args(argv)
    print(f"# Triton {triton.__version__}, sm_{args.arch}")
    print("| d, k | precision | BLOCK_M, K, D, warps | registers | spill stores / loads |")
    print("|---|---|---|---|---|")
    bad = 0
    seen = set()
    with tempfile.TemporaryDirectory() as workdir:
        for _, d, k in SHAPES:
            for precision in ("float32", "tf32", "bf16"):
                mode = tk._MODES[precision]
                if (tk._blocks(k, d, mode), mode) in seen:
                    continue  # the same kernel as a shape before
                seen.add((tk._blocks(k, d, mode), mode))
                blocks, registers, stores, loads = report(k, d, precision, args.arch, workdir)
                bad += stores + loads > 0
                print(
                    f"| {d}, {k} | {precision} | {', '.join(map(str, blocks))} | "
                    f"{registers} | {stores} / {loads} |",
                    flush=True,
                )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
