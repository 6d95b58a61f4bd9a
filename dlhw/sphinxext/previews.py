r"""Hover previews: a link to a statement shows the statement and how it was checked.

While a page is read, each statement's text is kept as a small piece of HTML with its
formulas as ``\(...\)`` (:func:`preview_html`); when the HTML build ends, every
statement of the book goes into ``_static/dlhw-previews.js`` (:func:`write_previews`),
a script that sets ``window.DLHW_PREVIEWS``. A script file and not JSON, so that the
previews also work for a reader who opens the book from disk (``file://``), where a
browser refuses to fetch files. ``dlhw.js`` shows a preview when the pointer rests on,
or the keyboard focuses, a link whose target is a statement, and typesets it with the
MathJax that the book ships.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from dlhw.sphinxext.store import pages
from dlhw.sphinxext.tables import statement_name

SCRIPT = "dlhw-previews.js"


def preview_html(statement: nodes.Element) -> str:
    r"""Return the text of a statement block as HTML, formulas as ``\(...\)``.

    Examples
    --------
    >>> from docutils import nodes
    >>> block = nodes.container("", nodes.paragraph("", "", nodes.Text("For all "),
    ...     nodes.math("", "x > 0"), nodes.Text(" it holds.")))
    >>> preview_html(block)
    '<p>For all \\(x &gt; 0\\) it holds.</p>'
    """
    paragraphs = []
    for block in statement.findall(nodes.Element):
        if isinstance(block, nodes.math_block):
            paragraphs.append(f"<p>\\[{html.escape(block.astext())}\\]</p>")
            continue
        if not isinstance(block, nodes.paragraph) or _inside_title(block, statement):
            continue
        parts = []
        for child in block.children:
            if isinstance(child, nodes.math):
                parts.append(f"\\({html.escape(child.astext())}\\)")
            else:
                parts.append(html.escape(child.astext()))
        paragraphs.append("<p>" + "".join(parts).strip() + "</p>")
    return "".join(paragraphs)


def _inside_title(node: nodes.Node, top: nodes.Element) -> bool:
    parent = node.parent
    while parent is not None and parent is not top:
        if isinstance(parent, nodes.title):
            return True
        parent = parent.parent
    return False


def previews(app: Sphinx) -> dict[str, dict[str, str]]:
    """Return every statement's preview: name, title, text and check summary, by label."""
    from dlhw.sphinxext.claim_map import check_summary  # collect -> previews -> claim_map

    out = {}
    for page in pages(app.env).values():
        for statement in page.statements:
            out[statement.label] = {
                "name": statement_name(app, statement.label),
                "title": statement.title,
                "html": statement.preview,
                "checks": check_summary(page.records, statement.label),
            }
    return dict(sorted(out.items()))


def write_previews(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: write the previews script beside the HTML build's assets."""
    if exception is not None or app.builder.format != "html":
        return
    data = json.dumps(previews(app), sort_keys=True, ensure_ascii=False, indent=0)
    target = Path(app.outdir) / "_static" / SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"window.DLHW_PREVIEWS = {data};\n", encoding="utf-8")
