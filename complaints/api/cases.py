"""Cases: read with filters, their events, workflow steps and assignment, through the case
operations (the workflow table decides which step is legal, the operations check the law)."""

from __future__ import annotations

import functools
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

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
from complaints.auth.models import User
from complaints.cases import operations as ops
from complaints.cases.forms import ACTION_FIELDS
from complaints.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    closed_case,
    open_case,
    overdue_case,
)
from complaints.cases.queries import next_duty, text_clause
from complaints.cases.workflow import ACTIONS, allowed_actions, check, event_label
from complaints.core import clock, confidentiality
from complaints.core.access import in_scope
from complaints.extensions import db
from complaints.petitions.models import Petition

TAG = "Vụ việc"
STEP_FIELDS = ("version", "on")


def _amount(value) -> str:
    return format(Decimal(value or 0).normalize(), "f")


def case_out(c: Case, t, reader: confidentiality.Reader, model=S.CaseOut, **extra) -> S.CaseOut:
    duty = next_duty(c)
    text = functools.partial(reader.text, c)  # the case file: stripped of denouncers
    return model(
        id=c.id,
        case_no=c.case_no,
        unit_id=c.unit_id,
        unit=c.unit.code,
        received_unit_id=c.received_unit_id,
        received_unit=c.received_unit.code if c.received_unit else None,
        authority_ground=text(c.authority_ground),
        kind=c.kind,
        round=c.round,
        field=c.field,
        title=text(c.title),
        summary=text(c.verifier_summary or c.summary) if not reader.sees(c) else c.summary,
        state=c.state,
        received_on=c.received_on,
        accepted_on=c.accepted_on,
        accept_doc_no=c.accept_doc_no,
        assigned_unit_id=c.assigned_unit_id,
        assigned_unit=c.assigned_unit.code if c.assigned_unit else None,
        assignee_id=c.assignee_id,
        assignee=c.assignee.full_name if c.assignee else None,
        complexity=c.complexity,
        complexity_criteria=c.complexity_criteria or [],
        remote_area=c.remote_area,
        extensions=c.extensions,
        suspended_on=c.suspended_on,
        resumed_on=c.resumed_on,
        suspended_days=c.suspended_days,
        outcome=c.outcome,
        decided_on=c.decided_on,
        decision_no=c.decision_no,
        decision_summary=text(c.decision_summary),
        sent_on=c.sent_on,
        published_on=c.published_on,
        closed_on=c.closed_on,
        termination_reason=c.termination_reason,
        withdrawn_contents=[text(w) for w in c.withdrawn_contents or []],
        money_to_recover=_amount(c.money_to_recover),
        money_to_return=_amount(c.money_to_return),
        land_to_recover_m2=_amount(c.land_to_recover_m2),
        land_to_return_m2=_amount(c.land_to_return_m2),
        people_to_discipline=c.people_to_discipline,
        money_recovered=_amount(c.money_recovered),
        land_recovered_m2=_amount(c.land_recovered_m2),
        parent_case_id=c.parent_case_id,
        merged_into_id=c.merged_into_id,
        next_due=duty.due if duty else None,
        # As the overdue list: a duty past its date, unless the suspended case's clock stopped.
        overdue=duty is not None and duty.due < t and c.state != CaseState.suspended,
        allowed_actions=[a.name for a in allowed_actions(c.kind.value, c.state)],
        version=c.version,
        **extra,
    )


def _detail(c: Case, caller) -> S.CaseDetailOut:
    petition_ids = db.session.scalars(
        sa.select(Petition.id).where(Petition.case_id == c.id).order_by(Petition.id)
    ).all()
    deadlines = [
        S.DeadlineOut(
            step=d.step,
            label=d.label,
            start=d.start,
            due=d.due,
            days=d.days,
            day_type=d.day_type,
            rule=d.rule,
            basis=d.basis,
            towards_citizen=d.towards_citizen,
            active=d.active,
            met_on=d.met_on,
        )
        for d in c.deadlines
    ]
    reader = confidentiality.Reader(caller, [c])
    return case_out(
        c,
        clock.today(),
        reader,
        S.CaseDetailOut,
        deadlines=deadlines,
        petition_ids=list(petition_ids),
    )


