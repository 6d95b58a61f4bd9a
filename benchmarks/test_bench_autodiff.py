"""Benchmark: a 2-layer MLP forward + backward, batch 64 x 100 -> 100 -> 10, engine vs torch.

The target is the engine within 5x of torch on the same machine; compare the ``mlp``
group's means (torch float64 is the like-for-like reference, float32 is torch's default).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from dlhw.autodiff import Graph

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 100))
W1, B1 = RNG.normal(size=(100, 100)) / 10, RNG.normal(size=100)
W2, B2 = RNG.normal(size=(100, 10)) / 10, RNG.normal(size=10)
UP = RNG.normal(size=(64, 10))


def engine_step() -> np.ndarray:
    g = Graph()
    x, w1, b1, w2, b2 = (g.tensor(a) for a in (X, W1, B1, W2, B2))
    out = g.add(g.matmul(g.relu(g.add(g.matmul(x, w1), b1)), w2), b2)
    g.run_eval(out)
    g.run_grad(out, UP)
    return g.grad[w1]  # type: ignore[return-value]


def torch_step(dtype: torch.dtype) -> Any:
    x = torch.tensor(X, dtype=dtype)
    w1, b1, w2, b2 = (torch.tensor(a, dtype=dtype, requires_grad=True) for a in (W1, B1, W2, B2))
    out = torch.relu(x @ w1 + b1) @ w2 + b2
    out.backward(torch.tensor(UP, dtype=dtype))
    return w1.grad


@pytest.mark.benchmark(group="mlp")
def test_engine_mlp(benchmark: Any) -> None:
    grad = benchmark(engine_step)
    np.testing.assert_allclose(grad, torch_step(torch.float64).numpy(), atol=1e-10)


@pytest.mark.benchmark(group="mlp")
def test_torch_mlp_float64(benchmark: Any) -> None:
    benchmark(torch_step, torch.float64)


@pytest.mark.benchmark(group="mlp")
def test_torch_mlp_float32(benchmark: Any) -> None:
    benchmark(torch_step, torch.float32)
