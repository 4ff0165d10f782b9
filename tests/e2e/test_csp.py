"""The app keeps working under its Content-Security-Policy: Chromium opens every kind of page
(one per route, found by following the links from the home page as a user holding every role,
on the demo province) and the test fails on any console error that names the Content Security
Policy (an inline script, handler or style the browser refused), or any script error."""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from complaints.core.access import Role
from complaints.extensions import db

PASSWORD = "mat-khau-csp-1"
MAX_PAGES = 80
SKIP = re.compile(r"\.(xlsx|docx|json|pdf|png|jpg|tif)$|/attachments/|[?&]format=|/logout")


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    return {"base_url": base_url, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def everyone(live_app) -> str:
    """The demo province and one account holding every role at the province."""
    from complaints.auth.operations import create_user
    from complaints.demo import seed_demo
    from complaints.units.models import Unit

    with live_app.app_context():
        seed_demo(today=date(2026, 6, 20), months=1)
        hp = db.session.query(Unit).filter_by(code="HP").one()
        create_user(
            None, username="moivaitro", full_name="Cán bộ Mọi Vai Trò", unit=hp,
            roles=[r.value for r in Role], password=PASSWORD,
        )  # fmt: skip
        db.session.commit()
    return "moivaitro"


class Console:
    """Console errors and uncaught script errors of a page, as the browser reports them."""

    def __init__(self, page: Page):
        self.csp: list[str] = []
        self.script: list[str] = []
        self.url = ""
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.script.append(f"{self.url}: {e}"))

    def _console(self, msg) -> None:
        if msg.type == "error" and "Content Security Policy" in msg.text:
            self.csp.append(f"{self.url}: {msg.text}")


def route_of(path: str) -> str:
    """One page per route: /petitions/12/edit and /petitions/7/edit are the same template."""
    return re.sub(r"\d+", "N", path)


def test_no_page_breaks_the_content_security_policy(
    page: Page, base_url, everyone, artifacts, log_in
):
    console = Console(page)
    console.url = "/login"
    log_in(everyone, password=PASSWORD)
    queue, seen, visited = deque(["/"]), {route_of("/")}, []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        console.url = path
        try:
            response = page.goto(f"{base_url}{path}")
        except PlaywrightError as e:
            if "Download is starting" in str(e):
                continue
            raise
        assert response is not None and response.status < 500, (path, response and response.status)
        visited.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base_url:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(target) or route_of(parts.path) in seen:
                continue
            seen.add(route_of(parts.path))
            queue.append(target)
    assert len(visited) >= 25, visited  # the crawl really went through the app
    (artifacts / "assurance-csp.json").write_text(
        json.dumps({"pages": len(visited), "routes_seen": len(seen), "visited": visited}, indent=2)
    )
    assert not console.csp, "\n".join(console.csp)
    assert not console.script, "\n".join(console.script)


def test_a_violation_would_be_seen(page: Page, base_url):
    """The check itself works: an inline script added to a page is refused and reported."""
    page.goto(f"{base_url}/login")
    with page.expect_console_message(
        lambda m: m.type == "error" and "Content Security Policy" in m.text
    ) as message:
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }"
        )
    assert "script-src" in message.value.text
    assert page.evaluate("() => window.inlineRan === undefined")
