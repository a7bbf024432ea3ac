"""A fused distance + argmin kernel (Triton) for float32 CUDA PyTorch arrays.

Each program takes a tile of ``BLOCK_M`` rows, walks over the centres in
tiles of ``BLOCK_K`` (dot products accumulated over feature tiles of
``BLOCK_D`` in registers) and keeps the running minimum of ``|c|^2 - 2 x.c``
and its index, so the ``n x k`` score matrix never reaches memory.  Rows
are centred on ``origin`` inside the kernel (no copy of ``X``) and their
squared norms are accumulated on the first centre tile.

Ties go to the lowest index (the first minimum of a tile; a later tile
wins only when strictly lower), as in the portable path.  With
``precision="tf32"`` or ``"bf16"`` the products run on tensor cores at that
precision and the kernel also returns the gap to the second-best score;
rows whose gap is below the error bound are redone in float32, so labels
equal the float32 ones.

Imported only by the Array API backend when PyTorch sees a CUDA device
(or under ``TRITON_INTERPRET=1``, which runs the kernel on the CPU for
tests; there bfloat16 products are emulated by rounding the inputs to
bfloat16 and multiplying in float32, because the interpreter's bfloat16
``tl.dot`` is wrong).  Used only when asked for (``triton=True``): the
float32 default is cuBLAS until the kernel is measured faster on a GPU.
Anything unusual (float64, non-finite centres) returns None and the
PyTorch path runs instead.
"""

import math
import os

import torch
import triton
import triton.language as tl

from ._low_precision import _matmul_precision, error_slack

#: Rows per chunk of the exact distance pass after a low-precision kernel.
RECHECK_ROWS = 1 << 18


