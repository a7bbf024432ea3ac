"""The backend contract (``vqkit.backends.base``), checked on every backend
against the same plain NumPy references (``helpers``).

One suite, parametrised over the CPU, sparse, Array API (array-api-strict,
NumPy through array-api-compat, PyTorch when installed) and Dask backends
(Dask's synchronous scheduler: every Dask method runs per block, and
``test_dask.py`` covers the LocalCluster): each required method, each
optional method with its fallback or refusal, and each declared capability.
"""

import importlib
import math
import pathlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import array_api_compat.numpy
import array_api_strict
import dask
import dask.array as da
import numpy as np
import pytest
import scipy.cluster.vq
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from helpers import (
    blobs,
    cluster_sums_reference,
    column_mean_var_reference,
    lloyd_reference,
    nearest_reference,
    potentials_reference,
    sq_distances_reference,
)
from vqkit.backends import Backend, UnsupportedByBackend, array_kind, get_backend
from vqkit.backends.array_api import ArrayAPIBackend, to_numpy
from vqkit.backends.base import CAPABILITIES
from vqkit.backends.cpu import CPUBackend
from vqkit.core.seeding import half_gaps


@dataclass
class Case:
    """A backend and how the tests move host arrays to and from it."""

    backend: Backend
    #: A host 2-D array as data of the backend's kind.
    data: Callable[[np.ndarray], Any]
    #: Any result of the backend as a host NumPy array (dense).
    host: Callable[[Any], np.ndarray]
    #: The key of the case in ``CASES``.
    name: str = ""

    def beside(self, a, X):
        """A host array other than data (centres, labels, weights, an
        origin) as the backend takes it beside data ``X``."""
        return self.backend.like(a, X)


def _numpy_case(backend):
    return Case(backend, lambda a: a, np.asarray)


def _sparse_case():
    def host(a):
        return a.toarray() if sp.issparse(a) else np.asarray(a)

    return Case(get_backend(sp.csr_matrix(np.eye(2))), sp.csr_matrix, host)


def _array_api_case(lib):
    return Case(get_backend(lib.asarray(np.zeros((1, 1)))), lib.asarray, to_numpy)


def _array_api_numpy_case():
    return Case(ArrayAPIBackend(array_api_compat.numpy), lambda a: a, np.asarray)


def _dask_case():
    def data(a):
        return da.from_array(a, chunks=(max(1, math.ceil(a.shape[0] / 3)), -1))

    def host(a):
        return np.asarray(dask.compute(a)[0])

    return Case(get_backend(data(np.zeros((3, 2)))), data, host)


CASES = {
    "cpu": lambda: _numpy_case(CPUBackend()),
    "sparse": _sparse_case,
    "array_api_strict": lambda: _array_api_case(array_api_strict),
    "array_api_numpy": _array_api_numpy_case,
    # PyTorch is not in the test extra (its wheel brings CUDA): tested where installed
    "torch": lambda: _array_api_case(pytest.importorskip("torch")),
    "dask": _dask_case,
}


#: The capabilities each backend declares (pinned: a lost capability fails
#: here instead of skipping its test).
DECLARED = {
    "cpu": {
        "assign_and_sum",
        "compiled_runs",
        "kmeans_plusplus",
        "closer_marks",
        "chunk_draws",
        "scipy_formula",
        "manhattan",
        "hamerly_bounds",
        "wide_bounds",
    },
    "sparse": {"kmeans_plusplus", "chunk_draws"},
    "array_api_strict": {
        "assign_and_sum",
        "kmeans_plusplus",
        "seeding_distances",
        "nearest_tracker",
    },
    "array_api_numpy": {
        "assign_and_sum",
        "kmeans_plusplus",
        "seeding_distances",
        "nearest_tracker",
    },
    "torch": {"assign_and_sum", "kmeans_plusplus", "seeding_distances", "nearest_tracker"},
    "dask": {"assign_and_sum", "round_passes", "lazy", "fold_blocks", "hamerly_bounds"},
}


def declaring(capability):
    """The cases whose backend declares ``capability``."""
    assert capability in CAPABILITIES
    return sorted(name for name, caps in DECLARED.items() if capability in caps)


