"""The "What was checked" table of a page, built from its check records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlhw.proof.records import CheckRecord, records

#: Key of the output metadata under which a table also carries its records, so that
#: tools reading executed notebooks (the book's claims ledger) find them in cached
#: outputs.
RECORDS_KEY = "dlhw_checks"


def format_number(value: float) -> str:
    """Format a residual or ratio for the table.

    Examples
    --------
    >>> format_number(0.0), format_number(3.14159e-13), format_number(0.98765)
    ('0', '3.1e-13', '0.988')
    """
    if value == 0:
        return "0"
    if abs(value) < 1e-3 or abs(value) >= 1e4:
        return f"{value:.2g}".replace("e-0", "e-").replace("e+0", "e+")
    return f"{value:.3g}"


def format_seconds(seconds: float) -> str:
    """Format a duration for the table: hundredths of a second, no more.

    Examples
    --------
    >>> format_seconds(0.0042), format_seconds(0.0766), format_seconds(12.345)
    ('<0.01', '0.08', '12.35')
    """
    return "<0.01" if seconds < 0.005 else f"{seconds:.2f}"


def _cell(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


class CheckTable:
    """A table of check records that renders as Markdown in a notebook.

    Examples
    --------
    >>> table = CheckTable([CheckRecord("x = x", "exact identity", 1, 0.0, 0.002)])
    >>> print(table._repr_markdown_().splitlines()[2])
    | x = x | exact identity | 1 | 0 | <0.01 |
    """

    def __init__(self, rows: Sequence[CheckRecord]) -> None:
        self.rows = list(rows)

    def _repr_markdown_(self) -> str:
        if not self.rows:
            raise ValueError("this page has run no checks: nothing to tabulate")
        lines = [
            "| Claim | Kind of check | Cases | Worst | Seconds |",
            "|:--|:--|--:|--:|--:|",
        ]
        for r in self.rows:
            claim = _cell(r.claim)
            if r.label:
                claim += f" ({{prf:ref}}`{r.label}`)"
            lines.append(
                f"| {claim} | {r.kind} | {r.cases} | {format_number(r.worst)} "
                f"| {format_seconds(r.seconds)} |"
            )
        return "\n".join(lines)

    def _repr_mimebundle_(self, **_: Any) -> tuple[dict[str, str], dict[str, Any]]:
        records = [r.as_dict() for r in self.rows]
        return {"text/markdown": self._repr_markdown_()}, {RECORDS_KEY: records}

    def __repr__(self) -> str:
        return f"CheckTable({len(self.rows)} checks)"


def what_was_checked() -> CheckTable:
    """Return the table of every check this page (process) has run so far.

    Examples
    --------
    >>> from dlhw.proof import clear_records, exhaustive
    >>> clear_records()
    >>> _ = exhaustive(lambda n: n >= 0, range(5), claim="naturals are non-negative")
    >>> what_was_checked()
    CheckTable(1 checks)
    """
    return CheckTable(records())