def _options():
    return (
        joinedload(Case.unit),
        joinedload(Case.assigned_unit),
        joinedload(Case.received_unit),
        joinedload(Case.assignee),
        selectinload(Case.deadlines),
    )


@endpoint(
    "GET",
    "/cases",
    summary="Danh sách vụ việc (của đơn vị mình, cấp dưới, hoặc được giao cho đơn vị mình)",
    tag=TAG,
    permission="case.view",
    query=S.CaseQuery,
    response=S.Page[S.CaseOut],
)
def cases(caller, query: S.CaseQuery, body):
    t = clock.today()
    select = (
        sa.select(Case)
        .where(Case.visible_to(caller))
        .options(*_options())
        .order_by(Case.received_on.desc(), Case.id.desc())
    )
    if query.unit:
        select = select.where(subtree_clause(Case.unit_id, scoped_unit(query.unit, caller)))
    for column, value in ((Case.kind, query.kind), (Case.field, query.field)):
        if value is not None:
            select = select.where(column == value)
    if query.state is not None:
        select = select.where(Case.state == query.state)
    if query.open is not None:
        select = select.where(open_case() if query.open else closed_case())
    if query.assignee == "none":
        select = select.where(Case.assignee_id.is_(None))
    elif query.assignee is not None:
        select = select.where(Case.assignee_id == min(int(query.assignee), S.MAX_ID))
    if query.overdue is not None:
        late = overdue_case(t)
        select = select.where(late if query.overdue else ~late)
    if query.q:
        select = select.where(text_clause(query.q, caller))
    page, rows = page_of(select, query, lambda c: c, "search" if query.q else "register")
    reader = confidentiality.Reader(caller, rows)
    page.items = [case_out(c, t, reader) for c in rows]
    return page


@endpoint(
    "GET",
    "/cases/{case_id}",
    summary="Một vụ việc, với các thời hạn và các đơn của nó",
    tag=TAG,
    permission="case.view",
    response=S.CaseDetailOut,
)
def case(caller, query, body, case_id: int):
    return _detail(load(Case, case_id, caller), caller)


@endpoint(
    "GET",
    "/cases/{case_id}/events",
    summary="Diễn biến của vụ việc (các bước, văn bản, người thực hiện)",
    tag=TAG,
    permission="case.view",
    query=S.PageQuery,
    response=S.Page[S.EventOut],
)
def events(caller, query: S.PageQuery, body, case_id: int):
    record = load(Case, case_id, caller)
    select = (
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == record.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.occurred_on, CaseEvent.id)
    )
    reader = confidentiality.Reader(caller, [record])

    def convert(e: CaseEvent) -> S.EventOut:
        return S.EventOut(
            id=e.id,
            case_id=e.case_id,
            action=e.action,
            label=event_label(e),
            from_state=e.from_state,
            to_state=e.to_state,
            occurred_on=e.occurred_on,
            doc_type=e.doc_type,
            doc_no=e.doc_no,
            note=reader.text(record, e.note),
            data=_event_data(e, reader, record),
            actor_id=e.actor_id,
            actor=e.actor.full_name if e.actor else None,
            recorded_at=e.recorded_at,
        )

    return page_of(select, query, convert)[0]


# Free text an event's data may hold (what was withdrawn, a note...): read as the case file.
EVENT_TEXTS = ("contents", "note", "reason_text")


def _event_data(e: CaseEvent, reader, case: Case) -> dict:
    data = dict(e.data or {})
    for key in EVENT_TEXTS:
        value = data.get(key)
        if isinstance(value, str):
            data[key] = reader.text(case, value)
        elif isinstance(value, list):
            data[key] = [reader.text(case, v) if isinstance(v, str) else v for v in value]
    return data


