r"""Quantities defined by code, written in the book's notation.

A claim is built from sympy expressions. Some of its atoms are not algebra but
*computations* — the largest eigenvalue of a matrix, the number of walks between two
vertices, the output of a network — that a chapter defines once with :func:`defined`:
a name, the LaTeX the reader sees (``#0``, ``#1``, ... stand for the printed
arguments), and the numerical implementation the checks evaluate. The same object is
printed in the statement and evaluated by its checks.

Examples
--------
>>> import numpy as np, sympy
>>> H = sympy.MatrixSymbol("H", 2, 2)
>>> lam_max(H)
lam_max(H)
>>> from dlhw.proof.latex import to_latex
>>> to_latex(2 * lam_max(H))
'2 \\lambda_{\\max}(H)'
>>> float(lam_max.numeric(np.diag([1.0, 3.0])))
3.0
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import sympy
from sympy.matrices.expressions.matexpr import MatrixExpr

from dlhw.proof.records import require_text

_PLACEHOLDER = re.compile(r"#(\d)")
_RELATION = re.compile(
    r"(?<![\\a-zA-Z])(=|<|>)|\\(le|leq|ge|geq|ne|neq|lt|gt|iff|Leftrightarrow|Rightarrow)(?![a-zA-Z])"
)


def _fill(template: str, printed: list[str]) -> str:
    def one(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(printed):
            raise ValueError(
                f"LaTeX template {template!r} names argument #{index}, but there are {len(printed)}"
            )
        return printed[index]

    return _PLACEHOLDER.sub(one, template)


class Defined(sympy.Function):  # type: ignore[misc]
    """A scalar quantity defined by code: see :func:`defined`."""

    latex_template: ClassVar[str] = ""
    numeric: ClassVar[Callable[..., Any]]
    exact: ClassVar[Callable[..., Any] | None] = None
    rational: ClassVar[bool] = False
    is_real = True

    def doit(self, **hints: Any) -> Any:
        """Evaluate exactly when the arguments are explicit and an exact rule exists."""
        args = [a.doit(**hints) if hasattr(a, "doit") else a for a in self.args]
        explicit = all(not getattr(a, "free_symbols", set()) for a in args)
        rule = type(self).exact
        if explicit and rule is not None:
            return rule(*args)
        return type(self)(*args)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        text = _fill(self.latex_template, [printer._print(a) for a in self.args])
        return text if exp is None else f"\\left({text}\\right)^{{{exp}}}"

    def _sympystr(self, printer: Any) -> str:
        return f"{type(self).__name__}({', '.join(printer._print(a) for a in self.args)})"


class DefinedMatrix(MatrixExpr):  # type: ignore[misc]
    """A matrix-valued quantity defined by code: see :func:`defined`."""

    latex_template: ClassVar[str] = ""
    numeric: ClassVar[Callable[..., Any]]
    shape_of: ClassVar[Callable[..., tuple[int, int]]]

    def __new__(cls, *args: Any) -> DefinedMatrix:
        """Make the quantity at sympy ``args``."""
        made: DefinedMatrix = super().__new__(cls, *map(sympy.sympify, args))
        return made

    @property
    def shape(self) -> tuple[Any, Any]:
        """The shape, computed from the arguments."""
        rows, cols = type(self).shape_of(*self.args)
        return sympy.sympify(rows), sympy.sympify(cols)

    def _latex(self, printer: Any) -> str:
        return _fill(self.latex_template, [printer._print(a) for a in self.args])

    def _sympystr(self, printer: Any) -> str:
        return f"{type(self).__name__}({', '.join(printer._print(a) for a in self.args)})"

    def _entry(self, i: Any, j: Any, **_: Any) -> Any:
        return sympy.matrices.expressions.matexpr.MatrixElement(self, i, j)


def defined(
    name: str,
    *,
    latex: str,
    numeric: Callable[..., Any],
    shape: Callable[..., tuple[int, int]] | None = None,
    nargs: int | None = None,
    exact: Callable[..., Any] | None = None,
) -> type:
    r"""Define a quantity by code: its name, its notation and its implementation.

    Parameters
    ----------
    name
        A Python identifier naming the quantity (shown in error messages).
    latex
        The notation the reader sees, with ``#0``, ``#1``, ... for the arguments, e.g.
        ``r"\lambda_{\max}(#0)"``. Notation names a quantity; it must not state a
        relation (no ``=``, ``<``, ``\le``, ...): relations come from claims.
    numeric
        Computes the quantity from numerical arguments (numpy arrays for matrix
        symbols, numbers for scalars).
    shape
        For a matrix-valued quantity: a function of the (sympy) arguments returning
        the shape ``(rows, cols)``. Leave out for a scalar quantity.
    nargs
        The number of arguments, if fixed.
    exact
        For a quantity that is a *rational* function of its arguments (a squared norm,
        the entry of a 1 x 1 product): computes it exactly from explicit sympy
        arguments, so identity checks can see through it.

    Returns
    -------
    type
        A sympy function class; call it on sympy arguments to use it in a claim.

    Examples
    --------
    >>> import numpy as np, sympy
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> tr2 = defined("tr2", latex=r"\operatorname{tr}(#0^2)", numeric=lambda M: np.trace(M @ M))
    >>> from dlhw.proof.latex import to_latex
    >>> to_latex(tr2(A))
    '\\operatorname{tr}(A^2)'
    >>> defined("bad", latex="#0 = 1", numeric=abs)
    Traceback (most recent call last):
    ...
    ValueError: latex of bad names a quantity and must not state a relation, got '#0 = 1'
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    require_text(latex, "latex")
    if _RELATION.search(latex):
        raise ValueError(
            f"latex of {name} names a quantity and must not state a relation, got {latex!r}"
        )
    if not callable(numeric):
        raise TypeError(f"numeric must be callable, got {type(numeric).__name__}")
    attributes: dict[str, Any] = {"latex_template": latex, "numeric": staticmethod(numeric)}
    if exact is not None:
        if not callable(exact):
            raise TypeError("exact must be callable")
        attributes.update(exact=staticmethod(exact), rational=True)
    if shape is None:
        if nargs is not None:
            attributes["nargs"] = nargs
        return type(name, (Defined,), attributes)
    if not callable(shape):
        raise TypeError("shape must be a function of the arguments returning (rows, cols)")
    attributes["shape_of"] = staticmethod(shape)
    return type(name, (DefinedMatrix,), attributes)


