r"""LaTeX of checked expressions in the book's notation (``X^\top``, ``I``)."""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.function import _coeff_isneg
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE


class _BookPrinter(LatexPrinter):  # type: ignore[misc]
    r"""sympy's printer with the transpose as ``^{\top}`` and the identity as ``I``."""

    def _print_Transpose(self, expr: Any) -> str:
        return str(super()._print_Transpose(expr)).replace("^{T}", "^{\\top}")

    def _print_Identity(self, _expr: Any) -> str:
        return "I"

    def _print_MatAdd(self, expr: Any) -> str:
        r"""Print terms with a plus sign first, so ``I - \eta H`` reads as in the text."""
        terms = sorted(expr.args, key=_coeff_isneg)
        out = self._print(terms[0])
        for term in terms[1:]:
            if _coeff_isneg(term):
                out += " - " + self.parenthesize(-term, PRECEDENCE["Add"])
            else:
                out += " + " + self._print(term)
        return str(out)


def to_latex(expr: sympy.Basic) -> str:
    r"""Render ``expr`` as LaTeX the way the book's prose writes it.

    Examples
    --------
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> to_latex(A.T + sympy.Identity(3))
    'I + A^{\\top}'
    """
    return str(_BookPrinter().doprint(expr))
