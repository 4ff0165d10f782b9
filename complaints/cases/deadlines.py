"""Deadlines of cases and petitions: the engine of core/deadlines.py applied to stored facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.cases.models import Case, Complexity, Deadline, is_duty, owed_duties
from complaints.core import db as core_db
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
    row = Deadline(**deadline_values(owner, unit_id, step, start, result))
    core_db.add(row)  # held to the end of a deferred_inserts() block (the import's batch)
    existing.append(row)
    return row


def deadline_values(owner: dict, unit_id: int, step: str, start: date, result) -> dict:
    """What a new deadline stores: its owner (case_id or petition_id), the unit that owes it,
    and what the engine computed for the step."""
    return {
        **owner,
        "unit_id": unit_id,
        "step": step,
        "label": result.label,
        "start": start,
        "due": result.due,
        "days": result.days,
        "day_type": result.day_type,
        "rule": result.rule,
        "basis": result.basis,
        "towards_citizen": step in TOWARDS_CITIZEN,
        "active": True,
    }


def _case_deadlines(case: Case) -> list[Deadline]:
    return list(db.session.scalars(sa.select(Deadline).where(Deadline.case_id == case.id)))


@dataclass(frozen=True)
class CaseFacts:
    """What a case's deadlines depend on: a stored case's (of_case), or a register row's
    before it is imported (the dry run asks the same plan the import stores)."""

    kind: str
    round: int
    received_on: date
    accepted_on: date | None = None
    complexity: str = "normal"
    extensions: int = 0
    remote_area: bool = False
    suspended_days: int = 0
    resumed_on: date | None = None
    decided_on: date | None = None
    sent_on: date | None = None

    @classmethod
    def of_case(cls, case: Case) -> CaseFacts:
        return cls.of_values({name: getattr(case, name) for name in _FACTS})

    @classmethod
    def of_values(cls, case) -> CaseFacts:
        """A case's facts from its column values (a mapping: a row not yet inserted)."""
        return cls(
            kind=case["kind"].value,
            round=case["round"],
            received_on=case["received_on"],
            accepted_on=case["accepted_on"],
            complexity=case["complexity"].value,
            extensions=case["extensions"] or 0,
            remote_area=bool(case["remote_area"]),
            suspended_days=case["suspended_days"] or 0,
            resumed_on=case["resumed_on"],
            decided_on=case["decided_on"],
            sent_on=case["sent_on"],
        )


# The columns of a case its deadlines depend on (CaseFacts.of_values).
_FACTS = ("kind", "round", "received_on", "accepted_on", "complexity", "extensions",
          "remote_area", "suspended_days", "resumed_on", "decided_on", "sent_on")  # fmt: skip


def plan(facts: CaseFacts, cal: WorkCalendar) -> list[tuple[str, date, engine.Deadline]]:
    """The deadlines the facts call for, as (step, start, deadline), computed by the rule in
    force on each start. A step whose start is before every rule the table knows for it
    (imported history) has none. Raises engine.DeadlineError for anything else the table
    does not cover."""
    kind = facts.kind
    planned: list[tuple[str, date, engine.Deadline]] = []

    def put(step: str, start: date, **kw) -> None:
        try:
            result = engine.compute(kind, step, start, round=facts.round, calendar=cal, **kw)
        except engine.BeforeRules:
            return  # older than the law the table knows: no legal deadline
        planned.append((step, start, result))

    if facts.accepted_on is None:
        put("process" if kind == "feedback" else "accept", facts.received_on)
    else:
        complexity = facts.complexity
        start, suspended = facts.accepted_on, facts.suspended_days
        if facts.resumed_on and facts.resumed_on >= RESTART_AFTER_SUSPENSION_FROM:
            start, suspended = facts.resumed_on, 0
        if kind == "denunciation" and engine.extends_by_complexity(kind, "resolve", start):
            # The extension is a decision: each one granted lengthens the period by one step
            # of the complexity ladder (30 -> 60 -> 90 days, LTC 2018 Art 30). Under the LTC
            # 2011 the case's complexity stands and the rule adds its extension days.
            complexity = engine.COMPLEXITIES[min(facts.extensions, 2)]
        put(
            "resolve",
            start,
            complexity=complexity,
            remote=facts.remote_area,
            suspended_days=suspended,
            extensions=facts.extensions,
        )
        if kind == "denunciation":
            put("notify_acceptance", facts.accepted_on)
    if facts.decided_on is not None:
        if kind == "complaint":
            put("send_decision", facts.decided_on)
        elif kind == "denunciation":
            put("send_conclusion", facts.decided_on)
            put("publish_conclusion", facts.decided_on)
    if facts.sent_on is not None and kind == "complaint" and facts.round == 1:
        put("lodge_round2", facts.sent_on, remote=facts.remote_area)
    return planned


