"""The petition register: read with filters and search, register, and process a petition."""

from __future__ import annotations

import sqlalchemy as sa

from complaints.api import schemas as S
from complaints.api.base import (
    ApiError,
    endpoint,
    field_error,
    load,
    page_of,
    scoped_unit,
    subtree_clause,
)
from complaints.cases.models import Case
from complaints.core import confidentiality
from complaints.core.text import fold
from complaints.extensions import db
from complaints.petitions import operations as ops
from complaints.petitions import transfers
from complaints.petitions.models import Petition, PetitionStatus, ProcessingOutcome
from complaints.petitions.processing import ProcessingInput, process
from complaints.reception.models import Visit
from complaints.reception.scope import visits_visible
from complaints.units.models import Unit
from complaints.units.roles import same_tree

TAG = "Đơn thư"
MIN_TERM = 2  # as the search page


def transfer_out(p: Petition, t, reader: confidentiality.Reader) -> S.TransferOut | None:
    """The petition's hand-off inside the system, as the reader may see it."""
    if t is None:
        return None
    return S.TransferOut(
        direction="sent" if t.sender_petition_id == p.id else "received",
        from_register_no=t.sender.register_no,
        from_unit=t.sender.unit.code,
        to_register_no=t.receiver.register_no,
        to_unit=t.unit.code,
        to_status=t.receiver.status,
        to_outcome=t.receiver.outcome,
        sent_on=t.sent_on,
        doc_no=t.doc_no,
        answer_due=t.answer_due,
        result_text=reader.text(p, t.result_text),
        result_doc_no=t.result_doc_no,
        result_on=t.result_on,
        urgings=[
            S.UrgingOut(urged_on=u.urged_on, answer_due=u.answer_due, doc_no=u.doc_no)
            for u in t.urgings
        ],
    )


def petition_out(p: Petition, reader: confidentiality.Reader, transfer=None) -> S.PetitionOut:
    shown = reader.sees(p)  # the denouncer rule (core/confidentiality.py)
    senders = [
        S.SenderOut(
            full_name=s.full_name if shown else None,
            address=s.address if shown else None,
            identity_no=s.identity_no if shown else None,
            phone=s.phone if shown else None,
        )
        for s in p.senders
    ]
    return S.PetitionOut(
        id=p.id,
        register_no=p.register_no,
        unit_id=p.unit_id,
        unit=p.unit.code,
        processing_unit=p.unit.processor.code,
        received_date=p.received_date,
        source=p.source,
        source_body=p.source_body,
        source_doc_no=p.source_doc_no,
        visit_id=p.visit_id,
        kind=p.kind,
        field=p.field,
        summary=reader.text(p, p.summary),
        signatory_count=p.signatory_count,
        anonymous=p.anonymous,
        status=p.status,
        eligible=p.eligible,
        ineligible_reasons=p.ineligible_reasons or [],
        competent=p.competent,
        outcome=p.outcome,
        outcome_body=p.outcome_body,
        outcome_doc_no=p.outcome_doc_no,
        outcome_date=p.outcome_date,
        processing_note=reader.text(p, p.processing_note),
        case_id=p.case_id,
        transfer=transfer_out(p, transfer, reader),
        identity_redacted=not shown,
        senders=senders,
        version=p.version,
        created_at=p.created_at,
    )


def _out(caller, record: Petition) -> S.PetitionOut:
    reader = confidentiality.Reader(caller, [record])
    return petition_out(record, reader, transfers.of_petitions([record.id]).get(record.id))


def _record_views(caller, petitions: list[Petition], where: str) -> None:
    """The protected petitions whose senders this answer shows are recorded."""
    confidentiality.record_view(
        caller, where=where, petitions=confidentiality.shown_to(caller, petitions)
    )


@endpoint(
    "GET",
    "/petitions",
    summary="Sổ đơn: danh sách đơn, lọc và tìm kiếm",
    description="Đơn tố cáo: người gửi được bảo mật với vai trò không được xem (null, "
    "identity_redacted = true), và tìm theo tên không bao giờ trả về đơn tố cáo cho họ.",
    tag=TAG,
    permission="petition.view",
    query=S.PetitionQuery,
    response=S.Page[S.PetitionOut],
)
def petitions(caller, query: S.PetitionQuery, body):
    if query.q is not None and len(fold(query.q)) < MIN_TERM:
        raise field_error(400, "q", f"Nhập ít nhất {MIN_TERM} ký tự để tìm.")
    where = []
    if query.unit:
        where.append(subtree_clause(Petition.unit_id, scoped_unit(query.unit, caller)))
    for column, value in (
        (Petition.kind, query.kind),
        (Petition.field, query.field),
        (Petition.source, query.source),
        (Petition.status, query.status),
    ):
        if value is not None:
            where.append(column == value)
    if query.from_:
        where.append(Petition.received_date >= query.from_)
    if query.to:
        where.append(Petition.received_date <= query.to)
    if query.q is None:
        select, counted = ops.register_query(caller), "register"
    else:
        select, counted = ops.search_petitions(caller, query.q), "search"
    page, rows = page_of(select.where(*where), query, lambda p: p, counted)
    reader = confidentiality.Reader(caller, rows)
    moves = transfers.of_petitions([p.id for p in rows])
    page.items = [petition_out(p, reader, moves.get(p.id)) for p in rows]
    _record_views(caller, rows, "API: sổ đơn")
    return page


