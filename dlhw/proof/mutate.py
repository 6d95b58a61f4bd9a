"""Mutants of a claim: small edits that make it false, which its checks must refute.

Each mutant changes one thing: a constant or an exponent moved by one, a quantity
swapped for its partner (``lambda_min`` for ``lambda_max``), a transpose removed, the
relation reversed (or made strict, for a bound that is attained), a hypothesis dropped
or widened. :func:`run_mutants` reruns a claim's recorded checks on every mutant: a
mutant is *killed* when a check raises :class:`~dlhw.proof.records.ProofError`. A survivor is
either a weak check or a true stronger statement — the claim can say which with
``true_mutants={description: reason}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy
from sympy.matrices.expressions.matexpr import MatrixElement

from dlhw.proof.latex import to_latex
from dlhw.proof.records import ProofError, unlogged

if TYPE_CHECKING:
    from dlhw.proof.claim import Claim

#: At most this many constant/exponent mutants per expression (spread over positions).
MAX_NUMBER_MUTANTS = 8
_PARTNERS = {
    "lam_max": "lam_min",
    "lam_min": "lam_max",
    "sigma_max": "sigma_min",
    "sigma_min": "sigma_max",
}
_FLIP = {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}
_LEAVES = (sympy.Symbol, sympy.MatrixSymbol, sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix)

Path = tuple[int, ...]


def _positions(expr: sympy.Basic, path: Path = ()) -> Iterator[tuple[Path, sympy.Basic]]:
    """Every (path, node) of ``expr`` that a mutation may change, depth first."""
    yield path, expr
    if isinstance(expr, _LEAVES):
        return
    args = expr.args
    if isinstance(expr, MatrixElement):
        args = args[:1]  # indices are positions, not constants of the formula
    elif isinstance(expr, sympy.Inverse):
        args = args[:1]  # Inverse(X) ignores a changed exponent: the mutant would be X^-1
    for i, arg in enumerate(args):
        if isinstance(arg, sympy.Basic):
            yield from _positions(arg, (*path, i))


def _replace(expr: sympy.Basic, path: Path, new: sympy.Basic) -> sympy.Basic:
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:
        return expr.func(*args)


def _number_edits(node: sympy.Basic) -> list[tuple[sympy.Basic, str]]:
    if node.is_Integer:
        n = int(node)
        if abs(n) >= 100:  # a large constant: moving it by one changes little that matters
            return [
                (sympy.Integer(2 * n), f"{n} -> {2 * n}"),
                (sympy.Integer(n // 2), f"{n} -> {n // 2}"),
            ]
        return [
            (sympy.Integer(n + 1), f"{n} -> {n + 1}"),
            (sympy.Integer(n - 1), f"{n} -> {n - 1}"),
        ]
    if node.is_Rational:
        p, q = int(node.p), int(node.q)
        return [
            (sympy.Rational(p + 1, q), f"{node} -> {sympy.Rational(p + 1, q)}"),
            (sympy.Rational(p, q + 1), f"{node} -> {sympy.Rational(p, q + 1)}"),
        ]
    return []


def expression_mutants(expr: sympy.Basic) -> Iterator[tuple[sympy.Basic, str]]:
    """Mutated copies of ``expr``: constants and exponents moved, partners swapped."""
    numbers: list[tuple[sympy.Basic, str]] = []
    others: list[tuple[sympy.Basic, str]] = []
    for path, node in _positions(expr):
        if node.is_Number:
            for new, what in _number_edits(node):
                try:
                    mutated = _replace(expr, path, new)
                except (TypeError, ValueError, sympy.ShapeError):
                    continue
                if mutated != expr:
                    numbers.append((mutated, f"constant {what}"))
        name = type(node).__name__
        if name in _PARTNERS and hasattr(type(node), "latex_template"):
            partner = _partner(node, _PARTNERS[name])
            if partner is not None:
                others.append((_replace(expr, path, partner), f"{name} -> {_PARTNERS[name]}"))
        if isinstance(node, sympy.Transpose) and node.arg.shape[0] == node.arg.shape[1]:
            others.append(
                (_replace(expr, path, node.arg), f"transpose of {to_latex(node.arg)} removed")
            )
    step = max(1, len(numbers) // MAX_NUMBER_MUTANTS)
    yield from numbers[::step][:MAX_NUMBER_MUTANTS]
    yield from others


def _partner(node: sympy.Basic, name: str) -> sympy.Basic | None:
    from dlhw.proof import notation

    cls = getattr(notation, name, None)
    return cls(*node.args) if cls is not None else None


def _widened(h: sympy.Basic) -> tuple[sympy.Basic, str] | None:
    """Return the hypothesis with its bound moved outwards by half its size."""
    if not isinstance(h, sympy.core.relational.Relational) or isinstance(
        h, sympy.Equality | sympy.Unequality
    ):
        return None
    less = isinstance(h, sympy.StrictLessThan | sympy.LessThan)
    small, big = (h.lhs, h.rhs) if less else (h.rhs, h.lhs)
    if isinstance(small, sympy.Symbol) and small not in big.free_symbols and big != 0:
        new_big = big + sympy.Abs(big) / 2
        return (
            h.func(small, new_big) if less else h.func(new_big, small)
        ), "upper bound widened by half"
    if isinstance(big, sympy.Symbol) and big not in small.free_symbols and small != 0:
        new_small = small - sympy.Abs(small) / 2
        return (
            h.func(new_small, big) if less else h.func(big, new_small)
        ), "lower bound widened by half"
    return None


def mutants_of(claim: Claim) -> Iterator[Claim]:
    """Every mutant of ``claim``, each described by what it changed."""
    for side in ("lhs", "rhs"):
        for new, what in expression_mutants(getattr(claim, side)):
            yield claim.copy_with(f"{side}: {what}", **{side: new})
    for index, (symbol, expr) in enumerate(claim.where):
        for new, what in expression_mutants(expr):
            where = list(claim.where)
            where[index] = (symbol, new)
            yield claim.copy_with(f"{symbol}: {what}", where=where)
    if claim.rel in _FLIP:
        yield claim.copy_with(f"relation {claim.rel} -> {_FLIP[claim.rel]}", rel=_FLIP[claim.rel])
        if claim.sharp and claim.rel in ("<=", ">="):
            yield claim.copy_with(f"relation {claim.rel} -> strict", rel=claim.rel[0])
    searched = any(method == "search" for method, _, _ in claim.checks)
    for symbol, twin in assumption_twins(claim) if searched else ():
        swap = {symbol: twin}
        yield claim.copy_with(
            f"assumption on {to_latex(symbol)} dropped",
            lhs=claim.lhs.xreplace(swap),
            rhs=claim.rhs.xreplace(swap),
            given=[h.xreplace(swap) for h in claim.given],
            where=[(s, e.xreplace(swap)) for s, e in claim.where],
        )
    for index, h in enumerate(claim.given):
        rest = claim.given[:index] + claim.given[index + 1 :]
        name = _hypothesis_latex(h)
        yield claim.copy_with(f"hypothesis {name} dropped", given=rest)
        widened = _widened(h)
        if widened is not None:
            given = list(claim.given)
            given[index] = widened[0]
            yield claim.copy_with(f"hypothesis {name}: {widened[1]}", given=given)


def _hypothesis_latex(h: sympy.Basic) -> str:
    from dlhw.proof.claim import _relational_latex

    return _relational_latex(h)


def assumption_twins(claim: Claim) -> Iterator[tuple[sympy.Symbol, sympy.Symbol]]:
    """Yield the symbols whose assumptions restrict the claim (sign), each with a real twin."""
    symbols = set()
    for expr in (claim.lhs, claim.rhs, *claim.given, *(e for _, e in claim.where)):
        symbols |= {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    for symbol in sorted(symbols - {s for s, _ in claim.where}, key=str):
        if symbol.is_positive or symbol.is_nonnegative or symbol.is_negative:
            integer = bool(symbol.is_integer)
            yield (
                symbol,
                sympy.Symbol(symbol.name, integer=True)
                if integer
                else sympy.Symbol(symbol.name, real=True),
            )


def _checked_cases(claim: Claim, limit: int = 2000) -> list[dict[sympy.Basic, Any]]:
    """Instances the claim's checks looked at: its families, or draws from its spaces."""
    import numpy as np

    from dlhw.proof.space import constraints_from

    cases: list[dict[sympy.Basic, Any]] = []
    for method, args, _ in claim.checks:
        if method == "exhaustive":
            cases += list(args[0])[:limit]
        elif method == "search":
            space = args[0]
            rules = constraints_from(space, claim.given)
            rng = np.random.default_rng(0)
            for i in range(200):
                try:
                    cases.append(
                        space.draw(
                            rng,
                            ("random", "boundary", "extremal")[i % 3],
                            rules,
                            claim._definitions(),
                        )
                    )
                except Exception:
                    continue
    return cases


