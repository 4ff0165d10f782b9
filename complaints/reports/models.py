"""Report settings of a unit, the frozen figures of closed periods (and the locks reopened),
and opening balances."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import UTCDateTime, enum_column, utcnow
from complaints.core.numbers import fmt_date
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.units.models import Unit


class ReportSettings(db.Model):
    """How a unit computes and prints its figures; units below inherit it unless they set theirs."""

    __tablename__ = "report_settings"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    rate_basis: Mapped[str] = mapped_column(sa.String(12), default="cases")
    rate_kinds: Mapped[str] = mapped_column(sa.String(30), default="both")
    rounding: Mapped[str] = mapped_column(sa.String(12), default="half_up_2")
    cutoff_day: Mapped[int] = mapped_column(default=14)
    feedback_days: Mapped[int] = mapped_column(default=15)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        sa.CheckConstraint("rate_basis IN ('cases', 'petitions')", name="rate_basis"),
        sa.CheckConstraint(
            "rate_kinds IN ('both', 'complaint', 'denunciation', 'each')", name="rate_kinds"
        ),
        sa.CheckConstraint("cutoff_day BETWEEN 1 AND 31", name="cutoff_day"),
    )


class ClosedReport(db.Model):
    """A period closed by a report maker: its figures as they were, frozen."""

    __tablename__ = "closed_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    form: Mapped[str] = mapped_column(sa.String(12))
    start: Mapped[date]
    end: Mapped[date]
    with_subunits: Mapped[bool]
    data: Mapped[dict] = mapped_column(sa.JSON)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Locked before the period's end (an explicit override): the reason given; "" when the
    # period had ended (the rule: service.close_period).
    early_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    unit: Mapped[Unit] = relationship()
    closed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "form", "start", "end", "with_subunits", name="period"),
    )

    @property
    def locked_early(self) -> bool:
        return bool(self.early_reason)

    @property
    def period_label(self) -> str:
        """ "Tháng 3/2026 (15/02/2026 – 14/03/2026)": the locked period named, by the name it was
        locked under and its dates (the dates alone when the lock named none)."""
        dates = f"{fmt_date(self.start)} – {fmt_date(self.end)}"
        period = (self.data or {}).get("period") or ""
        return f"{period} ({dates})" if period else dates


class ReportReopening(db.Model):
    """A lock reopened by a leader or an administrator (service.reopen_period): the lock as it
    was (who, when, why early, its frozen figures) and who reopened it, when and why. The
    period can be locked again, with its figures computed afresh; the reopenings stay, shown
    with the report."""

    __tablename__ = "report_reopening"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    form: Mapped[str] = mapped_column(sa.String(12))
    start: Mapped[date]
    end: Mapped[date]
    with_subunits: Mapped[bool]
    # the lock reopened
    data: Mapped[dict] = mapped_column(sa.JSON)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    early_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # the reopening
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)

    unit: Mapped[Unit] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    __table_args__ = (
        sa.Index("ix_report_reopening_period", "unit_id", "form", "start", "end"),
        sa.CheckConstraint("reason <> ''", name="reason_given"),
    )


class OpeningBalance(db.Model):
    """Kê khai đầu kỳ: what a unit carried over, unresolved, on the day it started using the app.

    One row per unit, date and kind of petition. The latest declaration of a unit dated on or
    before a period's first day is added to that period's carried-over figures (see
    reports/figures.py, "opening balances"); a later declaration replaces an earlier one from its
    own date, so an office updates it (e.g. to zero) once the carried-over matters are settled.
    """

    __tablename__ = "opening_balance"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    as_of: Mapped[date]
    kind: Mapped[PetitionKind] = enum_column(PetitionKind, "opening_balance_kind")
    # Đơn kỳ trước chuyển sang: petitions received before as_of, not yet processed on as_of.
    petitions: Mapped[int] = mapped_column(default=0)
    # Vụ việc thuộc thẩm quyền chưa giải quyết xong on as_of, and the petitions forming them.
    cases: Mapped[int] = mapped_column(default=0)
    case_petitions: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "as_of", "kind", name="unit_date_kind"),
        sa.CheckConstraint(
            "petitions >= 0 AND cases >= 0 AND case_petitions >= 0", name="not_negative"
        ),
        # Every case is formed by at least one petition.
        sa.CheckConstraint("case_petitions >= cases", name="case_petitions_cover_cases"),
    )


class ReportedFigures(db.Model):
    """The figures a unit reported for a period (a lower unit's report, typed in or uploaded as
    the form's .xlsx), kept to be checked against the registers (reports/checking.py).

    A unit may send a corrected report: every entry is kept, the newest first; none replaces
    another. `figures` maps a figure id to the integer reported, and the resolution rate to the
    text it was published with ("88,9": its decimals tell the rounding)."""

    __tablename__ = "reported_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))  # the unit reported about
    form: Mapped[str] = mapped_column(sa.String(12))
    start: Mapped[date]
    end: Mapped[date]
    period_label: Mapped[str] = mapped_column(sa.String(80), default="")  # "Quý I năm 2026"
    with_subunits: Mapped[bool]
    figures: Mapped[dict] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(8))  # typed | file
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")  # "Báo cáo số 12/BC-UBND ngày ..."
    # The inspecting unit: the entering user's, named on the printed comparison.
    checking_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    checking_unit: Mapped[Unit | None] = relationship(foreign_keys=[checking_unit_id])
    entered_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_reported_figures_period", "unit_id", "form", "start", "end"),
        sa.CheckConstraint("source IN ('typed', 'file')", name="source"),
        sa.CheckConstraint('"end" >= start', name="period_order"),
    )


class MonthFigures(db.Model):
    """The figures of one unit's report month as the registers gave them when they were last
    computed (reports/month_figures.py): the leaders' dashboard reads its closed months here
    instead of counting a country's year of cases on every view. A row is deleted, in the
    same transaction, by any change to what it counts (a case or an opening balance of its
    unit dated on or before its end); a missing row is computed again when next read."""

    __tablename__ = "month_figures"

    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True
    )
    # the kinds of petition counted, in the catalogue's order ("complaint,denunciation")
    kinds: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    start: Mapped[date] = mapped_column(primary_key=True)
    end: Mapped[date] = mapped_column(primary_key=True)
    carried_over: Mapped[int] = mapped_column(sa.BigInteger)  # competent.cases_carried_over
    new: Mapped[int] = mapped_column(sa.BigInteger)  # competent.cases_new
    cases: Mapped[int] = mapped_column(sa.BigInteger)  # competent.cases
    resolved: Mapped[int] = mapped_column(sa.BigInteger)  # competent.resolved
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.Index("ix_month_figures_unit_end", "unit_id", "end"),)
