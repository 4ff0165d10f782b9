"""Deadlines of cases and petitions: the engine of core/deadlines.py applied to stored facts."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.cases.models import Case, Complexity, Deadline, owed_duties
from complaints.core import deadlines as engine
from complaints.core.calendar import WorkCalendar
from complaints.extensions import db

# From 01/7/2026 the resolution period restarts from the resumption decision (NĐ 155/2026);
# before, the suspended time is excluded from it.
RESTART_AFTER_SUSPENSION_FROM = date(2026, 7, 1)
# Steps owed to the citizen: missing one calls for an apology letter.
TOWARDS_CITIZEN = frozenset(
    {
        "process",
        "accept",
        "notify_acceptance",
        "resolve",
        "send_decision",
        "send_conclusion",
        "reply_after_reception",
        "transfer",
    }
)


def _store(owner: dict, unit_id: int, step: str, start: date, result, existing: list[Deadline]):
    """Keep one active deadline per step: reuse it when unchanged, else retire it."""
    current = [d for d in existing if d.step == step and d.active]
    for d in current:
        if (d.due, d.rule, d.start) == (result.due, result.rule, start):
            return d
        d.active = False
    row = Deadline(
        **owner,
        unit_id=unit_id,
        step=step,
        label=result.label,
        start=start,
        due=result.due,
        days=result.days,
        day_type=result.day_type,
        rule=result.rule,
        basis=result.basis,
        towards_citizen=step in TOWARDS_CITIZEN,
        active=True,
    )
    db.session.add(row)
    existing.append(row)
    return row


def _case_deadlines(case: Case) -> list[Deadline]:
    return list(db.session.scalars(sa.select(Deadline).where(Deadline.case_id == case.id)))


def recompute_case(case: Case, calendar: WorkCalendar | None = None) -> list[Deadline]:
    """(Re)compute every deadline the case's facts call for; retire the ones they no longer do."""
    cal = calendar or work_calendar()
    existing = _case_deadlines(case)
    owner = {"case_id": case.id}
    kind = case.kind.value
    wanted: set[str] = set()

    def put(step: str, start: date, **kw):
        wanted.add(step)
        result = engine.compute(kind, step, start, round=case.round, calendar=cal, **kw)
        return _store(owner, case.unit_id, step, start, result, existing)

    if case.accepted_on is None:
        put("process" if kind == "feedback" else "accept", case.received_on)
    else:
        complexity = case.complexity.value
        if kind == "denunciation":
            # The extension is a decision: each one granted lengthens the period by one step
            # of the complexity ladder (30 -> 60 -> 90 days, LTC Art 30).
            complexity = engine.COMPLEXITIES[min(case.extensions, 2)]
        start, suspended = case.accepted_on, case.suspended_days
        if case.resumed_on and case.resumed_on >= RESTART_AFTER_SUSPENSION_FROM:
            start, suspended = case.resumed_on, 0
        put(
            "resolve",
            start,
            complexity=complexity,
            remote=case.remote_area,
            suspended_days=suspended,
        )
        if kind == "denunciation":
            put("notify_acceptance", case.accepted_on)
    if case.decided_on is not None:
        if kind == "complaint":
            put("send_decision", case.decided_on)
        elif kind == "denunciation":
            put("send_conclusion", case.decided_on)
            put("publish_conclusion", case.decided_on)
    if case.sent_on is not None and kind == "complaint" and case.round == 1:
        put("lodge_round2", case.sent_on, remote=case.remote_area)

    for d in existing:
        if d.active and d.step not in wanted:
            d.active = False
    _mark_met(case, existing)
    case.next_due = next_due(existing)
    db.session.flush()
    db.session.expire(case, ["deadlines"])  # rows were added by id, not through the relation
    return [d for d in existing if d.active]


def next_due(deadlines: list[Deadline]) -> date | None:
    """The nearest due date among the duties a case owes: its deadlines that are active and
    unmet, the citizen's own periods aside (cases.models.open_duty says the same in SQL)."""
    owed = owed_duties(deadlines)
    return owed[0].due if owed else None


def _mark_met(case: Case, deadlines: list[Deadline]) -> None:
    done = {
        "accept": case.accepted_on,
        "process": case.accepted_on,
        "notify_acceptance": case.accepted_on if case.kind.value == "denunciation" else None,
        "resolve": case.decided_on or case.closed_on,
        "send_decision": case.sent_on,
        "send_conclusion": case.sent_on,
        "publish_conclusion": case.published_on,
    }
    for d in deadlines:
        if d.active and d.step in done:
            d.met_on = done[d.step]


def processing_step(kind: str) -> str:
    """The engine's step for processing a petition: a denunciation's initial processing is
    its acceptance decision (LTC Art 24), the others are processed (DOMAIN.md §7)."""
    return "accept" if kind == "denunciation" else "process"


def processing_due(kind: str, received: date, calendar: WorkCalendar) -> date | None:
    """The processing deadline the engine gives a petition of this kind and date of receipt,
    before it is stored (petition_deadline stores the same); None where no rule applies."""
    try:
        return engine.compute(kind, processing_step(kind), received, calendar=calendar).due
    except engine.DeadlineError:
        return None


def petition_deadline(petition, calendar: WorkCalendar | None = None) -> Deadline:
    """The processing deadline of a registered petition (10 working days; denunciations 7)."""
    cal = calendar or work_calendar()
    existing = list(
        db.session.scalars(sa.select(Deadline).where(Deadline.petition_id == petition.id))
    )
    kind = petition.kind.value
    result = engine.compute(kind, processing_step(kind), petition.received_date, calendar=cal)
    row = _store(
        {"petition_id": petition.id},
        petition.unit_id,
        "process",
        petition.received_date,
        result,
        existing,
    )
    db.session.flush()
    return row


# A calendar deadline whose last day falls on a day off moves to the next working day, so a
# change of calendar up to this many days before a due date can still move it (Tết is longest).
_SHIFT_REACH_DAYS = 14


def recompute_around(day: date) -> int:
    """After the administrator changed the calendar on `day`: recompute the running deadlines
    that day can move (unmet, active, started by then, due on or after it, or close enough
    before for a shifted end); returns how many cases and petitions were recomputed."""
    from datetime import timedelta

    from complaints.petitions.models import Petition

    cal = work_calendar()
    rows = db.session.execute(
        sa.select(Deadline.case_id, Deadline.petition_id)
        .where(
            Deadline.active.is_(True),
            Deadline.met_on.is_(None),
            Deadline.start <= day,
            Deadline.due >= day - timedelta(days=_SHIFT_REACH_DAYS),
        )
        .distinct()
    ).all()
    case_ids = {c for c, _ in rows if c is not None}
    petition_ids = {p for _, p in rows if p is not None}
    for case in db.session.scalars(sa.select(Case).where(Case.id.in_(case_ids))):
        recompute_case(case, cal)
    for petition in db.session.scalars(
        sa.select(Petition).where(Petition.id.in_(petition_ids), Petition.outcome.is_(None))
    ):
        petition_deadline(petition, cal)
    db.session.flush()
    return len(case_ids) + len(petition_ids)


def complexity_allows_extensions(complexity: Complexity) -> int:
    """How many extensions of a denunciation the complexity allows (LTC Art 30)."""
    return {Complexity.normal: 0, Complexity.complex: 1, Complexity.especially_complex: 2}[
        complexity
    ]
