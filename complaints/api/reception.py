"""Reception sessions and visits: read with filters, create through the reception operations."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from complaints.api import schemas as S
from complaints.api.base import (
    endpoint,
    field_error,
    load,
    page_of,
)
from complaints.core import confidentiality
from complaints.extensions import db
from complaints.reception import operations as ops
from complaints.reception.models import ReceptionSession, Visit
from complaints.reception.scope import sessions_of, sessions_visible
from complaints.units.models import Unit, UnitLeader
from complaints.units.roles import may_receive_for

TAG = "Tiếp công dân"


def session_out(
    s: ReceptionSession, visit_count: int, reader: confidentiality.Reader | None = None
) -> S.SessionOut:
    """A session; its conclusion as the caller may read it (it may name the persons received
    at its visits: stripped of those the caller may not see)."""
    conclusion = s.conclusion
    if reader is not None and conclusion and not confidentiality.role_allows(reader.user):
        conclusion = reader.text_across(s.visits, conclusion)
    return S.SessionOut(
        id=s.id,
        unit_id=s.unit_id,
        unit=s.unit.code,
        kind=s.kind,
        session_date=s.session_date,
        place=s.place,
        host_mode=s.host_mode,
        host_leader_id=s.host_leader_id,
        host_name=s.host_name,
        host_title=s.host_title,
        medium=s.medium,
        status=s.status,
        status_reason=s.status_reason,
        postponed_to=s.postponed_to,
        published_on=s.published_on,
        conclusion=conclusion,
        visit_count=visit_count,
        version=s.version,
        created_at=s.created_at,
    )


def visit_out(v: Visit, reader: confidentiality.Reader) -> S.VisitOut:
    hidden = not reader.sees(v)  # the denouncer rule (core/confidentiality.py)
    text = functools.partial(reader.text, v)
    persons = [
        S.PersonOut(
            full_name=None if hidden else p.full_name,
            address=None if hidden else p.address,
            identity_no=None if hidden else p.identity_no,
            phone=None if hidden else p.phone,
            is_representative=p.is_representative,
        )
        for p in v.persons
    ]
    return S.VisitOut(
        id=v.id,
        session_id=v.session_id,
        unit_id=v.unit_id,
        unit=v.unit.code,
        visit_date=v.visit_date,
        kind=v.kind,
        content=text(v.content),
        people_count=v.people_count,
        is_delegation=v.is_delegation,
        is_repeat=v.is_repeat,
        previous_resolver=text(v.previous_resolver),
        competent=v.competent,
        outcome=v.outcome,
        outcome_body=v.outcome_body,
        outcome_doc_no=v.outcome_doc_no,
        refusal_ground=v.refusal_ground,
        refusal_detail=text(v.refusal_detail),
        documents_received=text(v.documents_received),
        follow_up=text(v.follow_up),
        note=text(v.note),
        identity_redacted=hidden,
        persons=persons,
        version=v.version,
        created_at=v.created_at,
    )


def _visit_counts(session_ids: list[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Visit.session_id, sa.func.count(Visit.id))
            .where(Visit.session_id.in_(session_ids))
            .group_by(Visit.session_id)
        ).all()
    )


def _record_views(caller, visits: list[Visit], where: str) -> None:
    """The protected visits whose persons this answer shows are recorded."""
    shown = [v for v in confidentiality.shown_to(caller, visits) if v.persons]
    confidentiality.record_view(caller, where=where, visits=shown)


# --- sessions -------------------------------------------------------------------------------


def _received_unit(code: str, caller, status: int = 400) -> Unit:
    """The unit with this code among those the caller receives for (his units and the
    authorities they advise: units/roles.py); the same refusal whether it does not exist or
    lies outside them."""
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None or not may_receive_for(caller, unit):
        raise field_error(status, "unit", f"Không có đơn vị mã {code} trong phạm vi của bạn.")
    return unit


@endpoint(
    "GET",
    "/sessions",
    summary="Danh sách buổi tiếp công dân",
    tag=TAG,
    permission="reception.view",
    query=S.SessionQuery,
    response=S.Page[S.SessionOut],
)
def sessions(caller, query: S.SessionQuery, body):
    select = (
        sa.select(ReceptionSession)
        .where(sessions_visible(caller))
        .options(joinedload(ReceptionSession.unit))
        .order_by(ReceptionSession.session_date.desc(), ReceptionSession.id.desc())
    )
    if query.unit:
        unit = _received_unit(query.unit, caller)
        select = select.where(sessions_of(unit, query.only_unit))
    if query.from_:
        select = select.where(ReceptionSession.session_date >= query.from_)
    if query.to:
        select = select.where(ReceptionSession.session_date <= query.to)
    if query.kind:
        select = select.where(ReceptionSession.kind == query.kind)
    if query.status:
        select = select.where(ReceptionSession.status == query.status)
    if not confidentiality.role_allows(caller):  # the conclusions are read against the visits
        select = select.options(selectinload(ReceptionSession.visits))
    page, rows = page_of(select, query, lambda s: s, "register")
    counts = _visit_counts([s.id for s in rows])
    reader = confidentiality.Reader(caller)
    page.items = [session_out(s, counts.get(s.id, 0), reader) for s in rows]
    return page


@endpoint(
    "POST",
    "/sessions",
    summary="Mở (lên lịch hoặc ghi nhận) một buổi tiếp công dân",
    tag=TAG,
    permission="reception.edit",
    body=S.SessionIn,
    response=S.SessionOut,
    status=201,
)
def create_session(caller, query, body: S.SessionIn):
    unit = _received_unit(body.unit, caller, status=422)
    leader = None
    if body.host_leader_id is not None:
        leader = db.session.get(UnitLeader, body.host_leader_id)
        if leader is None:
            raise field_error(422, "host_leader_id", "Không có lãnh đạo với mã này.")
    values = body.model_dump(exclude={"unit", "host_leader_id"})
    data = ops.SessionData(unit=unit, host_leader=leader, **values)
    return session_out(ops.create_session(caller, data), 0, confidentiality.Reader(caller))


@endpoint(
    "GET",
    "/sessions/{session_id}",
    summary="Một buổi tiếp công dân",
    tag=TAG,
    permission="reception.view",
    response=S.SessionOut,
)
def session(caller, query, body, session_id: int):
    record = load(ReceptionSession, session_id, caller)
    count = _visit_counts([record.id]).get(record.id, 0)
    return session_out(record, count, confidentiality.Reader(caller))


# --- visits ---------------------------------------------------------------------------------


@endpoint(
    "GET",
    "/sessions/{session_id}/visits",
    summary="Các lượt tiếp của một buổi tiếp",
    description="Người tố cáo được bảo mật: với vai trò không được xem, họ tên, địa chỉ, số "
    "giấy tờ, điện thoại là null và identity_redacted là true.",
    tag=TAG,
    permission="reception.view",
    query=S.PageQuery,
    response=S.Page[S.VisitOut],
)
def session_visits(caller, query: S.PageQuery, body, session_id: int):
    record = load(ReceptionSession, session_id, caller)
    select = (
        sa.select(Visit)
        .where(Visit.session_id == record.id)
        .options(joinedload(Visit.unit), selectinload(Visit.persons))
        .order_by(Visit.id)
    )
    page, rows = page_of(select, query, lambda v: v)
    reader = confidentiality.Reader(caller, rows)
    page.items = [visit_out(v, reader) for v in rows]
    _record_views(caller, rows, "API: lượt tiếp của buổi tiếp")
    return page


@endpoint(
    "POST",
    "/sessions/{session_id}/visits",
    summary="Ghi một lượt tiếp vào buổi tiếp",
    tag=TAG,
    permission="reception.edit",
    body=S.VisitIn,
    response=S.VisitOut,
    status=201,
)
def create_visit(caller, query, body: S.VisitIn, session_id: int):
    record = load(ReceptionSession, session_id, caller)
    values = body.model_dump(exclude={"persons"})
    data = ops.VisitData(**values, persons=[ops.PersonData(**p.model_dump()) for p in body.persons])
    visit = ops.create_visit(caller, record, data)
    return visit_out(visit, confidentiality.Reader(caller, [visit]))


@endpoint(
    "GET",
    "/visits/{visit_id}",
    summary="Một lượt tiếp công dân",
    tag=TAG,
    permission="reception.view",
    response=S.VisitOut,
)
def visit(caller, query, body, visit_id: int):
    record = load(Visit, visit_id, caller)
    out = visit_out(record, confidentiality.Reader(caller, [record]))
    _record_views(caller, [record], "API: lượt tiếp")
    return out
