"""vqkit: fast k-means clustering and vector quantization.

``vqkit`` is a drop-in replacement for ``scipy.cluster.vq``::

    from vqkit import kmeans, kmeans2, vq, whiten

gives SciPy 1.18's functions, with the same results for the same seed, on
vqkit's compiled engine.  ``vqkit.KMeans`` is a scikit-learn–style estimator
on the same engine.
"""

from . import metrics
from .estimators import BisectingKMeans, KMeans, MiniBatchKMeans, k_means, kmeans_plusplus
from .exceptions import ClusterError, NotFittedError
from .quantization import Codebook, quantize_image
from .scipy_vq import kmeans, kmeans2, py_vq, vq, whiten
from .selection import choose_k

__version__ = "0.1.0"

#: Submodules imported on first use as attributes (``vqkit.plot.clusters``):
#: ``import vqkit`` stays light (no matplotlib, no click).
_LAZY_SUBMODULES = ("cli", "plot")


def __getattr__(name: str):
    # ConvergenceWarning is built on first use: it may import scikit-learn
    if name == "ConvergenceWarning":
        from .exceptions import convergence_warning

        return convergence_warning()
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_LAZY_SUBMODULES))


__all__ = [
    "BisectingKMeans",
    "ClusterError",
    "choose_k",
    "Codebook",
    "ConvergenceWarning",
    "KMeans",
    "MiniBatchKMeans",
    "NotFittedError",
    "kmeans",
    "kmeans2",
    "k_means",
    "kmeans_plusplus",
    "metrics",
    "py_vq",
    "quantize_image",
    "vq",
    "whiten",
    "__version__",
]
