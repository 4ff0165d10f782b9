"""Login throttling (per account and per address, in the database), lock-out audit events,
and the `next` parameter that must never lead to another host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from complaints.auth import views as auth_views
from complaints.core import throttle
from complaints.core.audit import AuditEvent, verify
from complaints.core.throttle import ThrottleAttempt

from . import factories
from .conftest import csrf_from

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
WRONG = "khong-dung-mat-khau"


@pytest.fixture()
def clock(monkeypatch):
    """The login view's clock, fixed and movable by the test."""
    state = {"now": NOW}
    monkeypatch.setattr(auth_views, "utcnow", lambda: state["now"])
    return state


@pytest.fixture()
def user(db, province):
    return factories.UserFactory(unit=province["province"], username="canbo.a")


def attempt(web, username, password, ip="127.0.0.1"):
    page = web.client.get("/login", environ_base={"REMOTE_ADDR": ip})
    return web.client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": username,
            "password": password,
        },
        environ_base={"REMOTE_ADDR": ip},
    )


def events(db, kind):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == kind)).all()


def test_five_failures_lock_the_account_with_a_clear_message(web, user, clock, db):
    for _ in range(4):
        resp = attempt(web, user.username, WRONG)
        assert resp.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    fifth = attempt(web, user.username, WRONG)
    html = fifth.get_data(as_text=True)
    assert fifth.status_code == 429
    assert "nhập sai mật khẩu 5 lần trong 15 phút" in html
    assert "thử lại sau 10:15 (khoảng 15 phút nữa)" in html

    # Locked: even the right password is not checked, and the attempt is not counted.
    clock["now"] = NOW + timedelta(minutes=6)
    resp = attempt(web, user.username, factories.PASSWORD)
    assert resp.status_code == 429
    assert "thử lại sau 10:15 (khoảng 9 phút nữa)" in resp.get_data(as_text=True)
    assert web.get("/admin/units").status_code == 302  # not logged in
    assert throttle.count("login:user:canbo.a", timedelta(minutes=15), clock["now"]) == 5

    locked = events(db, "auth.login_locked")
    assert len(locked) == 1
    assert locked[0].entity_type == "user_account" and locked[0].entity_id == user.id
    assert locked[0].unit_id == user.unit_id
    assert locked[0].after["username"] == "canbo.a" and locked[0].after["failures"] == 5
    assert verify().ok

    # Fifteen minutes after the fifth failure the account may log in again.
    clock["now"] = NOW + timedelta(minutes=15, seconds=1)
    assert attempt(web, user.username, factories.PASSWORD).status_code == 302


def test_success_resets_the_account_count(web, user, clock, db):
    for _ in range(4):
        attempt(web, user.username, WRONG)
    assert attempt(web, user.username, factories.PASSWORD).status_code == 302
    assert throttle.count("login:user:canbo.a", timedelta(minutes=15), NOW) == 0
    web.logout()
    for _ in range(4):
        assert attempt(web, user.username, WRONG).status_code == 200
    assert attempt(web, user.username, factories.PASSWORD).status_code == 302


def test_failures_older_than_the_window_do_not_count(web, user, clock, db):
    for minutes in (20, 19, 18, 17, 16):
        throttle.hit("login:user:canbo.a", NOW - timedelta(minutes=minutes))
    assert attempt(web, user.username, factories.PASSWORD).status_code == 302


def test_unknown_names_are_locked_the_same_way(web, province, clock, db):
    """The answer never tells whether an account exists."""
    for _ in range(4):
        attempt(web, "khong.ton.tai", WRONG)
    resp = attempt(web, "khong.ton.tai", WRONG)
    assert resp.status_code == 429
    assert "nhập sai mật khẩu 5 lần" in resp.get_data(as_text=True)
    (event,) = events(db, "auth.login_locked")
    assert event.entity_id is None and event.after["username"] == "khong.ton.tai"


def test_username_is_counted_case_insensitively(web, user, clock, db):
    for name in ("CANBO.A", "Canbo.A", " canbo.a", "canbo.A", "CanBo.a"):
        attempt(web, name, WRONG)
    assert attempt(web, user.username, factories.PASSWORD).status_code == 429


