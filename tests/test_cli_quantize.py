"""The ``vqkit quantize`` command: output files, printed metrics, errors."""

import os
import subprocess
import sys

import numpy as np
import pytest

from cli_helpers import invoke

Image = pytest.importorskip("PIL.Image")

W, H = 40, 30
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (250, 250, 20)]


def _blocks():
    """A 40x30 RGB image of 4 flat colour blocks."""
    a = np.zeros((H, W, 3), dtype=np.uint8)
    a[: H // 2, : W // 2] = COLOURS[0]
    a[: H // 2, W // 2 :] = COLOURS[1]
    a[H // 2 :, : W // 2] = COLOURS[2]
    a[H // 2 :, W // 2 :] = COLOURS[3]
    return a


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "blocks.png"
    Image.fromarray(_blocks()).save(path)
    return path


@pytest.fixture
def jpeg(tmp_path):
    path = tmp_path / "blocks.jpg"
    Image.fromarray(_blocks()).save(path, quality=75)
    return path


def _n_colours(path):
    with Image.open(path) as im:
        a = np.asarray(im.convert("RGB"))
    return np.unique(a.reshape(-1, 3), axis=0).shape[0]


@pytest.mark.parametrize("kind", ["png", "jpeg"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_quantize_writes_png_with_at_most_k_colours(kind, k, request, tmp_path):
    src = request.getfixturevalue(kind)
    out = tmp_path / "out.png"
    result = invoke(["quantize", src, "-k", k, "-o", out, "--seed", 0])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert im.size == (W, H)
    assert _n_colours(out) <= k
    assert "PSNR:" in result.output and " dB" in result.output
    assert "Colours:" in result.output
    assert "Bits per pixel:" in result.output
    assert "Compression ratio:" in result.output
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, "out.png"])


def test_jpeg_colours_in_and_out(jpeg, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", jpeg, "-k", 4, "-o", out, "--seed", 1])
    assert result.exit_code == 0, result.output
    assert "-> 4" in result.output or "-> 3" in result.output
    assert _n_colours(out) <= 4


def test_k_equal_to_colours_gives_inf_psnr(png, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 4, "-o", out, "--seed", 0])
    assert result.exit_code == 0, result.output
    assert "PSNR:" in result.output
    assert "inf dB" in result.output
    assert "4 -> 4" in result.output
    with Image.open(out) as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), _blocks())


def test_sample_size_option(png, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 4, "-o", out, "--sample-size", 200, "--seed", 3])
    assert result.exit_code == 0, result.output
    assert _n_colours(out) <= 4


def test_compare_writes_side_by_side(png, tmp_path):
    out = tmp_path / "out.png"
    cmp_ = tmp_path / "cmp.png"
    result = invoke(["quantize", png, "-k", 2, "-o", out, "--compare", cmp_, "--seed", 0])
    assert result.exit_code == 0, result.output
    with Image.open(cmp_) as im:
        assert im.format == "PNG"
        assert im.width == 2 * W and im.height > H  # a caption strip beneath
        both = np.asarray(im.convert("RGB"))
    np.testing.assert_array_equal(both[:H, :W], _blocks())
    with Image.open(out) as im:
        np.testing.assert_array_equal(both[:H, W:], np.asarray(im.convert("RGB")))
    # the captions are drawn: dark text on the white strip under each half
    strip = both[H:]
    assert (strip[:, :W] < 128).any() and (strip[:, W:] < 128).any()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks.png", "cmp.png", "out.png"]


def test_quiet_prints_nothing(png, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 2, "-o", out, "--quiet"])
    assert result.exit_code == 0
    assert result.output == ""
    assert out.exists()


def test_existing_output_is_replaced(png, tmp_path):
    out = tmp_path / "out.png"
    out.write_bytes(b"old contents")
    result = invoke(["quantize", png, "-k", 2, "-o", out, "-q"])
    assert result.exit_code == 0
    with Image.open(out) as im:
        assert im.size == (W, H)


