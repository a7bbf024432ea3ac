"""``progress=True``: a bar with the time left on stderr for long fits of
the estimators and of ``choose_k``; nothing by default; the same results."""

import io
import re
import time

import pytest
from numpy.testing import assert_array_equal

import vqkit
import vqkit._progress as progress_module
from helpers import blobs
from vqkit import KMeans, MiniBatchKMeans
from vqkit._progress import ProgressBar

ETA = re.compile(r"\d\d:\d\d:\d\d")


@pytest.fixture
def no_delay(monkeypatch):
    """Bars appear at once (the default waits a second of work)."""
    monkeypatch.setattr(progress_module, "DELAY_SECONDS", 0.0)


@pytest.fixture(scope="module")
def X():
    return blobs(600, 3, 4, seed=11, spread=1.5)


def test_kmeans_progress_writes_a_bar_to_stderr(X, no_delay, capsys):
    KMeans(4, n_init=2, random_state=0, progress=True).fit(X)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "KMeans fit" in captured.err
    assert "run 2/2, iteration" in captured.err and "inertia" in captured.err
    assert "100%" in captured.err  # a run ending early still ends the bar full
    assert "\r" in captured.err  # drawn in place, even on a captured stream
    assert "\x1b" not in captured.err  # no terminal codes where there is no terminal


def test_minibatch_progress_counts_steps(X, no_delay, capsys):
    est = MiniBatchKMeans(4, batch_size=100, max_iter=2, random_state=0, progress=True).fit(X)
    err = capsys.readouterr().err
    assert "MiniBatchKMeans fit" in err and f"step {est.n_steps_}" in err
    assert "100%" in err


def test_nothing_by_default_or_for_short_fits(X, capsys):
    KMeans(4, random_state=0).fit(X)
    MiniBatchKMeans(4, random_state=0).fit(X)
    vqkit.choose_k(X, range(1, 3), methods="silhouette", random_state=0)
    assert capsys.readouterr() == ("", "")
    # asked for, but over within a second (its kernels compiled above): no bar
    KMeans(4, random_state=0, progress=True).fit(X)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "make",
    [
        lambda progress: KMeans(4, n_init=3, random_state=1, progress=progress),
        lambda progress: KMeans(4, init="random", random_state=2, progress=progress),
        lambda progress: MiniBatchKMeans(4, batch_size=64, random_state=3, progress=progress),
    ],
)
def test_same_result_with_and_without(X, no_delay, make, capsys):
    plain, shown = make(False).fit(X), make(True).fit(X)
    assert capsys.readouterr().err != ""
    assert_array_equal(plain.cluster_centers_, shown.cluster_centers_)
    assert_array_equal(plain.labels_, shown.labels_)
    assert plain.inertia_ == shown.inertia_ and plain.n_iter_ == shown.n_iter_


def test_user_callback_still_called_and_can_stop(X, no_delay, capsys):
    seen = []

    def stop_after_two(stats):
        seen.append(stats.iteration)
        return len(seen) >= 2

    est = KMeans(4, n_init=1, tol=0, random_state=0, callback=stop_after_two, progress=True)
    est.fit(X)
    assert seen == [0, 1] and est.n_iter_ == 2
    assert "iteration 2" in capsys.readouterr().err


def test_long_fit_shows_the_time_left_after_a_second(X, capsys):
    # about 3 s of work (the callback waits): the bar appears after the
    # default second's delay and then estimates the time left
    est = MiniBatchKMeans(
        4,
        batch_size=20,
        max_iter=1,
        tol=0,
        max_no_improvement=None,
        random_state=0,
        callback=lambda stats: time.sleep(0.1),
        progress=True,
    )
    est.fit(X[:600])
    assert est.n_steps_ == 30
    err = capsys.readouterr().err
    assert "MiniBatchKMeans fit" in err and ETA.search(err)
    first_step = re.search(r"step (\d+)", err)
    assert first_step and int(first_step.group(1)) > 1  # nothing shown at the start


def test_choose_k_progress_true_draws_a_bar(X, no_delay, capsys):
    vqkit.choose_k(X, range(1, 4), methods="gap", n_references=2, random_state=0, progress=True)
    err = capsys.readouterr().err
    assert "choose_k" in err and "gap reference 2/2" in err and "100%" in err


def test_progress_must_be_a_bool(X):
    with pytest.raises(ValueError, match="progress must be True or False, got 'yes'"):
        KMeans(2, progress="yes").fit(X)
    with pytest.raises(ValueError, match="progress must be True or False"):
        MiniBatchKMeans(2, progress=1).fit(X)


def test_progress_is_a_parameter(X):
    est = KMeans(3, progress=True)
    assert est.get_params()["progress"] is True
    assert repr(est) == "KMeans(n_clusters=3, progress=True)"
    assert est.set_params(progress=False).progress is False


def test_bar_on_an_explicit_stream_never_goes_backwards():
    stream = io.StringIO()
    bar = ProgressBar("work", 10, stream=stream)
    bar.advance_to(4, "four")
    bar.advance_to(2, "two")  # behind: the count stays, the message changes
    bar.set_total(20)
    bar.close()
    bar.close()
    text = stream.getvalue()
    assert text.count("work") >= 1  # a non-terminal stream gets the label only
