"""Writing files (issue 15, section 6): special files are written through,
symbolic links are kept, regular files are replaced whole or not at all
(also when the process is killed while writing), and no command overwrites
its own input unless told to with ``--force``."""

import os
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import vqkit.io.atomic
from cli_helpers import assert_error, invoke
from vqkit import Codebook
from vqkit.io import write_labels, write_matrix
from vqkit.io.atomic import atomic_write


@pytest.fixture
def never_replace_devices(monkeypatch):
    """Fail the test, before anything is touched, where a write would put
    a temporary file in /dev or rename one over a file there (as root this
    would replace the machine's /dev/null)."""
    real_mkstemp, real_replace = vqkit.io.atomic.tempfile.mkstemp, os.replace

    def mkstemp(*args, dir=None, **kwargs):
        assert not str(dir).startswith("/dev"), f"a temporary file in {dir}"
        return real_mkstemp(*args, dir=dir, **kwargs)

    def replace(src, dst, **kwargs):
        assert not str(dst).startswith("/dev"), f"replacing {dst}"
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(vqkit.io.atomic.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "replace", replace)


def _no_temporaries(directory):
    return [p.name for p in directory.iterdir() if p.name.startswith(".vqkit-")] == []


# ----------------------------------------------------------------------
# the library: atomic_write


def test_new_and_replaced_regular_files(tmp_path):
    out = tmp_path / "a.txt"
    atomic_write(out, lambda fh: fh.write(b"one"))
    assert out.read_bytes() == b"one"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    os.chmod(out, 0o640)
    atomic_write(out, lambda fh: fh.write(b"two"))
    assert out.read_bytes() == b"two"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # permissions kept
    assert _no_temporaries(tmp_path)


def test_failure_keeps_the_old_file(tmp_path):
    out = tmp_path / "a.txt"
    out.write_bytes(b"old")

    def fail(fh):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(out, fail)
    assert out.read_bytes() == b"old" and _no_temporaries(tmp_path)


def test_symbolic_link_is_kept_and_its_target_written(tmp_path):
    target = tmp_path / "real" / "labels.txt"
    target.parent.mkdir()
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_labels(link, [1, 2, 3])
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "1\n2\n3\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _no_temporaries(tmp_path) and _no_temporaries(target.parent)
    # a chain of links, and a link whose target does not exist yet
    chain = tmp_path / "chain.txt"
    chain.symlink_to(link)
    write_labels(chain, [4])
    assert chain.is_symlink() and target.read_text() == "4\n"
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "new.txt")
    write_labels(dangling, [5])
    assert dangling.is_symlink() and (tmp_path / "new.txt").read_text() == "5\n"


