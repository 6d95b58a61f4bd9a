"""dlhw.gd: gradient descent and heavy ball on least squares, rates and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import gd


def problem(n: int = 30, d: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def loop_gd(X, y, eta, steps, w0):
    """Reference: GD written from the definition, gradient from the residual in n-space."""
    w = np.array(w0, dtype=float)
    out = [w.copy()]
    for _ in range(steps):
        w = w - eta * 2 * X.T @ (X @ w - y)
        out.append(w.copy())
    return np.array(out)


# --- closed forms and independent computations -------------------------------------


def test_hessian_and_eigenvalues() -> None:
    X, _ = problem()
    H = gd.hessian(X)
    np.testing.assert_allclose(H, 2 * X.T @ X, rtol=1e-15)
    np.testing.assert_allclose(gd.hessian_eigenvalues(X), 2 * np.linalg.svd(X)[1][::-1] ** 2)


def test_least_squares_solution_matches_lstsq_and_normal_equations() -> None:
    X, y = problem()
    w = gd.least_squares_solution(X, y)
    np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12)
    np.testing.assert_allclose(gd.hessian(X) @ w / 2, X.T @ y, rtol=1e-10, atol=1e-12)


def test_losses_definition() -> None:
    X, y = problem()
    W = np.random.default_rng(1).normal(size=(700, 5))  # more rows than one chunk
    expected = np.array([np.sum((X @ w - y) ** 2) for w in W])
    np.testing.assert_allclose(gd.losses(X, y, W), expected, rtol=1e-13)
    assert float(gd.losses(X, y, W[0])) == pytest.approx(expected[0], rel=1e-13)


def test_gd_matches_reference_loop() -> None:
    X, y = problem()
    w0 = np.arange(5.0)
    eta = 0.9 / gd.hessian_eigenvalues(X)[-1]
    W, L = gd.gd(X, y, eta, 50, w0=w0)
    np.testing.assert_allclose(W, loop_gd(X, y, eta, 50, w0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L, [np.sum((X @ w - y) ** 2) for w in W], rtol=1e-12)
    assert W.shape == (51, 5)
    assert np.array_equal(W[0], w0)


def test_gd_zero_steps_and_default_start() -> None:
    X, y = problem()
    W, L = gd.gd(X, y, 0.01, 0)
    assert W.shape == (1, 5)
    assert not W.any()
    assert L[0] == pytest.approx(y @ y)


def test_gd_error_recursion_closed_form() -> None:
    """w_t − w* = (I − ηH)^t (w_0 − w*), equation (9)."""
    X, y = problem()
    eta = 1.5 / gd.hessian_eigenvalues(X)[-1]
    w0 = np.ones(5)
    W, _ = gd.gd(X, y, eta, 20, w0=w0)
    w_star = gd.least_squares_solution(X, y)
    M = np.eye(5) - eta * gd.hessian(X)
    for t in (0, 1, 7, 20):
        np.testing.assert_allclose(
            W[t] - w_star,
            np.linalg.matrix_power(M, t) @ (w0 - w_star),
            rtol=1e-9,
            atol=1e-12,
        )


def test_gd_converges_to_lstsq() -> None:
    X, y = problem()
    W, L = gd.gd(X, y, gd.optimal_step(X), 400)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(W[-1], w_star, rtol=1e-9)
    assert L[-1] == pytest.approx(np.sum((X @ w_star - y) ** 2), rel=1e-12)


def test_gd_diverges_above_two_over_lambda_max() -> None:
    X, y = problem()
    eta = 2.2 / gd.hessian_eigenvalues(X)[-1]
    _, L = gd.gd(X, y, eta, 300)  # diverging, still inside float64
    assert L[200] > L[100] > L[0]
    with pytest.raises(ValueError, match=r"overflow float64 at step \d+: eta=.* too large"):
        gd.gd(X, y, eta, 3000)  # an overflow is refused, not returned as inf


@pytest.mark.parametrize("arg", ["y", "w0"])
def test_gd_and_heavy_ball_refuse_overflowing_runs_naming_the_cause(arg: str) -> None:
    X, y = problem()
    big = {"y": {"y": 1e200 * y}, "w0": {"w0": np.full(X.shape[1], 1e200)}}[arg]
    args = {"y": y} | big
    with pytest.raises(ValueError, match=rf"overflow float64 at step 0: .*{arg}"):
        gd.gd(X, args["y"], 0.01, 3, w0=args.get("w0"))
    with pytest.raises(ValueError, match=rf"overflow float64 at step 0: .*{arg}"):
        gd.heavy_ball(X, args["y"], 3, w0=args.get("w0"))
    with pytest.raises(ValueError, match=r"at step \d+: alpha=1e\+200"):
        gd.heavy_ball(X, y, 3, alpha=1e200, beta=0.5)


def test_suboptimality_bound_names_the_arguments() -> None:
    X, y = problem()
    with pytest.raises(ValueError, match="y or w0 is too large"):
        gd.suboptimality_bound(X, 1e200 * y, 0.01, 3)
    with pytest.raises(ValueError, match=r"t is too large for eta=1e\+200"):
        gd.suboptimality_bound(X, y, 1e200, 3)
    with pytest.raises(TypeError, match="t must be an integer or a 1-D array"):
        gd.suboptimality_bound(X, y, 0.01, [[1, 2], [3]])


def test_contraction_factor_closed_form() -> None:
    # H = diag(1, 10): ν(η) = max(|1 − η|, |1 − 10η|)
    X = np.diag([np.sqrt(0.5), np.sqrt(5.0)])
    for eta in (0.01, 0.1, 2 / 11, 0.2, 0.5):
        assert gd.contraction_factor(X, eta) == pytest.approx(
            max(abs(1 - eta), abs(1 - 10 * eta)), rel=1e-12
        )
    # the original's "K > λ_min" counterexample: K = 2, ν = 4
    assert gd.contraction_factor(X, 0.5) == pytest.approx(4.0)


def test_contraction_factor_is_spectral_radius() -> None:
    X, _ = problem(seed=3)
    for eta in np.linspace(0.01, 3, 7) / gd.hessian_eigenvalues(X)[-1]:
        M = np.eye(5) - eta * gd.hessian(X)
        radius = np.abs(np.linalg.eigvals(M)).max()
        assert gd.contraction_factor(X, eta) == pytest.approx(radius, rel=1e-10)


def test_optimal_step_rate() -> None:
    X, _ = problem()
    kappa = gd.condition_number(X)
    nu = gd.contraction_factor(X, gd.optimal_step(X))
    assert nu == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)
    for eta in gd.optimal_step(X) * np.array([0.5, 0.9, 0.99, 1.01, 1.1]):
        assert gd.contraction_factor(X, eta) > nu


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    fraction=st.floats(0.01, 1.2),
    t=st.integers(0, 40),
)
def test_suboptimality_bound_holds(seed: int, fraction: float, t: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 3))
    y = rng.normal(size=8)
    w0 = rng.normal(size=3)
    eta = fraction * 2 / gd.hessian_eigenvalues(X)[-1]
    _, L = gd.gd(X, y, eta, t, w0=w0)
    optimum = float(gd.losses(X, y, gd.least_squares_solution(X, y)))
    bound = gd.suboptimality_bound(X, y, eta, t, w0=w0)
    assert L[-1] - optimum <= bound * (1 + 1e-9) + 1e-12


def test_suboptimality_bound_closed_form_and_arrays() -> None:
    X = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    y = np.array([1.0, 4.0, 5.0])
    # λ = (2, 8), w* = (1, 2), ν(0.1) = 0.8
    assert gd.suboptimality_bound(X, y, 0.1, 3) == pytest.approx(4 * 0.8**6 * 5)
    np.testing.assert_allclose(
        gd.suboptimality_bound(X, y, 0.1, np.array([0, 3])), [20.0, 4 * 0.8**6 * 5]
    )
    assert gd.suboptimality_bound(X, y, 0.1, 0, w0=[1.0, 2.0]) == 0.0


def test_suboptimality_bound_is_attained_along_top_eigenvector() -> None:
    """With w_0 − w* along the eigenvector of λ_max and ν from λ_max, (18) is tight."""
    X = np.diag([1.0, 2.0])
    y = np.zeros(2)
    eta = 0.2  # eigenvalues 2, 8: factors 0.6 and −0.6, ν = 0.6
    w0 = np.array([0.0, 1.0])
    _, L = gd.gd(X, y, eta, 5, w0=w0)
    assert L[5] == pytest.approx(gd.suboptimality_bound(X, y, eta, 5, w0=w0), rel=1e-12)


def test_heavy_ball_matches_reference_loop() -> None:
    X, y = problem()
    alpha, beta = 0.5 / gd.hessian_eigenvalues(X)[-1], 0.6
    w0 = np.ones(5)
    W, L = gd.heavy_ball(X, y, 30, alpha=alpha, beta=beta, w0=w0)
    prev, w = w0.copy(), w0.copy()
    for t in range(1, 31):
        prev, w = w, w - alpha * 2 * X.T @ (X @ w - y) + beta * (w - prev)
        np.testing.assert_allclose(W[t], w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(L, [np.sum((X @ v - y) ** 2) for v in W], rtol=1e-12)


def test_heavy_ball_with_zero_momentum_is_gd() -> None:
    X, y = problem()
    W_hb, _ = gd.heavy_ball(X, y, 25, alpha=0.01, beta=0.0)
    W_gd, _ = gd.gd(X, y, 0.01, 25)
    np.testing.assert_allclose(W_hb, W_gd, rtol=1e-12, atol=1e-15)


def test_heavy_ball_optimal_parameters_and_rate() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 8)) * np.logspace(0, -1, 8)  # κ of order 10²
    y = rng.normal(size=60)
    lam = gd.hessian_eigenvalues(X)
    alpha, beta = gd.heavy_ball_parameters(X)
    assert alpha == pytest.approx(4 / (np.sqrt(lam[-1]) + np.sqrt(lam[0])) ** 2)
    root_kappa = np.sqrt(lam[-1] / lam[0])
    rate = (root_kappa - 1) / (root_kappa + 1)
    assert np.sqrt(beta) == pytest.approx(rate)
    moduli = np.abs(np.linalg.eigvals(gd.heavy_ball_matrix(X, alpha, beta)))
    np.testing.assert_allclose(moduli, rate, rtol=1e-6)
    W, _ = gd.heavy_ball(X, y, 80, w0=np.ones(8))
    errors = np.linalg.norm(W - gd.least_squares_solution(X, y), axis=1)
    assert errors[-1] > 1e-8  # still far above rounding
    # error ~ C (t + 1) rate^t: over [40, 80] the measured rate is within 3 %
    measured = (errors[80] / errors[40]) ** (1 / 40)
    assert rate * 0.99 < measured < rate * 1.03
    kappa = root_kappa**2
    assert measured < (kappa - 1) / (kappa + 1)  # beats the best fixed-step GD


def test_ill_conditioned_spectrum() -> None:
    F = gd.ill_conditioned(6, alpha=3.0, condition=1e10, rng=np.random.default_rng(0))
    s = np.linalg.svd(F, compute_uv=False)
    assert s[0] == pytest.approx(3.0, rel=1e-12)
    assert s[0] / s[-1] == pytest.approx(1e10, rel=1e-3)


# --- bad input ---------------------------------------------------------------------

SINGULAR_X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1
Y3 = np.array([1.0, 2.0, 3.0])


SINGULAR_CALLS = [
    lambda: gd.least_squares_solution(SINGULAR_X, Y3),
    lambda: gd.suboptimality_bound(SINGULAR_X, Y3, 0.01, 3),
    lambda: gd.optimal_step(SINGULAR_X),
    lambda: gd.condition_number(SINGULAR_X),
    lambda: gd.heavy_ball_parameters(SINGULAR_X),
    lambda: gd.heavy_ball(SINGULAR_X, Y3, 5),
    lambda: gd.least_squares_solution(np.ones((2, 3)), [1.0, 2.0]),  # n < d
    lambda: gd.optimal_step(np.zeros((3, 2))),
]


@pytest.mark.parametrize(
    "call", SINGULAR_CALLS, ids=[f"singular-{i}" for i in range(len(SINGULAR_CALLS))]
)
def test_singular_gram_rejected_where_a_rate_needs_it(call) -> None:
    with pytest.raises(ValueError, match="full column rank"):
        call()


def test_singular_gram_allowed_where_no_rate_is_claimed() -> None:
    W, _ = gd.gd(SINGULAR_X, Y3, 0.01, 3)
    assert W.shape == (4, 2)
    assert gd.contraction_factor(SINGULAR_X, 0.01) == pytest.approx(1.0)
    W, _ = gd.heavy_ball(SINGULAR_X, Y3, 3, alpha=0.01, beta=0.5)
    assert W.shape == (4, 2)


X3, Y3B = problem(n=6, d=3)


BAD_CALLS = [
    (lambda: gd.gd(X3, Y3B[:5], 0.1, 3), ValueError, "y"),
    (lambda: gd.gd(X3[0], Y3B, 0.1, 3), ValueError, "X"),
    (lambda: gd.gd(np.full((6, 3), np.nan), Y3B, 0.1, 3), ValueError, "X"),
    (lambda: gd.gd(X3, np.full(6, np.inf), 0.1, 3), ValueError, "y"),
    (lambda: gd.gd(X3, Y3B, 0.0, 3), ValueError, "eta"),
    (lambda: gd.gd(X3, Y3B, -1.0, 3), ValueError, "eta"),
    (lambda: gd.gd(X3, Y3B, float("nan"), 3), ValueError, "eta"),
    (lambda: gd.gd(X3, Y3B, "0.1", 3), TypeError, "eta"),
    (lambda: gd.gd(X3, Y3B, 0.1, -1), ValueError, "steps"),
    (lambda: gd.gd(X3, Y3B, 0.1, 2.5), TypeError, "steps"),
    (lambda: gd.gd(X3, Y3B, 0.1, 3, w0=np.ones(2)), ValueError, "w0"),
    (lambda: gd.gd(X3, Y3B, 0.1, 3, w0=[np.nan, 0, 0]), ValueError, "w0"),
    (lambda: gd.gd("X", Y3B, 0.1, 3), TypeError, "X"),
    (lambda: gd.gd(np.zeros((0, 3)), [], 0.1, 3), ValueError, "X"),
    (lambda: gd.contraction_factor(X3, 0.0), ValueError, "eta"),
    (lambda: gd.contraction_factor(X3, -0.5), ValueError, "eta"),
    (lambda: gd.contraction_factor([1.0, 2.0], 0.1), ValueError, "X"),
    (lambda: gd.contraction_factor([[np.nan]], 0.1), ValueError, "X"),
    (lambda: gd.suboptimality_bound(X3, Y3B, 0.0, 3), ValueError, "eta"),
    (lambda: gd.suboptimality_bound(X3, Y3B, 0.1, -1), ValueError, "t"),
    (lambda: gd.suboptimality_bound(X3, Y3B, 0.1, [1, -1]), ValueError, "t"),
    (lambda: gd.suboptimality_bound(X3, Y3B, 0.1, 1.5), TypeError, "t"),
    (lambda: gd.suboptimality_bound(X3, Y3B[:2], 0.1, 1), ValueError, "y"),
    (lambda: gd.suboptimality_bound(X3, Y3B, 0.1, 1, w0=[1.0]), ValueError, "w0"),
    (lambda: gd.heavy_ball(X3, Y3B, 5, alpha=0.0), ValueError, "alpha"),
    (lambda: gd.heavy_ball(X3, Y3B, 5, beta=-0.1), ValueError, "beta"),
    (lambda: gd.heavy_ball(X3, Y3B, 5, beta=1.0), ValueError, "beta"),
    (lambda: gd.heavy_ball(X3, Y3B, -2), ValueError, "steps"),
    (lambda: gd.heavy_ball(X3, Y3B[:3], 2), ValueError, "y"),
    (lambda: gd.heavy_ball(X3, Y3B, 2, w0=np.ones(4)), ValueError, "w0"),
    (lambda: gd.heavy_ball_matrix(X3, 0.1, float("inf")), ValueError, "beta"),
    (lambda: gd.losses(X3, Y3B, np.ones((2, 4))), ValueError, "W"),
    (lambda: gd.losses(X3, Y3B, np.ones((2, 2, 3))), ValueError, "W"),
    (
        lambda: gd.ill_conditioned(3, alpha=1.0, condition=0.5, rng=np.random.default_rng()),
        ValueError,
        "condition",
    ),
    (
        lambda: gd.ill_conditioned(0, alpha=1.0, condition=2.0, rng=np.random.default_rng()),
        ValueError,
        "n",
    ),
    (lambda: gd.ill_conditioned(3, alpha=1.0, condition=2.0, rng=0), TypeError, "rng"),
]


@pytest.mark.parametrize(
    ("call", "error", "name"),
    BAD_CALLS,
    ids=[f"{i}-{name}" for i, (_, _, name) in enumerate(BAD_CALLS)],
)
def test_bad_input_names_the_argument(call, error, name) -> None:
    with pytest.raises(error, match=rf"^{name}\b"):
        call()


@settings(max_examples=40, deadline=None)
@given(eta=st.one_of(st.floats(max_value=0.0), st.just(float("inf")), st.just(float("nan"))))
def test_bad_step_sizes_rejected(eta: float) -> None:
    with pytest.raises(ValueError, match=r"^eta"):
        gd.gd(X3, Y3B, eta, 2)
    with pytest.raises(ValueError, match=r"^eta"):
        gd.contraction_factor(X3, eta)


# --- numerical range: inputs of size 1e±200, and size guards ------------------------------

TWO = [2.0**k for k in (-500, -300, -40, 40, 300, 500)]
TEN = [10.0**k for k in (-200, -150, -100, 100, 150, 200)]


@pytest.mark.parametrize("s", TWO)
def test_power_of_two_scaling_is_exact(s: float) -> None:
    # X -> sX with eta -> eta / s² is the same problem: iterates scale by 1/s, losses
    # and rates do not change. A power of two scales exactly, so the results are equal.
    X, y = problem(n=8, d=3, seed=3)
    eta = 0.5 / gd.hessian_eigenvalues(X)[-1]
    assert gd.condition_number(s * X) == gd.condition_number(X)
    assert gd.contraction_factor(s * X, eta / s**2) == gd.contraction_factor(X, eta)
    np.testing.assert_array_equal(
        gd.least_squares_solution(s * X, y) * s, gd.least_squares_solution(X, y)
    )
    W, L = gd.gd(X, y, eta, 20)
    Ws, Ls = gd.gd(s * X, y, eta / s**2, 20)
    np.testing.assert_array_equal(Ws * s, W)
    np.testing.assert_array_equal(Ls, L)
    Wh, _ = gd.heavy_ball(s * X, y, 20)
    np.testing.assert_array_equal(Wh * s, gd.heavy_ball(X, y, 20)[0])
    assert gd.heavy_ball_parameters(s * X)[1] == gd.heavy_ball_parameters(X)[1]
    assert gd.suboptimality_bound(s * X, y, eta / s**2, 5) == gd.suboptimality_bound(X, y, eta, 5)


@pytest.mark.parametrize("s", TEN)
def test_scaled_inputs_work_or_are_refused(s: float) -> None:
    X, y = problem(n=8, d=3, seed=4)
    # scale-free quantities always work
    assert gd.condition_number(s * X) == pytest.approx(gd.condition_number(X), rel=1e-12)
    w = gd.least_squares_solution(s * X, y)
    np.testing.assert_allclose(w * s, gd.least_squares_solution(X, y), rtol=1e-12)
    # H = 2 s² XᵀX is representable for |log10 s| <= 150 and refused beyond: never inf or 0
    if abs(np.log10(s)) <= 150:
        np.testing.assert_allclose(gd.hessian(s * X) / s**2, gd.hessian(X), rtol=1e-12)
        eta = gd.optimal_step(s * X)
        assert eta * s**2 == pytest.approx(gd.optimal_step(X), rel=1e-12)
    else:
        with pytest.raises(ValueError, match=r"^X is too (large|small): the Hessian"):
            gd.hessian(s * X)
        with pytest.raises(ValueError, match=r"^X is too (large|small)"):
            gd.optimal_step(s * X)


def test_the_reviewed_failures_are_gone() -> None:
    X, y = problem(n=6, d=3, seed=0)
    assert np.isfinite(gd.condition_number(1e200 * X))  # was NaN
    with pytest.raises(ValueError, match="beyond the float64 range"):
        gd.losses(1e200 * X, y, np.ones(3))  # was inf
    with pytest.raises(ValueError, match="below the float64 range"):
        gd.losses(1e-170 * X, 1e-170 * y, np.ones(3))  # was 0
    assert gd.losses(X, X @ np.ones(3), np.ones(3)) == 0.0  # an exact zero is fine
    with pytest.raises(ValueError, match=r"^t is too large"):
        gd.suboptimality_bound(X, y, 1.5 / gd.hessian_eigenvalues(X)[-1] * 2, 10**6)
    assert gd.suboptimality_bound(X, y, 0.01, 10**400) == 0.0  # ν < 1: below float range


def test_step_and_memory_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = problem(n=6, d=3)
    with pytest.raises(ValueError, match=r"^steps must be <= 100000 \(dlhw\.gd\.MAX_STEPS"):
        gd.gd(X, y, 0.01, 10**9)
    with pytest.raises(ValueError, match=r"^steps must be <= .*MAX_STEPS"):
        gd.heavy_ball(X, y, 10**18)
    with pytest.raises(ValueError, match=r"^X has d = 10000 columns.*MAX_ENTRIES"):
        gd.hessian(np.ones((2, 10_000)))
    with pytest.raises(ValueError, match=r"^n=100000 needs n² .*MAX_ENTRIES"):
        gd.ill_conditioned(10**5, alpha=1.0, condition=2.0, rng=np.random.default_rng(0))
    monkeypatch.setattr(gd, "MAX_STEPS", 3)
    with pytest.raises(ValueError, match="MAX_STEPS"):
        gd.gd(X, y, 0.01, 4)
    assert gd.gd(X, y, 0.01, 3)[0].shape == (4, 3)


def test_ill_conditioned_refuses_a_condition_number_rounding_would_destroy() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"^condition must be below 0\.01 / \(n ε\)"):
        gd.ill_conditioned(50, alpha=1.0, condition=1e14, rng=rng)
    with pytest.raises(ValueError, match=r"^alpha / condition"):
        gd.ill_conditioned(2, alpha=1e-300, condition=1e10, rng=rng)
    F = gd.ill_conditioned(50, alpha=1.0, condition=1e10, rng=rng)  # the chapter's matrix
    s = np.linalg.svd(F, compute_uv=False)
    assert s[0] / s[-1] == pytest.approx(1e10, rel=1e-2)


def test_a_huge_step_times_a_huge_x_is_refused() -> None:
    X, y = problem(n=6, d=3)
    with pytest.raises(ValueError, match=r"^eta is too large for this X"):
        gd.gd(1e200 * X, y, 1e-10, 3)
    with pytest.raises(ValueError, match=r"^eta=.* times λ_max"):
        gd.contraction_factor(1e200 * X, 1e-10)
