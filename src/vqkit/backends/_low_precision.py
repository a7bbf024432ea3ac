"""Low-precision matrix products on PyTorch (TF32, bfloat16): their error
bound and the switch of PyTorch's float32 product precision.

Shared by the Array API backend and its Triton kernel, which both recheck
in float32 the rows that a low-precision product cannot decide.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def error_slack(precision: str, d: int) -> float:
    """Bound on the relative error of a ``d``-term dot product whose inputs
    are rounded to ``precision`` (unit roundoff ``u``: 2u for the inputs)
    and summed in float32 (``(d + 2)`` float32 units), as a multiple of
    ``|x| |c|``."""
    unit = {"float32": 2.0**-24, "tf32": 2.0**-11, "bf16": 2.0**-8}[precision]
    return 2 * unit + (d + 2) * 2.0**-24


@contextlib.contextmanager
def _matmul_precision(precision: str) -> Iterator[None]:
    """Temporarily set PyTorch's float32 matrix-product precision on CUDA
    (``"float32"``: full IEEE; ``"tf32"``: tensor cores)."""
    import torch

    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous
