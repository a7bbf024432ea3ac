"""vqkit.plot: every plot renders to PNG without a display, draws what it
says, validates its inputs, and says how to get matplotlib when it is missing."""

import struct
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest

import vqkit
from vqkit import KMeans, metrics, plot, vq


def _blobs(k, d, n_per, seed=0, spread=0.6):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-8, 8, (k, d))
    return np.concatenate([rng.normal(c, spread, (n_per, d)) for c in centres])


@pytest.fixture(scope="module")
def fitted():
    X = _blobs(4, 2, 60)
    km = KMeans(4, random_state=0, n_init=3).fit(X)
    return X, km


def _png_size(path):
    """(width, height) of a PNG file; fails unless the file is a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 5_000 < len(data) < 2_000_000, f"implausible PNG size {len(data)}"
    return width, height


def _figure_type():
    from matplotlib.figure import Figure

    return Figure


def _stand_in(X=None, *, nan_columns=(), ks=tuple(range(1, 9)), fit=True):
    """An object with the attributes of a choose_k result."""
    ks = tuple(ks)
    X = _blobs(3, 2, 50, seed=3) if X is None else X
    models = {k: KMeans(k, random_state=0, n_init=2).fit(X) for k in ks} if fit else {}
    if fit:
        inertia = np.array([m.inertia_ for m in models.values()])
    else:
        inertia = np.linspace(900, 100, len(ks))
    n = len(ks)

    def score(f):
        if not fit:
            return np.linspace(0.2, 0.8, n)
        return np.array([np.nan if k < 2 else f(X, models[k].labels_) for k in ks])

    table = {
        "inertia": inertia,
        "silhouette": score(metrics.silhouette_score),
        "calinski_harabasz": score(metrics.calinski_harabasz_score),
        "davies_bouldin": score(metrics.davies_bouldin_score),
        "gap": np.linspace(0.1, 1.0, n),
        "gap_sd": np.full(n, 0.05),
        "prediction_strength": np.linspace(1.0, 0.3, n),
    }
    for name in nan_columns:
        table[name] = np.full(n, np.nan)
    return SimpleNamespace(
        ks=ks,
        methods=(
            "elbow",
            "silhouette",
            "calinski_harabasz",
            "davies_bouldin",
            "gap",
            "prediction_strength",
        ),
        table=table,
        picks={
            "elbow": 3,
            "silhouette": 3,
            "calinski_harabasz": 3,
            "davies_bouldin": 3,
            "gap": 3,
            "prediction_strength": None,
        },
        best_k=3,
        knee=3,
        notes=["a note about the silhouette sample", "another note " * 12],
        models=models,
    )


def _vlines_at(ax, x):
    """Lines of ``ax`` that are vertical at ``x`` (axvline)."""
    found = []
    for line in ax.lines:
        xs = np.asarray(line.get_xdata(), dtype=float)
        if xs.size == 2 and np.allclose(xs, x):
            found.append(line)
    return found


# ----------------------------------------------------------------------------
# clusters
# ----------------------------------------------------------------------------


def test_clusters_2d_renders_png(fitted, tmp_path):
    X, km = fitted
    out = tmp_path / "c.png"
    fig = plot.clusters(X, km.labels_, km.cluster_centers_, title="four", path=out)
    assert isinstance(fig, _figure_type())
    width, height = _png_size(out)
    assert width >= 400 and height >= 300
    ax = fig.axes[0]
    assert ax.get_title() == "four"
    assert len(ax.collections) == 2  # the points, the centres
    points, centres = ax.collections
    assert len(points.get_offsets()) == len(X)
    np.testing.assert_allclose(centres.get_offsets(), km.cluster_centers_)
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "2", "3"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "cluster 0",
        "cluster 1",
        "cluster 2",
        "cluster 3",
        "centres",
    ]
    # each point has its cluster's colour
    colours = points.get_facecolors()
    for j in range(4):
        members = colours[km.labels_ == j]
        assert np.allclose(members, members[0])
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]  # no temp file left


def test_clusters_projects_with_pca_when_d_above_2():
    X = _blobs(3, 6, 40, seed=1)
    km = KMeans(3, random_state=0).fit(X)
    fig = plot.clusters(X, km.labels_, km.cluster_centers_)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("PC1 (") and ax.get_xlabel().endswith("% variance)")
    assert ax.get_ylabel().startswith("PC2 (")
    # the shares add up to at most 100% and PC1 holds the most
    pc1 = float(ax.get_xlabel()[5:].split("%")[0])
    pc2 = float(ax.get_ylabel()[5:].split("%")[0])
    assert 0 < pc2 <= pc1 and pc1 + pc2 <= 100.05
    # same projection for points and centres: the centres are the cluster
    # means, and the projection is linear, so each projected centre is the
    # mean of its projected points
    points, centres = ax.collections[:2]
    P, C = points.get_offsets(), centres.get_offsets()
    for j in range(3):
        np.testing.assert_allclose(P[km.labels_ == j].mean(axis=0), C[j], atol=1e-8)
    # and the projection preserves the spread along PC1 + PC2 (orthonormal)
    assert np.var(P, axis=0).sum() <= np.var(X, axis=0).sum() + 1e-9


def test_clusters_pca_projection_is_deterministic():
    X = _blobs(3, 5, 30, seed=2)
    km = KMeans(3, random_state=0).fit(X)
    a = plot.clusters(X, km.labels_, km.cluster_centers_).axes[0].collections[0].get_offsets()
    b = plot.clusters(X[::-1], km.labels_[::-1], km.cluster_centers_).axes[0].collections[0]
    np.testing.assert_allclose(a, np.asarray(b.get_offsets())[::-1], atol=1e-9)


def test_clusters_one_feature_is_a_strip():
    X = np.concatenate([np.full((10, 1), 0.0), np.full((10, 1), 5.0)])
    labels = np.repeat([0, 1], 10)
    fig = plot.clusters(X, labels, [[0.0], [5.0]])
    ax = fig.axes[0]
    assert ax.get_ylabel() == "cluster"
    np.testing.assert_allclose(ax.collections[1].get_offsets(), [[0, 0], [5, 1]])


def test_clusters_many_clusters_have_no_legend(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, (1500, 2))
    km = KMeans(25, random_state=0, n_init=1).fit(X)
    out = tmp_path / "many.png"
    fig = plot.clusters(X, km.labels_, km.cluster_centers_, path=out)
    ax = fig.axes[0]
    assert ax.get_legend() is None
    assert len(ax.texts) == 25  # numbered centres name the clusters
    _png_size(out)
    # above 30 clusters the centres are plain crosses, no numbers
    km = KMeans(40, random_state=0, n_init=1).fit(X)
    ax = plot.clusters(X, km.labels_, km.cluster_centers_).axes[0]
    assert len(ax.texts) == 0 and ax.get_legend() is None
    # distinct colours for all 40 clusters
    colours = ax.collections[0].get_facecolors()
    firsts = np.array([colours[km.labels_ == j][0] for j in range(40)])
    assert len(np.unique(firsts.round(6), axis=0)) == 40


def test_clusters_draws_into_given_axes(fitted):
    from matplotlib.figure import Figure

    X, km = fitted
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    got = plot.clusters(X, km.labels_, km.cluster_centers_, ax=ax2)
    assert got is fig
    assert len(ax2.collections) == 2 and len(ax1.collections) == 0
    # axes inside a subfigure: the top-level figure comes back
    fig = Figure()
    sub = fig.subfigures(1, 2)[1]
    ax = sub.subplots()
    assert plot.clusters(X, km.labels_, km.cluster_centers_, ax=ax) is fig


@pytest.mark.parametrize(
    "X, labels, centers, match",
    [
        (np.zeros((5, 2)), [0, 1, 0, 1], np.zeros((2, 2)), "one label per row"),
        (np.zeros((4, 2)), [0, 1, 0, 2], np.zeros((2, 2)), r"0 \.\. 1"),
        (np.zeros((4, 2)), [0, 1, 0, -1], np.zeros((2, 2)), r"0 \.\. 1"),
        (np.zeros((4, 2)), [0, 1, 0, 0.5], np.zeros((2, 2)), "integer"),
        (np.zeros((4, 2)), ["a", "b", "a", "b"], np.zeros((2, 2)), "integer"),
        (np.zeros((4, 3)), [0, 1, 0, 1], np.zeros((2, 2)), "features"),
        (np.zeros(4), [0, 1, 0, 1], np.zeros((2, 2)), "2-D"),
        (np.zeros((0, 2)), [], np.zeros((2, 2)), "empty"),
        (np.array([[0.0, np.nan], [1, 1]]), [0, 1], np.zeros((2, 2)), "NaN"),
        (np.zeros((4, 2)), [0, 1, 0, 1], np.zeros(2), "2-D"),
    ],
)
def test_clusters_rejects_bad_input(X, labels, centers, match):
    with pytest.raises(ValueError, match=match):
        plot.clusters(X, labels, centers)


def test_clusters_rejects_non_axes(fitted):
    X, km = fitted
    with pytest.raises(TypeError, match="Axes"):
        plot.clusters(X, km.labels_, km.cluster_centers_, ax="left")


# ----------------------------------------------------------------------------
# voronoi
# ----------------------------------------------------------------------------


def test_voronoi_renders_regions_boundaries_points_centres(fitted, tmp_path):
    from matplotlib.collections import LineCollection

    X, km = fitted
    out = tmp_path / "v.png"
    fig = plot.voronoi(X, km.cluster_centers_, labels=km.labels_, path=out, resolution=120)
    assert isinstance(fig, _figure_type())
    _png_size(out)
    ax = fig.axes[0]
    (image,) = ax.images
    codes = np.asarray(image.get_array())
    assert codes.shape == (120, 120)
    # the regions are the nearest centres of the grid cells' middles
    x0, x1, y0, y1 = image.get_extent()
    gx = x0 + (np.arange(120) + 0.5) * (x1 - x0) / 120
    gy = y0 + (np.arange(120) + 0.5) * (y1 - y0) / 120
    grid = np.column_stack([np.tile(gx, 120), np.repeat(gy, 120)])
    np.testing.assert_array_equal(codes.ravel(), vq(grid, km.cluster_centers_)[0])
    assert set(np.unique(codes)) == {0, 1, 2, 3}
    # the data and the centres lie inside the drawn area
    assert x0 < X[:, 0].min() and X[:, 0].max() < x1
    assert y0 < X[:, 1].min() and X[:, 1].max() < y1
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1
    assert len(ax.texts) == 4


def test_voronoi_boundaries_are_exact_bisectors():
    from matplotlib.collections import LineCollection

    rng = np.random.default_rng(5)
    X = rng.uniform(-3, 3, (200, 2))
    C = rng.uniform(-3, 3, (7, 2))
    ax = plot.voronoi(X, C).axes[0]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    x0, x1, y0, y1 = ax.images[0].get_extent()
    inner = 0
    for seg in lines.get_segments():
        mid = seg.mean(axis=0)
        on_frame = (
            np.isclose(seg[:, 0], x0).all()
            or np.isclose(seg[:, 0], x1).all()
            or np.isclose(seg[:, 1], y0).all()
            or np.isclose(seg[:, 1], y1).all()
        )
        if on_frame or np.hypot(*(seg[1] - seg[0])) < 1e-9:
            continue
        inner += 1
        d = np.sort(np.hypot(*(C - mid).T))
        # a boundary point is equally near its two nearest centres
        assert d[1] - d[0] < 1e-9 * max(1.0, d[0])
    assert inner >= 7


def test_voronoi_colours_points_by_nearest_centre_without_labels():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    C = np.array([[0.0, 0.0], [5.0, 5.0]])
    ax = plot.voronoi(X, C, resolution=20).axes[0]
    points = [c for c in ax.collections if len(c.get_offsets()) == 4][0]
    colours = points.get_facecolors()
    assert np.allclose(colours[0], colours[1]) and np.allclose(colours[2], colours[3])
    assert not np.allclose(colours[0], colours[2])


def test_voronoi_duplicate_and_single_centres():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    plot.voronoi(X, [[0.0, 0.0], [0.0, 0.0], [2.0, 1.0]], resolution=10)
    ax = plot.voronoi(X, [[1.0, 0.5]], resolution=10).axes[0]
    assert set(np.unique(np.asarray(ax.images[0].get_array()))) == {0}


def test_voronoi_rejects_bad_input():
    X3 = np.zeros((10, 3))
    with pytest.raises(ValueError, match=r"2-D data only.*clusters\(\)"):
        plot.voronoi(X3, np.zeros((2, 3)))
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="2 features"):
        plot.voronoi(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="one label per row"):
        plot.voronoi(X, np.zeros((2, 2)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"0 \.\. 1"):
        plot.voronoi(X, np.zeros((2, 2)), labels=[2] * 10)
    with pytest.raises(ValueError, match="resolution"):
        plot.voronoi(X, np.zeros((2, 2)), resolution=3)
    with pytest.raises(ValueError, match="resolution"):
        plot.voronoi(X, np.zeros((2, 2)), resolution=50.5)


# ----------------------------------------------------------------------------
# elbow and gap
# ----------------------------------------------------------------------------

KS = [1, 2, 3, 4, 5, 6, 7, 8]
INERTIA = [1000.0, 400.0, 120.0, 100.0, 90.0, 82.0, 76.0, 71.0]


def test_elbow_marks_the_knee(tmp_path):
    out = tmp_path / "elbow.png"
    fig = plot.elbow(KS, INERTIA, knee=3, path=out)
    assert isinstance(fig, _figure_type())
    _png_size(out)
    ax = fig.axes[0]
    curve = ax.lines[0]
    np.testing.assert_array_equal(curve.get_xdata(), KS)
    np.testing.assert_array_equal(curve.get_ydata(), INERTIA)
    assert len(_vlines_at(ax, 3)) == 1  # the knee line
    assert [t.get_text() for t in ax.texts] == ["knee: k = 3"]
    assert "inertia" in ax.get_ylabel()
    # a tick at every k, not at fractions
    np.testing.assert_array_equal(ax.get_xticks(), KS)


def test_elbow_without_knee_and_unsorted_ks():
    fig = plot.elbow([3, 1, 2], [5.0, 9.0, 6.0])
    ax = fig.axes[0]
    assert len(ax.lines) == 1 and len(ax.texts) == 0
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [9.0, 6.0, 5.0])
    # NaN (a k not fitted) is allowed and leaves a gap
    plot.elbow([1, 2, 3], [9.0, np.nan, 5.0], knee=2)


@pytest.mark.parametrize(
    "ks, values, knee, match",
    [
        ([1, 2, 3], [3.0, 2.0], None, "one value per k"),
        ([1, 2, 2], [3.0, 2.0, 1.0], None, "repeat"),
        ([1, 2.5, 3], [3.0, 2.0, 1.0], None, "whole numbers"),
        ([0, 1, 2], [3.0, 2.0, 1.0], None, "at least 1"),
        ([], [], None, "non-empty"),
        ([1, 2, 3], [3.0, np.inf, 1.0], None, "finite"),
        ([1, 2, 3], [3.0, 2.0, 1.0], 5, "not one of ks"),
        ([1, 2, 3], [3.0, 2.0, 1.0], 2.0, "integer"),
        ([[1, 2, 3]], [3.0, 2.0, 1.0], None, "1-D"),
    ],
)
def test_elbow_rejects_bad_input(ks, values, knee, match):
    with pytest.raises(ValueError, match=match):
        plot.elbow(ks, values, knee=knee)


def test_gap_has_error_bars_and_marks_best_k(tmp_path):
    from matplotlib.container import ErrorbarContainer

    g = [0.2, 0.5, 0.9, 0.88, 0.87]
    sd = [0.02, 0.03, 0.04, 0.03, 0.05]
    out = tmp_path / "gap.png"
    fig = plot.gap([1, 2, 3, 4, 5], g, sd, best_k=3, path=out)
    _png_size(out)
    ax = fig.axes[0]
    (container,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    line, _caps, (bars,) = container
    np.testing.assert_allclose(line.get_ydata(), g)
    segments = bars.get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments], 2 * np.array(sd))
    assert len(_vlines_at(ax, 3)) == 1
    assert [t.get_text() for t in ax.texts] == ["chosen k = 3"]
    assert len(plot.gap([1, 2], [0.1, 0.2], [0.01, 0.01]).axes[0].texts) == 0


def test_gap_rejects_bad_input():
    with pytest.raises(ValueError, match="one value per k"):
        plot.gap([1, 2, 3], [0.1, 0.2], [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="gap_sd"):
        plot.gap([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.1])
    with pytest.raises(ValueError, match="non-negative"):
        plot.gap([1, 2, 3], [0.1, 0.2, 0.3], [0.1, -0.1, 0.1])
    with pytest.raises(ValueError, match="not one of ks"):
        plot.gap([1, 2, 3], [0.1, 0.2, 0.3], [0.1, 0.1, 0.1], best_k=4)


# ----------------------------------------------------------------------------
# silhouette
# ----------------------------------------------------------------------------


def test_silhouette_bands_and_mean_line(fitted, tmp_path):
    from matplotlib.collections import PolyCollection

    X, km = fitted
    out = tmp_path / "s.png"
    fig = plot.silhouette(X, km.labels_, path=out)
    assert isinstance(fig, _figure_type())
    _png_size(out)
    ax = fig.axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 4  # one band per cluster
    mean = metrics.silhouette_score(X, km.labels_)
    assert len(_vlines_at(ax, mean)) == 1
    assert f"{mean:.3f}" in ax.get_legend().get_texts()[0].get_text()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2", "3"]
    assert ax.get_xlim()[1] == 1.0 and ax.get_xlim()[0] <= -0.1
    assert "240 points in 4 clusters" in ax.get_title()
    # each band is as long as its cluster: bars extend to the sorted silhouettes
    values = metrics.silhouette_samples(X, km.labels_)
    for j, band in enumerate(bands):
        xs = band.get_paths()[0].vertices[:, 0]
        assert np.isclose(xs.max(), values[km.labels_ == j].max())
        assert np.isclose(xs.min(), min(0.0, values[km.labels_ == j].min()))


def test_silhouette_sample_size_and_large_data_warning(fitted, monkeypatch):
    X, km = fitted
    ax = plot.silhouette(X, km.labels_, sample_size=100, random_state=0).axes[0]
    assert "random sample of 100 of 240 rows" in ax.get_title()
    monkeypatch.setattr(metrics, "exact_max", 150)
    with pytest.warns(UserWarning, match="sample of 150 rows"):
        ax = plot.silhouette(X, km.labels_, random_state=0).axes[0]
    assert "random sample of 150 of 240 rows" in ax.get_title()


def test_silhouette_accepts_any_integer_labels():
    X = _blobs(3, 2, 20, seed=4)
    labels = np.repeat([5, 7, 9], 20)
    ax = plot.silhouette(X, labels).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "7", "9"]
    ax = plot.silhouette(X, np.repeat(["small", "medium", "large"], 20)).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["large", "medium", "small"]
    assert len(ax.collections) == 3


def test_silhouette_rejects_bad_input(fitted):
    X, km = fitted
    with pytest.raises(ValueError, match="one label per row"):
        plot.silhouette(X, km.labels_[:-1])
    with pytest.raises(ValueError, match="Number of labels is 1"):
        plot.silhouette(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="sample_size"):
        plot.silhouette(X, km.labels_, sample_size=0)
    with pytest.raises(ValueError, match="2-D"):
        plot.silhouette(X[:, 0], km.labels_)


# ----------------------------------------------------------------------------
# choose_k summary
# ----------------------------------------------------------------------------


def test_choose_k_summary_all_panels(tmp_path):
    X = _blobs(3, 2, 50, seed=3)
    result = _stand_in(X)
    out = tmp_path / "summary.png"
    fig = plot.choose_k_summary(result, X=X, path=out)
    assert isinstance(fig, _figure_type())
    width, height = _png_size(out)
    assert width > height
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "Elbow (inertia)",
        "Silhouette (higher is better)",
        "Calinski–Harabasz (higher is better)",
        "Davies–Bouldin (lower is better)",
        "Gap statistic",
        "Prediction strength",
        "Recommendation",
        "Clusters at best k = 3",
    ]
    elbow_ax, sil_ax = fig.axes[0], fig.axes[1]
    assert len(_vlines_at(elbow_ax, 3)) == 1  # the knee
    assert "knee: k = 3" in [t.get_text() for t in elbow_ax.texts]
    assert "pick: k = 3" in [t.get_text() for t in sil_ax.texts]
    assert "pick: k = 3" in [t.get_text() for t in fig.axes[4].texts]  # gap
    # prediction strength made no pick: no pick line or text, only its threshold
    assert [t.get_text() for t in fig.axes[5].texts] == ["threshold 0.8"]
    assert [line.get_ydata()[0] for line in fig.axes[5].lines[1:]] == [0.8]
    text = fig.axes[6].texts[0].get_text()
    assert "best k = 3" in text and "prediction_strength" in text and "—" in text
    # the notes, in full (the long one too), in a strip across the figure
    (notes_text,) = [t for t in fig.texts if t.get_text().startswith("notes:")]
    notes = notes_text.get_text()
    assert "a note about the silhouette sample" in notes
    assert " ".join(notes.split()).count("another note") == 12
    # ... and inside the figure, below every panel
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = notes_text.get_window_extent(renderer)
    assert box.y0 >= 0 and box.x1 <= fig.bbox.x1
    assert box.y1 <= min(ax.get_tightbbox(renderer).y0 for ax in fig.axes) + 1
    clusters_ax = fig.axes[7]
    np.testing.assert_allclose(
        clusters_ax.collections[1].get_offsets(), result.models[3].cluster_centers_
    )
    assert "best k = 3" in fig.get_suptitle()


def test_choose_k_summary_skips_all_nan_columns():
    result = _stand_in(
        nan_columns=("calinski_harabasz", "davies_bouldin", "gap", "gap_sd", "prediction_strength")
    )
    fig = plot.choose_k_summary(result)
    titles = [ax.get_title() for ax in fig.axes if ax.axison or ax.texts]
    assert titles == ["Elbow (inertia)", "Silhouette (higher is better)", "Recommendation"]
    # a gap column without its s(k) still draws (no error bars)
    result = _stand_in(nan_columns=("gap_sd",), fit=False)
    fig = plot.choose_k_summary(result)
    assert "Gap statistic" in [ax.get_title() for ax in fig.axes]


def test_choose_k_summary_without_picks_or_knee():
    result = _stand_in(fit=False)
    result.knee = None
    result.picks = {m: None for m in result.methods}
    fig = plot.choose_k_summary(result)
    assert len(fig.axes[0].texts) == 0  # no knee line or text
    (text_ax,) = [ax for ax in fig.axes if ax.get_title() == "Recommendation"]
    text = text_ax.texts[0].get_text()
    assert "best k = 3" in text and "elbow" in text


def test_choose_k_summary_predicts_for_other_data():
    X = _blobs(3, 2, 50, seed=3)
    result = _stand_in(X)
    Y = X[:40] + 0.01
    fig = plot.choose_k_summary(result, X=Y)
    (ax,) = [ax for ax in fig.axes if ax.get_title().startswith("Clusters")]
    assert len(ax.collections[0].get_offsets()) == 40


def test_choose_k_summary_rejects_bad_results():
    X = _blobs(3, 2, 50, seed=3)
    result = _stand_in(X)
    result.models = {k: m for k, m in result.models.items() if k != 3}
    with pytest.raises(ValueError, match="no model for best_k=3"):
        plot.choose_k_summary(result, X=X)
    plot.choose_k_summary(result)  # no X: models not needed
    result = _stand_in(X)
    result.best_k = 12
    with pytest.raises(ValueError, match="best_k=12 is not one of"):
        plot.choose_k_summary(result)
    result = _stand_in(X)
    result.table["silhouette"] = np.zeros(3)
    with pytest.raises(ValueError, match="one value per k"):
        plot.choose_k_summary(result)


def test_choose_k_summary_end_to_end(tmp_path):
    X = _blobs(3, 2, 80, seed=6)
    result = vqkit.choose_k(X, range(1, 7), random_state=0)
    out = tmp_path / "ck.png"
    fig = plot.choose_k_summary(result, X=X, path=out)
    _png_size(out)
    titles = [ax.get_title() for ax in fig.axes]
    assert "Elbow (inertia)" in titles and "Recommendation" in titles
    assert titles[-1] == f"Clusters at best k = {result.best_k}"


# ----------------------------------------------------------------------------
# matplotlib missing; headless; examples; demo
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: plot.clusters(np.zeros((2, 2)), [0, 1], np.zeros((2, 2))),
        lambda: plot.voronoi(np.zeros((2, 2)), np.zeros((2, 2))),
        lambda: plot.elbow([1, 2], [2.0, 1.0]),
        lambda: plot.silhouette(np.arange(6.0).reshape(3, 2), [0, 1, 1]),
        lambda: plot.gap([1, 2], [0.1, 0.2], [0.01, 0.01]),
        lambda: plot.choose_k_summary(_stand_in(fit=False)),
        lambda: plot.new_figure(),
    ],
    ids=["clusters", "voronoi", "elbow", "silhouette", "gap", "choose_k_summary", "new_figure"],
)
def test_missing_matplotlib_names_the_extra(call, monkeypatch):
    # a None entry makes every import of the module fail, as if not installed
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'vqkit\[plot\]'"):
        call()


def test_importing_vqkit_plot_does_not_import_matplotlib():
    code = textwrap.dedent("""
        import sys
        import vqkit, vqkit.plot
        assert "matplotlib" not in sys.modules, "matplotlib imported eagerly"
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_headless_without_pyplot(tmp_path):
    # no display, no backend chosen: the figures never touch pyplot
    code = textwrap.dedent(f"""
        import os, sys
        import numpy as np
        from types import SimpleNamespace
        from vqkit import KMeans, plot
        X = np.random.default_rng(0).normal(size=(60, 2))
        km = KMeans(2, random_state=0).fit(X)
        plot.clusters(X, km.labels_, km.cluster_centers_, path={str(tmp_path / "a.png")!r})
        plot.voronoi(X, km.cluster_centers_, path={str(tmp_path / "b.png")!r})
        plot.silhouette(X, km.labels_, path={str(tmp_path / "c.svg")!r})
        plot.elbow([1, 2, 3], [3.0, 2.0, 1.5], knee=2, path={str(tmp_path / "d.pdf")!r})
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
    """)
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png", "c.svg", "d.pdf"]
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "d.pdf").read_bytes()[:4] == b"%PDF"


