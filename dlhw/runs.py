"""Cached runs: long computations the book stores once and checks every time it reads them.

A training run that takes minutes cannot execute while the book builds. It is declared
once as a :class:`Run` — a name, the file it is stored in, its settings (a frozen
dataclass or a JSON-able mapping) and the function that computes it — in
:mod:`dlhw.cached_runs`, and regenerated with ``nox -s run -- <name>``. A chapter then

* loads it with :func:`load`, which refuses a file made with other settings than the
  ones the chapter states (:func:`check_settings`), so prose and figure captions, which
  glue the settings from the same object, cannot drift from the data;
* replays its first steps in the page and compares them with the stored ones
  (:func:`replay`), so the file is known to come from the code the book shows.

Examples
--------
>>> import tempfile, pathlib
>>> def compute(settings):
...     return {"loss": np.arange(settings["steps"], dtype=float)}
>>> run = Run("demo", "demo.npz", {"steps": 3}, compute)
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = regenerate(run, root=folder)
>>> stored = load(run, root=folder)
>>> stored.arrays["loss"].tolist(), stored.settings
([0.0, 1.0, 2.0], {'steps': 3})
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlhw.validation import as_int, as_positive_float

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_KEY = "__settings__"
META_KEY = "__meta__"


def settings_dict(settings: object) -> dict[str, Any]:
    """Return settings (a dataclass or a mapping) as a JSON-ready dictionary.

    Examples
    --------
    >>> settings_dict({"steps": 5, "dims": (5, 10)})
    {'steps': 5, 'dims': [5, 10]}
    """
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        data: Any = dataclasses.asdict(settings)
    elif isinstance(settings, Mapping):
        data = dict(settings)
    else:
        raise TypeError(
            f"settings must be a dataclass instance or a mapping, got {type(settings).__name__}"
        )
    return dict(json.loads(json.dumps(data, default=_jsonable)))


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"setting value {value!r} is not JSON-able")


@dataclass(frozen=True)
class Run:
    """A cached computation: its name, its file, its settings and how to compute it."""

    name: str
    path: str
    settings: object
    compute: Callable[[Any], Mapping[str, np.ndarray]]
    description: str = ""

    def file(self, root: Path = ROOT) -> Path:
        """Return the path of the stored run."""
        return Path(root) / self.path


@dataclass(frozen=True)
class Stored:
    """A run read from its file: the arrays, the settings it was made with, facts of the run."""

    arrays: dict[str, np.ndarray]
    settings: dict[str, Any]
    meta: dict[str, Any]


def _run(run: object) -> Run:
    if not isinstance(run, Run):
        raise TypeError(f"run must be a dlhw.runs.Run, got {type(run).__name__}")
    return run


def _root(root: object) -> Path:
    if not isinstance(root, str | Path):
        raise TypeError(f"root must be a path (str or pathlib.Path), got {type(root).__name__}")
    return Path(root)


def _stored(stored: object) -> Stored:
    if not isinstance(stored, Stored):
        raise TypeError(
            f"stored must be a dlhw.runs.Stored (from load), got {type(stored).__name__}"
        )
    return stored


def regenerate(run: Run, *, root: Path = ROOT) -> Path:
    """Compute ``run`` and store it with its settings; return the file written."""
    run, root = _run(run), _root(root)
    started = time.perf_counter()
    arrays = {str(k): np.asarray(v) for k, v in run.compute(run.settings).items()}
    for key in (SETTINGS_KEY, META_KEY):
        if key in arrays:
            raise ValueError(f"run {run.name!r}: {key} is reserved")
    meta = {"seconds": time.perf_counter() - started, "name": run.name}
    try:
        import torch

        meta["torch"] = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    target = run.file(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays[SETTINGS_KEY] = np.array(json.dumps(settings_dict(run.settings), sort_keys=True))
    arrays[META_KEY] = np.array(json.dumps(meta, sort_keys=True))
    np.savez_compressed(target, allow_pickle=False, **arrays)
    return target


def load(run: Run, *, root: Path = ROOT) -> Stored:
    """Read ``run``'s file and check it was made with ``run.settings``.

    Raises
    ------
    FileNotFoundError
        If the run has not been computed (regenerate it with ``nox -s run -- <name>``).
    ValueError
        If the stored settings differ from the stated ones.
    """
    path = _run(run).file(_root(root))
    if not path.exists():
        raise FileNotFoundError(
            f"cached run {run.name!r} is missing at {path}: "
            f"regenerate it with nox -s run -- {run.name}"
        )
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in (SETTINGS_KEY, META_KEY)}
        settings = json.loads(str(data[SETTINGS_KEY])) if SETTINGS_KEY in data.files else {}
        meta = json.loads(str(data[META_KEY])) if META_KEY in data.files else {}
    stored = Stored(arrays, settings, meta)
    check_settings(run, stored)
    return stored


def check_settings(run: Run, stored: Stored) -> None:
    """Raise ``ValueError`` naming every setting where the file and the run differ."""
    run, stored = _run(run), _stored(stored)
    stated = settings_dict(run.settings)
    differ = sorted(
        key
        for key in set(stated) | set(stored.settings)
        if stated.get(key) != stored.settings.get(key)
    )
    if differ:
        shown = ", ".join(
            f"{k}: stated {stated.get(k)!r}, stored {stored.settings.get(k)!r}" for k in differ
        )
        raise ValueError(
            f"cached run {run.name!r} was made with other settings ({shown}); regenerate it with "
            f"nox -s run -- {run.name}"
        )


def replay(
    stored: Stored,
    fresh: Mapping[str, np.ndarray],
    *,
    steps: int,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> float:
    """Compare the first ``steps`` entries of each array of ``fresh`` with the stored run.

    ``fresh`` holds the same keys computed again in the page for a few steps. Returns
    the largest relative difference; raises ``ValueError`` if an array disagrees beyond
    the tolerance (the stored run does not come from the code the book shows).
    """
    stored = _stored(stored)
    if not isinstance(fresh, Mapping):
        raise TypeError(
            f"fresh must be a mapping of array names to arrays, got {type(fresh).__name__}"
        )
    if not fresh:
        raise ValueError("fresh must hold at least one array to compare")
    count = as_int(steps, "steps", minimum=1)
    rtol = as_positive_float(rtol, "rtol", allow_zero=True)
    atol = as_positive_float(atol, "atol", allow_zero=True)
    worst = 0.0
    for key, values in fresh.items():
        if key not in stored.arrays:
            raise ValueError(
                f"fresh has an array {key!r}, but the stored run has no array of that name"
            )
        try:
            ours = np.asarray(values, dtype=float)[:count]
        except (TypeError, ValueError) as err:
            raise TypeError(f"fresh[{key!r}] must be an array of real numbers: {err}") from None
        if not np.all(np.isfinite(ours)):
            raise ValueError(f"fresh[{key!r}] must contain only finite numbers")
        theirs = np.asarray(stored.arrays[key], dtype=float)[:count]
        if ours.shape != theirs.shape:
            raise ValueError(
                f"fresh[{key!r}]: replayed shape {ours.shape}, stored {theirs.shape} "
                f"(first steps={count} entries)"
            )
        gap = np.abs(ours - theirs)
        if not np.all(gap <= atol + rtol * np.abs(theirs)):
            raise ValueError(
                f"fresh[{key!r}]: the replay differs from the stored run by up to {gap.max():.3g}"
            )
        # relative gap; an exact match counts 0 even where the stored value is 0 (atol = 0)
        scale = np.maximum(np.abs(theirs), atol)
        relative = np.divide(gap, scale, out=np.zeros_like(gap), where=gap > 0)
        worst = max(worst, float(np.max(relative, initial=0)))
    return worst
