"""Identity checks: exact simplification for scalars, random exact substitution otherwise.

A scalar identity is first simplified by sympy; if the difference simplifies to zero the
identity is proved. Otherwise, and for every expression that involves matrices
(``sympy.MatrixSymbol`` with concrete shapes), the identity is tested by substituting
random exact numbers for every symbol and random integer matrices for every matrix
symbol, and comparing the two sides in exact rational arithmetic.

Soundness rests on the Schwartz–Zippel lemma: a non-zero rational function whose
numerator and denominator have total degree at most ``D`` vanishes at a point drawn
uniformly from ``S`` values per variable with probability at most ``D / |S|``. So

* only rational content is accepted (no ``sin``, ``floor``, ``Abs``, symbolic
  exponents): anything else is refused as undecided;
* no floating-point number is accepted unless the caller states a tolerance (floats
  round, and a rounded false identity can look true);
* the range of the substituted integers grows with the degree, so that every trial
  fails a false identity with probability at least ``1 - 1/1000``; the record carries
  the resulting bound on the probability that a false identity passes every trial;
* the points come from a generator seeded by the content of the claim (and the
  book-wide seed), so no false claim can be tuned to a fixed set of points.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy.matrices.exceptions import NonInvertibleMatrixError

from dlhw.proof.guards import budget, degree_bound, non_rational_parts, refuse_inexact, tolerance
from dlhw.proof.latex import to_latex
from dlhw.proof.records import (
    CheckRecord,
    ProofError,
    Stopwatch,
    content_seed,
    log,
    optional_label,
    require_text,
)

Sampler = Callable[[np.random.Generator], Any]

#: Smallest range ``[-R, R]`` of the random integers substituted for symbols.
ENTRY_RANGE = 1000
#: The range grows to ``RANGE_PER_DEGREE * D`` for an identity of degree bound ``D``,
#: so one trial passes a false identity with probability at most ``1 / 2000``.
RANGE_PER_DEGREE = 1000
DEFAULT_TRIALS = 6
_MAX_RESAMPLES = 20
#: Larger differences are not handed to ``sympy.simplify`` (it can take hours).
_MAX_SIMPLIFY_OPS = 400


def as_sympy(expr: object, name: str) -> sympy.Basic:
    """Convert ``expr`` to a sympy object, or raise ``TypeError`` naming ``name``.

    Examples
    --------
    >>> as_sympy(3, "lhs")
    3
    >>> as_sympy(0.5, "lhs")
    Traceback (most recent call last):
    ...
    TypeError: lhs must be a sympy expression or an int, got float (write sympy.Rational(1, 2) ...
    """
    if isinstance(expr, sympy.Basic):
        return expr
    if isinstance(expr, bool):
        raise TypeError(f"{name} must be a sympy expression, got bool")
    if isinstance(expr, int):
        return sympy.Integer(expr)
    if isinstance(expr, sympy.MatrixBase):
        return sympy.ImmutableMatrix(expr)
    hint = " (write sympy.Rational(1, 2) for an exact 1/2)" if isinstance(expr, float) else ""
    raise TypeError(f"{name} must be a sympy expression or an int, got {type(expr).__name__}{hint}")


def is_matrix(expr: sympy.Basic) -> bool:
    """Whether ``expr`` is matrix-valued (a matrix expression or an explicit matrix)."""
    return bool(getattr(expr, "is_Matrix", False))


def concrete_shape(expr: sympy.Basic, name: str) -> tuple[int, int]:
    """Return the shape of a matrix expression, which must be made of integers."""
    shape = expr.shape
    if not all(getattr(s, "is_Integer", False) or isinstance(s, int) for s in shape):
        raise TypeError(f"{name} must have a concrete shape, got {shape}")
    return int(shape[0]), int(shape[1])


def symbols_of(*exprs: sympy.Basic) -> tuple[list[sympy.MatrixSymbol], list[sympy.Symbol]]:
    """Return the matrix symbols and the scalar symbols of ``exprs``, sorted by name."""
    matrices: set[sympy.MatrixSymbol] = set()
    scalars: set[sympy.Symbol] = set()
    for expr in exprs:
        matrices |= expr.atoms(sympy.MatrixSymbol)
        scalars |= {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    return sorted(matrices, key=str), sorted(scalars, key=str)


def random_integer_matrix(
    rows: int,
    cols: int,
    rng: np.random.Generator,
    *,
    symmetric: bool = False,
    entry_range: int = ENTRY_RANGE,
) -> sympy.ImmutableMatrix:
    """Draw a random integer matrix with entries in ``[-entry_range, entry_range]``.

    Examples
    --------
    >>> M = random_integer_matrix(2, 2, np.random.default_rng(0), symmetric=True)
    >>> M == M.T
    True
    """
    values = [
        [int(rng.integers(-entry_range, entry_range + 1)) for _ in range(cols)] for _ in range(rows)
    ]
    matrix = sympy.ImmutableMatrix(values)
    if symmetric:
        upper = sympy.Matrix(matrix).upper_triangular()
        matrix = sympy.ImmutableMatrix(upper + upper.T - sympy.diag(*upper.diagonal()))
    return matrix


def random_orthogonal_matrix(
    n: int, rng: np.random.Generator, *, reflect: bool = False, entry_range: int = ENTRY_RANGE
) -> sympy.ImmutableMatrix:
    """Draw an exact rational orthogonal matrix (a Cayley transform, optionally reflected).

    ``(I − K)(I + K)⁻¹`` for a random integer skew-symmetric ``K`` is orthogonal with
    determinant ``+1`` (``I + K`` is always invertible: ``K`` has imaginary eigenvalues),
    and these matrices are dense in the rotations; ``reflect=True`` negates the first row,
    which gives the other component (determinant ``−1``). An identity in the entries of
    an orthogonal matrix becomes a rational identity in the entries of ``K``, so random
    integer ``K`` test it as any other randomized identity.

    Examples
    --------
    >>> Q = random_orthogonal_matrix(3, np.random.default_rng(0), entry_range=3)
    >>> Q.T * Q == sympy.eye(3), Q.det()
    (True, 1)
    >>> random_orthogonal_matrix(2, np.random.default_rng(0), reflect=True).det()
    -1
    """
    K = sympy.zeros(n, n)
    for i, j in itertools.combinations(range(n), 2):
        value = int(rng.integers(-entry_range, entry_range + 1))
        K[i, j], K[j, i] = value, -value
    eye = sympy.eye(n)
    Q = (eye - K) * (eye + K).inv()
    if reflect:
        Q[0, :] = -Q[0, :]
    return sympy.ImmutableMatrix(Q)


def _orthogonal_sampler(n: int) -> Sampler:
    """Alternate rotations and reflections, so that two draws meet both components."""
    draws = itertools.count()

    def draw(rng: np.random.Generator) -> sympy.ImmutableMatrix:
        # small K: the entries' denominators grow like det(I + K), keep them readable
        return random_orthogonal_matrix(n, rng, reflect=next(draws) % 2 == 1, entry_range=20)

    return draw


def _diagonal_sampler(n: int) -> Sampler:
    def draw(rng: np.random.Generator) -> sympy.ImmutableMatrix:
        entries = [int(v) for v in rng.integers(-ENTRY_RANGE, ENTRY_RANGE + 1, size=n)]
        return sympy.ImmutableMatrix(sympy.diag(*entries))

    return draw


#: Matrix hypotheses that random substitutions can impose, and those that hold for random
#: integer matrices with probability one (a singular draw is redrawn).
IMPOSED = ("symmetric", "orthogonal", "diagonal")
ALMOST_SURE = ("invertible", "fullrank")


def hypothesis_structure(
    given: Iterable[sympy.Basic],
) -> tuple[list[sympy.MatrixSymbol], dict[sympy.Basic, Sampler], list[sympy.Basic]]:
    """Split hypotheses into what random substitutions impose and what they cannot.

    Returns the symmetric matrix symbols, samplers for orthogonal (exact rational, both
    components) and diagonal symbols, and the hypotheses that cannot be imposed.

    Examples
    --------
    >>> V, S = sympy.MatrixSymbol("V", 3, 3), sympy.MatrixSymbol("S", 2, 2)
    >>> sym, samplers, rest = hypothesis_structure([sympy.Q.orthogonal(V), sympy.Q.diagonal(S)])
    >>> sym, sorted(map(str, samplers)), rest
    ([], ['S', 'V'], [])
    """
    symmetric: list[sympy.MatrixSymbol] = []
    samplers: dict[sympy.Basic, Sampler] = {}
    rest: list[sympy.Basic] = []
    for h in given:
        name = (
            str(h.function).removeprefix("Q.")
            if isinstance(h, sympy.assumptions.AppliedPredicate)
            else None
        )
        if name in ALMOST_SURE:
            continue
        if name not in IMPOSED:
            rest.append(h)
            continue
        (m,) = h.arguments
        if not isinstance(m, sympy.MatrixSymbol) or m.shape[0] != m.shape[1]:
            raise ValueError(f"the hypothesis {h} needs a square MatrixSymbol")
        if m in samplers or (m in symmetric and name != "symmetric"):
            raise ValueError(f"{m} has two structural hypotheses; random substitution imposes one")
        n = concrete_shape(m, str(m))[0]
        if name == "symmetric":
            symmetric.append(m)
        else:
            samplers[m] = _orthogonal_sampler(n) if name == "orthogonal" else _diagonal_sampler(n)
    return symmetric, samplers, rest


def random_value(symbol: sympy.Symbol, rng: np.random.Generator, entry_range: int) -> sympy.Integer:
    """Draw a random integer in the domain that ``symbol``'s assumptions describe.

    Positive symbols get values in ``[1, R]``, non-negative ones ``[0, R]``, negative
    ones ``[-R, -1]``, all others ``[-R, R]``. Integers suffice for rational identities
    (a rational function that vanishes on a large enough grid vanishes everywhere), and
    the range ``R`` grows with the degree of the identity, so there is no fixed window.

    Examples
    --------
    >>> k = sympy.Symbol("k", positive=True, integer=True)
    >>> random_value(k, np.random.default_rng(1), 10) >= 1
    True
    """
    r = entry_range
    if symbol.is_positive:
        low, high = 1, r
    elif symbol.is_nonnegative:
        low, high = 0, r
    elif symbol.is_negative:
        low, high = -r, -1
    elif symbol.is_nonpositive:
        low, high = -r, 0
    else:
        low, high = -r, r
    return sympy.Integer(int(rng.integers(low, high + 1)))


def _check_sampled(symbol: sympy.Basic, value: sympy.Basic, symmetric: bool, text: str) -> None:
    """Check that a caller's sampled value has the symbol's shape and domain."""
    if isinstance(symbol, sympy.MatrixSymbol):
        if not isinstance(value, sympy.MatrixBase):
            raise TypeError(
                f"sampler for {symbol} must return a matrix, got {type(value).__name__}"
            )
        if tuple(value.shape) != concrete_shape(symbol, str(symbol)):
            raise ValueError(
                f"sampler for {symbol} returned shape {tuple(value.shape)}, but {symbol} is "
                f"{symbol.shape[0]} x {symbol.shape[1]}"
            )
        if symmetric and value != value.T:
            raise ValueError(
                f"sampler for {symbol} must return symmetric matrices (it is declared symmetric)"
            )
        entries = list(value)
    else:
        if isinstance(value, sympy.MatrixBase):
            raise TypeError(f"sampler for scalar {symbol} returned a matrix")
        entries = [value]
        domain_checks = {
            "integer": symbol.is_integer and not all(e.is_integer for e in entries),
            "positive": symbol.is_positive and not all(e.is_positive for e in entries),
            "nonnegative": symbol.is_nonnegative and not all(e.is_nonnegative for e in entries),
        }
        for domain, failed in domain_checks.items():
            if failed:
                raise ValueError(f"sampler for {symbol} returned {value}, which is not {domain}")
    refuse_inexact(text, *entries)


def index_ranges(*exprs: sympy.Basic) -> dict[sympy.Symbol, int]:
    """Symbols used as matrix indices, with the number of values each can take.

    Such a symbol is not a variable of a polynomial: every trial runs through all of
    its values (exhaustively), instead of drawing it.

    Examples
    --------
    >>> A = sympy.MatrixSymbol("A", 3, 4)
    >>> i, j = sympy.symbols("i j", integer=True)
    >>> sorted(index_ranges(A[i, j] + 1).items(), key=str)
    [(i, 3), (j, 4)]
    """
    ranges: dict[sympy.Symbol, int] = {}
    for expr in exprs:
        free = expr.free_symbols  # indices bound by a Sum are not free
        for element in expr.atoms(sympy.matrices.expressions.matexpr.MatrixElement):
            for index, size in zip(element.args[1:], element.args[0].shape, strict=True):
                if isinstance(index, sympy.Symbol) and index in free:
                    ranges[index] = min(ranges.get(index, int(size)), int(size))
    return ranges


def _evaluate(expr: sympy.Basic, values: Mapping[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    result = expr.xreplace(dict(values)).doit()
    if is_matrix(result):
        return sympy.ImmutableMatrix(result)
    return result


def _entries(value: sympy.Basic) -> list[sympy.Basic]:
    return list(value) if is_matrix(value) else [value]


def _is_zero(value: sympy.Basic) -> bool:
    for entry in _entries(value):
        zero = entry.is_zero
        if zero is None:
            zero = sympy.simplify(entry).is_zero
        if zero is not True:
            return False
    return True


def _largest_entry(value: sympy.Basic) -> float:
    return max(abs(complex(sympy.N(e))) for e in _entries(value))


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
        shapes = (concrete_shape(left, "lhs"), concrete_shape(right, "rhs"))
        if shapes[0] != shapes[1]:
            raise ProofError(text, "shapes", f"lhs is {shapes[0]}, rhs is {shapes[1]}")


def _default_claim(lhs: sympy.Basic, rhs: sympy.Basic) -> str:
    size = sympy.count_ops(lhs) + sympy.count_ops(rhs)
    if size > _MAX_SIMPLIFY_OPS:
        return f"an identity of {size} operations"
    return f"${to_latex(lhs)} = {to_latex(rhs)}$"


def _numerical_gap(diff: sympy.Basic, left: sympy.Basic, right: sympy.Basic) -> float:
    """Largest ``|lhs - rhs|`` relative to the size of the sides (at least 1)."""
    scale = max([1.0] + [abs(complex(sympy.N(e))) for e in _entries(left) + _entries(right)])
    return _largest_entry(diff) / scale


@dataclass
class _Points:
    """Random exact points for the symbols of one identity, and how to compare there."""

    text: str
    matrices: list[sympy.MatrixSymbol]
    scalars: list[sympy.Symbol]
    samplers: Mapping[sympy.Basic, Sampler]
    symmetric: set[sympy.MatrixSymbol]
    rng: np.random.Generator
    entry_range: int
    tol: float | None

    def draw(self) -> dict[sympy.Basic, sympy.Basic]:
        """Draw one point: every matrix and scalar symbol gets an exact value."""
        values: dict[sympy.Basic, sympy.Basic] = {}
        for m in self.matrices:
            if m in self.samplers:
                value = self.samplers[m](self.rng)
                value = value if isinstance(value, sympy.Basic) else sympy.ImmutableMatrix(value)
                if self.tol is None:
                    _check_sampled(m, value, m in self.symmetric, self.text)
                values[m] = value
            else:
                rows, cols = concrete_shape(m, f"matrix symbol {m}")
                values[m] = random_integer_matrix(
                    rows,
                    cols,
                    self.rng,
                    symmetric=m in self.symmetric,
                    entry_range=self.entry_range,
                )
        for sym in self.scalars:
            if sym in self.samplers:
                value = sympy.sympify(self.samplers[sym](self.rng))
                if self.tol is None:
                    _check_sampled(sym, value, False, self.text)
                values[sym] = value
            else:
                values[sym] = random_value(sym, self.rng, self.entry_range)
        return values

    def compare(self, left: sympy.Basic, right: sympy.Basic, trials: int) -> tuple[float, int]:
        """Compare both sides at ``trials`` points; raise at a difference.

        Symbols used as matrix indices run through all their values at every point.
        Returns the worst gap (0 for exact checks) and the number of evaluations.
        """
        indices = {k: n for k, n in index_ranges(left, right).items() if k not in self.samplers}
        self.scalars = [sym for sym in self.scalars if sym not in indices]
        combos = [
            {k: sympy.Integer(v) for k, v in zip(indices, values, strict=True)}
            for values in itertools.product(*(range(n) for n in indices.values()))
        ]
        worst, count = 0.0, 0
        for trial in range(1, trials + 1):
            values, sides = self._evaluate_somewhere(left, right, combos, trial)
            for (lv, rv), combo in zip(sides, combos, strict=True):
                count += 1
                worst = max(worst, self._judge(lv, rv, {**values, **combo}, trial))
        return worst, count

    def _evaluate_somewhere(
        self,
        left: sympy.Basic,
        right: sympy.Basic,
        combos: list[dict[sympy.Basic, Any]],
        trial: int,
    ) -> tuple[dict[sympy.Basic, sympy.Basic], list[tuple[sympy.Basic, sympy.Basic]]]:
        for _ in range(_MAX_RESAMPLES + 1):
            values = self.draw()
            try:
                sides = [
                    (_evaluate(left, {**values, **c}), _evaluate(right, {**values, **c}))
                    for c in combos
                ]
            except IndexError as err:
                where = f"substitution {trial}"
                raise ProofError(self.text, where, f"cannot evaluate: {err}") from err
            except (ValueError, ZeroDivisionError, NonInvertibleMatrixError):
                continue
            if not any((lv - rv).has(sympy.zoo, sympy.nan, sympy.oo) for lv, rv in sides):
                return values, sides
        raise ProofError(
            self.text, f"substitution {trial}", "every random substitution hit a singularity"
        )

    def _judge(
        self, lv: sympy.Basic, rv: sympy.Basic, values: dict[sympy.Basic, Any], trial: int
    ) -> float:
        diff = lv - rv
        if self.tol is None:
            if not _is_zero(diff):
                shown = ", ".join(
                    f"{k}={v.tolist() if is_matrix(v) else v}" for k, v in values.items()
                )
                raise ProofError(
                    self.text,
                    f"substitution {trial}",
                    f"lhs - rhs has an entry of size {_largest_entry(diff):.6g} at {shown}",
                )
            return 0.0
        gap = _numerical_gap(diff, lv, rv)
        if not gap <= self.tol:
            raise ProofError(
                self.text,
                f"substitution {trial}",
                f"relative gap {gap:.3g} exceeds tolerance {self.tol:g}",
            )
        return gap


def _undecided(text: str, parts: list[sympy.Basic]) -> ProofError:
    shown = ", ".join(str(p) for p in parts[:3])
    return ProofError(
        text,
        "simplification",
        "undecided: sympy did not simplify lhs - rhs to 0 and the expression is not a "
        f"rational function of its symbols ({shown}), so random substitution proves nothing",
    )


def identity(
    lhs: object,
    rhs: object,
    *,
    claim: str | None = None,
    label: str | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    symmetric: Iterable[sympy.MatrixSymbol] = (),
    samplers: Mapping[sympy.Basic, Sampler] | None = None,
    tol: float | None = None,
    statement: str | None = None,
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
        Mixed with the content of the claim and the book-wide seed into the seed of the
        substitutions: checks are reproducible, and points move when the claim changes.
    symmetric
        Matrix symbols that stand for symmetric matrices (the identity is claimed only
        for those).
    samplers
        Optional map from a symbol to a function ``rng -> value`` that draws the values
        substituted for it (to impose other assumptions). Values must have the symbol's
        shape and domain; samplers of symbols that do not occur are ignored.
    tol
        ``None`` (exact, the default) or a relative tolerance for a *numerical* check:
        floats are then allowed and the record says so.
    statement
        LaTeX of the statement, when the check comes from a claim object.

    Returns
    -------
    CheckRecord
        Kind ``"exact identity"`` when sympy simplified the difference to zero,
        ``"randomized identity"`` when it was settled by random substitution.

    Raises
    ------
    ProofError
        If the two sides differ (the message gives the substitution that separates
        them), have different shapes, or the identity cannot be decided.
    TypeError
        If an exact check meets a floating-point number.

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
    # differentiate before substituting: a derivative at a substituted point means nothing
    left, right = _differentiated(left), _differentiated(right)
    label = optional_label(label)
    trials = budget(trials, "trials")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    tol = None if tol is None else tolerance(tol, "tol")
    samplers = _valid_samplers(samplers)
    symmetric_set = _symmetric_symbols(symmetric)
    if tol is None:
        refuse_inexact(text, left, right)
    clock = Stopwatch()
    _check_shapes(text, left, right)

    matrices, scalars = symbols_of(left, right)
    samplers = {k: v for k, v in samplers.items() if k in set(matrices) | set(scalars)}
    symmetric_set &= set(matrices)

    def record(kind: str, cases: int, worst: float, detail: str, **more: Any) -> CheckRecord:
        return log(
            CheckRecord(
                text, kind, cases, worst, clock.seconds, label, detail, statement=statement, **more
            )
        )

    if not matrices and not scalars:  # a constant identity: decide it exactly
        gap = _constant_gap(text, left, right, tol)
        if tol is None:
            return record("exact identity", 1, 0.0, "the constant sides are equal")
        return record("randomized identity", 1, gap, f"numerical, tolerance {tol:g}", tolerance=tol)
    bad = non_rational_parts(left) + non_rational_parts(right)
    degree = degree_bound(left) + degree_bound(right)
    entry_range = max(ENTRY_RANGE, RANGE_PER_DEGREE * degree)
    rng = np.random.default_rng(content_seed(seed, sympy.srepr(left), sympy.srepr(right), label))
    points = _Points(text, matrices, scalars, samplers, symmetric_set, rng, entry_range, tol)
    if tol is None and not matrices and not samplers:
        if not bad:  # one random point first: refutes a false identity before any algebra
            _Points(text, [], list(scalars), {}, set(), rng, entry_range, None).compare(
                left, right, 1
            )
        gap = (left - right).doit()  # derivatives and sums written unevaluated
        if sympy.count_ops(gap) <= _MAX_SIMPLIFY_OPS and sympy.simplify(gap) == 0:
            return record("exact identity", 1, 0.0, "sympy simplifies lhs - rhs to 0")
    if bad and tol is None:
        raise _undecided(text, bad)
    worst, evaluations = points.compare(left, right, trials)
    if tol is not None:
        detail = f"{trials} random substitutions, numerical, tolerance {tol:g}"
        return record("randomized identity", evaluations, worst, detail, tolerance=tol)
    failure = None if samplers else (degree / (2 * entry_range + 1)) ** trials
    detail = _randomized_detail(
        left,
        right,
        samplers=samplers,
        trials=trials,
        entry_range=entry_range,
        degree=degree,
        failure=failure,
    )
    return record("randomized identity", evaluations, 0.0, detail, failure_bound=failure)


def _differentiated(expr: sympy.Basic) -> sympy.Basic:
    """``expr`` with every unevaluated ``Derivative`` carried out (exact differentiation)."""
    if not expr.has(sympy.Derivative):
        return expr
    return expr.replace(lambda e: isinstance(e, sympy.Derivative), lambda e: e.doit())


def _valid_samplers(samplers: Mapping[sympy.Basic, Sampler] | None) -> dict[sympy.Basic, Sampler]:
    result = dict(samplers or {})
    for key, sampler in result.items():
        if not isinstance(key, sympy.Symbol | sympy.MatrixSymbol) or not callable(sampler):
            raise TypeError("samplers must map sympy symbols to functions rng -> value")
    return result


def _constant_gap(text: str, left: sympy.Basic, right: sympy.Basic, tol: float | None) -> float:
    """Decide an identity of constants; return its numerical gap (0 when exact)."""
    diff = sympy.ImmutableMatrix(left - right) if is_matrix(left) else sympy.simplify(left - right)
    if tol is None:
        if _is_zero(diff):
            return 0.0
    else:
        gap = _numerical_gap(diff, left, right)
        if gap <= tol:
            return gap
    raise ProofError(text, "evaluation", f"lhs - rhs = {diff}")


def _randomized_detail(
    left: sympy.Basic,
    right: sympy.Basic,
    *,
    samplers: Mapping[sympy.Basic, Sampler],
    trials: int,
    entry_range: int,
    degree: int,
    failure: float | None,
) -> str:
    where = (
        "values from the caller's samplers for " + ", ".join(sorted(map(str, samplers)))
        if samplers
        else f"integers in [-{entry_range}, {entry_range}]"
    )
    detail = f"{trials} random exact substitutions, {where}, degree <= {degree}"
    indices = index_ranges(left, right)
    if indices:
        detail += "; at each, every value of the indices " + ", ".join(map(str, indices))
    if failure is not None:
        detail += f"; a false identity passes with probability <= {failure:.1e}"
    return detail
