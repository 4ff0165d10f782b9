"""GET /api/v1/reports/<form>: the figures as JSON keyed by identifier, scoped to the caller,
every error as JSON with a Vietnamese message."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest

from complaints.core.access import Role
from complaints.reports import service
from complaints.reports.periods import standard_period

from . import factories
from . import test_reports_figures as figures
from .api_v1_support import error_of
from .test_reports_figures import _petition

hand_counted = figures.fixture  # the hand-counted fixture of the figure tests

RANGE = {"from": "2026-02-15", "to": "2026-03-14", "unit": "HP"}


def api(client, form="01-XLD", **args):
    query = urlencode(args)
    return client.get(f"/api/v1/reports/{form}" + (f"?{query}" if query else ""))


@pytest.fixture()
def maker(login_as, hand_counted):
    return login_as(Role.report_maker)


def test_a_report_with_its_figure_identifiers(web, maker):
    resp = api(web.client, **RANGE, with_subunits="1")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    data = resp.get_json()
    assert data["form"] == "01-XLD" and data["unit"] == "HP"
    assert (data["from"], data["to"], data["with_subunits"]) == ("2026-02-15", "2026-03-14", True)
    f = data["figures"]
    assert (f["petitions.carried_over"], f["petitions.received"], f["petitions.total"]) == (1, 6, 7)
    assert (f["petitions.eligible"], f["petitions.eligible_cases"]) == (4, 3)
    assert [r["unit"] for r in data["rows"]] == ["HP", "HPHA", "HPLC", "HPSTNMT", "HPTTR"]
    assert data["rows"][2]["figures"]["petitions.total"] == 2
    assert data["identities"] and all(i["ok"] for i in data["identities"])
    assert data["closed"] is None and data["live"] is True


def test_a_standard_period_uses_the_units_cutoff(web, maker):
    data = api(web.client, period="month", year="2026", month="3", unit="HP").get_json()
    assert (data["from"], data["to"], data["period"]) == (
        "2026-02-15",
        "2026-03-14",
        "Tháng 3/2026",
    )
    assert data["with_subunits"] is False and len(data["rows"]) == 1
    assert data["figures"]["petitions.total"] == 4


def test_the_rate_and_the_summary(web, maker):
    kq = api(web.client, "01-KQGQ", **RANGE, with_subunits="1").get_json()
    assert kq["figures"]["competent.resolution_rate"] == "75.00"
    summary = api(web.client, "summary", period="month", year="2026", month="3", unit="HP")
    data = summary.get_json()
    assert data["form"] == "summary" and data["with_subunits"] is True
    assert "đạt tỷ lệ 100,00%" in data["headline"]
    assert data["figures"]["reception.visits"] == 4


def test_a_leader_may_call_it_too(web, login_as, hand_counted):
    login_as(Role.leader)
    assert api(web.client, **RANGE).status_code == 200


def test_not_logged_in_is_401_json(client, hand_counted):
    message = error_of(api(client, **RANGE), 401)
    assert "Chưa đăng nhập" in message


@pytest.mark.parametrize(
    "role", [Role.reception_officer, Role.petition_handler, Role.case_handler, Role.admin]
)
def test_roles_without_report_view_get_403(web, login_as, hand_counted, role):
    login_as(role)
    assert "không có quyền" in error_of(api(web.client, **RANGE), 403)


@pytest.mark.parametrize(
    ("form", "args", "status", "message"),
    [
        ("09-XYZ", RANGE, 404, "Mẫu báo cáo không tồn tại"),
        ("01-XLD", {**RANGE, "unit": "NOPE"}, 404, "Không có đơn vị mã NOPE"),
        ("01-XLD", {**RANGE, "unit": "X" * 300}, 404, "Không có đơn vị"),
        ("01-XLD", {**RANGE, "unit": "HN"}, 403, "nằm ngoài phạm vi"),
        ("01-XLD", {"from": "2026-02-15", "to": "2026-03-14"}, 400, "Thiếu tham số unit"),
        ("01-XLD", {**RANGE, "from": "2026-03-14", "to": "2026-02-15"}, 400, "trước khi bắt đầu"),
        ("01-XLD", {**RANGE, "from": "15/02/2026"}, 400, "Ngày không hợp lệ"),
        ("01-XLD", {**RANGE, "from": "2026-02-30"}, 400, "Ngày không hợp lệ"),
        ("01-XLD", {"unit": "HP"}, 400, "Cần from và to"),
        ("01-XLD", {"unit": "HP", "from": "2026-02-15"}, 400, "Thiếu tham số to"),
        ("01-XLD", {"unit": "HP", "period": "month", "year": "2026"}, 400, "cần tháng"),
        ("01-XLD", {"unit": "HP", "period": "month", "year": "2026", "month": "13"}, 400, "tháng"),
        ("01-XLD", {"unit": "HP", "period": "week", "year": "2026"}, 400, "Loại kỳ không hợp lệ"),
        ("01-XLD", {"unit": "HP", "period": "q1"}, 400, "Thiếu tham số year"),
        ("01-XLD", {"unit": "HP", "period": "q1", "year": "20x6"}, 400, "số nguyên"),
        ("01-XLD", {"unit": "HP", "period": "q1", "year": "99999"}, 400, "số nguyên"),
        ("01-XLD", {**RANGE, "period": "q1", "year": "2026"}, 400, "không dùng cả hai"),
        ("01-XLD", {**RANGE, "with_subunits": "maybe"}, 400, "with_subunits"),
        ("01-XLD", {**RANGE, "live": "2"}, 400, "live"),
    ],
)
def test_bad_requests_are_json_errors(web, maker, form, args, status, message):
    assert message in error_of(api(web.client, form, **args), status)


def test_a_commune_user_gets_only_its_tree(web, login_as, hand_counted):
    login_as(Role.report_maker, unit=hand_counted["commune"])
    assert "nằm ngoài phạm vi" in error_of(api(web.client, **RANGE), 403)
    data = api(web.client, **{**RANGE, "unit": "HPLC"}).get_json()
    assert data["figures"]["petitions.total"] == 2


def test_a_closed_period_answers_its_frozen_figures(web, maker, hand_counted, db):
    service.close_period(
        maker, "01-XLD", hand_counted["province"], standard_period("month", 2026, 3), True
    )
    _petition(hand_counted["province"], date(2026, 3, 3))
    db.session.flush()
    frozen = api(web.client, **RANGE, with_subunits="1").get_json()
    assert frozen["figures"]["petitions.total"] == 7 and frozen["live"] is False
    assert frozen["closed"]["by"] == maker.full_name
    live = api(web.client, **RANGE, with_subunits="1", live="1").get_json()
    assert live["figures"]["petitions.total"] == 8 and live["live"] is True


def test_unknown_routes_and_methods_are_json(web, maker):
    error_of(web.client.get("/api/v1/nope"), 404)
    error_of(web.client.post("/api/v1/reports/01-XLD?unit=HP"), 405)


def test_the_api_never_redirects_to_the_login_page(client, db, province):
    user = factories.UserFactory(unit=province["province"], roles=[Role.report_maker])
    assert user.id
    resp = api(client, **RANGE)
    assert resp.status_code == 401 and "Location" not in resp.headers
