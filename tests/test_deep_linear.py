"""Deep linear networks: gradients against autograd, exact capacity, saddles, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import deep_linear as dl


def network(widths: tuple[int, ...], seed: int, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=(widths[i + 1], widths[i])) for i in range(len(widths) - 1)]


def data(n: int, d: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    return rng.normal(size=(n, d)), rng.normal(size=(n, p))


widths_strategy = st.lists(st.integers(1, 4), min_size=2, max_size=5).map(tuple)


def torch_gradients(weights, X, Y):
    params = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in weights]
    H = torch.tensor(X)
    for W in params:
        H = H @ W.T
    (0.5 * ((H - torch.tensor(Y)) ** 2).sum()).backward()
    return [W.grad.numpy() for W in params]


# ---------------------------------------------------------- products and gradients


@given(widths_strategy, st.integers(1, 5), st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_layer_gradients_match_torch_autograd(widths, n, seed) -> None:
    Ws = network(widths, seed)
    X, Y = data(n, widths[0], widths[-1], seed)
    ours = dl.layer_gradients(Ws, X, Y)
    for g, ref in zip(ours, torch_gradients(Ws, X, Y), strict=True):
        np.testing.assert_allclose(g, ref, rtol=1e-10, atol=1e-10)


@given(widths_strategy, st.integers(1, 5), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_risk_equals_q_of_the_product_and_partial_products(widths, n, seed) -> None:
    Ws = network(widths, seed)
    X, Y = data(n, widths[0], widths[-1], seed)
    Wbar = dl.product(Ws)
    assert dl.empirical_risk(Ws, X, Y) == pytest.approx(dl.product_loss(Wbar, X, Y), rel=1e-12)
    for i in range(1, len(Ws) + 1):
        left, right = dl.partial_products(Ws, i)
        np.testing.assert_allclose(left @ Ws[i - 1] @ right, Wbar, rtol=1e-10, atol=1e-12)
    assert dl.widths_of(Ws) == widths


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 6), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_product_gradient_matches_central_differences(p, d, n, seed) -> None:
    X, Y = data(n, d, p, seed)
    W = np.random.default_rng(seed).normal(size=(p, d))
    G = dl.product_loss_gradient(W, X, Y)
    h = 1e-6
    fd = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        fd[idx] = (dl.product_loss(W + E, X, Y) - dl.product_loss(W - E, X, Y)) / (2 * h)
    np.testing.assert_allclose(G, fd, rtol=1e-6, atol=1e-6)


def test_q_is_convex_along_random_segments() -> None:
    X, Y = data(6, 3, 2, 0)
    rng = np.random.default_rng(1)
    for _ in range(200):
        A, B = rng.normal(size=(2, 2, 3)) * 3
        lam = rng.random()
        mid = dl.product_loss(lam * A + (1 - lam) * B, X, Y)
        chord = lam * dl.product_loss(A, X, Y) + (1 - lam) * dl.product_loss(B, X, Y)
        assert mid <= chord + 1e-12


def test_least_squares_product_zeroes_the_product_gradient() -> None:
    X, Y = data(9, 4, 3, 2)
    W = dl.least_squares_product(X, Y)
    np.testing.assert_allclose(dl.product_loss_gradient(W, X, Y), 0, atol=1e-12)
    np.testing.assert_allclose(W, np.linalg.solve(X.T @ X, X.T @ Y).T, rtol=1e-10)


# ------------------------------------------------------------------ capacity (a)


def test_factorize_exhaustively_over_small_integer_matrices() -> None:
    matrices = dl.integer_matrices(2, 2)
    profiles = [w for L in (1, 2, 3) for w in dl.width_profiles(2, 2, L, 3)]
    checked = refused = 0
    for W0 in matrices:
        rank = int(sympy.Matrix(W0).rank())
        for widths in profiles:
            if rank <= dl.max_reachable_rank(widths):
                Ws = factor_product(dl.factorize(W0, widths))
                assert Ws == sympy.Matrix(W0)
                checked += 1
            else:
                with pytest.raises(ValueError, match="no factorisation exists"):
                    dl.factorize(W0, widths)
                refused += 1
    assert checked + refused == 81 * len(profiles)
    assert refused > 0


def factor_product(Ws: list[sympy.Matrix]) -> sympy.Matrix:
    result = Ws[0]
    for W in Ws[1:]:
        result = W * result
    return result


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 4), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_factorize_random_low_rank_integer_matrices(p, d, r, seed) -> None:
    rng = np.random.default_rng(seed)
    r = min(r, p, d)
    W0 = rng.integers(-3, 4, size=(p, r)) @ rng.integers(-3, 4, size=(r, d))
    rank = int(sympy.Matrix(W0.tolist()).rank()) if r else 0
    hidden = rng.integers(max(rank, 1), 5, size=int(rng.integers(0, 3)))
    widths = (d, *hidden.tolist(), p)
    Ws = dl.factorize(W0, widths)
    assert [W.shape for W in Ws] == [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    assert factor_product(Ws) == sympy.Matrix(p, d, W0.ravel().tolist())
    np.testing.assert_allclose(dl.product([np.array(W, dtype=float) for W in Ws]), W0, atol=1e-9)


def test_factorize_uses_floats_exactly() -> None:
    # A float outer product is rank 1 only up to rounding: exactly, it may have rank 2.
    W0 = np.array([[0.1], [0.3]]) @ np.array([[0.7, 0.9]])
    exact_rank = sympy.Matrix(2, 2, [sympy.Rational(float(v)) for v in W0.ravel()]).rank()
    if exact_rank == 2:
        with pytest.raises(ValueError, match="rank 2"):
            dl.factorize(W0, (2, 1, 2))
    Ws = dl.factorize(W0, (2, 2, 2))
    assert np.array_equal(np.array(factor_product(Ws), dtype=float), W0)


def test_rank_normal_form_blocks_and_invertibility() -> None:
    for W0 in ([[1, 2, 3], [2, 4, 6]], [[0, 0], [0, 0], [0, 0]], np.eye(3), [[1, 0], [2, 1]]):
        P, D, Q = dl.rank_normal_form(W0)
        M = sympy.Matrix(np.asarray(W0, dtype=int).tolist())
        r = M.rank()
        p, d = M.shape
        assert P * D * Q == M
        assert P.det() != 0
        assert Q.det() != 0
        assert D[:r, :r] == sympy.eye(r)
        # the corrected hint: the bottom-right zero block is (p - r) x (d - r)
        assert D[r:, r:].shape == (p - r, d - r)
        assert D[r:, r:].is_zero_matrix is not False
        assert D[:r, r:].is_zero_matrix is not False
        assert D[r:, :r].is_zero_matrix is not False


@pytest.mark.parametrize("widths", [(2, 1, 2), (2, 2, 2), (3, 1, 2), (2, 1, 1, 2), (1, 2, 3)])
def test_brute_force_ranks_never_exceed_the_smallest_width(widths) -> None:
    ranks = dl.reachable_ranks(widths)
    assert max(ranks) == dl.max_reachable_rank(widths)
    assert ranks == list(range(max(ranks) + 1))


# ------------------------------------------------------------ the Hessian at zero


@pytest.mark.parametrize("widths", [(2, 3), (2, 2, 3), (3, 1, 2), (2, 3, 2), (1, 2, 1)])
def test_hessian_at_zero_closed_form_for_l_up_to_2(widths) -> None:
    X, Y = data(5, widths[0], widths[-1], 7)
    H = dl.risk_hessian(dl.zero_weights(widths), X, Y)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    spectrum = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(spectrum, dl.zero_hessian_spectrum(widths, X, Y), atol=1e-10)
    if len(widths) == 3:  # L = 2: a strict saddle with eigenvalue -sigma_1(Y^T X)
        sigma = np.linalg.svd(Y.T @ X, compute_uv=False)
        assert spectrum[0] == pytest.approx(-sigma[0], rel=1e-10)
        assert spectrum[0] < 0


@pytest.mark.parametrize("widths", [(2, 2, 2, 2), (1, 3, 1, 1), (2, 1, 2, 1, 2)])
def test_deep_zero_is_a_saddle_with_zero_hessian(widths) -> None:
    # For L >= 3 the Hessian at 0 vanishes (no negative eigenvalue), yet 0 is a saddle.
    X, Y = data(5, widths[0], widths[-1], 3)
    H = dl.risk_hessian(dl.zero_weights(widths), X, Y)
    np.testing.assert_array_equal(H, 0.0)
    np.testing.assert_array_equal(dl.zero_hessian_spectrum(widths, X, Y), 0.0)
    V = dl.escape_direction(widths, X, Y)
    L = len(widths) - 1
    R0 = dl.empirical_risk(dl.zero_weights(widths), X, Y)
    _, sigma, Vt = np.linalg.svd(Y.T @ X)
    c = 0.5 * np.sum((X @ Vt[0]) ** 2)
    for t in (0.05, 0.3, 1.0):
        value = dl.empirical_risk([t * W for W in V], X, Y)
        assert value == pytest.approx(R0 - sigma[0] * t**L + c * t ** (2 * L), rel=1e-12)
    small = 0.5 * (sigma[0] / (2 * c)) ** (1 / L)
    assert dl.empirical_risk([small * W for W in V], X, Y) < R0
    flipped = [-V[0], *V[1:]]
    assert dl.empirical_risk([small * W for W in flipped], X, Y) > R0


def test_hessian_matches_differences_of_layer_gradients() -> None:
    widths = (2, 3, 2)
    Ws = network(widths, 5)
    X, Y = data(4, 2, 2, 5)
    H = dl.risk_hessian(Ws, X, Y)
    flat = np.concatenate([W.ravel() for W in Ws])
    sizes = np.cumsum([W.size for W in Ws])[:-1]

    def grad(theta):
        parts = np.split(theta, sizes)
        Wt = [part.reshape(W.shape) for part, W in zip(parts, Ws, strict=True)]
        return np.concatenate([g.ravel() for g in dl.layer_gradients(Wt, X, Y)])

    h = 1e-6
    fd = np.stack([(grad(flat + h * e) - grad(flat - h * e)) / (2 * h) for e in np.eye(flat.size)])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6)


# -------------------------------------------------------------- critical points


@pytest.mark.parametrize(
    ("widths", "keep"),
    [((3, 3, 3), [0]), ((3, 3, 3), [1, 2]), ((3, 2, 4, 3), [2]), ((4, 2, 3), []), ((3, 3, 2), [1])],
)
def test_critical_points_that_are_not_global(widths, keep) -> None:
    X, Y = data(10, widths[0], widths[-1], 11)
    Ws = dl.critical_point(X, Y, widths, keep)
    for g in dl.layer_gradients(Ws, X, Y):
        np.testing.assert_allclose(g, 0.0, atol=1e-10)
    assert dl.empirical_risk(Ws, X, Y) == pytest.approx(dl.critical_value(X, Y, keep), rel=1e-10)
    best = 0.5 * np.sum((X @ dl.least_squares_product(X, Y).T - Y) ** 2)
    assert dl.empirical_risk(Ws, X, Y) > best + 1e-3
    residual = dl.product_loss_gradient(dl.product(Ws), X, Y)
    assert np.abs(residual).max() > 1e-3  # the normal equations fail
    assert dl.invertible_flank_layers(Ws) == []  # as (f) requires


def test_critical_point_keeping_everything_is_global_with_invertible_flanks() -> None:
    X, Y = data(10, 3, 3, 12)
    Ws = dl.critical_point(X, Y, (3, 3, 3, 3), [0, 1, 2])
    np.testing.assert_allclose(dl.product(Ws), dl.least_squares_product(X, Y), atol=1e-10)
    assert dl.invertible_flank_layers(Ws) == [1, 2, 3]
    assert dl.critical_value(X, Y, [0, 1, 2]) == pytest.approx(
        0.5 * np.sum((X @ dl.least_squares_product(X, Y).T - Y) ** 2)
    )


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_invertible_flanks_recover_the_normal_equations(L, size, seed) -> None:
    # (f): dR/dW_i = A^T E B^T with A, B invertible, so E = A^{-T} (dR/dW_i) B^{-T}.
    widths = (size,) * (L + 1)
    Ws = network(widths, seed)
    X, Y = data(size + 3, size, size, seed)
    E = dl.product_loss_gradient(dl.product(Ws), X, Y)
    for i, g in enumerate(dl.layer_gradients(Ws, X, Y), start=1):
        left, right = dl.partial_products(Ws, i)
        recovered = np.linalg.solve(left.T, np.linalg.solve(right, g.T).T)
        np.testing.assert_allclose(recovered, E, rtol=1e-6, atol=1e-8)


def test_zero_is_critical_but_not_global_for_l_at_least_2() -> None:
    X, Y = data(6, 2, 2, 4)
    for widths in ((2, 2, 2), (2, 2, 2, 2)):
        Ws = dl.zero_weights(widths)
        assert all(np.all(g == 0) for g in dl.layer_gradients(Ws, X, Y))
        assert np.abs(dl.product_loss_gradient(dl.product(Ws), X, Y)).max() > 0.1


# --------------------------------------------------------------------- training


def test_training_visits_the_saddle_plateaus_and_reaches_least_squares() -> None:
    X, Y = dl.teacher_data(50, 5, 4, [4.0, 2.0, 1.0, 0.5], seed=0)
    run = dl.train_deep_linear(X, Y, (5, 6, 4), eta=0.02 / 50, steps=4000, seed=0)
    levels = [dl.critical_value(X, Y, range(k)) for k in range(4)]
    np.testing.assert_allclose(levels, 25 * np.cumsum([0.25, 1, 4, 16])[::-1], rtol=1e-10)
    for level in levels:  # each plateau is held for many steps
        assert np.sum(np.abs(run.loss / level - 1) < 0.1) >= 20
    assert run.loss[-1] < 1e-20
    np.testing.assert_allclose(run.product, run.least_squares, atol=1e-10)
    assert run.loss[-1] == pytest.approx(dl.empirical_risk(run.weights, X, Y), abs=1e-20)
    np.testing.assert_array_equal(run.products[-1], run.product)


def test_training_records_products_that_match_a_replay() -> None:
    X, Y = dl.teacher_data(20, 3, 2, [2.0, 1.0], seed=4)
    run = dl.train_deep_linear(X, Y, (3, 3, 2), eta=0.01, steps=30, seed=2, every=10)
    np.testing.assert_array_equal(run.steps, [0, 10, 20, 30])
    for k, P in zip(run.steps, run.products, strict=True):
        short = dl.train_deep_linear(X, Y, (3, 3, 2), eta=0.01, steps=int(k), seed=2)
        np.testing.assert_allclose(P, short.product, rtol=1e-13, atol=1e-15)
        assert run.loss[k] == pytest.approx(dl.product_loss(P, X, Y), rel=1e-10)


def test_training_is_reproducible_and_starts_where_told() -> None:
    X, Y = dl.teacher_data(8, 2, 2, [1.0, 0.5], seed=1)
    a = dl.train_deep_linear(X, Y, (2, 3, 2), eta=0.01, steps=50, seed=3)
    b = dl.train_deep_linear(X, Y, (2, 3, 2), eta=0.01, steps=50, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.loss, b.loss)
    start = dl.critical_point(X, Y, (2, 3, 2), [0])  # GD cannot leave a critical point
    c = dl.train_deep_linear(X, Y, (2, 3, 2), eta=0.01, steps=50, weights0=start)
    np.testing.assert_allclose(c.loss, c.loss[0], rtol=1e-12)


def test_teacher_data_spectrum() -> None:
    X, Y = dl.teacher_data(12, 4, 3, [3.0, 1.0], seed=2)
    np.testing.assert_allclose(X.T @ X, 12 * np.eye(4), atol=1e-10)
    s = np.linalg.svd(Y.T @ X, compute_uv=False)
    np.testing.assert_allclose(s, [36.0, 12.0, 0.0], atol=1e-10)


# -------------------------------------------------------------------- bad input

X22, Y22 = np.eye(2), np.eye(2)
W22 = [np.eye(2), np.eye(2)]

BAD_CALLS = [
    (lambda: dl.product([]), ValueError, "weights"),
    (lambda: dl.product("W"), TypeError, "weights"),
    (lambda: dl.product([np.eye(2), np.ones((2, 3))]), ValueError, r"weights\[1\]"),
    (lambda: dl.product([np.ones(3)]), ValueError, r"weights\[0\]"),
    (lambda: dl.product([[[np.nan]]]), ValueError, r"weights\[0\]"),
    (lambda: dl.partial_products(W22, 0), ValueError, "i"),
    (lambda: dl.partial_products(W22, 3), ValueError, "i"),
    (lambda: dl.partial_products(W22, 1.0), TypeError, "i"),
    (lambda: dl.empirical_risk(W22, np.eye(3), Y22), ValueError, "Y"),
    (lambda: dl.empirical_risk(W22, np.ones((2, 3)), Y22), ValueError, "X"),
    (lambda: dl.empirical_risk(W22, X22, np.ones((2, 3))), ValueError, "Y"),
    (lambda: dl.product_loss(np.ones(2), X22, Y22), ValueError, "Wbar"),
    (lambda: dl.product_loss_gradient(np.eye(3), X22, Y22), ValueError, "X"),
    (lambda: dl.layer_gradients(W22, "X", Y22), TypeError, "X"),
    (lambda: dl.max_reachable_rank((2,)), ValueError, "widths"),
    (lambda: dl.max_reachable_rank((2, 0, 2)), ValueError, r"widths\[1\]"),
    (lambda: dl.max_reachable_rank((2, True)), TypeError, r"widths\[1\]"),
    (lambda: dl.max_reachable_rank("22"), TypeError, "widths"),
    (lambda: dl.factorize(np.eye(2), (2, 1, 2)), ValueError, "W0"),
    (lambda: dl.factorize(np.eye(2), (3, 2)), ValueError, "widths"),
    (lambda: dl.factorize(np.eye(20), (20, 20)), ValueError, "W0"),
    (lambda: dl.rank_normal_form([1, 2]), ValueError, "W0"),
    (lambda: dl.integer_matrices(0, 2), ValueError, "p"),
    (lambda: dl.integer_matrices(2, 2, values=(0, 0)), ValueError, "values"),
    (lambda: dl.integer_matrices(2, 2, values=(0.5, 1)), TypeError, "values"),
    (lambda: dl.integer_matrices(4, 4), ValueError, "p"),
    (lambda: dl.width_profiles(2, 2, 0, 3), ValueError, "depth"),
    (lambda: dl.width_profiles(2, 2, 30, 3), ValueError, "max_width"),
    (lambda: dl.reachable_ranks((3, 3, 3)), ValueError, "widths"),
    (
        lambda: dl.risk_hessian(dl.zero_weights((40, 40, 40)), np.ones((2, 40)), np.ones((2, 40))),
        ValueError,
        "weights",
    ),
    (lambda: dl.escape_direction((2, 2, 2), X22, np.zeros((2, 2))), ValueError, "Y"),
    (lambda: dl.critical_point(X22, Y22, (2, 2), [0]), ValueError, "widths"),
    (lambda: dl.critical_point(X22, Y22, (2, 1, 2), [0, 1]), ValueError, "keep"),
    (lambda: dl.critical_point(X22, Y22, (2, 2, 2), [2]), ValueError, "keep"),
    (lambda: dl.critical_point(X22, Y22, (2, 2, 2), [0, 0]), ValueError, "keep"),
    (lambda: dl.critical_point(X22, Y22, (2, 2, 2), "0"), TypeError, "keep"),
    (lambda: dl.critical_point(np.ones((2, 2)), Y22, (2, 2, 2), [0]), ValueError, "X"),
    (lambda: dl.teacher_data(2, 3, 2, [1.0]), ValueError, "n"),
    (lambda: dl.teacher_data(5, 3, 2, [1.0, 1.0, 1.0]), ValueError, "singular_values"),
    (lambda: dl.teacher_data(5, 3, 2, [-1.0]), ValueError, "singular_values"),
    (lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.0, steps=3), ValueError, "eta"),
    (lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.1, steps=-1), ValueError, "steps"),
    (lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.1, steps=10**7), ValueError, "steps"),
    (
        lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.1, steps=3, init_scale=0),
        ValueError,
        "init_scale",
    ),
    (lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.1, steps=3, seed=1.5), TypeError, "seed"),
    (
        lambda: dl.train_deep_linear(X22, Y22, (2, 3, 2), eta=0.1, steps=3, weights0=W22),
        ValueError,
        "weights0",
    ),
    (lambda: dl.train_deep_linear(X22, 5 * Y22, (2, 2, 2), eta=50.0, steps=200), ValueError, "eta"),
    (
        lambda: dl.train_deep_linear(X22, Y22, (2, 2), eta=0.1, steps=3, every=-1),
        ValueError,
        "every",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "name"),
    BAD_CALLS,
    ids=[f"{i}-{name}" for i, (_, _, name) in enumerate(BAD_CALLS)],
)
def test_bad_input_names_the_argument(call, error, name) -> None:
    with pytest.raises(error, match=rf"^{name}(?!\w)"):
        call()


@settings(max_examples=40, deadline=None)
@given(
    entry=st.one_of(
        st.just(float("nan")),
        st.just(float("inf")),
        st.text(max_size=2),
        st.none(),
    )
)
def test_bad_matrix_entries_rejected(entry: object) -> None:
    bad = [[entry, 1.0], [0.0, 1.0]]
    for call, name in (
        (lambda: dl.product([bad]), r"weights\[0\]"),
        (lambda: dl.product_loss(bad, X22, Y22), "Wbar"),
        (lambda: dl.layer_gradients(W22, bad, Y22), "X"),
        (lambda: dl.factorize(bad, (2, 2)), "W0"),
    ):
        with pytest.raises((ValueError, TypeError), match=rf"^{name}"):
            call()


def test_boolean_matrices_rejected() -> None:
    with pytest.raises(TypeError, match=r"^weights\[0\]"):
        dl.product([np.eye(2, dtype=bool)])
    with pytest.raises(TypeError, match=r"^W0"):
        dl.factorize([[True, False]], (2, 1))
