"""Report settings of a unit and the frozen figures of closed periods."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import UTCDateTime, utcnow
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
            "rate_kinds IN ('both', 'complaint', 'denunciation')", name="rate_kinds"
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

    unit: Mapped[Unit] = relationship()
    closed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "form", "start", "end", "with_subunits", name="period"),
    )
