"""Property tests: vq is the argmin, kmeans2 is Lloyd, results are deterministic."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

import vqkit
from helpers import lloyd_reference, nearest_reference

# Integer-valued coordinates keep distances exact, so ties are real ties and
# the lowest index must win them.
coords = st.integers(-50, 50).map(float)


@st.composite
def data_and_book(draw, max_n=60, max_d=8, max_k=7):
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, max_k))
    X = draw(hnp.arrays(np.float64, (n, d), elements=coords))
    C = draw(hnp.arrays(np.float64, (k, d), elements=coords))
    return X, C


@settings(max_examples=150, deadline=None)
@given(data_and_book())
def test_vq_codes_are_the_argmin_of_distances(case):
    X, C = case
    codes, dist = vqkit.vq(X, C)
    expected_codes, expected_d2 = nearest_reference(X, C)
    assert_array_equal(codes, expected_codes)
    assert_allclose(dist, np.sqrt(expected_d2), rtol=1e-12, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(data_and_book(max_d=4), st.integers(1, 6))
def test_kmeans2_matrix_init_is_a_plain_lloyd_loop(case, n_iter):
    X, C = case
    # jitter breaks exact ties between *moving* centres; the reference and
    # vqkit then agree on every assignment
    X = X + np.random.default_rng(0).uniform(-1e-3, 1e-3, size=X.shape)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        centroids, labels = vqkit.kmeans2(X, C, iter=n_iter, minit="matrix")
    expected_c, expected_l = lloyd_reference(X, C, n_iter)
    assert_array_equal(labels, expected_l)
    assert_allclose(centroids, expected_c, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(data_and_book(max_n=80, max_d=6, max_k=5))
def test_distortion_never_increases_in_kmeans(case):
    X, C = case
    X = X + np.random.default_rng(1).normal(scale=0.01, size=X.shape)
    from vqkit.backends import get_backend
    from vqkit.core.lloyd import lloyd

    result = lloyd(X, C, backend=get_backend(X), distortion_tol=0.0, empty="drop")
    inertias = [s.inertia for s in result.history]
    assert all(b <= a * (1 + 1e-12) + 1e-12 for a, b in zip(inertias, inertias[1:]))


@settings(max_examples=30, deadline=None)
@given(data_and_book(max_n=50), st.randoms(use_true_random=False))
def test_vq_is_invariant_to_row_order(case, rnd):
    X, C = case
    order = list(range(len(X)))
    rnd.shuffle(order)
    codes, dist = vqkit.vq(X, C)
    codes_p, dist_p = vqkit.vq(X[order], C)
    assert_array_equal(codes[order], codes_p)
    assert_array_equal(dist[order], dist_p)
