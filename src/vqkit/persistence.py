"""Saving and loading fitted estimators: one ``.npz`` file, no pickle.

The file is a NumPy ``.npz`` archive.  Arrays (fitted attributes, array
parameters) are stored as they are; everything else goes in one JSON
document stored under the key ``__vqkit__``:

.. code-block:: json

    {"format": "vqkit-model", "version": 1, "vqkit": "0.1.0",
     "class": "KMeans", "params": {...}, "attributes": {...},
     "array_params": [...], "array_attributes": [...]}

Loading uses ``np.load(..., allow_pickle=False)``, so a file can never run
code.  Parameters that cannot be stored without pickle (a callable ``init``
or ``callback``) make ``save`` fail with a message saying so.
"""

import dataclasses
import json
import os
import zipfile

import numpy as np

from .backends import is_array_api
from .core.arrays import host
from .io.atomic import atomic_write
from .io.binary import META_KEY

FORMAT = "vqkit-model"
VERSION = 1


def _jsonable(value, what):
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


def write_archive(path, arrays, meta):
    """Write ``arrays`` and the JSON ``meta`` to ``path`` as one ``.npz``
    (atomically).  Returns ``path``."""
    arrays = dict(arrays)
    arrays[META_KEY] = np.array(json.dumps(meta))
    return atomic_write(path, lambda fh: np.savez(fh, **arrays), suffix=".npz")


def read_archive(path, fmt, version, what):
    """``(meta, arrays)`` of a vqkit ``.npz`` archive of format ``fmt``.

    Loads without pickle.  Raises ``ValueError`` starting with ``what`` for
    anything that is not such an archive (not an ``.npz``, damaged, no or
    other metadata), and for a different format version;
    ``FileNotFoundError`` passes through.
    """
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{what}: it is a bare .npy array, not an .npz archive")
        with archive:
            if META_KEY not in archive.files:
                raise ValueError(f"{what}: it has no {META_KEY!r} entry")
            meta = json.loads(str(archive[META_KEY]))
            arrays = {key: archive[key] for key in archive.files if key != META_KEY}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, json.JSONDecodeError,
            UnicodeDecodeError) as exc:
        raise ValueError(f"{what} (or it is damaged): {exc}") from None
    except ValueError as exc:
        if str(exc).startswith(what):
            raise
        raise ValueError(f"{what} (or it is damaged): {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise ValueError(f"{what}: its metadata does not say {fmt!r}")
    if meta.get("version") != version:
        raise ValueError(
            f"{path!r} uses {fmt} format version {meta.get('version')!r}; this "
            f"vqkit reads version {version}. Upgrade vqkit to load it."
        )
    return meta, arrays


def save_estimator(estimator, path, fitted_attributes):
    """Write ``estimator`` (its parameters and ``fitted_attributes``) to ``path``.

    The file is written to a temporary name beside ``path`` and renamed, so
    an existing file is replaced only by a complete one.
    """
    estimator._check_fitted()
    arrays = {}
    params, array_params = {}, []
    for name, value in estimator.get_params().items():
        if isinstance(value, np.ndarray) or is_array_api(value) or (
            name == "init" and not isinstance(value, str) and not callable(value)
            and value is not None
        ):
            arrays[f"param:{name}"] = np.asarray(host(value))
            array_params.append(name)
        else:
            params[name] = _jsonable(value, name)
    attributes, array_attributes = {}, []
    for name in fitted_attributes:
        value = host(getattr(estimator, name))  # GPU arrays are stored from the host
        if isinstance(value, np.ndarray):
            arrays[f"attr:{name}"] = value
            array_attributes.append(name)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            attributes[name] = _jsonable([dataclasses.asdict(v) for v in value], name)
        else:
            attributes[name] = _jsonable(value, name)
    from . import __version__

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


def load_estimator(cls, path, history_type=None):
    """Read a file written by :func:`save_estimator` into a new ``cls``.

    Raises ``ValueError`` for a file that is not a vqkit model (not an
    ``.npz``, damaged, or written by something else), or that holds another
    estimator class or a newer format version.
    """
    what = f"{os.fspath(path)!r} is not a vqkit model file"
    meta, arrays = read_archive(path, FORMAT, VERSION, what)
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
