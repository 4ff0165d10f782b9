"""A report's own convention (quy ước tính): basis, kinds and rounding chosen for one report on
the page, in `flask report` and in the API, the unit's settings being the default; the headline
gives the rate with the numbers it is the quotient of; KQGQ forms on petitions print the
resolved petitions; each kind apart, each with its own rounding."""

from __future__ import annotations

import html as htmllib
import io
import itertools
import json
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from complaints.core.access import Role
from complaints.core.numbers import fmt_decimal, round_decimal
from complaints.core.vocab import PetitionKind
from complaints.extensions import db as _db
from complaints.reports import convention as C
from complaints.reports import figures as F
from complaints.reports import service
from complaints.reports.models import ReportSettings

from .test_reports_figures import PERIOD, D, _case, _petition

K = PetitionKind
MONTH = {"period": "month", "year": "2026", "month": "3", "unit": "HP"}


@pytest.fixture()
def cases(db, province):
    """At the province itself, in March 2026 (15/02 - 14/03): 9 complaint cases, 8 resolved, of
    13 petitions (11 of the resolved ones); 13 denunciation cases, 12 resolved, of 15 petitions
    (12 of the resolved ones). Both: 22 cases, 20 resolved; 28 petitions, 23 resolved."""
    hp = province["province"]
    for i in range(9):
        resolved = i < 8
        c = _case(hp, D(2026, 2, 20), K.complaint, D(2026, 3, 10) if resolved else None, "upheld")
        for _ in range(2 if i < 3 or not resolved else 1):
            _petition(hp, D(2026, 2, 16), K.complaint, processed=D(2026, 2, 20), case=c)
    for i in range(13):
        resolved = i < 12
        c = _case(
            hp, D(2026, 2, 20), K.denunciation, D(2026, 3, 10) if resolved else None, "rejected"
        )
        for _ in range(1 if resolved else 3):
            _petition(hp, D(2026, 2, 16), K.denunciation, processed=D(2026, 2, 20), case=c)
    _db.session.flush()
    return province


def summary(hp, **asked):
    convention = C.parse(asked, service.default_convention(hp))
    return service.build("summary", hp, PERIOD, convention=convention)


def competence_part(headline: str) -> str:
    """The sentence from its figures on competence on (the reception part names every kind)."""
    return headline[headline.index("số vụ việc") :]


QUOTIENT = re.compile(r"đã giải quyết ([\d.]+)/([\d.]+) (đơn|vụ việc), đạt tỷ lệ ([\d,]+)%")
PUBLISHED = re.compile(
    r"([\d.]+) vụ việc, đã giải quyết ([\d.]+) vụ việc, đạt tỷ lệ ([\d,]+)%"
)  # the published form on cases: "272 vụ việc, đã giải quyết 240 vụ việc, đạt tỷ lệ 88,24%"


def _int(text: str) -> int:
    return int(text.replace(".", ""))


def _printed_rate(num: int, den: int, rounding: str) -> str:
    places, mode = F.ROUNDING_MODES[rounding]
    return fmt_decimal(round_decimal(Decimal(num) * 100 / Decimal(den), places, mode), places)


# --- the parser -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"basis": "people"}, "basis", "Cơ sở tính tỷ lệ không hợp lệ: people"),
        ({"kinds": "feedback"}, "kinds", "Loại việc tính tỷ lệ không hợp lệ: feedback"),
        ({"rounding": "half_even_2"}, "rounding", "Làm tròn không hợp lệ: half_even_2"),
        (
            {"rounding": "half_up_3"},
            "rounding",
            "Chọn một trong: half_up_2 (làm tròn 2 chữ số thập phân (nửa lên))",
        ),
        ({"basis": "x"}, "basis", "cases (tỷ lệ theo vụ việc); petitions (tỷ lệ theo đơn)"),
        (
            {"kinds": "both", "rounding_complaint": "half_up_1"},
            "rounding_complaint",
            "chỉ dùng khi tính riêng từng loại",
        ),
        (
            {"kinds": "each", "rounding_denunciation": "x"},
            "rounding_denunciation",
            "Làm tròn tỷ lệ tố cáo không hợp lệ",
        ),
    ],
)
def test_the_parser_refuses_in_vietnamese(app, raw, field, message):
    with pytest.raises(C.ConventionError) as refused:
        C.parse(raw, F.RateSettings())
    assert refused.value.field == field and message in str(refused.value)


