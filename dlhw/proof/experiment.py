"""Experiments: measured, not proved.

A Monte-Carlo estimate, a training run, a timing: the book shows them and lists them
apart from the checks, and never counts them as evidence that a statement holds.
"""

from __future__ import annotations

import math
import numbers

from dlhw.proof.records import EXPERIMENT, CheckRecord, log, optional_label, require_text


def experiment(
    what: str,
    value: object,
    *,
    cases: int = 1,
    seconds: float = 0.0,
    label: str | None = None,
    detail: str = "",
) -> CheckRecord:
    """Record a measurement: ``value`` of ``what``, from ``cases`` runs or samples.

    Parameters
    ----------
    what
        What was measured, in words.
    value
        The measured number (shown in the table's "worst" column as a value).
    cases
        How many samples, runs or steps it rests on.
    seconds
        How long it took.
    label
        The statement it illustrates, if any (an experiment never checks it).
    detail
        The settings of the run (seed, sizes, steps), so the reader can reproduce it.

    Examples
    --------
    >>> experiment("mean of 4 coin flips", 0.5, cases=4).kind
    'experiment'
    """
    text = require_text(what, "what")
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
    ):
        raise ValueError(f"value must be a finite number, got {value!r}")
    if isinstance(cases, bool) or not isinstance(cases, int) or cases < 1:
        raise ValueError(f"cases must be a positive integer, got {cases!r}")
    return log(
        CheckRecord(
            text, EXPERIMENT, cases, float(value), float(seconds), optional_label(label), detail
        )
    )
