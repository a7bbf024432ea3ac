"""vqkit's model files: one ``.npz`` archive per model, no pickle.

Arrays are stored as they are; everything else goes in one JSON document
under the key ``__vqkit__``, which names the file's format and its
version, for example::

    {"format": "vqkit-model", "version": 1, "vqkit": "0.1.0", ...}

Fitted estimators (``vqkit.estimators._persistence``) and code books
(``vqkit.Codebook``) are stored in such archives.

A model file may come from anywhere, so reading one trusts nothing in it:

* :func:`read_archive` never unpickles (object arrays are refused), checks
  every member's declared size against the size of the file before
  reading it (stored members cannot be larger than the file, compressed
  ones cannot expand more than deflate allows, and all of them together
  cannot exceed either), checks each ``.npy`` header's shape and dtype
  against the member's size, and refuses JSON nested deeper than
  :data:`MAX_JSON_DEPTH`;
* :func:`check_fields` checks the arrays and JSON numbers a loader
  returns against a declarative schema of :class:`Field` entries: their
  dtype, shape (through named dimensions such as ``("k", "d")`` that must
  agree between entries and with the metadata), range and finiteness.

Everything refused is a ``ValueError`` whose message names the file and
what is wrong with it.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
import tokenize
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from .io.atomic import atomic_write
from .io.binary import META_KEY

#: Deepest nesting of lists and objects accepted in the JSON metadata
#: (vqkit writes 4 levels).
MAX_JSON_DEPTH = 32
#: Largest expansion of a deflated member: deflate cannot compress more
#: than about 1032 to 1, so a member that declares more is lying.
_MAX_DEFLATE_RATIO = 1032
#: Bytes of JSON text scanned at a time when its nesting is measured.
_SCAN_BLOCK = 1 << 20
_NPY_MAGIC = b"\x93NUMPY"
#: Readers of the ``.npy`` header versions that hold only ASCII.
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
#: Zip flag bits of encryption (0, 6) and of compressed patched data (5).
_ENCRYPTED_OR_PATCHED = 0x1 | 0x20 | 0x40


def write_archive(
    path: str | os.PathLike, arrays: Mapping[str, np.ndarray], meta: dict[str, Any]
) -> str | os.PathLike:
    """Write ``arrays`` and the JSON ``meta`` to ``path`` as one ``.npz``
    (atomically).  Returns ``path``."""
    entries: dict[str, Any] = dict(arrays)
    entries[META_KEY] = np.array(json.dumps(meta))
    return atomic_write(path, lambda fh: np.savez(fh, **entries), suffix=".npz")


def read_archive(
    path: str | os.PathLike, fmt: str, version: int, what: str
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a vqkit ``.npz`` archive of format ``fmt``.

    Reads without pickle and within bounds set by the file's size (see the
    module's docstring).  Raises ``ValueError`` starting with ``what`` for
    anything that is not such an archive (not a regular file, not an
    ``.npz``, damaged, sizes that do not add up, no or other metadata),
    and for a different format version; ``FileNotFoundError`` passes
    through.  The arrays are returned unchecked: see :func:`check_fields`.
    """
    path = os.fspath(path)
    try:
        arrays = _read_members(path, what)
    except FileNotFoundError:
        raise
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
        NotImplementedError,
    ) as exc:  # the last: zip features vqkit never writes
        raise ValueError(f"{what} (or it is damaged): {exc}") from None
    except MemoryError:  # sizes within the bounds, but more than this machine has
        raise ValueError(
            f"{what} (or it is damaged): its arrays need more memory than is available"
        ) from None
    except ValueError as exc:
        if str(exc).startswith(what):
            raise
        raise ValueError(f"{what} (or it is damaged): {exc}") from None
    if META_KEY not in arrays:
        raise ValueError(f"{what}: it has no {META_KEY!r} entry")
    meta = _parse_meta(arrays.pop(META_KEY), what)
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise ValueError(f"{what}: its metadata does not say {fmt!r}")
    if meta.get("version") != version:
        raise ValueError(
            f"{path!r} uses {fmt} format version {meta.get('version')!r}; this "
            f"vqkit reads version {version}. Upgrade vqkit to load it."
        )
    return meta, arrays


