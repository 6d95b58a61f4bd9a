"""Benchmarks of dlhw.parity: every mask's gradient by Walsh-Hadamard vs the naive loop.

Both ways are measured in the same run at d = 10, 12 and 14; the naive benchmark records
the ratio naive / fast (``extra_info["speedup"]``, also printed with ``-s``). The target
is at least 100x at d = 14, and ``gradient_variance`` exact at d = 20 in at most 10 s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dlhw import parity

FAST_SECONDS: dict[int, float] = {}


def network(d: int) -> parity.Params:
    """A random network with the construction's width k = 3 (floor(d/2) + 1)."""
    k = parity.minimum_units(d)
    rng = np.random.default_rng(d)
    return parity.Params(
        rng.normal(size=(k, d)) / np.sqrt(d),
        rng.normal(size=k) / np.sqrt(d),
        rng.normal(size=k) / np.sqrt(k),
        0.1,
    )


@pytest.mark.parametrize("d", [10, 12, 14])
def test_mask_gradients_fast(benchmark: Any, d: int) -> None:
    p = network(d)
    result = benchmark.pedantic(parity.mask_gradients, args=(p, d), rounds=5, iterations=1)
    FAST_SECONDS[d] = benchmark.stats.stats.min
    assert result.shape == (2**d, parity.n_params(d, p.W.shape[0]))


@pytest.mark.parametrize("d", [10, 12, 14])
def test_mask_gradients_naive(benchmark: Any, d: int) -> None:
    p = network(d)
    rounds = 3 if d < 14 else 1
    result = benchmark.pedantic(parity.mask_gradients_naive, args=(p, d), rounds=rounds)
    np.testing.assert_allclose(result, parity.mask_gradients(p, d), rtol=1e-10, atol=1e-14)
    if d in FAST_SECONDS:
        speedup = benchmark.stats.stats.min / FAST_SECONDS[d]
        benchmark.extra_info["speedup"] = speedup
        print(f"\nd = {d}: naive / fast = {speedup:.0f}x")


def test_gradient_variance_d20(benchmark: Any) -> None:
    p = network(20)
    value = benchmark.pedantic(parity.gradient_variance, args=(p, 20), rounds=3, iterations=1)
    assert 0 < value <= parity.variance_bound(p) / 2**20
