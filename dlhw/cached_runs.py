"""The book's cached runs, declared in one place (see :mod:`dlhw.runs`).

Each entry names a long computation, the file it is stored in, the settings the chapter
states, and the function that computes it. ``nox -s run -- <name>`` regenerates one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlhw.runs import Run
from dlhw.validation import as_choice, as_int

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


# ---- debugging (S0-Q1)
def _debugging_settings() -> tuple[Any, Any]:
    from dlhw.debugging import DegradationSettings, ZeroGradSettings

    return DegradationSettings(), ZeroGradSettings()


def _debugging_degradation(settings: Any) -> dict[str, np.ndarray]:
    """Every network of ``dlhw.debugging.VARIANTS``; arrays named ``<network>/<curve>``."""
    import torch

    from dlhw.debugging import degradation_experiment

    torch.set_num_threads(1)
    out = degradation_experiment(settings)
    return {f"{name}/{key}": value for name, curves in out.items() for key, value in curves.items()}


def _debugging_zero_grad(settings: Any) -> dict[str, np.ndarray]:
    import torch

    from dlhw.debugging import zero_grad_experiment

    torch.set_num_threads(1)
    return zero_grad_experiment(settings)


DEBUGGING_DEGRADATION_SETTINGS, DEBUGGING_ZERO_GRAD_SETTINGS = _debugging_settings()
# ---- image classification (S2-Q4)
IMAGE_SETTINGS: dict[str, Any] = {
    "width": 16,
    "batch_size": 64,
    "base_lr": 0.05,
    "decay": 0.95,
    "warmup": 0.1,
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "padding": 4,
    "compare_epochs": 1,
    "epochs": 20,
    "seed": 0,
    "threads": 1,
}
IMAGE_KINDS = ("constant", "annealed", "warmup_cosine")


def image_train_settings(
    kind: str, epochs: int, settings: Mapping[str, Any] = IMAGE_SETTINGS
) -> Any:
    """Return the :class:`dlhw.resnet.TrainSettings` of one run of the S2-Q4 chapter.

    Examples
    --------
    >>> image_train_settings("constant", 1).schedule.kind
    'constant'
    """
    from dlhw.resnet import Schedule, TrainSettings

    kind = as_choice(kind, "kind", IMAGE_KINDS)
    epochs = as_int(epochs, "epochs", minimum=1)
    if not isinstance(settings, Mapping):
        raise TypeError(
            f"settings must be a mapping like IMAGE_SETTINGS, got {type(settings).__name__}"
        )
    missing = sorted(set(IMAGE_SETTINGS) - set(settings))
    if missing:
        raise ValueError(f"settings must give every key of IMAGE_SETTINGS; missing {missing}")
    return TrainSettings(
        width=int(settings["width"]),
        epochs=int(epochs),
        batch_size=int(settings["batch_size"]),
        schedule=Schedule(
            kind,  # type: ignore[arg-type]
            base_lr=float(settings["base_lr"]),
            decay=float(settings["decay"]),
            warmup=float(settings["warmup"]),
        ),
        momentum=float(settings["momentum"]),
        weight_decay=float(settings["weight_decay"]),
        padding=int(settings["padding"]),
        seed=int(settings["seed"]),
        threads=int(settings["threads"]),
    )


def _image_classification(settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    from dlhw.resnet import train

    arrays: dict[str, np.ndarray] = {}
    final = []
    for kind in IMAGE_KINDS:
        run = train(image_train_settings(kind, int(settings["compare_epochs"]), settings))
        for key in ("lr", "train_loss", "train_accuracy", "val_accuracy", "val_loss"):
            arrays[f"{kind}_{key}"] = np.asarray(run[key])
        final.append(float(run["final_val_accuracy"]))
    best = int(np.argmax(final))  # the first of equals, in the order of IMAGE_KINDS
    run = train(image_train_settings(IMAGE_KINDS[best], int(settings["epochs"]), settings))
    for key in ("lr", "train_loss", "train_accuracy", "val_accuracy", "val_loss", "epoch_seconds"):
        arrays[f"long_{key}"] = np.asarray(run[key])
    arrays["best"] = np.array(best)
    arrays["parameters"] = np.array(run["parameters"])
    return arrays


#: Every cached run of the book, by name (``nox -s run -- <name>`` regenerates one).
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
        # debugging (S0-Q1)
        Run(
            "debugging-degradation",
            "docs/practice/debugging_degradation.npz",
            DEBUGGING_DEGRADATION_SETTINGS,
            _debugging_degradation,
            "S0-Q1 (a): shallow, deep and repaired deep MLPs on the digits (about 15 s)",
        ),
        Run(
            "debugging-zero-grad",
            "docs/practice/debugging_zero_grad.npz",
            DEBUGGING_ZERO_GRAD_SETTINGS,
            _debugging_zero_grad,
            "S0-Q1 (c): the loop with and without zero_grad on the digits (about 8 s)",
        ),
        # image classification (S2-Q4)
        Run(
            "image-classification",
            "docs/practice/image_classification.npz",
            IMAGE_SETTINGS,
            _image_classification,
            "S2-Q4: three schedules for one epoch each, then the best one for 20 epochs "
            "(a narrow ResNet-18 on the digits stand-in, one core, about 6 minutes)",
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
    >>> get("parrity")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: name must be ... or 'parity', got 'parrity'
    """
    return RUNS[as_choice(name, "name", sorted(RUNS))]
