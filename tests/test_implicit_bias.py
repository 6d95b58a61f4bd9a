"""Implicit bias: trajectories against independent witnesses, the 2-D example, bad input."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.linalg
import scipy.special
import sympy
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlhw import implicit_bias as ib
from dlhw import sgd

X2, T2 = np.array([[2.0, 1.0]]), np.array([2.0])


def wide(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def safe_eta(X: np.ndarray, fraction: float = 0.5) -> float:
    """A step below the GD stability limit n / lambda_max(X^T X)."""
    return fraction * X.shape[0] / np.linalg.norm(X, 2) ** 2


def spectral_gd_path(X, t, eta, steps, w0):
    """Closed form of GD: w_k = w_inf + V diag(mu^k) V^T (w_0 - w_inf), no iteration."""
    n = X.shape[0]
    lam, V = np.linalg.eigh(X.T @ X)
    mu = 1.0 - 2.0 * eta * lam / n
    w_inf = np.linalg.pinv(X) @ t + (w0 - V[:, lam > 1e-12] @ (V[:, lam > 1e-12].T @ w0))
    coef = V.T @ (w0 - w_inf)
    k = np.arange(steps + 1)[:, None]
    return w_inf + (mu[None, :] ** k * coef) @ V.T


# --------------------------------------------------------------- loss and gradient


@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_gradient_matches_central_differences_and_autograd(n: int, d: int, seed: int) -> None:
    X, t = wide(n, d, seed)
    w = np.random.default_rng(seed + 1).normal(size=d)
    g = ib.gradient(X, t, w)
    h = 1e-6
    fd = np.array(
        [(ib.loss(X, t, w + h * e) - ib.loss(X, t, w - h * e)) / (2 * h) for e in np.eye(d)]
    )
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    wt = torch.tensor(w, requires_grad=True, dtype=torch.float64)
    Xt, tt = torch.tensor(X), torch.tensor(t)
    ((Xt @ wt - tt) ** 2).mean().backward()
    assert wt.grad is not None
    np.testing.assert_allclose(g, wt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_loss_and_gradient_on_a_stack() -> None:
    X, t = wide(3, 5, 0)
    W = np.random.default_rng(1).normal(size=(4, 5))
    np.testing.assert_allclose(ib.loss(X, t, W), [ib.loss(X, t, w) for w in W], rtol=1e-14)
    np.testing.assert_allclose(ib.gradient(X, t, W), [ib.gradient(X, t, w) for w in W])


# ----------------------------------------------------------------- gradient descent


@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_gd_lands_on_pinv_on_random_wide_x(n: int, extra: int, seed: int) -> None:
    X, t = wide(n, n + extra, seed)
    sigma = np.linalg.svd(X, compute_uv=False)
    kappa = (sigma[0] / sigma[-1]) ** 2
    assume(kappa < 500)  # so that 40 kappa steps fit the time budget
    # With eta = n / (2 lambda_max) the error shrinks by 1 - 1/kappa per step at worst.
    W = ib.gd_path(X, t, safe_eta(X), int(40 * kappa) + 50)
    np.testing.assert_allclose(W[-1], np.linalg.pinv(X) @ t, atol=1e-8)
    np.testing.assert_allclose(W[-1], sgd.min_norm_solution(X, t), atol=1e-8)
    # From w_0 = 0 every iterate is in the row space of X.
    assert ib.distance_to_row_space(X, W).max() <= 1e-9 * (1 + np.abs(W).max())


def test_gd_path_equals_its_spectral_closed_form() -> None:
    X, t = wide(3, 6, 4)
    w0 = np.random.default_rng(2).normal(size=6)
    eta = safe_eta(X, 0.9)
    W = ib.gd_path(X, t, eta, 300, w0=w0)
    np.testing.assert_allclose(W, spectral_gd_path(X, t, eta, 300, w0), atol=1e-10)


def test_gd_from_off_the_row_space_keeps_the_null_component() -> None:
    X, t = wide(3, 7, 5)
    w0 = np.random.default_rng(9).normal(size=7)
    W = ib.gd_path(X, t, safe_eta(X), 20_000, w0=w0)
    np.testing.assert_allclose(
        ib.null_component(X, W), np.tile(ib.null_component(X, w0), (20_001, 1)), atol=1e-10
    )
    limit = ib.predicted_limit(X, t, w0)
    np.testing.assert_allclose(W[-1], limit, atol=1e-8)
    np.testing.assert_allclose(limit, sgd.min_norm_solution(X, t) + ib.null_component(X, w0))
    # Pythagoras: the limit is farther from 0 than w* by exactly the null component.
    extra = np.sum(ib.null_component(X, w0) ** 2)
    assert np.sum(limit**2) == pytest.approx(np.sum(sgd.min_norm_solution(X, t) ** 2) + extra)


def test_gd_on_a_tall_problem_reaches_least_squares() -> None:
    X, t = wide(8, 3, 6)
    W = ib.gd_path(X, t, safe_eta(X), 5_000)
    np.testing.assert_allclose(W[-1], np.linalg.lstsq(X, t, rcond=None)[0], atol=1e-9)
    np.testing.assert_allclose(W[-1], ib.predicted_limit(X, t), atol=1e-9)


def test_row_space_tools_against_scipy_null_space() -> None:
    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])  # rank 1
    Q = ib.row_space_basis(X)
    assert Q.shape == (3, 1)
    N = scipy.linalg.null_space(X)
    w = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(ib.null_component(X, w), N @ (N.T @ w), atol=1e-14)
    assert float(ib.distance_to_row_space(X, w)) == pytest.approx(np.linalg.norm(N.T @ w))


# ----------------------------------------------------------------------- SGD


@pytest.mark.parametrize(("n", "d"), [(3, 5), (4, 9), (1, 2)])
def test_sgd_path_replays_dlhw_sgd(n: int, d: int) -> None:
    X, t = wide(n, d, n + d)
    w0 = np.random.default_rng(3).normal(size=d)
    eta = 0.05 / np.max(np.sum(X**2, axis=1))
    run = ib.sgd_path(X, t, eta, 400, seed=0, w0=w0)
    witness = sgd.run_sgd(X, t, eta, 400, w0=w0, indices=run.batches)
    np.testing.assert_allclose(run.w[-1], witness.w[0], rtol=1e-10, atol=1e-12)
    # every step moves within the row space: the null component of w_0 never changes
    np.testing.assert_allclose(
        ib.null_component(X, run.w), np.tile(ib.null_component(X, w0), (401, 1)), atol=1e-12
    )


def test_sgd_ends_at_w_star_plus_the_null_part_of_w0() -> None:
    X, t = wide(4, 10, 7)
    w0 = np.random.default_rng(4).normal(size=10)
    eta = 0.25 / np.max(np.sum(X**2, axis=1))
    for size in (1, 2, 4):
        run = ib.sgd_path(X, t, eta, 30_000, batch_size=size, seed=size, w0=w0)
        np.testing.assert_allclose(run.w[-1], ib.predicted_limit(X, t, w0), atol=1e-8)
        zero = ib.sgd_path(X, t, eta, 30_000, batch_size=size, seed=size)
        np.testing.assert_allclose(zero.w[-1], sgd.min_norm_solution(X, t), atol=1e-8)
        assert ib.distance_to_row_space(X, zero.w).max() < 1e-12


def test_minibatches_are_distinct_rows_and_full_batch_is_gd() -> None:
    X, t = wide(5, 8, 8)
    run = ib.sgd_path(X, t, 0.01, 200, batch_size=3, seed=1)
    assert run.batches.shape == (200, 3)
    assert all(len(set(row)) == 3 for row in run.batches.tolist())
    counts = np.bincount(ib.sgd_path(X, t, 0.01, 4000, batch_size=2, seed=2).batches.ravel())
    assert counts.min() > 0.8 * 1600  # roughly uniform: 8000 draws over 5 rows
    full = ib.sgd_path(X, t, 0.01, 50, batch_size=5, seed=3)
    np.testing.assert_allclose(full.w, ib.gd_path(X, t, 0.01, 50), rtol=1e-12, atol=1e-14)


def test_sgd_seed_reproduces_and_batches_replay() -> None:
    X, t = wide(3, 4, 2)
    a = ib.sgd_path(X, t, 0.01, 100, batch_size=2, seed=5)
    b = ib.sgd_path(X, t, 0.01, 100, batch_size=2, seed=np.random.default_rng(5))
    c = ib.sgd_path(X, t, 0.01, 100, batches=a.batches)
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(a.w, c.w)


# ------------------------------------------------------------- adaptive methods


def torch_path(X, t, steps, make):
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = make([w])
    Xt, tt = torch.tensor(X), torch.tensor(t)
    out = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        ((Xt @ w - tt) ** 2).mean().backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adaptive_methods_match_torch_optim_in_float64(seed: int) -> None:
    X, t = wide(3, 6, seed)
    steps = 60
    cases = [
        (
            ib.adagrad_path(X, t, 0.1, steps, eps=1e-10),
            lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10),
        ),
        (
            ib.rmsprop_path(X, t, 0.01, steps, rho=0.9, eps=1e-8),
            lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
        ),
        (
            ib.adam_path(X, t, 0.05, steps, beta1=0.8, beta2=0.99, eps=1e-8),
            lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-8),
        ),
    ]
    for ours, make in cases:
        np.testing.assert_allclose(ours, torch_path(X, t, steps, make), rtol=1e-10, atol=1e-12)


def test_adagrad_2d_limit_and_direction_with_eps_zero() -> None:
    W = ib.adagrad_path(X2, T2, 0.1, 2_000, eps=0.0)
    assert np.all(W[:, 0] == W[:, 1])  # every step along [1, 1], exactly
    np.testing.assert_allclose(W[-1], [2 / 3, 2 / 3], atol=1e-12)
    assert np.sum(W[-1] ** 2) == pytest.approx(8 / 9)
    assert ib.distance_to_row_space(X2, W[-1]) > 0.1  # it leaves the row space
    gd_end = ib.gd_path(X2, T2, 0.05, 2_000)[-1]
    np.testing.assert_allclose(gd_end, [0.8, 0.4], atol=1e-12)
    assert np.sum(W[-1] ** 2) > np.sum(gd_end**2)


def test_zero_coordinate_gradient_does_not_move_with_eps_zero() -> None:
    X = np.array([[1.0, 0.0, 2.0]])  # the middle coordinate never gets a gradient
    for path in (
        ib.adagrad_path(X, [1.0], 0.1, 50, eps=0.0),
        ib.rmsprop_path(X, [1.0], 0.01, 50, eps=0.0),
        ib.adam_path(X, [1.0], 0.01, 50, eps=0.0),
    ):
        assert np.all(np.isfinite(path))
        assert np.all(path[:, 1] == 0.0)
        assert path[1, 0] > 0
        assert path[1, 2] > 0


def test_two_d_adagrad_is_a_witness_for_adagrad_path() -> None:
    etas, epss = np.array([0.05, 0.3, 0.9]), np.array([0.0, 1e-3, 0.5])
    batched = ib.two_d_adagrad(etas[:, None], epss[None, :], 3_000)
    assert batched.shape == (3, 3, 2)
    for i, eta in enumerate(etas):
        for j, eps in enumerate(epss):
            single = ib.adagrad_path(X2, T2, eta, 3_000, eps=eps)[-1]
            np.testing.assert_allclose(batched[i, j], single, rtol=1e-12, atol=1e-14)


def test_adagrad_offset_identity_per_step() -> None:
    # Delta u_k = Delta w2_k * eps / (2 a_k + eps), a_k = sqrt(G_{k,2}): exact per step.
    eps, eta = 0.3, 0.4
    W = ib.adagrad_path(X2, T2, eta, 40, eps=eps)
    g2 = ib.gradient(X2, T2, W[:-1])[:, 1]
    a = np.sqrt(np.cumsum(g2**2))
    du, dw2 = np.diff(W[:, 0] - W[:, 1]), np.diff(W[:, 1])
    np.testing.assert_allclose(du, dw2 * eps / (2 * a + eps), rtol=1e-9, atol=1e-16)


def converged_offsets(etas: np.ndarray, epss: np.ndarray, steps: int) -> np.ndarray:
    w = ib.two_d_adagrad(etas[:, None], epss[None, :], steps)
    assert np.abs(w @ [2.0, 1.0] - 2.0).max() < 1e-12  # on the solution line
    return np.linalg.norm(w - 2 / 3, axis=-1)


def test_adagrad_eps_bound_holds_below_two_thirds_and_is_sharp() -> None:
    ex = ib.two_d_example()
    bound = sympy.lambdify(ex.eps, ex.offset_bound, "numpy")
    etas = np.array([0.1, 0.25, 0.4, 0.55, 2 / 3])
    epss = np.logspace(-4, 2, 13)
    dist = converged_offsets(etas, epss, 20_000)
    ratio = dist / bound(epss)[None, :]
    # At eta = 2/3 the bound is attained up to O(eps^3): allow float rounding only.
    assert ratio.max() <= 1 + 1e-9
    assert ratio[-1, 0] > 0.999_99  # sharp as eps -> 0 at eta = 2/3
    # eps -> infinity with eta / eps fixed turns AdaGrad into GD with step eta / eps,
    # and the limit tends to the minimum-norm [4/5, 2/5] (u -> 2/5, where the bound
    # 2 eps / (24 + 5 eps) saturates).
    far = [ib.two_d_adagrad(0.02 * eps, eps, 2_000) for eps in (1e3, 1e5)]
    errors = [float(np.abs(w - [0.8, 0.4]).max()) for w in far]
    assert errors[1] < 1e-3
    assert errors[1] < errors[0] / 50


def test_adagrad_eps_bound_needs_eta_at_most_two_thirds() -> None:
    ex = ib.two_d_example()
    bound = float(ex.offset_bound.subs(ex.eps, 1e-3))
    dist = converged_offsets(np.array([1.0]), np.array([1e-3]), 20_000)
    assert dist[0, 0] > 1.04 * bound


def test_adagrad_bound_at_two_thirds_in_high_precision() -> None:
    # The float check above is at rounding level; redo one case with 50 digits.
    mpmath.mp.dps = 50
    eta, eps = mpmath.mpf(2) / 3, mpmath.mpf("0.01")
    w1 = w2 = mpmath.mpf(0)
    G1 = G2 = mpmath.mpf(0)
    for _ in range(400):
        r = 2 * w1 + w2 - 2
        g1, g2 = 4 * r, 2 * r
        G1, G2 = G1 + g1**2, G2 + g2**2
        w1, w2 = w1 - eta * g1 / (mpmath.sqrt(G1) + eps), w2 - eta * g2 / (mpmath.sqrt(G2) + eps)
    assert abs(2 * w1 + w2 - 2) < mpmath.mpf(10) ** -40
    u = w1 - w2
    assert 0 < u <= 2 * eps / (24 + 5 * eps)
    mpmath.mp.dps = 15


# --------------------------------------------------------------- the 2-D example


def test_two_d_example_exact_facts() -> None:
    ex = ib.two_d_example()
    w1, w2 = ex.w
    assert ex.line == sympy.Eq(2 * w1 + w2, 2)
    for point in (ex.gd_limit, ex.adagrad_limit):
        assert (ex.x1.T * point)[0] == ex.t1
    assert ex.gd_limit == sympy.Matrix([sympy.Rational(4, 5), sympy.Rational(2, 5)])
    assert ex.adagrad_limit == sympy.Matrix([sympy.Rational(2, 3), sympy.Rational(2, 3)])
    assert ex.gd_norm2 == sympy.Rational(4, 5)
    assert ex.adagrad_norm2 == sympy.Rational(8, 9)
    assert ex.gd_direction == ex.x1 / sympy.sqrt(5)
    assert ex.adagrad_direction == sympy.Matrix([1, 1]) / sympy.sqrt(2)
    # every gradient is a multiple of x1, so the gradient's direction never changes
    assert sympy.simplify(ex.gradient[0] - 2 * ex.gradient[1]) == 0
    # Pythagoras along the line w = gd_limit + s [1, -2]
    s = sympy.Symbol("s", real=True)
    point = ex.gd_limit + s * sympy.Matrix([1, -2])
    lhs = (point.T * point)[0]
    rhs = ex.gd_norm2 + (s * sympy.Matrix([1, -2])).norm() ** 2
    assert sympy.expand(lhs - rhs) == 0
    # the step with eps = 0 is along [1, 1]; with eps > 0 the offset identity holds
    step = ex.adagrad_step
    assert sympy.simplify((step[0] - step[1]).subs(ex.eps, 0)) == 0
    assert sympy.simplify(step[0] - step[1] - step[1] * ex.eps / (2 * ex.a + ex.eps)) == 0


def test_two_d_example_refutes_a_wrong_limit() -> None:
    ex = ib.two_d_example()
    assert ex.adagrad_limit != ex.gd_limit
    assert ex.adagrad_norm2 > ex.gd_norm2


# ---------------------------------------------------------- the sign construction


def test_sign_solution_single_example_is_the_adagrad_limit() -> None:
    assert ib.sign_solution([[2, 1]], [2]) == ib.two_d_example().adagrad_limit
    got = ib.sign_solution([[3, -1, 2]], [-6])
    assert list(got) == [-1, 1, -1]


@pytest.mark.parametrize("seed", [0, 1])
def test_wilson_construction(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(12) < 0.75, 1, -1)
    if (y > 0).sum() <= (y < 0).sum():
        y[:7] = 1
    X = ib.wilson_dataset(y)
    s = np.sign(X.T @ y)
    np.testing.assert_array_equal(X @ s, 4 * y)
    exact = np.array(ib.sign_solution(X, y), dtype=float).ravel()
    np.testing.assert_array_equal(exact, s / 4)
    # AdaGrad with eps = 0 stays on the ray of s and ends at s / 4 ...
    W = ib.adagrad_path(X, y.astype(float), 0.05, 3_000, eps=0.0)
    ray = (W @ s / (s @ s))[:, None] * s
    np.testing.assert_allclose(W, ray, atol=1e-12)
    np.testing.assert_allclose(W[-1], exact, atol=1e-9)
    for path in (
        ib.rmsprop_path(X, y.astype(float), 0.001, 300, eps=0.0),
        ib.adam_path(X, y.astype(float), 0.001, 300, eps=0.0),
    ):
        np.testing.assert_allclose(path, (path @ s / (s @ s))[:, None] * s, atol=1e-12)
    # ... which predicts +1 on every fresh test point, while the min-norm solution is right.
    tests = ib.wilson_test_features(np.array([1, -1]), X.shape[1])
    assert np.all(tests @ exact > 0)
    w_star = sgd.min_norm_solution(X, y.astype(float))
    np.testing.assert_array_equal(np.sign(tests @ w_star), [1, -1])


def test_sign_solution_rejects_when_the_lemma_does_not_apply() -> None:
    X = np.array([[1, 1, 0], [-1, 1, 1]])
    with pytest.raises(ValueError, match="multiple of y"):
        ib.sign_solution(X, [1, -1])
    with pytest.raises(ValueError, match="must not be zero"):
        ib.sign_solution([[1, 1], [1, 1]], [1, -1])
    with pytest.raises(ValueError, match="more \\+1 than -1"):
        ib.wilson_dataset([1, -1])


# ----------------------------------------------------------- polynomial regression


def test_legendre_features_match_scipy() -> None:
    x = np.linspace(-1, 1, 7)
    F = ib.legendre_features(x, 6)
    expected = np.stack([scipy.special.eval_legendre(k, x) for k in range(7)], axis=1)
    np.testing.assert_allclose(F, expected, atol=1e-13)


@given(st.integers(2, 10), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_fit_poly_underparameterised_matches_polyfit(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.sort(-1 + 2 * (np.arange(n) + rng.random(n)) / n)
    t = rng.normal(size=n)
    D = int(rng.integers(0, n))  # D + 1 <= n
    coef = ib.fit_poly(x, t, D)
    grid = np.linspace(-1, 1, 50)
    ours = np.polynomial.legendre.legval(grid, coef)
    power = np.polynomial.Polynomial.fit(x, t, D)(grid)  # monomial basis, independent
    np.testing.assert_allclose(ours, power, atol=1e-6 * (1 + np.abs(power).max()))


def test_fit_poly_overparameterised_is_min_norm_interpolant() -> None:
    rng = np.random.default_rng(3)
    x, t = np.linspace(-0.9, 0.9, 6), rng.normal(size=6)
    coef = ib.fit_poly(x, t, 12)
    Phi = ib.legendre_features(x, 12)
    np.testing.assert_allclose(Phi @ coef, t, atol=1e-10)
    np.testing.assert_allclose(coef, np.linalg.pinv(Phi) @ t, atol=1e-10)
    other = coef + scipy.linalg.null_space(Phi) @ rng.normal(size=7)
    np.testing.assert_allclose(Phi @ other, t, atol=1e-10)
    assert np.sum(other**2) > np.sum(coef**2)


def test_double_descent_peaks_at_the_interpolation_threshold() -> None:
    n = 12
    degrees = np.arange(0, 3 * n)
    out = ib.double_descent(n, degrees, trials=40, seed=0)
    assert out.train_error.shape == out.test_error.shape == (40, 3 * n)
    assert int(out.degrees[np.argmax(out.median_test)]) == n - 1
    assert np.all(out.median_train[n - 1 :] < 1e-20)  # interpolation from D + 1 = n on
    assert out.median_test[-1] < 0.01 * out.median_test[n - 1]  # the second descent
    again = ib.double_descent(n, degrees, trials=40, seed=0)
    np.testing.assert_array_equal(out.test_error, again.test_error)


def test_double_descent_matches_fit_poly() -> None:
    out = ib.double_descent(5, [2, 9], trials=1, noise=0.0, n_test=11, seed=4)
    rng = np.random.default_rng(4)
    x = -1 + 2 * (np.arange(5) + rng.random(5)) / 5
    t = np.sin(np.pi * x)
    grid = np.linspace(-1, 1, 11)
    for j, D in enumerate([2, 9]):
        fit = np.polynomial.legendre.legval(grid, ib.fit_poly(x, t, D))
        assert out.test_error[0, j] == pytest.approx(np.mean((fit - np.sin(np.pi * grid)) ** 2))


# --------------------------------------------------------------------- bad input

BAD_CALLS = [
    (lambda: ib.loss("X", T2, [0.0, 0.0]), TypeError, "X"),
    (lambda: ib.loss(X2, [1.0, 2.0], [0.0, 0.0]), ValueError, "t"),
    (lambda: ib.loss(X2, T2, [0.0, 0.0, 0.0]), ValueError, "w"),
    (lambda: ib.gradient(X2, T2, [[np.nan, 0.0]]), ValueError, "w"),
    (lambda: ib.gd_path(X2, T2, 0.0, 5), ValueError, "eta"),
    (lambda: ib.gd_path(X2, T2, True, 5), TypeError, "eta"),
    (lambda: ib.gd_path(X2, T2, 0.1, -1), ValueError, "steps"),
    (lambda: ib.gd_path(X2, T2, 0.1, 2.5), TypeError, "steps"),
    (lambda: ib.gd_path(X2, T2, 0.1, 5, w0=[1.0]), ValueError, "w0"),
    (lambda: ib.gd_path(X2, T2, 0.1, ib.MAX_STEPS + 1), ValueError, "steps"),
    (lambda: ib.gd_path(np.ones((1, 100)), T2, 0.1, 600_000), ValueError, "steps"),
    (lambda: ib.gd_path(X2, T2, 50.0, 2_000), ValueError, "eta"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 5, batch_size=2), ValueError, "batch_size"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 5, batch_size=0), ValueError, "batch_size"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 5, seed="a"), TypeError, "seed"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 2, batches=[[0], [1]]), ValueError, "batches"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 2, batches=[[0.0], [0.0]]), TypeError, "batches"),
    (lambda: ib.sgd_path(X2, T2, 0.1, 2, batches=[[0]]), ValueError, "batches"),
    (lambda: ib.sgd_path(X2, T2, 30.0, 2_000), ValueError, "eta"),
    (lambda: ib.adagrad_path(X2, T2, 0.1, 5, eps=-1.0), ValueError, "eps"),
    (lambda: ib.adagrad_path(X2, T2, 0.1, 5, eps=float("nan")), ValueError, "eps"),
    (lambda: ib.rmsprop_path(X2, T2, 0.1, 5, rho=1.0), ValueError, "rho"),
    (lambda: ib.rmsprop_path(X2, T2, 0.1, 5, rho=-0.1), ValueError, "rho"),
    (lambda: ib.adam_path(X2, T2, 0.1, 5, beta1=1.0), ValueError, "beta1"),
    (lambda: ib.adam_path(X2, T2, 0.1, 5, beta2="0.9"), TypeError, "beta2"),
    (lambda: ib.adam_path(X2, T2, -0.1, 5), ValueError, "eta"),
    (lambda: ib.two_d_adagrad([0.1, -0.1], 0.0, 5), ValueError, "eta"),
    (lambda: ib.two_d_adagrad(0.1, [-1.0], 5), ValueError, "eps"),
    (lambda: ib.two_d_adagrad([0.1, 0.2], [0.0, 0.1, 0.2], 5), ValueError, "eta"),
    (lambda: ib.two_d_adagrad(0.1, 0.0, -3), ValueError, "steps"),
    (lambda: ib.two_d_adagrad(np.ones(1000), 0.0, 10**6), ValueError, "steps"),
    (lambda: ib.two_d_adagrad(True, 0.0, 3), TypeError, "eta"),
    (lambda: ib.null_component(X2, [1.0, 2.0, 3.0]), ValueError, "w"),
    (lambda: ib.row_space_basis([1.0, 2.0]), ValueError, "X"),
    (lambda: ib.predicted_limit(X2, T2, w0=[np.inf, 0.0]), ValueError, "w0"),
    (lambda: ib.sign_solution(X2, [[2.0]]), ValueError, "y"),
    (lambda: ib.sign_solution(X2, [2.0, 1.0]), ValueError, "y"),
    (lambda: ib.double_descent(5, [1], target=lambda x: x[:2]), ValueError, "target"),
    (
        lambda: ib.double_descent(5, [1], target=lambda x: np.full_like(x, np.nan)),
        ValueError,
        "target",
    ),
    (lambda: ib.wilson_dataset([1, 2, 1]), ValueError, "labels"),
    (lambda: ib.wilson_dataset([1.0, 1.0]), TypeError, "labels"),
    (lambda: ib.wilson_dataset([True, True]), TypeError, "labels"),
    (lambda: ib.wilson_dataset("+1"), TypeError, "labels"),
    (lambda: ib.wilson_dataset([]), ValueError, "labels"),
    (lambda: ib.wilson_test_features([1], 2), ValueError, "d"),
    (lambda: ib.legendre_features([0.0, 1.5], 3), ValueError, "x"),
    (lambda: ib.legendre_features([0.0], -1), ValueError, "degree"),
    (lambda: ib.legendre_features([0.0], ib.MAX_DEGREE + 1), ValueError, "degree"),
    (lambda: ib.fit_poly([0.0, 0.5], [1.0], 1), ValueError, "t"),
    (lambda: ib.fit_poly([0.0, 0.5], [1.0, 2.0], 1.0), TypeError, "degree"),
    (lambda: ib.double_descent(0, [1]), ValueError, "n"),
    (lambda: ib.double_descent(5, [1.5]), TypeError, "degrees"),
    (lambda: ib.double_descent(5, []), TypeError, "degrees"),
    (lambda: ib.double_descent(5, [-1, 2]), ValueError, "degrees"),
    (lambda: ib.double_descent(5, [1], noise=-0.1), ValueError, "noise"),
    (lambda: ib.double_descent(5, [1], trials=0), ValueError, "trials"),
    (lambda: ib.double_descent(5, [1], n_test=1), ValueError, "n_test"),
    (lambda: ib.double_descent(5, np.arange(1000), trials=1000), ValueError, "trials"),
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
@given(
    value=st.one_of(
        st.floats(max_value=0.0),
        st.just(float("inf")),
        st.just(float("nan")),
        st.booleans(),
        st.text(max_size=3),
        st.none(),
    )
)
def test_bad_step_sizes_rejected_by_every_method(value: object) -> None:
    for method in (ib.gd_path, ib.adagrad_path, ib.rmsprop_path, ib.adam_path):
        with pytest.raises((ValueError, TypeError), match=r"^eta\b"):
            method(X2, T2, value, 3)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match=r"^eta\b"):
        ib.sgd_path(X2, T2, value, 3)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.floats(max_value=-1e-300),
        st.just(float("inf")),
        st.just(float("nan")),
        st.booleans(),
        st.text(max_size=3),
    )
)
def test_bad_eps_rejected_by_every_adaptive_method(value: object) -> None:
    for method in (ib.adagrad_path, ib.rmsprop_path, ib.adam_path):
        with pytest.raises((ValueError, TypeError), match=r"^eps\b"):
            method(X2, T2, 0.1, 3, eps=value)  # type: ignore[arg-type]
