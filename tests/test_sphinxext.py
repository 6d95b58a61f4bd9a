"""The book's Sphinx extension, on a small book built in a temporary folder.

Each test builds a one-chapter book strictly (``-n -W``) in a fresh process and looks at
what happened: a statement rendered from its claim builds; a statement edited to a false
formula, a relation typed by hand in a statement, a statement without a check all break
the build; editing a package the chapter imports re-executes it (no stale cache); a
rebuild with nothing changed reads nothing and keeps the search index; two clean builds
differ only in measured times.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb")  # the docs dependencies (installed by nox -s tests)

ROOT = Path(__file__).resolve().parent.parent

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
extensions = ["myst_nb", "sphinx_proof", "sphinx.ext.graphviz", "dlhw.sphinxext"]
graphviz_output_format = "svg"
exclude_patterns = ["_build"]
nb_execution_mode = "cache"
import os
here = os.path.dirname(os.path.abspath(__file__))
nb_execution_cache_path = os.path.join(here, "..", "jupyter_cache")
nb_execution_raise_on_error = True
nb_kernel_rgx_aliases = {{".*": "python3"}}
myst_enable_extensions = ["dollarmath", "colon_fence"]
html_theme = "alabaster"
nb_execution_show_tb = True
classes = "tex2jax_process|mathjax_process|math|output_area"
mathjax3_config = {{"options": {{"processHtmlClass": classes}}}}
"""

PAGE = """---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
dlhw:
  problems:
    S0-Q3: a test course, problem 3
  summary: a square expands
---

# Squares

```{{prf:theorem}} A square
:label: t-square

For every real $x$: {{claim}}`t-square`.
```

```{{code-cell}} ipython3
import sympy
import probe
from dlhw import book
from dlhw.proof import Claim
book.start()
x = sympy.Symbol("x", real=True)
assert probe.VALUE == 1, "the probe module changed"
Claim("t-square", {lhs}, "=", x**2 + 2 * x + 1).identity()
Claim("t-other", x, "=", x, label=None).identity();
```

## What was checked

```{{dlhw-checks}}
```

```{{code-cell}} ipython3
book.finish()
```
"""

INDEX = """# Test book

```{toctree}
part/squares
```
"""


def make_book(folder: Path, lhs: str = "(x + 1)**2", statement_extra: str = "") -> Path:
    src = folder / "src"
    (src / "part").mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(CONF)
    (src / "index.md").write_text(INDEX)
    page = PAGE.format(lhs=lhs).replace(
        "{claim}`t-square`.", "{claim}`t-square`." + statement_extra
    )
    (src / "part" / "squares.md").write_text(page)
    probe = folder / "probe"
    probe.mkdir(exist_ok=True)
    if not (probe / "probe.py").exists():
        (probe / "probe.py").write_text("VALUE = 1\n")
    return src


def build(folder: Path, out: str = "html") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder / "probe"), str(ROOT)]),
        "DLHW_EXTRA_SOURCES": str(folder / "probe"),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-n",
            "-W",
            "--keep-going",
            str(folder / "src"),
            str(folder / out),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def test_statement_rendered_from_its_claim_builds(tmp_path: Path) -> None:
    make_book(tmp_path)
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "html" / "part" / "squares.html").read_text()
    assert "x^{2} + 2 x + 1" in html  # the claim's LaTeX, inside the theorem
    assert "exact identity" in html  # the generated table of checks


def test_a_false_statement_breaks_the_build(tmp_path: Path) -> None:
    make_book(tmp_path, lhs="(x + 1)**2 + 1")
    result = build(tmp_path)
    assert result.returncode != 0
    assert "ProofError" in result.stdout + result.stderr


def test_a_relation_typed_by_hand_in_a_statement_breaks_the_build(tmp_path: Path) -> None:
    make_book(tmp_path, statement_extra=" Hence $(x+1)^2 \\ge 0$.")
    result = build(tmp_path)
    assert result.returncode != 0
    assert "states a relation typed by hand" in result.stderr


def test_by_hand_marks_the_exception(tmp_path: Path) -> None:
    make_book(
        tmp_path, statement_extra=" Hence $(x+1)^2 \\ge 0$ {by-hand}`a consequence in words`."
    )
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_statement_without_a_check_breaks_the_build(tmp_path: Path) -> None:
    src = make_book(tmp_path)
    page = src / "part" / "squares.md"
    page.write_text(page.read_text().replace("x**2 + 2 * x + 1).identity()", "x**2 + 2 * x + 1)"))
    result = build(tmp_path)
    assert result.returncode != 0
    assert "has no proof-grade check naming it" in result.stderr


def _executed(result: subprocess.CompletedProcess[str]) -> bool:
    return "Executing:" in result.stdout + result.stderr or "executing outdated" in (
        result.stdout + result.stderr
    )


def test_editing_an_imported_package_reexecutes_the_page(tmp_path: Path) -> None:
    make_book(tmp_path)
    assert build(tmp_path).returncode == 0
    unchanged = build(tmp_path)
    assert unchanged.returncode == 0
    assert "no targets are out of date" in unchanged.stdout  # nothing read, nothing run
    (tmp_path / "probe" / "probe.py").write_text("VALUE = 2\n")  # the package changes
    stale = build(tmp_path)
    assert stale.returncode != 0, "the edited package did not re-execute the page"
    assert "the probe module changed" in stale.stdout + stale.stderr


def test_no_change_rebuild_keeps_the_search_index(tmp_path: Path) -> None:
    make_book(tmp_path)
    assert build(tmp_path).returncode == 0
    index = (tmp_path / "html" / "searchindex.js").read_text()
    again = build(tmp_path)
    assert "no targets are out of date" in again.stdout
    assert (tmp_path / "html" / "searchindex.js").read_text() == index


