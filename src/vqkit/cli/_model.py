"""The model files of ``vqkit cluster --save-model``, read by ``vqkit predict``.

Such a file is a ``KMeans`` model file (``vqkit.KMeans.load`` reads it)
whose JSON metadata also holds, under the key ``"cli"``, what ``predict``
needs to treat new data as the training data was treated::

    {"columns": ["alcohol", ...] or null,   # the features, by name
     "columns_option": "0:5" or null,       # --columns as given
     "n_file_columns": 14,                  # columns of the training file
     "file_columns": ["", "alcohol", ...] or null,
     "id_column": "" or null,               # the column of row ids
     "scaling": "standardize",              # or "whiten", "none"
     "mean": [...], "scale": [...]}         # per feature, null for "none"

The file may come from anywhere, so :func:`load_model` checks this entry
as the estimator's own entries are checked: types, lengths (``d``, the
model's number of features) and values (finite; scales above 0) through
:func:`vqkit.persistence.check_fields`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

CLI_KEY = "cli"
SCALINGS = ("none", "standardize", "whiten")
#: The longest text kept from ``--columns`` and of a column name.
_MAX_TEXT = 10_000


@dataclasses.dataclass
class SavedModel:
    """What :func:`load_model` read: the estimator and how to prepare data
    for it."""

    estimator: Any
    columns: list[str] | None
    columns_option: str | None
    n_file_columns: int | None
    file_columns: list[str] | None
    id_column: str | None
    scaling: str
    mean: np.ndarray | None
    scale: np.ndarray | None

    def prepare(self, X: np.ndarray) -> np.ndarray:
        """``X`` scaled as the training data was."""
        if self.mean is None or self.scale is None:
            return X
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale


def save_model(path, estimator, table, columns_option, scaling, mean, scale):
    """Write the fitted ``estimator`` and how ``table`` was read and scaled
    (``mean`` and ``scale`` per feature, None without scaling) to
    ``path``."""
    from ..estimators._persistence import estimator_archive
    from ..persistence import write_archive

    arrays, meta = estimator_archive(estimator)
    meta[CLI_KEY] = {
        "columns": table.columns,
        "columns_option": columns_option,
        "n_file_columns": table.n_file_columns,
        "file_columns": table.file_columns,
        "id_column": table.id_column,
        "scaling": scaling,
        "mean": None if mean is None else np.asarray(mean, dtype=np.float64).tolist(),
        "scale": None if scale is None else np.asarray(scale, dtype=np.float64).tolist(),
    }
    return write_archive(path, arrays, meta)


def load_model(path: str | os.PathLike) -> SavedModel:
    """The model that :func:`save_model` wrote to ``path``; ``ValueError``
    naming the file and the problem for anything else (see the module's
    docstring)."""
    from ..estimators import KMeans
    from ..estimators._persistence import FORMAT, VERSION, estimator_from_archive
    from ..persistence import Field, check_fields, meta_entry, read_archive

    path = os.fspath(path)
    what = f"{path!r} is not a model file of vqkit cluster --save-model"
    meta, arrays = read_archive(path, FORMAT, VERSION, what)
    if CLI_KEY not in meta:
        raise ValueError(
            f"{what}: it holds a {meta.get('class')!s:.40} model without the columns and "
            "scaling of vqkit cluster; save one with vqkit cluster --save-model"
        )
    cli = meta_entry(meta, CLI_KEY, dict, what)
    estimator = estimator_from_archive(KMeans, meta, arrays, path)
    d = int(estimator.n_features_in_)
    damaged = f"{what} (or it is damaged)"

    def names(key, length=None):
        value = cli.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or not all(isinstance(v, str) and len(v) <= _MAX_TEXT for v in value)
            or (length is not None and len(value) != length)
        ):
            size = f" of {length}" if length is not None else ""
            raise ValueError(f"{damaged}: its {key} are not a list{size} of names")
        return value

    def text(key, choices=None):
        value = cli.get(key)
        if value is None and choices is None:
            return None
        if (
            not isinstance(value, str)
            or len(value) > _MAX_TEXT
            or (choices is not None and value not in choices)
        ):
            wanted = " or ".join(choices) if choices else "a text"
            raise ValueError(f"{damaged}: its {key} is {value!r:.40}, not {wanted}")
        return value

    columns = names("columns", d)
    file_columns = names("file_columns")
    n_file_columns = cli.get("n_file_columns")
    if n_file_columns is not None:
        check_fields(
            {"n_file_columns": n_file_columns}, {"n_file_columns": Field("integer", low=d)}, what
        )
    scaling = text("scaling", SCALINGS)
    mean = _numbers(cli.get("mean"), "mean", damaged)
    scale = _numbers(cli.get("scale"), "scale", damaged)
    if (scaling == "none") != (mean is None) or (mean is None) != (scale is None):
        raise ValueError(f"{damaged}: its scaling {scaling!r} does not match its mean and scale")
    fields = {
        "mean": Field("float", ("d",)),
        "scale": Field("float", ("d",), low=float(np.nextafter(0.0, 1.0))),
    }
    stored = {} if mean is None else {"mean": mean, "scale": scale}
    check_fields(stored, fields, what, {"d": d})
    return SavedModel(
        estimator,
        columns,
        text("columns_option"),
        n_file_columns,
        file_columns,
        text("id_column"),
        scaling,
        mean,
        scale,
    )


def _numbers(value, key, damaged):
    """The JSON list of numbers ``value`` as a float64 array (None stays
    None)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise ValueError(f"{damaged}: its {key} is not a list of numbers")
    return np.array(value, dtype=np.float64)
