"""Sphinx extension of the dlhw book: claims ledger, problem index, versions, .ipynb downloads.

* While each page is read, the records of its checks are taken from its executed
  notebook (the "What was checked" table carries them in its output metadata), and its
  theorem, lemma, proposition and corollary labels and problem IDs are collected. A
  page whose execution came from the cache gets its outputs back from the cache. The
  data lives in the Sphinx environment, so unchanged pages keep their entries.
* ``{dlhw-ledger}`` renders every check of the book and the proof coverage.
* ``{dlhw-problem-index}`` maps every problem ID of the catalogue to the section that
  treats it.
* ``{dlhw-versions}`` lists the versions the book was built with.
* Chapter pages get a ".ipynb" download of their executed notebook.

A chapter page whose checks cannot be found, or a check whose label names no theorem,
is a build error.
"""

from __future__ import annotations

import csv
import json
import platform
import re
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from jupyter_cache import get_cache
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from dlhw.proof.report import format_seconds

logger = logging.getLogger(__name__)

RECORDS_KEY = "dlhw_checks"
CLAIM_KINDS = ("theorem", "lemma", "proposition", "corollary")
PROBLEMS_CSV = Path(__file__).resolve().parent.parent / "_data" / "problems.csv"
GENERATED = {"ledger", "problems", "status"}
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
    "torch",
)
_DIRECTIVE = re.compile(
    r"^[`:]{3,}\{prf:(" + "|".join(CLAIM_KINDS) + r")\}[ \t]*(.*?)\n(?::[a-z]+:.*\n)*?"
    r":label:[ \t]*(\S+)",
    re.MULTILINE,
)
_PROBLEM_ID = re.compile(r"\bS\d-Q\d+\b")


def is_chapter(docname: str) -> bool:
    """Chapters live in a theme folder of docs/ (graphs/, optimization/, ...)."""
    return "/" in docname and not docname.startswith("api/")


def _store(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    if not hasattr(env, "dlhw_pages"):
        env.dlhw_pages = {}  # type: ignore[attr-defined]
    return env.dlhw_pages  # type: ignore[attr-defined]


def _executed_notebook(app: Sphinx, docname: str) -> Path:
    return Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"


def _restore_outputs(app: Sphinx, notebook: Path) -> None:
    """Put the cached outputs back into an executed notebook that lacks them.

    When a page comes from the execution cache, myst-nb renders the cached outputs but
    writes the notebook to ``jupyter_execute/`` without them. The cache still holds
    them: merge them in, so the ledger and the ``.ipynb`` download see the outputs.
    """
    nb = nbformat.read(notebook, as_version=4)
    if any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"):
        return
    cache = get_cache(app.config.nb_execution_cache_path)
    try:
        _, merged = cache.merge_match_into_notebook(nb)
    except KeyError:  # not in the cache: the page was not executed
        return
    nbformat.write(merged, notebook)


def _records_of(notebook: Path) -> list[dict[str, Any]]:
    cells = json.loads(notebook.read_text())["cells"]
    found: list[dict[str, Any]] = []
    for cell in cells:
        for output in cell.get("outputs", []):
            found.extend(output.get("metadata", {}).get(RECORDS_KEY, []))
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


def collect(app: Sphinx, doctree: nodes.document) -> None:
    """Record a chapter's checks, claims and problem IDs as it is read."""
    docname = app.env.docname
    if not is_chapter(docname):
        return
    source = Path(app.env.doc2path(docname)).read_text()
    claims = [
        {"kind": kind, "title": title.strip(), "label": label}
        for kind, title, label in _DIRECTIVE.findall(source)
    ]
    source_line = next((ln for ln in source.splitlines() if ln.startswith("**Source")), "")
    problems = dict.fromkeys(_PROBLEM_ID.findall(source_line), "")
    problems.update(_problem_sections(doctree))
    notebook = _executed_notebook(app, docname)
    if notebook.exists():
        _restore_outputs(app, notebook)
    records = _records_of(notebook) if notebook.exists() else []
    title = doctree.next_node(nodes.title)
    _store(app.env)[docname] = {
        "title": title.astext() if title else docname,
        "claims": claims,
        "records": records,
        "problems": problems,
    }


def purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget a page that is about to be re-read or was removed."""
    _store(env).pop(docname, None)


def merge(_app: Sphinx, env: BuildEnvironment, _docnames: Any, other: BuildEnvironment) -> None:
    """Merge page data gathered by parallel readers."""
    _store(env).update(_store(other))


def always_regenerate(
    _app: Sphinx, env: BuildEnvironment, _added: Any, _changed: Any, _removed: Any
) -> list[str]:
    """Re-read the generated pages on every build: they summarise all the others."""
    return [d for d in GENERATED if d in env.found_docs]


def check_consistency(_app: Sphinx, env: BuildEnvironment) -> None:
    """Fail the build when a chapter's checks are missing or point nowhere."""
    pages = _store(env)
    labels = {c["label"] for page in pages.values() for c in page["claims"]}
    for docname in sorted(d for d in env.found_docs if is_chapter(d)):
        page = pages.get(docname)
        if page is None or not page["records"]:
            logger.warning(
                "dlhw: no check records found for chapter %s (does it end with "
                "what_was_checked()?)",
                docname,
                location=docname,
            )
            continue
        for record in page["records"]:
            if record.get("label") and record["label"] not in labels:
                logger.warning(
                    "dlhw: check %r names label %r, which is no theorem, lemma, "
                    "proposition or corollary of the book",
                    record["claim"],
                    record["label"],
                    location=docname,
                )


# --- rendering helpers ----------------------------------------------------------


def _inline(text: str) -> list[nodes.Node]:
    """Text with ``$...$`` spans turned into inline math nodes."""
    parts = re.split(r"(?<!\\)\$", text)
    result: list[nodes.Node] = []
    for i, part in enumerate(parts):
        if i % 2:
            result.append(nodes.math(part, part))
        elif part:
            result.append(nodes.Text(part.replace("`", "")))
    return result


def _cell(*content: nodes.Node | str) -> nodes.entry:
    para = nodes.paragraph()
    for c in content:
        para += nodes.Text(c) if isinstance(c, str) else c
    return nodes.entry("", para)


def _table(
    headers: list[str], rows: list[list[nodes.entry]], widths: list[int], kind: str = ""
) -> nodes.table:
    table = nodes.table(classes=["dlhw-generated", *([f"dlhw-{kind}"] if kind else [])])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    head += nodes.row("", *[_cell(h) for h in headers])
    body = nodes.tbody()
    group += body
    for row in rows:
        body += nodes.row("", *row)
    return table


def _link(app: Sphinx, fromdoc: str, todoc: str, anchor: str, text: str) -> nodes.reference:
    uri = app.builder.get_relative_uri(fromdoc, todoc) + (f"#{anchor}" if anchor else "")
    return nodes.reference("", "", *_inline(text), internal=True, refuri=uri)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) < 1e-3 or abs(value) >= 1e4:
        return f"{value:.2g}"
    return f"{value:.3g}"


