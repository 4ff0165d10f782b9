"""Who receives, who is competent, who verifies, in Chromium, on the demo province's units and
users (complaints/demo.py, without its generated records):

1. the Ban Tiếp công dân thành phố receives a citizen and registers her complaint against a
   decision of the city's chair;
2. the Thanh tra's petition handler finds it in his queue and accepts it, the competent
   authority left at its default, UBND thành phố: the case is numbered in the city's series;
3. the chair assigns it to the Thanh tra and its verifier, who starts the verification and
   records the decision; the acceptance notice is issued in the city's name, signed by the
   chair, on the page and in its .docx;
4. the report maker's summary counts the case among those within the city's competence;
5. a second petition, about a ward's matter, is transferred inside the system to UBND phường Lê
   Chân: the ward's officer finds it in his queue, processes it and reports the result back,
   which the Thanh tra's handler reads on the petition he sent.

Screenshots: test-artifacts/units-*.png."""

from __future__ import annotations

import re
from datetime import timedelta

import docx
import pytest
from playwright.sync_api import Page, expect

from complaints.core import clock
from complaints.core.numbers import fmt_date
from complaints.extensions import db
from tests.e2e.conftest import watch_errors
from tests.test_notices import docx_text

from .conftest import case_step as _step
from .conftest import log_out as _log_out

PASSWORD = "mat-khau-don-vi-1"
OFFICER = "Phạm Thị Hồng"  # tiepdan, Ban Tiếp công dân thành phố
HANDLER = "Nguyễn Văn Hậu"  # xulydon, Thanh tra thành phố
VERIFIER = "Lê Minh Tuấn"  # xacminh, Thanh tra thành phố
CHAIR = "Trần Quang Vinh"  # lanhdao, UBND thành phố
REPORTER = "Đỗ Thu Trang"  # tonghop, UBND thành phố
WARD_OFFICER = "Bùi Thị Lan"  # tiepdan.lechan, UBND phường Lê Chân
CITY = "UBND thành phố Hải Phòng"

CITIZEN = ("Nguyễn Thị Mai", "Số 12 Trần Phú, phường Lê Chân, Hải Phòng", "031190001122")
COMPLAINT = (
    "Khiếu nại Quyết định số 312/QĐ-UBND của Chủ tịch UBND thành phố về việc thu hồi đất, "
    "bồi thường khi mở rộng đường Trần Phú: giá bồi thường thấp hơn giá thị trường."
)
TITLE = "Khiếu nại Quyết định 312/QĐ-UBND, bà Nguyễn Thị Mai"
FEEDBACK_SENDER = ("Đặng Văn Phúc", "Số 40 Hàng Kênh, phường Lê Chân, Hải Phòng", "031080003344")
FEEDBACK = (
    "Phản ánh hệ thống thoát nước ngõ 40 Hàng Kênh bị tắc, ngập úng mỗi khi mưa; "
    "đề nghị UBND phường Lê Chân khắc phục."
)
WARD_RESULT = "UBND phường đã khơi thông cống thoát nước ngõ 40 Hàng Kênh, trả lời công dân."


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    """pytest-playwright's own is session-scoped and cannot use the module-scoped base_url of
    tests/e2e/conftest.py (ScopeMismatch); this one can."""
    return {
        "base_url": base_url,
        "viewport": {"width": 1366, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture(scope="module")
def province(live_app) -> None:
    """The demo province's units (their roles: the Ban TCD and the Thanh tra advise the city,
    the Thanh tra processes the Ban TCD's petitions) and leaders, and its users; no records."""
    from complaints.auth.operations import create_user
    from complaints.demo import DEMO_USERS, _units

    with live_app.app_context():
        units = _units()
        for username, full_name, title, code, roles in DEMO_USERS:
            create_user(
                None,
                username=username,
                full_name=full_name,
                unit=units[code],
                roles=roles,
                password=PASSWORD,
                title=title,
            )
        db.session.commit()


def _register(page: Page, *, source: str, kind: str, field: str, summary: str, sender) -> str:
    """Fill the petition form (already open) and register it; returns its register number."""
    on = fmt_date(clock.today())
    if page.get_by_label("Ngày nhận đơn").input_value() != on:
        page.get_by_label("Ngày nhận đơn").fill(on)
    page.get_by_label("Nguồn đơn").select_option(label=source)
    page.get_by_label("Loại đơn").select_option(label=kind)
    page.get_by_label("Lĩnh vực").select_option(label=field)
    page.get_by_label("Tóm tắt nội dung đơn").fill(summary)
    row = page.locator(".person-row").first
    name, address, identity = sender
    row.get_by_label("Họ và tên").fill(name)
    row.get_by_label("Địa chỉ").fill(address)
    row.get_by_label("Số CCCD / định danh / hộ chiếu").fill(identity)
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Đơn số HPBTCD-\d{4}-\d{5}$"))
    register_no = heading.inner_text().removeprefix("Đơn số ")
    expect(page.locator(".flash-success")).to_have_text(f"Đã vào sổ đơn số {register_no}.")
    return register_no


def _summary(page: Page, start: str, end: str) -> str:
    """The report summary for the city over [start, end]; returns its headline."""
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Báo cáo", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Lập báo cáo")).to_be_visible()
    page.select_option("select[name=form]", "summary")
    page.select_option("select[name=period]", "range")
    page.fill("input[name=from]", start)
    page.fill("input[name=to]", end)
    page.select_option("select[name=unit]", "HP")
    page.get_by_role("button", name="Xem báo cáo").click()
    headline = page.locator(".report-headline")
    expect(headline).to_be_visible()
    return headline.inner_text()


