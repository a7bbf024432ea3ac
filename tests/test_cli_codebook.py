"""``vqkit train-codebook``, ``vqkit encode`` and ``vqkit decode``: round trips and errors."""

import functools
import json
import subprocess
import sys

import numpy as np
import pytest

from cli_helpers import assert_error, invoke
from vqkit import Codebook

_assert_error = functools.partial(assert_error, stdout_empty=False)


def _vectors(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d))


V = _vectors()


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "vectors.npy"
    np.save(path, V)
    return path


@pytest.fixture
def codebook(tmp_path, data):
    path = tmp_path / "cb.npz"
    result = invoke(["train-codebook", data, "-k", 8, "-o", path, "--seed", 0, "-q"])
    assert result.exit_code == 0, result.output
    return path


def test_train_codebook(tmp_path, data):
    out = tmp_path / "cb.npz"
    result = invoke(["train-codebook", data, "-k", 16, "-o", out, "--seed", 0])
    assert result.exit_code == 0, result.output
    assert "Trained 16 code words x 3 features on 200 rows" in result.stdout
    assert "Bits per vector:   4" in result.stdout
    assert "Compression ratio: 48.0:1 against float64" in result.stdout
    assert "Mean squared error per vector:" in result.stdout
    assert f"Saved the code book to {out}" in result.stdout
    cb = Codebook.load(out)
    assert cb.k == 16 and cb.n_features == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.npz", "vectors.npy"]
    # same seed, same code book
    again = tmp_path / "again.npz"
    assert invoke(["train-codebook", data, "-k", 16, "-o", again, "--seed", 0, "-q"]).output == ""
    np.testing.assert_array_equal(Codebook.load(again).codewords, cb.codewords)


