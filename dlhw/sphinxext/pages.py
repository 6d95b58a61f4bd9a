"""The generated parts of the book: check tables, the ledger, the problem index, versions.

Each is a placeholder node put down while the page is read and replaced once every page
has been read (``doctree-resolved``), from the data in the environment.
"""

from __future__ import annotations

import csv
import json
import math
import platform
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from dlhw.sphinxext.claim_map import chapter_figure, claim_map, legend
from dlhw.sphinxext.claims import checks_placeholder
from dlhw.sphinxext.collect import PROOF_GRADE
from dlhw.sphinxext.store import PageData, pages, statement_index
from dlhw.sphinxext.tables import cell, checks_table, inline, link, statement_name, table

logger = logging.getLogger(__name__)

VERSIONED = (
    "sphinx",
    "myst-nb",
    "sphinx-book-theme",
    "sphinx-proof",
    "jupyter-cache",
    "numpy",
    "scipy",
    "sympy",
    "networkx",
    "matplotlib",
    "scikit-learn",
    "torch",
)


class dlhw_generated(nodes.General, nodes.Element):  # noqa: N801 - docutils node naming
    """Replaced by a generated table once every page has been read."""


class _GeneratedDirective(SphinxDirective):
    kind = ""

    def run(self) -> list[nodes.Node]:
        return [dlhw_generated(kind=self.kind)]


