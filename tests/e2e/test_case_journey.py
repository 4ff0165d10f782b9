"""From petition to resolved case, in Chromium: a complaint is in the register; the petition
handler accepts it (a case opens), the chair assigns the case to the inspectorate and one of its
verifiers, who starts the verification, records the decision (the complaint is wrong), sends
it, records that it took effect and that it was carried out. The case page's timeline then
tells the whole story. Saves a screenshot of the case page (test-artifacts/case-timeline.png)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.core.clock import today
from complaints.core.numbers import fmt_date
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import PetitionSource
from tests import factories
from tests.e2e.conftest import watch_errors

from .conftest import case_step as _step
from .conftest import log_out as _log_out

HANDLER = "Phạm Văn Xử Lý"
CHAIR = "Đỗ Minh Chủ Tịch"
VERIFIER = "Vũ Thị Xác Minh"
SUMMARY = (
    "Khiếu nại Quyết định số 125/QĐ-UBND về bồi thường khi thu hồi 320 m² đất nông nghiệp "
    "tại phường Lê Chân."
)
TITLE = "Khiếu nại bồi thường thu hồi đất, hộ ông Nguyễn Văn An"

# Every step's date, counted back from today: a sensible order, none in the future.
DAYS_AGO = {
    "received": 90,
    "accept": 85,
    "assign": 84,
    "start_verification": 80,
    "decide": 60,
    "send": 58,
    "make_final": 25,  # the 30 days to lodge a second complaint ran out unused
    "enforce": 5,
}


def _day(step: str) -> date:
    """The step's date; one falling on a weekend is moved back to the Friday before."""
    day = today() - timedelta(days=DAYS_AGO[step])
    return day - timedelta(days=max(day.weekday() - 4, 0))


