"""Cases (vụ việc): one matter, formed by one or more petitions, carried to its resolution."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from complaints.core.translate import N_
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.units.models import Unit


class CaseState(LabelledEnum):
    received = "received"
    accepted = "accepted"
    not_accepted = "not_accepted"
    transferred = "transferred"
    verifying = "verifying"
    dialogue = "dialogue"
    decided = "decided"
    sent = "sent"
    published = "published"
    final = "final"
    appealed = "appealed"
    enforced = "enforced"
    answered = "answered"
    suspended = "suspended"
    terminated = "terminated"
    merged = "merged"


CaseState.LABELS = {
    "received": N_("Mới tiếp nhận"),
    "accepted": N_("Đã thụ lý"),
    "not_accepted": N_("Không thụ lý"),
    "transferred": N_("Đã chuyển cơ quan có thẩm quyền"),
    "verifying": N_("Đang xác minh"),
    "dialogue": N_("Đang đối thoại"),
    "decided": N_("Đã ban hành quyết định / kết luận"),
    "sent": N_("Đã gửi quyết định / kết luận"),
    "published": N_("Đã công khai kết luận"),
    "final": N_("Quyết định có hiệu lực"),
    "appealed": N_("Khiếu nại lần hai / khởi kiện"),
    "enforced": N_("Đã tổ chức thực hiện"),
    "answered": N_("Đã trả lời"),
    "suspended": N_("Tạm đình chỉ"),
    "terminated": N_("Đình chỉ"),
    "merged": N_("Đã gộp vào vụ việc khác"),
}

# States in which a case no longer runs: it counts as done for the "open cases" views.
CLOSED_STATES = frozenset(
    {
        CaseState.not_accepted,
        CaseState.transferred,
        CaseState.final,
        CaseState.appealed,
        CaseState.enforced,
        CaseState.answered,
        CaseState.terminated,
        CaseState.merged,
    }
)
# "The case still runs" in SQL, in the very words of the partial index ix_case_file_open: both
# databases use a partial index only for a query that states its predicate, and SQLite only
# when the terms are literally the same (bound parameters in place of the states disable it).
_OPEN_CASE = "{t}state NOT IN (" + ", ".join(f"'{s.value}'" for s in sorted(CLOSED_STATES)) + ")"
OPEN_CASE_SQL = _OPEN_CASE.format(t="")


def open_case() -> sa.TextClause:
    """The cases not in CLOSED_STATES (Case.is_open in SQL), looked up in the partial index
    of open cases: a few thousand of a province's hundreds of thousands."""
    return sa.text(_OPEN_CASE.format(t="case_file."))


def closed_case() -> sa.TextClause:
    """The cases in CLOSED_STATES: open_case() denied."""
    return sa.text(f"NOT ({_OPEN_CASE.format(t='case_file.')})")


# The day a case finished (decided, or closed without a decision), or RUNNING_UNTIL while it
# runs, in the very words of the expression index ix_case_file_unit_done. "Not finished before
# the period" (the reports' and the dashboard's case base) is then one range of that index: the
# cases finished since the period's start and those still running, not every case accepted in
# ten years (bench/README.md).
RUNNING_UNTIL = "9999-12-31"
_FINISHED_ON = "coalesce({t}decided_on, {t}closed_on, '" + RUNNING_UNTIL + "')"
FINISHED_ON_SQL = _FINISHED_ON.format(t="")
# What the dashboard's figures (competent cases, resolved) read of a case besides its unit and
# days: carried in the indexes of its cases by day (ix_case_file_unit_done, _done_unit).
# These, the unit and accepted_on load their old value when set (active_history): a change
# deletes the stored months that counted the case as it was (reports/month_figures.py).
FIGURE_COLUMNS = ("kind", "state", "decided_on", "closed_on", "termination_reason")


def not_finished_before(day) -> sa.ColumnElement[bool]:
    """The cases not finished before `day`: still running, or decided / closed on or after it.
    A range with both ends (to RUNNING_UNTIL), which SQLite's planner weighs as it weighs the
    range of accepted_on beside it; one end would look wider to it than ten years of cases."""
    finished = sa.literal_column(_FINISHED_ON.format(t="case_file."), sa.Date)
    return finished.between(day, sa.literal_column(f"'{RUNNING_UNTIL}'", sa.Date))


