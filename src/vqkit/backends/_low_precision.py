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
    (``"float32"``: full IEEE; ``"tf32"``: tensor cores).

    Written with ``torch.backends.cuda.matmul.fp32_precision``, the API of
    PyTorch 2.9 and later: reading it never raises, whichever API the
    user set TF32 with, while reading the legacy ``allow_tf32`` raises
    once the new API is in use.  The user's value is restored on exit.
    """
    import torch

    matmul = torch.backends.cuda.matmul
    previous = matmul.fp32_precision
    matmul.fp32_precision = "tf32" if precision == "tf32" else "ieee"
    try:
        yield
    finally:
        matmul.fp32_precision = previous
