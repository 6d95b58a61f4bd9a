"""The autodiff engine against torch (float64), finite differences and enumeration."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhw import autodiff as ad
from dlhw.autodiff import Graph

# ------------------------------------------------ one lambda, two engines


class EngineOps:
    """The op vocabulary on a dlhw Graph (operands are vertex IDs)."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph

    def add(self, a, b):
        return self.g.add(a, b)

    def matmul(self, a, b):
        return self.g.matmul(a, b)

    def relu(self, a):
        return self.g.relu(a)

    def sigmoid(self, a):
        return self.g.sigmoid(a)

    def sum(self, a):
        return self.g.sum(a)


class TorchOps:
    """The same vocabulary on torch tensors."""

    add = staticmethod(torch.add)
    matmul = staticmethod(torch.matmul)
    relu = staticmethod(torch.relu)
    sigmoid = staticmethod(torch.sigmoid)
    sum = staticmethod(torch.sum)


def helper_test_op(shapes, fn, seed: int, *, tol: float = 1e-12) -> Graph:
    """Run ``fn`` on both engines; compare the value and every input gradient."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]
    g = Graph()
    ids = [g.tensor(a) for a in arrays]
    out = fn(EngineOps(g), *ids)
    value = g.run_eval(out)
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_t = fn(TorchOps(), *tensors)
    np.testing.assert_allclose(value, out_t.detach().numpy(), rtol=tol, atol=tol)
    up = rng.normal(size=value.shape)
    g.run_grad(out, up)
    out_t.backward(torch.tensor(up))
    for i, t in zip(ids, tensors, strict=True):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(g.grad[i], expected, rtol=tol, atol=tol)
    return g


OP_CASES = [
    ("add", [(3, 4), (3, 4)]),
    ("add", [(3, 4), (4,)]),  # a bias over a batch
    ("add", [(3, 1), (1, 4)]),
    ("add", [(), (2, 3)]),
    ("add", [(4,), ()]),
    ("add", [(2, 3), (2, 1)]),
    ("matmul", [(3, 4), (4, 2)]),
    ("matmul", [(4,), (4, 2)]),  # the 1-D w of S4-Q2(f)
    ("matmul", [(3, 4), (4,)]),
    ("matmul", [(4,), (4,)]),
    ("relu", [(3, 4)]),
    ("relu", [(5,)]),
    ("relu", [()]),
    ("sigmoid", [(3, 4)]),
    ("sigmoid", [()]),
    ("sum", [(3, 4)]),
    ("sum", [(5,)]),
    ("sum", [()]),
]


@pytest.mark.parametrize(("op", "shapes"), OP_CASES, ids=[f"{o}{s}" for o, s in OP_CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_op_matches_torch(op: str, shapes, seed: int) -> None:
    helper_test_op(shapes, lambda ops, *xs: getattr(ops, op)(*xs), seed)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 10**6))
@settings(max_examples=40, deadline=None)
def test_random_shapes_match_torch(n: int, k: int, m: int, seed: int) -> None:
    helper_test_op(
        [(n, k), (k, m), (m,)],
        lambda ops, x, w, b: ops.sum(ops.sigmoid(ops.relu(ops.add(ops.matmul(x, w), b)))),
        seed,
    )


def engine_function(op: str, shapes, which: int, others, up):
    """``x -> <up, op(..., x, ...)>`` with ``x`` the ``which``-th operand, on the engine."""

    def f(x):
        g = Graph()
        ids = [g.tensor(x if i == which else others[i]) for i in range(len(shapes))]
        out = getattr(g, op)(*ids)
        return np.sum(up * g.run_eval(out))

    return f


@pytest.mark.parametrize(("op", "shapes"), OP_CASES, ids=[f"{o}{s}" for o, s in OP_CASES])
def test_each_op_matches_central_differences(op: str, shapes) -> None:
    rng = np.random.default_rng(7)
    arrays = [rng.normal(size=s) for s in shapes]
    g = Graph()
    ids = [g.tensor(a) for a in arrays]
    out = getattr(g, op)(*ids)
    up = rng.normal(size=g.run_eval(out).shape)
    g.run_grad(out, up)
    for which, i in enumerate(ids):
        f = engine_function(op, shapes, which, arrays, up)
        J = ad.finite_difference(f, arrays[which], 1e-6, method="central")
        np.testing.assert_allclose(g.grad[i], J, atol=1e-7)


# ------------------------------------------------------ random graphs with reuse


@st.composite
def programs(draw: st.DrawFn):
    """A random DAG over k x k matrices and k-vectors, operands reused at will."""
    k = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from([(k, k), (k,)])) for _ in range(draw(st.integers(1, 3)))]
    calls: list[tuple[str, tuple[int, ...]]] = [("tensor", ())] * len(shapes)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["add", "matmul", "relu", "sigmoid"]))
        if op in ("relu", "sigmoid"):
            calls.append((op, (draw(st.integers(0, len(calls) - 1)),)))
            shapes.append(shapes[calls[-1][1][0]])
            continue
        a = draw(st.integers(0, len(calls) - 1))
        b = draw(st.integers(0, len(calls) - 1))
        if op == "matmul" and shapes[a] == shapes[b] == (k,):
            op = "add"  # keep every value at least 1-D
        calls.append((op, (a, b)))
        square = [shapes[a] == (k, k), shapes[b] == (k, k)]
        shapes.append((k, k) if (any(square) if op == "add" else all(square)) else (k,))
    calls.append(("sum", (len(calls) - 1,)))
    return shapes, calls, draw(st.integers(0, 10**6))


@given(programs())
@settings(max_examples=80, deadline=None)
def test_random_dags_with_reuse_match_torch(program) -> None:
    shapes, calls, seed = program
    rng = np.random.default_rng(seed)
    g, values = Graph(), []
    for i, (op, children) in enumerate(calls):
        if op == "tensor":
            array = rng.normal(size=shapes[i])
            g.tensor(array)
            values.append(torch.tensor(array, requires_grad=True))
        else:
            getattr(g, op)(*children)
            values.append(getattr(TorchOps, op)(*(values[c] for c in children)))
            values[-1].retain_grad()
    out = len(calls) - 1
    np.testing.assert_allclose(g.run_eval(out), values[-1].item(), rtol=1e-12)
    g.run_grad(out)
    values[-1].backward()
    for i, t in enumerate(values):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(g.grad[i], expected, rtol=1e-10, atol=1e-10)
    assert [g.shape[i] for i in range(out)] == shapes


# ------------------------------------------------------------ the spec's examples


def test_two_layer_network_with_a_batch() -> None:
    rng = np.random.default_rng(0)
    shapes = [(64, 10), (10, 7), (7,), (7, 3), (3,)]

    def net(ops, *params):
        x, w1, b1, w2, b2 = params
        return ops.add(ops.matmul(ops.relu(ops.add(ops.matmul(x, w1), b1)), w2), b2)

    g = helper_test_op(shapes, net, seed=11)
    assert len(g) == 10  # 5 variables and 5 operations, as the spec infers
    assert g.op[5:] == ["matmul", "add", "relu", "matmul", "add"]
    # The bias gradient is the upstream summed over the batch.
    up = rng.normal(size=(64, 3))
    g.run_grad(9, up)
    np.testing.assert_allclose(g.grad[4], up.sum(axis=0))


def test_spec_part_f_numbers() -> None:
    w, A = np.array([1.0, 2.0, 3.0]), np.array([[1.0, 2], [3, 4], [5, 6]])
    g = Graph()
    wi, Ai = g.tensor(w, name="w"), g.tensor(A, name="A")
    y = g.matmul(wi, Ai)
    assert g.run_eval(y).tolist() == [22.0, 28.0]
    for j, (dw, dA) in enumerate(
        [([1, 3, 5], [[1, 0], [2, 0], [3, 0]]), ([2, 4, 6], [[0, 1], [0, 2], [0, 3]])]
    ):
        up = np.eye(2)[j]
        g.run_grad(y, up)
        assert g.grad[wi].tolist() == dw
        assert g.grad[Ai].tolist() == dA
        assert np.array_equal(g.grad[Ai], np.outer(w, up))

    def run(w_, A_):
        h = Graph()
        return h.run_eval(h.matmul(h.tensor(w_), h.tensor(A_)))

    for method in ("forward", "central"):
        Jw = ad.finite_difference(lambda v: run(v, A), w, 1e-3, method=method)
        np.testing.assert_allclose(Jw, A, atol=1e-9)  # rows [1, 2], [3, 4], [5, 6]
        JA = ad.finite_difference(lambda M: run(w, M), A, 1e-3, method=method)
        assert JA.shape == (3, 2, 2)
        for j in range(2):
            np.testing.assert_allclose(JA[..., j], np.outer(w, np.eye(2)[j]), atol=1e-9)


# ------------------------------------------------------------ the scaffold's errata


def test_accumulation_is_needed_for_a_shared_vertex() -> None:
    x = np.array([1.0, -2.0, 3.0])
    g = Graph()
    xi = g.tensor(x)
    y = g.add(xi, xi)
    assert g.parents[xi] == [y, y]  # two parents, not one
    g.run_eval(y)
    up = np.array([1.0, 2.0, 3.0])
    g.run_grad(y, up)
    np.testing.assert_array_equal(g.grad[xi], 2 * up)
    g.run_grad(y, up, accumulate=False)
    np.testing.assert_array_equal(g.grad[xi], up)  # the scaffold's "=" loses a term


def test_accumulation_with_matmul_reuse_matches_torch_and_overwrite_does_not() -> None:
    rng = np.random.default_rng(3)
    X, up = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    g = Graph()
    xi = g.tensor(X)
    y = g.matmul(xi, xi)
    g.run_eval(y)
    t = torch.tensor(X, requires_grad=True)
    (t @ t).backward(torch.tensor(up))
    g.run_grad(y, up)
    np.testing.assert_allclose(g.grad[xi], t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g.grad[xi], up @ X.T + X.T @ up, atol=1e-12)
    g.run_grad(y, up, accumulate=False)
    np.testing.assert_allclose(g.grad[xi], X.T @ up)  # the last parent's term only
    assert not np.allclose(g.grad[xi], t.grad.numpy())


def test_overwrite_is_right_on_trees() -> None:
    # With one parent per vertex, "=" and "+=" agree: the scaffold's rule is a tree rule.
    rng = np.random.default_rng(4)
    g = Graph()
    x, w, b = (
        g.tensor(rng.normal(size=(2, 3))),
        g.tensor(rng.normal(size=(3, 2))),
        g.tensor([1.0, 2]),
    )
    out = g.sum(g.sigmoid(g.add(g.matmul(x, w), b)))
    assert all(len(p) <= 1 for p in g.parents)
    g.run_eval(out)
    g.run_grad(out)
    exact = [g.grad[i].copy() for i in range(len(g))]
    g.run_grad(out, accumulate=False)
    for i in range(len(g)):
        np.testing.assert_array_equal(g.grad[i], exact[i])


def test_scaffold_matmul_formula_on_1d_vectors() -> None:
    w, A = np.array([1.0, 2.0, 3.0]), np.array([[1.0, 2], [3, 4], [5, 6]])
    with pytest.raises(ValueError, match=r"\.T does not transpose a 1-D array"):
        ad.scaffold_grads("matmul", [1.0, 0.0], w, A)
    w2, A2 = np.array([1.0, 2.0]), np.array([[1.0, 2], [3, 4]])
    gw, gA = ad.scaffold_grads("matmul", [1.0, 0.0], w2, A2)
    assert gA.shape == ()  # an inner product, where the outer product is needed
    np.testing.assert_array_equal(gw, [1.0, 3.0])  # the first-child formula is fine
    g = Graph()
    wi, Ai = g.tensor(w2), g.tensor(A2)
    y = g.matmul(wi, Ai)
    g.run_eval(y)
    g.run_grad(y, [1.0, 0.0])
    np.testing.assert_array_equal(g.grad[Ai], np.outer(w2, [1.0, 0.0]))
    # With 2-D row vectors the literal formulas are right.
    gw, gA = ad.scaffold_grads("matmul", [[1.0, 0.0]], w2[None, :], A2)
    np.testing.assert_array_equal(gA, np.outer(w2, [1.0, 0.0]))


def test_scaffold_add_formula_misses_the_bias_sum() -> None:
    up = np.ones((4, 3))
    _, gb = ad.scaffold_grads("add", up, np.zeros((4, 3)), np.zeros(3))
    assert gb.shape == (4, 3)  # not the bias's shape (3,)
    g = Graph()
    x, b = g.tensor(np.zeros((4, 3))), g.tensor(np.zeros(3))
    c = g.add(x, b)
    g.run_eval(c)
    g.run_grad(c, up)
    np.testing.assert_array_equal(g.grad[b], [4.0, 4.0, 4.0])


# ---------------------------------------------------------------- orders


def small_graph() -> Graph:
    """x, W -> h = relu(x W) -> out = sum(h + x W): a reused matmul, 6 vertices."""
    g = Graph()
    x, w = g.tensor([[1.0, -2.0]]), g.tensor([[0.5, -1.0], [2.0, 0.25]])
    xw = g.matmul(x, w)
    h = g.relu(xw)
    g.sum(g.add(h, xw))
    return g


def ops_respect(g: Graph, order, reverse: bool) -> bool:
    """Brute-force witness: every op vertex is visited after (before) its op children."""
    seq = list(reversed(order)) if reverse else list(order)
    pos = {v: i for i, v in enumerate(seq)}
    return all(
        pos[c] < pos[v]
        for v in seq
        if g.op[v] != "tensor"
        for c in g.children[v]
        if g.op[c] != "tensor"
    )


def test_every_order_either_matches_or_fails_clearly() -> None:
    g = small_graph()
    out = len(g) - 1
    value = g.run_eval(out)
    g.run_grad(out)
    grads = [g.grad[i].copy() for i in range(len(g))]
    seen = {True: 0, False: 0}
    for order in itertools.permutations(range(len(g))):
        if ops_respect(g, order, reverse=False):
            np.testing.assert_array_equal(g.run_eval(out, order=order), value)
        else:
            with pytest.raises(ValueError, match="order is not topological"):
                g.run_eval(out, order=order)
            g.run_eval(out)
        if ops_respect(g, order, reverse=True):
            g.run_grad(out, order=order)
            for i in range(len(g)):
                np.testing.assert_array_equal(g.grad[i], grads[i])
        else:
            with pytest.raises(ValueError, match="order is not reverse topological"):
                g.run_grad(out, order=order)
        seen[ops_respect(g, order, reverse=False)] += 1
    assert seen[True]
    assert seen[False]


def test_all_networkx_topological_sorts_give_the_same_results() -> None:
    rng = np.random.default_rng(5)
    g = Graph()
    x, w1, b1 = (
        g.tensor(rng.normal(size=(4, 3))),
        g.tensor(rng.normal(size=(3, 5))),
        g.tensor(rng.normal(size=5)),
    )
    w2, b2 = g.tensor(rng.normal(size=(5, 2))), g.tensor(rng.normal(size=2))
    out = g.add(g.matmul(g.relu(g.add(g.matmul(x, w1), b1)), w2), b2)
    up = rng.normal(size=(4, 2))
    value = g.run_eval(out)
    g.run_grad(out, up)
    grads = [g.grad[i].copy() for i in range(len(g))]
    sorts = itertools.islice(nx.all_topological_sorts(ad.to_networkx(g)), 300)
    for order in sorts:
        assert ad.is_topological(g, order)
        np.testing.assert_array_equal(g.run_eval(out, order=order), value)
        g.run_grad(out, up, order=list(reversed(order)))
        for i in range(len(g)):
            np.testing.assert_array_equal(g.grad[i], grads[i])


def test_is_topological_matches_networkx_on_every_small_graph() -> None:
    for g in ad.all_graphs(4):
        G = ad.to_networkx(g)
        expected = {tuple(order) for order in nx.all_topological_sorts(G)}
        found = {p for p in itertools.permutations(range(len(g))) if ad.is_topological(g, p)}
        assert found == expected


def test_ids_are_a_topological_order_of_every_graph_up_to_five_calls() -> None:
    count = 0
    for g in ad.all_graphs(5):
        count += 1
        assert ad.is_topological(g, range(len(g)))
        assert all(c < i for i in range(len(g)) for c in g.children[i])
        uses: list[list[int]] = [[] for _ in range(len(g))]  # one entry per use
        for i in range(len(g)):
            for child in g.children[i]:
                uses[child].append(i)
        assert g.parents == uses
    assert count == 100423


def test_enumeration_counts() -> None:
    by_size: dict[int, int] = {}
    no_sum: dict[int, int] = {}
    for g in ad.all_graphs(4):
        by_size[len(g)] = by_size.get(len(g), 0) + 1
        if "sum" not in g.op:
            no_sum[len(g)] = no_sum.get(len(g), 0) + 1
    for m in range(1, 5):
        # Without sum every call is accepted: 1 tensor + 2 k^2 binary + 2 k unary at vertex k.
        assert no_sum[m] == math.prod(1 + 2 * k + 2 * k * k for k in range(m))
        assert no_sum[m] <= by_size[m] <= math.factorial(2 * m) // 2**m
    assert by_size == {1: 1, 2: 6, 3: 87, 4: 2311}


def test_prefixes_of_graphs_are_graphs() -> None:
    keys = {tuple(zip(g.op, g.children, strict=True)) for g in ad.all_graphs(4)}
    assert all(key[:-1] in keys for key in keys if len(key) > 1)


# ------------------------------------------------------- finite differences


def test_float32_with_tiny_epsilon_is_unsound() -> None:
    x, exact = [1.0], [[math.cos(1.0)]]
    err32 = ad.difference_errors(np.sin, x, exact, [1e-6], method="forward", dtype=np.float32)[0]
    err64 = ad.difference_errors(np.sin, x, exact, [1e-6], method="forward", dtype=np.float64)[0]
    assert err32 > 1e-2  # rounding ~ u/eps with u ~ 6e-8
    assert err64 < 1e-6
    u32 = np.finfo(np.float32).eps / 2
    assert err32 > 0.1 * u32 / 1e-6


def test_error_curves_are_v_shaped_with_the_textbook_minima() -> None:
    eps = np.logspace(-12, -1, 45)
    x, exact = [1.0], [[math.cos(1.0)]]
    for method, best in (("forward", 1e-8), ("central", 1e-5)):
        errors = ad.difference_errors(np.sin, x, exact, eps, method=method)
        where = eps[np.argmin(errors)]
        assert best / 30 < where < best * 30  # sqrt(u) forward, cbrt(u) central
        assert errors[0] > errors.min() * 100
        assert errors[-1] > errors.min() * 100


def test_central_beats_forward_at_the_spec_epsilon() -> None:
    x, exact = [0.3], [[math.cos(0.3)]]
    fwd = ad.difference_errors(np.sin, x, exact, [1e-3], method="forward")[0]
    cen = ad.difference_errors(np.sin, x, exact, [1e-3], method="central")[0]
    assert cen < fwd / 100


def test_finite_difference_accepts_dtype_objects() -> None:
    J = ad.finite_difference(np.sin, [0.0], 1e-3, dtype=np.dtype("float32"))
    assert J.dtype == np.float64
    assert abs(J[0, 0] - 1) < 1e-3


# ------------------------------------------------------------------- bad input


def _g(*values):
    g = Graph()
    for v in values:
        g.tensor(v)
    return g


def _overflowing_add():
    g = _g([1e308])
    g.add(0, 0)
    return g


def _evaluated_add():
    g = _g([1.0, 2.0])
    out = g.add(0, 0)
    g.run_eval(out)
    return g, out


BAD_INPUT = [
    (lambda: _g("abc"), TypeError, "value"),
    (lambda: _g(None), TypeError, "value"),
    (lambda: _g([1.0, float("nan")]), ValueError, "value"),
    (lambda: _g([1.0, float("inf")]), ValueError, "value"),
    (lambda: _g([]), ValueError, "value"),
    (lambda: _g(np.ones((2, 2, 2))), ValueError, "value must be 0-, 1- or 2-D"),
    (lambda: _g([True, False]), TypeError, "value"),
    (lambda: _g([[1.0], [1.0, 2.0]]), ValueError, "value"),
    (lambda: Graph().tensor(1.0, name=3), TypeError, "name"),
    (lambda: _g(1.0).add(0, 5), ValueError, "b must be a vertex ID"),
    (lambda: _g(1.0).add(True, 0), TypeError, "a must be an integer"),
    (lambda: _g(1.0).add(0.0, 0), TypeError, "a must be an integer"),
    (lambda: _g(1.0).relu(-1), ValueError, "a must be >= 0"),
    (lambda: _g(1.0).sigmoid("0"), TypeError, "a must be an integer"),
    (lambda: _g(np.ones((2, 3)), np.ones(4)).add(0, 1), ValueError, "broadcastable"),
    (lambda: _g(np.ones((2, 3)), np.ones((2, 3))).matmul(0, 1), ValueError, "inner dimensions"),
    (lambda: _g(1.0, np.ones(1)).matmul(0, 1), ValueError, "1-D or 2-D"),
    (lambda: _g(1.0).run_eval(3), ValueError, "output must be a vertex ID"),
    (lambda: Graph().run_eval(0), ValueError, "output must be a vertex ID"),
    (lambda: _g(1.0).run_eval(0, order="0"), TypeError, "order"),
    (lambda: _g(1.0).run_eval(0, order=[1]), ValueError, "permutation"),
    (lambda: _g(1.0).run_eval(0, order=[True]), TypeError, "order entries"),
    (lambda: _g(1.0).run_eval(0, order=5), TypeError, "order"),
    (lambda: _overflowing_add().run_eval(1), ValueError, "not finite"),
    (lambda: _overflowing_add().run_grad(1, [1.0]), ValueError, "run_eval"),
    (lambda: _evaluated_add()[0].run_grad(1, [1.0]), ValueError, "upstream must have the shape"),
    (lambda: _evaluated_add()[0].run_grad(1, [1.0, np.nan]), ValueError, "upstream"),
    (lambda: _evaluated_add()[0].run_grad(1), ValueError, "upstream is required"),
    (lambda: _evaluated_add()[0].run_grad(1, "ab"), TypeError, "upstream"),
    (lambda: _evaluated_add()[0].run_grad(1, [1.0, 1.0], accumulate=1), TypeError, "accumulate"),
    (lambda: _evaluated_add()[0].run_grad(1, [1.0, 1.0], order=[0, 0]), ValueError, "permutation"),
    (lambda: _evaluated_add()[0].run_grad(1, [1e308, 1e308]), ValueError, "not finite"),
    (lambda: ad.scaffold_grads("mul", [1.0], [1.0], [1.0]), ValueError, "op"),
    (lambda: ad.scaffold_grads("add", "x", [1.0], [1.0]), TypeError, "upstream"),
    (lambda: ad.is_topological("g", [0]), TypeError, "graph"),
    (lambda: ad.is_topological(Graph(), [0]), ValueError, "graph"),
    (lambda: ad.is_topological(_g(1.0), [1]), ValueError, "permutation"),
    (lambda: ad.is_topological(_g(1.0), None), TypeError, "order"),
    (lambda: ad.to_networkx([1]), TypeError, "graph"),
    (lambda: list(ad.all_graphs(6)), ValueError, "max_vertices must be at most 5"),
    (lambda: list(ad.all_graphs(0)), ValueError, "max_vertices"),
    (lambda: list(ad.all_graphs(2.0)), TypeError, "max_vertices"),
    (lambda: ad.finite_difference(5, [1.0], 1e-3), TypeError, "f must be callable"),
    (lambda: ad.finite_difference(np.sin, [1.0], 0), ValueError, "eps"),
    (lambda: ad.finite_difference(np.sin, [1.0], float("nan")), ValueError, "eps"),
    (lambda: ad.finite_difference(np.sin, [1.0], True), TypeError, "eps"),
    (lambda: ad.finite_difference(np.sin, [1.0], 1e-3, method="backward"), ValueError, "method"),
    (lambda: ad.finite_difference(np.sin, [1.0], 1e-3, dtype=np.int32), ValueError, "dtype"),
    (lambda: ad.finite_difference(np.sin, [1.0], 1e-3, dtype=None), ValueError, "dtype"),
    (lambda: ad.finite_difference(np.sin, [], 1e-3), ValueError, "x"),
    (lambda: ad.finite_difference(np.log, [0.0], 1e-3), ValueError, "f\\(x\\)"),
    (lambda: ad.finite_difference(lambda z: z[z > 0], [0.0], 1e-3), ValueError, "f\\(x\\)"),
    (lambda: ad.finite_difference(np.sin, np.zeros(10**5), 1e-3), ValueError, "evaluations"),
    (lambda: ad.difference_errors(np.sin, [1.0], [1.0, 2.0], [1e-3]), ValueError, "exact"),
    (lambda: ad.difference_errors(np.sin, [1.0], [[1.0]], [[1e-3]]), ValueError, "epsilons"),
    (lambda: ad.difference_errors(np.sin, [1.0], [[1.0]], [-1e-3]), ValueError, "eps"),
    (lambda: ad.difference_errors(np.sin, [1.0], [[1.0]], np.ones(10**4)), ValueError, "epsilons"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), BAD_INPUT, ids=[f"{k}-{m}" for k, (_, _, m) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error, match) -> None:
    with np.errstate(divide="ignore"), pytest.raises(error, match=match):
        call()


junk = st.one_of(
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.just([]),
    st.just([[1.0], [2.0, 3.0]]),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.sampled_from([float("nan"), float("inf"), -float("inf")]), min_size=1, max_size=3),
    st.lists(st.booleans(), min_size=1, max_size=3),
)


@given(junk)
@settings(max_examples=60, deadline=None)
def test_junk_values_are_rejected_by_name(value) -> None:
    with pytest.raises((TypeError, ValueError), match="value"):
        Graph().tensor(value)


@given(st.one_of(junk, st.integers(max_value=-1), st.integers(min_value=2), st.floats()))
@settings(max_examples=60, deadline=None)
def test_junk_vertex_ids_are_rejected_by_name(vertex) -> None:
    g = _g([1.0], [2.0])
    with pytest.raises((TypeError, ValueError), match=r"^b "):
        g.add(0, vertex)
    with pytest.raises((TypeError, ValueError), match=r"^output "):
        g.run_eval(vertex)


def test_run_eval_returns_a_copy() -> None:
    g = _g([1.0, 2.0])
    out = g.relu(0)
    value = g.run_eval(out)
    value[0] = 99.0
    assert g.value[out].tolist() == [1.0, 2.0]


def test_gradient_zero_for_unused_vertices_and_missing_above_output() -> None:
    g = _g([1.0], [2.0])
    a = g.relu(0)
    b = g.relu(1)  # noqa: F841 (a vertex the output ignores)
    c = g.add(a, a)
    top = g.sigmoid(c)
    g.run_eval(top)
    g.run_grad(c, [1.0])
    assert g.grad[1].tolist() == [0.0]
    assert g.grad[0].tolist() == [2.0]
    assert g.grad[top] is None


def test_difference_errors_names_the_shape_and_the_steps() -> None:
    from dlhw.autodiff import difference_errors

    with pytest.raises(ValueError, match=r"exact must have shape x\.shape \+ f\(x\)\.shape"):
        difference_errors(np.sin, [1.0, 2.0], np.zeros((2,)), [1e-3])
    with pytest.raises(ValueError, match="epsilons must be a non-empty array of steps > 0"):
        difference_errors(np.sin, [1.0], [[1.0]], [-1e-3])
