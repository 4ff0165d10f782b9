"""The leaders' dashboard against a hand-built province: counts, the monthly rate, units
compared, obligations, permissions and scope."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from complaints.cases import operations as ops
from complaints.core.access import Role
from complaints.core.db import write_intent
from complaints.core.vocab import PetitionKind
from complaints.dashboard import queries
from complaints.extensions import db as _db
from complaints.petitions.models import Petition
from complaints.petitions.processing import ProcessingInput, process
from complaints.reception.models import SessionStatus
from complaints.reports import figures as F
from complaints.reports.models import OpeningBalance
from complaints.reports.periods import standard_period

from . import factories
from .factories_cases import petition as make_petition
from .factories_obligations import PeriodicSessionFactory

D = date
TODAY = D(2026, 6, 20)


def accepted_case(handler, unit, received, accepted, kind=PetitionKind.complaint, title=""):
    p = make_petition(
        unit,
        kind=kind,
        received=received,
        summary=title or f"Vụ việc {unit.code} nhận ngày {received:%d/%m/%Y}",
        senders=((f"Người gửi {unit.code} {received}", "Hải Phòng", ""),),
    )
    process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=accepted, doc_no="01/TB"
        ),
    )
    return p.case


def decide(handler, case, on):
    ops.perform(handler, case, "start_verification", ops.StepInput(on=case.accepted_on))
    ops.perform(
        handler, case, "decide", ops.StepInput(on=on, doc_no="05/QĐ", outcome="partly_upheld")
    )
    return case


@pytest.fixture()
def today(set_today):
    return set_today(TODAY)


@pytest.fixture()
def board_data(db, province, today):
    """By hand, on 20/06/2026 (report month 7/2026 runs 15/06-14/07):

    A  HP complaint accepted 05/03, resolve due 06/04, open          -> overdue
    D  HP complaint accepted 05/03, decided 01/04 (report month 4)   -> open (decided), resolve
       met, the decision never sent (due within days of 01/04)       -> overdue
    B  HPLC complaint accepted 22/05, resolve due 22/06              -> due within 7 days
    F  HPLC complaint accepted 25/05, decided 05/06 (report month 6) -> as D: overdue
    C  HPSTNMT denunciation accepted 10/06, due 10/07                -> open
    S  HPHA complaint accepted 05/03, suspended 10/03                -> open, never overdue
    X  HN complaint accepted 05/03 (another province)                -> never counted
    Petitions still registered: HP 01/06 (late), HP 20/04 (late, > 45 days), HPLC 18/06
    (in time), HN 01/04 (not ours)."""
    handler = factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])
    other = factories.UserFactory(unit=province["other"], roles=[Role.petition_handler])
    hp, dept, lc, ha = (
        province["province"],
        province["department"],
        province["commune"],
        province["commune2"],
    )
    cases = {
        "A": accepted_case(handler, hp, D(2026, 3, 2), D(2026, 3, 5)),
        "D": decide(
            handler, accepted_case(handler, hp, D(2026, 3, 3), D(2026, 3, 5)), D(2026, 4, 1)
        ),
        "B": accepted_case(handler, lc, D(2026, 5, 20), D(2026, 5, 22)),
        "F": decide(
            handler, accepted_case(handler, lc, D(2026, 5, 21), D(2026, 5, 25)), D(2026, 6, 5)
        ),
        "C": accepted_case(
            handler, dept, D(2026, 6, 8), D(2026, 6, 10), kind=PetitionKind.denunciation
        ),
        "S": accepted_case(handler, ha, D(2026, 3, 2), D(2026, 3, 5)),
        "X": accepted_case(other, province["other"], D(2026, 3, 2), D(2026, 3, 5)),
    }
    ops.perform(handler, cases["S"], "suspend", ops.StepInput(on=D(2026, 3, 10), doc_no="3/QĐ"))
    make_petition(hp, received=D(2026, 6, 1), summary="Đơn chưa xử lý 1")
    make_petition(hp, received=D(2026, 4, 20), summary="Đơn chưa xử lý 2")
    make_petition(lc, received=D(2026, 6, 18), summary="Đơn chưa xử lý 3")
    make_petition(province["other"], received=D(2026, 4, 1), summary="Đơn của tỉnh khác")
    # Reception: the department held no periodic session in April-June.
    for unit in (hp, province["inspectorate"]):
        for day in (D(2026, 4, 28), D(2026, 5, 26)):
            PeriodicSessionFactory(unit=unit, session_date=day)
    PeriodicSessionFactory(unit=hp, session_date=D(2026, 6, 30), status=SessionStatus.planned)
    return cases


def _tiles(board) -> dict[str, int]:
    return {t.key: t.count for t in board.tiles}


def test_counts_against_the_fixture(db, province, board_data, today):
    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    board = queries.build(province["province"], today, leader)
    assert board.totals == {"open": 6, "overdue": 3, "due_soon": 1}
    assert _tiles(board) == {
        "open": 6,
        "overdue": 3,
        "due_soon": 1,
        "petitions_overdue": 2,
        "discipline": 1,
    }
    commune = queries.build(province["commune"], today, leader)
    assert commune.totals == {"open": 2, "overdue": 1, "due_soon": 1}
    assert _tiles(commune) == {
        "open": 2,
        "overdue": 1,
        "due_soon": 1,
        "petitions_overdue": 0,
        "discipline": 0,
    }


def test_the_monthly_rate_against_the_fixture(db, province, board_data, today):
    board = queries.build(province["province"], today)
    assert [p.label for p in board.rates] == [
        "T8/2025",
        "T9/2025",
        "T10/2025",
        "T11/2025",
        "T12/2025",
        "T1/2026",
        "T2/2026",
        "T3/2026",
        "T4/2026",
        "T5/2026",
        "T6/2026",
        "T7/2026",
    ]
    assert board.rates[-1].period.start == D(2026, 6, 15)
    got = {p.label: (p.cases, p.resolved, p.rate) for p in board.rates[7:]}
    assert got == {
        "T3/2026": (3, 0, Decimal("0.00")),  # A, D, S accepted by 14/03
        "T4/2026": (3, 1, Decimal("33.33")),  # D resolved 01/04
        "T5/2026": (2, 0, Decimal("0.00")),  # A, S
        "T6/2026": (5, 1, Decimal("20.00")),  # A, S, B, F, C (D ended 01/04); F resolved
        "T7/2026": (4, 0, Decimal("0.00")),  # A, S, B, C (F ended 05/06)
    }
    assert all(p.rate is None for p in board.rates[:7])
    bars = {b.label: b for b in board.chart.bars}
    assert bars["T4/2026"].value == "33,33" and not bars["T4/2026"].empty
    assert bars["T1/2026"].empty and bars["T1/2026"].value == "–"
    assert bars["T6/2026"].height == pytest.approx(
        0.20 * (board.chart.plot_bottom - board.chart.plot_top)
    )


def test_the_rate_is_the_report_catalogues(db, province, board_data, today):
    """Each month's point is what the 01-KQGQ and 03-KQGQ figures give for that period."""
    board = queries.build(province["province"], today)
    ids = [u.id for u in queries.tree_units(province["province"])]
    for point in board.rates:
        values = {}
        for kind in ("complaint", "denunciation"):
            for v in F.compute_by_unit(
                ["competent.cases", "competent.resolved"], ids, point.period, [kind]
            ).values():
                for k, n in v.items():
                    values[k] = values.get(k, 0) + n
        assert (values.get("competent.cases", 0), values.get("competent.resolved", 0)) == (
            point.cases,
            point.resolved,
        )


