"""Use cases of the petition register (sổ đơn): register, edit, attach scans, search, and the
record of who looked at a protected denouncer's identity."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from complaints.citizen import codes as receipt_codes
from complaints.core import audit, clock, confidentiality, maintenance, search_index
from complaints.core import db as core_db
from complaints.core.access import in_scope, scope_forms, unit_in_scope
from complaints.core.db import utcnow
from complaints.core.errors import OperationError
from complaints.core.forms import REQUIRED
from complaints.core.identity import DIGIT_LENGTHS, identity_problem, normalise_identity
from complaints.core.numbering import increment
from complaints.core.numbers import fmt_date, fmt_int
from complaints.core.text import escape_like, fold, like_pattern
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions import storage
from complaints.petitions.models import (
    FORWARDED_SOURCES,
    Attachment,
    Petition,
    PetitionSender,
    PetitionSource,
    PetitionStatus,
    RegisterCounter,
)
from complaints.reception.models import Visit
from complaints.units.models import Unit

EARLIEST_RECEIVED = date(2000, 1, 1)
MAX_SIGNATORIES = 100_000
SUMMARY_MAX = 10_000
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{5,19}$")
_TYPED_IDENTITY = re.compile(r"[0-9a-z]{6,20}")
REGISTER_NO_RE = re.compile(r"^([A-Z0-9]+)-(\d{4})-(\d{1,6})$")
PETITION_FIELDS = (
    "register_no",
    "unit_id",
    "received_date",
    "source",
    "source_body",
    "source_doc_no",
    "visit_id",
    "kind",
    "field",
    "summary",
    "signatory_count",
    "anonymous",
)
STALE_MESSAGE = N_(
    "Đơn này vừa được người khác sửa sau khi bạn mở trang. Chưa có gì được lưu: "
    "hãy tải lại trang để xem bản mới nhất rồi sửa lại."
)


class PetitionError(OperationError):
    """A registration or edit the rules refuse; `field` names the form field it belongs to."""


@dataclass
class SenderData:
    full_name: str = ""
    address: str = ""
    identity_no: str = ""
    phone: str = ""

    def __post_init__(self):
        self.full_name = (self.full_name or "").strip()
        self.address = (self.address or "").strip()
        self.identity_no = normalise_identity(self.identity_no)
        self.phone = (self.phone or "").strip()

    def is_blank(self) -> bool:
        return not (self.full_name or self.address or self.identity_no or self.phone)


@dataclass
class PetitionData:
    """What a petition says, as plain data (from the form, the API or an import)."""

    received_date: date | None
    source: PetitionSource | str | None
    kind: PetitionKind | str | None
    field: Field | str | None
    summary: str
    signatory_count: int | None = 1
    anonymous: bool = False
    senders: list[SenderData] = field(default_factory=list)
    source_body: str = ""
    source_doc_no: str = ""
    unit: Unit | None = None  # registration only: the number carries the unit, it never moves
    visit: Visit | None = None  # registration only
    register_no: str = ""  # registration only: typed when copying the paper register


def _enum(cls, value):
    try:
        return cls(value)
    except (ValueError, TypeError):
        return None


def format_register_no(unit_code: str, year: int, seq: int) -> str:
    """The stable identifier of a petition: unit code + year + running number."""
    return f"{unit_code}-{year}-{seq:05d}"


# --- rules: each returns the message for the user, or None; forms and operations share them --


def source_body_error(source, body: str | None) -> str | None:
    body = (body or "").strip()
    if _enum(PetitionSource, source) in FORWARDED_SOURCES and not body:
        return _("Đơn được chuyển đến: nhập tên cơ quan, tổ chức hoặc lãnh đạo đã chuyển đơn.")
    if len(body) > 255:
        return _("Tên cơ quan chuyển đơn dài quá 255 ký tự.")
    return None


def source_doc_no_error(source, doc_no: str | None) -> str | None:
    doc_no = (doc_no or "").strip()
    if _enum(PetitionSource, source) in FORWARDED_SOURCES and not doc_no:
        return _("Đơn được chuyển đến: nhập số văn bản hoặc phiếu chuyển đơn.")
    if len(doc_no) > 64:
        return _("Số văn bản chuyển đơn dài quá 64 ký tự.")
    return None


def received_date_error(value: date | None, today: date) -> str | None:
    if value is None:
        return REQUIRED
    if value > today:
        return _("Ngày nhận đơn không được sau ngày hôm nay (%(today)s).", today=fmt_date(today))
    if value < EARLIEST_RECEIVED:
        return _(
            "Ngày nhận đơn không hợp lệ: trước %(earliest)s.", earliest=fmt_date(EARLIEST_RECEIVED)
        )
    return None


def sender_name_error(sender: SenderData) -> str | None:
    if not sender.is_blank() and not sender.full_name:
        return _("Nhập họ tên người gửi của dòng này (hoặc xóa các thông tin khác của dòng).")
    if len(sender.full_name) > 120:
        return _("Họ tên dài quá 120 ký tự.")
    return None


def sender_address_error(sender: SenderData) -> str | None:
    return _("Địa chỉ dài quá 255 ký tự.") if len(sender.address) > 255 else None


def identity_error(value: str | None) -> str | None:
    """The reception's rule (core.identity): 6-20 letters or digits, 9 or 12 when all digits."""
    value = normalise_identity(value)
    return identity_problem(value) if value else None


