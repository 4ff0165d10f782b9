"""Checking a report a unit sent (issue 13, item 7): the rate's rounding guessed or flagged,
the identities the reported figures break, the comparison with the registers, typed or
uploaded as the form's .xlsx, kept with the period, printable, and refused cleanly."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.numbers import round_decimal
from complaints.reports import checking, service
from complaints.reports.checking import RATE, guess_rounding, read_count, read_rate
from complaints.reports.layouts import LAYOUTS
from complaints.reports.models import ReportedFigures

from . import factories
from . import test_reports_figures as figures

hand_counted = figures.fixture
KQGQ = LAYOUTS["01-KQGQ"]
CHOICE = {"form": "01-KQGQ", "unit": "HP", "period": "month", "year": "2026", "month": "3"}


def rate_check(rate, resolved=None, cases=None, **more):
    entered = {RATE: rate, **more}
    if resolved is not None:
        entered["competent.resolved"] = resolved
    if cases is not None:
        entered["competent.cases"] = cases
    return checking.check_rates(KQGQ, entered)[0]


# --- the rate: which rounding gives it --------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "num", "den", "rounding"),
    [
        ("88,24", 240, 272, "half_up_2"),  # the worked example of DOMAIN.md §9
        ("79,63", 176, 221, "truncate_2"),  # 79,638...: cut, not rounded
        ("79,64", 176, 221, "half_up_2"),
        ("6,3", 1, 16, "half_up_1"),  # 6,25: the tie goes up when rounding...
        ("6,2", 1, 16, "truncate_1"),  # ...and stays when cutting
        ("13", 1, 8, "half_up_0"),  # 12,5
        ("12", 1, 8, "truncate_0"),
        ("100", 5, 5, "exact"),
        ("100,00", 5, 5, "exact"),
        ("100", 999, 1000, "half_up_0"),  # 99,9 rounds to 100
        ("99", 999, 1000, "truncate_0"),
        ("0", 0, 7, "exact"),
    ],
)
def test_the_rounding_that_reproduces_a_rate_is_named(rate, num, den, rounding):
    check = rate_check(rate, num, den)
    assert check.ok is True and check.rounding == rounding, check.message


def test_the_messages_name_the_rounding():
    assert rate_check("79,63", 176, 221).message == (
        "79,63 = 176/221 làm tròn xuống (cắt bỏ) 2 chữ số thập phân."
    )
    assert rate_check("88,24", 240, 272).message == "88,24 = 240/272 làm tròn 2 chữ số thập phân."
    both = rate_check("88,2", 240, 272)  # 88,235...: both ways give 88,2
    assert both.ok and "cắt bỏ phần sau cũng cho cùng kết quả" in both.message


@pytest.mark.parametrize("typed", ["88,9", "88.9", "88,9%", " 88,9 % "])
def test_the_issue_rate_is_flagged_with_the_true_quotient(typed):
    entered, errors = checking.read_entered(
        KQGQ, {RATE: typed, "competent.resolved": "238", "competent.cases": "316"}
    )
    assert not errors and entered[RATE] == "88,9"
    check = checking.check_rates(KQGQ, entered)[0]
    assert check.ok is False
    assert check.message == "88,9% không phải là 238/316 (= 75,32%) theo cách làm tròn nào."
    assert check.quotient_text == "75,3165…"
    assert any("Tỷ lệ đúng: 75,3%" in h for h in check.hints)
    assert any("281 vụ việc đã giải quyết" in h for h in check.hints)  # 281/316 = 88,92%


def test_a_rate_over_zero_cases_is_flagged():
    assert rate_check("100", 0, 0).ok is False
    assert "là 0" in rate_check("0", 0, 0).message
    assert rate_check("50", 3, 0).ok is False
    assert guess_rounding(Decimal("50"), 3, 0) is None


def test_a_rate_without_its_numerator_says_which_numerators_give_it():
    check = rate_check("88,24", cases=272)
    assert check.ok is None
    assert "ứng với 240 vụ việc đã giải quyết (làm tròn 2 chữ số thập phân)" in check.message
    wide = rate_check("88", cases=1000)  # 87,5..88,4 rounds to 88, 88,0..88,9 is cut to it
    assert "từ 875 đến 884 vụ việc đã giải quyết (làm tròn đến số nguyên)" in wide.message
    assert "từ 880 đến 889 vụ việc đã giải quyết (làm tròn xuống" in wide.message
    assert rate_check("50", cases=3).ok is False  # 1/3, 2/3: no count gives 50%
    assert "272" in rate_check("88,24", resolved=240).message  # and the denominator
    assert rate_check("88,24").ok is None


def test_another_quotient_of_the_report_is_suggested():
    # 238 resolved over the 268 new cases = 88,81 -> "88,8": computed on the new cases only
    check = rate_check("88,8", 238, 316, **{"competent.cases_new": 268})
    assert check.ok is False
    assert any("đã giải quyết / thụ lý mới" in h for h in check.hints)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5.873", 5873), ("5873", 5873), ("5 873", 5873), ("1.234.567", 1234567), (12.0, 12), (7, 7)],
)
def test_counts_are_read_the_vietnamese_way(value, expected):
    assert read_count(value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("-5", "âm"),
        (-5, "âm"),
        ("9" * 40, "quá lớn"),
        ("1e309", "không phải số nguyên"),
        ("12,5", "không phải số nguyên"),
        (12.5, "không phải số nguyên"),
        (float("nan"), "không phải số nguyên"),
        ("NaN", "không phải số nguyên"),
        ("<script>", "không phải số nguyên"),
        (True, "không phải là số"),
    ],
)
def test_bad_counts_are_refused_in_vietnamese(value, why):
    with pytest.raises(ValueError, match=why):
        read_count(value)


def test_rates_keep_their_published_decimals():
    assert read_rate("88,90") == Decimal("88.90")
    assert read_rate(88.9) == Decimal("88.9")
    assert read_rate(88.2353, places=2) == Decimal("88.24")  # a cell shown with 2 decimals
    assert read_rate(100.0) == Decimal("100")
    for bad in ("abc", "-3", "1.000,5", "88,9,1", "1e3", True, float("inf"), "5000"):
        with pytest.raises(ValueError, match="tỷ lệ phần trăm"):
            read_rate(bad)


def test_broken_identities_show_both_sides():
    entered = {
        "competent.resolved": 238,
        "competent.outcomes.upheld": 100,
        "competent.outcomes.partly_upheld": 50,
        "competent.outcomes.rejected": 80,
        "competent.outcomes.withdrawn": 10,
        "competent.on_time": 200,
        "competent.late": 38,
    }
    broken, checked, unchecked = checking.check_identities(KQGQ, entered)
    assert checked == 2 and len(broken) == 1
    assert broken[0].label == "Đúng + đúng một phần + sai + rút = đã giải quyết"
    assert (broken[0].left_sum, broken[0].right_sum) == (240, 238)
    assert broken[0].text == "100 + 50 + 80 + 10 = 240 ≠ 238"
    assert len(unchecked) == 2  # the two identities on cases lack their figures


# --- against the registers --------------------------------------------------------------------


def _hp_report(db_fixture, with_subunits=True):
    return service.build(
        "01-KQGQ", db_fixture["province"], figures.PERIOD, with_subunits=with_subunits
    )


def test_a_consistent_report_has_nothing_to_say(hand_counted):
    report = _hp_report(hand_counted)
    entered = {k: v for k, v in report.total.values.items() if k in checking._headers(KQGQ)}
    entered[RATE] = checking.fmt_percent_text(report.total.rate)
    comparison = checking.compare(KQGQ, entered, report.total.values, report.total.rate)
    assert comparison.consistent, (comparison.differences, comparison.broken, comparison.rates)
    assert comparison.rates[0].ok is True
    assert comparison.identities_checked == 4


def test_a_rate_printed_cut_to_one_decimal_is_no_difference(hand_counted):
    """The registers' rate is stated the way the unit printed its own (the trial: HP's own
    21/43 printed 48,8 was shown as 48,84 and a difference of −0,04)."""
    report = _hp_report(hand_counted)
    values = report.total.values
    entered = {k: v for k, v in values.items() if k in checking._headers(KQGQ)}
    exact = Decimal(values["competent.resolved"] * 100) / Decimal(values["competent.cases"])
    entered[RATE] = checking.fmt_percent_text(round_decimal(exact, 1, "truncate"))
    comparison = checking.compare(KQGQ, entered, values, report.total.rate)
    assert comparison.consistent, (comparison.differences, comparison.rates)


def test_an_inconsistent_report_shows_each_difference(hand_counted):
    report = _hp_report(hand_counted)
    entered = {"competent.cases": 316, "competent.resolved": 238, RATE: "88,9"}
    comparison = checking.compare(KQGQ, entered, report.total.values, report.total.rate)
    lines = {line.figure: line for line in comparison.lines}
    assert lines["competent.cases"].difference == 316 - report.total.values["competent.cases"]
    assert lines["competent.cases_new"].reported is None
    assert lines["competent.cases_new"].difference is None
    resolved, cases = (report.total.values[k] for k in ("competent.resolved", "competent.cases"))
    at_one_decimal = round_decimal(Decimal(resolved * 100) / Decimal(cases), 1, "half_up")
    assert lines[RATE].registers == at_one_decimal  # stated at the decimals it was printed
    assert lines[RATE].difference == Decimal("88.9") - at_one_decimal
    assert [r.ok for r in comparison.rates] == [False]
    assert not comparison.consistent


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture()
def maker(login_as, hand_counted):
    return login_as(Role.report_maker)


def new_url(**choice) -> str:
    return "/reports/checks/new?" + urlencode({**CHOICE, **choice})


def post_entry(web, data, files=None, **choice):
    url = new_url(**choice)
    payload = dict(data)
    if files:
        payload["file"] = files
    return web.post_form(url, payload, content_type="multipart/form-data")


def field_names(html: str) -> dict[str, str]:
    """figure id -> the name of its input."""
    found = re.findall(r'<input[^>]*data-figure="([^"]+)"[^>]*name="(c\d+)"', html)
    found += [
        (f, n) for n, f in re.findall(r'<input[^>]*name="(c\d+)"[^>]*data-figure="([^"]+)"', html)
    ]
    return dict(found)


def typed(web, values: dict) -> dict:
    names = field_names(web.get(new_url()).get_data(as_text=True))
    return {names[k]: v for k, v in values.items()}


def entries(db) -> list[ReportedFigures]:
    return list(db.session.scalars(sa.select(ReportedFigures).order_by(ReportedFigures.id)))


def test_typing_the_issue_report_flags_its_rate(web, maker, db):
    page = web.get("/reports/checks/new")
    assert page.status_code == 200 and "01/KQGQ" in page.get_data(as_text=True)
    form = web.get(new_url()).get_data(as_text=True)
    assert 'name="c0"' in form and "Đã giải quyết" in form
    data = typed(web, {"competent.cases": "316", "competent.resolved": "238", RATE: "88,9%"})
    resp = post_entry(web, {**data, "note": "Báo cáo số 12/BC-UBND ngày 20/3/2026"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = entries(db)
    assert entry.figures == {"competent.cases": 316, "competent.resolved": 238, RATE: "88,9"}
    assert entry.source == "typed" and entry.unit.code == "HP" and entry.period_label
    html = web.get(resp.location).get_data(as_text=True)
    assert "88,9% không phải là 238/316 (= 75,32%) theo cách làm tròn nào." in html
    assert "Báo cáo số 12/BC-UBND ngày 20/3/2026" in html
    assert 'class="differs"' in html
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.kind == "report.reported_entered")
    )
    assert event is not None and event.entity_id == entry.id
    printed = web.get(f"/reports/checks/{entry.id}/print")
    text = printed.get_data(as_text=True)
    assert printed.status_code == 200
    assert "BẢNG ĐỐI CHIẾU SỐ LIỆU BÁO CÁO" in text and "UBND THÀNH PHỐ HẢI PHÒNG" in text
    assert "Tháng 3/2026" in text and "NGƯỜI ĐỐI CHIẾU" in text


def test_kept_entries_are_listed_newest_first(web, maker, db):
    first = post_entry(web, typed(web, {"competent.cases": "5"}))
    second = post_entry(web, typed(web, {"competent.cases": "4"}), note="đính chính")
    assert first.status_code == second.status_code == 302
    old, new = entries(db)
    listing = web.get("/reports/checks/?unit=HP&form=01-KQGQ").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', listing)]
    assert ids == [new.id, old.id]
    page = web.get(f"/reports/checks/{new.id}").get_data(as_text=True)
    assert f"/reports/checks/{old.id}" in page  # the other entry of the period
    assert "/reports/checks/new?" in web.get(
        "/reports/?" + urlencode({**CHOICE, "sub": "1"})
    ).get_data(as_text=True)


def _exported(web, form="01-KQGQ", **choice) -> bytes:
    args = {**CHOICE, "form": form, "sub": "1", **choice}
    resp = web.get("/reports/report.xlsx?" + urlencode(args))
    assert resp.status_code == 200
    return resp.data


def _change_total(data: bytes, header: str, value, number_format=None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    column = next(c.column for c in ws[6] if c.value == header)
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Tổng cộng")
    ws.cell(total, column).value = value
    if number_format:
        ws.cell(total, column).number_format = number_format
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_exported_report_uploaded_unchanged_matches(web, maker, db):
    resp = post_entry(web, {}, (io.BytesIO(_exported(web)), "bao-cao.xlsx"), sub="1")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = entries(db)
    assert entry.source == "file" and entry.file_name == "bao-cao.xlsx"
    html = web.get(resp.location).get_data(as_text=True)
    assert 'class="differs"' not in html and "Không có chỉ tiêu nào chênh lệch" in html
    assert "75,00 = 3/4, đúng bằng thương" in html  # the exported rate, 2 decimals kept


def test_an_uploaded_report_with_one_figure_changed_shows_one_difference(web, maker, db):
    data = _change_total(_exported(web), "Đã giải quyết", 9)
    ignored = typed(web, {"competent.cases": "999"})  # typed too: the file wins, and says so
    resp = post_entry(web, ignored, (io.BytesIO(data), "sua.xlsx"), sub="1")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = entries(db)
    report = _hp_report({"province": entry.unit})
    assert entry.figures["competent.resolved"] == 9
    comparison = checking.compare(KQGQ, entry.figures, report.total.values, report.total.rate)
    assert [line.figure for line in comparison.differences] == ["competent.resolved"]
    html = web.get(resp.location).get_data(as_text=True)
    assert html.count('class="differs"') == 2  # the figure, and the rate that no longer holds
    assert "các ô nhập tay đã được bỏ qua" in html


def test_a_units_own_copy_with_typed_text_reads(web, maker, db):
    data = _change_total(_exported(web), "Tỷ lệ (%)", "88,9%")
    data = _change_total(data, "Tổng số vụ việc", "1.316")
    resp = post_entry(web, {}, (io.BytesIO(data), "ban-cua-don-vi.xlsx"), sub="1")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (entry,) = entries(db)
    assert entry.figures[RATE] == "88,9" and entry.figures["competent.cases"] == 1316
    # a percent-formatted cell holds 0.8824 and shows 88,24%
    data = _change_total(_exported(web), "Tỷ lệ (%)", 0.882353, number_format="0.00%")
    resp = post_entry(web, {}, (io.BytesIO(data), "phan-tram.xlsx"), sub="1")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert entries(db)[-1].figures[RATE] == "88,24"


UNREADABLE = [
    (b"", "Tệp rỗng"),
    (b"PK\x03\x04garbage", "Tệp bị hỏng"),
    (b"<script>alert(1)</script>", "không phải bảng tính Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
    (b"PK\x03\x04" + b"x" * 2000, "vượt giới hạn"),
]


def test_unreadable_files_are_refused_in_vietnamese(app, monkeypatch, web, maker, db):
    monkeypatch.setitem(app.config, "REPORT_CHECK_MAX_BYTES", 1500)  # the default is 2 MB
    for content, message in UNREADABLE:
        resp = post_entry(web, {}, (io.BytesIO(content), "x.xlsx"))
        assert resp.status_code == 422, message
        assert message in resp.get_data(as_text=True)
    assert entries(db) == []


def test_a_file_of_another_form_or_period_is_refused(web, maker, db):
    resp = post_entry(web, {}, (io.BytesIO(_exported(web, form="01-XLD")), "xld.xlsx"), sub="1")
    assert resp.status_code == 422
    assert "Tệp là Mẫu số 01/XLD, không phải Mẫu số 01/KQGQ đã chọn" in resp.get_data(as_text=True)
    resp = post_entry(web, {}, (io.BytesIO(_exported(web, month="2")), "t2.xlsx"), sub="1")
    assert resp.status_code == 422 and "khác kỳ đã chọn" in resp.get_data(as_text=True)
    wb = load_workbook(io.BytesIO(_exported(web)))
    wb.active.delete_cols(5)  # a column of the form gone
    out = io.BytesIO()
    wb.save(out)
    resp = post_entry(web, {}, (io.BytesIO(out.getvalue()), "thieu.xlsx"), sub="1")
    assert resp.status_code == 422 and "thiếu" in resp.get_data(as_text=True)
    assert entries(db) == []


GARBAGE = ["abc", "-5", "9" * 40, "1e309", "12,5", "<script>alert(1)</script>", "\x00"]


def test_garbage_figures_are_refused_without_writing(web, maker, db):
    for value in GARBAGE:
        resp = post_entry(web, typed(web, {"competent.cases": value, "competent.resolved": "3"}))
        assert resp.status_code in (400, 422), value  # a NUL byte is refused before the view
        assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)
    assert entries(db) == []


def test_an_empty_entry_is_refused(web, maker, db):
    resp = post_entry(web, {"note": "không có số"})
    assert resp.status_code == 422 and "Chưa có số liệu nào" in resp.get_data(as_text=True)
    assert entries(db) == []


def test_the_summary_and_a_bad_choice_are_refused(web, maker, db):
    page = web.get(new_url(form="summary")).get_data(as_text=True)
    assert "báo cáo tóm tắt không đối chiếu được" in page and 'name="c0"' not in page
    assert web.get(new_url(unit="HN")).status_code == 200  # the chooser says the unit is not his
    resp = web.client.post(new_url(unit="HN"), data={"csrf_token": "x"})
    assert resp.status_code == 400


def test_scope_and_roles(web, login_as, hand_counted, db, province):
    maker = login_as(Role.report_maker)
    resp = post_entry(web, typed(web, {"competent.cases": "5"}), unit="HPLC")
    assert resp.status_code == 302
    (entry,) = entries(db)
    listed = web.get("/reports/checks/").get_data(as_text=True)
    assert f"/reports/checks/{entry.id}" in listed
    assert "Lựa chọn không hợp lệ" not in listed  # no filter chosen is no mistake
    web.logout()
    outsider = factories.UserFactory(unit=province["other"], roles=[Role.report_maker])
    web.login(outsider)
    assert web.get(f"/reports/checks/{entry.id}").status_code == 404
    assert web.get(f"/reports/checks/{entry.id}/print").status_code == 404
    assert f"/reports/checks/{entry.id}" not in web.get("/reports/checks/").get_data(as_text=True)
    web.logout()
    sibling = factories.UserFactory(unit=province["commune2"], roles=[Role.leader])
    web.login(sibling)
    assert web.get(f"/reports/checks/{entry.id}").status_code == 404
    web.logout()
    web.login(factories.UserFactory(unit=province["province"], roles=[Role.case_handler]))
    assert web.get(f"/reports/checks/{entry.id}").status_code == 403
    assert web.get("/reports/checks/new").status_code == 403
    assert maker is not None


def test_the_check_opens_like_the_report_page_with_the_sub_units(web, login_as, hand_counted):
    """The report page counts a unit with its sub-units by default; a check opening without
    them compared a whole-area report with the unit's own figures (Chromium trial)."""
    login_as(Role.report_maker)
    for url in ("/reports/", "/reports/checks/new"):
        page = web.get(url).get_data(as_text=True)
        assert re.search(r'<input[^>]*checked[^>]*name="sub"|<input[^>]*name="sub"[^>]*checked',
                         page), url  # fmt: skip


def test_a_rate_over_a_hundred_is_flagged_whatever_else_was_typed():
    assert rate_check("150", 3, 2).ok is False
    assert "vượt quá 100%" in rate_check("150", None, None).message
    assert rate_check("100", 2, 2).ok is True
