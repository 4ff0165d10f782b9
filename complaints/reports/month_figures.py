"""The dashboard's closed report months, kept per unit (issue 15, item 3).

A leader's dashboard shows the resolution rate of the last twelve report months and the year's
figures per unit. Counted from the registers on every view, a country's centre read its year of
cases each time (112,086 of 1,801,982 at 5,000,000 petitions): the page grew with the country's
activity. A month that has ended changes only when its records do, so each unit's figures of a
closed month are kept (reports.models.MonthFigures) and the centre adds up its units' rows, a
number that grows with the units, not the cases. The month in progress, and the rest of the
report year, are still counted from the registers on every view.

The rule, in this one place:

* A row holds what the figure catalogue's own statement (figures.compute_by_unit) gave for one
  unit, one report month and the kinds counted: never a count of its own.
* It is deleted in the transaction of any change to what it counts, a case of its unit or an
  opening balance, from the earliest day the change moved (a case decided today changes no
  month before today's; a case moved to another unit, or another kind or state, changes every
  month of both units from the day it was accepted). Flushes are seen by _collect; writers
  without the ORM (the register import's batches, an import undone) call `changed`.
* A missing row is computed again when next read, under the lock `changed` takes on
  PostgreSQL (the writers' own, audit.serialise_writers; SQLite has one writer): a reader
  never keeps figures counted before a change that has deleted them.
* The year is its closed months and the rest counted live: carried over at its first month's
  start, plus each month's new cases and resolved cases (the catalogue's identity "carried
  over + new = cases", and months that tile the year). Only the case figures are kept: a rate
  on petitions is counted from the registers, as before.
"""

from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from complaints.cases.models import FIGURE_COLUMNS, Case
from complaints.core import audit
from complaints.core.db import begin_writing, commit_apart, dialect_insert, utcnow, write_intent
from complaints.extensions import db
from complaints.reports import figures as F
from complaints.reports.models import MonthFigures, OpeningBalance
from complaints.reports.periods import Period
from complaints.units.models import Unit

# The figures a row keeps, in the order of its columns.
FIGURE_IDS = (
    "competent.cases_carried_over",
    "competent.cases_new",
    "competent.cases",
    "competent.resolved",
)
COLUMNS = ("carried_over", "new", "cases", "resolved")
_CASE_DATES = ("accepted_on", "decided_on", "closed_on")
_CASE_OTHER = tuple(c for c in ("unit_id", *FIGURE_COLUMNS) if c not in _CASE_DATES)
# A change whose earlier value is unknown: every month of the unit.
EVER = date.min

_table = MonthFigures.__table__


def changed(session: Session, stale: dict[int, date]) -> None:
    """Delete the kept months of each unit that end on or after its day ({unit id: day}), in
    the session's transaction."""
    if not stale:
        return
    conn = session.connection()
    # between a change deleting rows and a reader keeping them: the writers' own lock, which a
    # writer of cases holds anyway for its audit event
    audit.serialise_writers(conn)
    conn.execute(
        _table.delete().where(
            _table.c.unit_id == sa.bindparam("u"), _table.c.end >= sa.bindparam("d")
        ),
        [{"u": unit_id, "d": day} for unit_id, day in stale.items()],
    )


# What a case written without the ORM must give rows_changed.
CASE_COLUMNS = ("unit_id", *_CASE_DATES)


def rows_changed(session: Session, rows) -> None:
    """Cases written without the ORM (mappings of CASE_COLUMNS: as inserted, or before their
    deletion): delete the kept months they count in, from the day each was accepted."""
    stale: dict[int, date] = {}
    for row in rows:
        _note_case(stale, row)
    changed(session, stale)


def _note_case(stale: dict[int, date], case) -> None:
    """A case come or gone (a mapping of CASE_COLUMNS): its unit's months from the day it was
    accepted; a case not accepted counts in no month."""
    if case["accepted_on"] is not None:
        _note(stale, [case["unit_id"]], [case[c] for c in _CASE_DATES])


def _note(stale: dict[int, date], units, days) -> None:
    days = [d for d in days if d is not None]
    if not days:
        return
    first = min(days)
    for unit_id in units:
        if isinstance(unit_id, int):  # not None, nor an unknown earlier unit
            stale[unit_id] = min(first, stale.get(unit_id, first))


def _values(state, attr: str) -> list:
    """An attribute's values before and after the flush (EVER when the earlier is unknown)."""
    history = state.attrs[attr].history
    if history.has_changes() and not (history.deleted or history.unchanged):
        return [*history.added, EVER]
    return [*history.added, *history.unchanged, *history.deleted]


