"""The built book read in headless Chromium, the way a student reads it.

Every page of the book (parametrized by ``site_page``, so new chapters are covered
without editing this file) is loaded from the local server and must: log no console
error, fail no request, send no request off 127.0.0.1, typeset all of its math with
no MathJax error, and load every image with alt text. axe-core finds no serious or
critical accessibility violation on any page. The search page, the hidden solutions
and code, and the "What was checked" section of every chapter are tested as a reader
uses them, and the largest chapter is also read from a downloaded copy (``file://``).
"""

from __future__ import annotations

import functools
import gzip
import re
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from conftest import MEASUREMENTS, SCREENSHOTS, SITE, book_pages, chapter_pages
from playwright.sync_api import ConsoleMessage, Page, Request, Response, expect

LOCAL_HOST = "127.0.0.1"
INLINE_SCHEMES = frozenset({"data", "blob", "about"})
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
SETTLE_TIMEOUT_S = 10.0
# Chromium asks every server for /favicon.ico unless the page names an icon, and
# reports the 404 to the console some time after the page has loaded: whether a
# test sees it is a race. The cause (no icon declared) is tested on every page
# instead, deterministically, so the probe itself is not counted.
FAVICON_PROBE = "/favicon.ico"

# Resolves with the times (ms since navigation start) at which MathJax was ready to
# typeset (its components loaded) and at which its first typesetting pass was done.
# Installed before any script of the page runs. It adds MathJax's documented
# ``startup.ready`` hook to the configuration object the page assigns to
# ``window.MathJax``; if there is none, it falls back to the MathJax script's load
# event (capture phase), at which the typesetting may already be over.
MATH_PROBE = """
(() => {
  let resolveTypeset;
  window.__dlhwTypeset = new Promise((resolve) => { resolveTypeset = resolve; });
  const report = (ready) => window.MathJax.startup.promise.then(
    () => resolveTypeset({ready, ms: performance.now(), error: null}),
    (e) => resolveTypeset({ready, ms: performance.now(), error: String(e)}),
  );
  let value;
  let hooked = false;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (next) => {
      value = next;
      if (hooked || !next || next.version) return;
      hooked = true;
      const startup = next.startup || (next.startup = {});
      const ready = startup.ready;
      startup.ready = () => {
        const at = performance.now();
        if (ready) ready(); else window.MathJax.startup.defaultReady();
        report(at);
      };
    },
  });
  const fallback = () => {
    const mj = window.MathJax;
    if (!hooked && mj && mj.startup && mj.startup.promise) {
      hooked = true;
      report(null);
    }
  };
  document.addEventListener("load", fallback, true);
  window.addEventListener("load", fallback);
})();
"""
# Waits for the probe, but not for ever.
AWAIT_TYPESET = """
(timeout) => Promise.race([
  window.__dlhwTypeset,
  new Promise((resolve) => setTimeout(() => resolve(null), timeout)),
])
"""

# The math source nodes Sphinx writes (span.math / div.math holding \\( \\) or
# \\[ \\]), whether each holds a typeset formula and no raw TeX, and MathJax errors.
MATH_STATE = r"""
() => {
  const sources = [...document.querySelectorAll("span.math, div.math")];
  const untypeset = [];
  for (const node of sources) {
    const rest = node.cloneNode(true);
    rest.querySelectorAll("mjx-container").forEach((c) => c.remove());
    const raw = /\\\(|\\\[|\\begin\{/.test(rest.textContent);
    // ui/lazy leaves an empty placeholder (mjx-lazy) until the formula is typeset
    if (!node.querySelector("mjx-container") || node.querySelector("mjx-lazy") || raw) {
      untypeset.push(node.outerHTML.slice(0, 160));
    }
  }
  // Each error is also in the formula's hidden MathML for screen readers: once only.
  const errors = [...document.querySelectorAll("mjx-merror, [data-mjx-error]")]
    .filter((e) => !e.closest("mjx-assistive-mml"))
    .map((e) => e.getAttribute("data-mjx-error") || e.textContent);
  // MathJax's noundefined package shows an unknown macro as its name, in red.
  for (const text of document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')) {
    if (text.textContent.startsWith("\\")) {
      errors.push(`undefined macro ${text.textContent}`);
    }
  }
  return {
    sources: sources.length,
    containers: document.querySelectorAll("mjx-container").length,
    untypeset,
    errors,
    mathjax: !!document.querySelector('script[src*="mathjax"]'),
  };
}
"""

# Loads every image (also ``loading="lazy"`` ones below the fold) and describes it.
IMAGES = """
async () => {
  const images = [...document.images];
  await Promise.all(images.map((img) => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise((resolve) => {
      img.addEventListener("load", resolve, {once: true});
      img.addEventListener("error", resolve, {once: true});
    });
  }));
  return images.map((img) => ({
    src: img.getAttribute("src"),
    alt: img.getAttribute("alt"),
    width: img.naturalWidth,
  }));
}
"""

