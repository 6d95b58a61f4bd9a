"""PCA, CCA and the least-squares classifier against independent computations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg, optimize
from sklearn.cross_decomposition import CCA
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression, Ridge

from dlhw import views


def labelled(
    n: int, d: int, C: int, seed: int, signal: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian class means plus noise; every class occurs."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(C), rng.integers(0, C, n - C)])
    X = signal * np.eye(C)[y] @ rng.normal(size=(C, d)) + rng.normal(size=(n, d))
    return X, y


def whitened_correlations(X: np.ndarray, y: np.ndarray, C: int, reg: float) -> np.ndarray:
    """Canonical correlations by the textbook recipe: whiten both sides, take singular values.

    The label side drops the last one-hot column (the centred columns sum to 0, so the
    remaining C - 1 span the same space and have an invertible covariance).
    """
    n = len(y)
    Xc = X - X.mean(axis=0)
    Y = np.eye(C)[y][:, :-1]
    Yc = Y - Y.mean(axis=0)
    Kxx = Xc.T @ Xc / (n - 1) + reg * np.eye(X.shape[1])
    Cyy = Yc.T @ Yc / (n - 1)
    Cxy = Xc.T @ Yc / (n - 1)
    Wx = linalg.inv(linalg.sqrtm(Kxx).real)
    Wy = linalg.inv(linalg.sqrtm(Cyy).real)
    return linalg.svdvals(Wx @ Cxy @ Wy)


# --------------------------------------------------------------------------- PCA


@pytest.mark.parametrize(("n", "d"), [(60, 8), (12, 40)])  # both Gram branches
def test_pca_matches_sklearn_up_to_sign(n: int, d: int) -> None:
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, d)) * np.linspace(3, 0.5, d)
    ours = views.pca(X, dim=3)
    ref = PCA(n_components=3, svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components * ref.components_, axis=1))
    np.testing.assert_allclose(ours.components, signs[:, None] * ref.components_, atol=1e-10)
    np.testing.assert_allclose(ours.variances, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.embed(X), ref.transform(X) * signs, atol=1e-9)


@given(st.integers(2, 30), st.integers(1, 30), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_pca_is_the_svd_of_the_centred_data(n: int, d: int, seed: int) -> None:
    X = np.random.default_rng(seed).normal(size=(n, d))
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    k = min(2, n - 1, d)
    view = views.pca(X, dim=k)
    np.testing.assert_allclose(view.variances, s[:k] ** 2 / (n - 1), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(view.components @ view.components.T, np.eye(k), atol=1e-8)
    gap = s[:k] - np.append(s, 0)[1 : k + 1]
    if gap.min() > 1e-3 * s[0]:  # well separated: the directions are determined up to sign
        np.testing.assert_allclose(np.abs(view.components @ Vt[:k].T), np.eye(k), atol=1e-6)
    # deterministic sign: the entry of largest magnitude is positive
    rows = np.arange(k)
    assert np.all(view.components[rows, np.argmax(np.abs(view.components), axis=1)] > 0)


@pytest.mark.parametrize(("n", "d"), [(15, 40), (40, 15)])
def test_centred_svd_reconstructs_the_centred_data(n: int, d: int) -> None:
    X = np.random.default_rng(d).normal(size=(n, d)) + 5.0
    f = views.centred_svd(X)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose((f.U * f.s) @ f.Vt, Xc, atol=1e-10)
    np.testing.assert_allclose(f.U.T @ f.U, np.eye(len(f.s)), atol=1e-10)
    np.testing.assert_allclose(f.Vt @ f.Vt.T, np.eye(len(f.s)), atol=1e-10)
    np.testing.assert_allclose(f.s, np.linalg.svd(Xc, compute_uv=False)[: len(f.s)], rtol=1e-10)
    assert len(f.s) == min(n - 1, d)  # centring removes one dimension when n <= d


def test_a_factorisation_can_stand_in_for_the_data() -> None:
    X, y = labelled(60, 30, 4, seed=8)
    f = views.centred_svd(X)
    np.testing.assert_array_equal(views.pca(f, 3).components, views.pca(X, 3).components)
    np.testing.assert_array_equal(
        views.canonical_correlations(f, y, 4, reg=0.1),
        views.canonical_correlations(X, y, 4, reg=0.1),
    )
    np.testing.assert_array_equal(
        views.cca(f, y, 4, dim=2).x_directions, views.cca(X, y, 4, dim=2).x_directions
    )
    np.testing.assert_array_equal(
        views.fit_linear_classifier(f, y, 4, ridge=2.0).weights,
        views.fit_linear_classifier(X, y, 4, ridge=2.0).weights,
    )
    with pytest.raises(ValueError, match="labels must have one entry per row of X \\(60\\)"):
        views.cca(f, y[:-1], 4)


def test_pca_rejects_dimensions_beyond_the_rank() -> None:
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])  # rank 1 once centred
    assert views.pca(X, dim=1).variances[0] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="rank of the centred data"):
        views.pca(X, dim=2)


# --------------------------------------------------------------------------- labels


def test_label_scatter_is_exact_and_has_rank_classes_minus_one() -> None:
    y = np.array([0, 0, 1, 2, 2, 2, 4])  # class 3 is absent
    n, C = len(y), 5
    G = views.label_scatter(y, classes=C)
    # witness: n^2 Yc^T Yc with exact fractions
    Y = [[Fraction(int(y[i] == k)) for k in range(C)] for i in range(n)]
    means = [sum(row[k] for row in Y) / n for k in range(C)]
    Yc = [[row[k] - means[k] for k in range(C)] for row in Y]
    exact = [[n * n * sum(r[i] * r[j] for r in Yc) for j in range(C)] for i in range(C)]
    assert G.tolist() == exact
    assert sympy.Matrix(G.tolist()).rank() == 4 - 1  # four classes present
    assert not G.sum(axis=1).any()


@given(st.lists(st.integers(0, 9), min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_label_scatter_rank_is_present_classes_minus_one(labels: list[int]) -> None:
    G = views.label_scatter(labels)
    assert sympy.Matrix(G.tolist()).rank() == len(set(labels)) - 1


def test_label_scatter_switches_to_python_integers() -> None:
    y = np.arange(2_100_000) % 10  # n^3 exceeds int64
    G = views.label_scatter(y)
    assert G.dtype == object
    n = len(y)
    assert G[0, 0] == n * (n * (n // 10) - (n // 10) ** 2)


def test_one_hot() -> None:
    assert np.array_equal(views.one_hot([1, 0, 1], classes=2), [[0, 1], [1, 0], [0, 1]])


# --------------------------------------------------------------------------- CCA


@pytest.mark.parametrize(("n", "d", "C"), [(300, 6, 4), (40, 60, 3), (500, 12, 10)])
@pytest.mark.parametrize("reg", [0.0, 0.05, 1.0])
def test_cca_correlations_match_whitening(n: int, d: int, C: int, reg: float) -> None:
    X, y = labelled(n, d, C, seed=n + d)
    ours = views.canonical_correlations(X, y, classes=C, reg=reg)
    if reg == 0 and n <= d:
        # fewer samples than features: Xc spans every centred label vector
        np.testing.assert_allclose(ours[: C - 1], 1.0, atol=1e-8)
    else:
        np.testing.assert_allclose(ours[: C - 1], whitened_correlations(X, y, C, reg), atol=1e-8)
    assert abs(ours[C - 1]) < 1e-7  # the C-th correlation is trivial
    assert np.all(np.diff(ours) <= 1e-12)


def test_cca_matches_sklearn_without_regularisation() -> None:
    X, y = labelled(400, 6, 4, seed=1)
    Y = np.eye(4)[y]
    model = CCA(n_components=3, max_iter=10_000, tol=1e-14).fit(X, Y)
    xs, ys = model.transform(X, Y)
    theirs = [np.corrcoef(xs[:, k], ys[:, k])[0, 1] for k in range(3)]
    view = views.cca(X, y, classes=4, dim=3, reg=0.0)
    np.testing.assert_allclose(view.correlations, theirs, atol=1e-8)
    # the same image directions up to scale and sign: the scores are collinear
    overlap = np.corrcoef(view.embed(X).T, xs.T)[:3, 3:]
    np.testing.assert_allclose(np.abs(np.diag(overlap)), 1.0, atol=1e-6)


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_cca_directions_are_normalised_and_uncorrelated(reg: float) -> None:
    n, d, C = 250, 7, 5
    X, y = labelled(n, d, C, seed=3)
    view = views.cca(X, y, classes=C, dim=C - 1, reg=reg)
    Xc = X - X.mean(axis=0)
    Yc = np.eye(C)[y] - np.eye(C)[y].mean(axis=0)
    Kxx = Xc.T @ Xc / (n - 1) + reg * np.eye(d)
    Cyy = Yc.T @ Yc / (n - 1)
    A, B = view.x_directions, view.y_directions
    np.testing.assert_allclose(A.T @ Kxx @ A, np.eye(C - 1), atol=1e-9)
    np.testing.assert_allclose(B.T @ Cyy @ B, np.eye(C - 1), atol=1e-9)
    np.testing.assert_allclose(
        A.T @ (Xc.T @ Yc / (n - 1)) @ B, np.diag(view.correlations), atol=1e-9
    )
    # pair_correlation (computed without the SVD) agrees at the canonical pairs
    values = views.pair_correlation(X, y, A.T, B.T, classes=C, reg=reg)
    np.testing.assert_allclose(values, view.correlations, atol=1e-10)
    assert np.all(B[np.argmax(np.abs(B), axis=0), np.arange(C - 1)] > 0)


@given(st.integers(0, 10**6), st.sampled_from([0.0, 0.02, 0.5]))
@settings(max_examples=40, deadline=None)
def test_no_pair_of_directions_beats_the_first_canonical_correlation(seed: int, reg: float) -> None:
    X, y = labelled(120, 5, 4, seed=7)
    rho = views.canonical_correlations(X, y, classes=4, reg=reg)[0]
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(64, 5)), rng.normal(size=(64, 4))
    assert np.all(views.pair_correlation(X, y, a, b, classes=4, reg=reg) <= rho + 1e-12)


def test_adversarial_search_reaches_but_never_exceeds_rho() -> None:
    X, y = labelled(150, 4, 3, seed=11)
    reg = 0.05
    rho = views.canonical_correlations(X, y, classes=3, reg=reg)[0]
    rng = np.random.default_rng(0)
    best = -1.0
    for _ in range(4):
        z0 = rng.normal(size=7)
        result = optimize.minimize(
            lambda z: (
                -views.pair_correlation(X, y, z[:4], z[4:] - z[4:].mean(), classes=3, reg=reg)
            ),
            z0,
            method="Nelder-Mead",
            options={"maxiter": 4000, "xatol": 1e-10, "fatol": 1e-13},
        )
        best = max(best, -result.fun)
    assert best <= rho + 1e-12
    assert best > rho - 1e-6  # the search finds the maximum: rho is attained


def test_absent_classes_leave_fewer_directions() -> None:
    X, y = labelled(200, 6, 4, seed=5)  # labels 0..3 only, declared as 10 classes
    rho = views.canonical_correlations(X, y, classes=10, reg=0.0)
    assert np.all(rho[:3] > 0.1)
    np.testing.assert_allclose(rho[3:], 0.0, atol=1e-7)
    assert views.cca(X, y, classes=10, dim=3).x_directions.shape == (6, 3)
    with pytest.raises(ValueError, match="at most 3: the centred one-hot labels of 4 classes"):
        views.cca(X, y, classes=10, dim=4)


def test_cca_with_more_features_than_samples_needs_regularisation() -> None:
    X, y = labelled(30, 100, 3, seed=2, signal=0.0)  # pure noise: no real signal
    assert np.allclose(views.canonical_correlations(X, y, classes=3, reg=0.0)[:2], 1.0)
    assert np.all(views.canonical_correlations(X, y, classes=3, reg=1.0)[:2] < 0.9)


def test_pair_correlation_without_regularisation_is_pearson() -> None:
    X, y = labelled(80, 3, 3, seed=4)
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.0, -1.0])
    pearson = np.corrcoef(X @ a, np.eye(3)[y] @ b)[0, 1]
    assert views.pair_correlation(X, y, a, b, classes=3) == pytest.approx(pearson, abs=1e-12)


def test_pair_correlation_rejects_constant_label_directions() -> None:
    X, y = labelled(30, 3, 3, seed=4)
    with pytest.raises(ValueError, match="b must not be constant"):
        views.pair_correlation(X, y, [1.0, 0.0, 0.0], [2.0, 2.0, 2.0], classes=3)
    with pytest.raises(ValueError, match="a must give the images X non-zero"):
        views.pair_correlation(X, y, [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], classes=3)


# --------------------------------------------------------------------------- classifier


@pytest.mark.parametrize(("n", "d"), [(100, 8), (20, 50)])
def test_least_squares_classifier_matches_sklearn(n: int, d: int) -> None:
    X, y = labelled(n, d, 4, seed=d)
    Y = np.eye(4)[y]
    ours = views.fit_linear_classifier(X, y, classes=4)
    ref = LinearRegression().fit(X, Y)  # minimum-norm least squares for n < d
    np.testing.assert_allclose(ours.weights, ref.coef_.T, atol=1e-8)
    np.testing.assert_allclose(ours.bias, ref.intercept_, atol=1e-8)
    for lam in (0.1, 10.0):
        ours = views.fit_linear_classifier(X, y, classes=4, ridge=lam)
        ref = Ridge(alpha=lam).fit(X, Y)
        np.testing.assert_allclose(ours.weights, ref.coef_.T, atol=1e-8)
        np.testing.assert_allclose(ours.bias, ref.intercept_, atol=1e-8)


def test_classifier_interpolates_with_fewer_samples_than_features() -> None:
    X, y = labelled(30, 100, 5, seed=9, signal=0.0)
    model = views.fit_linear_classifier(X, y, classes=5)
    np.testing.assert_allclose(model.scores(X), np.eye(5)[y], atol=1e-8)
    assert views.accuracy(model, X, y) == 1.0


def test_accuracy_counts_correct_predictions() -> None:
    X, y = labelled(200, 5, 3, seed=6)
    model = views.fit_linear_classifier(X, y, classes=3, ridge=1.0)
    scores = X @ model.weights + model.bias
    manual = sum(int(np.argmax(row) == label) for row, label in zip(scores, y, strict=True))
    assert views.accuracy(model, X, y) == manual / 200


# --------------------------------------------------------------------------- bad input

X0, Y0 = labelled(20, 4, 3, seed=0)
BAD_INPUT = [
    (lambda: views.pca("images"), TypeError, "X must be an array"),
    (lambda: views.pca([[1.0, np.nan], [0.0, 1.0]]), ValueError, "X must contain only finite"),
    (lambda: views.pca([[1.0, 2.0]]), ValueError, "at least 2 rows"),
    (lambda: views.centred_svd(np.ones((3, 2, 2))), ValueError, "X must be 2-dimensional"),
    (lambda: views.centred_svd(None), TypeError, "X must be an array"),
    (lambda: views.pca(X0, dim=0), ValueError, "dim must be >= 1"),
    (lambda: views.pca(X0, dim=1.0), TypeError, "dim must be an integer"),
    (lambda: views.pca(np.ones((3, 2), dtype=bool)), TypeError, "X must be an array of real"),
    (lambda: views.pca(np.ones(3)), ValueError, "X must be 2-dimensional"),
    (
        lambda: views.cca(X0, Y0.astype(float), classes=3),
        TypeError,
        "labels must be an array of integers",
    ),
    (lambda: views.cca(X0, Y0 > 0, classes=3), TypeError, "labels"),
    (lambda: views.cca(X0, Y0[:-1], classes=3), ValueError, "labels must have one entry per row"),
    (lambda: views.cca(X0, Y0, classes=2), ValueError, "labels must lie in 0..1"),
    (lambda: views.cca(X0, Y0, classes=True), TypeError, "classes"),
    (lambda: views.cca(X0, Y0, classes=3, reg=-1.0), ValueError, "reg"),
    (lambda: views.cca(X0, Y0, classes=3, reg=np.inf), ValueError, "reg"),
    (lambda: views.cca(X0, Y0, classes=3, dim=0), ValueError, "dim"),
    (lambda: views.cca(X0, "labels", classes=3), TypeError, "labels"),
    (lambda: views.one_hot([[0, 1]], classes=3), ValueError, "labels must be a non-empty 1-D"),
    (lambda: views.one_hot([], classes=3), ValueError, "labels"),
    (lambda: views.one_hot([-1], classes=3), ValueError, "labels must lie"),
    (lambda: views.label_scatter([0, 1], classes=1), ValueError, "classes must be >= 2"),
    (
        lambda: views.pair_correlation(X0, Y0, np.ones(3), np.ones(3), classes=3),
        ValueError,
        "a must have shape",
    ),
    (
        lambda: views.pair_correlation(X0, Y0, np.ones(4), np.ones(2), classes=3),
        ValueError,
        "b must have shape",
    ),
    (
        lambda: views.pair_correlation(X0, Y0, np.ones((2, 4)), np.ones((3, 3)), classes=3),
        ValueError,
        "same number",
    ),
    (lambda: views.pair_correlation(X0, Y0, "a", np.ones(3), classes=3), TypeError, "a must be"),
    (lambda: views.fit_linear_classifier(X0, Y0, classes=3, ridge=-0.1), ValueError, "ridge"),
    (lambda: views.fit_linear_classifier(X0, Y0, classes=3, ridge="1"), TypeError, "ridge"),
    (lambda: views.accuracy("model", X0, Y0), TypeError, "model must be a LinearClassifier"),
    (lambda: views.pca(X0).embed(np.ones((2, 3))), ValueError, "X must have 4 columns"),
    (
        lambda: views.cca(X0, Y0, classes=3).embed(np.ones((2, 5))),
        ValueError,
        "X must have 4 columns",
    ),
    (
        lambda: views.fit_linear_classifier(X0, Y0, classes=3).predict(np.ones((2, 5))),
        ValueError,
        "X must have 4 columns",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(
            lambda v: not (v >= 0 and v < np.inf)
        ),
        st.booleans(),
        st.text(max_size=2),
        st.none(),
    )
)
@settings(max_examples=40, deadline=None)
def test_bad_regularisation_is_rejected(value: object) -> None:
    with pytest.raises((TypeError, ValueError), match="reg"):
        views.canonical_correlations(X0, Y0, classes=3, reg=value)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match="ridge"):
        views.fit_linear_classifier(X0, Y0, classes=3, ridge=value)  # type: ignore[arg-type]


@given(st.lists(st.one_of(st.integers(-5, -1), st.integers(3, 9)), min_size=1, max_size=5))
@settings(max_examples=30, deadline=None)
def test_out_of_range_labels_are_rejected(bad: list[int]) -> None:
    y = Y0.copy()
    y[: len(bad)] = bad
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        views.fit_linear_classifier(X0, y, classes=3)
