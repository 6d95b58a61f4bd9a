"""Mutation check of the book: false variants of its claims must be refuted.

Two kinds of mutant:

* **claim mutants**, generated from the claim objects of every chapter (each constant
  and exponent moved, a quantity swapped for its partner, the relation reversed, each
  hypothesis and assumption dropped or widened; see :mod:`dlhw.proof.mutate`). Each
  chapter's code runs once, in-process, with ``DLHW_MUTANTS=1``; then every claim's
  recorded checks are rerun on each of its mutants, which must raise ``ProofError``. No
  Sphinx build per mutant, so the whole set stays fast as the book grows.
* **build mutants**, a few hand-written edits of ``dlhw/`` formulas: the page that uses
  the formula is built alone with the edit, and the strict build must fail. These show
  that a wrong formula in the package is caught by the book itself, not only by the
  unit tests.

The report goes to ``_build/mutants/report.json``, where the ledger reads it. Exit status
1 if any mutant survives without being declared a true statement.

Run through ``nox -s mutants`` (``-- --claims-only`` or ``-- --build-only`` for one kind,
``-- docs/graphs/walks.md`` for one chapter).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from page_tree import DOCS, chapter_pages, make_tree

ROOT = DOCS.parent
REPORT = ROOT / "_build" / "mutants" / "report.json"


@dataclass(frozen=True)
class BuildMutant:
    """A one-line edit of a ``dlhw`` module that makes a formula in it wrong."""

    file: str
    old: str
    new: str
    page: str
    why: str


BUILD_MUTANTS = [
    BuildMutant(
        "dlhw/graphs.py",
        "counts[pair] += is_walk[ends == pair].sum(axis=0)",
        "counts[pair] += 2 * is_walk[ends == pair].sum(axis=0)",
        "graphs/walks.md",
        "the brute-force walk count counts every walk twice",
    ),
    BuildMutant(
        "dlhw/parity.py",
        "f = np.maximum(z, 0.0) @ p.alpha + p.beta",
        "f = np.maximum(z, 0.0) @ p.alpha - p.beta",
        "learnability/parity.md",
        "the network adds its output bias with the wrong sign",
    ),
    BuildMutant(
        "dlhw/parity.py",
        "risk += float(np.maximum(0.0, 1.0 - y * f).sum())",
        "risk += float(np.maximum(0.0, 1.0 - y * f).sum()) / 2",
        "learnability/parity-gradients.md",
        "the exact hinge risk is halved",
    ),
    BuildMutant(
        "dlhw/gnn.py",
        "result: FloatArray = w1 * s + w2 * m.mean(axis=-2)",
        "result: FloatArray = w1 * s + w2 * m[..., 0, :]",
        "graphs/gnn-layers.md",
        "rule (i) reads only the first neighbour's message",
    ),
    BuildMutant(
        "dlhw/implicit_bias.py",
        "W, _ = gd.gd(A, b, step / A.shape[0], count, w0=start)",
        "W, _ = gd.gd(A, b, step / A.shape[0] / 2, count, w0=start)",
        "optimization/implicit-bias.md",
        "gradient descent takes half the step it is given",
    ),
    BuildMutant(
        "dlhw/deep_linear.py",
        "grads[i] = left.T @ middle @ prefix[i].T",
        "grads[i] = 0.5 * left.T @ middle @ prefix[i].T",
        "optimization/deep-linear.md",
        "the layer gradients are halved",
    ),
    BuildMutant(
        "dlhw/gnn.py",
        "self.grad_b = G.sum(axis=0)",
        "self.grad_b = G.mean(axis=0)",
        "graphs/karate-gcn.md",
        "the graph layer's bias gradient averages over the nodes instead of summing",
    ),
    BuildMutant(
        "dlhw/debugging.py",
        "w, previous = w - eta * _gradient(A[rows], b[rows], w) + mu * (w - previous), w",
        "w, previous = w - eta * _gradient(A[rows], b[rows], w) + mu * (previous - w), w",
        "practice/debugging.md",
        "heavy-ball momentum pushes against the last step",
    ),
    BuildMutant(
        "dlhw/color_organ.py",
        "d_low = -wc * x / (1 + x**2) ** 1.5",
        "d_low = -wc * x / (1 + x**2) ** 0.5",
        "practice/colour-organ.md",
        "the hand-derived low-pass derivative has the wrong power",
    ),
    BuildMutant(
        "dlhw/resnet.py",
        "count = conv(3, a, b) + 2 * b + conv(3, b, b) + 2 * b",
        "count = conv(3, a, b) + 2 * b + conv(3, b, b) + b",
        "practice/image-classification.md",
        "the parameter formula forgets the shift of a block's second batch norm",
    ),
]


def code_cells(page: Path) -> list[str]:
    """Return the source of every code cell of a MyST notebook."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(page.read_text())
    return [c.source for c in notebook.cells if c.cell_type == "code"]