def _on(step: str) -> str:
    return fmt_date(_day(step))


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    """pytest-playwright's own is session-scoped and cannot use the module-scoped base_url of
    tests/e2e/conftest.py (ScopeMismatch); this one can."""
    return {"base_url": base_url, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def people(live_app) -> dict[str, str]:
    """The province, its petition handler, its chair, a verifier of the inspectorate; and a
    complaint received by post 90 days ago, in the register through the app's own operation."""
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        hp = units["province"]
        handler = factories.UserFactory(
            username="xulydon", full_name=HANDLER, unit=hp, roles=[Role.petition_handler]
        )
        factories.UserFactory(username="chutich", full_name=CHAIR, unit=hp, roles=[Role.leader])
        factories.UserFactory(
            username="xacminh",
            full_name=VERIFIER,
            title="Thanh tra viên",
            unit=units["inspectorate"],
            roles=[Role.case_handler],
        )
        received = _day("received")
        petition = petition_ops.register_petition(
            handler,
            petition_ops.PetitionData(
                unit=hp,
                received_date=received,
                source=PetitionSource.post,
                kind=PetitionKind.complaint,
                field=Field.land,
                summary=SUMMARY,
                senders=[
                    petition_ops.SenderData(
                        full_name="Nguyễn Văn An",
                        address="Số 5 Lê Lợi, phường Lê Chân, Hải Phòng",
                        identity_no="031085001234",
                    )
                ],
            ),
        )
        register_no = petition.register_no
        db.session.commit()
    return {"register_no": register_no}


def test_from_petition_to_resolved_case(page: Page, people, artifacts, log_in):
    errors = watch_errors(page)
    register_no = people["register_no"]
    nav = page.get_by_role("navigation", name="Chức năng")
    state = page.locator("h1 .badge")

    # 1. The petition handler finds the complaint waiting and accepts it: a case opens.
    log_in("xulydon", HANDLER)
    nav.get_by_role("link", name="Xử lý đơn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đơn chờ xử lý")
    row = page.locator("tbody tr", has_text=register_no)
    expect(row).to_contain_text("Khiếu nại")
    row.get_by_role("link", name="Xử lý").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Xử lý đơn {register_no}")
    expect(page.locator("dl.facts")).to_contain_text("Nguyễn Văn An")
    page.locator("#eligible").get_by_label("Có", exact=True).check()
    page.locator("#competent").get_by_label("Có", exact=True).check()
    page.get_by_label("Hướng xử lý", exact=True).select_option(label="Thụ lý (thuộc thẩm quyền)")
    page.get_by_label("Số văn bản (thông báo thụ lý, phiếu chuyển...)").fill("15/TB-UBND")
    page.get_by_label("Ngày xử lý").fill(_on("accept"))
    page.get_by_label("Tên vụ việc mới (để trống: lấy dòng đầu của nội dung đơn)").fill(TITLE)
    page.get_by_role("button", name="Ghi kết quả xử lý").click()

    expect(page.locator(".flash-success")).to_have_text(
        f"Đã xử lý đơn {register_no}: Thụ lý (thuộc thẩm quyền)."
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Vụ việc VV-HP-\d{4}-\d{5}"))
    case_no = re.search(r"VV-HP-\d{4}-\d{5}", heading.inner_text())[0]
    case_url = page.url
    expect(state).to_have_text("Đã thụ lý")
    expect(page.locator(".lead")).to_have_text(TITLE)
    expect(page.locator("#petitions")).to_contain_text(register_no)
    _log_out(page)

    # 2. The chair gives the case to the inspectorate and one of its verifiers.
    log_in("chutich", CHAIR)
    nav.get_by_role("link", name="Vụ việc", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vụ việc đang giải quyết")
    page.get_by_role("link", name=case_no).click()
    expect(page).to_have_url(case_url)
    page.get_by_role("link", name="Giao xử lý").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Giao xử lý vụ việc {case_no}")
    page.get_by_label("Đơn vị được giao").select_option(label="— HPTTR · Thanh tra thành phố")
    page.get_by_label("Người được giao xử lý, xác minh").select_option(
        label=f"{VERIFIER} · Thanh tra viên (HPTTR)"
    )
    page.get_by_label("Ngày giao").fill(_on("assign"))
    page.get_by_label("Ghi chú").fill("Giao Thanh tra thành phố xác minh, báo cáo kết quả.")
    page.get_by_role("button", name="Giao xử lý").click()
    expect(page.locator(".flash-success")).to_have_text(f"Đã giao xử lý vụ việc {case_no}.")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("HPTTR · Thanh tra thành phố")
    expect(facts).to_contain_text(VERIFIER)
    _log_out(page)

    # 3. The verifier finds the case among hers and takes it to its end.
    log_in("xacminh", VERIFIER)
    nav.get_by_role("link", name="Vụ việc", exact=True).click()
    page.get_by_role("link", name="Vụ việc của tôi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vụ việc của tôi")
    page.get_by_role("link", name=case_no).click()
    expect(page).to_have_url(case_url)
    expect(state).to_have_text("Đã thụ lý")

    _step(page, "Bắt đầu xác minh", _on("start_verification"), doc_no="20/QĐ-TTr")
    expect(state).to_have_text("Đang xác minh")
    _step(
        page,
        "Ban hành quyết định / kết luận",
        _on("decide"),
        doc_no="35/QĐ-UBND",
        **{
            "Kết quả giải quyết": "Sai",
            "Tóm tắt nội dung quyết định, kết luận": (
                "Không công nhận nội dung khiếu nại; giữ nguyên Quyết định số 125/QĐ-UBND."
            ),
        },
    )
    expect(state).to_have_text("Đã ban hành quyết định / kết luận")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text(f"Số 35/QĐ-UBND ngày {_on('decide')} · Sai")
    _step(page, "Gửi quyết định / kết luận", _on("send"), doc_no="36/UBND-TCD")
    expect(state).to_have_text("Đã gửi quyết định / kết luận")
    _step(
        page,
        "Quyết định có hiệu lực",
        _on("make_final"),
        **{"Ghi chú": "Hết 30 ngày, người khiếu nại không khiếu nại lần hai, không khởi kiện."},
    )
    expect(state).to_have_text("Quyết định có hiệu lực")
    _step(
        page,
        "Tổ chức thực hiện quyết định",
        _on("enforce"),
        doc_no="41/BC-TTr",
        **{"Ghi chú": "Đã tổ chức thực hiện quyết định giải quyết khiếu nại."},
    )

    # 4. The case is over: no step is left, and the timeline tells every event in order.
    expect(state).to_have_text("Đã tổ chức thực hiện")
    expect(page.locator("#actions")).to_have_count(0)
    expect(facts).to_contain_text(f"Ngày kết thúc{_on('enforce')}")
    timeline = page.locator("table.timeline tbody tr")
    expected = [
        # (date, step, state change, document, who)
        (_on("received"), "Mở vụ việc", "Mới tiếp nhận", "", HANDLER),
        (_on("accept"), "Thụ lý", "Mới tiếp nhận → Đã thụ lý", "số 15/TB-UBND", HANDLER),
        (_on("assign"), "Giao xử lý", "", "", CHAIR),
        (
            _on("start_verification"),
            "Bắt đầu xác minh",
            "Đã thụ lý → Đang xác minh",
            "Quyết định giao xác minh số 20/QĐ-TTr",
            VERIFIER,
        ),
        (
            _on("decide"),
            "Ban hành quyết định / kết luận",
            "Đang xác minh → Đã ban hành quyết định / kết luận",
            "Quyết định giải quyết khiếu nại số 35/QĐ-UBND",
            VERIFIER,
        ),
        (
            _on("send"),
            "Gửi quyết định / kết luận",
            "Đã ban hành quyết định / kết luận → Đã gửi quyết định / kết luận",
            "số 36/UBND-TCD",
            VERIFIER,
        ),
        (
            _on("make_final"),
            "Quyết định có hiệu lực",
            "Đã gửi quyết định / kết luận → Quyết định có hiệu lực",
            "",
            VERIFIER,
        ),
        (
            _on("enforce"),
            "Tổ chức thực hiện quyết định",
            "Quyết định có hiệu lực → Đã tổ chức thực hiện",
            "số 41/BC-TTr",
            VERIFIER,
        ),
    ]
    expect(timeline).to_have_count(len(expected))
    for i, (on, step, change, document, who) in enumerate(expected):
        cells = timeline.nth(i).locator("td")
        expect(cells.nth(0)).to_have_text(on)
        expect(cells.nth(1)).to_have_text(step)
        expect(cells.nth(2)).to_have_text(change)
        expect(cells.nth(3)).to_contain_text(document)
        expect(cells.nth(5)).to_have_text(who)
    expect(timeline.nth(2).locator("td").nth(4)).to_contain_text("Giao Thanh tra thành phố")
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "case-timeline.png"), full_page=True)
    assert (artifacts / "case-timeline.png").stat().st_size > 10_000

    # A closed case leaves the list of open ones.
    page.get_by_role("link", name="Vụ việc của tôi").click()
    expect(page.get_by_role("link", name=case_no)).to_have_count(0)
    assert not errors, errors
