"""Periodic reception: a unit's rule, planning the calendar, the legal minimum on each date,
publication 5 working days ahead, and the table of who is behind."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from complaints.calendar.models import CalendarOverride
from complaints.calendar.operations import work_calendar
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.calendar import WorkCalendar
from complaints.extensions import db as _db
from complaints.obligations import compliance, rules
from complaints.obligations.models import ReceptionRule, RuleType
from complaints.obligations.operations import (
    ObligationError,
    RuleData,
    create_rule,
    plan_sessions,
    publish_schedule,
)
from complaints.reception.models import HostMode, ReceptionSession, SessionKind, SessionStatus
from complaints.units.models import UnitLevel

from . import factories
from .factories_obligations import PeriodicSessionFactory, RuleFactory

D = date
CAL = WorkCalendar()
LAST_TUESDAYS_2026 = [
    D(2026, 1, 27),
    D(2026, 2, 24),
    D(2026, 3, 31),
    D(2026, 4, 28),
    D(2026, 5, 26),
    D(2026, 6, 30),
    D(2026, 7, 28),
    D(2026, 8, 25),
    D(2026, 9, 29),
    D(2026, 10, 27),
    D(2026, 11, 25),  # Tuesday 24/11 is Vietnam Cultural Day (from 2026): moved to Wednesday
    D(2026, 12, 29),
]


def R(**kw):
    """A rule as plain data (what the rule functions read), by default the seed's."""
    values = dict(
        rule_type=RuleType.nth_weekday,
        weekday=1,
        weeks=[-1],
        days=[],
        valid_from=D(2026, 1, 1),
        valid_to=None,
    )
    values.update(kw)
    return SimpleNamespace(**values)


@pytest.fixture()
def leader(db, province):
    return factories.UserFactory(unit=province["province"], roles=[Role.leader])


@pytest.fixture()
def today(set_today):
    return set_today(D(2026, 7, 25))


def periodic(unit):
    return _db.session.scalars(
        sa.select(ReceptionSession)
        .where(ReceptionSession.unit_id == unit.id, ReceptionSession.kind == SessionKind.periodic)
        .order_by(ReceptionSession.session_date)
    ).all()


# --- the rule's dates ---------------------------------------------------------------------


def test_last_tuesday_of_each_month_of_2026_moves_off_the_holiday():
    rule = R(valid_from=D(2026, 1, 1))
    days = rules.planned_days(rule, D(2026, 1, 1), D(2026, 12, 31), CAL)
    assert [p.day for p in days] == LAST_TUESDAYS_2026
    moved = [p for p in days if p.named != p.day]
    assert [(p.named, p.day) for p in moved] == [(D(2026, 11, 24), D(2026, 11, 25))]
    assert not CAL.is_working_day(D(2026, 11, 24))
    assert all(CAL.is_working_day(p.day) for p in days)


def test_twice_a_month_weekly_and_fixed_days():
    twice = R(weekday=3, weeks=[2, 4])  # Thursdays of weeks 2 and 4
    assert [p.day for p in rules.planned_days(twice, D(2026, 3, 1), D(2026, 3, 31), CAL)] == [
        D(2026, 3, 12),
        D(2026, 3, 26),
    ]
    days = R(rule_type=RuleType.month_days, weekday=None, weeks=[], days=[10, 31])
    # 10/5/2026 is a Sunday (-> Monday 11); 31 means the last day: 30/4 is a holiday and
    # 1/5 too, the weekend follows: Monday 4/5 (in May, outside an April-only range).
    planned = rules.planned_days(days, D(2026, 4, 1), D(2026, 5, 31), CAL)
    assert [(p.named, p.day) for p in planned] == [
        (D(2026, 4, 10), D(2026, 4, 10)),
        (D(2026, 4, 30), D(2026, 5, 4)),
        (D(2026, 5, 10), D(2026, 5, 11)),
    ]
    assert [p.day for p in rules.planned_days(days, D(2026, 4, 1), D(2026, 4, 30), CAL)] == [
        D(2026, 4, 10)
    ]
    weekly = R(rule_type=RuleType.weekly, weekday=2, weeks=[])
    assert [p.day for p in rules.planned_days(weekly, D(2026, 8, 24), D(2026, 9, 9), CAL)] == [
        D(2026, 8, 26),
        D(2026, 9, 3),  # Wednesday 2/9 is National Day, Thursday 3/9 is the next working day
        D(2026, 9, 9),
    ]
    assert rules.describe(R()) == "Thứ Ba tuần cuối hằng tháng"
    assert rules.describe(twice) == "Thứ Năm tuần thứ hai và tuần thứ tư hằng tháng"
    assert rules.describe(days) == "Ngày 10 và 31 hằng tháng"
    assert rules.describe(weekly) == "Thứ Tư hằng tuần"