def _scalar(value: Any) -> Any:
    array = np.asarray(value)
    return array.reshape(-1)[0].item() if array.size == 1 else float("nan")


def _eigenvalues(matrix: Any) -> np.ndarray:
    """Real eigenvalues in increasing order; NaN when some eigenvalue is not real.

    A non-symmetric matrix is not symmetrised: its largest eigenvalue is what it is,
    and a claim that needs symmetry must say so.
    """
    array = np.asarray(matrix, dtype=float)
    if np.allclose(array, array.T, rtol=0, atol=0):
        return np.linalg.eigvalsh(array)
    values = np.linalg.eigvals(array)
    if np.any(np.abs(values.imag) > 1e-12 * max(1.0, float(np.abs(values).max()))):
        return np.full(values.shape, np.nan)
    return np.sort(values.real)


def _singular_values(matrix: Any) -> np.ndarray:
    return np.linalg.svd(np.asarray(matrix, dtype=float), compute_uv=False)


#: Largest eigenvalue of a symmetric matrix.
lam_max = defined(
    "lam_max", latex=r"\lambda_{\max}(#0)", numeric=lambda M: _eigenvalues(M)[-1], nargs=1
)
#: Smallest eigenvalue of a symmetric matrix.
lam_min = defined(
    "lam_min", latex=r"\lambda_{\min}(#0)", numeric=lambda M: _eigenvalues(M)[0], nargs=1
)
#: Largest singular value.
sigma_max = defined(
    "sigma_max", latex=r"\sigma_{\max}(#0)", numeric=lambda M: _singular_values(M)[0], nargs=1
)
#: Smallest singular value (of the ``min(m, n)`` singular values).
sigma_min = defined(
    "sigma_min", latex=r"\sigma_{\min}(#0)", numeric=lambda M: _singular_values(M)[-1], nargs=1
)
#: Spectral radius (largest absolute eigenvalue).
spectral_radius = defined(
    "spectral_radius",
    latex=r"\rho(#0)",
    numeric=lambda M: float(np.max(np.abs(np.linalg.eigvals(np.asarray(M, dtype=float))))),
    nargs=1,
)
#: Euclidean norm of a vector (an ``n x 1`` matrix) or spectral norm of a matrix.
norm = defined(
    "norm",
    latex=r"\lVert #0 \rVert",
    numeric=lambda M: (
        float(np.linalg.norm(np.asarray(M, dtype=float), 2))
        if np.ndim(M) == 2 and min(np.shape(M)) > 1
        else float(np.linalg.norm(np.asarray(M, dtype=float)))
    ),
    nargs=1,
)
#: Squared Euclidean norm of a vector (an ``n x 1`` matrix).
sqnorm = defined(
    "sqnorm",
    latex=r"\lVert #0 \rVert^{2}",
    numeric=lambda v: np.sum(np.asarray(v) ** 2).item(),
    nargs=1,
    exact=lambda v: (sympy.ImmutableMatrix(v).T * sympy.ImmutableMatrix(v))[0, 0],
)
#: Frobenius norm.
fro_norm = defined(
    "fro_norm",
    latex=r"\lVert #0 \rVert_{F}",
    numeric=lambda M: float(np.linalg.norm(np.asarray(M, dtype=float))),
    nargs=1,
)


class _PositiveSemidefinite(sympy.assumptions.Predicate):  # type: ignore[misc]
    """The hypothesis that a matrix is symmetric positive semidefinite."""

    name = "positive_semidefinite"


#: ``psd(H)``: the hypothesis that ``H`` is symmetric positive semidefinite (sympy has
#: ``Q.positive_definite`` but no semidefinite predicate).
psd = _PositiveSemidefinite()

#: The entry of a 1 x 1 matrix expression as a scalar (``w^T H w``).
scalar = defined(
    "scalar", latex="#0", numeric=_scalar, nargs=1, exact=lambda M: sympy.ImmutableMatrix(M)[0, 0]
)

__all__ = [
    "Defined",
    "DefinedMatrix",
    "defined",
    "fro_norm",
    "lam_max",
    "lam_min",
    "norm",
    "psd",
    "scalar",
    "sigma_max",
    "sigma_min",
    "spectral_radius",
    "sqnorm",
]
