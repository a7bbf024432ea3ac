"""vqkit.choose_k: the blob panel, wine, the result object, validation."""

import json

import numpy as np
import pytest
import sklearn.datasets as datasets

import vqkit
from helpers import THREE_CENTRES, blobs_around
from vqkit import KMeans, choose_k
from vqkit.selection import COLUMNS, METHODS, ChooseKResult, consensus, largest_supported_k
from vqkit.selection.vote import decide


def separated_blobs(seed, k, d, n, separation=7.0):
    """``n`` rows around ``k`` unit-variance Gaussian centres, every two
    centres at least ``separation`` apart, cluster sizes unequal (weights
    drawn in [0.5, 1.5])."""
    rng = np.random.default_rng(seed)
    side = 1.5 * separation * max(1.0, k ** (1 / d))
    centres = []
    while len(centres) < k:
        c = rng.uniform(-side, side, d)
        if all(np.linalg.norm(c - o) >= separation for o in centres):
            centres.append(c)
    p = rng.uniform(0.5, 1.5, k)
    labels = rng.choice(k, size=n, p=p / p.sum())
    return np.array(centres)[labels] + rng.normal(size=(n, d))


def panel_cases(count):
    """Deterministic panel: true k cycles 2..9, d over 2..20, n over 600..4000."""
    dims = [2, 3, 5, 8, 12, 20, 2, 10, 3, 16]
    sizes = [600, 1000, 1500, 2200, 3000, 4000, 800, 2600]
    return [(2 + i % 8, dims[i % len(dims)], sizes[i % len(sizes)], i) for i in range(count)]


@pytest.fixture(scope="module")
def three_blobs():
    return blobs_around(THREE_CENTRES, 100)


@pytest.fixture(scope="module")
def three_blob_result(three_blobs):
    return choose_k(three_blobs, range(1, 7), random_state=0)


# ----------------------------------------------------------------------
# quality bars


def test_blob_panel_finds_the_true_k():
    cases = panel_cases(24)
    wrong = []
    for k, d, n, seed in cases:
        X = separated_blobs(seed, k, d, n)
        result = choose_k(X, random_state=seed)
        if result.best_k != k:
            wrong.append((k, d, n, seed, result.best_k, result.picks))
    assert len(wrong) <= 0.05 * len(cases), wrong


def test_standardised_wine_gives_three():
    X = datasets.load_wine().data
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    for seed in (0, 1):
        result = choose_k(X, random_state=seed)
        assert result.best_k == 3
        assert result.votes[3] >= 4


def test_one_gaussian_cloud_gives_one():
    X = np.random.default_rng(1).normal(size=(500, 3))
    result = choose_k(X, range(1, 8), random_state=1)
    assert result.picks["gap"] == 1 and result.picks["prediction_strength"] == 1
    assert result.best_k == 1


# ----------------------------------------------------------------------
# the result


def test_result_table_and_picks(three_blob_result, three_blobs):
    r = three_blob_result
    assert isinstance(r, ChooseKResult)
    assert r.ks == (1, 2, 3, 4, 5, 6)
    assert r.methods == METHODS
    assert set(r.table) == set(COLUMNS)
    for column in COLUMNS:
        assert r.table[column].shape == (6,) and r.table[column].dtype == np.float64
    for column in ("silhouette", "calinski_harabasz", "davies_bouldin"):
        assert np.isnan(r.table[column][0]) and not np.isnan(r.table[column][1:]).any()
    assert r.table["prediction_strength"][0] == 1.0
    assert not np.isnan(r.table["gap"]).any() and (r.table["gap_sd"] > 0).all()
    assert r.picks == {m: 3 for m in METHODS}
    assert r.best_k == 3 and r.knee == 3 and r.votes == {3: 6}
    # inertia decreases and comes from the shared fits
    assert (np.diff(r.table["inertia"]) < 0).all()
    assert set(r.models) == set(r.ks)
    for k, model in r.models.items():
        assert isinstance(model, KMeans) and model.n_clusters == k
        assert model.inertia_ == r.table["inertia"][r.ks.index(k)]
    assert vqkit.metrics.silhouette_score(three_blobs, r.models[3].labels_) == pytest.approx(
        r.table["silhouette"][2]
    )


def test_report_and_str(three_blob_result):
    text = three_blob_result.report()
    assert str(three_blob_result) == text
    assert "best_k = 3" in text
    for method in METHODS:
        assert method in text
    assert "300 rows x 2 features" in text and "k = 1..6" in text
    # k = 1 has no silhouette: shown as "-"
    first_row = [line for line in text.splitlines() if line.startswith("   1 ")][0]
    assert " - " in first_row + " "
    assert "best_k=3" in repr(three_blob_result)


