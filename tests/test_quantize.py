"""vqkit.quantization: code books and image quantization."""

import sys

import numpy as np
import PIL.Image as Image
import pytest

from helpers import nearest_reference
from vqkit.quantization import Codebook, QuantizedImage, code_dtype, quantize_image


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(500, 4))


def block_image(dtype=np.uint8):
    colours = np.array([[255, 0, 0], [0, 128, 0], [20, 40, 250], [240, 240, 10]], dtype=np.uint8)
    image = np.empty((64, 48, 3), dtype=np.uint8)
    image[:32, :24], image[:32, 24:], image[32:, :24], image[32:, 24:] = colours
    if dtype != np.uint8:
        image = (image / 255.0).astype(dtype)
    return image, colours


def noisy_gradient(seed=0):
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, 48)
    image = np.stack(
        [
            np.tile(ramp, (40, 1)),
            np.tile(ramp[::-1], (40, 1)),
            np.tile(np.linspace(0, 1, 40)[:, None], (1, 48)),
        ],
        axis=-1,
    )
    image = image + rng.normal(scale=0.03, size=image.shape)
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


# ----------------------------------------------------------------------
# Codebook


@pytest.mark.parametrize("method", ["kmeans", "minibatch"])
def test_encode_decode_is_nearest_codeword(data, method):
    cb = Codebook.train(data, 8, method=method, random_state=0)
    assert cb.codewords.shape == (8, 4) and cb.k == 8 and cb.n_features == 4
    codes = cb.encode(data)
    assert codes.dtype == np.uint8 and codes.shape == (500,)
    labels, _ = nearest_reference(data, cb.codewords)
    np.testing.assert_array_equal(codes, labels)
    np.testing.assert_array_equal(cb.decode(codes), cb.codewords[labels])


def test_float32_kept_and_sample_weight(data):
    X = data.astype(np.float32)
    cb = Codebook.train(X, 3, random_state=0, sample_weight=np.ones(len(X)), n_init=2)
    assert cb.codewords.dtype == np.float32
    with pytest.raises(ValueError, match="sample_weight"):
        Codebook.train(X, 3, sample_weight=np.ones(3))


@pytest.mark.parametrize(
    "k, dtype",
    [
        (1, np.uint8),
        (2, np.uint8),
        (256, np.uint8),
        (257, np.uint16),
        (65536, np.uint16),
        (65537, np.uint32),
    ],
)
def test_code_dtype_rule(k, dtype):
    assert code_dtype(k) == dtype


@pytest.mark.parametrize("k, dtype", [(2, np.uint8), (256, np.uint8), (257, np.uint16)])
def test_encode_dtype_from_synthetic_codebook(k, dtype):
    C = np.arange(k, dtype=np.float64)[:, None] * np.ones((1, 2))
    cb = Codebook(C)
    codes = cb.encode(C[::-1] + 0.1)
    assert codes.dtype == dtype
    np.testing.assert_array_equal(codes, np.arange(k)[::-1])
    assert cb.code_dtype == dtype


def test_dtype_rule_at_65536_without_training():
    cb = Codebook(np.zeros((65536, 1)))
    assert cb.code_dtype == np.uint16 and cb.bits_per_vector == 16


def test_distortion_matches_numpy(data):
    cb = Codebook.train(data, 5, random_state=1)
    _, d2 = nearest_reference(data, cb.codewords)
    d = cb.distortion(data)
    assert d.n_samples == 500
    assert d.mse_per_vector == pytest.approx(d2.mean(), rel=1e-12)
    assert d.mse_per_component == pytest.approx(d2.mean() / 4, rel=1e-12)


def test_bits_and_compression():
    bits = [Codebook(np.zeros((k, 3))).bits_per_vector for k in (1, 2, 3, 4, 5, 256, 257)]
    assert bits == [0, 1, 2, 2, 3, 8, 9]
    cb = Codebook(np.zeros((16, 3), dtype=np.float32))
    assert cb.compression_ratio(np.uint8) == 6.0
    assert cb.compression_ratio(1) == 6.0
    assert cb.compression_ratio("float64") == 48.0
    assert cb.codebook_bytes == 16 * 3 * 4
    assert Codebook(np.zeros((1, 3))).compression_ratio(np.uint8) == np.inf
    with pytest.raises(ValueError, match="itemsize"):
        cb.compression_ratio(0)


