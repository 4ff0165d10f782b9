"""The rate limit of the citizen's page: failures counted in the database per receipt code and
per client address, the clock passed in (no sleeping), the same for unknown codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from complaints.citizen import codes
from complaints.citizen import operations as ops
from complaints.core.throttle import ThrottleAttempt
from complaints.core.vocab import PetitionKind

from .factories_cases import petition as make_petition

T0 = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
LIMITS = ops.Limits()  # 5 per code / 15 minutes, 20 per address / hour


@pytest.fixture()
def petition(db, province):
    return make_petition(
        province["province"],
        kind=PetitionKind.complaint,
        senders=(("Nguyễn Văn An", "Lê Chân", "031085001234"),),
    )


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_five_failures_on_a_code_pause_it_for_fifteen_minutes(db, petition):
    code = petition.receipt_code
    remaining = [ops.lookup(code, "0000", f"10.0.0.{i}", at(i), LIMITS).remaining for i in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    # Even the right digits are refused now, from any address, until the first failure
    # (at T0) leaves the 15-minute window.
    refused = ops.lookup(code, "1234", "10.9.9.9", at(6), LIMITS)
    assert not refused.found and refused.retry_at == at(15)
    assert ops.lookup(code, "1234", "10.9.9.9", at(14.9), LIMITS).retry_at == at(15)
    # At 15 minutes the first failure is out of the window: one more try is allowed.
    assert ops.lookup(code, "1234", "10.9.9.9", at(15), LIMITS).petition is petition


def test_an_unknown_code_is_counted_and_paused_exactly_the_same(db, petition):
    """No oracle: the counts and the pause do not depend on whether the code exists."""
    unknown = codes.new_code()
    known = [ops.lookup(petition.receipt_code, "0000", "10.0.1.1", at(i), LIMITS) for i in range(6)]
    other = [ops.lookup(unknown, "1234", "10.0.2.1", at(i), LIMITS) for i in range(6)]
    assert [r.remaining for r in known] == [r.remaining for r in other] == [4, 3, 2, 1, 0, None]
    assert known[-1].retry_at == other[-1].retry_at == at(15)


def test_twenty_failures_from_one_address_pause_it_for_an_hour(db, petition):
    ip = "203.0.113.7"
    for i in range(20):
        miss = ops.lookup(codes.new_code(), "1234", ip, at(i), LIMITS)
        assert not miss.found and miss.retry_at is None
        assert miss.remaining == min(4, 19 - i)
    refused = ops.lookup(petition.receipt_code, "1234", ip, at(30), LIMITS)
    assert not refused.found and refused.retry_at == at(60)
    # Another address is not concerned; this one is free again after the hour.
    assert ops.lookup(petition.receipt_code, "1234", "198.51.100.1", at(30), LIMITS).found
    assert ops.lookup(petition.receipt_code, "1234", ip, at(60), LIMITS).found


def test_successful_look_ups_are_not_counted(db, petition):
    for i in range(30):
        assert ops.lookup(petition.receipt_code, "1234", "10.0.0.1", at(i), LIMITS).found
    assert db.session.scalar(sa.select(sa.func.count(ThrottleAttempt.id))) == 0


def test_malformed_input_is_neither_looked_up_nor_counted(db, petition):
    for code, digits in (("SHORT", "1234"), ("O0I1LO0I1L", "1234"), (petition.receipt_code, "12")):
        assert not ops.lookup(code, digits, "10.0.0.1", T0, LIMITS).found
    assert db.session.scalar(sa.select(sa.func.count(ThrottleAttempt.id))) == 0


def test_the_counts_live_in_the_database_not_in_a_worker(app, db, web, petition, monkeypatch):
    """Failures made through one client are refused to another one (another worker would
    read the same rows); nothing is kept in the process."""
    monkeypatch.setitem(app.config, "NOW", T0.isoformat())
    code = codes.display(petition.receipt_code)
    for _ in range(5):
        web.post_form("/tra-cuu", {"code": code, "digits": "0000"})
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ThrottleAttempt.id)).where(
                ThrottleAttempt.key == ops.code_key(petition.receipt_code)
            )
        )
        == 5
    )
    db.session.expire_all()
    from .conftest import WebUser

    other = WebUser(app.test_client())
    resp = other.post_form(
        "/tra-cuu",
        {"code": code, "digits": "1234"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    assert resp.status_code == 429


def test_the_page_says_when_to_retry_in_vietnamese(app, db, web, petition, monkeypatch):
    monkeypatch.setitem(app.config, "NOW", T0.isoformat())
    code = codes.display(petition.receipt_code)
    messages = []
    for _ in range(5):
        resp = web.post_form("/tra-cuu", {"code": code, "digits": "9999"})
        assert resp.status_code == 200
        messages.append(resp.get_data(as_text=True))
    assert "Còn 4 lần thử" in messages[0] and "Còn 1 lần thử" in messages[3]
    assert "tạm dừng" in messages[4]
    monkeypatch.setitem(app.config, "NOW", (T0 + timedelta(minutes=3)).isoformat())
    resp = web.post_form("/tra-cuu", {"code": code, "digits": "1234"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 429
    # T0 is 09:00 in Vietnam: free again at 09:15, 12 minutes after this try.
    assert "thử lại sau 09:15 ngày 30/06/2026 (khoảng 12 phút nữa)" in html
    assert "Tình trạng đơn" not in html


def test_the_limits_are_configurable(app, db, petition, monkeypatch):
    monkeypatch.setitem(app.config, "CITIZEN_MAX_FAILURES_PER_CODE", 2)
    monkeypatch.setitem(app.config, "CITIZEN_CODE_WINDOW_SECONDS", 60)
    limits = ops.Limits.from_config(app.config)
    assert limits == ops.Limits(per_code=2, code_window=timedelta(minutes=1))
    for i in range(2):
        ops.lookup(petition.receipt_code, "0000", "10.0.0.1", at(i / 10), limits)
    assert ops.lookup(petition.receipt_code, "1234", "10.0.0.1", at(0.5), limits).retry_at == at(1)
