"""A unit's own rule for its leader's periodic reception (lịch tiếp công dân định kỳ).

The law sets a minimum (see rules.LEGAL_MINIMUMS); each unit announces its own rule, e.g. "the
Tuesday of the last week of each month" or "twice a month", from which the calendar is planned
as ReceptionSession rows of kind periodic. A unit keeps several rules over time: each is in force
from valid_from to valid_to (both included; valid_to empty = still in force).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import LabelledEnum, TimestampMixin, enum_column
from complaints.core.translate import N_
from complaints.extensions import db
from complaints.obligations.rules import describe
from complaints.reception.models import HostMode
from complaints.units.models import Unit


class RuleType(LabelledEnum):
    nth_weekday = "nth_weekday"  # weekday + weeks: [-1] the last Tuesday; [2, 4] twice a month
    month_days = "month_days"  # days of the month: [10, 25]
    weekly = "weekly"  # weekday, every week


RuleType.LABELS = {
    "nth_weekday": N_("Thứ trong tuần, theo tuần của tháng"),
    "month_days": N_("Ngày cố định trong tháng"),
    "weekly": N_("Hằng tuần"),
}


class ReceptionRule(TimestampMixin, db.Model):
    __tablename__ = "reception_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    rule_type: Mapped[RuleType] = enum_column(RuleType, "reception_rule_type")
    weekday: Mapped[int | None]  # 0 = Monday ... 6 = Sunday (Python's date.weekday())
    weeks: Mapped[list] = mapped_column(sa.JSON, default=list)  # 1..5, or -1 = the last
    days: Mapped[list] = mapped_column(sa.JSON, default=list)  # 1..31 (31 = the month's last)
    place: Mapped[str] = mapped_column(sa.String(255))
    host_name: Mapped[str] = mapped_column(sa.String(120))
    host_title: Mapped[str] = mapped_column(sa.String(120), default="")
    host_mode: Mapped[HostMode] = enum_column(
        HostMode, "reception_rule_host_mode", default=HostMode.in_person
    )
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint(
            "rule_type = 'month_days' OR weekday IS NOT NULL", name="weekday_required"
        ),
        # The rules of a unit in force on a date: one index range per unit.
        sa.Index("ix_reception_rule_unit_valid", "unit_id", "valid_from"),
    )

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def description(self) -> str:
        return describe(self)
