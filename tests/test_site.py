"""The documentation site builds (``mkdocs build --strict``) and renders in headless Chromium.

Skipped where mkdocs (the ``docs`` extra) or Chromium (Debian's ``chromium``) is missing; CI
installs both (.ci/run). The site is served from 127.0.0.1 and driven through Chromium's
DevTools protocol over a websocket. For each main page: it loads with no console error and no
uncaught exception, every request stays on the local server (MathJax is served by the site,
never a CDN), every formula is typeset by MathJax without a TeX error, and every image has
loaded. The search finds a page. A screenshot of each page lands in ``site-screenshots/``
(gitignored; CI keeps it as an artifact) and its path is printed.
"""

from __future__ import annotations

import base64
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "site-screenshots"
CHROMIUM = next(
    (p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                 shutil.which("chromium-browser")) if p),
    None,
)  # fmt: skip

if os.environ.get("REQUIRE_SITE_CHECK") and CHROMIUM is None:  # CI: never a silent skip
    raise RuntimeError("REQUIRE_SITE_CHECK is set but Chromium is not installed")
if os.environ.get("REQUIRE_SITE_CHECK"):
    import mkdocs  # noqa: F401  (CI: an ImportError here fails the run)
    import websocket
else:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    websocket = pytest.importorskip("websocket", reason="websocket-client (docs extra) missing")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

# page -> (has math, has images): each main page of the nav
PAGES = {
    "index.html": (True, True),
    "install/index.html": (False, False),
    "quickstart/index.html": (True, False),
    "from_pytorch/index.html": (False, False),
    "from_micrograd/index.html": (True, False),
    "derivation/index.html": (True, False),
    "gradcheck/index.html": (False, True),
    "ops/index.html": (True, False),
    "gallery/index.html": (True, True),
    "notebooks/scalar_walkthrough/index.html": (True, True),
    "notebooks/gradcheck_experiment/index.html": (True, True),
    "api/tinygrad_mlp/index.html": (False, False),
}


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    out = Path(tempfile.mkdtemp(prefix="site-"))
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    yield out
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class Page:
    """One Chromium tab driven over the DevTools protocol: commands, and the events seen."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for: {expression}")

    def goto(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def errors(self) -> list[str]:
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params["exceptionDetails"].get("exception", params)))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(a.get("value", a)) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"{params['entry'].get('text')} ({params['entry'].get('url')})")
        return found

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    args = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "--window-size=1280,900", "about:blank",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, "Chromium exited at start"
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = json.load(resp)
        tab = next(t for t in targets if t["type"] == "page")
        p = Page(tab["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            p.send(f"{domain}.enable")
        yield p
        p.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


# typeset, and the web fonts it asked for loaded (a screenshot before that shows blank math)
MATH_DONE = (
    "window.MathJax && MathJax.startup && MathJax.startup.promise"
    ".then(() => document.fonts.ready).then(() => true)"
)
FONT_ERRORS = "[...document.fonts].filter(f => f.status === 'error').map(f => f.family)"
MATH_STATE = """(() => {
  const spans = [...document.querySelectorAll('.arithmatex')];
  return {
    formulas: spans.length,
    typeset: spans.filter(s => s.querySelector('mjx-container')).length,
    containers: document.querySelectorAll('mjx-container').length,
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
    // each glyph is drawn by a ::before rule; without its style the formula shows blank
    blank: [...document.querySelectorAll('mjx-c')].slice(0, 300)
      .filter(c => getComputedStyle(c, '::before').content === 'none').length,
    raw: spans.filter(s => !s.querySelector('mjx-container')).map(s => s.textContent).slice(0, 3),
  };
})()"""
# prose (not code, not typeset math) that still holds TeX delimiters or commands
LEAKED_TEX = r"""(() => {
  const article = document.querySelector('article').cloneNode(true);
  article.querySelectorAll('pre, code, mjx-container, script, .highlight').forEach(e => e.remove());
  const text = article.textContent;
  return ['$', '\\(', '\\[', '\\frac', '\\partial', '\\sum', '\\text']
    .filter(s => text.includes(s))
    .map(s => text.slice(Math.max(0, text.indexOf(s) - 40), text.indexOf(s) + 40));
})()"""
IMAGES = """[...document.querySelectorAll('article img')].map(
  i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}))"""


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders(path: str, server: str, page: Page) -> None:
    has_math, has_images = PAGES[path]
    page.goto(server + path)
    page.wait_for(MATH_DONE)
    time.sleep(0.5)  # fonts are requested at layout, after typesetting: let them start
    page.wait_for("document.fonts.ready.then(() => document.fonts.status === 'loaded')")
    math = page.evaluate(MATH_STATE)
    leaked = page.evaluate(LEAKED_TEX)
    assert not leaked, f"{path}: TeX shown as text (not typeset): {leaked}"
    if has_math:
        assert math["formulas"] > 0 and math["containers"] > 0, f"{path}: no formula typeset"
    assert math["typeset"] == math["formulas"], f"{path}: formulas left raw: {math['raw']}"
    assert not math["errors"], f"{path}: TeX errors: {math['errors']}"
    assert not math["blank"], f"{path}: {math['blank']} glyphs have no style (blank math)"
    assert not page.evaluate(FONT_ERRORS), f"{path}: fonts failed: {page.evaluate(FONT_ERRORS)}"
    images = page.evaluate(IMAGES)
    if has_images:
        assert images, f"{path}: no image"
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"{path}: images did not load: {broken}"
    time.sleep(0.3)  # let late console messages arrive
    page.evaluate("1")
    assert not page.errors(), f"{path}: console errors: {page.errors()}"
    outside = [u for u in page.requests() if not u.startswith((server, "data:", "blob:"))]
    assert not outside, f"{path}: requests leaving the site: {outside}"
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / (path.replace("/index.html", "").replace("/", "_").replace(".html", "") + ".png")
    page.screenshot(shot)
    print(f"screenshot: {shot}")


def test_search_finds_a_page(server: str, page: Page) -> None:
    page.goto(server + "?q=gradcheck")
    titles = page.wait_for(
        "[...document.querySelectorAll('.md-search-result__item')].map(e => e.textContent)"
        ".filter(t => t.length).slice(0, 50)",
        timeout=30,
    )
    assert any("gradient" in t.lower() or "gradcheck" in t.lower() for t in titles), titles
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(SHOTS / "search.png")
    print(f"screenshot: {SHOTS / 'search.png'}")
    assert not page.errors(), f"search: console errors: {page.errors()}"
