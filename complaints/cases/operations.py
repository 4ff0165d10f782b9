"""Use cases on cases: open, move through the workflow, assign, flag, merge and split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Complexity,
    ComplexityCriterion,
    Outcome,
    TerminationReason,
)
from complaints.cases.workflow import WorkflowError, check, taken_as_worker
from complaints.core import audit, clock, confidentiality
from complaints.core import db as core_db
from complaints.core.access import Role
from complaints.core.errors import OperationError
from complaints.core.numbering import next_number
from complaints.core.numbers import fmt_date
from complaints.core.text import fold, shorten
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.units.operations import check_active

CASE_FIELDS = (
    "unit_id",
    "received_unit_id",
    "authority_ground",
    "state",
    "verifier_summary",
    "assignee_id",
    "assigned_unit_id",
    "complexity",
    "complexity_criteria",
    "remote_area",
    "extensions",
    "accepted_on",
    "accept_doc_no",
    "outcome",
    "decided_on",
    "decision_no",
    "sent_on",
    "published_on",
    "closed_on",
    "termination_reason",
    "suspended_on",
    "resumed_on",
    "suspended_days",
    "withdrawn_contents",
    "money_to_recover",
    "money_to_return",
    "land_to_recover_m2",
    "land_to_return_m2",
    "money_recovered",
    "land_recovered_m2",
    "people_to_discipline",
)


# Steps that exist only through a signed document: its number is required.
DOCUMENT_REQUIRED = frozenset(
    {"accept", "refuse", "decide", "extend", "suspend", "resume", "terminate"}
)


class CaseError(OperationError):
    """A case step the rules refuse; `field` names the form field the message belongs beside."""


@dataclass
class StepInput:
    """What a user records with a step: its date, the document that carries it, and details."""

    on: date
    doc_no: str = ""
    doc_type: str = ""
    note: str = ""
    outcome: str | None = None
    reason: str | None = None
    body: str = ""
    contents: str = ""
    money_to_recover: str | Decimal | None = None
    money_to_return: str | Decimal | None = None
    land_to_recover_m2: str | Decimal | None = None
    land_to_return_m2: str | Decimal | None = None
    people_to_discipline: int | None = None
    money_recovered: str | Decimal | None = None
    land_recovered_m2: str | Decimal | None = None
    round2_unit: object | None = None


def case_snapshot(case: Case) -> dict:
    """The case's audited fields, for before/after."""
    return audit.snapshot(case, CASE_FIELDS)


def record_event(
    case: Case, actor, action: str, step: StepInput | None, from_state, to_state, **data
) -> CaseEvent:
    """Add a step to the case's timeline (without a StepInput: `on=` and `note=` in data)."""
    # held for the end of a deferred_inserts() block (the register import's batch): by the
    # case's id, outside the case's collection of events
    deferred = case.id is not None and core_db.deferring()
    values = event_values(actor, action, step, from_state, to_state, **data)
    event = CaseEvent(**({"case_id": case.id} if deferred else {"case": case}), **values)
    core_db.add(event)
    return event


def event_values(actor, action: str, step: StepInput | None, from_state, to_state, **data) -> dict:
    """What a step of a case's timeline stores (record_event's event; the register import's
    new cases as rows): its action, states, date, document, note, data and actor."""
    as_worker = taken_as_worker(action, actor)
    if as_worker is not None:
        data["as_worker"] = as_worker
    return {
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value if to_state else None,
        "occurred_on": step.on if step else data.pop("on"),
        "doc_type": (step.doc_type if step else "") or "",
        "doc_no": (step.doc_no if step else "") or "",
        "note": (step.note if step else data.pop("note", "")) or "",
        "data": audit.jsonable(data),
        "actor_id": getattr(actor, "id", None),
    }


def refresh_search_text(case: Case) -> None:
    """Keep the folded search column of the case in step with its facts and petitions; the
    petitions' public search text too, stripped of the identities of the matter they now
    share (a petition joined, merged or split)."""
    refresh_search_texts([case])


