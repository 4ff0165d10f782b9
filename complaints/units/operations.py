"""Use cases on units: create, edit, keep the materialised path right."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.core import audit
from complaints.core.db import utcnow
from complaints.core.errors import OperationError, StaleError
from complaints.core.numbers import fmt_date
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit, UnitLeader, UnitLevel

UNIT_FIELDS = (
    "code",
    "name",
    "level",
    "parent_id",
    "active_from",
    "active_to",
    "advises_id",
    "processing_unit_id",
    "doc_symbol",
)
LEADER_FIELDS = ("full_name", "title", "is_head", "position", "active")
STALE_MESSAGE = N_(
    "Đơn vị này vừa được người khác sửa sau khi bạn mở trang. Chưa có gì được lưu: "
    "hãy tải lại trang để xem bản mới nhất rồi sửa lại."
)


class UnitError(OperationError):
    """A unit change the rules refuse; the message is for the user."""


class StaleEditError(StaleError, UnitError):
    """The unit changed since the administrator opened its page: their edit is not applied."""


def check_active(unit: Unit, day: date, field: str = "unit_id") -> None:
    """New work and new accounts go only to a unit that exists on the day: not one dissolved
    or merged away (active_to before it), nor one not yet set up (active_from after it)."""
    if not unit.is_active_on(day):
        raise UnitError(
            _(
                "Đơn vị %(code)s không hoạt động vào ngày %(day)s (giải thể, sáp nhập hoặc "
                "chưa thành lập): chọn đơn vị khác.",
                code=unit.code,
                day=fmt_date(day),
            ),
            field,
        )


def _check_code(code: str, unit_id: int | None = None) -> None:
    clash = db.session.scalar(
        sa.select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or 0))
    )
    if clash:
        raise UnitError(_("Mã đơn vị %(code)s đã tồn tại.", code=code))


def _check_roles(unit: Unit) -> None:
    """The authority a unit advises and the unit that processes its petitions belong to its
    tree, and each is the end of its chain (an authority advises no one; a processing unit
    hands its own petitions to no one), so no loop and no relay can form."""
    from complaints.units.roles import same_tree

    for target, field, label in (
        (unit.advises, "advises_id", _("Cơ quan được tham mưu")),
        (unit.processing_unit, "processing_unit_id", _("Đơn vị xử lý đơn")),
    ):
        if target is None:
            continue
        if target.id == unit.id:
            raise UnitError(
                _("%(label)s: chọn một đơn vị khác, không chọn chính nó.", label=label), field
            )
        if not same_tree(unit, target):
            raise UnitError(_("%(label)s phải thuộc cùng hệ thống đơn vị.", label=label), field)
    if unit.advises is not None and unit.advises.advises_id is not None:
        raise UnitError(
            _(
                "%(name)s đang tham mưu cho cơ quan khác: chọn cơ quan có thẩm quyền.",
                name=unit.advises.name,
            ),
            "advises_id",
        )
    if unit.processing_unit is not None and unit.processing_unit.processing_unit_id is not None:
        raise UnitError(
            _(
                "%(name)s đang chuyển đơn của mình cho đơn vị khác xử lý: chọn đơn vị xử lý.",
                name=unit.processing_unit.name,
            ),
            "processing_unit_id",
        )
    for column, own, field in (
        (Unit.advises_id, unit.advises, "advises_id"),
        (Unit.processing_unit_id, unit.processing_unit, "processing_unit_id"),
    ):
        if own is None:
            continue
        leans = db.session.scalar(
            sa.select(Unit.name).where(column == unit.id, Unit.id != unit.id).limit(1)
        )
        if leans:
            raise UnitError(
                _(
                    "%(name)s đang dựa vào đơn vị này (tham mưu hoặc xử lý đơn); đơn vị này "
                    "không thể lại dựa vào đơn vị khác.",
                    name=leans,
                ),
                field,
            )


def create_unit(
    actor,
    *,
    code: str,
    name: str,
    level: UnitLevel,
    parent: Unit | None,
    active_from: date | None = None,
    active_to: date | None = None,
    advises: Unit | None = None,
    processing_unit: Unit | None = None,
    doc_symbol: str = "",
) -> Unit:
    """Add a unit under a parent (or a root when parent is None), with its roles."""
    _check_code(code)
    unit = Unit(
        code=code,
        name=name,
        level=UnitLevel(level),
        parent=parent,
        active_from=active_from,
        active_to=active_to,
        doc_symbol=doc_symbol,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.advises, unit.processing_unit = advises, processing_unit
    _check_roles(unit)
    db.session.flush()
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
    moving = new_parent is not unit.parent
    if not moving:
        _check_roles(unit)
    if moving:
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
        _check_roles(unit)
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


# --- its leaders: who signs its acts and hosts its periodic receptions ---------------------


def save_leader(
    actor,
    unit: Unit,
    leader: UnitLeader | None,
    *,
    full_name: str,
    title: str,
    is_head: bool,
    position: int = 0,
    active: bool = True,
) -> UnitLeader:
    """Add a leader to the unit, or edit one; a unit has one head at a time."""
    if not full_name.strip() or not title.strip():
        raise UnitError(_("Nhập họ tên và chức vụ của lãnh đạo."), "full_name")
    if is_head and active:
        other = db.session.scalar(
            sa.select(UnitLeader.full_name).where(
                UnitLeader.unit_id == unit.id,
                UnitLeader.is_head.is_(True),
                UnitLeader.active.is_(True),
                UnitLeader.id != (leader.id if leader is not None else 0),
            )
        )
        if other:
            raise UnitError(
                _(
                    "%(name)s đang là người đứng đầu %(unit)s: thôi chức người đó trước "
                    "(bỏ chọn Đang giữ chức) rồi ghi người mới.",
                    name=other,
                    unit=unit.name,
                ),
                "is_head",
            )
    before = audit.snapshot(leader, LEADER_FIELDS) if leader is not None else {}
    if leader is None:
        leader = UnitLeader(unit=unit)
        db.session.add(leader)
    leader.full_name, leader.title = full_name.strip(), title.strip()
    leader.is_head, leader.position, leader.active = is_head, position, active
    db.session.flush()
    b, a = audit.diff(before, audit.snapshot(leader, LEADER_FIELDS))
    if a:
        audit.record(
            "unit.leader_saved",
            unit,
            actor=actor,
            unit_id=unit.id,
            before=b,
            after=a,
            summary=f"Lãnh đạo {unit.code}: {leader.full_name} ({leader.title})",
        )
    return leader