def test_a_rule_plans_only_within_its_validity():
    rule = R(valid_from=D(2026, 3, 1), valid_to=D(2026, 5, 31))
    days = [p.day for p in rules.planned_days(rule, D(2026, 1, 1), D(2026, 12, 31), CAL)]
    assert days == [D(2026, 3, 31), D(2026, 4, 28), D(2026, 5, 26)]


def test_planning_writes_each_session_once_and_follows_the_calendar(db, province, leader):
    hp = province["province"]
    RuleFactory(unit=hp, valid_from=D(2026, 1, 1))
    # A session the reception office already recorded on a planned day is left alone.
    PeriodicSessionFactory(unit=hp, session_date=D(2026, 3, 31), status=SessionStatus.held)
    result = plan_sessions(leader, hp, D(2026, 1, 1), D(2026, 12, 31))
    assert len(result.created) == 11
    assert [(u.code, d) for u, d, _ in result.skipped] == [("HP", D(2026, 3, 31))]
    sessions = periodic(hp)
    assert [s.session_date for s in sessions] == LAST_TUESDAYS_2026
    planned = [s for s in sessions if s.status == SessionStatus.planned]
    assert len(planned) == 11
    assert all(s.host_mode == HostMode.in_person and s.published_on is None for s in planned)
    assert {s.place for s in planned} == {"Trụ sở tiếp công dân thành phố"}
    # Planning again creates nothing twice.
    again = plan_sessions(leader, hp, D(2026, 1, 1), D(2026, 12, 31))
    assert again.created == [] and len(again.skipped) == 12
    assert len(periodic(hp)) == 12
    kinds = _db.session.scalars(
        sa.select(audit.AuditEvent.kind).where(audit.AuditEvent.entity_type == "reception_session")
    ).all()
    assert kinds.count("reception_session.planned") == 11


def test_planning_uses_the_administrators_days_off(db, province, leader):
    hp = province["province"]
    RuleFactory(unit=hp)
    _db.session.add(CalendarOverride(day=D(2026, 6, 30), working=False, note="Nghỉ bù"))
    _db.session.flush()
    plan_sessions(leader, hp, D(2026, 6, 1), D(2026, 7, 31))
    assert [s.session_date for s in periodic(hp)] == [D(2026, 7, 1), D(2026, 7, 28)]


def test_planning_subunits_uses_each_units_rule_and_stays_in_scope(db, province, leader):
    RuleFactory(unit=province["province"])
    RuleFactory(unit=province["commune"], rule_type=RuleType.weekly, weekday=3, weeks=[])
    RuleFactory(unit=province["other"])
    result = plan_sessions(
        leader, province["province"], D(2026, 7, 1), D(2026, 7, 31), with_subunits=True
    )
    assert sorted((s.unit.code, s.session_date) for s in result.created) == [
        ("HP", D(2026, 7, 28)),
        ("HPLC", D(2026, 7, 2)),
        ("HPLC", D(2026, 7, 9)),
        ("HPLC", D(2026, 7, 16)),
        ("HPLC", D(2026, 7, 23)),
        ("HPLC", D(2026, 7, 30)),
    ]
    assert periodic(province["other"]) == []
    with pytest.raises(ObligationError, match="phạm vi"):
        plan_sessions(leader, province["other"], D(2026, 7, 1), D(2026, 7, 31))


