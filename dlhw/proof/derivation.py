r"""Derivation chains ``e0 = e1 = e2 <= e3 ...`` checked step by step, rendered as LaTeX.

Each step is checked the moment it is added, so a false step raises at the line that
states it. The rendering is produced from the very sympy objects that were checked:
what the reader sees is what was checked. A reason is words, or an object: a claim it
invokes (rendered as that claim's formula) or a sympy relation; a reason written as a
hand-typed formula with a relation in it is refused, because nothing would check it.

A derivation made with :meth:`dlhw.proof.claim.Claim.derivation` belongs to a claim: it starts
at the claim's left side, its ``qed()`` checks that it ends at the right side and that
its steps compose to the claim's relation, and every step is checked under the claim's
hypotheses (a step that needs ``A`` symmetric is checked on symmetric matrices only if
the claim says so). A mutant of the claim reruns the chain under the mutant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy

from dlhw.proof.identity import as_sympy, hypothesis_structure, identity, is_matrix
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

if TYPE_CHECKING:
    from dlhw.proof.claim import Claim
    from dlhw.proof.space import Space

_RELATIONS = {"=": "=", "<=": r"\le", "<": "<"}
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
_RELATION_IN_MATH = re.compile(
    r"(=|<|>|\\le\b|\\leq\b|\\ge\b|\\geq\b|\\ne\b|\\neq\b|\\iff\b|\\to\b)"
)


def words(text: object, name: str) -> str:
    """Return ``text`` if it states no relation in math; formulas must come from objects.

    Examples
    --------
    >>> words("expand the square of $x + 1$", "reason")
    'expand the square of $x + 1$'
    >>> words("$A^h A = A^{h+1}$", "reason")
    Traceback (most recent call last):
    ...
    ValueError: reason states a relation in hand-typed math ($A^h A = A^{h+1}$): ...
    """
    value = require_text(text, name)
    for formula in _MATH.findall(value):
        if _RELATION_IN_MATH.search(formula):
            raise ValueError(
                f"{name} states a relation in hand-typed math (${formula}$): nothing would "
                "check it. Pass the claim or the sympy relation it invokes instead, or say "
                "it in words"
            )
    return value


def _escape_text(text: str) -> str:
    for char in "&%#":
        text = text.replace(char, "\\" + char)
    return text


@dataclass(frozen=True)
class Step:
    """One checked step of a derivation: ``relation``, new expression, reason, check."""

    relation: str
    expr: sympy.Basic
    reason: Any
    record: CheckRecord
    options: dict[str, Any]

    def reason_latex(self) -> str:
        r"""Return the reason as LaTeX: words in ``\text{}``, objects as their formulas."""
        return _reason_latex(self.reason)


def _reason_latex(reason: Any) -> str:
    """Return a reason as LaTeX: words in a text box, objects as their formulas."""
    if hasattr(reason, "latex") and hasattr(reason, "key"):
        return str(reason.latex())
    if isinstance(reason, sympy.Basic):
        return to_latex(reason)
    pieces = re.split(r"(?<!\\)\$", reason)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(piece)
        elif piece:
            out.append(f"\\text{{{_escape_text(piece)}}}")
    return "".join(out)


def _reason(reason: object) -> Any:
    if hasattr(reason, "latex") and hasattr(reason, "key"):
        return reason
    if isinstance(reason, sympy.Basic):
        return reason
    return words(reason, "reason")


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
    of
        The claim this derivation proves (set by :meth:`dlhw.proof.claim.Claim.derivation`).
    **options
        Defaults passed to :func:`dlhw.proof.identity` for every equality step
        (``trials=``, ``seed=``, and, for a derivation that belongs to no claim,
        ``symmetric=`` and ``samplers=``).

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
        of: Claim | None = None,
        **options: Any,
    ) -> None:
        self.start = as_sympy(start, "start")
        self.claim = require_text(claim, "claim")
        self.label = optional_label(label)
        self.of = of
        if of is not None and ("symmetric" in options or "samplers" in options):
            raise ValueError(
                "a derivation of a claim takes its assumptions from the claim's hypotheses, "
                "not from symmetric= or samplers="
            )
        self.options = options
        self.steps: list[Step] = []
        self.record: CheckRecord | None = None
        self._clock = Stopwatch()

    @property
    def current(self) -> sympy.Basic:
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    def _fail(self, reason: Any, detail: str, index: int | None = None) -> ProofError:
        number = len(self.steps) + 1 if index is None else index + 1
        shown = reason if isinstance(reason, str) else getattr(reason, "key", str(reason))
        return ProofError(self.claim, f"step {number} ({shown})", detail)

    def _identity_options(self, claim: Claim | None, options: dict[str, Any]) -> dict[str, Any]:
        settings = {**self.options, **options}
        if claim is not None:
            # what substitutions can impose; a step needing another hypothesis fails
            settings["symmetric"], settings["samplers"], _ = hypothesis_structure(claim.given)
        return settings

    def _check_eq(
        self, before: sympy.Basic, after: sympy.Basic, reason: Any, settings: dict[str, Any]
    ) -> CheckRecord:
        text = reason if isinstance(reason, str) else f"${_reason_latex(reason)}$"
        with unlogged():
            return identity(before, after, claim=text, **settings)

    def eq(self, expr: object, reason: object, **options: Any) -> Derivation:
        """Add the step ``= expr``, checked by :func:`dlhw.proof.identity`."""
        new = as_sympy(expr, "expr")
        why = _reason(reason)
        if self.of is not None and ("symmetric" in options or "samplers" in options):
            raise ValueError(
                "steps of a claim's derivation take assumptions from the claim's hypotheses"
            )
        try:
            record = self._check_eq(
                self.current, new, why, self._identity_options(self.of, options)
            )
        except ProofError as err:
            raise self._fail(why, err.detail) from err
        self.steps.append(Step("=", new, why, record, options))
        return self

    def le(
        self,
        expr: object,
        reason: object,
        *,
        strict: bool = False,
        space: Space | None = None,
        trials: int = 200,
    ) -> Derivation:
        """Add the step ``<= expr`` (``< expr`` if ``strict``) for scalar expressions.

        The gap ``expr - current`` is proved non-negative by sympy when its assumptions
        suffice; otherwise ``space`` must describe the variables, and the step is
        attacked by a falsification search under the claim's hypotheses.
        """
        new = as_sympy(expr, "expr")
        why = _reason(reason)
        if is_matrix(new) or is_matrix(self.current):
            raise TypeError("le() compares scalar expressions only")
        options = {"strict": strict, "space": space, "trials": trials}
        try:
            record = self._check_le(self.current, new, options, self.of)
        except ProofError as err:
            raise self._fail(why, err.detail) from err
        self.steps.append(Step("<" if strict else "<=", new, why, record, options))
        return self

    def _check_le(
        self, before: sympy.Basic, after: sympy.Basic, options: dict[str, Any], claim: Claim | None
    ) -> CheckRecord:
        clock = Stopwatch()
        gap = sympy.simplify(after - before)
        decided = gap.is_positive if options["strict"] else gap.is_nonnegative
        if decided is True:
            return CheckRecord(
                "step",
                "exact identity",
                1,
                0.0,
                clock.seconds,
                None,
                "sympy proves the gap has the right sign",
            )
        if decided is False and not gap.free_symbols:
            raise ProofError(self.claim, "sign", f"the gap {gap} has the wrong sign")
        space = options["space"]
        if space is None:
            raise ProofError(
                self.claim,
                "sign",
                f"undecided: sympy cannot settle the sign of the gap {gap}; pass space= to search",
            )
        from dlhw.proof.claim import Claim

        given = claim.given if claim is not None else []
        where = claim.where if claim is not None else []
        step = Claim(
            "_step",
            before,
            "<" if options["strict"] else "<=",
            after,
            given=given,
            where=where,
            register=False,
        )
        with unlogged():
            return step.search(
                space, trials=options["trials"], starts=2, maxiter=60, hypotheses_needed=False
            )

    def _composed(self) -> str:
        relations = {s.relation for s in self.steps}
        if "<" in relations:
            return "<"
        return "<=" if "<=" in relations else "="

    def _check_ends(self, claim: Claim) -> None:
        """Check that the chain starts at the lhs, ends at the rhs, composes to the relation."""
        first, last = (
            (claim.lhs, claim.rhs) if claim.rel not in (">=", ">") else (claim.rhs, claim.lhs)
        )
        settings = self._identity_options(claim, {})
        for name, mine, theirs in (("start", self.start, first), ("end", self.current, last)):
            if mine == theirs:
                continue
            try:
                with unlogged():
                    identity(mine, theirs, claim=f"{name} of the derivation", **settings)
            except ProofError as err:
                raise ProofError(
                    self.claim, f"{name} of the chain", f"is not the claim's {name}: {err.detail}"
                ) from err
        composed, wanted = self._composed(), claim.rel.replace(">", "<")
        allowed = {"=": {"="}, "<=": {"=", "<=", "<"}, "<": {"<"}}.get(wanted, set())
        if composed not in allowed:
            raise ProofError(
                self.claim,
                "relation",
                f"the steps compose to {composed!r}, the claim states {claim.rel!r}",
            )

    def qed(self) -> Derivation:
        """Close the chain: check it against its claim (if any), log one record."""
        if not self.steps:
            raise ValueError("a derivation needs at least one step before qed()")
        if self.of is not None:
            self._check_ends(self.of)
        kinds = [s.record.kind for s in self.steps]
        kind = max(kinds, key=KINDS.index)
        if kind == "falsification search":
            worst = max(s.record.worst for s in self.steps if s.record.kind == kind)
        else:
            worst = max(
                s.record.worst for s in self.steps if s.record.kind != "falsification search"
            )
        failure = [s.record.failure_bound for s in self.steps if s.record.failure_bound is not None]
        statement = self.of.latex("full") if self.of is not None else None
        record = CheckRecord(
            self.claim,
            kind,
            sum(s.record.cases for s in self.steps),
            worst,
            self._clock.seconds,
            self.label,
            f"derivation of {len(self.steps)} checked steps",
            failure_bound=sum(failure) if failure else None,
            statement=statement,
            extra={"key": self.of.key} if self.of is not None else {},
        )
        if self.of is not None:
            self.of._remember("derivation", (self,), {})
            if self.of.mutation is None:
                log(record)
        else:
            log(record)
        self.record = record
        return self

    def recheck(self, claim: Claim) -> None:
        """Check the ends against ``claim``, and every step again under its hypotheses.

        The ends come first: they refute most mutants at once. The steps depend only on
        their own expressions and on the hypotheses, so they are checked again only when
        ``claim`` states other hypotheses than the claim the chain was built for (a
        mutant that drops or widens one); otherwise they would pass exactly as before.
        """
        self._check_ends(claim)
        if self.of is not None and (claim.given, claim.where) == (self.of.given, self.of.where):
            return
        before = self.start
        for index, step in enumerate(self.steps):
            try:
                if step.relation == "=":
                    self._check_eq(
                        before, step.expr, step.reason, self._identity_options(claim, step.options)
                    )
                else:
                    self._check_le(before, step.expr, step.options, claim)
            except ProofError as err:
                raise self._fail(step.reason, err.detail, index) from err
            before = step.expr

    def latex(self) -> str:
        r"""Return the chain as an ``aligned`` block, one checked step per line."""
        lines = [to_latex(self.start)]
        for i, step in enumerate(self.steps):
            head = lines.pop() if i == 0 else ""
            mark = r"\checkmark" if step.record.kind == "exact identity" else r"\checkmark^{*}"
            lines.append(
                f"{head} &{_RELATIONS[step.relation]} {to_latex(step.expr)}"
                f" && {mark}\\ {step.reason_latex()}"
            )
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __repr__(self) -> str:
        chain = " ".join(f"{s.relation} {s.expr}" for s in self.steps)
        return f"Derivation({self.claim!r}: {self.start} {chain})"