# States reached once the case has been resolved (decision, conclusion, answer or withdrawal).
RESOLVED_STATES = frozenset(
    {
        CaseState.decided,
        CaseState.sent,
        CaseState.published,
        CaseState.final,
        CaseState.appealed,
        CaseState.enforced,
        CaseState.answered,
    }
)


class Complexity(LabelledEnum):
    normal = "normal"
    complex = "complex"
    especially_complex = "especially_complex"


Complexity.LABELS = {
    "normal": N_("Thông thường"),
    "complex": N_("Phức tạp"),
    "especially_complex": N_("Đặc biệt phức tạp"),
}


class ComplexityCriterion(LabelledEnum):
    """Criteria of a complex case (NĐ 31/2019 Art 3; NĐ 155/2026 for complaints)."""

    several_places = "several_places"
    several_contents = "several_contents"
    many_people = "many_people"
    foreign_element = "foreign_element"
    several_bodies = "several_bodies"
    bodies_disagree = "bodies_disagree"
    contradictory_evidence = "contradictory_evidence"


ComplexityCriterion.LABELS = {
    "several_places": N_("Phải xác minh ở từ 2 địa điểm trở lên"),
    "several_contents": N_("Có từ 2 nội dung trở lên"),
    "many_people": N_("Liên quan đến nhiều người"),
    "foreign_element": N_("Có yếu tố nước ngoài"),
    "several_bodies": N_("Liên quan trách nhiệm của nhiều cơ quan"),
    "bodies_disagree": N_("Các cơ quan có ý kiến khác nhau"),
    "contradictory_evidence": N_("Tài liệu, chứng cứ mâu thuẫn"),
}


class Outcome(LabelledEnum):
    upheld = "upheld"
    partly_upheld = "partly_upheld"
    rejected = "rejected"


Outcome.LABELS = {"upheld": N_("Đúng"), "partly_upheld": N_("Đúng một phần"), "rejected": N_("Sai")}


class TerminationReason(LabelledEnum):
    withdrawn = "withdrawn"
    accused_died = "accused_died"
    already_judged = "already_judged"
    other = "other"


TerminationReason.LABELS = {
    "withdrawn": N_("Người khiếu nại, tố cáo rút toàn bộ"),
    "accused_died": N_("Người bị tố cáo chết"),
    "already_judged": N_("Vụ việc đã được giải quyết bằng bản án, quyết định của Tòa án"),
    "other": N_("Lý do khác theo quy định"),
}