def test_decode_validates_codes():
    cb = Codebook(np.eye(3))
    with pytest.raises(ValueError, match=r"code 3 is out of range.*k=3"):
        cb.decode([0, 3])
    with pytest.raises(ValueError, match="out of range"):
        cb.decode(np.array([-1]))
    with pytest.raises(ValueError, match="integers"):
        cb.decode([0.5])
    assert cb.decode(np.array([[0, 2]], dtype=np.uint8)).shape == (1, 2, 3)


def test_bad_input():
    cb = Codebook(np.eye(3))
    with pytest.raises(ValueError, match="NaN"):
        cb.encode([[np.nan, 0, 0]])
    with pytest.raises(ValueError, match="features"):
        cb.encode(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="2D"):
        cb.encode(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        Codebook([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="2D"):
        Codebook([1.0, 2.0])
    with pytest.raises(ValueError, match="k must be"):
        Codebook.train(np.zeros((5, 2)), 0)
    with pytest.raises(ValueError, match="method"):
        Codebook.train(np.zeros((5, 2)), 2, method="median")
    with pytest.raises(ValueError, match="n_samples"):
        Codebook.train(np.zeros((2, 2)), 3)


def test_save_load_round_trip(tmp_path, data):
    cb = Codebook.train(data.astype(np.float32), 6, random_state=0)
    path = tmp_path / "cb.npz"
    assert cb.save(path) == str(path)
    loaded = Codebook.load(path)
    assert loaded.codewords.dtype == np.float32
    np.testing.assert_array_equal(loaded.codewords, cb.codewords)
    np.testing.assert_array_equal(loaded.encode(data), cb.encode(data))


def test_load_refuses_foreign_and_damaged(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, codewords=np.eye(2))
    with pytest.raises(ValueError, match="not a vqkit code book"):
        Codebook.load(foreign)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a vqkit code book"):
        Codebook.load(damaged)
    npy = tmp_path / "bare.npy"
    np.save(npy, np.eye(2))
    with pytest.raises(ValueError, match="not a vqkit code book"):
        Codebook.load(npy)
    # a KMeans model file is a vqkit file, but not a code book
    from vqkit import KMeans

    model = tmp_path / "model.npz"
    KMeans(2, random_state=0).fit(np.eye(2)).save(model)
    with pytest.raises(ValueError, match="vqkit-codebook"):
        Codebook.load(model)
    with pytest.raises(FileNotFoundError):
        Codebook.load(tmp_path / "missing.npz")


# ----------------------------------------------------------------------
# images


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_flat_blocks_recovered_exactly(dtype):
    image, colours = block_image(dtype)
    result = quantize_image(image, 4, random_state=0)
    assert isinstance(result, QuantizedImage)
    assert result.image.dtype == dtype and result.image.shape == (64, 48, 3)
    if dtype == np.uint8:
        np.testing.assert_array_equal(result.image, image)
        assert result.psnr == np.inf
    else:  # a mean of equal floats may be off by an ulp or so
        np.testing.assert_allclose(result.image, image, rtol=0, atol=1e-6)
        assert result.psnr > 120
    assert result.unique_colours == 4
    assert result.codes.shape == (64, 48) and result.codes.dtype == np.uint8
    assert result.bits_per_pixel == 2 and result.compression_ratio == 12.0
    assert result.codebook.k == 4
    np.testing.assert_array_equal(result.codebook.decode(result.codes).shape, (64, 48, 3))


def test_psnr_increases_with_k():
    image = noisy_gradient()
    psnrs = [quantize_image(image, k, random_state=0).psnr for k in (2, 4, 8, 16)]
    assert all(b > a for a, b in zip(psnrs, psnrs[1:])), psnrs
    assert 10 < psnrs[0] < psnrs[-1] < 60


def test_psnr_matches_definition():
    image = noisy_gradient()
    result = quantize_image(image, 8, random_state=0)
    mse = np.mean((image.astype(float) - result.image.astype(float)) ** 2)
    assert result.psnr == pytest.approx(10 * np.log10(255**2 / mse))
    floats = image / 255.0
    fresult = quantize_image(floats, 8, random_state=0)
    assert fresult.image.dtype == np.float64
    assert 0 <= fresult.image.min() and fresult.image.max() <= 1
    mse = np.mean((floats - fresult.image) ** 2)
    assert fresult.psnr == pytest.approx(10 * np.log10(1 / mse))


def test_rgba_keeps_alpha():
    image, _ = block_image()
    alpha = np.random.default_rng(0).integers(0, 256, size=(64, 48, 1), dtype=np.uint8)
    rgba = np.concatenate([image, alpha], axis=-1)
    result = quantize_image(rgba, 4, random_state=0)
    assert result.image.shape == (64, 48, 4)
    np.testing.assert_array_equal(result.image[..., 3], alpha[..., 0])
    np.testing.assert_array_equal(result.image[..., :3], image)
    assert result.codebook.n_features == 3 and result.unique_colours == 4


def test_from_png_file_and_save(tmp_path):
    image, _ = block_image()
    src = tmp_path / "in.png"
    Image.fromarray(image).save(src)
    result = quantize_image(src, 4, random_state=0)
    assert result.image.dtype == np.uint8
    np.testing.assert_array_equal(result.image, image)
    out = tmp_path / "out.png"
    assert result.save(out) == str(out)
    with Image.open(out) as im:
        # 4 colours: a palette PNG of the same pixels
        assert im.format == "PNG" and im.mode == "P" and im.size == (48, 64)
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), image)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".vqkit-")] == []


