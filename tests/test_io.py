"""vqkit.io: reading data files (text, npy, npz, Parquet, stdin) and writing results."""

import codecs
import gzip
import io
import os

import numpy as np
import pytest

import vqkit.io.binary
import vqkit.io.read
import vqkit.io.text
import vqkit.io.writing
from helpers import break_np_save
from vqkit.io import DataFileError, read_data, write_codes, write_labels, write_matrix

X3 = [[1.0, 2.0], [3.0, 4.5], [-5.0, 6e-3]]


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def _error(path, **kwargs):
    with pytest.raises(DataFileError) as info:
        read_data(path, **kwargs)
    return info.value


# ----------------------------------------------------------------------
# text variants


@pytest.mark.parametrize(
    "name, content, delimiter, header",
    [
        ("plain.csv", "x,y\n1,2\n3,4.5\n-5,6e-3\n", ",", True),
        ("nohead.csv", "1,2\n3,4.5\n-5,6e-3\n", ",", False),
        ("semi.csv", "x;y\n1;2\n3;4.5\n-5;6e-3\n", ";", True),
        ("tabs.tsv", "x\ty\n1\t2\n3\t4.5\n-5\t6e-3\n", "\t", True),
        ("spaces.txt", "x y\n 1   2\n3 4.5\n-5\t 6e-3\n", " ", True),
        ("spaced.csv", "x, y\n1, 2\n3 ,4.5\n -5 , 6e-3 \n", ",", True),
        ("quoted.csv", '"x","y"\n"1",2\n3,"4.5"\n"-5","6e-3"\n', ",", True),
        ("bom.csv", "\ufeffx,y\n1,2\n3,4.5\n-5,6e-3\n", ",", True),
        ("crlf.csv", "x,y\r\n1,2\r\n3,4.5\r\n-5,6e-3\r\n", ",", True),
        ("cr.csv", "x,y\r1,2\r3,4.5\r-5,6e-3\r", ",", True),
        ("noeol.csv", "x,y\n1,2\n3,4.5\n-5,6e-3", ",", True),
        ("blank.csv", "\n\nx,y\n\n1,2\n3,4.5\n   \n-5,6e-3\n\n\n", ",", True),
        ("comments.csv", "# made by hand\nx,y\n1,2\n# a comment\n3,4.5\n-5,6e-3\n", ",", True),
        ("noext", "x,y\n1,2\n3,4.5\n-5,6e-3\n", ",", True),
        ("upper.CSV", "x,y\n1,2\n3,4.5\n-5,6e-3\n", ",", True),
        ("data.dat", "x y\n1 2\n3 4.5\n-5 6e-3\n", " ", True),
    ],
)
def test_text_variants(tmp_path, name, content, delimiter, header):
    t = read_data(_write(tmp_path, name, content))
    assert t.X.tolist() == X3
    assert t.X.dtype == np.float64
    assert t.delimiter == delimiter
    assert t.header is header
    assert t.columns == (["x", "y"] if header else None)
    assert t.format == "text"
    assert t.n_dropped == 0


def test_utf16_with_bom(tmp_path):
    raw = codecs.BOM_UTF16_LE + "x,y\r\n1,2\r\n3,4.5\r\n-5,6e-3\r\n".encode("utf-16-le")
    t = read_data(_write(tmp_path, "u16.csv", raw))
    assert t.X.tolist() == X3 and t.columns == ["x", "y"]


def test_gzip(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"x,y\n1,2\n3,4.5\n-5,6e-3\n")
    assert read_data(path).X.tolist() == X3


def test_savetxt_header_names_the_columns(tmp_path):
    path = tmp_path / "saved.txt"
    np.savetxt(path, np.array(X3), header="x y")
    t = read_data(path)
    assert t.columns == ["x", "y"] and t.header is False
    np.testing.assert_array_equal(t.X, X3)


def test_single_column(tmp_path):
    t = read_data(_write(tmp_path, "one.csv", "value\n1\n2.5\n"))
    assert t.X.tolist() == [[1.0], [2.5]] and t.columns == ["value"]