@pytest.fixture(params=sorted(CASES))
def case(request):
    made = CASES[request.param]()
    made.name = request.param
    if request.param == "dask":
        with dask.config.set(scheduler="synchronous"):
            yield made
    else:
        yield made


def has(case, capability):
    assert capability in CAPABILITIES
    return capability in case.backend.capabilities


def data_and_centres(dtype=np.float64, n=600, d=5, k=6, seed=11):
    """Rows around ``k`` centres with a fifth of the entries zero (sparse
    data stays sparse), and ``k`` centres near the clusters."""
    X = blobs(n, d, k, seed=seed, spread=1.0)
    X[np.random.default_rng(seed).random(X.shape) < 0.2] = 0.0
    C = blobs(k, d, k, seed=seed + 1, spread=0.5)
    return X.astype(dtype), C.astype(dtype)


def weights_of(n, weighted, seed=3):
    return np.random.default_rng(seed).uniform(0.2, 2.0, size=n) if weighted else None


# ----------------------------------------------------------------------
# the contract itself


BACKEND_CLASSES = [
    ("vqkit.backends.cpu", "CPUBackend"),
    ("vqkit.backends.sparse", "SparseBackend"),
    ("vqkit.backends.dask", "DaskBackend"),
    ("vqkit.backends.array_api", "ArrayAPIBackend"),
]


@pytest.mark.parametrize("module,name", BACKEND_CLASSES)
def test_every_backend_implements_every_required_method(module, name):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, Backend)
    assert not cls.__abstractmethods__, f"{name} lacks {sorted(cls.__abstractmethods__)}"
    assert cls.name != Backend.name
    assert cls.capabilities <= set(CAPABILITIES)


def test_the_required_core_is_small_and_abstract():
    assert Backend.__abstractmethods__ == {
        "assign",
        "cluster_sums",
        "column_mean_var",
        "count_non_finite",
        "dense_rows",
        "sq_distances",
    }
    with pytest.raises(TypeError):
        Backend()


def test_an_unknown_capability_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="warp_drive"):
        type("Bad", (CPUBackend,), {"capabilities": frozenset({"warp_drive"})})


def test_backends_declare_their_capabilities(case):
    assert case.backend.capabilities == DECLARED[case.name]


def test_backends_say_who_they_are(case):
    b = case.backend
    assert b.name in ("cpu", "sparse", "dask", "array_api")
    assert b.arrays and b.arrays != Backend.arrays
    assert b.host.name == "cpu"  # host arrays derived from the data
    # dense arrays beside the data (centres): in its library, on its device
    assert b.dense is (b if b.name in ("cpu", "array_api") else b.host)


# ----------------------------------------------------------------------
# required methods


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_assign_matches_reference(case, dtype):
    X, C = data_and_centres(dtype)
    Xb = case.data(X)
    labels, d2 = case.backend.assign(Xb, case.beside(C, Xb))
    ref_labels, ref_d2 = nearest_reference(X.astype(np.float64), C.astype(np.float64))
    labels, d2 = case.host(labels), case.host(d2)
    assert labels.dtype == np.int32 and d2.dtype == dtype
    assert_array_equal(labels, ref_labels)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(d2, ref_d2, rtol=tol, atol=tol * float(ref_d2.max()))
    assert (d2 >= 0).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_assign_far_from_zero_with_an_origin(case, dtype):
    # float32 expanded distances need the origin to stay accurate here
    X = blobs(3000, 12, 20, seed=1, dtype=dtype) + dtype(50)
    C = blobs(20, 12, 20, seed=1, dtype=dtype) + dtype(50)
    origin = X.astype(np.float64).mean(0)
    Xb = case.data(X)
    labels, d2 = case.backend.assign(Xb, case.beside(C, Xb), case.beside(origin, Xb))
    ref_labels, ref_d2 = nearest_reference(X.astype(np.float64), C.astype(np.float64))
    assert_array_equal(case.host(labels), ref_labels)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(case.host(d2), ref_d2, rtol=tol, atol=tol * float(ref_d2.max()))


