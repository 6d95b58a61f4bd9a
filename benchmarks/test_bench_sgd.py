"""Benchmark: 1,000 SGD trajectories of 10,000 steps at n = 20, d = 50 (target <= 5 s)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlhw import sgd


def many_trajectories() -> float:
    """Run the chapter's largest simulation once; return the mean final loss."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 50)), rng.normal(size=20)
    eta = 1.0 / (4.0 * float((X * X).sum(axis=1).max()))
    out = sgd.run_sgd(X, y, eta, 10_000, runs=1_000, seed=1)
    return float(out.loss[:, -1].mean())


def test_sgd_1000_runs_10000_steps(benchmark: Any) -> None:
    final = benchmark.pedantic(many_trajectories, rounds=3, iterations=1)
    assert final < 1e-10
