"""Regenerate named cached runs of the book (``nox -s run -- <name> [<name> ...]``).

Without a name, lists the runs. Each run is declared in :mod:`dlhw.cached_runs` and
written with its settings by :func:`dlhw.runs.regenerate`.
"""

from __future__ import annotations

import sys
import time

from dlhw.cached_runs import RUNS, get
from dlhw.runs import regenerate


def main(names: list[str]) -> int:
    """Regenerate ``names`` (or list the runs); return the exit status."""
    if not names:
        for name, run in sorted(RUNS.items()):
            print(f"{name:12s} {run.path}  {run.description}")
        return 0
    for name in names:
        started = time.perf_counter()
        path = regenerate(get(name))
        print(f"{name}: wrote {path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
