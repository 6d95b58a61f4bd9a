"""Make a copy of docs/ that holds only the named chapter pages (for ``nox -s page``).

Every chapter lives in a sub-folder of docs/ (``graphs/``, ``optimization/``, ...);
the copy keeps the shared pages (index, method, API, bibliography) and drops the other
chapters, so one chapter can be built and executed strictly in seconds. Pages that link
to dropped chapters with ``{doc}`` get their links replaced by plain text.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SHARED_DIRS = {"api", "_static"}


def chapter_pages() -> list[Path]:
    """All chapter pages: markdown files in the chapter sub-folders of docs/."""
    return [p for p in DOCS.glob("*/*.md") if p.parent.name not in SHARED_DIRS]


def make_tree(keep: list[str], target: Path) -> None:
    """Copy docs/ to ``target`` keeping only the chapter pages in ``keep``."""
    wanted = {
        (DOCS / k).resolve() if not Path(k).is_absolute() else Path(k).resolve() for k in keep
    }
    wanted |= {(DOCS.parent / k).resolve() for k in keep}
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(DOCS, target)
    dropped = []
    for page in chapter_pages():
        if page.resolve() not in wanted:
            rel = page.relative_to(DOCS)
            (target / rel).unlink()
            dropped.append(rel.with_suffix("").as_posix())
    for md in target.rglob("*.md"):
        text = md.read_text()
        for doc in dropped:
            text = re.sub(r"\{doc\}`([^`<]*?)\s*<[^`>]*" + re.escape(doc) + r">`", r"\1", text)
            text = re.sub(r"\{doc\}`[./]*" + re.escape(doc) + r"`", doc, text)
        md.write_text(text)
    drop_empty_globs(target)


def drop_empty_globs(target: Path) -> None:
    """Remove toctrees of the index whose ``folder/*`` glob matches no page any more."""
    index = target / "index.md"
    text = index.read_text()
    for block in re.findall(r"```\{toctree\}.*?```\n", text, flags=re.DOTALL):
        folders = re.findall(r"^([\w-]+)/\*$", block, flags=re.MULTILINE)
        if folders and not any(any((target / f).glob("*.md")) for f in folders):
            text = text.replace(block, "")
    index.write_text(text)


if __name__ == "__main__":
    make_tree(sys.argv[2:], Path(sys.argv[1]))
