"""Reception sessions (buổi tiếp công dân) and the visits (lượt tiếp) recorded in them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import LabelledEnum, TimestampMixin, enum_column
from complaints.core.translate import N_
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.units.models import Unit, UnitLeader


class SessionKind(LabelledEnum):
    regular = "regular"
    periodic = "periodic"
    adhoc = "adhoc"


SessionKind.LABELS = {
    "regular": N_("Thường xuyên"),
    "periodic": N_("Định kỳ"),
    "adhoc": N_("Đột xuất"),
}


class HostMode(LabelledEnum):
    in_person = "in_person"
    delegated = "delegated"


HostMode.LABELS = {"in_person": N_("Thủ trưởng trực tiếp tiếp"), "delegated": N_("Ủy quyền tiếp")}


class Medium(LabelledEnum):
    onsite = "onsite"
    online = "online"


Medium.LABELS = {"onsite": N_("Trực tiếp"), "online": N_("Trực tuyến")}


class SessionStatus(LabelledEnum):
    planned = "planned"
    held = "held"
    cancelled = "cancelled"
    postponed = "postponed"


SessionStatus.LABELS = {
    "planned": N_("Dự kiến"),
    "held": N_("Đã tiếp"),
    "cancelled": N_("Hủy"),
    "postponed": N_("Hoãn"),
}


class VisitOutcome(LabelledEnum):
    guided = "guided"
    petition_received = "petition_received"
    transferred = "transferred"
    answered = "answered"
    refused = "refused"


VisitOutcome.LABELS = {
    "guided": N_("Hướng dẫn"),
    "petition_received": N_("Nhận đơn"),
    "transferred": N_("Chuyển đơn"),
    "answered": N_("Trả lời, giải thích"),
    "refused": N_("Từ chối tiếp"),
}


class RefusalGround(LabelledEnum):
    """Grounds for refusing a reception (LTCD Art 9; NĐ 154/2026 Art 4)."""

    incapacitated = "incapacitated"
    disorderly = "disorderly"
    already_resolved = "already_resolved"
    other = "other"


RefusalGround.LABELS = {
    "incapacitated": N_(
        "Say do dùng chất kích thích, mắc bệnh tâm thần, mất năng lực hành vi dân sự "
        "(không có người đại diện hợp pháp)"
    ),
    "disorderly": N_("Có hành vi đe dọa, xúc phạm, gây rối trật tự nơi tiếp công dân"),
    "already_resolved": N_(
        "Vụ việc đã giải quyết đúng pháp luật, đã được rà soát, thông báo và "
        "hướng dẫn nhưng vẫn cố tình khiếu nại, tố cáo kéo dài"
    ),
    "other": N_("Trường hợp khác theo quy định của pháp luật"),
}


# "A leader's periodic session" in SQL, in the very words of the partial index
# ix_reception_session_periodic: both databases use a partial index only for a query that states
# its predicate, and SQLite only when it is literally the same (a bound parameter disables it).
PERIODIC_SQL = f"kind = '{SessionKind.periodic.value}'"


def periodic_session() -> sa.TextClause:
    """The periodic sessions (kind periodic), looked up in their partial index."""
    return sa.text(f"reception_session.{PERIODIC_SQL}")


class ReceptionSession(TimestampMixin, db.Model):
    __tablename__ = "reception_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    kind: Mapped[SessionKind] = enum_column(SessionKind, "session_kind")
    session_date: Mapped[date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(sa.String(255))
    host_mode: Mapped[HostMode | None] = enum_column(HostMode, "host_mode", nullable=True)
    host_name: Mapped[str] = mapped_column(sa.String(120))
    host_title: Mapped[str] = mapped_column(sa.String(120), default="")
    # The leader of the session's unit who hosted it, when its leaders are recorded; his name
    # and title are kept above as they were on the day (a later change of leaders keeps them).
    host_leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_leader.id"))
    # The unit whose officers recorded it when it is filed under the authority they receive
    # for (the Ban TCD keeps the log of the chairman's sessions); None: the session's own unit.
    recorded_by_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    medium: Mapped[Medium] = enum_column(Medium, "medium", default=Medium.onsite)
    status: Mapped[SessionStatus] = enum_column(SessionStatus, "session_status")
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    postponed_to: Mapped[date | None]
    published_on: Mapped[date | None]  # when the schedule was announced (Art 24(4): 5 working days)
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")  # thông báo kết luận
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    recorded_by_unit: Mapped[Unit | None] = relationship(foreign_keys=[recorded_by_unit_id])
    host_leader: Mapped[UnitLeader | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    visits: Mapped[list[Visit]] = relationship(
        back_populates="session", order_by="Visit.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The head receives in person or by delegation only in periodic and ad-hoc sessions.
        sa.CheckConstraint(
            "kind = 'regular' OR host_mode IS NOT NULL", name="leader_session_has_host_mode"
        ),
        sa.CheckConstraint(
            "status NOT IN ('cancelled', 'postponed') OR status_reason <> ''",
            name="cancel_has_reason",
        ),
        sa.Index("ix_reception_session_unit_date", "unit_id", "session_date"),
        # The periodic sessions of a range of days, counted for the plan's pager from the index
        # alone (obligations/: 40 -> 16.5 ms for a country's half year, whose range of days
        # holds three regular sessions of the desks for each periodic one).
        sa.Index("ix_reception_session_kind_date", "kind", "session_date", "unit_id"),
        # Who is behind (obligations/compliance.py) counts the periodic sessions of a range of
        # days by unit, status, host mode and publication day: from this index alone (a
        # country's seven months at 5,000,000 petitions, 17,080 of them among 66,000 sessions
        # of the desks' days: read from the table along the days' index, 48 -> 30 ms).
        sa.Index(
            "ix_reception_session_periodic",
            "session_date",
            "unit_id",
            "status",
            "host_mode",
            "published_on",
            sqlite_where=sa.text(PERIODIC_SQL),
            postgresql_where=sa.text(PERIODIC_SQL),
        ),
    )

    @property
    def is_leader_session(self) -> bool:
        return self.kind != SessionKind.regular

    @property
    def accepts_visits(self) -> bool:
        return self.status in (SessionStatus.held, SessionStatus.planned)

    @property
    def receiving_unit(self) -> Unit:
        """The unit that received the citizens: the one that recorded the session, else its
        own. The petitions taken at its visits go in that unit's register."""
        return self.recorded_by_unit or self.unit

    def scope_units(self) -> list[Unit]:
        """Seen and edited by the users of its unit and of the unit that recorded it
        (core/access.py load_scoped; the lists' clause is reception/scope.py's)."""
        return [u for u in (self.unit, self.recorded_by_unit) if u is not None]


