"""Numerical evaluation of claim expressions, compiled once into Python closures.

The falsification search and the exhaustive checks of a claim evaluate its two sides
thousands of times. :func:`compile_numeric` turns a sympy expression (scalars, matrix
expressions, relations, quantities defined by code) into a function of a dictionary
``{symbol: value}`` that computes it with numpy. Integer inputs stay integers where the
operations allow it, so counts are compared exactly.

Examples
--------
>>> import numpy as np, sympy
>>> A = sympy.MatrixSymbol("A", 2, 2)
>>> k = sympy.Symbol("k", integer=True)
>>> f = compile_numeric(sympy.MatPow(A, k) + sympy.Identity(2))
>>> f({A: np.array([[1, 1], [0, 1]]), k: 3}).tolist()
[[2, 3], [0, 2]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from sympy.matrices.expressions.matexpr import MatrixElement

Env = Mapping[sympy.Basic, Any]
Compiled = Callable[[Env], Any]

_ELEMENTWISE: dict[type, Callable[[Any], Any]] = {
    sympy.Abs: np.abs,
    sympy.exp: np.exp,
    sympy.log: np.log,
    sympy.sin: np.sin,
    sympy.cos: np.cos,
    sympy.tanh: np.tanh,
    sympy.floor: np.floor,
    sympy.ceiling: np.ceil,
    sympy.sign: np.sign,
}
_RELATIONS: dict[type, Callable[[Any, Any], Any]] = {
    sympy.StrictLessThan: np.less,
    sympy.LessThan: np.less_equal,
    sympy.StrictGreaterThan: np.greater,
    sympy.GreaterThan: np.greater_equal,
    sympy.Equality: np.equal,
    sympy.Unequality: np.not_equal,
}


class EvaluationError(ValueError):
    """An expression cannot be evaluated numerically (unknown node or missing value)."""


def _constant(expr: sympy.Basic) -> Compiled:
    if expr in (sympy.zoo, sympy.oo, sympy.nan, -sympy.oo):
        value: Any = {sympy.zoo: math.inf, sympy.oo: math.inf, -sympy.oo: -math.inf}.get(
            expr, math.nan
        )
    elif expr.is_Integer:
        value = int(expr)
    elif expr.is_Rational:
        value = Fraction(int(expr.p), int(expr.q))
    elif expr is sympy.true or expr is sympy.false:
        value = bool(expr)
    else:
        value = float(expr)
    return lambda _env: value


def _fold(parts: list[Compiled], op: Callable[[Any, Any], Any]) -> Compiled:
    def run(env: Env) -> Any:
        result = parts[0](env)
        for part in parts[1:]:
            result = op(result, part(env))
        return result

    return run


def _equal(a: Any, b: Any) -> bool:
    """Whether two values are equal: all entries, for arrays."""
    return bool(np.shape(a) == np.shape(b) and np.all(np.asarray(a) == np.asarray(b)))


def _is_float(value: Any) -> bool:
    return isinstance(value, float | np.floating) or (
        isinstance(value, np.ndarray) and value.dtype.kind in "fc"
    )


def _exact_with(a: Any, b: Any) -> tuple[Any, Any]:
    """Keep fractions exact next to integers; let them become floats next to floats."""
    if isinstance(a, Fraction) and _is_float(b):
        return float(a), b
    if isinstance(b, Fraction) and _is_float(a):
        return a, float(b)
    return a, b


def _plus(a: Any, b: Any) -> Any:
    a, b = _exact_with(a, b)
    return a + b


def _times(a: Any, b: Any) -> Any:
    a, b = _exact_with(a, b)
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a @ b
    return a * b


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(base, int | np.integer | Fraction) and isinstance(exponent, int | np.integer):
        power = int(exponent)
        exact = base if isinstance(base, Fraction) else int(base)
        if power >= 0:
            return exact**power
        if exact != 0:
            return Fraction(1) / Fraction(exact) ** -power
        raise ZeroDivisionError(f"0 to the power {power}")
    return np.power(np.asarray(base, dtype=float), exponent)


def _matrix_power(base: Any, exponent: Any) -> Any:
    k = int(exponent)
    if k < 0:
        return np.linalg.matrix_power(np.linalg.inv(np.asarray(base, dtype=float)), -k)
    return np.linalg.matrix_power(np.asarray(base), k)


def _symbol(expr: sympy.Basic) -> Compiled:
    def run(env: Env) -> Any:
        try:
            return env[expr]
        except KeyError:
            raise EvaluationError(f"no value for {expr}") from None

    return run


def _sum(expr: sympy.Sum) -> Compiled:
    body = compile_numeric(expr.function)
    (index, low, high), *rest = expr.limits
    if rest:
        return compile_numeric(sympy.Sum(sympy.Sum(expr.function, *rest), (index, low, high)))
    lo, hi = compile_numeric(low), compile_numeric(high)

    def run(env: Env) -> Any:
        total: Any = 0
        for value in range(int(lo(env)), int(hi(env)) + 1):
            total = total + body({**env, index: value})
        return total

    return run


def _element(expr: MatrixElement) -> Compiled:
    parent, i, j = (compile_numeric(a) for a in expr.args)
    return lambda env: parent(env)[int(i(env)), int(j(env))]


def _piecewise(expr: sympy.Piecewise) -> Compiled:
    branches = [(compile_numeric(e), compile_numeric(c)) for e, c in expr.args]

    def run(env: Env) -> Any:
        for value, condition in branches:
            if bool(condition(env)):
                return value(env)
        raise EvaluationError(f"no branch of {expr} applies")

    return run


def _symmetric(m: Any) -> bool:
    a = np.asarray(m, dtype=float)
    return a.shape[0] == a.shape[1] and bool(np.allclose(a, a.T, rtol=1e-12, atol=0))


def _eigen_floor(m: Any) -> float:
    a = np.asarray(m, dtype=float)
    return float(np.linalg.eigvalsh((a + a.T) / 2)[0])


def _full_rank(m: Any) -> bool:
    a = np.asarray(m, dtype=float)
    return bool(int(np.linalg.matrix_rank(a)) == min(a.shape))


_PREDICATES: dict[str, Callable[[Any], bool]] = {
    "symmetric": _symmetric,
    "positive_definite": lambda m: _symmetric(m) and _eigen_floor(m) > 0,
    "positive_semidefinite": lambda m: (
        _symmetric(m)
        and _eigen_floor(m) >= -1e-12 * max(1.0, float(np.abs(np.asarray(m, dtype=float)).max()))
    ),
    "orthogonal": lambda m: bool(
        np.allclose(
            np.asarray(m, dtype=float).T @ np.asarray(m, dtype=float),
            np.eye(np.shape(m)[1]),
            atol=1e-10,
        )
    ),
    "diagonal": lambda m: bool(
        np.count_nonzero(np.asarray(m) - np.diag(np.diag(np.asarray(m)))) == 0
    ),
    "fullrank": _full_rank,
    "invertible": lambda m: np.shape(m)[0] == np.shape(m)[1] and _full_rank(m),
}


def _predicate(expr: sympy.Basic) -> Compiled:
    name = str(expr.function).removeprefix("Q.")
    if name not in _PREDICATES:
        raise EvaluationError(f"cannot evaluate the predicate {expr} numerically")
    test, (arg,) = _PREDICATES[name], [compile_numeric(a) for a in expr.arguments]
    return lambda env: test(arg(env))


def compile_numeric(expr: sympy.Basic) -> Compiled:  # noqa: PLR0911, PLR0912
    """Compile ``expr`` into a function of ``{symbol: value}`` computed with numpy.

    Matrix symbols take 2-D arrays (vectors are ``n x 1``), scalar symbols numbers;
    quantities made with :func:`dlhw.proof.notation.defined` call their ``numeric``
    implementation. Relations evaluate to booleans.

    Raises
    ------
    EvaluationError
        For a node the compiler does not know.
    """
    if isinstance(expr, sympy.MatrixBase):
        entries = [[compile_numeric(e) for e in row] for row in expr.tolist()]
        return lambda env: np.array([[e(env) for e in row] for row in entries])
    if expr.is_Number or expr in (sympy.true, sympy.false, sympy.pi, sympy.E, sympy.zoo, sympy.nan):
        return _constant(expr)
    if isinstance(expr, sympy.Symbol | sympy.MatrixSymbol):
        return _symbol(expr)
    if isinstance(expr, sympy.assumptions.AppliedPredicate):
        return _predicate(expr)
    numeric = getattr(type(expr), "numeric", None)
    if numeric is not None and hasattr(type(expr), "latex_template"):
        args = [compile_numeric(a) for a in expr.args]
        return lambda env: numeric(*(a(env) for a in args))
    if isinstance(expr, sympy.Add | sympy.MatAdd):
        return _fold([compile_numeric(a) for a in expr.args], _plus)
    if isinstance(expr, sympy.Mul | sympy.MatMul):
        return _fold([compile_numeric(a) for a in expr.args], _times)
    if isinstance(expr, sympy.HadamardProduct):
        return _fold([compile_numeric(a) for a in expr.args], lambda a, b: a * b)
    if isinstance(expr, sympy.MatPow):
        base, exponent = compile_numeric(expr.base), compile_numeric(expr.exp)
        return lambda env: _matrix_power(base(env), exponent(env))
    if isinstance(expr, sympy.Pow):
        base, exponent = compile_numeric(expr.base), compile_numeric(expr.exp)
        return lambda env: _power(base(env), exponent(env))
    if isinstance(expr, sympy.Transpose):
        arg = compile_numeric(expr.arg)
        return lambda env: np.asarray(arg(env)).T
    if isinstance(expr, sympy.Inverse):
        arg = compile_numeric(expr.arg)
        return lambda env: np.linalg.inv(np.asarray(arg(env), dtype=float))
    if isinstance(expr, sympy.Identity | sympy.ZeroMatrix | sympy.OneMatrix):
        rows, cols = (compile_numeric(s) for s in expr.shape)
        if isinstance(expr, sympy.Identity):
            return lambda env: np.eye(int(rows(env)), dtype=int)
        fill = 0 if isinstance(expr, sympy.ZeroMatrix) else 1
        return lambda env: np.full((int(rows(env)), int(cols(env))), fill, dtype=int)
    if isinstance(expr, MatrixElement):
        return _element(expr)
    if isinstance(expr, sympy.Trace):
        arg = compile_numeric(expr.arg)
        return lambda env: np.trace(arg(env))
    if isinstance(expr, sympy.Determinant):
        arg = compile_numeric(expr.arg)
        return lambda env: float(np.linalg.det(np.asarray(arg(env), dtype=float)))
    if isinstance(expr, sympy.Max | sympy.Min):
        op = np.maximum if isinstance(expr, sympy.Max) else np.minimum
        return _fold([compile_numeric(a) for a in expr.args], op)
    if type(expr) in _ELEMENTWISE:
        func, arg = _ELEMENTWISE[type(expr)], compile_numeric(expr.args[0])
        return lambda env: func(arg(env))
    if isinstance(expr, sympy.Equality | sympy.Unequality):
        left, right = compile_numeric(expr.lhs), compile_numeric(expr.rhs)
        same = isinstance(expr, sympy.Equality)
        return lambda env: _equal(left(env), right(env)) == same
    if type(expr) in _RELATIONS:
        rel, left, right = (
            _RELATIONS[type(expr)],
            compile_numeric(expr.lhs),
            compile_numeric(expr.rhs),
        )
        return lambda env: bool(np.all(rel(left(env), right(env))))
    if isinstance(expr, sympy.And | sympy.Or):
        parts = [compile_numeric(a) for a in expr.args]
        combine = all if isinstance(expr, sympy.And) else any
        return lambda env: combine(bool(p(env)) for p in parts)
    if isinstance(expr, sympy.Not):
        inner = compile_numeric(expr.args[0])
        return lambda env: not bool(inner(env))
    if isinstance(expr, sympy.Sum):
        return _sum(expr)
    if isinstance(expr, sympy.Piecewise):
        return _piecewise(expr)
    if isinstance(expr, sympy.factorial):
        arg = compile_numeric(expr.args[0])
        return lambda env: math.factorial(int(arg(env)))
    if isinstance(expr, sympy.binomial):
        top, bottom = (compile_numeric(a) for a in expr.args)
        return lambda env: math.comb(int(top(env)), int(bottom(env)))
    raise EvaluationError(f"cannot evaluate {type(expr).__name__} numerically: {expr}")


def as_scalar(value: Any) -> Any:
    """Return a 1 x 1 array as its single entry, everything else unchanged."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.ndim >= 1:
        value = value.reshape(-1)[0]
        return value if isinstance(value, Fraction) else value.item()
    return value