def test_save_float_and_rgba(tmp_path):
    image, _ = block_image(np.float64)
    rgba = np.concatenate([image, np.full((64, 48, 1), 0.5)], axis=-1)
    out = tmp_path / "rgba.png"
    quantize_image(rgba, 4, random_state=0).save(out)
    with Image.open(out) as im:
        assert im.mode == "RGBA"
        back = np.asarray(im)
    np.testing.assert_array_equal(back[..., :3], block_image()[0])
    assert (back[..., 3] == 128).all()
    # and read back as RGBA from the file
    assert quantize_image(out, 4, random_state=0).image.shape == (64, 48, 4)


def test_sample_size_gives_full_output():
    image = noisy_gradient()
    result = quantize_image(image, 8, sample_size=200, random_state=0)
    assert result.image.shape == image.shape and result.codes.shape == image.shape[:2]
    assert len(np.unique(result.codes)) <= 8
    again = quantize_image(image, 8, sample_size=200, random_state=0)
    np.testing.assert_array_equal(again.image, result.image)
    bigger = quantize_image(image, 8, sample_size=10**6, random_state=0)  # more than pixels
    assert bigger.image.shape == image.shape
    mini = quantize_image(image, 8, sample_size=500, random_state=0, method="minibatch")
    assert mini.image.shape == image.shape and mini.psnr > 15


def test_bad_images():
    image, _ = block_image()
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        quantize_image(image[..., None], 2)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        quantize_image(np.zeros((4, 4, 5), dtype=np.uint8), 2)
    with pytest.raises(ValueError, match="k must be"):
        quantize_image(image, 0)
    with pytest.raises(ValueError, match="k must be"):
        quantize_image(image, 2.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        quantize_image(image.astype(np.float64), 2)
    with pytest.raises(ValueError, match="NaN"):
        quantize_image(np.full((2, 2, 3), np.nan), 2)
    with pytest.raises(ValueError, match="uint8"):
        quantize_image(image.astype(np.int16), 2)
    with pytest.raises(ValueError, match="sample_size"):
        quantize_image(image, 2, sample_size=0)
    with pytest.raises(ValueError, match="training pixels"):
        quantize_image(noisy_gradient(), 8, sample_size=4)


def test_without_pillow(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        quantize_image(tmp_path / "x.png", 2)
    image, _ = block_image()
    result = quantize_image(image, 4, random_state=0)  # arrays need no Pillow
    with pytest.raises(ImportError, match="pip install pillow"):
        result.save(tmp_path / "x.png")
