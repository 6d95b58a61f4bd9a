"""Benchmarks of the implicit-bias and deep-linear chapters' largest computations."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from dlhw import deep_linear as dl
from dlhw import implicit_bias as ib


def adagrad_bound_grid() -> float:
    """400 (eta, eps) pairs of the 2-D example, 20,000 AdaGrad steps each, at once."""
    etas = np.linspace(0.05, 2 / 3, 20)[:, None]
    epss = np.logspace(-4, 2, 20)[None, :]
    w = ib.two_d_adagrad(etas, epss, 20_000)
    return float(np.abs(w @ [2.0, 1.0] - 2.0).max())


def long_sgd_path() -> float:
    """100,000 single-sample SGD steps on a 20 x 100 problem, every iterate recorded."""
    rng = np.random.default_rng(0)
    X, t = rng.normal(size=(20, 100)), rng.normal(size=20)
    eta = 0.25 / float(np.max(np.sum(X**2, axis=1)))
    run = ib.sgd_path(X, t, eta, 100_000, seed=1)
    return float(np.abs(run.w[-1] - np.linalg.pinv(X) @ t).max())


def double_descent_curve() -> int:
    """The chapter's curve: n = 15, 48 degrees up to 300, 100 trials."""
    degrees = np.r_[np.arange(0, 41), [50, 60, 80, 100, 150, 200, 300]]
    out = ib.double_descent(15, degrees, trials=100, seed=0)
    return int(out.degrees[np.argmax(out.median_test)])


def saddle_to_saddle() -> float:
    """Gradient descent on a depth-3 linear network from a small start, 6,000 steps."""
    X, Y = dl.teacher_data(50, 5, 4, [4.0, 2.0, 1.0, 0.5], seed=0)
    run = dl.train_deep_linear(
        X, Y, (5, 6, 6, 4), eta=0.02 / 50, steps=6_000, init_scale=0.05, seed=0
    )
    return float(run.loss[-1])


def exhaustive_capacity() -> int:
    """Every 2 x 2 matrix over {-1, 0, 1} against every width profile of depth <= 3."""
    profiles = [w for L in (1, 2, 3) for w in dl.width_profiles(2, 2, L, 3)]
    count = 0
    for W0 in dl.integer_matrices(2, 2):
        target = sympy.Matrix(W0.tolist())
        for widths in profiles:
            if target.rank() <= dl.max_reachable_rank(widths):
                Ws = dl.factorize(W0, widths)
                product = Ws[0]
                for W in Ws[1:]:
                    product = W * product
                count += int(product == target)
    return count


def test_adagrad_bound_grid(benchmark: Any) -> None:
    assert benchmark.pedantic(adagrad_bound_grid, rounds=3, iterations=1) < 1e-12


def test_long_sgd_path(benchmark: Any) -> None:
    assert benchmark.pedantic(long_sgd_path, rounds=3, iterations=1) < 1e-8


def test_double_descent_curve(benchmark: Any) -> None:
    assert benchmark.pedantic(double_descent_curve, rounds=3, iterations=1) == 14


def test_saddle_to_saddle(benchmark: Any) -> None:
    assert benchmark.pedantic(saddle_to_saddle, rounds=3, iterations=1) < 1e-20


def test_exhaustive_capacity(benchmark: Any) -> None:
    assert benchmark.pedantic(exhaustive_capacity, rounds=3, iterations=1) > 0
