"""Notebook display: the HTML and plain-text views of estimators,
ChooseKResult, Codebook and QuantizedImage (content, escaping, no pixel
arrays, bounded size)."""

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import vqkit
from helpers import blobs
from vqkit import BisectingKMeans, KMeans, MiniBatchKMeans
from vqkit._display import THUMBNAIL_PIXELS, png_bytes, thumbnail
from vqkit.quantization import Codebook, quantize_image
from vqkit.selection import ChooseKResult

Image = pytest.importorskip("PIL.Image")

VOID = {"img", "br", "meta", "hr"}


class Page(HTMLParser):
    """Parses an HTML fragment, checking that every tag is closed in order;
    keeps the text, the table rows and the images."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.rows, self.images = [], [], [], []
        self.feed(markup)
        self.close()
        assert self.stack == [], f"unclosed tags {self.stack}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "tr":
            self.rows.append({"style": attrs.get("style") or "", "cells": []})
        elif tag in ("td", "th") and self.rows:
            self.rows[-1]["cells"].append({"style": attrs.get("style") or "", "text": ""})
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.rows and self.rows[-1]["cells"] and self.stack[-1:] in (["td"], ["th"]):
            self.rows[-1]["cells"][-1]["text"] += data

    def all_text(self):
        return " ".join(self.text)


class Printer:
    """Collects what a ``_repr_pretty_`` writes (IPython's printer API)."""

    def __init__(self):
        self.parts = []

    def text(self, part):
        self.parts.append(part)


def pretty(obj):
    printer = Printer()
    obj._repr_pretty_(printer, False)
    return "".join(printer.parts)


def field(page, name):
    for row in page.rows:
        cells = [c["text"] for c in row["cells"]]
        if cells and cells[0] == name:
            return cells[1]
    raise AssertionError(f"no field {name!r} in {[r['cells'] for r in page.rows]}")


# ----------------------------------------------------------------------
# estimators


def test_unfitted_estimators_keep_scikit_learn_repr():
    assert repr(KMeans()) == "KMeans()"
    assert repr(KMeans(3, init="random")) == "KMeans(init='random', n_clusters=3)"
    page = Page(KMeans(3)._repr_html_())
    assert "not fitted" in page.all_text()
    assert field(page, "n_clusters") == "3"
    assert pretty(KMeans(3)) == "KMeans(n_clusters=3)"
    assert "default parameters" in Page(MiniBatchKMeans()._repr_html_()).all_text()


@pytest.mark.parametrize("cls", [KMeans, MiniBatchKMeans, BisectingKMeans])
def test_fitted_estimator_summary(cls):
    X = blobs(300, 2, 4, seed=1)
    est = cls(n_clusters=4, random_state=0).fit(X)
    sizes = np.bincount(est.labels_, minlength=4)
    assert repr(est) == f"{cls.__name__}(n_clusters=4, random_state=0)"  # unchanged
    page = Page(est._repr_html_())
    assert field(page, "clusters") == "4"
    assert field(page, "features") == "2"
    assert float(field(page, "inertia")) == pytest.approx(est.inertia_, rel=1e-5)
    assert field(page, "iterations") == str(est.n_iter_)
    assert field(page, "cluster sizes") == ", ".join(str(s) for s in sizes)
    text = pretty(est)
    assert text.splitlines()[0] == repr(est)
    assert f"cluster sizes: {', '.join(str(s) for s in sizes)}" in text
    assert f"iterations: {est.n_iter_}" in text


def test_many_cluster_sizes_are_summarised():
    X = blobs(2000, 2, 40, seed=2)
    est = KMeans(40, random_state=0, n_init=1).fit(X)
    sizes = np.bincount(est.labels_, minlength=40)
    shown = field(Page(est._repr_html_()), "cluster sizes")
    assert shown.startswith(", ".join(str(s) for s in sizes[:12]) + ", ...")
    assert f"40 clusters, {sizes.min()} to {sizes.max()} rows" in shown


def test_parameter_values_are_escaped_and_arrays_shown_by_shape():
    hostile = "<script>alert('x')</script> & \"quoted\""
    est = KMeans(2, random_state=hostile, init=np.arange(2000.0).reshape(1000, 2))
    markup = est._repr_html_()
    assert "<script>" not in markup and "alert('x')" not in markup
    page = Page(markup)
    assert field(page, "random_state") == repr(hostile)  # shown as text
    assert field(page, "init") == "<array of shape (1000, 2), float64>"
    assert "1999" not in markup


# ----------------------------------------------------------------------
# ChooseKResult


@pytest.fixture(scope="module")
def chosen():
    return vqkit.choose_k(blobs(300, 2, 3, seed=4, spread=0.3), range(1, 6), random_state=0)


def test_choose_k_table_highlights_the_picks(chosen):
    page = Page(chosen._repr_html_())
    table = [r for r in page.rows if r["cells"] and r["cells"][0]["text"].isdigit()]
    assert [int(r["cells"][0]["text"]) for r in table] == list(chosen.ks)
    header = next(r for r in page.rows if r["cells"] and r["cells"][0]["text"] == "k")
    columns = [c["text"] for c in header["cells"]]
    for row, k in zip(table, chosen.ks):
        assert ("background" in row["style"]) == (k == chosen.best_k)
        for method, pick in chosen.picks.items():
            column = columns.index("inertia" if method == "elbow" else method)
            bold = "bold" in row["cells"][column]["style"]
            assert bold == (pick == k), (method, k)
    silhouette = columns.index("silhouette")
    assert table[0]["cells"][silhouette]["text"] == "-"  # NaN at k = 1
    assert float(table[1]["cells"][silhouette]["text"]) == pytest.approx(
        chosen.table["silhouette"][1], rel=1e-4
    )
    assert f"best_k = {chosen.best_k}" in page.all_text()
    assert pretty(chosen) == chosen.report()


def test_choose_k_notes_are_escaped(chosen):
    result = ChooseKResult(
        ks=chosen.ks,
        methods=chosen.methods,
        table=chosen.table,
        picks=chosen.picks,
        best_k=chosen.best_k,
        knee=chosen.knee,
        votes=chosen.votes,
        notes=["<img src=x onerror=alert(1)> & more"],
        models=chosen.models,
        n_samples=chosen.n_samples,
        n_features=chosen.n_features,
        n_init=chosen.n_init,
    )
    page = Page(result._repr_html_())
    assert page.images == []
    assert "<img src=x onerror=alert(1)> & more" in page.all_text()


# ----------------------------------------------------------------------
# Codebook


def test_trained_codebook_shows_its_distortion():
    X = np.random.default_rng(0).normal(size=(500, 4))
    book = Codebook.train(X, 8, random_state=0)
    measured = book.distortion(X)
    assert book.training_distortion.mse_per_vector == pytest.approx(measured.mse_per_vector)
    assert book.training_distortion.mse_per_component == pytest.approx(measured.mse_per_component)
    page = Page(book._repr_html_())
    assert field(page, "code words (k)") == "8"
    assert field(page, "dimensions") == "4"
    assert field(page, "bits per vector") == "3"
    assert field(page, "code book size") == "256 bytes"
    assert field(page, "training distortion").startswith(
        f"{measured.mse_per_vector:.6g} per vector"
    )
    text = pretty(book)
    assert text.startswith(repr(book)) and "bits per vector: 3" in text


def test_weighted_training_distortion_is_the_weighted_mean():
    X = np.random.default_rng(1).normal(size=(200, 3))
    w = np.random.default_rng(2).uniform(0.5, 2.0, size=200)
    book = Codebook.train(X, 4, random_state=0, sample_weight=w)
    codes = book.encode(X)
    d2 = ((X - book.codewords[codes]) ** 2).sum(axis=1)
    assert book.training_distortion.mse_per_vector == pytest.approx(np.sum(w * d2) / w.sum())


def test_codebook_not_trained_here():
    book = Codebook([[0.0, 1.0], [2.0, 3.0]])
    assert book.training_distortion is None
    assert "not measured" in field(Page(book._repr_html_()), "training distortion")


# ----------------------------------------------------------------------
# QuantizedImage


def decoded(img):
    prefix = "data:image/png;base64,"
    assert img["src"].startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(img["src"][len(prefix) :]))))


