"""The units' roles in the law's flow (README "Who receives, who is competent, who verifies"):
one home for which unit a matter belongs to at each step.

- A petition is *received* by the unit that registers it (a Ban Tiếp công dân, a ward).
- It is *processed* by that unit's processing unit (the Thanh tra for the city's Ban TCD), whose
  handlers see it in their queue; the receiving unit follows it read-only.
- Its case is *resolved* by the competent authority: by default the authority the receiving unit
  advises (UBND thành phố for its Ban TCD and Thanh tra), else the receiving unit itself; the
  handler may choose another unit of the tree, giving the ground. Reports count the case for the
  authority, its documents are issued in the authority's name.
- It is *verified* by the unit the leader assigns (cases.operations.assign).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from complaints.core.access import in_scope, scope_unit_ids, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit


class RoleError(OperationError):
    """A unit given a role the tree does not allow; the message is for the user."""


def same_tree(a: Unit, b: Unit) -> bool:
    """Both units belong to one body's tree (one province and everything below it)."""
    return a.root_id == b.root_id


def check_authority(received: Unit, authority: Unit, ground: str, field: str = "authority_id"):
    """The authority chosen for a matter received at `received`: a working unit of the same tree;
    any other than the default needs its ground (căn cứ xác định thẩm quyền)."""
    if not same_tree(received, authority):
        raise RoleError(
            _(
                "%(name)s không thuộc hệ thống đơn vị của %(received)s: không thể giao thẩm "
                "quyền giải quyết; đơn thuộc thẩm quyền cơ quan khác thì chuyển đơn.",
                name=authority.name,
                received=received.name,
            ),
            field,
        )
    if not authority.is_active:
        raise RoleError(
            _("%(name)s đã giải thể hoặc sáp nhập: chọn cơ quan kế thừa.", name=authority.name),
            field,
        )
    if authority.id != received.authority.id and not ground.strip():
        raise RoleError(
            _(
                "Thẩm quyền mặc định là %(default)s; giao cho %(name)s thì ghi căn cứ xác định "
                "thẩm quyền.",
                default=received.authority.name,
                name=authority.name,
            ),
            "authority_ground",
        )


def authorities(received: Unit) -> list[Unit]:
    """The units that may be chosen as competent for a matter received at `received`: the
    working units of its tree, the default first, then the tree's order."""
    units = db.session.scalars(
        sa.select(Unit)
        .where(
            Unit.path.startswith(f"/{received.root_id}/", autoescape=True),
            Unit.active_to.is_(None),
        )
        .order_by(Unit.path)
    ).all()
    default = received.authority
    return [default, *(u for u in units if u.id != default.id)]


def processed_here(user: Any, unit_column: Any) -> sa.ColumnElement[bool]:
    """Records whose unit's petitions are processed by the user's units: their own units'
    (unless those hand processing to another unit) and those of the units that send theirs."""
    return unit_column.in_(
        sa.select(Unit.id).where(
            sa.func.coalesce(Unit.processing_unit_id, Unit.id).in_(scope_unit_ids(user))
        )
    )


def processed_by(unit: Unit, unit_column: Any) -> sa.ColumnElement[bool]:
    """Records whose unit's petitions are processed by `unit` or a unit below it: the queue
    of that part of the tree (the Thanh tra's: its own and the Ban TCD's)."""
    below = aliased(Unit)
    return unit_column.in_(
        sa.select(Unit.id).where(
            sa.func.coalesce(Unit.processing_unit_id, Unit.id).in_(
                sa.select(below.id).where(below.path.startswith(unit.path, autoescape=True))
            )
        )
    )


def may_process(user: Any, received: Unit) -> bool:
    """The user's units process the petitions registered at `received`."""
    return unit_in_scope(user, received.processor)


# --- reception: the units whose sessions a user records -----------------------------------


