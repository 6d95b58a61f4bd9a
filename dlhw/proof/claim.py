r"""Claims as objects: one statement, rendered for the reader and driving its checks.

A :class:`Claim` is a statement built once from sympy: a relation between two sides,
the hypotheses under which it holds, and named constants defined once. The same object

* renders the LaTeX shown inside the ``prf:theorem`` (or lemma, proposition,
  corollary) block, through the book's ``{claim}`` role and directive;
* drives every check of that statement: an identity check of the two sides, an
  exhaustive check over a finite family, a falsification search over an instance
  space (through the compiled sides), a derivation that must start at the left side and
  end at the right side;
* generates its own mutants — each constant and exponent perturbed, the relation
  reversed, each hypothesis dropped or widened — which its checks must refute.

So a formula that states a claim is never typed twice: editing the statement *is*
editing what is checked.

Examples
--------
>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> square = Claim("demo-square", (x + 1) ** 2, "=", x**2 + 2 * x + 1)
>>> square.latex()
'\\left(x + 1\\right)^{2} = x^{2} + 2 x + 1'
>>> square.identity().kind
'exact identity'
>>> wrong = Claim("demo-wrong", (x + 1) ** 2, "=", x**2 + 1)
>>> wrong.identity()
Traceback (most recent call last):
...
dlhw.proof.records.ProofError: claim ... failed at ...
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from dlhw.proof.evaluate import Compiled, EvaluationError, as_scalar, compile_numeric
from dlhw.proof.exhaustive import exhaustive as _exhaustive
from dlhw.proof.guards import budget, refuse_inexact, tolerance
from dlhw.proof.identity import as_sympy, hypothesis_structure, is_matrix
from dlhw.proof.identity import identity as _identity
from dlhw.proof.latex import to_latex
from dlhw.proof.records import (
    CheckRecord,
    ProofError,
    Stopwatch,
    content_seed,
    log,
    require_text,
    unlogged,
)
from dlhw.proof.search import Attack, ViolationError, describe, run_search
from dlhw.proof.space import Constraints, Space, constraints_from

RELATIONS = {
    "=": "=",
    "<=": r"\le",
    "<": "<",
    ">=": r"\ge",
    ">": ">",
    "<=>": r"\iff",
    "=>": r"\implies",
}
_INEQUALITIES = ("<=", "<", ">=", ">")
_REGISTRY: dict[str, Claim] = {}
#: ``label=`` default: the claim states the numbered statement whose label is its key.
SAME_AS_KEY = "<key>"


def claims() -> dict[str, Claim]:
    """Return the claims made so far in this process (a page), by key.

    Examples
    --------
    >>> isinstance(claims(), dict)
    True
    """
    return dict(_REGISTRY)


def clear_claims() -> None:
    """Forget the claims of this process (a page does this at its top)."""
    _REGISTRY.clear()


@dataclass
class Finding:
    """What a search established besides "no counterexample": sharpness, needed hypotheses."""

    worst_ratio: float
    worst_instance: str
    sharp: bool
    tightened: float | None
    tightened_refuted: bool
    needed: dict[str, str] = field(default_factory=dict)
    not_needed: list[str] = field(default_factory=list)


def _relational_latex(hypothesis: sympy.Basic) -> str:
    if isinstance(hypothesis, sympy.assumptions.AppliedPredicate):
        (arg,) = hypothesis.arguments
        name = to_latex(arg)
        forms = {
            sympy.Q.symmetric: f"{name} = {name}^{{\\top}}",
            sympy.Q.positive_definite: f"{name} \\succ 0",
            sympy.Q.orthogonal: f"{name}^{{\\top}} {name} = I",
            sympy.Q.diagonal: f"{name} \\text{{ diagonal}}",
            sympy.Q.fullrank: f"{name} \\text{{ of full rank}}",
            sympy.Q.invertible: f"{name} \\text{{ invertible}}",
        }
        if str(hypothesis.function) == "Q.positive_semidefinite":
            return f"{name} \\succeq 0"
        if hypothesis.function in forms:
            return forms[hypothesis.function]
    return to_latex(hypothesis)


def _chains(hypotheses: Sequence[sympy.Basic]) -> list[str]:
    """Hypotheses as LaTeX, with two bounds on one symbol merged: ``0 < x < 1``."""
    lower: dict[sympy.Basic, tuple[int, str]] = {}
    upper: dict[sympy.Basic, tuple[int, str]] = {}
    plain: list[tuple[int, str]] = []
    for index, h in enumerate(hypotheses):
        if isinstance(h, sympy.core.relational.Relational) and not isinstance(
            h, sympy.Equality | sympy.Unequality
        ):
            small, big = (
                (h.lhs, h.rhs)
                if isinstance(h, sympy.StrictLessThan | sympy.LessThan)
                else (h.rhs, h.lhs)
            )
            rel = "<" if isinstance(h, sympy.StrictLessThan | sympy.StrictGreaterThan) else r"\le"
            if isinstance(big, sympy.Symbol) and big not in upper and big not in lower:
                lower[big] = (index, f"{to_latex(small)} {rel}")
                continue
            if isinstance(small, sympy.Symbol) and small not in upper:
                upper[small] = (index, f"{rel} {to_latex(big)}")
                continue
        plain.append((index, _relational_latex(h)))
    merged: list[tuple[int, str]] = list(plain)
    for symbol in set(lower) | set(upper):
        parts = [lower[symbol][1]] if symbol in lower else []
        parts.append(to_latex(symbol))
        if symbol in upper:
            parts.append(upper[symbol][1])
        first = min(x[0] for x in (lower.get(symbol), upper.get(symbol)) if x is not None)
        merged.append((first, " ".join(parts)))
    return [text for _, text in sorted(merged)]


class Claim:
    r"""A statement: ``lhs rel rhs`` under hypotheses, with named constants.

    Parameters
    ----------
    key
        The claim's name on its page: the ``{claim}`` role renders it as
        ``{claim}`key``` (and its parts as ``key:given``, ``key:where``, ``key:full``,
        ``key:lhs``, ``key:rhs``, ``key:<constant>``).
    lhs, rel, rhs
        The relation: ``rel`` is one of ``"="``, ``"<="``, ``"<"``, ``">="``, ``">"``,
        ``"<=>"`` (both sides statements that are equivalent), ``"=>"``.
    label
        The label of the theorem-like block the claim states (default: ``key``), or
        ``None`` for a claim that supports no numbered statement (an exercise, a fact
        about the code).
    given
        Hypotheses: sympy relations (``eta > 0``) or predicates (``Q.symmetric(A)``),
        each rendered and each enforced by the checks.
    where
        Named constants ``(symbol, expression)``, defined once, in order; the sides and
        the hypotheses may use them.
    uses
        Labels of the statements this one rests on (the map of claims).
    sharp
        Whether the bound is attained (then the search must come within ``1e-6`` of
        ratio 1, and the bound tightened by ``1e-3`` must be refuted).
    true_mutants
        Mutants (by their description) that are true statements, with the reason: they
        are reported as stronger statements, not as weak checks.
    """

    def __init__(
        self,
        key: str,
        lhs: object,
        rel: str,
        rhs: object,
        *,
        label: str | None = SAME_AS_KEY,
        given: Iterable[sympy.Basic] = (),
        where: Iterable[tuple[sympy.Basic, object]] = (),
        uses: Iterable[str] = (),
        sharp: bool = False,
        true_mutants: Mapping[str, str] | None = None,
        register: bool = True,
    ) -> None:
        self.key = require_text(key, "key")
        if rel not in RELATIONS:
            raise ValueError(f"rel must be one of {tuple(RELATIONS)}, got {rel!r}")
        self.rel = rel
        self.lhs = as_sympy(lhs, "lhs")
        self.rhs = as_sympy(rhs, "rhs")
        if label == SAME_AS_KEY:
            label = self.key
        self.label = require_text(label, "label") if label is not None else None
        self.given = [as_sympy(h, "hypothesis") for h in given]
        for h in self.given:
            if h in (sympy.true, sympy.false):
                raise ValueError(
                    f"claim {key!r}: a hypothesis evaluated to {h} from the symbols' assumptions; "
                    "state it with a symbol that does not already assume it (e.g. real=True)"
                )
        self.where = [(as_sympy(s, "constant"), as_sympy(e, "definition")) for s, e in where]
        for symbol, _ in self.where:
            if not isinstance(symbol, sympy.Symbol | sympy.MatrixSymbol):
                raise TypeError(f"a constant must be named by a sympy symbol, got {symbol!r}")
        self.uses = [require_text(u, "uses") for u in uses]
        if not isinstance(sharp, bool):
            raise TypeError("sharp must be a bool")
        self.sharp = sharp
        self.true_mutants = dict(true_mutants or {})
        self.checks: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.findings: list[Finding] = []
        self.mutation: str | None = None
        if self.rel in ("<=>", "=>"):
            for side in (self.lhs, self.rhs):
                statement = isinstance(
                    side,
                    sympy.core.relational.Relational
                    | sympy.logic.boolalg.BooleanFunction
                    | sympy.assumptions.AppliedPredicate,
                )
                if not statement:
                    raise TypeError(
                        f"the sides of {rel!r} must be statements (relations), got {side!r}"
                    )
        elif is_matrix(self.lhs) != is_matrix(self.rhs):
            raise ValueError(f"claim {key!r}: one side is a matrix and the other a scalar")
        if register:
            _REGISTRY[self.key] = self

    # --- rendering ----------------------------------------------------------------------

    def latex(self, part: str | None = None) -> str:
        r"""Return the LaTeX of the claim, or of one ``part`` of it.

        ``None``: the relation; ``"lhs"``, ``"rhs"``: one side; ``"given"``: the
        hypotheses; ``"domains"``: the domains of the symbols (``k \in \mathbb{Z}_{\ge 0}``);
        ``"where"``: the constants; ``"full"``: the relation followed by its domains and
        hypotheses; the name of a constant (e.g. ``"nu"``): its definition.
        """
        given = ", \\quad ".join(_chains(self.given))
        domains = ", \\quad ".join(self.domains())
        everything = ", \\quad ".join(self.domains() + _chains(self.given))
        pieces = {
            None: f"{to_latex(self.lhs)} {RELATIONS[self.rel]} {to_latex(self.rhs)}",
            "lhs": to_latex(self.lhs),
            "rhs": to_latex(self.rhs),
            "given": given,
            "domains": domains,
            "where": ", \\quad ".join(f"{to_latex(s)} = {to_latex(e)}" for s, e in self.where),
        }
        pieces["full"] = pieces[None] + (
            f" \\qquad \\left({everything}\\right)" if everything else ""
        )
        pieces.update({str(s): f"{to_latex(s)} = {to_latex(e)}" for s, e in self.where})
        if part not in pieces:
            raise KeyError(f"claim {self.key!r} has no part {part!r}")
        return pieces[part]

    def _symbols(self) -> set[sympy.Basic]:
        found: set[sympy.Basic] = set()
        for expr in (self.lhs, self.rhs, *self.given, *(e for _, e in self.where)):
            found |= expr.free_symbols | expr.atoms(sympy.MatrixSymbol)
        return found

    def _domain_checks(self) -> list[tuple[str, Any]]:
        """Membership tests for the domains that symbol assumptions impose."""
        checks = []
        latex = dict(zip(self._domain_symbols(), self.domains(), strict=True))
        for symbol, text in latex.items():

            def test(env: Mapping[sympy.Basic, Any], s: sympy.Symbol = symbol) -> bool:
                value = env[s]
                if s.is_integer and float(value) != int(value):
                    return False
                if s.is_positive:
                    return bool(value > 0)
                if s.is_nonnegative:
                    return bool(value >= 0)
                if s.is_negative:
                    return bool(value < 0)
                return True

            checks.append((text, test))
        return checks

    def _domain_symbols(self) -> list[sympy.Symbol]:
        symbols = {s for s in self._symbols() if isinstance(s, sympy.Symbol)} - {
            s for s, _ in self.where
        }
        return [
            s
            for s in sorted(symbols, key=str)
            if s.is_integer or s.is_positive or s.is_nonnegative or s.is_negative
        ]

    def domains(self) -> list[str]:
        """Return the domains the symbols' assumptions impose, as LaTeX (shown as hypotheses)."""
        symbols = set()
        for expr in (self.lhs, self.rhs, *self.given, *(e for _, e in self.where)):
            symbols |= {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
        symbols -= {s for s, _ in self.where}
        out = []
        for symbol in sorted(symbols, key=str):
            name = to_latex(symbol)
            if symbol.is_integer:
                if symbol.is_positive:
                    out.append(f"{name} \\in \\mathbb{{Z}}_{{>0}}")
                elif symbol.is_nonnegative:
                    out.append(f"{name} \\in \\mathbb{{Z}}_{{\\ge 0}}")
                else:
                    out.append(f"{name} \\in \\mathbb{{Z}}")
            elif symbol.is_positive:
                out.append(f"{name} > 0")
            elif symbol.is_nonnegative:
                out.append(f"{name} \\ge 0")
            elif symbol.is_negative:
                out.append(f"{name} < 0")
        return out

    def parts(self) -> dict[str, str]:
        """Every renderable part, by name (what the book's ``{claim}`` role can show)."""
        names = (
            ["lhs", "rhs", "full"]
            + (["given"] if self.given else [])
            + (["domains"] if self.domains() else [])
            + (["where"] if self.where else [])
        )
        out = {"": self.latex(), **{name: self.latex(name) for name in names}}
        out.update({str(s): self.latex(str(s)) for s, _ in self.where})
        return out

    def __repr__(self) -> str:
        return f"Claim({self.key!r}: {self.lhs} {self.rel} {self.rhs})"

    def _repr_latex_(self) -> str:
        return f"$${self.latex('full')}$$"

    def text(self, context: str = "") -> str:
        """Return the claim as a check table shows it: its formula and a few words."""
        words = f" ({context})" if context else ""
        return f"${self.latex()}${words}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (what the extension and the map of claims read)."""
        return {
            "key": self.key,
            "label": self.label,
            "parts": self.parts(),
            "uses": list(self.uses),
            "rel": self.rel,
            "hypotheses": [_relational_latex(h) for h in self.given],
            "findings": [vars(f) for f in self.findings],
            "true_mutants": dict(self.true_mutants),
        }

    # --- evaluation ---------------------------------------------------------------------

    def expanded(self) -> tuple[sympy.Basic, sympy.Basic]:
        """Both sides with every named constant replaced by its definition."""
        lhs, rhs = self.lhs, self.rhs
        for symbol, expr in reversed(self.where):
            lhs, rhs = lhs.xreplace({symbol: expr}), rhs.xreplace({symbol: expr})
        return lhs, rhs

    def _definitions(self) -> list[tuple[sympy.Basic, Compiled, set[sympy.Basic]]]:
        defined = {s for s, _ in self.where}
        out = []
        for symbol, expr in self.where:
            needs = (expr.free_symbols | expr.atoms(sympy.MatrixSymbol)) - {symbol}
            out.append((symbol, compile_numeric(expr), set(needs)))
        _ = defined
        return out

    def _environment(self, values: Mapping[sympy.Basic, Any]) -> dict[sympy.Basic, Any]:
        env = dict(values)
        for symbol, value in values.items():
            if isinstance(symbol, sympy.MatrixSymbol):
                _bind_shape(symbol, value, env)
        for symbol, compiled, _ in self._definitions():
            if symbol not in env:
                env[symbol] = as_scalar(compiled(env))
        return env

    def evaluate(self, values: Mapping[sympy.Basic, Any]) -> tuple[Any, Any]:
        """Both sides at ``values`` (numpy), after computing the named constants."""
        env = self._environment(values)
        return compile_numeric(self.lhs)(env), compile_numeric(self.rhs)(env)

    def _record(self, record: CheckRecord) -> CheckRecord:
        return CheckRecord(
            record.claim,
            record.kind,
            record.cases,
            record.worst,
            record.seconds,
            self.label,
            record.detail,
            tolerance=record.tolerance,
            failure_bound=record.failure_bound,
            statement=self.latex("full"),
            extra={**record.extra, "key": self.key},
        )

    def _remember(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if self.mutation is None:
            self.checks.append((method, args, kwargs))

    # --- checks ---------------------------------------------------------------------------

    def identity(self, *, trials: int = 6, seed: int = 0, context: str = "") -> CheckRecord:
        """Check an equality as an identity (exact, or randomized exact substitution).

        Hypotheses ``Q.symmetric(A)`` make ``A`` symmetric, ``Q.orthogonal(V)`` draws exact
        rational orthogonal ``V`` (rotations and reflections), ``Q.diagonal(S)`` diagonal
        ``S``; ``Q.invertible`` and ``Q.fullrank`` hold for random integer matrices with
        probability one (a singular draw is redrawn). Other hypotheses cannot be imposed
        on substitutions: check such claims exhaustively or by search.
        """
        if self.rel != "=":
            raise ValueError(f"identity() checks equalities; claim {self.key!r} is {self.rel!r}")
        symmetric, samplers, rest = hypothesis_structure(self.given)
        for h in rest:
            raise ValueError(
                f"identity() cannot impose the hypothesis {h} on random substitutions; "
                "check this claim with exhaustive() or search()"
            )
        lhs, rhs = self.expanded()
        with unlogged():
            record = _identity(
                lhs,
                rhs,
                claim=self.text(context),
                label=self.label,
                trials=trials,
                seed=seed,
                symmetric=symmetric,
                samplers=samplers,
            )
        self._remember("identity", (), {"trials": trials, "seed": seed, "context": context})
        return self._log(record)

    def _log(self, record: CheckRecord) -> CheckRecord:
        result = self._record(record)
        return log(result) if self.mutation is None else result

    def exhaustive(
        self,
        cases: Iterable[Mapping[sympy.Basic, Any]],
        *,
        tol: float | None = None,
        context: str = "",
        max_cases: int = 10**7,
    ) -> CheckRecord:
        """Check the claim on every case of a finite family.

        Each case is a mapping ``{symbol: value}`` (numbers, or numpy arrays for matrix
        symbols). The claim is checked on every case that satisfies its hypotheses; the
        family may contain cases that violate a hypothesis on purpose: they show which
        hypotheses are needed (a counterexample among the cases that violate only that
        one), and a mutant that drops a hypothesis is refuted by them. With integer
        inputs the sides compare exactly; with floats pass ``tol``, the largest
        admissible relative difference for ``=`` and slack for inequalities.
        """
        tol_value = None if tol is None else tolerance(tol, "tol")
        family = list(_bounded(cases, max_cases))
        left, right = compile_numeric(self.lhs), compile_numeric(self.rhs)
        by_name = {str(s): s for s in self._symbols()}
        hypotheses = [
            (_relational_latex(h), compile_numeric(h)) for h in self.given
        ] + self._domain_checks()
        inside: list[dict[sympy.Basic, Any]] = []
        outside: dict[int, list[dict[sympy.Basic, Any]]] = {}
        for case in family:
            env = self._environment({by_name.get(str(k), k): v for k, v in case.items()})
            failed = [i for i, (_, check) in enumerate(hypotheses) if not _holds(check, env)]
            if not failed:
                inside.append(env)
            elif len(failed) == 1:
                outside.setdefault(failed[0], []).append(env)
        if not inside:
            raise ValueError(f"claim {self.key!r}: no case of the family satisfies the hypotheses")

        def residual(env: Mapping[sympy.Basic, Any]) -> float:
            try:
                return _residual(self.rel, left(env), right(env), tol_value)
            except (IndexError, KeyError, ValueError, ZeroDivisionError, ArithmeticError) as err:
                # a claim that cannot be evaluated on a case of its family is not established
                raise ProofError(
                    self.text(context),
                    "evaluation",
                    f"{type(err).__name__}: {err} at {describe(env)}",
                ) from err

        text = self.text(context)
        with unlogged():
            record = _exhaustive(
                residual,
                inside,
                claim=text,
                label=self.label,
                residual=True,
                tol=tol_value or 0.0,
                max_cases=max_cases,
            )
        finding = Finding(math.nan, "", False, None, False)
        for index, (name, _) in enumerate(hypotheses):
            violating = outside.get(index, [])
            if not violating:
                continue  # the family never violates it alone: nothing to say either way
            bad, why = _first_break(violating, residual, tol_value or 0.0)
            if bad is not None:
                finding.needed[name] = f"{why} among the cases that violate it: {describe(bad)}"
            else:
                finding.not_needed.append(name)
        if self.mutation is None:
            self.findings.append(finding)
        skipped = len(family) - len(inside)
        detail = f"all {len(inside)} cases" + (
            ", compared exactly" if tol_value is None else f", tolerance {tol_value:g}"
        )
        if skipped:
            detail += f"; {skipped} further cases lie outside the hypotheses"
        if finding.needed:
            detail += f"; {len(finding.needed)} of {len(self.given)} hypotheses shown needed"
        record = CheckRecord(
            record.claim,
            record.kind,
            record.cases,
            record.worst,
            record.seconds,
            record.label,
            detail,
            tolerance=tol_value,
            extra={"finding": vars(finding)},
        )
        self._remember(
            "exhaustive", (family,), {"tol": tol, "context": context, "max_cases": max_cases}
        )
        return self._log(record)

    def search(
        self,
        space: Space,
        *,
        trials: int = 300,
        starts: int = 6,
        maxiter: int = 200,
        seed: int = 0,
        rtol: float = 1e-9,
        atol: float = 1e-12,
        context: str = "",
        hypotheses_needed: bool = True,
    ) -> CheckRecord:
        """Try to falsify an inequality over ``space``; report sharpness and needed hypotheses.

        Instances come from the space in its random, boundary and extremal modes, then
        an optimiser pushes the worst of them towards failure without leaving the
        hypotheses. Then:

        * sharpness: the worst ratio ``lhs / rhs`` found, and the instance; a claim
          declared ``sharp`` must reach ``1 - 1e-6``;
        * self-test: a fresh search against the bound tightened to ``1 - 1e-3`` (sharp
          claims) or to ``r (1 - 1e-2)`` (``r`` the worst ratio found) must refute it;
        * each hypothesis and each assumption on a symbol dropped in turn: instances that
          *violate* it are searched for a counterexample, shown on the page; a
          hypothesis whose removal is not refuted is reported (the statement may be
          stronger than the book says).
        """
        if self.rel not in _INEQUALITIES:
            raise ValueError(f"search() attacks inequalities; claim {self.key!r} is {self.rel!r}")
        if not isinstance(space, Space):
            raise TypeError(f"space must be a dlhw.proof.Space, got {type(space).__name__}")
        settings = {
            "trials": budget(trials, "trials"),
            "starts": budget(starts, "starts", minimum=0),
            "maxiter": budget(maxiter, "maxiter"),
            "seed": seed,
            "rtol": tolerance(rtol, "rtol"),
            "atol": tolerance(atol, "atol"),
        }
        clock = Stopwatch()
        text = self.text(context)
        space = space.aligned(self._symbols())
        searcher = _Searcher(self, space, settings)
        rules = constraints_from(space, self.given)
        _refuse_hidden_hypotheses(self, space, rules)
        try:
            outcome = searcher.attack(rules, 1.0, 0, "search")
        except ViolationError as found:
            raise ProofError(text, found.phase, str(found)) from None
        worst = outcome.worst_ratio if math.isfinite(outcome.worst_ratio) else 0.0
        if self.sharp and worst < 1 - 1e-6:
            raise ProofError(
                text,
                "sharpness",
                f"the bound is declared attained, but the best ratio found is {worst:.9g}",
            )
        tightened = searcher.self_test(rules, worst, text)
        finding = Finding(
            worst,
            describe(outcome.worst_instance or {}),
            self.sharp,
            tightened,
            tightened is not None,
        )
        if hypotheses_needed and self.mutation is None:
            searcher.needed(finding)
            self.findings.append(finding)
        detail = (
            f"{settings['trials']} instances (random, boundary, extremal) of "
            f"{_describe_space(space)}, "
            f"{settings['starts']} adversarial searches; worst ratio {worst:.6g}"
            + ("" if tightened is None else f"; tightened to {tightened:.6g}: refuted")
        )
        if finding.needed:
            detail += f"; {len(finding.needed)} hypotheses shown needed"
        if self.rel in ("<", ">"):
            detail += "; strictness not decidable in floating point, checked as non-strict"
        record = CheckRecord(
            text,
            "falsification search",
            outcome.evaluations,
            worst,
            clock.seconds,
            self.label,
            detail,
            tolerance=settings["rtol"],
            extra={"finding": vars(finding)},
        )
        self._remember(
            "search", (space,), {**settings, "context": context, "hypotheses_needed": False}
        )
        return self._log(record)

    def derivation(self, **options: Any) -> Any:
        """Start a :class:`~dlhw.proof.derivation.Derivation` at the left side of this claim.

        Its ``qed()`` checks that the chain ends at the right side and that its steps
        compose to the claim's relation.
        """
        from dlhw.proof.derivation import Derivation

        return Derivation(
            self.lhs, claim=self.text("derivation"), label=self.label, of=self, **options
        )

    # --- mutants -----------------------------------------------------------------------------

    def mutants(self) -> Iterator[Claim]:
        """Yield false variants of this claim that its checks must refute."""
        from dlhw.proof.mutate import mutants_of

        yield from mutants_of(self)

    def copy_with(self, description: str, **changes: Any) -> Claim:
        """Return a copy of this claim with some fields changed, marked as a mutant."""
        twin = copy.copy(self)
        for name, value in changes.items():
            setattr(twin, name, value)
        twin.mutation = description
        twin.checks = self.checks
        twin.findings = []
        return twin

    def rerun(self) -> None:
        """Run this claim's recorded checks again (on a mutant: must raise ProofError)."""
        for method, args, kwargs in self.checks:
            if method == "derivation":
                args[0].recheck(self)
            else:
                getattr(self, method)(*args, **kwargs)


class _Searcher:
    """One claim's falsification searches over one space, with fixed budgets."""

    def __init__(self, claim: Claim, space: Space, settings: dict[str, Any]) -> None:
        self.claim, self.space, self.settings = claim, space, settings
        self.base = content_seed(
            settings["seed"],
            sympy.srepr(claim.lhs),
            sympy.srepr(claim.rhs),
            claim.rel,
            [sympy.srepr(h) for h in claim.given],
        )

    def attack(
        self, rules: Constraints, scale: float, salt: int, phase: str, claim: Claim | None = None
    ) -> Any:
        """Search for a violation of ``claim`` (this one by default) with its rhs scaled."""
        claim = claim or self.claim
        small, big = (claim.lhs, claim.rhs) if claim.rel in ("<=", "<") else (claim.rhs, claim.lhs)
        left, right = compile_numeric(small), compile_numeric(big)
        scaled = right if scale == 1 else (lambda env: scale * right(env))
        # strictness is not decidable in floating point: "<" is checked as "<="
        attacker = Attack(
            left,
            scaled,
            strict=False,
            rtol=self.settings["rtol"],
            atol=self.settings["atol"],
            rules=rules,
        )
        return run_search(
            self.space,
            attacker,
            claim._definitions(),
            rng=np.random.default_rng([self.base, salt]),
            trials=self.settings["trials"],
            starts=self.settings["starts"],
            maxiter=self.settings["maxiter"],
            phase=phase,
        )

    def self_test(self, rules: Constraints, worst: float, text: str) -> float | None:
        """Check that a fresh search refutes the bound tightened a little; return the factor."""
        tightened = (1 - 1e-3) if self.claim.sharp else (worst * (1 - 1e-2) if worst > 0 else None)
        if tightened is None:
            return None
        try:
            self.attack(rules, tightened, 1, "self-test")
        except ViolationError:
            return tightened
        raise ProofError(
            text,
            "self-test",
            f"the search met ratio {worst:.6g} but a fresh search did not refute the bound "
            f"tightened to {tightened:.6g}: it is too weak to trust (raise trials or starts)",
        )

    def needed(self, finding: Finding) -> None:
        """Search, for each hypothesis and assumption, among instances that violate it."""
        from dlhw.proof.mutate import assumption_twins

        trials: list[tuple[int, str, Constraints, Claim | None]] = [
            (i, _relational_latex(h), constraints_from(self.space, self.claim.given, drop=h), None)
            for i, h in enumerate(self.claim.given)
        ]
        for j, (symbol, twin) in enumerate(assumption_twins(self.claim)):
            swap = {symbol: twin}
            variant = self.claim.copy_with(
                "assumption dropped",
                lhs=self.claim.lhs.xreplace(swap),
                rhs=self.claim.rhs.xreplace(swap),
                given=[h.xreplace(swap) for h in self.claim.given],
                where=[(s, e.xreplace(swap)) for s, e in self.claim.where],
            )
            name = self.claim.domains()[self.claim._domain_symbols().index(symbol)]
            rules = constraints_from(self.space.aligned(variant._symbols()), variant.given)
            rules.violate = (sympy.true, _violates_domain(twin, symbol))
            trials.append((100 + j, name, rules, variant))
        space = self.space
        for salt, name, rules, other in trials:
            self.space = space.aligned(other._symbols()) if other is not None else space
            try:
                self.attack(rules, 1.0, 2 + salt, "hypothesis dropped", claim=other)
            except ViolationError as found:
                finding.needed[name] = str(found)
            except (ValueError, EvaluationError):
                finding.not_needed.append(name)
            else:
                finding.not_needed.append(name)
        self.space = space


def _violates_domain(twin: sympy.Symbol, original: sympy.Symbol) -> Compiled:
    """Keep only instances where ``twin`` lies outside ``original``'s domain."""

    def inside(env: Mapping[sympy.Basic, Any]) -> bool:
        value = env[twin]
        if original.is_positive:
            return bool(value > 0)
        if original.is_nonnegative:
            return bool(value >= 0)
        if original.is_negative:
            return bool(value < 0)
        return True

    return inside


def _describe_space(space: Space) -> str:
    from dlhw.proof.space import Integer, Matrix, Vector

    parts = []
    for symbol, spec in space.variables.items():
        if isinstance(spec, Matrix):
            rank = f", rank <= {spec.rank}" if spec.rank is not None else ""
            parts.append(f"{symbol} {spec.rows}x{spec.cols}{rank}")
        elif isinstance(spec, Vector):
            parts.append(f"{symbol} in R^{spec.n}")
        elif isinstance(spec, Integer):
            parts.append(f"{symbol} in [{spec.low}, {spec.high}]")
        else:
            parts.append(f"{symbol} real")
    return ", ".join(parts)


def _refuse_hidden_hypotheses(claim: Claim, space: Space, rules: Constraints) -> None:
    """Refuse a space that assumes what the claim does not state (unseen by the reader)."""
    from dlhw.proof.space import Matrix

    for symbol, spec in space.variables.items():
        if (
            isinstance(spec, Matrix)
            and spec.kind != "general"
            and rules.kinds.get(symbol) != spec.kind
        ):
            raise ValueError(
                f"the space makes {symbol} {spec.kind}, but claim {claim.key!r} does not say so: "
                "state it as a hypothesis (Q.symmetric, Q.positive_definite, psd, ...) and leave "
                "the space general"
            )


def _bind_shape(symbol: sympy.MatrixSymbol, value: Any, env: dict[sympy.Basic, Any]) -> None:
    """Check ``value``'s shape against ``symbol``'s; bind symbolic dimensions from it."""
    shape = np.shape(value)
    if len(shape) != 2:
        raise ValueError(f"{symbol} must take a 2-D array, got shape {shape}")
    for dim, size in zip(symbol.shape, shape, strict=True):
        if dim.is_Integer and int(dim) != size:
            raise ValueError(
                f"{symbol} is {symbol.shape[0]} x {symbol.shape[1]}, got shape {shape}"
            )
        if isinstance(dim, sympy.Symbol) and env.setdefault(dim, size) != size:
            raise ValueError(f"dimension {dim} is {env[dim]} elsewhere but {size} in {symbol}")


def _bounded(cases: Iterable[Any], max_cases: int) -> Iterator[Any]:
    for index, case in enumerate(cases):
        if index >= max_cases:
            raise ValueError(
                f"cases has more than max_cases={max_cases} members: the family must be finite"
            )
        if not isinstance(case, Mapping):
            raise TypeError(f"each case must map symbols to values, got {type(case).__name__}")
        yield case


def _first_break(
    cases: list[dict[sympy.Basic, Any]], residual: Any, tol: float
) -> tuple[dict[sympy.Basic, Any] | None, str]:
    """Return the first case (outside a hypothesis) where the claim fails, and how."""
    for env in cases:
        try:
            if residual(env) > tol:
                return env, "counterexample"
        except ProofError:  # undefined without the hypothesis: it is needed too
            return env, "the claim does not evaluate"
    return None, ""


def _holds(check: Any, env: Mapping[sympy.Basic, Any]) -> bool:
    """Whether a hypothesis holds at ``env``; one that cannot be evaluated there does not."""
    try:
        return bool(check(env))
    except (IndexError, KeyError, ValueError, ZeroDivisionError, ArithmeticError, TypeError):
        return False


def _residual(rel: str, left: Any, right: Any, tol: float | None) -> float:
    """0 when the relation holds (exactly, or within ``tol``); a positive gap otherwise."""
    if rel in ("<=>", "=>"):
        a, b = bool(left), bool(right)
        ok = (a == b) if rel == "<=>" else (not a or b)
        return 0.0 if ok else math.inf
    return _numeric_residual(rel, np.asarray(as_scalar(left)), np.asarray(as_scalar(right)), tol)


def _numeric_residual(rel: str, a: np.ndarray, b: np.ndarray, tol: float | None) -> float:
    if a.shape != b.shape:
        return math.inf
    exact = tol is None
    if exact and (a.dtype.kind == "f" or b.dtype.kind == "f"):
        raise TypeError(
            "the sides evaluated to floating-point numbers: pass tol= for a numerical check, "
            "or give exact (integer) inputs"
        )
    with np.errstate(all="ignore"):
        if rel == "=":
            if exact:
                return 0.0 if np.array_equal(a, b) else math.inf
            scale = max(
                1.0, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0))
            )
            gap = float(np.max(np.abs(a.astype(float) - b.astype(float)), initial=0)) / scale
            return gap if math.isfinite(gap) else math.inf
        small, big = (a, b) if rel in ("<=", "<") else (b, a)
        # no slack at all when exact: adding 0.0 would turn Fractions into floats
        slack = 0.0 if exact else (tol or 0.0) * max(1.0, float(np.max(np.abs(big), initial=0)))
        if rel in ("<", ">"):
            ok = bool(np.all(small < big))
        else:
            ok = bool(np.all(small <= big)) if exact else bool(np.all(small <= big + slack))
        if not bool(ok) or not np.all(np.isfinite(np.asarray(small, dtype=float))):
            return math.inf
        return 0.0


__all__ = ["RELATIONS", "Claim", "claims", "clear_claims"]
_ = refuse_inexact
