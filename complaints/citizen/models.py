"""Citizens' ratings of the service (đánh giá mức độ hài lòng), one per petition."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.core.db import UTCDateTime, utcnow
from complaints.extensions import db
from complaints.units.models import Unit

SCORE_MIN, SCORE_MAX = 1, 5
COMMENT_MAX = 1000


class CitizenRating(db.Model):
    """A citizen's rating (1-5 and an optional comment) of how a finished petition was handled.

    `unit_id` is the unit whose service is rated (the competent unit of the case, or the unit
    that registered and processed a petition without a case): the leaders' dashboard averages
    `score` over a unit tree (dashboard/queries.py satisfaction()).
    """

    __tablename__ = "citizen_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("petition.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("case_file.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    rated_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="score_1_to_5"),
        sa.CheckConstraint(f"length(comment) <= {COMMENT_MAX}", name="comment_length"),
    )
