"""A report maker brings an old petition register in, in Chromium: upload the file, read the
dry run, confirm, watch the progress bar (fed by the progress endpoint, the import running in a
background thread batch by batch) reach 100%, and find the petitions in the register."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.extensions import db
from complaints.registers.layout import PETITION_COLUMNS
from tests import factories

ROWS = 300  # enough batches for the bar to be seen on its way


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    return {"base_url": base_url}


@pytest.fixture(scope="module", autouse=True)
def _settings(live_app, tmp_path_factory):
    """Today is 30/06/2026; small batches so that the bar moves in steps."""
    live_app.config.update(
        TODAY=date(2026, 6, 30).isoformat(),
        REGISTER_IMPORT_BATCH=10,
        REGISTER_IMPORT_BACKGROUND=True,
        REGISTER_IMPORT_DIR=str(tmp_path_factory.mktemp("imports")),
    )
    yield
    with live_app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
def maker(live_app) -> str:
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        user = factories.UserFactory(
            username="nhapso", full_name="Cán bộ Nhập Sổ", unit=units["province"],
            roles=[Role.report_maker],
        )  # fmt: skip
        username = user.username
        db.session.commit()
    return username


@pytest.fixture()
def register_file(tmp_path):
    path = tmp_path / "so-theo-doi-don-2026.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([c.header for c in PETITION_COLUMNS])
        for n in range(1, ROWS + 1):
            values = {c.field: "" for c in PETITION_COLUMNS}
            values.update(
                unit_code="HP", register_no=str(n), received_date=f"{1 + n % 28}/3/26",
                source="Qua bưu chính", sender_name=f"Người Gửi {n}",
                sender_identity=f"031085{n:06d}", kind="Khiếu nại", field="Đất đai",
                summary=f"Khiếu nại quyết định thu hồi đất số {n}/QĐ-UBND",
            )  # fmt: skip
            out.writerow([values[c.field] for c in PETITION_COLUMNS])
    return path


def test_import_journey(page: Page, base_url, maker, register_file, artifacts, log_in):
    log_in(maker, "Cán bộ Nhập Sổ")

    page.get_by_role("link", name="Nhập sổ cũ", exact=True).first.click()
    page.get_by_role("link", name="Nhập sổ cũ", exact=True).last.click()
    expect(page.get_by_role("heading", name="Nhập sổ cũ")).to_be_visible()
    page.set_input_files("input[name=file]", str(register_file))
    page.get_by_role("button", name="Tải lên").click()

    expect(page.get_by_role("heading", name=f"Đối chiếu cột: {register_file.name}")).to_be_visible()
    expect(page.locator("select[name=col_register_no]")).to_have_value("2")
    page.get_by_role("button", name="Kiểm tra (chạy thử)").click()

    # The dry run runs in the background; the page follows it, then shows its result.
    dry_run = page.locator("#dry-run")
    expect(dry_run).to_be_visible(timeout=60_000)
    expect(dry_run).to_contain_text(f"{ROWS} dòng sẽ được nhập")
    expect(dry_run).to_contain_text("0 dòng lỗi")
    page.screenshot(path=str(artifacts / "import-dry-run.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Nhập {ROWS} dòng vào sổ").click()
    bar = page.locator("progress")
    expect(bar).to_be_visible()
    # A value the progress endpoint gave (on a fast machine the import may already be done:
    # catching it half-way is a race, not a property of the page).
    expect(bar).to_have_attribute("value", re.compile(r"^([1-9][0-9]?|100)$"), timeout=60_000)
    page.screenshot(path=str(artifacts / "import-running.png"), full_page=True)
    expect(page.locator("[data-done]")).to_contain_text(
        f"Đã nhập xong: {ROWS} đơn", timeout=120_000
    )
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("[data-percent]")).to_have_text("100%")
    page.screenshot(path=str(artifacts / "import-progress.png"), full_page=True)

    page.get_by_role("link", name="Xem sổ đơn").click()
    expect(page.get_by_role("heading", name="Sổ đơn")).to_be_visible()
    expect(page.locator("table.register")).to_contain_text("HP-2026-00")
    expect(page.locator("table.register")).to_contain_text("Người Gửi")
    expect(page.locator(".pager")).to_contain_text(f"{ROWS} bản ghi")
