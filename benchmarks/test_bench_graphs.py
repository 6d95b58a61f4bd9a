"""Benchmark: the exhaustive walk check of the walks chapter."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlhw import graphs


def exhaustive_walk_check() -> bool:
    """All 1,024 graphs on 5 vertices, lengths 0..6: matrix powers vs enumeration."""
    family = graphs.all_graphs(5)
    return all(
        np.array_equal(graphs.count_walks(family, k), graphs.walk_counts_by_enumeration(family, k))
        for k in range(7)
    )


def test_exhaustive_walk_check(benchmark: Any) -> None:
    assert benchmark.pedantic(exhaustive_walk_check, rounds=3, iterations=1)