def test_a_locked_account_does_not_lock_another(web, user, province, clock, db):
    other = factories.UserFactory(unit=province["province"], username="canbo.b")
    for _ in range(5):
        attempt(web, user.username, WRONG)
    assert attempt(web, other.username, factories.PASSWORD).status_code == 302


def test_too_many_failures_from_one_address_lock_that_address(
    web, app, province, clock, db, monkeypatch
):
    """Guessing many names from one address is stopped; another address is not."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 8)
    target = factories.UserFactory(unit=province["province"], username="canbo.c")
    for i in range(7):
        assert attempt(web, f"ten{i}", WRONG, ip="203.0.113.9").status_code == 200
    eighth = attempt(web, "ten7", WRONG, ip="203.0.113.9")
    assert eighth.status_code == 429
    assert "quá nhiều lần đăng nhập sai từ máy tính này" in eighth.get_data(as_text=True)
    assert attempt(web, target.username, factories.PASSWORD, ip="203.0.113.9").status_code == 429
    (event,) = events(db, "auth.ip_locked")
    assert event.after["ip"] == "203.0.113.9"
    assert attempt(web, target.username, factories.PASSWORD, ip="198.51.100.7").status_code == 302


def test_throttle_api_blocked_names_the_retry_time(db):
    key = "test:key"
    window = timedelta(minutes=10)
    for minutes in (9, 7, 3):
        throttle.hit(key, NOW - timedelta(minutes=minutes))
    assert throttle.blocked(key, 4, window, NOW) is None
    # Limit 3: free again when the 3rd most recent attempt (9 minutes ago) leaves the window;
    # limit 2: when the 2nd (7 minutes ago) does.
    assert throttle.blocked(key, 3, window, NOW) == NOW + timedelta(minutes=1)
    assert throttle.blocked(key, 2, window, NOW) == NOW + timedelta(minutes=3)
    assert throttle.count(key, window, NOW) == 3
    assert throttle.prune(NOW - timedelta(minutes=8)) == 1
    throttle.reset(key)
    assert throttle.count(key, window, NOW) == 0
    assert db.session.scalar(sa.select(sa.func.count(ThrottleAttempt.id))) == 0


# --- no open redirect ---------------------------------------------------------------------

EVIL_NEXT = [
    "https://evil.example/x",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "%2F%2Fevil.example",
    "%2f%5cevil.example",
    "/%2F%2Fevil.example/..",  # stays on this host: a path, kept as it is below
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_never_leads_to_another_host(web, user, target):
    page = web.client.get("/login", query_string={"next": target})
    resp = web.client.post(
        "/login",
        query_string={"next": target},
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": user.username,
            "password": factories.PASSWORD,
        },
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    if target.startswith("/%2F"):
        assert location == target  # percent-encoded slashes are a path, not a host
    else:
        assert location == "/", (target, location)


@pytest.mark.parametrize(
    "raw_query",
    [
        "next=%2F%2Fevil.example",
        "next=%2F%5Cevil.example",
        "next=%2F%09%2Fevil.example",
        "next=https%3A%2F%2Fevil.example",
        "next=%252F%252Fevil.example",
    ],
)
def test_percent_encoded_next_is_decoded_once_and_checked(web, user, raw_query):
    page = web.client.get(f"/login?{raw_query}")
    resp = web.client.post(
        f"/login?{raw_query}",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": user.username,
            "password": factories.PASSWORD,
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_a_local_next_is_followed(web, user):
    page = web.client.get("/login?next=/petitions/%3Fq%3Dnguyen")
    resp = web.client.post(
        "/login?next=/petitions/%3Fq%3Dnguyen",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": user.username,
            "password": factories.PASSWORD,
        },
    )
    assert resp.headers["Location"] == "/petitions/?q=nguyen"


def test_throttle_keys_may_carry_any_character(db):
    """Keys hold what strangers type: a NUL (which PostgreSQL text refuses) or 500 characters."""
    for key in ("login:user:a\x00b", "login:user:" + "x" * 500):
        throttle.hit(key, NOW)
        assert throttle.count(key, timedelta(minutes=1), NOW) == 1
        throttle.reset(key)
        assert throttle.count(key, timedelta(minutes=1), NOW) == 0
