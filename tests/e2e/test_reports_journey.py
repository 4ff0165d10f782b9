"""A report maker's journey in Chromium: open Mẫu 01/XLD for a month, follow a figure to the
petitions behind it, download the .xlsx laid out like the official form."""

from __future__ import annotations

import re
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from tests import factories
from tests.test_reports_figures import _petition


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    """pytest-playwright's own is session-scoped and cannot use the module-scoped base_url of
    tests/e2e/conftest.py (ScopeMismatch); this one can."""
    return {"base_url": base_url, "accept_downloads": True}


@pytest.fixture(scope="module")
def maker(live_app) -> str:
    """A province with petitions of March 2026 (cut-off 14th) and a report maker."""
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        hp, lc = units["province"], units["commune"]
        user = factories.UserFactory(
            username="baocao", full_name="Cán bộ Báo Cáo", unit=hp, roles=[Role.report_maker]
        )
        _petition(hp, date(2026, 2, 1))  # carried over, unprocessed
        _petition(
            hp,
            date(2026, 3, 2),
            PetitionKind.denunciation,
            Field.corruption,
            date(2026, 3, 4),
            eligible=True,
            competent=False,
            outcome="transfer",
        )
        _petition(
            hp,
            date(2026, 3, 3),
            processed=date(2026, 3, 5),
            eligible=True,
            competent=False,
            outcome="guide",
        )
        _petition(lc, date(2026, 3, 5), PetitionKind.feedback, Field.housing)
        _petition(lc, date(2026, 3, 20))  # after the period
        username = user.username
        db.session.commit()
    return username


def test_report_drilldown_and_xlsx(page: Page, base_url, maker, artifacts, tmp_path, log_in):
    log_in(maker)
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page.get_by_role("heading", name="Lập báo cáo")).to_be_visible()

    page.select_option("select[name=form]", "01-XLD")
    page.select_option("select[name=period]", "month")
    page.fill("input[name=year]", "2026")
    page.select_option("select[name=month]", "3")
    page.select_option("select[name=unit]", "HP")
    page.check("input[name=sub]")
    # A kind's own rounding shows only with each kind apart.
    own_rounding = page.locator("select[name=rounding_complaint]")
    expect(own_rounding).to_be_hidden()
    page.select_option("select[name=kinds]", "each")
    expect(own_rounding).to_be_visible()
    page.select_option("select[name=kinds]", "both")
    expect(own_rounding).to_be_hidden()
    page.get_by_role("button", name="Xem báo cáo").click()

    table = page.locator("table.report-table")
    expect(table).to_be_visible()
    expect(page.locator(".doc-title")).to_have_text("TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN")
    total = page.locator('tr[data-row="total"]')
    expect(total.locator('td[data-figure="petitions.total"]')).to_have_text("4")
    expect(total.locator('td[data-figure="petitions.carried_over"]')).to_have_text("1")
    expect(page.locator('tr[data-row="HPLC"] td[data-figure="petitions.total"]')).to_have_text("1")
    expect(page.locator('th[colspan="3"]', has_text="Tổng số đơn")).to_be_visible()
    expect(page.locator(".report-warning")).to_have_count(0)  # every identity holds
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)

    # A figure opens the records behind it.
    total.locator('td[data-figure="petitions.total"] a').click()
    expect(page).to_have_url(re.compile(r"/reports/records\?figure=petitions\.total"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổng số đơn: 4")
    expect(page.locator("table.report-records tbody tr")).to_have_count(4)
    # A report maker may not see who denounced.
    expect(page.locator(".redacted").first).to_be_visible()
    page.screenshot(path=str(artifacts / "drilldown.png"), full_page=True)

    page.get_by_role("link", name="‹ Về báo cáo").click()
    expect(page.locator("table.report-table")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải .xlsx").click()
    download = info.value
    assert download.suggested_filename == "bao-cao_01-XLD_HP_2026-02-15_2026-03-14.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    ws = load_workbook(target).active
    assert "C5:E5" in {str(r) for r in ws.merged_cells.ranges}
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Tổng cộng")
    assert row[2:5] == (1, 3, 4)