def test_index_column_with_empty_header_name(tmp_path):
    # pandas' to_csv writes an unnamed index column
    # (and R's write.csv its quoted row names): row ids, not a feature
    path = _write(tmp_path, "pd.csv", ",a,b\n0,1,2\n1,3,4\n")
    t = read_data(path)
    assert t.columns == ["a", "b"] and t.X.tolist() == [[1, 2], [3, 4]]
    assert t.id_column == "" and t.row_ids.tolist() == ["0", "1"]
    assert read_data(path, columns="a,b").X.tolist() == [[1, 2], [3, 4]]
    t = read_data(path, id_column=False)
    assert t.columns == ["", "a", "b"] and t.row_ids is None


def test_quoted_field_with_delimiter_in_header(tmp_path):
    path = _write(tmp_path, "q.csv", '"height, cm","weight"\n1,2\n3,4\n')
    t = read_data(path)
    assert t.columns == ["height, cm", "weight"]
    assert t.X.tolist() == [[1, 2], [3, 4]]


def test_quoted_r_style_file(tmp_path):
    # R's write.csv quotes the row names
    path = _write(tmp_path, "r.csv", '"","x","y"\n"1",1.5,2\n"2",3,"4"\n')
    t = read_data(path, columns="x,y")
    assert t.X.tolist() == [[1.5, 2.0], [3.0, 4.0]]


def test_delimiter_and_header_overrides(tmp_path):
    path = _write(tmp_path, "d.txt", "1|2\n3|4\n")
    assert read_data(path, delimiter="|").X.tolist() == [[1, 2], [3, 4]]
    path = _write(tmp_path, "t.txt", "1\t2\n3\t4\n")
    assert read_data(path, delimiter="tab").X.tolist() == [[1, 2], [3, 4]]
    assert read_data(path, delimiter="\\t").X.tolist() == [[1, 2], [3, 4]]
    assert read_data(path, delimiter="whitespace").X.tolist() == [[1, 2], [3, 4]]
    # a first line that names the columns with numbers
    path = _write(tmp_path, "years.csv", "2019,2020\n1,2\n3,4\n")
    assert read_data(path).X.shape == (3, 2)
    t = read_data(path, header=True)
    assert t.columns == ["2019", "2020"] and t.X.tolist() == [[1, 2], [3, 4]]
    # and a file with text in its first line read as data
    path = _write(tmp_path, "h.csv", "x,y\n1,2\n")
    err = _error(path, header=False)
    assert (err.line, err.column) == (1, 1)


def test_bad_delimiter_option(tmp_path):
    path = _write(tmp_path, "a.csv", "1,2\n")
    err = _error(path, delimiter="ab")
    assert err.option == "delimiter"


def test_decimal_comma_with_semicolons(tmp_path):
    err = _error(_write(tmp_path, "eu.csv", "x;y\n1,5;2\n3;4\n"))
    assert (err.line, err.column, err.column_name) == (2, 1, "x")
    assert "decimal commas" in str(err)


def test_stdin():
    t = read_data("-", stdin=io.BytesIO(b"x\ty\n1\t2\n3\t4\n"))
    assert t.X.tolist() == [[1, 2], [3, 4]]
    assert t.path == "<stdin>"
    err = _error("-", stdin=io.BytesIO(b"x,y\n1,2\n3,zz\n"))
    assert str(err).startswith("<stdin>, line 3, column 2 ('y'): 'zz' is not a number")
    err = _error("-", stdin=io.BytesIO(b""))
    assert "empty" in str(err)


# ----------------------------------------------------------------------
# columns


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("x,z", [[1, 3], [4, 6]]),
        (["z", "x"], [[3, 1], [6, 4]]),
        ("0,2", [[1, 3], [4, 6]]),
        ([2, 0], [[3, 1], [6, 4]]),
        (1, [[2], [5]]),
        ("-1", [[3], [6]]),
        ("1:", [[2, 3], [5, 6]]),
        (":2", [[1, 2], [4, 5]]),
        ("0:3", [[1, 2, 3], [4, 5, 6]]),
        ("x, 1:3", [[1, 2, 3], [4, 5, 6]]),
    ],
)
def test_columns(tmp_path, spec, expected):
    path = _write(tmp_path, "c.csv", "x,y,z\n1,2,3\n4,5,6\n")
    t = read_data(path, columns=spec)
    assert t.X.tolist() == expected
    names = {"x": 0, "y": 1, "z": 2}
    assert [names[c] for c in t.columns] == [[1, 2, 3].index(int(v)) for v in t.X[0]]


