"""The project's commands: ``nox -s docs``, ``tests``, ``lint``, ``pdf``, ``serve``, ``bench``.

Every session installs from ``pyproject.toml`` with pip into a virtualenv (the CPU
wheel of the pinned torch is only visible to pip). Installation is skipped when the
session's virtualenv already holds exactly what ``pyproject.toml`` asks for, so a
re-run with nothing changed starts at once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import nox

nox.options.default_venv_backend = "virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "_build"
HTML = BUILD / "html"
MATHJAX_VERSION = "3.2.2"
MATHJAX_DIR = BUILD / "static" / "mathjax"  # served as _static/mathjax
PYTHON = "3.11"
#: A strict HTML build; "-j auto" reads (and executes) pages in parallel, one per core.
STRICT = ["-b", "html", "-n", "-W", "--keep-going"]


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable) and dependency ``groups``, once per change."""
    wanted = sorted(groups)
    stamp_text = (ROOT / "pyproject.toml").read_text() + repr(wanted)
    digest = hashlib.sha256(stamp_text.encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".dlhw-installed"
    if stamp.exists() and stamp.read_text() == digest:
        session.log("dependencies unchanged since the last install: skipping pip")
        return
    # groups include each other: keep the first of each requirement
    requirements = list(
        dict.fromkeys(
            req for group in wanted for req in nox.project.dependency_groups(PYPROJECT, group)
        )
    )
    session.install("-e", ".", *requirements)
    stamp.write_text(digest)


def vendor_mathjax(session: nox.Session) -> None:
    """Fetch MathJax from the npm registry once, so pages typeset math offline."""
    marker = MATHJAX_DIR / "tex-chtml.js"
    if marker.exists():
        prune_mathjax()
        return
    if shutil.which("npm") is None:
        session.error("npm is needed once to fetch MathJax for offline math")
    tmp = BUILD / "mathjax-download"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    session.log(f"fetching mathjax@{MATHJAX_VERSION} from the npm registry")
    # subprocess, not session.run: this is installation and must also happen under
    # --install-only.
    subprocess.run(
        ["npm", "pack", f"mathjax@{MATHJAX_VERSION}", "--silent", "--pack-destination", str(tmp)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with tarfile.open(next(tmp.glob("mathjax-*.tgz"))) as archive:
        archive.extractall(tmp, filter="data")
    shutil.rmtree(MATHJAX_DIR, ignore_errors=True)
    MATHJAX_DIR.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(tmp / "package" / "es5", MATHJAX_DIR)
    shutil.rmtree(tmp)
    prune_mathjax()


def prune_mathjax() -> None:
    """Keep the TeX-to-CommonHTML bundle and what it loads lazily; drop other bundles."""
    for bundle in MATHJAX_DIR.glob("*.js"):
        if bundle.name != "tex-chtml.js":
            bundle.unlink(missing_ok=True)
    shutil.rmtree(MATHJAX_DIR / "output" / "svg", ignore_errors=True)


def sphinx_args(builder_dir: Path) -> list[str]:
    """Arguments of a strict HTML build of docs/ into ``builder_dir``."""
    return ["-j", "auto", *STRICT, "-c", ".", "docs", str(builder_dir)]


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the book strictly (-n -W), executing pages through jupyter-cache."""
    install(session, "docs")
    build_docs(session, *session.posargs)


def build_docs(session: nox.Session, *args: str) -> None:
    """Build the whole book strictly as HTML (the venv holds the docs group)."""
    vendor_mathjax(session)
    session.run("sphinx-build", *sphinx_args(HTML), *args)
    session.log(f"The book is at {(HTML / 'index.html').resolve()}")


@nox.session(python=PYTHON)
def page(session: nox.Session) -> None:
    """Build only the chapter pages named in posargs (e.g. docs/graphs/walks.md).

    The other chapters are left out, and the build has its own output folder and
    execution cache under _build/pages/, so several pages can be worked on at once.
    """
    if not session.posargs:
        session.error("name the page(s): nox -s page -- docs/graphs/walks.md")
    install(session, "docs")
    vendor_mathjax(session)
    name = "+".join(Path(p).stem for p in session.posargs)
    work = BUILD / "pages" / name
    session.run("python", "tools/page_tree.py", str(work / "src"), *session.posargs)
    session.env["DLHW_JUPYTER_CACHE"] = str(work / "cache")
    session.run(
        "sphinx-build", "-j", "auto", *STRICT, "-c", ".", str(work / "src"), str(work / "html")
    )
    session.log(f"The pages are in {(work / 'html').resolve()}")


@nox.session(python=PYTHON)
def pdf(session: nox.Session) -> None:
    """Build the book as a PDF (_build/dlhw.pdf), through LaTeX and XeLaTeX.

    Shares the HTML build's execution cache, so after ``nox -s docs`` nothing runs
    again. Needs Debian's TeX Live: ``apt-get install latexmk texlive-xetex
    texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf fonts-dejavu-core``.
    """
    install(session, "docs")
    build_pdf(session)


def build_pdf(session: nox.Session) -> None:
    """LaTeX build, latexmk, the checks of tools/check_pdf.py; publish it for the site."""
    if shutil.which("latexmk") is None or shutil.which("xelatex") is None:
        session.error(
            "latexmk and xelatex are needed: apt-get install latexmk texlive-xetex "
            "texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf fonts-dejavu-core"
        )
    vendor_mathjax(session)
    work = BUILD / "pdf"
    session.run("python", "tools/pdf_tree.py", str(work / "src"))
    session.run(
        "sphinx-build",
        "-j",
        "auto",
        "-b",
        "latex",
        "-n",
        "-W",
        "--keep-going",
        "-c",
        ".",
        str(work / "src"),
        str(work / "latex"),
        env={"DLHW_ROOT": "pdf"},
    )
    with session.chdir(work / "latex"):
        session.run(
            "latexmk",
            "-pdfxe",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-quiet",
            "dlhw.tex",
            external=True,
        )
    # every chapter present, no undefined reference; pages rendered to look at
    session.run("python", "tools/check_pdf.py", str(work / "latex"))
    shutil.copy(work / "latex" / "dlhw.pdf", BUILD / "dlhw.pdf")
    # published with the HTML (conf.py's html_extra_path) and linked from every page
    site = BUILD / "pdf-site"
    for folder in ("extra", "static"):
        (site / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "latex" / "dlhw.pdf", site / "extra" / "dlhw.pdf")
    (site / "static" / "dlhw-book-pdf.js").write_text('window.DLHW_BOOK_PDF = "dlhw.pdf";\n')
    session.log(f"The PDF is at {(BUILD / 'dlhw.pdf').resolve()}")


@nox.session(python=PYTHON)
def notebook(session: nox.Session) -> None:
    """Run a chapter's downloadable notebook as a reader would: in a fresh environment.

    ``nox -s notebook -- docs/graphs/walks.md`` builds the page with the notebook's install
    cell pointing at this checkout, makes a new virtualenv holding only Jupyter's runner
    (no dlhw), and executes the ``.ipynb`` that the page offers for download: its first
    cell installs dlhw, the rest must run without error. The executed notebook is written
    next to the build (its path is printed) to open in Jupyter.
    """
    if len(session.posargs) != 1:
        session.error("name one page: nox -s notebook -- docs/graphs/walks.md")
    install(session, "docs")
    run_notebook(session, Path(session.posargs[0]))


def run_notebook(session: nox.Session, page_path: Path) -> None:
    """Build ``page_path`` alone; run its downloaded notebook in a new virtualenv."""
    vendor_mathjax(session)
    work = BUILD / "notebook" / page_path.stem
    session.run("python", "tools/page_tree.py", str(work / "src"), str(page_path))
    source = f"file://{ROOT.resolve()}"
    session.run(
        "sphinx-build", *STRICT, "-c", ".", "-D", f"dlhw_install_source={source}",
        str(work / "src"), str(work / "html"), env={"DLHW_JUPYTER_CACHE": str(work / "cache")},
    )  # fmt: skip
    docname = page_path.relative_to("docs").with_suffix("")
    download = work / "html" / "_sources" / docname.with_suffix(".ipynb")
    if not download.exists():
        session.error(f"the page offers no notebook download at {download}")
    fresh = work / "fresh-venv"
    shutil.rmtree(fresh, ignore_errors=True)
    session.run(PYTHON_EXE, "-m", "venv", str(fresh), external=True)
    # the reader's Jupyter (not dlhw: the notebook's first cell installs that)
    session.run(
        str(fresh / "bin" / "pip"), "install", "--quiet", "nbclient", "ipykernel", external=True
    )
    executed = work / f"{page_path.stem}.executed.ipynb"
    run_dir = work / "run"  # not the checkout: `import dlhw` must find the installed one
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    with session.chdir(run_dir):
        session.run(
            str(fresh / "bin" / "python"), "-c", RUN_NOTEBOOK, str(download.resolve()),
            str(executed.resolve()), external=True, env={"PYTHONPATH": ""},
        )  # fmt: skip
    session.log(f"ran {download.name} in a fresh venv: {executed}")


#: Execute a notebook (argv[1]) with nbclient in the current directory and save it (argv[2]);
#: the first cell must have installed dlhw into this interpreter, not found it elsewhere.
RUN_NOTEBOOK = """
import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                 resources={"metadata": {"path": "."}})
client.execute()
nbformat.write(nb, sys.argv[2])
import importlib.util
origin = importlib.util.find_spec("dlhw").origin
assert origin.startswith(sys.prefix), f"dlhw was imported from {origin}, not the fresh venv"
print("dlhw installed in the fresh venv at", origin)
"""
PYTHON_EXE = "python3.11" if shutil.which("python3.11") else "python3"


@nox.session(python=PYTHON)
def mutants(session: nox.Session) -> None:
    """Make claims false one at a time and check that each breaks the build."""
    install(session, "docs")
    run_mutants(session, *session.posargs)


def run_mutants(session: nox.Session, *args: str) -> None:
    """Run tools/mutants.py; its build mutants build pages, which need MathJax."""
    vendor_mathjax(session)
    session.run("python", "tools/mutants.py", *args)


@nox.session(python=PYTHON)
def run(session: nox.Session) -> None:
    """Regenerate named cached runs (nox -s run -- parity); without a name, list them."""
    install(session, "docs")
    session.run("python", "tools/run.py", *session.posargs)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Live preview: rebuild on changes to docs/, dlhw/ or conf.py."""
    install(session, "serve")
    vendor_mathjax(session)
    session.run(
        "sphinx-autobuild",
        *sphinx_args(HTML),
        "--watch",
        "dlhw",
        "--watch",
        "conf.py",
        "--ignore",
        "*/.jupyter_cache/*",
        "--port",
        "8000",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the tests and the doctests of dlhw."""
    install(session, "test")
    run_tests(session, *session.posargs)


def run_tests(session: nox.Session, *args: str) -> None:
    """Run tests/ and the doctests of dlhw/ on both cores."""
    session.run("pytest", "-n", "2", *args)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and mypy --strict on the package."""
    install(session, "lint")
    run_lint(session)


def run_lint(session: nox.Session) -> None:
    """Ruff's lint and format check, then mypy --strict."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Read the built book in headless Chromium: errors, offline math, images, a11y.

    Builds the book first unless it is already built; needs Debian's chromium at
    /usr/bin/chromium (``.ci/run`` installs it).
    """
    install(session, "browser")
    if not (HTML / "index.html").exists():
        build_docs(session)
    run_browser(session, *session.posargs)


def run_browser(session: nox.Session, *args: str) -> None:
    """Run browser/ against the built site, two Chromiums at a time."""
    session.run(
        "pytest",
        "browser",
        "-o",
        "testpaths=browser",
        "-o",
        "addopts=-ra --strict-config --strict-markers",
        # two Chromiums, one per core: axe-core on a chapter is seconds of JavaScript
        "-n",
        "2",
        *args,
    )


@nox.session(python=PYTHON, default=False)
def ci(session: nox.Session) -> None:
    """Everything CI runs, in one virtualenv (one install of torch instead of four).

    tests, lint, the claim and build mutants, the PDF, the strict HTML build (which
    publishes the PDF), the browser tests and one chapter's notebook in a fresh venv;
    each step's time is logged. The first failure stops the run.
    """
    install(session, "ci")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("tests", lambda: run_tests(session)),
        ("lint", lambda: run_lint(session)),
        # before the book: the ledger reports the mutants' kill rate
        ("mutants", lambda: run_mutants(session)),
        # before the HTML build, which links the PDF; it fills the execution cache
        ("pdf", lambda: build_pdf(session)),
        ("docs", lambda: build_docs(session)),
        ("browser", lambda: run_browser(session)),
        ("notebook", lambda: run_notebook(session, Path("docs/graphs/walks.md"))),
    ]
    times = []
    for name, step in steps:
        started = time.perf_counter()
        step()
        times.append(f"{name} {time.perf_counter() - started:.0f} s")
        session.log(f"ci: {name} took {times[-1].split()[1]} s")
    session.log("ci: " + ", ".join(times))


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks of the hot paths; prints a table of timings."""
    install(session, "bench")
    session.run(
        "pytest",
        "benchmarks",
        "-o",
        "testpaths=benchmarks",
        "-o",
        "addopts=-ra --strict-config --strict-markers",
        "--benchmark-only",
        "--benchmark-columns=min,mean,max,rounds",
        *session.posargs,
    )
