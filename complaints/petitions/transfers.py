"""Hand-off inside the system (chuyển đơn, đôn đốc, báo cáo kết quả; DOMAIN §3, §5).

A petition transferred (or urged) to a unit of the same tree lands in that unit's register as
an incoming petition, numbered and searchable as every registration (operations.register_
petition), source "Cơ quan, đơn vị trong hệ thống chuyển đến", linked to the sender's petition.
The receiver processes it in its queue and reports its result back; the sender follows its
state, urges it with a new deadline, and sees it on its overdue list when the answer is late.
A body outside the tree is still named in free text (the paper slip, as before).

Which units may receive, loops, who may answer: units/roles.py. The operations here.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from complaints.calendar.operations import work_calendar
from complaints.core import audit, clock, confidentiality
from complaints.core.db import utcnow
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.petitions import storage
from complaints.petitions.models import (
    Petition,
    PetitionSource,
    PetitionTransfer,
    ProcessingOutcome,
    TransferUrging,
)
from complaints.units import roles
from complaints.units.models import Unit

# Outcomes that hand the petition to another body: to a unit of the tree, inside the system.
HAND_OFF = frozenset({ProcessingOutcome.transfer, ProcessingOutcome.urge})
# The answer awaited when the transfer sets none: calendar days from the transfer (a setting,
# COMPLAINTS_TRANSFER_ANSWER_DAYS). 30 days is the shortest resolution period of the laws
# (LKN Art 28, LTC Art 30): the receiver has had its processing time (10 working days) and
# a first stretch of resolution, enough to report what it did or where it stands.
DEFAULT_ANSWER_DAYS = 30
RESULT_MAX = 5000


class TransferError(OperationError):
    """A hand-off the rules refuse; `field` names the form field it belongs beside."""


def answer_days() -> int:
    return int(current_app.config.get("TRANSFER_ANSWER_DAYS", DEFAULT_ANSWER_DAYS))


def default_answer_due(sent_on: date) -> date:
    """The day the sender awaits the answer by, when the transfer names none."""
    return work_calendar().add_calendar_days(sent_on, answer_days())


def chain(petition: Petition) -> list[Unit]:
    """The units that registered the earlier petitions this one was transferred from, nearest
    first (forwarded_from_id, followed to its start)."""
    units, seen, current = [], {petition.id}, petition.forwarded_from
    while current is not None and current.id not in seen:
        seen.add(current.id)
        units.append(current.unit)
        current = current.forwarded_from
    return units


def check_target(petition: Petition, target: Unit, field: str = "target_id") -> None:
    """The unit may receive this petition inside the system (units/roles.py)."""
    roles.check_transfer_target(petition.unit, target, chain(petition), field)


def sent(petition: Petition) -> PetitionTransfer | None:
    """The transfer of this petition to a unit of the tree, if it was sent inside the system."""
    if petition.id is None:
        return None
    return db.session.scalar(
        sa.select(PetitionTransfer)
        .where(PetitionTransfer.sender_petition_id == petition.id)
        .options(selectinload(PetitionTransfer.urgings))
    )


def of_petitions(ids: list[int]) -> dict[int, PetitionTransfer]:
    """The transfers of a page of petitions, by petition id (sent or received), in one query
    with what a listing shows of them (both petitions, the unit, the urgings)."""
    if not ids:
        return {}
    found = db.session.scalars(
        sa.select(PetitionTransfer)
        .where(
            sa.or_(
                PetitionTransfer.sender_petition_id.in_(ids),
                PetitionTransfer.receiver_petition_id.in_(ids),
            )
        )
        .options(
            selectinload(PetitionTransfer.urgings),
            selectinload(PetitionTransfer.unit),
            selectinload(PetitionTransfer.sender).selectinload(Petition.unit),
            selectinload(PetitionTransfer.receiver),
        )
    ).all()
    wanted = set(ids)
    out: dict[int, PetitionTransfer] = {}
    for t in found:
        for pid in (t.sender_petition_id, t.receiver_petition_id):
            if pid in wanted:
                out[pid] = t
    return out


def received(petition: Petition) -> PetitionTransfer | None:
    """The transfer that brought this petition into its unit's register, if any."""
    if petition.id is None or petition.forwarded_from_id is None:
        return None
    return db.session.scalar(
        sa.select(PetitionTransfer).where(PetitionTransfer.receiver_petition_id == petition.id)
    )