def test_columns_skip_text_columns(tmp_path):
    path = _write(tmp_path, "people.csv", "id,name,h,w\n1,ann,1.6,60\n2,bob,1.8,80\n")
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (2, 2, "name")
    assert "'ann' is not a number" in str(err) and "--columns" in str(err)
    assert read_data(path, columns="h,w").X.tolist() == [[1.6, 60], [1.8, 80]]


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("q", "no column named 'q'; the columns are: 'x', 'y', 'z'"),
        ("5", "column index 5 is out of range: there are 3 columns"),
        ("-4", "column index -4 is out of range"),
        ("2:1", "selects no column"),
        (",", "no columns selected"),
    ],
)
def test_bad_columns(tmp_path, spec, fragment):
    path = _write(tmp_path, "c.csv", "x,y,z\n1,2,3\n")
    err = _error(path, columns=spec)
    assert fragment in str(err)
    assert err.option == "columns"
    assert str(path) in str(err)


def test_column_name_without_header(tmp_path):
    err = _error(_write(tmp_path, "c.csv", "1,2\n"), columns="x")
    assert "has no column names" in str(err) and err.option == "columns"


# ----------------------------------------------------------------------
# bad text files


def test_ragged_row(tmp_path):
    path = _write(tmp_path, "r.csv", "x,y,z\n1,2,3\n\n4,5\n6,7,8\n")
    err = _error(path)
    assert err.line == 4 and err.column is None
    assert str(err) == (
        f"{path}, line 4: expected 3 fields, like the header on line 1, but found 2 "
        "(delimiter ','); every row needs the same number of fields"
    )


def test_ragged_row_without_header(tmp_path):
    err = _error(_write(tmp_path, "r.txt", "1 2\n3 4\n5 6 7\n"))
    assert err.line == 3
    assert "expected 2 fields, like the first data line, but found 3" in str(err)


def test_ragged_row_with_quotes(tmp_path):
    err = _error(_write(tmp_path, "r.csv", '"x","y"\n1,2\n3,4,5\n'))
    assert err.line == 3 and "found 3" in str(err)


def test_trailing_delimiter_is_ragged(tmp_path):
    err = _error(_write(tmp_path, "t.csv", "x,y\n1,2,\n"))
    assert err.line == 2 and "found 3" in str(err)


@pytest.mark.parametrize("quoted", [False, True])
def test_non_numeric_cell(tmp_path, quoted):
    q = '"' if quoted else ""
    content = f"{q}a{q},{q}b{q}\n1,2\n\n# note\n3,{q}4x{q}\n"
    path = _write(tmp_path, "n.csv", content)
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (5, 2, "b")
    assert str(err).startswith(f"{path}, line 5, column 2 ('b'): '4x' is not a number")
    assert err.path == str(path)


def test_first_line_with_text_and_numbers_is_a_header(tmp_path):
    # any text makes the first line a header (pandas' rule), numbers in it or not
    path = _write(tmp_path, "h.csv", "id,2020\n1,2\n")
    t = read_data(path)
    assert t.header and t.columns == ["2020"] and t.X.tolist() == [[2.0]]
    assert t.id_column == "id" and t.row_ids.tolist() == ["1"]
    assert "it has text: 'id'" in t.header_reason
    err = _error(path, header=False)  # told otherwise: the text is not a number
    assert err.line == 1 and "'id' is not a number" in str(err)


@pytest.mark.parametrize("token", ["", "NA", "nan", "NaN", "null", "N/A", "None"])
def test_missing_value_error(tmp_path, token):
    path = _write(tmp_path, "m.csv", f"x,y\n1,2\n3,{token}\n5,6\n")
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (3, 2, "y")
    assert "missing value" in str(err) and "--missing drop" in str(err)


def test_missing_value_drop(tmp_path):
    path = _write(tmp_path, "m.csv", "x,y\n1,2\n3,\nNA,4\n5,6\n,\n7,8\n")
    t = read_data(path, missing="drop")
    assert t.X.tolist() == [[1, 2], [5, 6], [7, 8]]
    assert t.n_dropped == 3 and t.dropped == [3, 4, 6]
    assert [t.line_of(i) for i in range(3)] == [2, 5, 7]
    assert t.where(1) == "line 5"