def phone_error(value: str | None) -> str | None:
    value = (value or "").strip()
    if value and not PHONE_RE.match(value):
        return _("Số điện thoại chỉ gồm chữ số (có thể có dấu +, dấu cách), 6–20 ký tự.")
    return None


def senders_error(senders: Sequence[SenderData], anonymous: bool) -> str | None:
    if not anonymous and not [s for s in senders if not s.is_blank()]:
        return _("Nhập ít nhất một người gửi đơn, hoặc đánh dấu đây là đơn nặc danh.")
    return None


def signatory_error(count: int | None, senders: Sequence[SenderData]) -> str | None:
    if count is None:
        return REQUIRED
    if count < 1:
        return _("Số người ký đơn phải từ 1 trở lên.")
    if count > MAX_SIGNATORIES:
        return _(
            "Số người ký đơn quá lớn (tối đa %(MAX_SIGNATORIES)s).",
            MAX_SIGNATORIES=fmt_int(MAX_SIGNATORIES),
        )
    filled = len([s for s in senders if not s.is_blank()])
    if count < filled:
        return _(
            "Số người ký đơn (%(count)s) không được ít hơn số người gửi đã nhập (%(filled)s).",
            count=count,
            filled=filled,
        )
    return None


def visit_source_error(visit: Visit | None, source) -> str | None:
    if visit is not None and _enum(PetitionSource, source) != PetitionSource.reception:
        return _(
            "Đơn nhận tại lượt tiếp công dân: nguồn đơn phải là “%(label)s”.",
            label=PetitionSource.reception.label,
        )
    return None


def parse_register_no(value: str, unit: Unit, received: date) -> tuple[str, int]:
    """A typed register number (copied from the paper register), checked and normalised."""
    match = REGISTER_NO_RE.match((value or "").strip().upper())
    year = received.year
    if not match or match[1] != unit.code or int(match[2]) != year or int(match[3]) < 1:
        raise PetitionError(
            _(
                "Số vào sổ phải có dạng %(code)s: mã đơn vị vào sổ, năm nhận đơn và số thứ tự.",
                code=format_register_no(unit.code, year, 42),
            ),
            "register_no",
        )
    seq = int(match[3])
    return format_register_no(unit.code, year, seq), seq


