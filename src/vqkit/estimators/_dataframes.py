"""DataFrames in and out of the estimators, as scikit-learn handles them,
without scikit-learn: the column names of the input (``feature_names_in_``),
their check on new data, and the output container ``set_output`` chooses.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

#: Libraries whose 2-D tables have named columns.
_DATAFRAME_LIBRARIES = ("pandas", "polars", "modin", "cudf", "pyarrow")
#: The containers ``set_output(transform=...)`` can ask for.
OUTPUTS = ("default", "pandas", "polars")


def column_names(X: Any) -> np.ndarray | None:
    """The column names of the DataFrame ``X`` as an object array, when they
    are all strings; None for arrays, unnamed or non-string columns.  Raises
    ``TypeError`` for a mix of string and other names, as scikit-learn does."""
    if type(X).__module__.split(".")[0] not in _DATAFRAME_LIBRARIES:
        return None
    names = getattr(X, "columns", None)
    if names is None:
        names = getattr(X, "column_names", None)  # a pyarrow Table
    if names is None or len(names) == 0:
        return None
    names = np.asarray(list(names), dtype=object)
    types = sorted({type(name).__qualname__ for name in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. "
            "If you want feature names to be stored and validated, you must convert "
            "them all to strings, by using X.columns = X.columns.astype(str) for "
            "example. Otherwise you can remove feature / column names from your input "
            "data, or convert them all to a non-string data type."
        )
    return names if types == ["str"] else None


def _listed(names: list) -> str:
    """``names`` one per line (at most five, then "- ...")."""
    lines = [f"- {name}\n" for name in names[:5]]
    return "".join(lines) + ("- ...\n" if len(names) > 5 else "")


def check_column_names(fitted: np.ndarray | None, X: Any, estimator_name: str) -> None:
    """Compare the column names of new data ``X`` with those seen by ``fit``
    (``fitted``, None when it saw none): warn when only one of them has
    names, raise ``ValueError`` when the names differ or are reordered, in
    scikit-learn's words."""
    names = column_names(X)
    if fitted is None and names is None:
        return
    if fitted is None:
        warnings.warn(
            f"X has feature names, but {estimator_name} was fitted without feature names",
            stacklevel=4,
        )
        return
    if names is None:
        warnings.warn(
            f"X does not have valid feature names, but {estimator_name} was fitted with "
            "feature names",
            stacklevel=4,
        )
        return
    if len(fitted) == len(names) and np.all(fitted == names):
        return
    unseen = sorted(set(names) - set(fitted))
    missing = sorted(set(fitted) - set(names))
    message = "The feature names should match those that were passed during fit.\n"
    if unseen:
        message += "Feature names unseen at fit time:\n" + _listed(unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + _listed(missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


def output_container(configured: str | None) -> str:
    """The container ``transform`` returns: ``configured`` (set by
    ``set_output``), else scikit-learn's global ``transform_output`` when
    scikit-learn is imported, else ``"default"``."""
    container = configured
    if container is None:
        sklearn = sys.modules.get("sklearn")
        get_config = getattr(sklearn, "get_config", None)
        container = get_config().get("transform_output", "default") if get_config else "default"
    if container not in OUTPUTS:
        raise ValueError(f"output config must be in {sorted(OUTPUTS)}, got {container}")
    return container


def wrap_output(data: Any, original: Any, columns: np.ndarray, container: str) -> Any:
    """``data`` (a NumPy array) as a DataFrame of ``container``'s library
    with ``columns``, keeping the row index of a pandas ``original``;
    unchanged for ``"default"`` and for arrays of other libraries."""
    if container == "default" or not isinstance(data, np.ndarray):
        return data
    if container == "pandas":
        import pandas as pd

        index = original.index if isinstance(original, (pd.DataFrame, pd.Series)) else None
        return pd.DataFrame(data, index=index, columns=list(columns), copy=False)
    import polars as pl

    return pl.DataFrame(data, schema=list(columns), orient="row")