def interpreting():
    """Whether Triton runs kernels in its CPU interpreter (tests)."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def available():
    """Whether the kernel can run here: a CUDA device (or the interpreter)."""
    return torch.cuda.is_available() or interpreting()


@triton.jit
def _assign_kernel(
    X,
    C,
    c_sq,
    origin,
    labels,
    out_score,
    out_gap,
    out_xsq,
    n,
    k,
    d,
    stride_x,
    stride_c,
    HAS_ORIGIN: tl.constexpr,
    MODE: tl.constexpr,
    TOP2: tl.constexpr,
    EMULATE_BF16: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_K: tl.constexpr,
    BLOCK_D: tl.constexpr,
):
    # MODE 0: float32 products (IEEE); 1: TF32; 2: bfloat16 inputs
    pid = tl.program_id(0)
    rows = pid * BLOCK_M + tl.arange(0, BLOCK_M)
    row_ok = rows < n
    row_offsets = rows.to(tl.int64) * stride_x  # n * d may pass 2**31
    best = tl.full((BLOCK_M,), float("inf"), tl.float32)
    second = tl.full((BLOCK_M,), float("inf"), tl.float32)
    best_idx = tl.zeros((BLOCK_M,), tl.int32)
    x_sq = tl.zeros((BLOCK_M,), tl.float32)
    for k0 in range(0, k, BLOCK_K):
        cols = k0 + tl.arange(0, BLOCK_K)
        col_ok = cols < k
        acc = tl.zeros((BLOCK_M, BLOCK_K), tl.float32)
        for d0 in range(0, d, BLOCK_D):
            feats = d0 + tl.arange(0, BLOCK_D)
            f_ok = feats < d
            x = tl.load(
                X + row_offsets[:, None] + feats[None, :],
                mask=row_ok[:, None] & f_ok[None, :],
                other=0.0,
            )
            if HAS_ORIGIN:
                o = tl.load(origin + feats, mask=f_ok, other=0.0)
                x = tl.where(f_ok[None, :], x - o[None, :], 0.0)
            if k0 == 0:
                x_sq += tl.sum(x * x, axis=1)
            c = tl.load(
                C + cols[:, None] * stride_c + feats[None, :],
                mask=col_ok[:, None] & f_ok[None, :],
                other=0.0,
            )
            if MODE == 2 and EMULATE_BF16:
                # the same products: inputs rounded to bfloat16, float32 sums
                xb = x.to(tl.bfloat16).to(tl.float32)
                cb = c.to(tl.bfloat16).to(tl.float32)
                acc += tl.dot(xb, tl.trans(cb), input_precision="ieee")
            elif MODE == 2:
                acc += tl.dot(x.to(tl.bfloat16), tl.trans(c.to(tl.bfloat16)))
            elif MODE == 1:
                acc += tl.dot(x, tl.trans(c), input_precision="tf32")
            else:
                acc += tl.dot(x, tl.trans(c), input_precision="ieee")
        csq = tl.load(c_sq + cols, mask=col_ok, other=0.0)
        scores = csq[None, :] - 2.0 * acc
        scores = tl.where(col_ok[None, :], scores, float("inf"))
        tile_min = tl.min(scores, axis=1)
        tile_arg = tl.argmin(scores, axis=1)
        better = tile_min < best
        if TOP2:
            is_min = cols[None, :] == (k0 + tile_arg)[:, None]
            tile_second = tl.min(tl.where(is_min, float("inf"), scores), axis=1)
            second = tl.where(better, tl.minimum(best, tile_second), tl.minimum(second, tile_min))
        best_idx = tl.where(better, k0 + tile_arg, best_idx)
        best = tl.where(better, tile_min, best)
    tl.store(labels + rows, best_idx, mask=row_ok)
    tl.store(out_score + rows, best, mask=row_ok)
    tl.store(out_xsq + rows, x_sq, mask=row_ok)
    if TOP2:
        tl.store(out_gap + rows, second - best, mask=row_ok)


_MODES = {"float32": 0, "tf32": 1, "bf16": 2}


def _blocks(k, d, mode):
    """Tile sizes and warps for ``k`` centres of ``d`` features in ``mode``:
    ``(BLOCK_M, BLOCK_K, BLOCK_D, num_warps)``.

    Chosen from ptxas's report for sm_90a (``benchmarks/triton_report.py``)
    so that no configuration spills registers: the float32 (FMA) products
    hold every operand in registers and take feature tiles of 16, with 8
    warps from 64 centres a tile on; the tensor-core modes take feature
    tiles of 32 where ``d`` allows.
    """
    block_k = 128 if k >= 128 else max(16, triton.next_power_of_2(k))
    block_d = 32 if d >= 32 and mode != 0 else 16
    warps = 8 if block_k >= 64 else 4
    return 64, block_k, block_d, warps


def assign(X, Cs, origin, precision="float32"):
    """Nearest centre of each row of float32 ``X`` among the centred centres
    ``Cs`` (``origin`` is subtracted from the rows in the kernel).

    Returns ``(int32 labels, float32 squared distances)`` like the portable
    path (label -1 and distance inf where no distance is finite), or None
    when the kernel does not apply (then the caller's path runs).
    """
    if X.dtype != torch.float32 or Cs.dtype != torch.float32:
        return None
    if not bool(torch.isfinite(Cs).all()):
        return None
    n, d = X.shape
    k = Cs.shape[0]
    if X.stride(1) != 1:
        X = X.contiguous()
    Cs = Cs.contiguous()
    c_sq = (Cs * Cs).sum(1).contiguous()
    mode = _MODES[precision]
    top2 = mode != 0 and k > 1
    dev = X.device
    labels = torch.empty(n, dtype=torch.int32, device=dev)
    score = torch.empty(n, dtype=torch.float32, device=dev)
    x_sq = torch.empty(n, dtype=torch.float32, device=dev)
    gap = torch.empty(n if top2 else 1, dtype=torch.float32, device=dev)
    o = origin.contiguous() if origin is not None else c_sq  # placeholder pointer
    block_m, block_k, block_d, warps = _blocks(k, d, mode)
    grid = (triton.cdiv(n, block_m),)
    _assign_kernel[grid](
        X,
        Cs,
        c_sq,
        o,
        labels,
        score,
        gap,
        x_sq,
        n,
        k,
        d,
        X.stride(0),
        Cs.stride(0),
        HAS_ORIGIN=origin is not None,
        MODE=mode,
        TOP2=top2,
        # Triton's interpreter multiplies bfloat16 operands wrongly (Triton 3.9)
        EMULATE_BF16=interpreting(),
        BLOCK_M=block_m,
        BLOCK_K=block_k,
        BLOCK_D=block_d,
        num_warps=warps,
    )
    if mode == 0:
        d2 = x_sq + score
    else:
        d2 = _recheck(X, Cs, c_sq, origin, labels, gap if top2 else None, x_sq, precision)
    finite = torch.isfinite(d2)
    labels = torch.where(finite, labels, torch.full_like(labels, -1))
    d2 = torch.where(finite, d2.clamp_min(0), torch.full_like(d2, math.inf))
    return labels, d2


def _recheck(X, Cs, c_sq, origin, labels, gap, x_sq, precision):
    """After a low-precision kernel: redo in float32 the rows whose two best
    scores are too close to call (fixing ``labels`` in place), then compute
    every row's distance to its centre directly, in float32."""
    n, d = X.shape
    if gap is not None:
        c_norm = c_sq.max().sqrt()
        bound = 4.0 * error_slack(precision, d) * c_norm * x_sq.clamp_min(0).sqrt()
        doubtful = torch.nonzero(~(gap > bound)).flatten()
        if doubtful.numel():
            sub = X[doubtful] if origin is None else X[doubtful] - origin
            with _matmul_precision("float32"):
                exact = torch.addmm(c_sq, sub, Cs.t(), beta=1, alpha=-2)
            labels[doubtful] = exact.argmin(dim=1).to(torch.int32)
    d2 = torch.empty(n, dtype=torch.float32, device=X.device)
    for s in range(0, n, RECHECK_ROWS):
        e = min(n, s + RECHECK_ROWS)
        B = X[s:e] if origin is None else X[s:e] - origin
        diff = B - Cs[labels[s:e].long()]
        d2[s:e] = (diff * diff).sum(1)
    return d2