def test_the_parser_takes_what_is_missing_from_the_default(app):
    unit = F.RateSettings("petitions", "truncate_1", "complaint")
    assert C.parse({}, unit) == unit
    assert C.parse({"basis": " ", "kinds": None}, unit) == unit
    asked = C.parse(
        {"kinds": "each", "rounding_complaint": "half_up_1", "rounding_denunciation": "truncate_1"},
        unit,
    )
    # an override equal to the report's rounding is no override
    assert asked == F.RateSettings("petitions", "truncate_1", "each", "half_up_1", None)
    assert asked.rounding_for("complaint") == "half_up_1"
    assert asked.rounding_for("denunciation") == "truncate_1"
    assert C.as_args(asked) == {
        "basis": "petitions",
        "kinds": "each",
        "rounding": "truncate_1",
        "rounding_complaint": "half_up_1",
    }


def test_the_convention_is_described_as_printed(app):
    assert (
        C.describe(F.RateSettings("petitions", "half_up_2", "both"))
        == "Quy ước: tỷ lệ theo đơn, khiếu nại và tố cáo, làm tròn 2 chữ số thập phân (nửa lên)"
    )
    each = F.RateSettings("cases", "half_up_2", "each", "half_up_1", "truncate_0")
    assert C.describe(each).endswith(
        "riêng khiếu nại làm tròn 1 chữ số thập phân (nửa lên), "
        "tố cáo lấy phần nguyên (bỏ phần thập phân)"
    )


# --- the headline -----------------------------------------------------------------------------


def test_on_petitions_the_headline_divides_petitions(cases):
    report = summary(cases["province"], basis="petitions", kinds="both", rounding="half_up_2")
    assert competence_part(report.headline) == (
        "số vụ việc khiếu nại, tố cáo thuộc thẩm quyền UBND thành phố Hải Phòng là 28 đơn "
        "(22 vụ việc), đã giải quyết 23/28 đơn, đạt tỷ lệ 82,14%, còn 2 vụ việc đang giải quyết."
    )
    assert report.figures()["competent.resolution_rate"] == "82.14"
    on_cases = summary(cases["province"], basis="cases", kinds="both", rounding="half_up_2")
    assert competence_part(on_cases.headline) == (
        "số vụ việc khiếu nại, tố cáo thuộc thẩm quyền UBND thành phố Hải Phòng là 28 đơn, "
        "22 vụ việc, đã giải quyết 20 vụ việc, đạt tỷ lệ 90,91%, còn 2 vụ việc đang giải quyết."
    )


def test_complaints_only_say_and_count_complaints_only(cases):
    report = summary(cases["province"], kinds="complaint", basis="cases", rounding="half_up_1")
    part = competence_part(report.headline)
    assert "tố cáo" not in part
    assert part.startswith("số vụ việc khiếu nại thuộc thẩm quyền")
    assert "là 13 đơn, 9 vụ việc, đã giải quyết 8 vụ việc, đạt tỷ lệ 88,9%" in part
    only = summary(cases["province"], kinds="denunciation", basis="petitions")
    part = competence_part(only.headline)
    assert "khiếu nại" not in part and "đã giải quyết 12/15 đơn, đạt tỷ lệ 80,00%" in part


def test_each_kind_with_its_own_rounding_in_one_sentence(cases):
    report = summary(
        cases["province"],
        kinds="each",
        basis="cases",
        rounding="half_up_2",
        rounding_complaint="half_up_1",
        rounding_denunciation="truncate_0",
    )
    assert competence_part(report.headline) == (
        "số vụ việc khiếu nại, tố cáo thuộc thẩm quyền UBND thành phố Hải Phòng là 28 đơn, "
        "22 vụ việc; khiếu nại: đã giải quyết 8/9 vụ việc, đạt tỷ lệ 88,9%; "
        "tố cáo: đã giải quyết 12/13 vụ việc, đạt tỷ lệ 92%; còn 2 vụ việc đang giải quyết."
    )
    data = report.as_dict()
    assert data["convention"]["kinds"] == "each"
    assert data["convention"]["rounding_complaint"] == "half_up_1"
    assert data["by_kind"]["complaint"]["competent.resolution_rate"] == "88.9"
    assert data["by_kind"]["denunciation"]["competent.resolution_rate"] == "92"
    assert data["by_kind"]["denunciation"]["figures"]["competent.cases"] == 13
    assert data["figures"]["competent.resolution_rate"] == "90.91"  # both, the report's rounding


