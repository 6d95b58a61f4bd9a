"""Train the parity networks of docs/learnability/parity.md and cache the results.

Runs :func:`dlhw.parity_training.train_parity_networks` with the chapter's settings
(5 x 10^4 Adam steps, batch 128, fresh samples) and writes the loss and accuracy curves
and the final parameters to ``docs/learnability/parity_training.npz``. The chapter reads
that file, and runs this script itself when the file is missing. Takes a few minutes on
one core::

    nox -s train-parity
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

from dlhw.parity_training import train_parity_networks

OUT = Path(__file__).resolve().parent.parent / "docs" / "learnability" / "parity_training.npz"
SETTINGS = {
    "dims": (5, 10, 15, 20, 30),
    "steps": 50_000,
    "batch_size": 128,
    "lr": 1e-3,
    "units_per_dim": 10,
    "optimizer": "adam",
    "log_every": 500,
    "seed": 0,
}


def main(out: Path = OUT) -> Path:
    """Train with :data:`SETTINGS` and write ``out``; return its path."""
    torch.set_num_threads(1)
    started = time.perf_counter()
    run = train_parity_networks(**SETTINGS)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    arrays: dict[str, np.ndarray] = {
        "dims": np.array(run.dims),
        "masks": run.masks,
        "step": run.step,
        "loss": run.loss,
        "accuracy": run.accuracy,
        "seconds": np.array(seconds),
        "torch_version": np.array(torch.__version__),
    }
    for key, value in SETTINGS.items():
        arrays[f"setting_{key}"] = np.array(value)
    for d, p in zip(run.dims, run.params, strict=True):
        arrays[f"W_{d}"], arrays[f"b_{d}"] = p.W, p.b
        arrays[f"alpha_{d}"], arrays[f"beta_{d}"] = p.alpha, np.array(p.beta)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    print(f"trained {run.dims} for {SETTINGS['steps']} steps in {seconds:.0f} s -> {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