def implied_by(claim: Claim, mutant: Claim) -> bool:
    """Whether a surviving mutant is a *weaker* inequality than the claim on its cases.

    For ``lhs <= rhs``, a mutant whose slack ``rhs - lhs`` is at least the claim's on
    every checked case follows from the claim, so no check could refute it: it is not a
    weak check. (Mutants of the relation or of the hypotheses are never called weaker.)
    """
    if (
        claim.rel not in ("<=", "<", ">=", ">")
        or mutant.rel != claim.rel
        or mutant.given != claim.given
    ):
        return False
    from dlhw.proof.evaluate import as_scalar

    sign = 1.0 if claim.rel in ("<=", "<") else -1.0
    cases = _checked_cases(claim)
    if not cases:
        return False
    try:
        for case in cases:
            a_l, a_r = claim.evaluate(case)
            b_l, b_r = mutant.evaluate(case)
            slack_claim = sign * (float(as_scalar(a_r)) - float(as_scalar(a_l)))
            slack_mutant = sign * (float(as_scalar(b_r)) - float(as_scalar(b_l)))
            if slack_mutant < slack_claim - 1e-12 * max(1.0, abs(slack_claim)):
                return False
    except Exception:
        return False
    return True


@dataclass
class MutantResult:
    """The fate of one mutant."""

    key: str
    description: str
    status: str  # "killed", "survived", "true", "weaker", "invalid"
    detail: str


def run_mutants(
    claim: Claim, *, on_result: Callable[[MutantResult], Any] | None = None
) -> list[MutantResult]:
    """Rerun ``claim``'s recorded checks on each of its mutants."""
    if not claim.checks:
        raise ValueError(
            f"claim {claim.key!r} has no recorded checks: nothing can refute its mutants"
        )
    results = []
    for mutant in claim.mutants():
        description = mutant.mutation or "?"
        try:
            with unlogged():
                mutant.rerun()
        except ProofError as err:
            result = MutantResult(claim.key, description, "killed", err.step)
        except Exception as err:
            result = MutantResult(
                claim.key, description, "invalid", f"{type(err).__name__}: {err}"[:300]
            )
        else:
            if description in claim.true_mutants:
                result = MutantResult(
                    claim.key, description, "true", claim.true_mutants[description]
                )
            elif implied_by(claim, mutant):
                result = MutantResult(
                    claim.key, description, "weaker", "implied by the claim on the checked cases"
                )
            else:
                result = MutantResult(claim.key, description, "survived", "")
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
