"""Guards that keep the kernel sound: budgets, tolerances, exact content, degrees.

A check is only as good as what it is allowed to accept. These helpers refuse the inputs
under which a check would pass a false claim: a budget of zero trials, a tolerance of
NaN, a float that rounds a false identity to a true one, a ``sin`` that random integer
points cannot see, a predicate that answers with integers instead of booleans.
"""

from __future__ import annotations

import math
import numbers

import sympy

#: Largest budget (trials, starts, iterations, cases) a check accepts: beyond it a
#: check would run for hours; raise it here deliberately if a claim needs more.
MAX_BUDGET = 10**7
#: Largest tolerance (absolute or relative) a numerical check accepts.
MAX_TOLERANCE = 1e-3


def budget(value: object, name: str, *, minimum: int = 1, maximum: int = MAX_BUDGET) -> int:
    """Return ``value`` as an int in ``[minimum, maximum]`` or raise.

    Examples
    --------
    >>> budget(5, "trials")
    5
    >>> budget(0, "trials")
    Traceback (most recent call last):
    ...
    ValueError: trials must be an integer between 1 and 10000000, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    result = int(value)
    if not minimum <= result <= maximum:
        raise ValueError(f"{name} must be an integer between {minimum} and {maximum}, got {value}")
    return result


def tolerance(value: object, name: str, *, maximum: float = MAX_TOLERANCE) -> float:
    """Return ``value`` as a finite float in ``[0, maximum]`` or raise.

    Examples
    --------
    >>> tolerance(1e-9, "rtol")
    1e-09
    >>> tolerance(float("nan"), "rtol")
    Traceback (most recent call last):
    ...
    ValueError: rtol must be a finite number between 0 and 0.001, got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    result = float(value)
    if not (math.isfinite(result) and 0 <= result <= maximum):
        raise ValueError(f"{name} must be a finite number between 0 and {maximum}, got {value!r}")
    return result


def inexact_atoms(*exprs: sympy.Basic) -> set[sympy.Basic]:
    """Floats (inexact numbers) anywhere in ``exprs``, explicit matrices included.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> inexact_atoms(x + sympy.Float(0.5)), inexact_atoms(x + sympy.Rational(1, 2))
    ({0.500000000000000}, set())
    """
    found: set[sympy.Basic] = set()
    for expr in exprs:
        found |= expr.atoms(sympy.Float)
    return found


def refuse_inexact(claim: str, *exprs: sympy.Basic) -> None:
    """Raise ``TypeError`` if an exact check is asked to compare inexact numbers."""
    floats = inexact_atoms(*exprs)
    if floats:
        shown = ", ".join(sorted(str(f) for f in floats)[:3])
        raise TypeError(
            f"claim {claim!r}: exact checks refuse floating-point numbers ({shown}); write "
            "exact rationals (sympy.Rational), or state a tolerance= for a numerical check"
        )


def non_rational_parts(expr: sympy.Basic) -> list[sympy.Basic]:
    """Sub-expressions that make ``expr`` not a rational function of its symbols.

    Random substitution proves a *rational* identity (Schwartz–Zippel); functions such as
    ``sin``, ``floor``, ``Abs``, powers with symbolic or fractional exponents can vanish at
    every integer point without vanishing identically, so they must not reach it.

    Examples
    --------
    >>> x = sympy.Symbol("x")
    >>> non_rational_parts(x**2 / (x + 1))
    []
    >>> non_rational_parts(sympy.sin(sympy.pi * x) + x)
    [sin(pi*x)]
    """
    bad: list[sympy.Basic] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow | sympy.MatPow):
            exponent = node.exp
            if not (exponent.is_Integer or (node.base.is_number and exponent.is_number)):
                bad.append(node)
        elif isinstance(node, sympy.Function | sympy.Piecewise) and not getattr(
            node, "rational", False
        ):
            bad.append(node)
        elif isinstance(node, sympy.Float) or hasattr(node, "shape_of"):
            bad.append(node)  # a float, or a matrix quantity defined by code
    return bad


def degree_bound(expr: sympy.Basic) -> int:
    """Return an upper bound on the total degree of ``expr`` as a rational function.

    For a quotient ``p / q`` the bound counts ``deg p + deg q``; a matrix expression's
    entries are polynomials in the entries of its matrix symbols, so a product adds
    degrees, a sum takes the largest, a power multiplies, and an inverse of an
    ``n x n`` matrix of degree ``d`` has entries of degree at most ``(2n - 1) d``
    (adjugate over determinant).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> degree_bound(x**3 * y + x), degree_bound(1 / (x + y))
    (4, 1)
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> degree_bound(A * A.T * A)
    3
    """
    return max(1, _degree(expr))


def _degree(expr: sympy.Basic) -> int:  # noqa: PLR0911 (one case per node type)
    if expr.is_number:
        return 0
    if isinstance(expr, sympy.Symbol | sympy.MatrixSymbol):
        return 1
    if isinstance(expr, sympy.MatrixBase):
        return max((_degree(e) for e in expr), default=0)
    if isinstance(expr, sympy.Mul | sympy.MatMul | sympy.HadamardProduct):
        return sum(_degree(a) for a in expr.args)
    if isinstance(expr, sympy.Pow | sympy.MatPow):
        power = expr.exp
        if not power.is_Integer:
            return _degree(expr.base) * 64  # refused elsewhere; keep the bound large
        if isinstance(expr, sympy.MatPow) and power < 0:
            n = int(expr.base.shape[0])
            return (2 * n - 1) * _degree(expr.base) * abs(int(power))
        return _degree(expr.base) * abs(int(power))
    if isinstance(expr, sympy.Inverse):
        n = int(expr.arg.shape[0])
        return (2 * n - 1) * _degree(expr.arg)
    if isinstance(expr, sympy.Determinant):
        return int(expr.arg.shape[0]) * _degree(expr.arg)
    return max((_degree(a) for a in expr.args), default=0)
