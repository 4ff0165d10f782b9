"""Roles, unit scope and the protection of denouncers' identities: one home for each rule."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from complaints.core.db import Base, LabelledEnum
from complaints.core.translate import N_

if TYPE_CHECKING:
    from collections.abc import Iterable


class Role(LabelledEnum):
    reception_officer = "reception_officer"
    petition_handler = "petition_handler"
    case_handler = "case_handler"
    leader = "leader"
    report_maker = "report_maker"
    admin = "admin"


Role.LABELS = {
    "reception_officer": N_("Cán bộ tiếp công dân"),
    "petition_handler": N_("Chuyên viên xử lý đơn"),
    "case_handler": N_("Người giải quyết, xác minh"),
    "leader": N_("Lãnh đạo"),
    "report_maker": N_("Cán bộ tổng hợp báo cáo"),
    "admin": N_("Quản trị hệ thống"),
}

# Who may see a denouncer's name, address and papers (LTC Art 9, 47, 56). Verifiers (case
# handlers) work on a stripped file; report makers and administrators have no need to know.
# The rule that applies it to a record is core/confidentiality.py's.
DENOUNCER_IDENTITY_ROLES = frozenset({Role.reception_officer, Role.petition_handler, Role.leader})

# What each role may do; views, templates and tests all read this one table.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "reception.view": frozenset(Role) - {Role.admin},
    "reception.edit": frozenset({Role.reception_officer, Role.leader}),
    "petition.view": frozenset(Role) - {Role.admin},
    "petition.register": frozenset({Role.reception_officer, Role.petition_handler}),
    "petition.edit": frozenset({Role.petition_handler}),
    "petition.process": frozenset({Role.petition_handler, Role.leader}),
    # The queue of petitions waiting to be processed, read only without petition.process: the
    # report maker's dashboard tiles open it (dashboard/queries.py).
    "petition.queue": frozenset({Role.petition_handler, Role.leader, Role.report_maker}),
    "case.view": frozenset(Role) - {Role.admin},
    "case.work": frozenset({Role.case_handler, Role.petition_handler, Role.leader}),
    "case.assign": frozenset({Role.leader}),
    "case.merge": frozenset({Role.leader, Role.petition_handler}),
    "calendar.manage": frozenset({Role.admin}),
    "notice.print": frozenset(
        {Role.reception_officer, Role.petition_handler, Role.case_handler, Role.leader}
    ),
    # Number a notice in its authority's register and record the leader who signs it.
    "notice.issue": frozenset({Role.leader, Role.case_handler, Role.petition_handler}),
    "report.view": frozenset({Role.report_maker, Role.leader}),
    "report.close": frozenset({Role.report_maker}),
    # Reopen a locked period, with a reason (reports/service.reopen_period): the leader who
    # signs the reports, and the administrator who keeps the report-period settings.
    "report.reopen": frozenset({Role.leader, Role.admin}),
    # Enter a lower unit's report to check it against the registers (reports/check_views.py).
    "report.check": frozenset({Role.report_maker, Role.leader}),
    "report.settings": frozenset({Role.report_maker, Role.admin}),
    "dashboard.view": frozenset({Role.leader, Role.report_maker}),
    "obligations.view": frozenset({Role.leader, Role.report_maker, Role.reception_officer}),
    "obligations.manage": frozenset({Role.leader, Role.admin}),
    "units.manage": frozenset({Role.admin}),
    "users.manage": frozenset({Role.admin}),
    "register.import": frozenset({Role.report_maker, Role.admin}),
    "register.export": frozenset(
        {Role.report_maker, Role.admin, Role.leader, Role.petition_handler}
    ),
    "balance.manage": frozenset({Role.report_maker, Role.admin}),
    "api_tokens.manage": frozenset({Role.admin}),
}


def has_permission(user: Any, permission: str) -> bool:
    """True when one of the user's roles grants the permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_set & PERMISSIONS[permission])


def require(permission: str):
    """View decorator: 403 unless the logged-in user holds the permission."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # read by the permission-matrix test
        return wrapped

    return decorator


def _unit_table() -> sa.Table:
    return Base.metadata.tables["unit"]


def scope_unit_ids(user: Any) -> sa.Select:
    """Subquery of the ids of the user's unit and every unit below it."""
    unit = _unit_table()
    return sa.select(unit.c.id).where(unit.c.path.startswith(user.unit.path, autoescape=True))


def in_scope(user: Any, unit_id_column: Any) -> sa.ColumnElement[bool]:
    """Filter clause limiting a query to records of the user's units."""
    return unit_id_column.in_(scope_unit_ids(user))


def in_scope_by_row(user: Any, unit_id_column: Any) -> sa.ColumnElement[bool]:
    """The same filter as in_scope, checked on each row against the scope's ids hashed once
    (inside coalesce() PostgreSQL does not make the IN a join): for rows a text index has
    found (core/search_index.narrow, which says when each form serves)."""
    return sa.func.coalesce(in_scope(user, unit_id_column), sa.false())


def scope_forms(user: Any, unit_id_column: Any) -> tuple:
    """The user's units as (in_scope, in_scope_by_row): one rule, the two forms a text
    search chooses from (core/search_index.narrow)."""
    return in_scope(user, unit_id_column), in_scope_by_row(user, unit_id_column)


def unit_in_scope(user: Any, unit: Any) -> bool:
    """True when the unit is the user's own or below it."""
    return unit is not None and unit.path.startswith(user.unit.path)


def roles_with(permission: str) -> Iterable[Role]:
    """The roles that hold a permission, for help texts and tests."""
    return sorted(PERMISSIONS[permission])


def may_open(user: Any, obj: Any) -> bool:
    """The user's units reach the record: a unit is its own scope anchor; a record with
    several (a case: its authority, the unit verifying it, the unit that received it) names
    them in scope_units(); every other record belongs to one unit."""
    if obj.__tablename__ == "unit":
        units = [obj]
    elif hasattr(obj, "scope_units"):
        units = obj.scope_units()
    else:
        units = [getattr(obj, "unit", None)]
    return any(unit_in_scope(user, unit) for unit in units)


def load_scoped(model: Any, object_id: int, user: Any = None, *, acting: bool = False):
    """Load a record of the user's units or answer 404 (never reveal that another unit has it).
    `acting`: the user means to act on it; a unit that only follows it (the unit that received
    a case, Case.follows_only) gets 403."""
    from complaints.extensions import db

    user = user or current_user
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if not may_open(user, obj):
        abort(404)
    if acting and hasattr(obj, "follows_only") and obj.follows_only(user):
        abort(403)
    return obj
