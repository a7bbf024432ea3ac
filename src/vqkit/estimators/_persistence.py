"""Saving and loading fitted estimators: one ``.npz`` file, no pickle.

The file is a vqkit archive (:mod:`vqkit.persistence`) of format
``"vqkit-model"``.  Arrays (fitted attributes, array parameters) are stored
as they are; everything else goes in its JSON document:

.. code-block:: json

    {"format": "vqkit-model", "version": 1, "vqkit": "0.1.0",
     "class": "KMeans", "params": {...}, "attributes": {...},
     "array_params": [...], "array_attributes": [...]}

Parameters that cannot be stored without pickle (a callable ``init`` or
``callback``) make ``save`` fail with a message saying so.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..backends import array_kind, host_array
from ..persistence import read_archive, write_archive

if TYPE_CHECKING:
    from ._base import CentroidEstimator

E = TypeVar("E", bound="CentroidEstimator")

FORMAT = "vqkit-model"
VERSION = 1


def _jsonable(value: Any, what: str) -> Any:
    """``value`` as JSON-ready data, or ``TypeError`` naming ``what``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, what) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, what) for k, v in value.items()}
    raise TypeError(
        f"cannot save {what}={value!r}: only numbers, strings, None, lists and "
        "arrays can be stored without pickle. Set it to a plain value first "
        "(for example a callable init to the centres it produced)."
    )


def save_estimator(estimator: CentroidEstimator, path: str | os.PathLike) -> str | os.PathLike:
    """Write the fitted ``estimator`` (its parameters and its
    ``_fitted_attributes``) to ``path``; returns ``path``.

    The file is written to a temporary name beside ``path`` and renamed, so
    an existing file is replaced only by a complete one.
    """
    estimator._check_fitted()
    arrays: dict[str, np.ndarray] = {}
    params: dict[str, Any] = {}
    array_params: list[str] = []
    for name, value in estimator.get_params().items():
        if isinstance(value, np.ndarray) or array_kind(value) == "array_api" or (
            name == "init" and not isinstance(value, str) and not callable(value)
            and value is not None
        ):
            arrays[f"param:{name}"] = np.asarray(host_array(value))
            array_params.append(name)
        else:
            params[name] = _jsonable(value, name)
    attributes: dict[str, Any] = {}
    array_attributes: list[str] = []
    for name in estimator._fitted_attributes:
        value = host_array(getattr(estimator, name))  # GPU arrays are stored from the host
        if isinstance(value, np.ndarray):
            arrays[f"attr:{name}"] = value
            array_attributes.append(name)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            attributes[name] = _jsonable([dataclasses.asdict(v) for v in value], name)
        else:
            attributes[name] = _jsonable(value, name)
    from .. import __version__

    meta = {
        "format": FORMAT,
        "version": VERSION,
        "vqkit": __version__,
        "class": type(estimator).__name__,
        "params": params,
        "attributes": attributes,
        "array_params": array_params,
        "array_attributes": array_attributes,
    }
    return write_archive(path, arrays, meta)


def load_estimator(cls: type[E], path: str | os.PathLike) -> E:
    """Read a file written by :func:`save_estimator` into a new ``cls``
    (the items of ``history_`` become ``cls._history_type`` again).

    Raises ``ValueError`` for a file that is not a vqkit model (not an
    ``.npz``, damaged, or written by something else), or that holds another
    estimator class or a newer format version.
    """
    what = f"{os.fspath(path)!r} is not a vqkit model file"
    meta, arrays = read_archive(path, FORMAT, VERSION, what)
    history_type = cls._history_type
    if meta.get("class") != cls.__name__:
        raise ValueError(
            f"{path!r} holds a {meta.get('class')} model, not a {cls.__name__}; "
            f"load it with vqkit.{meta.get('class')}.load"
        )
    try:
        params = dict(meta["params"])
        for name in meta["array_params"]:
            params[name] = arrays[f"param:{name}"]
        estimator = cls(**params)
        for name, value in meta["attributes"].items():
            if history_type is not None and name == "history_":
                value = [history_type(**item) for item in value]
            setattr(estimator, name, value)
        for name in meta["array_attributes"]:
            setattr(estimator, name, arrays[f"attr:{name}"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{what} (or it is damaged): missing or bad entry {exc}") from None
    return estimator
