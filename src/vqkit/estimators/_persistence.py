"""Saving and loading fitted estimators: one ``.npz`` file, no pickle.

The file is a vqkit archive (:mod:`vqkit.persistence`) of format
``"vqkit-model"``.  Arrays (fitted attributes, array parameters) are stored
as they are; everything else goes in its JSON document:

.. code-block:: json

    {"format": "vqkit-model", "version": 1, "vqkit": "0.1.0",
     "class": "KMeans", "params": {...}, "attributes": {...},
     "array_params": [...], "array_attributes": [...]}

The column names of a DataFrame that ``fit`` saw (``feature_names_in_``)
are stored in the JSON document as a list of strings and restored on load,
so a loaded model checks the columns of new DataFrames as the fitted one did.

Parameters that cannot be stored without pickle (a callable ``init`` or
``callback``) make ``save`` fail with a message saying so.

Loading trusts nothing in the file: besides the archive's own checks
(:func:`vqkit.persistence.read_archive`), the parameters must pass the
class's table of constraints, every attribute must match its entry in
:data:`ATTRIBUTES` (dtype, shape through the dimensions ``k`` =
``n_clusters``, ``d`` = ``n_features_in_``, range, finiteness), and a
``BisectingKMeans`` tree must be a tree whose leaves are the clusters.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..backends import array_kind, host_array
from ..persistence import Field, check_fields, meta_entry, read_archive, write_archive

if TYPE_CHECKING:
    from ._base import CentroidEstimator

E = TypeVar("E", bound="CentroidEstimator")

FORMAT = "vqkit-model"
VERSION = 1

#: What each fitted attribute must be in a file: JSON numbers (shape
#: ``()``) or arrays.  ``k``: the number of clusters, ``d``: of features,
#: ``n``: of training rows, ``nodes``: of the nodes of a tree of splits.
ATTRIBUTES: dict[str, Field] = {
    "n_features_in_": Field("integer", low=1),
    "cluster_centers_": Field("float", ("k", "d")),
    "labels_": Field("integer", ("n",), low=0, high="k"),
    "inertia_": Field("number", low=0, finite=False),  # NaN without labels, inf on overflow
    "n_iter_": Field("integer", low=0),
    "n_steps_": Field("integer", low=0),
    "counts_": Field("float", ("k",), low=0),
    "tree_children_": Field("integer", ("nodes", 2), low=-1, high="nodes"),
    "tree_parent_": Field("integer", ("nodes",), low=-1, high="nodes"),
    "tree_centers_": Field("float", ("nodes", "d")),
    "tree_labels_": Field("integer", ("nodes",), low=-1, high="k"),
}
#: The same for parameters stored as arrays.
ARRAY_PARAMETERS: dict[str, Field] = {"init": Field("number", ("k", "d"))}
#: Fitted attributes a file may lack (``MiniBatchKMeans(compute_labels=False)``).
OPTIONAL_ATTRIBUTES = ("labels_",)
#: The column names ``fit`` saw in a DataFrame (if it saw any): a JSON list
#: of ``n_features_in_`` strings, restored as scikit-learn keeps them (an
#: object array) and checked again on ``predict``/``transform``/``score``.
FEATURE_NAMES = "feature_names_in_"


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
    return write_archive(path, *estimator_archive(estimator))


def estimator_archive(
    estimator: CentroidEstimator,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, meta)`` of the fitted ``estimator``: what
    :func:`save_estimator` writes.  A caller may add entries of its own to
    ``meta`` (not arrays) before it writes them with
    :func:`vqkit.persistence.write_archive`; :func:`load_estimator` leaves
    them alone."""
    estimator._check_fitted()
    arrays: dict[str, np.ndarray] = {}
    params: dict[str, Any] = {}
    array_params: list[str] = []
    for name, value in estimator.get_params().items():
        if (
            isinstance(value, np.ndarray)
            or array_kind(value) == "array_api"
            or (
                name == "init"
                and not isinstance(value, str)
                and not callable(value)
                and value is not None
            )
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
    names = estimator.__dict__.get("feature_names_in_")
    if names is not None:  # the DataFrame columns fit saw: JSON strings
        attributes[FEATURE_NAMES] = [str(name) for name in names]
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
    return arrays, meta


def load_estimator(cls: type[E], path: str | os.PathLike) -> E:
    """Read a file written by :func:`save_estimator` into a new ``cls``
    (the items of ``history_`` become ``cls._history_type`` again).

    Raises ``ValueError``, naming the file and what is wrong, for a file
    that is not a vqkit model (not an ``.npz``, damaged, or written by
    something else), that holds another estimator class or a newer format
    version, or whose parameters or attributes are not those of a fitted
    ``cls`` (see the module's docstring).
    """
    what = f"{os.fspath(path)!r} is not a vqkit model file"
    meta, arrays = read_archive(path, FORMAT, VERSION, what)
    return estimator_from_archive(cls, meta, arrays, path)


def estimator_from_archive(
    cls: type[E], meta: dict[str, Any], arrays: dict[str, np.ndarray], path: str | os.PathLike
) -> E:
    """The ``cls`` of an archive read by :func:`vqkit.persistence.read_archive`
    from ``path`` (named in messages), checked as :func:`load_estimator`
    says."""
    what = f"{os.fspath(path)!r} is not a vqkit model file"
    if meta.get("class") != cls.__name__:
        raise ValueError(
            f"{path!r} holds a {meta.get('class')} model, not a {cls.__name__}; "
            f"load it with vqkit.{meta.get('class')}.load"
        )
    damaged = f"{what} (or it is damaged)"
    params, array_params = _stored(meta, arrays, "params", "param", cls._param_names(), what)
    attributes, array_attributes = _stored(
        meta, arrays, "attributes", "attr", (*cls._fitted_attributes, FEATURE_NAMES), what
    )
    if FEATURE_NAMES in array_attributes:
        raise ValueError(f"{damaged}: {FEATURE_NAMES} is stored as an array, not as strings")
    feature_names = attributes.pop(FEATURE_NAMES, None)
    missing = [
        name
        for name in cls._fitted_attributes
        if name not in attributes
        and name not in array_attributes
        and name not in OPTIONAL_ATTRIBUTES
    ]
    if missing:
        raise ValueError(f"{damaged}: it has no {', '.join(missing)}")
    unknown = (
        arrays.keys()
        - {f"param:{n}" for n in array_params}
        - {f"attr:{n}" for n in array_attributes}
    )
    if unknown:
        raise ValueError(
            f"{damaged}: it holds arrays its metadata does not list: {sorted(unknown)!r:.200}"
        )
    for name, value in params.items():
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise ValueError(f"{damaged}: parameter {name} is a list or object")
    if params.get("callback") is not None:
        raise ValueError(
            f"{damaged}: parameter callback must be null (a file cannot hold a function)"
        )
    estimator = cls(**params, **array_params)
    try:
        estimator._validate_params()
    except ValueError as exc:
        raise ValueError(f"{damaged}: {exc}") from None
    check_fields(attributes, {"n_features_in_": ATTRIBUTES["n_features_in_"]}, what)
    sizes = {"k": estimator.get_params()["n_clusters"], "d": attributes["n_features_in_"]}
    check_fields(array_params, ARRAY_PARAMETERS, what, sizes)
    values = {**attributes, **array_attributes}
    for name in values:
        if name not in ATTRIBUTES and name != "history_":
            raise ValueError(f"{damaged}: vqkit cannot check its attribute {name}")
    check_fields(values, ATTRIBUTES, what, sizes)
    if "history_" in values:
        values["history_"] = _history(values["history_"], cls._history_type, damaged)
    if "tree_children_" in values:
        _check_tree(values, damaged)
    if feature_names is not None:
        if (
            not isinstance(feature_names, list)
            or len(feature_names) != sizes["d"]
            or not all(isinstance(name, str) for name in feature_names)
        ):
            raise ValueError(
                f"{damaged}: {FEATURE_NAMES} is not a list of {sizes['d']} strings "
                f"(one per feature): {feature_names!r:.100}"
            )
        estimator.feature_names_in_ = np.asarray(feature_names, dtype=object)
    for name, value in values.items():
        setattr(estimator, name, value)
    if len(values) < len(cls._fitted_attributes):  # what a save of it stores
        estimator._fitted_attributes = tuple(
            name for name in cls._fitted_attributes if name in values
        )
    return estimator


def _stored(
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    key: str,
    prefix: str,
    names: Any,
    what: str,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The values stored in the JSON object ``meta[key]`` and the arrays
    listed in ``meta["array_" + key]`` (archive members ``prefix:name``);
    each name must be one of ``names`` and stored once."""
    damaged = f"{what} (or it is damaged)"
    values = meta_entry(meta, key, dict, what)
    listed = meta_entry(meta, f"array_{key}", list, what)
    if not all(isinstance(name, str) for name in listed) or len(set(listed)) != len(listed):
        raise ValueError(f"{damaged}: its 'array_{key}' entry is not a list of names")
    for name in [*values, *listed]:
        if name not in names:
            raise ValueError(f"{damaged}: it stores {name!r:.80}, which is not one of its {key}")
    twice = values.keys() & set(listed)
    if twice:
        raise ValueError(f"{damaged}: it stores {sorted(twice)} twice")
    missing = [name for name in listed if f"{prefix}:{name}" not in arrays]
    if missing:
        raise ValueError(f"{damaged}: it has no array for {', '.join(missing)}")
    return values, {name: arrays[f"{prefix}:{name}"] for name in listed}


def _history(items: Any, history_type: type | None, damaged: str) -> list[Any]:
    """``history_`` rebuilt from its JSON list: each item an object with
    exactly the fields of ``history_type``, each a number or null."""
    if history_type is None or not isinstance(items, list):
        raise ValueError(f"{damaged}: history_ is not a list of steps")
    fields = {f.name for f in dataclasses.fields(history_type)}
    out = []
    for item in items:
        if (
            not isinstance(item, dict)
            or item.keys() != fields
            or not all(
                value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
                for value in item.values()
            )
        ):
            raise ValueError(
                f"{damaged}: history_ holds {item!r:.100}, not an object of "
                f"the numbers {sorted(fields)}"
            )
        out.append(history_type(**item))
    return out


def _check_tree(values: dict[str, Any], damaged: str) -> None:
    """The tree of a ``BisectingKMeans`` (arrays already of the right
    shapes and ranges) must be a binary tree rooted at node 0 that reaches
    every node once, with ``2 k - 1`` nodes, parents that match the
    children, leaves labelled ``0 .. k-1`` in depth-first order, inner
    nodes labelled -1, and leaf centres equal to ``cluster_centers_``."""
    children, parent = values["tree_children_"], values["tree_parent_"]
    labels, centers = values["tree_labels_"], values["cluster_centers_"]
    k, nodes = centers.shape[0], children.shape[0]
    if nodes != 2 * k - 1:
        raise ValueError(f"{damaged}: its tree has {nodes} nodes; {k} clusters need {2 * k - 1}")
    if parent[0] != -1:
        raise ValueError(f"{damaged}: the root of its tree has a parent")
    seen = np.zeros(nodes, dtype=bool)
    leaves = []
    stack = [0]
    while stack:  # each node is taken at most once: the walk ends
        node = stack.pop()
        if seen[node]:
            raise ValueError(
                f"{damaged}: its tree reaches node {node} twice (a cycle or a shared child)"
            )
        seen[node] = True
        left, right = (int(c) for c in children[node])
        if left < 0 and right < 0:
            leaves.append(node)
            continue
        if left < 0 or right < 0 or parent[left] != node or parent[right] != node:
            raise ValueError(
                f"{damaged}: node {node} of its tree has children "
                f"{[left, right]} whose parents do not match"
            )
        stack += [right, left]
    if not seen.all():
        raise ValueError(
            f"{damaged}: its tree does not reach node {int(np.flatnonzero(~seen)[0])}"
        )
    expected = np.full(nodes, -1)
    expected[leaves] = np.arange(len(leaves))
    if not np.array_equal(labels, expected):
        raise ValueError(
            f"{damaged}: the cluster labels of its tree's leaves are not "
            "0, 1, ... in depth-first order"
        )
    tree_centers = values["tree_centers_"]
    if tree_centers.dtype != centers.dtype or not np.array_equal(tree_centers[leaves], centers):
        raise ValueError(f"{damaged}: the centres of its tree's leaves are not cluster_centers_")