def test_symbolic_link_loop_is_an_os_error(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError):
        write_labels(a, [1])
    assert a.is_symlink() and b.is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []

    def read():
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read)
    reader.start()
    write_labels(fifo, [3, 1])
    reader.join(timeout=30)
    assert got == [b"3\n1\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert _no_temporaries(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_dev_null_is_written_through(tmp_path, never_replace_devices):
    before = os.stat("/dev/null")
    write_labels("/dev/null", np.arange(10))
    write_matrix("/dev/null", np.ones((3, 2)))
    write_labels(os.devnull, np.arange(3))
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    # through a link, too: the link stays
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    write_labels(link, [1])
    assert link.is_symlink() and os.stat("/dev/null").st_ino == before.st_ino


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_device_says_no_space_left(never_replace_devices):
    with pytest.raises(OSError) as info:
        write_labels("/dev/full", np.arange(100_000))
    assert info.value.errno == 28
    with pytest.raises(OSError, match="No space left"):
        write_matrix("/dev/full", np.ones((10, 2)))
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


# ----------------------------------------------------------------------
# the command: special outputs


@pytest.fixture
def points(tmp_path):
    path = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    np.savetxt(path, rng.normal(size=(40, 2)), delimiter=",", header="x,y", comments="")
    return path


_GUARD = (
    "import os, sys, tempfile\n"
    "real_replace, real_mkstemp = os.replace, tempfile.mkstemp\n"
    "def replace(src, dst, **kw):\n"
    "    assert not str(dst).startswith('/dev'), dst\n"
    "    return real_replace(src, dst, **kw)\n"
    "def mkstemp(*a, dir=None, **kw):\n"
    "    assert not str(dir).startswith('/dev'), dir\n"
    "    return real_mkstemp(*a, dir=dir, **kw)\n"
    "os.replace, tempfile.mkstemp = replace, mkstemp\n"
    "sys.argv[0] = 'vqkit'\n"
    "from vqkit.cli import main\n"
    "main()\n"
)


def _guarded_command(*args):
    return [sys.executable, "-c", _GUARD, *[str(a) for a in args]]


def _guarded(*args):
    """``vqkit ARGS`` as a process that fails rather than replace a file
    under /dev."""
    return subprocess.run(_guarded_command(*args), capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_command_writes_devices_through(tmp_path, points):
    before = os.stat("/dev/null").st_ino
    proc = _guarded(
        "cluster", points, "-k", 2, "--labels", "/dev/null", "--centers", "/dev/stdout", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("x,y\n") and len(proc.stdout.splitlines()) == 3
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and os.stat("/dev/null").st_ino == before
    for option in ("--labels", "--centers"):
        proc = _guarded("cluster", points, "-k", 2, option, "/dev/full", "-q")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(
            "Error: /dev/full: cannot write the file: No space left on device"
        ), proc.stderr
    cb = tmp_path / "cb.npz"
    assert invoke(["train-codebook", points, "-k", 2, "-o", cb, "-q"]).exit_code == 0
    proc = _guarded("encode", points, "-b", cb, "-o", "/dev/full")
    assert proc.returncode == 1 and "No space left on device" in proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")
@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_standard_output_by_name_into_a_regular_file(tmp_path, points, name):
    """``--centers /dev/stdout > file``: the shell's file is written through
    the descriptor (the centres, then the summary after them), not replaced
    behind the shell's back."""
    out = tmp_path / "out.txt"
    with open(out, "wb") as fh:
        proc = subprocess.run(
            _guarded_command("cluster", points, "-k", 2, "--seed", 0, "--centers", name),
            stdout=fh,
            stderr=subprocess.PIPE,
            timeout=300,
        )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert text.startswith("x,y\n") and len(text.split("\n")[1].split(",")) == 2
    assert "Cluster sizes" in text and text.endswith(f"Saved the centres to {name}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "points.csv"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_command_writes_a_fifo_through(tmp_path, points):
    fifo = tmp_path / "labels.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vqkit",
            "cluster",
            str(points),
            "-k",
            "2",
            "--labels",
            str(fifo),
            "-q",
        ],
        stderr=subprocess.PIPE,
    )
    with open(fifo, "rb") as fh:
        got = fh.read()
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    assert len(got.split()) == 40 and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_command_keeps_a_symbolic_link(tmp_path, points):
    target = tmp_path / "store" / "labels.txt"
    target.parent.mkdir()
    link = tmp_path / "labels.txt"
    link.symlink_to(target)
    assert invoke(["cluster", points, "-k", 2, "--labels", link, "-q"]).exit_code == 0
    assert link.is_symlink() and len(target.read_text().split()) == 40


# ----------------------------------------------------------------------
# an output that is an input


@pytest.fixture
def book(tmp_path):
    data = tmp_path / "data.npy"
    np.save(data, np.random.default_rng(2).normal(size=(50, 3)))
    cb = tmp_path / "book.npz"
    assert invoke(["train-codebook", data, "-k", 4, "-o", cb, "--seed", 0, "-q"]).exit_code == 0
    codes = tmp_path / "codes.npy"
    assert invoke(["encode", data, "-b", cb, "-o", codes, "-q"]).exit_code == 0
    return data, cb, codes


def _snapshot(*paths):
    return {p: p.read_bytes() for p in paths}


def test_encode_over_its_input_is_refused(tmp_path, book):
    data, cb, codes = book
    before = _snapshot(data, cb, codes)
    proc = subprocess.run(
        [sys.executable, "-m", "vqkit", "encode", str(data), "-b", str(cb), "-o", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is also the input FILE" in proc.stderr and "--force" in proc.stderr
    assert _snapshot(data, cb, codes) == before
    assert_error(invoke(["encode", data, "-b", cb, "-o", cb]), 2, "is also the input --codebook")
    assert _snapshot(data, cb, codes) == before


def test_decode_over_its_code_book_is_refused(tmp_path, book):
    data, cb, codes = book
    before = _snapshot(data, cb, codes)
    proc = subprocess.run(
        [sys.executable, "-m", "vqkit", "decode", str(codes), "-b", str(cb), "-o", str(cb)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "is also the input --codebook" in proc.stderr
    assert_error(invoke(["decode", codes, "-b", cb, "-o", codes]), 2, "is also the input CODES")
    assert _snapshot(data, cb, codes) == before


def test_the_same_file_by_another_name(tmp_path, book, monkeypatch):
    data, cb, codes = book
    before = _snapshot(data, cb, codes)
    link = tmp_path / "alias.npy"
    link.symlink_to(data)
    hard = tmp_path / "hard.npy"
    os.link(data, hard)
    sub = tmp_path / "sub"
    sub.mkdir()
    for output in (link, hard, sub / ".." / "data.npy"):
        assert_error(invoke(["encode", data, "-b", cb, "-o", output]), 2, "--force")
    monkeypatch.chdir(tmp_path)
    assert_error(invoke(["encode", "data.npy", "-b", cb, "-o", "./data.npy"]), 2, "--force")
    assert _snapshot(data, cb, codes) == before


def test_force_overwrites_the_input(tmp_path, book):
    data, cb, codes = book
    result = invoke(["encode", data, "-b", cb, "-o", data, "--force", "-q"])
    assert result.exit_code == 0, result.output
    assert np.load(data).dtype == np.uint8  # the data became its codes
    result = invoke(["decode", codes, "-b", cb, "-o", cb.with_suffix(".npy"), "-q"])
    assert result.exit_code == 0
    result = invoke(
        [
            "train-codebook",
            cb.with_suffix(".npy"),
            "-k",
            2,
            "-o",
            cb.with_suffix(".npy"),
            "--force",
            "-q",
        ]
    )
    assert result.exit_code == 1 or result.exit_code == 0  # a .npy name for a code book
    assert Codebook.load(cb).k == 4


@pytest.mark.parametrize(
    "make_args",
    [
        lambda p, t: ["cluster", p, "-k", 2, "--labels", p],
        lambda p, t: ["cluster", p, "-k", 2, "--centers", p],
        lambda p, t: ["cluster", p, "-k", 2, "--plot", p],
        lambda p, t: ["choose-k", p, "--plot", p],
        lambda p, t: ["train-codebook", p, "-k", 2, "-o", p],
    ],
)
def test_every_command_refuses_its_input_as_output(points, tmp_path, make_args):
    before = points.read_bytes()
    assert_error(invoke(make_args(points, tmp_path)), 2, "is also the input FILE")
    assert points.read_bytes() == before


def test_quantize_refuses_its_image_as_output(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image

    png = tmp_path / "in.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (8, 8, 3), np.uint8)).save(png)
    before = png.read_bytes()
    assert_error(invoke(["quantize", png, "-k", 2, "-o", png]), 2, "is also the input IMAGE")
    assert_error(
        invoke(["quantize", png, "-k", 2, "-o", tmp_path / "o.png", "--compare", png]),
        2,
        "is also the input IMAGE",
    )
    assert png.read_bytes() == before
    assert invoke(["quantize", png, "-k", 2, "-o", png, "--force", "-q"]).exit_code == 0


def test_two_outputs_may_not_be_one_file(points, tmp_path):
    out = tmp_path / "out.txt"
    assert_error(
        invoke(["cluster", points, "-k", 2, "--labels", out, "--centers", out]),
        2,
        "is also the --labels file",
    )
    assert_error(
        invoke(["cluster", points, "-k", 2, "--labels", out, "--centers", out, "--force"]),
        2,
        "own name",
    )
    assert not out.exists()


# ----------------------------------------------------------------------
# killed while writing: no temporary file is left


_SLOW_WRITER = (
    "import sys, time\n"
    "import vqkit.io.writing as w\n"
    "w._WRITE_ROWS = 50\n"
    "blocks = w._in_blocks\n"
    "def slow(values):\n"
    "    for block in blocks(values):\n"
    "        time.sleep(0.02)\n"
    "        yield block\n"
    "w._in_blocks = slow\n"
    "sys.argv[0] = 'vqkit'\n"
    "from vqkit.cli import main\n"
    "main()\n"
)


@pytest.mark.parametrize(
    "signum", [s for s in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, s)]
)
def test_killed_while_writing_leaves_no_temporary_file(tmp_path, signum):
    """A process that writes 200,000 labels slowly (the writer sleeps
    between blocks of 50 rows) is sent the signal once its temporary file
    exists: the temporary file goes, the old output stays."""
    signum = getattr(signal, signum)
    data = tmp_path / "big.npy"
    np.save(data, np.random.default_rng(0).normal(size=(200_000, 2)))
    out = tmp_path / "labels.txt"
    out.write_text("old\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SLOW_WRITER,
            "cluster",
            str(data),
            "-k",
            "2",
            "--seed",
            "0",
            "--max-iter",
            "2",
            "--labels",
            str(out),
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # a test run started in the background by a shell without job control
        # ignores SIGINT, and a child would inherit that (Python then keeps
        # SIGINT ignored): the child gets the default disposition back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 240
    while not any(p.name.startswith(".vqkit-") for p in tmp_path.iterdir()):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the temporary file never appeared"
        time.sleep(0.005)
    time.sleep(0.1)  # well inside the write (it takes about 80 s)
    proc.send_signal(signum)
    proc.wait(timeout=60)
    stderr = proc.stderr.read().decode()
    if signum == signal.SIGINT:
        assert proc.returncode == 1 and "Aborted" in stderr  # click's Ctrl-C
    else:
        assert proc.returncode == -signum, stderr
    assert "Traceback" not in stderr
    assert _no_temporaries(tmp_path)
    assert out.read_text() == "old\n"


def test_signal_handlers_are_restored(tmp_path):
    before = {s: signal.getsignal(s) for s in vqkit.io.atomic._TERMINATING}
    atomic_write(tmp_path / "a", lambda fh: fh.write(b"x"))
    with pytest.raises(ValueError):
        atomic_write(tmp_path / "b", lambda fh: (_ for _ in ()).throw(ValueError("no")))
    assert {s: signal.getsignal(s) for s in before} == before
    # a handler the program set itself is left alone
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda *a: seen.append(a))
    try:
        atomic_write(
            tmp_path / "c", lambda fh: (fh.write(b"y"), os.kill(os.getpid(), signal.SIGTERM))
        )
        assert seen and (tmp_path / "c").read_bytes() == b"y"
    finally:
        signal.signal(signal.SIGTERM, previous)
