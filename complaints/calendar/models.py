"""The administrator's adjustments of the working calendar."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from complaints.extensions import db


class CalendarOverride(db.Model):
    """A day the administrator marks off (extra holiday) or working (make-up Saturday)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(255), default="")
