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
import json
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
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
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
    """Every page of _toc.yml, in reading order (the book must have been built from it)."""
    return _toc_entries()


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
            "--window-size=1280,900",  # a laptop window
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
    overflowing: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    outputs: int = 0
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
  // code and output blocks a reader would have to scroll sideways
  overflowing: [...document.querySelectorAll('article pre')]
                 .filter(b => b.scrollWidth > b.clientWidth + 1)
                 .map(b => b.innerText.split('\\n')
                            .reduce((a, l) => l.length > a.length ? l : a, '').slice(0, 100)),
  headings: [...document.querySelectorAll('article h1, article h2, article h3')]
              .map(h => h.innerText.replace(/#$/, '').trim()),
  outputs: [...document.querySelectorAll('div.cell_output')]
             .reduce((n, o) => n + o.children.length, 0),
  blankImages: imgs.filter(i => {
      if (!i.naturalWidth) return false;
      const c = document.createElement('canvas');
      c.width = i.naturalWidth; c.height = i.naturalHeight;
      const ctx = c.getContext('2d'); ctx.drawImage(i, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let k = 4; k < d.length; k += 4)
        for (let j = 0; j < 4; j++) if (d[k + j] !== d[j]) return false;
      return true;
    }).map(i => i.getAttribute('src').slice(0, 80)),
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
    visit = Visit(
        url,
        state["title"],
        state["h1"].strip(),
        set(state["ids"]),
        state["links"],
        state["overflowing"],
        state["headings"],
        state["outputs"],
    )
    checks = {
        "images that did not load": state["brokenImages"],
        "images of a single colour": state["blankImages"],
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
        repo = _repository()
        owner_name = urlsplit(repo["url"]).path.strip("/")
        notebook = f"{page.file}.ipynb"
        binder = (
            f"https://mybinder.org/v2/gh/{owner_name}/{repo['branch']}?urlpath=lab/tree/{notebook}"
        )
        colab = (
            f"https://colab.research.google.com/github/{owner_name}/blob/"
            f"{repo['branch']}/{notebook}"
        )
        wanted = {
            "download .ipynb": any(lnk.endswith(f"_sources/{notebook}") for lnk in links),
            f"Binder link {binder}": binder in links,
            f"Colab link {colab}": colab in links,
        }
        missing += [f"{page.html}: {what}" for what, ok in wanted.items() if not ok]
    assert not missing, "missing buttons:\n" + "\n".join(missing)


def _repository() -> dict[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo: dict[str, str] = config["repository"]
    return repo


def _first_sentence_words(driver: Any, url: str) -> list[str]:
    driver.get(url)
    text = driver.execute_script(
        "const p = document.querySelector('article.bd-article section p');"
        "return p ? p.innerText : '';"
    )
    return re.findall(r"[A-Za-z]{5,}", text)[:4]


def test_search_finds_each_chapter(driver: Any, base_url: str, visits: dict[str, Visit]) -> None:
    """The built search finds every chapter by a phrase from its first paragraph."""
    chapters = [p for p in toc_pages() if p.numbered and _is_chapter(p)]
    assert chapters
    lost = []
    for chapter in chapters:
        words = _first_sentence_words(driver, urljoin(base_url, chapter.html))
        assert words, f"{chapter.html}: no first paragraph"
        driver.get(urljoin(base_url, f"search.html?q={quote(' '.join(words))}"))
        # Sphinx shows the hits one by one; its summary line changes when all are shown.
        _wait(
            driver,
            "const s = document.querySelector('#search-results p.search-summary');"
            "return s !== null && /Search finished|did not match/.test(s.innerText);",
            f"search results for {words}",
        )
        hits = [
            urldefrag(a.get_attribute("href"))[0]
            for a in driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")
        ]
        folder = chapter.file.rsplit("/", 1)[0] + "/"
        if not any(folder in h for h in hits):
            lost.append(f"{chapter.html}: {' '.join(words)!r} found {hits[:5]}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "search.png"))
    assert not lost, "\n".join(lost)


def test_navigation_equals_the_table_of_contents() -> None:
    """A page listed in _toc.yml but missing from the built navigation fails, and so does
    a built page that _toc.yml does not list."""
    listed = {p.file for p in _toc_entries()}
    built = built_pages()
    assert listed == built, {"not built": listed - built, "not in _toc.yml": built - listed}


def _number(heading: str) -> tuple[int, ...] | None:
    match = re.match(r"(\d+(?:\.\d+)*)\.?\s", heading)
    return tuple(int(n) for n in match.group(1).split(".")) if match else None


def test_pages_are_numbered_in_reading_order(visits: dict[str, Visit]) -> None:
    """Chapters count 1, 2, 3 and a chapter's pages N.1, N.2, ... in the order they are read."""
    numbers = [(p.html, _number(visits[p.html].h1)) for p in toc_pages() if p.numbered]
    expected: list[tuple[int, ...]] = []
    for page in toc_pages():
        if not page.numbered:
            continue
        depth = 1 if not expected or _is_chapter(page) else 2
        if depth == 1:
            expected.append((expected[-1][0] + 1,) if expected else (1,))
        else:
            last = expected[-1]
            expected.append((last[0], last[1] + 1) if len(last) == 2 else (last[0], 1))
    wrong = [
        f"{html}: numbered {got}, expected {want}"
        for (html, got), want in zip(numbers, expected, strict=True)
        if got != want
    ]
    assert not wrong, "\n".join(wrong)


def _is_chapter(page: TocPage) -> bool:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = {
        str(c["file"]).removesuffix(".md")
        for part in toc.get("parts", [])
        for c in part.get("chapters", [])
    }
    return page.file in chapters


def test_headings_carry_one_number(visits: dict[str, Visit]) -> None:
    """The book numbers the headings; a heading must not carry a number of its own."""
    doubled = [
        f"{path}: {h!r}"
        for path, visit in visits.items()
        for h in visit.headings
        if re.match(r"\d+[.)]\s", re.sub(r"^\d+(\.\d+)*\.?\s+", "", h))
    ]
    assert not doubled, "headings numbered twice:\n" + "\n".join(doubled)


def test_nothing_scrolls_sideways_at_laptop_width(visits: dict[str, Visit]) -> None:
    """At 1280x900 every code and output block fits its box: outputs wrap, code fits."""
    cut = [f"{path}: {line!r}" for path, v in visits.items() for line in v.overflowing]
    assert not cut, f"{len(cut)} blocks scroll sideways at 1280 px:\n" + "\n".join(cut)


def _stored_outputs(notebook: Path) -> int:
    nb = json.loads(notebook.read_text())
    return sum(len(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_pages_show_every_stored_output(visits: dict[str, Visit]) -> None:
    """Each notebook page shows as many outputs as its .ipynb stores, and it stores some."""
    wrong = []
    for page in toc_pages():
        notebook = ROOT / (page.file + ".ipynb")
        if not notebook.is_file():
            continue
        stored = _stored_outputs(notebook)
        shown = visits[page.html].outputs
        if stored == 0 or shown != stored:
            wrong.append(f"{page.html}: {shown} outputs shown, {stored} stored")
    assert not wrong, "\n".join(wrong)


_PHONE_JS = """
const vw = document.documentElement.clientWidth;
function clipped(e) {
  for (let a = e.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= vw + 1)
      return true;
  }
  return false;
}
const wide = [...document.querySelectorAll('article *')].filter(e =>
  !e.closest('pre') && !e.closest('mjx-assistive-mml') &&
  e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > vw + 1 &&
  !clipped(e));
return {
  dark: document.documentElement.dataset.theme === 'dark',
  pageWidth: document.documentElement.scrollWidth,
  viewport: vw,
  wide: wide.filter(e => !wide.includes(e.parentElement))
            .map(e => e.tagName.toLowerCase() + ': ' + (e.innerText || '').slice(0, 60)),
  transparentImages: [...document.querySelectorAll('article img')].filter(i => {
      if (getComputedStyle(i).backgroundColor === 'rgb(255, 255, 255)') return false;
      const c = document.createElement('canvas');
      c.width = i.naturalWidth; c.height = i.naturalHeight;
      const ctx = c.getContext('2d'); ctx.drawImage(i, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let k = 3; k < d.length; k += 4) if (d[k] < 255) return true;
      return false;
    }).map(i => i.getAttribute('src').slice(0, 80)),
  lowContrast: [...document.querySelectorAll(
      'article p, article td, article th, article li, article .admonition-title, article pre')]
    .filter(e => e.innerText.trim()).map(e => {
      const rgb = s => s.match(/[\\d.]+/g).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((a, v, k) => a + v * [0.2126, 0.7152, 0.0722][k], 0);
      let bg = null;
      for (let a = e; a && !bg; a = a.parentElement) {
        const c = rgb(getComputedStyle(a).backgroundColor);
        if (c.length < 4 || c[3] > 0) bg = c;
      }
      const l1 = lum(rgb(getComputedStyle(e).color)), l2 = lum(bg || [255, 255, 255]);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      return [ratio, e.tagName.toLowerCase() + ': ' + e.innerText.slice(0, 40)];
    }).filter(([ratio]) => ratio < 4.5).map(([r, what]) => r.toFixed(1) + ' ' + what),
};
"""


def test_phone_width_in_dark_mode(driver: Any, base_url: str) -> None:
    """At 390 px (a phone) in dark mode: nothing but code blocks is wider than the screen,
    every figure is opaque, and text in prose, tables and admonitions keeps its contrast."""
    driver.get(urljoin(base_url, "index.html"))
    driver.execute_script(
        "localStorage.setItem('theme', 'dark'); localStorage.setItem('mode', 'dark');"
    )
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    problems = []
    try:
        for page in toc_pages():
            driver.get(urljoin(base_url, page.html))
            _wait(driver, _SETTLED_JS, "the page, its images and its formulas")
            state = driver.execute_script(_PHONE_JS)
            if not state["dark"]:
                problems.append(f"{page.html}: not in dark mode")
            if state["pageWidth"] > state["viewport"]:
                problems.append(f"{page.html}: page {state['pageWidth']} px wide")
            problems += [f"{page.html}: wider than the screen: {w}" for w in state["wide"]]
            problems += [f"{page.html}: transparent image {i}" for i in state["transparentImages"]]
            problems += [f"{page.html}: low contrast {c}" for c in state["lowContrast"]]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(ARTIFACTS / ("phone_dark_" + _screenshot_name(page.html))))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_script("localStorage.clear()")
    assert not problems, "\n".join(problems)
