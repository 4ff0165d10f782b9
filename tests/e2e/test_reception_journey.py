"""The reception office's first working day, in Chromium: a reception officer logs in, opens a
reception session, receives a delegation of 7 people with 2 representatives, enters their
petition in the register from the visit, then reads the day in the reception log (Sổ tiếp công
dân, Mẫu 03/TCD) and finds the petition again by typing a name without diacritics. Saves a
screenshot of the printed log (test-artifacts/reception-log.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from complaints.core import clock
from complaints.core.access import Role
from complaints.core.numbers import fmt_date
from complaints.extensions import db
from tests import factories
from tests.e2e.conftest import watch_errors

OFFICER = "Lê Thị Tiếp Dân"
PLACE = "Trụ sở Ban Tiếp công dân thành phố, số 18 Hoàng Diệu"
CONTENT = (
    "Khiếu nại Quyết định số 125/QĐ-UBND thu hồi đất nông nghiệp tại phường Lê Chân: "
    "mức bồi thường không thỏa đáng, chưa bố trí tái định cư."
)
REPRESENTATIVES = [
    ("Nguyễn Văn An", "Số 5 Lê Lợi, phường Lê Chân, Hải Phòng", "031085001234", "0912345678"),
    ("Trần Thị Bình", "Số 9 Lạch Tray, phường Lê Chân, Hải Phòng", "031190005678", "0987654321"),
]


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    """pytest-playwright's own is session-scoped and cannot use the module-scoped base_url of
    tests/e2e/conftest.py (ScopeMismatch); this one can."""
    return {"base_url": base_url, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def officer(live_app) -> str:
    """A province and the reception officer of its citizen reception office; nothing else."""
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        user = factories.UserFactory(
            username="tiepdan",
            full_name=OFFICER,
            unit=units["province"],
            roles=[Role.reception_officer],
        )
        username = user.username
        db.session.commit()
    return username


def test_first_working_day_of_the_reception_office(page: Page, officer, artifacts, log_in):
    errors = watch_errors(page)
    today = fmt_date(clock.today())
    nav = page.get_by_role("navigation", name="Chức năng")
    log_in(officer, OFFICER)

    # 1. Open today's reception session.
    nav.get_by_role("link", name="Tiếp công dân", exact=True).click()
    expect(page.get_by_role("heading", name="Buổi tiếp công dân")).to_be_visible()
    page.get_by_role("link", name="Tạo buổi tiếp").click()
    expect(page.get_by_role("heading", name="Tạo buổi tiếp công dân")).to_be_visible()
    expect(page.get_by_label("Người chủ trì tiếp (họ tên)")).to_have_value(OFFICER)
    page.get_by_label("Hình thức tiếp").select_option(label="Thường xuyên")
    page.get_by_label("Ngày tiếp").fill(today)
    page.get_by_label("Địa điểm").fill(PLACE)
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-success")).to_have_text(f"Đã lưu buổi tiếp công dân ngày {today}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Buổi tiếp công dân thường xuyên ngày {today}"
    )
    expect(page.get_by_text("Chưa có lượt tiếp nào.")).to_be_visible()

    # 2. A delegation of 7 people arrives; two of them speak for the group.
    page.get_by_role("link", name="Thêm lượt tiếp").click()
    expect(page.get_by_role("heading", name="Thêm lượt tiếp")).to_be_visible()
    rows = page.locator("[data-person-row]")
    for i, (name, address, identity, phone) in enumerate(REPRESENTATIVES):
        row = rows.nth(i)
        row.get_by_label("Họ và tên").fill(name)
        row.get_by_label("Địa chỉ").fill(address)
        row.get_by_label("Số CCCD/hộ chiếu").fill(identity)
        row.get_by_label("Điện thoại").fill(phone)
        row.get_by_label("Người đại diện").check()
    page.get_by_label("Số người", exact=True).fill("7")
    delegation = page.get_by_label("Đoàn đông người (từ 5 người, cùng một nội dung)")
    expect(delegation).to_be_checked()  # the page ticks it as the number is typed
    # The officer clicks the box too, straight from the number: it stays ticked (the click
    # that took the focus out of the number used to untick what the number had ticked).
    delegation.click()
    expect(delegation).to_be_checked()
    page.get_by_label("Lần tiếp").select_option(label="Lần đầu")
    page.get_by_label("Loại đơn, nội dung").select_option(label="Khiếu nại")
    page.get_by_label("Nội dung tóm tắt").fill(CONTENT)
    page.get_by_label("Thuộc thẩm quyền").select_option(label="Có")
    page.get_by_label("Kết quả tiếp").select_option(label="Nhận đơn")
    page.get_by_label("Tài liệu, giấy tờ công dân nộp (mỗi dòng một tài liệu)").fill(
        "Đơn khiếu nại có 7 chữ ký\nBản sao Quyết định số 125/QĐ-UBND"
    )
    page.get_by_role("button", name="Lưu").click()

    expect(page.locator(".flash-success")).to_have_text("Đã lưu lượt tiếp công dân.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lượt tiếp ngày {today} · Khiếu nại")
    persons = page.locator("table.grid tbody tr")
    expect(persons).to_have_count(2)
    for i, (name, _, identity, _) in enumerate(REPRESENTATIVES):
        expect(persons.nth(i)).to_contain_text(name)
        expect(persons.nth(i)).to_contain_text(identity)
        expect(persons.nth(i)).to_contain_text("Người đại diện")
    expect(page.locator("dl.facts")).to_contain_text("7 · Đoàn đông người")
    expect(page.locator("dl.facts")).to_contain_text("Nhận đơn")
    visit_url = page.url

    # 3. The petition they handed in goes into the register, from the visit.
    page.get_by_role("main").get_by_role("link", name="Vào sổ đơn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vào sổ đơn")
    expect(page.get_by_text(f"Đơn nhận tại lượt tiếp công dân ngày {today}")).to_be_visible()
    # Prefilled from the visit: representatives first, the whole group as signatories.
    expect(page.get_by_label("Nguồn đơn")).to_have_value("reception")
    expect(page.get_by_label("Loại đơn")).to_have_value("complaint")
    expect(page.get_by_label("Ngày nhận đơn")).to_have_value(today)
    expect(page.get_by_label("Tóm tắt nội dung đơn")).to_have_value(CONTENT)
    senders = page.locator(".person-row")
    for i, (name, _, identity, _) in enumerate(REPRESENTATIVES):
        expect(senders.nth(i).get_by_label("Họ và tên")).to_have_value(name)
        expect(senders.nth(i).get_by_label("Số CCCD / định danh / hộ chiếu")).to_have_value(
            identity
        )
    expect(page.get_by_label("Số người ký đơn")).to_have_value("7")
    page.get_by_label("Lĩnh vực").select_option(label="Đất đai")
    page.get_by_role("button", name="Vào sổ").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Đơn số HP-\d{4}-\d{5}$"))
    register_no = heading.inner_text().removeprefix("Đơn số ")
    assert register_no == f"HP-{clock.today().year}-00001"  # the unit's first petition this year
    expect(page.locator(".flash-success")).to_have_text(f"Đã vào sổ đơn số {register_no}.")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Nhận tại buổi tiếp công dân")
    expect(facts).to_contain_text("7 (đơn nhiều người cùng ký)")
    expect(facts).to_contain_text("Đã vào sổ, chờ xử lý")
    # The petition and its visit point at each other.
    page.get_by_role("link", name=f"Lượt tiếp ngày {today}").click()
    expect(page).to_have_url(visit_url)
    expect(page.locator("dl.facts")).to_contain_text(f"Đơn đã vào sổ{register_no}")

    # 4. The reception log of the day (Mẫu 03/TCD), on screen and then as printed.
    nav.get_by_role("link", name="Sổ tiếp công dân").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sổ tiếp công dân")
    page.get_by_label("Từ ngày").fill(today)
    page.get_by_label("Đến ngày").fill(today)
    page.get_by_role("button", name="Xem sổ").click()
    expect(page.locator("table.reception-log tbody tr")).to_have_count(1)
    page.get_by_role("link", name="In sổ").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\blog-print\b"))
    expect(page.locator(".form-no")).to_have_text("Mẫu số 03/TCD")
    expect(page.locator(".log-unit")).to_have_text("UBND THÀNH PHỐ HẢI PHÒNG")
    expect(page.locator(".doc-title")).to_have_text("SỔ TIẾP CÔNG DÂN")
    expect(page.locator(".doc-subtitle")).to_have_text(f"Từ ngày {today} đến ngày {today}")
    log_rows = page.locator("table.reception-log tbody tr")
    expect(log_rows).to_have_count(1)
    cells = log_rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(1)).to_have_text(today)
    who = cells.nth(2)
    expect(who).to_contain_text("Đoàn 7 người, đại diện:")
    for name, address, identity, _ in REPRESENTATIVES:
        expect(who).to_contain_text(f"{name}, {address}")
        expect(cells.nth(3)).to_contain_text(identity)
    expect(cells.nth(4)).to_have_text(CONTENT)
    expect(cells.nth(5)).to_have_text("Khiếu nại")
    expect(cells.nth(6)).to_have_text("7")  # số người cùng nội dung
    expect(cells.nth(8)).to_have_text("Có")  # thuộc thẩm quyền
    # Column 11 names the petition received, so the office finds it in the register.
    expect(cells.nth(10)).to_have_text(f"Nhận đơn: UBND thành phố Hải Phòng, số {register_no}")
    expect(page.get_by_text("1 lượt tiếp.")).to_be_visible()
    # As it goes on paper: the menu, the filters and the buttons are not printed.
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Xem sổ")).to_be_hidden()
    expect(page.locator("table.reception-log")).to_be_visible()
    page.screenshot(path=str(artifacts / "reception-log.png"), full_page=True)
    assert (artifacts / "reception-log.png").stat().st_size > 10_000
    page.emulate_media(media="screen")

    # 5. Tra cứu: the name typed without diacritics finds the petition and the visit.
    nav.get_by_role("link", name="Tra cứu").click()
    expect(page.get_by_role("heading", name="Tra cứu đơn và lượt tiếp công dân")).to_be_visible()
    page.get_by_label("Tìm theo họ tên, số giấy tờ, số vào sổ hoặc nội dung").fill("nguyen van an")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_role("heading", name="Đơn 1")).to_be_visible()
    found = page.locator("tr[data-petition]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(register_no)
    expect(found).to_contain_text("Nguyễn Văn An")
    expect(found).to_contain_text("Khiếu nại")
    expect(page.get_by_role("heading", name="Lượt tiếp 1")).to_be_visible()
    expect(page.locator("tr[data-visit]")).to_contain_text("Nguyễn Văn An")
    found.get_by_role("link", name=register_no).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Đơn số {register_no}")
    assert not errors, errors
