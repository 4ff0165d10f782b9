"""Units (cơ quan, đơn vị): the tree every record and every user belongs to."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.core.db import LabelledEnum, TimestampMixin, enum_column
from complaints.core.translate import N_
from complaints.extensions import db


class UnitLevel(LabelledEnum):
    central = "central"
    province = "province"
    department = "department"
    district = "district"
    commune = "commune"


UnitLevel.LABELS = {
    "central": N_("Trung ương"),
    "province": N_("Cấp tỉnh"),
    "department": N_("Sở, ngành"),
    "district": N_("Cấp huyện (trước 01/7/2025)"),
    "commune": N_("Cấp xã"),
}


class Unit(TimestampMixin, db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[UnitLevel] = enum_column(UnitLevel, "unit_level")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # Materialised path "/1/7/42/": the subtree of a unit is one indexed prefix match.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="/")
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]
    # Counted up by every UPDATE (version_id_col): an edit page opened at an older version is
    # refused instead of overwriting another administrator's save.
    version: Mapped[int] = mapped_column(default=1)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "active_to IS NULL OR active_from IS NULL OR active_to >= active_from",
            name="active_range",
        ),
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"

    @property
    def is_active(self) -> bool:
        return self.active_to is None

    def is_active_on(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to
        )

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def subtree_ids(self) -> sa.Select:
        """The ids of this unit and of every unit below it: one prefix match on the indexed
        materialised path. `column.in_(unit.subtree_ids())` keeps records of the subtree."""
        return sa.select(Unit.id).where(Unit.path.startswith(self.path, autoescape=True))
