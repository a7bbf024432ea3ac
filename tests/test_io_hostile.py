"""vqkit.io on hostile input (issue 15, sections 5 and 7): random text, random
and damaged binary files, decompression bombs, huge cells, and the memory
that reading takes.  Reading either returns a Table or raises a
DataFileError naming the file; nothing else."""

import bz2
import codecs
import gzip
import io
import lzma
import os
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vqkit.io.source
import vqkit.io.text
from vqkit.io import DataFileError, Table, read_data

_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: Messages without a line: about the whole file.
_FILE_LEVEL = (
    "the file is empty",
    "the file has no data lines",
    "no rows left",
    "has a header line but no data lines",
    "binary file",
    "no column named",
    "selects no column",
    "out of range",
    "no columns selected",
)
#: Messages about one cell: they name its line and column.
_CELL_LEVEL = ("is not a number", "missing value", "is not a finite number")


def _read(path, **kwargs):
    """``read_data``'s Table, or its DataFileError; anything else fails."""
    try:
        return read_data(path, **kwargs)
    except DataFileError as exc:
        return exc


def _check_outcome(outcome, path, text=True):
    """``outcome`` (of reading ``path``) is a Table of finite numbers, or a
    one-line DataFileError that starts with the file; for text, a problem
    with a cell names its line and column, and one without a line is about
    the whole file."""
    if isinstance(outcome, Table):
        assert outcome.X.ndim == 2 and outcome.X.shape[0] >= 1
        assert np.isfinite(outcome.X).all()
        return
    message = str(outcome)
    assert "\n" not in message and len(message) < 1000, message
    assert message.startswith(str(path)), message
    if not text:
        return
    if any(s in message for s in _FILE_LEVEL) or outcome.option:
        return
    if any(s in message for s in _CELL_LEVEL):
        assert outcome.line is not None and outcome.column is not None, message
    assert outcome.line is not None, message


# ----------------------------------------------------------------------
# random delimited text


_CELL_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            "",
            "NA",
            "nan",
            "null",
            "-",
            "1e",
            "1,5",
            "1_000",
            "#x",
            " ",
            '"',
            '""',
            "inf",
            "-inf",
            "1e999",
            "0x10",
            "١٢",
            "\u00e9",
            "\t",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
)


