"""Make the source tree of the PDF (for ``nox -s pdf``).

The web book's landing page mixes an introduction, the table of contents and generated
tables; a printed book wants a preface and then its parts and chapters. This copies
docs/ to a folder and writes there a LaTeX root, ``pdf.md``: the introduction of
``index.md`` as the preface, then each numbered toctree of ``index.md`` as a part (its
caption) holding its chapters, in the same order, so that chapter numbers are those of
the web. ``index.md`` stays the one list of chapters; nothing here is kept by hand. The
method and the reference pages follow as appendices; the API reference and the build
status stay on the web.
The PDF is built with ``root_doc = "pdf"`` (``DLHW_ROOT=pdf`` in ``conf.py``).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
_TOCTREE = re.compile(r"```\{toctree\}\n(.*?)```\n", flags=re.DOTALL)


#: Pages that close the PDF, as appendices (``latex_appendices`` in ``conf.py``); the
#: ledger's pages per part follow the ledger (see :func:`appendices`).
APPENDICES = ("method", "ledger", "map", "problems", "bibliography")


def appendices(docs: Path = DOCS) -> list[str]:
    """Return the PDF's appendices: :data:`APPENDICES`, each followed by its toctree's pages.

    LaTeX appendices take no toctree along, so the ledger's pages of the parts of the book
    become appendices of their own, right after the ledger.
    """
    out = []
    for name in APPENDICES:
        out.append(name)
        for block in _TOCTREE.findall((docs / f"{name}.md").read_text()):
            out += [ln.strip() for ln in block.splitlines() if ln.strip() and ln[0] != ":"]
    return out


def toctrees(index_text: str) -> list[str]:
    r"""Return the landing page's numbered toctrees (the parts of the book), in order.

    Examples
    --------
    >>> toctrees("```{toctree}\n:caption: Reference\n\nledger\n```\n"
    ...          "```{toctree}\n:numbered: 1\n\ngraphs/walks\n```\n")
    ['```{toctree}\n:numbered: 1\n\ngraphs/walks\n```']
    """
    out = []
    for block in _TOCTREE.findall(index_text):
        if ":numbered:" not in block:
            continue  # the method and the reference pages are the PDF's appendices
        lines = block.splitlines()
        if any(ln.strip() and not ln.startswith(":") for ln in lines):
            out.append("```{toctree}\n" + "\n".join(lines) + "\n```")
    return out


def preface(index_text: str) -> str:
    """Return the landing page's introduction: up to its table of contents."""
    body = index_text.split("```{toctree}", 1)[0]
    body = re.sub(r"^## Chapters\s*$", "", body, flags=re.MULTILINE)
    # the root page's sections would become chapters of their own
    body = re.sub(r"^## (.*?)\s*$", r"**\1.**", body, flags=re.MULTILINE)
    return re.sub(r"^# .*\n", "", body, count=1).strip()


def make_tree(target: Path) -> None:
    """Copy docs/ to ``target`` and write its LaTeX root ``pdf.md``."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(DOCS, target)
    index = (DOCS / "index.md").read_text()
    out = ["# Deep learning, derivations checked", "", preface(index), "", *toctrees(index), ""]
    (target / "pdf.md").write_text("\n\n".join(out))
    # their toctrees' pages are appendices of their own (LaTeX writes no toctree node)
    for name in APPENDICES:
        page = target / f"{name}.md"
        page.write_text(_TOCTREE.sub("", page.read_text()))
    # the web's landing page, API reference and build status are not part of the book
    (target / "index.md").unlink()
    (target / "status.md").unlink()
    shutil.rmtree(target / "api")


if __name__ == "__main__":
    make_tree(Path(sys.argv[1]))