def test_assign_ties_go_to_the_lowest_index(case):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    C = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    Xb = case.data(X)
    labels, _ = case.backend.assign(Xb, case.beside(C, Xb))
    assert_array_equal(case.host(labels), [0, 0, 0])


def test_assign_rows_without_a_finite_distance(case):
    X = np.zeros((3, 6))
    X[1, 0] = np.nan
    Xb = case.data(X)
    labels, d2 = case.backend.assign(Xb, case.beside(np.ones((2, 6)), Xb))
    if has(case, "lazy"):  # computing the lazy labels reports the row instead
        with pytest.raises(ValueError, match="row 1"):
            case.host(labels)
        return
    assert case.host(labels).tolist() == [0, -1, 0]
    assert np.isinf(case.host(d2)[1])


@pytest.mark.parametrize("weighted", [False, True])
def test_cluster_sums_match_reference(case, weighted):
    X, _ = data_and_centres()
    labels = np.random.default_rng(0).integers(0, 7, size=len(X)).astype(np.int32)
    labels[labels == 6] = 5  # cluster 6 stays empty
    w = weights_of(len(X), weighted)
    Xb = case.data(X)
    sums, wsums = case.backend.cluster_sums(Xb, case.beside(labels, Xb), 7, case.beside(w, Xb))
    ref_sums, ref_wsums = cluster_sums_reference(X, labels, 7, w)
    assert case.host(sums).dtype == np.float64 and case.host(wsums).dtype == np.float64
    assert_allclose(case.host(sums), ref_sums, rtol=1e-12, atol=1e-12)
    assert_allclose(case.host(wsums), ref_wsums, rtol=1e-12)
    assert case.host(wsums)[6] == 0


def test_cluster_sums_reject_labels_out_of_range(case):
    X = case.data(np.zeros((6, 2)))
    for labels, bad in (([0, 3, 1, 0, 0, 0], 3), ([0, -1, 2, 0, 0, 0], -1)):
        with pytest.raises(ValueError, match=f"label {bad} at position 1"):
            sums, _ = case.backend.cluster_sums(
                X, case.beside(np.array(labels, dtype=np.int32), X), 3
            )
            case.host(sums)


@pytest.mark.parametrize("weighted", [False, True])
def test_column_mean_var_match_reference(case, weighted):
    X, _ = data_and_centres()
    w = weights_of(len(X), weighted)
    Xb = case.data(X)
    mean, var = case.backend.column_mean_var(Xb, case.beside(w, Xb))
    ref_mean, ref_var = column_mean_var_reference(X, w)
    assert_allclose(case.host(mean), ref_mean, rtol=1e-12, atol=1e-15)
    assert_allclose(case.host(var), ref_var, rtol=1e-10, atol=1e-14)


def test_count_non_finite(case):
    X, _ = data_and_centres()
    assert case.backend.count_non_finite(case.data(X)) == 0
    X[3, 2] = np.nan
    X[7, 0] = np.inf
    X[8, 1] = -np.inf
    assert case.backend.count_non_finite(case.data(X)) == 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_rows(case, dtype):
    X, _ = data_and_centres(dtype)
    rows = case.host(case.backend.dense_rows(case.data(X), [3, 1, 3]))
    assert rows.dtype == dtype
    assert_array_equal(rows, X[[3, 1, 3]])


