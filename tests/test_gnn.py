"""GNN layers: aggregation rules, masked BCE, the residual rule, the GCN and its backward."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlhw import gnn, graphs, spectral

RULES = (gnn.rule_mean, gnn.rule_indexed_max, gnn.rule_shared_max)


def weights_for(rule, degree: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(-4, 5, size=gnn.weights_needed(rule, degree)).astype(float)


# ------------------------------------------------------------ aggregation rules


@given(st.integers(1, 6), st.integers(1, 3), st.integers(0, 10**6))
@settings(max_examples=60, deadline=None)
def test_rules_match_explicit_loops(degree: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    s, m = rng.normal(size=d), rng.normal(size=(degree, d))
    w1, w2 = rng.normal(size=2)
    mean = w1 * s + w2 * sum(m) / degree
    np.testing.assert_allclose(gnn.rule_mean(s, m, [w1, w2]), mean, rtol=1e-12, atol=1e-12)
    for k in range(d):
        shared = max([w1 * s[k]] + [w2 * m[j, k] for j in range(degree)])
        assert gnn.rule_shared_max(s, m, [w1, w2])[k] == shared
        w = rng.normal(size=degree + 1)
        indexed = max([w[0] * s[k]] + [w[j + 1] * m[j, k] for j in range(degree)])
        assert gnn.rule_indexed_max(s, m, w)[k] == indexed


def test_valid_rules_are_invariant_for_every_ordering_exactly() -> None:
    # Integer states and weights: sums are exact, so equality is exact.
    rng = np.random.default_rng(0)
    for degree in range(1, 7):
        for _ in range(5):
            s = rng.integers(-5, 6, size=3).astype(float)
            m = rng.integers(-5, 6, size=(degree, 3)).astype(float)
            for rule in (gnn.rule_mean, gnn.rule_shared_max):
                out = gnn.outputs_over_orderings(rule, s, m, weights_for(rule, degree, rng))
                assert out.shape[0] == np.prod(range(1, degree + 1))
                assert np.all(out == out[0])


def test_indexed_rule_depends_on_the_order() -> None:
    rng = np.random.default_rng(1)
    for degree in range(2, 7):
        s, m = rng.normal(size=2), rng.normal(size=(degree, 2))
        w = np.arange(1.0, degree + 2)  # distinct positive weights
        out = gnn.outputs_over_orderings(gnn.rule_indexed_max, s, m, w)
        assert np.ptp(out, axis=0).max() > 0
        assert np.array_equal(out[0], gnn.rule_indexed_max(s, m, w))
        # With one shared weight it is rule (iii), which is invariant.
        same = np.r_[w[0], np.full(degree, w[1])]
        tied = gnn.outputs_over_orderings(gnn.rule_indexed_max, s, m, same)
        assert np.all(tied == gnn.rule_shared_max(s, m, w[:2]))


def test_indexed_rule_needs_degree_plus_one_weights() -> None:
    assert [gnn.weights_needed(gnn.rule_indexed_max, n) for n in range(1, 5)] == [2, 3, 4, 5]
    assert {gnn.weights_needed(r, 4) for r in (gnn.rule_mean, gnn.rule_shared_max)} == {2}
    G = gnn.figure4_graph()
    w = np.ones(4)  # fits node 2 (degree 3) ...
    gnn.rule_indexed_max(np.zeros(1), np.zeros((3, 1)), w)
    with pytest.raises(ValueError, match="needs n_i \\+ 1 = 2 weights"):  # ... but not node 3
        gnn.rule_indexed_max(np.zeros(1), np.zeros((G.degree[3], 1)), w)


def test_rules_broadcast_over_a_batch() -> None:
    rng = np.random.default_rng(2)
    s, m = rng.normal(size=(4, 2)), rng.normal(size=(4, 3, 2))
    for rule in RULES:
        w = weights_for(rule, 3, rng)
        batched = rule(s, m, w)
        assert np.array_equal(batched, np.stack([rule(s[b], m[b], w) for b in range(4)]))


# ------------------------------------------------------------ masked cross-entropy


def test_figure4_neighbourhoods_for_every_choice_of_open_edges() -> None:
    for r in range(4):
        for extra in itertools.combinations(gnn.FIG4_OPTIONAL_EDGES, r):
            G = gnn.figure4_graph(extra)
            assert sorted(G.nodes) == [1, 2, 3, 4, 5]
            assert sorted(G[2]) == [1, 4, 5]
            assert sorted(G[3]) == [5]
            assert G.number_of_edges() == 4 + r
    assert [v for v in gnn.figure4_graph() if gnn.figure4_graph().nodes[v]["train"]] == [2, 3, 5]


def test_symbolic_loss_is_the_official_answer() -> None:
    a, b, c, d, e = sympy.symbols("a b c d e", positive=True)
    loss = gnn.masked_bce_expression(
        gnn.FIG4_LABELS, dict(zip(range(1, 6), (a, b, c, d, e), strict=True)), gnn.FIG4_TRAIN
    )
    official = -sympy.Rational(1, 3) * sympy.log(b * c * (1 - e))
    assert sympy.simplify(sympy.expand_log(loss - official, force=True)) == 0
    assert not loss.has(a)  # held-out nodes do not enter
    assert not loss.has(d)


@given(hnp.arrays(np.float64, 5, elements=st.floats(0.01, 0.99)))
@settings(max_examples=60, deadline=None)
def test_numpy_torch_and_sympy_losses_agree(p: np.ndarray) -> None:
    y = np.array([gnn.FIG4_LABELS[v] for v in range(1, 6)], dtype=float)
    mask = np.isin(np.arange(1, 6), gnn.FIG4_TRAIN)
    ours = gnn.masked_bce(y, p, mask)
    torch_loss = gnn.masked_bce_torch(torch.tensor(y), torch.tensor(p), torch.tensor(mask))
    symbols = sympy.symbols("a b c d e", positive=True)
    expr = gnn.masked_bce_expression(
        gnn.FIG4_LABELS, dict(zip(range(1, 6), symbols, strict=True)), gnn.FIG4_TRAIN
    )
    exact = float(expr.subs(dict(zip(symbols, p.tolist(), strict=True))))
    assert ours == pytest.approx(float(torch_loss), rel=1e-12)
    assert ours == pytest.approx(exact, rel=1e-12)
    assert ours == pytest.approx(-np.log(p[1] * p[2] * (1 - p[4])) / 3, rel=1e-12)
    p2 = p.copy()
    p2[[0, 3]] = 1 - p[[0, 3]]  # held-out predictions do not matter
    assert gnn.masked_bce(y, p2, mask) == ours


def test_masked_bce_edge_values() -> None:
    assert gnn.masked_bce([1, 0], [1.0, 0.0], [True, True]) == 0.0  # 0 log 0 = 0
    assert gnn.masked_bce([1, 0], [0.0, 0.5], [True, False]) == np.inf
    torch_loss = gnn.masked_bce_torch(
        torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([True])
    )
    assert float(torch_loss) == 100.0  # torch clamps the log


def test_torch_loss_is_differentiable() -> None:
    p = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    gnn.masked_bce_torch(
        torch.tensor([1.0, 0.0], dtype=torch.float64), p, torch.tensor([True, False])
    ).backward()
    assert p.grad is not None
    np.testing.assert_allclose(p.grad.numpy(), [-1 / 0.3, 0.0], rtol=1e-12)


# --------------------------------------------------------- residual message passing


def residual_loop(G: nx.Graph, S: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> np.ndarray:
    nodes = sorted(G)
    out = S.copy()
    for r, v in enumerate(nodes):
        nbrs = [nodes.index(u) for u in G[v]]
        out[r] = S[r] + W1 @ (sum(np.tanh(W2 @ S[j]) for j in nbrs) / len(nbrs))
    return out


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_residual_rule_matches_a_loop_and_the_expansion(d: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    extra = [e for e in gnn.FIG4_OPTIONAL_EDGES if rng.random() < 0.5]
    G = gnn.figure4_graph(extra)
    S, W1, W2 = rng.normal(size=(5, d)), rng.normal(size=(d, k)), rng.normal(size=(k, d))
    run = gnn.residual_message_passing(G, S, W1, W2, layers=2)
    np.testing.assert_allclose(run[1], residual_loop(G, S, W1, W2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run[2], residual_loop(G, run[1], W1, W2), rtol=1e-12, atol=1e-12)
    states, w1, w2 = gnn.residual_symbols(G, d, k)
    values = {w1: W1, w2: W2, **{states[v]: S[v - 1][:, None] for v in G}}
    for node in (2, 3):
        expr = gnn.residual_update_expression(G, node, d, k)
        value = gnn.evaluate_expression(expr, {s: values[s] for s in expr.free_symbols})
        np.testing.assert_allclose(value[:, 0], run[1][node - 1], rtol=1e-12, atol=1e-12)


def test_expansions_have_the_official_form() -> None:
    G = gnn.figure4_graph()
    states, W1, W2 = gnn.residual_symbols(G)
    t = gnn.ElementwiseTanh
    two = states[2] + sympy.Rational(1, 3) * W1 * (
        t(W2 * states[1]) + t(W2 * states[4]) + t(W2 * states[5])
    )
    three = states[3] + W1 * t(W2 * states[5])
    assert gnn.residual_update_expression(G, 2).doit() == two.doit()
    assert gnn.residual_update_expression(G, 3).doit() == three.doit()
    assert r"\tanh(W_{2} s_{5})" in sympy.latex(three)
    assert gnn.residual_update_expression(G, 2).doit() != three.doit()


def test_expansions_print_in_the_book_order_with_layer_superscripts() -> None:
    from dlhw.proof.latex import to_latex

    G = gnn.figure4_graph()
    two = to_latex(gnn.residual_update_expression(G, 2, superscript=r"\ell-1"))
    assert two.startswith(r"s_{2}^{\ell-1} + \frac{1}{3} W_{1}")  # state first, 1/3 unbracketed
    three = to_latex(gnn.residual_update_expression(G, 3, superscript=r"\ell-1"))
    assert three == r"s_{3}^{\ell-1} + W_{1} \tanh(W_{2} s_{5}^{\ell-1})"
    states, _, _ = gnn.residual_symbols(G, superscript="t")
    assert str(states[4]) == "s_{4}^{t}"
    with pytest.raises(TypeError, match="superscript must be a non-empty string"):
        gnn.residual_symbols(G, superscript="")


def test_expansions_evaluate_through_the_proof_compiler() -> None:
    from dlhw.proof.evaluate import compile_numeric

    G = gnn.figure4_graph()
    rng = np.random.default_rng(4)
    states, W1, W2 = gnn.residual_symbols(G, 2, 3)
    values = {W1: rng.normal(size=(2, 3)), W2: rng.normal(size=(3, 2))}
    values |= {states[v]: rng.normal(size=(2, 1)) for v in G}
    S = np.hstack([values[states[v]] for v in sorted(G)]).T
    run = gnn.residual_message_passing(G, S, values[W1], values[W2])[1]
    for node in G:
        expr = gnn.residual_update_expression(G, node, 2, 3)
        np.testing.assert_allclose(compile_numeric(expr)(values)[:, 0], run[node - 1], rtol=1e-12)
        np.testing.assert_allclose(
            gnn.evaluate_expression(expr, values)[:, 0], run[node - 1], rtol=1e-12
        )


def test_indexed_rule_names_messages_when_the_weight_count_is_wrong() -> None:
    batch = np.ones((3, 2, 2))  # three nodes with two neighbours each: n_i = 2
    with pytest.raises(ValueError, match="messages has 2 row"):
        gnn.rule_indexed_max(np.ones(2), batch, [1.0, 3.0, 1.0, 0.5])


def test_residual_rule_on_an_adjacency_and_zero_layers() -> None:
    A = nx.to_numpy_array(nx.cycle_graph(4), dtype=int)
    S = np.arange(8.0).reshape(4, 2)
    run = gnn.residual_message_passing(A, S, np.eye(2), np.eye(2), layers=0)
    assert run.shape == (1, 4, 2)
    assert np.array_equal(run[0], S)


# ------------------------------------------------------------------ the GCN


def test_karate_club() -> None:
    A, y = gnn.karate_club()
    assert A.shape == (34, 34)
    assert A.sum() == 2 * 78
    assert np.array_equal(A, A.T)
    assert not np.diag(A).any()
    assert y[0] == 0
    assert y[33] == 1
    assert np.bincount(y).tolist() == [17, 17]


def test_gcn_adjacency_is_symmetric_with_spectrum_in_open_closed_interval() -> None:
    A, _ = gnn.karate_club()
    A_hat = gnn.gcn_adjacency(A)
    assert np.allclose(A_hat, A_hat.T, atol=1e-15)
    eig = np.linalg.eigvalsh(A_hat)
    assert eig.max() == pytest.approx(1.0, abs=1e-12)
    assert eig.min() > -1
    d = A.sum(axis=1) + 1
    np.testing.assert_allclose(A_hat, (A + np.eye(34)) / np.sqrt(np.outer(d, d)), rtol=1e-14)


def test_gcn_spectrum_on_every_small_graph() -> None:
    for n in range(1, 6):
        family = graphs.all_graphs(n)
        eig = np.linalg.eigvalsh(gnn.gcn_adjacency(family))
        assert np.all(eig > -1 + 1e-9)
        assert np.allclose(eig.max(axis=1), 1.0, atol=1e-12)
    # Without self-loops -1 is attained (bipartite graphs): the loops are needed.
    path = np.array([[0, 1], [1, 0]])
    assert np.linalg.eigvalsh(spectral.symmetric_normalisation(path)).min() == pytest.approx(-1.0)


def torch_layer(A_hat, H, W, b, activation):
    out = torch.tensor(A_hat) @ H @ W + b
    return {"tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z}[activation](out)


@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
@given(
    seed=st.integers(0, 10**6), n=st.integers(1, 6), f_in=st.integers(1, 4), f_out=st.integers(1, 3)
)
@settings(max_examples=25, deadline=None)
def test_layer_backward_matches_autograd_and_differences(activation, seed, n, f_in, f_out) -> None:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.integers(0, 2, size=(n, n)), 1)
    A_hat = gnn.gcn_adjacency(upper + upper.T)
    H = rng.normal(size=(n, f_in))
    layer = gnn.GraphConvLayer(rng.normal(size=(f_in, f_out)), rng.normal(size=f_out), activation)
    G_out = rng.normal(size=(n, f_out))
    layer.forward(A_hat, H)
    grad_H = layer.backward(G_out)
    # Independent witness written here: torch autograd in float64.
    Ht = torch.tensor(H, requires_grad=True)
    Wt = torch.tensor(layer.W, requires_grad=True)
    bt = torch.tensor(layer.b, requires_grad=True)
    (torch_layer(A_hat, Ht, Wt, bt, activation) * torch.tensor(G_out)).sum().backward()
    for ours, theirs in ((layer.grad_W, Wt.grad), (layer.grad_b, bt.grad), (grad_H, Ht.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    # The module's own witnesses agree too.
    auto = gnn.layer_gradients_torch(layer, A_hat, H, G_out)
    fd = gnn.layer_gradients_finite_difference(layer, A_hat, H, G_out)
    for name, ours in (("W", layer.grad_W), ("b", layer.grad_b), ("H", grad_H)):
        np.testing.assert_allclose(auto[name], ours, rtol=1e-10, atol=1e-12)
        if activation != "relu":  # relu has kinks; differences are exact away from them
            np.testing.assert_allclose(fd[name], ours, rtol=1e-6, atol=1e-7)


def test_finite_differences_catch_a_wrong_backward() -> None:
    rng = np.random.default_rng(0)
    A_hat = gnn.gcn_adjacency([[0, 1, 1], [1, 0, 0], [1, 0, 0]])
    layer = gnn.GraphConvLayer(rng.normal(size=(2, 2)), np.zeros(2), "tanh")
    H, G_out = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    layer.forward(A_hat, H)
    layer.backward(G_out)
    fd = gnn.layer_gradients_finite_difference(layer, A_hat, H, G_out)
    wrong = (A_hat @ H).T @ G_out  # forgot the activation's derivative
    assert np.abs(fd["W"] - wrong).max() > 1e-3
    np.testing.assert_allclose(fd["W"], layer.grad_W, rtol=1e-6, atol=1e-8)


@given(seed=st.integers(0, 10**6))
@settings(max_examples=30, deadline=None)
def test_softmax_cross_entropy_matches_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    logits, y = rng.normal(size=(6, 3)) * 3, rng.integers(0, 3, size=6)
    mask = rng.random(6) < 0.5
    mask[0] = True
    loss, grad = gnn.softmax_cross_entropy(logits, y, mask)
    Z = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(Z[torch.tensor(mask)], torch.tensor(y[mask]))
    ref.backward()
    assert loss == pytest.approx(float(ref.detach()), rel=1e-12)
    assert Z.grad is not None
    np.testing.assert_allclose(grad, Z.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_whole_classifier_gradient_matches_autograd() -> None:
    A, y = gnn.karate_club()
    model = gnn.GCNClassifier(gnn.gcn_adjacency(A), (34, 4, 2), seed=3)
    mask = np.isin(np.arange(34), gnn.KARATE_TRAIN_NODES)
    _, grad = gnn.softmax_cross_entropy(model.forward(np.eye(34)), y, mask)
    model.backward(grad)
    params = [torch.tensor(p, requires_grad=True) for p in model.parameters()]
    A_hat = torch.tensor(model.A_hat)
    H = torch.tanh(A_hat @ torch.eye(34, dtype=torch.float64) @ params[0] + params[1])
    logits = A_hat @ H @ params[2] + params[3]
    torch.nn.functional.cross_entropy(logits[torch.tensor(mask)], torch.tensor(y[mask])).backward()
    for ours, p in zip(model.gradients(), params, strict=True):
        np.testing.assert_allclose(ours, p.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_adam_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2))
    xt = torch.tensor(x.copy(), requires_grad=True)
    ours = gnn.Adam([x], learning_rate=0.05)
    theirs = torch.optim.Adam([xt], lr=0.05)
    for _ in range(20):
        g = rng.normal(size=(3, 2))
        ours.step([g])
        theirs.zero_grad()
        xt.grad = torch.tensor(g)
        theirs.step()
    np.testing.assert_allclose(x, xt.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_training_is_reproducible_and_fits_the_story() -> None:
    A, y = gnn.karate_club()
    run = gnn.train_gcn(A, y, seed=0)
    again = gnn.train_gcn(A, y, seed=0)
    assert np.array_equal(run.losses, again.losses)
    assert np.array_equal(run.embedding, again.embedding)
    other = gnn.train_gcn(A, y, seed=1)
    assert not np.array_equal(run.losses, other.losses)
    assert run.losses[-1] < 0.6 * run.losses[0]
    assert run.test_accuracy == 1.0
    assert run.misfit_train_nodes == (8,)
    assert run.embedding.shape == (34, 2)
    np.testing.assert_allclose(run.probabilities.sum(axis=1), 1.0)
    assert np.array_equal(run.predictions, run.probabilities.argmax(axis=1))


def test_run_parameters_reproduce_the_run() -> None:
    A, y = gnn.karate_club()
    run = gnn.train_gcn(A, y, seed=0)
    W1, b1, W2, b2 = run.parameters
    A_hat = gnn.gcn_adjacency(A)
    hidden = np.tanh(A_hat @ W1 + b1)
    np.testing.assert_array_equal(hidden, run.embedding)
    logits = A_hat @ hidden @ W2 + b2
    assert np.array_equal(logits.argmax(axis=1), run.predictions)
    # copies: changing them does not change a second run, nor the record
    W1[:] = 0.0
    assert gnn.train_gcn(A, y, seed=0).parameters[0].any()


def test_weight_decay_trades_a_training_misfit_for_held_out_errors() -> None:
    A, y = gnn.karate_club()
    regularised = gnn.train_gcn(A, y, seed=0)
    free = gnn.train_gcn(A, y, weight_decay=0.0, seed=0)
    assert regularised.misfit_train_nodes == (8,)
    assert regularised.test_accuracy == 1.0
    assert free.misfit_train_nodes == ()
    assert free.test_accuracy < 1.0


def test_training_with_gradient_descent_and_no_hidden_layer() -> None:
    A, y = gnn.karate_club()
    run = gnn.train_gcn(A, y, hidden=(), optimizer="gd", learning_rate=0.5, epochs=50, seed=0)
    assert run.losses[-1] < run.losses[0]
    assert run.embedding.shape == (34, 34)  # no hidden layer: the input features


# ---------------------------------------------------------------- bad input

S0, M0 = np.zeros(2), np.zeros((3, 2))
A0, Y0 = gnn.karate_club()


BAD_CASES = [
    (
        lambda: gnn.rule_mean(S0, np.zeros((3, 3)), [1, 1]),
        ValueError,
        "messages have dimension 3",
    ),
    (lambda: gnn.rule_mean(S0, np.zeros(2), [1, 1]), ValueError, "messages must have shape"),
    (lambda: gnn.rule_mean(S0, M0, [1, 1, 1]), ValueError, "rule \\(i\\) takes two weights"),
    (lambda: gnn.rule_shared_max(S0, M0, [1]), ValueError, "rule \\(iii\\) takes two"),
    (
        lambda: gnn.rule_mean(S0, np.zeros((0, 2)), [1, 1]),
        ValueError,
        "messages must not be empty",
    ),
    (
        lambda: gnn.rule_mean([np.nan, 0], M0, [1, 1]),
        ValueError,
        "self_state must contain only",
    ),
    (
        lambda: gnn.rule_mean(np.zeros((2, 2)), np.zeros((3, 3, 2)), [1, 1]),
        ValueError,
        "incompatible batch",
    ),
    (lambda: gnn.rule_mean(S0, M0, "w"), TypeError, "weights must be an array"),
    (
        lambda: gnn.rule_mean(S0, M0, [True, False]),
        TypeError,
        "weights must be an array of real",
    ),
    (lambda: gnn.weights_needed(max, 2), ValueError, "rule must be"),
    (lambda: gnn.weights_needed(gnn.rule_mean, 0), ValueError, "degree must be >= 1"),
    (
        lambda: gnn.outputs_over_orderings(gnn.rule_mean, [0.0], np.zeros((9, 1)), [1, 1]),
        ValueError,
        "at most 8 \\(40320 orderings\\)",
    ),
    (lambda: gnn.figure4_graph([(1, 2)]), ValueError, "extra_edges must be among"),
    (lambda: gnn.figure4_graph("14"), TypeError, "extra_edges"),
    (
        lambda: gnn.masked_bce([0, 2], [0.5, 0.5], [True, True]),
        ValueError,
        "labels must be 0 or 1",
    ),
    (
        lambda: gnn.masked_bce([0, 1], [0.5, 1.5], [True, True]),
        ValueError,
        "probabilities must lie",
    ),
    (
        lambda: gnn.masked_bce([0, 1], [0.5], [True, True]),
        ValueError,
        "probabilities must have shape",
    ),
    (lambda: gnn.masked_bce([0, 1], [0.5, 0.5], [1, 1]), TypeError, "mask must be a boolean"),
    (
        lambda: gnn.masked_bce([0, 1], [0.5, 0.5], [False, False]),
        ValueError,
        "at least one training",
    ),
    (lambda: gnn.masked_bce([0, 1], [0.5, 0.5], [True]), ValueError, "mask must have shape"),
    (
        lambda: gnn.masked_bce_torch([0.0], torch.tensor([0.5]), torch.tensor([True])),
        TypeError,
        "labels must be a torch",
    ),
    (
        lambda: gnn.masked_bce_torch(torch.tensor([1]), torch.tensor([0.5]), torch.tensor([True])),
        TypeError,
        "labels must be a floating",
    ),
    (
        lambda: gnn.masked_bce_torch(
            torch.tensor([1.0]), torch.tensor([np.nan]), torch.tensor([True])
        ),
        ValueError,
        "probabilities must lie",
    ),
    (
        lambda: gnn.masked_bce_torch(torch.tensor([1.0]), torch.tensor([0.5]), torch.tensor([1])),
        TypeError,
        "mask must be a boolean",
    ),
    (
        lambda: gnn.masked_bce_torch(
            torch.tensor([1.0]), torch.tensor([0.5]), torch.tensor([False])
        ),
        ValueError,
        "at least one",
    ),
    (
        lambda: gnn.masked_bce_expression({1: 2}, {1: 0.5}, [1]),
        ValueError,
        "labels must be 0 or 1",
    ),
    (lambda: gnn.masked_bce_expression({1: 1}, {1: 0.5}, []), ValueError, "train must contain"),
    (lambda: gnn.masked_bce_expression({1: 1}, {}, [1]), ValueError, "train node 1"),
    (
        lambda: gnn.residual_message_passing(
            [[0, 1], [1, 0]], np.zeros((2, 2)), np.zeros((3, 2)), np.zeros((3, 2))
        ),
        ValueError,
        "W1 must have shape \\(d, k\\) = \\(2, 3\\)",
    ),
    (
        lambda: gnn.residual_message_passing(
            [[0, 1], [1, 0]], np.zeros((2, 2)), np.zeros((2, 3)), np.zeros((2, 3))
        ),
        ValueError,
        "W2 must have shape",
    ),
    (
        lambda: gnn.residual_message_passing([[0, 1], [1, 0]], np.zeros((3, 1)), [[1.0]], [[1.0]]),
        ValueError,
        "states must have one row per node",
    ),
    (
        lambda: gnn.residual_message_passing(np.zeros((2, 2)), np.zeros((2, 1)), [[1.0]], [[1.0]]),
        ValueError,
        "isolated node",
    ),
    (
        lambda: gnn.residual_message_passing(
            [[0, 1], [1, 0]], np.zeros((2, 1)), [[1.0]], [[1.0]], 1001
        ),
        ValueError,
        "layers must be at most 1000",
    ),
    (
        lambda: gnn.residual_message_passing(
            [[0, 1], [1, 0]], np.zeros((2, 1)), [[1.0]], [[1.0]], -1
        ),
        ValueError,
        "layers must be >= 0",
    ),
    (
        lambda: gnn.residual_message_passing([[0, 1], [0, 0]], np.zeros((2, 1)), [[1.0]], [[1.0]]),
        ValueError,
        "graph must be symmetric",
    ),
    (
        lambda: gnn.residual_message_passing(
            nx.DiGraph([(0, 1)]), np.zeros((2, 1)), [[1.0]], [[1.0]]
        ),
        ValueError,
        "graph must be undirected",
    ),
    (
        lambda: gnn.residual_update_expression(gnn.figure4_graph(), 6),
        ValueError,
        "node must be a node",
    ),
    (lambda: gnn.residual_symbols(gnn.figure4_graph(), d=0), ValueError, "d must be >= 1"),
    (
        lambda: gnn.evaluate_expression(sympy.MatrixSymbol("W", 1, 1) * 2, {}),
        ValueError,
        "values lacks",
    ),
    (
        lambda: gnn.evaluate_expression(
            sympy.MatrixSymbol("W", 1, 1) * 2, {sympy.MatrixSymbol("W", 1, 1): np.ones((2, 2))}
        ),
        ValueError,
        r"values\[W\] must have shape",
    ),
    (lambda: gnn.add_self_loops(np.eye(2, dtype=int)), ValueError, "already has a self-loop"),
    (lambda: gnn.add_self_loops([[0, 2], [2, 0]]), ValueError, "only 0 and 1"),
    (
        lambda: gnn.GraphConvLayer(np.ones((2, 2)), np.ones(3)),
        ValueError,
        "b must have shape \\(2,\\)",
    ),
    (
        lambda: gnn.GraphConvLayer(np.ones((2, 2)), np.ones(2), "gelu"),
        ValueError,
        "activation must be one of",
    ),  # type: ignore[arg-type]
    (
        lambda: gnn.GraphConvLayer(np.ones((2, 2)), np.ones(2)).forward(np.eye(3), np.ones((3, 3))),
        ValueError,
        "H must have shape \\(3, 2\\)",
    ),
    (
        lambda: gnn.GraphConvLayer(np.ones((2, 2)), np.ones(2)).forward(
            np.ones((3, 2)), np.ones((3, 2))
        ),
        ValueError,
        "A_hat must be square",
    ),
    (
        lambda: gnn.GraphConvLayer(np.ones((2, 2)), np.ones(2)).backward(np.ones((3, 2))),
        RuntimeError,
        "call forward before backward",
    ),
    (lambda: gnn.GraphConvLayer.glorot(0, 2), ValueError, "n_in must be >= 1"),
    (
        lambda: gnn.softmax_cross_entropy(np.zeros((2, 2)), [0, 2], [True, True]),
        ValueError,
        "labels of training nodes",
    ),
    (
        lambda: gnn.softmax_cross_entropy(np.zeros((2, 2)), [0.0, 1.0], [True, True]),
        TypeError,
        "labels must be an array of integers",
    ),
    (
        lambda: gnn.Adam([np.zeros(2)], betas=(0.9, 1.0)),
        ValueError,
        "betas must be two numbers",
    ),
    (lambda: gnn.Adam([np.zeros(2)], learning_rate=0.0), ValueError, "learning_rate"),
    (
        lambda: gnn.Adam([np.zeros(2)]).step([np.zeros(3)]),
        ValueError,
        "gradient 0 must have shape",
    ),
    (lambda: gnn.GCNClassifier(np.eye(2), (2,)), ValueError, "widths must list"),
    (lambda: gnn.GCNClassifier(np.eye(2), (2, 0)), ValueError, "widths must be >= 1"),
    (lambda: gnn.train_gcn(A0, Y0, ()), ValueError, "train_nodes must be distinct"),
    (lambda: gnn.train_gcn(A0, Y0, (0, 0)), ValueError, "train_nodes must be distinct"),
    (lambda: gnn.train_gcn(A0, Y0, (0, 34)), ValueError, "train_nodes must be distinct"),
    (lambda: gnn.train_gcn(A0, Y0, range(34)), ValueError, "at least one node out"),
    (lambda: gnn.train_gcn(A0, Y0, "0"), TypeError, "train_nodes"),
    (lambda: gnn.train_gcn(A0, Y0 * 1.0), TypeError, "labels must be an array of integers"),
    (lambda: gnn.train_gcn(A0, Y0[:5]), ValueError, "labels must be 34"),
    (lambda: gnn.train_gcn(A0, Y0, epochs=0), ValueError, "epochs must be >= 1"),
    (lambda: gnn.train_gcn(A0, Y0, epochs=10**6), ValueError, "epochs must be at most"),
    (lambda: gnn.train_gcn(A0, Y0, learning_rate=np.inf), ValueError, "learning_rate"),
    (lambda: gnn.train_gcn(A0, Y0, weight_decay=-1.0), ValueError, "weight_decay"),
    (lambda: gnn.train_gcn(A0, Y0, optimizer="sgd"), ValueError, "optimizer must be"),  # type: ignore[arg-type]
    (
        lambda: gnn.train_gcn(A0, Y0, features=np.ones((3, 2))),
        ValueError,
        "features must have one row",
    ),
    (lambda: gnn.train_gcn(A0, Y0, hidden="2"), TypeError, "hidden"),  # type: ignore[arg-type]
    (lambda: gnn.train_gcn(A0, Y0, seed=1.5), TypeError, "seed"),
    (
        lambda: gnn.layer_gradients_finite_difference(
            gnn.GraphConvLayer(np.ones((200, 100)), np.ones(100)),
            np.eye(1),
            np.ones((1, 200)),
            np.ones((1, 100)),
        ),
        ValueError,
        "at most 20000",
    ),
    (
        lambda: gnn.layer_gradients_torch(
            gnn.GraphConvLayer(np.ones((1, 1)), [0.0]), [[1.0]], [[1.0]], np.ones((2, 2))
        ),
        ValueError,
        "grad_out must have shape",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    BAD_CASES,
    ids=[f"{i}:{case[2]}" for i, case in enumerate(BAD_CASES)],
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


@given(
    st.one_of(
        st.floats(allow_nan=True).filter(lambda v: not 0 < v < np.inf),
        st.booleans(),
        st.text(max_size=2),
        st.none(),
    )
)
@settings(max_examples=30, deadline=None)
def test_bad_learning_rates_are_rejected(lr: object) -> None:
    with pytest.raises((TypeError, ValueError), match="learning_rate"):
        gnn.train_gcn(A0, Y0, epochs=1, learning_rate=lr)  # type: ignore[arg-type]


@given(
    hnp.arrays(
        np.float64, st.integers(1, 4), elements=st.floats(allow_nan=True, allow_infinity=True)
    )
)
@settings(max_examples=40, deadline=None)
def test_bad_probabilities_are_rejected(p: np.ndarray) -> None:
    y, mask = np.zeros(len(p)), np.ones(len(p), dtype=bool)
    if np.all(np.isfinite(p) & (p >= 0) & (p <= 1)):
        assert gnn.masked_bce(y, p, mask) >= 0
    else:
        with pytest.raises(ValueError, match="probabilities"):
            gnn.masked_bce(y, p, mask)


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
        itertools.count(),  # an endless iterable must be refused, not read forever
    ]
)
MSG = {"self_state": [0.0, 1.0], "messages": [[1.0, 2.0], [3.0, 4.0]]}
GOOD = {
    "rule_mean": (gnn.rule_mean, {**MSG, "weights": [1.0, 2.0]}),
    "rule_indexed_max": (gnn.rule_indexed_max, {**MSG, "weights": [1.0, 2.0, 3.0]}),
    "rule_shared_max": (gnn.rule_shared_max, {**MSG, "weights": [1.0, 2.0]}),
    "weights_needed": (gnn.weights_needed, {"rule": gnn.rule_mean, "degree": 2}),
    "outputs_over_orderings": (
        gnn.outputs_over_orderings,
        {"rule": gnn.rule_mean, **MSG, "weights": [1.0, 2.0]},
    ),
    "figure4_graph": (gnn.figure4_graph, {"extra_edges": [(1, 4)]}),
    "masked_bce": (
        gnn.masked_bce,
        {"labels": [0, 1], "probabilities": [0.3, 0.6], "mask": [True, True]},
    ),
    "masked_bce_expression": (
        gnn.masked_bce_expression,
        {"labels": {1: 1}, "probabilities": {1: sympy.Symbol("b")}, "train": [1]},
    ),
    "residual_message_passing": (
        gnn.residual_message_passing,
        {
            "graph": [[0, 1], [1, 0]],
            "states": [[1.0], [2.0]],
            "W1": [[1.0]],
            "W2": [[1.0]],
            "layers": 1,
        },
    ),
    "residual_update_expression": (
        gnn.residual_update_expression,
        {"graph": gnn.figure4_graph(), "node": 2, "d": 2, "k": 3},
    ),
    "gcn_adjacency": (gnn.gcn_adjacency, {"adjacency": [[0, 1], [1, 0]]}),
    "GraphConvLayer": (
        gnn.GraphConvLayer,
        {"W": np.ones((2, 2)), "b": np.ones(2), "activation": "tanh"},
    ),
    "softmax_cross_entropy": (
        gnn.softmax_cross_entropy,
        {"logits": np.zeros((2, 2)), "labels": [0, 1], "mask": [True, False]},
    ),
    "Adam": (
        gnn.Adam,
        {"parameters": [np.zeros(2)], "learning_rate": 0.1, "betas": (0.9, 0.99), "eps": 1e-8},
    ),
    "GCNClassifier": (gnn.GCNClassifier, {"A_hat": np.eye(3), "widths": (3, 2), "seed": 0}),
    "train_gcn": (
        gnn.train_gcn,
        {
            "adjacency": A0,
            "labels": Y0,
            "train_nodes": (0, 33),
            "hidden": (2,),
            "epochs": 3,
            "learning_rate": 0.01,
            "optimizer": "adam",
            "weight_decay": 0.0,
            "seed": 0,
        },
    ),
}
ARGUMENTS = [(key, name) for key, (_, kwargs) in GOOD.items() for name in kwargs]
VALID = {  # the few junk values that are legitimate for an argument
    "learning_rate": lambda v: (
        isinstance(v, float | int) and not isinstance(v, bool) and 0 < v < np.inf
    ),
    "eps": lambda v: isinstance(v, float | int) and not isinstance(v, bool) and 0 < v < np.inf,
    "weight_decay": lambda v: (
        isinstance(v, float | int) and not isinstance(v, bool) and 0 <= v < np.inf
    ),
    "seed": lambda v: v is None or (type(v) is int and v >= 0),
    "extra_edges": lambda v: isinstance(v, list) and v == [],
    "degree": lambda v: type(v) is int and v >= 1,
    "train_nodes": lambda v: v in ({1, 2}, [3]),  # valid node collections
    "hidden": lambda v: v in ([], [3]),  # no hidden layer, or one of width 3
    "d": lambda v: type(v) is int and v >= 1,
    "k": lambda v: type(v) is int and v >= 1,
    "adjacency": lambda v: np.ndim(v) == 3,  # a stack of (empty) graphs
    "parameters": lambda v: isinstance(v, np.ndarray) and v.dtype == np.float64,  # its rows
    "self_state": lambda v: np.ndim(v) == 3 and np.shape(v)[-1] == 2,  # a batch of nodes
    "messages": lambda v: np.ndim(v) == 3 and np.shape(v)[-1] == 2,
}


def refusal(fn, kwargs) -> str | None:
    """The message of the ValueError/TypeError the call raises, or None if it succeeds."""
    try:
        fn(**kwargs)
    except (TypeError, ValueError) as err:
        return str(err)
    return None


@pytest.mark.parametrize(("key", "name"), ARGUMENTS, ids=[f"{k}-{a}" for k, a in ARGUMENTS])
@given(bad=JUNK)
@settings(max_examples=25, deadline=None)
def test_junk_in_any_argument_is_refused_by_name(key, name, bad) -> None:
    fn, good = GOOD[key]
    message = refusal(fn, dict(good, **{name: bad}))
    if message is None:  # accepted: only a legitimate value may be
        assert VALID.get(name, lambda v: False)(bad)
    else:
        assert name in message