@pytest.mark.parametrize("tree", [True, False], ids=["subtree", "ids"])
def test_periods_at_once_count_what_each_period_counts(db, province, board_data, today, tree):
    """F.compute_by_period (the dashboard's months in one statement) gives, for every figure
    of the catalogue, what F.compute_totals gives period by period: opening balances (one
    declared before the first month, one replacing it in the third) and kinds included; and
    F.compute_by_period_and_unit the same, with one period's figures by unit as
    F.compute_by_unit gives them, and F.compute_each_period_by_unit every period's."""
    root = province["province"]
    for as_of, cases in ((date(2026, 1, 1), 4), (date(2026, 3, 20), 2)):
        db.session.add(
            OpeningBalance(
                unit_id=root.id,
                as_of=as_of,
                kind=PetitionKind.complaint,
                petitions=cases + 1,
                cases=cases,
                case_petitions=cases + 2,
            )
        )
    db.session.flush()
    # a petition of one unit in another unit's case (Case.joinable_from): a distinct count is
    # one per unit, as the rows of a report add them up
    joined = db.session.execute(
        sa.select(Petition.id, Petition.unit_id, Petition.case_id).where(
            Petition.case_id.isnot(None), Petition.eligible.is_(True)
        )
    ).all()
    other = next(p for p in joined if p.unit_id != joined[0].unit_id)
    db.session.execute(
        sa.update(Petition).where(Petition.id == joined[0].id).values(case_id=other.case_id)
    )
    units = F.Subtree(root.path) if tree else [u.id for u in queries.tree_units(root)]
    # consecutive months, and periods apart or overlapping (a year, a quarter)
    periods = [standard_period("month", 2026, m) for m in range(1, 8)]
    periods += [standard_period("year", 2026), standard_period("q2", 2026)]
    figures = list(F.FIGURES)
    for kinds in ((), ("complaint",), ("complaint", "denunciation")):
        at_once = F.compute_by_period(figures, units, periods, kinds)
        one_by_one = [F.compute_totals(figures, units, p, kinds) for p in periods]
        assert at_once == one_by_one, kinds
        # and with one of them by unit in the same statement (the months, and the year)
        months, by_unit = F.compute_by_period_and_unit(
            figures, units, periods[:7] + periods[8:], periods[7], kinds
        )
        assert months == one_by_one[:7] + one_by_one[8:], kinds
        assert by_unit == F.compute_by_unit(figures, units, periods[7], kinds), kinds
        assert len(by_unit) > 1
        # and every period by unit (the months the dashboard keeps, reports/month_figures.py)
        each = F.compute_each_period_by_unit(figures, units, periods, kinds)
        assert each == [F.compute_by_unit(figures, units, p, kinds) for p in periods], kinds
    assert any(v["competent.cases_carried_over"] for v in at_once)  # the balances counted
    assert any(v["competent.resolved"] for v in at_once)