def test_only_planners_plan(db, province):
    officer = factories.UserFactory(unit=province["province"], roles=[Role.reception_officer])
    with pytest.raises(ObligationError, match="quyền"):
        plan_sessions(officer, province["province"], D(2026, 7, 1), D(2026, 7, 31))
    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    with pytest.raises(ObligationError, match="tối đa"):
        plan_sessions(leader, province["province"], D(2026, 1, 1), D(2028, 6, 1))
    with pytest.raises(ObligationError) as e:
        plan_sessions(leader, province["province"], D(2026, 7, 31), D(2026, 7, 1))
    assert e.value.field == "date_to"


# --- rules over time ----------------------------------------------------------------------


def _data(unit, **kw):
    values = dict(
        unit=unit,
        rule_type=RuleType.nth_weekday,
        weekday=1,
        weeks=[-1],
        place="Trụ sở",
        host_name="Nguyễn Văn Chủ",
        valid_from=D(2026, 1, 1),
    )
    values.update(kw)
    return RuleData(**values)


def test_a_new_rule_ends_the_open_rule_before_it(db, province, leader):
    hp = province["province"]
    old = create_rule(leader, _data(hp))
    new = create_rule(leader, _data(hp, weekday=3, weeks=[2, 4], valid_from=D(2026, 9, 1)))
    assert old.valid_to == D(2026, 8, 31) and new.valid_to is None
    plan_sessions(leader, hp, D(2026, 8, 1), D(2026, 9, 30))
    assert [s.session_date for s in periodic(hp)] == [
        D(2026, 8, 25),
        D(2026, 9, 10),
        D(2026, 9, 24),
    ]
    with pytest.raises(ObligationError, match="Trùng thời gian") as e:
        create_rule(leader, _data(hp, valid_from=D(2026, 8, 1), valid_to=D(2026, 9, 15)))
    assert e.value.field == "valid_from"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekday": None}, "weekday"),
        ({"weeks": []}, "weeks"),
        ({"weeks": [7]}, "weeks"),
        ({"rule_type": "month_days", "days": [0]}, "days"),
        ({"rule_type": "nope"}, "rule_type"),
        ({"place": "  "}, "place"),
        ({"valid_to": D(2025, 12, 1)}, "valid_to"),
    ],
)
def test_bad_rules_are_refused_beside_their_field(db, province, leader, changes, field):
    with pytest.raises(ObligationError) as e:
        create_rule(leader, _data(province["province"], **changes))
    assert e.value.field == field


def test_a_commune_chair_may_not_delegate_from_july_2026(db, province, leader):
    commune = province["commune"]
    with pytest.raises(ObligationError, match="không được") as e:
        create_rule(leader, _data(commune, host_mode=HostMode.delegated))
    assert e.value.field == "host_mode"
    rule = create_rule(
        leader, _data(commune, host_mode=HostMode.delegated, valid_to=D(2026, 6, 30))
    )
    assert rule.host_mode == HostMode.delegated


# --- the legal minimum --------------------------------------------------------------------


def test_the_legal_minimum_in_force_on_each_date():
    june = rules.minimum_in_force(UnitLevel.commune, D(2026, 6, 15))
    july = rules.minimum_in_force("commune", D(2026, 7, 15))
    assert (june.count, june.per, june.in_person_only) == (1, "week", False)
    assert (july.count, july.per, july.in_person_only) == (2, "month", True)
    assert rules.minimum_in_force("commune", D(2026, 6, 30)).id == "commune_weekly"
    assert rules.minimum_in_force("commune", D(2026, 7, 1)).id == "commune_2026"
    for level in ("province", "department", "central"):
        for day in (D(2020, 1, 1), D(2026, 7, 1), D(2030, 1, 1)):
            m = rules.minimum_in_force(level, day)
            assert (m.count, m.per) == (1, "month")
    assert rules.minimum_in_force("district", D(2025, 6, 30)).count == 2
    assert rules.minimum_in_force("district", D(2025, 7, 1)) is None