def test_sq_distances_match_reference(case):
    X, C = data_and_centres()
    Xb = case.data(X)
    got = case.host(case.backend.sq_distances(Xb, case.beside(C, Xb)))
    assert got.shape == (len(X), len(C))
    assert_allclose(got, sq_distances_reference(X, C), rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------
# optional methods: a fallback, or one refusal naming backend and feature


def test_max_abs(case):
    X, _ = data_and_centres()
    X[5, 1] = -123.5
    assert case.backend.max_abs(case.data(X)) == 123.5


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d", [5, 24])  # narrow and wide rows
def test_bounded_assigner_gives_the_assignment_or_none(case, d, dtype):
    X, C = data_and_centres(dtype, d=d)
    Xb = case.data(X)
    assigner = case.backend.bounded_assigner(Xb)
    if not has(case, "hamerly_bounds"):  # the fallback: full scans
        assert assigner is None
        return
    for step in (C, C + 0.05, C + 0.05):  # bounds carried between the calls
        if has(case, "assign_and_sum"):
            labels = case.backend.assign_and_sum(Xb, step, assigner=assigner).labels
        else:
            labels, _ = assigner.assign(step)
        assert_array_equal(case.host(labels), nearest_reference(X, step)[0])


def test_row_norms_and_division(case):
    X, _ = data_and_centres()
    Xb = case.data(X)
    try:
        norms = case.backend.row_sq_norms(Xb)
    except UnsupportedByBackend as exc:
        assert case.backend.name in str(exc) and "cosine" in str(exc)
        return
    assert_allclose(case.host(norms), (X * X).sum(1), rtol=1e-13)
    divisors = np.linspace(1.0, 3.0, len(X))
    scaled = case.backend.divide_rows(Xb, case.beside(divisors, Xb))
    assert_allclose(case.host(scaled), X / divisors[:, None], rtol=1e-15)


# the methods that a backend either overrides or refuses, with how to call them
OPTIONAL_CALLS = {
    "row_sq_norms": lambda b, X: b.row_sq_norms(X),
    "divide_rows": lambda b, X: b.divide_rows(X, np.ones(X.shape[0])),
    "update_min_sq_dist": lambda b, X: b.update_min_sq_dist(X, np.zeros(2), np.ones(3)),
    "mean_covariance": lambda b, X: b.mean_covariance(X),
    "greedy_pairwise": lambda b, X: b.greedy_pairwise(np.zeros((3, 3)), None, 0, np.zeros((1, 2))),
    "cluster_distance_sums": lambda b, X: b.cluster_distance_sums(
        X, np.zeros(3, np.int32), np.zeros((1, 2))
    ),
    "silhouette_sums": lambda b, X: b.silhouette_sums(X, np.zeros(3, np.int32), 1),
}

# the methods each capability names, with how to call them
CAPABILITY_CALLS = {
    "assign_and_sum": lambda b, X: b.assign_and_sum(X, np.zeros((1, 2))),
    "compiled_runs": lambda b, X: b.runs_compiled(3, 2, 1),
    "kmeans_plusplus": lambda b, X: b.candidate_potentials(
        X, None, np.ones(3), np.zeros(3, np.int64), np.zeros((1, 2)), np.zeros((0, 1))
    ),
    "closer_marks": lambda b, X: b.closer_marks(3, 2),
    "chunk_draws": lambda b, X: b.sampling_mass(np.ones(3)),
    "seeding_distances": lambda b, X: b.seeding_distances(X, None, 2),
    "nearest_tracker": lambda b, X: b.nearest_tracker(X, None, None),
    "round_passes": lambda b, X: b.round_tracker(X, None, None),
    "fold_blocks": lambda b, X: b.fold_blocks(lambda x, w, c: c, X, None, 0),
    "manhattan": lambda b, X: b.l1_assigner(X),
}


def test_every_capability_with_methods_has_a_call_here():
    # promises about required methods, and the bounds (else the None fallback)
    properties = {"scipy_formula", "lazy", "hamerly_bounds", "wide_bounds"}
    assert set(CAPABILITY_CALLS) | properties == set(CAPABILITIES)


@pytest.mark.parametrize("capability", sorted(CAPABILITY_CALLS))
def test_undeclared_capabilities_are_refused(case, capability):
    if has(case, capability):
        return
    with pytest.raises(UnsupportedByBackend) as info:
        CAPABILITY_CALLS[capability](case.backend, case.data(np.ones((3, 2))))
    assert case.backend.name in str(info.value)
    assert info.value.backend == case.backend.name and info.value.feature in str(info.value)


@pytest.mark.parametrize("method", sorted(OPTIONAL_CALLS))
def test_optional_methods_are_implemented_or_refused_one_way(case, method):
    if getattr(type(case.backend), method) is not getattr(Backend, method):
        return  # implemented (checked against references elsewhere)
    with pytest.raises(UnsupportedByBackend) as info:
        OPTIONAL_CALLS[method](case.backend, case.data(np.ones((3, 2))))
    assert isinstance(info.value, TypeError)  # so that "except TypeError" still holds
    assert f"{case.backend.name} backend" in str(info.value)


def test_manhattan_refusal_names_the_backend_and_the_feature():
    backend = get_backend(sp.csr_matrix(np.eye(2)))
    with pytest.raises(
        TypeError,
        match=r"metric='manhattan' is not supported by vqkit's "
        r"sparse backend \(SciPy sparse CSR matrices\)",
    ):
        backend.l1_assigner(None)


# ----------------------------------------------------------------------
# declared capabilities, each against the NumPy reference


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("kmeans_plusplus"), indirect=True)
def test_kmeans_plusplus_primitives(case, weighted):
    b = case.backend
    X, _ = data_and_centres()
    w = weights_of(len(X), weighted)
    Xb = case.data(X)
    chosen = X[[4, 250]].astype(np.float64)
    min_d2 = b.full_rows(Xb, np.inf)
    nearest = b.full_rows(Xb, -1, np.int64)
    for i, c in enumerate(chosen):
        b.add_center(Xb, c, i, min_d2, nearest, np.zeros(1))
    D = sq_distances_reference(X, chosen)
    assert_allclose(case.host(min_d2), D.min(1), rtol=1e-12, atol=1e-12)
    assert_array_equal(case.host(nearest), D.argmin(1))
    candidates = X[[7, 300, 599]].astype(np.float64)
    cc_d2 = sq_distances_reference(chosen, candidates)
    pots = b.candidate_potentials(Xb, case.beside(w, Xb), min_d2, nearest, candidates, cc_d2)
    assert_allclose(case.host(pots), potentials_reference(X, w, D.min(1), candidates), rtol=1e-10)
    fresh = b.full_rows(Xb, np.inf)
    for c in chosen:
        b.update_min_sq_dist(Xb, c, fresh)
    assert_allclose(case.host(fresh), D.min(1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("trials", [3, 12])  # uint8 and uint64 marks
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("closer_marks"), indirect=True)
def test_closer_marks_change_no_result(case, weighted, trials):
    b = case.backend
    X = blobs(5000, 7, 12, seed=5, spread=1.5)
    w = weights_of(len(X), weighted)
    first = X[17].astype(np.float64)
    cand = X[np.random.default_rng(1).choice(len(X), size=trials, replace=False)]
    cc = sq_distances_reference(first[None], cand)
    states = []
    for marked in (False, True):
        min_d2, nearest = np.full(len(X), np.inf), np.full(len(X), -1, dtype=np.int64)
        b.add_center(X, first, 0, min_d2, nearest, np.zeros(1))
        marks = {"closer": b.closer_marks(len(X), len(cand))} if marked else {}
        pots = b.candidate_potentials(X, w, min_d2, nearest, cand, cc, **marks)
        best = int(np.argmin(pots))
        trial = {"trial": best} if marked else {}
        b.add_center(X, cand[best], 1, min_d2, nearest, cc[:, best], **marks, **trial)
        states.append((min_d2, nearest, pots))
    for a, c in zip(*states):
        assert_array_equal(a, c)
    ref = sq_distances_reference(X, np.vstack([first, cand[best]])).min(1)
    assert_allclose(states[1][0], ref, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("chunk_draws"), indirect=True)
def test_chunk_draws_are_searchsorted_on_the_cumulative_mass(case, weighted):
    rng = np.random.default_rng(3)
    n = 3 * 2048 + 77  # several row chunks and a short last one
    min_d2 = rng.exponential(size=n)
    min_d2[rng.random(n) < 0.3] = 0.0  # rows sitting on a centre: no mass
    min_d2[2048:4096] = 0.0  # a whole chunk without mass
    w = weights_of(n, weighted)
    mass = case.backend.sampling_mass(min_d2, w)
    cumulative = np.cumsum(min_d2 if w is None else w * min_d2)
    assert mass.sum() == pytest.approx(cumulative[-1], rel=1e-12)
    values = np.concatenate(
        [[0.0], rng.uniform(size=500) * mass.sum(), cumulative[[10, 2047, 2048, 4100]]]
    )
    got = case.backend.draw_rows(min_d2, w, mass, values)
    assert_array_equal(got, np.minimum(np.searchsorted(cumulative, values), n - 1))
    assert (min_d2[got[1:]] > 0).all()  # never a row without mass (v > 0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("seeding_distances"), indirect=True)
def test_seeding_distances(case, weighted):
    X, _ = data_and_centres()
    w = weights_of(len(X), weighted)
    Xb = case.data(X)
    state = case.backend.seeding_distances(Xb, case.beside(w, Xb), 3)
    state.add(4)
    D0 = sq_distances_reference(X, X[[4]])[:, 0]
    assert_allclose(case.host(state.min_d2), D0, rtol=1e-12, atol=1e-12)
    idx = np.array([7, 300, 599])
    pots = state.potentials(idx)
    assert_allclose(case.host(pots), potentials_reference(X, w, D0, X[idx]), rtol=1e-10)
    state.add(300, 1)  # the second candidate, its distances reused
    ref = np.minimum(D0, sq_distances_reference(X, X[[300]])[:, 0])
    got = case.host(state.min_d2)
    assert got[300] == 0.0
    assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("nearest_tracker"), indirect=True)
