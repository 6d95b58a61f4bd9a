"""Derivation chains ``e0 = e1 = e2 <= e3 ...`` checked step by step, rendered as LaTeX.

Each step is checked the moment it is added, so a false step raises at the line that
states it. The rendering is produced from the very sympy objects that were checked:
what the reader sees is what was checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from dlhw.proof.identity import as_sympy, identity, is_matrix
from dlhw.proof.latex import to_latex
from dlhw.proof.records import (
    KINDS,
    CheckRecord,
    ProofError,
    Stopwatch,
    log,
    optional_label,
    require_text,
    unlogged,
)

_RELATIONS = {"=": "=", "<=": r"\le", "<": "<"}


@dataclass(frozen=True)
class Step:
    """One checked step of a derivation: ``relation``, new expression, reason, check."""

    relation: str
    expr: sympy.Basic
    reason: str
    record: CheckRecord


def _escape_text(text: str) -> str:
    for char in "&%#":
        text = text.replace(char, "\\" + char)
    return text


def _sign_check(
    gap: sympy.Basic,
    strict: bool,
    sample: Callable[[np.random.Generator], Mapping[sympy.Basic, Any]] | None,
    trials: int,
    seed: int,
) -> tuple[str, int, float, str]:
    """Establish ``gap >= 0`` (or ``> 0``): exactly if sympy can, else by sampling."""
    simplified = sympy.simplify(gap)
    decided = simplified.is_positive if strict else simplified.is_nonnegative
    if decided is True:
        return "exact identity", 1, 0.0, "sympy proves the gap has the right sign"
    if decided is False and not simplified.free_symbols:
        raise ValueError(f"the gap {simplified} has the wrong sign")
    if sample is None:
        raise ValueError(
            "undecided: sympy cannot settle the sign of the gap "
            f"{simplified}; pass sample= to search for a counterexample"
        )
    rng = np.random.default_rng(seed)
    worst = np.inf
    for _ in range(trials):
        values = dict(sample(rng))
        value = float(simplified.xreplace(values).doit())
        worst = min(worst, value)
        if not np.isfinite(value) or value < 0 or (strict and value == 0):
            raise ValueError(f"gap = {value:.6g} at {values}")
    return "falsification search", trials, float(-worst), "gap sampled at random points"


class Derivation:
    r"""A chain of checked steps starting from one expression.

    Parameters
    ----------
    start
        The first expression of the chain.
    claim
        What the chain establishes, in words.
    label
        The label of the theorem or lemma the derivation supports.
    **options
        Defaults passed to :func:`dlhw.proof.identity` for every equality step
        (``symmetric=``, ``samplers=``, ``trials=``, ``seed=``).

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> d = Derivation((x + 1)**2, claim="square of a sum")
    >>> d = d.eq(x**2 + 2*x + 1, "expand").le(2*x**2 + 2*x + 1, "add a square")
    >>> d.qed().record.kind
    'exact identity'
    >>> d.eq(x**2, "drop terms")
    Traceback (most recent call last):
    ...
    dlhw.proof.records.ProofError: claim 'square of a sum' failed at step 3 (drop terms): ...
    """

    def __init__(
        self,
        start: object,
        *,
        claim: str,
        label: str | None = None,
        **options: Any,
    ) -> None:
        self.start = as_sympy(start, "start")
        self.claim = require_text(claim, "claim")
        self.label = optional_label(label)
        self.options = options
        self.steps: list[Step] = []
        self.record: CheckRecord | None = None
        self._clock = Stopwatch()

    @property
    def current(self) -> sympy.Basic:
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    def _fail(self, reason: str, detail: str) -> ProofError:
        return ProofError(self.claim, f"step {len(self.steps) + 1} ({reason})", detail)

    def eq(self, expr: object, reason: str, **options: Any) -> Derivation:
        """Add the step ``= expr``, checked by :func:`dlhw.proof.identity`."""
        new = as_sympy(expr, "expr")
        reason = require_text(reason, "reason")
        settings = {**self.options, **options}
        try:
            with unlogged():
                record = identity(self.current, new, claim=reason, **settings)
        except ProofError as err:
            raise self._fail(reason, err.detail) from err
        self.steps.append(Step("=", new, reason, record))
        return self

    def le(
        self,
        expr: object,
        reason: str,
        *,
        strict: bool = False,
        sample: Callable[[np.random.Generator], Mapping[sympy.Basic, Any]] | None = None,
        trials: int = 200,
        seed: int = 0,
    ) -> Derivation:
        """Add the step ``<= expr`` (``< expr`` if ``strict``) for scalar expressions.

        The gap ``expr - current`` is proved non-negative by sympy when its
        assumptions suffice; otherwise ``sample(rng)`` must draw substitutions for
        the symbols and the gap is searched for a negative value at ``trials`` points.
        """
        new = as_sympy(expr, "expr")
        reason = require_text(reason, "reason")
        if is_matrix(new) or is_matrix(self.current):
            raise TypeError("le() compares scalar expressions only")
        clock = Stopwatch()
        try:
            kind, cases, worst, detail = _sign_check(
                new - self.current, strict, sample, trials, seed
            )
        except ValueError as err:
            raise self._fail(reason, str(err)) from err
        record = CheckRecord(reason, kind, cases, worst, clock.seconds, None, detail)
        self.steps.append(Step("<" if strict else "<=", new, reason, record))
        return self

    def qed(self) -> Derivation:
        """Close the chain: log one record for it and return the derivation."""
        if not self.steps:
            raise ValueError("a derivation needs at least one step before qed()")
        kind = max((s.record.kind for s in self.steps), key=KINDS.index)
        record = CheckRecord(
            self.claim,
            kind,
            sum(s.record.cases for s in self.steps),
            max(s.record.worst for s in self.steps),
            self._clock.seconds,
            self.label,
            f"derivation of {len(self.steps)} checked steps",
        )
        self.record = log(record)
        return self

    def latex(self) -> str:
        r"""Return the chain as an ``aligned`` block, one checked step per line."""
        lines = [to_latex(self.start)]
        for i, step in enumerate(self.steps):
            head = lines.pop() if i == 0 else ""
            mark = r"\checkmark" if step.record.kind == "exact identity" else r"\checkmark^{*}"
            lines.append(
                f"{head} &{_RELATIONS[step.relation]} {to_latex(step.expr)}"
                f" && {mark}\\ \\text{{{_escape_text(step.reason)}}}"
            )
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __repr__(self) -> str:
        chain = " ".join(f"{s.relation} {s.expr}" for s in self.steps)
        return f"Derivation({self.claim!r}: {self.start} {chain})"