_TIMES = [
    re.compile(r'"seconds": [0-9.e+-]+'),
    re.compile(r'<td class="dlhw-number dlhw-seconds"><p>(&lt;)?[0-9]+\.[0-9]+</p>'),
    re.compile(r"\\\"seconds\\\": [0-9.e+-]+"),
]


def _normalised(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix in {".html", ".ipynb", ".js", ".json", ".txt"}:
        text = data.decode()
        for pattern in _TIMES:
            text = pattern.sub("<time>", text)
        data = text.encode()
    return data


def test_two_clean_builds_differ_only_in_measured_times(tmp_path: Path) -> None:
    outputs = []
    for run in ("one", "two"):
        folder = tmp_path / run
        make_book(folder)
        assert build(folder).returncode == 0
        outputs.append(folder / "html")
    differ = []
    for path in sorted(outputs[0].rglob("*")):
        if path.is_dir() or ".doctrees" in path.parts or path.name == ".buildinfo":
            continue
        twin = outputs[1] / path.relative_to(outputs[0])
        if hashlib.sha256(_normalised(path)).digest() != hashlib.sha256(_normalised(twin)).digest():
            differ.append(str(path.relative_to(outputs[0])))
    assert differ == [], f"files that differ beyond measured times: {differ}"
    shutil.rmtree(tmp_path)


def test_problem_ids_and_summary_come_from_front_matter(tmp_path: Path) -> None:
    src = make_book(tmp_path)
    (src / "index.md").write_text(INDEX + "\n```{dlhw-chapter-map}\n```\n")
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "html" / "index.html").read_text()
    assert "S0-Q3" in html
    assert "a square expands" in html


def test_the_claim_map_links_and_colours_each_statement(tmp_path: Path) -> None:
    from dlhw.sphinxext.claim_map import STATUS

    src = make_book(tmp_path)
    (src / "index.md").write_text(INDEX + "\n```{dlhw-claim-map}\n```\n")
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "html" / "index.html").read_text()
    assert 'class="graphviz dlhw-claim-map"' in html
    # two drawings: the whole map on the index, the chapter's own under its checks
    drawings = [p.read_text() for p in (tmp_path / "html" / "_images").glob("graphviz-*.svg")]
    assert len(drawings) == 2
    drawing = next(d for d in drawings if "part/squares.html#t-square" in d)
    assert "squares.html#t-square" in drawings[0]  # each node links to its statement
    assert "squares.html#t-square" in drawings[1]
    assert STATUS["full"][0] in drawing  # an identity with nothing below it: fully checked
    assert "A square" in drawing  # the title
    assert "exact identity" in drawing  # the check summary


def test_hover_previews_hold_each_statement_and_its_checks(tmp_path: Path) -> None:
    import json

    make_book(tmp_path)
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    script = (tmp_path / "html" / "_static" / "dlhw-previews.js").read_text()
    assert script.startswith("window.DLHW_PREVIEWS = ")
    data = json.loads(script.removeprefix("window.DLHW_PREVIEWS = ").rstrip().rstrip(";"))
    entry = data["t-square"]
    assert entry["title"] == "A square"
    assert entry["checks"] == "exact identity (1 case)"
    assert "x^{2} + 2 x + 1" in entry["html"]  # the claim's formula, as rendered
    page = (tmp_path / "html" / "part" / "squares.html").read_text()
    assert "dlhw-previews.js" in page


def test_unknown_claims_are_reported(tmp_path: Path) -> None:
    src = make_book(tmp_path)
    page = src / "part" / "squares.md"
    page.write_text(page.read_text().replace("{claim}`t-square`.", "{claim}`t-nothing`."))
    result = build(tmp_path)
    assert result.returncode != 0
    assert "no claim 't-nothing'" in result.stderr


def test_find_cycle() -> None:
    from dlhw.sphinxext.collect import find_cycle

    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": [], "b": ["a"]}) == []


def _add_ledger(src: Path, part: str) -> None:
    """Give the small book a ledger: the tally page and the page of one part."""
    (src / "ledger.md").write_text(
        "# Ledger\n\n```{dlhw-ledger}\n```\n\n```{toctree}\nledger-part\n```\n"
    )
    (src / "ledger-part.md").write_text(
        f"# Ledger: part\n\n```{{dlhw-ledger}}\n:part: {part}\n```\n"
    )
    (src / "index.md").write_text(INDEX.replace("part/squares\n", "part/squares\nledger\n"))


def test_the_ledger_has_a_tally_and_a_page_per_part(tmp_path: Path) -> None:
    """The tally counts the chapter and links it to its part's page, which lists its checks."""
    src = make_book(tmp_path)
    _add_ledger(src, "part")
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    tally = (tmp_path / "html" / "ledger.html").read_text()
    assert re.search(r'<a class="reference internal" href="ledger-part.html">Squares</a>', tally)
    assert "1 numbered statements in 1 chapters" in tally
    assert "t-square" not in tally  # the checks are on the part's page
    part = (tmp_path / "html" / "ledger-part.html").read_text()
    assert "t-square" in part
    assert "2 checks, 0 experiments" in part  # both checks of the chapter


def test_a_chapter_whose_part_has_no_ledger_page_breaks_the_build(tmp_path: Path) -> None:
    """A ledger page for another folder leaves the chapter without one: the build says so."""
    src = make_book(tmp_path)
    _add_ledger(src, "elsewhere")
    result = build(tmp_path)
    assert result.returncode != 0
    assert "no ledger page has ':part: part'" in result.stdout + result.stderr
