"""Fixes of other packages' output: icons without 1.5 MB of JavaScript; exercise links in LaTeX.

Lighter pages: the theme's icons come from its web font, not from 1.5 MB of JavaScript.

pydata-sphinx-theme (under sphinx-book-theme) ships Font Awesome twice: as CSS with web
fonts (its stylesheet carries every icon class and the ``@font-face`` rules) and as a
1.5 MB script that turns each ``<i class="fa-...">`` into an inline SVG, "so that users
can add custom icons". The book adds no icons of its own, so the web font draws all of
them and the script is dropped: its ``<script>`` tag is removed from every written page
and the file from ``_static``. If a theme release stops loading the script, nothing
matches and nothing is changed.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

#: The theme's tag that loads the script (with its cache-busting digest).
FONTAWESOME_SCRIPT = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js(?:\?[^"]*)?"></script>\n?'
)


def without_fontawesome_script(html: str) -> str:
    """Return ``html`` without the tag that loads Font Awesome's script.

    Examples
    --------
    >>> tag = '<script defer src="../_static/scripts/fontawesome.js?digest=9"></script>'
    >>> without_fontawesome_script("<head>" + tag + "</head>")
    '<head></head>'
    """
    return FONTAWESOME_SCRIPT.sub("", html)


def drop_fontawesome_script(app: Sphinx, exception: BaseException | None) -> None:
    """After an HTML build, remove the script's tag from the pages and the script itself."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = without_fontawesome_script(text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
    for script in (out / "_static" / "scripts").glob("fontawesome.js*"):
        script.unlink()


def exercise_targets_for_latex(app: Sphinx, doctree: nodes.document, _docname: str) -> None:
    """Give every exercise the LaTeX label that its solution's title links to.

    sphinx-exercise labels an exercise ``exercise:<label>`` in LaTeX, while the title of
    its solution links to ``<docname>:<label>``, which is then undefined (a dead link and
    a LaTeX warning). A raw LaTeX label put just before the exercise defines it too (a
    docutils target would be skipped: the writer leaves numbered nodes their own labels).
    HTML is not touched.
    """
    if app.builder.format != "latex":
        return
    from sphinx_exercise.nodes import (
        exercise_enumerable_node,
        exercise_node,
    )

    for kind in (exercise_node, exercise_enumerable_node):
        for exercise in list(doctree.findall(kind)):
            label, source = exercise.get("label"), exercise.get("docname")
            if label and source and exercise.parent is not None:
                # the page the exercise was written in (the PDF's doctree is one document)
                anchor = rf"\phantomsection\label{{\detokenize{{{source}:{label}}}}}"
                exercise.parent.insert(
                    exercise.parent.index(exercise), nodes.raw("", anchor, format="latex")
                )
