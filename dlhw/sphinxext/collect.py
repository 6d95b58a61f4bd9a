r"""Read each page as it is parsed: its claims, records, statements and problem IDs.

Checks made here, each a build error (a warning under ``-W``):

* a theorem, lemma, proposition or corollary whose formulas state a relation
  (``=``, ``\le``, ``<``, ``\iff``, ...) typed by hand: relations come from claim
  objects (the ``{claim}`` role), or the block carries ``{by-hand}`reason``` ;
* a theorem-like block that no proof-grade check names;
* a chapter that hands no records to the book, or has no ``{dlhw-checks}`` table;
* a claim whose ``uses`` or a proof's ``{prf:ref}`` names no statement (checked once
  every page is read, in :func:`check_book`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from dlhw.sphinxext.claims import by_hand, checks_placeholder
from dlhw.sphinxext.previews import preview_html
from dlhw.sphinxext.store import Chapter, PageData, Statement, pages, statement_index

logger = logging.getLogger(__name__)

STATEMENT_KINDS = ("theorem", "lemma", "proposition", "corollary")
PROOF_GRADE = ("exact identity", "randomized identity", "exhaustive", "falsification search")
_PROBLEM_ID = re.compile(r"\bS\d-Q\d+\b")
#: Relations a formula can state (a formula with none of these only names things).
RELATION = re.compile(
    r"(?<![\\a-zA-Z])(=|<|>)"
    r"|\\(le|leq|ge|geq|lt|gt|ne|neq|iff|Leftrightarrow|Rightarrow|implies|equiv|approx|sim"
    r"|simeq|cong|succ|succeq|prec|preceq|subset|subseteq|supset|supseteq|in|notin|ni|to|mapsto"
    r"|propto|ll|gg|leqslant|geqslant)(?![a-zA-Z])"
)


def chapter_of(env: BuildEnvironment, docname: str) -> Chapter | None:
    """Return the chapter declared in ``docname``'s front matter, if any."""
    raw = env.metadata.get(docname, {}).get("dlhw")
    if raw is None:
        return None
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, dict) or not isinstance(data.get("problems"), dict):
        raise TypeError(f"{docname}: front matter dlhw: needs problems: {{ID: source}}")
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise ValueError(f"{docname}: front matter dlhw: needs a one-line summary:")
    files = data.get("data", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ValueError(f"{docname}: front matter dlhw: data: must list file names")
    return Chapter({str(k): str(v) for k, v in data["problems"].items()}, summary, files)


def _statement_nodes(doctree: nodes.document) -> list[nodes.Element]:
    return [
        n
        for n in doctree.findall(nodes.Element)
        if n.get("realtype") in STATEMENT_KINDS and "label" in n.attributes
    ]


def _proof_refs(statement: nodes.Element) -> list[str]:
    """Labels cited with ``{prf:ref}`` in the proof that follows ``statement``."""
    parent = statement.parent
    if parent is None:
        return []
    siblings = list(parent.children)
    after = siblings[siblings.index(statement) + 1 :]
    refs: list[str] = []
    for sibling in after:
        if not isinstance(sibling, nodes.Element):
            continue
        if sibling.get("realtype") in STATEMENT_KINDS:
            break
        if type(sibling).__name__ == "proof_node":
            refs += [
                x["reftarget"]
                for x in sibling.findall(nodes.Element)
                if x.get("refdomain") == "prf"
            ]
            break
    return refs


def plain_title(title: str) -> str:
    """Return a statement's title without sphinx-proof's wrapping.

    Examples
    --------
    >>> plain_title("\u00a0(Three ReLUs make a tent)")
    'Three ReLUs make a tent'
    """
    return title.replace("\u00a0", " ").strip().removeprefix("(").removesuffix(")").strip()


def _hand_typed_relations(statement: nodes.Element) -> list[str]:
    found = []
    for math in statement.findall(nodes.Element):
        if not isinstance(math, nodes.math | nodes.math_block) or math.get("dlhw_claim"):
            continue
        text = math.astext()
        if RELATION.search(text):
            found.append(text)
    return found


def _problem_sections(doctree: nodes.document) -> dict[str, str]:
    """Problem IDs named in section titles, mapped to the section's anchor."""
    where: dict[str, str] = {}
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None:
            continue
        for pid in _PROBLEM_ID.findall(title.astext()):
            where.setdefault(pid, section["ids"][0])
    return where


class BookCollector(EnvironmentCollector):
    """Collects :class:`~dlhw.sphinxext.store.PageData` for every document."""

    def clear_doc(self, _app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        """Forget a page that is about to be re-read or was removed."""
        pages(env).pop(docname, None)

    def merge_other(
        self,
        _app: Sphinx,
        env: BuildEnvironment,
        docnames: AbstractSet[str],
        other: BuildEnvironment,
    ) -> None:
        """Take the pages read by a parallel reader."""
        mine, theirs = pages(env), pages(other)
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        """Read one page."""
        env = app.env
        docname = env.docname
        title = doctree.next_node(nodes.title)
        data = PageData(
            title=title.astext() if title else docname, build=getattr(env, "dlhw_build", "")
        )
        from dlhw.sphinxext.pages import dlhw_generated

        generated = list(doctree.findall(dlhw_generated))
        data.generated = bool(generated)
        data.ledger_parts = [n["part"] for n in generated if n.get("part")]
        try:
            data.chapter = chapter_of(env, docname)
        except (TypeError, ValueError) as err:
            logger.warning("dlhw: %s", err, location=docname)
        placeholders = list(doctree.findall(checks_placeholder))
        payload: dict[str, Any] = placeholders[0]["payload"] if placeholders else {}
        data.has_checks_table = bool(placeholders)
        data.records = list(payload.get("records", []))
        data.claims = dict(payload.get("claims", {}))
        if data.chapter is not None:
            data.problems = dict.fromkeys(data.chapter.problems, "")
            data.problems.update(_problem_sections(doctree))
        for node in _statement_nodes(doctree):
            data.statements.append(self._statement(node, data))
        if data.chapter is not None:
            self._check_chapter(data, docname)
        pages(env)[docname] = data

    @staticmethod
    def _statement(node: nodes.Element, data: PageData) -> Statement:
        label = str(node["label"])
        keys = sorted(
            {str(m["dlhw_claim"]) for m in node.findall(nodes.Element) if m.get("dlhw_claim")}
        )
        uses = list(_proof_refs(node))
        for claim in data.claims.values():
            if claim.get("label") == label:
                uses += [u for u in claim.get("uses", []) if u not in uses]
        statement = Statement(
            label=label,
            kind=str(node["realtype"]),
            title=plain_title(str(node.get("title", ""))),
            uses=sorted(set(uses) - {label}),
            by_hand=[str(m["reason"]) for m in node.findall(by_hand)],
            claims=keys,
            preview=preview_html(node),
        )
        hand_typed = _hand_typed_relations(node)
        if hand_typed and not statement.by_hand:
            logger.warning(
                "dlhw: %s %r states a relation typed by hand (%s): render it from a claim with "
                "{claim}`key`, or mark the block {by-hand}`reason`",
                statement.kind,
                label,
                hand_typed[0][:80],
                location=node,
            )
        checked = any(
            r.get("label") == label and r.get("kind") in PROOF_GRADE for r in data.records
        )
        if not checked:
            logger.warning(
                "dlhw: %s %r has no proof-grade check naming it (identity, exhaustive or "
                "falsification search with label=%r; experiments do not count)",
                statement.kind,
                label,
                label,
                location=node,
            )
        return statement

    @staticmethod
    def _check_chapter(data: PageData, docname: str) -> None:
        if not data.has_checks_table:
            logger.warning("dlhw: chapter %s has no {dlhw-checks} table", docname, location=docname)
        if not data.records:
            logger.warning(
                "dlhw: chapter %s handed no check records to the book (does its last cell "
                "call dlhw.book.finish()?)",
                docname,
                location=docname,
            )


def check_book(_app: Sphinx, env: BuildEnvironment) -> None:
    """Once every page is read: labels and uses must name statements of the book."""
    index = statement_index(env)
    for docname, page in sorted(pages(env).items()):
        for record in page.records:
            label = record.get("label")
            if label and label not in index:
                logger.warning(
                    "dlhw: check %r names label %r, which is no theorem, lemma, proposition or "
                    "corollary of the book",
                    record.get("claim"),
                    label,
                    location=docname,
                )
        for statement in page.statements:
            for used in statement.uses:
                if used not in index and not _is_definition(env, used):
                    logger.warning(
                        "dlhw: %r uses %r, which names no statement or definition of the book",
                        statement.label,
                        used,
                        location=docname,
                    )
    cycle = find_cycle({label: s.uses for label, (_, s) in index.items()})
    if cycle:
        logger.warning("dlhw: the claims use each other in a cycle: %s", " -> ".join(cycle))


def _is_definition(env: BuildEnvironment, label: str) -> bool:
    proofs = getattr(env, "proof_list", {})
    return label in proofs


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """Return one cycle of ``graph`` as a list of nodes (first repeated last), or ``[]``.

    Examples
    --------
    >>> find_cycle({"a": ["b"], "b": ["c"], "c": []})
    []
    >>> find_cycle({"a": ["b"], "b": ["a"]})
    ['a', 'b', 'a']
    """
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []
