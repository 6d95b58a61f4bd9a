"""Benchmark: the remat chapter's exhaustive checks and its largest computations."""

from __future__ import annotations

from typing import Any

from dlhw import remat as rm


def closed_forms_vs_simulator() -> bool:
    """Every L <= 30, every spacing, both conventions and rebuild rules (the chapter's check)."""
    return all(
        rm.simulate_backward(
            L, rm.uniform_checkpoints(L, c), convention=conv, rebuild=rebuild
        ).counts
        == rm.uniform_counts(L, c, convention=conv, rebuild=rebuild)
        for L in range(1, 31)
        for c in range(1, L + 2)
        for conv in ("output", "input")
        for rebuild in ("layer", "segment")
    )


def test_closed_forms_vs_simulator(benchmark: Any) -> None:
    assert benchmark.pedantic(closed_forms_vs_simulator, rounds=3, iterations=1)


def test_simulate_1000_layers(benchmark: Any) -> None:
    counts = benchmark(lambda: rm.simulate_backward(1000, rm.uniform_checkpoints(1000, 32)).counts)
    assert counts == rm.uniform_counts(1000, 32)


def test_static_dp_400_layers(benchmark: Any) -> None:
    cost, chosen = benchmark.pedantic(
        rm.best_static_checkpoints, args=(400, 20), rounds=3, iterations=1
    )
    assert len(chosen) == 20
    assert cost <= rm.uniform_counts(400, 20).fwd


def test_revolve_400_layers(benchmark: Any) -> None:
    cost = benchmark.pedantic(rm.revolve_cost, args=(400, 10), rounds=3, iterations=1)
    assert cost == rm.griewank_cost(400, 11)


def test_revolve_search_8_layers(benchmark: Any) -> None:
    cost = benchmark.pedantic(rm.revolve_by_search, args=(8, 3), rounds=3, iterations=1)
    assert cost == rm.revolve_cost(8, 3)
