"""Sphinx configuration of the dlhw book (sources in docs/, built by ``nox -s docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).parent.resolve()
sys.path.insert(0, str(ROOT))  # autodoc imports dlhw from the checkout

import dlhw  # noqa: E402

project = "dlhw"
author = "The dlhw authors"
copyright = "2026, The dlhw authors"
release = dlhw.__version__
html_title = "Deep learning, derivations checked"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.graphviz",
    "sphinx_proof",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinxcontrib.bibtex",
    "dlhw.sphinxext",
]

exclude_patterns = ["_build", "_ext", "_data", "**.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# --- strictness ------------------------------------------------------------------
nitpicky = True
# No network at build time, so no intersphinx: references to other libraries' types
# in signatures cannot resolve and are not errors of ours.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(numpy|np|sympy|scipy|torch|networkx|matplotlib|collections\.abc|docutils|sphinx"
        r"|nbformat|pathlib|contextlib|fractions)\..*",
    ),
    (r"py:.*", r"(NDArray|ArrayLike|Sampler|Instance|Side|np\.\w+|numbers\..*)"),
    # the modules' private type aliases (FloatArray = NDArray[np.float64], ...)
    (r"py:.*", r"(FloatArray|IntArray|Array|Activation|Rule)"),
    (r"py:.*", r"dlhw\.proof\.records\.(CheckRecord|ProofError)"),
    # names imported for type hints only (under TYPE_CHECKING) or private aliases
    (
        r"py:.*",
        r"(Claim|Space|Compiled|Env|Spec|Constraints|Bound|Path|Finding|Statement|PageData)",
    ),
    (r"py:.*", r"dlhw\.proof\.(space|search)\.(Constraints|Attack|Outcome)"),
]

# the map of claims is drawn by Debian's graphviz, offline; SVG keeps its nodes links
graphviz_output_format = "svg"

# --- numbering by chapter: Theorem 3.2, Figure 3.1, equation (3.4) -------------------
numfig = True
numfig_secnum_depth = 1
math_numfig = True
math_eqref_format = "({number})"
# one counter for every kind of statement of a chapter: Definition 3.1, Theorem 3.2, ...
prf_realtyp_to_countertyp = dict.fromkeys(
    (
        "axiom",
        "theorem",
        "lemma",
        "algorithm",
        "definition",
        "remark",
        "conjecture",
        "corollary",
        "criterion",
        "example",
        "property",
        "observation",
        "proposition",
        "assumption",
        "notation",
    ),
    "theorem",
)

# --- MyST and notebook execution -------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = os.environ.get(
    "DLHW_JUPYTER_CACHE", str(ROOT / "_build" / ".jupyter_cache")
)
nb_execution_raise_on_error = True  # a failed check stops the build
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_merge_streams = True
nb_render_markdown_format = "myst"  # check tables use {prf:ref} and $math$
nb_kernel_rgx_aliases = {".*": "python3"}

# --- maths: MathJax shipped with the site, no CDN ------------------------------------
MATHJAX_STATIC = ROOT / "_build" / "static"
if not (MATHJAX_STATIC / "mathjax" / "tex-chtml.js").exists():
    raise RuntimeError(
        "MathJax is missing from _build/static/mathjax; build with `nox -s docs`, "
        "which fetches it once from the npm registry"
    )
mathjax_path = "mathjax/tex-chtml.js"
#: The book's own TeX macros, for MathJax on the web and for LaTeX in the PDF.
MACROS = {
    "R": r"\mathbb{R}",
    "E": r"\mathbb{E}",
    "tr": r"\operatorname{tr}",
    "diag": r"\operatorname{diag}",
}
mathjax3_config = {
    # myst-parser adds this option at every build; stating it keeps the configuration the
    # same from build to build (otherwise Sphinx sees a change and re-reads everything)
    "options": {
        "processHtmlClass": "tex2jax_process|mathjax_process|math|output_area",
        # ui/lazy (below) typesets a formula once it is within this distance of the window
        "lazyMargin": "1000px",
    },
    "tex": {"macros": MACROS},
    # Typeset formulas as they come near the window, not all at load: a chapter holds
    # hundreds, which take seconds; the reader waits only for those in view. MathJax
    # typesets the rest before the page is printed.
    "loader": {"load": ["ui/lazy"]},
}

# --- the PDF (nox -s pdf): LaTeX through XeLaTeX, for the Unicode of the prose --------
latex_engine = "xelatex"
# The PDF's source tree (tools/pdf_tree.py) has its own root page, pdf.md.
root_doc = os.environ.get("DLHW_ROOT", "index")
latex_documents = [
    (root_doc, "dlhw.tex", "Deep learning, derivations checked", "The dlhw authors", "manual")
]
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "11pt",
    "preamble": "\n".join(
        [r"\usepackage{amsmath,amssymb,newunicodechar}", r"\newunicodechar{✅}{\checkmark}"]
        + [rf"\DeclareRobustCommand{{\{name}}}{{{body}}}" for name, body in MACROS.items()]
    ),
    "figure_align": "htbp",
    # Sphinx's FreeSerif and FreeSans; DejaVu for code and outputs, where FreeMono lacks
    # characters that sympy prints (ᵀ, ⋅)
    "fontpkg": "\n".join(
        [
            r"\setmainfont{FreeSerif}[Extension=.otf, UprightFont=*, ItalicFont=*Italic,"
            r" BoldFont=*Bold, BoldItalicFont=*BoldItalic]",
            r"\setsansfont{FreeSans}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique,"
            r" BoldFont=*Bold, BoldItalicFont=*BoldOblique]",
            r"\setmonofont{DejaVu Sans Mono}[Scale=0.85]",
        ]
    ),
}
latex_show_urls = "no"
if root_doc == "pdf":
    sys.path.insert(0, str(ROOT / "tools"))
    from pdf_tree import appendices

    latex_appendices = appendices()
    # the appendices are in no toctree of the PDF's root page, by design
    suppress_warnings = ["toc.not_included"]
    # the API reference stays on the web: in print, a name of the package is plain code
    nitpick_ignore_regex.append((r"py:.*", r"dlhw\..*"))
# In print the checks are described in the prose and listed at the end of each chapter;
# their code, behind a button on the web, would fill pages no reader can fold away.
nb_remove_code_source = root_doc == "pdf"
latex_use_xindy = False  # Debian's TeX Live without xindy: makeindex does the index

# --- bibliography ----------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# --- API reference ---------------------------------------------------------------
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# --- theme -----------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_static_path = ["docs/_static", str(MATHJAX_STATIC)]
html_css_files = ["dlhw.css"]
html_js_files = ["dlhw.js"]
#: Chapters rank above the API reference in search (Sphinx default weights otherwise).
html_search_scorer = "docs/_static/dlhw-scorer.js"
#: The book's PDF (``nox -s pdf`` puts it here): published beside the pages when built,
#: and linked from every page's download menu (dlhw.js reads ``DLHW_BOOK_PDF``).
BOOK_PDF = ROOT / "_build" / "pdf-site" / "extra" / "dlhw.pdf"
html_extra_path = []
if BOOK_PDF.exists():
    html_extra_path.append(str(BOOK_PDF.parent))
    html_static_path.append(str(ROOT / "_build" / "pdf-site" / "static"))
    html_js_files.insert(0, "dlhw-book-pdf.js")
html_favicon = "docs/_static/favicon.svg"  # else Chromium asks the server for /favicon.ico
html_context = {"default_mode": "auto"}  # follow the reader's light or dark setting
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_last_updated_fmt = ""