def test_to_dict_is_json(three_blob_result):
    data = three_blob_result.to_dict()
    again = json.loads(json.dumps(data))
    assert again["best_k"] == 3 and again["ks"] == [1, 2, 3, 4, 5, 6]
    assert again["picks"]["gap"] == 3
    assert again["table"]["silhouette"][0] is None
    assert again["table"]["inertia"][2] == pytest.approx(three_blob_result.table["inertia"][2])
    assert set(again["table"]) == set(COLUMNS)
    assert again["notes"] == three_blob_result.notes


def test_plot(three_blob_result, three_blobs, tmp_path):
    path = tmp_path / "summary.png"
    three_blob_result.plot(path=path, X=three_blobs)
    assert path.stat().st_size > 0


def test_same_seed_same_answer(three_blobs):
    a = choose_k(three_blobs, range(1, 5), random_state=7)
    b = choose_k(three_blobs, range(1, 5), random_state=np.random.RandomState(7))
    for column in COLUMNS:
        np.testing.assert_array_equal(a.table[column], b.table[column])
    assert a.picks == b.picks and a.notes == b.notes


def test_methods_subset(three_blobs):
    r = choose_k(three_blobs, range(2, 6), methods="silhouette", random_state=0)
    assert r.methods == ("silhouette",)
    assert r.picks == {"silhouette": 3} and r.best_k == 3
    assert np.isnan(r.table["gap"]).all() and np.isnan(r.table["prediction_strength"]).all()
    assert not np.isnan(r.table["inertia"]).any()  # the fits are always there
    r = choose_k(three_blobs, range(1, 6), methods=["gap", "elbow"], random_state=0)
    assert r.methods == ("elbow", "gap") and set(r.picks) == {"elbow", "gap"}


def test_float32_is_kept(three_blobs):
    r = choose_k(
        three_blobs.astype(np.float32), range(1, 6), methods=["elbow", "gap"], random_state=0
    )
    assert r.models[3].cluster_centers_.dtype == np.float32
    assert r.best_k == 3


# ----------------------------------------------------------------------
# notes


def test_sampling_is_reported(three_blobs):
    r = choose_k(
        three_blobs,
        range(1, 5),
        random_state=0,
        silhouette_rows=120,
        gap_rows=150,
        heldout_rows=200,
        fit_rows=100,
    )
    notes = " | ".join(r.notes)
    assert "restarts ran on a sample of 100 of 300 rows" in notes
    # the models are refined on all rows and describe all rows
    model = r.models[3]
    assert model.labels_.shape == (300,)
    assert model.inertia_ == pytest.approx(
        vqkit.metrics.inertia(three_blobs, model.labels_, model.cluster_centers_)
    )
    assert model.inertia_ == pytest.approx(
        KMeans(3, n_init=5, random_state=0).fit(three_blobs).inertia_
    )
    assert "silhouette was sampled on 120 of 300 rows" in notes
    assert "gap statistic was computed on a sample of 150 of 300 rows" in notes
    assert "prediction strength was computed on a sample of 200 of 300 rows" in notes
    assert r.best_k == 3


def test_elbow_without_a_knee_is_reported(three_blobs):
    r = choose_k(three_blobs, range(1, 4), methods=["elbow", "silhouette"], random_state=0)
    assert r.knee is None and r.picks["elbow"] is None
    assert "the elbow curve has no knee" in r.notes
    assert r.best_k == 3  # from the silhouette
    r = choose_k(three_blobs, [2, 3], methods=["elbow"], random_state=0)
    assert "the elbow needs at least 3 values of k" in r.notes
    assert r.best_k == 2  # nobody voted: the smallest k, with a note
    assert any("no criterion could choose" in note for note in r.notes)


def test_range_without_one_and_disagreement_notes():
    X = np.random.default_rng(1).normal(size=(300, 2))
    r = choose_k(X, range(2, 6), random_state=0)
    assert r.best_k >= 2
    assert any("k = 1 is not in the range" in note for note in r.notes)
    if len(set(v for v in r.picks.values() if v is not None)) > 1:
        assert any(note.startswith("the criteria disagree") for note in r.notes)


def test_sample_weight(three_blobs):
    w = np.ones(len(three_blobs))
    w[:50] = 2.0
    r = choose_k(three_blobs, range(1, 5), sample_weight=w, random_state=0)
    repeated = np.concatenate([three_blobs, three_blobs[:50]])
    assert r.table["inertia"][0] == pytest.approx(((repeated - repeated.mean(axis=0)) ** 2).sum())
    assert any("sample_weight" in note for note in r.notes)
    assert r.best_k == 3


