"""Mutation check of the book: a wrong step must break the build.

Each mutant edits one line of a chapter so that a claim becomes false (a dropped
assumption, an off-by-one power, a wrong constant), builds that chapter alone, and
expects the strict build to fail. A mutant whose build succeeds means a check on the page
cannot fail, and this script exits non-zero.

Run through ``nox -s mutants``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from page_tree import DOCS, make_tree

ROOT = DOCS.parent


@dataclass(frozen=True)
class Mutant:
    """A one-line edit of a chapter that makes one of its claims false."""

    page: str
    old: str
    new: str
    why: str


MUTANTS = [
    Mutant(
        "graphs/walks.md",
        '.eq(sympy.MatPow(A5, 4), "$A$ is symmetric", symmetric=[A5])',
        '.eq(sympy.MatPow(A5, 4), "$A$ is symmetric")',
        "drop the symmetry assumption of the last step",
    ),
    Mutant(
        "graphs/walks.md",
        '.eq(MatrixElement(sympy.MatPow(A4, h + 1), i, j), "$A^h A = A^{h+1}$")',
        '.eq(MatrixElement(sympy.MatPow(A4, h + 2), i, j), "$A^h A = A^{h+1}$")',
        "off-by-one power in the induction step",
    ),
    Mutant(
        "graphs/walks.md",
        "graphs.count_walks(K10, k)[0, 0] == (9**k + 9 * (-1) ** k) // 10",
        "graphs.count_walks(K10, k)[0, 0] == (9**k + 9) // 10",
        "wrong closed-walk formula for K10",
    ),
    Mutant(
        "optimization/sgd-interpolation.md",
        "return 4 * s[-1] ** 2 / N4, 4 * s[0] ** 2 * beta2 / N4",
        "return 8 * s[-1] ** 2 / N4, 4 * s[0] ** 2 * beta2 / N4",
        "wrong constant c1 = 8 sigma_min^2 / n: the drift bound is false",
    ),
    Mutant(
        "optimization/sgd-interpolation.md",
        "closed_A = -4 * eta / n * ((H @ w) @ (H @ w))",
        "closed_A = -2 * eta / n * ((H @ w) @ (H @ w))",
        "wrong factor in the closed form of E[A | w]",
    ),
    Mutant(
        "optimization/gd-rates.md",
        "(nu_exact(*c) == 1 - c[0] / c[2]) == (c[2] >= (c[0] + c[1]) / 2)",
        "(nu_exact(*c) == 1 - c[0] / c[2]) == (c[2] > c[0])",
        "the original's step condition K > lambda_min",
    ),
    Mutant(
        "optimization/gd-rates.md",
        "predicted_gd = (kappa - 1) / (kappa + 1)",
        "predicted_gd = 1 - 1 / kappa",
        "wrong rate for the optimal fixed step",
    ),
    Mutant(
        "learnability/parity.md",
        "    return 3 * (d // 2 + 1)",
        "    return 3 * (d // 2)",
        "the original's unit count, one tent short",
    ),
    Mutant(
        "learnability/parity.md",
        "parity.variance_bound(p) / 2**d",
        "parity.variance_bound(p) / 4**d",
        "a gradient variance bound that falls like 4^-d",
    ),
    Mutant(
        "learnability/parity.md",
        '"steps": 50_000,',
        '"steps": 40_000,',
        "the page claims a training run that is not the stored one",
    ),
]


def build_fails(mutant: Mutant, work: Path) -> bool:
    """Build the mutated page alone; return whether a failed check broke the build."""
    source = DOCS / mutant.page
    tree = work / "src"
    make_tree([str(source)], tree)
    page = tree / mutant.page
    text = page.read_text()
    if text.count(mutant.old) != 1:
        raise SystemExit(f"mutant out of date, line not found once in {mutant.page}: {mutant.old}")
    page.write_text(text.replace(mutant.old, mutant.new))
    env = {**os.environ, "DLHW_JUPYTER_CACHE": str(work / "cache")}
    result = subprocess.run(
        [
            "sphinx-build",
            "-b",
            "html",
            "-n",
            "-W",
            "-q",
            "-c",
            str(ROOT),
            str(tree),
            str(work / "html"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode != 0 and "ProofError" in result.stdout + result.stderr


def main() -> int:
    """Run every mutant; fail if any survives."""
    survivors = []
    for mutant in MUTANTS:
        with tempfile.TemporaryDirectory() as tmp:
            failed = build_fails(mutant, Path(tmp))
        print(f"{'killed ' if failed else 'SURVIVED'}  {mutant.page}: {mutant.why}")
        if not failed:
            survivors.append(mutant)
    print(f"{len(MUTANTS) - len(survivors)} of {len(MUTANTS)} mutants broke the build")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