class _Placeholder(nodes.General, nodes.Element):
    """Replaced by a generated table once every page has been read."""


class _PlaceholderDirective(SphinxDirective):
    kind = ""

    def run(self) -> list[nodes.Node]:
        return [_Placeholder(kind=self.kind)]


class LedgerDirective(_PlaceholderDirective):
    """``{dlhw-ledger}``: every check of the book and the proof coverage."""

    kind = "ledger"


class ProblemIndexDirective(_PlaceholderDirective):
    """``{dlhw-problem-index}``: every problem ID and where the book treats it."""

    kind = "problems"


class VersionsDirective(_PlaceholderDirective):
    """``{dlhw-versions}``: Python and package versions of this build."""

    kind = "versions"


def _book_order(app: Sphinx, docnames: list[str]) -> list[str]:
    """``docnames`` in the order of the book's table of contents."""
    listed = app.env.toctree_includes.get(app.config.root_doc, [])
    return [d for d in listed if d in docnames] + sorted(set(docnames) - set(listed))


def _claim_cell(app: Sphinx, fromdoc: str, docname: str, record: dict[str, Any]) -> nodes.entry:
    """Render the claim of a check, with a link to the theorem it supports."""
    page = _store(app.env)[docname]
    titles = {c["label"]: f"{c['kind'].title()}: {c['title']}" for c in page["claims"]}
    cell = _cell(*_inline(record["claim"]))
    label = record.get("label")
    if label:
        cell[0] += nodes.Text(" (")
        cell[0] += _link(app, fromdoc, docname, label, titles.get(label, label))
        cell[0] += nodes.Text(")")
    return cell