@sa.event.listens_for(Session, "after_flush")
def _collect(session, context) -> None:
    """Delete the kept months that the flush's cases and opening balances change."""
    stale: dict[int, date] = {}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(obj, Case | OpeningBalance):
            continue
        state = sa.inspect(obj)
        fresh = obj in session.new or obj in session.deleted
        if isinstance(obj, OpeningBalance):
            if fresh or any(a.history.has_changes() for a in state.attrs):
                _note(stale, _values(state, "unit_id"), _values(state, "as_of"))
            continue
        if fresh:
            _note_case(stale, {c: getattr(obj, c) for c in CASE_COLUMNS})
            continue
        moved = [a for a in _CASE_DATES if state.attrs[a].history.has_changes()]
        other = [a for a in _CASE_OTHER if state.attrs[a].history.has_changes()]
        if not (moved or other):
            continue
        # another unit, kind, state or ending: every month it counted in, as it was and is
        days = [v for a in (_CASE_DATES if other else moved) for v in _values(state, a)]
        units = _values(state, "unit_id") if "unit_id" in other else [obj.unit_id]
        if other and all(v is None for v in _values(state, "accepted_on")):
            continue  # never accepted, before or after: counted in no month
        _note(stale, units, days)
    if stale:
        changed(session, stale)


# --- reading ------------------------------------------------------------------------------------


def _kept(root: Unit, key: str, periods: list[Period]) -> tuple:
    """Which kept rows are the tree's units' for `periods` (the conditions)."""
    return (
        _table.c.kinds == key,
        _table.c.unit_id.in_(root.subtree_ids()),
        sa.tuple_(_table.c.start, _table.c.end).in_([(p.start, p.end) for p in periods]),
    )


def _read(root: Unit, key: str, closed: list[Period], year: Period) -> tuple:
    """The kept rows of the tree's units for the closed months, added up in one statement
    (read once, two aggregates): (the tree's units, {(start, end): (its units kept, then
    their figures added up)}, {unit id: (carried over at the year's first day, new cases,
    resolved cases) in the closed months of the year}). The year's rows are only those
    counted: _fill first when a month lacks units."""
    kept = sa.select(_table).where(*_kept(root, key, closed)).cte("kept")
    units = sa.select(sa.func.count()).select_from(root.subtree_ids().subquery())
    zero = sa.literal(0, sa.BigInteger)
    months = sa.select(
        kept.c.start,
        kept.c.end,
        sa.literal(None, sa.Integer).label("unit_id"),
        units.scalar_subquery(),
        sa.func.count(),
        *(sa.func.sum(kept.c[c]) for c in COLUMNS),
    ).group_by(kept.c.start, kept.c.end)
    first = next((p.start for p in closed if p.start >= year.start), None)
    by_unit = (
        sa.select(
            sa.literal(None, sa.Date).label("start"),
            sa.literal(None, sa.Date).label("end"),
            kept.c.unit_id,
            zero,
            zero,
            sa.func.sum(sa.case((kept.c.start == first, kept.c.carried_over), else_=0)),
            sa.func.sum(kept.c.new),
            zero,
            sa.func.sum(kept.c.resolved),
        )
        .where(kept.c.start >= year.start)
        .group_by(kept.c.unit_id)
    )
    totals: dict[tuple, tuple] = {}
    in_year: dict[int, tuple] = {}
    count = None
    for start, end, unit_id, n, *values in db.session.execute(sa.union_all(months, by_unit)):
        if unit_id is None:
            count = n
            totals[(start, end)] = tuple(int(v or 0) for v in values)
        else:
            in_year[unit_id] = (int(values[1] or 0), int(values[2] or 0), int(values[4] or 0))
    if count is None:
        count = db.session.scalar(units)
    return int(count or 0), totals, in_year