# Tables, display math and cell outputs of the article that are wider than the text
# column, so that a reader has to scroll sideways; display math that sticks out on
# the left is cut off for good, since nothing scrolls that way (reported, not
# asserted).
WIDE_BLOCKS = """
() => [...document.querySelectorAll(
    "article .pst-scrollable-table-container, article div.math, article .cell_output pre"
  )].flatMap((e) => {
    const box = e.getBoundingClientRect();
    const cut = [...e.querySelectorAll("mjx-math")].some(
      (m) => m.getBoundingClientRect().left < box.left - 1,
    );
    if (!cut && e.scrollWidth <= e.clientWidth + 1) return [];
    const what = e.matches("div.math") ? "math" : e.matches("pre") ? "output" : "table";
    const head = e.querySelector("th, mjx-assistive-mml, code") || e;
    return [`${cut ? "CUT OFF ON THE LEFT: " : ""}${what} ` +
      `${e.scrollWidth}px in ${e.clientWidth}px: ` +
      head.textContent.trim().replace(/\\s+/g, " ").slice(0, 60)];
  })
"""

# Cell outputs that show a Python repr of a check record or table instead of a
# rendered result: a cell that should have ended with ";" (asserted).
RAW_REPRS = """
() => [...document.querySelectorAll("article .cell_output pre")]
  .map((e) => e.textContent.trim())
  .filter((t) => /^(CheckRecord|CheckTable|Derivation)\\(/.test(t))
  .map((t) => t.slice(0, 80))
"""

# Switches the page to the theme's dark mode, as its colour-mode button does, and
# waits for the colour transitions that the switch starts to finish.
DARK_THEME = """
async () => {
  document.documentElement.dataset.theme = "dark";
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  await Promise.all(document.getAnimations().map((a) => a.finished));
}
"""


# formats that are compressed already: a server sends them as they are
COMPRESSED_ALREADY = (".png", ".jpg", ".woff", ".woff2", ".pdf")

# The most a page may transfer with its theme, scripts and fonts, compressed as a static
# host sends text (issue: heaviest page <= 1.5 MB)
MAX_TRANSFER_BYTES = 1_500_000
# A chapter longer than this many words of prose is split into pages of its own: a long
# page is slow to typeset and hard to find one's way in.
MAX_PROSE_WORDS = 6_000
# What is not prose on a chapter page: code cells and their output, formulas, tables
# (the check tables), code, navigation.
NOT_PROSE = ("div.cell", "div.math", "span.math", "table", "div.highlight", "pre", "nav")


@functools.cache
def _sent_bytes(path: Path) -> int:
    """Return the bytes a static host sends for ``path``: text gzip-compressed, the rest as is."""
    body = path.read_bytes()
    return len(body) if path.name.endswith(COMPRESSED_ALREADY) else len(gzip.compress(body, 6))


