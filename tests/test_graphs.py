"""Walk counting: matrix powers, enumeration, the linear GNN, and bad input."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlhw import graphs


def random_graph(n: int, p: float, seed: int) -> np.ndarray:
    return nx.to_numpy_array(nx.gnp_random_graph(n, p, seed=seed), nodelist=range(n), dtype=int)


@st.composite
def adjacency_matrices(draw: st.DrawFn, max_n: int = 5) -> np.ndarray:
    n = draw(st.integers(1, max_n))
    upper = draw(hnp.arrays(np.int64, (n, n), elements=st.integers(0, 1)))
    upper = np.triu(upper, 1)
    return upper + upper.T


@given(adjacency_matrices(), st.integers(0, 5))
@settings(max_examples=60, deadline=None)
def test_powers_equal_enumeration(A: np.ndarray, k: int) -> None:
    assert np.array_equal(graphs.count_walks(A, k), graphs.walk_counts_by_enumeration(A, k))


@given(adjacency_matrices(), st.integers(0, 5))
@settings(max_examples=60, deadline=None)
def test_gnn_sum_and_max(A: np.ndarray, k: int) -> None:
    power = graphs.count_walks(A, k)
    assert np.array_equal(graphs.linear_gnn(A, k)[k], power)
    assert np.array_equal(graphs.linear_gnn(A, k, aggregate="max")[k], (power > 0).astype(int))
    assert np.array_equal(graphs.reachable_within(A, k), (power > 0).astype(int))


def test_enumerator_is_independent_of_matrix_power() -> None:
    # Explicit walk lists agree with both counts, on a graph with a loop-free cycle.
    A = random_graph(6, 0.5, seed=1)
    W = graphs.walk_counts_by_enumeration(A, 4)
    for i in range(6):
        for j in range(6):
            listed = list(graphs.walks(A, i, j, 4))
            assert len(listed) == W[i, j]
            assert all(A[a, b] for w in listed for a, b in itertools.pairwise(w))


def test_batched_counts_match_single() -> None:
    family = graphs.all_graphs(4)
    batched = graphs.walk_counts_by_enumeration(family, 3)
    for g, A in enumerate(family):
        assert np.array_equal(batched[g], graphs.count_walks(A, 3))


def test_all_graphs_are_distinct_and_symmetric() -> None:
    family = graphs.all_graphs(4)
    assert len({g.tobytes() for g in family}) == 2**6
    assert np.array_equal(family, np.swapaxes(family, 1, 2))
    assert not family[:, range(4), range(4)].any()


def test_all_directed_graphs_are_distinct_and_loop_free() -> None:
    family = graphs.all_graphs(3, directed=True)
    assert family.shape == (2**6, 3, 3)
    assert len({g.tobytes() for g in family}) == 2**6
    assert not family[:, range(3), range(3)].any()
    symmetric = np.array([np.array_equal(g, g.T) for g in family])
    assert symmetric.sum() == 2**3  # one per undirected graph on 3 vertices
    assert len(graphs.all_graphs(4, directed=True)) == 2**12


def test_directed_channels_count_walks_from_i_to_j() -> None:
    # Channel i of node j counts walks i -> j along edge directions: H_k = (A^T)^k.
    family = graphs.all_graphs(3, directed=True)
    for A in family:
        H = graphs.linear_gnn(A, 3, directed=True)
        for k in range(4):
            W = graphs.walk_counts_by_enumeration(A, k, directed=True)
            assert np.array_equal(H[k], W.T)


def test_count_walks_agrees_with_networkx() -> None:
    for seed in range(5):
        G = nx.gnp_random_graph(9, 0.4, seed=seed)
        A = nx.to_numpy_array(G, nodelist=range(9), dtype=int)
        theirs = nx.number_of_walks(G, 5)
        ours = graphs.count_walks(A, 5)
        assert all(ours[u, v] == theirs[u][v] for u in G for v in G)


def test_int64_overflow_switches_to_exact_integers() -> None:
    K10 = np.ones((10, 10), dtype=int) - np.eye(10, dtype=int)
    W = graphs.count_walks(K10, 30)
    assert W.dtype == object
    assert W[0, 0] == (9**30 + 9) // 10
    assert W[0, 1] == (9**30 - 1) // 10
    assert W[0, 0] > np.iinfo(np.int64).max
    # A plain int64 power silently overflows here: the guard is needed.
    assert np.linalg.matrix_power(K10.astype(np.int64), 30)[0, 0] != W[0, 0]
    small = graphs.count_walks(K10, 5)
    assert small.dtype == np.int64


def test_gnn_sum_overflow_is_exact() -> None:
    K10 = np.ones((10, 10), dtype=int) - np.eye(10, dtype=int)
    H = graphs.linear_gnn(K10, 30)
    assert H[30][0, 0] == (9**30 + 9) // 10


def test_directed_orientation() -> None:
    cycle = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    H1 = graphs.linear_gnn(cycle, 1, directed=True)[1]
    assert np.array_equal(H1, cycle.T)  # column j of A, not row j
    assert np.array_equal(
        graphs.count_walks(cycle, 2, directed=True),
        graphs.walk_counts_by_enumeration(cycle, 2, directed=True),
    )


def test_max_aggregation_isolated_vertex_outputs_zero() -> None:
    A = np.zeros((3, 3), dtype=int)
    A[0, 1] = A[1, 0] = 1
    H = graphs.linear_gnn(A, 3, aggregate="max")
    assert not H[1:, 2].any()


def test_walks_lists_triangle_returns() -> None:
    triangle = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
    assert list(graphs.walks(triangle, 0, 0, 2)) == [(0, 1, 0), (0, 2, 0)]
    assert list(graphs.walks(triangle, 0, 0, 0)) == [(0,)]


@pytest.mark.parametrize(
    ("adjacency", "error", "match"),
    [
        ([[0, 1, 0], [1, 0, 1]], ValueError, "square"),
        (np.zeros((0, 0)), ValueError, "at least one vertex"),
        ([[0, 2], [2, 0]], ValueError, "only 0 and 1"),
        ([[0, 1], [0, 0]], ValueError, "symmetric"),
        ([[0, np.nan], [np.nan, 0]], ValueError, "NaN"),
        ([[0, 0.5], [0.5, 0]], ValueError, "only 0 and 1"),
        ("graph", TypeError, "square 0/1 array"),
        (None, TypeError, "square 0/1 array"),
        ([["a", "b"], ["c", "d"]], TypeError, "numbers"),
        (np.zeros(3), ValueError, "square"),
    ],
)
def test_bad_adjacency(adjacency: object, error: type[Exception], match: str) -> None:
    for fn in (graphs.count_walks, graphs.walk_counts_by_enumeration, graphs.linear_gnn):
        with pytest.raises(error, match=match):
            fn(adjacency, 2)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("length", "error", "match"),
    [
        (-1, ValueError, "length must be >= 0"),
        (1.5, TypeError, "length must be an integer"),
        (True, TypeError, "length must be an integer"),
        ("2", TypeError, "length"),
    ],
)
def test_bad_length(length: object, error: type[Exception], match: str) -> None:
    A = [[0, 1], [1, 0]]
    with pytest.raises(error, match=match):
        graphs.count_walks(A, length)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        graphs.walk_counts_by_enumeration(A, length)  # type: ignore[arg-type]


def test_other_bad_arguments() -> None:
    A = [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="layers must be >= 0"):
        graphs.linear_gnn(A, -1)
    with pytest.raises(ValueError, match="aggregate must be"):
        graphs.linear_gnn(A, 1, aggregate="mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="end must be a vertex"):
        list(graphs.walks(A, 0, 5, 1))
    with pytest.raises(ValueError, match="n must be at most"):
        graphs.all_graphs(7)
    with pytest.raises(ValueError, match="n must be at most 4 for directed"):
        graphs.all_graphs(5, directed=True)
    with pytest.raises(ValueError, match="vertex sequences"):
        graphs.walk_counts_by_enumeration(np.ones((10, 10), int) - np.eye(10, dtype=int), 7)
    with pytest.raises(ValueError, match="single"):
        graphs.linear_gnn(graphs.all_graphs(2), 1)


# --- guards, scale and the rewritten walk lister -------------------------------------------


def brute_force_walks(A: np.ndarray, start: int, end: int, k: int) -> list[tuple[int, ...]]:
    """Every vertex sequence in lexicographic order, kept if it is a walk: no search at all."""
    n = len(A)
    return (
        [
            (start, *middle, end)
            for middle in itertools.product(range(n), repeat=k - 1)
            if all(A[a, b] for a, b in itertools.pairwise((start, *middle, end)))
        ]
        if k
        else ([(start,)] if start == end else [])
    )


@given(adjacency_matrices(max_n=4), st.integers(0, 5), st.data())
@settings(max_examples=60, deadline=None)
def test_walks_are_the_brute_force_walks_in_order(
    A: np.ndarray, k: int, data: st.DataObject
) -> None:
    n = len(A)
    i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    assert list(graphs.walks(A, i, j, k)) == brute_force_walks(A, i, j, k)


def test_walks_refuse_bad_input_at_the_call() -> None:
    # a generator function would only complain at the first next(): walks checks first
    with pytest.raises(ValueError, match="end must be a vertex"):
        graphs.walks([[0, 1], [1, 0]], 0, 5, 1)
    with pytest.raises(TypeError, match="directed must be True or False"):
        graphs.walks([[0, 1], [1, 0]], 0, 1, 1, directed="no")  # type: ignore[arg-type]


def test_walks_long_lengths_need_no_recursion_and_no_exhaustive_search() -> None:
    path = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]])
    first = next(graphs.walks(path, 0, 2, 1000))  # depth 1000: beyond Python's recursion
    assert len(first) == 1001
    assert first[-1] == 2
    assert all(path[a, b] for a, b in itertools.pairwise(first))
    # the path is bipartite: no walk of even length joins 0 and 1, found without 2^998 steps
    assert list(graphs.walks(path, 0, 1, 998)) == []
    with pytest.raises(ValueError, match=r"MAX_WALK_LENGTH"):
        graphs.walks(path, 0, 1, graphs.MAX_WALK_LENGTH + 1)


@given(adjacency_matrices(), st.integers(0, 12))
@settings(max_examples=60, deadline=None)
def test_reachable_within_is_positive_counts(A: np.ndarray, k: int) -> None:
    assert np.array_equal(graphs.reachable_within(A, k), (graphs.count_walks(A, k) > 0))


def test_reachable_within_any_length() -> None:
    # K3 is not bipartite: from length 2 on every pair is joined; the path alternates
    K3 = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
    assert graphs.reachable_within(K3, 10**100).all()
    path = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    even = graphs.reachable_within(path, 2 * 10**50)
    assert np.array_equal(even, graphs.reachable_within(path, 2))
    stack = graphs.reachable_within(graphs.all_graphs(3), 7)
    assert np.array_equal(stack, graphs.count_walks(graphs.all_graphs(3), 7) > 0)


def test_exact_counts_guard_names_length_and_the_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    K3 = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
    with pytest.raises(ValueError, match=r"^length=1000000000 on an adjacency.*MAX_EXACT_WORK"):
        graphs.count_walks(K3, 10**9)
    # degree at most 1: counts stay 0/1 for every length, so no limit applies
    matching = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    assert np.array_equal(graphs.count_walks(matching, 10**18), np.eye(4, dtype=int))
    assert np.array_equal(graphs.count_walks(matching, 10**18 + 1), matching)
    # the limit is read at each call: lowering it refuses a small exact power
    assert graphs.count_walks(K3, 100)[0, 0] == (2**100 + 2) // 3
    monkeypatch.setattr(graphs, "MAX_EXACT_WORK", 10)
    with pytest.raises(ValueError, match="MAX_EXACT_WORK"):
        graphs.count_walks(K3, 100)


def test_enumeration_and_network_guards() -> None:
    single = np.zeros((1, 1), dtype=int)
    with pytest.raises(ValueError, match=r"^length must be <= 64 \(dlhw\.graphs\.MAX_ENUMERATION"):
        graphs.walk_counts_by_enumeration(single, 10**9)
    assert graphs.walk_counts_by_enumeration(np.ones((1, 1), int), 64)[0, 0] == 1
    with pytest.raises(ValueError, match=r"^length=3 on an adjacency of n = 300 vertices"):
        graphs.walk_counts_by_enumeration(np.ones((300, 300), int), 3)
    with pytest.raises(ValueError, match=r"^layers must be <= 10000 .*MAX_GNN_LAYERS"):
        graphs.linear_gnn([[0, 1], [1, 0]], 10**6)
    with pytest.raises(ValueError, match=r"^layers=9999 on an adjacency of n = 30 .*MAX_ENTRIES"):
        graphs.linear_gnn(np.ones((30, 30), int), 9999)
    with pytest.raises(TypeError, match="aggregate must be 'sum' or 'max'"):
        graphs.linear_gnn([[0, 1], [1, 0]], 1, aggregate=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("directed", ["no", "yes", 0, 1, None, 1.0, [True]])
def test_directed_must_be_a_boolean(directed: object) -> None:
    A = [[0, 1], [1, 0]]
    for call in (
        lambda: graphs.adjacency_matrix(A, directed=directed),  # type: ignore[arg-type]
        lambda: graphs.count_walks(A, 2, directed=directed),  # type: ignore[arg-type]
        lambda: graphs.walk_counts_by_enumeration(A, 2, directed=directed),  # type: ignore[arg-type]
        lambda: graphs.linear_gnn(A, 2, directed=directed),  # type: ignore[arg-type]
        lambda: graphs.reachable_within(A, 2, directed=directed),  # type: ignore[arg-type]
        lambda: graphs.all_graphs(2, directed=directed),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError, match=r"^directed must be True or False"):
            call()
    assert graphs.all_graphs(2, directed=np.True_).shape == (4, 2, 2)
