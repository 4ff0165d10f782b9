"""Browser journeys: the app served on 127.0.0.1 by a real server thread, driven by the system
Chromium through pytest-playwright. Each module gets its own freshly migrated database."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

from tests.conftest import dispose, make_app
from tests.e2e.page_checks import PAGE_CHECKS, PageChecks

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = not shutil.which(CHROMIUM)
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                if os.environ.get("COMPLAINTS_REQUIRE_BROWSER"):
                    # CI must fail, not skip, when the browser journeys cannot run.
                    raise pytest.UsageError(
                        f"COMPLAINTS_REQUIRE_BROWSER is set but {CHROMIUM} is missing"
                    )
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "timeout": 30_000,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """A migrated app on its own database (PostgreSQL when configured, else SQLite)."""
    app = make_app(tmp_path_factory.mktemp("live"), os.environ.get("COMPLAINTS_TEST_DATABASE_URL"))
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        # The server's pooled connections, closed once it stopped: on PostgreSQL a connection
        # left to the garbage collector is a ResourceWarning, an error here.
        dispose(live_app)


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def page_checks() -> PageChecks:
    return PAGE_CHECKS


@pytest.fixture()
def context(context, browser, page_checks):
    """Every page the test opens is checked after it (tests/e2e/page_checks.py): axe-core and
    no sideways scroll at 1366 px, once per route for the whole run."""
    page_checks.watch(context)
    yield context
    problems = page_checks.check_pending(browser)
    assert not problems, "\n".join(problems)


def pytest_terminal_summary(terminalreporter):
    if PAGE_CHECKS.checked:
        terminalreporter.write_line(PAGE_CHECKS.summary())
        ARTIFACTS.mkdir(exist_ok=True)
        PAGE_CHECKS.save(ARTIFACTS / "page-checks.json")


@pytest.fixture()
def page(page):
    page.set_default_timeout(15_000)
    return page


@pytest.fixture()
def log_in(page, base_url):
    """Log in through the login page as a user would, and wait for the landing page; with
    `full_name`, check the header names the user."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    def _log_in(username: str, full_name: str | None = None, password: str = PASSWORD) -> None:
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(lambda url: "/login" not in url)
        if full_name:
            expect(page.locator(".who")).to_contain_text(full_name)

    return _log_in


def watch_errors(page) -> list[str]:
    """Failed requests (the browser's own favicon aside) and refused scripts or styles."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return errors


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- steps the journeys share -------------------------------------------------------------


def log_out(page: Page) -> None:
    from playwright.sync_api import expect

    page.locator("header .who summary").click()  # the user's menu holds "Đăng xuất"
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator(".flash-info")).to_have_text("Bạn đã đăng xuất khỏi mọi thiết bị.")


def case_step(page: Page, button: str, on: str, *, doc_no: str = "", **labelled: str) -> None:
    """Take one step from the case page: its button, then its form (fields by their labels)."""
    from playwright.sync_api import expect

    page.locator("#actions").get_by_role("link", name=button, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(button)
    page.get_by_label("Ngày (của văn bản, của bước)").fill(on)
    if doc_no:
        page.get_by_label("Số văn bản", exact=True).fill(doc_no)
    for label, value in labelled.items():
        field = page.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.get_by_role("button", name=f"Ghi nhận: {button}").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã ghi nhận: {button}")
