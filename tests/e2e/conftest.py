"""Browser journeys: the app served on 127.0.0.1 by a real server thread, driven by the system
Chromium through pytest-playwright. Each module gets its own freshly migrated database."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import dispose, make_app

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


@pytest.fixture(scope="module")
def base_url(live_server):
    return live_server


@pytest.fixture()
def page(page):
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
