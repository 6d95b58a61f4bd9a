r"""Statements rendered from checked claims: the ``{claim}`` role and directive.

A page's last code cell hands its claims to the book (:func:`dlhw.book.finish`). Inside a
statement block, ``{claim}`key``` renders the claim's formula inline and

.. code-block:: md

    ```{claim} key:full
    :label: eq-name
    ```

renders it as a displayed (and, with a label, numbered) equation. The LaTeX comes from
the object that was checked; it is never typed by hand. ``{by-hand}`reason``` marks a
statement whose formula is typed by hand, with the reason; the ledger lists it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from dlhw.book import PAYLOAD_KEY

logger = logging.getLogger(__name__)


class by_hand(nodes.Inline, nodes.Element):  # noqa: N801 - docutils node naming
    """A marker: the statement around it states a formula by hand (with a reason)."""


class checks_placeholder(nodes.General, nodes.Element):  # noqa: N801
    """Where the page's table of checks goes; carries the page's payload until read."""


def page_payload(document: nodes.document) -> dict[str, Any] | None:
    """Return the claims and records the page handed to the book, or ``None``."""
    cached = document.get("dlhw_payload")
    if cached is not None:
        return dict(cached)
    try:
        from myst_nb.core.variables import RetrievalError
        from myst_nb.ext.glue.utils import retrieve_glue_data
    except ImportError:  # pragma: no cover - myst-nb is a docs dependency
        return None
    try:
        data = retrieve_glue_data(document, PAYLOAD_KEY).data
    except RetrievalError:
        return None
    try:
        payload = json.loads(str(data.get("text/plain", "")))
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    document["dlhw_payload"] = payload
    return payload


def claim_latex(document: nodes.document, target: str) -> tuple[str, str]:
    """Return ``(key, latex)`` for ``key`` or ``key:part``; raise ``KeyError`` if unknown."""
    key, _, part = target.partition(":")
    payload = page_payload(document)
    if payload is None:
        raise KeyError(
            "this page handed no claims to the book: its last code cell must call "
            "dlhw.book.finish()"
        )
    claim = payload.get("claims", {}).get(key)
    if claim is None:
        known = ", ".join(sorted(payload.get("claims", {}))) or "none"
        raise KeyError(f"no claim {key!r} on this page (claims: {known})")
    parts = claim["parts"]
    if part not in parts:
        raise KeyError(f"claim {key!r} has no part {part!r} (parts: {', '.join(sorted(parts))})")
    return key, str(parts[part])


class ClaimRole(SphinxRole):
    """``{claim}`key[:part]```: a claim's formula, inline."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        """Render the claim as inline math, marked as coming from a claim."""
        try:
            key, latex = claim_latex(self.inliner.document, self.text)
        except KeyError as err:
            message = self.inliner.reporter.error(
                f"{{claim}}`{self.text}`: {err.args[0]}", line=self.lineno
            )
            return [nodes.problematic(self.rawtext, self.rawtext)], [message]
        node = nodes.math(latex, latex, classes=["dlhw-claim"])
        node["dlhw_claim"] = key
        return [node], []


class ClaimDirective(SphinxDirective):
    """A claim's formula as a displayed equation, numbered when it has a ``:label:``."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "label": directives.unchanged,
        "name": directives.unchanged,
        "class": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        """Render the claim as display math and register its label as an equation."""
        try:
            key, latex = claim_latex(self.state.document, self.arguments[0])
        except KeyError as err:
            return [
                self.state.document.reporter.error(
                    f"{{claim}} {self.arguments[0]}: {err.args[0]}", line=self.lineno
                )
            ]
        label = self.options.get("label", self.options.get("name"))
        node = nodes.math_block(
            latex,
            latex,
            label=label,
            number=None,
            nowrap=False,
            classes=["dlhw-claim", *self.options.get("class", [])],
        )
        node["dlhw_claim"] = key
        node["docname"] = self.env.docname
        self.set_source_info(node)
        if not label:
            return [node]
        domain = self.env.get_domain("math")
        domain.note_equation(self.env.docname, label, location=node)  # type: ignore[attr-defined]
        node["number"] = domain.get_equation_number_for(label)  # type: ignore[attr-defined]
        target = nodes.target("", "", ids=[f"equation-{label}"])
        self.state.document.note_explicit_target(target)
        return [target, node]


class ByHandRole(SphinxRole):
    """``{by-hand}`reason```: this statement's formula is typed by hand, because ``reason``."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        """Mark the statement; show a small dagger whose title gives the reason."""
        reason = self.text.strip()
        if not reason:
            message = self.inliner.reporter.error("{by-hand} needs a reason", line=self.lineno)
            return [], [message]
        return [by_hand(reason=reason)], []


class ChecksDirective(SphinxDirective):
    """``{dlhw-checks}``: the table of everything this page checked (filled in later)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Keep the page's payload on a placeholder; the table is built once all is read."""
        payload = page_payload(self.state.document)
        if payload is None:
            return [
                self.state.document.reporter.error(
                    "{dlhw-checks}: this page handed no records to the book; its last code "
                    "cell must call dlhw.book.finish()",
                    line=self.lineno,
                )
            ]
        return [checks_placeholder(payload=payload)]


def visit_by_hand_html(self: Any, node: by_hand) -> None:
    """Write the marker as a dagger with the reason as its title."""
    reason = self.attval(f"Stated by hand, not generated from a checked claim: {node['reason']}")
    self.body.append(
        f'<sup class="dlhw-by-hand" title="{reason}" aria-label="{reason}">&#8224;</sup>'
    )
    raise nodes.SkipNode


def visit_by_hand_latex(self: Any, _node: by_hand) -> None:
    """Write the marker as a superscript dagger."""
    self.body.append(r"\textsuperscript{\dag}")
    raise nodes.SkipNode


def visit_skip(_self: Any, _node: nodes.Node) -> None:
    """Write nothing (for builders that have no use for the node)."""
    raise nodes.SkipNode
