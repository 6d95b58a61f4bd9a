"""Check records, the failure exception, and the log of a page's checks.

Every check in :mod:`dlhw.proof` returns a :class:`CheckRecord` and appends it to the
log of the running process. A book page runs in its own kernel, so the log holds
exactly the checks of that page; :func:`dlhw.proof.what_was_checked` renders it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

#: The kinds of check, from strongest to weakest evidence.
KINDS = ("exact identity", "randomized identity", "exhaustive", "falsification search")


class ProofError(AssertionError):
    """A checked claim is false (or could not be established).

    Parameters
    ----------
    claim
        The claim being checked.
    step
        Which step or case failed.
    detail
        What was observed: the counterexample, the residual, the ratio.

    Examples
    --------
    >>> err = ProofError("1 + 1 = 3", "evaluation", "lhs - rhs = -1")
    >>> print(err)
    claim '1 + 1 = 3' failed at evaluation: lhs - rhs = -1
    """

    def __init__(self, claim: str, step: str, detail: str) -> None:
        self.claim, self.step, self.detail = claim, step, detail
        super().__init__(f"claim {claim!r} failed at {step}: {detail}")


@dataclass(frozen=True)
class CheckRecord:
    """What one check established.

    Attributes
    ----------
    claim
        The claim in words (may contain ``$...$`` math).
    kind
        One of :data:`dlhw.proof.records.KINDS`.
    cases
        How many instances, substitutions or cases were evaluated.
    worst
        The worst residual (identities, exhaustive checks) or the worst ratio
        lhs/rhs (falsification search; below 1 means the bound held).
    seconds
        Wall-clock time of the check.
    label
        The label of the theorem or lemma the check supports, if any.
    detail
        A short note on how it was checked.
    """

    claim: str
    kind: str
    cases: int
    worst: float
    seconds: float
    label: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dictionary.

        Examples
        --------
        >>> CheckRecord("x = x", "exact identity", 1, 0.0, 0.001).as_dict()["kind"]
        'exact identity'
        """
        return asdict(self)


_LOG: list[CheckRecord] = []


def log(record: CheckRecord) -> CheckRecord:
    """Append ``record`` to the log of this process and return it."""
    if record.kind not in KINDS:
        raise ValueError(f"record.kind must be one of {KINDS}, got {record.kind!r}")
    _LOG.append(record)
    return record


def records() -> list[CheckRecord]:
    """Return the records logged so far in this process, oldest first.

    Examples
    --------
    >>> isinstance(records(), list)
    True
    """
    return list(_LOG)


def clear_records() -> None:
    """Forget every logged record (a page calls this once at its top).

    Examples
    --------
    >>> clear_records(); records()
    []
    """
    _LOG.clear()


class Stopwatch:
    """Elapsed wall-clock seconds since creation, read with :attr:`seconds`."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed so far."""
        return time.perf_counter() - self._start


@contextmanager
def unlogged() -> Iterator[None]:
    """Run checks without logging them (used by composite checks for their steps)."""
    saved = list(_LOG)
    try:
        yield
    finally:
        _LOG[:] = saved


def require_text(value: object, name: str) -> str:
    """Return ``value`` if it is a non-empty string, else raise ``TypeError``/``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def optional_label(label: object) -> str | None:
    """Validate an optional theorem label."""
    if label is None:
        return None
    return require_text(label, "label")
