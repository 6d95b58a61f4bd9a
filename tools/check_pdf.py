"""Check the built PDF (the last step of ``nox -s pdf``) and render pages to look at.

The PDF must

* hold every chapter of the web book, by title, in its contents (LaTeX's ``dlhw.toc``),
  in the order of ``docs/index.md``'s numbered toctrees;
* have no undefined reference or citation (LaTeX's log says so at the end of a run);
* have at least :data:`MIN_PAGES_PER_CHAPTER` pages per chapter (a chapter that lost its
  body to a rendering error shows up here);
* hold no Sphinx or LaTeX placeholder (``??``) where a number or a reference should be.

The first pages (title, contents) are rendered with ``pdftoppm`` (Debian's poppler-utils)
to ``<folder>/pages/`` for a reader to look at.

Usage::

    python tools/check_pdf.py _build/pdf/latex
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from pdf_tree import toctrees

DOCS = Path(__file__).resolve().parent.parent / "docs"
MIN_PAGES_PER_CHAPTER = 3
UNDEFINED = re.compile(
    r"LaTeX Warning: (?:Reference|Citation|Hyper reference) `[^']*' .*undefined"
    r"|There were undefined references|Citation .* undefined"
)


def chapter_titles() -> list[str]:
    """Return the titles of the chapters, in the order of the web book's contents."""
    titles = []
    for block in toctrees((DOCS / "index.md").read_text()):
        for line in block.splitlines()[1:-1]:
            entry = line.strip()
            if not entry or entry.startswith(":"):
                continue
            text = (DOCS / f"{entry}.md").read_text()
            heading = re.search(r"^# (.+)$", text, flags=re.MULTILINE)
            if heading is None:
                raise SystemExit(f"{entry}.md has no '# ' title")
            titles.append(heading.group(1).strip())
    return titles


def _plain(text: str) -> str:
    """Return a title as text for comparison: no Markdown or math markup, single spaces."""
    text = re.sub(r"\$[^$]*\$", "", text)
    text = re.sub(r"[`*_{}\\]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def page_count(pdf: Path) -> int:
    """Return the number of pages (``pdfinfo``)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, flags=re.MULTILINE)
    if match is None:
        raise SystemExit("pdfinfo did not report a page count")
    return int(match.group(1))


def page_texts(pdf: Path) -> list[str]:
    """Return the text of every page (``pdftotext``; pages end with form feeds)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout.split("\f")


def render(pdf: Path, pages: list[int], folder: Path) -> None:
    """Render the given pages (1-based) to PNG files in ``folder``."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for number in sorted(set(pages)):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), str(pdf),
             str(folder / f"page-{number:03d}")],
            check=True,
        )  # fmt: skip


def main(latex: Path) -> int:
    """Check ``latex/dlhw.pdf`` and its log; render pages; return the exit status."""
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed: apt-get install poppler-utils")
    pdf, log = latex / "dlhw.pdf", latex / "dlhw.log"
    problems = []
    undefined = sorted(set(UNDEFINED.findall(log.read_text(errors="replace"))))
    problems += [f"LaTeX: {line}" for line in undefined]
    titles = chapter_titles()
    pages = page_count(pdf)
    if pages < MIN_PAGES_PER_CHAPTER * len(titles):
        problems.append(f"{pages} pages for {len(titles)} chapters")
    texts = page_texts(pdf)
    # the chapters as LaTeX listed them in the contents (dlhw.toc): title and page
    toc = re.findall(
        r"\\contentsline \{chapter\}\{\\numberline \{\d+\}(.*?)\}\{(\d+)\}",
        (latex / "dlhw.toc").read_text(),
    )
    listed = [(_plain(title.replace("\\sphinxhyphen {}", "-")), int(page)) for title, page in toc]
    starts = []
    for title in titles:
        wanted = _plain(title)
        found = [page for name, page in listed if name == wanted]
        if not found:
            problems.append(f"chapter missing from the PDF's contents: {title}")
            continue
        starts.append(found[0])
    if starts != sorted(starts):
        problems.append(f"chapters out of order (first pages {starts})")
    placeholders = [i + 1 for i, t in enumerate(texts) if re.search(r"(?<![\w?])\?\?(?![\w?])", t)]
    if placeholders:
        problems.append(f"unresolved '??' on pages {placeholders[:10]}")
    render(pdf, [1, 2, 3, 4], latex / "pages")
    print(f"PDF: {pages} pages, {len(titles)} chapters, first pages {starts}")
    print(f"rendered pages to {latex / 'pages'}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
