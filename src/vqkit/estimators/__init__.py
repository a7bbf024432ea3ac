"""The scikit-learn–style estimators: ``KMeans``, ``MiniBatchKMeans``,
``BisectingKMeans``, and scikit-learn's function forms ``k_means`` and
``kmeans_plusplus`` (in ``functions``).

Each module holds one estimator's parameters and ``fit``; what they share
(using a fitted model, parameters, files) is in ``_base``, their tables of
parameter constraints in ``_params``, saving and loading in
``_persistence``.
"""

from .bisecting import BisectingKMeans
from .functions import k_means, kmeans_plusplus
from .kmeans import KMeans
from .minibatch import MiniBatchKMeans

__all__ = ["BisectingKMeans", "KMeans", "MiniBatchKMeans", "k_means", "kmeans_plusplus"]
