"""The ".ipynb" download of each chapter: executed, reproducible, runnable elsewhere.

The download is the executed notebook (outputs merged back from the execution cache when
the page came from it), with

* cell IDs numbered in order (``cell-0``, ``cell-1``, ...) instead of random ones, so
  two builds write the same file;
* a first cell that installs ``dlhw`` when the notebook runs outside the book's
  environment, so that a reader can run it in a fresh one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from sphinx.application import Sphinx

from dlhw.sphinxext.store import pages

SETUP_CELL = '''# Run this notebook outside the book: it needs the dlhw package (and torch 2.13).
try:
    import dlhw  # noqa: F401
except ImportError:
    %pip install --quiet "dlhw @ {source}"'''


def executed_notebook(app: Sphinx, docname: str) -> Path:
    """Return where myst-nb wrote the executed notebook of ``docname``."""
    return Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"


def _with_outputs(app: Sphinx, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    if any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"):
        return notebook
    cache = get_cache(app.config.nb_execution_cache_path)
    try:
        _, merged = cache.merge_match_into_notebook(notebook)
    except KeyError:  # not in the cache: the page was not executed
        return notebook
    return merged  # type: ignore[no-any-return]


def downloadable(app: Sphinx, docname: str) -> nbformat.NotebookNode:
    """Return the notebook a reader downloads for ``docname``."""
    path = executed_notebook(app, docname)
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    notebook = _with_outputs(app, notebook)
    source = SETUP_CELL.format(source=app.config.dlhw_install_source)
    setup = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]
    notebook.cells.insert(0, setup)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"
        cell.get("metadata", {}).pop("execution", None)
    notebook.metadata.get("kernelspec", {}).pop("dlhw_sources", None)
    return notebook


def notebook_download(
    app: Sphinx, pagename: str, _template: str, context: dict[str, Any], _doctree: Any
) -> None:
    """``html-page-context``: offer a chapter's executed notebook as a download."""
    page = pages(app.env).get(pagename)
    source = executed_notebook(app, pagename)
    if page is None or page.chapter is None or not source.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(downloadable(app, pagename), target)  # type: ignore[no-untyped-call]
    context["ipynb_source"] = f"{pagename}.ipynb"