# ----------------------------------------------------------------------
# progress


def test_progress_callable(three_blobs):
    calls = []
    choose_k(
        three_blobs,
        range(1, 5),
        random_state=0,
        n_references=3,
        heldout_repeats=2,
        progress=lambda done, total, message: calls.append((done, total, message)),
    )
    assert [c[0] for c in calls] == list(range(1, 10))
    assert {c[1] for c in calls} == {4 + 3 + 2}
    assert calls[0][2] == "fitted k=1" and "gap reference 3/3" in [c[2] for c in calls]


def test_progress_true_draws_a_bar_on_stderr(three_blobs, capsys, monkeypatch):
    monkeypatch.setattr("vqkit._progress.DELAY_SECONDS", 0.0)  # at once, not after 1 s
    choose_k(
        three_blobs, range(1, 3), methods="gap", n_references=2, random_state=0, progress=True
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "choose_k" in captured.err and "fitted k=1" in captured.err
    assert "100%" in captured.err
    choose_k(
        three_blobs, range(1, 3), methods="gap", n_references=2, random_state=0, progress=False
    )
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------
# consensus


def test_consensus_plurality_and_ties():
    assert consensus({"elbow": 4, "silhouette": 3, "gap": 3}, range(1, 6)) == (3, {4: 1, 3: 2})
    # a tie goes to the gap's pick, then the silhouette's
    assert (
        consensus({"elbow": 4, "gap": 5, "silhouette": 4, "prediction_strength": 5}, range(1, 8))[
            0
        ]
        == 5
    )
    assert (
        consensus(
            {"elbow": 4, "silhouette": 2, "calinski_harabasz": 4, "davies_bouldin": 2}, range(1, 8)
        )[0]
        == 2
    )


def test_consensus_k1():
    assert (
        consensus({"silhouette": 4, "elbow": 4, "gap": 1, "prediction_strength": 1}, range(1, 6))[
            0
        ]
        == 1
    )
    # one of the two disagrees: the vote decides
    assert consensus({"silhouette": 4, "gap": 1, "prediction_strength": 4}, range(1, 6))[0] == 4
    # the gap could not choose: that is no vote for 1
    assert consensus({"silhouette": 4, "gap": None, "prediction_strength": 1}, range(1, 6))[0] == 4
    # 1 outside the range cannot win
    assert consensus({"silhouette": 4, "gap": 1}, range(2, 6))[0] == 4


def test_consensus_without_votes():
    assert consensus({"elbow": None}, range(3, 6)) == (3, {})
    assert consensus({"elbow": None, "gap": None}, range(1, 6)) == (1, {})


# ----------------------------------------------------------------------
# validation


@pytest.mark.parametrize(
    "k, message",
    [
        ([], "k is empty"),
        (range(4), "numbers >= 1"),
        ([1, -2], "numbers >= 1"),
        (0, "k must be >= 1"),
        (range(1, 400), "larger than the number of rows"),
        ([1, 2.5], "integers only"),
        ([1, True], "integers only"),
        ("abc", "integers only"),
        (None, "integer or an iterable"),
    ],
)
def test_bad_k(three_blobs, k, message):
    with pytest.raises(ValueError, match=message):
        choose_k(three_blobs, k)


def test_k_forms(three_blobs):
    r = choose_k(three_blobs, 3, methods="calinski_harabasz", random_state=0)
    assert r.ks == (1, 2, 3)
    r = choose_k(three_blobs, [4, 2, 2, np.int64(3)], methods="calinski_harabasz", random_state=0)
    assert r.ks == (2, 3, 4)


def test_unknown_method_lists_the_valid_ones(three_blobs):
    with pytest.raises(ValueError, match="unknown method.*'bic'.*elbow, silhouette"):
        choose_k(three_blobs, methods=["silhouette", "bic"])
    with pytest.raises(ValueError, match="methods is empty"):
        choose_k(three_blobs, methods=[])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(reference="gauss"), "reference must be one of"),
        (dict(n_references=0), "n_references must be"),
        (dict(knee_sensitivity=-1), "knee_sensitivity"),
        (dict(strength_threshold=1.5), "strength_threshold"),
        (dict(heldout_repeats=0), "heldout_repeats"),
        (dict(n_init=0), "n_init must be"),
        (dict(n_init="many"), "n_init must be"),
        (dict(silhouette_rows=1), "silhouette_rows"),
        (dict(progress="yes"), "progress must be"),
        (dict(sample_weight=np.ones(5)), "sample_weight"),
    ],
)
def test_bad_options(three_blobs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        choose_k(three_blobs, range(1, 4), **kwargs)


def test_bad_X():
    with pytest.raises(ValueError, match="NaN"):
        choose_k(np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]), range(1, 3))
    with pytest.raises(ValueError, match="2D array"):
        choose_k(np.arange(10.0), range(1, 3))
    with pytest.raises(ValueError, match="0 sample"):
        choose_k(np.empty((0, 2)), range(1, 3))


