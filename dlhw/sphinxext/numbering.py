"""Number everything by chapter: Theorem 3.2, Figure 3.1, equation (3.4).

Sphinx numbers sections per toctree, so a book whose parts are separate numbered
toctrees (Graphs, Optimization, ...) gets several "chapter 1"s, and the numbers of
figures, statements and equations inherit the confusion. :class:`ChapterNumbers`
replaces Sphinx's table-of-contents collector by one that, after Sphinx has assigned
its numbers, renumbers: chapter ``c`` is the ``c``-th page of the numbered toctrees in
book order, and the ``k``-th numbered item of a kind in it is ``c.k``. One counter
serves every statement kind (``prf_realtyp_to_countertyp`` in ``conf.py``): "Theorem
3.1, Lemma 3.2, Theorem 3.3". Documents are rewritten only when a number changes.
"""

from __future__ import annotations

import copy

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector


def numbered_chapters(env: BuildEnvironment, root: str) -> list[str]:
    """Return the documents that numbered toctrees list, in book order."""
    order: list[str] = []

    def walk(doc: str) -> None:
        for child in env.toctree_includes.get(doc, []):
            if child not in order:
                order.append(child)
                walk(child)

    walk(root)
    return [doc for doc in order if env.toc_secnumbers.get(doc)]


def renumber(env: BuildEnvironment, root: str) -> None:
    """Replace per-toctree numbers by chapter-wide ones, in place."""
    for chapter, doc in enumerate(numbered_chapters(env, root), start=1):
        # The chapter's title carries its number; its sections go unnumbered. They keep an
        # empty entry: a heading missing from the table gets the page's number ("1.
        # Overview"), an empty one gets none.
        unnumbered: tuple[int, ...] = ()
        sections = dict.fromkeys(env.toc_secnumbers[doc], unnumbered) | {"": (chapter,)}
        env.toc_secnumbers[doc] = sections
        env.toc_fignumbers[doc] = {
            kind: {
                node_id: (chapter, rank)
                for rank, (node_id, _) in enumerate(
                    sorted(ids.items(), key=lambda kv: kv[1]), start=1
                )
            }
            for kind, ids in env.toc_fignumbers.get(doc, {}).items()
        }
        for ref in env.tocs[doc].findall(nodes.reference):
            anchor = ref.get("anchorname", "")
            if sections.get(anchor):
                ref["secnumber"] = sections[anchor]
            else:
                ref.attributes.pop("secnumber", None)


class ChapterNumbers(TocTreeCollector):
    """Sphinx's table-of-contents collector, with chapter-wide numbers."""

    root = "index"

    def get_updated_docs(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """Assign numbers as Sphinx does, renumber by chapter, report what changed."""
        before = (copy.deepcopy(env.toc_secnumbers), copy.deepcopy(env.toc_fignumbers))
        self.assign_section_numbers(env)
        self.assign_figure_numbers(env)
        renumber(env, app.config.root_doc)
        changed = [
            doc
            for doc in sorted(env.found_docs)
            if before[0].get(doc) != env.toc_secnumbers.get(doc)
            or before[1].get(doc) != env.toc_fignumbers.get(doc)
        ]
        # a changed number shows wherever a statement or equation is cited
        return sorted(env.found_docs) if changed else []


def install(app: Sphinx) -> None:
    """Swap Sphinx's table-of-contents collector for :class:`ChapterNumbers`."""
    for listener in list(app.events.listeners.get("env-get-updated", [])):
        owner = getattr(listener.handler, "__self__", None)
        if type(owner) is TocTreeCollector:
            owner.disable(app)
    app.add_env_collector(ChapterNumbers)