class LedgerDirective(_GeneratedDirective):
    """``{dlhw-ledger}``: the book's tally, one row per chapter.

    With ``:part: graphs``, every statement and check of the chapters in that folder.
    """

    kind = "ledger"
    option_spec: ClassVar[dict[str, Any]] = {"part": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        """Put down the placeholder, with the part it is for ("" for the tally)."""
        return [dlhw_generated(kind=self.kind, part=self.options.get("part", ""))]


class ProblemIndexDirective(_GeneratedDirective):
    """``{dlhw-problem-index}``: every problem ID and where the book treats it."""

    kind = "problems"


class ChapterMapDirective(_GeneratedDirective):
    """``{dlhw-chapter-map}``: every chapter, its problems and what it shows."""

    kind = "chapters"


class ClaimMapDirective(_GeneratedDirective):
    """``{dlhw-claim-map}``: every statement, what it uses, coloured by how it is checked."""

    kind = "claim-map"


class VersionsDirective(_GeneratedDirective):
    """``{dlhw-versions}``: Python and package versions of this build."""

    kind = "versions"


def book_order(app: Sphinx) -> list[str]:
    """Return the chapters in the order of the book's one table of contents."""
    env = app.env
    order: list[str] = []

    def walk(doc: str) -> None:
        for child in env.toctree_includes.get(doc, []):
            if child not in order:
                order.append(child)
                walk(child)

    walk(app.config.root_doc)
    return [d for d in order if pages(env).get(d) is not None and pages(env)[d].chapter is not None]


def mutant_report(app: Sphinx) -> dict[str, Any]:
    """Return the last report of ``nox -s mutants`` (empty if it has not run)."""
    path = Path(app.outdir).parent / "mutants" / "report.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def _findings(app: Sphinx, docname: str, records: list[dict[str, Any]]) -> list[nodes.Node]:
    """Sharpness and needed hypotheses of each search and exhaustive check, as a list."""
    items = nodes.bullet_list(classes=["dlhw-findings"])
    for record in records:
        finding = record.get("extra", {}).get("finding")
        ratio = (finding or {}).get("worst_ratio")
        has_ratio = isinstance(ratio, float) and not math.isnan(ratio)
        if not finding or not (finding.get("needed") or finding.get("not_needed") or has_ratio):
            continue
        para = nodes.paragraph()
        para += inline(str(record.get("claim", "")))
        label = record.get("label")
        if label:
            para += nodes.Text(" (")
            para += (
                link(
                    app,
                    docname,
                    statement_index(app.env)[label][0],
                    label,
                    statement_name(app, label),
                )
                if label in statement_index(app.env)
                else nodes.Text(label)
            )
            para += nodes.Text(")")
        para += nodes.Text(": ")
        if has_ratio:
            sharp = (
                "the bound is attained" if finding.get("sharp") else "not claimed to be attained"
            )
            para += nodes.Text(f"worst ratio found {ratio:.6g} ({sharp}); ")
        needed = finding.get("needed", {})
        if needed:
            para += nodes.Text("needed: ")
            for i, (hyp, example) in enumerate(needed.items()):
                if i:
                    para += nodes.Text("; ")
                para += nodes.math(hyp, hyp)
                para += nodes.Text(" — dropped, it fails: ")
                para += nodes.literal(str(example)[:300], str(example)[:300])
        rest = finding.get("not_needed", [])
        if rest:
            para += nodes.Text(("; " if needed else "") + "not shown to be needed by this check: ")
            for i, hyp in enumerate(rest):
                if i:
                    para += nodes.Text(", ")
                para += nodes.math(hyp, hyp)
        items += nodes.list_item("", para)
    if not len(items.children):
        return []
    return [
        nodes.paragraph("", "Why each hypothesis is needed, and how sharp each bound is:"),
        items,
    ]


def page_checks(app: Sphinx, docname: str, page: PageData) -> list[nodes.Node]:
    """Return the end-of-chapter tables: checks, experiments, findings."""
    proofs = [r for r in page.records if r.get("kind") in PROOF_GRADE]
    experiments = [r for r in page.records if r.get("kind") not in PROOF_GRADE]
    out: list[nodes.Node] = []
    figure = chapter_figure(app, docname, docname)
    if figure is not None:
        where: list[nodes.Node] = [nodes.Text(".")]
        if "map" in app.env.all_docs:
            where = [
                nodes.Text("; the whole book's is the "),
                link(app, docname, "map", "", "map of claims"),
                nodes.Text("."),
            ]
        out += [
            nodes.paragraph(
                "",
                "",
                nodes.Text(
                    "The statements of this chapter, with an arrow to each statement a proof "
                    "uses, coloured by how far each is checked (hover for its checks, click to "
                    "go to it)"
                ),
                *where,
            ),
            legend(),
            figure,
        ]
    if proofs:
        out.append(checks_table(app, docname, proofs))
    if experiments:
        out.append(
            nodes.paragraph(
                "", "Experiments: measured, not proved; they count as evidence for no statement."
            )
        )
        out.append(checks_table(app, docname, experiments))
    out += _findings(app, docname, proofs)
    return out


def _statement_rows(
    app: Sphinx, fromdoc: str, docname: str, page: PageData
) -> list[list[nodes.entry]]:
    rows = []
    for s in page.statements:
        kinds = sorted(
            {
                r["kind"]
                for r in page.records
                if r.get("label") == s.label and r.get("kind") in PROOF_GRADE
            }
        )
        full, why = fully_checked(app, s.label)
        rows.append(
            [
                cell(link(app, fromdoc, docname, s.label, statement_name(app, s.label))),
                cell(*inline(s.title)) if s.title else cell(""),
                cell(", ".join(kinds) or "none"),
                cell("yes" if full else f"no: {why}"),
                cell("by hand: " + "; ".join(s.by_hand) if s.by_hand else "from a claim"),
            ]
        )
    return rows


def fully_checked(app: Sphinx, label: str, seen: set[str] | None = None) -> tuple[bool, str]:
    """Return whether ``label`` and everything it uses are checked by proof-grade checks."""
    index = statement_index(app.env)
    seen = set() if seen is None else seen
    if label in seen or label not in index:
        return True, ""
    seen.add(label)
    docname, statement = index[label]
    page = pages(app.env)[docname]
    if not any(r.get("label") == label and r.get("kind") in PROOF_GRADE for r in page.records):
        return False, "no proof-grade check"
    if statement.by_hand:
        return False, "stated by hand"
    for used in statement.uses:
        ok, why = fully_checked(app, used, seen)
        if not ok:
            return False, f"uses {statement_name(app, used)} ({why})"
    return True, ""


def ledger(app: Sphinx, fromdoc: str, part: str = "") -> list[nodes.Node]:
    """Return the ledger of one part of the book (a folder of chapters), or the book's tally.

    With ``part``: a tally per chapter, then its statements, checks and experiments. Without:
    the book's totals and one row per chapter, linked to its part's ledger page.
    """
    env = app.env
    report = mutant_report(app)
    out: list[nodes.Node] = []
    chapters = [d for d in book_order(app) if not part or d.split("/", maxsplit=1)[0] == part]
    rows: list[list[nodes.entry]] = []
    totals = {
        "statements": 0,
        "full": 0,
        "checks": 0,
        "experiments": 0,
        "by_hand": 0,
        "killed": 0,
        "mutants": 0,
    }
    sections: list[nodes.Node] = []
    for docname in chapters:
        page = pages(env)[docname]
        heading = nodes.rubric("", "", link(app, fromdoc, docname, "", page.title))
        proofs = [r for r in page.records if r.get("kind") in PROOF_GRADE]
        experiments = [r for r in page.records if r.get("kind") not in PROOF_GRADE]
        full = sum(fully_checked(app, s.label)[0] for s in page.statements)
        by_hand = sum(bool(s.by_hand) for s in page.statements)
        mutants = report.get(docname, {})
        killed = sum(1 for r in mutants.get("results", []) if r["status"] in ("killed", "true"))
        total = sum(
            1 for r in mutants.get("results", []) if r["status"] not in ("invalid", "weaker")
        )
        totals.update(
            statements=totals["statements"] + len(page.statements),
            full=totals["full"] + full,
            checks=totals["checks"] + len(proofs),
            experiments=totals["experiments"] + len(experiments),
            by_hand=totals["by_hand"] + by_hand,
            killed=totals["killed"] + killed,
            mutants=totals["mutants"] + total,
        )
        if not part:  # the tally: one row, linked to the part's page
            counts = (len(page.statements), full, by_hand, len(proofs), len(experiments))
            rows.append(
                [
                    cell(link(app, fromdoc, ledger_page(app, docname), "", page.title)),
                    *(cell(f"{n}") for n in counts),
                    cell(f"{killed} of {total}" if total else "not run"),
                ]
            )
            continue
        mutant_text = (
            f"; claim mutants refuted: {killed} of {total}" if total else "; claim mutants: not run"
        )
        tally = nodes.paragraph(
            "",
            f"{len(page.statements)} statements, {full} fully checked, {by_hand} stated by hand; "
            f"{len(proofs)} checks, {len(experiments)} experiments{mutant_text}.",
        )
        sections += [heading, tally]
        if page.statements:
            sections.append(
                table(
                    ["Statement", "Title", "Checked by", "Fully checked", "Formula"],
                    _statement_rows(app, fromdoc, docname, page),
                    [16, 34, 22, 16, 12],
                    kind="statements",
                )
            )
        if proofs:
            sections.append(checks_table(app, fromdoc, proofs))
        if experiments:
            sections.append(nodes.paragraph("", "Experiments (measured, not proved):"))
            sections.append(checks_table(app, fromdoc, experiments))
    mutant_summary = (
        " Mutants generated from the claims and refuted by their checks: "
        f"{totals['killed']} of {totals['mutants']}."
        if totals["mutants"]
        else " Claim mutants have not been run for this build (nox -s mutants)."
    )
    out.append(
        nodes.paragraph(
            "",
            f"{totals['statements']} numbered statements in {len(chapters)} chapters; "
            f"{totals['full']} are fully checked (they and everything they use have a proof-grade "
            f"check); {totals['by_hand']} state a formula by hand. {totals['checks']} checks and "
            f"{totals['experiments']} experiments.{mutant_summary}",
        )
    )
    if part:
        return out + sections
    headers = ["Chapter", "Statements", "Fully checked", "By hand", "Checks", "Experiments"]
    chapter_rows = table(
        [*headers, "Mutants refuted"], rows, [30, 11, 10, 8, 10, 12, 13], kind="tally"
    )
    return [*out, chapter_rows]


def ledger_page(app: Sphinx, docname: str) -> str:
    """Return the ledger page of the part that holds chapter ``docname``.

    Raises
    ------
    sphinx.errors.ExtensionError
        If no page holds a ``{dlhw-ledger}`` with ``:part:`` for the chapter's folder.
    """
    part = docname.split("/", maxsplit=1)[0]
    for other, page in pages(app.env).items():
        if part in page.ledger_parts:
            return other
    raise ExtensionError(f"dlhw: no ledger page has ':part: {part}' (for {docname})")


def problem_index(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    """Return every problem of the catalogue, with where the book treats it."""
    env = app.env
    treated: dict[str, list[tuple[str, str]]] = {}
    sources: dict[str, str] = {}
    for docname in book_order(app):
        page = pages(env)[docname]
        assert page.chapter is not None
        sources.update(page.chapter.problems)
        for pid, anchor in page.problems.items():
            treated.setdefault(pid, []).append((docname, anchor))
    rows = []
    catalogue = Path(app.srcdir) / "_data" / "problems.csv"
    with catalogue.open() as handle:
        entries = list(csv.DictReader(handle))
    known = {p["id"] for p in entries}
    for p in entries:
        where = treated.get(p["id"])
        if where:
            parts: list[nodes.Node] = []
            for n_doc, (docname, anchor) in enumerate(where):
                if n_doc:
                    parts.append(nodes.Text("; "))
                parts.append(link(app, fromdoc, docname, anchor, pages(env)[docname].title))
            entry = cell(*parts)
        else:
            entry = cell(nodes.emphasis("", "not yet covered"))
        rows.append(
            [
                cell(p["id"]),
                cell(p["topic"]),
                cell(sources.get(p["id"], f"{p['course']}, {p['problem']}")),
                entry,
            ]
        )
    for pid in sorted(set(treated) - known):
        logger.warning("dlhw: a chapter names problem %s, which is not in the catalogue", pid)
    return [
        table(["ID", "Problem", "Source", "Treated in"], rows, [10, 38, 28, 24], kind="problems")
    ]


def chapter_map(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    """Return the table of chapters, from their front matter, in book order."""
    rows = []
    for docname in book_order(app):
        page = pages(app.env)[docname]
        assert page.chapter is not None
        rows.append(
            [
                cell(link(app, fromdoc, docname, "", page.title)),
                cell(", ".join(page.chapter.problems), classes=["dlhw-ids"]),
                cell(*inline(page.chapter.summary)),
            ]
        )
    return [table(["Chapter", "Problems", "What it shows"], rows, [34, 16, 50], kind="chapters")]


def versions() -> list[nodes.Node]:
    """Return the versions of Python and the packages this build used."""
    rows = [[cell("Python"), cell(platform.python_version())]]
    for name in VERSIONED:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append([cell(name), cell(version)])
    return [table(["Package", "Version"], rows, [50, 50])]


def resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace the placeholders of ``docname`` by their tables."""
    for placeholder in list(doctree.findall(checks_placeholder)):
        page = pages(app.env).get(docname)
        placeholder.replace_self(page_checks(app, docname, page) if page else [])
    for node in list(doctree.findall(dlhw_generated)):
        kind = node["kind"]
        if kind == "ledger":
            node.replace_self(ledger(app, docname, node.get("part", "")))
        elif kind == "problems":
            node.replace_self(problem_index(app, docname))
        elif kind == "chapters":
            node.replace_self(chapter_map(app, docname))
        elif kind == "claim-map":
            node.replace_self(claim_map(app, docname, book_order(app)))
        else:
            node.replace_self(versions())