def petition_errors(data: PetitionData, today: date) -> list[tuple[str, str]]:
    """Every rule the data breaks, as (form field, message)."""
    errors: list[tuple[str, str]] = []

    def add(name: str, message: str | None) -> None:
        if message:
            errors.append((name, message))

    if _enum(PetitionSource, data.source) is None:
        add("source", _("Chọn nguồn đơn."))
    add("source_body", source_body_error(data.source, data.source_body))
    add("source_doc_no", source_doc_no_error(data.source, data.source_doc_no))
    add("source", visit_source_error(data.visit, data.source))
    add("received_date", received_date_error(data.received_date, today))
    if _enum(PetitionKind, data.kind) is None:
        add("kind", _("Chọn loại đơn."))
    if _enum(Field, data.field) is None:
        add("field", _("Chọn lĩnh vực."))
    summary = (data.summary or "").strip()
    if not summary:
        add("summary", REQUIRED)
    elif len(summary) > SUMMARY_MAX:
        add(
            "summary", _("Tóm tắt nội dung dài quá %(SUMMARY_MAX)s ký tự.", SUMMARY_MAX=SUMMARY_MAX)
        )
    for i, sender in enumerate(data.senders):
        add(f"senders-{i}-full_name", sender_name_error(sender))
        add(f"senders-{i}-address", sender_address_error(sender))
        add(f"senders-{i}-identity_no", identity_error(sender.identity_no))
        add(f"senders-{i}-phone", phone_error(sender.phone))
    add("anonymous", senders_error(data.senders, data.anonymous))
    add("signatory_count", signatory_error(data.signatory_count, data.senders))
    return errors


def _check(data: PetitionData, today: date) -> None:
    errors = petition_errors(data, today)
    if errors:
        name, message = errors[0]
        raise PetitionError(message, name, errors)


def check_files(files: Iterable[storage.IncomingFile]) -> list[storage.CheckedFile]:
    """Check every file; all problems are reported at once, beside the file field."""
    checked, problems = [], []
    for incoming in files:
        try:
            checked.append(storage.check_file(incoming))
        except storage.AttachmentError as e:
            problems.append(("files", str(e)))
    if problems:
        raise PetitionError(problems[0][1], "files", problems)
    return checked


# --- numbering ---------------------------------------------------------------------------


def next_register_seq(unit_id: int, year: int) -> int:
    """Take the next running number of a unit's register for a year, in this transaction.

    The counter row is created if missing, then incremented with UPDATE ... RETURNING: the
    update locks the row until commit (PostgreSQL; SQLite holds the database write lock since
    BEGIN IMMEDIATE), so two registrations never get the same number, and a rollback gives the
    number back. Numbers already taken by a typed-in register number are stepped over.
    """
    while True:
        seq = increment(RegisterCounter.__table__, {"unit_id": unit_id, "year": year}, "last_seq")
        taken = db.session.scalar(
            sa.select(Petition.id).where(
                Petition.unit_id == unit_id,
                Petition.register_year == year,
                Petition.register_seq == seq,
            )
        )
        if taken is None:
            return seq


def _is_register_clash(error: IntegrityError) -> bool:
    text = str(error.orig)
    return "register_no" in text or "register_seq" in text


def _clash_message(register_no: str) -> str:
    return _(
        "Số vào sổ %(register_no)s đã có trong sổ đơn. Kiểm tra lại số đã nhập, hoặc để "
        "trống ô này để hệ thống tự cấp số tiếp theo.",
        register_no=register_no,
    )


# --- writing -----------------------------------------------------------------------------


def unused_receipt_code() -> str:
    """A receipt code (mã tra cứu) no petition has yet; the column is unique in any case."""
    while True:
        code = receipt_codes.new_code()
        if db.session.scalar(sa.select(Petition.id).where(Petition.receipt_code == code)) is None:
            return code


