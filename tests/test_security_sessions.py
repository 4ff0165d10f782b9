"""Issue 14, items 2, 4 and 5: sessions that end (logout, password change and reset, lock,
"sign out everywhere", idle time), equal work for known and unknown names at login, and a
password policy on every path that sets a password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from complaints.api.models import ApiToken
from complaints.auth import models as auth_models
from complaints.auth import passwords
from complaints.auth.models import User
from complaints.auth.operations import UserError, create_user, update_user
from complaints.core import throttle
from complaints.core.access import Role
from complaints.core.audit import AuditEvent

from . import factories
from .api_v1_support import token_for
from .conftest import WebUser, csrf_from

STRONG = "song-cam-chieu-thu-ven-de"
WEAK_COMMON = ["password", "12345678", "aaaaaaaa", "demo12345", "qwertyuiop"]
ENGLISH = re.compile(r"\b(guess|password|words?|Avoid|common)\b")
T0 = datetime(2026, 6, 30, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


@pytest.fixture()
def new_web(app):
    """Another browser: a client of its own, with its own cookies."""
    return lambda: WebUser(app.test_client())


@pytest.fixture()
def officer(db, province):
    return factories.UserFactory(
        unit=province["province"], username="canbo.binh", full_name="Trần Thị Bình"
    )


def copy_session(web, app):
    """A second client holding a copy of the first one's session cookie (a stolen cookie)."""
    cookie = web.client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    return thief


def me_status(client) -> int:
    return client.get("/api/v1/me").status_code


def refused_page(client) -> bool:
    resp = client.get("/")
    return resp.status_code == 302 and "/login" in resp.headers["Location"]


def user_form_data(user, **changes) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "title": user.title,
        "unit_id": str(user.unit_id),
        "roles": [r.value for r in user.role_set],
        "password": "",
        "active": "y",
        "version": str(user.version),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- item 2: sessions end ---------------------------------------------------------------------


def test_a_copied_cookie_dies_with_the_logout(app, web, officer):
    web.login(officer)
    thief = copy_session(web, app)
    assert me_status(thief) == 200
    resp = web.logout()
    assert resp.status_code == 302
    assert me_status(thief) == 401 and refused_page(thief)
    assert me_status(web.client) == 401
    page = web.get("/login").get_data(as_text=True)
    assert "Bạn đã đăng xuất khỏi mọi thiết bị." in page


def test_logout_ends_the_other_browsers_too(web, new_web, officer):
    web.login(officer)
    other = new_web()
    other.login(officer)
    web.logout()
    assert me_status(other.client) == 401


def test_an_administrators_reset_and_lock_end_the_sessions(
    app, web, new_web, officer, province, db
):
    web.login(officer)
    thief = copy_session(web, app)
    secret = token_for(officer)
    admin = new_web()
    admin.login(factories.UserFactory(unit=province["province"], roles=[Role.admin]))

    resp = admin.post_form(f"/admin/users/{officer.id}", user_form_data(officer, password=STRONG))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert me_status(thief) == 401 and me_status(web.client) == 401
    # A reset leaves the API tokens (separate credentials, revoked on their own page).
    bearer = {"Authorization": f"Bearer {secret}"}
    assert web.client.get("/api/v1/me", headers=bearer).status_code == 200

    web.login(officer, STRONG)
    thief = copy_session(web, app)
    db.session.expire_all()
    resp = admin.post_form(f"/admin/users/{officer.id}", user_form_data(officer, active=None))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert me_status(thief) == 401 and me_status(web.client) == 401
    # Locking revokes the tokens for good, with one event.
    db.session.expire_all()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == officer.id))
    assert token.revoked_at is not None
    resp = web.client.get("/api/v1/me", headers=bearer)
    assert resp.status_code == 401 and "thu hồi" in resp.get_json()["error"]["message"]
    # The administrator is still logged in.
    assert me_status(admin.client) == 200


def test_sign_out_everywhere_by_an_administrator(app, web, new_web, officer, province, db):
    web.login(officer)
    second = new_web()
    second.login(officer)
    bystander = new_web()
    bystander.login(factories.UserFactory(unit=province["province"]))
    admin = new_web()
    admin_user = admin.login(factories.UserFactory(unit=province["province"], roles=[Role.admin]))
    version = officer.version

    page = admin.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Đăng xuất khỏi mọi thiết bị" in page
    resp = admin.post_form(
        f"/admin/users/{officer.id}/sign-out-everywhere", {}, form_url=f"/admin/users/{officer.id}"
    )
    assert resp.status_code == 302
    assert me_status(web.client) == 401 and me_status(second.client) == 401
    assert me_status(bystander.client) == 200 and me_status(admin.client) == 200
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.kind == "user.signed_out_everywhere")
    )
    assert event.entity_id == officer.id and event.actor_id == admin_user.id
    db.session.expire_all()
    assert officer.version == version  # no edit of the account: an open form is not stale


