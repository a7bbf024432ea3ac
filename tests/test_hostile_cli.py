"""The ``vqkit`` command on hostile input (issue 15, section 5): damaged files,
closed or full standard streams, numbers out of range, huge cells, numbers
the library cannot represent, and bugs.  Whatever happens, the command ends
with one line on stderr and a documented exit status, never a traceback.

Where the issue's reproduction is a command, the test runs the real command
as a process."""

import gzip
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import vqkit.cli.cluster as cluster_command
from cli_helpers import assert_error, invoke
from vqkit.cli._errors import INTERNAL_ERROR

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def run_vqkit(*args, stdin=None, stdout=subprocess.PIPE, close=None, input=None):
    """Run ``vqkit ARGS`` as a process; ``close`` (``"<&-"`` or ``">&-"``)
    starts it with standard input or output closed."""
    command = [sys.executable, "-m", "vqkit", *[str(a) for a in args]]
    if close is not None:
        command = ["sh", "-c", f'exec "$0" "$@" {close}', *command]
    return subprocess.run(
        command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, input=input, timeout=300
    )


def assert_one_line_error(proc, status=1, *fragments):
    """Exit status ``status``, one line on stderr that starts with
    ``Error:`` (after click's usage lines for status 2), no traceback."""
    err = proc.stderr.decode()
    assert proc.returncode == status, err
    assert "Traceback" not in err
    last = err.rstrip("\n").split("\n")[-1]
    assert last.startswith("Error:"), err
    if status != 2:
        assert err.count("\n") == 1, err
    assert len(last) < 1200, len(last)
    for fragment in fragments:
        assert fragment in last, last
    return last


@pytest.fixture
def points(tmp_path):
    path = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    np.savetxt(path, rng.normal(size=(30, 2)), delimiter=",", header="x,y", comments="")
    return path


# ----------------------------------------------------------------------
# damaged data files


def _npz_bytes(tmp_path, compressed=False):
    path = tmp_path / "good.npz"
    (np.savez_compressed if compressed else np.savez)(path, a=np.ones((50, 2)))
    return path.read_bytes()