class Visit(TimestampMixin, db.Model):
    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reception_session.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    visit_date: Mapped[date]
    kind: Mapped[PetitionKind] = enum_column(PetitionKind, "visit_kind")
    # Once recorded as a denunciation, always protected (core/confidentiality.py).
    denounced: Mapped[bool] = mapped_column(default=False)
    # Its matter is a denunciation's: kept by core/confidentiality.py after every flush.
    protected: Mapped[bool] = mapped_column(default=False)
    content: Mapped[str] = mapped_column(sa.Text)
    people_count: Mapped[int] = mapped_column(default=1)
    is_delegation: Mapped[bool] = mapped_column(default=False)
    is_repeat: Mapped[bool] = mapped_column(default=False)
    previous_resolver: Mapped[str] = mapped_column(sa.String(255), default="")
    competent: Mapped[bool | None]
    outcome: Mapped[VisitOutcome] = enum_column(VisitOutcome, "visit_outcome")
    outcome_body: Mapped[str] = mapped_column(sa.String(255), default="")  # guided / transferred to
    outcome_doc_no: Mapped[str] = mapped_column(sa.String(64), default="")
    refusal_ground: Mapped[RefusalGround | None] = enum_column(
        RefusalGround, "refusal_ground", nullable=True
    )
    refusal_detail: Mapped[str] = mapped_column(sa.Text, default="")
    documents_received: Mapped[str] = mapped_column(sa.Text, default="")  # for the receipt
    follow_up: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    session: Mapped[ReceptionSession] = relationship(back_populates="visits")
    unit: Mapped[Unit] = relationship()
    persons: Mapped[list[VisitPerson]] = relationship(
        back_populates="visit",
        order_by="VisitPerson.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("people_count >= 1", name="people_count_positive"),
        sa.CheckConstraint("NOT is_delegation OR people_count >= 5", name="delegation_size"),
        sa.CheckConstraint(
            "outcome <> 'refused' OR refusal_ground IS NOT NULL", name="refusal_has_ground"
        ),
        sa.Index("ix_visit_unit_date", "unit_id", "visit_date"),
        # The reception log's order: a range of days read in it, its first page found without
        # sorting every visit of the range (a country's half year: 1.25 million, 9.7 s).
        sa.Index("ix_visit_log_order", "visit_date", "id"),
    )

    def scope_units(self) -> list[Unit]:
        """Its session's: its unit's users and those of the unit that recorded it."""
        return self.session.scope_units()

    @property
    def receiving_unit(self) -> Unit:
        return self.session.receiving_unit

    @property
    def representatives(self) -> list[VisitPerson]:
        return [p for p in self.persons if p.is_representative]

    @property
    def main_person(self) -> VisitPerson | None:
        reps = self.representatives
        return reps[0] if reps else (self.persons[0] if self.persons else None)


class VisitPerson(db.Model):
    __tablename__ = "visit_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    identity_no: Mapped[str] = mapped_column(sa.String(20), default="", index=True)
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    is_representative: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[Visit] = relationship(back_populates="persons")