def test_missing_only_in_unselected_column_is_fine(tmp_path):
    path = _write(tmp_path, "m.csv", "x,y,note\n1,2,\n3,4,NA\n")
    assert read_data(path, columns="x,y").X.tolist() == [[1, 2], [3, 4]]


def test_all_rows_dropped(tmp_path):
    err = _error(_write(tmp_path, "m.csv", "x,y\n1,\n,2\n"), missing="drop")
    assert "no rows left" in str(err) and "line 2" in str(err)


def test_infinity_is_an_error(tmp_path):
    err = _error(_write(tmp_path, "i.csv", "x,y\n1,2\n-inf,4\n"), missing="drop")
    assert (err.line, err.column) == (3, 1) and "not a finite number" in str(err)


def test_underscore_numbers_are_not_numbers(tmp_path):
    err = _error(_write(tmp_path, "u.csv", "x\n1_000\n"))
    assert err.line == 2


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("", "the file is empty"),
        ("\n \n\n", "the file is empty"),
        ("# only a comment\n", "no data lines"),
        ("x,y\n", "header line but no data lines"),
        ("x,y\n\n\n", "header line but no data lines"),
    ],
)
def test_empty_files(tmp_path, content, fragment):
    path = _write(tmp_path, "e.csv", content)
    err = _error(path)
    assert fragment in str(err) and str(err).startswith(str(path))


def test_binary_file_named_csv(tmp_path):
    err = _error(_write(tmp_path, "img.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert "binary file" in str(err)


def test_missing_file_and_directory(tmp_path):
    err = _error(tmp_path / "nope.csv")
    assert str(err) == f"{tmp_path / 'nope.csv'}: no such file"
    err = _error(tmp_path)
    assert "is a directory" in str(err)
    (tmp_path / "d.npy").mkdir()
    assert "is a directory" in str(_error(tmp_path / "d.npy"))


def test_permission_denied(tmp_path, monkeypatch):
    path = _write(tmp_path, "p.csv", "1,2\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.R_OK else real(p, mode))
    assert "permission denied" in str(_error(path))


def test_permission_denied_when_opening(tmp_path, monkeypatch):
    path = _write(tmp_path, "p.csv", "1,2\n")

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", deny)
    assert str(_error(path)) == f"{path}: permission denied"


@pytest.mark.parametrize("name", ["data.json", "data.xlsx", "data.h5", "img.png"])
def test_unknown_extension(tmp_path, name):
    err = _error(_write(tmp_path, name, "1,2\n"))
    assert "unsupported file type" in str(err)
    for supported in (".csv", ".tsv", ".npy", ".npz", ".parquet", "'-'"):
        assert supported in str(err)


def test_missing_policy_is_checked(tmp_path):
    with pytest.raises(ValueError, match="missing must be one of"):
        read_data(_write(tmp_path, "a.csv", "1\n"), missing="zero")


# ----------------------------------------------------------------------
# large files: the block parser and the exact scan agree


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(vqkit.io.text, "_TEXT_BLOCK", 7)


def test_blocks_give_the_same_numbers(tmp_path, small_blocks):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    path = tmp_path / "big.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
    t = read_data(path)
    np.testing.assert_array_equal(t.X, X)
    assert t.line_of(99) == 101


def test_errors_and_drops_in_later_blocks(tmp_path, small_blocks):
    lines = ["a,b"] + [f"{i},{i + 0.5}" for i in range(60)]
    lines[33] = "32,"  # line 34: missing
    lines[50] = "49,NA"  # line 51: missing
    path = _write(tmp_path, "b.csv", "\n".join(lines) + "\n")
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (34, 2, "b")
    t = read_data(path, missing="drop")
    assert t.n_dropped == 2 and t.dropped == [34, 51]
    assert t.X.shape == (58, 2)
    assert t.line_of(31) == 33 and t.line_of(32) == 35 and t.line_of(57) == 61
    lines[40] = "39,x"
    err = _error(_write(tmp_path, "b2.csv", "\n".join(lines) + "\n"), missing="drop")
    assert (err.line, err.column) == (41, 2) and "'x' is not a number" in str(err)


def test_large_file_error_position(tmp_path):
    # more lines than one parser block
    n = vqkit.io.text._TEXT_BLOCK + 1000
    body = "".join(f"{i},{i % 7}\n" for i in range(n))
    path = _write(tmp_path, "large.csv", "u,v\n" + body + "1,oops\n")
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (n + 2, 2, "v")
    assert read_data(path, columns="u").X.shape == (n + 1, 1)


# ----------------------------------------------------------------------
# .npy and .npz


def test_npy(tmp_path):
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / "a.npy", X)
    t = read_data(tmp_path / "a.npy")
    assert t.X.dtype == np.float32 and isinstance(t.X, np.memmap)
    np.testing.assert_array_equal(t.X, X)
    assert t.format == "npy" and t.columns is None
    assert read_data(tmp_path / "a.npy", columns="2,0").X.tolist() == [
        [2, 0],
        [5, 3],
        [8, 6],
        [11, 9],
    ]


def test_npy_shapes_and_dtypes(tmp_path):
    np.save(tmp_path / "v.npy", np.array([1, 2, 3]))
    t = read_data(tmp_path / "v.npy")
    assert t.X.shape == (3, 1) and t.X.dtype == np.float64
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    assert "expected a 2-D array" in str(_error(tmp_path / "cube.npy"))
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    assert "not real numbers" in str(_error(tmp_path / "s.npy"))
    np.save(tmp_path / "o.npy", np.array([{}, 1], dtype=object), allow_pickle=True)
    assert "no pickle" in str(_error(tmp_path / "o.npy"))
    np.save(tmp_path / "e.npy", np.zeros((0, 3)))
    assert "has no data" in str(_error(tmp_path / "e.npy"))


def test_npy_missing_values(tmp_path):
    X = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0]])
    np.save(tmp_path / "m.npy", X)
    err = _error(tmp_path / "m.npy")
    assert (err.row, err.column) == (2, 2)
    assert str(err).startswith(f"{tmp_path / 'm.npy'}, row 2, column 2: missing value (NaN")
    t = read_data(tmp_path / "m.npy", missing="drop")
    assert t.X.tolist() == [[1, 2], [5, 6]] and t.dropped == [2] and t.where(1) == "row 2"
    X[0, 0] = np.inf
    np.save(tmp_path / "i.npy", X)
    err = _error(tmp_path / "i.npy", missing="drop")
    assert (err.row, err.column) == (1, 1) and "infinite" in str(err)