def recompute_case(case: Case, calendar: WorkCalendar | None = None) -> list[Deadline]:
    """(Re)compute every deadline the case's facts call for; retire the ones they no longer do."""
    cal = calendar or work_calendar()
    existing = _case_deadlines(case)
    owner = {"case_id": case.id}
    wanted: set[str] = set()
    for step, start, result in plan(CaseFacts.of_case(case), cal):
        wanted.add(step)
        _store(owner, case.unit_id, step, start, result, existing)
    for d in existing:
        if d.active and d.step not in wanted:
            d.active = False
    _mark_met(case, existing)
    case.next_due = next_due(existing)
    db.session.flush()
    db.session.expire(case, ["deadlines"])  # rows were added by id, not through the relation
    return [d for d in existing if d.active]


def undeadlined(case: Case) -> date | None:
    """The earliest date the rule table knows for the case's running period (acceptance before
    it is accepted, resolution after), when the case started before it: such a case (imported
    history) has no legal deadline for that period; None when the law in force gave one."""
    kind = case.kind.value
    if case.accepted_on is None:
        step, start = ("process" if kind == "feedback" else "accept"), case.received_on
    else:
        step, start = "resolve", case.accepted_on
    try:
        engine.find_rule(kind, step, start, round=case.round, remote=case.remote_area)
    except engine.BeforeRules as e:
        return e.earliest
    except engine.DeadlineError:
        return None
    return None


def next_due(deadlines: list[Deadline]) -> date | None:
    """The nearest due date among the duties a case owes: its deadlines that are active and
    unmet, the citizen's own periods aside (cases.models.open_duty says the same in SQL)."""
    owed = owed_duties(deadlines)
    return owed[0].due if owed else None


def _mark_met(case: Case, deadlines: list[Deadline]) -> None:
    done = met_dates({name: getattr(case, name) for name in _MET})
    for d in deadlines:
        if d.active and d.step in done:
            d.met_on = done[d.step]


# The columns of a case that say which of its deadlines are met (met_dates).
_MET = ("kind", "accepted_on", "decided_on", "closed_on", "sent_on", "published_on")


def met_dates(case) -> dict[str, date | None]:
    """The day each step of a case (its column values, a mapping) was done, by step."""
    return {
        "accept": case["accepted_on"],
        "process": case["accepted_on"],
        "notify_acceptance": case["accepted_on"] if case["kind"].value == "denunciation" else None,
        "resolve": case["decided_on"] or case["closed_on"],
        "send_decision": case["sent_on"],
        "send_conclusion": case["sent_on"],
        "publish_conclusion": case["published_on"],
    }


def new_case_deadlines(case: dict, cal: WorkCalendar) -> list[dict]:
    """recompute_case for a new case as a row, which has no deadline yet (the register
    import's batch): the rows of the deadlines its facts call for, met as its dates say;
    sets the row's next_due."""
    rows = [
        deadline_values({"case_id": case["id"]}, case["unit_id"], step, start, result)
        for step, start, result in plan(CaseFacts.of_values(case), cal)
    ]
    done = met_dates(case)
    for row in rows:
        row["met_on"] = done.get(row["step"])
    owed = [row["due"] for row in rows if is_duty(row["step"], True, row["met_on"])]
    case["next_due"] = min(owed, default=None)
    return rows


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


def petition_deadline(petition, calendar: WorkCalendar | None = None) -> Deadline | None:
    """The processing deadline of a registered petition (10 working days; denunciations 7);
    None for a petition received before the earliest rule the table knows."""
    cal = calendar or work_calendar()
    existing = list(
        db.session.scalars(sa.select(Deadline).where(Deadline.petition_id == petition.id))
    )
    kind = petition.kind.value
    try:
        result = engine.compute(kind, processing_step(kind), petition.received_date, calendar=cal)
    except engine.BeforeRules:
        return None  # received before the earliest rule the table knows: no deadline
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


def complexity_allows_extensions(complexity: Complexity, accepted_on: date | None = None) -> int:
    """How many extensions of a denunciation the law in force on its acceptance allows: one
    under the LTC 2011 (Art 21), by complexity under the LTC 2018 (Art 30)."""
    if accepted_on is not None and not engine.extends_by_complexity(
        "denunciation", "resolve", accepted_on
    ):
        return 1
    return {Complexity.normal: 0, Complexity.complex: 1, Complexity.especially_complex: 2}[
        complexity
    ]