def _copy_files(petition: Petition) -> list[storage.IncomingFile]:
    """The sender's scans, for the receiver's copy (checked and stored again as uploads).
    A scan whose file is missing from the storage is left out (the sender still has the row)."""
    files = []
    for a in petition.attachments:
        try:
            path = storage.path_for(a.storage_key)
        except ValueError:
            continue
        if path.is_file():
            files.append(storage.IncomingFile(a.filename, path.read_bytes()))
    return files


def send(
    actor,
    petition: Petition,
    target: Unit,
    *,
    on: date,
    doc_no: str,
    answer_due: date | None = None,
) -> PetitionTransfer:
    """Register the petition in the target unit's register and link the two (called by
    processing.process once the petition's outcome is recorded; its checks ran before)."""
    from complaints.petitions.operations import PetitionData, SenderData, register_petition

    check_target(petition, target)
    if not doc_no.strip():
        raise TransferError(_("Nhập số văn bản, phiếu chuyển đơn."), "doc_no")
    due = answer_due or default_answer_due(on)
    if due <= on:
        raise TransferError(
            _("Hạn báo cáo kết quả phải sau ngày chuyển (%(day)s).", day=fmt_date(on)),
            "answer_due",
        )
    data = PetitionData(
        received_date=on,
        source=PetitionSource.transferred,
        kind=petition.kind,
        field=petition.field,
        summary=petition.summary,
        signatory_count=petition.signatory_count,
        anonymous=petition.anonymous,
        senders=[
            SenderData(
                full_name=s.full_name, address=s.address, identity_no=s.identity_no, phone=s.phone
            )
            for s in petition.senders
        ],
        source_body=petition.unit.name[:255],
        source_doc_no=doc_no.strip(),
        unit=target,
    )
    # The transfer's own rule replaced the registering officer's scope: the sender hands over
    # to a unit of its tree it does not itself oversee.
    # A denouncer stays protected in the receiver's register: a denunciation is one by its
    # kind; a petition protected through its matter (a denunciation's visit or case) is marked.
    copy = register_petition(
        actor,
        data,
        _copy_files(petition),
        today=on,
        check_scope=False,
        denounced=confidentiality.is_protected(petition) or petition.denounced,
    )
    copy.forwarded_from_id = petition.id
    petition.transfer_unit_id = target.id
    transfer = PetitionTransfer(
        sender_petition_id=petition.id,
        receiver_petition_id=copy.id,
        unit_id=target.id,
        sent_on=on,
        doc_no=doc_no.strip(),
        answer_due=due,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(transfer)
    db.session.flush()
    audit.record(
        "petition.transferred",
        transfer,
        actor=actor,
        unit_id=petition.unit_id,
        after={
            "sender": petition.register_no,
            "receiver": copy.register_no,
            "unit_id": target.id,
            "sent_on": on,
            "doc_no": transfer.doc_no,
            "answer_due": due,
        },
        summary=f"Chuyển đơn {petition.register_no} đến {target.name}: {copy.register_no}",
    )
    return transfer


def link_imported(
    actor,
    sender: Petition,
    copy: Petition,
    *,
    answer_due: date | None = None,
    result_text: str = "",
    result_doc_no: str = "",
    result_on: date | None = None,
    note: str = "",
) -> PetitionTransfer:
    """A hand-off an old register records (registers/import_petitions.py): the sender's
    petition, already processed as transferred to the copy's unit, and the copy, already in
    that unit's register, linked as `send` links them, with the deadline and the result the
    register gives. Nothing is sent or registered: both petitions are rows of the registers."""
    on = sender.outcome_date
    transfer = PetitionTransfer(
        sender_petition_id=sender.id,
        receiver_petition_id=copy.id,
        unit_id=copy.unit_id,
        sent_on=on,
        doc_no=(sender.outcome_doc_no or "").strip(),
        answer_due=answer_due or default_answer_due(on),
        result_text=result_text,
        result_doc_no=result_doc_no,
        result_on=result_on,
        reported_at=utcnow() if result_on else None,
        created_by_id=getattr(actor, "id", None),
    )
    copy.forwarded_from_id = sender.id
    sender.transfer_unit_id = copy.unit_id
    db.session.add(transfer)
    db.session.flush()
    audit.record(
        "petition.transfer_imported",
        transfer,
        actor=actor,
        unit_id=sender.unit_id,
        after={
            "sender": sender.register_no,
            "receiver": copy.register_no,
            "unit_id": copy.unit_id,
            "sent_on": on,
            "doc_no": transfer.doc_no,
            "answer_due": transfer.answer_due,
            "result_on": result_on,
        },
        summary=(
            f"Nhập việc chuyển đơn {sender.register_no} đến {copy.unit.name}: "
            f"{copy.register_no}{note}"
        ),
    )
    return transfer


def report_result(actor, petition: Petition, *, text: str, on: date | None, doc_no: str = ""):
    """The receiver reports its result back to the sender (báo cáo kết quả) on the petition a
    transfer brought into its register; only a user of the receiving unit may."""
    transfer = received(petition)
    if transfer is None:
        raise TransferError(
            _("Đơn %(no)s không do đơn vị trong hệ thống chuyển đến.", no=petition.register_no),
            "result_text",
        )
    if actor is not None and not roles.may_answer_transfer(actor, petition.unit):
        raise TransferError(
            _(
                "Chỉ %(unit)s, đơn vị nhận đơn chuyển đến, báo cáo kết quả cho đơn vị đã chuyển.",
                unit=petition.unit.name,
            ),
            "result_text",
        )
    text = (text or "").strip()
    doc_no = (doc_no or "").strip()
    if not text:
        raise TransferError(_("Nhập kết quả giải quyết, xử lý đơn."), "result_text")
    if len(text) > RESULT_MAX:
        raise TransferError(_("Kết quả dài quá %(max)s ký tự.", max=RESULT_MAX), "result_text")
    if len(doc_no) > 64:
        raise TransferError(_("Số văn bản dài quá 64 ký tự."), "result_doc_no")
    if on is None:
        raise TransferError(_("Nhập ngày báo cáo kết quả."), "result_on")
    clock.not_after_today(on, "result_on")
    if on < transfer.sent_on:
        raise TransferError(
            _(
                "Ngày báo cáo kết quả không được trước ngày chuyển đơn (%(day)s).",
                day=fmt_date(transfer.sent_on),
            ),
            "result_on",
        )
    before = audit.snapshot(transfer, ("result_text", "result_doc_no", "result_on"))
    transfer.result_text, transfer.result_doc_no, transfer.result_on = text, doc_no, on
    transfer.reported_by_id = getattr(actor, "id", None)
    transfer.reported_at = utcnow()
    db.session.flush()
    b, a = audit.diff(
        before, audit.snapshot(transfer, ("result_text", "result_doc_no", "result_on"))
    )
    if confidentiality.is_protected(petition):
        pattern = confidentiality.pattern_for(
            v for s in petition.senders for v in (s.full_name, s.identity_no, s.address) if v
        )
        a["result_text"] = confidentiality.strip(text, pattern)
        b.pop("result_text", None)
    audit.record(
        "petition.transfer_result",
        transfer,
        actor=actor,
        unit_id=petition.unit_id,
        before=b,
        after=a,
        summary=f"Báo cáo kết quả đơn {petition.register_no} cho {transfer.sender.unit.name}",
    )
    return transfer


def urge(
    actor,
    petition: Petition,
    *,
    on: date | None,
    answer_due: date | None,
    doc_no: str = "",
    note: str = "",
) -> TransferUrging:
    """The sender urges the unit it transferred the petition to (đôn đốc), setting the new
    deadline for its answer; only on a petition transferred inside the system."""
    transfer = sent(petition)
    if transfer is None:
        raise TransferError(
            _(
                "Đơn %(no)s không được chuyển cho đơn vị trong hệ thống: không đôn đốc được "
                "trong hệ thống (đôn đốc bằng văn bản).",
                no=petition.register_no,
            ),
            "urged_on",
        )
    if actor is not None and not petition.can_process(actor):
        raise TransferError(_("Chỉ đơn vị đã chuyển đơn mới đôn đốc được đơn vị nhận."), "urged_on")
    if transfer.reported:
        raise TransferError(
            _(
                "%(unit)s đã báo cáo kết quả ngày %(day)s: không cần đôn đốc.",
                unit=transfer.unit.name,
                day=fmt_date(transfer.result_on),
            ),
            "urged_on",
        )
    doc_no, note = (doc_no or "").strip(), (note or "").strip()
    if on is None:
        raise TransferError(_("Nhập ngày đôn đốc."), "urged_on")
    clock.not_after_today(on, "urged_on")
    if on < transfer.sent_on:
        raise TransferError(
            _(
                "Ngày đôn đốc không được trước ngày chuyển đơn (%(day)s).",
                day=fmt_date(transfer.sent_on),
            ),
            "urged_on",
        )
    if answer_due is None:
        raise TransferError(_("Nhập hạn báo cáo kết quả."), "answer_due")
    if answer_due <= on:
        raise TransferError(
            _("Hạn báo cáo kết quả phải sau ngày đôn đốc (%(day)s).", day=fmt_date(on)),
            "answer_due",
        )
    if len(doc_no) > 64:
        raise TransferError(_("Số văn bản dài quá 64 ký tự."), "doc_no")
    if len(note) > RESULT_MAX:
        raise TransferError(_("Ghi chú dài quá %(max)s ký tự.", max=RESULT_MAX), "note")
    was = transfer.answer_due
    row = TransferUrging(
        urged_on=on,
        answer_due=answer_due,
        doc_no=doc_no,
        note=note,
        by_id=getattr(actor, "id", None),
    )
    transfer.urgings.append(row)
    transfer.answer_due = answer_due
    db.session.flush()
    audit.record(
        "petition.transfer_urged",
        row,
        actor=actor,
        unit_id=petition.unit_id,
        before={"answer_due": was},
        after={"urged_on": on, "answer_due": answer_due, "doc_no": doc_no},
        summary=f"Đôn đốc {transfer.unit.name} báo cáo kết quả đơn {petition.register_no}",
    )
    return row


def overdue_query(user, today: date) -> sa.Select:
    """Transfers the user's units sent (of the petitions they process) whose answer deadline
    passed without a result: the sender's overdue list, the oldest deadline first."""
    sender = sa.orm.aliased(Petition)
    return (
        sa.select(PetitionTransfer)
        .join(sender, sender.id == PetitionTransfer.sender_petition_id)
        .where(
            roles.processed_here(user, sender.unit_id),
            PetitionTransfer.result_on.is_(None),
            PetitionTransfer.answer_due < today,
        )
        .options(
            selectinload(PetitionTransfer.sender).selectinload(Petition.unit),
            selectinload(PetitionTransfer.receiver),
            selectinload(PetitionTransfer.unit),
            selectinload(PetitionTransfer.urgings),
        )
        .order_by(PetitionTransfer.answer_due, PetitionTransfer.id)
    )
