"""Exhaustive checks: a predicate over every case of a finite family."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from typing import Any

import numpy as np

from dlhw.proof.records import (
    CheckRecord,
    ProofError,
    Stopwatch,
    log,
    optional_label,
    require_text,
)


def _short(case: object, limit: int = 300) -> str:
    text = np.array2string(case, threshold=50) if isinstance(case, np.ndarray) else repr(case)
    return text if len(text) <= limit else text[:limit] + " ..."


def _residuals(outcome: Any) -> np.ndarray:
    values = np.asarray(outcome)
    if values.dtype == bool:
        return np.where(values, 0.0, np.inf)
    if values.dtype.kind not in "iuf":
        raise TypeError(
            f"predicate must return booleans or real residuals, got dtype {values.dtype}"
        )
    return np.asarray(np.abs(values.astype(float)))


def exhaustive(
    predicate: Callable[[Any], Any],
    cases: Iterable[Any],
    *,
    claim: str,
    label: str | None = None,
    batched: bool = False,
    tol: float = 0.0,
) -> CheckRecord:
    """Check ``predicate`` on every case of a finite family.

    Parameters
    ----------
    predicate
        Returns ``True``/``False``, or a real residual that must not exceed ``tol``.
        With ``batched=True`` it receives all of ``cases`` at once (an array whose
        first axis indexes the cases) and returns one boolean or residual per case.
    cases
        The whole family (finite, non-empty).
    claim
        The claim in words.
    label
        The label of the theorem or lemma the check supports.
    batched
        Whether ``predicate`` is vectorised over the first axis of ``cases``.
    tol
        Largest admissible residual (0 for exact checks).

    Returns
    -------
    CheckRecord
        Kind ``"exhaustive"``; ``worst`` is the largest residual (0 for booleans).

    Raises
    ------
    ProofError
        At the first case where the predicate fails, naming the case.

    Examples
    --------
    >>> exhaustive(lambda n: n * (n + 1) % 2 == 0, range(100), claim="n(n+1) is even").cases
    100
    >>> exhaustive(lambda n: n * n % 4 == 0, range(4), claim="squares divisible by 4")
    Traceback (most recent call last):
    ...
    dlhw.proof.records.ProofError: claim 'squares divisible by 4' failed at case 1: 1
    """
    text = require_text(claim, "claim")
    label = optional_label(label)
    if not callable(predicate):
        raise TypeError("predicate must be callable")
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    clock = Stopwatch()
    if batched:
        family = cases if isinstance(cases, np.ndarray | list | tuple) else list(cases)
        if not isinstance(family, Sized) or len(family) == 0:
            raise ValueError("cases must be a non-empty family")
        residuals = _residuals(predicate(family))
        if residuals.shape != (len(family),):
            raise ValueError(
                f"a batched predicate must return one value per case, shape "
                f"({len(family)},), got {residuals.shape}"
            )
        bad = np.flatnonzero(~(residuals <= tol))
        if bad.size:
            i = int(bad[0])
            raise ProofError(text, f"case {i}", _short(family[i]))
        count, worst = len(family), float(residuals.max())
    else:
        count, worst = 0, 0.0
        for i, case in enumerate(cases):
            residual = float(_residuals(predicate(case)))
            if not residual <= tol:
                raise ProofError(text, f"case {i}", _short(case))
            count, worst = count + 1, max(worst, residual)
        if count == 0:
            raise ValueError("cases must be a non-empty family")
    return log(
        CheckRecord(text, "exhaustive", count, worst, clock.seconds, label, f"all {count} cases")
    )
