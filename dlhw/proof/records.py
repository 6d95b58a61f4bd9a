"""Check records, the failure exception, and the log of a page's checks.

Every check in :mod:`dlhw.proof` returns a :class:`CheckRecord` and appends it to the
log of the running process. A book page runs in its own kernel, so the log holds
exactly the checks of that page; :func:`dlhw.proof.report.what_was_checked` renders it.

Kinds and their measure
-----------------------
Each kind reports one number, ``worst``, and always the same one:

========================  ==========  ==================================================
kind                      measure     meaning of ``worst``
========================  ==========  ==================================================
exact identity            residual    0: computer algebra reduced lhs - rhs to 0
randomized identity       residual    largest ``|lhs - rhs|`` seen (0 unless numerical)
exhaustive                residual    largest residual over the cases (0 for booleans)
falsification search      ratio       largest ``lhs / rhs`` found (below 1: bound held)
experiment                value       the measured quantity (not evidence of a claim)
========================  ==========  ==================================================

The first four are *proof-grade*: they are evidence that a statement holds (a proof for
the first and, within its family, the third). An experiment is a measurement.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

#: The proof-grade kinds of check, from strongest to weakest evidence.
KINDS = ("exact identity", "randomized identity", "exhaustive", "falsification search")
#: Measurements that are shown but never count as evidence for a statement.
EXPERIMENT = "experiment"
#: What ``worst`` measures, per kind.
MEASURES = {
    "exact identity": "residual",
    "randomized identity": "residual",
    "exhaustive": "residual",
    "falsification search": "ratio",
    EXPERIMENT: "value",
}
#: Environment variable holding the book-wide seed mixed into every claim's seed.
SEED_VARIABLE = "DLHW_SEED"


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
        The claim in words (may contain ``$...$`` math generated from claim objects).
    kind
        One of :data:`~dlhw.proof.records.KINDS`, or ``"experiment"``.
    cases
        How many instances, substitutions or cases were evaluated.
    worst
        The measure of the kind (see the module docstring): a residual, a ratio, or
        the measured value of an experiment.
    seconds
        Wall-clock time of the check.
    label
        The label of the theorem or lemma the check supports, if any.
    detail
        A short note on how it was checked.
    tolerance
        ``None`` for exact checks; otherwise the numerical tolerance that was allowed.
    failure_bound
        For randomized identities: an upper bound on the probability that a false
        identity of this degree passes every substitution (Schwartz–Zippel).
    statement
        LaTeX of the statement when the check came from a claim object.
    extra
        Further facts of the check (sharpness, hypotheses shown to be needed, ...).
    """

    claim: str
    kind: str
    cases: int
    worst: float
    seconds: float
    label: str | None = None
    detail: str = ""
    tolerance: float | None = None
    failure_bound: float | None = None
    statement: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Show what was checked, without the (measured, varying) seconds."""
        return (
            f"CheckRecord({self.kind}: {self.claim!r}, {self.cases} cases, worst {self.worst:.3g})"
        )

    def _repr_markdown_(self) -> str:
        return f"**{self.kind}** — {self.claim} — {self.cases:,} cases, worst {self.worst:.3g}"

    @property
    def measure(self) -> str:
        """What ``worst`` measures: ``"residual"``, ``"ratio"`` or ``"value"``."""
        return MEASURES[self.kind]

    @property
    def proof_grade(self) -> bool:
        """Whether this record is evidence for a statement (not an experiment)."""
        return self.kind in KINDS

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dictionary.

        Examples
        --------
        >>> CheckRecord("x = x", "exact identity", 1, 0.0, 0.001).as_dict()["measure"]
        'residual'
        """
        return {**asdict(self), "measure": self.measure, "proof_grade": self.proof_grade}


_LOG: list[CheckRecord] = []


def log(record: CheckRecord) -> CheckRecord:
    """Append ``record`` to the log of this process and return it."""
    if record.kind not in MEASURES:
        raise ValueError(f"record.kind must be one of {tuple(MEASURES)}, got {record.kind!r}")
    if _SILENT:
        return record
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


_SILENT: list[bool] = []


@contextmanager
def unlogged() -> Iterator[None]:
    """Run checks without logging them (composite checks and mutation runs)."""
    _SILENT.append(True)
    try:
        yield
    finally:
        _SILENT.pop()


def book_seed() -> int:
    """Return the book-wide seed (environment variable ``DLHW_SEED``, default 0).

    Examples
    --------
    >>> isinstance(book_seed(), int)
    True
    """
    text = os.environ.get(SEED_VARIABLE, "0")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{SEED_VARIABLE} must be an integer, got {text!r}") from None


def content_seed(*parts: object) -> int:
    """Derive a seed from the content of a claim and the book-wide seed.

    Substitution points and search instances depend on *what is claimed*: a false
    claim cannot be tuned to a fixed set of points, because changing the claim moves
    the points.

    Examples
    --------
    >>> content_seed("x = x") == content_seed("x = x")
    True
    >>> content_seed("x = x") == content_seed("x = y")
    False
    """
    digest = hashlib.sha256(repr((book_seed(), *map(str, parts))).encode()).digest()
    return int.from_bytes(digest[:8], "little")


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