@dataclass
class Visit:
    """What the browser saw while loading one page."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    pending: set[Request] = field(default_factory=set)
    bytes_by_kind: dict[str, int] = field(default_factory=dict)

    def on_console(self, message: ConsoleMessage) -> None:
        """Record console errors, with where they were logged."""
        where = message.location.get("url", "")
        if message.type == "error" and urlsplit(where).path != FAVICON_PROBE:
            line = message.location.get("lineNumber")
            self.console_errors.append(f"{message.text} ({where}:{line})")

    def on_request(self, request: Request) -> None:
        """Record every URL the page asks for."""
        self.requests.append(request.url)
        self.pending.add(request)

    def on_done(self, request: Request) -> None:
        """Forget a finished request."""
        self.pending.discard(request)

    def on_failed(self, request: Request) -> None:
        """Record a request that got no response."""
        self.pending.discard(request)
        self.failures.append(f"{request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        """Record HTTP errors and the bytes of the page, its images and the rest."""
        if response.status >= 400:
            self.failures.append(f"{response.url}: HTTP {response.status}")
        size = int(response.headers.get("content-length", "0"))
        kind = response.request.resource_type
        if kind == "document":
            key = "html"
        elif kind == "image" and "/_images/" in urlsplit(response.url).path:
            key = "own_images"
        else:
            key = "other"
        self.bytes_by_kind[key] = self.bytes_by_kind.get(key, 0) + size
        # what a static host that compresses text (as GitHub Pages does) would send, from
        # the file served (asking the browser for every body would slow each visit)
        served = SITE / unquote(urlsplit(response.url).path).lstrip("/")
        if served.is_file():
            self.bytes_by_kind["gzip"] = self.bytes_by_kind.get("gzip", 0) + _sent_bytes(served)

    def settle(self) -> None:
        """Wait (polling, not a fixed sleep) until no request is in flight."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while self.pending and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        assert not self.pending, f"requests still pending: {self.pending}"

    def off_host(self) -> list[str]:
        """List the requests that went anywhere but the local server."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in INLINE_SCHEMES and urlsplit(url).hostname != LOCAL_HOST
        ]

    def network_problems(self) -> list[str]:
        """Console errors, failed requests and requests that left 127.0.0.1."""
        return (
            [f"console error: {e}" for e in self.console_errors]
            + [f"failed request: {f}" for f in self.failures]
            + [f"request off {LOCAL_HOST}: {url}" for url in self.off_host()]
        )


def visit(page: Page, path: str) -> Visit:
    """Open ``path`` (relative to the site, or a full URL) and record what happens."""
    seen = Visit(page)
    page.on("console", seen.on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught {error}"))
    page.on("request", seen.on_request)
    page.on("requestfinished", seen.on_done)
    page.on("requestfailed", seen.on_failed)
    page.on("response", seen.on_response)
    page.on("websocket", lambda socket: seen.requests.append(socket.url))
    page.add_init_script(MATH_PROBE)
    page.goto(path, wait_until="load")
    return seen


# MathJax typesets lazily (conf.py loads ui/lazy): once its first pass is done, wait until
# no formula in the window is a placeholder any more (the time a reader waits, in ms since
# navigation start), then typeset the rest of the page as scrolling to the end would, and
# time that. Returns null after ``timeout`` ms. Afterwards dlhw.js marks wide blocks again.
# True while a formula in the window is still a lazy placeholder (a formula in a closed
# dropdown or a hidden cell is not drawn: it waits until shown).
PLACEHOLDER_IN_VIEW = """
() => [...document.querySelectorAll("mjx-container > mjx-lazy")].some((lazy) => {
  const rects = lazy.parentElement.getClientRects();
  if (!rects.length) return false;
  const box = lazy.parentElement.getBoundingClientRect();
  return box.bottom >= 0 && box.top <= window.innerHeight;
})
"""
NO_PLACEHOLDER_IN_VIEW = f"() => !({PLACEHOLDER_IN_VIEW})()"

AWAIT_VISIBLE_THEN_ALL = """
async (timeout) => {
  const start = performance.now();
  const placeholderInView = PLACEHOLDER_IN_VIEW;
  while (placeholderInView()) {
    if (performance.now() - start > timeout) return null;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const visible = performance.now();
  const doc = window.MathJax.startup.document;
  if (doc.lazyTypesetAll) await doc.lazyTypesetAll();
  const rest = performance.now() - visible;
  delete document.documentElement.dataset.dlhwWideMarked;
  window.dispatchEvent(new Event("resize"));
  return {visible, rest};
}
""".replace("PLACEHOLDER_IN_VIEW", PLACEHOLDER_IN_VIEW.strip())


def wait_for_math(page: Page) -> dict[str, Any]:
    """Wait for the formulas in view, then typeset all; return the page's math state.

    ``state["typeset"]`` holds MathJax's first pass (``ready``, ``ms``: ms since navigation
    start), ``visible`` (when the formulas in the window were typeset) and ``rest`` (ms to
    typeset the others), or is None if MathJax did not finish in time.
    """
    state: dict[str, Any] = page.evaluate(MATH_STATE)
    state["typeset"] = None
    if state["mathjax"]:
        typeset = page.evaluate(AWAIT_TYPESET, 1000 * SETTLE_TIMEOUT_S)
        if typeset and not typeset["error"]:
            later = page.evaluate(AWAIT_VISIBLE_THEN_ALL, 1000 * SETTLE_TIMEOUT_S)
            typeset = {**typeset, **later} if later else None
        page.evaluate("document.fonts.ready.then(() => true)")
        state = page.evaluate(MATH_STATE)
        state["typeset"] = typeset
    return state


def math_problems(math: dict[str, Any]) -> list[str]:
    """List what is wrong with the math state from :func:`wait_for_math`."""
    problems = []
    if math["sources"] and not math["mathjax"]:
        problems.append(f"{math['sources']} math elements but no MathJax script")
    if math["mathjax"] and math["typeset"] is None:
        problems.append(f"MathJax did not finish in {SETTLE_TIMEOUT_S:.0f} s")
    if math["typeset"] and math["typeset"]["error"]:
        problems.append(f"MathJax startup failed: {math['typeset']['error']}")
    problems += [f"math not typeset: {html}" for html in math["untypeset"]]
    if math["containers"] < math["sources"]:
        problems.append(
            f"{math['containers']} typeset formulas for {math['sources']} math elements"
        )
    problems += [f"MathJax error: {e}" for e in math["errors"]]
    return problems


def screenshot(page: Page, path: str) -> None:
    """Save a full-page screenshot, and one of each figure in the dark theme."""
    target = SCREENSHOTS / PurePosixPath(path).with_suffix(".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=True)
    figures = page.locator("article img")
    if figures.count():
        page.evaluate(DARK_THEME)
        for index in range(figures.count()):
            figure = figures.nth(index)
            figure.screenshot(path=target.with_suffix(f".dark-figure-{index + 1}.png"))


def test_the_book_is_listed(all_pages: list[str]) -> None:
    """The pages under test include the index and every chapter."""
    assert "index.html" in all_pages
    assert set(chapter_pages()) <= set(all_pages)
    assert not {"search.html", "genindex.html"} & set(all_pages)


# Glued text whose weight or family differs from the sentence it sits in (myst-nb sets
# it in bold): the first few, as text.
GLUE_OUT_OF_PLACE = """
() => [...document.querySelectorAll("span.pasted-text")].filter((glued) => {
  const own = getComputedStyle(glued), around = getComputedStyle(glued.parentElement);
  return own.fontWeight !== around.fontWeight || own.fontFamily !== around.fontFamily;
}).slice(0, 5).map((glued) => glued.parentElement.textContent.trim().slice(0, 120))
"""


def test_page_reads_cleanly(page: Page, site_page: str) -> None:
    """Errors, requests, math, images and accessibility of one page, as Chromium loads it.

    axe-core must find no serious or critical violation once the math is typeset (see
    :func:`axe_problems`); on the index and the chapters also in the dark theme. One
    load serves both, since typesetting a chapter's math is most of a load's cost.
    """
    seen = visit(page, site_page)
    math = wait_for_math(page)
    images = page.evaluate(IMAGES)
    seen.settle()

    typeset = math["typeset"]
    MEASUREMENTS[site_page] = {
        "math_nodes": math["sources"],
        "typeset_ms": typeset.get("visible") if typeset else None,
        "mathjax_work_ms": typeset["visible"] - typeset["ready"]
        if typeset and "visible" in typeset and typeset["ready"] is not None
        else None,
        "rest_ms": typeset.get("rest") if typeset else None,
        "html_bytes": (SITE / site_page).stat().st_size,
        "own_bytes": seen.bytes_by_kind.get("html", 0) + seen.bytes_by_kind.get("own_images", 0),
        "all_bytes": sum(v for k, v in seen.bytes_by_kind.items() if k != "gzip"),
        "gzip_bytes": seen.bytes_by_kind.get("gzip", 0),
        "images": len(images),
        "wide_blocks": page.evaluate(WIDE_BLOCKS),
    }
    if site_page == "index.html" or site_page in chapter_pages():
        screenshot(page, site_page)

    problems = seen.network_problems() + math_problems(math)
    problems += [f"raw repr printed by a cell: {text}" for text in page.evaluate(RAW_REPRS)]
    problems += [f"glued text set apart: {text}" for text in page.evaluate(GLUE_OUT_OF_PLACE)]
    if seen.bytes_by_kind.get("gzip", 0) > MAX_TRANSFER_BYTES:
        problems.append(
            f"the page transfers {seen.bytes_by_kind['gzip']:,} bytes compressed, "
            f"more than {MAX_TRANSFER_BYTES:,}"
        )
    for image in images:
        if image["width"] == 0:
            problems.append(f"image not loaded: {image['src']}")
        if not (image["alt"] or "").strip():
            problems.append(f"image without alt text: {image['src']}")
    if not page.locator('head link[rel~="icon"]').count():
        problems.append(
            'no <link rel="icon">: Chromium then requests /favicon.ico from the '
            "server hosting the book, which answers 404"
        )
    book_page = site_page == "index.html" or site_page in chapter_pages()
    problems += axe_problems(page, site_page, dark=book_page)
    assert not problems, f"{site_page}:\n  " + "\n  ".join(problems)


def _describe(violation: dict[str, Any]) -> str:
    """Describe one axe violation: rule, impact, help and (up to 10 of) its elements."""
    lines = [
        f"  {violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
        f"elements): {violation['help']} <{violation['helpUrl']}>"
    ]
    for node in violation["nodes"][:10]:
        target = ", ".join(map(str, node["target"]))
        lines.append(f"      {target}: {node['html'][:200]}")
        checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
        lines += [f"        {check['message']}" for check in checks[:1]]
    if len(violation["nodes"]) > 10:
        lines.append(f"      ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


# axe-core walks every element; a typeset formula is hundreds of MathJax elements whose
# glyphs are CSS content, which axe cannot read. So axe skips the formulas (except on
# MATH_AXE_PAGE) and MATH_ACCESS checks each one directly: MathJax's assistive MathML
# is there for screen readers, and the formula has the colour of the text around it
# (of its paragraph, or of its block for a display), whose contrast axe does check.
OUTSIDE_MATH = {"exclude": [["mjx-container"]]}

MATH_ACCESS = """
() => [...document.querySelectorAll("mjx-container")].flatMap((formula) => {
  const text = (formula.textContent || "").trim().slice(0, 60);
  const problems = [];
  if (!formula.querySelector(":scope > mjx-assistive-mml math"))
    problems.push(`formula without MathML for screen readers: ${text}`);
  let around = formula.parentElement;
  const ownText = (e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
  // up through inline wrappers without text of their own (a claim's span), to the
  // element whose text shares the formula's line or block
  const inline = (e) => getComputedStyle(e).display.startsWith("inline");
  while (around.parentElement && !ownText(around) && inline(around))
    around = around.parentElement;
  const [mine, theirs] = [formula, around].map((e) => getComputedStyle(e).color);
  if (mine !== theirs)
    problems.push(`formula coloured ${mine}, the text around it ${theirs}: ${text}`);
  return problems;
}).slice(0, 10)
"""


def _math_axe_page() -> str:
    """Name the page on which axe also walks the formulas (the first chapter)."""
    return (chapter_pages() or ["index.html"])[0]


def axe_problems(page: Page, site_page: str, *, dark: bool) -> list[str]:
    """Run axe-core on the loaded, typeset page; describe its blocking violations.

    All rules run in the light theme, except colour contrast on the API module pages:
    it is the most expensive rule, the theme's own parts are the same on every page, and
    the module pages come from one autodoc template and use no colours that the chapters
    and the API index (both checked) do not. With ``dark``, colour contrast is checked
    again in the dark theme (the page is left in it).
    """
    axe = Axe()
    context = None if site_page == _math_axe_page() else OUTSIDE_MATH
    module_page = site_page.startswith("api/") and site_page != "api/index.html"
    options = {"rules": {"color-contrast": {"enabled": False}}} if module_page else None
    violations = axe.run(page, context=context, options=options).response["violations"]
    if dark:
        page.evaluate(DARK_THEME)
        found = axe.run(page, context=context, options={"runOnly": ["color-contrast"]})
        for violation in found.response["violations"]:
            violations.append({**violation, "id": f"{violation['id']} (dark theme)"})
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    problems = [f"axe-core: {_describe(v).strip()}" for v in blocking]
    return problems + page.evaluate(MATH_ACCESS)


# Spoil the index: a paragraph of pale grey text, a formula in red, another without
# its MathML (what a stylesheet or a MathJax setting written in by mistake would do).
SPOIL_ACCESS = """
() => {
  const [first, second] = document.querySelectorAll("mjx-container");
  first.style.color = "rgb(200, 0, 0)";
  second.querySelector("mjx-assistive-mml").remove();
  const pale = document.createElement("p");
  pale.textContent = "Pale text nobody can read.";
  pale.style.color = "#eeeeee";
  document.querySelector("main").prepend(pale);
}
"""


def test_the_accessibility_checks_catch_a_spoilt_page(page: Page) -> None:
    """axe_problems reports low contrast, a recoloured formula and missing MathML."""
    visit(page, "index.html")
    wait_for_math(page)
    assert page.locator("mjx-container").count() >= 2
    assert not axe_problems(page, "index.html", dark=False)
    page.evaluate(SPOIL_ACCESS)
    found = "\n".join(axe_problems(page, "index.html", dark=False))
    assert "color-contrast" in found
    assert "formula coloured rgb(200, 0, 0)" in found
    assert "formula without MathML" in found


def _search_cases() -> list[tuple[str, str]]:
    """Pick, for every chapter, the longest word of its title as the term to search."""
    cases = []
    for chapter in chapter_pages():
        found = re.search(r"<title>(.*?)</title>", (SITE / chapter).read_text(), re.DOTALL)
        title = found.group(1).split("&#8212;")[0] if found else ""
        words = re.findall(r"[A-Za-z]{4,}", title)
        if words:
            cases.append((max(words, key=len).lower(), chapter))
    return cases


@pytest.mark.parametrize(("term", "target"), _search_cases())
def test_search_finds_a_chapter(page: Page, term: str, target: str) -> None:
    """The search page, offline, lists the chapter for a word of that chapter."""
    seen = visit(page, f"search.html?q={term}")
    hit = page.locator(f'#search-results a[href^="{target}"]').first
    expect(hit).to_be_visible()
    seen.settle()
    problems = seen.network_problems()
    assert not problems, f"search.html?q={term}:\n  " + "\n  ".join(problems)


def _pages_with(marker: str) -> list[str]:
    """List the chapter pages whose HTML contains ``marker``."""
    return [p for p in chapter_pages() if marker in (SITE / p).read_text()]


def _pages_with_hidden_content() -> list[str]:
    """List the chapter pages with a solution drop-down or a hidden code cell."""
    solutions = _pages_with('class="solution dropdown')
    return sorted({*solutions, *_pages_with("tag_hide-input")})


# True once the first formula inside an element (if any) is drawn, not a lazy placeholder.
FIRST_FORMULA_TYPESET = """
(element) => {
  const first = element.querySelector("mjx-container");
  return !first || !first.querySelector(":scope > mjx-lazy");
}
"""


@pytest.mark.parametrize("path", _pages_with_hidden_content())
def test_hidden_content_opens_on_click(page: Page, path: str) -> None:
    """Every solution, and a ``hide-input`` code cell, open with one click."""
    seen = visit(page, path)
    # a click lands where the button was: let the layout settle first (formulas typeset
    # as they come into view change the height of what is above the button)
    wait_for_math(page)
    solutions = page.locator(".solution.dropdown")
    for index in range(solutions.count()):
        solution = solutions.nth(index)
        content = solution.locator(":scope > :not(.admonition-title)").first
        button = solution.locator(".toggle-button")
        expect(content).to_be_hidden()
        expect(button).to_have_attribute("aria-expanded", "false")
        button.scroll_into_view_if_needed()
        page.wait_for_function(NO_PLACEHOLDER_IN_VIEW, timeout=10_000)
        button.click()
        expect(content).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        # its formulas were left for later (MathJax's ui/lazy): now they are typeset
        page.wait_for_function(FIRST_FORMULA_TYPESET, arg=content.element_handle(), timeout=10_000)
        box = content.bounding_box()
        assert box is not None
        assert box["height"] > 0
    cells = page.locator(".tag_hide-input details.hide")
    if cells.count():
        source = cells.first.locator(".cell_input")
        expect(source).to_be_hidden()
        summary = cells.first.locator("summary")
        summary.scroll_into_view_if_needed()
        page.wait_for_function(NO_PLACEHOLDER_IN_VIEW, timeout=10_000)
        summary.click()
        expect(source).to_be_visible()
    seen.settle()
    problems = seen.network_problems()
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_every_chapter_says_what_was_checked(page: Page, chapter: str) -> None:
    """A chapter has a "What was checked" section with a table, even without JS."""
    page.goto(chapter, wait_until="domcontentloaded")
    heading = page.locator(":scope > h2", has_text=re.compile(r"^What was checked"))
    section = page.locator("section").filter(has=heading)
    expect(section).to_have_count(1)
    table = section.locator("table").first
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() > 0, "the table has no rows"


def _most_math() -> list[str]:
    """Pick the chapter page with the most math (the index if none)."""
    pages = chapter_pages() or [p for p in book_pages() if p == "index.html"]
    return [max(pages, key=lambda p: (SITE / p).read_text().count('class="math'))]


@pytest.mark.parametrize("path", _most_math())
def test_downloaded_copy_typesets_math(page: Page, path: str) -> None:
    """Opened from the files (``file://``), a page still typesets all its math."""
    seen = visit(page, (SITE / path).as_uri())
    math = wait_for_math(page)
    problems = [f"console error: {e}" for e in seen.console_errors]
    problems += [f"failed request: {f}" for f in seen.failures]
    problems += [
        f"request off the copy: {url}"
        for url in seen.requests
        if urlsplit(url).scheme not in {*INLINE_SCHEMES, "file"}
    ]
    problems += math_problems(math)
    assert math["sources"] > 0
    assert not problems, f"{path} from file://:\n  " + "\n  ".join(problems)


def _map_links() -> list[tuple[str, str]]:
    """Every link of every drawing of the claim map: (drawing, href relative to _images/).

    The drawings are those some page shows: an incremental build leaves the drawings of
    earlier versions in ``_images/``, which no page refers to any more.
    """
    shown = {
        name
        for page in book_pages()
        for name in re.findall(r"graphviz-[0-9a-f]+\.svg", (SITE / page).read_text())
    }
    links = []
    for drawing in sorted((SITE / "_images").glob("graphviz-*.svg")):
        if drawing.name not in shown:
            continue
        text = drawing.read_text()
        links += [(drawing.name, href) for href in re.findall(r'href="([^"]+)"', text)]
    return links


def test_every_node_of_the_claim_map_opens_its_statement() -> None:
    """Each node links to a page of the book, at the anchor of its statement."""
    links = _map_links()
    assert links, "the map of claims drew no linked node"
    broken = []
    for drawing, href in links:
        target, _, anchor = href.partition("#")
        page = (SITE / "_images" / target).resolve()
        if not page.is_file() or f'id="{anchor}"' not in page.read_text():
            broken.append(f"{drawing}: {href}")
    assert not broken, "links of the map that open no statement:\n  " + "\n  ".join(broken)


def test_the_claim_map_renders_in_both_themes(page: Page) -> None:
    """The map page loads its drawings; screenshots in light and dark.

    The time the drawings take is measured and printed in the summary, not asserted: on
    a machine that runs other work at the same time, a time limit fails at random.
    """
    seen = visit(page, "map.html")
    started = time.perf_counter()
    drawings = page.locator("object.dlhw-claim-map")
    assert drawings.count() > 0
    for index in range(drawings.count()):
        page.wait_for_function(
            "(el) => el.contentDocument && el.contentDocument.querySelector('svg')",
            arg=drawings.nth(index).element_handle(),
        )
    seconds = time.perf_counter() - started
    MEASUREMENTS.setdefault("map.html", {})["drawings_ms"] = 1000 * seconds
    target = SCREENSHOTS / "map.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=True)
    page.evaluate(DARK_THEME)
    page.screenshot(path=target.with_suffix(".dark.png"), full_page=True)
    seen.settle()
    problems = seen.network_problems()
    assert not problems, "map.html:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", chapter_pages()[:1] + chapter_pages()[-1:])
def test_hovering_a_statement_link_previews_it(page: Page, path: str) -> None:
    """A link to a statement shows its text, typeset, and its checks; Escape hides it."""
    seen = visit(page, path)
    wait_for_math(page)
    links = page.locator("a.dlhw-has-preview")
    assert links.count() > 0, f"{path} cites no statement with a preview"
    link = links.first
    link.scroll_into_view_if_needed()
    link.hover()
    box = page.locator("#dlhw-preview")
    expect(box).to_be_visible()
    expect(box.locator(".dlhw-preview-checks")).to_contain_text("Checked by:")
    expect(box.locator("mjx-container").first).to_be_visible()  # the statement's formulas
    target = SCREENSHOTS / PurePosixPath(path).with_suffix(".preview.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target)
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    seen.settle()
    problems = seen.network_problems()
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


PHONE = {"width": 390, "height": 844}

# At a phone's width: how far the page itself scrolls sideways, wide blocks that
# overflow without the scroll cue, formulas cut off on the left, and check-table cells
# outside the screen.
PHONE_LAYOUT = """
() => {
  const width = window.innerWidth;
  const WIDE = "article div.math, article mjx-container[display='true'], " +
    "article .pst-scrollable-table-container, article .cell_output pre, " +
    "article table.dlhw-checks td:first-child, article .dlhw-figure-scroll";
  const describe = (e) => (e.querySelector("mjx-assistive-mml, th, code") || e)
    .textContent.trim().replace(/\\s+/g, " ").slice(0, 60);
  const uncued = [...document.querySelectorAll(WIDE)].filter((e) =>
    e.scrollWidth > e.clientWidth + 1 &&
    ["auto", "scroll"].includes(getComputedStyle(e).overflowX) &&
    !(e.classList.contains("dlhw-overflows") &&
      getComputedStyle(e).backgroundImage.includes("gradient") &&
      e.tabIndex === 0)
  ).map(describe);
  const clipped = [...document.querySelectorAll(WIDE)].filter((e) =>
    e.scrollWidth > e.clientWidth + 1 &&
    !["auto", "scroll"].includes(getComputedStyle(e).overflowX)
  ).map(describe);
  const cutLeft = [...document.querySelectorAll("article mjx-container[display='true']")]
    .filter((m) => {
      const box = m.getBoundingClientRect();
      const math = m.querySelector("mjx-math");
      return math && math.getBoundingClientRect().left < box.left - 1 && m.scrollLeft === 0;
    }).map(describe);
  const offscreen = [...document.querySelectorAll("article table.dlhw-checks th, " +
    "article table.dlhw-checks td:not(:first-child)")].filter((c) => {
      const box = c.getBoundingClientRect();
      return box.width > 0 && (box.right > width + 1 || box.left < -1);
    }).map((c) => c.textContent.trim().slice(0, 30));
  // figures drawn at 100 dpi with 9 pt text: below 72 % of their width the text is < 9 px
  const figures = "article .cell_output img, article figure > img[src$='.png']";
  const smallFigures = [...document.querySelectorAll(figures)].filter(
    (i) => i.naturalWidth && i.getBoundingClientRect().width < 0.72 * i.naturalWidth - 1
  ).map((i) => (i.alt || i.src).slice(0, 60));
  return {
    smallFigures,
    marked: document.documentElement.dataset.dlhwWideMarked === "1",
    pageScroll: document.documentElement.scrollWidth - width,
    uncued, clipped, cutLeft, offscreen,
  };
}
"""


@pytest.mark.browser_context_args(viewport=PHONE)
def test_a_chapter_reads_at_phone_width(page: Page, chapter: str) -> None:
    """At 390 px: no sideways page scroll; a wide block scrolls with a cue; tables fit.

    axe-core runs again at this width (the theme shows other controls on a phone: the
    header's menu buttons, the drawers), in the light theme; the first chapter is also
    checked in the dark one. Colours do not depend on the width, and the desktop test
    checks every chapter in both themes.
    """
    seen = visit(page, chapter)
    wait_for_math(page)
    page.wait_for_function("document.documentElement.dataset.dlhwWideMarked === '1'")
    page.wait_for_function("[...document.images].every((i) => i.complete)")
    page.wait_for_timeout(300)  # dlhw.js marks again after the images have loaded
    layout = page.evaluate(PHONE_LAYOUT)
    seen.settle()
    problems = []
    if layout["pageScroll"] > 1:
        problems.append(f"the page scrolls sideways by {layout['pageScroll']} px")
    problems += [f"wide block without a scroll cue: {t}" for t in layout["uncued"]]
    problems += [f"wide block clipped (does not scroll): {t}" for t in layout["clipped"]]
    problems += [f"formula cut off on the left: {t}" for t in layout["cutLeft"]]
    problems += [f"check-table cell off screen: {t}" for t in layout["offscreen"]]
    problems += [f"figure text below 9 px: {t}" for t in layout["smallFigures"]]
    target = SCREENSHOTS / "phone" / PurePosixPath(chapter).with_suffix(".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=False)
    problems += axe_problems(page, chapter, dark=chapter == _math_axe_page())
    assert not problems, f"{chapter} at {PHONE['width']} px:\n  " + "\n  ".join(problems[:20])


# Icons of the theme drawn as text by its web font: family, width and whether the font
# has loaded, for every visible <i class="fa-...">.
ICONS = """
async () => {
  await document.fonts.ready;
  return [...document.querySelectorAll("i[class*='fa-']")]
    .filter((i) => i.offsetParent !== null)
    .map((i) => {
      const style = getComputedStyle(i, "::before");
      const family = getComputedStyle(i).fontFamily;
      return {
        cls: i.className,
        width: i.getBoundingClientRect().width,
        content: style.content,
        loaded: document.fonts.check(`${getComputedStyle(i).fontWeight} 16px ${family}`),
      };
    });
}
"""


def test_icons_come_from_the_web_font_not_a_script(page: Page) -> None:
    """No 1.5 MB Font Awesome script: the theme's icons are drawn by its web font."""
    seen = visit(page, "index.html")
    icons = page.evaluate(ICONS)
    seen.settle()
    assert not [url for url in seen.requests if "fontawesome.js" in url]
    assert icons, "no visible icon on the page"
    broken = [i for i in icons if i["width"] == 0 or i["content"] in ("none", "normal", "")]
    broken += [i for i in icons if not i["loaded"]]
    assert not broken, broken


@pytest.mark.parametrize("term", ["gradient", "matrix"])
def test_search_ranks_chapters_first_and_shows_prose(page: Page, term: str) -> None:
    """Chapters come before the API reference; snippets hold no TeX source and no code."""
    seen = visit(page, f"search.html?q={term}")
    chapters = set(chapter_pages())
    results = page.locator("#search-results ul.search > li")
    expect(results.first).to_be_visible()
    page.wait_for_function(
        "document.querySelectorAll('#search-results ul.search > li p.context').length > 0"
    )
    page.wait_for_timeout(500)  # the snippets arrive one page at a time
    hrefs = [a.get_attribute("href") or "" for a in results.locator("> a").all()]
    snippets = [p.inner_text() for p in results.locator("p.context").all()]
    seen.settle()
    first_api = next((i for i, h in enumerate(hrefs) if h.startswith("api/")), len(hrefs))
    last_chapter = max(
        (i for i, h in enumerate(hrefs) if h.split("?")[0].split("#")[0] in chapters),
        default=-1,
    )
    assert last_chapter < first_api, hrefs
    raw = [s for s in snippets if re.search(r"\\[a-zA-Z(\[]|\$|def |import ", s)]
    assert not raw, raw[:3]


def test_the_book_pdf_is_offered_when_it_was_built(page: Page) -> None:
    """With ``nox -s pdf`` run first, every page's download menu links the book's PDF."""
    seen = visit(page, "index.html")
    page.wait_for_load_state("domcontentloaded")
    links = page.locator("a.dlhw-book-pdf")
    built = (SITE / "dlhw.pdf").exists()
    if not built:
        expect(links).to_have_count(0)  # no link to a file that is not there
        seen.settle()
        return
    expect(links).to_have_count(1)
    href = links.first.get_attribute("href") or ""
    response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + href)
    seen.settle()
    assert response.ok, href
    assert response.headers.get("content-type", "").startswith("application/pdf")
    assert response.body()[:5] == b"%PDF-"


def prose_words(html: str) -> int:
    """Count the words of prose in a page's article: no code, output, math or tables."""
    article = BeautifulSoup(html, "html.parser").select_one("article")
    if article is None:
        return 0
    for selector in NOT_PROSE:
        for element in article.select(selector):
            element.decompose()
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", article.get_text(" ")))


def test_prose_words_counts_text_only() -> None:
    """The count skips formulas, code cells and tables, and counts the sentence around them."""
    html = (
        "<article><p>One two <span class='math'>\\(a + b\\)</span> three.</p>"
        "<div class='cell'><pre>x = 1</pre></div><table><tr><td>cell</td></tr></table>"
        "<p>Reader’s four.</p></article>"
    )
    assert prose_words(html) == 5


def test_no_chapter_is_too_long_to_read_in_one_page(chapter: str) -> None:
    """Every chapter has at most MAX_PROSE_WORDS words of prose (long ones are split)."""
    words = prose_words((SITE / chapter).read_text())
    assert 0 < words <= MAX_PROSE_WORDS, f"{chapter}: {words:,} words of prose"