def test_a_commune_owes_each_week_in_june_2026_and_two_days_in_july():
    june = rules.month_periods("commune", 2026, 6)
    assert [(p.start, p.end, p.required) for p in june] == [
        (D(2026, 6, 1), D(2026, 6, 7), 1),
        (D(2026, 6, 8), D(2026, 6, 14), 1),
        (D(2026, 6, 15), D(2026, 6, 21), 1),
        (D(2026, 6, 22), D(2026, 6, 28), 1),
    ]
    july = rules.month_periods("commune", 2026, 7)
    assert [(p.start, p.end, p.required, p.minimum.in_person_only) for p in july] == [
        (D(2026, 7, 1), D(2026, 7, 31), 2, True)
    ]
    # A week belongs to the month of its Thursday: 26/1-1/2/2026 is January's.
    assert rules.month_periods("commune", 2026, 1)[-1].start == D(2026, 1, 26)
    assert rules.month_periods("commune", 2026, 2)[0].start == D(2026, 2, 2)
    assert [p.required for p in rules.month_periods("province", 2026, 7)] == [1]


# --- publication ----------------------------------------------------------------------------


def test_publication_at_the_five_working_day_boundary():
    day = D(2026, 3, 9)  # Monday
    assert CAL.working_days_between(D(2026, 3, 2), day) == 5
    assert rules.published_on_time(D(2026, 3, 2), day, CAL)
    assert not rules.published_on_time(D(2026, 3, 3), day, CAL)
    assert not rules.published_on_time(None, day, CAL)
    assert rules.publication_deadline(day, CAL) == D(2026, 3, 2)
    # Across 27/4, 30/4 and 1/5/2026 (holidays): five working days before Monday 4/5 start
    # on Thursday 23/4, so publishing on Wednesday 22/4 is the last day on time.
    may = D(2026, 5, 4)
    assert rules.publication_deadline(may, CAL) == D(2026, 4, 22)
    assert rules.published_on_time(D(2026, 4, 22), may, CAL)
    assert not rules.published_on_time(D(2026, 4, 23), may, CAL)
    for d in (D(2026, 1, 5) + timedelta(days=i) for i in range(400)):
        deadline = rules.publication_deadline(d, CAL)
        assert rules.published_on_time(deadline, d, CAL)
        assert not rules.published_on_time(deadline + timedelta(days=1), d, CAL)


def test_publishing_a_schedule_records_the_day(db, province, leader):
    hp = province["province"]
    RuleFactory(unit=hp)
    plan_sessions(leader, hp, D(2026, 7, 1), D(2026, 9, 30))
    done = publish_schedule(leader, hp, D(2026, 7, 1), D(2026, 9, 30), D(2026, 7, 28))
    # The July session is that very day: published with it (late, but recorded).
    assert [s.session_date for s in done] == [D(2026, 7, 28), D(2026, 8, 25), D(2026, 9, 29)]
    assert {s.published_on for s in done} == {D(2026, 7, 28)}
    assert publish_schedule(leader, hp, D(2026, 7, 1), D(2026, 9, 30), D(2026, 7, 29)) == []
    with pytest.raises(ObligationError) as e:
        publish_schedule(leader, hp, D(2026, 7, 1), D(2026, 9, 30), None)
    assert e.value.field == "on"


# --- who is behind ------------------------------------------------------------------------


def _held(unit, day, **kw):
    return PeriodicSessionFactory(unit=unit, session_date=day, **kw)


