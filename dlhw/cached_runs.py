"""The book's cached runs, declared in one place (see :mod:`dlhw.runs`).

Each entry names a long computation, the file it is stored in, the settings the chapter
states, and the function that computes it. ``nox -s run -- <name>`` regenerates one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlhw.runs import Run
from dlhw.validation import as_choice

PARITY_SETTINGS: dict[str, Any] = {
    "dims": (5, 10, 15, 20, 30),
    "steps": 50_000,
    "batch_size": 128,
    "lr": 1e-3,
    "units_per_dim": 10,
    "optimizer": "adam",
    "log_every": 500,
    "seed": 0,
}


def _parity(settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    import torch

    from dlhw.parity_training import train_parity_networks

    torch.set_num_threads(1)
    run = train_parity_networks(**settings)
    arrays: dict[str, np.ndarray] = {
        "dims": np.array(run.dims),
        "masks": run.masks,
        "step": run.step,
        "loss": run.loss,
        "accuracy": run.accuracy,
    }
    for d, p in zip(run.dims, run.params, strict=True):
        arrays[f"W_{d}"], arrays[f"b_{d}"] = p.W, p.b
        arrays[f"alpha_{d}"], arrays[f"beta_{d}"] = p.alpha, np.array(p.beta)
    return arrays


RUNS: dict[str, Run] = {
    run.name: run
    for run in (
        Run(
            "parity",
            "docs/learnability/parity_training.npz",
            PARITY_SETTINGS,
            _parity,
            "the parity networks of S2-Q3 trained with Adam (a few minutes on one core)",
        ),
    )
}


def get(name: str) -> Run:
    """Return the cached run called ``name``.

    Parameters
    ----------
    name
        One of the keys of :data:`RUNS`.

    Returns
    -------
    Run

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If no cached run has that name (the message lists the known names).

    Examples
    --------
    >>> get("parity").path
    'docs/learnability/parity_training.npz'
    >>> get("parrity")
    Traceback (most recent call last):
    ...
    ValueError: name must be 'parity', got 'parrity'
    """
    return RUNS[as_choice(name, "name", sorted(RUNS))]
