"""Identity checks: exact simplification for scalars, random exact substitution otherwise.

A scalar identity is first simplified by sympy; if the difference simplifies to zero the
identity is proved. Otherwise, and for every expression that involves matrices
(``sympy.MatrixSymbol`` with concrete shapes), the identity is tested by substituting
random *integers* for every scalar symbol and random integer matrices for every matrix
symbol, and comparing the two sides in exact rational arithmetic. By the
Schwartz–Zippel lemma a false polynomial identity of degree ``D`` survives one
substitution drawn from ``{-R, ..., R}`` with probability at most ``D / (2R + 1)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy
from sympy.matrices.exceptions import NonInvertibleMatrixError

from dlhw.proof.latex import to_latex
from dlhw.proof.records import (
    CheckRecord,
    ProofError,
    Stopwatch,
    log,
    optional_label,
    require_text,
)

Sampler = Callable[[np.random.Generator], Any]

#: Largest absolute value of the random integers substituted for symbols.
ENTRY_RANGE = 1000
_MAX_RESAMPLES = 20


def as_sympy(expr: object, name: str) -> sympy.Basic:
    """Convert ``expr`` to a sympy object, or raise ``TypeError`` naming ``name``.

    Examples
    --------
    >>> as_sympy(3, "lhs")
    3
    """
    if isinstance(expr, sympy.Basic):
        return expr
    if isinstance(expr, int | sympy.Rational) and not isinstance(expr, bool):
        return sympy.Integer(expr)
    if isinstance(expr, sympy.MatrixBase):
        return sympy.ImmutableMatrix(expr)
    raise TypeError(
        f"{name} must be a sympy expression or matrix expression, got {type(expr).__name__}"
    )


def is_matrix(expr: sympy.Basic) -> bool:
    """Whether ``expr`` is matrix-valued (a matrix expression or an explicit matrix)."""
    return bool(getattr(expr, "is_Matrix", False))


def _concrete_shape(expr: sympy.Basic, name: str) -> tuple[int, int]:
    shape = expr.shape
    if not all(getattr(s, "is_Integer", False) or isinstance(s, int) for s in shape):
        raise TypeError(f"{name} must have a concrete shape, got {shape}")
    return int(shape[0]), int(shape[1])


def _symbols_of(*exprs: sympy.Basic) -> tuple[list[sympy.MatrixSymbol], list[sympy.Symbol]]:
    matrices: set[sympy.MatrixSymbol] = set()
    scalars: set[sympy.Symbol] = set()
    for expr in exprs:
        matrices |= expr.atoms(sympy.MatrixSymbol)
        scalars |= {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}

    def key(s: sympy.Basic) -> str:
        return str(s)

    return sorted(matrices, key=key), sorted(scalars, key=key)


def _random_integer(symbol: sympy.Symbol, rng: np.random.Generator) -> sympy.Integer:
    low = 1 if symbol.is_positive else 0 if symbol.is_nonnegative else -ENTRY_RANGE
    return sympy.Integer(int(rng.integers(low, ENTRY_RANGE + 1)))


def random_integer_matrix(
    rows: int, cols: int, rng: np.random.Generator, *, symmetric: bool = False
) -> sympy.ImmutableMatrix:
    """Draw a random integer matrix with entries in ``[-ENTRY_RANGE, ENTRY_RANGE]``.

    Examples
    --------
    >>> M = random_integer_matrix(2, 2, np.random.default_rng(0), symmetric=True)
    >>> M == M.T
    True
    """
    values = rng.integers(-ENTRY_RANGE, ENTRY_RANGE + 1, size=(rows, cols))
    if symmetric:
        values = np.triu(values) + np.triu(values, 1).T
    return sympy.ImmutableMatrix(values.tolist())


def _substitution(
    matrices: list[sympy.MatrixSymbol],
    scalars: list[sympy.Symbol],
    samplers: Mapping[sympy.Basic, Sampler],
    symmetric: set[sympy.MatrixSymbol],
    rng: np.random.Generator,
) -> dict[sympy.Basic, sympy.Basic]:
    values: dict[sympy.Basic, sympy.Basic] = {}
    for m in matrices:
        if m in samplers:
            values[m] = sympy.ImmutableMatrix(samplers[m](rng))
        else:
            rows, cols = _concrete_shape(m, f"matrix symbol {m}")
            values[m] = random_integer_matrix(rows, cols, rng, symmetric=m in symmetric)
    for s in scalars:
        values[s] = sympy.sympify(samplers[s](rng)) if s in samplers else _random_integer(s, rng)
    return values


def _evaluate(expr: sympy.Basic, values: Mapping[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    result = expr.xreplace(dict(values)).doit()
    if is_matrix(result):
        return sympy.ImmutableMatrix(result)
    return sympy.nsimplify(result) if result.has(sympy.Float) else result


def _is_zero(value: sympy.Basic) -> bool:
    entries = list(value) if is_matrix(value) else [value]
    for entry in entries:
        zero = entry.is_zero
        if zero is None:
            zero = sympy.simplify(entry).is_zero
        if zero is not True:
            return False
    return True


def _largest_entry(value: sympy.Basic) -> float:
    entries = list(value) if is_matrix(value) else [value]
    return max(abs(complex(sympy.N(e))) for e in entries)


def _symmetric_symbols(symmetric: Iterable[sympy.MatrixSymbol]) -> set[sympy.MatrixSymbol]:
    result = set(symmetric)
    for m in result:
        if not isinstance(m, sympy.MatrixSymbol) or m.shape[0] != m.shape[1]:
            raise ValueError(f"symmetric must hold square MatrixSymbols, got {m!r}")
    return result


def _check_shapes(text: str, left: sympy.Basic, right: sympy.Basic) -> None:
    if is_matrix(left) != is_matrix(right):
        raise ProofError(text, "shapes", "one side is a matrix and the other a scalar")
    if is_matrix(left):
        shapes = (_concrete_shape(left, "lhs"), _concrete_shape(right, "rhs"))
        if shapes[0] != shapes[1]:
            raise ProofError(text, "shapes", f"lhs is {shapes[0]}, rhs is {shapes[1]}")


def _default_claim(lhs: sympy.Basic, rhs: sympy.Basic) -> str:
    return f"${to_latex(lhs)} = {to_latex(rhs)}$"


def _substitution_test(  # noqa: PLR0917 (private helper of identity)
    text: str,
    left: sympy.Basic,
    right: sympy.Basic,
    symbols: tuple[list[sympy.MatrixSymbol], list[sympy.Symbol]],
    samplers: Mapping[sympy.Basic, Sampler],
    symmetric: set[sympy.MatrixSymbol],
    trials: int,
    seed: int,
) -> None:
    """Compare both sides at ``trials`` random exact points; raise at a difference."""
    matrices, scalars = symbols
    rng = np.random.default_rng(seed)
    for trial in range(1, trials + 1):
        for attempt in itertools.count():
            values = _substitution(matrices, scalars, samplers, symmetric, rng)
            try:
                diff = _evaluate(left, values) - _evaluate(right, values)
            except (ValueError, ZeroDivisionError, NonInvertibleMatrixError):
                diff = None
            if diff is not None and not diff.has(sympy.zoo, sympy.nan):
                break
            if attempt >= _MAX_RESAMPLES:
                raise ProofError(
                    text, f"substitution {trial}", "every random substitution hit a singularity"
                )
        if not _is_zero(diff):
            shown = ", ".join(f"{k}={v.tolist() if is_matrix(v) else v}" for k, v in values.items())
            raise ProofError(
                text,
                f"substitution {trial}",
                f"lhs - rhs has an entry of size {_largest_entry(diff):.6g} at {shown}",
            )


def identity(
    lhs: object,
    rhs: object,
    *,
    claim: str | None = None,
    label: str | None = None,
    trials: int = 6,
    seed: int = 0,
    symmetric: Iterable[sympy.MatrixSymbol] = (),
    samplers: Mapping[sympy.Basic, Sampler] | None = None,
) -> CheckRecord:
    r"""Check that ``lhs`` equals ``rhs`` identically.

    Parameters
    ----------
    lhs, rhs
        Sympy expressions: scalars, explicit matrices, or matrix expressions built
        from ``sympy.MatrixSymbol`` objects with concrete (integer) shapes.
    claim
        The claim in words; by default the LaTeX of ``lhs = rhs``.
    label
        The label of the theorem or lemma this check supports.
    trials
        Number of random substitutions when exact simplification does not apply.
    seed
        Seed of the random substitutions (checks are reproducible).
    symmetric
        Matrix symbols that stand for symmetric matrices (the identity is claimed only
        for those).
    samplers
        Optional map from a symbol to a function ``rng -> value`` that draws the
        values substituted for it (to impose other assumptions).

    Returns
    -------
    CheckRecord
        Kind ``"exact identity"`` when sympy simplified the difference to zero,
        ``"randomized identity"`` when it was settled by random exact substitution.

    Raises
    ------
    ProofError
        If the two sides differ (the message gives the substitution that separates
        them), have different shapes, or the identity cannot be decided.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> identity(x**2 - 1, (x - 1) * (x + 1)).kind
    'exact identity'
    >>> A, B = sympy.MatrixSymbol("A", 3, 3), sympy.MatrixSymbol("B", 3, 3)
    >>> identity((A * B).T, B.T * A.T).kind
    'randomized identity'
    >>> identity((A * B).T, A.T * B.T)
    Traceback (most recent call last):
    ...
    dlhw.proof.records.ProofError: claim ... failed at substitution 1: ...
    """
    left, right = as_sympy(lhs, "lhs"), as_sympy(rhs, "rhs")
    text = require_text(claim, "claim") if claim is not None else _default_claim(left, right)
    label = optional_label(label)
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"trials must be a positive integer, got {trials!r}")
    samplers = dict(samplers or {})
    symmetric_set = _symmetric_symbols(symmetric)
    clock = Stopwatch()
    _check_shapes(text, left, right)

    matrices, scalars = _symbols_of(left, right)
    exact_ok = not matrices and not symmetric_set and not samplers
    if exact_ok and sympy.simplify(left - right) == 0:
        record = CheckRecord(
            text, "exact identity", 1, 0.0, clock.seconds, label, "sympy simplifies lhs - rhs to 0"
        )
        return log(record)
    if not matrices and not scalars:
        diff = sympy.simplify(left - right)
        raise ProofError(text, "evaluation", f"lhs - rhs = {diff}")
    if not matrices and not (left - right).is_rational_function(*scalars):
        raise ProofError(
            text,
            "simplification",
            "undecided: sympy did not simplify lhs - rhs to 0 and the expression is "
            "not a rational function, so random substitution proves nothing",
        )

    _substitution_test(
        text, left, right, (matrices, scalars), samplers, symmetric_set, trials, seed
    )
    detail = f"{trials} random exact substitutions, integers in [-{ENTRY_RANGE}, {ENTRY_RANGE}]"
    return log(CheckRecord(text, "randomized identity", trials, 0.0, clock.seconds, label, detail))
