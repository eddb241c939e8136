"""The built HTML book, opened in a real browser (headless Chromium).

Reads the book from ``$BOOK_HTML`` (set by the Makefile; default ``_build/html``), serves it on
127.0.0.1 and checks every page of ``_toc.yml``: it renders (title, no error output, every image
and formula displayed, no failed request, nothing fetched from outside), every internal link and
anchor resolves, notebook pages have download, launch and copy buttons, and a search finds a
chapter. Screenshots go to ``$TEST_ARTIFACTS`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 30  # seconds any one condition may take before the test fails
# Console errors that are known and harmless: sphinx-thebe 0.3.1 under Jupyter Book 1 declares
# its (unused: thebe is off) configuration constant twice on every page; the theme reports the
# empty colour-mode setting of a fresh profile; the browser asks for a favicon the book lacks.
KNOWN_CONSOLE_ERRORS = re.compile(
    r"Identifier 'THEBE_JS_URL' has already been declared"
    r"|Got invalid theme mode: \. Resetting to auto"
    r"|/favicon\.ico - Failed to load resource"
)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@dataclass(frozen=True)
class TocPage:
    """One page of the table of contents: its source file and whether its part is numbered."""

    file: str
    numbered: bool

    @property
    def html(self) -> str:
        return self.file + ".html"


def built_pages() -> set[str]:
    """The pages in the built book's navigation (the table of contents it was built from)."""
    html = (BOOK / "index.html").read_text() if (BOOK / "index.html").is_file() else ""
    root = re.search(r'url=([^"]+)\.html', html)  # index.html redirects to the root page
    start = BOOK / (root.group(1) + ".html") if root else BOOK / "index.html"
    nav = start.read_text() if start.is_file() else ""
    nav = nav[nav.find("bd-docs-nav") :]
    links = re.findall(r'class="reference internal" href="([^"#]+)\.html"', nav)
    return {start.relative_to(BOOK).with_suffix("").as_posix(), *links}


def toc_pages() -> list[TocPage]:
    """Every page of _toc.yml that the built book has, in reading order.

    The book may have been built from an older _toc.yml than the one in the tree (others may
    add chapters while the tests run): the pages come from the build, their numbering from
    _toc.yml.
    """
    built = built_pages()
    return [p for p in _toc_entries() if p.file in built]


