"""No stale cache: a page re-executes when the code or the data it runs on changes.

myst-nb's execution cache (jupyter-cache) keys a notebook on its code cells and its
kernelspec. A chapter's results also depend on the ``dlhw`` package it imports and on
the data files it reads, so before a chapter is parsed this hook

* writes a hash of every ``dlhw`` source file, of the data files the chapter declares
  (``dlhw: data:`` in its front matter) and of the book-wide seed into the chapter's
  kernelspec (``dlhw_sources``), which jupyter-cache hashes: a change misses the cache;
* records those files as dependencies of the page, so that Sphinx re-reads the page
  when one of them changes (``nox -s docs``, ``page`` and ``serve`` alike).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import yaml
from sphinx.application import Sphinx

import dlhw
from dlhw.proof.records import SEED_VARIABLE

PACKAGE = Path(dlhw.__file__).resolve().parent
#: Environment variable naming more source folders whose change re-executes chapters
#: (``os.pathsep``-separated; the tests use it for a package of their own).
SOURCES_VARIABLE = "DLHW_EXTRA_SOURCES"


def package_files() -> list[Path]:
    """Return every source file of the dlhw package (and any extra folders), in order."""
    folders = [PACKAGE] + [
        Path(p) for p in os.environ.get(SOURCES_VARIABLE, "").split(os.pathsep) if p
    ]
    return sorted(
        p for folder in folders for p in folder.rglob("*.py") if "__pycache__" not in p.parts
    )


@lru_cache(maxsize=64)
def _digest(path: Path, _mtime_ns: int, _size: int) -> str:
    """Hash a file; the modification time and size make a changed file a new cache key."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sources_hash(data_files: list[Path]) -> str:
    """Return the hash of the package, the data files and the book-wide seed."""
    total = hashlib.sha256()
    total.update(os.environ.get(SEED_VARIABLE, "0").encode())
    for path in [*package_files(), *data_files]:
        stat = path.stat()
        total.update(str(path.relative_to(path.anchor)).encode())
        total.update(_digest(path, stat.st_mtime_ns, stat.st_size).encode())
    return total.hexdigest()[:16]


def split_front_matter(text: str) -> tuple[dict[str, object], str] | None:
    """Return the front matter of a MyST notebook and the rest, or ``None``."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    if end < 0:
        return None
    front = yaml.safe_load(text[4:end])
    if not isinstance(front, dict):
        return None
    return front, text[end + 5 :]


def stamp_sources(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: stamp a chapter with the hash of what it runs on."""
    parsed = split_front_matter(source[0])
    if parsed is None:
        return
    front, body = parsed
    if front.get("file_format") != "mystnb" or not isinstance(front.get("kernelspec"), dict):
        return
    page_dir = Path(app.env.doc2path(docname)).parent
    declared = front.get("dlhw", {})
    names = declared.get("data", []) if isinstance(declared, dict) else []
    data_files = [(page_dir / str(name)).resolve() for name in names]
    missing = [str(p) for p in data_files if not p.exists()]
    if missing:
        raise FileNotFoundError(f"{docname} declares data files that do not exist: {missing}")
    for path in [*package_files(), *data_files]:
        app.env.note_dependency(str(path))
    spec = front["kernelspec"]
    kernelspec: dict[str, object] = dict(spec) if isinstance(spec, dict) else {}
    kernelspec["dlhw_sources"] = sources_hash(data_files)
    front["kernelspec"] = kernelspec
    source[0] = (
        "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n" + body
    )
