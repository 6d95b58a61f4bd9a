"""Spectral clustering: affinities, normalisations, embeddings, pipelines, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.sparse import csgraph
from scipy.spatial import distance
from sklearn.manifold import spectral_embedding
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import rbf_kernel

from dlhw import spectral

SMALL = spectral.three_clusters(60, 50, seed=3)

clouds = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 12), st.integers(1, 3)),
    elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False),
)


@st.composite
def affinities(draw: st.DrawFn) -> np.ndarray:
    """Symmetric non-negative matrices with positive column sums."""
    n = draw(st.integers(1, 7))
    A = draw(hnp.arrays(np.float64, (n, n), elements=st.floats(0, 5)))
    A = A + A.T
    A[np.diag_indices(n)] += draw(st.floats(0.01, 2))  # no zero column
    return A


def projector(U: np.ndarray) -> np.ndarray:
    Q, _ = np.linalg.qr(U)
    return Q @ Q.T


# ---------------------------------------------------------------- the graph


@given(clouds, st.floats(0.01, 20))
@settings(max_examples=60, deadline=None)
def test_rbf_matches_sklearn_and_a_double_loop(X: np.ndarray, gamma: float) -> None:
    A = spectral.rbf_affinity(X, gamma)
    np.testing.assert_allclose(A, rbf_kernel(X, gamma=gamma), rtol=1e-12, atol=1e-300)
    loop = np.array([[np.exp(-gamma * np.sum((a - b) ** 2)) for b in X] for a in X])
    np.testing.assert_allclose(A, loop, rtol=1e-12, atol=1e-300)
    assert np.array_equal(A, A.T)  # undirected graph
    assert np.all(np.diag(A) == 1)
    assert np.all((A >= 0) & (A <= 1))


@given(affinities())
@settings(max_examples=60, deadline=None)
def test_degree_and_normalisations(A: np.ndarray) -> None:
    D = spectral.degree_matrix(A)
    assert np.array_equal(np.diag(D), A.sum(axis=0))
    assert np.count_nonzero(D - np.diag(np.diag(D))) == 0
    M = spectral.symmetric_normalisation(A)
    d = np.diag(D)
    np.testing.assert_allclose(M, np.diag(d**-0.5) @ A @ np.diag(d**-0.5), rtol=1e-12)
    np.testing.assert_allclose(M, M.T, rtol=1e-12, atol=1e-15)
    eig = np.linalg.eigvalsh(M)
    assert eig.min() >= -1 - 1e-12
    assert eig.max() == pytest.approx(1.0, abs=1e-12)  # eigenvector D^{1/2} 1
    np.testing.assert_allclose(M @ np.sqrt(d), np.sqrt(d), rtol=1e-10, atol=1e-12)
    P = spectral.column_stochastic(M)
    np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-12)
    assert np.all(P >= 0)


def test_symmetric_normalisation_matches_scipy_laplacian() -> None:
    A = spectral.rbf_affinity(SMALL[0])
    np.fill_diagonal(A, 0.0)  # scipy's normalised Laplacian ignores the diagonal
    L = csgraph.laplacian(A, normed=True)
    np.testing.assert_allclose(
        spectral.symmetric_normalisation(A), np.eye(len(A)) - L, rtol=1e-10, atol=1e-12
    )


def test_symmetric_normalisation_of_a_stack() -> None:
    stack = np.stack(
        [spectral.rbf_affinity(np.random.default_rng(s).normal(size=(5, 2))) for s in range(4)]
    )
    batched = spectral.symmetric_normalisation(stack)
    for A, M in zip(stack, batched, strict=True):
        np.testing.assert_allclose(M, spectral.symmetric_normalisation(A), rtol=1e-14)


def test_bipartite_graph_reaches_minus_one() -> None:
    # Without self-loops -1 is attained: the spectrum bound [-1, 1] is tight.
    path = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.linalg.eigvalsh(spectral.symmetric_normalisation(path)).min() == pytest.approx(-1)


# ---------------------------------------------------------------- embeddings


def test_singular_vectors_are_orthonormal_and_top() -> None:
    M = spectral.symmetric_normalisation(spectral.rbf_affinity(SMALL[0]))
    U = spectral.top_singular_vectors(M, 3)
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)
    # M is positive semi-definite (Gaussian kernel), so singular = eigenvectors.
    w, V = np.linalg.eigh(M)
    assert w.min() > -1e-10
    np.testing.assert_allclose(projector(U), projector(V[:, -3:]), atol=1e-8)


def test_singular_and_eigenvectors_differ_for_the_stochastic_matrix() -> None:
    M = spectral.column_stochastic(
        spectral.symmetric_normalisation(spectral.rbf_affinity(SMALL[0]))
    )
    U = spectral.top_singular_vectors(M, 3)
    w, V = np.linalg.eig(M)
    top = np.real(V[:, np.argsort(-np.abs(w))[:3]])
    assert np.linalg.norm(projector(U) - projector(top)) > 1e-3


def test_embedding_spans_sklearn_spectral_embedding() -> None:
    X, _ = SMALL
    A = spectral.rbf_affinity(X)
    np.fill_diagonal(A, 0.0)
    ours = spectral.top_singular_vectors(spectral.symmetric_normalisation(A), 3)
    theirs = spectral_embedding(A, n_components=3, drop_first=False, random_state=0)
    # scikit-learn returns D^{-1/2} times the eigenvectors of the normalised Laplacian.
    recovered = np.sqrt(A.sum(axis=0))[:, None] * theirs
    np.testing.assert_allclose(projector(ours), projector(recovered), atol=1e-6)


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 10), st.integers(1, 4)), elements=st.floats(-5, 5)
    )
)
@settings(max_examples=60, deadline=None)
def test_row_normalise(U: np.ndarray) -> None:
    U = U + (np.linalg.norm(U, axis=1, keepdims=True) < 1e-10)  # no (near-)zero rows
    V = spectral.row_normalise(U)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(V * np.linalg.norm(U, axis=1, keepdims=True), U, atol=1e-12)


def test_kmeans_on_separated_blobs() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    y = np.repeat(np.arange(3), 20)
    X = centres[y] + rng.normal(size=(60, 2))
    assert adjusted_rand_score(y, spectral.kmeans_labels(X, 3)) == 1.0
    again = spectral.kmeans_labels(X, 3, seed=0)
    assert np.array_equal(again, spectral.kmeans_labels(X, 3, seed=0))


# ---------------------------------------------------------- the pipelines


def test_data_set_geometry() -> None:
    X, y = spectral.three_clusters(seed=0)
    assert X.shape == (510, 2)
    assert np.bincount(y).tolist() == [180, 180, 150]
    same = y[:, None] == y[None, :]
    D = distance.squareform(distance.pdist(X))
    np.fill_diagonal(D, np.inf)
    assert np.where(~same, D, np.inf).min() > 0.5  # clusters apart at gamma = 7.5
    tenth = np.sort(np.where(same, D, np.inf), axis=1)[:, 9]
    assert 0.1 < np.median(tenth) < 0.5  # neighbours at the length scale of gamma
    X2, _ = spectral.three_clusters(seed=0)
    assert np.array_equal(X, X2)
    assert not np.array_equal(X, spectral.three_clusters(seed=1)[0])


def test_the_story_on_the_first_seeds() -> None:
    # Raw k-means fails on every seed; (g) and (h) succeed; (f) fails on seed 12.
    for seed in (0, 1, 12):
        X, y = spectral.three_clusters(seed=seed)
        scores = spectral.pipeline_scores(X, y, seed=seed)
        assert scores["raw"] < 0.6
        assert scores["stochastic"] == 1.0
        assert scores["njw"] == 1.0
        assert (scores["svd"] < 0.9) == (seed == 12)


def test_sklearn_comparison_runs_every_label_assignment() -> None:
    X, y = spectral.three_clusters(seed=0)
    for assign in ("kmeans", "discretize", "cluster_qr"):
        labels = spectral.sklearn_spectral_labels(X, assign_labels=assign, seed=0)
        assert adjusted_rand_score(y, labels) == 1.0


def test_embedding_shapes() -> None:
    X, _ = SMALL
    assert spectral.embedding(X, "raw").shape == X.shape
    for method in ("svd", "stochastic", "njw"):
        assert spectral.embedding(X, method, k=4).shape == (len(X), 4)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: spectral.rbf_affinity("points"), TypeError, "X must be an array"),
        (lambda: spectral.rbf_affinity([1.0, 2.0]), ValueError, "X must be 2-dimensional"),
        (lambda: spectral.rbf_affinity([[np.nan, 0.0]]), ValueError, "X must contain only finite"),
        (lambda: spectral.rbf_affinity(np.zeros((0, 2))), ValueError, "X must not be empty"),
        (lambda: spectral.rbf_affinity([[True, False]]), TypeError, "X must be an array of real"),
        (lambda: spectral.rbf_affinity(np.zeros((5001, 1))), ValueError, "at most 5000"),
        (lambda: spectral.rbf_affinity([[0.0]], gamma=True), TypeError, "gamma"),
        (lambda: spectral.degree_matrix([[1.0, 2.0]]), ValueError, "A must be a square"),
        (lambda: spectral.degree_matrix([[1.0, -2.0], [-2.0, 1.0]]), ValueError, "non-negative"),
        (
            lambda: spectral.symmetric_normalisation([[0.0, 0.0], [0.0, 1.0]]),
            ValueError,
            "column 0",
        ),
        (
            lambda: spectral.symmetric_normalisation(np.zeros(3)),
            ValueError,
            "A must be a square matrix \\(n, n\\) or",
        ),
        (
            lambda: spectral.column_stochastic([[1.0, 0.0], [1.0, 0.0]]),
            ValueError,
            "M has 1 column",
        ),
        (lambda: spectral.top_singular_vectors(np.eye(3), 4), ValueError, "k must be at most"),
        (lambda: spectral.top_singular_vectors(np.eye(3), 0), ValueError, "k must be >= 1"),
        (
            lambda: spectral.top_singular_vectors(np.ones((2, 3)), 1),
            ValueError,
            "M must be a square",
        ),
        (lambda: spectral.row_normalise([[1.0, 0.0], [0.0, 0.0]]), ValueError, "row 1"),
        (lambda: spectral.row_normalise([[2e-17]]), ValueError, "U has a row of norm below"),
        (lambda: spectral.kmeans_labels([[0.0], [0.0], [1.0]], 3), ValueError, "2 distinct rows"),
        (lambda: spectral.kmeans_labels([[0.0], [1.0]], 2, seed=-1), ValueError, "seed"),
        (lambda: spectral.kmeans_labels([[0.0], [1.0]], 2, n_init=0), ValueError, "n_init"),
        (lambda: spectral.embedding(SMALL[0], "pca"), ValueError, "method must be one of"),  # type: ignore[arg-type]
        (lambda: spectral.pipeline_scores(SMALL[0], [0, 1]), ValueError, "labels must have shape"),
        (
            lambda: spectral.pipeline_scores(SMALL[0], SMALL[1] * 1.0),
            TypeError,
            "labels must be integers",
        ),
        (
            lambda: spectral.sklearn_spectral_labels(SMALL[0], assign_labels="qr"),
            ValueError,
            "assign_labels",
        ),  # type: ignore[arg-type]
        (lambda: spectral.three_clusters(1), ValueError, "n_moon must be >= 2"),
        (lambda: spectral.three_clusters(n_arc=2.5), TypeError, "n_arc must be an integer"),  # type: ignore[arg-type]
        (lambda: spectral.three_clusters(noise=-0.1), ValueError, "noise"),
        (lambda: spectral.three_clusters(concentration=0), ValueError, "concentration"),
        (lambda: spectral.three_clusters(seed="x"), TypeError, "seed"),
    ],
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    st.one_of(
        st.floats().filter(lambda v: not 0 < v < np.inf),
        st.booleans(),
        st.text(max_size=3),
        st.none(),
    )
)
@settings(max_examples=40, deadline=None)
def test_bad_gamma_is_rejected(gamma: object) -> None:
    with pytest.raises((TypeError, ValueError), match="gamma"):
        spectral.rbf_affinity([[0.0, 1.0], [1.0, 0.0]], gamma)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match="gamma"):
        spectral.cluster([[0.0, 1.0], [1.0, 0.0]], "svd", gamma=gamma, k=2)  # type: ignore[arg-type]


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 4)),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    )
)
@settings(max_examples=40, deadline=None)
def test_non_finite_or_negative_matrices_are_rejected(A: np.ndarray) -> None:
    bad = (
        not np.all(np.isfinite(A))
        or A.shape[0] != A.shape[1]
        or np.any(A < 0)
        or np.any(A.sum(axis=0) <= 0)
    )
    if bad:
        with pytest.raises(ValueError, match="A "):
            spectral.symmetric_normalisation(A)
    else:
        assert np.all(np.isfinite(spectral.symmetric_normalisation(A)))


JUNK = st.sampled_from(
    [
        None,
        "ab",
        b"x",
        1 + 2j,
        object(),
        {1: 2},
        {1, 2},
        True,
        np.nan,
        np.inf,
        -1,
        10**30,
        2.5,
        [],
        [[]],
        np.array([1 + 1j]),
        np.zeros((2, 2, 2)),
        [[1, 2], [3]],
        np.array(["a"]),
        [3],
    ]
)
X6 = np.random.default_rng(0).normal(size=(6, 2))
GOOD = {
    spectral.rbf_affinity: {"X": X6, "gamma": 1.0},
    spectral.degree_matrix: {"A": np.ones((2, 2))},
    spectral.symmetric_normalisation: {"A": np.ones((2, 2))},
    spectral.column_stochastic: {"M": np.ones((2, 2))},
    spectral.top_singular_vectors: {"M": np.eye(3), "k": 2},
    spectral.row_normalise: {"U": np.ones((2, 2))},
    spectral.kmeans_labels: {"Y": X6, "k": 2, "seed": 0, "n_init": 2},
    spectral.cluster: {"X": X6, "method": "njw", "gamma": 1.0, "k": 2, "seed": 0},
    spectral.pipeline_scores: {"X": X6, "labels": [0, 0, 0, 1, 1, 1], "gamma": 1.0, "seed": 0},
    spectral.sklearn_spectral_labels: {
        "X": X6,
        "gamma": 1.0,
        "k": 2,
        "assign_labels": "kmeans",
        "seed": 0,
    },
    spectral.three_clusters: {
        "n_moon": 5,
        "n_arc": 5,
        "noise": 0.01,
        "concentration": 0.5,
        "seed": 0,
    },
}
ARGUMENTS = [(fn, name) for fn, kwargs in GOOD.items() for name in kwargs]


def refusal(fn, kwargs) -> str | None:
    """The message of the ValueError/TypeError the call raises, or None if it succeeds."""
    try:
        fn(**kwargs)
    except (TypeError, ValueError) as err:
        return str(err)
    return None


@pytest.mark.parametrize(("fn", "name"), ARGUMENTS, ids=[f"{f.__name__}-{a}" for f, a in ARGUMENTS])
@given(bad=JUNK)
@settings(max_examples=25, deadline=None)
def test_junk_in_any_argument_is_refused_by_name(fn, name, bad) -> None:
    message = refusal(fn, dict(GOOD[fn], **{name: bad}))
    if message is not None:
        assert name in message
    else:  # accepted: only positive numbers and valid seeds among the junk may be
        numeric = name in ("gamma", "noise", "concentration") and isinstance(bad, float | int)
        seed = name == "seed" and (bad is None or (type(bad) is int and bad >= 0))
        assert numeric or seed
