"""GET /me (who the caller is) and GET /units (the units of the caller's scope)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from complaints.api import schemas as S
from complaints.api.base import endpoint, page_of
from complaints.core import confidentiality
from complaints.core.access import PERMISSIONS, has_permission, in_scope
from complaints.units.models import Unit


def unit_out(u: Unit) -> S.UnitOut:
    return S.UnitOut(
        id=u.id,
        code=u.code,
        name=u.name,
        level=u.level,
        parent_id=u.parent_id,
        active_from=u.active_from,
        active_to=u.active_to,
    )


@endpoint(
    "GET",
    "/me",
    summary="Người gọi API: tài khoản, đơn vị, vai trò và quyền",
    tag="Tài khoản",
    response=S.MeOut,
)
def me(caller, query, body):
    return S.MeOut(
        id=caller.id,
        username=caller.username,
        full_name=caller.full_name,
        unit_id=caller.unit_id,
        unit=caller.unit.code,
        roles=sorted(caller.role_set),
        permissions=sorted(p for p in PERMISSIONS if has_permission(caller, p)),
        can_see_denouncer=confidentiality.role_allows(caller),
        auth=g.api_auth,
        token_prefix=g.api_token_prefix,
    )


@endpoint(
    "GET",
    "/units",
    summary="Các đơn vị trong phạm vi của người gọi (đơn vị mình và cấp dưới)",
    tag="Đơn vị",
    query=S.UnitQuery,
    response=S.Page[S.UnitOut],
)
def units(caller, query: S.UnitQuery, body):
    select = sa.select(Unit).where(in_scope(caller, Unit.id)).order_by(Unit.path)
    if query.level:
        select = select.where(Unit.level == query.level)
    return page_of(select, query, unit_out)[0]
