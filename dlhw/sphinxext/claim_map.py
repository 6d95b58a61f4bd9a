"""The map of claims: every numbered statement, what it uses, and how it was checked.

``{dlhw-claim-map}`` draws one graph per chapter (Graphviz, through
``sphinx.ext.graphviz``; rendered offline by Debian's ``dot``). A node is a statement,
coloured by its status; an edge runs from a statement to each statement it uses
(``Claim(..., uses=[...])``); a used statement of another chapter is drawn in grey and
links there. Every node links to its statement and carries its title and check summary
as a tooltip.
"""

from __future__ import annotations

import posixpath
import textwrap
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.ext.graphviz import graphviz, html_visit_graphviz

from dlhw.sphinxext.collect import PROOF_GRADE
from dlhw.sphinxext.store import PageData, Statement, pages, statement_index
from dlhw.sphinxext.tables import statement_name

#: status -> (fill colour, legend text); colours readable on white and in dark mode
STATUS = {
    "full": ("#b7e4c7", "fully checked: it and everything it uses have proof-grade checks"),
    "checked": ("#fde68a", "checked, but it uses a statement that is not fully checked"),
    "by-hand": ("#fdba74", "a formula of it is stated by hand"),
    "unchecked": ("#fca5a5", "no proof-grade check"),
}
OTHER_CHAPTER = "#e5e7eb"


class claim_graph(graphviz):  # noqa: N801 - docutils node naming
    """A drawing of the claim map: Graphviz's node, drawn with an accessible name."""


def visit_claim_graph_html(translator: Any, node: claim_graph) -> None:
    """Draw as Graphviz does, then name the ``<object>`` for screen readers."""
    start = len(translator.body)
    try:
        html_visit_graphviz(translator, node)
    except nodes.SkipNode:
        label = translator.attval(node["alt"])
        for index in range(start, len(translator.body)):
            translator.body[index] = translator.body[index].replace(
                "<object ", f'<object role="img" aria-label="{label}" ', 1
            )
        raise


def status(app: Sphinx, label: str) -> str:
    """Return the status of statement ``label``: a key of ``STATUS``."""
    from dlhw.sphinxext.pages import fully_checked

    docname, statement = statement_index(app.env)[label]
    records = pages(app.env)[docname].records
    if not any(r.get("label") == label and r.get("kind") in PROOF_GRADE for r in records):
        return "unchecked"
    if statement.by_hand:
        return "by-hand"
    return "full" if fully_checked(app, label)[0] else "checked"


def check_summary(records: list[dict[str, Any]], label: str) -> str:
    """Return "exhaustive (1024 cases); falsification search" for the checks of ``label``."""
    parts = []
    for record in records:
        if record.get("label") == label:
            cases = record.get("cases")
            count = f"{cases} case" + ("s" if cases != 1 else "")
            parts.append(f"{record.get('kind')} ({count})" if cases else record["kind"])
    return "; ".join(dict.fromkeys(parts)) or "no check"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node_line(name: str, attributes: dict[str, str]) -> str:
    body = ", ".join(f"{key}={_quote(value)}" for key, value in attributes.items())
    return f"  {_quote(name)} [{body}];"


def chapter_graph(app: Sphinx, fromdoc: str, docname: str, page: PageData) -> str:
    """Return the Graphviz source of one chapter's map."""
    index = statement_index(app.env)
    lines = [
        "digraph claims {",
        '  graph [rankdir=BT, bgcolor="transparent", nodesep=0.25, ranksep=0.35];',
        '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=10,'
        ' color="#374151", fontcolor="#111827", margin="0.12,0.06"];',
        '  edge [color="#4b5563", arrowsize=0.7];',
    ]
    drawn: set[str] = set()

    def uri(label: str) -> str:
        # a file path even for a link to the page itself: Sphinx would give "", which
        # graphviz's rewriting of links (relative to _images/) turns into a folder
        target = app.builder.get_target_uri(index[label][0])
        here = posixpath.dirname(app.builder.get_target_uri(fromdoc))
        return posixpath.relpath(target, here or ".") + f"#{label}"

    def draw(label: str, statement: Statement, here: bool) -> None:
        if label in drawn:
            return
        drawn.add(label)
        name = statement_name(app, label)
        plain = statement.title
        title = textwrap.fill(plain, 28)
        target_page = pages(app.env)[index[label][0]]
        summary = check_summary(target_page.records, label)
        colour = STATUS[status(app, label)][0] if here else OTHER_CHAPTER
        text = f"{name}\n{title}" if title else name
        if not here:
            text += f"\n({target_page.title})"
        lines.append(
            _node_line(
                label,
                {
                    "label": text,
                    "fillcolor": colour,
                    "URL": uri(label),
                    "target": "_top",
                    "tooltip": f"{name}: {plain or statement.kind}. Checked by: {summary}",
                },
            )
        )

    for statement in page.statements:
        draw(statement.label, statement, here=True)
    for statement in page.statements:
        for used in statement.uses:
            if used not in index:
                continue
            draw(used, index[used][1], here=index[used][0] == docname)
            lines.append(f"  {_quote(statement.label)} -> {_quote(used)};")
    lines.append("}")
    return "\n".join(lines)


def chapter_figure(app: Sphinx, fromdoc: str, docname: str) -> claim_graph | None:
    """Return the drawing of chapter ``docname``'s statements (``None`` if it has none)."""
    page = pages(app.env)[docname]
    if not page.statements:
        return None
    node = claim_graph()
    node["code"] = chapter_graph(app, fromdoc, docname, page)
    node["options"] = {"docname": fromdoc}
    node["alt"] = f"Map of the statements of {page.title}: what each one uses"
    node["classes"] = ["dlhw-claim-map"]
    return node


def legend() -> nodes.bullet_list:
    """Return the legend of the colours."""
    items = nodes.bullet_list(classes=["dlhw-map-legend"])
    keys = [*STATUS, "other"]
    texts = [text for _, text in STATUS.values()] + ["a statement of another chapter"]
    for key, text in zip(keys, texts, strict=True):
        swatch = nodes.inline("", "\u25a0 ", classes=["dlhw-swatch", f"dlhw-status-{key}"])
        items += nodes.list_item("", nodes.paragraph("", "", swatch, nodes.Text(text)))
    return items


def claim_map(app: Sphinx, fromdoc: str, chapters: list[str]) -> list[nodes.Node]:
    """Return the legend and one graph per chapter (in book order)."""
    out: list[nodes.Node] = [legend()]
    for docname in chapters:
        figure = chapter_figure(app, fromdoc, docname)
        if figure is None:
            continue
        title = pages(app.env)[docname].title
        ref = nodes.reference(
            "", title, internal=True, refuri=app.builder.get_relative_uri(fromdoc, docname)
        )
        out += [nodes.rubric("", "", ref), figure]
    return out
