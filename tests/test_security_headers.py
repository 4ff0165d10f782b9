"""Security headers on every response, cookie flags, and templates that keep working under the
Content-Security-Policy (no inline script, handler or style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import request

from complaints import create_app
from complaints.core.access import Role
from complaints.security import CSP

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# What the CSP forbids in markup: inline scripts, event handler attributes, style attributes and
# blocks, javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER_ATTR = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
JS_URL = re.compile(r"javascript:", re.I)
FORBIDDEN = {
    "inline <script>": INLINE_SCRIPT,
    "on*= handler": HANDLER_ATTR,
    "style= attribute": STYLE_ATTR,
    "<style> block": STYLE_BLOCK,
    "javascript: URL": JS_URL,
}
PAGES = [
    "/",
    "/reception/sessions",
    "/reception/sessions/new",
    "/reception/log",
    "/petitions/",
    "/petitions/new",
    "/petitions/search",
    "/cases/",
    "/cases/process",
    "/cases/overdue",
    "/cases/calendar",
    "/dashboard/",
    "/obligations/",
    "/reports/",
    "/admin/units",
    "/admin/users",
    "/admin/users/new",
]


def csp_directives(value: str) -> dict[str, list[str]]:
    return {
        name: rest for name, *rest in (part.split() for part in value.split(";") if part.strip())
    }


def test_policy_allows_no_inline_script_or_style():
    d = csp_directives(CSP)
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'"] and d["style-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_nothing_the_csp_would_block(template):
    text = template.read_text(encoding="utf-8")
    found = [
        f"{what}: {m.group(0)!r} (line {text.count(chr(10), 0, m.start()) + 1})"
        for what, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]
    assert not found, f"{template.relative_to(TEMPLATES)}: {found}"


def assert_security_headers(resp):
    h = resp.headers
    assert h["Content-Security-Policy"] == CSP
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert "camera=()" in h["Permissions-Policy"] and "geolocation=()" in h["Permissions-Policy"]


def test_every_kind_of_response_carries_the_headers(client, login_as):
    for resp in (
        client.get("/login"),
        client.get("/khong-co-trang-nay"),
        client.get("/api/v1/khong-co"),
        client.get("/static/css/app.css"),
        client.post("/logout"),  # CSRF refusal
    ):
        assert_security_headers(resp)
        resp.close()


def test_pages_with_data_are_never_cached_but_static_files_may_be(client, login_as):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/khong-co-trang-nay").headers["Cache-Control"] == "no-store"
    login_as(Role.leader)
    assert client.get("/petitions/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_rendered_pages_have_nothing_the_csp_would_block(client, login_as, province):
    login_as(*Role, unit=province["province"])
    checked = 0
    for url in PAGES:
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, url
        assert_security_headers(resp)
        assert resp.headers["Cache-Control"] == "no-store", url
        html = resp.get_data(as_text=True)
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(html)
            assert match is None, f"{url}: {what} {match and match.group(0)!r}"
        checked += 1
    assert checked == len(PAGES)


# --- cookies and HTTPS --------------------------------------------------------------------


@pytest.fixture()
def bare_app(tmp_path, monkeypatch):
    """The app without a migrated database (enough for the login form and the headers), built
    from the defaults alone: no developer's instance/config.py or COMPLAINTS_HTTPS."""
    monkeypatch.setenv("COMPLAINTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMPLAINTS_HTTPS", raising=False)
    monkeypatch.delenv("COMPLAINTS_PROXY_COUNT", raising=False)

    def build(**config):
        return create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'none.db'}",
                "ATTACHMENT_DIR": str(tmp_path / "att"),
                **config,
            }
        )

    return build


def session_cookie(resp) -> str:
    (cookie,) = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_https_deployment_sends_secure_cookies_and_hsts(bare_app):
    app = bare_app(HTTPS=True)
    resp = app.test_client().get("/login")
    cookie = session_cookie(resp)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_https_is_the_default(bare_app):
    assert bare_app().config["SESSION_COOKIE_SECURE"] is True


def test_plain_http_for_make_run_drops_only_secure_and_hsts(bare_app, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_HTTPS", "false")  # what `make run` sets
    app = bare_app()
    resp = app.test_client().get("/login")
    cookie = session_cookie(resp)
    assert "Secure" not in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in resp.headers
    assert_security_headers(resp)


def test_make_run_serves_plain_http_without_secure_cookies():
    makefile = (TEMPLATES.parent / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "COMPLAINTS_HTTPS=false" in run


@pytest.mark.parametrize(("proxies", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.5")])
def test_client_address_comes_from_the_proxy_only_when_configured(bare_app, proxies, expected):
    app = bare_app(PROXY_COUNT=proxies)
    app.add_url_rule("/_addr", "addr", lambda: request.remote_addr or "")
    resp = app.test_client().get(
        "/_addr",
        headers={"X-Forwarded-For": "203.0.113.5"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert resp.get_data(as_text=True) == expected
