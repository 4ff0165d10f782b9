"""Use cases on units: create, edit, keep the materialised path right."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.core import audit
from complaints.core.db import utcnow
from complaints.core.errors import OperationError, StaleError
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit, UnitLevel

UNIT_FIELDS = ("code", "name", "level", "parent_id", "active_from", "active_to")
STALE_MESSAGE = N_(
    "Đơn vị này vừa được người khác sửa sau khi bạn mở trang. Chưa có gì được lưu: "
    "hãy tải lại trang để xem bản mới nhất rồi sửa lại."
)


class UnitError(OperationError):
    """A unit change the rules refuse; the message is for the user."""


class StaleEditError(StaleError, UnitError):
    """The unit changed since the administrator opened its page: their edit is not applied."""


def _check_code(code: str, unit_id: int | None = None) -> None:
    clash = db.session.scalar(
        sa.select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or 0))
    )
    if clash:
        raise UnitError(_("Mã đơn vị %(code)s đã tồn tại.", code=code))


def create_unit(
    actor,
    *,
    code: str,
    name: str,
    level: UnitLevel,
    parent: Unit | None,
    active_from: date | None = None,
    active_to: date | None = None,
) -> Unit:
    """Add a unit under a parent (or a root when parent is None)."""
    _check_code(code)
    unit = Unit(
        code=code,
        name=name,
        level=UnitLevel(level),
        parent=parent,
        active_from=active_from,
        active_to=active_to,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    audit.record(
        "unit.created",
        unit,
        actor=actor,
        unit_id=unit.id,
        after=audit.snapshot(unit, UNIT_FIELDS),
        summary=f"Tạo đơn vị {code}",
    )
    return unit


def update_unit(actor, unit: Unit, *, expected_version: int | None, **changes) -> Unit:
    """Edit a unit; moving it under another parent moves its whole subtree.

    `expected_version` is the version the edit page was opened at: if the unit changed since
    (or the page sent none), nothing is applied and StaleEditError says so."""
    if expected_version != unit.version:
        raise StaleEditError(_(STALE_MESSAGE))
    before = audit.snapshot(unit, UNIT_FIELDS)
    if "code" in changes and changes["code"] != unit.code:
        _check_code(changes["code"], unit.id)
    new_parent = changes.pop("parent", unit.parent)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise UnitError(_("Không thể đặt đơn vị làm cấp dưới của chính nó."))
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.updated_at = utcnow()  # always an UPDATE, so the version check always runs
    if new_parent is not unit.parent:
        old_path = unit.path
        unit.parent = new_parent
        new_path = f"{new_parent.path if new_parent else '/'}{unit.id}/"
        db.session.execute(
            sa.update(Unit)
            .where(Unit.path.startswith(old_path, autoescape=True))
            .values(path=sa.func.replace(Unit.path, old_path, new_path))
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    db.session.flush()
    b, a = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if a:
        audit.record(
            "unit.updated",
            unit,
            actor=actor,
            unit_id=unit.id,
            before=b,
            after=a,
            summary=f"Sửa đơn vị {unit.code}",
        )
    return unit


def subtree(root: Unit) -> list[Unit]:
    """The unit and all units below it, ordered as a tree."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.path.startswith(root.path, autoescape=True))
            .order_by(Unit.path)
        )
    )
