"""vqkit's model files: one ``.npz`` archive per model, no pickle.

Arrays are stored as they are; everything else goes in one JSON document
under the key ``__vqkit__``, which names the file's format and its
version, for example::

    {"format": "vqkit-model", "version": 1, "vqkit": "0.1.0", ...}

Fitted estimators (``vqkit.estimators._persistence``) and code books
(``vqkit.Codebook``) are stored in such archives.  Reading uses
``np.load(..., allow_pickle=False)``, so a file can never run code.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .io.atomic import atomic_write
from .io.binary import META_KEY


def write_archive(path: str | os.PathLike, arrays: Mapping[str, np.ndarray],
                  meta: dict[str, Any]) -> str | os.PathLike:
    """Write ``arrays`` and the JSON ``meta`` to ``path`` as one ``.npz``
    (atomically).  Returns ``path``."""
    entries: dict[str, Any] = dict(arrays)
    entries[META_KEY] = np.array(json.dumps(meta))
    return atomic_write(path, lambda fh: np.savez(fh, **entries), suffix=".npz")


def read_archive(path: str | os.PathLike, fmt: str, version: int,
                 what: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
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
