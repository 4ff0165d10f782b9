"""API tokens: created (command line and admin page), used, expired, revoked; the session
cookie may read but never write; every refusal is JSON with a Vietnamese message."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.api.models import ApiToken
from complaints.api.tokens import TOKEN_PREFIX, hash_token
from complaints.core.access import Role
from complaints.core.audit import AuditEvent

from . import api_v1_support as support
from .api_v1_support import Api, error_of, ok, token_for, user
from .conftest import csrf_from

# Fixtures shared by the API tests.
api = support.api


@pytest.fixture()
def officer(db, province):
    return user(province["province"], Role.reception_officer, Role.petition_handler)


def test_a_token_acts_as_its_user(api, officer):
    secret = token_for(officer)
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    me = ok(api.get("/me", token=secret))
    assert (me["username"], me["unit"], me["auth"]) == (officer.username, "HP", "token")
    assert set(me["roles"]) == {"reception_officer", "petition_handler"}
    assert "petition.register" in me["permissions"] and "case.assign" not in me["permissions"]
    assert me["token_prefix"] == secret[:12] and me["can_see_denouncer"] is True


def test_only_the_hash_is_stored_and_use_is_recorded(api, officer, db):
    secret = token_for(officer)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == officer.id))
    assert row.token_hash == hash_token(secret) and secret not in (row.prefix + row.token_hash)
    assert row.last_used_at is None
    ok(api.get("/me", token=secret))
    db.session.expire_all()
    first = db.session.get(ApiToken, row.id).last_used_at
    assert first is not None
    ok(api.get("/me", token=secret))  # within a minute: not written again
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == first
    created = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "api_token.created"))
    assert secret not in str(created.after) and row.token_hash not in str(created.after)


def test_an_expired_token_is_refused_from_the_day_after(api, app, officer, monkeypatch):
    secret = token_for(officer, expires_on=date(2026, 7, 1))
    ok(api.get("/me", token=secret))
    monkeypatch.setitem(app.config, "TODAY", "2026-07-01")
    ok(api.get("/me", token=secret))
    monkeypatch.setitem(app.config, "TODAY", "2026-07-02")
    resp = api.get("/me", token=secret)
    assert "hết hạn" in error_of(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(api, officer, db):
    from complaints.api.tokens import revoke_token

    secret = token_for(officer)
    ok(api.get("/me", token=secret))
    revoke_token(None, db.session.scalar(sa.select(ApiToken)))
    assert "thu hồi" in error_of(api.get("/me", token=secret), 401)


def test_a_locked_account_locks_its_tokens(api, officer, db):
    secret = token_for(officer)
    officer.active = False
    db.session.flush()
    assert "khóa" in error_of(api.get("/me", token=secret), 401)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer nope", "Bearer " + "x" * 500],
)
def test_bad_authorization_headers_are_401(api, officer, header):
    resp = api.client.get("/api/v1/me", headers={"Authorization": header})
    message = error_of(resp, 401)
    assert "Authorization" in message or "không hợp lệ" in message


def test_no_credentials_is_401_and_never_a_redirect(api):
    resp = api.get("/me")
    assert "Chưa đăng nhập" in error_of(resp, 401) and "Location" not in resp.headers


def test_the_session_cookie_reads_but_never_writes(web, login_as, today):
    login_as(Role.reception_officer, Role.petition_handler)
    api = Api(web.client)
    assert ok(api.get("/me"))["auth"] == "session"
    ok(api.get("/sessions"))
    body = {
        "unit": "HP",
        "kind": "regular",
        "session_date": "2026-06-29",
        "place": "Trụ sở",
        "host_name": "Cán bộ",
    }
    resp = api.post("/sessions", body)
    assert "mã truy cập" in error_of(resp, 401)
    for path in ("/petitions", "/petitions/1/processing", "/cases/1/actions/accept"):
        error_of(api.post(path, {}), 401)


def test_a_token_wins_over_a_session_cookie(web, login_as, db, province, today):
    login_as(Role.report_maker)
    other = user(province["commune"], Role.reception_officer)
    me = ok(Api(web.client, token_for(other)).get("/me"))
    assert (me["username"], me["auth"]) == (other.username, "token")


def test_the_command_creates_a_token_shown_once(app, db, officer, today):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-token", "--user", officer.username, "--name", "Cổng DVC",
              "--expires", "2026-12-31"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    assert (row.name, row.expires_on, row.user_id) == ("Cổng DVC", date(2026, 12, 31), officer.id)
    assert "MỘT LẦN" in result.output

    revoked = runner.invoke(args=["revoke-token", "--id", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "Không có tài khoản"),
        (["--expires", "2026-01-01"], "không được trước"),
        (["--expires", "31/12/2026"], "Invalid value"),
    ],
)
def test_the_command_refuses_bad_input(app, db, officer, today, args, message):
    args = ["--user", officer.username, *args] if args[0] != "--user" else args
    result = app.test_cli_runner().invoke(args=["create-token", *args])
    assert result.exit_code != 0 and message in result.output


def test_the_admin_page_issues_lists_and_revokes(web, login_as, db, province, today, client):
    admin = login_as(Role.admin)
    target = user(province["commune"], Role.case_handler)
    outsider = user(province["other"], Role.case_handler)
    page = web.get("/admin/tokens/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and target.username in html
    assert outsider.username not in html  # only users of the administrator's units

    resp = web.post_form(
        "/admin/tokens/", {"user_id": target.id, "name": "Hệ thống A", "expires_on": "31/12/2026"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "chỉ hiện một lần" in html
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == target.id))
    secret = html.split('<pre class="token-secret">')[1].split("</pre>")[0]
    assert secret.startswith(TOKEN_PREFIX)
    assert hash_token(secret) == row.token_hash and row.created_by_id == admin.id
    assert "Set-Cookie" not in resp.headers or secret not in resp.headers["Set-Cookie"]
    assert ok(Api(client, secret).get("/me"))["username"] == target.username

    again = web.get("/admin/tokens/").get_data(as_text=True)
    assert secret not in again and row.prefix in again  # shown once, then only its prefix

    token = csrf_from(again)
    resp = web.client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert "thu hồi" in error_of(Api(client, secret).get("/me"), 401)


def test_the_admin_page_refuses_other_roles_and_other_units(web, login_as, db, province, today):
    login_as(Role.leader)
    assert web.get("/admin/tokens/").status_code == 403
    web.logout()
    login_as(Role.admin, unit=province["commune"])
    outsider = user(province["other"], Role.case_handler)
    token_for(outsider)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == outsider.id))
    db.session.commit()  # releases the test's savepoint: the 404 below rolls back the request
    token = csrf_from(web.get("/admin/tokens/").get_data(as_text=True))
    assert (
        web.client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    resp = web.post_form("/admin/tokens/", {"user_id": outsider.id, "name": ""})
    assert resp.status_code == 200 and "không hợp lệ" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1