class Case(TimestampMixin, db.Model):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The competent authority (cơ quan có thẩm quyền giải quyết): whose head resolves the case,
    # in whose name its acts are issued, and for whom the reports count it (units/roles.py).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), active_history=True)
    # The unit that received its first petition (a Ban Tiếp công dân): follows it read-only.
    received_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # Why the authority is not the receiving unit's default (căn cứ xác định thẩm quyền).
    authority_ground: Mapped[str] = mapped_column(sa.Text, default="")
    case_no: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[PetitionKind] = enum_column(PetitionKind, "case_kind", active_history=True)
    round: Mapped[int] = mapped_column(default=1)
    field: Mapped[Field] = enum_column(Field, "case_field")
    title: Mapped[str] = mapped_column(sa.String(255))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # For a denunciation's matter: the content handed on to the verifier, stripped of the
    # denouncer's identity when the case is assigned (LTC Art 47, 56); empty: the summary,
    # stripped by core/confidentiality.py.
    verifier_summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Its matter is a denunciation's: kept by core/confidentiality.py after every flush.
    protected: Mapped[bool] = mapped_column(default=False)
    state: Mapped[CaseState] = enum_column(
        CaseState, "case_state", default=CaseState.received, active_history=True
    )
    state_before_suspension: Mapped[CaseState | None] = enum_column(
        CaseState, "case_state_before_suspension", nullable=True
    )
    received_on: Mapped[date]
    accepted_on: Mapped[date | None] = mapped_column(active_history=True)
    accept_doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    assigned_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    complexity: Mapped[Complexity] = enum_column(
        Complexity, "complexity", default=Complexity.normal
    )
    complexity_criteria: Mapped[list] = mapped_column(sa.JSON, default=list)
    remote_area: Mapped[bool] = mapped_column(default=False)
    extensions: Mapped[int] = mapped_column(default=0)
    suspended_on: Mapped[date | None]
    suspended_days: Mapped[int] = mapped_column(default=0)  # total of finished suspensions
    resumed_on: Mapped[date | None]
    # The result: a complaint decision or a denunciation conclusion (or a feedback answer).
    outcome: Mapped[Outcome | None] = enum_column(Outcome, "case_outcome", nullable=True)
    decided_on: Mapped[date | None] = mapped_column(active_history=True)
    decision_no: Mapped[str] = mapped_column(sa.String(64), default="")
    decision_summary: Mapped[str] = mapped_column(sa.Text, default="")
    sent_on: Mapped[date | None]
    published_on: Mapped[date | None]
    closed_on: Mapped[date | None] = mapped_column(active_history=True)
    termination_reason: Mapped[TerminationReason | None] = enum_column(
        TerminationReason, "termination_reason", nullable=True, active_history=True
    )
    withdrawn_contents: Mapped[list] = mapped_column(sa.JSON, default=list)
    money_to_recover: Mapped[Decimal] = mapped_column(sa.Numeric(18, 0), default=0)
    money_to_return: Mapped[Decimal] = mapped_column(sa.Numeric(18, 0), default=0)
    land_to_recover_m2: Mapped[Decimal] = mapped_column(sa.Numeric(14, 1), default=0)
    land_to_return_m2: Mapped[Decimal] = mapped_column(sa.Numeric(14, 1), default=0)
    people_to_discipline: Mapped[int] = mapped_column(default=0)
    money_recovered: Mapped[Decimal] = mapped_column(sa.Numeric(18, 0), default=0)
    land_recovered_m2: Mapped[Decimal] = mapped_column(sa.Numeric(14, 1), default=0)
    parent_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id"))
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The nearest due date among the duties the case owes (open_duty): None when it owes none.
    # Kept by cases.deadlines.recompute_case, the one place deadlines change, so that the case
    # lists order and filter on one indexed column (bench/README.md).
    next_due: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    received_unit: Mapped[Unit | None] = relationship(foreign_keys=[received_unit_id])
    assigned_unit: Mapped[Unit | None] = relationship(foreign_keys=[assigned_unit_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    parent_case: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[parent_case_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case",
        order_by="Deadline.due",
        cascade="all, delete-orphan",
        primaryjoin="Case.id == Deadline.case_id",
    )

    __mapper_args__ = {"version_id_col": version}

    def acting_units(self) -> list[Unit]:
        """The units whose users work on this case: the competent authority, and the unit a
        leader gave it to for verification (the province's inspectorate on a chair's case)."""
        return [u for u in (self.unit, self.assigned_unit) if u is not None]

    def scope_units(self) -> list[Unit]:
        """The units whose users may open this case: those who work on it, and the unit that
        received it, which follows where it stands."""
        return [*self.acting_units(), *([self.received_unit] if self.received_unit else [])]

    # --- what a user may do with the case: one predicate per verb, for the views, the
    # templates and the API alike (the operations check the law's conditions again).

    def _reachable_by(self, user) -> bool:
        return any(unit_in_scope(user, u) for u in self.acting_units())

    def follows_only(self, user) -> bool:
        """The user's units only received the case: they see where it stands, not act."""
        return not self._reachable_by(user)

    def can_assign(self, user) -> bool:
        """Give the case to a unit and a handler (a leader, while the case runs)."""
        return has_permission(user, "case.assign") and self.is_open and self._reachable_by(user)

    def can_flag(self, user) -> bool:
        """Record its complexity and the remote-area flag (as who assigns it)."""
        return self.can_assign(user)

    def can_merge(self, user) -> bool:
        """Merge other cases of one matter into it (not once merged into another)."""
        return (
            has_permission(user, "case.merge")
            and self.state != CaseState.merged
            and self._reachable_by(user)
        )

    def can_split(self, user, petitions: int) -> bool:
        """Split petitions out into a new case (it keeps at least one of its `petitions`)."""
        return self.can_merge(user) and petitions > 1

    def actions_for(self, user) -> list:
        """The workflow steps this user may take on the case now (cases/workflow.py's table)."""
        from complaints.cases.workflow import allowed_actions

        if not (has_permission(user, "case.work") and self._reachable_by(user)):
            return []
        return allowed_actions(self.kind.value, self.state) if self.state else []

    def can_act(self, user, action: str) -> bool:
        """Take the workflow step `action` now."""
        return any(a.name == action for a in self.actions_for(user))

    def can_decide(self, user) -> bool:
        """Issue the decision (complaint) or the conclusion (denunciation)."""
        return self.can_act(user, "decide")

    def can_work(self, user) -> bool:
        """Work on the file: apology letters for a missed deadline, their sending."""
        return has_permission(user, "case.work") and self._reachable_by(user)

    def can_print_notices(self, user) -> bool:
        """Print its notices (each notice then applies the denouncer rule itself)."""
        return has_permission(user, "notice.print") and self._reachable_by(user)

    @staticmethod
    def joinable_from(user, received) -> sa.ColumnElement[bool]:
        """The cases a petition registered at `received` may join when the user processes it:
        those of the user's units or assigned to them, those of the authority `received`
        advises, and those opened from petitions received there (the Thanh tra's handler joins
        a repeat petition at the Ban TCD to the chairman's case; units/roles.py)."""
        from complaints.core.access import in_scope

        return sa.or_(
            in_scope(user, Case.unit_id),
            in_scope(user, Case.assigned_unit_id),
            Case.unit_id == received.authority.id,
            Case.received_unit_id == received.id,
        )

    @staticmethod
    def visible_to(user) -> sa.ColumnElement[bool]:
        """The SQL form of scope_units: cases of the user's units, assigned to them, or
        received by them."""
        from complaints.core.access import in_scope

        return sa.or_(
            in_scope(user, Case.unit_id),
            in_scope(user, Case.assigned_unit_id),
            in_scope(user, Case.received_unit_id),
        )

    __table_args__ = (
        sa.CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        sa.CheckConstraint(
            "state <> 'decided' OR outcome IS NOT NULL OR kind = 'feedback'",
            name="decided_has_outcome",
        ),
        sa.CheckConstraint(
            "accepted_on IS NULL OR accepted_on >= received_on", name="accepted_after_received"
        ),
        sa.CheckConstraint(
            "decided_on IS NULL OR accepted_on IS NULL OR decided_on >= accepted_on",
            name="decided_after_accepted",
        ),
        sa.CheckConstraint(
            "state <> 'suspended' OR suspended_on IS NOT NULL", name="suspended_has_date"
        ),
        sa.Index("ix_case_file_unit_state", "unit_id", "state"),
        sa.Index("ix_case_file_assigned_unit", "assigned_unit_id", "state"),
        # The open cases (a few thousand of hundreds of thousands) by state for the case lists'
        # counts and ageing, whatever the user's units: PostgreSQL cannot seek the two unit
        # columns through the scope's OR and would read every case (bench/README.md).
        sa.Index("ix_case_file_state_received", "state", "received_on"),
        # The API's list of cases, newest first: without it a country's centre sorted all of
        # them before its first page (1.2 s at 1,000,000 petitions; migration 0020).
        sa.Index("ix_case_file_received_order", "received_on", "id"),
        # A report's cases (not finished before the period's start, accepted by its end): the
        # cases finished since its start and those running, not every case of ten years
        # (not_finished_before, bench/README.md).
        # It carries what the dashboard's figures read (FIGURE_COLUMNS), which it then reads
        # from the index alone: SQLite fetched each case of the year from the table for each
        # month (migration 0023).
        sa.Index(
            "ix_case_file_unit_done",
            "unit_id",
            sa.text(FINISHED_ON_SQL),
            "accepted_on",
            *FIGURE_COLUMNS,
        ),
        # The same range for a whole country's units at once (PostgreSQL, migration 0018): the
        # year of the centre's dashboard, 112,086 cases of 1,801,982, was a scan of every case
        # through the index above (unit first, its order unlike the table's), 0.7 s; by day
        # first it is one range, read in about the table's order (0.2 s). It carries what the
        # dashboard's figures read, which it then reads from the index alone (migration 0021).
        sa.Index(
            "ix_case_file_done_unit",
            sa.text(FINISHED_ON_SQL),
            "unit_id",
            "accepted_on",
            postgresql_include=list(FIGURE_COLUMNS),
        ).ddl_if(dialect="postgresql"),
        # The case page lists the cases linked to this one (round two, merged): without these
        # it reads every case of the database (bench/README.md). Partial: almost every case
        # has neither link, and a full index of NULLs makes SQLite's statistics prefer a scan.
        *(
            sa.Index(
                f"ix_case_file_{column}",
                column,
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
                postgresql_where=sa.text(f"{column} IS NOT NULL"),
            )
            for column in ("parent_case_id", "merged_into_id")
        ),
        # The open cases (open_case(); a few thousand of hundreds of thousands): the counts of
        # the lists, the overdue page and the dashboard, whatever the user's units. The scope
        # is an OR of three unit columns no index serves: without this index both databases
        # read every case of ten years to count the open ones (bench/README.md). The columns
        # those counts read, so that they are answered from the index.
        sa.Index(
            "ix_case_file_open",
            "unit_id",
            "assigned_unit_id",
            "received_unit_id",
            "received_on",
            "next_due",
            "state",
            sqlite_where=sa.text(OPEN_CASE_SQL),
            postgresql_where=sa.text(OPEN_CASE_SQL),
        ),
        # The cases owing a duty (a few thousand), nearest first: the first page of the case
        # lists and the overdue / due-soon filters and counts are a range of it.
        sa.Index(
            "ix_case_file_next_due",
            "next_due",
            "received_on",
            "id",
            sqlite_where=sa.text("next_due IS NOT NULL"),
            postgresql_where=sa.text("next_due IS NOT NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    @property
    def active_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.active and d.met_on is None]


class CaseEvent(db.Model):
    """One step of a case as users see it on the timeline, with the document that carries it."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    occurred_on: Mapped[date]
    doc_type: Mapped[str] = mapped_column(sa.String(80), default="")
    doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


# Periods that run for the citizen (to lodge a second complaint, the limitation period), not
# duties of the unit: shown on the case page, they never make a case overdue nor order a list.
CITIZEN_PERIODS = ("limitation", "lodge_round2")
_OPEN_DUTY = (
    "{t}active AND {t}met_on IS NULL AND {t}case_id IS NOT NULL AND {t}step NOT IN ("
    + ", ".join(f"'{step}'" for step in CITIZEN_PERIODS)
    + ")"
)
OPEN_DUTY_SQL = _OPEN_DUTY.format(t="")
# A petition's processing deadline still to be met: stored when the petition is processed and
# met on that day, so that a waiting petition seldom has one (the engine's date stands in).
_OPEN_PETITION_DUE = "{t}active AND {t}met_on IS NULL AND {t}petition_id IS NOT NULL"
OPEN_PETITION_DUE_SQL = _OPEN_PETITION_DUE.format(t="")


def is_duty(step: str, active: bool, met_on: date | None) -> bool:
    """A deadline the unit still owes: active, unmet, not one of the citizen's own periods.
    open_duty() says the same in SQL (in the partial index's words)."""
    return active and met_on is None and step not in CITIZEN_PERIODS


def owed_duties(deadlines, horizon: date | None = None) -> list[Deadline]:
    """The duties still owed among loaded deadlines (due by `horizon`), nearest first."""
    return sorted(
        (
            d
            for d in deadlines
            if is_duty(d.step, d.active, d.met_on) and (horizon is None or d.due <= horizon)
        ),
        key=lambda d: d.due,
    )


def open_duty(alias: str = "deadline") -> sa.TextClause:
    """The deadlines of `alias` that are open duties of a case, in the very words of the
    partial index ix_deadline_open_duty so that both databases use it."""
    return sa.text(_OPEN_DUTY.format(t=f"{alias}."))


def open_petition_due(alias: str = "deadline") -> sa.TextClause:
    """The deadlines of `alias` that are petitions' processing deadlines not met yet, in the
    very words of the partial index ix_deadline_petition_open."""
    return sa.text(_OPEN_PETITION_DUE.format(t=f"{alias}."))


def owes_duty(*conditions) -> sa.ColumnElement[bool]:
    """The case has an open deadline it owes (open_duty) meeting the conditions: looked up in
    the partial index of open duties (a few thousand rows), not case by case."""
    return Case.id.in_(sa.select(Deadline.case_id).where(open_duty(), *conditions))


def overdue_case(t: date) -> sa.ColumnElement[bool]:
    """Quá hạn on day t: a duty of the case fell due before t (its next_due). A suspended
    case's clock is stopped: it is not overdue while suspended. The one rule of the case lists,
    the "Quá hạn" page, the API and the dashboard's tiles."""
    return (Case.next_due < t) & (Case.state != CaseState.suspended)


def due_soon_case(t: date, horizon: date) -> sa.ColumnElement[bool]:
    """Sắp đến hạn: the nearest duty falls due from t to `horizon` (inclusive), so the case is
    not overdue; not suspended."""
    return Case.next_due.between(t, horizon) & (Case.state != CaseState.suspended)


def due_by_case(t: date, horizon: date) -> sa.ColumnElement[bool]:
    """Overdue or due soon (overdue_case | due_soon_case) written as the one range it is: the
    nearest duty falls due by `horizon` (or, before t, with no horizon ahead), not suspended.
    The OR of the two left the planner unable to estimate it: it read the near cases through
    a bitmap of two indexes (the overdue page's first 50 of a country's 2,876: 13.8 ms); the
    range is an index condition on the open cases' index (6.8 ms)."""
    last = max(horizon, t - timedelta(days=1))
    return (Case.next_due <= last) & (Case.state != CaseState.suspended)


class Deadline(db.Model):
    """A computed due date, stored with the rule and legal basis that produced it."""

    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    petition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    step: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(200))
    start: Mapped[date]
    due: Mapped[date] = mapped_column(index=True)
    days: Mapped[int]
    day_type: Mapped[str] = mapped_column(sa.String(10))
    rule: Mapped[str] = mapped_column(sa.String(80))
    basis: Mapped[str] = mapped_column(sa.String(255))
    towards_citizen: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    met_on: Mapped[date | None]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case | None] = relationship(back_populates="deadlines", foreign_keys=[case_id])

    __table_args__ = (
        sa.CheckConstraint("case_id IS NOT NULL OR petition_id IS NOT NULL", name="has_owner"),
        sa.Index("ix_deadline_open_due", "active", "met_on", "due"),
        # A case's open deadlines, nearest first: the next duty of each case in one seek.
        sa.Index("ix_deadline_case_open", "case_id", "active", "met_on", "due"),
        # Every open duty of every case in due order (a few thousand rows in a province's ten
        # years): the case lists start from it. Used only by queries that state OPEN_DUTY_SQL
        # verbatim (open_duty()); a bound parameter in its place disables a partial index.
        sa.Index(
            "ix_deadline_open_duty",
            "due",
            "case_id",
            sqlite_where=sa.text(OPEN_DUTY_SQL),
            postgresql_where=sa.text(OPEN_DUTY_SQL),
        ),
        # The petitions' processing deadlines not met yet (almost none: met on the day the
        # petition is processed), for the queue's due dates (petitions/pending.py). Used only by
        # queries that state OPEN_PETITION_DUE_SQL verbatim (open_petition_due()).
        sa.Index(
            "ix_deadline_petition_open",
            "petition_id",
            "due",
            sqlite_where=sa.text(OPEN_PETITION_DUE_SQL),
            postgresql_where=sa.text(OPEN_PETITION_DUE_SQL),
        ),
    )

    def is_overdue(self, today: date) -> bool:
        return self.active and (self.met_on or today) > self.due

    def days_left(self, today: date) -> int:
        return (self.due - today).days


class ApologyLetter(db.Model):
    """Thư xin lỗi: prepared when a deadline toward the citizen is missed; sent or not."""

    __tablename__ = "apology_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    deadline_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deadline.id", ondelete="CASCADE"), unique=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    prepared_on: Mapped[date]
    sent_on: Mapped[date | None]
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    case: Mapped[Case] = relationship()
    deadline: Mapped[Deadline] = relationship()
    unit: Mapped[Unit] = relationship()
