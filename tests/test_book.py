"""Tests of dlhw.book: the numbers and glue a chapter hands to its prose."""

from __future__ import annotations

import sys
import types
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from dlhw import book


@pytest.fixture
def glued(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace myst-nb's glue by a recorder of what a page glues."""
    seen: dict[str, Any] = {}
    fake = types.ModuleType("myst_nb")

    def glue(key: str, value: Any, display: bool = True) -> None:
        assert display is False
        seen[key] = value

    fake.glue = glue  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    return seen


def test_glue_hands_text_math_and_figures_to_myst_nb(glued: dict[str, Any]) -> None:
    fig, _ = plt.subplots()
    book.glue_text("count", book.number(12345))
    book.glue_number("small", 0.000933247)
    book.glue_figure("fig", fig)
    plt.close(fig)
    assert glued["count"] == "12,345"
    assert glued["small"]._repr_latex_() == "$9.33 \\times 10^{-4}$"
    assert glued["fig"] is fig


def test_scientific_notation_for_text_and_math() -> None:
    assert book.sci_text(0.000933247) == "9.33 × 10⁻⁴"
    assert book.sci(12345.0, 2) == "1.2 \\times 10^{4}"
    assert book.sci(9.96e-5, 2) == "1 \\times 10^{-4}"
    assert book.number(2.0) == "2"
    assert book.power_of_ten(1e-12) == "10^{-12}"


BAD_CALLS = [
    (lambda: book.glue_text("", "x"), ValueError, "key"),
    (lambda: book.glue_text(3, "x"), TypeError, "key"),
    (lambda: book.glue_math("k", 1.0), TypeError, "latex"),
    (lambda: book.glue_number("k", float("nan")), ValueError, "value"),
    (lambda: book.glue_number("k", "1"), TypeError, "value"),
    (lambda: book.glue_figure("k", [1, 2]), TypeError, "figure"),
    (lambda: book.sci(1.0, 0), ValueError, "digits"),
    (lambda: book.number(True), TypeError, "value"),
    (lambda: book.power_of_ten(0.0), ValueError, "value"),
    (lambda: book.power_of_ten(2e-3), ValueError, "value"),
    (lambda: book.power_of_ten("1"), TypeError, "value"),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), BAD_CALLS, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD_CALLS)]
)
def test_bad_input_names_the_argument(call: Any, error: type[Exception], name: str) -> None:
    with pytest.raises(error, match=rf"^{name}\b"):
        call()