def unused_receipt_codes(count: int) -> list[str]:
    """`count` distinct receipt codes no petition has yet (one query per 500: a writer of many
    petitions, the register import's batch, takes them as a block)."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {receipt_codes.new_code() for _ in range(count - len(codes))} - codes
        for start in range(0, len(fresh), 500):
            chunk = sorted(fresh)[start : start + 500]
            fresh -= set(
                db.session.scalars(
                    sa.select(Petition.receipt_code).where(Petition.receipt_code.in_(chunk))
                )
            )
        codes |= fresh
    return sorted(codes)


def refresh_search_text(petition: Petition, matter: list[str] | None = None) -> None:
    """Fill the folded search columns (diacritics and case removed) from the petition's facts.

    The public column, all that may be matched on a denunciation by who may not see the
    denouncer, holds no sender and no identity value of the matter typed into the free text
    (core/confidentiality.py)."""
    values = []
    if petition.visit is not None:
        values += [
            x
            for p in petition.visit.persons
            for x in (p.full_name, p.identity_no, p.address, p.phone)
        ]
    if matter is not None:
        values += matter
    elif petition.id is not None and (petition.case_id is not None or petition.visit_id):
        values += confidentiality.matter_values([petition])[("petition", petition.id)]
    petition.public_search_text, petition.search_text = search_texts(
        petition.register_no,
        petition.receipt_code,
        petition.source_body,
        petition.source_doc_no,
        petition.summary,
        [(s.full_name, s.identity_no, s.address, s.phone) for s in petition.senders],
        values,
    )


def search_texts(
    register_no: str,
    receipt_code: str | None,
    source_body: str,
    source_doc_no: str,
    summary: str,
    senders: Sequence[tuple[str, str, str, str]],
    matter: Sequence[str] = (),
) -> tuple[str, str]:
    """The petition's public and full search texts from its values (senders as (name,
    identity, address, phone)) and the other identity values of its matter (`matter`): the
    rule of refresh_search_text, over plain values for a writer that holds no record (the
    register import's batch)."""
    public = [register_no, source_body, source_doc_no, summary]
    if receipt_code:  # found by the code a citizen reads out, typed with or without dashes
        public[1:1] = [receipt_code, receipt_codes.display(receipt_code)]
    people = [x for name, identity, address, _phone in senders for x in (name, identity, address)]
    values = people + [phone for *_rest, phone in senders] + list(matter)
    shown = [x for x in public if x]
    pattern = confidentiality.pattern_for((v for v in values if v), within=" | ".join(shown))
    return (
        fold(" | ".join(confidentiality.strip(x, pattern, mask=" ") for x in shown)),
        fold(" | ".join(x for x in public + people if x)),
    )


def refresh_matter_texts(petition: Petition) -> None:
    """The search texts of the petition and of the petitions it shares a matter with (its
    case's, its visit's): their public text is stripped of every identity of the matter."""
    refresh_search_text(petition)
    if petition.case is not None:
        from complaints.cases import operations as case_ops

        case_ops.refresh_search_text(petition.case)  # its petitions too
    if petition.visit_id is not None:
        for other in db.session.scalars(
            sa.select(Petition).where(
                Petition.visit_id == petition.visit_id, Petition.id != petition.id
            )
        ):
            refresh_search_text(other)


def _snapshot(petition: Petition) -> dict:
    """What the audit log keeps of a petition (snapshot_of)."""
    return snapshot_of(
        {name: getattr(petition, name) for name in PETITION_FIELDS},
        [{key: getattr(s, key) for key in SENDER_SNAPSHOT} for s in petition.senders],
        confidentiality.is_protected(petition),
    )


# A sender's values the audit log keeps, in its order.
SENDER_SNAPSHOT = ("full_name", "address", "identity_no", "phone")


def snapshot_of(values: dict, senders: Sequence[Mapping], hide: bool) -> dict:
    """What the audit log keeps of a petition, from its values (PETITION_FIELDS) and its
    senders' (mappings of their columns): a denouncer's identity (`hide`) stays out of it
    (the log is read by administrators), only whether it changed."""
    data = {name: audit.jsonable(values[name]) for name in PETITION_FIELDS}
    mask = str(confidentiality.MASK)
    data["senders"] = [
        {key: (mask if hide and s[key] else s[key]) for key in SENDER_SNAPSHOT} for s in senders
    ]
    if hide:  # only the values the summary can hold are compiled (the same stripped text)
        summary = data.get("summary")
        identities = [v for s in senders for v in _identity_of(s)]
        pattern = confidentiality.pattern_for(identities, within=summary or "")
        data["summary"] = confidentiality.strip(summary, pattern)
    return data


def _identity_of(sender: Mapping) -> list[str]:
    """A sender's identity values a denunciation's texts are stripped of, in their order."""
    return [v for v in (sender["full_name"], sender["identity_no"], sender["address"],
                        sender["phone"]) if v]  # fmt: skip


MASKED_CHANGE = "đã sửa thông tin người gửi (được bảo mật)"


def _sender_values(petition: Petition) -> list[str]:
    return [
        v
        for s in petition.senders
        for v in _identity_of({key: getattr(s, key) for key in SENDER_SNAPSHOT})
    ]


def petition_values(data: PetitionData, was: PetitionKind | None = None):
    """What a registration or an edit stores from checked data: the petition's column values
    and its senders' (in their order, the blank ones left out). A forwarded petition alone
    keeps a forwarding body and letter; once a denunciation (`was`: its kind before), always
    protected. For the ORM writer (_apply) and a writer of many petitions that inserts them
    itself (the register import's batch, registration_row)."""
    source = PetitionSource(data.source)
    forwarded = source in FORWARDED_SOURCES
    kind = PetitionKind(data.kind)
    values = {
        "received_date": data.received_date,
        "source": source,
        "source_body": (data.source_body or "").strip() if forwarded else "",
        "source_doc_no": (data.source_doc_no or "").strip() if forwarded else "",
        "kind": kind,
        "field": Field(data.field),
        "summary": data.summary.strip(),
        "signatory_count": int(data.signatory_count),
        "anonymous": bool(data.anonymous),
    }
    if PetitionKind.denunciation in (was, kind):
        values["denounced"] = True  # once a denunciation, always protected
    senders = [
        {
            "position": position,
            "full_name": sender.full_name,
            "address": sender.address,
            "identity_no": sender.identity_no,
            "phone": sender.phone,
        }
        for position, sender in enumerate(s for s in data.senders if not s.is_blank())
    ]
    return values, senders


def _apply(petition: Petition, data: PetitionData) -> None:
    values, senders = petition_values(data, petition.kind)
    for name, value in values.items():
        setattr(petition, name, value)
    existing = list(petition.senders)
    for position, sender in enumerate(senders):
        row = existing[position] if position < len(existing) else PetitionSender()
        for name, value in sender.items():
            setattr(row, name, value)
        if position >= len(existing):
            petition.senders.append(row)
    for row in existing[len(senders) :]:
        petition.senders.remove(row)


def _attach(actor, petition: Petition, files: list[storage.CheckedFile]) -> list[Attachment]:
    rows = []
    for f in files:
        row = Attachment(
            unit_id=petition.unit_id,
            filename=f.filename,
            file_type=f.file_type,
            mime_type=f.mime_type,
            size=f.size,
            sha256=f.sha256,
            storage_key=storage.new_key(),
            uploaded_by_id=getattr(actor, "id", None),
        )
        petition.attachments.append(row)
        rows.append(row)
    return rows


def _store(actor, petition: Petition, rows: list[Attachment], files) -> None:
    """Write the checked files (only now, after every check and insert) and audit each."""
    for row, f in zip(rows, files, strict=True):
        storage.write(db.session, row.storage_key, f.data)
        audit.record(
            "attachment.added",
            row,
            actor=actor,
            unit_id=petition.unit_id,
            after={
                "petition_id": petition.id,
                "filename": row.filename,
                "file_type": row.file_type,
                "size": row.size,
                "sha256": row.sha256,
            },
            summary=f"Đính kèm tệp vào đơn {petition.register_no}",
        )


def register_petition(
    actor,
    data: PetitionData,
    files: Sequence[storage.IncomingFile] = (),
    *,
    today: date | None = None,
    check_scope: bool = True,
    denounced: bool = False,
) -> Petition:
    """Enter a petition in its unit's register with the next number of the year (vào sổ đơn).

    `check_scope=False`: a transfer inside the system registers it at a unit of the tree the
    sender does not oversee (petitions/transfers.py checked the target); `denounced`: its
    matter is a denunciation's though its kind is not (a protected petition's copy).
    A writer of many petitions that inserts them itself (the register import) uses
    registration_row: the same checks, values, texts and audit event."""
    today = today or clock.today()
    unit = _registration_check(actor, data, today, check_scope)
    checked = check_files(files)
    year = data.received_date.year
    manual = None
    if data.register_no:
        manual = parse_register_no(data.register_no, unit, data.received_date)

    petition = Petition(
        unit_id=unit.id,
        unit=unit,
        register_year=year,
        visit=data.visit,
        status=PetitionStatus.registered,
        created_by_id=getattr(actor, "id", None),
        receipt_code=unused_receipt_code(),
    )
    _apply(petition, data)
    if denounced:
        petition.denounced = True
    rows = _insert(actor, petition, unit, manual, year, checked)
    audit.record(
        "petition.registered",
        petition,
        actor=actor,
        after=_snapshot(petition),
        summary=f"Vào sổ đơn {petition.register_no}",
    )
    _store(actor, petition, rows, checked)
    db.session.flush()
    return petition


def _registration_check(actor, data: PetitionData, today: date, check_scope: bool) -> Unit:
    """What a registration checks before it writes (PetitionError): its unit, in the actor's
    scope, its visit's, and every rule of petition_errors. Returns the unit."""
    unit = data.unit
    if unit is None:
        raise PetitionError(_("Chọn đơn vị vào sổ."), "unit_id")
    if check_scope and actor is not None and not unit_in_scope(actor, unit):
        raise PetitionError(_("Đơn vị này không thuộc phạm vi của bạn."), "unit_id")
    if (
        data.visit is not None
        and actor is not None
        and not any(unit_in_scope(actor, u) for u in data.visit.scope_units())
    ):
        raise PetitionError(_("Lượt tiếp không thuộc đơn vị của bạn."))
    _check(data, today)
    return unit


def registration_row(
    actor,
    data: PetitionData,
    *,
    today: date,
    receipt_code: str,
    petition_id: int,
    search_text: bool = True,
) -> tuple[dict, list[dict]]:
    """register_petition for a writer of many petitions that inserts them itself, one
    statement per table for many (the register import's batch): a typed register number the
    writer found free, an id of its core/db.IdBlock, a receipt code of unused_receipt_codes,
    no visit, no files. The same checks, values, search texts and audit event as
    register_petition; returned are the petition's row (every column, defaults included) and
    its senders' rows, to insert. `search_text=False`: the writer fills the texts itself
    once the petition joined its case (cases.operations.refresh_search_texts)."""
    unit = _registration_check(actor, data, today, True)
    if data.visit is not None or not data.register_no:
        raise ValueError("registration_row: a typed number and no visit")
    register_no, seq = parse_register_no(data.register_no, unit, data.received_date)
    values, senders = petition_values(data)
    row = {
        "id": petition_id,
        "unit_id": unit.id,
        "register_year": data.received_date.year,
        "register_seq": seq,
        "register_no": register_no,
        "receipt_code": receipt_code,
        "visit_id": None,
        "status": PetitionStatus.registered,
        "created_by_id": getattr(actor, "id", None),
        **values,
    }
    people = [(s["full_name"], s["identity_no"], s["address"], s["phone"]) for s in senders]
    if search_text:
        row["public_search_text"], row["search_text"] = search_texts(
            register_no, receipt_code, row["source_body"], row["source_doc_no"], row["summary"],
            people,
        )  # fmt: skip
    else:
        row["search_text"] = row["public_search_text"] = ""
    table = Petition.__table__
    core_db.with_defaults(table, row)
    hide = confidentiality.new_record_protected(row["kind"], row["denounced"])
    audit.record(
        "petition.registered",
        actor=actor,
        unit_id=unit.id,
        entity_type=table.name,
        entity_id=petition_id,
        after=snapshot_of(row, senders, hide),
        summary=f"Vào sổ đơn {register_no}",
    )
    for sender in senders:
        sender["petition_id"] = petition_id
    return row, senders


def _insert(actor, petition: Petition, unit: Unit, manual, year: int, checked) -> list:
    """Insert a new petition with its number (typed, or the next one) and its attachments."""
    register_no = manual[0] if manual else ""
    try:
        # A savepoint: a clash on the number undoes this insert and the counter step only.
        with db.session.begin_nested():
            if manual:
                register_no, seq = manual
                if db.session.scalar(
                    sa.select(Petition.id).where(
                        (Petition.register_no == register_no)
                        | (
                            (Petition.unit_id == unit.id)
                            & (Petition.register_year == year)
                            & (Petition.register_seq == seq)
                        )
                    )
                ):
                    raise PetitionError(_clash_message(register_no), "register_no")
            else:
                seq = next_register_seq(unit.id, year)
                register_no = format_register_no(unit.code, year, seq)
            petition.register_seq = seq
            petition.register_no = register_no
            refresh_search_text(petition)
            rows = _attach(actor, petition, checked)
            db.session.add(petition)
            db.session.flush()
    except IntegrityError as e:
        if _is_register_clash(e):
            raise PetitionError(_clash_message(register_no), "register_no") from None
        raise
    return rows


def update_petition(
    actor,
    petition: Petition,
    data: PetitionData,
    files: Sequence[storage.IncomingFile] = (),
    *,
    expected_version: int | None,
    today: date | None = None,
) -> Petition:
    """Correct a registered petition; its register number and unit never change."""
    if expected_version != petition.version:
        raise PetitionError(STALE_MESSAGE, "version")
    today = today or clock.today()
    data.visit = petition.visit
    _check(data, today)
    if data.received_date.year != petition.register_year:
        raise PetitionError(
            _(
                "Số vào sổ %(register_no)s thuộc năm %(register_year)s: ngày nhận đơn phải trong "
                "năm %(register_year)s.",
                register_no=petition.register_no,
                register_year=petition.register_year,
            ),
            "received_date",
        )
    checked = check_files(files)
    before = _snapshot(petition)
    raw_before = _sender_values(petition)
    was = petition.kind
    _apply(petition, data)
    if petition.kind != was and petition.case is not None:
        # The case follows its petition's kind, or the change is refused with the reason.
        from complaints.cases import operations as case_ops

        try:
            case_ops.reclassify(actor, petition.case, petition, petition.kind, today)
        except case_ops.CaseError as e:
            raise PetitionError(str(e), "kind") from None
    refresh_matter_texts(petition)
    changed_before, changed_after = audit.diff(before, _snapshot(petition))
    if "senders" not in changed_after and raw_before != _sender_values(petition):
        # Masked in the log, the senders' change is still recorded (that, not what).
        changed_before["senders"] = changed_after["senders"] = MASKED_CHANGE
    if changed_after:
        petition.updated_at = utcnow()  # the row is rewritten, so its version always moves
    rows = _attach(actor, petition, checked)
    db.session.flush()
    if changed_after:
        audit.record(
            "petition.updated",
            petition,
            actor=actor,
            before=changed_before,
            after=changed_after,
            summary=f"Sửa đơn {petition.register_no}",
        )
    _store(actor, petition, rows, checked)
    db.session.flush()
    return petition


def add_attachments(
    actor, petition: Petition, files: Sequence[storage.IncomingFile]
) -> list[Attachment]:
    """Attach more scans to a registered petition (each checked, stored, audited)."""
    checked = check_files(files)
    rows = _attach(actor, petition, checked)
    db.session.flush()
    _store(actor, petition, rows, checked)
    db.session.flush()
    return rows


# --- reading -----------------------------------------------------------------------------


def register_query(
    user,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: PetitionKind | None = None,
    source: PetitionSource | None = None,
    field: Field | None = None,
    unit_id: int | None = None,
) -> sa.Select:
    """The register of the user's units, newest first, with the chosen filters."""
    query = sa.select(Petition).where(in_scope(user, Petition.unit_id))
    if date_from:
        query = query.where(Petition.received_date >= date_from)
    if date_to:
        query = query.where(Petition.received_date <= date_to)
    if kind:
        query = query.where(Petition.kind == kind)
    if source:
        query = query.where(Petition.source == source)
    if field:
        query = query.where(Petition.field == field)
    if unit_id:
        query = query.where(Petition.unit_id == unit_id)
    return query.options(selectinload(Petition.unit)).order_by(
        Petition.received_date.desc(), Petition.register_seq.desc(), Petition.id.desc()
    )


def search_petitions(user, term: str) -> sa.Select:
    """Petitions of the user's units whose folded text contains the folded term: those the
    term names exactly (register number, receipt code, a sender's identity number) first,
    then the newest registered first.

    Who may not see denouncers matches a denunciation's matter only by its number and content
    stripped of identities, never by a sender's name, papers or address. The candidates come
    from the database's text index (core/search_index.py).
    """
    pattern = like_pattern(term)
    full, needles = _folded_match(Petition.search_text, term)
    public = Petition.public_search_text.like(pattern, escape="\\")
    match = confidentiality.visible_clause(user, Petition, full, public)
    scope = scope_forms(user, Petition.unit_id)
    query, newest = search_index.narrow(
        db.session, sa.select(Petition), Petition, needles, scope=scope, match=match
    )
    keys = _exact_keys(user, term)
    first = [sa.case((keys, 0), else_=1)] if keys is not None else []
    return query.options(selectinload(Petition.unit)).order_by(*first, newest)


def _folded_match(column, term: str) -> tuple[sa.ColumnElement[bool], list[str]]:
    """The folded text column contains the term, or the paper number typed with separators
    ("031-085-001234") as it is stored; with the needles the text index narrows by."""
    needles = [fold(term)]
    match = column.like(like_pattern(term), escape="\\")
    ident = normalise_identity(term).lower()
    if ident != fold(term) and _TYPED_IDENTITY.fullmatch(ident):
        match = match | column.like(f"%{escape_like(ident)}%", escape="\\")
        needles.append(ident)
    return match, needles


def _exact_keys(user, term: str) -> sa.ColumnElement[bool] | None:
    """The petitions the term names exactly, each found by an equality on an indexed column:
    its register number, its receipt code, the identity number of a sender (where the user
    may see who sent it). None when the term has the shape of no key."""
    keys = []
    number = " ".join(term.split()).upper()
    if REGISTER_NO_RE.match(number):
        keys.append(Petition.register_no == number)
    code = receipt_codes.normalise(term)
    if receipt_codes.is_valid(code):
        keys.append(Petition.receipt_code == code)
    ident = normalise_identity(term)
    if ident.isdigit() and len(ident) in DIGIT_LENGTHS:
        sender = Petition.id.in_(
            sa.select(PetitionSender.petition_id).where(PetitionSender.identity_no == ident)
        )
        keys.append(confidentiality.visible_clause(user, Petition, sender, sa.false()))
    return sa.or_(*keys) if keys else None


def search_visits(user, term: str) -> sa.Select:
    """Visits of the user's units whose folded text (content and persons) contains the term,
    the newest first.

    Visit.search_text mixes content and persons, so for users who may not see denouncers a
    visit of a denunciation's matter is kept only when its content, stripped of the matter's
    identities, contains the term.
    """
    pattern = like_pattern(term)
    full, needles = _folded_match(Visit.search_text, term)
    scope = scope_forms(user, Visit.unit_id)
    if confidentiality.role_allows(user):
        match = full
    else:
        folded = fold(term)
        protected = confidentiality.protected_clause(Visit)
        candidates, _ = search_index.narrow(
            db.session,
            sa.select(Visit),
            Visit,
            [folded],
            scope=scope,
            match=protected & Visit.search_text.like(pattern, escape="\\"),
        )
        candidates = db.session.scalars(candidates).all()
        patterns = confidentiality.identity_values(candidates)
        by_content = [
            v.id
            for v in candidates
            if folded in fold(confidentiality.strip(v.content, patterns[("visit", v.id)], " "))
        ]
        match = sa.or_(~protected & full, Visit.id.in_(by_content))
    query, newest = search_index.narrow(
        db.session, sa.select(Visit), Visit, needles, scope=scope, match=match
    )
    return query.options(selectinload(Visit.unit)).order_by(newest)


@maintenance.task("refresh_search_texts")
def refresh_all_search_texts() -> int:
    """Rebuild every petition's search texts (after a change of what they hold)."""

    def batch(petitions: list[Petition]) -> None:
        matters = confidentiality.matter_values(petitions)
        for petition in petitions:
            refresh_search_text(petition, matters[("petition", petition.id)])

    return maintenance.in_batches(Petition, batch)