def _ledger(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    pages = _store(app.env)
    sections: list[nodes.Node] = []
    n_checks, claims_total, unchecked = 0, 0, []
    for docname in _book_order(app, list(pages)):
        page = pages[docname]
        rows = [
            [
                _claim_cell(app, fromdoc, docname, r),
                _cell(r["kind"]),
                _cell(str(r["cases"])),
                _cell(_number(r["worst"])),
                _cell(format_seconds(r["seconds"])),
            ]
            for r in page["records"]
        ]
        n_checks += len(rows)
        checked = {r.get("label") for r in page["records"]}
        missing = [c for c in page["claims"] if c["label"] not in checked]
        claims_total += len(page["claims"])
        unchecked += [(docname, c) for c in missing]
        covered = len(page["claims"]) - len(missing)
        heading = nodes.rubric("", "", _link(app, fromdoc, docname, "", page["title"]))
        tally = nodes.paragraph(
            "",
            f"{_count(len(rows), 'check')}; {covered} of {len(page['claims'])} numbered "
            "claims of the chapter have a check.",
        )
        headers = ["Claim", "Kind of check", "Cases", "Worst", "Seconds"]
        sections += [heading, tally, _table(headers, rows, [56, 16, 9, 10, 9])]
    covered = claims_total - len(unchecked)
    share = covered / claims_total if claims_total else 1.0
    summary = nodes.paragraph(
        "",
        f"{_count(n_checks, 'check')} on {_count(len(pages), 'chapter')}. "
        f"Proof coverage: {covered} of "
        f"{claims_total} theorems, lemmas, propositions and corollaries ({share:.0%}) have at "
        "least one check.",
    )
    out: list[nodes.Node] = [summary]
    if unchecked:
        items = nodes.bullet_list()
        for docname, c in unchecked:
            items += nodes.list_item(
                "",
                nodes.paragraph(
                    "",
                    "",
                    _link(app, fromdoc, docname, c["label"], f"{c['kind'].title()}: {c['title']}"),
                    nodes.Text(f" ({pages[docname]['title']})"),
                ),
            )
        out += [nodes.paragraph("", "Without a check:"), items]
    else:
        out.append(
            nodes.paragraph("", "Every theorem, lemma, proposition and corollary has a check.")
        )
    return out + sections


def _problem_index(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    pages = _store(app.env)
    treated: dict[str, list[tuple[str, str]]] = {}
    for docname in sorted(pages):
        for pid, anchor in pages[docname]["problems"].items():
            treated.setdefault(pid, []).append((docname, anchor))
    rows = []
    with PROBLEMS_CSV.open() as handle:
        for p in csv.DictReader(handle):
            where = treated.get(p["id"])
            if where:
                cell = _cell()
                for i, (docname, anchor) in enumerate(where):
                    if i:
                        cell[0] += nodes.Text("; ")
                    cell[0] += _link(app, fromdoc, docname, anchor, pages[docname]["title"])
            else:
                cell = _cell(nodes.emphasis("", "not yet covered"))
            rows.append(
                [_cell(p["id"]), _cell(p["topic"]), _cell(f"{p['course']}, {p['problem']}"), cell]
            )
    unknown = sorted(set(treated) - {r[0].astext() for r in rows})
    for pid in unknown:
        logger.warning("dlhw: chapter names problem %s, which is not in the catalogue", pid)
    headers = ["ID", "Problem", "Source", "Treated in"]
    return [_table(headers, rows, [10, 38, 28, 24], kind="problems")]


def _versions() -> list[nodes.Node]:
    rows = [[_cell("Python"), _cell(platform.python_version())]]
    for name in VERSIONED:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append([_cell(name), _cell(version)])
    return [_table(["Package", "Version"], rows, [50, 50])]


def resolve(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace placeholders by their tables."""
    for node in list(doctree.findall(_Placeholder)):
        kind = node["kind"]
        if kind == "ledger":
            node.replace_self(_ledger(app, docname))
        elif kind == "problems":
            node.replace_self(_problem_index(app, docname))
        else:
            node.replace_self(_versions())


def notebook_download(
    app: Sphinx, pagename: str, _template: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Offer the executed notebook of a chapter as a ".ipynb" download."""
    notebook = _executed_notebook(app, pagename)
    if not is_chapter(pagename) or not notebook.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def bibliography_roles(
    _app: Sphinx, _pagename: str, _template: str, context: dict[str, Any], _doctree: Any
) -> None:
    """Give citation entries the ARIA role their ``role="list"`` parent requires.

    Docutils marks each entry ``doc-biblioentry``, a role that ARIA 1.3 deprecates and
    that screen readers do not count as an item of the list around it.
    """
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the events and directives."""
    app.add_node(_Placeholder)
    app.add_directive("dlhw-ledger", LedgerDirective)
    app.add_directive("dlhw-problem-index", ProblemIndexDirective)
    app.add_directive("dlhw-versions", VersionsDirective)
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", always_regenerate)
    app.connect("env-check-consistency", check_consistency)
    app.connect("doctree-resolved", resolve)
    app.connect("html-page-context", notebook_download, priority=400)
    app.connect("html-page-context", bibliography_roles)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