def run_claim_mutants(page: str) -> dict[str, object]:
    """Execute a chapter in-process, then refute every mutant of its claims."""
    os.environ["DLHW_MUTANTS"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    from dlhw.proof import claims, run_mutants

    path = (DOCS / page).resolve()
    started = time.perf_counter()
    namespace: dict[str, object] = {"__name__": "__dlhw_page__"}
    previous = Path.cwd()
    os.chdir(path.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for source in code_cells(path):
                exec(compile(source, str(path), "exec"), namespace)
    finally:
        os.chdir(previous)
    executed = time.perf_counter() - started
    results = []
    for claim in claims().values():
        if claim.checks:
            results += [asdict(r) for r in run_mutants(claim)]
    unchecked = [key for key, claim in claims().items() if not claim.checks]
    return {
        "page": page,
        "results": results,
        "claims": len(claims()),
        "unchecked": unchecked,
        "seconds_page": executed,
        "seconds": time.perf_counter() - started,
    }


def build_fails(mutant: BuildMutant) -> tuple[bool, str]:
    """Build the mutant's page alone on an edited copy of ``dlhw``; return whether it failed.

    The checkout is never edited: the copy goes first on ``PYTHONPATH``, where the kernel
    that executes the page imports it, so several mutants can build at once. A mutant
    that the copy did not reach would survive, so a kill also shows the copy was used.
    """
    original = (ROOT / mutant.file).read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(
            f"build mutant out of date, line not found once in {mutant.file}: {mutant.old}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_tree([str(DOCS / mutant.page)], work / "src")
        shutil.copytree(
            ROOT / "dlhw", work / "pkg" / "dlhw", ignore=shutil.ignore_patterns("__pycache__")
        )
        (work / "pkg" / mutant.file).write_text(original.replace(mutant.old, mutant.new))
        (work / "pkg" / "docs").symlink_to(DOCS)  # cached runs are found beside the package
        path = os.pathsep.join(filter(None, [str(work / "pkg"), os.environ.get("PYTHONPATH")]))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-b",
                "html",
                "-n",
                "-W",
                "-q",
                "-c",
                str(ROOT),
                str(work / "src"),
                str(work / "html"),
            ],
            cwd=ROOT,
            env={**os.environ, "DLHW_JUPYTER_CACHE": str(work / "cache"), "PYTHONPATH": path},
            capture_output=True,
            text=True,
            check=False,
        )
    output = result.stdout + result.stderr
    return result.returncode != 0 and "ProofError" in output, output[-400:]


def main() -> int:
    """Run the mutants; write the report; fail if any survives."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="chapters to mutate (default: all)")
    parser.add_argument("--claims-only", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pages = [str(Path(p).resolve().relative_to(DOCS)) for p in args.pages] or sorted(
        str(p.relative_to(DOCS)) for p in chapter_pages() if "\ndlhw:" in p.read_text()
    )
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    failed = False
    if not args.build_only:
        # a fresh process per chapter: no claims, modules or state carried from one to the next
        fresh = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.jobs, mp_context=fresh, max_tasks_per_child=1) as pool:
            for outcome in pool.map(run_claim_mutants, pages):
                docname = str(outcome["page"]).removesuffix(".md")
                report[docname] = outcome
                counts: dict[str, int] = {}
                for r in outcome["results"]:  # type: ignore[attr-defined]
                    counts[r["status"]] = counts.get(r["status"], 0) + 1
                    if r["status"] == "survived":
                        failed = True
                        print(f"SURVIVED  {docname} {r['key']}: {r['description']}")
                print(
                    f"{docname}: {counts.get('killed', 0)} killed, {counts.get('true', 0)} true "
                    f"statements, {counts.get('survived', 0)} survived, "
                    f"{counts.get('invalid', 0)} invalid, of {len(outcome['results'])} mutants of "
                    f"{outcome['claims']} claims ({outcome['seconds']:.0f} s)"
                )
                if outcome["unchecked"]:
                    failed = True
                    print(f"UNCHECKED {docname}: claims without checks: {outcome['unchecked']}")
    if not args.claims_only:
        chosen = [m for m in BUILD_MUTANTS if not args.pages or m.page in pages]
        with ThreadPoolExecutor(args.jobs) as threads:  # each build is its own process
            outcomes = list(threads.map(build_fails, chosen))
        for mutant, (killed, tail) in zip(chosen, outcomes, strict=True):
            print(
                f"{'killed  ' if killed else 'SURVIVED'}  build mutant {mutant.file}: {mutant.why}"
            )
            if not killed:
                failed = True
                print(tail)
            report.setdefault("_build_mutants", {})[mutant.why] = "killed" if killed else "survived"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1, sort_keys=True))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
