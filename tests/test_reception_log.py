"""The reception log (sổ tiếp công dân, Mẫu 03/TCD): columns, order, range, scope, printing."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.reception import views
from complaints.reception.models import RefusalGround, VisitOutcome

from .factories_reception import SessionFactory, VisitFactory

COLUMNS = [
    "STT",
    "Ngày tiếp",
    "Họ tên, địa chỉ",
    "Số CCCD/giấy tờ",
    "Nội dung tóm tắt",
    "Loại đơn",
    "Số người cùng nội dung",
    "Cơ quan đã giải quyết",
    "Thuộc thẩm quyền",
    "Hướng dẫn (cơ quan, số văn bản)",
    "Cơ quan thụ lý (số văn bản chuyển)",
    "Theo dõi kết quả",
    "Ghi chú",
]
RANGE = "date_from=01/01/2026&date_to=15/01/2026"


def visit_on(unit, day: date, content: str, **kw):
    return VisitFactory(session=SessionFactory(unit=unit, session_date=day), content=content, **kw)


def body_rows(html: str) -> list[str]:
    tbody = html.split('<table class="grid reception-log">', 1)[1].split("<tbody>", 1)[1]
    return tbody.split("</tbody>", 1)[0].split("<tr>")[1:]


def cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


@pytest.fixture()
def officer(login_as):
    return login_as(Role.reception_officer)


def test_log_has_the_thirteen_columns_in_date_order(web, officer, province, db):
    commune, dept = province["commune"], province["department"]
    visit_on(commune, date(2026, 1, 10), "Nội dung ngày mười")
    visit_on(
        dept,
        date(2026, 1, 6),
        "Nội dung ngày sáu",
        kind=PetitionKind.feedback,
        outcome=VisitOutcome.guided,
        outcome_body="Phòng Tài nguyên và Môi trường",
        outcome_doc_no="12/HD-TCD",
        previous_resolver="UBND phường Lê Chân",
        competent=False,
        follow_up="Đã trả lời ngày 20/01",
        note="Công dân đồng ý",
    )
    visit_on(
        commune,
        date(2026, 1, 8),
        "Nội dung ngày tám",
        outcome=VisitOutcome.transferred,
        outcome_body="Sở Xây dựng",
        outcome_doc_no="15/CV-TCD",
        is_repeat=True,
        people_count=3,
        persons=[
            {"full_name": "Lê Văn Một", "address": "Số 1 Cầu Đất", "identity_no": "031090000011"},
            {"full_name": "Lê Văn Hai", "address": "Số 2 Cầu Đất", "identity_no": "031090000012"},
        ],
    )
    visit_on(commune, date(2026, 1, 20), "Ngoài khoảng thời gian")
    visit_on(province["other"], date(2026, 1, 7), "Của Hà Nội")
    html = web.get(f"/reception/log?{RANGE}").get_data(as_text=True)
    header = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th>([^<]+)</th>", header)[:13] == COLUMNS
    assert [f"({i})" for i in range(1, 14)] == re.findall(r"<th>(\(\d+\))</th>", header)
    assert "Mẫu số 03/TCD" in html and "SỔ TIẾP CÔNG DÂN" in html
    assert "Từ ngày 01/01/2026 đến ngày 15/01/2026" in html
    rows = body_rows(html)
    assert len(rows) == 3
    order = [
        html.index(t) for t in ("Nội dung ngày sáu", "Nội dung ngày tám", "Nội dung ngày mười")
    ]
    assert order == sorted(order)
    assert "Ngoài khoảng thời gian" not in html and "Của Hà Nội" not in html

    first = [" ".join(c) for c in cells(rows[0])]
    assert first[0] == "1" and first[1] == "06/01/2026"
    assert first[2] == "Trần Văn Dân, Số 5 phố Lạch Tray, phường Lê Chân, Hải Phòng"
    assert first[3] == "031090001234"
    assert first[5] == "Kiến nghị, phản ánh" and first[6] == "1"
    assert first[7] == "UBND phường Lê Chân" and first[8] == "Không"
    assert first[9] == "Phòng Tài nguyên và Môi trường (số 12/HD-TCD)" and first[10] == ""
    assert first[11] == "Đã trả lời ngày 20/01" and first[12] == "Công dân đồng ý"
    second = [" ".join(c) for c in cells(rows[1])]
    assert second[0] == "2" and "Lê Văn Một" in second[2] and "Lê Văn Hai" in second[2]
    assert second[3] == "031090000011 031090000012" and second[6] == "3"
    assert second[9] == "" and second[10] == "Sở Xây dựng (số 15/CV-TCD)"
    assert second[12] == "Tiếp nhiều lần" and second[8] == ""


def test_log_delegation_refusal_and_petition_columns(web, officer, province, db):
    visit_on(
        province["commune"],
        date(2026, 1, 5),
        "Đoàn khiếu nại",
        people_count=12,
        is_delegation=True,
        outcome=VisitOutcome.petition_received,
        competent=True,
        persons=[
            {"full_name": "Đại Diện Một", "identity_no": "031090000021", "is_representative": True},
            {"full_name": "Thành Viên", "identity_no": ""},
        ],
    )
    visit_on(
        province["commune"],
        date(2026, 1, 6),
        "Người gây rối",
        outcome=VisitOutcome.refused,
        refusal_ground=RefusalGround.disorderly,
    )
    rows = body_rows(web.get(f"/reception/log?{RANGE}").get_data(as_text=True))
    group = [" ".join(c) for c in cells(rows[0])]
    assert group[2].startswith("Đoàn 12 người, đại diện:") and "Thành Viên" not in group[2]
    assert group[6] == "12" and group[8] == "Có"
    assert group[10] == "Nhận đơn: UBND phường Lê Chân"
    refused = [" ".join(c) for c in cells(rows[1])]
    assert refused[12].startswith("Từ chối tiếp: Có hành vi đe dọa")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=15/01/2026&date_to=01/01/2026", "“Đến ngày” phải sau hoặc bằng “Từ ngày”."),
        ("date_from=31/02/2026&date_to=01/03/2026", "Ngày không hợp lệ"),
        ("date_from=hôm qua&date_to=01/03/2026", "Ngày không hợp lệ"),
        ("date_from=&date_to=01/03/2026", "Vui lòng nhập thông tin này."),
        ("date_from=01/01/2026&date_to=15/01/2026&unit_id=abc", "Lựa chọn không hợp lệ"),
        ("date_from=01/01/2026&date_to=15/01/2026&unit_id=99999999999999", "Lựa chọn không hợp lệ"),
        ("page=2", "Vui lòng nhập thông tin này."),
    ],
)
def test_bad_range_gets_a_message_not_a_500(web, officer, province, query, message):
    visit_on(province["commune"], date(2026, 1, 5), "Một lượt tiếp")
    resp = web.get(f"/reception/log?{query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html and "Sổ chưa được lập" in html
    assert "Một lượt tiếp" not in html


def test_unit_filter_and_its_subtree(web, officer, province, db):
    visit_on(province["province"], date(2026, 1, 5), "Của thành phố")
    visit_on(province["commune"], date(2026, 1, 5), "Của phường Lê Chân")
    visit_on(province["commune2"], date(2026, 1, 5), "Của phường Hải An")
    html = web.get(f"/reception/log?{RANGE}&unit_id={province['commune'].id}").get_data(
        as_text=True
    )
    assert "Của phường Lê Chân" in html and "Của phường Hải An" not in html
    assert "Của thành phố" not in html and "UBND PHƯỜNG LÊ CHÂN" in html
    whole = web.get(f"/reception/log?{RANGE}&unit_id={province['province'].id}").get_data(
        as_text=True
    )
    assert all(t in whole for t in ("Của thành phố", "Của phường Lê Chân", "Của phường Hải An"))
    alone = web.get(
        f"/reception/log?{RANGE}&unit_id={province['province'].id}&only_unit=y"
    ).get_data(as_text=True)
    assert "Của thành phố" in alone and "Của phường Hải An" not in alone


def test_commune_user_log_is_limited_to_the_commune(web, login_as, province, db):
    visit_on(province["commune"], date(2026, 1, 5), "Của phường Lê Chân")
    visit_on(province["commune2"], date(2026, 1, 5), "Của phường Hải An")
    visit_on(province["province"], date(2026, 1, 5), "Của thành phố")
    login_as(Role.leader, unit=province["commune"])
    html = web.get(f"/reception/log?{RANGE}").get_data(as_text=True)
    assert "Của phường Lê Chân" in html
    assert "Của phường Hải An" not in html and "Của thành phố" not in html
    html = web.get(f"/reception/log?{RANGE}&unit_id={province['province'].id}").get_data(
        as_text=True
    )
    assert "Lựa chọn không hợp lệ" in html and "Của thành phố" not in html


def test_screen_is_paginated_and_print_has_everything(web, officer, province, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for day in (5, 6, 7):
        visit_on(province["commune"], date(2026, 1, day), f"Lượt ngày {day}")
    html = web.get(f"/reception/log?{RANGE}").get_data(as_text=True)
    assert "Lượt ngày 5" in html and "Lượt ngày 6" in html and "Lượt ngày 7" not in html
    assert "Trang 1/2" in html and "In sổ" in html
    assert "all=1&amp;date_from=01/01/2026&amp;date_to=15/01/2026" in html
    page2 = web.get(f"/reception/log?{RANGE}&unit_id={province['province'].id}&page=2")
    html2 = page2.get_data(as_text=True)
    assert "Lượt ngày 7" in html2 and "Lượt ngày 5" not in html2
    assert " ".join(cells(body_rows(html2)[0])[0]) == "3"  # STT goes on
    printed = web.get(f"/reception/log?{RANGE}&all=1").get_data(as_text=True)
    assert all(f"Lượt ngày {d}" in printed for d in (5, 6, 7))
    assert "data-print" in printed and "Trang 1/2" not in printed
    monkeypatch.setattr(views, "LOG_PRINT_CAP", 2)
    capped = web.get(f"/reception/log?{RANGE}&all=1").get_data(as_text=True)
    assert "Lượt ngày 7" not in capped and "bản in chỉ gồm 2 lượt đầu tiên" in capped


def test_a_log_of_more_visits_than_its_count_cap_says_so(web, officer, province, app, monkeypatch):
    """A country's half year is 1.25 million visits: the pager counts up to the register's cap,
    says "more than", and a narrower range gives the exact total again."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "REGISTER_COUNT_CAP", 3)
    for day in (5, 6, 7, 8, 9):
        visit_on(province["commune"], date(2026, 1, day), f"Lượt ngày {day}")
    html = web.get(f"/reception/log?{RANGE}").get_data(as_text=True)
    assert "Trang 1/2 · hơn 3 bản ghi" in html
    assert "Sổ có hơn 3 lượt tiếp trong khoảng này" in html
    last = web.get(f"/reception/log?{RANGE}&page=2").get_data(as_text=True)
    assert "Lượt ngày 7" in last and " ".join(cells(body_rows(last)[0])[0]) == "3"
    narrow = web.get("/reception/log?date_from=05/01/2026&date_to=07/01/2026").get_data(
        as_text=True
    )
    assert "Trang 1/2 · 3 bản ghi" in narrow and "Sổ có hơn" not in narrow


def test_default_log_opens_on_the_current_month(web, officer):
    resp = web.get("/reception/log")
    assert resp.status_code == 200 and "SỔ TIẾP CÔNG DÂN" in resp.get_data(as_text=True)


def test_log_runs_the_same_number_of_queries_for_3_or_30_visits(web, officer, province, db):
    def queries_for_log() -> int:
        seen: list[str] = []

        def listen(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert web.get(f"/reception/log?{RANGE}&all=1").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    for i in range(3):
        visit_on(province["commune"], date(2026, 1, 5 + i), f"Lượt {i}")
    queries_for_log()  # the first page after login also reloads the user the login expired
    few = queries_for_log()
    for i in range(27):
        visit_on(province["commune2"], date(2026, 1, 1 + i % 14), f"Thêm {i}")
    assert queries_for_log() == few