@st.composite
def _random_text(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t", " ", "|"]))
    n_rows = draw(st.integers(0, 8))
    width = draw(st.integers(1, 4))
    lines = []
    for _ in range(n_rows):
        cells = draw(st.lists(_CELL_TEXT, min_size=1, max_size=width + 1))
        quote = draw(st.sets(st.integers(0, len(cells) - 1), max_size=2))
        cells = [f'"{c}"' if j in quote else c for j, c in enumerate(cells)]
        lines.append(delimiter.join(cells))
    if draw(st.booleans()):
        lines.insert(0, delimiter.join(draw(st.lists(_CELL_TEXT, min_size=1, max_size=width))))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


@_SETTINGS
@given(
    text=_random_text(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
    delimiter=st.sampled_from([None, ",", "whitespace"]),
    missing=st.sampled_from(["error", "drop"]),
    header=st.sampled_from([None, True, False]),
)
def test_random_text_gives_a_table_or_a_located_error(
    tmp_path, text, encoding, delimiter, missing, header
):
    path = tmp_path / "random.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        assume(False)
    _check_outcome(_read(path, delimiter=delimiter, missing=missing, header=header), path)


@_SETTINGS
@given(raw=st.binary(max_size=300))
def test_random_bytes_as_text(tmp_path, raw):
    path = tmp_path / "bytes.txt"
    path.write_bytes(raw)
    _check_outcome(_read(path), path)


@_SETTINGS
@given(
    text=_random_text(),
    chunk=st.integers(1, 9),
    block=st.integers(1, 4),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_the_size_of_the_pieces_does_not_matter(
    tmp_path, monkeypatch, text, chunk, block, encoding
):
    """Read a byte (or a few) at a time and in blocks of a line or a few,
    a file reads exactly as it does whole: CRLF, multi-byte characters and
    quoted fields split between pieces change nothing."""
    path = tmp_path / "pieces.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        assume(False)
    whole = _read(path, missing="drop")
    monkeypatch.setattr(vqkit.io.source, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(vqkit.io.text, "_TEXT_BLOCK", block)
    pieces = _read(path, missing="drop")
    assert type(pieces) is type(whole)
    if isinstance(whole, Table):
        np.testing.assert_array_equal(pieces.X, whole.X)
        assert (pieces.columns, pieces.delimiter, pieces.header, pieces.dropped) == (
            whole.columns,
            whole.delimiter,
            whole.header,
            whole.dropped,
        )
        assert [pieces.line_of(i) for i in range(len(whole.X))] == [
            whole.line_of(i) for i in range(len(whole.X))
        ]
    elif block == 1 or "expected" not in str(whole):
        # which of two problems comes first may depend on the block
        assert str(pieces) == str(whole)


def test_pieces_split_inside_crlf_and_characters(tmp_path, monkeypatch):
    path = tmp_path / "split.csv"
    path.write_bytes("h\u00e9ight,w\u20acight\r\n1,2\r\n3,4\r\n".encode())
    monkeypatch.setattr(vqkit.io.source, "CHUNK_BYTES", 1)
    t = read_data(path)
    assert t.columns == ["h\u00e9ight", "w\u20acight"] and t.X.tolist() == [[1, 2], [3, 4]]
    assert [t.line_of(i) for i in range(2)] == [2, 3]
    # not UTF-8 after a while: that piece and the rest are read as Latin-1
    path.write_bytes(b"x,y\n" + b"1,2\n" * 5000 + b"caf\xe9,3\n")
    monkeypatch.setattr(vqkit.io.source, "CHUNK_BYTES", 4096)
    err = pytest.raises(DataFileError, read_data, path).value
    assert "'caf\u00e9' is not a number" in str(err) and err.line == 5002


def test_huge_cell_is_quoted_short(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("x,y\n1," + "b" * 2_000_000 + "\n")
    err = pytest.raises(DataFileError, read_data, path).value
    assert (err.line, err.column) == (2, 2)
    assert str(err).startswith(
        f"{path}, line 2, column 2 ('y'): '{'b' * 40}'... (2000000 characters) is not a number"
    )
    assert len(str(err)) < 300
    # a quoted one beyond the csv module's limit, a huge header name
    path.write_text('x,y\n1,"' + "c" * 200_000 + '"\n2,3\n')
    err = pytest.raises(DataFileError, read_data, path).value
    assert err.line == 2 and len(str(err)) < 300
    path.write_text("a" * 100_000 + ",y\n1,\n")
    err = pytest.raises(DataFileError, read_data, path).value
    assert "missing value" in str(err) and len(str(err)) < 300
    path.write_text("x" * 100_000 + ",y\n1,2\n")
    err = pytest.raises(DataFileError, read_data, path, columns=["q" * 100_000]).value
    assert len(str(err)) < 600


def test_closed_stdin():
    stream = io.BytesIO(b"1,2\n")
    stream.close()
    err = pytest.raises(DataFileError, read_data, "-", stdin=stream).value
    assert str(err) == "<stdin>: standard input is closed; pipe the data in or give a file name"


# ----------------------------------------------------------------------
# memory


def _traced_peak(path):
    tracemalloc.start()
    try:
        table = read_data(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return table, peak


@pytest.mark.parametrize("name", ["big.csv", "big.csv.gz"])
def test_reading_text_takes_at_most_about_twice_the_array(tmp_path, name):
    """Issue 15: a 1M-row CSV took 139 MiB beyond its 15 MiB array.  The
    reader keeps blocks of numbers and one piece of text: its peak is the
    array, the blocks it is joined from, and one block of text."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400_000, 2))
    path = tmp_path / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "wt") as fh:
        np.savetxt(fh, X, delimiter=",", header="a,b", comments="", fmt="%.17g")
    table, peak = _traced_peak(path)
    np.testing.assert_array_equal(table.X, X)
    assert peak < 2.5 * table.X.nbytes, (peak / 2**20, table.X.nbytes / 2**20)


def test_memory_of_a_file_with_quotes_and_drops(tmp_path):
    lines = ["a,b"] + [f'"{i}",{i % 7}' if i % 1000 else f"{i},NA" for i in range(300_000)]
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(lines) + "\n")
    tracemalloc.start()
    try:
        table = read_data(path, missing="drop")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.n_dropped == 300 and table.X.shape == (299_700, 2)
    assert peak < 2.5 * table.X.nbytes + (4 << 20), peak / 2**20


# ----------------------------------------------------------------------
# decompression bombs


def _bomb(path, opener, n_bytes=4 << 20):
    with opener(path, "wb") as fh:
        fh.write(b"x,y\n")
        line = b"0,0\n" * (1 << 14)
        for _ in range(n_bytes // len(line)):
            fh.write(line)
    return path


@pytest.mark.parametrize(
    "suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)]
)
def test_decompression_bomb_stops_at_the_limit(tmp_path, suffix, opener):
    path = _bomb(tmp_path / f"bomb.csv{suffix}", opener)
    assert path.stat().st_size < 40_000
    err = pytest.raises(DataFileError, read_data, path, max_expanded_size=1 << 20).value
    assert str(err).startswith(f"{path}: expands to more than 1 MiB when decompressed")
    assert "--max-expanded-size" in str(err) and "decompression bomb" in str(err)
    assert read_data(path, max_expanded_size=8 << 20).X.shape == (1 << 20, 2)


def test_automatic_limit_is_a_ratio_above_a_floor(tmp_path, monkeypatch):
    path = _bomb(tmp_path / "bomb.csv.gz", gzip.open, 2 << 20)
    monkeypatch.setattr(vqkit.io.source, "AUTO_EXPANDED_FLOOR", 1 << 20)
    err = pytest.raises(DataFileError, read_data, path).value
    assert "100 times the compressed size" in str(err) and "--max-expanded-size" in str(err)
    monkeypatch.setattr(vqkit.io.source, "AUTO_EXPANDED_FLOOR", 4 << 20)
    assert read_data(path).X.shape[0] == 1 << 19
    # an ordinary compressed file is far below the ratio
    ordinary = tmp_path / "ordinary.csv.gz"
    with gzip.open(ordinary, "wt") as fh:
        np.savetxt(fh, np.random.default_rng(0).normal(size=(20_000, 3)), delimiter=",")
    monkeypatch.setattr(vqkit.io.source, "AUTO_EXPANDED_FLOOR", 0)
    assert read_data(ordinary).X.shape == (20_000, 3)


def test_npz_bomb(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, a=np.zeros((1 << 18, 4)))
    assert path.stat().st_size < 40_000
    err = pytest.raises(DataFileError, read_data, path, max_expanded_size=1 << 20).value
    assert str(err).startswith(f"{path} (array 'a'): expands to more than 1 MiB")
    assert "--max-expanded-size" in str(err)
    assert read_data(path).X.shape == (1 << 18, 4)  # 8 MiB: within the automatic limit


def test_parquet_that_declares_more_than_the_limit(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "zeros.parquet"
    pq.write_table(pa.table({"a": np.zeros(1 << 18)}), path)
    err = pytest.raises(DataFileError, read_data, path, max_expanded_size=1 << 20).value
    assert "--max-expanded-size" in str(err)
    assert read_data(path).X.shape == (1 << 18, 1)


def test_bad_limit():
    with pytest.raises(ValueError, match="max_expanded_size"):
        read_data("x.csv", max_expanded_size=-1)


# ----------------------------------------------------------------------
# random and damaged binary files


def _valid_files(tmp_path):
    rng = np.random.default_rng(0)
    files = {}
    for name, save in (("plain.npz", np.savez), ("small.npz", np.savez_compressed)):
        path = tmp_path / name
        save(path, a=rng.normal(size=(30, 3)))
        files[name] = path.read_bytes()
    np.save(tmp_path / "a.npy", rng.normal(size=(30, 3)))
    files["a.npy"] = (tmp_path / "a.npy").read_bytes()
    np.save(tmp_path / "f.npy", np.asfortranarray(rng.normal(size=(30, 3)).astype(np.float32)))
    files["f.npy"] = (tmp_path / "f.npy").read_bytes()
    return files


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    return _valid_files(tmp_path_factory.mktemp("valid"))


@_SETTINGS
@given(data=st.data())
def test_damaged_binary_files(tmp_path, valid_files, data):
    name = data.draw(st.sampled_from(sorted(valid_files)))
    raw = bytearray(valid_files[name])
    how = data.draw(st.sampled_from(["truncate", "flip", "overwrite", "random"]))
    if how == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif how == "flip":
        for i in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=8)):
            raw[i] ^= data.draw(st.integers(1, 255))
    elif how == "overwrite":
        at = data.draw(st.integers(0, len(raw) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=64))
        raw[at : at + len(patch)] = patch
    else:
        raw = bytearray(raw[: data.draw(st.sampled_from([0, 6, 10, 4]))]) + data.draw(
            st.binary(max_size=300)
        )
    path = tmp_path / name
    path.write_bytes(bytes(raw))
    _check_outcome(_read(path, missing="drop"), path, text=False)


def test_npz_with_members_that_lie(tmp_path):
    header = np.lib.format.header_data_from_array_1_0(np.ones((2, 2)))
    header["shape"] = (2**40, 2)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    cases = {
        "huge": (buf.getvalue() + b"\0" * 32, "declares 17592186044416 bytes"),
        "text": (b"hello", "cannot read it"),
        "object": (None, "Python objects"),
    }
    for name, (content, fragment) in cases.items():
        path = tmp_path / f"{name}.npz"
        if content is None:
            obj = io.BytesIO()
            np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
            content = obj.getvalue()
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("a.npy", content)
        err = pytest.raises(DataFileError, read_data, path).value
        assert fragment in str(err) and str(err).startswith(f"{path} (array 'a')"), str(err)
    # a stored member that says it is larger than the archive
    path = tmp_path / "big.npz"
    np.savez(path, a=np.ones((4, 2)))
    raw = bytearray(path.read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 20 : central + 28] = (2**31).to_bytes(4, "little") * 2
    path.write_bytes(bytes(raw))
    _check_outcome(_read(path), path, text=False)


# ----------------------------------------------------------------------
# integers beyond float64's exact range


def test_integers_beyond_2_53_become_the_nearest_float(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    values = [2**53 + 1, -(2**63), 2**63 - 1, 3]
    path = tmp_path / "ints.parquet"
    pq.write_table(
        pa.table(
            {
                "i": pa.array(values, pa.int64()),
                "u": pa.array([2**64 - 1, 0, 1, 2**53 + 3], pa.uint64()),
            }
        ),
        path,
    )
    t = read_data(path)
    expected = np.array([values, [2**64 - 1, 0, 1, 2**53 + 3]], dtype=object).T
    np.testing.assert_array_equal(t.X, np.array(expected.tolist(), dtype=np.float64))
    assert t.X[0, 0] == 2.0**53
    # the same numbers in .npy and text read the same
    np.save(tmp_path / "ints.npy", np.array(values, dtype=np.int64).reshape(-1, 1))
    np.testing.assert_array_equal(read_data(tmp_path / "ints.npy").X, t.X[:, :1])
    (tmp_path / "ints.csv").write_text("\n".join(str(v) for v in values) + "\n")
    np.testing.assert_array_equal(read_data(tmp_path / "ints.csv").X, t.X[:, :1])


def test_text_decoders_are_not_confused_by_boms(tmp_path):
    path = tmp_path / "bom16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "x,y\n1,2\n".encode("utf-16-le"))
    assert read_data(path).X.tolist() == [[1, 2]]
    path.write_bytes(codecs.BOM_UTF16_LE + b"x\x00,")  # odd number of bytes
    err = pytest.raises(DataFileError, read_data, path).value
    assert "not valid UTF-16" in str(err)


def test_binary_file_named_csv_is_recognised_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(vqkit.io.source, "CHUNK_BYTES", 3)
    path = tmp_path / "b.csv"
    path.write_bytes(b"1,2\n" + b"\x00" * 10)
    assert "binary file" in str(pytest.raises(DataFileError, read_data, path).value)
    _ = os  # the module is used by the fixtures of other tests
