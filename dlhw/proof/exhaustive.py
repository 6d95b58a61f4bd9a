"""Exhaustive checks: a predicate over every case of a finite family.

The predicate answers with booleans. An answer of another type is refused: an integer
``0`` or ``1`` (``int(n % 2 == 0)``, ``np.count_nonzero``) is not a truth value, and
reading it as a residual would let "every odd number is even" pass. A numerical check
says so with ``residual=True`` and then returns non-negative residuals that must not
exceed ``tol``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from typing import Any

import numpy as np

from dlhw.proof.guards import MAX_BUDGET, budget, tolerance
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


def _verdicts(outcome: Any, residual: bool, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-case pass/fail and residual from what the predicate returned."""
    values = np.asarray(outcome)
    if not residual:
        if values.dtype != bool:
            raise TypeError(
                "predicate must return booleans (True/False or a boolean array), got "
                f"dtype {values.dtype}; for a numerical check pass residual=True and return "
                "residuals"
            )
        return values, np.zeros(values.shape)
    if values.dtype == bool or values.dtype.kind not in "iuf":
        raise TypeError(
            f"with residual=True the predicate must return real residuals, got dtype {values.dtype}"
        )
    residuals = values.astype(float)
    if np.any(residuals < 0):
        raise ValueError("residuals must be non-negative (return abs(...) or a distance)")
    ok = np.isfinite(residuals) & (residuals <= tol)
    return ok, residuals


def _run_batched(
    predicate: Callable[[Any], Any],
    cases: Iterable[Any],
    text: str,
    *,
    residual: bool,
    tol: float,
    max_cases: int,
) -> tuple[int, float]:
    family = cases if isinstance(cases, np.ndarray | list | tuple) else list(cases)
    if not isinstance(family, Sized) or len(family) == 0:
        raise ValueError("cases must be a non-empty family")
    if len(family) > max_cases:
        raise ValueError(f"cases has {len(family)} members, more than max_cases={max_cases}")
    ok, residuals = _verdicts(predicate(family), residual, tol)
    if ok.shape != (len(family),):
        raise ValueError(
            f"a batched predicate must return one value per case, shape "
            f"({len(family)},), got {ok.shape}"
        )
    bad = np.flatnonzero(~ok)
    if bad.size:
        i = int(bad[0])
        raise ProofError(text, f"case {i}", _short(family[i]))
    return len(family), float(residuals.max())


def _run_one_by_one(
    predicate: Callable[[Any], Any],
    cases: Iterable[Any],
    text: str,
    *,
    residual: bool,
    tol: float,
    max_cases: int,
) -> tuple[int, float]:
    count, worst = 0, 0.0
    for i, case in enumerate(cases):
        if i >= max_cases:
            raise ValueError(
                f"cases has more than max_cases={max_cases} members (an infinite "
                "iterator?); the family of an exhaustive check must be finite"
            )
        ok, residuals = _verdicts(predicate(case), residual, tol)
        if ok.shape != ():
            raise ValueError(
                f"predicate must return one value per case, got shape {ok.shape} "
                "(use batched=True for a vectorised predicate)"
            )
        if not bool(ok):
            raise ProofError(text, f"case {i}", _short(case))
        count, worst = count + 1, max(worst, float(residuals))
    if count == 0:
        raise ValueError("cases must be a non-empty family")
    return count, worst


def exhaustive(
    predicate: Callable[[Any], Any],
    cases: Iterable[Any],
    *,
    claim: str,
    label: str | None = None,
    batched: bool = False,
    residual: bool = False,
    tol: float = 0.0,
    max_cases: int = MAX_BUDGET,
    statement: str | None = None,
) -> CheckRecord:
    """Check ``predicate`` on every case of a finite family.

    Parameters
    ----------
    predicate
        Returns ``True``/``False`` for a case (with ``residual=True``: a non-negative
        residual that must not exceed ``tol``). With ``batched=True`` it receives all of
        ``cases`` at once (an array whose first axis indexes the cases) and returns one
        boolean or residual per case.
    cases
        The whole family (finite, non-empty, at most ``max_cases`` cases).
    claim
        The claim in words.
    label
        The label of the theorem or lemma the check supports.
    batched
        Whether ``predicate`` is vectorised over the first axis of ``cases``.
    residual
        Whether the predicate returns residuals instead of booleans.
    tol
        Largest admissible residual (only with ``residual=True``).
    max_cases
        Refuse families larger than this (an infinite iterator is refused, not run).
    statement
        LaTeX of the statement, when the check comes from a claim object.

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
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be a bool, got {type(residual).__name__}")
    tol = tolerance(tol, "tol")
    if tol and not residual:
        raise ValueError("tol applies to residuals: pass residual=True as well")
    max_cases = budget(max_cases, "max_cases")
    clock = Stopwatch()
    run = _run_batched if batched else _run_one_by_one
    count, worst = run(predicate, cases, text, residual=residual, tol=tol, max_cases=max_cases)
    detail = f"all {count} cases" + (f", residuals up to tolerance {tol:g}" if residual else "")
    return log(
        CheckRecord(
            text,
            "exhaustive",
            count,
            worst,
            clock.seconds,
            label,
            detail,
            tolerance=tol if residual else None,
            statement=statement,
        )
    )