def test_npy_missing_value_in_selected_column_reports_file_column(tmp_path):
    X = np.array([[1.0, 2.0, np.nan]])
    np.save(tmp_path / "m.npy", X)
    assert read_data(tmp_path / "m.npy", columns="0:2").X.tolist() == [[1, 2]]
    err = _error(tmp_path / "m.npy", columns="2")
    assert err.column == 3


def test_damaged_npy(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((10, 10)))
    (tmp_path / "cut.npy").write_bytes((tmp_path / "a.npy").read_bytes()[:100])
    assert "not a valid .npy file" in str(_error(tmp_path / "cut.npy"))
    _write(tmp_path, "text.npy", "1,2\n")
    assert "not a valid .npy file" in str(_error(tmp_path / "text.npy"))
    _write(tmp_path, "zero.npy", b"")
    assert "the file is empty" in str(_error(tmp_path / "zero.npy"))


def test_npz(tmp_path):
    np.savez(tmp_path / "one.npz", points=np.array(X3))
    assert read_data(tmp_path / "one.npz").X.tolist() == X3
    np.savez(tmp_path / "two.npz", train=np.array(X3), test=np.zeros((2, 2)))
    err = _error(tmp_path / "two.npz")
    assert err.option == "key"
    assert "holds 2 arrays ('train', 'test'); choose one with --key" in str(err)
    assert read_data(tmp_path / "two.npz", key="test").X.tolist() == [[0, 0], [0, 0]]
    err = _error(tmp_path / "two.npz", key="valid")
    assert err.option == "key" and "no array named 'valid'; it holds: 'train', 'test'" in str(err)
    np.savez(tmp_path / "none.npz")
    assert "holds no arrays" in str(_error(tmp_path / "none.npz"))
    np.savez(tmp_path / "nan.npz", a=np.array([[1.0], [np.nan]]))
    err = _error(tmp_path / "nan.npz")
    assert "(array 'a'), row 2, column 1" in str(err)