def _damaged_files(tmp_path):
    npz = _npz_bytes(tmp_path)
    np.save(tmp_path / "good.npy", np.ones((50, 2)))
    npy = (tmp_path / "good.npy").read_bytes()
    pq.write_table(pa.table({"a": np.arange(50.0), "b": np.ones(50)}), tmp_path / "good.parquet")
    parquet = (tmp_path / "good.parquet").read_bytes()
    text = "x,y\n" + "".join(f"{i},{i * 7 % 13}\n" for i in range(5000))
    gz = gzip.compress(text.encode())
    return {
        "truncated.npz": npz[: len(npz) // 2],
        "garbage.npz": b"PK\x03\x04" + bytes(range(256)) * 4,
        "header-only.npz": npz[:30],
        "truncated.npy": npy[:100],
        "data-cut.npy": npy[:-17],
        "garbage.npy": b"\x93NUMPY" + bytes(range(256)),
        "truncated.parquet": parquet[: len(parquet) // 2],
        "garbage.parquet": b"PAR1" + bytes(range(256)) + b"PAR1",
        "garbage.csv.gz": b"\x1f\x8b" + bytes(range(256)),
        "truncated.csv.gz": gz[: len(gz) // 2],
        "garbage.csv.bz2": b"BZh9" + bytes(range(256)),
        "garbage.csv.xz": b"\xfd7zXZ\x00" + bytes(range(256)),
    }


def test_damaged_data_files_give_one_line_naming_the_file(tmp_path):
    for name, content in _damaged_files(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(content)
        assert_one_line_error(run_vqkit("cluster", path, "-k", 1), 1, str(path))


def test_npz_members_that_lie(tmp_path):
    """A member that is not an array, one whose header declares 2 TiB, one
    whose zip entry declares more than the archive holds: one line each."""
    cases = {}
    path = tmp_path / "text-member.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.npy", b"not an array at all")
    cases[path] = "cannot read it"
    header = np.lib.format.header_data_from_array_1_0(np.ones((2, 2)))
    header["shape"] = (2**38, 1)
    path = tmp_path / "huge.npz"
    buf = __import__("io").BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.npy", buf.getvalue() + b"\0" * 64)
    cases[path] = "declares 2199023255552 bytes"
    for path, fragment in cases.items():
        assert_one_line_error(run_vqkit("cluster", path, "-k", 1), 1, str(path), fragment)


def test_parquet_integers_beyond_2_53_become_the_nearest_float(tmp_path):
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"id": pa.array([2**53 + 1, 2**53 + 1], pa.int64())}), path)
    proc = run_vqkit("cluster", path, "-k", 1, "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["centroids"] == [[float(2**53)]]


# ----------------------------------------------------------------------
# closed and full standard streams


def test_stdin_closed(points):
    assert_one_line_error(
        run_vqkit("cluster", "-", "-k", 1, close="<&-"), 1, "standard input is closed"
    )


@pytest.mark.parametrize("option", ["--labels", "--centers", "--json"])
def test_stdout_closed(points, option):
    args = ["cluster", points, "-k", 1] + ([option] if option == "--json" else [option, "-"])
    assert_one_line_error(run_vqkit(*args, close=">&-"), 1, "standard output", "closed")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--labels", "-"], ["--centers", "-"], ["--json"]])
def test_stdout_full_says_no_space_left(points, extra):
    with open("/dev/full", "wb") as full:
        proc = run_vqkit("cluster", points, "-k", 2, "--seed", 0, *extra, stdout=full)
    last = assert_one_line_error(proc, 1)
    assert "no space left" in last.lower()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_full_for_every_command_that_prints(tmp_path, points):
    np.save(tmp_path / "v.npy", np.random.default_rng(1).normal(size=(40, 2)))
    cb = tmp_path / "cb.npz"
    assert run_vqkit("train-codebook", tmp_path / "v.npy", "-k", 2, "-o", cb, "-q").returncode == 0
    for args in (
        ["choose-k", points, "--k", "1:2", "--seed", 0, "-m", "elbow"],
        ["encode", tmp_path / "v.npy", "-b", cb, "-o", "-"],
        ["demo", "--no-plot"],
    ):
        with open("/dev/full", "wb") as full:
            last = assert_one_line_error(run_vqkit(*args, stdout=full), 1)
        assert "no space left" in last.lower(), args


# ----------------------------------------------------------------------
# numbers on the command line: usage errors before any file is read


def test_seed_minus_one_is_a_usage_error_before_reading(tmp_path):
    missing = tmp_path / "not-there.csv"
    proc = run_vqkit("cluster", missing, "-k", 2, "--seed", -1)
    last = assert_one_line_error(proc, 2, "--seed")
    assert "not-there" not in proc.stderr.decode()
    assert last


@pytest.mark.parametrize(
    "command, args",
    [
        ("cluster", ["-k", 2, "--seed", -1]),
        ("cluster", ["-k", 2, "--seed", 2**32]),
        ("cluster", ["-k", 2, "--n-init", 10**20]),
        ("cluster", ["-k", 2, "--n-init", 1001]),
        ("cluster", ["-k", 2, "--max-iter", 100_001]),
        ("cluster", ["-k", 2, "--max-iter", 0]),
        ("cluster", ["-k", 2**31]),
        ("cluster", ["-k", "1e3"]),
        ("cluster", ["-k", 2, "--max-expanded-size", "-1"]),
        ("cluster", ["-k", 2, "--max-expanded-size", "lots"]),
        ("train-codebook", ["-k", 2, "-o", "cb.npz", "--n-init", 10**20]),
        ("train-codebook", ["-k", 2, "-o", "cb.npz", "--max-iter", 10**6]),
        ("train-codebook", ["-k", 2, "-o", "cb.npz", "--seed", -5]),
        ("choose-k", ["--seed", -1]),
        ("choose-k", ["--k", "1:100000"]),
        ("choose-k", ["--k", f"1,{2**40}"]),
        ("choose-k", ["--k-min", 1, "--k-max", 10**6]),
        ("choose-k", ["--k-max", 2**40]),
    ],
)
def test_numbers_out_of_range_are_usage_errors(tmp_path, command, args):
    result = invoke([command, tmp_path / "not-there.csv", *args])
    assert_error(result, 2)
    assert "not-there" not in result.stderr


@pytest.mark.parametrize(
    "args", [["--sample-size", 0], ["--sample-size", 2**31], ["--seed", -1], ["-k", 2**24 + 1]]
)
def test_quantize_numbers_out_of_range(tmp_path, args):
    assert_error(
        invoke(["quantize", tmp_path / "none.png", "-k", 2, "-o", tmp_path / "o.png", *args]), 2
    )


def test_largest_values_are_accepted(points):
    result = invoke(
        [
            "cluster",
            points,
            "-k",
            1,
            "--seed",
            2**32 - 1,
            "--max-iter",
            100_000,
            "--n-init",
            2,
            "-q",
        ]
    )
    assert result.exit_code == 0, result.output


# ----------------------------------------------------------------------
# huge cells and names are quoted short


def test_two_million_character_cell(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("x,y\n1," + "a" * 2_000_000 + "\n")
    last = assert_one_line_error(run_vqkit("cluster", path, "-k", 1), 1, "line 2, column 2")
    assert "... (2000000 characters)" in last and len(last) < 300


@pytest.mark.parametrize(
    "make_line",
    [
        lambda cell: f"1,{cell}",  # not a number
        lambda cell: f'1,"{cell}"',  # quoted: the csv module's field limit
        lambda cell: f"1,1{cell}",  # digits: a float too large for float64
        lambda cell: f"{cell},1",  # in the first column
    ],
)
def test_huge_cells_in_every_position(tmp_path, make_line):
    path = tmp_path / "long.csv"
    path.write_text("x,y\n1,2\n" + make_line("9" * 300_000 + "z" * 300_000) + "\n")
    assert_one_line_error(run_vqkit("cluster", path, "-k", 1), 1, "line 3")


def test_huge_header_names_are_listed_short(tmp_path):
    path = tmp_path / "names.csv"
    names = ["n" * 100_000 + str(j) for j in range(50)]
    path.write_text(",".join(names) + "\n" + ",".join(["1"] * 50) + "\n")
    result = invoke(["cluster", path, "-k", 1, "--columns", "nope"])
    assert_error(result, 2, "there is no column named 'nope'", "(50 in all)")
    assert len(result.stderr) < 2000


def test_many_npz_keys_are_listed_short(tmp_path):
    path = tmp_path / "many.npz"
    np.savez(path, **{f"k{'x' * 200}{j}": np.ones((2, 2)) for j in range(100)})
    result = invoke(["cluster", path, "-k", 1])
    assert_error(result, 2, "holds 100 arrays", "(100 in all)", "--key")
    assert len(result.stderr) < 2000


# ----------------------------------------------------------------------
# what other parts of the library raise reaches the user as one line


def test_subnormal_data(tmp_path):
    path = tmp_path / "tiny.csv"
    np.savetxt(path, np.random.default_rng(0).normal(size=(60, 2)) * 1e-310, delimiter=",")
    for args in (
        ["cluster", path, "-k", 2, "--seed", 0],
        ["train-codebook", path, "-k", 2, "-o", tmp_path / "cb.npz", "--seed", 0],
    ):
        proc = run_vqkit(*args)
        if proc.returncode == 0:  # the library learned to handle it
            continue
        assert_one_line_error(proc, 1)


def test_hostile_code_books(tmp_path, points):
    """A code book nested 100,000 levels deep, one whose member declares
    2 TiB, a truncated one: each one line, exit status 1 (the loader's own
    checks belong to vqkit.persistence)."""
    good = tmp_path / "cb.npz"
    assert run_vqkit("train-codebook", points, "-k", 2, "-o", good, "-q").returncode == 0
    with zipfile.ZipFile(good) as z:
        members = {name: z.read(name) for name in z.namelist()}
    nested = tmp_path / "nested.npz"
    with zipfile.ZipFile(nested, "w") as z:
        for name, content in members.items():
            if name.startswith("__vqkit__"):
                buf = __import__("io").BytesIO()
                np.save(buf, np.array("[" * 100_000 + "]" * 100_000))
                content = buf.getvalue()
            z.writestr(name, content)
    huge = tmp_path / "huge.npz"
    header = np.lib.format.header_data_from_array_1_0(np.ones((2, 2)))
    header["shape"] = (2**38, 1)
    buf = __import__("io").BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(huge, "w") as z:
        for name, content in members.items():
            z.writestr(name, buf.getvalue() + b"\0" * 64 if name == "codewords.npy" else content)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:-40])
    for book in (nested, huge, cut):
        proc = run_vqkit("encode", points, "-b", book, "-o", tmp_path / "codes.txt")
        assert_one_line_error(proc, 1)
        assert not (tmp_path / "codes.txt").exists()


