"""Benchmarks of the graph and set chapters: GNN rules, the GCN, point clouds, clustering."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlhw import gnn, pointclouds, spectral


def exhaustive_orderings() -> int:
    """Every ordering of the neighbours, degrees 1..8, all three rules: the (a) check."""
    rng = np.random.default_rng(0)
    invariant = 0
    for degree in range(1, 9):
        s = rng.integers(-5, 6, size=4).astype(float)
        m = rng.integers(-5, 6, size=(degree, 4)).astype(float)
        for rule in (gnn.rule_mean, gnn.rule_indexed_max, gnn.rule_shared_max):
            w = np.arange(1.0, gnn.weights_needed(rule, degree) + 1)
            out = gnn.outputs_over_orderings(rule, s, m, w)
            invariant += bool(np.all(out == out[0]))
    return invariant


def test_exhaustive_orderings_up_to_degree_8(benchmark: Any) -> None:
    # Rules (i) and (iii) at every degree, rule (ii) only at degree 1.
    assert benchmark.pedantic(exhaustive_orderings, rounds=3, iterations=1) == 17


def residual_on_a_large_graph() -> float:
    rng = np.random.default_rng(0)
    n, d, k = 2000, 16, 32
    upper = np.triu(rng.random((n, n)) < 0.005, 1)
    A = (upper | upper.T).astype(int)
    A[np.arange(n), (np.arange(n) + 1) % n] = A[(np.arange(n) + 1) % n, np.arange(n)] = 1
    S = rng.normal(size=(n, d))
    run = gnn.residual_message_passing(
        A, S, rng.normal(size=(d, k)) / k, rng.normal(size=(k, d)), 10
    )
    return float(np.abs(run[-1]).max())


def test_residual_rule_2000_nodes_10_layers(benchmark: Any) -> None:
    assert np.isfinite(benchmark.pedantic(residual_on_a_large_graph, rounds=3, iterations=1))


def karate_training() -> float:
    A, y = gnn.karate_club()
    return gnn.train_gcn(A, y, seed=0).test_accuracy


def test_karate_gcn_400_epochs(benchmark: Any) -> None:
    assert benchmark.pedantic(karate_training, rounds=3, iterations=1) == 1.0


def farthest_points() -> float:
    X = np.random.default_rng(0).normal(size=(5000, 2))
    return pointclouds.coverage_radius(X, pointclouds.farthest_point_sampling(X, seed=0))


def test_farthest_point_sampling_5000_points(benchmark: Any) -> None:
    assert benchmark.pedantic(farthest_points, rounds=3, iterations=1) > 0


def gonzalez_exhaustive() -> float:
    """Worst ratio greedy / optimum over 20 clouds of 12 points, every k and start."""
    worst = 0.0
    for seed in range(20):
        X = np.random.default_rng(seed).normal(size=(12, 2))
        for k in range(1, 7):
            best, _ = pointclouds.optimal_k_centre(X, k)
            for start in range(12):
                greedy = pointclouds.farthest_point_sampling(X, k, start=start)
                worst = max(worst, pointclouds.coverage_radius(X, greedy) / best)
    return worst


def test_gonzalez_bound_exhaustively(benchmark: Any) -> None:
    assert benchmark.pedantic(gonzalez_exhaustive, rounds=1, iterations=1) <= 2.0


def grouping_orderings() -> float:
    X = np.random.default_rng(0).normal(size=(6, 2))
    W = np.random.default_rng(1).normal(size=(6, 4))
    return pointclouds.invariance_gap(X, "knn_sorted", W, pointclouds.all_orderings(6), m=2)


def test_grouping_all_720_orderings(benchmark: Any) -> None:
    assert benchmark.pedantic(grouping_orderings, rounds=3, iterations=1) < 1e-12


def clustering_pipelines() -> dict[str, float]:
    X, y = spectral.three_clusters(seed=0)
    return spectral.pipeline_scores(X, y, seed=0)


def test_four_clustering_pipelines_510_points(benchmark: Any) -> None:
    scores = benchmark.pedantic(clustering_pipelines, rounds=3, iterations=1)
    assert scores["njw"] == 1.0
