"""One row of a register, both ways: a file's cells read into checked, plain data (with every
problem named in Vietnamese), and a record written back as the cells of the same layout.

Reading and writing are kept side by side so that a file the app exported reads back into the
same records, and exporting those again gives the same file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from complaints.cases.models import CLOSED_STATES, RESOLVED_STATES, CaseState
from complaints.cases.workflow import transitions
from complaints.core import confidentiality
from complaints.core.forms import REQUIRED
from complaints.core.identity import normalise_identity
from complaints.core.vocab import PetitionKind
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import IneligibleReason, ProcessingOutcome
from complaints.petitions.processing import NEEDS_BODY, allowed_outcomes
from complaints.reception import operations as reception_ops
from complaints.reception.models import RefusalGround, SessionKind, VisitOutcome
from complaints.registers import layout as L
from complaints.registers.models import RegisterKind
from complaints.registers.reader import is_empty

MAX_SEQ = 999_999
LINE_BREAKS = re.compile(r"\r\n|\r")
_REGISTER_SHORT = re.compile(r"^(\d{1,6})(?:\s*/\s*(\d{4}))?$")
_WITH_DOC = re.compile(r"^(.*?)\s*\(số\s+(.+)\)$", re.DOTALL)
_DELEGATION_LINE = re.compile(r"^đoàn\s+\d[\d.]*\s+người", re.IGNORECASE)
REPRESENTATIVE = "(đại diện)"
ANSWERED_TEXT = "Trả lời, giải thích trực tiếp"
RECEIVED_TEXT = "Nhận đơn"
REFUSED_PREFIX = "Từ chối tiếp:"
REFUSAL_DETAIL_PREFIX = "Lý do từ chối:"
REPEAT_TEXT = "Tiếp nhiều lần"
# States an imported case may be in: it was accepted (its petitions were), and not merged.
NOT_IMPORTABLE = frozenset(
    {CaseState.received, CaseState.not_accepted, CaseState.transferred, CaseState.merged}
)
RUNNING = frozenset({CaseState.accepted, CaseState.verifying, CaseState.dialogue})
AFTER_SENT = frozenset(
    {CaseState.sent, CaseState.published, CaseState.final, CaseState.appealed, CaseState.enforced}
)


def _reachable(kind: str) -> frozenset[CaseState]:
    states = {CaseState.received}
    for a, b in transitions(kind):
        states.update((a, b))
    return frozenset(states)


REACHABLE = {k.value: _reachable(k.value) for k in PetitionKind}


# --- cell values --------------------------------------------------------------------------


def text(value) -> str:
    """A cell as text: numbers without a trailing .0, dates as dd/mm/yyyy, lines kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return LINE_BREAKS.sub("\n", value).strip()
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def lines(value) -> list[str]:
    """The lines of a cell (several senders in one cell), each trimmed; '' gives []."""
    content = text(value)
    return [x.strip() for x in content.split("\n")] if content else []