def test_help_has_examples():
    result = invoke(["quantize", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "vqkit quantize photo.jpg -k 16 -o photo-16.png" in result.output


# ----------------------------------------------------------------------
# errors


def _assert_error(result, code, *fragments):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "Error" in result.output
    for fragment in fragments:
        assert fragment in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_missing_file(tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", tmp_path / "nope.png", "-k", 2, "-o", out])
    _assert_error(result, 1, "nope.png", "no such file")
    assert not out.exists()


def test_not_an_image(tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    out = tmp_path / "out.png"
    result = invoke(["quantize", csv, "-k", 2, "-o", out])
    _assert_error(result, 1, "data.csv", "not an image")
    assert not out.exists()


def test_truncated_image(png, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(png.read_bytes()[:60])
    result = invoke(["quantize", bad, "-k", 2, "-o", tmp_path / "out.png"])
    _assert_error(result, 1, "bad.png")


def test_directory_as_image(tmp_path):
    result = invoke(["quantize", tmp_path, "-k", 2, "-o", tmp_path / "out.png"])
    _assert_error(result, 1, "not an image")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(png, tmp_path):
    os.chmod(png, 0)
    try:
        result = invoke(["quantize", png, "-k", 2, "-o", tmp_path / "out.png"])
    finally:
        os.chmod(png, 0o644)
    _assert_error(result, 1, "blocks.png", "permission denied")


@pytest.mark.parametrize("k", ["0", "-3", str(2**24 + 1), "2.5", "many"])
def test_bad_k_is_a_usage_error(png, tmp_path, k):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", k, "-o", out])
    _assert_error(result, 2, "-k")
    assert not out.exists()


def test_k_more_than_pixels_keeps_every_colour(png, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 2**24, "-o", out])
    assert result.exit_code == 0, result.output
    assert "Warning: the image has only 4 distinct colours" in result.stderr
    assert "inf dB" in result.stdout
    with Image.open(out) as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), _blocks())


def test_missing_k_or_output_is_a_usage_error(png, tmp_path):
    _assert_error(invoke(["quantize", png, "-o", tmp_path / "o.png"]), 2)
    _assert_error(invoke(["quantize", png, "-k", 2]), 2)


def test_output_directory_missing(png, tmp_path):
    result = invoke(["quantize", png, "-k", 2, "-o", tmp_path / "no" / "out.png"])
    _assert_error(result, 2, "does not exist")


def test_compare_directory_missing(png, tmp_path):
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 2, "-o", out, "--compare", tmp_path / "no" / "c.png"])
    _assert_error(result, 2, "--compare", "does not exist")
    assert not out.exists()  # checked before any work


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_output_directory_not_writable(png, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    try:
        result = invoke(["quantize", png, "-k", 2, "-o", locked / "out.png"])
    finally:
        os.chmod(locked, 0o755)
    _assert_error(result, 2, "not writable")


def test_output_directory_check_comes_before_reading(tmp_path):
    # the input is missing too, but the usage error is reported first
    result = invoke(["quantize", tmp_path / "nope.png", "-k", 2, "-o", tmp_path / "no" / "o.png"])
    _assert_error(result, 2, "does not exist")


def test_python_dash_m_subprocess(png, tmp_path):
    out = tmp_path / "out.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vqkit",
            "quantize",
            str(png),
            "-k",
            "4",
            "-o",
            str(out),
            "--seed",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "inf dB" in proc.stdout
    assert proc.stderr == ""
    assert _n_colours(out) == 4

    csv = tmp_path / "x.csv"
    csv.write_text("1,2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "vqkit", "quantize", str(csv), "-k", "4", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error:") and "not an image" in proc.stderr
    assert proc.stdout == ""


def test_permission_denied_reading_is_a_data_error(png, tmp_path, monkeypatch):
    # works as root too: the read itself is made to fail
    import vqkit.quantization.image_files

    def deny(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(vqkit.quantization.image_files, "open_image", deny)
    result = invoke(["quantize", png, "-k", 2, "-o", tmp_path / "out.png"])
    _assert_error(result, 1, "blocks.png", "permission denied")


def test_not_writable_directory_is_a_usage_error(png, tmp_path, monkeypatch):
    # works as root too: the access check is made to say no
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode)
    )
    out = tmp_path / "out.png"
    result = invoke(["quantize", png, "-k", 2, "-o", out])
    _assert_error(result, 2, "not writable")
    assert not out.exists()
