"""Locking a period (khóa số liệu) only after its end, or early with an explicit, recorded
override; reopening a lock (leader, administrator) with a reason, audited and shown with the
report; locking again with the figures computed afresh (issue 14, item 6)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.numbers import fmt_date
from complaints.extensions import db as _db
from complaints.reports import service
from complaints.reports.models import ClosedReport, ReportReopening
from complaints.reports.periods import standard_period

from . import factories
from . import test_reports_figures as figures
from .test_reports_figures import _petition
from .test_reports_views import _close, _page_args, report_url, url

hand_counted = figures.fixture
MARCH = standard_period("month", 2026, 3)  # 15/02/2026 - 14/03/2026


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def events(kind: str) -> list[AuditEvent]:
    return list(_db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == kind)))


def follow(web, resp) -> str:
    assert resp.status_code == 302, resp.status_code
    return web.get(resp.headers["Location"]).get_data(as_text=True)


def _lock_early(web, reason: str):
    """Post the lock with the override ticked and a reason."""
    page = report_url("01-XLD")
    return web.post_form(
        url("/reports/close", **dict(_page_args(page))),
        {"early": "y", "early_reason": reason},
        form_url=page,
    )


@pytest.fixture()
def maker(login_as, hand_counted):
    return login_as(Role.report_maker)


def test_locking_before_the_period_ends_is_refused(web, maker, set_today):
    set_today(date(2026, 3, 14))  # the period's last day: its records may still come in
    page = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Khóa số liệu trước khi hết kỳ" in page and "khóa số liệu từ ngày 15/03/2026" in page
    html = follow(web, _close(web))
    assert "chỉ khóa số liệu được từ ngày 15/03/2026" in html
    assert count(ClosedReport) == 0 and events("report.closed") == []
    # the override without a reason is refused too, and writes nothing
    html = follow(web, _lock_early(web, "   "))
    assert "Ghi lý do khóa số liệu trước khi hết kỳ" in html
    assert count(ClosedReport) == 0


def test_the_day_after_the_end_the_period_locks(web, maker, set_today):
    set_today(date(2026, 3, 15))
    page = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Khóa số liệu kỳ này" in page and "Khóa số liệu trước khi hết kỳ" not in page
    html = follow(web, _close(web))
    closed = _db.session.scalar(sa.select(ClosedReport))
    assert closed.early_reason == "" and not closed.locked_early
    assert "Đã khóa số liệu ngày" in html and "Khóa trước khi hết kỳ" not in html


def test_an_early_lock_with_a_reason_is_recorded_and_shown(web, maker, set_today):
    set_today(date(2026, 3, 10))
    reason = "Đoàn kiểm tra của Thanh tra Chính phủ yêu cầu số liệu ngày 10/3 <b>gấp</b>"
    html = follow(web, _lock_early(web, reason))
    closed = _db.session.scalar(sa.select(ClosedReport))
    assert closed.early_reason == reason and closed.locked_early
    [event] = events("report.closed")
    assert event.after["before_end"] is True and event.after["reason"] == reason
    assert reason in event.summary
    assert "Khóa trước khi hết kỳ (kỳ kết thúc ngày 14/03/2026). Lý do:" in html
    assert "&lt;b&gt;gấp&lt;/b&gt;" in html and "<b>gấp</b>" not in html
    data = json.loads(web.get(url("/reports/report.json", **dict(_args()))).data)
    assert data["closed"]["before_end"] is True and data["closed"]["reason"] == reason
    listing = web.get("/reports/closed").get_data(as_text=True)
    assert "Trước khi hết kỳ. Lý do:" in listing


def _args():
    return _page_args(report_url("01-XLD"))


def test_a_period_not_begun_cannot_be_locked(maker, set_today, hand_counted):
    set_today(date(2026, 2, 1))
    with pytest.raises(service.ReportError, match="chưa bắt đầu"):
        service.close_period(
            maker, "01-XLD", hand_counted["province"], MARCH, True, early=True, early_reason="x"
        )
    assert count(ClosedReport) == 0


def test_reopening_needs_the_role_the_unit_and_a_reason(
    web, login_as, hand_counted, set_today, maker
):
    set_today(date(2026, 6, 30))
    follow(web, _close(web))
    closed = _db.session.scalar(sa.select(ClosedReport))
    reopen = f"/reports/closed/{closed.id}/reopen"
    page = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert reopen not in page  # the report maker locks, does not reopen
    assert web.get(reopen).status_code == 403
    with pytest.raises(service.ReportError, match="không có quyền"):
        service.reopen_period(maker, closed, "lý do")
    web.logout()
    stranger = factories.UserFactory(unit=hand_counted["other"], roles=[Role.leader])
    web.login(stranger)
    assert web.get(reopen).status_code == 404
    with pytest.raises(service.ReportError, match="ngoài phạm vi"):
        service.reopen_period(stranger, closed, "lý do")
    web.logout()
    leader = login_as(Role.leader)
    page = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert reopen in page and "Mở khóa số liệu" in page
    resp = web.post_form(reopen, {"reason": "  "})
    assert resp.status_code == 200 and "Vui lòng nhập thông tin này" in resp.get_data(as_text=True)
    assert count(ClosedReport) == 1 and count(ReportReopening) == 0
    assert events("report.reopened") == []

    reason = "Phát hiện 1 đơn vào sổ sai kỳ, cần đính chính"
    html = follow(web, web.post_form(reopen, {"reason": reason}))
    assert count(ClosedReport) == 0
    reopening = _db.session.scalar(sa.select(ReportReopening))
    assert reopening.reason == reason and reopening.reopened_by_id == leader.id
    assert reopening.closed_by_id == maker.id and reopening.data["figures"]
    [event] = events("report.reopened")
    assert event.actor_id == leader.id and event.after == {"reason": reason}
    assert event.before["closed_by_id"] == maker.id and reason in event.summary
    # The period is named alike in the audit and on the page (ClosedReport.period_label).
    label = f"({fmt_date(reopening.start)} – {fmt_date(reopening.end)})"
    assert label in event.summary
    assert "Đã mở khóa số liệu" in html and label in html
    assert "Lịch sử khóa, mở khóa số liệu" in html
    assert f"bởi {maker.full_name}" in html
    when = fmt_date(reopening.reopened_at)
    assert f"Mở khóa ngày {when} bởi {leader.full_name}. Lý do: {reason}" in html
    assert "Đã khóa số liệu ngày" not in html  # the live figures again
    api = {"from": "2026-02-15", "to": "2026-03-14", "unit": "HP", "with_subunits": "1"}
    data = web.get(url("/api/v1/reports/01-XLD", **api)).get_json()
    assert data["closed"] is None and data["reopened"][0]["reason"] == reason
    assert data["reopened"][0]["by"] == leader.full_name


def test_locking_again_recomputes_the_frozen_figures(web, maker, hand_counted, set_today):
    set_today(date(2026, 6, 30))
    follow(web, _close(web))
    first = _db.session.scalar(sa.select(ClosedReport))
    assert first.data["figures"]["petitions.total"] == 7
    _petition(hand_counted["province"], date(2026, 3, 3))  # a late correction
    leader = factories.UserFactory(unit=hand_counted["province"], roles=[Role.leader])
    service.reopen_period(leader, first, "Đính chính đơn vào sổ muộn")
    _db.session.flush()
    html = follow(web, _close(web))
    again = _db.session.scalar(sa.select(ClosedReport))
    assert again.data["figures"]["petitions.total"] == 8
    assert "Đã khóa số liệu ngày" in html and "Số liệu hiện tại trùng với số liệu đã khóa" in html
    assert "Lý do: Đính chính đơn vào sổ muộn" in html
    assert len(events("report.closed")) == 2 and len(events("report.reopened")) == 1


def test_the_administrator_reopens_from_the_list_of_locked_periods(
    web, login_as, hand_counted, set_today
):
    set_today(date(2026, 6, 30))
    maker = factories.UserFactory(unit=hand_counted["province"], roles=[Role.report_maker])
    closed = service.close_period(maker, "01-XLD", hand_counted["province"], MARCH, True)
    _db.session.flush()
    login_as(Role.admin)
    listing = web.get("/reports/closed").get_data(as_text=True)
    reopen = f"/reports/closed/{closed.id}/reopen"
    assert reopen in listing and "/reports/?" not in listing  # no figures for the admin
    page = web.get(reopen).get_data(as_text=True)
    assert "Mẫu số 01/XLD" in page and maker.full_name in page
    resp = web.post_form(reopen, {"reason": "Đơn vị đề nghị mở khóa để đính chính"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/reports/closed")
    assert count(ClosedReport) == 0 and len(events("report.reopened")) == 1
    assert web.get(reopen).status_code == 404  # nothing left to reopen


def test_a_range_ending_in_year_9999_is_a_message_not_a_500(web, maker, set_today):
    # The first day a period may be locked is the day after its end: 31/12/9999 has none.
    set_today(date(2026, 12, 6))
    resp = web.get("/reports/?form=01-XLD&unit=HP&period=range&from=01/01/2026&to=31/12/9999")
    assert resp.status_code == 200
    assert "Năm phải từ 1901 đến 2999." in resp.get_data(as_text=True)
