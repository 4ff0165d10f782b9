"""Test fixtures: a migrated database (SQLite, or PostgreSQL when
COMPLAINTS_TEST_DATABASE_URL is set), one rolled-back transaction per test, and login helpers."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm
from flask import g, has_app_context
from flask.testing import FlaskClient

from complaints import create_app
from complaints.extensions import db as _db

from . import factories

PG_URL = os.environ.get("COMPLAINTS_TEST_DATABASE_URL")
if os.environ.get("COMPLAINTS_REQUIRE_POSTGRES") and not PG_URL:
    raise RuntimeError("COMPLAINTS_REQUIRE_POSTGRES is set but COMPLAINTS_TEST_DATABASE_URL is not")
# The day the tests live on unless they choose another (core/clock.py reads TODAY).
DEFAULT_TODAY = date(2026, 6, 30)
# The audit key of every test app (and of the live servers, tests/live_servers.py): kept out of
# the database, as in production; the anchor file lives in the test's own folder.
TEST_AUDIT_KEY = "test-audit-key-kept-outside-the-database"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request starts with an empty `g`, as each request has its own app context in
    production: the test's outer app context would otherwise carry the last user loaded by
    Flask-Login (and the CSRF token) from one client into the next."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


def app_config(tmp_dir: Path, url: str, **extra) -> dict:
    """The configuration of a test application on the database `url`, its files in tmp_dir."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": TEST_AUDIT_KEY,
        "AUDIT_ANCHOR_FILE": str(tmp_dir / "audit-anchor.json"),
        "SQLALCHEMY_DATABASE_URI": url,
        "ATTACHMENT_DIR": str(tmp_dir / "attachments"),
        "REGISTER_IMPORT_DIR": str(tmp_dir / "imports"),
        "SERVER_NAME": None,
        **extra,
    }


def make_app(tmp_dir: Path, database_url: str | None = None, **extra):
    """A fresh, migrated application on its own database."""
    from flask_migrate import upgrade

    url = database_url or f"sqlite:///{tmp_dir / 'test.db'}"
    if url.startswith("postgresql"):
        _reset_postgres(url)
    app = create_app(app_config(tmp_dir, url, **extra))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("db"), PG_URL)
    yield app
    dispose(app)


def dispose(app) -> None:
    """Close the app's pooled connections: left to the garbage collector, psycopg warns."""
    with app.app_context():
        _db.engine.dispose()


@contextmanager
def bound_session(connection):
    """The app's session bound to `connection`: its commits are savepoints inside the
    connection's transaction, which the fixture rolls back."""
    original = _db.session
    # A plain Session bound to the connection: Flask-SQLAlchemy's own Session ignores
    # `bind` and picks the engine, which would escape the test's transaction.
    _db.session = sa.orm.scoped_session(
        sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    factories.bind(_db.session)
    try:
        yield _db
    finally:
        _db.session.remove()
        _db.session = original


@pytest.fixture(scope="module")
def module_connection(app):
    """One connection whose transaction lasts the module: data costly to build (the demo
    province) is built into it once by a module fixture, and every test of the module runs in
    a savepoint of it that is rolled back (see `db`). A module that uses it takes it for all its
    tests (pytestmark), so that no other connection waits on its open transaction."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()
            connection.close()


@pytest.fixture()
def db(app, request):
    """The database inside one transaction that is rolled back after the test (inside a
    savepoint of the module's transaction when the module shares one: module_connection)."""
    shared = "module_connection" in request.fixturenames
    with app.app_context():
        if shared:
            connection = request.getfixturevalue("module_connection")
            transaction = connection.begin_nested()
        else:
            connection = _db.engine.connect()
            transaction = connection.begin()
        try:
            with bound_session(connection) as bound:
                yield bound
        finally:
            if transaction.is_active:
                transaction.rollback()
            if not shared:
                connection.close()


@pytest.fixture()
def set_today(app, monkeypatch):
    """Fix the app's one clock (core/clock.py) on a day; call it again to move the day."""

    def _set(day: date) -> date:
        monkeypatch.setitem(app.config, "TODAY", day.isoformat())
        return day

    return _set


@pytest.fixture()
def today(set_today) -> date:
    """Every page, operation and API answer of the test runs on 30/06/2026."""
    return set_today(DEFAULT_TODAY)


@pytest.fixture()
def client(app, db):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def prints_on_a4(ws, *, landscape: bool, title_rows: str | None) -> None:
    """A worksheet the app wrote prints on A4 in its orientation, its columns fitted to the
    page's width, its header rows (e.g. "$1:$1") repeated on every page (core/sheets.py)."""
    assert str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == title_rows


class WebUser:
    """A test client that behaves like a user: GET a form, then POST it with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post_form(self, url, data, *, form_url=None, **kw):
        page = self.client.get(form_url or url)
        assert page.status_code == 200, (page.status_code, form_url or url)
        payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
        return self.client.post(url, data=payload, **kw)

    def login(self, user, password=factories.PASSWORD):
        resp = self.post_form("/login", {"username": user.username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return user

    def logout(self):
        page = self.client.get("/", follow_redirects=True)
        token = csrf_from(page.get_data(as_text=True)) if page.status_code == 200 else ""
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture()
def web(client):
    return WebUser(client)


@pytest.fixture()
def province(db):
    """A small province: the province, its inspectorate, a department and two communes."""
    return factories.province_tree()


@pytest.fixture()
def login_as(web, province):
    """Log in a fresh user of the given unit (default: the province) with the given roles."""

    def _login(*roles, unit=None):
        user = factories.UserFactory(unit=unit or province["province"], roles=roles)
        web.login(user)
        return user

    return _login
