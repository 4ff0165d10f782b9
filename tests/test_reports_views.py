"""The report pages through the test client: the official table with the hand-counted figures
of tests/test_reports_figures.py, drill-down lists, exports, closing a period, settings and
every kind of bad input."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.confidentiality import MASK as REDACTED
from complaints.core.vocab import PetitionKind
from complaints.petitions.models import Petition, PetitionSender
from complaints.reception.models import Visit, VisitPerson
from complaints.reports.models import ClosedReport, ReportSettings

from . import factories
from . import test_reports_figures as figures
from .conftest import prints_on_a4
from .test_reports_figures import _petition

# The hand-counted fixture of the figure tests, registered here under a clearer name.
hand_counted = figures.fixture

MONTH = {"period": "month", "year": "2026", "month": "3", "unit": "HP"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DENOUNCER = "Trần Thị Tố Giác"


def url(path="/reports/", **args) -> str:
    from urllib.parse import urlencode

    return f"{path}?{urlencode(args)}" if args else path


def report_url(form, sub=True, **extra) -> str:
    args = {"form": form, **MONTH, **extra}
    if sub:
        args["sub"] = "1"
    return url(**args)


def row_cells(html: str, row: str = "total") -> dict[str, str]:
    """The figures of a table row as shown: {figure id: text}."""
    part = html.split(f'data-row="{row}"', 1)[1].split("</tr>", 1)[0]
    return dict(re.findall(r'data-figure="([^"]+)">(?:<a [^>]*>)?([^<]*)', part))


def links(html: str) -> dict[str, str]:
    """The drill-down link of each figure of the total row."""
    part = html.split('data-row="total"', 1)[1].split("</tr>", 1)[0]
    found = re.findall(r'data-figure="([^"]+)"><a href="([^"]+)"', part)
    return {fid: href.replace("&amp;", "&") for fid, href in found}


def record_ids(html: str) -> list[int]:
    table = html.split('class="grid report-records"', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', table)]


def no_report(html: str) -> bool:
    return "report-sheet" not in html and "report-table" not in html


@pytest.fixture()
def maker(login_as, hand_counted):
    return login_as(Role.report_maker)


# --- the form and the table ----------------------------------------------------------------


def test_the_page_offers_every_official_form(web, maker):
    page = web.get("/reports/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and no_report(html)
    for name in (
        "Báo cáo tóm tắt",
        "Mẫu số 01/TCD: Tổng hợp kết quả tiếp công dân",
        "Mẫu số 02/TCD",
        "Mẫu số 01/XLD: Tổng hợp kết quả xử lý đơn",
        "Mẫu số 02/XLD",
        "Mẫu số 03/XLD",
        "Mẫu số 04/XLD",
        "Mẫu số 01/KQGQ: Tổng hợp kết quả giải quyết khiếu nại",
        "Mẫu số 03/KQGQ: Tổng hợp kết quả giải quyết tố cáo",
    ):
        assert name in html
    assert "Quý III" in html and "9 tháng" in html and "Khoảng ngày tự chọn" in html
    assert "Kèm đơn vị trực thuộc" in html
    assert 'href="/reports/"' in html  # the nav link "Báo cáo"
    assert ">Báo cáo</a>" in html


def test_01_xld_shows_the_hand_counted_figures(web, maker):
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Mẫu số 01/XLD" in html and "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN" in html
    assert "Số liệu tính từ ngày 15/02/2026 đến ngày 14/03/2026" in html
    total = row_cells(html)
    assert {k: total[k] for k in total} == {
        "petitions.carried_over": "1",
        "petitions.received": "6",
        "petitions.total": "7",
        "petitions.processed": "5",
        "petitions.eligible": "4",
        "petitions.eligible_cases": "3",
        "petitions.by_kind.complaint": "2",
        "petitions.by_kind.denunciation": "1",
        "petitions.by_kind.feedback": "1",
        "petitions.competent": "2",
        "petitions.not_competent": "2",
        "petitions.not_competent.guide": "1",
        "petitions.not_competent.transfer": "1",
        "petitions.not_competent.urge": "0",
    }
    assert row_cells(html, "HPLC")["petitions.total"] == "2"
    assert row_cells(html, "HPHA")["petitions.total"] == "1"
    assert row_cells(html, "HP")["petitions.total"] == "4"
    assert "Số liệu chưa khớp" not in html


def test_the_table_has_merged_headers_and_column_numbers(web, maker):
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert '<th rowspan="2">STT</th><th rowspan="2">Đơn vị</th>' in html
    assert '<th colspan="3">Tổng số đơn</th><th rowspan="2">Đã xử lý</th>' in html
    assert '<th colspan="2">Đủ điều kiện xử lý</th>' in html
    assert "<th>(1)</th>" in html and "<th>(16)</th>" in html and "<th>(17)</th>" not in html
    # A row per sub-unit, in code order after the unit's own row, then the total.
    order = re.findall(r'<tr data-row="([A-Z]+)">', html)
    assert order == ["HP", "HPHA", "HPLC", "HPSTNMT", "HPTTR"]
    assert "UBND thành phố Hải Phòng (cấp mình)" in html and "Tổng cộng" in html


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            "01-TCD",
            {
                "reception.visits": "4",
                "reception.people": "11",
                "reception.cases_first": "2",
                "reception.delegations": "1",
                "reception.delegation_people": "7",
                "reception.leader.sessions": "2",
                "reception.leader.in_person": "1",
                "reception.leader.delegated": "1",
            },
        ),
        ("02-TCD", {"reception.petitions": "1", "reception.petitions.by_kind.complaint": "1"}),
        ("02-XLD", {"petitions.received": "4", "petitions.by_field.land": "2"}),
        ("03-XLD", {"petitions.received": "1", "petitions.not_competent.transfer": "1"}),
        ("04-XLD", {"petitions.received": "1", "petitions.not_competent.guide": "1"}),
        (
            "01-KQGQ",
            {
                "competent.cases": "4",
                "competent.cases_carried_over": "2",
                "competent.resolved": "3",
                "competent.resolution_rate": "75,00",
                "competent.outcomes.withdrawn": "1",
                "competent.on_time": "2",
                "competent.late": "1",
            },
        ),
        ("03-KQGQ", {"competent.cases": "1", "competent.resolution_rate": "100,00"}),
    ],
)
def test_every_form_shows_its_figures(web, maker, form, expected):
    html = web.get(report_url(form)).get_data(as_text=True)
    total = row_cells(html)
    assert {k: total[k] for k in expected} == expected


def test_a_unit_alone_has_only_the_total_row(web, maker):
    html = web.get(report_url("01-TCD", sub=False)).get_data(as_text=True)
    assert row_cells(html)["reception.visits"] == "2"
    assert 'data-row="HPLC"' not in html
    assert "&sub=0&" in links(html)["reception.visits"]  # the convention follows


def test_the_summary_writes_the_headline(web, maker):
    html = web.get(report_url("summary", sub=False)).get_data(as_text=True)
    assert (
        "Tháng 3/2026, toàn thành phố đã tiếp 4 lượt với 11 người khiếu nại, tố cáo, kiến nghị, "
        "phản ánh; nhận và xử lý 7 đơn thư các loại; số vụ việc khiếu nại, tố cáo thuộc thẩm "
        "quyền UBND thành phố Hải Phòng là 3 đơn, 3 vụ việc, đã giải quyết 3 vụ việc, đạt tỷ lệ "
        "100,00%, còn 0 vụ việc đang giải quyết." in html
    )


def test_the_seed_sentence_and_vietnamese_thousands(web, db):
    from .test_reports_haiphong import EXPECTED, build_haiphong

    hp = build_haiphong(db)
    web.login(factories.UserFactory(unit=hp, roles=[Role.leader]))
    args = {"period": "9m", "year": "2019", "unit": "HP"}
    html = web.get(url(form="summary", **args)).get_data(as_text=True)
    assert EXPECTED in html
    html = web.get(url(form="01-TCD", sub="1", **args)).get_data(as_text=True)
    total = row_cells(html)
    assert (total["reception.visits"], total["reception.people"]) == ("5.873", "10.626")
    html = web.get(url(form="01-KQGQ", **args)).get_data(as_text=True)
    assert re.search(r'data-figure="competent.resolution_rate">\d', html)


def test_a_failing_identity_is_shown_in_a_warning_box(web, maker, hand_counted, db):
    _petition(
        hand_counted["province"],
        date(2026, 3, 3),
        processed=date(2026, 3, 4),
        eligible=True,
        competent=False,
        outcome="file",
    )
    db.session.flush()
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert 'class="report-warning"' in html and "Số liệu chưa khớp" in html
    box = html.split('class="report-warning"', 1)[1].split("</div>", 1)[0]
    assert "Hướng dẫn + chuyển đơn + đôn đốc = đơn không thuộc thẩm quyền (2 ≠ 3)" in box


# --- bad input: a message in the form, never a partial report, never a 500 ----------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"form": "01-XLD", "period": "range", "from": "14/03/2026", "to": "15/02/2026"},
            "kết thúc trước khi bắt đầu",
        ),
        ({"form": "09-XYZ", **MONTH}, "Lựa chọn không hợp lệ"),
        ({"form": "01-XLD", **{**MONTH, "unit": "NOPE"}}, "Đơn vị không tồn tại"),
        ({"form": "01-XLD", **{**MONTH, "unit": "HN"}}, "nằm ngoài phạm vi"),
        ({"form": "01-XLD", **{**MONTH, "month": ""}}, "hãy chọn tháng"),
        ({"form": "01-XLD", "period": "month", "month": "3", "unit": "HP"}, "Nhập năm"),
        ({"form": "01-XLD", **{**MONTH, "year": "abc"}}, "Nhập một số nguyên"),
        ({"form": "01-XLD", **{**MONTH, "year": "99999"}}, "Năm phải từ 1901"),
        ({"form": "01-XLD", **{**MONTH, "month": "13"}}, "Lựa chọn không hợp lệ"),
        ({"form": "01-XLD", **{**MONTH, "period": "week"}}, "Lựa chọn không hợp lệ"),
        (
            {"form": "01-XLD", "period": "range", "from": "31/02/2026", "to": "14/03/2026"},
            "Ngày không hợp lệ",
        ),
        ({"form": "01-XLD", "period": "range", "unit": "HP"}, "Nhập ngày bắt đầu"),
        ({"form": "01-XLD", "period": "range", "from": "01/03/2026"}, "Nhập ngày kết thúc"),
    ],
)
def test_bad_input_is_explained_in_the_form(web, maker, args, message):
    page = web.get(url(**args))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert message in html and "Chưa lập được báo cáo" in html
    assert no_report(html)
    for export in ("/reports/report.xlsx", "/reports/report.json"):
        resp = web.get(url(export, **args))
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)


def test_a_commune_user_reports_only_on_its_own_tree(web, login_as, hand_counted):
    login_as(Role.leader, unit=hand_counted["commune"])
    page = web.get("/reports/").get_data(as_text=True)
    assert 'value="HPLC"' in page and 'value="HP"' not in page
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "nằm ngoài phạm vi" in html and no_report(html)
    html = web.get(report_url("01-XLD", unit="HPLC")).get_data(as_text=True)
    assert row_cells(html)["petitions.total"] == "2"


@pytest.mark.parametrize(
    "role", [Role.reception_officer, Role.petition_handler, Role.case_handler, Role.admin]
)
def test_roles_without_report_view_are_refused(web, login_as, hand_counted, role):
    login_as(role)
    for path in (
        report_url("01-XLD"),
        url("/reports/report.xlsx", form="01-XLD", **MONTH),
        url("/reports/report.json", form="01-XLD", **MONTH),
        url("/reports/records", figure="petitions.total", form="01-XLD", unit="HP"),
    ):
        assert web.get(path).status_code == 403, path
    # the administrator lists the locked periods, to reopen one (no figures shown)
    assert web.get("/reports/closed").status_code == (200 if role == Role.admin else 403)
    nav = web.get("/", follow_redirects=True).get_data(as_text=True)
    if role == Role.admin:
        assert 'href="/reports/settings">Báo cáo</a>' in nav
    else:
        assert ">Báo cáo</a>" not in nav


def test_anonymous_visitors_go_to_the_login_page(client, hand_counted):
    resp = client.get(report_url("01-XLD"))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# --- drill-down ----------------------------------------------------------------------------


def test_the_drilldown_of_petitions_total_lists_exactly_its_7_petitions(web, maker, db):
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    href = links(html)["petitions.total"]
    assert "figure=petitions.total" in href and "sub=1" in href
    page = web.get(href)
    listing = page.get_data(as_text=True)
    assert page.status_code == 200
    expected = db.session.scalars(
        sa.select(Petition.id).where(
            Petition.received_date.in_(
                [
                    date(2026, 2, 1),
                    date(2026, 3, 1),
                    date(2026, 3, 2),
                    date(2026, 3, 5),
                    date(2026, 3, 6),
                    date(2026, 3, 8),
                    date(2026, 3, 10),
                ]
            )
        )
    ).all()
    assert len(expected) == 7
    assert sorted(record_ids(listing)) == sorted(expected)
    assert "Tổng số đơn: 7" in listing and "7 bản ghi" in listing


def test_the_drilldown_of_a_subunit_row_lists_its_records(web, maker):
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    part = html.split('data-row="HPLC"', 1)[1].split("</tr>", 1)[0]
    href = re.search(r'data-figure="petitions.total"><a href="([^"]+)"', part).group(1)
    listing = web.get(href.replace("&amp;", "&")).get_data(as_text=True)
    assert len(record_ids(listing)) == 2 and "HPLC" in listing


@pytest.mark.parametrize(
    ("form", "figure", "count", "source"),
    [
        ("01-TCD", "reception.visits", 4, "visit"),
        ("01-TCD", "reception.people", 4, "visit"),
        ("01-TCD", "reception.leader.sessions", 2, "session"),
        ("01-KQGQ", "competent.cases", 4, "case"),
        ("01-KQGQ", "competent.petitions", 3, "case_petition"),
        ("01-XLD", "petitions.eligible_cases", 4, "petition"),
    ],
)
def test_each_source_has_its_drilldown(web, maker, form, figure, count, source):
    html = web.get(report_url(form)).get_data(as_text=True)
    listing = web.get(links(html)[figure]).get_data(as_text=True)
    assert f'data-source="{source}"' in listing
    assert len(record_ids(listing)) == count


def test_the_summary_drilldown_follows_its_scope(web, maker):
    html = web.get(report_url("summary")).get_data(as_text=True)
    hrefs = dict(
        (fid, href.replace("&amp;", "&"))
        for fid, href in re.findall(r'data-figure="([^"]+)"><a href="([^"]+)"', html)
    )
    assert "&sub=1&" in hrefs["reception.visits"]  # the convention follows
    assert "&sub=0&" in hrefs["competent.cases"]  # the convention follows
    assert len(record_ids(web.get(hrefs["reception.visits"]).get_data(as_text=True))) == 4
    # Complaints and denunciations of the unit itself (the rate's kinds): 3 cases.
    assert len(record_ids(web.get(hrefs["competent.cases"]).get_data(as_text=True))) == 3
    assert "competent.resolution_rate" not in "".join(hrefs)


def test_the_drilldown_is_paginated(web, maker, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    href = links(html)["petitions.total"]
    first = web.get(href).get_data(as_text=True)
    assert len(record_ids(first)) == 3 and "Trang 1/3" in first
    last = web.get(href + "&page=3").get_data(as_text=True)
    assert len(record_ids(last)) == 1
    assert len(record_ids(web.get(href + "&page=abc").get_data(as_text=True))) == 3
    assert web.get(href + "&page=-5").status_code == 200


def _with_denouncer(db) -> tuple[Petition, Visit]:
    petition = db.session.scalar(
        sa.select(Petition).where(Petition.kind == PetitionKind.denunciation)
    )
    petition.senders.append(PetitionSender(position=0, full_name=DENOUNCER, address="Lê Chân"))
    visit = db.session.scalar(sa.select(Visit).where(Visit.kind == PetitionKind.denunciation))
    visit.persons.append(VisitPerson(position=0, full_name=DENOUNCER))
    db.session.flush()
    return petition, visit


def _identity_events(db) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "identity.viewed")
    ).all()


@pytest.mark.parametrize("figure", ["petitions.total", "reception.visits"])
def test_a_report_maker_does_not_see_who_denounced(web, maker, db, figure):
    _with_denouncer(db)
    form = "01-XLD" if figure.startswith("petitions") else "01-TCD"
    html = web.get(report_url(form)).get_data(as_text=True)
    listing = web.get(links(html)[figure]).get_data(as_text=True)
    assert DENOUNCER not in listing and REDACTED in listing
    assert not _identity_events(db)


@pytest.mark.parametrize("figure", ["petitions.total", "reception.visits"])
def test_a_leader_sees_who_denounced_and_it_is_logged(web, login_as, hand_counted, db, figure):
    login_as(Role.leader)
    petition, visit = _with_denouncer(db)
    form = "01-XLD" if figure.startswith("petitions") else "01-TCD"
    html = web.get(report_url(form)).get_data(as_text=True)
    listing = web.get(links(html)[figure]).get_data(as_text=True)
    assert DENOUNCER in listing and REDACTED not in listing
    (event,) = _identity_events(db)
    expected = petition.id if figure.startswith("petitions") else visit.id
    assert expected in event.after["petition_ids"] + event.after["visit_ids"]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ({"figure": "petitions.nope", "form": "01-XLD", "unit": "HP"}, 404),
        ({"figure": "reception.visits", "form": "01-XLD", "unit": "HP"}, 404),
        ({"figure": "petitions.total", "form": "09-XYZ", "unit": "HP"}, 404),
        ({"figure": "petitions.total", "form": "01-XLD", "unit": "NOPE"}, 404),
        ({"figure": "petitions.total", "form": "01-XLD", "unit": "HN"}, 404),
        ({"figure": "petitions.total", "form": "01-XLD", "unit": "HP", "from": "x"}, 400),
        (
            {
                "figure": "petitions.total",
                "form": "01-XLD",
                "unit": "HP",
                "from": "2026-03-14",
                "to": "2026-02-15",
            },
            400,
        ),
    ],
)
def test_bad_drilldowns_are_refused(web, maker, args, status):
    args = {"from": "2026-02-15", "to": "2026-03-14", "sub": "1", **args}
    resp = web.get(url("/reports/records", **args))
    assert resp.status_code == status
    assert "report-records" not in resp.get_data(as_text=True)


def test_a_commune_user_cannot_drill_into_the_province(web, login_as, hand_counted):
    login_as(Role.leader, unit=hand_counted["commune"])
    args = {"figure": "petitions.total", "form": "01-XLD", "from": "2026-02-15", "to": "2026-03-14"}
    assert web.get(url("/reports/records", unit="HP", sub="1", **args)).status_code == 404
    mine = web.get(url("/reports/records", unit="HPLC", sub="1", **args))
    assert len(record_ids(mine.get_data(as_text=True))) == 2


# --- print and exports ---------------------------------------------------------------------


def test_print_button_and_print_css(web, maker, app):
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "data-print" in html and "js/reports.js" in html and "css/print.css" in html
    assert "<script>" not in html and 'style="' not in html
    css = web.get("/static/css/print.css")
    text = css.get_data(as_text=True)
    css.close()
    assert "@page report{size:A4 landscape" in text


def test_xlsx_download_is_laid_out_like_the_form(web, maker):
    resp = web.get(url("/reports/report.xlsx", form="01-XLD", sub="1", **MONTH))
    assert resp.status_code == 200
    assert resp.mimetype == XLSX_MIME
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "01-XLD_HP_2026-02-15_2026-03-14.xlsx" in (
        disposition
    )
    ws = load_workbook(io.BytesIO(resp.data)).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A5:A6", "B5:B6", "C5:E5", "F5:F6"} <= merged
    assert ws["C5"].value == "Tổng số đơn" and ws["C6"].value == "Kỳ trước chuyển sang"
    total = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert total[2:5] == (1, 6, 7)
    assert all(isinstance(v, int) for v in total[2:])


def test_xlsx_of_the_rate_stores_a_number(web, maker):
    resp = web.get(url("/reports/report.xlsx", form="01-KQGQ", sub="1", **MONTH))
    ws = load_workbook(io.BytesIO(resp.data)).active
    total = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert 75.0 in total


@pytest.mark.parametrize("form", ["01-XLD", "01-KQGQ", "01-TCD"])
def test_every_form_workbook_prints_on_a4_landscape_with_its_header_on_each_page(web, maker, form):
    ws = load_workbook(io.BytesIO(web.get(url("/reports/report.xlsx", form=form, **MONTH)).data))
    prints_on_a4(ws.active, landscape=True, title_rows="$5:$7")


def test_the_summary_workbook_holds_its_figures_not_only_the_sentence(web, maker):
    """Issue 14, item 14: the summary's .xlsx has the table the page shows, numbers as
    numbers, under the sentence."""
    resp = web.get(url("/reports/report.xlsx", form="summary", **MONTH))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(max_col=3, values_only=True))
    assert rows[4][0].startswith("Tháng 3/2026, toàn thành phố đã tiếp 4 lượt")  # the sentence
    header = rows.index(("Chỉ tiêu", "Số liệu", "Phạm vi"))
    figures = {r[0]: r[1] for r in rows[header + 1 :] if r[0]}
    page = web.get(report_url("summary")).get_data(as_text=True)
    table = page[page.index('class="grid report-summary"') :]
    shown = dict(
        re.findall(
            r'<td>([^<]+)</td>\s*<td class="num" data-figure="[^"]+">(?:<a[^>]*>)?([^<]*)<', table
        )
    )
    assert len(figures) == len(shown) >= 9
    for label, text in shown.items():
        value = figures[label]
        if text == "–":
            assert value is None, label
        elif "," in text:  # the rate, with its decimals
            assert isinstance(value, int | float) and value == float(text.replace(",", ".")), label
        else:
            assert isinstance(value, int) and value == int(text.replace(".", "")), label
    prints_on_a4(ws, landscape=False, title_rows=f"${header + 1}:${header + 1}")
    # each kind apart: its own table under the summary's
    each = web.get(url("/reports/report.xlsx", form="summary", kinds="each", **MONTH))
    rows = list(load_workbook(io.BytesIO(each.data)).active.iter_rows(values_only=True))
    kinds = next(r for r in rows if r[0] == "Chỉ tiêu" and r[1] != "Số liệu")
    assert kinds[1:3] == ("Khiếu nại", "Tố cáo")
    per_kind = rows[rows.index(kinds) + 1 :]
    assert len(per_kind) == 5 and all(isinstance(v, int) for v in per_kind[0][1:3])


def test_json_download_has_figure_identifiers(web, maker):
    resp = web.get(url("/reports/report.json", form="01-XLD", sub="1", **MONTH))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(resp.data)
    assert data["figures"]["petitions.total"] == 7
    assert (data["from"], data["to"], data["unit"]) == ("2026-02-15", "2026-03-14", "HP")
    assert [r["unit"] for r in data["rows"]] == ["HP", "HPHA", "HPLC", "HPSTNMT", "HPTTR"]
    assert data["closed"] is None and data["live"] is True


# --- closing a period ----------------------------------------------------------------------


def _close(web, form="01-XLD", **extra):
    page = report_url(form, **extra)
    return web.post_form(url("/reports/close", **dict(_page_args(page))), {}, form_url=page)


def _page_args(page_url: str):
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(page_url).query)


def test_closing_freezes_the_figures_and_shows_differences(web, maker, hand_counted, db):
    page = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Khóa số liệu kỳ này" in page
    resp = _close(web)
    assert resp.status_code == 302 and "/reports/" in resp.headers["Location"]
    html = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã khóa số liệu ngày" in html and maker.full_name in html
    assert "Khóa số liệu kỳ này" not in html
    assert "Số liệu hiện tại trùng với số liệu đã khóa" in html

    _petition(hand_counted["commune"], date(2026, 3, 3))  # a late correction
    db.session.flush()
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert row_cells(html)["petitions.total"] == "7"  # frozen
    diffs = html.split('class="grid report-diffs', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr data-figure="[^"]+"><td>([^<]+)</td><td>([^<]+)</td>'
        r'<td class="num">([^<]+)</td><td class="num">([^<]+)</td></tr>',
        diffs,
    )
    assert ("Tổng cộng", "Tổng số đơn", "7", "8") in rows
    assert ("Tổng cộng", "Đơn tiếp nhận trong kỳ", "6", "7") in rows
    assert ("UBND phường Lê Chân", "Tổng số đơn", "2", "3") in rows

    live = web.get(report_url("01-XLD", live="1")).get_data(as_text=True)
    assert row_cells(live)["petitions.total"] == "8"
    assert "Đang xem số liệu hiện tại" in live

    frozen_json = json.loads(
        web.get(url("/reports/report.json", form="01-XLD", sub="1", **MONTH)).data
    )
    assert frozen_json["figures"]["petitions.total"] == 7 and frozen_json["live"] is False
    assert frozen_json["closed"]["by"] == maker.full_name
    live_json = json.loads(
        web.get(url("/reports/report.json", form="01-XLD", sub="1", live="1", **MONTH)).data
    )
    assert live_json["figures"]["petitions.total"] == 8 and live_json["live"] is True
    ws = load_workbook(
        io.BytesIO(web.get(url("/reports/report.xlsx", form="01-XLD", sub="1", **MONTH)).data)
    ).active
    total = next(row for row in ws.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert total[4] == 7


def test_a_frozen_rate_keeps_its_published_decimals(web, maker, hand_counted, db):
    _close(web, "01-KQGQ")
    db.session.add(ReportSettings(unit_id=hand_counted["province"].id, rounding="half_up_0"))
    db.session.flush()
    assert (
        row_cells(web.get(report_url("01-KQGQ")).get_data(as_text=True))[
            "competent.resolution_rate"
        ]
        == "75,00"
    )
    live = web.get(report_url("01-KQGQ", live="1")).get_data(as_text=True)
    assert row_cells(live)["competent.resolution_rate"] == "75"


def test_the_summary_can_be_closed(web, maker):
    resp = _close(web, "summary", sub=False)
    html = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã khóa số liệu ngày" in html and "đạt tỷ lệ 100,00%" in html


def test_closing_twice_is_refused(web, maker, db):
    _close(web)
    resp = _close(web)
    html = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "đã được khóa số liệu" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosedReport)) == 1


def test_closing_is_audited(web, maker, db):
    _close(web)
    kinds = db.session.scalars(sa.select(AuditEvent.kind)).all()
    assert "report.closed" in kinds


def test_closing_needs_the_permission_and_a_csrf_token(web, login_as, hand_counted, db):
    login_as(Role.leader)
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Khóa số liệu kỳ này" not in html
    assert _close(web).status_code == 403
    web.logout()
    login_as(Role.report_maker)
    close_url = url("/reports/close", **dict(_page_args(report_url("01-XLD"))))
    assert web.client.post(close_url, data={}).status_code == 400
    assert web.get(close_url).status_code == 405
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosedReport)) == 0


def test_closing_bad_input_closes_nothing(web, maker, db):
    page = report_url("01-XLD")
    resp = web.post_form(
        url("/reports/close", form="01-XLD", period="month", unit="HP"), {}, form_url=page
    )
    assert resp.status_code == 302
    assert "Chưa khóa được" in web.get(resp.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosedReport)) == 0


def test_the_list_of_closed_periods_shows_only_my_units(web, maker, hand_counted, db):
    from complaints.reports import service
    from complaints.reports.periods import standard_period

    other = factories.UserFactory(unit=hand_counted["other"], roles=[Role.report_maker])
    service.close_period(other, "01-TCD", hand_counted["other"], standard_period("q1", 2026), False)
    _close(web)
    html = web.get("/reports/closed").get_data(as_text=True)
    assert "Mẫu số 01/XLD" in html and "Tháng 3/2026" in html and "15/02/2026" in html
    assert "UBND thành phố Hà Nội" not in html
    link = re.search(r'<a href="(/reports/\?[^"]+)">Mẫu số 01/XLD', html).group(1)
    page = web.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Đã khóa số liệu ngày" in page


# --- settings ------------------------------------------------------------------------------


SETTINGS = {
    "rate_basis": "cases",
    "rate_kinds": "both",
    "rounding": "half_up_2",
    "cutoff_day": "14",
    "feedback_days": "15",
}


def test_settings_change_the_rounding_shown(web, maker, hand_counted, db):
    page = web.get("/reports/settings").get_data(as_text=True)
    assert "thiết lập mặc định" in page
    resp = web.post_form("/reports/settings?unit=HP", {**SETTINGS, "rounding": "half_up_1"})
    assert resp.status_code == 302
    html = web.get(report_url("01-KQGQ")).get_data(as_text=True)
    assert row_cells(html)["competent.resolution_rate"] == "75,0"
    own = db.session.get(ReportSettings, hand_counted["province"].id)
    assert own.rounding == "half_up_1"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.kind == "report.settings_changed")
    )
    assert event.after == {"rounding": "half_up_1"} and event.before == {"rounding": "half_up_2"}
    # Sub-units inherit it; saving the same values again changes nothing.
    commune = web.get("/reports/settings?unit=HPLC").get_data(as_text=True)
    assert "đang dùng thiết lập của UBND thành phố Hải Phòng" in commune
    web.post_form("/reports/settings?unit=HP", {**SETTINGS, "rounding": "half_up_1"})
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "report.settings_changed")
        )
        == 1
    )


def test_settings_cutoff_day_moves_the_period(web, maker):
    web.post_form("/reports/settings?unit=HP", {**SETTINGS, "cutoff_day": "31"})
    html = web.get(report_url("01-XLD")).get_data(as_text=True)
    assert "Số liệu tính từ ngày 01/03/2026 đến ngày 31/03/2026" in html
    # Received from 1/3 to 31/3: six petitions up to 10/3, and the one of 20/3.
    assert row_cells(html)["petitions.received"] == "7"


def test_settings_rate_on_petitions(web, maker):
    web.post_form("/reports/settings?unit=HP", {**SETTINGS, "rate_basis": "petitions"})
    html = web.get(report_url("01-KQGQ")).get_data(as_text=True)
    # Petitions of resolved cases (3) over petitions of competent cases (3).
    assert row_cells(html)["competent.resolution_rate"] == "100,00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cutoff_day": "32"}, "Ngày chốt số liệu phải từ 1 đến 31."),
        ({"cutoff_day": "abc"}, "Nhập một số nguyên."),
        ({"cutoff_day": ""}, "Vui lòng nhập thông tin này."),
        ({"feedback_days": "0"}, "Thời hạn phải từ 1 đến 365 ngày."),
        ({"rounding": "half_even_2"}, "Lựa chọn không hợp lệ"),
        ({"rate_basis": "people"}, "Lựa chọn không hợp lệ"),
        ({"rate_kinds": "feedback"}, "Lựa chọn không hợp lệ"),
    ],
)
def test_bad_settings_are_refused_beside_the_field(web, maker, db, change, message):
    resp = web.post_form("/reports/settings?unit=HP", {**SETTINGS, **change})
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSettings)) == 0


def test_settings_of_a_unit_outside_scope_are_refused(web, maker, db):
    assert web.get("/reports/settings?unit=HN").status_code == 404
    assert web.get("/reports/settings?unit=NOPE").status_code == 404
    resp = web.post_form("/reports/settings?unit=HN", SETTINGS, form_url="/reports/settings")
    assert resp.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSettings)) == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.report_maker, 200),
        (Role.admin, 200),
        (Role.leader, 403),
        (Role.reception_officer, 403),
        (Role.case_handler, 403),
    ],
)
def test_settings_permission(web, login_as, hand_counted, role, status):
    login_as(role)
    assert web.get("/reports/settings").status_code == status