def test_every_convention_prints_a_rate_that_is_the_quotient_of_its_numbers(cases):
    hp = cases["province"]
    counted = 0
    for basis, kinds, rounding in itertools.product(
        F.RATE_BASES, F.RATE_KINDS, list(F.ROUNDING_MODES)
    ):
        asked = {"basis": basis, "kinds": kinds, "rounding": rounding}
        if kinds == "each":  # a kind of its own rounding too
            asked["rounding_denunciation"] = "truncate_0" if rounding != "truncate_0" else ""
        report = summary(hp, **asked)
        part = competence_part(report.headline)
        if kinds == "complaint":
            assert "tố cáo" not in part
        if kinds == "denunciation":
            assert "khiếu nại" not in part
        found = QUOTIENT.findall(part)
        if basis == "cases" and kinds != "each":
            cases_, resolved, rate = PUBLISHED.search(part).groups()
            found = [(resolved, cases_, "vụ việc", rate)]
        assert len(found) == (2 if kinds == "each" else 1), part
        for i, (num, den, what, rate) in enumerate(found):
            assert what == ("đơn" if basis == "petitions" else "vụ việc"), part
            kind = ("complaint", "denunciation")[i] if kinds == "each" else None
            used = report.settings.rounding_for(kind)
            assert rate == _printed_rate(_int(num), _int(den), used), (asked, part)
            counted += 1
    assert counted == len(F.RATE_BASES) * len(F.ROUNDING_MODES) * (3 + 2)


def test_the_unit_settings_are_the_default(cases, db):
    hp = cases["province"]
    db.session.add(
        ReportSettings(
            unit_id=hp.id, rate_basis="petitions", rate_kinds="each", rounding="truncate_0"
        )
    )
    db.session.flush()
    report = service.build("summary", hp, PERIOD)
    assert report.settings == F.RateSettings("petitions", "truncate_0", "each")
    assert "khiếu nại: đã giải quyết 11/13 đơn, đạt tỷ lệ 84%" in report.headline
    assert "tố cáo: đã giải quyết 12/15 đơn, đạt tỷ lệ 80%" in report.headline
    # a sub-unit inherits it
    assert service.default_convention(cases["department"]).kinds == "each"


# --- KQGQ -------------------------------------------------------------------------------------


def test_kqgq_on_petitions_prints_the_resolved_petitions_beside_the_rate(cases):
    hp = cases["province"]
    conv = C.parse({"basis": "petitions"}, service.default_convention(hp))
    kq = service.build("01-KQGQ", hp, PERIOD, convention=conv)
    figures = [c.figure for c in kq.columns]
    at = figures.index("competent.resolution_rate")
    assert figures[at - 2 : at] == ["competent.resolved", "competent.resolved_petitions"]
    assert kq.total.values["competent.resolved_petitions"] == 11
    assert kq.total.values["competent.petitions"] == 13
    assert kq.total.rate == Decimal("84.62")  # 11 / 13
    on_cases = service.build("01-KQGQ", hp, PERIOD)
    assert "competent.resolved_petitions" not in [c.figure for c in on_cases.columns]
    assert on_cases.total.rate == Decimal("88.89")  # 8 / 9


def test_kqgq_of_each_kind_rounds_the_forms_kind_its_own_way(cases):
    hp = cases["province"]
    conv = C.parse(
        {"kinds": "each", "rounding_complaint": "half_up_1", "rounding_denunciation": "truncate_0"},
        service.default_convention(hp),
    )
    kq = service.build("01-KQGQ", hp, PERIOD, convention=conv)
    td = service.build("03-KQGQ", hp, PERIOD, convention=conv)
    assert (kq.total.rate, td.total.rate) == (Decimal("88.9"), Decimal("92"))
    assert service.format_value(td, "competent.resolution_rate", td.total.rate) == "92"
    assert "loại việc theo mẫu (tố cáo), lấy phần nguyên" in td.convention_text


# --- page, API and command line agree --------------------------------------------------------


ASKED = {
    "basis": "petitions",
    "kinds": "each",
    "rounding": "half_up_2",
    "rounding_complaint": "half_up_1",
    "rounding_denunciation": "truncate_0",
}


@pytest.fixture()
def maker(login_as, cases):
    return login_as(Role.report_maker)