def test_sign_out_everywhere_needs_the_administrator_of_the_unit(web, new_web, officer, province):
    leader = new_web()
    leader.login(factories.UserFactory(unit=province["province"], roles=[Role.leader]))
    token = csrf_from(leader.get("/account").get_data(as_text=True))
    resp = leader.client.post(
        f"/admin/users/{officer.id}/sign-out-everywhere", data={"csrf_token": token}
    )
    assert resp.status_code == 403
    other_admin = new_web()
    other_admin.login(factories.UserFactory(unit=province["other"], roles=[Role.admin]))
    token = csrf_from(other_admin.get("/account").get_data(as_text=True))
    resp = other_admin.client.post(
        f"/admin/users/{officer.id}/sign-out-everywhere", data={"csrf_token": token}
    )
    assert resp.status_code == 404


def test_own_password_change_keeps_this_browser_and_ends_the_others(web, new_web, officer, db):
    web.login(officer)
    other = new_web()
    other.login(officer)
    resp = web.post_form(
        "/account",
        {"current_password": factories.PASSWORD, "password": STRONG, "confirm": STRONG},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert me_status(web.client) == 200 and me_status(other.client) == 401
    db.session.expire_all()
    assert officer.check_password(STRONG)
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.kind == "user.password_changed")
    )

    resp = web.post_form(
        "/account", {"current_password": "sai-roi-nhe", "password": STRONG, "confirm": STRONG}
    )
    assert resp.status_code == 200
    assert "Mật khẩu hiện tại không đúng." in resp.get_data(as_text=True)

    resp = web.post_form("/account/sign-out-everywhere", {}, form_url="/account")
    assert resp.status_code == 302 and me_status(web.client) == 401


def test_an_idle_session_ends_after_the_configured_time(app, web, officer, monkeypatch):
    assert app.config["SESSION_IDLE_MINUTES"] == 480  # a working day by default
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=481)
    monkeypatch.setitem(app.config, "NOW", T0.isoformat())
    web.login(officer)
    # Seven hours and 59 minutes later it still works, and counts as activity.
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(minutes=479)).isoformat())
    assert me_status(web.client) == 200
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(minutes=479 + 480)).isoformat())
    assert me_status(web.client) == 200
    # More than the idle time without a request: ended, with a message on the login page.
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(minutes=479 + 480 + 481)).isoformat())
    resp = web.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    page = web.get("/login").get_data(as_text=True)
    assert "Phiên làm việc đã kết thúc vì không thao tác quá 480 phút." in page
    assert me_status(web.client) == 401


def test_the_idle_time_is_configurable(app, web, officer, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 1)
    monkeypatch.setitem(app.config, "NOW", T0.isoformat())
    web.login(officer)
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(seconds=50)).isoformat())
    assert me_status(web.client) == 200
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(minutes=2)).isoformat())
    assert me_status(web.client) == 401


def test_a_cookie_of_another_generation_or_without_one_logs_no_one_in(app, db, officer):
    from complaints.web import load_user

    assert load_user(officer.get_id()) is officer
    assert load_user(str(officer.id)) is None  # a cookie from before generations
    assert load_user(f"{officer.id}.{officer.session_generation + 1}") is None
    assert load_user("x.1") is None and load_user(f"{officer.id}.x") is None


# --- item 4: equal work for known and unknown names -----------------------------------------


def login_attempt(app, username, password):
    client = app.test_client()
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": username,
            "password": password,
        },
    )


