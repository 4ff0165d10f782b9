"""The layout holds for every role (issue 14, item 13 and "Checks that keep it so"): at 1366 px
the top menu of each role fits on one line; on a phone (390 px) no landing page or page of the
top menu scrolls sideways; a visit whose summary is one 10,000-character word stretches neither
the visit page nor the reception log. (Every page of every journey is also checked with axe-core
and for sideways scroll at 1366 px: tests/e2e/page_checks.py.)"""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from complaints.core.access import Role
from complaints.core.numbers import fmt_date
from complaints.extensions import db
from tests import factories
from tests.e2e.page_checks import PHONE, WIDE, PageChecks, sideways
from tests.factories_reception import SessionFactory

TODAY = date(2026, 6, 30)
# One account per role (and the ward's officer who also handles petitions), with long names as
# real ones are: the header names the user.
ACCOUNTS = {
    "quantri": ("Nguyễn Thị Phương Thảo", [Role.admin]),
    "lanhdao": ("Trần Quang Khải Hoàn", [Role.leader]),
    "tonghop": ("Phạm Thị Thanh Hương", [Role.report_maker]),
    "tiepdan": ("Lê Thị Tiếp Dân", [Role.reception_officer]),
    "xulydon": ("Hoàng Văn Xử Lý", [Role.petition_handler]),
    "xacminh": ("Đỗ Minh Xác Minh", [Role.case_handler]),
    "tiepdan2": ("Vũ Thị Ngọc Ánh", [Role.reception_officer, Role.petition_handler]),
}
LONG_WORD = "A" * 10_000
# Where the header's parts sit: the menu's items and the header's own children, by top edge.
MENU_JS = """() => {
  const bar = document.querySelector("header.topbar");
  const items = [...bar.querySelectorAll(".mainnav > a, .mainnav > details > summary")];
  const parts = [...bar.children].filter(e => e.offsetParent !== null);
  const w = e => e.getBoundingClientRect().width;
  const spread = xs => Math.max(...xs) - Math.min(...xs);
  const mid = e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; };
  // The width the header's parts take when laid in one line, against the width it has.
  const gap = parseFloat(getComputedStyle(bar.querySelector(".mainnav")).columnGap);
  const barGap = parseFloat(getComputedStyle(bar).columnGap);
  const others = parts.filter(e => !e.matches(".mainnav"));
  return {height: Math.round(bar.getBoundingClientRect().height), items: items.length,
          need: Math.round(items.reduce((s, e) => s + w(e), 0) + gap * (items.length - 1)
                           + others.reduce((s, e) => s + w(e) + barGap, 0)),
          have: bar.clientWidth - 32,
          // One line: the items' and the parts' middles at one height (within a few pixels).
          itemSpread: Math.round(spread(items.map(mid))),
          partSpread: Math.round(spread(parts.map(mid)))};
}"""


@pytest.fixture(scope="module")
def browser_context_args(base_url):
    return {"base_url": base_url, "viewport": WIDE}


@pytest.fixture(scope="module", autouse=True)
def _today(live_app):
    live_app.config["TODAY"] = TODAY.isoformat()
    yield
    live_app.config.pop("TODAY", None)


@pytest.fixture(scope="module")
def accounts(live_app) -> dict[str, int]:
    """The province, one account per role, and a reception session held today."""
    with live_app.app_context():
        factories.bind(db.session)
        units = factories.province_tree()
        for username, (full_name, roles) in ACCOUNTS.items():
            factories.UserFactory(
                username=username, full_name=full_name, unit=units["province"], roles=roles
            )
        session = SessionFactory(unit=units["province"], session_date=TODAY)
        db.session.commit()
        return {"session": session.id}


def test_each_role_menu_fits_one_line_and_phone_pages_do_not_scroll(
    page: Page, base_url, accounts, log_in, artifacts
):
    menus, phone_pages, problems = {}, set(), []
    for username, (full_name, _) in ACCOUNTS.items():
        page.set_viewport_size(WIDE)
        log_in(username, full_name)
        menu = page.evaluate(MENU_JS)
        menus[username] = menu
        if username == "lanhdao":
            page.locator("header.topbar").screenshot(path=artifacts / "menu-1366-leader.png")
        if menu["itemSpread"] > 4 or menu["partSpread"] > 4:
            problems.append(f"{username}: the header takes more than one line at 1366 px: {menu}")
        # The phone: the landing page, then each page of the menu (once for all roles).
        page.set_viewport_size(PHONE)
        landing = page.url
        links = page.eval_on_selector_all(".mainnav a[href]", "els => els.map(e => e.href)")
        for url in [landing, *links]:
            if url in phone_pages:
                continue
            phone_pages.add(url)
            if page.url != url:
                page.goto(url)
            wide = sideways(page)
            if wide:
                problems.append(f"{username}: {url} scrolls sideways at 390 px: {wide}")
        page.context.clear_cookies()
    (artifacts / "menu-1366.json").write_text(json.dumps(menus, indent=2))
    assert not problems, "\n".join(problems)
    # One line of menu: every role's header is as tall as the shortest one.
    heights = {username: menu["height"] for username, menu in menus.items()}
    assert max(heights.values()) <= min(heights.values()) + 2, heights
    assert len(phone_pages) >= 15, phone_pages


def test_a_ten_thousand_character_word_stretches_nothing(page: Page, base_url, accounts, log_in):
    log_in("tiepdan", "Lê Thị Tiếp Dân")
    page.goto(f"{base_url}/reception/sessions/{accounts['session']}")
    page.get_by_role("link", name="Thêm lượt tiếp").click()
    row = page.locator("[data-person-row]").first
    row.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    row.get_by_label("Số CCCD/hộ chiếu").fill("031085001234")
    page.get_by_label("Loại đơn, nội dung").select_option(label="Khiếu nại")
    page.get_by_label("Nội dung tóm tắt").fill(LONG_WORD)
    page.get_by_label("Kết quả tiếp").select_option(label="Nhận đơn")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash-success")).to_have_text("Đã lưu lượt tiếp công dân.")
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        assert sideways(page) is None, ("visit", viewport, sideways(page))
    page.goto(f"{base_url}/reception/log?date_from={fmt_date(TODAY)}&date_to={fmt_date(TODAY)}")
    expect(page.locator("table.reception-log")).to_contain_text(LONG_WORD[:100])
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        assert sideways(page) is None, ("log", viewport, sideways(page))


def test_the_page_checks_see_what_they_look_for(browser, base_url):
    """The checks themselves work: an image without its text, grey on white and a block wider
    than the window are each reported."""
    checks = PageChecks()
    html = (
        '<!doctype html><html lang="vi"><head><title>Thử</title></head><body><main>'
        '<img src="/static/none.png"><p style="color:#bbb">Chữ mờ</p>'
        '<div style="width:3000px">Rộng</div></main></body></html>'
    )
    checks.pending.append(("/thu", f"{base_url}/thu-kiem-tra", html))
    problems = "\n".join(checks.check_pending(browser))
    assert "image-alt (critical)" in problems
    assert "color-contrast (serious)" in problems
    assert "scrolls sideways at 1366 px" in problems
    assert checks.checked == ["/thu"]