def test_page_api_and_cli_give_the_same_report(web, maker, app):
    expected = summary(maker.unit, **ASKED).as_dict()
    assert "khiếu nại: đã giải quyết 11/13 đơn, đạt tỷ lệ 84,6%" in expected["headline"]
    page = web.get("/reports/?" + urlencode({"form": "summary", **MONTH, **ASKED}))
    html = htmllib.unescape(page.get_data(as_text=True))
    assert expected["headline"] in html
    assert expected["convention"]["text"] in html
    assert 'data-figure="competent.resolution_rate" data-kind="complaint">84,6<' in html
    # the export links and the drill-downs carry the convention
    assert "/reports/report.json?" in html and "rounding_complaint=half_up_1" in html
    drill = re.search(r'data-kind="denunciation"><a href="([^"]+)"', html).group(1)
    assert "kind=denunciation" in drill and "kinds=each" in drill and "basis=petitions" in drill
    records = htmllib.unescape(web.get(drill).get_data(as_text=True))
    assert "chỉ tố cáo" in records
    # the way back is the report with its convention
    back = re.search(r'href="(/reports/\?[^"]+)"', records).group(1)
    assert "kinds=each" in back and "rounding_denunciation=truncate_0" in back
    assert "period=month" in back and "period=range" not in back  # the month stays a month
    bad = re.sub(r"&rounding_[a-z]+=[a-z_0-9]+", "", drill).replace("kinds=each", "kinds=complaint")
    assert web.get(bad).status_code == 404  # a kind the report does not count
    exported = web.get("/reports/report.json?" + urlencode({"form": "summary", **MONTH, **ASKED}))
    from_api = web.get("/api/v1/reports/summary?" + urlencode({**MONTH, **ASKED}))
    cli = app.test_cli_runner().invoke(
        args=[
            "report",
            "--form",
            "summary",
            "--period",
            "month",
            "--year",
            "2026",
            "--month",
            "3",
            "--unit",
            "HP",
            "--format",
            "json",
            *itertools.chain.from_iterable(
                (f"--{k.replace('_', '-')}", v) for k, v in ASKED.items()
            ),
        ]
    )
    assert cli.exit_code == 0, cli.output
    query = urlencode({"form": "summary", **MONTH, **ASKED})
    sheet = load_workbook(io.BytesIO(web.get("/reports/report.xlsx?" + query).data)).active
    assert sheet["A5"].value == expected["headline"]
    assert sheet["A4"].value == expected["convention"]["text"]
    # the figures' table, then each kind's: the rates apart, each at its own rounding
    rate_rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == "Tỷ lệ giải quyết (%)"]
    assert len(rate_rows) == 2 and rate_rows[-1][1:3] == (84.6, 80.0)
    for data in (exported.get_json(), from_api.get_json(), json.loads(cli.output)):
        assert data["headline"] == expected["headline"]
        assert data["figures"] == expected["figures"]
        assert data["by_kind"] == expected["by_kind"]
        assert data["convention"] == expected["convention"]


def test_the_page_is_prefilled_with_the_unit_settings(web, maker, db):
    db.session.add(
        ReportSettings(
            unit_id=maker.unit.id,
            rate_basis="petitions",
            rate_kinds="complaint",
            rounding="half_up_1",
        )
    )
    db.session.flush()
    html = web.get("/reports/").get_data(as_text=True)
    assert re.search(
        r'<option selected value="petitions">|<option value="petitions" selected', html
    )
    shown = htmllib.unescape(
        web.get("/reports/?" + urlencode({"form": "summary", **MONTH})).get_data(as_text=True)
    )
    assert "Quy ước: tỷ lệ theo đơn, chỉ khiếu nại, làm tròn 1 chữ số thập phân (nửa lên)" in shown
    assert "đã giải quyết 11/13 đơn, đạt tỷ lệ 84,6%" in shown
    api = web.get("/api/v1/reports/summary?" + urlencode(MONTH)).get_json()
    assert api["convention"]["basis"] == "petitions" and api["convention"]["kinds"] == "complaint"


def test_kqgq_page_xlsx_and_json_show_the_resolved_petitions(web, maker):
    args = {"form": "01-KQGQ", **MONTH, "basis": "petitions"}
    html = web.get("/reports/?" + urlencode(args)).get_data(as_text=True)
    assert "Số đơn đã giải quyết" in html and "Tỷ lệ (%) theo số đơn" in html
    total = html.split('data-row="total"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-figure="competent.resolved_petitions"><a [^>]*>11<', total)
    assert 'data-figure="competent.resolution_rate">84,62<' in total
    wb = load_workbook(io.BytesIO(web.get("/reports/report.xlsx?" + urlencode(args)).data))
    cells = [c for row in wb.active.iter_rows(values_only=True) for c in row]
    assert "Số đơn đã giải quyết" in cells and 84.62 in cells
    data = web.get("/reports/report.json?" + urlencode(args)).get_json()
    assert data["figures"]["competent.resolved_petitions"] == 11
    assert data["convention"]["basis"] == "petitions"


