"""Petitions waiting to be processed (đơn chờ xử lý): their processing due dates, nearest
first, and what the queue counts (overdue, waiting long enough for discipline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Deadline, open_petition_due
from complaints.core.calendar import WorkCalendar
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionStatus
from complaints.units.models import Unit
from complaints.units.roles import processed_by, processed_here

# An officer who leaves a petition unprocessed this many days faces discipline (DOMAIN §7).
DISCIPLINE_DAYS = 45


@dataclass(frozen=True)
class PendingKey:
    id: int
    received: date
    due: date | None
    estimated: bool  # no stored deadline yet: the engine's date, stored when processed


def where(user, *filters) -> list:
    """The registered petitions the user's units process, not yet processed, narrowed by
    filters: their own and those of the units that send theirs (units/roles.py)."""
    return [
        Petition.status == PetitionStatus.registered,
        processed_here(user, Petition.unit_id),
        *filters,
    ]


@dataclass(frozen=True)
class PendingFilter:
    """What the queue "Đơn chờ xử lý" is narrowed to; the dashboard's tiles count with the
    filter they link to (where, narrow, args)."""

    kind: str | None = None
    unit_id: int | None = None  # received there or below
    processed_by: int | None = None  # processed there or below (an inspectorate's queue)
    overdue: bool = False  # past the processing deadline
    discipline: bool = False  # waiting DISCIPLINE_DAYS days or more

    def conditions(self) -> list:
        """The SQL part of the filter (kind and units), for where()."""
        from complaints.core.vocab import PetitionKind

        out = []
        if self.kind:
            out.append(Petition.kind == PetitionKind(self.kind))
        if self.unit_id:
            out.append(Petition.unit_id.in_(db.session.get(Unit, self.unit_id).subtree_ids()))
        if self.processed_by:
            out.append(processed_by(db.session.get(Unit, self.processed_by), Petition.unit_id))
        return out

    def args(self) -> dict:
        """The queue's query arguments for this filter (its form's field names)."""
        args: dict = {}
        for name in ("kind", "unit_id", "processed_by"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        for name in ("overdue", "discipline"):
            if getattr(self, name):
                args[name] = "y"
        return args


def is_overdue(key: PendingKey, t: date) -> bool:
    """Past its processing deadline on day t."""
    return key.due is not None and key.due < t


def is_discipline(key: PendingKey, t: date) -> bool:
    """Waiting DISCIPLINE_DAYS days or more on day t (DOMAIN §7)."""
    return key.received <= t - timedelta(days=DISCIPLINE_DAYS)


def narrow(pending: list[PendingKey], f: PendingFilter, t: date) -> list[PendingKey]:
    """The petitions of the queue the filter's overdue / discipline ticks keep."""
    return [
        k
        for k in pending
        if (not f.overdue or is_overdue(k, t)) and (not f.discipline or is_discipline(k, t))
    ]


def processing_due(kind, received: date, cal: WorkCalendar) -> date | None:
    """The processing deadline the engine gives a petition (as petition_deadline() would)."""
    return case_deadlines.processing_due(getattr(kind, "value", kind), received, cal)


def _with_stored_due(*columns, conditions: list) -> sa.Select:
    """The columns of the petitions meeting the conditions, and their stored processing
    deadline not met yet (the earliest; NULL where none: the engine's date stands in).

    A deadline is stored when its petition is processed and met that day, so a waiting
    petition seldom has one. PostgreSQL joins the few open ones (ix_deadline_petition_open)
    to the petitions: a country's 11,102 waiting petitions each looking theirs up was 21 ms of
    the overdue page and the dashboard at 5,000,000 petitions, the join 9.4. SQLite keeps the
    look-up by petition (0.3 ms for a province's queue): for the join its planner read every
    open deadline of the cases (18 ms), having no statistics for the near-empty index. The
    same rule (open_petition_due), two ways to it, chosen here."""
    if db.session.get_bind().dialect.name == "postgresql":
        stored = (
            sa.select(Deadline.petition_id, sa.func.min(Deadline.due).label("due"))
            .where(open_petition_due())
            .group_by(Deadline.petition_id)
            .subquery("stored_due")
        )
        return (
            sa.select(*columns, stored.c.due)
            .outerjoin(stored, stored.c.petition_id == Petition.id)
            .where(*conditions)
        )
    due = (
        sa.select(sa.func.min(Deadline.due))
        .where(Deadline.petition_id == Petition.id, open_petition_due())
        .correlate(Petition)
        .scalar_subquery()
    )
    return sa.select(*columns, due.label("due")).where(*conditions)