def test_quantized_image_repr_has_no_pixels():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(60, 90, 3), dtype=np.uint8)
    result = quantize_image(image, 4, random_state=0)
    text = repr(result)
    assert text.startswith("QuantizedImage(90x60, 4 colours")
    assert f"psnr={result.psnr:.2f} dB" in text
    assert "array" not in text and "[" not in text and len(text) < 120


def test_quantized_image_html_shows_both_thumbnails():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(300, 500, 4), dtype=np.uint8)  # RGBA noise
    result = quantize_image(image, 6, random_state=0, sample_size=2000)
    markup = result._repr_html_()
    assert len(markup) < 250_000  # two thumbnails of noise, the worst case for PNG
    page = Page(markup)
    original, quantized = page.images
    assert original["alt"] == "original" and quantized["alt"] == "6 colours"
    shown = decoded(original)
    assert max(shown.shape[:2]) <= THUMBNAIL_PIXELS
    np.testing.assert_array_equal(shown, thumbnail(image))
    np.testing.assert_array_equal(decoded(quantized), thumbnail(result.image))
    assert field(page, "colours") == f"6 (from {result.unique_colours})"
    assert field(page, "PSNR") == f"{result.psnr:.2f} dB"
    assert field(page, "size") == "500 x 300 pixels"


def test_thumbnail_of_a_float_image_and_png_round_trip():
    rng = np.random.default_rng(6)
    image = rng.random((10, 7, 3))
    small = thumbnail(image)
    assert small.dtype == np.uint8 and small.shape == (10, 7, 3)
    np.testing.assert_array_equal(small, np.rint(image * 255).astype(np.uint8))
    for channels in (3, 4):
        pixels = rng.integers(0, 256, size=(5, 9, channels), dtype=np.uint8)
        back = np.asarray(Image.open(io.BytesIO(png_bytes(pixels))))
        np.testing.assert_array_equal(back, pixels)
    tall = thumbnail(np.zeros((1000, 10, 3), np.uint8))
    assert tall.shape[0] <= THUMBNAIL_PIXELS and tall.shape[1] >= 1


def test_every_display_escapes_its_text():
    # the helpers quote attribute text too: an alt text cannot end its attribute
    from vqkit._display import image_tag

    tag = image_tag(np.zeros((2, 2, 3), np.uint8), 'a" onload="x')
    assert re.search(r'alt="a&quot; onload=&quot;x"', tag)
