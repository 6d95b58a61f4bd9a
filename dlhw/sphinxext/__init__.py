"""The dlhw book's Sphinx extension.

One module per job:

* :mod:`~dlhw.sphinxext.claims` -- the ``{claim}`` role and directive (statements
  rendered from checked claims), ``{by-hand}``, and the ``{dlhw-checks}`` table;
* :mod:`~dlhw.sphinxext.collect` -- reads each page (claims, records, statements,
  problem IDs) and enforces the book's rules;
* :mod:`~dlhw.sphinxext.pages` -- the generated tables: a chapter's checks, the ledger,
  the problem index, the versions;
* :mod:`~dlhw.sphinxext.claim_map` -- the map of claims (what each statement uses);
* :mod:`~dlhw.sphinxext.previews` -- hover previews of the statements a link points to;
* :mod:`~dlhw.sphinxext.cache` -- a page re-executes when ``dlhw`` or its data changes;
* :mod:`~dlhw.sphinxext.downloads` -- the ``.ipynb`` download of each chapter.
"""

from __future__ import annotations

import uuid
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext.graphviz import (
    latex_visit_graphviz,
    man_visit_graphviz,
    texinfo_visit_graphviz,
    text_visit_graphviz,
)

from dlhw.sphinxext import (
    cache,
    claim_map,
    claims,
    collect,
    downloads,
    lighter,
    numbering,
    pages,
    previews,
    store,
)


def _new_build(app: Sphinx) -> None:
    """``builder-inited``: a token that marks the pages read by this build."""
    app.env.dlhw_build = uuid.uuid4().hex  # type: ignore[attr-defined]


def _regenerate(_app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: rewrite the generated pages when any page was read.

    Nothing is read on a rebuild with nothing changed, so nothing is rewritten; when a
    chapter changes, the ledger and the indexes, which summarise every chapter, are.
    """
    token = getattr(env, "dlhw_build", "")
    book = store.pages(env)
    if not any(page.build == token for page in book.values()):
        return []
    return sorted(doc for doc, page in book.items() if page.generated and page.build != token)


def bibliography_roles(
    _app: Sphinx, _pagename: str, _template: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Give citation entries the ARIA role their ``role="list"`` parent requires.

    Docutils marks each entry ``doc-biblioentry``, a role that ARIA 1.3 deprecates and
    that screen readers do not count as an item of the list around it.
    """
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _merge_nothing(_domain: object, _docnames: object, _otherdata: object) -> None:
    """Merge nothing: a domain that keeps no data of its own has nothing to merge."""


def allow_parallel_reads() -> None:
    """Let sphinx-proof's domain take part in parallel reads (``sphinx-build -j``).

    Its domain keeps no data (the statements live in ``env.proof_list``, which
    sphinx-proof merges itself on ``env-merge-info``) but does not say so, and Sphinx
    refuses a parallel read of a domain without ``merge_domaindata``.
    """
    from sphinx.domains import Domain
    from sphinx_proof.domain import ProofDomain

    if ProofDomain.merge_domaindata is Domain.merge_domaindata:
        ProofDomain.merge_domaindata = _merge_nothing


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the roles, directives, nodes, collector and events."""
    allow_parallel_reads()
    app.add_config_value("dlhw_install_source", "git+https://github.com/dlhw-book/dlhw", "html")
    app.add_node(
        claims.by_hand,
        html=(claims.visit_by_hand_html, None),
        latex=(claims.visit_by_hand_latex, None),
        text=(claims.visit_skip, None),
        man=(claims.visit_skip, None),
        texinfo=(claims.visit_skip, None),
    )
    app.add_node(claims.checks_placeholder)
    app.add_node(
        claim_map.claim_graph,
        html=(claim_map.visit_claim_graph_html, None),
        latex=(latex_visit_graphviz, None),
        text=(text_visit_graphviz, None),
        man=(man_visit_graphviz, None),
        texinfo=(texinfo_visit_graphviz, None),
    )
    app.add_node(pages.dlhw_generated)
    app.add_role("claim", claims.ClaimRole())
    app.add_role("by-hand", claims.ByHandRole())
    app.add_directive("claim", claims.ClaimDirective)
    app.add_directive("dlhw-checks", claims.ChecksDirective)
    app.add_directive("dlhw-ledger", pages.LedgerDirective)
    app.add_directive("dlhw-problem-index", pages.ProblemIndexDirective)
    app.add_directive("dlhw-versions", pages.VersionsDirective)
    app.add_directive("dlhw-chapter-map", pages.ChapterMapDirective)
    app.add_directive("dlhw-claim-map", pages.ClaimMapDirective)
    app.add_env_collector(collect.BookCollector)
    app.connect("source-read", cache.stamp_sources)
    app.connect("builder-inited", _new_build)
    app.connect("env-get-updated", _regenerate)
    numbering.install(app)
    app.connect("env-check-consistency", collect.check_book)
    app.connect("doctree-resolved", pages.resolve)
    app.connect("doctree-resolved", lighter.exercise_targets_for_latex)
    app.connect("html-page-context", downloads.notebook_download, priority=400)
    app.connect("html-page-context", bibliography_roles)
    app.add_js_file(previews.SCRIPT)
    app.connect("build-finished", previews.write_previews)
    app.connect("build-finished", lighter.drop_fontawesome_script)
    return {
        "version": "2.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 5,
    }