def test_npz_ignores_vqkit_metadata(tmp_path):
    from vqkit import Codebook

    Codebook([[0.0, 1.0], [2.0, 3.0]]).save(tmp_path / "cb.npz")
    assert read_data(tmp_path / "cb.npz").X.tolist() == [[0, 1], [2, 3]]


def test_key_and_delimiter_only_where_they_apply(tmp_path):
    path = _write(tmp_path, "a.csv", "1,2\n")
    assert _error(path, key="a").option == "key"
    np.save(tmp_path / "a.npy", np.ones((2, 2)))
    assert _error(tmp_path / "a.npy", delimiter=",").option == "delimiter"


def test_not_an_npz(tmp_path):
    _write(tmp_path, "bad.npz", "hello\n")
    assert "not a valid .npz file" in str(_error(tmp_path / "bad.npz"))
    np.save(tmp_path / "arr.npy", np.ones(3))
    os.rename(tmp_path / "arr.npy", tmp_path / "arr.npz")
    assert "bare .npy array" in str(_error(tmp_path / "arr.npz"))


# ----------------------------------------------------------------------
# Parquet


@pytest.fixture
def parquet_file(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], pa.int64()),
            "name": ["a", "b", "c", "d"],
            "x": pa.array([0.5, 1.5, None, 3.5], pa.float64()),
            "y": pa.array([1.0, 2.0, 3.0, 4.0], pa.float32()),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    return path


def test_parquet(parquet_file):
    t = read_data(parquet_file, columns="id,y")
    assert t.X.tolist() == [[1, 1], [2, 2], [3, 3], [4, 4]]
    assert t.columns == ["id", "y"] and t.format == "parquet"
    assert read_data(parquet_file, columns="3,0").columns == ["y", "id"]


def test_parquet_errors(parquet_file):
    err = _error(parquet_file)
    assert (err.column, err.column_name) == (2, "name")
    assert "string" in str(err) and "--columns" in str(err)
    err = _error(parquet_file, columns="x,y")
    assert (err.row, err.column, err.column_name) == (3, 3, "x")
    assert "missing value" in str(err)
    t = read_data(parquet_file, columns="x,y", missing="drop")
    assert t.X.tolist() == [[0.5, 1], [1.5, 2], [3.5, 4]] and t.dropped == [3]
    err = _error(parquet_file, columns="z")
    assert err.option == "columns" and "'id', 'name', 'x', 'y'" in str(err)


def test_not_a_parquet_file(tmp_path):
    pytest.importorskip("pyarrow")
    _write(tmp_path, "bad.parquet", "x,y\n1,2\n")
    assert "not a valid Parquet file" in str(_error(tmp_path / "bad.parquet"))


def test_parquet_without_pyarrow(tmp_path, monkeypatch):
    def missing():
        raise ImportError(
            "reading Parquet files needs pyarrow; install it with pip install 'vqkit[io]'"
        )

    monkeypatch.setattr(vqkit.io.binary, "_import_pyarrow_parquet", missing)
    _write(tmp_path, "t.pq", b"PAR1")
    err = _error(tmp_path / "t.pq")
    assert "pip install 'vqkit[io]'" in str(err)


def test_import_message_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ImportError, match=r"pip install 'vqkit\[io\]'"):
        vqkit.io.binary._import_pyarrow_parquet()


# ----------------------------------------------------------------------
# writing


def test_write_labels(tmp_path):
    labels = np.array([2, 0, 1, 1], dtype=np.int32)
    write_labels(tmp_path / "l.txt", labels)
    assert (tmp_path / "l.txt").read_text() == "2\n0\n1\n1\n"
    write_labels(tmp_path / "l.csv", labels)
    assert (tmp_path / "l.csv").read_text() == "row,label\n0,2\n1,0\n2,1\n3,1\n"
    write_labels(tmp_path / "l.npy", labels)
    np.testing.assert_array_equal(np.load(tmp_path / "l.npy"), labels)
    # what was written reads back
    assert read_data(tmp_path / "l.csv", columns="label").X.ravel().tolist() == [2, 0, 1, 1]


def test_write_labels_to_stdout(capsys):
    write_labels("-", [1, 0])
    assert capsys.readouterr().out == "1\n0\n"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_write_matrix_round_trip(tmp_path, dtype):
    rng = np.random.default_rng(1)
    C = (rng.normal(size=(5, 3)) * 10.0 ** rng.integers(-8, 8, size=(5, 3))).astype(dtype)
    write_matrix(tmp_path / "c.csv", C, ["a", "b,c", "d"])
    text = (tmp_path / "c.csv").read_text()
    assert text.splitlines()[0] == 'a,"b,c",d'
    back = read_data(tmp_path / "c.csv")
    assert back.columns == ["a", "b,c", "d"]
    np.testing.assert_array_equal(back.X.astype(dtype), C)
    write_matrix(tmp_path / "c.npy", C)
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), C)
    write_matrix(tmp_path / "d.csv", C)
    assert (tmp_path / "d.csv").read_text().startswith("x0,x1,x2\n")


def test_write_matrix_rows(tmp_path):
    C = np.array([[0.5, 1.0], [2.0, -3.25]])
    write_matrix(tmp_path / "r.csv", C, rows=np.array([1, 0, 1]))
    assert (tmp_path / "r.csv").read_text() == "x0,x1\n2.0,-3.25\n0.5,1.0\n2.0,-3.25\n"
    write_matrix(tmp_path / "r.npy", C, rows=np.array([1, 1]))
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), C[[1, 1]])


def test_write_codes(tmp_path):
    codes = np.array([3, 0, 255], dtype=np.uint8)
    write_codes(tmp_path / "c.npy", codes)
    back = np.load(tmp_path / "c.npy")
    assert back.dtype == np.uint8 and back.tolist() == [3, 0, 255]
    write_codes(tmp_path / "c.txt", codes)
    assert (tmp_path / "c.txt").read_text() == "3\n0\n255\n"


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "labels.npy"
    out.write_bytes(b"old")
    break_np_save(monkeypatch)
    with pytest.raises(OSError):
        write_labels(out, [1, 2])
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.npy"]


def test_npy_to_stdout_is_refused():
    with pytest.raises(ValueError, match="standard output"):
        vqkit.io.writing._write_npy("-", np.ones(1))


def test_docstring_examples():
    import doctest

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(vqkit.io.read, optionflags=flags)
    assert result.attempted >= 4 and result.failed == 0


# ----------------------------------------------------------------------
# properties: whatever the layout, the numbers and positions are exact

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 25))
    d = draw(st.integers(1, 4))
    values = draw(
        st.lists(
            st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=64), min_size=d, max_size=d),
            min_size=n,
            max_size=n,
        )
    )
    holes = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, d - 1)), max_size=4))
    delimiter = draw(st.sampled_from([",", ";", "\t", " "]))
    header = draw(st.booleans())
    blank_after = draw(st.sets(st.integers(0, n - 1), max_size=3))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quoted = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, d - 1)), max_size=5))
    return values, holes, delimiter, header, blank_after, newline, quoted


@settings(max_examples=60, deadline=None)
@given(_tables(), st.sampled_from([3, 1 << 16]))
def test_parser_property(tmp_path_factory, table, block):
    values, holes, delimiter, header, blank_after, newline, quoted = table
    d = len(values[0])
    if delimiter == " ":
        # whitespace-separated files cannot hold an empty cell (nor quotes, here)
        holes, quoted = set(), set()
    # a row of empty cells separated by tabs is a blank line, which is skipped
    holes = {(i, j) for i, j in holes if sum(h[0] == i for h in holes) < d}
    lines, line_of_row = [], []
    if header:
        lines.append(delimiter.join(f"c{j}" for j in range(d)))
    for i, row in enumerate(values):
        cells = ["" if (i, j) in holes else repr(v) for j, v in enumerate(row)]
        cells = [f'"{c}"' if (i, j) in quoted else c for j, c in enumerate(cells)]
        lines.append(delimiter.join(cells))
        line_of_row.append(len(lines))
        if i in blank_after:
            lines.append("")
    path = tmp_path_factory.mktemp("p") / "t.csv"
    path.write_bytes((newline.join(lines) + newline).encode())
    saved = vqkit.io.text._TEXT_BLOCK
    vqkit.io.text._TEXT_BLOCK = block
    try:
        if d == 1 and holes:
            return  # a lone empty cell is a blank line, which is skipped
        bad_rows = sorted({i for i, _ in holes})
        if bad_rows:
            first = min(holes)
            with pytest.raises(DataFileError) as info:
                read_data(path, delimiter=None if delimiter != " " else "whitespace")
            if d > 1:
                assert (info.value.line, info.value.column) == (
                    line_of_row[first[0]],
                    first[1] + 1,
                )
            kept = [i for i in range(len(values)) if i not in bad_rows]
            if not kept or d == 1:
                return
            t = read_data(path, missing="drop")
            assert t.X.tolist() == [values[i] for i in kept]
            assert t.dropped == [line_of_row[i] for i in bad_rows][:10]
            assert [t.line_of(r) for r in range(len(kept))] == [line_of_row[i] for i in kept]
        else:
            t = read_data(path)
            assert t.X.tolist() == values
            assert [t.line_of(r) for r in range(len(values))] == line_of_row
            assert t.header is header
    finally:
        vqkit.io.text._TEXT_BLOCK = saved


