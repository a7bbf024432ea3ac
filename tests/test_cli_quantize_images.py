"""``vqkit quantize`` on images as Pillow writes them (greyscale, 16-bit,
palette, RGBA, a JPEG photo), run as the real command in a subprocess."""

import math
from pathlib import Path

import numpy as np
import pytest

import vqkit
from cli_helpers import invoke, run_command

Image = pytest.importorskip("PIL.Image")


def _run(*args):
    return run_command("quantize", *args, timeout=300)


def _value(stdout, label):
    """The first number after ``label`` in the command's report."""
    line = next(line for line in stdout.splitlines() if line.startswith(label))
    return float(line[len(label) :].split()[0].removesuffix(":1"))


def _pixels(path):
    with Image.open(path) as im:
        return im.mode, im.format, np.asarray(im)


def _psnr(a, b, peak):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)


def _gradient(h=60, w=80, seed=0):
    rng = np.random.default_rng(seed)
    ramp = np.add.outer(np.arange(h), np.arange(w)) / (h + w - 2)
    return np.clip(ramp + rng.normal(scale=0.02, size=(h, w)), 0, 1)


def _photo(h=60, w=80, seed=0):
    rng = np.random.default_rng(seed)
    ramp = _gradient(h, w, seed)
    rgb = np.stack([ramp, ramp[::-1], np.tile(np.linspace(0, 1, w), (h, 1))], axis=-1)
    rgb = rgb + rng.normal(scale=0.03, size=rgb.shape)
    return (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)