def test_failed_save_leaves_no_file(fitted, tmp_path):
    X, km = fitted
    with pytest.raises(ValueError):
        plot.clusters(X, km.labels_, km.cluster_centers_, path=tmp_path / "x.notaformat")
    assert list(tmp_path.iterdir()) == []


def test_every_public_plot_has_an_example():
    for name in ["clusters", "voronoi", "elbow", "silhouette", "gap", "choose_k_summary"]:
        doc = getattr(plot, name).__doc__
        assert "Examples\n    --------" in doc, name


@pytest.mark.usefixtures("restore_global_rng")
def test_demo_figure_has_three_panels_with_legends():
    from vqkit.cli import demo

    fig = demo.figure(demo.run_examples())
    assert len(fig.axes) == 3
    legends = [ax.get_legend().get_texts()[-1].get_text() for ax in fig.axes]
    assert legends == ["Centroids", "Centroids", "Codebook Vectors"]
    assert [ax.get_title() for ax in fig.axes] == [
        "K-Means Clustering using vqkit",
        "K-Means++ Clustering using vqkit",
        "Vector Quantization using K-means",
    ]


@pytest.mark.usefixtures("restore_global_rng")
def test_docs_page_code_runs_and_draws_its_figures(tmp_path):
    import importlib.util as util
    import pathlib
    import re

    docs = pathlib.Path(__file__).resolve().parents[1] / "docs"
    spec = util.spec_from_file_location("make_plot_examples", docs / "make_plot_examples.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run_page(tmp_path)
    page = (docs / "plots.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\]\(images/([\w.]+)\)", page))
    drawn = {p.name for p in tmp_path.iterdir()}
    assert shown and shown == drawn
    for name in shown:
        _png_size(tmp_path / name)
        assert (docs / "images" / name).stat().st_size < 150 * 1024


def test_dataframe_columns_label_the_axes():
    pd = pytest.importorskip("pandas")
    X = _blobs(3, 2, 30, seed=1)
    df = pd.DataFrame(X, columns=["alcohol", "proline"])
    km = KMeans(3, random_state=0).fit(df)
    ax = plot.clusters(df, km.labels_, km.cluster_centers_).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("alcohol", "proline")
    ax = plot.voronoi(df, km.cluster_centers_).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("alcohol", "proline")
    one = plot.clusters(df[["proline"]], km.labels_, km.cluster_centers_[:, 1:]).axes[0]
    assert one.get_xlabel() == "proline"
    # arrays are labelled by position; integer column names are shown as they are
    ax = plot.clusters(X, km.labels_, km.cluster_centers_).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("X[:, 0]", "X[:, 1]")
    ax = plot.clusters(pd.DataFrame(X), km.labels_, km.cluster_centers_).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("0", "1")
