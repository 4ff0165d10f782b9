"""Who is behind: for each unit and month, the held periodic sessions against the legal
minimum in force, and the schedules published late.

Counting is done by the database, grouped by unit and month (and by unit and ISO week where a
weekly minimum applies): one aggregate query for a whole unit tree, never one per unit.

Indexes: the query reads the periodic sessions of the units (unit_id IN (...)) in a range of
days from their partial index alone (ix_reception_session_periodic).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from complaints.core.calendar import WorkCalendar
from complaints.core.translate import Phrase
from complaints.extensions import db
from complaints.obligations import rules
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    SessionStatus,
    periodic_session,
)
from complaints.units.models import Unit


class week_start(FunctionElement):
    """The Monday of the ISO week of a date column, computed by the database."""

    type = sa.Date()
    inherit_cache = True
    name = "week_start"


@compiles(week_start, "postgresql")
def _week_start_pg(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # 'weekday 0' moves forward to the Sunday ending the ISO week (or stays on it).
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@dataclass
class Cell:
    """One unit in one month."""

    year: int
    month: int
    periods: list[rules.ObligationPeriod] = field(default_factory=list)
    required: int = 0  # sessions the law asks for in the month
    held: int = 0  # sessions that count against it (held; in person when the law says so)
    held_all: int = 0  # every held periodic session, whoever hosted it
    shortfall: int = 0  # sessions missing in finished periods (weeks or the month)
    open: bool = False  # a period of the month is not over yet
    planned: int = 0
    cancelled: int = 0
    postponed: int = 0
    late: int = 0  # schedules published late, or not yet published once too late

    @property
    def applies(self) -> bool:
        return self.required > 0

    @property
    def behind(self) -> bool:
        return self.shortfall > 0

    @property
    def minimum_label(self) -> Phrase:
        return Phrase(
            lambda t: "; ".join(dict.fromkeys(p.minimum.label.compose(t) for p in self.periods))
        )

    @property
    def in_person_only(self) -> bool:
        return any(p.minimum.in_person_only for p in self.periods)


@dataclass
class UnitRow:
    unit: Unit
    cells: list[Cell]

    @property
    def shortfall(self) -> int:
        return sum(c.shortfall for c in self.cells)

    @property
    def late(self) -> int:
        return sum(c.late for c in self.cells)

    @property
    def behind(self) -> bool:
        return self.shortfall > 0 or self.late > 0


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) of every month from first's to last's, both included."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def publication_deadline_expr(start: date, end: date, cal: WorkCalendar) -> sa.ColumnElement:
    """The last on-time publication day of each session from start to end (else NULL), as an
    SQL CASE over its month, then its day: each session compared with some twenty dates, not
    with every day of the range (a country's half year of sessions, some 200 days each: 30 of
    the obligations page's 50 ms at 5,000,000 petitions)."""
    by_month = []
    for y, m in months_between(start, end):
        first, last = rules.month_bounds(y, m)
        first, last = max(first, start), min(last, end)
        whens = {}
        d = first
        while d <= last:
            whens[d] = sa.literal(rules.publication_deadline(d, cal), sa.Date)
            d += timedelta(days=1)
        day = sa.case(whens, value=ReceptionSession.session_date, else_=sa.null())
        by_month.append((ReceptionSession.session_date <= last, day))
    return sa.case(*by_month, else_=sa.null())


def late_clause(start: date, end: date, today: date, cal: WorkCalendar) -> sa.ColumnElement:
    """A planned or held periodic session whose schedule was published late, or is still not
    published after the last on-time day: published (or, not yet, today) after it, the
    deadline computed once."""
    deadline = publication_deadline_expr(start, end, cal)
    published = sa.func.coalesce(ReceptionSession.published_on, sa.literal(today, sa.Date))
    return sa.and_(
        ReceptionSession.status.in_([SessionStatus.planned, SessionStatus.held]),
        published > deadline,
    )


def _sum(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _counts(
    ids, start: date, end: date, today: date, cal: WorkCalendar, *, weekly: bool
) -> tuple[dict[tuple[int, int, int], tuple], dict[tuple[int, date], tuple[int, int]]]:
    """The periodic sessions of the units counted in one pass: by unit and month from start to
    end (held, in person, planned, cancelled, postponed, published late), and by unit and ISO
    week (held, in person) when a weekly minimum applies, the weeks that straddle start or end
    counted whole. One aggregate grouped by unit, month and week, added up here: a week that
    spans two months is two groups (a country's seven months at 5,000,000 petitions: 13,875
    groups, where an aggregate by month and one by week read the sessions twice and returned
    23,656)."""
    held = ReceptionSession.status == SessionStatus.held
    in_person = held & (ReceptionSession.host_mode == HostMode.in_person)
    year = sa.cast(sa.extract("year", ReceptionSession.session_date), sa.Integer)
    month = sa.cast(sa.extract("month", ReceptionSession.session_date), sa.Integer)
    groups = [ReceptionSession.unit_id, year, month]
    first, last = start, end
    if weekly:  # the weeks that straddle start or end, whole
        groups.append(week_start(ReceptionSession.session_date))
        first, last = start - timedelta(days=6), end + timedelta(days=6)
    rows = db.session.execute(
        sa.select(
            *groups,
            _sum(held),
            _sum(in_person),
            _sum(ReceptionSession.status == SessionStatus.planned),
            _sum(ReceptionSession.status == SessionStatus.cancelled),
            _sum(ReceptionSession.status == SessionStatus.postponed),
            _sum(late_clause(start, end, today, cal)),
        )
        .where(
            ReceptionSession.unit_id.in_(ids),
            periodic_session(),
            ReceptionSession.session_date.between(first, last),
        )
        .group_by(*groups)
    ).all()
    # rows unpacked, not read by name: a country's months have tens of thousands
    by_month: dict[tuple[int, int, int], tuple] = {}
    by_week: dict[tuple[int, date], tuple[int, int]] = {}
    first_month, last_month = (start.year, start.month), (end.year, end.month)
    for uid, y, m, *rest in rows:
        if weekly:
            monday, h, ip, *others = rest
            was = by_week.get((uid, monday))
            by_week[uid, monday] = (h, ip) if was is None else (was[0] + h, was[1] + ip)
        else:
            h, ip, *others = rest
        if first_month <= (y, m) <= last_month:
            was = by_month.get((uid, y, m))
            counts = (h, ip, *others)
            by_month[uid, y, m] = (
                counts if was is None else tuple(a + b for a, b in zip(was, counts, strict=True))
            )
    return by_month, by_week


def behind_table(
    units: list[Unit],
    first: date,
    last: date,
    today: date,
    cal: WorkCalendar,
    *,
    ids: sa.Select | None = None,
) -> list[UnitRow]:
    """Each unit, each month from first's to last's: required vs held, late publications.
    `ids`: the same units' ids as a select (a subtree's, Unit.ids_under), so that a country's
    4,295 ids are not each a parameter of the statements (binding and planning them took
    100-250 ms at the centre)."""
    months = months_between(first, last)
    if not units or not months:
        return []
    start = rules.month_bounds(*months[0])[0]
    end = rules.month_bounds(*months[-1])[1]
    if ids is None:
        ids = [u.id for u in units]
    of_level = functools.cache(rules.month_periods)  # the law's, by level: a few, not a unit's
    levels = {u.level for u in units}
    weekly = any(
        p.minimum.per == "week" for lv in levels for (y, m) in months for p in of_level(lv, y, m)
    )
    by_month, by_week = _counts(ids, start, end, today, cal, weekly=weekly)

    table = []
    for u in units:
        uid, level = u.id, u.level
        # A unit in existence all along owes its level's periods (each period of a month
        # overlaps the month), the lists shared by the level's units.
        throughout = u.is_active_on(start) and u.is_active_on(end)
        cells = []
        for y, m in months:
            owed = of_level(level, y, m)
            if not throughout:
                owed = [p for p in owed if u.is_active_during(p.start, p.end)]
            cell = Cell(y, m, owed)
            row = by_month.get((uid, y, m))
            if row is not None:
                cell.held_all, _, cell.planned, cell.cancelled, cell.postponed, cell.late = row
            for p in owed:
                if p.minimum.per == "week":
                    h, ip = by_week.get((uid, p.start), (0, 0))
                else:
                    h, ip = row[:2] if row is not None else (0, 0)
                counted = ip if p.minimum.in_person_only else h
                cell.required += p.required
                cell.held += min(counted, p.required) if p.minimum.per == "week" else counted
                if p.end < today:
                    cell.shortfall += max(0, p.required - counted)
                else:
                    cell.open = True
            cells.append(cell)
        table.append(UnitRow(u, cells))
    return table