def test_greyscale_stays_greyscale(tmp_path):
    grey = (_gradient() * 255).round().astype(np.uint8)
    src, out = tmp_path / "grey.png", tmp_path / "out.png"
    Image.fromarray(grey).save(src)
    proc = _run(src, "-k", 8, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    mode, fmt, back = _pixels(out)
    assert (mode, fmt, back.shape) == ("L", "PNG", grey.shape)
    assert len(np.unique(back)) <= 8
    # 8 source bits per pixel, 3 bits of code: 8/3
    assert "Bits per pixel:    3 (source: 8)" in proc.stdout
    assert _value(proc.stdout, "Compression ratio:") == pytest.approx(8 / 3, abs=0.05)
    assert _value(proc.stdout, "PSNR:") == pytest.approx(_psnr(grey, back, 255), abs=0.01)


def test_sixteen_bit_png_is_quantized_in_its_range(tmp_path):
    deep = (_gradient() * 60000 + 1000).round().astype(np.uint16)
    src, out = tmp_path / "deep.png", tmp_path / "out.png"
    Image.fromarray(deep).save(src)
    assert _pixels(src)[0] == "I;16"
    proc = _run(src, "-k", 6, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    mode, _, back = _pixels(out)
    assert mode == "I;16" and back.dtype == np.uint16
    levels = np.unique(back)
    assert len(levels) <= 6 and levels.max() > 255  # not clipped to 8 bits or to white
    assert levels.min() < 30000 < levels.max()
    psnr = _value(proc.stdout, "PSNR:")
    assert math.isfinite(psnr)
    assert psnr == pytest.approx(_psnr(deep, back, 65535), abs=0.01)
    assert "(source: 16)" in proc.stdout


def test_palette_input_counts_its_index_bits(tmp_path):
    src, out = tmp_path / "pal.png", tmp_path / "out.png"
    Image.fromarray(_photo()).quantize(20).save(src)  # a 20-colour palette PNG
    proc = _run(src, "-k", 4, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    assert "Colours:           20 -> 4" in proc.stdout
    # the source spends ceil(log2 20) = 5 bits a pixel, the codes 2
    assert "Bits per pixel:    2 (source: 5)" in proc.stdout
    assert _value(proc.stdout, "Compression ratio:") == pytest.approx(2.5)


def test_rgba_keeps_alpha_and_refuses_jpeg(tmp_path):
    rgb = _photo()
    alpha = np.random.default_rng(1).integers(0, 256, rgb.shape[:2], dtype=np.uint8)
    src, out = tmp_path / "rgba.png", tmp_path / "out.png"
    Image.fromarray(np.dstack([rgb, alpha])).save(src)
    proc = _run(src, "-k", 5, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    mode, _, back = _pixels(out)
    assert mode == "RGBA"
    np.testing.assert_array_equal(back[..., 3], alpha)
    assert len(np.unique(back[..., :3].reshape(-1, 3), axis=0)) <= 5
    jpeg = tmp_path / "out.jpg"
    proc = _run(src, "-k", 5, "-o", jpeg)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error:") and "transparency" in proc.stderr
    assert not jpeg.exists()


def test_palette_png_holds_the_same_pixels_in_fewer_bytes(tmp_path):
    photo = _photo(120, 160)
    src, out, rgb_out = tmp_path / "in.png", tmp_path / "out.png", tmp_path / "rgb.png"
    Image.fromarray(photo).save(src)
    proc = _run(src, "-k", 16, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    mode, fmt, _ = _pixels(out)
    assert (mode, fmt) == ("P", "PNG")
    expected = vqkit.quantize_image(photo, 16, random_state=0).image
    with Image.open(out) as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), expected)
    Image.fromarray(expected).save(rgb_out, optimize=True)
    assert out.stat().st_size < rgb_out.stat().st_size


def test_more_than_256_colours_is_not_a_palette(tmp_path):
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    Image.fromarray(_photo(40, 50)).save(src)
    proc = _run(src, "-k", 300, "-o", out, "--seed", 0, "--max-iter", 5)
    assert proc.returncode == 0, proc.stderr
    assert _pixels(out)[0] == "RGB"


def test_format_follows_the_extension(tmp_path):
    src = tmp_path / "in.png"
    Image.fromarray(_photo()).save(src)
    for name, fmt in [("o.jpg", "JPEG"), ("o.JPEG", "JPEG"), ("o.gif", "GIF"), ("o.bmp", "BMP")]:
        proc = _run(src, "-k", 8, "-o", tmp_path / name, "--seed", 0)
        assert proc.returncode == 0, proc.stderr
        assert _pixels(tmp_path / name)[1] == fmt


@pytest.mark.parametrize("option", ["-o", "--compare"])
def test_unknown_extension_is_a_usage_error(tmp_path, option):
    out = tmp_path / "out.png"
    bad = tmp_path / "picture.xyz"
    args = ["-o", bad] if option == "-o" else ["-o", out, "--compare", bad]
    # checked before the input is read: the input does not even exist
    proc = _run(tmp_path / "missing.png", "-k", 4, *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "picture.xyz" in proc.stderr and ".png" in proc.stderr
    assert not bad.exists() and not out.exists()


def test_k_above_the_distinct_colours_warns_and_keeps_them(tmp_path):
    image = np.zeros((50, 70, 3), dtype=np.uint8)
    image[:, 35:] = (200, 10, 30)
    image[20:30] = (5, 250, 5)
    src, out = tmp_path / "three.png", tmp_path / "out.png"
    Image.fromarray(image).save(src)
    proc = _run(src, "-k", 200000, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "Warning: the image has only 3 distinct colours, fewer than k=200000: every colour "
        "is kept exactly (k=3)"
    ]
    assert "inf dB" in proc.stdout and "3 -> 3" in proc.stdout
    np.testing.assert_array_equal(np.asarray(Image.open(out).convert("RGB")), image)


def test_warnings_are_tidy_lines(tmp_path):
    # a sample of 12 pixels of a nearly flat image holds fewer colours than k
    image = np.full((40, 40, 3), 90, dtype=np.uint8)
    image[0, :10] = np.arange(10)[:, None] * 20
    src, out = tmp_path / "flat.png", tmp_path / "out.png"
    Image.fromarray(image).save(src)
    proc = _run(src, "-k", 8, "-o", out, "--sample-size", 12, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("Warning: ") for line in lines), proc.stderr
    assert "distinct colours" in proc.stderr
    assert ".py:" not in proc.stderr and "warn(" not in proc.stderr


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    import vqkit.cli._terminal
    import vqkit.cli.quantize

    src = tmp_path / "in.png"
    Image.fromarray(_photo()).save(src)
    result = invoke(["quantize", src, "-k", 6, "-o", tmp_path / "o.png", "--seed", 0])
    assert "quantizing" not in result.stderr  # not a terminal
    monkeypatch.setattr(vqkit.cli._terminal, "_stderr_is_terminal", lambda: True)
    result = invoke(["quantize", src, "-k", 6, "-o", tmp_path / "o.png", "--seed", 0])
    assert "quantizing" not in result.stderr  # a short run
    monkeypatch.setattr(vqkit.cli.quantize, "LONG_RUN", 1)
    result = invoke(["quantize", src, "-k", 6, "-o", tmp_path / "o.png", "--seed", 0])
    assert result.exit_code == 0, result.output
    assert "quantizing, k=6" in result.stderr
    quiet = invoke(["quantize", src, "-k", 6, "-o", tmp_path / "o.png", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_large_k_trains_on_a_bounded_sample(monkeypatch):
    import vqkit.quantization.image as image_module

    photo = _photo()
    n = photo.shape[0] * photo.shape[1]
    monkeypatch.setattr(image_module, "WORK_PER_ITERATION", n * 10)  # k=20 is over the bound
    result = vqkit.quantize_image(photo, 20, random_state=0)
    assert result.training_pixels == n // 2 and result.image.shape == photo.shape
    assert vqkit.quantize_image(photo, 10, random_state=0).training_pixels == n
    # --sample-size wins over the bound
    assert vqkit.quantize_image(photo, 20, sample_size=300, random_state=0).training_pixels == 300


def test_china_photo(tmp_path):
    datasets = pytest.importorskip("sklearn.datasets")
    china = Path(datasets.__file__).parent / "images" / "china.jpg"
    out, rgb_out, cmp_ = tmp_path / "out.png", tmp_path / "rgb.png", tmp_path / "cmp.png"
    proc = _run(china, "-k", 16, "-o", out, "--seed", 0, "--compare", cmp_)
    assert proc.returncode == 0, proc.stderr
    assert "Bits per pixel:    4 (source: 24)" in proc.stdout
    psnr = _value(proc.stdout, "PSNR:")
    original = np.asarray(Image.open(china).convert("RGB"))
    mode, _, back = _pixels(out)
    assert mode == "P"
    rgb = np.asarray(Image.open(out).convert("RGB"))
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) == 16
    assert psnr == pytest.approx(_psnr(original, rgb, 255), abs=0.01) and psnr > 25
    Image.fromarray(rgb).save(rgb_out, optimize=True)
    assert out.stat().st_size < 0.6 * rgb_out.stat().st_size
    with Image.open(cmp_) as im:
        assert im.width == 2 * original.shape[1] and im.height > original.shape[0]


@pytest.mark.parametrize(
    "mode, bits, kept",
    [("1", 1, "L"), ("CMYK", 32, "P"), ("LA", 8, "LA"), ("RGBA", 24, "RGBA")],
)
def test_source_bits_per_pixel_of_other_modes(tmp_path, mode, bits, kept):
    src, out = tmp_path / ("in.jpg" if mode == "CMYK" else "in.png"), tmp_path / "out.png"
    Image.fromarray(_photo()).convert(mode).save(src)
    proc = _run(src, "-k", 2, "-o", out, "--seed", 0)
    assert proc.returncode == 0, proc.stderr
    assert f"(source: {bits})" in proc.stdout
    assert _pixels(out)[0] == kept