@pytest.fixture()
def reception_history(db, province):
    """June and July 2026 in the province, as the reception office recorded them."""
    hp, dept, commune, commune2 = (
        province["province"],
        province["department"],
        province["commune"],
        province["commune2"],
    )
    _held(hp, D(2026, 6, 30))
    # Planned for 28/7, published on 22/7: 4 working days ahead, late.
    _held(hp, D(2026, 7, 28), status=SessionStatus.planned, published_on=D(2026, 7, 22))
    # The department held nothing in June; its July session was cancelled.
    _held(dept, D(2026, 7, 21), status=SessionStatus.cancelled)
    # Commune 1: weeks 1, 2 and 4 of June (twice in week 2); July: one in person, one delegated.
    for day in (D(2026, 6, 3), D(2026, 6, 9), D(2026, 6, 11), D(2026, 6, 24)):
        _held(commune, day)
    _held(commune, D(2026, 7, 7))
    _held(commune, D(2026, 7, 21), host_mode=HostMode.delegated)
    _held(commune, D(2026, 7, 14), status=SessionStatus.postponed)
    # Commune 2: every week of June, twice in person in July; one planned in August unpublished.
    for day in (D(2026, 6, 2), D(2026, 6, 9), D(2026, 6, 16), D(2026, 6, 23)):
        _held(commune2, day)
    _held(commune2, D(2026, 7, 7))
    _held(commune2, D(2026, 7, 21))
    _held(commune2, D(2026, 8, 4), status=SessionStatus.planned, published_on=None)
    # The other province is far behind, and none of our business.
    _held(province["other"], D(2026, 6, 2), status=SessionStatus.cancelled)
    return province


def _cells(table):
    return {
        (row.unit.code, c.month): (c.held, c.required, c.shortfall, c.late)
        for row in table
        for c in row.cells
    }


def test_who_is_behind(db, reception_history, today):
    units = [
        reception_history[k]
        for k in ("province", "inspectorate", "department", "commune", "commune2")
    ]
    table = compliance.behind_table(units, D(2026, 6, 1), D(2026, 8, 31), today, CAL)
    cells = _cells(table)
    assert cells[("HP", 6)] == (1, 1, 0, 0)
    assert cells[("HP", 7)] == (0, 1, 0, 1)
    assert cells[("HPSTNMT", 6)] == (0, 1, 1, 0)
    assert cells[("HPSTNMT", 7)] == (0, 1, 0, 0)  # July is not over on 25/7: not yet short
    assert cells[("HPTTR", 6)] == (0, 1, 1, 0)
    assert cells[("HPLC", 6)] == (3, 4, 1, 0)  # week 15-21/6 without a session
    assert cells[("HPLC", 7)] == (1, 2, 0, 0)  # the delegated session does not count
    assert cells[("HPHA", 6)] == (4, 4, 0, 0)
    assert cells[("HPHA", 7)] == (2, 2, 0, 0)
    # 4/8 must be published by 28/7; on 25/7 it is not late yet.
    assert cells[("HPHA", 8)] == (0, 2, 0, 0)
    behind = {row.unit.code for row in table if row.behind}
    assert behind == {"HP", "HPTTR", "HPSTNMT", "HPLC"}
    lc = next(r for r in table if r.unit.code == "HPLC")
    july = lc.cells[1]
    assert (july.postponed, july.held_all, july.in_person_only) == (1, 2, True)
    # After the month: commune 1 is short of one in-person session in July.
    later = compliance.behind_table(units, D(2026, 7, 1), D(2026, 8, 31), D(2026, 8, 10), CAL)
    cells = _cells(later)
    assert cells[("HPLC", 7)] == (1, 2, 1, 0)
    assert cells[("HPSTNMT", 7)] == (0, 1, 1, 0)
    assert cells[("HPHA", 8)] == (0, 2, 0, 1)  # 4/8 never published: late