def keys(conditions: list) -> list[PendingKey]:
    """The processing due date of every pending petition, nearest first: the stored deadline,
    or the one the engine gives for the kind and date of receipt (computed once per pair,
    never written on a GET). The database cannot apply the working-day calendar, so the
    ordering is done here on these small tuples; pages then load only their own rows."""
    rows = db.session.execute(
        _with_stored_due(Petition.id, Petition.kind, Petition.received_date, conditions=conditions)
    ).all()
    cal: WorkCalendar | None = None
    computed: dict[tuple, date | None] = {}
    out = []
    for pid, kind, received, due in rows:
        estimated = due is None
        if estimated:
            if (kind, received) not in computed:
                cal = cal or work_calendar()
                computed[kind, received] = processing_due(kind, received, cal)
            due = computed[kind, received]
        out.append(PendingKey(pid, received, due, estimated))
    out.sort(key=lambda k: (k.due is None, k.due or k.received, k.received, k.id))
    return out


def counts(pending: list[PendingKey], t: date) -> dict:
    """The numbers of the queue's keys already loaded (the queue page): how many wait, how many
    are past their processing deadline, how many for discipline."""
    return {
        "total": len(pending),
        "overdue": sum(1 for k in pending if is_overdue(k, t)),
        "discipline": sum(1 for k in pending if is_discipline(k, t)),
    }


# Where a pending petition's stored processing deadline stands on day t (count()).
_ESTIMATED, _PAST, _NOT_PAST = 0, 1, 2


def count(conditions: list, t: date) -> dict:
    """How many wait, how many are past their processing deadline, how many for discipline:
    is_overdue and is_discipline counted by the database, for a tile or a heading that shows
    the numbers without the queue. One aggregate grouped by kind, date of receipt and where
    the stored deadline stands (none, past, not past: a few hundred groups at most), each
    petition's stored deadline found once (_with_stored_due): the engine's dates, where no
    deadline is stored yet, are computed here once per group, as keys() does."""
    # OFFSET 0: SQLite would otherwise merge the inner select into the outer and look each
    # petition's deadline up once for each place the outer names it (PostgreSQL joins them)
    waiting = (
        _with_stored_due(Petition.kind, Petition.received_date, conditions=conditions)
        .offset(0)
        .subquery()
    )
    due = waiting.c.due
    standing = sa.case((due.is_(None), _ESTIMATED), (due < t, _PAST), else_=_NOT_PAST)
    rows = db.session.execute(
        sa.select(waiting.c.kind, waiting.c.received_date, standing, sa.func.count()).group_by(
            waiting.c.kind, waiting.c.received_date, standing
        )
    ).all()
    cal = work_calendar() if any(row[2] == _ESTIMATED for row in rows) else None
    out = {"total": 0, "overdue": 0, "discipline": 0}
    for kind, received, stands, n in rows:
        out["total"] += n
        estimated = stands == _ESTIMATED
        late = n if stands == _PAST else 0
        if estimated:
            due = processing_due(kind, received, cal)
            late = n if due is not None and due < t else 0
        out["overdue"] += int(late)
        out["discipline"] += n if is_discipline(PendingKey(0, received, None, estimated), t) else 0
    return out
