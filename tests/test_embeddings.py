"""PCA, regularised CCA and ridge of dlhw.embeddings against dense references and sklearn."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.cross_decomposition  # type: ignore[import-untyped, unused-ignore]

from dlhw import embeddings as emb


def data(n: int, p: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + 3.0


def dense_cca(X: np.ndarray, Y: np.ndarray, reg: float, reg_y: float) -> np.ndarray:
    """The canonical correlations from the p x p formula, as a reference."""
    n = len(X)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    Cxx = Xc.T @ Xc / n + reg * np.eye(X.shape[1])
    Cyy = Yc.T @ Yc / n + reg_y * np.eye(Y.shape[1])

    def inv_sqrt(C: np.ndarray) -> np.ndarray:
        w, V = np.linalg.eigh(C)
        return (V / np.sqrt(w)) @ V.T

    return np.linalg.svd(inv_sqrt(Cxx) @ (Xc.T @ Yc / n) @ inv_sqrt(Cyy), compute_uv=False)


@pytest.mark.parametrize(("n", "p"), [(12, 30), (40, 6)])  # the Gram path and the covariance path
def test_pca_matches_numpy_svd(n: int, p: int) -> None:
    X = data(n, p)
    result = emb.pca(X, 3)
    U, s, Vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
    np.testing.assert_allclose(result.scores, emb.fix_signs(U[:, :3] * s[:3]), atol=1e-8)
    np.testing.assert_allclose(np.abs(result.components), np.abs(Vt[:3].T), atol=1e-8)
    np.testing.assert_allclose(result.components.T @ result.components, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(result.variances, s[:3] ** 2 / n, rtol=1e-10)
    np.testing.assert_allclose(result.scores, (X - X.mean(0)) @ result.components, atol=1e-8)


@pytest.mark.parametrize(("n", "p"), [(15, 25), (60, 5)])
def test_cca_matches_dense_formula_and_attains_its_correlations(n: int, p: int) -> None:
    X = data(n, p, 1)
    labels = np.arange(n) % 4
    Y = emb.one_hot(labels, 4)
    result = emb.cca(X, Y, k=2, reg=0.1, reg_y=0.01)
    reference = dense_cca(X, Y, 0.1, 0.01)
    np.testing.assert_allclose(
        result.correlations, reference[: len(result.correlations)], atol=1e-10
    )
    for j in range(2):
        a, b = result.x_weights[:, j], result.y_weights[:, j]
        rho = emb.correlation(X, Y, a, b, reg=0.1, reg_y=0.01)
        assert rho == pytest.approx(result.correlations[j], rel=1e-10)
    # no direction does better than the first pair
    rng = np.random.default_rng(2)
    for _ in range(200):
        a, b = rng.normal(size=p), rng.normal(size=4)
        assert emb.correlation(X, Y, a, b, reg=0.1, reg_y=0.01) <= result.correlations[0] + 1e-12


def test_one_hot_labels_give_at_most_classes_minus_one_correlations() -> None:
    X = data(30, 50, 3)
    result = emb.cca(X, emb.one_hot(np.arange(30) % 5, 5), k=1, reg=0.5)
    assert len(result.correlations) == 5
    assert result.correlations[-1] < 1e-10 < result.correlations[-2]


def test_cca_matches_sklearn_unregularised_and_by_augmentation() -> None:
    X = data(200, 6, 4)
    Y = np.c_[X[:, :2] @ np.array([[1.0], [-0.5]]), np.random.default_rng(5).normal(size=(200, 2))]
    Y = Y + 0.5 * np.random.default_rng(6).normal(size=Y.shape)
    sk = sklearn.cross_decomposition.CCA(n_components=2, scale=False, max_iter=5000, tol=1e-14).fit(
        X, Y
    )
    xs, ys = sk.transform(X, Y)
    mine = emb.cca(X, Y, k=2, reg=0, reg_y=1e-14)
    for j in range(2):
        assert abs(np.corrcoef(xs[:, j], mine.x_scores[:, j])[0, 1]) == pytest.approx(1, abs=1e-8)
        assert np.corrcoef(xs[:, j], ys[:, j])[0, 1] == pytest.approx(
            mine.correlations[j], abs=1e-8
        )
    # regularised CCA is plain CCA of the data with +-sqrt(n r / 2) I rows appended
    reg, reg_y = 2.0, 0.5
    n, p, q = len(X), X.shape[1], Y.shape[1]
    ax, ay = np.sqrt(n * reg / 2), np.sqrt(n * reg_y / 2)
    Xa = np.r_[X - X.mean(0), ax * np.eye(p), -ax * np.eye(p), np.zeros((2 * q, p))]
    Ya = np.r_[Y - Y.mean(0), np.zeros((2 * p, q)), ay * np.eye(q), -ay * np.eye(q)]
    sk = sklearn.cross_decomposition.CCA(n_components=2, scale=False, max_iter=5000, tol=1e-14).fit(
        Xa, Ya
    )
    xs, ys = sk.transform(Xa, Ya)
    regularised = emb.cca(X, Y, k=2, reg=reg, reg_y=reg_y)
    for j in range(2):
        assert np.corrcoef(xs[:, j], ys[:, j])[0, 1] == pytest.approx(
            regularised.correlations[j], abs=1e-8
        )


@pytest.mark.parametrize(("n", "p"), [(10, 20), (50, 4)])
def test_ridge_solves_the_normal_equations(n: int, p: int) -> None:
    X, Y = data(n, p, 7), emb.one_hot(np.arange(n) % 3, 3)
    fit = emb.ridge(X, Y, lam=0.3)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    np.testing.assert_allclose(Xc.T @ (Xc @ fit.W - Yc) + 0.3 * fit.W, 0, atol=1e-9)
    least = emb.ridge(X, Y, lam=0.0)
    np.testing.assert_allclose(least.W, np.linalg.pinv(Xc) @ Yc, atol=1e-8)
    if n <= p:  # more features than samples: least squares interpolates
        np.testing.assert_allclose(least.scores(X), Y, atol=1e-8)
        assert (least.predict(X) == np.arange(n) % 3).all()


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 rows"):
        emb.pca([[1.0, 2.0]])
    with pytest.raises(ValueError, match="k must be at most"):
        emb.pca(data(5, 3), k=4)
    with pytest.raises(ValueError, match="labels must lie"):
        emb.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="labels"):
        emb.one_hot([0.5], 3)
    with pytest.raises(ValueError, match="same number of rows"):
        emb.cca(data(5, 3), data(6, 2))
    with pytest.raises(ValueError, match="reg_y"):
        emb.cca(data(5, 3), data(5, 2), reg_y=0)
    with pytest.raises(ValueError, match="thin_svd"):
        emb.ridge(data(5, 3), data(5, 2), svd=emb.thin_svd(data(5, 4)))
    with pytest.raises(ValueError, match="thin_svd"):
        emb.pca(data(5, 3), svd="not an svd")
    with pytest.raises(ValueError, match="non-zero"):
        emb.correlation(data(5, 3), data(5, 2), np.zeros(3), np.ones(2), reg=0, reg_y=0)