def test_tiny_data_does_not_crash():
    X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.1]])
    r = choose_k(X, range(1, 7), random_state=0)
    assert r.ks == (1, 2, 3)  # 6 rows support at most 3 clusters
    assert any("k above 3 was not tried" in note for note in r.notes)
    assert r.best_k in r.ks


# ----------------------------------------------------------------------
# the vote, explained


def test_pure_noise_counts_the_criteria_that_said_one():
    X = np.random.default_rng(0).normal(size=(300, 2))
    r = choose_k(X, range(1, 7), random_state=0)
    assert r.best_k == 1 and r.picks["gap"] == 1 and r.picks["prediction_strength"] == 1
    assert r.votes[1] == 2 and r.decision.rule == "no structure"
    assert r.decision.supporters == ("gap", "prediction_strength")
    assert "best_k = 1  (2 of 6 criteria: gap, prediction_strength;" in r.report()
    vote = r.to_dict()["vote"]
    assert vote["rule"] == "no structure" and vote["supporters"] == ["gap", "prediction_strength"]


def test_a_tie_says_how_it_was_broken():
    picks = {"silhouette": 4, "gap": 5}
    decision = decide(picks, range(1, 8))
    assert (decision.best_k, decision.rule, decision.tied) == (5, "tie", (4, 5))
    assert decision.tie_breaker == "gap" and decision.supporters == ("gap",)
    text = decision.explain(("silhouette", "gap"), picks)
    assert text.startswith("1 of 2 criteria: gap; tied with k = 4 (silhouette), broken by gap")
    # through choose_k: five blobs on which the two criteria disagree
    rng = np.random.default_rng(5)
    centres = rng.uniform(-8, 8, size=(5, 2))
    X = np.concatenate([c + rng.normal(size=(40, 2)) for c in centres])
    r = choose_k(X, range(1, 8), methods=["silhouette", "gap"], random_state=0, n_references=3)
    assert r.picks == {"silhouette": 4, "gap": 5} and r.best_k == 5
    assert r.decision.rule == "tie"
    assert "best_k = 5  (1 of 2 criteria: gap; tied with k = 4 (silhouette), broken by gap" in (
        r.report()
    )


def test_plurality_and_no_votes_are_explained():
    picks = {"elbow": 3, "silhouette": 3, "gap": 4, "prediction_strength": 3}
    d = decide(picks, range(1, 6))
    assert (d.best_k, d.rule, d.supporters) == (
        3,
        "most votes",
        ("elbow", "silhouette", "prediction_strength"),
    )
    assert d.explain(tuple(picks), picks).endswith("the most-voted k")
    d = decide({"elbow": None, "silhouette": None}, range(2, 6))
    assert (d.best_k, d.rule, d.supporters) == (2, "no votes", ())
    assert (
        d.explain(("elbow", "silhouette"), {}) == "no criterion could choose; the smallest k tried"
    )


@pytest.mark.parametrize("name", ["prediction_strength", "heldout", "Prediction-Strength"])
def test_prediction_strength_names(three_blobs, name):
    r = choose_k(three_blobs, range(1, 5), methods=[name], random_state=0)
    assert r.methods == ("prediction_strength",)
    assert set(r.picks) == {"prediction_strength"}
    assert r.table["prediction_strength"][0] == 1.0


def test_supported_k_is_one_rule():
    assert [largest_supported_k(n) for n in (1, 2, 3, 7, 60)] == [1, 1, 1, 3, 30]
    X = np.random.default_rng(0).normal(size=(20, 2))
    r = choose_k(X, range(1, 21), methods=["silhouette"], random_state=0)
    assert r.ks == tuple(range(1, 11))
    assert r.notes[0].startswith("k above 10 was not tried: 20 rows support at most 10")
    with pytest.raises(ValueError, match="above 10, the most that 20 rows support"):
        choose_k(X, range(12, 15), random_state=0)
