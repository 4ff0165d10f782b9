"""Reading a row of the petition register (sổ đơn): the registration, the processing outcome
(xử lý đơn) and the case an accepted petition opened or joined, each checked by the rules the
app applies to them (the same messages, in Vietnamese, beside the file's column)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from complaints.cases.models import CLOSED_STATES, RESOLVED_STATES, CaseState
from complaints.cases.workflow import transitions
from complaints.core.forms import REQUIRED
from complaints.core.vocab import PetitionKind
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import PetitionSource, ProcessingOutcome
from complaints.petitions.processing import NEEDS_BODY, allowed_outcomes
from complaints.registers import layout as L
from complaints.registers.rows import (
    Cells,
    ParsedRow,
    identity_lines,
    iso,
    lines,
    read_coded,
    read_count,
    read_date,
    read_unit,
    read_yes_no,
    shown,
    signature,
)

MAX_SEQ = 999_999
_REGISTER_SHORT = re.compile(r"^(\d{1,6})(?:\s*/\s*(\d{4}))?$")
# States an imported case may be in: it was accepted (its petitions were), and not merged.
NOT_IMPORTABLE = frozenset(
    {CaseState.received, CaseState.not_accepted, CaseState.transferred, CaseState.merged}
)
AFTER_SENT = frozenset(
    {CaseState.sent, CaseState.published, CaseState.final, CaseState.appealed, CaseState.enforced}
)


def _reachable(kind: str) -> frozenset[CaseState]:
    states = {CaseState.received}
    for a, b in transitions(kind):
        states.update((a, b))
    return frozenset(states)


REACHABLE = {k.value: _reachable(k.value) for k in PetitionKind}

CASE_COLUMNS = (
    "case_key",
    "case_round",
    "case_authority",
    "case_received_on",
    "accepted_on",
    "case_state",
    "decided_on",
    "decision_no",
    "case_outcome",
    "sent_on",
    "suspended_on",
    "closed_on",
    "termination_reason",
)
NOT_COMPETENT = frozenset(
    {ProcessingOutcome.transfer, ProcessingOutcome.guide, ProcessingOutcome.urge}
)
# The hand-off to a unit of the tree (petitions/transfers.py): its unit, then what the sender
# awaits and what the receiver reported back, kept with the link when both petitions exist.
HAND_OFF = frozenset({ProcessingOutcome.transfer, ProcessingOutcome.urge})
TRANSFER_COLUMNS = ("transfer_unit", "transfer_answer_due", "transfer_result_on",
                    "transfer_result_doc_no", "transfer_result")  # fmt: skip
RESULT_MAX = 5000


def parse_register_no(row: ParsedRow, raw: str, received: date | None) -> None:
    value = raw.strip().upper()
    if not value:
        row.error("register_no", "Thiếu số vào sổ.")
        return
    if not row.unit_code or received is None:
        return
    year = received.year
    if m := _REGISTER_SHORT.match(value):
        seq = int(m[1])
        if m[2] and int(m[2]) != year:
            row.error(
                "register_no",
                f"Số vào sổ “{shown(raw)}” ghi năm {m[2]} nhưng ngày nhận đơn thuộc năm {year}.",
            )
            return
    elif m := petition_ops.REGISTER_NO_RE.match(value):
        if m[1] != row.unit_code or int(m[2]) != year:
            row.error(
                "register_no",
                f"Số vào sổ “{shown(raw)}” không khớp đơn vị {row.unit_code} và năm nhận đơn "
                f"{year} (dạng {petition_ops.format_register_no(row.unit_code, year, 42)}).",
            )
            return
        seq = int(m[3])
    else:
        row.error(
            "register_no",
            f"Số vào sổ “{shown(raw)}” không hợp lệ: ghi số thứ tự (42) hoặc "
            f"{petition_ops.format_register_no(row.unit_code, year, 42)}.",
        )
        return
    if not 1 <= seq <= MAX_SEQ:
        row.error("register_no", f"Số thứ tự vào sổ phải từ 1 đến {MAX_SEQ}.")
        return
    row.key = petition_ops.format_register_no(row.unit_code, year, seq)
    row.data.update(register_no=row.key, year=year, seq=seq)


PETITION_FIELD_NAMES = {
    "source": "source",
    "source_body": "source_body",
    "source_doc_no": "source_doc_no",
    "received_date": "received_date",
    "kind": "kind",
    "field": "field",
    "summary": "summary",
    "anonymous": "anonymous",
    "signatory_count": "signatory_count",
    "full_name": "sender_name",
    "address": "sender_address",
    "identity_no": "sender_identity",
    "phone": "sender_phone",
}


def parse_petition(line: int, cells: Cells, *, default_unit: str | None, today: date) -> ParsedRow:
    """A row of the petition register, checked by the rules registration and processing use."""
    row = ParsedRow(line)
    if cells.is_blank():
        row.empty = True
        return row
    read_unit(row, cells, default_unit)
    received = read_date(row, cells, "received_date", "Ngày nhận đơn", today)
    if received is None and not any(n == "received_date" for n, _ in row.errors):
        row.error("received_date", "Thiếu ngày nhận đơn.")
    parse_register_no(row, cells.text("register_no"), received)

    source = read_coded(row, cells, "source", "source", "nguồn đơn", required=True)
    kind = read_coded(row, cells, "kind", "kind", "loại đơn", required=True)
    the_field = read_coded(row, cells, "field", "field", "lĩnh vực", required=True)
    anonymous = read_yes_no(row, cells, "anonymous", "Đơn nặc danh") or False
    names = lines(cells.raw("sender_name"))
    columns = [
        names,
        lines(cells.raw("sender_address")),
        identity_lines(cells.raw("sender_identity")),
        lines(cells.raw("sender_phone")),
    ]
    width = max(len(c) for c in columns)
    senders = [
        petition_ops.SenderData(*[c[i] if i < len(c) else "" for c in columns])
        for i in range(width)
    ]
    senders = [s for s in senders if not s.is_blank()]
    signatories = read_count(row, cells, "signatory_count", "Số người ký đơn")
    if signatories is None:
        signatories = max(1, len(senders))
    data = petition_ops.PetitionData(
        received_date=received,
        source=source,
        kind=kind,
        field=the_field,
        summary=cells.text("summary"),
        signatory_count=signatories,
        anonymous=anonymous,
        senders=senders,
        source_body=cells.text("source_body"),
        source_doc_no=cells.text("source_doc_no"),
    )
    if received is not None:
        reported = {n for n, _ in row.errors}
        for name, message in petition_ops.petition_errors(data, today):
            base = name.rsplit("-", 1)[-1]
            column = PETITION_FIELD_NAMES.get(base, base)
            if column in reported or (column == "summary" and message == REQUIRED):
                if column == "summary" and column not in reported:
                    row.error("summary", "Thiếu tóm tắt nội dung.")
                continue
            if name.startswith("senders-") and len(senders) > 1:
                message = f"Người gửi thứ {int(name.split('-')[1]) + 1}: {message}"
            row.error(column, message)
    row.data.update(
        received=iso(received),
        source=source.value if source else None,
        source_body=data.source_body,
        source_doc_no=data.source_doc_no,
        senders=[[s.full_name, s.address, s.identity_no, s.phone] for s in senders],
        signatories=signatories,
        anonymous=anonymous,
        kind=kind.value if kind else None,
        field=the_field.value if the_field else None,
        summary=data.summary,
    )
    _parse_forwarded_from(row, cells, source)
    if not row.errors:
        _parse_processing(row, cells, received, kind, anonymous, today)
    return row


def _parse_forwarded_from(row: ParsedRow, cells: Cells, source) -> None:
    """The sender's register number on a petition a unit of the tree transferred here; the
    sender itself is looked for across rows and in the register (import_check)."""
    raw = cells.text("forwarded_from")
    number = raw.strip().upper()
    row.data["forwarded_from"] = None
    if not number:
        return
    if source is not None and source != PetitionSource.transferred:
        row.error(
            "forwarded_from",
            "Chỉ ghi số đơn của đơn vị chuyển khi nguồn đơn là "
            f"“{PetitionSource.transferred.label}”.",
        )
        return
    if not petition_ops.REGISTER_NO_RE.match(number):
        row.error(
            "forwarded_from",
            f"Số đơn của đơn vị chuyển “{shown(raw)}” không hợp lệ: ghi số vào sổ đầy đủ của "
            "đơn vị đã chuyển (ví dụ TP-2026-00012).",
        )
        return
    row.data["forwarded_from"] = number


def _parse_processing(row, cells, received: date, kind: PetitionKind, anonymous: bool, today):
    """The processing outcome (xử lý đơn) under the rules processing.process applies."""
    outcome = read_coded(row, cells, "outcome", "outcome", "hướng xử lý")
    eligible = read_yes_no(row, cells, "eligible", "Đủ điều kiện xử lý")
    competent = read_yes_no(row, cells, "competent", "Thuộc thẩm quyền")
    reasons = []
    for item in lines(cells.raw("ineligible_reasons")):
        reason = L.parse_coded("ineligible_reasons", item)
        if reason is None:
            row.error("ineligible_reasons", f"Không nhận ra lý do “{shown(item)}”.")
        else:
            reasons.append(reason.value)
    on = read_date(row, cells, "outcome_date", "Ngày xử lý", today)
    body, doc_no = cells.text("outcome_body")[:255], cells.text("outcome_doc_no")[:64]
    note = cells.text("processing_note")
    case_columns = CASE_COLUMNS
    if row.errors:
        return
    if outcome is None:
        classified = ("eligible", "competent", "ineligible_reasons", "outcome_date")
        given = [n for n in classified if cells.text(n)]
        if given:
            row.error(
                given[0],
                "Đã ghi kết quả phân loại, xử lý nhưng chưa ghi hướng xử lý (cột “Hướng xử lý”).",
            )
        for name in case_columns:
            if cells.text(name):
                row.error(name, "Chỉ ghi thông tin vụ việc cho đơn đã thụ lý.")
                break
        for name in TRANSFER_COLUMNS:
            if cells.text(name):
                row.error(name, "Chỉ ghi việc chuyển đơn cho đơn đã chuyển hoặc đôn đốc.")
                break
        row.data.update(processed=False, case=None, transfer=None)
        return
    # What the register leaves blank follows from the outcome, when only one answer fits.
    if eligible is None:
        eligible = not reasons
    if competent is None and eligible:
        if outcome == ProcessingOutcome.accept:
            competent = True
        elif outcome in NOT_COMPETENT:
            competent = False
        else:
            row.error("competent", "Ghi đơn có thuộc thẩm quyền hay không (Có/Không).")
            return
    if on is None:
        row.error("outcome_date", "Đơn đã xử lý: ghi ngày xử lý.")
        return
    if on < received:
        row.error("outcome_date", f"Ngày xử lý trước ngày nhận đơn ({received:%d/%m/%Y}).")
    if not eligible and not reasons:
        row.error("ineligible_reasons", "Đơn không đủ điều kiện: ghi ít nhất một lý do.")
    if eligible and reasons:
        row.error("ineligible_reasons", "Đơn đủ điều kiện xử lý không có lý do không đủ điều kiện.")
    petition = SimpleNamespace(anonymous=anonymous, kind=kind)
    allowed = allowed_outcomes(petition, eligible, competent)
    if outcome not in allowed:
        labels = ", ".join(o.label for o in allowed)
        row.error("outcome", f"Với phân loại đã ghi, hướng xử lý chỉ có thể là: {labels}.")
    if outcome in NEEDS_BODY and not body:
        row.error("outcome_body", "Ghi cơ quan, đơn vị nhận (chuyển, hướng dẫn, đôn đốc).")
    if outcome in (ProcessingOutcome.accept, ProcessingOutcome.transfer) and not doc_no:
        row.error("outcome_doc_no", "Ghi số văn bản (thông báo thụ lý, phiếu chuyển).")
    transfer = _parse_transfer(row, cells, outcome, on, today)
    if row.errors:
        return
    row.data.update(
        processed=True,
        transfer=transfer,
        eligible=eligible,
        reasons=sorted(set(reasons)),
        competent=competent,
        outcome=outcome.value,
        outcome_body=body,
        outcome_doc_no=doc_no,
        outcome_date=iso(on),
        note=note,
        case=None,
    )
    if outcome == ProcessingOutcome.accept:
        _parse_case(row, cells, received, on, kind, today)
    else:
        for name in case_columns:
            if cells.text(name):
                row.error(name, "Chỉ ghi thông tin vụ việc cho đơn đã thụ lý.")
                break


def _parse_transfer(row, cells, outcome: ProcessingOutcome, on: date, today) -> dict | None:
    """The unit of the tree the petition was handed to, the answer awaited and the result
    reported back (the checks transfers.send and report_result apply). The unit's code is
    checked against the units in import_check (a unit of the same tree)."""
    code = cells.text("transfer_unit").strip().upper()[:20]
    # a deadline may be after today
    due = read_date(row, cells, "transfer_answer_due", "Hạn báo cáo kết quả", date.max)
    result_on = read_date(row, cells, "transfer_result_on", "Ngày báo cáo kết quả", today)
    result_doc_no = cells.text("transfer_result_doc_no")
    result = cells.text("transfer_result")
    if not code:
        for name in TRANSFER_COLUMNS[1:]:
            if cells.text(name):
                row.error(
                    name,
                    "Hạn và kết quả báo cáo chỉ ghi cho đơn chuyển đến đơn vị trong hệ thống: ghi "
                    "mã đơn vị nhận (cột “Chuyển đến đơn vị trong hệ thống”).",
                )
                break
        return None
    if outcome not in HAND_OFF:
        row.error(
            "transfer_unit",
            "Chỉ ghi đơn vị nhận trong hệ thống khi hướng xử lý là Chuyển đơn hoặc Đôn đốc.",
        )
        return None
    if due is not None and due <= on:
        row.error(
            "transfer_answer_due", f"Hạn báo cáo kết quả phải sau ngày xử lý ({on:%d/%m/%Y})."
        )
    if result_on is not None and result_on < on:
        row.error(
            "transfer_result_on",
            f"Ngày báo cáo kết quả không được trước ngày chuyển đơn ({on:%d/%m/%Y}).",
        )
    if result_on is None and (result or result_doc_no):
        row.error("transfer_result_on", "Đơn vị nhận đã báo cáo kết quả: ghi ngày báo cáo.")
    if result_on is not None and not result:
        row.error("transfer_result", "Ghi kết quả đơn vị nhận báo cáo.")
    if len(result) > RESULT_MAX:
        row.error("transfer_result", f"Kết quả dài quá {RESULT_MAX} ký tự.")
    if len(result_doc_no) > 64:
        row.error("transfer_result_doc_no", "Số văn bản dài quá 64 ký tự.")
    return {
        "unit": code,
        "answer_due": iso(due),
        "result_on": iso(result_on),
        "result_doc_no": result_doc_no,
        "result": result,
    }


def _parse_case(row, cells, received: date, processed_on: date, kind: PetitionKind, today):
    """The case an accepted petition opened or joined, with where it stands."""
    key = cells.text("case_key")[:60] or None
    round_ = read_count(row, cells, "case_round", "Lần giải quyết") or 1
    if round_ not in (1, 2) or (round_ == 2 and kind == PetitionKind.feedback):
        row.error("case_round", "Lần giải quyết là 1 hoặc 2 (kiến nghị, phản ánh chỉ lần 1).")
    state = read_coded(row, cells, "case_state", "case_state", "trạng thái vụ việc")
    state = state or CaseState.accepted
    if kind == PetitionKind.feedback and state == CaseState.decided:
        state = CaseState.answered  # "đã giải quyết" of a feedback is its answer
    case_received = read_date(row, cells, "case_received_on", "Ngày nhận vụ việc", today)
    accepted = read_date(row, cells, "accepted_on", "Ngày thụ lý", today) or processed_on
    decided = read_date(row, cells, "decided_on", "Ngày quyết định, kết luận", today)
    sent = read_date(row, cells, "sent_on", "Ngày gửi quyết định, kết luận", today)
    suspended = read_date(row, cells, "suspended_on", "Ngày tạm đình chỉ", today)
    closed = read_date(row, cells, "closed_on", "Ngày kết thúc", today)
    result = read_coded(row, cells, "case_outcome", "case_outcome", "kết quả giải quyết")
    reason = read_coded(row, cells, "termination_reason", "termination_reason", "lý do đình chỉ")
    decision_no = cells.text("decision_no")[:64]
    # checked against the units in import_check (same tree); empty: the default authority
    authority = cells.text("case_authority").strip().upper()[:20] or None
    if row.errors:
        return
    if state in NOT_IMPORTABLE or state not in REACHABLE[kind.value]:
        row.error(
            "case_state",
            f"Vụ việc {kind.label.lower()} đã thụ lý không thể ở trạng thái “{state.label}”.",
        )
        return
    # The case's date of receipt: its first petition's, which may be in an earlier register
    # (the column), or else the earliest of its petitions in the file (checked across rows).
    if case_received is not None:
        if received < case_received:
            row.error(
                "case_received_on",
                f"Ngày nhận vụ việc {case_received:%d/%m/%Y} sau ngày nhận đơn của dòng này "
                f"({received:%d/%m/%Y}): ngày nhận vụ việc là ngày nhận đơn đầu tiên của vụ việc.",
            )
        elif accepted < case_received:
            row.error(
                "accepted_on",
                f"Ngày thụ lý {accepted:%d/%m/%Y} trước ngày nhận vụ việc "
                f"({case_received:%d/%m/%Y}).",
            )
    elif key is None and accepted < received:
        row.error("accepted_on", f"Ngày thụ lý trước ngày nhận đơn ({received:%d/%m/%Y}).")
    decided_states = RESOLVED_STATES - {CaseState.answered}
    if state in decided_states:
        if decided is None:
            row.error("decided_on", f"Vụ việc “{state.label}”: ghi ngày quyết định, kết luận.")
        if result is None:
            row.error("case_outcome", "Ghi kết quả giải quyết: Đúng, Đúng một phần hoặc Sai.")
        if not decision_no:
            row.error("decision_no", "Ghi số quyết định, kết luận.")
    elif state == CaseState.answered:
        if decided is None:
            row.error("decided_on", "Kiến nghị, phản ánh đã trả lời: ghi ngày trả lời.")
        if result is not None:
            row.error("case_outcome", "Kiến nghị, phản ánh không có kết quả đúng/sai.")
    else:
        for name, value in (("decided_on", decided), ("case_outcome", result)):
            if value is not None:
                row.error(name, f"Vụ việc “{state.label}” chưa có quyết định, kết luận.")
        if decision_no:
            row.error("decision_no", f"Vụ việc “{state.label}” chưa có quyết định, kết luận.")
    if decided is not None and decided < accepted:
        row.error(
            "decided_on", f"Ngày quyết định, kết luận trước ngày thụ lý ({accepted:%d/%m/%Y})."
        )
    if state in AFTER_SENT:
        sent = sent or decided
        if sent and decided and sent < decided:
            row.error("sent_on", "Ngày gửi trước ngày quyết định, kết luận.")
    elif sent is not None:
        row.error("sent_on", f"Vụ việc “{state.label}” chưa gửi quyết định, kết luận.")
    if state == CaseState.suspended:
        if suspended is None:
            row.error("suspended_on", "Vụ việc tạm đình chỉ: ghi ngày tạm đình chỉ.")
        elif suspended < accepted:
            row.error("suspended_on", "Ngày tạm đình chỉ trước ngày thụ lý.")
    elif suspended is not None:
        row.error("suspended_on", "Chỉ ghi ngày tạm đình chỉ khi vụ việc đang tạm đình chỉ.")
    if state == CaseState.terminated:
        if reason is None:
            row.error("termination_reason", "Vụ việc bị đình chỉ: ghi lý do đình chỉ.")
        if closed is None:
            row.error("closed_on", "Vụ việc bị đình chỉ: ghi ngày đình chỉ (ngày kết thúc).")
    elif reason is not None:
        row.error("termination_reason", "Chỉ ghi lý do đình chỉ khi vụ việc bị đình chỉ.")
    if state in CLOSED_STATES and state != CaseState.terminated:
        closed = closed or sent or decided
    elif state not in CLOSED_STATES and closed is not None:
        row.error("closed_on", f"Vụ việc “{state.label}” chưa kết thúc.")
    if closed is not None and closed < accepted:
        row.error("closed_on", "Ngày kết thúc trước ngày thụ lý.")
    case = {
        "key": key,
        "round": round_,
        "authority": authority,
        "received_on": iso(case_received),
        "accepted_on": iso(accepted),
        "state": state.value,
        "decided_on": iso(decided),
        "decision_no": decision_no,
        "result": result.value if result else None,
        "sent_on": iso(sent),
        "suspended_on": iso(suspended),
        "closed_on": iso(closed),
        "termination": reason.value if reason else None,
    }
    row.data["case"] = case
    row.case_key = key
    row.case_sig = signature(kind.value, row.unit_code, case)
