r"""The page toolkit: what every chapter's code cells share.

A chapter starts with :func:`start` and ends with :func:`finish`, which hands the page's
claims and check records to the book's Sphinx extension (through myst-nb's glue), where
the ``{claim}`` role renders statements and the ``{dlhw-checks}`` directive the table of
what was checked. Between the two:

* :func:`sci`, :func:`number` and :func:`glue_number` format numbers for prose and math
  (``9.33 \times 10^{-4}``, never ``9.332e-04``);
* :func:`glue_text`, :func:`glue_math` put values into the prose;
* :func:`refuted` states that a claim is false and shows why, failing the build if the
  claim turns out to hold.

Examples
--------
>>> sci(0.000933247), sci(12345.6), sci(0.5)
('9.33 \\times 10^{-4}', '1.23 \\times 10^{4}', '0.5')
>>> number(1234567)
'1,234,567'
"""

from __future__ import annotations

import inspect
import json
import math
import numbers
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from dlhw.proof.claim import claims, clear_claims
from dlhw.proof.records import ProofError, clear_records, records
from dlhw.validation import as_int, as_real

#: Most significant digits a float64 holds (``digits`` beyond this would print noise).
MAX_DIGITS = 17

#: The glue key under which a page hands its claims and records to the extension.
PAYLOAD_KEY = "dlhw"
#: Environment variable that the mutants session sets to collect claims in-process.
MUTANTS_VARIABLE = "DLHW_MUTANTS"


def start() -> None:
    """Begin a page: forget the claims and records of anything run before.

    Examples
    --------
    >>> start(); records(), claims()
    ([], {})
    """
    clear_records()
    clear_claims()


def sci(value: object, digits: int = 3) -> str:
    r"""Format ``value`` as LaTeX: plain for moderate sizes, ``a \times 10^{b}`` otherwise.

    Parameters
    ----------
    value
        A finite real number.
    digits
        Significant digits, from 1 to :data:`~dlhw.book.MAX_DIGITS`.

    Raises
    ------
    TypeError
        If ``value`` is not a real number or ``digits`` not an integer.
    ValueError
        If ``value`` is not finite or ``digits`` is out of range.

    Examples
    --------
    >>> sci(-2.5e-7, 2)
    '-2.5 \\times 10^{-7}'
    >>> sci(0.0), sci(3), sci(1730, 1), sci(0.5), sci(12.25, 3)
    ('0', '3', '2000', '0.5', '12.2')
    """
    x = as_real(value, "value")
    digits = _digits(digits)
    if x == 0:
        return "0"
    exponent = math.floor(math.log10(abs(x)))
    if -3 <= exponent < 4:
        # positional notation: "%g" would write 1730 to one digit as 2e+03
        rounded = float(f"{x:.{digits}g}")
        decimals = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)
        text = f"{rounded:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = x / 10.0**exponent
    if round(abs(mantissa), digits - 1) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits}g} \\times 10^{{{exponent}}}"


def power_of_ten(value: object) -> str:
    """Format a power of ten as LaTeX, ``10^{k}``, for tolerances and reduction factors.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is not a positive power of ten.

    Examples
    --------
    >>> power_of_ten(1e-9), power_of_ten(1000)
    ('10^{-9}', '10^{3}')
    """
    x = as_real(value, "value")
    if not x > 0:
        raise ValueError(f"value must be a positive power of ten, got {x!r}")
    exponent = round(math.log10(x))
    if not math.isclose(x, 10.0**exponent, rel_tol=1e-9):
        raise ValueError(f"value must be a power of ten, got {x!r}")
    return f"10^{{{exponent}}}"


def sci_text(value: object, digits: int = 3) -> str:
    """Format ``value`` for running text: ``9.33 × 10⁻⁴`` with Unicode superscripts.

    Examples
    --------
    >>> sci_text(0.000933247)
    '9.33 × 10⁻⁴'
    """
    latex = sci(value, digits)
    if "\\times" not in latex:
        return latex
    mantissa, exponent = latex.split(" \\times 10^")
    return f"{mantissa} × 10{exponent.strip('{}').translate(_SUPERSCRIPTS)}"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: object, digits: int = 3) -> str:
    """Format a count with thousands separators, or a real number with ``digits`` digits.

    Examples
    --------
    >>> number(7168), number(0.123456), number(2.0)
    ('7,168', '0.123', '2')
    """
    if isinstance(value, bool):
        raise TypeError("value must be a number, got bool")
    digits = _digits(digits)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    x = as_real(value, "value")
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.{digits}g}"


def _digits(digits: object) -> int:
    return as_int(
        digits, "digits", minimum=1, maximum=MAX_DIGITS, limit_name="dlhw.book.MAX_DIGITS"
    )


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


class _Math:
    """A LaTeX string that IPython shows as math (``text/latex``), for glue."""

    def __init__(self, latex: str) -> None:
        self.latex = latex

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


def _glue(key: str, value: object) -> None:
    """Hand ``value`` to myst-nb's glue, if it is installed.

    Outside a book build there is no prose to glue into, so a downloaded notebook runs in
    a plain Jupyter without myst-nb.
    """
    try:
        from myst_nb import glue
    except ImportError:
        return
    glue(key, value, display=False)


def glue_text(key: str, value: object) -> None:
    """Glue ``value`` as plain text for ``{glue:text}`key``` in the prose."""
    key = _text(key, "key")
    _glue(key, value if isinstance(value, str) else str(value))