def refresh_search_texts(cases: Sequence[Case]) -> None:
    """refresh_search_text for many cases at once (the register import's batch): their
    petitions with their senders and their matters' identities read in a few queries per 500
    cases, not per petition."""
    from complaints.petitions.models import Petition
    from complaints.petitions.operations import refresh_search_text as refresh_petition

    for start in range(0, len(cases), 500):
        chunk = {c.id: c for c in cases[start : start + 500]}
        petitions = db.session.scalars(
            sa.select(Petition)
            .where(Petition.case_id.in_(chunk))
            .order_by(Petition.id)
            .options(selectinload(Petition.senders))
        ).all()
        matters = confidentiality.matter_values(petitions) if petitions else {}
        names: dict[int, list[str]] = {case_id: [] for case_id in chunk}
        for p in petitions:
            refresh_petition(p, matters[("petition", p.id)])
            names[p.case_id].append(p.search_text)
        for case_id, case in chunk.items():
            case.search_text = case_search_text(
                case.case_no, case.title, case.summary, names[case_id]
            )


def case_search_text(case_no: str, title: str, summary: str, petition_texts: Sequence[str]) -> str:
    """The case's folded search text: its number, title and summary, and the search texts of
    its petitions (in their order)."""
    return fold(" ".join([case_no, title, summary, *petition_texts]))[:20000]


def case_number(unit, year: int) -> str:
    """The unit's next case number of the year: VV-<unit code>-<year>-<running number>."""
    seq = next_number("case", unit.id, year)
    return f"VV-{unit.code}-{year}-{seq:05d}"


def open_case(
    actor,
    *,
    unit,
    kind,
    field,
    title: str,
    received_on: date,
    summary: str = "",
    round: int = 1,
    parent: Case | None = None,
    received_unit=None,
    authority_ground: str = "",
) -> Case:
    """Open a case in state 'received' with its number (unit code + year + running number).
    `unit` is the competent authority; `received_unit` the unit that received the matter
    (by default the authority itself)."""
    case = Case(
        unit_id=unit.id,
        received_unit_id=(received_unit or unit).id,
        authority_ground=authority_ground,
        case_no=case_number(unit, received_on.year),
        kind=kind,
        round=round,
        field=field,
        title=shorten(title, 255),
        summary=summary,
        state=CaseState.received,
        received_on=received_on,
        parent_case_id=parent.id if parent else None,
        complexity_criteria=[],
        withdrawn_contents=[],
    )
    db.session.add(case)
    db.session.flush()
    record_event(
        case,
        actor,
        "open",
        None,
        None,
        CaseState.received,
        on=received_on,
        note=f"Mở vụ việc {case.case_no}",
    )
    case_deadlines.recompute_case(case)
    audit.record(
        "case.opened",
        case,
        actor=actor,
        after=case_snapshot(case),
        summary=f"Mở vụ việc {case.case_no}",
    )
    return case


def check_version(case: Case, expected_version) -> None:
    """A lost update is refused: the case changed since the user opened it."""
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseError(
            _(
                "Vụ việc vừa được người khác cập nhật. "
                "Hãy tải lại trang để xem thay đổi rồi làm lại."
            ),
            "version",
        )