def _fill(root: Unit, key: str, kinds: tuple, periods: list[Period]) -> None:
    """Compute and keep the missing rows of the tree's units for `periods`, in one statement
    (figures.compute_each_period_by_unit) and one insert: in a transaction of its own when
    the request only reads (begin_writing), under the lock `changed` takes. The request's
    records are not expired by those commits: it changed none, and a country's centre would
    read its 4,295 units again one by one."""
    intended = write_intent.get()
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        begin_writing()
        audit.serialise_writers(db.session.connection())
        units = db.session.scalars(root.subtree_ids()).all()
        have = set(
            db.session.execute(
                sa.select(_table.c.unit_id, _table.c.start, _table.c.end).where(
                    *_kept(root, key, periods)
                )
            ).all()
        )
        missing = [(u, p) for p in periods for u in units if (u, p.start, p.end) not in have]
        if missing:
            lacking = {u for u, _p in missing}
            among = F.Subtree(root.path) if len(lacking) * 2 > len(units) else sorted(lacking)
            found = F.compute_each_period_by_unit(FIGURE_IDS, among, periods, kinds)
            by_period = dict(zip(periods, found, strict=True))
            now = utcnow()
            rows = [
                {
                    "unit_id": unit_id,
                    "kinds": key,
                    "start": p.start,
                    "end": p.end,
                    "computed_at": now,
                    **{
                        c: int(by_period[p].get(unit_id, {}).get(f, 0))
                        for c, f in zip(COLUMNS, FIGURE_IDS, strict=True)
                    },
                }
                for unit_id, p in missing
            ]
            db.session.execute(dialect_insert(_table).on_conflict_do_nothing(), rows)
        if not intended:
            commit_apart()
    finally:
        write_intent.set(intended)
        session.expire_on_commit = expiring


def _tiles(months: list[Period], year: Period, t: date) -> bool:
    """Whether the months can give the year: the last month holds t, and the months from the
    year's first day to the last one follow each other."""
    if not months or not months[-1].start <= t <= months[-1].end or months[-1].end > year.end:
        return False
    in_year = [p for p in months if p.start >= year.start]
    if not in_year or in_year[0].start != year.start:
        return False
    return all((b.start - a.end).days == 1 for a, b in itertools.pairwise(in_year))


def months_and_year(
    figure_ids, root: Unit, months: list[Period], year: Period, kinds, t: date
) -> tuple[list[dict[str, int]], dict[int, dict[str, int]]]:
    """F.compute_by_period_and_unit(figure_ids, the tree of `root`, months, year, kinds): the
    figures of each month (the last one holding t) and of the year by unit, the months ended
    before t read from the kept rows (computed once and kept when missing), the last month and
    the rest of the year counted from the registers. Other figures than the kept ones, or
    months that do not tile the year, are all counted from the registers."""
    kinds = tuple(kinds or ())
    if not set(figure_ids) <= set(FIGURE_IDS) or not _tiles(months, year, t):
        return F.compute_by_period_and_unit(figure_ids, F.Subtree(root.path), months, year, kinds)
    closed, current = months[:-1], months[-1]
    key = ",".join(kinds)
    totals: dict[tuple, tuple] = {}
    in_year: dict[int, tuple] = {}
    if closed:
        units, totals, in_year = _read(root, key, closed, year)
        short = [p for p in closed if totals.get((p.start, p.end), (0,))[0] < units]
        if short:
            _fill(root, key, kinds, short)
            units, totals, in_year = _read(root, key, closed, year)
    rest = Period(current.start, year.end, year.label)
    (live_month,), live_rest = F.compute_by_period_and_unit(
        FIGURE_IDS, F.Subtree(root.path), [current], rest, kinds
    )
    by_period = [
        dict(zip(FIGURE_IDS, totals.get((p.start, p.end), (0,) * 5)[1:], strict=True))
        for p in closed
    ]
    by_period.append({f: live_month.get(f, 0) for f in FIGURE_IDS})
    year_kept = any(p.start >= year.start for p in closed)
    return by_period, _year_by_unit(in_year, year_kept, live_rest)


def _year_by_unit(kept: dict[int, tuple], year_kept: bool, live: dict[int, dict]) -> dict:
    """The year's figures by unit: carried over at its first day (its first kept month's, else
    the rest's), the new and resolved cases of its kept months (`kept`: _read's) and of the
    rest (`live`); the cases in all, carried over + new."""
    out = {
        unit_id: {
            "competent.cases_carried_over": carried,
            "competent.cases_new": new,
            "competent.resolved": resolved,
        }
        for unit_id, (carried, new, resolved) in kept.items()
    }
    for unit_id, values in live.items():
        mine = out.setdefault(
            unit_id,
            {"competent.cases_carried_over": 0, "competent.cases_new": 0, "competent.resolved": 0},
        )
        if not year_kept:
            mine["competent.cases_carried_over"] = values.get("competent.cases_carried_over", 0)
        mine["competent.cases_new"] += values.get("competent.cases_new", 0)
        mine["competent.resolved"] += values.get("competent.resolved", 0)
    for values in out.values():
        values["competent.cases"] = (
            values["competent.cases_carried_over"] + values["competent.cases_new"]
        )
    return {u: v for u, v in out.items() if any(v.values())}