def _toc_entries() -> list[TocPage]:
    """Every page listed in _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [TocPage(toc["root"], False)]

    def walk(entries: list[dict[str, Any]], numbered: bool) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(TocPage(str(entry["file"]).removesuffix(".md"), numbered))
            walk(entry.get("sections", []), numbered)

    for part in toc.get("parts", []):
        walk(part.get("chapters", []), bool(part.get("numbered", False)))
    return pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if not (BOOK / "index.html").is_file():
        pytest.fail(f"no built book at {BOOK}: run `make book` (or set BOOK_HTML)")
    handler = functools.partial(_QuietHandler, directory=str(BOOK))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing: apt-get install chromium chromium-driver")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            # Only the local server resolves: a page that needs the network fails the test.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        browser.set_page_load_timeout(WAIT)
        try:
            yield browser
        finally:
            browser.quit()


@dataclass
class Visit:
    """What one rendered page holds."""

    url: str
    title: str
    h1: str
    ids: set[str]
    links: list[str]
    problems: list[str] = field(default_factory=list)


_PAGE_STATE_JS = """
const imgs = [...document.images];
const maths = [...document.querySelectorAll('.math')];
return {
  title: document.title,
  h1: (document.querySelector('article.bd-article h1') || {innerText: ''}).innerText,
  ids: [...document.querySelectorAll('[id]')].map(e => e.id)
       .concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0))
                    .map(i => i.getAttribute('src').slice(0, 80)),
  unrenderedMath: maths.filter(m => !m.querySelector('mjx-container')).length,
  mathErrors: document.querySelectorAll('mjx-merror').length,
  systemMessages: document.querySelectorAll('.system-message, .problematic').length,
  stderr: document.querySelectorAll('.output.stderr').length,
  strayTracebacks: [...document.querySelectorAll('.output.traceback')]
                    .filter(t => !t.closest('.tag_raises-exception')).length,
};
"""

_SETTLED_JS = """
if (document.readyState !== 'complete') return false;
if (![...document.images].every(i => i.complete)) return false;
const maths = [...document.querySelectorAll('.math')];
if (maths.length && !(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
return maths.every(m => m.querySelector('mjx-container'));
"""


def _wait(driver: Any, script: str, what: str) -> None:
    try:
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(script))
    except TimeoutException:
        pytest.fail(f"{driver.current_url}: timed out waiting for {what}")


def _screenshot_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path.removesuffix(".html")).strip("_") + ".png"


def _visit(driver: Any, url: str, *, screenshot: str | None = None) -> Visit:
    driver.get(url)
    _wait(driver, _SETTLED_JS, "the page, its images and its formulas")
    state = driver.execute_script(_PAGE_STATE_JS)
    visit = Visit(url, state["title"], state["h1"].strip(), set(state["ids"]), state["links"])
    checks = {
        "images that did not load": state["brokenImages"],
        "formulas MathJax did not render": state["unrenderedMath"],
        "formulas MathJax reports as errors": state["mathErrors"],
        "Sphinx system messages": state["systemMessages"],
        "stored stderr outputs": state["stderr"],
        "tracebacks outside cells tagged raises-exception": state["strayTracebacks"],
    }
    visit.problems += [f"{what}: {found}" for what, found in checks.items() if found]
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE" and not KNOWN_CONSOLE_ERRORS.search(entry["message"]):
            visit.problems.append(f"console: {entry['message'][:200]}")
    if screenshot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / screenshot))
    return visit


@pytest.fixture(scope="module")
def visits(driver: Any, base_url: str) -> dict[str, Visit]:
    """Every page of the table of contents, visited once (with a screenshot each)."""
    found = {}
    for page in toc_pages():
        found[page.html] = _visit(
            driver, urljoin(base_url, page.html), screenshot=_screenshot_name(page.html)
        )
    return found


def test_every_toc_page_renders(visits: dict[str, Visit]) -> None:
    problems = []
    for path, visit in visits.items():
        if not visit.title or not visit.h1:
            problems.append(f"{path}: no title or no heading (title={visit.title!r})")
        problems += [f"{path}: {p}" for p in visit.problems]
    assert not problems, "\n".join(problems)


def test_numbered_parts_show_numbers(visits: dict[str, Visit]) -> None:
    numbered = [p for p in toc_pages() if p.numbered]
    assert numbered, "no numbered part in _toc.yml"
    unnumbered = [p.html for p in numbered if not re.match(r"\d+(\.\d+)*\.?\s", visits[p.html].h1)]
    assert not unnumbered, f"pages without a chapter or section number: {unnumbered}"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_internal_links_and_anchors_resolve(
    driver: Any, base_url: str, visits: dict[str, Visit]
) -> None:
    by_url = {v.url: v for v in visits.values()}
    host = urlsplit(base_url).netloc
    broken = []
    targets: dict[str, set[str]] = {}
    sources: dict[str, str] = {}
    for path, visit in visits.items():
        for link in visit.links:
            if urlsplit(link).netloc != host:
                continue
            page, anchor = urldefrag(link)
            targets.setdefault(page, set())
            if anchor:
                targets[page].add(anchor)
            sources.setdefault(page, path)
    for page, anchors in sorted(targets.items()):
        if page.endswith(("/", ".html")):
            visit = by_url.get(page) or by_url.get(page + "index.html") or _visit(driver, page)
            if not visit.title:
                broken.append(f"{page} (linked from {sources[page]}): does not render")
            broken += [f"{page}#{a} (linked from {sources[page]})" for a in anchors - visit.ids]
        elif (status := _status(page)) != 200:
            broken.append(f"{page} (linked from {sources[page]}): HTTP {status}")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_notebook_pages_have_download_launch_and_copy_buttons(
    driver: Any, base_url: str, visits: dict[str, Visit]
) -> None:
    notebooks = [p for p in toc_pages() if (ROOT / (p.file + ".ipynb")).is_file()]
    assert notebooks, "no notebook in _toc.yml"
    missing = []
    for page in notebooks:
        driver.get(urljoin(base_url, page.html))
        _wait(driver, _SETTLED_JS, "the page")
        _wait(driver, "return document.querySelectorAll('button.copybtn').length > 0", "copy")
        links = set(visits[page.html].links)
        stem = page.file.rsplit("/", 1)[-1]
        wanted = {
            "download .ipynb": any(
                lnk.endswith(f"_sources/{page.file}.ipynb") for lnk in links
            ),
            "Binder": any("mybinder.org" in lnk and f"{stem}.ipynb" in lnk for lnk in links),
            "Colab": any("colab.research.google.com" in lnk for lnk in links),
        }
        missing += [f"{page.html}: {what}" for what, ok in wanted.items() if not ok]
    assert not missing, "missing buttons:\n" + "\n".join(missing)


def test_search_finds_a_chapter(driver: Any, base_url: str, visits: dict[str, Visit]) -> None:
    chapter = next(p for p in toc_pages() if p.numbered)
    title = re.sub(r"^[\d.]+\s*", "", visits[chapter.html].h1)
    word = max(re.findall(r"[A-Za-z]{4,}", title), key=len)
    driver.get(urljoin(base_url, f"search.html?q={quote(word)}"))
    _wait(
        driver,
        "return document.querySelectorAll('#search-results ul.search li a').length > 0",
        f"search results for {word!r}",
    )
    hits = [
        a.get_attribute("href")
        for a in driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "search.png"))
    assert any(urldefrag(h)[0].endswith(chapter.html) for h in hits), (word, hits)