# ----------------------------------------------------------------------
# bugs: one line and exit status 70, the traceback with --debug


def _broken_fit(*args, **kwargs):
    raise TypeError("an internal mistake")


def test_internal_error_is_one_line_with_its_own_status(points, monkeypatch):
    monkeypatch.setattr(cluster_command, "_fit_kmeans", _broken_fit)
    result = invoke(["cluster", points, "-k", 2])
    assert_error(
        result, INTERNAL_ERROR, "internal error", "TypeError: an internal mistake", "--debug"
    )
    assert result.stderr.count("\n") == 1


def test_debug_shows_the_traceback(points, monkeypatch):
    monkeypatch.setattr(cluster_command, "_fit_kmeans", _broken_fit)
    result = invoke(["--debug", "cluster", points, "-k", 2])
    assert isinstance(result.exception, TypeError)
    from click.testing import CliRunner

    from vqkit.cli import main

    result = CliRunner(env={"VQKIT_DEBUG": "1"}).invoke(main, ["cluster", str(points), "-k", "2"])
    assert isinstance(result.exception, TypeError)
    # a user error stays a user error with --debug off
    assert_error(invoke(["cluster", points.parent / "nope.csv", "-k", 2]), 1, "no such file")


def test_internal_error_in_a_real_process(points):
    code = (
        "import sys, vqkit.cli.cluster as c\n"
        "def broken(*a, **k):\n    raise KeyError('oops')\n"
        "c._fit_kmeans = broken\n"
        "from vqkit.cli import main\nsys.argv[0] = 'vqkit'\nmain()\n"
    )
    base = [sys.executable, "-c", code, "cluster", str(points), "-k", "2"]
    proc = subprocess.run(base, capture_output=True, timeout=300)
    assert_one_line_error(proc, INTERNAL_ERROR, "internal error", "KeyError")
    proc = subprocess.run(
        base, capture_output=True, timeout=300, env={**os.environ, "VQKIT_DEBUG": "1"}
    )
    assert proc.returncode == 1 and b"Traceback" in proc.stderr and b"KeyError" in proc.stderr