def test_nearest_tracker(case, weighted):
    X, _ = data_and_centres()
    w = weights_of(len(X), weighted)
    Xb = case.data(X)
    tracker = case.backend.nearest_tracker(Xb, case.beside(w, Xb), X.mean(0))
    rng = np.random.RandomState(0)
    assert 0 <= tracker.weighted_index(rng) < len(X)
    rounds = [X[[4, 250]], X[[7, 300, 599]]]
    for rows in rounds:
        tracker.add(rows)
    D = sq_distances_reference(X, np.vstack(rounds))
    mass = D.min(1) * (1.0 if w is None else w)
    assert tracker.potential() == pytest.approx(mass.sum(), rel=1e-9)
    ref_weights = np.bincount(D.argmin(1), weights=w, minlength=5)
    assert_allclose(tracker.candidate_weights(5), ref_weights, rtol=1e-12)
    keep = tracker.sample(rng, 10.0, tracker.potential())
    assert keep.dtype.kind == "i" and ((keep >= 0) & (keep < len(X))).all()
    tracker.release()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", declaring("round_passes"), indirect=True)
def test_round_tracker(case, weighted):
    X = blobs(600, 3, 6, seed=11, spread=1.0)  # distinct rows; direct differences
    w = weights_of(len(X), weighted)
    if weighted:
        w[::7] = 0.0  # rows of weight zero are never drawn
    Xb = case.data(X)
    origin = X.mean(0)
    tracker = case.backend.round_tracker(Xb, case.beside(w, Xb), origin)
    rng = np.random.RandomState(0)
    first = tracker.weighted_index(rng)
    assert 0 <= first < len(X)
    chosen, pending, gaps = [], X[[first]], None
    for count in (25, 40):
        new = tracker.round(pending, gaps, rng, count)
        chosen.append(pending)
        C = np.vstack(chosen)
        # drawn: distinct rows of X with positive mass (a row already chosen has none)
        rows = [int(np.flatnonzero((X == r).all(1))[0]) for r in new]
        assert len(set(rows)) == len(rows) == count and rows == sorted(rows)
        mass = sq_distances_reference(X[rows], C).min(1) * (1.0 if w is None else w[rows])
        assert (mass > 0).all()
        gaps, pending = half_gaps(C, new, origin), new
    chosen.append(pending)
    C = np.vstack(chosen)
    ref = np.bincount(sq_distances_reference(X, C).argmin(1), weights=w, minlength=len(C))
    assert_allclose(tracker.finish(pending, gaps, len(C)), ref, rtol=1e-12)


