"""What the book's extension knows about each page, kept in the Sphinx environment.

One :class:`PageData` per document, gathered by
:class:`~dlhw.sphinxext.collect.BookCollector` while the page is read (so unchanged
pages keep their entries, and parallel readers merge correctly): the page's title, its
chapter front matter, the claims and check records it handed over (see
:func:`dlhw.book.finish`), its numbered statements and the problem IDs it treats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sphinx.environment import BuildEnvironment


@dataclass
class Statement:
    """A theorem-like block of a page: what it says and what checks it."""

    label: str
    kind: str
    title: str
    uses: list[str] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    preview: str = ""  # the statement's text as HTML, for hover previews


@dataclass
class Chapter:
    """What a chapter declares in its front matter (``dlhw:``)."""

    problems: dict[str, str]
    summary: str
    data: list[str] = field(default_factory=list)


@dataclass
class PageData:
    """Everything the generated pages need to know about one document."""

    title: str
    chapter: Chapter | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    has_checks_table: bool = False
    generated: bool = False
    #: the parts (chapter folders) whose ledger this page holds (``{dlhw-ledger}`` ``:part:``)
    ledger_parts: list[str] = field(default_factory=list)
    build: str = ""


def pages(env: BuildEnvironment) -> dict[str, PageData]:
    """Return the book's page data, creating the store on first use."""
    store: dict[str, PageData] | None = getattr(env, "dlhw_pages", None)
    if store is None:
        store = {}
        env.dlhw_pages = store  # type: ignore[attr-defined]
    return store


def statement_index(env: BuildEnvironment) -> dict[str, tuple[str, Statement]]:
    """Return every statement of the book by label, with its document."""
    return {s.label: (doc, s) for doc, page in pages(env).items() for s in page.statements}