def test_train_codebook_json_and_minibatch(tmp_path, data):
    out = tmp_path / "mb.npz"
    result = invoke(
        [
            "train-codebook",
            data,
            "-k",
            4,
            "-o",
            out,
            "--method",
            "minibatch",
            "--seed",
            1,
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["k"] == 4 and doc["n_features"] == 3 and doc["bits_per_vector"] == 2
    assert doc["compression_ratio"] == 96.0 and doc["method"] == "minibatch"
    cb = Codebook.load(out)
    assert doc["mse_per_vector"] == pytest.approx(cb.distortion(V).mse_per_vector)


def test_train_codebook_from_csv_columns(tmp_path):
    path = tmp_path / "t.csv"
    rows = ["name,a,b"] + [f"p{i},{x!r},{y!r}" for i, (x, y) in enumerate(V[:, :2].tolist())]
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "cb.npz"
    result = invoke(["train-codebook", path, "-k", 3, "-o", out, "--columns", "a,b", "-q"])
    assert result.exit_code == 0, result.output
    assert Codebook.load(out).n_features == 2


def test_encode_decode_round_trip(tmp_path, data, codebook):
    codes = tmp_path / "codes.npy"
    result = invoke(["encode", data, "--codebook", codebook, "-o", codes])
    assert result.exit_code == 0, result.output
    assert "Encoded 200 rows" in result.stdout and "3 bits per vector" in result.stdout
    assert "Saved the codes (uint8)" in result.stdout
    got = np.load(codes)
    cb = Codebook.load(codebook)
    assert got.dtype == np.uint8 and got.shape == (200,)
    np.testing.assert_array_equal(got, cb.encode(V))

    approx = tmp_path / "approx.npy"
    result = invoke(["decode", codes, "--codebook", codebook, "-o", approx])
    assert result.exit_code == 0, result.output
    assert "Decoded 200 codes" in result.stdout
    back = np.load(approx)
    np.testing.assert_array_equal(back, cb.codewords[got])
    # every vector went to its nearest code word
    d2 = ((V[:, None, :] - cb.codewords[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(((V - back) ** 2).sum(axis=1), d2.min(axis=1))

    # and decoding is idempotent through encode
    codes2 = tmp_path / "codes2.npy"
    assert invoke(["encode", approx, "-b", codebook, "-o", codes2, "-q"]).exit_code == 0
    np.testing.assert_array_equal(np.load(codes2), got)


def test_text_codes_and_csv_output(tmp_path, data, codebook):
    codes = tmp_path / "codes.txt"
    assert invoke(["encode", data, "-b", codebook, "-o", codes, "-q"]).exit_code == 0
    values = [int(v) for v in codes.read_text().split()]
    assert len(values) == 200 and max(values) < 8
    out = tmp_path / "approx.csv"
    result = invoke(["decode", codes, "-b", codebook, "-o", out, "-q"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "x0,x1,x2" and len(lines) == 201
    back = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    cb = Codebook.load(codebook)
    np.testing.assert_array_equal(back, cb.codewords[values])


def test_stdin_and_stdout(tmp_path, codebook):
    text = "\n".join(",".join(repr(v) for v in row) for row in V.tolist()) + "\n"
    result = invoke(["encode", "-", "-b", codebook, "-o", "-"], input=text)
    assert result.exit_code == 0, result.output
    values = [int(v) for v in result.stdout.split()]
    np.testing.assert_array_equal(values, Codebook.load(codebook).encode(V))
    result = invoke(["decode", "-", "-b", codebook, "-o", "-"], input=result.stdout)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "x0,x1,x2"
    assert len(result.stdout.splitlines()) == 201


def test_codes_in_npz_with_key(tmp_path, codebook):
    np.savez(tmp_path / "c.npz", codes=np.array([0, 7, 3], dtype=np.uint8), other=np.ones(2))
    out = tmp_path / "o.npy"
    result = invoke(["decode", tmp_path / "c.npz", "--key", "codes", "-b", codebook, "-o", out])
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(np.load(out), Codebook.load(codebook).codewords[[0, 7, 3]])
    _assert_error(invoke(["decode", tmp_path / "c.npz", "-b", codebook, "-o", out]), 2, "--key")


# ----------------------------------------------------------------------
# errors


def test_codebook_file_errors(tmp_path, data):
    out = tmp_path / "codes.npy"
    _assert_error(
        invoke(["encode", data, "-b", tmp_path / "none.npz", "-o", out]),
        1,
        "none.npz: no such file",
    )
    _assert_error(invoke(["encode", data, "-b", tmp_path, "-o", out]), 1, "is a directory")
    _assert_error(
        invoke(["encode", data, "-b", data, "-o", out]),
        1,
        "vectors.npy: not a code book file",
        "vqkit train-codebook",
    )
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    _assert_error(
        invoke(["encode", data, "-b", tmp_path / "other.npz", "-o", out]),
        1,
        "not a vqkit code book file",
    )
    assert not out.exists()
    _assert_error(invoke(["encode", data, "-o", out]), 2, "--codebook")


def test_feature_mismatch(tmp_path, codebook):
    np.save(tmp_path / "two.npy", V[:, :2])
    out = tmp_path / "codes.npy"
    _assert_error(
        invoke(["encode", tmp_path / "two.npy", "-b", codebook, "-o", out]),
        1,
        "two.npy has 2 columns, but the code book",
        "has 3 features",
    )
    assert not out.exists()


def test_bad_data_for_encode(tmp_path, codebook):
    path = tmp_path / "bad.csv"
    path.write_text("1,2,3\n4,5\n")
    _assert_error(
        invoke(["encode", path, "-b", codebook, "-o", tmp_path / "c.npy"]),
        1,
        "bad.csv, line 2: expected 3 fields",
    )


@pytest.mark.parametrize(
    "content, fragments",
    [
        ("0\n3\n8\n", ("codes.txt, line 3: code 8 is out of range", "0..7")),
        ("code\n1\n-1\n", ("codes.txt, line 3: code -1 is out of range",)),
        ("1\n2.5\n", ("codes.txt, line 2: 2.5 is not a whole number",)),
        ("1\nseven\n", ("codes.txt, line 2, column 1: 'seven' is not a number",)),
        ("1,2\n3,4\n", ("expected one code per row, but it has 2 columns",)),
        ("", ("codes.txt: the file is empty",)),
    ],
)
def test_bad_codes(tmp_path, codebook, content, fragments):
    path = tmp_path / "codes.txt"
    path.write_text(content)
    out = tmp_path / "out.npy"
    out.write_bytes(b"keep me")
    _assert_error(invoke(["decode", path, "-b", codebook, "-o", out]), 1, *fragments)
    assert out.read_bytes() == b"keep me"


def test_bad_codes_npy(tmp_path, codebook):
    np.save(tmp_path / "c.npy", np.array([1, 2, 99]))
    _assert_error(
        invoke(["decode", tmp_path / "c.npy", "-b", codebook, "-o", tmp_path / "o.npy"]),
        1,
        "c.npy, row 3: code 99 is out of range",
    )


def test_train_codebook_errors(tmp_path, data):
    out = tmp_path / "cb.npz"
    _assert_error(
        invoke(["train-codebook", data, "-k", 201, "-o", out]),
        1,
        "k=201 is more than the number of rows (200)",
    )
    _assert_error(invoke(["train-codebook", data, "-k", 0, "-o", out]), 2, "-k")
    _assert_error(invoke(["train-codebook", data, "-k", 2]), 2, "--output")
    _assert_error(
        invoke(["train-codebook", data, "-k", 2, "-o", tmp_path / "no" / "cb.npz"]),
        2,
        "does not exist",
    )
    _assert_error(
        invoke(["train-codebook", tmp_path / "x.csv", "-k", 2, "-o", out]),
        1,
        "x.csv: no such file",
    )
    assert not out.exists()


def test_existing_codebook_kept_when_training_fails(tmp_path, data):
    out = tmp_path / "cb.npz"
    out.write_bytes(b"old")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    _assert_error(
        invoke(["train-codebook", bad, "-k", 1, "-o", out]),
        1,
        "bad.csv, line 2, column 2 ('b'): 'x' is not a number",
    )
    assert out.read_bytes() == b"old"


def test_decode_output_directory_missing(tmp_path, codebook):
    np.save(tmp_path / "c.npy", np.array([1, 2]))
    _assert_error(
        invoke(["decode", tmp_path / "c.npy", "-b", codebook, "-o", tmp_path / "no" / "o.npy"]),
        2,
        "does not exist",
    )


def test_subprocess_round_trip(tmp_path, data):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "vqkit", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    cb, codes, out = tmp_path / "cb.npz", tmp_path / "codes.npy", tmp_path / "out.csv"
    for args in (
        ("train-codebook", data, "-k", 5, "-o", cb, "--seed", 2),
        ("encode", data, "-b", cb, "-o", codes),
        ("decode", codes, "-b", cb, "-o", out),
    ):
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
    back = np.loadtxt(out, delimiter=",", skiprows=1)
    cbk = Codebook.load(cb)
    np.testing.assert_array_equal(back, cbk.codewords[np.load(codes)])
    proc = run("decode", data, "-b", cb, "-o", out)  # vectors are not codes
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "expected one code per row" in proc.stderr


def test_codebook_cannot_go_to_stdout(data):
    _assert_error(invoke(["train-codebook", data, "-k", 2, "-o", "-"]), 2, "give a file name")
