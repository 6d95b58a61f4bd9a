"""Benchmarks of dlhw.color_organ: the batched descent behind the chapter's figures.

* the (initialisation x step size) map of part (c): 16 x 12 = 192 runs batched, up to
  5,000 steps each (target <= 10 s on an idle 2-core machine);
* twelve of those runs one at a time, to measure what batching buys (per run);
* the whole organ from 900 ohms, up to 20,000 steps recorded (target <= 5 s);
* the band-pass loss surface on a 400 x 400 grid of resistor pairs (target <= 2 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlhw import color_organ as co

ORGAN = co.Organ()
F = ORGAN.frequencies()
LOW = co.magnitude("low", F, ORGAN.resistors("low"))
INITS = np.linspace(25.0, 1000.0, 16)
LRS = np.geomspace(1e4, 1e8, 12)
SWEEP = co.FitSettings(steps=5000)


def test_convergence_sweep_192_runs(benchmark: Any) -> None:
    out = benchmark.pedantic(
        co.convergence_sweep, args=("low", F, LOW, INITS, LRS), kwargs={"settings": SWEEP},
        rounds=3, iterations=1,
    )  # fmt: skip
    names = np.array(co.OUTCOMES)[out["outcome"]]
    assert (names[:, 0] == "converged").all()
    assert (names[:, -1] != "converged").all()


def test_convergence_sweep_one_run_at_a_time(benchmark: Any) -> None:
    """Twelve of the runs above, unbatched: the per-run cost the batch amortises."""

    def loop() -> list[int]:
        return [
            int(co.fit("low", F, LOW, [500.0], co.FitSettings(lr=lr, steps=5000), record=False)[
                "stopped_at"][0])
            for lr in LRS
        ]  # fmt: skip

    steps = benchmark.pedantic(loop, rounds=1, iterations=1)
    assert len(steps) == LRS.size


def test_organ_20000_steps(benchmark: Any) -> None:
    Y = co.labels("organ", F)
    conf = co.FitSettings(lr=1e5, steps=20_000)
    out = benchmark.pedantic(
        co.fit, args=("organ", F, Y, [900.0] * 4, conf), kwargs={"loss": "power"},
        rounds=1, iterations=1,
    )  # fmt: skip
    assert co.OUTCOMES[int(out["outcome"][0])] == "converged"


def test_band_loss_surface_400x400(benchmark: Any) -> None:
    target = co.magnitude("band", F, ORGAN.resistors("band"))
    r = np.linspace(10.0, 1000.0, 400)
    grid = np.stack(np.meshgrid(r, r, indexing="ij"), axis=-1)
    surface = benchmark.pedantic(
        co.loss_surface, args=("band", F, target, grid), rounds=3, iterations=1
    )
    assert surface.shape == (400, 400)
    assert surface.min() >= 0