def _action_description() -> str:
    lines = [
        "Một bước của quy trình giải quyết. Ngoài version và on, chỉ gửi các trường của thao "
        "tác (các trường khác bị từ chối). Bước không hợp lệ ở trạng thái hiện tại: 422 với lý "
        "do; version cũ: 409.",
        "",
    ]
    for name, action in ACTIONS.items():
        fields = ", ".join(ACTION_FIELDS[name])
        lines.append(f"- `{name}` ({action.label}): {fields}")
    return "\n".join(lines)


@endpoint(
    "POST",
    "/cases/{case_id}/actions/{action}",
    summary="Chuyển vụ việc sang bước tiếp theo của quy trình",
    description=_action_description(),
    tag=TAG,
    permission="case.work",
    body=S.StepIn,
    response=S.CaseDetailOut,
    errors=(409,),
    path_enums={"action": list(ACTIONS)},
)
def action(caller, query, body: S.StepIn, case_id: int, action: str):
    record = load(Case, case_id, caller, acting=True)
    act = ACTIONS.get(action)
    if act is None:
        raise ApiError(404, f"Thao tác không tồn tại: {action[:40]}.")
    wanted = set(ACTION_FIELDS[action]) | set(STEP_FIELDS)
    unused = sorted(body.model_fields_set - wanted)
    if unused:
        message = f"Trường này không dùng cho thao tác “{act.label}”."
        raise ApiError(
            422,
            f"{', '.join(unused)}: {message}",
            [{"field": name, "message": message} for name in unused],
        )
    if body.version != record.version:
        raise ApiError(
            409,
            "Vụ việc vừa được người khác cập nhật (phiên bản "
            f"{record.version}, bạn gửi {body.version}). Hãy đọc lại vụ việc rồi làm lại.",
        )
    check(record.kind.value, record.state, action, round=record.round)
    round2 = scoped_unit(body.round2_unit, caller, "round2_unit", 422) if body.round2_unit else None
    step = ops.StepInput(
        on=body.on,
        doc_no=body.doc_no.strip(),
        doc_type=body.doc_type.strip(),
        note=body.note.strip(),
        outcome=body.outcome.value if body.outcome else None,
        reason=body.reason.value if body.reason else None,
        body=body.body.strip(),
        contents=body.contents,
        money_to_recover=body.money_to_recover,
        money_to_return=body.money_to_return,
        land_to_recover_m2=body.land_to_recover_m2,
        land_to_return_m2=body.land_to_return_m2,
        people_to_discipline=body.people_to_discipline,
        money_recovered=body.money_recovered,
        land_recovered_m2=body.land_recovered_m2,
        round2_unit=round2,
    )
    ops.perform(caller, record, action, step, expected_version=body.version)
    return _detail(record, caller)


@endpoint(
    "POST",
    "/cases/{case_id}/assignment",
    summary="Giao vụ việc cho một đơn vị (và một người) xử lý, xác minh",
    tag=TAG,
    permission="case.assign",
    body=S.AssignmentIn,
    response=S.CaseDetailOut,
    errors=(409,),
)
def assignment(caller, query, body: S.AssignmentIn, case_id: int):
    record = load(Case, case_id, caller, acting=True)
    unit = scoped_unit(body.unit, caller, status=422)
    assignee = None
    if body.assignee_id is not None:
        assignee = db.session.scalar(
            sa.select(User).where(User.id == body.assignee_id, in_scope(caller, User.unit_id))
        )
        if assignee is None or not assignee.active:
            raise field_error(
                422,
                "assignee_id",
                "Không tìm thấy người dùng đang hoạt động trong phạm vi của bạn.",
            )
    ops.assign(
        caller,
        record,
        unit=unit,
        assignee=assignee,
        on=body.on,
        note=body.note.strip(),
        verifier_summary=body.verifier_summary,
        expected_version=body.version,
    )
    return _detail(record, caller)
