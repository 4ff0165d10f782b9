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


# The level a new unit under a unit of each level usually has: a province's units are mostly
# communes (since 01/7/2025 there is no district level); a department's units, its offices.
UnitLevel.CHILD = {
    "central": "province",
    "province": "commune",
    "department": "department",
    "district": "commune",
    "commune": "commune",
}


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
    # Its role in the law's flow (README "Who receives, who is competent, who verifies"): the
    # authority it receives for or advises (a Ban Tiếp công dân or a Thanh tra: their UBND;
    # None: an authority in its own right), and the unit whose handlers process the petitions
    # it registers (a Ban TCD's: the Thanh tra; None: its own).
    advises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    processing_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    # The symbol after the number in its documents ("15/TB-UBND"): "UBND", "TTr", "SXD".
    doc_symbol: Mapped[str] = mapped_column(sa.String(20), default="")
    # Counted up by every UPDATE (version_id_col): an edit page opened at an older version is
    # refused instead of overwriting another administrator's save.
    version: Mapped[int] = mapped_column(default=1)

    parent: Mapped[Unit | None] = relationship(
        remote_side=[id], back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list[Unit]] = relationship(
        back_populates="parent", order_by="Unit.code", foreign_keys=[parent_id]
    )
    advises: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[advises_id])
    processing_unit: Mapped[Unit | None] = relationship(
        remote_side=[id], foreign_keys=[processing_unit_id]
    )
    leaders: Mapped[list[UnitLeader]] = relationship(
        back_populates="unit",
        order_by="(UnitLeader.is_head.desc(), UnitLeader.position, UnitLeader.id)",
        cascade="all, delete-orphan",
    )

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

    def is_active_during(self, start: date, end: date) -> bool:
        """Whether the unit existed on some day from start to end (both included)."""
        return (self.active_from is None or self.active_from <= end) and (
            self.active_to is None or start <= self.active_to
        )

    @property
    def child_level(self) -> UnitLevel:
        """The level a new unit under this one is given unless the administrator chooses."""
        return UnitLevel(UnitLevel.CHILD[self.level.value])

    # --- its roles: the one home of the defaults (units/roles.py checks a chosen authority)

    @property
    def authority(self) -> Unit:
        """The authority a petition received here is resolved by, unless the handler chooses
        another: the unit it advises, else itself."""
        return self.advises or self

    @property
    def processor(self) -> Unit:
        """The unit whose handlers process the petitions registered here."""
        return self.processing_unit or self

    @property
    def symbol(self) -> str:
        """The symbol of its documents: the one recorded, else its code."""
        return self.doc_symbol or self.code

    @property
    def root_id(self) -> int:
        """The id of the top of its tree (the province): units of one tree hand matters over
        to each other; another tree is another body's system."""
        ids = self.path_ids
        return ids[0] if ids else self.id

    def head(self) -> UnitLeader | None:
        """Its head (chủ tịch, giám đốc, chánh thanh tra), when its leaders are recorded."""
        return next((x for x in self.leaders if x.is_head and x.active), None)

    @property
    def path_ids(self) -> list[int]:
        """The ids along its materialised path, from the root's down to its own."""
        return [int(x) for x in self.path.strip("/").split("/") if x]

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def subtree_ids(self) -> sa.Select:
        """The ids of this unit and of every unit below it: one prefix match on the indexed
        materialised path. `column.in_(unit.subtree_ids())` keeps records of the subtree."""
        return Unit.ids_under(self.path)

    @staticmethod
    def ids_under(path: str | sa.BindParameter) -> sa.Select:
        """The ids of the unit of this path and of every unit below it (subtree_ids). `path`:
        a path, or the bound parameter of a cached statement that receives one (a path is
        digits and slashes: nothing a LIKE takes as a wildcard, so nothing to escape)."""
        if isinstance(path, str):
            return sa.select(Unit.id).where(Unit.path.startswith(path, autoescape=True))
        return sa.select(Unit.id).where(Unit.path.startswith(path))


class UnitLeader(TimestampMixin, db.Model):
    """One of a unit's leaders: its head, or a deputy who signs on the head's behalf ("KT.
    CHỦ TỊCH / PHÓ CHỦ TỊCH") and hosts its periodic receptions in the head's stead."""

    __tablename__ = "unit_leader"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120))  # "Chủ tịch", "Phó Chủ tịch"
    is_head: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)  # the order deputies are listed in
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="leaders")

    def __repr__(self) -> str:
        return f"<UnitLeader {self.full_name}>"

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.title})"
