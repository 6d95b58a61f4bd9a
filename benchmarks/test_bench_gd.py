"""Benchmark: gradient descent on least squares (the gd-rates chapter)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlhw import gd


def test_gd_10k_steps_1000x100(benchmark: Any) -> None:
    """10⁴ steps of GD on a 1,000 × 100 problem, iterates and losses (target ≤ 1 s)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 100))
    y = rng.normal(size=1000)
    eta = gd.optimal_step(X)
    W, L = benchmark.pedantic(gd.gd, args=(X, y, eta, 10_000), rounds=5, iterations=1)
    assert W.shape == (10_001, 100)
    assert np.isclose(L[-1], gd.losses(X, y, gd.least_squares_solution(X, y)))


def test_heavy_ball_10k_steps_1000x100(benchmark: Any) -> None:
    """10⁴ steps of heavy-ball momentum on the same problem."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 100))
    y = rng.normal(size=1000)
    W, _ = benchmark.pedantic(gd.heavy_ball, args=(X, y, 10_000), rounds=5, iterations=1)
    assert np.allclose(W[-1], gd.least_squares_solution(X, y))
