"""The book's Sphinx extension: finds check records and fails on missing ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))

import dlhw_book

from dlhw.proof import clear_records, exhaustive, what_was_checked


def notebook_with_table(tmp_path: Path) -> Path:
    clear_records()
    exhaustive(lambda n: n >= 0, range(3), claim="naturals", label="x-thm")
    data, metadata = what_was_checked()._repr_mimebundle_()
    cell = {
        "cell_type": "code",
        "outputs": [{"output_type": "display_data", "data": data, "metadata": metadata}],
    }
    path = tmp_path / "page.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    return path


def test_records_are_read_from_executed_notebook(tmp_path: Path) -> None:
    records = dlhw_book._records_of(notebook_with_table(tmp_path))
    assert [r["claim"] for r in records] == ["naturals"]
    assert records[0]["label"] == "x-thm"


def test_outputs_are_restored_from_the_execution_cache(tmp_path: Path) -> None:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    executed = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print(1)")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    executed.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cache_dir = tmp_path / "cache"
    get_cache(str(cache_dir)).cache_notebook_bundle(
        CacheBundleIn(executed, tmp_path / "page.md"), check_validity=False
    )
    stripped = nbformat.from_dict(json.loads(nbformat.writes(executed)))
    stripped.cells[0].outputs = []
    path = tmp_path / "page.ipynb"
    nbformat.write(stripped, path)
    app = SimpleNamespace(config=SimpleNamespace(nb_execution_cache_path=str(cache_dir)))
    dlhw_book._restore_outputs(app, path)  # type: ignore[arg-type]
    assert nbformat.read(path, as_version=4).cells[0].outputs[0]["text"] == "1\n"


def test_outputs_not_in_the_cache_are_left_alone(tmp_path: Path) -> None:
    import nbformat

    path = tmp_path / "page.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    app = SimpleNamespace(config=SimpleNamespace(nb_execution_cache_path=str(tmp_path / "c")))
    dlhw_book._restore_outputs(app, path)  # type: ignore[arg-type]
    assert nbformat.read(path, as_version=4).cells[0].outputs == []


def test_theorem_labels_are_found() -> None:
    source = (
        "```{prf:theorem} A title\n:label: t-one\n\nbody\n```\n"
        "```{prf:lemma} Other\n:nonumber:\n:label: t-two\n```\n"
        "```{prf:definition} Not a claim\n:label: t-def\n```\n"
    )
    found = dlhw_book._DIRECTIVE.findall(source)
    assert found == [("theorem", "A title", "t-one"), ("lemma", "Other", "t-two")]


def fake_env(pages: dict[str, dict[str, object]]) -> SimpleNamespace:
    return SimpleNamespace(found_docs={"index", *pages}, dlhw_pages=pages)


def page(records: list[dict[str, object]], labels: list[str]) -> dict[str, object]:
    claims = [{"kind": "theorem", "title": "t", "label": label} for label in labels]
    return {"title": "T", "claims": claims, "records": records, "problems": {}}


def test_consistency_passes_for_checked_chapter(caplog: pytest.LogCaptureFixture) -> None:
    env = fake_env({"graphs/walks": page([{"claim": "c", "label": "a"}], ["a"])})
    dlhw_book.check_consistency(None, env)  # type: ignore[arg-type]
    assert "dlhw:" not in caplog.text


def test_consistency_fails_for_chapter_without_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = fake_env({"graphs/walks": page([], ["a"])})
    dlhw_book.check_consistency(None, env)  # type: ignore[arg-type]
    assert "no check records found for chapter graphs/walks" in caplog.text


def test_consistency_fails_for_unknown_label(caplog: pytest.LogCaptureFixture) -> None:
    env = fake_env({"graphs/walks": page([{"claim": "c", "label": "missing"}], ["a"])})
    dlhw_book.check_consistency(None, env)  # type: ignore[arg-type]
    assert "names label 'missing'" in caplog.text


def test_chapters_are_pages_in_theme_folders() -> None:
    assert dlhw_book.is_chapter("graphs/walks")
    assert not dlhw_book.is_chapter("api/graphs")
    assert not dlhw_book.is_chapter("ledger")


def test_bibliography_entries_become_list_items() -> None:
    context = {"body": '<div role="list"><div class="citation" role="doc-biblioentry">'}
    dlhw_book.bibliography_roles(None, "bibliography", "page.html", context, None)  # type: ignore[arg-type]
    assert context["body"] == '<div role="list"><div class="citation" role="listitem">'