def identity_lines(value) -> list[str]:
    """Identity numbers; a number cell lost its leading zero in Excel (12-digit CCCD, 9-digit
    CMND), so it is given back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text(value)
        if len(digits) in (8, 11):
            digits = "0" + digits
        return [digits]
    return lines(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def signature(*parts) -> str:
    """A short stable digest of plain values (the same facts give the same digest)."""
    raw = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


@dataclass
class ParsedRow:
    line: int
    empty: bool = False
    data: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    key: str = ""
    unit_code: str = ""
    case_key: str | None = None
    case_sig: str | None = None

    def error(self, name: str, message: str | None) -> None:
        if message:
            self.errors.append((name, message))


class Cells:
    """The mapped cells of one row, by field name."""

    def __init__(self, values: list, mapping: dict[str, int]):
        self.values, self.mapping = values, mapping

    def raw(self, name: str):
        index = self.mapping.get(name)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def text(self, name: str) -> str:
        return text(self.raw(name))

    def is_blank(self, ignore: tuple[str, ...] = ()) -> bool:
        return all(is_empty(self.raw(n)) for n in self.mapping if n not in ignore)


def _shown(value) -> str:
    shown = text(value).replace("\n", " ")
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _date(row: ParsedRow, cells: Cells, name: str, what: str, today: date) -> date | None:
    value = cells.raw(name)
    try:
        day = L.parse_date(value)
    except L.DateError:
        hint = ""
        if isinstance(value, str) and value.strip().startswith("="):
            hint = " Ô chứa công thức: hãy dán giá trị (Paste Special → Values)."
        row.error(
            name,
            f"{what} không hợp lệ: “{_shown(value)}” (viết dd/mm/yyyy, d/m/yy, yyyy-mm-dd hoặc "
            f"dùng ô ngày của Excel).{hint}",
        )
        return None
    if day is not None and day > today:
        row.error(name, f"{what} {day:%d/%m/%Y} sau ngày hôm nay ({today:%d/%m/%Y}).")
        return None
    if day is not None and day < petition_ops.EARLIEST_RECEIVED:
        row.error(name, f"{what} {day:%d/%m/%Y} trước năm 2000: kiểm tra lại.")
        return None
    return day


def _coded(row: ParsedRow, cells: Cells, name: str, vocab: str, what: str, required=False):
    value = cells.text(name)
    if not value:
        if required:
            row.error(name, f"Thiếu {what}.")
        return None
    member = L.parse_coded(vocab, value)
    if member is None:
        accepted = sorted({m.label for m in L.VOCAB[vocab].values()})
        listed = "; ".join(accepted[:12])
        row.error(name, f"Không nhận ra {what} “{_shown(value)}”. Giá trị hợp lệ: {listed}.")
    return member


def _yes_no(row: ParsedRow, cells: Cells, name: str, what: str) -> bool | None:
    try:
        return L.parse_yes_no(cells.text(name))
    except ValueError:
        row.error(name, f"{what}: ghi “Có” hoặc “Không” (đang ghi “{_shown(cells.raw(name))}”).")
        return None


def _count(row: ParsedRow, cells: Cells, name: str, what: str) -> int | None:
    value = cells.raw(name)
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raw = text(value).replace(".", "")
    if raw.isdigit():
        return int(raw)
    hint = " Ô chứa công thức." if text(value).startswith("=") else ""
    row.error(name, f"{what} phải là số nguyên (đang ghi “{_shown(value)}”).{hint}")
    return None


def _unit(row: ParsedRow, cells: Cells, default_unit: str | None) -> None:
    code = cells.text("unit_code").upper()
    if not code:
        if not default_unit:
            row.error("unit_code", "Thiếu mã đơn vị (hoặc chọn đơn vị khi nhập).")
            return
        code = default_unit
    if len(code) > 20 or not re.fullmatch(r"[A-Z0-9_.\-]+", code):
        row.error("unit_code", f"Mã đơn vị “{_shown(code)}” không hợp lệ.")
        return
    row.unit_code = code
    row.data["unit_code"] = code
    row.data["unit_name"] = cells.text("unit_name")[:200]
    row.data["parent_code"] = cells.text("parent_code").upper()[:20]


CASE_COLUMNS = (
    "case_key",
    "case_round",
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

# --- the petition register ------------------------------------------------------------------


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
                f"Số vào sổ “{_shown(raw)}” ghi năm {m[2]} nhưng ngày nhận đơn thuộc năm {year}.",
            )
            return
    elif m := petition_ops.REGISTER_NO_RE.match(value):
        if m[1] != row.unit_code or int(m[2]) != year:
            row.error(
                "register_no",
                f"Số vào sổ “{_shown(raw)}” không khớp đơn vị {row.unit_code} và năm nhận đơn "
                f"{year} (dạng {petition_ops.format_register_no(row.unit_code, year, 42)}).",
            )
            return
        seq = int(m[3])
    else:
        row.error(
            "register_no",
            f"Số vào sổ “{_shown(raw)}” không hợp lệ: ghi số thứ tự (42) hoặc "
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
    _unit(row, cells, default_unit)
    received = _date(row, cells, "received_date", "Ngày nhận đơn", today)
    if received is None and not any(n == "received_date" for n, _ in row.errors):
        row.error("received_date", "Thiếu ngày nhận đơn.")
    parse_register_no(row, cells.text("register_no"), received)

    source = _coded(row, cells, "source", "source", "nguồn đơn", required=True)
    kind = _coded(row, cells, "kind", "kind", "loại đơn", required=True)
    the_field = _coded(row, cells, "field", "field", "lĩnh vực", required=True)
    anonymous = _yes_no(row, cells, "anonymous", "Đơn nặc danh") or False
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
    signatories = _count(row, cells, "signatory_count", "Số người ký đơn")
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
        received=_iso(received),
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
    if not row.errors:
        _parse_processing(row, cells, received, kind, anonymous, today)
    return row


def _parse_processing(row, cells, received: date, kind: PetitionKind, anonymous: bool, today):
    """The processing outcome (xử lý đơn) under the rules processing.process applies."""
    outcome = _coded(row, cells, "outcome", "outcome", "hướng xử lý")
    eligible = _yes_no(row, cells, "eligible", "Đủ điều kiện xử lý")
    competent = _yes_no(row, cells, "competent", "Thuộc thẩm quyền")
    reasons = []
    for item in lines(cells.raw("ineligible_reasons")):
        reason = L.parse_coded("ineligible_reasons", item)
        if reason is None:
            row.error("ineligible_reasons", f"Không nhận ra lý do “{_shown(item)}”.")
        else:
            reasons.append(reason.value)
    on = _date(row, cells, "outcome_date", "Ngày xử lý", today)
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
        row.data.update(processed=False, case=None)
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
    if row.errors:
        return
    row.data.update(
        processed=True,
        eligible=eligible,
        reasons=sorted(set(reasons)),
        competent=competent,
        outcome=outcome.value,
        outcome_body=body,
        outcome_doc_no=doc_no,
        outcome_date=_iso(on),
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


def _parse_case(row, cells, received: date, processed_on: date, kind: PetitionKind, today):
    """The case an accepted petition opened or joined, with where it stands."""
    key = cells.text("case_key")[:60] or None
    round_ = _count(row, cells, "case_round", "Lần giải quyết") or 1
    if round_ not in (1, 2) or (round_ == 2 and kind == PetitionKind.feedback):
        row.error("case_round", "Lần giải quyết là 1 hoặc 2 (kiến nghị, phản ánh chỉ lần 1).")
    state = _coded(row, cells, "case_state", "case_state", "trạng thái vụ việc")
    state = state or CaseState.accepted
    if kind == PetitionKind.feedback and state == CaseState.decided:
        state = CaseState.answered  # "đã giải quyết" of a feedback is its answer
    case_received = _date(row, cells, "case_received_on", "Ngày nhận vụ việc", today)
    accepted = _date(row, cells, "accepted_on", "Ngày thụ lý", today) or processed_on
    decided = _date(row, cells, "decided_on", "Ngày quyết định, kết luận", today)
    sent = _date(row, cells, "sent_on", "Ngày gửi quyết định, kết luận", today)
    suspended = _date(row, cells, "suspended_on", "Ngày tạm đình chỉ", today)
    closed = _date(row, cells, "closed_on", "Ngày kết thúc", today)
    result = _coded(row, cells, "case_outcome", "case_outcome", "kết quả giải quyết")
    reason = _coded(row, cells, "termination_reason", "termination_reason", "lý do đình chỉ")
    decision_no = cells.text("decision_no")[:64]
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
        "received_on": _iso(case_received),
        "accepted_on": _iso(accepted),
        "state": state.value,
        "decided_on": _iso(decided),
        "decision_no": decision_no,
        "result": result.value if result else None,
        "sent_on": _iso(sent),
        "suspended_on": _iso(suspended),
        "closed_on": _iso(closed),
        "termination": reason.value if reason else None,
    }
    row.data["case"] = case
    row.case_key = key
    row.case_sig = signature(kind.value, row.unit_code, case)


def petition_cells(
    p, unit_codes: dict[int, tuple[str, str, str]], *, reader=None, case_received=None
) -> list:
    """A petition (with its case) as the cells of the petition register, in layout order.

    case_received: the day the case's first petition was received, when known. It is the case's
    date of receipt, unless a petition received earlier joined the case later (a merge): then
    the earlier day, so that every petition of the case is received on or after it and the
    file reads back.

    reader: what the exporting user may read (core/confidentiality.py); none for an export
    that shows everything (the import's own checks)."""
    code, name, parent = unit_codes[p.unit_id]
    senders = list(p.senders)
    text = _text_for(reader, p)
    if reader is not None and not reader.sees(p):
        senders = [SimpleNamespace(full_name=REDACTED, address="", identity_no="", phone="")]

    def joined(attr):
        values = [getattr(s, attr) or "" for s in senders]
        return "\n".join(values) if any(values) else ""

    case = p.case
    reasons = "\n".join(IneligibleReason(r).label for r in (p.ineligible_reasons or []))
    values = {
        "unit_code": code,
        "unit_name": name,
        "register_no": p.register_no,
        "received_date": p.received_date,
        "source": p.source.label,
        "source_body": p.source_body,
        "source_doc_no": p.source_doc_no,
        "sender_name": joined("full_name"),
        "sender_address": joined("address"),
        "sender_identity": joined("identity_no"),
        "sender_phone": joined("phone"),
        "signatory_count": p.signatory_count,
        "anonymous": L.yes_no(p.anonymous),
        "kind": p.kind.label,
        "field": p.field.label,
        "summary": text(p.summary),
        "eligible": L.yes_no(p.eligible),
        "ineligible_reasons": reasons,
        "competent": L.yes_no(p.competent),
        "outcome": p.outcome.label if p.outcome else "",
        "outcome_body": p.outcome_body,
        "outcome_doc_no": p.outcome_doc_no,
        "outcome_date": p.outcome_date,
        "processing_note": text(p.processing_note),
        "parent_code": parent,
    }
    if case is not None:
        values.update(
            case_key=case.case_no,
            case_round=case.round,
            case_received_on=min(case.received_on, case_received or case.received_on),
            accepted_on=case.accepted_on,
            case_state=case.state.label,
            decided_on=case.decided_on,
            decision_no=case.decision_no,
            case_outcome=case.outcome.label if case.outcome else "",
            sent_on=case.sent_on,
            suspended_on=case.suspended_on,
            closed_on=case.closed_on,
            termination_reason=case.termination_reason.label if case.termination_reason else "",
        )
    return [values.get(c.field, "") for c in L.PETITION_COLUMNS]


REDACTED = str(confidentiality.MASK)


def _text_for(reader, record):
    """The record's free text as the exporting user may read it."""
    if reader is None:
        return lambda value: value
    return lambda value: reader.text(record, value)


# --- the reception log (Mẫu 03/TCD) ---------------------------------------------------------


def _split_person(line: str) -> tuple[str, str, bool]:
    name, _, address = line.partition(",")
    name = name.strip()
    representative = name.endswith(REPRESENTATIVE)
    if representative:
        name = name[: -len(REPRESENTATIVE)].strip()
    return name, address.strip(), representative


def _body_and_doc(value: str) -> tuple[str, str]:
    if m := _WITH_DOC.match(value):
        return m[1].strip(), m[2].strip()
    return value.strip(), ""


VISIT_FIELD_NAMES = {
    "content": "content",
    "people_count": "people_count",
    "is_delegation": "people_count",
    "persons": "persons",
    "refusal_ground": "note",
    "refusal_detail": "note",
    "outcome_body": "guided",
    "full_name": "persons",
    "identity_no": "identity",
    "phone": "persons",
}


def parse_visit(line: int, cells: Cells, *, default_unit: str | None, today: date) -> ParsedRow:
    """A row of the reception log, checked by the rules a visit is recorded under."""
    row = ParsedRow(line)
    if cells.is_blank(ignore=("stt",)):
        row.empty = True
        return row
    _unit(row, cells, default_unit)
    day = _date(row, cells, "visit_date", "Ngày tiếp", today)
    if day is None and not any(n == "visit_date" for n, _ in row.errors):
        row.error("visit_date", "Thiếu ngày tiếp.")
    kind = _coded(row, cells, "kind", "kind", "loại đơn", required=True)
    session_kind = _coded(row, cells, "session_kind", "session_kind", "hình thức tiếp")
    session_kind = session_kind or SessionKind.regular
    competent = _yes_no(row, cells, "competent", "Thuộc thẩm quyền")
    people = [x for x in lines(cells.raw("persons")) if x and not _DELEGATION_LINE.match(x)]
    identities = identity_lines(cells.raw("identity"))
    persons = []
    for i, entry in enumerate(people):
        name, address, representative = _split_person(entry)
        persons.append(
            reception_ops.PersonData(
                full_name=name,
                address=address[:255],
                identity_no=identities[i] if i < len(identities) else "",
                is_representative=representative,
            )
        )
    if len(identities) > len(people) and any(identities[len(people) :]):
        row.error("identity", "Có nhiều số giấy tờ hơn số người ghi tên ở cột họ tên, địa chỉ.")
    count = _count(row, cells, "people_count", "Số người cùng nội dung")
    count = count if count is not None else max(1, len(persons))
    delegation = count >= reception_ops.DELEGATION_MIN_PEOPLE
    if delegation and not any(p.is_representative for p in persons):
        for p in persons:  # a delegation's log names its representatives
            p.is_representative = True

    guided, transferred = cells.text("guided"), cells.text("transferred")
    note_lines = lines(cells.raw("note"))
    refusal, detail, repeat = None, "", False
    while note_lines:
        first = note_lines[0]
        if first.startswith(REFUSED_PREFIX):
            ground_text = first[len(REFUSED_PREFIX) :].strip()
            refusal = L.parse_coded("refusal_ground", ground_text)
            if refusal is None:
                refusal, detail = RefusalGround.other, detail or ground_text
        elif first.startswith(REFUSAL_DETAIL_PREFIX):
            detail = first[len(REFUSAL_DETAIL_PREFIX) :].strip()
        elif L.norm(first) == L.norm(REPEAT_TEXT):
            repeat = True
        else:
            break
        note_lines.pop(0)
    body, doc_no = "", ""
    if refusal is not None:
        outcome = VisitOutcome.refused
        if guided or transferred:
            row.error("note", "Lượt tiếp bị từ chối không có kết quả hướng dẫn hay chuyển đơn.")
    elif guided and transferred:
        row.error("transferred", "Chỉ ghi một kết quả tiếp: hướng dẫn (10) hoặc chuyển đơn (11).")
        outcome = VisitOutcome.guided
    elif transferred:
        if L.norm(transferred).startswith(L.norm(RECEIVED_TEXT)):
            outcome = VisitOutcome.petition_received
        else:
            outcome = VisitOutcome.transferred
            body, doc_no = _body_and_doc(transferred)
    elif guided and L.norm(guided) != L.norm(ANSWERED_TEXT):
        outcome = VisitOutcome.guided
        body, doc_no = _body_and_doc(guided)
    else:
        outcome = VisitOutcome.answered  # told and explained on the spot
    data = reception_ops.VisitData(
        kind=kind or PetitionKind.complaint,
        content=cells.text("content"),
        outcome=outcome,
        persons=persons,
        people_count=count,
        is_delegation=delegation,
        is_repeat=repeat,
        previous_resolver=cells.text("previous_resolver")[:255],
        competent=competent,
        outcome_body=body[:255],
        outcome_doc_no=doc_no[:64],
        refusal_ground=refusal,
        refusal_detail=detail,
        follow_up=cells.text("follow_up"),
        note="\n".join(note_lines),
    )
    reported = {n for n, _ in row.errors}
    for name, message in reception_ops.visit_problems(data):
        base = (name or "").rsplit(".", 1)[-1]
        column = VISIT_FIELD_NAMES.get(base, "persons")
        if column == "guided" and outcome == VisitOutcome.transferred:
            column = "transferred"
        if column not in reported and message:
            if name and name.startswith("persons.") and len(persons) > 1:
                message = f"Người thứ {int(name.split('.')[1]) + 1}: {message}"
            row.error(column, message)
    if row.errors:
        return row
    row.data.update(
        visit_date=_iso(day),
        session_kind=session_kind.value,
        kind=data.kind.value,
        content=data.content,
        people_count=count,
        is_delegation=delegation,
        is_repeat=repeat,
        previous_resolver=data.previous_resolver,
        competent=competent,
        outcome=outcome.value,
        outcome_body=data.outcome_body,
        outcome_doc_no=data.outcome_doc_no,
        refusal_ground=refusal.value if refusal else None,
        refusal_detail=" ".join(detail.split()),
        follow_up=data.follow_up,
        note=data.note,
        persons=[
            [
                p.full_name,
                p.address,
                normalise_identity(p.identity_no),
                p.is_representative,
            ]
            for p in persons
        ],
    )
    row.key = visit_fingerprint(row.data)
    return row


def visit_fingerprint(data: dict) -> str:
    """What makes two log rows the same visit (the import skips a visit already recorded)."""
    facts = {k: v for k, v in data.items() if k not in ("unit_name", "parent_code")}
    return signature(facts)


def visit_cells(v, unit_codes: dict[int, tuple[str, str, str]], *, reader=None) -> list:
    """A visit as the cells of the reception log (Mẫu 03/TCD), with the supplementary columns."""
    code, name, parent = unit_codes[v.unit_id]
    persons = list(v.persons)
    text = _text_for(reader, v)
    if reader is not None and not reader.sees(v):
        persons_text, identities = REDACTED, ""
    else:
        persons_text = "\n".join(
            (p.full_name + (f" {REPRESENTATIVE}" if p.is_representative else ""))
            + (f", {p.address}" if p.address else "")
            for p in persons
        )
        values = [p.identity_no or "" for p in persons]
        identities = "\n".join(values) if any(values) else ""
    guided = transferred = ""
    outcome = v.outcome
    with_doc = v.outcome_body + (f" (số {v.outcome_doc_no})" if v.outcome_doc_no else "")
    if outcome == VisitOutcome.guided:
        guided = with_doc
    elif outcome == VisitOutcome.answered:
        guided = ANSWERED_TEXT
    elif outcome == VisitOutcome.transferred:
        transferred = with_doc
    elif outcome == VisitOutcome.petition_received:
        transferred = f"{RECEIVED_TEXT}: {v.unit.name}" if v.unit else RECEIVED_TEXT
    notes = []
    if outcome == VisitOutcome.refused and v.refusal_ground is not None:
        notes.append(f"{REFUSED_PREFIX} {v.refusal_ground.label}")
        if v.refusal_detail:
            detail = " ".join(text(v.refusal_detail).split())
            notes.append(f"{REFUSAL_DETAIL_PREFIX} {detail}")
    if v.is_repeat:
        notes.append(REPEAT_TEXT)
    if v.note:
        notes.append(text(v.note))
    values = {
        "visit_date": v.visit_date,
        "persons": persons_text,
        "identity": identities,
        "content": text(v.content),
        "kind": v.kind.label,
        "people_count": v.people_count,
        "previous_resolver": text(v.previous_resolver),
        "competent": L.yes_no(v.competent),
        "guided": guided,
        "transferred": transferred,
        "follow_up": text(v.follow_up),
        "note": "\n".join(notes),
        "unit_code": code,
        "session_kind": v.session.kind.label,
        "unit_name": name,
        "parent_code": parent,
    }
    return [values.get(c.field, "") for c in L.RECEPTION_COLUMNS]


def cells_for(kind: RegisterKind) -> tuple:
    return L.COLUMNS[kind]


def field_label(kind: RegisterKind, name: str, headers: list[str], mapping: dict) -> str:
    """How a problem names its column: the file's own header when the column was mapped."""
    index = mapping.get(name)
    standard = next((c.header for c in L.COLUMNS[kind] if c.field == name), name)
    if index is not None and index < len(headers) and headers[index]:
        return headers[index]
    return standard
