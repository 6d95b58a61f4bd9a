"""Benchmark: forming J = v vᵀ against the VJP v (vᵀy), numpy and torch, at a few n."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from dlhw import jacobians

SIZES = [256, 1024, 4096]


def vectors(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    return rng.standard_normal(n), rng.standard_normal(n)


@pytest.mark.parametrize("n", SIZES)
def test_numpy_jacobian(benchmark: Any, n: int) -> None:
    v, _ = vectors(n)
    J = benchmark(jacobians.jacobian, v)
    assert J.shape == (n, n)


@pytest.mark.parametrize("n", SIZES)
def test_numpy_vjp(benchmark: Any, n: int) -> None:
    v, y = vectors(n)
    z = benchmark(jacobians.vjp, v, y)
    assert z.shape == (n,)


@pytest.mark.parametrize("n", [256, 1024])
def test_torch_jacrev(benchmark: Any, n: int) -> None:
    v, _ = vectors(n)
    J = benchmark(jacobians.jacobian_by_torch, v, method="jacrev")
    assert J.shape == (n, n)


@pytest.mark.parametrize("n", [256, 1024])
def test_torch_vjp(benchmark: Any, n: int) -> None:
    v, y = vectors(n)
    z = benchmark(jacobians.vjp_by_torch, v, y, method="vjp")
    assert z.shape == (n,)


def test_chapter_timing_sweep(benchmark: Any) -> None:
    """The chapter's log-log sweep: J for n = 2⁶..2¹², VJP for n = 10¹..10⁷."""

    def sweep() -> tuple[jacobians.Timings, jacobians.Timings]:
        jac = jacobians.time_jacobian([2**k for k in range(6, 13)], repeats=3)
        prod = jacobians.time_vjp([10**k for k in range(1, 8)], repeats=3)
        return jac, prod

    jac, prod = benchmark.pedantic(sweep, rounds=1, iterations=1)
    assert jac.seconds.shape == (7,)
    assert prod.seconds.shape == (7,)


def test_torch_overhead(benchmark: Any) -> None:
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(256, 256, dtype=torch.float64, generator=gen) / 16
    x = torch.randn(256, 32, dtype=torch.float64, generator=gen)

    def two_layers(v: torch.Tensor) -> torch.Tensor:
        return torch.tanh(W @ torch.tanh(W @ v)).sum()

    out = benchmark.pedantic(
        jacobians.torch_reverse_mode_overhead, args=(two_layers, x), rounds=1, iterations=1
    )
    assert out.ratio > 0