def test_weeks_at_the_edges_of_the_months_are_counted_whole(db, province, today):
    """A week is owed by the month of its Thursday and counted whole, its days outside the
    months shown included; the month's own count keeps to its days (one aggregate serves both:
    compliance._counts)."""
    commune = province["commune"]
    # January 2026's weeks: 29/12/2025-4/1 (Thursday 1/1) to 26/1-1/2 (Thursday 29/1).
    for day in (D(2025, 12, 29), D(2026, 1, 8), D(2026, 1, 15), D(2026, 1, 22), D(2026, 2, 1)):
        _held(commune, day)
    _held(commune, D(2025, 12, 30), status=SessionStatus.cancelled)
    # Never published: late in January (20/1), December's own (31/12) not counted there.
    for day in (D(2025, 12, 31), D(2026, 1, 20)):
        _held(commune, day, status=SessionStatus.planned, published_on=None)
    table = compliance.behind_table([commune], D(2026, 1, 1), D(2026, 1, 31), today, CAL)
    (january,) = table[0].cells
    assert (january.required, january.held, january.shortfall) == (5, 5, 0)
    assert (january.held_all, january.cancelled) == (3, 0)  # 8/1, 15/1 and 22/1
    assert (january.planned, january.late) == (1, 1)
    # February's first week starts on 2/2: the session of 1/2 is February's day, January's week.
    table = compliance.behind_table([commune], D(2026, 2, 1), D(2026, 2, 28), today, CAL)
    (february,) = table[0].cells
    assert february.held_all == 1 and february.held == 0  # 1/2 is January's week


def test_who_is_behind_counts_in_one_query_whatever_the_units(db, reception_history, today):
    units = [
        reception_history[k]
        for k in ("province", "inspectorate", "department", "commune", "commune2")
    ]
    for i in range(10):
        units.append(
            factories.UnitFactory(
                code=f"X{i}", level=UnitLevel.commune, parent=reception_history["province"]
            )
        )
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        table = compliance.behind_table(units, D(2025, 9, 1), D(2026, 8, 31), today, CAL)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert all(re.search(r"GROUP BY", s) for s in statements)
    assert len(table) == 15 and all(len(r.cells) == 12 for r in table)


def test_inactive_units_owe_nothing(db, province, today):
    gone = factories.UnitFactory(
        code="HPOLD",
        level=UnitLevel.district,
        parent=province["province"],
        active_from=D(2020, 1, 1),
        active_to=D(2025, 6, 30),
    )
    table = compliance.behind_table([gone], D(2025, 5, 1), D(2025, 8, 31), today, CAL)
    assert [(c.month, c.required, c.shortfall) for c in table[0].cells] == [
        (5, 2, 2),
        (6, 2, 2),
        (7, 0, 0),
        (8, 0, 0),
    ]


# --- pages --------------------------------------------------------------------------------


