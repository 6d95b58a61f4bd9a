"""Cached runs: stored with their settings, refused when the settings differ, replayed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dlhw.runs import Run, load, regenerate, replay, settings_dict


@dataclass(frozen=True)
class Settings:
    steps: int = 4
    lr: float = 0.5


def compute(settings: Settings) -> dict[str, np.ndarray]:
    return {"loss": settings.lr ** np.arange(settings.steps)}


def test_round_trip_and_settings_check(tmp_path: Path) -> None:
    run = Run("t", "t.npz", Settings(), compute)
    regenerate(run, root=tmp_path)
    stored = load(run, root=tmp_path)
    assert stored.settings == {"steps": 4, "lr": 0.5}
    assert stored.meta["name"] == "t"
    other = Run("t", "t.npz", Settings(lr=0.25), compute)
    with pytest.raises(ValueError, match=r"lr: stated 0\.25, stored 0\.5"):
        load(other, root=tmp_path)


def test_missing_run_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nox -s run -- t"):
        load(Run("t", "t.npz", Settings(), compute), root=tmp_path)


def test_replay_accepts_the_same_code_and_refuses_other_code(tmp_path: Path) -> None:
    run = Run("t", "t.npz", Settings(), compute)
    regenerate(run, root=tmp_path)
    stored = load(run, root=tmp_path)
    assert replay(stored, compute(Settings(steps=2)), steps=2) == 0.0
    with pytest.raises(ValueError, match="differs"):
        replay(stored, {"loss": np.array([1.0, 0.6])}, steps=2)
    with pytest.raises(ValueError, match="no array"):
        replay(stored, {"accuracy": np.zeros(2)}, steps=2)


def test_reserved_keys_and_bad_settings(tmp_path: Path) -> None:
    bad = Run("t", "t.npz", Settings(), lambda s: {"__settings__": np.zeros(1)})
    with pytest.raises(ValueError, match="reserved"):
        regenerate(bad, root=tmp_path)
    with pytest.raises(TypeError, match="settings"):
        settings_dict(3)
