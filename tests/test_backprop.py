"""Backprop through the skip-connection MLP: hand equations vs autograd, differences, sympy."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import backprop
from dlhw.backprop import GRADIENT_NAMES, MLPParams


def problem(N: int, K: int, batch: int | None, seed: int):
    rng = np.random.default_rng(seed)
    params = backprop.random_params(N, K, seed=rng)
    shape = (N,) if batch is None else (batch, N)
    return params, rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=K)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss_from(params, x, s, r, skip, *, z=None, h=None, y=None):
    """Total loss, recomputed from x or from a given intermediate onwards (plain numpy)."""
    if z is None:
        z = x @ params.W1.T + params.b1
    if h is None:
        h = sigmoid(z)
    if y is None:
        y = h @ params.W2.T + params.b2 + (x if skip else 0)
    return float(0.5 * np.sum((y - s) ** 2) + np.sum(h @ r))


def central_difference(f, point, eps=1e-6):
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def finite_difference_gradients(params, x, s, r, skip):
    out = backprop.forward(params, x, s, r, skip=skip)
    fields = {"W1": params.W1, "b1": params.b1, "W2": params.W2, "b2": params.b2}

    def with_param(name):
        return lambda value: loss_from(MLPParams(**{**fields, name: value}), x, s, r, skip)

    grads = {name: central_difference(with_param(name), value) for name, value in fields.items()}
    grads["x"] = central_difference(lambda v: loss_from(params, v, s, r, skip), x)
    grads["z"] = central_difference(lambda v: loss_from(params, x, s, r, skip, z=v), out.z)
    grads["h"] = central_difference(lambda v: loss_from(params, x, s, r, skip, h=v), out.h)
    grads["y"] = central_difference(lambda v: loss_from(params, x, s, r, skip, y=v), out.y)
    return grads


shapes = st.tuples(
    st.integers(1, 5),
    st.integers(1, 5),
    st.one_of(st.none(), st.integers(1, 4)),
    st.integers(0, 10**6),
    st.booleans(),
)


@given(shapes)
@settings(max_examples=40, deadline=None)
def test_hand_backward_matches_autograd(case) -> None:
    N, K, batch, seed, skip = case
    params, x, s, r = problem(N, K, batch, seed)
    hand = backprop.backward(params, x, s, r, skip=skip).as_dict()
    auto = backprop.autograd_backward(params, x, s, r, skip=skip).as_dict()
    for name in GRADIENT_NAMES:
        assert hand[name].shape == auto[name].shape, name
        np.testing.assert_allclose(hand[name], auto[name], rtol=1e-12, atol=1e-12, err_msg=name)


@given(shapes)
@settings(max_examples=15, deadline=None)
def test_hand_and_autograd_match_finite_differences(case) -> None:
    N, K, batch, seed, skip = case
    params, x, s, r = problem(N, K, batch, seed)
    fd = finite_difference_gradients(params, x, s, r, skip)
    for grads in (
        backprop.backward(params, x, s, r, skip=skip),
        backprop.autograd_backward(params, x, s, r, skip=skip),
    ):
        for name in GRADIENT_NAMES:
            np.testing.assert_allclose(
                getattr(grads, name), fd[name], rtol=1e-6, atol=1e-7, err_msg=name
            )


def test_forward_matches_torch() -> None:
    params, x, s, r = problem(4, 3, 5, seed=7)
    out = backprop.forward(params, x, s, r)
    t = {k: torch.from_numpy(getattr(params, k)) for k in ("W1", "b1", "W2", "b2")}
    X = torch.from_numpy(x)
    h = torch.sigmoid(X @ t["W1"].T + t["b1"])
    y = X + h @ t["W2"].T + t["b2"]
    np.testing.assert_allclose(out.h, h.numpy(), rtol=1e-14)
    np.testing.assert_allclose(out.y, y.numpy(), rtol=1e-14)
    S = 0.5 * ((y - torch.from_numpy(s)) ** 2).sum(dim=1)
    R = h @ torch.from_numpy(r)
    np.testing.assert_allclose(out.S, S.numpy(), rtol=1e-14)
    np.testing.assert_allclose(out.R, R.numpy(), rtol=1e-14)
    np.testing.assert_allclose(out.L, (S + R).numpy(), rtol=1e-14)
    assert out.L.shape == (5,)
    assert backprop.forward(params, x[0], s[0], r).L.shape == ()


def test_batch_is_the_stack_of_single_inputs() -> None:
    params, x, s, r = problem(3, 4, 6, seed=3)
    batch = backprop.backward(params, x, s, r)
    singles = [backprop.backward(params, x[i], s[i], r) for i in range(6)]
    for name in ("y", "h", "z", "x"):
        np.testing.assert_allclose(getattr(batch, name), [getattr(g, name) for g in singles])
    for name in ("W1", "b1", "W2", "b2"):
        total = sum(getattr(g, name) for g in singles)
        np.testing.assert_allclose(getattr(batch, name), total, rtol=1e-12, atol=1e-14)


def test_shared_target_broadcasts() -> None:
    params, x, s, r = problem(3, 2, 4, seed=5)
    shared = backprop.backward(params, x, s[0], r)
    tiled = backprop.backward(params, x, np.tile(s[0], (4, 1)), r)
    np.testing.assert_array_equal(shared.x, tiled.x)
    np.testing.assert_array_equal(shared.W1, tiled.W1)


@pytest.mark.parametrize("skip", [True, False])
def test_skip_adds_y_bar_to_x_bar(skip: bool) -> None:
    params, x, s, r = problem(4, 3, 5, seed=11)
    g = backprop.backward(params, x, s, r, skip=skip)
    through_hidden = g.z @ params.W1
    np.testing.assert_allclose(g.x, through_hidden + (g.y if skip else 0), rtol=1e-14)
    np.testing.assert_allclose(g.y, backprop.forward(params, x, s, r, skip=skip).y - s)


def test_no_skip_network_is_a_different_function() -> None:
    params, x, s, r = problem(3, 3, None, seed=2)
    with_skip = backprop.forward(params, x, s, r, skip=True)
    without = backprop.forward(params, x, s, r, skip=False)
    np.testing.assert_allclose(with_skip.y - without.y, x, rtol=1e-14)


@pytest.mark.parametrize("skip", [True, False])
def test_input_jacobian_matches_jacrev(skip: bool) -> None:
    params, x, s, r = problem(4, 3, 3, seed=13)
    W1, b1 = torch.from_numpy(params.W1), torch.from_numpy(params.b1)
    W2, b2 = torch.from_numpy(params.W2), torch.from_numpy(params.b2)

    def y_of(v):
        return (v if skip else 0) + torch.sigmoid(W1 @ v + b1) @ W2.T + b2

    J = backprop.input_jacobian(params, x, skip=skip)
    assert J.shape == (3, 4, 4)
    for i in range(3):
        np.testing.assert_allclose(J[i], torch.func.jacrev(y_of)(torch.from_numpy(x[i])).numpy())
    # x̄ = (∂y/∂x)ᵀ ȳ + (∂h/∂x)ᵀ r: the Jacobian and the backward pass agree
    g = backprop.backward(params, x, s, r, skip=skip)
    hidden = backprop.input_jacobian(params, x, skip=False)  # W2 diag(σ') W1
    np.testing.assert_allclose(J - hidden, np.broadcast_to(np.eye(4), J.shape) if skip else 0)
    h = backprop.forward(params, x, s, r, skip=skip).h
    dh_dx = (h * (1 - h))[:, :, None] * params.W1[None]
    expected = np.einsum("bnm,bn->bm", J, g.y) + np.einsum("bkm,k->bm", dh_dx, r)
    np.testing.assert_allclose(g.x, expected, rtol=1e-12, atol=1e-14)


def test_computation_graph_edges() -> None:
    G = backprop.computation_graph()
    expected = {
        ("x", "z"),
        ("z", "h"),
        ("h", "y"),
        ("x", "y"),
        ("h", "R"),
        ("y", "S"),
        ("R", "L"),
        ("S", "L"),
    }
    assert set(G.edges) == expected
    assert nx.is_directed_acyclic_graph(G)
    assert [e for e in G.edges if G.edges[e]["skip"]] == [("x", "y")]
    assert all(G.nodes[v]["layer"] < G.nodes[w]["layer"] for v, w in G.edges)
    assert set(backprop.computation_graph(skip=False).edges) == expected - {("x", "y")}
    full = backprop.computation_graph(parameters=True)
    assert set(full) == set(G) | {"W1", "b1", "W2", "b2", "s", "r"}
    assert {v for v in full if full.in_degree(v) == 0} == {"x", "W1", "b1", "W2", "b2", "s", "r"}
    assert list(nx.topological_sort(full))[-1] == "L"
    pos = nx.multipartite_layout(full, subset_key="layer")
    assert len(pos) == len(full)


def test_graph_children_are_the_terms_of_each_gradient() -> None:
    # x̄ has one term per child of x: two with the skip edge, one without.
    assert sorted(backprop.computation_graph().successors("x")) == ["y", "z"]
    assert sorted(backprop.computation_graph(skip=False).successors("x")) == ["z"]
    assert sorted(backprop.computation_graph().successors("h")) == ["R", "y"]


# ------------------------------------------------------------------ symbolic


@pytest.mark.parametrize(("N", "K"), [(1, 1), (2, 3), (3, 2)])
@pytest.mark.parametrize("skip", [True, False])
def test_symbolic_hand_equations_match_sympy_diff(N: int, K: int, skip: bool) -> None:
    net = backprop.symbolic_mlp(N, K, skip=skip)
    hand, auto = backprop.symbolic_backward(net), backprop.symbolic_gradients(net)
    assert list(hand) == list(auto) == list(GRADIENT_NAMES)
    for name in GRADIENT_NAMES:
        assert hand[name].shape == auto[name].shape
        assert (hand[name] - auto[name]).expand().is_zero_matrix, name


def test_symbolic_witness_rejects_a_wrong_derivation() -> None:
    # Forgetting the skip term ȳ in x̄ (or r in h̄) must be caught.
    net = backprop.symbolic_mlp(2, 2)
    hand, auto = backprop.symbolic_backward(net), backprop.symbolic_gradients(net)
    wrong_x = net.W1.T * hand["z"]
    assert not (wrong_x - auto["x"]).expand().is_zero_matrix
    wrong_h = net.W2.T * hand["y"]
    assert not (wrong_h - auto["h"]).expand().is_zero_matrix


def substitute(net, params, x, s, r):
    values = {}
    for sym, val in (
        (net.x, x),
        (net.s, s),
        (net.r, r),
        (net.W1, params.W1),
        (net.b1, params.b1),
        (net.W2, params.W2),
        (net.b2, params.b2),
    ):
        flat = np.asarray(val, dtype=float).reshape(sym.shape)
        for idx in np.ndindex(sym.shape):
            values[sym[idx]] = sympy.Float(flat[idx], 30)
    return values


@pytest.mark.parametrize("skip", [True, False])
def test_symbolic_equals_numeric(skip: bool) -> None:
    params, x, s, r = problem(3, 2, None, seed=21)
    net = backprop.symbolic_mlp(3, 2, skip=skip, activation=lambda t: 1 / (1 + sympy.exp(-t)))
    values = substitute(net, params, x, s, r)
    numeric = backprop.backward(params, x, s, r, skip=skip)
    for table in (backprop.symbolic_backward(net), backprop.symbolic_gradients(net)):
        for name in GRADIENT_NAMES:
            evaluated = np.array(table[name].xreplace(values).evalf(30), dtype=float)
            expected = getattr(numeric, name).reshape(evaluated.shape)
            np.testing.assert_allclose(evaluated, expected, rtol=1e-13, atol=1e-15, err_msg=name)
    f = backprop.symbolic_forward(net)
    assert float(f["L"].xreplace(values)) == pytest.approx(
        float(backprop.forward(params, x, s, r, skip=skip).L), rel=1e-13
    )


def test_polynomial_activation_is_rational() -> None:
    net = backprop.symbolic_mlp(2, 2, activation=lambda t: t**3 + t)
    for e in backprop.symbolic_backward(net)["x"]:
        entries = e.atoms(sympy.matrices.expressions.matexpr.MatrixElement)
        assert sympy.Poly(e, *entries).total_degree() == 13  # a polynomial in the entries
    default = backprop.symbolic_backward(backprop.symbolic_mlp(2, 2))["x"]
    assert all(e.has(sympy.Subs) for e in default)  # σ' left unexpanded


# ------------------------------------------------------------------ bad input

P = backprop.random_params(3, 2, seed=0)
X, S, R = np.zeros(3), np.zeros(3), np.zeros(2)

BAD_CALLS = [
    (lambda: backprop.forward("p", X, S, R), TypeError, "params"),
    (lambda: backprop.forward(P, [1.0, 2.0], S, R), ValueError, "x"),
    (lambda: backprop.forward(P, np.zeros((2, 2, 3)), S, R), ValueError, "x"),
    (lambda: backprop.forward(P, [np.nan, 0, 0], S, R), ValueError, "x"),
    (lambda: backprop.forward(P, "abc", S, R), TypeError, "x"),
    (lambda: backprop.forward(P, [True, False, True], S, R), TypeError, "x"),
    (lambda: backprop.forward(P, np.zeros((0, 3)), S, R), ValueError, "x"),
    (lambda: backprop.backward(P, X, np.zeros(2), R), ValueError, "s"),
    (lambda: backprop.backward(P, np.zeros((4, 3)), np.zeros((5, 3)), R), ValueError, "s"),
    (lambda: backprop.backward(P, X, [np.inf, 0, 0], R), ValueError, "s"),
    (lambda: backprop.backward(P, X, S, np.zeros(3)), ValueError, "r"),
    (lambda: backprop.autograd_backward(P, X, S, None), TypeError, "r"),
    (lambda: backprop.backward(P, X, S, R, skip=1), TypeError, "skip"),
    (lambda: backprop.input_jacobian(P, X, skip="yes"), TypeError, "skip"),
    (lambda: backprop.input_jacobian(P, np.zeros(4)), ValueError, "x"),
    (lambda: backprop.input_jacobian(None, X), TypeError, "params"),
    (lambda: backprop.autograd_backward(3, X, S, R), TypeError, "params"),
    (lambda: MLPParams(np.ones(3), np.ones(3), np.ones(3), np.ones(3)), ValueError, "W1"),
    (lambda: MLPParams(np.ones((2, 3)), np.ones(3), np.ones((3, 2)), np.ones(3)), ValueError, "b1"),
    (lambda: MLPParams(np.ones((2, 3)), np.ones(2), np.ones((3, 2)), np.ones(2)), ValueError, "b2"),
    (lambda: MLPParams([[np.nan]], [0.0], [[0.0]], [0.0]), ValueError, "W1"),
    (lambda: backprop.random_params(0, 2), ValueError, "N"),
    (lambda: backprop.random_params(2, True), TypeError, "K"),
    (lambda: backprop.random_params(2.0, 2), TypeError, "N"),
    (lambda: backprop.random_params(10**4, 10**4), ValueError, "N"),
    (lambda: backprop.random_params(2, 2, scale=-1.0), ValueError, "scale"),
    (lambda: backprop.random_params(2, 2, seed="x"), TypeError, "seed"),
    (lambda: backprop.symbolic_mlp(9, 1), ValueError, "N and K"),
    (lambda: backprop.symbolic_mlp(1, 0), ValueError, "K"),
    (lambda: backprop.symbolic_mlp(1, 1, activation=3), TypeError, "activation"),
    (lambda: backprop.symbolic_mlp(1, 1, skip=None), TypeError, "skip"),
    (lambda: backprop.symbolic_backward("net"), TypeError, "net"),
    (lambda: backprop.symbolic_gradients(None), TypeError, "net"),
    (lambda: backprop.computation_graph(skip=0), TypeError, "skip"),
    (lambda: backprop.computation_graph(parameters="all"), TypeError, "parameters"),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), BAD_CALLS, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD_CALLS)]
)
def test_bad_input_names_the_argument(call, error, name) -> None:
    with pytest.raises(error, match=rf"^{name}\b"):
        call()


bad_arrays = st.one_of(
    st.just([np.nan, 0.0, 0.0]),
    st.just([0.0, np.inf, 0.0]),
    st.just("xyz"),
    st.just(None),
    st.just([True, True, False]),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=6).filter(
        lambda v: len(v) != 3
    ),
)


@given(bad_arrays, st.sampled_from(["x", "s"]))
@settings(max_examples=60, deadline=None)
def test_bad_vectors_are_rejected_by_name(value, name) -> None:
    args = {"x": X, "s": S, "r": R, name: value}
    with pytest.raises((TypeError, ValueError), match=rf"^{name}\b"):
        backprop.backward(P, **args)


@pytest.mark.parametrize("name", ["x", "s"])
@pytest.mark.parametrize(
    "function", [backprop.forward, backprop.backward, backprop.autograd_backward]
)
def test_overflowing_loss_names_the_argument(function, name) -> None:
    # ‖y - s‖² overflows float64 for entries of order 1e200: refused, not inf.
    args = {"x": np.array([1.0, -2.0, 0.5]), "s": np.array([0.0, 1.0, 2.0]), "r": R}
    args[name] = args[name] * 1e200
    with pytest.raises(ValueError, match=rf"^{name} is too large"):
        function(P, **args)


def test_large_but_representable_inputs_are_accepted() -> None:
    out = backprop.forward(P, np.full(3, 1e150), np.zeros(3), R)
    assert np.all(np.isfinite(out.L))
    assert np.all(out.L > 1e299)


def test_overflowing_weights_name_params() -> None:
    huge = MLPParams(P.W1, P.b1, P.W2 * 1e200, P.b2)
    with pytest.raises(ValueError, match=r"^params is too large"):
        backprop.forward(huge, np.ones(3), S, R)
