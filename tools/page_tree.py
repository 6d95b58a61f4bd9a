"""Make a copy of docs/ that holds only the named chapter pages (for ``nox -s page``).

Every chapter lives in a sub-folder of docs/ (``graphs/``, ``optimization/``, ...);
the copy keeps the shared pages (index, method, API, bibliography) and drops the other
chapters, so one chapter can be built and executed strictly in seconds. The entries of
dropped chapters leave the table of contents (a toctree left empty goes too), a kept
page that the table of contents does not list yet is added to it (a chapter being
written), and ``{doc}`` links to dropped chapters become plain text.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import sys
from functools import partial
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
SHARED_DIRS = {"api", "_static", "_data"}
_TOCTREE = re.compile(r"```\{toctree\}\n(.*?)```\n", flags=re.DOTALL)


def chapter_pages() -> list[Path]:
    """Return all chapter pages: markdown files in the chapter sub-folders of docs/."""
    return [p for p in DOCS.glob("*/*.md") if p.parent.name not in SHARED_DIRS]


def _docname(page: Path, root: Path) -> str:
    return page.relative_to(root).with_suffix("").as_posix()


#: A {doc} role: ``{doc}`title <target>``` or ``{doc}`target```.
_DOC_ROLE = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<([^`>]+)>|([^`<]+))`")


def _unlink_dropped(match: re.Match[str], folder: str, dropped: set[str]) -> str:
    """Turn a {doc} link to a dropped chapter into plain text; keep any other link.

    The target is resolved as Sphinx does: from the root if it starts with ``/``, else
    from the folder of the page that holds the link (``parity`` in ``learnability/``).
    """
    title, titled_target, bare_target = match.groups()
    target = titled_target or bare_target
    if target.startswith("/"):
        docname = target.lstrip("/")
    else:
        docname = posixpath.normpath(posixpath.join(folder, target))
    if docname not in dropped:
        return match.group(0)
    return title if titled_target else docname


def make_tree(keep: list[str], target: Path) -> None:
    """Copy docs/ to ``target`` keeping only the chapter pages in ``keep``."""
    wanted = {Path(k).resolve() for k in keep} | {(DOCS / k).resolve() for k in keep}
    wanted |= {(DOCS.parent / k).resolve() for k in keep}
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(DOCS, target)
    dropped, kept = [], []
    for page in chapter_pages():
        name = _docname(page, DOCS)
        if page.resolve() in wanted:
            kept.append(name)
        else:
            (target / page.relative_to(DOCS)).unlink()
            dropped.append(name)
    gone = set(dropped)
    for md in target.rglob("*.md"):
        unlink = partial(
            _unlink_dropped, folder=md.parent.relative_to(target).as_posix(), dropped=gone
        )
        md.write_text(_DOC_ROLE.sub(unlink, md.read_text()))
    fix_toctree(target / "index.md", dropped, kept)


def fix_toctree(index: Path, dropped: list[str], kept: list[str]) -> None:
    """Drop the entries of ``dropped`` from the index's toctrees; list every kept page."""
    text = index.read_text()
    listed: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        lines = [ln for ln in match.group(1).splitlines() if ln.strip() not in dropped]
        entries = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(":")]
        listed.update(entries)
        if not entries:
            return ""
        return "```{toctree}\n" + "\n".join(lines) + "\n```\n"

    text = _TOCTREE.sub(rewrite, text)
    missing = [doc for doc in kept if doc not in listed]
    if missing:
        text += "\n```{toctree}\n:caption: Being written\n\n" + "\n".join(missing) + "\n```\n"
    index.write_text(text)


if __name__ == "__main__":
    make_tree(sys.argv[2:], Path(sys.argv[1]))
