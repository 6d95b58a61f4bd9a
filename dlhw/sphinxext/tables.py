"""Docutils tables shared by the chapter pages and the generated pages.

The "What was checked" table at the end of a chapter and the ledger's tables are built
by the same code, so a number is formatted the same way everywhere.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from dlhw.proof.report import format_number, format_seconds
from dlhw.sphinxext.store import statement_index

CHECK_HEADERS = ["Claim", "Kind of check", "Cases", "Worst", "Seconds"]
#: What the "Worst" column measures, per kind (see dlhw.proof.records).
MEASURE_NOTE = {
    "exact identity": "residual",
    "randomized identity": "residual",
    "exhaustive": "residual",
    "falsification search": "ratio",
    "experiment": "value",
}


def inline(text: str) -> list[nodes.Node]:
    """Return text with ``$...$`` spans turned into inline math nodes."""
    parts = re.split(r"(?<!\\)\$", text)
    result: list[nodes.Node] = []
    for i, part in enumerate(parts):
        if i % 2:
            result.append(nodes.math(part, part))
        elif part:
            result.append(nodes.Text(part.replace("`", "")))
    return result


def cell(*content: nodes.Node | str, classes: list[str] | None = None) -> nodes.entry:
    """Return a table cell holding ``content`` in one paragraph."""
    para = nodes.paragraph()
    for c in content:
        para += nodes.Text(c) if isinstance(c, str) else c
    return nodes.entry("", para, classes=classes or [])


def table(
    headers: list[str], rows: list[list[nodes.entry]], widths: list[int], kind: str = ""
) -> nodes.table:
    """Return a table with a header row; ``kind`` becomes a CSS class."""
    out = nodes.table(classes=["dlhw-generated", *([f"dlhw-{kind}"] if kind else [])])
    group = nodes.tgroup(cols=len(headers))
    out += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    head += nodes.row("", *[cell(h) for h in headers])
    body = nodes.tbody()
    group += body
    for row in rows:
        body += nodes.row("", *row)
    return out


def link(
    app: Sphinx, fromdoc: str, todoc: str, anchor: str, text: str | list[nodes.Node]
) -> nodes.reference:
    """Return a link from ``fromdoc`` to ``anchor`` in ``todoc``."""
    uri = app.builder.get_relative_uri(fromdoc, todoc) + (f"#{anchor}" if anchor else "")
    children = inline(text) if isinstance(text, str) else text
    return nodes.reference("", "", *children, internal=True, refuri=uri)


def statement_name(app: Sphinx, label: str) -> str:
    """Return "Theorem 3.2" (with its number, where the statement is numbered)."""
    index = statement_index(app.env)
    if label not in index:
        return label
    docname, statement = index[label]
    numbers = getattr(app.env, "toc_fignumbers", {}).get(docname, {})
    for kind_numbers in numbers.values():
        if label in kind_numbers:
            return f"{statement.kind.title()} {'.'.join(map(str, kind_numbers[label]))}"
    return (
        f"{statement.kind.title()}: {statement.title}"
        if statement.title
        else statement.kind.title()
    )


def claim_cell(app: Sphinx, fromdoc: str, record: dict[str, Any]) -> nodes.entry:
    """Return the claim of a check, with a link to the statement it supports."""
    content: list[nodes.Node] = inline(str(record.get("claim", "")))
    label = record.get("label")
    index = statement_index(app.env)
    if label and label in index:
        ref = link(app, fromdoc, index[label][0], label, statement_name(app, label))
        content += [nodes.Text(" ("), ref, nodes.Text(")")]
    return cell(*content)


def check_rows(app: Sphinx, fromdoc: str, records: list[dict[str, Any]]) -> list[list[nodes.entry]]:
    """Return one row per check record."""
    rows = []
    for r in records:
        kind = str(r.get("kind", ""))
        worst = r.get("worst", 0.0)
        shown = format_number(float(worst)) if isinstance(worst, int | float) else str(worst)
        measure = MEASURE_NOTE.get(kind, "")
        rows.append(
            [
                claim_cell(app, fromdoc, r),
                cell(
                    kind
                    + (
                        " (numerical)"
                        if r.get("tolerance") not in (None, 0, 0.0)
                        and kind != "falsification search"
                        else ""
                    )
                ),
                cell(f"{int(r.get('cases', 0)):,}", classes=["dlhw-number"]),
                cell(
                    shown,
                    nodes.inline("", f" {measure}", classes=["dlhw-measure"]),
                    classes=["dlhw-number"],
                ),
                cell(
                    format_seconds(float(r.get("seconds", 0.0))),
                    classes=["dlhw-number", "dlhw-seconds"],
                ),
            ]
        )
    return rows


def checks_table(app: Sphinx, fromdoc: str, records: list[dict[str, Any]]) -> nodes.table:
    """Return the "What was checked" table of ``records``."""
    return table(
        CHECK_HEADERS, check_rows(app, fromdoc, records), [52, 18, 10, 12, 8], kind="checks"
    )