def test_one_hash_is_checked_whether_the_name_exists_or_not(app, db, officer, monkeypatch):
    real = auth_models.check_password_hash
    calls: list[str] = []

    def counting(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(auth_models, "check_password_hash", counting)
    made: list[str] = []
    real_make = auth_models.generate_password_hash
    auth_models.dummy_hash()  # the login page makes it once per process (a worker's first GET)
    monkeypatch.setattr(
        auth_models, "generate_password_hash", lambda p: made.append(p) or real_make(p)
    )
    locked = factories.UserFactory(unit=officer.unit, username="da.khoa", active=False)
    for username, password in [
        ("khong.ai.co", "sai-mat-khau-1"),
        (officer.username, "sai-mat-khau-1"),
        (locked.username, factories.PASSWORD),
    ]:
        calls.clear()
        resp = login_attempt(app, username, password)
        assert resp.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
        assert len(calls) == 1, username
        # The same hasher and parameters as the users' hashes.
        assert calls[0].split("$")[0] == officer.password_hash.split("$")[0]
        # The failure is counted alike.
        window = timedelta(minutes=15)
        assert throttle.count(f"login:user:{username}", window, datetime.now(UTC)) == 1
    calls.clear()
    assert login_attempt(app, officer.username, factories.PASSWORD).status_code == 302
    assert len(calls) == 1
    assert made == []  # no hash made on any path: the dummy one was made beforehand


# --- item 5: the password policy ------------------------------------------------------------


def test_weak_passwords_are_refused_with_a_vietnamese_reason(db):
    names = {"username": "nguyen.an", "full_name": "Nguyễn Văn An", "unit_code": "HPTTR"}
    for weak in [*WEAK_COMMON, "nguyen.an", "nguyen.an2026", "NguyenVanAn!", "hpttr-2026-xyz"]:
        reason = passwords.weakness(weak, **names)
        assert reason and reason.startswith("Mật khẩu quá dễ đoán"), weak
        assert not ENGLISH.search(reason), reason
    assert "ít nhất 8 ký tự" in passwords.weakness("Ab1!x", **names)
    assert passwords.weakness(STRONG, **names) is None
    assert passwords.weakness("x" * 150 + "-song-cam", **names)  # long input: no crash


def test_every_path_that_sets_a_password_applies_the_policy(app, db, province, officer):
    unit = province["commune"]
    with pytest.raises(UserError) as e:
        create_user(
            None, username="moi.tao", full_name="Lê Văn Mới", unit=unit,
            roles=["leader"], password="12345678",
        )  # fmt: skip
    assert e.value.field == "password" and "phổ biến" in str(e.value)
    with pytest.raises(UserError):
        update_user(None, officer, expected_version=officer.version, password="canbo.binh1")
    created = create_user(
        None, username="moi.tao", full_name="Lê Văn Mới", unit=unit, roles=["leader"],
        password=STRONG,
    )  # fmt: skip
    assert created.check_password(STRONG)

    runner = app.test_cli_runner()
    args = ["create-user", "--username", "cli.user", "--full-name", "Phạm Văn Cơ", "--unit",
            "HP", "--role", "leader", "--password"]  # fmt: skip
    bad = runner.invoke(args=[*args, "aaaaaaaa"])
    assert bad.exit_code != 0 and "Mật khẩu quá dễ đoán" in bad.output
    assert not ENGLISH.search(bad.output)


def test_the_pages_refuse_weak_passwords_beside_the_field(web, new_web, officer, province, db):
    admin = new_web()
    admin.login(factories.UserFactory(unit=province["province"], roles=[Role.admin]))
    resp = admin.post_form(
        "/admin/users/new",
        {
            "username": "tcd.moi",
            "full_name": "Trần Văn Mới",
            "unit_id": str(province["commune"].id),
            "roles": ["reception_officer"],
            "password": "password",
            "active": "y",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Mật khẩu quá dễ đoán" in html
    assert "mật khẩu phổ biến" in html and "guess" not in html
    assert db.session.scalar(sa.select(User.id).where(User.username == "tcd.moi")) is None

    resp = admin.post_form(
        f"/admin/users/{officer.id}", user_form_data(officer, password="tranthibinh")
    )
    assert resp.status_code == 200 and "Mật khẩu quá dễ đoán" in resp.get_data(as_text=True)

    web.login(officer)
    resp = web.post_form(
        "/account",
        {"current_password": factories.PASSWORD, "password": "aaaaaaaa", "confirm": "aaaaaaaa"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Mật khẩu quá dễ đoán" in html and "lặp lại" in html
    db.session.expire_all()
    assert officer.check_password(factories.PASSWORD)


def test_nobody_locks_their_own_account(db, province, officer):
    # The rule is the operation's, so the admin page, the API and the commands share it.
    admin = factories.UserFactory(unit=province["province"], roles=[Role.admin])
    with pytest.raises(UserError) as e:
        update_user(admin, admin, expected_version=admin.version, active=False)
    assert str(e.value) == "Không thể tự khóa tài khoản của chính mình."
    assert admin.active
    update_user(admin, officer, expected_version=officer.version, active=False)
    assert not officer.active