@pytest.mark.parametrize("case", declaring("assign_and_sum"), indirect=True)
def test_assign_and_sum(case):
    X, C = data_and_centres()
    w = weights_of(len(X), True)
    previous = np.zeros(len(X), dtype=np.int32)
    Xb = case.data(X)
    step = case.backend.assign_and_sum(Xb, C, case.beside(w, Xb), previous, n_far=3)
    labels, d2 = nearest_reference(X, C)
    assert_array_equal(case.host(step.labels), labels)
    ref_sums, ref_wsums = cluster_sums_reference(X, labels, len(C), w)
    assert_allclose(case.host(step.sums), ref_sums, rtol=1e-12, atol=1e-12)
    assert_allclose(case.host(step.wsums), ref_wsums, rtol=1e-12)
    # the scalars may stay on the backend's device until read together
    inertia, n_changed, n_unassigned = case.backend.host_values(
        step.inertia, step.n_changed, step.n_unassigned
    )
    assert inertia == pytest.approx(float(w @ d2), rel=1e-10)
    assert n_changed == int(np.count_nonzero(labels != previous))
    assert n_unassigned == 0
    far = np.argsort(-d2, kind="stable")[:3]
    assert_array_equal(step.far_rows, far)
    assert_array_equal(step.far_labels, labels[far])
    assert_allclose(step.far_weights, w[far])