def test_quoted_delimiter_in_a_text_column(tmp_path):
    path = _write(
        tmp_path, "names.csv", 'name,x,y\n"Smith, J",1,2\n"Lee, K",3,4\n"Roe, A",5,"6"\n'
    )
    t = read_data(path, columns="x,y")
    assert t.X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert [t.line_of(i) for i in range(3)] == [2, 3, 4]
    err = _error(path)
    assert (err.line, err.column, err.column_name) == (2, 1, "name")
    assert "'Smith, J' is not a number" in str(err)


def test_quoted_ragged_and_missing(tmp_path):
    err = _error(_write(tmp_path, "r.csv", 'x,y\n"1","2"\n"3","4","5"\n'))
    assert err.line == 3 and "found 3" in str(err)
    err = _error(_write(tmp_path, "m.csv", 'x,y\n"1","2"\n"3",""\n'))
    assert (err.line, err.column) == (3, 2) and "missing value" in str(err)
    # a quoted field over two lines: the row starts on line 3
    err = _error(_write(tmp_path, "ml.csv", 'x,y\n1,2\n3,"4\n5"\n6,7\n'))
    assert err.line == 3 and err.column == 2


@pytest.mark.parametrize(
    "text, header",
    [
        ("0,1,2\n1.5,2.5,3.5\n", True),  # pandas' default names over floats
        ("0,1,2\n1,2,3\n4,5,6\n", True),  # ... over integers (three or more names)
        ("0,1\n1,0\n0,0\n", False),  # two whole numbers over whole numbers: data
        ("0,1\n1.5,2.5\n", True),  # ... over decimal rows: names
        (",0,1\n0,1,2\n1,3,4\n", True),  # pandas' index and names
        ("2019,2020\n1.5,2.0\n3e-05,4.25\n", True),  # years over decimal rows
        ("2019,2020\n1,2\n", False),  # years over whole numbers: data
        ("1.5,2.5\n3.5,4.5\n", False),  # np.savetxt, to_csv(header=False)
        ("2019,2020\n1.5,2\n", False),  # a whole number below: the line may be data
        ("NA,NA\n1,2\n", False),  # only missing values: a row with holes
    ],
)
def test_header_rule(tmp_path, text, header):
    t = read_data(_write(tmp_path, "r.csv", text), missing="drop")
    assert t.header is header, t.header_reason
    n_lines = text.count("\n")
    assert t.X.shape[0] + t.n_dropped == n_lines - header


def test_decimal_comma(tmp_path):
    path = _write(tmp_path, "c.csv", "a;b\n1,5;2\n-0,25;1e3\n")
    t = read_data(path, decimal=",")
    assert t.X.tolist() == [[1.5, 2.0], [-0.25, 1000.0]] and t.columns == ["a", "b"]
    with pytest.raises(DataFileError, match="decimal commas need another delimiter"):
        read_data(_write(tmp_path, "d.csv", "1,5\n"), decimal=",", delimiter=",")
    with pytest.raises(DataFileError, match="--decimal ,"):
        read_data(path)


def test_row_numbers_after_drop(tmp_path):
    path = _write(tmp_path, "m.csv", "x,y\n1,2\n\n# note\n3,\n5,6\nNA,1\n7,8\n")
    t = read_data(path, missing="drop")
    assert t.dropped_rows.tolist() == [1, 3]
    assert t.row_numbers().tolist() == [0, 2, 4]
    assert t.X.tolist() == [[1, 2], [5, 6], [7, 8]]