@endpoint(
    "POST",
    "/petitions",
    summary="Vào sổ đơn (số vào sổ tiếp theo của đơn vị trong năm)",
    tag=TAG,
    permission="petition.register",
    body=S.PetitionIn,
    response=S.PetitionOut,
    status=201,
)
def register(caller, query, body: S.PetitionIn):
    unit = scoped_unit(body.unit, caller, status=422)
    visit = None
    if body.visit_id is not None:
        visit = db.session.scalar(
            sa.select(Visit).where(Visit.id == body.visit_id, visits_visible(caller))
        )
        if visit is None:
            raise field_error(422, "visit_id", "Không tìm thấy lượt tiếp trong phạm vi của bạn.")
    values = body.model_dump(exclude={"unit", "visit_id", "senders"})
    data = ops.PetitionData(
        **values,
        senders=[ops.SenderData(**s.model_dump()) for s in body.senders],
        unit=unit,
        visit=visit,
    )
    return _out(caller, ops.register_petition(caller, data))


@endpoint(
    "GET",
    "/petitions/{petition_id}",
    summary="Một đơn trong sổ đơn",
    tag=TAG,
    permission="petition.view",
    response=S.PetitionOut,
)
def petition(caller, query, body, petition_id: int):
    record = load(Petition, petition_id, caller)
    out = _out(caller, record)
    _record_views(caller, [record], "API: đơn")
    return out


def _join_target(caller, body: S.ProcessingIn, record: Petition) -> Case | None:
    """The case an accepted petition joins, among the cases it may join (Case.joinable_from)."""
    if body.join_case_id is None and not body.join_case_no:
        return None
    select = sa.select(Case).where(Case.joinable_from(caller, record.unit))
    if body.join_case_id is not None:
        select = select.where(Case.id == body.join_case_id)
        name, what = "join_case_id", f"mã {body.join_case_id}"
    else:
        select = select.where(Case.case_no == body.join_case_no.strip().upper())
        name, what = "join_case_no", f"số {body.join_case_no}"
    case = db.session.scalar(select)
    if case is None:
        raise field_error(422, name, f"Không tìm thấy vụ việc {what} trong các đơn vị của bạn.")
    return case


def _tree_unit(record: Petition, code: str | None, name: str):
    """A unit named by code for a role in the petition's matter (competent authority, transfer
    target): it may lie outside the caller's units (the committee its inspectorate advises);
    whether it may take the role is the operation's rule (units/roles.py)."""
    if not code:
        return None
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code.strip().upper()))
    if unit is None or not same_tree(unit, record.unit):  # another tree's units stay unnamed
        raise field_error(422, name, f"Không có đơn vị mã {code} trong hệ thống đơn vị của đơn.")
    return unit


@endpoint(
    "POST",
    "/petitions/{petition_id}/processing",
    summary="Xử lý đơn: phân loại và quyết định hướng xử lý (thụ lý mở hoặc nhập vào vụ việc)",
    description="Thụ lý (accept) mở một vụ việc mới, hoặc nhập đơn vào vụ việc join_case_id / "
    "join_case_no. Đơn đã xử lý hoặc version cũ: 409.",
    tag=TAG,
    permission="petition.process",
    body=S.ProcessingIn,
    response=S.PetitionOut,
    errors=(409,),
)
def processing(caller, query, body: S.ProcessingIn, petition_id: int):
    record = load(Petition, petition_id, caller)
    if record.status != PetitionStatus.registered:
        label = record.outcome.label if record.outcome else ""
        raise ApiError(409, f"Đơn đã được xử lý ({label}); không xử lý lại.")
    accepting = body.outcome == ProcessingOutcome.accept
    if not accepting and (body.join_case_id is not None or body.join_case_no):
        raise field_error(422, "join_case_id", "Chỉ nhập đơn vào vụ việc khi thụ lý (accept).")
    data = ProcessingInput(
        eligible=body.eligible,
        competent=body.competent,
        outcome=body.outcome.value,
        on=body.on,
        reasons=() if body.eligible else tuple(r.value for r in body.reasons),
        doc_no=body.doc_no.strip(),
        body=body.body.strip(),
        note=body.note.strip(),
        join_case=_join_target(caller, body, record) if accepting else None,
        case_title=body.case_title.strip(),
        authority=_tree_unit(record, body.authority, "authority"),
        authority_ground=body.authority_ground.strip(),
        target=_tree_unit(record, body.target_unit, "target_unit"),
        answer_due=body.answer_due,
    )
    process(caller, record, data, expected_version=body.version)
    return _out(caller, record)
