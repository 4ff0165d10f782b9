"""A leader's morning in Chromium: log in, land on the dashboard, read the counts and the
monthly rate chart, zoom into a commune, then open the periodic reception page and see who is
behind. Saves a screenshot of the dashboard (test-artifacts/dashboard.png)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.reception.models import SessionStatus
from tests import factories
from tests.factories_cases import petition as make_petition
from tests.factories_obligations import PeriodicSessionFactory
from tests.test_dashboard import accepted_case, decide

D = date


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    """pytest-playwright's own is session-scoped and cannot use the module-scoped base_url of
    tests/e2e/conftest.py (ScopeMismatch); this one can."""
    return {"base_url": base_url, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def leader(live_app) -> str:
    """The hand-built province of tests/test_dashboard.py, on 20/06/2026, and its leader."""
    live_app.config["TODAY"] = "2026-06-20"
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        hp, dept, lc = units["province"], units["department"], units["commune"]
        handler = factories.UserFactory(unit=hp, roles=[Role.petition_handler])
        user = factories.UserFactory(
            username="lanhdao", full_name="Chủ tịch Lãnh Đạo", unit=hp, roles=[Role.leader]
        )
        accepted_case(handler, hp, D(2025, 12, 20), D(2025, 12, 22))
        for i, (received, done) in enumerate(
            [
                (D(2026, 1, 5), D(2026, 1, 30)),
                (D(2026, 2, 2), D(2026, 3, 2)),
                (D(2026, 3, 2), D(2026, 3, 30)),
                (D(2026, 4, 1), D(2026, 4, 20)),
                (D(2026, 5, 4), D(2026, 5, 29)),
            ]
        ):
            unit = lc if i % 2 else hp
            case = accepted_case(handler, unit, received, received.replace(day=received.day + 1))
            decide(handler, case, done)
        accepted_case(handler, lc, D(2026, 5, 20), D(2026, 5, 22))
        accepted_case(handler, dept, D(2026, 6, 8), D(2026, 6, 10), kind=PetitionKind.denunciation)
        make_petition(hp, received=D(2026, 4, 20), summary="Đơn để lâu chưa xử lý")
        make_petition(hp, received=D(2026, 6, 1), summary="Đơn quá hạn xử lý")
        for day in (D(2026, 4, 28), D(2026, 5, 26)):
            PeriodicSessionFactory(unit=hp, session_date=day)
        PeriodicSessionFactory(unit=hp, session_date=D(2026, 6, 30), status=SessionStatus.planned)
        PeriodicSessionFactory(unit=lc, session_date=D(2026, 6, 3))
        username = user.username
        db.session.commit()
    return username


def test_a_leader_opens_the_dashboard(page: Page, base_url, leader, artifacts, log_in):
    errors = []  # CSP refusals and failed requests (the browser's own favicon aside)
    page.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    log_in(leader)
    # Leaders land on the dashboard.
    expect(page).to_have_url(f"{base_url}/dashboard/")
    expect(page.locator("h1")).to_have_text("Tổng quan")
    expect(page.locator(".who")).to_contain_text("Chủ tịch Lãnh Đạo")
    expect(page.locator('[data-kpi="open"] .kpi-value')).to_have_text("8")
    # Overdue: the case accepted in December, and the five decided but never sent (sending
    # the decision is a duty with its own deadline).
    expect(page.locator('[data-kpi="overdue"] .kpi-value')).to_have_text("6")
    expect(page.locator('[data-kpi="due_soon"] .kpi-value')).to_have_text("1")
    expect(page.locator('[data-kpi="petitions_overdue"] .kpi-value')).to_have_text("2")
    expect(page.locator('[data-kpi="discipline"] .kpi-value')).to_have_text("1")
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    expect(page.locator("svg.chart g.chart-bar")).to_have_count(12)
    assert page.locator('g.chart-bar[data-month="T2/2026"]').get_attribute("data-rate") == "33,33"
    expect(page.locator('table.compare-table tr[data-unit="HPLC"]')).to_contain_text(
        "UBND phường Lê Chân"
    )
    expect(page.locator("[data-satisfaction=none]")).to_have_text("Chưa có đánh giá.")
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert (artifacts / "dashboard.png").stat().st_size > 10_000
    assert not errors, errors  # no CSP violation, no missing asset

    # The tile opens the list it counts.
    page.click('[data-kpi="overdue"] a')
    expect(page.locator(".due-overdue").first).to_have_text("6 vụ việc quá hạn")
    page.go_back()

    # Zoom into the commune, then come back.
    page.click('table.compare-table tr[data-unit="HPLC"] a')
    expect(page.locator(".lead")).to_contain_text("UBND phường Lê Chân")
    expect(page.locator('[data-kpi="open"] .kpi-value')).to_have_text("3")
    page.click("text=← Toàn bộ đơn vị của tôi")
    expect(page).to_have_url(f"{base_url}/dashboard/")

    # The periodic reception page: the department held nothing, in red.
    page.click("nav.mainnav >> text=Lịch tiếp dân")
    expect(page.locator("h1")).to_have_text("Lịch tiếp công dân định kỳ")
    page.fill("input[name=month_from]", "04/2026")
    page.fill("input[name=month_to]", "06/2026")
    page.click("form.filters button[type=submit]")
    short = page.locator('tr[data-unit="HPSTNMT"] td.ob-short[data-month="2026-04"]')
    expect(short).to_contain_text("0/1")
    expect(page.locator('tr[data-unit="HP"] td[data-month="2026-05"]')).to_contain_text("1/1")
    page.screenshot(path=str(artifacts / "obligations.png"), full_page=True)
    assert not errors, errors
