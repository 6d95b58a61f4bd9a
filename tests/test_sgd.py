"""SGD under interpolation, Kaczmarz and ridge: closed forms, slow loops, bad input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import sgd
from dlhw.proof import ProofError, bound, exhaustive


def wide(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def slow_sgd(X, y, steps_per_row, indices, w0):
    """The textbook loop, one trajectory at a time, in the original d coordinates."""
    W = np.array(w0, dtype=float)
    losses = [[float(np.sum((X @ w - y) ** 2))] for w in W]
    for t in range(indices.shape[0]):
        for k in range(W.shape[0]):
            i = indices[t, k]
            W[k] = W[k] - steps_per_row[i] * (X[i] @ W[k] - y[i]) * X[i]
            losses[k].append(float(np.sum((X @ W[k] - y) ** 2)))
    return W, np.array(losses)


# ------------------------------------------------------------------ closed forms


@given(st.integers(1, 6), st.integers(0, 4), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_min_norm_solution_matches_lstsq(n: int, extra: int, seed: int) -> None:
    X, y = wide(n, n + extra, seed)
    w = sgd.min_norm_solution(X, y)
    np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-9)
    np.testing.assert_allclose(w, np.linalg.pinv(X) @ y, atol=1e-9)
    np.testing.assert_allclose(X @ w, y, atol=1e-9)


def test_lyapunov_constants_definitions() -> None:
    X, _ = wide(5, 9, 3)
    k = sgd.lyapunov_constants(X)
    sigma = np.linalg.svd(X, compute_uv=False)
    beta = max(np.linalg.norm(row) for row in X)
    assert k.n == 5
    assert k.sigma_min == pytest.approx(sigma[-1])
    assert k.sigma_max == pytest.approx(sigma[0])
    assert k.beta == pytest.approx(beta)
    assert k.c1 == pytest.approx(4 * sigma[-1] ** 2 / 5)
    assert k.c2 == pytest.approx(4 * sigma[0] ** 2 * beta**2 / 5)
    assert k.eta_max == pytest.approx(k.c1 / k.c2)
    assert k.factor(k.eta_best) == pytest.approx(k.factor_best)
    assert k.factor_best == pytest.approx(1 - sigma[-1] ** 4 / (5 * sigma[0] ** 2 * beta**2))
    assert k.factor(k.eta_max) == pytest.approx(1.0)
    assert k.factor(0.5 * k.eta_best) < 1 < k.factor(1.01 * k.eta_max)


def test_expected_ratio_is_the_average_over_rows() -> None:
    X, y = wide(4, 7, 11)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(6, 7))
    eta = 0.01
    ratios = sgd.expected_lyapunov_ratio(X, W, eta, y=y)
    assert ratios.shape == (6,)
    for w, ratio in zip(W, ratios, strict=True):
        nxt = [w - 2 * eta * (X[i] @ w - y[i]) * X[i] for i in range(4)]
        expected = np.mean([np.sum((X @ v - y) ** 2) for v in nxt])
        assert ratio == pytest.approx(expected / np.sum((X @ w - y) ** 2), rel=1e-12)
    single = sgd.expected_lyapunov_ratio(X, W[0], eta, y=y)
    assert single.shape == ()
    assert float(single) == pytest.approx(ratios[0], rel=1e-14)


def test_expected_ratio_obeys_the_proved_bound() -> None:
    X, _ = wide(5, 8, 2)
    k = sgd.lyapunov_constants(X)
    W = np.random.default_rng(1).normal(size=(200, 8))
    for eta in (0.1 * k.eta_best, k.eta_best, k.eta_max):
        assert np.all(sgd.expected_lyapunov_ratio(X, W, eta) <= k.factor(eta) + 1e-12)


def test_expected_ratio_is_attained_for_orthogonal_rows() -> None:
    # X = I: sigma_min = sigma_max = beta = 1 and the bound is an equality.
    k = sgd.lyapunov_constants(np.eye(3))
    ratio = sgd.expected_lyapunov_ratio(np.eye(3), [1.0, -2.0, 0.5], 0.2)
    assert float(ratio) == pytest.approx(k.factor(0.2), rel=1e-14)


def test_ridge_three_ways() -> None:
    rng = np.random.default_rng(5)
    for n, d in ((6, 3), (4, 9)):
        X, y = rng.normal(size=(n, d)), rng.normal(size=n)
        lam = 0.7
        closed = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
        np.testing.assert_allclose(sgd.ridge_solution(X, y, lam), closed, rtol=1e-10)
        Xt, yt = sgd.ridge_augmented(X, y, lam, form="tall")
        assert Xt.shape == (n + d, d)
        np.testing.assert_allclose(Xt.T @ Xt, X.T @ X + lam * np.eye(d), atol=1e-12)
        np.testing.assert_allclose(np.linalg.lstsq(Xt, yt, rcond=None)[0], closed, rtol=1e-9)
        Xw, yw = sgd.ridge_augmented(X, y, lam, form="wide")
        assert Xw.shape == (n, d + n)
        np.testing.assert_allclose(sgd.min_norm_solution(Xw, yw)[:d], closed, rtol=1e-9)


def test_tikhonov_augmented_is_the_map_estimate() -> None:
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    B = rng.normal(size=(3, 3))
    Sigma = B @ B.T + 0.5 * np.eye(3)
    Gamma = np.linalg.cholesky(np.linalg.inv(Sigma)).T
    Xa, ya = sgd.tikhonov_augmented(X, y, Gamma)
    mapped = np.linalg.solve(X.T @ X + np.linalg.inv(Sigma), X.T @ y)
    np.testing.assert_allclose(np.linalg.lstsq(Xa, ya, rcond=None)[0], mapped, rtol=1e-9)


# --------------------------------------------------------------------- simulation


@pytest.mark.parametrize(("n", "d"), [(3, 5), (4, 4), (2, 9)])
def test_run_sgd_matches_the_slow_loop(n: int, d: int) -> None:
    X, y = wide(n, d, n * d)
    rng = np.random.default_rng(0)
    steps, runs, eta = 60, 5, 0.05
    indices = rng.integers(0, n, size=(steps, runs))
    w0 = rng.normal(size=(runs, d))  # not in the row space: that part never moves
    out = sgd.run_sgd(X, y, eta, steps, runs=runs, w0=w0, indices=indices)
    W, losses = slow_sgd(X, y, np.full(n, 2 * eta), indices, w0)
    np.testing.assert_allclose(out.w, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out.loss, losses, rtol=1e-8, atol=1e-14)
    w_star = sgd.min_norm_solution(X, y)
    np.testing.assert_allclose(out.distance[:, -1], ((W - w_star) ** 2).sum(axis=1), rtol=1e-8)
    np.testing.assert_array_equal(out.t, np.arange(steps + 1))


def test_run_sgd_records_every_and_is_reproducible() -> None:
    X, y = wide(4, 6, 1)
    a = sgd.run_sgd(X, y, 0.02, 100, runs=3, seed=9, every=25)
    b = sgd.run_sgd(X, y, 0.02, 100, runs=3, seed=np.random.default_rng(9), every=25)
    np.testing.assert_array_equal(a.t, [0, 25, 50, 75, 100])
    assert a.loss.shape == a.distance.shape == (3, 5)
    np.testing.assert_array_equal(a.loss, b.loss)
    full = sgd.run_sgd(X, y, 0.02, 100, runs=3, seed=9)
    np.testing.assert_allclose(full.loss[:, ::25], a.loss, rtol=1e-12)


def test_run_sgd_stays_in_row_space_and_converges() -> None:
    X, y = wide(5, 12, 4)
    k = sgd.lyapunov_constants(X)
    out = sgd.run_sgd(X, y, 1 / (4 * k.beta**2), 4000, runs=20, seed=0)
    # From w_0 = 0 every iterate is in the row space, so the limit is the min-norm one.
    P = np.linalg.pinv(X) @ X
    np.testing.assert_allclose(out.w @ P, out.w, atol=1e-10)
    np.testing.assert_allclose(out.w, np.tile(sgd.min_norm_solution(X, y), (20, 1)), atol=1e-8)
    assert out.distance[:, -1].max() < 1e-16


def test_simulated_mean_follows_the_exact_curve() -> None:
    X, y = wide(4, 6, 21)
    eta = 0.02
    out = sgd.run_sgd(X, y, eta, 60, runs=20000, seed=3)
    loss, dist = sgd.expected_curves(X, y, 60, eta)
    # Monte Carlo with 20,000 runs: within 5 standard errors at every step.
    mean, se = out.loss.mean(axis=0), out.loss.std(axis=0) / np.sqrt(20000)
    assert np.all(np.abs(mean - loss) <= 5 * se + 1e-12)
    mean_d, se_d = out.distance.mean(axis=0), out.distance.std(axis=0) / np.sqrt(20000)
    assert np.all(np.abs(mean_d - dist) <= 5 * se_d + 1e-12)


def test_expected_curves_first_step_matches_ratio() -> None:
    X, y = wide(4, 6, 2)
    loss, _ = sgd.expected_curves(X, y, 1, 0.03)
    ratio = sgd.expected_lyapunov_ratio(X, np.zeros(6), 0.03, y=y)
    assert loss[1] / loss[0] == pytest.approx(float(ratio), rel=1e-12)


def test_mean_square_rate_is_the_decay_of_the_exact_curve() -> None:
    X, y = wide(3, 5, 6)
    for method, eta in (("sgd", 0.05), ("kaczmarz", None)):
        loss, _ = sgd.expected_curves(X, y, 400, eta, method=method)
        rate = sgd.mean_square_rate(X, eta, method=method)
        assert (loss[400] / loss[300]) ** (1 / 100) == pytest.approx(rate, rel=1e-6)


def test_kaczmarz_contracts_at_least_at_the_strohmer_vershynin_rate() -> None:
    X, y = wide(5, 9, 7)
    bound = sgd.kaczmarz_rate(X)
    sigma = np.linalg.svd(X, compute_uv=False)
    kappa_f = np.linalg.norm(X) * np.linalg.norm(np.linalg.pinv(X), 2)
    assert bound == pytest.approx(1 - 1 / kappa_f**2)
    assert bound == pytest.approx(1 - sigma[-1] ** 2 / np.sum(X**2))
    _, dist = sgd.expected_curves(X, y, 50, method="kaczmarz")
    assert np.all(dist[1:] <= bound * dist[:-1] * (1 + 1e-12))
    out = sgd.run_kaczmarz(X, y, 3000, runs=4, seed=2)
    np.testing.assert_allclose(out.w, np.tile(sgd.min_norm_solution(X, y), (4, 1)), atol=1e-8)


def test_kaczmarz_projects_onto_the_row_hyperplane() -> None:
    X, y = wide(3, 4, 3)
    out = sgd.run_kaczmarz(X, y, 1, runs=50, seed=0)
    residual = out.w @ X.T - y
    # After one projection, exactly one equation holds at each trajectory's iterate.
    assert np.all(np.isclose(residual, 0, atol=1e-12).sum(axis=1) >= 1)


def test_ridge_sgd_constant_step_stalls_at_a_floor_proportional_to_eta() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 4)), rng.normal(size=6)
    floors = {}
    for eta in (0.01, 0.005):
        t, dist = sgd.run_ridge_sgd(X, y, 1.0, eta, 6000, runs=200, seed=1, every=100)
        assert t[-1] == 6000
        assert dist.shape == (200, 61)
        floors[eta] = dist[:, -30:].mean()  # the last 3,000 steps
    assert floors[0.005] > 1e-4  # a constant step does not converge ...
    # ... and the floor scales with eta: to first order in eta the ratio is 2; the window
    # allows for the Monte Carlo error of 200 runs and the O(eta^2) term, and fails for a
    # floor that does not depend on eta (ratio 1) or grows like eta^2 (ratio 4).
    assert 1.6 < floors[0.01] / floors[0.005] < 2.6
    _, decayed = sgd.run_ridge_sgd(X, y, 1.0, 0.01, 6000, runs=200, seed=1, every=100, decay=0.01)
    assert decayed[:, -1].mean() < floors[0.01]


def test_ridge_sgd_matches_a_slow_loop() -> None:
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(3, 2)), rng.normal(size=3)
    lam, eta, steps = 0.5, 0.05, 30
    _, dist = sgd.run_ridge_sgd(X, y, lam, eta, steps, runs=2, seed=7)
    idx = np.random.default_rng(7).integers(0, 3, size=(steps, 2))
    target = sgd.ridge_solution(X, y, lam)
    for k in range(2):
        w = np.zeros(2)
        for t in range(steps):
            i = idx[t, k]
            w = w - eta * (2 * (X[i] @ w - y[i]) * X[i] + 2 * lam / 3 * w)
        assert dist[k, -1] == pytest.approx(np.sum((w - target) ** 2), rel=1e-10)


# ---------------------------------------------------------------------- bad input

X0, Y0 = wide(2, 3, 0)


BAD_INPUT = [
    (lambda: sgd.min_norm_solution(X0.T, [1.0, 2.0, 3.0]), ValueError, "tall"),
    (lambda: sgd.min_norm_solution([[1.0, 2.0], [2.0, 4.0]], Y0), ValueError, "rank"),
    (lambda: sgd.min_norm_solution(X0, [1.0, 2.0, 3.0]), ValueError, "y must have"),
    (lambda: sgd.min_norm_solution(X0, [np.nan, 1.0]), ValueError, "y must contain"),
    (lambda: sgd.min_norm_solution([1.0, 2.0], [1.0]), ValueError, "X must be 2"),
    (lambda: sgd.min_norm_solution("X", Y0), TypeError, "X must be"),
    (lambda: sgd.lyapunov_constants(np.full((2, 3), np.inf)), ValueError, "X must contain"),
    (lambda: sgd.lyapunov_constants(X0.T), ValueError, "tall"),
    (lambda: sgd.lyapunov_constants(X0).factor(0.0), ValueError, "eta"),
    (lambda: sgd.expected_lyapunov_ratio(X0, [1.0, 2.0], 0.1), ValueError, "w must have"),
    (lambda: sgd.expected_lyapunov_ratio(X0, [1.0, 2.0, 3.0], 0.0), ValueError, "eta"),
    (lambda: sgd.expected_lyapunov_ratio(X0, np.zeros(3), 0.1), ValueError, "w must not"),
    (lambda: sgd.expected_lyapunov_ratio(X0, [np.nan, 1, 1], 0.1), ValueError, "w must contain"),
    (lambda: sgd.expected_lyapunov_ratio(X0, np.ones(3), 0.1, y=[1.0]), ValueError, "y must"),
    (lambda: sgd.run_sgd(X0, Y0, -1.0, 10), ValueError, "eta"),
    (lambda: sgd.run_sgd(X0, Y0, float("nan"), 10), ValueError, "eta"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, -1), ValueError, "steps"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 1.5), TypeError, "steps"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, runs=0), ValueError, "runs"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, every=0), ValueError, "every"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, seed="s"), TypeError, "seed"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, w0=np.zeros(2)), ValueError, "w0"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, runs=2, w0=np.zeros((3, 3))), ValueError, "w0"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 2, indices=[[0], [1]], runs=2), ValueError, "indices"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 2, indices=[[0], [2]]), ValueError, "indices"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 1, indices=[[0.5]]), ValueError, "indices"),
    (lambda: sgd.run_sgd(X0.T, [1.0, 2.0, 3.0], 0.1, 10), ValueError, "tall"),
    (lambda: sgd.run_sgd(np.where(X0 > 0, np.nan, X0), Y0, 0.1, 10), ValueError, "X must contain"),
    (lambda: sgd.run_sgd(X0, Y0, 0.1, 10, w0=[np.nan, 0.0, 0.0]), ValueError, "w0 must contain"),
    (lambda: sgd.run_kaczmarz(X0, Y0, -3), ValueError, "steps"),
    (lambda: sgd.run_kaczmarz(X0, [1.0], 3), ValueError, "y must have"),
    (lambda: sgd.mean_square_rate(X0), TypeError, "eta"),
    (lambda: sgd.mean_square_rate(X0, 0.1, method="adam"), ValueError, "method"),
    (lambda: sgd.mean_square_rate(X0, -0.1), ValueError, "eta"),
    (lambda: sgd.expected_curves(X0, Y0, -1, 0.1), ValueError, "steps"),
    (lambda: sgd.expected_curves(X0, [1.0], 3, 0.1), ValueError, "y must have"),
    (lambda: sgd.kaczmarz_rate([[1.0, 1.0], [1.0, 1.0]]), ValueError, "rank"),
    (lambda: sgd.ridge_solution(X0, Y0, -1.0), ValueError, "lam"),
    (lambda: sgd.ridge_solution(X0, Y0, 0.0), ValueError, "lam"),
    (lambda: sgd.ridge_solution(X0, [1.0], 1.0), ValueError, "y must have"),
    (lambda: sgd.ridge_augmented(X0, Y0, -0.5, form="wide"), ValueError, "lam"),
    (lambda: sgd.ridge_augmented(X0, Y0, 0.5, form="square"), ValueError, "form"),
    (lambda: sgd.ridge_augmented(X0, [1.0, np.inf], 0.5), ValueError, "y must contain"),
    (lambda: sgd.ridge_augmented([[np.nan, 1.0]], [1.0], 0.5), ValueError, "X must contain"),
    (lambda: sgd.ridge_augmented(X0, [1.0], 0.5, form="wide"), ValueError, "y must have"),
    (lambda: sgd.tikhonov_augmented(X0, Y0, np.eye(2)), ValueError, "Gamma"),
    (lambda: sgd.tikhonov_augmented(X0, [1.0], np.eye(3)), ValueError, "y must have"),
    (lambda: sgd.run_ridge_sgd(X0, Y0, 1.0, 0.0, 10), ValueError, "eta"),
    (lambda: sgd.run_ridge_sgd(X0, Y0, -1.0, 0.1, 10), ValueError, "lam"),
    (lambda: sgd.run_ridge_sgd(X0, Y0, 1.0, 0.1, 10, decay=-1.0), ValueError, "decay"),
    (lambda: sgd.run_ridge_sgd(X0, Y0, 1.0, 0.1, 10, runs=0), ValueError, "runs"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    BAD_INPUT,
    ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)],
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not v > 0 or v == np.inf))
@settings(max_examples=30, deadline=None)
def test_non_positive_or_non_finite_steps_are_rejected(eta: float) -> None:
    with pytest.raises(ValueError, match="eta"):
        sgd.run_sgd(X0, Y0, eta, 3)
    with pytest.raises(ValueError, match="eta"):
        sgd.expected_lyapunov_ratio(X0, np.ones(3), eta)


# ------------------------------------------- the chapter's checks can fail


def _one_step_moments(M: np.ndarray, w: np.ndarray, eta: float) -> tuple[float, float, float]:
    H = M.T @ M
    deltas = -2 * eta * (M @ w)[:, None] * M
    A = 2 * deltas @ (H @ w)
    B = np.einsum("ij,jk,ik->i", deltas, H, deltas)
    return float(A.mean()), float(B.mean()), float(w @ H @ w)


def test_falsification_search_rejects_a_too_small_c2() -> None:
    # (67) is tight for orthonormal rows, so c2 / 2 must be caught.
    def sides(z):
        M = np.eye(3)
        _, B, L = _one_step_moments(M, z, 0.1)
        k = sgd.lyapunov_constants(M)
        return B, k.c2 / 2 * 0.1**2 * L

    with pytest.raises(ProofError):
        bound(
            lambda z: sides(z)[0],
            lambda z: sides(z)[1],
            lambda rng: rng.normal(size=3),
            claim="(67) with c2 / 2",
        )


def test_falsification_search_rejects_a_too_large_c1() -> None:
    def sides(z):
        M = z[:9].reshape(3, 3)
        A, _, L = _one_step_moments(M, z[9:], 0.1)
        smin = np.linalg.svd(M, compute_uv=False)[-1]
        return 2 * 4 * smin**2 / 3 * 0.1 * L, -A  # c1 doubled

    with pytest.raises(ProofError):
        bound(
            lambda z: sides(z)[0],
            lambda z: sides(z)[1],
            lambda rng: rng.normal(size=12),
            claim="(59) with 2 c1",
        )


def test_exact_average_rejects_a_wrong_closed_form() -> None:
    M = np.array([[1, 2], [3, -1]], dtype=object)
    w = np.array([2, -1], dtype=object)
    eta = Fraction(1, 7)
    H = M.T @ M
    average = sum(2 * (w @ H @ (-2 * eta * (M[i] @ w) * M[i])) for i in range(2)) / 2
    right = -4 * eta / 2 * ((H @ w) @ (H @ w))
    wrong = -2 * eta / 2 * ((H @ w) @ (H @ w))  # the factor 4 of (59) halved
    exhaustive(lambda c: average == c, [right], claim="E[A] closed form")
    with pytest.raises(ProofError):
        exhaustive(lambda c: average == c, [wrong], claim="E[A] with 2 eta / n")


def test_expected_ratio_exceeds_a_factor_with_c1_doubled() -> None:
    k = sgd.lyapunov_constants(np.eye(3))
    ratio = float(sgd.expected_lyapunov_ratio(np.eye(3), [1.0, 1.0, 1.0], 0.1))
    assert ratio <= k.factor(0.1) + 1e-15
    assert ratio > 1 - 2 * k.c1 * 0.1 + k.c2 * 0.1**2


def test_kaczmarz_rate_bound_fails_off_the_row_space() -> None:
    # The Strohmer-Vershynin bound needs e in the row space: a null-space error does not move.
    X = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    e = np.array([0.0, 0.0, 1.0])
    nrm2 = (X * X).sum(axis=1)
    after = [e - (row @ e) / r2 * row for row, r2 in zip(X, nrm2, strict=True)]
    mean = sum(p * (a @ a) for p, a in zip(nrm2 / nrm2.sum(), after, strict=True))
    assert mean > sgd.kaczmarz_rate(X) * (e @ e)


# ------------------------------------------ numerical range and size guards

TWO = [2.0**k for k in (-500, -250, -30, 30, 250, 500)]


@pytest.mark.parametrize("s", TWO)
def test_power_of_two_scaling_is_exact(s: float) -> None:
    # sX with step eta / s² is the same system: losses equal, points scale by 1/s.
    X, y = wide(3, 5, 11)
    k = sgd.lyapunov_constants(X)
    if abs(np.log2(s)) <= 250:
        ks = sgd.lyapunov_constants(s * X)
        assert (ks.sigma_min, ks.beta, ks.c1, ks.eta_best) == (
            k.sigma_min * s,
            k.beta * s,
            k.c1 * s**2,
            k.eta_best / s**2,
        )
        assert ks.factor_best == k.factor_best
    else:  # c2 = 4 sigma_max² beta² / n scales like s⁴: beyond float64
        with pytest.raises(ValueError, match=r"^X is too (large|small): c2"):
            sgd.lyapunov_constants(s * X)
    np.testing.assert_array_equal(sgd.min_norm_solution(s * X, y) * s, sgd.min_norm_solution(X, y))
    run = sgd.run_sgd(X, y, k.eta_best, 200, runs=3, seed=5, every=7)
    scaled = sgd.run_sgd(s * X, y, k.eta_best / s**2, 200, runs=3, seed=5, every=7)
    np.testing.assert_array_equal(scaled.loss, run.loss)
    normal = run.distance / s**2 >= np.finfo(float).tiny  # the rest falls below float64
    np.testing.assert_array_equal((scaled.distance * s**2)[normal], run.distance[normal])
    np.testing.assert_array_equal(scaled.w * s, run.w)
    kz = sgd.run_kaczmarz(s * X, y, 50, runs=2, seed=1)
    np.testing.assert_array_equal(kz.loss, sgd.run_kaczmarz(X, y, 50, runs=2, seed=1).loss)
    assert sgd.kaczmarz_rate(s * X) == sgd.kaczmarz_rate(X)
    assert sgd.mean_square_rate(s * X, k.eta_best / s**2) == sgd.mean_square_rate(X, k.eta_best)
    loss, dist = sgd.expected_curves(s * X, y, 30, k.eta_best / s**2)
    loss0, dist0 = sgd.expected_curves(X, y, 30, k.eta_best)
    np.testing.assert_array_equal(loss, loss0)
    np.testing.assert_array_equal(dist * s**2, dist0)
    ridge = sgd.ridge_solution(s * X, y, 0.5 * s**2)
    np.testing.assert_array_equal(ridge * s, sgd.ridge_solution(X, y, 0.5))
    _, rd = sgd.run_ridge_sgd(s * X, y, 0.5 * s**2, 0.05 / s**2, 100, runs=2, seed=3, every=10)
    _, rd0 = sgd.run_ridge_sgd(X, y, 0.5, 0.05, 100, runs=2, seed=3, every=10)
    normal = rd0 / s**2 >= np.finfo(float).tiny  # later distances may fall below float range
    np.testing.assert_array_equal((rd * s**2)[normal], rd0[normal])
    r = sgd.expected_lyapunov_ratio(s * X, np.ones(5) / s, k.eta_best / s**2)
    assert r == sgd.expected_lyapunov_ratio(X, np.ones(5), k.eta_best)


def test_the_reviewed_min_norm_failure_is_gone() -> None:
    y = np.array([1.0, 2.0])
    np.testing.assert_allclose(sgd.min_norm_solution(1e200 * np.eye(2), y), y / 1e200, rtol=1e-15)
    np.testing.assert_allclose(sgd.min_norm_solution(1e-200 * np.eye(2), y), y * 1e200, rtol=1e-15)
    with pytest.raises(ValueError, match=r"^X and y is too small: the min-norm solution"):
        sgd.min_norm_solution(1e200 * np.eye(2), 1e-200 * y)  # w* = 1e-400 is not a float64
    with pytest.raises(ValueError, match=r"^X is too large: c2"):
        sgd.lyapunov_constants(1e100 * np.eye(2))  # c2 grows like X⁴


def test_expected_ratio_needs_no_x_to_validate_first() -> None:
    # np.shape(None) used to raise IndexError here
    with pytest.raises(TypeError, match=r"^X must be an array"):
        sgd.expected_lyapunov_ratio(None, np.ones(3), 0.1)  # type: ignore[arg-type]


def test_ridge_refuses_a_system_too_ill_conditioned_to_solve() -> None:
    X, y = wide(2, 3, 0)
    with pytest.raises(ValueError, match=r"^lam is too small for this X"):
        sgd.ridge_solution(X, y, 1e-20)  # XᵀX + lam I is singular to working precision
    # a moderate lam agrees with an independent solver on the augmented tall system
    Xt, yt = sgd.ridge_augmented(X, y, 1e-6)
    np.testing.assert_allclose(
        sgd.ridge_solution(X, y, 1e-6), np.linalg.lstsq(Xt, yt, rcond=None)[0], rtol=1e-6
    )


def test_simulation_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"^steps must be <= 100000 \(dlhw\.sgd\.MAX_STEPS"):
        sgd.run_sgd(X0, Y0, 0.1, 10**9)
    with pytest.raises(ValueError, match=r"^steps=10 with runs=1000000000000 .*MAX_WORK"):
        sgd.run_sgd(X0, Y0, 0.1, 10, runs=10**12)
    with pytest.raises(ValueError, match=r"^runs=100000000 .*MAX_ENTRIES"):
        sgd.run_kaczmarz(X0, Y0, 1, runs=10**8)
    with pytest.raises(ValueError, match=r"^X has n = 60 rows.*MAX_OPERATOR_ENTRIES"):
        sgd.mean_square_rate(np.hstack([np.eye(60), np.ones((60, 1))]), 0.1)
    with pytest.raises(ValueError, match=r"^X of shape \(2, 100000\) .*MAX_ENTRIES"):
        sgd.ridge_augmented(np.ones((2, 10**5)), Y0, 1.0)
    monkeypatch.setattr(sgd, "MAX_WORK", 10)
    with pytest.raises(ValueError, match="MAX_WORK"):
        sgd.run_ridge_sgd(X0, Y0, 1.0, 0.1, 10)


def test_eta_is_checked_for_kaczmarz_too_and_method_must_be_a_string() -> None:
    with pytest.raises(ValueError, match=r"^eta"):
        sgd.mean_square_rate(X0, -1.0, method="kaczmarz")
    with pytest.raises(TypeError, match=r"^method must be"):
        sgd.expected_curves(X0, Y0, 3, 0.1, method=None)  # type: ignore[arg-type]


def test_diverging_runs_are_refused_with_the_step_size_named() -> None:
    X, y = wide(3, 6, seed=0)
    with pytest.raises(ValueError, match=r"overflow float64 at step \d+: eta=1e\+20 is too large"):
        sgd.run_sgd(X, y, 1e20, 200, seed=0)
    with pytest.raises(ValueError, match=r"at step \d+: eta=1e\+20 is too large"):
        sgd.expected_curves(X, y, 200, 1e20)
    with pytest.raises(ValueError, match=r"at step \d+: eta=1e\+20 is too large"):
        sgd.run_ridge_sgd(X, y, 1.0, 1e20, 200, seed=0)
    with pytest.raises(ValueError, match="y is too large"):
        sgd.run_ridge_sgd(X, 1e200 * y, 1.0, 0.01, 5, seed=0)


def test_a_recording_stride_beyond_the_run_records_the_start_only() -> None:
    X, y = wide(3, 6, seed=0)
    run = sgd.run_sgd(X, y, 0.01, 5, every=10**30, seed=0)
    assert run.t.tolist() == [0]
    assert np.array_equal(run.loss, sgd.run_sgd(X, y, 0.01, 5, every=6, seed=0).loss)


def test_ridge_scale_errors_name_x_and_lam() -> None:
    X, y = wide(3, 6, seed=0)
    with pytest.raises(ValueError, match=r"lam=1\.0 is too small .*rescale X or lam"):
        sgd.ridge_solution(1e200 * X, y, 1.0)