def test_units_compared(db, province, board_data, today):
    board = queries.build(province["province"], today)
    rows = {r.unit.code: r for r in board.rows}
    assert board.year == standard_period("year", 2026)
    assert [r.unit.code for r in board.rows] == ["HP", "HPHA", "HPLC", "HPSTNMT", "HPTTR"]
    got = {
        code: (r.open, r.overdue, r.due_soon, r.cases, r.resolved, r.rate)
        for code, r in rows.items()
    }
    assert got == {
        "HP": (2, 2, 0, 2, 1, Decimal("50.00")),
        "HPHA": (1, 0, 0, 1, 0, Decimal("0.00")),
        "HPLC": (2, 1, 1, 2, 1, Decimal("50.00")),
        "HPSTNMT": (1, 0, 0, 1, 0, Decimal("0.00")),
        "HPTTR": (0, 0, 0, 0, 0, None),
    }
    t = board.total
    assert (t.open, t.overdue, t.due_soon, t.cases, t.resolved, t.rate) == (
        6,
        3,
        1,
        6,
        2,
        Decimal("33.33"),
    )


def test_obligations_on_the_dashboard(db, province, board_data, today):
    board = queries.build(province["province"], today)
    assert board.obligation_months == [(2026, 4), (2026, 5), (2026, 6)]
    behind = {r.unit.code: [c.shortfall for c in r.cells] for r in board.behind}
    # HP and HPTTR held April and May; June is not over. The department and the communes
    # (weekly until 30/06/2026) are behind.
    # April 2026 has five weeks (Thursdays 2, 9, 16, 23, 30); in June two weeks are over.
    assert behind == {"HPSTNMT": [1, 1, 0], "HPLC": [5, 4, 2], "HPHA": [5, 4, 2]}
    assert board.behind_total == 3
    assert board.satisfaction is None


def test_the_dashboard_lists_only_the_units_most_behind(
    db, web, login_as, province, board_data, today, monkeypatch
):
    """A country's centre has thousands of units: the dashboard counts every unit behind and
    lists the most behind, in the tree's order; the obligations page has them all."""
    monkeypatch.setattr(queries, "BEHIND_SHOWN", 2)
    board = queries.build(province["province"], today)
    assert board.behind_total == 3
    assert {r.unit.code for r in board.behind} == {"HPLC", "HPHA"}  # 11 missing each, not 2
    assert [r.unit.path for r in board.behind] == sorted(r.unit.path for r in board.behind)
    login_as(Role.leader, unit=province["province"])
    html = web.get("/dashboard/").get_data(as_text=True)
    assert "3 đơn vị còn thiếu buổi tiếp định kỳ" in html
    assert "Dưới đây là 2 đơn vị thiếu nhiều nhất." in html
    section = html.split('id="obligations-title"')[1].split("</section>")[0]
    assert 'data-unit="HPSTNMT"' not in section and 'data-unit="HPLC"' in section


def test_the_dashboard_runs_a_bounded_number_of_queries(db, province, board_data, today):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the tests' own transactions
            statements.append(statement)

    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    engine = _db.session.get_bind()
    views = []
    reading = write_intent.set(False)  # as a GET: the first view keeps its months apart
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _view in range(2):
            statements.clear()
            queries.build(province["province"], today, leader)
            views.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
        write_intent.reset(reading)
    # units, report settings, calendar overrides, cases, the rate's closed months kept (their
    # totals and the year's by unit in one statement), the month in progress and the rest of
    # the year in one statement, obligations (1), citizens' ratings, and the tiles: 3 case
    # counts, the queue's keys and the calendar its estimated due dates read: nothing per
    # case, unit or month (opening balances ride in the figures' own statements). The first
    # view keeps the closed months (reports/month_figures.py): none kept yet, so the tree's
    # units counted, then its units and the rows kept, their figures computed in one
    # statement, inserted in one, the kept rows read again: six more, whatever the months and
    # units (and PostgreSQL's lock); the records it had read are not read again after that
    # commit.
    lock = 1 if engine.dialect.name == "postgresql" else 0
    assert views == [19 + lock, 13], views