def _competent(headline: str) -> tuple[int, int]:
    """(petitions, cases) the headline counts within the city's competence."""
    found = re.search(rf"thuộc thẩm quyền {CITY} là (\d+) đơn, (\d+) vụ việc", headline)
    assert found, headline
    return int(found[1]), int(found[2])


def test_units_journey(page: Page, province, artifacts, log_in, tmp_path):
    errors = watch_errors(page)
    today = fmt_date(clock.today())
    week_ago = fmt_date(clock.today() - timedelta(days=7))
    nav = page.get_by_role("navigation", name="Chức năng")
    h1 = page.get_by_role("heading", level=1)
    state = page.locator("h1 .badge")

    # 0. What the city's summary counts before: nothing of this journey yet.
    log_in("tonghop", REPORTER, PASSWORD)
    before = _competent(_summary(page, week_ago, today))
    _log_out(page)

    # 1. The Ban TCD receives the citizen and registers her complaint against the chair's
    # decision, from the visit.
    log_in("tiepdan", OFFICER, PASSWORD)
    nav.get_by_role("link", name="Tiếp công dân", exact=True).click()
    page.get_by_role("link", name="Tạo buổi tiếp").click()
    expect(page.get_by_role("heading", name="Tạo buổi tiếp công dân")).to_be_visible()
    page.get_by_label("Hình thức tiếp").select_option(label="Thường xuyên")
    page.get_by_label("Ngày tiếp").fill(today)
    page.get_by_label("Địa điểm").fill("Trụ sở Ban Tiếp công dân thành phố")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-success")).to_have_text(f"Đã lưu buổi tiếp công dân ngày {today}.")
    page.get_by_role("link", name="Thêm lượt tiếp").click()
    person = page.locator("[data-person-row]").first
    person.get_by_label("Họ và tên").fill(CITIZEN[0])
    person.get_by_label("Địa chỉ").fill(CITIZEN[1])
    person.get_by_label("Số CCCD/hộ chiếu").fill(CITIZEN[2])
    page.get_by_label("Lần tiếp").select_option(label="Lần đầu")
    page.get_by_label("Loại đơn, nội dung").select_option(label="Khiếu nại")
    page.get_by_label("Nội dung tóm tắt").fill(COMPLAINT)
    page.get_by_label("Thuộc thẩm quyền").select_option(label="Có")
    page.get_by_label("Kết quả tiếp").select_option(label="Nhận đơn")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-success")).to_have_text("Đã lưu lượt tiếp công dân.")
    page.get_by_role("main").get_by_role("link", name="Vào sổ đơn").click()
    expect(h1).to_have_text("Vào sổ đơn")
    complaint_no = _register(
        page,
        source="Nhận tại buổi tiếp công dân",
        kind="Khiếu nại",
        field="Đất đai",
        summary=COMPLAINT,
        sender=CITIZEN,
    )
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("HPBTCD · Ban Tiếp công dân thành phố")
    expect(facts).to_contain_text("Đơn vị xử lý đơnThanh tra thành phố")
    # The Ban TCD does not process it: no button here, nor in its menu.
    expect(page.get_by_role("link", name="Xử lý đơn")).to_have_count(0)

    # The second petition, about a ward's matter, registered directly from the form.
    nav.get_by_role("link", name="Vào sổ đơn").click()
    expect(h1).to_have_text("Vào sổ đơn")
    feedback_no = _register(
        page,
        source="Qua bưu chính",
        kind="Kiến nghị, phản ánh",
        field="Lĩnh vực khác",
        summary=FEEDBACK,
        sender=FEEDBACK_SENDER,
    )
    feedback_url = page.url
    _log_out(page)

    # 2. The Thanh tra's handler finds the Ban TCD's complaint in his queue and accepts it, the
    # competent authority left at its default: the city.
    log_in("xulydon", HANDLER, PASSWORD)
    nav.get_by_role("link", name="Xử lý đơn").click()
    expect(h1).to_have_text("Đơn chờ xử lý")
    row = page.locator("tbody tr", has_text=complaint_no)
    expect(row).to_contain_text("Khiếu nại")
    expect(page.locator("tbody tr", has_text=feedback_no)).to_have_count(1)
    row.get_by_role("link", name="Xử lý").click()
    expect(h1).to_have_text(f"Xử lý đơn {complaint_no}")
    page.locator("#eligible").get_by_label("Có", exact=True).check()
    page.locator("#competent").get_by_label("Có", exact=True).check()
    page.get_by_label("Hướng xử lý", exact=True).select_option(label="Thụ lý (thuộc thẩm quyền)")
    authority = page.get_by_label("Cơ quan có thẩm quyền giải quyết")
    expect(authority).to_be_visible()
    expect(authority.locator("option:checked")).to_have_text(f"{CITY} (mặc định)")
    expect(page.get_by_label("Căn cứ xác định thẩm quyền", exact=False)).to_be_visible()
    page.get_by_label("Số văn bản (thông báo thụ lý, phiếu chuyển...)").fill("31/TTr-XLD")
    page.get_by_label("Ngày xử lý").fill(today)
    page.get_by_label("Tên vụ việc mới (để trống: lấy dòng đầu của nội dung đơn)").fill(TITLE)
    authority.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "units-process-authority.png"), full_page=True)
    page.get_by_role("button", name="Ghi kết quả xử lý").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Đã xử lý đơn {complaint_no}: Thụ lý (thuộc thẩm quyền)."
    )
    # Numbered in the city's series; the Thanh tra that processed it stays assigned to it
    # until the chairman assigns otherwise, so the handler lands on the case page.
    expect(h1).to_contain_text(re.compile(r"Vụ việc VV-HP-\d{4}-\d{5}"))
    case_no = re.search(r"VV-HP-\d{4}-\d{5}", h1.inner_text())[0]
    expect(page.locator("main")).to_contain_text("Thanh tra thành phố")

    # 5a. The ward's matter goes to UBND phường Lê Chân, inside the system.
    page.goto(feedback_url)
    page.get_by_role("main").get_by_role("link", name="Xử lý đơn").click()
    expect(h1).to_have_text(f"Xử lý đơn {feedback_no}")
    page.locator("#eligible").get_by_label("Có", exact=True).check()
    page.locator("#competent").get_by_label("Không", exact=True).check()
    page.get_by_label("Hướng xử lý", exact=True).select_option(
        label="Chuyển đơn đến cơ quan có thẩm quyền"
    )
    page.get_by_label("Đơn vị nhận trong hệ thống (chuyển đơn, đôn đốc)").select_option(
        label="— HPLC · UBND phường Lê Chân"
    )
    page.get_by_label("Số văn bản (thông báo thụ lý, phiếu chuyển...)").fill("25/PC-TTr")
    page.get_by_label("Ngày xử lý").fill(today)
    page.get_by_role("button", name="Ghi kết quả xử lý").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Đã xử lý đơn {feedback_no}: Chuyển đơn đến cơ quan có thẩm quyền."
    )
    page.goto(feedback_url)
    sent = page.locator("#transfer-sent")
    expect(sent).to_contain_text("UBND phường Lê Chân")
    receiver_no = sent.locator("[data-receiver-no]").inner_text().strip()
    assert re.fullmatch(r"HPLC-\d{4}-\d{5}", receiver_no), receiver_no
    expect(sent.locator("[data-receiver-state]")).to_have_text("Đã vào sổ, chờ xử lý")
    expect(sent).to_contain_text("Đơn vị nhận chưa báo cáo kết quả.")
    _log_out(page)

    # 3. The chair gives the case to the Thanh tra and its verifier.
    log_in("lanhdao", CHAIR, PASSWORD)
    nav.get_by_role("link", name="Vụ việc", exact=True).click()
    page.get_by_role("link", name=case_no).click()
    expect(h1).to_contain_text(case_no)
    case_url = page.url
    expect(state).to_have_text("Đã thụ lý")
    expect(page.locator("dl.facts").first).to_contain_text(f"Cơ quan có thẩm quyềnHP · {CITY}")
    page.get_by_role("link", name="Giao xử lý").click()
    expect(h1).to_have_text(f"Giao xử lý vụ việc {case_no}")
    page.get_by_label("Đơn vị được giao").select_option(label="— HPTTR · Thanh tra thành phố")
    page.get_by_label("Người được giao xử lý, xác minh").select_option(
        label=f"{VERIFIER} · Thanh tra viên chính (HPTTR)"
    )
    page.get_by_label("Ngày giao").fill(today)
    page.get_by_role("button", name="Giao xử lý").click()
    expect(page.locator(".flash-success")).to_have_text(f"Đã giao xử lý vụ việc {case_no}.")
    _log_out(page)

    # The verifier starts the verification and records the decision.
    log_in("xacminh", VERIFIER, PASSWORD)
    nav.get_by_role("link", name="Vụ việc", exact=True).click()
    page.get_by_role("link", name="Vụ việc của tôi").click()
    page.get_by_role("link", name=case_no).click()
    expect(page).to_have_url(case_url)
    _step(page, "Bắt đầu xác minh", today, doc_no="20/QĐ-TTr")
    expect(state).to_have_text("Đang xác minh")
    _step(
        page,
        "Ban hành quyết định / kết luận",
        today,
        doc_no="45/QĐ-UBND",
        **{
            "Kết quả giải quyết": "Sai",
            "Tóm tắt nội dung quyết định, kết luận": (
                "Không công nhận nội dung khiếu nại; giữ nguyên Quyết định số 312/QĐ-UBND."
            ),
        },
    )
    expect(state).to_have_text("Đã ban hành quyết định / kết luận")
    _log_out(page)

    # The chair issues the acceptance notice in the city's name and signs it.
    log_in("lanhdao", CHAIR, PASSWORD)
    page.goto(case_url)
    acceptance = page.locator("#notices li", has_text="Thông báo thụ lý").first
    page.goto(acceptance.get_by_role("link", name="Xem, in").get_attribute("href"))
    expect(page.get_by_role("heading", name="Cấp số và ký ban hành")).to_be_visible()
    page.get_by_label("Người ký").select_option(label=f"{CHAIR} — Chủ tịch (ký thay mặt)")
    page.get_by_role("button", name="Cấp số và ký ban hành").click()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text(re.compile(rf"Đã cấp số \d+/TB-UBND, {CHAIR} ký ban hành\."))
    number = re.search(r"\d+/TB-UBND", flash.inner_text())[0]
    notice = page.locator("article.notice")
    expect(notice.locator(".notice-issuer")).to_contain_text("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG")
    expect(notice.locator(".notice-issuer")).to_contain_text(f"Số: {number}")
    signer = notice.locator(".notice-signer")
    expect(signer).to_contain_text("TM. ỦY BAN NHÂN DÂN")
    expect(signer).to_contain_text("CHỦ TỊCH")
    expect(signer).to_contain_text(CHAIR)
    expect(notice.locator(".notice-recipients")).to_contain_text("Lưu: VT, TTr.")
    page.screenshot(path=str(artifacts / "units-notice-issued.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải bản Word (.docx) để chỉnh sửa").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    text = docx_text(target.read_bytes())
    for expected in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        f"Số: {number}",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        CHAIR,
        "Lưu: VT, TTr.",
    ):
        assert expected in text, (expected, text)
    assert docx.Document(str(target)).paragraphs  # a real Word file
    _log_out(page)

    # 4. The report maker's summary counts the case within the city's competence.
    log_in("tonghop", REPORTER, PASSWORD)
    after = _competent(_summary(page, week_ago, today))
    assert after == (before[0] + 1, before[1] + 1), (before, after)
    page.locator('td[data-figure="competent.cases"] a').click()
    expect(page.locator("table.report-records")).to_contain_text(case_no)
    _log_out(page)

    # 5b. The ward's officer finds the transferred petition in his queue, processes it and
    # reports the result back.
    log_in("tiepdan.lechan", WARD_OFFICER, PASSWORD)
    nav.get_by_role("link", name="Xử lý đơn").click()
    expect(h1).to_have_text("Đơn chờ xử lý")
    row = page.locator("tbody tr", has_text=receiver_no)
    expect(row).to_contain_text("Kiến nghị, phản ánh")
    page.screenshot(path=str(artifacts / "units-ward-queue.png"), full_page=True)
    row.get_by_role("link", name="Xử lý").click()
    expect(h1).to_have_text(f"Xử lý đơn {receiver_no}")
    expect(page.locator("dl.facts").first).to_contain_text(
        "Cơ quan, đơn vị trong hệ thống chuyển đến"
    )
    page.locator("#eligible").get_by_label("Có", exact=True).check()
    page.locator("#competent").get_by_label("Có", exact=True).check()
    page.get_by_label("Hướng xử lý", exact=True).select_option(label="Thụ lý (thuộc thẩm quyền)")
    ward_authority = page.get_by_label("Cơ quan có thẩm quyền giải quyết")
    expect(ward_authority.locator("option:checked")).to_have_text("UBND phường Lê Chân (mặc định)")
    page.get_by_label("Số văn bản (thông báo thụ lý, phiếu chuyển...)").fill("07/TB-UBND")
    page.get_by_label("Ngày xử lý").fill(today)
    page.get_by_role("button", name="Ghi kết quả xử lý").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Đã xử lý đơn {receiver_no}: Thụ lý (thuộc thẩm quyền)."
    )
    expect(h1).to_contain_text(re.compile(r"Vụ việc VV-HPLC-\d{4}-\d{5}"))  # the ward's own
    # The received petition's page, from the ward's register: where the result is reported.
    nav.get_by_role("link", name="Sổ đơn", exact=True).click()
    page.locator("tbody tr", has_text=receiver_no).get_by_role("link", name=receiver_no).click()
    expect(h1).to_have_text(f"Đơn số {receiver_no}")
    came = page.locator("#transfer-received")
    # The sender is the unit whose register holds the petition, the Ban TCD, on the transfer
    # letter the Thanh tra's handler wrote for it.
    expect(came).to_contain_text("Đơn vị chuyểnBan Tiếp công dân thành phố")
    expect(came).to_contain_text(f"Đơn của đơn vị chuyển{feedback_no}")
    expect(came).to_contain_text("25/PC-TTr")
    form = page.locator("#transfer-result-form")
    form.get_by_label("Kết quả giải quyết, xử lý đơn").fill(WARD_RESULT)
    form.get_by_label("Ngày báo cáo").fill(today)
    form.get_by_label("Số văn bản báo cáo kết quả").fill("12/BC-UBND")
    form.get_by_role("button", name="Gửi báo cáo kết quả").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#transfer-received")).to_contain_text(WARD_RESULT)
    _log_out(page)

    # The Thanh tra's handler reads the ward's number, state and result on the petition he sent.
    log_in("xulydon", HANDLER, PASSWORD)
    page.goto(feedback_url)
    sent = page.locator("#transfer-sent")
    expect(sent.locator("[data-receiver-no]")).to_have_text(receiver_no)
    expect(sent.locator("[data-receiver-state]")).to_have_text("Đã xử lý")
    expect(sent.locator("[data-receiver-outcome]")).to_contain_text("Thụ lý (thuộc thẩm quyền)")
    expect(sent.locator("[data-transfer-result]")).to_have_text(WARD_RESULT)
    expect(sent).to_contain_text("12/BC-UBND")
    sent.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "units-sender-result.png"), full_page=True)
    for name in ("process-authority", "notice-issued", "ward-queue", "sender-result"):
        assert (artifacts / f"units-{name}.png").stat().st_size > 10_000
    assert not errors, errors