def test_the_page_shows_who_is_behind_in_red(web, login_as, reception_history, today):
    login_as(Role.leader)
    page = web.get("/obligations/?month_from=06/2026&month_to=07/2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lịch tiếp công dân định kỳ" in html
    row = re.search(r'<tr data-unit="HPLC"[^>]*>(.*?)</tr>', html, re.S).group(1)
    june = re.search(r'<td class="num ob-cell ob-short" data-month="2026-06"', row)
    assert june and "3/4" in row and "thiếu 1" in row
    hp = re.search(r'<tr data-unit="HP"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "1 công bố muộn" in hp
    assert 'data-unit="HN"' not in html
    only = web.get("/obligations/?month_from=06/2026&month_to=07/2026&only_behind=y")
    html = only.get_data(as_text=True)
    assert 'data-unit="HPLC"' in html and 'data-unit="HPHA"' not in html


def test_the_units_come_a_page_at_a_time(web, login_as, reception_history, today, app, monkeypatch):
    """A country's centre has thousands of units: its table pages (pu), the plan apart (page),
    the number behind still counted over them all."""
    login_as(Role.leader)
    query = "/obligations/?month_from=06/2026&month_to=07/2026"
    everyone = web.get(query).get_data(as_text=True)
    units = re.findall(r'<tr data-unit="([A-Z]+)"', everyone)
    behind = re.search(r"<strong>(\d+)</strong> / (\d+) đơn vị", everyone).groups()
    assert len(units) > 2 and behind[1] == str(len(units))
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    pages = []
    for n in range(1, -(-len(units) // 2) + 1):
        html = web.get(f"{query}&pu={n}").get_data(as_text=True)
        pages += re.findall(r'<tr data-unit="([A-Z]+)"', html)
        assert re.search(r"<strong>(\d+)</strong> / (\d+) đơn vị", html).groups() == behind
    assert pages == units
    first = web.get(query).get_data(as_text=True)
    link = re.search(r'href="([^"]*pu=2[^"]*)"', first).group(1)
    assert "month_from=06/2026" in link and "month_to=07/2026" in link
    past = web.get(f"{query}&pu=99").get_data(as_text=True)  # the last page, not an empty one
    assert re.findall(r'<tr data-unit="([A-Z]+)"', past) == units[-(len(units) % 2 or 2) :]


@pytest.mark.parametrize(
    "query",
    [
        "?month_from=13/2026",
        "?month_from=abc&month_to=07/2026",
        "?month_from=07/2026&month_to=06/2026",
        "?month_from=01/2020&month_to=12/2026",
        "?unit_id=999999999999",
        "?unit_id=x",
        "?page=-4",
    ],
)
def test_bad_filters_are_form_errors(web, login_as, province, today, query):
    login_as(Role.report_maker)
    page = web.get("/obligations/" + query)
    assert page.status_code == 200
    assert "page=" in query or "Bộ lọc còn lỗi" in page.get_data(as_text=True)


def test_a_filter_on_another_provinces_unit_is_refused(web, login_as, province, today):
    login_as(Role.leader)
    html = web.get(f"/obligations/?unit_id={province['other'].id}").get_data(as_text=True)
    assert "Bộ lọc còn lỗi" in html and 'data-unit="HN"' not in html


@pytest.mark.parametrize(
    ("role", "overview", "manage"),
    [
        (Role.leader, 200, 200),
        (Role.report_maker, 200, 403),
        (Role.reception_officer, 200, 403),
        (Role.admin, 403, 200),
        (Role.petition_handler, 403, 403),
        (Role.case_handler, 403, 403),
    ],
)
def test_permission_matrix(web, login_as, province, today, role, overview, manage):
    login_as(role)
    assert web.get("/obligations/").status_code == overview
    for url in (
        "/obligations/rules",
        "/obligations/rules/new",
        "/obligations/plan",
        "/obligations/publish",
    ):
        assert web.get(url).status_code == manage, url
    nav = web.get("/obligations/rules" if manage == 200 else "/obligations/").get_data(as_text=True)
    if 200 in (overview, manage):
        assert "Lịch tiếp dân" in nav


def test_setting_a_rule_and_planning_through_the_pages(web, login_as, province, today):
    login_as(Role.leader)
    hp = province["province"]
    form = {
        "unit_id": str(hp.id),
        "rule_type": "nth_weekday",
        "weekday": "1",
        "weeks": ["-1"],
        "days": "",
        "place": "Trụ sở tiếp công dân thành phố",
        "host_name": "Nguyễn Văn Chủ",
        "host_title": "Chủ tịch UBND thành phố",
        "host_mode": "in_person",
        "valid_from": "01/01/2026",
        "valid_to": "",
        "note": "",
    }
    resp = web.post_form("/obligations/rules/new", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    rule = _db.session.scalar(sa.select(ReceptionRule).where(ReceptionRule.unit_id == hp.id))
    assert rule.description == "Thứ Ba tuần cuối hằng tháng"
    resp = web.post_form(
        "/obligations/plan",
        {"unit_id": str(hp.id), "date_from": "01/08/2026", "date_to": "31/12/2026"},
    )
    assert resp.status_code == 302
    assert [s.session_date for s in periodic(hp)] == LAST_TUESDAYS_2026[7:]
    resp = web.post_form(
        "/obligations/publish",
        {
            "unit_id": str(hp.id),
            "date_from": "01/08/2026",
            "date_to": "31/12/2026",
            "on": "20/07/2026",
        },
    )
    assert resp.status_code == 302
    assert {s.published_on for s in periodic(hp)} == {D(2026, 7, 20)}
    html = web.get("/obligations/?month_from=08/2026&month_to=12/2026").get_data(as_text=True)
    assert "25/11/2026" in html and "Đúng hạn (20/07/2026)" in html
    # Edit: end the rule; the form comes back filled with the rule.
    page = web.get(f"/obligations/rules/{rule.id}").get_data(as_text=True)
    assert 'value="Trụ sở tiếp công dân thành phố"' in page
    resp = web.post_form(
        f"/obligations/rules/{rule.id}",
        {**form, "valid_to": "31/12/2026", "version": str(rule.version)},
    )
    assert resp.status_code == 302
    _db.session.refresh(rule)
    assert rule.valid_to == D(2026, 12, 31)
    # A save from a page opened before that edit is refused as on every edit page: 409.
    stale = web.post_form(
        f"/obligations/rules/{rule.id}",
        {**form, "valid_to": "30/11/2026", "version": str(rule.version - 1)},
    )
    assert stale.status_code == 409 and "vừa được" in stale.get_data(as_text=True)
    _db.session.refresh(rule)
    assert rule.valid_to == D(2026, 12, 31)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weeks": []}, "Chọn ít nhất một tuần"),
        ({"weekday": "9"}, "Lựa chọn không hợp lệ"),
        ({"rule_type": "month_days", "days": "10, 32"}, "không phải một ngày"),
        ({"rule_type": "month_days", "days": ""}, "Nhập ít nhất một ngày"),
        ({"valid_from": "31/02/2026"}, "Ngày không hợp lệ"),
        ({"unit_id": "abc"}, "Lựa chọn không hợp lệ"),
        ({"host_mode": "delegated"}, "không được"),
        ({"version": "x"}, "Phiên bản không hợp lệ"),
    ],
)
def test_rule_form_errors_stand_beside_the_field(web, login_as, province, today, changes, message):
    login_as(Role.leader)
    form = {
        "unit_id": str(province["commune"].id),
        "rule_type": "nth_weekday",
        "weekday": "1",
        "weeks": ["-1"],
        "place": "Trụ sở UBND phường",
        "host_name": "Trần Văn Xã",
        "host_mode": "in_person",
        "valid_from": "01/07/2026",
    }
    form.update(changes)
    resp = web.post_form("/obligations/rules/new", form)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert message in html and "Chưa có gì được lưu" in html
    assert _db.session.scalar(sa.select(sa.func.count(ReceptionRule.id))) == 0


def test_rules_of_another_province_are_not_found(web, login_as, province, today):
    other = RuleFactory(unit=province["other"])
    login_as(Role.leader)
    assert web.get(f"/obligations/rules/{other.id}").status_code == 404
    assert web.get("/obligations/rules/99999999999").status_code == 404
    html = web.get("/obligations/rules").get_data(as_text=True)
    assert f"/obligations/rules/{other.id}" not in html and "Chưa có quy định nào" in html
    resp = web.post_form(
        "/obligations/plan",
        {"unit_id": str(province["other"].id), "date_from": "01/08/2026", "date_to": "31/08/2026"},
        form_url="/obligations/plan",
    )
    assert resp.status_code == 200 and "Lựa chọn không hợp lệ" in resp.get_data(as_text=True)
    assert periodic(province["other"]) == []


def test_work_calendar_is_the_one_planning_uses(db):
    assert work_calendar().is_working_day(D(2026, 11, 24)) is False
