"""The case lists' queries, for the pages and the API alike: filters, the ageing buckets, the
page ordered by the nearest duty, the text search, and what a page of cases shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from complaints.auth.models import User, UserRole
from complaints.cases.models import (
    Case,
    CaseState,
    Deadline,
    due_by_case,
    due_soon_case,
    open_case,
    overdue_case,
    owed_duties,
    owes_duty,
)
from complaints.core import confidentiality
from complaints.core.access import Role, in_scope
from complaints.core.db import ListPage, count_up_to
from complaints.core.text import like_pattern
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions.models import Petition
from complaints.units.models import Unit

# Who can be given a case to work on (assignment, the handler filter).
CASE_ROLES = (Role.case_handler, Role.petition_handler, Role.leader)
AGE_KEYS = ("le30", "31_60", "61_90", "gt90")


@dataclass
class CaseFilter:
    """What a list of cases is narrowed to (the list form and the API's query alike)."""

    state: str | None = None
    closed: bool = False  # with the finished cases (when no state is chosen)
    kind: str | None = None
    field: str | None = None
    unit_id: int | None = None  # with its sub-units
    assignee_id: int | None = None  # -1: none yet
    age: str | None = None  # one of AGE_KEYS
    overdue: bool = False
    due_within: int | None = None  # days
    q: str | None = None


def age_clause(bucket: str, t: date):
    """Cases received ≤30, 31–60, 61–90 or >90 days before t."""
    c30, c60, c90 = t - timedelta(days=30), t - timedelta(days=60), t - timedelta(days=90)
    return {
        "le30": Case.received_on >= c30,
        "31_60": (Case.received_on < c30) & (Case.received_on >= c60),
        "61_90": (Case.received_on < c60) & (Case.received_on >= c90),
        "gt90": Case.received_on < c90,
    }[bucket]


def ageing_counts(where: list, t: date, also: dict | None = None) -> dict[str, int]:
    """Open cases by time since receipt (≤30, 31–60, 61–90, >90 days): one SQL aggregate,
    from the partial index of open cases (open_case). `also`: more counts of the same cases
    ({key: condition}) in the same statement, the open cases read once (the overdue page's
    late and due-soon heading: a second pass over a country's 20,000 open cases)."""
    where = [*where, open_case()]
    also = also or {}
    assert not also.keys() & set(AGE_KEYS), "a count named as an ageing bucket"
    conditions = {**{key: age_clause(key, t) for key in AGE_KEYS}, **also}
    columns = [
        sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
        for condition in conditions.values()
    ]
    row = db.session.execute(sa.select(*columns).where(*where)).one()
    return dict(zip(conditions, row, strict=True))


def text_clause(q: str, user):
    """Folded search on the case's search text. Who may not see denouncers finds a case of a
    denunciation's matter only by its number or by what its petitions say stripped of the
    identities, never by a sender's name (core/confidentiality.py)."""
    pattern = like_pattern(q)
    matches = Case.search_text.like(pattern, escape="\\")
    public = sa.or_(
        sa.func.lower(Case.case_no).like(pattern, escape="\\"),
        sa.exists().where(
            Petition.case_id == Case.id, Petition.public_search_text.like(pattern, escape="\\")
        ),
    )
    return confidentiality.visible_clause(user, Case, matches, public)


def case_where(user, f: CaseFilter, t: date, base: list | tuple = ()) -> list:
    """The conditions of a list of the user's cases narrowed by the filter, as of day t."""
    where = [Case.visible_to(user), *base]
    if f.state:
        where.append(Case.state == CaseState(f.state))
    elif not f.closed:
        where.append(open_case())
    if f.kind:
        where.append(Case.kind == PetitionKind(f.kind))
    if f.field:
        where.append(Case.field == Field(f.field))
    if f.unit_id:
        where.append(Case.unit_id.in_(db.session.get(Unit, f.unit_id).subtree_ids()))
    if f.assignee_id == -1:
        where.append(Case.assignee_id.is_(None))
    elif f.assignee_id:
        where.append(Case.assignee_id == f.assignee_id)
    if f.age:
        where.append(age_clause(f.age, t))
    if f.overdue:
        where.append(overdue_case(t))
    if f.due_within is not None:
        horizon = t + timedelta(days=f.due_within)
        where.append(owes_duty(Deadline.due >= t, Deadline.due <= horizon))
    if f.q:
        where.append(text_clause(f.q, user))
    return where


# What the "Quá hạn / sắp đến hạn" page shows: both, only the overdue, only the due soon.
DUE_SHOWS = ("", "overdue", "soon")


# "Sắp đến hạn": due within this many days, by default (the overdue page, the dashboard's tile).
DUE_SOON_DAYS = 7


@dataclass
class DueFilter:
    """What the "Quá hạn / sắp đến hạn" page is narrowed to; the dashboard's tiles count with
    the same filter they link to (due_where, args)."""

    days: int = DUE_SOON_DAYS
    show: str = ""  # one of DUE_SHOWS
    kind: str | None = None
    unit_id: int | None = None  # with its sub-units

    def args(self) -> dict:
        """The page's query arguments for this filter (its form's field names)."""
        args: dict = {"days": self.days}
        if self.show == "overdue":
            args["only_overdue"] = "y"
        elif self.show == "soon":
            args["only_soon"] = "y"
        if self.kind:
            args["kind"] = self.kind
        if self.unit_id:
            args["unit_id"] = self.unit_id
        return args


def due_base(user, f: DueFilter) -> list:
    """The open cases of the user's units the page looks at (before overdue / due soon)."""
    base = [Case.visible_to(user), open_case()]
    if f.kind:
        base.append(Case.kind == PetitionKind(f.kind))
    if f.unit_id:
        base.append(Case.unit_id.in_(db.session.get(Unit, f.unit_id).subtree_ids()))
    return base


def due_shown(f: DueFilter, t: date) -> sa.ColumnElement[bool]:
    """Overdue (a duty fell due before t), due soon (the nearest duty within f.days), or
    either: cases.models.overdue_case / due_soon_case / due_by_case."""
    horizon = t + timedelta(days=f.days)
    if f.show == "overdue":
        return overdue_case(t)
    if f.show == "soon":
        return due_soon_case(t, horizon)
    return due_by_case(t, horizon)


def due_where(user, f: DueFilter, t: date) -> list:
    """The conditions of the page's list: due_base and due_shown."""
    return [*due_base(user, f), due_shown(f, t)]


def owed(case: Case, horizon: date | None = None) -> list[Deadline]:
    """The case's duties still owed (due by `horizon`), nearest first, from its loaded
    deadlines. The lists load the active ones by case (ix_deadline_case_open) and choose here:
    asking SQL for the unmet ones too made SQLite read the 150,000 unmet deadlines of a
    province through ix_deadline_open_due instead (140 ms at 1M petitions)."""
    return owed_duties(case.deadlines, horizon)


def next_duty(case: Case) -> Deadline | None:
    """The nearest open deadline the unit owes (from the loaded deadlines: no query)."""
    duties = owed(case)
    return duties[0] if duties else None


def list_options():
    """The active deadlines of a page of cases in one query (units and users: with_related);
    a list shows neither the summary nor the search text (all the petitions' words)."""
    return (
        selectinload(Case.deadlines.and_(Deadline.active.is_(True))),
        defer(Case.summary),
        defer(Case.verifier_summary),
        defer(Case.search_text),
        defer(Case.decision_summary),
    )


def with_related(cases: list[Case]) -> list[Case]:
    """Give a page of cases its units and users: those the session holds (the filter form
    has just loaded the user's units and handlers) and the others in one query per kind,
    never a query per row. Joined into the list's statement they made PostgreSQL join every
    candidate case before keeping the page's 50; selectinload queries again what the session
    already holds."""
    for model, attrs in ((Unit, ("unit", "assigned_unit")), (User, ("assignee",))):
        ids = {getattr(c, f"{a}_id") for c in cases for a in attrs} - {None}
        found = {}
        for i in ids:
            held = db.session.identity_map.get(identity_key(model, i))
            if held is not None:
                found[i] = held
        if ids - found.keys():
            query = sa.select(model).where(model.id.in_(ids - found.keys()))
            if model is User:
                query = query.options(lazyload(User.roles))  # a name is shown, not the roles
            found.update((o.id, o) for o in db.session.scalars(query))
        for c in cases:
            for a in attrs:
                set_committed_value(c, a, found.get(getattr(c, f"{a}_id")))
    return cases


def next_due_page(
    where: list,
    *,
    page: int,
    per_page: int,
    count_to: int,
    overdue_on: date | None = None,
    total: int | None = None,
) -> ListPage:
    """The cases of `where`, nearest duty deadline first (then by date received), one page.

    The cases owing a duty come first, in the order of their next_due (the partial index
    ix_case_file_next_due holds only them: a few thousand of hundreds of thousands of cases),
    then the cases owing none, by date received. `overdue_on`: the filter keeps only cases with
    a duty due before that day, so no case without a duty can qualify. `total`: the number of
    cases of `where` when the caller already knows it; else counted up to `count_to`
    (web.helpers.count_limits: a country's centre holds hundreds of thousands of cases, and
    counting all of them for the pager took 228 ms at 1,000,000 petitions).
    """
    offset = (page - 1) * per_page
    with_duty = sa.select(Case).where(Case.next_due.is_not(None), *where)
    if overdue_on is not None:
        with_duty = with_duty.where(Case.next_due < overdue_on)
    items = list(
        db.session.scalars(
            with_duty.options(*list_options())
            .order_by(Case.next_due, Case.received_on, Case.id)
            .offset(offset)
            .limit(per_page)
        )
    )
    if len(items) < per_page and overdue_on is None:
        if items or offset == 0:
            before = offset + len(items)
        else:
            before = db.session.scalar(
                sa.select(sa.func.count()).where(Case.next_due.is_not(None), *where)
            )
        without_duty = (
            sa.select(Case)
            .where(Case.next_due.is_(None), *where)
            .options(*list_options())
            .order_by(Case.received_on, Case.id)
            .offset(max(0, offset - before))
            .limit(per_page - len(items))
        )
        items += db.session.scalars(without_duty)
    capped = False
    if total is None:
        total, capped = count_up_to(db.session, sa.select(Case).where(*where), count_to)
    return ListPage(with_related(items), page, per_page, total, capped)


def handlers(user) -> list[sa.Row]:
    """Active users of the user's units who can work cases, for assignment and filters: rows of
    (id, full_name, title, unit_id, unit_code, unit_path), one statement (a country's centre offers
    thousands of them; loaded as users with their units they took a second)."""
    return list(
        db.session.execute(
            sa.select(
                User.id,
                User.full_name,
                User.title,
                User.unit_id,
                Unit.code.label("unit_code"),
                Unit.path.label("unit_path"),
            )
            .join(Unit, Unit.id == User.unit_id)
            .where(
                in_scope(user, User.unit_id),
                User.active.is_(True),
                User.id.in_(sa.select(UserRole.user_id).where(UserRole.role.in_(CASE_ROLES))),
            )
            .order_by(User.full_name, User.id)
        )
    )
