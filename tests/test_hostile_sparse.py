"""Hostile SciPy sparse input: arrays changed by hand after SciPy built the
matrix (column indices past the width, a decreasing or short ``indptr``,
values and indices of different lengths, NaN values, rows of a COO, BSR,
DIA or LIL matrix that do not fit its shape) get a ``ValueError`` from
every entry point that takes sparse input, and the ``TypeError`` for
sparse input from those that do not; never a segfault or an abort.

Those malformed matrices crashed the interpreter, so the hypothesis search
runs in a subprocess (this file run as a script), where a regression can
only fail one test.  Valid input (all zeros, unsorted or duplicate
indices, flags set by hand) must give the answer of its dense copy.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")

import vqkit  # noqa: E402
from vqkit import KMeans, MiniBatchKMeans  # noqa: E402

FORMATS = ("csr", "csc", "coo", "bsr", "dia", "lil")
DENSE = np.random.default_rng(0).normal(size=(12, 4))


# ----------------------------------------------------------------------
# valid input


@pytest.mark.parametrize("fmt", FORMATS + ("dok",))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_all_zero_sparse_matrix_fits(fmt, dtype):
    """``scipy.sparse.csr_matrix((10, 5))`` raised UFuncTypeError."""
    Z = sp.csr_matrix((10, 5), dtype=dtype).asformat(fmt)
    for estimator in (
        KMeans(2, random_state=0, n_init=1),
        KMeans(2, random_state=0, init="random"),
        KMeans(2, random_state=0, init="k-means||"),
        MiniBatchKMeans(2, random_state=0, batch_size=4),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", vqkit.ConvergenceWarning)  # one distinct point
            estimator.fit(Z)
        np.testing.assert_array_equal(estimator.cluster_centers_, 0)
        assert estimator.inertia_ == 0
        np.testing.assert_array_equal(estimator.predict(Z), estimator.predict(Z.toarray()))
        assert estimator.score(Z) == 0
    assert MiniBatchKMeans(2, random_state=0).partial_fit(Z).cluster_centers_.shape == (2, 5)


def test_unsorted_and_duplicate_indices_are_summed_on_a_copy():
    rng = np.random.default_rng(1)
    dense = np.where(rng.uniform(size=(30, 6)) < 0.5, rng.normal(size=(30, 6)), 0.0)
    X = sp.csr_array(dense)
    # every row stored backwards, with its first entry split in two halves
    cols, vals = [], []
    for i in range(dense.shape[0]):
        for j in np.flatnonzero(dense[i])[::-1]:
            cols += [j, j]
            vals += [dense[i, j] / 2, dense[i, j] / 2]
    indptr = np.concatenate([[0], np.cumsum(2 * np.count_nonzero(dense, axis=1))])
    messy = sp.csr_array((np.array(vals), np.array(cols), indptr), shape=dense.shape)
    assert not messy.has_canonical_format
    before = (messy.data.copy(), messy.indices.copy())
    init = dense[:3]
    fitted = KMeans(3, init=init, n_init=1).fit(messy)
    reference = KMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(fitted.labels_, reference.labels_)
    np.testing.assert_allclose(fitted.cluster_centers_, reference.cluster_centers_)
    np.testing.assert_array_equal(messy.data, before[0])
    np.testing.assert_array_equal(messy.indices, before[1])


def test_canonical_flag_set_by_hand_is_not_trusted():
    dense = DENSE.copy()
    dense[:, 1] = 0
    rows = np.repeat(np.arange(12), 3)
    cols = np.tile([3, 2, 0], 12)
    X = sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)
    lying = sp.csr_array(
        (
            np.concatenate([dense[i, [3, 2, 0]] for i in range(12)]),
            np.tile([3, 2, 0], 12),
            np.arange(0, 37, 3),
        ),
        shape=dense.shape,
    )
    lying.has_sorted_indices = True
    lying.has_canonical_format = True
    model = KMeans(2, random_state=0, n_init=1).fit(dense)
    np.testing.assert_allclose(model.transform(lying), model.transform(X))
    np.testing.assert_allclose(model.transform(lying), model.transform(dense))


# ----------------------------------------------------------------------
# the reproductions, each in a subprocess

REPRODUCTIONS = {
    "column index beyond the width (fit)": """
        X = sp.csr_matrix(np.eye(4)); X.indices[1] = 1000
        vqkit.KMeans(2, random_state=0, n_init=1).fit(X)
    """,
    "column index beyond the width (predict)": """
        model = vqkit.KMeans(2, random_state=0, n_init=1).fit(np.eye(4))
        X = sp.csr_matrix(np.eye(4)); X.indices[3] = 10**9
        model.predict(X)
    """,
    "decreasing indptr": """
        X = sp.csr_matrix(np.eye(4)); X.indptr[2] = 0
        vqkit.KMeans(2, random_state=0, n_init=1).fit(X)
    """,
    "indptr past the stored entries": """
        X = sp.csr_matrix(np.eye(4)); X.indptr[-1] = 10**6
        vqkit.MiniBatchKMeans(2, random_state=0).fit(X)
    """,
    "COO row past the height": """
        X = sp.coo_array(np.eye(4)); X.row = np.array([0, 1, 2, 99], dtype=np.int32)
        vqkit.KMeans(2, random_state=0, n_init=1).fit(X)
    """,
}


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_reproductions_raise_value_error(name):
    code = (
        "import numpy as np, scipy.sparse as sp, vqkit\n"
        "try:\n"
        + "".join(f"    {line.strip()}\n" for line in REPRODUCTIONS[name].strip().splitlines())
        + "except ValueError as exc:\n    print('refused:', exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "refused: X is not a valid sparse matrix" in out.stdout


def test_malformed_sparse_families_in_a_subprocess():
    """The hypothesis search below, run by this file as a script."""
    out = subprocess.run(
        [sys.executable, "-X", "faulthandler", __file__],
        capture_output=True,
        text=True,
        timeout=1800,
        env=_env(),
    )
    assert out.returncode == 0, (
        f"exit status {out.returncode}; last cases:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
    )
    assert out.stdout.rstrip().endswith("all refused")


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(vqkit.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    return env


# ----------------------------------------------------------------------
# the search (run as a script)


def _malformed_cases():
    """A hypothesis strategy of ``(description, matrix)``: a valid random
    sparse matrix in one format with one of its arrays broken for sure."""
    from hypothesis import strategies as st

    @st.composite
    def case(draw):
        fmt = draw(st.sampled_from(FORMATS))
        n = draw(st.integers(2, 8))
        d = 4  # the width of the fitted model's data
        density = draw(st.sampled_from([0.3, 0.7, 1.0]))
        seed = draw(st.integers(0, 2**16))
        dense = np.where(
            np.random.default_rng(seed).uniform(size=(n, d)) < density,
            np.random.default_rng(seed + 1).normal(size=(n, d)),
            0.0,
        )
        dense[0, 0] = 1.0  # at least one stored entry
        if fmt == "bsr":
            dense = np.vstack([dense, dense])[: 2 * (n // 2) or 2]
            X = sp.csr_array(dense).tobsr(blocksize=(2, 2))
        else:
            X = sp.csr_array(dense).asformat(fmt)
        big = draw(st.sampled_from([1, 7, 10**6, 2**31 - 1, 2**40]))
        if fmt in ("csr", "csc", "bsr"):
            kind = draw(
                st.sampled_from(
                    [
                        "index past the width",
                        "negative index",
                        "decreasing indptr",
                        "short indptr",
                        "long indptr",
                        "indptr not from 0",
                        "indptr past the end",
                        "indptr before the end",
                        "data shorter",
                        "data longer",
                        "NaN value",
                        "infinite value",
                        "float indices",
                        "2-D indices",
                    ]
                )
            )
            nnz = X.indices.size
            at = draw(st.integers(0, nnz - 1))
            indices, indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
            minor = X.shape[1] // (X.blocksize[1] if fmt == "bsr" else 1)
            if fmt == "csc":
                minor = X.shape[0]
            if kind == "index past the width":
                indices[at] = minor - 1 + big
            elif kind == "negative index":
                indices[at] = -big
            elif kind == "decreasing indptr":
                j = draw(st.integers(1, indptr.size - 1))
                indptr[j] = indptr[j - 1] - big
            elif kind == "short indptr":
                indptr = indptr[:-1]
            elif kind == "long indptr":
                indptr = np.append(indptr, indptr[-1])
            elif kind == "indptr not from 0":
                indptr[0] = big
            elif kind == "indptr past the end":
                indptr[-1] += big
            elif kind == "indptr before the end":
                indptr[-1] -= 1
            X.indices, X.indptr = indices, indptr
            if kind == "data shorter":
                X.data = X.data[:-1]
            elif kind == "data longer":
                X.data = np.concatenate([X.data, X.data[:1]])
            elif kind in ("NaN value", "infinite value"):
                X.data[np.unravel_index(at, X.data.shape[:1])] = (
                    np.nan if kind == "NaN value" else -np.inf
                )
            elif kind == "float indices":
                X.indices = X.indices.astype(np.float64)
            elif kind == "2-D indices":
                X.indices = X.indices.reshape(1, -1)
        elif fmt == "coo":
            kind = draw(
                st.sampled_from(
                    [
                        "row past the height",
                        "column past the width",
                        "negative column",
                        "fewer rows",
                        "NaN value",
                    ]
                )
            )
            at = draw(st.integers(0, X.data.size - 1))
            row, col = X.row.astype(np.int64), X.col.astype(np.int64)
            if kind == "row past the height":
                row[at] = n - 1 + big
            elif kind == "column past the width":
                col[at] = d - 1 + big
            elif kind == "negative column":
                col[at] = -big
            elif kind == "fewer rows":
                row = row[:-1]
            X.coords = (row, col)
            if kind == "NaN value":
                X.data[at] = np.nan
        elif fmt == "dia":
            kind = draw(st.sampled_from(["more offsets", "fewer offsets", "NaN value"]))
            if kind == "more offsets":
                X.offsets = np.append(X.offsets, [X.offsets.max() + 1, big])
            elif kind == "fewer offsets":
                X.offsets = X.offsets[:-1]
            else:
                X.data[X.data != 0] = np.nan
        else:  # lil
            kind = draw(
                st.sampled_from(
                    ["fewer rows", "column past the width", "values missing", "NaN value"]
                )
            )
            if kind == "fewer rows":
                X.rows, X.data = X.rows[:-1], X.data[:-1]
            elif kind == "column past the width":
                X.rows[0] = [d - 1 + big]
                X.data[0] = [1.0]
            elif kind == "values missing":
                X.data[0] = []
            else:
                X.data[0] = [np.nan] * len(X.rows[0])
        return f"{fmt} {kind} (n={n}, big={big}, seed={seed})", X

    return case()


def _entry_points():
    """Name -> (function of a sparse X, the exceptions it may raise)."""
    model = KMeans(2, random_state=0, n_init=1).fit(DENSE)
    batch = MiniBatchKMeans(2, random_state=0).fit(DENSE)
    sparse_ok = (ValueError,)
    dense_only = (TypeError,)  # the refusal of any sparse input, before reading it
    return {
        "KMeans.fit": (lambda X: KMeans(2, random_state=0, n_init=1).fit(X), sparse_ok),
        "KMeans.fit random": (
            lambda X: KMeans(2, random_state=0, init="random").fit(X),
            sparse_ok,
        ),
        "KMeans.fit_predict ||": (
            lambda X: KMeans(2, random_state=0, init="k-means||").fit_predict(X),
            sparse_ok,
        ),
        "MiniBatchKMeans.fit": (lambda X: MiniBatchKMeans(2, random_state=0).fit(X), sparse_ok),
        "MiniBatchKMeans.partial_fit": (lambda X: batch.partial_fit(X), sparse_ok),
        "predict": (model.predict, sparse_ok),
        "transform": (model.transform, sparse_ok),
        "score": (model.score, sparse_ok),
        "BisectingKMeans.fit": (lambda X: vqkit.BisectingKMeans(2).fit(X), sparse_ok),
        "kmeans2": (lambda X: vqkit.kmeans2(X, 2, seed=0), dense_only),
        "vq": (lambda X: vqkit.vq(X, np.zeros((2, 4))), dense_only),
        "silhouette_score": (
            lambda X: vqkit.metrics.silhouette_score(X, np.arange(X.shape[0]) % 2),
            sparse_ok,
        ),
        "Codebook.encode": (
            lambda X: vqkit.quantization.Codebook(np.zeros((2, 4))).encode(X),
            dense_only,
        ),
    }


def _search(max_examples):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    entries = _entry_points()

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None)
    @given(case=_malformed_cases(), entry=st.sampled_from(sorted(entries)))
    def every_malformed_matrix_is_refused(case, entry):
        description, X = case
        print(f"{entry}: {description}", flush=True)  # the culprit, should it crash
        function, expected = entries[entry]
        try:
            function(X)
        except expected as exc:
            if expected == (ValueError,):
                assert "sparse" in str(exc) or "NaN" in str(exc) or "inf" in str(exc), exc
        else:
            raise AssertionError(f"{entry} accepted {description}")

    every_malformed_matrix_is_refused()


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    _search(int(os.environ.get("VQKIT_SPARSE_EXAMPLES", "400")))
    print("all refused")