@pytest.mark.parametrize("case", declaring("compiled_runs"), indirect=True)
def test_compiled_runs(case):
    X = blobs(400, 3, 4, seed=8)
    start = X[[0, 1, 2, 3]] + 0.1
    assert case.backend.runs_compiled(*X.shape, 4) in (True, False)
    ((centers, labels, n_iter, inertia, converged, unassigned),) = case.backend.lloyd_runs(
        [X], None, [start], [0], [0.0], 100
    )
    ref_centers, _ = lloyd_reference(X, start, n_iter)
    ref_labels, ref_d2 = nearest_reference(X, ref_centers)
    assert converged and unassigned is None
    assert_allclose(centers, ref_centers, rtol=1e-12, atol=1e-12)
    assert_array_equal(labels, ref_labels)
    assert inertia == pytest.approx(ref_d2.sum(), rel=1e-10)


@pytest.mark.parametrize("d", [3, 8])
@pytest.mark.parametrize("case", declaring("scipy_formula"), indirect=True)
def test_scipy_formula(case, d):
    X, C = data_and_centres(d=d)
    labels, d2 = case.backend.assign(case.data(X), C, formula="scipy")
    codes, dist = scipy.cluster.vq.vq(X, C)
    assert_array_equal(case.host(labels), codes)
    assert_allclose(np.sqrt(case.host(d2)), dist, rtol=1e-13)


@pytest.mark.parametrize("case", declaring("manhattan"), indirect=True)
def test_manhattan(case):
    b = case.backend
    X, C = data_and_centres()
    Xb = case.data(X)
    D = np.abs(X[:, None, :] - C[None, :, :]).sum(axis=2)
    assert_allclose(case.host(b.l1_distances(Xb, b.like(C, Xb))), D, rtol=1e-13)
    labels, dist = b.assign_l1(Xb, b.like(C, Xb))
    assert_array_equal(case.host(labels), D.argmin(1))
    assert_allclose(case.host(dist), D.min(1), rtol=1e-13)
    labels2, dist2 = b.l1_assigner(Xb).assign(b.like(C, Xb))
    assert_array_equal(case.host(labels2), case.host(labels))
    codes = np.arange(len(X)) % 4  # 150 rows each; cluster 4 stays empty
    medians, has_members = b.cluster_medians(Xb, b.like(codes.astype(np.int32), Xb), 5)
    assert_array_equal(case.host(has_members), [True] * 4 + [False])
    ref = [np.median(X[codes == j], axis=0) for j in range(4)]  # unit weights: NumPy's
    assert_allclose(case.host(medians)[:4], ref, rtol=1e-15)


@pytest.mark.parametrize("case", declaring("lazy"), indirect=True)
def test_lazy_results(case):
    X, C = data_and_centres()
    labels, d2 = case.backend.assign(case.data(X), C)
    assert array_kind(labels) == array_kind(d2) == "dask"
    ref_labels, ref_d2 = nearest_reference(X, C)
    assert_array_equal(case.host(labels), ref_labels)
    assert_allclose(case.host(d2), ref_d2, rtol=1e-10)