# --- the page -----------------------------------------------------------------------------


def _kpi(html: str, name: str) -> str:
    block = re.search(rf'data-kpi="{name}">\s*<span class="kpi-value">([^<]*)<', html)
    assert block, name
    return block.group(1)


def test_the_page_for_a_leader(web, login_as, province, board_data, today):
    login_as(Role.leader)
    home = web.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/dashboard/")
    page = web.get("/dashboard/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tổng quan" in html and "20/06/2026" in html
    assert (_kpi(html, "open"), _kpi(html, "overdue"), _kpi(html, "due_soon")) == ("6", "3", "1")
    assert (_kpi(html, "petitions_overdue"), _kpi(html, "discipline")) == ("2", "1")
    assert "<svg" in html and 'data-month="T4/2026" data-rate="33,33"' in html
    assert "<script" not in html and "style=" not in html
    assert re.search(r'<tr data-unit="HPLC">.*?50,00</td>', html, re.S)
    assert 'data-unit="HN"' not in html
    assert "Chưa có đánh giá" in html
    assert 'href="/dashboard/"' in html  # the nav link
    assert "/cases/overdue?days=7&amp;only_overdue=y" in html


def test_the_tiles_count_what_the_overdue_page_lists(web, login_as, province, board_data, today):
    """The overdue and due-soon tiles and the "Quá hạn" page they open apply one rule
    (cases.models.overdue_case / due_soon_case): every duty a case owes, the sending of a
    decision as much as the resolution itself."""
    login_as(Role.leader)
    html = web.get("/dashboard/").get_data(as_text=True)
    page = web.get("/cases/overdue?days=7").get_data(as_text=True)
    counts = re.search(r"(\d+) vụ việc quá hạn.*?(\d+) vụ việc đến hạn trong 7 ngày", page, re.S)
    assert counts, page
    assert (_kpi(html, "overdue"), _kpi(html, "due_soon")) == counts.groups()
    listed = web.get("/cases/overdue?only_overdue=y").get_data(as_text=True)
    shown = {c.case_no for k, c in board_data.items() if c.case_no in listed}
    assert shown == {board_data[k].case_no for k in ("A", "D", "F")}


def test_a_leader_zooms_into_a_sub_unit_but_not_outside(web, login_as, province, board_data, today):
    login_as(Role.leader)
    html = web.get(f"/dashboard/?unit_id={province['commune'].id}").get_data(as_text=True)
    assert _kpi(html, "open") == "2" and _kpi(html, "due_soon") == "1"
    assert web.get(f"/dashboard/?unit_id={province['other'].id}").status_code == 404
    assert web.get("/dashboard/?unit_id=abc").status_code == 404
    assert web.get("/dashboard/?unit_id=99999999999").status_code == 404
    assert web.get("/dashboard/?unit_id=0").status_code == 404


def test_a_commune_leader_sees_only_the_commune(web, login_as, province, board_data, today):
    login_as(Role.leader, unit=province["commune"])
    html = web.get("/dashboard/").get_data(as_text=True)
    assert (_kpi(html, "open"), _kpi(html, "overdue"), _kpi(html, "petitions_overdue")) == (
        "2",
        "1",
        "0",
    )
    assert web.get(f"/dashboard/?unit_id={province['province'].id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.leader, 200),
        (Role.report_maker, 200),
        (Role.reception_officer, 403),
        (Role.petition_handler, 403),
        (Role.case_handler, 403),
        (Role.admin, 403),
    ],
)
def test_permission_matrix(web, login_as, province, today, role, status):
    login_as(role)
    assert web.get("/dashboard/").status_code == status
    nav = web.get("/", follow_redirects=True).get_data(as_text=True)
    assert ('href="/dashboard/"' in nav) == (status == 200)


def test_an_empty_tree(web, login_as, db, province, today):
    login_as(Role.report_maker, unit=province["inspectorate"])
    html = web.get("/dashboard/").get_data(as_text=True)
    assert _kpi(html, "open") == "0"
    assert html.count('class="chart-bar empty"') == 12
    # A report maker may not process petitions, but he reads the queue his tiles count.
    assert "/cases/process?overdue=y" in html