def test_a_bad_convention_is_refused_everywhere_in_vietnamese(web, maker, app):
    page = web.get("/reports/?" + urlencode({"form": "summary", **MONTH, "kinds": "feedback"}))
    html = htmllib.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Loại việc tính tỷ lệ không hợp lệ: feedback" in html
    assert "report-sheet" not in html
    api = web.get("/api/v1/reports/summary?" + urlencode({**MONTH, "rounding": "half_even_2"}))
    assert api.status_code == 400 and api.is_json
    assert "Làm tròn không hợp lệ: half_even_2" in json.dumps(api.get_json(), ensure_ascii=False)
    xlsx = web.get("/reports/report.xlsx?" + urlencode({"form": "01-KQGQ", **MONTH, "basis": "x"}))
    assert xlsx.status_code == 400
    cli = app.test_cli_runner().invoke(
        args=[
            *("report", "--form", "summary", "--from", "2026-02-15", "--to", "2026-03-14"),
            *("--unit", "HP", "--kinds", "both", "--rounding-complaint", "half_up_1"),
        ]
    )
    assert cli.exit_code != 0 and "chỉ dùng khi tính riêng từng loại" in cli.output


def test_a_closed_period_keeps_the_convention_it_was_closed_with(web, maker, db):
    from complaints.reports.frozen import all_differences
    from complaints.reports.requests import Asked, produce

    hp = maker.unit
    asked = C.parse(ASKED, service.default_convention(hp))
    service.close_period(maker, "summary", hp, PERIOD, True, asked)
    shown = produce(
        Asked("summary", hp, PERIOD, True, {}, F.RateSettings()), live_requested=False, user=maker
    )
    assert shown.report.settings == asked
    assert shown.report.by_kind["complaint"].rate == Decimal("84.6")
    assert "84,6%" in shown.report.headline
    # compared with live figures of the same convention: no difference but corrections
    assert shown.live.settings == asked and all_differences(shown.closed, shown.live) == []
    live = produce(
        Asked("summary", hp, PERIOD, True, {}, F.RateSettings()), live_requested=True, user=maker
    )
    assert live.report.settings == F.RateSettings() and "90,91%" in live.report.headline
    page = web.get("/reports/closed").get_data(as_text=True)
    assert "rounding_complaint=half_up_1" in page  # the list opens it with its convention


def test_the_settings_page_offers_each_kind_and_truncation_to_an_integer(web, maker, db):
    from .test_reports_views import SETTINGS

    resp = web.post_form(
        "/reports/settings?unit=HP", {**SETTINGS, "rate_kinds": "each", "rounding": "truncate_0"}
    )
    assert resp.status_code == 302
    own = db.session.get(ReportSettings, maker.unit.id)
    assert (own.rate_kinds, own.rounding) == ("each", "truncate_0")
    # the dashboard keeps the unit's convention, "each" counting both kinds, to an integer
    from complaints.dashboard.queries import rates_and_year

    points, _by_unit, _year = rates_and_year(maker.unit, D(2026, 3, 14))
    assert [p.rate for p in points if p.cases == 22] == [Decimal("90")]  # 20 / 22, truncated


def test_a_period_goes_back_to_the_page_as_it_was_asked():
    from datetime import date

    from complaints.reports.periods import date_range, period_args, standard_period

    for cutoff in (14, 31):
        for kind, month in (("year", None), ("q3", None), ("9m", None), ("month", 2)):
            period = standard_period(kind, 2026, month, cutoff)
            expected = {"period": kind, "year": "2026", **({"month": "2"} if month else {})}
            assert period_args(period, cutoff) == expected
    odd = date_range(date(2026, 3, 2), date(2026, 3, 20))
    assert period_args(odd, 14) == {"period": "range", "from": "02/03/2026", "to": "20/03/2026"}
    # a calendar year is a range for a unit that cuts on the 14th
    year = date_range(date(2026, 1, 1), date(2026, 12, 31))
    assert period_args(year, 14)["period"] == "range" and period_args(year, 31)["period"] == "year"
