"""Every page the browser journeys open is checked once per route: axe-core finds no serious or
critical accessibility violation, and the page does not scroll sideways at 1366 px.

How: each journey's browser context reports the HTML of every page it loads (a binding called
by an init script once the page's own scripts have run; the Python side only stores it, so the
journey is not slowed or raced). After the test, each new route's page is shown again in a
separate context at 1366 px (the stored HTML written into a page of the app's origin, so the
app's styles load from the live server; scripts left out since their work is in the HTML
already) and checked there. One check per route (/cases/12 and /cases/7 are the same
template), for the whole run: `pytest_terminal_summary` prints how many routes were checked, and
test-artifacts/page-checks.json lists them."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
# The page tells the journey's context its address and HTML once its own scripts have run.
INIT_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => setTimeout(() => {
  if (window.top === window && window.__pageLoaded)
    window.__pageLoaded(location.href, document.documentElement.outerHTML);
}, 0));
"""
AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"]}
SIDEWAYS_JS = """() => {
  const el = document.scrollingElement;
  if (el.scrollWidth <= el.clientWidth) return null;
  // The outermost elements that reach past the window's edge, to say what stretches the page.
  const past = e => e.getBoundingClientRect().right > el.clientWidth + 1;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => past(e) && !past(e.parentElement))
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  return {scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, wide};
}"""


def route_of(url: str) -> str:
    """/cases/12/steps/new and /cases/7/steps/new are one route; the query is left out."""
    return re.sub(r"/[^/]*\d[^/]*", "/N", urlsplit(url).path) or "/"


def sideways(page) -> dict | None:
    """None when the page does not scroll sideways, else its widths and widest elements."""
    return page.evaluate(SIDEWAYS_JS)


def axe_problems(page) -> list[str]:
    """The page's serious and critical axe-core violations, one line per rule (axe-core added
    to the page unless it has it already)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.axe_script)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@dataclass
class PageChecks:
    """The routes met in the run, those waiting for their check, and what the checks found."""

    seen: set[str] = field(default_factory=set)
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # (route, url, html)
    checked: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"page checks (axe-core serious/critical, no sideways scroll at 1366 px): "
            f"{len(self.checked)} routes checked in {self.seconds:.1f} s"
        )

    def save(self, path) -> None:
        path.write_text(
            json.dumps({"routes": len(self.checked), "seconds": round(self.seconds, 1),
                        "checked": sorted(self.checked)}, indent=2)
        )  # fmt: skip

    def watch(self, context) -> None:
        context.expose_binding("__pageLoaded", self._loaded)
        context.add_init_script(INIT_SCRIPT)

    def _loaded(self, source, url: str, html: str) -> None:
        route = route_of(url)
        if url.startswith("http") and route not in self.seen:
            self.seen.add(route)
            self.pending.append((route, url.split("#")[0], html))

    def check_pending(self, browser) -> list[str]:
        """Check the routes met since the last call; the problems found, one line each."""
        if not self.pending:
            return []
        started = time.monotonic()
        pending, self.pending = self.pending, []
        problems: list[str] = []
        # One page for all: an empty page of the app's origin gets axe-core once, then shows each
        # stored HTML in turn (document.write keeps the window, and axe with it); its addresses
        # are the origin's, so the app's styles load from the live server.
        context = browser.new_context(viewport=WIDE, bypass_csp=True)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            blank = urljoin(pending[0][1], "/__page-check__")
            page.route(blank, lambda route: route.fulfill(content_type="text/html", body=""))
            page.goto(blank)
            for route, _url, html in pending:
                page.set_content(SCRIPT_RE.sub("", html))
                problems += [f"{route}: {p}" for p in axe_problems(page)]
                wide = sideways(page)
                if wide:
                    problems.append(f"{route}: scrolls sideways at 1366 px: {wide}")
                self.checked.append(route)
        finally:
            context.close()
            self.seconds += time.monotonic() - started
        return problems


PAGE_CHECKS = PageChecks()