def receiving_unit(user: Any, unit: Unit) -> Unit | None:
    """The user's unit that receives citizens for `unit` when `unit` is an authority one of
    the user's units advises (the Ban TCD for UBND thành phố); None when `unit` is one of the
    user's own units, or one he does not receive for."""
    if unit_in_scope(user, unit):
        return None
    if user.unit.advises_id == unit.id:
        return user.unit
    return db.session.scalar(
        sa.select(Unit)
        .where(Unit.advises_id == unit.id, Unit.id.in_(scope_unit_ids(user)))
        .order_by(Unit.path)
        .limit(1)
    )


def receives_for(user: Any) -> list[Unit]:
    """The units a user's reception sessions may be filed under: his unit and the units below
    it, then the authorities they receive for or advise (a Ban TCD's officer records the
    chairman's periodic sessions under UBND thành phố). A ward's officer keeps his ward."""
    from complaints.units.operations import subtree

    own = subtree(user.unit)
    advised = db.session.scalars(
        sa.select(Unit)
        .where(
            Unit.id.in_(sa.select(Unit.advises_id).where(Unit.id.in_(scope_unit_ids(user)))),
            # not one of `own` (a subquery, not a list of ids: a country's centre has 4,295)
            sa.not_(in_scope(user, Unit.id)),
        )
        .order_by(Unit.path)
    ).all()
    return [*own, *advised]


def may_receive_for(user: Any, unit: Unit | None) -> bool:
    """`unit` is one of receives_for(user) (the same rule, for one unit)."""
    if unit is None:
        return False
    return unit_in_scope(user, unit) or receiving_unit(user, unit) is not None


# --- hand-off inside the system (petitions/transfers.py) -------------------------------------


def transfer_targets(sender: Unit) -> list[Unit]:
    """The units a petition registered at `sender` may be transferred (or urged) to inside the
    system: the working units of its tree, other than itself and the unit that processes its
    petitions, in the tree's order. A body outside the tree is named in free text."""
    own = {sender.id, sender.processor.id}
    return [
        u
        for u in db.session.scalars(
            sa.select(Unit)
            .where(
                Unit.path.startswith(f"/{sender.root_id}/", autoescape=True),
                Unit.active_to.is_(None),
            )
            .order_by(Unit.path)
        )
        if u.id not in own
    ]


def check_transfer_target(sender: Unit, target: Unit, chain: list[Unit], field: str = "target_id"):
    """A unit a petition registered at `sender` may be handed to inside the system: of the same
    tree, working, not the sender itself nor its processing unit, and not a unit that already
    transferred this petition along its chain (`chain`: the units that registered the earlier
    petitions it was transferred from), which would send it round in a loop."""
    if target.id in (sender.id, sender.processor.id):
        raise RoleError(
            _(
                "Không thể chuyển đơn cho chính %(name)s (đơn vị vào sổ hoặc đơn vị xử lý đơn).",
                name=target.name,
            ),
            field,
        )
    if not same_tree(sender, target):
        raise RoleError(
            _(
                "%(name)s không thuộc hệ thống đơn vị của %(sender)s: ghi tên cơ quan nhận vào "
                "ô cơ quan ngoài hệ thống.",
                name=target.name,
                sender=sender.name,
            ),
            field,
        )
    if not target.is_active:
        raise RoleError(
            _(
                "%(name)s đã giải thể hoặc sáp nhập: chuyển đơn cho cơ quan kế thừa.",
                name=target.name,
            ),
            field,
        )
    for unit in chain:
        if target.id in (unit.id, unit.processor.id):
            raise RoleError(
                _(
                    "%(name)s đã chuyển đơn này đến %(sender)s: chuyển lại sẽ thành vòng lặp. "
                    "Đơn chuyển đến không đúng thẩm quyền thì trả lại đơn.",
                    name=target.name,
                    sender=sender.name,
                ),
                field,
            )


def may_answer_transfer(user: Any, received: Unit) -> bool:
    """The user belongs to the unit a transfer landed at (`received`: the unit in whose
    register the copy is) or to the unit that processes its petitions (or to a unit below
    them): they report back. A superior whose scope covers it is not the receiver."""
    mine = user.unit.path
    return any(mine.startswith(u.path) for u in (received, received.processor))