def _money(value, label: str, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        if isinstance(value, Decimal | int):  # already a number (the API): no text to read
            amount = Decimal(value)
        else:  # typed the Vietnamese way: 120.000.000 or 35,5
            amount = Decimal(str(value).replace(".", "").replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise CaseError(_("%(label)s phải là một số.", label=_(label)), field) from None
    if amount < 0:
        raise CaseError(_("%(label)s không được âm.", label=_(label)), field)
    return amount


def _check_date(case: Case, on: date, not_before: date | None, what: str) -> None:
    if on is None:
        raise CaseError(_("Nhập ngày của văn bản."), "on")
    if not_before is not None and on < not_before:
        raise CaseError(
            _(
                "Ngày không được trước %(what)s (%(date)s).",
                what=_(what),
                date=fmt_date(not_before),
            ),
            "on",
        )


def check_acting(actor, case: Case) -> None:
    """Only the competent authority's and the assigned unit's users act on a case; the unit
    that received it follows where it stands (units/roles.py). `actor` None: the system."""
    if actor is not None and case.follows_only(actor):
        raise CaseError(
            _(
                "Đơn vị bạn tiếp nhận vụ việc %(case_no)s và theo dõi tình trạng; các bước giải "
                "quyết do %(authority)s và đơn vị được giao xác minh thực hiện.",
                case_no=case.case_no,
                authority=case.unit.name,
            )
        )


def perform(actor, case: Case, action_name: str, step: StepInput, *, expected_version=None):
    """Move a case by one workflow action after checking the law's conditions; record it."""
    check_acting(actor, case)
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseError(
            _(
                "Vụ việc vừa được người khác cập nhật. "
                "Hãy tải lại trang để xem thay đổi rồi làm lại."
            ),
            "version",
        )
    clock.not_after_today(step.on, "on")
    try:
        action = check(case.kind.value, case.state, action_name, round=case.round)
    except WorkflowError as e:
        raise CaseError(str(e)) from None
    before = case_snapshot(case)
    from_state = case.state
    to_state = action.target
    kind = case.kind.value
    extra: dict = {}

    if action_name in DOCUMENT_REQUIRED and not step.doc_no:
        raise CaseError(_("Nhập số văn bản (quyết định, thông báo) của bước này."), "doc_no")

    if action_name == "accept":
        _check_date(case, step.on, case.received_on, N_("ngày nhận đơn"))
        case.accepted_on, case.accept_doc_no = step.on, step.doc_no
    elif action_name == "refuse":
        _check_date(case, step.on, case.received_on, N_("ngày nhận đơn"))
        if not step.note:
            raise CaseError(_("Ghi rõ lý do không thụ lý (Điều 11 Luật Khiếu nại)."), "note")
        case.closed_on = step.on
    elif action_name == "transfer":
        _check_date(case, step.on, case.received_on, N_("ngày nhận đơn"))
        if not step.body:
            raise CaseError(_("Nhập cơ quan có thẩm quyền được chuyển đến."), "body")
        extra["body"] = step.body
        case.closed_on = step.on
    elif action_name == "start_verification":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
    elif action_name == "hold_dialogue":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
        if not step.note:
            raise CaseError(_("Ghi tóm tắt biên bản đối thoại."), "note")
    elif action_name == "extend":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
        allowed = case_deadlines.complexity_allows_extensions(case.complexity, case.accepted_on)
        if case.extensions >= allowed:
            raise CaseError(
                _(
                    "Vụ việc tố cáo chỉ được gia hạn một lần khi phức tạp, hai lần khi đặc biệt "
                    "phức tạp (Điều 30 Luật Tố cáo); vụ việc đang ở mức “%(label)s” và đã gia hạn "
                    "%(extensions)s lần.",
                    label=case.complexity.label,
                    extensions=case.extensions,
                ),
                "doc_no",
            )
        case.extensions += 1
    elif action_name == "decide":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
        if not step.outcome:
            raise CaseError(_("Chọn kết quả giải quyết: đúng, đúng một phần hoặc sai."), "outcome")
        try:
            case.outcome = Outcome(step.outcome)
        except ValueError:
            raise CaseError(_("Kết quả giải quyết không hợp lệ."), "outcome") from None
        if (
            kind == "complaint"
            and case.round == 2
            and not any(e.action == "hold_dialogue" for e in case.events)
        ):
            raise CaseError(
                _(
                    "Giải quyết khiếu nại lần hai phải tổ chức đối thoại trước khi ra quyết định "
                    "(Điều 39 Luật Khiếu nại)."
                ),
                "outcome",
            )
        case.decided_on, case.decision_no = step.on, step.doc_no
        case.decision_summary = step.note
        case.money_to_recover = _money(
            step.money_to_recover, N_("Số tiền phải thu hồi"), "money_to_recover"
        )
        case.money_to_return = _money(
            step.money_to_return, N_("Số tiền phải trả lại"), "money_to_return"
        )
        case.land_to_recover_m2 = _money(
            step.land_to_recover_m2, N_("Diện tích đất phải thu hồi"), "land_to_recover_m2"
        )
        case.land_to_return_m2 = _money(
            step.land_to_return_m2, N_("Diện tích đất phải trả lại"), "land_to_return_m2"
        )
        case.people_to_discipline = int(step.people_to_discipline or 0)
    elif action_name == "send":
        _check_date(case, step.on, case.decided_on, N_("ngày ban hành quyết định, kết luận"))
        case.sent_on = step.on
    elif action_name == "publish":
        _check_date(case, step.on, case.decided_on, N_("ngày ban hành kết luận"))
        case.published_on = step.on
    elif action_name in ("make_final", "appeal", "enforce", "follow_up", "answer"):
        floor = case.sent_on or case.decided_on or case.accepted_on
        _check_date(case, step.on, floor, N_("bước trước"))
        if action_name in ("enforce", "follow_up"):
            case.money_recovered = _money(
                step.money_recovered, N_("Số tiền đã thu hồi"), "money_recovered"
            )
            case.land_recovered_m2 = _money(
                step.land_recovered_m2, N_("Diện tích đất đã thu hồi"), "land_recovered_m2"
            )
        if action_name == "answer":
            if not step.note:
                raise CaseError(_("Ghi nội dung trả lời."), "note")
            case.decided_on, case.decision_no = step.on, step.doc_no
        case.closed_on = step.on
    elif action_name == "suspend":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
        case.state_before_suspension = case.state
        case.suspended_on = step.on
    elif action_name == "resume":
        _check_date(case, step.on, case.suspended_on, N_("ngày tạm đình chỉ"))
        case.suspended_days += (step.on - case.suspended_on).days
        case.resumed_on = step.on
        to_state = case.state_before_suspension or CaseState.verifying
        case.state_before_suspension = None
        case.suspended_on = None
    elif action_name == "withdraw_partial":
        _check_date(case, step.on, case.accepted_on, N_("ngày thụ lý"))
        items = [c.strip() for c in (step.contents or "").splitlines() if c.strip()]
        if not items:
            raise CaseError(_("Ghi nội dung được rút (mỗi nội dung một dòng)."), "contents")
        already = {fold(c) for c in case.withdrawn_contents}
        repeated = [c for c in items if fold(c) in already]
        if repeated:
            raise CaseError(
                _("Nội dung “%(repeated)s” đã được rút trước đó.", repeated=repeated[0]), "contents"
            )
        case.withdrawn_contents = [*case.withdrawn_contents, *items]
        extra["contents"] = items
    elif action_name == "terminate":
        floor = case.suspended_on or case.accepted_on
        _check_date(case, step.on, floor, N_("bước trước"))
        try:
            case.termination_reason = TerminationReason(step.reason or "")
        except ValueError:
            raise CaseError(_("Chọn lý do đình chỉ."), "reason") from None
        if case.state == CaseState.suspended:
            case.suspended_days += (step.on - case.suspended_on).days
            case.suspended_on = None
        case.closed_on = step.on

    if to_state is not None:
        case.state = to_state
    if step.outcome and action_name == "decide":
        extra["outcome"] = step.outcome
    if action_name == "appeal" and step.round2_unit is not None:
        extra["round2_case"] = open_round2(actor, case, step.round2_unit, step.on).case_no
    record_event(case, actor, action_name, step, from_state, to_state or case.state, **extra)
    db.session.flush()
    case_deadlines.recompute_case(case)
    b, a = audit.diff(before, case_snapshot(case))
    audit.record(
        f"case.{action_name}",
        case,
        actor=actor,
        before=b,
        after=a,
        summary=f"{action.label}: {case.case_no}",
    )
    return case


def open_round2(actor, case: Case, unit, on: date) -> Case:
    """A second complaint against the round-1 decision opens a linked round-2 case."""
    new = open_case(
        actor,
        unit=unit,
        kind=case.kind,
        field=case.field,
        title=case.title,
        received_on=on,
        summary=case.summary,
        round=2,
        parent=case,
    )
    record_event(
        new,
        actor,
        "link",
        None,
        None,
        None,
        on=on,
        note=f"Khiếu nại lần hai đối với quyết định {case.decision_no} ({case.case_no})",
    )
    return new


def assign(
    actor,
    case: Case,
    *,
    unit,
    assignee,
    on: date,
    note: str = "",
    verifier_summary: str | None = None,
    expected_version=None,
):
    """A leader assigns the case to a unit and a handler of that unit.

    For a denunciation's matter the content handed on to the verifier (`verifier_summary`) is
    kept stripped of the denouncer's identity (LTC Art 47, 56): what the leader writes, with
    any name, paper, phone or address of the matter left in it masked."""
    check_acting(actor, case)
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseError(_("Vụ việc vừa được người khác cập nhật. Hãy tải lại trang."), "version")
    clock.not_after_today(on, "on")
    if not case.is_open:
        raise CaseError(_("Vụ việc đã kết thúc, không giao xử lý được nữa."))
    if unit.id != case.assigned_unit_id:  # keeping a unit dissolved since is not a new hand-off
        check_active(unit, on)
    if assignee is not None:
        if not assignee.unit.path.startswith(unit.path):
            raise CaseError(_("Người được giao phải thuộc đơn vị được giao."), "assignee_id")
        if not assignee.has_role(Role.case_handler, Role.petition_handler, Role.leader):
            raise CaseError(_("Người được giao phải có vai trò xử lý, xác minh."), "assignee_id")
    before = case_snapshot(case)
    # Through the relations, so that the case reads right before the request commits.
    case.assigned_unit, case.assigned_unit_id = unit, unit.id
    case.assignee, case.assignee_id = assignee, assignee.id if assignee else None
    if verifier_summary is not None and confidentiality.is_protected(case):
        values = confidentiality.identity_values([case])[("case_file", case.id)]
        case.verifier_summary = confidentiality.strip(verifier_summary.strip(), values)[:10000]
    record_event(
        case,
        actor,
        "assign",
        None,
        None,
        None,
        on=on,
        note=note or f"Giao {unit.name}" + (f", {assignee.full_name}" if assignee else ""),
    )
    db.session.flush()
    b, a = audit.diff(before, case_snapshot(case))
    audit.record(
        "case.assigned", case, actor=actor, before=b, after=a, summary=f"Giao xử lý {case.case_no}"
    )
    return case


def verifier_content(case: Case) -> str:
    """The content of the case as a verifier reads it: the stripped version handed on with the
    assignment, else the summary stripped of the matter's identities (core/confidentiality)."""
    if not confidentiality.is_protected(case):
        return case.summary
    values = confidentiality.identity_values([case])[("case_file", case.id)]
    return confidentiality.strip(case.verifier_summary or case.summary, values)


# The states in which the kind of a case can still be corrected, per new kind: before any
# step that exists only in one procedure (dialogue, decision, publication...).
RECLASSIFIABLE = {
    "complaint": frozenset({CaseState.received, CaseState.accepted, CaseState.verifying}),
    "denunciation": frozenset({CaseState.received, CaseState.accepted, CaseState.verifying}),
    "feedback": frozenset({CaseState.received, CaseState.accepted}),
}
KIND_WORDS = {
    "complaint": N_("khiếu nại"),
    "denunciation": N_("tố cáo"),
    "feedback": N_("kiến nghị, phản ánh"),
}


def reclassify(actor, case: Case, petition, kind, on: date) -> Case:
    """A petition of the case was classified anew (khiếu nại ↔ tố cáo ↔ kiến nghị): the case
    follows it, or the change is refused with the reason.

    The case's procedure, deadlines and the protection of the denouncer follow its kind, so a
    case may not keep a kind its petitions no longer have. It follows while the change is still
    a correction: one kind among its petitions, no second round, and no step taken that only
    one procedure has. Otherwise the handler splits the petition out first, or the leader
    decides on the case."""
    from complaints.petitions.models import Petition

    new = getattr(kind, "value", kind)
    old = case.kind.value
    if new == old:
        return case
    others = db.session.scalar(
        sa.select(sa.func.count(Petition.id)).where(
            Petition.case_id == case.id, Petition.id != petition.id
        )
    )
    if others:
        raise CaseError(
            _(
                "Đơn thuộc vụ việc %(case_no)s cùng %(others)s đơn khác là đơn %(kind)s: tách "
                "đơn này sang vụ việc riêng (Tách đơn) rồi mới đổi loại đơn.",
                case_no=case.case_no,
                others=others,
                kind=_(KIND_WORDS[old]),
            ),
            "kind",
        )
    if case.round != 1 or case.state not in RECLASSIFIABLE[new]:
        raise CaseError(
            _(
                "Vụ việc %(case_no)s đang ở trạng thái “%(state)s” theo thủ tục giải quyết "
                "%(kind)s: không đổi được sang đơn %(new)s. Lãnh đạo quyết định việc giải "
                "quyết vụ việc theo đúng loại.",
                case_no=case.case_no,
                state=case.state.label,
                kind=_(KIND_WORDS[old]),
                new=_(KIND_WORDS[new]),
            ),
            "kind",
        )
    before = case_snapshot(case) | {"kind": old}
    case.kind = PetitionKind(new)
    record_event(
        case,
        actor,
        "reclassify",
        None,
        case.state,
        case.state,
        on=on,
        note=f"Đổi loại vụ việc theo đơn {petition.register_no}: "
        f"{KIND_WORDS[old]} → {KIND_WORDS[new]}",
    )
    case_deadlines.recompute_case(case)
    refresh_search_text(case)
    b, a = audit.diff(before, case_snapshot(case) | {"kind": new})
    audit.record(
        "case.reclassified",
        case,
        actor=actor,
        before=b,
        after=a,
        summary=f"Đổi loại vụ việc {case.case_no} theo đơn {petition.register_no}",
    )
    return case


def set_flags(
    actor,
    case: Case,
    *,
    complexity: str,
    criteria: list[str],
    remote_area: bool,
    on: date,
    note: str = "",
    expected_version=None,
):
    """Record complexity (with its criteria) and the remote-area flag; deadlines follow."""
    check_acting(actor, case)
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseError(_("Vụ việc vừa được người khác cập nhật. Hãy tải lại trang."), "version")
    clock.not_after_today(on, "on")
    try:
        level = Complexity(complexity)
        chosen = sorted({ComplexityCriterion(c).value for c in criteria})
    except ValueError:
        raise CaseError(_("Mức độ phức tạp hoặc tiêu chí không hợp lệ."), "complexity") from None
    if level == Complexity.complex and not chosen:
        raise CaseError(_("Vụ việc phức tạp phải có ít nhất một tiêu chí."), "criteria")
    if level == Complexity.especially_complex and len(chosen) < 2:
        raise CaseError(_("Vụ việc đặc biệt phức tạp phải có từ hai tiêu chí trở lên."), "criteria")
    if level == Complexity.normal:
        chosen = []
    before = case_snapshot(case)
    case.complexity, case.complexity_criteria, case.remote_area = level, chosen, remote_area
    record_event(
        case,
        actor,
        "flags",
        None,
        None,
        None,
        on=on,
        note=note
        or f"Mức độ: {level.label}; vùng sâu, vùng xa: {'có' if remote_area else 'không'}",
        criteria=chosen,
    )
    db.session.flush()
    case_deadlines.recompute_case(case)
    b, a = audit.diff(before, case_snapshot(case))
    if a:
        audit.record(
            "case.flags",
            case,
            actor=actor,
            before=b,
            after=a,
            summary=f"Cập nhật mức độ phức tạp {case.case_no}",
        )
    return case


def case_petitions(case: Case) -> list:
    from complaints.petitions.models import Petition

    return list(
        db.session.scalars(
            sa.select(Petition).where(Petition.case_id == case.id).order_by(Petition.received_date)
        )
    )