def glue_number(key: str, value: object, digits: int = 3) -> None:
    """Glue a number for the prose: counts with separators, reals in scientific form.

    Use it as ``{glue:}`key``` (it renders as math, so it reads the same as the
    formulas around it).
    """
    key = _text(key, "key")
    counted = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    glue_math(key, number(value, digits) if counted else sci(as_real(value, "value"), digits))


def glue_figure(key: str, figure: object) -> None:
    """Glue a matplotlib figure for a ``{glue:figure}`` directive, without showing it here.

    Raises
    ------
    TypeError
        If ``figure`` is not a matplotlib figure.
    """
    key = _text(key, "key")
    from matplotlib.figure import Figure

    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
    _glue(key, figure)


def show_source(obj: object) -> Any:
    """Return the source of a function or class of ``dlhw``, without its docstring.

    The code a chapter explains is shown from the running package, never retyped: a
    Markdown code block, highlighted on the web and a listing in the PDF.

    Examples
    --------
    >>> from dlhw import book
    >>> print(book.show_source(book.show_source).data.splitlines()[:2])
    ['```python', 'def show_source(obj: object) -> Any:']
    """
    from IPython.display import Markdown

    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a function, method or class, got {type(obj).__name__}")
    source = inspect.getsource(obj)
    source = re.sub(r'\n\s*(?:r|)"""[\s\S]*?"""', "", source, count=1)
    return Markdown(f"```python\n{source.rstrip()}\n```")  # type: ignore[no-untyped-call]


def glue_math(key: str, latex: str) -> None:
    """Glue LaTeX for ``{glue:}`key``` (inline math) or ``{glue:math}`` (display)."""
    key = _text(key, "key")
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a string, got {type(latex).__name__}")
    _glue(key, _Math(latex))


@dataclass
class Refutation:
    """What :func:`refuted` saw: the claim, and the error that refuted it."""

    claim: str
    error: ProofError | None = None
    notes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        if self.error is None:  # pragma: no cover - refuted() raises first
            return ""
        detail = _escape(self.error.detail)
        return (
            '<div class="dlhw-refuted" role="note">'
            f'<p class="dlhw-refuted-title">Refuted: {_escape(self.claim)}</p>'
            f"<p><strong>Where it fails:</strong> {_escape(self.error.step)}.</p>"
            f"<p><strong>Counterexample:</strong> <code>{detail}</code></p>"
            + "".join(f"<p>{_escape(n)}</p>" for n in self.notes)
            + "</div>"
        )

    def _repr_markdown_(self) -> str:
        if self.error is None:  # pragma: no cover
            return ""
        return f"**Refuted:** {self.claim}. Fails at {self.error.step}: `{self.error.detail}`"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def refuted(claim: str) -> AbstractContextManager[Refutation]:
    """Run the block, which must refute ``claim`` (raise ``ProofError``).

    The block checks a false statement (an original's erratum, a dropped hypothesis);
    the refutation is kept for display. If the block does *not* raise, the false claim
    passed its check, and ``refuted`` raises ``AssertionError``: the build breaks.

    Examples
    --------
    >>> import sympy
    >>> from dlhw.proof import identity
    >>> x = sympy.Symbol("x")
    >>> with refuted("(x + 1)^2 = x^2 + 1") as shown:
    ...     _ = identity((x + 1) ** 2, x**2 + 1)
    >>> shown.error is not None
    True
    """
    return _refuted(_text(claim, "claim"))


@contextmanager
def _refuted(claim: str) -> Iterator[Refutation]:
    shown = Refutation(claim)
    try:
        yield shown
    except ProofError as err:
        shown.error = err
        return
    raise AssertionError(f"the false claim {claim!r} was not refuted: its check passed")


class _Payload:
    """The page's claims and records, glued as a JSON string for the extension.

    (Notebook outputs may hold objects only under JSON mime types, and glue's prefix
    makes the type another one: the payload travels as text.)
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def _repr_mimebundle_(self, **_: Any) -> dict[str, str]:
        return {"text/plain": json.dumps(self.data, sort_keys=True)}


def payload() -> dict[str, Any]:
    """Return the page's claims and records as the extension reads them (JSON-ready)."""
    data: dict[str, Any] = _jsonable(
        {
            "claims": {key: claim.as_dict() for key, claim in claims().items()},
            "records": [r.as_dict() for r in records()],
        }
    )
    return data


def _jsonable(value: Any) -> Any:
    """Return ``value`` with numpy scalars and non-finite floats made JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        return x if math.isfinite(x) else repr(x)
    return str(value)


def finish() -> None:
    """End a page: hand its claims and records to the book's extension.

    Every chapter calls this in its last code cell. Under ``nox -s mutants`` (which
    sets ``DLHW_MUTANTS``) the claims are kept for the mutation run instead.
    """
    if not records():
        raise ValueError("this page has run no checks: nothing to hand to the book")
    if os.environ.get(MUTANTS_VARIABLE):
        return
    _glue(PAYLOAD_KEY, _Payload(payload()))


__all__ = [
    "MAX_DIGITS",
    "PAYLOAD_KEY",
    "Refutation",
    "finish",
    "glue_math",
    "glue_number",
    "glue_text",
    "number",
    "payload",
    "refuted",
    "sci",
    "sci_text",
    "show_source",
    "start",
]