@pytest.mark.parametrize("case", declaring("fold_blocks"), indirect=True)
def test_fold_blocks(case):
    X, _ = data_and_centres()
    Xb = case.data(X)

    def collect(x, w, carry):
        return carry + [(x.shape[0], float(x.sum()), float(w.sum()))]

    parts = case.backend.fold_blocks(collect, Xb, np.arange(len(X), dtype=np.float64), [])
    sizes = [size for size, _, _ in parts]
    assert sum(sizes) == len(X) and len(parts) > 1
    bounds = np.cumsum([0] + sizes)
    for (_, total, wtotal), lo, hi in zip(parts, bounds[:-1], bounds[1:]):
        assert total == pytest.approx(X[lo:hi].sum(), rel=1e-12)
        assert wtotal == float(np.arange(lo, hi).sum())


# ----------------------------------------------------------------------
# array helpers: the core's only way to touch arrays of the backend's kind


def test_array_helpers(case):
    b = case.backend
    X, C = data_and_centres()
    Xb = case.data(X)
    v = np.linspace(0.5, 3.0, len(X))
    vb = b.like(v, Xb)
    assert_array_equal(case.host(b.to_host(vb)), v)
    assert b.like(None, Xb) is None
    assert_array_equal(case.host(b.full_rows(Xb, 2.5)), np.full(len(X), 2.5))
    assert_array_equal(case.host(b.full_rows(Xb, -1, np.int64)), np.full(len(X), -1))
    assert_allclose(case.host(b.cumsum(vb)), np.cumsum(v), rtol=1e-14)
    assert float(b.total(vb)) == pytest.approx(v.sum(), rel=1e-14)
    cumulative = b.cumsum(vb)
    values = [0.0, 1.0, 300.0, float(np.cumsum(v)[-1]) - 1e-9]
    assert_array_equal(b.draw_sorted(cumulative, values), np.searchsorted(np.cumsum(v), values))
    assert int(b.draw_sorted(cumulative, 300.0)) == int(np.searchsorted(np.cumsum(v), 300.0))
    labels, _ = b.assign(Xb, b.like(C, Xb))
    assert b.n_distinct(labels) == np.unique(nearest_reference(X, C)[0]).size
    assert_array_equal(case.host(b.take_rows(Xb, np.array([5, 2, 5]))), X[[5, 2, 5]])
    assert b.numpy_dtype(Xb) == np.float64
    as32 = b.astype(b.like(C, Xb), b.asarray_like(np.zeros(1, np.float32), Xb).dtype)
    assert b.numpy_dtype(as32) == np.float32
    assert b.numpy_dtype(b.like(C, Xb) * b.scalar_like(as32, 2.0)) == np.float64
    assert b.numpy_dtype(as32 * b.scalar_like(as32, 2.0)) == np.float32


def test_mean_covariance(case):
    X, _ = data_and_centres()
    try:
        mean, cov = case.backend.mean_covariance(case.data(X))
    except UnsupportedByBackend:
        return
    assert_allclose(mean, X.mean(axis=0), rtol=1e-13)
    assert_allclose(cov, np.cov(X.T), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------
# the core asks the backend, never what kind of array it holds


CORE = pathlib.Path(__file__).resolve().parents[1] / "src" / "vqkit" / "core"


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_the_core_never_asks_what_it_holds(path):
    text = path.read_text()
    for spelling in (
        "hasattr(",
        "getattr(",
        "is_array_api",
        "is_dask",
        "is_sparse",
        "namespace(",
        "array_kind",
        "get_backend",
        "__module__",
        ".arrays import",
    ):
        assert spelling not in text, f"{path.name} uses {spelling!r}"
    assert not re.search(r"isinstance\([^)]*np\.ndarray", text), f"{path.name} asks for NumPy"
    for capability in re.findall(r'"(\w+)" in \w+(?:\.backend)?\.capabilities', text):
        assert capability in CAPABILITIES, f"{path.name}: unknown capability {capability!r}"