def meta_entry(meta: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    """``meta[key]``, which must be a JSON value of Python type ``kind``
    (``dict``, ``list``, ``str`` ...); else a ``ValueError`` after ``what``."""
    if key not in meta:
        raise ValueError(f"{what} (or it is damaged): its metadata has no {key!r} entry")
    value = meta[key]
    if not isinstance(value, kind):
        raise ValueError(
            f"{what} (or it is damaged): its metadata's {key!r} entry is "
            f"{_a(_json_type(value))}, not {_a(_json_type(kind()))}"
        )
    return value


# ----------------------------------------------------------------------
# the schema of stored values


@dataclass(frozen=True)
class Field:
    """What one stored value must be.

    Parameters
    ----------
    dtype : {"float", "integer", "number"}
        ``"float"``: a float32 or float64 array; ``"integer"``: an integer
        array (or a JSON integer); ``"number"``: an array of real numbers
        of any width, booleans included (or a JSON number).
    shape : tuple of str or int
        The array's shape, one entry per dimension: a size, or the name of
        a dimension whose size (at least 1) all fields (and the caller)
        must agree on.  ``()`` for a JSON number in the metadata.
    low, high : float, str or None
        Values must be ``>= low`` and ``< high``; ``high`` may name a
        dimension.  None: no bound.
    finite : bool
        Whether NaN and infinity are refused (floats only).
    """

    dtype: str
    shape: tuple[str | int, ...] = ()
    low: float | None = None
    high: str | int | None = None
    finite: bool = True


def check_fields(
    values: Mapping[str, Any],
    fields: Mapping[str, Field],
    what: str,
    dims: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Check ``values`` (name to array, or to JSON number for fields of
    shape ``()``) against ``fields``, in the order of ``fields``.

    ``dims`` gives sizes of named dimensions known beforehand (from the
    metadata); the others are set by the first field that has them.
    Names absent from ``values`` are skipped (the caller decides which
    are required).  Returns every dimension's size; raises ``ValueError``
    after ``what`` for the first value that does not fit.
    """
    sizes = dict(dims or {})
    for name, field in fields.items():
        if name in values:
            _check_field(name, values[name], field, sizes, what)
    return sizes


def _check_field(name: str, value: Any, field: Field, sizes: dict[str, int], what: str) -> None:
    def refuse(problem: str) -> ValueError:
        return ValueError(f"{what} (or it is damaged): {name} {problem}")

    if not field.shape:
        _check_json_number(value, field, refuse)
        return
    if not isinstance(value, np.ndarray):
        raise refuse(f"is {_a(_json_type(value))} in the metadata; it must be an array")
    dtype = value.dtype
    accepted = {
        "float": dtype in (np.float32, np.float64) and dtype.isnative,
        "integer": dtype.kind in "iu",
        "number": dtype.kind in "biuf",
    }[field.dtype]
    if not accepted:
        wanted = {
            "float": "float32 or float64 (native byte order)",
            "integer": "integers",
            "number": "real numbers",
        }[field.dtype]
        raise refuse(f"holds {dtype} values; it must hold {wanted}")
    if value.ndim != len(field.shape):
        raise refuse(
            f"has shape {value.shape}; it must have {len(field.shape)} "
            f"dimension(s) {_shape_text(field.shape)}"
        )
    for size, dim in zip(value.shape, field.shape):
        if isinstance(dim, str) and size < 1:
            raise refuse(f"has shape {value.shape}; its dimension {dim} must not be empty")
        expected = sizes.setdefault(dim, size) if isinstance(dim, str) else dim
        if size != expected:
            raise refuse(
                f"has shape {value.shape}; expected {_shape_text(field.shape)} "
                f"with {_sizes_text(field.shape, sizes)}"
            )
    if value.size == 0:
        return
    if field.finite and dtype.kind == "f" and not np.isfinite(value).all():
        raise refuse("holds NaN or infinity")
    high = sizes.get(field.high) if isinstance(field.high, str) else field.high
    if field.low is not None and value.min() < field.low:
        raise refuse(f"holds {value.min()}, below its least value {field.low}")
    if high is not None and value.max() >= high:
        raise refuse(
            f"holds {value.max()}; its values must be below {high}"
            + (f" ({field.high})" if isinstance(field.high, str) else "")
        )


def _check_json_number(value: Any, field: Field, refuse: Any) -> None:
    """A JSON number of the metadata against ``field`` (shape ``()``)."""
    kind = (int,) if field.dtype == "integer" else (int, float)  # what json.loads gives
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "an integer" if field.dtype == "integer" else "a number"
        raise refuse(f"is {value!r:.40} ({_a(_json_type(value))}); it must be {wanted}")
    if field.finite and isinstance(value, float) and not math.isfinite(value):
        raise refuse(f"is {value!r}; it must be finite")
    if field.low is not None and value < field.low:
        raise refuse(f"is {value!r}; it must be >= {field.low}")
    if isinstance(field.high, int) and value >= field.high:
        raise refuse(f"is {value!r}; it must be below {field.high}")


def _shape_text(shape: tuple[str | int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _sizes_text(shape: tuple[str | int, ...], sizes: Mapping[str, int]) -> str:
    names = dict.fromkeys(d for d in shape if isinstance(d, str) and d in sizes)
    return ", ".join(f"{d} = {sizes[d]}" for d in names)


def _a(noun: str) -> str:
    """``noun`` with its indefinite article."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _json_type(value: Any) -> str:
    """The JSON name of the type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for kind, name in (
        (dict, "object"),
        (list, "list"),
        (str, "string"),
        (Real, "number"),
        (np.ndarray, "array"),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


# ----------------------------------------------------------------------
# reading within bounds


def _read_members(path: str, what: str) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of the archive at ``path``, by name (without
    ``.npy``), read after its declared size and header were checked."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device could block
        raise ValueError(f"{what}: it is not a regular file")
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if fh.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
            raise ValueError(f"{what}: it is a bare .npy array, not an .npz archive")
        fh.seek(0)
        with zipfile.ZipFile(fh) as archive:
            infos = archive.infolist()
            _check_member_sizes(infos, size, what)
            return {info.filename[:-4]: _read_member(archive, info, what) for info in infos}


def _check_member_sizes(infos: list[zipfile.ZipInfo], size: int, what: str) -> None:
    """Refuse members that are not plain ``.npy`` arrays, or whose declared
    sizes cannot come from a file of ``size`` bytes."""
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise ValueError(f"{what} (or it is damaged): a member name appears twice")
    for info in infos:
        name = info.filename
        if not name.endswith(".npy"):
            raise ValueError(f"{what}: its member {name!r:.80} is not a .npy array")
        if info.flag_bits & _ENCRYPTED_OR_PATCHED:
            raise ValueError(f"{what}: its member {name!r:.80} is encrypted or patched")
        if info.compress_type == zipfile.ZIP_STORED:
            limit = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            limit = info.compress_size * _MAX_DEFLATE_RATIO
        else:
            raise ValueError(
                f"{what}: its member {name!r:.80} uses compression method "
                f"{info.compress_type}; only stored and deflated members are read"
            )
        if info.compress_size > size or info.file_size > limit:
            raise ValueError(
                f"{what} (or it is damaged): its member {name!r:.80} declares "
                f"{info.file_size} bytes ({info.compress_size} compressed) in a file of "
                f"{size} bytes"
            )
    stored = sum(info.compress_size for info in infos)
    declared = sum(info.file_size for info in infos)
    if stored > size or declared > size * _MAX_DEFLATE_RATIO:
        raise ValueError(
            f"{what} (or it is damaged): its members declare {declared} bytes "
            f"({stored} compressed) in a file of {size} bytes"
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> np.ndarray:
    """The array of one member, after checking that its ``.npy`` header
    describes a plain array of exactly the member's size."""
    name = info.filename[:-4]
    with archive.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version not in _NPY_HEADERS:
            raise ValueError(f"{what}: its array {name!r:.80} uses .npy format {version}")
        try:
            shape, _, dtype = _NPY_HEADERS[version](fh)
        except (SyntaxError, TypeError, tokenize.TokenError, RecursionError) as exc:
            # numpy parses the header's Python literal; garbage fails in many ways
            raise ValueError(f"its array {name!r:.80} has a damaged header: {exc}") from None
        header = fh.tell()
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(
            f"{what}: its array {name!r:.80} holds {dtype} values "
            "(objects or records); vqkit files hold plain arrays"
        )
    if dtype.itemsize == 0 or any(n < 0 for n in shape):
        raise ValueError(
            f"{what} (or it is damaged): its array {name!r:.80} declares shape {shape} of {dtype}"
        )
    nbytes = math.prod(shape) * dtype.itemsize
    if header + nbytes != info.file_size:
        raise ValueError(
            f"{what} (or it is damaged): its array {name!r:.80} declares shape {shape} of "
            f"{dtype} ({nbytes} bytes) but its member holds {info.file_size - header} bytes"
        )
    with archive.open(info) as fh:
        return np.lib.format.read_array(fh, allow_pickle=False)


def _parse_meta(entry: np.ndarray, what: str) -> Any:
    """The JSON document of the metadata entry, nested at most
    :data:`MAX_JSON_DEPTH` deep."""
    if entry.dtype.kind != "U" or entry.shape != ():
        raise ValueError(f"{what} (or it is damaged): its {META_KEY!r} entry is not a JSON text")
    code_points = entry.reshape(1).view(entry.dtype.str[0] + "u4")
    if code_points.size and code_points.max() > sys.maxunicode:
        raise ValueError(f"{what} (or it is damaged): its metadata is not text")
    text = str(entry[()])
    depth = _json_depth(text, MAX_JSON_DEPTH)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"{what} (or it is damaged): its metadata is nested more than "
            f"{MAX_JSON_DEPTH} levels deep"
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge integers
        raise ValueError(
            f"{what} (or it is damaged): its metadata is not JSON: {str(exc):.200}"
        ) from None


def _json_depth(text: str, limit: int) -> int:
    """Deepest nesting of ``[`` and ``{`` in the JSON ``text``, brackets
    inside strings not counted; the scan stops once it passes ``limit``.

    Vectorised over blocks of the UTF-8 bytes (where ``"``, ``\\`` and
    brackets are single bytes): a quote is escaped when an odd number of
    backslashes precedes it, and an unescaped quote opens or closes a
    string.  What carries from one block to the next: the depth, whether a
    string is open, and the run of backslashes at the block's end.
    """
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    depth, in_string, run, deepest = 0, 0, 0, 0
    for start in range(0, data.size, _SCAN_BLOCK):
        block = data[start : start + _SCAN_BLOCK]
        index = np.arange(block.size)
        # index of the last byte that is not a backslash, at or before each
        # byte (a virtual one ``run`` before the block when there is none)
        last = np.maximum.accumulate(np.where(block == ord("\\"), -1 - run, index))
        before = np.concatenate(([-1 - run], last[:-1]))
        quotes = (block == ord('"')) & ((index - 1 - before) % 2 == 0)
        opened = (in_string + np.cumsum(quotes)) % 2 == 1  # inside a string
        step = ((block == ord("[")) | (block == ord("{"))).astype(np.int64) - (
            (block == ord("]")) | (block == ord("}"))
        )
        levels = depth + np.cumsum(np.where(opened, 0, step))
        deepest = max(deepest, int(levels.max()))
        if deepest > limit:
            break
        depth, in_string = int(levels[-1]), int(opened[-1])
        run = block.size - 1 - int(last[-1]) if last[-1] >= 0 else run + block.size
    return deepest
